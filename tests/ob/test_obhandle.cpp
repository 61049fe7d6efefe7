// Handles in every machine mode: inserting an object gives a handle (values, counts,
// granted access mapped and trimmed), referencing by handle (type, access, kernel
// handles hidden from user mode), closing (twice, bogus values, protection from close,
// okay-to-close), open/close procedures with per-process counts, inheritance into a
// child's table and the sweep at process rundown, leaked kernel handles at shutdown,
// and one thread closing a handle while others reference through it. After what
// ReactOS's kmtests ObHandle and ObReference check.
#include <atomic>

#include "ob_test.h"

using namespace ntos_test;

namespace {

class ObHandleTest : public KernelTest {};

ACCESS_MASK GrantedAccessOf(HANDLE Handle)
{
    PVOID Object = nullptr;
    OBJECT_HANDLE_INFORMATION Info{};
    if (!NT_SUCCESS(ObReferenceObjectByHandle(Handle, 0, nullptr, KernelMode, &Object, &Info)))
        return 0xDEADBEEF;
    ObDereferenceObject(Object);
    return Info.GrantedAccess;
}

TEST_P(ObHandleTest, InsertingAnUnnamedObjectGivesAHandleHoldingTheCreatorsReference)
{
    ResetDeleteCounters();
    HANDLE Handle = nullptr;
    NTSTATUS Status = STATUS_PENDING;
    LONG_PTR Pointers = 0, Handles = 0;
    ULONG TypeHandles = 0;
    BOOLEAN CreateInfoLeft = TRUE;
    LONG DeletesWhileOpen = -1;
    NTSTATUS CloseStatus = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  PVOID Object;
                  Status = InsertTestObject(Type, nullptr, 0, TestRead, &Handle, &Object);
                  Pointers = HeaderOf(Object)->PointerCount;
                  Handles = HeaderOf(Object)->HandleCount;
                  TypeHandles = Type->TotalNumberOfHandles;
                  CreateInfoLeft = (HeaderOf(Object)->Flags & OB_FLAG_CREATE_INFO) != 0;
                  DeletesWhileOpen = ReadShared(DeleteCalls);
                  CloseStatus = ObCloseHandle(Handle, KernelMode);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status, STATUS_SUCCESS);
    EXPECT_NE(Handle, nullptr);
    EXPECT_EQ(reinterpret_cast<ULONG_PTR>(Handle) % 4, 0u) << "handle values are multiples of 4";
    EXPECT_EQ(reinterpret_cast<ULONG_PTR>(Handle) & KERNEL_HANDLE_FLAG, 0u);
    EXPECT_EQ(Pointers, 1) << "the creator's reference became the handle's";
    EXPECT_EQ(Handles, 1);
    EXPECT_EQ(TypeHandles, 1u);
    EXPECT_FALSE(CreateInfoLeft);
    EXPECT_EQ(DeletesWhileOpen, 0);
    EXPECT_EQ(CloseStatus, STATUS_SUCCESS);
    EXPECT_EQ(DeleteCalls, 1) << "closing the only handle deletes the object";
}

TEST_P(ObHandleTest, PointerBiasReturnsTheObjectWithExtraReferences)
{
    ResetDeleteCounters();
    PVOID Returned = nullptr, Created = nullptr;
    LONG_PTR Pointers = 0;
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  Created = CreateTestObject(Type);
                  HANDLE Handle;
                  ASSERT_EQ(ObInsertObject(Created, nullptr, TestRead, 2, &Returned, &Handle), STATUS_SUCCESS);
                  Pointers = HeaderOf(Created)->PointerCount;
                  ObCloseHandle(Handle, KernelMode);
                  ObDereferenceObjectEx(Created, 2);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Returned, Created);
    EXPECT_EQ(Pointers, 3);
    EXPECT_EQ(DeleteCalls, 1);
}

