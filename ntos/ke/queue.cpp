// queue.cpp - kernel queues: a dispatcher object holding a list of entries (its signal
// state is their number) and a concurrency limit on the threads associated with it,
// which are counted active while they run and inactive while they wait (the engine of
// I/O completion ports and of the executive's worker queues).
#include "ke.h"

namespace {

// The latest KeRemoveQueue waiter of Queue (they are served last in, first out, as
// NT does, the one most likely still in the caches), or NULL; waits made on the
// queue with KeWaitFor* are passed over. Dispatcher lock held.
PKWAIT_BLOCK KiLastDequeueWaiter(PKQUEUE Queue)
{
    PLIST_ENTRY Head = &Queue->Header.WaitListHead;
    for (PLIST_ENTRY Entry = Head->Blink; Entry != Head; Entry = Entry->Blink) {
        PKWAIT_BLOCK WaitBlock = CONTAINING_RECORD(Entry, KWAIT_BLOCK, WaitListEntry);
        if (WaitBlock->WaitType == WaitDequeue)
            return WaitBlock;
    }
    return NULL;
}

// Whether an associated thread may take an entry of Queue now. Dispatcher lock held.
inline BOOLEAN KiQueueCanDeliver(PKQUEUE Queue)
{
    return Queue->CurrentCount < Queue->MaximumCount && !IsListEmpty(&Queue->EntryListHead);
}

// Unlinks the first entry of Queue and counts it out of the signal state; an entry
// whose links were wiped while queued bugchecks INVALID_WORK_QUEUE_ITEM. Dispatcher
// lock held.
PLIST_ENTRY KiTakeQueueEntry(PKQUEUE Queue)
{
    PLIST_ENTRY Entry = Queue->EntryListHead.Flink;
    if (!Entry->Flink || !Entry->Blink)
        KeBugCheckEx(INVALID_WORK_QUEUE_ITEM, reinterpret_cast<ULONG_PTR>(Entry), reinterpret_cast<ULONG_PTR>(Queue),
                     0, reinterpret_cast<ULONG_PTR>(CONTAINING_RECORD(Entry, WORK_QUEUE_ITEM, List)->WorkerRoutine));
    RemoveEntryList(Entry);
    Entry->Flink = NULL;
    KiSetSignalState(&Queue->Header, KiSignalState(&Queue->Header) - 1);
    return Entry;
}

// Makes Queue the current thread's queue for this removal: a thread already on it
// stops counting as active; one on another queue leaves that queue (letting one of its
// waiters run). Dispatcher lock held.
void KiAssociateQueue(PKTHREAD Thread, PKQUEUE Queue)
{
    PKQUEUE Previous = Thread->Queue;
    if (Previous == Queue) {
        Queue->CurrentCount--;
        return;
    }
    Thread->Queue = Queue;
    if (Previous) {
        RemoveEntryList(&Thread->QueueListEntry);
        KiActivateWaiterQueue(Previous);
    }
    InsertTailList(&Queue->ThreadListHead, &Thread->QueueListEntry);
}

// KeRemoveQueue with an alertable wait: an entry, or STATUS_TIMEOUT, STATUS_USER_APC,
// STATUS_ALERTED or STATUS_ABANDONED (queue run down) cast to a PLIST_ENTRY. Below
// DISPATCH_LEVEL, or at DISPATCH_LEVEL with a zero timeout.
PLIST_ENTRY KiRemoveQueue(PKQUEUE Queue, KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    ASSERT_QUEUE(Queue);
    PKTHREAD Thread = KiGetCurrentThread();
    BOOLEAN Poll = Timeout && Timeout->QuadPart == 0;
    KiCheckWaitIrql(Thread, Queue, Poll, __builtin_return_address(0));
    BOOLEAN Absolute;
    ULONG64 DueTime = Timeout && !Poll ? KiDueInterruptTime(*Timeout, &Absolute) : 0;
    PKWAIT_BLOCK WaitBlock = &Thread->WaitBlock[0];
    for (;;) {
        if (!KiBeginWaitPass(Thread))
            continue;
        if (Queue->Header.Abandoned) {
            KiReleaseDispatcherLock(Thread->WaitIrql);
            return reinterpret_cast<PLIST_ENTRY>(static_cast<LONG_PTR>(STATUS_ABANDONED));
        }
        KiAssociateQueue(Thread, Queue);
        if (KiQueueCanDeliver(Queue)) {
            Queue->CurrentCount++;
            PLIST_ENTRY Entry = KiTakeQueueEntry(Queue);
            KiReleaseDispatcherLock(Thread->WaitIrql);
            return Entry;
        }
        NTSTATUS Status = KiCheckAlertability(Thread, Alertable, WaitMode);
        WaitBlock->NextWaitBlock = WaitBlock;
        if (Status == STATUS_WAIT_0 && (Poll || (Timeout && !KiArmWaitTimer(Thread, WaitBlock, DueTime))))
            Status = STATUS_TIMEOUT;
        if (Status != STATUS_WAIT_0) {
            Queue->CurrentCount++;
            KiReleaseDispatcherLock(Thread->WaitIrql);
            return reinterpret_cast<PLIST_ENTRY>(static_cast<LONG_PTR>(Status));
        }
        WaitBlock->Object = Queue;
        WaitBlock->WaitKey = 0;
        WaitBlock->WaitType = WaitDequeue;
        InsertTailList(&Queue->Header.WaitListHead, &WaitBlock->WaitListEntry);
        LONG_PTR WaitStatus = KiBlockThread(Thread, WaitBlock, WrQueue, WaitMode, Alertable);
        Thread->WaitReason = 0;
        if (WaitStatus != STATUS_KERNEL_APC)
            return reinterpret_cast<PLIST_ENTRY>(WaitStatus);
    }
}

// Whether KiRemoveQueue's result is a wait status rather than an entry.
inline BOOLEAN KiIsQueueWaitStatus(PLIST_ENTRY Result)
{
    auto Value = reinterpret_cast<LONG_PTR>(Result);
    return Value == STATUS_TIMEOUT || Value == STATUS_USER_APC || Value == STATUS_ALERTED || Value == STATUS_ABANDONED;
}

} // namespace

