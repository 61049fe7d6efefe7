/* internal/ex.h - executive support: pool, initialization, the host entry API. */
#ifndef _INTERNAL_EX_H
#define _INTERNAL_EX_H

#include "ntddk.h"
#include "ndk/extypes.h"
#include "ndk/obtypes.h"

NT_EXTERN_C_BEGIN

extern volatile LONG ExpBootComplete;

/* The version the kernel reports (ex/init.c's globals): Windows Server 2003. */
#define NtMajorVersion 5
#define NtMinorVersion 2
#define NtBuildNumber 3790

/* pool.cpp */
VOID NTAPI ExpInitializePoolTracker(VOID);
/* Prints every tag with outstanding allocations; returns how many blocks leaked. */
ULONG NTAPI ExpReportPoolLeaks(VOID);
BOOLEAN NTAPI ExpQueryPoolTagUsage(ULONG Index, PULONG Tag, PLONG64 Allocs, PLONG64 Frees, PLONG64 Bytes);
ULONG NTAPI ExpOutstandingPoolBlocks(VOID);
/* Fault injection: after the next Successes allocations, Failures in a row fail. */
VOID NTAPI ExpInjectPoolFailures(ULONG64 Successes, ULONG64 Failures);
NTSTATUS NTAPI ExpCopyToCaller(PVOID Destination, const VOID *Source, SIZE_T Length);
/* exintrin.cpp: a user-mode caller's buffer probed and captured, the fault's status returned */
NTSTATUS NTAPI ExpCaptureUserBuffer(PVOID Safe, const VOID *User, SIZE_T Length, ULONG Alignment);
/* error.cpp: the probes and copies of a service's caller buffers (user-mode callers'
 * are probed; faults become the returned status). */
NTSTATUS NTAPI ExpProbeForWriteCaller(PVOID Destination, SIZE_T Length, ULONG Alignment);
NTSTATUS NTAPI ExpCaptureFromCaller(PVOID Destination, const VOID *Source, SIZE_T Length, ULONG Alignment);
NTSTATUS NTAPI ExpReturnInformation(PVOID Buffer, ULONG BufferLength, const VOID *Information, ULONG Length,
                                    PULONG ReturnLength);

/* handle.cpp: handle tables. A table has up to three levels: pages of
 * LOW_LEVEL_ENTRIES entries, pages of MID_LEVEL_ENTRIES pointers to those, and one
 * array of HIGH_LEVEL_ENTRIES pointers to the mid-level pages (2^24 handles). Entry 0
 * of each low-level page is reserved, so no handle value is a multiple of
 * LOW_LEVEL_ENTRIES * HANDLE_VALUE_INC (handle 0 in particular).
 * Callback contracts (all run with the entry locked):
 *  - enumerate / change: the routine returns, the caller of the callback unlocks;
 *  - sweep: the routine owns the lock and must unlock the entry or destroy it
 *    (ExDestroyHandle with the entry);
 *  - duplicate: the routine must unlock the old entry (HandleTableEntry) on every
 *    path; NewEntry is a copy it may edit, kept if it returns TRUE;
 *  - destroy-table: nothing to release, the table's memory goes afterwards. */
#define LOW_LEVEL_ENTRIES (PAGE_SIZE / sizeof(HANDLE_TABLE_ENTRY))
#define MID_LEVEL_ENTRIES (PAGE_SIZE / sizeof(PHANDLE_TABLE_ENTRY))
#define MAX_MID_INDEX (MID_LEVEL_ENTRIES * LOW_LEVEL_ENTRIES)
#define MAX_HANDLE_TABLE_ENTRIES (1UL << 24)
#define HIGH_LEVEL_ENTRIES (MAX_HANDLE_TABLE_ENTRIES / MAX_MID_INDEX)

typedef BOOLEAN(NTAPI *PEX_ENUM_HANDLE_CALLBACK)(PHANDLE_TABLE_ENTRY HandleTableEntry, HANDLE Handle,
                                                 PVOID Context);
typedef VOID(NTAPI *PEX_SWEEP_HANDLE_CALLBACK)(PHANDLE_TABLE_ENTRY HandleTableEntry, HANDLE Handle, PVOID Context);
typedef BOOLEAN(NTAPI *PEX_DUPLICATE_HANDLE_CALLBACK)(struct _EPROCESS *Process, PHANDLE_TABLE HandleTable,
                                                      PHANDLE_TABLE_ENTRY HandleTableEntry,
                                                      PHANDLE_TABLE_ENTRY NewEntry);
