// Thread creation in every machine mode, after seed 001's PspCreateThread: a system
// thread's CID, process, times and exit status; CreateSuspended; a thread in another
// process; the failure paths (a process being deleted, a process whose rundown has
// completed, a faulting ClientId pointer, and every pool allocation failing in turn),
// each ending with the thread gone and nothing leaked.
#include "ps_test.h"

using namespace ntos_test;
using namespace ps_test;

namespace {

class PsThreadTest : public KernelTest {};

TEST_P(PsThreadTest, SystemThreadRunsWithItsCidInTheSystemProcessAndEndsWithItsStatus)
{
    KernelChecks Checks;
    ASSERT_EQ(RunInKernel([&] {
                  CLIENT_ID Cid{}, Seen{};
                  PEPROCESS SeenProcess = nullptr;
                  BOOLEAN SeenSystem = FALSE;
                  std::function<void()> Body = [&] {
                      Seen = PsGetCurrentThread()->Cid;
                      SeenProcess = PsGetCurrentProcess();
                      SeenSystem = PsIsSystemThread(PsGetCurrentThread());
                      PsTerminateSystemThread(0x1234);
                      Seen.UniqueThread = nullptr; // not reached
                  };
                  HANDLE Handle;
                  Checks.Expect(StartThreadIn(nullptr, &Body, &Handle, &Cid) == STATUS_SUCCESS, "created");
                  PETHREAD Thread = Reference<ETHREAD>(Handle, *PsThreadType);
                  Checks.Expect(WaitHandle(Handle) == STATUS_SUCCESS, "the thread object is signalled at exit");
                  Checks.Expect(Seen.UniqueThread == Cid.UniqueThread && Cid.UniqueThread != nullptr,
                                "the thread sees the CID its creator was given");
                  Checks.Expect(Cid.UniqueProcess == PsGetProcessId(PsInitialSystemProcess), "in the System process");
                  Checks.Expect(SeenProcess == PsInitialSystemProcess && SeenSystem, "a system thread");
                  Checks.Expect(PsGetThreadExitStatus(Thread) == 0x1234, "PsTerminateSystemThread's status");
                  Checks.Expect(Thread->Tcb.State == Terminated, "Terminated");
                  Checks.Expect(Thread->CreateTime.QuadPart != 0 &&
                                    Thread->ExitTime.QuadPart >= Thread->CreateTime.QuadPart,
                                "CreateTime, then ExitTime");
                  PETHREAD Found = nullptr;
                  Checks.Expect(PsLookupThreadByThreadId(Cid.UniqueThread, &Found) == STATUS_SUCCESS &&
                                    Found == Thread,
                                "its CID still names it while it is referenced");
                  if (Found)
                      ObDereferenceObject(Found);
                  ZwClose(Handle);
                  JoinKernelThread(Thread);
                  Checks.Expect(PsLookupThreadByThreadId(Cid.UniqueThread, &Found) == STATUS_INVALID_PARAMETER,
                                "the CID is freed with the object");
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Checks.Count, 10);
    EXPECT_TRUE(Checks.Failures.empty()) << Checks.Report();
}

TEST_P(PsThreadTest, ReturningFromTheStartRoutineEndsTheThreadWithSuccess)
{
    NTSTATUS Exit = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  std::function<void()> Body = [] {};
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  KeWaitForSingleObject(&Thread->Tcb, Executive, KernelMode, FALSE, nullptr);
                  Exit = PsGetThreadExitStatus(Thread);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Exit, STATUS_SUCCESS);
}

TEST_P(PsThreadTest, CreateSuspendedThreadRunsOnlyWhenResumed)
{
    volatile LONG Ran = 0;
    LONG RanWhileSuspended = -1;
    ULONG SuspendCount = 0;
    ASSERT_EQ(RunInKernel([&] {
                  std::function<void()> Body = [&] { InterlockedIncrement(&Ran); };
                  auto Trampoline = [](PVOID Context) { (*static_cast<std::function<void()> *>(Context))(); };
                  HANDLE Handle;
                  ASSERT_EQ(PspCreateThread(&Handle, THREAD_ALL_ACCESS, nullptr, nullptr, PsInitialSystemProcess,
                                            nullptr, nullptr, nullptr, TRUE, Trampoline, &Body),
                            STATUS_SUCCESS);
                  PETHREAD Thread = Reference<ETHREAD>(Handle, *PsThreadType);
                  LARGE_INTEGER Interval;
                  Interval.QuadPart = -10 * 1000 * 5;
                  KeDelayExecutionThread(KernelMode, FALSE, &Interval);
                  RanWhileSuspended = ReadShared(Ran);
                  SuspendCount = Thread->Tcb.SuspendCount;
                  KeResumeThread(&Thread->Tcb);
                  WaitHandle(Handle);
                  ZwClose(Handle);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(RanWhileSuspended, 0);
    EXPECT_EQ(SuspendCount, 1u);
    EXPECT_EQ(Ran, 1);
}

TEST_P(PsThreadTest, ThreadInAChildProcessIsItsOnlyThreadAndItsExitEndsTheProcess)
{
    KernelChecks Checks;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE ProcessHandle;
                  ASSERT_EQ(CreateProcess(&ProcessHandle), STATUS_SUCCESS);
                  PEPROCESS Process = Reference<EPROCESS>(ProcessHandle, *PsProcessType);
                  PEPROCESS Seen = nullptr;
                  std::function<void()> Body = [&] {
                      Seen = PsGetCurrentProcess();
                      PsTerminateSystemThread(0x77);
                  };
                  HANDLE Thread;
                  CLIENT_ID Cid;
                  Checks.Expect(StartThreadIn(ProcessHandle, &Body, &Thread, &Cid) == STATUS_SUCCESS, "created");
                  Checks.Expect(Cid.UniqueProcess == PsGetProcessId(Process), "the CID names the child");
                  Checks.Expect(WaitHandle(ProcessHandle) == STATUS_SUCCESS, "the process is signalled");
                  Checks.Expect(Seen == Process, "the thread ran in the child");
                  Checks.Expect(PsGetProcessExitStatus(Process) == 0x77, "the last thread's status");
                  Checks.Expect(Process->ActiveThreads == 0 && Process->ObjectTable == nullptr,
                                "no active thread; the handle table is gone");
                  HANDLE Late;
                  Checks.Expect(StartThreadIn(ProcessHandle, &Body, &Late) == STATUS_PROCESS_IS_TERMINATING,
                                "no thread starts in a process whose rundown has completed");
                  // The process is signalled before its last thread has finished exiting.
                  WaitHandle(Thread);
                  ZwClose(Thread);
                  ObDereferenceObject(Process);
                  ZwClose(ProcessHandle);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Checks.Count, 7);
    EXPECT_TRUE(Checks.Failures.empty()) << Checks.Report();
}

TEST_P(PsThreadTest, ProcessMarkedForDeletionTakesTheQuickiePath)
{
    NTSTATUS Terminate = STATUS_PENDING, Create = STATUS_PENDING;
    ULONG Threads = 99;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE ProcessHandle;
                  ASSERT_EQ(CreateProcess(&ProcessHandle), STATUS_SUCCESS);
                  Terminate = ZwTerminateProcess(ProcessHandle, STATUS_UNSUCCESSFUL);
                  std::function<void()> Body = [] {};
                  HANDLE Thread = nullptr;
                  Create = StartThreadIn(ProcessHandle, &Body, &Thread);
                  PEPROCESS Process = Reference<EPROCESS>(ProcessHandle, *PsProcessType);
                  Threads = CountThreads(Process);
                  ObDereferenceObject(Process);
                  ZwClose(ProcessHandle);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Terminate, STATUS_SUCCESS);
    EXPECT_EQ(Create, STATUS_PROCESS_IS_TERMINATING);
    EXPECT_EQ(Threads, 0u) << "the thread never reached the process's list";
}

TEST_P(PsThreadTest, FaultingClientIdPointerFailsTheCreationAndKillsTheThreadUnrun)
{
    NTSTATUS Status = STATUS_PENDING;
    volatile LONG Ran = 0;
    ASSERT_EQ(RunInKernel([&] {
                  std::function<void()> Body = [&] { InterlockedIncrement(&Ran); };
                  HANDLE Handle = nullptr;
                  ULONG Before = CountThreads(PsInitialSystemProcess);
                  Status = StartThreadIn(nullptr, &Body, &Handle, reinterpret_cast<PCLIENT_ID>(16));
                  WaitForThreadCount(PsInitialSystemProcess, Before);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status, STATUS_ACCESS_VIOLATION);
    EXPECT_EQ(Ran, 0) << "a thread whose creation failed dies before its start routine";
}

TEST_P(PsThreadTest, EveryPoolFailureOnTheCreationPathFailsCleanly)
{
    std::vector<NTSTATUS> Failures;
    volatile LONG Ran = 0;
    NTSTATUS Final = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  std::function<void()> Body = [&] { InterlockedIncrement(&Ran); };
                  ULONG Before = CountThreads(PsInitialSystemProcess);
                  for (ULONG64 Successes = 0; Successes < 64; Successes++) {
                      HANDLE Handle = nullptr;
                      ExpInjectPoolFailures(Successes, 1);
                      NTSTATUS Status = StartThreadIn(nullptr, &Body, &Handle);
                      ExpInjectPoolFailures(0, 0);
                      if (NT_SUCCESS(Status)) {
                          Final = Status;
                          WaitHandle(Handle);
                          ZwClose(Handle);
                          break;
                      }
                      Failures.push_back(Status);
                  }
                  WaitForThreadCount(PsInitialSystemProcess, Before);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Final, STATUS_SUCCESS) << "enough allocations let the creation through";
    EXPECT_GE(Failures.size(), 3u) << "the object, the CID and the handle each need pool";
    for (NTSTATUS Status : Failures)
        EXPECT_EQ(Status, STATUS_INSUFFICIENT_RESOURCES);
    EXPECT_EQ(Ran, 1) << "only the thread whose creation succeeded ran its start routine";
}

NTOS_INSTANTIATE_ALL_MODES(PsThreadTest);

} // namespace
