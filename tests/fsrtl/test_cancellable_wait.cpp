// FsRtlCancellableWaitForSingleObject / MultipleObjects in every machine mode, as
// Microsoft documents them: an ordinary wait (signalled objects, timeouts, kernel APCs
// delivered while it waits) that a thread being terminated cannot enter or stay in
// (STATUS_THREAD_IS_TERMINATING, 0xC000004B) and a cancelled IRP ends when the waiter
// is alerted (STATUS_CANCELLED). Seed 000's scenario: a process-exit notify routine's
// cancellable wait returns 0xC000004B at once, because the exiting thread's Terminated
// flag is already set; a non-cancellable wait there still waits for its object.
#include <functional>

#include "ntifs.h"
#include "../ps/ps_test.h"

using namespace ntos_test;

namespace {

class FsRtlTest : public KernelTest {};

constexpr NTSTATUS kThreadIsTerminating = static_cast<NTSTATUS>(0xC000004BL);
constexpr LONG64 kMs = 10000; // 100 ns units per millisecond

// The system thread stands in for a user thread, which another thread may terminate
// (system threads only end themselves); the hosted kernel has no user threads yet.
void AllowTerminationByOthers(PETHREAD Thread)
{
    InterlockedAnd(reinterpret_cast<volatile LONG *>(&Thread->CrossThreadFlags),
                   ~static_cast<LONG>(PS_CROSS_THREAD_FLAGS_SYSTEM));
}

// Waits up to Ms for Thread to terminate; whether it did.
bool ThreadEndsWithin(PETHREAD Thread, LONG64 Ms)
{
    LARGE_INTEGER Timeout = RelativeMs(Ms);
    return KeWaitForSingleObject(&Thread->Tcb, Executive, KernelMode, FALSE, &Timeout) == STATUS_SUCCESS;
}

TEST_P(FsRtlTest, SignalledObjectsEndTheWait)
{
    NTSTATUS Blocked = STATUS_PENDING, Any = STATUS_PENDING, All = STATUS_PENDING, AllPoll = STATUS_PENDING;
    NTSTATUS Many = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Events[5];
                  for (KEVENT &Event : Events)
                      KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  std::function<void()> Waiter = [&] {
                      Blocked = FsRtlCancellableWaitForSingleObject(&Events[0], nullptr, nullptr);
                  };
                  PETHREAD Thread = StartKernelThread(&Waiter);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, Executive);
                  KeSetEvent(&Events[0], 0, FALSE);
                  JoinKernelThread(Thread);

                  PVOID Pair[2] = {&Events[1], &Events[2]};
                  LARGE_INTEGER Zero{};
                  KeSetEvent(&Events[2], 0, FALSE);
                  Any = FsRtlCancellableWaitForMultipleObjects(2, Pair, WaitAny, nullptr, nullptr, nullptr);
                  AllPoll = FsRtlCancellableWaitForMultipleObjects(2, Pair, WaitAll, &Zero, nullptr, nullptr);
                  KeSetEvent(&Events[1], 0, FALSE);
                  All = FsRtlCancellableWaitForMultipleObjects(2, Pair, WaitAll, nullptr, nullptr, nullptr);

                  PVOID Five[5] = {&Events[3], &Events[3], &Events[3], &Events[3], &Events[4]};
                  KWAIT_BLOCK Blocks[5];
                  KeSetEvent(&Events[4], 0, FALSE);
                  Many = FsRtlCancellableWaitForMultipleObjects(5, Five, WaitAny, nullptr, Blocks, nullptr);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Blocked, STATUS_SUCCESS);
    EXPECT_EQ(Any, STATUS_WAIT_1);
    EXPECT_EQ(AllPoll, STATUS_TIMEOUT);
    EXPECT_EQ(All, STATUS_SUCCESS);
    EXPECT_EQ(Many, STATUS_WAIT_0 + 4) << "the caller's wait blocks, beyond THREAD_WAIT_OBJECTS";
}

