// obwait.cpp - the wait services on object handles: NtWaitForSingleObject and its Zw
// form, waiting on an object's dispatcher object (the body itself, or its type's
// default object) in the caller's previous mode.
#include "ke.h"
#include "ob.h"
#include "pseh/pseh2.h"

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

// Copies a user-mode caller's timeout into Safe; the fault's status, or success.
NTSTATUS ObpCaptureTimeout(PLARGE_INTEGER Timeout, PLARGE_INTEGER Safe)
{
    volatile NTSTATUS Status = STATUS_SUCCESS;
    _SEH2_TRY
    {
        *Safe = *Timeout;
    }
    _SEH2_EXCEPT(ExSystemExceptionFilter())
    {
        Status = _SEH2_GetExceptionCode();
    }
    _SEH2_END;
    return Status;
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
    if (Timeout && PreviousMode != KernelMode) {
        NTSTATUS Status = ObpCaptureTimeout(Timeout, &SafeTimeout);
        if (!NT_SUCCESS(Status))
            return Status;
        Timeout = &SafeTimeout;
    }
    PVOID Object;
    NTSTATUS Status = ObReferenceObjectByHandle(Handle, SYNCHRONIZE, NULL, PreviousMode, &Object, NULL);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = KeWaitForSingleObject(ObpWaitableObject(Object), UserRequest, PreviousMode, Alertable, Timeout);
    ObDereferenceObject(Object);
    return Status;
}

// NtWaitForSingleObject for kernel code: PreviousMode KernelMode. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ZwWaitForSingleObject(HANDLE Handle, BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    return KiZwCall([&] { return NtWaitForSingleObject(Handle, Alertable, Timeout); });
}
