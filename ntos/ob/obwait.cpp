// obwait.cpp - the wait services on object handles: NtWaitForSingleObject,
// NtWaitForMultipleObjects, NtSignalAndWaitForSingleObject and their Zw forms, waiting
// on each object's dispatcher object (the body itself, or its type's default object)
// in the caller's previous mode.
#include "ke.h"
#include "ex.h"
#include "ob.h"
#include "pseh/pseh2.h"

#define TAG_WAIT 'tiaW'

namespace {

// The dispatcher object a wait on Object waits for: the body itself (a type whose
// DefaultObject is NULL or an offset into the body), or the type's default object.
PVOID ObpWaitableObject(PVOID Object)
{
    PVOID Default = OBJECT_TO_OBJECT_HEADER(Object)->Type->DefaultObject;
    if (reinterpret_cast<ULONG_PTR>(Default) < 0x10000)
        return static_cast<PCHAR>(Object) + reinterpret_cast<ULONG_PTR>(Default);
    return Default;
}

// Points a user-mode caller's timeout at a copy captured in Safe (a kernel-mode
// caller's is used in place); the fault's status, or success. At PASSIVE_LEVEL.
NTSTATUS ObpCaptureTimeout(KPROCESSOR_MODE PreviousMode, PLARGE_INTEGER *Timeout, PLARGE_INTEGER Safe)
{
    if (!*Timeout || PreviousMode == KernelMode)
        return STATUS_SUCCESS;
    NTSTATUS Status = ExpCaptureUserBuffer(Safe, *Timeout, sizeof(*Safe), 1);
    *Timeout = Safe;
    return Status;
}

// Copies Count handles from the caller's array into Handles, probing it first for a
// user-mode caller; a fault's status. A kernel-mode caller's wild array is caught too,
// as NT does. At PASSIVE_LEVEL.
NTSTATUS ObpCaptureHandles(PHANDLE HandleArray, ULONG Count, KPROCESSOR_MODE PreviousMode, PHANDLE Handles)
{
    volatile NTSTATUS Status = STATUS_SUCCESS;
    _SEH2_TRY
    {
        if (PreviousMode != KernelMode)
            ProbeForRead(HandleArray, Count * sizeof(HANDLE), sizeof(HANDLE));
        auto *From = static_cast<HANDLE volatile *>(HandleArray);
        for (ULONG I = 0; I < Count; I++)
            Handles[I] = From[I];
    }
    _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER)
    {
        Status = _SEH2_GetExceptionCode();
    }
    _SEH2_END;
    return Status;
}

// References, with SYNCHRONIZE, the object each of Count handles names, and the
// dispatcher object to wait for; on a failure drops those taken and returns its
// status. At PASSIVE_LEVEL.
NTSTATUS ObpReferenceWaitObjects(const HANDLE *Handles, ULONG Count, KPROCESSOR_MODE PreviousMode, PVOID *Objects,
                                 PVOID *WaitObjects)
{
    for (ULONG I = 0; I < Count; I++) {
        NTSTATUS Status = ObReferenceObjectByHandle(Handles[I], SYNCHRONIZE, NULL, PreviousMode, &Objects[I], NULL);
        if (!NT_SUCCESS(Status)) {
            while (I)
                ObDereferenceObject(Objects[--I]);
            return Status;
        }
        WaitObjects[I] = ObpWaitableObject(Objects[I]);
    }
    return STATUS_SUCCESS;
}

// Whether a dispatcher object appears twice among Count (a WaitAll cannot name one
// twice).
BOOLEAN ObpHasDuplicateWaitObject(PVOID *WaitObjects, ULONG Count)
{
    for (ULONG I = 0; I < Count; I++)
        for (ULONG J = I + 1; J < Count; J++)
            if (WaitObjects[I] == WaitObjects[J])
                return TRUE;
    return FALSE;
}

// Runs a kernel wait, turning the STATUS_MUTANT_LIMIT_EXCEEDED a mutant's recursion
// overflow raises into the service's status (other exceptions pass on). At
// PASSIVE_LEVEL.
template <typename Wait> NTSTATUS ObpWaitCatchingMutantLimit(Wait Body)
{
    volatile NTSTATUS Status = STATUS_SUCCESS;
    _SEH2_TRY
    {
        Status = Body();
    }
    _SEH2_EXCEPT(_SEH2_GetExceptionCode() == STATUS_MUTANT_LIMIT_EXCEEDED ? EXCEPTION_EXECUTE_HANDLER
                                                                           : EXCEPTION_CONTINUE_SEARCH)
    {
        Status = _SEH2_GetExceptionCode();
    }
    _SEH2_END;
    return Status;
}

