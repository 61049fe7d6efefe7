// Spin locks, ordinary, in-stack queued and numbered queued, after ReactOS's kmtest
// KeSpinLock: the lock word, the queue handle and the IRQL after every acquire and
// release variant,
// KeTestSpinLock and try-acquire, mutual exclusion under contention (threads and
// DPCs), FIFO hand-off of a queued lock, and the bugchecks a checked build raises.
#include <cstring>
#include <string>
#include <vector>

#include "ntos_test.h"

using namespace ntos_test;

namespace {

class SpinLockTest : public KernelTest {};

// A held executive spin lock names its owning thread, as kmtest KeSpinLock checks.
KSPIN_LOCK OrdinaryOwnerMark() { return reinterpret_cast<KSPIN_LOCK>(KeGetCurrentThread()) | 1; }

PKSPIN_LOCK QueueLockWithState(PKSPIN_LOCK Lock, ULONG_PTR State)
{
    return reinterpret_cast<PKSPIN_LOCK>(reinterpret_cast<ULONG_PTR>(Lock) | State);
}

// One way of taking a lock, as kmtest's CHECK_DATA: acquire and release with their
// IRQL change, optionally the pair that leaves IRQL alone, and what a held lock
// looks like.
struct LockState {
    KLOCK_QUEUE_HANDLE Handle;
    KIRQL Irql;
};
using LockOp = void (*)(PKSPIN_LOCK, LockState &);

struct LockVariant {
    const char *Name;
    bool Queued;
    KIRQL IrqlWhenAcquired;
    LockOp Acquire, Release;
    LockOp AcquireNoRaise, ReleaseNoLower;
    bool TryNoRaise; // KeTryToAcquireSpinLockAtDpcLevel applies
};

const LockVariant kVariants[] = {
    {"KeAcquireSpinLock", false, DISPATCH_LEVEL,
     [](PKSPIN_LOCK L, LockState &S) { KeAcquireSpinLock(L, &S.Irql); },
     [](PKSPIN_LOCK L, LockState &S) { KeReleaseSpinLock(L, S.Irql); },
     [](PKSPIN_LOCK L, LockState &) { KeAcquireSpinLockAtDpcLevel(L); },
     [](PKSPIN_LOCK L, LockState &) { KeReleaseSpinLockFromDpcLevel(L); }, true},
    {"KeAcquireSpinLockRaiseToSynch", false, SYNCH_LEVEL,
     [](PKSPIN_LOCK L, LockState &S) { S.Irql = KeAcquireSpinLockRaiseToSynch(L); },
     [](PKSPIN_LOCK L, LockState &S) { KeReleaseSpinLock(L, S.Irql); }, nullptr, nullptr, false},
    {"KeAcquireInStackQueuedSpinLock", true, DISPATCH_LEVEL,
     [](PKSPIN_LOCK L, LockState &S) { KeAcquireInStackQueuedSpinLock(L, &S.Handle); },
     [](PKSPIN_LOCK, LockState &S) { KeReleaseInStackQueuedSpinLock(&S.Handle); },
     [](PKSPIN_LOCK L, LockState &S) { KeAcquireInStackQueuedSpinLockAtDpcLevel(L, &S.Handle); },
     [](PKSPIN_LOCK, LockState &S) { KeReleaseInStackQueuedSpinLockFromDpcLevel(&S.Handle); }, false},
    {"KeAcquireInStackQueuedSpinLockRaiseToSynch", true, SYNCH_LEVEL,
     [](PKSPIN_LOCK L, LockState &S) { KeAcquireInStackQueuedSpinLockRaiseToSynch(L, &S.Handle); },
     [](PKSPIN_LOCK, LockState &S) { KeReleaseInStackQueuedSpinLock(&S.Handle); }, nullptr, nullptr, false},
    {"KeAcquireInStackQueuedSpinLockForDpc", true, DISPATCH_LEVEL,
     [](PKSPIN_LOCK L, LockState &S) { KeAcquireInStackQueuedSpinLock(L, &S.Handle); },
     [](PKSPIN_LOCK, LockState &S) { KeReleaseInStackQueuedSpinLock(&S.Handle); },
     [](PKSPIN_LOCK L, LockState &S) { KeAcquireInStackQueuedSpinLockForDpc(L, &S.Handle); },
     [](PKSPIN_LOCK, LockState &S) { KeReleaseInStackQueuedSpinLockForDpc(&S.Handle); }, false},
};

// kmtest's CheckSpinLock on a multiprocessor checked build: KeTestSpinLock, the lock
// word, the queue handle or returned IRQL, and the current IRQL.
void CheckLock(KernelChecks &C, const std::string &Where, const LockVariant &V, PKSPIN_LOCK Lock, LockState &S,
               KIRQL OriginalIrql, bool Held, bool Raised)
{
    C.Expect(KeTestSpinLock(Lock) == !Held, Where + ": KeTestSpinLock");
    if (V.Queued) {
        C.Expect(*Lock == (Held ? reinterpret_cast<KSPIN_LOCK>(&S.Handle) : 0), Where + ": lock word");
        C.Expect(S.Handle.LockQueue.Next == nullptr, Where + ": LockQueue.Next");
        C.Expect(S.Handle.LockQueue.Lock == QueueLockWithState(Lock, Held ? LOCK_QUEUE_OWNER : 0),
                 Where + ": LockQueue.Lock");
        C.Expect(S.Handle.OldIrql == OriginalIrql, Where + ": OldIrql");
    } else {
        C.Expect(*Lock == (Held ? OrdinaryOwnerMark() : 0), Where + ": lock word");
        C.Expect(S.Irql == OriginalIrql, Where + ": returned IRQL");
    }
    C.Expect(KeGetCurrentIrql() == (Raised ? V.IrqlWhenAcquired : OriginalIrql), Where + ": current IRQL");
}

// kmtest's TestSpinLock for one variant at one starting IRQL (a checked build takes
// the no-raise pair only at DISPATCH_LEVEL or above).
void TestVariant(KernelChecks &C, const LockVariant &V, KIRQL OriginalIrql)
{
    KSPIN_LOCK Lock;
    LockState S;
    std::memset(&Lock, 0x55, sizeof(Lock));
    std::memset(&S, 0x55, sizeof(S));
    KeInitializeSpinLock(&Lock);
    const std::string At = std::string(V.Name) + " from IRQL " + std::to_string(OriginalIrql);
    auto Check = [&](const char *Step, bool Held, bool Raised) {
        CheckLock(C, At + ", " + Step, V, &Lock, S, OriginalIrql, Held, Raised);
    };
    if (OriginalIrql > V.IrqlWhenAcquired)
        S.Irql = S.Handle.OldIrql = OriginalIrql; // what a raising acquire from here would have left

    if (OriginalIrql <= V.IrqlWhenAcquired) {
        V.Acquire(&Lock, S);
        Check("acquired", true, true);
        V.Release(&Lock, S);
        Check("released", false, false);
    }
    if (!V.AcquireNoRaise || OriginalIrql < DISPATCH_LEVEL)
        return;
    V.AcquireNoRaise(&Lock, S);
    Check("acquired without raise", true, false);
    V.ReleaseNoLower(&Lock, S);
    Check("released without lower", false, false);
    if (OriginalIrql <= V.IrqlWhenAcquired) {
        V.AcquireNoRaise(&Lock, S);
        Check("acquired without raise, before a normal release", true, false);
        V.Release(&Lock, S);
        Check("normal release after acquire without raise", false, false);
        V.Acquire(&Lock, S);
        Check("acquired, before a release without lower", true, true);
        V.ReleaseNoLower(&Lock, S);
        Check("released without lower after a normal acquire", false, true);
    }
    if (V.TryNoRaise) {
        C.Expect(KeTryToAcquireSpinLockAtDpcLevel(&Lock) == TRUE, At + ": try-acquire of a free lock");
        Check("try-acquired", true, false);
        V.ReleaseNoLower(&Lock, S);
        Check("try-acquired, released", false, false);
    }
}

TEST_P(SpinLockTest, EveryVariantLeavesLockWordHandleAndIrqlAsKmtestExpects)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  for (const LockVariant &V : kVariants)
                      for (KIRQL Irql : {PASSIVE_LEVEL, APC_LEVEL, DISPATCH_LEVEL, HIGH_LEVEL}) {
                          KIRQL Old = KfRaiseIrql(Irql);
                          TestVariant(C, V, Irql);
                          C.Expect(KeGetCurrentIrql() == Irql, std::string(V.Name) + ": IRQL restored");
                          KeLowerIrql(Old);
                      }
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
    EXPECT_EQ(C.Count, 322) << "every step of every variant was checked";
}

