// Semaphores in every machine mode: what KeInitializeSemaphore writes, the count a
// release returns, releases past the limit (or overflowing, or negative) raising
// STATUS_SEMAPHORE_LIMIT_EXCEEDED and changing nothing, polls taking one unit each,
// and a release waking as many waiters as it adds units.
#include <cstring>

#include "catch_code.h"
#include "ntos_test.h"

using namespace ntos_test;

namespace {

class SemaphoreTest : public KernelTest {};

// As kmtest's object checks: type, size, count and limit, an empty wait list, and
// header bytes 1 and 3 left as they were.
TEST_P(SemaphoreTest, InitializeWritesItsFieldsAndLeavesTheOtherHeaderBytes)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  KSEMAPHORE Semaphore;
                  std::memset(&Semaphore, 0x55, sizeof(Semaphore));
                  KeInitializeSemaphore(&Semaphore, 3, 5);
                  C.Expect(Semaphore.Header.Type == SemaphoreObject, "type");
                  C.Expect(Semaphore.Header.Size == sizeof(KSEMAPHORE) / sizeof(ULONG), "size");
                  C.Expect((Semaphore.Header.Lock & 0xFF00FF00L) == 0x55005500L, "header bytes 1 and 3");
                  C.Expect(Semaphore.Header.SignalState == 3, "count");
                  C.Expect(Semaphore.Limit == 5, "limit");
                  C.Expect(IsListEmpty(&Semaphore.Header.WaitListHead), "wait list");
                  C.Expect(KeReadStateSemaphore(&Semaphore) == 3, "KeReadStateSemaphore");
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << ::testing::PrintToString(C.Failures);
}

TEST_P(SemaphoreTest, ReleaseReturnsThePreviousCountAndRefusesToPassTheLimit)
{
    LONG Previous[3] = {-1, -1, -1};
    NTSTATUS Refused[3] = {};
    LONG StateAfterRefusals = -1, OverflowState = -1;
    KIRQL IrqlAfterRefusals = 0xFF;
    ASSERT_EQ(RunInKernel([&] {
                  KSEMAPHORE Semaphore;
                  KeInitializeSemaphore(&Semaphore, 1, 4);
                  Previous[0] = KeReleaseSemaphore(&Semaphore, 0, 2, FALSE);
                  Previous[1] = KeReleaseSemaphore(&Semaphore, 0, 0, FALSE);
                  Previous[2] = KeReleaseSemaphore(&Semaphore, 0, 1, FALSE);
                  Refused[0] = CatchCode([&] { KeReleaseSemaphore(&Semaphore, 0, 1, FALSE); });
                  Refused[1] = CatchCode([&] { KeReleaseSemaphore(&Semaphore, 0, -1, FALSE); });
                  StateAfterRefusals = KeReadStateSemaphore(&Semaphore);
                  IrqlAfterRefusals = KeGetCurrentIrql();
                  KSEMAPHORE Wide;
                  KeInitializeSemaphore(&Wide, MAXLONG - 1, MAXLONG);
                  Refused[2] = CatchCode([&] { KeReleaseSemaphore(&Wide, 0, 5, FALSE); });
                  OverflowState = KeReadStateSemaphore(&Wide);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Previous[0], 1);
    EXPECT_EQ(Previous[1], 3) << "a zero adjustment changes nothing";
    EXPECT_EQ(Previous[2], 3);
    EXPECT_EQ(Refused[0], STATUS_SEMAPHORE_LIMIT_EXCEEDED) << "past the limit";
    EXPECT_EQ(Refused[1], STATUS_SEMAPHORE_LIMIT_EXCEEDED) << "a negative adjustment";
    EXPECT_EQ(Refused[2], STATUS_SEMAPHORE_LIMIT_EXCEEDED) << "an overflowing adjustment";
    EXPECT_EQ(StateAfterRefusals, 4) << "a refused release changes nothing";
    EXPECT_EQ(OverflowState, MAXLONG - 1);
    EXPECT_EQ(IrqlAfterRefusals, PASSIVE_LEVEL) << "the raise leaves the dispatcher lock and its IRQL behind";
}

TEST_P(SemaphoreTest, WakesAsManyWaitersAsItIsReleased)
{
    LONG Previous[2] = {-1, -1};
    NTSTATUS Polls[3] = {};
    LONG Woken = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KSEMAPHORE Semaphore;
                  KeInitializeSemaphore(&Semaphore, 2, 3);
                  LARGE_INTEGER Zero{};
                  Polls[0] = KeWaitForSingleObject(&Semaphore, Executive, KernelMode, FALSE, &Zero);
                  Polls[1] = KeWaitForSingleObject(&Semaphore, Executive, KernelMode, FALSE, &Zero);
                  Polls[2] = KeWaitForSingleObject(&Semaphore, Executive, KernelMode, FALSE, &Zero);
                  volatile LONG Done = 0;
                  std::function<void()> Body = [&] {
                      KeWaitForSingleObject(&Semaphore, Executive, KernelMode, FALSE, nullptr);
                      InterlockedIncrement(&Done);
                  };
                  PETHREAD Threads[3];
                  for (auto &Thread : Threads) {
                      Thread = StartKernelThread(&Body);
                      ASSERT_NE(Thread, nullptr);
                      SpinUntilWaiting(&Thread->Tcb, Executive);
                  }
                  Previous[0] = KeReleaseSemaphore(&Semaphore, 0, 2, FALSE);
                  SpinUntil([&] { return ReadShared(Done) == 2; });
                  Woken = ReadShared(Done);
                  Previous[1] = KeReleaseSemaphore(&Semaphore, 0, 1, FALSE);
                  for (auto *Thread : Threads)
                      JoinKernelThread(Thread);
                  EXPECT_EQ(KeReadStateSemaphore(&Semaphore), 0);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Polls[0], STATUS_WAIT_0);
    EXPECT_EQ(Polls[1], STATUS_WAIT_0);
    EXPECT_EQ(Polls[2], STATUS_TIMEOUT);
    EXPECT_EQ(Previous[0], 0);
    EXPECT_EQ(Woken, 2);
    EXPECT_EQ(Previous[1], 0);
}

NTOS_INSTANTIATE_ALL_MODES(SemaphoreTest);

class SemaphoreDeathTest : public KernelDeathTest {};

TEST_F(SemaphoreDeathTest, AnUnhandledReleasePastTheLimitIsKmodeExceptionNotHandled)
{
    EXPECT_DEATH(BootAndRun([] {
                     KSEMAPHORE Semaphore;
                     KeInitializeSemaphore(&Semaphore, 1, 2);
                     KeReleaseSemaphore(&Semaphore, 0, 2, FALSE);
                 }),
                 "STOP: 0x0000001E \\(0x00000000C0000047");
}

TEST_F(SemaphoreDeathTest, ReleasingAnEventAsASemaphoreFailsTheTypeAssertion)
{
    EXPECT_DEATH(BootAndRun([] {
                     KEVENT Event;
                     KeInitializeEvent(&Event, NotificationEvent, FALSE);
                     KeReleaseSemaphore(reinterpret_cast<PKSEMAPHORE>(&Event), 0, 1, FALSE);
                 }),
                 "STOP: 0x0000001E \\(0xFFFFFFFF80000003");
}

} // namespace
