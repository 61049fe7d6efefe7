// NtAllocateVirtualMemory / NtFreeVirtualMemory, the hosted subset: new regions
// (reserved, or reserved and committed) with their base and size rounded to pages and
// handed back; whole regions released; NtCurrentProcess() naming the attached process;
// parameters outside the subset refused with their status; a user-mode caller's
// pointers probed, and its PEB not its to free.
#include "mm_test.h"

using namespace ntos_test;

namespace {

class VirtualTest : public KernelTest {};

TEST_P(VirtualTest, RegionsAreRoundedHandedBackAndReleasedWhole)
{
    KernelChecks C;
    ASSERT_EQ(RunWithUserProcess(C, [&](PEPROCESS Process) {
                  HANDLE Handle;
                  ObOpenObjectByPointer(Process, OBJ_KERNEL_HANDLE, nullptr, PROCESS_ALL_ACCESS, *PsProcessType,
                                        KernelMode, &Handle);
                  PVOID Base = nullptr;
                  SIZE_T Size = PAGE_SIZE + 1;
                  C.Expect(NtAllocateVirtualMemory(Handle, &Base, 0, &Size, MEM_RESERVE | MEM_COMMIT,
                                                   PAGE_READWRITE) == STATUS_SUCCESS,
                           "by handle");
                  C.Expect(Size == 2 * PAGE_SIZE && InRange(Process, Base, Size), "two pages in its range");
                  static_cast<PUCHAR>(Base)[Size - 1] = 1;
                  PVOID Inner = static_cast<PUCHAR>(Base) + 8;
                  SIZE_T Part = PAGE_SIZE - 8; // the first page only
                  C.Expect(NtFreeVirtualMemory(Handle, &Inner, &Part, MEM_RELEASE) == STATUS_NOT_SUPPORTED,
                           "part of a region");
                  C.Expect(NtFreeVirtualMemory(Handle, &Inner, &Part, MEM_DECOMMIT) == STATUS_NOT_SUPPORTED,
                           "decommit");
                  SIZE_T Whole = 0;
                  C.Expect(NtFreeVirtualMemory(Handle, &Inner, &Whole, MEM_RELEASE) == STATUS_SUCCESS, "released");
                  C.Expect(Inner == Base && Whole == 2 * PAGE_SIZE, "the region's base and size handed back");
                  C.Expect(NtFreeVirtualMemory(Handle, &Base, &Whole, MEM_RELEASE) == STATUS_MEMORY_NOT_ALLOCATED,
                           "released twice");
                  {
                      Attach In(Process);
                      PVOID Reserved = nullptr;
                      SIZE_T Bytes = 3 * PAGE_SIZE;
                      C.Expect(NtAllocateVirtualMemory(NtCurrentProcess(), &Reserved, 0, &Bytes,
                                                       MEM_RESERVE | MEM_TOP_DOWN, PAGE_NOACCESS) == STATUS_SUCCESS,
                               "NtCurrentProcess() is the attached process");
                      C.Expect(InRange(Process, Reserved, Bytes) && TouchStatus(Reserved) == STATUS_ACCESS_VIOLATION,
                               "a reservation faults");
                      Bytes = 3 * PAGE_SIZE;
                      C.Expect(NtFreeVirtualMemory(NtCurrentProcess(), &Reserved, &Bytes, MEM_RELEASE) ==
                                   STATUS_SUCCESS,
                               "released with its exact size");
                  }
                  ZwClose(Handle);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(VirtualTest, RequestsOutsideTheSubsetGetTheirStatus)
{
    KernelChecks C;
    ASSERT_EQ(RunWithUserProcess(C, [&](PEPROCESS Process) {
                  {
                      Attach In(Process);
                      HANDLE Self = NtCurrentProcess();
                      PVOID Base = nullptr;
                      SIZE_T Size = PAGE_SIZE;
                      auto Allocate = [&](ULONG_PTR ZeroBits, ULONG Type, ULONG Protect) {
                          Base = nullptr;
                          Size = PAGE_SIZE;
                          return NtAllocateVirtualMemory(Self, &Base, ZeroBits, &Size, Type, Protect);
                      };
                      C.Expect(Allocate(1, MEM_RESERVE, PAGE_READWRITE) == STATUS_INVALID_PARAMETER_3, "ZeroBits");
                      C.Expect(Allocate(0, 0, PAGE_READWRITE) == STATUS_INVALID_PARAMETER_5, "no allocation type");
                      C.Expect(Allocate(0, MEM_RESERVE | MEM_RELEASE, PAGE_READWRITE) == STATUS_INVALID_PARAMETER_5,
                               "a free type");
                      C.Expect(Allocate(0, MEM_COMMIT, PAGE_READWRITE) == STATUS_NOT_SUPPORTED, "commit into a region");
                      C.Expect(Allocate(0, MEM_RESERVE, PAGE_READONLY) == STATUS_INVALID_PAGE_PROTECTION, "read-only");
                      C.Expect(Allocate(0, MEM_RESERVE | MEM_COMMIT, PAGE_NOACCESS) == STATUS_INVALID_PAGE_PROTECTION,
                               "committed no-access");
                      C.Expect(NtFreeVirtualMemory(Self, &Base, &Size, 0) == STATUS_INVALID_PARAMETER_4,
                               "no free type");
                      C.Expect(NtAllocateVirtualMemory(reinterpret_cast<HANDLE>(0x7777), &Base, 0, &Size, MEM_RESERVE,
                                                       PAGE_READWRITE) == STATUS_INVALID_HANDLE,
                               "a bad handle");
                  }
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(VirtualTest, AUserModeCallersPointersAreProbedAndItsPebIsNotItsToFree)
{
    KernelChecks C;
    ASSERT_EQ(RunWithUserProcess(C, [&](PEPROCESS Process) {
                  PUCHAR Page = AllocateUser(Process, PAGE_SIZE);
                  {
                      Attach In(Process);
                      PreviousModeScope User(UserMode);
                      auto *UserBase = reinterpret_cast<PVOID *>(Page);
                      auto *UserSize = reinterpret_cast<PSIZE_T>(Page + 8);
                      *UserBase = nullptr;
                      *UserSize = PAGE_SIZE;
                      C.Expect(NtAllocateVirtualMemory(NtCurrentProcess(), UserBase, 0, UserSize,
                                                       MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE) == STATUS_SUCCESS,
                               "pointers in the caller's range");
                      C.Expect(*UserBase && InRange(Process, *UserBase, *UserSize), "handed back to them");
                      C.Expect(NtFreeVirtualMemory(NtCurrentProcess(), UserBase, UserSize, MEM_RELEASE) ==
                                   STATUS_SUCCESS,
                               "freed from user mode");
                      PVOID KernelBase = nullptr;
                      SIZE_T KernelSize = PAGE_SIZE;
                      C.Expect(NtAllocateVirtualMemory(NtCurrentProcess(), &KernelBase, 0, &KernelSize, MEM_RESERVE,
                                                       PAGE_READWRITE) == STATUS_ACCESS_VIOLATION,
                               "kernel pointers from user mode");
                      C.Expect(NtAllocateVirtualMemory(NtCurrentProcess(), reinterpret_cast<PVOID *>(Page + 4), 0,
                                                       UserSize, MEM_RESERVE,
                                                       PAGE_READWRITE) == STATUS_DATATYPE_MISALIGNMENT,
                               "a misaligned pointer");
                      *UserBase = Process->Peb;
                      *UserSize = 0;
                      C.Expect(NtFreeVirtualMemory(NtCurrentProcess(), UserBase, UserSize, MEM_RELEASE) ==
                                   STATUS_INVALID_PAGE_PROTECTION,
                               "the PEB");
                  }
                  C.Expect(TouchStatus(Process->Peb) == STATUS_SUCCESS, "the PEB is still there");
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

NTOS_INSTANTIATE_ALL_MODES(VirtualTest);

} // namespace
