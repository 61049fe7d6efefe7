// Executive timer objects in every machine mode: the Timer type's services (create,
// open by name, set with relative and absolute due times, periodic, cancel, query),
// waits on a timer handle, the access each service needs, wrong object types, bad user
// pointers and parameter errors; the timer APC, queued to the thread that set the timer
// (a kernel thread's normal kernel APC, a user thread's user APC ending an alertable
// wait); and the references an APC association holds, dropped by cancel, re-set, the
// thread's exit (ExTimerRundown) and the last handle's close.
#include "../ps/ps_test.h"
#include "../ps/user_thread.h"
#include "ex.h"
#include "ob.h"

using namespace ntos_test;
using namespace ps_test;

namespace {

class ExTimerTest : public KernelTest {};

// Inside the kernel: creates a timer (named when Name is given) with a kernel handle.
NTSTATUS CreateTimer(PHANDLE Handle, TIMER_TYPE Type, PCWSTR Name = nullptr, ACCESS_MASK Access = TIMER_ALL_ACCESS)
{
    UNICODE_STRING String;
    if (Name)
        RtlInitUnicodeString(&String, Name);
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, Name ? &String : nullptr, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, nullptr,
                               nullptr);
    return ZwCreateTimer(Handle, Access, &Attributes, Type);
}

// Inside the kernel: opens the timer Name names with a kernel handle.
NTSTATUS OpenTimer(PHANDLE Handle, PCWSTR Name, ACCESS_MASK Access = TIMER_ALL_ACCESS)
{
    UNICODE_STRING String;
    RtlInitUnicodeString(&String, Name);
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, &String, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, nullptr, nullptr);
    return ZwOpenTimer(Handle, Access, &Attributes);
}

// Inside the kernel: sets a timer due in Ms milliseconds, with no APC.
NTSTATUS SetTimerMs(HANDLE Handle, LONG64 Ms, LONG Period = 0, PBOOLEAN PreviousState = nullptr)
{
    LARGE_INTEGER Due = RelativeMs(Ms);
    return ZwSetTimer(Handle, &Due, nullptr, nullptr, FALSE, Period, PreviousState);
}

// Inside the kernel: waits for a handle's object, at most Ms milliseconds (-1:
// forever).
NTSTATUS WaitMs(HANDLE Handle, LONG64 Ms)
{
    LARGE_INTEGER Timeout = RelativeMs(Ms);
    return ZwWaitForSingleObject(Handle, FALSE, Ms < 0 ? nullptr : &Timeout);
}

// Inside the kernel: sleeps Ms milliseconds (kernel APCs are delivered meanwhile).
void SleepMs(LONG64 Ms)
{
    LARGE_INTEGER Interval = RelativeMs(Ms);
    KeDelayExecutionThread(KernelMode, FALSE, &Interval);
}

// Inside the kernel: the basic information of a timer, and the query's status.
NTSTATUS QueryTimer(HANDLE Handle, TIMER_BASIC_INFORMATION *Basic, PULONG ReturnLength = nullptr)
{
    return ZwQueryTimer(Handle, TimerBasicInformation, Basic, sizeof(*Basic), ReturnLength);
}

// Inside the kernel: the pointer count of the object a kernel handle names, less the
// reference taken to read it.
LONG_PTR PointerCountOf(HANDLE Handle)
{
    PVOID Object;
    if (!NT_SUCCESS(ObReferenceObjectByHandle(Handle, 0, nullptr, KernelMode, &Object, nullptr)))
        return -1;
    LONG_PTR Count = __atomic_load_n(&OBJECT_TO_OBJECT_HEADER(Object)->PointerCount, __ATOMIC_ACQUIRE) - 1;
    ObDereferenceObject(Object);
    return Count;
}

// What a timer APC routine saw: how often it ran, its context, the previous mode and
// the expiry time it was given.
struct ApcRecord {
    volatile LONG Runs = 0;
    PVOID Context = nullptr;
    KPROCESSOR_MODE Mode = MaximumMode;
    ULONG64 Time = 0;
    HANDLE Thread = nullptr;
};

ApcRecord *volatile CurrentRecord;

