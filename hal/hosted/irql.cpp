// irql.cpp - the HAL's IRQL services and interrupt dispatch. Each processor's KPCR
// keeps its IRQL and a request register (one bit per level); a pending level above
// the current IRQL is taken when IRQL drops or at an interrupt point.
// NT-level code: no host header here.
#include "ntddk.h"
#include "ndk/kefuncs.h"
#include "halhost.h"
#include "hal.h"

namespace {

inline PKPCR CurrentPcr() { return HalHostCurrentPcr(); }

// The highest pending level above Irql, or 0.
inline KIRQL HighestPending(ULONG Irr, KIRQL Irql)
{
    ULONG Deliverable = Irr & ~((2UL << Irql) - 1);
    return Deliverable ? static_cast<KIRQL>(31 - __builtin_clz(Deliverable)) : 0;
}

void DispatchVector(KIRQL Level, KIRQL PreviousIrql)
{
    switch (Level) {
    case CLOCK_LEVEL:
        HalpClockInterrupt(PreviousIrql);
        break;
    case DEVICE_LEVEL:
        KiHostRequestInterrupt();
        break;
    case DISPATCH_LEVEL:
        KiDispatchInterrupt();
        break;
    case APC_LEVEL:
        KiDeliverApc(KernelMode, NULL, NULL);
        break;
    default:
        KeBugCheckEx(TRAP_CAUSE_UNKNOWN, Level, PreviousIrql, 0, 0);
    }
}

} // namespace

// Takes every pending interrupt above the current IRQL, highest first. Each handler
// runs at its own level; the DISPATCH_LEVEL one may switch threads, after which this
// loop continues on whatever processor the thread resumes on.
extern "C" VOID HalpDispatchPendingInterrupts(VOID)
{
    for (;;) {
        PKPCR Pcr = CurrentPcr();
        KIRQL Irql = Pcr->Irql;
        KIRQL Level = HighestPending(__atomic_load_n(&Pcr->Irr, __ATOMIC_ACQUIRE), Irql);
        if (Level == 0)
            return;
        __atomic_fetch_and(&Pcr->Irr, ~(1UL << Level), __ATOMIC_ACQ_REL);
        Pcr->Irql = Level;
        DispatchVector(Level, Irql);
        CurrentPcr()->Irql = Irql;
    }
}

// Returns the current processor's IRQL. Any IRQL.
extern "C" KIRQL NTAPI KeGetCurrentIrql(VOID)
{
    return CurrentPcr()->Irql;
}

// Raises IRQL to NewIrql and returns the previous one; raising to a lower level is
// IRQL_NOT_GREATER_OR_EQUAL. Any IRQL.
extern "C" KIRQL FASTCALL KfRaiseIrql(KIRQL NewIrql)
{
    PKPCR Pcr = CurrentPcr();
    KIRQL OldIrql = Pcr->Irql;
    if (NewIrql < OldIrql)
        KeBugCheckEx(IRQL_NOT_GREATER_OR_EQUAL, OldIrql, NewIrql, 0, 0);
    Pcr->Irql = NewIrql;
    return OldIrql;
}

// Lowers IRQL to NewIrql and takes the interrupts that became deliverable; lowering
// to a higher level is IRQL_NOT_LESS_OR_EQUAL. An interrupt point.
extern "C" VOID FASTCALL KfLowerIrql(KIRQL NewIrql)
{
    PKPCR Pcr = CurrentPcr();
    if (NewIrql > Pcr->Irql)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, Pcr->Irql, NewIrql, 0, 0);
    Pcr->Irql = NewIrql;
    HalHostInterruptPoint(); // may run other processors, but this code stays on Pcr's
    if (HighestPending(__atomic_load_n(&Pcr->Irr, __ATOMIC_ACQUIRE), NewIrql))
        HalpDispatchPendingInterrupts();
}

// Raises to DISPATCH_LEVEL, returning the previous IRQL. At or below DISPATCH_LEVEL.
extern "C" KIRQL NTAPI KeRaiseIrqlToDpcLevel(VOID)
{
    return KfRaiseIrql(DISPATCH_LEVEL);
}

// Raises to SYNCH_LEVEL, returning the previous IRQL. At or below SYNCH_LEVEL.
extern "C" KIRQL NTAPI KeRaiseIrqlToSynchLevel(VOID)
{
    return KfRaiseIrql(SYNCH_LEVEL);
}

// Requests a software interrupt (APC_LEVEL or DISPATCH_LEVEL) on this processor; it
// is taken at once if IRQL is below Request, else when IRQL drops. Any IRQL.
extern "C" VOID FASTCALL HalRequestSoftwareInterrupt(KIRQL Request)
{
    PKPCR Pcr = CurrentPcr();
    __atomic_fetch_or(&Pcr->Irr, 1UL << Request, __ATOMIC_ACQ_REL);
    if (Pcr->Irql < Request)
        HalpDispatchPendingInterrupts();
}

// Clears a pending software interrupt on this processor. Any IRQL.
extern "C" VOID FASTCALL HalClearSoftwareInterrupt(KIRQL Request)
{
    __atomic_fetch_and(&CurrentPcr()->Irr, ~(1UL << Request), __ATOMIC_ACQ_REL);
}

// Busy-waits for at least MicroSeconds, taking interrupt points as it spins (in
// deterministic mode virtual time passes at each). Any IRQL.
extern "C" VOID NTAPI KeStallExecutionProcessor(ULONG MicroSeconds)
{
    ULONG64 End = HalHostQueryPerformanceCounter(nullptr) + 10ULL * MicroSeconds;
    while (HalHostQueryPerformanceCounter(nullptr) < End)
        KeYieldProcessor();
}

// Returns the performance counter and its frequency (100 ns ticks). Any IRQL.
extern "C" LARGE_INTEGER NTAPI KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency)
{
    ULONG64 Frequency;
    LARGE_INTEGER Counter;
    Counter.QuadPart = static_cast<LONGLONG>(HalHostQueryPerformanceCounter(&Frequency));
    if (PerformanceFrequency)
        PerformanceFrequency->QuadPart = static_cast<LONGLONG>(Frequency);
    return Counter;
}
