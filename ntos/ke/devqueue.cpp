// devqueue.cpp - device queues: the queue of requests a driver's device works through
// one at a time. An entry is queued only while the device is busy; taking the next
// entry from an empty queue makes the device idle again.
#include "ke.h"

#define ASSERT_DEVICE_QUEUE(Object) ASSERT((Object)->Type == DeviceQueueObject)

namespace {

// Device queue routines other than KeRemoveEntryDeviceQueue run at DISPATCH_LEVEL.
inline void KiCheckDeviceQueueIrql()
{
    ASSERT(KeGetCurrentIrql() == DISPATCH_LEVEL);
}

// Links Entry in before the first entry with a greater sort key (after its equals).
// Queue lock held.
void KiInsertByKey(PKDEVICE_QUEUE DeviceQueue, PKDEVICE_QUEUE_ENTRY Entry)
{
    PLIST_ENTRY Head = &DeviceQueue->DeviceListHead, Next = Head->Flink;
    while (Next != Head && CONTAINING_RECORD(Next, KDEVICE_QUEUE_ENTRY, DeviceListEntry)->SortKey <= Entry->SortKey)
        Next = Next->Flink;
    InsertTailList(Next, &Entry->DeviceListEntry);
}

// Unlinks the first entry whose sort key is at least SortKey, or the first entry if
// none is; NULL (and the device idle) if the queue is empty. Queue lock held.
PKDEVICE_QUEUE_ENTRY KiRemoveByKey(PKDEVICE_QUEUE DeviceQueue, ULONG SortKey)
{
    PLIST_ENTRY Head = &DeviceQueue->DeviceListHead;
    if (IsListEmpty(Head)) {
        DeviceQueue->Busy = FALSE;
        return NULL;
    }
    PLIST_ENTRY Found = Head->Flink;
    for (PLIST_ENTRY Next = Head->Flink; Next != Head; Next = Next->Flink) {
        if (CONTAINING_RECORD(Next, KDEVICE_QUEUE_ENTRY, DeviceListEntry)->SortKey >= SortKey) {
            Found = Next;
            break;
        }
    }
    RemoveEntryList(Found);
    PKDEVICE_QUEUE_ENTRY Entry = CONTAINING_RECORD(Found, KDEVICE_QUEUE_ENTRY, DeviceListEntry);
    Entry->Inserted = FALSE;
    return Entry;
}

} // namespace

// Initializes a device queue: empty and idle. Any IRQL.
extern "C" VOID NTAPI KeInitializeDeviceQueue(PKDEVICE_QUEUE DeviceQueue)
{
    DeviceQueue->Type = DeviceQueueObject;
    DeviceQueue->Size = sizeof(KDEVICE_QUEUE);
    InitializeListHead(&DeviceQueue->DeviceListHead);
    KeInitializeSpinLock(&DeviceQueue->Lock);
    DeviceQueue->Busy = FALSE;
}

// Queues Entry at the tail if the device is busy (TRUE); an idle device becomes busy
// and the caller starts the request itself (FALSE). At DISPATCH_LEVEL.
extern "C" BOOLEAN NTAPI KeInsertDeviceQueue(PKDEVICE_QUEUE DeviceQueue, PKDEVICE_QUEUE_ENTRY DeviceQueueEntry)
{
    ASSERT_DEVICE_QUEUE(DeviceQueue);
    KiCheckDeviceQueueIrql();
    KeAcquireSpinLockAtDpcLevel(&DeviceQueue->Lock);
    BOOLEAN Inserted = DeviceQueue->Busy;
    if (Inserted)
        InsertTailList(&DeviceQueue->DeviceListHead, &DeviceQueueEntry->DeviceListEntry);
    DeviceQueue->Busy = TRUE;
    DeviceQueueEntry->Inserted = Inserted;
    KeReleaseSpinLockFromDpcLevel(&DeviceQueue->Lock);
    return Inserted;
}

