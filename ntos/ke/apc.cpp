// apc.cpp - asynchronous procedure calls: the APC object, queueing it to a thread
// (waking or interrupting the thread as its state allows), delivery at APC_LEVEL,
// and the critical and guarded regions that hold delivery off.
#include "ke.h"

namespace {

// Queues Apc in its list: special kernel APCs after the special ones already
// queued, everything else at the tail. (NT also puts ps' exit APC at the head of the
// user list; that arrives with PsExitSpecialApc.)
void KiLinkApc(PKAPC_STATE ApcState, PKAPC Apc)
{
    PLIST_ENTRY ListHead = &ApcState->ApcListHead[(UCHAR)Apc->ApcMode];
    if (Apc->NormalRoutine) {
        InsertTailList(ListHead, &Apc->ApcListEntry);
        return;
    }
    PLIST_ENTRY Entry = ListHead->Blink;
    while (Entry != ListHead && CONTAINING_RECORD(Entry, KAPC, ApcListEntry)->NormalRoutine)
        Entry = Entry->Blink;
    InsertHeadList(Entry, &Apc->ApcListEntry);
}

// Whether a kernel APC may break into Thread's wait now: it waits at PASSIVE_LEVEL,
// special APCs are enabled and, for a normal APC, normal ones are too.
BOOLEAN KiKernelApcCanUnwait(PKTHREAD Thread, PKAPC Apc)
{
    if (Thread->WaitIrql != PASSIVE_LEVEL || KiSpecialApcDisable(Thread))
        return FALSE;
    return !Apc->NormalRoutine || (!KiKernelApcDisable(Thread) && !KiKernelApcInProgress(Thread));
}

// Takes an APC out of its queue; TRUE if that emptied the queue. The dispatcher lock
// is held too, because a thread tests its own queues under that lock when it waits.
// At SYNCH_LEVEL with the thread's APC lock held.
BOOLEAN KiUnlinkApc(PKAPC Apc)
{
    KiAcquireDispatcherLockAtSynchLevel();
    BOOLEAN Emptied = RemoveEntryList(&Apc->ApcListEntry);
    Apc->Inserted = FALSE;
    KiReleaseDispatcherLockFromSynchLevel();
    return Emptied;
}

// Tells another thread of a newly queued APC: a kernel APC marks it pending and
// interrupts it if running, or ends its wait with STATUS_KERNEL_APC; a user APC ends
// an alertable user-mode wait with STATUS_USER_APC. At SYNCH_LEVEL with the APC lock
// and the dispatcher lock held; returns the processor to interrupt, or MAXULONG.
ULONG KiSignalApcToThread(PKTHREAD Thread, PKAPC Apc, KPRIORITY PriorityBoost)
{
    if (Apc->ApcMode == KernelMode) {
        // A Standby thread becomes Running under its PRCB lock, not this one: the flag is
        // set before the state is read (a full barrier), and the switch reads the flag
        // after setting the state (KiCheckApcOnResume), so one side sees the other.
        KiSetKernelApcPending(Thread, TRUE);
        KeMemoryBarrier();
        UCHAR State = KiGetThreadState(Thread);
        if (State == Running)
            return KiGetNextProcessor(Thread);
        if (State == Waiting && KiKernelApcCanUnwait(Thread, Apc))
            KiUnwaitThread(Thread, STATUS_KERNEL_APC, PriorityBoost);
    } else if (KiGetThreadState(Thread) == Waiting && Thread->WaitMode == UserMode &&
               (Thread->Alertable || Thread->ApcState.UserApcPending)) {
        Thread->ApcState.UserApcPending = TRUE;
        KiUnwaitThread(Thread, STATUS_USER_APC, PriorityBoost);
    }
    return MAXULONG;
}

// Runs one delivered APC's kernel routine, counted on this processor, and checks it
// came back at the IRQL it was called at. At APC_LEVEL.
void KiCallKernelRoutine(PKKERNEL_ROUTINE KernelRoutine, PKAPC Apc, PKNORMAL_ROUTINE *NormalRoutine,
                         PVOID *NormalContext, PVOID *SystemArgument1, PVOID *SystemArgument2)
{
    KIRQL Irql = KiGetCurrentIrql();
    KiCountEvent(&KiGetCurrentPrcb()->ApcCount);
    PERFINFO_LOG(PerfInfoApcDelivery, KiGetCurrentThread(), KernelRoutine, *NormalRoutine, Apc->ApcMode);
    KernelRoutine(Apc, NormalRoutine, NormalContext, SystemArgument1, SystemArgument2);
    if (KiGetCurrentIrql() != Irql)
        KeBugCheckEx(IRQL_UNEXPECTED_VALUE, ((ULONG_PTR)KiGetCurrentIrql() << 16) | ((ULONG_PTR)Irql << 8),
                     reinterpret_cast<ULONG_PTR>(KernelRoutine), reinterpret_cast<ULONG_PTR>(Apc),
                     reinterpret_cast<ULONG_PTR>(*NormalRoutine));
}

// Delivers the queued kernel APCs: special ones always, normal ones unless a
// critical region or another normal APC is in progress (then it stops). At APC_LEVEL.
void KiDeliverKernelApcs(PKTHREAD Thread)
{
    PLIST_ENTRY ListHead = &Thread->ApcState.ApcListHead[KernelMode];
    for (;;) {
        KIRQL OldIrql = KiAcquireApcLockRaiseToSynch(Thread);
        if (IsListEmpty(ListHead)) {
            KiReleaseApcLock(Thread, OldIrql);
            return;
        }
        KiSetKernelApcPending(Thread, FALSE);
        PKAPC Apc = CONTAINING_RECORD(ListHead->Flink, KAPC, ApcListEntry);
        PKKERNEL_ROUTINE KernelRoutine = Apc->KernelRoutine;
        PKNORMAL_ROUTINE NormalRoutine = Apc->NormalRoutine;
        PVOID NormalContext = Apc->NormalContext;
        PVOID SystemArgument1 = Apc->SystemArgument1;
        PVOID SystemArgument2 = Apc->SystemArgument2;
        BOOLEAN Special = !NormalRoutine;
        if (!Special && (KiKernelApcInProgress(Thread) || KiKernelApcDisable(Thread))) {
            KiReleaseApcLock(Thread, OldIrql);
            return;
        }
        KiUnlinkApc(Apc);
        KiReleaseApcLock(Thread, OldIrql);
        KiCallKernelRoutine(KernelRoutine, Apc, &NormalRoutine, &NormalContext, &SystemArgument1, &SystemArgument2);
        if (Special)
            continue;
        if (NormalRoutine) {
            // A normal kernel APC runs at PASSIVE_LEVEL, where special APCs may still preempt it.
            KiSetKernelApcInProgress(Thread, TRUE);
            KeLowerIrql(PASSIVE_LEVEL);
            NormalRoutine(NormalContext, SystemArgument1, SystemArgument2);
            KfRaiseIrql(APC_LEVEL);
        }
        KiSetKernelApcInProgress(Thread, FALSE);
    }
}

// Delivers the first user APC: its kernel routine at APC_LEVEL, then its normal
// routine. The hosted kernel has no user mode to return to, so the normal routine is
// called here at PASSIVE_LEVEL, standing in for the user-mode APC dispatcher.
void KiDeliverUserApc(PKTHREAD Thread)
{
    KIRQL OldIrql = KiAcquireApcLockRaiseToSynch(Thread);
    PLIST_ENTRY ListHead = &Thread->ApcState.ApcListHead[UserMode];
    if (!Thread->ApcState.UserApcPending || IsListEmpty(ListHead)) {
        KiReleaseApcLock(Thread, OldIrql);
        return;
    }
    Thread->ApcState.UserApcPending = FALSE;
    PKAPC Apc = CONTAINING_RECORD(ListHead->Flink, KAPC, ApcListEntry);
    PKKERNEL_ROUTINE KernelRoutine = Apc->KernelRoutine;
    PKNORMAL_ROUTINE NormalRoutine = Apc->NormalRoutine;
    PVOID NormalContext = Apc->NormalContext;
    PVOID SystemArgument1 = Apc->SystemArgument1;
    PVOID SystemArgument2 = Apc->SystemArgument2;
    KiUnlinkApc(Apc);
    KiReleaseApcLock(Thread, OldIrql);
    KiCallKernelRoutine(KernelRoutine, Apc, &NormalRoutine, &NormalContext, &SystemArgument1, &SystemArgument2);
    if (!NormalRoutine) {
        KeTestAlertThread(UserMode);
        return;
    }
    KeLowerIrql(PASSIVE_LEVEL);
    NormalRoutine(NormalContext, SystemArgument1, SystemArgument2);
    KfRaiseIrql(APC_LEVEL);
}

} // namespace

