// se_test.h - helpers for the security tests: ACLs and descriptors built from lists,
// SIDs from their parts, and subjects made from a copy of the System token whose
// groups and privileges a test may change.
#pragma once

#include <cstring>
#include <initializer_list>
#include <vector>

#include "ntifs.h"
#include "ndk/ntndk.h"
#include "ps.h"
#include "se.h"

namespace se_test {

// A SID built from its authority's last byte and its RIDs.
struct TestSid {
    std::vector<UCHAR> Bytes;
    TestSid(UCHAR Authority, std::initializer_list<ULONG> Rids)
    {
        Bytes.resize(RtlLengthRequiredSid((ULONG)Rids.size()));
        SID_IDENTIFIER_AUTHORITY Auth = {{0, 0, 0, 0, 0, Authority}};
        RtlInitializeSid(Sid(), &Auth, (UCHAR)Rids.size());
        ULONG I = 0;
        for (ULONG Rid : Rids)
            *RtlSubAuthoritySid(Sid(), I++) = Rid;
    }
    PSID Sid() { return Bytes.data(); }
};

// One ACE of a test ACL.
struct AceSpec {
    UCHAR Type;
    UCHAR Flags;
    ACCESS_MASK Mask;
    PSID Sid;
};

// An ACL holding Aces in order, in its own buffer.
struct TestAcl {
    std::vector<ULONG> Buffer;
    explicit TestAcl(std::initializer_list<AceSpec> Aces)
    {
        ULONG Size = sizeof(ACL);
        for (const AceSpec &Ace : Aces)
            Size += FIELD_OFFSET(ACCESS_ALLOWED_ACE, SidStart) + RtlLengthSid(Ace.Sid);
        Buffer.resize(Size / sizeof(ULONG) + 1);
        RtlCreateAcl(Acl(), Size, ACL_REVISION);
        for (const AceSpec &Ace : Aces) {
            if (Ace.Type == ACCESS_ALLOWED_ACE_TYPE)
                RtlAddAccessAllowedAceEx(Acl(), ACL_REVISION, Ace.Flags, Ace.Mask, Ace.Sid);
            else
                RtlAddAccessDeniedAceEx(Acl(), ACL_REVISION, Ace.Flags, Ace.Mask, Ace.Sid);
        }
    }
    PACL Acl() { return reinterpret_cast<PACL>(Buffer.data()); }
};

inline AceSpec Allow(ACCESS_MASK Mask, PSID Sid, UCHAR Flags = 0) { return {ACCESS_ALLOWED_ACE_TYPE, Flags, Mask, Sid}; }
inline AceSpec Deny(ACCESS_MASK Mask, PSID Sid, UCHAR Flags = 0) { return {ACCESS_DENIED_ACE_TYPE, Flags, Mask, Sid}; }

// An absolute descriptor with an owner (or none) and a DACL (absent, NULL, or Acl).
inline SECURITY_DESCRIPTOR MakeSd(PSID Owner, BOOLEAN DaclPresent, PACL Dacl, BOOLEAN DaclDefaulted = FALSE)
{
    SECURITY_DESCRIPTOR Sd;
    RtlCreateSecurityDescriptor(&Sd, SECURITY_DESCRIPTOR_REVISION);
    RtlSetOwnerSecurityDescriptor(&Sd, Owner, FALSE);
    RtlSetDaclSecurityDescriptor(&Sd, DaclPresent, Dacl, DaclDefaulted);
    return Sd;
}

// The mapping most tests use: specific rights 0x1, 0x2, 0x4 and all of 0xF.
inline GENERIC_MAPPING TestMapping()
{
    return {STANDARD_RIGHTS_READ | 0x1, STANDARD_RIGHTS_WRITE | 0x2, STANDARD_RIGHTS_EXECUTE | 0x4,
            STANDARD_RIGHTS_ALL | 0xF};
}

// Inside the kernel: a subject whose primary token is a fresh duplicate of the System
// process's token, which the test may change. Releases its token on destruction.
struct TestSubject {
    SECURITY_SUBJECT_CONTEXT Context{};
    PTOKEN Token = nullptr;
    TestSubject()
    {
        auto *SystemToken = static_cast<PTOKEN>(PsReferencePrimaryToken(PsInitialSystemProcess));
        if (NT_SUCCESS(SepDuplicateToken(SystemToken, nullptr, FALSE, TokenPrimary, SecurityAnonymous, KernelMode,
                                         &Token)))
            Context.PrimaryToken = Token;
        PsDereferencePrimaryToken(SystemToken);
    }
    ~TestSubject()
    {
        if (Token)
            ObDereferenceObject(Token);
    }
    // The attributes of the token's group Sid (the user is entry 0).
    PULONG GroupAttributes(PSID Sid)
    {
        for (ULONG I = 0; I < Token->UserAndGroupCount; I++)
            if (RtlEqualSid(Token->UserAndGroups[I].Sid, Sid))
                return &Token->UserAndGroups[I].Attributes;
        return nullptr;
    }
    // Enables or disables one of the token's privileges.
    void SetPrivilege(LUID Privilege, bool Enabled)
    {
        for (ULONG I = 0; I < Token->PrivilegeCount; I++)
            if (RtlEqualLuid(&Token->Privileges[I].Luid, &Privilege))
                Token->Privileges[I].Attributes = Enabled ? SE_PRIVILEGE_ENABLED : 0;
    }
};

// Inside the kernel: the ACE number Index of Acl.
inline PACCESS_ALLOWED_ACE AceAt(PACL Acl, ULONG Index)
{
    PVOID Ace = nullptr;
    return NT_SUCCESS(RtlGetAce(Acl, Index, &Ace)) ? static_cast<PACCESS_ALLOWED_ACE>(Ace) : nullptr;
}

} // namespace se_test
