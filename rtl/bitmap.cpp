/*
 * rtl/bitmap.cpp - RTL_BITMAP bit arrays and 64-bit significant-bit searches.
 *
 * Bit N of a bitmap is bit N % 32 of Buffer[N / 32]. As in NT:
 *  - RtlSetBits/RtlClearBits/RtlSetBit/RtlClearBit/RtlTestBit do not check the
 *    range against SizeOfBitMap (callers must stay inside it);
 *  - RtlSetAllBits/RtlClearAllBits write whole ULONGs, including the unused
 *    tail bits of the last one;
 *  - the find routines search from HintIndex to the end, then wrap around to
 *    the start (a run never wraps past the end of the bitmap), and return
 *    0xFFFFFFFF when nothing fits. Asking for zero bits returns the hint
 *    rounded down to a byte boundary (0 if the hint is outside the bitmap).
 */
#include "ndk/rtlfuncs.h"

namespace {

constexpr ULONG BITS_PER_ULONG = 32;
constexpr ULONG NOT_FOUND = 0xFFFFFFFFu;

/* Number of ULONGs that hold SizeOfBitMap bits. */
inline SIZE_T RtlpBitMapUlongs(ULONG SizeOfBitMap)
{
    return (static_cast<SIZE_T>(SizeOfBitMap) + BITS_PER_ULONG - 1) / BITS_PER_ULONG;
}

/* Mask of Count bits (1..32) starting at bit First of a ULONG. */
inline ULONG RtlpRangeMask(ULONG First, ULONG Count)
{
    const ULONG Low = (Count >= BITS_PER_ULONG) ? 0xFFFFFFFFu : ((1u << Count) - 1u);
    return Low << First;
}

/* Sets (Set = true) or clears Count bits starting at Start. */
void RtlpWriteRange(PULONG Buffer, ULONG Start, ULONG Count, bool Set)
{
    PULONG Word = Buffer + Start / BITS_PER_ULONG;
    const ULONG Offset = Start % BITS_PER_ULONG;

    if (Count == 0)
        return;
    if (Offset != 0) {
        const ULONG Chunk = (Count < BITS_PER_ULONG - Offset) ? Count : BITS_PER_ULONG - Offset;
        const ULONG Mask = RtlpRangeMask(Offset, Chunk);

        *Word = Set ? (*Word | Mask) : (*Word & ~Mask);
        Word++;
        Count -= Chunk;
    }
    while (Count >= BITS_PER_ULONG) {
        *Word++ = Set ? 0xFFFFFFFFu : 0u;
        Count -= BITS_PER_ULONG;
    }
    if (Count != 0) {
        const ULONG Mask = RtlpRangeMask(0, Count);

        *Word = Set ? (*Word | Mask) : (*Word & ~Mask);
    }
}

/*
 * Index of the first bit in [Position, Limit) whose value is Set, or Limit if
 * there is none. Only reads the ULONGs that hold bits below Limit.
 */
ULONG RtlpNextBitInState(const ULONG *Buffer, ULONG Position, ULONG Limit, bool Set)
{
    if (Position >= Limit)
        return Limit;

    ULONG WordIndex = Position / BITS_PER_ULONG;
    ULONG Word = Set ? Buffer[WordIndex] : ~Buffer[WordIndex];

    Word &= 0xFFFFFFFFu << (Position % BITS_PER_ULONG);
    for (;;) {
        if (Word != 0) {
            const ULONG64 Found =
                static_cast<ULONG64>(WordIndex) * BITS_PER_ULONG + static_cast<ULONG>(__builtin_ctz(Word));
            return (Found < Limit) ? static_cast<ULONG>(Found) : Limit;
        }
        WordIndex++;
        if (static_cast<ULONG64>(WordIndex) * BITS_PER_ULONG >= Limit)
            return Limit;
        Word = Set ? Buffer[WordIndex] : ~Buffer[WordIndex];
    }
}

/* Length of the run of bits equal to Set that starts at Position, counting at most MaxLength. */
ULONG RtlpRunLength(const ULONG *Buffer, ULONG Position, ULONG MaxLength, bool Set)
{
    /* Position + MaxLength never exceeds SizeOfBitMap at the call sites, so it fits a ULONG. */
    const ULONG End = Position + MaxLength;

    return RtlpNextBitInState(Buffer, Position, End, !Set) - Position;
}

/* First start in [From, Limit - Count] of a run of Count bits equal to Set, or NOT_FOUND. */
ULONG RtlpFindRunInWindow(const ULONG *Buffer, ULONG From, ULONG Limit, ULONG Count, bool Set)
{
    if (Limit < Count)
        return NOT_FOUND;

    const ULONG LastStart = Limit - Count;
    ULONG Position = From;

    while (Position <= LastStart) {
        /* Skip to the next bit in the wanted state, then measure its run. */
        Position = RtlpNextBitInState(Buffer, Position, LastStart + 1, Set);
        if (Position > LastStart)
            break;

        const ULONG Run = RtlpRunLength(Buffer, Position, Count, Set);
        if (Run >= Count)
            return Position;
        Position += Run;
    }
    return NOT_FOUND;
}

/* Common body of RtlFindClearBits and RtlFindSetBits. */
ULONG RtlpFindBits(PRTL_BITMAP BitMapHeader, ULONG NumberToFind, ULONG HintIndex, bool Set)
{
    const ULONG Size = BitMapHeader->SizeOfBitMap;

    if (NumberToFind > Size)
        return NOT_FOUND;
    if (HintIndex >= Size)
        HintIndex = 0;
    if (NumberToFind == 0)
        return HintIndex & ~7u;

    /* First the runs that start at or after the hint... */
    ULONG Found = RtlpFindRunInWindow(BitMapHeader->Buffer, HintIndex, Size, NumberToFind, Set);
    if (Found != NOT_FOUND || HintIndex == 0)
        return Found;

    /* ...then those that start before it (they may extend past the hint). */
    const ULONG64 WrapLimit = static_cast<ULONG64>(HintIndex) + NumberToFind - 1;
    const ULONG Limit = (WrapLimit < Size) ? static_cast<ULONG>(WrapLimit) : Size;
    return RtlpFindRunInWindow(BitMapHeader->Buffer, 0, Limit, NumberToFind, Set);
}

/* Whether every bit of [StartingIndex, StartingIndex + Length) is Set; FALSE if the range is empty or outside. */
BOOLEAN RtlpAreBitsInState(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG Length, bool Set)
{
    const ULONG Size = BitMapHeader->SizeOfBitMap;

    if (Length == 0 || StartingIndex >= Size || Length > Size - StartingIndex)
        return FALSE;
    return (BOOLEAN)(RtlpRunLength(BitMapHeader->Buffer, StartingIndex, Length, Set) == Length);
}

} // namespace

