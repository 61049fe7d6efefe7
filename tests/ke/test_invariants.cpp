// KiCheckDispatcherInvariants finds what it is meant to find: each test breaks one
// invariant on a one-processor deterministic machine, at SYNCH_LEVEL so nothing else
// runs meanwhile, checks, and repairs it.
#include "ntos_test.h"

using namespace ntos_test;

namespace {

// Runs Break, the check, then Repair at SYNCH_LEVEL; returns the violations found.
ULONG CheckWhileBroken(const std::function<void()> &Break, const std::function<void()> &Repair)
{
    KIRQL OldIrql = KfRaiseIrql(SYNCH_LEVEL);
    Break();
    ULONG Violations = KiCheckDispatcherInvariants();
    Repair();
    KeLowerIrql(OldIrql);
    return Violations;
}

class InvariantTest : public KernelTest {};

TEST_P(InvariantTest, ConsistentStatePasses)
{
    ULONG Violations = ~0u;
    ASSERT_EQ(RunInKernel([&] { Violations = KiCheckDispatcherInvariants(); }), STATUS_SUCCESS);
    EXPECT_EQ(Violations, 0u);
}

TEST_P(InvariantTest, ReadySummaryBitForAnEmptyQueueIsFound)
{
    ULONG Violations = 0;
    ASSERT_EQ(RunInKernel([&] {
                  PKPRCB Prcb = KeGetCurrentPrcb();
                  Violations = CheckWhileBroken([&] { KiSetReadySummary(Prcb, KiReadySummary(Prcb) | (1UL << 31)); },
                                                [&] { KiSetReadySummary(Prcb, KiReadySummary(Prcb) & ~(1UL << 31)); });
              }),
              STATUS_SUCCESS);
    EXPECT_GE(Violations, 1u);
}

TEST_P(InvariantTest, WaitingThreadInNoWaitListIsFound)
{
    ULONG StateLie = 0, WaitBlockLie = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Event;
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  std::function<void()> Body = [&] { KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, nullptr); };
                  PETHREAD Waiter = StartKernelThread(&Body);
                  while (KiGetThreadState(&Waiter->Tcb) != Waiting)
                      KeYieldProcessor();
                  PKTHREAD Thread = &Waiter->Tcb;
                  StateLie = CheckWhileBroken([&] { KiSetThreadState(Thread, Ready); },
                                              [&] { KiSetThreadState(Thread, Waiting); });
                  PKWAIT_BLOCK WaitBlock = Thread->WaitBlockList;
                  WaitBlockLie = CheckWhileBroken([&] { WaitBlock->Thread = KeGetCurrentThread(); },
                                                  [&] { WaitBlock->Thread = Thread; });
                  KeSetEvent(&Event, 0, FALSE);
                  JoinKernelThread(Waiter);
              }),
              STATUS_SUCCESS);
    EXPECT_GE(StateLie, 1u) << "a Ready thread in no ready queue";
    EXPECT_GE(WaitBlockLie, 1u) << "a wait block naming another thread";
}

INSTANTIATE_TEST_SUITE_P(OneProcessor, InvariantTest, ::testing::Values(MachineMode{true, 1, 3}), ParamName);

} // namespace
