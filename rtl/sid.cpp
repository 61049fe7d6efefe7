// sid.cpp - security identifiers: their size, validity, comparison, construction and
// copying, and the S-1-5-18 text form.
#include "ntifs.h"

namespace {

#define TAG_RTL_SID 'iSlR'

// A SID's identifier authority as the 48-bit number its text form shows.
ULONG64 RtlpSidAuthorityValue(const SID *Sid)
{
    ULONG64 Value = 0;
    for (UCHAR Byte : Sid->IdentifierAuthority.Value)
        Value = (Value << 8) | Byte;
    return Value;
}

// Appends Number in decimal (or in hex with a 0x prefix) to Buffer at *Position.
void RtlpAppendNumber(PWCHAR Buffer, ULONG *Position, ULONG64 Number, BOOLEAN Hex)
{
    WCHAR Digits[24];
    ULONG Count = 0;
    ULONG Base = Hex ? 16 : 10;
    do {
        ULONG Digit = (ULONG)(Number % Base);
        Digits[Count++] = (WCHAR)(Digit < 10 ? L'0' + Digit : L'A' + Digit - 10);
        Number /= Base;
    } while (Number);
    if (Hex) {
        Buffer[(*Position)++] = L'0';
        Buffer[(*Position)++] = L'x';
    }
    while (Count)
        Buffer[(*Position)++] = Digits[--Count];
}

} // namespace

// Bytes a SID with SubAuthorityCount sub-authorities takes. Any IRQL.
extern "C" ULONG NTAPI RtlLengthRequiredSid(ULONG SubAuthorityCount)
{
    return (ULONG)(FIELD_OFFSET(SID, SubAuthority) + SubAuthorityCount * sizeof(ULONG));
}

// Bytes a valid SID takes. Any IRQL.
extern "C" ULONG NTAPI RtlLengthSid(PSID Sid)
{
    return RtlLengthRequiredSid(static_cast<PISID>(Sid)->SubAuthorityCount);
}

// Whether Sid has the revision NT knows and at most SID_MAX_SUB_AUTHORITIES
// sub-authorities. Any IRQL.
extern "C" BOOLEAN NTAPI RtlValidSid(PSID Sid)
{
    auto *Sid1 = static_cast<PISID>(Sid);
    return Sid1 && (Sid1->Revision & 0x0F) == SID_REVISION && Sid1->SubAuthorityCount <= SID_MAX_SUB_AUTHORITIES;
}

// Whether two SIDs are the same, byte for byte. Any IRQL.
extern "C" BOOLEAN NTAPI RtlEqualSid(PSID Sid1, PSID Sid2)
{
    auto *Left = static_cast<PISID>(Sid1);
    auto *Right = static_cast<PISID>(Sid2);
    if (Left->Revision != Right->Revision || Left->SubAuthorityCount != Right->SubAuthorityCount)
        return FALSE;
    return RtlEqualMemory(Left, Right, RtlLengthSid(Left));
}

// Whether two SIDs are equal but for their last sub-authority (same domain). Any IRQL.
extern "C" BOOLEAN NTAPI RtlEqualPrefixSid(PSID Sid1, PSID Sid2)
{
    auto *Left = static_cast<PISID>(Sid1);
    auto *Right = static_cast<PISID>(Sid2);
    if (Left->Revision != Right->Revision || Left->SubAuthorityCount != Right->SubAuthorityCount)
        return FALSE;
    if (!Left->SubAuthorityCount)
        return TRUE;
    return RtlEqualMemory(Left, Right, RtlLengthRequiredSid(Left->SubAuthorityCount - 1u));
}

// Fills in a SID's revision, authority and sub-authority count (the sub-authorities are
// the caller's); more than SID_MAX_SUB_AUTHORITIES is STATUS_INVALID_PARAMETER. Any IRQL.
extern "C" NTSTATUS NTAPI RtlInitializeSid(PSID Sid, PSID_IDENTIFIER_AUTHORITY IdentifierAuthority,
                                           UCHAR SubAuthorityCount)
{
    if (SubAuthorityCount > SID_MAX_SUB_AUTHORITIES)
        return STATUS_INVALID_PARAMETER;
    auto *Sid1 = static_cast<PISID>(Sid);
    Sid1->Revision = SID_REVISION;
    Sid1->SubAuthorityCount = SubAuthorityCount;
    Sid1->IdentifierAuthority = *IdentifierAuthority;
    return STATUS_SUCCESS;
}

// The address of a SID's sub-authority number SubAuthority (not checked, as in NT). Any
// IRQL.
extern "C" PULONG NTAPI RtlSubAuthoritySid(PSID Sid, ULONG SubAuthority)
{
    return &static_cast<PISID>(Sid)->SubAuthority[SubAuthority];
}

