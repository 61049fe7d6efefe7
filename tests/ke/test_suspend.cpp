// Suspend and resume in every machine mode: the suspend APC stops a running or
// waiting thread at its next chance, counts nest, the last resume (or a forced one)
// lets it go, and an interrupted wait goes on afterwards.
#include "ntos_test.h"

using namespace ntos_test;

namespace {

class SuspendTest : public KernelTest {};

TEST_P(SuspendTest, SuspendStopsARunningThreadUntilTheLastResume)
{
    ULONG Counts[5] = {};
    bool FrozenWhileSuspended = false, RanAfterResume = false;
    ASSERT_EQ(RunInKernel([&] {
                  volatile LONG Progress = 0, Stop = 0;
                  std::function<void()> Body = [&] {
                      while (!ReadShared(Stop)) {
                          InterlockedIncrement(&Progress);
                          LARGE_INTEGER Zero{};
                          KeDelayExecutionThread(KernelMode, FALSE, &Zero);
                      }
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntil([&] { return ReadShared(Progress) > 0; });
                  Counts[0] = KeSuspendThread(&Thread->Tcb);
                  Counts[1] = KeSuspendThread(&Thread->Tcb);
                  SpinUntilWaiting(&Thread->Tcb, Suspended);
                  LONG Seen = ReadShared(Progress);
                  LARGE_INTEGER Pause = RelativeMs(5);
                  KeDelayExecutionThread(KernelMode, FALSE, &Pause);
                  FrozenWhileSuspended = ReadShared(Progress) == Seen;
                  Counts[2] = KeResumeThread(&Thread->Tcb);
                  FrozenWhileSuspended = FrozenWhileSuspended && KiGetThreadState(&Thread->Tcb) == Waiting;
                  Counts[3] = KeResumeThread(&Thread->Tcb);
                  SpinUntil([&] { return ReadShared(Progress) > Seen; });
                  RanAfterResume = true;
                  Counts[4] = KeResumeThread(&Thread->Tcb);
                  InterlockedExchange(&Stop, 1);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Counts[0], 0u);
    EXPECT_EQ(Counts[1], 1u);
    EXPECT_TRUE(FrozenWhileSuspended);
    EXPECT_EQ(Counts[2], 2u);
    EXPECT_EQ(Counts[3], 1u);
    EXPECT_TRUE(RanAfterResume);
    EXPECT_EQ(Counts[4], 0u) << "resuming a thread that is not suspended returns 0";
}

TEST_P(SuspendTest, SuspendedWaiterSeesItsObjectOnlyAfterResume)
{
    NTSTATUS Status = STATUS_PENDING;
    bool StillSuspendedAfterSignal = false;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Event;
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      Status = KeWaitForSingleObject(&Event, UserRequest, KernelMode, FALSE, nullptr);
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, UserRequest);
                  KeSuspendThread(&Thread->Tcb);
                  SpinUntilWaiting(&Thread->Tcb, Suspended);
                  KeSetEvent(&Event, 0, FALSE);
                  KIRQL OldIrql = KiAcquireDispatcherLock();
                  StillSuspendedAfterSignal = KiGetThreadState(&Thread->Tcb) == Waiting &&
                                              Thread->Tcb.WaitReason == Suspended && Status == STATUS_PENDING;
                  KiReleaseDispatcherLock(OldIrql);
                  KeResumeThread(&Thread->Tcb);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(StillSuspendedAfterSignal);
    EXPECT_EQ(Status, STATUS_WAIT_0) << "the interrupted wait went on after the resume";
}

TEST_P(SuspendTest, ForceResumeClearsEveryCountAndSelfSuspendWaitsForAnotherThread)
{
    ULONG Forced = 0;
    volatile LONG After = 0;
    ASSERT_EQ(RunInKernel([&] {
                  std::function<void()> Body = [&] {
                      KeSuspendThread(KeGetCurrentThread());
                      InterlockedExchange(&After, 1);
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, Suspended);
                  KeSuspendThread(&Thread->Tcb);
                  KeSuspendThread(&Thread->Tcb);
                  EXPECT_EQ(ReadShared(After), 0);
                  Forced = KeForceResumeThread(&Thread->Tcb);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Forced, 3u);
    EXPECT_EQ(After, 1);
}

TEST_P(SuspendTest, AlertResumeAlertsForUserModeAndResumes)
{
    ULONG Previous = 9;
    BOOLEAN UserAlerted = FALSE;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Event;
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      KeWaitForSingleObject(&Event, UserRequest, KernelMode, FALSE, nullptr);
                      UserAlerted = KeTestAlertThread(UserMode);
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, UserRequest);
                  KeSuspendThread(&Thread->Tcb);
                  SpinUntilWaiting(&Thread->Tcb, Suspended);
                  KeSetEvent(&Event, 0, FALSE);
                  Previous = KeAlertResumeThread(&Thread->Tcb);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Previous, 1u);
    EXPECT_TRUE(UserAlerted);
}

TEST_P(SuspendTest, DelayRestartedPastItsDeadlineEndsCleanly)
{
    // Suspended (by its suspend APC) during a 1 ms delay and held past the deadline:
    // the restarted delay finds the deadline gone and must return with nothing held.
    NTSTATUS DelayStatus = STATUS_PENDING;
    ULONG PreviousCount = 99;
    ASSERT_EQ(RunInKernel([&] {
                  std::function<void()> Sleeper = [&] {
                      LARGE_INTEGER Short = RelativeMs(1);
                      DelayStatus = KeDelayExecutionThread(KernelMode, FALSE, &Short);
                  };
                  PETHREAD Thread = StartKernelThread(&Sleeper);
                  ASSERT_NE(Thread, nullptr);
                  KeSuspendThread(&Thread->Tcb);
                  SpinUntilWaiting(&Thread->Tcb, Suspended);
                  LARGE_INTEGER Past = RelativeMs(5);
                  KeDelayExecutionThread(KernelMode, FALSE, &Past);
                  PreviousCount = KeForceResumeThread(&Thread->Tcb);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(PreviousCount, 1u);
    EXPECT_EQ(DelayStatus, STATUS_SUCCESS);
}

NTOS_INSTANTIATE_ALL_MODES(SuspendTest);

class SuspendDeathTest : public KernelDeathTest {};

TEST_F(SuspendDeathTest, SuspendingPastTheMaximumRaisesSuspendCountExceeded)
{
    EXPECT_DEATH(BootAndRun([] {
                     static KEVENT Never;
                     KeInitializeEvent(&Never, NotificationEvent, FALSE);
                     static std::function<void()> Body = [] {
                         KeWaitForSingleObject(&Never, Executive, KernelMode, FALSE, nullptr);
                     };
                     PETHREAD Thread = StartKernelThread(&Body);
                     for (int i = 0; i <= MAXIMUM_SUSPEND_COUNT; i++)
                         KeSuspendThread(&Thread->Tcb);
                 }),
                 "STOP: 0x0000001E \\(0x00000000C000004A");
}

} // namespace
