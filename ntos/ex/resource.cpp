// resource.cpp - executive resources (ERESOURCE): reader/writer locks a thread may
// take recursively, shared or exclusive. NT 5.2's layout: OwnerThreads[0] holds the
// exclusive owner, OwnerThreads[1] and a pool table that grows on demand hold shared
// owners; shared waiters sleep on a semaphore and exclusive waiters on a
// synchronization event, both allocated at the first contention. A releaser hands
// the resource over (ActiveCount and the entries are set for the waiters it wakes).
// Omitted: the owner priority boost and the deadlock-timeout diagnostics of
// ExpWaitForResource (waiters wait without a timeout).
#include "ke.h"
#include "ex.h"

#define TAG_RESOURCE_TABLE 'aTeR'
#define TAG_RESOURCE_EVENT 'vEeR'
#define TAG_RESOURCE_SEMAPHORE 'mSeR'

LIST_ENTRY ExpSystemResourcesList;
KSPIN_LOCK ExpResourceSpinLock;
BOOLEAN ExResourceStrict = TRUE;

namespace {

constexpr ULONG kInitialTableSize = 3; // entries, [0] holding the size
constexpr ULONG kTableGrowth = 4;
constexpr ULONG kSystemThreadBit = 0x10; // ETHREAD CrossThreadFlags.SystemThread
constexpr ERESOURCE_THREAD kHandOffOwner = 1; // OwnerThreads[0] until a woken exclusive waiter runs

enum EXP_SHARED_POLICY { ExpSharedNormal, ExpSharedStarveExclusive, ExpSharedWaitForExclusive };

// Whether the resource is held exclusive (by OwnerThreads[0]). With the resource lock
// held.
inline bool ExpIsOwnedExclusive(PERESOURCE Resource) { return (Resource->Flag & ResourceOwnedExclusive) != 0; }

// Bugchecks IRQL_NOT_LESS_OR_EQUAL when the caller runs above Maximum. Any IRQL.
__attribute__((always_inline)) inline void ExpCheckIrql(PVOID Object, KIRQL Maximum)
{
    KIRQL Irql = KeGetCurrentIrql();
    if (Irql > Maximum)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, reinterpret_cast<ULONG_PTR>(Object), Irql, 0,
                     reinterpret_cast<ULONG_PTR>(__builtin_return_address(0)));
}

// A thread that is not a system thread must hold normal kernel APCs off (a critical
// region, or APC_LEVEL) around a resource; with ExResourceStrict NT's checked kernel
// breaks in, which without a debugger is a 0x1E breakpoint. Below DISPATCH_LEVEL.
void ExpCheckForApcsDisabled(PKTHREAD Thread)
{
    PETHREAD EThread = CONTAINING_RECORD(Thread, ETHREAD, Tcb);
    bool Exempt = !ExResourceStrict || KeGetCurrentIrql() >= APC_LEVEL ||
                  (__atomic_load_n(&EThread->CrossThreadFlags, __ATOMIC_RELAXED) & kSystemThreadBit);
    ASSERTMSG("EX: resource: APCs still enabled before resource acquire",
              Exempt || __atomic_load_n(&Thread->CombinedApcDisable, __ATOMIC_RELAXED) != 0);
}

// Allocates nonpaged pool, retrying every 10 ms while the host has none. Below
// DISPATCH_LEVEL.
PVOID ExpAllocateResourcePool(SIZE_T Size, ULONG Tag)
{
    for (;;) {
        if (PVOID Block = ExAllocatePoolWithTag(NonPagedPool, Size, Tag))
            return Block;
        LARGE_INTEGER Delay;
        Delay.QuadPart = -10 * 10000;
        KeDelayExecutionThread(KernelMode, FALSE, &Delay);
    }
}

