// thread.cpp - thread objects: PspCreateThread (seed 001, branch for branch),
// PsCreateSystemThread, the system threads' start-up routine, and the thread
// accessors drivers use.
#include "ke.h"
#include "ex.h"
#include "mm.h"
#include "ob.h"
#include "ps.h"
#include "se.h"
#include "pseh/pseh2.h"

namespace {

// A thread whose creation failed after KeStartThread: marked dead, resumed if it was
// created suspended, and readied so it runs PspSystemThreadStartup / PspUserThreadStartup,
// which sees DeadThread and exits at once.
VOID PspKillUnbornThread(PETHREAD Thread, BOOLEAN CreateSuspended, BOOLEAN Ready)
{
    PspSetCrossThreadFlag(Thread, PS_CROSS_THREAD_FLAGS_DEADTHREAD);
    if (CreateSuspended)
        KeResumeThread(&Thread->Tcb);
    if (Ready)
        KeReadyThread(&Thread->Tcb);
}

// Computes the access the new thread has to itself: what its descriptor grants the
// process's primary token (MAXIMUM_ALLOWED), plus terminate, set- and query-information.
// Returns ObGetObjectSecurity's failure. At PASSIVE_LEVEL.
NTSTATUS PspComputeThreadGrantedAccess(PETHREAD Thread, PEPROCESS Process, KPROCESSOR_MODE PreviousMode)
{
    PSECURITY_DESCRIPTOR SecurityDescriptor;
    BOOLEAN SdAllocated;
    NTSTATUS Status = ObGetObjectSecurity(Thread, &SecurityDescriptor, &SdAllocated);
    if (!NT_SUCCESS(Status))
        return Status;
    SECURITY_SUBJECT_CONTEXT SubjectContext{};
    SubjectContext.ProcessAuditId = Process;
    SubjectContext.PrimaryToken = PsReferencePrimaryToken(Process);
    SubjectContext.ClientToken = NULL;
    NTSTATUS AccessStatus;
    BOOLEAN Result = SeAccessCheck(SecurityDescriptor, &SubjectContext, FALSE, MAXIMUM_ALLOWED, 0, NULL,
                                   &PspThreadMapping, PreviousMode, &Thread->GrantedAccess, &AccessStatus);
    ObFastDereferenceObject(&Process->Token, SubjectContext.PrimaryToken);
    ObReleaseObjectSecurity(SecurityDescriptor, SdAllocated);
    // ReactOS clears the process's GrantedAccess here; the thread's is meant.
    if (!Result)
        Thread->GrantedAccess = 0;
    Thread->GrantedAccess |= THREAD_TERMINATE | THREAD_SET_INFORMATION | THREAD_QUERY_INFORMATION;
    return STATUS_SUCCESS;
}

} // namespace

