// debug.cpp - DbgPrint: formatted debug output to the HAL's console. Formats are
// the C library's (%ls for wide strings); the MS-only forms (%wZ, %I64d) are not
// part of this kernel yet.
#include <stdio.h>

#include "ntddk.h"
#include "halhost.h"

// Formats and prints a message; returns STATUS_SUCCESS as a ULONG, as NT does. Any
// IRQL.
extern "C" ULONG NTAPI vDbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, va_list Arguments)
{
    UNREFERENCED_PARAMETER(ComponentId);
    UNREFERENCED_PARAMETER(Level);
    char Buffer[512];
    int Length = vsnprintf(Buffer, sizeof(Buffer), Format, Arguments);
    if (Length < 0)
        return (ULONG)STATUS_INVALID_PARAMETER;
    if ((size_t)Length >= sizeof(Buffer))
        Length = sizeof(Buffer) - 1;
    HalHostWriteConsole(Buffer, (SIZE_T)Length);
    return STATUS_SUCCESS;
}

extern "C" ULONG DbgPrint(PCSTR Format, ...)
{
    va_list Arguments;
    va_start(Arguments, Format);
    ULONG Status = vDbgPrintEx(0, 0, Format, Arguments);
    va_end(Arguments);
    return Status;
}
