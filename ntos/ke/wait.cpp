// wait.cpp - leaving the dispatcher (KiExitDispatcher), waiting on one object, and
// waking waiters (KiWaitTest, KiUnwaitThread and the Kx unwait helpers).
#include "ke.h"

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

// Arms the thread's own timer for a wait that may last until DueTime (interrupt
// time); its wait block joins WaitBlock's ring (or stands alone for a delay). FALSE
// if DueTime has passed. At SYNCH_LEVEL with the dispatcher lock held.
BOOLEAN KiArmWaitTimer(PKTHREAD Thread, PKWAIT_BLOCK WaitBlock, ULONG64 DueTime)
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

// Records a thread's wait and gives up the processor; returns the wait status.
// Entered at SYNCH_LEVEL with the dispatcher lock held and the wait blocks linked;
// returns at the thread's WaitIrql.
NTSTATUS KiBlockThread(PKTHREAD Thread, PKWAIT_BLOCK WaitBlockList, KWAIT_REASON WaitReason,
                       KPROCESSOR_MODE WaitMode, BOOLEAN Alertable)
{
    Thread->WaitBlockList = WaitBlockList;
    Thread->WaitStatus = 0;
    Thread->Alertable = Alertable;
    Thread->WaitMode = WaitMode;
    Thread->WaitReason = (UCHAR)WaitReason;
    Thread->WaitTime = KiTickCountLow();
    KiSetThreadState(Thread, Waiting);
    Thread->SwapBusy = TRUE;
    KiReleaseDispatcherLockFromSynchLevel();
    return (NTSTATUS)KiSwapThread(Thread, KeGetCurrentPrcb());
}

// Switches to Next, if any, putting the current thread back in a ready queue; then
// returns at OldIrql. At SYNCH_LEVEL with the PRCB lock held; releases it.
void KiPreemptAndLowerIrql(PKPRCB Prcb, PKTHREAD Next, UCHAR WaitReason, KIRQL OldIrql)
{
    if (Next) {
        BOOLEAN ApcPending = KiSwapToNextThread(Prcb, Next, WaitReason, OldIrql);
        ASSERT(!ApcPending); // kernel APCs (KiDeliverApc) are not part of this kernel yet
    } else {
        KiReleasePrcbLock(Prcb);
    }
    KeLowerIrql(OldIrql);
}

// Gives the processor to a ready thread of at least the current one's priority, if
// there is one (a zero-length delay). At PASSIVE_LEVEL or APC_LEVEL.
void KiYieldThread(PKTHREAD Thread)
{
    KIRQL OldIrql = KfRaiseIrql(SYNCH_LEVEL);
    PKPRCB Prcb = KeGetCurrentPrcb();
    KiAcquirePrcbLock(Prcb);
    PKTHREAD Next = Prcb->NextThread ? Prcb->NextThread : KiSelectReadyThread(Thread->Priority, Prcb);
    Thread->Quantum = (SCHAR)Thread->QuantumReset;
    KiPreemptAndLowerIrql(Prcb, Next, WrYieldExecution, OldIrql);
}

// Consumes the signal of a non-mutant object that satisfied a wait.
void KiSatisfyNonMutantWait(PDISPATCHER_HEADER Object)
{
    if ((Object->Type & 7) == EventSynchronizationObject)
        KiSetSignalState(Object, 0);
    else if (Object->Type == SemaphoreObject)
        KiSetSignalState(Object, KiSignalState(Object) - 1);
}

} // namespace

