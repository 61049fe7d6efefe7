// cancelwait.cpp - the file system run-time library's cancellable waits (Windows Vista
// and later; ReactOS has none): a kernel-mode alertable wait that ends early when the
// waiting thread is being terminated (its termination request alerts it, kill.cpp) or
// when the IRP it serves is cancelled, so a thread's exit never hangs on it.
#include "ke.h"
#include "ps.h"
#include "ntifs.h"

namespace {

// What is left of a relative wait that ends at Deadline (interrupt time), as a relative
// timeout; FALSE once the deadline has passed. Any IRQL.
BOOLEAN FsRtlpRemainingTimeout(ULONG64 Deadline, PLARGE_INTEGER Remaining)
{
    ULONG64 Now = KeQueryInterruptTime();
    if (Now >= Deadline)
        return FALSE;
    Remaining->QuadPart = -static_cast<LONG64>(Deadline - Now);
    return TRUE;
}

} // namespace

// Waits as KeWaitForMultipleObjects does (Executive, KernelMode), but returns
// STATUS_THREAD_IS_TERMINATING at once, or as soon as it is alerted, when the current
// thread's Terminated flag is set, and STATUS_CANCELLED when alerted with Irp->Cancel
// set; any other alert waits again for what is left of Timeout. At or below
// APC_LEVEL; at PASSIVE_LEVEL with an Irp.
extern "C" NTSTATUS NTAPI FsRtlCancellableWaitForMultipleObjects(ULONG Count, PVOID ObjectArray[], WAIT_TYPE WaitType,
                                                                 PLARGE_INTEGER Timeout, PKWAIT_BLOCK WaitBlockArray,
                                                                 PIRP Irp)
{
    PETHREAD Thread = PsGetCurrentThread();
    if (PsIsThreadTerminating(Thread))
        return STATUS_THREAD_IS_TERMINATING;
    BOOLEAN Relative = Timeout && Timeout->QuadPart < 0;
    ULONG64 Deadline = Relative ? KeQueryInterruptTime() + static_cast<ULONG64>(-Timeout->QuadPart) : 0;
    LARGE_INTEGER Remaining;
    PLARGE_INTEGER WaitTimeout = Timeout;
    for (;;) {
        NTSTATUS Status = KeWaitForMultipleObjects(Count, ObjectArray, WaitType, Executive, KernelMode, TRUE,
                                                   WaitTimeout, WaitBlockArray);
        if (Status != STATUS_ALERTED)
            return Status;
        if (PsIsThreadTerminating(Thread))
            return STATUS_THREAD_IS_TERMINATING;
        if (Irp && Irp->Cancel)
            return STATUS_CANCELLED;
        if (Relative) {
            if (!FsRtlpRemainingTimeout(Deadline, &Remaining))
                return STATUS_TIMEOUT;
            WaitTimeout = &Remaining;
        }
    }
}

// FsRtlCancellableWaitForMultipleObjects for one object, on the thread's own wait
// blocks. At or below APC_LEVEL; at PASSIVE_LEVEL with an Irp.
extern "C" NTSTATUS NTAPI FsRtlCancellableWaitForSingleObject(PVOID Object, PLARGE_INTEGER Timeout, PIRP Irp)
{
    PVOID Objects[1] = {Object};
    return FsRtlCancellableWaitForMultipleObjects(1, Objects, WaitAny, Timeout, NULL, Irp);
}
