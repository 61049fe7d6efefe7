// The namespace in every machine mode: the directories NT starts with, named objects
// (case-insensitive lookup, collisions, OBJ_OPENIF, the path syntax statuses), names
// leaving with the last handle unless permanent, ObMakeTemporaryObject, opening
// relative to a root handle, subdirectories, and symbolic links (reparsing to objects
// and through directories, opening the link itself, querying its target, loops).
// After what ReactOS's kmtests ObType, ObTypes and ObSymbolicLink check.
#include "ob_test.h"
#include "../mm/mm_test.h"

using namespace ntos_test;

namespace {

class ObNameTest : public KernelTest {};

// Inside the kernel: references the object at Path (any type), or returns the status.
NTSTATUS LookUp(PCWSTR Path, PVOID *Object, POBJECT_TYPE Type = nullptr, ULONG Attributes = 0)
{
    UNICODE_STRING Name;
    RtlInitUnicodeString(&Name, Path);
    *Object = nullptr;
    return ObReferenceObjectByName(&Name, Attributes, nullptr, 0, Type, KernelMode, nullptr, Object);
}

// Inside the kernel: the access a handle grants.
ACCESS_MASK GrantedAccessOfHandle(HANDLE Handle)
{
    PVOID Object;
    OBJECT_HANDLE_INFORMATION Info{};
    if (!NT_SUCCESS(ObReferenceObjectByHandle(Handle, 0, nullptr, KernelMode, &Object, &Info)))
        return 0xDEADBEEF;
    ObDereferenceObject(Object);
    return Info.GrantedAccess;
}

// Inside the kernel: whether Path names an object now.
bool Exists(PCWSTR Path)
{
    PVOID Object;
    if (!NT_SUCCESS(LookUp(Path, &Object)))
        return false;
    ObDereferenceObject(Object);
    return true;
}

// Inside the kernel: opens Path (relative to Root if given) with ObOpenObjectByName.
NTSTATUS Open(PCWSTR Path, POBJECT_TYPE Type, PHANDLE Handle, HANDLE Root = nullptr, ULONG Attributes = 0)
{
    UNICODE_STRING Name;
    RtlInitUnicodeString(&Name, Path);
    OBJECT_ATTRIBUTES ObjectAttributes;
    InitializeObjectAttributes(&ObjectAttributes, &Name, Attributes, Root, nullptr);
    return ObOpenObjectByName(&ObjectAttributes, Type, KernelMode, nullptr, TestRead, nullptr, Handle);
}

// Inside the kernel: makes a symbolic link at Path to Target, returning its handle.
NTSTATUS Link(PCWSTR Path, PCWSTR Target, PHANDLE Handle, ULONG Attributes = 0)
{
    UNICODE_STRING Name, TargetName;
    RtlInitUnicodeString(&Name, Path);
    RtlInitUnicodeString(&TargetName, Target);
    OBJECT_ATTRIBUTES ObjectAttributes;
    InitializeObjectAttributes(&ObjectAttributes, &Name, Attributes, nullptr, nullptr);
    return ObpCreateSymbolicLink(&ObjectAttributes, SYMBOLIC_LINK_ALL_ACCESS, &TargetName, KernelMode, Handle);
}

TEST_P(ObNameTest, TheNamespaceStartsWithTheRootAndNtsDirectories)
{
    bool Found[6] = {};
    PVOID DirectoryType = nullptr;
    ASSERT_EQ(RunInKernel([&] {
                  PCWSTR Paths[6] = {L"\\", L"\\ObjectTypes", L"\\KernelObjects", L"\\BaseNamedObjects",
                                     L"\\ObjectTypes\\Directory", L"\\objecttypes\\SYMBOLICLINK"};
                  for (int I = 0; I < 6; I++)
                      Found[I] = Exists(Paths[I]);
                  if (NT_SUCCESS(LookUp(L"\\ObjectTypes\\Directory", &DirectoryType, ObpTypeObjectType)))
                      ObDereferenceObject(DirectoryType);
              }),
              STATUS_SUCCESS);
    for (int I = 0; I < 6; I++)
        EXPECT_TRUE(Found[I]) << "path " << I;
    EXPECT_EQ(DirectoryType, static_cast<PVOID>(ObpDirectoryObjectType));
}

TEST_P(ObNameTest, NamedObjectsAreFoundCaseInsensitivelyAndCollide)
{
    ResetDeleteCounters();
    NTSTATUS Create = 0, Collide = 0, OpenIf = 0, WrongType = 0;
    PVOID First = nullptr, Found = nullptr, OpenedIf = nullptr;
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  POBJECT_TYPE Other = CreateTestType(L"Gadget");
                  HANDLE Handle, Second, Third, Fourth;
                  Create = InsertTestObject(Type, L"\\BaseNamedObjects\\Foo", 0, TestRead, &Handle, &First);
                  if (NT_SUCCESS(LookUp(L"\\basenamedobjects\\FOO", &Found)))
                      ObDereferenceObject(Found);
                  Collide = InsertTestObject(Type, L"\\BaseNamedObjects\\foo", 0, TestRead, &Second);
                  OpenIf = InsertTestObject(Type, L"\\BaseNamedObjects\\Foo", OBJ_OPENIF, TestRead, &Third);
                  PVOID Object;
                  if (NT_SUCCESS(ObReferenceObjectByHandle(Third, 0, Type, KernelMode, &Object, nullptr))) {
                      OpenedIf = Object;
                      ObDereferenceObject(Object);
                  }
                  WrongType = InsertTestObject(Other, L"\\BaseNamedObjects\\Foo", OBJ_OPENIF, TestRead, &Fourth);
                  EXPECT_EQ(HeaderOf(First)->HandleCount, 2);
                  ObCloseHandle(Third, KernelMode);
                  ObCloseHandle(Handle, KernelMode);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Create, STATUS_SUCCESS);
    EXPECT_EQ(Found, First);
    EXPECT_EQ(Collide, STATUS_OBJECT_NAME_COLLISION);
    EXPECT_EQ(OpenIf, STATUS_OBJECT_NAME_EXISTS);
    EXPECT_EQ(OpenedIf, First) << "OBJ_OPENIF opens the object already there";
    EXPECT_EQ(WrongType, STATUS_OBJECT_TYPE_MISMATCH);
    EXPECT_EQ(DeleteCalls, 4) << "the three refused newcomers and, at the last close, the first";
}

