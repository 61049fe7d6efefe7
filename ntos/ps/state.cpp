// state.cpp - a thread's and a process's run state from outside: suspend and resume
// (PsSuspendThread, NtSuspendProcess ...), alerts (NtAlertThread, NtAlertResumeThread,
// NtTestAlert) and user APCs queued by NtQueueApcThread.
#include "ke.h"
#include "ex.h"
#include "ob.h"
#include "ps.h"
#include "pseh/pseh2.h"

#define TAG_PS_APC 'pasP'

namespace {

// Hands a count back to a service's caller when it asked for one; a user-mode
// caller's bad pointer gives the fault's status, else Status.
NTSTATUS PspReturnCount(PULONG Target, ULONG Value, NTSTATUS Status)
{
    if (!Target || !NT_SUCCESS(Status))
        return Status;
    NTSTATUS CopyStatus = ExpCopyToCaller(Target, &Value, sizeof(Value));
    return NT_SUCCESS(CopyStatus) ? Status : CopyStatus;
}

// KeSuspendThread, with its STATUS_SUSPEND_COUNT_EXCEEDED raise turned into a status.
NTSTATUS PspSuspendKernelThread(PETHREAD Thread, PULONG PreviousCount)
{
    volatile NTSTATUS Status = STATUS_SUCCESS;
    volatile ULONG Count = 0;
    _SEH2_TRY
    {
        Count = KeSuspendThread(&Thread->Tcb);
    }
    _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER)
    {
        Status = _SEH2_GetExceptionCode();
    }
    _SEH2_END;
    *PreviousCount = Count;
    return Status;
}

// References the thread a handle names with Access, for a service.
NTSTATUS PspReferenceThread(HANDLE ThreadHandle, ACCESS_MASK Access, PETHREAD *Thread)
{
    return ObReferenceObjectByHandle(ThreadHandle, Access, PspThreadType, ExGetPreviousMode(),
                                     reinterpret_cast<PVOID *>(Thread), NULL);
}

// References the process a handle names with Access, for a service.
NTSTATUS PspReferenceProcess(HANDLE ProcessHandle, ACCESS_MASK Access, PEPROCESS *Process)
{
    return ObReferenceObjectByHandle(ProcessHandle, Access, PspProcessType, ExGetPreviousMode(),
                                     reinterpret_cast<PVOID *>(Process), NULL);
}

// The kernel routine of an APC NtQueueApcThread queued: frees it before its user-mode
// normal routine runs. At APC_LEVEL.
VOID NTAPI PspQueueApcSpecialApc(PKAPC Apc, PKNORMAL_ROUTINE *NormalRoutine, PVOID *NormalContext,
                                 PVOID *SystemArgument1, PVOID *SystemArgument2)
{
    UNREFERENCED_PARAMETER(NormalRoutine);
    UNREFERENCED_PARAMETER(NormalContext);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    ExFreePoolWithTag(Apc, TAG_PS_APC);
}

} // namespace

// Suspends a thread once more; a thread already asked to terminate is not suspended
// (STATUS_THREAD_IS_TERMINATING), and one terminated while being suspended is forced
// back. Returns the previous suspend count. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI PsSuspendThread(PETHREAD Thread, PULONG PreviousCount)
{
    ULONG Count = 0;
    NTSTATUS Status;
    if (Thread == PsGetCurrentThread()) {
        Status = PspSuspendKernelThread(Thread, &Count);
    } else if (!ExAcquireRundownProtection(&Thread->RundownProtect)) {
        Status = STATUS_THREAD_IS_TERMINATING;
    } else {
        Status = Thread->Terminated ? STATUS_THREAD_IS_TERMINATING : PspSuspendKernelThread(Thread, &Count);
        if (NT_SUCCESS(Status) && Thread->Terminated) {
            KeForceResumeThread(&Thread->Tcb);
            Status = STATUS_THREAD_IS_TERMINATING;
            Count = 0;
        }
        ExReleaseRundownProtection(&Thread->RundownProtect);
    }
    if (PreviousCount)
        *PreviousCount = Count;
    return Status;
}

