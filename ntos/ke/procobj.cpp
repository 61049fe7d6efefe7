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
