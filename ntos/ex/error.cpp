// error.cpp - raising status exceptions for executive callers and the filter that
// system services put around their probes of caller memory.
#include "ntddk.h"
#include "pseh/pseh2.h"

// Raises Status as an exception into the caller's _SEH2_TRY; with none, the stop
// KMODE_EXCEPTION_NOT_HANDLED with the status. Any IRQL.
extern "C" DECLSPEC_NORETURN VOID NTAPI ExRaiseStatus(NTSTATUS Status)
{
    RtlRaiseStatus(Status);
}

// Raises STATUS_ACCESS_VIOLATION, as a probe of a bad caller pointer does. Any IRQL.
extern "C" DECLSPEC_NORETURN VOID NTAPI ExRaiseAccessViolation(VOID)
{
    RtlRaiseStatus(STATUS_ACCESS_VIOLATION);
}

// Raises STATUS_DATATYPE_MISALIGNMENT, as a probe of a misaligned pointer does. Any IRQL.
extern "C" DECLSPEC_NORETURN VOID NTAPI ExRaiseDatatypeMisalignment(VOID)
{
    RtlRaiseStatus(STATUS_DATATYPE_MISALIGNMENT);
}

// The mode the current thread's system service was called from. At or below
// DISPATCH_LEVEL.
extern "C" KPROCESSOR_MODE NTAPI ExGetPreviousMode(VOID)
{
    return KeGetPreviousMode();
}

// The filter of a service's probes: exceptions are the caller's fault (handled) when
// the caller came from user mode, a kernel bug (searched on) otherwise. At or below
// APC_LEVEL.
extern "C" LONG NTAPI ExSystemExceptionFilter(VOID)
{
    return ExGetPreviousMode() != KernelMode ? EXCEPTION_EXECUTE_HANDLER : EXCEPTION_CONTINUE_SEARCH;
}
