// Device queues in every machine mode: an idle device takes a request itself and
// becomes busy, a busy one queues it (in arrival or sort-key order), taking from an
// empty queue makes the device idle, entries can be taken out again, and the
// checked-build assertions (IRQL, object type).
#include <vector>

#include "ntos_test.h"

using namespace ntos_test;

namespace {

class DeviceQueueTest : public KernelTest {};

// The sort keys of the queued entries, head first. Any IRQL.
std::vector<ULONG> QueuedKeys(PKDEVICE_QUEUE Queue)
{
    std::vector<ULONG> Keys;
    for (PLIST_ENTRY Next = Queue->DeviceListHead.Flink; Next != &Queue->DeviceListHead; Next = Next->Flink)
        Keys.push_back(CONTAINING_RECORD(Next, KDEVICE_QUEUE_ENTRY, DeviceListEntry)->SortKey);
    return Keys;
}

TEST_P(DeviceQueueTest, AnIdleDeviceStartsTheRequestABusyOneQueuesItInArrivalOrder)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  KDEVICE_QUEUE Queue;
                  KDEVICE_QUEUE_ENTRY First, Entries[3];
                  KeInitializeDeviceQueue(&Queue);
                  C.Expect(Queue.Type == DeviceQueueObject && Queue.Size == sizeof(KDEVICE_QUEUE), "type and size");
                  C.Expect(!Queue.Busy && IsListEmpty(&Queue.DeviceListHead), "idle and empty");
                  KIRQL Old = KeRaiseIrqlToDpcLevel();
                  First.Inserted = TRUE;
                  C.Expect(!KeInsertDeviceQueue(&Queue, &First), "an idle device takes the request");
                  C.Expect(!First.Inserted && Queue.Busy, "not queued, the device busy");
                  for (ULONG i = 0; i < 3; i++) {
                      Entries[i].SortKey = 10 - i;
                      C.Expect(KeInsertDeviceQueue(&Queue, &Entries[i]) && Entries[i].Inserted, "a busy one queues");
                  }
                  C.Expect(QueuedKeys(&Queue) == std::vector<ULONG>{10, 9, 8}, "arrival order, keys ignored");
                  for (ULONG i = 0; i < 3; i++) {
                      PKDEVICE_QUEUE_ENTRY Entry = KeRemoveDeviceQueue(&Queue);
                      C.Expect(Entry == &Entries[i] && !Entry->Inserted, "taken from the head");
                  }
                  C.Expect(Queue.Busy, "busy while the last request runs");
                  C.Expect(KeRemoveDeviceQueue(&Queue) == nullptr && !Queue.Busy, "empty: the device goes idle");
                  KeLowerIrql(Old);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << ::testing::PrintToString(C.Failures);
}

TEST_P(DeviceQueueTest, SortKeysOrderTheQueueAndChooseWhatIsTaken)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  KDEVICE_QUEUE Queue;
                  KDEVICE_QUEUE_ENTRY Start, Entries[4];
                  const ULONG Keys[4] = {5, 1, 3, 3};
                  KeInitializeDeviceQueue(&Queue);
                  KIRQL Old = KeRaiseIrqlToDpcLevel();
                  C.Expect(KeRemoveByKeyDeviceQueueIfBusy(&Queue, 0) == nullptr && !Queue.Busy, "idle: nothing");
                  C.Expect(!KeInsertByKeyDeviceQueue(&Queue, &Start, 7), "an idle device takes the request");
                  for (ULONG i = 0; i < 4; i++)
                      C.Expect(KeInsertByKeyDeviceQueue(&Queue, &Entries[i], Keys[i]), "queued by key");
                  C.Expect(QueuedKeys(&Queue) == std::vector<ULONG>{1, 3, 3, 5}, "key order");
                  C.Expect(Queue.DeviceListHead.Flink->Flink == &Entries[2].DeviceListEntry, "equal keys in arrival order");
                  C.Expect(KeRemoveByKeyDeviceQueue(&Queue, 4) == &Entries[0], "the first key at least 4");
                  C.Expect(KeRemoveByKeyDeviceQueue(&Queue, 9) == &Entries[1], "no key that large: the head");
                  C.Expect(KeRemoveByKeyDeviceQueueIfBusy(&Queue, 3) == &Entries[2], "the first of equal keys");
                  C.Expect(KeRemoveByKeyDeviceQueue(&Queue, 0) == &Entries[3], "the last");
                  C.Expect(KeRemoveByKeyDeviceQueue(&Queue, 0) == nullptr && !Queue.Busy, "empty: idle");
                  KeLowerIrql(Old);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << ::testing::PrintToString(C.Failures);
}

TEST_P(DeviceQueueTest, AQueuedEntryCanBeTakenOutOnceFromPassiveLevel)
{
    BOOLEAN Removed[3] = {};
    std::vector<ULONG> Left;
    ASSERT_EQ(RunInKernel([&] {
                  KDEVICE_QUEUE Queue;
                  KDEVICE_QUEUE_ENTRY Start, Entries[2];
                  KeInitializeDeviceQueue(&Queue);
                  KIRQL Old = KeRaiseIrqlToDpcLevel();
                  KeInsertDeviceQueue(&Queue, &Start);
                  Entries[0].SortKey = 0, Entries[1].SortKey = 1;
                  KeInsertDeviceQueue(&Queue, &Entries[0]);
                  KeInsertDeviceQueue(&Queue, &Entries[1]);
                  KeLowerIrql(Old);
                  Removed[0] = KeRemoveEntryDeviceQueue(&Queue, &Entries[0]);
                  Removed[1] = KeRemoveEntryDeviceQueue(&Queue, &Entries[0]);
                  Removed[2] = KeRemoveEntryDeviceQueue(&Queue, &Start);
                  Left = QueuedKeys(&Queue);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(Removed[0]);
    EXPECT_FALSE(Removed[1]) << "not queued any more";
    EXPECT_FALSE(Removed[2]) << "the request the device took itself was never queued";
    EXPECT_EQ(Left, std::vector<ULONG>{1});
}

NTOS_INSTANTIATE_ALL_MODES(DeviceQueueTest);

class DeviceQueueDeathTest : public KernelDeathTest {};

constexpr const char *kAssertStop = "STOP: 0x0000001E \\(0xFFFFFFFF80000003";

TEST_F(DeviceQueueDeathTest, InsertingBelowDispatchLevelFailsTheAssertion)
{
    EXPECT_DEATH(BootAndRun([] {
                     KDEVICE_QUEUE Queue;
                     KDEVICE_QUEUE_ENTRY Entry;
                     KeInitializeDeviceQueue(&Queue);
                     KeInsertDeviceQueue(&Queue, &Entry);
                 }),
                 kAssertStop);
}

TEST_F(DeviceQueueDeathTest, AnEventGivenAsADeviceQueueFailsTheTypeAssertion)
{
    EXPECT_DEATH(BootAndRun([] {
                     KEVENT Event;
                     KDEVICE_QUEUE_ENTRY Entry;
                     KeInitializeEvent(&Event, NotificationEvent, FALSE);
                     KeRaiseIrqlToDpcLevel();
                     KeInsertDeviceQueue(reinterpret_cast<PKDEVICE_QUEUE>(&Event), &Entry);
                 }),
                 kAssertStop);
}

} // namespace
