// Hosted user threads in every machine mode: RtlCreateUserThread / NtCreateThread make
// a thread that runs its start routine in user mode (PreviousMode UserMode, on a stack
// inside its process's user range, with a TEB), whose result is its exit status; its
// services enter the kernel side and come back; another thread's termination reaches
// it in a user-mode wait, while suspended, or before it ran; NtTerminateProcess ends
// every thread of its process; user APCs are delivered on the way back to user mode;
// a TEB that cannot be made fails the creation; a bad pointer from user mode is
// STATUS_ACCESS_VIOLATION. Each ends with the thread reaped and nothing leaked.
#include "mm.h"
#include "ps_test.h"
#include "user_thread.h"

using namespace ntos_test;
using namespace ps_test;

namespace {

class PsUserThreadTest : public KernelTest {};

TEST_P(PsUserThreadTest, StartRoutineRunsInUserModeOnItsUserStackAndItsResultIsTheExitStatus)
{
    KernelChecks Checks;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  auto *Object = Reference<EPROCESS>(Process, *PsProcessType);
                  UserRun Run;
                  HANDLE Thread;
                  CLIENT_ID Cid{};
                  Checks.Expect(StartUserThread(Process, &Run, &Thread, FALSE, &Cid) == STATUS_SUCCESS, "created");
                  Checks.Expect(ExitStatusOf(Thread) == 0x5A, "the start routine's result");
                  Checks.Expect(Run.Mode == UserMode, "it ran in user mode");
                  Checks.Expect(Run.Local >= Object->UserRangeStart && Run.Local < Object->UserRangeEnd,
                                "its locals are on a stack in its process's user range");
                  Checks.Expect(Run.Teb && Run.TebCid.UniqueThread == Cid.UniqueThread &&
                                    Run.TebCid.UniqueProcess == Cid.UniqueProcess,
                                "its TEB names it");
                  Checks.Expect(WaitHandle(Process) == STATUS_SUCCESS && PsGetProcessExitStatus(Object) == 0x5A,
                                "the last thread took its process with it");
                  ZwClose(Thread);
                  ObDereferenceObject(Object);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Checks.Count, 6);
    EXPECT_TRUE(Checks.Failures.empty()) << Checks.Report();
}

TEST_P(PsUserThreadTest, ServicesFromUserModeCheckAccessAndPointersAsUserMode)
{
    NTSTATUS KernelHandle = STATUS_PENDING, BadPointer = STATUS_PENDING, Query = STATUS_PENDING;
    NTSTATUS CreateWithBadCid = STATUS_PENDING;
    HANDLE SeenPid = nullptr;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process, KernelOnly;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  ASSERT_EQ(CreateProcess(&KernelOnly), STATUS_SUCCESS);
                  UserRun Run;
                  Run.Body = [&](UserRun &) -> NTSTATUS {
                      KernelHandle = NtTerminateProcess(KernelOnly, 1);
                      BadPointer = NtQueryInformationProcess(NtCurrentProcess(), ProcessBasicInformation,
                                                             reinterpret_cast<PVOID>(16),
                                                             sizeof(PROCESS_BASIC_INFORMATION), nullptr);
                      PROCESS_BASIC_INFORMATION Basic{};
                      Query = NtQueryInformationProcess(NtCurrentProcess(), ProcessBasicInformation, &Basic,
                                                        sizeof(Basic), nullptr);
                      SeenPid = reinterpret_cast<HANDLE>(Basic.UniqueProcessId);
                      UserRun Inner;
                      CreateWithBadCid = RtlCreateUserThread(NtCurrentProcess(), nullptr, FALSE, 0, 0, 0, UserStart,
                                                             &Inner, nullptr, reinterpret_cast<PCLIENT_ID>(16));
                      return STATUS_SUCCESS;
                  };
                  HANDLE Thread;
                  ASSERT_EQ(StartUserThread(Process, &Run, &Thread), STATUS_SUCCESS);
                  ExitStatusOf(Thread);
                  ZwClose(Thread);
                  WaitHandle(Process);
                  auto *Object = Reference<EPROCESS>(Process, *PsProcessType);
                  EXPECT_EQ(SeenPid, PsGetProcessId(Object));
                  ObDereferenceObject(Object);
                  ZwClose(KernelOnly);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(KernelHandle, STATUS_INVALID_HANDLE) << "a kernel handle is invisible to user mode";
    EXPECT_EQ(BadPointer, STATUS_ACCESS_VIOLATION);
    EXPECT_EQ(Query, STATUS_SUCCESS);
    EXPECT_EQ(CreateWithBadCid, STATUS_ACCESS_VIOLATION) << "seed 001: the ClientId write under SEH";
}