TEST_P(ObNameTest, BadPathsGetTheirStatuses)
{
    NTSTATUS Status[6];
    ASSERT_EQ(RunInKernel([&] {
                  PCWSTR Paths[5] = {L"\\BaseNamedObjects\\Nothing", L"\\NoSuchDirectory\\Foo", L"BaseNamedObjects",
                                     L"\\BaseNamedObjects\\", L"\\\\BaseNamedObjects"};
                  PVOID Object;
                  for (int I = 0; I < 5; I++)
                      Status[I] = LookUp(Paths[I], &Object);
                  UNICODE_STRING Odd = {3, 4, const_cast<PWSTR>(L"\\A")};
                  Status[5] = ObReferenceObjectByName(&Odd, 0, nullptr, 0, nullptr, KernelMode, nullptr, &Object);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status[0], STATUS_OBJECT_NAME_NOT_FOUND);
    EXPECT_EQ(Status[1], STATUS_OBJECT_PATH_NOT_FOUND);
    EXPECT_EQ(Status[2], STATUS_OBJECT_PATH_SYNTAX_BAD);
    EXPECT_EQ(Status[3], STATUS_OBJECT_NAME_INVALID);
    EXPECT_EQ(Status[4], STATUS_OBJECT_NAME_INVALID);
    EXPECT_EQ(Status[5], STATUS_OBJECT_NAME_INVALID);
}

TEST_P(ObNameTest, ANameGoesWithTheLastHandleUnlessTheObjectIsPermanent)
{
    ResetDeleteCounters();
    bool TemporaryAfterClose = true, PermanentAfterClose = false, PermanentAfterTemporary = true;
    LONG DeletesBeforeTemporary = -1;
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  HANDLE Temporary, Permanent;
                  PVOID PermanentObject;
                  ASSERT_EQ(InsertTestObject(Type, L"\\BaseNamedObjects\\Temp", 0, TestRead, &Temporary), STATUS_SUCCESS);
                  ASSERT_EQ(InsertTestObject(Type, L"\\BaseNamedObjects\\Perm", OBJ_PERMANENT, TestRead, &Permanent,
                                             &PermanentObject),
                            STATUS_SUCCESS);
                  ObCloseHandle(Temporary, KernelMode);
                  ObCloseHandle(Permanent, KernelMode);
                  TemporaryAfterClose = Exists(L"\\BaseNamedObjects\\Temp");
                  PermanentAfterClose = Exists(L"\\BaseNamedObjects\\Perm");
                  DeletesBeforeTemporary = ReadShared(DeleteCalls);
                  PVOID Object;
                  ASSERT_EQ(LookUp(L"\\BaseNamedObjects\\Perm", &Object), STATUS_SUCCESS);
                  ObMakeTemporaryObject(Object);
                  PermanentAfterTemporary = Exists(L"\\BaseNamedObjects\\Perm");
                  ObDereferenceObject(Object);
              }),
              STATUS_SUCCESS);
    EXPECT_FALSE(TemporaryAfterClose);
    EXPECT_TRUE(PermanentAfterClose);
    EXPECT_EQ(DeletesBeforeTemporary, 1) << "only the temporary object went";
    EXPECT_FALSE(PermanentAfterTemporary);
    EXPECT_EQ(DeleteCalls, 2);
}