// Creates a thread object in a process (by handle, or TargetProcess for a system
// thread), gives it a CID and a kernel thread, links it into its process, runs the
// create notify routines, inserts it in the object manager and readies it. Each failure
// undoes what was done; after KeStartThread the thread is instead made to run and die.
// A system thread (StartRoutine set) is created in KernelMode. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI PspCreateThread(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
                                          POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle,
                                          PEPROCESS TargetProcess, PCLIENT_ID ClientId, PCONTEXT ThreadContext,
                                          PINITIAL_TEB InitialTeb, BOOLEAN CreateSuspended,
                                          PKSTART_ROUTINE StartRoutine, PVOID StartContext)
{
    KPROCESSOR_MODE PreviousMode = ExGetPreviousMode();
    PEPROCESS Process;
    PETHREAD Thread;
    NTSTATUS Status;
    HANDLE hThread;
    ACCESS_STATE LocalAccessState;
    AUX_ACCESS_DATA AuxData;

    if (StartRoutine)
        PreviousMode = KernelMode;

    // The process: by handle, or (a system thread) by pointer.
    if (ProcessHandle) {
        Status = ObReferenceObjectByHandle(ProcessHandle, PROCESS_CREATE_THREAD, PspProcessType, PreviousMode,
                                           reinterpret_cast<PVOID *>(&Process), NULL);
    } else if (StartRoutine) {
        ObReferenceObject(TargetProcess);
        Process = TargetProcess;
        Status = STATUS_SUCCESS;
    } else {
        Status = STATUS_INVALID_HANDLE;
    }
    if (!NT_SUCCESS(Status))
        return Status;
    if (PreviousMode != KernelMode && Process == PsInitialSystemProcess) {
        ObDereferenceObject(Process);
        return STATUS_INVALID_HANDLE;
    }

    Status = ObCreateObject(PreviousMode, PspThreadType, ObjectAttributes, PreviousMode, NULL, sizeof(ETHREAD), 0, 0,
                            reinterpret_cast<PVOID *>(&Thread));
    if (!NT_SUCCESS(Status)) {
        ObDereferenceObject(Process);
        return Status;
    }
    RtlZeroMemory(Thread, sizeof(ETHREAD));
    ExInitializeRundownProtection(&Thread->RundownProtect);
    Thread->ExitStatus = STATUS_PENDING;
    // From here the thread object owns the process reference (PspDeleteThread drops it).
    Thread->ThreadsProcess = Process;
    Thread->Cid.UniqueProcess = Process->UniqueProcessId;

    Thread->Cid.UniqueThread = PspCreateCidHandle(Thread);
    if (!Thread->Cid.UniqueThread) {
        ObDereferenceObject(Thread);
        return STATUS_INSUFFICIENT_RESOURCES;
    }

    KeInitializeSemaphore(&Thread->LpcReplySemaphore, 0, 1);
    InitializeListHead(&Thread->LpcReplyChain);
    InitializeListHead(&Thread->IrpList);
    InitializeListHead(&Thread->PostBlockList);
    InitializeListHead(&Thread->ActiveTimerListHead);
    KeInitializeSpinLock(&Thread->ActiveTimerListLock);

    if (!ExAcquireRundownProtection(&Process->RundownProtect)) {
        ObDereferenceObject(Thread);
        return STATUS_PROCESS_IS_TERMINATING;
    }

    if (ThreadContext) {
        PTEB Teb;
        Status = MmCreateTeb(Process, &Thread->Cid, InitialTeb, &Teb);
        if (!NT_SUCCESS(Status)) {
            ExReleaseRundownProtection(&Process->RundownProtect);
            ObDereferenceObject(Thread);
            return Status;
        }
        Thread->StartAddress = reinterpret_cast<PVOID>(ThreadContext->Rip);
        Thread->Win32StartAddress = reinterpret_cast<PVOID>(ThreadContext->Rdx);
        Status = KeInitThread(&Thread->Tcb, NULL, PspUserThreadStartup, NULL, Thread->StartAddress, ThreadContext, Teb,
                              &Process->Pcb);
        if (!NT_SUCCESS(Status))
            MmDeleteTeb(Process, Teb);
    } else {
        Thread->StartAddress = reinterpret_cast<PVOID>(StartRoutine);
        PspSetCrossThreadFlag(Thread, PS_CROSS_THREAD_FLAGS_SYSTEM);
        Status = KeInitThread(&Thread->Tcb, NULL, PspSystemThreadStartup, StartRoutine, StartContext, NULL, NULL,
                              &Process->Pcb);
    }
    if (!NT_SUCCESS(Status)) {
        ExReleaseRundownProtection(&Process->RundownProtect);
        ObDereferenceObject(Thread);
        return Status;
    }

    PspLockProcessExclusive(Process);
    // The process died on us, or this user thread was terminated through its CID.
    if ((PspReadProcessFlags(Process) & PSF_PROCESS_DELETE_BIT) ||
        (Thread->Terminated && ThreadContext && Thread->ThreadsProcess == Process))
        goto Quickie;
    InsertTailList(&Process->ThreadListHead, &Thread->ThreadListEntry);
    Process->ActiveThreads++;
    KeStartThread(&Thread->Tcb);
    PspUnlockProcessExclusive(Process);
    ExReleaseRundownProtection(&Process->RundownProtect);

    PERFINFO_LOG(PerfInfoThreadCreate, &Thread->Tcb, Thread->StartAddress, 0, 0);
    PspRunCreateThreadNotifyRoutines(Thread, TRUE);

    // The keep-alive references: one the reaper drops, one dropped below.
    ObReferenceObjectEx(Thread, 2);
    if (CreateSuspended)
        KeSuspendThread(&Thread->Tcb);
    if (Thread->Terminated)
        KeForceResumeThread(&Thread->Tcb);

    Status = SeCreateAccessStateEx(NULL, ThreadContext ? PsGetCurrentProcess() : Process, &LocalAccessState, &AuxData,
                                   DesiredAccess, &PspThreadMapping);
    if (!NT_SUCCESS(Status)) {
        PspKillUnbornThread(Thread, CreateSuspended, TRUE);
        ObDereferenceObjectEx(Thread, 2);
        return Status;
    }

    Status = ObInsertObject(Thread, &LocalAccessState, DesiredAccess, 0, NULL, &hThread);
    SeDeleteAccessState(&LocalAccessState);
    if (NT_SUCCESS(Status)) {
        _SEH2_TRY
        {
            if (ClientId)
                *ClientId = Thread->Cid;
            *ThreadHandle = hThread;
        }
        _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER)
        {
            Status = _SEH2_GetExceptionCode();
            PspKillUnbornThread(Thread, CreateSuspended, TRUE);
            ObDereferenceObject(Thread);
            ObCloseHandle(hThread, PreviousMode);
        }
        _SEH2_END;
        if (!NT_SUCCESS(Status))
            return Status;
    } else {
        // Readied below, as a dead thread.
        PspKillUnbornThread(Thread, CreateSuspended, FALSE);
    }

    KeQuerySystemTime(&Thread->CreateTime);
    if (!Thread->DeadThread) {
        NTSTATUS SecurityStatus = PspComputeThreadGrantedAccess(Thread, Process, PreviousMode);
        if (!NT_SUCCESS(SecurityStatus)) {
            PspKillUnbornThread(Thread, CreateSuspended, TRUE);
            ObDereferenceObject(Thread);
            ObCloseHandle(hThread, PreviousMode);
            return SecurityStatus;
        }
    } else {
        Thread->GrantedAccess = THREAD_ALL_ACCESS;
    }

    KeReadyThread(&Thread->Tcb);
    ObDereferenceObject(Thread);
    return Status;

