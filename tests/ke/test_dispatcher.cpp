// Scheduling in every machine mode: thread objects signalled at termination, round
// robin at quantum end, many threads created and reaped, a spin lock under
// contention, and the clock.
#include <vector>

#include "ntos_test.h"

using namespace ntos_test;

namespace {

class DispatcherTest : public KernelTest {};

// Spins at PASSIVE_LEVEL with interrupt points, never yielding, until Flag is set.
void SpinUntil(volatile LONG &Flag)
{
    while (!__atomic_load_n(&Flag, __ATOMIC_ACQUIRE))
        InterruptPoint();
}

TEST_P(DispatcherTest, ThreadObjectIsSignalledWhenTheThreadEnds)
{
    LONG SignalBefore = -1, SignalAfter = -1;
    UCHAR StateAfter = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Release;
                  KeInitializeEvent(&Release, NotificationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      KeWaitForSingleObject(&Release, Executive, KernelMode, FALSE, nullptr);
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  SignalBefore = Thread->Tcb.Header.SignalState;
                  KeSetEvent(&Release, 0, FALSE);
                  KeWaitForSingleObject(&Thread->Tcb, Executive, KernelMode, FALSE, nullptr);
                  SignalAfter = Thread->Tcb.Header.SignalState;
                  StateAfter = KiGetThreadState(&Thread->Tcb);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(SignalBefore, 0);
    EXPECT_EQ(SignalAfter, 1);
    EXPECT_EQ(StateAfter, Terminated);
}

TEST_P(DispatcherTest, QuantumEndRoundRobinsEqualPriorityThreads)
{
    volatile LONG OtherRan = 0;
    ASSERT_EQ(RunInKernel([&] {
                  std::function<void()> Other = [&] { InterlockedExchange(&OtherRan, 1); };
                  std::function<void()> Hog = [&] { SpinUntil(OtherRan); };
                  // The hog starts first; on one processor only the clock can give the
                  // other thread its turn.
                  PETHREAD HogThread = StartKernelThread(&Hog);
                  PETHREAD OtherThread = StartKernelThread(&Other);
                  JoinKernelThread(HogThread);
                  JoinKernelThread(OtherThread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(OtherRan, 1);
}

TEST_P(DispatcherTest, SpinLockExcludesAcrossProcessors)
{
    constexpr int kThreads = 4, kIterations = 2000;
    long Counter = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KSPIN_LOCK Lock;
                  KeInitializeSpinLock(&Lock);
                  std::function<void()> Body = [&] {
                      for (int i = 0; i < kIterations; i++) {
                          KIRQL OldIrql;
                          KeAcquireSpinLock(&Lock, &OldIrql);
                          long Value = Counter;
                          KeYieldProcessor(); // invite another processor in, if exclusion were broken
                          Counter = Value + 1;
                          KeReleaseSpinLock(&Lock, OldIrql);
                      }
                  };
                  PETHREAD Threads[kThreads];
                  for (PETHREAD &Thread : Threads)
                      Thread = StartKernelThread(&Body);
                  for (PETHREAD Thread : Threads)
                      JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Counter, kThreads * kIterations);
}

TEST_P(DispatcherTest, ManyThreadsCreateRunAndAreReaped)
{
    constexpr int kThreads = 300;
    volatile LONG Ran = 0;
    ASSERT_EQ(RunInKernel([&] {
                  std::function<void()> Body = [&] { InterlockedIncrement(&Ran); };
                  std::vector<PETHREAD> Threads;
                  for (int i = 0; i < kThreads; i++) {
                      Threads.push_back(StartKernelThread(&Body));
                      if (i % 50 == 0)
                          CheckInvariants();
                  }
                  for (PETHREAD Thread : Threads)
                      JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Ran, kThreads);
}

TEST_P(DispatcherTest, TimeMovesForward)
{
    ULONGLONG First = 0, Second = 0;
    LARGE_INTEGER SystemTime{};
    ASSERT_EQ(RunInKernel([&] {
                  First = KeQueryInterruptTime();
                  for (int i = 0; i < 1000; i++)
                      KeYieldProcessor();
                  Second = KeQueryInterruptTime();
                  KeQuerySystemTime(&SystemTime);
              }),
              STATUS_SUCCESS);
    EXPECT_GT(Second, First);
    EXPECT_GT(SystemTime.QuadPart, 133000000000000000LL) << "after 2022, in 100 ns units since 1601";
    EXPECT_EQ(KeQueryTimeIncrement(), 156250u);
}

// KeStallExecutionProcessor spins at least the time asked, at any IRQL; in
// deterministic mode that time is virtual.
TEST_P(DispatcherTest, StallExecutionProcessorWaitsAtLeastTheTimeAsked)
{
    ULONGLONG Elapsed[2] = {};
    ASSERT_EQ(RunInKernel([&] {
                  const KIRQL Irqls[2] = {PASSIVE_LEVEL, HIGH_LEVEL};
                  for (int i = 0; i < 2; i++) {
                      KIRQL Old;
                      KeRaiseIrql(Irqls[i], &Old);
                      LARGE_INTEGER Start = KeQueryPerformanceCounter(nullptr);
                      KeStallExecutionProcessor(2000);
                      Elapsed[i] = KeQueryPerformanceCounter(nullptr).QuadPart - Start.QuadPart;
                      KeLowerIrql(Old);
                  }
              }),
              STATUS_SUCCESS);
    EXPECT_GE(Elapsed[0], 20000u) << "2 ms in 100 ns units";
    EXPECT_GE(Elapsed[1], 20000u) << "at HIGH_LEVEL too";
}

NTOS_INSTANTIATE_ALL_MODES(DispatcherTest);

INSTANTIATE_TEST_SUITE_P(OneProcessor, DispatcherTest,
                         ::testing::Values(MachineMode{true, 1, 7}, MachineMode{false, 1, 0}), ParamName);

} // namespace
