// sd.cpp - security descriptors the kernel builds: the well-known default descriptors,
// a new object's descriptor (SeAssignSecurity), and the query and change of parts of an
// object's descriptor that the object manager's default security method needs.
#include "se.h"
#include "pseh/pseh2.h"

PSECURITY_DESCRIPTOR SePublicDefaultSd, SePublicDefaultUnrestrictedSd, SePublicOpenSd, SePublicOpenUnrestrictedSd,
    SeSystemDefaultSd, SeUnrestrictedSd, SeSystemAnonymousLogonSd;

namespace {

// A well-known descriptor: where it is kept and its DACL.
struct SEP_SD_SPEC {
    PSECURITY_DESCRIPTOR *Sd;
    PACL *Dacl;
};

const SEP_SD_SPEC SepWellKnownSds[] = {
    {&SePublicDefaultSd, &SePublicDefaultDacl},
    {&SePublicDefaultUnrestrictedSd, &SePublicDefaultUnrestrictedDacl},
    {&SePublicOpenSd, &SePublicOpenDacl},
    {&SePublicOpenUnrestrictedSd, &SePublicOpenUnrestrictedDacl},
    {&SeSystemDefaultSd, &SeSystemDefaultDacl},
    {&SeUnrestrictedSd, &SeUnrestrictedDacl},
    {&SeSystemAnonymousLogonSd, &SeSystemAnonymousLogonDacl},
};

// Writes the self-relative form of an absolute descriptor into a new pool block of
// PoolType (tag TAG_SD).
NTSTATUS SepMakeSelfRelativeCopy(PSECURITY_DESCRIPTOR Absolute, POOL_TYPE PoolType, PSECURITY_DESCRIPTOR *Copy)
{
    ULONG Length = 0;
    NTSTATUS Status = RtlAbsoluteToSelfRelativeSD(Absolute, NULL, &Length);
    if (Status != STATUS_BUFFER_TOO_SMALL)
        return Status;
    PSECURITY_DESCRIPTOR Buffer = ExAllocatePoolWithTag(PoolType, Length, TAG_SD);
    if (!Buffer)
        return STATUS_INSUFFICIENT_RESOURCES;
    Status = RtlAbsoluteToSelfRelativeSD(Absolute, Buffer, &Length);
    if (!NT_SUCCESS(Status)) {
        ExFreePoolWithTag(Buffer, TAG_SD);
        return Status;
    }
    *Copy = Buffer;
    return STATUS_SUCCESS;
}

// The DACL or SACL part of a descriptor (NULL descriptor: absent).
struct SEP_ACL_PART {
    BOOLEAN Present;
    BOOLEAN Defaulted;
    PACL Acl;
};

SEP_ACL_PART SepGetDacl(PSECURITY_DESCRIPTOR Sd)
{
    SEP_ACL_PART Part = {FALSE, FALSE, NULL};
    if (Sd)
        RtlGetDaclSecurityDescriptor(Sd, &Part.Present, &Part.Acl, &Part.Defaulted);
    return Part;
}

SEP_ACL_PART SepGetSacl(PSECURITY_DESCRIPTOR Sd)
{
    SEP_ACL_PART Part = {FALSE, FALSE, NULL};
    if (Sd)
        RtlGetSaclSecurityDescriptor(Sd, &Part.Present, &Part.Acl, &Part.Defaulted);
    return Part;
}

PSID SepGetOwner(PSECURITY_DESCRIPTOR Sd)
{
    PSID Owner = NULL;
    BOOLEAN Defaulted;
    if (Sd)
        RtlGetOwnerSecurityDescriptor(Sd, &Owner, &Defaulted);
    return Owner;
}

PSID SepGetGroup(PSECURITY_DESCRIPTOR Sd)
{
    PSID Group = NULL;
    BOOLEAN Defaulted;
    if (Sd)
        RtlGetGroupSecurityDescriptor(Sd, &Group, &Defaulted);
    return Group;
}

inline SECURITY_DESCRIPTOR_CONTROL SepControl(PSECURITY_DESCRIPTOR Sd)
{
    return Sd ? static_cast<PISECURITY_DESCRIPTOR>(Sd)->Control : 0;
}

// A new object's owner: the explicit one (which the creator must be allowed to assign,
// unless SEF_AVOID_OWNER_CHECK), the parent's when asked, or the creator's default.
NTSTATUS SepChooseOwner(PSECURITY_DESCRIPTOR Parent, PSECURITY_DESCRIPTOR Explicit, ULONG AutoInheritFlags,
                        PTOKEN Token, PSID *Owner)
{
    *Owner = SepGetOwner(Explicit);
    if (*Owner)
        return (AutoInheritFlags & SEF_AVOID_OWNER_CHECK) || SepValidOwner(Token, *Owner) ? STATUS_SUCCESS
                                                                                           : STATUS_INVALID_OWNER;
    if (AutoInheritFlags & SEF_DEFAULT_OWNER_FROM_PARENT) {
        *Owner = SepGetOwner(Parent);
        return *Owner ? STATUS_SUCCESS : STATUS_INVALID_OWNER;
    }
    *Owner = SepGetTokenDefaultOwner(Token);
    return STATUS_SUCCESS;
}

// A new object's primary group: the explicit one, the parent's when asked, or the
// creator's primary group.
NTSTATUS SepChooseGroup(PSECURITY_DESCRIPTOR Parent, PSECURITY_DESCRIPTOR Explicit, ULONG AutoInheritFlags,
                        PTOKEN Token, PSID *Group)
{
    *Group = SepGetGroup(Explicit);
    if (!*Group)
        *Group = (AutoInheritFlags & SEF_DEFAULT_GROUP_FROM_PARENT) ? SepGetGroup(Parent) : Token->PrimaryGroup;
    return *Group ? STATUS_SUCCESS : STATUS_INVALID_PRIMARY_GROUP;
}

// The ACLs SeAssignSecurityEx builds, freed once the descriptor is written.
struct SEP_NEW_ACLS {
    PACL Dacl = NULL;
    PACL Sacl = NULL;
    ~SEP_NEW_ACLS()
    {
        if (Dacl)
            ExFreePoolWithTag(Dacl, TAG_SE);
        if (Sacl)
            ExFreePoolWithTag(Sacl, TAG_SE);
    }
};

// Builds the new descriptor with the subject context locked.
NTSTATUS SepAssignSecurityLocked(PSECURITY_DESCRIPTOR Parent, PSECURITY_DESCRIPTOR Explicit,
                                 PSECURITY_DESCRIPTOR *NewDescriptor, BOOLEAN IsDirectoryObject,
                                 ULONG AutoInheritFlags, PTOKEN Token, PGENERIC_MAPPING GenericMapping,
                                 POOL_TYPE PoolType)
{
    PSID Owner, Group;
    NTSTATUS Status = SepChooseOwner(Parent, Explicit, AutoInheritFlags, Token, &Owner);
    if (NT_SUCCESS(Status))
        Status = SepChooseGroup(Parent, Explicit, AutoInheritFlags, Token, &Group);
    if (!NT_SUCCESS(Status))
        return Status;
    SEP_ACL_PART ExplicitDacl = SepGetDacl(Explicit), ExplicitSacl = SepGetSacl(Explicit);
    SEP_NEW_ACLS Acls;
    BOOLEAN DaclPresent, SaclPresent;
    Status = SepSelectAcl(ExplicitDacl.Acl, ExplicitDacl.Present, ExplicitDacl.Defaulted, SepGetDacl(Parent).Acl,
                          Token->DefaultDacl, IsDirectoryObject, (AutoInheritFlags & SEF_DACL_AUTO_INHERIT) != 0,
                          Owner, Group, GenericMapping, &DaclPresent, &Acls.Dacl);
    if (NT_SUCCESS(Status))
        Status = SepSelectAcl(ExplicitSacl.Acl, ExplicitSacl.Present, ExplicitSacl.Defaulted, SepGetSacl(Parent).Acl,
                              NULL, IsDirectoryObject, (AutoInheritFlags & SEF_SACL_AUTO_INHERIT) != 0, Owner, Group,
                              GenericMapping, &SaclPresent, &Acls.Sacl);
    if (!NT_SUCCESS(Status))
        return Status;
    SECURITY_DESCRIPTOR Absolute;
    RtlCreateSecurityDescriptor(&Absolute, SECURITY_DESCRIPTOR_REVISION);
    RtlSetOwnerSecurityDescriptor(&Absolute, Owner, FALSE);
    RtlSetGroupSecurityDescriptor(&Absolute, Group, FALSE);
    RtlSetDaclSecurityDescriptor(&Absolute, DaclPresent, Acls.Dacl, FALSE);
    RtlSetSaclSecurityDescriptor(&Absolute, SaclPresent, Acls.Sacl, FALSE);
    Absolute.Control |= SepControl(Explicit) & (SE_DACL_PROTECTED | SE_SACL_PROTECTED);
    return SepMakeSelfRelativeCopy(&Absolute, PoolType, NewDescriptor);
}

// Replaces the part of Absolute that one SECURITY_INFORMATION bit names with the one
// from Modification.
NTSTATUS SepApplyModification(PSECURITY_DESCRIPTOR Absolute, SECURITY_INFORMATION Information,
                              PSECURITY_DESCRIPTOR Modification, PGENERIC_MAPPING GenericMapping,
                              SEP_NEW_ACLS &Acls)
{
    if (Information & OWNER_SECURITY_INFORMATION) {
        PSID Owner = SepGetOwner(Modification);
        if (!Owner)
            return STATUS_INVALID_OWNER;
        RtlSetOwnerSecurityDescriptor(Absolute, Owner, (SepControl(Modification) & SE_OWNER_DEFAULTED) != 0);
    }
    if (Information & GROUP_SECURITY_INFORMATION) {
        PSID Group = SepGetGroup(Modification);
        if (!Group)
            return STATUS_INVALID_PRIMARY_GROUP;
        RtlSetGroupSecurityDescriptor(Absolute, Group, (SepControl(Modification) & SE_GROUP_DEFAULTED) != 0);
    }
    if (Information & DACL_SECURITY_INFORMATION) {
        SEP_ACL_PART Dacl = SepGetDacl(Modification);
        NTSTATUS Status = SepSelectAcl(Dacl.Acl, Dacl.Present, FALSE, NULL, NULL, FALSE, FALSE, NULL, NULL,
                                       GenericMapping, &Dacl.Present, &Acls.Dacl);
        if (!NT_SUCCESS(Status))
            return Status;
        RtlSetDaclSecurityDescriptor(Absolute, Dacl.Present, Acls.Dacl, Dacl.Defaulted);
    }
    if (Information & SACL_SECURITY_INFORMATION) {
        SEP_ACL_PART Sacl = SepGetSacl(Modification);
        NTSTATUS Status = SepSelectAcl(Sacl.Acl, Sacl.Present, FALSE, NULL, NULL, FALSE, FALSE, NULL, NULL,
                                       GenericMapping, &Sacl.Present, &Acls.Sacl);
        if (!NT_SUCCESS(Status))
            return Status;
        RtlSetSaclSecurityDescriptor(Absolute, Sacl.Present, Acls.Sacl, Sacl.Defaulted);
    }
    return STATUS_SUCCESS;
}

// Copies into Absolute the parts of Sd that Information names (all of them for ~0).
void SepCopyParts(PSECURITY_DESCRIPTOR Absolute, PSECURITY_DESCRIPTOR Sd, SECURITY_INFORMATION Information)
{
    if (!Sd)
        return;
    SECURITY_DESCRIPTOR_CONTROL Control = SepControl(Sd);
    if (Information & OWNER_SECURITY_INFORMATION)
        RtlSetOwnerSecurityDescriptor(Absolute, SepGetOwner(Sd), (Control & SE_OWNER_DEFAULTED) != 0);
    if (Information & GROUP_SECURITY_INFORMATION)
        RtlSetGroupSecurityDescriptor(Absolute, SepGetGroup(Sd), (Control & SE_GROUP_DEFAULTED) != 0);
    if (Information & DACL_SECURITY_INFORMATION) {
        SEP_ACL_PART Dacl = SepGetDacl(Sd);
        RtlSetDaclSecurityDescriptor(Absolute, Dacl.Present, Dacl.Acl, Dacl.Defaulted);
        static_cast<PISECURITY_DESCRIPTOR>(Absolute)->Control |= Control & (SE_DACL_PROTECTED | SE_DACL_AUTO_INHERITED);
    }
    if (Information & SACL_SECURITY_INFORMATION) {
        SEP_ACL_PART Sacl = SepGetSacl(Sd);
        RtlSetSaclSecurityDescriptor(Absolute, Sacl.Present, Sacl.Acl, Sacl.Defaulted);
        static_cast<PISECURITY_DESCRIPTOR>(Absolute)->Control |= Control & (SE_SACL_PROTECTED | SE_SACL_AUTO_INHERITED);
    }
}

// Raises the probe's status unless a SID a user-mode caller points at lies in its
// range (the fixed part first, then its whole length). Inside a _SEH2_TRY.
VOID SepProbeSid(PSID Sid)
{
    if (!Sid)
        return;
    ProbeForRead(Sid, FIELD_OFFSET(SID, SubAuthority), sizeof(UCHAR));
    ProbeForRead(Sid, RtlLengthSid(Sid), sizeof(UCHAR));
}

// Raises the probe's status unless an ACL a user-mode caller points at lies in its
// range. Inside a _SEH2_TRY.
VOID SepProbeAcl(PACL Acl)
{
    if (!Acl)
        return;
    ProbeForRead(Acl, sizeof(ACL), sizeof(ULONG));
    ProbeForRead(Acl, Acl->AclSize, sizeof(ULONG));
}

// Raises the probe's status unless a user-mode caller's descriptor, in either form, and
// the SIDs and ACLs it names lie in its range. Inside a _SEH2_TRY.
VOID SepProbeSecurityDescriptor(PSECURITY_DESCRIPTOR Descriptor)
{
    ProbeForRead(Descriptor, sizeof(SECURITY_DESCRIPTOR_RELATIVE), sizeof(ULONG));
    if (!(static_cast<PISECURITY_DESCRIPTOR_RELATIVE>(Descriptor)->Control & SE_SELF_RELATIVE))
        ProbeForRead(Descriptor, sizeof(SECURITY_DESCRIPTOR), sizeof(ULONG));
    PSID Sid;
    PACL Acl;
    BOOLEAN Present, Defaulted;
    if (NT_SUCCESS(RtlGetOwnerSecurityDescriptor(Descriptor, &Sid, &Defaulted)))
        SepProbeSid(Sid);
    if (NT_SUCCESS(RtlGetGroupSecurityDescriptor(Descriptor, &Sid, &Defaulted)))
        SepProbeSid(Sid);
    if (NT_SUCCESS(RtlGetDaclSecurityDescriptor(Descriptor, &Present, &Acl, &Defaulted)) && Present)
        SepProbeAcl(Acl);
    if (NT_SUCCESS(RtlGetSaclSecurityDescriptor(Descriptor, &Present, &Acl, &Defaulted)) && Present)
        SepProbeAcl(Acl);
}

} // namespace

