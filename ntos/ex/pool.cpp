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

} // namespace

// Forgets all counts; the previous boot's blocks must all be gone. Before boot.
extern "C" VOID NTAPI ExpInitializePoolTracker(VOID)
{
    RtlZeroMemory(PoolTrackTable, sizeof(PoolTrackTable));
}

// Allocates NumberOfBytes of pool tagged Tag; NULL if host memory is exhausted.
// Paged pool at or below APC_LEVEL, nonpaged pool at or below DISPATCH_LEVEL.
extern "C" PVOID NTAPI ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    KIRQL Irql = ExpCallerIrql();
    BOOLEAN Paged = (PoolType & 1) != 0;
    if (Irql > DISPATCH_LEVEL || (Paged && Irql > APC_LEVEL))
        KeBugCheckEx(BAD_POOL_CALLER, 0x08, Irql, (ULONG_PTR)PoolType, NumberOfBytes);
    if (NumberOfBytes > ((SIZE_T)1 << 40))
        return NULL;
    auto *Header = static_cast<PPOOL_HEADER>(HalHostAllocate(sizeof(POOL_HEADER) + NumberOfBytes));
    if (!Header)
        return NULL;
    Header->PreviousSize = 0;
    Header->PoolIndex = 0;
    Header->BlockSize = 0;
    Header->State = kPoolAllocated;
    Header->PoolType = (UCHAR)(PoolType + 1);
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

// Frees a pool block; Tag 0 skips the tag check. A double free, a foreign pointer or
// a wrong tag bugchecks BAD_POOL_CALLER. Paged pool at or below APC_LEVEL, nonpaged
// pool at or below DISPATCH_LEVEL.
extern "C" VOID NTAPI ExFreePoolWithTag(PVOID P, ULONG Tag)
{
    if (!P)
        KeBugCheckEx(BAD_POOL_CALLER, 0x46, 0, 0, 0);
    PPOOL_HEADER Header = static_cast<PPOOL_HEADER>(P) - 1;
    if (Header->State == kPoolFreed)
        KeBugCheckEx(BAD_POOL_CALLER, 0x07, 0, (ULONG_PTR)Header->PoolTag, reinterpret_cast<ULONG_PTR>(P));
    if (Header->State != kPoolAllocated || Header->PoolType == 0)
        KeBugCheckEx(BAD_POOL_CALLER, 0x46, reinterpret_cast<ULONG_PTR>(P), 0, 0);
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
    HalHostFree(Header);
}

// ExFreePoolWithTag without the tag check.
extern "C" VOID NTAPI ExFreePool(PVOID P)
{
    ExFreePoolWithTag(P, 0);
}

// The number of pool blocks allocated and not freed. Any IRQL.
extern "C" ULONG NTAPI ExpOutstandingPoolBlocks(VOID)
{
    LONG64 Outstanding = 0;
    for (const POOL_TRACKER_TABLE &Entry : PoolTrackTable)
        Outstanding += Entry.Allocs - Entry.Frees;
    return (ULONG)Outstanding;
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
