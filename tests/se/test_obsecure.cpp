// Object security in every machine mode: access states, ObAssignSecurity on a test
// object type (the descriptor stored in the header through the cache, shared by equal
// descriptors), ObGetObjectSecurity, ObCheckObjectAccess granting and refusing, the
// default security method's set / query / delete, and readers racing a writer.
#include "ntos_test.h"
#include "ob.h"
#include "se_test.h"

using namespace ntos_test;
using namespace se_test;

namespace {

class ObSecurityTest : public KernelTest {};

constexpr ACCESS_MASK kWidgetRead = 0x1, kWidgetWrite = 0x2, kWidgetAll = STANDARD_RIGHTS_ALL | 0x3;

// Inside the kernel: an object type whose objects have rights 0x1 (read) and 0x2
// (write).
POBJECT_TYPE CreateWidgetType()
{
    OBJECT_TYPE_INITIALIZER Init{};
    Init.Length = sizeof(Init);
    Init.UseDefaultObject = TRUE;
    Init.PoolType = NonPagedPool;
    Init.GenericMapping = {STANDARD_RIGHTS_READ | kWidgetRead, STANDARD_RIGHTS_WRITE | kWidgetWrite,
                           STANDARD_RIGHTS_EXECUTE, kWidgetAll};
    Init.ValidAccessMask = kWidgetAll;
    Init.SecurityRequired = TRUE;
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"Widget");
    POBJECT_TYPE Type = nullptr;
    EXPECT_EQ(ObCreateObjectType(&Name, &Init, nullptr, &Type), STATUS_SUCCESS);
    return Type;
}

PVOID CreateWidget(POBJECT_TYPE Type)
{
    PVOID Object = nullptr;
    EXPECT_EQ(ObCreateObject(KernelMode, Type, nullptr, KernelMode, nullptr, 32, 0, 0, &Object), STATUS_SUCCESS);
    return Object;
}

// Inside the kernel: gives Object the descriptor built from Explicit for the current
// subject, as ObInsertObject does.
NTSTATUS AssignWidgetSecurity(PVOID Object, POBJECT_TYPE Type, PSECURITY_DESCRIPTOR Explicit)
{
    ACCESS_STATE State;
    AUX_ACCESS_DATA Aux;
    NTSTATUS Status = SeCreateAccessState(&State, &Aux, kWidgetRead, &Type->TypeInfo.GenericMapping);
    if (!NT_SUCCESS(Status))
        return Status;
    State.SecurityDescriptor = Explicit;
    Status = ObAssignSecurity(&State, nullptr, Object, Type);
    SeDeleteAccessState(&State);
    return Status;
}

// Inside the kernel: ObCheckObjectAccess of Desired on Object in Mode; the access state's
// rights after it in *Remaining / *Granted.
BOOLEAN CheckWidget(PVOID Object, POBJECT_TYPE Type, ACCESS_MASK Desired, KPROCESSOR_MODE Mode, PNTSTATUS Status,
                    ACCESS_MASK *Granted = nullptr, ACCESS_MASK *Remaining = nullptr)
{
    ACCESS_STATE State;
    AUX_ACCESS_DATA Aux;
    SeCreateAccessState(&State, &Aux, Desired, &Type->TypeInfo.GenericMapping);
    BOOLEAN Result = ObCheckObjectAccess(Object, &State, FALSE, Mode, Status);
    if (Granted)
        *Granted = State.PreviouslyGrantedAccess;
    if (Remaining)
        *Remaining = State.RemainingDesiredAccess;
    SeDeleteAccessState(&State);
    return Result;
}

