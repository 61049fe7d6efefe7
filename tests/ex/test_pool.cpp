// The executive pool, after what ReactOS's kmtest ExPools checks: stress over sizes in
// both pools, tags in the header where kmtests read them, big-page blocks page-aligned
// with their size in whole pages, ExQueryPoolBlockSize, ExAllocatePool2's flag rules
// and zeroing, failure as NULL / a raise / the must-succeed bugcheck, and the fault
// injection the fuzzer uses.
#include "ntos_test.h"
#include "ex.h"
#include "pseh/pseh2.h"

using namespace ntos_test;

namespace {

class PoolTest : public KernelTest {};

constexpr ULONG kTag = 'tstP';

// The tag in the 16-byte x64 POOL_HEADER before a small block (kmtest KmtGetPoolTag);
// 'TooL' for a page-aligned (big-page) block, as kmtests report it.
ULONG HeaderTag(PVOID Block)
{
    if ((reinterpret_cast<ULONG_PTR>(Block) & (PAGE_SIZE - 1)) == 0)
        return 'TooL';
    return reinterpret_cast<PULONG>(Block)[-3];
}

TEST_P(PoolTest, IrregularSizesInBothPoolsFillAndFreeCleanly)
{
    ULONG Before = 0, After = 1;
    ULONG Failed = 0;
    ASSERT_EQ(RunInKernel([&] {
                  Before = ExpOutstandingPoolBlocks();
                  for (POOL_TYPE Type : {NonPagedPool, PagedPool}) {
                      for (ULONG I = 1; I < 2000; I++) {
                          ULONG Size = I * (Type == PagedPool ? 50 : 10) + (I % 10 ? 1 : 0) + (I % 25 ? 13 : 0);
                          PVOID Block = ExAllocatePoolWithTag(Type, Size, kTag);
                          if (!Block) {
                              Failed++;
                              continue;
                          }
                          RtlFillMemory(Block, Size, 0xAB);
                          ExFreePoolWithTag(Block, kTag);
                      }
                  }
                  auto **Blocks = static_cast<PVOID *>(ExAllocatePoolWithTag(PagedPool, sizeof(PVOID) * 100000, kTag));
                  for (ULONG I = 0; I < 100000; I++)
                      Blocks[I] = ExAllocatePoolWithTag(NonPagedPool, 42, kTag);
                  for (ULONG I = 0; I < 100000; I++)
                      ExFreePoolWithTag(Blocks[I], kTag);
                  ExFreePoolWithTag(Blocks, kTag);
                  After = ExpOutstandingPoolBlocks();
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Failed, 0u);
    EXPECT_EQ(After, Before);
}

TEST_P(PoolTest, SmallBlocksCarryTheirTagAndBigBlocksArePageAligned)
{
    ULONG Tags[5] = {};
    ULONG_PTR Alignment[5] = {};
    const SIZE_T Sizes[5] = {8, PAGE_SIZE, PAGE_SIZE - 3 * sizeof(PVOID), PAGE_SIZE - 4 * sizeof(PVOID) + 1,
                             PAGE_SIZE - 4 * sizeof(PVOID)};
    ASSERT_EQ(RunInKernel([&] {
                  for (int I = 0; I < 5; I++) {
                      PVOID Block = ExAllocatePoolWithTag(PagedPool, Sizes[I], 'aTyM');
                      Tags[I] = HeaderTag(Block);
                      Alignment[I] = reinterpret_cast<ULONG_PTR>(Block) & (PAGE_SIZE - 1);
                      RtlFillMemory(Block, Sizes[I], 0x5A);
                      ExFreePoolWithTag(Block, 'aTyM');
                  }
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Tags[0], (ULONG)'aTyM');
    EXPECT_EQ(Tags[1], (ULONG)'TooL');
    EXPECT_EQ(Tags[2], (ULONG)'TooL');
    EXPECT_EQ(Tags[3], (ULONG)'TooL');
    EXPECT_EQ(Tags[4], (ULONG)'aTyM') << "the largest small block still has a header before it";
    EXPECT_EQ(Alignment[0] % 16, 0u);
    EXPECT_EQ(Alignment[1], 0u);
    EXPECT_NE(Alignment[4], 0u);
}

TEST_P(PoolTest, QueryBlockSizeRoundsBigBlocksToPages)
{
    SIZE_T Sizes[3] = {};
    BOOLEAN Quota[3] = {TRUE, TRUE, TRUE};
    ASSERT_EQ(RunInKernel([&] {
                  const SIZE_T Requests[3] = {8, PAGE_SIZE, PAGE_SIZE + 1};
                  for (int I = 0; I < 3; I++) {
                      PVOID Block = ExAllocatePoolWithTag(NonPagedPool, Requests[I], 'KbQt');
                      Sizes[I] = ExQueryPoolBlockSize(Block, &Quota[I]);
                      ExFreePoolWithTag(Block, 'KbQt');
                  }
              }),
              STATUS_SUCCESS);
    EXPECT_GE(Sizes[0], 8u);
    EXPECT_LT(Sizes[0], PAGE_SIZE);
    EXPECT_EQ(Sizes[1], (SIZE_T)PAGE_SIZE);
    EXPECT_EQ(Sizes[2], (SIZE_T)2 * PAGE_SIZE);
    for (BOOLEAN Charged : Quota)
        EXPECT_FALSE(Charged);
}

TEST_P(PoolTest, FailureIsNullOrARaiseAndInjectionCountsAllocations)
{
    bool Pattern[4] = {};
    NTSTATUS Raised = STATUS_SUCCESS;
    PVOID Unraised = this;
    ASSERT_EQ(RunInKernel([&] {
                  ExpInjectPoolFailures(2, 1);
                  for (bool &Succeeded : Pattern) {
                      PVOID Block = ExAllocatePoolWithTag(NonPagedPool, 32, kTag);
                      Succeeded = Block != nullptr;
                      if (Block)
                          ExFreePoolWithTag(Block, kTag);
                  }
                  ExpInjectPoolFailures(0, 1);
                  Unraised = ExAllocatePoolWithTag(PagedPool, 32, kTag);
                  ExpInjectPoolFailures(0, 1);
                  _SEH2_TRY {
                      ExAllocatePoolWithTag((POOL_TYPE)(PagedPool | POOL_RAISE_IF_ALLOCATION_FAILURE), 32, kTag);
                  } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
                      Raised = _SEH2_GetExceptionCode();
                  } _SEH2_END;
                  ExpInjectPoolFailures(0, 0);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(Pattern[0]);
    EXPECT_TRUE(Pattern[1]);
    EXPECT_FALSE(Pattern[2]) << "the third allocation is the injected failure";
    EXPECT_TRUE(Pattern[3]);
    EXPECT_EQ(Unraised, nullptr);
    EXPECT_EQ(Raised, STATUS_INSUFFICIENT_RESOURCES);
}

TEST_P(PoolTest, AllocatePool2ZeroesAndRefusesBadFlags)
{
    bool Zeroed = false;
    PVOID Refused[5] = {this, this, this, this, this};
    NTSTATUS Raised = STATUS_SUCCESS;
    ASSERT_EQ(RunInKernel([&] {
                  // Dirty a block of the same size first so a reused one would show.
                  PVOID Dirty = ExAllocatePoolWithTag(NonPagedPool, 256, kTag);
                  RtlFillMemory(Dirty, 256, 0xCD);
                  ExFreePoolWithTag(Dirty, kTag);
                  auto *Block = static_cast<PUCHAR>(ExAllocatePool2(POOL_FLAG_NON_PAGED, 256, kTag));
                  Zeroed = Block != nullptr;
                  for (ULONG I = 0; Block && I < 256; I++)
                      Zeroed = Zeroed && Block[I] == 0;
                  if (Block)
                      ExFreePoolWithTag(Block, kTag);
                  Refused[0] = ExAllocatePool2(POOL_FLAG_PAGED, 16, 0);
                  Refused[1] = ExAllocatePool2(POOL_FLAG_UNINITIALIZED, 16, kTag);
                  Refused[2] = ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_NON_PAGED, 16, kTag);
                  Refused[3] = ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_USE_QUOTA, 16, kTag);
                  Refused[4] = ExAllocatePool2(POOL_FLAG_PAGED | 0x10000ULL, 16, kTag);
                  _SEH2_TRY {
                      ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_RAISE_ON_FAILURE, 16, 0);
                  } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
                      Raised = _SEH2_GetExceptionCode();
                  } _SEH2_END;
                  // An unknown optional (high) flag is ignored.
                  PVOID Optional = ExAllocatePool2(POOL_FLAG_PAGED | (1ULL << 40), 16, kTag);
                  EXPECT_NE(Optional, nullptr);
                  if (Optional)
                      ExFreePoolWithTag(Optional, kTag);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(Zeroed);
    for (PVOID Result : Refused)
        EXPECT_EQ(Result, nullptr);
    EXPECT_EQ(Raised, STATUS_INSUFFICIENT_RESOURCES);
}

INSTANTIATE_TEST_SUITE_P(Modes, PoolTest, ::testing::ValuesIn(AllModes(2)), ParamName);

class PoolDeathTest : public KernelDeathTest {};

TEST_F(PoolDeathTest, FailedMustSucceedAllocationIsMustSucceedPoolEmpty)
{
    EXPECT_DEATH(BootAndRun([] {
                     ExpInjectPoolFailures(0, 1);
                     ExAllocatePoolWithTag(NonPagedPoolMustSucceed, 64, kTag);
                 }),
                 "STOP: 0x00000041 \\(0x0000000000000040(.|\n)*MUST_SUCCEED_POOL_EMPTY");
}

TEST_F(PoolDeathTest, BigBlockDoubleFreeIsBadPoolCaller)
{
    EXPECT_DEATH(BootAndRun([] {
                     PVOID Block = ExAllocatePoolWithTag(NonPagedPool, 3 * PAGE_SIZE, kTag);
                     ExFreePoolWithTag(Block, kTag);
                     ExFreePoolWithTag(Block, kTag);
                 }),
                 // ASan builds report the use after free of the freed header first.
                 "STOP: 0x000000C2 \\(0x0000000000000007|heap-use-after-free");
}

TEST_F(PoolDeathTest, BigBlockWrongTagIsBadPoolCaller)
{
    EXPECT_DEATH(BootAndRun([] { ExFreePoolWithTag(ExAllocatePoolWithTag(PagedPool, 2 * PAGE_SIZE, kTag), 'gnrW'); }),
                 "STOP: 0x000000C2 \\(0x000000000000000A");
}

} // namespace