// Gives the resource its shared-waiter semaphore (Shared) or exclusive-waiter event,
// allocated with the resource lock dropped; if another thread installed one meanwhile
// ours is freed. Entered and left with the resource lock held, below DISPATCH_LEVEL.
void ExpAllocateWaitObject(PERESOURCE Resource, PKLOCK_QUEUE_HANDLE LockHandle, bool Shared)
{
    KeReleaseInStackQueuedSpinLock(LockHandle);
    ULONG Tag = Shared ? TAG_RESOURCE_SEMAPHORE : TAG_RESOURCE_EVENT;
    PVOID Object = ExpAllocateResourcePool(Shared ? sizeof(KSEMAPHORE) : sizeof(KEVENT), Tag);
    if (Shared)
        KeInitializeSemaphore(static_cast<PKSEMAPHORE>(Object), 0, MAXLONG);
    else
        KeInitializeEvent(static_cast<PKEVENT>(Object), SynchronizationEvent, FALSE);
    KeAcquireInStackQueuedSpinLock(&Resource->SpinLock, LockHandle);
    PVOID *Field = Shared ? reinterpret_cast<PVOID *>(const_cast<PKSEMAPHORE *>(&Resource->SharedWaiters))
                          : reinterpret_cast<PVOID *>(const_cast<PKEVENT *>(&Resource->ExclusiveWaiters));
    if (*Field)
        ExFreePoolWithTag(Object, Tag);
    else
        *Field = Object;
}

// Grows the owner table (3 entries first, then 4 more each time), allocated with the
// resource lock dropped; if the table changed meanwhile ours is freed. Entered and
// left with the resource lock held, below DISPATCH_LEVEL.
void ExpExpandResourceOwnerTable(PERESOURCE Resource, PKLOCK_QUEUE_HANDLE LockHandle)
{
    POWNER_ENTRY Old = Resource->OwnerTable;
    ULONG OldSize = Old ? Old->TableSize : 0;
    ULONG NewSize = Old ? OldSize + kTableGrowth : kInitialTableSize;
    KeReleaseInStackQueuedSpinLock(LockHandle);
    auto *Table = static_cast<POWNER_ENTRY>(ExpAllocateResourcePool(NewSize * sizeof(OWNER_ENTRY), TAG_RESOURCE_TABLE));
    RtlZeroMemory(Table, NewSize * sizeof(OWNER_ENTRY));
    KeAcquireInStackQueuedSpinLock(&Resource->SpinLock, LockHandle);
    if (Resource->OwnerTable != Old || (Old && Old->TableSize != OldSize)) {
        ExFreePoolWithTag(Table, TAG_RESOURCE_TABLE);
        return;
    }
    if (Old)
        RtlCopyMemory(Table, Old, OldSize * sizeof(OWNER_ENTRY));
    Table->TableSize = NewSize;
    Resource->OwnerTable = Table;
    if (Old)
        ExFreePoolWithTag(Old, TAG_RESOURCE_TABLE);
}

// The owner entry Thread holds, or NULL: OwnerThreads[0] and [1], then the table (the
// current thread's ResourceIndex hint first). With the resource lock held.
POWNER_ENTRY ExpFindEntryForThread(PERESOURCE Resource, ERESOURCE_THREAD Thread)
{
    if (!Thread)
        return NULL;
    for (POWNER_ENTRY Entry = Resource->OwnerThreads; Entry < Resource->OwnerThreads + 2; Entry++) {
        if (Entry->OwnerThread == Thread)
            return Entry;
    }
    POWNER_ENTRY Table = Resource->OwnerTable;
    ULONG Size = Table ? Table->TableSize : 0;
    ULONG Hint = KeGetCurrentThread()->ResourceIndex;
    if (Thread == ExGetCurrentResourceThread() && Hint && Hint < Size && Table[Hint].OwnerThread == Thread)
        return &Table[Hint];
    for (ULONG Index = 1; Index < Size; Index++) {
        if (Table[Index].OwnerThread == Thread)
            return &Table[Index];
    }
    return NULL;
}