Quickie:
    // Undo by hand: the thread never reached its process's lists.
    PspUnlockProcessExclusive(Process);
    KeUninitThread(&Thread->Tcb);
    ExReleaseRundownProtection(&Process->RundownProtect);
    ObDereferenceObject(Thread);
    return STATUS_PROCESS_IS_TERMINATING;
}

// Creates a system thread running StartRoutine(StartContext) in ProcessHandle's
// process (the System process when NULL) and returns a handle to it. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI PsCreateSystemThread(PHANDLE ThreadHandle, ULONG DesiredAccess,
                                               POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle,
                                               PCLIENT_ID ClientId, PKSTART_ROUTINE StartRoutine, PVOID StartContext)
{
    PEPROCESS TargetProcess = ProcessHandle ? NULL : PsInitialSystemProcess;
    return PspCreateThread(ThreadHandle, DesiredAccess, ObjectAttributes, ProcessHandle, TargetProcess, ClientId, NULL,
                           NULL, FALSE, StartRoutine, StartContext);
}

// The system routine of every system thread: drops to PASSIVE_LEVEL, runs the start
// routine unless the thread was killed before it ran, and terminates the thread with
// STATUS_SUCCESS. At APC_LEVEL on entry.
extern "C" VOID NTAPI PspSystemThreadStartup(PKSTART_ROUTINE StartRoutine, PVOID StartContext)
{
    KeLowerIrql(PASSIVE_LEVEL);
    PETHREAD Thread = PsGetCurrentThread();
    if (!Thread->Terminated && !Thread->DeadThread)
        StartRoutine(StartContext);
    PspTerminateThreadByPointer(Thread, STATUS_SUCCESS, TRUE);
}

