// acl.cpp - access control lists: creation, validation, walking, and adding the
// allowed and denied ACEs that name a SID.
#include "ntifs.h"

namespace {

// An ACE of the kinds that hold a mask and a SID (allowed, denied, audit, alarm).
struct KNOWN_ACE {
    ACE_HEADER Header;
    ACCESS_MASK Mask;
    ULONG SidStart;
};

// The first byte past an ACL's declared size.
PUCHAR RtlpAclEnd(PACL Acl) { return reinterpret_cast<PUCHAR>(Acl) + Acl->AclSize; }

// Whether an ACE of a mask-and-SID kind is well formed inside Size bytes.
BOOLEAN RtlpValidKnownAce(PACE_HEADER Ace, ULONG Size)
{
    ULONG SidOffset = FIELD_OFFSET(KNOWN_ACE, SidStart);
    if (Size < SidOffset + FIELD_OFFSET(SID, SubAuthority))
        return FALSE;
    auto *Sid = reinterpret_cast<PISID>(reinterpret_cast<PUCHAR>(Ace) + SidOffset);
    return RtlValidSid(Sid) && SidOffset + RtlLengthSid(Sid) <= Size;
}

// Adds an ACE of Type granting or denying AccessMask to Sid at the end of Acl. The
// ACL's revision rises to Revision if that is higher.
NTSTATUS RtlpAddKnownAce(PACL Acl, ULONG Revision, ULONG Flags, ACCESS_MASK AccessMask, PSID Sid, UCHAR Type)
{
    if (!RtlValidSid(Sid))
        return STATUS_INVALID_SID;
    if (Acl->AclRevision > MAX_ACL_REVISION || Revision > MAX_ACL_REVISION)
        return STATUS_UNKNOWN_REVISION;
    if (Flags & ~VALID_INHERIT_FLAGS)
        return STATUS_INVALID_PARAMETER;
    PACE_HEADER Free;
    if (!RtlValidAcl(Acl) || !RtlFirstFreeAce(Acl, &Free))
        return STATUS_INVALID_ACL;
    ULONG AceSize = FIELD_OFFSET(KNOWN_ACE, SidStart) + RtlLengthSid(Sid);
    if (!Free || reinterpret_cast<PUCHAR>(Free) + AceSize > RtlpAclEnd(Acl))
        return STATUS_ALLOTTED_SPACE_EXCEEDED;
    auto *Ace = reinterpret_cast<KNOWN_ACE *>(Free);
    Ace->Header.AceType = Type;
    Ace->Header.AceFlags = (UCHAR)Flags;
    Ace->Header.AceSize = (USHORT)AceSize;
    Ace->Mask = AccessMask;
    RtlCopySid(RtlLengthSid(Sid), &Ace->SidStart, Sid);
    Acl->AceCount++;
    if (Revision > Acl->AclRevision)
        Acl->AclRevision = (UCHAR)Revision;
    return STATUS_SUCCESS;
}

} // namespace

// Makes an empty ACL of AclLength bytes (rounded down to a ULONG multiple). Shorter
// than an ACL header is STATUS_BUFFER_TOO_SMALL; a revision NT does not know or a
// length above 64 KB STATUS_INVALID_PARAMETER. Any IRQL.
extern "C" NTSTATUS NTAPI RtlCreateAcl(PACL Acl, ULONG AclLength, ULONG AclRevision)
{
    if (AclLength < sizeof(ACL))
        return STATUS_BUFFER_TOO_SMALL;
    if (AclRevision < MIN_ACL_REVISION || AclRevision > MAX_ACL_REVISION || AclLength > MAXUSHORT)
        return STATUS_INVALID_PARAMETER;
    Acl->AclRevision = (UCHAR)AclRevision;
    Acl->Sbz1 = 0;
    Acl->AclSize = (USHORT)(AclLength & ~3u);
    Acl->AceCount = 0;
    Acl->Sbz2 = 0;
    return STATUS_SUCCESS;
}

// Whether an ACL is well formed: a known revision, an aligned size, and AceCount ACEs
// that each lie inside it, with valid SIDs in the ACE kinds that carry one. Any IRQL.
extern "C" BOOLEAN NTAPI RtlValidAcl(PACL Acl)
{
    if (Acl->AclRevision < MIN_ACL_REVISION || Acl->AclRevision > MAX_ACL_REVISION || Acl->AclSize < sizeof(ACL) ||
        (Acl->AclSize & 3))
        return FALSE;
    auto *Ace = reinterpret_cast<PUCHAR>(Acl + 1);
    PUCHAR End = RtlpAclEnd(Acl);
    for (ULONG I = 0; I < Acl->AceCount; I++) {
        if (Ace + sizeof(ACE_HEADER) > End)
            return FALSE;
        auto *Header = reinterpret_cast<PACE_HEADER>(Ace);
        if (Header->AceSize < sizeof(ACE_HEADER) || (Header->AceSize & 3) || Ace + Header->AceSize > End)
            return FALSE;
        if (Header->AceType <= ACCESS_MAX_MS_V2_ACE_TYPE && !RtlpValidKnownAce(Header, Header->AceSize))
            return FALSE;
        Ace += Header->AceSize;
    }
    return TRUE;
}

