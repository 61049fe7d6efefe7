// The dispatcher core in every machine mode: events and waits, thread objects
// signalled at termination, the WaitNext protocol, round robin at quantum end, DPCs
// and spin locks under contention.
#include <atomic>
#include <vector>

#include "ntos_test.h"

using namespace ntos_test;

namespace {

class DispatcherTest : public KernelTest {};

// Spins at PASSIVE_LEVEL with interrupt points until Flag is set.
void SpinUntil(volatile LONG &Flag)
{
    while (!__atomic_load_n(&Flag, __ATOMIC_ACQUIRE))
        InterruptPoint();
}

TEST_P(DispatcherTest, EventStateTransitions)
{
    LONG Results[8] = {};
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Event;
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  Results[0] = KeReadStateEvent(&Event);
                  Results[1] = KeSetEvent(&Event, 0, FALSE);
                  Results[2] = KeSetEvent(&Event, 0, FALSE);
                  Results[3] = KeReadStateEvent(&Event);
                  Results[4] = KeResetEvent(&Event);
                  Results[5] = KeResetEvent(&Event);
                  KeSetEvent(&Event, 0, FALSE);
                  KeClearEvent(&Event);
                  Results[6] = KeReadStateEvent(&Event);
                  Results[7] = Event.Header.Type * 16 + Event.Header.Size;
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Results[0], 0);
    EXPECT_EQ(Results[1], 0) << "KeSetEvent returns the previous state";
    EXPECT_EQ(Results[2], 1);
    EXPECT_EQ(Results[3], 1);
    EXPECT_EQ(Results[4], 1) << "KeResetEvent returns the previous state";
    EXPECT_EQ(Results[5], 0);
    EXPECT_EQ(Results[6], 0);
    EXPECT_EQ(Results[7], EventNotificationObject * 16 + static_cast<LONG>(sizeof(KEVENT) / sizeof(ULONG)));
}

TEST_P(DispatcherTest, ZeroTimeoutPollsAndSynchronizationEventAutoResets)
{
    NTSTATUS Results[5] = {};
    LONG StateAfter[2] = {};
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Sync, Notify;
                  LARGE_INTEGER Zero{};
                  KeInitializeEvent(&Sync, SynchronizationEvent, FALSE);
                  KeInitializeEvent(&Notify, NotificationEvent, TRUE);
                  Results[0] = KeWaitForSingleObject(&Sync, Executive, KernelMode, FALSE, &Zero);
                  KeSetEvent(&Sync, 0, FALSE);
                  Results[1] = KeWaitForSingleObject(&Sync, Executive, KernelMode, FALSE, &Zero);
                  StateAfter[0] = KeReadStateEvent(&Sync);
                  Results[2] = KeWaitForSingleObject(&Sync, Executive, KernelMode, FALSE, &Zero);
                  Results[3] = KeWaitForSingleObject(&Notify, Executive, KernelMode, FALSE, &Zero);
                  Results[4] = KeWaitForSingleObject(&Notify, Executive, KernelMode, FALSE, nullptr);
                  StateAfter[1] = KeReadStateEvent(&Notify);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Results[0], STATUS_TIMEOUT);
    EXPECT_EQ(Results[1], STATUS_WAIT_0);
    EXPECT_EQ(StateAfter[0], 0) << "a satisfied wait consumes a synchronization event";
    EXPECT_EQ(Results[2], STATUS_TIMEOUT);
    EXPECT_EQ(Results[3], STATUS_WAIT_0);
    EXPECT_EQ(Results[4], STATUS_WAIT_0);
    EXPECT_EQ(StateAfter[1], 1) << "a notification event stays signalled";
}

