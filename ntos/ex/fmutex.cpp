// fmutex.cpp - fast mutexes, NT 5.2 style: Count is 1 when free and counts down one
// per acquirer, so -n means owned with n waiters; waiters sleep on the mutex's
// synchronization event, which the release sets with the lock-ownership boost.
//
// Checks, as a checked NT build ASSERTs (KMODE_EXCEPTION_NOT_HANDLED, 0x80000003):
// recursion, release by a thread that is not the owner, and the unsafe forms below
// APC_LEVEL outside a critical or guarded region. An IRQL above APC_LEVEL is
// IRQL_NOT_LESS_OR_EQUAL; ExReleaseFastMutex below APC_LEVEL is IRQL_NOT_GREATER_OR_EQUAL.
#include "ex.h"
#include "ke.h"

namespace {

// The unsafe forms' precondition: APC_LEVEL, or a critical or guarded region.
void ExpCheckUnsafeFastMutexContext(PFAST_MUTEX FastMutex, PVOID Caller)
{
    KiCheckIrqlAtMost(APC_LEVEL, FastMutex, Caller);
    ASSERT(KeGetCurrentIrql() == APC_LEVEL || KeAreApcsDisabled());
}

inline PKTHREAD ExpFastMutexOwner(PFAST_MUTEX FastMutex) { return __atomic_load_n(&FastMutex->Owner, __ATOMIC_RELAXED); }

inline void ExpSetFastMutexOwner(PFAST_MUTEX FastMutex, PKTHREAD Owner)
{
    __atomic_store_n(&FastMutex->Owner, Owner, __ATOMIC_RELAXED);
}

// Takes the mutex for the current thread, waiting on its event if another owns it.
// At APC_LEVEL or with APCs held off.
void ExpAcquireFastMutex(PFAST_MUTEX FastMutex, PKTHREAD Thread)
{
    ASSERT(ExpFastMutexOwner(FastMutex) != Thread);
    if (InterlockedDecrement(&FastMutex->Count) != 0) {
        __atomic_add_fetch(&FastMutex->Contention, 1, __ATOMIC_RELAXED);
        KeWaitForSingleObject(&FastMutex->Event, WrMutex, KernelMode, FALSE, NULL);
    }
    ExpSetFastMutexOwner(FastMutex, Thread);
}

// Frees the mutex, handing it to one waiter if any. At APC_LEVEL or with APCs held off.
void ExpReleaseFastMutex(PFAST_MUTEX FastMutex)
{
    ASSERT(ExpFastMutexOwner(FastMutex) == KeGetCurrentThread());
    ExpSetFastMutexOwner(FastMutex, NULL);
    if (InterlockedIncrement(&FastMutex->Count) != 1)
        KeSetEventBoostPriority(&FastMutex->Event, NULL);
}

} // namespace

// Raises to APC_LEVEL and takes the mutex, waiting while another thread owns it; the
// previous IRQL is kept in the mutex. At or below APC_LEVEL.
extern "C" VOID FASTCALL ExAcquireFastMutex(PFAST_MUTEX FastMutex)
{
    KiCheckIrqlAtMost(APC_LEVEL, FastMutex, __builtin_return_address(0));
    KIRQL OldIrql = KfRaiseIrql(APC_LEVEL);
    ExpAcquireFastMutex(FastMutex, KeGetCurrentThread());
    FastMutex->OldIrql = OldIrql;
}

// Releases a mutex taken with ExAcquireFastMutex and returns to the IRQL it was
// taken at. At APC_LEVEL.
extern "C" VOID FASTCALL ExReleaseFastMutex(PFAST_MUTEX FastMutex)
{
    KIRQL Irql = KeGetCurrentIrql();
    if (Irql != APC_LEVEL)
        KeBugCheckEx(Irql > APC_LEVEL ? IRQL_NOT_LESS_OR_EQUAL : IRQL_NOT_GREATER_OR_EQUAL,
                     reinterpret_cast<ULONG_PTR>(FastMutex), Irql, APC_LEVEL,
                     reinterpret_cast<ULONG_PTR>(__builtin_return_address(0)));
    KIRQL OldIrql = (KIRQL)FastMutex->OldIrql;
    ExpReleaseFastMutex(FastMutex);
    KeLowerIrql(OldIrql);
}

// Takes the mutex at APC_LEVEL only if it is free now; FALSE (IRQL unchanged) if it
// is owned. At or below APC_LEVEL.
extern "C" BOOLEAN FASTCALL ExTryToAcquireFastMutex(PFAST_MUTEX FastMutex)
{
    KiCheckIrqlAtMost(APC_LEVEL, FastMutex, __builtin_return_address(0));
    KIRQL OldIrql = KfRaiseIrql(APC_LEVEL);
    if (InterlockedCompareExchange(&FastMutex->Count, 0, 1) != 1) {
        KeLowerIrql(OldIrql);
        return FALSE;
    }
    ExpSetFastMutexOwner(FastMutex, KeGetCurrentThread());
    FastMutex->OldIrql = OldIrql;
    return TRUE;
}

// Takes the mutex without changing IRQL, waiting while it is owned. At APC_LEVEL, or
// below it in a critical or guarded region.
extern "C" VOID FASTCALL ExAcquireFastMutexUnsafe(PFAST_MUTEX FastMutex)
{
    ExpCheckUnsafeFastMutexContext(FastMutex, __builtin_return_address(0));
    ExpAcquireFastMutex(FastMutex, KeGetCurrentThread());
}

// Releases a mutex taken with ExAcquireFastMutexUnsafe. At APC_LEVEL, or below it in
// a critical or guarded region.
extern "C" VOID FASTCALL ExReleaseFastMutexUnsafe(PFAST_MUTEX FastMutex)
{
    ExpCheckUnsafeFastMutexContext(FastMutex, __builtin_return_address(0));
    ExpReleaseFastMutex(FastMutex);
}

// Enters a critical region and takes the mutex there, waiting while it is owned. At
// or below APC_LEVEL.
extern "C" VOID FASTCALL ExEnterCriticalRegionAndAcquireFastMutexUnsafe(PFAST_MUTEX FastMutex)
{
    KeEnterCriticalRegion();
    ExAcquireFastMutexUnsafe(FastMutex);
}

// Releases a mutex taken with ExEnterCriticalRegionAndAcquireFastMutexUnsafe and
// leaves the critical region. At or below APC_LEVEL.
extern "C" VOID FASTCALL ExReleaseFastMutexUnsafeAndLeaveCriticalRegion(PFAST_MUTEX FastMutex)
{
    ExReleaseFastMutexUnsafe(FastMutex);
    KeLeaveCriticalRegion();
}
