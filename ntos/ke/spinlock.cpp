// spinlock.cpp - executive spin locks and the dispatcher / PRCB locks. A held lock
// records the processor that owns it (the running thread may change under a PRCB
// lock), so recursion and foreign release bugcheck with SPIN_LOCK_ALREADY_OWNED /
// SPIN_LOCK_NOT_OWNED, as checked builds do.
#include "ke.h"

KSPIN_LOCK KiDispatcherLock;

namespace {

inline KSPIN_LOCK OwnerValue()
{
    return reinterpret_cast<KSPIN_LOCK>(KeGetCurrentPrcb()) | 1;
}

inline void AcquireRaw(PKSPIN_LOCK SpinLock)
{
    KSPIN_LOCK Owner = OwnerValue();
    for (;;) {
        KSPIN_LOCK Expected = 0;
        if (__atomic_compare_exchange_n(SpinLock, &Expected, Owner, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
        if (Expected == Owner)
            KeBugCheckEx(SPIN_LOCK_ALREADY_OWNED, reinterpret_cast<ULONG_PTR>(SpinLock), 0, 0, 0);
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

// TRUE if the lock is free right now (a hint for spin-then-acquire). Any IRQL.
extern "C" BOOLEAN FASTCALL KeTestSpinLock(PKSPIN_LOCK SpinLock)
{
    if (__atomic_load_n(SpinLock, __ATOMIC_RELAXED) == 0)
        return TRUE;
    KeYieldProcessor();
    return FALSE;
}

// One attempt to acquire; TRUE if it is now held. At or above DISPATCH_LEVEL.
extern "C" BOOLEAN NTAPI KiTryToAcquireSpinLock(PKSPIN_LOCK SpinLock)
{
    KSPIN_LOCK Expected = 0;
    return __atomic_compare_exchange_n(SpinLock, &Expected, OwnerValue(), false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

// Raises to SYNCH_LEVEL and takes the dispatcher lock; returns the previous IRQL.
// At or below SYNCH_LEVEL.
extern "C" KIRQL NTAPI KiAcquireDispatcherLock(VOID)
{
    KIRQL OldIrql = KeRaiseIrqlToSynchLevel();
    AcquireRaw(&KiDispatcherLock);
    return OldIrql;
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
