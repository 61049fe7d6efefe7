// Waits in every machine mode: WaitAny and WaitAll over several objects, caller wait
// block arrays up to MAXIMUM_WAIT_OBJECTS, wait reasons and wait-block links while
// blocked, timeouts that leave objects untouched, alerts and alertable waits.
#include <vector>

#include "ntos_test.h"

using namespace ntos_test;

namespace {

class WaitTest : public KernelTest {};

TEST_P(WaitTest, WaitAnyReturnsTheIndexOfTheFirstSignalledObject)
{
    NTSTATUS Status[2] = {};
    LONG StateAfter = -1;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Events[3];
                  for (auto &Event : Events)
                      KeInitializeEvent(&Event, SynchronizationEvent, FALSE);
                  PVOID Objects[3] = {&Events[0], &Events[1], &Events[2]};
                  LARGE_INTEGER Zero{};
                  Status[0] = KeWaitForMultipleObjects(3, Objects, WaitAny, Executive, KernelMode, FALSE, &Zero, nullptr);
                  KeSetEvent(&Events[2], 0, FALSE);
                  KeSetEvent(&Events[1], 0, FALSE);
                  Status[1] = KeWaitForMultipleObjects(3, Objects, WaitAny, Executive, KernelMode, FALSE, &Zero, nullptr);
                  StateAfter = KeReadStateEvent(&Events[1]) * 10 + KeReadStateEvent(&Events[2]);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status[0], STATUS_TIMEOUT);
    EXPECT_EQ(Status[1], STATUS_WAIT_1) << "the lowest signalled index wins";
    EXPECT_EQ(StateAfter, 1) << "only the object that satisfied the wait is consumed";
}

TEST_P(WaitTest, BlockedWaitAnyIsLinkedBothWaysAndUnlinkedWhenWoken)
{
    NTSTATUS Status = STATUS_PENDING;
    bool LinkedToAll = false, UnlinkedFromAll = false;
    UCHAR Reason = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Events[3];
                  for (auto &Event : Events)
                      KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      PVOID Objects[3] = {&Events[0], &Events[1], &Events[2]};
                      Status = KeWaitForMultipleObjects(3, Objects, WaitAny, WrQueue, KernelMode, FALSE, nullptr,
                                                        nullptr);
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, WrQueue);
                  KIRQL OldIrql = KiAcquireDispatcherLock();
                  Reason = Thread->Tcb.WaitReason;
                  LinkedToAll = true;
                  for (ULONG i = 0; i < 3; i++) {
                      PLIST_ENTRY Entry = Events[i].Header.WaitListHead.Flink;
                      auto *Block = CONTAINING_RECORD(Entry, KWAIT_BLOCK, WaitListEntry);
                      LinkedToAll = LinkedToAll && Entry != &Events[i].Header.WaitListHead &&
                                    Block->Thread == &Thread->Tcb && Block->WaitKey == i &&
                                    Block->Object == &Events[i] && Entry->Blink == &Events[i].Header.WaitListHead;
                  }
                  KiReleaseDispatcherLock(OldIrql);
                  KeSetEvent(&Events[2], 0, FALSE);
                  JoinKernelThread(Thread);
                  UnlinkedFromAll = true;
                  for (auto &Event : Events)
                      UnlinkedFromAll = UnlinkedFromAll && IsListEmpty(&Event.Header.WaitListHead);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Reason, WrQueue);
    EXPECT_TRUE(LinkedToAll);
    EXPECT_EQ(Status, STATUS_WAIT_2);
    EXPECT_TRUE(UnlinkedFromAll);
}

