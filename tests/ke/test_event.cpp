// Events in every machine mode: state transitions, polls, waiters woken (all by a
// notification event, one by a synchronization event), the WaitNext protocol, and a
// ping-pong that keeps turns across processors.
#include <cstring>
#include <vector>

#include "ntos_test.h"

using namespace ntos_test;

namespace {

class EventTest : public KernelTest {};

TEST_P(EventTest, EventStateTransitions)
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

TEST_P(EventTest, ZeroTimeoutPollsAndSynchronizationEventAutoResets)
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

TEST_P(EventTest, WaiterIsWaitingOnTheEventUntilSet)
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
                  SpinUntil([&] { return ReadShared(Started) != 0; });
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

TEST_P(EventTest, NotificationWakesAllSynchronizationWakesOne)
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

TEST_P(EventTest, SetEventWithWaitHoldsTheDispatcherForTheNextWait)
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

// Two threads bounce a token through two synchronization events. On two realtime
// processors a waiter is often woken, and queued on its own processor, before it has
// switched out; it must simply go on. A thread resumed on another processor (another
// host thread) must see that processor: KeGetCurrentThread() is still itself.
TEST_P(EventTest, EventPingPongKeepsTurns)
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

// As kmtest KeEvent checks: the initializer writes the type, size, state and wait list
// and leaves header bytes 1 and 3 as they were.
TEST_P(EventTest, InitializeLeavesHeaderBytesOneAndThreeAlone)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  for (EVENT_TYPE Type : {NotificationEvent, SynchronizationEvent}) {
                      KEVENT Event;
                      std::memset(&Event, 0x55, sizeof(Event));
                      KeInitializeEvent(&Event, Type, TRUE);
                      C.Expect(Event.Header.Type == static_cast<ULONG>(EventNotificationObject) + Type, "type");
                      C.Expect(Event.Header.Size == sizeof(KEVENT) / sizeof(ULONG), "size");
                      C.Expect((Event.Header.Lock & 0xFF00FF00L) == 0x55005500L, "header bytes 1 and 3");
                      C.Expect(Event.Header.SignalState == 1 && IsListEmpty(&Event.Header.WaitListHead), "state");
                  }
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << ::testing::PrintToString(C.Failures);
}

NTOS_INSTANTIATE_ALL_MODES(EventTest);

INSTANTIATE_TEST_SUITE_P(OneProcessor, EventTest,
                         ::testing::Values(MachineMode{true, 1, 7}, MachineMode{false, 1, 0}), ParamName);

} // namespace