// Adds Entry to Queue, or hands it straight to the latest KeRemoveQueue waiter when
// the concurrency limit allows (not to the inserting thread's own queue wait, which an
// APC may be interrupting); returns the previous number of entries. Dispatcher lock
// held.
extern "C" LONG NTAPI KiInsertQueue(PKQUEUE Queue, PLIST_ENTRY Entry, BOOLEAN Head)
{
    LONG Previous = KiSignalState(&Queue->Header);
    PKTHREAD Current = KiGetCurrentThread();
    PKWAIT_BLOCK Waiter = Queue->CurrentCount < Queue->MaximumCount ? KiLastDequeueWaiter(Queue) : NULL;
    if (Waiter && (Current->Queue != Queue || Current->WaitReason != WrQueue)) {
        KiUnwaitThread(Waiter->Thread, reinterpret_cast<LONG_PTR>(Entry), IO_NO_INCREMENT);
        return Previous;
    }
    KiSetSignalState(&Queue->Header, Previous + 1);
    if (Head)
        InsertHeadList(&Queue->EntryListHead, Entry);
    else
        InsertTailList(&Queue->EntryListHead, Entry);
    if (Previous == 0 && !IsListEmpty(&Queue->Header.WaitListHead))
        KiWaitTest(&Queue->Header, IO_NO_INCREMENT);
    return Previous;
}

// Called when a thread associated with Queue stops running for it (it waits on
// something else, moves to another queue or terminates): counts it inactive and, if
// the limit now allows, gives the first entry to the latest KeRemoveQueue waiter. At
// SYNCH_LEVEL with the dispatcher lock held.
extern "C" VOID NTAPI KiActivateWaiterQueue(PKQUEUE Queue)
{
    Queue->CurrentCount--;
    if (!KiQueueCanDeliver(Queue))
        return;
    if (PKWAIT_BLOCK Waiter = KiLastDequeueWaiter(Queue))
        KiUnwaitThread(Waiter->Thread, reinterpret_cast<LONG_PTR>(KiTakeQueueEntry(Queue)), IO_NO_INCREMENT);
}

// Initializes an empty queue letting Count associated threads run at once (0: one per
// processor). Any IRQL.
extern "C" VOID NTAPI KeInitializeQueue(PRKQUEUE Queue, ULONG Count)
{
    Queue->Header.Type = QueueObject;
    Queue->Header.Abandoned = FALSE;
    Queue->Header.Size = sizeof(KQUEUE) / sizeof(ULONG);
    KiSetSignalState(&Queue->Header, 0);
    InitializeListHead(&Queue->Header.WaitListHead);
    InitializeListHead(&Queue->EntryListHead);
    InitializeListHead(&Queue->ThreadListHead);
    Queue->CurrentCount = 0;
    Queue->MaximumCount = Count ? Count : (ULONG)KeNumberProcessors;
}