TEST_P(ObHandleTest, GrantedAccessIsMappedAndKeptToTheValidRights)
{
    ACCESS_MASK Granted[4] = {};
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  const ACCESS_MASK Asked[4] = {GENERIC_READ, GENERIC_READ | GENERIC_WRITE, MAXIMUM_ALLOWED,
                                                TestExecute | 0x00F00000 /* not valid for the type */};
                  for (int I = 0; I < 4; I++) {
                      HANDLE Handle;
                      ASSERT_EQ(InsertTestObject(Type, nullptr, 0, Asked[I], &Handle), STATUS_SUCCESS);
                      Granted[I] = GrantedAccessOf(Handle);
                      ObCloseHandle(Handle, KernelMode);
                  }
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Granted[0], STANDARD_RIGHTS_READ | TestRead);
    EXPECT_EQ(Granted[1], STANDARD_RIGHTS_READ | TestRead | TestWrite);
    EXPECT_EQ(Granted[2], TestAllAccess) << "MAXIMUM_ALLOWED for the creator is GENERIC_ALL";
    EXPECT_EQ(Granted[3], TestExecute | SYNCHRONIZE);
}

TEST_P(ObHandleTest, ReferenceByHandleChecksTheHandleTheTypeAndUserModeAccess)
{
    NTSTATUS Status[7];
    PVOID Objects[7];
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  POBJECT_TYPE Other = CreateTestType(L"Gadget");
                  HANDLE Handle;
                  PVOID Object;
                  ASSERT_EQ(InsertTestObject(Type, nullptr, 0, TestRead, &Handle, &Object), STATUS_SUCCESS);
                  struct {
                      HANDLE Handle;
                      ACCESS_MASK Access;
                      POBJECT_TYPE Type;
                      KPROCESSOR_MODE Mode;
                  } Cases[7] = {
                      {Handle, TestRead, Type, UserMode},     // granted
                      {Handle, TestWrite, Type, UserMode},    // not granted
                      {Handle, TestWrite, Type, KernelMode},  // kernel mode is not checked
                      {Handle, 0, Other, KernelMode},         // wrong type
                      {Handle, 0, nullptr, UserMode},         // any type
                      {nullptr, 0, nullptr, KernelMode},      // never a handle
                      {(HANDLE)((ULONG_PTR)Handle + 0x400), 0, nullptr, UserMode}, // not in use
                  };
                  for (int I = 0; I < 7; I++) {
                      Objects[I] = (PVOID)1;
                      Status[I] = ObReferenceObjectByHandle(Cases[I].Handle, Cases[I].Access, Cases[I].Type,
                                                            Cases[I].Mode, &Objects[I], nullptr);
                      if (NT_SUCCESS(Status[I])) {
                          EXPECT_EQ(Objects[I], Object);
                          ObDereferenceObject(Objects[I]);
                      }
                  }
                  EXPECT_EQ(HeaderOf(Object)->PointerCount, 1);
                  ObCloseHandle(Handle, KernelMode);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status[0], STATUS_SUCCESS);
    EXPECT_EQ(Status[1], STATUS_ACCESS_DENIED);
    EXPECT_EQ(Status[2], STATUS_SUCCESS);
    EXPECT_EQ(Status[3], STATUS_OBJECT_TYPE_MISMATCH);
    EXPECT_EQ(Status[4], STATUS_SUCCESS);
    EXPECT_EQ(Status[5], STATUS_INVALID_HANDLE);
    EXPECT_EQ(Status[6], STATUS_INVALID_HANDLE);
    for (int I : {1, 3, 5, 6})
        EXPECT_EQ(Objects[I], nullptr) << "a failed reference returns no object (case " << I << ")";
}

