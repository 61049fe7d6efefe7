// Thread affinity as NT has it: system affinity pins the current thread at once and
// reverts to the user affinity; the Ex forms nest; KeSetAffinityThread moves another
// thread off a processor it no longer allows; ideal processors; and, under a storm of
// priority and affinity changes, no thread is ever seen running where its affinity
// forbids. Invalid affinities bugcheck INVALID_AFFINITY_SET.
#include <atomic>
#include <vector>

#include "ntos_test.h"

using namespace ntos_test;

namespace {

class AffinityTest : public KernelTest {};

KAFFINITY AllProcessors(const MachineMode &Mode) { return AFFINITY_MASK(Mode.Processors) - 1; }

// Inside the kernel: runs for Ticks clock ticks with interrupt points, zero-length
// yields and short waits, and returns the set of processors it was seen on.
KAFFINITY ProcessorsSeenFor(ULONG Ticks)
{
    KAFFINITY Seen = 0;
    LARGE_INTEGER Start{}, Now{}, Short{};
    Short.QuadPart = -10000; // 1 ms
    KeQueryTickCount(&Start);
    for (ULONG Round = 0;; Round++) {
        Seen |= AFFINITY_MASK(KeGetCurrentProcessorNumber());
        if (Round % 64 == 0)
            KeDelayExecutionThread(KernelMode, FALSE, &Short);
        else if (Round % 8 == 0)
            YieldExecution();
        else
            InterruptPoint();
        KeQueryTickCount(&Now);
        if (Now.QuadPart - Start.QuadPart >= Ticks)
            return Seen;
    }
}

// Threads at the caller's priority that spin until Stop, so that the processors are
// contended and the pinned thread is preempted and placed again and again.
struct Spinners {
    volatile LONG Stop = 0;
    std::function<void()> Body = [this] {
        while (!__atomic_load_n(&Stop, __ATOMIC_ACQUIRE))
            InterruptPoint();
    };
    std::vector<PETHREAD> Threads;

