// obname.cpp - the namespace: walking a path from the root (or a root handle) through
// directories and parse procedures (symbolic links reparse), inserting a new object
// under its last component, and taking a temporary object's name away when its last
// handle closes.
#include "ke.h"
#include "ob.h"

#define OB_MAX_REPARSE 30

namespace {

// Splits the first component off Remaining (which has no leading separator): Component
// is up to the next separator, Remaining keeps the separator and what follows.
void ObpNextComponent(PUNICODE_STRING Remaining, PUNICODE_STRING Component)
{
    *Component = *Remaining;
    USHORT Chars = Remaining->Length / sizeof(WCHAR);
    USHORT I = 0;
    while (I < Chars && Remaining->Buffer[I] != OBJ_NAME_PATH_SEPARATOR)
        I++;
    Component->Length = (USHORT)(I * sizeof(WCHAR));
    Remaining->Buffer += I;
    Remaining->Length = (USHORT)(Remaining->Length - Component->Length);
    Remaining->MaximumLength = Remaining->Length;
}

// Drops a leading separator from Name.
void ObpSkipSeparator(PUNICODE_STRING Name)
{
    if (Name->Length && Name->Buffer[0] == OBJ_NAME_PATH_SEPARATOR) {
        Name->Buffer++;
        Name->Length -= sizeof(WCHAR);
        Name->MaximumLength = Name->Length;
    }
}

// Names InsertObject Component inside Directory, whose lock Context holds exclusively:
// its name becomes the last component, it and the directory each gain a reference
// (the entry's, and the name's). At or below APC_LEVEL.
NTSTATUS ObpInsertUnderName(POBJECT_DIRECTORY Directory, PCUNICODE_STRING Component, PVOID InsertObject,
                            POBP_LOOKUP_CONTEXT Context)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(InsertObject);
    POBJECT_HEADER_NAME_INFO NameInfo = OBJECT_HEADER_TO_NAME_INFO(Header);
    auto *Buffer = static_cast<PWSTR>(ExAllocatePoolWithTag(PagedPool, Component->Length, OB_NAME_TAG));
    if (!Buffer)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (!ObpInsertEntryDirectory(Directory, Context, Header)) {
        ExFreePoolWithTag(Buffer, OB_NAME_TAG);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    RtlCopyMemory(Buffer, Component->Buffer, Component->Length);
    if (NameInfo->Name.Buffer)
        ExFreePoolWithTag(NameInfo->Name.Buffer, OB_NAME_TAG);
    NameInfo->Name.Buffer = Buffer;
    NameInfo->Name.Length = NameInfo->Name.MaximumLength = Component->Length;
    ObReferenceObject(InsertObject);
    ObReferenceObject(Directory);
    __atomic_store_n(&NameInfo->Directory, Directory, __ATOMIC_RELEASE);
    return STATUS_SUCCESS;
}

// Whether the subject may create an object (a subdirectory, for a directory) in
// Directory: kernel mode always may; user mode needs DIRECTORY_CREATE_OBJECT (or
// _SUBDIRECTORY) from the directory's descriptor, else *Status is why not.
BOOLEAN ObpMayCreateIn(POBJECT_DIRECTORY Directory, POBJECT_TYPE ObjectType, PACCESS_STATE AccessState,
                       PUNICODE_STRING Component, KPROCESSOR_MODE AccessMode, NTSTATUS *Status)
{
    if (AccessMode == KernelMode)
        return TRUE;
    ACCESS_MASK CreateAccess =
        ObjectType == ObpDirectoryObjectType ? DIRECTORY_CREATE_SUBDIRECTORY : DIRECTORY_CREATE_OBJECT;
    return ObCheckCreateObjectAccess(Directory, CreateAccess, AccessState, Component, TRUE, AccessMode, Status);
}

// Decides an insertion that found Existing under the name: OBJ_OPENIF opens it
// (STATUS_OBJECT_NAME_EXISTS) if it has the expected type, otherwise the name collides.
NTSTATUS ObpResolveCollision(PVOID Existing, POBJECT_TYPE ObjectType, ULONG Attributes)
{
    if (!(Attributes & OBJ_OPENIF))
        return STATUS_OBJECT_NAME_COLLISION;
    if (ObjectType && OBJECT_TO_OBJECT_HEADER(Existing)->Type != ObjectType)
        return STATUS_OBJECT_TYPE_MISMATCH;
    return STATUS_OBJECT_NAME_EXISTS;
}

// References the object a lookup ends on, checking the type the caller expects (if it
// names one) as ObReferenceObjectByPointer does for AccessMode.
NTSTATUS ObpReferenceFoundObject(PVOID Object, POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode)
{
    if (ObjectType)
        return ObReferenceObjectByPointer(Object, 0, ObjectType, AccessMode);
    ObReferenceObject(Object);
    return STATUS_SUCCESS;
}

// Ends a walk on an existing Object (referenced by the walk, which this drops): an
// insertion collides with it or, with OBJ_OPENIF, opens it; a lookup references it,
// checking the type it expects.
NTSTATUS ObpEndOnObject(PVOID Object, PVOID InsertObject, POBJECT_TYPE ObjectType, ULONG Attributes,
                        KPROCESSOR_MODE AccessMode, PVOID *FoundObject)
{
    NTSTATUS Status = InsertObject ? ObpResolveCollision(Object, ObjectType, Attributes)
                                   : ObpReferenceFoundObject(Object, ObjectType, AccessMode);
    if (NT_SUCCESS(Status)) {
        if (InsertObject)
            ObReferenceObject(Object);
        *FoundObject = Object;
    }
    ObDereferenceObject(Object);
    return Status;
}

} // namespace