// Builds the well-known descriptors (absolute, each with its well-known DACL). At
// PASSIVE_LEVEL during boot, after the DACLs.
extern "C" NTSTATUS NTAPI SepInitSDs(VOID)
{
    for (const SEP_SD_SPEC &Spec : SepWellKnownSds) {
        *Spec.Sd = ExAllocatePoolWithTag(PagedPool, sizeof(SECURITY_DESCRIPTOR), TAG_SD);
        if (!*Spec.Sd) {
            SepFreeSDs();
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        RtlCreateSecurityDescriptor(*Spec.Sd, SECURITY_DESCRIPTOR_REVISION);
        RtlSetDaclSecurityDescriptor(*Spec.Sd, TRUE, *Spec.Dacl, FALSE);
    }
    return STATUS_SUCCESS;
}

// Frees the well-known descriptors. At PASSIVE_LEVEL at shutdown.
extern "C" VOID NTAPI SepFreeSDs(VOID)
{
    for (const SEP_SD_SPEC &Spec : SepWellKnownSds) {
        if (*Spec.Sd)
            ExFreePoolWithTag(*Spec.Sd, TAG_SD);
        *Spec.Sd = NULL;
    }
}

// Builds a new object's self-relative descriptor in PoolType: owner and group from the
// explicit descriptor or the creator's token (or the parent, with the SEF_ flags), the
// DACL and SACL chosen as SepSelectAcl says. No subject is STATUS_NO_TOKEN; an explicit
// owner the creator may not assign STATUS_INVALID_OWNER; no primary group
// STATUS_INVALID_PRIMARY_GROUP. *NewDescriptor is NULL on failure. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI SeAssignSecurityEx(PSECURITY_DESCRIPTOR ParentDescriptor,
                                             PSECURITY_DESCRIPTOR ExplicitDescriptor,
                                             PSECURITY_DESCRIPTOR *NewDescriptor, struct _GUID *ObjectType,
                                             BOOLEAN IsDirectoryObject, ULONG AutoInheritFlags,
                                             PSECURITY_SUBJECT_CONTEXT SubjectContext,
                                             PGENERIC_MAPPING GenericMapping, POOL_TYPE PoolType)
{
    UNREFERENCED_PARAMETER(ObjectType);
    *NewDescriptor = NULL;
    if (!SubjectContext)
        return STATUS_NO_TOKEN;
    SeLockSubjectContext(SubjectContext);
    auto *Token = static_cast<PTOKEN>(SubjectContext->ClientToken ? SubjectContext->ClientToken
                                                                  : SubjectContext->PrimaryToken);
    NTSTATUS Status = SepAssignSecurityLocked(ParentDescriptor, ExplicitDescriptor, NewDescriptor, IsDirectoryObject,
                                              AutoInheritFlags, Token, GenericMapping, PoolType);
    SeUnlockSubjectContext(SubjectContext);
    return Status;
}

