// Counted-string routines: lengths in bytes, NT truncation and overflow rules.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ndk/rtlfuncs.h"
#include "ntstatus.h"

namespace {

UNICODE_STRING Str(PCWSTR Text)
{
    UNICODE_STRING S;
    RtlInitUnicodeString(&S, Text);
    return S;
}

std::wstring Text(PCUNICODE_STRING S)
{
    return std::wstring(S->Buffer, S->Length / sizeof(WCHAR));
}

constexpr WCHAR SENTINEL = L'#';

} // namespace

TEST(RtlUnicode, InitUnicodeStringCountsBytes)
{
    static const WCHAR Hello[] = L"Hello";
    UNICODE_STRING S;
    RtlInitUnicodeString(&S, Hello);
    EXPECT_EQ(S.Length, 5 * sizeof(WCHAR));
    EXPECT_EQ(S.MaximumLength, 6 * sizeof(WCHAR));
    EXPECT_EQ(S.Buffer, Hello); // describes the source in place

    RtlInitUnicodeString(&S, L"");
    EXPECT_EQ(S.Length, 0);
    EXPECT_EQ(S.MaximumLength, sizeof(WCHAR));

    RtlInitUnicodeString(&S, nullptr);
    EXPECT_EQ(S.Length, 0);
    EXPECT_EQ(S.MaximumLength, 0);
    EXPECT_EQ(S.Buffer, nullptr);
}

TEST(RtlUnicode, InitUnicodeStringClampsLongStrings)
{
    // Longest length whose MaximumLength (length + terminator) fits a USHORT.
    const USHORT MaxLength = UNICODE_STRING_MAX_BYTES - sizeof(WCHAR);
    const SIZE_T MaxChars = MaxLength / sizeof(WCHAR);

    std::vector<WCHAR> Long(70000, L'x');
    Long.back() = UNICODE_NULL;
    UNICODE_STRING S;
    RtlInitUnicodeString(&S, Long.data());
    EXPECT_EQ(S.Length, MaxLength);
    EXPECT_EQ(S.MaximumLength, MaxLength + sizeof(WCHAR));
    EXPECT_EQ(S.Length % sizeof(WCHAR), 0u);
    EXPECT_EQ(S.Buffer, Long.data());

    std::vector<WCHAR> Exact(MaxChars + 1, L'y');
    Exact.back() = UNICODE_NULL;
    RtlInitUnicodeString(&S, Exact.data());
    EXPECT_EQ(S.Length, MaxLength);

    std::vector<WCHAR> OneMore(MaxChars + 2, L'z');
    OneMore.back() = UNICODE_NULL;
    RtlInitUnicodeString(&S, OneMore.data());
    EXPECT_EQ(S.Length, MaxLength);
    EXPECT_EQ(S.MaximumLength, MaxLength + sizeof(WCHAR));

    std::vector<WCHAR> OneLess(MaxChars, L'w');
    OneLess.back() = UNICODE_NULL;
    RtlInitUnicodeString(&S, OneLess.data());
    EXPECT_EQ(S.Length, MaxLength - sizeof(WCHAR));
}

TEST(RtlUnicode, InitAnsiString)
{
    ANSI_STRING A;
    RtlInitAnsiString(&A, "abc");
    EXPECT_EQ(A.Length, 3);
    EXPECT_EQ(A.MaximumLength, 4);

    RtlInitAnsiString(&A, nullptr);
    EXPECT_EQ(A.Length, 0);
    EXPECT_EQ(A.MaximumLength, 0);
    EXPECT_EQ(A.Buffer, nullptr);

    std::string Long(70000, 'q');
    RtlInitAnsiString(&A, Long.c_str());
    EXPECT_EQ(A.Length, MAXUSHORT - 1);
    EXPECT_EQ(A.MaximumLength, MAXUSHORT);
}

