// wait.cpp - leaving the dispatcher (KiExitDispatcher), waiting on one object, and
// waking waiters (KiWaitTest, KiUnwaitThread and the Kx unwait helpers).
#include "ke.h"
#include "ex.h"

namespace {

// Removes every wait block of a thread that is being woken from its objects' lists
// and records the wait status. At SYNCH_LEVEL with the dispatcher lock held.
void KiUnlinkThread(PKTHREAD Thread, LONG_PTR WaitStatus)
{
    Thread->WaitStatus |= WaitStatus;
    PKWAIT_BLOCK First = Thread->WaitBlockList;
    PKWAIT_BLOCK WaitBlock = First;
    do {
        RemoveEntryList(&WaitBlock->WaitListEntry);
        WaitBlock = WaitBlock->NextWaitBlock;
    } while (WaitBlock != First);
    if (Thread->Timer.Header.Inserted)
        KiRemoveEntryTimer(&Thread->Timer);
}

// Blocks the current thread in an ordinary (non-queue) wait; a thread associated with
// a queue first lets another waiter of that queue take an entry. At SYNCH_LEVEL with
// the dispatcher lock held; returns at WaitIrql.
} // namespace

extern "C" NTSTATUS NTAPI KiCommitThreadWait(PKTHREAD Thread, PKWAIT_BLOCK WaitBlockList, KWAIT_REASON WaitReason,
                                             KPROCESSOR_MODE WaitMode, BOOLEAN Alertable)
{
    if (Thread->Queue)
        KiActivateWaiterQueue(Thread->Queue);
    return (NTSTATUS)KiBlockThread(Thread, WaitBlockList, WaitReason, WaitMode, Alertable);
}

namespace {

// The number of wait blocks in a wait's ring (the thread's timer block included).
ULONG KiCountWaitBlocks(PKWAIT_BLOCK First)
{
    if (!First)
        return 0;
    ULONG Count = 0;
    PKWAIT_BLOCK Block = First;
    do {
        Count++;
        Block = Block->NextWaitBlock;
    } while (Block && Block != First && Count < MAXIMUM_WAIT_OBJECTS + 1);
    return Count;
}

// Switches to Next, if any, putting the current thread back in a ready queue; then
// delivers kernel APCs that became due and returns at OldIrql. At SYNCH_LEVEL with
// the PRCB lock held; releases it.
void KiPreemptAndLowerIrql(PKPRCB Prcb, PKTHREAD Next, UCHAR WaitReason, KIRQL OldIrql)
{
    if (!Next) {
        KiReleasePrcbLock(Prcb);
    } else if (KiSwapToNextThread(Prcb, Next, WaitReason, OldIrql)) {
        KeLowerIrql(APC_LEVEL);
        KiDeliverApc(KernelMode, NULL, NULL);
    }
    KeLowerIrql(OldIrql);
}

} // namespace

// Gives the processor to a ready thread of at least LowPriority, if there is one, and
// says whether it did. The quantum starts afresh and, as NT's yield does, the priority
// decays as at a quantum end: a boosted thread that keeps yielding would otherwise
// never reach one and starve lower ready threads. At PASSIVE_LEVEL or APC_LEVEL.
extern "C" BOOLEAN NTAPI KiYieldThread(PKTHREAD Thread, KPRIORITY LowPriority)
{
    KIRQL OldIrql = KfRaiseIrql(SYNCH_LEVEL);
    KiAcquireThreadLock(Thread);
    KiWriteQuantum(Thread, Thread->QuantumReset);
    KiWritePriority(Thread, KiComputeNewPriority(Thread, 1));
    KiReleaseThreadLock(Thread);
    if (LowPriority > KiReadPriority(Thread))
        LowPriority = KiReadPriority(Thread);
    PKPRCB Prcb = KiGetCurrentPrcb();
    KiAcquirePrcbLock(Prcb);
    PKTHREAD Next = Prcb->NextThread ? Prcb->NextThread : KiSelectReadyThread(LowPriority, Prcb);
    KiPreemptAndLowerIrql(Prcb, Next, WrYieldExecution, OldIrql);
    return Next != NULL;
}