// A free entry for a new shared owner: OwnerThreads[1] or a free table slot, never
// OwnerThreads[0], which a granted exclusive waiter takes without looking. NULL after
// growing the table (the lock was dropped): the caller looks again. With the
// resource lock held, below DISPATCH_LEVEL.
POWNER_ENTRY ExpFindFreeEntry(PERESOURCE Resource, PKLOCK_QUEUE_HANDLE LockHandle)
{
    if (!Resource->OwnerThreads[1].OwnerThread)
        return &Resource->OwnerThreads[1];
    POWNER_ENTRY Table = Resource->OwnerTable;
    ULONG Size = Table ? Table->TableSize : 0;
    for (ULONG Index = 1; Index < Size; Index++) {
        if (!Table[Index].OwnerThread) {
            KeGetCurrentThread()->ResourceIndex = (UCHAR)Index;
            return &Table[Index];
        }
    }
    ExpExpandResourceOwnerTable(Resource, LockHandle);
    return NULL;
}

// Makes Entry Thread's, held once. With the resource lock held.
inline void ExpSetOwner(POWNER_ENTRY Entry, ERESOURCE_THREAD Thread)
{
    Entry->OwnerThread = Thread;
    Entry->OwnerCount = 1;
}

// Makes every shared waiter an owner (their entries are reserved), drops the lock and
// wakes them. Lock held on entry; at or below DISPATCH_LEVEL.
void ExpGrantSharedWaiters(PERESOURCE Resource, PKLOCK_QUEUE_HANDLE LockHandle)
{
    LONG Count = Resource->NumberOfSharedWaiters;
    Resource->Flag &= ~ResourceOwnedExclusive;
    Resource->ActiveCount = (SHORT)(Resource->ActiveCount + Count);
    Resource->NumberOfSharedWaiters = 0;
    KeReleaseInStackQueuedSpinLock(LockHandle);
    KeReleaseSemaphore(Resource->SharedWaiters, 0, Count, FALSE);
}

// Makes one exclusive waiter the owner (it writes itself into OwnerThreads[0] when it
// runs), drops the lock and wakes it. Lock held on entry; at or below DISPATCH_LEVEL.
void ExpGrantExclusiveWaiter(PERESOURCE Resource, PKLOCK_QUEUE_HANDLE LockHandle)
{
    Resource->Flag |= ResourceOwnedExclusive;
    ExpSetOwner(&Resource->OwnerThreads[0], kHandOffOwner);
    Resource->ActiveCount = 1;
    Resource->NumberOfExclusiveWaiters--;
    KeReleaseInStackQueuedSpinLock(LockHandle);
    KeSetEventBoostPriority(Resource->ExclusiveWaiters, NULL);
}

// Drops the lock and stops: Thread released a resource it does not own. Lock held.
DECLSPEC_NORETURN void ExpResourceNotOwned(PERESOURCE Resource, ERESOURCE_THREAD Thread,
                                           PKLOCK_QUEUE_HANDLE LockHandle)
{
    POWNER_ENTRY Table = Resource->OwnerTable;
    KeReleaseInStackQueuedSpinLock(LockHandle);
    KeBugCheckEx(RESOURCE_NOT_OWNED, reinterpret_cast<ULONG_PTR>(Resource), Thread,
                 reinterpret_cast<ULONG_PTR>(Table), 3);
}