TEST(RtlUnicode, EqualUnicodeString)
{
    UNICODE_STRING A = Str(L"Kernel"), B = Str(L"Kernel"), C = Str(L"KERNEL"), D = Str(L"Kerne");
    EXPECT_TRUE(RtlEqualUnicodeString(&A, &B, FALSE));
    EXPECT_FALSE(RtlEqualUnicodeString(&A, &C, FALSE));
    EXPECT_TRUE(RtlEqualUnicodeString(&A, &C, TRUE));
    EXPECT_FALSE(RtlEqualUnicodeString(&A, &D, TRUE)); // a prefix is not equal
    EXPECT_FALSE(RtlEqualUnicodeString(&D, &A, TRUE));

    UNICODE_STRING E1 = Str(L""), E2 = Str(nullptr);
    EXPECT_TRUE(RtlEqualUnicodeString(&E1, &E2, FALSE));

    // Only Length counts: characters past it are ignored.
    UNICODE_STRING P = Str(L"abcX"), Q = Str(L"abcY");
    P.Length = Q.Length = 3 * sizeof(WCHAR);
    EXPECT_TRUE(RtlEqualUnicodeString(&P, &Q, FALSE));

    UNICODE_STRING Latin1 = Str(L"caf\u00e9"), Latin1Upper = Str(L"CAF\u00c9");
    EXPECT_TRUE(RtlEqualUnicodeString(&Latin1, &Latin1Upper, TRUE));
    EXPECT_FALSE(RtlEqualUnicodeString(&Latin1, &Latin1Upper, FALSE));
}

TEST(RtlUnicode, CompareUnicodeString)
{
    UNICODE_STRING Abc = Str(L"abc"), Abd = Str(L"abd"), Ab = Str(L"ab"), ABC = Str(L"ABC");
    EXPECT_LT(RtlCompareUnicodeString(&Abc, &Abd, FALSE), 0);
    EXPECT_GT(RtlCompareUnicodeString(&Abd, &Abc, FALSE), 0);
    EXPECT_EQ(RtlCompareUnicodeString(&Abc, &Abc, FALSE), 0);
    EXPECT_GT(RtlCompareUnicodeString(&Abc, &Ab, FALSE), 0); // longer sorts after its prefix
    EXPECT_LT(RtlCompareUnicodeString(&Ab, &Abc, FALSE), 0);
    EXPECT_GT(RtlCompareUnicodeString(&Abc, &ABC, FALSE), 0); // 'a' > 'A'
    EXPECT_EQ(RtlCompareUnicodeString(&Abc, &ABC, TRUE), 0);

    // Case-insensitive order compares the upper-case forms: 'a' < 'B' although 'a' > 'B' raw.
    UNICODE_STRING LowerA = Str(L"a"), UpperB = Str(L"B");
    EXPECT_GT(RtlCompareUnicodeString(&LowerA, &UpperB, FALSE), 0);
    EXPECT_LT(RtlCompareUnicodeString(&LowerA, &UpperB, TRUE), 0);
    EXPECT_EQ(RtlCompareUnicodeString(&Abc, &Abd, FALSE), L'c' - L'd');
}

TEST(RtlUnicode, CopyUnicodeStringFitsAndTerminates)
{
    WCHAR Buffer[16];
    for (WCHAR &C : Buffer)
        C = SENTINEL;
    UNICODE_STRING Dest;
    RtlInitEmptyUnicodeString(&Dest, Buffer, sizeof(Buffer));
    UNICODE_STRING Src = Str(L"hello");

    RtlCopyUnicodeString(&Dest, &Src);
    EXPECT_EQ(Dest.Length, Src.Length);
    EXPECT_EQ(Text(&Dest), L"hello");
    EXPECT_EQ(Buffer[5], UNICODE_NULL);
    EXPECT_EQ(Buffer[6], SENTINEL);

    RtlCopyUnicodeString(&Dest, nullptr);
    EXPECT_EQ(Dest.Length, 0);
}