namespace {

// Whether Object can satisfy a wait by Thread now: signalled, or a mutant Thread owns.
BOOLEAN KiIsObjectSignalled(PDISPATCHER_HEADER Object, PKTHREAD Thread)
{
    if (Object->Type == MutantObject && reinterpret_cast<PKMUTANT>(Object)->OwnerThread == Thread)
        return TRUE;
    return KiSignalState(Object) > 0;
}

// Consumes the signal of an object that satisfied Thread's wait: a synchronization
// object resets, a semaphore counts down, a mutant passes to Thread. At SYNCH_LEVEL
// with the dispatcher lock held.
void KiSatisfyObjectWait(PDISPATCHER_HEADER Object, PKTHREAD Thread)
{
    if (Object->Type == MutantObject)
        KiSatisfyMutantWait(reinterpret_cast<PKMUTANT>(Object), Thread);
    else if ((Object->Type & 7) == EventSynchronizationObject)
        KiSetSignalState(Object, 0);
    else if (Object->Type == SemaphoreObject)
        KiSetSignalState(Object, KiSignalState(Object) - 1);
}

// Whether every object of a WaitAll ring other than the thread's timer can satisfy
// the wait now.
BOOLEAN KiIsWaitAllSatisfied(PKWAIT_BLOCK First)
{
    PKWAIT_BLOCK WaitBlock = First;
    do {
        if (WaitBlock->WaitKey != (USHORT)STATUS_TIMEOUT &&
            !KiIsObjectSignalled(static_cast<PDISPATCHER_HEADER>(WaitBlock->Object), WaitBlock->Thread))
            return FALSE;
        WaitBlock = WaitBlock->NextWaitBlock;
    } while (WaitBlock != First);
    return TRUE;
}

// Consumes the signal of every object of a satisfied WaitAll ring.
void KiWaitSatisfyAll(PKWAIT_BLOCK First)
{
    PKWAIT_BLOCK WaitBlock = First;
    do {
        if (WaitBlock->WaitKey != (USHORT)STATUS_TIMEOUT)
            KiSatisfyObjectWait(static_cast<PDISPATCHER_HEADER>(WaitBlock->Object), WaitBlock->Thread);
        WaitBlock = WaitBlock->NextWaitBlock;
    } while (WaitBlock != First);
}

// A mutant Thread already owns as often as a LONG can count cannot be acquired again:
// raises STATUS_MUTANT_LIMIT_EXCEEDED after dropping the dispatcher lock.
void KiCheckMutantLimit(PDISPATCHER_HEADER Object, PKTHREAD Thread)
{
    if (Object->Type == MutantObject && KiSignalState(Object) == MINLONG &&
        reinterpret_cast<PKMUTANT>(Object)->OwnerThread == Thread) {
        KiReleaseDispatcherLock(Thread->WaitIrql);
        ExRaiseStatus(STATUS_MUTANT_LIMIT_EXCEEDED);
    }
}

// Links a thread's wait blocks into their objects' wait lists and waits; returns
// STATUS_TIMEOUT without waiting for a poll or a timeout already past. At SYNCH_LEVEL
// with the dispatcher lock held; returns at WaitIrql.
NTSTATUS KiWaitOnBlocks(PKTHREAD Thread, PKWAIT_BLOCK First, BOOLEAN Poll, PLARGE_INTEGER Timeout,
                        ULONG64 DueTime, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode, BOOLEAN Alertable)
{
    if (Poll || (Timeout && !KiArmWaitTimer(Thread, First, DueTime))) {
        KiReleaseDispatcherLock(Thread->WaitIrql);
        return STATUS_TIMEOUT;
    }
    PKWAIT_BLOCK WaitBlock = First;
    do {
        if (WaitBlock->WaitKey != (USHORT)STATUS_TIMEOUT)
            InsertTailList(&static_cast<PDISPATCHER_HEADER>(WaitBlock->Object)->WaitListHead,
                           &WaitBlock->WaitListEntry);
        WaitBlock = WaitBlock->NextWaitBlock;
    } while (WaitBlock != First);
    return KiCommitThreadWait(Thread, First, WaitReason, WaitMode, Alertable);
}

// Checks an object given to a wait is a dispatcher object.
void KiCheckWaitObject(PVOID ObjectPointer)
{
    auto *Object = static_cast<PDISPATCHER_HEADER>(ObjectPointer);
    ASSERT(Object->Type <= TimerSynchronizationObject && Object->Type != GateObject);
}

} // namespace

// Bugchecks a wait that may block at DISPATCH_LEVEL or above (a zero timeout may poll
// at DISPATCH_LEVEL; a Wait = TRUE release left SYNCH_LEVEL on purpose).
extern "C" VOID NTAPI KiCheckWaitIrql(PKTHREAD Thread, PVOID Object, BOOLEAN Poll, PVOID Caller)
{
    KIRQL Irql = KiGetCurrentIrql();
    if (!Thread->WaitNext && (Irql > DISPATCH_LEVEL || (Irql == DISPATCH_LEVEL && !Poll)))
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, reinterpret_cast<ULONG_PTR>(Object), Irql, 0,
                     reinterpret_cast<ULONG_PTR>(Caller));
}

