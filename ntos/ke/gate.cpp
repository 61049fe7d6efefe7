// gate.cpp - gate objects: a dispatcher object only the kernel waits on, through a
// fast path for one waiting thread; signalling wakes one waiter (or leaves the gate
// signalled for the next), as a synchronization event does.
#include "ke.h"

namespace {
// Puts the thread's first wait block, alone in its ring, on the gate's wait list. At
// SYNCH_LEVEL with the dispatcher lock held.
PKWAIT_BLOCK KiInsertGateWaitBlock(PKGATE Gate, PKTHREAD Thread)
{
    PKWAIT_BLOCK WaitBlock = &Thread->WaitBlock[0];
    WaitBlock->Object = Gate;
    WaitBlock->Thread = Thread;
    WaitBlock->WaitKey = 0;
    WaitBlock->WaitType = WaitAny;
    WaitBlock->NextWaitBlock = WaitBlock;
    InsertTailList(&Gate->Header.WaitListHead, &WaitBlock->WaitListEntry);
    return WaitBlock;
}
} // namespace

// Initializes a gate, not signalled and without waiters. Any IRQL.
extern "C" VOID FASTCALL KeInitializeGate(PKGATE Gate)
{
    Gate->Header.Type = GateObject;
    Gate->Header.Size = sizeof(KGATE) / sizeof(ULONG);
    KiSetSignalState(&Gate->Header, 0);
    InitializeListHead(&Gate->Header.WaitListHead);
}

// Waits, not alertable and without a timeout, until the gate is signalled, consuming
// the signal; a kernel APC interrupts the wait, runs, and the wait starts over. Below
// DISPATCH_LEVEL.
extern "C" VOID FASTCALL KeWaitForGate(PKGATE Gate, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode)
{
    ASSERT_GATE(Gate);
    PKTHREAD Thread = KiGetCurrentThread();
    KiCheckWaitIrql(Thread, Gate, FALSE, __builtin_return_address(0));
    for (;;) {
        if (!KiBeginWaitPass(Thread))
            continue;
        if (KiSignalState(&Gate->Header)) {
            KiSetSignalState(&Gate->Header, 0);
            KiReleaseDispatcherLock(Thread->WaitIrql);
            return;
        }
        PKWAIT_BLOCK WaitBlock = KiInsertGateWaitBlock(Gate, Thread);
        if (KiCommitThreadWait(Thread, WaitBlock, WaitReason, WaitMode, FALSE) != STATUS_KERNEL_APC)
            return;
    }
}

// Wakes the gate's first waiter with the lock-ownership boost, or signals the gate if
// nobody waits (a signalled gate stays so). At or below DISPATCH_LEVEL.
extern "C" VOID FASTCALL KeSignalGateBoostPriority(PKGATE Gate)
{
    ASSERT_GATE(Gate);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    if (!KiSignalState(&Gate->Header)) {
        PLIST_ENTRY Entry = Gate->Header.WaitListHead.Flink;
        if (Entry == &Gate->Header.WaitListHead)
            KiSetSignalState(&Gate->Header, 1);
        else
            KiUnwaitThreadBoostPriority(CONTAINING_RECORD(Entry, KWAIT_BLOCK, WaitListEntry)->Thread);
    }
    KiReleaseDispatcherLock(OldIrql);
}
