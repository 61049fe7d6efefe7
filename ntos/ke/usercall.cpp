// usercall.cpp - hosted user mode, the twin of the system-call entry and exit of
// ke/amd64/trap.S. A user thread has two sides: its user side runs the start routine
// on the user stack (in its process's user range) as a context of its own; a system
// service called there switches to the kernel side (KiSystemService), which runs the
// service on the kernel stack with PreviousMode UserMode and then returns to user mode
// (KiServiceExit), delivering pending user APCs first: where a terminated thread dies.
#include "ke.h"

namespace {

// A system service the user side asks the kernel side to run, and its result.
struct KI_SERVICE_REQUEST {
    PKI_SERVICE_ROUTINE Routine;
    PVOID Context;
    NTSTATUS Status;
};

// The user side's first code: runs the start routine of the thread's initial context
// (Rip, with Rcx as its parameter) and exits the thread with its result, as
// RtlUserThreadStart and RtlExitUserThread do. The stack is freed by PspExitThread.
[[noreturn]] VOID KiUserThreadStartup(PVOID Argument)
{
    UNREFERENCED_PARAMETER(Argument);
    PKTHREAD Thread = KiGetCurrentThread();
    auto Start = reinterpret_cast<NTSTATUS(NTAPI *)(PVOID)>(Thread->TrapFrame->Rip);
    NTSTATUS ExitStatus = Start(reinterpret_cast<PVOID>(Thread->TrapFrame->Rcx));
    static_cast<PTEB>(Thread->Teb)->FreeStackOnTermination = TRUE;
    NtTerminateThread(NtCurrentThread(), ExitStatus);
    __builtin_trap(); // NtTerminateThread of the current thread does not return
}

// Builds the user side of Thread on its user stack (from its TEB), entering
// KiUserThreadStartup with the stack pointer of its initial context. Kernel side.
VOID KiInitializeUserContext(PKTHREAD Thread)
{
    auto *Teb = static_cast<PTEB>(Thread->Teb);
    auto Top = reinterpret_cast<ULONG_PTR>(Teb->NtTib.StackBase) - HAL_CONTEXT_RESERVE;
    ULONG_PTR Rsp = Thread->TrapFrame->Rsp && Thread->TrapFrame->Rsp < Top ? Thread->TrapFrame->Rsp : Top;
    auto *StackPointer = reinterpret_cast<PVOID>(ALIGN_DOWN_BY(Rsp, 16));
    Thread->HostUserFiber = HalHostCreateFiber();
    Thread->HostUserContext =
        HalHostInitializeContext(Teb->NtTib.StackBase, StackPointer, Teb->NtTib.StackLimit, KiUserThreadStartup);
}

// Switches from the kernel side of Thread to its user side, which runs until it calls
// a system service; returns that request. The SEH chains of the two sides are kept
// apart, as the trap frame keeps them on NT. At PASSIVE_LEVEL.
KI_SERVICE_REQUEST *KiRunUserSide(PKTHREAD Thread)
{
    auto *Teb = static_cast<PTEB>(Thread->Teb);
    PKPCR Pcr = HalHostCurrentPcr();
    Pcr->ExceptionList = static_cast<struct _RTL_SEH2_FRAME *>(Thread->TrapFrame->ExceptionList);
    Thread->HostUserMode = TRUE;
    HAL_CONTEXT_SWITCH Switch{};
    Switch.OldContext = &Thread->HostServiceContext;
    Switch.NewContext = Thread->HostUserContext;
    Switch.NewStackBase = Teb->NtTib.StackBase;
    Switch.NewStackLimit = Teb->NtTib.StackLimit;
    Switch.NewFiber = Thread->HostUserFiber;
    auto *Request = static_cast<KI_SERVICE_REQUEST *>(HalHostSwitchContext(&Switch));
    Thread->HostUserMode = FALSE;
    Pcr = HalHostCurrentPcr();
    Thread->TrapFrame->ExceptionList = Pcr->ExceptionList;
    Pcr->ExceptionList = NULL;
    return Request;
}

// The return to user mode: delivers the thread's user APCs one by one, each followed
// by the test NtContinue makes (so the next is pending too). The exit APC's user stage
// ends the thread here. At PASSIVE_LEVEL.
VOID KiDeliverUserApcs(PKTHREAD Thread)
{
    while (Thread->ApcState.UserApcPending) {
        KIRQL OldIrql;
        KeRaiseIrql(APC_LEVEL, &OldIrql);
        KiDeliverApc(UserMode, NULL, Thread->TrapFrame);
        KeLowerIrql(OldIrql);
        KeTestAlertThread(UserMode);
    }
}

// Checks what a system service must leave as it found: PASSIVE_LEVEL and no APC
// disable count, with NT's stops otherwise.
VOID KiCheckServiceExit(PKTHREAD Thread, PKI_SERVICE_ROUTINE Routine)
{
    KIRQL Irql = KiGetCurrentIrql();
    if (Irql != PASSIVE_LEVEL)
        KeBugCheckEx(IRQL_GT_ZERO_AT_SYSTEM_SERVICE, reinterpret_cast<ULONG_PTR>(Routine), Irql, 0, 0);
    if (Thread->CombinedApcDisable)
        KeBugCheckEx(APC_INDEX_MISMATCH, reinterpret_cast<ULONG_PTR>(Routine), Thread->ApcStateIndex,
                     Thread->CombinedApcDisable, 0);
}

} // namespace

