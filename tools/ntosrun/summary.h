// summary.h - what a run did, as ntosrun reports it at the end: threads created and
// exited (counted by a thread notify routine, as a driver would), context switches,
// APCs delivered and DPCs queued (the processors' counters), and the elapsed time.
#pragma once

#include "ndk/ntndk.h"

struct NtosrunCounters {
    ULONG64 ContextSwitches = 0;
    ULONG64 Apcs = 0;
    ULONG64 Dpcs = 0;
};

// In the kernel, at PASSIVE_LEVEL: starts counting thread creations and exits.
NTSTATUS NtosrunStartCounting(NtosrunCounters &Start);
// In the kernel: stops counting and prints the summary since NtosrunStartCounting.
VOID NtosrunPrintSummary(const NtosrunCounters &Start, ULONG64 ElapsedMicroseconds);
