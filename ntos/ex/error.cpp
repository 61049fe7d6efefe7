// error.cpp - raising status exceptions. The hosted kernel has no frame-based
// exception handlers yet, so a raise is never handled and ends as NT ends an
// unhandled kernel-mode exception.
#include "ntddk.h"

// Raises Status as an exception. With no handler to take it, this is the stop
// KMODE_EXCEPTION_NOT_HANDLED with the status and the raising address. Any IRQL.
extern "C" DECLSPEC_NORETURN VOID NTAPI ExRaiseStatus(NTSTATUS Status)
{
    KeBugCheckEx(KMODE_EXCEPTION_NOT_HANDLED, (ULONG_PTR)(ULONG)Status,
                 reinterpret_cast<ULONG_PTR>(__builtin_return_address(0)), 0, 0);
}