// SeAssignSecurityEx without object-type or auto-inheritance flags. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI SeAssignSecurity(PSECURITY_DESCRIPTOR ParentDescriptor,
                                           PSECURITY_DESCRIPTOR ExplicitDescriptor,
                                           PSECURITY_DESCRIPTOR *NewDescriptor, BOOLEAN IsDirectoryObject,
                                           PSECURITY_SUBJECT_CONTEXT SubjectContext, PGENERIC_MAPPING GenericMapping,
                                           POOL_TYPE PoolType)
{
    return SeAssignSecurityEx(ParentDescriptor, ExplicitDescriptor, NewDescriptor, NULL, IsDirectoryObject, 0,
                              SubjectContext, GenericMapping, PoolType);
}

// Frees a descriptor SeAssignSecurity built and clears the pointer (NULL is fine). At
// PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI SeDeassignSecurity(PSECURITY_DESCRIPTOR *SecurityDescriptor)
{
    if (*SecurityDescriptor)
        ExFreePoolWithTag(*SecurityDescriptor, TAG_SD);
    *SecurityDescriptor = NULL;
    return STATUS_SUCCESS;
}

// Whether a self-relative descriptor of Length bytes is whole and valid, with an
// owner. At or below APC_LEVEL.
extern "C" BOOLEAN NTAPI SeValidSecurityDescriptor(ULONG Length, PSECURITY_DESCRIPTOR SecurityDescriptor)
{
    return RtlValidRelativeSecurityDescriptor(SecurityDescriptor, Length, OWNER_SECURITY_INFORMATION);
}

