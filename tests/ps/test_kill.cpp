// Termination in every machine mode, after ReactOS's ps/kill.c: NtTerminateThread
// (the current thread, NULL and the last-thread rule, another thread, bad handles),
// NtTerminateProcess (NULL versus a handle to the caller's own process, a process with
// no thread losing its handles, the System process refused), a process's last thread
// taking it down (handles closed, mutants abandoned, the process signalled with its
// status), the reaper freeing kernel stacks, and the stops NT takes at a broken exit.
#include "ps_test.h"

using namespace ntos_test;
using namespace ps_test;

namespace {

class PsKillTest : public KernelTest {};

// Runs Body in a new system thread of ProcessHandle's process (System when NULL) and
// returns the thread's exit status once it has ended.
NTSTATUS RunThreadIn(HANDLE ProcessHandle, const std::function<void()> &Body)
{
    HANDLE Handle;
    NTSTATUS Status = StartThreadIn(ProcessHandle, &Body, &Handle);
    if (!NT_SUCCESS(Status))
        return Status;
    PETHREAD Thread = Reference<ETHREAD>(Handle, *PsThreadType);
    WaitHandle(Handle);
    ZwClose(Handle);
    NTSTATUS Exit = PsGetThreadExitStatus(Thread);
    JoinKernelThread(Thread);
    return Exit;
}

// Opens a handle to Object (a process) in Process's handle table.
HANDLE OpenHandleIn(PEPROCESS Process, PVOID Object)
{
    KAPC_STATE ApcState;
    KeStackAttachProcess(&Process->Pcb, &ApcState);
    HANDLE Handle = nullptr;
    NTSTATUS Status = ObOpenObjectByPointer(Object, 0, nullptr, PROCESS_ALL_ACCESS, *PsProcessType, KernelMode, &Handle);
    KeUnstackDetachProcess(&ApcState);
    return NT_SUCCESS(Status) ? Handle : nullptr;
}

// The number of handles open to an object.
LONG_PTR HandleCountOf(PVOID Object) { return OBJECT_TO_OBJECT_HEADER(Object)->HandleCount; }

TEST_P(PsKillTest, NtTerminateThreadEndsTheCallerForItsPseudoHandleAndForNull)
{
    NTSTATUS ByPseudo = STATUS_PENDING, ByNull = STATUS_PENDING;
    volatile LONG Continued = 0;
    ASSERT_EQ(RunInKernel([&] {
                  ByPseudo = RunThreadIn(nullptr, [&] {
                      NtTerminateThread(NtCurrentThread(), 0x70);
                      InterlockedIncrement(&Continued);
                  });
                  ByNull = RunThreadIn(nullptr, [&] {
                      NtTerminateThread(nullptr, 0x71);
                      InterlockedIncrement(&Continued);
                  });
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(ByPseudo, 0x70);
    EXPECT_EQ(ByNull, 0x71) << "NULL is the caller when other threads are left";
    EXPECT_EQ(Continued, 0);
}

TEST_P(PsKillTest, NtTerminateThreadWithNullRefusesTheLastThreadOfItsProcess)
{
    NTSTATUS Refused = STATUS_PENDING, Exit = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  Exit = RunThreadIn(Process, [&] {
                      Refused = NtTerminateThread(nullptr, 0x72);
                      PsTerminateSystemThread(0x73);
                  });
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Refused, STATUS_CANT_TERMINATE_SELF);
    EXPECT_EQ(Exit, 0x73) << "the caller went on after the refusal";
}

TEST_P(PsKillTest, NtTerminateThreadChecksTheHandleAndSystemThreadsRefuseOthers)
{
    NTSTATUS Bogus = STATUS_PENDING, WrongType = STATUS_PENDING, System = STATUS_PENDING;
    BOOLEAN TerminatingAfter = TRUE;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Release;
                  KeInitializeEvent(&Release, NotificationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      KeWaitForSingleObject(&Release, Executive, KernelMode, FALSE, nullptr);
                  };
                  HANDLE Thread;
                  ASSERT_EQ(StartThreadIn(nullptr, &Body, &Thread), STATUS_SUCCESS);
                  Bogus = NtTerminateThread(reinterpret_cast<HANDLE>(0x7FF0), 1);
                  WrongType = NtTerminateThread(NtCurrentProcess(), 1);
                  System = NtTerminateThread(Thread, 1);
                  PETHREAD Target = Reference<ETHREAD>(Thread, *PsThreadType);
                  TerminatingAfter = PsIsThreadTerminating(Target);
                  KeSetEvent(&Release, 0, FALSE);
                  WaitHandle(Thread);
                  ZwClose(Thread);
                  JoinKernelThread(Target);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Bogus, STATUS_INVALID_HANDLE);
    EXPECT_EQ(WrongType, STATUS_OBJECT_TYPE_MISMATCH);
    EXPECT_EQ(System, STATUS_ACCESS_DENIED) << "a system thread ends only itself";
    EXPECT_FALSE(TerminatingAfter);
}

TEST_P(PsKillTest, NtTerminateProcessWithNullSparesTheCallerAndItsOwnHandleEndsIt)
{
    NTSTATUS BySuicide = STATUS_PENDING, CreateAfterNull = STATUS_PENDING, CreateAfterHandle = STATUS_PENDING;
    NTSTATUS Exit = STATUS_PENDING, ProcessExit = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  std::function<void()> Idle = [] {};
                  Exit = RunThreadIn(Process, [&] {
                      BySuicide = NtTerminateProcess(nullptr, 0x80);
                      CreateAfterNull = RunThreadIn(NtCurrentProcess(), Idle);
                      NtTerminateProcess(NtCurrentProcess(), 0x81);
                  });
                  HANDLE Late;
                  CreateAfterHandle = StartThreadIn(Process, &Idle, &Late);
                  WaitHandle(Process);
                  PEPROCESS Object = Reference<EPROCESS>(Process, *PsProcessType);
                  ProcessExit = PsGetProcessExitStatus(Object);
                  ObDereferenceObject(Object);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(BySuicide, STATUS_SUCCESS);
    EXPECT_EQ(CreateAfterNull, STATUS_SUCCESS) << "NULL does not mark the process for deletion";
    EXPECT_EQ(Exit, 0x81) << "a handle to its own process ends the caller";
    EXPECT_EQ(CreateAfterHandle, STATUS_PROCESS_IS_TERMINATING);
    EXPECT_EQ(ProcessExit, 0x81);
}

TEST_P(PsKillTest, TerminatingAProcessWithNoThreadClosesItsHandles)
{
    NTSTATUS Status = STATUS_PENDING;
    ULONG HandlesBefore = 0, HandlesAfter = 99;
    LONG_PTR TargetHandles = -1;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process, Target;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  ASSERT_EQ(CreateProcess(&Target), STATUS_SUCCESS);
                  PEPROCESS Object = Reference<EPROCESS>(Process, *PsProcessType);
                  PEPROCESS TargetObject = Reference<EPROCESS>(Target, *PsProcessType);
                  ASSERT_NE(OpenHandleIn(Object, TargetObject), nullptr);
                  HandlesBefore = ObGetProcessHandleCount(Object);
                  Status = ZwTerminateProcess(Process, 0x90);
                  HandlesAfter = ObGetProcessHandleCount(Object);
                  TargetHandles = HandleCountOf(TargetObject);
                  ObDereferenceObject(TargetObject);
                  ObDereferenceObject(Object);
                  ZwClose(Target);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status, STATUS_SUCCESS);
    EXPECT_EQ(HandlesBefore, 1u);
    EXPECT_EQ(HandlesAfter, 0u);
    EXPECT_EQ(TargetHandles, 1) << "only the test's own handle is left";
}

TEST_P(PsKillTest, TheSystemProcessCannotBeTerminated)
{
    NTSTATUS ByPseudo = STATUS_PENDING, ByHandle = STATUS_PENDING, Internal = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  ByPseudo = ZwTerminateProcess(NtCurrentProcess(), 1);
                  HANDLE System;
                  ASSERT_EQ(ObOpenObjectByPointer(PsInitialSystemProcess, OBJ_KERNEL_HANDLE, nullptr,
                                                  PROCESS_ALL_ACCESS, *PsProcessType, KernelMode, &System),
                            STATUS_SUCCESS);
                  ByHandle = ZwTerminateProcess(System, 1);
                  ZwClose(System);
                  Internal = PspTerminateProcess(PsInitialSystemProcess, 1);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(ByPseudo, STATUS_ACCESS_DENIED);
    EXPECT_EQ(ByHandle, STATUS_ACCESS_DENIED);
    EXPECT_EQ(Internal, STATUS_ACCESS_DENIED);
}

TEST_P(PsKillTest, LastThreadTakesItsProcessDownAfterTheOthersHaveEnded)
{
    KernelChecks Checks;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  PEPROCESS Object = Reference<EPROCESS>(Process, *PsProcessType);
                  ASSERT_NE(OpenHandleIn(Object, PsInitialSystemProcess), nullptr);
                  LONG_PTR SystemHandles = HandleCountOf(PsInitialSystemProcess);
                  KEVENT Release;
                  KeInitializeEvent(&Release, NotificationEvent, FALSE);
                  std::function<void()> Waits = [&] {
                      KeWaitForSingleObject(&Release, Executive, KernelMode, FALSE, nullptr);
                      PsTerminateSystemThread(0xA1);
                  };
                  std::function<void()> Quick = [] { PsTerminateSystemThread(0xA0); };
                  HANDLE First, Second;
                  ASSERT_EQ(StartThreadIn(Process, &Waits, &First), STATUS_SUCCESS);
                  ASSERT_EQ(StartThreadIn(Process, &Quick, &Second), STATUS_SUCCESS);
                  WaitHandle(Second);
                  LARGE_INTEGER Zero{};
                  Checks.Expect(ZwWaitForSingleObject(Process, FALSE, &Zero) == STATUS_TIMEOUT,
                                "not signalled while a thread is left");
                  Checks.Expect(ObGetProcessHandleCount(Object) == 1, "its handles stay");
                  KeSetEvent(&Release, 0, FALSE);
                  Checks.Expect(WaitHandle(Process) == STATUS_SUCCESS, "signalled after the last thread");
                  Checks.Expect(PsGetProcessExitStatus(Object) == 0xA1, "the last thread's status");
                  Checks.Expect(HandleCountOf(PsInitialSystemProcess) == SystemHandles - 1, "its handles were closed");
                  Checks.Expect(Object->ObjectTable == nullptr, "its table is gone");
                  ZwClose(First);
                  ZwClose(Second);
                  WaitForThreadCount(Object, 0);
                  ObDereferenceObject(Object);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Checks.Count, 6);
    EXPECT_TRUE(Checks.Failures.empty()) << Checks.Report();
}

