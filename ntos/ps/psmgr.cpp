// psmgr.cpp - process manager initialization: the System process and the phase 1
// initialization thread.
#include "ke.h"
#include "ex.h"
#include "ps.h"

#define TAG_PROCESS 'corP'

PEPROCESS PsInitialSystemProcess;


// Phase 0: creates the System process and the thread that runs phase 1. On
// processor 0 at DISPATCH_LEVEL.
extern "C" NTSTATUS NTAPI PspInitPhase0(VOID)
{
    PspReaperListHead.Next = NULL;
    auto *Process = static_cast<PEPROCESS>(ExAllocatePoolWithTag(NonPagedPool, sizeof(EPROCESS), TAG_PROCESS));
    if (!Process)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(Process, sizeof(EPROCESS));
    KeInitializeProcess(&Process->Pcb, 8, KeActiveProcessors, NULL, FALSE);
    InitializeListHead(&Process->ThreadListHead);
    Process->UniqueProcessId = reinterpret_cast<HANDLE>(4);
    RtlCopyMemory(Process->ImageFileName, "System", 7);
    KeQuerySystemTime(&Process->CreateTime);
    PsInitialSystemProcess = Process;
    PETHREAD Phase1Thread;
    return PspCreateSystemThreadObject(Phase1Initialization, NULL, &Phase1Thread);
}

// The System process's token when the kernel could not shut down (a deadlocked
// machine): the pool leak report names it; it stays reachable here, as the object
// manager's own globals keep the other abandoned objects.
static PVOID volatile PspAbandonedSystemToken;

// Frees the System process and every thread object still in it, after the machine
// stopped. Returns how many of them had not terminated (threads left running or
// waiting at shutdown). On the host.
extern "C" ULONG NTAPI PspShutdownPhase0(VOID)
{
    PEPROCESS Process = PsInitialSystemProcess;
    ULONG Alive = 0;
    if (!Process)
        return 0;
    PspReaperListHead.Next = NULL;
    while (!IsListEmpty(&Process->ThreadListHead)) {
        PETHREAD Thread = CONTAINING_RECORD(Process->ThreadListHead.Flink, ETHREAD, ThreadListEntry);
        if (Thread->Tcb.State != Terminated)
            Alive++;
        PspDeleteSystemThreadObject(Thread);
    }
    RemoveEntryList(&Process->Pcb.ProcessListEntry);
    PspAbandonedSystemToken = ExGetObjectFastReference(Process->Token);
    ExFreePoolWithTag(Process, TAG_PROCESS);
    PsInitialSystemProcess = NULL;
    return Alive;
}
