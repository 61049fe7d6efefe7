// invariant.cpp - KiCheckDispatcherInvariants: a consistency check of the whole
// dispatcher state, for tests and the fuzzer: every thread is in exactly the
// structure its state says, ready queues agree with ReadySummary, idle processors
// run their idle thread, wait blocks are linked both ways, priorities are in range and
// no thread waits to run on a processor its affinity excludes.
#include "ke.h"

namespace {

constexpr ULONG kMaximumListLength = 1u << 20;

struct KI_INVARIANT_CHECK {
    ULONG Violations = 0;

    void Fail(PCSTR What, PVOID Where, ULONG_PTR Detail)
    {
        Violations++;
        DbgPrint("KiCheckDispatcherInvariants: %s (%p, 0x%llx)\n", What, Where, (unsigned long long)Detail);
    }
};

// Flink/Blink agree all the way round; returns the length, or ~0 if broken.
ULONG KiCheckList(KI_INVARIANT_CHECK &Check, PLIST_ENTRY Head, PCSTR What)
{
    ULONG Length = 0;
    for (PLIST_ENTRY Entry = Head; Length <= kMaximumListLength; Length++) {
        if (Entry->Flink->Blink != Entry) {
            Check.Fail(What, Entry, Length);
            return ~0u;
        }
        Entry = Entry->Flink;
        if (Entry == Head)
            return Length;
    }
    Check.Fail(What, Head, Length);
    return ~0u;
}

// How many times Thread appears in the ready queue where its state says it is.
ULONG KiCountInReadyQueue(PKTHREAD Thread)
{
    UCHAR Processor = KiGetNextProcessor(Thread);
    SCHAR Priority = KiReadPriority(Thread);
    if (Processor >= (UCHAR)KeNumberProcessors || Priority < LOW_PRIORITY || Priority > HIGH_PRIORITY)
        return 0;
    PLIST_ENTRY Head = &KiProcessorBlock[Processor]->DispatcherReadyListHead[Priority];
    ULONG Count = 0;
    for (PLIST_ENTRY Entry = Head->Flink; Entry != Head; Entry = Entry->Flink)
        Count += CONTAINING_RECORD(Entry, KTHREAD, WaitListEntry) == Thread;
    return Count;
}

// How many processors have Thread as their Standby / running thread.
ULONG KiCountAsNext(PKTHREAD Thread)
{
    ULONG Count = 0;
    for (ULONG i = 0; i < (ULONG)KeNumberProcessors; i++)
        Count += KiPeekNextThread(KiProcessorBlock[i]) == Thread;
    return Count;
}

ULONG KiCountAsCurrent(PKTHREAD Thread)
{
    ULONG Count = 0;
    for (ULONG i = 0; i < (ULONG)KeNumberProcessors; i++)
        Count += KiProcessorBlock[i]->CurrentThread == Thread;
    return Count;
}

void KiCheckProcessor(KI_INVARIANT_CHECK &Check, PKPRCB Prcb)
{
    ULONG Summary = KiReadySummary(Prcb);
    for (ULONG Priority = 0; Priority < MAXIMUM_PRIORITY; Priority++) {
        PLIST_ENTRY Head = &Prcb->DispatcherReadyListHead[Priority];
        ULONG Length = KiCheckList(Check, Head, "ready queue links");
        if (Length == ~0u)
            continue;
        if (!!(Summary & (1UL << Priority)) != (Length != 0))
            Check.Fail("ReadySummary disagrees with a ready queue", Prcb, Priority);
        for (PLIST_ENTRY Entry = Head->Flink; Entry != Head; Entry = Entry->Flink) {
            PKTHREAD Thread = CONTAINING_RECORD(Entry, KTHREAD, WaitListEntry);
            if (KiGetThreadState(Thread) != Ready || KiReadPriority(Thread) != (SCHAR)Priority)
                Check.Fail("thread in a ready queue is not Ready at that priority", Thread, Priority);
            if (!(Thread->Affinity & Prcb->SetMember))
                Check.Fail("ready thread queued on a processor outside its affinity", Thread, Prcb->Number);
            if (KiGetNextProcessor(Thread) != Prcb->Number)
                Check.Fail("ready thread queued on another processor than its NextProcessor", Thread, Prcb->Number);
        }
    }
    // The idle thread stands in as NextThread for a thread that must leave the processor.
    PKTHREAD Next = KiPeekNextThread(Prcb);
    if (Next && Next != Prcb->IdleThread) {
        if (KiGetThreadState(Next) != Standby)
            Check.Fail("NextThread is not Standby", Next, KiGetThreadState(Next));
        if (!(Next->Affinity & Prcb->SetMember))
            Check.Fail("Standby thread chosen by a processor outside its affinity", Next, Prcb->Number);
    }
    // A CurrentThread that already waits, ends or was requeued is still switching out
    // (SwapBusy).
    PKTHREAD Current = Prcb->CurrentThread;
    if (KiGetThreadState(Current) != Running && !__atomic_load_n(&Current->SwapBusy, __ATOMIC_ACQUIRE))
        Check.Fail("CurrentThread is neither Running nor switching out", Current, KiGetThreadState(Current));
    BOOLEAN Idle = (__atomic_load_n(&KiIdleSummary, __ATOMIC_ACQUIRE) & Prcb->SetMember) != 0;
    if (Idle && (Current != Prcb->IdleThread || Next))
        Check.Fail("processor in KiIdleSummary is not idle", Prcb, Prcb->Number);
}

void KiCheckWaitBlocks(KI_INVARIANT_CHECK &Check, PKTHREAD Thread)
{
    PKWAIT_BLOCK First = Thread->WaitBlockList;
    PKWAIT_BLOCK WaitBlock = First;
    ULONG Count = 0;
    do {
        if (!WaitBlock || ++Count > MAXIMUM_WAIT_OBJECTS + 1) {
            Check.Fail("wait block ring is broken", Thread, Count);
            return;
        }
        if (WaitBlock->Thread != Thread)
            Check.Fail("wait block names another thread", WaitBlock, reinterpret_cast<ULONG_PTR>(WaitBlock->Thread));
        PLIST_ENTRY Entry = &WaitBlock->WaitListEntry;
        if (Entry->Flink->Blink != Entry || Entry->Blink->Flink != Entry)
            Check.Fail("wait block is not linked both ways in its object's wait list", WaitBlock, 0);
        WaitBlock = WaitBlock->NextWaitBlock;
    } while (WaitBlock != First);
}

// Priorities and affinities every thread keeps, whatever its state. Both change only
// under the dispatcher lock, except a boost (atomic, under the thread lock).
void KiCheckSchedulingFields(KI_INVARIANT_CHECK &Check, PKTHREAD Thread)
{
    SCHAR Priority = KiReadPriority(Thread);
    if (Priority < LOW_PRIORITY || Priority > HIGH_PRIORITY || Thread->BasePriority < LOW_PRIORITY ||
        Thread->BasePriority > HIGH_PRIORITY)
        Check.Fail("priority or base priority outside 0..31", Thread, ((ULONG_PTR)(UCHAR)Priority << 8) |
                                                                          (UCHAR)Thread->BasePriority);
    KAFFINITY Affinities[] = {Thread->Affinity, Thread->UserAffinity};
    for (KAFFINITY Affinity : Affinities)
        if (!Affinity || (Affinity & ~KeActiveProcessors))
            Check.Fail("affinity empty or naming an inactive processor", Thread, Affinity);
}

void KiCheckThread(KI_INVARIANT_CHECK &Check, PKTHREAD Thread)
{
    KiCheckSchedulingFields(Check, Thread);
    if (Thread == KiProcessorBlock[KiGetNextProcessor(Thread)]->IdleThread)
        return; // an idle thread stays Running whether or not its processor runs it
    UCHAR State = KiGetThreadState(Thread);
    if (State == DeferredReady)
        return; // being placed by a processor that just left the dispatcher
    BOOLEAN SwitchingOut = __atomic_load_n(&Thread->SwapBusy, __ATOMIC_ACQUIRE);
    ULONG Queued = State == Ready ? KiCountInReadyQueue(Thread) : 0;
    ULONG Next = KiCountAsNext(Thread);
    ULONG Current = KiCountAsCurrent(Thread);
    BOOLEAN Placed;
    switch (State) {
    case Ready:
        Placed = Queued == 1 && Next == 0 && (Current == 0 || SwitchingOut);
        break;
    case Standby:
        Placed = Next == 1 && Current == 0;
        break;
    case Running:
        Placed = Current == 1 && Next == 0;
        break;
    case Waiting:
        KiCheckWaitBlocks(Check, Thread);
        Placed = Next == 0 && (Current == 0 || SwitchingOut);
        break;
    default:
        Placed = Next == 0 && (Current == 0 || SwitchingOut);
        break;
    }
    if (!Placed)
        Check.Fail("thread is not in exactly the one structure its state names", Thread,
                   ((ULONG_PTR)State << 24) | (Queued << 16) | (Next << 8) | Current);
}

} // namespace