// Arms the thread's own timer for a wait that may last until DueTime (interrupt
// time); its wait block joins WaitBlock's ring (or stands alone for a delay). FALSE
// if DueTime has passed. At SYNCH_LEVEL with the dispatcher lock held.
extern "C" BOOLEAN NTAPI KiArmWaitTimer(PKTHREAD Thread, PKWAIT_BLOCK WaitBlock, ULONG64 DueTime)
{
    PKTIMER Timer = &Thread->Timer;
    PKWAIT_BLOCK TimerBlock = &Thread->WaitBlock[TIMER_WAIT_BLOCK];
    KiSetSignalState(&Timer->Header, FALSE);
    if (!KiInsertTimerTable(Timer, DueTime))
        return FALSE;
    InitializeListHead(&Timer->Header.WaitListHead);
    InsertTailList(&Timer->Header.WaitListHead, &TimerBlock->WaitListEntry);
    if (WaitBlock) {
        TimerBlock->NextWaitBlock = WaitBlock->NextWaitBlock;
        WaitBlock->NextWaitBlock = TimerBlock;
    } else {
        TimerBlock->NextWaitBlock = TimerBlock;
    }
    return TRUE;
}

// Records a thread's wait and gives up the processor; returns the wait status (a
// queue entry for a KeRemoveQueue wait).
// Entered at SYNCH_LEVEL with the dispatcher lock held and the wait blocks linked;
// returns at the thread's WaitIrql.
extern "C" LONG_PTR NTAPI KiBlockThread(PKTHREAD Thread, PKWAIT_BLOCK WaitBlockList, KWAIT_REASON WaitReason,
                                        KPROCESSOR_MODE WaitMode, BOOLEAN Alertable)
{
    Thread->WaitBlockList = WaitBlockList;
    Thread->Alertable = Alertable;
    Thread->WaitMode = WaitMode;
    Thread->WaitReason = (UCHAR)WaitReason;
    Thread->WaitTime = KiTickCountLow();
    PERFINFO_LOG(PerfInfoWaitBegin, Thread, WaitReason, KiCountWaitBlocks(WaitBlockList),
                 WaitBlockList ? WaitBlockList->Object : NULL);
    KiSetThreadState(Thread, Waiting);
    Thread->SwapBusy = TRUE;
    KiReleaseDispatcherLockFromSynchLevel();
    return KiSwapThread(Thread, KiGetCurrentPrcb());
}

// Whether an alert or a user APC ends the wait before it starts: STATUS_ALERTED,
// STATUS_USER_APC, or STATUS_WAIT_0 to go on. At SYNCH_LEVEL with the dispatcher lock.
extern "C" NTSTATUS NTAPI KiCheckAlertability(PKTHREAD Thread, BOOLEAN Alertable, KPROCESSOR_MODE WaitMode)
{
    if (!Alertable)
        return WaitMode != KernelMode && Thread->ApcState.UserApcPending ? STATUS_USER_APC : STATUS_WAIT_0;
    if (Thread->Alerted[(UCHAR)WaitMode]) {
        Thread->Alerted[(UCHAR)WaitMode] = FALSE;
        return STATUS_ALERTED;
    }
    if (WaitMode != KernelMode && !IsListEmpty(&Thread->ApcState.ApcListHead[UserMode])) {
        Thread->ApcState.UserApcPending = TRUE;
        return STATUS_USER_APC;
    }
    if (Thread->Alerted[KernelMode]) {
        Thread->Alerted[KernelMode] = FALSE;
        return STATUS_ALERTED;
    }
    return STATUS_WAIT_0;
}

// Takes the dispatcher lock for one pass of a wait, unless KeSetEvent/KeReleaseX with
// Wait = TRUE left it held; FALSE (lock dropped, IRQL back at WaitIrql so the APC
// interrupt runs) if a kernel APC must be delivered before the wait can be tried.
extern "C" BOOLEAN NTAPI KiBeginWaitPass(PKTHREAD Thread)
{
    if (Thread->WaitNext)
        Thread->WaitNext = FALSE;
    else
        Thread->WaitIrql = KiAcquireDispatcherLock();
    if (KiKernelApcPending(Thread) && !Thread->SpecialApcDisable && Thread->WaitIrql < APC_LEVEL) {
        KiReleaseDispatcherLock(Thread->WaitIrql);
        return FALSE;
    }
    Thread->WaitStatus = 0;
    return TRUE;
}