TEST_P(WaitTest, WaitAllWakesOnlyWhenEveryObjectIsSignalledAndConsumesThemAll)
{
    NTSTATUS Status = STATUS_PENDING;
    LONG StillWaitingAfterTwo = 0;
    LONG StatesAfter = -1;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Events[3];
                  for (auto &Event : Events)
                      KeInitializeEvent(&Event, SynchronizationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      PVOID Objects[3] = {&Events[0], &Events[1], &Events[2]};
                      Status = KeWaitForMultipleObjects(3, Objects, WaitAll, Executive, KernelMode, FALSE, nullptr,
                                                        nullptr);
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, Executive);
                  KeSetEvent(&Events[0], 0, FALSE);
                  KeSetEvent(&Events[2], 0, FALSE);
                  KIRQL OldIrql = KiAcquireDispatcherLock();
                  StillWaitingAfterTwo = KiGetThreadState(&Thread->Tcb) == Waiting;
                  StillWaitingAfterTwo += KiSignalState(&Events[0].Header) + KiSignalState(&Events[2].Header);
                  KiReleaseDispatcherLock(OldIrql);
                  KeSetEvent(&Events[1], 0, FALSE);
                  JoinKernelThread(Thread);
                  StatesAfter = KeReadStateEvent(&Events[0]) + KeReadStateEvent(&Events[1]) +
                                KeReadStateEvent(&Events[2]);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(StillWaitingAfterTwo, 3) << "still waiting, and the two signals are not consumed";
    EXPECT_EQ(Status, STATUS_WAIT_0);
    EXPECT_EQ(StatesAfter, 0) << "a satisfied WaitAll consumes every synchronization object";
}

TEST_P(WaitTest, WaitAllTimeoutLeavesSignalledObjectsAlone)
{
    NTSTATUS Status = STATUS_PENDING;
    LONG States = -1;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Ready, Never;
                  KSEMAPHORE Semaphore;
                  KeInitializeEvent(&Ready, SynchronizationEvent, TRUE);
                  KeInitializeEvent(&Never, SynchronizationEvent, FALSE);
                  KeInitializeSemaphore(&Semaphore, 2, 5);
                  PVOID Objects[3] = {&Ready, &Semaphore, &Never};
                  LARGE_INTEGER Timeout = RelativeMs(20);
                  Status = KeWaitForMultipleObjects(3, Objects, WaitAll, Executive, KernelMode, FALSE, &Timeout,
                                                    nullptr);
                  States = KeReadStateEvent(&Ready) * 10 + KeReadStateSemaphore(&Semaphore);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status, STATUS_TIMEOUT);
    EXPECT_EQ(States, 12);
}

TEST_P(WaitTest, AbsoluteTimeoutsEndAtTheirSystemTime)
{
    NTSTATUS Future = STATUS_PENDING, Past = STATUS_PENDING, Signalled = STATUS_PENDING;
    LONGLONG Waited = -1, PastWaited = -1;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Never, Set;
                  KeInitializeEvent(&Never, NotificationEvent, FALSE);
                  KeInitializeEvent(&Set, NotificationEvent, TRUE);
                  LARGE_INTEGER Start, Due, End;
                  KeQuerySystemTime(&Start);
                  Due.QuadPart = Start.QuadPart + 20 * 10000; // 20 ms from now, as a system time
                  Future = KeWaitForSingleObject(&Never, Executive, KernelMode, FALSE, &Due);
                  KeQuerySystemTime(&End);
                  Waited = End.QuadPart - Start.QuadPart;
                  Due.QuadPart = Start.QuadPart - 10 * 10000; // already past
                  Past = KeWaitForSingleObject(&Never, Executive, KernelMode, FALSE, &Due);
                  LARGE_INTEGER AfterPast;
                  KeQuerySystemTime(&AfterPast);
                  PastWaited = AfterPast.QuadPart - End.QuadPart;
                  Due.QuadPart = End.QuadPart + 1000 * 10000;
                  Signalled = KeWaitForSingleObject(&Set, Executive, KernelMode, FALSE, &Due);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Future, STATUS_TIMEOUT);
    EXPECT_GE(Waited, 20 * 10000) << "not before the due time";
    EXPECT_EQ(Past, STATUS_TIMEOUT);
    EXPECT_LT(PastWaited, 20 * 10000) << "a due time in the past ends the wait at once";
    EXPECT_EQ(Signalled, STATUS_WAIT_0);
}