// Initializes an APC for Thread in the given environment. A NULL NormalRoutine makes
// a special kernel APC (Mode and Context are then ignored). Any IRQL.
extern "C" VOID NTAPI KeInitializeApc(PKAPC Apc, PKTHREAD Thread, KAPC_ENVIRONMENT TargetEnvironment,
                                      PKKERNEL_ROUTINE KernelRoutine, PKRUNDOWN_ROUTINE RundownRoutine,
                                      PKNORMAL_ROUTINE NormalRoutine, KPROCESSOR_MODE Mode, PVOID Context)
{
    ASSERT_THREAD(Thread);
    ASSERT(KernelRoutine != NULL);
    ASSERT(TargetEnvironment <= InsertApcEnvironment);
    Apc->Type = ApcObject;
    Apc->Size = sizeof(KAPC);
    Apc->ApcStateIndex = (CCHAR)(TargetEnvironment == CurrentApcEnvironment ? (ULONG)Thread->ApcStateIndex
                                                                            : (ULONG)TargetEnvironment);
    Apc->Thread = Thread;
    Apc->KernelRoutine = KernelRoutine;
    Apc->RundownRoutine = RundownRoutine;
    Apc->NormalRoutine = NormalRoutine;
    Apc->ApcMode = NormalRoutine ? Mode : (KPROCESSOR_MODE)KernelMode;
    Apc->NormalContext = NormalRoutine ? Context : NULL;
    Apc->Inserted = FALSE;
}

