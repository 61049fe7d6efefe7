// accesschk.cpp - the access check: may a subject have the rights it asks for on an
// object with a given security descriptor.
#include "se.h"

namespace {

// What the DACL's ACEs allow and deny the token, in ACE order: a right counts as
// allowed if an allow ACE for one of the token's SIDs names it before any deny ACE
// does. Inherit-only ACEs do not apply to the object itself.
void SepWalkDacl(PACL Dacl, PTOKEN Token, PGENERIC_MAPPING GenericMapping, PACCESS_MASK Allowed)
{
    ACCESS_MASK Denied = 0;
    *Allowed = 0;
    for (ULONG I = 0; I < Dacl->AceCount; I++) {
        PVOID Ace;
        if (!NT_SUCCESS(RtlGetAce(Dacl, I, &Ace)))
            break;
        auto *Known = static_cast<PACCESS_ALLOWED_ACE>(Ace);
        UCHAR Type = Known->Header.AceType;
        if ((Known->Header.AceFlags & INHERIT_ONLY_ACE) ||
            (Type != ACCESS_ALLOWED_ACE_TYPE && Type != ACCESS_DENIED_ACE_TYPE))
            continue;
        ACCESS_MASK Mask = Known->Mask;
        RtlMapGenericMask(&Mask, GenericMapping);
        if (Type == ACCESS_ALLOWED_ACE_TYPE && SepSidInToken(Token, &Known->SidStart, FALSE))
            *Allowed |= Mask & ~Denied;
        else if (Type == ACCESS_DENIED_ACE_TYPE && SepSidInToken(Token, &Known->SidStart, TRUE))
            Denied |= Mask & ~*Allowed;
    }
}

// Ends an access check: the rights granted and the status, or nothing and
// STATUS_ACCESS_DENIED (then no privilege set is returned).
BOOLEAN SepAccessResult(BOOLEAN Granted, ACCESS_MASK Access, PPRIVILEGE_SET *Privileges, PACCESS_MASK GrantedAccess,
                        PNTSTATUS AccessStatus, NTSTATUS DeniedStatus = STATUS_ACCESS_DENIED)
{
    if (!Granted && Privileges && *Privileges) {
        SeFreePrivileges(*Privileges);
        *Privileges = NULL;
    }
    *GrantedAccess = Granted ? Access : 0;
    *AccessStatus = Granted ? STATUS_SUCCESS : DeniedStatus;
    return Granted;
}

} // namespace

// The user-mode access check, with the subject context locked: generic rights mapped,
// privileges first (ACCESS_SYSTEM_SECURITY needs SeSecurityPrivilege, WRITE_OWNER comes
// with SeTakeOwnershipPrivilege), the owner's implicit READ_CONTROL and WRITE_DAC, then
// the DACL (absent or NULL: everything; empty: nothing). MAXIMUM_ALLOWED grants all the
// DACL allows. Anything asked for and not granted is STATUS_ACCESS_DENIED; a descriptor
// of an unknown revision STATUS_UNKNOWN_REVISION. At PASSIVE_LEVEL.
extern "C" BOOLEAN NTAPI SepAccessCheck(PSECURITY_DESCRIPTOR SecurityDescriptor,
                                        PSECURITY_SUBJECT_CONTEXT SubjectSecurityContext, ACCESS_MASK DesiredAccess,
                                        ACCESS_MASK PreviouslyGrantedAccess, PPRIVILEGE_SET *Privileges,
                                        PGENERIC_MAPPING GenericMapping, KPROCESSOR_MODE AccessMode,
                                        PACCESS_MASK GrantedAccess, PNTSTATUS AccessStatus)
{
    auto *Token = static_cast<PTOKEN>(SubjectSecurityContext->ClientToken ? SubjectSecurityContext->ClientToken
                                                                           : SubjectSecurityContext->PrimaryToken);
    RtlMapGenericMask(&DesiredAccess, GenericMapping);
    RtlMapGenericMask(&PreviouslyGrantedAccess, GenericMapping);
    ACCESS_MASK Granted = PreviouslyGrantedAccess;
    ACCESS_MASK Remaining = DesiredAccess & ~(PreviouslyGrantedAccess & ~MAXIMUM_ALLOWED);
    NTSTATUS Status = SePrivilegePolicyCheck(&Remaining, &Granted, SubjectSecurityContext, Token, Privileges, AccessMode);
    if (!NT_SUCCESS(Status))
        return SepAccessResult(FALSE, 0, Privileges, GrantedAccess, AccessStatus, Status);
    if ((Remaining & (WRITE_DAC | READ_CONTROL | MAXIMUM_ALLOWED)) &&
        SepTokenIsOwner(Token, SecurityDescriptor, TRUE)) {
        Granted |= (Remaining & MAXIMUM_ALLOWED) ? (WRITE_DAC | READ_CONTROL) : (Remaining & (WRITE_DAC | READ_CONTROL));
        Remaining &= ~(WRITE_DAC | READ_CONTROL);
    }
    if (!Remaining)
        return SepAccessResult(Granted != 0, Granted, Privileges, GrantedAccess, AccessStatus);
    BOOLEAN Present = FALSE, Defaulted;
    PACL Dacl = NULL;
    Status = RtlGetDaclSecurityDescriptor(SecurityDescriptor, &Present, &Dacl, &Defaulted);
    if (!NT_SUCCESS(Status))
        return SepAccessResult(FALSE, 0, Privileges, GrantedAccess, AccessStatus, Status);
    BOOLEAN MaximumAllowed = (Remaining & MAXIMUM_ALLOWED) != 0;
    Remaining &= ~MAXIMUM_ALLOWED;
    if (!Present || !Dacl) {
        Granted |= Remaining | (MaximumAllowed ? GenericMapping->GenericAll : 0);
        return SepAccessResult(TRUE, Granted, Privileges, GrantedAccess, AccessStatus);
    }
    ACCESS_MASK Allowed;
    SepWalkDacl(Dacl, Token, GenericMapping, &Allowed);
    if (Remaining & ~Allowed)
        return SepAccessResult(FALSE, 0, Privileges, GrantedAccess, AccessStatus);
    Granted |= MaximumAllowed ? (Allowed | Remaining) : Remaining;
    return SepAccessResult(Granted != 0, Granted, Privileges, GrantedAccess, AccessStatus);
}