// Acquires shared: recursively if the caller owns it already, at once if it is free
// or shared and Policy lets the caller pass exclusive waiters, else waiting on the
// semaphore with an entry reserved (or FALSE when Wait is FALSE). At or below
// APC_LEVEL.
__attribute__((always_inline)) inline BOOLEAN ExpAcquireResourceShared(PERESOURCE Resource, BOOLEAN Wait,
                                                                       EXP_SHARED_POLICY Policy)
{
    ExpCheckIrql(Resource, APC_LEVEL);
    ExpCheckForApcsDisabled(KeGetCurrentThread());
    ERESOURCE_THREAD Thread = ExGetCurrentResourceThread();
    KLOCK_QUEUE_HANDLE LockHandle;
    KeAcquireInStackQueuedSpinLock(&Resource->SpinLock, &LockHandle);
    for (;;) {
        if (Resource->ActiveCount == 0) {
            ExpSetOwner(&Resource->OwnerThreads[1], Thread);
            Resource->ActiveCount = 1;
            break;
        }
        bool MustWait = true;
        if (ExpIsOwnedExclusive(Resource)) {
            if (Resource->OwnerThreads[0].OwnerThread == Thread) {
                Resource->OwnerThreads[0].OwnerCount++;
                break;
            }
        } else {
            bool ExclusiveWaiting = Resource->NumberOfExclusiveWaiters != 0;
            bool YieldFirst = ExclusiveWaiting && Policy == ExpSharedWaitForExclusive;
            POWNER_ENTRY Owned = YieldFirst ? NULL : ExpFindEntryForThread(Resource, Thread);
            if (Owned) {
                Owned->OwnerCount++;
                break;
            }
            MustWait = ExclusiveWaiting && Policy != ExpSharedStarveExclusive;
        }
        if (MustWait && !Wait) {
            KeReleaseInStackQueuedSpinLock(&LockHandle);
            return FALSE;
        }
        if (MustWait && !Resource->SharedWaiters) {
            ExpAllocateWaitObject(Resource, &LockHandle, true);
            continue;
        }
        POWNER_ENTRY Entry = ExpFindFreeEntry(Resource, &LockHandle);
        if (!Entry)
            continue;
        ExpSetOwner(Entry, Thread);
        if (!MustWait) {
            Resource->ActiveCount++;
            break;
        }
        Resource->NumberOfSharedWaiters++;
        Resource->ContentionCount++;
        KeReleaseInStackQueuedSpinLock(&LockHandle);
        KeWaitForSingleObject(Resource->SharedWaiters, WrResource, KernelMode, FALSE, NULL);
        return TRUE;
    }
    KeReleaseInStackQueuedSpinLock(&LockHandle);
    return TRUE;
}

// Removes a resource from the system list; a broken link (a resource deleted twice,
// or never initialized) is KERNEL_SECURITY_CHECK_FAILURE, as Windows' checked list
// removal. With ExpResourceSpinLock held.
void ExpRemoveResourceFromList(PERESOURCE Resource)
{
    PLIST_ENTRY Entry = &Resource->SystemResourcesList;
    if (Entry->Flink->Blink != Entry || Entry->Blink->Flink != Entry)
        KeBugCheckEx(KERNEL_SECURITY_CHECK_FAILURE, 3, reinterpret_cast<ULONG_PTR>(Entry), 0, 0);
    RemoveEntryList(Entry);
}

} // namespace

// Sets up the system resource list and its lock. Phase 0, at DISPATCH_LEVEL.
extern "C" VOID NTAPI ExpResourceInitialization(VOID)
{
    InitializeListHead(&ExpSystemResourcesList);
    KeInitializeSpinLock(&ExpResourceSpinLock);
}

// Initializes a resource (free, no waiters, nothing allocated) and links it into the
// system resource list. At or below DISPATCH_LEVEL.
extern "C" NTSTATUS NTAPI ExInitializeResourceLite(PERESOURCE Resource)
{
    ExpCheckIrql(Resource, DISPATCH_LEVEL);
    RtlZeroMemory(Resource, sizeof(ERESOURCE));
    KeInitializeSpinLock(&Resource->SpinLock);
    KLOCK_QUEUE_HANDLE LockHandle;
    KeAcquireInStackQueuedSpinLock(&ExpResourceSpinLock, &LockHandle);
    InsertTailList(&ExpSystemResourcesList, &Resource->SystemResourcesList);
    KeReleaseInStackQueuedSpinLock(&LockHandle);
    return STATUS_SUCCESS;
}