// Resumes a thread once; returns the previous suspend count (0: it was not
// suspended, and nothing changed). At or below DISPATCH_LEVEL.
extern "C" NTSTATUS NTAPI PsResumeThread(PETHREAD Thread, PULONG PreviousCount)
{
    ULONG Count = KeResumeThread(&Thread->Tcb);
    if (PreviousCount)
        *PreviousCount = Count;
    return STATUS_SUCCESS;
}

// Suspends every thread of a process, or resumes each once, under its rundown
// protection (STATUS_PROCESS_IS_TERMINATING once it runs down). At PASSIVE_LEVEL.
static NTSTATUS PspSuspendOrResumeProcess(PEPROCESS Process, BOOLEAN Suspend)
{
    if (!ExAcquireRundownProtection(&Process->RundownProtect))
        return STATUS_PROCESS_IS_TERMINATING;
    for (PETHREAD Thread = PsGetNextProcessThread(Process, NULL); Thread;
         Thread = PsGetNextProcessThread(Process, Thread)) {
        if (Suspend)
            PsSuspendThread(Thread, NULL);
        else
            KeResumeThread(&Thread->Tcb);
    }
    ExReleaseRundownProtection(&Process->RundownProtect);
    return STATUS_SUCCESS;
}

// Suspends every thread of a process once more. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI PsSuspendProcess(PEPROCESS Process)
{
    return PspSuspendOrResumeProcess(Process, TRUE);
}

// Resumes every thread of a process once. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI PsResumeProcess(PEPROCESS Process)
{
    return PspSuspendOrResumeProcess(Process, FALSE);
}

// The suspend- and resume-thread services: THREAD_SUSPEND_RESUME access; Change
// (PsSuspendThread or PsResumeThread) runs on the thread and its previous count goes
// to SuspendCount when given (a user-mode caller's probed first). At PASSIVE_LEVEL.
static NTSTATUS PspChangeSuspensionByHandle(HANDLE ThreadHandle, PULONG SuspendCount,
                                            NTSTATUS(NTAPI *Change)(PETHREAD, PULONG))
{
    NTSTATUS Status = ExpProbeForWriteCaller(SuspendCount, sizeof(ULONG), sizeof(ULONG));
    if (!NT_SUCCESS(Status))
        return Status;
    PETHREAD Thread;
    Status = PspReferenceThread(ThreadHandle, THREAD_SUSPEND_RESUME, &Thread);
    if (!NT_SUCCESS(Status))
        return Status;
    ULONG Previous = 0;
    Status = Change(Thread, &Previous);
    ObDereferenceObject(Thread);
    return PspReturnCount(SuspendCount, Previous, Status);
}

extern "C" NTSTATUS NTAPI NtSuspendThread(HANDLE ThreadHandle, PULONG SuspendCount)
{
    KI_USER_SERVICE(NtSuspendThread(ThreadHandle, SuspendCount));
    return PspChangeSuspensionByHandle(ThreadHandle, SuspendCount, PsSuspendThread);
}

extern "C" NTSTATUS NTAPI NtResumeThread(HANDLE ThreadHandle, PULONG SuspendCount)
{
    KI_USER_SERVICE(NtResumeThread(ThreadHandle, SuspendCount));
    return PspChangeSuspensionByHandle(ThreadHandle, SuspendCount, PsResumeThread);
}

// The alert-thread service: THREAD_ALERT access; alerts the thread for the caller's
// previous mode. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtAlertThread(HANDLE ThreadHandle)
{
    KI_USER_SERVICE(NtAlertThread(ThreadHandle));
    PETHREAD Thread;
    NTSTATUS Status = PspReferenceThread(ThreadHandle, THREAD_ALERT, &Thread);
    if (!NT_SUCCESS(Status))
        return Status;
    KeAlertThread(&Thread->Tcb, ExGetPreviousMode());
    ObDereferenceObject(Thread);
    return STATUS_SUCCESS;
}

