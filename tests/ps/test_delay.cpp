// NtDelayExecution from a hosted user thread, in every machine mode: it sleeps at least
// its interval; an alertable delay ends with STATUS_USER_APC when a user APC is queued
// (the APC runs on the way back to user mode) and with STATUS_ALERTED when the thread
// is alerted; a bad interval pointer from user mode is the fault's status, from kernel
// mode a stop.
#include "ps_test.h"
#include "user_thread.h"

using namespace ntos_test;
using namespace ps_test;

namespace {

class PsDelayTest : public KernelTest {};

LARGE_INTEGER KernelInterval; // a kernel address, as user mode sees the test's globals

// Waits until the user thread is in its alertable delay.
void WaitForDelay(HANDLE Thread, UserRun &Run)
{
    WaitForPhase(Run, 1);
    PETHREAD Target = Reference<ETHREAD>(Thread, *PsThreadType);
    SpinUntilWaiting(&Target->Tcb, DelayExecution);
    ObDereferenceObject(Target);
}

// A user thread's body: marks phase 1, then sleeps an hour alertably, keeping the
// service's status.
NTSTATUS AlertableHourDelay(UserRun &R)
{
    LARGE_INTEGER Hour;
    Hour.QuadPart = -10LL * 1000 * 1000 * 3600;
    InterlockedExchange(&R.Phase, 1);
    R.ServiceStatus = NtDelayExecution(TRUE, &Hour);
    return STATUS_SUCCESS;
}

VOID NTAPI RecordApc(PVOID NormalContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    UNREFERENCED_PARAMETER(SystemArgument2);
    auto *Seen = static_cast<ULONG_PTR *>(NormalContext);
    Seen[0] = reinterpret_cast<ULONG_PTR>(SystemArgument1);
    Seen[1] = ExGetPreviousMode();
}

TEST_P(PsDelayTest, AUserModeDelaySleepsAtLeastItsInterval)
{
    ULONG64 Elapsed = 0;
    UserRun Run;
    Run.Body = [&](UserRun &R) -> NTSTATUS {
        LARGE_INTEGER Interval;
        Interval.QuadPart = -20 * 10000; // 20 ms
        ULONG64 Start = KeQueryInterruptTime();
        R.ServiceStatus = NtDelayExecution(FALSE, &Interval);
        Elapsed = KeQueryInterruptTime() - Start;
        return STATUS_SUCCESS;
    };
    ASSERT_EQ(RunInKernel([&] { RunUserThreadInNewProcess(Run); }), STATUS_SUCCESS);
    EXPECT_EQ(Run.ServiceStatus, STATUS_SUCCESS);
    EXPECT_EQ(Run.Mode, UserMode);
    EXPECT_GE(Elapsed, 20u * 10000u);
}

TEST_P(PsDelayTest, AnAlertableDelayEndsWithUserApcAndTheApcRunsInUserMode)
{
    ULONG_PTR Seen[2] = {0, 99};
    NTSTATUS Queue = STATUS_PENDING;
    UserRun Run;
    Run.Body = AlertableHourDelay;
    ASSERT_EQ(RunInKernel([&] {
                  RunUserThreadInNewProcess(Run, [&](HANDLE Thread, UserRun &R) {
                      WaitForDelay(Thread, R);
                      Queue = NtQueueApcThread(Thread, RecordApc, Seen, reinterpret_cast<PVOID>(7), nullptr);
                  });
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Queue, STATUS_SUCCESS);
    EXPECT_EQ(Run.ServiceStatus, STATUS_USER_APC);
    EXPECT_EQ(Seen[0], 7u);
    EXPECT_EQ(Seen[1], static_cast<ULONG_PTR>(UserMode));
}

TEST_P(PsDelayTest, AnAlertableDelayEndsWithAlertedWhenTheThreadIsAlerted)
{
    NTSTATUS Alert = STATUS_PENDING;
    UserRun Run;
    Run.Body = AlertableHourDelay;
    ASSERT_EQ(RunInKernel([&] {
                  RunUserThreadInNewProcess(Run, [&](HANDLE Thread, UserRun &R) {
                      WaitForDelay(Thread, R);
                      Alert = NtAlertThread(Thread);
                  });
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Alert, STATUS_SUCCESS);
    EXPECT_EQ(Run.ServiceStatus, STATUS_ALERTED);
}

TEST_P(PsDelayTest, ABadIntervalPointerIsTheFaultsStatus)
{
    NTSTATUS Results[3] = {STATUS_PENDING, STATUS_PENDING, STATUS_PENDING};
    UserRun Run;
    Run.Body = [&](UserRun &R) -> NTSTATUS {
        UNREFERENCED_PARAMETER(R);
        LARGE_INTEGER Pair[2] = {};
        Results[0] = NtDelayExecution(FALSE, &KernelInterval);
        Results[1] = NtDelayExecution(FALSE, nullptr);
        Results[2] = NtDelayExecution(FALSE, reinterpret_cast<PLARGE_INTEGER>(reinterpret_cast<PCHAR>(Pair) + 1));
        return STATUS_SUCCESS;
    };
    ASSERT_EQ(RunInKernel([&] { RunUserThreadInNewProcess(Run); }), STATUS_SUCCESS);
    EXPECT_EQ(Results[0], STATUS_ACCESS_VIOLATION) << "a kernel address from user mode";
    EXPECT_EQ(Results[1], STATUS_ACCESS_VIOLATION);
    EXPECT_EQ(Results[2], STATUS_DATATYPE_MISALIGNMENT);
}

NTOS_INSTANTIATE_ALL_MODES(PsDelayTest);

class PsDelayDeathTest : public KernelDeathTest {};

// A kernel-mode caller's pointers are trusted: a bad one is a kernel bug, the
// exception goes unhandled and the system stops.
TEST_F(PsDelayDeathTest, AKernelCallersBadIntervalStops)
{
    EXPECT_DEATH(BootAndRun([] { ZwDelayExecution(FALSE, nullptr); }),
                 "STOP: 0x0000001E \\(0x00000000C0000005(.|\n)*KMODE_EXCEPTION_NOT_HANDLED");
}

} // namespace
