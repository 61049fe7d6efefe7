// ProbeForRead / ProbeForWrite as the WDK documents them, hosted: a length of 0 checks
// nothing; a misaligned address raises STATUS_DATATYPE_MISALIGNMENT; a buffer not
// inside the current process's user range (NULL, outside, wrapping) raises
// STATUS_ACCESS_VIOLATION, caught under _SEH2; ProbeForWrite writes each page, so an
// uncommitted page raises too. The current process is the attached one: attaching to
// another process changes what passes, and so do MmUserProbeAddress and friends.
#include "mm_test.h"

using namespace ntos_test;

namespace {

class ProbeTest : public KernelTest {};

TEST_P(ProbeTest, InsideTheCurrentRangePassesAndEverythingElseRaises)
{
    KernelChecks C;
    ASSERT_EQ(RunWithUserProcess(C, [&](PEPROCESS Process) {
                  PUCHAR Buffer = AllocateUser(Process, 4 * PAGE_SIZE);
                  auto *Start = static_cast<PUCHAR>(Process->UserRangeStart);
                  auto *End = static_cast<PUCHAR>(Process->UserRangeEnd);
                  {
                      Attach In(Process);
                      C.Expect(ProbeReadStatus(Buffer, 4 * PAGE_SIZE, 8) == STATUS_SUCCESS, "read inside");
                      C.Expect(ProbeWriteStatus(Buffer, 4 * PAGE_SIZE, 8) == STATUS_SUCCESS, "write inside");
                      C.Expect(ProbeReadStatus(Buffer + 3, 1, 1) == STATUS_SUCCESS, "a byte, alignment 1");
                      C.Expect(ProbeReadStatus(Buffer + 4, 4, 4) == STATUS_SUCCESS, "aligned to 4");
                      C.Expect(ProbeReadStatus(Buffer + 2, 4, 4) == STATUS_DATATYPE_MISALIGNMENT, "misaligned read");
                      C.Expect(ProbeWriteStatus(Buffer + 8, 16, 16) == STATUS_DATATYPE_MISALIGNMENT,
                               "misaligned write");
                      C.Expect(ProbeReadStatus(reinterpret_cast<PVOID>(3), 4, 4) == STATUS_DATATYPE_MISALIGNMENT,
                               "alignment is checked before the range");
                      C.Expect(ProbeReadStatus(nullptr, 1, 1) == STATUS_ACCESS_VIOLATION, "NULL");
                      C.Expect(ProbeWriteStatus(nullptr, 8, 8) == STATUS_ACCESS_VIOLATION, "NULL for write");
                      C.Expect(ProbeReadStatus(nullptr, 0, 4) == STATUS_SUCCESS, "length 0 checks nothing");
                      C.Expect(ProbeWriteStatus(reinterpret_cast<PVOID>(2), 0, 4) == STATUS_SUCCESS,
                               "length 0 checks not even alignment");
                      C.Expect(ProbeReadStatus(Start - 8, 8, 8) == STATUS_ACCESS_VIOLATION, "just below the range");
                      C.Expect(ProbeReadStatus(Start - 8, 16, 8) == STATUS_ACCESS_VIOLATION, "straddling its start");
                      C.Expect(ProbeReadStatus(End - 8, 16, 8) == STATUS_ACCESS_VIOLATION, "straddling its end");
                      C.Expect(ProbeReadStatus(End, 1, 1) == STATUS_ACCESS_VIOLATION, "its end");
                      C.Expect(ProbeReadStatus(End - 1, 1, 1) == STATUS_SUCCESS, "its last byte");
                      C.Expect(ProbeReadStatus(Buffer, ~static_cast<SIZE_T>(0), 1) == STATUS_ACCESS_VIOLATION,
                               "a length that wraps");
                      C.Expect(ProbeReadStatus(reinterpret_cast<PVOID>(-16), 32, 8) == STATUS_ACCESS_VIOLATION,
                               "an address that wraps");
                      UCHAR Kernel[16];
                      C.Expect(ProbeReadStatus(Kernel, sizeof(Kernel), 1) == STATUS_ACCESS_VIOLATION,
                               "a kernel stack buffer");
                  }
              }),
              STATUS_SUCCESS);
    EXPECT_GE(C.Count, 18);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ProbeTest, ProbeForWriteTouchesEveryPageAndKeepsTheData)
{
    KernelChecks C;
    ASSERT_EQ(RunWithUserProcess(C, [&](PEPROCESS Process) {
                  auto *Start = static_cast<PUCHAR>(Process->UserRangeStart);
                  PUCHAR A = AllocateUser(Process, PAGE_SIZE, 0, Start);
                  PUCHAR B = AllocateUser(Process, PAGE_SIZE, 0, Start + PAGE_SIZE);
                  PUCHAR D = AllocateUser(Process, PAGE_SIZE, 0, Start + 2 * PAGE_SIZE);
                  C.Expect(A && B && D, "three adjacent pages");
                  PVOID Reserved = nullptr;
                  Allocate(Process, &Reserved, PAGE_SIZE, MEM_RESERVE);
                  {
                      Attach In(Process);
                      RtlFillMemory(A, 3 * PAGE_SIZE, 0x5C);
                      C.Expect(ProbeWriteStatus(A + 100, 3 * PAGE_SIZE - 200, 4) == STATUS_SUCCESS, "three pages");
                      C.Expect(A[100] == 0x5C && B[0] == 0x5C && D[PAGE_SIZE - 101] == 0x5C, "data unchanged");
                      FreeUser(Process, B);
                      C.Expect(ProbeReadStatus(A, 3 * PAGE_SIZE, 4) == STATUS_SUCCESS, "read does not touch");
                      C.Expect(ProbeWriteStatus(A, 3 * PAGE_SIZE, 4) == STATUS_ACCESS_VIOLATION,
                               "write touches the freed middle page");
                      C.Expect(ProbeWriteStatus(Reserved, 8, 8) == STATUS_ACCESS_VIOLATION, "a reserved page");
                      C.Expect(ProbeWriteStatus(D + PAGE_SIZE - 1, 1, 1) == STATUS_SUCCESS, "a page's last byte");
                  }
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ProbeTest, AttachingToAnotherProcessChangesWhatPasses)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  PEPROCESS First = CreateUserProcess();
                  PEPROCESS Second = CreateUserProcess();
                  if (!First || !Second) {
                      C.Expect(false, "processes created");
                      if (First)
                          ObDereferenceObject(First);
                      return;
                  }
                  PUCHAR InFirst = AllocateUser(First, PAGE_SIZE);
                  PUCHAR InSecond = AllocateUser(Second, PAGE_SIZE);
                  C.Expect(MmUserProbeAddress == 0 && MmHighestUserAddress == nullptr &&
                               MM_LOWEST_USER_ADDRESS == nullptr,
                           "the System process has no user range");
                  C.Expect(ProbeReadStatus(InFirst, 8, 8) == STATUS_ACCESS_VIOLATION, "not attached");
                  {
                      Attach In(First);
                      C.Expect(MmUserProbeAddress == reinterpret_cast<ULONG_PTR>(First->UserRangeEnd) &&
                                   MmHighestUserAddress == static_cast<PCHAR>(First->UserRangeEnd) - 1 &&
                                   MM_LOWEST_USER_ADDRESS == First->UserRangeStart,
                               "the attached process's bounds");
                      C.Expect(ProbeWriteStatus(InFirst, 8, 8) == STATUS_SUCCESS, "its memory passes");
                      C.Expect(ProbeReadStatus(InSecond, 8, 8) == STATUS_ACCESS_VIOLATION, "another's fails");
                      {
                          Attach Nested(Second);
                          C.Expect(MmUserProbeAddress == reinterpret_cast<ULONG_PTR>(Second->UserRangeEnd),
                                   "nested attach moves the bounds");
                          C.Expect(ProbeReadStatus(InSecond, 8, 8) == STATUS_SUCCESS, "now the second's passes");
                          C.Expect(ProbeWriteStatus(InFirst, 8, 8) == STATUS_ACCESS_VIOLATION,
                                   "and the first's fails");
                      }
                      C.Expect(ProbeReadStatus(InFirst, 8, 8) == STATUS_SUCCESS, "back in the first");
                  }
                  C.Expect(ProbeReadStatus(InFirst, 8, 8) == STATUS_ACCESS_VIOLATION, "detached again");
                  ObDereferenceObject(First);
                  ObDereferenceObject(Second);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

NTOS_INSTANTIATE_ALL_MODES(ProbeTest);

} // namespace
