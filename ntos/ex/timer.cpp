// timer.cpp - the executive's timer objects ("Timer" type, body ETIMER): a kernel timer
// waitable through a handle, and the services that create, open, set, cancel and query
// it. A timer set with an APC routine is associated with the thread that set it: its
// DPC queues the routine to that thread as a user-mode-style APC at each expiry, and
// the timer sits on the thread's ActiveTimerListHead, holding one reference to itself,
// until it is cancelled, re-set, fires once (not periodic) or the thread exits
// (ExTimerRundown). Lock order: the timer's Lock, then the thread's
// ActiveTimerListLock.
#include "ex.h"
#include "ke.h"
#include "ob.h"
#include "ps.h"

POBJECT_TYPE ExTimerType = NULL;

namespace {

GENERIC_MAPPING ExpTimerMapping = {
    STANDARD_RIGHTS_READ | TIMER_QUERY_STATE,
    STANDARD_RIGHTS_WRITE | TIMER_MODIFY_STATE,
    STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE,
    TIMER_ALL_ACCESS,
};

// The thread a timer's APC is associated with.
inline PETHREAD ExpTimerThread(PETIMER Timer)
{
    return CONTAINING_RECORD(Timer->TimerApc.Thread, ETHREAD, Tcb);
}

// Stops a timer: cancels the kernel timer and, if an APC is associated, takes it off
// its thread's list and pulls its queued DPC and APC back. Returns the references the
// caller must drop for that (the association's, and the queued APC's). At
// DISPATCH_LEVEL with the timer's Lock held.
ULONG ExpDisassociateTimer(PETIMER Timer)
{
    KeCancelTimer(&Timer->KeTimer);
    if (!Timer->ApcAssociated)
        return 0;
    PETHREAD Thread = ExpTimerThread(Timer);
    KeAcquireSpinLockAtDpcLevel(&Thread->ActiveTimerListLock);
    RemoveEntryList(&Timer->ActiveTimerListEntry);
    Timer->ApcAssociated = FALSE;
    KeReleaseSpinLockFromDpcLevel(&Thread->ActiveTimerListLock);
    KeRemoveQueueDpc(&Timer->TimerDpc);
    return KeRemoveQueueApc(&Timer->TimerApc) ? 2 : 1;
}

// The timer's DPC, when it expires with an APC associated: queues the APC to the
// associated thread with the expiry time as its arguments, handing it a reference. A
// timer already being deleted is left alone. At DISPATCH_LEVEL.
VOID NTAPI ExpTimerDpcRoutine(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    auto *Timer = static_cast<PETIMER>(DeferredContext);
    if (!ObReferenceObjectSafe(Timer))
        return;
    BOOLEAN Inserted = FALSE;
    KeAcquireSpinLockAtDpcLevel(&Timer->Lock);
    if (Timer->ApcAssociated)
        Inserted = KeInsertQueueApc(&Timer->TimerApc, SystemArgument1, SystemArgument2, IO_NO_INCREMENT);
    KeReleaseSpinLockFromDpcLevel(&Timer->Lock);
    if (!Inserted)
        ObDereferenceObject(Timer);
}

// The timer APC's kernel routine, in the associated thread before the user routine: a
// timer re-set or cancelled since the APC was queued does not run the routine; a
// one-shot timer's association ends here. Drops the APC's reference. At APC_LEVEL.
VOID NTAPI ExpTimerApcKernelRoutine(PKAPC Apc, PKNORMAL_ROUTINE *NormalRoutine, PVOID *NormalContext,
                                    PVOID *SystemArgument1, PVOID *SystemArgument2)
{
    UNREFERENCED_PARAMETER(NormalContext);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    PETIMER Timer = CONTAINING_RECORD(Apc, ETIMER, TimerApc);
    PETHREAD Thread = PsGetCurrentThread();
    LONG Derefs = 1;
    KIRQL OldIrql;
    KeAcquireSpinLock(&Timer->Lock, &OldIrql);
    KeAcquireSpinLockAtDpcLevel(&Thread->ActiveTimerListLock);
    if (Timer->ApcAssociated && Timer->TimerApc.Thread == &Thread->Tcb) {
        if (!Timer->Period) {
            RemoveEntryList(&Timer->ActiveTimerListEntry);
            Timer->ApcAssociated = FALSE;
            Derefs++;
        }
    } else {
        *NormalRoutine = NULL;
    }
    KeReleaseSpinLockFromDpcLevel(&Thread->ActiveTimerListLock);
    KeReleaseSpinLock(&Timer->Lock, OldIrql);
    ObDereferenceObjectEx(Timer, Derefs);
}

// Associates the timer's APC routine with the current thread, taking the reference the
// association holds; a thread already terminating takes no new association (its timers
// may have been run down). Returns whether it was associated. At DISPATCH_LEVEL with
// the timer's Lock held.
BOOLEAN ExpAssociateTimer(PETIMER Timer, PTIMER_APC_ROUTINE ApcRoutine, PVOID Context, KPROCESSOR_MODE Mode)
{
    PETHREAD Thread = PsGetCurrentThread();
    if (PsIsThreadTerminating(Thread))
        return FALSE;
    KeInitializeApc(&Timer->TimerApc, &Thread->Tcb, CurrentApcEnvironment, ExpTimerApcKernelRoutine, NULL,
                    reinterpret_cast<PKNORMAL_ROUTINE>(reinterpret_cast<PVOID>(ApcRoutine)), Mode, Context);
    ObReferenceObject(Timer);
    KeAcquireSpinLockAtDpcLevel(&Thread->ActiveTimerListLock);
    InsertTailList(&Thread->ActiveTimerListHead, &Timer->ActiveTimerListEntry);
    Timer->ApcAssociated = TRUE;
    KeReleaseSpinLockFromDpcLevel(&Thread->ActiveTimerListLock);
    return TRUE;
}

// The Timer type's delete procedure: the timer can no longer expire, and a DPC of it
// still running on another processor has returned before the body is freed. An
// association holds a reference, so none is left. At PASSIVE_LEVEL.
VOID NTAPI ExpDeleteTimer(PVOID ObjectBody)
{
    auto *Timer = static_cast<PETIMER>(ObjectBody);
    ASSERT(!Timer->ApcAssociated);
    KeCancelTimer(&Timer->KeTimer);
    KeFlushQueuedDpcs();
}

// References the timer a handle names for Access, in the caller's previous mode.
NTSTATUS ExpReferenceTimer(HANDLE TimerHandle, ACCESS_MASK Access, PETIMER *Timer)
{
    return ObReferenceObjectByHandle(TimerHandle, Access, ExTimerType, ExGetPreviousMode(),
                                     reinterpret_cast<PVOID *>(Timer), NULL);
}

// Hands a timer state back when the caller asked for it; a fault is ignored, as NT does
// once the service has acted.
VOID ExpReturnState(PBOOLEAN Destination, BOOLEAN State)
{
    if (Destination)
        ExpCopyToCaller(Destination, &State, sizeof(State));
}

// The remaining time until the kernel timer's due time (negative once past), read under
// the dispatcher lock that guards it. At or below DISPATCH_LEVEL.
LARGE_INTEGER ExpTimeRemaining(PKTIMER Timer)
{
    LARGE_INTEGER Remaining;
    KIRQL OldIrql = KiAcquireDispatcherLock();
    Remaining.QuadPart = Timer->DueTime.QuadPart - (LONGLONG)KeQueryInterruptTime();
    KiReleaseDispatcherLock(OldIrql);
    return Remaining;
}

} // namespace