TEST_P(FsRtlTest, TimeoutsExpire)
{
    NTSTATUS Relative = STATUS_PENDING, Poll = STATUS_PENDING, Past = STATUS_PENDING;
    ULONG64 Elapsed = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Event;
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  LARGE_INTEGER Timeout = RelativeMs(20);
                  ULONG64 Start = KeQueryInterruptTime();
                  Relative = FsRtlCancellableWaitForSingleObject(&Event, &Timeout, nullptr);
                  Elapsed = KeQueryInterruptTime() - Start;
                  LARGE_INTEGER Zero{};
                  Poll = FsRtlCancellableWaitForSingleObject(&Event, &Zero, nullptr);
                  LARGE_INTEGER Absolute;
                  KeQuerySystemTime(&Absolute);
                  Absolute.QuadPart -= 10 * kMs;
                  Past = FsRtlCancellableWaitForSingleObject(&Event, &Absolute, nullptr);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Relative, STATUS_TIMEOUT);
    EXPECT_GE(Elapsed, static_cast<ULONG64>(20 * kMs));
    EXPECT_EQ(Poll, STATUS_TIMEOUT);
    EXPECT_EQ(Past, STATUS_TIMEOUT);
}

LONG ApcRuns;
PKTHREAD ApcThread;
VOID NTAPI CountingKernelRoutine(PKAPC, PKNORMAL_ROUTINE *, PVOID *, PVOID *, PVOID *)
{
    ApcThread = KeGetCurrentThread();
    InterlockedIncrement(&ApcRuns);
}

// A special kernel APC queued to the waiter runs in it, and the wait goes on.
TEST_P(FsRtlTest, KernelApcsRunAndTheWaitGoesOn)
{
    NTSTATUS Status = STATUS_PENDING, StatusAfterApc = STATUS_PENDING;
    BOOLEAN Inserted = FALSE;
    LONG Runs = -1;
    bool RanInWaiter = false;
    ASSERT_EQ(RunInKernel([&] {
                  ApcRuns = 0;
                  KEVENT Event;
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  std::function<void()> Waiter = [&] {
                      Status = FsRtlCancellableWaitForSingleObject(&Event, nullptr, nullptr);
                  };
                  PETHREAD Thread = StartKernelThread(&Waiter);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, Executive);
                  KAPC Apc;
                  KeInitializeApc(&Apc, &Thread->Tcb, OriginalApcEnvironment, CountingKernelRoutine, nullptr, nullptr,
                                  KernelMode, nullptr);
                  Inserted = KeInsertQueueApc(&Apc, nullptr, nullptr, 0);
                  SpinUntil([] { return ReadShared(ApcRuns) > 0; });
                  SpinUntilWaiting(&Thread->Tcb, Executive);
                  StatusAfterApc = Status;
                  Runs = ReadShared(ApcRuns);
                  RanInWaiter = ApcThread == &Thread->Tcb;
                  KeSetEvent(&Event, 0, FALSE);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(Inserted);
    EXPECT_EQ(Runs, 1);
    EXPECT_TRUE(RanInWaiter);
    EXPECT_EQ(StatusAfterApc, STATUS_PENDING) << "the APC ended the wait";
    EXPECT_EQ(Status, STATUS_SUCCESS);
}

// Another thread terminates the waiter: its termination request alerts it, the wait
// returns STATUS_THREAD_IS_TERMINATING with the Terminated flag set, and the thread
// goes on to exit.
TEST_P(FsRtlTest, TerminatingTheWaiterEndsItsWait)
{
    NTSTATUS Status = STATUS_PENDING, Terminate = STATUS_PENDING;
    BOOLEAN TerminatingAfter = FALSE;
    bool Ended = false;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Event;
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  std::function<void()> Waiter = [&] {
                      Status = FsRtlCancellableWaitForSingleObject(&Event, nullptr, nullptr);
                      TerminatingAfter = PsIsThreadTerminating(PsGetCurrentThread());
                  };
                  PETHREAD Thread = StartKernelThread(&Waiter);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, Executive);
                  AllowTerminationByOthers(Thread);
                  Terminate = PspTerminateThreadByPointer(Thread, STATUS_UNSUCCESSFUL, FALSE);
                  Ended = ThreadEndsWithin(Thread, 5000);
                  KeSetEvent(&Event, 0, FALSE);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Terminate, STATUS_SUCCESS);
    EXPECT_TRUE(Ended) << "the waiter did not end after its termination";
    EXPECT_EQ(static_cast<ULONG>(Status), static_cast<ULONG>(kThreadIsTerminating));
    EXPECT_TRUE(TerminatingAfter);
}

