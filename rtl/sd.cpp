// sd.cpp - security descriptors: creation, the owner / group / DACL / SACL accessors of
// both forms (absolute: pointers; self-relative: offsets from the descriptor, 0 meaning
// none), length, validation, and conversion to the self-relative form.
#include "ntifs.h"

namespace {

// The descriptor as its absolute and self-relative views.
inline PISECURITY_DESCRIPTOR RtlpAbsolute(PSECURITY_DESCRIPTOR Sd) { return static_cast<PISECURITY_DESCRIPTOR>(Sd); }
inline PISECURITY_DESCRIPTOR_RELATIVE RtlpRelative(PSECURITY_DESCRIPTOR Sd)
{
    return static_cast<PISECURITY_DESCRIPTOR_RELATIVE>(Sd);
}

inline BOOLEAN RtlpIsSelfRelative(PSECURITY_DESCRIPTOR Sd) { return (RtlpAbsolute(Sd)->Control & SE_SELF_RELATIVE) != 0; }

// The address an offset of a self-relative descriptor names, NULL for offset 0.
inline PVOID RtlpOffsetToPointer(PSECURITY_DESCRIPTOR Sd, ULONG Offset)
{
    return Offset ? static_cast<PUCHAR>(Sd) + Offset : NULL;
}

// The four parts of a descriptor, whichever its form.
PSID RtlpOwner(PSECURITY_DESCRIPTOR Sd)
{
    return RtlpIsSelfRelative(Sd) ? RtlpOffsetToPointer(Sd, RtlpRelative(Sd)->Owner) : RtlpAbsolute(Sd)->Owner;
}
PSID RtlpGroup(PSECURITY_DESCRIPTOR Sd)
{
    return RtlpIsSelfRelative(Sd) ? RtlpOffsetToPointer(Sd, RtlpRelative(Sd)->Group) : RtlpAbsolute(Sd)->Group;
}
PACL RtlpDacl(PSECURITY_DESCRIPTOR Sd)
{
    if (!(RtlpAbsolute(Sd)->Control & SE_DACL_PRESENT))
        return NULL;
    return RtlpIsSelfRelative(Sd) ? static_cast<PACL>(RtlpOffsetToPointer(Sd, RtlpRelative(Sd)->Dacl))
                                  : RtlpAbsolute(Sd)->Dacl;
}
PACL RtlpSacl(PSECURITY_DESCRIPTOR Sd)
{
    if (!(RtlpAbsolute(Sd)->Control & SE_SACL_PRESENT))
        return NULL;
    return RtlpIsSelfRelative(Sd) ? static_cast<PACL>(RtlpOffsetToPointer(Sd, RtlpRelative(Sd)->Sacl))
                                  : RtlpAbsolute(Sd)->Sacl;
}

inline ULONG RtlpLongAlign(ULONG Length) { return (Length + 3) & ~3u; }

// Bytes the self-relative form of a descriptor needs.
ULONG RtlpSelfRelativeLength(PSECURITY_DESCRIPTOR Sd)
{
    ULONG Length = sizeof(SECURITY_DESCRIPTOR_RELATIVE);
    if (PSID Owner = RtlpOwner(Sd))
        Length += RtlpLongAlign(RtlLengthSid(Owner));
    if (PSID Group = RtlpGroup(Sd))
        Length += RtlpLongAlign(RtlLengthSid(Group));
    if (PACL Dacl = RtlpDacl(Sd))
        Length += RtlpLongAlign(Dacl->AclSize);
    if (PACL Sacl = RtlpSacl(Sd))
        Length += RtlpLongAlign(Sacl->AclSize);
    return Length;
}

// Copies Length bytes of Part to *Next in a self-relative descriptor; returns its
// offset (0 when there is no part).
ULONG RtlpAppendPart(PUCHAR Base, PUCHAR *Next, PVOID Part, ULONG Length)
{
    if (!Part)
        return 0;
    RtlCopyMemory(*Next, Part, Length);
    ULONG Offset = (ULONG)(*Next - Base);
    *Next += RtlpLongAlign(Length);
    return Offset;
}

// Writes the self-relative form of Sd (either form) into Relative, which has room.
void RtlpWriteSelfRelative(PSECURITY_DESCRIPTOR Sd, PISECURITY_DESCRIPTOR_RELATIVE Relative)
{
    PSID Owner = RtlpOwner(Sd), Group = RtlpGroup(Sd);
    PACL Dacl = RtlpDacl(Sd), Sacl = RtlpSacl(Sd);
    SECURITY_DESCRIPTOR_CONTROL Control = RtlpAbsolute(Sd)->Control;
    auto *Base = reinterpret_cast<PUCHAR>(Relative);
    PUCHAR Next = Base + sizeof(SECURITY_DESCRIPTOR_RELATIVE);
    ULONG OwnerOffset = RtlpAppendPart(Base, &Next, Owner, Owner ? RtlLengthSid(Owner) : 0);
    ULONG GroupOffset = RtlpAppendPart(Base, &Next, Group, Group ? RtlLengthSid(Group) : 0);
    ULONG SaclOffset = RtlpAppendPart(Base, &Next, Sacl, Sacl ? Sacl->AclSize : 0);
    ULONG DaclOffset = RtlpAppendPart(Base, &Next, Dacl, Dacl ? Dacl->AclSize : 0);
    Relative->Revision = SECURITY_DESCRIPTOR_REVISION;
    Relative->Sbz1 = 0;
    Relative->Control = (SECURITY_DESCRIPTOR_CONTROL)(Control | SE_SELF_RELATIVE);
    Relative->Owner = OwnerOffset;
    Relative->Group = GroupOffset;
    Relative->Sacl = SaclOffset;
    Relative->Dacl = DaclOffset;
}

// Converts Sd to the self-relative form in a buffer of *BufferLength bytes; too small
// is STATUS_BUFFER_TOO_SMALL with the size needed in *BufferLength.
NTSTATUS RtlpMakeSelfRelative(PSECURITY_DESCRIPTOR Sd, PSECURITY_DESCRIPTOR Relative, PULONG BufferLength)
{
    if (RtlpAbsolute(Sd)->Revision != SECURITY_DESCRIPTOR_REVISION)
        return STATUS_UNKNOWN_REVISION;
    ULONG Needed = RtlpSelfRelativeLength(Sd);
    if (*BufferLength < Needed) {
        *BufferLength = Needed;
        return STATUS_BUFFER_TOO_SMALL;
    }
    RtlpWriteSelfRelative(Sd, RtlpRelative(Relative));
    return STATUS_SUCCESS;
}

// Whether a self-relative part of Size bytes at Offset lies inside Length bytes.
inline BOOLEAN RtlpPartInside(ULONG Offset, ULONG Size, ULONG Length)
{
    return Offset >= sizeof(SECURITY_DESCRIPTOR_RELATIVE) && Offset < Length && Size <= Length - Offset;
}

// Whether the SID at Offset of a self-relative descriptor of Length bytes is whole and
// valid.
BOOLEAN RtlpValidRelativeSid(PUCHAR Base, ULONG Offset, ULONG Length)
{
    if (!RtlpPartInside(Offset, FIELD_OFFSET(SID, SubAuthority), Length))
        return FALSE;
    auto *Sid = reinterpret_cast<PISID>(Base + Offset);
    return RtlValidSid(Sid) && RtlpPartInside(Offset, RtlLengthSid(Sid), Length);
}

// Whether the ACL at Offset of a self-relative descriptor of Length bytes is whole and
// valid.
BOOLEAN RtlpValidRelativeAcl(PUCHAR Base, ULONG Offset, ULONG Length)
{
    if (!RtlpPartInside(Offset, sizeof(ACL), Length))
        return FALSE;
    auto *Acl = reinterpret_cast<PACL>(Base + Offset);
    return RtlpPartInside(Offset, Acl->AclSize, Length) && RtlValidAcl(Acl);
}

} // namespace

