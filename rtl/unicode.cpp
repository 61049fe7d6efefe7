/*
 * rtl/unicode.cpp - counted UNICODE_STRING / ANSI_STRING helpers.
 *
 * Lengths are in bytes. Buffers need not be NUL-terminated; the routines that
 * write a string add a terminator only when MaximumLength leaves room for one,
 * as NT does. Case folding uses RtlUpcaseUnicodeChar, which covers ASCII,
 * Latin-1, Latin Extended-A, basic Greek and Cyrillic and fullwidth Latin
 * (the hosted kernel has no NLS upcase table).
 */
#include "ndk/rtlfuncs.h"
#include "ntstatus.h"

namespace {

/* Longest Length RtlInitUnicodeString produces: MaximumLength (Length + terminator) must fit a USHORT. */
constexpr SIZE_T MAX_INIT_UNICODE_BYTES = UNICODE_STRING_MAX_BYTES - sizeof(WCHAR);
/* Same for 1-byte characters. */
constexpr SIZE_T MAX_INIT_ANSI_BYTES = MAXUSHORT - sizeof(CHAR);

/*
 * One case pair range: characters Lower..LowerLast (every Stride-th one) have
 * the upper-case form Character + Delta. UpcaseOnly marks a mapping that must
 * not be inverted (final sigma folds to capital sigma, whose lower case is the
 * ordinary sigma).
 */
struct CASE_RANGE {
    ULONG Lower;
    ULONG LowerLast;
    LONG Delta;
    ULONG Stride;
    bool UpcaseOnly;
};

constexpr CASE_RANGE CaseRanges[] = {
    {0x0061, 0x007A, -0x20, 1, false}, /* a-z */
    {0x00E0, 0x00F6, -0x20, 1, false}, /* Latin-1 a-grave .. o-diaeresis */
    {0x00F8, 0x00FE, -0x20, 1, false}, /* Latin-1 o-slash .. thorn */
    {0x00FF, 0x00FF, 0x79, 1, false},  /* y-diaeresis -> U+0178 */
    {0x0101, 0x012F, -1, 2, false},    /* Latin Extended-A pairs, upper even */
    {0x0133, 0x0137, -1, 2, false},
    {0x013A, 0x0148, -1, 2, false},    /* pairs, upper odd */
    {0x014B, 0x0177, -1, 2, false},    /* pairs, upper even */
    {0x017A, 0x017E, -1, 2, false},    /* pairs, upper odd */
    {0x03AC, 0x03AC, -0x26, 1, false}, /* Greek accented vowels */
    {0x03AD, 0x03AF, -0x25, 1, false},
    {0x03B1, 0x03C1, -0x20, 1, false}, /* Greek alpha .. rho */
    {0x03C2, 0x03C2, -0x1F, 1, true},  /* final sigma -> capital sigma */
    {0x03C3, 0x03CB, -0x20, 1, false}, /* Greek sigma .. upsilon-dialytika */
    {0x03CC, 0x03CC, -0x40, 1, false},
    {0x03CD, 0x03CE, -0x3F, 1, false},
    {0x0430, 0x044F, -0x20, 1, false}, /* Cyrillic a .. ya */
    {0x0450, 0x045F, -0x50, 1, false}, /* Cyrillic ie-grave .. dzhe */
    {0xFF41, 0xFF5A, -0x20, 1, false}, /* fullwidth a-z */
};

inline bool RtlpInRange(ULONG Character, ULONG First, ULONG Last, ULONG Stride)
{
    return Character >= First && Character <= Last && (Character - First) % Stride == 0;
}

/* Number of characters before the terminating NUL. */
SIZE_T RtlpWideLength(PCWSTR String)
{
    SIZE_T Length = 0;

    while (String[Length] != UNICODE_NULL)
        Length++;
    return Length;
}

SIZE_T RtlpAnsiLength(PCSTR String)
{
    SIZE_T Length = 0;

    while (String[Length] != ANSI_NULL)
        Length++;
    return Length;
}

/* Compares Count characters; returns the difference of the first unequal pair, or 0. */
LONG RtlpCompareChars(PCWSTR Left, PCWSTR Right, SIZE_T Count, BOOLEAN CaseInSensitive)
{
    for (SIZE_T i = 0; i < Count; i++) {
        WCHAR A = Left[i];
        WCHAR B = Right[i];

        if (A == B)
            continue;
        if (CaseInSensitive) {
            A = RtlUpcaseUnicodeChar(A);
            B = RtlUpcaseUnicodeChar(B);
            if (A == B)
                continue;
        }
        return static_cast<LONG>(A) - static_cast<LONG>(B);
    }
    return 0;
}

/*
 * Appends Length bytes (a whole number of WCHARs) at the end of Destination,
 * which has room for them, and terminates it if a WCHAR still fits.
 */
void RtlpAppendChars(PUNICODE_STRING Destination, PCWSTR Source, USHORT Length)
{
    PWCHAR End = Destination->Buffer + Destination->Length / sizeof(WCHAR);

    RtlMoveMemory(End, Source, Length);
    Destination->Length = static_cast<USHORT>(Destination->Length + Length);
    if (static_cast<SIZE_T>(Destination->Length) + sizeof(WCHAR) <= Destination->MaximumLength)
        End[Length / sizeof(WCHAR)] = UNICODE_NULL;
}

} // namespace

