// cpu.cpp - the current processor: its KPCR, KPRCB and number.
#include "ke.h"

KAFFINITY KeActiveProcessors;
volatile CCHAR KeNumberProcessors;
PKPRCB KiProcessorBlock[MAXIMUM_PROCESSORS];

// Returns the current processor's control region. Any IRQL; below DISPATCH_LEVEL
// the caller may be moved to another processor right after.
extern "C" PKPCR NTAPI KeGetPcr(VOID)
{
    return HalHostCurrentPcr();
}

// Returns the current processor's control block. Any IRQL.
extern "C" PKPRCB NTAPI KeGetCurrentPrcb(VOID)
{
    return &HalHostCurrentPcr()->Prcb;
}

// Returns the current processor's number. Any IRQL.
extern "C" ULONG NTAPI KeGetCurrentProcessorNumber(VOID)
{
    return HalHostCurrentPcr()->Number;
}

// One iteration of a spin loop: a pause, an interrupt point where the deterministic
// machine lets the processor holding what we wait for run, and an interrupt window:
// interrupts pending above the current IRQL are taken (so a spinning thread at
// PASSIVE_LEVEL can be preempted at quantum end). Any IRQL.
extern "C" VOID NTAPI KeYieldProcessor(VOID)
{
    HalHostSpinWait();
    if (__atomic_load_n(&HalHostCurrentPcr()->Irr, __ATOMIC_ACQUIRE))
        HalpDispatchPendingInterrupts();
}
