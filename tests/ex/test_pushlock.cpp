// Push locks in every machine mode: the lock word after each call (lock bit, share
// count, conversion, try-acquire), the waiting / multiple-shared encoding with the
// owners' count moved into the first exclusive waiter's block, shared waiters woken
// together and an exclusive waiter alone, block / unblock, and readers-writers
// exclusion under contention (no writer beside anyone, several readers at once, no
// lost wakeup: every thread finishes and the word ends at zero). Death tests for a
// release of a free lock and a contended acquire at DISPATCH_LEVEL.
#include <vector>

#include "ntos_test.h"
#include "ex.h"

using namespace ntos_test;

namespace {

constexpr const char *kAssertStop = "STOP: 0x0000001E \\(0xFFFFFFFF80000003";

ULONG_PTR ReadValue(PEX_PUSH_LOCK Lock) { return __atomic_load_n(&Lock->Value, __ATOMIC_ACQUIRE); }
PEX_PUSH_LOCK_WAIT_BLOCK NewestWaiter(PEX_PUSH_LOCK Lock)
{
    return reinterpret_cast<PEX_PUSH_LOCK_WAIT_BLOCK>(ReadValue(Lock) & ~(ULONG_PTR)EX_PUSH_LOCK_PTR_BITS);
}

class PushLockTest : public KernelTest {};

TEST_P(PushLockTest, LockWordAfterEachUncontendedCall)
{
    std::vector<ULONG_PTR> Values;
    std::vector<BOOLEAN> Results;
    ASSERT_EQ(RunInKernel([&] {
                  EX_PUSH_LOCK Lock;
                  Lock.Value = 0x5555;
                  ExInitializePushLock(&Lock);
                  KeEnterCriticalRegion();
                  Values.push_back(Lock.Value);
                  ExAcquirePushLockExclusive(&Lock);
                  Values.push_back(Lock.Value);
                  Results.push_back(ExTryToAcquirePushLockExclusive(&Lock));
                  Values.push_back(Lock.Value);
                  ExReleasePushLockExclusive(&Lock);
                  Values.push_back(Lock.Value);
                  Results.push_back(ExTryToAcquirePushLockExclusive(&Lock));
                  ExReleasePushLock(&Lock);
                  Values.push_back(Lock.Value);
                  ExAcquirePushLockShared(&Lock);
                  Values.push_back(Lock.Value);
                  ExAcquirePushLockShared(&Lock);
                  Values.push_back(Lock.Value);
                  Results.push_back((BOOLEAN)Lock.Shared);
                  Results.push_back(ExConvertPushLockSharedToExclusive(&Lock));
                  Results.push_back(ExTryToAcquirePushLockExclusive(&Lock));
                  ExReleasePushLockShared(&Lock);
                  Values.push_back(Lock.Value);
                  Results.push_back(ExConvertPushLockSharedToExclusive(&Lock));
                  Values.push_back(Lock.Value);
                  ExReleasePushLockExclusive(&Lock);
                  ExAcquirePushLockShared(&Lock);
                  ExAcquirePushLockShared(&Lock);
                  ExReleasePushLock(&Lock);
                  Values.push_back(Lock.Value);
                  ExReleasePushLock(&Lock);
                  Values.push_back(Lock.Value);
                  KeLeaveCriticalRegion();
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Values, (std::vector<ULONG_PTR>{0, 1, 1, 0, 0, 0x11, 0x21, 0x11, 1, 0x11, 0}));
    EXPECT_EQ(Results, (std::vector<BOOLEAN>{FALSE, TRUE, 2, FALSE, FALSE, TRUE}));
}

// Starts a thread that takes Lock (shared or exclusive) in a critical region, counts
// itself in Inside, waits for Go, and releases.
struct Holder {
    std::function<void()> Body;
    PETHREAD Thread;
};

void StartHolder(Holder &H, PEX_PUSH_LOCK Lock, bool Shared, volatile LONG *Inside, PKEVENT Go)
{
    H.Body = [=] {
        KeEnterCriticalRegion();
        if (Shared)
            ExAcquirePushLockShared(Lock);
        else
            ExAcquirePushLockExclusive(Lock);
        InterlockedIncrement(Inside);
        KeWaitForSingleObject(Go, Executive, KernelMode, FALSE, nullptr);
        InterlockedDecrement(Inside);
        if (Shared)
            ExReleasePushLockShared(Lock);
        else
            ExReleasePushLockExclusive(Lock);
        KeLeaveCriticalRegion();
    };
    H.Thread = StartKernelThread(&H.Body);
}

TEST_P(PushLockTest, ExclusiveWaiterBehindSharersTakesTheirCountAndWaitsForBoth)
{
    KernelChecks Checks;
    ASSERT_EQ(RunInKernel([&] {
                  EX_PUSH_LOCK Lock;
                  ExInitializePushLock(&Lock);
                  KeEnterCriticalRegion();
                  ExAcquirePushLockShared(&Lock);
                  ExAcquirePushLockShared(&Lock);
                  volatile LONG Inside = 0;
                  KEVENT Go;
                  KeInitializeEvent(&Go, NotificationEvent, FALSE);
                  Holder Writer;
                  StartHolder(Writer, &Lock, false, &Inside, &Go);
                  SpinUntilWaiting(&Writer.Thread->Tcb, WrPushLock);
                  ULONG_PTR Value = ReadValue(&Lock);
                  Checks.Expect((Value & EX_PUSH_LOCK_PTR_BITS) ==
                                    (EX_PUSH_LOCK_LOCK | EX_PUSH_LOCK_WAITING | EX_PUSH_LOCK_MULTIPLE_SHARED),
                                "locked, waiting, multiple shared: " + std::to_string(Value & 0xF));
                  PEX_PUSH_LOCK_WAIT_BLOCK Block = NewestWaiter(&Lock);
                  Checks.Expect(Block->ShareCount == 2, "the two shares moved into the waiter's block");
                  Checks.Expect(Block->Flags & EX_PUSH_LOCK_FLAGS_EXCLUSIVE, "an exclusive wait block");
                  Checks.Expect(Block->Last == Block, "the only waiter is its own last");
                  ExReleasePushLockShared(&Lock);
                  Checks.Expect(ReadValue(&Lock) == Value, "one share left: nothing changes in the word");
                  Checks.Expect(Block->ShareCount == 1, "one share left in the block");
                  Checks.Expect(KiGetThreadState(&Writer.Thread->Tcb) == Waiting, "the writer still waits");
                  ExReleasePushLock(&Lock);
                  SpinUntil([&] { return ReadShared(Inside) == 1; });
                  Checks.Expect(ReadValue(&Lock) == EX_PUSH_LOCK_LOCK, "the writer owns it alone");
                  KeSetEvent(&Go, 0, FALSE);
                  JoinKernelThread(Writer.Thread);
                  Checks.Expect(ReadValue(&Lock) == 0, "free at the end");
                  KeLeaveCriticalRegion();
              }),
              STATUS_SUCCESS);
    EXPECT_GT(Checks.Count, 6);
    EXPECT_TRUE(Checks.Failures.empty()) << Checks.Report();
}

TEST_P(PushLockTest, AnOldestExclusiveWaiterWakesAloneThenSharedWaitersTogether)
{
    constexpr int Readers = 3;
    LONG WriterAlone = -1, ReadersWhileWriter = -1, ReadersTogether = 0;
    ULONG_PTR WhileWaiting = 0, WhileWriter = 0;
    ASSERT_EQ(RunInKernel([&] {
                  EX_PUSH_LOCK Lock;
                  ExInitializePushLock(&Lock);
                  KeEnterCriticalRegion();
                  ExAcquirePushLockExclusive(&Lock);
                  volatile LONG ReadersInside = 0, WriterInside = 0;
                  KEVENT ReadersGo, WriterGo;
                  KeInitializeEvent(&ReadersGo, NotificationEvent, FALSE);
                  KeInitializeEvent(&WriterGo, NotificationEvent, FALSE);
                  Holder Holders[Readers + 1];
                  StartHolder(Holders[Readers], &Lock, false, &WriterInside, &WriterGo);
                  SpinUntilWaiting(&Holders[Readers].Thread->Tcb, WrPushLock);
                  for (int i = 0; i < Readers; i++) {
                      StartHolder(Holders[i], &Lock, true, &ReadersInside, &ReadersGo);
                      SpinUntilWaiting(&Holders[i].Thread->Tcb, WrPushLock);
                  }
                  WhileWaiting = ReadValue(&Lock) & EX_PUSH_LOCK_PTR_BITS;
                  ExReleasePushLockExclusive(&Lock);
                  SpinUntil([&] { return ReadShared(WriterInside) == 1; });
                  WriterAlone = ReadShared(WriterInside);
                  for (int i = 0; i < 10; i++)
                      YieldExecution();
                  ReadersWhileWriter = ReadShared(ReadersInside);
                  WhileWriter = ReadValue(&Lock) & EX_PUSH_LOCK_PTR_BITS;
                  CheckInvariants();
                  KeSetEvent(&WriterGo, 0, FALSE);
                  SpinUntil([&] { return ReadShared(ReadersInside) == Readers; });
                  ReadersTogether = ReadShared(ReadersInside);
                  KeSetEvent(&ReadersGo, 0, FALSE);
                  for (auto &H : Holders)
                      JoinKernelThread(H.Thread);
                  EXPECT_EQ(ReadValue(&Lock), 0u);
                  KeLeaveCriticalRegion();
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(WhileWaiting, (ULONG_PTR)(EX_PUSH_LOCK_LOCK | EX_PUSH_LOCK_WAITING));
    EXPECT_EQ(WriterAlone, 1);
    EXPECT_EQ(ReadersWhileWriter, 0) << "readers never share the lock with a writer";
    EXPECT_EQ(WhileWriter, (ULONG_PTR)(EX_PUSH_LOCK_LOCK | EX_PUSH_LOCK_WAITING)) << "the readers still wait";
    EXPECT_EQ(ReadersTogether, Readers) << "shared waiters are woken together";
}

TEST_P(PushLockTest, UnblockReleasesEveryBlockedThread)
{
    constexpr int Blocked = 3;
    LONG ReturnedBeforeUnblock = -1;
    volatile LONG Returned = 0;
    ASSERT_EQ(RunInKernel([&] {
                  EX_PUSH_LOCK Lock;
                  ExInitializePushLock(&Lock);
                  volatile LONG Pushed = 0;
                  std::function<void()> Body = [&] {
                      EX_PUSH_LOCK_WAIT_BLOCK Block;
                      ExBlockPushLock(&Lock, &Block);
                      InterlockedIncrement(&Pushed);
                      ExWaitForUnblockPushLock(&Lock, &Block);
                      InterlockedIncrement(&Returned);
                  };
                  PETHREAD Threads[Blocked];
                  for (auto &Thread : Threads) {
                      Thread = StartKernelThread(&Body);
                      ASSERT_NE(Thread, nullptr);
                  }
                  SpinUntil([&] { return ReadShared(Pushed) == Blocked; });
                  for (int i = 0; i < 10; i++)
                      YieldExecution();
                  ReturnedBeforeUnblock = ReadShared(Returned);
                  ExfUnblockPushLock(&Lock, nullptr);
                  for (auto *Thread : Threads)
                      JoinKernelThread(Thread);
                  EXPECT_EQ(ReadValue(&Lock), 0u);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(ReturnedBeforeUnblock, 0);
    EXPECT_EQ(Returned, Blocked);
}

TEST_P(PushLockTest, ReadersWritersExclusionUnderContention)
{
    constexpr int Threads = 6, Rounds = 250;
    LONG WriterOverlaps = 0, MaxReaders = 0, FinalConvert = 0;
    volatile LONG Counter = 0;
    ULONG_PTR FinalValue = 1;
    ASSERT_EQ(RunInKernel([&] {
                  EX_PUSH_LOCK Lock;
                  ExInitializePushLock(&Lock);
                  volatile LONG Readers = 0, Writers = 0;
                  std::function<void()> Bodies[Threads];
                  PETHREAD Started[Threads];
                  auto Write = [&] {
                      if (InterlockedIncrement(&Writers) != 1 || ReadShared(Readers) != 0)
                          InterlockedIncrement(&WriterOverlaps);
                      LONG Value = Counter;
                      InterruptPoint();
                      Counter = Value + 1;
                      InterlockedDecrement(&Writers);
                  };
                  for (int t = 0; t < Threads; t++) {
                      Bodies[t] = [&, t] {
                          KeEnterCriticalRegion();
                          for (int i = 0; i < Rounds; i++) {
                              int Form = (t * 7 + i) % 5;
                              if (Form <= 1) {
                                  ExAcquirePushLockShared(&Lock);
                                  LONG Now = InterlockedIncrement(&Readers);
                                  if (ReadShared(Writers) != 0)
                                      InterlockedIncrement(&WriterOverlaps);
                                  LONG Seen = ReadShared(MaxReaders);
                                  while (Now > Seen && InterlockedCompareExchange(&MaxReaders, Now, Seen) != Seen)
                                      Seen = ReadShared(MaxReaders);
                                  if (i % 3 == 0)
                                      YieldExecution();
                                  InterlockedDecrement(&Readers);
                                  if (Form == 0)
                                      ExReleasePushLockShared(&Lock);
                                  else
                                      ExReleasePushLock(&Lock);
                              } else if (Form == 2) {
                                  ExAcquirePushLockShared(&Lock);
                                  if (ExConvertPushLockSharedToExclusive(&Lock)) {
                                      InterlockedIncrement(&FinalConvert);
                                      Write();
                                      ExReleasePushLockExclusive(&Lock);
                                  } else {
                                      ExReleasePushLockShared(&Lock);
                                  }
                              } else {
                                  if (Form == 3 || !ExTryToAcquirePushLockExclusive(&Lock))
                                      ExAcquirePushLockExclusive(&Lock);
                                  Write();
                                  if (Form == 3)
                                      ExReleasePushLockExclusive(&Lock);
                                  else
                                      ExReleasePushLock(&Lock);
                              }
                              InterruptPoint();
                          }
                          KeLeaveCriticalRegion();
                      };
                      Started[t] = StartKernelThread(&Bodies[t]);
                      ASSERT_NE(Started[t], nullptr);
                  }
                  CheckInvariants();
                  for (auto *Thread : Started)
                      JoinKernelThread(Thread);
                  FinalValue = ReadValue(&Lock);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(WriterOverlaps, 0);
    EXPECT_EQ(FinalValue, 0u) << "no waiter, share or waking bit left behind";
    EXPECT_EQ(Counter, Threads * Rounds * 2 / 5 + FinalConvert) << "every write counted once";
    EXPECT_GE(MaxReaders, 1);
}

TEST_P(PushLockTest, ManyReadersHoldTheLockAtOnce)
{
    constexpr int ReadersCount = 5;
    LONG Together = 0;
    ASSERT_EQ(RunInKernel([&] {
                  EX_PUSH_LOCK Lock;
                  ExInitializePushLock(&Lock);
                  volatile LONG Inside = 0;
                  KEVENT Go;
                  KeInitializeEvent(&Go, NotificationEvent, FALSE);
                  Holder Holders[ReadersCount];
                  for (auto &H : Holders)
                      StartHolder(H, &Lock, true, &Inside, &Go);
                  SpinUntil([&] { return ReadShared(Inside) == ReadersCount; });
                  Together = ReadShared(Inside);
                  EXPECT_EQ(ReadValue(&Lock), (ULONG_PTR)(ReadersCount * EX_PUSH_LOCK_SHARE_INC | EX_PUSH_LOCK_LOCK));
                  KeSetEvent(&Go, 0, FALSE);
                  for (auto &H : Holders)
                      JoinKernelThread(H.Thread);
                  EXPECT_EQ(ReadValue(&Lock), 0u);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Together, ReadersCount);
}

NTOS_INSTANTIATE_ALL_MODES(PushLockTest);

class PushLockDeathTest : public KernelDeathTest {};

TEST_F(PushLockDeathTest, ReleasingAFreePushLockAsserts)
{
    EXPECT_DEATH(BootAndRun([] {
                     static EX_PUSH_LOCK Lock;
                     ExInitializePushLock(&Lock);
                     ExReleasePushLock(&Lock);
                 }),
                 kAssertStop);
}

TEST_F(PushLockDeathTest, ReleasingAFreePushLockExclusiveAsserts)
{
    EXPECT_DEATH(BootAndRun([] {
                     static EX_PUSH_LOCK Lock;
                     ExInitializePushLock(&Lock);
                     ExReleasePushLockExclusive(&Lock);
                 }),
                 kAssertStop);
}

TEST_F(PushLockDeathTest, ContendedAcquireAtDispatchLevelIsIrqlNotLessOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     static EX_PUSH_LOCK Lock;
                     ExInitializePushLock(&Lock);
                     ExAcquirePushLockShared(&Lock);
                     KIRQL OldIrql;
                     KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                     ExAcquirePushLockExclusive(&Lock);
                 }),
                 "STOP: 0x0000000A.*\n.*IRQL_NOT_LESS_OR_EQUAL");
}

} // namespace
