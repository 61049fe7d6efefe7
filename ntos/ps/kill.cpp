// kill.cpp - thread and process termination as NT does it: the request
// (PspTerminateThreadByPointer and its two-stage exit APC), the exit itself
// (PspExitThread, PspExitProcess), the reaper that frees dead threads' stacks, and the
// delete procedures of the Process and Thread types.
#include "ke.h"
#include "ex.h"
#include "mm.h"
#include "ob.h"
#include "ps.h"

namespace {

// Walks a headless list KeFlushQueueApc returned, running each APC's rundown routine
// or freeing it. At PASSIVE_LEVEL.
VOID PspRundownApcList(PLIST_ENTRY First)
{
    if (!First)
        return;
    PLIST_ENTRY Entry = First;
    do {
        PKAPC Apc = CONTAINING_RECORD(Entry, KAPC, ApcListEntry);
        Entry = Entry->Flink;
        if (Apc->RundownRoutine)
            Apc->RundownRoutine(Apc);
        else
            ExFreePool(Apc);
    } while (Entry != First);
}

// The last thread of a process waits here until every other thread of it has
// terminated (its object is signalled), dropping the process lock around each wait.
// Entered and left with the process lock held. At PASSIVE_LEVEL.
VOID PspWaitForOtherThreads(PEPROCESS Process, PETHREAD Self)
{
    PETHREAD Waited = NULL;
    for (;;) {
        PETHREAD Other = NULL;
        for (PLIST_ENTRY Entry = Process->ThreadListHead.Flink; Entry != &Process->ThreadListHead;
             Entry = Entry->Flink) {
            PETHREAD Thread = CONTAINING_RECORD(Entry, ETHREAD, ThreadListEntry);
            if (Thread != Self && !KeReadStateThread(&Thread->Tcb) && ObReferenceObjectSafe(Thread)) {
                Other = Thread;
                break;
            }
        }
        if (!Other)
            break;
        PspUnlockProcessExclusive(Process);
        if (Waited)
            ObDereferenceObject(Waited);
        KeWaitForSingleObject(&Other->Tcb, Executive, KernelMode, FALSE, NULL);
        Waited = Other;
        PspLockProcessExclusive(Process);
    }
    if (Waited) {
        PspUnlockProcessExclusive(Process);
        ObDereferenceObject(Waited);
        PspLockProcessExclusive(Process);
    }
}

// Takes the current thread out of its process's active count; for the last thread,
// marks the process deleted, settles its exit status and waits for the others to end.
// Returns whether this is the last thread. At PASSIVE_LEVEL.
BOOLEAN PspLeaveProcess(PEPROCESS Process, PETHREAD Thread, NTSTATUS ExitStatus)
{
    BOOLEAN Last = FALSE;
    PspLockProcessExclusive(Process);
    if (--Process->ActiveThreads == 0) {
        PspSetProcessFlag(Process, PSF_PROCESS_DELETE_BIT);
        Last = TRUE;
        if (ExitStatus == STATUS_THREAD_IS_TERMINATING) {
            if (Process->ExitStatus == STATUS_PENDING)
                Process->ExitStatus = Process->LastThreadExitStatus;
        } else {
            Process->ExitStatus = ExitStatus;
        }
        PspWaitForOtherThreads(Process, Thread);
    } else if (ExitStatus != STATUS_THREAD_IS_TERMINATING) {
        Process->LastThreadExitStatus = ExitStatus;
    }
    PspUnlockProcessExclusive(Process);
    return Last;
}

// A critical thread or process (BreakOnTermination) is being terminated: with no
// debugger to break into, the stop NT takes, naming the object (Type 3 = process,
// 6 = thread). Does not return.
DECLSPEC_NORETURN VOID PspCatchCriticalBreak(PVOID Object, ULONG Type, PEPROCESS Process)
{
    static const char Message[] = "Terminating critical object";
    KeBugCheckEx(CRITICAL_OBJECT_TERMINATION, Type, reinterpret_cast<ULONG_PTR>(Object),
                 reinterpret_cast<ULONG_PTR>(Process->ImageFileName), reinterpret_cast<ULONG_PTR>(Message));
}

// Asks every thread of Process but the caller to terminate. Returns
// STATUS_NOTHING_TO_TERMINATE when the process has no thread at all. At PASSIVE_LEVEL.
NTSTATUS PspTerminateOtherThreads(PEPROCESS Process, NTSTATUS ExitStatus)
{
    NTSTATUS Status = STATUS_NOTHING_TO_TERMINATE;
    PETHREAD Self = PsGetCurrentThread();
    for (PETHREAD Thread = PsGetNextProcessThread(Process, NULL); Thread;
         Thread = PsGetNextProcessThread(Process, Thread)) {
        Status = STATUS_SUCCESS;
        if (Thread != Self)
            PspTerminateThreadByPointer(Thread, ExitStatus, FALSE);
    }
    return Status;
}

// Frees what a user thread kept in user mode once it has left it for good: its user
// side, its user stack when the thread asked for that by exiting itself
// (FreeStackOnTermination, as kernel32's ExitThread sets it), and its TEB. At
// PASSIVE_LEVEL, in the exiting thread.
VOID PspDeleteUserThreadState(PETHREAD Thread, PEPROCESS Process)
{
    auto *Teb = static_cast<PTEB>(Thread->Tcb.Teb);
    if (!Teb)
        return;
    KiDeleteUserContext(&Thread->Tcb);
    if (!Thread->DeadThread && Teb->FreeStackOnTermination) {
        PVOID Base = Teb->DeallocationStack;
        SIZE_T Size = 0;
        ZwFreeVirtualMemory(NtCurrentProcess(), &Base, &Size, MEM_RELEASE);
    }
    MmDeleteTeb(Process, Teb);
    __atomic_store_n(&Thread->Tcb.Teb, nullptr, __ATOMIC_RELAXED);
}

} // namespace