// Makes an empty absolute descriptor: no owner, group, DACL or SACL. A revision other
// than SECURITY_DESCRIPTOR_REVISION is STATUS_UNKNOWN_REVISION. Any IRQL.
extern "C" NTSTATUS NTAPI RtlCreateSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor, ULONG Revision)
{
    if (Revision != SECURITY_DESCRIPTOR_REVISION)
        return STATUS_UNKNOWN_REVISION;
    RtlZeroMemory(SecurityDescriptor, sizeof(SECURITY_DESCRIPTOR));
    RtlpAbsolute(SecurityDescriptor)->Revision = (UCHAR)Revision;
    return STATUS_SUCCESS;
}

// Makes an empty self-relative descriptor; statuses as RtlCreateSecurityDescriptor.
// Any IRQL.
extern "C" NTSTATUS NTAPI RtlCreateSecurityDescriptorRelative(PISECURITY_DESCRIPTOR_RELATIVE SecurityDescriptor,
                                                              ULONG Revision)
{
    if (Revision != SECURITY_DESCRIPTOR_REVISION)
        return STATUS_UNKNOWN_REVISION;
    RtlZeroMemory(SecurityDescriptor, sizeof(*SecurityDescriptor));
    SecurityDescriptor->Revision = (UCHAR)Revision;
    SecurityDescriptor->Control = SE_SELF_RELATIVE;
    return STATUS_SUCCESS;
}

