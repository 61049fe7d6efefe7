// Rundown protection in every machine mode: the count encoding, acquire failing once
// a rundown starts, the waiter's on-stack wait block published in the reference and
// released by the last reference, completion and reinitialization, many threads
// racing a rundown; and the ASSERT and IRQL bugchecks.
#include <vector>

#include "ntos_test.h"

using namespace ntos_test;

namespace {

class RundownTest : public KernelTest {};

ULONG_PTR CountOf(PEX_RUNDOWN_REF RunRef) { return __atomic_load_n(&RunRef->Count, __ATOMIC_ACQUIRE); }

TEST_P(RundownTest, ReferencesCountInStepsOfTwoUntilTheRundown)
{
    ULONG_PTR Counts[6] = {};
    BOOLEAN After[3] = {TRUE, TRUE, FALSE};
    ASSERT_EQ(RunInKernel([&] {
                  EX_RUNDOWN_REF RunRef;
                  RunRef.Count = 0x1234;
                  ExInitializeRundownProtection(&RunRef);
                  Counts[0] = CountOf(&RunRef);
                  EXPECT_TRUE(ExAcquireRundownProtection(&RunRef));
                  Counts[1] = CountOf(&RunRef);
                  EXPECT_TRUE(ExAcquireRundownProtectionEx(&RunRef, 5));
                  Counts[2] = CountOf(&RunRef);
                  ExReleaseRundownProtectionEx(&RunRef, 5);
                  ExReleaseRundownProtection(&RunRef);
                  Counts[3] = CountOf(&RunRef);
                  ExWaitForRundownProtectionRelease(&RunRef); // nothing out: returns at once
                  Counts[4] = CountOf(&RunRef);
                  After[0] = ExAcquireRundownProtection(&RunRef);
                  After[1] = ExAcquireRundownProtectionEx(&RunRef, 2);
                  ExWaitForRundownProtectionRelease(&RunRef); // already run down
                  ExRundownCompleted(&RunRef);
                  Counts[5] = CountOf(&RunRef);
                  ExReInitializeRundownProtection(&RunRef);
                  After[2] = ExAcquireRundownProtection(&RunRef);
                  ExReleaseRundownProtection(&RunRef);
                  EXPECT_EQ(CountOf(&RunRef), 0u);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Counts[0], 0u);
    EXPECT_EQ(Counts[1], (ULONG_PTR)EX_RUNDOWN_COUNT_INC);
    EXPECT_EQ(Counts[2], 6u * EX_RUNDOWN_COUNT_INC);
    EXPECT_EQ(Counts[3], 0u);
    EXPECT_EQ(Counts[4], (ULONG_PTR)EX_RUNDOWN_ACTIVE);
    EXPECT_FALSE(After[0]);
    EXPECT_FALSE(After[1]);
    EXPECT_EQ(Counts[5], (ULONG_PTR)EX_RUNDOWN_ACTIVE);
    EXPECT_TRUE(After[2]) << "reinitialized";
}

// The waiter publishes its wait block; new references fail from then on; each
// release comes off the block, and only the last wakes the waiter.
TEST_P(RundownTest, WaiterBlocksUntilTheLastReferenceIsReleased)
{
    bool BlockPublished = false, StillWaiting[3] = {}, Woke = false;
    BOOLEAN AcquiredDuringRundown[2] = {TRUE, TRUE};
    ULONG_PTR BlockCount[2] = {};
    ASSERT_EQ(RunInKernel([&] {
                  EX_RUNDOWN_REF RunRef;
                  ExInitializeRundownProtection(&RunRef);
                  ExAcquireRundownProtectionEx(&RunRef, 3);
                  ExAcquireRundownProtection(&RunRef);
                  volatile LONG Done = 0;
                  std::function<void()> Waiter = [&] {
                      ExWaitForRundownProtectionRelease(&RunRef);
                      InterlockedExchange(&Done, 1);
                  };
                  PETHREAD Thread = StartKernelThread(&Waiter);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, Executive);
                  ULONG_PTR Value = CountOf(&RunRef);
                  auto *Block = reinterpret_cast<PEX_RUNDOWN_WAIT_BLOCK>(Value & ~(ULONG_PTR)EX_RUNDOWN_ACTIVE);
                  BlockPublished = (Value & EX_RUNDOWN_ACTIVE) && Block &&
                                   Thread->Tcb.WaitBlockList->Object == &Block->WakeEvent;
                  BlockCount[0] = __atomic_load_n(&Block->Count, __ATOMIC_ACQUIRE);
                  AcquiredDuringRundown[0] = ExAcquireRundownProtection(&RunRef);
                  AcquiredDuringRundown[1] = ExAcquireRundownProtectionEx(&RunRef, 1);
                  ExReleaseRundownProtectionEx(&RunRef, 2);
                  BlockCount[1] = __atomic_load_n(&Block->Count, __ATOMIC_ACQUIRE);
                  for (int i = 0; i < 3; i++)
                      YieldExecution();
                  StillWaiting[0] = !ReadShared(Done) && KiGetThreadState(&Thread->Tcb) == Waiting;
                  ExReleaseRundownProtection(&RunRef);
                  for (int i = 0; i < 3; i++)
                      YieldExecution();
                  StillWaiting[1] = !ReadShared(Done) && KiGetThreadState(&Thread->Tcb) == Waiting;
                  StillWaiting[2] = CountOf(&RunRef) == Value;
                  ExReleaseRundownProtection(&RunRef); // the last one
                  JoinKernelThread(Thread);
                  Woke = ReadShared(Done) == 1;
                  ExRundownCompleted(&RunRef);
                  EXPECT_EQ(CountOf(&RunRef), (ULONG_PTR)EX_RUNDOWN_ACTIVE);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(BlockPublished) << "the count holds the waiter's block | EX_RUNDOWN_ACTIVE";
    EXPECT_EQ(BlockCount[0], 4u);
    EXPECT_FALSE(AcquiredDuringRundown[0]);
    EXPECT_FALSE(AcquiredDuringRundown[1]);
    EXPECT_EQ(BlockCount[1], 2u);
    EXPECT_TRUE(StillWaiting[0]);
    EXPECT_TRUE(StillWaiting[1]);
    EXPECT_TRUE(StillWaiting[2]) << "releases during a rundown leave the reference alone";
    EXPECT_TRUE(Woke);
}

// Many threads take and drop references in a loop while one runs the reference down:
// nobody holds a reference once the wait returns, and nobody gets one afterwards.
TEST_P(RundownTest, ManyThreadsRacingARundown)
{
    constexpr int Threads = 6;
    volatile LONG Inside = 0, InsideAtReturn = -1, LateAcquires = 0, Acquires = 0, Refused = 0;
    ASSERT_EQ(RunInKernel([&] {
                  EX_RUNDOWN_REF RunRef;
                  ExInitializeRundownProtection(&RunRef);
                  volatile LONG RundownDone = 0;
                  std::function<void()> Body = [&] {
                      for (int Round = 0;; Round++) {
                          ULONG Count = 1 + Round % 3;
                          if (!ExAcquireRundownProtectionEx(&RunRef, Count)) {
                              InterlockedIncrement(&Refused);
                              return;
                          }
                          if (ReadShared(RundownDone))
                              InterlockedIncrement(&LateAcquires);
                          InterlockedIncrement(&Acquires);
                          InterlockedIncrement(&Inside);
                          InterruptPoint();
                          if (Round % 4 == 0)
                              YieldExecution();
                          InterlockedDecrement(&Inside);
                          ExReleaseRundownProtectionEx(&RunRef, Count);
                      }
                  };
                  std::vector<PETHREAD> Started;
                  for (int i = 0; i < Threads; i++) {
                      Started.push_back(StartKernelThread(&Body));
                      ASSERT_NE(Started.back(), nullptr);
                  }
                  SpinUntil([&] { return ReadShared(Acquires) >= 3 * Threads; });
                  CheckInvariants();
                  ExWaitForRundownProtectionRelease(&RunRef);
                  InterlockedExchange(&InsideAtReturn, ReadShared(Inside));
                  InterlockedExchange(&RundownDone, 1);
                  for (PETHREAD Thread : Started)
                      JoinKernelThread(Thread);
                  ExRundownCompleted(&RunRef);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(InsideAtReturn, 0) << "a reference was still held when the rundown wait returned";
    EXPECT_EQ(LateAcquires, 0);
    EXPECT_EQ(Refused, Threads) << "every thread was refused once the rundown started";
    EXPECT_GE(Acquires, 3 * Threads);
}

NTOS_INSTANTIATE_ALL_MODES(RundownTest);

class RundownDeathTest : public KernelDeathTest {};

TEST_F(RundownDeathTest, ReleasingAReferenceNeverTakenAsserts)
{
    EXPECT_DEATH(BootAndRun([] {
                     EX_RUNDOWN_REF RunRef;
                     ExInitializeRundownProtection(&RunRef);
                     ExReleaseRundownProtection(&RunRef);
                 }),
                 "released more often than acquired(.|\n)*STOP: 0x0000001E \\(0xFFFFFFFF80000003");
}

TEST_F(RundownDeathTest, ReinitializingWithoutARundownAsserts)
{
    EXPECT_DEATH(BootAndRun([] {
                     EX_RUNDOWN_REF RunRef;
                     ExInitializeRundownProtection(&RunRef);
                     ExReInitializeRundownProtection(&RunRef);
                 }),
                 "EX_RUNDOWN_ACTIVE(.|\n)*STOP: 0x0000001E \\(0xFFFFFFFF80000003");
}

TEST_F(RundownDeathTest, WaitingAtDispatchLevelIsIrqlNotLessOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     EX_RUNDOWN_REF RunRef;
                     ExInitializeRundownProtection(&RunRef);
                     KIRQL OldIrql;
                     KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                     ExWaitForRundownProtectionRelease(&RunRef);
                 }),
                 "STOP: 0x0000000A \\(0x[0-9A-F]+,0x0000000000000002.*\n.*IRQL_NOT_LESS_OR_EQUAL");
}

TEST_F(RundownDeathTest, TwoConcurrentRundownsAssert)
{
    EXPECT_DEATH(BootAndRun([] {
                     static EX_RUNDOWN_REF RunRef;
                     ExInitializeRundownProtection(&RunRef);
                     ExAcquireRundownProtection(&RunRef);
                     static std::function<void()> First = [] { ExWaitForRundownProtectionRelease(&RunRef); };
                     PETHREAD Thread = StartKernelThread(&First);
                     SpinUntilWaiting(&Thread->Tcb, Executive);
                     ExWaitForRundownProtectionRelease(&RunRef);
                 }),
                 "a second rundown(.|\n)*STOP: 0x0000001E \\(0xFFFFFFFF80000003");
}

} // namespace