/*
 * Makes DestinationString describe SourceString in place (no copy); NULL gives an empty string.
 * IRQL: any IRQL if SourceString is nonpaged; <= APC_LEVEL otherwise.
 */
VOID
NTAPI
RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString)
{
    if (SourceString != NULL) {
        SIZE_T Size = RtlpWideLength(SourceString) * sizeof(WCHAR);

        /* Too long for a USHORT: describe only the longest prefix that fits, as NT does. */
        if (Size > MAX_INIT_UNICODE_BYTES)
            Size = MAX_INIT_UNICODE_BYTES;
        DestinationString->Length = static_cast<USHORT>(Size);
        DestinationString->MaximumLength = static_cast<USHORT>(Size + sizeof(WCHAR));
    } else {
        DestinationString->Length = 0;
        DestinationString->MaximumLength = 0;
    }
    DestinationString->Buffer = const_cast<PWSTR>(SourceString);
}

/*
 * Makes DestinationString describe the NUL-terminated SourceString in place; NULL gives an empty string.
 * IRQL: any IRQL if SourceString is nonpaged; <= APC_LEVEL otherwise.
 */
VOID
NTAPI
RtlInitAnsiString(PANSI_STRING DestinationString, PCSTR SourceString)
{
    if (SourceString != NULL) {
        SIZE_T Size = RtlpAnsiLength(SourceString);

        if (Size > MAX_INIT_ANSI_BYTES)
            Size = MAX_INIT_ANSI_BYTES;
        DestinationString->Length = static_cast<USHORT>(Size);
        DestinationString->MaximumLength = static_cast<USHORT>(Size + sizeof(CHAR));
    } else {
        DestinationString->Length = 0;
        DestinationString->MaximumLength = 0;
    }
    DestinationString->Buffer = const_cast<PCHAR>(SourceString);
}

/*
 * TRUE if both strings have the same length and characters (optionally ignoring case).
 * IRQL: any IRQL for nonpaged strings; <= APC_LEVEL for pageable ones.
 */
BOOLEAN
NTAPI
RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2, BOOLEAN CaseInSensitive)
{
    if (String1->Length != String2->Length)
        return FALSE;
    return (BOOLEAN)(RtlpCompareChars(String1->Buffer, String2->Buffer,
                                      String1->Length / sizeof(WCHAR), CaseInSensitive) == 0);
}

/*
 * <0, 0 or >0 as String1 sorts before, equal to or after String2; a proper prefix sorts first.
 * IRQL: any IRQL for nonpaged strings; <= APC_LEVEL for pageable ones.
 */
LONG
NTAPI
RtlCompareUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2, BOOLEAN CaseInSensitive)
{
    const USHORT Shorter = (String1->Length < String2->Length) ? String1->Length : String2->Length;
    const LONG Result =
        RtlpCompareChars(String1->Buffer, String2->Buffer, Shorter / sizeof(WCHAR), CaseInSensitive);

    if (Result != 0)
        return Result;
    return static_cast<LONG>(String1->Length) - static_cast<LONG>(String2->Length);
}

/*
 * Copies as much of SourceString as fits into DestinationString (silently truncating); NULL empties it.
 * IRQL: any IRQL for nonpaged strings; <= APC_LEVEL for pageable ones.
 */
