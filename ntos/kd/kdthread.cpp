// kdthread.cpp - !thread in WinDbg's layout (state, wait reason and the objects
// waited on, priorities, quantum, APC state, suspend count, stack bounds and the
// saved stack's backtrace), the walks and lookups of live threads, and the thread
// list seed 002's EnumThreads prints: for every live thread its TID, KTHREAD, kernel
// stack bounds and saved stack pointer, user TEB, and process name and PID.
#include "ke.h"
#include "ex.h"
#include "halhost.h"
#include "kd.h"
#include "ps.h"

namespace {

constexpr ULONG kMaximumWalk = 1u << 16;
constexpr ULONG kMaximumFrames = 32;

const PCSTR KdpWaitReasonNames[] = {
    "Executive", "FreePage", "PageIn", "PoolAllocation", "DelayExecution", "Suspended", "UserRequest",
    "WrExecutive", "WrFreePage", "WrPageIn", "WrPoolAllocation", "WrDelayExecution", "WrSuspended",
    "WrUserRequest", "WrEventPair", "WrQueue", "WrLpcReceive", "WrLpcReply", "WrVirtualMemory",
    "WrPageOut", "WrRendezvous", "Spare2", "Spare3", "Spare4", "Spare5", "Spare6", "WrKernel", "WrResource",
    "WrPushLock", "WrMutex", "WrQuantumEnd", "WrDispatchInt", "WrPreempted", "WrYieldExecution",
    "WrFastMutex", "WrGuardedMutex", "WrRundown",
};

const PCSTR KdpObjectKindNames[] = {
    "NotificationEvent", "SynchronizationEvent", "Mutant", "ProcessObject", "QueueObject", "Semaphore",
    "ThreadObject", "Gate", "NotificationTimer", "SynchronizationTimer",
};

// Names[Index], or "Unknown" past the table. Any IRQL.
PCSTR KdpName(const PCSTR *Names, ULONG Count, ULONG Index)
{
    return Index < Count ? Names[Index] : "Unknown";
}

// The thread's state as WinDbg words it on the THREAD line.
VOID KdpDisplayState(PKTHREAD Thread)
{
    UCHAR State = KiGetThreadState(Thread);
    switch (State) {
    case Running:
        DbgPrint("RUNNING on processor %u\n", KiGetNextProcessor(Thread));
        break;
    case Ready:
        DbgPrint("READY on processor %u\n", KiGetNextProcessor(Thread));
        break;
    case Standby:
        DbgPrint("STANDBY on processor %u\n", KiGetNextProcessor(Thread));
        break;
    case Waiting:
    case GateWait:
        DbgPrint("WAIT: (%s) %s %s\n", KdpName(KdpWaitReasonNames, RTL_NUMBER_OF(KdpWaitReasonNames), Thread->WaitReason),
                 Thread->WaitMode == KernelMode ? "KernelMode" : "UserMode", Thread->Alertable ? "Alertable" : "Non-Alertable");
        break;
    default: {
        static const PCSTR Names[] = {"INITIALIZED", "READY", "RUNNING", "STANDBY", "TERMINATED", "WAIT", "TRANSITION", "DEFERREDREADY"};
        DbgPrint("%s\n", KdpName(Names, RTL_NUMBER_OF(Names), State));
        break;
    }
    }
}

// The objects a waiting thread waits on, one line each (a gate wait names its gate).
VOID KdpDisplayWaitBlocks(PKTHREAD Thread)
{
    UCHAR State = KiGetThreadState(Thread);
    if (State == GateWait) {
        DbgPrint("            %p  Gate\n", (PVOID)Thread->GateObject);
        return;
    }
    if (State != Waiting)
        return;
    PKWAIT_BLOCK First = Thread->WaitBlockList;
    PKWAIT_BLOCK WaitBlock = First;
    for (ULONG Count = 0; WaitBlock && Count <= MAXIMUM_WAIT_OBJECTS; Count++) {
        auto *Header = static_cast<PDISPATCHER_HEADER>(WaitBlock->Object);
        PCSTR Kind = Header ? KdpName(KdpObjectKindNames, RTL_NUMBER_OF(KdpObjectKindNames), Header->Type) : "?";
        DbgPrint("            %p  %s%s", WaitBlock->Object, Kind, WaitBlock->WaitType == WaitAll ? " (WaitAll)" : "");
        if (Header && Header->Type == MutantObject)
            DbgPrint(" - owning thread %p", (PVOID)static_cast<PKMUTANT>(WaitBlock->Object)->OwnerThread);
        DbgPrint("\n");
        WaitBlock = WaitBlock->NextWaitBlock;
        if (WaitBlock == First)
            break;
    }
}

// Owning and attached process, wait ticks, switches, times, start address, stack
// bounds, priorities and quantum, APC state, suspend and alert state.
VOID KdpDisplayThreadDetails(PETHREAD Thread)
{
    PKTHREAD Tcb = &Thread->Tcb;
    PEPROCESS Owner = Thread->ThreadsProcess;
    auto *Attached = reinterpret_cast<PEPROCESS>(Tcb->ApcState.Process);
    CHAR Name[160];
    DbgPrint("Owning Process            %p       Image:         %.16s\n", (PVOID)Owner,
             Owner ? (const char *)Owner->ImageFileName : "N/A");
    if (Attached && Attached != Owner)
        DbgPrint("Attached Process          %p       Image:         %.16s\n", (PVOID)Attached, (const char *)Attached->ImageFileName);
    else
        DbgPrint("Attached Process          N/A            Image:         N/A\n");
    ULONG Ticks = KiTickCountLow() - Tcb->WaitTime;
    DbgPrint("Wait Start TickCount      %-14u Ticks: %u (", Tcb->WaitTime, Ticks);
    KdpPrintDuration("", (ULONG64)Ticks * KeMaximumIncrement, ")\n");
    DbgPrint("Context Switch Count      %-14u IdealProcessor: %u\n", Tcb->ContextSwitches, Tcb->IdealProcessor);
    KdpPrintDuration("UserTime                  ", (ULONG64)Tcb->UserTime * KeMaximumIncrement, "\n");
    KdpPrintDuration("KernelTime                ", (ULONG64)Tcb->KernelTime * KeMaximumIncrement, "\n");
    PVOID Start = Thread->Win32StartAddress ? Thread->Win32StartAddress : Thread->StartAddress;
    HalHostDescribeAddress(Start, Name, sizeof(Name));
    DbgPrint("Win32 Start Address %s (%p)\n", Name, Start);
    DbgPrint("Stack Init %p Current %p Base %p Limit %p Call %p\n", Tcb->InitialStack,
             __atomic_load_n(&Tcb->KernelStack, __ATOMIC_RELAXED), Tcb->StackBase, Tcb->StackLimit, Tcb->CallbackStack);
    DbgPrint("Priority %d BasePriority %d PriorityDecrement %d Quantum %d QuantumReset %d\n", KiReadPriority(Tcb),
             Tcb->BasePriority, Tcb->PriorityDecrement, Tcb->Quantum, Tcb->QuantumReset);
    DbgPrint("ApcState: Process %p KernelApcInProgress %u KernelApcPending %u UserApcPending %u ApcStateIndex %u\n",
             (PVOID)Tcb->ApcState.Process, Tcb->ApcState.KernelApcInProgress, Tcb->ApcState.KernelApcPending,
             Tcb->ApcState.UserApcPending, Tcb->ApcStateIndex);
    DbgPrint("KernelApcDisable %d SpecialApcDisable %d ApcQueueable %u\n", Tcb->KernelApcDisable,
             Tcb->SpecialApcDisable, Tcb->ApcQueueable);
    DbgPrint("SuspendCount %d FreezeCount %d Alerted: KernelMode %u UserMode %u Terminated %u\n", Tcb->SuspendCount,
             Tcb->FreezeCount, Tcb->Alerted[KernelMode], Tcb->Alerted[UserMode], (ULONG)Thread->Terminated);
}

// The saved kernel stack of a thread that is not running, one frame a line.
VOID KdpDisplayStack(PKTHREAD Thread, BOOLEAN NoLocks)
{
    UCHAR State = KiGetThreadState(Thread);
    if (State == Running || State == Standby || __atomic_load_n(&Thread->SwapBusy, __ATOMIC_ACQUIRE)) {
        DbgPrint("(running or switching: no saved stack)\n");
        if (Thread == KdpCurrentThread() && !NoLocks)
            HalHostPrintBacktrace();
        return;
    }
    if (State == Terminated) {
        DbgPrint("(terminated: no stack)\n");
        return;
    }
    PVOID Returns[kMaximumFrames], Frames[kMaximumFrames];
    ULONG Count = HalHostContextBacktrace(__atomic_load_n(&Thread->KernelStack, __ATOMIC_ACQUIRE), Thread->StackBase,
                                          Thread->StackLimit, Returns, Frames, kMaximumFrames);
    DbgPrint("Child-SP          RetAddr           Call Site\n");
    CHAR Name[160];
    for (ULONG i = 0; i < Count; i++) {
        HalHostDescribeAddress(Returns[i], Name, sizeof(Name));
        DbgPrint("%p %p %s\n", Frames[i], Returns[i], Name);
    }
    if (!Count)
        DbgPrint("(no frames within the stack)\n");
}

// The stack pointer to show for a thread: where it is now for the caller, else where
// its last switch saved its context (hosted: the Boost.Context continuation, on the
// thread's stack as NT's saved KernelStack is), a snapshot read while it may switch.
PVOID KdpThreadStackPointer(PKTHREAD Thread)
{
    if (Thread == KdpCurrentThread())
        return __builtin_frame_address(0);
    return __atomic_load_n(&Thread->KernelStack, __ATOMIC_RELAXED);
}

// Prints one process's live threads as EnumThreads does; returns how many.
ULONG KdpEnumThreadsOfProcess(PEPROCESS Process, BOOLEAN NoLocks)
{
    ULONG Count = 0;
    PETHREAD Thread = NULL;
    for (ULONG Walked = 0; (Thread = KdpNextThread(Process, Thread, NoLocks)) && Walked < kMaximumWalk; Walked++) {
        if (KeReadStateThread(&Thread->Tcb))
            continue;
        DbgPrint("%6p %p %p %p %p %p %s(%p)\n", Thread->Cid.UniqueThread, static_cast<PVOID>(&Thread->Tcb),
                 Thread->Tcb.StackLimit, Thread->Tcb.StackBase, KdpThreadStackPointer(&Thread->Tcb),
                 __atomic_load_n(&Thread->Tcb.Teb, __ATOMIC_RELAXED),
                 reinterpret_cast<const char *>(Process->ImageFileName), Process->UniqueProcessId);
        Count++;
    }
    KdpReleaseThread(Thread, NoLocks);
    return Count;
}

} // namespace

