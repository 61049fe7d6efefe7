// Fast mutexes in every machine mode, after ReactOS's kmtest ExFastMutex (checked
// build behaviour): Count, Owner, Contention and OldIrql after each call variant at
// PASSIVE_LEVEL and APC_LEVEL, the IRQL each leaves, try-acquire failing while owned
// (also by another thread), Count going negative per blocked waiter, hand-off in
// arrival order, the critical-region shortcuts, mutual exclusion under contention.
// Death tests for each check.
#include <cstring>
#include <vector>

#include "ntos_test.h"
#include "ex.h"

using namespace ntos_test;

namespace {

constexpr const char *kAssertStop = "STOP: 0x0000001E \\(0xFFFFFFFF80000003";

LONG ReadCount(PFAST_MUTEX Mutex) { return __atomic_load_n(&Mutex->Count, __ATOMIC_ACQUIRE); }
PKTHREAD ReadOwner(PFAST_MUTEX Mutex) { return __atomic_load_n(&Mutex->Owner, __ATOMIC_ACQUIRE); }

class FastMutexTest : public KernelTest {};

void CheckCallVariants(KernelChecks &Checks, PFAST_MUTEX Mutex, KIRQL Irql)
{
    PKTHREAD Thread = KeGetCurrentThread();
    std::string Where = " at IRQL " + std::to_string(Irql);
    auto Check = [&](const char *Step, LONG Count, PKTHREAD Owner, ULONG OldIrql, KIRQL NowIrql) {
        std::string What = std::string(Step) + Where;
        Checks.Expect(Mutex->Count == Count, What + ": Count " + std::to_string(Mutex->Count));
        Checks.Expect(Mutex->Owner == Owner, What + ": Owner");
        Checks.Expect(Mutex->Contention == 0, What + ": Contention");
        Checks.Expect(Mutex->OldIrql == OldIrql, What + ": OldIrql " + std::to_string(Mutex->OldIrql));
        Checks.Expect(!KeAreApcsDisabled(), What + ": KeAreApcsDisabled");
        Checks.Expect(KeGetCurrentIrql() == NowIrql, What + ": IRQL " + std::to_string(KeGetCurrentIrql()));
    };
    ExAcquireFastMutex(Mutex);
    Check("ExAcquireFastMutex", 0, Thread, Irql, APC_LEVEL);
    Checks.Expect(!ExTryToAcquireFastMutex(Mutex), "try-acquire of an owned mutex" + Where);
    Check("failed ExTryToAcquireFastMutex", 0, Thread, Irql, APC_LEVEL);
    ExReleaseFastMutex(Mutex);
    Check("ExReleaseFastMutex", 1, nullptr, Irql, Irql);
    Checks.Expect(ExTryToAcquireFastMutex(Mutex), "try-acquire of a free mutex" + Where);
    Check("ExTryToAcquireFastMutex", 0, Thread, Irql, APC_LEVEL);
    ExReleaseFastMutex(Mutex);
    Check("ExReleaseFastMutex after try", 1, nullptr, Irql, Irql);
    ExEnterCriticalRegionAndAcquireFastMutexUnsafe(Mutex);
    Checks.Expect(KeAreApcsDisabled() && Mutex->Owner == Thread && Mutex->Count == 0, "shortcut acquire" + Where);
    ExReleaseFastMutexUnsafeAndLeaveCriticalRegion(Mutex);
    Check("shortcut release", 1, nullptr, Irql, Irql);
    if (Irql != APC_LEVEL)
        return;
    ExAcquireFastMutexUnsafe(Mutex);
    Check("ExAcquireFastMutexUnsafe", 0, Thread, Irql, Irql);
    ExReleaseFastMutexUnsafe(Mutex);
    Check("ExReleaseFastMutexUnsafe", 1, nullptr, Irql, Irql);
    Mutex->OldIrql = 0x55555555;
    ExAcquireFastMutexUnsafe(Mutex);
    Check("unsafe acquire leaves OldIrql", 0, Thread, 0x55555555, Irql);
    Mutex->OldIrql = PASSIVE_LEVEL;
    ExReleaseFastMutex(Mutex);
    Check("ExReleaseFastMutex of an unsafe acquire", 1, nullptr, PASSIVE_LEVEL, PASSIVE_LEVEL);
    KIRQL Ignored;
    KeRaiseIrql(Irql, &Ignored);
    Mutex->OldIrql = Irql;
}

TEST_P(FastMutexTest, FieldsAfterEachCallVariantAtEachAllowedIrql)
{
    KernelChecks Checks;
    ULONG OldIrqlAfterInit = 0;
    ASSERT_EQ(RunInKernel([&] {
                  FAST_MUTEX Mutex;
                  memset(&Mutex, 0x55, sizeof(Mutex));
                  ExInitializeFastMutex(&Mutex);
                  OldIrqlAfterInit = Mutex.OldIrql;
                  CheckCallVariants(Checks, &Mutex, PASSIVE_LEVEL);
                  KIRQL OldIrql;
                  KeRaiseIrql(APC_LEVEL, &OldIrql);
                  CheckCallVariants(Checks, &Mutex, APC_LEVEL);
                  KeLowerIrql(OldIrql);
                  KeEnterCriticalRegion();
                  ExAcquireFastMutexUnsafe(&Mutex);
                  Checks.Expect(Mutex.Count == 0 && Mutex.Owner == KeGetCurrentThread() &&
                                    KeGetCurrentIrql() == PASSIVE_LEVEL,
                                "unsafe acquire in a critical region at PASSIVE_LEVEL");
                  ExReleaseFastMutexUnsafe(&Mutex);
                  KeLeaveCriticalRegion();
                  Checks.Expect(Mutex.Count == 1 && !Mutex.Owner, "unsafe release in a critical region");
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(OldIrqlAfterInit, 0x55555555u) << "ExInitializeFastMutex leaves OldIrql alone";
    EXPECT_GT(Checks.Count, 60);
    EXPECT_TRUE(Checks.Failures.empty()) << Checks.Report();
}

// A kmtest-style thread: at Irql, takes the mutex (or tries), says so, waits to be
// let go, releases it.
struct MutexThread {
    PFAST_MUTEX Mutex;
    KIRQL Irql;
    BOOLEAN Unsafe, Try, TryResult;
    KEVENT In, Out;
    std::function<void()> Body;
    PETHREAD Thread;

    void Start(PFAST_MUTEX Target, KIRQL AtIrql, BOOLEAN UseUnsafe, BOOLEAN UseTry)
    {
        Mutex = Target;
        Irql = AtIrql;
        Unsafe = UseUnsafe;
        Try = UseTry;
        KeInitializeEvent(&In, NotificationEvent, FALSE);
        KeInitializeEvent(&Out, NotificationEvent, FALSE);
        Body = [this] {
            KIRQL OldIrql;
            KeRaiseIrql(Irql, &OldIrql);
            BOOLEAN Owned = TRUE;
            if (Try)
                Owned = TryResult = ExTryToAcquireFastMutex(Mutex);
            else if (Unsafe)
                ExAcquireFastMutexUnsafe(Mutex);
            else
                ExAcquireFastMutex(Mutex);
            KeSetEvent(&Out, 0, FALSE);
            KeWaitForSingleObject(&In, Executive, KernelMode, FALSE, nullptr);
            if (Owned && Unsafe)
                ExReleaseFastMutexUnsafe(Mutex);
            else if (Owned)
                ExReleaseFastMutex(Mutex);
            KeLowerIrql(OldIrql);
        };
        Thread = StartKernelThread(&Body);
    }
    void WaitAcquired() { KeWaitForSingleObject(&Out, Executive, KernelMode, FALSE, nullptr); }
    void Finish()
    {
        KeSetEvent(&In, 0, FALSE);
        JoinKernelThread(Thread);
    }
};

TEST_P(FastMutexTest, CountGoesNegativePerBlockedWaiter)
{
    KernelChecks Checks;
    ASSERT_EQ(RunInKernel([&] {
                  FAST_MUTEX Mutex;
                  ExInitializeFastMutex(&Mutex);
                  MutexThread First{}, Try{}, Second{}, Unsafe{};
                  auto Expect = [&](const char *Step, LONG Count, PETHREAD Owner, ULONG Contention) {
                      Checks.Expect(ReadCount(&Mutex) == Count,
                                    std::string(Step) + ": Count " + std::to_string(ReadCount(&Mutex)));
                      Checks.Expect(ReadOwner(&Mutex) == (Owner ? &Owner->Tcb : nullptr), std::string(Step) + ": Owner");
                      Checks.Expect(__atomic_load_n(&Mutex.Contention, __ATOMIC_ACQUIRE) == Contention,
                                    std::string(Step) + ": Contention");
                  };
                  First.Start(&Mutex, PASSIVE_LEVEL, FALSE, FALSE);
                  First.WaitAcquired();
                  Expect("first owner", 0, First.Thread, 0);
                  Try.Start(&Mutex, PASSIVE_LEVEL, FALSE, TRUE);
                  Try.WaitAcquired();
                  Checks.Expect(!Try.TryResult, "try-acquire by another thread while owned");
                  Try.Finish();
                  Expect("after failed try", 0, First.Thread, 0);
                  Second.Start(&Mutex, APC_LEVEL, FALSE, FALSE);
                  SpinUntilWaiting(&Second.Thread->Tcb, WrMutex);
                  Expect("one waiter", -1, First.Thread, 1);
                  First.Finish();
                  Second.WaitAcquired();
                  Expect("handed to the waiter", 0, Second.Thread, 1);
                  Unsafe.Start(&Mutex, APC_LEVEL, TRUE, FALSE);
                  SpinUntilWaiting(&Unsafe.Thread->Tcb, WrMutex);
                  Expect("one waiter again", -1, Second.Thread, 2);
                  First.Start(&Mutex, PASSIVE_LEVEL, FALSE, FALSE);
                  SpinUntilWaiting(&First.Thread->Tcb, WrMutex);
                  Expect("two waiters", -2, Second.Thread, 3);
                  CheckInvariants();
                  Second.Finish();
                  Unsafe.WaitAcquired();
                  Expect("first waiter owns", -1, Unsafe.Thread, 3);
                  Unsafe.Finish();
                  First.WaitAcquired();
                  Expect("last waiter owns", 0, First.Thread, 3);
                  First.Finish();
                  Expect("free", 1, nullptr, 3);
              }),
              STATUS_SUCCESS);
    EXPECT_GT(Checks.Count, 20);
    EXPECT_TRUE(Checks.Failures.empty()) << Checks.Report();
}

TEST_P(FastMutexTest, MutualExclusionUnderContentionAcrossAllForms)
{
    constexpr int Threads = 4, Rounds = 300;
    volatile LONG Counter = 0;
    LONG Overlaps = 0, WrongIrql = 0, FinalCount = 0;
    ASSERT_EQ(RunInKernel([&] {
                  FAST_MUTEX Mutex;
                  ExInitializeFastMutex(&Mutex);
                  volatile LONG Inside = 0;
                  std::function<void()> Bodies[Threads];
                  PETHREAD Started[Threads];
                  for (int t = 0; t < Threads; t++) {
                      Bodies[t] = [&, t] {
                          for (int i = 0; i < Rounds; i++) {
                              int Form = (t + i) % 3;
                              if (Form == 0)
                                  ExAcquireFastMutex(&Mutex);
                              else if (Form == 1)
                                  ExEnterCriticalRegionAndAcquireFastMutexUnsafe(&Mutex);
                              else
                                  while (!ExTryToAcquireFastMutex(&Mutex))
                                      YieldExecution();
                              if (KeGetCurrentIrql() != (Form == 1 ? PASSIVE_LEVEL : APC_LEVEL))
                                  InterlockedIncrement(&WrongIrql);
                              if (InterlockedIncrement(&Inside) != 1)
                                  InterlockedIncrement(&Overlaps);
                              LONG Value = Counter;
                              if (Form == 1)
                                  YieldExecution();
                              Counter = Value + 1;
                              InterlockedDecrement(&Inside);
                              if (Form == 1)
                                  ExReleaseFastMutexUnsafeAndLeaveCriticalRegion(&Mutex);
                              else
                                  ExReleaseFastMutex(&Mutex);
                              InterruptPoint();
                          }
                      };
                      Started[t] = StartKernelThread(&Bodies[t]);
                      ASSERT_NE(Started[t], nullptr);
                  }
                  CheckInvariants();
                  for (auto *Thread : Started)
                      JoinKernelThread(Thread);
                  FinalCount = ReadCount(&Mutex);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Overlaps, 0);
    EXPECT_EQ(WrongIrql, 0);
    EXPECT_EQ(Counter, Threads * Rounds);
    EXPECT_EQ(FinalCount, 1);
}

NTOS_INSTANTIATE_ALL_MODES(FastMutexTest);

class FastMutexDeathTest : public KernelDeathTest {};

TEST_F(FastMutexDeathTest, AcquireAtDispatchLevelIsIrqlNotLessOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     static FAST_MUTEX Mutex;
                     ExInitializeFastMutex(&Mutex);
                     KIRQL OldIrql;
                     KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                     ExAcquireFastMutex(&Mutex);
                 }),
                 "STOP: 0x0000000A.*\n.*IRQL_NOT_LESS_OR_EQUAL");
}

TEST_F(FastMutexDeathTest, ReleaseAtPassiveLevelIsIrqlNotGreaterOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     static FAST_MUTEX Mutex;
                     ExInitializeFastMutex(&Mutex);
                     ExAcquireFastMutex(&Mutex);
                     KeLowerIrql(PASSIVE_LEVEL);
                     ExReleaseFastMutex(&Mutex);
                 }),
                 "STOP: 0x00000009.*\n.*IRQL_NOT_GREATER_OR_EQUAL");
}