// Links an APC (already marked Inserted) into its thread's queue for its environment
// and, if that environment is current, makes it deliverable. Another thread's queues
// change only under the dispatcher lock too. At SYNCH_LEVEL with the thread's APC
// lock held.
extern "C" VOID FASTCALL KiInsertQueueApc(PKAPC Apc, KPRIORITY PriorityBoost)
{
    PKTHREAD Thread = Apc->Thread;
    if (Apc->ApcStateIndex == InsertApcEnvironment)
        Apc->ApcStateIndex = (CCHAR)Thread->ApcStateIndex;
    BOOLEAN Current = Thread->ApcStateIndex == (UCHAR)Apc->ApcStateIndex;
    if (Thread == KiGetCurrentThread()) {
        KiLinkApc(Thread->ApcStatePointer[(UCHAR)Apc->ApcStateIndex], Apc);
        if (Current && Apc->ApcMode == KernelMode) {
            KiSetKernelApcPending(Thread, TRUE);
            if (!KiSpecialApcDisable(Thread))
                HalRequestSoftwareInterrupt(APC_LEVEL);
        }
        return;
    }
    KiAcquireDispatcherLockAtSynchLevel();
    KiLinkApc(Thread->ApcStatePointer[(UCHAR)Apc->ApcStateIndex], Apc);
    ULONG Processor = Current ? KiSignalApcToThread(Thread, Apc, PriorityBoost) : MAXULONG;
    KiReleaseDispatcherLockFromSynchLevel();
    if (Processor != MAXULONG && Processor != KiGetCurrentPrcb()->Number)
        HalHostRequestInterrupt(Processor, APC_LEVEL);
}

// Queues an initialized APC to its thread with the two system arguments; FALSE if it
// is already queued or the thread no longer accepts APCs. At or below DISPATCH_LEVEL.
extern "C" BOOLEAN NTAPI KeInsertQueueApc(PKAPC Apc, PVOID SystemArgument1, PVOID SystemArgument2,
                                          KPRIORITY PriorityBoost)
{
    ASSERT_APC(Apc);
    PKTHREAD Thread = Apc->Thread;
    KIRQL OldIrql = KiAcquireApcLockRaiseToSynch(Thread);
    BOOLEAN Inserted = FALSE;
    if (Thread->ApcQueueable && !Apc->Inserted) {
        Apc->SystemArgument1 = SystemArgument1;
        Apc->SystemArgument2 = SystemArgument2;
        Apc->Inserted = TRUE;
        KiInsertQueueApc(Apc, PriorityBoost);
        Inserted = TRUE;
    }
    KiReleaseApcLockFromSynchLevel(Thread);
    KiExitDispatcher(OldIrql);
    return Inserted;
}