TEST_P(ObNameTest, ObjectsOpenRelativeToARootHandleAndInSubdirectories)
{
    NTSTATUS Relative = 0, SlashRelative = 0, Nested = 0, ByName = 0;
    PVOID Object = nullptr, RelativeObject = nullptr, NestedObject = nullptr;
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  HANDLE Handle, Root, Sub, NestedHandle, Opened;
                  ASSERT_EQ(InsertTestObject(Type, L"\\BaseNamedObjects\\Foo", 0, TestRead, &Handle, &Object),
                            STATUS_SUCCESS);
                  ASSERT_EQ(Open(L"\\BaseNamedObjects", ObpDirectoryObjectType, &Root), STATUS_SUCCESS);
                  Relative = Open(L"foo", Type, &Opened, Root);
                  if (NT_SUCCESS(Relative)) {
                      ObReferenceObjectByHandle(Opened, 0, Type, KernelMode, &RelativeObject, nullptr);
                      ObDereferenceObject(RelativeObject);
                      ObCloseHandle(Opened, KernelMode);
                  }
                  SlashRelative = Open(L"\\Foo", Type, &Opened, Root);
                  UNICODE_STRING SubName = RTL_CONSTANT_STRING(L"\\BaseNamedObjects\\Sub");
                  OBJECT_ATTRIBUTES Attributes;
                  InitializeObjectAttributes(&Attributes, &SubName, 0, nullptr, nullptr);
                  ASSERT_EQ(ObpCreateDirectory(&Attributes, DIRECTORY_ALL_ACCESS, KernelMode, &Sub), STATUS_SUCCESS);
                  Nested = InsertTestObject(Type, L"\\BaseNamedObjects\\Sub\\Bar", 0, TestRead, &NestedHandle,
                                            &NestedObject);
                  PVOID Found;
                  ByName = LookUp(L"\\BASENAMEDOBJECTS\\sub\\bar", &Found, Type);
                  if (NT_SUCCESS(ByName)) {
                      EXPECT_EQ(Found, NestedObject);
                      ObDereferenceObject(Found);
                  }
                  ObCloseHandle(NestedHandle, KernelMode);
                  ObCloseHandle(Sub, KernelMode);
                  ObCloseHandle(Root, KernelMode);
                  ObCloseHandle(Handle, KernelMode);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Relative, STATUS_SUCCESS);
    EXPECT_EQ(RelativeObject, Object);
    EXPECT_EQ(SlashRelative, STATUS_OBJECT_PATH_SYNTAX_BAD);
    EXPECT_EQ(Nested, STATUS_SUCCESS);
    EXPECT_EQ(ByName, STATUS_SUCCESS);
}

