// access.cpp - access states: what an open or create asks for as it goes through the
// object manager, whose subject, and the privileges used on the way.
#include "ex.h"
#include "ps.h"
#include "se.h"

namespace {
volatile LONG SepAccessStateFailuresLeft;

// Whether an injected failure takes this access state.
bool SepInjectedAccessStateFailure()
{
    LONG Left = __atomic_load_n(&SepAccessStateFailuresLeft, __ATOMIC_ACQUIRE);
    while (Left > 0) {
        if (__atomic_compare_exchange_n(&SepAccessStateFailuresLeft, &Left, Left - 1, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return true;
    }
    return false;
}
} // namespace

// Makes the next Count SeCreateAccessState(Ex) calls fail with
// STATUS_INSUFFICIENT_RESOURCES; 0 ends the injection. For the fuzzer, to reach the
// callers' access-state failure branches. Any IRQL.
extern "C" VOID NTAPI SeInjectAccessStateFailures(ULONG Count)
{
    __atomic_store_n(&SepAccessStateFailuresLeft, (LONG)Count, __ATOMIC_RELEASE);
}

// Sets up AccessState for a request of Access (generic rights mapped with
// GenericMapping) by Thread of Process: a new operation id, the captured subject, and
// AuxData (which the caller provides and keeps) holding the mapping and the privilege
// set. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI SeCreateAccessStateEx(PETHREAD Thread, PEPROCESS Process, PACCESS_STATE AccessState,
                                                PAUX_ACCESS_DATA AuxData, ACCESS_MASK Access,
                                                PGENERIC_MAPPING GenericMapping)
{
    RtlZeroMemory(AccessState, sizeof(*AccessState));
    RtlZeroMemory(AuxData, sizeof(*AuxData));
    if (SepInjectedAccessStateFailure())
        return STATUS_INSUFFICIENT_RESOURCES;
    if (GenericMapping)
        RtlMapGenericMask(&Access, GenericMapping);
    AccessState->RemainingDesiredAccess = Access;
    AccessState->OriginalDesiredAccess = Access;
    AccessState->AuxData = AuxData;
    AuxData->PrivilegesUsed = &AccessState->Privileges.PrivilegeSet;
    if (GenericMapping)
        AuxData->GenericMapping = *GenericMapping;
    ExAllocateLocallyUniqueId(&AccessState->OperationID);
    SeCaptureSubjectContextEx(Thread, Process, &AccessState->SubjectSecurityContext);
    auto *Token = static_cast<PTOKEN>(AccessState->SubjectSecurityContext.ClientToken
                                          ? AccessState->SubjectSecurityContext.ClientToken
                                          : AccessState->SubjectSecurityContext.PrimaryToken);
    if (Token && (Token->TokenFlags & TOKEN_HAS_TRAVERSE_PRIVILEGE))
        AccessState->Flags = TOKEN_HAS_TRAVERSE_PRIVILEGE;
    return STATUS_SUCCESS;
}

// SeCreateAccessStateEx for the current thread and process. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI SeCreateAccessState(PACCESS_STATE AccessState, PVOID AuxData, ACCESS_MASK DesiredAccess,
                                              PGENERIC_MAPPING GenericMapping)
{
    return SeCreateAccessStateEx(PsGetCurrentThread(), PsGetCurrentProcess(), AccessState,
                                 static_cast<PAUX_ACCESS_DATA>(AuxData), DesiredAccess, GenericMapping);
}

// Releases what an access state holds: the privilege set if it grew past the inline
// one, the name buffers the object manager stored, the subject's token references. At
// PASSIVE_LEVEL.
extern "C" VOID NTAPI SeDeleteAccessState(PACCESS_STATE AccessState)
{
    auto *AuxData = static_cast<PAUX_ACCESS_DATA>(AccessState->AuxData);
    if (AccessState->PrivilegesAllocated && AuxData && AuxData->PrivilegesUsed) {
        ExFreePoolWithTag(AuxData->PrivilegesUsed, TAG_PRIVILEGE_SET);
        AuxData->PrivilegesUsed = NULL;
        AccessState->PrivilegesAllocated = FALSE;
    }
    if (AccessState->ObjectName.Buffer)
        ExFreePool(AccessState->ObjectName.Buffer);
    if (AccessState->ObjectTypeName.Buffer)
        ExFreePool(AccessState->ObjectTypeName.Buffer);
    AccessState->ObjectName.Buffer = NULL;
    AccessState->ObjectTypeName.Buffer = NULL;
    SeReleaseSubjectContext(&AccessState->SubjectSecurityContext);
}

// Records the object type's generic mapping in an access state created without one.
// At PASSIVE_LEVEL.
extern "C" VOID NTAPI SeSetAccessStateGenericMapping(PACCESS_STATE AccessState, PGENERIC_MAPPING GenericMapping)
{
    static_cast<PAUX_ACCESS_DATA>(AccessState->AuxData)->GenericMapping = *GenericMapping;
}

// Adds the privileges an access check used to those the access state records, moving
// them out of the inline set into pool when they no longer fit. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI SeAppendPrivileges(PACCESS_STATE AccessState, PPRIVILEGE_SET Privileges)
{
    auto *AuxData = static_cast<PAUX_ACCESS_DATA>(AccessState->AuxData);
    PPRIVILEGE_SET Current = AuxData->PrivilegesUsed;
    ULONG Count = Current->PrivilegeCount + Privileges->PrivilegeCount;
    if (!AccessState->PrivilegesAllocated && Count <= INITIAL_PRIVILEGE_COUNT) {
        RtlCopyMemory(&Current->Privilege[Current->PrivilegeCount], Privileges->Privilege,
                      Privileges->PrivilegeCount * sizeof(LUID_AND_ATTRIBUTES));
        Current->PrivilegeCount = Count;
        return STATUS_SUCCESS;
    }
    ULONG Size = FIELD_OFFSET(PRIVILEGE_SET, Privilege) + Count * sizeof(LUID_AND_ATTRIBUTES);
    auto *Grown = static_cast<PPRIVILEGE_SET>(ExAllocatePoolWithTag(PagedPool, Size, TAG_PRIVILEGE_SET));
    if (!Grown)
        return STATUS_INSUFFICIENT_RESOURCES;
    Grown->Control = Current->Control;
    Grown->PrivilegeCount = Count;
    RtlCopyMemory(Grown->Privilege, Current->Privilege, Current->PrivilegeCount * sizeof(LUID_AND_ATTRIBUTES));
    RtlCopyMemory(&Grown->Privilege[Current->PrivilegeCount], Privileges->Privilege,
                  Privileges->PrivilegeCount * sizeof(LUID_AND_ATTRIBUTES));
    if (AccessState->PrivilegesAllocated)
        ExFreePoolWithTag(Current, TAG_PRIVILEGE_SET);
    AuxData->PrivilegesUsed = Grown;
    AccessState->PrivilegesAllocated = TRUE;
    return STATUS_SUCCESS;
}
