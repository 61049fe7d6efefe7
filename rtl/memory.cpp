/*
 * rtl/memory.cpp - memory comparison.
 *
 * RtlZeroMemory, RtlFillMemory, RtlCopyMemory, RtlMoveMemory and RtlEqualMemory
 * are macros on compiler builtins in ndk/rtlfuncs.h; only the routines with NT
 * semantics of their own live here.
 */
#include "ndk/rtlfuncs.h"

/*
 * Returns the number of leading bytes that are equal in both buffers (Length if all are).
 * IRQL: any IRQL for nonpaged buffers; <= APC_LEVEL if either buffer is pageable.
 */
SIZE_T
NTAPI
RtlCompareMemory(const VOID *Source1, const VOID *Source2, SIZE_T Length)
{
    const UCHAR *Left = static_cast<const UCHAR *>(Source1);
    const UCHAR *Right = static_cast<const UCHAR *>(Source2);
    SIZE_T Index = 0;

    /* Skip equal machine words first, then find the differing byte one at a time. */
    while (Length - Index >= sizeof(ULONG_PTR)) {
        ULONG_PTR LeftWord, RightWord;

        __builtin_memcpy(&LeftWord, Left + Index, sizeof(LeftWord));
        __builtin_memcpy(&RightWord, Right + Index, sizeof(RightWord));
        if (LeftWord != RightWord)
            break;
        Index += sizeof(ULONG_PTR);
    }
    while (Index < Length && Left[Index] == Right[Index])
        Index++;
    return Index;
}