TEST_P(ObSecurityTest, AccessStateCapturesTheSubjectAndMapsTheRequest)
{
    ASSERT_EQ(RunInKernel([&] {
                  GENERIC_MAPPING Mapping = TestMapping();
                  ACCESS_STATE State;
                  AUX_ACCESS_DATA Aux;
                  ASSERT_EQ(SeCreateAccessState(&State, &Aux, GENERIC_READ | DELETE, &Mapping), STATUS_SUCCESS);
                  EXPECT_EQ(State.OriginalDesiredAccess, (ACCESS_MASK)(READ_CONTROL | 0x1 | DELETE));
                  EXPECT_EQ(State.RemainingDesiredAccess, State.OriginalDesiredAccess);
                  EXPECT_EQ(State.PreviouslyGrantedAccess, 0u);
                  EXPECT_EQ(State.AuxData, &Aux);
                  EXPECT_EQ(Aux.GenericMapping.GenericAll, Mapping.GenericAll);
                  EXPECT_EQ(Aux.PrivilegesUsed, &State.Privileges.PrivilegeSet);
                  EXPECT_EQ(State.Flags, (ULONG)TOKEN_HAS_TRAVERSE_PRIVILEGE);
                  EXPECT_NE(State.OperationID.LowPart, 0u);
                  EXPECT_EQ(State.SubjectSecurityContext.ClientToken, nullptr) << "no impersonation";
                  EXPECT_EQ(State.SubjectSecurityContext.PrimaryToken, ExGetObjectFastReference(PsInitialSystemProcess->Token));
                  GENERIC_MAPPING Other = {1, 2, 4, 7};
                  SeSetAccessStateGenericMapping(&State, &Other);
                  EXPECT_EQ(Aux.GenericMapping.GenericAll, 7u);
                  ACCESS_STATE Second;
                  AUX_ACCESS_DATA SecondAux;
                  SeCreateAccessState(&Second, &SecondAux, MAXIMUM_ALLOWED, &Mapping);
                  EXPECT_EQ(Second.RemainingDesiredAccess, (ACCESS_MASK)MAXIMUM_ALLOWED);
                  EXPECT_FALSE(RtlEqualLuid(&State.OperationID, &Second.OperationID));
                  SeDeleteAccessState(&Second);
                  SeDeleteAccessState(&State);
                  EXPECT_EQ(State.SubjectSecurityContext.PrimaryToken, nullptr);
              }),
              STATUS_SUCCESS);
}

TEST_P(ObSecurityTest, AssignedDescriptorGrantsAndRefuses)
{
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateWidgetType();
                  ASSERT_NE(Type, nullptr);
                  EXPECT_EQ(Type->TypeInfo.SecurityProcedure, SeDefaultObjectMethod)
                      << "a type without a security procedure gets the default one";
                  PVOID Object = CreateWidget(Type);
                  PSECURITY_DESCRIPTOR Sd = reinterpret_cast<PSECURITY_DESCRIPTOR>(1);
                  BOOLEAN Allocated = TRUE;
                  ASSERT_EQ(ObGetObjectSecurity(Object, &Sd, &Allocated), STATUS_SUCCESS);
                  EXPECT_EQ(Sd, nullptr) << "no descriptor yet";
                  NTSTATUS Status = STATUS_PENDING;
                  EXPECT_TRUE(CheckWidget(Object, Type, kWidgetWrite, UserMode, &Status)) << "no descriptor: granted";
                  EXPECT_EQ(Status, STATUS_SUCCESS);

                  TestAcl Acl({Allow(GENERIC_READ, SeExports->SeWorldSid)});
                  SECURITY_DESCRIPTOR Explicit = MakeSd(SeExports->SeLocalSystemSid, TRUE, Acl.Acl());
                  ASSERT_EQ(AssignWidgetSecurity(Object, Type, &Explicit), STATUS_SUCCESS);
                  ASSERT_EQ(ObGetObjectSecurity(Object, &Sd, &Allocated), STATUS_SUCCESS);
                  ASSERT_NE(Sd, nullptr);
                  EXPECT_FALSE(Allocated) << "the cached descriptor, referenced";
                  PSID Owner;
                  BOOLEAN Defaulted, Present;
                  PACL Dacl;
                  RtlGetOwnerSecurityDescriptor(Sd, &Owner, &Defaulted);
                  EXPECT_TRUE(RtlEqualSid(Owner, SeExports->SeLocalSystemSid));
                  RtlGetDaclSecurityDescriptor(Sd, &Present, &Dacl, &Defaulted);
                  ASSERT_TRUE(Present);
                  EXPECT_EQ(AceAt(Dacl, 0)->Mask, (ACCESS_MASK)(STANDARD_RIGHTS_READ | kWidgetRead));
                  ObReleaseObjectSecurity(Sd, Allocated);

                  ACCESS_MASK Granted = 0, Remaining = 0;
                  EXPECT_TRUE(CheckWidget(Object, Type, kWidgetRead, UserMode, &Status, &Granted, &Remaining));
                  EXPECT_EQ(Status, STATUS_SUCCESS);
                  EXPECT_EQ(Granted, kWidgetRead);
                  EXPECT_EQ(Remaining, 0u);
                  EXPECT_FALSE(CheckWidget(Object, Type, kWidgetWrite, UserMode, &Status, &Granted, &Remaining));
                  EXPECT_EQ(Status, STATUS_ACCESS_DENIED);
                  EXPECT_EQ(Granted, 0u);
                  EXPECT_EQ(Remaining, kWidgetWrite);
                  EXPECT_TRUE(CheckWidget(Object, Type, kWidgetWrite, KernelMode, &Status)) << "kernel mode: granted";
                  EXPECT_TRUE(CheckWidget(Object, Type, MAXIMUM_ALLOWED, UserMode, &Status, &Granted, &Remaining));
                  EXPECT_EQ(Granted, (ACCESS_MASK)(READ_CONTROL | WRITE_DAC | kWidgetRead)) << "owner rights too";
                  EXPECT_EQ(Remaining, 0u) << "MAXIMUM_ALLOWED is satisfied";
                  ObDereferenceObject(Object);
              }),
              STATUS_SUCCESS);
}

