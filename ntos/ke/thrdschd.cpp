// thrdschd.cpp - the scheduler core: readying threads onto a processor (idle,
// preempting, or queued), picking the next thread from the 32 ready queues, and the
// switch of a thread that gives up its processor (KiSwapThread).
#include "ke.h"
#include "rtl.h"

volatile KAFFINITY KiIdleSummary;

namespace {

inline PKPRCB PrcbOf(ULONG Number) { return KiProcessorBlock[Number]; }

// The idle processor T should go to, or NULL: its last processor if idle, else one of
// the idle processors it may run on (a PRNG choice, so the deterministic machine's
// seed decides it too).
PKPRCB KiSelectIdleProcessor(PKTHREAD Thread)
{
    KAFFINITY Idle = __atomic_load_n(&KiIdleSummary, __ATOMIC_ACQUIRE) & Thread->Affinity;
    if (!Idle)
        return NULL;
    if (Idle & AFFINITY_MASK(Thread->NextProcessor))
        return PrcbOf(Thread->NextProcessor);
    ULONG Count = (ULONG)__builtin_popcountll(Idle);
    ULONG Pick = (ULONG)(HalHostRandom() % Count);
    while (Pick--)
        Idle &= Idle - 1;
    return PrcbOf(KiLowestSetBit(Idle));
}

// The processor a thread with no idle processor available is queued on.
PKPRCB KiSelectTargetProcessor(PKTHREAD Thread)
{
    if (Thread->Affinity & AFFINITY_MASK(Thread->NextProcessor))
        return PrcbOf(Thread->NextProcessor);
    return PrcbOf(KiLowestSetBit(Thread->Affinity));
}

// Asks processor Prcb to look at its NextThread: a DISPATCH_LEVEL interrupt, sent as
// an IPI when Prcb is another processor.
void KiRequestDispatch(PKPRCB Prcb)
{
    if (Prcb == KeGetCurrentPrcb())
        return; // KiExitDispatcher or the DPC exit path of this processor sees it
    HalHostRequestInterrupt(Prcb->Number, DISPATCH_LEVEL);
}

// Makes Thread the Standby thread of Prcb. With the PRCB lock held.
void KiSetStandbyThread(PKPRCB Prcb, PKTHREAD Thread)
{
    KiSetThreadState(Thread, Standby);
    KiSetNextProcessor(Thread, Prcb->Number);
    KiSetNextThread(Prcb, Thread);
}

void KiInsertReadyQueue(PKTHREAD Thread, PKPRCB Prcb)
{
    KiSetThreadState(Thread, Ready);
    Thread->WaitTime = KiTickCountLow();
    KiSetNextProcessor(Thread, Prcb->Number);
    PLIST_ENTRY Queue = &Prcb->DispatcherReadyListHead[Thread->Priority];
    if (Thread->Preempted)
        InsertHeadList(Queue, &Thread->WaitListEntry);
    else
        InsertTailList(Queue, &Thread->WaitListEntry);
    KiSetReadySummary(Prcb, KiReadySummary(Prcb) | (1UL << Thread->Priority));
}

} // namespace

// Makes a thread ready, deferred: it goes on this processor's deferred ready list and
// is placed once the dispatcher lock is dropped (KiProcessDeferredReadyList), so a
// woken thread cannot run while its waker is still inside the dispatcher. At
// SYNCH_LEVEL with the dispatcher lock held.
extern "C" VOID NTAPI KiReadyThread(PKTHREAD Thread)
{
    PKPRCB Prcb = KeGetCurrentPrcb();
    KiSetThreadState(Thread, DeferredReady);
    Thread->DeferredProcessor = (UCHAR)Prcb->Number;
    PushEntryList(&Prcb->DeferredReadyListHead, &Thread->SwapListEntry);
}

// Places every thread this processor readied while it held the dispatcher lock, in
// the order they were readied. At SYNCH_LEVEL, dispatcher lock released.
extern "C" VOID NTAPI KiProcessDeferredReadyList(PKPRCB Prcb)
{
    PSINGLE_LIST_ENTRY Ordered = RtlpReverseSingleList(Prcb->DeferredReadyListHead.Next);
    Prcb->DeferredReadyListHead.Next = NULL;
    while (Ordered) {
        PKTHREAD Thread = CONTAINING_RECORD(Ordered, KTHREAD, SwapListEntry);
        Ordered = Ordered->Next;
        KiDeferredReadyThread(Thread);
    }
}

