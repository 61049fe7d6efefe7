// SIDs, ACLs and security descriptors as the run-time library builds and checks them,
// without a kernel: sizes, equality, text form, every bad-input status, the
// self-relative form and its bounds, generic mapping. After what ReactOS's kmtest
// SeHelpers and the WDK document of these calls.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "se_test.h"

using namespace se_test;

namespace {

TEST(RtlSid, LengthsAndParts)
{
    EXPECT_EQ(RtlLengthRequiredSid(0), 8u);
    EXPECT_EQ(RtlLengthRequiredSid(2), 16u);
    TestSid Admins(5, {32, 544});
    EXPECT_EQ(RtlLengthSid(Admins.Sid()), 16u);
    EXPECT_TRUE(RtlValidSid(Admins.Sid()));
    EXPECT_EQ(*RtlSubAuthorityCountSid(Admins.Sid()), 2);
    EXPECT_EQ(*RtlSubAuthoritySid(Admins.Sid(), 1), 544u);
    EXPECT_EQ(RtlIdentifierAuthoritySid(Admins.Sid())->Value[5], 5);
    UCHAR Buffer[SECURITY_MAX_SID_SIZE];
    SID_IDENTIFIER_AUTHORITY Nt = SECURITY_NT_AUTHORITY;
    EXPECT_EQ(RtlInitializeSid(Buffer, &Nt, SID_MAX_SUB_AUTHORITIES + 1), STATUS_INVALID_PARAMETER);
}

TEST(RtlSid, EqualityAndPrefix)
{
    TestSid Admins(5, {32, 544}), Users(5, {32, 545}), System(5, {18}), World(1, {0});
    EXPECT_TRUE(RtlEqualSid(Admins.Sid(), TestSid(5, {32, 544}).Sid()));
    EXPECT_FALSE(RtlEqualSid(Admins.Sid(), Users.Sid()));
    EXPECT_FALSE(RtlEqualSid(Admins.Sid(), System.Sid()));
    EXPECT_FALSE(RtlEqualSid(System.Sid(), TestSid(1, {18}).Sid())) << "authorities differ";
    EXPECT_TRUE(RtlEqualPrefixSid(Admins.Sid(), Users.Sid())) << "same domain, different RID";
    EXPECT_FALSE(RtlEqualPrefixSid(Admins.Sid(), System.Sid()));
    EXPECT_FALSE(RtlEqualPrefixSid(World.Sid(), System.Sid()));
}

TEST(RtlSid, InvalidSids)
{
    TestSid Sid(5, {18});
    auto *Raw = static_cast<PISID>(Sid.Sid());
    Raw->Revision = 2;
    EXPECT_FALSE(RtlValidSid(Raw));
    Raw->Revision = SID_REVISION;
    Raw->SubAuthorityCount = SID_MAX_SUB_AUTHORITIES + 1;
    EXPECT_FALSE(RtlValidSid(Raw));
    EXPECT_FALSE(RtlValidSid(nullptr));
}

TEST(RtlSid, CopyNeedsRoom)
{
    TestSid Admins(5, {32, 544});
    UCHAR Small[12], Big[SECURITY_MAX_SID_SIZE];
    EXPECT_EQ(RtlCopySid(sizeof(Small), Small, Admins.Sid()), STATUS_BUFFER_TOO_SMALL);
    EXPECT_EQ(RtlCopySid(sizeof(Big), Big, Admins.Sid()), STATUS_SUCCESS);
    EXPECT_TRUE(RtlEqualSid(Big, Admins.Sid()));
}

TEST(RtlSid, TextForm)
{
    WCHAR Buffer[64];
    UNICODE_STRING Text;
    RtlInitEmptyUnicodeString(&Text, Buffer, sizeof(Buffer));
    TestSid System(5, {18});
    ASSERT_EQ(RtlConvertSidToUnicodeString(&Text, System.Sid(), FALSE), STATUS_SUCCESS);
    EXPECT_EQ(std::wstring(Text.Buffer, Text.Length / sizeof(WCHAR)), L"S-1-5-18");
    TestSid Admins(5, {32, 544});
    ASSERT_EQ(RtlConvertSidToUnicodeString(&Text, Admins.Sid(), FALSE), STATUS_SUCCESS);
    EXPECT_EQ(std::wstring(Text.Buffer, Text.Length / sizeof(WCHAR)), L"S-1-5-32-544");
    UNICODE_STRING Tiny;
    RtlInitEmptyUnicodeString(&Tiny, Buffer, 3 * sizeof(WCHAR));
    EXPECT_EQ(RtlConvertSidToUnicodeString(&Tiny, Admins.Sid(), FALSE), STATUS_BUFFER_OVERFLOW);
    static_cast<PISID>(Admins.Sid())->Revision = 3;
    EXPECT_EQ(RtlConvertSidToUnicodeString(&Text, Admins.Sid(), FALSE), STATUS_INVALID_SID);
}

TEST(RtlAcl, CreateChecksSizeAndRevision)
{
    ULONG Buffer[64];
    auto *Acl = reinterpret_cast<PACL>(Buffer);
    EXPECT_EQ(RtlCreateAcl(Acl, sizeof(ACL) - 1, ACL_REVISION), STATUS_BUFFER_TOO_SMALL);
    EXPECT_EQ(RtlCreateAcl(Acl, sizeof(Buffer), 1), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(RtlCreateAcl(Acl, sizeof(Buffer), MAX_ACL_REVISION + 1), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(RtlCreateAcl(Acl, 0x10000, ACL_REVISION), STATUS_INVALID_PARAMETER);
    ASSERT_EQ(RtlCreateAcl(Acl, sizeof(Buffer) - 2, ACL_REVISION), STATUS_SUCCESS);
    EXPECT_EQ(Acl->AclSize, sizeof(Buffer) - 4) << "rounded down to a ULONG multiple";
    EXPECT_EQ(Acl->AceCount, 0);
    EXPECT_EQ(Acl->AclRevision, ACL_REVISION);
    EXPECT_TRUE(RtlValidAcl(Acl));
}

TEST(RtlAcl, AddAcesInOrderUntilFull)
{
    TestSid World(1, {0}), System(5, {18});
    ULONG AceSize = FIELD_OFFSET(ACCESS_ALLOWED_ACE, SidStart) + RtlLengthSid(World.Sid());
    std::vector<ULONG> Buffer((sizeof(ACL) + 2 * AceSize) / sizeof(ULONG));
    auto *Acl = reinterpret_cast<PACL>(Buffer.data());
    ASSERT_EQ(RtlCreateAcl(Acl, sizeof(ACL) + 2 * AceSize, ACL_REVISION), STATUS_SUCCESS);
    EXPECT_EQ(RtlAddAccessAllowedAce(Acl, ACL_REVISION, 0x1, World.Sid()), STATUS_SUCCESS);
    EXPECT_EQ(RtlAddAccessDeniedAceEx(Acl, ACL_REVISION, CONTAINER_INHERIT_ACE, 0x2, System.Sid()), STATUS_SUCCESS);
    EXPECT_EQ(RtlAddAccessAllowedAce(Acl, ACL_REVISION, 0x4, World.Sid()), STATUS_ALLOTTED_SPACE_EXCEEDED);
    EXPECT_EQ(Acl->AceCount, 2);
    PACE_HEADER Free;
    EXPECT_TRUE(RtlFirstFreeAce(Acl, &Free));
    EXPECT_EQ(Free, nullptr) << "a full ACL has no free space";
    PACCESS_ALLOWED_ACE First = AceAt(Acl, 0);
    auto *Second = reinterpret_cast<PACCESS_DENIED_ACE>(AceAt(Acl, 1));
    ASSERT_NE(First, nullptr);
    ASSERT_NE(Second, nullptr);
    EXPECT_EQ(First->Header.AceType, ACCESS_ALLOWED_ACE_TYPE);
    EXPECT_EQ(First->Header.AceSize, AceSize);
    EXPECT_EQ(First->Mask, 0x1u);
    EXPECT_TRUE(RtlEqualSid(&First->SidStart, World.Sid()));
    EXPECT_EQ(Second->Header.AceType, ACCESS_DENIED_ACE_TYPE);
    EXPECT_EQ(Second->Header.AceFlags, CONTAINER_INHERIT_ACE);
    EXPECT_TRUE(RtlEqualSid(&Second->SidStart, System.Sid()));
    PVOID Ace;
    EXPECT_EQ(RtlGetAce(Acl, 2, &Ace), STATUS_INVALID_PARAMETER);
    ACL_SIZE_INFORMATION Info;
    ASSERT_EQ(RtlQueryInformationAcl(Acl, &Info, sizeof(Info), AclSizeInformation), STATUS_SUCCESS);
    EXPECT_EQ(Info.AceCount, 2u);
    EXPECT_EQ(Info.AclBytesInUse, sizeof(ACL) + 2 * AceSize);
    EXPECT_EQ(Info.AclBytesFree, 0u);
    EXPECT_EQ(RtlDeleteAce(Acl, 0), STATUS_SUCCESS);
    EXPECT_EQ(AceAt(Acl, 0)->Mask, 0x2u) << "the ACEs after the deleted one move up";
}

TEST(RtlAcl, AddAceBadInput)
{
    TestSid World(1, {0});
    ULONG Buffer[32];
    auto *Acl = reinterpret_cast<PACL>(Buffer);
    ASSERT_EQ(RtlCreateAcl(Acl, sizeof(Buffer), ACL_REVISION), STATUS_SUCCESS);
    TestSid Bad(5, {18});
    static_cast<PISID>(Bad.Sid())->Revision = 7;
    EXPECT_EQ(RtlAddAccessAllowedAce(Acl, ACL_REVISION, 1, Bad.Sid()), STATUS_INVALID_SID);
    EXPECT_EQ(RtlAddAccessAllowedAce(Acl, MAX_ACL_REVISION + 1, 1, World.Sid()), STATUS_UNKNOWN_REVISION);
    EXPECT_EQ(RtlAddAccessAllowedAceEx(Acl, ACL_REVISION, 0x20, 1, World.Sid()), STATUS_INVALID_PARAMETER);
    Acl->AceCount = 5; // ACEs that are not there
    EXPECT_FALSE(RtlValidAcl(Acl));
    EXPECT_EQ(RtlAddAccessDeniedAce(Acl, ACL_REVISION, 1, World.Sid()), STATUS_INVALID_ACL);
    Acl->AceCount = 0;
    EXPECT_EQ(RtlAddAccessAllowedAce(Acl, ACL_REVISION_DS, 1, World.Sid()), STATUS_SUCCESS);
    EXPECT_EQ(Acl->AclRevision, ACL_REVISION_DS) << "the ACL takes the higher revision";
    PVOID Ace;
    Acl->AclRevision = 9;
    EXPECT_EQ(RtlGetAce(Acl, 0, &Ace), STATUS_INVALID_PARAMETER);
}

TEST(RtlSd, CreateGetAndSetAbsolute)
{
    SECURITY_DESCRIPTOR Sd;
    EXPECT_EQ(RtlCreateSecurityDescriptor(&Sd, 2), STATUS_UNKNOWN_REVISION);
    ASSERT_EQ(RtlCreateSecurityDescriptor(&Sd, SECURITY_DESCRIPTOR_REVISION), STATUS_SUCCESS);
    EXPECT_TRUE(RtlValidSecurityDescriptor(&Sd));
    EXPECT_EQ(RtlLengthSecurityDescriptor(&Sd), sizeof(SECURITY_DESCRIPTOR));
    BOOLEAN Present = TRUE, Defaulted = FALSE;
    PACL Dacl = nullptr;
    ASSERT_EQ(RtlGetDaclSecurityDescriptor(&Sd, &Present, &Dacl, &Defaulted), STATUS_SUCCESS);
    EXPECT_FALSE(Present);
    TestSid System(5, {18}), Admins(5, {32, 544});
    TestAcl Acl({Allow(GENERIC_ALL, System.Sid())});
    EXPECT_EQ(RtlSetOwnerSecurityDescriptor(&Sd, Admins.Sid(), TRUE), STATUS_SUCCESS);
    EXPECT_EQ(RtlSetGroupSecurityDescriptor(&Sd, System.Sid(), FALSE), STATUS_SUCCESS);
    EXPECT_EQ(RtlSetDaclSecurityDescriptor(&Sd, TRUE, Acl.Acl(), TRUE), STATUS_SUCCESS);
    EXPECT_EQ(Sd.Control, SE_OWNER_DEFAULTED | SE_DACL_PRESENT | SE_DACL_DEFAULTED);
    PSID Owner;
    ASSERT_EQ(RtlGetOwnerSecurityDescriptor(&Sd, &Owner, &Defaulted), STATUS_SUCCESS);
    EXPECT_EQ(Owner, Admins.Sid());
    EXPECT_TRUE(Defaulted);
    ASSERT_EQ(RtlGetDaclSecurityDescriptor(&Sd, &Present, &Dacl, &Defaulted), STATUS_SUCCESS);
    EXPECT_TRUE(Present);
    EXPECT_EQ(Dacl, Acl.Acl());
    EXPECT_EQ(RtlLengthSecurityDescriptor(&Sd), sizeof(SECURITY_DESCRIPTOR) + 16 + 12 + Acl.Acl()->AclSize);
    EXPECT_TRUE(RtlValidSecurityDescriptor(&Sd));
    EXPECT_EQ(RtlSetDaclSecurityDescriptor(&Sd, FALSE, nullptr, FALSE), STATUS_SUCCESS);
    EXPECT_EQ(Sd.Control & (SE_DACL_PRESENT | SE_DACL_DEFAULTED), 0);
    Sd.Revision = 3;
    EXPECT_EQ(RtlGetOwnerSecurityDescriptor(&Sd, &Owner, &Defaulted), STATUS_UNKNOWN_REVISION);
    EXPECT_EQ(RtlSetDaclSecurityDescriptor(&Sd, TRUE, nullptr, FALSE), STATUS_UNKNOWN_REVISION);
    EXPECT_FALSE(RtlValidSecurityDescriptor(&Sd));
}

TEST(RtlSd, SelfRelativeFormUsesOffsets)
{
    TestSid System(5, {18}), Admins(5, {32, 544}), World(1, {0});
    TestAcl Acl({Allow(0x1, World.Sid()), Deny(0x2, System.Sid())});
    SECURITY_DESCRIPTOR Sd = MakeSd(Admins.Sid(), TRUE, Acl.Acl());
    RtlSetGroupSecurityDescriptor(&Sd, System.Sid(), FALSE);
    ULONG Needed = 0;
    ASSERT_EQ(RtlAbsoluteToSelfRelativeSD(&Sd, nullptr, &Needed), STATUS_BUFFER_TOO_SMALL);
    EXPECT_EQ(Needed, sizeof(SECURITY_DESCRIPTOR_RELATIVE) + 16 + 12 + Acl.Acl()->AclSize);
    std::vector<ULONG> Buffer(Needed / sizeof(ULONG));
    ULONG Length = Needed;
    ASSERT_EQ(RtlAbsoluteToSelfRelativeSD(&Sd, Buffer.data(), &Length), STATUS_SUCCESS);
    auto *Relative = reinterpret_cast<PISECURITY_DESCRIPTOR_RELATIVE>(Buffer.data());
    EXPECT_EQ(Relative->Control, SE_SELF_RELATIVE | SE_DACL_PRESENT);
    EXPECT_NE(Relative->Owner, 0u);
    EXPECT_NE(Relative->Dacl, 0u);
    EXPECT_EQ(Relative->Sacl, 0u);
    EXPECT_EQ(RtlLengthSecurityDescriptor(Relative), Needed);
    EXPECT_TRUE(RtlValidSecurityDescriptor(Relative));
    EXPECT_TRUE(RtlValidRelativeSecurityDescriptor(Relative, Needed, OWNER_SECURITY_INFORMATION));
    EXPECT_FALSE(RtlValidRelativeSecurityDescriptor(Relative, Needed - 4, 0)) << "the DACL runs past the length";
    PSID Owner;
    BOOLEAN Defaulted, Present;
    PACL Dacl;
    ASSERT_EQ(RtlGetOwnerSecurityDescriptor(Relative, &Owner, &Defaulted), STATUS_SUCCESS);
    EXPECT_TRUE(RtlEqualSid(Owner, Admins.Sid()));
    EXPECT_EQ(static_cast<PUCHAR>(Owner), reinterpret_cast<PUCHAR>(Relative) + Relative->Owner);
    ASSERT_EQ(RtlGetDaclSecurityDescriptor(Relative, &Present, &Dacl, &Defaulted), STATUS_SUCCESS);
    EXPECT_EQ(std::memcmp(Dacl, Acl.Acl(), Acl.Acl()->AclSize), 0);
    EXPECT_EQ(RtlSetOwnerSecurityDescriptor(Relative, System.Sid(), FALSE), STATUS_INVALID_SECURITY_DESCR);
    EXPECT_EQ(RtlAbsoluteToSelfRelativeSD(Relative, Buffer.data(), &Length), STATUS_BAD_DESCRIPTOR_FORMAT);
    std::vector<ULONG> Copy(Needed / sizeof(ULONG));
    ULONG CopyLength = Needed;
    ASSERT_EQ(RtlMakeSelfRelativeSD(Relative, Copy.data(), &CopyLength), STATUS_SUCCESS);
    EXPECT_EQ(std::memcmp(Copy.data(), Buffer.data(), Needed), 0) << "a self-relative copy is the same bytes";
}

TEST(RtlSd, NullDaclStaysPresent)
{
    SECURITY_DESCRIPTOR Sd = MakeSd(nullptr, TRUE, nullptr);
    ULONG Length = 0;
    ASSERT_EQ(RtlAbsoluteToSelfRelativeSD(&Sd, nullptr, &Length), STATUS_BUFFER_TOO_SMALL);
    EXPECT_EQ(Length, sizeof(SECURITY_DESCRIPTOR_RELATIVE));
    SECURITY_DESCRIPTOR_RELATIVE Relative;
    ASSERT_EQ(RtlAbsoluteToSelfRelativeSD(&Sd, &Relative, &Length), STATUS_SUCCESS);
    BOOLEAN Present = FALSE, Defaulted;
    PACL Dacl = reinterpret_cast<PACL>(1);
    ASSERT_EQ(RtlGetDaclSecurityDescriptor(&Relative, &Present, &Dacl, &Defaulted), STATUS_SUCCESS);
    EXPECT_TRUE(Present);
    EXPECT_EQ(Dacl, nullptr);
    EXPECT_FALSE(RtlValidRelativeSecurityDescriptor(&Relative, Length, OWNER_SECURITY_INFORMATION))
        << "no owner where one is required";
    EXPECT_FALSE(RtlValidRelativeSecurityDescriptor(&Relative, Length - 1, 0));
    Relative.Control &= ~SE_SELF_RELATIVE;
    EXPECT_FALSE(RtlValidRelativeSecurityDescriptor(&Relative, Length, 0));
}

TEST(RtlAccess, GenericMapping)
{
    GENERIC_MAPPING Mapping = TestMapping();
    ACCESS_MASK Mask = GENERIC_READ | GENERIC_EXECUTE | DELETE;
    RtlMapGenericMask(&Mask, &Mapping);
    EXPECT_EQ(Mask, (ACCESS_MASK)(READ_CONTROL | 0x1 | 0x4 | DELETE));
    Mask = GENERIC_ALL;
    RtlMapGenericMask(&Mask, &Mapping);
    EXPECT_EQ(Mask, (ACCESS_MASK)(STANDARD_RIGHTS_ALL | 0xF));
    EXPECT_TRUE(RtlAreAllAccessesGranted(0x7, 0x5));
    EXPECT_FALSE(RtlAreAllAccessesGranted(0x3, 0x5));
    EXPECT_TRUE(RtlAreAnyAccessesGranted(0x3, 0x5));
    EXPECT_FALSE(RtlAreAnyAccessesGranted(0x2, 0x5));
}

} // namespace