TEST_P(SpinLockTest, InitializeClearsAndTestSpinLockReportsOnlyZeroAsFree)
{
    KSPIN_LOCK Initialized = 1;
    BOOLEAN Free[6] = {};
    ASSERT_EQ(RunInKernel([&] {
                  KSPIN_LOCK Lock;
                  std::memset(&Lock, 0x55, sizeof(Lock));
                  KeInitializeSpinLock(&Lock);
                  Initialized = Lock;
                  const KSPIN_LOCK Values[] = {0, 1, 2, ~KSPIN_LOCK{0}, KSPIN_LOCK{1} << (sizeof(KSPIN_LOCK) * 8 - 1), 0};
                  for (int i = 0; i < 6; i++) {
                      Lock = Values[i];
                      Free[i] = KeTestSpinLock(&Lock);
                  }
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Initialized, 0u);
    EXPECT_TRUE(Free[0]);
    EXPECT_FALSE(Free[1]);
    EXPECT_FALSE(Free[2]);
    EXPECT_FALSE(Free[3]);
    EXPECT_FALSE(Free[4]);
    EXPECT_TRUE(Free[5]);
}

// A lock word naming another owner (another thread's mark, or a queue tail) makes
// the try fail and stays as it was.
TEST_P(SpinLockTest, TryToAcquireFailsOnAHeldLockAndLeavesItAlone)
{
    BOOLEAN Acquired[2] = {TRUE, TRUE};
    KSPIN_LOCK After[2] = {};
    KSPIN_LOCK Foreign[2] = {};
    KIRQL Irql = 0;
    ASSERT_EQ(RunInKernel([&] {
                  static KSPIN_LOCK_QUEUE OtherQueueEntry;
                  Foreign[0] = reinterpret_cast<KSPIN_LOCK>(&OtherQueueEntry) | 1; // no owner mark of this thread
                  Foreign[1] = reinterpret_cast<KSPIN_LOCK>(&OtherQueueEntry);      // not on this stack
                  KIRQL Old = KeRaiseIrqlToDpcLevel();
                  for (int i = 0; i < 2; i++) {
                      KSPIN_LOCK Lock = Foreign[i];
                      Acquired[i] = KeTryToAcquireSpinLockAtDpcLevel(&Lock);
                      After[i] = Lock;
                  }
                  Irql = KeGetCurrentIrql();
                  KeLowerIrql(Old);
              }),
              STATUS_SUCCESS);
    for (int i = 0; i < 2; i++) {
        EXPECT_FALSE(Acquired[i]);
        EXPECT_EQ(After[i], Foreign[i]);
    }
    EXPECT_EQ(Irql, DISPATCH_LEVEL) << "try-acquire does not change IRQL";
}

// KeAcquireInStackQueuedSpinLockForDpc in a threaded DPC (below DISPATCH_LEVEL)
// raises to DISPATCH_LEVEL, and its release goes back.
TEST_P(SpinLockTest, ForDpcBelowDispatchRaisesAndReleaseLowersBack)
{
    KIRQL Held[2] = {}, Saved[2] = {}, After[2] = {};
    KSPIN_LOCK Word[2] = {};
    PVOID HandleAddress[2] = {};
    ASSERT_EQ(RunInKernel([&] {
                  KSPIN_LOCK Lock;
                  KeInitializeSpinLock(&Lock);
                  for (int i = 0; i < 2; i++) {
                      KIRQL Old = KfRaiseIrql(i == 0 ? PASSIVE_LEVEL : APC_LEVEL);
                      KLOCK_QUEUE_HANDLE Handle;
                      KeAcquireInStackQueuedSpinLockForDpc(&Lock, &Handle);
                      Held[i] = KeGetCurrentIrql();
                      Saved[i] = Handle.OldIrql;
                      Word[i] = Lock;
                      HandleAddress[i] = &Handle;
                      KeReleaseInStackQueuedSpinLockForDpc(&Handle);
                      After[i] = KeGetCurrentIrql();
                      KeLowerIrql(Old);
                  }
              }),
              STATUS_SUCCESS);
    for (int i = 0; i < 2; i++) {
        KIRQL Original = i == 0 ? PASSIVE_LEVEL : APC_LEVEL;
        EXPECT_EQ(Held[i], DISPATCH_LEVEL);
        EXPECT_EQ(Saved[i], Original);
        EXPECT_EQ(Word[i], reinterpret_cast<KSPIN_LOCK>(HandleAddress[i]));
        EXPECT_EQ(After[i], Original);
    }
}

// ---- Contention ----

// What the threads sharing one lock saw. Counter is changed with a deliberately
// split read-modify-write, so a lost update shows a broken exclusion.
struct Contention {
    KSPIN_LOCK Lock;
    long Counter = 0;
    volatile LONG Rounds = 0;
    volatile LONG Inside = 0;
    volatile LONG Overlaps = 0;
    volatile LONG WrongIrql = 0;
    volatile LONG Contended = 0;
    volatile LONG Go = 0;
};

void CriticalSection(Contention &S, KIRQL ExpectedIrql)
{
    if (InterlockedIncrement(&S.Inside) != 1)
        InterlockedIncrement(&S.Overlaps);
    if (KeGetCurrentIrql() != ExpectedIrql)
        InterlockedIncrement(&S.WrongIrql);
    long Value = S.Counter;
    KeYieldProcessor(); // lets another processor in, were exclusion broken
    S.Counter = Value + 1;
    InterlockedDecrement(&S.Inside);
}

// Notes whether the lock is held just before this thread asks for it.
void NoteContention(Contention &S)
{
    if (__atomic_load_n(&S.Lock, __ATOMIC_RELAXED))
        InterlockedIncrement(&S.Contended);
}

using Round = void (*)(Contention &);

const Round kQueuedRounds[] = {
    [](Contention &S) {
        KLOCK_QUEUE_HANDLE Handle;
        NoteContention(S);
        KeAcquireInStackQueuedSpinLock(&S.Lock, &Handle);
        CriticalSection(S, DISPATCH_LEVEL);
        KeReleaseInStackQueuedSpinLock(&Handle);
    },
    [](Contention &S) {
        KLOCK_QUEUE_HANDLE Handle;
        NoteContention(S);
        KeAcquireInStackQueuedSpinLockRaiseToSynch(&S.Lock, &Handle);
        CriticalSection(S, SYNCH_LEVEL);
        KeReleaseInStackQueuedSpinLock(&Handle);
    },
    [](Contention &S) {
        KLOCK_QUEUE_HANDLE Handle;
        KIRQL Old = KeRaiseIrqlToDpcLevel();
        NoteContention(S);
        KeAcquireInStackQueuedSpinLockAtDpcLevel(&S.Lock, &Handle);
        CriticalSection(S, DISPATCH_LEVEL);
        KeReleaseInStackQueuedSpinLockFromDpcLevel(&Handle);
        KeLowerIrql(Old);
    },
    [](Contention &S) {
        KLOCK_QUEUE_HANDLE Handle;
        NoteContention(S);
        KeAcquireInStackQueuedSpinLockForDpc(&S.Lock, &Handle);
        CriticalSection(S, DISPATCH_LEVEL);
        KeReleaseInStackQueuedSpinLockForDpc(&Handle);
    },
};

const Round kOrdinaryRounds[] = {
    [](Contention &S) {
        KIRQL Old;
        NoteContention(S);
        KeAcquireSpinLock(&S.Lock, &Old);
        CriticalSection(S, DISPATCH_LEVEL);
        KeReleaseSpinLock(&S.Lock, Old);
    },
    [](Contention &S) {
        NoteContention(S);
        KIRQL Old = KeAcquireSpinLockRaiseToSynch(&S.Lock);
        CriticalSection(S, SYNCH_LEVEL);
        KeReleaseSpinLock(&S.Lock, Old);
    },
    [](Contention &S) {
        KIRQL Old = KeRaiseIrqlToDpcLevel();
        NoteContention(S);
        while (!KeTryToAcquireSpinLockAtDpcLevel(&S.Lock))
            KeYieldProcessor();
        CriticalSection(S, DISPATCH_LEVEL);
        KeReleaseSpinLockFromDpcLevel(&S.Lock);
        KeLowerIrql(Old);
    },
    [](Contention &S) {
        KIRQL Old = KeRaiseIrqlToDpcLevel();
        NoteContention(S);
        KeAcquireSpinLockAtDpcLevel(&S.Lock);
        CriticalSection(S, DISPATCH_LEVEL);
        KeReleaseSpinLockFromDpcLevel(&S.Lock);
        KeLowerIrql(Old);
    },
};

// The numbered lock the numbered rounds share.
constexpr KSPIN_LOCK_QUEUE_NUMBER kNumbered = LockQueuePfnLock;

// A numbered lock's word, named by this processor's entry (with the entry's state
// bits, which are clear when this processor neither holds nor waits for it).
PKSPIN_LOCK NumberedLockWord(KSPIN_LOCK_QUEUE_NUMBER Number)
{
    auto Named = reinterpret_cast<ULONG_PTR>(KeGetCurrentPrcb()->LockQueue[Number].Lock);
    return reinterpret_cast<PKSPIN_LOCK>(Named & ~static_cast<ULONG_PTR>(LOCK_QUEUE_WAIT | LOCK_QUEUE_OWNER));
}

void NoteNumberedContention(Contention &S)
{
    KIRQL Old = KeRaiseIrqlToDpcLevel(); // this processor's entry, read on this processor
    if (__atomic_load_n(NumberedLockWord(kNumbered), __ATOMIC_RELAXED))
        InterlockedIncrement(&S.Contended);
    KeLowerIrql(Old);
}

const Round kNumberedRounds[] = {
    [](Contention &S) {
        NoteNumberedContention(S);
        KIRQL Old = KeAcquireQueuedSpinLock(kNumbered);
        CriticalSection(S, DISPATCH_LEVEL);
        KeReleaseQueuedSpinLock(kNumbered, Old);
    },
    [](Contention &S) {
        NoteNumberedContention(S);
        KIRQL Old = KeAcquireQueuedSpinLockRaiseToSynch(kNumbered);
        CriticalSection(S, SYNCH_LEVEL);
        KeReleaseQueuedSpinLock(kNumbered, Old);
    },
    [](Contention &S) {
        NoteNumberedContention(S);
        KIRQL Old;
        while (!KeTryToAcquireQueuedSpinLock(kNumbered, &Old))
            KeYieldProcessor();
        CriticalSection(S, DISPATCH_LEVEL);
        KeReleaseQueuedSpinLock(kNumbered, Old);
    },
    [](Contention &S) {
        NoteNumberedContention(S);
        KIRQL Old;
        while (!KeTryToAcquireQueuedSpinLockRaiseToSynch(kNumbered, &Old))
            KeYieldProcessor();
        CriticalSection(S, SYNCH_LEVEL);
        KeReleaseQueuedSpinLock(kNumbered, Old);
    },
};

constexpr int kContendingThreads = 6, kRoundsPerThread = 600, kMaxRoundsPerThread = 200000;
constexpr ULONG64 kMeetWithin = 10ULL * 1000 * 1000 * 10; // 10 s of interrupt time

// Starts kContendingThreads threads, thread i taking the lock Rounds[i % N] way, all
// released at once; with more than one processor they go on until they have met at
// the lock (a loaded host may run realtime processors one at a time for a while), for
// at least kMaxRoundsPerThread rounds and kMeetWithin.
template <size_t N> void Contend(Contention &S, const Round (&Rounds)[N])
{
    KeInitializeSpinLock(&S.Lock);
    volatile LONG NextRound = 0;
    const bool CanMeet = KeNumberProcessors > 1;
    std::function<void()> Body = [&] {
        Round Take = Rounds[(InterlockedIncrement(&NextRound) - 1) % N];
        while (!__atomic_load_n(&S.Go, __ATOMIC_ACQUIRE))
            KeYieldProcessor();
        auto Met = [&] { return __atomic_load_n(&S.Contended, __ATOMIC_RELAXED) != 0; };
        ULONG64 GiveUp = KeQueryInterruptTime() + kMeetWithin;
        LONG Done = 0;
        auto TimeLeft = [&] { return Done < kMaxRoundsPerThread || KeQueryInterruptTime() < GiveUp; };
        while (Done < kRoundsPerThread || (CanMeet && !Met() && TimeLeft())) {
            Take(S);
            Done++;
        }
        InterlockedExchangeAdd(&S.Rounds, Done);
    };
    PETHREAD Threads[kContendingThreads];
    for (PETHREAD &Thread : Threads)
        Thread = StartKernelThread(&Body);
    __atomic_store_n(&S.Go, 1, __ATOMIC_RELEASE);
    for (PETHREAD Thread : Threads)
        JoinKernelThread(Thread);
}

void ExpectExclusion(const Contention &S, const MachineMode &Mode)
{
    EXPECT_GE(S.Rounds, kContendingThreads * kRoundsPerThread);
    EXPECT_EQ(S.Counter, S.Rounds) << "lost updates: exclusion broken";
    EXPECT_EQ(S.Overlaps, 0);
    EXPECT_EQ(S.WrongIrql, 0);
    EXPECT_EQ(S.Lock, 0u) << "the lock is free at the end";
    if (Mode.Processors > 1)
        EXPECT_GT(S.Contended, 0) << "threads on " << Mode.Processors << " processors never met at the lock";
}

TEST_P(SpinLockTest, QueuedVariantsExcludeEachOtherAcrossProcessors)
{
    Contention S;
    ASSERT_EQ(RunInKernel([&] { Contend(S, kQueuedRounds); }), STATUS_SUCCESS);
    ExpectExclusion(S, GetParam());
}

TEST_P(SpinLockTest, OrdinaryVariantsAndTryAcquireExcludeEachOtherAcrossProcessors)
{
    Contention S;
    ASSERT_EQ(RunInKernel([&] { Contend(S, kOrdinaryRounds); }), STATUS_SUCCESS);
    ExpectExclusion(S, GetParam());
}

TEST_P(SpinLockTest, NumberedQueuedLocksExcludeAcrossProcessors)
{
    Contention S;
    ASSERT_EQ(RunInKernel([&] { Contend(S, kNumberedRounds); }), STATUS_SUCCESS);
    ExpectExclusion(S, GetParam());
}

// A numbered lock is held through this processor's PRCB entry: the lock word names
// the entry, and the entry names the lock with the owner bit. The dispatcher lock is
// LockQueueDispatcherLock, as on NT. A try on a lock another entry holds fails and
// leaves IRQL as it was.
TEST_P(SpinLockTest, NumberedLocksAreHeldThroughThisProcessorsEntry)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  KIRQL Old = KeRaiseIrqlToDpcLevel();
                  PKSPIN_LOCK_QUEUE Entry = &KeGetCurrentPrcb()->LockQueue[kNumbered];
                  PKSPIN_LOCK Word = NumberedLockWord(kNumbered);
                  KeLowerIrql(Old);
                  auto Expect = [&](const std::string &Where, bool Held, KIRQL Irql) {
                      C.Expect(*Word == (Held ? reinterpret_cast<KSPIN_LOCK>(Entry) : 0), Where + ": lock word");
                      C.Expect(Entry->Lock == QueueLockWithState(Word, Held ? LOCK_QUEUE_OWNER : 0),
                               Where + ": entry's Lock");
                      C.Expect(Entry->Next == nullptr, Where + ": entry's Next");
                      C.Expect(KeGetCurrentIrql() == Irql, Where + ": IRQL");
                  };
                  Old = KeAcquireQueuedSpinLock(kNumbered);
                  Expect("KeAcquireQueuedSpinLock", true, DISPATCH_LEVEL);
                  KeReleaseQueuedSpinLock(kNumbered, Old);
                  Expect("KeReleaseQueuedSpinLock", false, PASSIVE_LEVEL);
                  Old = KeAcquireQueuedSpinLockRaiseToSynch(kNumbered);
                  Expect("...RaiseToSynch", true, SYNCH_LEVEL);
                  KeReleaseQueuedSpinLock(kNumbered, Old);
                  C.Expect(KeTryToAcquireQueuedSpinLock(kNumbered, &Old) == TRUE, "try on a free lock");
                  Expect("KeTryToAcquireQueuedSpinLock", true, DISPATCH_LEVEL);
                  KeReleaseQueuedSpinLock(kNumbered, Old);
                  C.Expect(KeTryToAcquireQueuedSpinLockRaiseToSynch(kNumbered, &Old), "try to synch on a free lock");
                  Expect("KeTryToAcquireQueuedSpinLockRaiseToSynch", true, SYNCH_LEVEL);
                  KeReleaseQueuedSpinLock(kNumbered, Old);
                  C.Expect(Old == PASSIVE_LEVEL, "the saved IRQL");

                  static KSPIN_LOCK_QUEUE OtherEntry;
                  *Word = reinterpret_cast<KSPIN_LOCK>(&OtherEntry); // held through another entry
                  C.Expect(KeTryToAcquireQueuedSpinLock(kNumbered, &Old) == FALSE, "try on a held lock");
                  C.Expect(*Word == reinterpret_cast<KSPIN_LOCK>(&OtherEntry), "a failed try leaves the word");
                  C.Expect(KeGetCurrentIrql() == PASSIVE_LEVEL, "a failed try lowers IRQL again");
                  *Word = 0;

                  KIRQL Synch = KiAcquireDispatcherLock();
                  PKSPIN_LOCK_QUEUE Dispatcher = &KeGetCurrentPrcb()->LockQueue[LockQueueDispatcherLock];
                  auto Named = reinterpret_cast<ULONG_PTR>(Dispatcher->Lock);
                  C.Expect((Named & LOCK_QUEUE_OWNER) != 0, "the dispatcher lock is held through its entry");
                  C.Expect(*reinterpret_cast<PKSPIN_LOCK>(Named & ~static_cast<ULONG_PTR>(LOCK_QUEUE_OWNER)) ==
                               reinterpret_cast<KSPIN_LOCK>(Dispatcher),
                           "the dispatcher lock's word names the entry");
                  KiReleaseDispatcherLock(Synch);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << ::testing::PrintToString(C.Failures);
}

// DPCs take the queued lock the threads use, with the ForDpc and AtDpcLevel calls,
// at DISPATCH_LEVEL and without changing it.
TEST_P(SpinLockTest, DpcsAndThreadsShareAQueuedLock)
{
    struct DpcShare {
        Contention *S;
        LONG Runs = 0; // changed under the lock
        volatile LONG WrongIrql = 0;
    };
    Contention S;
    DpcShare Share{&S};
    volatile LONG Inserted = 0;
    LONG StillQueued = 0;
    constexpr int kThreads = 4, kRounds = 300;
    ASSERT_EQ(RunInKernel([&] {
                  KeInitializeSpinLock(&S.Lock);
                  auto DpcRoutine = [](PKDPC, PVOID Context, PVOID UseForDpc, PVOID) {
                      auto *D = static_cast<DpcShare *>(Context);
                      KLOCK_QUEUE_HANDLE Handle;
                      if (UseForDpc) {
                          KeAcquireInStackQueuedSpinLockForDpc(&D->S->Lock, &Handle);
                          if (Handle.OldIrql != DISPATCH_LEVEL)
                              InterlockedIncrement(&D->WrongIrql);
                      } else {
                          KeAcquireInStackQueuedSpinLockAtDpcLevel(&D->S->Lock, &Handle);
                      }
                      CriticalSection(*D->S, DISPATCH_LEVEL);
                      D->Runs++; // under the lock
                      if (UseForDpc)
                          KeReleaseInStackQueuedSpinLockForDpc(&Handle);
                      else
                          KeReleaseInStackQueuedSpinLockFromDpcLevel(&Handle);
                      if (KeGetCurrentIrql() != DISPATCH_LEVEL)
                          InterlockedIncrement(&D->WrongIrql);
                  };
                  KDPC Dpcs[kThreads];
                  for (KDPC &Dpc : Dpcs)
                      KeInitializeDpc(&Dpc, DpcRoutine, &Share);
                  volatile LONG Next = 0;
                  std::function<void()> Body = [&] {
                      LONG Index = InterlockedIncrement(&Next) - 1;
                      for (int i = 0; i < kRounds; i++) {
                          kQueuedRounds[0](S);
                          if (i % 3 == 0 &&
                              KeInsertQueueDpc(&Dpcs[Index], reinterpret_cast<PVOID>(static_cast<ULONG_PTR>(i % 2)), nullptr))
                              InterlockedIncrement(&Inserted);
                      }
                  };
                  PETHREAD Threads[kThreads];
                  for (PETHREAD &Thread : Threads)
                      Thread = StartKernelThread(&Body);
                  for (PETHREAD Thread : Threads)
                      JoinKernelThread(Thread);
                  for (KDPC &Dpc : Dpcs)
                      StillQueued += KeRemoveQueueDpc(&Dpc);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(StillQueued, 0) << "a DPC queued at PASSIVE_LEVEL runs before KeInsertQueueDpc returns";
    EXPECT_EQ(Share.Runs, Inserted);
    EXPECT_GT(Share.Runs, 0);
    EXPECT_EQ(S.Counter, kThreads * kRounds + Share.Runs) << "lost updates: exclusion broken";
    EXPECT_EQ(S.Overlaps, 0);
    EXPECT_EQ(S.WrongIrql, 0);
    EXPECT_EQ(Share.WrongIrql, 0);
}

NTOS_INSTANTIATE_ALL_MODES(SpinLockTest);

// ---- FIFO hand-off ----

class QueuedSpinLockFifoTest : public KernelTest {};

// The holder lets waiters join one at a time, each once the previous one is the
// queue's tail, checks the MCS queue it sees, then releases: the lock must pass
// down the queue in arrival order, each waiter woken by a hand-off. Each waiter
// spins at DISPATCH_LEVEL on a processor of its own, so Processors - 1 waiters.
TEST_P(QueuedSpinLockFifoTest, WaitersAreServedInArrivalOrder)
{
    const int Waiters = static_cast<int>(GetParam().Processors) - 1;
    std::vector<int> Order;
    Order.reserve(MAXIMUM_PROCESSORS);
    KernelChecks C;
    LONG HandedOff = 0; // changed under the lock
    KSPIN_LOCK Final = 1;
    ASSERT_EQ(RunInKernel([&] {
                  KSPIN_LOCK Lock;
                  KeInitializeSpinLock(&Lock);
                  volatile LONG Ready = 0;
                  volatile LONG Go[MAXIMUM_PROCESSORS] = {};
                  PKLOCK_QUEUE_HANDLE Slot[MAXIMUM_PROCESSORS] = {};
                  std::function<void()> Body = [&] {
                      KIRQL Old = KeRaiseIrqlToDpcLevel(); // holds this processor from here on
                      LONG Index = InterlockedIncrement(&Ready) - 1;
                      while (!__atomic_load_n(&Go[Index], __ATOMIC_ACQUIRE))
                          KeYieldProcessor();
                      KLOCK_QUEUE_HANDLE Handle;
                      __atomic_store_n(&Slot[Index], &Handle, __ATOMIC_RELEASE);
                      KeAcquireInStackQueuedSpinLockAtDpcLevel(&Lock, &Handle);
                      Order.push_back(Index);
                      if (Handle.LockQueue.Lock == QueueLockWithState(&Lock, LOCK_QUEUE_OWNER))
                          HandedOff++;
                      KeReleaseInStackQueuedSpinLockFromDpcLevel(&Handle);
                      KeLowerIrql(Old);
                  };
                  std::vector<PETHREAD> Threads;
                  for (int i = 0; i < Waiters; i++)
                      Threads.push_back(StartKernelThread(&Body));
                  // A waiter queued behind another is taken by an idle processor. (No
                  // timed sleep here: its DPC may be due on a processor a waiter holds.)
                  while (__atomic_load_n(&Ready, __ATOMIC_ACQUIRE) < Waiters)
                      KeYieldProcessor();

                  KLOCK_QUEUE_HANDLE Mine;
                  KeAcquireInStackQueuedSpinLock(&Lock, &Mine);
                  for (int i = 0; i < Waiters; i++) {
                      __atomic_store_n(&Go[i], 1, __ATOMIC_RELEASE);
                      while (__atomic_load_n(&Slot[i], __ATOMIC_ACQUIRE) == nullptr ||
                             __atomic_load_n(&Lock, __ATOMIC_ACQUIRE) != reinterpret_cast<KSPIN_LOCK>(Slot[i]))
                          KeYieldProcessor();
                  }
                  // The queue, head to tail: each entry linked to the next, each waiter waiting.
                  PKSPIN_LOCK_QUEUE Entry = &Mine.LockQueue;
                  for (int i = 0; i < Waiters; i++) {
                      PKSPIN_LOCK_QUEUE Expected = &Slot[i]->LockQueue;
                      while (__atomic_load_n(&Entry->Next, __ATOMIC_ACQUIRE) == nullptr)
                          KeYieldProcessor();
                      C.Expect(Entry->Next == Expected, "entry " + std::to_string(i) + " links to the next arrival");
                      C.Expect(__atomic_load_n(&Expected->Lock, __ATOMIC_ACQUIRE) ==
                                   QueueLockWithState(&Lock, LOCK_QUEUE_WAIT),
                               "waiter " + std::to_string(i) + " is marked waiting");
                      Entry = Expected;
                  }
                  C.Expect(Mine.LockQueue.Lock == QueueLockWithState(&Lock, LOCK_QUEUE_OWNER), "holder owns");
                  KeReleaseInStackQueuedSpinLock(&Mine);
                  C.Expect(Mine.LockQueue.Next == nullptr && Mine.LockQueue.Lock == &Lock,
                           "the holder's handle is clear after hand-off");
                  for (PETHREAD Thread : Threads)
                      JoinKernelThread(Thread);
                  Final = Lock;
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
    EXPECT_EQ(C.Count, 2 * Waiters + 2);
    std::vector<int> Arrival;
    for (int i = 0; i < Waiters; i++)
        Arrival.push_back(i);
    EXPECT_EQ(Order, Arrival);
    EXPECT_EQ(HandedOff, Waiters);
    EXPECT_EQ(Final, 0u);
}

std::vector<MachineMode> FifoModes()
{
    std::vector<MachineMode> Modes;
    for (uint64_t Seed = 1; Seed <= 12; Seed++)
        Modes.push_back({true, static_cast<ULONG>(3 + Seed % 6), Seed});
    return Modes;
}

INSTANTIATE_TEST_SUITE_P(Deterministic, QueuedSpinLockFifoTest, ::testing::ValuesIn(FifoModes()), ParamName);

// ---- Bugchecks ----

class SpinLockDeathTest : public KernelDeathTest {};

constexpr const char *kAlreadyOwned = "STOP: 0x0000000F .*\n\\*\\*\\* SPIN_LOCK_ALREADY_OWNED";
constexpr const char *kNotOwned = "STOP: 0x00000010 .*\n\\*\\*\\* SPIN_LOCK_NOT_OWNED";
constexpr const char *kNotGreaterOrEqual = "STOP: 0x00000009 .*\n\\*\\*\\* IRQL_NOT_GREATER_OR_EQUAL";
constexpr const char *kNotLessOrEqual = "STOP: 0x0000000A .*\n\\*\\*\\* IRQL_NOT_LESS_OR_EQUAL";

TEST_F(SpinLockDeathTest, ReleasingAHandleThatNeverAcquiredIsNotOwned)
{
    EXPECT_DEATH(BootAndRun([] {
                     KLOCK_QUEUE_HANDLE Handle;
                     std::memset(&Handle, 0x55, sizeof(Handle));
                     KeReleaseInStackQueuedSpinLock(&Handle);
                 }),
                 kNotOwned);
}

TEST_F(SpinLockDeathTest, ReleasingAQueuedLockTwiceIsNotOwned)
{
    EXPECT_DEATH(BootAndRun([] {
                     KSPIN_LOCK Lock;
                     KLOCK_QUEUE_HANDLE Handle;
                     KeInitializeSpinLock(&Lock);
                     KeAcquireInStackQueuedSpinLock(&Lock, &Handle);
                     KeReleaseInStackQueuedSpinLock(&Handle);
                     KeRaiseIrqlToDpcLevel();
                     KeReleaseInStackQueuedSpinLockFromDpcLevel(&Handle);
                 }),
                 kNotOwned);
}

TEST_F(SpinLockDeathTest, RecursiveQueuedAcquireIsAlreadyOwned)
{
    EXPECT_DEATH(BootAndRun([] {
                     KSPIN_LOCK Lock;
                     KLOCK_QUEUE_HANDLE First, Second;
                     KeInitializeSpinLock(&Lock);
                     KeAcquireInStackQueuedSpinLock(&Lock, &First);
                     KeAcquireInStackQueuedSpinLockAtDpcLevel(&Lock, &Second);
                 }),
                 kAlreadyOwned);
}

TEST_F(SpinLockDeathTest, QueuedAcquireOfAnOrdinarilyHeldLockIsAlreadyOwned)
{
    EXPECT_DEATH(BootAndRun([] {
                     KSPIN_LOCK Lock;
                     KIRQL Old;
                     KLOCK_QUEUE_HANDLE Handle;
                     KeInitializeSpinLock(&Lock);
                     KeAcquireSpinLock(&Lock, &Old);
                     KeAcquireInStackQueuedSpinLockAtDpcLevel(&Lock, &Handle);
                 }),
                 kAlreadyOwned);
}

TEST_F(SpinLockDeathTest, OrdinaryAcquireOfALockHeldQueuedIsAlreadyOwned)
{
    EXPECT_DEATH(BootAndRun([] {
                     KSPIN_LOCK Lock;
                     KLOCK_QUEUE_HANDLE Handle;
                     KeInitializeSpinLock(&Lock);
                     KeAcquireInStackQueuedSpinLock(&Lock, &Handle);
                     KeAcquireSpinLockAtDpcLevel(&Lock);
                 }),
                 kAlreadyOwned);
}

TEST_F(SpinLockDeathTest, TryToAcquireALockAlreadyHeldIsAlreadyOwned)
{
    EXPECT_DEATH(BootAndRun([] {
                     KSPIN_LOCK Lock;
                     KeInitializeSpinLock(&Lock);
                     KeRaiseIrqlToDpcLevel();
                     KeTryToAcquireSpinLockAtDpcLevel(&Lock);
                     KeTryToAcquireSpinLockAtDpcLevel(&Lock);
                 }),
                 kAlreadyOwned);
}

TEST_F(SpinLockDeathTest, RecursiveNumberedAcquireIsAlreadyOwned)
{
    EXPECT_DEATH(BootAndRun([] {
                     KeAcquireQueuedSpinLock(LockQueuePfnLock);
                     KeAcquireQueuedSpinLock(LockQueuePfnLock);
                 }),
                 kAlreadyOwned);
}

TEST_F(SpinLockDeathTest, NumberedTryOnALockOneHoldsIsAlreadyOwned)
{
    EXPECT_DEATH(BootAndRun([] {
                     KIRQL Old;
                     KeAcquireQueuedSpinLock(LockQueueIoCancelLock);
                     KeTryToAcquireQueuedSpinLock(LockQueueIoCancelLock, &Old);
                 }),
                 kAlreadyOwned);
}

TEST_F(SpinLockDeathTest, ReleasingANumberedLockNotHeldIsNotOwned)
{
    EXPECT_DEATH(BootAndRun([] {
                     KeRaiseIrqlToDpcLevel();
                     KeReleaseQueuedSpinLock(LockQueuePfnLock, PASSIVE_LEVEL);
                 }),
                 kNotOwned);
}

TEST_F(SpinLockDeathTest, ANumberOutOfRangeFailsTheAssertion)
{
    EXPECT_DEATH(BootAndRun([] { KeAcquireQueuedSpinLock(LockQueueMaximumLock); }),
                 "STOP: 0x0000001E \\(0xFFFFFFFF80000003");
}

TEST_F(SpinLockDeathTest, QueuedAcquireAtDpcLevelBelowDispatchIsIrqlNotGreaterOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     KSPIN_LOCK Lock;
                     KLOCK_QUEUE_HANDLE Handle;
                     KeInitializeSpinLock(&Lock);
                     KeAcquireInStackQueuedSpinLockAtDpcLevel(&Lock, &Handle);
                 }),
                 kNotGreaterOrEqual);
}

TEST_F(SpinLockDeathTest, QueuedReleaseFromDpcLevelBelowDispatchIsIrqlNotGreaterOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     KSPIN_LOCK Lock;
                     KLOCK_QUEUE_HANDLE Handle;
                     KeInitializeSpinLock(&Lock);
                     KeAcquireInStackQueuedSpinLock(&Lock, &Handle);
                     KeLowerIrql(APC_LEVEL);
                     KeReleaseInStackQueuedSpinLockFromDpcLevel(&Handle);
                 }),
                 kNotGreaterOrEqual);
}

TEST_F(SpinLockDeathTest, QueuedAcquireAboveDispatchIsIrqlNotGreaterOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     KSPIN_LOCK Lock;
                     KLOCK_QUEUE_HANDLE Handle;
                     KeInitializeSpinLock(&Lock);
                     KeRaiseIrqlToSynchLevel();
                     KeAcquireInStackQueuedSpinLock(&Lock, &Handle);
                 }),
                 kNotGreaterOrEqual);
}

