// Object types and an object's life in every machine mode: type creation and its
// argument checks, the object header ObCreateObject builds, per-type counts, pointer
// references, deletion through the delete procedure at PASSIVE_LEVEL (now, or by the
// reaper when the last reference goes at DISPATCH_LEVEL), and ObReferenceObjectByPointer's
// type rule. After what ReactOS's kmtests ObType and ObReference check of these calls.
#include "ob_test.h"

using namespace ntos_test;

namespace {

class ObLifeTest : public KernelTest {};

TEST_P(ObLifeTest, TypeCreationChecksItsArguments)
{
    NTSTATUS Status[8] = {};
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type;
                  UNICODE_STRING Good = RTL_CONSTANT_STRING(L"Widget");
                  UNICODE_STRING Empty{};
                  UNICODE_STRING Slash = RTL_CONSTANT_STRING(L"Wid\\get");
                  UNICODE_STRING TypeUpper = RTL_CONSTANT_STRING(L"TYPE");
                  OBJECT_TYPE_INITIALIZER Init = TestInitializer();
                  Status[0] = ObCreateObjectType(&Empty, &Init, nullptr, &Type);
                  Status[1] = ObCreateObjectType(&Good, nullptr, nullptr, &Type);
                  OBJECT_TYPE_INITIALIZER Short = Init;
                  Short.Length--;
                  Status[2] = ObCreateObjectType(&Good, &Short, nullptr, &Type);
                  OBJECT_TYPE_INITIALIZER PagedDispatcher = Init;
                  PagedDispatcher.UseDefaultObject = FALSE;
                  PagedDispatcher.PoolType = PagedPool;
                  Status[3] = ObCreateObjectType(&Good, &PagedDispatcher, nullptr, &Type);
                  OBJECT_TYPE_INITIALIZER CountsWithoutProcedures = Init;
                  CountsWithoutProcedures.MaintainHandleCount = TRUE;
                  Status[4] = ObCreateObjectType(&Good, &CountsWithoutProcedures, nullptr, &Type);
                  Status[5] = ObCreateObjectType(&Slash, &Init, nullptr, &Type);
                  Status[6] = ObCreateObjectType(&TypeUpper, &Init, nullptr, &Type);
                  Status[7] = ObCreateObjectType(&Good, &Init, nullptr, &Type);
                  if (NT_SUCCESS(Status[7])) {
                      EXPECT_TRUE(RtlEqualUnicodeString(&Type->Name, &Good, FALSE));
                      EXPECT_EQ(Type->Key, (ULONG)'gdiW');
                      EXPECT_EQ(OBJECT_TO_OBJECT_HEADER(Type)->Type, ObpTypeObjectType);
                      EXPECT_EQ(ObCreateObjectType(&Good, &Init, nullptr, &Type), STATUS_OBJECT_NAME_COLLISION);
                  }
              }),
              STATUS_SUCCESS);
    for (int I = 0; I < 5; I++)
        EXPECT_EQ(Status[I], STATUS_INVALID_PARAMETER) << "case " << I;
    EXPECT_EQ(Status[5], STATUS_OBJECT_NAME_INVALID);
    EXPECT_EQ(Status[6], STATUS_OBJECT_NAME_COLLISION) << "type names compare case-insensitively";
    EXPECT_EQ(Status[7], STATUS_SUCCESS);
}

TEST_P(ObLifeTest, CreatedObjectHasItsHeaderNameAndCount)
{
    ResetDeleteCounters();
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  ASSERT_NE(Type, nullptr);
                  WCHAR Buffer[] = L"MyWidget";
                  UNICODE_STRING Name;
                  RtlInitUnicodeString(&Name, Buffer);
                  OBJECT_ATTRIBUTES Attributes;
                  InitializeObjectAttributes(&Attributes, &Name, OBJ_CASE_INSENSITIVE, nullptr, nullptr);
                  PVOID Named = CreateTestObject(Type, &Attributes);
                  PVOID Unnamed = CreateTestObject(Type);
                  ASSERT_NE(Named, nullptr);
                  ASSERT_NE(Unnamed, nullptr);
                  POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Named);
                  EXPECT_EQ(Header->PointerCount, 1);
                  EXPECT_EQ(Header->HandleCount, 0);
                  EXPECT_EQ(Header->Type, Type);
                  EXPECT_EQ(Header->Flags & (OB_FLAG_CREATE_INFO | OB_FLAG_KERNEL_MODE | OB_FLAG_CREATOR_INFO),
                            OB_FLAG_CREATE_INFO | OB_FLAG_KERNEL_MODE | OB_FLAG_CREATOR_INFO);
                  ASSERT_NE(Header->ObjectCreateInfo, nullptr);
                  EXPECT_EQ(Header->ObjectCreateInfo->Attributes, (ULONG)OBJ_CASE_INSENSITIVE);
                  POBJECT_HEADER_NAME_INFO NameInfo = OBJECT_HEADER_TO_NAME_INFO(Header);
                  ASSERT_NE(NameInfo, nullptr);
                  EXPECT_TRUE(RtlEqualUnicodeString(&NameInfo->Name, &Name, FALSE));
                  EXPECT_NE(NameInfo->Name.Buffer, Buffer) << "the name is captured, not borrowed";
                  EXPECT_EQ(NameInfo->Directory, nullptr) << "not inserted in the namespace yet";
                  EXPECT_EQ(OBJECT_HEADER_TO_NAME_INFO(OBJECT_TO_OBJECT_HEADER(Unnamed)), nullptr);
                  EXPECT_EQ(Type->TotalNumberOfObjects, 2u);
                  EXPECT_EQ(Type->HighWaterNumberOfObjects, 2u);
                  ObDereferenceObject(Named);
                  EXPECT_EQ(Type->TotalNumberOfObjects, 1u);
                  EXPECT_EQ(Type->HighWaterNumberOfObjects, 2u);
                  ObDereferenceObject(Unnamed);
                  EXPECT_EQ(Type->TotalNumberOfObjects, 0u);
                  EXPECT_TRUE(IsListEmpty(&Type->TypeList));
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(DeleteCalls, 2);
}

