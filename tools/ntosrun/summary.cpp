// summary.cpp - ntosrun's end-of-run summary.
#include "summary.h"

#include "ke.h"

namespace {

volatile LONG ThreadsCreated;
volatile LONG ThreadsExited;

// The thread notify routine: counts creations and exits. At PASSIVE_LEVEL.
VOID NTAPI CountThread(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ProcessId);
    UNREFERENCED_PARAMETER(ThreadId);
    InterlockedIncrement(Create ? &ThreadsCreated : &ThreadsExited);
}

// The processors' counters, summed.
NtosrunCounters ReadCounters()
{
    NtosrunCounters Counters;
    for (CCHAR I = 0; I < KeNumberProcessors; I++) {
        PKPRCB Prcb = KiProcessorBlock[I];
        Counters.ContextSwitches += KiReadCounter(&Prcb->ContextSwitches);
        Counters.Apcs += KiReadCounter(&Prcb->ApcCount);
        Counters.Dpcs += KiReadCounter(&Prcb->DpcData[DPC_NORMAL].DpcCount) +
                         KiReadCounter(&Prcb->DpcData[DPC_THREADED].DpcCount);
    }
    return Counters;
}

} // namespace

NTSTATUS NtosrunStartCounting(NtosrunCounters &Start)
{
    InterlockedExchange(&ThreadsCreated, 0);
    InterlockedExchange(&ThreadsExited, 0);
    Start = ReadCounters();
    return PsSetCreateThreadNotifyRoutine(CountThread);
}

VOID NtosrunPrintSummary(const NtosrunCounters &Start, ULONG64 ElapsedMicroseconds)
{
    PsRemoveCreateThreadNotifyRoutine(CountThread);
    NtosrunCounters End = ReadCounters();
    DbgPrint("summary: threads created %ld, exited %ld; context switches %llu; APCs delivered %llu; "
             "DPCs queued %llu; elapsed %llu.%03llu ms\n",
             static_cast<long>(InterlockedCompareExchange(&ThreadsCreated, 0, 0)),
             static_cast<long>(InterlockedCompareExchange(&ThreadsExited, 0, 0)),
             End.ContextSwitches - Start.ContextSwitches, End.Apcs - Start.Apcs, End.Dpcs - Start.Dpcs,
             ElapsedMicroseconds / 1000, ElapsedMicroseconds % 1000);
}
