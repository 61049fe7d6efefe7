/*
 * ObRef.c - kmtest-style tests of object references: the pointer and handle counts
 * in the object header as handles and references come and go (ObfReferenceObject
 * and ObfDereferenceObject return the new count), and what a reference by handle
 * answers for a wrong type, a bad handle and missing access.
 */
#include <kmt_test.h>

#define POINTER_COUNT(Object) (OBJECT_TO_OBJECT_HEADER(Object)->PointerCount)
#define HANDLE_COUNT(Object) (OBJECT_TO_OBJECT_HEADER(Object)->HandleCount)

/* Creates an unnamed notification event with a kernel handle. PASSIVE_LEVEL. */
static NTSTATUS CreateEvent(PHANDLE Handle, ACCESS_MASK Access)
{
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    return ZwCreateEvent(Handle, Access, &Attributes, NotificationEvent, FALSE);
}

START_TEST(ObReferenceCounts)
{
    LONG_PTR Count;
    HANDLE Handle;
    PVOID Event = NULL;
    LONG_PTR Base;
    NTSTATUS Status;

    Status = CreateEvent(&Handle, EVENT_ALL_ACCESS);
    ok_eq_hex(Status, STATUS_SUCCESS);
    if (skip(NT_SUCCESS(Status), "no event\n"))
        return;
    Status = ObReferenceObjectByHandle(Handle, EVENT_ALL_ACCESS, *ExEventObjectType, KernelMode, &Event, NULL);
    ok_eq_hex(Status, STATUS_SUCCESS);
    if (skip(NT_SUCCESS(Status), "no object\n")) {
        ZwClose(Handle);
        return;
    }
    ok_eq_longptr(HANDLE_COUNT(Event), 1);
    Base = POINTER_COUNT(Event);
    ok(Base >= 2, "pointer count %I64d, expected at least 2 (handle and reference)\n", (LONGLONG)Base);
    Count = ObfReferenceObject(Event);
    ok_eq_longptr(Count, Base + 1);
    ok_eq_longptr(POINTER_COUNT(Event), Base + 1);
    Status = ObReferenceObjectByPointer(Event, EVENT_ALL_ACCESS, *ExEventObjectType, KernelMode);
    ok_eq_hex(Status, STATUS_SUCCESS);
    ok_eq_longptr(POINTER_COUNT(Event), Base + 2);
    Count = ObfDereferenceObject(Event);
    ok_eq_longptr(Count, Base + 1);
    Count = ObfDereferenceObject(Event);
    ok_eq_longptr(Count, Base);
    Status = ZwClose(Handle);
    ok_eq_hex(Status, STATUS_SUCCESS);
    ok_eq_longptr(HANDLE_COUNT(Event), 0);
    ok_eq_longptr(POINTER_COUNT(Event), Base - 1);
    ObDereferenceObject(Event);
}

START_TEST(ObReferenceByHandleErrors)
{
    HANDLE Handle;
    PVOID Object = KmtInvalidPointer;
    NTSTATUS Status;

    Status = CreateEvent(&Handle, SYNCHRONIZE);
    ok_eq_hex(Status, STATUS_SUCCESS);
    if (skip(NT_SUCCESS(Status), "no event\n"))
        return;
    Status = ObReferenceObjectByHandle(Handle, SYNCHRONIZE, *PsThreadType, KernelMode, &Object, NULL);
    ok_eq_hex(Status, STATUS_OBJECT_TYPE_MISMATCH);
    ok_eq_pointer(Object, NULL);
    Status = ObReferenceObjectByHandle((HANDLE)(ULONG_PTR)0x7ff0, SYNCHRONIZE, NULL, KernelMode, &Object, NULL);
    ok_eq_hex(Status, STATUS_INVALID_HANDLE);
    Status = ObReferenceObjectByHandle(Handle, EVENT_MODIFY_STATE, *ExEventObjectType, KernelMode, &Object, NULL);
    ok_eq_hex(Status, STATUS_SUCCESS);
    if (NT_SUCCESS(Status))
        ObDereferenceObject(Object);
    Status = ZwClose(Handle);
    ok_eq_hex(Status, STATUS_SUCCESS);
    Status = ObReferenceObjectByHandle(Handle, SYNCHRONIZE, NULL, KernelMode, &Object, NULL);
    ok_eq_hex(Status, STATUS_INVALID_HANDLE);
}