TEST(RtlUnicode, CopyUnicodeStringTruncatesSilently)
{
    WCHAR Buffer[4];
    for (WCHAR &C : Buffer)
        C = SENTINEL;
    UNICODE_STRING Dest;
    RtlInitEmptyUnicodeString(&Dest, Buffer, 3 * sizeof(WCHAR));
    UNICODE_STRING Src = Str(L"hello");

    RtlCopyUnicodeString(&Dest, &Src);
    EXPECT_EQ(Dest.Length, 3 * sizeof(WCHAR));
    EXPECT_EQ(Dest.MaximumLength, 3 * sizeof(WCHAR));
    EXPECT_EQ(Text(&Dest), L"hel");
    EXPECT_EQ(Buffer[3], SENTINEL); // full: no terminator written past MaximumLength

    // A MaximumLength that is not a whole number of WCHARs copies only whole ones.
    for (WCHAR &C : Buffer)
        C = SENTINEL;
    RtlInitEmptyUnicodeString(&Dest, Buffer, 2 * sizeof(WCHAR) + 1);
    RtlCopyUnicodeString(&Dest, &Src);
    EXPECT_EQ(Dest.Length, 2 * sizeof(WCHAR));
    EXPECT_EQ(Text(&Dest), L"he");
    EXPECT_EQ(Buffer[2], SENTINEL);
}

TEST(RtlUnicode, PrefixUnicodeString)
{
    UNICODE_STRING Dev = Str(L"\\Device"), DevHd = Str(L"\\Device\\Harddisk0"), Lower = Str(L"\\device");
    UNICODE_STRING Empty = Str(L"");
    EXPECT_TRUE(RtlPrefixUnicodeString(&Dev, &DevHd, FALSE));
    EXPECT_FALSE(RtlPrefixUnicodeString(&DevHd, &Dev, FALSE));
    EXPECT_TRUE(RtlPrefixUnicodeString(&Dev, &Dev, FALSE));
    EXPECT_FALSE(RtlPrefixUnicodeString(&Lower, &DevHd, FALSE));
    EXPECT_TRUE(RtlPrefixUnicodeString(&Lower, &DevHd, TRUE));
    EXPECT_TRUE(RtlPrefixUnicodeString(&Empty, &Dev, FALSE));
}

TEST(RtlUnicode, AppendUnicodeStringToString)
{
    WCHAR Buffer[9];
    for (WCHAR &C : Buffer)
        C = SENTINEL;
    UNICODE_STRING Dest;
    RtlInitEmptyUnicodeString(&Dest, Buffer, 8 * sizeof(WCHAR));
    UNICODE_STRING Abc = Str(L"abc"), De = Str(L"de"), Empty = Str(L"");

    EXPECT_EQ(RtlAppendUnicodeStringToString(&Dest, &Abc), STATUS_SUCCESS);
    EXPECT_EQ(RtlAppendUnicodeStringToString(&Dest, &De), STATUS_SUCCESS);
    EXPECT_EQ(Text(&Dest), L"abcde");
    EXPECT_EQ(Buffer[5], UNICODE_NULL);
    EXPECT_EQ(RtlAppendUnicodeStringToString(&Dest, &Empty), STATUS_SUCCESS);
    EXPECT_EQ(Dest.Length, 5 * sizeof(WCHAR));

    // 5 + 3 = 8 characters fill the buffer exactly: success, no terminator.
    EXPECT_EQ(RtlAppendUnicodeStringToString(&Dest, &Abc), STATUS_SUCCESS);
    EXPECT_EQ(Text(&Dest), L"abcdeabc");
    EXPECT_EQ(Buffer[8], SENTINEL);

    // Nothing more fits: error, Destination unchanged.
    EXPECT_EQ(RtlAppendUnicodeStringToString(&Dest, &De), STATUS_BUFFER_TOO_SMALL);
    EXPECT_EQ(Dest.Length, 8 * sizeof(WCHAR));
    EXPECT_EQ(Text(&Dest), L"abcdeabc");
}

TEST(RtlUnicode, AppendUnicodeStringOverflowLeavesDestinationAlone)
{
    WCHAR Buffer[4] = {L'x', L'y', SENTINEL, SENTINEL};
    UNICODE_STRING Dest;
    RtlInitEmptyUnicodeString(&Dest, Buffer, sizeof(Buffer));
    Dest.Length = 2 * sizeof(WCHAR);
    UNICODE_STRING Abc = Str(L"abc");

    EXPECT_EQ(RtlAppendUnicodeStringToString(&Dest, &Abc), STATUS_BUFFER_TOO_SMALL);
    EXPECT_EQ(Dest.Length, 2 * sizeof(WCHAR));
    EXPECT_EQ(Buffer[2], SENTINEL);
    EXPECT_EQ(Buffer[3], SENTINEL);
    EXPECT_TRUE(NT_ERROR(STATUS_BUFFER_TOO_SMALL));
}