// Returns an unused resource to its initial state, keeping (and clearing) its owner
// table, semaphore and event. At or below DISPATCH_LEVEL.
extern "C" NTSTATUS NTAPI ExReinitializeResourceLite(PERESOURCE Resource)
{
    ExpCheckIrql(Resource, DISPATCH_LEVEL);
    KLOCK_QUEUE_HANDLE LockHandle;
    KeAcquireInStackQueuedSpinLock(&Resource->SpinLock, &LockHandle);
    if (POWNER_ENTRY Table = Resource->OwnerTable)
        RtlZeroMemory(Table + 1, (Table->TableSize - 1) * sizeof(OWNER_ENTRY));
    if (Resource->SharedWaiters)
        KeInitializeSemaphore(Resource->SharedWaiters, 0, MAXLONG);
    if (Resource->ExclusiveWaiters)
        KeInitializeEvent(Resource->ExclusiveWaiters, SynchronizationEvent, FALSE);
    Resource->Flag = 0;
    Resource->ActiveCount = 0;
    RtlZeroMemory(Resource->OwnerThreads, sizeof(Resource->OwnerThreads));
    Resource->ContentionCount = 0;
    Resource->NumberOfSharedWaiters = 0;
    Resource->NumberOfExclusiveWaiters = 0;
    KeReleaseInStackQueuedSpinLock(&LockHandle);
    return STATUS_SUCCESS;
}

// Unlinks a resource nobody waits for and frees its table, semaphore and event. At or
// below DISPATCH_LEVEL.
extern "C" NTSTATUS NTAPI ExDeleteResourceLite(PERESOURCE Resource)
{
    ExpCheckIrql(Resource, DISPATCH_LEVEL);
    KLOCK_QUEUE_HANDLE LockHandle;
    KeAcquireInStackQueuedSpinLock(&ExpResourceSpinLock, &LockHandle);
    ExpRemoveResourceFromList(Resource);
    KeReleaseInStackQueuedSpinLock(&LockHandle);
    ASSERT(!Resource->NumberOfSharedWaiters && !Resource->NumberOfExclusiveWaiters);
    if (Resource->OwnerTable)
        ExFreePoolWithTag(Resource->OwnerTable, TAG_RESOURCE_TABLE);
    if (Resource->SharedWaiters)
        ExFreePoolWithTag(Resource->SharedWaiters, TAG_RESOURCE_SEMAPHORE);
    if (Resource->ExclusiveWaiters)
        ExFreePoolWithTag(Resource->ExclusiveWaiters, TAG_RESOURCE_EVENT);
    return STATUS_SUCCESS;
}

// Acquires exclusive: at once if free, recursively if the caller owns it exclusive,
// else waiting for the event (or FALSE when Wait is FALSE). A shared owner cannot
// upgrade. At or below APC_LEVEL.
extern "C" BOOLEAN NTAPI ExAcquireResourceExclusiveLite(PERESOURCE Resource, BOOLEAN Wait)
{
    ExpCheckIrql(Resource, APC_LEVEL);
    ExpCheckForApcsDisabled(KeGetCurrentThread());
    ERESOURCE_THREAD Thread = ExGetCurrentResourceThread();
    POWNER_ENTRY Owner = &Resource->OwnerThreads[0];
    KLOCK_QUEUE_HANDLE LockHandle;
    KeAcquireInStackQueuedSpinLock(&Resource->SpinLock, &LockHandle);
    for (;;) {
        if (Resource->ActiveCount == 0) {
            Resource->Flag |= ResourceOwnedExclusive;
            ExpSetOwner(Owner, Thread);
            Resource->ActiveCount = 1;
            break;
        }
        if (ExpIsOwnedExclusive(Resource) && Owner->OwnerThread == Thread) {
            Owner->OwnerCount++;
            break;
        }
        if (!Wait) {
            KeReleaseInStackQueuedSpinLock(&LockHandle);
            return FALSE;
        }
        if (!Resource->ExclusiveWaiters) {
            ExpAllocateWaitObject(Resource, &LockHandle, false);
            continue;
        }
        Resource->NumberOfExclusiveWaiters++;
        Resource->ContentionCount++;
        KeReleaseInStackQueuedSpinLock(&LockHandle);
        KeWaitForSingleObject(Resource->ExclusiveWaiters, WrResource, KernelMode, FALSE, NULL);
        KeAcquireInStackQueuedSpinLock(&Resource->SpinLock, &LockHandle);
        Owner->OwnerThread = Thread;
        break;
    }
    KeReleaseInStackQueuedSpinLock(&LockHandle);
    return TRUE;
}