// Frees the kernel stacks of the threads KeTerminateThread put on the reaper list, once
// each one's final switch has left its stack, and drops each thread's keep-alive
// reference. Runs as a work item, and directly at shutdown. At PASSIVE_LEVEL.
extern "C" VOID NTAPI PspReapRoutine(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    for (;;) {
        auto *Link = static_cast<PSINGLE_LIST_ENTRY>(InterlockedExchangePointer(
            reinterpret_cast<PVOID volatile *>(&PspReaperListHead.Next), PSP_REAPER_ACTIVE));
        while (Link && Link != PSP_REAPER_ACTIVE) {
            PETHREAD Thread = CONTAINING_RECORD(reinterpret_cast<PETHREAD *>(Link), ETHREAD, ReaperLink);
            Link = Link->Next;
            while (__atomic_load_n(&Thread->Tcb.SwapBusy, __ATOMIC_ACQUIRE))
                KeYieldProcessor();
            MmDeleteKernelStack(Thread->Tcb.StackBase, FALSE);
            Thread->Tcb.InitialStack = NULL;
            Thread->Tcb.StackBase = NULL;
            ObDereferenceObject(Thread);
        }
        if (InterlockedCompareExchangePointer(reinterpret_cast<PVOID volatile *>(&PspReaperListHead.Next), NULL,
                                              PSP_REAPER_ACTIVE) == PSP_REAPER_ACTIVE)
            return;
    }
}

