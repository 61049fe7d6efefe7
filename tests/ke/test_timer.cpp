// Timers and timed waits in every machine mode: notification and synchronization
// timers, cancel and re-set, periodic timers with DPCs, absolute due times, wait
// timeouts, KeDelayExecutionThread and expiry order; and the deterministic clock's
// jump to the next due timer when every processor is idle.
#include <cstring>
#include <chrono>
#include <vector>

#include "ntos_test.h"

using namespace ntos_test;

namespace {

class TimerTest : public KernelTest {};

TEST_P(TimerTest, NotificationTimerSignalsAtItsDueTime)
{
    BOOLEAN Before = TRUE, After = FALSE, WasSet = TRUE;
    NTSTATUS Status = STATUS_PENDING;
    ULONGLONG Elapsed = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KTIMER Timer;
                  KeInitializeTimer(&Timer);
                  ULONGLONG Start = KeQueryInterruptTime();
                  WasSet = KeSetTimer(&Timer, RelativeMs(50), nullptr);
                  Before = KeReadStateTimer(&Timer);
                  Status = KeWaitForSingleObject(&Timer, Executive, KernelMode, FALSE, nullptr);
                  Elapsed = KeQueryInterruptTime() - Start;
                  After = KeReadStateTimer(&Timer);
              }),
              STATUS_SUCCESS);
    EXPECT_FALSE(WasSet);
    EXPECT_FALSE(Before);
    EXPECT_EQ(Status, STATUS_WAIT_0);
    EXPECT_TRUE(After) << "a notification timer stays signalled";
    EXPECT_GE(Elapsed, 50u * 10000);
}

TEST_P(TimerTest, SynchronizationTimerIsConsumedByTheWait)
{
    BOOLEAN After = TRUE;
    NTSTATUS Second = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  KTIMER Timer;
                  LARGE_INTEGER Zero{};
                  KeInitializeTimerEx(&Timer, SynchronizationTimer);
                  KeSetTimer(&Timer, RelativeMs(10), nullptr);
                  KeWaitForSingleObject(&Timer, Executive, KernelMode, FALSE, nullptr);
                  After = KeReadStateTimer(&Timer);
                  Second = KeWaitForSingleObject(&Timer, Executive, KernelMode, FALSE, &Zero);
              }),
              STATUS_SUCCESS);
    EXPECT_FALSE(After);
    EXPECT_EQ(Second, STATUS_TIMEOUT);
}

TEST_P(TimerTest, CancelledTimerNeverSignalsAndResetReportsItWasSet)
{
    BOOLEAN Cancel[2] = {}, Reset = FALSE, State = TRUE;
    NTSTATUS Status = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  KTIMER Timer;
                  KeInitializeTimer(&Timer);
                  KeSetTimer(&Timer, RelativeMs(1000), nullptr);
                  Reset = KeSetTimer(&Timer, RelativeMs(20), nullptr);
                  Cancel[0] = KeCancelTimer(&Timer);
                  Cancel[1] = KeCancelTimer(&Timer);
                  LARGE_INTEGER Timeout = RelativeMs(60);
                  Status = KeWaitForSingleObject(&Timer, Executive, KernelMode, FALSE, &Timeout);
                  State = KeReadStateTimer(&Timer);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(Reset) << "KeSetTimer returns TRUE when the timer was already set";
    EXPECT_TRUE(Cancel[0]);
    EXPECT_FALSE(Cancel[1]);
    EXPECT_EQ(Status, STATUS_TIMEOUT);
    EXPECT_FALSE(State);
}

