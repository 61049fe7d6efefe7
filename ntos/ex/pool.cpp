// pool.cpp - the executive pool: blocks from the HAL's host allocator behind an NT
// POOL_HEADER (the tag sits where kmtests read it), with per-tag counts for
// !poolused and the leak check at shutdown. Misuse bugchecks BAD_POOL_CALLER.
#include "ke.h"
#include "ex.h"

namespace {

constexpr USHORT kPoolAllocated = 0xA110;
constexpr USHORT kPoolFreed = 0xF4EE;
constexpr ULONG kTrackerSize = 1024;
constexpr ULONG kProtectedPool = 0x80000000UL;

typedef struct _POOL_HEADER {
    UCHAR PreviousSize;
    UCHAR PoolIndex;
    UCHAR BlockSize;
    UCHAR PoolType;
    ULONG PoolTag;
    // hosted, in ProcessBilled's slot on x64: the requested size, and the block's state
    // (kept clear of the first bytes, where a host allocator links freed blocks)
    ULONG64 NumberOfBytes : 48;
    ULONG64 State : 16;
} POOL_HEADER, *PPOOL_HEADER;
static_assert(sizeof(POOL_HEADER) == 16, "x64 POOL_HEADER is 16 bytes");

struct POOL_TRACKER_TABLE {
    volatile ULONG Key;
    volatile LONG64 Allocs;
    volatile LONG64 Frees;
    volatile LONG64 Bytes;
};

POOL_TRACKER_TABLE PoolTrackTable[kTrackerSize];

POOL_TRACKER_TABLE *ExpTrackerFor(ULONG Tag)
{
    ULONG Index = (Tag * 0x9E3779B1UL) >> 22;
    for (ULONG Probe = 0; Probe < kTrackerSize; Probe++) {
        POOL_TRACKER_TABLE *Entry = &PoolTrackTable[(Index + Probe) % kTrackerSize];
        ULONG Key = __atomic_load_n(&Entry->Key, __ATOMIC_ACQUIRE);
        if (Key == Tag)
            return Entry;
        if (Key == 0 && __atomic_compare_exchange_n(&Entry->Key, &Key, Tag, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return Entry;
        if (Key == Tag)
            return Entry;
    }
    return NULL;
}

KIRQL ExpCallerIrql()
{
    // Boot and shutdown run on the host thread, before and after any processor.
    return HalHostCurrentPcr() ? KeGetCurrentIrql() : PASSIVE_LEVEL;
}

inline ULONG ExpPlainTag(ULONG Tag) { return Tag & ~kProtectedPool; }

constexpr ULONG kBasePoolTypeMask = 7;
constexpr UCHAR kBigPageBlock = 1; // in PoolIndex: the block starts a page after the host allocation
constexpr SIZE_T kSmallPoolMax = PAGE_SIZE - 2 * sizeof(POOL_HEADER);

volatile ULONG64 ExpPoolSuccessesLeft;
volatile ULONG64 ExpPoolFailuresLeft;

// Whether an injected failure takes this allocation.
bool ExpInjectedFailure()
{
    if (!__atomic_load_n(&ExpPoolFailuresLeft, __ATOMIC_ACQUIRE))
        return false;
    ULONG64 Successes = __atomic_load_n(&ExpPoolSuccessesLeft, __ATOMIC_RELAXED);
    while (Successes) {
        if (__atomic_compare_exchange_n(&ExpPoolSuccessesLeft, &Successes, Successes - 1, false, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
            return false;
    }
    ULONG64 Failures = __atomic_load_n(&ExpPoolFailuresLeft, __ATOMIC_RELAXED);
    while (Failures) {
        if (__atomic_compare_exchange_n(&ExpPoolFailuresLeft, &Failures, Failures - 1, false, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
            return true;
    }
    return false;
}

// Host memory for a block and its header: small blocks right after their header,
// big-page blocks page-aligned with the header at the end of a leading page.
PPOOL_HEADER ExpAllocateBlock(SIZE_T NumberOfBytes)
{
    if (NumberOfBytes > ((SIZE_T)1 << 40) || ExpInjectedFailure())
        return NULL;
    if (NumberOfBytes <= kSmallPoolMax) {
        auto *Header = static_cast<PPOOL_HEADER>(HalHostAllocate(sizeof(POOL_HEADER) + NumberOfBytes, 16));
        if (Header)
            Header->PoolIndex = 0;
        return Header;
    }
    auto *Base = static_cast<PCHAR>(HalHostAllocate(PAGE_SIZE + ROUND_TO_PAGES(NumberOfBytes), PAGE_SIZE));
    if (!Base)
        return NULL;
    auto *Header = reinterpret_cast<PPOOL_HEADER>(Base + PAGE_SIZE) - 1;
    Header->PoolIndex = kBigPageBlock;
    return Header;
}

// What a failed allocation of PoolType does: NULL, a raise, or for must-succeed pool
// the bugcheck.
PVOID ExpAllocationFailed(POOL_TYPE PoolType, SIZE_T NumberOfBytes)
{
    ULONG BaseType = PoolType & kBasePoolTypeMask;
    if (BaseType == NonPagedPoolMustSucceed || BaseType == NonPagedPoolCacheAlignedMustS)
        KeBugCheckEx(MUST_SUCCEED_POOL_EMPTY, NumberOfBytes, 0, 0, 0);
    if (PoolType & POOL_RAISE_IF_ALLOCATION_FAILURE)
        ExRaiseStatus(STATUS_INSUFFICIENT_RESOURCES);
    return NULL;
}

// The header of an allocated pool block; a null, foreign or freed pointer bugchecks
// BAD_POOL_CALLER.
PPOOL_HEADER ExpCheckedHeader(PVOID P)
{
    if (!P)
        KeBugCheckEx(BAD_POOL_CALLER, 0x46, 0, 0, 0);
    PPOOL_HEADER Header = static_cast<PPOOL_HEADER>(P) - 1;
    if (Header->State == kPoolFreed)
        KeBugCheckEx(BAD_POOL_CALLER, 0x07, 0, (ULONG_PTR)Header->PoolTag, reinterpret_cast<ULONG_PTR>(P));
    if (Header->State != kPoolAllocated || Header->PoolType == 0)
        KeBugCheckEx(BAD_POOL_CALLER, 0x46, reinterpret_cast<ULONG_PTR>(P), 0, 0);
    return Header;
}

} // namespace

// Forgets all counts; the previous boot's blocks must all be gone. Before boot.
extern "C" VOID NTAPI ExpInitializePoolTracker(VOID)
{
    RtlZeroMemory(PoolTrackTable, sizeof(PoolTrackTable));
    ExpInjectPoolFailures(0, 0);
}

// Allocates NumberOfBytes of pool tagged Tag. A block larger than a page's worth of
// small pool is a big-page block: page-aligned, its size rounded to pages. On failure
// (host memory exhausted, or an injected failure) returns NULL, raises
// STATUS_INSUFFICIENT_RESOURCES for POOL_RAISE_IF_ALLOCATION_FAILURE, and bugchecks
// MUST_SUCCEED_POOL_EMPTY for a must-succeed type. Paged pool at or below APC_LEVEL,
// nonpaged pool at or below DISPATCH_LEVEL.
extern "C" PVOID NTAPI ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    KIRQL Irql = ExpCallerIrql();
    ULONG BaseType = PoolType & kBasePoolTypeMask;
    if (Irql > DISPATCH_LEVEL || ((BaseType & 1) && Irql > APC_LEVEL))
        KeBugCheckEx(BAD_POOL_CALLER, 0x08, Irql, (ULONG_PTR)PoolType, NumberOfBytes);
    PPOOL_HEADER Header = ExpAllocateBlock(NumberOfBytes);
    if (!Header)
        return ExpAllocationFailed(PoolType, NumberOfBytes);
    Header->PreviousSize = 0;
    Header->BlockSize = 0;
    Header->State = kPoolAllocated;
    Header->PoolType = (UCHAR)(BaseType + 1);
    Header->PoolTag = ExpPlainTag(Tag);
    Header->NumberOfBytes = NumberOfBytes;
    if (POOL_TRACKER_TABLE *Tracker = ExpTrackerFor(Header->PoolTag)) {
        InterlockedIncrement64(&Tracker->Allocs);
        InterlockedExchangeAdd64(&Tracker->Bytes, (LONG64)NumberOfBytes);
    }
    return Header + 1;
}

// ExAllocatePoolWithTag with the tag 'None'.
extern "C" PVOID NTAPI ExAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes)
{
    return ExAllocatePoolWithTag(PoolType, NumberOfBytes, 'enoN');
}

// ExAllocatePoolWithTag; the hosted pool never runs low, so Priority changes nothing.
extern "C" PVOID NTAPI ExAllocatePoolWithTagPriority(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag,
                                                     EX_POOL_PRIORITY Priority)
{
    UNREFERENCED_PARAMETER(Priority);
    return ExAllocatePoolWithTag(PoolType, NumberOfBytes, Tag);
}

// Allocates zeroed pool (unless POOL_FLAG_UNINITIALIZED) of exactly one pool kind in
// Flags. A zero tag, no or several kinds, or a required flag this pool does not
// provide (quota, session pool) fail as exhaustion does: NULL, or a raise with
// POOL_FLAG_RAISE_ON_FAILURE. IRQL as ExAllocatePoolWithTag.
extern "C" PVOID NTAPI ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag)
{
    constexpr POOL_FLAGS Kinds = POOL_FLAG_NON_PAGED | POOL_FLAG_NON_PAGED_EXECUTE | POOL_FLAG_PAGED;
    constexpr POOL_FLAGS Provided = Kinds | POOL_FLAG_UNINITIALIZED | POOL_FLAG_CACHE_ALIGNED | POOL_FLAG_RAISE_ON_FAILURE;
    POOL_FLAGS Kind = Flags & Kinds;
    ULONG Raise = (Flags & POOL_FLAG_RAISE_ON_FAILURE) ? POOL_RAISE_IF_ALLOCATION_FAILURE : 0;
    if (!Tag || !Kind || (Kind & (Kind - 1)) || (Flags & 0xFFFFFFFFULL & ~Provided))
        return ExpAllocationFailed((POOL_TYPE)Raise, NumberOfBytes);
    POOL_TYPE PoolType = (POOL_TYPE)(((Kind == POOL_FLAG_PAGED) ? PagedPool : NonPagedPool) | Raise);
    PVOID Block = ExAllocatePoolWithTag(PoolType, NumberOfBytes, Tag);
    if (Block && !(Flags & POOL_FLAG_UNINITIALIZED))
        RtlZeroMemory(Block, NumberOfBytes);
    return Block;
}

// Frees a pool block; Tag 0 skips the tag check. A double free, a foreign pointer or
// a wrong tag bugchecks BAD_POOL_CALLER. Paged pool at or below APC_LEVEL, nonpaged
// pool at or below DISPATCH_LEVEL.
extern "C" VOID NTAPI ExFreePoolWithTag(PVOID P, ULONG Tag)
{
    PPOOL_HEADER Header = ExpCheckedHeader(P);
    KIRQL Irql = ExpCallerIrql();
    BOOLEAN Paged = ((Header->PoolType - 1) & 1) != 0;
    if (Irql > DISPATCH_LEVEL || (Paged && Irql > APC_LEVEL))
        KeBugCheckEx(BAD_POOL_CALLER, 0x09, Irql, (ULONG_PTR)(Header->PoolType - 1), reinterpret_cast<ULONG_PTR>(P));
    if (Tag && ExpPlainTag(Tag) != Header->PoolTag)
        KeBugCheckEx(BAD_POOL_CALLER, 0x0A, reinterpret_cast<ULONG_PTR>(P), Header->PoolTag, ExpPlainTag(Tag));
    if (POOL_TRACKER_TABLE *Tracker = ExpTrackerFor(Header->PoolTag)) {
        InterlockedIncrement64(&Tracker->Frees);
        InterlockedExchangeAdd64(&Tracker->Bytes, -(LONG64)Header->NumberOfBytes);
    }
    Header->State = kPoolFreed;
    HalHostFree(Header->PoolIndex == kBigPageBlock ? static_cast<PVOID>(static_cast<PCHAR>(P) - PAGE_SIZE) : Header);
}

// The usable size of a pool block (big-page blocks in whole pages), and whether it was
// charged to a process' quota (never yet: quotas come with processes). Any IRQL.
extern "C" SIZE_T NTAPI ExQueryPoolBlockSize(PVOID PoolBlock, PBOOLEAN QuotaCharged)
{
    PPOOL_HEADER Header = ExpCheckedHeader(PoolBlock);
    *QuotaCharged = FALSE;
    if (Header->PoolIndex == kBigPageBlock)
        return ROUND_TO_PAGES(Header->NumberOfBytes);
    return ALIGN_UP_BY(Header->NumberOfBytes, sizeof(POOL_HEADER));
}

// Makes allocations fail after the next Successes succeed, Failures times in a row
// (0 ends the injection); the fuzzer's way into allocation-failure paths. Any IRQL.
extern "C" VOID NTAPI ExpInjectPoolFailures(ULONG64 Successes, ULONG64 Failures)
{
    __atomic_store_n(&ExpPoolSuccessesLeft, Successes, __ATOMIC_RELAXED);
    __atomic_store_n(&ExpPoolFailuresLeft, Failures, __ATOMIC_RELEASE);
}

// ExFreePoolWithTag without the tag check.
extern "C" VOID NTAPI ExFreePool(PVOID P)
{
    ExFreePoolWithTag(P, 0);
}

// The number of pool blocks allocated and not freed; other processors may be
// allocating meanwhile. Any IRQL.
extern "C" ULONG NTAPI ExpOutstandingPoolBlocks(VOID)
{
    LONG64 Outstanding = 0;
    for (const POOL_TRACKER_TABLE &Entry : PoolTrackTable)
        Outstanding += __atomic_load_n(&Entry.Allocs, __ATOMIC_RELAXED) - __atomic_load_n(&Entry.Frees, __ATOMIC_RELAXED);
    return (ULONG)Outstanding;
}

// One row of the per-tag counts (Index from 0; rows with Tag 0 are unused), for the
// debugger's !poolused; FALSE past the table's end. Other processors may be counting
// meanwhile. Any IRQL.
extern "C" BOOLEAN NTAPI ExpQueryPoolTagUsage(ULONG Index, PULONG Tag, PLONG64 Allocs, PLONG64 Frees, PLONG64 Bytes)
{
    if (Index >= kTrackerSize)
        return FALSE;
    const POOL_TRACKER_TABLE &Entry = PoolTrackTable[Index];
    *Tag = __atomic_load_n(&Entry.Key, __ATOMIC_ACQUIRE);
    *Allocs = __atomic_load_n(&Entry.Allocs, __ATOMIC_RELAXED);
    *Frees = __atomic_load_n(&Entry.Frees, __ATOMIC_RELAXED);
    *Bytes = __atomic_load_n(&Entry.Bytes, __ATOMIC_RELAXED);
    return TRUE;
}

// Prints each tag with blocks still allocated and returns how many blocks leaked. At
// shutdown, on the host.
extern "C" ULONG NTAPI ExpReportPoolLeaks(VOID)
{
    ULONG Leaked = 0;
    for (const POOL_TRACKER_TABLE &Entry : PoolTrackTable) {
        LONG64 Blocks = Entry.Allocs - Entry.Frees;
        if (!Entry.Key || !Blocks)
            continue;
        char Tag[5] = {(char)(Entry.Key & 0xFF), (char)((Entry.Key >> 8) & 0xFF), (char)((Entry.Key >> 16) & 0xFF),
                       (char)(Entry.Key >> 24), 0};
        DbgPrint("NtosShutdown: pool tag '%s' leaked %lld block(s), %lld byte(s)\n", Tag, (long long)Blocks,
                 (long long)Entry.Bytes);
        Leaked += (ULONG)Blocks;
    }
    return Leaked;
}