// Takes a queued APC back out of its thread's queue; FALSE if it was not queued.
// Emptying a queue clears the matching pending flag. At or below DISPATCH_LEVEL.
extern "C" BOOLEAN NTAPI KeRemoveQueueApc(PKAPC Apc)
{
    PKTHREAD Thread = Apc->Thread;
    KIRQL OldIrql = KiAcquireApcLockRaiseToSynch(Thread);
    BOOLEAN Removed = Apc->Inserted;
    if (Removed) {
        PKAPC_STATE ApcState = Thread->ApcStatePointer[(UCHAR)Apc->ApcStateIndex];
        if (KiUnlinkApc(Apc)) {
            if (Apc->ApcMode == KernelMode)
                __atomic_store_n(&ApcState->KernelApcPending, FALSE, __ATOMIC_RELEASE);
            else
                ApcState->UserApcPending = FALSE;
        }
    }
    KiReleaseApcLock(Thread, OldIrql);
    return Removed;
}

// Removes every APC of one mode from a thread's current queue and returns them as a
// list without a head (NULL if none): ps runs them down when the thread exits. At or
// below DISPATCH_LEVEL; user mode only from the thread itself.
extern "C" PLIST_ENTRY NTAPI KeFlushQueueApc(PKTHREAD Thread, KPROCESSOR_MODE PreviousMode)
{
    PLIST_ENTRY ListHead = &Thread->ApcState.ApcListHead[(UCHAR)PreviousMode];
    KIRQL OldIrql = KiAcquireApcLockRaiseToSynch(Thread);
    PLIST_ENTRY First = NULL;
    if (!IsListEmpty(ListHead)) {
        First = ListHead->Flink;
        for (PLIST_ENTRY Entry = First; Entry != ListHead; Entry = Entry->Flink)
            CONTAINING_RECORD(Entry, KAPC, ApcListEntry)->Inserted = FALSE;
        KiAcquireDispatcherLockAtSynchLevel();
        if (PreviousMode == UserMode)
            Thread->ApcState.UserApcPending = FALSE;
        RemoveEntryList(ListHead);
        InitializeListHead(ListHead);
        KiReleaseDispatcherLockFromSynchLevel();
    }
    KiReleaseApcLock(Thread, OldIrql);
    return First;
}

// Delivers the current thread's pending APCs: kernel APCs first, then, when returning
// to user mode (DeliveryMode UserMode) with a user APC pending, the first user APC.
// At APC_LEVEL, from the APC interrupt or the wait and switch paths.
extern "C" VOID NTAPI KiDeliverApc(KPROCESSOR_MODE DeliveryMode, PKEXCEPTION_FRAME ExceptionFrame,
                                   PKTRAP_FRAME TrapFrame)
{
    UNREFERENCED_PARAMETER(ExceptionFrame);
    PKTHREAD Thread = KiGetCurrentThread();
    PKPROCESS Process = Thread->ApcState.Process;
    PKTRAP_FRAME OldTrapFrame = Thread->TrapFrame;
    Thread->TrapFrame = TrapFrame;
    KiSetKernelApcPending(Thread, FALSE);
    if (!KiSpecialApcDisable(Thread)) {
        KiDeliverKernelApcs(Thread);
        if (DeliveryMode == UserMode)
            KiDeliverUserApc(Thread);
    }
    if (Thread->ApcState.Process != Process)
        KeBugCheckEx(INVALID_PROCESS_ATTACH_ATTEMPT, reinterpret_cast<ULONG_PTR>(Process),
                     reinterpret_cast<ULONG_PTR>(Thread->ApcState.Process), Thread->ApcStateIndex,
                     KiGetCurrentPrcb()->DpcRoutineActive);
    Thread->TrapFrame = OldTrapFrame;
}