TEST_P(TimerTest, PeriodicTimerQueuesItsDpcEveryPeriod)
{
    struct DpcRecord {
        volatile LONG Runs = 0;
        KIRQL Irql = 0xFF;
        ULONG64 Time = 0;
    } Record;
    BOOLEAN LastStillQueued = FALSE;
    ASSERT_EQ(RunInKernel([&] {
                  KTIMER Timer;
                  KDPC Dpc;
                  KeInitializeTimerEx(&Timer, SynchronizationTimer);
                  KeInitializeDpc(
                      &Dpc,
                      [](PKDPC, PVOID Context, PVOID Low, PVOID High) {
                          auto *R = static_cast<DpcRecord *>(Context);
                          R->Irql = KeGetCurrentIrql();
                          R->Time = (static_cast<ULONG64>(reinterpret_cast<ULONG_PTR>(High)) << 32) |
                                    reinterpret_cast<ULONG_PTR>(Low);
                          InterlockedIncrement(&R->Runs);
                      },
                      &Record);
                  KeSetTimerEx(&Timer, RelativeMs(20), 20, &Dpc);
                  for (int i = 0; i < 4; i++)
                      KeWaitForSingleObject(&Timer, Executive, KernelMode, FALSE, nullptr);
                  KeCancelTimer(&Timer);
                  // The waiter can be woken on another processor before the timer's
                  // DPC has run; a DPC still queued is removed here.
                  LastStillQueued = KeRemoveQueueDpc(&Dpc);
              }),
              STATUS_SUCCESS);
    EXPECT_GE(Record.Runs + LastStillQueued, 4);
    EXPECT_EQ(Record.Irql, DISPATCH_LEVEL);
    EXPECT_GT(Record.Time, 0u) << "the DPC's arguments carry the interrupt time";
}

TEST_P(TimerTest, AbsoluteDueTimeInThePastSignalsAtOnce)
{
    BOOLEAN State = FALSE;
    ASSERT_EQ(RunInKernel([&] {
                  KTIMER Timer;
                  LARGE_INTEGER Past;
                  KeInitializeTimer(&Timer);
                  KeQuerySystemTime(&Past);
                  Past.QuadPart -= 10000000;
                  KeSetTimer(&Timer, Past, nullptr);
                  State = KeReadStateTimer(&Timer);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(State);
}

TEST_P(TimerTest, WaitTimesOutOrIsSatisfiedFirst)
{
    NTSTATUS TimedOut = STATUS_PENDING, Satisfied = STATUS_PENDING;
    ULONGLONG Elapsed = 0;
    BOOLEAN TimerLeftInserted = TRUE;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Event;
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  LARGE_INTEGER Timeout = RelativeMs(40);
                  ULONGLONG Start = KeQueryInterruptTime();
                  TimedOut = KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &Timeout);
                  Elapsed = KeQueryInterruptTime() - Start;
                  std::function<void()> Setter = [&] { KeSetEvent(&Event, 0, FALSE); };
                  PETHREAD Thread = StartKernelThread(&Setter);
                  Timeout = RelativeMs(60 * 1000);
                  Satisfied = KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &Timeout);
                  TimerLeftInserted = KeGetCurrentThread()->Timer.Header.Inserted;
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(TimedOut, STATUS_TIMEOUT);
    EXPECT_GE(Elapsed, 40u * 10000);
    EXPECT_EQ(Satisfied, STATUS_WAIT_0);
    EXPECT_FALSE(TimerLeftInserted) << "a satisfied wait takes its timer out of the table";
}

// Three threads sleep until absolute due times fixed before any of them starts,
// 100 ms apart, so late starts on a loaded host cannot reorder them.
TEST_P(TimerTest, DelayedThreadsWakeInDueOrder)
{
    std::vector<int> Order;
    ULONGLONG ZeroDelayElapsed = ~0ULL;
    NTSTATUS ZeroStatus = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  KSPIN_LOCK Lock;
                  KeInitializeSpinLock(&Lock);
                  const int Offsets[] = {500, 300, 400};
                  LARGE_INTEGER Base;
                  KeQuerySystemTime(&Base);
                  std::function<void()> Bodies[3];
                  PETHREAD Threads[3];
                  for (int i = 0; i < 3; i++) {
                      Bodies[i] = [&, i] {
                          LARGE_INTEGER Due;
                          Due.QuadPart = Base.QuadPart + Offsets[i] * 10000LL;
                          KeDelayExecutionThread(KernelMode, FALSE, &Due);
                          KIRQL OldIrql;
                          KeAcquireSpinLock(&Lock, &OldIrql);
                          Order.push_back(Offsets[i]);
                          KeReleaseSpinLock(&Lock, OldIrql);
                      };
                      Threads[i] = StartKernelThread(&Bodies[i]);
                  }
                  for (PETHREAD Thread : Threads)
                      JoinKernelThread(Thread);
                  LARGE_INTEGER Zero{};
                  ULONGLONG Start = KeQueryInterruptTime();
                  ZeroStatus = KeDelayExecutionThread(KernelMode, FALSE, &Zero);
                  ZeroDelayElapsed = KeQueryInterruptTime() - Start;
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Order, (std::vector<int>{300, 400, 500}));
    EXPECT_EQ(ZeroStatus, STATUS_SUCCESS);
    EXPECT_LT(ZeroDelayElapsed, 5u * 10000 * 1000) << "a zero delay only yields";
}

