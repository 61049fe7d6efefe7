// kdready.cpp - !ready: each processor's ready queues from the highest priority
// down, one THREAD line per queued thread, as WinDbg lists them, then the standby
// thread a processor has chosen.
#include "ke.h"
#include "kd.h"
#include "ps.h"

namespace {

constexpr ULONG kMaximumQueueWalk = 1u << 16;

// Prints one processor's ready queues and its standby thread.
VOID KdpDisplayProcessorReady(PKPRCB Prcb)
{
    BOOLEAN Any = FALSE;
    for (ULONG Priority = MAXIMUM_PRIORITY; Priority-- > 0;) {
        PLIST_ENTRY Head = &Prcb->DispatcherReadyListHead[Priority];
        if (Head->Flink == Head)
            continue;
        DbgPrint("Processor %u: Ready Threads at priority %u\n", Prcb->Number, Priority);
        ULONG Count = 0;
        for (PLIST_ENTRY Entry = Head->Flink; Entry && Entry != Head && Count < kMaximumQueueWalk; Entry = Entry->Flink, Count++) {
            PKTHREAD Thread = CONTAINING_RECORD(Entry, KTHREAD, WaitListEntry);
            KdpDisplayThreadLine(CONTAINING_RECORD(Thread, ETHREAD, Tcb), "    ");
        }
        Any = TRUE;
    }
    if (!Any)
        DbgPrint("Processor %u: No threads in READY state\n", Prcb->Number);
    PKTHREAD Next = KiPeekNextThread(Prcb);
    if (Next && Next != Prcb->IdleThread) {
        DbgPrint("Processor %u: Standby thread\n", Prcb->Number);
        KdpDisplayThreadLine(CONTAINING_RECORD(Next, ETHREAD, Tcb), "    ");
    }
}

} // namespace

// !ready: every processor's ready threads by priority; with locks under the
// dispatcher lock and every PRCB lock, so the queues are a consistent snapshot. At
// PASSIVE_LEVEL, or any IRQL with NoLocks.
extern "C" NTSTATUS NTAPI KdpReadyCommand(PKD_ARGUMENTS Arguments, BOOLEAN NoLocks)
{
    if (Arguments->Count > 1 || (Arguments->Count == 1 && !Arguments->IsNumber[0])) {
        DbgPrint("kd: usage: !ready [Flags]\n");
        return STATUS_INVALID_PARAMETER;
    }
    ULONG Processors = (ULONG)KeNumberProcessors;
    KIRQL OldIrql = PASSIVE_LEVEL;
    if (!NoLocks) {
        OldIrql = KiAcquireDispatcherLock();
        for (ULONG i = 0; i < Processors; i++)
            KiAcquirePrcbLock(KiProcessorBlock[i]);
    }
    for (ULONG i = 0; i < Processors; i++) {
        if (KiProcessorBlock[i])
            KdpDisplayProcessorReady(KiProcessorBlock[i]);
    }
    if (!NoLocks) {
        for (ULONG i = Processors; i-- > 0;)
            KiReleasePrcbLock(KiProcessorBlock[i]);
        KiReleaseDispatcherLock(OldIrql);
    }
    return STATUS_SUCCESS;
}