TEST_P(PsUserThreadTest, NtCreateThreadExAllocatesTheStackAndHonoursItsFlags)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  auto *Object = Reference<EPROCESS>(Process, *PsProcessType);
                  UserRun Run;
                  HANDLE Thread;
                  OBJECT_ATTRIBUTES Attributes;
                  InitializeObjectAttributes(&Attributes, nullptr, OBJ_KERNEL_HANDLE, nullptr, nullptr);
                  ULONG Flags = THREAD_CREATE_FLAGS_CREATE_SUSPENDED | THREAD_CREATE_FLAGS_HIDE_FROM_DEBUGGER |
                                THREAD_CREATE_FLAGS_SKIP_THREAD_ATTACH;
                  ASSERT_EQ(ZwCreateThreadEx(&Thread, THREAD_ALL_ACCESS, &Attributes, Process, UserStart, &Run, Flags,
                                             0, 64 * 1024, 0, nullptr),
                            STATUS_SUCCESS);
                  auto *Created = Reference<ETHREAD>(Thread, *PsThreadType);
                  C.Expect(Created->HideFromDebugger, "hidden from the debugger");
                  C.Expect(Run.Mode == KernelMode && Run.Local == nullptr, "created suspended: not run yet");
                  ULONG Previous = 0;
                  NtResumeThread(Thread, &Previous);
                  C.Expect(Previous == 1, "suspended once");
                  C.Expect(ExitStatusOf(Thread) == 0x5A, "ran to its start routine's result");
                  C.Expect(Run.Mode == UserMode, "in user mode");
                  C.Expect(Run.Local >= Object->UserRangeStart && Run.Local < Object->UserRangeEnd,
                           "on a stack in its process's range");
                  ObDereferenceObject(Created);
                  ZwClose(Thread);
                  C.Expect(ZwCreateThreadEx(&Thread, THREAD_ALL_ACCESS, &Attributes, Process, UserStart, &Run, 0x100, 0,
                                            0, 0, nullptr) == STATUS_INVALID_PARAMETER,
                           "an unknown flag");
                  C.Expect(ZwCreateThreadEx(&Thread, THREAD_ALL_ACCESS, &Attributes, Process, nullptr, &Run, 0, 0, 0, 0,
                                            nullptr) == STATUS_INVALID_PARAMETER,
                           "no start routine");
                  C.Expect(ZwCreateThreadEx(&Thread, THREAD_ALL_ACCESS, &Attributes, Process, UserStart, &Run, 0, 0, 0,
                                            0, reinterpret_cast<struct _PS_ATTRIBUTE_LIST *>(&Run)) ==
                               STATUS_NOT_SUPPORTED,
                           "attribute lists are not here");
                  C.Expect(ZwCreateThreadEx(&Thread, THREAD_ALL_ACCESS, &Attributes, Thread, UserStart, &Run, 0, 0, 0,
                                            0, nullptr) == STATUS_INVALID_HANDLE,
                           "a closed handle for the process");
                  ObDereferenceObject(Object);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

// Kernel memory a user-mode caller might name.
ULONG KernelWord;
CLIENT_ID KernelCid;
CONTEXT KernelContext;

