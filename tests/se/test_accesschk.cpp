// SeAccessCheck's truth table in every machine mode: kernel mode, no descriptor, no /
// NULL / empty DACL, ACE order (deny before allow), groups that do not count (absent,
// disabled, deny-only), inherit-only ACEs, MAXIMUM_ALLOWED, the owner's implicit rights,
// generic mapping, privilege-gated rights, previously granted rights.
#include "ntos_test.h"
#include "ob.h"
#include "se_test.h"

using namespace ntos_test;
using namespace se_test;

namespace {

class SeAccessCheckTest : public KernelTest {};

// The outcome of one access check.
struct Outcome {
    BOOLEAN Granted;
    ACCESS_MASK Access;
    NTSTATUS Status;
    ULONG PrivilegesUsed;
};

// Inside the kernel: SeAccessCheck of Desired against Sd for Subject in Mode.
Outcome Check(PSECURITY_DESCRIPTOR Sd, TestSubject &Subject, ACCESS_MASK Desired, KPROCESSOR_MODE Mode = UserMode,
              ACCESS_MASK Previous = 0)
{
    GENERIC_MAPPING Mapping = TestMapping();
    Outcome Result{};
    PPRIVILEGE_SET Privileges = reinterpret_cast<PPRIVILEGE_SET>(1);
    Result.Granted = SeAccessCheck(Sd, &Subject.Context, FALSE, Desired, Previous, &Privileges, &Mapping, Mode,
                                   &Result.Access, &Result.Status);
    if (Privileges) {
        Result.PrivilegesUsed = Privileges->PrivilegeCount;
        SeFreePrivileges(Privileges);
    }
    return Result;
}

// Whether a check granted exactly Expected with STATUS_SUCCESS.
::testing::AssertionResult IsGranted(const Outcome &R, ACCESS_MASK Expected)
{
    if (R.Granted && R.Status == STATUS_SUCCESS && R.Access == Expected)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "granted " << (int)R.Granted << " status 0x" << std::hex << R.Status
                                         << " access 0x" << R.Access << ", expected access 0x" << Expected;
}

// Whether a check refused with Expected status and no access.
::testing::AssertionResult IsDenied(const Outcome &R, NTSTATUS Expected)
{
    if (!R.Granted && R.Status == Expected && R.Access == 0)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "granted " << (int)R.Granted << " status 0x" << std::hex << R.Status
                                         << " access 0x" << R.Access << ", expected status 0x" << Expected;
}

#define EXPECT_GRANTED(Result, Expected) EXPECT_TRUE(IsGranted((Result), (ACCESS_MASK)(Expected)))
#define EXPECT_DENIED(Result, Status) EXPECT_TRUE(IsDenied((Result), (NTSTATUS)(Status)))

TEST_P(SeAccessCheckTest, KernelModeAndMissingDescriptor)
{
    ASSERT_EQ(RunInKernel([&] {
                  TestSubject Subject;
                  ASSERT_NE(Subject.Token, nullptr);
                  TestAcl Empty({});
                  SECURITY_DESCRIPTOR Sd = MakeSd(nullptr, TRUE, Empty.Acl());
                  EXPECT_GRANTED(Check(&Sd, Subject, 0x3, KernelMode), 0x3);
                  EXPECT_GRANTED(Check(&Sd, Subject, MAXIMUM_ALLOWED, KernelMode), STANDARD_RIGHTS_ALL | 0xF);
                  EXPECT_GRANTED(Check(nullptr, Subject, 0x1, KernelMode), 0x1);
                  EXPECT_DENIED(Check(nullptr, Subject, 0x1), STATUS_ACCESS_DENIED);
              }),
              STATUS_SUCCESS);
}

TEST_P(SeAccessCheckTest, AbsentNullAndEmptyDacl)
{
    ASSERT_EQ(RunInKernel([&] {
                  TestSubject Subject;
                  SECURITY_DESCRIPTOR NoDacl = MakeSd(SeExports->SeAliasUsersSid, FALSE, nullptr);
                  SECURITY_DESCRIPTOR NullDacl = MakeSd(SeExports->SeAliasUsersSid, TRUE, nullptr);
                  TestAcl Empty({});
                  SECURITY_DESCRIPTOR EmptyDacl = MakeSd(SeExports->SeAliasUsersSid, TRUE, Empty.Acl());
                  EXPECT_GRANTED(Check(&NoDacl, Subject, 0x3 | DELETE), 0x3 | DELETE);
                  EXPECT_GRANTED(Check(&NullDacl, Subject, 0x8), 0x8);
                  EXPECT_GRANTED(Check(&NullDacl, Subject, MAXIMUM_ALLOWED), STANDARD_RIGHTS_ALL | 0xF);
                  EXPECT_DENIED(Check(&EmptyDacl, Subject, 0x1), STATUS_ACCESS_DENIED);
                  EXPECT_DENIED(Check(&EmptyDacl, Subject, MAXIMUM_ALLOWED), STATUS_ACCESS_DENIED);
                  EXPECT_DENIED(Check(&NullDacl, Subject, 0), STATUS_ACCESS_DENIED) << "nothing asked, nothing held";
                  EXPECT_GRANTED(Check(&EmptyDacl, Subject, 0x1, UserMode, 0x1), 0x1)
                      << "what was granted before stays granted";
                  SECURITY_DESCRIPTOR BadRevision = MakeSd(nullptr, FALSE, nullptr);
                  BadRevision.Revision = 2;
                  EXPECT_DENIED(Check(&BadRevision, Subject, 0x1), STATUS_UNKNOWN_REVISION)
                      << "a descriptor that cannot be read grants nothing";
              }),
              STATUS_SUCCESS);
}

TEST_P(SeAccessCheckTest, AcesApplyInOrder)
{
    ASSERT_EQ(RunInKernel([&] {
                  TestSubject Subject;
                  PSID World = SeExports->SeWorldSid, Admins = SeExports->SeAliasAdminsSid;
                  PSID Users = SeExports->SeAliasUsersSid;
                  TestAcl DenyFirst({Deny(0x1, World), Allow(0x3, World)});
                  SECURITY_DESCRIPTOR Sd1 = MakeSd(Users, TRUE, DenyFirst.Acl());
                  EXPECT_DENIED(Check(&Sd1, Subject, 0x1), STATUS_ACCESS_DENIED);
                  EXPECT_DENIED(Check(&Sd1, Subject, 0x3), STATUS_ACCESS_DENIED);
                  EXPECT_GRANTED(Check(&Sd1, Subject, 0x2), 0x2);
                  TestAcl AllowFirst({Allow(0x1, World), Deny(0x1, Admins)});
                  SECURITY_DESCRIPTOR Sd2 = MakeSd(Users, TRUE, AllowFirst.Acl());
                  EXPECT_GRANTED(Check(&Sd2, Subject, 0x1), 0x1) << "a later deny does not take back a grant";
                  TestAcl Accumulate({Allow(0x1, World), Allow(0x2, Admins), Allow(0x4, Users)});
                  SECURITY_DESCRIPTOR Sd3 = MakeSd(Users, TRUE, Accumulate.Acl());
                  EXPECT_GRANTED(Check(&Sd3, Subject, 0x3), 0x3) << "allow ACEs of several groups add up";
                  EXPECT_DENIED(Check(&Sd3, Subject, 0x4), STATUS_ACCESS_DENIED) << "Users is not in the token";
                  TestAcl Ignored({Deny(0x1, Users), Allow(0x1, World)});
                  SECURITY_DESCRIPTOR Sd4 = MakeSd(Users, TRUE, Ignored.Acl());
                  EXPECT_GRANTED(Check(&Sd4, Subject, 0x1), 0x1) << "a deny ACE for a SID not held is skipped";
              }),
              STATUS_SUCCESS);
}

TEST_P(SeAccessCheckTest, GroupsThatDoNotCountAndInheritOnlyAces)
{
    ASSERT_EQ(RunInKernel([&] {
                  TestSubject Subject;
                  PSID World = SeExports->SeWorldSid, Admins = SeExports->SeAliasAdminsSid;
                  PSID Users = SeExports->SeAliasUsersSid;
                  TestAcl InheritOnly({Allow(0x1, World, INHERIT_ONLY_ACE | OBJECT_INHERIT_ACE)});
                  SECURITY_DESCRIPTOR Sd1 = MakeSd(Users, TRUE, InheritOnly.Acl());
                  EXPECT_DENIED(Check(&Sd1, Subject, 0x1), STATUS_ACCESS_DENIED) << "inherit-only ACEs are skipped";
                  TestAcl AllowAdmins({Allow(0x1, Admins)});
                  SECURITY_DESCRIPTOR Sd2 = MakeSd(Users, TRUE, AllowAdmins.Acl());
                  EXPECT_GRANTED(Check(&Sd2, Subject, 0x1), 0x1);
                  *Subject.GroupAttributes(Admins) &= ~SE_GROUP_ENABLED;
                  EXPECT_DENIED(Check(&Sd2, Subject, 0x1), STATUS_ACCESS_DENIED) << "a disabled group does not count";
                  *Subject.GroupAttributes(World) = SE_GROUP_USE_FOR_DENY_ONLY;
                  TestAcl AllowWorld({Allow(0x1, World)});
                  SECURITY_DESCRIPTOR Sd3 = MakeSd(Users, TRUE, AllowWorld.Acl());
                  EXPECT_DENIED(Check(&Sd3, Subject, 0x1), STATUS_ACCESS_DENIED) << "deny-only: no allow";
                  TestAcl DenyWorld({Deny(0x1, World), Allow(0x1, SeExports->SeLocalSystemSid)});
                  SECURITY_DESCRIPTOR Sd4 = MakeSd(Users, TRUE, DenyWorld.Acl());
                  EXPECT_DENIED(Check(&Sd4, Subject, 0x1), STATUS_ACCESS_DENIED) << "deny-only: denies";
              }),
              STATUS_SUCCESS);
}

TEST_P(SeAccessCheckTest, MaximumAllowed)
{
    ASSERT_EQ(RunInKernel([&] {
                  TestSubject Subject;
                  PSID World = SeExports->SeWorldSid, Admins = SeExports->SeAliasAdminsSid;
                  PSID System = SeExports->SeLocalSystemSid, Users = SeExports->SeAliasUsersSid;
                  TestAcl Acl({Allow(0x1, World), Deny(0x2, Admins), Allow(0x6, System), Allow(0x8, Users)});
                  SECURITY_DESCRIPTOR Sd = MakeSd(Users, TRUE, Acl.Acl());
                  EXPECT_GRANTED(Check(&Sd, Subject, MAXIMUM_ALLOWED), 0x5) << "0x2 was denied before SYSTEM's allow";
                  EXPECT_GRANTED(Check(&Sd, Subject, MAXIMUM_ALLOWED | 0x1), 0x5);
                  EXPECT_DENIED(Check(&Sd, Subject, MAXIMUM_ALLOWED | 0x8), STATUS_ACCESS_DENIED)
                      << "a specific right asked with MAXIMUM_ALLOWED must still be granted";
                  TestAcl Generic({Allow(GENERIC_READ, World)});
                  SECURITY_DESCRIPTOR Sd2 = MakeSd(Users, TRUE, Generic.Acl());
                  EXPECT_GRANTED(Check(&Sd2, Subject, MAXIMUM_ALLOWED), READ_CONTROL | 0x1)
                      << "generic rights in ACEs are mapped";
              }),
              STATUS_SUCCESS);
}

TEST_P(SeAccessCheckTest, OwnerGetsReadControlAndWriteDac)
{
    ASSERT_EQ(RunInKernel([&] {
                  TestSubject Subject;
                  TestAcl Empty({});
                  TestAcl DenyAll({Deny(STANDARD_RIGHTS_ALL | 0xF, SeExports->SeWorldSid)});
                  SECURITY_DESCRIPTOR Owned = MakeSd(SeExports->SeLocalSystemSid, TRUE, Empty.Acl());
                  SECURITY_DESCRIPTOR OwnedDenied = MakeSd(SeExports->SeAliasAdminsSid, TRUE, DenyAll.Acl());
                  SECURITY_DESCRIPTOR NotOwned = MakeSd(SeExports->SeAliasUsersSid, TRUE, Empty.Acl());
                  EXPECT_GRANTED(Check(&Owned, Subject, READ_CONTROL | WRITE_DAC), READ_CONTROL | WRITE_DAC);
                  EXPECT_GRANTED(Check(&Owned, Subject, READ_CONTROL), READ_CONTROL);
                  EXPECT_GRANTED(Check(&Owned, Subject, MAXIMUM_ALLOWED), READ_CONTROL | WRITE_DAC);
                  EXPECT_DENIED(Check(&Owned, Subject, READ_CONTROL | DELETE), STATUS_ACCESS_DENIED);
                  EXPECT_GRANTED(Check(&OwnedDenied, Subject, WRITE_DAC), WRITE_DAC)
                      << "the owner's implicit rights come before the DACL";
                  EXPECT_DENIED(Check(&NotOwned, Subject, READ_CONTROL), STATUS_ACCESS_DENIED);
              }),
              STATUS_SUCCESS);
}

TEST_P(SeAccessCheckTest, GenericDesiredAccessIsMapped)
{
    ASSERT_EQ(RunInKernel([&] {
                  TestSubject Subject;
                  TestAcl Acl({Allow(READ_CONTROL | 0x1, SeExports->SeWorldSid)});
                  SECURITY_DESCRIPTOR Sd = MakeSd(SeExports->SeAliasUsersSid, TRUE, Acl.Acl());
                  EXPECT_GRANTED(Check(&Sd, Subject, GENERIC_READ), READ_CONTROL | 0x1);
                  EXPECT_DENIED(Check(&Sd, Subject, GENERIC_WRITE), STATUS_ACCESS_DENIED);
              }),
              STATUS_SUCCESS);
}

TEST_P(SeAccessCheckTest, PrivilegeGatedRights)
{
    Outcome Results[5] = {};
    ASSERT_EQ(RunInKernel([&] {
                  TestSubject Subject;
                  TestAcl Acl({Allow(0x1, SeExports->SeWorldSid)});
                  SECURITY_DESCRIPTOR Sd = MakeSd(SeExports->SeAliasUsersSid, TRUE, Acl.Acl());
                  Results[0] = Check(&Sd, Subject, ACCESS_SYSTEM_SECURITY);
                  Results[1] = Check(&Sd, Subject, WRITE_OWNER);
                  Subject.SetPrivilege(SeExports->SeSecurityPrivilege, true);
                  Subject.SetPrivilege(SeExports->SeTakeOwnershipPrivilege, true);
                  Results[2] = Check(&Sd, Subject, ACCESS_SYSTEM_SECURITY | 0x1);
                  Results[3] = Check(&Sd, Subject, WRITE_OWNER | ACCESS_SYSTEM_SECURITY);
                  Results[4] = Check(&Sd, Subject, WRITE_OWNER | 0x2);
              }),
              STATUS_SUCCESS);
    EXPECT_DENIED(Results[0], STATUS_PRIVILEGE_NOT_HELD);
    EXPECT_DENIED(Results[1], STATUS_ACCESS_DENIED) << "without the privilege the DACL decides";
    EXPECT_GRANTED(Results[2], ACCESS_SYSTEM_SECURITY | 0x1);
    EXPECT_EQ(Results[2].PrivilegesUsed, 1u);
    EXPECT_GRANTED(Results[3], WRITE_OWNER | ACCESS_SYSTEM_SECURITY);
    EXPECT_EQ(Results[3].PrivilegesUsed, 2u);
    EXPECT_DENIED(Results[4], STATUS_ACCESS_DENIED);
    EXPECT_EQ(Results[4].PrivilegesUsed, 0u) << "a refused check returns no privilege set";
}

} // namespace

NTOS_INSTANTIATE_ALL_MODES(SeAccessCheckTest);