// The descriptor's control bits and revision. Any IRQL.
extern "C" NTSTATUS NTAPI RtlGetControlSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor,
                                                          PSECURITY_DESCRIPTOR_CONTROL Control, PULONG Revision)
{
    *Revision = RtlpAbsolute(SecurityDescriptor)->Revision;
    if (*Revision != SECURITY_DESCRIPTOR_REVISION)
        return STATUS_UNKNOWN_REVISION;
    *Control = RtlpAbsolute(SecurityDescriptor)->Control;
    return STATUS_SUCCESS;
}

// Bytes the descriptor and the parts it names take (each part rounded to a ULONG). Any
// IRQL.
extern "C" ULONG NTAPI RtlLengthSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor)
{
    ULONG Length = RtlpSelfRelativeLength(SecurityDescriptor);
    if (!RtlpIsSelfRelative(SecurityDescriptor))
        Length += sizeof(SECURITY_DESCRIPTOR) - sizeof(SECURITY_DESCRIPTOR_RELATIVE);
    return Length;
}

// Whether the descriptor has the known revision and its owner, group, DACL and SACL
// (those present) are valid. Any IRQL.
extern "C" BOOLEAN NTAPI RtlValidSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor)
{
    if (!SecurityDescriptor || RtlpAbsolute(SecurityDescriptor)->Revision != SECURITY_DESCRIPTOR_REVISION)
        return FALSE;
    PSID Owner = RtlpOwner(SecurityDescriptor), Group = RtlpGroup(SecurityDescriptor);
    PACL Dacl = RtlpDacl(SecurityDescriptor), Sacl = RtlpSacl(SecurityDescriptor);
    return (!Owner || RtlValidSid(Owner)) && (!Group || RtlValidSid(Group)) && (!Dacl || RtlValidAcl(Dacl)) &&
           (!Sacl || RtlValidAcl(Sacl));
}

// Whether a self-relative descriptor of SecurityDescriptorLength bytes is whole and
// valid, every part inside those bytes, and has the parts RequiredInformation names
// (owner, group). Any IRQL.
extern "C" BOOLEAN NTAPI RtlValidRelativeSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptorInput,
                                                            ULONG SecurityDescriptorLength,
                                                            SECURITY_INFORMATION RequiredInformation)
{
    auto *Sd = RtlpRelative(SecurityDescriptorInput);
    auto *Base = static_cast<PUCHAR>(SecurityDescriptorInput);
    ULONG Length = SecurityDescriptorLength;
    if (Length < sizeof(SECURITY_DESCRIPTOR_RELATIVE) || Sd->Revision != SECURITY_DESCRIPTOR_REVISION ||
        !(Sd->Control & SE_SELF_RELATIVE))
        return FALSE;
    if (Sd->Owner ? !RtlpValidRelativeSid(Base, Sd->Owner, Length) : (RequiredInformation & OWNER_SECURITY_INFORMATION))
        return FALSE;
    if (Sd->Group ? !RtlpValidRelativeSid(Base, Sd->Group, Length) : (RequiredInformation & GROUP_SECURITY_INFORMATION))
        return FALSE;
    if ((Sd->Control & SE_DACL_PRESENT) && Sd->Dacl && !RtlpValidRelativeAcl(Base, Sd->Dacl, Length))
        return FALSE;
    if ((Sd->Control & SE_SACL_PRESENT) && Sd->Sacl && !RtlpValidRelativeAcl(Base, Sd->Sacl, Length))
        return FALSE;
    return TRUE;
}