TEST_P(WaitTest, SixtyFourObjectsWithACallerWaitBlockArray)
{
    NTSTATUS Status[2] = {};
    ASSERT_EQ(RunInKernel([&] {
                  std::vector<KEVENT> Events(MAXIMUM_WAIT_OBJECTS);
                  std::vector<PVOID> Objects;
                  std::vector<KWAIT_BLOCK> Blocks(MAXIMUM_WAIT_OBJECTS);
                  for (auto &Event : Events) {
                      KeInitializeEvent(&Event, NotificationEvent, FALSE);
                      Objects.push_back(&Event);
                  }
                  std::function<void()> Body = [&] {
                      Status[0] = KeWaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, Objects.data(), WaitAny, Executive,
                                                           KernelMode, FALSE, nullptr, Blocks.data());
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, Executive);
                  KeSetEvent(&Events[63], 0, FALSE);
                  JoinKernelThread(Thread);
                  for (auto &Event : Events)
                      KeSetEvent(&Event, 0, FALSE);
                  Status[1] = KeWaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, Objects.data(), WaitAll, Executive,
                                                       KernelMode, FALSE, nullptr, Blocks.data());
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status[0], STATUS_WAIT_0 + 63);
    EXPECT_EQ(Status[1], STATUS_WAIT_0);
}

TEST_P(WaitTest, AlertEndsAnAlertableWaitAndIsRememberedOtherwise)
{
    NTSTATUS Status[3] = {STATUS_PENDING, STATUS_PENDING, STATUS_PENDING};
    BOOLEAN Previous[3] = {TRUE, TRUE, FALSE};
    BOOLEAN Tested[2] = {};
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Event, Go;
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  KeInitializeEvent(&Go, NotificationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      Status[0] = KeWaitForSingleObject(&Event, UserRequest, KernelMode, TRUE, nullptr);
                      Status[1] = KeWaitForSingleObject(&Go, WrUserRequest, KernelMode, FALSE, nullptr);
                      // Alerted while not alertable: the next alertable wait ends at once.
                      Status[2] = KeWaitForSingleObject(&Event, UserRequest, KernelMode, TRUE, nullptr);
                      Tested[0] = KeTestAlertThread(KernelMode);
                      KeAlertThread(KeGetCurrentThread(), KernelMode);
                      Tested[1] = KeTestAlertThread(KernelMode);
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, UserRequest);
                  Previous[0] = KeAlertThread(&Thread->Tcb, KernelMode);
                  SpinUntilWaiting(&Thread->Tcb, WrUserRequest);
                  Previous[1] = KeAlertThread(&Thread->Tcb, KernelMode);
                  Previous[2] = KeAlertThread(&Thread->Tcb, KernelMode);
                  KeSetEvent(&Go, 0, FALSE);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status[0], STATUS_ALERTED);
    EXPECT_FALSE(Previous[0]);
    EXPECT_EQ(Status[1], STATUS_WAIT_0) << "a non-alertable wait is not ended by an alert";
    EXPECT_FALSE(Previous[1]);
    EXPECT_TRUE(Previous[2]) << "KeAlertThread reports the alert already pending";
    EXPECT_EQ(Status[2], STATUS_ALERTED);
    EXPECT_FALSE(Tested[0]) << "the wait consumed the alert";
    EXPECT_TRUE(Tested[1]);
}

TEST_P(WaitTest, UserAlertDoesNotEndAKernelModeWait)
{
    NTSTATUS Status = STATUS_PENDING;
    BOOLEAN UserAlerted = FALSE;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Event;
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      // Long enough that a loaded host cannot let it time out before the
                      // alert is sent (realtime mode).
                      LARGE_INTEGER Timeout = RelativeMs(300);
                      Status = KeWaitForSingleObject(&Event, UserRequest, KernelMode, TRUE, &Timeout);
                      UserAlerted = KeGetCurrentThread()->Alerted[UserMode];
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, UserRequest);
                  KeAlertThread(&Thread->Tcb, UserMode);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status, STATUS_TIMEOUT);
    EXPECT_TRUE(UserAlerted);
}