VOID
NTAPI
RtlCopyUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString)
{
    if (SourceString == NULL) {
        DestinationString->Length = 0;
        return;
    }

    USHORT Length = (SourceString->Length < DestinationString->MaximumLength)
                        ? SourceString->Length
                        : DestinationString->MaximumLength;
    Length = static_cast<USHORT>(Length - Length % sizeof(WCHAR));

    RtlMoveMemory(DestinationString->Buffer, SourceString->Buffer, Length);
    DestinationString->Length = Length;
    if (static_cast<SIZE_T>(Length) + sizeof(WCHAR) <= DestinationString->MaximumLength)
        DestinationString->Buffer[Length / sizeof(WCHAR)] = UNICODE_NULL;
}

/*
 * TRUE if String1 is a prefix of String2 (optionally ignoring case); an empty String1 always is.
 * IRQL: any IRQL for nonpaged strings; <= APC_LEVEL for pageable ones.
 */
BOOLEAN
NTAPI
RtlPrefixUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2, BOOLEAN CaseInSensitive)
{
    if (String1->Length > String2->Length)
        return FALSE;
    return (BOOLEAN)(RtlpCompareChars(String1->Buffer, String2->Buffer,
                                      String1->Length / sizeof(WCHAR), CaseInSensitive) == 0);
}

/*
 * Appends Source to Destination; STATUS_BUFFER_TOO_SMALL (Destination unchanged) if it does not fit.
 * IRQL: any IRQL for nonpaged strings; <= APC_LEVEL for pageable ones.
 */
NTSTATUS
NTAPI
RtlAppendUnicodeStringToString(PUNICODE_STRING Destination, PCUNICODE_STRING Source)
{
    const USHORT Length = Source->Length;

    if (Length == 0)
        return STATUS_SUCCESS;
    if (static_cast<SIZE_T>(Destination->Length) + Length > Destination->MaximumLength)
        return STATUS_BUFFER_TOO_SMALL;
    RtlpAppendChars(Destination, Source->Buffer, Length);
    return STATUS_SUCCESS;
}

/*
 * Appends the NUL-terminated Source (NULL appends nothing); STATUS_BUFFER_TOO_SMALL if it does not fit.
 * IRQL: any IRQL for nonpaged strings; <= APC_LEVEL for pageable ones.
 */
NTSTATUS
NTAPI
RtlAppendUnicodeToString(PUNICODE_STRING Destination, PCWSTR Source)
{
    if (Source == NULL)
        return STATUS_SUCCESS;

    UNICODE_STRING SourceString;
    RtlInitUnicodeString(&SourceString, Source);
    if (static_cast<SIZE_T>(Destination->Length) + SourceString.Length > Destination->MaximumLength)
        return STATUS_BUFFER_TOO_SMALL;
    RtlpAppendChars(Destination, Source, SourceString.Length);
    return STATUS_SUCCESS;
}

/*
 * Upper-case form of SourceCharacter (unchanged if it has none in the built-in case table).
 * IRQL: any.
 */
WCHAR
NTAPI
RtlUpcaseUnicodeChar(WCHAR SourceCharacter)
{
    const ULONG Character = static_cast<ULONG>(SourceCharacter);

    if (Character < 0x80)
        return (Character >= 'a' && Character <= 'z') ? static_cast<WCHAR>(Character - 0x20)
                                                       : SourceCharacter;
    for (const CASE_RANGE &Range : CaseRanges) {
        if (RtlpInRange(Character, Range.Lower, Range.LowerLast, Range.Stride))
            return static_cast<WCHAR>(static_cast<LONG>(Character) + Range.Delta);
    }
    return SourceCharacter;
}

/*
 * Lower-case form of SourceCharacter (unchanged if it has none in the built-in case table).
 * IRQL: any.
 */
WCHAR
NTAPI
RtlDowncaseUnicodeChar(WCHAR SourceCharacter)
{
    const ULONG Character = static_cast<ULONG>(SourceCharacter);

    if (Character < 0x80)
        return (Character >= 'A' && Character <= 'Z') ? static_cast<WCHAR>(Character + 0x20)
                                                       : SourceCharacter;
    for (const CASE_RANGE &Range : CaseRanges) {
        if (Range.UpcaseOnly)
            continue;
        const ULONG Upper = static_cast<ULONG>(static_cast<LONG>(Range.Lower) + Range.Delta);
        const ULONG UpperLast = static_cast<ULONG>(static_cast<LONG>(Range.LowerLast) + Range.Delta);
        if (RtlpInRange(Character, Upper, UpperLast, Range.Stride))
            return static_cast<WCHAR>(static_cast<LONG>(Character) - Range.Delta);
    }
    return SourceCharacter;
}
