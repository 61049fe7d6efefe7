// mutex.cpp - mutant objects: owned, recursively acquirable mutual exclusion that is
// abandoned when its owner exits. A kernel mutex (KeInitializeMutex) is a mutant
// that also holds its owner in a critical region.
#include "ke.h"

namespace {
// Gives an owned mutant to Thread: first on its list of owned mutants.
void KiInsertOwnedMutant(PKMUTANT Mutant, PKTHREAD Thread)
{
    Mutant->OwnerThread = Thread;
    InsertHeadList(Thread->MutantListHead.Blink, &Mutant->MutantListEntry);
}

// Common initialization of mutants and mutexes. Any IRQL.
void KiInitializeMutant(PKMUTANT Mutant, BOOLEAN InitialOwner, UCHAR ApcDisable)
{
    Mutant->Header.Type = MutantObject;
    Mutant->Header.Size = sizeof(KMUTANT) / sizeof(ULONG);
    InitializeListHead(&Mutant->Header.WaitListHead);
    Mutant->Abandoned = FALSE;
    Mutant->ApcDisable = ApcDisable;
    if (!InitialOwner) {
        KiSetSignalState(&Mutant->Header, 1);
        Mutant->OwnerThread = NULL;
        return;
    }
    PKTHREAD Thread = KiGetCurrentThread();
    KiSetSignalState(&Mutant->Header, 0);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    KiInsertOwnedMutant(Mutant, Thread);
    KiReleaseDispatcherLock(OldIrql);
}
} // namespace

// Makes Thread the owner (or a deeper recursive owner) of a mutant that satisfied its
// wait; a mutex also disables the owner's normal kernel APCs, and an abandoned mutant
// reports STATUS_ABANDONED to its new owner once. At SYNCH_LEVEL with the dispatcher
// lock held.
extern "C" VOID NTAPI KiSatisfyMutantWait(PKMUTANT Mutant, PKTHREAD Thread)
{
    KiSetSignalState(&Mutant->Header, KiSignalState(&Mutant->Header) - 1);
    if (KiSignalState(&Mutant->Header) != 0)
        return;
    KiAdjustKernelApcDisable(Thread, (SHORT)-Mutant->ApcDisable);
    if (Mutant->Abandoned) {
        Mutant->Abandoned = FALSE;
        Thread->WaitStatus = STATUS_ABANDONED;
    }
    KiInsertOwnedMutant(Mutant, Thread);
}

// Initializes a mutant, owned by the current thread if InitialOwner. Any IRQL (an
// owned one at or below DISPATCH_LEVEL).
extern "C" VOID NTAPI KeInitializeMutant(PKMUTANT Mutant, BOOLEAN InitialOwner)
{
    KiInitializeMutant(Mutant, InitialOwner, 0);
}

// Initializes a kernel mutex, signalled (unowned). Level is unused, as in NT. Any IRQL.
extern "C" VOID NTAPI KeInitializeMutex(PRKMUTEX Mutex, ULONG Level)
{
    UNREFERENCED_PARAMETER(Level);
    KiInitializeMutant(Mutex, FALSE, 1);
}

// Returns a mutant's state: 1 free, 0 owned once, negative owned recursively. Any IRQL.
extern "C" LONG NTAPI KeReadStateMutant(PKMUTANT Mutant)
{
    ASSERT_MUTANT(Mutant);
    return KiSignalState(&Mutant->Header);
}

// Returns a mutex's state, as KeReadStateMutant. Any IRQL.
extern "C" LONG NTAPI KeReadStateMutex(PRKMUTEX Mutex)
{
    return KeReadStateMutant(Mutex);
}

// Releases one level of ownership (or, with Abandon, all of it: the mutant is freed
// and marked abandoned); once free it goes to its first satisfiable waiter. Returns
// the previous state. Releasing a mutex another thread owns bugchecks
// THREAD_NOT_MUTEX_OWNER; any other release by a non-owner (a mutant, or a mutex no one
// owns) raises STATUS_MUTANT_NOT_OWNED (STATUS_ABANDONED if abandoned). Wait = TRUE
// returns at SYNCH_LEVEL with the dispatcher lock held for a wait to follow. At or
// below DISPATCH_LEVEL.
extern "C" LONG NTAPI KeReleaseMutant(PKMUTANT Mutant, KPRIORITY Increment, BOOLEAN Abandon, BOOLEAN Wait)
{
    ASSERT_MUTANT(Mutant);
    PKTHREAD Thread = KiGetCurrentThread();
    KIRQL OldIrql = KiAcquireDispatcherLock();
    LONG PreviousState = KiSignalState(&Mutant->Header);
    if (Abandon) {
        KiSetSignalState(&Mutant->Header, 1);
        Mutant->Abandoned = TRUE;
    } else if (Mutant->OwnerThread != Thread) {
        KiReleaseDispatcherLock(OldIrql);
        if (Mutant->ApcDisable && Mutant->OwnerThread)
            KeBugCheckEx(THREAD_NOT_MUTEX_OWNER, reinterpret_cast<ULONG_PTR>(Thread),
                         reinterpret_cast<ULONG_PTR>(Mutant), reinterpret_cast<ULONG_PTR>(Mutant->OwnerThread), 0);
        ExRaiseStatus(Mutant->Abandoned ? STATUS_ABANDONED : STATUS_MUTANT_NOT_OWNED);
    } else {
        KiSetSignalState(&Mutant->Header, PreviousState + 1);
    }
    BOOLEAN LeaveRegion = FALSE;
    if (KiSignalState(&Mutant->Header) == 1) {
        if (PreviousState <= 0) {
            RemoveEntryList(&Mutant->MutantListEntry);
            LeaveRegion = Mutant->ApcDisable != 0;
        }
        Mutant->OwnerThread = NULL;
        if (!IsListEmpty(&Mutant->Header.WaitListHead))
            KiWaitTest(&Mutant->Header, Increment);
    }
    KiReleaseDispatcherLockUnlessWaitNext(OldIrql, Wait);
    if (LeaveRegion)
        KeLeaveCriticalRegion();
    return PreviousState;
}

// Releases a kernel mutex the current thread owns; returns the previous state. At or
// below DISPATCH_LEVEL (SYNCH_LEVEL on return with Wait = TRUE).
extern "C" LONG NTAPI KeReleaseMutex(PRKMUTEX Mutex, BOOLEAN Wait)
{
    return KeReleaseMutant(Mutex, MUTANT_INCREMENT, FALSE, Wait);
}