// As kmtest KeTimer checks: the initializer clears Inserted (byte 3) and leaves
// Absolute (byte 1) as it was.
TEST_P(TimerTest, InitializeClearsInsertedAndLeavesAbsoluteAlone)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  for (TIMER_TYPE Type : {NotificationTimer, SynchronizationTimer}) {
                      KTIMER Timer;
                      std::memset(&Timer, 0x55, sizeof(Timer));
                      KeInitializeTimerEx(&Timer, Type);
                      C.Expect(Timer.Header.Type == static_cast<ULONG>(TimerNotificationObject) + Type, "type");
                      C.Expect(Timer.Header.Size == sizeof(KTIMER) / sizeof(ULONG), "size");
                      C.Expect((Timer.Header.Lock & 0xFF00FF00L) == 0x00005500L, "Absolute kept, Inserted cleared");
                      C.Expect(KeReadStateTimer(&Timer) == FALSE, "not signalled");
                  }
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << ::testing::PrintToString(C.Failures);
}

NTOS_INSTANTIATE_ALL_MODES(TimerTest);

TEST(DeterministicClock, IdleMachineJumpsToTheNextTimer)
{
    NTOS_BOOT_OPTIONS Options = BootOptions({true, 2, 21});
    ASSERT_EQ(NtosBoot(&Options), STATUS_SUCCESS);
    ULONGLONG Elapsed = 0;
    auto Start = std::chrono::steady_clock::now();
    ASSERT_EQ(RunInKernel([&] {
                  LARGE_INTEGER Hour = RelativeMs(3600 * 1000);
                  ULONGLONG Begin = KeQueryInterruptTime();
                  KeDelayExecutionThread(KernelMode, FALSE, &Hour);
                  Elapsed = KeQueryInterruptTime() - Begin;
              }),
              STATUS_SUCCESS);
    auto Real = std::chrono::steady_clock::now() - Start;
    EXPECT_GE(Elapsed, 3600ULL * 10000000) << "an hour of virtual time passed";
    EXPECT_LT(std::chrono::duration_cast<std::chrono::seconds>(Real).count(), 5) << "in well under real time";
    EXPECT_EQ(NtosShutdown(), STATUS_SUCCESS);
}

TEST(DeterministicClock, WaitingForeverOnNothingIsReportedAsDeadlock)
{
    NTOS_BOOT_OPTIONS Options = BootOptions({true, 1, 5});
    ASSERT_EQ(NtosBoot(&Options), STATUS_SUCCESS);
    static KEVENT Never;
    EXPECT_EQ(RunInKernel([] {
                  KeInitializeEvent(&Never, NotificationEvent, FALSE);
                  KeWaitForSingleObject(&Never, Executive, KernelMode, FALSE, nullptr);
              }),
              STATUS_POSSIBLE_DEADLOCK);
    // The stuck thread is reported (and freed) by shutdown.
    EXPECT_EQ(NtosShutdown(), STATUS_UNSUCCESSFUL);
}

class TimerDeathTest : public KernelDeathTest {};

constexpr MachineMode kOneProcessor{true, 1, 5};

TEST_F(TimerDeathTest, SettingAnEventAsATimerIsABugcheck)
{
    EXPECT_DEATH(BootAndRun([] {
                     KEVENT Event;
                     KeInitializeEvent(&Event, NotificationEvent, FALSE);
                     KeSetTimer(reinterpret_cast<PKTIMER>(&Event), RelativeMs(1), nullptr);
                 }, kOneProcessor),
                 "STOP: 0x0000001E \\(0xFFFFFFFF80000003");
}

TEST_F(TimerDeathTest, DelayAtDispatchLevelIsIrqlNotLessOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     KIRQL Old;
                     LARGE_INTEGER Interval = RelativeMs(1);
                     KeRaiseIrql(DISPATCH_LEVEL, &Old);
                     KeDelayExecutionThread(KernelMode, FALSE, &Interval);
                 }, kOneProcessor),
                 "IRQL_NOT_LESS_OR_EQUAL");
}

} // namespace
