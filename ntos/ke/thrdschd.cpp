// thrdschd.cpp - the scheduler core: readying threads onto a processor (idle,
// preempting, or queued) with the priority boosts a wake-up asks for, picking the next
// thread from the 32 ready queues, the switch of a thread that gives up its processor
// (KiSwapThread), and moving a thread whose priority or affinity changed.
//
// Lock order: dispatcher lock, thread lock, PRCB lock. A thread being placed
// (KiDeferredReadyThread) or stolen (KiFindReadyThread) is held under its thread lock,
// so whoever changes its priority or affinity sees it either before or after the move.
#include "ke.h"
#include "rtl.h"

volatile KAFFINITY KiIdleSummary;

namespace {

inline PKPRCB PrcbOf(ULONG Number) { return KiProcessorBlock[Number]; }

// The idle processor T should go to, or NULL: its ideal, else its last, else a PRNG
// pick among the idle ones it may use (seeded when deterministic). Thread lock held.
PKPRCB KiSelectIdleProcessor(PKTHREAD Thread)
{
    KAFFINITY Idle = __atomic_load_n(&KiIdleSummary, __ATOMIC_ACQUIRE) & Thread->Affinity;
    if (!Idle)
        return NULL;
    if (Idle & AFFINITY_MASK(Thread->IdealProcessor))
        return PrcbOf(Thread->IdealProcessor);
    if (Idle & AFFINITY_MASK(KiGetNextProcessor(Thread)))
        return PrcbOf(KiGetNextProcessor(Thread));
    ULONG Count = (ULONG)__builtin_popcountll(Idle);
    ULONG Pick = (ULONG)(HalHostRandom() % Count);
    while (Pick--)
        Idle &= Idle - 1;
    return PrcbOf(KiLowestSetBit(Idle));
}

// The processor a thread with no idle processor available is queued on.
PKPRCB KiSelectTargetProcessor(PKTHREAD Thread)
{
    if (Thread->Affinity & AFFINITY_MASK(KiGetNextProcessor(Thread)))
        return PrcbOf(KiGetNextProcessor(Thread));
    return PrcbOf(KiLowestSetBit(Thread->Affinity));
}

// Asks processor Prcb to look at its NextThread: a DISPATCH_LEVEL interrupt, sent as
// an IPI when Prcb is another processor.
void KiRequestDispatch(PKPRCB Prcb)
{
    if (Prcb == KiGetCurrentPrcb())
        return; // KiExitDispatcher or the DPC exit path of this processor sees it
    HalHostRequestInterrupt(Prcb->Number, DISPATCH_LEVEL);
}

// Queues a thread Ready on Prcb, at the head of its queue if it was preempted. With
// the PRCB lock held.
void KiInsertReadyQueue(PKTHREAD Thread, PKPRCB Prcb)
{
    SCHAR Priority = KiReadPriority(Thread);
    KiSetThreadState(Thread, Ready);
    Thread->WaitTime = KiTickCountLow();
    KiSetNextProcessor(Thread, Prcb->Number);
    PLIST_ENTRY Queue = &Prcb->DispatcherReadyListHead[Priority];
    if (Thread->Preempted)
        InsertHeadList(Queue, &Thread->WaitListEntry);
    else
        InsertTailList(Queue, &Thread->WaitListEntry);
    KiSetReadySummary(Prcb, KiReadySummary(Prcb) | (1UL << Priority));
}

// Takes a Ready thread out of Prcb's ready queue for its priority. With the PRCB lock
// held.
void KiRemoveReadyQueue(PKTHREAD Thread, PKPRCB Prcb)
{
    if (RemoveEntryList(&Thread->WaitListEntry))
        KiSetReadySummary(Prcb, KiReadySummary(Prcb) & ~(1UL << KiReadPriority(Thread)));
}

// Applies a wake-up's boost: unwait (to Base + Increment, at most 15) or lock ownership
// (just above the waker, at most 13, all in PriorityDecrement). Thread lock, SYNCH_LEVEL.
void KiAdjustPriorityThread(PKTHREAD Thread)
{
    SCHAR Priority = KiReadPriority(Thread);
    if (Thread->AdjustReason == AdjustBoost) {
        if (Priority <= Thread->AdjustIncrement && Priority < LOW_REALTIME_PRIORITY - 3 && !Thread->DisableBoost) {
            SCHAR Boosted = Thread->AdjustIncrement + 1 < LOW_REALTIME_PRIORITY - 3 ? Thread->AdjustIncrement + 1
                                                                                   : LOW_REALTIME_PRIORITY - 3;
            Thread->PriorityDecrement += (SCHAR)(Boosted - Priority);
            KiWritePriority(Thread, Boosted);
        }
        LONG Quantum = KiReadQuantum(Thread) < LOCK_OWNERSHIP_QUANTUM ? LOCK_OWNERSHIP_QUANTUM : KiReadQuantum(Thread);
        KiWriteQuantum(Thread, Quantum - WAIT_QUANTUM_DECREMENT);
    } else if (Thread->AdjustReason == AdjustUnwait) {
        if (Priority >= LOW_REALTIME_PRIORITY || Thread->BasePriority >= LOW_REALTIME_PRIORITY - 2) {
            KiWriteQuantum(Thread, Thread->QuantumReset);
        } else {
            if (!Thread->PriorityDecrement && Thread->AdjustIncrement)
                KiWriteQuantum(Thread, Thread->QuantumReset);
            if (Thread->WaitStatus != STATUS_KERNEL_APC) {
                LONG Quantum = KiReadQuantum(Thread) - WAIT_QUANTUM_DECREMENT;
                if (Quantum <= 0) {
                    Quantum = Thread->QuantumReset;
                    KiWritePriority(Thread, KiComputeNewPriority(Thread, 1));
                }
                KiWriteQuantum(Thread, Quantum);
            }
        }
        // PsPrioritySeparation (the foreground boost) is not part of this kernel.
        if (Priority < LOW_REALTIME_PRIORITY && !Thread->PriorityDecrement && !Thread->DisableBoost) {
            LONG Boosted = Thread->BasePriority + Thread->AdjustIncrement;
            if (Boosted >= LOW_REALTIME_PRIORITY)
                Boosted = LOW_REALTIME_PRIORITY - 1;
            if (Boosted > KiReadPriority(Thread))
                KiWritePriority(Thread, Boosted);
        }
    }
    Thread->AdjustReason = AdjustNone;
}

// Lets go of a thread just placed on Prcb: its thread lock first, while the PRCB lock
// still keeps it from running (and so from exiting and being freed), then the PRCB lock.
void KiReleasePlacedThread(PKTHREAD Thread, PKPRCB Prcb)
{
    KiReleaseThreadLock(Thread);
    KiReleasePrcbLock(Prcb);
}

// Makes a DeferredReady thread Standby on an idle processor or over a lower priority,
// else queues it; returns a Standby thread it displaced, or NULL. Entered with the
// thread lock held; releases it.
PKTHREAD KiPlaceReadyThread(PKTHREAD Thread)
{
    BOOLEAN Preempted = Thread->Preempted;
    Thread->Preempted = FALSE;

    if (PKPRCB Prcb = KiSelectIdleProcessor(Thread)) {
        KiAcquirePrcbLock(Prcb);
        KAFFINITY Bit = AFFINITY_MASK(Prcb->Number);
        if ((__atomic_load_n(&KiIdleSummary, __ATOMIC_ACQUIRE) & Bit) && !KiPeekNextThread(Prcb)) {
            __atomic_fetch_and(&KiIdleSummary, ~Bit, __ATOMIC_ACQ_REL);
            KiSetStandbyThread(Prcb, Thread);
            KiReleasePlacedThread(Thread, Prcb);
            KiRequestDispatch(Prcb);
            return NULL;
        }
        KiReleasePrcbLock(Prcb);
    }

    PKPRCB Prcb = KiSelectTargetProcessor(Thread);
    KiAcquirePrcbLock(Prcb);
    SCHAR Priority = KiReadPriority(Thread);
    PKTHREAD Next = Prcb->NextThread;
    if (Next && (Next == Prcb->IdleThread || Priority > KiReadPriority(Next))) {
        // Replace the Standby thread; it goes back to the head of its queue (an idle
        // thread standing in for a thread leaving the processor just steps aside).
        KiSetStandbyThread(Prcb, Thread);
        if (Next == Prcb->IdleThread) {
            Next = NULL;
        } else {
            Next->Preempted = TRUE;
            KiSetThreadState(Next, DeferredReady);
        }
        KiReleasePlacedThread(Thread, Prcb);
        KiRequestDispatch(Prcb);
        return Next;
    }
    PKTHREAD Current = Prcb->CurrentThread;
    if (!Next && Priority > KiReadPriority(Current)) {
        if (KiGetThreadState(Current) == Running)
            Current->Preempted = TRUE;
        KiSetStandbyThread(Prcb, Thread);
        KiReleasePlacedThread(Thread, Prcb);
        KiRequestDispatch(Prcb);
        return NULL;
    }
    Thread->Preempted = Preempted;
    KiInsertReadyQueue(Thread, Prcb);
    Thread->Preempted = FALSE;
    KiReleasePlacedThread(Thread, Prcb);
    return NULL;
}

// Locks and returns the processor whose ready queue, Standby slot or CurrentThread holds
// Thread, as its state says; NULL if none does. Dispatcher and thread locks held.
PKPRCB KiLockThreadProcessor(PKTHREAD Thread)
{
    for (;;) {
        UCHAR State = KiGetThreadState(Thread);
        if (State != Ready && State != Standby && State != Running)
            return NULL;
        PKPRCB Prcb = PrcbOf(KiGetNextProcessor(Thread));
        KiAcquirePrcbLock(Prcb);
        BOOLEAN Held = State == Ready ? KiGetNextProcessor(Thread) == Prcb->Number
                                      : (State == Standby ? Prcb->NextThread : Prcb->CurrentThread) == Thread;
        if (KiGetThreadState(Thread) == State && Held)
            return Prcb;
        // Moving between processors right now (a switch in progress): look again.
        KiReleasePrcbLock(Prcb);
        KeYieldProcessor();
    }
}

// Picks Prcb's next thread after its Standby thread left or when its running thread
// must leave (then the idle thread, if nothing is ready). With the PRCB lock held.
void KiReplaceNextThread(PKPRCB Prcb)
{
    PKTHREAD Current = Prcb->CurrentThread;
    BOOLEAN Idle = Current == Prcb->IdleThread;
    BOOLEAN Leaving = !Idle && !(Current->Affinity & Prcb->SetMember);
    KPRIORITY Low = Idle || Leaving ? 0 : KiReadPriority(Current) + 1;
    PKTHREAD Next = Low > HIGH_PRIORITY ? NULL : KiSelectReadyThread(Low, Prcb);
    if (Next)
        KiSetStandbyThread(Prcb, Next);
    else
        KiSetNextThread(Prcb, Leaving ? Prcb->IdleThread : NULL);
}

// With a thread select notify routine set, as Windows 2000 did: the first thread of a
// ready queue is taken unless the routine turns it down (FALSE) while it has waited
// at most READY_SKIP_QUANTUM ticks below priority LOW_REALTIME_PRIORITY + 9; then the
// first later thread the routine accepts is taken instead, searching no further than a
// thread that has waited longer (W2K passed the first thread's id again in that
// search, a slip; each candidate is asked here). With the PRCB lock held.
PKTHREAD KiSelectNotifiedThread(PTHREAD_SELECT_NOTIFY_ROUTINE Notify, PLIST_ENTRY Queue, ULONG Priority)
{
    PKTHREAD First = CONTAINING_RECORD(Queue->Flink, KTHREAD, WaitListEntry);
    ULONG Now = KiTickCountLow();
    if (Priority >= LOW_REALTIME_PRIORITY + 9 || Now - First->WaitTime > READY_SKIP_QUANTUM ||
        Notify(KiThreadId(First)))
        return First;
    for (PLIST_ENTRY Entry = First->WaitListEntry.Flink; Entry != Queue; Entry = Entry->Flink) {
        PKTHREAD Thread = CONTAINING_RECORD(Entry, KTHREAD, WaitListEntry);
        if (Notify(KiThreadId(Thread)))
            return Thread;
        if (Now - Thread->WaitTime > READY_SKIP_QUANTUM)
            break;
    }
    return First;
}

} // namespace