TEST_P(ObNameTest, SymbolicLinksReparseToTheirTargets)
{
    PVOID Object = nullptr, ThroughLink = nullptr, ThroughDirectoryLink = nullptr, TheLink = nullptr;
    NTSTATUS Loop = 0, Dangling = 0, Query = 0, SmallQuery = 0, BadTarget = 0;
    ULONG Needed = 0, SmallNeeded = 0;
    WCHAR Buffer[64] = {};
    UNICODE_STRING Target = {0, sizeof(Buffer), Buffer};
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  HANDLE Handle, ToObject, ToDirectory, LoopA, LoopB, ToNothing;
                  ASSERT_EQ(InsertTestObject(Type, L"\\BaseNamedObjects\\Foo", 0, TestRead, &Handle, &Object),
                            STATUS_SUCCESS);
                  ASSERT_EQ(Link(L"\\BaseNamedObjects\\Alias", L"\\BaseNamedObjects\\Foo", &ToObject), STATUS_SUCCESS);
                  ASSERT_EQ(Link(L"\\Objects", L"\\BaseNamedObjects", &ToDirectory), STATUS_SUCCESS);
                  ASSERT_EQ(Link(L"\\KernelObjects\\A", L"\\KernelObjects\\B", &LoopA), STATUS_SUCCESS);
                  ASSERT_EQ(Link(L"\\KernelObjects\\B", L"\\KernelObjects\\A", &LoopB), STATUS_SUCCESS);
                  ASSERT_EQ(Link(L"\\KernelObjects\\C", L"\\KernelObjects\\Nothing", &ToNothing), STATUS_SUCCESS);
                  PVOID Found;
                  if (NT_SUCCESS(LookUp(L"\\BaseNamedObjects\\ALIAS", &Found, Type))) {
                      ThroughLink = Found;
                      ObDereferenceObject(Found);
                  }
                  if (NT_SUCCESS(LookUp(L"\\objects\\foo", &Found, Type))) {
                      ThroughDirectoryLink = Found;
                      ObDereferenceObject(Found);
                  }
                  if (NT_SUCCESS(LookUp(L"\\BaseNamedObjects\\Alias", &Found, ObpSymbolicLinkObjectType))) {
                      TheLink = Found;
                      Query = ObpQuerySymbolicLink(static_cast<POBJECT_SYMBOLIC_LINK>(Found), &Target, &Needed);
                      WCHAR Small[4];
                      UNICODE_STRING SmallTarget = {0, sizeof(Small), Small};
                      SmallQuery = ObpQuerySymbolicLink(static_cast<POBJECT_SYMBOLIC_LINK>(Found), &SmallTarget,
                                                        &SmallNeeded);
                      ObDereferenceObject(Found);
                  }
                  Loop = LookUp(L"\\KernelObjects\\A", &Found);
                  Dangling = LookUp(L"\\KernelObjects\\C", &Found);
                  UNICODE_STRING OddTarget = {3, 4, const_cast<PWSTR>(L"\\A")};
                  UNICODE_STRING LinkName = RTL_CONSTANT_STRING(L"\\KernelObjects\\D");
                  OBJECT_ATTRIBUTES Attributes;
                  InitializeObjectAttributes(&Attributes, &LinkName, 0, nullptr, nullptr);
                  HANDLE Unused;
                  BadTarget = ObpCreateSymbolicLink(&Attributes, SYMBOLIC_LINK_ALL_ACCESS, &OddTarget, KernelMode, &Unused);
                  for (HANDLE Each : {ToNothing, LoopB, LoopA, ToDirectory, ToObject, Handle})
                      ObCloseHandle(Each, KernelMode);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(ThroughLink, Object);
    EXPECT_EQ(ThroughDirectoryLink, Object) << "a link to a directory carries the rest of the path";
    EXPECT_NE(TheLink, nullptr) << "asking for a symbolic link opens the link itself";
    EXPECT_EQ(Query, STATUS_SUCCESS);
    EXPECT_EQ(std::wstring(Target.Buffer, Target.Length / sizeof(WCHAR)), L"\\BaseNamedObjects\\Foo");
    EXPECT_EQ(Needed, sizeof(L"\\BaseNamedObjects\\Foo"));
    EXPECT_EQ(SmallQuery, STATUS_BUFFER_TOO_SMALL);
    EXPECT_EQ(SmallNeeded, Needed);
    EXPECT_EQ(Loop, STATUS_OBJECT_NAME_NOT_FOUND) << "a loop ends after the reparse limit";
    EXPECT_EQ(Dangling, STATUS_OBJECT_NAME_NOT_FOUND);
    EXPECT_EQ(BadTarget, STATUS_INVALID_PARAMETER);
}