// Creates the Timer object type. At PASSIVE_LEVEL, in phase 1.
extern "C" NTSTATUS NTAPI ExpInitializeTimerImplementation(VOID)
{
    return ExpCreateObjectType(L"Timer", &ExpTimerMapping, TIMER_ALL_ACCESS, sizeof(ETIMER), ExpDeleteTimer,
                               &ExTimerType);
}

// Cancels every timer whose APC is associated with the current thread, dropping the
// references the associations (and APCs still queued) held. At PASSIVE_LEVEL, in the
// exiting thread.
extern "C" VOID NTAPI ExTimerRundown(VOID)
{
    PETHREAD Thread = PsGetCurrentThread();
    KIRQL OldIrql;
    for (;;) {
        KeAcquireSpinLock(&Thread->ActiveTimerListLock, &OldIrql);
        if (IsListEmpty(&Thread->ActiveTimerListHead)) {
            KeReleaseSpinLock(&Thread->ActiveTimerListLock, OldIrql);
            return;
        }
        PETIMER Timer = CONTAINING_RECORD(Thread->ActiveTimerListHead.Flink, ETIMER, ActiveTimerListEntry);
        ObReferenceObject(Timer);
        KeReleaseSpinLock(&Thread->ActiveTimerListLock, OldIrql);
        LONG Derefs = 1;
        KeAcquireSpinLock(&Timer->Lock, &OldIrql);
        if (Timer->ApcAssociated && Timer->TimerApc.Thread == &Thread->Tcb)
            Derefs += ExpDisassociateTimer(Timer);
        KeReleaseSpinLock(&Timer->Lock, OldIrql);
        ObDereferenceObjectEx(Timer, Derefs);
    }
}