// Queues Entry at the tail (or hands it to a waiter); returns the previous number of
// entries. At or below DISPATCH_LEVEL.
extern "C" LONG NTAPI KeInsertQueue(PRKQUEUE Queue, PLIST_ENTRY Entry)
{
    ASSERT_QUEUE(Queue);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    LONG Previous = KiInsertQueue(Queue, Entry, FALSE);
    KiReleaseDispatcherLock(OldIrql);
    return Previous;
}

// Queues Entry at the head (or hands it to a waiter); returns the previous number of
// entries. At or below DISPATCH_LEVEL.
extern "C" LONG NTAPI KeInsertHeadQueue(PRKQUEUE Queue, PLIST_ENTRY Entry)
{
    ASSERT_QUEUE(Queue);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    LONG Previous = KiInsertQueue(Queue, Entry, TRUE);
    KiReleaseDispatcherLock(OldIrql);
    return Previous;
}

// Takes the first entry, waiting for one (up to Timeout; zero polls) while the queue is
// empty or its associated threads already run at the limit; the caller becomes
// associated with the queue. Returns the entry, or STATUS_TIMEOUT, STATUS_USER_APC (a
// user-mode wait with a user APC pending) or STATUS_ABANDONED cast to a PLIST_ENTRY.
// Below DISPATCH_LEVEL, or at DISPATCH_LEVEL with a zero timeout.
extern "C" PLIST_ENTRY NTAPI KeRemoveQueue(PRKQUEUE Queue, KPROCESSOR_MODE WaitMode, PLARGE_INTEGER Timeout)
{
    return KiRemoveQueue(Queue, WaitMode, FALSE, Timeout);
}

// The Vista form: as KeRemoveQueue, alertable on request (STATUS_ALERTED), and taking up
// to Count entries once the first arrives. Returns how many entries it stored; a wait
// that ends without one stores its status in EntryArray[0] and returns 1. Below
// DISPATCH_LEVEL, or at DISPATCH_LEVEL with a zero timeout.
extern "C" ULONG NTAPI KeRemoveQueueEx(PRKQUEUE Queue, KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                                       PLARGE_INTEGER Timeout, PLIST_ENTRY *EntryArray, ULONG Count)
{
    PLIST_ENTRY First = KiRemoveQueue(Queue, WaitMode, Alertable, Timeout);
    EntryArray[0] = First;
    ULONG Taken = 1;
    if (KiIsQueueWaitStatus(First))
        return Taken;
    KIRQL OldIrql = KiAcquireDispatcherLock();
    while (Taken < Count && !IsListEmpty(&Queue->EntryListHead))
        EntryArray[Taken++] = KiTakeQueueEntry(Queue);
    KiReleaseDispatcherLock(OldIrql);
    return Taken;
}

// Ends the queue's use: returns its remaining entries (a ring without the head, NULL if
// none), wakes KeRemoveQueue waiters with STATUS_ABANDONED as Windows since Vista does
// (later removals return it too), and disassociates every thread. At or below
// DISPATCH_LEVEL.
extern "C" PLIST_ENTRY NTAPI KeRundownQueue(PRKQUEUE Queue)
{
    ASSERT_QUEUE(Queue);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    PLIST_ENTRY First = NULL;
    if (!IsListEmpty(&Queue->EntryListHead)) {
        First = Queue->EntryListHead.Flink;
        RemoveEntryList(&Queue->EntryListHead);
        InitializeListHead(&Queue->EntryListHead);
    }
    KiSetSignalState(&Queue->Header, 0);
    Queue->Header.Abandoned = TRUE;
    while (PKWAIT_BLOCK Waiter = KiLastDequeueWaiter(Queue))
        KiUnwaitThread(Waiter->Thread, STATUS_ABANDONED, IO_NO_INCREMENT);
    while (!IsListEmpty(&Queue->ThreadListHead)) {
        PKTHREAD Thread = CONTAINING_RECORD(Queue->ThreadListHead.Flink, KTHREAD, QueueListEntry);
        Thread->Queue = NULL;
        RemoveEntryList(&Thread->QueueListEntry);
    }
    KiReleaseDispatcherLock(OldIrql);
    return First;
}

// Returns the number of entries queued. Any IRQL.
extern "C" LONG NTAPI KeReadStateQueue(PRKQUEUE Queue)
{
    ASSERT_QUEUE(Queue);
    return KiSignalState(&Queue->Header);
}