TEST_P(ObHandleTest, KernelHandlesAreInvisibleToUserMode)
{
    HANDLE Handle = nullptr;
    NTSTATUS UserReference = 0, KernelReference = 0, UserClose = 0, KernelClose = 0, SecondClose = 0;
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  ASSERT_EQ(InsertTestObject(Type, nullptr, OBJ_KERNEL_HANDLE, TestRead, &Handle), STATUS_SUCCESS);
                  PVOID Object;
                  UserReference = ObReferenceObjectByHandle(Handle, 0, Type, UserMode, &Object, nullptr);
                  KernelReference = ObReferenceObjectByHandle(Handle, 0, Type, KernelMode, &Object, nullptr);
                  if (NT_SUCCESS(KernelReference))
                      ObDereferenceObject(Object);
                  UserClose = ObCloseHandle(Handle, UserMode);
                  KernelClose = ObCloseHandle(Handle, KernelMode);
                  SecondClose = ObCloseHandle(Handle, UserMode);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(reinterpret_cast<ULONG_PTR>(Handle) & KERNEL_HANDLE_FLAG, KERNEL_HANDLE_FLAG);
    EXPECT_EQ(UserReference, STATUS_INVALID_HANDLE);
    EXPECT_EQ(KernelReference, STATUS_SUCCESS);
    EXPECT_EQ(UserClose, STATUS_INVALID_HANDLE);
    EXPECT_EQ(KernelClose, STATUS_SUCCESS);
    EXPECT_EQ(SecondClose, STATUS_INVALID_HANDLE);
}

TEST_P(ObHandleTest, ClosingAcceptsAnyValueFromUserModeAndOnlyNullOrPseudoHandlesFromKernelMode)
{
    NTSTATUS User[6], Kernel[3], Zw[2], Twice[2];
    ASSERT_EQ(RunInKernel([&] {
                  const HANDLE UserValues[6] = {nullptr, (HANDLE)(LONG_PTR)(LONG)0x80000000, (HANDLE)0x7FFFFFFF,
                                                NtCurrentProcess(), (HANDLE)123,
                                                (HANDLE)(LONG_PTR)(LONG)(123 | 0x80000000)};
                  for (int I = 0; I < 6; I++)
                      User[I] = ObCloseHandle(UserValues[I], UserMode);
                  const HANDLE KernelValues[3] = {nullptr, (HANDLE)(LONG_PTR)(LONG)0x80000000, NtCurrentThread()};
                  for (int I = 0; I < 3; I++)
                      Kernel[I] = ObCloseHandle(KernelValues[I], KernelMode);
                  Zw[0] = ZwClose(nullptr);
                  Zw[1] = NtClose(NtCurrentProcess());
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  HANDLE Handle;
                  ASSERT_EQ(InsertTestObject(Type, nullptr, 0, TestRead, &Handle), STATUS_SUCCESS);
                  Twice[0] = ZwClose(Handle);
                  Twice[1] = ObCloseHandle(Handle, UserMode);
              }),
              STATUS_SUCCESS);
    for (NTSTATUS Status : User)
        EXPECT_EQ(Status, STATUS_INVALID_HANDLE);
    for (NTSTATUS Status : Kernel)
        EXPECT_EQ(Status, STATUS_INVALID_HANDLE);
    EXPECT_EQ(Zw[0], STATUS_INVALID_HANDLE);
    EXPECT_EQ(Zw[1], STATUS_INVALID_HANDLE);
    EXPECT_EQ(Twice[0], STATUS_SUCCESS);
    EXPECT_EQ(Twice[1], STATUS_INVALID_HANDLE) << "already closed";
}