/*
 * Points BitMapHeader at BitMapBuffer holding SizeOfBitMap bits; the buffer is not touched.
 * IRQL: any.
 */
VOID
NTAPI
RtlInitializeBitMap(PRTL_BITMAP BitMapHeader, PULONG BitMapBuffer, ULONG SizeOfBitMap)
{
    BitMapHeader->SizeOfBitMap = SizeOfBitMap;
    BitMapHeader->Buffer = BitMapBuffer;
}

/*
 * Clears every ULONG of the bitmap (the unused tail bits of the last one too).
 * IRQL: any IRQL for a nonpaged buffer; <= APC_LEVEL for a pageable one.
 */
VOID
NTAPI
RtlClearAllBits(PRTL_BITMAP BitMapHeader)
{
    RtlZeroMemory(BitMapHeader->Buffer, RtlpBitMapUlongs(BitMapHeader->SizeOfBitMap) * sizeof(ULONG));
}

/*
 * Sets every ULONG of the bitmap (the unused tail bits of the last one too).
 * IRQL: any IRQL for a nonpaged buffer; <= APC_LEVEL for a pageable one.
 */
VOID
NTAPI
RtlSetAllBits(PRTL_BITMAP BitMapHeader)
{
    RtlFillMemory(BitMapHeader->Buffer, RtlpBitMapUlongs(BitMapHeader->SizeOfBitMap) * sizeof(ULONG),
                  0xFF);
}

