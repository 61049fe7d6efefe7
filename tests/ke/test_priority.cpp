// Thread priorities as NT has them: the return values and clamping of
// KeSetPriorityThread, KeSetBasePriorityThread, KeQuery(Base)PriorityThread and
// KeSetPriorityAndQuantumProcess; preemption by priority on one processor and across
// processors; the unwait and lock-ownership boosts and their decay at quantum end;
// bugchecks for priorities out of range.
#include <vector>

#include "ntos_test.h"

using namespace ntos_test;

namespace {

class PriorityTest : public KernelTest {};

// Inside the kernel: records the current thread's priority each time it changes while
// it spins, until it has not changed for SettleTicks clock ticks (several quanta).
std::vector<KPRIORITY> RecordPriorityUntilSettled(ULONG SettleTicks = 6)
{
    std::vector<KPRIORITY> Trace;
    PKTHREAD Self = KeGetCurrentThread();
    LARGE_INTEGER Changed{}, Now{};
    for (;;) {
        KPRIORITY Priority = KeQueryPriorityThread(Self);
        KeQueryTickCount(&Now);
        if (Trace.empty() || Trace.back() != Priority) {
            Trace.push_back(Priority);
            Changed = Now;
        } else if (Now.QuadPart - Changed.QuadPart >= SettleTicks) {
            return Trace;
        }
        InterruptPoint();
    }
}

TEST_P(PriorityTest, SetPriorityReturnsTheOldOneAndAWaiterWakesWithTheNewOne)
{
    KPRIORITY Initial = -1, Old[3] = {-1, -1, -1}, After[2] = {-1, -1};
    KPRIORITY WaiterOld = -1, WaiterQueried = -1, WaiterWoke = -1;
    UCHAR WaiterState = 0;
    ASSERT_EQ(RunInKernel([&] {
                  PKTHREAD Self = KeGetCurrentThread();
                  Initial = KeQueryPriorityThread(Self);
                  Old[0] = KeSetPriorityThread(Self, 12);
                  After[0] = KeQueryPriorityThread(Self);
                  Old[1] = KeSetPriorityThread(Self, LOW_PRIORITY);
                  After[1] = KeQueryPriorityThread(Self);
                  Old[2] = KeSetPriorityThread(Self, 8);

                  KEVENT Go;
                  KeInitializeEvent(&Go, SynchronizationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      KeWaitForSingleObject(&Go, Executive, KernelMode, FALSE, nullptr);
                      WaiterWoke = KeQueryPriorityThread(KeGetCurrentThread());
                  };
                  PETHREAD Waiter = StartKernelThread(&Body);
                  WaitForState(&Waiter->Tcb, Waiting);
                  WaiterOld = KeSetPriorityThread(&Waiter->Tcb, 20);
                  WaiterState = KiGetThreadState(&Waiter->Tcb);
                  WaiterQueried = KeQueryPriorityThread(&Waiter->Tcb);
                  KeSetEvent(&Go, 4, FALSE);
                  JoinKernelThread(Waiter);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Initial, 8) << "system threads start at the System process' base priority";
    EXPECT_EQ(Old[0], 8);
    EXPECT_EQ(After[0], 12);
    EXPECT_EQ(Old[1], 12);
    EXPECT_EQ(After[1], 1) << "priority 0 is raised to 1 for a thread whose base is not 0";
    EXPECT_EQ(Old[2], 1);
    EXPECT_EQ(WaiterOld, 8);
    EXPECT_EQ(WaiterState, Waiting) << "a priority change does not end a wait";
    EXPECT_EQ(WaiterQueried, 20);
    EXPECT_EQ(WaiterWoke, 20) << "a realtime-range priority takes no unwait boost";
}

TEST_P(PriorityTest, BasePriorityIncrementsClampToTheClassAndSaturate)
{
    struct Step {
        LONG Increment;
        LONG Old = 0;
        KPRIORITY Queried = 0, Base = 0, Priority = 0;
    };
    std::vector<Step> Steps = {{2}, {10}, {16}, {-16}, {-9}, {0}};
    KPRIORITY BoostKept = -1, BaseUnderBoost = -1;
    ASSERT_EQ(RunInKernel([&] {
                  PKTHREAD Self = KeGetCurrentThread();
                  for (Step &S : Steps) {
                      S.Old = KeSetBasePriorityThread(Self, S.Increment);
                      S.Queried = KeQueryBasePriorityThread(Self);
                      S.Base = Self->BasePriority;
                      S.Priority = KeQueryPriorityThread(Self);
                  }
                  // A current priority above the base moves with it.
                  KeSetPriorityThread(Self, 12);
                  KeSetBasePriorityThread(Self, 1);
                  BaseUnderBoost = Self->BasePriority;
                  BoostKept = KeQueryPriorityThread(Self);
                  KeSetBasePriorityThread(Self, 0);
              }),
              STATUS_SUCCESS);
    // Increment: old increment returned, increment queried, base, priority (process base 8).
    EXPECT_EQ(Steps[0].Old, 0);
    EXPECT_EQ(Steps[0].Queried, 2);
    EXPECT_EQ(Steps[0].Base, 10);
    EXPECT_EQ(Steps[0].Priority, 10);
    EXPECT_EQ(Steps[1].Old, 2);
    EXPECT_EQ(Steps[1].Queried, 7) << "8 + 10 is clamped to 15, the top of the variable class";
    EXPECT_EQ(Steps[1].Base, 15);
    EXPECT_EQ(Steps[1].Priority, 15);
    EXPECT_EQ(Steps[2].Old, 7);
    EXPECT_EQ(Steps[2].Queried, 16) << "an increment of 16 saturates and is reported as 16";
    EXPECT_EQ(Steps[2].Base, 15);
    EXPECT_EQ(Steps[3].Old, 16);
    EXPECT_EQ(Steps[3].Queried, -16);
    EXPECT_EQ(Steps[3].Base, 1);
    EXPECT_EQ(Steps[3].Priority, 1);
    EXPECT_EQ(Steps[4].Old, -16);
    EXPECT_EQ(Steps[4].Queried, -7) << "8 - 9 is clamped to 1";
    EXPECT_EQ(Steps[4].Base, 1);
    EXPECT_EQ(Steps[5].Old, -7);
    EXPECT_EQ(Steps[5].Queried, 0);
    EXPECT_EQ(Steps[5].Base, 8);
    EXPECT_EQ(Steps[5].Priority, 8);
    EXPECT_EQ(BaseUnderBoost, 9);
    EXPECT_EQ(BoostKept, 13) << "priority 12 over base 8 becomes 13 over base 9";
}

TEST_P(PriorityTest, ProcessBasePriorityMovesItsThreadsAndTheirClass)
{
    KPRIORITY Old[2] = {-1, -1};
    KPRIORITY SelfBase[3] = {}, SelfPriority = -1, SaturatedBase[2] = {}, RealtimeIncrement[2] = {};
    ASSERT_EQ(RunInKernel([&] {
                  PKTHREAD Self = KeGetCurrentThread();
                  PKPROCESS System = &PsInitialSystemProcess->Pcb;
                  KEVENT Go;
                  KeInitializeEvent(&Go, NotificationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      KeWaitForSingleObject(&Go, Executive, KernelMode, FALSE, nullptr);
                  };
                  PETHREAD Waiter = StartKernelThread(&Body);
                  WaitForState(&Waiter->Tcb, Waiting);
                  KeSetBasePriorityThread(&Waiter->Tcb, 16);

                  Old[0] = KeSetPriorityAndQuantumProcess(System, 24, 0);
                  SelfBase[0] = Self->BasePriority;
                  SelfPriority = KeQueryPriorityThread(Self);
                  SaturatedBase[0] = Waiter->Tcb.BasePriority;
                  KeSetBasePriorityThread(Self, -20);
                  RealtimeIncrement[0] = KeQueryBasePriorityThread(Self);
                  SelfBase[1] = Self->BasePriority;
                  KeSetBasePriorityThread(Self, 3);
                  RealtimeIncrement[1] = KeQueryBasePriorityThread(Self);
                  Old[1] = KeSetPriorityAndQuantumProcess(System, 8, 0);
                  SelfBase[2] = Self->BasePriority;
                  SaturatedBase[1] = Waiter->Tcb.BasePriority;

                  KeSetBasePriorityThread(Self, 0);
                  KeSetBasePriorityThread(&Waiter->Tcb, 0);
                  KeSetEvent(&Go, 0, FALSE);
                  JoinKernelThread(Waiter);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Old[0], 8);
    EXPECT_EQ(SelfBase[0], 24) << "a thread's base moves with its process'";
    EXPECT_EQ(SelfPriority, 24);
    EXPECT_EQ(SaturatedBase[0], HIGH_PRIORITY) << "saturated upwards, into the realtime class: its top";
    EXPECT_EQ(RealtimeIncrement[0], -16);
    EXPECT_EQ(SelfBase[1], LOW_REALTIME_PRIORITY) << "a realtime base stays in the realtime class";
    EXPECT_EQ(RealtimeIncrement[1], 3);
    EXPECT_EQ(Old[1], 24);
    EXPECT_EQ(SelfBase[2], 11) << "27 moved by -16";
    EXPECT_EQ(SaturatedBase[1], LOW_REALTIME_PRIORITY - 1) << "saturated, back in the variable class: its top";
}

// A waiter woken with an increment runs at Base + Increment (at most 15) and loses
// one level at each quantum end until it is back at its base; a realtime-range thread
// is neither boosted nor decays.
TEST_P(PriorityTest, UnwaitBoostDecaysOneLevelPerQuantumToTheBase)
{
    struct Case {
        KPRIORITY SetPriority; // 0: leave the base priority
        KPRIORITY Increment;
        std::vector<KPRIORITY> Trace;
    };
    std::vector<Case> Cases = {{0, 2, {}}, {0, 10, {}}, {20, 5, {}}};
    ASSERT_EQ(RunInKernel([&] {
                  for (Case &C : Cases) {
                      KEVENT Go;
                      KeInitializeEvent(&Go, SynchronizationEvent, FALSE);
                      std::function<void()> Body = [&] {
                          KeWaitForSingleObject(&Go, Executive, KernelMode, FALSE, nullptr);
                          C.Trace = RecordPriorityUntilSettled();
                      };
                      PETHREAD Waiter = StartKernelThread(&Body);
                      WaitForState(&Waiter->Tcb, Waiting);
                      if (C.SetPriority)
                          KeSetPriorityThread(&Waiter->Tcb, C.SetPriority);
                      KeSetEvent(&Go, C.Increment, FALSE);
                      JoinKernelThread(Waiter);
                  }
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Cases[0].Trace, (std::vector<KPRIORITY>{10, 9, 8}));
    EXPECT_EQ(Cases[1].Trace, (std::vector<KPRIORITY>{15, 14, 13, 12, 11, 10, 9, 8})) << "boosts stop at 15";
    EXPECT_EQ(Cases[2].Trace, (std::vector<KPRIORITY>{20}));
}

// KeSetEventBoostPriority hands the event to its waiter with the lock-ownership boost:
// one above the waker, at most 13, all of it in PriorityDecrement, so it is gone at
// the waiter's first quantum end.
TEST_P(PriorityTest, LockOwnershipBoostLiftsTheWaiterAboveTheWakerUntilItsQuantumEnds)
{
    struct Case {
        KPRIORITY WakerPriority;
        PKTHREAD Woken = nullptr;
        PKTHREAD Waiter = nullptr;
        SCHAR Decrement = -1;
        LONG EventState = -1;
        KPRIORITY WakerAfter = -1;
        std::vector<KPRIORITY> Trace;
    };
    std::vector<Case> Cases = {{11}, {14}};
    PKTHREAD NobodyWoken = reinterpret_cast<PKTHREAD>(1);
    LONG StateWithoutWaiter = -1;
    ASSERT_EQ(RunInKernel([&] {
                  PKTHREAD Self = KeGetCurrentThread();
                  for (Case &C : Cases) {
                      KEVENT Lock;
                      KeInitializeEvent(&Lock, SynchronizationEvent, FALSE);
                      std::function<void()> Body = [&] {
                          KeWaitForSingleObject(&Lock, Executive, KernelMode, FALSE, nullptr);
                          C.Decrement = KeGetCurrentThread()->PriorityDecrement;
                          C.Trace = RecordPriorityUntilSettled();
                      };
                      PETHREAD Waiter = StartKernelThread(&Body);
                      C.Waiter = &Waiter->Tcb;
                      WaitForState(&Waiter->Tcb, Waiting);
                      KeSetPriorityThread(Self, C.WakerPriority);
                      KeSetEventBoostPriority(&Lock, &C.Woken);
                      C.EventState = KeReadStateEvent(&Lock);
                      C.WakerAfter = KeQueryPriorityThread(Self);
                      KeSetPriorityThread(Self, 8);
                      JoinKernelThread(Waiter);
                  }
                  KEVENT Free;
                  KeInitializeEvent(&Free, SynchronizationEvent, FALSE);
                  KeSetEventBoostPriority(&Free, &NobodyWoken);
                  StateWithoutWaiter = KeReadStateEvent(&Free);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Cases[0].Woken, Cases[0].Waiter);
    EXPECT_EQ(Cases[0].EventState, 0) << "the event went to the waiter, not to the signal state";
    EXPECT_EQ(Cases[0].WakerAfter, 11);
    EXPECT_EQ(Cases[0].Decrement, 4);
    EXPECT_EQ(Cases[0].Trace, (std::vector<KPRIORITY>{12, 8}));
    EXPECT_EQ(Cases[1].Woken, Cases[1].Waiter);
    EXPECT_EQ(Cases[1].Decrement, 5);
    EXPECT_EQ(Cases[1].Trace, (std::vector<KPRIORITY>{13, 8})) << "the lock-ownership boost stops at 13";
    EXPECT_EQ(NobodyWoken, reinterpret_cast<PKTHREAD>(1)) << "no waiter: WaitingThread is left alone";
    EXPECT_EQ(StateWithoutWaiter, 1);
}

// A boosted thread that keeps yielding (a zero delay) decays as at a quantum end, so
// it yields to the equal-priority thread it was starving: on one processor, a thread
// woken with a boost and spinning on yields until another runs sees it run.
TEST_P(PriorityTest, AYieldingBoostedThreadDecaysAndLetsALowerReadyThreadRun)
{
    constexpr int kMaxYields = 1000;
    constexpr ULONG64 kRealtimeWait = 10ULL * 1000 * 1000 * 10; // 10 s of interrupt time
    const bool Realtime = !GetParam().Deterministic;
    volatile LONG OtherRan = 0;
    int YieldsNeeded = -1;
    KPRIORITY Boosted = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Go;
                  KeInitializeEvent(&Go, SynchronizationEvent, FALSE);
                  std::function<void()> Spinner = [&] {
                      KeWaitForSingleObject(&Go, Executive, KernelMode, FALSE, nullptr);
                      Boosted = KeQueryPriorityThread(KeGetCurrentThread());
                      // A loaded host may leave a realtime processor unscheduled a while.
                      ULONG64 GiveUp = KeQueryInterruptTime() + (Realtime ? kRealtimeWait : 0);
                      for (int Yields = 0; Yields < kMaxYields || KeQueryInterruptTime() < GiveUp; Yields++) {
                          if (ReadShared(OtherRan)) {
                              YieldsNeeded = Yields;
                              return;
                          }
                          YieldExecution();
                      }
                  };
                  std::function<void()> Other = [&] { InterlockedExchange(&OtherRan, 1); };
                  PETHREAD SpinnerThread = StartKernelThread(&Spinner);
                  WaitForState(&SpinnerThread->Tcb, Waiting);
                  PETHREAD OtherThread = StartKernelThread(&Other);
                  KeSetEvent(&Go, 1, FALSE);
                  JoinKernelThread(SpinnerThread);
                  JoinKernelThread(OtherThread);
              }),
              STATUS_SUCCESS);
    if (GetParam().Processors == 1) // with two, a quantum end may come before the read
        EXPECT_EQ(Boosted, 9) << "woken with a boost of one above the base of 8";
    EXPECT_GE(YieldsNeeded, 0) << "the other thread never ran while the boosted one yielded";
}

NTOS_INSTANTIATE_ALL_MODES(PriorityTest);

// On one processor the order in which threads run shows the preemption rules: the
// highest-priority ready thread runs at once, equal priority waits its turn.
class PreemptionTest : public KernelTest {};

// Inside the kernel: runs Setup, which creates threads that append to Order, then
// appends 'M' (for the main thread) once Act returns, and joins the threads.
std::vector<char> RunOrder(const std::function<void(std::vector<char> &, std::vector<PETHREAD> &)> &Act)
{
    std::vector<char> Order;
    std::vector<PETHREAD> Threads;
    YieldExecution(); // a fresh quantum: no quantum end falls inside Act
    Act(Order, Threads);
    Order.push_back('M');
    for (PETHREAD Thread : Threads)
        JoinKernelThread(Thread);
    return Order;
}

TEST_P(PreemptionTest, AReadiedHigherPriorityThreadRunsBeforeTheWakerGoesOn)
{
    std::vector<char> Higher, Equal;
    ASSERT_EQ(RunInKernel([&] {
                  for (KPRIORITY Priority : {10, 8}) {
                      KEVENT Go;
                      KeInitializeEvent(&Go, SynchronizationEvent, FALSE);
                      std::vector<char> *Log = nullptr;
                      std::function<void()> Body = [&] {
                          KeWaitForSingleObject(&Go, Executive, KernelMode, FALSE, nullptr);
                          Log->push_back('W');
                      };
                      auto Act = [&](std::vector<char> &Order, std::vector<PETHREAD> &Threads) {
                          Log = &Order;
                          PETHREAD Waiter = StartKernelThread(&Body);
                          Threads.push_back(Waiter);
                          WaitForState(&Waiter->Tcb, Waiting);
                          KeSetPriorityThread(&Waiter->Tcb, Priority);
                          YieldExecution();
                          KeSetEvent(&Go, 0, FALSE);
                      };
                      (Priority == 10 ? Higher : Equal) = RunOrder(Act);
                  }
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Higher, (std::vector<char>{'W', 'M'}));
    EXPECT_EQ(Equal, (std::vector<char>{'M', 'W'}));
}

TEST_P(PreemptionTest, RaisingAReadyThreadAboveTheRunningOnePreemptsIt)
{
    std::vector<char> Order;
    UCHAR StateBefore = 0;
    KPRIORITY Old = -1;
    ASSERT_EQ(RunInKernel([&] {
                  std::vector<char> *Log = nullptr;
                  std::function<void()> Body = [&] { Log->push_back('R'); };
                  Order = RunOrder([&](std::vector<char> &Out, std::vector<PETHREAD> &Threads) {
                      Log = &Out;
                      PETHREAD Ready = StartKernelThread(&Body);
                      Threads.push_back(Ready);
                      StateBefore = KiGetThreadState(&Ready->Tcb);
                      Old = KeSetPriorityThread(&Ready->Tcb, 12);
                  });
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(StateBefore, Ready) << "an equal-priority new thread waits in the ready queue";
    EXPECT_EQ(Old, 8);
    EXPECT_EQ(Order, (std::vector<char>{'R', 'M'}));
}

TEST_P(PreemptionTest, LoweringTheRunningThreadBelowAReadyOneYieldsAtOnce)
{
    std::vector<char> Order;
    KPRIORITY Old = -1;
    ASSERT_EQ(RunInKernel([&] {
                  PKTHREAD Self = KeGetCurrentThread();
                  std::vector<char> *Log = nullptr;
                  std::function<void()> Body = [&] { Log->push_back('L'); };
                  Order = RunOrder([&](std::vector<char> &Out, std::vector<PETHREAD> &Threads) {
                      KeSetPriorityThread(Self, 12);
                      Log = &Out;
                      Threads.push_back(StartKernelThread(&Body));
                      Old = KeSetPriorityThread(Self, 4);
                  });
                  KeSetPriorityThread(Self, 8);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Old, 12);
    EXPECT_EQ(Order, (std::vector<char>{'L', 'M'}));
}

TEST_P(PreemptionTest, QuantumEndDoesNotGiveTheProcessorToALowerPriorityThread)
{
    std::vector<char> Order;
    ASSERT_EQ(RunInKernel([&] {
                  PKTHREAD Self = KeGetCurrentThread();
                  std::vector<char> *Log = nullptr;
                  std::function<void()> Body = [&] { Log->push_back('L'); };
                  KeSetBasePriorityThread(Self, 2); // 10, as a base: no decay
                  Order = RunOrder([&](std::vector<char> &Out, std::vector<PETHREAD> &Threads) {
                      Log = &Out;
                      Threads.push_back(StartKernelThread(&Body));
                      LARGE_INTEGER Start{}, Now{};
                      KeQueryTickCount(&Start);
                      do {
                          InterruptPoint();
                          KeQueryTickCount(&Now);
                      } while (Now.QuadPart - Start.QuadPart < 3 * THREAD_QUANTUM / CLOCK_QUANTUM_DECREMENT);
                  });
                  KeSetBasePriorityThread(Self, 0);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Order, (std::vector<char>{'M', 'L'})) << "three quanta passed with a lower-priority thread ready";
}

// NtYieldExecution gives the processor to any ready thread, a lower-priority one too,
// where a zero delay yields only to equal or higher priority; with nothing ready it
// says STATUS_NO_YIELD_PERFORMED.
TEST_P(PreemptionTest, NtYieldExecutionYieldsToALowerReadyThreadAZeroDelayDoesNot)
{
    std::vector<char> Order;
    NTSTATUS Alone = STATUS_PENDING, Yield = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  YieldExecution();
                  Alone = ZwYieldExecution();
                  std::function<void()> Low = [&] { Order.push_back('L'); };
                  PETHREAD Lower = StartKernelThread(&Low);
                  KeSetPriorityThread(&Lower->Tcb, 6);
                  YieldExecution();
                  Order.push_back('Z');
                  Yield = ZwYieldExecution();
                  Order.push_back('Y');
                  JoinKernelThread(Lower);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Alone, STATUS_NO_YIELD_PERFORMED);
    EXPECT_EQ(Yield, STATUS_SUCCESS);
    EXPECT_EQ(Order, (std::vector<char>{'Z', 'L', 'Y'}));
}

INSTANTIATE_TEST_SUITE_P(OneProcessor, PreemptionTest,
                         ::testing::Values(MachineMode{true, 1, 3}, MachineMode{true, 1, 6}, MachineMode{true, 1, 9},
                                           MachineMode{false, 1, 0}),
                         ParamName);

// Preemption across processors: a thread readied (from processor 0) for a processor
// that runs a lower-priority thread takes that processor at once, the running thread
// going back to its ready queue, without that thread ever yielding.
class CrossProcessorPreemptionTest : public KernelTest {};

TEST_P(CrossProcessorPreemptionTest, AThreadReadiedForABusyProcessorPreemptsItsLowerPriorityThread)
{
    volatile LONG HighRan = 0, LowSawHigh = 0, LowSpinning = 0;
    ULONG HighProcessor = MAXULONG;
    UCHAR LowStateWhenHighRan = 0xFF;
    ASSERT_EQ(RunInKernel([&] {
                  KeSetSystemAffinityThread(1);
                  KEVENT Go;
                  KeInitializeEvent(&Go, SynchronizationEvent, FALSE);
                  PETHREAD LowThread = nullptr;
                  std::function<void()> High = [&] {
                      KeSetSystemAffinityThread(2);
                      KeSetPriorityThread(KeGetCurrentThread(), 12);
                      KeWaitForSingleObject(&Go, Executive, KernelMode, FALSE, nullptr);
                      HighProcessor = KeGetCurrentProcessorNumber();
                      LowStateWhenHighRan = KiGetThreadState(&LowThread->Tcb);
                      InterlockedExchange(&HighRan, 1);
                  };
                  std::function<void()> Low = [&] {
                      KeSetSystemAffinityThread(2);
                      InterlockedExchange(&LowSpinning, 1);
                      // Interrupt windows only, never a yield; bounded by 10 s of interrupt time.
                      ULONG64 Start = KeQueryInterruptTime();
                      while (!ReadShared(HighRan) && KeQueryInterruptTime() - Start < 100000000ULL)
                          InterruptPoint();
                      InterlockedExchange(&LowSawHigh, ReadShared(HighRan));
                  };
                  PETHREAD HighThread = StartKernelThread(&High);
                  ASSERT_NE(HighThread, nullptr);
                  SpinUntilWaiting(&HighThread->Tcb, Executive);
                  LowThread = StartKernelThread(&Low);
                  ASSERT_NE(LowThread, nullptr);
                  SpinUntil([&] { return ReadShared(LowSpinning) != 0; });
                  KeSetEvent(&Go, 0, FALSE);
                  JoinKernelThread(HighThread);
                  JoinKernelThread(LowThread);
                  KeRevertToUserAffinityThread();
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(HighProcessor, 1u) << "the readied thread runs on the processor its affinity allows";
    EXPECT_EQ(LowStateWhenHighRan, Ready) << "the spinning thread was preempted back to its ready queue";
    EXPECT_EQ(LowSawHigh, 1) << "the spinning thread resumed after the higher one ran";
}

INSTANTIATE_TEST_SUITE_P(TwoProcessors, CrossProcessorPreemptionTest,
                         ::testing::Values(MachineMode{true, 2, 1}, MachineMode{true, 2, 2}, MachineMode{true, 2, 3},
                                           MachineMode{true, 2, 4}, MachineMode{true, 4, 99},
                                           MachineMode{false, 2, 0}),
                         ParamName);

class PriorityDeathTest : public KernelDeathTest {};

constexpr const char *kAssertStop = "STOP: 0x0000001E \\(0xFFFFFFFF80000003";

TEST_F(PriorityDeathTest, PriorityAboveHighPriorityFailsTheAssert)
{
    EXPECT_DEATH(BootAndRun([] { KeSetPriorityThread(KeGetCurrentThread(), HIGH_PRIORITY + 1); }),
                 kAssertStop);
}

TEST_F(PriorityDeathTest, NegativePriorityFailsTheAssert)
{
    EXPECT_DEATH(BootAndRun([] { KeSetPriorityThread(KeGetCurrentThread(), -1); }), kAssertStop);
}

TEST_F(PriorityDeathTest, ProcessPriorityOutOfRangeFailsTheAssert)
{
    EXPECT_DEATH(BootAndRun([] { KeSetPriorityAndQuantumProcess(&PsInitialSystemProcess->Pcb, 40, 0); }, {true, 1, 5}),
                 kAssertStop);
}

} // namespace
