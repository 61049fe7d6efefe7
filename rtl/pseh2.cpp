// pseh2.cpp - the frame bookkeeping behind the _SEH2_ macros (pseh/pseh2.h): a try
// links its frame into the PCR's ExceptionList and unlinks it on every way out.
#include "ntddk.h"
#include "pseh/pseh2.h"
#include "halhost.h"
#include "rtl.h"

// Links Frame, a _SEH2_TRY's, as the current thread's innermost handler. Any IRQL.
extern "C" VOID NTAPI RtlpSeh2Push(PRTL_SEH2_FRAME Frame)
{
    PKPCR Pcr = HalHostCurrentPcr();
    Frame->Next = Pcr->ExceptionList;
    Frame->Cookie = ~reinterpret_cast<ULONG_PTR>(Frame);
    Frame->Raised = FALSE;
    Pcr->ExceptionList = Frame;
}

// Unlinks Frame if it is still the innermost handler (a try left normally, by
// _SEH2_LEAVE or _SEH2_YIELD); a frame an exception reached is unlinked already.
extern "C" VOID NTAPI RtlpSeh2Pop(PRTL_SEH2_FRAME Frame)
{
    PKPCR Pcr = HalHostCurrentPcr();
    if (Pcr->ExceptionList == Frame) {
        Pcr->ExceptionList = Frame->Next;
        Frame->Cookie = 0;
    }
}

// Acts on an _SEH2_EXCEPT filter's verdict for the exception that reached Frame:
// TRUE runs the handler; CONTINUE_SEARCH passes the exception to the next frame out;
// CONTINUE_EXECUTION cannot resume a hosted exception, which goes on as
// STATUS_NONCONTINUABLE_EXCEPTION. Any IRQL.
extern "C" BOOLEAN NTAPI RtlpSeh2Filter(PRTL_SEH2_FRAME Frame, LONG Disposition)
{
    if (Disposition > 0) {
        Frame->Raised = FALSE;
        return TRUE;
    }
    if (Disposition == EXCEPTION_CONTINUE_SEARCH)
        RtlRaiseException(&Frame->Record);
    EXCEPTION_RECORD Noncontinuable{};
    Noncontinuable.ExceptionCode = STATUS_NONCONTINUABLE_EXCEPTION;
    Noncontinuable.ExceptionFlags = EXCEPTION_NONCONTINUABLE;
    Noncontinuable.ExceptionRecord = &Frame->Record;
    RtlRaiseException(&Noncontinuable);
}

// Ends a try statement: after a finally block that an exception ran, the exception
// goes on to the next frame out. Any IRQL.
extern "C" VOID NTAPI RtlpSeh2End(PRTL_SEH2_FRAME Frame)
{
    if (Frame->Raised)
        RtlRaiseException(&Frame->Record);
}