/*
 * Sets NumberToSet bits starting at StartingIndex; the range is not checked against the size.
 * IRQL: any IRQL for a nonpaged buffer; <= APC_LEVEL for a pageable one.
 */
VOID
NTAPI
RtlSetBits(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG NumberToSet)
{
    RtlpWriteRange(BitMapHeader->Buffer, StartingIndex, NumberToSet, true);
}

/*
 * Clears NumberToClear bits starting at StartingIndex; the range is not checked against the size.
 * IRQL: any IRQL for a nonpaged buffer; <= APC_LEVEL for a pageable one.
 */
VOID
NTAPI
RtlClearBits(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG NumberToClear)
{
    RtlpWriteRange(BitMapHeader->Buffer, StartingIndex, NumberToClear, false);
}

/*
 * Sets bit BitNumber (not atomic: callers serialize access to the bitmap).
 * IRQL: any IRQL for a nonpaged buffer; <= APC_LEVEL for a pageable one.
 */
VOID
NTAPI
RtlSetBit(PRTL_BITMAP BitMapHeader, ULONG BitNumber)
{
    BitMapHeader->Buffer[BitNumber / BITS_PER_ULONG] |= 1u << (BitNumber % BITS_PER_ULONG);
}

/*
 * Clears bit BitNumber (not atomic: callers serialize access to the bitmap).
 * IRQL: any IRQL for a nonpaged buffer; <= APC_LEVEL for a pageable one.
 */
VOID
NTAPI
RtlClearBit(PRTL_BITMAP BitMapHeader, ULONG BitNumber)
{
    BitMapHeader->Buffer[BitNumber / BITS_PER_ULONG] &= ~(1u << (BitNumber % BITS_PER_ULONG));
}

/*
 * Returns TRUE if bit BitNumber is set.
 * IRQL: any IRQL for a nonpaged buffer; <= APC_LEVEL for a pageable one.
 */
BOOLEAN
NTAPI
RtlTestBit(PRTL_BITMAP BitMapHeader, ULONG BitNumber)
{
    return (BOOLEAN)((BitMapHeader->Buffer[BitNumber / BITS_PER_ULONG] >> (BitNumber % BITS_PER_ULONG)) & 1u);
}

/*
 * TRUE if all Length bits from StartingIndex are set; FALSE if Length is 0 or the range leaves the bitmap.
 * IRQL: any IRQL for a nonpaged buffer; <= APC_LEVEL for a pageable one.
 */
BOOLEAN
NTAPI
RtlAreBitsSet(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG Length)
{
    return RtlpAreBitsInState(BitMapHeader, StartingIndex, Length, true);
}

/*
 * TRUE if all Length bits from StartingIndex are clear; FALSE if Length is 0 or the range leaves the bitmap.
 * IRQL: any IRQL for a nonpaged buffer; <= APC_LEVEL for a pageable one.
 */
BOOLEAN
NTAPI
RtlAreBitsClear(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG Length)
{
    return RtlpAreBitsInState(BitMapHeader, StartingIndex, Length, false);
}

/*
 * Start of a run of NumberToFind clear bits, searching from HintIndex and wrapping; 0xFFFFFFFF if none.
 * IRQL: any IRQL for a nonpaged buffer; <= APC_LEVEL for a pageable one.
 */
