// NtDuplicateObject in every machine mode: the source's access or less, generic
// rights mapped, DUPLICATE_CLOSE_SOURCE (alone, and when the duplication fails),
// DUPLICATE_SAME_ATTRIBUTES, a handle carried into another process and back, and for
// user-mode callers PROCESS_DUP_HANDLE, invalid and kernel source handles, and a bad
// TargetHandle pointer. After what ReactOS's ntoskrnl/ob/obhandle.c does.
#include "../mm/mm_test.h"
#include "ob_test.h"

using namespace ntos_test;

namespace {

class ObDuplicateTest : public KernelTest {};

const HANDLE Bogus = reinterpret_cast<HANDLE>(0x7FFC);

// Inside the kernel: what Mode sees of Handle (its object, access and attributes);
// the reference's status.
NTSTATUS Inspect(HANDLE Handle, KPROCESSOR_MODE Mode, OBJECT_HANDLE_INFORMATION *Info = nullptr,
                 PVOID *Object = nullptr)
{
    PVOID Referenced = nullptr;
    OBJECT_HANDLE_INFORMATION Local{};
    NTSTATUS Status = ObReferenceObjectByHandle(Handle, 0, nullptr, Mode, &Referenced, Info ? Info : &Local);
    if (NT_SUCCESS(Status))
        ObDereferenceObject(Referenced);
    if (Object)
        *Object = Referenced;
    return Status;
}

// Inside the kernel: a system thread that has ended, by its kernel handle.
HANDLE ExitedThread()
{
    static const std::function<void()> Exit = [] {};
    HANDLE Handle = nullptr;
    if (NT_SUCCESS(ps_test::StartThreadIn(nullptr, &Exit, &Handle)))
        ZwWaitForSingleObject(Handle, FALSE, nullptr);
    return Handle;
}

// Inside the kernel: a handle in the current (attached) process's table to Object.
HANDLE OpenHere(PVOID Object, ACCESS_MASK Access, POBJECT_TYPE Type)
{
    HANDLE Handle = nullptr;
    ObOpenObjectByPointer(Object, 0, nullptr, Access, Type, KernelMode, &Handle);
    return Handle;
}

LONG_PTR HandleCountOf(PVOID Object) { return __atomic_load_n(&HeaderOf(Object)->HandleCount, __ATOMIC_ACQUIRE); }

TEST_P(ObDuplicateTest, TheDuplicateHasTheSourcesAccessOrWhatWasAsked)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Source = ExitedThread();
                  PETHREAD Thread = ps_test::Reference<ETHREAD>(Source, *PsThreadType);
                  OBJECT_HANDLE_INFORMATION SourceInfo{}, Info{};
                  Inspect(Source, KernelMode, &SourceInfo);
                  LONG_PTR Handles = HandleCountOf(Thread);
                  HANDLE Same = nullptr, Less = nullptr, Generic = nullptr;
                  C.Expect(ZwDuplicateObject(NtCurrentProcess(), Source, NtCurrentProcess(), &Same, 0,
                                             OBJ_KERNEL_HANDLE, DUPLICATE_SAME_ACCESS) == STATUS_SUCCESS,
                           "same access");
                  PVOID Object = nullptr;
                  C.Expect(Inspect(Same, KernelMode, &Info, &Object) == STATUS_SUCCESS && Object == Thread &&
                               Info.GrantedAccess == SourceInfo.GrantedAccess,
                           "the same object, the source's access");
                  C.Expect(Same != Source && ObpIsKernelHandle(Same, KernelMode), "a new kernel handle");
                  C.Expect(HandleCountOf(Thread) == Handles + 1, "one handle more");
                  C.Expect(ZwDuplicateObject(NtCurrentProcess(), Source, NtCurrentProcess(), &Less,
                                             SYNCHRONIZE | THREAD_QUERY_INFORMATION, OBJ_KERNEL_HANDLE,
                                             0) == STATUS_SUCCESS,
                           "reduced access");
                  C.Expect(Inspect(Less, KernelMode, &Info) == STATUS_SUCCESS &&
                               Info.GrantedAccess == (SYNCHRONIZE | THREAD_QUERY_INFORMATION),
                           "exactly the access asked");
                  C.Expect(ZwDuplicateObject(NtCurrentProcess(), Source, NtCurrentProcess(), &Generic, GENERIC_READ,
                                             OBJ_KERNEL_HANDLE, 0) == STATUS_SUCCESS,
                           "generic access");
                  ACCESS_MASK Read = (*PsThreadType)->TypeInfo.GenericMapping.GenericRead &
                                     (*PsThreadType)->TypeInfo.ValidAccessMask;
                  C.Expect(Inspect(Generic, KernelMode, &Info) == STATUS_SUCCESS && Info.GrantedAccess == Read,
                           "GENERIC_READ mapped through the type");
                  for (HANDLE Handle : {Same, Less, Generic, Source})
                      ZwClose(Handle);
                  ObDereferenceObject(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ObDuplicateTest, CloseSourceClosesItEvenWhenTheDuplicationFails)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Source = ExitedThread();
                  PETHREAD Thread = ps_test::Reference<ETHREAD>(Source, *PsThreadType);
                  LONG_PTR Handles = HandleCountOf(Thread);
                  HANDLE Moved = nullptr;
                  C.Expect(ZwDuplicateObject(NtCurrentProcess(), Source, NtCurrentProcess(), &Moved, 0,
                                             OBJ_KERNEL_HANDLE,
                                             DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE) == STATUS_SUCCESS,
                           "moved");
                  C.Expect(Inspect(Source, KernelMode) == STATUS_INVALID_HANDLE, "the source is closed");
                  C.Expect(Inspect(Moved, KernelMode) == STATUS_SUCCESS, "the duplicate is valid");
                  C.Expect(HandleCountOf(Thread) == Handles, "as many handles as before");
                  C.Expect(ZwDuplicateObject(NtCurrentProcess(), Moved, nullptr, nullptr, 0, 0, 0) ==
                               STATUS_INVALID_PARAMETER,
                           "no target and no close");
                  C.Expect(Inspect(Moved, KernelMode) == STATUS_SUCCESS, "nothing closed");
                  HANDLE Out = Bogus;
                  C.Expect(ZwDuplicateObject(NtCurrentProcess(), Moved, Bogus, &Out, 0, OBJ_KERNEL_HANDLE,
                                             DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE) == STATUS_INVALID_HANDLE,
                           "an invalid target process");
                  C.Expect(Out == nullptr, "no handle returned");
                  C.Expect(Inspect(Moved, KernelMode) == STATUS_INVALID_HANDLE, "the source closed anyway");
                  HANDLE Again = nullptr, Other = ExitedThread();
                  ZwDuplicateObject(NtCurrentProcess(), Other, NtCurrentProcess(), &Again, 0, OBJ_KERNEL_HANDLE,
                                    DUPLICATE_SAME_ACCESS);
                  C.Expect(ZwDuplicateObject(NtCurrentProcess(), Again, Other, &Out, 0, OBJ_KERNEL_HANDLE,
                                             DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE) ==
                               STATUS_OBJECT_TYPE_MISMATCH,
                           "a target that is no process");
                  C.Expect(Inspect(Again, KernelMode) == STATUS_INVALID_HANDLE, "closed too");
                  C.Expect(ZwDuplicateObject(NtCurrentProcess(), Other, nullptr, nullptr, 0, 0,
                                             DUPLICATE_CLOSE_SOURCE) == STATUS_SUCCESS,
                           "no target: only the close");
                  C.Expect(Inspect(Other, KernelMode) == STATUS_INVALID_HANDLE, "closed by the close-only call");
                  C.Expect(HandleCountOf(Thread) == Handles - 1, "the thread's handles all closed");
                  ObDereferenceObject(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ObDuplicateTest, SameAttributesKeepsInheritance)
{
    KernelChecks C;
    ASSERT_EQ(RunWithUserProcess(C, [&](PEPROCESS Process) {
                  HANDLE Kernel = ExitedThread();
                  PETHREAD Thread = ps_test::Reference<ETHREAD>(Kernel, *PsThreadType);
                  Attach InProcess(Process);
                  HANDLE Plain = OpenHere(Thread, THREAD_ALL_ACCESS, *PsThreadType);
                  HANDLE Inherit = nullptr, Kept = nullptr, Dropped = nullptr;
                  OBJECT_HANDLE_INFORMATION Info{};
                  ZwDuplicateObject(NtCurrentProcess(), Plain, NtCurrentProcess(), &Inherit, 0, OBJ_INHERIT,
                                    DUPLICATE_SAME_ACCESS);
                  C.Expect(Inspect(Inherit, UserMode, &Info) == STATUS_SUCCESS && (Info.HandleAttributes & OBJ_INHERIT),
                           "OBJ_INHERIT asked");
                  ZwDuplicateObject(NtCurrentProcess(), Inherit, NtCurrentProcess(), &Kept, 0, 0,
                                    DUPLICATE_SAME_ACCESS | DUPLICATE_SAME_ATTRIBUTES);
                  C.Expect(Inspect(Kept, UserMode, &Info) == STATUS_SUCCESS && (Info.HandleAttributes & OBJ_INHERIT),
                           "OBJ_INHERIT kept");
                  ZwDuplicateObject(NtCurrentProcess(), Inherit, NtCurrentProcess(), &Dropped, 0, 0,
                                    DUPLICATE_SAME_ACCESS);
                  C.Expect(Inspect(Dropped, UserMode, &Info) == STATUS_SUCCESS &&
                               !(Info.HandleAttributes & OBJ_INHERIT),
                           "OBJ_INHERIT not asked");
                  C.Expect(ObGetProcessHandleCount(Process) == 4, "four handles in the process");
                  for (HANDLE Handle : {Plain, Inherit, Kept, Dropped})
                      ZwClose(Handle);
                  ZwClose(Kernel);
                  ObDereferenceObject(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ObDuplicateTest, AHandleCarriedIntoAnotherProcessIsValidThereOnly)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE A = nullptr, B = nullptr;
                  ps_test::CreateProcess(&A);
                  ps_test::CreateProcess(&B);
                  PEPROCESS ProcessA = ps_test::Reference<EPROCESS>(A, *PsProcessType);
                  PEPROCESS ProcessB = ps_test::Reference<EPROCESS>(B, *PsProcessType);
                  HANDLE Kernel = ExitedThread();
                  PETHREAD Thread = ps_test::Reference<ETHREAD>(Kernel, *PsThreadType);
                  C.Expect(ProcessA && ProcessB && Thread, "set up");
                  if (!ProcessA || !ProcessB || !Thread)
                      return;
                  HANDLE InA = nullptr, Filler[3] = {}, InB = nullptr, Back = nullptr;
                  C.Expect(ZwDuplicateObject(NtCurrentProcess(), Kernel, A, &InA, 0, 0, DUPLICATE_SAME_ACCESS) ==
                               STATUS_SUCCESS,
                           "into A");
                  for (HANDLE &Handle : Filler)
                      ZwDuplicateObject(NtCurrentProcess(), Kernel, B, &Handle, SYNCHRONIZE, 0, 0);
                  C.Expect(ZwDuplicateObject(A, InA, B, &InB, 0, 0, DUPLICATE_SAME_ACCESS) == STATUS_SUCCESS,
                           "from A into B");
                  C.Expect(ObGetProcessHandleCount(ProcessA) == 1 && ObGetProcessHandleCount(ProcessB) == 4,
                           "one handle more in B only");
                  PVOID Object = nullptr;
                  {
                      Attach InProcess(ProcessB);
                      C.Expect(Inspect(InB, UserMode, nullptr, &Object) == STATUS_SUCCESS && Object == Thread,
                               "valid in B");
                  }
                  {
                      Attach InProcess(ProcessA);
                      C.Expect(Inspect(InB, UserMode) == STATUS_INVALID_HANDLE, "not valid in A");
                  }
                  C.Expect(ZwDuplicateObject(B, InB, A, &Back, 0, 0,
                                             DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE) == STATUS_SUCCESS,
                           "back from B into A");
                  C.Expect(ObGetProcessHandleCount(ProcessA) == 2 && ObGetProcessHandleCount(ProcessB) == 3,
                           "moved from B to A");
                  {
                      Attach InProcess(ProcessA);
                      C.Expect(Inspect(Back, UserMode, nullptr, &Object) == STATUS_SUCCESS && Object == Thread,
                               "valid in A");
                  }
                  {
                      Attach InProcess(ProcessB);
                      C.Expect(Inspect(InB, UserMode) == STATUS_INVALID_HANDLE, "closed in B");
                  }
                  for (HANDLE Handle : {InA, Back})
                      ZwDuplicateObject(A, Handle, nullptr, nullptr, 0, 0, DUPLICATE_CLOSE_SOURCE);
                  for (HANDLE Handle : Filler)
                      ZwDuplicateObject(B, Handle, nullptr, nullptr, 0, 0, DUPLICATE_CLOSE_SOURCE);
                  C.Expect(ObGetProcessHandleCount(ProcessA) == 0 && ObGetProcessHandleCount(ProcessB) == 0,
                           "all closed");
                  ObDereferenceObject(Thread);
                  ObDereferenceObject(ProcessA);
                  ObDereferenceObject(ProcessB);
                  for (HANDLE Handle : {A, B, Kernel})
                      ZwClose(Handle);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ObDuplicateTest, UserModeCallersRightsHandlesAndPointersAreChecked)
{
    KernelChecks C;
    ASSERT_EQ(RunWithUserProcess(C, [&](PEPROCESS Process) {
                  HANDLE Kernel = ExitedThread();
                  PETHREAD Thread = ps_test::Reference<ETHREAD>(Kernel, *PsThreadType);
                  Attach InProcess(Process);
                  HANDLE Source = OpenHere(Thread, THREAD_ALL_ACCESS, *PsThreadType);
                  HANDLE NoDup = OpenHere(Process, PROCESS_QUERY_INFORMATION, *PsProcessType);
                  HANDLE Dup = OpenHere(Process, PROCESS_DUP_HANDLE, *PsProcessType);
                  auto *Out = reinterpret_cast<PHANDLE>(AllocateUser(Process, PAGE_SIZE));
                  PUCHAR Freed = AllocateUser(Process, PAGE_SIZE);
                  C.Expect(Source && NoDup && Dup && Out && Freed, "set up");
                  if (!Out || !Freed)
                      return;
                  FreeUser(Process, Freed);
                  ULONG Count = ObGetProcessHandleCount(Process);
                  {
                      PreviousModeScope User(UserMode);
                      C.Expect(NtDuplicateObject(NoDup, Source, NtCurrentProcess(), Out, 0, 0,
                                                 DUPLICATE_SAME_ACCESS) == STATUS_ACCESS_DENIED,
                               "a source process without PROCESS_DUP_HANDLE");
                      C.Expect(NtDuplicateObject(NtCurrentProcess(), Source, NoDup, Out, 0, 0,
                                                 DUPLICATE_SAME_ACCESS) == STATUS_ACCESS_DENIED,
                               "a target process without PROCESS_DUP_HANDLE");
                      C.Expect(*Out == nullptr, "no handle returned");
                      C.Expect(NtDuplicateObject(NtCurrentProcess(), Bogus, NtCurrentProcess(), Out, 0, 0,
                                                 DUPLICATE_SAME_ACCESS) == STATUS_INVALID_HANDLE,
                               "an invalid source handle");
                      C.Expect(NtDuplicateObject(NtCurrentProcess(), Kernel, NtCurrentProcess(), Out, 0, 0,
                                                 DUPLICATE_SAME_ACCESS) == STATUS_INVALID_HANDLE,
                               "a kernel handle is not the user's");
                      HANDLE KernelSlot = nullptr;
                      C.Expect(NtDuplicateObject(Dup, Source, Dup, &KernelSlot, 0, 0, DUPLICATE_SAME_ACCESS) ==
                                   STATUS_ACCESS_VIOLATION,
                               "a TargetHandle outside user range");
                      C.Expect(NtDuplicateObject(Dup, Source, Dup, reinterpret_cast<PHANDLE>(Freed), 0, 0,
                                                 DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE) ==
                                   STATUS_ACCESS_VIOLATION,
                               "a TargetHandle in freed memory (nothing done, not even the close)");
                      C.Expect(ObGetProcessHandleCount(Process) == Count, "no handle made or closed");
                      C.Expect(NtDuplicateObject(Dup, Source, Dup, Out, THREAD_QUERY_INFORMATION, 0, 0) ==
                                   STATUS_SUCCESS,
                               "with PROCESS_DUP_HANDLE");
                      OBJECT_HANDLE_INFORMATION Info{};
                      C.Expect(Inspect(*Out, UserMode, &Info) == STATUS_SUCCESS &&
                                   Info.GrantedAccess == THREAD_QUERY_INFORMATION,
                               "the duplicate, written to the caller");
                      C.Expect(NtClose(*Out) == STATUS_SUCCESS, "closed");
                      C.Expect(NtDuplicateObject(NtCurrentProcess(), Source, NoDup, Out, 0, 0,
                                                 DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE) ==
                                   STATUS_ACCESS_DENIED,
                               "a refused target, closing the source");
                      C.Expect(Inspect(Source, UserMode) == STATUS_INVALID_HANDLE, "the source closed anyway");
                  }
                  ZwClose(NoDup);
                  ZwClose(Dup);
                  C.Expect(ObGetProcessHandleCount(Process) == 0, "every handle closed");
                  FreeUser(Process, Out);
                  ZwClose(Kernel);
                  ObDereferenceObject(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

} // namespace

NTOS_INSTANTIATE_ALL_MODES(ObDuplicateTest);
