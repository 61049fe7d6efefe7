// EX_CALLBACK slots in every machine mode, after kmtest ExCallback's private-function
// checks (the block's routine, context and 'brbC' tag) and the reference accounting
// NT's notify routines rely on: an installed block holds MAX_FAST_REFS + 1 rundown
// references (the cache and the slot's own); references come from the cache, which
// refills when it runs dry; an empty cache falls back to a rundown reference; a
// swapped-out block keeps only what callers hold, and ExWaitForCallBacks waits for
// that; threads calling through a slot while it is swapped never see a freed block.
#include <vector>

#include "ntos_test.h"
#include "ex.h"

using namespace ntos_test;

namespace {

class CallBackTest : public KernelTest {};

NTSTATUS NTAPI CountingRoutine(PVOID Context, PVOID Argument1, PVOID Argument2)
{
    InterlockedIncrement(static_cast<volatile LONG *>(Context));
    return STATUS_SUCCESS;
}

// Rundown references a block holds (EX_RUNDOWN_REF counts in steps of two).
ULONG_PTR RundownRefs(PEX_CALLBACK_ROUTINE_BLOCK Block)
{
    return __atomic_load_n(&Block->RundownProtect.Count, __ATOMIC_ACQUIRE) / EX_RUNDOWN_COUNT_INC;
}
ULONG_PTR SlotValue(PEX_CALLBACK CallBack) { return __atomic_load_n(&CallBack->RoutineBlock.Value, __ATOMIC_ACQUIRE); }
ULONG CachedRefs(PEX_CALLBACK CallBack) { return (ULONG)(SlotValue(CallBack) & MAX_FAST_REFS); }

ULONG PoolTagOf(PVOID Block) { return reinterpret_cast<PULONG>(Block)[-3]; }

TEST_P(CallBackTest, AllocatedBlocksCarryTheirRoutineContextAndTag)
{
    PVOID Routine = nullptr, Context = nullptr, Fields[2] = {};
    ULONG Tag = 0;
    ULONG_PTR Refs = 1;
    LONG Calls = 0;
    ASSERT_EQ(RunInKernel([&] {
                  PEX_CALLBACK_ROUTINE_BLOCK Block = ExAllocateCallBack(CountingRoutine, &Calls);
                  ASSERT_NE(Block, nullptr);
                  Fields[0] = reinterpret_cast<PVOID>(Block->Function);
                  Fields[1] = Block->Context;
                  Routine = reinterpret_cast<PVOID>(ExGetCallBackBlockRoutine(Block));
                  Context = ExGetCallBackBlockContext(Block);
                  Tag = PoolTagOf(Block);
                  Refs = RundownRefs(Block);
                  ExFreeCallBack(Block);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Fields[0], reinterpret_cast<PVOID>(CountingRoutine));
    EXPECT_EQ(Fields[1], &Calls);
    EXPECT_EQ(Routine, reinterpret_cast<PVOID>(CountingRoutine));
    EXPECT_EQ(Context, &Calls);
    EXPECT_EQ(Tag, 'brbC');
    EXPECT_EQ(Refs, 0u);
    EXPECT_EQ(Calls, 0) << "allocating does not call the routine";
}

TEST_P(CallBackTest, AnEmptySlotReferencesNothing)
{
    ULONG_PTR Value = 1;
    PVOID Referenced = this;
    BOOLEAN Swapped[2] = {TRUE, FALSE};
    ASSERT_EQ(RunInKernel([&] {
                  EX_CALLBACK CallBack;
                  CallBack.RoutineBlock.Value = 0x1234;
                  ExInitializeCallBack(&CallBack);
                  Value = SlotValue(&CallBack);
                  Referenced = ExReferenceCallBackBlock(&CallBack);
                  PEX_CALLBACK_ROUTINE_BLOCK Block = ExAllocateCallBack(CountingRoutine, nullptr);
                  Swapped[0] = ExCompareExchangeCallBack(&CallBack, nullptr, Block);
                  Swapped[1] = ExCompareExchangeCallBack(&CallBack, nullptr, nullptr);
                  ExFreeCallBack(Block);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Value, 0u);
    EXPECT_EQ(Referenced, nullptr);
    EXPECT_FALSE(Swapped[0]) << "the slot does not hold that block";
    EXPECT_TRUE(Swapped[1]) << "NULL for NULL";
}

// Installing charges MAX_FAST_REFS + 1; each reference takes one from the cache and
// each dereference puts it back; the reference that takes the last cached one
// refills the cache with MAX_FAST_REFS more; dereferences beyond a full cache go to
// the rundown protection.
TEST_P(CallBackTest, ReferencesComeFromTheCacheWhichRefills)
{
    ULONG_PTR Installed[2] = {}, AfterOne[2] = {}, AfterRefill[2] = {}, AfterAll[2] = {};
    BOOLEAN Swapped = FALSE, Removed = FALSE;
    bool SameBlock = true;
    LONG Calls = 0;
    ASSERT_EQ(RunInKernel([&] {
                  EX_CALLBACK CallBack;
                  ExInitializeCallBack(&CallBack);
                  PEX_CALLBACK_ROUTINE_BLOCK Block = ExAllocateCallBack(CountingRoutine, &Calls);
                  Swapped = ExCompareExchangeCallBack(&CallBack, Block, nullptr);
                  Installed[0] = CachedRefs(&CallBack);
                  Installed[1] = RundownRefs(Block);
                  std::vector<PEX_CALLBACK_ROUTINE_BLOCK> Held;
                  Held.push_back(ExReferenceCallBackBlock(&CallBack));
                  AfterOne[0] = CachedRefs(&CallBack);
                  AfterOne[1] = RundownRefs(Block);
                  while (Held.size() < MAX_FAST_REFS)
                      Held.push_back(ExReferenceCallBackBlock(&CallBack));
                  AfterRefill[0] = CachedRefs(&CallBack);
                  AfterRefill[1] = RundownRefs(Block);
                  for (PEX_CALLBACK_ROUTINE_BLOCK Referenced : Held) {
                      SameBlock &= Referenced == Block;
                      ExGetCallBackBlockRoutine(Referenced)(ExGetCallBackBlockContext(Referenced), nullptr, nullptr);
                      ExDereferenceCallBackBlock(&CallBack, Referenced);
                  }
                  AfterAll[0] = CachedRefs(&CallBack);
                  AfterAll[1] = RundownRefs(Block);
                  Removed = ExCompareExchangeCallBack(&CallBack, nullptr, Block);
                  EXPECT_EQ(RundownRefs(Block), 0u);
                  ExWaitForCallBacks(Block);
                  ExFreeCallBack(Block);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(Swapped);
    EXPECT_EQ(Installed[0], (ULONG_PTR)MAX_FAST_REFS);
    EXPECT_EQ(Installed[1], (ULONG_PTR)MAX_FAST_REFS + 1);
    EXPECT_EQ(AfterOne[0], (ULONG_PTR)MAX_FAST_REFS - 1);
    EXPECT_EQ(AfterOne[1], (ULONG_PTR)MAX_FAST_REFS + 1) << "a cached reference costs the block nothing";
    EXPECT_EQ(AfterRefill[0], (ULONG_PTR)MAX_FAST_REFS) << "the fifteenth reference refilled the cache";
    EXPECT_EQ(AfterRefill[1], 2u * MAX_FAST_REFS + 1);
    EXPECT_TRUE(SameBlock);
    EXPECT_EQ(Calls, (LONG)MAX_FAST_REFS);
    EXPECT_EQ(AfterAll[0], (ULONG_PTR)MAX_FAST_REFS);
    EXPECT_EQ(AfterAll[1], (ULONG_PTR)MAX_FAST_REFS + 1) << "the overflow went back to the rundown protection";
    EXPECT_TRUE(Removed);
}

// With the cache empty (taken by ExAcquireFastReference directly), a reference comes
// from the block's rundown protection under ExpCallBackFlush.
TEST_P(CallBackTest, AnEmptyCacheFallsBackToTheRundownProtection)
{
    PVOID Referenced = nullptr;
    ULONG_PTR Refs[2] = {}, Cached = 1;
    ASSERT_EQ(RunInKernel([&] {
                  EX_CALLBACK CallBack;
                  ExInitializeCallBack(&CallBack);
                  PEX_CALLBACK_ROUTINE_BLOCK Block = ExAllocateCallBack(CountingRoutine, nullptr);
                  ExCompareExchangeCallBack(&CallBack, Block, nullptr);
                  for (ULONG i = 0; i < MAX_FAST_REFS; i++)
                      ExAcquireFastReference(&CallBack.RoutineBlock);
                  Cached = CachedRefs(&CallBack);
                  Refs[0] = RundownRefs(Block);
                  Referenced = ExReferenceCallBackBlock(&CallBack);
                  Refs[1] = RundownRefs(Block);
                  ExDereferenceCallBackBlock(&CallBack, Block); // into the empty cache
                  ExReleaseRundownProtectionEx(&Block->RundownProtect, MAX_FAST_REFS);
                  ExCompareExchangeCallBack(&CallBack, nullptr, Block);
                  EXPECT_EQ(RundownRefs(Block), 0u);
                  ExWaitForCallBacks(Block);
                  ExFreeCallBack(Block);
                  Referenced = Referenced == Block ? Block : nullptr;
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Cached, 0u);
    EXPECT_NE(Referenced, nullptr);
    EXPECT_EQ(Refs[0], (ULONG_PTR)MAX_FAST_REFS + 1);
    EXPECT_EQ(Refs[1], (ULONG_PTR)MAX_FAST_REFS + 2);
}

// A block swapped out while a caller holds a reference keeps exactly that one;
// ExWaitForCallBacks blocks until the caller dereferences it. A swap against the
// wrong old block fails and charges the new block nothing.
TEST_P(CallBackTest, ASwappedOutBlockIsWaitedForUntilItsCallersLeave)
{
    ULONG_PTR Left = 0, NewRefs = 9, Installed = 0;
    BOOLEAN WrongSwap = TRUE, Swap = FALSE;
    bool WaitedWhileHeld = false, Finished = false;
    ASSERT_EQ(RunInKernel([&] {
                  EX_CALLBACK CallBack;
                  ExInitializeCallBack(&CallBack);
                  PEX_CALLBACK_ROUTINE_BLOCK First = ExAllocateCallBack(CountingRoutine, nullptr);
                  PEX_CALLBACK_ROUTINE_BLOCK Second = ExAllocateCallBack(CountingRoutine, nullptr);
                  ExCompareExchangeCallBack(&CallBack, First, nullptr);
                  PEX_CALLBACK_ROUTINE_BLOCK Held = ExReferenceCallBackBlock(&CallBack);
                  WrongSwap = ExCompareExchangeCallBack(&CallBack, Second, Second);
                  NewRefs = RundownRefs(Second);
                  Swap = ExCompareExchangeCallBack(&CallBack, Second, First);
                  Left = RundownRefs(First);
                  Installed = SlotValue(&CallBack) & ~(ULONG_PTR)MAX_FAST_REFS;
                  volatile LONG Done = 0;
                  std::function<void()> Waiter = [&] {
                      ExWaitForCallBacks(First);
                      InterlockedExchange(&Done, 1);
                  };
                  PETHREAD Thread = StartKernelThread(&Waiter);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, Executive);
                  for (int i = 0; i < 3; i++)
                      YieldExecution();
                  WaitedWhileHeld = !ReadShared(Done);
                  ExDereferenceCallBackBlock(&CallBack, Held);
                  JoinKernelThread(Thread);
                  Finished = ReadShared(Done) == 1;
                  ExRundownCompleted(&First->RundownProtect);
                  ExFreeCallBack(First);
                  ExCompareExchangeCallBack(&CallBack, nullptr, Second);
                  ExWaitForCallBacks(Second);
                  ExFreeCallBack(Second);
              }),
              STATUS_SUCCESS);
    EXPECT_FALSE(WrongSwap);
    EXPECT_EQ(NewRefs, 0u) << "a failed swap returns the new block's charge";
    EXPECT_TRUE(Swap);
    EXPECT_EQ(Left, 1u) << "only the caller's reference is left on the old block";
    EXPECT_NE(Installed, 0u);
    EXPECT_TRUE(WaitedWhileHeld);
    EXPECT_TRUE(Finished);
}

struct Registration {
    volatile LONG Calls;
    volatile LONG Inside;
    volatile LONG Retired;
};

NTSTATUS NTAPI CheckedRoutine(PVOID Context, PVOID Argument1, PVOID Argument2)
{
    auto *Reg = static_cast<Registration *>(Context);
    if (ReadShared(Reg->Retired))
        InterlockedIncrement(static_cast<volatile LONG *>(Argument1));
    InterlockedIncrement(&Reg->Inside);
    InterlockedIncrement(&Reg->Calls);
    InterlockedDecrement(&Reg->Inside);
    return STATUS_SUCCESS;
}

// Threads call through a slot (reference, run, dereference) while the main thread
// keeps replacing its block, waiting for each old block's callers and freeing it: no
// routine runs after its block was retired, and no caller is inside a block when its
// wait returns.
TEST_P(CallBackTest, CallersRacingReplacementsNeverUseARetiredBlock)
{
    constexpr int kThreads = 3, kRegistrations = 40;
    volatile LONG LateCalls = 0, InsideAtRetire = 0, TotalCalls = 0, Stop = 0;
    ASSERT_EQ(RunInKernel([&] {
                  EX_CALLBACK CallBack;
                  ExInitializeCallBack(&CallBack);
                  std::vector<Registration> Regs(kRegistrations);
                  std::function<void()> Caller = [&] {
                      for (int Round = 0; !ReadShared(Stop); Round++) {
                          if (PEX_CALLBACK_ROUTINE_BLOCK Block = ExReferenceCallBackBlock(&CallBack)) {
                              ExGetCallBackBlockRoutine(Block)(ExGetCallBackBlockContext(Block),
                                                               const_cast<LONG *>(&LateCalls), nullptr);
                              InterlockedIncrement(&TotalCalls);
                              ExDereferenceCallBackBlock(&CallBack, Block);
                          }
                          if (Round % 4 == 0)
                              InterruptPoint();
                          if (Round % 32 == 0)
                              YieldExecution();
                      }
                  };
                  std::vector<PETHREAD> Threads;
                  for (int t = 0; t < kThreads; t++) {
                      Threads.push_back(StartKernelThread(&Caller));
                      ASSERT_NE(Threads.back(), nullptr);
                  }
                  PEX_CALLBACK_ROUTINE_BLOCK Current = nullptr;
                  for (int i = 0; i <= kRegistrations; i++) {
                      PEX_CALLBACK_ROUTINE_BLOCK Next =
                          i < kRegistrations ? ExAllocateCallBack(CheckedRoutine, &Regs[i]) : nullptr;
                      EXPECT_TRUE(ExCompareExchangeCallBack(&CallBack, Next, Current));
                      if (Current) {
                          ExWaitForCallBacks(Current);
                          auto *Reg = static_cast<Registration *>(ExGetCallBackBlockContext(Current));
                          InterlockedExchangeAdd(&InsideAtRetire, ReadShared(Reg->Inside));
                          InterlockedExchange(&Reg->Retired, 1);
                          ExFreeCallBack(Current);
                      }
                      Current = Next;
                      LONG Before = ReadShared(TotalCalls);
                      if (Next)
                          SpinUntil([&] { return ReadShared(TotalCalls) >= Before + 20; });
                  }
                  InterlockedExchange(&Stop, 1);
                  for (PETHREAD Thread : Threads)
                      JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(LateCalls, 0) << "a routine ran after its block was retired";
    EXPECT_EQ(InsideAtRetire, 0) << "a caller was inside a block when its wait returned";
    EXPECT_GT(TotalCalls, 20 * kRegistrations);
}

NTOS_INSTANTIATE_ALL_MODES(CallBackTest);

} // namespace
