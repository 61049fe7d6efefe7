// Opening and creating processes and threads in every machine mode: NtOpenProcess and
// NtOpenThread by CLIENT_ID (a process's own id, a thread's id with or without its
// process's, mismatched and dead ids, the name/CID mix rule), ZwCreateProcessEx's
// parameter checks and handle inheritance, and pseudo-handles for the caller.
#include "ps_test.h"

using namespace ntos_test;
using namespace ps_test;

namespace {

class PsOpenTest : public KernelTest {};

OBJECT_ATTRIBUTES KernelAttributes(ULONG Extra = 0)
{
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, nullptr, OBJ_KERNEL_HANDLE | Extra, nullptr, nullptr);
    return Attributes;
}

// The object a kernel handle names and the access it grants; NULL for no handle.
PVOID ObjectOf(HANDLE Handle, ACCESS_MASK *Granted = nullptr)
{
    PVOID Object = nullptr;
    OBJECT_HANDLE_INFORMATION Info{};
    if (!NT_SUCCESS(ObReferenceObjectByHandle(Handle, 0, nullptr, KernelMode, &Object, &Info)))
        return nullptr;
    ObDereferenceObject(Object);
    if (Granted)
        *Granted = Info.GrantedAccess;
    return Object;
}

TEST_P(PsOpenTest, NtOpenProcessByIdGivesAHandleWithTheAccessAsked)
{
    KernelChecks Checks;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Child;
                  ASSERT_EQ(CreateProcess(&Child), STATUS_SUCCESS);
                  PEPROCESS Process = static_cast<PEPROCESS>(ObjectOf(Child));
                  OBJECT_ATTRIBUTES Attributes = KernelAttributes();
                  CLIENT_ID Cid = {PsGetProcessId(Process), nullptr};
                  HANDLE Opened = nullptr;
                  Checks.Expect(ZwOpenProcess(&Opened, PROCESS_QUERY_INFORMATION, &Attributes, &Cid) == STATUS_SUCCESS,
                                "opened by id");
                  ACCESS_MASK Granted = 0;
                  Checks.Expect(ObjectOf(Opened, &Granted) == Process, "the same process");
                  Checks.Expect(Granted == PROCESS_QUERY_INFORMATION, "the access asked");
                  ZwClose(Opened);
                  HANDLE Bogus = reinterpret_cast<HANDLE>(1);
                  Cid.UniqueProcess = reinterpret_cast<HANDLE>(0x7FFC);
                  Checks.Expect(ZwOpenProcess(&Bogus, PROCESS_ALL_ACCESS, &Attributes, &Cid) == STATUS_INVALID_PARAMETER,
                                "no process has that id");
                  Checks.Expect(ZwOpenProcess(&Bogus, PROCESS_ALL_ACCESS, &Attributes, nullptr) ==
                                    STATUS_INVALID_PARAMETER_MIX,
                                "neither a name nor a CID");
                  UNICODE_STRING Name;
                  RtlInitUnicodeString(&Name, L"\\Nowhere");
                  OBJECT_ATTRIBUTES Named;
                  InitializeObjectAttributes(&Named, &Name, OBJ_KERNEL_HANDLE, nullptr, nullptr);
                  Cid.UniqueProcess = PsGetProcessId(Process);
                  Checks.Expect(ZwOpenProcess(&Bogus, PROCESS_ALL_ACCESS, &Named, &Cid) == STATUS_INVALID_PARAMETER_MIX,
                                "both a name and a CID");
                  Checks.Expect(Bogus == reinterpret_cast<HANDLE>(1), "a failed open leaves the caller's handle");
                  ZwClose(Child);
                  Checks.Expect(ZwOpenProcess(&Bogus, PROCESS_ALL_ACCESS, &Attributes, &Cid) == STATUS_INVALID_PARAMETER,
                                "the id died with the process");
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Checks.Count, 8);
    EXPECT_TRUE(Checks.Failures.empty()) << Checks.Report();
}

