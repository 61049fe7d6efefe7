// Seed 000 end to end, in every machine mode: the seed's driver (seed000.c) is created
// with IoCreateDriver; a user-mode service in its own process connects to the driver's
// communication port and answers every message; a monitored process is created (its
// create notify's FltSendMessage gets the service's verdict) and exits (its exit
// notify's FltSendMessage returns STATUS_THREAD_IS_TERMINATING, 0xC000004B, at once;
// a non-cancellable wait in the same routine still completes); the process still
// exits, nothing hangs, and the driver unloads with nothing leaked.
#include "ps_test.h"
#include "user_thread.h"
#include "io.h"
#include "seed000_service.h"

using namespace ntos_test;
using namespace ps_test;

namespace {

class Seed000Test : public KernelTest {};

// The user-mode service: connects, then answers each message until the port fails.
NTSTATUS RunService(UserRun &Run, volatile LONG *Answered, HRESULT *Connected)
{
    HANDLE Port;
    *Connected = FilterConnectCommunicationPort(SEED000_PORT_NAME, 0, nullptr, 0, nullptr, &Port);
    InterlockedExchange(&Run.Phase, 1);
    if (*Connected != S_OK)
        return STATUS_UNSUCCESSFUL;
    Seed000AnswerMessages(Port, Answered);
    return STATUS_SUCCESS;
}

// The driver's log entry for a process's create or exit, or NULL.
decltype(&Seed000Log.Entries[0]) FindLogEntry(HANDLE ProcessId, BOOLEAN Create)
{
    LONG Count = ReadShared(Seed000Log.Count);
    for (LONG I = 0; I < Count && I < SEED000_LOG_SIZE; I++)
        if (Seed000Log.Entries[I].ProcessId == ProcessId && Seed000Log.Entries[I].Create == Create)
            return &Seed000Log.Entries[I];
    return nullptr;
}

// Unloads the driver \Driver\Seed000 as the I/O manager would: DriverUnload, then the
// object goes.
void UnloadSeed000(PUNICODE_STRING Name)
{
    PDRIVER_OBJECT Driver = nullptr;
    if (!NT_SUCCESS(ObReferenceObjectByName(Name, OBJ_CASE_INSENSITIVE, nullptr, 0, IopDriverObjectType, KernelMode,
                                            nullptr, reinterpret_cast<PVOID *>(&Driver))))
        return;
    Driver->DriverUnload(Driver);
    IoDeleteDriver(Driver);
    ObDereferenceObject(Driver);
}

TEST_P(Seed000Test, TheExitNotifysSendReturnsThreadIsTerminatingAndTheProcessStillExits)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  UNICODE_STRING DriverName = RTL_CONSTANT_STRING(L"\\Driver\\Seed000");
                  ASSERT_EQ(IoCreateDriver(&DriverName, Seed000DriverEntry), STATUS_SUCCESS);
                  HANDLE Service, ServiceThread;
                  ASSERT_EQ(CreateProcess(&Service), STATUS_SUCCESS);
                  volatile LONG Answered = 0;
                  HRESULT Connected = -1;
                  UserRun Receiver;
                  Receiver.Body = [&](UserRun &Run) { return RunService(Run, &Answered, &Connected); };
                  ASSERT_EQ(StartUserThread(Service, &Receiver, &ServiceThread), STATUS_SUCCESS);
                  WaitForPhase(Receiver, 1);
                  C.Expect(Connected == S_OK, "the service connected to the driver's port");

                  HANDLE Monitored, Thread;
                  ASSERT_EQ(CreateProcess(&Monitored), STATUS_SUCCESS);
                  auto *Process = Reference<EPROCESS>(Monitored, *PsProcessType);
                  HANDLE ProcessId = PsGetProcessId(Process);
                  std::function<void()> Body = [] {};
                  ASSERT_EQ(StartThreadIn(Monitored, &Body, &Thread), STATUS_SUCCESS);
                  C.Expect(WaitHandle(Thread) == STATUS_SUCCESS, "the monitored thread ended");
                  C.Expect(WaitHandle(Monitored) == STATUS_SUCCESS, "the monitored process exited: nothing hung");

                  auto *Created = FindLogEntry(ProcessId, TRUE);
                  auto *Exited = FindLogEntry(ProcessId, FALSE);
                  C.Expect(Created && Created->SendStatus == STATUS_SUCCESS && Created->Verdict == SEED000_CREATE_VERDICT,
                           "the create notify's message was answered");
                  C.Expect(Exited && Exited->SendStatus == STATUS_THREAD_IS_TERMINATING,
                           "the exit notify's FltSendMessage returned 0xC000004B");
                  C.Expect(Exited && Exited->PlainWaitStatus == STATUS_SUCCESS,
                           "a non-cancellable wait in the exit notify completed");
                  C.Expect(ReadShared(Answered) == 1, "the service answered the create message only");
                  ObDereferenceObject(Process);
                  ZwClose(Thread);
                  ZwClose(Monitored);

                  ZwTerminateProcess(Service, STATUS_SUCCESS);
                  WaitHandle(ServiceThread);
                  ZwClose(ServiceThread);
                  ZwClose(Service);
                  UnloadSeed000(&DriverName);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

} // namespace

NTOS_INSTANTIATE_ALL_MODES(Seed000Test);
