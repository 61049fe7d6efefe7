// RtlCompareMemory and the memory macros.
#include <gtest/gtest.h>

#include "ndk/rtlfuncs.h"
#include "ntstatus.h"

TEST(RtlMemory, CompareMemoryCountsEqualLeadingBytes)
{
    UCHAR A[100], B[100];
    for (int i = 0; i < 100; i++)
        A[i] = B[i] = (UCHAR)(i * 7 + 1);

    EXPECT_EQ(RtlCompareMemory(A, B, sizeof(A)), sizeof(A));
    EXPECT_EQ(RtlCompareMemory(A, B, 0), 0u);
    EXPECT_EQ(RtlCompareMemory(A, B, 5), 5u);

    for (SIZE_T Diff : {0u, 1u, 7u, 8u, 9u, 15u, 16u, 37u, 63u, 64u, 99u}) {
        B[Diff] ^= 0x80;
        EXPECT_EQ(RtlCompareMemory(A, B, sizeof(A)), Diff) << "difference at " << Diff;
        EXPECT_EQ(RtlCompareMemory(B, A, sizeof(A)), Diff);
        // A length that stops before the difference sees only equal bytes.
        EXPECT_EQ(RtlCompareMemory(A, B, Diff), Diff);
        B[Diff] ^= 0x80;
    }
}

TEST(RtlMemory, CompareMemoryUnalignedBuffers)
{
    alignas(16) UCHAR A[64 + 3];
    alignas(16) UCHAR B[64 + 5];
    for (int i = 0; i < 64; i++)
        A[i + 3] = B[i + 5] = (UCHAR)(0xA0 ^ i);

    EXPECT_EQ(RtlCompareMemory(A + 3, B + 5, 64), 64u);
    B[5 + 42] = 0;
    EXPECT_EQ(RtlCompareMemory(A + 3, B + 5, 64), 42u);
    EXPECT_EQ(RtlCompareMemory(A + 3, B + 5, 41), 41u);
}

TEST(RtlMemory, ZeroFillCopyMoveEqual)
{
    UCHAR Buf[32];
    RtlFillMemory(Buf, sizeof(Buf), 0xAB);
    for (UCHAR C : Buf)
        EXPECT_EQ(C, 0xAB);
    RtlZeroMemory(Buf + 8, 16);
    EXPECT_EQ(Buf[7], 0xAB);
    EXPECT_EQ(Buf[8], 0);
    EXPECT_EQ(Buf[23], 0);
    EXPECT_EQ(Buf[24], 0xAB);

    UCHAR Src[8] = {1, 2, 3, 4, 5, 6, 7, 8}, Dst[8] = {};
    RtlCopyMemory(Dst, Src, sizeof(Src));
    EXPECT_TRUE(RtlEqualMemory(Dst, Src, sizeof(Src)));
    Dst[7] = 0;
    EXPECT_FALSE(RtlEqualMemory(Dst, Src, sizeof(Src)));
    EXPECT_TRUE(RtlEqualMemory(Dst, Src, 7));

    // Overlapping move, forwards and backwards.
    UCHAR Ov[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    RtlMoveMemory(Ov + 2, Ov, 6);
    const UCHAR Fwd[10] = {0, 1, 0, 1, 2, 3, 4, 5, 8, 9};
    EXPECT_EQ(RtlCompareMemory(Ov, Fwd, 10), 10u);
    RtlMoveMemory(Ov, Ov + 4, 6);
    const UCHAR Back[10] = {2, 3, 4, 5, 8, 9, 4, 5, 8, 9};
    EXPECT_EQ(RtlCompareMemory(Ov, Back, 10), 10u);
}
