// acl.cpp - ACLs the kernel builds: the well-known DACLs of the default security
// descriptors, and the DACL or SACL of a new object (explicit, inherited from its parent
// container, or the creator's default), with generic rights mapped and creator SIDs
// replaced as NT does.
#include "se.h"

PACL SePublicDefaultDacl, SeSystemDefaultDacl, SePublicDefaultUnrestrictedDacl, SePublicOpenDacl,
    SePublicOpenUnrestrictedDacl, SeUnrestrictedDacl, SeSystemAnonymousLogonDacl;

namespace {

constexpr ACCESS_MASK kGenericBits = GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL;

// One allowed ACE of a well-known DACL.
struct SEP_ACE_SPEC {
    PSID *Sid;
    ACCESS_MASK Mask;
};

// A well-known DACL: where it is kept and its allowed ACEs.
struct SEP_DACL_SPEC {
    PACL *Acl;
    SEP_ACE_SPEC Aces[4];
};

const SEP_DACL_SPEC SepWellKnownDacls[] = {
    {&SePublicDefaultDacl,
     {{&SeWorldSid, GENERIC_EXECUTE}, {&SeLocalSystemSid, GENERIC_ALL}, {&SeAliasAdminsSid, GENERIC_ALL}}},
    {&SePublicDefaultUnrestrictedDacl,
     {{&SeWorldSid, GENERIC_EXECUTE},
      {&SeLocalSystemSid, GENERIC_ALL},
      {&SeAliasAdminsSid, GENERIC_ALL},
      {&SeRestrictedCodeSid, GENERIC_READ | GENERIC_EXECUTE | READ_CONTROL}}},
    {&SePublicOpenDacl,
     {{&SeWorldSid, GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE},
      {&SeLocalSystemSid, GENERIC_ALL},
      {&SeAliasAdminsSid, GENERIC_ALL}}},
    {&SePublicOpenUnrestrictedDacl,
     {{&SeWorldSid, GENERIC_ALL},
      {&SeLocalSystemSid, GENERIC_ALL},
      {&SeAliasAdminsSid, GENERIC_ALL},
      {&SeRestrictedCodeSid, GENERIC_READ | GENERIC_EXECUTE}}},
    {&SeSystemDefaultDacl,
     {{&SeLocalSystemSid, GENERIC_ALL}, {&SeAliasAdminsSid, GENERIC_READ | GENERIC_EXECUTE | READ_CONTROL}}},
    {&SeUnrestrictedDacl, {{&SeWorldSid, GENERIC_ALL}, {&SeRestrictedCodeSid, GENERIC_READ | GENERIC_EXECUTE}}},
    {&SeSystemAnonymousLogonDacl, {{&SeWorldSid, GENERIC_ALL}, {&SeAnonymousLogonSid, GENERIC_ALL}}},
};

// Builds one well-known DACL in pool.
PACL SepBuildDacl(const SEP_DACL_SPEC &Spec)
{
    ULONG Length = sizeof(ACL);
    for (const SEP_ACE_SPEC &Ace : Spec.Aces)
        if (Ace.Sid)
            Length += FIELD_OFFSET(ACCESS_ALLOWED_ACE, SidStart) + RtlLengthSid(*Ace.Sid);
    auto *Acl = static_cast<PACL>(ExAllocatePoolWithTag(PagedPool, Length, TAG_SE_ACL));
    if (!Acl)
        return NULL;
    RtlCreateAcl(Acl, Length, ACL_REVISION);
    for (const SEP_ACE_SPEC &Ace : Spec.Aces)
        if (Ace.Sid)
            RtlAddAccessAllowedAce(Acl, ACL_REVISION, Ace.Mask, *Ace.Sid);
    return Acl;
}

// An ACE of the kinds that hold a mask and a SID.
struct SEP_KNOWN_ACE {
    ACE_HEADER Header;
    ACCESS_MASK Mask;
    ULONG SidStart;
};

inline BOOLEAN SepIsKnownAce(PACE_HEADER Ace) { return Ace->AceType <= ACCESS_MAX_MS_V2_ACE_TYPE; }
inline PSID SepAceSid(PACE_HEADER Ace) { return &reinterpret_cast<SEP_KNOWN_ACE *>(Ace)->SidStart; }
inline ACCESS_MASK SepAceMask(PACE_HEADER Ace) { return reinterpret_cast<SEP_KNOWN_ACE *>(Ace)->Mask; }

// Calls Visit for each ACE of Acl (none for NULL).
template <typename Visitor> void SepForEachAce(PACL Acl, Visitor Visit)
{
    if (!Acl)
        return;
    auto *Ace = reinterpret_cast<PUCHAR>(Acl + 1);
    for (ULONG I = 0; I < Acl->AceCount; I++) {
        Visit(reinterpret_cast<PACE_HEADER>(Ace));
        Ace += reinterpret_cast<PACE_HEADER>(Ace)->AceSize;
    }
}

// An ACL being built in a pool buffer sized for the worst case.
struct SEP_ACL_WRITER {
    PACL Acl;
    PUCHAR Next;
};

// Appends a mask-and-SID ACE.
void SepAppendKnownAce(SEP_ACL_WRITER &Writer, UCHAR Type, UCHAR Flags, ACCESS_MASK Mask, PSID Sid)
{
    auto *Ace = reinterpret_cast<SEP_KNOWN_ACE *>(Writer.Next);
    ULONG SidLength = RtlLengthSid(Sid);
    Ace->Header.AceType = Type;
    Ace->Header.AceFlags = Flags;
    Ace->Header.AceSize = (USHORT)(FIELD_OFFSET(SEP_KNOWN_ACE, SidStart) + SidLength);
    Ace->Mask = Mask;
    RtlCopySid(SidLength, &Ace->SidStart, Sid);
    Writer.Next += Ace->Header.AceSize;
    Writer.Acl->AceCount++;
}

// Appends an ACE unchanged.
void SepAppendRawAce(SEP_ACL_WRITER &Writer, PACE_HEADER Ace)
{
    RtlCopyMemory(Writer.Next, Ace, Ace->AceSize);
    Writer.Next += Ace->AceSize;
    Writer.Acl->AceCount++;
}

// Starts an ACL big enough for Source's ACEs each split in two with a SID of the
// largest size; NULL when pool runs out.
PACL SepAllocateAclFor(PACL Source)
{
    ULONG Size = sizeof(ACL);
    SepForEachAce(Source, [&](PACE_HEADER Ace) { Size += 2 * (Ace->AceSize + (ULONG)SECURITY_MAX_SID_SIZE); });
    auto *Acl = static_cast<PACL>(ExAllocatePoolWithTag(PagedPool, Size, TAG_SE));
    if (Acl) {
        RtlZeroMemory(Acl, sizeof(ACL));
        Acl->AclRevision = Source ? Source->AclRevision : (UCHAR)ACL_REVISION;
    }
    return Acl;
}

// Sets a built ACL's size to the ACEs written; an ACL past 64 KB (a parent with very
// many ACEs) is STATUS_ALLOTTED_SPACE_EXCEEDED and freed.
NTSTATUS SepFinishAcl(SEP_ACL_WRITER &Writer, PACL *NewAcl)
{
    SIZE_T Used = Writer.Next - reinterpret_cast<PUCHAR>(Writer.Acl);
    if (Used > MAXUSHORT) {
        ExFreePoolWithTag(Writer.Acl, TAG_SE);
        return STATUS_ALLOTTED_SPACE_EXCEEDED;
    }
    Writer.Acl->AclSize = (USHORT)Used;
    *NewAcl = Writer.Acl;
    return STATUS_SUCCESS;
}

// The SID an inherited ACE names: CREATOR OWNER and CREATOR GROUP become the new
// object's owner and group.
PSID SepSubstituteCreatorSid(PSID Sid, PSID Owner, PSID Group)
{
    if (RtlEqualSid(Sid, SeCreatorOwnerSid))
        return Owner;
    if (RtlEqualSid(Sid, SeCreatorGroupSid))
        return Group;
    return Sid;
}

// Appends the ACEs a new object (a container when IsDirectoryObject) inherits from one
// ACE of its parent, as NT does: an effective ACE with generic rights mapped and
// creator SIDs replaced, and, for containers that pass it on, an inherit-only copy of
// the original.
void SepInheritAce(SEP_ACL_WRITER &Writer, PACE_HEADER Ace, BOOLEAN IsDirectoryObject, BOOLEAN AutoInherit,
                   PSID Owner, PSID Group, PGENERIC_MAPPING GenericMapping)
{
    if (!SepIsKnownAce(Ace))
        return;
    UCHAR Flags = Ace->AceFlags;
    UCHAR Keep = (UCHAR)((Flags & (SUCCESSFUL_ACCESS_ACE_FLAG | FAILED_ACCESS_ACE_FLAG)) |
                         (AutoInherit ? INHERITED_ACE : 0));
    PSID Sid = SepAceSid(Ace);
    ACCESS_MASK Mask = SepAceMask(Ace);
    PSID EffectiveSid = SepSubstituteCreatorSid(Sid, Owner, Group);
    ACCESS_MASK EffectiveMask = SepMapAceMask(Mask, GenericMapping);
    BOOLEAN Object = (Flags & OBJECT_INHERIT_ACE) != 0, Container = (Flags & CONTAINER_INHERIT_ACE) != 0;
    BOOLEAN Effective = IsDirectoryObject ? Container : Object;
    BOOLEAN PassOn = IsDirectoryObject && !(Flags & NO_PROPAGATE_INHERIT_ACE) && (Object || Container);
    if (!Effective && !PassOn)
        return;
    UCHAR InheritFlags = (UCHAR)(Flags & (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE));
    BOOLEAN Changed = EffectiveSid != Sid || EffectiveMask != Mask;
    if (Effective && PassOn && !Changed) {
        SepAppendKnownAce(Writer, Ace->AceType, (UCHAR)(Keep | InheritFlags), Mask, Sid);
        return;
    }
    if (Effective)
        SepAppendKnownAce(Writer, Ace->AceType, Keep, EffectiveMask, EffectiveSid);
    if (PassOn)
        SepAppendKnownAce(Writer, Ace->AceType, (UCHAR)(Keep | InheritFlags | INHERIT_ONLY_ACE), Mask, Sid);
}

// Copies an explicit or default ACL, mapping the generic rights of the ACEs that apply
// to the object itself. NULL Source is a NULL ACL (*NewAcl NULL).
NTSTATUS SepCopyMappedAcl(PACL Source, PGENERIC_MAPPING GenericMapping, PACL *NewAcl)
{
    *NewAcl = NULL;
    if (!Source)
        return STATUS_SUCCESS;
    PACL Acl = SepAllocateAclFor(Source);
    if (!Acl)
        return STATUS_INSUFFICIENT_RESOURCES;
    SEP_ACL_WRITER Writer = {Acl, reinterpret_cast<PUCHAR>(Acl + 1)};
    SepForEachAce(Source, [&](PACE_HEADER Ace) {
        if (!SepIsKnownAce(Ace) || (Ace->AceFlags & INHERIT_ONLY_ACE))
            SepAppendRawAce(Writer, Ace);
        else
            SepAppendKnownAce(Writer, Ace->AceType, Ace->AceFlags, SepMapAceMask(SepAceMask(Ace), GenericMapping),
                              SepAceSid(Ace));
    });
    return SepFinishAcl(Writer, NewAcl);
}

// The ACL a new object inherits from its parent's ACL (possibly empty).
NTSTATUS SepInheritAcl(PACL ParentAcl, BOOLEAN IsDirectoryObject, BOOLEAN AutoInherit, PSID Owner, PSID Group,
                       PGENERIC_MAPPING GenericMapping, PACL *NewAcl)
{
    PACL Acl = SepAllocateAclFor(ParentAcl);
    if (!Acl)
        return STATUS_INSUFFICIENT_RESOURCES;
    SEP_ACL_WRITER Writer = {Acl, reinterpret_cast<PUCHAR>(Acl + 1)};
    SepForEachAce(ParentAcl, [&](PACE_HEADER Ace) {
        SepInheritAce(Writer, Ace, IsDirectoryObject, AutoInherit, Owner, Group, GenericMapping);
    });
    return SepFinishAcl(Writer, NewAcl);
}

} // namespace