// As KeInsertDeviceQueue, queueing in SortKey order (after entries of equal key).
// At DISPATCH_LEVEL.
extern "C" BOOLEAN NTAPI KeInsertByKeyDeviceQueue(PKDEVICE_QUEUE DeviceQueue, PKDEVICE_QUEUE_ENTRY DeviceQueueEntry,
                                                  ULONG SortKey)
{
    ASSERT_DEVICE_QUEUE(DeviceQueue);
    KiCheckDeviceQueueIrql();
    DeviceQueueEntry->SortKey = SortKey;
    KeAcquireSpinLockAtDpcLevel(&DeviceQueue->Lock);
    BOOLEAN Inserted = DeviceQueue->Busy;
    if (Inserted)
        KiInsertByKey(DeviceQueue, DeviceQueueEntry);
    DeviceQueue->Busy = TRUE;
    DeviceQueueEntry->Inserted = Inserted;
    KeReleaseSpinLockFromDpcLevel(&DeviceQueue->Lock);
    return Inserted;
}

// Takes the entry at the head of a busy device's queue; NULL, with the device now
// idle, if there is none. At DISPATCH_LEVEL.
extern "C" PKDEVICE_QUEUE_ENTRY NTAPI KeRemoveDeviceQueue(PKDEVICE_QUEUE DeviceQueue)
{
    ASSERT_DEVICE_QUEUE(DeviceQueue);
    KiCheckDeviceQueueIrql();
    KeAcquireSpinLockAtDpcLevel(&DeviceQueue->Lock);
    ASSERT(DeviceQueue->Busy);
    PKDEVICE_QUEUE_ENTRY Entry = NULL;
    if (IsListEmpty(&DeviceQueue->DeviceListHead)) {
        DeviceQueue->Busy = FALSE;
    } else {
        Entry = CONTAINING_RECORD(RemoveHeadList(&DeviceQueue->DeviceListHead), KDEVICE_QUEUE_ENTRY, DeviceListEntry);
        Entry->Inserted = FALSE;
    }
    KeReleaseSpinLockFromDpcLevel(&DeviceQueue->Lock);
    return Entry;
}

// Takes the first entry of a busy device's queue whose sort key is at least SortKey
// (the head if none is); NULL, with the device now idle, if the queue is empty. At
// DISPATCH_LEVEL.
extern "C" PKDEVICE_QUEUE_ENTRY NTAPI KeRemoveByKeyDeviceQueue(PKDEVICE_QUEUE DeviceQueue, ULONG SortKey)
{
    ASSERT_DEVICE_QUEUE(DeviceQueue);
    KiCheckDeviceQueueIrql();
    KeAcquireSpinLockAtDpcLevel(&DeviceQueue->Lock);
    ASSERT(DeviceQueue->Busy);
    PKDEVICE_QUEUE_ENTRY Entry = KiRemoveByKey(DeviceQueue, SortKey);
    KeReleaseSpinLockFromDpcLevel(&DeviceQueue->Lock);
    return Entry;
}

// KeRemoveByKeyDeviceQueue for a queue that may be idle, which gives NULL. At
// DISPATCH_LEVEL.
extern "C" PKDEVICE_QUEUE_ENTRY NTAPI KeRemoveByKeyDeviceQueueIfBusy(PKDEVICE_QUEUE DeviceQueue, ULONG SortKey)
{
    ASSERT_DEVICE_QUEUE(DeviceQueue);
    KiCheckDeviceQueueIrql();
    KeAcquireSpinLockAtDpcLevel(&DeviceQueue->Lock);
    PKDEVICE_QUEUE_ENTRY Entry = DeviceQueue->Busy ? KiRemoveByKey(DeviceQueue, SortKey) : NULL;
    KeReleaseSpinLockFromDpcLevel(&DeviceQueue->Lock);
    return Entry;
}

// Takes Entry out of the queue if it is queued there; TRUE if it was. At or below
// DISPATCH_LEVEL.
extern "C" BOOLEAN NTAPI KeRemoveEntryDeviceQueue(PKDEVICE_QUEUE DeviceQueue, PKDEVICE_QUEUE_ENTRY DeviceQueueEntry)
{
    ASSERT_DEVICE_QUEUE(DeviceQueue);
    KIRQL OldIrql;
    KeAcquireSpinLock(&DeviceQueue->Lock, &OldIrql);
    BOOLEAN Inserted = DeviceQueueEntry->Inserted;
    if (Inserted) {
        DeviceQueueEntry->Inserted = FALSE;
        RemoveEntryList(&DeviceQueueEntry->DeviceListEntry);
    }
    KeReleaseSpinLock(&DeviceQueue->Lock, OldIrql);
    return Inserted;
}
