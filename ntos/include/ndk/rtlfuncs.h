/*
 * ndk/rtlfuncs.h - run-time library: doubly and singly linked lists, memory
 * helpers, bitmaps, bit scans and counted UNICODE_STRING/ANSI_STRING helpers.
 *
 * Valid C11 and C++20. Lengths of counted strings are in bytes, as in NT
 * (Length = characters * sizeof(WCHAR)); WCHAR is the host's 4-byte wchar_t,
 * so limits such as "longest string that fits a USHORT" are computed from
 * sizeof(WCHAR) rather than hard-coded for 2-byte characters.
 */
#ifndef _NDK_RTLFUNCS_H
#define _NDK_RTLFUNCS_H

#include "ntdef.h"

#define UNICODE_NULL ((WCHAR)0)
#define ANSI_NULL ((CHAR)0)

/* Largest whole number of WCHARs (and its size in bytes) that fits a USHORT length. */
#ifndef UNICODE_STRING_MAX_CHARS
#define UNICODE_STRING_MAX_CHARS (MAXUSHORT / sizeof(WCHAR))
#endif
#ifndef UNICODE_STRING_MAX_BYTES
#define UNICODE_STRING_MAX_BYTES ((USHORT)(UNICODE_STRING_MAX_CHARS * sizeof(WCHAR)))
#endif

NT_EXTERN_C_BEGIN

/* ------------------------------------------------------------------------ */
/* Doubly linked lists (LIST_ENTRY) and singly linked lists                 */
/* ------------------------------------------------------------------------ */

FORCEINLINE VOID InitializeListHead(PLIST_ENTRY ListHead)
{
    ListHead->Flink = ListHead;
    ListHead->Blink = ListHead;
}

FORCEINLINE BOOLEAN IsListEmpty(const LIST_ENTRY *ListHead)
{
    return (BOOLEAN)(ListHead->Flink == ListHead);
}

/* Unlinks Entry; returns TRUE when the list it was on is now empty. */
FORCEINLINE BOOLEAN RemoveEntryList(PLIST_ENTRY Entry)
{
    PLIST_ENTRY Flink = Entry->Flink;
    PLIST_ENTRY Blink = Entry->Blink;

    Blink->Flink = Flink;
    Flink->Blink = Blink;
    return (BOOLEAN)(Flink == Blink);
}

/* The list must not be empty (as in NT, an empty list returns the head itself). */
FORCEINLINE PLIST_ENTRY RemoveHeadList(PLIST_ENTRY ListHead)
{
    PLIST_ENTRY Entry = ListHead->Flink;
    PLIST_ENTRY Flink = Entry->Flink;

    ListHead->Flink = Flink;
    Flink->Blink = ListHead;
    return Entry;
}

FORCEINLINE PLIST_ENTRY RemoveTailList(PLIST_ENTRY ListHead)
{
    PLIST_ENTRY Entry = ListHead->Blink;
    PLIST_ENTRY Blink = Entry->Blink;

    ListHead->Blink = Blink;
    Blink->Flink = ListHead;
    return Entry;
}

FORCEINLINE VOID InsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY Entry)
{
    PLIST_ENTRY Flink = ListHead->Flink;

    Entry->Flink = Flink;
    Entry->Blink = ListHead;
    Flink->Blink = Entry;
    ListHead->Flink = Entry;
}

FORCEINLINE VOID InsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY Entry)
{
    PLIST_ENTRY Blink = ListHead->Blink;

    Entry->Flink = ListHead;
    Entry->Blink = Blink;
    Blink->Flink = Entry;
    ListHead->Blink = Entry;
}

/*
 * Splices the entries of ListToAppend onto the tail of ListHead. As in the WDK,
 * ListToAppend is the first entry of a headless circular list (if it is a list
 * head, the head becomes an entry of ListHead).
 */
FORCEINLINE VOID AppendTailList(PLIST_ENTRY ListHead, PLIST_ENTRY ListToAppend)
{
    PLIST_ENTRY ListEnd = ListHead->Blink;

    ListHead->Blink->Flink = ListToAppend;
    ListHead->Blink = ListToAppend->Blink;
    ListToAppend->Blink->Flink = ListHead;
    ListToAppend->Blink = ListEnd;
}

