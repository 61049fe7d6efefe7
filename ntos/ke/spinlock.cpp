// spinlock.cpp - executive spin locks, in-stack queued spin locks and the dispatcher /
// PRCB locks. A held lock records the processor that owns it (the running thread may
// change under a PRCB lock), so recursion and foreign release bugcheck with
// SPIN_LOCK_ALREADY_OWNED / SPIN_LOCK_NOT_OWNED, as checked builds do. A queued lock's
// word points at the tail of an MCS queue of KSPIN_LOCK_QUEUE entries instead.
#include "ke.h"

KSPIN_LOCK KiDispatcherLock;

namespace {

inline KSPIN_LOCK OwnerValue()
{
    return reinterpret_cast<KSPIN_LOCK>(&HalHostCurrentPcr()->Prcb) | 1; // the PRCB, found with one PCR read
}

// TRUE if lock word Value names the caller: this processor's owner mark, or a queue
// entry on the current thread's stack (an in-stack handle it holds or waits with).
inline bool HeldByCaller(KSPIN_LOCK Value)
{
    if (Value == OwnerValue())
        return true;
    PKTHREAD Thread = KeGetCurrentThread();
    return Thread && Value >= reinterpret_cast<KSPIN_LOCK>(Thread->StackLimit) &&
           Value < reinterpret_cast<KSPIN_LOCK>(Thread->StackBase);
}

[[noreturn]] inline void AlreadyOwned(PKSPIN_LOCK SpinLock, KSPIN_LOCK Value)
{
    KeBugCheckEx(SPIN_LOCK_ALREADY_OWNED, reinterpret_cast<ULONG_PTR>(SpinLock), Value, 0, 0);
}

// NT's uniprocessor kernel: with one processor (fixed before the machine starts) no
// one else can hold a lock, so the owner is recorded without an interlocked operation.
inline bool Uniprocessor() { return KeNumberProcessors == 1; }

inline void AcquireRaw(PKSPIN_LOCK SpinLock)
{
    KSPIN_LOCK Owner = OwnerValue();
    if (Uniprocessor()) {
        if (__atomic_load_n(SpinLock, __ATOMIC_RELAXED) != 0)
            KeBugCheckEx(SPIN_LOCK_ALREADY_OWNED, reinterpret_cast<ULONG_PTR>(SpinLock), 0, 0, 0);
        __atomic_store_n(SpinLock, Owner, __ATOMIC_RELAXED);
        return;
    }
    for (;;) {
        KSPIN_LOCK Expected = 0;
        if (__atomic_compare_exchange_n(SpinLock, &Expected, Owner, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
        if (HeldByCaller(Expected))
            AlreadyOwned(SpinLock, Expected);
        while (__atomic_load_n(SpinLock, __ATOMIC_RELAXED) != 0)
            KeYieldProcessor();
    }
}

inline void ReleaseRaw(PKSPIN_LOCK SpinLock)
{
    if (__atomic_load_n(SpinLock, __ATOMIC_RELAXED) != OwnerValue())
        KeBugCheckEx(SPIN_LOCK_NOT_OWNED, reinterpret_cast<ULONG_PTR>(SpinLock), 0, 0, 0);
    __atomic_store_n(SpinLock, 0, __ATOMIC_RELEASE);
}

inline void RequireDispatchLevel()
{
    KIRQL Irql = KeGetCurrentIrql();
    if (Irql < DISPATCH_LEVEL)
        KeBugCheckEx(IRQL_NOT_GREATER_OR_EQUAL, Irql, DISPATCH_LEVEL, 0, 0);
}

inline ULONG_PTR QueueLockValue(PKSPIN_LOCK_QUEUE LockQueue)
{
    return reinterpret_cast<ULONG_PTR>(__atomic_load_n(&LockQueue->Lock, __ATOMIC_ACQUIRE));
}

inline void SetQueueLock(PKSPIN_LOCK_QUEUE LockQueue, PKSPIN_LOCK SpinLock, ULONG_PTR State)
{
    auto Value = reinterpret_cast<PKSPIN_LOCK>(reinterpret_cast<ULONG_PTR>(SpinLock) | State);
    __atomic_store_n(&LockQueue->Lock, Value, __ATOMIC_RELEASE);
}

inline void AcquireInStack(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    LockHandle->LockQueue.Next = NULL;
    LockHandle->LockQueue.Lock = SpinLock;
    KeAcquireQueuedSpinLockAtDpcLevel(&LockHandle->LockQueue);
}

} // namespace

// Initializes a spin lock to the released state. Any IRQL.
extern "C" VOID NTAPI KeInitializeSpinLock(PKSPIN_LOCK SpinLock)
{
    *SpinLock = 0;
}

// Raises to DISPATCH_LEVEL and acquires the lock; returns the previous IRQL.
// At or below DISPATCH_LEVEL.
extern "C" KIRQL NTAPI KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock)
{
    KIRQL OldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    AcquireRaw(SpinLock);
    return OldIrql;
}

// Releases the lock and lowers IRQL to NewIrql. At DISPATCH_LEVEL.
extern "C" VOID NTAPI KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql)
{
    ReleaseRaw(SpinLock);
    KeLowerIrql(NewIrql);
}