typedef BOOLEAN(NTAPI *PEX_CHANGE_HANDLE_CALLBACK)(PHANDLE_TABLE_ENTRY HandleTableEntry, ULONG_PTR Context);
typedef VOID(NTAPI *PEX_DESTROY_HANDLE_CALLBACK)(PHANDLE_TABLE_ENTRY HandleTableEntry, HANDLE Handle);

extern LIST_ENTRY HandleTableListHead;
extern EX_PUSH_LOCK HandleTableListLock;
VOID NTAPI ExpInitializeHandleTables(VOID);
PHANDLE_TABLE NTAPI ExCreateHandleTable(struct _EPROCESS *Process);
VOID NTAPI ExDestroyHandleTable(PHANDLE_TABLE HandleTable, PEX_DESTROY_HANDLE_CALLBACK DestroyHandleProcedure);
VOID NTAPI ExRemoveHandleTable(PHANDLE_TABLE HandleTable);
VOID NTAPI ExSetHandleTableStrictFIFO(PHANDLE_TABLE HandleTable);
HANDLE NTAPI ExCreateHandle(PHANDLE_TABLE HandleTable, PHANDLE_TABLE_ENTRY HandleTableEntry);
BOOLEAN NTAPI ExDestroyHandle(PHANDLE_TABLE HandleTable, HANDLE Handle, PHANDLE_TABLE_ENTRY HandleTableEntry);
PHANDLE_TABLE_ENTRY NTAPI ExMapHandleToPointer(PHANDLE_TABLE HandleTable, HANDLE Handle);
VOID NTAPI ExUnlockHandleTableEntry(PHANDLE_TABLE HandleTable, PHANDLE_TABLE_ENTRY HandleTableEntry);
BOOLEAN NTAPI ExpLockHandleTableEntry(PHANDLE_TABLE HandleTable, PHANDLE_TABLE_ENTRY HandleTableEntry);
PHANDLE_TABLE_ENTRY NTAPI ExpLookupHandleTableEntry(PHANDLE_TABLE HandleTable, EXHANDLE Handle);
BOOLEAN NTAPI ExEnumHandleTable(PHANDLE_TABLE HandleTable, PEX_ENUM_HANDLE_CALLBACK EnumHandleProcedure,
                                PVOID Context, PHANDLE EnumHandle);
VOID NTAPI ExSweepHandleTable(PHANDLE_TABLE HandleTable, PEX_SWEEP_HANDLE_CALLBACK EnumHandleProcedure,
                              PVOID Context);
PHANDLE_TABLE NTAPI ExDupHandleTable(struct _EPROCESS *Process, PHANDLE_TABLE HandleTable,
                                     PEX_DUPLICATE_HANDLE_CALLBACK DupHandleProcedure, ULONG_PTR Mask);
BOOLEAN NTAPI ExChangeHandle(PHANDLE_TABLE HandleTable, HANDLE Handle, PEX_CHANGE_HANDLE_CALLBACK ChangeRoutine,
                             ULONG_PTR Context);

/* lookas.cpp: every lookaside list, on one of two global lists */
extern LIST_ENTRY ExNPagedLookasideListHead;
extern KSPIN_LOCK ExNPagedLookasideLock;
extern LIST_ENTRY ExPagedLookasideListHead;
extern KSPIN_LOCK ExPagedLookasideLock;
VOID NTAPI ExpInitLookasideLists(VOID);
VOID NTAPI ExAdjustLookasideDepth(VOID);

/* resource.cpp */
extern LIST_ENTRY ExpSystemResourcesList;
extern KSPIN_LOCK ExpResourceSpinLock;
extern BOOLEAN ExResourceStrict;
VOID NTAPI ExpResourceInitialization(VOID);

/* work.cpp: the system worker threads */
extern EX_WORK_QUEUE ExWorkerQueue[MaximumWorkQueue];
VOID NTAPI ExpInitializeWorkQueues(VOID);
VOID NTAPI ExpInitializeWorkerThreads(VOID);
VOID NTAPI ExpShutdownWorkerThreads(VOID);