// Asks a thread to terminate with ExitStatus. The current thread (or bSelf) exits at
// once; another thread gets its Terminated flag, the exit APC, a forced resume and a
// kernel-mode alert (Windows' termination request, so cancellable waits end with
// STATUS_THREAD_IS_TERMINATING). System threads end only themselves
// (STATUS_ACCESS_DENIED). At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI PspTerminateThreadByPointer(PETHREAD Thread, NTSTATUS ExitStatus, BOOLEAN bSelf)
{
    if (Thread->BreakOnTermination)
        PspCatchCriticalBreak(Thread, 6, Thread->ThreadsProcess);
    if (bSelf || Thread == PsGetCurrentThread()) {
        ASSERT(KeGetCurrentIrql() == PASSIVE_LEVEL);
        PspSetCrossThreadFlag(Thread, PS_CROSS_THREAD_FLAGS_TERMINATED);
        PspExitThread(ExitStatus);
    }
    if (Thread->SystemThread)
        return STATUS_ACCESS_DENIED;
    auto *Apc = static_cast<PKAPC>(ExAllocatePoolWithTag(NonPagedPool, sizeof(KAPC), TAG_TERMINATE_APC));
    if (!Apc)
        return STATUS_INSUFFICIENT_RESOURCES;
    ULONG Previous = (ULONG)InterlockedOr((PLONG)&Thread->CrossThreadFlags, PS_CROSS_THREAD_FLAGS_TERMINATED);
    if (Previous & PS_CROSS_THREAD_FLAGS_TERMINATED) {
        ExFreePoolWithTag(Apc, TAG_TERMINATE_APC);
        return STATUS_SUCCESS;
    }
    KeInitializeApc(Apc, &Thread->Tcb, OriginalApcEnvironment, PsExitSpecialApc, PspExitApcRundown, PspExitNormalApc,
                    KernelMode, reinterpret_cast<PVOID>(static_cast<LONG_PTR>(ExitStatus)));
    if (!KeInsertQueueApc(Apc, Apc, NULL, 2)) {
        ExFreePoolWithTag(Apc, TAG_TERMINATE_APC);
        return STATUS_UNSUCCESSFUL;
    }
    KeForceResumeThread(&Thread->Tcb);
    KeAlertThread(&Thread->Tcb, KernelMode);
    return STATUS_SUCCESS;
}

// The exit APC's kernel routine. Its kernel-mode stage does nothing (the normal
// routine re-queues it for user mode); its user-mode stage, on the way back to user
// mode, frees it and exits the thread. At APC_LEVEL.
extern "C" VOID NTAPI PsExitSpecialApc(PKAPC Apc, PKNORMAL_ROUTINE *NormalRoutine, PVOID *NormalContext,
                                       PVOID *SystemArgument1, PVOID *SystemArgument2)
{
    UNREFERENCED_PARAMETER(NormalRoutine);
    UNREFERENCED_PARAMETER(SystemArgument1);
    if (!*SystemArgument2)
        return;
    NTSTATUS ExitStatus = static_cast<NTSTATUS>(reinterpret_cast<LONG_PTR>(Apc->NormalContext));
    ExFreePoolWithTag(Apc, TAG_TERMINATE_APC);
    UNREFERENCED_PARAMETER(NormalContext);
    PspExitThread(ExitStatus);
}

// The exit APC's rundown routine (the thread exits another way first): frees it.
extern "C" VOID NTAPI PspExitApcRundown(PKAPC Apc)
{
    ExFreePoolWithTag(Apc, TAG_TERMINATE_APC);
}

// The exit APC's normal routine, in the target thread at PASSIVE_LEVEL: queues the same
// APC again as a user-mode APC, so the thread dies when it next returns to user mode.
extern "C" VOID NTAPI PspExitNormalApc(PVOID NormalContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    auto *Apc = static_cast<PKAPC>(SystemArgument1);
    PETHREAD Thread = PsGetCurrentThread();
    KeInitializeApc(Apc, &Thread->Tcb, OriginalApcEnvironment, PsExitSpecialApc, PspExitApcRundown, PspExitNormalApc,
                    UserMode, NormalContext);
    PVOID Stage = reinterpret_cast<PVOID>(reinterpret_cast<ULONG_PTR>(SystemArgument2) | 1);
    if (!KeInsertQueueApc(Apc, Apc, Stage, 2))
        ExFreePoolWithTag(Apc, TAG_TERMINATE_APC);
    else
        Thread->Tcb.ApcState.UserApcPending = TRUE;
}