VOID NTAPI RecordTimerApc(PVOID Context, ULONG Low, LONG High)
{
    ApcRecord *Record = CurrentRecord;
    Record->Context = Context;
    Record->Mode = ExGetPreviousMode();
    Record->Time = (static_cast<ULONG64>(static_cast<ULONG>(High)) << 32) | Low;
    Record->Thread = PsGetCurrentThreadId();
    InterlockedIncrement(&Record->Runs);
}

TEST_P(ExTimerTest, NotificationTimerSignalsAtItsDueTimeAndStaysSignalled)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Timer;
                  C.Expect(CreateTimer(&Timer, NotificationTimer) == STATUS_SUCCESS, "created");
                  TIMER_BASIC_INFORMATION Basic{};
                  C.Expect(QueryTimer(Timer, &Basic) == STATUS_SUCCESS && !Basic.SignalState, "created not signalled");
                  BOOLEAN Previous = TRUE;
                  ULONG64 Start = KeQueryInterruptTime();
                  C.Expect(SetTimerMs(Timer, 30, 0, &Previous) == STATUS_SUCCESS && !Previous,
                           "set, was not signalled");
                  C.Expect(WaitMs(Timer, -1) == STATUS_WAIT_0, "the wait is satisfied");
                  C.Expect(KeQueryInterruptTime() - Start >= 30 * 10000, "not before its due time");
                  C.Expect(WaitMs(Timer, 0) == STATUS_WAIT_0, "a notification timer stays signalled");
                  C.Expect(QueryTimer(Timer, &Basic) == STATUS_SUCCESS && Basic.SignalState, "query: signalled");
                  C.Expect(SetTimerMs(Timer, 3600 * 1000, 0, &Previous) == STATUS_SUCCESS && Previous,
                           "re-set, was signalled");
                  C.Expect(WaitMs(Timer, 0) == STATUS_TIMEOUT, "setting it resets its state");
                  ZwClose(Timer);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ExTimerTest, SynchronizationTimerAtAnAbsoluteTimeIsConsumedByItsWait)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Timer;
                  C.Expect(CreateTimer(&Timer, SynchronizationTimer) == STATUS_SUCCESS, "created");
                  LARGE_INTEGER Due;
                  KeQuerySystemTime(&Due);
                  Due.QuadPart += 40 * 10000;
                  C.Expect(ZwSetTimer(Timer, &Due, nullptr, nullptr, FALSE, 0, nullptr) == STATUS_SUCCESS, "set");
                  C.Expect(WaitMs(Timer, -1) == STATUS_WAIT_0, "the wait is satisfied");
                  LARGE_INTEGER Now;
                  KeQuerySystemTime(&Now);
                  C.Expect(Now.QuadPart >= Due.QuadPart, "not before its absolute due time");
                  C.Expect(WaitMs(Timer, 0) == STATUS_TIMEOUT, "the wait consumed the signal");
                  TIMER_BASIC_INFORMATION Basic{};
                  C.Expect(QueryTimer(Timer, &Basic) == STATUS_SUCCESS && !Basic.SignalState, "query: not signalled");
                  KeQuerySystemTime(&Due);
                  Due.QuadPart -= 10 * 1000 * 10000;
                  C.Expect(ZwSetTimer(Timer, &Due, nullptr, nullptr, FALSE, 0, nullptr) == STATUS_SUCCESS &&
                               WaitMs(Timer, 0) == STATUS_WAIT_0,
                           "an absolute time in the past signals at once");
                  ZwClose(Timer);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ExTimerTest, PeriodicTimerFiresEveryPeriodUntilCancelled)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Timer;
                  C.Expect(CreateTimer(&Timer, SynchronizationTimer) == STATUS_SUCCESS, "created");
                  ULONG64 Start = KeQueryInterruptTime();
                  C.Expect(SetTimerMs(Timer, 10, 10) == STATUS_SUCCESS, "set periodic");
                  int Fired = 0;
                  for (int i = 0; i < 5; i++)
                      Fired += WaitMs(Timer, 10 * 1000) == STATUS_WAIT_0;
                  C.Expect(Fired == 5, "fired five times");
                  C.Expect(KeQueryInterruptTime() - Start >= 50 * 10000, "one period apart");
                  BOOLEAN State = TRUE;
                  C.Expect(ZwCancelTimer(Timer, &State) == STATUS_SUCCESS, "cancelled");
                  WaitMs(Timer, 0);
                  C.Expect(WaitMs(Timer, 50) == STATUS_TIMEOUT, "no expiry after the cancel");
                  ZwClose(Timer);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ExTimerTest, CancelStopsTheTimerAndReportsItsState)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Timer;
                  C.Expect(CreateTimer(&Timer, NotificationTimer) == STATUS_SUCCESS, "created");
                  BOOLEAN State = TRUE;
                  C.Expect(SetTimerMs(Timer, 20) == STATUS_SUCCESS, "set");
                  C.Expect(ZwCancelTimer(Timer, &State) == STATUS_SUCCESS && !State, "cancelled before it fired");
                  C.Expect(WaitMs(Timer, 60) == STATUS_TIMEOUT, "a cancelled timer never signals");
                  C.Expect(ZwCancelTimer(Timer, nullptr) == STATUS_SUCCESS, "cancelling an idle timer, no state");
                  C.Expect(SetTimerMs(Timer, 10) == STATUS_SUCCESS && WaitMs(Timer, -1) == STATUS_WAIT_0, "fired");
                  C.Expect(ZwCancelTimer(Timer, &State) == STATUS_SUCCESS && State, "cancel keeps the signal state");
                  ZwClose(Timer);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ExTimerTest, QueryReportsTheTimeRemainingAndChecksItsBuffer)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Timer;
                  C.Expect(CreateTimer(&Timer, NotificationTimer) == STATUS_SUCCESS, "created");
                  C.Expect(SetTimerMs(Timer, 1000) == STATUS_SUCCESS, "set");
                  TIMER_BASIC_INFORMATION First{}, Second{};
                  ULONG Length = 0;
                  C.Expect(QueryTimer(Timer, &First, &Length) == STATUS_SUCCESS, "queried");
                  C.Expect(Length == sizeof(TIMER_BASIC_INFORMATION), "ReturnLength");
                  C.Expect(First.TimeRemaining.QuadPart > 0 && First.TimeRemaining.QuadPart <= 1000 * 10000,
                           "time remaining within the due time");
                  C.Expect(!First.SignalState, "not signalled yet");
                  SleepMs(100);
                  C.Expect(QueryTimer(Timer, &Second) == STATUS_SUCCESS, "queried again");
                  C.Expect(Second.TimeRemaining.QuadPart <= First.TimeRemaining.QuadPart - 100 * 10000,
                           "the time remaining went down");
                  UCHAR Big[sizeof(TIMER_BASIC_INFORMATION) + 8];
                  C.Expect(ZwQueryTimer(Timer, TimerBasicInformation, &First, sizeof(First) - 1, nullptr) ==
                               STATUS_INFO_LENGTH_MISMATCH,
                           "short buffer");
                  C.Expect(ZwQueryTimer(Timer, TimerBasicInformation, Big, sizeof(Big), nullptr) ==
                               STATUS_INFO_LENGTH_MISMATCH,
                           "long buffer");
                  C.Expect(ZwQueryTimer(Timer, static_cast<TIMER_INFORMATION_CLASS>(1), &First, sizeof(First),
                                        nullptr) == STATUS_INVALID_INFO_CLASS,
                           "unknown class");
                  ZwClose(Timer);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ExTimerTest, NamedTimerOpensByNameAndOtherTypesDoNot)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Timer, Opened = nullptr, Other = nullptr, Process;
                  C.Expect(CreateTimer(&Timer, NotificationTimer, L"\\BaseNamedObjects\\ExTimerTest") == STATUS_SUCCESS,
                           "named timer created");
                  C.Expect(OpenTimer(&Opened, L"\\basenamedobjects\\EXTIMERTEST") == STATUS_SUCCESS, "opened");
                  PVOID A = nullptr, B = nullptr;
                  ObReferenceObjectByHandle(Timer, 0, ExTimerType, KernelMode, &A, nullptr);
                  ObReferenceObjectByHandle(Opened, 0, ExTimerType, KernelMode, &B, nullptr);
                  C.Expect(A && A == B, "the same timer");
                  if (A)
                      ObDereferenceObject(A);
                  if (B)
                      ObDereferenceObject(B);
                  C.Expect(SetTimerMs(Opened, 10) == STATUS_SUCCESS && WaitMs(Timer, -1) == STATUS_WAIT_0,
                           "set through one handle, waited through the other");
                  C.Expect(OpenTimer(&Other, L"\\BaseNamedObjects\\NoSuchTimer") == STATUS_OBJECT_NAME_NOT_FOUND,
                           "no such name");
                  C.Expect(OpenTimer(&Other, L"\\BaseNamedObjects") == STATUS_OBJECT_TYPE_MISMATCH,
                           "a directory is not a timer");
                  HANDLE Duplicate = nullptr;
                  C.Expect(CreateTimer(&Duplicate, NotificationTimer, L"\\BaseNamedObjects\\ExTimerTest") ==
                               STATUS_OBJECT_NAME_COLLISION,
                           "the name is taken");
                  C.Expect(CreateProcess(&Process) == STATUS_SUCCESS, "process created");
                  BOOLEAN State;
                  TIMER_BASIC_INFORMATION Basic;
                  C.Expect(SetTimerMs(Process, 10) == STATUS_OBJECT_TYPE_MISMATCH, "set on a process");
                  C.Expect(ZwCancelTimer(Process, &State) == STATUS_OBJECT_TYPE_MISMATCH, "cancel on a process");
                  C.Expect(QueryTimer(Process, &Basic) == STATUS_OBJECT_TYPE_MISMATCH, "query on a process");
                  ZwClose(Process);
                  ZwClose(Opened);
                  ZwClose(Timer);
                  C.Expect(OpenTimer(&Other, L"\\BaseNamedObjects\\ExTimerTest") == STATUS_OBJECT_NAME_NOT_FOUND,
                           "the name goes with the last handle");
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ExTimerTest, ParameterErrors)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Timer = nullptr;
                  C.Expect(CreateTimer(&Timer, static_cast<TIMER_TYPE>(2)) == STATUS_INVALID_PARAMETER_4,
                           "bad timer type");
                  C.Expect(CreateTimer(&Timer, NotificationTimer) == STATUS_SUCCESS, "created");
                  C.Expect(SetTimerMs(Timer, 10, -1) == STATUS_INVALID_PARAMETER_6, "negative period");
                  LARGE_INTEGER Due = RelativeMs(10);
                  C.Expect(ZwSetTimer(Timer, &Due, nullptr, nullptr, TRUE, 0, nullptr) == STATUS_TIMER_RESUME_IGNORED,
                           "resume is ignored");
                  C.Expect(WaitMs(Timer, -1) == STATUS_WAIT_0, "but the timer was set");
                  HANDLE Bad = reinterpret_cast<HANDLE>(static_cast<ULONG_PTR>(0x7ffc));
                  C.Expect(SetTimerMs(Bad, 10) == STATUS_INVALID_HANDLE, "set on a bad handle");
                  C.Expect(ZwCancelTimer(Bad, nullptr) == STATUS_INVALID_HANDLE, "cancel on a bad handle");
                  ZwClose(Timer);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