// The open-thread service: a handle to the thread named by ObjectAttributes or by
// ClientId. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtOpenThread(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
                                       POBJECT_ATTRIBUTES ObjectAttributes, PCLIENT_ID ClientId)
{
    KI_USER_SERVICE(NtOpenThread(ThreadHandle, DesiredAccess, ObjectAttributes, ClientId));
    return PspOpenProcessOrThread(PspThreadType, ThreadHandle, DesiredAccess, ObjectAttributes, ClientId);
}

extern "C" NTSTATUS NTAPI ZwOpenThread(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
                                       POBJECT_ATTRIBUTES ObjectAttributes, PCLIENT_ID ClientId)
{
    return KiZwCall([&] { return NtOpenThread(ThreadHandle, DesiredAccess, ObjectAttributes, ClientId); });
}

// The system routine of every user thread: drops to PASSIVE_LEVEL (where a pending
// exit APC's kernel stage runs), ends a thread killed before it ran, and otherwise
// returns to user mode for good (KiServiceExit). At APC_LEVEL on entry.
extern "C" VOID NTAPI PspUserThreadStartup(PKSTART_ROUTINE StartRoutine, PVOID StartContext)
{
    UNREFERENCED_PARAMETER(StartRoutine);
    UNREFERENCED_PARAMETER(StartContext);
    KeLowerIrql(PASSIVE_LEVEL);
    PETHREAD Thread = PsGetCurrentThread();
    // Another thread may be setting the Terminated bit of the same word right now.
    if (__atomic_load_n(&Thread->CrossThreadFlags, __ATOMIC_ACQUIRE) & PS_CROSS_THREAD_FLAGS_DEADTHREAD)
        PspTerminateThreadByPointer(Thread, STATUS_THREAD_IS_TERMINATING, TRUE);
    KiServiceExit();
}

// The create-thread service: a user thread in ProcessHandle's process that starts in
// ThreadContext (Rip, with Rcx its parameter) on the stack InitialTeb describes. A
// user-mode caller's handle and client-ID slots are probed for writing first, then its
// CONTEXT and INITIAL_TEB captured (under SEH). At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtCreateThread(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
                                         POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle,
                                         PCLIENT_ID ClientId, PCONTEXT ThreadContext, PINITIAL_TEB InitialTeb,
                                         BOOLEAN CreateSuspended)
{
    KI_USER_SERVICE(NtCreateThread(ThreadHandle, DesiredAccess, ObjectAttributes, ProcessHandle, ClientId,
                                   ThreadContext, InitialTeb, CreateSuspended));
    if (!ThreadContext || !InitialTeb)
        return STATUS_INVALID_PARAMETER;
    CONTEXT SafeContext;
    INITIAL_TEB SafeInitialTeb;
    NTSTATUS Status = ExpProbeForWriteCaller(ThreadHandle, sizeof(HANDLE), sizeof(HANDLE));
    if (NT_SUCCESS(Status))
        Status = ExpProbeForWriteCaller(ClientId, sizeof(CLIENT_ID), sizeof(ULONG));
    if (NT_SUCCESS(Status))
        Status = ExpCaptureFromCaller(&SafeContext, ThreadContext, sizeof(SafeContext), sizeof(ULONG));
    if (NT_SUCCESS(Status))
        Status = ExpCaptureFromCaller(&SafeInitialTeb, InitialTeb, sizeof(SafeInitialTeb), sizeof(ULONG));
    if (!NT_SUCCESS(Status))
        return Status;
    return PspCreateThread(ThreadHandle, DesiredAccess, ObjectAttributes, ProcessHandle, NULL, ClientId, &SafeContext,
                           &SafeInitialTeb, CreateSuspended, NULL, NULL);
}