// Sets or clears an absolute descriptor's DACL (a NULL DACL with DaclPresent grants
// everyone everything). A self-relative descriptor is STATUS_INVALID_SECURITY_DESCR.
// Any IRQL.
extern "C" NTSTATUS NTAPI RtlSetDaclSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor, BOOLEAN DaclPresent,
                                                       PACL Dacl, BOOLEAN DaclDefaulted)
{
    PISECURITY_DESCRIPTOR Sd = RtlpAbsolute(SecurityDescriptor);
    if (Sd->Revision != SECURITY_DESCRIPTOR_REVISION)
        return STATUS_UNKNOWN_REVISION;
    if (Sd->Control & SE_SELF_RELATIVE)
        return STATUS_INVALID_SECURITY_DESCR;
    Sd->Control &= ~(SE_DACL_PRESENT | SE_DACL_DEFAULTED);
    if (!DaclPresent)
        return STATUS_SUCCESS;
    Sd->Control |= SE_DACL_PRESENT | (DaclDefaulted ? SE_DACL_DEFAULTED : 0);
    Sd->Dacl = Dacl;
    return STATUS_SUCCESS;
}

// Sets or clears an absolute descriptor's SACL; statuses as RtlSetDaclSecurityDescriptor.
// Any IRQL.
extern "C" NTSTATUS NTAPI RtlSetSaclSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor, BOOLEAN SaclPresent,
                                                       PACL Sacl, BOOLEAN SaclDefaulted)
{
    PISECURITY_DESCRIPTOR Sd = RtlpAbsolute(SecurityDescriptor);
    if (Sd->Revision != SECURITY_DESCRIPTOR_REVISION)
        return STATUS_UNKNOWN_REVISION;
    if (Sd->Control & SE_SELF_RELATIVE)
        return STATUS_INVALID_SECURITY_DESCR;
    Sd->Control &= ~(SE_SACL_PRESENT | SE_SACL_DEFAULTED);
    if (!SaclPresent)
        return STATUS_SUCCESS;
    Sd->Control |= SE_SACL_PRESENT | (SaclDefaulted ? SE_SACL_DEFAULTED : 0);
    Sd->Sacl = Sacl;
    return STATUS_SUCCESS;
}

// Sets an absolute descriptor's owner (NULL: none). Statuses as
// RtlSetDaclSecurityDescriptor. Any IRQL.
extern "C" NTSTATUS NTAPI RtlSetOwnerSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor, PSID Owner,
                                                        BOOLEAN OwnerDefaulted)
{
    PISECURITY_DESCRIPTOR Sd = RtlpAbsolute(SecurityDescriptor);
    if (Sd->Revision != SECURITY_DESCRIPTOR_REVISION)
        return STATUS_UNKNOWN_REVISION;
    if (Sd->Control & SE_SELF_RELATIVE)
        return STATUS_INVALID_SECURITY_DESCR;
    Sd->Owner = Owner;
    Sd->Control = (SECURITY_DESCRIPTOR_CONTROL)((Sd->Control & ~SE_OWNER_DEFAULTED) |
                                                (OwnerDefaulted ? SE_OWNER_DEFAULTED : 0));
    return STATUS_SUCCESS;
}

// Sets an absolute descriptor's primary group (NULL: none). Statuses as
// RtlSetDaclSecurityDescriptor. Any IRQL.
extern "C" NTSTATUS NTAPI RtlSetGroupSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor, PSID Group,
                                                        BOOLEAN GroupDefaulted)
{
    PISECURITY_DESCRIPTOR Sd = RtlpAbsolute(SecurityDescriptor);
    if (Sd->Revision != SECURITY_DESCRIPTOR_REVISION)
        return STATUS_UNKNOWN_REVISION;
    if (Sd->Control & SE_SELF_RELATIVE)
        return STATUS_INVALID_SECURITY_DESCR;
    Sd->Group = Group;
    Sd->Control = (SECURITY_DESCRIPTOR_CONTROL)((Sd->Control & ~SE_GROUP_DEFAULTED) |
                                                (GroupDefaulted ? SE_GROUP_DEFAULTED : 0));
    return STATUS_SUCCESS;
}