TEST_P(ObLifeTest, ReferencesCountAndTheLastOneDeletesAtPassiveLevel)
{
    ResetDeleteCounters();
    LONG_PTR Counts[5] = {};
    LONG CallsBeforeLast = -1;
    PKTHREAD Self = nullptr;
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  PVOID Object = CreateTestObject(Type);
                  ASSERT_NE(Object, nullptr);
                  Self = KeGetCurrentThread();
                  Counts[0] = ObReferenceObject(Object);
                  Counts[1] = ObReferenceObjectEx(Object, 5);
                  Counts[2] = ObDereferenceObjectEx(Object, 5);
                  Counts[3] = ObDereferenceObject(Object);
                  CallsBeforeLast = ReadShared(DeleteCalls);
                  Counts[4] = ObDereferenceObject(Object);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Counts[0], 2);
    EXPECT_EQ(Counts[1], 7);
    EXPECT_EQ(Counts[2], 2);
    EXPECT_EQ(Counts[3], 1);
    EXPECT_EQ(Counts[4], 0);
    EXPECT_EQ(CallsBeforeLast, 0);
    EXPECT_EQ(DeleteCalls, 1);
    EXPECT_EQ(DeleteAtPassive, 1);
    EXPECT_EQ(DeleteThread, Self) << "at PASSIVE_LEVEL the dereferencing thread deletes";
}

TEST_P(ObLifeTest, LastReferenceAtDispatchLevelIsDeletedByTheReaper)
{
    ResetDeleteCounters();
    LONG CallsRightAfter = -1;
    PKTHREAD Self = nullptr;
    PKTHREAD Deleters[2] = {};
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Done;
                  KeInitializeEvent(&Done, SynchronizationEvent, FALSE);
                  DeleteDone = &Done;
                  Self = KeGetCurrentThread();
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  PVOID Object = CreateTestObject(Type);
                  KIRQL OldIrql;
                  KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                  ObDereferenceObject(Object);
                  CallsRightAfter = ReadShared(DeleteCalls);
                  KeLowerIrql(OldIrql);
                  KeWaitForSingleObject(&Done, Executive, KernelMode, FALSE, nullptr);
                  Deleters[0] = DeleteThread;
                  // At PASSIVE_LEVEL too, when the caller asks for it (the worker may
                  // run at once: it has the higher priority).
                  Object = CreateTestObject(Type);
                  ObDereferenceObjectDeferDelete(Object);
                  KeWaitForSingleObject(&Done, Executive, KernelMode, FALSE, nullptr);
                  Deleters[1] = DeleteThread;
                  // The delete procedure signalled; the reaper frees the memory after it.
                  SpinUntil([&] { return __atomic_load_n(&Type->TotalNumberOfObjects, __ATOMIC_ACQUIRE) == 0; });
                  DeleteDone = nullptr;
              }),
              STATUS_SUCCESS);
    if (GetParam().Processors == 1)
        EXPECT_EQ(CallsRightAfter, 0) << "nothing is deleted before this processor leaves DISPATCH_LEVEL";
    EXPECT_EQ(DeleteCalls, 2);
    EXPECT_EQ(DeleteAtPassive, 2);
    EXPECT_NE(Deleters[0], Self) << "a worker thread reaps";
    EXPECT_NE(Deleters[1], Self);
}

TEST_P(ObLifeTest, ManyDeferredDeletionsFromSeveralThreadsAllHappen)
{
    ResetDeleteCounters();
    constexpr int kPerThread = 300;
    ULONG Left = 1;
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  std::function<void()> Churn = [&] {
                      for (int I = 0; I < kPerThread; I++) {
                          PVOID Object = CreateTestObject(Type);
                          KIRQL OldIrql;
                          KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                          ObDereferenceObject(Object);
                          KeLowerIrql(OldIrql);
                      }
                  };
                  PETHREAD Threads[2] = {StartKernelThread(&Churn), StartKernelThread(&Churn)};
                  Churn();
                  for (PETHREAD Thread : Threads)
                      JoinKernelThread(Thread);
                  // The reaper frees each object's memory after its delete procedure ran.
                  SpinUntil([&] { return __atomic_load_n(&Type->TotalNumberOfObjects, __ATOMIC_ACQUIRE) == 0; });
                  Left = __atomic_load_n(&Type->TotalNumberOfObjects, __ATOMIC_ACQUIRE);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(DeleteCalls, 3 * kPerThread);
    EXPECT_EQ(Left, 0u);
}

