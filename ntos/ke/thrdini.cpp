// thrdini.cpp - a new thread's initial context and its first instructions, the
// hosted twin of ke/amd64/thrdini.c and the KiThreadStartup stub.
#include "ke.h"

// The first code a new thread runs, entered from the HAL's context entry with the
// thread that switched to it. Completes that switch, drops from the switcher's
// SYNCH/DISPATCH level to APC_LEVEL and calls SystemRoutine(StartRoutine, Context).
static VOID KiThreadStartup(PVOID PreviousThread)
{
    HalHostCurrentPcr()->ExceptionList = NULL;
    KiSwapContextResume(APC_LEVEL, static_cast<PKTHREAD>(PreviousThread));
    PKTHREAD Thread = KiGetCurrentThread();
    PKSTART_FRAME Frame = static_cast<PKSTART_FRAME>(Thread->InitialStack);
    KeLowerIrql(APC_LEVEL);
    Frame->SystemRoutine(Frame->StartRoutine, Frame->StartContext);
    // A system thread never returns from its system routine (KiInvalidSystemThreadStartupExit).
    KeBugCheckEx(KMODE_EXCEPTION_NOT_HANDLED, (ULONG_PTR)STATUS_ASSERTION_FAILURE,
                 reinterpret_cast<ULONG_PTR>(Frame->SystemRoutine), 0, 0);
}

// Builds the initial stack image of a thread that has never run: for a user thread
// (Context, its initial user CONTEXT) a trap frame just below the HAL's reserve, then a
// start frame, and a context that enters KiThreadStartup.
extern "C" VOID NTAPI KiInitializeContextThread(PKTHREAD Thread, PKSYSTEM_ROUTINE SystemRoutine,
                                                PKSTART_ROUTINE StartRoutine, PVOID StartContext, PVOID Context)
{
    auto Top = reinterpret_cast<ULONG_PTR>(Thread->StackBase) - HAL_CONTEXT_RESERVE;
    if (auto *UserContext = static_cast<PCONTEXT>(Context)) {
        auto *TrapFrame = reinterpret_cast<PKTRAP_FRAME>(ALIGN_DOWN_BY(Top - sizeof(KTRAP_FRAME), 16));
        TrapFrame->Rcx = UserContext->Rcx;
        TrapFrame->Rdx = UserContext->Rdx;
        TrapFrame->Rsp = UserContext->Rsp;
        TrapFrame->Rip = UserContext->Rip;
        TrapFrame->ExceptionList = NULL;
        Thread->TrapFrame = TrapFrame;
        Top = reinterpret_cast<ULONG_PTR>(TrapFrame);
    }
    auto *Frame = reinterpret_cast<PKSTART_FRAME>(ALIGN_DOWN_BY(Top - sizeof(KSTART_FRAME), 16));
    Frame->SystemRoutine = SystemRoutine;
    Frame->StartRoutine = StartRoutine;
    Frame->StartContext = StartContext;
    Frame->Reserved = 0;
    Thread->InitialStack = Frame;
    Thread->KernelStack = HalHostInitializeContext(Thread->StackBase, Frame, Thread->StackLimit, KiThreadStartup);
}
