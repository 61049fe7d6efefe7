/*
 * rtl_c_compile.c - the NT headers must stay valid C11: this file includes them
 * as C and exercises the inline helpers; test_list.cpp runs RtlTestCInlines.
 */
#include "ntdef.h"
#include "ntstatus.h"
#include "ndk/rtlfuncs.h"

_Static_assert(sizeof(WCHAR) == 4, "WCHAR is the host wchar_t");
_Static_assert(STATUS_SUCCESS == 0, "STATUS_SUCCESS");
_Static_assert(STATUS_WAIT_63 == 63, "STATUS_WAIT_63");
_Static_assert(STATUS_ABANDONED_WAIT_0 == 0x80, "STATUS_ABANDONED_WAIT_0");
_Static_assert(STATUS_TIMEOUT == 0x102, "STATUS_TIMEOUT");
_Static_assert(STATUS_PENDING == 0x103, "STATUS_PENDING");
_Static_assert(NT_SUCCESS(STATUS_OBJECT_NAME_EXISTS) && NT_INFORMATION(STATUS_OBJECT_NAME_EXISTS),
               "informational codes succeed");
_Static_assert(!NT_SUCCESS(STATUS_NO_MORE_ENTRIES) && NT_WARNING(STATUS_NO_MORE_ENTRIES),
               "warnings fail");
_Static_assert(NT_ERROR(STATUS_ACCESS_VIOLATION) && (ULONG)STATUS_ACCESS_VIOLATION == 0xC0000005u,
               "STATUS_ACCESS_VIOLATION");
_Static_assert((ULONG)STATUS_THREAD_IS_TERMINATING == 0xC000004Bu, "STATUS_THREAD_IS_TERMINATING");
_Static_assert((ULONG)STATUS_BUFFER_TOO_SMALL == 0xC0000023u, "STATUS_BUFFER_TOO_SMALL");
_Static_assert(DBG_CONTINUE == 0x00010002, "DBG_CONTINUE");

typedef struct _C_ITEM {
    int Value;
    LIST_ENTRY Link;
    SINGLE_LIST_ENTRY SLink;
} C_ITEM;

/* Returns 0 if every check passed, else the number of the first failed check. */
int RtlTestCInlines(void);

int RtlTestCInlines(void)
{
    LIST_ENTRY Head;
    SINGLE_LIST_ENTRY SHead = {NULL};
    C_ITEM Items[3];
    ULONG Index = 0;
    UNICODE_STRING Name;
    int i;

    RtlZeroMemory(Items, sizeof(Items));
    InitializeListHead(&Head);
    if (!IsListEmpty(&Head))
        return 1;
    for (i = 0; i < 3; i++) {
        Items[i].Value = i + 1;
        InsertTailList(&Head, &Items[i].Link);
        PushEntryList(&SHead, &Items[i].SLink);
    }
    if (CONTAINING_RECORD(RemoveHeadList(&Head), C_ITEM, Link)->Value != 1)
        return 2;
    if (CONTAINING_RECORD(RemoveTailList(&Head), C_ITEM, Link)->Value != 3)
        return 3;
    if (!RemoveEntryList(&Items[1].Link) || !IsListEmpty(&Head))
        return 4;
    if (CONTAINING_RECORD(PopEntryList(&SHead), C_ITEM, SLink)->Value != 3)
        return 5;

    if (!BitScanForward(&Index, 0x100) || Index != 8)
        return 6;
    if (!BitScanReverse64(&Index, 0x8000000000000000ULL) || Index != 63)
        return 7;
    if (BitScanForward64(&Index, 0))
        return 8;
    if (RtlFindMostSignificantBit(0) != -1)
        return 9;

    RtlInitUnicodeString(&Name, L"\\ObjectTypes");
    if (Name.Length != 12 * sizeof(WCHAR) || Name.MaximumLength != 13 * sizeof(WCHAR))
        return 10;
    if (!RtlEqualMemory(Name.Buffer, L"\\Obj", 4 * sizeof(WCHAR)))
        return 11;
    return 0;
}