// The same termination does not end a non-cancellable kernel wait (only the exit
// APC's kernel stage runs in it): that wait returns when its object is signalled.
TEST_P(FsRtlTest, TerminationDoesNotEndANonCancellableWait)
{
    NTSTATUS Status = STATUS_PENDING, StatusAfterTerminate = STATUS_PENDING;
    BOOLEAN TerminatingAfter = FALSE;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Event;
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  std::function<void()> Waiter = [&] {
                      Status = KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, nullptr);
                      TerminatingAfter = PsIsThreadTerminating(PsGetCurrentThread());
                  };
                  PETHREAD Thread = StartKernelThread(&Waiter);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, Executive);
                  AllowTerminationByOthers(Thread);
                  EXPECT_EQ(PspTerminateThreadByPointer(Thread, STATUS_UNSUCCESSFUL, FALSE), STATUS_SUCCESS);
                  LARGE_INTEGER Pause = RelativeMs(5);
                  KeDelayExecutionThread(KernelMode, FALSE, &Pause);
                  SpinUntilWaiting(&Thread->Tcb, Executive);
                  StatusAfterTerminate = Status;
                  KeSetEvent(&Event, 0, FALSE);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(StatusAfterTerminate, STATUS_PENDING);
    EXPECT_EQ(Status, STATUS_SUCCESS);
    EXPECT_TRUE(TerminatingAfter);
}

// An alert with the IRP not cancelled waits again; with Irp->Cancel set it ends the
// wait with STATUS_CANCELLED. An alert does not restart a relative timeout either.
TEST_P(FsRtlTest, AlertsEndTheWaitOnlyForACancelledIrp)
{
    NTSTATUS Status = STATUS_PENDING, AfterFirstAlert = STATUS_PENDING, Timed = STATUS_PENDING;
    ULONG64 TimedElapsed = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Event;
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  IRP Irp{};
                  std::function<void()> Waiter = [&] {
                      Status = FsRtlCancellableWaitForSingleObject(&Event, nullptr, &Irp);
                  };
                  PETHREAD Thread = StartKernelThread(&Waiter);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, Executive);
                  KeAlertThread(&Thread->Tcb, KernelMode);
                  LARGE_INTEGER Pause = RelativeMs(5);
                  KeDelayExecutionThread(KernelMode, FALSE, &Pause);
                  SpinUntilWaiting(&Thread->Tcb, Executive);
                  AfterFirstAlert = Status;
                  __atomic_store_n(&Irp.Cancel, TRUE, __ATOMIC_RELEASE);
                  KeAlertThread(&Thread->Tcb, KernelMode);
                  if (!ThreadEndsWithin(Thread, 5000))
                      KeSetEvent(&Event, 0, FALSE);
                  JoinKernelThread(Thread);

                  std::function<void()> TimedWaiter = [&] {
                      LARGE_INTEGER Timeout = RelativeMs(30);
                      ULONG64 Start = KeQueryInterruptTime();
                      Timed = FsRtlCancellableWaitForSingleObject(&Event, &Timeout, nullptr);
                      TimedElapsed = KeQueryInterruptTime() - Start;
                  };
                  Thread = StartKernelThread(&TimedWaiter);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, Executive);
                  KeAlertThread(&Thread->Tcb, KernelMode);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(AfterFirstAlert, STATUS_PENDING) << "an alert without a cancelled IRP ended the wait";
    EXPECT_EQ(Status, STATUS_CANCELLED);
    EXPECT_EQ(Timed, STATUS_TIMEOUT);
    EXPECT_GE(TimedElapsed, static_cast<ULONG64>(30 * kMs));
    EXPECT_LT(TimedElapsed, static_cast<ULONG64>(5000 * kMs)) << "the alert restarted the timeout";
}