// The address of a SID's sub-authority count. Any IRQL.
extern "C" PUCHAR NTAPI RtlSubAuthorityCountSid(PSID Sid)
{
    return &static_cast<PISID>(Sid)->SubAuthorityCount;
}

// The address of a SID's identifier authority. Any IRQL.
extern "C" PSID_IDENTIFIER_AUTHORITY NTAPI RtlIdentifierAuthoritySid(PSID Sid)
{
    return &static_cast<PISID>(Sid)->IdentifierAuthority;
}

// Copies SourceSid into a buffer of DestinationSidLength bytes; too small is
// STATUS_BUFFER_TOO_SMALL. Any IRQL.
extern "C" NTSTATUS NTAPI RtlCopySid(ULONG DestinationSidLength, PSID DestinationSid, PSID SourceSid)
{
    ULONG Length = RtlLengthSid(SourceSid);
    if (Length > DestinationSidLength)
        return STATUS_BUFFER_TOO_SMALL;
    RtlMoveMemory(DestinationSid, SourceSid, Length);
    return STATUS_SUCCESS;
}

// Copies Count SID_AND_ATTRIBUTES into Dest, their SIDs packed into SidArea (of
// SidAreaSize bytes); returns where the area's free part starts and its size.
// STATUS_BUFFER_TOO_SMALL when the SIDs do not fit. Any IRQL.
extern "C" NTSTATUS NTAPI RtlCopySidAndAttributesArray(ULONG Count, PSID_AND_ATTRIBUTES Src, ULONG SidAreaSize,
                                                       PSID_AND_ATTRIBUTES Dest, PSID SidArea,
                                                       PSID *RemainingSidArea, PULONG RemainingSidAreaSize)
{
    auto *Area = static_cast<PUCHAR>(SidArea);
    for (ULONG I = 0; I < Count; I++) {
        ULONG Length = RtlLengthSid(Src[I].Sid);
        if (Length > SidAreaSize)
            return STATUS_BUFFER_TOO_SMALL;
        RtlCopyMemory(Area, Src[I].Sid, Length);
        Dest[I].Sid = Area;
        Dest[I].Attributes = Src[I].Attributes;
        Area += Length;
        SidAreaSize -= Length;
    }
    *RemainingSidArea = Area;
    *RemainingSidAreaSize = SidAreaSize;
    return STATUS_SUCCESS;
}

// Writes Sid's text form ("S-1-5-18"; authorities of 2^32 and up in hex) into
// UnicodeString, allocating its buffer if asked. An invalid SID is STATUS_INVALID_SID,
// a buffer too small STATUS_BUFFER_OVERFLOW. At or below APC_LEVEL when allocating.
extern "C" NTSTATUS NTAPI RtlConvertSidToUnicodeString(PUNICODE_STRING UnicodeString, PSID Sid,
                                                       BOOLEAN AllocateDestinationString)
{
    auto *Sid1 = static_cast<PISID>(Sid);
    if (!RtlValidSid(Sid))
        return STATUS_INVALID_SID;
    WCHAR Text[256];
    ULONG Length = 0;
    Text[Length++] = L'S';
    Text[Length++] = L'-';
    RtlpAppendNumber(Text, &Length, Sid1->Revision, FALSE);
    Text[Length++] = L'-';
    ULONG64 Authority = RtlpSidAuthorityValue(Sid1);
    RtlpAppendNumber(Text, &Length, Authority, Authority >> 32 ? TRUE : FALSE);
    for (ULONG I = 0; I < Sid1->SubAuthorityCount; I++) {
        Text[Length++] = L'-';
        RtlpAppendNumber(Text, &Length, Sid1->SubAuthority[I], FALSE);
    }
    USHORT Bytes = (USHORT)(Length * sizeof(WCHAR));
    if (AllocateDestinationString) {
        UnicodeString->Buffer =
            static_cast<PWSTR>(ExAllocatePoolWithTag(PagedPool, Bytes + sizeof(WCHAR), TAG_RTL_SID));
        if (!UnicodeString->Buffer)
            return STATUS_NO_MEMORY;
        UnicodeString->MaximumLength = (USHORT)(Bytes + sizeof(WCHAR));
    } else if (UnicodeString->MaximumLength < Bytes) {
        return STATUS_BUFFER_OVERFLOW;
    }
    RtlCopyMemory(UnicodeString->Buffer, Text, Bytes);
    UnicodeString->Length = Bytes;
    if (UnicodeString->MaximumLength >= Bytes + sizeof(WCHAR))
        UnicodeString->Buffer[Length] = UNICODE_NULL;
    return STATUS_SUCCESS;
}