FORCEINLINE VOID PushEntryList(PSINGLE_LIST_ENTRY ListHead, PSINGLE_LIST_ENTRY Entry)
{
    Entry->Next = ListHead->Next;
    ListHead->Next = Entry;
}

/* Returns NULL when the list is empty. */
FORCEINLINE PSINGLE_LIST_ENTRY PopEntryList(PSINGLE_LIST_ENTRY ListHead)
{
    PSINGLE_LIST_ENTRY FirstEntry = ListHead->Next;

    if (FirstEntry != NULL)
        ListHead->Next = FirstEntry->Next;
    return FirstEntry;
}

/* Interlocked singly linked lists (rtl/slist.cpp); lock-free, any IRQL. */
NTSYSAPI VOID NTAPI RtlInitializeSListHead(PSLIST_HEADER ListHead);
NTSYSAPI PSLIST_ENTRY NTAPI RtlInterlockedPushEntrySList(PSLIST_HEADER ListHead, PSLIST_ENTRY ListEntry);
NTSYSAPI PSLIST_ENTRY NTAPI RtlInterlockedPopEntrySList(PSLIST_HEADER ListHead);
NTSYSAPI PSLIST_ENTRY NTAPI RtlInterlockedFlushSList(PSLIST_HEADER ListHead);
NTSYSAPI USHORT NTAPI RtlQueryDepthSList(PSLIST_HEADER ListHead);
NTSYSAPI PSLIST_ENTRY NTAPI RtlFirstEntrySList(const SLIST_HEADER *ListHead);

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */
/* ------------------------------------------------------------------------ */

#define RtlZeroMemory(Destination, Length) ((void)__builtin_memset((Destination), 0, (Length)))
#define RtlFillMemory(Destination, Length, Fill) \
    ((void)__builtin_memset((Destination), (int)(UCHAR)(Fill), (Length)))
#define RtlCopyMemory(Destination, Source, Length) \
    ((void)__builtin_memcpy((Destination), (Source), (Length)))
#define RtlMoveMemory(Destination, Source, Length) \
    ((void)__builtin_memmove((Destination), (Source), (Length)))
#define RtlEqualMemory(Destination, Source, Length) \
    (!__builtin_memcmp((Destination), (Source), (Length)))

NTSYSAPI SIZE_T NTAPI RtlCompareMemory(const VOID *Source1, const VOID *Source2, SIZE_T Length);

/* ------------------------------------------------------------------------ */
/* Bit scans                                                                */
/* ------------------------------------------------------------------------ */

/* Index of the lowest set bit of Mask; FALSE (Index untouched) when Mask is 0. */
FORCEINLINE BOOLEAN BitScanForward(PULONG Index, ULONG Mask)
{
    if (Mask == 0)
        return FALSE;
    *Index = (ULONG)__builtin_ctz(Mask);
    return TRUE;
}

/* Index of the highest set bit of Mask; FALSE (Index untouched) when Mask is 0. */
FORCEINLINE BOOLEAN BitScanReverse(PULONG Index, ULONG Mask)
{
    if (Mask == 0)
        return FALSE;
    *Index = (ULONG)(31 - __builtin_clz(Mask));
    return TRUE;
}

FORCEINLINE BOOLEAN BitScanForward64(PULONG Index, ULONG64 Mask)
{
    if (Mask == 0)
        return FALSE;
    *Index = (ULONG)__builtin_ctzll(Mask);
    return TRUE;
}

FORCEINLINE BOOLEAN BitScanReverse64(PULONG Index, ULONG64 Mask)
{
    if (Mask == 0)
        return FALSE;
    *Index = (ULONG)(63 - __builtin_clzll(Mask));
    return TRUE;
}

/* Bit numbers 0..63, or -1 when Set is 0. */
NTSYSAPI CCHAR NTAPI RtlFindLeastSignificantBit(ULONGLONG Set);
NTSYSAPI CCHAR NTAPI RtlFindMostSignificantBit(ULONGLONG Set);

/* ------------------------------------------------------------------------ */
/* Bitmaps                                                                  */
/* ------------------------------------------------------------------------ */

/*
 * Bit N lives in Buffer[N / 32], bit N % 32. The caller owns Buffer, which must
 * hold at least ceil(SizeOfBitMap / 32) ULONGs. The "find" routines return
 * 0xFFFFFFFF when nothing fits.
 */
