// procobj.cpp - the kernel process object.
#include "ke.h"

LIST_ENTRY KiProcessListHead;

// Initializes a KPROCESS: dispatcher header, thread list, base priority, affinity and
// quantum, without making it visible. Any IRQL, or on the host before boot.
extern "C" VOID NTAPI KiInitializeProcessObject(PKPROCESS Process, KPRIORITY Priority, KAFFINITY Affinity,
                                                PULONG_PTR DirectoryTableBase, BOOLEAN Enable)
{
    Process->Header.Type = ProcessObject;
    Process->Header.Size = sizeof(KPROCESS) / sizeof(ULONG);
    KiSetSignalState(&Process->Header, 0);
    InitializeListHead(&Process->Header.WaitListHead);
    InitializeListHead(&Process->ProfileListHead);
    InitializeListHead(&Process->ReadyListHead);
    InitializeListHead(&Process->ThreadListHead);
    Process->SwapListEntry.Next = NULL;
    KeInitializeSpinLock(&Process->ProcessLock);
    if (DirectoryTableBase) {
        Process->DirectoryTableBase[0] = DirectoryTableBase[0];
        Process->DirectoryTableBase[1] = DirectoryTableBase[1];
    }
    Process->Affinity = Affinity;
    Process->BasePriority = (SCHAR)Priority;
    Process->QuantumReset = THREAD_QUANTUM;
    Process->State = ProcessInMemory;
    Process->StackCount = 0;
    Process->AutoAlignment = Enable;
    Process->Flags.ExecuteDisable = TRUE;
}

// Initializes a KPROCESS and links it into the kernel's process list. At or below
// DISPATCH_LEVEL.
extern "C" VOID NTAPI KeInitializeProcess(PKPROCESS Process, KPRIORITY Priority, KAFFINITY Affinity,
                                          PULONG_PTR DirectoryTableBase, BOOLEAN Enable)
{
    KiInitializeProcessObject(Process, Priority, Affinity, DirectoryTableBase, Enable);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    InsertTailList(&KiProcessListHead, &Process->ProcessListEntry);
    KiReleaseDispatcherLock(OldIrql);
}

// Unlinks a process being deleted from the kernel's process list. At or below
// DISPATCH_LEVEL, once the process has no threads left.
extern "C" VOID NTAPI KiDeleteProcess(PKPROCESS Process)
{
    KIRQL OldIrql = KiAcquireDispatcherLock();
    ASSERT(IsListEmpty(&Process->ThreadListHead));
    RemoveEntryList(&Process->ProcessListEntry);
    KiReleaseDispatcherLock(OldIrql);
}

// Signals a process object (its last thread is exiting), waking its waiters with
// Increment; returns the previous state. At or below DISPATCH_LEVEL; Wait is
// accepted for NT's signature and ignored (the lock is always released here).
extern "C" LONG NTAPI KeSetProcess(PKPROCESS Process, KPRIORITY Increment, BOOLEAN Wait)
{
    ASSERT_PROCESS(Process);
    UNREFERENCED_PARAMETER(Wait);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    LONG OldState = KiSignalState(&Process->Header);
    KiSetSignalState(&Process->Header, 1);
    if (!OldState && !IsListEmpty(&Process->Header.WaitListHead))
        KiWaitTest(&Process->Header, Increment);
    KiReleaseDispatcherLock(OldIrql);
    return OldState;
}