// Acquires exclusive only if that needs no wait. Below DISPATCH_LEVEL.
extern "C" BOOLEAN NTAPI ExTryToAcquireResourceExclusiveLite(PERESOURCE Resource)
{
    return ExAcquireResourceExclusiveLite(Resource, FALSE);
}

// Acquires shared; a new shared owner waits behind exclusive waiters, a thread that
// already owns the resource does not. At or below APC_LEVEL.
extern "C" BOOLEAN NTAPI ExAcquireResourceSharedLite(PERESOURCE Resource, BOOLEAN Wait)
{
    return ExpAcquireResourceShared(Resource, Wait, ExpSharedNormal);
}

// Acquires shared even past exclusive waiters; waits only for an exclusive owner. At
// or below APC_LEVEL.
extern "C" BOOLEAN NTAPI ExAcquireSharedStarveExclusive(PERESOURCE Resource, BOOLEAN Wait)
{
    return ExpAcquireResourceShared(Resource, Wait, ExpSharedStarveExclusive);
}

// Acquires shared only when no exclusive waiter is queued, even for a thread that
// owns the resource shared already; otherwise waits behind them. At or below
// APC_LEVEL.
extern "C" BOOLEAN NTAPI ExAcquireSharedWaitForExclusive(PERESOURCE Resource, BOOLEAN Wait)
{
    return ExpAcquireResourceShared(Resource, Wait, ExpSharedWaitForExclusive);
}

// Releases one level of Thread's ownership; the last one hands the resource to its
// waiters (all shared waiters first after an exclusive owner, an exclusive waiter
// after the last shared owner). A thread that owns nothing is RESOURCE_NOT_OWNED. At
// or below DISPATCH_LEVEL.
extern "C" VOID NTAPI ExReleaseResourceForThreadLite(PERESOURCE Resource, ERESOURCE_THREAD Thread)
{
    ExpCheckIrql(Resource, DISPATCH_LEVEL);
    KLOCK_QUEUE_HANDLE LockHandle;
    KeAcquireInStackQueuedSpinLock(&Resource->SpinLock, &LockHandle);
    if (ExpIsOwnedExclusive(Resource)) {
        POWNER_ENTRY Owner = &Resource->OwnerThreads[0];
        if (Owner->OwnerThread != Thread)
            ExpResourceNotOwned(Resource, Thread, &LockHandle);
        if (--Owner->OwnerCount == 0) {
            Owner->OwnerThread = 0;
            Resource->ActiveCount = 0;
            if (Resource->NumberOfSharedWaiters)
                return ExpGrantSharedWaiters(Resource, &LockHandle);
            if (Resource->NumberOfExclusiveWaiters)
                return ExpGrantExclusiveWaiter(Resource, &LockHandle);
            Resource->Flag &= ~ResourceOwnedExclusive;
        }
    } else {
        POWNER_ENTRY Owner = ExpFindEntryForThread(Resource, Thread);
        if (!Owner)
            ExpResourceNotOwned(Resource, Thread, &LockHandle);
        if (--Owner->OwnerCount == 0) {
            Owner->OwnerThread = 0;
            if (--Resource->ActiveCount == 0 && Resource->NumberOfExclusiveWaiters)
                return ExpGrantExclusiveWaiter(Resource, &LockHandle);
        }
    }
    KeReleaseInStackQueuedSpinLock(&LockHandle);
}