// The exit path of every dispatcher-lock release: places the threads readied under
// the lock, then if a Standby thread was chosen for
// this processor and the caller was below DISPATCH_LEVEL, switch to it now (the
// current thread is preempted); else request a DISPATCH_LEVEL interrupt. Returns at
// OldIrql. Entered at SYNCH_LEVEL, dispatcher lock released.
extern "C" VOID NTAPI KiExitDispatcher(KIRQL OldIrql)
{
    PKPRCB Prcb = KiGetCurrentPrcb();
    if (Prcb->DeferredReadyListHead.Next)
        KiProcessDeferredReadyList(Prcb);
    if (OldIrql >= DISPATCH_LEVEL) {
        if (KiPeekNextThread(Prcb) && !Prcb->DpcRoutineActive)
            HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
        KeLowerIrql(OldIrql);
        return;
    }
    // As NT: the PRCB lock only when a Standby thread is there to switch to. One set
    // by another processor after this peek comes with a DISPATCH_LEVEL interrupt.
    if (!KiPeekNextThread(Prcb) || Prcb->CurrentThread == Prcb->IdleThread) {
        KeLowerIrql(OldIrql);
        return;
    }
    KiAcquirePrcbLock(Prcb);
    KiPreemptAndLowerIrql(Prcb, Prcb->NextThread, WrPreempted, OldIrql);
}

// Ends a signalling call (KeSetEvent, KeReleaseMutant, ...): with Wait, keeps the
// dispatcher lock and SYNCH_LEVEL for the wait the caller makes next; else releases.
extern "C" VOID NTAPI KiReleaseDispatcherLockUnlessWaitNext(KIRQL OldIrql, BOOLEAN Wait)
{
    if (!Wait) {
        KiReleaseDispatcherLock(OldIrql);
        return;
    }
    PKTHREAD Thread = KiGetCurrentThread();
    Thread->WaitNext = TRUE;
    Thread->WaitIrql = OldIrql;
}

// Wakes one waiting thread: unlinks its wait blocks with WaitStatus and readies it
// with an unwait boost of Increment; a thread associated with a queue counts as
// active in it again. At SYNCH_LEVEL with the dispatcher lock held.
extern "C" VOID NTAPI KiUnwaitThread(PKTHREAD Thread, LONG_PTR WaitStatus, KPRIORITY Increment)
{
    PERFINFO_LOG(PerfInfoWaitEnd, Thread, WaitStatus, 0, 0);
    KiUnlinkThread(Thread, WaitStatus);
    if (Thread->Queue)
        Thread->Queue->CurrentCount++;
    Thread->AdjustIncrement = (SCHAR)Increment;
    Thread->AdjustReason = AdjustUnwait;
    KiReadyThread(Thread);
}

// Satisfies waiters of a signalled object in wait-list order while it stays
// signalled: a WaitAny waiter takes it, a WaitAll waiter only once all its objects
// can be taken; a queue's KeRemoveQueue waiters (WaitDequeue) are left alone. At SYNCH_LEVEL with the dispatcher lock held.
extern "C" VOID NTAPI KiWaitTest(PVOID ObjectPointer, KPRIORITY Increment)
{
    auto *Object = static_cast<PDISPATCHER_HEADER>(ObjectPointer);
    PLIST_ENTRY Entry = Object->WaitListHead.Flink;
    while (KiSignalState(Object) > 0 && Entry != &Object->WaitListHead) {
        PKWAIT_BLOCK WaitBlock = CONTAINING_RECORD(Entry, KWAIT_BLOCK, WaitListEntry);
        PKTHREAD Thread = WaitBlock->Thread;
        Entry = Entry->Flink;
        LONG_PTR WaitStatus = WaitBlock->WaitKey;
        if (WaitBlock->WaitType == WaitAny) {
            KiSatisfyObjectWait(Object, Thread);
        } else if (WaitBlock->WaitType == WaitAll && KiIsWaitAllSatisfied(WaitBlock)) {
            KiWaitSatisfyAll(WaitBlock);
            WaitStatus = STATUS_WAIT_0;
        } else {
            continue;
        }
        KiUnwaitThread(Thread, WaitStatus, Increment);
        // The thread's other wait blocks left this list with it (a WaitAny may name
        // the object more than once): walk again from the head, as NT does.
        Entry = Object->WaitListHead.Flink;
    }
}

