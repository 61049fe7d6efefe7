// clockint.cpp - the clock interrupt: processor 0 keeps system time, every
// processor charges its running thread (as the clock IPI does on NT's other CPUs).
#include "hal.h"
#include "halhost.h"

// Runs at CLOCK_LEVEL on each processor once per HAL_CLOCK_INCREMENT.
extern "C" VOID HalpClockInterrupt(KIRQL PreviousIrql)
{
    if (KeGetCurrentProcessorNumber() == 0)
        KeUpdateSystemTime(NULL, HAL_CLOCK_INCREMENT, PreviousIrql);
    else
        KeUpdateRunTime(NULL, PreviousIrql);
}
