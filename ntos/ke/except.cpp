// except.cpp - the hosted page-fault trap: a fault in kernel code inside a _SEH2_TRY
// becomes STATUS_ACCESS_VIOLATION for that try, as KiTrap0EHandler and
// KiDispatchException make it on NT.
#include "ke.h"
#include "rtl.h"

// Entered by hal/ on the faulting thread's own stack, as if called from the faulting
// instruction Pc, for an access (0 read, 1 write, 8 execute) of FaultAddress while a
// try was active. Raises the access violation into it; bugchecks
// PAGE_FAULT_IN_NONPAGED_AREA if no live frame takes it. Any IRQL.
extern "C" DECLSPEC_NORETURN VOID NTAPI KiTrap0EHandler(PVOID FaultAddress, ULONG_PTR Access, PVOID Pc)
{
    EXCEPTION_RECORD Record{};
    Record.ExceptionCode = STATUS_ACCESS_VIOLATION;
    Record.ExceptionAddress = Pc;
    Record.NumberParameters = 2;
    Record.ExceptionInformation[0] = Access;
    Record.ExceptionInformation[1] = reinterpret_cast<ULONG_PTR>(FaultAddress);
    RtlDispatchException(&Record);
    KeBugCheckEx(PAGE_FAULT_IN_NONPAGED_AREA, reinterpret_cast<ULONG_PTR>(FaultAddress), Access,
                 reinterpret_cast<ULONG_PTR>(Pc), 0);
}
