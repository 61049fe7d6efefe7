// psmgr.cpp - the process manager's start: the Process and Thread object types, the
// CID table, the reaper, the System process; and (hosted) its stop at shutdown.
#include "ke.h"
#include "ex.h"
#include "ob.h"
#include "ps.h"

POBJECT_TYPE PspProcessType;
POBJECT_TYPE PspThreadType;
POBJECT_TYPE *PsProcessType = &PspProcessType;
POBJECT_TYPE *PsThreadType = &PspThreadType;
PEPROCESS PsInitialSystemProcess;
PHANDLE_TABLE PspCidTable;
LIST_ENTRY PsActiveProcessHead;
KGUARDED_MUTEX PspActiveProcessMutex;
SINGLE_LIST_ENTRY PspReaperListHead;
WORK_QUEUE_ITEM PspReaperWorkItem;
volatile LONG PspCidFailuresLeft;

GENERIC_MAPPING PspProcessMapping = {
    STANDARD_RIGHTS_READ | PROCESS_VM_READ | PROCESS_QUERY_INFORMATION,
    STANDARD_RIGHTS_WRITE | PROCESS_CREATE_PROCESS | PROCESS_CREATE_THREAD | PROCESS_VM_OPERATION | PROCESS_VM_WRITE |
        PROCESS_DUP_HANDLE | PROCESS_TERMINATE | PROCESS_SET_QUOTA | PROCESS_SET_INFORMATION | PROCESS_SUSPEND_RESUME,
    STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE, PROCESS_ALL_ACCESS};

GENERIC_MAPPING PspThreadMapping = {
    STANDARD_RIGHTS_READ | THREAD_GET_CONTEXT | THREAD_QUERY_INFORMATION,
    STANDARD_RIGHTS_WRITE | THREAD_TERMINATE | THREAD_SUSPEND_RESUME | THREAD_ALERT | THREAD_SET_INFORMATION |
        THREAD_SET_CONTEXT,
    STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE, THREAD_ALL_ACCESS};

namespace {

// Creates a ps object type: nonpaged, waitable on its own dispatcher header, with
// security required, as NT makes "Process" and "Thread".
NTSTATUS PspCreateObjectType(PCWSTR TypeName, PGENERIC_MAPPING Mapping, ACCESS_MASK ValidAccess, ULONG BodySize,
                             OB_DELETE_METHOD DeleteProcedure, POBJECT_TYPE *Type)
{
    OBJECT_TYPE_INITIALIZER Initializer{};
    Initializer.Length = sizeof(Initializer);
    Initializer.PoolType = NonPagedPool;
    Initializer.SecurityRequired = TRUE;
    Initializer.DefaultNonPagedPoolCharge = BodySize;
    Initializer.GenericMapping = *Mapping;
    Initializer.ValidAccessMask = ValidAccess;
    Initializer.DeleteProcedure = DeleteProcedure;
    UNICODE_STRING Name;
    RtlInitUnicodeString(&Name, TypeName);
    return ObCreateObjectType(&Name, &Initializer, NULL, Type);
}

// Creates the System process and keeps it in PsInitialSystemProcess; the calling
// thread attaches to it, so it works in the System process's context from here on.
NTSTATUS PspCreateSystemProcess()
{
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    HANDLE Handle;
    NTSTATUS Status = PspCreateProcess(&Handle, PROCESS_ALL_ACCESS, &Attributes, NULL, 0, NULL, NULL, NULL, FALSE);
    if (!NT_SUCCESS(Status))
        return Status;
    PEPROCESS Process;
    Status = ObReferenceObjectByHandle(Handle, 0, PspProcessType, KernelMode, reinterpret_cast<PVOID *>(&Process), NULL);
    ObCloseHandle(Handle, KernelMode);
    if (!NT_SUCCESS(Status))
        return Status;
    RtlCopyMemory(Process->ImageFileName, "System", 7);
    PsInitialSystemProcess = Process;
    // The attached host request thread counts as one of its threads: the System
    // process never sees its last thread exit (NT's phase 1 thread never ends).
    Process->ActiveThreads = 1;
    KeAttachProcess(&Process->Pcb);
    return STATUS_SUCCESS;
}

// Counts the threads of the System process that have not terminated: at shutdown,
// each is a thread a test left running or waiting.
ULONG PspCountLiveSystemThreads()
{
    PEPROCESS Process = PsInitialSystemProcess;
    ULONG Alive = 0;
    PspLockProcessExclusive(Process);
    for (PLIST_ENTRY Entry = Process->ThreadListHead.Flink; Entry != &Process->ThreadListHead; Entry = Entry->Flink) {
        PETHREAD Thread = CONTAINING_RECORD(Entry, ETHREAD, ThreadListEntry);
        if (!KeReadStateThread(&Thread->Tcb))
            Alive++;
    }
    PspUnlockProcessExclusive(Process);
    return Alive;
}

// Whether some thread has been asked to terminate (its Terminated flag is set) but has
// not yet finished exiting: a process is signalled before its last thread is done.
BOOLEAN PspAnyThreadExiting()
{
    BOOLEAN Exiting = FALSE;
    for (PEPROCESS Process = PsGetNextProcess(NULL); Process; Process = PsGetNextProcess(Process)) {
        for (PETHREAD Thread = PsGetNextProcessThread(Process, NULL); Thread;
             Thread = PsGetNextProcessThread(Process, Thread))
            if ((__atomic_load_n(&Thread->CrossThreadFlags, __ATOMIC_ACQUIRE) & PS_CROSS_THREAD_FLAGS_TERMINATED) &&
                KiGetThreadState(&Thread->Tcb) != Terminated)
                Exiting = TRUE;
    }
    return Exiting;
}

} // namespace