// A kernel caller's timer APC is a normal kernel APC: it runs in the setting thread
// without an alertable wait, with the context and the expiry's time.
TEST_P(ExTimerTest, KernelCallersApcRunsInTheSettingThread)
{
    KernelChecks C;
    ApcRecord Record;
    CurrentRecord = &Record;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Timer;
                  C.Expect(CreateTimer(&Timer, NotificationTimer) == STATUS_SUCCESS, "created");
                  LARGE_INTEGER Due = RelativeMs(100);
                  PVOID Context = reinterpret_cast<PVOID>(0x1234);
                  C.Expect(ZwSetTimer(Timer, &Due, RecordTimerApc, Context, FALSE, 0, nullptr) == STATUS_SUCCESS,
                           "set with an APC");
                  C.Expect(PointerCountOf(Timer) == 2, "the association holds a reference");
                  for (int i = 0; i < 1000 && !ReadShared(Record.Runs); i++)
                      SleepMs(10);
                  C.Expect(ReadShared(Record.Runs) == 1, "the APC ran once");
                  C.Expect(Record.Context == Context, "with its context");
                  C.Expect(Record.Mode == KernelMode, "as the caller's mode");
                  C.Expect(Record.Thread == PsGetCurrentThreadId(), "in the thread that set it");
                  C.Expect(Record.Time > 0, "with the expiry time");
                  C.Expect(PointerCountOf(Timer) == 1, "a one-shot timer's association ends when it fires");
                  ZwClose(Timer);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ExTimerTest, CancelAndResetDropTheApc)
{
    KernelChecks C;
    ApcRecord Record;
    CurrentRecord = &Record;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Timer;
                  C.Expect(CreateTimer(&Timer, NotificationTimer) == STATUS_SUCCESS, "created");
                  LARGE_INTEGER Due = RelativeMs(30);
                  C.Expect(ZwSetTimer(Timer, &Due, RecordTimerApc, nullptr, FALSE, 0, nullptr) == STATUS_SUCCESS,
                           "set with an APC");
                  C.Expect(ZwCancelTimer(Timer, nullptr) == STATUS_SUCCESS, "cancelled");
                  C.Expect(PointerCountOf(Timer) == 1, "the cancel dropped the association");
                  C.Expect(ZwSetTimer(Timer, &Due, RecordTimerApc, nullptr, FALSE, 0, nullptr) == STATUS_SUCCESS,
                           "set with an APC again");
                  C.Expect(SetTimerMs(Timer, 30) == STATUS_SUCCESS, "re-set without one");
                  C.Expect(PointerCountOf(Timer) == 1, "the re-set dropped the association");
                  C.Expect(WaitMs(Timer, -1) == STATUS_WAIT_0, "the timer fired");
                  SleepMs(50);
                  C.Expect(ReadShared(Record.Runs) == 0, "no APC ran");
                  ZwClose(Timer);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

// A periodic timer's APC runs at each period; set and cancelled over and over while it
// fires, nothing is lost or run late.
TEST_P(ExTimerTest, PeriodicApcRunsRepeatedlyAndSurvivesCancelRaces)
{
    KernelChecks C;
    ApcRecord Record;
    CurrentRecord = &Record;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Timer;
                  C.Expect(CreateTimer(&Timer, SynchronizationTimer) == STATUS_SUCCESS, "created");
                  LARGE_INTEGER Due = RelativeMs(5);
                  C.Expect(ZwSetTimer(Timer, &Due, RecordTimerApc, nullptr, FALSE, 5, nullptr) == STATUS_SUCCESS,
                           "set periodic with an APC");
                  for (int i = 0; i < 2000 && ReadShared(Record.Runs) < 3; i++)
                      SleepMs(5);
                  C.Expect(ReadShared(Record.Runs) >= 3, "the APC ran at each period");
                  C.Expect(PointerCountOf(Timer) >= 2, "a periodic timer keeps its association");
                  Due = RelativeMs(1);
                  for (int i = 0; i < 50; i++) {
                      ZwSetTimer(Timer, &Due, RecordTimerApc, nullptr, FALSE, 1, nullptr);
                      if (i % 5 == 0)
                          SleepMs(2);
                      ZwCancelTimer(Timer, nullptr);
                  }
                  LONG Runs = ReadShared(Record.Runs);
                  SleepMs(30);
                  C.Expect(ReadShared(Record.Runs) == Runs, "no APC after the last cancel");
                  C.Expect(PointerCountOf(Timer) == 1, "no association left");
                  ZwClose(Timer);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

// A thread that exits with a timer's APC associated drops the association
// (ExTimerRundown): the timer then lives only by its handle, and its APC never runs.
TEST_P(ExTimerTest, ThreadExitRunsDownItsTimers)
{
    KernelChecks C;
    ApcRecord Record;
    CurrentRecord = &Record;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Timers[2] = {};
                  std::function<void()> Body = [&] {
                      LARGE_INTEGER Due = RelativeMs(3600 * 1000);
                      for (HANDLE &Timer : Timers) {
                          CreateTimer(&Timer, NotificationTimer);
                          ZwSetTimer(Timer, &Due, RecordTimerApc, nullptr, FALSE, 0, nullptr);
                      }
                      C.Expect(PointerCountOf(Timers[0]) == 2, "associated while the thread lives");
                      ZwClose(Timers[1]);
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  C.Expect(Thread != nullptr, "thread started");
                  if (Thread)
                      JoinKernelThread(Thread);
                  C.Expect(PointerCountOf(Timers[0]) == 1, "the exit dropped the association");
                  ZwClose(Timers[0]);
                  C.Expect(ReadShared(Record.Runs) == 0, "no APC ran");
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ExTimerTest, ClosingTheLastHandleOfASetTimerLeaksNothing)
{
    KernelChecks C;
    ApcRecord Record;
    CurrentRecord = &Record;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Plain, WithApc, Periodic;
                  C.Expect(CreateTimer(&Plain, NotificationTimer) == STATUS_SUCCESS, "created");
                  C.Expect(CreateTimer(&WithApc, NotificationTimer) == STATUS_SUCCESS, "created");
                  C.Expect(CreateTimer(&Periodic, SynchronizationTimer) == STATUS_SUCCESS, "created");
                  C.Expect(SetTimerMs(Plain, 10) == STATUS_SUCCESS, "set");
                  LARGE_INTEGER Due = RelativeMs(10);
                  C.Expect(ZwSetTimer(WithApc, &Due, RecordTimerApc, nullptr, FALSE, 0, nullptr) == STATUS_SUCCESS,
                           "set with an APC");
                  C.Expect(SetTimerMs(Periodic, 1, 1) == STATUS_SUCCESS, "set periodic");
                  ZwClose(Plain);
                  ZwClose(WithApc);
                  ZwClose(Periodic);
                  for (int i = 0; i < 1000 && !ReadShared(Record.Runs); i++)
                      SleepMs(10);
                  C.Expect(ReadShared(Record.Runs) == 1, "the association kept the closed timer alive for its APC");
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

// A user thread's timer APC is a user APC: it ends the thread's alertable wait with
// STATUS_USER_APC and runs on its way back to user mode, with the context.
TEST_P(ExTimerTest, UserThreadsApcEndsItsAlertableWait)
{
    ApcRecord Record;
    CurrentRecord = &Record;
    UserRun Run;
    NTSTATUS Create = STATUS_PENDING, Set = STATUS_PENDING, Close = STATUS_PENDING;
    LONG RunsWhenWaitEnded = -1;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  Run.Body = [&](UserRun &R) -> NTSTATUS {
                      HANDLE Timer;
                      Create = NtCreateTimer(&Timer, TIMER_ALL_ACCESS, nullptr, NotificationTimer);
                      LARGE_INTEGER Due = RelativeMs(20);
                      Set = NtSetTimer(Timer, &Due, RecordTimerApc, R.Local, FALSE, 0, nullptr);
                      LARGE_INTEGER Long = RelativeMs(3600 * 1000);
                      R.ServiceStatus = NtWaitForSingleObject(NtCurrentProcess(), TRUE, &Long);
                      RunsWhenWaitEnded = ReadShared(Record.Runs);
                      Close = NtClose(Timer);
                      return STATUS_SUCCESS;
                  };
                  HANDLE Thread;
                  ASSERT_EQ(StartUserThread(Process, &Run, &Thread), STATUS_SUCCESS);
                  ExitStatusOf(Thread);
                  ZwClose(Thread);
                  WaitHandle(Process);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Create, STATUS_SUCCESS);
    EXPECT_EQ(Set, STATUS_SUCCESS);
    EXPECT_EQ(Close, STATUS_SUCCESS);
    EXPECT_EQ(Run.ServiceStatus, STATUS_USER_APC);
    EXPECT_EQ(RunsWhenWaitEnded, 1) << "the routine ran before the service returned to user mode";
    EXPECT_EQ(Record.Context, Run.Local);
    EXPECT_EQ(Record.Mode, UserMode);
}

// A user thread that exits with its timer's APC still pending, and its handle left open
// for its process's exit to close, leaves nothing behind.
TEST_P(ExTimerTest, UserThreadExitingWithAnAssociatedTimerLeaksNothing)
{
    ApcRecord Record;
    CurrentRecord = &Record;
    UserRun Run;
    NTSTATUS Set = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  Run.Body = [&](UserRun &) -> NTSTATUS {
                      HANDLE Timer;
                      NtCreateTimer(&Timer, TIMER_ALL_ACCESS, nullptr, SynchronizationTimer);
                      LARGE_INTEGER Due = RelativeMs(3600 * 1000);
                      Set = NtSetTimer(Timer, &Due, RecordTimerApc, nullptr, FALSE, 1000, nullptr);
                      return STATUS_SUCCESS;
                  };
                  HANDLE Thread;
                  ASSERT_EQ(StartUserThread(Process, &Run, &Thread), STATUS_SUCCESS);
                  ExitStatusOf(Thread);
                  ZwClose(Thread);
                  WaitHandle(Process);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Set, STATUS_SUCCESS);
    EXPECT_EQ(Record.Runs, 0);
}

UCHAR KernelBuffer[64];

// From user mode, each service needs its access right, and a pointer outside the
// caller's user range is STATUS_ACCESS_VIOLATION before anything is done.
TEST_P(ExTimerTest, UserModeCallersAccessAndPointersAreChecked)
{
    constexpr int Checks = 13;
    NTSTATUS Seen[Checks];
    for (NTSTATUS &Status : Seen)
        Status = STATUS_PENDING;
    UserRun Run;
    ASSERT_EQ(
        RunInKernel([&] {
            HANDLE Process;
            ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
            Run.Body = [&](UserRun &) -> NTSTATUS {
                auto *Kernel = reinterpret_cast<PVOID>(KernelBuffer);
                HANDLE QueryOnly = nullptr, ModifyOnly = nullptr;
                LARGE_INTEGER Due = RelativeMs(10);
                TIMER_BASIC_INFORMATION Basic;
                BOOLEAN State;
                Seen[0] = NtCreateTimer(&QueryOnly, TIMER_QUERY_STATE | SYNCHRONIZE, nullptr, NotificationTimer);
                Seen[1] = NtCreateTimer(&ModifyOnly, TIMER_MODIFY_STATE, nullptr, NotificationTimer);
                Seen[2] = NtSetTimer(QueryOnly, &Due, nullptr, nullptr, FALSE, 0, nullptr);
                Seen[3] = NtCancelTimer(QueryOnly, &State);
                Seen[4] = NtQueryTimer(QueryOnly, TimerBasicInformation, &Basic, sizeof(Basic), nullptr);
                Seen[5] = NtQueryTimer(ModifyOnly, TimerBasicInformation, &Basic, sizeof(Basic), nullptr);
                Seen[6] = NtCreateTimer(static_cast<PHANDLE>(Kernel), TIMER_ALL_ACCESS, nullptr, NotificationTimer);
                Seen[7] =
                    NtSetTimer(ModifyOnly, static_cast<PLARGE_INTEGER>(Kernel), nullptr, nullptr, FALSE, 0, nullptr);
                Seen[8] = NtSetTimer(ModifyOnly, &Due, nullptr, nullptr, FALSE, 0, static_cast<PBOOLEAN>(Kernel));
                Seen[9] = NtCancelTimer(ModifyOnly, static_cast<PBOOLEAN>(Kernel));
                Seen[10] = NtQueryTimer(QueryOnly, TimerBasicInformation, Kernel, sizeof(Basic), nullptr);
                Seen[11] =
                    NtQueryTimer(QueryOnly, TimerBasicInformation, &Basic, sizeof(Basic), static_cast<PULONG>(Kernel));
                Seen[12] =
                    NtSetTimer(ModifyOnly, reinterpret_cast<PLARGE_INTEGER>(0x10), nullptr, nullptr, FALSE, 0, nullptr);
                NtClose(QueryOnly);
                NtClose(ModifyOnly);
                return STATUS_SUCCESS;
            };
            HANDLE Thread;
            ASSERT_EQ(StartUserThread(Process, &Run, &Thread), STATUS_SUCCESS);
            ExitStatusOf(Thread);
            ZwClose(Thread);
            WaitHandle(Process);
            ZwClose(Process);
        }),
        STATUS_SUCCESS);
    const NTSTATUS Expected[Checks] = {
        STATUS_SUCCESS,          STATUS_SUCCESS,          STATUS_ACCESS_DENIED,    STATUS_ACCESS_DENIED,
        STATUS_SUCCESS,          STATUS_ACCESS_DENIED,    STATUS_ACCESS_VIOLATION, STATUS_ACCESS_VIOLATION,
        STATUS_ACCESS_VIOLATION, STATUS_ACCESS_VIOLATION, STATUS_ACCESS_VIOLATION, STATUS_ACCESS_VIOLATION,
        STATUS_ACCESS_VIOLATION,
    };
    for (int i = 0; i < Checks; i++)
        EXPECT_EQ(Seen[i], Expected[i]) << "check " << i;
    for (UCHAR Byte : KernelBuffer)
        EXPECT_EQ(Byte, 0) << "nothing was written to kernel memory";
}

NTOS_INSTANTIATE_ALL_MODES(ExTimerTest);

} // namespace