// Ends the current thread, in NT's order: checks, the rundown of its users, the exit
// notify routines, the process's accounting (the last thread takes the process down:
// PspExitProcess, ObKillProcess), its timers' APCs cancelled, mutants abandoned, no
// more APCs, the process and then the thread signalled, KeTerminateThread. Never
// returns. At PASSIVE_LEVEL (lowers).
extern "C" VOID NTAPI PspExitThread(NTSTATUS ExitStatus)
{
    PETHREAD Thread = PsGetCurrentThread();
    PEPROCESS Process = Thread->ThreadsProcess;
    if (KeIsAttachedProcess())
        KeBugCheckEx(INVALID_PROCESS_ATTACH_ATTEMPT, reinterpret_cast<ULONG_PTR>(Process),
                     reinterpret_cast<ULONG_PTR>(Thread->Tcb.ApcState.Process), Thread->Tcb.ApcStateIndex,
                     reinterpret_cast<ULONG_PTR>(Thread));
    KeLowerIrql(PASSIVE_LEVEL);
    if (Thread->ActiveExWorker)
        KeBugCheckEx(ACTIVE_EX_WORKER_THREAD_TERMINATION, reinterpret_cast<ULONG_PTR>(Thread), 0, 0, 0);
    if (Thread->Tcb.CombinedApcDisable)
        KeBugCheckEx(KERNEL_APC_PENDING_DURING_EXIT, 0, Thread->Tcb.CombinedApcDisable, 0, 1);

    ExWaitForRundownProtectionRelease(&Thread->RundownProtect);
    PERFINFO_LOG(PerfInfoThreadExit, &Thread->Tcb, ExitStatus, 0, 0);
    PspRunCreateThreadNotifyRoutines(Thread, FALSE);
    BOOLEAN Last = PspLeaveProcess(Process, Thread, ExitStatus);

    ExTimerRundown();
    KeRundownThread();
    Thread->ExitStatus = ExitStatus;
    KeQuerySystemTime(&Thread->ExitTime);
    if (Last) {
        Process->ExitTime = Thread->ExitTime;
        PspExitProcess(TRUE, Process);
        ObKillProcess(Process);
    }
    PspDeleteUserThreadState(Thread, Process);

    KeEnterCriticalRegion();
    Thread->Tcb.ApcQueueable = FALSE;
    KeForceResumeThread(&Thread->Tcb);
    KeLeaveCriticalRegion();
    PspRundownApcList(KeFlushQueueApc(&Thread->Tcb, UserMode));
    if (Last)
        MmCleanProcessAddressSpace(Process);
    if (KeFlushQueueApc(&Thread->Tcb, KernelMode) || Thread->Tcb.CombinedApcDisable)
        KeBugCheckEx(KERNEL_APC_PENDING_DURING_EXIT, 0, Thread->Tcb.CombinedApcDisable, 0, 1);
    if (Last)
        KeSetProcess(&Process->Pcb, 0, FALSE);
    KeTerminateThread(0);
}

// The process side of the last thread's exit: marks it exiting and runs the
// process-exit notify routines. From the delete procedure instead (not LastThread),
// frees what is left in its address space. At PASSIVE_LEVEL, in the process's last
// thread or attached to it.
extern "C" VOID NTAPI PspExitProcess(BOOLEAN LastThread, PEPROCESS Process)
{
    PspSetProcessFlag(Process, PSF_PROCESS_EXITING_BIT);
    if (LastThread) {
        PERFINFO_LOG_PROCESS(PerfInfoProcessExit, Process, Process->ExitStatus);
        PspRunCreateProcessNotifyRoutines(Process, FALSE);
    }
    else {
        MmCleanProcessAddressSpace(Process);
    }
}