/* exobject.cpp: the shared halves of the executive's object services */
NTSTATUS NTAPI ExpCreateObjectType(PCWSTR TypeName, PGENERIC_MAPPING Mapping, ACCESS_MASK ValidAccess, ULONG BodySize,
                                   OB_DELETE_METHOD DeleteProcedure, POBJECT_TYPE *Type);
NTSTATUS NTAPI ExpCreateObject(POBJECT_TYPE Type, POBJECT_ATTRIBUTES ObjectAttributes, ULONG BodySize, PHANDLE Handle,
                               PVOID *Object);
NTSTATUS NTAPI ExpInsertObject(PVOID Object, ACCESS_MASK DesiredAccess, PHANDLE Handle);
NTSTATUS NTAPI ExpOpenObject(POBJECT_TYPE Type, POBJECT_ATTRIBUTES ObjectAttributes, ACCESS_MASK DesiredAccess,
                             PHANDLE Handle);

/* event.cpp, sem.cpp, mutant.cpp, timer.cpp: the executive's object types, created in
 * phase 1 (ExpInitSystemPhase1) once the object manager is up. */
extern POBJECT_TYPE ExpEventObjectType, ExpSemaphoreObjectType, ExMutantObjectType, ExTimerType;
NTSTATUS NTAPI ExpInitializeEventImplementation(VOID);
NTSTATUS NTAPI ExpInitializeSemaphoreImplementation(VOID);
NTSTATUS NTAPI ExpInitializeMutantImplementation(VOID);
NTSTATUS NTAPI ExpInitializeTimerImplementation(VOID);
/* Releases with the raise of a bad release caught and returned (Wait as Ke's). */
NTSTATUS NTAPI ExpReleaseSemaphore(PKSEMAPHORE Semaphore, LONG Count, BOOLEAN Wait, PLONG Previous);
NTSTATUS NTAPI ExpReleaseMutant(PKMUTANT Mutant, BOOLEAN Wait, PLONG Previous);
/* Cancels the current thread's timers that have an APC for it; at thread exit. */
VOID NTAPI ExTimerRundown(VOID);

/* init.cpp */
VOID NTAPI ExpInitializeExecutive(ULONG Cpu);
VOID NTAPI Phase1Initialization(PVOID Context);
extern struct _ETHREAD ExpHostThread;

/* nthost.cpp: requests from host threads, served by the host request thread */
typedef enum _EXP_HOST_REQUEST_TYPE { ExpHostRunSystemThread, ExpHostShutdown } EXP_HOST_REQUEST_TYPE;

typedef struct _EXP_HOST_REQUEST {
    SINGLE_LIST_ENTRY Link;
    EXP_HOST_REQUEST_TYPE Type;
    PKSTART_ROUTINE StartRoutine;
    PVOID StartContext;
    NTSTATUS Status;
    NTSTATUS ExitStatus;
    volatile LONG Done;
} EXP_HOST_REQUEST, *PEXP_HOST_REQUEST;

DECLSPEC_NORETURN VOID NTAPI ExpHostRequestLoop(VOID);

/* pushlock.cpp: push locks. Callers are in a critical region or at APC_LEVEL (at or
 * below APC_LEVEL); the inline forms below are the uncontended paths. */
VOID FASTCALL ExfAcquirePushLockExclusive(PEX_PUSH_LOCK PushLock);
VOID FASTCALL ExfAcquirePushLockShared(PEX_PUSH_LOCK PushLock);
VOID FASTCALL ExfReleasePushLock(PEX_PUSH_LOCK PushLock);
VOID FASTCALL ExfReleasePushLockExclusive(PEX_PUSH_LOCK PushLock);
VOID FASTCALL ExfReleasePushLockShared(PEX_PUSH_LOCK PushLock);
VOID FASTCALL ExfWakePushLock(PEX_PUSH_LOCK PushLock, EX_PUSH_LOCK OldValue);
VOID FASTCALL ExfTryToWakePushLock(PEX_PUSH_LOCK PushLock);
VOID FASTCALL ExfUnblockPushLock(PEX_PUSH_LOCK PushLock, PVOID CurrentWaitBlock);
VOID FASTCALL ExBlockPushLock(PEX_PUSH_LOCK PushLock, PVOID WaitBlock);
VOID FASTCALL ExWaitForUnblockPushLock(PEX_PUSH_LOCK PushLock, PVOID WaitBlock);