TEST_P(DispatcherTest, WaiterIsWaitingOnTheEventUntilSet)
{
    UCHAR State = 0, Reason = 0;
    PVOID WaitObject = nullptr;
    NTSTATUS WaiterStatus = STATUS_PENDING;
    volatile LONG Started = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Event;
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      InterlockedExchange(&Started, 1);
                      WaiterStatus = KeWaitForSingleObject(&Event, UserRequest, KernelMode, FALSE, nullptr);
                  };
                  PETHREAD Waiter = StartKernelThread(&Body);
                  SpinUntil(Started);
                  while (KiGetThreadState(&Waiter->Tcb) != Waiting)
                      KeYieldProcessor();
                  State = KiGetThreadState(&Waiter->Tcb);
                  Reason = Waiter->Tcb.WaitReason;
                  WaitObject = Waiter->Tcb.WaitBlockList->Object;
                  KeSetEvent(&Event, 0, FALSE);
                  JoinKernelThread(Waiter);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(State, Waiting);
    EXPECT_EQ(Reason, UserRequest);
    EXPECT_NE(WaitObject, nullptr);
    EXPECT_EQ(WaiterStatus, STATUS_WAIT_0);
}

TEST_P(DispatcherTest, NotificationWakesAllSynchronizationWakesOne)
{
    constexpr int kWaiters = 6;
    LONG WokenByNotify = 0, WokenBySyncFirst = 0, WokenBySyncTotal = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Gate, Sync;
                  volatile LONG Parked = 0, Woken = 0;
                  KeInitializeEvent(&Gate, NotificationEvent, FALSE);
                  KeInitializeEvent(&Sync, SynchronizationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      InterlockedIncrement(&Parked);
                      KeWaitForSingleObject(&Gate, Executive, KernelMode, FALSE, nullptr);
                      InterlockedIncrement(&Woken);
                      KeWaitForSingleObject(&Sync, Executive, KernelMode, FALSE, nullptr);
                      InterlockedIncrement(&Woken);
                  };
                  std::vector<PETHREAD> Threads;
                  for (int i = 0; i < kWaiters; i++)
                      Threads.push_back(StartKernelThread(&Body));
                  while (__atomic_load_n(&Parked, __ATOMIC_ACQUIRE) != kWaiters)
                      KeYieldProcessor();
                  CheckInvariants();
                  KeSetEvent(&Gate, 0, FALSE);
                  CheckInvariants();
                  while (__atomic_load_n(&Woken, __ATOMIC_ACQUIRE) != kWaiters)
                      KeYieldProcessor();
                  WokenByNotify = __atomic_load_n(&Woken, __ATOMIC_ACQUIRE);
                  // Let every thread block on Sync, then release one.
                  for (PETHREAD Thread : Threads)
                      while (KiGetThreadState(&Thread->Tcb) != Waiting)
                          KeYieldProcessor();
                  KeSetEvent(&Sync, 0, FALSE);
                  while (__atomic_load_n(&Woken, __ATOMIC_ACQUIRE) != kWaiters + 1)
                      KeYieldProcessor();
                  for (int Spin = 0; Spin < 200; Spin++)
                      KeYieldProcessor();
                  WokenBySyncFirst = __atomic_load_n(&Woken, __ATOMIC_ACQUIRE) - kWaiters;
                  for (int i = 1; i < kWaiters; i++)
                      KeSetEvent(&Sync, 0, FALSE), KeYieldProcessor();
                  for (PETHREAD Thread : Threads)
                      JoinKernelThread(Thread);
                  WokenBySyncTotal = __atomic_load_n(&Woken, __ATOMIC_ACQUIRE) - kWaiters;
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(WokenByNotify, kWaiters);
    EXPECT_EQ(WokenBySyncFirst, 1) << "one KeSetEvent on a synchronization event wakes one waiter";
    EXPECT_EQ(WokenBySyncTotal, kWaiters);
}