TEST_P(PsUserThreadTest, KernelAddressesFromUserModeAreRefusedBeforeTheServiceActs)
{
    NTSTATUS Suspend = STATUS_PENDING, Open = STATUS_PENDING, Create = STATUS_PENDING, Set = STATUS_PENDING;
    ULONG CountAfter = 99;
    ASSERT_EQ(RunInKernel([&] {
                  KernelCid.UniqueProcess = PsGetCurrentProcessId();
                  UserRun Run;
                  Run.Body = [&](UserRun &) -> NTSTATUS {
                      Suspend = NtSuspendThread(NtCurrentThread(), &KernelWord);
                      ULONG Count = 0;
                      NtResumeThread(NtCurrentThread(), &Count);
                      CountAfter = Count;
                      HANDLE Opened;
                      OBJECT_ATTRIBUTES Attributes;
                      InitializeObjectAttributes(&Attributes, nullptr, 0, nullptr, nullptr);
                      Open = NtOpenProcess(&Opened, PROCESS_QUERY_INFORMATION, &Attributes, &KernelCid);
                      INITIAL_TEB Teb{};
                      HANDLE Thread;
                      Create = NtCreateThread(&Thread, THREAD_ALL_ACCESS, nullptr, NtCurrentProcess(), nullptr,
                                              &KernelContext, &Teb, TRUE);
                      Set = NtSetInformationThread(NtCurrentThread(), ThreadBasePriority, &KernelWord, sizeof(LONG));
                      return STATUS_SUCCESS;
                  };
                  RunUserThreadInNewProcess(Run);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Suspend, STATUS_ACCESS_VIOLATION) << "a kernel count slot";
    EXPECT_EQ(CountAfter, 0u) << "and the thread was not suspended";
    EXPECT_EQ(KernelWord, 0u) << "nothing written to kernel memory";
    EXPECT_EQ(Open, STATUS_ACCESS_VIOLATION) << "a client ID in kernel memory";
    EXPECT_EQ(Create, STATUS_ACCESS_VIOLATION) << "a CONTEXT in kernel memory";
    EXPECT_EQ(Set, STATUS_ACCESS_VIOLATION) << "a set-information buffer in kernel memory";
}

// Kernel memory a user-mode thread creation might be told to write.
CLIENT_ID KernelCreateCid;
HANDLE KernelCreateHandle;

TEST_P(PsUserThreadTest, ThreadCreationFromUserModeRefusesKernelOutputPointers)
{
    NTSTATUS ByCid = STATUS_PENDING, ByHandle = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  UserRun Run, Never;
                  Run.Body = [&](UserRun &) -> NTSTATUS {
                      HANDLE Thread;
                      ByCid = RtlCreateUserThread(NtCurrentProcess(), nullptr, FALSE, 0, 0, 0, UserStart, &Never,
                                                  &Thread, &KernelCreateCid);
                      ByHandle = NtCreateThreadEx(&KernelCreateHandle, THREAD_ALL_ACCESS, nullptr, NtCurrentProcess(),
                                                  UserStart, &Never, 0, 0, 0, 0, nullptr);
                      return STATUS_SUCCESS;
                  };
                  RunUserThreadInNewProcess(Run);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(ByCid, STATUS_ACCESS_VIOLATION) << "a client-ID slot in kernel memory (found by the fuzzer)";
    EXPECT_EQ(KernelCreateCid.UniqueThread, nullptr) << "nothing written to kernel memory";
    EXPECT_EQ(ByHandle, STATUS_ACCESS_VIOLATION) << "a handle slot in kernel memory";
    EXPECT_EQ(KernelCreateHandle, nullptr);
}

TEST_P(PsUserThreadTest, AnotherThreadsTerminationEndsAUserModeWait)
{
    NTSTATUS Exit = STATUS_PENDING, Terminate = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process, Other;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  ASSERT_EQ(CreateProcess(&Other), STATUS_SUCCESS);
                  UserRun Run;
                  Run.Body = [&](UserRun &R) -> NTSTATUS {
                      InterlockedExchange(&R.Phase, 1);
                      R.ServiceStatus = NtWaitForSingleObject(R.WaitOn, FALSE, nullptr);
                      InterlockedExchange(&R.Phase, 2); // not reached
                      return STATUS_SUCCESS;
                  };
                  // The handle it waits on lives in its own process's table.
                  auto *Object = Reference<EPROCESS>(Process, *PsProcessType);
                  auto *OtherObject = Reference<EPROCESS>(Other, *PsProcessType);
                  KAPC_STATE ApcState;
                  KeStackAttachProcess(&Object->Pcb, &ApcState);
                  ObOpenObjectByPointer(OtherObject, 0, nullptr, SYNCHRONIZE, *PsProcessType, KernelMode, &Run.WaitOn);
                  KeUnstackDetachProcess(&ApcState);
                  ObDereferenceObject(OtherObject);
                  HANDLE Thread;
                  ASSERT_EQ(StartUserThread(Process, &Run, &Thread), STATUS_SUCCESS);
                  WaitForPhase(Run, 1);
                  PETHREAD Target = Reference<ETHREAD>(Thread, *PsThreadType);
                  SpinUntilWaiting(&Target->Tcb, UserRequest);
                  Terminate = ZwTerminateThread(Thread, 0x66);
                  Exit = ExitStatusOf(Thread);
                  EXPECT_EQ(ReadShared(Run.Phase), 1) << "it died in the wait, not after it";
                  ObDereferenceObject(Target);
                  ZwClose(Thread);
                  WaitHandle(Process);
                  ObDereferenceObject(Object);
                  ZwClose(Other);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Terminate, STATUS_SUCCESS);
    EXPECT_EQ(Exit, 0x66);
}

TEST_P(PsUserThreadTest, TerminatingASuspendedOrUnstartedUserThreadEndsIt)
{
    NTSTATUS Suspended = STATUS_PENDING, Unrun = STATUS_PENDING;
    volatile LONG Ran = 0;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  UserRun Run;
                  Run.Body = [&](UserRun &) -> NTSTATUS {
                      InterlockedIncrement(&Ran);
                      return STATUS_SUCCESS;
                  };
                  HANDLE Thread;
                  ASSERT_EQ(StartUserThread(Process, &Run, &Thread, TRUE), STATUS_SUCCESS);
                  ZwTerminateThread(Thread, 0x71);
                  Unrun = ExitStatusOf(Thread);
                  ZwClose(Thread);
                  Suspended = WaitHandle(Process);
                  ZwClose(Process);
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  ASSERT_EQ(StartUserThread(Process, &Run, &Thread), STATUS_SUCCESS);
                  ExitStatusOf(Thread);
                  ZwClose(Thread);
                  WaitHandle(Process);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Unrun, 0x71) << "created suspended, terminated: force-resumed and ended unrun";
    EXPECT_EQ(Ran, 1) << "only the second thread ran its start routine";
    EXPECT_EQ(Suspended, STATUS_SUCCESS) << "its process ended with it";
}

