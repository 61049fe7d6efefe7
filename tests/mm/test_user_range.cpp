// The hosted user range of a process: a child of the System process gets one (the
// System and Idle processes have none); private regions are carved from it a VAD each,
// inside it, page-aligned, never overlapping, zero-filled, and fault once released;
// process exit frees every region and refuses new ones; deletion releases the range; a
// range never released is in the shutdown leak report.
#include <algorithm>
#include <utility>
#include <vector>

#include "mm_test.h"

using namespace ntos_test;

namespace {

class UserRangeTest : public KernelTest {};

TEST_P(UserRangeTest, ChildProcessHasARangeTheSystemProcessHasNone)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  PEPROCESS System = PsInitialSystemProcess;
                  C.Expect(!System->UserRangeStart && !System->HasAddressSpace && !System->Peb, "System has no range");
                  C.Expect(!PsIdleProcess->UserRangeStart, "Idle has no range");
                  PVOID Base = nullptr;
                  C.Expect(Allocate(System, &Base, PAGE_SIZE, MEM_RESERVE | MEM_COMMIT) ==
                               STATUS_NO_MEMORY,
                           "no allocation in the System process");
                  PEPROCESS Process = CreateUserProcess();
                  C.Expect(Process != nullptr, "process created");
                  if (!Process)
                      return;
                  auto Size = static_cast<SIZE_T>(static_cast<PCHAR>(Process->UserRangeEnd) -
                                                  static_cast<PCHAR>(Process->UserRangeStart));
                  C.Expect(Process->UserRangeStart != nullptr, "range reserved");
                  C.Expect(Size == MmUserRangeSize, "range is MmUserRangeSize");
                  C.Expect((reinterpret_cast<ULONG_PTR>(Process->UserRangeStart) & (PAGE_SIZE - 1)) == 0,
                           "range page-aligned");
                  C.Expect(Process->HasAddressSpace && Process->AddressSpaceInitialized == 2, "address space flags");
                  C.Expect(Process->Pcb.DirectoryTableBase[0] == reinterpret_cast<ULONG_PTR>(Process->UserRangeStart),
                           "DirectoryTableBase names the range");
                  C.Expect(Process->VadRoot.NumberGenericTableElements == 1, "one VAD: the PEB");
                  PEPROCESS Other = CreateUserProcess();
                  C.Expect(Other && Other->UserRangeStart != Process->UserRangeStart &&
                               !InRange(Other, Process->UserRangeStart, 1),
                           "ranges are disjoint");
                  if (Other)
                      ObDereferenceObject(Other);
                  ObDereferenceObject(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(UserRangeTest, RegionsAreInsideDisjointZeroFilledAndReleasable)
{
    KernelChecks C;
    ASSERT_EQ(RunWithUserProcess(C, [&](PEPROCESS Process) {
                  const SIZE_T Sizes[] = {1, PAGE_SIZE, 3 * PAGE_SIZE + 1, 64 * 1024, 10};
                  std::vector<std::pair<PUCHAR, SIZE_T>> Regions;
                  int I = 0;
                  for (SIZE_T Size : Sizes) {
                      PUCHAR Base = AllocateUser(Process, Size, (I++ % 2) ? MEM_TOP_DOWN : 0);
                      C.Expect(Base != nullptr, "allocated");
                      if (!Base)
                          continue;
                      SIZE_T Rounded = ROUND_TO_PAGES(Size);
                      C.Expect(InRange(Process, Base, Rounded), "inside the range");
                      C.Expect((reinterpret_cast<ULONG_PTR>(Base) & (PAGE_SIZE - 1)) == 0, "page-aligned");
                      C.Expect(std::all_of(Base, Base + Rounded, [](UCHAR B) { return B == 0; }), "zero-filled");
                      RtlFillMemory(Base, Rounded, 0xA5);
                      Regions.emplace_back(Base, Rounded);
                  }
                  for (size_t A = 0; A < Regions.size(); A++)
                      for (size_t B = A + 1; B < Regions.size(); B++)
                          C.Expect(Regions[A].first + Regions[A].second <= Regions[B].first ||
                                       Regions[B].first + Regions[B].second <= Regions[A].first,
                                   "regions do not overlap");
                  C.Expect(Process->VadRoot.NumberGenericTableElements == 1 + Regions.size(), "a VAD per region");
                  for (auto &[Base, Size] : Regions) {
                      if (Size > PAGE_SIZE)
                          C.Expect(FreeUser(Process, Base + PAGE_SIZE) == STATUS_FREE_VM_NOT_AT_BASE,
                                   "free past a region's first page");
                      C.Expect(FreeUser(Process, Base + 8) == STATUS_SUCCESS,
                               "freed (the address rounded down to its page)");
                      C.Expect(TouchStatus(Base) == STATUS_ACCESS_VIOLATION, "a released page faults");
                      C.Expect(FreeUser(Process, Base) == STATUS_MEMORY_NOT_ALLOCATED, "freed twice");
                  }
                  C.Expect(Process->VadRoot.NumberGenericTableElements == 1, "only the PEB left");
                  PUCHAR Again = AllocateUser(Process, PAGE_SIZE, 0, Regions.empty() ? nullptr : Regions[0].first);
                  C.Expect(Again && Again[0] == 0, "a released page comes back zero-filled");
                  if (Again)
                      FreeUser(Process, Again);
              }),
              STATUS_SUCCESS);
    EXPECT_GE(C.Count, 20);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(UserRangeTest, FixedRegionsAndBadRequestsGetTheirStatus)
{
    KernelChecks C;
    ASSERT_EQ(RunWithUserProcess(C, [&](PEPROCESS Process) {
                  auto *Start = static_cast<PUCHAR>(Process->UserRangeStart);
                  NTSTATUS Status;
                  PUCHAR Fixed = AllocateUser(Process, 2 * PAGE_SIZE, 0, Start + 5 * PAGE_SIZE + 7, &Status);
                  C.Expect(Fixed == Start + 5 * PAGE_SIZE, "a fixed base is rounded down to its page");
                  AllocateUser(Process, PAGE_SIZE, 0, Start + 6 * PAGE_SIZE, &Status);
                  C.Expect(Status == STATUS_CONFLICTING_ADDRESSES, "overlapping a region");
                  AllocateUser(Process, PAGE_SIZE, 0, Start - PAGE_SIZE, &Status);
                  C.Expect(Status == STATUS_INVALID_PARAMETER, "below the range");
                  AllocateUser(Process, 2 * PAGE_SIZE, 0, static_cast<PUCHAR>(Process->UserRangeEnd) - PAGE_SIZE,
                               &Status);
                  C.Expect(Status == STATUS_INVALID_PARAMETER, "running past the range");
                  AllocateUser(Process, 0, 0, nullptr, &Status);
                  C.Expect(Status == STATUS_INVALID_PARAMETER, "empty region");
                  AllocateUser(Process, MmUserRangeSize + 1, 0, nullptr, &Status);
                  C.Expect(Status == STATUS_NO_MEMORY, "larger than the range");
                  AllocateUser(Process, ~static_cast<SIZE_T>(0), 0, nullptr, &Status);
                  C.Expect(Status == STATUS_NO_MEMORY, "a size that would wrap");
                  PVOID Base = nullptr;
                  C.Expect(Allocate(Process, &Base, PAGE_SIZE, MEM_COMMIT) ==
                               STATUS_INVALID_PARAMETER,
                           "commit without reserve");
                  C.Expect(Allocate(Process, &Base, PAGE_SIZE, MEM_RESERVE | 0x80000000) ==
                               STATUS_INVALID_PARAMETER,
                           "unknown allocation type");
                  Base = nullptr;
                  C.Expect(Allocate(Process, &Base, PAGE_SIZE, MEM_RESERVE) == STATUS_SUCCESS,
                           "reserve only");
                  C.Expect(TouchStatus(Base) == STATUS_ACCESS_VIOLATION, "a reserved page faults");
                  FreeUser(Process, Base);
                  C.Expect(FreeUser(Process, Start + 40 * PAGE_SIZE) == STATUS_MEMORY_NOT_ALLOCATED,
                           "free of nothing");
                  FreeUser(Process, Fixed);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(UserRangeTest, AFullRangeRefusesAndAFreedGapIsReused)
{
    KernelChecks C;
    ASSERT_EQ(RunWithUserProcess(C, [&](PEPROCESS Process) {
                  constexpr SIZE_T Chunk = 1024 * 1024;
                  std::vector<PUCHAR> Chunks;
                  NTSTATUS Status = STATUS_SUCCESS;
                  while (Chunks.size() < 1000) {
                      PUCHAR Base = AllocateUser(Process, Chunk, 0, nullptr, &Status);
                      if (!Base)
                          break;
                      Chunks.push_back(Base);
                  }
                  C.Expect(Status == STATUS_NO_MEMORY, "a full range gives STATUS_NO_MEMORY");
                  C.Expect(Chunks.size() == MmUserRangeSize / Chunk - 1, "every whole chunk but the PEB's fits");
                  if (Chunks.size() > 3) {
                      PUCHAR Hole = Chunks[2];
                      FreeUser(Process, Hole);
                      C.Expect(AllocateUser(Process, Chunk + PAGE_SIZE, 0, nullptr, &Status) == nullptr,
                               "a gap too small is skipped");
                      PUCHAR Reused = AllocateUser(Process, Chunk, MEM_TOP_DOWN);
                      C.Expect(Reused == Hole, "the freed gap is reused");
                  }
                  // Exit and deletion free them all: the pool check below counts the VADs.
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

VOID NTAPI ExitAtOnce(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
}

TEST_P(UserRangeTest, LastThreadExitCleansTheSpaceAndDeletionReleasesIt)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  ULONG PoolBefore = ExpOutstandingPoolBlocks();
                  PEPROCESS Process = CreateUserProcess();
                  if (!Process) {
                      C.Expect(false, "process created");
                      return;
                  }
                  PUCHAR Region = AllocateUser(Process, 8 * PAGE_SIZE);
                  C.Expect(Region != nullptr, "allocated");
                  HANDLE ProcessHandle, ThreadHandle;
                  ObOpenObjectByPointer(Process, OBJ_KERNEL_HANDLE, nullptr, PROCESS_ALL_ACCESS, *PsProcessType,
                                        KernelMode, &ProcessHandle);
                  OBJECT_ATTRIBUTES Attributes;
                  InitializeObjectAttributes(&Attributes, nullptr, OBJ_KERNEL_HANDLE, nullptr, nullptr);
                  NTSTATUS Status = PsCreateSystemThread(&ThreadHandle, THREAD_ALL_ACCESS, &Attributes, ProcessHandle,
                                                         nullptr, ExitAtOnce, nullptr);
                  ZwClose(ProcessHandle);
                  C.Expect(Status == STATUS_SUCCESS, "a thread in the process");
                  if (NT_SUCCESS(Status)) {
                      ZwClose(ThreadHandle);
                      KeWaitForSingleObject(&Process->Pcb, Executive, KernelMode, FALSE, nullptr);
                      C.Expect(Process->VmDeleted && Process->VadRoot.NumberGenericTableElements == 0,
                               "the last thread's exit freed every region, the PEB too");
                      C.Expect(Process->UserRangeStart != nullptr, "the range stays until deletion");
                      C.Expect(TouchStatus(Region) == STATUS_ACCESS_VIOLATION, "a freed region faults");
                      C.Expect(AllocateUser(Process, PAGE_SIZE, 0, nullptr, &Status) == nullptr &&
                                   Status == STATUS_PROCESS_IS_TERMINATING,
                               "no new region after exit");
                  }
                  ObDereferenceObject(Process);
                  // Deletion may be deferred to the object reaper: wait for the VADs' pool.
                  SpinUntil([&] { return ExpOutstandingPoolBlocks() <= PoolBefore; });
                  C.Expect(ExpOutstandingPoolBlocks() == PoolBefore, "everything the process had is freed");
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

NTOS_INSTANTIATE_ALL_MODES(UserRangeTest);

// A range reserved and never released (a fake process's, here) is named in the
// shutdown leak report and fails NtosShutdown.
TEST(UserRangeLeak, ARangeNeverReleasedFailsShutdown)
{
    static EPROCESS Fake;
    RtlZeroMemory(&Fake, sizeof(Fake));
    NTOS_BOOT_OPTIONS Options = BootOptions({true, 1, 3});
    ASSERT_EQ(NtosBoot(&Options), STATUS_SUCCESS);
    BOOLEAN Created = FALSE;
    ASSERT_EQ(RunInKernel([&] {
                  ULONG_PTR DirectoryTableBase[2];
                  Created = MmCreateProcessAddressSpace(0, &Fake, DirectoryTableBase);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(Created);
    testing::internal::CaptureStderr();
    NTSTATUS Status = NtosShutdown();
    std::string Report = testing::internal::GetCapturedStderr();
    EXPECT_EQ(Status, STATUS_UNSUCCESSFUL);
    EXPECT_NE(Report.find("user range"), std::string::npos) << Report;
    MmDeleteProcessAddressSpace(&Fake);
    EXPECT_EQ(Fake.UserRangeStart, nullptr);
    ASSERT_EQ(NtosBoot(&Options), STATUS_SUCCESS);
    EXPECT_EQ(NtosShutdown(), STATUS_SUCCESS) << "the release balanced the count";
}

} // namespace
