// clock.cpp - the clock interrupt's kernel half (system time, tick count, quantum
// accounting) and the time queries.
#include "ke.h"

volatile ULONG64 KeTickCount;
ULONG KeMaximumIncrement = HAL_CLOCK_INCREMENT;

// Charges the running thread one clock tick (telling the time update notify routine,
// if set) and, unless it is the idle thread, CLOCK_QUANTUM_DECREMENT of its quantum;
// an exhausted quantum requests quantum end at DISPATCH_LEVEL. At CLOCK_LEVEL.
extern "C" VOID NTAPI KeUpdateRunTime(PKTRAP_FRAME TrapFrame, KIRQL OldIrql)
{
    UNREFERENCED_PARAMETER(TrapFrame);
    PKPRCB Prcb = KiGetCurrentPrcb();
    PKTHREAD Thread = Prcb->CurrentThread;
    Prcb->InterruptCount++;
    if (OldIrql > DISPATCH_LEVEL)
        Prcb->InterruptTime++;
    else if (OldIrql == DISPATCH_LEVEL && Prcb->DpcRoutineActive)
        Prcb->DpcTime++;
    else
        Prcb->KernelTime++, KiChargeTick(&Thread->KernelTime);
    if (PTIME_UPDATE_NOTIFY_ROUTINE Notify = __atomic_load_n(&KiTimeUpdateNotifyRoutine, __ATOMIC_ACQUIRE))
        [[unlikely]] Notify(KiThreadId(Thread), KernelMode);
    if (Thread == Prcb->IdleThread)
        return;
    LONG Quantum = KiReadQuantum(Thread) - CLOCK_QUANTUM_DECREMENT;
    KiWriteQuantum(Thread, Quantum);
    if (Quantum <= 0) {
        Prcb->QuantumEnd = TRUE;
        HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
    }
}

// Processor 0's clock tick: advances the tick count, asks for the timer table to be
// searched at DISPATCH_LEVEL, then charges the running thread. At CLOCK_LEVEL.
extern "C" VOID NTAPI KeUpdateSystemTime(PKTRAP_FRAME TrapFrame, ULONG Increment, KIRQL OldIrql)
{
    UNREFERENCED_PARAMETER(Increment);
    __atomic_add_fetch(&KeTickCount, 1, __ATOMIC_RELEASE);
    PKPRCB Prcb = KiGetCurrentPrcb();
    Prcb->TimerRequest = TRUE;
    HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
    KeUpdateRunTime(TrapFrame, OldIrql);
}

// Returns the system time (100 ns units since 1601-01-01, UTC). Any IRQL.
extern "C" VOID NTAPI KeQuerySystemTime(PLARGE_INTEGER CurrentTime)
{
    CurrentTime->QuadPart = (LONGLONG)HalHostQuerySystemTime();
}

// Returns the interrupt time (100 ns units since boot). Any IRQL.
extern "C" ULONGLONG NTAPI KeQueryInterruptTime(VOID)
{
    return HalHostQueryInterruptTime();
}

// Returns the number of clock ticks since boot. Any IRQL.
extern "C" VOID NTAPI KeQueryTickCount(PLARGE_INTEGER TickCount)
{
    TickCount->QuadPart = (LONGLONG)__atomic_load_n(&KeTickCount, __ATOMIC_ACQUIRE);
}

// Returns the time a clock tick adds to the interrupt time (100 ns units). Any IRQL.
extern "C" ULONG NTAPI KeQueryTimeIncrement(VOID)
{
    return KeMaximumIncrement;
}