TEST_P(PsKillTest, ExitingWhileOwningAMutantAbandonsIt)
{
    NTSTATUS WaitStatus = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  KMUTANT Mutant;
                  KeInitializeMutant(&Mutant, FALSE);
                  KEVENT Owned;
                  KeInitializeEvent(&Owned, NotificationEvent, FALSE);
                  RunThreadIn(nullptr, [&] {
                      KeWaitForSingleObject(&Mutant, Executive, KernelMode, FALSE, nullptr);
                      PsTerminateSystemThread(STATUS_SUCCESS);
                  });
                  WaitStatus = KeWaitForSingleObject(&Mutant, Executive, KernelMode, FALSE, nullptr);
                  KeReleaseMutant(&Mutant, 0, FALSE, FALSE);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(WaitStatus, STATUS_ABANDONED);
}

TEST_P(PsKillTest, TheReaperFreesTheKernelStackAndTheLastReferenceTheObject)
{
    PVOID StackWhileRunning = nullptr, StackAfterReap = reinterpret_cast<PVOID>(1);
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Release;
                  KeInitializeEvent(&Release, NotificationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      KeWaitForSingleObject(&Release, Executive, KernelMode, FALSE, nullptr);
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  StackWhileRunning = Thread->Tcb.StackBase;
                  KeSetEvent(&Release, 0, FALSE);
                  KeWaitForSingleObject(&Thread->Tcb, Executive, KernelMode, FALSE, nullptr);
                  LARGE_INTEGER Interval;
                  Interval.QuadPart = -10 * 100;
                  while (__atomic_load_n(&OBJECT_TO_OBJECT_HEADER(Thread)->PointerCount, __ATOMIC_ACQUIRE) > 1)
                      KeDelayExecutionThread(KernelMode, FALSE, &Interval);
                  StackAfterReap = Thread->Tcb.StackBase;
                  ObDereferenceObject(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_NE(StackWhileRunning, nullptr);
    EXPECT_EQ(StackAfterReap, nullptr) << "the reaper freed the stack and dropped its reference";
}

NTOS_INSTANTIATE_ALL_MODES(PsKillTest);

class PsKillDeathTest : public KernelDeathTest {};

TEST_F(PsKillDeathTest, TerminatingACriticalThreadStops)
{
    EXPECT_DEATH(BootAndRun([] {
                     PsGetCurrentThread()->BreakOnTermination = 1;
                     PsTerminateSystemThread(STATUS_SUCCESS);
                 }),
                 "STOP: 0x000000F4(.|\n)*CRITICAL_OBJECT_TERMINATION");
}

TEST_F(PsKillDeathTest, TerminatingACriticalProcessStops)
{
    EXPECT_DEATH(BootAndRun([] {
                     HANDLE Process;
                     CreateProcess(&Process);
                     Reference<EPROCESS>(Process, *PsProcessType)->BreakOnTermination = 1;
                     ZwTerminateProcess(Process, 1);
                 }),
                 "STOP: 0x000000F4(.|\n)*CRITICAL_OBJECT_TERMINATION");
}

TEST_F(PsKillDeathTest, ExitingInsideACriticalRegionStops)
{
    EXPECT_DEATH(BootAndRun([] {
                     KeEnterCriticalRegion();
                     PsTerminateSystemThread(STATUS_SUCCESS);
                 }),
                 "STOP: 0x00000020(.|\n)*KERNEL_APC_PENDING_DURING_EXIT");
}

TEST_F(PsKillDeathTest, ExitingWhileAttachedToAnotherProcessStops)
{
    EXPECT_DEATH(BootAndRun([] {
                     HANDLE Process;
                     CreateProcess(&Process);
                     KAPC_STATE ApcState;
                     KeStackAttachProcess(&Reference<EPROCESS>(Process, *PsProcessType)->Pcb, &ApcState);
                     PsTerminateSystemThread(STATUS_SUCCESS);
                 }),
                 "STOP: 0x00000005(.|\n)*INVALID_PROCESS_ATTACH_ATTEMPT");
}

} // namespace
