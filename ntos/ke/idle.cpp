// idle.cpp - each processor's idle thread: retire DPCs, take the Standby thread or a
// ready one (its own or another processor's), else wait for an interrupt; leave for
// the host when the machine stops.
#include "ke.h"

namespace {

// Picks the thread the idle processor runs next, or NULL after marking the processor
// idle. At SYNCH_LEVEL.
PKTHREAD KiIdleSelectThread(PKPRCB Prcb)
{
    KiAcquirePrcbLock(Prcb);
    PKTHREAD Next = KiSelectNextThread(Prcb);
    PKTHREAD Stolen = NULL;
    if (!Next) {
        KiReleasePrcbLock(Prcb);
        Stolen = KiFindReadyThread(Prcb);
        KiAcquirePrcbLock(Prcb);
        Next = Prcb->NextThread;
        if (Next) {
            // Given a Standby thread while stealing: run it, re-place the stolen one.
            KiSetNextThread(Prcb, NULL);
            if (Stolen) {
                KiReleasePrcbLock(Prcb);
                KiReleaseThreadLock(Stolen);
                KiDeferredReadyThread(Stolen);
                KiAcquirePrcbLock(Prcb);
                Stolen = NULL;
            }
        } else {
            Next = Stolen;
        }
    }
    if (Next) {
        __atomic_fetch_and(&KiIdleSummary, ~Prcb->SetMember, __ATOMIC_ACQ_REL);
        Prcb->CurrentThread = Next;
        KiSetThreadState(Next, Running);
    } else {
        __atomic_fetch_or(&KiIdleSummary, Prcb->SetMember, __ATOMIC_ACQ_REL);
    }
    if (Stolen)
        KiReleaseThreadLock(Stolen); // held since it left the other processor's queue
    KiReleasePrcbLock(Prcb);
    return Next;
}

} // namespace

// The idle loop. Runs at DISPATCH_LEVEL; lowering to DISPATCH_LEVEL each round takes
// the pending clock and device interrupts, and the DISPATCH_LEVEL request that woke
// the processor is served here directly.
extern "C" VOID NTAPI KiIdleLoop(VOID)
{
    PKPRCB Prcb = KiGetCurrentPrcb();
    PKTHREAD IdleThread = Prcb->IdleThread;
    for (;;) {
        HalClearSoftwareInterrupt(DISPATCH_LEVEL);
        KeLowerIrql(DISPATCH_LEVEL);
        if (KiDpcQueueDepth(&Prcb->DpcData[DPC_NORMAL]) || Prcb->TimerRequest)
            KiRetireDpcList(Prcb);
        KfRaiseIrql(SYNCH_LEVEL);
        if (KiIdleSelectThread(Prcb)) {
            KiSwapContext(DISPATCH_LEVEL, IdleThread);
            continue;
        }
        KeLowerIrql(DISPATCH_LEVEL);
        if (HalHostStopRequested())
            HalHostProcessorExit();
        HalHostIdle();
    }
}