// Decides whether the subject may have DesiredAccess (on top of PreviouslyGrantedAccess)
// to an object with SecurityDescriptor. KernelMode gets what it asks (MAXIMUM_ALLOWED:
// the type's GenericAll); no descriptor is STATUS_ACCESS_DENIED; an impersonating
// subject below SecurityImpersonation STATUS_BAD_IMPERSONATION_LEVEL. *Privileges
// receives the privileges used (free with SeFreePrivileges) or NULL. At PASSIVE_LEVEL.
extern "C" BOOLEAN NTAPI SeAccessCheck(PSECURITY_DESCRIPTOR SecurityDescriptor,
                                       PSECURITY_SUBJECT_CONTEXT SubjectSecurityContext, BOOLEAN SubjectContextLocked,
                                       ACCESS_MASK DesiredAccess, ACCESS_MASK PreviouslyGrantedAccess,
                                       PPRIVILEGE_SET *Privileges, PGENERIC_MAPPING GenericMapping,
                                       KPROCESSOR_MODE AccessMode, PACCESS_MASK GrantedAccess, PNTSTATUS AccessStatus)
{
    if (Privileges)
        *Privileges = NULL;
    if (AccessMode == KernelMode) {
        ACCESS_MASK Granted = DesiredAccess | PreviouslyGrantedAccess;
        if (DesiredAccess & MAXIMUM_ALLOWED)
            Granted = GenericMapping->GenericAll | ((DesiredAccess | PreviouslyGrantedAccess) & ~MAXIMUM_ALLOWED);
        return SepAccessResult(TRUE, Granted, Privileges, GrantedAccess, AccessStatus);
    }
    if (!SecurityDescriptor)
        return SepAccessResult(FALSE, 0, Privileges, GrantedAccess, AccessStatus);
    if (SubjectSecurityContext->ClientToken && SubjectSecurityContext->ImpersonationLevel < SecurityImpersonation)
        return SepAccessResult(FALSE, 0, Privileges, GrantedAccess, AccessStatus, STATUS_BAD_IMPERSONATION_LEVEL);
    if (!SubjectContextLocked)
        SeLockSubjectContext(SubjectSecurityContext);
    BOOLEAN Result = SepAccessCheck(SecurityDescriptor, SubjectSecurityContext, DesiredAccess, PreviouslyGrantedAccess,
                                    Privileges, GenericMapping, AccessMode, GrantedAccess, AccessStatus);
    if (!SubjectContextLocked)
        SeUnlockSubjectContext(SubjectSecurityContext);
    return Result;
}