// Prints every live thread of every process on PsActiveProcessHead, one line each, as
// seed 002's EnumThreads does; returns the number printed. At PASSIVE_LEVEL, or any
// IRQL with NoLocks.
extern "C" ULONG NTAPI KdpEnumThreadsEx(BOOLEAN NoLocks)
{
    DbgPrint("   TID KTHREAD StackBtm StackTop StackPtr UserTEB Process(PID)\n");
    ULONG Count = 0;
    PEPROCESS Process = NULL;
    for (ULONG Walked = 0; (Process = KdpNextProcess(Process, NoLocks)) && Walked < kMaximumWalk; Walked++)
        Count += KdpEnumThreadsOfProcess(Process, NoLocks);
    KdpEndProcessWalk(Process, NoLocks);
    return Count;
}

// KdpEnumThreadsEx with locks. At PASSIVE_LEVEL.
extern "C" ULONG NTAPI KdpEnumThreads(VOID)
{
    return KdpEnumThreadsEx(FALSE);
}

// thread (SoftICE's name for it): seed 002's EnumThreads table. At PASSIVE_LEVEL, or
// any IRQL with NoLocks.
extern "C" NTSTATUS NTAPI KdpEnumThreadsCommand(PKD_ARGUMENTS Arguments, BOOLEAN NoLocks)
{
    if (Arguments->Count) {
        DbgPrint("kd: usage: thread\n");
        return STATUS_INVALID_PARAMETER;
    }
    KdpEnumThreadsEx(NoLocks);
    return STATUS_SUCCESS;
}