// Places a DeferredReady thread: as the Standby thread of an idle processor, as the
// Standby thread preempting a lower-priority one, or in a ready queue. The actual
// switch happens when the target processor exits the dispatcher or takes its
// DISPATCH_LEVEL interrupt. At SYNCH_LEVEL.
extern "C" VOID NTAPI KiDeferredReadyThread(PKTHREAD Thread)
{
    Thread->AdjustReason = AdjustNone;
    BOOLEAN Preempted = Thread->Preempted;
    Thread->Preempted = FALSE;

    if (PKPRCB Prcb = KiSelectIdleProcessor(Thread)) {
        KiAcquirePrcbLock(Prcb);
        KAFFINITY Bit = AFFINITY_MASK(Prcb->Number);
        if ((__atomic_load_n(&KiIdleSummary, __ATOMIC_ACQUIRE) & Bit) && !KiPeekNextThread(Prcb)) {
            __atomic_fetch_and(&KiIdleSummary, ~Bit, __ATOMIC_ACQ_REL);
            KiSetStandbyThread(Prcb, Thread);
            KiReleasePrcbLock(Prcb);
            KiRequestDispatch(Prcb);
            return;
        }
        KiReleasePrcbLock(Prcb);
    }

    PKPRCB Prcb = KiSelectTargetProcessor(Thread);
    KiAcquirePrcbLock(Prcb);
    PKTHREAD Next = Prcb->NextThread;
    if (Next && Thread->Priority > Next->Priority) {
        // Replace the Standby thread; it goes back to the head of its queue.
        KiSetStandbyThread(Prcb, Thread);
        KiReleasePrcbLock(Prcb);
        Next->Preempted = TRUE;
        KiSetThreadState(Next, DeferredReady);
        KiDeferredReadyThread(Next);
        KiRequestDispatch(Prcb);
        return;
    }
    PKTHREAD Current = Prcb->CurrentThread;
    if (!Next && Thread->Priority > Current->Priority) {
        if (KiGetThreadState(Current) == Running)
            Current->Preempted = TRUE;
        KiSetStandbyThread(Prcb, Thread);
        KiReleasePrcbLock(Prcb);
        KiRequestDispatch(Prcb);
        return;
    }
    Thread->Preempted = Preempted;
    KiInsertReadyQueue(Thread, Prcb);
    Thread->Preempted = FALSE;
    KiReleasePrcbLock(Prcb);
}

// Removes and returns the first thread of the highest non-empty ready queue at or
// above LowPriority, or NULL. At SYNCH_LEVEL with the PRCB lock held.
extern "C" PKTHREAD NTAPI KiSelectReadyThread(KPRIORITY LowPriority, PKPRCB Prcb)
{
    ULONG Summary = KiReadySummary(Prcb) >> LowPriority;
    if (!Summary)
        return NULL;
    ULONG Priority = KiHighestSetBit(Summary) + (ULONG)LowPriority;
    PLIST_ENTRY Queue = &Prcb->DispatcherReadyListHead[Priority];
    PKTHREAD Thread = CONTAINING_RECORD(Queue->Flink, KTHREAD, WaitListEntry);
    if (RemoveEntryList(&Thread->WaitListEntry))
        KiSetReadySummary(Prcb, KiReadySummary(Prcb) & ~(1UL << Priority));
    return Thread;
}

// Takes this processor's Standby thread, else the best thread of its ready queues;
// NULL if there is neither. At SYNCH_LEVEL with the PRCB lock held.
extern "C" PKTHREAD NTAPI KiSelectNextThread(PKPRCB Prcb)
{
    PKTHREAD Next = Prcb->NextThread;
    if (!Next)
        return KiSelectReadyThread(0, Prcb);
    KiSetNextThread(Prcb, NULL);
    return Next;
}