TEST_P(PsUserThreadTest, TerminatingTheProcessEndsEveryUserThreadAndSignalsIt)
{
    NTSTATUS Status = STATUS_PENDING, ProcessExit = STATUS_PENDING;
    NTSTATUS Exits[3] = {STATUS_PENDING, STATUS_PENDING, STATUS_PENDING};
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  UserRun Runs[3];
                  HANDLE Threads[3];
                  for (int i = 0; i < 3; i++) {
                      Runs[i].Body = [](UserRun &R) -> NTSTATUS {
                          InterlockedExchange(&R.Phase, 1);
                          for (;;)
                              NtTestAlert(); // a thread that only enters the kernel for a service
                      };
                      ASSERT_EQ(StartUserThread(Process, &Runs[i], &Threads[i]), STATUS_SUCCESS);
                  }
                  for (auto &Run : Runs)
                      WaitForPhase(Run, 1);
                  Status = ZwTerminateProcess(Process, 0x99);
                  for (int i = 0; i < 3; i++) {
                      Exits[i] = ExitStatusOf(Threads[i]);
                      ZwClose(Threads[i]);
                  }
                  WaitHandle(Process);
                  auto *Object = Reference<EPROCESS>(Process, *PsProcessType);
                  ProcessExit = PsGetProcessExitStatus(Object);
                  ObDereferenceObject(Object);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status, STATUS_SUCCESS);
    for (NTSTATUS Exit : Exits)
        EXPECT_EQ(Exit, 0x99);
    EXPECT_EQ(ProcessExit, 0x99);
}

VOID NTAPI RecordApc(PVOID NormalContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    auto *Seen = static_cast<ULONG_PTR *>(NormalContext);
    Seen[0] = reinterpret_cast<ULONG_PTR>(SystemArgument1);
    Seen[1] = reinterpret_cast<ULONG_PTR>(SystemArgument2);
    Seen[2] = ExGetPreviousMode();
}

TEST_P(PsUserThreadTest, AUserApcEndsAnAlertableWaitAndRunsOnTheWayBackToUserMode)
{
    NTSTATUS Queue = STATUS_PENDING;
    ULONG_PTR Seen[3] = {0, 0, 99};
    UserRun Run;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  Run.Body = [](UserRun &R) -> NTSTATUS {
                      InterlockedExchange(&R.Phase, 1);
                      LARGE_INTEGER Long;
                      Long.QuadPart = -10LL * 1000 * 1000 * 3600;
                      R.ServiceStatus = NtWaitForSingleObject(NtCurrentProcess(), TRUE, &Long);
                      return STATUS_SUCCESS;
                  };
                  HANDLE Thread;
                  ASSERT_EQ(StartUserThread(Process, &Run, &Thread), STATUS_SUCCESS);
                  WaitForPhase(Run, 1);
                  PETHREAD Target = Reference<ETHREAD>(Thread, *PsThreadType);
                  SpinUntilWaiting(&Target->Tcb, UserRequest);
                  Queue = NtQueueApcThread(Thread, RecordApc, Seen, reinterpret_cast<PVOID>(11),
                                           reinterpret_cast<PVOID>(22));
                  ExitStatusOf(Thread);
                  ObDereferenceObject(Target);
                  ZwClose(Thread);
                  WaitHandle(Process);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Queue, STATUS_SUCCESS);
    EXPECT_EQ(Run.ServiceStatus, STATUS_USER_APC);
    EXPECT_EQ(Seen[0], 11u);
    EXPECT_EQ(Seen[1], 22u);
    EXPECT_EQ(Seen[2], static_cast<ULONG_PTR>(UserMode));
}

TEST_P(PsUserThreadTest, AFailingTebFailsTheCreationAndLeavesNothing)
{
    NTSTATUS Status = STATUS_PENDING;
    ULONG Threads = 99;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  UserRun Run;
                  HANDLE Thread = nullptr;
                  MmInjectTebFailures(1);
                  Status = StartUserThread(Process, &Run, &Thread);
                  MmInjectTebFailures(0);
                  auto *Object = Reference<EPROCESS>(Process, *PsProcessType);
                  Threads = CountThreads(Object);
                  ObDereferenceObject(Object);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status, STATUS_NO_MEMORY);
    EXPECT_EQ(Threads, 0u);
}

NTOS_INSTANTIATE_ALL_MODES(PsUserThreadTest);

} // namespace
