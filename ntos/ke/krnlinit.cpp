// krnlinit.cpp - processor start-up: the KPCR/KPRCB and idle thread of every
// processor, prepared before the machine starts, and KiSystemStartup, which each
// processor runs on its idle thread's stack before becoming its idle loop.
#include "ke.h"
#include "ex.h"
#include "mm.h"
#include "ps.h"

namespace {

KPCR KiPcrs[MAXIMUM_PROCESSORS];
ETHREAD KiIdleThreads[MAXIMUM_PROCESSORS];
EPROCESS KiIdleProcess;

// Points each of a processor's numbered queue entries at its lock, not held. Before
// the machine starts.
void KiInitSpinLocks(PKPRCB Prcb)
{
    for (ULONG i = 0; i < LockQueueMaximumLock; i++) {
        Prcb->LockQueue[i].Next = NULL;
        Prcb->LockQueue[i].Lock = i == LockQueueDispatcherLock ? &KiDispatcherLock : &KiQueuedSpinLocks[i];
    }
}

// Sets up one processor's PCR and PRCB. Before the machine starts.
void KiInitializePcr(ULONG Number)
{
    PKPCR Pcr = &KiPcrs[Number];
    RtlZeroMemory(Pcr, sizeof(*Pcr));
    Pcr->Self = Pcr;
    Pcr->CurrentPrcb = &Pcr->Prcb;
    Pcr->Irql = HIGH_LEVEL;
    Pcr->Number = (UCHAR)Number;
    PKPRCB Prcb = &Pcr->Prcb;
    Prcb->Number = (USHORT)Number;
    Prcb->SetMember = AFFINITY_MASK(Number);
    for (ULONG i = 0; i < MAXIMUM_PRIORITY; i++)
        InitializeListHead(&Prcb->DispatcherReadyListHead[i]);
    for (ULONG i = 0; i < 2; i++) {
        InitializeListHead(&Prcb->DpcData[i].DpcListHead);
        KeInitializeSpinLock(&Prcb->DpcData[i].DpcLock);
    }
    InitializeListHead(&Prcb->WaitListHead);
    KeInitializeEvent(&Prcb->DpcEvent, SynchronizationEvent, FALSE);
    Prcb->MaximumDpcQueueDepth = 4;
    Prcb->MinimumDpcRate = 3;
    KiInitSpinLocks(Prcb);
    KiProcessorBlock[Number] = Prcb;
}

// Sets up a processor's idle thread as the thread already running on it. Before the
// machine starts.
NTSTATUS KiInitializeIdleThread(ULONG Number)
{
    PKTHREAD Thread = &KiIdleThreads[Number].Tcb;
    RtlZeroMemory(&KiIdleThreads[Number], sizeof(ETHREAD));
    PVOID Stack = MmCreateKernelStack(FALSE, 0);
    if (!Stack)
        return STATUS_INSUFFICIENT_RESOURCES;
    KeInitThread(Thread, Stack, NULL, NULL, NULL, NULL, NULL, &KiIdleProcess.Pcb);
    KiSetThreadState(Thread, Running);
    Thread->Priority = 0;
    Thread->BasePriority = 0;
    Thread->Affinity = Thread->UserAffinity = AFFINITY_MASK(Number);
    Thread->NextProcessor = Thread->IdealProcessor = (UCHAR)Number;
    Thread->WaitIrql = DISPATCH_LEVEL;
    Thread->Quantum = Thread->QuantumReset = THREAD_QUANTUM;
    InsertTailList(&KiIdleProcess.Pcb.ThreadListHead, &Thread->ThreadListEntry);
    KiIdleProcess.Pcb.StackCount++;
    PKPRCB Prcb = KiProcessorBlock[Number];
    Prcb->IdleThread = Prcb->CurrentThread = Thread;
    return STATUS_SUCCESS;
}

} // namespace

PEPROCESS PsIdleProcess = &KiIdleProcess;

// Prepares Count processors (PCR, PRCB, idle process and threads) and fills the
// HAL's boot description of each. On the host thread, before the machine starts.
extern "C" NTSTATUS NTAPI KiPrepareProcessors(ULONG Count, HAL_MACHINE_CONFIG *Config)
{
    KiThreadSequence = 0;
    KeTickCount = 0;
    KiIdleSummary = 0;
    KeInitializeSpinLock(&KiDispatcherLock);
    RtlZeroMemory(KiQueuedSpinLocks, sizeof(KiQueuedSpinLocks));
    KiInitializeTimerTable();
    KeNumberProcessors = (CCHAR)Count;
    KeActiveProcessors = Count == 64 ? ~(KAFFINITY)0 : (AFFINITY_MASK(Count) - 1);
    RtlZeroMemory(&KiIdleProcess, sizeof(KiIdleProcess));
    InitializeListHead(&KiProcessListHead);
    KiInitializeProcessObject(&KiIdleProcess.Pcb, 0, KeActiveProcessors, NULL, FALSE);
    InsertTailList(&KiProcessListHead, &KiIdleProcess.Pcb.ProcessListEntry);
    InitializeListHead(&KiIdleProcess.ThreadListHead);
    RtlCopyMemory(KiIdleProcess.ImageFileName, "Idle", 5);
    for (ULONG i = 0; i < Count; i++) {
        KiInitializePcr(i);
        NTSTATUS Status = KiInitializeIdleThread(i);
        if (!NT_SUCCESS(Status)) {
            KiReleaseProcessors();
            return Status;
        }
        PKTHREAD Idle = &KiIdleThreads[i].Tcb;
        Config->Boot[i].Pcr = &KiPcrs[i];
        Config->Boot[i].StackBase = Idle->StackBase;
        Config->Boot[i].StackLimit = Idle->StackLimit;
        Config->Boot[i].Fiber = Idle->HostFiber;
    }
    Config->NextTimerDue = KiNextTimerDueTime;
    return STATUS_SUCCESS;
}

// Frees what KiPrepareProcessors made. On the host thread, after the machine stopped.
extern "C" VOID NTAPI KiReleaseProcessors(VOID)
{
    for (ULONG i = 0; i < MAXIMUM_PROCESSORS; i++) {
        PKTHREAD Idle = &KiIdleThreads[i].Tcb;
        if (Idle->StackBase)
            KeUninitThread(Idle);
        RtlZeroMemory(&KiIdleThreads[i], sizeof(ETHREAD));
        KiProcessorBlock[i] = NULL;
    }
    KeNumberProcessors = 0;
    KeActiveProcessors = 0;
    InitializeListHead(&KiProcessListHead);
}

// The kernel's initialization on a processor, on its idle thread: the boot processor
// runs the executive's phase 0, which starts phase 1 in a system thread. (The idle
// process and threads ReactOS's KiInitializeKernel builds here need host stacks and
// fibers, so KiPrepareProcessors built them before the machine started.) At
// DISPATCH_LEVEL.
extern "C" VOID NTAPI KiInitializeKernel(ULONG Number)
{
    if (Number == 0)
        ExpInitializeExecutive(Number);
}

// Each processor's first code, on its idle thread's stack: it drops from HIGH_LEVEL to
// DISPATCH_LEVEL, initializes the kernel there, then becomes its idle loop.
extern "C" VOID NTAPI KiSystemStartup(ULONG Number)
{
    KeLowerIrql(DISPATCH_LEVEL);
    KiInitializeKernel(Number);
    KiIdleLoop();
}