TEST_P(PsOpenTest, NtOpenThreadByIdChecksTheProcessPartOfTheCid)
{
    KernelChecks Checks;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Release;
                  KeInitializeEvent(&Release, NotificationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      KeWaitForSingleObject(&Release, Executive, KernelMode, FALSE, nullptr);
                  };
                  HANDLE Thread;
                  CLIENT_ID Cid;
                  ASSERT_EQ(StartThreadIn(nullptr, &Body, &Thread, &Cid), STATUS_SUCCESS);
                  PVOID Object = ObjectOf(Thread);
                  OBJECT_ATTRIBUTES Attributes = KernelAttributes();
                  HANDLE Opened = nullptr;
                  CLIENT_ID ThreadOnly = {nullptr, Cid.UniqueThread};
                  Checks.Expect(ZwOpenThread(&Opened, SYNCHRONIZE, &Attributes, &ThreadOnly) == STATUS_SUCCESS &&
                                    ObjectOf(Opened) == Object,
                                "by thread id alone");
                  ZwClose(Opened);
                  Checks.Expect(ZwOpenThread(&Opened, SYNCHRONIZE, &Attributes, &Cid) == STATUS_SUCCESS &&
                                    ObjectOf(Opened) == Object,
                                "by the whole CID");
                  ZwClose(Opened);
                  HANDLE Child;
                  ASSERT_EQ(CreateProcess(&Child), STATUS_SUCCESS);
                  CLIENT_ID Mismatch = {PsGetProcessId(static_cast<PEPROCESS>(ObjectOf(Child))), Cid.UniqueThread};
                  Checks.Expect(ZwOpenThread(&Opened, SYNCHRONIZE, &Attributes, &Mismatch) == STATUS_INVALID_CID,
                                "a thread of another process");
                  CLIENT_ID ProcessById = {nullptr, Cid.UniqueThread};
                  HANDLE ItsProcess = nullptr;
                  ProcessById.UniqueProcess = Cid.UniqueProcess;
                  Checks.Expect(ZwOpenProcess(&ItsProcess, SYNCHRONIZE, &Attributes, &ProcessById) == STATUS_SUCCESS &&
                                    ObjectOf(ItsProcess) == PsInitialSystemProcess,
                                "a process opened through one of its threads");
                  ZwClose(ItsProcess);
                  Checks.Expect(ZwOpenProcess(&ItsProcess, SYNCHRONIZE, &Attributes, &Mismatch) == STATUS_INVALID_CID,
                                "a process whose CID names another's thread");
                  ZwClose(Child);
                  KeSetEvent(&Release, 0, FALSE);
                  WaitHandle(Thread);
                  PETHREAD Referenced = Reference<ETHREAD>(Thread, *PsThreadType);
                  ZwClose(Thread);
                  JoinKernelThread(Referenced);
                  Checks.Expect(ZwOpenThread(&Opened, SYNCHRONIZE, &Attributes, &ThreadOnly) == STATUS_INVALID_PARAMETER,
                                "the id died with the thread");
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Checks.Count, 6);
    EXPECT_TRUE(Checks.Failures.empty()) << Checks.Report();
}

