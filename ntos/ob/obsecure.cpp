// obsecure.cpp - the object manager's side of security: a new object's descriptor,
// reading and changing the descriptor an object header holds (through the descriptor
// cache), and checking an access state against an object.
#include "ob.h"
#include "se.h"

#define TAG_OB_SECURITY_QUERY 'qSbO'

namespace {

// The parts of a descriptor ObGetObjectSecurity asks a type's security procedure for.
constexpr SECURITY_INFORMATION kAllSecurityInformation =
    OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION;

inline PEX_FAST_REF ObpSecurityFastRef(PSECURITY_DESCRIPTOR *SecurityDescriptor)
{
    return reinterpret_cast<PEX_FAST_REF>(SecurityDescriptor);
}

// Records the privileges an access check used in the access state and frees their set.
void ObpAppendPrivileges(PACCESS_STATE AccessState, PPRIVILEGE_SET Privileges)
{
    if (!Privileges)
        return;
    SeAppendPrivileges(AccessState, Privileges);
    SeFreePrivileges(Privileges);
}

} // namespace

// Stores a descriptor SeAssignSecurity built (which this frees) in the object's header,
// as a cached copy with a full fast-reference cache; NULL leaves the object without
// one. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObAssignObjectSecurityDescriptor(PVOID Object, PSECURITY_DESCRIPTOR SecurityDescriptor,
                                                           POOL_TYPE PoolType)
{
    UNREFERENCED_PARAMETER(PoolType);
    PEX_FAST_REF FastRef = ObpSecurityFastRef(&OBJECT_TO_OBJECT_HEADER(Object)->SecurityDescriptor);
    if (!SecurityDescriptor) {
        ExInitializeFastReference(FastRef, NULL);
        return STATUS_SUCCESS;
    }
    PSECURITY_DESCRIPTOR Cached;
    NTSTATUS Status = ObLogSecurityDescriptor(SecurityDescriptor, &Cached, MAX_FAST_REFS + 1);
    if (!NT_SUCCESS(Status))
        return Status;
    SeDeassignSecurity(&SecurityDescriptor);
    ExInitializeFastReference(FastRef, Cached);
    return STATUS_SUCCESS;
}

// Takes the descriptor out of an object header's field and drops every reference the
// header held on it. At PASSIVE_LEVEL, when nothing else uses the object.
extern "C" NTSTATUS NTAPI ObDeassignSecurity(PSECURITY_DESCRIPTOR *SecurityDescriptor)
{
    EX_FAST_REF Old = ExSwapFastReference(ObpSecurityFastRef(SecurityDescriptor), NULL);
    PSECURITY_DESCRIPTOR Cached = ExGetObjectFastReference(Old);
    if (Cached)
        ObDereferenceSecurityDescriptor(Cached, ExGetCountFastReference(Old) + 1);
    return STATUS_SUCCESS;
}

// Writes the parts of an object's descriptor that SecurityInformation names into a
// buffer of *Length bytes, as SeQuerySecurityDescriptorInfo does. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObQuerySecurityDescriptorInfo(PVOID Object, PSECURITY_INFORMATION SecurityInformation,
                                                        PSECURITY_DESCRIPTOR SecurityDescriptor, PULONG Length,
                                                        PSECURITY_DESCRIPTOR *OutputSecurityDescriptor)
{
    UNREFERENCED_PARAMETER(OutputSecurityDescriptor);
    PSECURITY_DESCRIPTOR ObjectSd = ObpReferenceSecurityDescriptor(OBJECT_TO_OBJECT_HEADER(Object));
    NTSTATUS Status = SeQuerySecurityDescriptorInfo(SecurityInformation, SecurityDescriptor, Length, &ObjectSd);
    if (ObjectSd)
        ObDereferenceSecurityDescriptor(ObjectSd, 1);
    return Status;
}