// Finds (or, with InsertObject, creates) the object ObjectName names, from RootHandle's
// object or the root directory. Directories are walked, other objects with a parse
// procedure parse the rest (a symbolic link reparses from the root, at most 30 times);
// lookups are case-insensitive. A user-mode insertion needs the directory's create
// right; traverse checks are bypassed, as for every token with SeChangeNotifyPrivilege. On an insertion the directory stays locked in
// LookupContext until the caller has made its handle. *FoundObject carries a reference.
// ObjectName is a pool buffer (OB_NAME_TAG) a reparse may replace. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObpLookupObjectName(HANDLE RootHandle, PUNICODE_STRING ObjectName, ULONG Attributes,
                                              POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode,
                                              PVOID ParseContext, PSECURITY_QUALITY_OF_SERVICE SecurityQos,
                                              PVOID InsertObject, PACCESS_STATE AccessState,
                                              POBP_LOOKUP_CONTEXT LookupContext, PVOID *FoundObject)
{
    ObpInitializeLookupContext(LookupContext);
    *FoundObject = NULL;
    if (!ObjectType || ObjectType->TypeInfo.CaseInsensitive)
        Attributes |= OBJ_CASE_INSENSITIVE;
    KPROCESSOR_MODE CheckMode = (Attributes & OBJ_FORCE_ACCESS_CHECK) ? (KPROCESSOR_MODE)UserMode : AccessMode;
    PVOID Current; // the object the walk is in, referenced
    if (RootHandle) {
        NTSTATUS Status = ObReferenceObjectByHandle(RootHandle, 0, NULL, AccessMode, &Current, NULL);
        if (!NT_SUCCESS(Status))
            return Status;
        if (ObjectName->Length && ObjectName->Buffer[0] == OBJ_NAME_PATH_SEPARATOR) {
            ObDereferenceObject(Current);
            return STATUS_OBJECT_PATH_SYNTAX_BAD;
        }
        POBJECT_TYPE RootType = OBJECT_TO_OBJECT_HEADER(Current)->Type;
        if (RootType != ObpDirectoryObjectType && !RootType->TypeInfo.ParseProcedure) {
            ObDereferenceObject(Current);
            return STATUS_INVALID_HANDLE;
        }
    } else {
        if (!ObjectName->Length || ObjectName->Buffer[0] != OBJ_NAME_PATH_SEPARATOR)
            return STATUS_OBJECT_PATH_SYNTAX_BAD;
        Current = ObpRootDirectoryObject;
        ObReferenceObject(Current);
    }
    UNICODE_STRING Remaining = *ObjectName;
    if (!RootHandle)
        ObpSkipSeparator(&Remaining);
    if (!Remaining.Length) // the root itself (or the root handle's object)
        return ObpEndOnObject(Current, InsertObject, ObjectType, Attributes, AccessMode, FoundObject);
    ULONG Reparses = OB_MAX_REPARSE;
    NTSTATUS Status = STATUS_SUCCESS;
    for (;;) {
        POBJECT_HEADER CurrentHeader = OBJECT_TO_OBJECT_HEADER(Current);
        PVOID Object = NULL;
        if (CurrentHeader->Type != ObpDirectoryObjectType) {
            Object = Current; // a root handle's parseable object parses the whole name
            Current = NULL;
        } else {
            UNICODE_STRING Component;
            ObpNextComponent(&Remaining, &Component);
            if (!Component.Length) {
                Status = STATUS_OBJECT_NAME_INVALID;
                break;
            }
            auto *Directory = static_cast<POBJECT_DIRECTORY>(Current);
            BOOLEAN Last = Remaining.Length == 0;
            ObpAcquireDirectoryLock(Directory, LookupContext, Last && InsertObject);
            Object = ObpLookupEntryDirectory(Directory, &Component, Attributes, LookupContext);
            if (!Object) {
                if (!Last)
                    Status = STATUS_OBJECT_PATH_NOT_FOUND;
                else if (!InsertObject)
                    Status = STATUS_OBJECT_NAME_NOT_FOUND;
                else if (ObpMayCreateIn(Directory, ObjectType, AccessState, &Component, CheckMode, &Status))
                    Status = ObpInsertUnderName(Directory, &Component, InsertObject, LookupContext);
                if (NT_SUCCESS(Status)) {
                    ObReferenceObject(InsertObject);
                    *FoundObject = InsertObject;
                } else {
                    ObpReleaseLookupContext(LookupContext);
                }
                ObDereferenceObject(Current);
                return Status;
            }
            ObReferenceObject(Object);
            ObpReleaseLookupContext(LookupContext);
            ObDereferenceObject(Current);
            Current = NULL;
            POBJECT_TYPE Type = OBJECT_TO_OBJECT_HEADER(Object)->Type;
            BOOLEAN Parse = Type->TypeInfo.ParseProcedure && (!InsertObject || Type == ObpSymbolicLinkObjectType);
            if (!Parse) {
                if (!Last && Type == ObpDirectoryObjectType) {
                    ObpSkipSeparator(&Remaining);
                    Current = Object;
                    continue;
                }
                if (!Last) {
                    ObDereferenceObject(Object);
                    Status = STATUS_OBJECT_PATH_NOT_FOUND;
                    break;
                }
                return ObpEndOnObject(Object, InsertObject, ObjectType, Attributes, AccessMode, FoundObject);
            }
        }
        // Object parses what remains (with its leading separator).
        PVOID Parsed = NULL;
        OB_PARSE_METHOD ParseProcedure = OBJECT_TO_OBJECT_HEADER(Object)->Type->TypeInfo.ParseProcedure;
        Status = ParseProcedure(Object, ObjectType, AccessState, CheckMode, Attributes, ObjectName, &Remaining,
                                ParseContext, SecurityQos, &Parsed);
        ObDereferenceObject(Object);
        if (Status != STATUS_REPARSE) {
            if (NT_SUCCESS(Status) && !Parsed)
                Status = STATUS_OBJECT_NAME_NOT_FOUND;
            if (NT_SUCCESS(Status))
                *FoundObject = Parsed;
            return Status;
        }
        if (!--Reparses || !ObjectName->Length || ObjectName->Buffer[0] != OBJ_NAME_PATH_SEPARATOR) {
            Status = STATUS_OBJECT_NAME_NOT_FOUND;
            break;
        }
        Current = ObpRootDirectoryObject;
        ObReferenceObject(Current);
        Remaining = *ObjectName;
        ObpSkipSeparator(&Remaining);
        if (!Remaining.Length) {
            Status = STATUS_OBJECT_NAME_INVALID;
            break;
        }
    }
    if (Current)
        ObDereferenceObject(Current);
    return Status;
}

