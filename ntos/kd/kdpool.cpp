// kdpool.cpp - !poolused: the pool's per-tag counts (allocations, frees, blocks and
// bytes outstanding), sorted by tag as WinDbg sorts them, optionally only the tags
// matching a pattern with ? and * wildcards.
#include "ex.h"
#include "kd.h"

namespace {

// A tag's four characters in reading order, as a number that sorts like them.
ULONG KdpTagOrder(ULONG Tag) { return __builtin_bswap32(Tag); }

// Whether the four characters of Tag (trailing blanks ignored) match Pattern.
BOOLEAN KdpTagMatches(PCSTR Tag, PCSTR Pattern)
{
    if (*Pattern == '*')
        return KdpTagMatches(Tag, Pattern + 1) || (*Tag && KdpTagMatches(Tag + 1, Pattern));
    if (!*Pattern)
        return !*Tag || (*Tag == ' ' && KdpTagMatches(Tag + 1, Pattern));
    CHAR a = *Tag, b = *Pattern;
    if (a >= 'A' && a <= 'Z')
        a = (CHAR)(a + 32);
    if (b >= 'A' && b <= 'Z')
        b = (CHAR)(b + 32);
    return *Tag && (b == '?' || a == b) && KdpTagMatches(Tag + 1, Pattern + 1);
}

// The row with the smallest tag after After (in reading order); FALSE if none.
BOOLEAN KdpNextTag(ULONG64 After, ULONG *Tag, LONG64 *Allocs, LONG64 *Frees, LONG64 *Bytes)
{
    ULONG64 Best = ~0ULL;
    ULONG RowTag;
    LONG64 RowAllocs, RowFrees, RowBytes;
    for (ULONG i = 0; ExpQueryPoolTagUsage(i, &RowTag, &RowAllocs, &RowFrees, &RowBytes); i++) {
        ULONG64 Order = KdpTagOrder(RowTag);
        if (!RowTag || Order <= After || (Best != ~0ULL && Order >= Best))
            continue;
        Best = Order;
        *Tag = RowTag, *Allocs = RowAllocs, *Frees = RowFrees, *Bytes = RowBytes;
    }
    return Best != ~0ULL;
}

} // namespace

// !poolused [Flags [Tag]]: every tag's counts, or those matching Tag. Reads the
// counters as they are, so it takes no locks; any IRQL.
extern "C" NTSTATUS NTAPI KdpPoolUsedCommand(PKD_ARGUMENTS Arguments, BOOLEAN NoLocks)
{
    UNREFERENCED_PARAMETER(NoLocks);
    if (Arguments->Count > 2 || (Arguments->Count > 0 && !Arguments->IsNumber[0])) {
        DbgPrint("kd: usage: !poolused [Flags [Tag]]\n");
        return STATUS_INVALID_PARAMETER;
    }
    PCSTR Pattern = Arguments->Count > 1 ? Arguments->Text[1] : "*";
    DbgPrint(" Sorting by Tag\n\n Pool Used:\n");
    DbgPrint(" Tag          Allocs          Frees           Diff           Used\n");
    LONG64 TotalAllocs = 0, TotalFrees = 0, TotalBytes = 0;
    ULONG Tag;
    LONG64 Allocs, Frees, Bytes;
    for (ULONG64 After = 0; KdpNextTag(After, &Tag, &Allocs, &Frees, &Bytes); After = KdpTagOrder(Tag)) {
        CHAR Text[5] = {(CHAR)(Tag & 0xFF), (CHAR)((Tag >> 8) & 0xFF), (CHAR)((Tag >> 16) & 0xFF), (CHAR)(Tag >> 24), 0};
        for (CHAR &c : Text)
            if (c && (c < ' ' || c > '~'))
                c = '?';
        if (!KdpTagMatches(Text, Pattern))
            continue;
        DbgPrint(" %-4s %14lld %14lld %14lld %14lld\n", Text, (long long)Allocs, (long long)Frees,
                 (long long)(Allocs - Frees), (long long)Bytes);
        TotalAllocs += Allocs, TotalFrees += Frees, TotalBytes += Bytes;
    }
    DbgPrint(" TOTAL %13lld %14lld %14lld %14lld\n", (long long)TotalAllocs, (long long)TotalFrees,
             (long long)(TotalAllocs - TotalFrees), (long long)TotalBytes);
    return STATUS_SUCCESS;
}
