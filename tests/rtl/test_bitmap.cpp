// RTL_BITMAP routines, significant-bit searches and the BitScan inlines.
#include <gtest/gtest.h>

#include <vector>

#include "ndk/rtlfuncs.h"
#include "ntstatus.h"

namespace {

constexpr ULONG NOT_FOUND = 0xFFFFFFFFu;

// A bitmap over a vector, with one guard ULONG after the bits the size needs.
struct TestBitmap {
    std::vector<ULONG> Words;
    RTL_BITMAP Header;

    TestBitmap(ULONG Bits, ULONG Fill = 0)
        : Words((Bits + 31) / 32 + 1, Fill)
    {
        RtlInitializeBitMap(&Header, Words.data(), Bits);
    }
    PRTL_BITMAP operator&() { return &Header; }
    ULONG Guard() const { return Words.back(); }
};

} // namespace

TEST(RtlBitmap, InitializeDoesNotTouchTheBuffer)
{
    ULONG Buffer[2] = {0xCCCCCCCC, 0xCCCCCCCC};
    RTL_BITMAP Header;
    RtlInitializeBitMap(&Header, Buffer, 40);
    EXPECT_EQ(Header.SizeOfBitMap, 40u);
    EXPECT_EQ(Header.Buffer, Buffer);
    EXPECT_EQ(Buffer[0], 0xCCCCCCCCu);
    EXPECT_EQ(Buffer[1], 0xCCCCCCCCu);
}

TEST(RtlBitmap, SetAndClearAllWriteWholeUlongsOnly)
{
    TestBitmap B(40, 0x12345678);
    RtlSetAllBits(&B);
    EXPECT_EQ(B.Words[0], 0xFFFFFFFFu);
    EXPECT_EQ(B.Words[1], 0xFFFFFFFFu); // tail bits of the last ULONG too, as NT
    EXPECT_EQ(B.Guard(), 0x12345678u);

    RtlClearAllBits(&B);
    EXPECT_EQ(B.Words[0], 0u);
    EXPECT_EQ(B.Words[1], 0u);
    EXPECT_EQ(B.Guard(), 0x12345678u);

    TestBitmap Empty(0, 0xCCCCCCCC);
    RtlSetAllBits(&Empty);
    RtlClearAllBits(&Empty);
    EXPECT_EQ(Empty.Words[0], 0xCCCCCCCCu);
}

TEST(RtlBitmap, SetBitsAcrossUlongBoundary)
{
    TestBitmap B(64);
    RtlSetBits(&B, 30, 6);
    EXPECT_EQ(B.Words[0], 0xC0000000u);
    EXPECT_EQ(B.Words[1], 0x0000000Fu);

    RtlSetBits(&B, 0, 0); // nothing
    EXPECT_EQ(B.Words[0], 0xC0000000u);

    RtlSetBits(&B, 7, 9);
    EXPECT_EQ(B.Words[0], 0xC000FF80u);
    RtlSetBits(&B, 63, 1);
    EXPECT_EQ(B.Words[1], 0x8000000Fu);
    EXPECT_EQ(B.Guard(), 0u);
}

TEST(RtlBitmap, SetAndClearBitsSpanningSeveralUlongs)
{
    TestBitmap B(128);
    RtlSetBits(&B, 20, 80); // 20..99
    EXPECT_EQ(B.Words[0], 0xFFF00000u);
    EXPECT_EQ(B.Words[1], 0xFFFFFFFFu);
    EXPECT_EQ(B.Words[2], 0xFFFFFFFFu);
    EXPECT_EQ(B.Words[3], 0x0000000Fu);
    EXPECT_EQ(RtlNumberOfSetBits(&B), 80u);

    RtlClearBits(&B, 31, 34); // 31..64
    EXPECT_EQ(B.Words[0], 0x7FF00000u);
    EXPECT_EQ(B.Words[1], 0x00000000u);
    EXPECT_EQ(B.Words[2], 0xFFFFFFFEu);
    EXPECT_EQ(B.Words[3], 0x0000000Fu);
    EXPECT_EQ(RtlNumberOfSetBits(&B), 80u - 34u);
    EXPECT_EQ(B.Guard(), 0u);
}

TEST(RtlBitmap, ClearBitsFromAllOnes)
{
    TestBitmap B(64, 0xFFFFFFFF);
    RtlClearBits(&B, 13, 22);
    EXPECT_EQ(B.Words[0], 0x00001FFFu);
    EXPECT_EQ(B.Words[1], 0xFFFFFFF8u);
}