// Checks the dispatcher's invariants with the dispatcher lock and every PRCB lock
// held; prints each violation and returns how many there were (0: consistent). At or
// below SYNCH_LEVEL; allocates nothing.
extern "C" ULONG NTAPI KiCheckDispatcherInvariants(VOID)
{
    KI_INVARIANT_CHECK Check;
    KIRQL OldIrql = KiAcquireDispatcherLock();
    ULONG Processors = (ULONG)KeNumberProcessors;
    for (ULONG i = 0; i < Processors; i++)
        KiAcquirePrcbLock(KiProcessorBlock[i]);
    for (ULONG i = 0; i < Processors; i++)
        KiCheckProcessor(Check, KiProcessorBlock[i]);
    if (KiCheckList(Check, &KiProcessListHead, "process list links") != ~0u) {
        for (PLIST_ENTRY P = KiProcessListHead.Flink; P != &KiProcessListHead; P = P->Flink) {
            PKPROCESS Process = CONTAINING_RECORD(P, KPROCESS, ProcessListEntry);
            if (KiCheckList(Check, &Process->ThreadListHead, "process thread list links") == ~0u)
                continue;
            for (PLIST_ENTRY T = Process->ThreadListHead.Flink; T != &Process->ThreadListHead; T = T->Flink)
                KiCheckThread(Check, CONTAINING_RECORD(T, KTHREAD, ThreadListEntry));
        }
    }
    for (ULONG i = Processors; i-- > 0;)
        KiReleasePrcbLock(KiProcessorBlock[i]);
    KiReleaseDispatcherLock(OldIrql);
    return Check.Violations;
}