// Releases one level of the current thread's ownership. At or below DISPATCH_LEVEL.
extern "C" VOID FASTCALL ExReleaseResourceLite(PERESOURCE Resource)
{
    ExpCheckForApcsDisabled(KeGetCurrentThread());
    ExReleaseResourceForThreadLite(Resource, ExGetCurrentResourceThread());
}

// Turns the caller's exclusive ownership (with its recursion count) into shared
// ownership and lets every shared waiter in. The caller must own it exclusive (an
// ASSERT, as NT's checked kernel). At or below DISPATCH_LEVEL.
extern "C" VOID NTAPI ExConvertExclusiveToSharedLite(PERESOURCE Resource)
{
    ExpCheckIrql(Resource, DISPATCH_LEVEL);
    KLOCK_QUEUE_HANDLE LockHandle;
    KeAcquireInStackQueuedSpinLock(&Resource->SpinLock, &LockHandle);
    bool Owned = ExpIsOwnedExclusive(Resource) && Resource->OwnerThreads[0].OwnerThread == ExGetCurrentResourceThread();
    if (!Owned)
        KeReleaseInStackQueuedSpinLock(&LockHandle);
    ASSERTMSG("ExConvertExclusiveToSharedLite: the caller does not own the resource exclusive", Owned);
    if (Resource->NumberOfSharedWaiters)
        return ExpGrantSharedWaiters(Resource, &LockHandle);
    Resource->Flag &= ~ResourceOwnedExclusive;
    KeReleaseInStackQueuedSpinLock(&LockHandle);
}

// Whether the current thread owns the resource exclusive. At or below DISPATCH_LEVEL.
extern "C" BOOLEAN NTAPI ExIsResourceAcquiredExclusiveLite(PERESOURCE Resource)
{
    ExpCheckIrql(Resource, DISPATCH_LEVEL);
    KLOCK_QUEUE_HANDLE LockHandle;
    KeAcquireInStackQueuedSpinLock(&Resource->SpinLock, &LockHandle);
    BOOLEAN Owned = ExpIsOwnedExclusive(Resource) && Resource->OwnerThreads[0].OwnerThread == ExGetCurrentResourceThread();
    KeReleaseInStackQueuedSpinLock(&LockHandle);
    return Owned;
}

// How many times the current thread holds the resource, shared or exclusive (0 if
// not at all). At or below DISPATCH_LEVEL.
extern "C" ULONG NTAPI ExIsResourceAcquiredSharedLite(PERESOURCE Resource)
{
    ExpCheckIrql(Resource, DISPATCH_LEVEL);
    KLOCK_QUEUE_HANDLE LockHandle;
    KeAcquireInStackQueuedSpinLock(&Resource->SpinLock, &LockHandle);
    POWNER_ENTRY Entry = ExpFindEntryForThread(Resource, ExGetCurrentResourceThread());
    ULONG Count = Entry ? (ULONG)Entry->OwnerCount : 0;
    KeReleaseInStackQueuedSpinLock(&LockHandle);
    return Count;
}

// The number of threads waiting for exclusive access. At or below DISPATCH_LEVEL.
extern "C" ULONG NTAPI ExGetExclusiveWaiterCount(PERESOURCE Resource)
{
    ExpCheckIrql(Resource, DISPATCH_LEVEL);
    KLOCK_QUEUE_HANDLE LockHandle;
    KeAcquireInStackQueuedSpinLock(&Resource->SpinLock, &LockHandle);
    ULONG Count = Resource->NumberOfExclusiveWaiters;
    KeReleaseInStackQueuedSpinLock(&LockHandle);
    return Count;
}

// The number of threads waiting for shared access. At or below DISPATCH_LEVEL.
extern "C" ULONG NTAPI ExGetSharedWaiterCount(PERESOURCE Resource)
{
    ExpCheckIrql(Resource, DISPATCH_LEVEL);
    KLOCK_QUEUE_HANDLE LockHandle;
    KeAcquireInStackQueuedSpinLock(&Resource->SpinLock, &LockHandle);
    ULONG Count = Resource->NumberOfSharedWaiters;
    KeReleaseInStackQueuedSpinLock(&LockHandle);
    return Count;
}