TEST_F(FastMutexDeathTest, RecursiveAcquireAsserts)
{
    EXPECT_DEATH(BootAndRun([] {
                     static FAST_MUTEX Mutex;
                     ExInitializeFastMutex(&Mutex);
                     ExAcquireFastMutex(&Mutex);
                     ExAcquireFastMutex(&Mutex);
                 }),
                 kAssertStop);
}

TEST_F(FastMutexDeathTest, ReleaseByANonOwnerAsserts)
{
    EXPECT_DEATH(BootAndRun([] {
                     static FAST_MUTEX Mutex;
                     ExInitializeFastMutex(&Mutex);
                     KIRQL OldIrql;
                     KeRaiseIrql(APC_LEVEL, &OldIrql);
                     ExReleaseFastMutex(&Mutex);
                 }),
                 kAssertStop);
}

TEST_F(FastMutexDeathTest, UnsafeAcquireAtPassiveOutsideARegionAsserts)
{
    EXPECT_DEATH(BootAndRun([] {
                     static FAST_MUTEX Mutex;
                     ExInitializeFastMutex(&Mutex);
                     ExAcquireFastMutexUnsafe(&Mutex);
                 }),
                 kAssertStop);
}

TEST_F(FastMutexDeathTest, UnsafeAcquireAtDispatchLevelIsIrqlNotLessOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     static FAST_MUTEX Mutex;
                     ExInitializeFastMutex(&Mutex);
                     KIRQL OldIrql;
                     KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                     ExAcquireFastMutexUnsafe(&Mutex);
                 }),
                 "STOP: 0x0000000A.*\n.*IRQL_NOT_LESS_OR_EQUAL");
}

} // namespace