// Acquires the lock without changing IRQL. At or above DISPATCH_LEVEL.
extern "C" VOID NTAPI KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)
{
    RequireDispatchLevel();
    AcquireRaw(SpinLock);
}

// Releases the lock without changing IRQL. At or above DISPATCH_LEVEL.
extern "C" VOID NTAPI KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock)
{
    RequireDispatchLevel();
    ReleaseRaw(SpinLock);
}

// Raises to SYNCH_LEVEL and acquires the lock; returns the previous IRQL.
// At or below SYNCH_LEVEL.
extern "C" KIRQL FASTCALL KeAcquireSpinLockRaiseToSynch(PKSPIN_LOCK SpinLock)
{
    KIRQL OldIrql = KeRaiseIrqlToSynchLevel();
    AcquireRaw(SpinLock);
    return OldIrql;
}

// TRUE if the lock is free right now (a hint for spin-then-acquire). Any IRQL.
extern "C" BOOLEAN FASTCALL KeTestSpinLock(PKSPIN_LOCK SpinLock)
{
    if (__atomic_load_n(SpinLock, __ATOMIC_RELAXED) == 0)
        return TRUE;
    KeYieldProcessor();
    return FALSE;
}

// One attempt to acquire; TRUE if it is now held, and a lock the caller already
// holds is SPIN_LOCK_ALREADY_OWNED. At or above DISPATCH_LEVEL.
extern "C" BOOLEAN NTAPI KiTryToAcquireSpinLock(PKSPIN_LOCK SpinLock)
{
    KSPIN_LOCK Expected = 0;
    if (__atomic_compare_exchange_n(SpinLock, &Expected, OwnerValue(), false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return TRUE;
    if (HeldByCaller(Expected))
        AlreadyOwned(SpinLock, Expected);
    return FALSE;
}

// KiTryToAcquireSpinLock for drivers, which must already be at DISPATCH_LEVEL or
// above.
extern "C" BOOLEAN FASTCALL KeTryToAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)
{
    RequireDispatchLevel();
    return KiTryToAcquireSpinLock(SpinLock);
}

// Joins the lock's queue through LockQueue (its Lock already set to the lock) and
// spins on the entry until the predecessor hands over. At or above DISPATCH_LEVEL.
extern "C" VOID FASTCALL KeAcquireQueuedSpinLockAtDpcLevel(PKSPIN_LOCK_QUEUE LockQueue)
{
    PKSPIN_LOCK SpinLock = LockQueue->Lock;
    auto Tail = __atomic_exchange_n(SpinLock, reinterpret_cast<KSPIN_LOCK>(LockQueue), __ATOMIC_ACQ_REL);
    if (!Tail) {
        SetQueueLock(LockQueue, SpinLock, LOCK_QUEUE_OWNER);
        return;
    }
    // An odd word is an ordinary owner's mark: the lock is held the other way.
    if ((Tail & 1) || HeldByCaller(Tail))
        AlreadyOwned(SpinLock, Tail);
    SetQueueLock(LockQueue, SpinLock, LOCK_QUEUE_WAIT);
    __atomic_store_n(&reinterpret_cast<PKSPIN_LOCK_QUEUE>(Tail)->Next, LockQueue, __ATOMIC_RELEASE);
    while (QueueLockValue(LockQueue) & LOCK_QUEUE_WAIT)
        KeYieldProcessor();
}

// Releases the lock held through LockQueue, handing it to the next waiter if there is
// one; an entry that does not own its lock is SPIN_LOCK_NOT_OWNED. At or above
// DISPATCH_LEVEL.
extern "C" VOID FASTCALL KeReleaseQueuedSpinLockFromDpcLevel(PKSPIN_LOCK_QUEUE LockQueue)
{
    ULONG_PTR Value = QueueLockValue(LockQueue);
    auto SpinLock = reinterpret_cast<PKSPIN_LOCK>(Value & ~static_cast<ULONG_PTR>(LOCK_QUEUE_WAIT | LOCK_QUEUE_OWNER));
    if (!(Value & LOCK_QUEUE_OWNER) || !__atomic_load_n(SpinLock, __ATOMIC_RELAXED))
        KeBugCheckEx(SPIN_LOCK_NOT_OWNED, reinterpret_cast<ULONG_PTR>(SpinLock), reinterpret_cast<ULONG_PTR>(LockQueue),
                     0, 0);
    SetQueueLock(LockQueue, SpinLock, 0);
    PKSPIN_LOCK_QUEUE Next = __atomic_load_n(&LockQueue->Next, __ATOMIC_ACQUIRE);
    if (!Next) {
        KSPIN_LOCK Expected = reinterpret_cast<KSPIN_LOCK>(LockQueue);
        if (__atomic_compare_exchange_n(SpinLock, &Expected, 0, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
            return;
        // A waiter has swapped itself in as the tail but not yet linked behind us.
        while (!(Next = __atomic_load_n(&LockQueue->Next, __ATOMIC_ACQUIRE)))
            KeYieldProcessor();
    }
    LockQueue->Next = NULL;
    SetQueueLock(Next, SpinLock, LOCK_QUEUE_OWNER);
}

// Raises to DISPATCH_LEVEL and acquires the lock as a queued lock through the
// caller's LockHandle. At or below DISPATCH_LEVEL.
extern "C" VOID FASTCALL KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    LockHandle->OldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    AcquireInStack(SpinLock, LockHandle);
}

// Raises to SYNCH_LEVEL and acquires the lock as a queued lock. At or below
// SYNCH_LEVEL.
extern "C" VOID FASTCALL KeAcquireInStackQueuedSpinLockRaiseToSynch(PKSPIN_LOCK SpinLock,
                                                                    PKLOCK_QUEUE_HANDLE LockHandle)
{
    LockHandle->OldIrql = KeRaiseIrqlToSynchLevel();
    AcquireInStack(SpinLock, LockHandle);
}

// Releases a queued lock and lowers IRQL to the level saved in the handle. At the
// IRQL the acquire raised to.
extern "C" VOID FASTCALL KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE LockHandle)
{
    KIRQL OldIrql = LockHandle->OldIrql;
    KeReleaseQueuedSpinLockFromDpcLevel(&LockHandle->LockQueue);
    KeLowerIrql(OldIrql);
}

// Acquires the lock as a queued lock without changing IRQL (OldIrql is left as it
// is). At or above DISPATCH_LEVEL.
extern "C" VOID FASTCALL KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock,
                                                                  PKLOCK_QUEUE_HANDLE LockHandle)
{
    RequireDispatchLevel();
    AcquireInStack(SpinLock, LockHandle);
}