// Takes a named object out of its directory once its last handle closed, unless it
// is permanent: the directory's entry and references go. At PASSIVE_LEVEL.
extern "C" VOID NTAPI ObpDeleteNameCheck(PVOID Object)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    POBJECT_HEADER_NAME_INFO NameInfo = OBJECT_HEADER_TO_NAME_INFO(Header);
    if (!NameInfo || __atomic_load_n(&Header->HandleCount, __ATOMIC_ACQUIRE) ||
        (__atomic_load_n(&Header->Flags, __ATOMIC_ACQUIRE) & OB_FLAG_PERMANENT))
        return;
    POBJECT_DIRECTORY Directory = __atomic_load_n(&NameInfo->Directory, __ATOMIC_ACQUIRE);
    if (!Directory)
        return;
    OBP_LOOKUP_CONTEXT Context;
    ObpInitializeLookupContext(&Context);
    ObpAcquireDirectoryLock(Directory, &Context, TRUE);
    BOOLEAN Removed = FALSE;
    if (__atomic_load_n(&NameInfo->Directory, __ATOMIC_ACQUIRE) == Directory &&
        ObpLookupEntryDirectory(Directory, &NameInfo->Name, 0, &Context) == Object) {
        ObpAcquireObjectLock(Header);
        if (!Header->HandleCount && !(Header->Flags & OB_FLAG_PERMANENT)) {
            ObpDeleteEntryDirectory(&Context);
            __atomic_store_n(&NameInfo->Directory, (POBJECT_DIRECTORY)NULL, __ATOMIC_RELEASE);
            Removed = TRUE;
        }
        ObpReleaseObjectLock(Header);
    }
    ObpReleaseLookupContext(&Context);
    if (Removed) {
        ObDereferenceObject(Directory);
        ObDereferenceObject(Object);
    }
}