TEST_F(SpinLockDeathTest, QueuedAcquireRaiseToSynchAboveSynchIsIrqlNotGreaterOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     KSPIN_LOCK Lock;
                     KLOCK_QUEUE_HANDLE Handle;
                     KeInitializeSpinLock(&Lock);
                     KfRaiseIrql(HIGH_LEVEL);
                     KeAcquireInStackQueuedSpinLockRaiseToSynch(&Lock, &Handle);
                 }),
                 kNotGreaterOrEqual);
}

TEST_F(SpinLockDeathTest, QueuedReleaseBelowTheSavedIrqlIsIrqlNotLessOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     KSPIN_LOCK Lock;
                     KLOCK_QUEUE_HANDLE Handle;
                     KeInitializeSpinLock(&Lock);
                     KeAcquireInStackQueuedSpinLockRaiseToSynch(&Lock, &Handle);
                     Handle.OldIrql = HIGH_LEVEL;
                     KeReleaseInStackQueuedSpinLock(&Handle);
                 }),
                 kNotLessOrEqual);
}

TEST_F(SpinLockDeathTest, TryToAcquireBelowDispatchIsIrqlNotGreaterOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     KSPIN_LOCK Lock;
                     KeInitializeSpinLock(&Lock);
                     KeTryToAcquireSpinLockAtDpcLevel(&Lock);
                 }),
                 kNotGreaterOrEqual);
}

TEST_F(SpinLockDeathTest, RaiseToSynchAcquireAboveSynchIsIrqlNotGreaterOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     KSPIN_LOCK Lock;
                     KeInitializeSpinLock(&Lock);
                     KfRaiseIrql(HIGH_LEVEL);
                     KeAcquireSpinLockRaiseToSynch(&Lock);
                 }),
                 kNotGreaterOrEqual);
}

} // namespace