// Builds the well-known DACLs. At PASSIVE_LEVEL during boot, after the well-known SIDs.
extern "C" NTSTATUS NTAPI SepInitDACLs(VOID)
{
    for (const SEP_DACL_SPEC &Spec : SepWellKnownDacls) {
        *Spec.Acl = SepBuildDacl(Spec);
        if (!*Spec.Acl) {
            SepFreeDACLs();
            return STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    return STATUS_SUCCESS;
}

// Frees the well-known DACLs. At PASSIVE_LEVEL at shutdown.
extern "C" VOID NTAPI SepFreeDACLs(VOID)
{
    for (const SEP_DACL_SPEC &Spec : SepWellKnownDacls) {
        if (*Spec.Acl)
            ExFreePoolWithTag(*Spec.Acl, TAG_SE_ACL);
        *Spec.Acl = NULL;
    }
}

// An ACE's mask as a new object gets it: generic rights replaced by what they map to
// among the type's rights (GenericAll bounds them), specific rights kept. Any IRQL.
extern "C" ACCESS_MASK NTAPI SepMapAceMask(ACCESS_MASK Mask, PGENERIC_MAPPING GenericMapping)
{
    if (!(Mask & kGenericBits))
        return Mask;
    ACCESS_MASK Mapped = Mask & kGenericBits;
    RtlMapGenericMask(&Mapped, GenericMapping);
    return (Mask & ~kGenericBits) | (Mapped & GenericMapping->GenericAll);
}

// Chooses and builds a new object's DACL or SACL as NT does: an explicit ACL that is not
// defaulted; else what the parent's ACL passes on, if anything; else the explicit
// (defaulted) ACL; else the creator's default ACL (DefaultAcl, DACLs only); else none.
// *Present says whether the new descriptor has the ACL; *NewAcl is a pool copy (tag
// TAG_SE) for the caller to free, NULL for a NULL ACL. At or below APC_LEVEL.
extern "C" NTSTATUS NTAPI SepSelectAcl(PACL ExplicitAcl, BOOLEAN ExplicitPresent, BOOLEAN ExplicitDefaulted,
                                       PACL ParentAcl, PACL DefaultAcl, BOOLEAN IsDirectoryObject,
                                       BOOLEAN AutoInherit, PSID Owner, PSID Group, PGENERIC_MAPPING GenericMapping,
                                       PBOOLEAN Present, PACL *NewAcl)
{
    *Present = FALSE;
    *NewAcl = NULL;
    if (ExplicitPresent && !ExplicitDefaulted) {
        *Present = TRUE;
        return SepCopyMappedAcl(ExplicitAcl, GenericMapping, NewAcl);
    }
    if (ParentAcl) {
        NTSTATUS Status = SepInheritAcl(ParentAcl, IsDirectoryObject, AutoInherit, Owner, Group, GenericMapping, NewAcl);
        if (!NT_SUCCESS(Status))
            return Status;
        if ((*NewAcl)->AceCount) {
            *Present = TRUE;
            return STATUS_SUCCESS;
        }
        ExFreePoolWithTag(*NewAcl, TAG_SE);
        *NewAcl = NULL;
    }
    if (ExplicitPresent) {
        *Present = TRUE;
        return SepCopyMappedAcl(ExplicitAcl, GenericMapping, NewAcl);
    }
    if (DefaultAcl) {
        *Present = TRUE;
        return SepCopyMappedAcl(DefaultAcl, GenericMapping, NewAcl);
    }
    return STATUS_SUCCESS;
}