TEST_P(ObHandleTest, AProtectedHandleIsNotClosableUntilTheProtectionGoes)
{
    ResetDeleteCounters();
    NTSTATUS SetStatus = 0, Refused = 0, Cleared = 0, Closed = 0, BadHandle = 0;
    ULONG Attributes = 0;
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  HANDLE Handle;
                  ASSERT_EQ(InsertTestObject(Type, nullptr, 0, TestRead, &Handle), STATUS_SUCCESS);
                  OBJECT_HANDLE_ATTRIBUTE_INFORMATION Flags = {TRUE, TRUE};
                  SetStatus = ObSetHandleAttributes(Handle, &Flags, KernelMode);
                  PVOID Object;
                  OBJECT_HANDLE_INFORMATION Info{};
                  ASSERT_EQ(ObReferenceObjectByHandle(Handle, TestRead, Type, UserMode, &Object, &Info), STATUS_SUCCESS);
                  ObDereferenceObject(Object);
                  Attributes = Info.HandleAttributes;
                  EXPECT_EQ(Info.GrantedAccess, TestRead) << "protection is not an access right";
                  Refused = ObCloseHandle(Handle, UserMode);
                  Flags.ProtectFromClose = FALSE;
                  Cleared = ObSetHandleAttributes(Handle, &Flags, KernelMode);
                  Closed = ObCloseHandle(Handle, UserMode);
                  BadHandle = ObSetHandleAttributes(Handle, &Flags, KernelMode);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(SetStatus, STATUS_SUCCESS);
    EXPECT_EQ(Attributes, (ULONG)(OBJ_INHERIT | OBJ_PROTECT_CLOSE));
    EXPECT_EQ(Refused, STATUS_HANDLE_NOT_CLOSABLE);
    EXPECT_EQ(Cleared, STATUS_SUCCESS);
    EXPECT_EQ(Closed, STATUS_SUCCESS);
    EXPECT_EQ(BadHandle, STATUS_INVALID_HANDLE);
    EXPECT_EQ(DeleteCalls, 1);
}

BOOLEAN NTAPI RefuseClose(PEPROCESS, PVOID, HANDLE, KPROCESSOR_MODE Mode) { return Mode == KernelMode; }

