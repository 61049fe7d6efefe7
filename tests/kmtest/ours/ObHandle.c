/*
 * ObHandle.c - kmtest-style tests of handles and names: kernel handles carry the
 * kernel bit, a named event is found by its name and gone with its last handle, a
 * second create of the name collides unless OBJ_OPENIF, and a duplicate names the
 * same object with the access asked for.
 */
#include <kmt_test.h>

#define KMT_KERNEL_HANDLE_BITS ((ULONG_PTR)0xFFFFFFFF80000000ULL)

/* Opens or creates the named event Name; Create chooses. PASSIVE_LEVEL. */
static NTSTATUS NamedEvent(PHANDLE Handle, PCWSTR Name, ULONG Attributes, BOOLEAN Create)
{
    OBJECT_ATTRIBUTES ObjectAttributes;
    UNICODE_STRING String;
    RtlInitUnicodeString(&String, Name);
    InitializeObjectAttributes(&ObjectAttributes, &String, OBJ_KERNEL_HANDLE | Attributes, NULL, NULL);
    if (Create)
        return ZwCreateEvent(Handle, EVENT_ALL_ACCESS, &ObjectAttributes, NotificationEvent, FALSE);
    return ZwOpenEvent(Handle, EVENT_ALL_ACCESS, &ObjectAttributes);
}

START_TEST(ObNamedEvent)
{
    static const WCHAR Name[] = L"\\BaseNamedObjects\\KmtOursNamedEvent";
    HANDLE First, Second, Third = NULL;
    PVOID FirstObject = NULL, SecondObject = NULL;
    NTSTATUS Status;

    Status = NamedEvent(&First, Name, 0, FALSE);
    ok_eq_hex(Status, STATUS_OBJECT_NAME_NOT_FOUND);
    Status = NamedEvent(&First, Name, 0, TRUE);
    ok_eq_hex(Status, STATUS_SUCCESS);
    if (skip(NT_SUCCESS(Status), "no event\n"))
        return;
    ok_eq_ulongptr((ULONG_PTR)First & KMT_KERNEL_HANDLE_BITS, KMT_KERNEL_HANDLE_BITS);
    Status = NamedEvent(&Third, Name, 0, TRUE);
    ok_eq_hex(Status, STATUS_OBJECT_NAME_COLLISION);
    Status = NamedEvent(&Second, Name, 0, FALSE);
    ok_eq_hex(Status, STATUS_SUCCESS);
    if (!skip(NT_SUCCESS(Status), "no second handle\n")) {
        ok(Second != First, "the open returned the same handle\n");
        ObReferenceObjectByHandle(First, 0, *ExEventObjectType, KernelMode, &FirstObject, NULL);
        ObReferenceObjectByHandle(Second, 0, *ExEventObjectType, KernelMode, &SecondObject, NULL);
        ok(FirstObject && FirstObject == SecondObject, "the name opened %p, expected %p\n", SecondObject, FirstObject);
        if (FirstObject)
            ObDereferenceObject(FirstObject);
        if (SecondObject)
            ObDereferenceObject(SecondObject);
        Status = ZwSetEvent(Second, NULL);
        ok_eq_hex(Status, STATUS_SUCCESS);
        Status = ZwWaitForSingleObject(First, FALSE, NULL);
        ok_eq_hex(Status, STATUS_SUCCESS);
        Status = NamedEvent(&Third, Name, OBJ_OPENIF, TRUE);
        ok_eq_hex(Status, STATUS_OBJECT_NAME_EXISTS);
        if (NT_SUCCESS(Status))
            ZwClose(Third);
        Status = ZwClose(Second);
        ok_eq_hex(Status, STATUS_SUCCESS);
    }
    Status = ZwClose(First);
    ok_eq_hex(Status, STATUS_SUCCESS);
    Status = NamedEvent(&First, Name, 0, FALSE);
    ok_eq_hex(Status, STATUS_OBJECT_NAME_NOT_FOUND);
}

START_TEST(ObDuplicateHandle)
{
    OBJECT_ATTRIBUTES Attributes;
    HANDLE Source, Copy = NULL;
    PVOID SourceObject = NULL, CopyObject = NULL;
    OBJECT_HANDLE_INFORMATION Information;
    NTSTATUS Status;

    InitializeObjectAttributes(&Attributes, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    Status = ZwCreateEvent(&Source, EVENT_ALL_ACCESS, &Attributes, SynchronizationEvent, FALSE);
    ok_eq_hex(Status, STATUS_SUCCESS);
    if (skip(NT_SUCCESS(Status), "no event\n"))
        return;
    Status = ZwDuplicateObject(ZwCurrentProcess(), Source, ZwCurrentProcess(), &Copy, SYNCHRONIZE, OBJ_KERNEL_HANDLE, 0);
    ok_eq_hex(Status, STATUS_SUCCESS);
    if (!skip(NT_SUCCESS(Status), "no duplicate\n")) {
        ok(Copy != Source, "the duplicate is the source handle\n");
        Status = ObReferenceObjectByHandle(Source, 0, NULL, KernelMode, &SourceObject, NULL);
        ok_eq_hex(Status, STATUS_SUCCESS);
        Status = ObReferenceObjectByHandle(Copy, 0, NULL, KernelMode, &CopyObject, &Information);
        ok_eq_hex(Status, STATUS_SUCCESS);
        ok_eq_pointer(CopyObject, SourceObject);
        ok_eq_hex(Information.GrantedAccess, SYNCHRONIZE);
        if (SourceObject)
            ObDereferenceObject(SourceObject);
        if (CopyObject)
            ObDereferenceObject(CopyObject);
        Status = ZwClose(Copy);
        ok_eq_hex(Status, STATUS_SUCCESS);
    }
    Status = ZwDuplicateObject(ZwCurrentProcess(), Source, ZwCurrentProcess(), &Copy, 0, OBJ_KERNEL_HANDLE,
                               DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE);
    ok_eq_hex(Status, STATUS_SUCCESS);
    if (skip(NT_SUCCESS(Status), "no duplicate\n"))
        return;
    SourceObject = KmtInvalidPointer;
    Status = ObReferenceObjectByHandle(Source, 0, NULL, KernelMode, &SourceObject, NULL);
    ok_eq_hex(Status, STATUS_INVALID_HANDLE);
    ok_eq_pointer(SourceObject, NULL);
    Status = ZwClose(Copy);
    ok_eq_hex(Status, STATUS_SUCCESS);
}