TEST_P(ObSecurityTest, EqualDescriptorsShareOneCachedCopy)
{
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateWidgetType();
                  PVOID First = CreateWidget(Type), Second = CreateWidget(Type), Third = CreateWidget(Type);
                  TestAcl Acl({Allow(kWidgetRead, SeExports->SeWorldSid)});
                  TestAcl OtherAcl({Allow(kWidgetWrite, SeExports->SeWorldSid)});
                  SECURITY_DESCRIPTOR Explicit = MakeSd(nullptr, TRUE, Acl.Acl());
                  SECURITY_DESCRIPTOR Other = MakeSd(nullptr, TRUE, OtherAcl.Acl());
                  ASSERT_EQ(AssignWidgetSecurity(First, Type, &Explicit), STATUS_SUCCESS);
                  ASSERT_EQ(AssignWidgetSecurity(Second, Type, &Explicit), STATUS_SUCCESS);
                  ASSERT_EQ(AssignWidgetSecurity(Third, Type, &Other), STATUS_SUCCESS);
                  PSECURITY_DESCRIPTOR Sd[3];
                  BOOLEAN Allocated;
                  ObGetObjectSecurity(First, &Sd[0], &Allocated);
                  ObGetObjectSecurity(Second, &Sd[1], &Allocated);
                  ObGetObjectSecurity(Third, &Sd[2], &Allocated);
                  EXPECT_EQ(Sd[0], Sd[1]);
                  EXPECT_NE(Sd[0], Sd[2]);
                  auto *Header = CONTAINING_RECORD(Sd[0], SECURITY_DESCRIPTOR_HEADER, SecurityDescriptor);
                  EXPECT_EQ(Header->RefCount, 2 * (MAX_FAST_REFS + 1)) << "each header holds a base + full cache";
                  for (PSECURITY_DESCRIPTOR Each : Sd)
                      ObReleaseObjectSecurity(Each, FALSE);
                  ObDereferenceObject(First);
                  EX_FAST_REF Left = *reinterpret_cast<PEX_FAST_REF>(&OBJECT_TO_OBJECT_HEADER(Second)->SecurityDescriptor);
                  EXPECT_EQ(Header->RefCount, (LONG)(1 + ExGetCountFastReference(Left)))
                      << "only the second object's base and cached references are left";
                  ObDereferenceObject(Second);
                  ObDereferenceObject(Third);
              }),
              STATUS_SUCCESS);
}

