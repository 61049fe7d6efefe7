// Kernel queues in every machine mode: FIFO and LIFO insertion and the previous state,
// zero and real timeouts, direct hand-off to a waiter, the concurrency limit (an
// associated thread that blocks elsewhere lets another run, and counts again when it is
// readied), moving between queues, leaving a queue at exit, KeRundownQueue, waiting on
// a queue with KeWaitFor*, alertable removal, and entries conserved under many
// producers and consumers. Bugchecks for a wiped entry and a wrong object.
#include "ntos_test.h"

#include <atomic>
#include <vector>

using namespace ntos_test;

namespace {

class QueueTest : public KernelTest {};

// Reads a queue's active-thread count under the dispatcher lock.
ULONG CurrentCount(PKQUEUE Queue)
{
    KIRQL OldIrql = KiAcquireDispatcherLock();
    ULONG Count = Queue->CurrentCount;
    KiReleaseDispatcherLock(OldIrql);
    return Count;
}

PLIST_ENTRY Poll(PKQUEUE Queue)
{
    LARGE_INTEGER Zero{};
    return KeRemoveQueue(Queue, KernelMode, &Zero);
}

PLIST_ENTRY AsEntry(NTSTATUS Status) { return reinterpret_cast<PLIST_ENTRY>(static_cast<LONG_PTR>(Status)); }

TEST_P(QueueTest, InsertionOrderPreviousStateAndZeroTimeout)
{
    LONG Previous[3] = {-1, -1, -1};
    LONG State = -1, StateAfter = -1;
    PLIST_ENTRY Got[4] = {};
    LIST_ENTRY A, B, C;
    bool Associated = false, Disassociated = false;
    ULONG Maximum = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KQUEUE Queue;
                  KeInitializeQueue(&Queue, 1);
                  Maximum = Queue.MaximumCount;
                  Previous[0] = KeInsertQueue(&Queue, &A);
                  Previous[1] = KeInsertQueue(&Queue, &B);
                  Previous[2] = KeInsertHeadQueue(&Queue, &C);
                  State = KeReadStateQueue(&Queue);
                  for (auto &Entry : Got)
                      Entry = Poll(&Queue);
                  StateAfter = KeReadStateQueue(&Queue);
                  PKTHREAD Self = KeGetCurrentThread();
                  Associated = Self->Queue == &Queue && Queue.ThreadListHead.Flink == &Self->QueueListEntry;
                  EXPECT_EQ(KeRundownQueue(&Queue), nullptr);
                  Disassociated = Self->Queue == nullptr && IsListEmpty(&Queue.ThreadListHead);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Maximum, 1u);
    EXPECT_EQ(Previous[0], 0);
    EXPECT_EQ(Previous[1], 1);
    EXPECT_EQ(Previous[2], 2);
    EXPECT_EQ(State, 3);
    EXPECT_EQ(Got[0], &C) << "KeInsertHeadQueue puts the entry first";
    EXPECT_EQ(Got[1], &A);
    EXPECT_EQ(Got[2], &B);
    EXPECT_EQ(Got[3], AsEntry(STATUS_TIMEOUT));
    EXPECT_EQ(StateAfter, 0);
    EXPECT_TRUE(Associated);
    EXPECT_TRUE(Disassociated);
}

TEST_P(QueueTest, CountZeroMeansOnePerProcessor)
{
    ULONG Maximum = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KQUEUE Queue;
                  KeInitializeQueue(&Queue, 0);
                  Maximum = Queue.MaximumCount;
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Maximum, GetParam().Processors);
}