namespace {

// Bugchecks an attach the current state forbids: from a DPC, or a second KeAttachProcess.
void KiCheckAttach(PKTHREAD Thread, PKPROCESS Process, BOOLEAN Nested)
{
    BOOLEAN InDpc = KeIsExecutingDpc();
    if (InDpc || (!Nested && Thread->ApcStateIndex != OriginalApcEnvironment))
        KeBugCheckEx(INVALID_PROCESS_ATTACH_ATTEMPT, reinterpret_cast<ULONG_PTR>(Process),
                     reinterpret_cast<ULONG_PTR>(Thread->ApcState.Process), Thread->ApcStateIndex, InDpc);
}

// Moves the thread into Process' context: its APC state is saved in SavedApcState
// (the thread's own on a first attach, the caller's when nested) and a fresh one
// begins. Entered at SYNCH_LEVEL with the APC lock held; releases it and returns at
// OldIrql.
void KiAttachProcess(PKTHREAD Thread, PKPROCESS Process, KIRQL OldIrql, PKAPC_STATE SavedApcState)
{
    KiAcquireDispatcherLockAtSynchLevel();
    Process->StackCount++;
    KiMoveApcState(&Thread->ApcState, SavedApcState);
    InitializeListHead(&Thread->ApcState.ApcListHead[KernelMode]);
    InitializeListHead(&Thread->ApcState.ApcListHead[UserMode]);
    KiSetKernelApcInProgress(Thread, FALSE);
    KiSetKernelApcPending(Thread, FALSE);
    Thread->ApcState.UserApcPending = FALSE;
    Thread->ApcState.Process = Process;
    if (SavedApcState == &Thread->SavedApcState) {
        Thread->ApcStatePointer[OriginalApcEnvironment] = &Thread->SavedApcState;
        Thread->ApcStatePointer[AttachedApcEnvironment] = &Thread->ApcState;
        Thread->ApcStateIndex = AttachedApcEnvironment;
    }
    KiReleaseDispatcherLockFromSynchLevel();
    KiReleaseApcLock(Thread, OldIrql);
}

// Returns the thread to the context SavedApcState holds, after checking the attached
// context has nothing left to run. Entered at SYNCH_LEVEL with the APC lock held;
// releases it, returns at OldIrql, and delivers APCs that were waiting for the return.
void KiDetachProcess(PKTHREAD Thread, KIRQL OldIrql, PKAPC_STATE SavedApcState)
{
    KiAcquireDispatcherLockAtSynchLevel();
    if (KiKernelApcInProgress(Thread) || !IsListEmpty(&Thread->ApcState.ApcListHead[KernelMode]) ||
        !IsListEmpty(&Thread->ApcState.ApcListHead[UserMode]))
        KeBugCheckEx(INVALID_PROCESS_DETACH_ATTEMPT, reinterpret_cast<ULONG_PTR>(Thread->ApcState.Process),
                     !IsListEmpty(&Thread->ApcState.ApcListHead[KernelMode]),
                     !IsListEmpty(&Thread->ApcState.ApcListHead[UserMode]), KiKernelApcInProgress(Thread));
    Thread->ApcState.Process->StackCount--;
    KiMoveApcState(SavedApcState, &Thread->ApcState);
    if (SavedApcState == &Thread->SavedApcState) {
        Thread->SavedApcState.Process = NULL;
        Thread->ApcStatePointer[OriginalApcEnvironment] = &Thread->ApcState;
        Thread->ApcStatePointer[AttachedApcEnvironment] = &Thread->SavedApcState;
        Thread->ApcStateIndex = OriginalApcEnvironment;
    }
    BOOLEAN KernelApcQueued = !IsListEmpty(&Thread->ApcState.ApcListHead[KernelMode]);
    if (KernelApcQueued)
        KiSetKernelApcPending(Thread, TRUE);
    KiReleaseDispatcherLockFromSynchLevel();
    KiReleaseApcLock(Thread, OldIrql);
    if (KernelApcQueued)
        HalRequestSoftwareInterrupt(APC_LEVEL);
}

// Delivers the kernel APCs queued in the attached context before it ends, when the
// thread can take them now (PASSIVE_LEVEL, no guarded region).
void KiDeliverBeforeDetach(PKTHREAD Thread)
{
    if (KiGetCurrentIrql() == PASSIVE_LEVEL && !KiSpecialApcDisable(Thread) && KiKernelApcQueued(Thread))
        KiCheckForKernelApcDelivery();
}

} // namespace

// Whether the current processor is running DPCs. Any IRQL.
extern "C" BOOLEAN NTAPI KeIsExecutingDpc(VOID)
{
    return KiGetCurrentPrcb()->DpcRoutineActive != 0;
}

// Whether the current thread is attached to another process. Any IRQL.
extern "C" BOOLEAN NTAPI KeIsAttachedProcess(VOID)
{
    return KiGetCurrentThread()->ApcStateIndex != OriginalApcEnvironment;
}

// Attaches the current thread to Process until KeDetachProcess; attaching to its own
// process does nothing, attaching twice bugchecks. At or below DISPATCH_LEVEL.
extern "C" VOID NTAPI KeAttachProcess(PKPROCESS Process)
{
    ASSERT_PROCESS(Process);
    PKTHREAD Thread = KiGetCurrentThread();
    if (Thread->ApcState.Process == Process)
        return;
    KiCheckAttach(Thread, Process, FALSE);
    KIRQL OldIrql = KiAcquireApcLockRaiseToSynch(Thread);
    KiAttachProcess(Thread, Process, OldIrql, &Thread->SavedApcState);
}

// Ends a KeAttachProcess; a no-op when not attached. At or below DISPATCH_LEVEL.
extern "C" VOID NTAPI KeDetachProcess(VOID)
{
    PKTHREAD Thread = KiGetCurrentThread();
    if (Thread->ApcStateIndex == OriginalApcEnvironment)
        return;
    KiDeliverBeforeDetach(Thread);
    KIRQL OldIrql = KiAcquireApcLockRaiseToSynch(Thread);
    KiDetachProcess(Thread, OldIrql, &Thread->SavedApcState);
}