// What a cancellable wait inside an exit notify routine saw.
struct WaitResult {
    NTSTATUS Status;
    NTSTATUS SignalledStatus;
    ULONG64 Elapsed;
    BOOLEAN Terminating;
    LONG Calls;
};
WaitResult ProcessExitResult, ThreadExitResult;
HANDLE WatchedPid, WatchedTid;

// A driver sending a message and waiting, cancellably, up to a second for its reply
// (FltSendMessage's wait), then the same wait on an object already signalled.
void WaitForReply(WaitResult *Result, bool Multiple)
{
    KEVENT Reply, Abort;
    KeInitializeEvent(&Reply, NotificationEvent, FALSE);
    KeInitializeEvent(&Abort, NotificationEvent, FALSE);
    PVOID Objects[2] = {&Reply, &Abort};
    LARGE_INTEGER Timeout = RelativeMs(1000);
    ULONG64 Start = KeQueryInterruptTime();
    Result->Status = Multiple
                         ? FsRtlCancellableWaitForMultipleObjects(2, Objects, WaitAny, &Timeout, nullptr, nullptr)
                         : FsRtlCancellableWaitForSingleObject(&Reply, &Timeout, nullptr);
    Result->Elapsed = KeQueryInterruptTime() - Start;
    KeSetEvent(&Reply, 0, FALSE);
    Result->SignalledStatus = FsRtlCancellableWaitForSingleObject(&Reply, &Timeout, nullptr);
    Result->Terminating = PsIsThreadTerminating(PsGetCurrentThread());
    Result->Calls++;
}

VOID NTAPI Seed000ProcessRoutine(HANDLE, HANDLE ProcessId, BOOLEAN Create)
{
    if (!Create && ProcessId == WatchedPid)
        WaitForReply(&ProcessExitResult, true);
}

VOID NTAPI Seed000ThreadRoutine(HANDLE, HANDLE ThreadId, BOOLEAN Create)
{
    if (!Create && ThreadId == WatchedTid)
        WaitForReply(&ThreadExitResult, false);
}

void ExpectTerminatingResult(const WaitResult &Result, const char *Where)
{
    EXPECT_EQ(Result.Calls, 1) << Where;
    EXPECT_EQ(static_cast<ULONG>(Result.Status), static_cast<ULONG>(kThreadIsTerminating)) << Where;
    EXPECT_EQ(static_cast<ULONG>(Result.SignalledStatus), static_cast<ULONG>(kThreadIsTerminating))
        << Where << ": the Terminated flag is checked before the objects";
    EXPECT_LT(Result.Elapsed, static_cast<ULONG64>(100 * kMs)) << Where << ": the wait did not return at once";
    EXPECT_TRUE(Result.Terminating) << Where;
}

// Seed 000: the process-exit routine of a process whose last thread exits.
TEST_P(FsRtlTest, ProcessExitRoutineGetsThreadIsTerminatingAtOnce)
{
    NTSTATUS Created = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  ProcessExitResult = WaitResult{};
                  WatchedPid = nullptr;
                  ASSERT_EQ(PsSetCreateProcessNotifyRoutine(Seed000ProcessRoutine, FALSE), STATUS_SUCCESS);
                  HANDLE Process;
                  Created = CreateChildOfSystem(&Process);
                  if (NT_SUCCESS(Created)) {
                      PEPROCESS Object = ReferenceProcess(Process);
                      WatchedPid = Object->UniqueProcessId;
                      ObDereferenceObject(Object);
                      RunInProcess(Process, [] {});
                      ZwClose(Process);
                  }
                  EXPECT_EQ(PsSetCreateProcessNotifyRoutine(Seed000ProcessRoutine, TRUE), STATUS_SUCCESS);
              }),
              STATUS_SUCCESS);
    ASSERT_EQ(Created, STATUS_SUCCESS);
    ExpectTerminatingResult(ProcessExitResult, "process-exit routine");
}

