// IRQL, after ReactOS's kmtest KeIrql: raising and lowering to every level and back,
// stepping up and down through all of them, the values KeRaiseIrqlToDpcLevel and
// KeRaiseIrqlToSynchLevel return, IRQL being per processor and kept across a wait,
// and the bugchecks for raising past the target.
#include <string>
#include <vector>

#include "ntos_test.h"

using namespace ntos_test;

namespace {

class IrqlTest : public KernelTest {};

// An IRQL reading taken inside the kernel, with what it should have been.
void ExpectIrql(KernelChecks &R, KIRQL Actual, KIRQL Expected, const std::string &What)
{
    R.Expect(Actual == Expected, What + ": " + std::to_string(Actual) + ", expected " + std::to_string(Expected));
}

TEST_P(IrqlTest, RaisingToEachLevelReturnsThePreviousOneAndLoweringGoesBack)
{
    KernelChecks R;
    ASSERT_EQ(RunInKernel([&] {
                  ExpectIrql(R, KeGetCurrentIrql(), PASSIVE_LEVEL, "a system thread starts");
                  // The levels kmtest requires (AMD64: the CLOCK1/CLOCK2 levels are CLOCK_LEVEL),
                  // then every level.
                  std::vector<KIRQL> Levels = {LOW_LEVEL,     PASSIVE_LEVEL, APC_LEVEL,     DISPATCH_LEVEL,
                                               CMCI_LEVEL,    CLOCK_LEVEL,   PROFILE_LEVEL, IPI_LEVEL,
                                               SYNCH_LEVEL,   HIGH_LEVEL};
                  for (KIRQL Level = PASSIVE_LEVEL; Level <= HIGH_LEVEL; Level++)
                      Levels.push_back(Level);
                  for (KIRQL Level : Levels) {
                      KIRQL Old = 0xFF;
                      KeRaiseIrql(Level, &Old);
                      ExpectIrql(R, Old, PASSIVE_LEVEL, "previous IRQL raising to " + std::to_string(Level));
                      ExpectIrql(R, KeGetCurrentIrql(), Level, "raised");
                      KeLowerIrql(Old);
                      ExpectIrql(R, KeGetCurrentIrql(), PASSIVE_LEVEL, "lowered from " + std::to_string(Level));
                  }
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(R.Failures.empty()) << R.Report();
    EXPECT_EQ(R.Count, 1 + 3 * (10 + HIGH_LEVEL + 1));
}

TEST_P(IrqlTest, StepsUpThroughEveryLevelAndBackDown)
{
    KernelChecks R;
    ASSERT_EQ(RunInKernel([&] {
                  KIRQL Old = 0xFF;
                  KeRaiseIrql(PASSIVE_LEVEL, &Old);
                  ExpectIrql(R, Old, PASSIVE_LEVEL, "raising to the current level");
                  KeLowerIrql(PASSIVE_LEVEL);
                  ExpectIrql(R, KeGetCurrentIrql(), PASSIVE_LEVEL, "lowering to the current level");
                  KIRQL Previous = PASSIVE_LEVEL;
                  for (KIRQL Level = PASSIVE_LEVEL; Level <= HIGH_LEVEL; Level++) {
                      KeRaiseIrql(Level, &Old);
                      ExpectIrql(R, Old, Previous, "previous IRQL stepping up to " + std::to_string(Level));
                      ExpectIrql(R, KeGetCurrentIrql(), Level, "stepped up");
                      Previous = Level;
                  }
                  for (KIRQL Level = HIGH_LEVEL; Level > PASSIVE_LEVEL; Level--) {
                      KeLowerIrql(Level - 1);
                      ExpectIrql(R, KeGetCurrentIrql(), Level - 1, "stepped down");
                  }
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(R.Failures.empty()) << R.Report();
    EXPECT_EQ(R.Count, 2 + 2 * (HIGH_LEVEL + 1) + HIGH_LEVEL);
}

TEST_P(IrqlTest, RaiseToDpcAndSynchLevelReturnThePreviousIrql)
{
    KIRQL Dpc[3] = {}, Synch[3] = {}, Current[4] = {};
    ASSERT_EQ(RunInKernel([&] {
                  Dpc[0] = KeRaiseIrqlToDpcLevel();
                  Current[0] = KeGetCurrentIrql();
                  Dpc[1] = KeRaiseIrqlToDpcLevel();
                  KeLowerIrql(APC_LEVEL);
                  Dpc[2] = KeRaiseIrqlToDpcLevel();
                  KeLowerIrql(PASSIVE_LEVEL);
                  Current[1] = KeGetCurrentIrql();

                  Synch[0] = KeRaiseIrqlToSynchLevel();
                  Current[2] = KeGetCurrentIrql();
                  Synch[1] = KeRaiseIrqlToSynchLevel();
                  KeLowerIrql(DISPATCH_LEVEL);
                  Synch[2] = KeRaiseIrqlToSynchLevel();
                  KeLowerIrql(PASSIVE_LEVEL);
                  Current[3] = KeGetCurrentIrql();
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Dpc[0], PASSIVE_LEVEL);
    EXPECT_EQ(Current[0], DISPATCH_LEVEL);
    EXPECT_EQ(Dpc[1], DISPATCH_LEVEL);
    EXPECT_EQ(Dpc[2], APC_LEVEL);
    EXPECT_EQ(Current[1], PASSIVE_LEVEL);
    EXPECT_EQ(Synch[0], PASSIVE_LEVEL);
    EXPECT_EQ(Current[2], SYNCH_LEVEL) << "SYNCH_LEVEL of a multiprocessor build: IPI_LEVEL - 2";
    EXPECT_EQ(Synch[1], SYNCH_LEVEL);
    EXPECT_EQ(Synch[2], DISPATCH_LEVEL);
    EXPECT_EQ(Current[3], PASSIVE_LEVEL);
    EXPECT_EQ(SYNCH_LEVEL, IPI_LEVEL - 2);
}

// Raising IRQL on one processor leaves the others' alone; a thread waiting at
// APC_LEVEL comes back at APC_LEVEL, whichever processor it resumes on.
TEST_P(IrqlTest, IrqlIsPerProcessorAndKeptAcrossAWait)
{
    KIRQL OtherThread = 0xFF, AfterWait = 0xFF;
    NTSTATUS Status = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Started, Release;
                  KeInitializeEvent(&Started, NotificationEvent, FALSE);
                  KeInitializeEvent(&Release, NotificationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      OtherThread = KeGetCurrentIrql();
                      KeSetEvent(&Started, 0, FALSE);
                      KeWaitForSingleObject(&Release, Executive, KernelMode, FALSE, nullptr);
                  };
                  KIRQL Old;
                  KeRaiseIrql(APC_LEVEL, &Old);
                  PETHREAD Thread = StartKernelThread(&Body);
                  Status = KeWaitForSingleObject(&Started, Executive, KernelMode, FALSE, nullptr);
                  AfterWait = KeGetCurrentIrql();
                  KeLowerIrql(Old);
                  KeSetEvent(&Release, 0, FALSE);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status, STATUS_SUCCESS);
    EXPECT_EQ(OtherThread, PASSIVE_LEVEL);
    EXPECT_EQ(AfterWait, APC_LEVEL);
}

NTOS_INSTANTIATE_ALL_MODES(IrqlTest);

class IrqlDeathTest : public KernelDeathTest {};

constexpr const char *kNotGreaterOrEqual = "STOP: 0x00000009 .*\n\\*\\*\\* IRQL_NOT_GREATER_OR_EQUAL";

TEST_F(IrqlDeathTest, RaiseToDpcLevelFromAboveIsIrqlNotGreaterOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     KeRaiseIrqlToSynchLevel();
                     KeRaiseIrqlToDpcLevel();
                 }),
                 kNotGreaterOrEqual);
}

TEST_F(IrqlDeathTest, RaiseToSynchLevelFromAboveIsIrqlNotGreaterOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     KfRaiseIrql(CLOCK_LEVEL);
                     KeRaiseIrqlToSynchLevel();
                 }),
                 kNotGreaterOrEqual);
}

} // namespace