// Finds where the next ACE would go: *FirstFree is that address, or NULL when the ACL
// is full. FALSE when the ACEs run past the ACL. Any IRQL.
extern "C" BOOLEAN NTAPI RtlFirstFreeAce(PACL Acl, PACE_HEADER *FirstFree)
{
    *FirstFree = NULL;
    auto *Ace = reinterpret_cast<PUCHAR>(Acl + 1);
    PUCHAR End = RtlpAclEnd(Acl);
    for (ULONG I = 0; I < Acl->AceCount; I++) {
        if (Ace >= End)
            return FALSE;
        Ace += reinterpret_cast<PACE_HEADER>(Ace)->AceSize;
    }
    if (Ace > End)
        return FALSE;
    if (Ace < End)
        *FirstFree = reinterpret_cast<PACE_HEADER>(Ace);
    return TRUE;
}

// Finds ACE number AceIndex. An unknown revision or an index past the ACEs is
// STATUS_INVALID_PARAMETER. Any IRQL.
extern "C" NTSTATUS NTAPI RtlGetAce(PACL Acl, ULONG AceIndex, PVOID *Ace)
{
    if (Acl->AclRevision < MIN_ACL_REVISION || Acl->AclRevision > MAX_ACL_REVISION || AceIndex >= Acl->AceCount)
        return STATUS_INVALID_PARAMETER;
    auto *Current = reinterpret_cast<PUCHAR>(Acl + 1);
    PUCHAR End = RtlpAclEnd(Acl);
    for (ULONG I = 0; I < AceIndex; I++) {
        if (Current >= End)
            return STATUS_INVALID_PARAMETER;
        Current += reinterpret_cast<PACE_HEADER>(Current)->AceSize;
    }
    if (Current >= End)
        return STATUS_INVALID_PARAMETER;
    *Ace = Current;
    return STATUS_SUCCESS;
}

// Inserts the ACEs of AceList (AceListLength bytes) before ACE number StartingAceIndex
// (past the end: at the end). An ACL or list that is not well formed, or a revision
// below the ACL's, is STATUS_INVALID_PARAMETER; no room STATUS_BUFFER_TOO_SMALL. Any
// IRQL.
extern "C" NTSTATUS NTAPI RtlAddAce(PACL Acl, ULONG AceRevision, ULONG StartingAceIndex, PVOID AceList,
                                    ULONG AceListLength)
{
    PACE_HEADER Free;
    if (!RtlValidAcl(Acl) || !RtlFirstFreeAce(Acl, &Free) || AceRevision < Acl->AclRevision ||
        AceRevision > MAX_ACL_REVISION)
        return STATUS_INVALID_PARAMETER;
    ULONG NewAces = 0;
    for (ULONG Offset = 0; Offset < AceListLength; NewAces++) {
        auto *Header = reinterpret_cast<PACE_HEADER>(static_cast<PUCHAR>(AceList) + Offset);
        if (Offset + sizeof(ACE_HEADER) > AceListLength || Header->AceSize < sizeof(ACE_HEADER) ||
            Offset + Header->AceSize > AceListLength)
            return STATUS_INVALID_PARAMETER;
        Offset += Header->AceSize;
    }
    if (!Free || reinterpret_cast<PUCHAR>(Free) + AceListLength > RtlpAclEnd(Acl))
        return STATUS_BUFFER_TOO_SMALL;
    PVOID Insert = Free;
    if (StartingAceIndex < Acl->AceCount)
        RtlGetAce(Acl, StartingAceIndex, &Insert);
    auto *At = static_cast<PUCHAR>(Insert);
    RtlMoveMemory(At + AceListLength, At, reinterpret_cast<PUCHAR>(Free) - At);
    RtlCopyMemory(At, AceList, AceListLength);
    Acl->AceCount = (USHORT)(Acl->AceCount + NewAces);
    Acl->AclRevision = (UCHAR)AceRevision;
    return STATUS_SUCCESS;
}