// Changes the parts of an object's descriptor that SecurityInformation names: builds the
// new descriptor, caches it, and swaps it into the header unless another change came
// first (then retries). Readers on the locked path are flushed before the old
// descriptor's references go. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObSetSecurityDescriptorInfo(PVOID Object, PSECURITY_INFORMATION SecurityInformation,
                                                      PSECURITY_DESCRIPTOR SecurityDescriptor,
                                                      PSECURITY_DESCRIPTOR *OutputSecurityDescriptor,
                                                      POOL_TYPE PoolType, PGENERIC_MAPPING GenericMapping)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    for (;;) {
        PSECURITY_DESCRIPTOR OldDescriptor = ObpReferenceSecurityDescriptor(Header);
        PSECURITY_DESCRIPTOR NewDescriptor = OldDescriptor;
        NTSTATUS Status = SeSetSecurityDescriptorInfo(Object, SecurityInformation, SecurityDescriptor, &NewDescriptor,
                                                      PoolType, GenericMapping);
        PSECURITY_DESCRIPTOR Cached = NULL;
        if (NT_SUCCESS(Status)) {
            Status = ObLogSecurityDescriptor(NewDescriptor, &Cached, MAX_FAST_REFS + 1);
            SeDeassignSecurity(&NewDescriptor);
        }
        if (!NT_SUCCESS(Status)) {
            if (OldDescriptor)
                ObDereferenceSecurityDescriptor(OldDescriptor, 1);
            return Status;
        }
        EX_FAST_REF Seen = ExCompareSwapFastReference(ObpSecurityFastRef(OutputSecurityDescriptor), Cached,
                                                      OldDescriptor);
        if (ExGetObjectFastReference(Seen) == OldDescriptor) {
            ObpAcquireObjectLock(Header);
            ObpReleaseObjectLock(Header);
            if (OldDescriptor)
                ObDereferenceSecurityDescriptor(OldDescriptor, ExGetCountFastReference(Seen) + 2);
            return STATUS_SUCCESS;
        }
        if (OldDescriptor)
            ObDereferenceSecurityDescriptor(OldDescriptor, 1);
        ObDereferenceSecurityDescriptor(Cached, MAX_FAST_REFS + 1);
    }
}

// Returns an object's descriptor for an access check: the cached one (referenced,
// *MemoryAllocated FALSE) for types using SeDefaultObjectMethod, else a pool copy the
// type's security procedure fills (*MemoryAllocated TRUE). NULL when the object has none.
// Release it with ObReleaseObjectSecurity. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObGetObjectSecurity(PVOID Object, PSECURITY_DESCRIPTOR *SecurityDescriptor,
                                              PBOOLEAN MemoryAllocated)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    POBJECT_TYPE Type = Header->Type;
    *SecurityDescriptor = NULL;
    *MemoryAllocated = FALSE;
    if (Type->TypeInfo.SecurityProcedure == SeDefaultObjectMethod) {
        *SecurityDescriptor = ObpReferenceSecurityDescriptor(Header);
        return STATUS_SUCCESS;
    }
    SECURITY_INFORMATION Information = kAllSecurityInformation;
    ULONG Length = 0;
    NTSTATUS Status = Type->TypeInfo.SecurityProcedure(Object, QuerySecurityDescriptor, &Information, NULL, &Length,
                                                       &Header->SecurityDescriptor, Type->TypeInfo.PoolType,
                                                       &Type->TypeInfo.GenericMapping);
    if (Status != STATUS_BUFFER_TOO_SMALL)
        return Status;
    PSECURITY_DESCRIPTOR Buffer = ExAllocatePoolWithTag(PagedPool, Length, TAG_OB_SECURITY_QUERY);
    if (!Buffer)
        return STATUS_INSUFFICIENT_RESOURCES;
    Status = Type->TypeInfo.SecurityProcedure(Object, QuerySecurityDescriptor, &Information, Buffer, &Length,
                                              &Header->SecurityDescriptor, Type->TypeInfo.PoolType,
                                              &Type->TypeInfo.GenericMapping);
    if (!NT_SUCCESS(Status)) {
        ExFreePoolWithTag(Buffer, TAG_OB_SECURITY_QUERY);
        return Status;
    }
    *SecurityDescriptor = Buffer;
    *MemoryAllocated = TRUE;
    return STATUS_SUCCESS;
}

// Releases what ObGetObjectSecurity returned. At PASSIVE_LEVEL.
extern "C" VOID NTAPI ObReleaseObjectSecurity(PSECURITY_DESCRIPTOR SecurityDescriptor, BOOLEAN MemoryAllocated)
{
    if (!SecurityDescriptor)
        return;
    if (MemoryAllocated)
        ExFreePoolWithTag(SecurityDescriptor, TAG_OB_SECURITY_QUERY);
    else
        ObDereferenceSecurityDescriptor(SecurityDescriptor, 1);
}