TEST_P(DispatcherTest, ThreadObjectIsSignalledWhenTheThreadEnds)
{
    LONG SignalBefore = -1, SignalAfter = -1;
    UCHAR StateAfter = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Release;
                  KeInitializeEvent(&Release, NotificationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      KeWaitForSingleObject(&Release, Executive, KernelMode, FALSE, nullptr);
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  SignalBefore = Thread->Tcb.Header.SignalState;
                  KeSetEvent(&Release, 0, FALSE);
                  KeWaitForSingleObject(&Thread->Tcb, Executive, KernelMode, FALSE, nullptr);
                  SignalAfter = Thread->Tcb.Header.SignalState;
                  StateAfter = KiGetThreadState(&Thread->Tcb);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(SignalBefore, 0);
    EXPECT_EQ(SignalAfter, 1);
    EXPECT_EQ(StateAfter, Terminated);
}

TEST_P(DispatcherTest, SetEventWithWaitHoldsTheDispatcherForTheNextWait)
{
    KIRQL IrqlBetween = 0;
    BOOLEAN WaitNext = FALSE;
    NTSTATUS WaitStatus = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Done;
                  KeInitializeEvent(&Done, NotificationEvent, FALSE);
                  std::function<void()> Body = [] {};
                  PETHREAD Thread = StartKernelThread(&Body);
                  KeSetEvent(&Done, 0, TRUE);
                  IrqlBetween = KeGetCurrentIrql();
                  WaitNext = KeGetCurrentThread()->WaitNext;
                  WaitStatus = KeWaitForSingleObject(&Thread->Tcb, Executive, KernelMode, FALSE, nullptr);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(IrqlBetween, SYNCH_LEVEL);
    EXPECT_TRUE(WaitNext);
    EXPECT_EQ(WaitStatus, STATUS_WAIT_0);
}

TEST_P(DispatcherTest, QuantumEndRoundRobinsEqualPriorityThreads)
{
    volatile LONG OtherRan = 0;
    ASSERT_EQ(RunInKernel([&] {
                  std::function<void()> Other = [&] { InterlockedExchange(&OtherRan, 1); };
                  std::function<void()> Hog = [&] { SpinUntil(OtherRan); };
                  // The hog starts first; on one processor only the clock can give the
                  // other thread its turn.
                  PETHREAD HogThread = StartKernelThread(&Hog);
                  PETHREAD OtherThread = StartKernelThread(&Other);
                  JoinKernelThread(HogThread);
                  JoinKernelThread(OtherThread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(OtherRan, 1);
}

TEST_P(DispatcherTest, DpcRunsAtDispatchLevelWhenIrqlDrops)
{
    struct DpcState {
        volatile LONG Runs = 0;
        KIRQL Irql = 0xFF;
        PVOID Arguments[3] = {};
    } State;
    BOOLEAN Inserted[3] = {}, Removed[2] = {};
    LONG RunsBeforeLower = -1;
    ASSERT_EQ(RunInKernel([&] {
                  KDPC Dpc;
                  KeInitializeDpc(
                      &Dpc,
                      [](PKDPC, PVOID Context, PVOID Argument1, PVOID Argument2) {
                          auto *S = static_cast<DpcState *>(Context);
                          S->Irql = KeGetCurrentIrql();
                          S->Arguments[0] = Context, S->Arguments[1] = Argument1, S->Arguments[2] = Argument2;
                          InterlockedIncrement(&S->Runs);
                      },
                      &State);
                  KIRQL OldIrql;
                  KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                  Inserted[0] = KeInsertQueueDpc(&Dpc, &Inserted[0], &Inserted[1]);
                  Inserted[1] = KeInsertQueueDpc(&Dpc, nullptr, nullptr);
                  RunsBeforeLower = State.Runs;
                  KeLowerIrql(OldIrql);
                  KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                  Inserted[2] = KeInsertQueueDpc(&Dpc, nullptr, nullptr);
                  Removed[0] = KeRemoveQueueDpc(&Dpc);
                  Removed[1] = KeRemoveQueueDpc(&Dpc);
                  KeLowerIrql(OldIrql);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(Inserted[0]);
    EXPECT_FALSE(Inserted[1]) << "a queued DPC is not queued twice";
    EXPECT_EQ(RunsBeforeLower, 0) << "nothing runs while IRQL is DISPATCH_LEVEL";
    EXPECT_EQ(State.Runs, 1);
    EXPECT_EQ(State.Irql, DISPATCH_LEVEL);
    EXPECT_EQ(State.Arguments[0], &State);
    EXPECT_EQ(State.Arguments[1], &Inserted[0]);
    EXPECT_EQ(State.Arguments[2], &Inserted[1]);
    EXPECT_TRUE(Inserted[2]);
    EXPECT_TRUE(Removed[0]);
    EXPECT_FALSE(Removed[1]);
}

struct TargetedDpcRecord {
    KEVENT Done;
    ULONG Processor;
    KIRQL Irql;
};

VOID NTAPI RecordProcessorDpc(PKDPC, PVOID Context, PVOID, PVOID)
{
    auto *Record = static_cast<TargetedDpcRecord *>(Context);
    Record->Processor = KeGetCurrentProcessorNumber();
    Record->Irql = KeGetCurrentIrql();
    KeSetEvent(&Record->Done, 0, FALSE);
}

TEST_P(DispatcherTest, TargetedDpcRunsOnItsProcessorWhateverItsImportance)
{
    const ULONG Processors = GetParam().Processors;
    std::vector<ULONG> RanOn;
    std::vector<KIRQL> Irqls;
    ASSERT_EQ(RunInKernel([&] {
                  for (ULONG Target = 0; Target < Processors; Target++) {
                      for (KDPC_IMPORTANCE Importance : {LowImportance, MediumImportance, HighImportance}) {
                          TargetedDpcRecord Record{};
                          KeInitializeEvent(&Record.Done, NotificationEvent, FALSE);
                          KDPC Dpc;
                          KeInitializeDpc(&Dpc, RecordProcessorDpc, &Record);
                          KeSetTargetProcessorDpc(&Dpc, (CCHAR)Target);
                          KeSetImportanceDpc(&Dpc, Importance);
                          KeInsertQueueDpc(&Dpc, nullptr, nullptr);
                          KeWaitForSingleObject(&Record.Done, Executive, KernelMode, FALSE, nullptr);
                          RanOn.push_back(Record.Processor);
                          Irqls.push_back(Record.Irql);
                      }
                  }
              }),
              STATUS_SUCCESS);
    ASSERT_EQ(RanOn.size(), Processors * 3);
    for (size_t i = 0; i < RanOn.size(); i++) {
        EXPECT_EQ(RanOn[i], i / 3) << "DPC " << i;
        EXPECT_EQ(Irqls[i], DISPATCH_LEVEL);
    }
}

TEST_P(DispatcherTest, SpinLockExcludesAcrossProcessors)
{
    constexpr int kThreads = 4, kIterations = 2000;
    long Counter = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KSPIN_LOCK Lock;
                  KeInitializeSpinLock(&Lock);
                  std::function<void()> Body = [&] {
                      for (int i = 0; i < kIterations; i++) {
                          KIRQL OldIrql;
                          KeAcquireSpinLock(&Lock, &OldIrql);
                          long Value = Counter;
                          KeYieldProcessor(); // invite another processor in, if exclusion were broken
                          Counter = Value + 1;
                          KeReleaseSpinLock(&Lock, OldIrql);
                      }
                  };
                  PETHREAD Threads[kThreads];
                  for (PETHREAD &Thread : Threads)
                      Thread = StartKernelThread(&Body);
                  for (PETHREAD Thread : Threads)
                      JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Counter, kThreads * kIterations);
}

TEST_P(DispatcherTest, ManyThreadsCreateRunAndAreReaped)
{
    constexpr int kThreads = 300;
    volatile LONG Ran = 0;
    ASSERT_EQ(RunInKernel([&] {
                  std::function<void()> Body = [&] { InterlockedIncrement(&Ran); };
                  std::vector<PETHREAD> Threads;
                  for (int i = 0; i < kThreads; i++) {
                      Threads.push_back(StartKernelThread(&Body));
                      if (i % 50 == 0)
                          CheckInvariants();
                  }
                  for (PETHREAD Thread : Threads)
                      JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Ran, kThreads);
}

// Two threads bounce a token through two synchronization events. On two realtime
// processors a waiter is often woken, and queued on its own processor, before it has
// switched out; it must simply go on. A thread resumed on another processor (another
// host thread) must see that processor: KeGetCurrentThread() is still itself.
TEST_P(DispatcherTest, EventPingPongKeepsTurns)
{
    constexpr LONG kRounds = 20000;
    LONG PingSeen = 0, PongSeen = 0, OutOfTurn = 0;
    volatile LONG WrongProcessor = 0;
    auto CheckSelf = [&](PKTHREAD Self) {
        if (KeGetCurrentThread() != Self || KeGetCurrentPrcb()->Number != KeGetCurrentProcessorNumber())
            InterlockedIncrement(&WrongProcessor);
    };
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Ping, Pong;
                  volatile LONG Turn = 0;
                  KeInitializeEvent(&Ping, SynchronizationEvent, FALSE);
                  KeInitializeEvent(&Pong, SynchronizationEvent, FALSE);
                  std::function<void()> Partner = [&] {
                      PKTHREAD Self = KeGetCurrentThread();
                      for (LONG i = 0; i < kRounds; i++) {
                          KeWaitForSingleObject(&Ping, Executive, KernelMode, FALSE, nullptr);
                          CheckSelf(Self);
                          OutOfTurn += Turn != 1;
                          PongSeen++;
                          Turn = 0;
                          KeSetEvent(&Pong, 0, FALSE);
                      }
                  };
                  PETHREAD Thread = StartKernelThread(&Partner);
                  PKTHREAD Self = KeGetCurrentThread();
                  for (LONG i = 0; i < kRounds; i++) {
                      PingSeen++;
                      Turn = 1;
                      KeSetEvent(&Ping, 0, FALSE);
                      KeWaitForSingleObject(&Pong, Executive, KernelMode, FALSE, nullptr);
                      CheckSelf(Self);
                      OutOfTurn += Turn != 0;
                      if (i % 1000 == 0)
                          CheckInvariants();
                  }
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(PingSeen, kRounds);
    EXPECT_EQ(PongSeen, kRounds);
    EXPECT_EQ(OutOfTurn, 0);
    EXPECT_EQ(WrongProcessor, 0);
}

TEST_P(DispatcherTest, TimeMovesForward)
{
    ULONGLONG First = 0, Second = 0;
    LARGE_INTEGER SystemTime{};
    ASSERT_EQ(RunInKernel([&] {
                  First = KeQueryInterruptTime();
                  for (int i = 0; i < 1000; i++)
                      KeYieldProcessor();
                  Second = KeQueryInterruptTime();
                  KeQuerySystemTime(&SystemTime);
              }),
              STATUS_SUCCESS);
    EXPECT_GT(Second, First);
    EXPECT_GT(SystemTime.QuadPart, 133000000000000000LL) << "after 2022, in 100 ns units since 1601";
    EXPECT_EQ(KeQueryTimeIncrement(), 156250u);
}

NTOS_INSTANTIATE_ALL_MODES(DispatcherTest);

INSTANTIATE_TEST_SUITE_P(OneProcessor, DispatcherTest,
                         ::testing::Values(MachineMode{true, 1, 7}, MachineMode{false, 1, 0}), ParamName);

} // namespace

namespace {

class DpcDeathTest : public KernelDeathTest {};

TEST_F(DpcDeathTest, TargetingAProcessorThatDoesNotExistIsInvalidAffinitySet)
{
    EXPECT_DEATH(BootAndRun([] {
                     KDPC Dpc;
                     KeInitializeDpc(&Dpc, RecordProcessorDpc, nullptr);
                     KeSetTargetProcessorDpc(&Dpc, 2);
                 }),
                 "STOP: 0x00000003.*\n.*INVALID_AFFINITY_SET");
}

} // namespace