// Starts the process manager: the notify routine slots, the reaper, the process list,
// the Process and Thread types, the CID table and the System process. At
// PASSIVE_LEVEL on the host request thread, after the object manager and security.
extern "C" NTSTATUS NTAPI PsInitSystem(VOID)
{
    PspInitializeNotifyRoutines();
    PspReaperListHead.Next = NULL;
    ExInitializeWorkItem(&PspReaperWorkItem, PspReapRoutine, NULL);
    InitializeListHead(&PsActiveProcessHead);
    KeInitializeGuardedMutex(&PspActiveProcessMutex);
    NTSTATUS Status = PspCreateObjectType(L"Process", &PspProcessMapping, PROCESS_ALL_ACCESS, sizeof(EPROCESS),
                                          PspDeleteProcess, &PspProcessType);
    if (NT_SUCCESS(Status))
        Status = PspCreateObjectType(L"Thread", &PspThreadMapping, THREAD_ALL_ACCESS, sizeof(ETHREAD),
                                     PspDeleteThread, &PspThreadType);
    if (!NT_SUCCESS(Status))
        return Status;
    PspInjectCidFailures(0);
    PspCidTable = ExCreateHandleTable(NULL);
    if (!PspCidTable)
        return STATUS_INSUFFICIENT_RESOURCES;
    ExRemoveHandleTable(PspCidTable);
    return PspCreateSystemProcess();
}

// Lets threads that are already exiting finish (for at most 10 s of interrupt time),
// so that shutdown reports only threads left running. At PASSIVE_LEVEL, at shutdown
// before the worker threads go.
extern "C" VOID NTAPI PspWaitForExitingThreads(VOID)
{
    LARGE_INTEGER Interval;
    Interval.QuadPart = -10 * 1000; // 1 ms
    ULONG64 GiveUp = KeQueryInterruptTime() + 10ULL * 1000 * 1000 * 10;
    while (PspAnyThreadExiting() && KeQueryInterruptTime() < GiveUp)
        KeDelayExecutionThread(KernelMode, FALSE, &Interval);
}

// Stops the process manager at shutdown, once the worker threads are gone: reaps what
// is left, detaches the calling thread and lets the System process go (its handle
// table is the kernel's, which the object manager takes down). Returns the number of
// leaks: System threads that never terminated and notify routines never removed. At
// PASSIVE_LEVEL on the host request thread.
extern "C" ULONG NTAPI PspShutdownSystem(VOID)
{
    PEPROCESS Process = PsInitialSystemProcess;
    if (!Process)
        return 0;
    PspReapRoutine(NULL);
    ULONG Alive = PspCountLiveSystemThreads();
    if (Alive)
        DbgPrint("NtosShutdown: %u thread(s) had not terminated\n", Alive);
    ULONG Routines = PspShutdownNotifyRoutines();
    KeDetachProcess();
    Process->ActiveThreads--;
    Process->ObjectTable = NULL;
    PsInitialSystemProcess = NULL;
    ObDereferenceObject(Process);
    return Alive + Routines;
}

// Makes the next Count CID allocations fail as a full CID table would; 0 ends the
// injection. For the fuzzer, to reach the creation paths' CID failures. Any IRQL.
extern "C" VOID NTAPI PspInjectCidFailures(ULONG Count)
{
    __atomic_store_n(&PspCidFailuresLeft, (LONG)Count, __ATOMIC_RELEASE);
}

// Gives Object (a process or thread) a CID in PspCidTable; NULL when the table is
// full or an injected failure takes this allocation. At PASSIVE_LEVEL.
extern "C" HANDLE NTAPI PspCreateCidHandle(PVOID Object)
{
    LONG Left = __atomic_load_n(&PspCidFailuresLeft, __ATOMIC_ACQUIRE);
    while (Left > 0) {
        if (__atomic_compare_exchange_n(&PspCidFailuresLeft, &Left, Left - 1, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return NULL;
    }
    HANDLE_TABLE_ENTRY CidEntry{};
    CidEntry.Object = Object;
    CidEntry.GrantedAccess = 0;
    return ExCreateHandle(PspCidTable, &CidEntry);
}

// Destroys the CID table once every process and thread object is gone (objects still
// alive are the object manager's leak report). At PASSIVE_LEVEL at shutdown.
extern "C" VOID NTAPI PspDeleteCidTable(VOID)
{
    if (!PspCidTable)
        return;
    ExDestroyHandleTable(PspCidTable, NULL);
    PspCidTable = NULL;
}

// The System process and its threads when the kernel could not shut down (a
// deadlocked machine): reported, and kept reachable for the leak checkers as the object
// manager's globals keep the other abandoned objects.
static PEPROCESS volatile PspAbandonedSystemProcess;

// After the machine stopped: if the kernel's own shutdown never ran, counts the System
// threads that never terminated, frees their kernel stacks (their fibers never resume)
// and abandons the process. Returns that count. On the host.
extern "C" ULONG NTAPI PspAbandonSystem(VOID)
{
    PEPROCESS Process = PsInitialSystemProcess;
    PspReaperListHead.Next = NULL;
    if (!Process)
        return 0;
    ULONG Alive = 0;
    for (PLIST_ENTRY Entry = Process->ThreadListHead.Flink; Entry != &Process->ThreadListHead; Entry = Entry->Flink) {
        PETHREAD Thread = CONTAINING_RECORD(Entry, ETHREAD, ThreadListEntry);
        if (Thread->Tcb.State != Terminated)
            Alive++;
        if (Thread->Tcb.InitialStack)
            KeUninitThread(&Thread->Tcb);
    }
    DbgPrint("NtosShutdown: the machine stopped with %u thread(s) not terminated\n", Alive);
    PspAbandonedSystemProcess = Process;
    PsInitialSystemProcess = NULL;
    return Alive;
}