// The alert-and-resume service: THREAD_SUSPEND_RESUME access; alerts the thread for
// user mode and resumes it completely. The previous count goes to SuspendCount. At
// PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtAlertResumeThread(HANDLE ThreadHandle, PULONG SuspendCount)
{
    KI_USER_SERVICE(NtAlertResumeThread(ThreadHandle, SuspendCount));
    NTSTATUS Status = ExpProbeForWriteCaller(SuspendCount, sizeof(ULONG), sizeof(ULONG));
    if (!NT_SUCCESS(Status))
        return Status;
    PETHREAD Thread;
    Status = PspReferenceThread(ThreadHandle, THREAD_SUSPEND_RESUME, &Thread);
    if (!NT_SUCCESS(Status))
        return Status;
    ULONG Previous = KeAlertResumeThread(&Thread->Tcb);
    ObDereferenceObject(Thread);
    return PspReturnCount(SuspendCount, Previous, STATUS_SUCCESS);
}

// The test-alert service: STATUS_ALERTED (and the alert consumed) when the caller was
// alerted for its previous mode; delivers pending user APCs in user mode. At
// PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtTestAlert(VOID)
{
    KI_USER_SERVICE(NtTestAlert());
    return KeTestAlertThread(ExGetPreviousMode()) ? STATUS_ALERTED : STATUS_SUCCESS;
}

// The suspend- and resume-process services: PROCESS_SUSPEND_RESUME access. At
// PASSIVE_LEVEL.
static NTSTATUS PspSuspendOrResumeProcessByHandle(HANDLE ProcessHandle, BOOLEAN Suspend)
{
    PEPROCESS Process;
    NTSTATUS Status = PspReferenceProcess(ProcessHandle, PROCESS_SUSPEND_RESUME, &Process);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = PspSuspendOrResumeProcess(Process, Suspend);
    ObDereferenceObject(Process);
    return Status;
}

extern "C" NTSTATUS NTAPI NtSuspendProcess(HANDLE ProcessHandle)
{
    KI_USER_SERVICE(NtSuspendProcess(ProcessHandle));
    return PspSuspendOrResumeProcessByHandle(ProcessHandle, TRUE);
}

extern "C" NTSTATUS NTAPI NtResumeProcess(HANDLE ProcessHandle)
{
    KI_USER_SERVICE(NtResumeProcess(ProcessHandle));
    return PspSuspendOrResumeProcessByHandle(ProcessHandle, FALSE);
}

// The queue-user-APC service: THREAD_SET_CONTEXT access; ApcRoutine runs in the
// thread's user mode with the three arguments. A system thread has no user mode
// (STATUS_INVALID_HANDLE); a thread no longer taking APCs gives STATUS_UNSUCCESSFUL.
// At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtQueueApcThread(HANDLE ThreadHandle, PKNORMAL_ROUTINE ApcRoutine, PVOID NormalContext,
                                           PVOID SystemArgument1, PVOID SystemArgument2)
{
    KI_USER_SERVICE(NtQueueApcThread(ThreadHandle, ApcRoutine, NormalContext, SystemArgument1, SystemArgument2));
    PETHREAD Thread;
    NTSTATUS Status = PspReferenceThread(ThreadHandle, THREAD_SET_CONTEXT, &Thread);
    if (!NT_SUCCESS(Status))
        return Status;
    if (Thread->SystemThread) {
        ObDereferenceObject(Thread);
        return STATUS_INVALID_HANDLE;
    }
    auto *Apc = static_cast<PKAPC>(ExAllocatePoolWithTag(NonPagedPool, sizeof(KAPC), TAG_PS_APC));
    if (!Apc) {
        ObDereferenceObject(Thread);
        return STATUS_NO_MEMORY;
    }
    KeInitializeApc(Apc, &Thread->Tcb, OriginalApcEnvironment, PspQueueApcSpecialApc, NULL, ApcRoutine, UserMode,
                    NormalContext);
    if (!KeInsertQueueApc(Apc, SystemArgument1, SystemArgument2, IO_NO_INCREMENT)) {
        ExFreePoolWithTag(Apc, TAG_PS_APC);
        Status = STATUS_UNSUCCESSFUL;
    }
    ObDereferenceObject(Thread);
    return Status;
}
