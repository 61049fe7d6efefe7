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

// Sets a process' base priority (and quantum, if not 0), moving its threads' bases
// within the new class; returns the old one. At or below DISPATCH_LEVEL.
extern "C" KPRIORITY NTAPI KeSetPriorityAndQuantumProcess(PKPROCESS Process, KPRIORITY Priority, UCHAR Quantum)
{
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
