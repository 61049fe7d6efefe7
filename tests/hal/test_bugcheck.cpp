// Bugcheck paths, as death tests: each must print the real stop code's name.
#include "ntos_test.h"

using namespace ntos_test;

namespace {

DECLSPEC_NOINLINE ULONG Recurse(ULONG Depth)
{
    volatile char Pad[512];
    Pad[0] = static_cast<char>(Depth);
    return Recurse(Depth + 1) + Pad[0];
}

class BugCheckDeathTest : public KernelDeathTest {};

TEST_F(BugCheckDeathTest, KernelStackOverflowHitsTheGuardPage)
{
    EXPECT_DEATH(BootAndRun([] { Recurse(0); }), "STOP: 0x0000007F.*\n.*UNEXPECTED_KERNEL_MODE_TRAP");
}

TEST_F(BugCheckDeathTest, StrayPointerIsPageFaultInNonpagedArea)
{
    EXPECT_DEATH(BootAndRun([] { *reinterpret_cast<volatile int *>(16) = 1; }),
                 "STOP: 0x00000050.*\n.*PAGE_FAULT_IN_NONPAGED_AREA");
}

TEST_F(BugCheckDeathTest, LoweringIrqlUpwardIsIrqlNotLessOrEqual)
{
    EXPECT_DEATH(BootAndRun([] { KeLowerIrql(DISPATCH_LEVEL); }), "IRQL_NOT_LESS_OR_EQUAL");
}

TEST_F(BugCheckDeathTest, RaisingIrqlDownwardIsIrqlNotGreaterOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     KIRQL Old;
                     KeRaiseIrql(DISPATCH_LEVEL, &Old);
                     KfRaiseIrql(APC_LEVEL);
                 }),
                 "IRQL_NOT_GREATER_OR_EQUAL");
}

TEST_F(BugCheckDeathTest, RecursiveSpinLockIsAlreadyOwned)
{
    EXPECT_DEATH(BootAndRun([] {
                     KSPIN_LOCK Lock;
                     KIRQL Old;
                     KeInitializeSpinLock(&Lock);
                     KeAcquireSpinLock(&Lock, &Old);
                     KeAcquireSpinLockAtDpcLevel(&Lock);
                 }),
                 "SPIN_LOCK_ALREADY_OWNED");
}

TEST_F(BugCheckDeathTest, ReleasingAFreeSpinLockIsNotOwned)
{
    EXPECT_DEATH(BootAndRun([] {
                     KSPIN_LOCK Lock;
                     KeInitializeSpinLock(&Lock);
                     KeReleaseSpinLock(&Lock, PASSIVE_LEVEL);
                 }),
                 "SPIN_LOCK_NOT_OWNED");
}

TEST_F(BugCheckDeathTest, SpinLockAtDpcLevelBelowDispatchIsIrqlNotGreaterOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     KSPIN_LOCK Lock;
                     KeInitializeSpinLock(&Lock);
                     KeAcquireSpinLockAtDpcLevel(&Lock);
                 }),
                 "IRQL_NOT_GREATER_OR_EQUAL");
}

TEST_F(BugCheckDeathTest, WaitingAtDispatchLevelIsIrqlNotLessOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     KEVENT Event;
                     KIRQL Old;
                     KeInitializeEvent(&Event, NotificationEvent, FALSE);
                     KeRaiseIrql(DISPATCH_LEVEL, &Old);
                     KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, nullptr);
                 }),
                 "IRQL_NOT_LESS_OR_EQUAL");
}

TEST_F(BugCheckDeathTest, PagedPoolAtDispatchLevelIsBadPoolCaller)
{
    EXPECT_DEATH(BootAndRun([] {
                     KIRQL Old;
                     KeRaiseIrql(DISPATCH_LEVEL, &Old);
                     ExAllocatePoolWithTag(PagedPool, 16, 'tseT');
                 }),
                 "STOP: 0x000000C2 \\(0x0000000000000008.*\n.*BAD_POOL_CALLER");
}

TEST_F(BugCheckDeathTest, DoubleFreeIsBadPoolCaller)
{
    EXPECT_DEATH(BootAndRun([] {
                     // The first free marks the header; the second finds the mark (ASan
                     // builds report the use after free first).
                     PVOID Block = ExAllocatePoolWithTag(NonPagedPool, 64, 'tseT');
                     PVOID Keep = ExAllocatePoolWithTag(NonPagedPool, 64, 'tseT');
                     ExFreePoolWithTag(Block, 'tseT');
                     ExFreePoolWithTag(Block, 'tseT');
                     ExFreePoolWithTag(Keep, 'tseT');
                 }),
                 "BAD_POOL_CALLER|heap-use-after-free|double-free");
}

TEST_F(BugCheckDeathTest, FreeWithWrongTagIsBadPoolCaller)
{
    EXPECT_DEATH(BootAndRun([] {
                     PVOID Block = ExAllocatePoolWithTag(NonPagedPool, 64, 'tseT');
                     ExFreePoolWithTag(Block, 'gnrW');
                 }),
                 "STOP: 0x000000C2 \\(0x000000000000000A.*\n.*BAD_POOL_CALLER");
}

TEST_F(BugCheckDeathTest, FailedAssertIsKmodeExceptionNotHandled)
{
    EXPECT_DEATH(BootAndRun([] { ASSERT(1 + 1 == 3); }),
                 "Assertion failed: 1 \\+ 1 == 3(.|\n)*STOP: 0x0000001E \\(0xFFFFFFFF80000003");
}

TEST_F(BugCheckDeathTest, WrongObjectTypeForEventIsABugcheck)
{
    EXPECT_DEATH(BootAndRun([] {
                     KEVENT Event;
                     KeInitializeEvent(&Event, NotificationEvent, FALSE);
                     Event.Header.Type = ThreadObject;
                     KeSetEvent(&Event, 0, FALSE);
                 }),
                 "STOP: 0x0000001E \\(0xFFFFFFFF80000003");
}

TEST_F(BugCheckDeathTest, StopScreenNamesProcessorThreadAndProcessThenTheBacktrace)
{
    // The backtrace follows, one frame a line ("module(symbol+offset) [address]"), with
    // KeBugCheckEx itself among the frames.
    EXPECT_DEATH(BootAndRun([] { KeBugCheckEx(MANUALLY_INITIATED_CRASH, 1, 2, 3, 4); }),
                 "STOP: 0x000000E2 \\(0x0000000000000001,0x0000000000000002,0x0000000000000003,0x0000000000000004\\)"
                 "\n\\*\\*\\* MANUALLY_INITIATED_CRASH\n\\*\\*\\* Processor [01], thread 0x[0-9a-f]+ \\(sequence [0-9]+\\), "
                 "process 0x[0-9a-f]+\n[^\n]*\\[0x[0-9a-f]+\\]\n(.*\n)*[^\n]*KeBugCheckEx[^\n]*\\[0x[0-9a-f]+\\]");
}

} // namespace
