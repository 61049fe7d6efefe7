// driver.cpp - driver objects (io/driver.c), as far as a hosted driver needs one: the
// "Driver" type, and IoCreateDriver / IoDeleteDriver, which make \Driver\<Name> and run
// its DriverEntry, then take it away. No devices, IRPs or registry yet.
#include "ke.h"
#include "ex.h"
#include "ob.h"

#define TAG_IO_NAME 'mNoI'

POBJECT_TYPE IopDriverObjectType;
POBJECT_TYPE *IoDriverObjectType = &IopDriverObjectType;

namespace {

GENERIC_MAPPING IopDriverMapping = {STANDARD_RIGHTS_READ, STANDARD_RIGHTS_WRITE, STANDARD_RIGHTS_EXECUTE,
                                    STANDARD_RIGHTS_REQUIRED | 0x1};

// The Driver type's delete procedure: frees the driver's name.
VOID NTAPI IopDeleteDriver(PVOID Object)
{
    auto *Driver = static_cast<PDRIVER_OBJECT>(Object);
    if (Driver->DriverName.Buffer)
        ExFreePoolWithTag(Driver->DriverName.Buffer, TAG_IO_NAME);
}

// Makes the named, permanent driver object (not yet initialized by its driver).
NTSTATUS IopCreateDriverObject(PUNICODE_STRING DriverName, PDRIVER_INITIALIZE Initialize, PDRIVER_OBJECT *Driver)
{
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, DriverName, OBJ_PERMANENT | OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL,
                               NULL);
    PDRIVER_OBJECT Object;
    NTSTATUS Status = ObCreateObject(KernelMode, IopDriverObjectType, &Attributes, KernelMode, NULL,
                                     sizeof(DRIVER_OBJECT), 0, 0, reinterpret_cast<PVOID *>(&Object));
    if (!NT_SUCCESS(Status))
        return Status;
    RtlZeroMemory(Object, sizeof(*Object));
    Object->Type = IO_TYPE_DRIVER;
    Object->Size = sizeof(DRIVER_OBJECT);
    Object->DriverInit = Initialize;
    Object->DriverName.Buffer = static_cast<PWSTR>(ExAllocatePoolWithTag(PagedPool, DriverName->Length, TAG_IO_NAME));
    if (Object->DriverName.Buffer) {
        RtlCopyMemory(Object->DriverName.Buffer, DriverName->Buffer, DriverName->Length);
        Object->DriverName.Length = Object->DriverName.MaximumLength = DriverName->Length;
    }
    HANDLE Handle;
    Status = ObInsertObject(Object, NULL, READ_CONTROL, 1, NULL, &Handle);
    if (!NT_SUCCESS(Status))
        return Status;
    ObCloseHandle(Handle, KernelMode);
    if (!Object->DriverName.Buffer) {
        IoDeleteDriver(Object);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    *Driver = Object;
    return STATUS_SUCCESS;
}

} // namespace

// Creates the Driver object type. At PASSIVE_LEVEL in phase 1.
extern "C" NTSTATUS NTAPI IopCreateObjectTypes(VOID)
{
    return ExpCreateObjectType(L"Driver", &IopDriverMapping, STANDARD_RIGHTS_REQUIRED | 0x1, sizeof(DRIVER_OBJECT),
                               IopDeleteDriver, &IopDriverObjectType);
}

// Creates the driver object DriverName names (\Driver\<Name>) and calls its
// initialization routine with it (and an empty registry path); a failing DriverEntry
// takes the object away again and is the result. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI IoCreateDriver(PUNICODE_STRING DriverName, PDRIVER_INITIALIZE InitializationFunction)
{
    if (!DriverName || !DriverName->Length || !InitializationFunction)
        return STATUS_INVALID_PARAMETER;
    PDRIVER_OBJECT Driver;
    NTSTATUS Status = IopCreateDriverObject(DriverName, InitializationFunction, &Driver);
    if (!NT_SUCCESS(Status))
        return Status;
    UNICODE_STRING RegistryPath{};
    Status = InitializationFunction(Driver, &RegistryPath);
    if (!NT_SUCCESS(Status))
        IoDeleteDriver(Driver);
    return Status;
}

// Takes a driver object away: its name goes and, with the last reference, the object.
// The caller has run its DriverUnload when it has one. At PASSIVE_LEVEL.
extern "C" VOID NTAPI IoDeleteDriver(PDRIVER_OBJECT DriverObject)
{
    ObMakeTemporaryObject(DriverObject);
    ObDereferenceObject(DriverObject);
}
