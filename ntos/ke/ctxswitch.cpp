// ctxswitch.cpp - the context switch: KiSwapContext hands the processor to
// Prcb->CurrentThread through the HAL's fiber jump; KiSwapContextResume finishes the
// switch on the incoming side (the twin of ke/amd64/ctxswitch.S).
#include "ke.h"
#include "pseh/pseh2.h"

// Whether Thread, resuming at WaitIrql, should deliver its pending kernel APCs at
// once (TRUE: it resumes at PASSIVE_LEVEL); at APC_LEVEL an APC interrupt is
// requested for when IRQL drops instead. At SYNCH_LEVEL or DISPATCH_LEVEL.
extern "C" BOOLEAN NTAPI KiCheckApcOnResume(PKTHREAD Thread, KIRQL WaitIrql)
{
    KeMemoryBarrier(); // Running was stored before this read: pairs with KiSignalApcToThread
    if (!KiKernelApcPending(Thread))
        return FALSE;
    if (!Thread->SpecialApcDisable && WaitIrql == PASSIVE_LEVEL)
        return TRUE;
    HalRequestSoftwareInterrupt(APC_LEVEL);
    return FALSE;
}

// Completes a switch on the incoming thread: counts it, releases the outgoing thread
// (SwapBusy), and says whether kernel APCs should be delivered now. ApcBypass is the
// IRQL the incoming thread switched out at (APC_LEVEL for a new thread). At SYNCH_LEVEL
// or DISPATCH_LEVEL.
extern "C" BOOLEAN NTAPI KiSwapContextResume(KIRQL ApcBypass, PKTHREAD OldThread)
{
    PKPRCB Prcb = KiGetCurrentPrcb();
    PKTHREAD NewThread = Prcb->CurrentThread;
    KiCountEvent(&Prcb->ContextSwitches);
    NewThread->ContextSwitches++;
    if (Prcb->DpcRoutineActive)
        KeBugCheckEx(ATTEMPTED_SWITCH_FROM_DPC, reinterpret_cast<ULONG_PTR>(OldThread),
                     reinterpret_cast<ULONG_PTR>(NewThread), 0, 0);
    KiTraceSwitch(Prcb, OldThread, NewThread);
    PERFINFO_LOG_CONTEXT_SWITCH(OldThread, NewThread);
    if (OldThread->HostExiting) {
        HalHostDeleteFiber(OldThread->HostFiber); // never resumed again
        OldThread->HostFiber = NULL;
    }
    __atomic_store_n(&OldThread->SwapBusy, FALSE, __ATOMIC_RELEASE);
    return KiCheckApcOnResume(NewThread, ApcBypass);
}

// Switches from OldThread to the thread the caller already made Prcb->CurrentThread
// (State Running), telling the swap-context notify routine if one is set. Returns, on OldThread, when it is next switched to: TRUE if it
// switched out at PASSIVE_LEVEL and has kernel APCs to deliver. At SYNCH_LEVEL or
// DISPATCH_LEVEL; OldThread->SwapBusy is set if others can already see OldThread.
extern "C" BOOLEAN NTAPI KiSwapContext(KIRQL WaitIrql, PKTHREAD OldThread)
{
    PKTHREAD NewThread = KiGetCurrentPrcb()->CurrentThread;
    // The incoming thread may still be leaving another processor.
    while (__atomic_load_n(&NewThread->SwapBusy, __ATOMIC_ACQUIRE))
        KeYieldProcessor();
    if (PSWAP_CONTEXT_NOTIFY_ROUTINE Notify = __atomic_load_n(&KiSwapContextNotifyRoutine, __ATOMIC_ACQUIRE))
        [[unlikely]] Notify(KiThreadId(OldThread), KiThreadId(NewThread));
    HAL_CONTEXT_SWITCH Switch;
    Switch.OldContext = &OldThread->KernelStack;
    Switch.NewContext = NewThread->KernelStack;
    Switch.NewStackBase = NewThread->StackBase;
    Switch.NewStackLimit = NewThread->StackLimit;
    Switch.NewFiber = NewThread->HostFiber;
    Switch.OldExiting = OldThread->HostExiting;
    Switch.Argument = OldThread;
    PRTL_SEH2_FRAME ExceptionList = HalHostCurrentPcr()->ExceptionList;
    auto *Previous = static_cast<PKTHREAD>(HalHostSwitchContext(&Switch));
    HalHostCurrentPcr()->ExceptionList = ExceptionList;
    return KiSwapContextResume(WaitIrql, Previous);
}