TEST(RtlBitmap, SingleBitSetClearTest)
{
    TestBitmap B(64);
    RtlSetBit(&B, 0);
    RtlSetBit(&B, 31);
    RtlSetBit(&B, 32);
    RtlSetBit(&B, 63);
    EXPECT_EQ(B.Words[0], 0x80000001u);
    EXPECT_EQ(B.Words[1], 0x80000001u);
    EXPECT_TRUE(RtlTestBit(&B, 31));
    EXPECT_TRUE(RtlTestBit(&B, 32));
    EXPECT_FALSE(RtlTestBit(&B, 33));
    RtlClearBit(&B, 31);
    EXPECT_FALSE(RtlTestBit(&B, 31));
    EXPECT_EQ(B.Words[0], 0x00000001u);
    EXPECT_EQ(RtlTestBit(&B, 63), TRUE); // BOOLEAN is exactly 1, not the raw mask
}

TEST(RtlBitmap, AreBitsSetAndClearStayInsideTheBitmap)
{
    TestBitmap B(64);
    B.Words[0] = 0xFF00FF00;
    B.Words[1] = 0x3F303F30;

    EXPECT_FALSE(RtlAreBitsSet(&B, 0, 8));
    EXPECT_TRUE(RtlAreBitsSet(&B, 8, 8));
    EXPECT_FALSE(RtlAreBitsSet(&B, 7, 8));
    EXPECT_FALSE(RtlAreBitsSet(&B, 8, 9));
    EXPECT_TRUE(RtlAreBitsSet(&B, 24, 8));
    EXPECT_TRUE(RtlAreBitsClear(&B, 0, 8));
    EXPECT_TRUE(RtlAreBitsClear(&B, 32, 4)); // right after a set run ending at the boundary
    EXPECT_FALSE(RtlAreBitsClear(&B, 60, 4));
    EXPECT_TRUE(RtlAreBitsClear(&B, 62, 2));

    // Zero length and ranges leaving the bitmap are FALSE, as in NT.
    EXPECT_FALSE(RtlAreBitsSet(&B, 8, 0));
    EXPECT_FALSE(RtlAreBitsClear(&B, 0, 0));
    EXPECT_FALSE(RtlAreBitsClear(&B, 62, 3));
    EXPECT_FALSE(RtlAreBitsClear(&B, 64, 1));
    EXPECT_FALSE(RtlAreBitsClear(&B, 1, 0xFFFFFFFF));

    RtlInitializeBitMap(&B.Header, B.Words.data(), 31); // bits 24..30 set, 31 outside
    EXPECT_TRUE(RtlAreBitsSet(&B, 24, 7));
    EXPECT_FALSE(RtlAreBitsSet(&B, 24, 8));
}

TEST(RtlBitmap, NumberOfSetAndClearBitsIgnoreTailBits)
{
    TestBitmap B(64);
    B.Words[0] = 0xFF00FF0F;
    B.Words[1] = 0x3F303F30;
    const struct {
        ULONG Size, Set;
    } Cases[] = {{64, 36}, {56, 30}, {31, 19}, {4, 4}, {0, 0}};
    for (const auto &C : Cases) {
        RtlInitializeBitMap(&B.Header, B.Words.data(), C.Size);
        EXPECT_EQ(RtlNumberOfSetBits(&B), C.Set) << "size " << C.Size;
        EXPECT_EQ(RtlNumberOfClearBits(&B), C.Size - C.Set) << "size " << C.Size;
    }
    EXPECT_EQ(B.Words[0], 0xFF00FF0Fu); // counting does not modify the buffer
}

TEST(RtlBitmap, FindClearBitsBasic)
{
    TestBitmap B(64);
    EXPECT_EQ(RtlFindClearBits(&B, 64, 0), 0u);
    EXPECT_EQ(RtlFindClearBits(&B, 65, 0), NOT_FOUND); // more than the bitmap holds

    RtlSetBits(&B, 0, 10);
    EXPECT_EQ(RtlFindClearBits(&B, 4, 0), 10u);
    EXPECT_EQ(RtlFindClearBits(&B, 54, 0), 10u);
    EXPECT_EQ(RtlFindClearBits(&B, 55, 0), NOT_FOUND);
    EXPECT_EQ(RtlFindClearBits(&B, 1, 40), 40u); // starts at the hint, not at a run start
}

TEST(RtlBitmap, FindClearBitsRunEndingExactlyAtTheEnd)
{
    TestBitmap B(64, 0xFFFFFFFF);
    RtlClearBits(&B, 56, 8);
    EXPECT_EQ(RtlFindClearBits(&B, 8, 0), 56u);
    EXPECT_EQ(RtlFindClearBits(&B, 8, 57), 56u); // via wraparound
    EXPECT_EQ(RtlFindClearBits(&B, 9, 0), NOT_FOUND);
}

