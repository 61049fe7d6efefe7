/* internal/rtl.h - private run-time helpers shared by the kernel's components. */
#ifndef _INTERNAL_RTL_H
#define _INTERNAL_RTL_H

#include "ntddk.h"

NT_EXTERN_C_BEGIN

/* exception.cpp: hands an exception to the current thread's innermost _SEH2_TRY frame
 * (does not return then); FALSE when no live frame can take it. */
struct _EXCEPTION_RECORD;
BOOLEAN NTAPI RtlDispatchException(struct _EXCEPTION_RECORD *Record);

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