// Writes, self-relative, the parts of *ObjectsSecurityDescriptor that SecurityInformation
// names into a buffer of *Length bytes (no descriptor: an empty one). Too small is
// STATUS_BUFFER_TOO_SMALL with the size needed in *Length. At or below APC_LEVEL.
extern "C" NTSTATUS NTAPI SeQuerySecurityDescriptorInfo(PSECURITY_INFORMATION SecurityInformation,
                                                        PSECURITY_DESCRIPTOR SecurityDescriptor, PULONG Length,
                                                        PSECURITY_DESCRIPTOR *ObjectsSecurityDescriptor)
{
    SECURITY_DESCRIPTOR Absolute;
    RtlCreateSecurityDescriptor(&Absolute, SECURITY_DESCRIPTOR_REVISION);
    SepCopyParts(&Absolute, *ObjectsSecurityDescriptor, *SecurityInformation);
    return RtlAbsoluteToSelfRelativeSD(&Absolute, SecurityDescriptor, Length);
}

// Builds in PoolType a new self-relative descriptor: *ObjectsSecurityDescriptor with the
// parts SecurityInformation names taken from ModificationDescriptor (generic rights of
// a new DACL or SACL mapped); *ObjectsSecurityDescriptor then points to it and the old
// one stays the caller's to release. A new owner must be one the current subject may
// assign (STATUS_INVALID_OWNER); a missing one is STATUS_INVALID_OWNER, a missing group
// STATUS_INVALID_PRIMARY_GROUP. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI SeSetSecurityDescriptorInfo(PVOID Object, PSECURITY_INFORMATION SecurityInformation,
                                                      PSECURITY_DESCRIPTOR ModificationDescriptor,
                                                      PSECURITY_DESCRIPTOR *ObjectsSecurityDescriptor,
                                                      POOL_TYPE PoolType, PGENERIC_MAPPING GenericMapping)
{
    UNREFERENCED_PARAMETER(Object);
    SECURITY_DESCRIPTOR Absolute;
    RtlCreateSecurityDescriptor(&Absolute, SECURITY_DESCRIPTOR_REVISION);
    SepCopyParts(&Absolute, *ObjectsSecurityDescriptor, ~(SECURITY_INFORMATION)0);
    SEP_NEW_ACLS Acls;
    NTSTATUS Status = SepApplyModification(&Absolute, *SecurityInformation, ModificationDescriptor, GenericMapping, Acls);
    if (NT_SUCCESS(Status) && (*SecurityInformation & OWNER_SECURITY_INFORMATION)) {
        SECURITY_SUBJECT_CONTEXT SubjectContext;
        SeCaptureSubjectContext(&SubjectContext);
        SeLockSubjectContext(&SubjectContext);
        if (!SepValidOwner(static_cast<PTOKEN>(SubjectContext.PrimaryToken), Absolute.Owner))
            Status = STATUS_INVALID_OWNER;
        SeUnlockSubjectContext(&SubjectContext);
        SeReleaseSubjectContext(&SubjectContext);
    }
    PSECURITY_DESCRIPTOR NewDescriptor = NULL;
    if (NT_SUCCESS(Status))
        Status = SepMakeSelfRelativeCopy(&Absolute, PoolType, &NewDescriptor);
    if (NT_SUCCESS(Status))
        *ObjectsSecurityDescriptor = NewDescriptor;
    return Status;
}

