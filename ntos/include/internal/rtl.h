/* internal/rtl.h - private run-time helpers shared by the kernel's components. */
#ifndef _INTERNAL_RTL_H
#define _INTERNAL_RTL_H

#include "ntddk.h"

NT_EXTERN_C_BEGIN

/* Reverses a singly linked list in place: a LIFO push list becomes oldest-first. */
FORCEINLINE PSINGLE_LIST_ENTRY RtlpReverseSingleList(PSINGLE_LIST_ENTRY List)
{
    PSINGLE_LIST_ENTRY Reversed = NULL;
    while (List) {
        PSINGLE_LIST_ENTRY Next = List->Next;
        List->Next = Reversed;
        Reversed = List;
        List = Next;
    }
    return Reversed;
}

NT_EXTERN_C_END

#endif /* _INTERNAL_RTL_H */