typedef struct _RTL_BITMAP {
    ULONG SizeOfBitMap;
    PULONG Buffer;
} RTL_BITMAP, *PRTL_BITMAP;

NTSYSAPI VOID NTAPI RtlInitializeBitMap(PRTL_BITMAP BitMapHeader, PULONG BitMapBuffer,
                                        ULONG SizeOfBitMap);
NTSYSAPI VOID NTAPI RtlClearAllBits(PRTL_BITMAP BitMapHeader);
NTSYSAPI VOID NTAPI RtlSetAllBits(PRTL_BITMAP BitMapHeader);
NTSYSAPI VOID NTAPI RtlSetBits(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG NumberToSet);
NTSYSAPI VOID NTAPI RtlClearBits(PRTL_BITMAP BitMapHeader, ULONG StartingIndex,
                                 ULONG NumberToClear);
NTSYSAPI VOID NTAPI RtlSetBit(PRTL_BITMAP BitMapHeader, ULONG BitNumber);
NTSYSAPI VOID NTAPI RtlClearBit(PRTL_BITMAP BitMapHeader, ULONG BitNumber);
NTSYSAPI BOOLEAN NTAPI RtlTestBit(PRTL_BITMAP BitMapHeader, ULONG BitNumber);
NTSYSAPI BOOLEAN NTAPI RtlAreBitsSet(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG Length);
NTSYSAPI BOOLEAN NTAPI RtlAreBitsClear(PRTL_BITMAP BitMapHeader, ULONG StartingIndex,
                                       ULONG Length);
NTSYSAPI ULONG NTAPI RtlFindClearBits(PRTL_BITMAP BitMapHeader, ULONG NumberToFind,
                                      ULONG HintIndex);
NTSYSAPI ULONG NTAPI RtlFindSetBits(PRTL_BITMAP BitMapHeader, ULONG NumberToFind,
                                    ULONG HintIndex);
NTSYSAPI ULONG NTAPI RtlFindClearBitsAndSet(PRTL_BITMAP BitMapHeader, ULONG NumberToFind,
                                            ULONG HintIndex);
NTSYSAPI ULONG NTAPI RtlFindSetBitsAndClear(PRTL_BITMAP BitMapHeader, ULONG NumberToFind,
                                            ULONG HintIndex);
NTSYSAPI ULONG NTAPI RtlNumberOfSetBits(PRTL_BITMAP BitMapHeader);
NTSYSAPI ULONG NTAPI RtlNumberOfClearBits(PRTL_BITMAP BitMapHeader);

/* ------------------------------------------------------------------------ */
/* Counted strings                                                          */
/* ------------------------------------------------------------------------ */

FORCEINLINE VOID RtlInitEmptyUnicodeString(PUNICODE_STRING UnicodeString, PWCHAR Buffer,
                                           USHORT BufferSize)
{
    UnicodeString->Length = 0;
    UnicodeString->MaximumLength = BufferSize;
    UnicodeString->Buffer = Buffer;
}

NTSYSAPI VOID NTAPI RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString);
NTSYSAPI VOID NTAPI RtlInitAnsiString(PANSI_STRING DestinationString, PCSTR SourceString);
NTSYSAPI BOOLEAN NTAPI RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                                             BOOLEAN CaseInSensitive);
NTSYSAPI LONG NTAPI RtlCompareUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                                            BOOLEAN CaseInSensitive);
NTSYSAPI VOID NTAPI RtlCopyUnicodeString(PUNICODE_STRING DestinationString,
                                         PCUNICODE_STRING SourceString);
NTSYSAPI BOOLEAN NTAPI RtlPrefixUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                                              BOOLEAN CaseInSensitive);
NTSYSAPI NTSTATUS NTAPI RtlAppendUnicodeStringToString(PUNICODE_STRING Destination,
                                                       PCUNICODE_STRING Source);
NTSYSAPI NTSTATUS NTAPI RtlAppendUnicodeToString(PUNICODE_STRING Destination, PCWSTR Source);
NTSYSAPI WCHAR NTAPI RtlUpcaseUnicodeChar(WCHAR SourceCharacter);
NTSYSAPI WCHAR NTAPI RtlDowncaseUnicodeChar(WCHAR SourceCharacter);

NT_EXTERN_C_END

#endif /* _NDK_RTLFUNCS_H */