// Looks through the other processors' ready queues for a thread this processor may
// run, highest priority first per processor; takes it out. At SYNCH_LEVEL, no PRCB
// lock held.
extern "C" PKTHREAD NTAPI KiFindReadyThread(PKPRCB Prcb)
{
    ULONG Count = (ULONG)KeNumberProcessors;
    for (ULONG Step = 1; Step < Count; Step++) {
        PKPRCB Other = PrcbOf((Prcb->Number + Step) % Count);
        if (!KiReadySummary(Other))
            continue;
        KiAcquirePrcbLock(Other);
        for (ULONG Summary = KiReadySummary(Other); Summary;) {
            ULONG Priority = KiHighestSetBit(Summary);
            Summary &= ~(1UL << Priority);
            PLIST_ENTRY Queue = &Other->DispatcherReadyListHead[Priority];
            for (PLIST_ENTRY Entry = Queue->Flink; Entry != Queue; Entry = Entry->Flink) {
                PKTHREAD Thread = CONTAINING_RECORD(Entry, KTHREAD, WaitListEntry);
                if (!(Thread->Affinity & Prcb->SetMember))
                    continue;
                if (RemoveEntryList(&Thread->WaitListEntry))
                    KiSetReadySummary(Other, KiReadySummary(Other) & ~(1UL << Priority));
                KiReleasePrcbLock(Other);
                KiSetNextProcessor(Thread, Prcb->Number);
                return Thread;
            }
        }
        KiReleasePrcbLock(Other);
    }
    return NULL;
}

// Puts the outgoing thread of this processor (still marked Running) back in its
// ready queue: at the head if it was preempted. At SYNCH_LEVEL with the PRCB lock
// held; releases it.
extern "C" VOID NTAPI KxQueueReadyThread(PKTHREAD Thread, PKPRCB Prcb)
{
    if (Thread->Affinity & Prcb->SetMember) {
        KiInsertReadyQueue(Thread, Prcb);
        Thread->Preempted = FALSE;
        KiReleasePrcbLock(Prcb);
        return;
    }
    KiReleasePrcbLock(Prcb);
    KiSetThreadState(Thread, DeferredReady);
    KiDeferredReadyThread(Thread);
}

// Switches this processor from its running thread to Next, its Standby thread: the
// running thread goes back to a ready queue (SwapBusy until the switch completes).
// Returns as KiSwapContext does. At SYNCH_LEVEL with the PRCB lock held; releases it.
extern "C" BOOLEAN NTAPI KiSwapToNextThread(PKPRCB Prcb, PKTHREAD Next, UCHAR WaitReason, KIRQL WaitIrql)
{
    PKTHREAD Thread = Prcb->CurrentThread;
    Thread->SwapBusy = TRUE;
    KiSetNextThread(Prcb, NULL);
    Prcb->CurrentThread = Next;
    KiSetThreadState(Next, Running);
    Thread->WaitReason = WaitReason;
    KxQueueReadyThread(Thread, Prcb);
    Thread->WaitIrql = WaitIrql;
    return KiSwapContext(WaitIrql, Thread);
}

// Gives up the processor for a thread that is waiting or terminating (its state is
// already set): switches to the Standby thread, a ready thread, or the idle thread.
// Returns the thread's wait status when it runs again, at its WaitIrql. At
// SYNCH_LEVEL, dispatcher lock released, Thread->SwapBusy set.
extern "C" LONG_PTR NTAPI KiSwapThread(PKTHREAD CurrentThread, PKPRCB Prcb)
{
    if (Prcb->DeferredReadyListHead.Next)
        KiProcessDeferredReadyList(Prcb);
    KiAcquirePrcbLock(Prcb);
    PKTHREAD Next = KiSelectNextThread(Prcb);
    if (!Next) {
        Next = Prcb->IdleThread;
        __atomic_fetch_or(&KiIdleSummary, Prcb->SetMember, __ATOMIC_ACQ_REL);
    }
    Prcb->CurrentThread = Next;
    KiSetThreadState(Next, Running);
    KiReleasePrcbLock(Prcb);

    BOOLEAN ApcPending;
    if (Next == CurrentThread) {
        // Woken and queued here before it could switch out: it simply goes on.
        __atomic_store_n(&CurrentThread->SwapBusy, FALSE, __ATOMIC_RELEASE);
        ApcPending = KiCheckApcOnResume(CurrentThread, CurrentThread->WaitIrql);
    } else {
        ApcPending = KiSwapContext(CurrentThread->WaitIrql, CurrentThread);
    }
    // An APC's normal routine may wait in turn: keep this wait's results first.
    LONG_PTR WaitStatus = CurrentThread->WaitStatus;
    KIRQL WaitIrql = CurrentThread->WaitIrql;
    if (ApcPending) {
        KeLowerIrql(APC_LEVEL);
        KiDeliverApc(KernelMode, NULL, NULL);
    }
    KeLowerIrql(WaitIrql);
    return WaitStatus;
}