TEST_P(ObLifeTest, ReferenceByPointerChecksTheTypeForUserModeCallers)
{
    NTSTATUS Status[3] = {};
    LONG_PTR Count = 0;
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Widget = CreateTestType(L"Widget");
                  POBJECT_TYPE Gadget = CreateTestType(L"Gadget");
                  PVOID Object = CreateTestObject(Widget);
                  Status[0] = ObReferenceObjectByPointer(Object, 0, Widget, UserMode);
                  Status[1] = ObReferenceObjectByPointer(Object, 0, Gadget, UserMode);
                  Status[2] = ObReferenceObjectByPointer(Object, 0, Gadget, KernelMode);
                  Count = OBJECT_TO_OBJECT_HEADER(Object)->PointerCount;
                  ObDereferenceObjectEx(Object, (LONG)Count);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status[0], STATUS_SUCCESS);
    EXPECT_EQ(Status[1], STATUS_OBJECT_TYPE_MISMATCH);
    EXPECT_EQ(Status[2], STATUS_SUCCESS) << "kernel-mode callers are trusted with the type";
    EXPECT_EQ(Count, 3) << "the refused reference took nothing";
}

TEST_P(ObLifeTest, BadCreationArgumentsAndPoolFailureLeaveNothingBehind)
{
    NTSTATUS Status[5] = {};
    ULONG Objects = 1;
    ASSERT_EQ(RunInKernel([&] {
                  OBJECT_TYPE_INITIALIZER Init = TestInitializer();
                  Init.InvalidAttributes = OBJ_PERMANENT;
                  POBJECT_TYPE Type = CreateTestType(L"Widget", Init);
                  PVOID Object;
                  OBJECT_ATTRIBUTES Attributes;
                  InitializeObjectAttributes(&Attributes, nullptr, 0, nullptr, nullptr);
                  Attributes.Length--;
                  Status[0] = ObCreateObject(KernelMode, Type, &Attributes, KernelMode, nullptr, 8, 0, 0, &Object);
                  InitializeObjectAttributes(&Attributes, nullptr, 0x1, nullptr, nullptr);
                  Status[1] = ObCreateObject(KernelMode, Type, &Attributes, KernelMode, nullptr, 8, 0, 0, &Object);
                  InitializeObjectAttributes(&Attributes, nullptr, OBJ_PERMANENT, nullptr, nullptr);
                  Status[2] = ObCreateObject(KernelMode, Type, &Attributes, KernelMode, nullptr, 8, 0, 0, &Object);
                  UNICODE_STRING Odd = RTL_CONSTANT_STRING(L"Odd");
                  Odd.Length = 3;
                  InitializeObjectAttributes(&Attributes, &Odd, 0, nullptr, nullptr);
                  Status[3] = ObCreateObject(KernelMode, Type, &Attributes, KernelMode, nullptr, 8, 0, 0, &Object);
                  UNICODE_STRING Name = RTL_CONSTANT_STRING(L"Named");
                  InitializeObjectAttributes(&Attributes, &Name, 0, nullptr, nullptr);
                  ExpInjectPoolFailures(2, 1); // create info and name succeed, the object fails
                  Status[4] = ObCreateObject(KernelMode, Type, &Attributes, KernelMode, nullptr, 8, 0, 0, &Object);
                  ExpInjectPoolFailures(0, 0);
                  Objects = Type->TotalNumberOfObjects;
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status[0], STATUS_INVALID_PARAMETER);
    EXPECT_EQ(Status[1], STATUS_INVALID_PARAMETER);
    EXPECT_EQ(Status[2], STATUS_INVALID_PARAMETER) << "an attribute the type declares invalid";
    EXPECT_EQ(Status[3], STATUS_OBJECT_NAME_INVALID);
    EXPECT_EQ(Status[4], STATUS_INSUFFICIENT_RESOURCES);
    EXPECT_EQ(Objects, 0u);
}

NTOS_INSTANTIATE_ALL_MODES(ObLifeTest);

class ObLifeDeathTest : public KernelDeathTest {};

TEST_F(ObLifeDeathTest, DereferenceBelowZeroIsReferenceByPointer)
{
    EXPECT_DEATH(BootAndRun([] {
                     POBJECT_TYPE Type = CreateTestType(L"Widget");
                     PVOID Object = CreateTestObject(Type);
                     ObReferenceObject(Object);
                     ObDereferenceObjectEx(Object, 3);
                 }),
                 "STOP: 0x00000018(.|\n)*REFERENCE_BY_POINTER");
}

} // namespace