TEST_P(WaitTest, AlertableDelayEndsOnAnAlert)
{
    NTSTATUS Status = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  std::function<void()> Body = [&] {
                      LARGE_INTEGER Interval = RelativeMs(60 * 60 * 1000);
                      Status = KeDelayExecutionThread(KernelMode, TRUE, &Interval);
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, DelayExecution);
                  KeAlertThread(&Thread->Tcb, KernelMode);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status, STATUS_ALERTED);
}

TEST_P(WaitTest, PulseEventWakesCurrentWaitersAndLeavesItReset)
{
    NTSTATUS Status[2] = {STATUS_PENDING, STATUS_PENDING};
    LONG Previous = -1, After = -1;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Event;
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  std::function<void()> Bodies[2];
                  PETHREAD Threads[2];
                  for (int i = 0; i < 2; i++) {
                      Bodies[i] = [&, i] {
                          Status[i] = KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, nullptr);
                      };
                      Threads[i] = StartKernelThread(&Bodies[i]);
                      ASSERT_NE(Threads[i], nullptr);
                      SpinUntilWaiting(&Threads[i]->Tcb, Executive);
                  }
                  Previous = KePulseEvent(&Event, 0, FALSE);
                  After = KeReadStateEvent(&Event);
                  for (auto *Thread : Threads)
                      JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Previous, 0);
    EXPECT_EQ(After, 0);
    EXPECT_EQ(Status[0], STATUS_WAIT_0);
    EXPECT_EQ(Status[1], STATUS_WAIT_0);
}

NTOS_INSTANTIATE_ALL_MODES(WaitTest);

class WaitDeathTest : public KernelDeathTest {};

TEST_F(WaitDeathTest, FourObjectsWithoutAWaitBlockArrayIsMaximumWaitObjectsExceeded)
{
    EXPECT_DEATH(BootAndRun([] {
                     KEVENT Events[4];
                     PVOID Objects[4];
                     for (int i = 0; i < 4; i++) {
                         KeInitializeEvent(&Events[i], NotificationEvent, TRUE);
                         Objects[i] = &Events[i];
                     }
                     KeWaitForMultipleObjects(4, Objects, WaitAny, Executive, KernelMode, FALSE, nullptr, nullptr);
                 }),
                 "STOP: 0x0000000C.*\n.*MAXIMUM_WAIT_OBJECTS_EXCEEDED");
}

TEST_F(WaitDeathTest, SixtyFiveObjectsIsMaximumWaitObjectsExceeded)
{
    EXPECT_DEATH(BootAndRun([] {
                     static KEVENT Event;
                     static PVOID Objects[65];
                     static KWAIT_BLOCK Blocks[65];
                     KeInitializeEvent(&Event, NotificationEvent, TRUE);
                     for (auto &Object : Objects)
                         Object = &Event;
                     KeWaitForMultipleObjects(65, Objects, WaitAny, Executive, KernelMode, FALSE, nullptr, Blocks);
                 }),
                 "STOP: 0x0000000C.*\n.*MAXIMUM_WAIT_OBJECTS_EXCEEDED");
}

TEST_F(WaitDeathTest, WaitingOnANonDispatcherObjectIsABugcheck)
{
    EXPECT_DEATH(BootAndRun([] {
                     KDPC Dpc;
                     KeInitializeDpc(&Dpc, nullptr, nullptr);
                     KeWaitForSingleObject(&Dpc, Executive, KernelMode, FALSE, nullptr);
                 }),
                 "STOP: 0x0000001E \\(0xFFFFFFFF80000003");
}

TEST_F(WaitDeathTest, BlockingWaitAtDispatchLevelIsIrqlNotLessOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     KEVENT Event;
                     KeInitializeEvent(&Event, NotificationEvent, FALSE);
                     KIRQL OldIrql;
                     KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                     LARGE_INTEGER Timeout = RelativeMs(10);
                     KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &Timeout);
                 }),
                 "STOP: 0x0000000A.*\n.*IRQL_NOT_LESS_OR_EQUAL");
}

} // namespace
