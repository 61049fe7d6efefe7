// SeAssignSecurity in every machine mode: a new object's owner, group and DACL from the
// creator's token, an explicit descriptor or the parent's inheritable ACEs (object and
// container inheritance, no-propagate, creator SIDs, generic rights), the statuses for
// a missing subject, owner or group, and the query and change of descriptor parts.
// The expected ACLs are those ReactOS's kmtest SeInheritance records from Windows.
#include "ntos_test.h"
#include "ob.h"
#include "se_test.h"
#include "../mm/mm_test.h"

using namespace ntos_test;
using namespace se_test;

namespace {

class SeAssignTest : public KernelTest {};

// The parts of a built descriptor.
struct Parts {
    PSID Owner = nullptr, Group = nullptr;
    BOOLEAN DaclPresent = FALSE, SaclPresent = FALSE, OwnerDefaulted = TRUE, DaclDefaulted = TRUE;
    PACL Dacl = nullptr, Sacl = nullptr;
};

Parts ReadParts(PSECURITY_DESCRIPTOR Sd)
{
    Parts P;
    BOOLEAN Defaulted;
    RtlGetOwnerSecurityDescriptor(Sd, &P.Owner, &P.OwnerDefaulted);
    RtlGetGroupSecurityDescriptor(Sd, &P.Group, &Defaulted);
    RtlGetDaclSecurityDescriptor(Sd, &P.DaclPresent, &P.Dacl, &P.DaclDefaulted);
    RtlGetSaclSecurityDescriptor(Sd, &P.SaclPresent, &P.Sacl, &Defaulted);
    return P;
}

// Inside the kernel: whether ACE Index of Acl is Type/Flags/Sid/Mask.
void ExpectAce(PACL Acl, ULONG Index, UCHAR Type, UCHAR Flags, PSID Sid, ACCESS_MASK Mask)
{
    PACCESS_ALLOWED_ACE Ace = AceAt(Acl, Index);
    ASSERT_NE(Ace, nullptr) << "ACE " << Index;
    EXPECT_EQ(Ace->Header.AceType, Type) << "ACE " << Index;
    EXPECT_EQ(Ace->Header.AceFlags, Flags) << "ACE " << Index;
    EXPECT_TRUE(RtlEqualSid(&Ace->SidStart, Sid)) << "ACE " << Index;
    EXPECT_EQ(Ace->Mask, Mask) << "ACE " << Index;
}

// The kmtest's mapping: specific rights 0x1001 / 0x2002 / 0x4004, all 0x800F.
GENERIC_MAPPING InheritMapping()
{
    return {STANDARD_RIGHTS_READ | 0x1001, STANDARD_RIGHTS_WRITE | 0x2002, STANDARD_RIGHTS_EXECUTE | 0x4004,
            STANDARD_RIGHTS_ALL | 0x800F};
}

// Inside the kernel: the default DACL a System-token creator's objects get.
void ExpectDefaultDacl(const Parts &P)
{
    ASSERT_TRUE(P.DaclPresent);
    ASSERT_NE(P.Dacl, nullptr);
    ASSERT_EQ(P.Dacl->AceCount, 2);
    ExpectAce(P.Dacl, 0, ACCESS_ALLOWED_ACE_TYPE, 0, SeExports->SeLocalSystemSid, STANDARD_RIGHTS_ALL | 0x800F);
    ExpectAce(P.Dacl, 1, ACCESS_ALLOWED_ACE_TYPE, 0, SeExports->SeAliasAdminsSid, STANDARD_RIGHTS_READ | 0x0005);
}

// Inside the kernel: SeAssignSecurity for the current subject; Check looks at the
// result, which is then freed.
template <typename Checker>
void Assign(PSECURITY_DESCRIPTOR Parent, PSECURITY_DESCRIPTOR Explicit, BOOLEAN IsDirectory, Checker Check)
{
    GENERIC_MAPPING Mapping = InheritMapping();
    SECURITY_SUBJECT_CONTEXT Subject;
    SeCaptureSubjectContext(&Subject);
    PSECURITY_DESCRIPTOR Sd = nullptr;
    NTSTATUS Status = SeAssignSecurity(Parent, Explicit, &Sd, IsDirectory, &Subject, &Mapping, PagedPool);
    EXPECT_EQ(Status, STATUS_SUCCESS);
    if (NT_SUCCESS(Status)) {
        EXPECT_TRUE(SeValidSecurityDescriptor(RtlLengthSecurityDescriptor(Sd), Sd));
        EXPECT_TRUE(static_cast<PISECURITY_DESCRIPTOR>(Sd)->Control & SE_SELF_RELATIVE);
        Parts P = ReadParts(Sd);
        EXPECT_TRUE(RtlEqualSid(P.Owner, SeExports->SeAliasAdminsSid)) << "the token's default owner";
        EXPECT_TRUE(RtlEqualSid(P.Group, SeExports->SeLocalSystemSid)) << "the token's primary group";
        EXPECT_FALSE(P.OwnerDefaulted);
        EXPECT_FALSE(P.SaclPresent);
        if (P.DaclPresent)
            EXPECT_FALSE(P.DaclDefaulted);
        Check(P);
    }
    SeDeassignSecurity(&Sd);
    EXPECT_EQ(Sd, nullptr);
    SeReleaseSubjectContext(&Subject);
}

TEST_P(SeAssignTest, DefaultsComeFromTheToken)
{
    ASSERT_EQ(RunInKernel([&] {
                  for (BOOLEAN IsDirectory : {FALSE, TRUE})
                      Assign(nullptr, nullptr, IsDirectory, [](const Parts &P) { ExpectDefaultDacl(P); });
                  SECURITY_DESCRIPTOR EmptyParent, EmptyExplicit;
                  RtlCreateSecurityDescriptor(&EmptyParent, SECURITY_DESCRIPTOR_REVISION);
                  RtlCreateSecurityDescriptor(&EmptyExplicit, SECURITY_DESCRIPTOR_REVISION);
                  Assign(&EmptyParent, &EmptyExplicit, FALSE, [](const Parts &P) { ExpectDefaultDacl(P); });
              }),
              STATUS_SUCCESS);
}

TEST_P(SeAssignTest, ExplicitDaclWins)
{
    ASSERT_EQ(RunInKernel([&] {
                  PSID World = SeExports->SeWorldSid;
                  TestAcl ParentAcl({Allow(READ_CONTROL, World, OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE)});
                  SECURITY_DESCRIPTOR Parent = MakeSd(nullptr, TRUE, ParentAcl.Acl());
                  SECURITY_DESCRIPTOR NullDacl = MakeSd(nullptr, TRUE, nullptr);
                  Assign(&Parent, &NullDacl, FALSE, [](const Parts &P) {
                      EXPECT_TRUE(P.DaclPresent);
                      EXPECT_EQ(P.Dacl, nullptr) << "an explicit NULL DACL stays NULL";
                  });
                  TestAcl Empty({});
                  SECURITY_DESCRIPTOR EmptyDacl = MakeSd(nullptr, TRUE, Empty.Acl());
                  Assign(&Parent, &EmptyDacl, TRUE, [](const Parts &P) {
                      ASSERT_NE(P.Dacl, nullptr);
                      EXPECT_EQ(P.Dacl->AceCount, 0);
                  });
                  TestAcl ExplicitAcl({Allow(GENERIC_EXECUTE, SeExports->SeCreatorGroupSid, CONTAINER_INHERIT_ACE),
                                       Allow(GENERIC_EXECUTE, World, INHERIT_ONLY_ACE | OBJECT_INHERIT_ACE)});
                  SECURITY_DESCRIPTOR Explicit = MakeSd(nullptr, TRUE, ExplicitAcl.Acl());
                  Assign(&Parent, &Explicit, TRUE, [&](const Parts &P) {
                      ASSERT_NE(P.Dacl, nullptr);
                      ASSERT_EQ(P.Dacl->AceCount, 2);
                      ExpectAce(P.Dacl, 0, ACCESS_ALLOWED_ACE_TYPE, CONTAINER_INHERIT_ACE, SeExports->SeCreatorGroupSid,
                                STANDARD_RIGHTS_EXECUTE | 0x0004);
                      ExpectAce(P.Dacl, 1, ACCESS_ALLOWED_ACE_TYPE, INHERIT_ONLY_ACE | OBJECT_INHERIT_ACE, World,
                                GENERIC_EXECUTE);
                  });
              }),
              STATUS_SUCCESS);
}

TEST_P(SeAssignTest, ParentAcesInheritedAsNtDoes)
{
    ASSERT_EQ(RunInKernel([&] {
                  PSID World = SeExports->SeWorldSid;
                  TestAcl ObjectInherit({Allow(READ_CONTROL, World, OBJECT_INHERIT_ACE)});
                  SECURITY_DESCRIPTOR Parent = MakeSd(nullptr, TRUE, ObjectInherit.Acl());
                  Assign(&Parent, nullptr, FALSE, [&](const Parts &P) {
                      ASSERT_EQ(P.Dacl->AceCount, 1);
                      ExpectAce(P.Dacl, 0, ACCESS_ALLOWED_ACE_TYPE, 0, World, READ_CONTROL);
                  });
                  Assign(&Parent, nullptr, TRUE, [&](const Parts &P) {
                      ASSERT_EQ(P.Dacl->AceCount, 1);
                      ExpectAce(P.Dacl, 0, ACCESS_ALLOWED_ACE_TYPE, INHERIT_ONLY_ACE | OBJECT_INHERIT_ACE, World,
                                READ_CONTROL);
                  });
                  TestAcl ContainerInherit({Allow(READ_CONTROL, World, CONTAINER_INHERIT_ACE)});
                  SECURITY_DESCRIPTOR Parent2 = MakeSd(nullptr, TRUE, ContainerInherit.Acl());
                  Assign(&Parent2, nullptr, FALSE, [](const Parts &P) { ExpectDefaultDacl(P); });
                  Assign(&Parent2, nullptr, TRUE, [&](const Parts &P) {
                      ASSERT_EQ(P.Dacl->AceCount, 1);
                      ExpectAce(P.Dacl, 0, ACCESS_ALLOWED_ACE_TYPE, CONTAINER_INHERIT_ACE, World, READ_CONTROL);
                  });
                  TestAcl NoPropagate(
                      {Allow(READ_CONTROL, World, CONTAINER_INHERIT_ACE | OBJECT_INHERIT_ACE | NO_PROPAGATE_INHERIT_ACE)});
                  SECURITY_DESCRIPTOR Parent3 = MakeSd(nullptr, TRUE, NoPropagate.Acl());
                  Assign(&Parent3, nullptr, TRUE, [&](const Parts &P) {
                      ASSERT_EQ(P.Dacl->AceCount, 1);
                      ExpectAce(P.Dacl, 0, ACCESS_ALLOWED_ACE_TYPE, 0, World, READ_CONTROL);
                  });
                  TestAcl ObjectNoPropagate({Allow(READ_CONTROL, World, OBJECT_INHERIT_ACE | NO_PROPAGATE_INHERIT_ACE)});
                  SECURITY_DESCRIPTOR Parent4 = MakeSd(nullptr, TRUE, ObjectNoPropagate.Acl());
                  Assign(&Parent4, nullptr, TRUE, [](const Parts &P) { ExpectDefaultDacl(P); });
              }),
              STATUS_SUCCESS);
}

TEST_P(SeAssignTest, CreatorSidsAndGenericRightsSplitForContainers)
{
    ASSERT_EQ(RunInKernel([&] {
                  PSID CreatorOwner = SeExports->SeCreatorOwnerSid;
                  TestAcl Acl({Allow(GENERIC_READ, CreatorOwner, CONTAINER_INHERIT_ACE | OBJECT_INHERIT_ACE)});
                  SECURITY_DESCRIPTOR Parent = MakeSd(nullptr, TRUE, Acl.Acl());
                  Assign(&Parent, nullptr, FALSE, [&](const Parts &P) {
                      ASSERT_EQ(P.Dacl->AceCount, 1);
                      ExpectAce(P.Dacl, 0, ACCESS_ALLOWED_ACE_TYPE, 0, SeExports->SeAliasAdminsSid,
                                STANDARD_RIGHTS_READ | 0x0001);
                  });
                  Assign(&Parent, nullptr, TRUE, [&](const Parts &P) {
                      ASSERT_EQ(P.Dacl->AceCount, 2);
                      ExpectAce(P.Dacl, 0, ACCESS_ALLOWED_ACE_TYPE, 0, SeExports->SeAliasAdminsSid,
                                STANDARD_RIGHTS_READ | 0x0001);
                      ExpectAce(P.Dacl, 1, ACCESS_ALLOWED_ACE_TYPE,
                                INHERIT_ONLY_ACE | CONTAINER_INHERIT_ACE | OBJECT_INHERIT_ACE, CreatorOwner,
                                GENERIC_READ);
                  });
              }),
              STATUS_SUCCESS);
}

TEST_P(SeAssignTest, DefaultedExplicitDaclYieldsToInheritance)
{
    ASSERT_EQ(RunInKernel([&] {
                  PSID World = SeExports->SeWorldSid, System = SeExports->SeLocalSystemSid;
                  TestAcl ParentAcl({Allow(READ_CONTROL, World, OBJECT_INHERIT_ACE)});
                  TestAcl ExplicitAcl({Allow(SYNCHRONIZE, System)});
                  SECURITY_DESCRIPTOR Parent = MakeSd(nullptr, TRUE, ParentAcl.Acl());
                  SECURITY_DESCRIPTOR Defaulted = MakeSd(nullptr, TRUE, ExplicitAcl.Acl(), TRUE);
                  Assign(&Parent, &Defaulted, FALSE, [&](const Parts &P) {
                      ASSERT_EQ(P.Dacl->AceCount, 1);
                      ExpectAce(P.Dacl, 0, ACCESS_ALLOWED_ACE_TYPE, 0, World, READ_CONTROL);
                  });
                  TestAcl Useless({Allow(READ_CONTROL, World)});
                  SECURITY_DESCRIPTOR Parent2 = MakeSd(nullptr, TRUE, Useless.Acl());
                  Assign(&Parent2, &Defaulted, FALSE, [&](const Parts &P) {
                      ASSERT_EQ(P.Dacl->AceCount, 1);
                      ExpectAce(P.Dacl, 0, ACCESS_ALLOWED_ACE_TYPE, 0, System, SYNCHRONIZE);
                  });
              }),
              STATUS_SUCCESS);
}

TEST_P(SeAssignTest, BadSubjectOwnerAndGroup)
{
    NTSTATUS Status[5] = {};
    bool NullOnFailure = true;
    ASSERT_EQ(RunInKernel([&] {
                  GENERIC_MAPPING Mapping = InheritMapping();
                  PSECURITY_DESCRIPTOR Sd = reinterpret_cast<PSECURITY_DESCRIPTOR>(8);
                  Status[0] = SeAssignSecurity(nullptr, nullptr, &Sd, FALSE, nullptr, &Mapping, PagedPool);
                  NullOnFailure &= Sd == nullptr;
                  TestSubject Subject;
                  Status[1] = SeAssignSecurityEx(nullptr, nullptr, &Sd, nullptr, FALSE, SEF_DEFAULT_OWNER_FROM_PARENT,
                                                 &Subject.Context, &Mapping, PagedPool);
                  NullOnFailure &= Sd == nullptr;
                  SECURITY_DESCRIPTOR Foreign = MakeSd(SeExports->SeAliasUsersSid, FALSE, nullptr);
                  Status[2] = SeAssignSecurity(nullptr, &Foreign, &Sd, FALSE, &Subject.Context, &Mapping, PagedPool);
                  NullOnFailure &= Sd == nullptr;
                  Status[3] = SeAssignSecurityEx(nullptr, &Foreign, &Sd, nullptr, FALSE, SEF_AVOID_OWNER_CHECK,
                                                 &Subject.Context, &Mapping, PagedPool);
                  if (NT_SUCCESS(Status[3])) {
                      Parts P = ReadParts(Sd);
                      EXPECT_TRUE(RtlEqualSid(P.Owner, SeExports->SeAliasUsersSid));
                      SeDeassignSecurity(&Sd);
                  }
                  PSID Group = Subject.Token->PrimaryGroup;
                  Subject.Token->PrimaryGroup = nullptr;
                  Status[4] = SeAssignSecurity(nullptr, nullptr, &Sd, FALSE, &Subject.Context, &Mapping, PagedPool);
                  NullOnFailure &= Sd == nullptr;
                  Subject.Token->PrimaryGroup = Group;
                  PACL Dacl = Subject.Token->DefaultDacl;
                  Subject.Token->DefaultDacl = nullptr;
                  ASSERT_EQ(SeAssignSecurity(nullptr, nullptr, &Sd, FALSE, &Subject.Context, &Mapping, PagedPool),
                            STATUS_SUCCESS);
                  EXPECT_FALSE(ReadParts(Sd).DaclPresent) << "no default DACL: no DACL at all";
                  SeDeassignSecurity(&Sd);
                  Subject.Token->DefaultDacl = Dacl;
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status[0], STATUS_NO_TOKEN);
    EXPECT_EQ(Status[1], STATUS_INVALID_OWNER);
    EXPECT_EQ(Status[2], STATUS_INVALID_OWNER) << "Users is not an owner the System token may assign";
    EXPECT_EQ(Status[3], STATUS_SUCCESS);
    EXPECT_EQ(Status[4], STATUS_INVALID_PRIMARY_GROUP);
    EXPECT_TRUE(NullOnFailure);
}

TEST_P(SeAssignTest, QueryAndSetDescriptorParts)
{
    ASSERT_EQ(RunInKernel([&] {
                  GENERIC_MAPPING Mapping = InheritMapping();
                  SECURITY_SUBJECT_CONTEXT Subject;
                  SeCaptureSubjectContext(&Subject);
                  PSECURITY_DESCRIPTOR Sd = nullptr;
                  ASSERT_EQ(SeAssignSecurity(nullptr, nullptr, &Sd, FALSE, &Subject, &Mapping, PagedPool),
                            STATUS_SUCCESS);
                  SECURITY_INFORMATION Owner = OWNER_SECURITY_INFORMATION;
                  ULONG Length = 4;
                  ULONG Buffer[64];
                  EXPECT_EQ(SeQuerySecurityDescriptorInfo(&Owner, Buffer, &Length, &Sd), STATUS_BUFFER_TOO_SMALL);
                  EXPECT_EQ(Length, sizeof(SECURITY_DESCRIPTOR_RELATIVE) + RtlLengthSid(SeExports->SeAliasAdminsSid));
                  ASSERT_EQ(SeQuerySecurityDescriptorInfo(&Owner, Buffer, &Length, &Sd), STATUS_SUCCESS);
                  Parts OwnerOnly = ReadParts(Buffer);
                  EXPECT_TRUE(RtlEqualSid(OwnerOnly.Owner, SeExports->SeAliasAdminsSid));
                  EXPECT_EQ(OwnerOnly.Group, nullptr);
                  EXPECT_FALSE(OwnerOnly.DaclPresent);

                  TestAcl NewAcl({Allow(GENERIC_WRITE, SeExports->SeWorldSid)});
                  SECURITY_DESCRIPTOR Change = MakeSd(SeExports->SeLocalSystemSid, TRUE, NewAcl.Acl());
                  SECURITY_INFORMATION Information = DACL_SECURITY_INFORMATION | OWNER_SECURITY_INFORMATION;
                  PSECURITY_DESCRIPTOR Changed = Sd;
                  ASSERT_EQ(SeSetSecurityDescriptorInfo(nullptr, &Information, &Change, &Changed, PagedPool, &Mapping),
                            STATUS_SUCCESS);
                  EXPECT_NE(Changed, Sd);
                  Parts P = ReadParts(Changed);
                  EXPECT_TRUE(RtlEqualSid(P.Owner, SeExports->SeLocalSystemSid));
                  EXPECT_TRUE(RtlEqualSid(P.Group, SeExports->SeLocalSystemSid)) << "parts not named are kept";
                  ASSERT_EQ(P.Dacl->AceCount, 1);
                  ExpectAce(P.Dacl, 0, ACCESS_ALLOWED_ACE_TYPE, 0, SeExports->SeWorldSid,
                            STANDARD_RIGHTS_WRITE | 0x0002);
                  SECURITY_DESCRIPTOR Foreign = MakeSd(SeExports->SeAliasUsersSid, FALSE, nullptr);
                  Information = OWNER_SECURITY_INFORMATION;
                  PSECURITY_DESCRIPTOR Unchanged = Changed;
                  EXPECT_EQ(SeSetSecurityDescriptorInfo(nullptr, &Information, &Foreign, &Unchanged, PagedPool,
                                                        &Mapping),
                            STATUS_INVALID_OWNER);
                  EXPECT_EQ(Unchanged, Changed);
                  SeDeassignSecurity(&Changed);
                  SeDeassignSecurity(&Sd);
                  SeReleaseSubjectContext(&Subject);
              }),
              STATUS_SUCCESS);
}

TEST_P(SeAssignTest, CaptureCopiesValidDescriptorsOnly)
{
    NTSTATUS Bad = STATUS_SUCCESS, Wild = STATUS_SUCCESS, KernelFromUser = STATUS_SUCCESS;
    ASSERT_EQ(RunInKernel([&] {
                  TestAcl Acl({Allow(0x1, SeExports->SeWorldSid)});
                  SECURITY_DESCRIPTOR Sd = MakeSd(SeExports->SeLocalSystemSid, TRUE, Acl.Acl());
                  PSECURITY_DESCRIPTOR Captured = nullptr;
                  ASSERT_EQ(SeCaptureSecurityDescriptor(&Sd, KernelMode, PagedPool, FALSE, &Captured), STATUS_SUCCESS);
                  EXPECT_EQ(Captured, &Sd) << "kernel callers' descriptors are used in place";
                  SeReleaseSecurityDescriptor(Captured, KernelMode, FALSE);
                  // A user-mode caller's descriptor lies in its own range.
                  PEPROCESS Process = CreateUserProcess();
                  ASSERT_NE(Process, nullptr);
                  {
                      Attach InProcess(Process);
                      PUCHAR Page = AllocateUser(Process, PAGE_SIZE);
                      ULONG UserLength = PAGE_SIZE;
                      ASSERT_EQ(RtlMakeSelfRelativeSD(&Sd, Page, &UserLength), STATUS_SUCCESS);
                      ASSERT_EQ(SeCaptureSecurityDescriptor(Page, UserMode, PagedPool, FALSE, &Captured),
                                STATUS_SUCCESS);
                      ASSERT_NE(Captured, static_cast<PVOID>(Page));
                      ULONG Length = RtlLengthSecurityDescriptor(Captured);
                      EXPECT_TRUE(static_cast<PISECURITY_DESCRIPTOR>(Captured)->Control & SE_SELF_RELATIVE);
                      EXPECT_TRUE(RtlValidRelativeSecurityDescriptor(Captured, Length, OWNER_SECURITY_INFORMATION));
                      SeReleaseSecurityDescriptor(Captured, UserMode, FALSE);
                      BOOLEAN Present, Defaulted;
                      PACL UserDacl;
                      RtlGetDaclSecurityDescriptor(Page, &Present, &UserDacl, &Defaulted);
                      UserDacl->AceCount = 7;
                      Bad = SeCaptureSecurityDescriptor(Page, UserMode, PagedPool, FALSE, &Captured);
                      EXPECT_EQ(Captured, nullptr);
                      KernelFromUser = SeCaptureSecurityDescriptor(&Sd, UserMode, PagedPool, FALSE, &Captured);
                      EXPECT_EQ(Captured, nullptr);
                  }
                  ObDereferenceObject(Process);
                  SECURITY_DESCRIPTOR WildSd = MakeSd(reinterpret_cast<PSID>(0x10), FALSE, nullptr);
                  Wild = SeCaptureSecurityDescriptor(&WildSd, KernelMode, PagedPool, TRUE, &Captured);
                  EXPECT_EQ(Captured, nullptr);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Bad, STATUS_INVALID_SECURITY_DESCR);
    EXPECT_EQ(KernelFromUser, STATUS_ACCESS_VIOLATION) << "a user caller's descriptor in kernel memory";
    EXPECT_EQ(Wild, STATUS_ACCESS_VIOLATION);
}

} // namespace

NTOS_INSTANTIATE_ALL_MODES(SeAssignTest);
