/*
 * rtl/slist.cpp - interlocked singly linked lists (SLIST_HEADER, x64 layout).
 *
 * The 16-byte header changes only through one 16-byte compare-exchange
 * (cmpxchg16b; __sync_val_compare_and_swap inlines it with -mcx16 on g++ and
 * clang, where the __atomic form would call libatomic), and every push and pop
 * bumps its 48-bit sequence, so a pop that read a head which was popped and
 * pushed back meanwhile fails its exchange instead of installing a stale link.
 *
 * As on NT, a pop reads the first entry's link before it knows the entry is
 * still on the list; the entry may by then belong to another thread, or be back
 * in pool. That read is not checked by ASan or TSan (its value is only used if
 * the exchange proves it current). Pool keeps small blocks mapped, so it cannot
 * fault; NT instead restarts the pop from its page-fault handler.
 *
 * ntoskrnl exports the Exp forms as aliases of the Rtl ones (as ReactOS's spec
 * file does).
 */
#include "ntddk.h"

namespace {

typedef unsigned __int128 RTLP_SLIST_VALUE;

constexpr ULONGLONG kDepthMask = 0xFFFF;
constexpr ULONGLONG kSequenceIncrement = 0x10000;

// The header's two halves, each read atomically; a torn pair only fails the
// exchange that follows. Any IRQL.
struct RTLP_SLIST_STATE {
    ULONGLONG Alignment;
    ULONGLONG Region;

    PSLIST_ENTRY First() const { return reinterpret_cast<PSLIST_ENTRY>(Region); }
    USHORT Depth() const { return (USHORT)(Alignment & kDepthMask); }
    RTLP_SLIST_VALUE Value() const { return ((RTLP_SLIST_VALUE)Region << 64) | Alignment; }
};

inline RTLP_SLIST_STATE RtlpReadSListHead(PSLIST_HEADER ListHead)
{
    return {__atomic_load_n(&ListHead->Alignment, __ATOMIC_ACQUIRE), __atomic_load_n(&ListHead->Region, __ATOMIC_ACQUIRE)};
}

// Replaces the whole header with (Alignment, First) if it still holds Old; else
// reloads Old. Full barrier. Any IRQL.
inline bool RtlpExchangeSListHead(PSLIST_HEADER ListHead, RTLP_SLIST_STATE &Old, ULONGLONG Alignment,
                                  PSLIST_ENTRY First)
{
    RTLP_SLIST_VALUE New = ((RTLP_SLIST_VALUE)reinterpret_cast<ULONG_PTR>(First) << 64) | Alignment;
    RTLP_SLIST_VALUE Expected = Old.Value();
    RTLP_SLIST_VALUE Seen =
        __sync_val_compare_and_swap(reinterpret_cast<volatile RTLP_SLIST_VALUE *>(ListHead), Expected, New);
    if (Seen == Expected)
        return true;
    Old = RtlpReadSListHead(ListHead);
    return false;
}

// The link of an entry that was the head a moment ago (see the file comment). Any
// IRQL.
__attribute__((noinline, no_sanitize("address", "thread"))) PSLIST_ENTRY RtlpReadStaleLink(PSLIST_ENTRY Entry)
{
    return *reinterpret_cast<PSLIST_ENTRY volatile *>(&Entry->Next);
}

} // namespace

// Makes a list empty. Not interlocked: before the list is shared. Any IRQL.
extern "C" VOID NTAPI RtlInitializeSListHead(PSLIST_HEADER ListHead)
{
    __atomic_store_n(&ListHead->Alignment, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&ListHead->Region, 0, __ATOMIC_RELEASE);
}

// Pushes a 16-byte aligned entry; returns the previous first entry (NULL if the
// list was empty). Any IRQL.
extern "C" PSLIST_ENTRY NTAPI RtlInterlockedPushEntrySList(PSLIST_HEADER ListHead, PSLIST_ENTRY ListEntry)
{
    ASSERTMSG("SLIST_ENTRY not 16-byte aligned", (reinterpret_cast<ULONG_PTR>(ListEntry) & 15) == 0);
    RTLP_SLIST_STATE Old = RtlpReadSListHead(ListHead);
    do {
        __atomic_store_n(&ListEntry->Next, Old.First(), __ATOMIC_RELAXED);
    } while (!RtlpExchangeSListHead(ListHead, Old, ((Old.Alignment + kSequenceIncrement) & ~kDepthMask) |
                                                       (ULONGLONG)(USHORT)(Old.Depth() + 1),
                                    ListEntry));
    return Old.First();
}

// Pops the first entry, or returns NULL for an empty list. Any IRQL.
extern "C" PSLIST_ENTRY NTAPI RtlInterlockedPopEntrySList(PSLIST_HEADER ListHead)
{
    RTLP_SLIST_STATE Old = RtlpReadSListHead(ListHead);
    for (;;) {
        PSLIST_ENTRY First = Old.First();
        if (!First)
            return NULL;
        PSLIST_ENTRY Next = RtlpReadStaleLink(First);
        ULONGLONG Alignment = ((Old.Alignment + kSequenceIncrement) & ~kDepthMask) | (USHORT)(Old.Depth() - 1);
        if (RtlpExchangeSListHead(ListHead, Old, Alignment, Next))
            return First;
    }
}

// Empties the list; returns its former first entry (the chain stays linked), or
// NULL. Any IRQL.
extern "C" PSLIST_ENTRY NTAPI RtlInterlockedFlushSList(PSLIST_HEADER ListHead)
{
    RTLP_SLIST_STATE Old = RtlpReadSListHead(ListHead);
    for (;;) {
        if (!Old.First())
            return NULL;
        ULONGLONG Alignment = (Old.Alignment + kSequenceIncrement) & ~kDepthMask;
        PSLIST_ENTRY First = Old.First();
        if (RtlpExchangeSListHead(ListHead, Old, Alignment, NULL))
            return First;
    }
}

// The number of entries on the list (a snapshot). Any IRQL.
extern "C" USHORT NTAPI RtlQueryDepthSList(PSLIST_HEADER ListHead)
{
    return (USHORT)(__atomic_load_n(&ListHead->Alignment, __ATOMIC_RELAXED) & kDepthMask);
}

// The first entry without removing it (a snapshot), or NULL. Any IRQL.
extern "C" PSLIST_ENTRY NTAPI RtlFirstEntrySList(const SLIST_HEADER *ListHead)
{
    return reinterpret_cast<PSLIST_ENTRY>(
        __atomic_load_n(&const_cast<PSLIST_HEADER>(ListHead)->Region, __ATOMIC_ACQUIRE));
}

extern "C" PSLIST_ENTRY NTAPI ExpInterlockedPushEntrySList(PSLIST_HEADER ListHead, PSLIST_ENTRY ListEntry)
    __attribute__((alias("RtlInterlockedPushEntrySList")));
extern "C" PSLIST_ENTRY NTAPI ExpInterlockedPopEntrySList(PSLIST_HEADER ListHead)
    __attribute__((alias("RtlInterlockedPopEntrySList")));
extern "C" PSLIST_ENTRY NTAPI ExpInterlockedFlushSList(PSLIST_HEADER ListHead)
    __attribute__((alias("RtlInterlockedFlushSList")));