// Makes Thread the Standby thread of Prcb. With the PRCB lock held.
extern "C" VOID NTAPI KiSetStandbyThread(PKPRCB Prcb, PKTHREAD Thread)
{
    KiSetThreadState(Thread, Standby);
    KiSetNextProcessor(Thread, Prcb->Number);
    KiSetNextThread(Prcb, Thread);
}

// Makes a thread ready, deferred: it goes on this processor's deferred ready list and
// is placed once the dispatcher lock is dropped (KiProcessDeferredReadyList), so a
// woken thread cannot run while its waker is still inside the dispatcher. At
// SYNCH_LEVEL with the dispatcher lock held.
extern "C" VOID NTAPI KiReadyThread(PKTHREAD Thread)
{
    PKPRCB Prcb = KiGetCurrentPrcb();
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

// Boosts and places a DeferredReady thread, then any Standby thread it displaced; the
// target processor switches later. At SYNCH_LEVEL, no thread or PRCB lock held.
extern "C" VOID NTAPI KiDeferredReadyThread(PKTHREAD Thread)
{
    while (Thread) {
        KiAcquireThreadLock(Thread);
        KiAdjustPriorityThread(Thread);
        Thread = KiPlaceReadyThread(Thread);
    }
}

// Removes and returns the first thread of the highest non-empty ready queue at or
// above LowPriority (or a later one the thread select notify routine prefers), or NULL. At SYNCH_LEVEL with the PRCB lock held.
extern "C" PKTHREAD NTAPI KiSelectReadyThread(KPRIORITY LowPriority, PKPRCB Prcb)
{
    ULONG Summary = KiReadySummary(Prcb) >> LowPriority;
    if (!Summary)
        return NULL;
    ULONG Priority = KiHighestSetBit(Summary) + (ULONG)LowPriority;
    PLIST_ENTRY Queue = &Prcb->DispatcherReadyListHead[Priority];
    PKTHREAD Thread = CONTAINING_RECORD(Queue->Flink, KTHREAD, WaitListEntry);
    if (PTHREAD_SELECT_NOTIFY_ROUTINE Notify = __atomic_load_n(&KiThreadSelectNotifyRoutine, __ATOMIC_ACQUIRE))
        [[unlikely]] Thread = KiSelectNotifiedThread(Notify, Queue, Priority);
    KiRemoveReadyQueue(Thread, Prcb);
    return Thread;
}

// Takes this processor's Standby thread, else the best ready thread of its queues, or
// NULL (a stand-in idle thread counts as none). With the PRCB lock held.
extern "C" PKTHREAD NTAPI KiSelectNextThread(PKPRCB Prcb)
{
    PKTHREAD Next = Prcb->NextThread;
    if (!Next)
        return KiSelectReadyThread(0, Prcb);
    KiSetNextThread(Prcb, NULL);
    return Next == Prcb->IdleThread ? KiSelectReadyThread(0, Prcb) : Next;
}

// Steals a thread this processor may run from another's ready queues; it returns in
// transit (DeferredReady) with its thread lock held. SYNCH_LEVEL, no PRCB lock held.
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
                if (!(Thread->Affinity & Prcb->SetMember) || !KiTryToAcquireSpinLock(&Thread->ThreadLock))
                    continue;
                KiRemoveReadyQueue(Thread, Other);
                KiSetThreadState(Thread, DeferredReady);
                KiSetNextProcessor(Thread, Prcb->Number);
                KiReleasePrcbLock(Other);
                return Thread;
            }
        }
        KiReleasePrcbLock(Other);
    }
    return NULL;
}