// Hands a signalled synchronization event to its first waiter, which consumes the
// signal; a WaitAll first waiter takes the general path. At SYNCH_LEVEL with the
// dispatcher lock held.
extern "C" VOID NTAPI KxUnwaitThreadForEvent(PKEVENT Event, KPRIORITY Increment)
{
    PLIST_ENTRY Entry = Event->Header.WaitListHead.Flink;
    if (Entry == &Event->Header.WaitListHead)
        return;
    PKWAIT_BLOCK WaitBlock = CONTAINING_RECORD(Entry, KWAIT_BLOCK, WaitListEntry);
    if (WaitBlock->WaitType != WaitAny) {
        KiWaitTest(&Event->Header, Increment);
        return;
    }
    KiSetSignalState(&Event->Header, 0);
    KiUnwaitThread(WaitBlock->Thread, WaitBlock->WaitKey, Increment);
}

namespace {

// The body of both waits, inlined into each so that a single-object wait is one frame
// (each frame is a mispredicted return when the thread is switched back in).
__attribute__((always_inline)) inline NTSTATUS KiWaitForObjects(ULONG Count, PVOID Object[], WAIT_TYPE WaitType,
                                                               KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
                                                               BOOLEAN Alertable, PLARGE_INTEGER Timeout,
                                                               PKWAIT_BLOCK WaitBlockArray, PVOID Caller)
{
    PKTHREAD Thread = KiGetCurrentThread();
    BOOLEAN Poll = Timeout && Timeout->QuadPart == 0;
    KiCheckWaitIrql(Thread, Object, Poll, Caller);
    if (Count == 0 || Count > MAXIMUM_WAIT_OBJECTS || (!WaitBlockArray && Count > THREAD_WAIT_OBJECTS))
        KeBugCheckEx(MAXIMUM_WAIT_OBJECTS_EXCEEDED, Count, reinterpret_cast<ULONG_PTR>(WaitBlockArray), 0, 0);
    ASSERT(WaitType == WaitAny || WaitType == WaitAll);
    for (ULONG i = 0; i < Count; i++)
        KiCheckWaitObject(Object[i]);
    if (!WaitBlockArray)
        WaitBlockArray = Thread->WaitBlock;
    BOOLEAN Absolute;
    ULONG64 DueTime = Timeout && !Poll ? KiDueInterruptTime(*Timeout, &Absolute) : 0;

    for (;;) {
        if (!KiBeginWaitPass(Thread))
            continue;
        NTSTATUS Status = KiCheckAlertability(Thread, Alertable, WaitMode);
        if (Status != STATUS_WAIT_0) {
            KiReleaseDispatcherLock(Thread->WaitIrql);
            return Status;
        }
        for (ULONG i = 0; i < Count; i++) {
            auto *Header = static_cast<PDISPATCHER_HEADER>(Object[i]);
            KiCheckMutantLimit(Header, Thread);
            if (WaitType == WaitAny && KiIsObjectSignalled(Header, Thread)) {
                KiSatisfyObjectWait(Header, Thread);
                Status = (NTSTATUS)(Thread->WaitStatus | (LONG_PTR)i);
                KiReleaseDispatcherLock(Thread->WaitIrql);
                return Status;
            }
            PKWAIT_BLOCK WaitBlock = &WaitBlockArray[i];
            WaitBlock->Object = Header;
            WaitBlock->Thread = Thread;
            WaitBlock->WaitKey = (USHORT)i;
            WaitBlock->WaitType = (UCHAR)WaitType;
            WaitBlock->NextWaitBlock = &WaitBlockArray[(i + 1) % Count];
        }
        if (WaitType == WaitAll && KiIsWaitAllSatisfied(WaitBlockArray)) {
            KiWaitSatisfyAll(WaitBlockArray);
            Status = (NTSTATUS)Thread->WaitStatus;
            KiReleaseDispatcherLock(Thread->WaitIrql);
            return Status;
        }
        Status = KiWaitOnBlocks(Thread, WaitBlockArray, Poll, Timeout, DueTime, WaitReason, WaitMode, Alertable);
        if (Status != STATUS_KERNEL_APC)
            return Status;
    }
}

} // namespace