TEST(RtlBitmap, FindClearBitsNoneReturnsAllOnes)
{
    TestBitmap B(96, 0xFFFFFFFF);
    EXPECT_EQ(RtlFindClearBits(&B, 1, 0), NOT_FOUND);
    EXPECT_EQ(RtlFindClearBits(&B, 1, 50), NOT_FOUND);
    EXPECT_EQ(RtlFindClearBitsAndSet(&B, 1, 50), NOT_FOUND);
    EXPECT_EQ(B.Words[0], 0xFFFFFFFFu);

    TestBitmap Empty(0);
    EXPECT_EQ(RtlFindClearBits(&Empty, 1, 0), NOT_FOUND);
}

TEST(RtlBitmap, FindClearBitsHintWrapsAround)
{
    TestBitmap B(64, 0xFFFFFFFF);
    RtlClearBits(&B, 4, 3);   // 4..6
    RtlClearBits(&B, 20, 10); // 20..29
    RtlClearBits(&B, 60, 4);  // 60..63

    EXPECT_EQ(RtlFindClearBits(&B, 3, 10), 20u);
    EXPECT_EQ(RtlFindClearBits(&B, 4, 30), 60u);
    EXPECT_EQ(RtlFindClearBits(&B, 5, 30), 20u); // nothing after the hint: wrap to the start
    EXPECT_EQ(RtlFindClearBits(&B, 3, 61), 61u);
    EXPECT_EQ(RtlFindClearBits(&B, 4, 61), 20u);
    // A run that starts before the hint but extends past it is found on the wrap pass.
    EXPECT_EQ(RtlFindClearBits(&B, 8, 24), 20u);
    EXPECT_EQ(RtlFindClearBits(&B, 11, 24), NOT_FOUND);
    // A hint outside the bitmap is treated as 0.
    EXPECT_EQ(RtlFindClearBits(&B, 2, 64), 4u);
    EXPECT_EQ(RtlFindClearBits(&B, 2, 1000), 4u);
}

TEST(RtlBitmap, FindZeroBitsReturnsHintRoundedToByte)
{
    TestBitmap B(32);
    B.Words[0] = 0x060F874D;
    EXPECT_EQ(RtlFindClearBits(&B, 0, 3), 0u);
    EXPECT_EQ(RtlFindClearBits(&B, 0, 21), 16u);
    EXPECT_EQ(RtlFindClearBits(&B, 0, 31), 24u);
    EXPECT_EQ(RtlFindClearBits(&B, 0, 32), 0u);
    EXPECT_EQ(RtlFindSetBits(&B, 0, 12), 8u);
}

// Results observed on Windows (Vista and later) for a fixed pattern.
TEST(RtlBitmap, FindClearBitsMatchesWindowsOnPattern)
{
    ULONG Buffer[2] = {0x060F874D, 0x3F303F30};
    RTL_BITMAP Header;
    const struct {
        ULONG Size, Count, Hint, Expected;
    } Cases[] = {
        {0, 1, 0, NOT_FOUND}, {8, 1, 0, 1},    {8, 1, 2, 4},     {8, 2, 0, 4},    {8, 3, 0, NOT_FOUND},
        {32, 4, 0, 11},       {32, 5, 0, 20},  {32, 4, 11, 11},  {32, 4, 12, 20}, {32, 2, 12, 12},
        {32, 1, 32, 1},       {32, 5, 32, 20}, {64, 5, 64, 20},  {64, 9, 28, 27}, {64, 10, 0, NOT_FOUND},
    };
    for (const auto &C : Cases) {
        RtlInitializeBitMap(&Header, Buffer, C.Size);
        EXPECT_EQ(RtlFindClearBits(&Header, C.Count, C.Hint), C.Expected)
            << "size " << C.Size << " count " << C.Count << " hint " << C.Hint;
    }
}

TEST(RtlBitmap, FindSetBitsMatchesWindowsOnPattern)
{
    ULONG Buffer[2] = {0xF9F078B2, 0x3F303F30};
    RTL_BITMAP Header;
    const struct {
        ULONG Size, Count, Hint, Expected;
    } Cases[] = {
        {8, 1, 0, 1},   {8, 1, 2, 4},   {8, 3, 0, NOT_FOUND}, {32, 4, 0, 11},       {32, 5, 0, 20},
        {32, 4, 12, 20}, {64, 5, 64, 20}, {64, 6, 57, 40},     {64, 7, 0, NOT_FOUND}, {64, 1, 62, 1},
    };
    for (const auto &C : Cases) {
        RtlInitializeBitMap(&Header, Buffer, C.Size);
        EXPECT_EQ(RtlFindSetBits(&Header, C.Count, C.Hint), C.Expected)
            << "size " << C.Size << " count " << C.Count << " hint " << C.Hint;
    }
}