// Removes ACE number AceIndex. An ACL not well formed or a bad index is
// STATUS_INVALID_PARAMETER. Any IRQL.
extern "C" NTSTATUS NTAPI RtlDeleteAce(PACL Acl, ULONG AceIndex)
{
    PACE_HEADER Free;
    PVOID Ace;
    if (!RtlValidAcl(Acl) || AceIndex >= Acl->AceCount || !RtlFirstFreeAce(Acl, &Free) ||
        !NT_SUCCESS(RtlGetAce(Acl, AceIndex, &Ace)))
        return STATUS_INVALID_PARAMETER;
    PUCHAR Used = Free ? reinterpret_cast<PUCHAR>(Free) : RtlpAclEnd(Acl);
    auto *At = static_cast<PUCHAR>(Ace);
    USHORT Size = static_cast<PACE_HEADER>(Ace)->AceSize;
    RtlMoveMemory(At, At + Size, Used - At - Size);
    RtlZeroMemory(Used - Size, Size);
    Acl->AceCount--;
    return STATUS_SUCCESS;
}

// Adds an ACE allowing AccessMask to Sid at the end of Acl. A bad SID is
// STATUS_INVALID_SID, an unknown revision STATUS_UNKNOWN_REVISION, a malformed ACL
// STATUS_INVALID_ACL, no room STATUS_ALLOTTED_SPACE_EXCEEDED. Any IRQL.
extern "C" NTSTATUS NTAPI RtlAddAccessAllowedAce(PACL Acl, ULONG AceRevision, ACCESS_MASK AccessMask, PSID Sid)
{
    return RtlpAddKnownAce(Acl, AceRevision, 0, AccessMask, Sid, ACCESS_ALLOWED_ACE_TYPE);
}

// RtlAddAccessAllowedAce with inheritance flags (others are STATUS_INVALID_PARAMETER).
// Any IRQL.
extern "C" NTSTATUS NTAPI RtlAddAccessAllowedAceEx(PACL Acl, ULONG AceRevision, ULONG AceFlags,
                                                   ACCESS_MASK AccessMask, PSID Sid)
{
    return RtlpAddKnownAce(Acl, AceRevision, AceFlags, AccessMask, Sid, ACCESS_ALLOWED_ACE_TYPE);
}

// Adds an ACE denying AccessMask to Sid at the end of Acl; statuses as
// RtlAddAccessAllowedAce. Any IRQL.
extern "C" NTSTATUS NTAPI RtlAddAccessDeniedAce(PACL Acl, ULONG AceRevision, ACCESS_MASK AccessMask, PSID Sid)
{
    return RtlpAddKnownAce(Acl, AceRevision, 0, AccessMask, Sid, ACCESS_DENIED_ACE_TYPE);
}

// RtlAddAccessDeniedAce with inheritance flags. Any IRQL.
extern "C" NTSTATUS NTAPI RtlAddAccessDeniedAceEx(PACL Acl, ULONG AceRevision, ULONG AceFlags,
                                                  ACCESS_MASK AccessMask, PSID Sid)
{
    return RtlpAddKnownAce(Acl, AceRevision, AceFlags, AccessMask, Sid, ACCESS_DENIED_ACE_TYPE);
}

// Reports an ACL's revision or its ACE count and bytes used and free. A buffer too
// small is STATUS_BUFFER_TOO_SMALL, a malformed ACL STATUS_INVALID_PARAMETER, another
// class STATUS_INVALID_INFO_CLASS. Any IRQL.
extern "C" NTSTATUS NTAPI RtlQueryInformationAcl(PACL Acl, PVOID AclInformation, ULONG AclInformationLength,
                                                 ACL_INFORMATION_CLASS AclInformationClass)
{
    if (AclInformationClass == AclRevisionInformation) {
        if (AclInformationLength < sizeof(ACL_REVISION_INFORMATION))
            return STATUS_BUFFER_TOO_SMALL;
        static_cast<PACL_REVISION_INFORMATION>(AclInformation)->AclRevision = Acl->AclRevision;
        return STATUS_SUCCESS;
    }
    if (AclInformationClass != AclSizeInformation)
        return STATUS_INVALID_INFO_CLASS;
    if (AclInformationLength < sizeof(ACL_SIZE_INFORMATION))
        return STATUS_BUFFER_TOO_SMALL;
    PACE_HEADER Free;
    if (!RtlFirstFreeAce(Acl, &Free))
        return STATUS_INVALID_PARAMETER;
    ULONG Used = Free ? (ULONG)(reinterpret_cast<PUCHAR>(Free) - reinterpret_cast<PUCHAR>(Acl)) : Acl->AclSize;
    auto *Info = static_cast<PACL_SIZE_INFORMATION>(AclInformation);
    Info->AceCount = Acl->AceCount;
    Info->AclBytesInUse = Used;
    Info->AclBytesFree = Acl->AclSize - Used;
    return STATUS_SUCCESS;
}