// The exit path of every dispatcher-lock release: places the threads readied under
// the lock, then if a Standby thread was chosen for
// this processor and the caller was below DISPATCH_LEVEL, switch to it now (the
// current thread is preempted); else request a DISPATCH_LEVEL interrupt. Returns at
// OldIrql. Entered at SYNCH_LEVEL, dispatcher lock released.
extern "C" VOID NTAPI KiExitDispatcher(KIRQL OldIrql)
{
    PKPRCB Prcb = KeGetCurrentPrcb();
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

// Wakes one waiting thread: unlinks its wait blocks with WaitStatus and readies it
// with an unwait boost of Increment. At SYNCH_LEVEL with the dispatcher lock held.
extern "C" VOID NTAPI KiUnwaitThread(PKTHREAD Thread, LONG_PTR WaitStatus, KPRIORITY Increment)
{
    KiUnlinkThread(Thread, WaitStatus);
    Thread->AdjustIncrement = (SCHAR)Increment;
    Thread->AdjustReason = AdjustUnwait;
    KiReadyThread(Thread);
}

// Satisfies waiters of a signalled object in wait-list order while it stays
// signalled. At SYNCH_LEVEL with the dispatcher lock held.
extern "C" VOID NTAPI KiWaitTest(PVOID ObjectPointer, KPRIORITY Increment)
{
    auto *Object = static_cast<PDISPATCHER_HEADER>(ObjectPointer);
    PLIST_ENTRY Entry = Object->WaitListHead.Flink;
    while (KiSignalState(Object) > 0 && Entry != &Object->WaitListHead) {
        PKWAIT_BLOCK WaitBlock = CONTAINING_RECORD(Entry, KWAIT_BLOCK, WaitListEntry);
        Entry = Entry->Flink;
        KiSatisfyNonMutantWait(Object);
        KiUnwaitThread(WaitBlock->Thread, WaitBlock->WaitKey, Increment);
    }
}

// Wakes every waiter of an object that stays signalled (notification events,
// terminated threads). At SYNCH_LEVEL with the dispatcher lock held.
extern "C" VOID NTAPI KxUnwaitThread(PDISPATCHER_HEADER Object, KPRIORITY Increment)
{
    PLIST_ENTRY Entry = Object->WaitListHead.Flink;
    while (Entry != &Object->WaitListHead) {
        PKWAIT_BLOCK WaitBlock = CONTAINING_RECORD(Entry, KWAIT_BLOCK, WaitListEntry);
        Entry = Entry->Flink;
        KiUnwaitThread(WaitBlock->Thread, WaitBlock->WaitKey, Increment);
    }
}

// Hands a synchronization event to its first waiter, which consumes the signal.
// At SYNCH_LEVEL with the dispatcher lock held.
extern "C" VOID NTAPI KxUnwaitThreadForEvent(PKEVENT Event, KPRIORITY Increment)
{
    PLIST_ENTRY Entry = Event->Header.WaitListHead.Flink;
    if (Entry == &Event->Header.WaitListHead)
        return;
    PKWAIT_BLOCK WaitBlock = CONTAINING_RECORD(Entry, KWAIT_BLOCK, WaitListEntry);
    KiSetSignalState(&Event->Header, 0);
    KiUnwaitThread(WaitBlock->Thread, WaitBlock->WaitKey, Increment);
}

// Waits until Object is signalled or Timeout passes (negative: relative, positive:
// absolute system time, zero: a poll). Alertable waits and mutants arrive with the
// rest of ke and give STATUS_NOT_IMPLEMENTED here. Below DISPATCH_LEVEL, or at
// DISPATCH_LEVEL with a zero timeout; after a KeSetEvent(..., Wait = TRUE) at
// SYNCH_LEVEL.
extern "C" NTSTATUS NTAPI KeWaitForSingleObject(PVOID ObjectPointer, KWAIT_REASON WaitReason,
                                                KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    auto *Object = static_cast<PDISPATCHER_HEADER>(ObjectPointer);
    PKTHREAD Thread = KeGetCurrentThread();
    BOOLEAN Poll = Timeout && Timeout->QuadPart == 0;
    KIRQL Irql = KeGetCurrentIrql();
    if (!Thread->WaitNext && (Irql > DISPATCH_LEVEL || (Irql == DISPATCH_LEVEL && !Poll)))
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, reinterpret_cast<ULONG_PTR>(Object), Irql, 0,
                     reinterpret_cast<ULONG_PTR>(__builtin_return_address(0)));
    if (Alertable || Object->Type == MutantObject)
        return STATUS_NOT_IMPLEMENTED;
    BOOLEAN Absolute;
    ULONG64 DueTime = Timeout && !Poll ? KiDueInterruptTime(*Timeout, &Absolute) : 0;

    if (Thread->WaitNext)
        Thread->WaitNext = FALSE; // KeSetEvent(Wait = TRUE) left the lock held at SYNCH_LEVEL
    else
        Thread->WaitIrql = KiAcquireDispatcherLock();

    if (KiSignalState(Object) > 0) {
        KiSatisfyNonMutantWait(Object);
        KiReleaseDispatcherLock(Thread->WaitIrql);
        return STATUS_WAIT_0;
    }
    PKWAIT_BLOCK WaitBlock = &Thread->WaitBlock[0];
    WaitBlock->Object = Object;
    WaitBlock->WaitKey = (USHORT)STATUS_WAIT_0;
    WaitBlock->WaitType = WaitAny;
    WaitBlock->NextWaitBlock = WaitBlock;
    if (Poll || (Timeout && !KiArmWaitTimer(Thread, WaitBlock, DueTime))) {
        KiReleaseDispatcherLock(Thread->WaitIrql);
        return STATUS_TIMEOUT;
    }
    InsertTailList(&Object->WaitListHead, &WaitBlock->WaitListEntry);
    return KiBlockThread(Thread, WaitBlock, WaitReason, WaitMode, Alertable);
}

// Puts the current thread to sleep for Interval (negative: relative, positive:
// absolute system time); zero yields to a ready thread of equal or higher priority.
// Returns STATUS_SUCCESS. Alertable delays arrive with alerts and APCs
// (STATUS_NOT_IMPLEMENTED). At or below APC_LEVEL.
extern "C" NTSTATUS NTAPI KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                                                 PLARGE_INTEGER Interval)
{
    PKTHREAD Thread = KeGetCurrentThread();
    KIRQL Irql = KeGetCurrentIrql();
    if (Irql >= DISPATCH_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, reinterpret_cast<ULONG_PTR>(Interval), Irql, 0,
                     reinterpret_cast<ULONG_PTR>(__builtin_return_address(0)));
    if (Alertable)
        return STATUS_NOT_IMPLEMENTED;
    if (Interval->QuadPart == 0) {
        KiYieldThread(Thread);
        return STATUS_SUCCESS;
    }
    BOOLEAN Absolute;
    ULONG64 DueTime = KiDueInterruptTime(*Interval, &Absolute);
    Thread->WaitIrql = KiAcquireDispatcherLock();
    if (!KiArmWaitTimer(Thread, NULL, DueTime)) {
        KiReleaseDispatcherLock(Thread->WaitIrql);
        return STATUS_SUCCESS;
    }
    PKWAIT_BLOCK TimerBlock = &Thread->WaitBlock[TIMER_WAIT_BLOCK];
    NTSTATUS Status = KiBlockThread(Thread, TimerBlock, DelayExecution, WaitMode, Alertable);
    return Status == STATUS_TIMEOUT ? STATUS_SUCCESS : Status;
}