TEST_P(ObNameTest, AnObjectsDescriptorDecidesWhatAUserModeOpenGets)
{
    NTSTATUS Create = 0, ReadOpen = 0, WriteOpen = 0, KernelWrite = 0, ByPointer = 0;
    ACCESS_MASK ReadGranted = 0;
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  UCHAR AclBuffer[128];
                  auto *Dacl = reinterpret_cast<PACL>(AclBuffer);
                  ASSERT_EQ(RtlCreateAcl(Dacl, sizeof(AclBuffer), ACL_REVISION), STATUS_SUCCESS);
                  ASSERT_EQ(RtlAddAccessAllowedAce(Dacl, ACL_REVISION, TestRead | SYNCHRONIZE, SeExports->SeWorldSid),
                            STATUS_SUCCESS);
                  SECURITY_DESCRIPTOR Descriptor;
                  ASSERT_EQ(RtlCreateSecurityDescriptor(&Descriptor, SECURITY_DESCRIPTOR_REVISION), STATUS_SUCCESS);
                  ASSERT_EQ(RtlSetDaclSecurityDescriptor(&Descriptor, TRUE, Dacl, FALSE), STATUS_SUCCESS);
                  UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\BaseNamedObjects\\Guarded");
                  OBJECT_ATTRIBUTES Attributes;
                  InitializeObjectAttributes(&Attributes, &Name, 0, nullptr, &Descriptor);
                  PVOID Object = CreateTestObject(Type, &Attributes);
                  HANDLE Handle, Opened;
                  PVOID Referenced;
                  Create = ObInsertObject(Object, nullptr, TestAllAccess, 1, &Referenced, &Handle);
                  ASSERT_EQ(Create, STATUS_SUCCESS);
                  {
                      // A user-mode open's attributes are a user caller's, in its range.
                      PEPROCESS Process = CreateUserProcess();
                      ASSERT_NE(Process, nullptr);
                      {
                          Attach InProcess(Process);
                          POBJECT_ATTRIBUTES UserAttributes =
                              MakeUserObjectAttributes(AllocateUser(Process, PAGE_SIZE), Name.Buffer);
                          ReadOpen =
                              ObOpenObjectByName(UserAttributes, Type, UserMode, nullptr, TestRead, nullptr, &Opened);
                          if (NT_SUCCESS(ReadOpen)) {
                              ReadGranted = GrantedAccessOfHandle(Opened);
                              ObCloseHandle(Opened, KernelMode);
                          }
                          WriteOpen =
                              ObOpenObjectByName(UserAttributes, Type, UserMode, nullptr, TestWrite, nullptr, &Opened);
                      }
                      ObDereferenceObject(Process);
                  }
                  InitializeObjectAttributes(&Attributes, &Name, 0, nullptr, nullptr);
                  KernelWrite = ObOpenObjectByName(&Attributes, Type, KernelMode, nullptr, TestWrite, nullptr, &Opened);
                  if (NT_SUCCESS(KernelWrite))
                      ObCloseHandle(Opened, KernelMode);
                  ByPointer = ObOpenObjectByPointer(Referenced, 0, nullptr, TestWrite, Type, UserMode, &Opened);
                  ObCloseHandle(Handle, KernelMode);
                  ObDereferenceObject(Referenced);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(ReadOpen, STATUS_SUCCESS);
    EXPECT_EQ(ReadGranted, TestRead);
    EXPECT_EQ(WriteOpen, STATUS_ACCESS_DENIED) << "the DACL grants Everyone only TestRead";
    EXPECT_EQ(KernelWrite, STATUS_SUCCESS) << "kernel mode is not checked";
    EXPECT_EQ(ByPointer, STATUS_ACCESS_DENIED);
}