// Hands the current thread's ownership to OwnerPointer (an address with its low two
// bits set), for ExReleaseResourceForThreadLite to release later from any thread; a
// shared owner already recorded under OwnerPointer absorbs the count. A caller that
// owns nothing is RESOURCE_NOT_OWNED. At or below DISPATCH_LEVEL.
extern "C" VOID NTAPI ExSetResourceOwnerPointer(PERESOURCE Resource, PVOID OwnerPointer)
{
    ExpCheckIrql(Resource, DISPATCH_LEVEL);
    auto NewOwner = reinterpret_cast<ERESOURCE_THREAD>(OwnerPointer);
    ASSERT((NewOwner & 3) == 3);
    ERESOURCE_THREAD Thread = ExGetCurrentResourceThread();
    KLOCK_QUEUE_HANDLE LockHandle;
    KeAcquireInStackQueuedSpinLock(&Resource->SpinLock, &LockHandle);
    POWNER_ENTRY Entry = ExpFindEntryForThread(Resource, Thread);
    if (!Entry)
        ExpResourceNotOwned(Resource, Thread, &LockHandle);
    POWNER_ENTRY Existing = ExpIsOwnedExclusive(Resource) ? NULL : ExpFindEntryForThread(Resource, NewOwner);
    if (Existing) {
        Existing->OwnerCount += Entry->OwnerCount;
        Entry->OwnerThread = 0;
        Entry->OwnerCount = 0;
        Resource->ActiveCount--;
    } else {
        Entry->OwnerThread = NewOwner;
    }
    KeReleaseInStackQueuedSpinLock(&LockHandle);
}

// Marks the resource as one whose owners waiters must not boost (this kernel does not
// boost resource owners; the flag is kept for callers that test it). At or below
// DISPATCH_LEVEL.
extern "C" VOID NTAPI ExDisableResourceBoostLite(PERESOURCE Resource)
{
    ExpCheckIrql(Resource, DISPATCH_LEVEL);
    KLOCK_QUEUE_HANDLE LockHandle;
    KeAcquireInStackQueuedSpinLock(&Resource->SpinLock, &LockHandle);
    Resource->Flag |= ResourceDisableBoost;
    KeReleaseInStackQueuedSpinLock(&LockHandle);
}

// Enters a critical region, then acquires exclusive, waiting if need be; returns the
// thread's Win32Thread. At or below APC_LEVEL.
extern "C" PVOID NTAPI ExEnterCriticalRegionAndAcquireResourceExclusive(PERESOURCE Resource)
{
    KeEnterCriticalRegion();
    ExAcquireResourceExclusiveLite(Resource, TRUE);
    return KeGetCurrentThread()->Win32Thread;
}

// Enters a critical region, then acquires shared, waiting if need be; returns the
// thread's Win32Thread. At or below APC_LEVEL.
extern "C" PVOID NTAPI ExEnterCriticalRegionAndAcquireResourceShared(PERESOURCE Resource)
{
    KeEnterCriticalRegion();
    ExAcquireResourceSharedLite(Resource, TRUE);
    return KeGetCurrentThread()->Win32Thread;
}

// Enters a critical region, then acquires shared behind exclusive waiters; returns
// the thread's Win32Thread. At or below APC_LEVEL.
extern "C" PVOID NTAPI ExEnterCriticalRegionAndAcquireSharedWaitForExclusive(PERESOURCE Resource)
{
    KeEnterCriticalRegion();
    ExAcquireSharedWaitForExclusive(Resource, TRUE);
    return KeGetCurrentThread()->Win32Thread;
}

// Releases one level of ownership, then leaves the critical region. At or below
// APC_LEVEL.
extern "C" VOID FASTCALL ExReleaseResourceAndLeaveCriticalRegion(PERESOURCE Resource)
{
    ExReleaseResourceLite(Resource);
    KeLeaveCriticalRegion();
}
