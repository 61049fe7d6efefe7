// eventobj.cpp - event objects: notification events wake every waiter and stay
// signalled; synchronization events wake one waiter and reset.
#include "ke.h"

// Initializes an event; touches only the header's type, size, state and wait list.
// Any IRQL.
extern "C" VOID NTAPI KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State)
{
    Event->Header.Type = (UCHAR)((ULONG)EventNotificationObject + (ULONG)Type);
    Event->Header.Size = sizeof(KEVENT) / sizeof(ULONG);
    KiSetSignalState(&Event->Header, State);
    InitializeListHead(&Event->Header.WaitListHead);
}

// Signals an event and wakes its waiters; returns the previous state. With Wait TRUE
// the call returns at SYNCH_LEVEL holding the dispatcher lock, and the caller must
// wait next (KeWaitForSingleObject). At or below DISPATCH_LEVEL.
extern "C" LONG NTAPI KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait)
{
    ASSERT_EVENT(Event);
    if (Event->Header.Type == EventNotificationObject && KiSignalState(&Event->Header) == 1 && !Wait)
        return 1;
    KIRQL OldIrql = KiAcquireDispatcherLock();
    LONG PreviousState = KiSignalState(&Event->Header);
    KiSetSignalState(&Event->Header, 1);
    if (!PreviousState && !IsListEmpty(&Event->Header.WaitListHead)) {
        if (Event->Header.Type == EventNotificationObject)
            KiWaitTest(&Event->Header, Increment);
        else
            KxUnwaitThreadForEvent(Event, Increment);
    }
    KiReleaseDispatcherLockUnlessWaitNext(OldIrql, Wait);
    return PreviousState;
}

// Signals an event just long enough to wake its current waiters, then resets it;
// returns the previous state. Wait = TRUE as KeSetEvent. At or below DISPATCH_LEVEL.
extern "C" LONG NTAPI KePulseEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait)
{
    ASSERT_EVENT(Event);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    LONG PreviousState = KiSignalState(&Event->Header);
    if (!PreviousState && !IsListEmpty(&Event->Header.WaitListHead)) {
        KiSetSignalState(&Event->Header, 1);
        KiWaitTest(&Event->Header, Increment);
    }
    KiSetSignalState(&Event->Header, 0);
    KiReleaseDispatcherLockUnlessWaitNext(OldIrql, Wait);
    return PreviousState;
}

// Resets an event to not-signalled; returns the previous state. At or below
// DISPATCH_LEVEL.
extern "C" LONG NTAPI KeResetEvent(PRKEVENT Event)
{
    ASSERT_EVENT(Event);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    LONG PreviousState = KiSignalState(&Event->Header);
    KiSetSignalState(&Event->Header, 0);
    KiReleaseDispatcherLock(OldIrql);
    return PreviousState;
}

// Resets an event without reporting its previous state. Any IRQL.
extern "C" VOID NTAPI KeClearEvent(PRKEVENT Event)
{
    ASSERT_EVENT(Event);
    KiSetSignalState(&Event->Header, 0);
}

// Returns the event's current state. Any IRQL.
extern "C" LONG NTAPI KeReadStateEvent(PRKEVENT Event)
{
    ASSERT_EVENT(Event);
    return KiSignalState(&Event->Header);
}

// Hands an event to its first waiter (returned) with the lock-ownership boost, or
// signals it if there is none. At or below DISPATCH_LEVEL.
extern "C" VOID NTAPI KeSetEventBoostPriority(PKEVENT Event, PKTHREAD *WaitingThread)
{
    ASSERT_EVENT(Event);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    PLIST_ENTRY Entry = Event->Header.WaitListHead.Flink;
    PKWAIT_BLOCK WaitBlock = CONTAINING_RECORD(Entry, KWAIT_BLOCK, WaitListEntry);
    if (Entry == &Event->Header.WaitListHead || WaitBlock->WaitType == WaitAll) {
        KiSetSignalState(&Event->Header, 1);
        KiWaitTest(Event, EVENT_INCREMENT);
    } else {
        if (WaitingThread)
            *WaitingThread = WaitBlock->Thread;
        KiUnwaitThreadBoostPriority(WaitBlock->Thread);
    }
    KiReleaseDispatcherLock(OldIrql);
}

// Wakes a waiting thread with STATUS_SUCCESS and the lock-ownership boost: it runs at
// the waker's priority (recomputed first). At SYNCH_LEVEL with the dispatcher lock held.
extern "C" VOID NTAPI KiUnwaitThreadBoostPriority(PKTHREAD WaitThread)
{
    PKTHREAD Thread = KiGetCurrentThread();
    PKPRCB Prcb = KiGetCurrentPrcb();
    KiAcquireThreadLock(Thread);
    KiAcquirePrcbLock(Prcb);
    KiWritePriority(Thread, KiComputeNewPriority(Thread, 0));
    KiReleasePrcbLock(Prcb);
    KiReleaseThreadLock(Thread);
    KiUnwaitThread(WaitThread, STATUS_SUCCESS, 0);
    WaitThread->AdjustIncrement = KiReadPriority(Thread);
    WaitThread->AdjustReason = AdjustBoost;
}