TEST_P(ObHandleTest, TheOkayToCloseProcedureCanRefuseAClose)
{
    NTSTATUS Refused = 0, Allowed = 0;
    ASSERT_EQ(RunInKernel([&] {
                  OBJECT_TYPE_INITIALIZER Init = TestInitializer();
                  Init.OkayToCloseProcedure = RefuseClose;
                  POBJECT_TYPE Type = CreateTestType(L"Widget", Init);
                  HANDLE Handle;
                  ASSERT_EQ(InsertTestObject(Type, nullptr, 0, TestRead, &Handle), STATUS_SUCCESS);
                  Refused = ObCloseHandle(Handle, UserMode);
                  Allowed = ObCloseHandle(Handle, KernelMode);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Refused, STATUS_HANDLE_NOT_CLOSABLE);
    EXPECT_EQ(Allowed, STATUS_SUCCESS);
}

struct ProcedureCall {
    bool Open;
    OB_OPEN_REASON Reason;
    ULONG ProcessCount;
    ULONG SystemCount;
    ACCESS_MASK Access;
};
std::vector<ProcedureCall> *Calls;

NTSTATUS NTAPI RecordOpen(OB_OPEN_REASON Reason, PEPROCESS, PVOID, ACCESS_MASK Access, ULONG HandleCount)
{
    Calls->push_back({true, Reason, HandleCount, 0, Access});
    return STATUS_SUCCESS;
}

VOID NTAPI RecordClose(PEPROCESS, PVOID, ACCESS_MASK Access, ULONG ProcessHandleCount, ULONG SystemHandleCount)
{
    Calls->push_back({false, ObMaxOpenReason, ProcessHandleCount, SystemHandleCount, Access});
}

TEST_P(ObHandleTest, OpenAndCloseProceduresSeeTheHandleCounts)
{
    std::vector<ProcedureCall> Recorded;
    Calls = &Recorded;
    ASSERT_EQ(RunInKernel([&] {
                  OBJECT_TYPE_INITIALIZER Init = TestInitializer();
                  Init.MaintainHandleCount = TRUE;
                  Init.OpenProcedure = RecordOpen;
                  Init.CloseProcedure = RecordClose;
                  POBJECT_TYPE Type = CreateTestType(L"Widget", Init);
                  HANDLE First, Second;
                  PVOID Object;
                  ASSERT_EQ(InsertTestObject(Type, nullptr, 0, TestRead, &First, &Object), STATUS_SUCCESS);
                  ObReferenceObject(Object);
                  ASSERT_EQ(ObpCreateUnnamedHandle(Object, TestWrite, 0, 0, KernelMode, nullptr, &Second), STATUS_SUCCESS);
                  ObCloseHandle(First, KernelMode);
                  ObCloseHandle(Second, KernelMode);
              }),
              STATUS_SUCCESS);
    ASSERT_EQ(Recorded.size(), 4u);
    EXPECT_TRUE(Recorded[0].Open);
    EXPECT_EQ(Recorded[0].Reason, ObCreateHandle);
    EXPECT_EQ(Recorded[0].ProcessCount, 1u);
    EXPECT_EQ(Recorded[1].ProcessCount, 2u) << "the second handle of the same process";
    EXPECT_FALSE(Recorded[2].Open);
    EXPECT_EQ(Recorded[2].ProcessCount, 2u) << "close procedures see the counts before the close";
    EXPECT_EQ(Recorded[2].SystemCount, 2u);
    EXPECT_EQ(Recorded[2].Access, TestRead);
    EXPECT_EQ(Recorded[3].ProcessCount, 1u);
    EXPECT_EQ(Recorded[3].SystemCount, 1u);
}

TEST_P(ObHandleTest, AChildInheritsOnlyInheritableHandlesAndItsRundownClosesThem)
{
    ResetDeleteCounters();
    NTSTATUS InitStatus = 0;
    bool InheritedSame = false, PlainMissing = false;
    LONG_PTR HandlesAfterInherit = 0, HandlesAfterKill = 0;
    ULONG ChildCount = 0;
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  HANDLE Inheritable, Plain;
                  PVOID Object;
                  ASSERT_EQ(InsertTestObject(Type, nullptr, OBJ_INHERIT, TestRead, &Inheritable, &Object), STATUS_SUCCESS);
                  ASSERT_EQ(InsertTestObject(Type, nullptr, 0, TestRead, &Plain), STATUS_SUCCESS);
                  auto *Child = static_cast<PEPROCESS>(ExAllocatePoolWithTag(NonPagedPool, sizeof(EPROCESS), 'tseT'));
                  RtlZeroMemory(Child, sizeof(EPROCESS));
                  KeInitializeProcess(&Child->Pcb, 8, KeActiveProcessors, nullptr, FALSE);
                  ExInitializeRundownProtection(&Child->RundownProtect);
                  InitStatus = ObInitProcess(PsInitialSystemProcess, Child);
                  ChildCount = ObGetProcessHandleCount(Child);
                  KAPC_STATE ApcState;
                  KeStackAttachProcess(&Child->Pcb, &ApcState);
                  PVOID Found = nullptr;
                  InheritedSame = NT_SUCCESS(ObReferenceObjectByHandle(Inheritable, TestRead, Type, UserMode, &Found,
                                                                      nullptr)) &&
                                  Found == Object;
                  if (Found)
                      ObDereferenceObject(Found);
                  PlainMissing = ObReferenceObjectByHandle(Plain, 0, nullptr, UserMode, &Found, nullptr) ==
                                     STATUS_INVALID_HANDLE;
                  HandlesAfterInherit = HeaderOf(Object)->HandleCount;
                  ObKillProcess(Child);
                  KeUnstackDetachProcess(&ApcState);
                  HandlesAfterKill = HeaderOf(Object)->HandleCount;
                  RemoveEntryList(&Child->Pcb.ProcessListEntry);
                  ExFreePoolWithTag(Child, 'tseT');
                  ObCloseHandle(Inheritable, KernelMode);
                  ObCloseHandle(Plain, KernelMode);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(InitStatus, STATUS_SUCCESS);
    EXPECT_EQ(ChildCount, 1u);
    EXPECT_TRUE(InheritedSame) << "the same handle value names the same object in the child";
    EXPECT_TRUE(PlainMissing);
    EXPECT_EQ(HandlesAfterInherit, 2);
    EXPECT_EQ(HandlesAfterKill, 1);
    EXPECT_EQ(DeleteCalls, 2);
}

TEST_P(ObHandleTest, DuplicatesTakeTheAskedOrTheSameAccessAndAttributes)
{
    struct Case {
        ACCESS_MASK Desired;
        ULONG Attributes;
        ULONG Options;
        ACCESS_MASK Granted;
        ULONG GotAttributes;
    };
    const Case Cases[] = {
        {TestRead, 0, 0, TestRead, 0},
        {GENERIC_EXECUTE, OBJ_INHERIT, 0, STANDARD_RIGHTS_EXECUTE | TestExecute, OBJ_INHERIT},
        {TestRead, OBJ_INHERIT, DUPLICATE_SAME_ACCESS, TestRead | TestWrite, OBJ_INHERIT},
        {TestRead, OBJ_INHERIT, DUPLICATE_SAME_ATTRIBUTES, TestRead, 0},
        {TestRead, OBJ_KERNEL_HANDLE, 0, TestRead, 0},
    };
    NTSTATUS Status[5], BadOptions = 0, ClosedSource = 0, SourceAfterClose = 0;
    ACCESS_MASK Granted[5] = {};
    ULONG Attributes[5] = {};
    bool Kernel[5] = {};
    LONG_PTR HandlesAtEnd = -1;
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  HANDLE Source;
                  PVOID Object;
                  ASSERT_EQ(InsertTestObject(Type, nullptr, 0, TestRead | TestWrite, &Source, &Object), STATUS_SUCCESS);
                  PEPROCESS System = PsInitialSystemProcess;
                  for (int I = 0; I < 5; I++) {
                      HANDLE Copy = nullptr;
                      Status[I] = ObDuplicateObject(System, Source, System, &Copy, Cases[I].Desired,
                                                    Cases[I].Attributes, Cases[I].Options, KernelMode);
                      PVOID Found;
                      OBJECT_HANDLE_INFORMATION Info{};
                      if (NT_SUCCESS(ObReferenceObjectByHandle(Copy, 0, Type, KernelMode, &Found, &Info))) {
                          EXPECT_EQ(Found, Object);
                          ObDereferenceObject(Found);
                      }
                      Granted[I] = Info.GrantedAccess;
                      Attributes[I] = Info.HandleAttributes;
                      Kernel[I] = ((ULONG_PTR)Copy & KERNEL_HANDLE_FLAG) == KERNEL_HANDLE_FLAG;
                      ObCloseHandle(Copy, KernelMode);
                  }
                  HANDLE Copy;
                  BadOptions = ObDuplicateObject(System, Source, System, &Copy, 0, 0, 0x8, KernelMode);
                  ClosedSource = ObDuplicateObject(System, Source, System, &Copy, 0, 0,
                                                   DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE, KernelMode);
                  PVOID Found;
                  SourceAfterClose = ObReferenceObjectByHandle(Source, 0, nullptr, KernelMode, &Found, nullptr);
                  HandlesAtEnd = HeaderOf(Object)->HandleCount;
                  ObCloseHandle(Copy, KernelMode);
              }),
              STATUS_SUCCESS);
    for (int I = 0; I < 5; I++) {
        EXPECT_EQ(Status[I], STATUS_SUCCESS) << I;
        EXPECT_EQ(Granted[I], Cases[I].Granted) << I;
        EXPECT_EQ(Attributes[I], Cases[I].GotAttributes) << I;
    }
    EXPECT_TRUE(Kernel[4]) << "kernel mode duplicating into the System process may ask for a kernel handle";
    EXPECT_EQ(BadOptions, STATUS_INVALID_PARAMETER);
    EXPECT_EQ(ClosedSource, STATUS_SUCCESS);
    EXPECT_EQ(SourceAfterClose, STATUS_INVALID_HANDLE);
    EXPECT_EQ(HandlesAtEnd, 1);
}

