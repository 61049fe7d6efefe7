// dpc.cpp - deferred procedure calls, the DISPATCH_LEVEL software interrupt, and
// quantum end.
#include "ke.h"

// Initializes a DPC object. Its list entry and arguments are left as they are: they
// are set when it is queued. Any IRQL.
extern "C" VOID NTAPI KeInitializeDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext)
{
    Dpc->Type = DpcObject;
    Dpc->Importance = MediumImportance;
    Dpc->Number = 0;
    Dpc->DeferredRoutine = DeferredRoutine;
    Dpc->DeferredContext = DeferredContext;
    Dpc->DpcData = NULL;
}

// The processor a DPC is queued on: its target if KeSetTargetProcessorDpc set one,
// else the current processor.
static PKPRCB KiDpcTargetPrcb(PRKDPC Dpc)
{
    USHORT Number = __atomic_load_n(&Dpc->Number, __ATOMIC_RELAXED);
    return Number >= MAXIMUM_PROCESSORS ? KiProcessorBlock[Number - MAXIMUM_PROCESSORS] : KiGetCurrentPrcb();
}

// Queues a DPC on its target processor (the current one unless targeted); FALSE if it
// was already queued. On this processor the DISPATCH_LEVEL interrupt that runs it is
// requested at once; another processor is interrupted unless the DPC is of low
// importance and that processor busy (its next clock tick runs it). Any IRQL.
extern "C" BOOLEAN NTAPI KeInsertQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2)
{
    ASSERT_DPC(Dpc);
    KIRQL OldIrql = KfRaiseIrql(HIGH_LEVEL);
    PKPRCB Prcb = KiDpcTargetPrcb(Dpc);
    PKDPC_DATA DpcData = &Prcb->DpcData[DPC_NORMAL];
    KeAcquireSpinLockAtDpcLevel(&DpcData->DpcLock);
    BOOLEAN Inserted = FALSE;
    if (!KiGetDpcData(Dpc)) {
        KiSetDpcData(Dpc, DpcData);
        Dpc->SystemArgument1 = SystemArgument1;
        Dpc->SystemArgument2 = SystemArgument2;
        if (Dpc->Importance == HighImportance)
            InsertHeadList(&DpcData->DpcListHead, &Dpc->DpcListEntry);
        else
            InsertTailList(&DpcData->DpcListHead, &Dpc->DpcListEntry);
        KiAdjustDpcQueueDepth(DpcData, 1);
        KiCountEvent(&DpcData->DpcCount);
        Inserted = TRUE;
    }
    KeReleaseSpinLockFromDpcLevel(&DpcData->DpcLock);
    if (Inserted && Prcb == KiGetCurrentPrcb()) {
        if (!Prcb->DpcRoutineActive)
            HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
    } else if (Inserted && (Dpc->Importance != LowImportance ||
                            (__atomic_load_n(&KiIdleSummary, __ATOMIC_ACQUIRE) & Prcb->SetMember))) {
        HalHostRequestInterrupt(Prcb->Number, DISPATCH_LEVEL);
    }
    KeLowerIrql(OldIrql);
    return Inserted;
}

// Aims a DPC at processor Number for its next insertions; a processor that does not
// exist bugchecks INVALID_AFFINITY_SET. Any IRQL, while the DPC is not queued.
extern "C" VOID NTAPI KeSetTargetProcessorDpc(PRKDPC Dpc, CCHAR Number)
{
    ASSERT_DPC(Dpc);
    if ((UCHAR)Number >= (UCHAR)KeNumberProcessors)
        KeBugCheckEx(INVALID_AFFINITY_SET, (UCHAR)Number, KeActiveProcessors, reinterpret_cast<ULONG_PTR>(Dpc), 0);
    __atomic_store_n(&Dpc->Number, (USHORT)(MAXIMUM_PROCESSORS + (UCHAR)Number), __ATOMIC_RELAXED);
}

// Sets where a DPC joins its queue (HighImportance: the head) and whether a remote
// insertion interrupts a busy processor. Any IRQL.
extern "C" VOID NTAPI KeSetImportanceDpc(PRKDPC Dpc, KDPC_IMPORTANCE Importance)
{
    ASSERT_DPC(Dpc);
    Dpc->Importance = (UCHAR)Importance;
}