// The access a signal-and-wait needs to signal Object, and whether its type can be
// signalled at all (an event, a mutant, a semaphore).
BOOLEAN ObpSignalAccess(PVOID Object, PACCESS_MASK Access)
{
    POBJECT_TYPE Type = OBJECT_TO_OBJECT_HEADER(Object)->Type;
    if (Type == *ExEventObjectType)
        *Access = EVENT_MODIFY_STATE;
    else if (Type == ExMutantObjectType)
        *Access = SYNCHRONIZE;
    else if (Type == *ExSemaphoreObjectType)
        *Access = SEMAPHORE_MODIFY_STATE;
    else
        return FALSE;
    return TRUE;
}

// Signals an event, releases a mutant once or a semaphore by one, leaving the
// dispatcher lock held for the wait that follows (Wait = TRUE); a release the object
// refuses is its status, the lock then not held. At PASSIVE_LEVEL.
NTSTATUS ObpSignalObjectForWait(PVOID Object)
{
    POBJECT_TYPE Type = OBJECT_TO_OBJECT_HEADER(Object)->Type;
    LONG Previous;
    if (Type == *ExEventObjectType) {
        KeSetEvent(static_cast<PKEVENT>(Object), EVENT_INCREMENT, TRUE);
        return STATUS_SUCCESS;
    }
    if (Type == ExMutantObjectType)
        return ExpReleaseMutant(static_cast<PKMUTANT>(Object), TRUE, &Previous);
    return ExpReleaseSemaphore(static_cast<PKSEMAPHORE>(Object), 1, TRUE, &Previous);
}

// Signals SignalObject (granted SignalGranted on its handle) and waits on WaitObject as
// one step. At PASSIVE_LEVEL.
NTSTATUS ObpSignalAndWait(PVOID SignalObject, ACCESS_MASK SignalGranted, PVOID WaitObject,
                          KPROCESSOR_MODE PreviousMode, BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    ACCESS_MASK Needed;
    if (!ObpSignalAccess(SignalObject, &Needed))
        return STATUS_OBJECT_TYPE_MISMATCH;
    if (PreviousMode != KernelMode && (SignalGranted & Needed) != Needed)
        return STATUS_ACCESS_DENIED;
    NTSTATUS Status = ObpSignalObjectForWait(SignalObject);
    if (!NT_SUCCESS(Status))
        return Status;
    return ObpWaitCatchingMutantLimit(
        [&] { return KeWaitForSingleObject(ObpWaitableObject(WaitObject), UserRequest, PreviousMode, Alertable, Timeout); });
}

} // namespace

// The wait-on-a-handle service: waits (alertably when asked) for the object Handle
// names, with SYNCHRONIZE access; a user-mode caller's timeout is captured under SEH.
// Returns the wait's status. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtWaitForSingleObject(HANDLE Handle, BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    KI_USER_SERVICE(NtWaitForSingleObject(Handle, Alertable, Timeout));
    KPROCESSOR_MODE PreviousMode = ExGetPreviousMode();
    LARGE_INTEGER SafeTimeout;
    NTSTATUS Status = ObpCaptureTimeout(PreviousMode, &Timeout, &SafeTimeout);
    if (!NT_SUCCESS(Status))
        return Status;
    PVOID Object;
    Status = ObReferenceObjectByHandle(Handle, SYNCHRONIZE, NULL, PreviousMode, &Object, NULL);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = ObpWaitCatchingMutantLimit(
        [&] { return KeWaitForSingleObject(ObpWaitableObject(Object), UserRequest, PreviousMode, Alertable, Timeout); });
    ObDereferenceObject(Object);
    return Status;
}

// NtWaitForSingleObject for kernel code: PreviousMode KernelMode. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ZwWaitForSingleObject(HANDLE Handle, BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    return KiZwCall([&] { return NtWaitForSingleObject(Handle, Alertable, Timeout); });
}