// Hides the thread whose handle a create service just handed back from the debugger
// (a handle the caller already closed or changed is let be). At PASSIVE_LEVEL.
static VOID PspHideNewThread(PHANDLE ThreadHandle)
{
    HANDLE Handle;
    PETHREAD Thread;
    if (NT_SUCCESS(ExpCaptureFromCaller(&Handle, ThreadHandle, sizeof(Handle), sizeof(HANDLE))) &&
        NT_SUCCESS(ObReferenceObjectByHandle(Handle, 0, PspThreadType, KernelMode, reinterpret_cast<PVOID *>(&Thread),
                                             NULL))) {
        PspSetCrossThreadFlag(Thread, PS_CROSS_THREAD_FLAGS_HIDEFROMDBG);
        ObDereferenceObject(Thread);
    }
}

// The Vista create-thread service: a user thread in ProcessHandle's process running
// StartRoutine(Argument) on a stack this service allocates there (StackSize, else
// MaximumStackSize, else the default; committed whole), freed again if the thread
// cannot be made. CreateFlags: suspended, hidden from the debugger; the loader's flags
// are accepted and mean nothing without a loader. An attribute list is not supported
// here (STATUS_NOT_SUPPORTED). At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtCreateThreadEx(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
                                           POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle,
                                           PUSER_THREAD_START_ROUTINE StartRoutine, PVOID Argument, ULONG CreateFlags,
                                           SIZE_T ZeroBits, SIZE_T StackSize, SIZE_T MaximumStackSize,
                                           struct _PS_ATTRIBUTE_LIST *AttributeList)
{
    KI_USER_SERVICE(NtCreateThreadEx(ThreadHandle, DesiredAccess, ObjectAttributes, ProcessHandle, StartRoutine,
                                     Argument, CreateFlags, ZeroBits, StackSize, MaximumStackSize, AttributeList));
    constexpr ULONG Valid = THREAD_CREATE_FLAGS_CREATE_SUSPENDED | THREAD_CREATE_FLAGS_SKIP_THREAD_ATTACH |
                            THREAD_CREATE_FLAGS_HIDE_FROM_DEBUGGER | THREAD_CREATE_FLAGS_LOADER_WORKER |
                            THREAD_CREATE_FLAGS_SKIP_LOADER_INIT | THREAD_CREATE_FLAGS_BYPASS_PROCESS_FREEZE;
    if ((CreateFlags & ~Valid) || !StartRoutine || ZeroBits > 53)
        return STATUS_INVALID_PARAMETER;
    if (AttributeList)
        return STATUS_NOT_SUPPORTED;
    NTSTATUS Status = ExpProbeForWriteCaller(ThreadHandle, sizeof(HANDLE), sizeof(HANDLE));
    if (!NT_SUCCESS(Status))
        return Status;
    PEPROCESS Process;
    Status = ObReferenceObjectByHandle(ProcessHandle, PROCESS_CREATE_THREAD, PspProcessType,
                                                ExGetPreviousMode(), reinterpret_cast<PVOID *>(&Process), NULL);
    if (!NT_SUCCESS(Status))
        return Status;
    SIZE_T Size = ROUND_TO_PAGES(StackSize ? StackSize : MaximumStackSize ? MaximumStackSize
                                                                          : RTLP_DEFAULT_USER_STACK_SIZE);
    PVOID Base = NULL;
    Status = MiAllocateVirtualMemory(Process, &Base, &Size, MEM_RESERVE | MEM_COMMIT, FALSE);
    if (NT_SUCCESS(Status)) {
        INITIAL_TEB InitialTeb;
        RtlpInitializeInitialTeb(&InitialTeb, Base, Size);
        CONTEXT Context;
        RtlInitializeContext(ProcessHandle, &Context, Argument, StartRoutine, &InitialTeb);
        Status = PspCreateThread(ThreadHandle, DesiredAccess, ObjectAttributes, ProcessHandle, NULL, NULL, &Context,
                                 &InitialTeb, (CreateFlags & THREAD_CREATE_FLAGS_CREATE_SUSPENDED) != 0, NULL, NULL);
        if (NT_SUCCESS(Status) && (CreateFlags & THREAD_CREATE_FLAGS_HIDE_FROM_DEBUGGER))
            PspHideNewThread(ThreadHandle);
        if (!NT_SUCCESS(Status)) {
            SIZE_T Whole = 0;
            MiFreeVirtualMemory(Process, Base, &Whole, KernelMode);
        }
    }
    ObDereferenceObject(Process);
    return Status;
}