TEST(RtlUnicode, AppendUnicodeToString)
{
    WCHAR Buffer[6];
    for (WCHAR &C : Buffer)
        C = SENTINEL;
    UNICODE_STRING Dest;
    RtlInitEmptyUnicodeString(&Dest, Buffer, 5 * sizeof(WCHAR));

    EXPECT_EQ(RtlAppendUnicodeToString(&Dest, L"ab"), STATUS_SUCCESS);
    EXPECT_EQ(Buffer[2], UNICODE_NULL);
    EXPECT_EQ(RtlAppendUnicodeToString(&Dest, nullptr), STATUS_SUCCESS);
    EXPECT_EQ(RtlAppendUnicodeToString(&Dest, L"cdef"), STATUS_BUFFER_TOO_SMALL);
    EXPECT_EQ(Text(&Dest), L"ab");
    EXPECT_EQ(RtlAppendUnicodeToString(&Dest, L"cde"), STATUS_SUCCESS);
    EXPECT_EQ(Text(&Dest), L"abcde");
    EXPECT_EQ(Dest.Length, Dest.MaximumLength);
    EXPECT_EQ(Buffer[5], SENTINEL);
}

TEST(RtlUnicode, UpcaseAndDowncaseChar)
{
    EXPECT_EQ(RtlUpcaseUnicodeChar(L'a'), L'A');
    EXPECT_EQ(RtlUpcaseUnicodeChar(L'z'), L'Z');
    EXPECT_EQ(RtlUpcaseUnicodeChar(L'A'), L'A');
    EXPECT_EQ(RtlUpcaseUnicodeChar(L'1'), L'1');
    EXPECT_EQ(RtlUpcaseUnicodeChar(L'{'), L'{');
    EXPECT_EQ(RtlUpcaseUnicodeChar(0x00E9), 0x00C9);  // e-acute
    EXPECT_EQ(RtlUpcaseUnicodeChar(0x00F7), 0x00F7);  // division sign has no case
    EXPECT_EQ(RtlUpcaseUnicodeChar(0x00FF), 0x0178);  // y-diaeresis
    EXPECT_EQ(RtlUpcaseUnicodeChar(0x0101), 0x0100);  // a-macron
    EXPECT_EQ(RtlUpcaseUnicodeChar(0x0100), 0x0100);
    EXPECT_EQ(RtlUpcaseUnicodeChar(0x017E), 0x017D);  // z-caron
    EXPECT_EQ(RtlUpcaseUnicodeChar(0x03B1), 0x0391);  // alpha
    EXPECT_EQ(RtlUpcaseUnicodeChar(0x0430), 0x0410);  // Cyrillic a
    EXPECT_EQ(RtlUpcaseUnicodeChar(0x0451), 0x0401);  // Cyrillic io
    EXPECT_EQ(RtlUpcaseUnicodeChar(0xFF41), 0xFF21);  // fullwidth a

    EXPECT_EQ(RtlDowncaseUnicodeChar(L'Q'), L'q');
    EXPECT_EQ(RtlDowncaseUnicodeChar(L'q'), L'q');
    EXPECT_EQ(RtlDowncaseUnicodeChar(0x00C9), 0x00E9);
    EXPECT_EQ(RtlDowncaseUnicodeChar(0x0178), 0x00FF);
    EXPECT_EQ(RtlDowncaseUnicodeChar(0x03A3), 0x03C3);  // capital sigma -> sigma, not final sigma
    EXPECT_EQ(RtlDowncaseUnicodeChar(0x0139), 0x013A);
    EXPECT_EQ(RtlDowncaseUnicodeChar(0x00D7), 0x00D7);  // multiplication sign

    // Round trip over the whole Basic Multilingual Plane: upcase(downcase(upcase(c))) is stable.
    for (ULONG C = 0; C < 0x10000; C++) {
        const WCHAR Up = RtlUpcaseUnicodeChar((WCHAR)C);
        ASSERT_EQ(RtlUpcaseUnicodeChar(RtlDowncaseUnicodeChar(Up)), Up) << std::hex << C;
    }
}
