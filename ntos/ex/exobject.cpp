// exobject.cpp - what the executive's object services (event, semaphore, mutant,
// timer) share: their object types, and the create and open halves that hand a
// handle back to the caller.
#include "ke.h"
#include "ex.h"
#include "ob.h"

// Creates one of the executive's object types: nonpaged bodies of BodySize, with
// OBJ_OPENLINK refused, as NT makes "Event", "Semaphore", "Mutant" and "Timer". At
// PASSIVE_LEVEL in phase 1.
extern "C" NTSTATUS NTAPI ExpCreateObjectType(PCWSTR TypeName, PGENERIC_MAPPING Mapping, ACCESS_MASK ValidAccess,
                                              ULONG BodySize, OB_DELETE_METHOD DeleteProcedure, POBJECT_TYPE *Type)
{
    OBJECT_TYPE_INITIALIZER Initializer{};
    Initializer.Length = sizeof(Initializer);
    Initializer.PoolType = NonPagedPool;
    Initializer.InvalidAttributes = OBJ_OPENLINK;
    Initializer.DefaultNonPagedPoolCharge = BodySize;
    Initializer.GenericMapping = *Mapping;
    Initializer.ValidAccessMask = ValidAccess;
    Initializer.DeleteProcedure = DeleteProcedure;
    UNICODE_STRING Name;
    RtlInitUnicodeString(&Name, TypeName);
    return ObCreateObjectType(&Name, &Initializer, NULL, Type);
}

// The first half of a create service: checks that a user-mode caller's Handle can be
// written, then creates an object of Type (BodySize bytes, not yet initialized) for
// the caller's attributes. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ExpCreateObject(POBJECT_TYPE Type, POBJECT_ATTRIBUTES ObjectAttributes, ULONG BodySize,
                                          PHANDLE Handle, PVOID *Object)
{
    KPROCESSOR_MODE PreviousMode = ExGetPreviousMode();
    NTSTATUS Status = ExpProbeForWriteCaller(Handle, sizeof(HANDLE), sizeof(HANDLE));
    if (!NT_SUCCESS(Status))
        return Status;
    return ObCreateObject(PreviousMode, Type, ObjectAttributes, PreviousMode, NULL, BodySize, 0, 0, Object);
}

// The second half: inserts the initialized object (consuming the creation's
// reference) with DesiredAccess and writes the new handle to the caller. A handle the
// caller's pointer cannot take stays open in its table, as in NT. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ExpInsertObject(PVOID Object, ACCESS_MASK DesiredAccess, PHANDLE Handle)
{
    HANDLE NewHandle;
    NTSTATUS Status = ObInsertObject(Object, NULL, DesiredAccess, 0, NULL, &NewHandle);
    if (!NT_SUCCESS(Status))
        return Status;
    NTSTATUS CopyStatus = ExpCopyToCaller(Handle, &NewHandle, sizeof(NewHandle));
    return NT_SUCCESS(CopyStatus) ? Status : CopyStatus;
}

// An open service: opens the object of Type that ObjectAttributes names, for the
// caller's mode, and writes the handle to the caller. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ExpOpenObject(POBJECT_TYPE Type, POBJECT_ATTRIBUTES ObjectAttributes,
                                        ACCESS_MASK DesiredAccess, PHANDLE Handle)
{
    KPROCESSOR_MODE PreviousMode = ExGetPreviousMode();
    NTSTATUS Status = ExpProbeForWriteCaller(Handle, sizeof(HANDLE), sizeof(HANDLE));
    if (!NT_SUCCESS(Status))
        return Status;
    HANDLE NewHandle;
    Status = ObOpenObjectByName(ObjectAttributes, Type, PreviousMode, NULL, DesiredAccess, NULL, &NewHandle);
    if (!NT_SUCCESS(Status))
        return Status;
    NTSTATUS CopyStatus = ExpCopyToCaller(Handle, &NewHandle, sizeof(NewHandle));
    return NT_SUCCESS(CopyStatus) ? Status : CopyStatus;
}
