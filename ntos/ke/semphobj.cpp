// semphobj.cpp - semaphore objects: a count of available units, up to a limit; each
// satisfied wait takes one.
#include "ke.h"

// Initializes a semaphore with Count units available out of Limit. Any IRQL.
extern "C" VOID NTAPI KeInitializeSemaphore(PRKSEMAPHORE Semaphore, LONG Count, LONG Limit)
{
    Semaphore->Header.Type = SemaphoreObject;
    Semaphore->Header.Size = sizeof(KSEMAPHORE) / sizeof(ULONG);
    KiSetSignalState(&Semaphore->Header, Count);
    InitializeListHead(&Semaphore->Header.WaitListHead);
    Semaphore->Limit = Limit;
}

// Returns the units available. Any IRQL.
extern "C" LONG NTAPI KeReadStateSemaphore(PRKSEMAPHORE Semaphore)
{
    ASSERT_SEMAPHORE(Semaphore);
    return KiSignalState(&Semaphore->Header);
}

// Adds Adjustment units and wakes waiters they satisfy; returns the previous count.
// Passing the limit (or overflowing) changes nothing and raises
// STATUS_SEMAPHORE_LIMIT_EXCEEDED. Wait = TRUE returns at SYNCH_LEVEL with the
// dispatcher lock held for a wait to follow. At or below DISPATCH_LEVEL.
extern "C" LONG NTAPI KeReleaseSemaphore(PRKSEMAPHORE Semaphore, KPRIORITY Increment, LONG Adjustment,
                                         BOOLEAN Wait)
{
    ASSERT_SEMAPHORE(Semaphore);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    LONG InitialState = KiSignalState(&Semaphore->Header);
    LONG State;
    if (__builtin_add_overflow(InitialState, Adjustment, &State) || State > Semaphore->Limit || State < InitialState) {
        KiReleaseDispatcherLock(OldIrql);
        ExRaiseStatus(STATUS_SEMAPHORE_LIMIT_EXCEEDED);
    }
    KiSetSignalState(&Semaphore->Header, State);
    if (InitialState == 0 && !IsListEmpty(&Semaphore->Header.WaitListHead))
        KiWaitTest(&Semaphore->Header, Increment);
    KiReleaseDispatcherLockUnlessWaitNext(OldIrql, Wait);
    return InitialState;
}
