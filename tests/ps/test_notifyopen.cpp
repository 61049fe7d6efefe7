// A thread-create notify routine that opens the new thread by its CID before the
// creator has inserted it (found by the fuzzer), in every machine mode: the open
// takes the object's first handle, so the creator's ObInsertObject finds an object
// that is no longer new and refuses it with STATUS_INVALID_PARAMETER, as NT's checked
// build does; the thread is then run to its death as on any late failure, and nothing
// leaks (before the fix the thread object, its process and its creation information
// stayed alive).
#include "ps_test.h"
#include "user_thread.h"

using namespace ntos_test;
using namespace ps_test;

namespace {

class PsNotifyOpenTest : public KernelTest {};

volatile LONG Armed;
NTSTATUS OpenStatus;
NTSTATUS TerminateStatus;
bool TerminateToo;

// Opens (and, when asked, terminates) each new thread by CID while armed.
VOID NTAPI OpenNewThread(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create)
{
    if (!Create || !InterlockedExchange(&Armed, 0))
        return;
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, nullptr, OBJ_KERNEL_HANDLE, nullptr, nullptr);
    CLIENT_ID Cid{ProcessId, ThreadId};
    HANDLE Thread;
    OpenStatus = ZwOpenThread(&Thread, THREAD_ALL_ACCESS, &Attributes, &Cid);
    if (!NT_SUCCESS(OpenStatus))
        return;
    if (TerminateToo)
        TerminateStatus = ZwTerminateThread(Thread, 0x77);
    ZwClose(Thread);
}

// Creates one user thread in a new process with the routine armed; the creation's
// status.
NTSTATUS CreateWhileArmed(bool Terminate)
{
    NTSTATUS Status = STATUS_PENDING;
    EXPECT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  ASSERT_EQ(PsSetCreateThreadNotifyRoutine(OpenNewThread), STATUS_SUCCESS);
                  TerminateToo = Terminate;
                  OpenStatus = TerminateStatus = STATUS_PENDING;
                  InterlockedExchange(&Armed, 1);
                  UserRun Run;
                  HANDLE Thread = nullptr;
                  Status = StartUserThread(Process, &Run, &Thread);
                  if (NT_SUCCESS(Status))
                      ZwClose(Thread);
                  EXPECT_EQ(PsRemoveCreateThreadNotifyRoutine(OpenNewThread), STATUS_SUCCESS);
                  WaitHandle(Process);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    return Status;
}

TEST_P(PsNotifyOpenTest, AThreadOpenedByCidBeforeItsInsertionIsRefusedAndNothingLeaks)
{
    EXPECT_EQ(CreateWhileArmed(false), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(OpenStatus, STATUS_SUCCESS) << "the CID names the thread from the notify routine on";
}

TEST_P(PsNotifyOpenTest, AThreadTerminatedThroughItsCidDuringCreationDiesAndNothingLeaks)
{
    EXPECT_EQ(CreateWhileArmed(true), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(OpenStatus, STATUS_SUCCESS);
    EXPECT_EQ(TerminateStatus, STATUS_SUCCESS);
}

NTOS_INSTANTIATE_ALL_MODES(PsNotifyOpenTest);

} // namespace
