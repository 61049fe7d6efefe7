// gmutex.cpp - guarded mutexes: a non-recursive owned lock whose Count holds, from
// bit 0 up, "free", "a waiter was woken" and the number of waiters; the contended
// path waits on the mutex's gate. The safe forms hold the owner in a guarded region.
//
// Checks, as a checked NT build ASSERTs (KMODE_EXCEPTION_NOT_HANDLED, 0x80000003):
// recursion, release by a thread that is not the owner, a guarded region left
// unbalanced between acquire and release, and the unsafe forms below APC_LEVEL
// outside a guarded region. Above APC_LEVEL is IRQL_NOT_LESS_OR_EQUAL.
#include "ke.h"

namespace {

inline PKTHREAD KiGuardedMutexOwner(PKGUARDED_MUTEX GuardedMutex)
{
    return __atomic_load_n(&GuardedMutex->Owner, __ATOMIC_RELAXED);
}

inline void KiSetGuardedMutexOwner(PKGUARDED_MUTEX GuardedMutex, PKTHREAD Owner)
{
    __atomic_store_n(&GuardedMutex->Owner, Owner, __ATOMIC_RELAXED);
}

// Waits on the gate until the mutex can be taken: a waiter counts itself in while the
// mutex is held; once woken it takes the mutex and clears the woken bit, or, beaten
// to it, counts itself back in (the woken bit becomes one waiter). At or below
// APC_LEVEL, APCs held off.
void KiAcquireGuardedMutexContended(PKGUARDED_MUTEX GuardedMutex)
{
    __atomic_add_fetch(&GuardedMutex->Contention, 1, __ATOMIC_RELAXED);
    LONG BitsToRemove = GM_LOCK_BIT, BitsToAdd = GM_LOCK_WAITER_INC;
    for (;;) {
        LONG Old = __atomic_load_n(&GuardedMutex->Count, __ATOMIC_RELAXED);
        LONG New;
        do {
            if (Old & GM_LOCK_BIT) {
                ASSERT((BitsToRemove & ~GM_LOCK_BIT) == 0 || (Old & GM_LOCK_WAITER_WOKEN));
                New = Old & ~BitsToRemove;
            } else {
                New = Old + BitsToAdd;
            }
        } while (!__atomic_compare_exchange_n(&GuardedMutex->Count, &Old, New, 0, __ATOMIC_SEQ_CST,
                                              __ATOMIC_RELAXED));
        if (Old & GM_LOCK_BIT)
            return;
        KeWaitForGate(&GuardedMutex->Gate, WrGuardedMutex, KernelMode);
        BitsToRemove = GM_LOCK_BIT | GM_LOCK_WAITER_WOKEN;
        BitsToAdd = GM_LOCK_WAITER_WOKEN;
    }
}

// Takes the mutex for the current thread, waiting if it is held. At or below
// APC_LEVEL, APCs held off.
void KiAcquireGuardedMutex(PKGUARDED_MUTEX GuardedMutex, PKTHREAD Thread)
{
    ASSERT(KiGuardedMutexOwner(GuardedMutex) != Thread);
    if (!InterlockedBitTestAndReset(&GuardedMutex->Count, GM_LOCK_BIT_V))
        KiAcquireGuardedMutexContended(GuardedMutex);
    KiSetGuardedMutexOwner(GuardedMutex, Thread);
}

// Frees the mutex; if it has waiters and none is already woken, wakes one through the
// gate, taking it off the waiter count. At or below APC_LEVEL.
void KiReleaseGuardedMutex(PKGUARDED_MUTEX GuardedMutex, PKTHREAD Thread)
{
    ASSERT(KiGuardedMutexOwner(GuardedMutex) == Thread);
    KiSetGuardedMutexOwner(GuardedMutex, NULL);
    LONG Old = InterlockedExchangeAdd(&GuardedMutex->Count, GM_LOCK_BIT);
    ASSERT(!(Old & GM_LOCK_BIT));
    if (!Old || (Old & GM_LOCK_WAITER_WOKEN))
        return;
    Old |= GM_LOCK_BIT;
    LONG New = (Old | GM_LOCK_WAITER_WOKEN) - GM_LOCK_WAITER_INC;
    if (InterlockedCompareExchange(&GuardedMutex->Count, New, Old) == Old)
        KeSignalGateBoostPriority(&GuardedMutex->Gate);
}

// The unsafe forms' precondition: APC_LEVEL, or a guarded region (at any IRQL, as
// NT checks it: an uncontended acquire does not wait, a contended one above APC_LEVEL
// stops in the wait).
void KiCheckUnsafeGuardedMutexContext(PKTHREAD Thread)
{
    ASSERT(KiGetCurrentIrql() == APC_LEVEL || KiSpecialApcDisable(Thread) < 0);
}

} // namespace