TEST_P(ObSecurityTest, DefaultMethodSetsAndQueries)
{
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateWidgetType();
                  PVOID Object = CreateWidget(Type);
                  TestAcl Acl({Allow(kWidgetRead, SeExports->SeWorldSid)});
                  SECURITY_DESCRIPTOR Explicit = MakeSd(nullptr, TRUE, Acl.Acl());
                  ASSERT_EQ(AssignWidgetSecurity(Object, Type, &Explicit), STATUS_SUCCESS);
                  POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
                  NTSTATUS Status;
                  EXPECT_FALSE(CheckWidget(Object, Type, kWidgetWrite, UserMode, &Status));

                  TestAcl Writable({Allow(kWidgetRead | kWidgetWrite, SeExports->SeWorldSid)});
                  SECURITY_DESCRIPTOR Change = MakeSd(nullptr, TRUE, Writable.Acl());
                  SECURITY_INFORMATION Information = DACL_SECURITY_INFORMATION;
                  EXPECT_EQ(Type->TypeInfo.SecurityProcedure(Object, SetSecurityDescriptor, &Information, &Change,
                                                             nullptr, &Header->SecurityDescriptor, PagedPool,
                                                             &Type->TypeInfo.GenericMapping),
                            STATUS_SUCCESS);
                  EXPECT_TRUE(CheckWidget(Object, Type, kWidgetWrite, UserMode, &Status)) << "the new DACL applies";

                  Information = DACL_SECURITY_INFORMATION | OWNER_SECURITY_INFORMATION;
                  ULONG Length = 0;
                  EXPECT_EQ(Type->TypeInfo.SecurityProcedure(Object, QuerySecurityDescriptor, &Information, nullptr,
                                                             &Length, &Header->SecurityDescriptor, PagedPool,
                                                             &Type->TypeInfo.GenericMapping),
                            STATUS_BUFFER_TOO_SMALL);
                  std::vector<ULONG> Buffer(Length / sizeof(ULONG) + 1);
                  ASSERT_EQ(Type->TypeInfo.SecurityProcedure(Object, QuerySecurityDescriptor, &Information,
                                                             Buffer.data(), &Length, &Header->SecurityDescriptor,
                                                             PagedPool, &Type->TypeInfo.GenericMapping),
                            STATUS_SUCCESS);
                  BOOLEAN Present, Defaulted;
                  PACL Dacl;
                  RtlGetDaclSecurityDescriptor(Buffer.data(), &Present, &Dacl, &Defaulted);
                  ASSERT_TRUE(Present);
                  EXPECT_EQ(AceAt(Dacl, 0)->Mask, kWidgetRead | kWidgetWrite);
                  PSID Group = reinterpret_cast<PSID>(1);
                  RtlGetGroupSecurityDescriptor(Buffer.data(), &Group, &Defaulted);
                  EXPECT_EQ(Group, nullptr) << "only the parts asked for";
                  ObDereferenceObject(Object);
              }),
              STATUS_SUCCESS);
}

TEST_P(ObSecurityTest, ReadersRaceAWriter)
{
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateWidgetType();
                  PVOID Object = CreateWidget(Type);
                  TestAcl ReadOnly({Allow(kWidgetRead, SeExports->SeWorldSid)});
                  TestAcl ReadWrite({Allow(kWidgetRead | kWidgetWrite, SeExports->SeWorldSid)});
                  SECURITY_DESCRIPTOR Sds[2] = {MakeSd(nullptr, TRUE, ReadOnly.Acl()),
                                                MakeSd(nullptr, TRUE, ReadWrite.Acl())};
                  ASSERT_EQ(AssignWidgetSecurity(Object, Type, &Sds[0]), STATUS_SUCCESS);
                  volatile LONG Failures = 0;
                  std::function<void()> Reader = [&] {
                      for (int I = 0; I < 200; I++) {
                          NTSTATUS Status;
                          if (!CheckWidget(Object, Type, kWidgetRead, UserMode, &Status))
                              InterlockedIncrement(&Failures);
                          if (I % 16 == 0)
                              YieldExecution();
                      }
                  };
                  std::function<void()> Writer = [&] {
                      POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
                      for (int I = 0; I < 50; I++) {
                          SECURITY_INFORMATION Information = DACL_SECURITY_INFORMATION;
                          if (!NT_SUCCESS(SeDefaultObjectMethod(Object, SetSecurityDescriptor, &Information,
                                                                &Sds[I % 2], nullptr, &Header->SecurityDescriptor,
                                                                PagedPool, &Type->TypeInfo.GenericMapping)))
                              InterlockedIncrement(&Failures);
                          YieldExecution();
                      }
                  };
                  PETHREAD Threads[3] = {StartKernelThread(&Reader), StartKernelThread(&Reader),
                                         StartKernelThread(&Writer)};
                  for (PETHREAD Thread : Threads) {
                      ASSERT_NE(Thread, nullptr);
                      JoinKernelThread(Thread);
                  }
                  EXPECT_EQ(Failures, 0) << "read is allowed by both descriptors";
                  ObDereferenceObject(Object);
              }),
              STATUS_SUCCESS);
}

} // namespace

NTOS_INSTANTIATE_ALL_MODES(ObSecurityTest);
