// DPCs in every machine mode: they run at DISPATCH_LEVEL when IRQL drops, queue once
// and can be removed, run in importance order, and a targeted DPC runs on its
// processor; targeting a processor that does not exist bugchecks.
#include <cstring>
#include <vector>

#include "ntos_test.h"

using namespace ntos_test;

namespace {

class DpcTest : public KernelTest {};

TEST_P(DpcTest, DpcRunsAtDispatchLevelWhenIrqlDrops)
{
    struct DpcState {
        volatile LONG Runs = 0;
        KIRQL Irql = 0xFF;
        PVOID Arguments[3] = {};
    } State;
    BOOLEAN Inserted[3] = {}, Removed[2] = {};
    LONG RunsBeforeLower = -1;
    ASSERT_EQ(RunInKernel([&] {
                  KDPC Dpc;
                  KeInitializeDpc(
                      &Dpc,
                      [](PKDPC, PVOID Context, PVOID Argument1, PVOID Argument2) {
                          auto *S = static_cast<DpcState *>(Context);
                          S->Irql = KeGetCurrentIrql();
                          S->Arguments[0] = Context, S->Arguments[1] = Argument1, S->Arguments[2] = Argument2;
                          InterlockedIncrement(&S->Runs);
                      },
                      &State);
                  KIRQL OldIrql;
                  KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                  Inserted[0] = KeInsertQueueDpc(&Dpc, &Inserted[0], &Inserted[1]);
                  Inserted[1] = KeInsertQueueDpc(&Dpc, nullptr, nullptr);
                  RunsBeforeLower = State.Runs;
                  KeLowerIrql(OldIrql);
                  KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                  Inserted[2] = KeInsertQueueDpc(&Dpc, nullptr, nullptr);
                  Removed[0] = KeRemoveQueueDpc(&Dpc);
                  Removed[1] = KeRemoveQueueDpc(&Dpc);
                  KeLowerIrql(OldIrql);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(Inserted[0]);
    EXPECT_FALSE(Inserted[1]) << "a queued DPC is not queued twice";
    EXPECT_EQ(RunsBeforeLower, 0) << "nothing runs while IRQL is DISPATCH_LEVEL";
    EXPECT_EQ(State.Runs, 1);
    EXPECT_EQ(State.Irql, DISPATCH_LEVEL);
    EXPECT_EQ(State.Arguments[0], &State);
    EXPECT_EQ(State.Arguments[1], &Inserted[0]);
    EXPECT_EQ(State.Arguments[2], &Inserted[1]);
    EXPECT_TRUE(Inserted[2]);
    EXPECT_TRUE(Removed[0]);
    EXPECT_FALSE(Removed[1]);
}

struct TargetedDpcRecord {
    KEVENT Done;
    ULONG Processor;
    KIRQL Irql;
};

VOID NTAPI RecordProcessorDpc(PKDPC, PVOID Context, PVOID, PVOID)
{
    auto *Record = static_cast<TargetedDpcRecord *>(Context);
    Record->Processor = KeGetCurrentProcessorNumber();
    Record->Irql = KeGetCurrentIrql();
    KeSetEvent(&Record->Done, 0, FALSE);
}

TEST_P(DpcTest, TargetedDpcRunsOnItsProcessorWhateverItsImportance)
{
    const ULONG Processors = GetParam().Processors;
    std::vector<ULONG> RanOn;
    std::vector<KIRQL> Irqls;
    ASSERT_EQ(RunInKernel([&] {
                  for (ULONG Target = 0; Target < Processors; Target++) {
                      for (KDPC_IMPORTANCE Importance : {LowImportance, MediumImportance, HighImportance}) {
                          TargetedDpcRecord Record{};
                          KeInitializeEvent(&Record.Done, NotificationEvent, FALSE);
                          KDPC Dpc;
                          KeInitializeDpc(&Dpc, RecordProcessorDpc, &Record);
                          KeSetTargetProcessorDpc(&Dpc, (CCHAR)Target);
                          KeSetImportanceDpc(&Dpc, Importance);
                          KeInsertQueueDpc(&Dpc, nullptr, nullptr);
                          KeWaitForSingleObject(&Record.Done, Executive, KernelMode, FALSE, nullptr);
                          RanOn.push_back(Record.Processor);
                          Irqls.push_back(Record.Irql);
                      }
                  }
              }),
              STATUS_SUCCESS);
    ASSERT_EQ(RanOn.size(), Processors * 3);
    for (size_t i = 0; i < RanOn.size(); i++) {
        EXPECT_EQ(RanOn[i], i / 3) << "DPC " << i;
        EXPECT_EQ(Irqls[i], DISPATCH_LEVEL);
    }
}

// DPCs queued on this processor run in importance order when IRQL drops: a high
// importance one goes to the head of the queue, medium and low ones to the tail.
TEST_P(DpcTest, HighImportanceDpcsRunFirstOthersInQueueOrder)
{
    struct Order {
        char Ran[5] = {};
        int Count = 0;
    } State;
    ASSERT_EQ(RunInKernel([&] {
                  auto Record = [](PKDPC Dpc, PVOID Context, PVOID, PVOID) {
                      auto *S = static_cast<Order *>(Context);
                      if (S->Count < 4)
                          S->Ran[S->Count++] = static_cast<char>(reinterpret_cast<ULONG_PTR>(Dpc->SystemArgument1));
                  };
                  KDPC Dpcs[4];
                  const KDPC_IMPORTANCE Importance[4] = {MediumImportance, LowImportance, HighImportance,
                                                         MediumImportance};
                  KIRQL OldIrql = KeRaiseIrqlToDpcLevel();
                  for (int i = 0; i < 4; i++) {
                      KeInitializeDpc(&Dpcs[i], Record, &State);
                      KeSetImportanceDpc(&Dpcs[i], Importance[i]);
                      KeInsertQueueDpc(&Dpcs[i], reinterpret_cast<PVOID>(static_cast<ULONG_PTR>('A' + i)), nullptr);
                  }
                  KeLowerIrql(OldIrql);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(State.Count, 4);
    EXPECT_STREQ(State.Ran, "CABD");
}

// As kmtest KeDpc checks: KeInitializeDpc sets the type, importance, target, routine,
// context and DpcData, and leaves the list entry and system arguments as they were.
TEST_P(DpcTest, InitializeLeavesTheListEntryAndArgumentsAlone)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  KDPC Dpc;
                  std::memset(&Dpc, 0x55, sizeof(Dpc));
                  KeInitializeDpc(&Dpc, RecordProcessorDpc, &Dpc);
                  const auto Untouched = reinterpret_cast<PVOID>(0x5555555555555555ULL);
                  C.Expect(Dpc.Type == DpcObject && Dpc.Importance == MediumImportance && Dpc.Number == 0,
                           "type, importance, target");
                  C.Expect(Dpc.DeferredRoutine == RecordProcessorDpc && Dpc.DeferredContext == &Dpc, "routine, context");
                  C.Expect(Dpc.DpcData == nullptr, "DpcData");
                  C.Expect(Dpc.DpcListEntry.Flink == Untouched && Dpc.DpcListEntry.Blink == Untouched, "list entry");
                  C.Expect(Dpc.SystemArgument1 == Untouched && Dpc.SystemArgument2 == Untouched, "arguments");
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << ::testing::PrintToString(C.Failures);
}

NTOS_INSTANTIATE_ALL_MODES(DpcTest);

class DpcDeathTest : public KernelDeathTest {};

TEST_F(DpcDeathTest, TargetingAProcessorThatDoesNotExistIsInvalidAffinitySet)
{
    EXPECT_DEATH(BootAndRun([] {
                     KDPC Dpc;
                     KeInitializeDpc(&Dpc, RecordProcessorDpc, nullptr);
                     KeSetTargetProcessorDpc(&Dpc, 2);
                 }),
                 "STOP: 0x00000003.*\n.*INVALID_AFFINITY_SET");
}

} // namespace