// Requeues this processor's outgoing (still Running) thread here, or elsewhere if it may
// no longer run here. At SYNCH_LEVEL with the PRCB lock held; releases it.
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
    if (Next == Prcb->IdleThread) // standing in for a thread that had to leave
        __atomic_fetch_or(&KiIdleSummary, Prcb->SetMember, __ATOMIC_ACQ_REL);
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

// A variable-priority thread's priority less its PriorityDecrement (used up) and
// Adjustment, not below its base; realtime ones keep theirs. Thread lock held.
extern "C" SCHAR NTAPI KiComputeNewPriority(PKTHREAD Thread, SCHAR Adjustment)
{
    SCHAR Priority = KiReadPriority(Thread);
    if (Priority >= LOW_REALTIME_PRIORITY)
        return Priority;
    Priority = (SCHAR)(Priority - Thread->PriorityDecrement - Adjustment);
    if (Priority < Thread->BasePriority)
        Priority = Thread->BasePriority;
    Thread->PriorityDecrement = 0;
    return Priority;
}

// Sets a thread's priority and fresh quantum, requeueing it if Ready, preempting it for
// a better ready thread if lowered. Dispatcher and thread locks held, SYNCH_LEVEL.
extern "C" VOID NTAPI KiSetPriorityThread(PKTHREAD Thread, KPRIORITY Priority)
{
    ASSERT(Priority >= LOW_PRIORITY && Priority <= HIGH_PRIORITY);
    SCHAR OldPriority = KiReadPriority(Thread);
    if (Priority == OldPriority)
        return;
    PKPRCB Prcb = KiLockThreadProcessor(Thread);
    KiWriteQuantum(Thread, Thread->QuantumReset);
    if (!Prcb) {
        KiWritePriority(Thread, Priority);
        return;
    }
    BOOLEAN RequestDispatch = FALSE;
    UCHAR State = KiGetThreadState(Thread);
    if (State == Ready)
        KiRemoveReadyQueue(Thread, Prcb);
    KiWritePriority(Thread, Priority);
    if (State == Ready) {
        KiReadyThread(Thread);
    } else if (Priority < OldPriority && (State == Standby || !Prcb->NextThread)) {
        if (PKTHREAD Better = KiSelectReadyThread(Priority + 1, Prcb)) {
            KiSetStandbyThread(Prcb, Better);
            if (State == Standby)
                KiReadyThread(Thread);
            RequestDispatch = TRUE;
        }
    }
    KiReleasePrcbLock(Prcb);
    if (RequestDispatch)
        KiRequestDispatch(Prcb);
}