// Whether kernel APCs are queued for the current environment of Thread. Any IRQL:
// above SYNCH_LEVEL, where its APC lock cannot be taken, it answers "maybe", so that
// the caller requests an APC interrupt, which finds out once IRQL drops.
extern "C" BOOLEAN NTAPI KiKernelApcQueued(PKTHREAD Thread)
{
    if (KiGetCurrentIrql() > SYNCH_LEVEL)
        return TRUE; // the APC lock cannot be taken up here: the APC interrupt will look
    KIRQL OldIrql = KiAcquireApcLockRaiseToSynch(Thread);
    BOOLEAN Queued = !IsListEmpty(&Thread->ApcState.ApcListHead[KernelMode]);
    KiReleaseApcLock(Thread, OldIrql);
    return Queued;
}

// Delivers kernel APCs made deliverable by leaving a critical or guarded region: now
// if at PASSIVE_LEVEL, else by an APC interrupt when IRQL drops. Any IRQL.
extern "C" VOID NTAPI KiCheckForKernelApcDelivery(VOID)
{
    if (KiGetCurrentIrql() == PASSIVE_LEVEL) {
        KfRaiseIrql(APC_LEVEL);
        KiDeliverApc(KernelMode, NULL, NULL);
        KeLowerIrql(PASSIVE_LEVEL);
    } else {
        KiSetKernelApcPending(KiGetCurrentThread(), TRUE);
        HalRequestSoftwareInterrupt(APC_LEVEL);
    }
}

// Moves an APC state to new storage, re-pointing its list heads. At SYNCH_LEVEL with
// the thread's APC lock held.
extern "C" VOID NTAPI KiMoveApcState(PKAPC_STATE OldState, PKAPC_STATE NewState)
{
    *NewState = *OldState;
    for (ULONG Mode = KernelMode; Mode < MaximumMode; Mode++) {
        PLIST_ENTRY NewHead = &NewState->ApcListHead[Mode];
        if (IsListEmpty(&OldState->ApcListHead[Mode])) {
            InitializeListHead(NewHead);
        } else {
            NewHead->Flink->Blink = NewHead;
            NewHead->Blink->Flink = NewHead;
        }
    }
}

// Disables normal kernel APCs for the current thread (nests). Below DISPATCH_LEVEL.
extern "C" VOID NTAPI KeEnterCriticalRegion(VOID)
{
    KiAdjustKernelApcDisable(KiGetCurrentThread(), -1);
}

// Re-enables normal kernel APCs; the last leave delivers what was held off. Below
// DISPATCH_LEVEL.
extern "C" VOID NTAPI KeLeaveCriticalRegion(VOID)
{
    PKTHREAD Thread = KiGetCurrentThread();
    if (KiAdjustKernelApcDisable(Thread, 1) == 0 && !KiSpecialApcDisable(Thread) && KiKernelApcQueued(Thread))
        KiCheckForKernelApcDelivery();
}

// Disables all kernel APCs, special ones included, for the current thread (nests).
// At or below APC_LEVEL.
extern "C" VOID NTAPI KeEnterGuardedRegion(VOID)
{
    KiAdjustSpecialApcDisable(KiGetCurrentThread(), -1);
}

// Re-enables kernel APCs; the last leave delivers what was held off. At or below
// APC_LEVEL.
extern "C" VOID NTAPI KeLeaveGuardedRegion(VOID)
{
    PKTHREAD Thread = KiGetCurrentThread();
    if (KiAdjustSpecialApcDisable(Thread, 1) == 0 && KiKernelApcQueued(Thread))
        KiCheckForKernelApcDelivery();
}

// Whether the current thread is in a critical or guarded region. Any IRQL.
extern "C" BOOLEAN NTAPI KeAreApcsDisabled(VOID)
{
    return KiGetCurrentThread()->CombinedApcDisable != 0;
}

// Whether no APC at all can reach the current thread now: a guarded region or
// IRQL at APC_LEVEL or above. Any IRQL.
extern "C" BOOLEAN NTAPI KeAreAllApcsDisabled(VOID)
{
    return KiGetCurrentThread()->SpecialApcDisable != 0 || KiGetCurrentIrql() >= APC_LEVEL;
}
