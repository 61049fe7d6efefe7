// Gates and guarded mutexes in every machine mode. Gates: a signal with no waiter is
// kept (once), waiters are woken one per signal in arrival order, a kernel APC breaks
// into a gate wait which then goes on. Guarded mutexes, after ReactOS's kmtest
// KeGuardedMutex (checked-build behaviour): Count, Owner, Contention and the recorded
// region depth after each call variant at PASSIVE_LEVEL and APC_LEVEL, inside and
// outside critical and guarded regions; try-acquire failing while another thread
// owns it; the waiter count in Count while threads block; waiters taking it in
// arrival order; mutual exclusion under contention. Death tests for each check.
#include <cstring>
#include <vector>

#include "ntos_test.h"

using namespace ntos_test;

namespace {

constexpr const char *kAssertStop = "STOP: 0x0000001E \\(0xFFFFFFFF80000003";

LONG ReadCount(PKGUARDED_MUTEX Mutex) { return __atomic_load_n(&Mutex->Count, __ATOMIC_ACQUIRE); }
PKTHREAD ReadOwner(PKGUARDED_MUTEX Mutex) { return __atomic_load_n(&Mutex->Owner, __ATOMIC_ACQUIRE); }
ULONG ReadContention(PKGUARDED_MUTEX Mutex) { return __atomic_load_n(&Mutex->Contention, __ATOMIC_ACQUIRE); }

class GateTest : public KernelTest {};

TEST_P(GateTest, SignalWithoutWaitersIsKeptOnceAndConsumedByTheNextWait)
{
    LONG States[4] = {-1, -1, -1, -1};
    ASSERT_EQ(RunInKernel([&] {
                  KGATE Gate;
                  KeInitializeGate(&Gate);
                  States[0] = Gate.Header.SignalState;
                  KeSignalGateBoostPriority(&Gate);
                  States[1] = Gate.Header.SignalState;
                  KeSignalGateBoostPriority(&Gate);
                  States[2] = Gate.Header.SignalState;
                  KeWaitForGate(&Gate, WrGuardedMutex, KernelMode);
                  States[3] = Gate.Header.SignalState;
                  EXPECT_TRUE(IsListEmpty(&Gate.Header.WaitListHead));
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(States[0], 0);
    EXPECT_EQ(States[1], 1);
    EXPECT_EQ(States[2], 1) << "a gate is not a semaphore";
    EXPECT_EQ(States[3], 0);
}

TEST_P(GateTest, EachSignalWakesOneWaiterInArrivalOrder)
{
    constexpr int Waiters = 3;
    std::vector<int> Order;
    LONG WokenAfterFirst = -1;
    ASSERT_EQ(RunInKernel([&] {
                  KGATE Gate;
                  KeInitializeGate(&Gate);
                  volatile LONG Woken = 0;
                  KSPIN_LOCK Lock;
                  KeInitializeSpinLock(&Lock);
                  std::function<void()> Bodies[Waiters];
                  PETHREAD Threads[Waiters];
                  for (int i = 0; i < Waiters; i++) {
                      Bodies[i] = [&, i] {
                          KeWaitForGate(&Gate, WrGuardedMutex, KernelMode);
                          KIRQL OldIrql = KeAcquireSpinLockRaiseToDpc(&Lock);
                          Order.push_back(i);
                          KeReleaseSpinLock(&Lock, OldIrql);
                          InterlockedIncrement(&Woken);
                      };
                      Threads[i] = StartKernelThread(&Bodies[i]);
                      ASSERT_NE(Threads[i], nullptr);
                      SpinUntilWaiting(&Threads[i]->Tcb, WrGuardedMutex);
                  }
                  KeSignalGateBoostPriority(&Gate);
                  SpinUntil([&] { return ReadShared(Woken) == 1; });
                  for (int i = 0; i < 10; i++)
                      YieldExecution();
                  WokenAfterFirst = ReadShared(Woken);
                  EXPECT_EQ(KiGetThreadState(&Threads[1]->Tcb), Waiting);
                  EXPECT_EQ(KiGetThreadState(&Threads[2]->Tcb), Waiting);
                  CheckInvariants();
                  KeSignalGateBoostPriority(&Gate);
                  SpinUntil([&] { return ReadShared(Woken) == 2; });
                  KeSignalGateBoostPriority(&Gate);
                  for (auto *Thread : Threads)
                      JoinKernelThread(Thread);
                  EXPECT_EQ(Gate.Header.SignalState, 0);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(WokenAfterFirst, 1);
    EXPECT_EQ(Order, (std::vector<int>{0, 1, 2}));
}

struct GateApc {
    KAPC Apc;
    volatile LONG Ran;
    KIRQL Irql;
};

VOID NTAPI GateApcKernelRoutine(PKAPC Apc, PKNORMAL_ROUTINE *, PVOID *, PVOID *, PVOID *)
{
    auto *Logged = CONTAINING_RECORD(Apc, GateApc, Apc);
    Logged->Irql = KeGetCurrentIrql();
    InterlockedIncrement(&Logged->Ran);
}

TEST_P(GateTest, KernelApcBreaksIntoTheWaitWhichThenGoesOn)
{
    GateApc Apc{};
    volatile LONG Returned = 0;
    LONG ReturnedBeforeSignal = -1;
    ASSERT_EQ(RunInKernel([&] {
                  KGATE Gate;
                  KeInitializeGate(&Gate);
                  std::function<void()> Body = [&] {
                      KeWaitForGate(&Gate, WrPushLock, KernelMode);
                      InterlockedIncrement(&Returned);
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, WrPushLock);
                  KeInitializeApc(&Apc.Apc, &Thread->Tcb, OriginalApcEnvironment, GateApcKernelRoutine, nullptr,
                                  nullptr, KernelMode, nullptr);
                  EXPECT_TRUE(KeInsertQueueApc(&Apc.Apc, nullptr, nullptr, 0));
                  SpinUntil([&] { return ReadShared(Apc.Ran) == 1; });
                  SpinUntilWaiting(&Thread->Tcb, WrPushLock);
                  ReturnedBeforeSignal = ReadShared(Returned);
                  KeSignalGateBoostPriority(&Gate);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Apc.Ran, 1);
    EXPECT_EQ(Apc.Irql, APC_LEVEL);
    EXPECT_EQ(ReturnedBeforeSignal, 0) << "the APC must not end the gate wait";
    EXPECT_EQ(Returned, 1);
}

NTOS_INSTANTIATE_ALL_MODES(GateTest);

class GuardedMutexTest : public KernelTest {};

// One kmtest TestGuardedMutex pass: the mutex's fields and the thread's APC state after
// each call, entered at Irql with the given region depths.
void CheckCallVariants(KernelChecks &Checks, PKGUARDED_MUTEX Mutex, KIRQL Irql, SHORT Kernel, SHORT Special)
{
    PKTHREAD Thread = KeGetCurrentThread();
    std::string Where = " at IRQL " + std::to_string(Irql) + " regions " + std::to_string(Kernel) + "/" +
                        std::to_string(Special);
    BOOLEAN AllDisabled = Irql >= APC_LEVEL || Special < 0;
    auto Check = [&](const char *Step, LONG Count, PKTHREAD Owner, SHORT RecordedSpecial, SHORT ThreadSpecial,
                     BOOLEAN All) {
        std::string What = std::string(Step) + Where;
        Checks.Expect(Mutex->Count == Count, What + ": Count " + std::to_string(Mutex->Count));
        Checks.Expect(Mutex->Owner == Owner, What + ": Owner");
        Checks.Expect(Mutex->Contention == 0, What + ": Contention");
        Checks.Expect(Mutex->KernelApcDisable == 0x5555, What + ": KernelApcDisable field touched");
        Checks.Expect(Mutex->SpecialApcDisable == RecordedSpecial,
                      What + ": recorded SpecialApcDisable " + std::to_string(Mutex->SpecialApcDisable));
        Checks.Expect(Thread->KernelApcDisable == Kernel, What + ": thread KernelApcDisable");
        Checks.Expect(Thread->SpecialApcDisable == ThreadSpecial, What + ": thread SpecialApcDisable");
        Checks.Expect(KeAreApcsDisabled() == (Kernel != 0 || ThreadSpecial != 0), What + ": KeAreApcsDisabled");
        Checks.Expect(KeAreAllApcsDisabled() == All, What + ": KeAreAllApcsDisabled");
        Checks.Expect(KeGetCurrentIrql() == Irql, What + ": IRQL");
    };
    Mutex->SpecialApcDisable = 0x5555;
    Check("initial", 1, nullptr, 0x5555, Special, AllDisabled);
    KeAcquireGuardedMutex(Mutex);
    Check("KeAcquireGuardedMutex", 0, Thread, Special - 1, Special - 1, TRUE);
    Checks.Expect(KeIsGuardedMutexOwned(Mutex), "KeIsGuardedMutexOwned" + Where);
    Checks.Expect(!KeTryToAcquireGuardedMutex(Mutex), "try-acquire of an owned mutex" + Where);
    Check("failed KeTryToAcquireGuardedMutex", 0, Thread, Special - 1, Special - 1, TRUE);
    KeReleaseGuardedMutex(Mutex);
    Check("KeReleaseGuardedMutex", 1, nullptr, Special - 1, Special, AllDisabled);
    Checks.Expect(!KeIsGuardedMutexOwned(Mutex), "KeIsGuardedMutexOwned after release" + Where);
    Checks.Expect(KeTryToAcquireGuardedMutex(Mutex), "try-acquire of a free mutex" + Where);
    Check("KeTryToAcquireGuardedMutex", 0, Thread, Special - 1, Special - 1, TRUE);
    KeReleaseGuardedMutex(Mutex);
    Check("KeReleaseGuardedMutex after try", 1, nullptr, Special - 1, Special, AllDisabled);
    if (Irql == APC_LEVEL || Special < 0) {
        KeAcquireGuardedMutexUnsafe(Mutex);
        Check("KeAcquireGuardedMutexUnsafe", 0, Thread, Special - 1, Special, AllDisabled);
        KeReleaseGuardedMutexUnsafe(Mutex);
        Check("KeReleaseGuardedMutexUnsafe", 1, nullptr, Special - 1, Special, AllDisabled);
    }
}

TEST_P(GuardedMutexTest, FieldsAfterEachCallVariantAtEachAllowedIrql)
{
    KernelChecks Checks;
    ASSERT_EQ(RunInKernel([&] {
                  KGUARDED_MUTEX Mutex;
                  memset(&Mutex, 0x55, sizeof(Mutex));
                  KeInitializeGuardedMutex(&Mutex);
                  const struct {
                      KIRQL Irql;
                      SHORT Kernel, Special;
                  } Variants[] = {{PASSIVE_LEVEL, 0, 0},  {PASSIVE_LEVEL, -1, 0}, {PASSIVE_LEVEL, -3, 0},
                                  {PASSIVE_LEVEL, 0, -1}, {PASSIVE_LEVEL, -1, -1}, {PASSIVE_LEVEL, -3, -2},
                                  {APC_LEVEL, 0, 0},      {APC_LEVEL, -1, 0},     {APC_LEVEL, -3, 0},
                                  {APC_LEVEL, 0, -1},     {APC_LEVEL, -1, -1},    {APC_LEVEL, -3, -2}};
                  for (const auto &Variant : Variants) {
                      for (SHORT i = 0; i > Variant.Kernel; i--)
                          KeEnterCriticalRegion();
                      for (SHORT i = 0; i > Variant.Special; i--)
                          KeEnterGuardedRegion();
                      KIRQL OldIrql;
                      KeRaiseIrql(Variant.Irql, &OldIrql);
                      CheckCallVariants(Checks, &Mutex, Variant.Irql, Variant.Kernel, Variant.Special);
                      KeLowerIrql(OldIrql);
                      for (SHORT i = 0; i > Variant.Special; i--)
                          KeLeaveGuardedRegion();
                      for (SHORT i = 0; i > Variant.Kernel; i--)
                          KeLeaveCriticalRegion();
                  }
              }),
              STATUS_SUCCESS);
    EXPECT_GT(Checks.Count, 100);
    EXPECT_TRUE(Checks.Failures.empty()) << Checks.Report();
}

// A kmtest-style thread: at Irql, takes the mutex, says so, waits to be let go,
// releases it.
struct MutexThread {
    PKGUARDED_MUTEX Mutex;
    KIRQL Irql;
    BOOLEAN Unsafe;
    BOOLEAN Try;
    BOOLEAN TryResult;
    KEVENT In, Out;
    std::function<void()> Body;
    PETHREAD Thread;

    void Start(PKGUARDED_MUTEX Target, KIRQL AtIrql, BOOLEAN UseUnsafe, BOOLEAN UseTry)
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
                Owned = TryResult = KeTryToAcquireGuardedMutex(Mutex);
            else if (Unsafe)
                KeAcquireGuardedMutexUnsafe(Mutex);
            else
                KeAcquireGuardedMutex(Mutex);
            KeSetEvent(&Out, 0, FALSE);
            KeWaitForSingleObject(&In, Executive, KernelMode, FALSE, nullptr);
            if (Owned && Unsafe)
                KeReleaseGuardedMutexUnsafe(Mutex);
            else if (Owned)
                KeReleaseGuardedMutex(Mutex);
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

// The unsafe forms inside a guarded region work above APC_LEVEL while the mutex is
// free (kmtest KeGuardedMutex takes it at DISPATCH_LEVEL).
TEST_P(GuardedMutexTest, UnsafeFormsInAGuardedRegionAtDispatchLevelTakeAFreeMutex)
{
    PKTHREAD Owner = nullptr;
    BOOLEAN OwnedAfter = TRUE;
    ASSERT_EQ(RunInKernel([&] {
                  KGUARDED_MUTEX Mutex;
                  KeInitializeGuardedMutex(&Mutex);
                  KeEnterGuardedRegion();
                  KIRQL OldIrql;
                  KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                  KeAcquireGuardedMutexUnsafe(&Mutex);
                  Owner = Mutex.Owner;
                  KeReleaseGuardedMutexUnsafe(&Mutex);
                  OwnedAfter = KeIsGuardedMutexOwned(&Mutex);
                  KeLowerIrql(OldIrql);
                  KeLeaveGuardedRegion();
              }),
              STATUS_SUCCESS);
    EXPECT_NE(Owner, nullptr);
    EXPECT_FALSE(OwnedAfter);
}

TEST_P(GuardedMutexTest, CountCarriesTheWaitersWhileThreadsBlock)
{
    KernelChecks Checks;
    ASSERT_EQ(RunInKernel([&] {
                  KGUARDED_MUTEX Mutex;
                  KeInitializeGuardedMutex(&Mutex);
                  MutexThread First{}, Try{}, Second{}, Unsafe{};
                  auto Expect = [&](const char *Step, LONG Count, PETHREAD Owner, ULONG Contention) {
                      Checks.Expect(ReadCount(&Mutex) == Count,
                                    std::string(Step) + ": Count " + std::to_string(ReadCount(&Mutex)));
                      Checks.Expect(ReadOwner(&Mutex) == (Owner ? &Owner->Tcb : nullptr), std::string(Step) + ": Owner");
                      Checks.Expect(ReadContention(&Mutex) == Contention, std::string(Step) + ": Contention");
                  };
                  First.Start(&Mutex, PASSIVE_LEVEL, FALSE, FALSE);
                  First.WaitAcquired();
                  Expect("first owner", 0, First.Thread, 0);
                  Try.Start(&Mutex, PASSIVE_LEVEL, FALSE, TRUE);
                  Try.WaitAcquired();
                  Checks.Expect(!Try.TryResult, "try-acquire by another thread while owned");
                  Expect("after failed try", 0, First.Thread, 0);
                  Try.Finish();
                  Second.Start(&Mutex, APC_LEVEL, FALSE, FALSE);
                  SpinUntilWaiting(&Second.Thread->Tcb, WrGuardedMutex);
                  Expect("one waiter", 4, First.Thread, 1);
                  First.Finish();
                  Second.WaitAcquired();
                  Expect("handed to the waiter", 0, Second.Thread, 1);
                  Unsafe.Start(&Mutex, APC_LEVEL, TRUE, FALSE);
                  SpinUntilWaiting(&Unsafe.Thread->Tcb, WrGuardedMutex);
                  Expect("one waiter again", 4, Second.Thread, 2);
                  First.Start(&Mutex, PASSIVE_LEVEL, FALSE, FALSE);
                  SpinUntilWaiting(&First.Thread->Tcb, WrGuardedMutex);
                  Expect("two waiters", 8, Second.Thread, 3);
                  CheckInvariants();
                  Second.Finish();
                  Unsafe.WaitAcquired();
                  Expect("first waiter owns, one waits", 4, Unsafe.Thread, 3);
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

TEST_P(GuardedMutexTest, WaitersTakeTheMutexInArrivalOrder)
{
    constexpr int Waiters = 4;
    std::vector<int> Order;
    ASSERT_EQ(RunInKernel([&] {
                  KGUARDED_MUTEX Mutex;
                  KeInitializeGuardedMutex(&Mutex);
                  KeAcquireGuardedMutex(&Mutex);
                  std::function<void()> Bodies[Waiters];
                  PETHREAD Threads[Waiters];
                  for (int i = 0; i < Waiters; i++) {
                      Bodies[i] = [&, i] {
                          KeAcquireGuardedMutex(&Mutex);
                          Order.push_back(i);
                          KeReleaseGuardedMutex(&Mutex);
                      };
                      Threads[i] = StartKernelThread(&Bodies[i]);
                      ASSERT_NE(Threads[i], nullptr);
                      SpinUntilWaiting(&Threads[i]->Tcb, WrGuardedMutex);
                  }
                  EXPECT_EQ(ReadCount(&Mutex), Waiters * GM_LOCK_WAITER_INC);
                  KeReleaseGuardedMutex(&Mutex);
                  for (auto *Thread : Threads)
                      JoinKernelThread(Thread);
                  EXPECT_EQ(ReadCount(&Mutex), GM_LOCK_BIT);
                  EXPECT_EQ(Mutex.Contention, (ULONG)Waiters);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Order, (std::vector<int>{0, 1, 2, 3}));
}

TEST_P(GuardedMutexTest, MutualExclusionUnderContentionAcrossAllForms)
{
    constexpr int Threads = 4, Rounds = 300;
    volatile LONG Counter = 0;
    LONG Overlaps = 0, TryFailures = 0;
    LONG FinalCount = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KGUARDED_MUTEX Mutex;
                  KeInitializeGuardedMutex(&Mutex);
                  volatile LONG Inside = 0;
                  std::function<void()> Bodies[Threads];
                  PETHREAD Started[Threads];
                  for (int t = 0; t < Threads; t++) {
                      Bodies[t] = [&, t] {
                          for (int i = 0; i < Rounds; i++) {
                              int Form = (t + i) % 3;
                              if (Form == 0) {
                                  KeAcquireGuardedMutex(&Mutex);
                              } else if (Form == 1) {
                                  KeEnterGuardedRegion();
                                  KeAcquireGuardedMutexUnsafe(&Mutex);
                              } else {
                                  while (!KeTryToAcquireGuardedMutex(&Mutex)) {
                                      InterlockedIncrement(&TryFailures);
                                      YieldExecution();
                                  }
                              }
                              if (InterlockedIncrement(&Inside) != 1)
                                  InterlockedIncrement(&Overlaps);
                              LONG Value = Counter;
                              InterruptPoint();
                              if (i % 7 == 0)
                                  YieldExecution();
                              Counter = Value + 1;
                              InterlockedDecrement(&Inside);
                              if (Form == 1) {
                                  KeReleaseGuardedMutexUnsafe(&Mutex);
                                  KeLeaveGuardedRegion();
                              } else {
                                  KeReleaseGuardedMutex(&Mutex);
                              }
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
    EXPECT_EQ(Counter, Threads * Rounds);
    EXPECT_EQ(FinalCount, GM_LOCK_BIT) << "no waiter count or woken bit left behind";
}

NTOS_INSTANTIATE_ALL_MODES(GuardedMutexTest);

class GuardedMutexDeathTest : public KernelDeathTest {};

TEST_F(GuardedMutexDeathTest, RecursiveAcquireAsserts)
{
    EXPECT_DEATH(BootAndRun([] {
                     static KGUARDED_MUTEX Mutex;
                     KeInitializeGuardedMutex(&Mutex);
                     KeAcquireGuardedMutex(&Mutex);
                     KeAcquireGuardedMutex(&Mutex);
                 }),
                 kAssertStop);
}

TEST_F(GuardedMutexDeathTest, ReleaseByANonOwnerAsserts)
{
    EXPECT_DEATH(BootAndRun([] {
                     static KGUARDED_MUTEX Mutex;
                     KeInitializeGuardedMutex(&Mutex);
                     KeEnterGuardedRegion();
                     KeReleaseGuardedMutexUnsafe(&Mutex);
                 }),
                 kAssertStop);
}

TEST_F(GuardedMutexDeathTest, AcquireAtDispatchLevelIsIrqlNotLessOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     static KGUARDED_MUTEX Mutex;
                     KeInitializeGuardedMutex(&Mutex);
                     KIRQL OldIrql;
                     KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                     KeAcquireGuardedMutex(&Mutex);
                 }),
                 "STOP: 0x0000000A.*\n.*IRQL_NOT_LESS_OR_EQUAL");
}

TEST_F(GuardedMutexDeathTest, UnsafeAcquireAtPassiveOutsideAGuardedRegionAsserts)
{
    EXPECT_DEATH(BootAndRun([] {
                     static KGUARDED_MUTEX Mutex;
                     KeInitializeGuardedMutex(&Mutex);
                     KeAcquireGuardedMutexUnsafe(&Mutex);
                 }),
                 kAssertStop);
}

TEST_F(GuardedMutexDeathTest, ReleaseInAnotherGuardedRegionDepthAsserts)
{
    EXPECT_DEATH(BootAndRun([] {
                     static KGUARDED_MUTEX Mutex;
                     KeInitializeGuardedMutex(&Mutex);
                     KeAcquireGuardedMutex(&Mutex);
                     KeEnterGuardedRegion();
                     KeReleaseGuardedMutex(&Mutex);
                 }),
                 kAssertStop);
}

TEST_F(GuardedMutexDeathTest, GateWaitAtDispatchLevelIsIrqlNotLessOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     static KGATE Gate;
                     KeInitializeGate(&Gate);
                     KIRQL OldIrql;
                     KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                     KeWaitForGate(&Gate, WrGuardedMutex, KernelMode);
                 }),
                 "STOP: 0x0000000A.*\n.*IRQL_NOT_LESS_OR_EQUAL");
}

TEST_F(GuardedMutexDeathTest, SignallingAnEventAsAGateIsABugcheck)
{
    EXPECT_DEATH(BootAndRun([] {
                     static KEVENT Event;
                     KeInitializeEvent(&Event, SynchronizationEvent, FALSE);
                     KeSignalGateBoostPriority(reinterpret_cast<PKGATE>(&Event));
                 }),
                 kAssertStop);
}

TEST_F(GuardedMutexDeathTest, WaitingOnAGateThroughKeWaitForSingleObjectIsABugcheck)
{
    EXPECT_DEATH(BootAndRun([] {
                     static KGATE Gate;
                     KeInitializeGate(&Gate);
                     KeWaitForSingleObject(&Gate, Executive, KernelMode, FALSE, nullptr);
                 }),
                 kAssertStop);
}

} // namespace