// Initializes a guarded mutex, free and uncontended. At or below DISPATCH_LEVEL.
extern "C" VOID FASTCALL KeInitializeGuardedMutex(PKGUARDED_MUTEX GuardedMutex)
{
    GuardedMutex->Count = GM_LOCK_BIT;
    GuardedMutex->Owner = NULL;
    GuardedMutex->Contention = 0;
    KeInitializeGate(&GuardedMutex->Gate);
}

// Enters a guarded region and takes the mutex, waiting while another thread owns it;
// records the region depth for the release to check. At or below APC_LEVEL.
extern "C" VOID FASTCALL KeAcquireGuardedMutex(PKGUARDED_MUTEX GuardedMutex)
{
    KiCheckIrqlAtMost(APC_LEVEL, GuardedMutex, __builtin_return_address(0));
    PKTHREAD Thread = KiGetCurrentThread();
    KeEnterGuardedRegion();
    KiAcquireGuardedMutex(GuardedMutex, Thread);
    GuardedMutex->SpecialApcDisable = KiSpecialApcDisable(Thread);
}

// Releases the mutex the current thread took with KeAcquireGuardedMutex and leaves
// its guarded region. At or below APC_LEVEL.
extern "C" VOID FASTCALL KeReleaseGuardedMutex(PKGUARDED_MUTEX GuardedMutex)
{
    KiCheckIrqlAtMost(APC_LEVEL, GuardedMutex, __builtin_return_address(0));
    PKTHREAD Thread = KiGetCurrentThread();
    ASSERT(GuardedMutex->SpecialApcDisable == KiSpecialApcDisable(Thread));
    KiReleaseGuardedMutex(GuardedMutex, Thread);
    KeLeaveGuardedRegion();
}

// Takes the mutex without entering a guarded region, waiting while it is owned. At
// APC_LEVEL, or inside a guarded region (above APC_LEVEL only if it is free).
extern "C" VOID FASTCALL KeAcquireGuardedMutexUnsafe(PKGUARDED_MUTEX GuardedMutex)
{
    PKTHREAD Thread = KiGetCurrentThread();
    KiCheckUnsafeGuardedMutexContext(Thread);
    KiAcquireGuardedMutex(GuardedMutex, Thread);
}

// Releases a mutex taken with KeAcquireGuardedMutexUnsafe. At APC_LEVEL, or inside a
// guarded region.
extern "C" VOID FASTCALL KeReleaseGuardedMutexUnsafe(PKGUARDED_MUTEX GuardedMutex)
{
    PKTHREAD Thread = KiGetCurrentThread();
    KiCheckUnsafeGuardedMutexContext(Thread);
    KiReleaseGuardedMutex(GuardedMutex, Thread);
}

// Takes the mutex, inside a new guarded region, only if it is free now; FALSE (and no
// region) if it is owned. At or below APC_LEVEL.
extern "C" BOOLEAN FASTCALL KeTryToAcquireGuardedMutex(PKGUARDED_MUTEX GuardedMutex)
{
    KiCheckIrqlAtMost(APC_LEVEL, GuardedMutex, __builtin_return_address(0));
    PKTHREAD Thread = KiGetCurrentThread();
    KeEnterGuardedRegion();
    if (!InterlockedBitTestAndReset(&GuardedMutex->Count, GM_LOCK_BIT_V)) {
        KeLeaveGuardedRegion();
        return FALSE;
    }
    KiSetGuardedMutexOwner(GuardedMutex, Thread);
    GuardedMutex->SpecialApcDisable = KiSpecialApcDisable(Thread);
    return TRUE;
}

// Whether some thread owns the mutex now. Any IRQL.
extern "C" BOOLEAN FASTCALL KeIsGuardedMutexOwned(PKGUARDED_MUTEX GuardedMutex)
{
    return !(__atomic_load_n(&GuardedMutex->Count, __ATOMIC_RELAXED) & GM_LOCK_BIT);
}
