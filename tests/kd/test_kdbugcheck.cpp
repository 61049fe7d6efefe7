// A bugcheck prints the kd summary after its stop screen: the current thread's
// !thread and !ready (taken without locks), then the host's KdBugCheckCommands.
#include "kd_test.h"

using namespace ntos_test;

namespace {

class KdBugCheckDeathTest : public KernelDeathTest {};

TEST_F(KdBugCheckDeathTest, BugCheckPrintsTheKdSummaryAndHostCommands)
{
    EXPECT_DEATH(BootAndRun([] {
                     KdBugCheckCommands = "!poolused 0 Thr?;!bogus";
                     KeBugCheckEx(MANUALLY_INITIATED_CRASH, 1, 2, 3, 4);
                 }),
                 "MANUALLY_INITIATED_CRASH.*\\*\\*\\* kd summary\nkd> !thread [0-9a-fx]+\nTHREAD [0-9a-fx]+  Cid "
                 "0004\\.[0-9a-f]+ .*RUNNING on processor [0-9]+\n.*Owning Process .*Image: +System\n.*kd> !ready\n"
                 "Processor 0: .*kd> !poolused 0 Thr\\?\n Sorting by Tag.*\n Thre .*TOTAL.*kd> !bogus\nkd: unknown "
                 "command '!bogus'");
}

TEST_F(KdBugCheckDeathTest, BugCheckAtHighLevelStillPrintsTheSummary)
{
    EXPECT_DEATH(BootAndRun([] {
                     KdBugCheckCommands = nullptr;
                     KIRQL OldIrql;
                     KeRaiseIrql(HIGH_LEVEL, &OldIrql);
                     KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, 0, HIGH_LEVEL, 0, 0);
                 }),
                 "IRQL_NOT_LESS_OR_EQUAL.*kd summary\nkd> !thread .*RUNNING on processor.*kd> !ready\nProcessor 0");
}

} // namespace