// The wait-on-handles service: waits (alertably when asked) for any (STATUS_WAIT_0 +
// index) or all of ObjectCount objects named by HandleArray, each referenced with
// SYNCHRONIZE; a user-mode caller's array and timeout are captured under SEH. A
// WaitAll naming one object twice is STATUS_INVALID_PARAMETER_MIX. Beyond
// THREAD_WAIT_OBJECTS the wait blocks come from pool. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtWaitForMultipleObjects(ULONG ObjectCount, PHANDLE HandleArray, WAIT_TYPE WaitType,
                                                   BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    KI_USER_SERVICE(NtWaitForMultipleObjects(ObjectCount, HandleArray, WaitType, Alertable, Timeout));
    if (!ObjectCount || ObjectCount > MAXIMUM_WAIT_OBJECTS)
        return STATUS_INVALID_PARAMETER_1;
    if (WaitType != WaitAll && WaitType != WaitAny)
        return STATUS_INVALID_PARAMETER_3;
    KPROCESSOR_MODE PreviousMode = ExGetPreviousMode();
    LARGE_INTEGER SafeTimeout;
    HANDLE Handles[MAXIMUM_WAIT_OBJECTS];
    NTSTATUS Status = ObpCaptureTimeout(PreviousMode, &Timeout, &SafeTimeout);
    if (NT_SUCCESS(Status))
        Status = ObpCaptureHandles(HandleArray, ObjectCount, PreviousMode, Handles);
    if (!NT_SUCCESS(Status))
        return Status;
    PKWAIT_BLOCK WaitBlockArray = NULL;
    if (ObjectCount > THREAD_WAIT_OBJECTS) {
        WaitBlockArray = static_cast<PKWAIT_BLOCK>(
            ExAllocatePoolWithTag(NonPagedPool, ObjectCount * sizeof(KWAIT_BLOCK), TAG_WAIT));
        if (!WaitBlockArray)
            return STATUS_INSUFFICIENT_RESOURCES;
    }
    PVOID Objects[MAXIMUM_WAIT_OBJECTS];
    PVOID WaitObjects[MAXIMUM_WAIT_OBJECTS];
    Status = ObpReferenceWaitObjects(Handles, ObjectCount, PreviousMode, Objects, WaitObjects);
    if (NT_SUCCESS(Status)) {
        if (WaitType == WaitAll && ObpHasDuplicateWaitObject(WaitObjects, ObjectCount))
            Status = STATUS_INVALID_PARAMETER_MIX;
        else
            Status = ObpWaitCatchingMutantLimit([&] {
                return KeWaitForMultipleObjects(ObjectCount, WaitObjects, WaitType, UserRequest, PreviousMode,
                                                Alertable, Timeout, WaitBlockArray);
            });
        for (ULONG I = 0; I < ObjectCount; I++)
            ObDereferenceObject(Objects[I]);
    }
    if (WaitBlockArray)
        ExFreePoolWithTag(WaitBlockArray, TAG_WAIT);
    return Status;
}

// NtWaitForMultipleObjects for kernel code: PreviousMode KernelMode. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ZwWaitForMultipleObjects(ULONG ObjectCount, PHANDLE HandleArray, WAIT_TYPE WaitType,
                                                   BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    return KiZwCall([&] { return NtWaitForMultipleObjects(ObjectCount, HandleArray, WaitType, Alertable, Timeout); });
}

// Signals an event, releases a mutant or a semaphore, and waits (alertably when asked)
// for another object, with no other thread able to run between the two: the signal
// keeps the dispatcher lock for the wait. The signalled object's handle needs the
// right to signal it (EVENT_MODIFY_STATE, SYNCHRONIZE, SEMAPHORE_MODIFY_STATE), the
// waited one's SYNCHRONIZE; another type to signal is STATUS_OBJECT_TYPE_MISMATCH.
// At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtSignalAndWaitForSingleObject(HANDLE ObjectHandleToSignal, HANDLE WaitableObjectHandle,
                                                         BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    KI_USER_SERVICE(NtSignalAndWaitForSingleObject(ObjectHandleToSignal, WaitableObjectHandle, Alertable, Timeout));
    KPROCESSOR_MODE PreviousMode = ExGetPreviousMode();
    LARGE_INTEGER SafeTimeout;
    NTSTATUS Status = ObpCaptureTimeout(PreviousMode, &Timeout, &SafeTimeout);
    if (!NT_SUCCESS(Status))
        return Status;
    PVOID SignalObject;
    OBJECT_HANDLE_INFORMATION SignalInfo;
    Status = ObReferenceObjectByHandle(ObjectHandleToSignal, 0, NULL, PreviousMode, &SignalObject, &SignalInfo);
    if (!NT_SUCCESS(Status))
        return Status;
    PVOID WaitObject;
    Status = ObReferenceObjectByHandle(WaitableObjectHandle, SYNCHRONIZE, NULL, PreviousMode, &WaitObject, NULL);
    if (NT_SUCCESS(Status)) {
        Status = ObpSignalAndWait(SignalObject, SignalInfo.GrantedAccess, WaitObject, PreviousMode, Alertable, Timeout);
        ObDereferenceObject(WaitObject);
    }
    ObDereferenceObject(SignalObject);
    return Status;
}

// NtSignalAndWaitForSingleObject for kernel code: PreviousMode KernelMode. At
// PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ZwSignalAndWaitForSingleObject(HANDLE ObjectHandleToSignal, HANDLE WaitableObjectHandle,
                                                         BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    return KiZwCall(
        [&] { return NtSignalAndWaitForSingleObject(ObjectHandleToSignal, WaitableObjectHandle, Alertable, Timeout); });
}
