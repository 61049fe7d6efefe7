// exception.cpp - raising exceptions and dispatching them to the innermost _SEH2_TRY
// frame of the current thread (the hosted RtlRaiseException / RtlDispatchException).
#include "ntddk.h"
#include "pseh/pseh2.h"
#include "halhost.h"
#include "rtl.h"
#include "ndk/peb_teb.h"

namespace {

// Whether Frame can still be returned to: linked (its cookie intact) and inside the
// live part of the stack the current thread runs on (its user stack on its user side).
BOOLEAN RtlpIsLiveFrame(PRTL_SEH2_FRAME Frame)
{
    PKTHREAD Thread = KeGetCurrentThread();
    auto Address = reinterpret_cast<ULONG_PTR>(Frame);
    auto Here = reinterpret_cast<ULONG_PTR>(__builtin_frame_address(0));
    PVOID StackBase = Thread->HostUserMode ? static_cast<PNT_TIB>(Thread->Teb)->StackBase : Thread->StackBase;
    return Frame->Cookie == ~Address && Address > Here && Address < reinterpret_cast<ULONG_PTR>(StackBase);
}

} // namespace

// Hands Record to the current thread's innermost handler frame, unlinking it and
// returning into its _SEH2_TRY; returns FALSE only when there is no live frame to take
// it. Any IRQL.
extern "C" BOOLEAN NTAPI RtlDispatchException(PEXCEPTION_RECORD Record)
{
    PKPCR Pcr = HalHostCurrentPcr();
    PRTL_SEH2_FRAME Frame = Pcr->ExceptionList;
    if (!Frame)
        return FALSE;
    if (!RtlpIsLiveFrame(Frame)) {
        DbgPrint("*** SEH: frame %p is not on the live stack (a try left by return or goto?)\n", Frame);
        return FALSE;
    }
    Pcr->ExceptionList = Frame->Next;
    Frame->Cookie = 0;
    Frame->Record = *Record;
    Frame->Pointers.ExceptionRecord = &Frame->Record;
    Frame->Pointers.ContextRecord = NULL;
    Frame->Raised = TRUE;
    HalHostLongJump(&Frame->Jump);
}

// Raises Record; with no handler this is KMODE_EXCEPTION_NOT_HANDLED with the code,
// the address and the first two parameters. Any IRQL.
extern "C" DECLSPEC_NORETURN VOID NTAPI RtlRaiseException(PEXCEPTION_RECORD Record)
{
    if (!Record->ExceptionAddress)
        Record->ExceptionAddress = __builtin_return_address(0);
    RtlDispatchException(Record);
    KeBugCheckEx(KMODE_EXCEPTION_NOT_HANDLED, (ULONG_PTR)(ULONG)Record->ExceptionCode,
                 reinterpret_cast<ULONG_PTR>(Record->ExceptionAddress), Record->ExceptionInformation[0],
                 Record->ExceptionInformation[1]);
}

// Raises Status as a noncontinuable exception. Any IRQL.
extern "C" DECLSPEC_NORETURN VOID NTAPI RtlRaiseStatus(NTSTATUS Status)
{
    EXCEPTION_RECORD Record{};
    Record.ExceptionCode = Status;
    Record.ExceptionFlags = EXCEPTION_NONCONTINUABLE;
    Record.ExceptionAddress = __builtin_return_address(0);
    RtlRaiseException(&Record);
}