TEST(RtlBitmap, FindClearBitsAndSetAllocatesSequentially)
{
    TestBitmap B(100);
    EXPECT_EQ(RtlFindClearBitsAndSet(&B, 10, 0), 0u);
    EXPECT_EQ(RtlFindClearBitsAndSet(&B, 10, 0), 10u);
    EXPECT_EQ(RtlFindClearBitsAndSet(&B, 30, 0), 20u);
    EXPECT_EQ(RtlNumberOfSetBits(&B), 50u);
    EXPECT_TRUE(RtlAreBitsSet(&B, 0, 50));
    EXPECT_TRUE(RtlAreBitsClear(&B, 50, 50));
    EXPECT_EQ(RtlFindClearBitsAndSet(&B, 51, 0), NOT_FOUND);
    EXPECT_EQ(RtlNumberOfSetBits(&B), 50u);

    RtlClearBits(&B, 10, 10);
    EXPECT_EQ(RtlFindClearBitsAndSet(&B, 10, 60), 60u);
    EXPECT_EQ(RtlFindClearBitsAndSet(&B, 30, 75), 70u); // 70..99 starts before the hint
    EXPECT_EQ(RtlFindClearBitsAndSet(&B, 10, 75), 10u);
}

TEST(RtlBitmap, FindSetBitsAndClearFreesTheRun)
{
    TestBitmap B(64, 0);
    RtlSetBits(&B, 28, 8);
    EXPECT_EQ(RtlFindSetBitsAndClear(&B, 8, 0), 28u);
    EXPECT_EQ(B.Words[0], 0u);
    EXPECT_EQ(B.Words[1], 0u);
    EXPECT_EQ(RtlFindSetBitsAndClear(&B, 1, 0), NOT_FOUND);
}

TEST(RtlBitmap, FindLeastSignificantBit)
{
    EXPECT_EQ(RtlFindLeastSignificantBit(0), -1);
    EXPECT_EQ(RtlFindLeastSignificantBit(1), 0);
    EXPECT_EQ(RtlFindLeastSignificantBit(2), 1);
    EXPECT_EQ(RtlFindLeastSignificantBit(1ULL << 63), 63);
    EXPECT_EQ(RtlFindLeastSignificantBit(0x8000000000000001ULL), 0);
    EXPECT_EQ(RtlFindLeastSignificantBit(0xFFFFFFFFFFFFFFFFULL), 0);
    EXPECT_EQ(RtlFindLeastSignificantBit(0x0000000070000000ULL), 28);
    EXPECT_EQ(RtlFindLeastSignificantBit(0x0000010000000000ULL), 40);
}

TEST(RtlBitmap, FindMostSignificantBit)
{
    EXPECT_EQ(RtlFindMostSignificantBit(0), -1);
    EXPECT_EQ(RtlFindMostSignificantBit(1), 0);
    EXPECT_EQ(RtlFindMostSignificantBit(2), 1);
    EXPECT_EQ(RtlFindMostSignificantBit(1ULL << 63), 63);
    EXPECT_EQ(RtlFindMostSignificantBit(0x8000000000000001ULL), 63);
    EXPECT_EQ(RtlFindMostSignificantBit(0xFFFFFFFFFFFFFFFFULL), 63);
    EXPECT_EQ(RtlFindMostSignificantBit(0x0000000070000000ULL), 30);
    EXPECT_EQ(RtlFindMostSignificantBit(0x00000001FFFFFFFFULL), 32);
}

TEST(RtlBitmap, BitScanInlines)
{
    ULONG Index = 1234;
    EXPECT_FALSE(BitScanForward(&Index, 0));
    EXPECT_FALSE(BitScanReverse(&Index, 0));
    EXPECT_FALSE(BitScanForward64(&Index, 0));
    EXPECT_FALSE(BitScanReverse64(&Index, 0));
    EXPECT_EQ(Index, 1234u);

    EXPECT_TRUE(BitScanForward(&Index, 0x00F0u));
    EXPECT_EQ(Index, 4u);
    EXPECT_TRUE(BitScanReverse(&Index, 0x00F0u));
    EXPECT_EQ(Index, 7u);
    EXPECT_TRUE(BitScanReverse(&Index, 0x80000000u));
    EXPECT_EQ(Index, 31u);
    EXPECT_TRUE(BitScanForward64(&Index, 1ULL << 63));
    EXPECT_EQ(Index, 63u);
    EXPECT_TRUE(BitScanReverse64(&Index, 0x0000000100000001ULL));
    EXPECT_EQ(Index, 32u);
    EXPECT_TRUE(BitScanForward64(&Index, 0x0000000100000000ULL));
    EXPECT_EQ(Index, 32u);
}
