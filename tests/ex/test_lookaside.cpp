// Lookaside lists in every machine mode: the counters (TotalAllocates,
// AllocateMisses, TotalFrees, FreeMisses), the Depth limit (frees beyond it go to the
// pool), caller-supplied Allocate / Free routines, the pool type, tag and size of
// the blocks, delete returning the cached blocks, the global lists, depth tuning by
// miss rate, allocation failure, and threads allocating and freeing on one list.
#include <set>
#include <vector>

#include "ntos_test.h"
#include "ex.h"
#include "pseh/pseh2.h"

using namespace ntos_test;

namespace {

constexpr ULONG kTag = 'tsaL';

class LookasideTest : public KernelTest {};

struct Counters {
    ULONG TotalAllocates, AllocateMisses, TotalFrees, FreeMisses, Cached;
    bool operator==(const Counters &) const = default;
};

std::ostream &operator<<(std::ostream &Out, const Counters &C)
{
    return Out << "{allocates " << C.TotalAllocates << ", misses " << C.AllocateMisses << ", frees " << C.TotalFrees
               << ", free misses " << C.FreeMisses << ", cached " << C.Cached << "}";
}

Counters CountersOf(PGENERAL_LOOKASIDE L)
{
    return {L->TotalAllocates, L->AllocateMisses, L->TotalFrees, L->FreeMisses, ExQueryDepthSList(&L->ListHead)};
}

bool IsListed(PGENERAL_LOOKASIDE L, PLIST_ENTRY Head, PKSPIN_LOCK Lock)
{
    bool Found = false;
    KIRQL OldIrql;
    KeAcquireSpinLock(Lock, &OldIrql);
    for (PLIST_ENTRY Link = Head->Flink; Link != Head; Link = Link->Flink)
        Found |= Link == &L->ListEntry;
    KeReleaseSpinLock(Lock, OldIrql);
    return Found;
}

// The tag in the x64 POOL_HEADER in front of a small pool block.
ULONG PoolTagOf(PVOID Block) { return reinterpret_cast<PULONG>(Block)[-3]; }

// Ten allocations from an empty list all miss; of ten frees the first four (Depth)
// are cached and six go back to the pool; then four allocations hit and one misses.
TEST_P(LookasideTest, CountersAndTheDepthLimit)
{
    Counters Steps[4] = {};
    USHORT Depth = 0, MaximumDepth = 0;
    ULONG Outstanding[3] = {}, Tag = 0;
    SIZE_T BlockSize = 0;
    bool SameBlocksBack = false, Listed[2] = {false, true};
    ASSERT_EQ(RunInKernel([&] {
                  Outstanding[0] = ExpOutstandingPoolBlocks();
                  NPAGED_LOOKASIDE_LIST List;
                  ExInitializeNPagedLookasideList(&List, nullptr, nullptr, 0, 100, kTag, 0);
                  Listed[0] = IsListed(&List.L, &ExNPagedLookasideListHead, &ExNPagedLookasideLock);
                  Depth = List.L.Depth;
                  MaximumDepth = List.L.MaximumDepth;
                  std::vector<PVOID> Blocks;
                  for (int i = 0; i < 10; i++)
                      Blocks.push_back(ExAllocateFromNPagedLookasideList(&List));
                  Tag = PoolTagOf(Blocks[0]);
                  BOOLEAN Quota;
                  BlockSize = ExQueryPoolBlockSize(Blocks[0], &Quota);
                  Steps[0] = CountersOf(&List.L);
                  for (PVOID Block : Blocks)
                      ExFreeToNPagedLookasideList(&List, Block);
                  Steps[1] = CountersOf(&List.L);
                  Outstanding[1] = ExpOutstandingPoolBlocks();
                  std::set<PVOID> Cached(Blocks.begin(), Blocks.begin() + 4), Again;
                  for (int i = 0; i < 5; i++)
                      Again.insert(ExAllocateFromNPagedLookasideList(&List));
                  Steps[2] = CountersOf(&List.L);
                  int Reused = 0;
                  for (PVOID Block : Again)
                      Reused += Cached.count(Block);
                  SameBlocksBack = Reused == 4;
                  for (PVOID Block : Again)
                      ExFreeToNPagedLookasideList(&List, Block);
                  Steps[3] = CountersOf(&List.L);
                  ExDeleteNPagedLookasideList(&List);
                  Listed[1] = IsListed(&List.L, &ExNPagedLookasideListHead, &ExNPagedLookasideLock);
                  Outstanding[2] = ExpOutstandingPoolBlocks();
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Depth, 4);
    EXPECT_EQ(MaximumDepth, 256);
    EXPECT_EQ(Tag, kTag);
    EXPECT_GE(BlockSize, 100u);
    EXPECT_EQ(Steps[0], (Counters{10, 10, 0, 0, 0}));
    EXPECT_EQ(Steps[1], (Counters{10, 10, 10, 6, 4}));
    EXPECT_EQ(Outstanding[1], Outstanding[0] + 4) << "four cached blocks stay allocated";
    EXPECT_EQ(Steps[2], (Counters{15, 11, 10, 6, 0}));
    EXPECT_TRUE(SameBlocksBack);
    EXPECT_EQ(Steps[3], (Counters{15, 11, 15, 7, 4}));
    EXPECT_TRUE(Listed[0]);
    EXPECT_FALSE(Listed[1]) << "deleted lists leave ExNPagedLookasideListHead";
    EXPECT_EQ(Outstanding[2], Outstanding[0]) << "delete frees the cached blocks";
}

struct RoutineLog {
    std::vector<PVOID> Allocated, Freed;
    POOL_TYPE Type = MaxPoolType;
    SIZE_T Size = 0;
    ULONG Tag = 0;
};
RoutineLog *CurrentLog;

PVOID NTAPI LoggedAllocate(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    CurrentLog->Type = PoolType;
    CurrentLog->Size = NumberOfBytes;
    CurrentLog->Tag = Tag;
    PVOID Block = ExAllocatePoolWithTag(PoolType, NumberOfBytes, Tag);
    CurrentLog->Allocated.push_back(Block);
    return Block;
}

VOID NTAPI LoggedFree(PVOID Buffer)
{
    CurrentLog->Freed.push_back(Buffer);
    ExFreePoolWithTag(Buffer, kTag);
}

// A paged list with the caller's routines: Allocate runs on each miss with the list's
// type, size and tag, Free on each free beyond Depth and for every block the delete
// finds cached. A size below an SLIST_ENTRY is rounded up.
TEST_P(LookasideTest, CallerRoutinesRunOnMissesOverflowAndDelete)
{
    RoutineLog Log;
    size_t FreedBeforeDelete = 0;
    ULONG Size = 0;
    bool Listed = false, OnlyTheirBlocks = false;
    ASSERT_EQ(RunInKernel([&] {
                  CurrentLog = &Log;
                  PAGED_LOOKASIDE_LIST List;
                  ExInitializePagedLookasideList(&List, LoggedAllocate, LoggedFree, POOL_RAISE_IF_ALLOCATION_FAILURE, 4,
                                                 kTag, 0);
                  Size = List.L.Size;
                  Listed = IsListed(&List.L, &ExPagedLookasideListHead, &ExPagedLookasideLock);
                  std::vector<PVOID> Blocks;
                  for (int i = 0; i < 6; i++)
                      Blocks.push_back(ExAllocateFromPagedLookasideList(&List));
                  for (PVOID Block : Blocks)
                      ExFreeToPagedLookasideList(&List, Block);
                  FreedBeforeDelete = Log.Freed.size();
                  ExDeletePagedLookasideList(&List);
                  std::set<PVOID> Allocated(Log.Allocated.begin(), Log.Allocated.end());
                  std::set<PVOID> Freed(Log.Freed.begin(), Log.Freed.end());
                  OnlyTheirBlocks = Allocated == Freed && Freed.size() == Log.Freed.size();
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Size, sizeof(SLIST_ENTRY));
    EXPECT_TRUE(Listed) << "paged lists are on ExPagedLookasideListHead";
    EXPECT_EQ(Log.Allocated.size(), 6u);
    EXPECT_EQ(Log.Type, (POOL_TYPE)(PagedPool | POOL_RAISE_IF_ALLOCATION_FAILURE));
    EXPECT_EQ(Log.Size, sizeof(SLIST_ENTRY));
    EXPECT_EQ(Log.Tag, kTag);
    EXPECT_EQ(FreedBeforeDelete, 2u) << "six frees, Depth four";
    EXPECT_EQ(Log.Freed.size(), 6u) << "the delete frees the four cached blocks";
    EXPECT_TRUE(OnlyTheirBlocks);
}

// With the pool failing, a miss returns NULL from the default routine, or raises for
// a list made with POOL_RAISE_IF_ALLOCATION_FAILURE; a cached block is still handed
// out.
TEST_P(LookasideTest, AllocationFailureGivesNullOrRaises)
{
    PVOID Failed = this, Cached = nullptr;
    NTSTATUS Raised = STATUS_SUCCESS;
    Counters After{};
    ASSERT_EQ(RunInKernel([&] {
                  NPAGED_LOOKASIDE_LIST Plain, Raising;
                  ExInitializeNPagedLookasideList(&Plain, nullptr, nullptr, 0, 64, kTag, 0);
                  ExInitializeNPagedLookasideList(&Raising, nullptr, nullptr, POOL_RAISE_IF_ALLOCATION_FAILURE, 64, kTag,
                                                  0);
                  PVOID Block = ExAllocateFromNPagedLookasideList(&Plain);
                  ExFreeToNPagedLookasideList(&Plain, Block);
                  ExpInjectPoolFailures(0, 100);
                  Cached = ExAllocateFromNPagedLookasideList(&Plain);
                  Failed = ExAllocateFromNPagedLookasideList(&Plain);
                  _SEH2_TRY {
                      ExAllocateFromNPagedLookasideList(&Raising);
                  } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
                      Raised = _SEH2_GetExceptionCode();
                  } _SEH2_END;
                  ExpInjectPoolFailures(0, 0);
                  After = CountersOf(&Plain.L);
                  ExFreeToNPagedLookasideList(&Plain, Cached);
                  ExDeleteNPagedLookasideList(&Plain);
                  ExDeleteNPagedLookasideList(&Raising);
              }),
              STATUS_SUCCESS);
    EXPECT_NE(Cached, nullptr);
    EXPECT_EQ(Failed, nullptr);
    EXPECT_EQ(Raised, STATUS_INSUFFICIENT_RESOURCES);
    EXPECT_EQ(After, (Counters{3, 2, 1, 0, 0}));
}

// ExAdjustLookasideDepth: a list that keeps missing grows (by at most 30 a step,
// less as it nears MaximumDepth) up to MaximumDepth; one that rarely misses shrinks
// by one a step; an idle one shrinks back to 4.
TEST_P(LookasideTest, DepthFollowsTheMissRate)
{
    std::vector<USHORT> Growing, Shrinking;
    USHORT Idle = 0;
    ASSERT_EQ(RunInKernel([&] {
                  NPAGED_LOOKASIDE_LIST List;
                  ExInitializeNPagedLookasideList(&List, nullptr, nullptr, 0, 32, kTag, 0);
                  auto Burst = [&](int Count) {
                      std::vector<PVOID> Blocks;
                      for (int i = 0; i < Count; i++)
                          Blocks.push_back(ExAllocateFromNPagedLookasideList(&List));
                      for (PVOID Block : Blocks)
                          ExFreeToNPagedLookasideList(&List, Block);
                  };
                  for (int Period = 0; Period < 40 && List.L.Depth < 256; Period++) {
                      Burst(300);
                      ExAdjustLookasideDepth();
                      Growing.push_back(List.L.Depth);
                  }
                  Burst(300); // fills the cache to the new Depth
                  ExAdjustLookasideDepth();
                  for (int Period = 0; Period < 3; Period++) {
                      Burst(List.L.Depth);
                      for (int i = 0; i < 100; i++)
                          ExFreeToNPagedLookasideList(&List, ExAllocateFromNPagedLookasideList(&List));
                      ExAdjustLookasideDepth();
                      Shrinking.push_back(List.L.Depth);
                  }
                  for (int Period = 0; Period < 30; Period++)
                      ExAdjustLookasideDepth();
                  Idle = List.L.Depth;
                  ExDeleteNPagedLookasideList(&List);
              }),
              STATUS_SUCCESS);
    ASSERT_FALSE(Growing.empty());
    EXPECT_EQ(Growing[0], 34) << "every allocation missed: the most a step may add";
    USHORT Previous = 4;
    for (size_t i = 0; i < Growing.size(); i++) {
        EXPECT_GT(Growing[i], Previous) << "period " << i << " missed, so the list grows";
        EXPECT_LE(Growing[i] - Previous, 30) << "period " << i;
        Previous = Growing[i];
    }
    EXPECT_EQ(Growing.back(), 256) << "capped at MaximumDepth";
    EXPECT_GT(Growing.size(), 9u) << "growth slows near MaximumDepth";
    EXPECT_EQ(Shrinking, (std::vector<USHORT>{255, 254, 253})) << "no misses: one less each period";
    EXPECT_EQ(Idle, 4) << "idle: back to the minimum";
}

// Threads allocate a handful of blocks, stamp them, check the stamps, and free them,
// all on one list: no block is handed to two threads, and the counts add up exactly.
TEST_P(LookasideTest, ThreadsAllocatingAndFreeingOnOneList)
{
    constexpr int kThreads = 4, kHeld = 6;
    const int Rounds = GetParam().Deterministic ? 1000 : 20000;
    volatile LONG Corrupted = 0, Failed = 0;
    Counters Final{};
    ULONG Leaked = 1;
    ASSERT_EQ(RunInKernel([&] {
                  ULONG Before = ExpOutstandingPoolBlocks();
                  NPAGED_LOOKASIDE_LIST List;
                  ExInitializeNPagedLookasideList(&List, nullptr, nullptr, 0, 64, kTag, 0);
                  List.L.Depth = 8;
                  std::vector<std::function<void()>> Bodies;
                  for (int t = 0; t < kThreads; t++) {
                      Bodies.push_back([&, t] {
                          for (int Round = 0; Round < Rounds; Round++) {
                              volatile ULONG64 *Held[kHeld];
                              for (int i = 0; i < kHeld; i++) {
                                  Held[i] = static_cast<volatile ULONG64 *>(ExAllocateFromNPagedLookasideList(&List));
                                  if (!Held[i]) {
                                      InterlockedIncrement(&Failed);
                                      return;
                                  }
                                  for (int Word = 2; Word < 8; Word++)
                                      Held[i][Word] = ((ULONG64)t << 32) | (ULONG64)Round;
                              }
                              if (Round % 8 == 0)
                                  InterruptPoint();
                              for (int i = 0; i < kHeld; i++) {
                                  for (int Word = 2; Word < 8; Word++)
                                      if (Held[i][Word] != (((ULONG64)t << 32) | (ULONG64)Round))
                                          InterlockedIncrement(&Corrupted);
                                  ExFreeToNPagedLookasideList(&List, const_cast<ULONG64 *>(Held[i]));
                              }
                          }
                      });
                  }
                  std::vector<PETHREAD> Threads;
                  for (auto &Body : Bodies) {
                      Threads.push_back(StartKernelThread(&Body));
                      ASSERT_NE(Threads.back(), nullptr);
                  }
                  for (PETHREAD Thread : Threads)
                      JoinKernelThread(Thread);
                  Final = CountersOf(&List.L);
                  ExDeleteNPagedLookasideList(&List);
                  Leaked = ExpOutstandingPoolBlocks() - Before;
              }),
              STATUS_SUCCESS);
    ULONG Total = (ULONG)(kThreads * Rounds * kHeld);
    EXPECT_EQ(Failed, 0);
    EXPECT_EQ(Corrupted, 0) << "a block was handed to two threads at once";
    EXPECT_EQ(Final.TotalAllocates, Total);
    EXPECT_EQ(Final.TotalFrees, Total);
    EXPECT_LE(Final.Cached, 8u);
    EXPECT_EQ(Final.TotalAllocates - Final.AllocateMisses + Final.Cached, Final.TotalFrees - Final.FreeMisses)
        << "every block pushed was popped or is still cached: " << Final;
    EXPECT_EQ(Leaked, 0u);
}

NTOS_INSTANTIATE_ALL_MODES(LookasideTest);

} // namespace