// Waits until Object is signalled or Timeout passes (negative: relative, positive:
// absolute system time, zero: a poll); an alertable wait also ends on an alert or a
// user APC. Kernel APCs are delivered while waiting and the wait goes on. Below
// DISPATCH_LEVEL, or at DISPATCH_LEVEL with a zero timeout; after a Wait = TRUE
// release at SYNCH_LEVEL.
extern "C" NTSTATUS NTAPI KeWaitForSingleObject(PVOID ObjectPointer, KWAIT_REASON WaitReason,
                                                KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    return KiWaitForObjects(1, &ObjectPointer, WaitAny, WaitReason, WaitMode, Alertable, Timeout, NULL,
                            __builtin_return_address(0));
}

// Waits for any (WaitAny: returns STATUS_WAIT_0 + index) or all (WaitAll) of Count
// objects, with KeWaitForSingleObject's timeout, alert and APC rules. A satisfied
// abandoned mutant gives STATUS_ABANDONED_WAIT_0 (+ index). Up to THREAD_WAIT_OBJECTS
// objects without WaitBlockArray, MAXIMUM_WAIT_OBJECTS with one.
extern "C" NTSTATUS NTAPI KeWaitForMultipleObjects(ULONG Count, PVOID Object[], WAIT_TYPE WaitType,
                                                   KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
                                                   BOOLEAN Alertable, PLARGE_INTEGER Timeout,
                                                   PKWAIT_BLOCK WaitBlockArray)
{
    return KiWaitForObjects(Count, Object, WaitType, WaitReason, WaitMode, Alertable, Timeout, WaitBlockArray,
                            __builtin_return_address(0));
}

// Puts the current thread to sleep for Interval (negative: relative, positive:
// absolute system time); zero yields to a ready thread of equal or higher priority.
// Returns STATUS_SUCCESS, or STATUS_ALERTED / STATUS_USER_APC for an alertable delay
// cut short. At or below APC_LEVEL.
extern "C" NTSTATUS NTAPI KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                                                 PLARGE_INTEGER Interval)
{
    PKTHREAD Thread = KiGetCurrentThread();
    KIRQL Irql = KiGetCurrentIrql();
    if (Irql >= DISPATCH_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, reinterpret_cast<ULONG_PTR>(Interval), Irql, 0,
                     reinterpret_cast<ULONG_PTR>(__builtin_return_address(0)));
    if (Interval->QuadPart == 0 && !Alertable) {
        KiYieldThread(Thread, MAXIMUM_PRIORITY);
        return STATUS_SUCCESS;
    }
    BOOLEAN Absolute;
    ULONG64 DueTime = KiDueInterruptTime(*Interval, &Absolute);
    PKWAIT_BLOCK TimerBlock = &Thread->WaitBlock[TIMER_WAIT_BLOCK];
    for (;;) {
        if (!KiBeginWaitPass(Thread))
            continue;
        NTSTATUS Status = KiCheckAlertability(Thread, Alertable, WaitMode);
        if (Status == STATUS_WAIT_0 && KiArmWaitTimer(Thread, NULL, DueTime)) {
            Status = KiCommitThreadWait(Thread, TimerBlock, DelayExecution, WaitMode, Alertable);
        } else {
            // Alerted, or the deadline passed already (a delay restarted after an APC).
            if (Status == STATUS_WAIT_0)
                Status = STATUS_SUCCESS;
            KiReleaseDispatcherLock(Thread->WaitIrql);
        }
        if (Status != STATUS_KERNEL_APC) {
            if (Status == STATUS_SUCCESS && Interval->QuadPart == 0)
                KiYieldThread(Thread, MAXIMUM_PRIORITY);
            return Status == STATUS_TIMEOUT ? STATUS_SUCCESS : Status;
        }
    }
}

// The delay service: a user-mode caller's interval is captured (a bad pointer gives
// the fault's status), then the thread sleeps in its previous mode, alertably when
// asked. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtDelayExecution(BOOLEAN Alertable, PLARGE_INTEGER DelayInterval)
{
    KI_USER_SERVICE(NtDelayExecution(Alertable, DelayInterval));
    LARGE_INTEGER SafeInterval;
    NTSTATUS Status = ExpCaptureFromCaller(&SafeInterval, DelayInterval, sizeof(SafeInterval), sizeof(ULONG));
    if (!NT_SUCCESS(Status))
        return Status;
    return KeDelayExecutionThread(ExGetPreviousMode(), Alertable, &SafeInterval);
}

// NtDelayExecution for kernel code: PreviousMode KernelMode. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ZwDelayExecution(BOOLEAN Alertable, PLARGE_INTEGER DelayInterval)
{
    return KiZwCall([&] { return NtDelayExecution(Alertable, DelayInterval); });
}