// The thread after Thread in Process's thread list (the first for NULL), or NULL:
// referenced (and Thread dereferenced) with locks; the bare list without. At
// PASSIVE_LEVEL, or any IRQL with NoLocks.
extern "C" PETHREAD NTAPI KdpNextThread(PEPROCESS Process, PETHREAD Thread, BOOLEAN NoLocks)
{
    if (!NoLocks)
        return PsGetNextProcessThread(Process, Thread);
    PLIST_ENTRY Entry = Thread ? Thread->ThreadListEntry.Flink : Process->ThreadListHead.Flink;
    return (Entry && Entry != &Process->ThreadListHead) ? CONTAINING_RECORD(Entry, ETHREAD, ThreadListEntry) : NULL;
}

// The thread whose ETHREAD (= KTHREAD) address is Address, on the thread list of a
// live process: referenced with locks (KdpReleaseThread gives it back); NULL if there
// is none. At PASSIVE_LEVEL, or any IRQL with NoLocks.
extern "C" PETHREAD NTAPI KdpFindThread(ULONG64 Address, BOOLEAN NoLocks)
{
    PEPROCESS Process = NULL;
    for (ULONG Walked = 0; (Process = KdpNextProcess(Process, NoLocks)) && Walked < kMaximumWalk; Walked++) {
        PETHREAD Thread = NULL;
        for (ULONG Count = 0; (Thread = KdpNextThread(Process, Thread, NoLocks)) && Count < kMaximumWalk; Count++) {
            if ((ULONG64)(ULONG_PTR)Thread == Address) {
                KdpEndProcessWalk(Process, NoLocks);
                return Thread;
            }
        }
        KdpReleaseThread(Thread, NoLocks);
    }
    KdpEndProcessWalk(Process, NoLocks);
    return NULL;
}

