// exintrin.cpp - the probes of caller buffers that system services run before
// touching user memory: ProbeForRead / ProbeForWrite, and forms returning a status.
// Hosted: "user memory" is the current process's user range (mm/virtual.cpp),
// whichever process the thread is attached to.
#include "ntddk.h"
#include "ex.h"
#include "pseh/pseh2.h"

namespace {

// Raises the probe's status for a buffer misaligned, wrapping, or outside the current
// process's user range; returns its last byte's address otherwise.
ULONG_PTR ExpCheckUserBuffer(const volatile VOID *Address, SIZE_T Length, ULONG Alignment)
{
    ASSERT(Alignment == 1 || Alignment == 2 || Alignment == 4 || Alignment == 8 || Alignment == 16);
    auto Current = reinterpret_cast<ULONG_PTR>(Address);
    if (Current & (Alignment - 1))
        ExRaiseDatatypeMisalignment();
    ULONG_PTR Last = Current + Length - 1;
    if (Last < Current || Current < MmQueryLowestUserAddress() || Last >= MmUserProbeAddress)
        ExRaiseAccessViolation();
    return Last;
}

} // namespace

// Checks that a caller's buffer of Length bytes (none: no check) lies in the current
// process's user range and is aligned to Alignment; raises STATUS_ACCESS_VIOLATION or
// STATUS_DATATYPE_MISALIGNMENT. Does not read it. At or below APC_LEVEL, in a _SEH2_TRY.
extern "C" VOID NTAPI ProbeForRead(const volatile VOID *Address, SIZE_T Length, ULONG Alignment)
{
    if (Length)
        ExpCheckUserBuffer(Address, Length, Alignment);
}

// ProbeForRead's checks, then writes each page of the buffer back to itself: a page
// that is not committed writable raises STATUS_ACCESS_VIOLATION. At or below
// APC_LEVEL, in a _SEH2_TRY.
extern "C" VOID NTAPI ProbeForWrite(volatile VOID *Address, SIZE_T Length, ULONG Alignment)
{
    if (!Length)
        return;
    ULONG_PTR End = ALIGN_DOWN_BY(ExpCheckUserBuffer(Address, Length, Alignment), PAGE_SIZE) + PAGE_SIZE;
    auto Current = reinterpret_cast<ULONG_PTR>(Address);
    do {
        auto *Byte = reinterpret_cast<volatile CHAR *>(Current);
        *Byte = *Byte;
        Current = ALIGN_DOWN_BY(Current, PAGE_SIZE) + PAGE_SIZE;
    } while (Current != End);
}

// ProbeForRead, then a copy of the buffer into Safe, under SEH: a user-mode caller's
// input captured once. Returns the fault's status, or success. At or below APC_LEVEL.
extern "C" NTSTATUS NTAPI ExpCaptureUserBuffer(PVOID Safe, const VOID *User, SIZE_T Length, ULONG Alignment)
{
    volatile NTSTATUS Status = STATUS_SUCCESS;
    _SEH2_TRY
    {
        ProbeForRead(User, Length, Alignment);
    }
    _SEH2_EXCEPT(ExSystemExceptionFilter())
    {
        Status = _SEH2_GetExceptionCode();
    }
    _SEH2_END;
    return NT_SUCCESS(Status) ? ExpCopyToCaller(Safe, User, Length) : Status;
}