// The create-timer service: a notification or synchronization timer, not set and not
// signalled (another type: STATUS_INVALID_PARAMETER_4). At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtCreateTimer(PHANDLE TimerHandle, ACCESS_MASK DesiredAccess,
                                        POBJECT_ATTRIBUTES ObjectAttributes, TIMER_TYPE TimerType)
{
    KI_USER_SERVICE(NtCreateTimer(TimerHandle, DesiredAccess, ObjectAttributes, TimerType));
    if (TimerType != NotificationTimer && TimerType != SynchronizationTimer)
        return STATUS_INVALID_PARAMETER_4;
    PETIMER Timer;
    NTSTATUS Status = ExpCreateObject(ExTimerType, ObjectAttributes, sizeof(ETIMER), TimerHandle,
                                      reinterpret_cast<PVOID *>(&Timer));
    if (!NT_SUCCESS(Status))
        return Status;
    RtlZeroMemory(Timer, sizeof(*Timer));
    KeInitializeTimerEx(&Timer->KeTimer, TimerType);
    KeInitializeDpc(&Timer->TimerDpc, ExpTimerDpcRoutine, Timer);
    KeInitializeSpinLock(&Timer->Lock);
    return ExpInsertObject(Timer, DesiredAccess, TimerHandle);
}

// The open-timer service: a handle to the timer ObjectAttributes names. At
// PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtOpenTimer(PHANDLE TimerHandle, ACCESS_MASK DesiredAccess,
                                      POBJECT_ATTRIBUTES ObjectAttributes)
{
    KI_USER_SERVICE(NtOpenTimer(TimerHandle, DesiredAccess, ObjectAttributes));
    return ExpOpenObject(ExTimerType, ObjectAttributes, DesiredAccess, TimerHandle);
}

// The set-timer service (TIMER_MODIFY_STATE): stops the timer and any APC it had, then
// sets it due at DueTime (negative: relative) and every Period ms after, with
// ApcRoutine associated with the calling thread when given. Returns the signal state it
// had before the set in PreviousState. ResumeTimer needs power management the kernel
// does not have: the timer is set and STATUS_TIMER_RESUME_IGNORED returned. At
// PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtSetTimer(HANDLE TimerHandle, PLARGE_INTEGER DueTime, PTIMER_APC_ROUTINE TimerApcRoutine,
                                     PVOID TimerContext, BOOLEAN ResumeTimer, LONG Period, PBOOLEAN PreviousState)
{
    KI_USER_SERVICE(
        NtSetTimer(TimerHandle, DueTime, TimerApcRoutine, TimerContext, ResumeTimer, Period, PreviousState));
    if (Period < 0)
        return STATUS_INVALID_PARAMETER_6;
    LARGE_INTEGER Due;
    NTSTATUS Status = ExpCaptureFromCaller(&Due, DueTime, sizeof(Due), sizeof(ULONG));
    if (NT_SUCCESS(Status))
        Status = ExpProbeForWriteCaller(PreviousState, sizeof(BOOLEAN), sizeof(BOOLEAN));
    if (!NT_SUCCESS(Status))
        return Status;
    PETIMER Timer;
    Status = ExpReferenceTimer(TimerHandle, TIMER_MODIFY_STATE, &Timer);
    if (!NT_SUCCESS(Status))
        return Status;
    KIRQL OldIrql;
    KeAcquireSpinLock(&Timer->Lock, &OldIrql);
    LONG Derefs = 1 + (LONG)ExpDisassociateTimer(Timer);
    BOOLEAN State = KeReadStateTimer(&Timer->KeTimer);
    Timer->Period = Period;
    BOOLEAN Associated =
        TimerApcRoutine && ExpAssociateTimer(Timer, TimerApcRoutine, TimerContext, ExGetPreviousMode());
    KeSetTimerEx(&Timer->KeTimer, Due, Period, Associated ? &Timer->TimerDpc : NULL);
    KeReleaseSpinLock(&Timer->Lock, OldIrql);
    ObDereferenceObjectEx(Timer, Derefs);
    ExpReturnState(PreviousState, State);
    return ResumeTimer ? STATUS_TIMER_RESUME_IGNORED : STATUS_SUCCESS;
}

