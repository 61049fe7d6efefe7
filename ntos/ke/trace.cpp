// trace.cpp - a context-switch trace: one 64-bit record per switch (processor, old
// and new thread by creation sequence), for checking that the deterministic machine
// replays a seed exactly.
#include "ke.h"

namespace {
PULONG64 KiSwitchTraceBuffer;
ULONG KiSwitchTraceCapacity;
volatile LONG KiSwitchTraceCount;
} // namespace

// Starts recording up to Capacity switches. At PASSIVE_LEVEL, before the switches of
// interest.
extern "C" VOID NTAPI KiStartSwitchTrace(ULONG Capacity)
{
    KiSwitchTraceBuffer = static_cast<PULONG64>(ExAllocatePoolWithTag(NonPagedPool, Capacity * sizeof(ULONG64), 'rTiK'));
    KiSwitchTraceCapacity = KiSwitchTraceBuffer ? Capacity : 0;
    __atomic_store_n(&KiSwitchTraceCount, 0, __ATOMIC_RELEASE);
}

// Stops recording, copies out up to Capacity records and returns how many were
// recorded. At PASSIVE_LEVEL.
extern "C" ULONG NTAPI KiStopSwitchTrace(PULONG64 Buffer, ULONG Capacity)
{
    PULONG64 Trace = KiSwitchTraceBuffer;
    KiSwitchTraceBuffer = NULL;
    ULONG Count = (ULONG)__atomic_load_n(&KiSwitchTraceCount, __ATOMIC_ACQUIRE);
    if (Count > KiSwitchTraceCapacity)
        Count = KiSwitchTraceCapacity;
    for (ULONG i = 0; i < Count && i < Capacity; i++)
        Buffer[i] = Trace[i];
    if (Trace)
        ExFreePoolWithTag(Trace, 'rTiK');
    KiSwitchTraceCapacity = 0;
    return Count;
}

// Records one switch, if tracing. At SYNCH_LEVEL or DISPATCH_LEVEL.
extern "C" VOID NTAPI KiTraceSwitch(PKPRCB Prcb, PKTHREAD OldThread, PKTHREAD NewThread)
{
    PULONG64 Trace = KiSwitchTraceBuffer;
    if (!Trace)
        return;
    ULONG Index = (ULONG)InterlockedIncrement(&KiSwitchTraceCount) - 1;
    if (Index < KiSwitchTraceCapacity)
        Trace[Index] = ((ULONG64)Prcb->Number << 56) | ((ULONG64)(OldThread->HostSequence & 0xFFFFFF) << 24) |
                       (NewThread->HostSequence & 0xFFFFFF);
}