// Ends the current system thread with ExitStatus; STATUS_INVALID_PARAMETER from a
// thread that is not a system thread. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI PsTerminateSystemThread(NTSTATUS ExitStatus)
{
    PETHREAD Thread = PsGetCurrentThread();
    if (!Thread->SystemThread)
        return STATUS_INVALID_PARAMETER;
    return PspTerminateThreadByPointer(Thread, ExitStatus, TRUE);
}

// Terminates a whole process from outside it (shutdown, jobs): no new thread may
// start in it, every thread is asked to exit, and a process with no thread loses its
// handles. The System process cannot be terminated. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI PspTerminateProcess(PEPROCESS Process, NTSTATUS ExitStatus)
{
    if (Process == PsInitialSystemProcess)
        return STATUS_ACCESS_DENIED;
    if (Process->BreakOnTermination)
        PspCatchCriticalBreak(Process, 3, Process);
    PspSetProcessFlag(Process, PSF_PROCESS_DELETE_BIT);
    if (PspTerminateOtherThreads(Process, ExitStatus) == STATUS_NOTHING_TO_TERMINATE)
        ObClearProcessHandleTable(Process);
    return STATUS_SUCCESS;
}

// The terminate-process service. A NULL handle asks every other thread of the
// caller's process to exit but leaves the caller running (the first half of a
// process's own exit); a handle to the caller's own process then ends the caller
// too. A process with no thread loses its handles. Windows refuses the System
// process (ReactOS would mark it deleting). At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtTerminateProcess(HANDLE ProcessHandle, NTSTATUS ExitStatus)
{
    KI_USER_SERVICE(NtTerminateProcess(ProcessHandle, ExitStatus));
    BOOLEAN KillByHandle = ProcessHandle != NULL;
    PEPROCESS Process;
    NTSTATUS Status = ObReferenceObjectByHandle(KillByHandle ? ProcessHandle : NtCurrentProcess(), PROCESS_TERMINATE,
                                                PspProcessType, ExGetPreviousMode(),
                                                reinterpret_cast<PVOID *>(&Process), NULL);
    if (!NT_SUCCESS(Status))
        return Status;
    if (Process == PsInitialSystemProcess) {
        ObDereferenceObject(Process);
        return STATUS_ACCESS_DENIED;
    }
    if (Process->BreakOnTermination)
        PspCatchCriticalBreak(Process, 3, Process);
    if (!ExAcquireRundownProtection(&Process->RundownProtect)) {
        ObDereferenceObject(Process);
        return STATUS_PROCESS_IS_TERMINATING;
    }
    if (KillByHandle)
        PspSetProcessFlag(Process, PSF_PROCESS_DELETE_BIT);
    Status = PspTerminateOtherThreads(Process, ExitStatus);
    ExReleaseRundownProtection(&Process->RundownProtect);
    if (Process == PsGetCurrentProcess() && KillByHandle) {
        ObDereferenceObject(Process);
        PspTerminateThreadByPointer(PsGetCurrentThread(), ExitStatus, TRUE);
    }
    if (Status == STATUS_NOTHING_TO_TERMINATE) {
        ObClearProcessHandleTable(Process);
        Status = STATUS_SUCCESS;
    }
    ObDereferenceObject(Process);
    return Status;
}

// The terminate-thread service. NULL means the caller, unless it is its process's
// last thread (STATUS_CANT_TERMINATE_SELF); another thread is asked to exit (a system
// thread refuses: STATUS_ACCESS_DENIED). At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtTerminateThread(HANDLE ThreadHandle, NTSTATUS ExitStatus)
{
    KI_USER_SERVICE(NtTerminateThread(ThreadHandle, ExitStatus));
    PETHREAD Self = PsGetCurrentThread();
    if (!ThreadHandle) {
        if (PsGetCurrentProcess()->ActiveThreads == 1)
            return STATUS_CANT_TERMINATE_SELF;
        return PspTerminateThreadByPointer(Self, ExitStatus, TRUE);
    }
    if (ThreadHandle == NtCurrentThread())
        return PspTerminateThreadByPointer(Self, ExitStatus, TRUE);
    PETHREAD Thread;
    NTSTATUS Status = ObReferenceObjectByHandle(ThreadHandle, THREAD_TERMINATE, PspThreadType, ExGetPreviousMode(),
                                                reinterpret_cast<PVOID *>(&Thread), NULL);
    if (!NT_SUCCESS(Status))
        return Status;
    if (Thread == Self) {
        ObDereferenceObject(Thread);
        return PspTerminateThreadByPointer(Self, ExitStatus, TRUE);
    }
    Status = PspTerminateThreadByPointer(Thread, ExitStatus, FALSE);
    ObDereferenceObject(Thread);
    return Status;
}