/* The push lock word, read and exchanged whole. */
FORCEINLINE ULONG_PTR ExpReadPushLock(PEX_PUSH_LOCK PushLock)
{
    return __atomic_load_n(&PushLock->Value, __ATOMIC_ACQUIRE);
}
/* Replaces the push lock word if it still holds *Expected; else loads the current word into *Expected. */
FORCEINLINE BOOLEAN ExpCompareExchangePushLock(PEX_PUSH_LOCK PushLock, ULONG_PTR *Expected, ULONG_PTR Value)
{
    return __atomic_compare_exchange_n(&PushLock->Value, Expected, Value, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/* Makes a push lock free with no waiters. Any IRQL. */
FORCEINLINE VOID ExInitializePushLock(PEX_PUSH_LOCK PushLock)
{
    __atomic_store_n(&PushLock->Value, 0, __ATOMIC_RELEASE);
}
/* Takes a push lock exclusively, waiting if it is held. At or below APC_LEVEL. */
FORCEINLINE VOID ExAcquirePushLockExclusive(PEX_PUSH_LOCK PushLock)
{
    if (__atomic_fetch_or(&PushLock->Value, (ULONG_PTR)EX_PUSH_LOCK_LOCK, __ATOMIC_SEQ_CST) & EX_PUSH_LOCK_LOCK)
        ExfAcquirePushLockExclusive(PushLock);
}
/* Takes a free push lock exclusively; FALSE if it is held. At or below APC_LEVEL. */
FORCEINLINE BOOLEAN ExTryToAcquirePushLockExclusive(PEX_PUSH_LOCK PushLock)
{
    return !(__atomic_fetch_or(&PushLock->Value, (ULONG_PTR)EX_PUSH_LOCK_LOCK, __ATOMIC_SEQ_CST) & EX_PUSH_LOCK_LOCK);
}
/* Takes a push lock shared, waiting while it is held exclusively or has waiters. At or
 * below APC_LEVEL. */
FORCEINLINE VOID ExAcquirePushLockShared(PEX_PUSH_LOCK PushLock)
{
    ULONG_PTR Free = 0;
    if (!ExpCompareExchangePushLock(PushLock, &Free, EX_PUSH_LOCK_SHARE_INC | EX_PUSH_LOCK_LOCK))
        ExfAcquirePushLockShared(PushLock);
}
/* Turns the caller's sole shared hold into an exclusive one; FALSE (still shared) if
 * others share it or wait. At or below APC_LEVEL. */
FORCEINLINE BOOLEAN ExConvertPushLockSharedToExclusive(PEX_PUSH_LOCK PushLock)
{
    ULONG_PTR SoleShared = EX_PUSH_LOCK_SHARE_INC | EX_PUSH_LOCK_LOCK;
    return ExpCompareExchangePushLock(PushLock, &SoleShared, EX_PUSH_LOCK_LOCK);
}
/* Drops an exclusive hold and wakes the waiters if nobody is waking them yet. At or
 * below APC_LEVEL. */
FORCEINLINE VOID ExReleasePushLockExclusive(PEX_PUSH_LOCK PushLock)
{
    ULONG_PTR Old = __atomic_fetch_sub(&PushLock->Value, (ULONG_PTR)EX_PUSH_LOCK_LOCK, __ATOMIC_SEQ_CST);
    ASSERT(Old & EX_PUSH_LOCK_LOCK);
    ASSERT((Old & EX_PUSH_LOCK_WAITING) || !(Old & ~(ULONG_PTR)EX_PUSH_LOCK_PTR_BITS));
    if ((Old & (EX_PUSH_LOCK_WAITING | EX_PUSH_LOCK_WAKING)) == EX_PUSH_LOCK_WAITING)
        ExfTryToWakePushLock(PushLock);
}
/* Waits until nobody holds a push lock that is held now (an exclusive acquire and
 * release); returns at once if it is free. At or below APC_LEVEL. */
FORCEINLINE VOID ExWaitOnPushLock(PEX_PUSH_LOCK PushLock)
{
    if (__atomic_load_n(&PushLock->Value, __ATOMIC_SEQ_CST) & EX_PUSH_LOCK_LOCK) {
        ExAcquirePushLockExclusive(PushLock);
        ExReleasePushLockExclusive(PushLock);
    }
}
/* Drops one shared hold; the last one with waiters wakes them. At or below APC_LEVEL. */
FORCEINLINE VOID ExReleasePushLockShared(PEX_PUSH_LOCK PushLock)
{
    ULONG_PTR SoleShared = EX_PUSH_LOCK_SHARE_INC | EX_PUSH_LOCK_LOCK;
    if (!ExpCompareExchangePushLock(PushLock, &SoleShared, 0))
        ExfReleasePushLockShared(PushLock);
}
/* Drops a hold of either kind. At or below APC_LEVEL. */
FORCEINLINE VOID ExReleasePushLock(PEX_PUSH_LOCK PushLock)
{
    ULONG_PTR Old = ExpReadPushLock(PushLock);
    ASSERT(Old & EX_PUSH_LOCK_LOCK);
    ULONG_PTR New = (Old >> 4) > 1 ? Old - EX_PUSH_LOCK_SHARE_INC : 0;
    if ((Old & EX_PUSH_LOCK_WAITING) || !ExpCompareExchangePushLock(PushLock, &Old, New))
        ExfReleasePushLock(PushLock);
}

/* ---- EX_FAST_REF ----
 * A pointer whose low bits (RefCnt) cache references already taken on the object it
 * points to: ExAcquireFastReference takes one of them without touching the object,
 * ExReleaseFastReference gives one back. The owner of the field holds the object's
 * base reference plus one for each cached count; ObFastReferenceObject and friends
 * (ob/obref.cpp) refill the cache and fall back to a locked slow path when it is
 * empty. Objects must be aligned so that the count bits are clear. */
#define MAX_FAST_REFS 15

/* Sets a fast reference to Object with a full cache (the caller took MAX_FAST_REFS
 * references for it), or to NULL. Any IRQL. */
FORCEINLINE VOID ExInitializeFastReference(PEX_FAST_REF FastRef, PVOID Object)
{
    ASSERT(!((ULONG_PTR)Object & MAX_FAST_REFS));
    __atomic_store_n(&FastRef->Value, Object ? (ULONG_PTR)Object | MAX_FAST_REFS : 0, __ATOMIC_RELEASE);
}
/* The object a fast reference value points to. Any IRQL. */
FORCEINLINE PVOID ExGetObjectFastReference(EX_FAST_REF FastRef)
{
    return (PVOID)(FastRef.Value & ~(ULONG_PTR)MAX_FAST_REFS);
}
/* How many cached references a fast reference value holds. Any IRQL. */
FORCEINLINE ULONG ExGetCountFastReference(EX_FAST_REF FastRef)
{
    return (ULONG)(FastRef.Value & MAX_FAST_REFS);
}
/* Takes one cached reference if there is one; returns the value seen before (its count
 * is 0 when nothing was taken: the caller must use a slow path). Any IRQL. */
FORCEINLINE EX_FAST_REF ExAcquireFastReference(PEX_FAST_REF FastRef)
{
    EX_FAST_REF Old;
    Old.Value = __atomic_load_n(&FastRef->Value, __ATOMIC_ACQUIRE);
    while (Old.Value & MAX_FAST_REFS) {
        if (__atomic_compare_exchange_n(&FastRef->Value, &Old.Value, Old.Value - 1, 0, __ATOMIC_SEQ_CST,
                                        __ATOMIC_ACQUIRE))
            break;
    }
    return Old;
}
/* Gives MAX_FAST_REFS references to the cache if it still points to Object and is
 * empty; FALSE (the caller keeps them) otherwise. Any IRQL. */
FORCEINLINE BOOLEAN ExInsertFastReference(PEX_FAST_REF FastRef, PVOID Object)
{
    ULONG_PTR Old = __atomic_load_n(&FastRef->Value, __ATOMIC_ACQUIRE);
    ASSERT(!((ULONG_PTR)Object & MAX_FAST_REFS));
    for (;;) {
        if ((Old & ~(ULONG_PTR)MAX_FAST_REFS) != (ULONG_PTR)Object || (Old & MAX_FAST_REFS))
            return FALSE;
        if (__atomic_compare_exchange_n(&FastRef->Value, &Old, Old + MAX_FAST_REFS, 0, __ATOMIC_SEQ_CST,
                                        __ATOMIC_ACQUIRE))
            return TRUE;
    }
}
/* Returns one reference on Object to the cache if it still points to Object and has
 * room; FALSE (the caller dereferences the object itself) otherwise. Any IRQL. */
FORCEINLINE BOOLEAN ExReleaseFastReference(PEX_FAST_REF FastRef, PVOID Object)
{
    ULONG_PTR Old = __atomic_load_n(&FastRef->Value, __ATOMIC_ACQUIRE);
    for (;;) {
        if ((Old & ~(ULONG_PTR)MAX_FAST_REFS) != (ULONG_PTR)Object || (Old & MAX_FAST_REFS) == MAX_FAST_REFS)
            return FALSE;
        if (__atomic_compare_exchange_n(&FastRef->Value, &Old, Old + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
            return TRUE;
    }
}
/* Points a fast reference at Object with a full cache (or at NULL); returns the old
 * value, whose cached references now belong to the caller. Any IRQL. */
FORCEINLINE EX_FAST_REF ExSwapFastReference(PEX_FAST_REF FastRef, PVOID Object)
{
    EX_FAST_REF Old;
    ASSERT(!((ULONG_PTR)Object & MAX_FAST_REFS));
    Old.Value = __atomic_exchange_n(&FastRef->Value, Object ? (ULONG_PTR)Object | MAX_FAST_REFS : 0,
                                    __ATOMIC_SEQ_CST);
    return Old;
}
/* Like ExSwapFastReference, but only while the fast reference still points to
 * OldObject; returns the value seen (compare its object with OldObject to know). Any
 * IRQL. */
FORCEINLINE EX_FAST_REF ExCompareSwapFastReference(PEX_FAST_REF FastRef, PVOID NewObject, PVOID OldObject)
{
    EX_FAST_REF Old;
    ULONG_PTR New = NewObject ? (ULONG_PTR)NewObject | MAX_FAST_REFS : 0;
    Old.Value = __atomic_load_n(&FastRef->Value, __ATOMIC_ACQUIRE);
    while ((Old.Value & ~(ULONG_PTR)MAX_FAST_REFS) == (ULONG_PTR)OldObject) {
        if (__atomic_compare_exchange_n(&FastRef->Value, &Old.Value, New, 0, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
            break;
    }
    return Old;
}
/* ---- end of EX_FAST_REF ---- */

/* se/luid.cpp: a locally unique identifier, from 1000 up (the numbers below are the
 * system's reserved logon sessions). Any IRQL. */
VOID NTAPI ExAllocateLocallyUniqueId(PLUID LocallyUniqueId);

/* callback.cpp: EX_CALLBACK slots (a routine block behind a fast reference, kept
 * alive by rundown protection). ExpCallBackFlush is held shared by a reference taken
 * on the slow path; a swap waits on it before it drops the old block's references. */
extern EX_PUSH_LOCK ExpCallBackFlush;
VOID NTAPI ExInitializeCallBack(PEX_CALLBACK CallBack);
PEX_CALLBACK_ROUTINE_BLOCK NTAPI ExAllocateCallBack(PEX_CALLBACK_FUNCTION Function, PVOID Context);
VOID NTAPI ExFreeCallBack(PEX_CALLBACK_ROUTINE_BLOCK CallbackBlock);
PEX_CALLBACK_ROUTINE_BLOCK NTAPI ExReferenceCallBackBlock(PEX_CALLBACK CallBack);
VOID NTAPI ExDereferenceCallBackBlock(PEX_CALLBACK CallBack, PEX_CALLBACK_ROUTINE_BLOCK CallbackBlock);
PEX_CALLBACK_FUNCTION NTAPI ExGetCallBackBlockRoutine(PEX_CALLBACK_ROUTINE_BLOCK CallbackBlock);
PVOID NTAPI ExGetCallBackBlockContext(PEX_CALLBACK_ROUTINE_BLOCK CallbackBlock);
BOOLEAN NTAPI ExCompareExchangeCallBack(PEX_CALLBACK CallBack, PEX_CALLBACK_ROUTINE_BLOCK NewBlock,
                                        PEX_CALLBACK_ROUTINE_BLOCK OldBlock);
VOID NTAPI ExWaitForCallBacks(PEX_CALLBACK_ROUTINE_BLOCK CallbackBlock);

NT_EXTERN_C_END

#endif /* _INTERNAL_EX_H */
