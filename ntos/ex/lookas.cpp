// lookas.cpp - lookaside lists: a per-list SLIST of freed blocks of one size, used
// before the pool (the allocate and free paths are inline in ntddk.h). Every list is
// on ExNPagedLookasideListHead or ExPagedLookasideListHead, where
// ExAdjustLookasideDepth retunes each list's Depth from its recent miss rate (NT's
// balance set manager calls it once a second; here nothing calls it periodically
// yet).
#include "ke.h"
#include "ex.h"

LIST_ENTRY ExNPagedLookasideListHead;
KSPIN_LOCK ExNPagedLookasideLock;
LIST_ENTRY ExPagedLookasideListHead;
KSPIN_LOCK ExPagedLookasideLock;

namespace {

constexpr USHORT kMinimumLookasideDepth = 4;
constexpr USHORT kMaximumLookasideDepth = 256;
constexpr ULONG kIdleAllocates = 75;     // fewer per adjustment: the list shrinks fast
constexpr ULONG kIdleShrink = 10;
constexpr ULONG kLowMissPerMille = 5;    // fewer misses: the list shrinks by one
constexpr ULONG kMaximumGrowth = 30;

// Fills in a lookaside list's header: empty, Depth at the minimum, the pool routines
// unless the caller brings its own. Size is at least an SLIST_ENTRY. Any IRQL.
void ExpInitializeLookaside(PGENERAL_LOOKASIDE Lookaside, POOL_TYPE Type, PALLOCATE_FUNCTION Allocate,
                            PFREE_FUNCTION Free, SIZE_T Size, ULONG Tag)
{
    InitializeSListHead(&Lookaside->ListHead);
    Lookaside->Depth = kMinimumLookasideDepth;
    Lookaside->MaximumDepth = kMaximumLookasideDepth;
    Lookaside->TotalAllocates = 0;
    Lookaside->AllocateMisses = 0;
    Lookaside->TotalFrees = 0;
    Lookaside->FreeMisses = 0;
    Lookaside->Type = Type;
    Lookaside->Tag = Tag;
    Lookaside->Size = (ULONG)(Size < sizeof(SLIST_ENTRY) ? sizeof(SLIST_ENTRY) : Size);
    Lookaside->Allocate = Allocate ? Allocate : ExAllocatePoolWithTag;
    Lookaside->Free = Free ? Free : ExFreePool;
    Lookaside->LastTotalAllocates = 0;
    Lookaside->LastAllocateMisses = 0;
}

// Links a list on one of the global lists under its spin lock. At or below
// DISPATCH_LEVEL.
void ExpInsertLookaside(PGENERAL_LOOKASIDE Lookaside, PLIST_ENTRY ListHead, PKSPIN_LOCK Lock)
{
    KIRQL OldIrql;
    KeAcquireSpinLock(Lock, &OldIrql);
    InsertTailList(ListHead, &Lookaside->ListEntry);
    KeReleaseSpinLock(Lock, OldIrql);
}

// Gives every cached block to the list's Free routine and unlinks the list. At the
// IRQL of the list's pool.
void ExpDeleteLookaside(PGENERAL_LOOKASIDE Lookaside, PKSPIN_LOCK Lock)
{
    while (PVOID Entry = InterlockedPopEntrySList(&Lookaside->ListHead))
        Lookaside->Free(Entry);
    KIRQL OldIrql;
    KeAcquireSpinLock(Lock, &OldIrql);
    RemoveEntryList(&Lookaside->ListEntry);
    KeReleaseSpinLock(Lock, OldIrql);
}

// The Depth a list should have after one adjustment period with Allocates
// allocations of which Misses missed: a list barely used shrinks by kIdleShrink, one
// that rarely misses by one, one that misses grows with its miss rate (at most
// kMaximumGrowth at a time). Within [kMinimumLookasideDepth, MaximumDepth].
USHORT ExpComputeLookasideDepth(USHORT Depth, USHORT MaximumDepth, ULONG Allocates, ULONG Misses)
{
    LONG Next;
    if (Allocates < kIdleAllocates) {
        Next = (LONG)Depth - (LONG)kIdleShrink;
    } else {
        ULONG PerMille = (ULONG)((ULONG64)Misses * 1000 / Allocates);
        if (PerMille < kLowMissPerMille) {
            Next = (LONG)Depth - 1;
        } else {
            ULONG Growth = PerMille * (ULONG)(MaximumDepth > Depth ? MaximumDepth - Depth : 0) / 2000 + 5;
            Next = (LONG)Depth + (LONG)(Growth > kMaximumGrowth ? kMaximumGrowth : Growth);
        }
    }
    if (Next < kMinimumLookasideDepth)
        Next = kMinimumLookasideDepth;
    if (Next > MaximumDepth)
        Next = MaximumDepth;
    return (USHORT)Next;
}

// Retunes one list from the counts since the last adjustment. At DISPATCH_LEVEL,
// holding the list's global lock.
void ExpAdjustLookasideDepth(PGENERAL_LOOKASIDE Lookaside)
{
    ULONG Allocates = __atomic_load_n(&Lookaside->TotalAllocates, __ATOMIC_RELAXED);
    ULONG Misses = __atomic_load_n(&Lookaside->AllocateMisses, __ATOMIC_RELAXED);
    USHORT Depth = ExpComputeLookasideDepth(__atomic_load_n(&Lookaside->Depth, __ATOMIC_RELAXED),
                                            Lookaside->MaximumDepth, Allocates - Lookaside->LastTotalAllocates,
                                            Misses - Lookaside->LastAllocateMisses);
    Lookaside->LastTotalAllocates = Allocates;
    Lookaside->LastAllocateMisses = Misses;
    __atomic_store_n(&Lookaside->Depth, Depth, __ATOMIC_RELAXED);
}

// Retunes every list on one global list. At or below DISPATCH_LEVEL.
void ExpAdjustLookasideList(PLIST_ENTRY ListHead, PKSPIN_LOCK Lock)
{
    KIRQL OldIrql;
    KeAcquireSpinLock(Lock, &OldIrql);
    for (PLIST_ENTRY Link = ListHead->Flink; Link != ListHead; Link = Link->Flink)
        ExpAdjustLookasideDepth(CONTAINING_RECORD(Link, GENERAL_LOOKASIDE, ListEntry));
    KeReleaseSpinLock(Lock, OldIrql);
}

} // namespace