// The user side's system-service entry: switches to the kernel side with the service
// and returns its status once the kernel side has run it and returned to user mode.
// On the user side of a user thread.
extern "C" NTSTATUS NTAPI KiSystemService(PKI_SERVICE_ROUTINE Routine, PVOID Context)
{
    PKTHREAD Thread = KiGetCurrentThread();
    KI_SERVICE_REQUEST Request{Routine, Context, STATUS_PENDING};
    HAL_CONTEXT_SWITCH Switch{};
    Switch.OldContext = &Thread->HostUserContext;
    Switch.NewContext = Thread->HostServiceContext;
    Switch.NewStackBase = Thread->StackBase;
    Switch.NewStackLimit = Thread->StackLimit;
    Switch.NewFiber = Thread->HostFiber;
    Switch.Argument = &Request;
    HalHostSwitchContext(&Switch);
    return Request.Status;
}

// A user thread's life in user mode, on its kernel side: returns to user mode (user
// APCs first), runs each system service the user side asks for with PreviousMode
// UserMode, and goes back. Never returns: the thread ends in a service
// (NtTerminateThread) or in the exit APC. At PASSIVE_LEVEL.
extern "C" VOID NTAPI KiServiceExit(VOID)
{
    PKTHREAD Thread = KiGetCurrentThread();
    KiInitializeUserContext(Thread);
    for (;;) {
        Thread->PreviousMode = UserMode;
        KiDeliverUserApcs(Thread);
        KI_SERVICE_REQUEST *Request = KiRunUserSide(Thread);
        Thread->PreviousMode = UserMode;
        Request->Status = Request->Routine(Request->Context);
        KiCheckServiceExit(Thread, Request->Routine);
    }
}

// Frees what the user side held once the thread has left user mode for good. At
// PASSIVE_LEVEL, on the thread's kernel side.
extern "C" VOID NTAPI KiDeleteUserContext(PKTHREAD Thread)
{
    HalHostDeleteFiber(Thread->HostUserFiber);
    Thread->HostUserFiber = NULL;
    Thread->HostUserContext = NULL;
}

// Returns the current thread's TEB (NULL for a system thread). Any IRQL.
extern "C" struct _TEB *NTAPI NtCurrentTeb(VOID)
{
    return static_cast<PTEB>(KiGetCurrentThread()->Teb);
}