// Reads a descriptor's DACL (either form): *Dacl and *DaclDefaulted only when it is
// present. An unknown revision is STATUS_UNKNOWN_REVISION. Any IRQL.
extern "C" NTSTATUS NTAPI RtlGetDaclSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor, PBOOLEAN DaclPresent,
                                                       PACL *Dacl, PBOOLEAN DaclDefaulted)
{
    PISECURITY_DESCRIPTOR Sd = RtlpAbsolute(SecurityDescriptor);
    if (Sd->Revision != SECURITY_DESCRIPTOR_REVISION)
        return STATUS_UNKNOWN_REVISION;
    *DaclPresent = (Sd->Control & SE_DACL_PRESENT) ? TRUE : FALSE;
    if (*DaclPresent) {
        *Dacl = RtlpDacl(SecurityDescriptor);
        *DaclDefaulted = (Sd->Control & SE_DACL_DEFAULTED) ? TRUE : FALSE;
    }
    return STATUS_SUCCESS;
}

// Reads a descriptor's SACL (either form), as RtlGetDaclSecurityDescriptor. Any IRQL.
extern "C" NTSTATUS NTAPI RtlGetSaclSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor, PBOOLEAN SaclPresent,
                                                       PACL *Sacl, PBOOLEAN SaclDefaulted)
{
    PISECURITY_DESCRIPTOR Sd = RtlpAbsolute(SecurityDescriptor);
    if (Sd->Revision != SECURITY_DESCRIPTOR_REVISION)
        return STATUS_UNKNOWN_REVISION;
    *SaclPresent = (Sd->Control & SE_SACL_PRESENT) ? TRUE : FALSE;
    if (*SaclPresent) {
        *Sacl = RtlpSacl(SecurityDescriptor);
        *SaclDefaulted = (Sd->Control & SE_SACL_DEFAULTED) ? TRUE : FALSE;
    }
    return STATUS_SUCCESS;
}

// Reads a descriptor's owner (either form; NULL when it has none). Any IRQL.
extern "C" NTSTATUS NTAPI RtlGetOwnerSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor, PSID *Owner,
                                                        PBOOLEAN OwnerDefaulted)
{
    PISECURITY_DESCRIPTOR Sd = RtlpAbsolute(SecurityDescriptor);
    if (Sd->Revision != SECURITY_DESCRIPTOR_REVISION)
        return STATUS_UNKNOWN_REVISION;
    *Owner = RtlpOwner(SecurityDescriptor);
    *OwnerDefaulted = (Sd->Control & SE_OWNER_DEFAULTED) ? TRUE : FALSE;
    return STATUS_SUCCESS;
}

// Reads a descriptor's primary group (either form; NULL when it has none). Any IRQL.
extern "C" NTSTATUS NTAPI RtlGetGroupSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor, PSID *Group,
                                                        PBOOLEAN GroupDefaulted)
{
    PISECURITY_DESCRIPTOR Sd = RtlpAbsolute(SecurityDescriptor);
    if (Sd->Revision != SECURITY_DESCRIPTOR_REVISION)
        return STATUS_UNKNOWN_REVISION;
    *Group = RtlpGroup(SecurityDescriptor);
    *GroupDefaulted = (Sd->Control & SE_GROUP_DEFAULTED) ? TRUE : FALSE;
    return STATUS_SUCCESS;
}

// Writes the self-relative form of an absolute descriptor. A self-relative input is
// STATUS_BAD_DESCRIPTOR_FORMAT; a buffer too small STATUS_BUFFER_TOO_SMALL with the
// size needed in *BufferLength. Any IRQL.
extern "C" NTSTATUS NTAPI RtlAbsoluteToSelfRelativeSD(PSECURITY_DESCRIPTOR AbsoluteSecurityDescriptor,
                                                      PSECURITY_DESCRIPTOR SelfRelativeSecurityDescriptor,
                                                      PULONG BufferLength)
{
    if (RtlpIsSelfRelative(AbsoluteSecurityDescriptor))
        return STATUS_BAD_DESCRIPTOR_FORMAT;
    return RtlpMakeSelfRelative(AbsoluteSecurityDescriptor, SelfRelativeSecurityDescriptor, BufferLength);
}

// Writes the self-relative form of a descriptor of either form (a compact copy of a
// self-relative one). Statuses as RtlAbsoluteToSelfRelativeSD. Any IRQL.
extern "C" NTSTATUS NTAPI RtlMakeSelfRelativeSD(PSECURITY_DESCRIPTOR AbsoluteSecurityDescriptor,
                                                PSECURITY_DESCRIPTOR SelfRelativeSecurityDescriptor,
                                                PULONG BufferLength)
{
    return RtlpMakeSelfRelative(AbsoluteSecurityDescriptor, SelfRelativeSecurityDescriptor, BufferLength);
}