// Sets a thread's affinity and takes it off (ready queue, Standby slot or CPU) a processor
// it no longer allows. Dispatcher and thread locks held, SYNCH_LEVEL.
extern "C" VOID NTAPI KiUpdateThreadAffinity(PKTHREAD Thread, KAFFINITY Affinity)
{
    PKPRCB Prcb = KiLockThreadProcessor(Thread);
    Thread->Affinity = Affinity;
    if (!Prcb)
        return;
    BOOLEAN RequestDispatch = FALSE;
    if (!(Prcb->SetMember & Affinity)) {
        switch (KiGetThreadState(Thread)) {
        case Ready:
            KiRemoveReadyQueue(Thread, Prcb);
            KiReadyThread(Thread);
            break;
        case Standby:
            KiReadyThread(Thread);
            KiReplaceNextThread(Prcb);
            RequestDispatch = TRUE;
            break;
        default: // Running
            if (!Prcb->NextThread)
                KiReplaceNextThread(Prcb);
            RequestDispatch = TRUE;
            break;
        }
    }
    KiReleasePrcbLock(Prcb);
    if (RequestDispatch)
        KiRequestDispatch(Prcb);
}

// The yield service: gives the processor to any ready thread above the idle priority
// (a lower one too, unlike a zero delay), the caller going back to its ready queue.
// STATUS_NO_YIELD_PERFORMED when nothing else was ready. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtYieldExecution(VOID)
{
    KI_USER_SERVICE(NtYieldExecution());
    if (!KiReadySummary(KiGetCurrentPrcb()))
        return STATUS_NO_YIELD_PERFORMED;
    return KiYieldThread(KiGetCurrentThread(), 1) ? STATUS_SUCCESS : STATUS_NO_YIELD_PERFORMED;
}

// NtYieldExecution for kernel code. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ZwYieldExecution(VOID)
{
    return KiZwCall([&] { return NtYieldExecution(); });
}