extern "C" NTSTATUS NTAPI ZwCreateThreadEx(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
                                           POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle,
                                           PUSER_THREAD_START_ROUTINE StartRoutine, PVOID Argument, ULONG CreateFlags,
                                           SIZE_T ZeroBits, SIZE_T StackSize, SIZE_T MaximumStackSize,
                                           struct _PS_ATTRIBUTE_LIST *AttributeList)
{
    return KiZwCall([&] {
        return NtCreateThreadEx(ThreadHandle, DesiredAccess, ObjectAttributes, ProcessHandle, StartRoutine, Argument,
                                CreateFlags, ZeroBits, StackSize, MaximumStackSize, AttributeList);
    });
}

extern "C" NTSTATUS NTAPI ZwCreateThread(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
                                         POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle,
                                         PCLIENT_ID ClientId, PCONTEXT ThreadContext, PINITIAL_TEB InitialTeb,
                                         BOOLEAN CreateSuspended)
{
    return KiZwCall([&] {
        return NtCreateThread(ThreadHandle, DesiredAccess, ObjectAttributes, ProcessHandle, ClientId, ThreadContext,
                              InitialTeb, CreateSuspended);
    });
}

// Returns the current thread's executive thread object. Any IRQL.
extern "C" PETHREAD NTAPI PsGetCurrentThread(VOID)
{
    return CONTAINING_RECORD(KeGetCurrentThread(), ETHREAD, Tcb);
}

// Returns the current thread's ID. Any IRQL.
extern "C" HANDLE NTAPI PsGetCurrentThreadId(VOID)
{
    return PsGetCurrentThread()->Cid.UniqueThread;
}

// Returns a thread's ID. Any IRQL.
extern "C" HANDLE NTAPI PsGetThreadId(PETHREAD Thread)
{
    return Thread->Cid.UniqueThread;
}

// Returns the ID of a thread's process. Any IRQL.
extern "C" HANDLE NTAPI PsGetThreadProcessId(PETHREAD Thread)
{
    return Thread->Cid.UniqueProcess;
}

// Returns a thread's process. Any IRQL.
extern "C" PEPROCESS NTAPI PsGetThreadProcess(PETHREAD Thread)
{
    return Thread->ThreadsProcess;
}

// Returns a thread's exit status (STATUS_PENDING while it runs). Any IRQL.
extern "C" NTSTATUS NTAPI PsGetThreadExitStatus(PETHREAD Thread)
{
    return Thread->ExitStatus;
}

// Returns whether a thread has been asked to terminate (its Terminated flag). Any IRQL.
extern "C" BOOLEAN NTAPI PsIsThreadTerminating(PETHREAD Thread)
{
    return Thread->Terminated ? TRUE : FALSE;
}

// Returns whether a thread is a system thread. Any IRQL.
extern "C" BOOLEAN NTAPI PsIsSystemThread(PETHREAD Thread)
{
    return Thread->SystemThread ? TRUE : FALSE;
}