// The thread-exit routine of a system thread that returns from its start routine.
TEST_P(FsRtlTest, ThreadExitRoutineGetsThreadIsTerminatingAtOnce)
{
    ASSERT_EQ(RunInKernel([&] {
                  ThreadExitResult = WaitResult{};
                  WatchedTid = nullptr;
                  ASSERT_EQ(PsSetCreateThreadNotifyRoutine(Seed000ThreadRoutine), STATUS_SUCCESS);
                  KEVENT Go;
                  KeInitializeEvent(&Go, NotificationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      KeWaitForSingleObject(&Go, Executive, KernelMode, FALSE, nullptr);
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  if (Thread) {
                      WatchedTid = Thread->Cid.UniqueThread;
                      KeSetEvent(&Go, 0, FALSE);
                      JoinKernelThread(Thread);
                  }
                  EXPECT_EQ(PsRemoveCreateThreadNotifyRoutine(Seed000ThreadRoutine), STATUS_SUCCESS);
              }),
              STATUS_SUCCESS);
    ExpectTerminatingResult(ThreadExitResult, "thread-exit routine");
}

// A process-exit routine's ordinary KeWaitForSingleObject waits for its object and
// returns when another thread signals it; the process exits afterwards.
KEVENT ExitGate;
volatile LONG InExitWait;
NTSTATUS GateStatus;

VOID NTAPI GateProcessRoutine(HANDLE, HANDLE ProcessId, BOOLEAN Create)
{
    if (Create || ProcessId != WatchedPid)
        return;
    InterlockedExchange(&InExitWait, 1);
    GateStatus = KeWaitForSingleObject(&ExitGate, Executive, KernelMode, FALSE, nullptr);
}

TEST_P(FsRtlTest, NonCancellableWaitInProcessExitRoutineCompletes)
{
    NTSTATUS Created = STATUS_PENDING;
    LONG SignalledBeforeGate = -1, ProcessSignalledBeforeGate = -1, ProcessSignalled = -1;
    ASSERT_EQ(RunInKernel([&] {
                  KeInitializeEvent(&ExitGate, NotificationEvent, FALSE);
                  InExitWait = 0;
                  GateStatus = STATUS_PENDING;
                  WatchedPid = nullptr;
                  ASSERT_EQ(PsSetCreateProcessNotifyRoutine(GateProcessRoutine, FALSE), STATUS_SUCCESS);
                  HANDLE Process;
                  Created = CreateChildOfSystem(&Process);
                  if (NT_SUCCESS(Created)) {
                      PEPROCESS Object = ReferenceProcess(Process);
                      WatchedPid = Object->UniqueProcessId;
                      std::function<void()> Body = [] {};
                      PETHREAD Thread = StartThreadInProcess(Process, &Body);
                      if (Thread) {
                          SpinUntil([] { return ReadShared(InExitWait) == 1; });
                          SpinUntilWaiting(&Thread->Tcb, Executive);
                          SignalledBeforeGate = KeReadStateThread(&Thread->Tcb);
                          ProcessSignalledBeforeGate = Object->Pcb.Header.SignalState;
                          KeSetEvent(&ExitGate, 0, FALSE);
                          JoinKernelThread(Thread);
                      }
                      ProcessSignalled = Object->Pcb.Header.SignalState;
                      ObDereferenceObject(Object);
                      ZwClose(Process);
                  }
                  EXPECT_EQ(PsSetCreateProcessNotifyRoutine(GateProcessRoutine, TRUE), STATUS_SUCCESS);
              }),
              STATUS_SUCCESS);
    ASSERT_EQ(Created, STATUS_SUCCESS);
    EXPECT_EQ(SignalledBeforeGate, 0);
    EXPECT_EQ(ProcessSignalledBeforeGate, 0);
    EXPECT_EQ(GateStatus, STATUS_SUCCESS);
    EXPECT_EQ(ProcessSignalled, 1);
}

NTOS_INSTANTIATE_ALL_MODES(FsRtlTest);

} // namespace
