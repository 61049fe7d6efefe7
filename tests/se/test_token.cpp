// Tokens in every machine mode: the System process's token (user S-1-5-18, its groups
// and privileges as NT 5.2 gives them, default owner, primary group, default DACL, unique
// ids), duplicates and child-process tokens as separate objects with equal contents, the
// primary token's fast references, the privilege checks, and SeExports. After what
// ReactOS's kmtests SeQueryInfoToken and SeInheritance check of the System token.
#include "ntos_test.h"
#include "ex.h"
#include "ob.h"
#include "se_test.h"

using namespace ntos_test;
using namespace se_test;

namespace {

class SeTokenTest : public KernelTest {};

// Inside the kernel: whether Token holds Privilege with exactly Attributes.
bool HasPrivilege(PTOKEN Token, ULONG Privilege, ULONG Attributes)
{
    for (ULONG I = 0; I < Token->PrivilegeCount; I++)
        if (Token->Privileges[I].Luid.LowPart == Privilege && Token->Privileges[I].Luid.HighPart == 0)
            return Token->Privileges[I].Attributes == Attributes;
    return false;
}

TEST_P(SeTokenTest, SystemProcessTokenIsNtSystemToken)
{
    ASSERT_EQ(RunInKernel([&] {
                  auto *Token = static_cast<PTOKEN>(PsReferencePrimaryToken(PsInitialSystemProcess));
                  ASSERT_NE(Token, nullptr);
                  EXPECT_EQ(OBJECT_TO_OBJECT_HEADER(Token)->Type, SepTokenObjectType);
                  EXPECT_EQ(*SeTokenObjectType, SepTokenObjectType);
                  EXPECT_EQ(SeTokenType(Token), TokenPrimary);
                  EXPECT_TRUE(Token->TokenInUse);
                  EXPECT_TRUE(SeTokenIsAdmin(Token));
                  EXPECT_FALSE(SeTokenIsRestricted(Token));
                  WCHAR Buffer[64];
                  UNICODE_STRING Text;
                  RtlInitEmptyUnicodeString(&Text, Buffer, sizeof(Buffer));
                  ASSERT_EQ(RtlConvertSidToUnicodeString(&Text, Token->UserAndGroups[0].Sid, FALSE), STATUS_SUCCESS);
                  EXPECT_EQ(std::wstring(Text.Buffer, Text.Length / sizeof(WCHAR)), L"S-1-5-18");
                  ASSERT_EQ(Token->UserAndGroupCount, 4u);
                  const ULONG Mandatory = SE_GROUP_MANDATORY | SE_GROUP_ENABLED_BY_DEFAULT | SE_GROUP_ENABLED;
                  EXPECT_TRUE(RtlEqualSid(Token->UserAndGroups[1].Sid, SeExports->SeAliasAdminsSid));
                  EXPECT_EQ(Token->UserAndGroups[1].Attributes,
                            (ULONG)(SE_GROUP_ENABLED | SE_GROUP_ENABLED_BY_DEFAULT | SE_GROUP_OWNER));
                  EXPECT_TRUE(RtlEqualSid(Token->UserAndGroups[2].Sid, SeExports->SeWorldSid));
                  EXPECT_EQ(Token->UserAndGroups[2].Attributes, Mandatory);
                  EXPECT_TRUE(RtlEqualSid(Token->UserAndGroups[3].Sid, SeExports->SeAuthenticatedUsersSid));
                  EXPECT_EQ(Token->UserAndGroups[3].Attributes, Mandatory);
                  EXPECT_TRUE(RtlEqualSid(Token->UserAndGroups[Token->DefaultOwnerIndex].Sid, SeExports->SeAliasAdminsSid));
                  EXPECT_TRUE(RtlEqualSid(Token->PrimaryGroup, SeExports->SeLocalSystemSid));
                  const ULONG On = SE_PRIVILEGE_ENABLED | SE_PRIVILEGE_ENABLED_BY_DEFAULT;
                  for (ULONG Enabled : {SE_TCB_PRIVILEGE, SE_CHANGE_NOTIFY_PRIVILEGE, SE_DEBUG_PRIVILEGE,
                                        SE_CREATE_PERMANENT_PRIVILEGE, SE_IMPERSONATE_PRIVILEGE, SE_AUDIT_PRIVILEGE})
                      EXPECT_TRUE(HasPrivilege(Token, Enabled, On)) << "privilege " << Enabled;
                  for (ULONG Disabled : {SE_TAKE_OWNERSHIP_PRIVILEGE, SE_SECURITY_PRIVILEGE, SE_BACKUP_PRIVILEGE,
                                         SE_RESTORE_PRIVILEGE, SE_CREATE_TOKEN_PRIVILEGE, SE_LOAD_DRIVER_PRIVILEGE})
                      EXPECT_TRUE(HasPrivilege(Token, Disabled, 0)) << "privilege " << Disabled;
                  EXPECT_TRUE(Token->TokenFlags & TOKEN_HAS_TRAVERSE_PRIVILEGE);
                  ASSERT_NE(Token->DefaultDacl, nullptr);
                  ASSERT_EQ(Token->DefaultDacl->AceCount, 2);
                  EXPECT_TRUE(RtlEqualSid(&AceAt(Token->DefaultDacl, 0)->SidStart, SeExports->SeLocalSystemSid));
                  EXPECT_EQ(AceAt(Token->DefaultDacl, 0)->Mask, (ACCESS_MASK)GENERIC_ALL);
                  EXPECT_TRUE(RtlEqualSid(&AceAt(Token->DefaultDacl, 1)->SidStart, SeExports->SeAliasAdminsSid));
                  EXPECT_EQ(AceAt(Token->DefaultDacl, 1)->Mask,
                            (ACCESS_MASK)(GENERIC_READ | GENERIC_EXECUTE | STANDARD_RIGHTS_READ));
                  LUID AuthenticationId;
                  LUID SystemLuid = SYSTEM_LUID;
                  EXPECT_EQ(SeQueryAuthenticationIdToken(Token, &AuthenticationId), STATUS_SUCCESS);
                  EXPECT_TRUE(RtlEqualLuid(&AuthenticationId, &SystemLuid));
                  TOKEN_CONTROL Control;
                  SeGetTokenControlInformation(Token, &Control);
                  EXPECT_TRUE(RtlEqualLuid(&Control.TokenId, &Token->TokenId));
                  EXPECT_EQ(std::memcmp(Control.TokenSource.SourceName, "*SYSTEM*", 8), 0);
                  EXPECT_GE(Token->TokenId.LowPart, 1000u) << "LUIDs below 1000 are the system's logon sessions";
                  EXPECT_FALSE(RtlEqualLuid(&Token->TokenId, &Token->ModifiedId));
                  PsDereferencePrimaryToken(Token);
              }),
              STATUS_SUCCESS);
}

TEST_P(SeTokenTest, DuplicateIsASeparateObjectWithEqualContents)
{
    ASSERT_EQ(RunInKernel([&] {
                  auto *Token = static_cast<PTOKEN>(PsReferencePrimaryToken(PsInitialSystemProcess));
                  PTOKEN Copy = nullptr, Effective = nullptr, Child = nullptr;
                  ASSERT_EQ(SepDuplicateToken(Token, nullptr, FALSE, TokenImpersonation, SecurityImpersonation,
                                              KernelMode, &Copy),
                            STATUS_SUCCESS);
                  EXPECT_NE(Copy, Token);
                  EXPECT_EQ(SeTokenType(Copy), TokenImpersonation);
                  EXPECT_EQ(Copy->ImpersonationLevel, SecurityImpersonation);
                  EXPECT_FALSE(RtlEqualLuid(&Copy->TokenId, &Token->TokenId));
                  EXPECT_TRUE(RtlEqualLuid(&Copy->AuthenticationId, &Token->AuthenticationId));
                  ASSERT_EQ(Copy->UserAndGroupCount, Token->UserAndGroupCount);
                  for (ULONG I = 0; I < Token->UserAndGroupCount; I++) {
                      EXPECT_NE(Copy->UserAndGroups[I].Sid, Token->UserAndGroups[I].Sid) << "its own SIDs";
                      EXPECT_TRUE(RtlEqualSid(Copy->UserAndGroups[I].Sid, Token->UserAndGroups[I].Sid));
                      EXPECT_EQ(Copy->UserAndGroups[I].Attributes, Token->UserAndGroups[I].Attributes);
                  }
                  ASSERT_EQ(Copy->PrivilegeCount, Token->PrivilegeCount);
                  EXPECT_EQ(std::memcmp(Copy->Privileges, Token->Privileges,
                                        Token->PrivilegeCount * sizeof(LUID_AND_ATTRIBUTES)),
                            0);
                  EXPECT_EQ(Copy->DefaultOwnerIndex, Token->DefaultOwnerIndex);
                  EXPECT_TRUE(RtlEqualSid(Copy->PrimaryGroup, Token->PrimaryGroup));
                  EXPECT_NE(Copy->DefaultDacl, Token->DefaultDacl);
                  EXPECT_EQ(std::memcmp(Copy->DefaultDacl, Token->DefaultDacl, Token->DefaultDacl->AclSize), 0);
                  EXPECT_FALSE(Copy->TokenInUse);

                  ASSERT_EQ(SepDuplicateToken(Token, nullptr, TRUE, TokenPrimary, SecurityAnonymous, KernelMode,
                                              &Effective),
                            STATUS_SUCCESS);
                  ULONG Enabled = 0;
                  for (ULONG I = 0; I < Token->PrivilegeCount; I++)
                      Enabled += (Token->Privileges[I].Attributes & SE_PRIVILEGE_ENABLED) != 0;
                  EXPECT_EQ(Effective->PrivilegeCount, Enabled) << "EffectiveOnly drops disabled privileges";

                  ASSERT_EQ(SeSubProcessToken(Token, &Child, TRUE, 3), STATUS_SUCCESS);
                  EXPECT_EQ(SeTokenType(Child), TokenPrimary);
                  EXPECT_TRUE(Child->TokenInUse);
                  ULONG Session = 0;
                  EXPECT_EQ(SeQuerySessionIdToken(Child, &Session), STATUS_SUCCESS);
                  EXPECT_EQ(Session, 3u);
                  EXPECT_EQ(SepTokenObjectType->TotalNumberOfObjects, 4u);
                  ObDereferenceObject(Copy);
                  ObDereferenceObject(Effective);
                  ObDereferenceObject(Child);
                  EXPECT_EQ(SepTokenObjectType->TotalNumberOfObjects, 1u) << "only the System token is left";
                  PsDereferencePrimaryToken(Token);
              }),
              STATUS_SUCCESS);
}

TEST_P(SeTokenTest, PrimaryTokenFastReferencesRefillAndBalance)
{
    ASSERT_EQ(RunInKernel([&] {
                  PEPROCESS Process = PsInitialSystemProcess;
                  auto *Token = static_cast<PTOKEN>(ExGetObjectFastReference(Process->Token));
                  ASSERT_NE(Token, nullptr);
                  LONG_PTR Before = OBJECT_TO_OBJECT_HEADER(Token)->PointerCount;
                  EXPECT_EQ(Before, 1 + (LONG_PTR)ExGetCountFastReference(Process->Token))
                      << "the process holds a base reference and one per cached reference";
                  EXPECT_GT(ExGetCountFastReference(Process->Token), 0u);
                  std::vector<PACCESS_TOKEN> Taken;
                  for (int I = 0; I < 3 * MAX_FAST_REFS; I++)
                      Taken.push_back(PsReferencePrimaryToken(Process));
                  for (PACCESS_TOKEN Each : Taken)
                      EXPECT_EQ(Each, Token);
                  for (PACCESS_TOKEN Each : Taken)
                      PsDereferencePrimaryToken(Each);
                  EXPECT_EQ(ExGetObjectFastReference(Process->Token), Token);
                  LONG_PTR Cached = ExGetCountFastReference(Process->Token);
                  EXPECT_EQ(OBJECT_TO_OBJECT_HEADER(Token)->PointerCount, 1 + Cached)
                      << "every reference taken was given back";
              }),
              STATUS_SUCCESS);
}

TEST_P(SeTokenTest, ChildProcessSecurityCopiesTheParentToken)
{
    ASSERT_EQ(RunInKernel([&] {
                  EPROCESS Child{};
                  ExInitializePushLock(&Child.ProcessLock);
                  ASSERT_EQ(PspInitializeProcessSecurity(&Child, PsInitialSystemProcess), STATUS_SUCCESS);
                  auto *ChildToken = static_cast<PTOKEN>(PsReferencePrimaryToken(&Child));
                  auto *ParentToken = static_cast<PTOKEN>(PsReferencePrimaryToken(PsInitialSystemProcess));
                  ASSERT_NE(ChildToken, nullptr);
                  EXPECT_NE(ChildToken, ParentToken);
                  EXPECT_TRUE(ChildToken->TokenInUse);
                  EXPECT_TRUE(RtlEqualSid(ChildToken->UserAndGroups[0].Sid, ParentToken->UserAndGroups[0].Sid));
                  PsDereferencePrimaryToken(ChildToken);
                  PsDereferencePrimaryToken(ParentToken);
                  PspDeleteProcessSecurity(&Child);
                  EXPECT_EQ(ExGetObjectFastReference(Child.Token), nullptr);
                  EXPECT_EQ(SepTokenObjectType->TotalNumberOfObjects, 1u) << "the child's token went with it";
                  EPROCESS Orphan{};
                  EXPECT_EQ(PspInitializeProcessSecurity(&Orphan, &Child), STATUS_NO_TOKEN);
              }),
              STATUS_SUCCESS);
}

TEST_P(SeTokenTest, SinglePrivilegeCheckInBothModes)
{
    BOOLEAN Results[6] = {};
    ASSERT_EQ(RunInKernel([&] {
                  Results[0] = SeSinglePrivilegeCheck(SeExports->SeTcbPrivilege, KernelMode);
                  Results[1] = SeSinglePrivilegeCheck(SeExports->SeTakeOwnershipPrivilege, KernelMode);
                  Results[2] = SeSinglePrivilegeCheck(SeExports->SeTcbPrivilege, UserMode);
                  Results[3] = SeSinglePrivilegeCheck(SeExports->SeTakeOwnershipPrivilege, UserMode);
                  Results[4] = SeSinglePrivilegeCheck(RtlConvertLongToLuid(SE_MACHINE_ACCOUNT_PRIVILEGE), UserMode);
                  Results[5] = SeCheckPrivilegedObject(SeExports->SeDebugPrivilege, nullptr, 0, UserMode);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(Results[0]) << "kernel mode holds every privilege";
    EXPECT_TRUE(Results[1]);
    EXPECT_TRUE(Results[2]) << "SeTcbPrivilege is enabled in the System token";
    EXPECT_FALSE(Results[3]) << "SeTakeOwnershipPrivilege is held but disabled";
    EXPECT_FALSE(Results[4]) << "not held at all";
    EXPECT_TRUE(Results[5]);
}

TEST_P(SeTokenTest, PrivilegeCheckAllOrAny)
{
    BOOLEAN All = TRUE, Any = FALSE;
    ULONG UsedAttributes[2] = {};
    ASSERT_EQ(RunInKernel([&] {
                  SECURITY_SUBJECT_CONTEXT Subject;
                  SeCaptureSubjectContext(&Subject);
                  struct {
                      PRIVILEGE_SET Set;
                      LUID_AND_ATTRIBUTES More;
                  } Required{};
                  Required.Set.PrivilegeCount = 2;
                  Required.Set.Control = PRIVILEGE_SET_ALL_NECESSARY;
                  Required.Set.Privilege[0].Luid = SeExports->SeDebugPrivilege;
                  Required.More.Luid = SeExports->SeBackupPrivilege;
                  All = SePrivilegeCheck(&Required.Set, &Subject, UserMode);
                  Required.Set.Control = 0;
                  Any = SePrivilegeCheck(&Required.Set, &Subject, UserMode);
                  UsedAttributes[0] = Required.Set.Privilege[0].Attributes;
                  UsedAttributes[1] = Required.More.Attributes;
                  SeReleaseSubjectContext(&Subject);
              }),
              STATUS_SUCCESS);
    EXPECT_FALSE(All) << "SeBackupPrivilege is disabled";
    EXPECT_TRUE(Any);
    EXPECT_EQ(UsedAttributes[0], (ULONG)SE_PRIVILEGE_USED_FOR_ACCESS);
    EXPECT_EQ(UsedAttributes[1], 0u);
}

TEST_P(SeTokenTest, ExportsNameTheWellKnownSidsAndPrivileges)
{
    ASSERT_EQ(RunInKernel([&] {
                  EXPECT_EQ(SeExports->SeTcbPrivilege.LowPart, (ULONG)SE_TCB_PRIVILEGE);
                  EXPECT_EQ(SeExports->SeCreateGlobalPrivilege.LowPart, (ULONG)SE_CREATE_GLOBAL_PRIVILEGE);
                  TestSid World(1, {0}), Admins(5, {32, 544}), CreatorOwner(3, {0}), Users(5, {32, 545});
                  EXPECT_TRUE(RtlEqualSid(SeExports->SeWorldSid, World.Sid()));
                  EXPECT_TRUE(RtlEqualSid(SeExports->SeAliasAdminsSid, Admins.Sid()));
                  EXPECT_TRUE(RtlEqualSid(SeExports->SeCreatorOwnerSid, CreatorOwner.Sid()));
                  EXPECT_TRUE(RtlEqualSid(SeExports->SeAliasUsersSid, Users.Sid()));
                  EXPECT_TRUE(RtlValidSecurityDescriptor(SePublicDefaultSd));
                  EXPECT_TRUE(RtlValidSecurityDescriptor(SeSystemDefaultSd));
                  EXPECT_TRUE(RtlValidSecurityDescriptor(SeUnrestrictedSd));
                  LUID First, Second;
                  ExAllocateLocallyUniqueId(&First);
                  ExAllocateLocallyUniqueId(&Second);
                  EXPECT_FALSE(RtlEqualLuid(&First, &Second));
              }),
              STATUS_SUCCESS);
}

} // namespace

NTOS_INSTANTIATE_ALL_MODES(SeTokenTest);