// Copies a caller's descriptor (either form) into a self-relative pool block of
// PoolType; a kernel-mode caller's is used in place unless ForceCapture. A descriptor
// that is not valid (or changes while copied) is STATUS_INVALID_SECURITY_DESCR, one that
// faults STATUS_ACCESS_VIOLATION; a user-mode caller's descriptor and its parts are
// probed first. The copy runs under SEH. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI SeCaptureSecurityDescriptor(PSECURITY_DESCRIPTOR SrcSecurityDescriptor,
                                                      KPROCESSOR_MODE RequestorMode, POOL_TYPE PoolType,
                                                      BOOLEAN ForceCapture,
                                                      PSECURITY_DESCRIPTOR *OutputSecurityDescriptor)
{
    *OutputSecurityDescriptor = NULL;
    if (!SrcSecurityDescriptor)
        return STATUS_SUCCESS;
    if (RequestorMode == KernelMode && !ForceCapture) {
        *OutputSecurityDescriptor = SrcSecurityDescriptor;
        return STATUS_SUCCESS;
    }
    volatile NTSTATUS Status = STATUS_SUCCESS;
    PSECURITY_DESCRIPTOR volatile Copy = NULL;
    volatile ULONG Length = 0;
    _SEH2_TRY {
        ULONG Needed = 0;
        if (RequestorMode != KernelMode)
            SepProbeSecurityDescriptor(SrcSecurityDescriptor);
        if (!RtlValidSecurityDescriptor(SrcSecurityDescriptor) ||
            RtlMakeSelfRelativeSD(SrcSecurityDescriptor, NULL, &Needed) != STATUS_BUFFER_TOO_SMALL) {
            Status = STATUS_INVALID_SECURITY_DESCR;
        } else if (!(Copy = ExAllocatePoolWithTag(PoolType, Needed, TAG_SD))) {
            Status = STATUS_INSUFFICIENT_RESOURCES;
        } else {
            Length = Needed;
            Status = RtlMakeSelfRelativeSD(SrcSecurityDescriptor, Copy, &Needed);
        }
    } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
        Status = _SEH2_GetExceptionCode();
    } _SEH2_END;
    if (NT_SUCCESS(Status) && !RtlValidRelativeSecurityDescriptor(Copy, Length, 0))
        Status = STATUS_INVALID_SECURITY_DESCR;
    if (!NT_SUCCESS(Status)) {
        if (Copy)
            ExFreePoolWithTag(Copy, TAG_SD);
        return Status;
    }
    *OutputSecurityDescriptor = Copy;
    return STATUS_SUCCESS;
}

// Frees what SeCaptureSecurityDescriptor captured (nothing when it used the caller's
// descriptor in place). At PASSIVE_LEVEL.
extern "C" VOID NTAPI SeReleaseSecurityDescriptor(PSECURITY_DESCRIPTOR CapturedSecurityDescriptor,
                                                  KPROCESSOR_MODE RequestorMode, BOOLEAN ForceCapture)
{
    if (CapturedSecurityDescriptor && (RequestorMode != KernelMode || ForceCapture))
        ExFreePoolWithTag(CapturedSecurityDescriptor, TAG_SD);
}
