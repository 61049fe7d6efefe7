// assert.cpp - RtlAssert: a failed ASSERT is a breakpoint that no debugger takes,
// which NT reports as KMODE_EXCEPTION_NOT_HANDLED with STATUS_BREAKPOINT.
#include "ntddk.h"

// Reports the failed assertion and bugchecks. Any IRQL.
extern "C" VOID NTAPI RtlAssert(PVOID FailedAssertion, PVOID FileName, ULONG LineNumber, PSTR Message)
{
    DbgPrint("*** Assertion failed: %s%s%s\n***   Source File: %s, line %u\n", Message ? Message : "",
             Message ? " " : "", static_cast<PCSTR>(FailedAssertion), static_cast<PCSTR>(FileName), LineNumber);
    KeBugCheckEx(KMODE_EXCEPTION_NOT_HANDLED, (ULONG_PTR)STATUS_BREAKPOINT,
                 reinterpret_cast<ULONG_PTR>(__builtin_return_address(0)), LineNumber, 0);
}