// Removes a queued DPC; FALSE if it was not queued. Any IRQL.
extern "C" BOOLEAN NTAPI KeRemoveQueueDpc(PRKDPC Dpc)
{
    ASSERT_DPC(Dpc);
    KIRQL OldIrql = KfRaiseIrql(HIGH_LEVEL);
    auto *DpcData = static_cast<PKDPC_DATA>(KiGetDpcData(Dpc));
    BOOLEAN Removed = FALSE;
    if (DpcData) {
        KeAcquireSpinLockAtDpcLevel(&DpcData->DpcLock);
        if (KiGetDpcData(Dpc) == DpcData) {
            RemoveEntryList(&Dpc->DpcListEntry);
            KiAdjustDpcQueueDepth(DpcData, -1);
            KiSetDpcData(Dpc, NULL);
            Removed = TRUE;
        }
        KeReleaseSpinLockFromDpcLevel(&DpcData->DpcLock);
    }
    KeLowerIrql(OldIrql);
    return Removed;
}

namespace {

// The marker KeFlushQueuedDpcs queues behind a processor's DPCs: signals its event.
// At DISPATCH_LEVEL.
VOID NTAPI KiFlushDpcMarker(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    KeSetEvent(static_cast<PKEVENT>(DeferredContext), 0, FALSE);
}

} // namespace

// Returns once every DPC queued on any processor before the call has run (a running
// one has returned): a marker DPC goes to the tail of each processor's queue in
// turn and is waited for. At PASSIVE_LEVEL.
extern "C" VOID NTAPI KeFlushQueuedDpcs(VOID)
{
    ASSERT(KiGetCurrentIrql() == PASSIVE_LEVEL);
    KDPC Marker;
    KEVENT Done;
    for (CCHAR Number = 0; Number < KeNumberProcessors; Number++) {
        KeInitializeEvent(&Done, NotificationEvent, FALSE);
        KeInitializeDpc(&Marker, KiFlushDpcMarker, &Done);
        KeSetTargetProcessorDpc(&Marker, Number);
        KeInsertQueueDpc(&Marker, NULL, NULL);
        KeWaitForSingleObject(&Done, Executive, KernelMode, FALSE, NULL);
    }
}

// Expires every timer that has come due: searches the table lists of each tick since
// the last search (the whole table at most), signals the timers and queues their
// DPCs. At DISPATCH_LEVEL, from the clock's timer request.
extern "C" VOID NTAPI KiTimerExpiration(VOID)
{
    KIRQL OldIrql = KiAcquireDispatcherLock();
    ULONG64 Now = KeQueryInterruptTime();
    ULONG64 Tick = Now / KeMaximumIncrement;
    ULONG64 First = Tick - KiLastTimerTick >= TIMER_TABLE_SIZE ? Tick - (TIMER_TABLE_SIZE - 1) : KiLastTimerTick;
    for (ULONG64 Scan = First; Scan <= Tick; Scan++) {
        PLIST_ENTRY Head = &KiTimerTableListHead[Scan & (TIMER_TABLE_SIZE - 1)];
        while (!IsListEmpty(Head)) {
            PKTIMER Timer = CONTAINING_RECORD(Head->Flink, KTIMER, TimerListEntry);
            if (Timer->DueTime.QuadPart > Now)
                break;
            KiRemoveEntryTimer(Timer);
            if (PKDPC Dpc = KiSignalTimer(Timer))
                KiQueueTimerDpc(Dpc);
        }
    }
    KiLastTimerTick = Tick;
    KiReleaseDispatcherLock(OldIrql);
}