// Gives a new object its descriptor: SeAssignSecurity from the parent's descriptor
// (SecurityDescriptor, may be NULL), the explicit one in AccessState and its subject,
// handed to the type's security procedure, which owns it on success. Directories
// inherit as containers, other objects as leaves. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObAssignSecurity(PACCESS_STATE AccessState, PSECURITY_DESCRIPTOR SecurityDescriptor,
                                           PVOID Object, POBJECT_TYPE Type)
{
    PSECURITY_DESCRIPTOR NewDescriptor;
    NTSTATUS Status = SeAssignSecurity(SecurityDescriptor, AccessState->SecurityDescriptor, &NewDescriptor,
                                       Type == ObpDirectoryObjectType,
                                       &AccessState->SubjectSecurityContext, &Type->TypeInfo.GenericMapping,
                                       PagedPool);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = Type->TypeInfo.SecurityProcedure(Object, AssignSecurityDescriptor, NULL, NewDescriptor, NULL, NULL,
                                              PagedPool, &Type->TypeInfo.GenericMapping);
    if (!NT_SUCCESS(Status))
        SeDeassignSecurity(&NewDescriptor);
    return Status;
}

// Checks AccessState's remaining desired access against an object's descriptor for
// AccessMode (no descriptor: granted). Granted rights leave RemainingDesiredAccess (with
// MAXIMUM_ALLOWED) and join PreviouslyGrantedAccess; privileges used are recorded. At
// PASSIVE_LEVEL.
extern "C" BOOLEAN NTAPI ObCheckObjectAccess(PVOID Object, PACCESS_STATE AccessState, BOOLEAN LockHeld,
                                             KPROCESSOR_MODE AccessMode, PNTSTATUS ReturnedStatus)
{
    UNREFERENCED_PARAMETER(LockHeld);
    POBJECT_TYPE Type = OBJECT_TO_OBJECT_HEADER(Object)->Type;
    PSECURITY_DESCRIPTOR SecurityDescriptor;
    BOOLEAN MemoryAllocated;
    NTSTATUS Status = ObGetObjectSecurity(Object, &SecurityDescriptor, &MemoryAllocated);
    *ReturnedStatus = Status;
    if (!NT_SUCCESS(Status))
        return FALSE;
    if (!SecurityDescriptor)
        return TRUE;
    SeLockSubjectContext(&AccessState->SubjectSecurityContext);
    PPRIVILEGE_SET Privileges;
    ACCESS_MASK GrantedAccess;
    BOOLEAN Granted = SeAccessCheck(SecurityDescriptor, &AccessState->SubjectSecurityContext, TRUE,
                                    AccessState->RemainingDesiredAccess, AccessState->PreviouslyGrantedAccess,
                                    &Privileges, &Type->TypeInfo.GenericMapping, AccessMode, &GrantedAccess,
                                    ReturnedStatus);
    ObpAppendPrivileges(AccessState, Privileges);
    if (Granted) {
        AccessState->RemainingDesiredAccess &= ~(GrantedAccess | MAXIMUM_ALLOWED);
        AccessState->PreviouslyGrantedAccess |= GrantedAccess;
    }
    SeUnlockSubjectContext(&AccessState->SubjectSecurityContext);
    ObReleaseObjectSecurity(SecurityDescriptor, MemoryAllocated);
    return Granted;
}

// Checks that the subject may create an object in a container (CreateAccess, e.g.
// DIRECTORY_CREATE_OBJECT) against the container's descriptor (none: allowed). At
// PASSIVE_LEVEL.
extern "C" BOOLEAN NTAPI ObCheckCreateObjectAccess(PVOID Object, ACCESS_MASK CreateAccess, PACCESS_STATE AccessState,
                                                   PUNICODE_STRING ComponentName, BOOLEAN LockHeld,
                                                   KPROCESSOR_MODE AccessMode, PNTSTATUS AccessStatus)
{
    UNREFERENCED_PARAMETER(ComponentName);
    UNREFERENCED_PARAMETER(LockHeld);
    POBJECT_TYPE Type = OBJECT_TO_OBJECT_HEADER(Object)->Type;
    PSECURITY_DESCRIPTOR SecurityDescriptor;
    BOOLEAN MemoryAllocated;
    *AccessStatus = ObGetObjectSecurity(Object, &SecurityDescriptor, &MemoryAllocated);
    if (!NT_SUCCESS(*AccessStatus))
        return FALSE;
    if (!SecurityDescriptor)
        return TRUE;
    SeLockSubjectContext(&AccessState->SubjectSecurityContext);
    PPRIVILEGE_SET Privileges;
    ACCESS_MASK GrantedAccess;
    BOOLEAN Granted = SeAccessCheck(SecurityDescriptor, &AccessState->SubjectSecurityContext, TRUE, CreateAccess, 0,
                                    &Privileges, &Type->TypeInfo.GenericMapping, AccessMode, &GrantedAccess,
                                    AccessStatus);
    ObpAppendPrivileges(AccessState, Privileges);
    SeUnlockSubjectContext(&AccessState->SubjectSecurityContext);
    ObReleaseObjectSecurity(SecurityDescriptor, MemoryAllocated);
    return Granted;
}