TEST_P(ObNameTest, UserModeCreatesOnlyWhereTheDirectoryGrantsIt)
{
    NTSTATUS Directory = 0, UserCreate = 0, KernelCreate = 0, UserElsewhere = 0;
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  UCHAR AclBuffer[128];
                  auto *Dacl = reinterpret_cast<PACL>(AclBuffer);
                  ASSERT_EQ(RtlCreateAcl(Dacl, sizeof(AclBuffer), ACL_REVISION), STATUS_SUCCESS);
                  ASSERT_EQ(RtlAddAccessAllowedAce(Dacl, ACL_REVISION, DIRECTORY_QUERY | DIRECTORY_TRAVERSE,
                                                   SeExports->SeWorldSid),
                            STATUS_SUCCESS);
                  SECURITY_DESCRIPTOR Descriptor;
                  ASSERT_EQ(RtlCreateSecurityDescriptor(&Descriptor, SECURITY_DESCRIPTOR_REVISION), STATUS_SUCCESS);
                  ASSERT_EQ(RtlSetDaclSecurityDescriptor(&Descriptor, TRUE, Dacl, FALSE), STATUS_SUCCESS);
                  UNICODE_STRING DirectoryName = RTL_CONSTANT_STRING(L"\\BaseNamedObjects\\Locked");
                  OBJECT_ATTRIBUTES Attributes;
                  InitializeObjectAttributes(&Attributes, &DirectoryName, 0, nullptr, &Descriptor);
                  HANDLE LockedHandle;
                  Directory = ObpCreateDirectory(&Attributes, DIRECTORY_ALL_ACCESS, KernelMode, &LockedHandle);
                  auto CreateAs = [&](KPROCESSOR_MODE Mode, PCWSTR Path) {
                      UNICODE_STRING Name;
                      RtlInitUnicodeString(&Name, Path);
                      OBJECT_ATTRIBUTES ObjectAttributes;
                      InitializeObjectAttributes(&ObjectAttributes, &Name, 0, nullptr, nullptr);
                      PVOID Object;
                      NTSTATUS Status = ObCreateObject(KernelMode, Type, &ObjectAttributes, Mode, nullptr, 64, 0, 0,
                                                       &Object);
                      HANDLE Handle = nullptr;
                      if (NT_SUCCESS(Status))
                          Status = ObInsertObject(Object, nullptr, TestRead, 0, nullptr, &Handle);
                      if (NT_SUCCESS(Status))
                          ObCloseHandle(Handle, KernelMode);
                      return Status;
                  };
                  UserCreate = CreateAs(UserMode, L"\\BaseNamedObjects\\Locked\\X");
                  KernelCreate = CreateAs(KernelMode, L"\\BaseNamedObjects\\Locked\\X");
                  UserElsewhere = CreateAs(UserMode, L"\\BaseNamedObjects\\Open");
                  ObCloseHandle(LockedHandle, KernelMode);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Directory, STATUS_SUCCESS);
    EXPECT_EQ(UserCreate, STATUS_ACCESS_DENIED) << "the DACL grants no DIRECTORY_CREATE_OBJECT";
    EXPECT_EQ(KernelCreate, STATUS_SUCCESS);
    EXPECT_EQ(UserElsewhere, STATUS_SUCCESS);
}

NTOS_INSTANTIATE_ALL_MODES(ObNameTest);

} // namespace