// Releases a queued lock without changing IRQL. At or above DISPATCH_LEVEL.
extern "C" VOID FASTCALL KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE LockHandle)
{
    RequireDispatchLevel();
    KeReleaseQueuedSpinLockFromDpcLevel(&LockHandle->LockQueue);
}

// Acquires a queued lock from a DPC routine: a threaded one below DISPATCH_LEVEL is
// raised to DISPATCH_LEVEL, an ordinary one keeps its IRQL. Any IRQL.
extern "C" VOID FASTCALL KeAcquireInStackQueuedSpinLockForDpc(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    // Windows asks the PRCB whether a threaded DPC is running; there are none here,
    // so the IRQL says which kind of caller this is.
    KIRQL Irql = KeGetCurrentIrql();
    LockHandle->OldIrql = KfRaiseIrql(Irql < DISPATCH_LEVEL ? DISPATCH_LEVEL : Irql);
    AcquireInStack(SpinLock, LockHandle);
}

// Releases a lock taken by KeAcquireInStackQueuedSpinLockForDpc, back to the IRQL it
// was called at. At the IRQL the acquire left.
extern "C" VOID FASTCALL KeReleaseInStackQueuedSpinLockForDpc(PKLOCK_QUEUE_HANDLE LockHandle)
{
    KeReleaseInStackQueuedSpinLock(LockHandle);
}

// Raises to SYNCH_LEVEL and takes the dispatcher lock; returns the previous IRQL.
// At or below SYNCH_LEVEL.
extern "C" KIRQL NTAPI KiAcquireDispatcherLock(VOID)
{
    return KeAcquireSpinLockRaiseToSynch(&KiDispatcherLock);
}

// Drops the dispatcher lock and leaves through KiExitDispatcher, which may switch
// to a thread made ready meanwhile. At SYNCH_LEVEL.
extern "C" VOID NTAPI KiReleaseDispatcherLock(KIRQL OldIrql)
{
    ReleaseRaw(&KiDispatcherLock);
    KiExitDispatcher(OldIrql);
}

// Takes / drops the dispatcher lock without an IRQL change. At SYNCH_LEVEL.
extern "C" VOID NTAPI KiAcquireDispatcherLockAtSynchLevel(VOID)
{
    AcquireRaw(&KiDispatcherLock);
}

extern "C" VOID NTAPI KiReleaseDispatcherLockFromSynchLevel(VOID)
{
    ReleaseRaw(&KiDispatcherLock);
}

// Takes / drops a processor's PRCB lock (ready queues, NextThread). At SYNCH_LEVEL.
extern "C" VOID NTAPI KiAcquirePrcbLock(PKPRCB Prcb)
{
    AcquireRaw(&Prcb->PrcbLock);
}

extern "C" VOID NTAPI KiReleasePrcbLock(PKPRCB Prcb)
{
    ReleaseRaw(&Prcb->PrcbLock);
}

// Takes / drops a thread's lock (priorities, affinity, quantum, adjust reason): after
// the dispatcher lock, before any PRCB lock. At SYNCH_LEVEL.
extern "C" VOID NTAPI KiAcquireThreadLock(PKTHREAD Thread)
{
    AcquireRaw(&Thread->ThreadLock);
}

extern "C" VOID NTAPI KiReleaseThreadLock(PKTHREAD Thread)
{
    ReleaseRaw(&Thread->ThreadLock);
}