TEST_P(PsOpenTest, PseudoHandlesNameTheCallersProcessAndThread)
{
    PVOID Process = nullptr, Thread = nullptr, Mismatch = reinterpret_cast<PVOID>(1);
    NTSTATUS MismatchStatus = STATUS_PENDING;
    PVOID ExpectedProcess = nullptr, ExpectedThread = nullptr;
    ASSERT_EQ(RunInKernel([&] {
                  ExpectedProcess = PsGetCurrentProcess();
                  ExpectedThread = PsGetCurrentThread();
                  Process = Reference<EPROCESS>(NtCurrentProcess(), *PsProcessType);
                  Thread = Reference<ETHREAD>(NtCurrentThread(), *PsThreadType);
                  MismatchStatus = ObReferenceObjectByHandle(NtCurrentThread(), 0, *PsProcessType, KernelMode,
                                                             &Mismatch, nullptr);
                  ObDereferenceObject(Process);
                  ObDereferenceObject(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Process, ExpectedProcess);
    EXPECT_EQ(Thread, ExpectedThread);
    EXPECT_EQ(MismatchStatus, STATUS_OBJECT_TYPE_MISMATCH);
    EXPECT_EQ(Mismatch, nullptr);
}

TEST_P(PsOpenTest, CreateProcessExChecksItsParametersAndInheritsHandlesWhenAsked)
{
    KernelChecks Checks;
    ASSERT_EQ(RunInKernel([&] {
                  OBJECT_ATTRIBUTES Attributes = KernelAttributes();
                  HANDLE Child = nullptr;
                  Checks.Expect(ZwCreateProcessEx(&Child, PROCESS_ALL_ACCESS, &Attributes, nullptr, 0, nullptr, nullptr,
                                                  nullptr, FALSE) == STATUS_INVALID_PARAMETER,
                                "a parent is required");
                  Checks.Expect(ZwCreateProcessEx(&Child, PROCESS_ALL_ACCESS, &Attributes, NtCurrentProcess(), 0x100,
                                                  nullptr, nullptr, nullptr, FALSE) == STATUS_INVALID_PARAMETER,
                                "unknown flags");
                  Checks.Expect(ZwCreateProcessEx(&Child, PROCESS_ALL_ACCESS, &Attributes,
                                                  reinterpret_cast<HANDLE>(0x7FF0), 0, nullptr, nullptr, nullptr,
                                                  FALSE) == STATUS_INVALID_HANDLE,
                                "a bogus parent handle");

                  // A parent with one inheritable and one private handle to a target.
                  HANDLE Parent, Target;
                  ASSERT_EQ(CreateProcess(&Parent), STATUS_SUCCESS);
                  ASSERT_EQ(CreateProcess(&Target), STATUS_SUCCESS);
                  auto *ParentObject = static_cast<PEPROCESS>(ObjectOf(Parent));
                  PVOID TargetObject = ObjectOf(Target);
                  KAPC_STATE ApcState;
                  KeStackAttachProcess(&ParentObject->Pcb, &ApcState);
                  HANDLE Inheritable = nullptr, Private = nullptr;
                  ObOpenObjectByPointer(TargetObject, OBJ_INHERIT, nullptr, SYNCHRONIZE, *PsProcessType, KernelMode,
                                        &Inheritable);
                  ObOpenObjectByPointer(TargetObject, 0, nullptr, SYNCHRONIZE, *PsProcessType, KernelMode, &Private);
                  KeUnstackDetachProcess(&ApcState);

                  for (ULONG Flags : {ULONG(0), ULONG(PROCESS_CREATE_FLAGS_INHERIT_HANDLES)}) {
                      HANDLE Grandchild;
                      ASSERT_EQ(ZwCreateProcessEx(&Grandchild, PROCESS_ALL_ACCESS, &Attributes, Parent, Flags, nullptr,
                                                  nullptr, nullptr, FALSE),
                                STATUS_SUCCESS);
                      auto *Object = static_cast<PEPROCESS>(ObjectOf(Grandchild));
                      Checks.Expect(Object->InheritedFromUniqueProcessId == PsGetProcessId(ParentObject),
                                    "the parent's id is recorded");
                      ULONG Expected = Flags ? 1u : 0u;
                      Checks.Expect(ObGetProcessHandleCount(Object) == Expected,
                                    Flags ? "the inheritable handle is copied" : "nothing is inherited without the flag");
                      KeStackAttachProcess(&Object->Pcb, &ApcState);
                      PVOID Inherited = nullptr;
                      NTSTATUS Status = ObReferenceObjectByHandle(Inheritable, 0, *PsProcessType, KernelMode,
                                                                  &Inherited, nullptr);
                      KeUnstackDetachProcess(&ApcState);
                      Checks.Expect(Flags ? (Status == STATUS_SUCCESS && Inherited == TargetObject)
                                          : Status == STATUS_INVALID_HANDLE,
                                    "the same value names the same object in the child");
                      if (Inherited)
                          ObDereferenceObject(Inherited);
                      ZwClose(Grandchild);
                  }
                  ZwClose(Target);
                  ZwClose(Parent);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Checks.Count, 9);
    EXPECT_TRUE(Checks.Failures.empty()) << Checks.Report();
}

NTOS_INSTANTIATE_ALL_MODES(PsOpenTest);

} // namespace