// Initializes the global lists of lookaside lists and their locks. Phase 0.
extern "C" VOID NTAPI ExpInitLookasideLists(VOID)
{
    InitializeListHead(&ExNPagedLookasideListHead);
    KeInitializeSpinLock(&ExNPagedLookasideLock);
    InitializeListHead(&ExPagedLookasideListHead);
    KeInitializeSpinLock(&ExPagedLookasideLock);
}

// Initializes a nonpaged lookaside list of Size-byte blocks tagged Tag, from nonpaged
// pool (with the POOL_ flags in Flags) unless Allocate / Free are given. Depth is
// reserved (NT ignores it too). At or below DISPATCH_LEVEL.
extern "C" VOID NTAPI ExInitializeNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside, PALLOCATE_FUNCTION Allocate,
                                                      PFREE_FUNCTION Free, ULONG Flags, SIZE_T Size, ULONG Tag,
                                                      USHORT Depth)
{
    UNREFERENCED_PARAMETER(Depth);
    ExpInitializeLookaside(&Lookaside->L, (POOL_TYPE)(NonPagedPool | Flags), Allocate, Free, Size, Tag);
    ExpInsertLookaside(&Lookaside->L, &ExNPagedLookasideListHead, &ExNPagedLookasideLock);
}

// Frees the cached blocks of a nonpaged lookaside list and unlinks it; blocks still
// allocated from it are the caller's to free. At or below DISPATCH_LEVEL.
extern "C" VOID NTAPI ExDeleteNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside)
{
    ExpDeleteLookaside(&Lookaside->L, &ExNPagedLookasideLock);
}

// Initializes a paged lookaside list, as ExInitializeNPagedLookasideList does with
// paged pool. At or below APC_LEVEL.
extern "C" VOID NTAPI ExInitializePagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside, PALLOCATE_FUNCTION Allocate,
                                                     PFREE_FUNCTION Free, ULONG Flags, SIZE_T Size, ULONG Tag,
                                                     USHORT Depth)
{
    UNREFERENCED_PARAMETER(Depth);
    ExpInitializeLookaside(&Lookaside->L, (POOL_TYPE)(PagedPool | Flags), Allocate, Free, Size, Tag);
    ExpInsertLookaside(&Lookaside->L, &ExPagedLookasideListHead, &ExPagedLookasideLock);
}

// Frees the cached blocks of a paged lookaside list and unlinks it. At or below
// APC_LEVEL.
extern "C" VOID NTAPI ExDeletePagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside)
{
    ExpDeleteLookaside(&Lookaside->L, &ExPagedLookasideLock);
}

// Retunes the Depth of every lookaside list from its allocations and misses since
// the last call (see ExpComputeLookasideDepth). At or below DISPATCH_LEVEL.
extern "C" VOID NTAPI ExAdjustLookasideDepth(VOID)
{
    ExpAdjustLookasideList(&ExNPagedLookasideListHead, &ExNPagedLookasideLock);
    ExpAdjustLookasideList(&ExPagedLookasideListHead, &ExPagedLookasideLock);
}