// Gives back a thread KdpFindThread or KdpNextThread returned (NULL: nothing). At
// PASSIVE_LEVEL, or any IRQL with NoLocks.
extern "C" VOID NTAPI KdpReleaseThread(PETHREAD Thread, BOOLEAN NoLocks)
{
    if (Thread && !NoLocks)
        ObDereferenceObject(Thread);
}

// The one-line THREAD summary (!ready, !process): address, CID, TEB, state. Any IRQL.
extern "C" VOID NTAPI KdpDisplayThreadLine(PETHREAD Thread, PCSTR Indent)
{
    DbgPrint("%sTHREAD %p  Cid %04llx.%04llx  Teb: %p Win32Thread: %p ", Indent, (PVOID)Thread,
             (unsigned long long)(ULONG_PTR)Thread->Cid.UniqueProcess, (unsigned long long)(ULONG_PTR)Thread->Cid.UniqueThread,
             __atomic_load_n(&Thread->Tcb.Teb, __ATOMIC_RELAXED), Thread->Tcb.Win32Thread);
    KdpDisplayState(&Thread->Tcb);
}

// !thread's view of one thread: its line and wait objects, then as Flags asks the
// details and the saved stack; with locks under the dispatcher lock, so the state,
// wait blocks and stack agree. At PASSIVE_LEVEL, or any IRQL with NoLocks.
extern "C" VOID NTAPI KdpDisplayThread(PETHREAD Thread, ULONG Flags, BOOLEAN NoLocks)
{
    KIRQL OldIrql = NoLocks ? PASSIVE_LEVEL : KiAcquireDispatcherLock();
    KdpDisplayThreadLine(Thread, "");
    KdpDisplayWaitBlocks(&Thread->Tcb);
    if (Flags & KD_THREAD_DETAILS)
        KdpDisplayThreadDetails(Thread);
    if (Flags & KD_THREAD_STACK)
        KdpDisplayStack(&Thread->Tcb, NoLocks);
    if (!NoLocks)
        KiReleaseDispatcherLock(OldIrql);
}

// !thread [Address [Flags]]: the current thread without an address; Address must be
// a live thread. Flags (default 0x1f) 2: wait objects only, 4 adds the details, 0x10
// the stack. At PASSIVE_LEVEL, or any IRQL with NoLocks.
extern "C" NTSTATUS NTAPI KdpThreadCommand(PKD_ARGUMENTS Arguments, BOOLEAN NoLocks)
{
    if (Arguments->Count > 2 || (Arguments->Count > 0 && !Arguments->IsNumber[0]) ||
        (Arguments->Count > 1 && !Arguments->IsNumber[1])) {
        DbgPrint("kd: usage: !thread [Address [Flags]]\n");
        return STATUS_INVALID_PARAMETER;
    }
    ULONG64 Flags = Arguments->Count > 1 ? Arguments->Value[1] : 0x1F;
    ULONG ThreadFlags = ((Flags & 0x4) ? KD_THREAD_DETAILS : 0) | ((Flags & 0x10) ? KD_THREAD_STACK : 0);
    ULONG64 Address = Arguments->Count > 0 ? Arguments->Value[0] : 0;
    if (!Arguments->Count) {
        PKTHREAD Current = KdpCurrentThread();
        if (!Current) {
            DbgPrint("kd: no current thread\n");
            return STATUS_INVALID_PARAMETER;
        }
        Address = (ULONG64)(ULONG_PTR)CONTAINING_RECORD(Current, ETHREAD, Tcb);
    }
    PETHREAD Thread = KdpFindThread(Address, NoLocks);
    if (!Thread) {
        DbgPrint("kd: %llx is not a thread on a live process's thread list\n", (unsigned long long)Address);
        return STATUS_INVALID_PARAMETER;
    }
    KdpDisplayThread(Thread, ThreadFlags, NoLocks);
    KdpReleaseThread(Thread, NoLocks);
    return STATUS_SUCCESS;
}