// Attaches the current thread to Process, nesting: the state it leaves is kept in the
// caller's ApcState for KeUnstackDetachProcess. At or below DISPATCH_LEVEL.
extern "C" VOID NTAPI KeStackAttachProcess(PRKPROCESS Process, PRKAPC_STATE ApcState)
{
    ASSERT_PROCESS(Process);
    PKTHREAD Thread = KiGetCurrentThread();
    KiCheckAttach(Thread, Process, TRUE);
    KIRQL OldIrql = KiAcquireApcLockRaiseToSynch(Thread);
    if (Thread->ApcState.Process == Process) {
        ApcState->Process = reinterpret_cast<PKPROCESS>(1); // nothing to undo
        KiReleaseApcLock(Thread, OldIrql);
    } else if (Thread->ApcStateIndex != OriginalApcEnvironment) {
        KiAttachProcess(Thread, Process, OldIrql, ApcState);
    } else {
        KiAttachProcess(Thread, Process, OldIrql, &Thread->SavedApcState);
        ApcState->Process = NULL;
    }
}

// Undoes the KeStackAttachProcess that filled ApcState. At or below DISPATCH_LEVEL.
extern "C" VOID NTAPI KeUnstackDetachProcess(PRKAPC_STATE ApcState)
{
    if (ApcState->Process == reinterpret_cast<PKPROCESS>(1))
        return;
    PKTHREAD Thread = KiGetCurrentThread();
    KiDeliverBeforeDetach(Thread);
    KIRQL OldIrql = KiAcquireApcLockRaiseToSynch(Thread);
    if (Thread->ApcStateIndex == OriginalApcEnvironment)
        KeBugCheckEx(INVALID_PROCESS_DETACH_ATTEMPT, reinterpret_cast<ULONG_PTR>(ApcState),
                     reinterpret_cast<ULONG_PTR>(Thread->ApcState.Process), Thread->ApcStateIndex, 0);
    KiDetachProcess(Thread, OldIrql, ApcState->Process ? ApcState : &Thread->SavedApcState);
}

// Returns a process's kernel time, and its user time in *UserTime, in clock ticks: its
// ended threads' (KeTerminateThread adds them) and its live threads'. At or below
// DISPATCH_LEVEL.
extern "C" ULONG NTAPI KeQueryRuntimeProcess(PKPROCESS Process, PULONG UserTime)
{
    ASSERT_PROCESS(Process);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    ULONG Kernel = Process->KernelTime, User = Process->UserTime;
    for (PLIST_ENTRY Entry = Process->ThreadListHead.Flink; Entry != &Process->ThreadListHead; Entry = Entry->Flink) {
        ULONG ThreadUser;
        Kernel += KeQueryRuntimeThread(CONTAINING_RECORD(Entry, KTHREAD, ThreadListEntry), &ThreadUser);
        User += ThreadUser;
    }
    KiReleaseDispatcherLock(OldIrql);
    *UserTime = User;
    return Kernel;
}

// Sets a process' base priority (and quantum, if not 0), moving its threads' bases
// within the new class; returns the old one. At or below DISPATCH_LEVEL.
extern "C" KPRIORITY NTAPI KeSetPriorityAndQuantumProcess(PKPROCESS Process, KPRIORITY Priority, UCHAR Quantum)
{
    ASSERT_PROCESS(Process);
    ASSERT(Priority >= LOW_PRIORITY && Priority <= HIGH_PRIORITY);
    if (Process->BasePriority == Priority)
        return Priority;
    if (Priority == LOW_PRIORITY)
        Priority = LOW_PRIORITY + 1;
    KIRQL OldIrql = KeRaiseIrqlToSynchLevel();
    KeAcquireSpinLockAtDpcLevel(&Process->ProcessLock);
    KiAcquireDispatcherLockAtSynchLevel();
    if (Quantum)
        Process->QuantumReset = (SCHAR)Quantum;
    KPRIORITY OldPriority = Process->BasePriority;
    Process->BasePriority = (SCHAR)Priority;
    BOOLEAN Realtime = Priority >= LOW_REALTIME_PRIORITY;
    BOOLEAN WasRealtime = OldPriority >= LOW_REALTIME_PRIORITY;
    KPRIORITY Low = Realtime ? LOW_REALTIME_PRIORITY : LOW_PRIORITY + 1;
    KPRIORITY High = Realtime ? HIGH_PRIORITY : LOW_REALTIME_PRIORITY - 1;
    for (PLIST_ENTRY Entry = Process->ThreadListHead.Flink; Entry != &Process->ThreadListHead; Entry = Entry->Flink) {
        PKTHREAD Thread = CONTAINING_RECORD(Entry, KTHREAD, ThreadListEntry);
        KiAcquireThreadLock(Thread);
        if (Quantum)
            Thread->QuantumReset = Quantum;
        if (!Thread->Saturation || Realtime != WasRealtime) {
            KPRIORITY NewPriority = KiClampPriority(Thread->BasePriority + Priority - OldPriority, Low, High);
            if (Thread->Saturation)
                NewPriority = Thread->Saturation > 0 ? High : Low;
            Thread->BasePriority = (SCHAR)NewPriority;
            Thread->PriorityDecrement = 0;
            KiSetPriorityThread(Thread, NewPriority);
        }
        KiReleaseThreadLock(Thread);
    }
    KiReleaseDispatcherLockFromSynchLevel();
    KeReleaseSpinLockFromDpcLevel(&Process->ProcessLock);
    KiExitDispatcher(OldIrql);
    return OldPriority;
}
