// devqueue.cpp - device queues: the queue of requests a driver's device works through
// one at a time. An entry is queued only while the device is busy; taking the next
// entry from an empty queue makes the device idle again.
#include "ke.h"

#define ASSERT_DEVICE_QUEUE(Object) ASSERT((Object)->Type == DeviceQueueObject)

namespace {

// Checks the queue's type and the IRQL (routines other than KeRemoveEntryDeviceQueue
// run at DISPATCH_LEVEL), then takes the queue's lock.
void KiAcquireDeviceQueue(PKDEVICE_QUEUE DeviceQueue)
{
    ASSERT_DEVICE_QUEUE(DeviceQueue);
    ASSERT(KiGetCurrentIrql() == DISPATCH_LEVEL);
    KeAcquireSpinLockAtDpcLevel(&DeviceQueue->Lock);
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

// Queues Entry if the device is busy (by its sort key if ByKey, else at the tail) and
// returns TRUE; an idle device becomes busy and FALSE says the caller starts the
// request itself. At DISPATCH_LEVEL.
BOOLEAN KiInsertDeviceQueue(PKDEVICE_QUEUE DeviceQueue, PKDEVICE_QUEUE_ENTRY Entry, bool ByKey)
{
    KiAcquireDeviceQueue(DeviceQueue);
    BOOLEAN Inserted = DeviceQueue->Busy;
    if (Inserted && ByKey)
        KiInsertByKey(DeviceQueue, Entry);
    else if (Inserted)
        InsertTailList(&DeviceQueue->DeviceListHead, &Entry->DeviceListEntry);
    DeviceQueue->Busy = TRUE;
    Entry->Inserted = Inserted;
    KeReleaseSpinLockFromDpcLevel(&DeviceQueue->Lock);
    return Inserted;
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
    return KiInsertDeviceQueue(DeviceQueue, DeviceQueueEntry, false);
}

// As KeInsertDeviceQueue, queueing in SortKey order (after entries of equal key).
// At DISPATCH_LEVEL.
extern "C" BOOLEAN NTAPI KeInsertByKeyDeviceQueue(PKDEVICE_QUEUE DeviceQueue, PKDEVICE_QUEUE_ENTRY DeviceQueueEntry,
                                                  ULONG SortKey)
{
    DeviceQueueEntry->SortKey = SortKey;
    return KiInsertDeviceQueue(DeviceQueue, DeviceQueueEntry, true);
}

// Takes the entry at the head of a busy device's queue; NULL, with the device now
// idle, if there is none. At DISPATCH_LEVEL.
extern "C" PKDEVICE_QUEUE_ENTRY NTAPI KeRemoveDeviceQueue(PKDEVICE_QUEUE DeviceQueue)
{
    KiAcquireDeviceQueue(DeviceQueue);
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
    KiAcquireDeviceQueue(DeviceQueue);
    ASSERT(DeviceQueue->Busy);
    PKDEVICE_QUEUE_ENTRY Entry = KiRemoveByKey(DeviceQueue, SortKey);
    KeReleaseSpinLockFromDpcLevel(&DeviceQueue->Lock);
    return Entry;
}

// KeRemoveByKeyDeviceQueue for a queue that may be idle, which gives NULL. At
// DISPATCH_LEVEL.
extern "C" PKDEVICE_QUEUE_ENTRY NTAPI KeRemoveByKeyDeviceQueueIfBusy(PKDEVICE_QUEUE DeviceQueue, ULONG SortKey)
{
    KiAcquireDeviceQueue(DeviceQueue);
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