// The cancel-timer service (TIMER_MODIFY_STATE): stops the timer and any APC it had;
// its signal state is kept and returned in CurrentState. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtCancelTimer(HANDLE TimerHandle, PBOOLEAN CurrentState)
{
    KI_USER_SERVICE(NtCancelTimer(TimerHandle, CurrentState));
    NTSTATUS Status = ExpProbeForWriteCaller(CurrentState, sizeof(BOOLEAN), sizeof(BOOLEAN));
    if (!NT_SUCCESS(Status))
        return Status;
    PETIMER Timer;
    Status = ExpReferenceTimer(TimerHandle, TIMER_MODIFY_STATE, &Timer);
    if (!NT_SUCCESS(Status))
        return Status;
    KIRQL OldIrql;
    KeAcquireSpinLock(&Timer->Lock, &OldIrql);
    LONG Derefs = 1 + (LONG)ExpDisassociateTimer(Timer);
    KeReleaseSpinLock(&Timer->Lock, OldIrql);
    BOOLEAN State = KeReadStateTimer(&Timer->KeTimer);
    ObDereferenceObjectEx(Timer, Derefs);
    ExpReturnState(CurrentState, State);
    return STATUS_SUCCESS;
}

// The query-timer service (TIMER_QUERY_STATE): TimerBasicInformation, the time left
// until the due time and the signal state; other classes give
// STATUS_INVALID_INFO_CLASS, a buffer not of its exact size
// STATUS_INFO_LENGTH_MISMATCH. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtQueryTimer(HANDLE TimerHandle, TIMER_INFORMATION_CLASS TimerInformationClass,
                                       PVOID TimerInformation, ULONG TimerInformationLength, PULONG ReturnLength)
{
    KI_USER_SERVICE(
        NtQueryTimer(TimerHandle, TimerInformationClass, TimerInformation, TimerInformationLength, ReturnLength));
    if (TimerInformationClass != TimerBasicInformation)
        return STATUS_INVALID_INFO_CLASS;
    PETIMER Timer;
    NTSTATUS Status = ExpReferenceTimer(TimerHandle, TIMER_QUERY_STATE, &Timer);
    if (!NT_SUCCESS(Status))
        return Status;
    TIMER_BASIC_INFORMATION Basic;
    RtlZeroMemory(&Basic, sizeof(Basic));
    Basic.TimeRemaining = ExpTimeRemaining(&Timer->KeTimer);
    Basic.SignalState = KeReadStateTimer(&Timer->KeTimer);
    ObDereferenceObject(Timer);
    return ExpReturnInformation(TimerInformation, TimerInformationLength, &Basic, sizeof(Basic), ReturnLength);
}

// The Zw forms, for kernel code: PreviousMode KernelMode. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ZwCreateTimer(PHANDLE TimerHandle, ACCESS_MASK DesiredAccess,
                                        POBJECT_ATTRIBUTES ObjectAttributes, TIMER_TYPE TimerType)
{
    return KiZwCall([&] { return NtCreateTimer(TimerHandle, DesiredAccess, ObjectAttributes, TimerType); });
}

extern "C" NTSTATUS NTAPI ZwOpenTimer(PHANDLE TimerHandle, ACCESS_MASK DesiredAccess,
                                      POBJECT_ATTRIBUTES ObjectAttributes)
{
    return KiZwCall([&] { return NtOpenTimer(TimerHandle, DesiredAccess, ObjectAttributes); });
}

extern "C" NTSTATUS NTAPI ZwSetTimer(HANDLE TimerHandle, PLARGE_INTEGER DueTime, PTIMER_APC_ROUTINE TimerApcRoutine,
                                     PVOID TimerContext, BOOLEAN ResumeTimer, LONG Period, PBOOLEAN PreviousState)
{
    return KiZwCall([&] {
        return NtSetTimer(TimerHandle, DueTime, TimerApcRoutine, TimerContext, ResumeTimer, Period, PreviousState);
    });
}

extern "C" NTSTATUS NTAPI ZwCancelTimer(HANDLE TimerHandle, PBOOLEAN CurrentState)
{
    return KiZwCall([&] { return NtCancelTimer(TimerHandle, CurrentState); });
}

extern "C" NTSTATUS NTAPI ZwQueryTimer(HANDLE TimerHandle, TIMER_INFORMATION_CLASS TimerInformationClass,
                                       PVOID TimerInformation, ULONG TimerInformationLength, PULONG ReturnLength)
{
    return KiZwCall([&] {
        return NtQueryTimer(TimerHandle, TimerInformationClass, TimerInformation, TimerInformationLength, ReturnLength);
    });
}