TEST_P(QueueTest, TimeoutExpiresAndLeavesTheThreadActive)
{
    PLIST_ENTRY Result = nullptr;
    ULONG Count = 99;
    ASSERT_EQ(RunInKernel([&] {
                  KQUEUE Queue;
                  KeInitializeQueue(&Queue, 1);
                  LARGE_INTEGER Timeout = RelativeMs(5);
                  Result = KeRemoveQueue(&Queue, KernelMode, &Timeout);
                  Count = CurrentCount(&Queue);
                  KeRundownQueue(&Queue);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Result, AsEntry(STATUS_TIMEOUT));
    EXPECT_EQ(Count, 1u);
}

TEST_P(QueueTest, WaiterTakesTheEntryDirectlyAndNewestWaiterFirst)
{
    PLIST_ENTRY Got[2] = {};
    LONG Previous = -1, StateAfterInsert = -1;
    LIST_ENTRY Entry, Second;
    ASSERT_EQ(RunInKernel([&] {
                  KQUEUE Queue;
                  KeInitializeQueue(&Queue, 2);
                  std::function<void()> First = [&] { Got[0] = KeRemoveQueue(&Queue, KernelMode, nullptr); };
                  std::function<void()> Last = [&] { Got[1] = KeRemoveQueue(&Queue, KernelMode, nullptr); };
                  PETHREAD T1 = StartKernelThread(&First);
                  ASSERT_NE(T1, nullptr);
                  SpinUntilWaiting(&T1->Tcb, WrQueue);
                  PETHREAD T2 = StartKernelThread(&Last);
                  ASSERT_NE(T2, nullptr);
                  SpinUntilWaiting(&T2->Tcb, WrQueue);
                  Previous = KeInsertQueue(&Queue, &Entry);
                  StateAfterInsert = KeReadStateQueue(&Queue);
                  JoinKernelThread(T2);
                  KeInsertQueue(&Queue, &Second);
                  JoinKernelThread(T1);
                  EXPECT_TRUE(IsListEmpty(&Queue.ThreadListHead)) << "exited threads leave the queue";
                  EXPECT_EQ(CurrentCount(&Queue), 0u);
                  KeRundownQueue(&Queue);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Previous, 0);
    EXPECT_EQ(StateAfterInsert, 0) << "handed to a waiter, never queued";
    EXPECT_EQ(Got[1], &Entry) << "the latest waiter is served first";
    EXPECT_EQ(Got[0], &Second);
}

TEST_P(QueueTest, BlockedAssociatedThreadLetsAnotherRunAndCountsAgainWhenReadied)
{
    ULONG CountWhileBlocked = 99, CountWhenReadied = 99, CountAtEnd = 99;
    PKTHREAD Ran[2] = {};
    LIST_ENTRY BlockItem, QuickItem, Quit[2];
    ASSERT_EQ(RunInKernel([&] {
                  KQUEUE Queue;
                  KEVENT Block, Nothing;
                  KeInitializeQueue(&Queue, 1);
                  KeInitializeEvent(&Block, NotificationEvent, FALSE);
                  KeInitializeEvent(&Nothing, NotificationEvent, FALSE);
                  std::function<void()> Consumer = [&] {
                      for (;;) {
                          PLIST_ENTRY Entry = KeRemoveQueue(&Queue, KernelMode, nullptr);
                          if (Entry == &BlockItem) {
                              __atomic_store_n(&Ran[0], KeGetCurrentThread(), __ATOMIC_RELEASE);
                              KeWaitForSingleObject(&Block, Executive, KernelMode, FALSE, nullptr);
                          } else if (Entry == &QuickItem) {
                              __atomic_store_n(&Ran[1], KeGetCurrentThread(), __ATOMIC_RELEASE);
                          } else {
                              return;
                          }
                      }
                  };
                  PETHREAD Threads[2];
                  for (auto &Thread : Threads) {
                      Thread = StartKernelThread(&Consumer);
                      ASSERT_NE(Thread, nullptr);
                      SpinUntilWaiting(&Thread->Tcb, WrQueue);
                  }
                  KeInsertQueue(&Queue, &BlockItem);
                  SpinUntil([&] { return __atomic_load_n(&Ran[0], __ATOMIC_ACQUIRE) != nullptr; });
                  SpinUntilWaiting(Ran[0], Executive);
                  CountWhileBlocked = CurrentCount(&Queue);
                  KeInsertQueue(&Queue, &QuickItem);
                  SpinUntil([&] { return __atomic_load_n(&Ran[1], __ATOMIC_ACQUIRE) != nullptr; });
                  PKTHREAD Other = Ran[1];
                  SpinUntilWaiting(Other, WrQueue);
                  // Wake the blocked one and look before anything else can run.
                  KeSetEvent(&Block, 0, TRUE);
                  CountWhenReadied = Queue.CurrentCount;
                  LARGE_INTEGER Zero{};
                  KeWaitForSingleObject(&Nothing, Executive, KernelMode, FALSE, &Zero);
                  for (auto &Entry : Quit)
                      KeInsertQueue(&Queue, &Entry);
                  for (auto *Thread : Threads)
                      JoinKernelThread(Thread);
                  CountAtEnd = CurrentCount(&Queue);
                  EXPECT_NE(Ran[0], Ran[1]);
                  KeRundownQueue(&Queue);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(CountWhileBlocked, 0u) << "a thread blocked elsewhere does not count";
    EXPECT_EQ(CountWhenReadied, 1u) << "readying it counts it again";
    EXPECT_EQ(CountAtEnd, 0u);
}

TEST_P(QueueTest, ConcurrencyLimitHoldsForNonBlockingConsumers)
{
    constexpr int Consumers = 4, Items = 400;
    LONG MaxActive = 0, Processed = 0;
    ULONG Limit = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KQUEUE Queue;
                  KeInitializeQueue(&Queue, 1);
                  Limit = Queue.MaximumCount;
                  std::vector<LIST_ENTRY> Entries(Items + Consumers);
                  volatile LONG Active = 0;
                  std::function<void()> Consumer = [&] {
                      for (;;) {
                          PLIST_ENTRY Entry = KeRemoveQueue(&Queue, KernelMode, nullptr);
                          if (Entry >= &Entries[Items])
                              return;
                          LONG Now = InterlockedIncrement(&Active);
                          LONG Seen;
                          while ((Seen = ReadShared(MaxActive)) < Now &&
                                 InterlockedCompareExchange(&MaxActive, Now, Seen) != Seen) {
                          }
                          InterruptPoint();
                          InterlockedIncrement(&Processed);
                          InterlockedDecrement(&Active);
                      }
                  };
                  PETHREAD Threads[Consumers];
                  for (auto &Thread : Threads) {
                      Thread = StartKernelThread(&Consumer);
                      ASSERT_NE(Thread, nullptr);
                  }
                  for (int i = 0; i < Items; i++) {
                      KeInsertQueue(&Queue, &Entries[i]);
                      if (i % 50 == 0)
                          CheckInvariants();
                  }
                  SpinUntil([&] { return ReadShared(Processed) == Items; });
                  for (int i = 0; i < Consumers; i++)
                      KeInsertQueue(&Queue, &Entries[Items + i]);
                  for (auto *Thread : Threads)
                      JoinKernelThread(Thread);
                  KeRundownQueue(&Queue);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Processed, Items);
    EXPECT_EQ(MaxActive, (LONG)Limit) << "never more consumers active than the queue allows";
}

TEST_P(QueueTest, MovingToAnotherQueueAdjustsBothCounts)
{
    ULONG Counts[4] = {9, 9, 9, 9};
    bool InSecondList = false, OutOfFirstList = false;
    ASSERT_EQ(RunInKernel([&] {
                  KQUEUE First, Second;
                  KeInitializeQueue(&First, 1);
                  KeInitializeQueue(&Second, 1);
                  Poll(&First);
                  Counts[0] = CurrentCount(&First);
                  Counts[1] = CurrentCount(&Second);
                  Poll(&Second);
                  Counts[2] = CurrentCount(&First);
                  Counts[3] = CurrentCount(&Second);
                  PKTHREAD Self = KeGetCurrentThread();
                  InSecondList = Self->Queue == &Second && Second.ThreadListHead.Flink == &Self->QueueListEntry;
                  OutOfFirstList = IsListEmpty(&First.ThreadListHead);
                  KeRundownQueue(&Second);
                  KeRundownQueue(&First);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Counts[0], 1u);
    EXPECT_EQ(Counts[1], 0u);
    EXPECT_EQ(Counts[2], 0u);
    EXPECT_EQ(Counts[3], 1u);
    EXPECT_TRUE(InSecondList);
    EXPECT_TRUE(OutOfFirstList);
}

TEST_P(QueueTest, TerminatingThreadLeavesItsQueueAndLetsAWaiterRun)
{
    PLIST_ENTRY Got = nullptr;
    ULONG CountAfter = 9;
    LIST_ENTRY Entry;
    ASSERT_EQ(RunInKernel([&] {
                  KQUEUE Queue;
                  KEVENT Exit;
                  KeInitializeQueue(&Queue, 1);
                  KeInitializeEvent(&Exit, NotificationEvent, FALSE);
                  std::function<void()> Holder = [&] {
                      Poll(&Queue); // associated and active: the limit is reached
                      LARGE_INTEGER Zero{};
                      while (KeWaitForSingleObject(&Exit, Executive, KernelMode, FALSE, &Zero) == STATUS_TIMEOUT)
                          InterruptPoint(); // running, not waiting: still counts
                  };
                  std::function<void()> Waiter = [&] { Got = KeRemoveQueue(&Queue, KernelMode, nullptr); };
                  PETHREAD HolderThread = StartKernelThread(&Holder);
                  ASSERT_NE(HolderThread, nullptr);
                  SpinUntil([&] { return CurrentCount(&Queue) == 1; });
                  PETHREAD WaiterThread = StartKernelThread(&Waiter);
                  ASSERT_NE(WaiterThread, nullptr);
                  SpinUntilWaiting(&WaiterThread->Tcb, WrQueue);
                  EXPECT_EQ(KeInsertQueue(&Queue, &Entry), 0);
                  EXPECT_EQ(KeReadStateQueue(&Queue), 1) << "queued: the holder uses the only slot";
                  KeSetEvent(&Exit, 0, FALSE);
                  JoinKernelThread(HolderThread);
                  JoinKernelThread(WaiterThread);
                  CountAfter = CurrentCount(&Queue);
                  KeRundownQueue(&Queue);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Got, &Entry);
    EXPECT_EQ(CountAfter, 0u);
}

TEST_P(QueueTest, RundownReturnsTheEntriesAndAbandonsWaiters)
{
    LIST_ENTRY Entries[3];
    std::vector<PLIST_ENTRY> Returned;
    PLIST_ENTRY WaiterGot = nullptr, Later = nullptr;
    LONG StateAfter = -1;
    ASSERT_EQ(RunInKernel([&] {
                  KQUEUE Queue, Other;
                  KeInitializeQueue(&Queue, 1);
                  KeInitializeQueue(&Other, 1);
                  std::function<void()> Waiter = [&] { WaiterGot = KeRemoveQueue(&Other, KernelMode, nullptr); };
                  PETHREAD Thread = StartKernelThread(&Waiter);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, WrQueue);
                  EXPECT_EQ(KeRundownQueue(&Other), nullptr);
                  JoinKernelThread(Thread);
                  for (auto &Entry : Entries)
                      KeInsertQueue(&Queue, &Entry);
                  PLIST_ENTRY First = KeRundownQueue(&Queue);
                  for (PLIST_ENTRY Entry = First; Entry;) {
                      Returned.push_back(Entry);
                      Entry = Entry->Flink == First ? nullptr : Entry->Flink;
                  }
                  StateAfter = KeReadStateQueue(&Queue);
                  Later = Poll(&Queue);
              }),
              STATUS_SUCCESS);
    ASSERT_EQ(Returned.size(), 3u);
    EXPECT_EQ(Returned[0], &Entries[0]);
    EXPECT_EQ(Returned[1], &Entries[1]);
    EXPECT_EQ(Returned[2], &Entries[2]);
    EXPECT_EQ(StateAfter, 0);
    EXPECT_EQ(WaiterGot, AsEntry(STATUS_ABANDONED));
    EXPECT_EQ(Later, AsEntry(STATUS_ABANDONED));
}

TEST_P(QueueTest, WaitingOnAQueueObjectFollowsItsEntryCount)
{
    NTSTATUS Poll0 = STATUS_PENDING, Woken = STATUS_PENDING, Any = STATUS_PENDING;
    LONG StateAfterWake = -1;
    LIST_ENTRY Entry;
    ASSERT_EQ(RunInKernel([&] {
                  KQUEUE Queue;
                  KEVENT Event;
                  KeInitializeQueue(&Queue, 1);
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  LARGE_INTEGER Zero{};
                  Poll0 = KeWaitForSingleObject(&Queue, Executive, KernelMode, FALSE, &Zero);
                  std::function<void()> Waiter = [&] {
                      Woken = KeWaitForSingleObject(&Queue, UserRequest, KernelMode, FALSE, nullptr);
                  };
                  PETHREAD Thread = StartKernelThread(&Waiter);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, UserRequest);
                  KeInsertQueue(&Queue, &Entry);
                  JoinKernelThread(Thread);
                  StateAfterWake = KeReadStateQueue(&Queue);
                  PVOID Objects[2] = {&Event, &Queue};
                  Any = KeWaitForMultipleObjects(2, Objects, WaitAny, Executive, KernelMode, FALSE, &Zero, nullptr);
                  EXPECT_EQ(Poll(&Queue), &Entry);
                  KeRundownQueue(&Queue);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Poll0, STATUS_TIMEOUT);
    EXPECT_EQ(Woken, STATUS_WAIT_0);
    EXPECT_EQ(StateAfterWake, 1) << "a KeWaitFor wait does not consume an entry";
    EXPECT_EQ(Any, STATUS_WAIT_0 + 1);
}

TEST_P(QueueTest, AlertableRemovalEndsOnAnAlertAndExTakesSeveralEntries)
{
    ULONG Taken[2] = {};
    PLIST_ENTRY Alerted[1] = {}, Several[4] = {};
    PLIST_ENTRY Plain = nullptr;
    LIST_ENTRY Entries[3];
    BOOLEAN AlertStillPending = TRUE;
    ASSERT_EQ(RunInKernel([&] {
                  KQUEUE Queue;
                  KeInitializeQueue(&Queue, 1);
                  std::function<void()> Waiter = [&] {
                      Taken[0] = KeRemoveQueueEx(&Queue, KernelMode, TRUE, nullptr, Alerted, 1);
                      LARGE_INTEGER Timeout = RelativeMs(1);
                      KeAlertThread(KeGetCurrentThread(), KernelMode);
                      Plain = KeRemoveQueue(&Queue, KernelMode, &Timeout); // not alertable
                      AlertStillPending = KeTestAlertThread(KernelMode);
                  };
                  PETHREAD Thread = StartKernelThread(&Waiter);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, WrQueue);
                  KeAlertThread(&Thread->Tcb, KernelMode);
                  JoinKernelThread(Thread);
                  for (auto &Entry : Entries)
                      KeInsertQueue(&Queue, &Entry);
                  LARGE_INTEGER Zero{};
                  Taken[1] = KeRemoveQueueEx(&Queue, KernelMode, FALSE, &Zero, Several, 4);
                  KeRundownQueue(&Queue);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Taken[0], 1u);
    EXPECT_EQ(Alerted[0], AsEntry(STATUS_ALERTED));
    EXPECT_EQ(Plain, AsEntry(STATUS_TIMEOUT)) << "KeRemoveQueue is not alertable";
    EXPECT_TRUE(AlertStillPending);
    EXPECT_EQ(Taken[1], 3u);
    EXPECT_EQ(Several[0], &Entries[0]);
    EXPECT_EQ(Several[2], &Entries[2]);
}

TEST_P(QueueTest, ManyProducersAndConsumersConserveEntries)
{
    constexpr int Producers = 3, Consumers = 3, PerProducer = 200, Items = Producers * PerProducer;
    std::vector<LONG> Seen(Items);
    LONG Duplicates = 0, Missing = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KQUEUE Queue;
                  KeInitializeQueue(&Queue, 2);
                  std::vector<LIST_ENTRY> Entries(Items + Consumers);
                  std::function<void()> Consumer = [&] {
                      for (;;) {
                          PLIST_ENTRY Entry = KeRemoveQueue(&Queue, KernelMode, nullptr);
                          LONG_PTR Index = Entry - Entries.data();
                          if (Index >= Items)
                              return;
                          InterlockedIncrement(&Seen[Index]);
                          if (Index % 7 == 0)
                              YieldExecution();
                      }
                  };
                  volatile LONG NextProducer = 0;
                  std::function<void()> Producer = [&] {
                      LONG Id = InterlockedIncrement(&NextProducer) - 1;
                      for (int i = 0; i < PerProducer; i++) {
                          PLIST_ENTRY Entry = &Entries[Id * PerProducer + i];
                          KIRQL OldIrql = PASSIVE_LEVEL;
                          if (i % 3 == 0)
                              KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                          if (i % 5 == 0)
                              KeInsertHeadQueue(&Queue, Entry);
                          else
                              KeInsertQueue(&Queue, Entry);
                          if (i % 3 == 0)
                              KeLowerIrql(OldIrql);
                      }
                  };
                  std::vector<PETHREAD> Threads;
                  for (int i = 0; i < Consumers; i++)
                      Threads.push_back(StartKernelThread(&Consumer));
                  std::vector<PETHREAD> ProducerThreads;
                  for (int i = 0; i < Producers; i++)
                      ProducerThreads.push_back(StartKernelThread(&Producer));
                  for (auto *Thread : ProducerThreads) {
                      ASSERT_NE(Thread, nullptr);
                      JoinKernelThread(Thread);
                  }
                  CheckInvariants();
                  for (int i = 0; i < Consumers; i++)
                      KeInsertQueue(&Queue, &Entries[Items + i]);
                  for (auto *Thread : Threads) {
                      ASSERT_NE(Thread, nullptr);
                      JoinKernelThread(Thread);
                  }
                  EXPECT_EQ(KeRundownQueue(&Queue), nullptr);
              }),
              STATUS_SUCCESS);
    for (LONG Count : Seen) {
        Duplicates += Count > 1;
        Missing += Count == 0;
    }
    EXPECT_EQ(Duplicates, 0);
    EXPECT_EQ(Missing, 0);
}

NTOS_INSTANTIATE_ALL_MODES(QueueTest);

class QueueDeathTest : public KernelDeathTest {};

TEST_F(QueueDeathTest, AnEntryWipedWhileQueuedIsInvalidWorkQueueItem)
{
    EXPECT_DEATH(BootAndRun([] {
                     static KQUEUE Queue;
                     static WORK_QUEUE_ITEM Item;
                     KeInitializeQueue(&Queue, 1);
                     KeInsertQueue(&Queue, &Item.List);
                     Item.List.Flink = nullptr; // ExInitializeWorkItem on a queued item
                     Poll(&Queue);
                 }),
                 "STOP: 0x00000096.*\n.*INVALID_WORK_QUEUE_ITEM");
}

TEST_F(QueueDeathTest, InsertingIntoAnEventIsABugcheck)
{
    EXPECT_DEATH(BootAndRun([] {
                     KEVENT Event;
                     LIST_ENTRY Entry;
                     KeInitializeEvent(&Event, NotificationEvent, FALSE);
                     KeInsertQueue(reinterpret_cast<PKQUEUE>(&Event), &Entry);
                 }),
                 "STOP: 0x0000001E \\(0xFFFFFFFF80000003");
}

TEST_F(QueueDeathTest, BlockingRemovalAtDispatchLevelIsABugcheck)
{
    EXPECT_DEATH(BootAndRun([] {
                     KQUEUE Queue;
                     KeInitializeQueue(&Queue, 1);
                     KIRQL OldIrql;
                     KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                     KeRemoveQueue(&Queue, KernelMode, nullptr);
                 }),
                 "STOP: 0x0000000A.*\n.*IRQL_NOT_LESS_OR_EQUAL");
}

} // namespace