TEST_P(ObHandleTest, OneThreadClosesAHandleWhileOthersReferenceThroughIt)
{
    ResetDeleteCounters();
    std::atomic<int> Succeeded{0}, Invalid{0}, Other{0};
    NTSTATUS CloseStatus = 0;
    ASSERT_EQ(RunInKernel([&] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  HANDLE Handle;
                  ASSERT_EQ(InsertTestObject(Type, nullptr, 0, TestRead, &Handle), STATUS_SUCCESS);
                  volatile LONG Closed = 0;
                  std::function<void()> Referencer = [&] {
                      for (int I = 0; I < 200; I++) {
                          BOOLEAN After = ReadShared(Closed) != 0;
                          PVOID Object;
                          NTSTATUS Status = ObReferenceObjectByHandle(Handle, TestRead, Type, UserMode, &Object, nullptr);
                          if (NT_SUCCESS(Status)) {
                              EXPECT_FALSE(After) << "referenced through a handle already closed";
                              Succeeded++;
                              ObDereferenceObject(Object);
                          } else if (Status == STATUS_INVALID_HANDLE) {
                              Invalid++;
                          } else {
                              Other++;
                          }
                          if (I % 16 == 0)
                              YieldExecution();
                      }
                  };
                  PETHREAD Threads[3];
                  for (PETHREAD &Thread : Threads)
                      Thread = StartKernelThread(&Referencer);
                  for (int I = 0; I < 20; I++)
                      YieldExecution();
                  CloseStatus = ObCloseHandle(Handle, UserMode);
                  InterlockedExchange(&Closed, 1);
                  for (PETHREAD Thread : Threads)
                      JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(CloseStatus, STATUS_SUCCESS);
    EXPECT_EQ(Succeeded + Invalid, 600);
    EXPECT_EQ(Other, 0);
    EXPECT_EQ(DeleteCalls, 1) << "deleted once, after the last reference";
}

NTOS_INSTANTIATE_ALL_MODES(ObHandleTest);

class ObHandleDeathTest : public KernelDeathTest {};

TEST_F(ObHandleDeathTest, KernelModeClosingAValueThatIsNoHandleBugchecks)
{
    EXPECT_DEATH(BootAndRun([] { ObCloseHandle((HANDLE)0x7B, KernelMode); }),
                 "STOP: 0x00000093(.|\n)*INVALID_KERNEL_HANDLE");
}

TEST_F(ObHandleDeathTest, KernelModeClosingAProtectedHandleBugchecks)
{
    EXPECT_DEATH(BootAndRun([] {
                     POBJECT_TYPE Type = CreateTestType(L"Widget");
                     HANDLE Handle;
                     InsertTestObject(Type, nullptr, 0, TestRead, &Handle);
                     OBJECT_HANDLE_ATTRIBUTE_INFORMATION Flags = {FALSE, TRUE};
                     ObSetHandleAttributes(Handle, &Flags, KernelMode);
                     ObCloseHandle(Handle, KernelMode);
                 }),
                 "STOP: 0x00000093(.|\n)*INVALID_KERNEL_HANDLE");
}

TEST(ObHandleLeaks, AKernelHandleLeftOpenIsALeakAtShutdown)
{
    NTOS_BOOT_OPTIONS Options = BootOptions({true, 2, 7});
    ASSERT_EQ(NtosBoot(&Options), STATUS_SUCCESS);
    ASSERT_EQ(RunInKernel([] {
                  POBJECT_TYPE Type = CreateTestType(L"Widget");
                  HANDLE Handle;
                  EXPECT_EQ(InsertTestObject(Type, nullptr, OBJ_KERNEL_HANDLE, TestRead, &Handle), STATUS_SUCCESS);
              }),
              STATUS_SUCCESS);
    testing::internal::CaptureStderr();
    NTSTATUS Status = NtosShutdown();
    std::string Report = testing::internal::GetCapturedStderr();
    EXPECT_EQ(Status, STATUS_UNSUCCESSFUL);
    EXPECT_NE(Report.find("was never closed"), std::string::npos) << Report;
}

} // namespace