// The Zw forms, for kernel code: PreviousMode KernelMode. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ZwTerminateThread(HANDLE ThreadHandle, NTSTATUS ExitStatus)
{
    return KiZwCall([&] { return NtTerminateThread(ThreadHandle, ExitStatus); });
}

extern "C" NTSTATUS NTAPI ZwTerminateProcess(HANDLE ProcessHandle, NTSTATUS ExitStatus)
{
    return KiZwCall([&] { return NtTerminateProcess(ProcessHandle, ExitStatus); });
}

// The Thread type's delete procedure: frees the stack of a thread that never ran,
// its CID, and its place in its process; drops the process. At PASSIVE_LEVEL.
extern "C" VOID NTAPI PspDeleteThread(PVOID ObjectBody)
{
    auto *Thread = static_cast<PETHREAD>(ObjectBody);
    PEPROCESS Process = Thread->ThreadsProcess;
    if (Thread->Tcb.InitialStack)
        KeUninitThread(&Thread->Tcb);
    if (Thread->Cid.UniqueThread && !ExDestroyHandle(PspCidTable, Thread->Cid.UniqueThread, NULL))
        KeBugCheckEx(CID_HANDLE_DELETION, reinterpret_cast<ULONG_PTR>(Thread->Cid.UniqueThread), 0, 0, 0);
    if (!Process)
        return;
    PspLockProcessExclusive(Process);
    if (Thread->ThreadListEntry.Flink)
        RemoveEntryList(&Thread->ThreadListEntry);
    PspUnlockProcessExclusive(Process);
    ObDereferenceObject(Process);
}

// The Process type's delete procedure: unlinks it, runs down a handle table left by a
// process that never had a thread, frees its address space, its CID and its token. At
// PASSIVE_LEVEL.
extern "C" VOID NTAPI PspDeleteProcess(PVOID ObjectBody)
{
    auto *Process = static_cast<PEPROCESS>(ObjectBody);
    // Under the list's mutex: a neighbour's deletion rewrites this entry's links.
    KeAcquireGuardedMutex(&PspActiveProcessMutex);
    if (Process->ActiveProcessLinks.Flink)
        RemoveEntryList(&Process->ActiveProcessLinks);
    KeReleaseGuardedMutex(&PspActiveProcessMutex);
    if (Process->ObjectTable) {
        KAPC_STATE ApcState;
        KeStackAttachProcess(&Process->Pcb, &ApcState);
        ObKillProcess(Process);
        KeUnstackDetachProcess(&ApcState);
    }
    if (Process->HasAddressSpace) {
        KAPC_STATE ApcState;
        KeStackAttachProcess(&Process->Pcb, &ApcState);
        PspExitProcess(FALSE, Process);
        KeUnstackDetachProcess(&ApcState);
        MmDeleteProcessAddressSpace(Process);
    }
    if (Process->UniqueProcessId && !ExDestroyHandle(PspCidTable, Process->UniqueProcessId, NULL))
        KeBugCheckEx(CID_HANDLE_DELETION, reinterpret_cast<ULONG_PTR>(Process->UniqueProcessId), 0, 0, 0);
    PspDeleteProcessSecurity(Process);
    if (Process->Pcb.Header.Type == ProcessObject)
        KiDeleteProcess(&Process->Pcb);
}
