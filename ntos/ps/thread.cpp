// thread.cpp - system threads: their start-up routine, and (until the object manager
// and PspCreateThread exist) the creation of a bare system thread in the System
// process.
#include "ke.h"
#include "ps.h"

#define TAG_THREAD 'erhT'

// The system routine of every system thread: drops to PASSIVE_LEVEL, runs the start
// routine unless the thread was killed before it ran, and terminates the thread. At
// APC_LEVEL on entry.
extern "C" VOID NTAPI PspSystemThreadStartup(PKSTART_ROUTINE StartRoutine, PVOID StartContext)
{
    KeLowerIrql(PASSIVE_LEVEL);
    PETHREAD Thread = PsGetCurrentThread();
    if (!Thread->Terminated && !Thread->DeadThread)
        StartRoutine(StartContext);
    // PspTerminateThreadByPointer(Thread, STATUS_SUCCESS, TRUE) once ps' exit path exists.
    Thread->ExitStatus = STATUS_SUCCESS;
    KeRundownThread();
    KeTerminateThread(0);
}

// Creates a system thread of the System process and readies it: an ETHREAD from
// pool, initialized and started by ke. Interim: no CID, no handle, no object header;
// PspCreateThread replaces it. At PASSIVE_LEVEL (or in phase 0).
extern "C" NTSTATUS NTAPI PspCreateSystemThreadObject(PKSTART_ROUTINE StartRoutine, PVOID StartContext,
                                                      PETHREAD *ThreadOut)
{
    PEPROCESS Process = PsInitialSystemProcess;
    auto *Thread = static_cast<PETHREAD>(ExAllocatePoolWithTag(NonPagedPool, sizeof(ETHREAD), TAG_THREAD));
    if (!Thread)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(Thread, sizeof(ETHREAD));
    Thread->ExitStatus = STATUS_PENDING;
    Thread->ThreadsProcess = Process;
    Thread->StartAddress = reinterpret_cast<PVOID>(StartRoutine);
    Thread->SystemThread = TRUE;
    InitializeListHead(&Thread->IrpList);
    InitializeListHead(&Thread->PostBlockList);
    InitializeListHead(&Thread->ActiveTimerListHead);
    NTSTATUS Status = KeInitThread(&Thread->Tcb, NULL, PspSystemThreadStartup, StartRoutine, StartContext, NULL,
                                   NULL, &Process->Pcb);
    if (!NT_SUCCESS(Status)) {
        ExFreePoolWithTag(Thread, TAG_THREAD);
        return Status;
    }
    KIRQL OldIrql = KeAcquireSpinLockRaiseToDpc(&Process->Pcb.ProcessLock);
    InsertTailList(&Process->ThreadListHead, &Thread->ThreadListEntry);
    Process->ActiveThreads++;
    KeReleaseSpinLock(&Process->Pcb.ProcessLock, OldIrql);
    KeStartThread(&Thread->Tcb);
    KeQuerySystemTime(&Thread->CreateTime);
    *ThreadOut = Thread;
    KeReadyThread(&Thread->Tcb);
    return STATUS_SUCCESS;
}

// Frees a thread made by PspCreateSystemThreadObject after it terminated and was
// reaped (its stack is gone). At PASSIVE_LEVEL, or on the host after the machine
// stopped.
extern "C" VOID NTAPI PspDeleteSystemThreadObject(PETHREAD Thread)
{
    PEPROCESS Process = Thread->ThreadsProcess;
    RemoveEntryList(&Thread->ThreadListEntry);
    Process->ActiveThreads--;
    if (Thread->Tcb.StackBase)
        KeUninitThread(&Thread->Tcb);
    ExFreePoolWithTag(Thread, TAG_THREAD);
}

// Returns the current thread's executive thread object. Any IRQL.
extern "C" PETHREAD NTAPI PsGetCurrentThread(VOID)
{
    return CONTAINING_RECORD(KeGetCurrentThread(), ETHREAD, Tcb);
}

// Returns the process the current thread runs in (its attached process). Any IRQL.
extern "C" PEPROCESS NTAPI PsGetCurrentProcess(VOID)
{
    return CONTAINING_RECORD(KeGetCurrentThread()->ApcState.Process, EPROCESS, Pcb);
}