ULONG
NTAPI
RtlFindClearBits(PRTL_BITMAP BitMapHeader, ULONG NumberToFind, ULONG HintIndex)
{
    return RtlpFindBits(BitMapHeader, NumberToFind, HintIndex, false);
}

/*
 * Start of a run of NumberToFind set bits, searching from HintIndex and wrapping; 0xFFFFFFFF if none.
 * IRQL: any IRQL for a nonpaged buffer; <= APC_LEVEL for a pageable one.
 */
ULONG
NTAPI
RtlFindSetBits(PRTL_BITMAP BitMapHeader, ULONG NumberToFind, ULONG HintIndex)
{
    return RtlpFindBits(BitMapHeader, NumberToFind, HintIndex, true);
}

/*
 * RtlFindClearBits, then sets the run it found (the usual allocator pattern).
 * IRQL: any IRQL for a nonpaged buffer; <= APC_LEVEL for a pageable one.
 */
ULONG
NTAPI
RtlFindClearBitsAndSet(PRTL_BITMAP BitMapHeader, ULONG NumberToFind, ULONG HintIndex)
{
    const ULONG Index = RtlFindClearBits(BitMapHeader, NumberToFind, HintIndex);

    if (Index != NOT_FOUND)
        RtlSetBits(BitMapHeader, Index, NumberToFind);
    return Index;
}

/*
 * RtlFindSetBits, then clears the run it found.
 * IRQL: any IRQL for a nonpaged buffer; <= APC_LEVEL for a pageable one.
 */
ULONG
NTAPI
RtlFindSetBitsAndClear(PRTL_BITMAP BitMapHeader, ULONG NumberToFind, ULONG HintIndex)
{
    const ULONG Index = RtlFindSetBits(BitMapHeader, NumberToFind, HintIndex);

    if (Index != NOT_FOUND)
        RtlClearBits(BitMapHeader, Index, NumberToFind);
    return Index;
}

/*
 * Counts the set bits among the first SizeOfBitMap bits (tail bits of the last ULONG are ignored).
 * IRQL: any IRQL for a nonpaged buffer; <= APC_LEVEL for a pageable one.
 */
ULONG
NTAPI
RtlNumberOfSetBits(PRTL_BITMAP BitMapHeader)
{
    const ULONG Size = BitMapHeader->SizeOfBitMap;
    const ULONG FullWords = Size / BITS_PER_ULONG;
    const ULONG TailBits = Size % BITS_PER_ULONG;
    ULONG Count = 0;

    for (ULONG i = 0; i < FullWords; i++)
        Count += static_cast<ULONG>(__builtin_popcount(BitMapHeader->Buffer[i]));
    if (TailBits != 0)
        Count += static_cast<ULONG>(
            __builtin_popcount(BitMapHeader->Buffer[FullWords] & RtlpRangeMask(0, TailBits)));
    return Count;
}

/*
 * Counts the clear bits among the first SizeOfBitMap bits.
 * IRQL: any IRQL for a nonpaged buffer; <= APC_LEVEL for a pageable one.
 */
ULONG
NTAPI
RtlNumberOfClearBits(PRTL_BITMAP BitMapHeader)
{
    return BitMapHeader->SizeOfBitMap - RtlNumberOfSetBits(BitMapHeader);
}

/*
 * Bit number (0..63) of the lowest set bit of Set, or -1 if Set is 0.
 * IRQL: any.
 */
CCHAR
NTAPI
RtlFindLeastSignificantBit(ULONGLONG Set)
{
    ULONG Index;

    return BitScanForward64(&Index, Set) ? (CCHAR)Index : (CCHAR)-1;
}

/*
 * Bit number (0..63) of the highest set bit of Set, or -1 if Set is 0.
 * IRQL: any.
 */
CCHAR
NTAPI
RtlFindMostSignificantBit(ULONGLONG Set)
{
    ULONG Index;

    return BitScanReverse64(&Index, Set) ? (CCHAR)Index : (CCHAR)-1;
}