// Runs the timer expiration the clock requested, then every queued DPC of this
// processor, each with the queue lock dropped. At DISPATCH_LEVEL.
extern "C" VOID NTAPI KiRetireDpcList(PKPRCB Prcb)
{
    PKDPC_DATA DpcData = &Prcb->DpcData[DPC_NORMAL];
    Prcb->DpcRoutineActive = TRUE;
    if (Prcb->TimerRequest) {
        Prcb->TimerRequest = FALSE;
        PERFINFO_LOG(PerfInfoDpcDelivery, Prcb->CurrentThread, KiTimerExpiration, 0, 0);
        KiTimerExpiration();
    }
    while (KiDpcQueueDepth(DpcData)) {
        KfRaiseIrql(HIGH_LEVEL);
        KeAcquireSpinLockAtDpcLevel(&DpcData->DpcLock);
        PKDPC Dpc = NULL;
        if (!IsListEmpty(&DpcData->DpcListHead)) {
            Dpc = CONTAINING_RECORD(RemoveHeadList(&DpcData->DpcListHead), KDPC, DpcListEntry);
            KiSetDpcData(Dpc, NULL);
            KiAdjustDpcQueueDepth(DpcData, -1);
        }
        PKDEFERRED_ROUTINE Routine = Dpc ? Dpc->DeferredRoutine : NULL;
        PVOID Context = Dpc ? Dpc->DeferredContext : NULL;
        PVOID Argument1 = Dpc ? Dpc->SystemArgument1 : NULL;
        PVOID Argument2 = Dpc ? Dpc->SystemArgument2 : NULL;
        KeReleaseSpinLockFromDpcLevel(&DpcData->DpcLock);
        KeLowerIrql(DISPATCH_LEVEL);
        if (Routine) {
            PERFINFO_LOG(PerfInfoDpcDelivery, Prcb->CurrentThread, Routine, Context, 0);
            Routine(Dpc, Context, Argument1, Argument2);
            if (KiGetCurrentIrql() != DISPATCH_LEVEL)
                KeBugCheckEx(IRQL_NOT_GREATER_OR_EQUAL, reinterpret_cast<ULONG_PTR>(Routine),
                             KiGetCurrentIrql(), DISPATCH_LEVEL, 0);
        }
    }
    Prcb->DpcRoutineActive = FALSE;
}

// Quantum end: a new quantum, a boost decays one step, and a ready thread of at least
// the (new) priority takes over (round robin). At DISPATCH_LEVEL.
extern "C" VOID NTAPI KiQuantumEnd(VOID)
{
    PKPRCB Prcb = KiGetCurrentPrcb();
    PKTHREAD Thread = Prcb->CurrentThread;
    if (Thread == Prcb->IdleThread)
        return;
    KfRaiseIrql(SYNCH_LEVEL);
    KiAcquireThreadLock(Thread);
    KiAcquirePrcbLock(Prcb);
    if (KiReadQuantum(Thread) <= 0) {
        if (KiReadPriority(Thread) >= LOW_REALTIME_PRIORITY && Thread->ApcState.Process->DisableQuantum) {
            KiWriteQuantum(Thread, MAX_QUANTUM);
        } else {
            KiWriteQuantum(Thread, Thread->QuantumReset);
            KiWritePriority(Thread, KiComputeNewPriority(Thread, 1));
            if (!Prcb->NextThread) {
                if (PKTHREAD Next = KiSelectReadyThread(KiReadPriority(Thread), Prcb))
                    KiSetStandbyThread(Prcb, Next);
            } else {
                Thread->Preempted = FALSE;
            }
        }
    }
    KiReleaseThreadLock(Thread);
    PKTHREAD Next = Prcb->NextThread;
    if (!Next) {
        KiReleasePrcbLock(Prcb);
        KeLowerIrql(DISPATCH_LEVEL);
        return;
    }
    KiSwapToNextThread(Prcb, Next, WrQuantumEnd, APC_LEVEL);
    KeLowerIrql(DISPATCH_LEVEL);
}

// The DISPATCH_LEVEL software interrupt: retire DPCs, then end the quantum or switch
// to the Standby thread. At DISPATCH_LEVEL.
extern "C" VOID NTAPI KiDispatchInterrupt(VOID)
{
    PKPRCB Prcb = KiGetCurrentPrcb();
    if (KiDpcQueueDepth(&Prcb->DpcData[DPC_NORMAL]) || Prcb->TimerRequest)
        KiRetireDpcList(Prcb);
    if (Prcb->QuantumEnd) {
        Prcb->QuantumEnd = FALSE;
        KiQuantumEnd();
        return;
    }
    if (!KiPeekNextThread(Prcb) || Prcb->CurrentThread == Prcb->IdleThread)
        return;
    KfRaiseIrql(SYNCH_LEVEL);
    KiAcquirePrcbLock(Prcb);
    PKTHREAD Next = Prcb->NextThread;
    if (!Next) {
        KiReleasePrcbLock(Prcb);
        KeLowerIrql(DISPATCH_LEVEL);
        return;
    }
    KiSwapToNextThread(Prcb, Next, WrDispatchInt, APC_LEVEL);
    KeLowerIrql(DISPATCH_LEVEL);
}
