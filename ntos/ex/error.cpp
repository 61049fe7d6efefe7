// error.cpp - raising status exceptions for executive callers, the filter that
// system services put around their probes of caller memory, and the helpers that
// probe, capture and return a service's caller buffers.
#include "ntddk.h"
#include "ex.h"
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

// Copies a service's result to its caller's buffer under the services' filter: a
// user-mode caller's bad pointer gives the fault's status (a kernel-mode caller's is a
// bug, not caught). Byte by byte, so the fault is taken here and not in a host
// library. At or below APC_LEVEL.
extern "C" NTSTATUS NTAPI ExpCopyToCaller(PVOID Destination, const VOID *Source, SIZE_T Length)
{
    volatile NTSTATUS Status = STATUS_SUCCESS;
    _SEH2_TRY
    {
        auto *To = static_cast<volatile UCHAR *>(Destination);
        auto *From = static_cast<const UCHAR *>(Source);
        for (SIZE_T i = 0; i < Length; i++)
            To[i] = From[i];
    }
    _SEH2_EXCEPT(ExSystemExceptionFilter())
    {
        Status = _SEH2_GetExceptionCode();
    }
    _SEH2_END;
    return Status;
}

// Probes a user-mode caller's output buffer of Length bytes for writing before a
// service acts; returns the probe's status. A kernel-mode caller's buffer (or none)
// is trusted. At or below APC_LEVEL.
extern "C" NTSTATUS NTAPI ExpProbeForWriteCaller(PVOID Destination, SIZE_T Length, ULONG Alignment)
{
    if (!Destination || ExGetPreviousMode() == KernelMode)
        return STATUS_SUCCESS;
    volatile NTSTATUS Status = STATUS_SUCCESS;
    _SEH2_TRY
    {
        ProbeForWrite(Destination, Length, Alignment);
    }
    _SEH2_EXCEPT(ExSystemExceptionFilter())
    {
        Status = _SEH2_GetExceptionCode();
    }
    _SEH2_END;
    return Status;
}

// Captures a caller's input of Length bytes into Destination, probing it for reading
// first when the caller came from user mode; returns the fault's status. At or below
// APC_LEVEL.
extern "C" NTSTATUS NTAPI ExpCaptureFromCaller(PVOID Destination, const VOID *Source, SIZE_T Length, ULONG Alignment)
{
    if (ExGetPreviousMode() == KernelMode)
        return ExpCopyToCaller(Destination, Source, Length);
    return ExpCaptureUserBuffer(Destination, Source, Length, Alignment);
}

// Hands a query's result (Length bytes, which the caller's buffer must match exactly:
// STATUS_INFO_LENGTH_MISMATCH) and, when asked, its length to the caller; a
// user-mode caller's buffers are probed first, and a bad pointer gives the fault's status. At or below APC_LEVEL.
extern "C" NTSTATUS NTAPI ExpReturnInformation(PVOID Buffer, ULONG BufferLength, const VOID *Information, ULONG Length,
                                              PULONG ReturnLength)
{
    if (BufferLength != Length)
        return STATUS_INFO_LENGTH_MISMATCH;
    NTSTATUS Status = ExpProbeForWriteCaller(Buffer, Length, sizeof(ULONG));
    if (NT_SUCCESS(Status))
        Status = ExpProbeForWriteCaller(ReturnLength, sizeof(ULONG), sizeof(ULONG));
    if (NT_SUCCESS(Status))
        Status = ExpCopyToCaller(Buffer, Information, Length);
    if (NT_SUCCESS(Status) && ReturnLength)
        Status = ExpCopyToCaller(ReturnLength, &Length, sizeof(Length));
    return Status;
}
