/*
 * pseh2.h - structured exception handling for the hosted kernel, with ReactOS's
 * PSEH2 macro names: _SEH2_TRY / _SEH2_EXCEPT(filter) / _SEH2_FINALLY / _SEH2_END,
 * _SEH2_GetExceptionCode(), _SEH2_GetExceptionInformation(), _SEH2_AbnormalTermination(),
 * _SEH2_LEAVE, _SEH2_YIELD(statement). Compiles as C11 and C++20.
 *
 * Each _SEH2_TRY links a frame into the current processor's exception list (the PCR's
 * ExceptionList, saved and restored across context switches as NT x86's SwapContext
 * does) and records a jump buffer. RtlRaiseException, ExRaiseStatus and hardware faults
 * inside a try (STATUS_ACCESS_VIOLATION) unlink the innermost frame and jump to it; its
 * filter then runs in the frame's own function. Differences from compiler SEH:
 * - a filter runs after the inner finally blocks did (one pass, not two);
 * - EXCEPTION_CONTINUE_EXECUTION cannot resume: the raise continues as
 *   STATUS_NONCONTINUABLE_EXCEPTION;
 * - locals changed inside the try and read in the handler must be _SEH2_VOLATILE;
 * - leave a try only through its end, _SEH2_LEAVE or _SEH2_YIELD (never return/goto);
 *   _SEH2_YIELD out of a try/finally skips the finally block;
 * - C++ destructors of objects inside the try do not run when an exception leaves it.
 */
#ifndef _PSEH2_H_
#define _PSEH2_H_

#include "../ntddk.h"

NT_EXTERN_C_BEGIN


/* The host's non-signal-saving setjmp, the one primitive a try needs in its own frame;
 * RtlpSeh2Dispatch returns to it with the platform's longjmp (through hal/). */
typedef struct _RTL_SEH2_JUMP_BUFFER {
    __attribute__((aligned(16))) ULONG64 Words[26];
} RTL_SEH2_JUMP_BUFFER;
extern int RtlpSeh2SaveJump(RTL_SEH2_JUMP_BUFFER *Buffer) __asm__("_setjmp") __attribute__((returns_twice, nothrow));

typedef struct _RTL_SEH2_FRAME {
    struct _RTL_SEH2_FRAME *Next;
    ULONG_PTR Cookie;      /* ~(ULONG_PTR)frame while linked: catches a dead frame */
    BOOLEAN Raised;        /* reached by an exception, not yet handled */
    RTL_SEH2_JUMP_BUFFER Jump;
    EXCEPTION_RECORD Record;
    EXCEPTION_POINTERS Pointers;
} RTL_SEH2_FRAME, *PRTL_SEH2_FRAME;

NTSYSAPI VOID NTAPI RtlpSeh2Push(PRTL_SEH2_FRAME Frame);
NTSYSAPI VOID NTAPI RtlpSeh2Pop(PRTL_SEH2_FRAME Frame);
NTSYSAPI BOOLEAN NTAPI RtlpSeh2Filter(PRTL_SEH2_FRAME Frame, LONG Disposition);
NTSYSAPI VOID NTAPI RtlpSeh2End(PRTL_SEH2_FRAME Frame);
NTSYSAPI DECLSPEC_NORETURN VOID NTAPI RtlRaiseException(PEXCEPTION_RECORD ExceptionRecord);
NTSYSAPI DECLSPEC_NORETURN VOID NTAPI RtlRaiseStatus(NTSTATUS Status);

NT_EXTERN_C_END

#define _SEH2_VOLATILE volatile

#define _SEH2_TRY                                                   \
    {                                                               \
        __label__ _Seh2Leave;                                       \
        RTL_SEH2_FRAME _Seh2Frame;                                  \
        RtlpSeh2Push(&_Seh2Frame);                                  \
        if (RtlpSeh2SaveJump(&_Seh2Frame.Jump) == 0) {

#define _SEH2_EXCEPT(...)                                           \
        _Seh2Leave: __attribute__((unused));                        \
            RtlpSeh2Pop(&_Seh2Frame);                               \
        } else if (RtlpSeh2Filter(&_Seh2Frame, (LONG)(__VA_ARGS__))) {

#define _SEH2_FINALLY                                               \
        _Seh2Leave: __attribute__((unused));                        \
            RtlpSeh2Pop(&_Seh2Frame);                               \
        }                                                           \
        {

#define _SEH2_END                                                   \
        }                                                           \
        RtlpSeh2End(&_Seh2Frame);                                   \
    }

#define _SEH2_GetExceptionCode() (_Seh2Frame.Record.ExceptionCode)
#define _SEH2_GetExceptionInformation() (&_Seh2Frame.Pointers)
#define _SEH2_AbnormalTermination() (_Seh2Frame.Raised)
#define _SEH2_LEAVE goto _Seh2Leave
#define _SEH2_YIELD(...)                                            \
    {                                                               \
        RtlpSeh2Pop(&_Seh2Frame);                                   \
        __VA_ARGS__;                                                \
    }

#endif /* _PSEH2_H_ */