    explicit Spinners(ULONG Count)
    {
        for (ULONG i = 0; i < Count; i++)
            Threads.push_back(StartKernelThread(&Body));
    }
    ~Spinners()
    {
        __atomic_store_n(&Stop, 1, __ATOMIC_RELEASE);
        for (PETHREAD Thread : Threads)
            JoinKernelThread(Thread);
    }
};

TEST_P(AffinityTest, SystemAffinityPinsTheCurrentThreadAtOnceAndRevertRestores)
{
    std::vector<ULONG> OnReturn, Expected;
    std::vector<KAFFINITY> Seen, Pinned;
    KAFFINITY AffinityAfter = 0, UserAffinityAfter = 0, Active = 0;
    BOOLEAN ActiveDuring = FALSE, ActiveAfter = TRUE;
    ASSERT_EQ(RunInKernel([&] {
                  PKTHREAD Self = KeGetCurrentThread();
                  Active = KeActiveProcessors;
                  Spinners Load(KeNumberProcessors + 1);
                  for (ULONG Processor = 0; Processor < (ULONG)KeNumberProcessors; Processor++) {
                      KeSetSystemAffinityThread(AFFINITY_MASK(Processor));
                      OnReturn.push_back(KeGetCurrentProcessorNumber());
                      ActiveDuring = Self->SystemAffinityActive;
                      Seen.push_back(ProcessorsSeenFor(4));
                      Pinned.push_back(AFFINITY_MASK(Processor));
                      Expected.push_back(Processor);
                      KeRevertToUserAffinityThread();
                  }
                  AffinityAfter = Self->Affinity;
                  UserAffinityAfter = Self->UserAffinity;
                  ActiveAfter = Self->SystemAffinityActive;
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(OnReturn, Expected) << "KeSetSystemAffinityThread returns on a processor of the new affinity";
    EXPECT_EQ(Seen, Pinned) << "a pinned thread never runs elsewhere";
    EXPECT_TRUE(ActiveDuring);
    EXPECT_FALSE(ActiveAfter);
    EXPECT_EQ(AffinityAfter, Active);
    EXPECT_EQ(UserAffinityAfter, Active);
}

TEST_P(AffinityTest, ExFormsNestAndIgnoreInvalidAffinities)
{
    KAFFINITY Low = 0, High = 0, Previous[4] = {}, AfterInvalid = 0, AfterRevert[2] = {};
    ULONG OnHigh = ~0u, OnLow = ~0u;
    BOOLEAN ActiveAfterInner = FALSE, ActiveAfterOuter = TRUE, ActiveAfterExtra = TRUE;
    ASSERT_EQ(RunInKernel([&] {
                  PKTHREAD Self = KeGetCurrentThread();
                  ULONG Count = (ULONG)KeNumberProcessors;
                  Low = AFFINITY_MASK(0);
                  High = AFFINITY_MASK(Count - 1);
                  Previous[0] = KeSetSystemAffinityThreadEx(Low);
                  Previous[1] = KeSetSystemAffinityThreadEx(High);
                  OnHigh = KeGetCurrentProcessorNumber();
                  Previous[2] = KeSetSystemAffinityThreadEx(0);
                  Previous[3] = KeSetSystemAffinityThreadEx(AFFINITY_MASK(Count));
                  AfterInvalid = Self->Affinity;
                  KeRevertToUserAffinityThreadEx(Previous[1]);
                  AfterRevert[0] = Self->Affinity;
                  OnLow = KeGetCurrentProcessorNumber();
                  ActiveAfterInner = Self->SystemAffinityActive;
                  KeRevertToUserAffinityThreadEx(Previous[0]);
                  AfterRevert[1] = Self->Affinity;
                  ActiveAfterOuter = Self->SystemAffinityActive;
                  KeRevertToUserAffinityThreadEx(0);
                  ActiveAfterExtra = Self->SystemAffinityActive;
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Previous[0], 0u) << "no system affinity before";
    EXPECT_EQ(Previous[1], Low);
    EXPECT_EQ(OnHigh, (ULONG)KiLowestSetBit(High));
    EXPECT_EQ(Previous[2], High) << "an empty affinity changes nothing";
    EXPECT_EQ(Previous[3], High) << "an inactive processor changes nothing";
    EXPECT_EQ(AfterInvalid, High);
    EXPECT_EQ(AfterRevert[0], Low);
    EXPECT_EQ(OnLow, 0u);
    EXPECT_TRUE(ActiveAfterInner);
    EXPECT_EQ(AfterRevert[1], AllProcessors(GetParam()));
    EXPECT_FALSE(ActiveAfterOuter);
    EXPECT_FALSE(ActiveAfterExtra) << "reverting with 0 twice is harmless";
}

// A worker checks, after every interrupt point, that it runs on a processor its
// current affinity allows. The controller publishes each affinity it sets with a
// sequence number (odd while the change is under way), so the worker only judges
// itself against an affinity that was in force for its whole check.
struct AffinityWatch {
    std::atomic<ULONG> Sequence{0};
    std::atomic<KAFFINITY> Affinity{0};
    std::atomic<LONG> Checks{0}, Violations{0};
    std::atomic<bool> Stop{false};

    // Worker side: one check.
    void Check()
    {
        ULONG Before = Sequence.load(std::memory_order_acquire);
        KAFFINITY Allowed = Affinity.load(std::memory_order_acquire);
        InterruptPoint();
        ULONG Processor = KeGetCurrentProcessorNumber();
        if (Before % 2 == 0 && Sequence.load(std::memory_order_acquire) == Before) {
            Checks++;
            if (!(Allowed & AFFINITY_MASK(Processor)))
                Violations++;
        }
    }

    // Controller side: sets Thread's affinity and publishes it; returns the old one.
    KAFFINITY Set(PKTHREAD Thread, KAFFINITY NewAffinity)
    {
        Sequence.fetch_add(1, std::memory_order_acq_rel);
        KAFFINITY Old = KeSetAffinityThread(Thread, NewAffinity);
        Affinity.store(NewAffinity, std::memory_order_release);
        Sequence.fetch_add(1, std::memory_order_acq_rel);
        return Old;
    }
};

// Inside the kernel: a worker body that checks itself until Stop, spinning, yielding
// and waiting in turn (so it is seen Running, Ready, Standby and Waiting).
std::function<void()> WatchedWorker(AffinityWatch &Watch)
{
    return [&Watch] {
        LARGE_INTEGER Short{};
        Short.QuadPart = -5000;
        for (ULONG Round = 0; !Watch.Stop.load(std::memory_order_acquire); Round++) {
            Watch.Check();
            if (Round % 32 == 0)
                KeDelayExecutionThread(KernelMode, FALSE, &Short);
            else if (Round % 4 == 0)
                YieldExecution();
        }
    };
}

// A small PRNG for the controllers, seeded from the machine's mode.
struct TestRandom {
    uint64_t State;
    ULONG Below(ULONG Bound)
    {
        State = State * 6364136223846793005ULL + 1442695040888963407ULL;
        return (ULONG)((State >> 33) % Bound);
    }
    // A random non-empty subset of the active processors.
    KAFFINITY Affinity() { return (KAFFINITY)Below((ULONG)KeActiveProcessors) + 1; }
};

TEST_P(AffinityTest, SetAffinityThreadMovesAnotherThreadAndReturnsTheOldAffinity)
{
    constexpr int kRounds = 40;
    AffinityWatch Watch;
    std::vector<KAFFINITY> Returned, Expected;
    KAFFINITY Final = 0, FinalUser = 0, LastSet = 0;
    ASSERT_EQ(RunInKernel([&] {
                  TestRandom Random{GetParam().Seed + 1};
                  Watch.Affinity = KeActiveProcessors;
                  std::function<void()> Body = WatchedWorker(Watch);
                  PETHREAD Worker = StartKernelThread(&Body);
                  KAFFINITY Current = KeActiveProcessors;
                  LARGE_INTEGER Short{};
                  Short.QuadPart = -20000;
                  for (int Round = 0; Round < kRounds; Round++) {
                      KAFFINITY Next = Round % 2 ? Random.Affinity() : AFFINITY_MASK(Random.Below(KeNumberProcessors));
                      Expected.push_back(Current);
                      Returned.push_back(Watch.Set(&Worker->Tcb, Next));
                      Current = Next;
                      KeDelayExecutionThread(KernelMode, FALSE, &Short);
                  }
                  LastSet = Current;
                  Final = Worker->Tcb.Affinity;
                  FinalUser = Worker->Tcb.UserAffinity;
                  Watch.Stop = true;
                  JoinKernelThread(Worker);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Returned, Expected) << "KeSetAffinityThread returns the previous user affinity";
    EXPECT_GT(Watch.Checks.load(), 0);
    EXPECT_EQ(Watch.Violations.load(), 0) << "the worker ran outside its affinity";
    EXPECT_EQ(Final, LastSet);
    EXPECT_EQ(FinalUser, LastSet);
}

TEST_P(AffinityTest, UserAffinitySetUnderASystemAffinityAppliesOnRevert)
{
    KAFFINITY Old[2] = {}, DuringSystem = 0, UserDuring = 0, AfterRevert = 0, High = 0;
    ULONG OnRevert = ~0u;
    ASSERT_EQ(RunInKernel([&] {
                  PKTHREAD Self = KeGetCurrentThread();
                  High = AFFINITY_MASK(KeNumberProcessors - 1);
                  KAFFINITY Previous = KeSetSystemAffinityThreadEx(AFFINITY_MASK(0));
                  Old[0] = KeSetAffinityThread(Self, High);
                  DuringSystem = Self->Affinity;
                  UserDuring = Self->UserAffinity;
                  KeRevertToUserAffinityThreadEx(Previous);
                  AfterRevert = Self->Affinity;
                  OnRevert = KeGetCurrentProcessorNumber();
                  Old[1] = KeSetAffinityThread(Self, KeActiveProcessors);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Old[0], AllProcessors(GetParam()));
    EXPECT_EQ(DuringSystem, AFFINITY_MASK(0)) << "the system affinity stays in force";
    EXPECT_EQ(UserDuring, High);
    EXPECT_EQ(AfterRevert, High);
    EXPECT_EQ(OnRevert, (ULONG)KiLowestSetBit(High));
    EXPECT_EQ(Old[1], High);
}

TEST_P(AffinityTest, IdealProcessorIsKeptInsideTheAffinityAndPreferredWhenIdle)
{
    UCHAR Old[3] = {}, IdealAfterValid = 0xFF, IdealAfterInvalid = 0xFF, IdealOutside = 0xFF;
    ULONG RanOn = ~0u;
    ULONG Count = GetParam().Processors;
    UCHAR Last = (UCHAR)(Count - 1);
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Go;
                  KeInitializeEvent(&Go, SynchronizationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      // Run last on processor 0, so that only the ideal processor can
                      // send the wake-up elsewhere.
                      KeSetSystemAffinityThread(AFFINITY_MASK(0));
                      KeRevertToUserAffinityThread();
                      KeWaitForSingleObject(&Go, Executive, KernelMode, FALSE, nullptr);
                      RanOn = KeGetCurrentProcessorNumber();
                  };
                  // The controller stays on processor 0 while the worker is placed.
                  KeSetSystemAffinityThread(AFFINITY_MASK(0));
                  PETHREAD Worker = StartKernelThread(&Body);
                  PKTHREAD Thread = &Worker->Tcb;
                  WaitForState(Thread, Waiting);
                  Old[0] = KeSetIdealProcessorThread(Thread, Last);
                  IdealAfterValid = Thread->IdealProcessor;
                  Old[1] = KeSetIdealProcessorThread(Thread, (UCHAR)Count);
                  IdealAfterInvalid = Thread->IdealProcessor;
                  // The host request thread may still be finishing on the ideal processor.
                  LARGE_INTEGER Short{};
                  Short.QuadPart = -10000;
                  while (Last && !(__atomic_load_n(&KiIdleSummary, __ATOMIC_ACQUIRE) & AFFINITY_MASK(Last)))
                      KeDelayExecutionThread(KernelMode, FALSE, &Short);
                  KeSetEvent(&Go, 0, FALSE);
                  JoinKernelThread(Worker);
                  KeRevertToUserAffinityThread();

                  // An ideal processor outside the affinity is refused.
                  PKTHREAD Self = KeGetCurrentThread();
                  KeSetAffinityThread(Self, AFFINITY_MASK(0));
                  Old[2] = KeSetIdealProcessorThread(Self, Last);
                  IdealOutside = Self->IdealProcessor;
                  KeSetAffinityThread(Self, KeActiveProcessors);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(IdealAfterValid, Last);
    EXPECT_EQ(Old[1], Last) << "the old user ideal processor is returned";
    EXPECT_EQ(IdealAfterInvalid, Last) << "a processor that does not exist changes nothing";
    EXPECT_EQ(RanOn, (ULONG)Last) << "a woken thread goes to its ideal processor when it is idle";
    EXPECT_EQ(IdealOutside, 0) << "the ideal processor stays inside the affinity";
    EXPECT_EQ(Old[2], 0);
    EXPECT_LT(Old[0], Count);
}

// Workers spin, yield and wait while the controller changes their priority, base
// priority, affinity and ideal processor at random, checking the dispatcher's
// invariants as it goes: nothing may break and no worker may run outside its
// affinity once a change has returned.
TEST_P(AffinityTest, PriorityAndAffinityStormKeepsEveryThreadWhereItMayRun)
{
    constexpr int kWorkers = 4, kRounds = 300;
    AffinityWatch Watches[kWorkers];
    ASSERT_EQ(RunInKernel([&] {
                  TestRandom Random{GetParam().Seed * 7 + 3};
                  PKTHREAD Self = KeGetCurrentThread();
                  KeSetBasePriorityThread(Self, LOW_REALTIME_PRIORITY - 1 - 8); // 15, above every worker, no decay
                  std::vector<std::function<void()>> Bodies;
                  for (AffinityWatch &Watch : Watches) {
                      Watch.Affinity = KeActiveProcessors;
                      Bodies.push_back(WatchedWorker(Watch));
                  }
                  std::vector<PETHREAD> Workers;
                  for (std::function<void()> &Body : Bodies)
                      Workers.push_back(StartKernelThread(&Body));
                  LARGE_INTEGER Short{};
                  Short.QuadPart = -3000;
                  for (int Round = 0; Round < kRounds; Round++) {
                      ULONG Index = Random.Below(kWorkers);
                      PKTHREAD Thread = &Workers[Index]->Tcb;
                      switch (Random.Below(5)) {
                      case 0:
                          Watches[Index].Set(Thread, Random.Affinity());
                          break;
                      case 1:
                          KeSetPriorityThread(Thread, 1 + Random.Below(LOW_REALTIME_PRIORITY - 3));
                          break;
                      case 2:
                          KeSetBasePriorityThread(Thread, (LONG)Random.Below(7) - 3);
                          break;
                      case 3:
                          KeSetIdealProcessorThread(Thread, (UCHAR)Random.Below(KeNumberProcessors));
                          break;
                      default:
                          KeDelayExecutionThread(KernelMode, FALSE, &Short);
                          break;
                      }
                      if (Round % 25 == 0)
                          CheckInvariants();
                  }
                  for (AffinityWatch &Watch : Watches)
                      Watch.Stop = true;
                  for (PETHREAD Worker : Workers)
                      JoinKernelThread(Worker);
              }),
              STATUS_SUCCESS);
    for (AffinityWatch &Watch : Watches) {
        EXPECT_GT(Watch.Checks.load(), 0);
        EXPECT_EQ(Watch.Violations.load(), 0);
    }
}

NTOS_INSTANTIATE_ALL_MODES(AffinityTest);

class AffinityDeathTest : public KernelDeathTest {};

constexpr const char *kInvalidAffinity = "STOP: 0x00000003.*\n.*INVALID_AFFINITY_SET";

TEST_F(AffinityDeathTest, EmptyUserAffinityIsInvalidAffinitySet)
{
    EXPECT_DEATH(BootAndRun([] { KeSetAffinityThread(KeGetCurrentThread(), 0); }),
                 kInvalidAffinity);
}

TEST_F(AffinityDeathTest, UserAffinityOutsideTheProcessIsInvalidAffinitySet)
{
    EXPECT_DEATH(BootAndRun([] { KeSetAffinityThread(KeGetCurrentThread(), 0b101); }),
                 kInvalidAffinity);
}

TEST_F(AffinityDeathTest, EmptySystemAffinityIsInvalidAffinitySet)
{
    EXPECT_DEATH(BootAndRun([] { KeSetSystemAffinityThread(0); }), kInvalidAffinity);
}

TEST_F(AffinityDeathTest, SystemAffinityNamingAnInactiveProcessorIsInvalidAffinitySet)
{
    EXPECT_DEATH(BootAndRun([] { KeSetSystemAffinityThread(0b100001); }), kInvalidAffinity);
}

TEST_F(AffinityDeathTest, RevertWithoutASystemAffinityFailsTheAssert)
{
    EXPECT_DEATH(BootAndRun([] { KeRevertToUserAffinityThread(); }),
                 "STOP: 0x0000001E \\(0xFFFFFFFF80000003");
}

} // namespace
