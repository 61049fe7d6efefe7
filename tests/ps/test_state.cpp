// Suspend, resume, alerts and the information services in every machine mode:
// NtSuspendThread / NtResumeThread counts (127 then STATUS_SUSPEND_COUNT_EXCEEDED,
// resuming a thread that is not suspended, a thread that has exited), NtSuspendProcess
// / NtResumeProcess, NtAlertThread / NtAlertResumeThread / NtTestAlert, NtQueueApcThread
// refusing a system thread, and NtQueryInformationThread / NtQueryInformationProcess /
// NtSetInformationThread's classes, lengths and bounds.
#include "ps_test.h"

using namespace ntos_test;
using namespace ps_test;

namespace {

class PsStateTest : public KernelTest {};

// A system thread that waits on Release (alertably when asked) and records the wait's
// status; the test ends it by setting Release.
struct Waiter {
    KEVENT Release;
    volatile LONG Ran = 0;
    NTSTATUS WaitStatus = STATUS_PENDING;
    BOOLEAN Alertable = FALSE;
    std::function<void()> Body;
    HANDLE Handle = nullptr;
    PETHREAD Thread = nullptr;

    NTSTATUS Start(HANDLE Process = nullptr, BOOLEAN WaitAlertably = FALSE)
    {
        KeInitializeEvent(&Release, NotificationEvent, FALSE);
        Alertable = WaitAlertably;
        Body = [this] {
            WaitStatus = KeWaitForSingleObject(&Release, Executive, KernelMode, Alertable, nullptr);
            InterlockedIncrement(&Ran);
        };
        NTSTATUS Status = StartThreadIn(Process, &Body, &Handle);
        if (NT_SUCCESS(Status)) {
            Thread = Reference<ETHREAD>(Handle, *PsThreadType);
            SpinUntilWaiting(&Thread->Tcb, Executive);
        }
        return Status;
    }
    void Finish()
    {
        KeSetEvent(&Release, 0, FALSE);
        WaitHandle(Handle);
        ZwClose(Handle);
        JoinKernelThread(Thread);
    }
};

TEST_P(PsStateTest, SuspendCountsUpToTheLimitAndResumeCountsDown)
{
    KernelChecks Checks;
    ASSERT_EQ(RunInKernel([&] {
                  Waiter W;
                  ASSERT_EQ(W.Start(), STATUS_SUCCESS);
                  ULONG Previous = 99;
                  Checks.Expect(NtResumeThread(W.Handle, &Previous) == STATUS_SUCCESS && Previous == 0,
                                "resuming a thread that is not suspended changes nothing");
                  BOOLEAN Counted = TRUE;
                  for (ULONG i = 0; i < MAXIMUM_SUSPEND_COUNT; i++)
                      Counted &= NtSuspendThread(W.Handle, &Previous) == STATUS_SUCCESS && Previous == i;
                  Checks.Expect(Counted, "each suspend returns the count before it");
                  Checks.Expect(NtSuspendThread(W.Handle, &Previous) == STATUS_SUSPEND_COUNT_EXCEEDED,
                                "the 128th suspend is refused");
                  KeSetEvent(&W.Release, 0, FALSE);
                  LARGE_INTEGER Interval;
                  Interval.QuadPart = -10 * 1000 * 5;
                  KeDelayExecutionThread(KernelMode, FALSE, &Interval);
                  Checks.Expect(ReadShared(W.Ran) == 0, "a suspended thread does not run");
                  for (ULONG i = MAXIMUM_SUSPEND_COUNT; i > 1; i--)
                      NtResumeThread(W.Handle, nullptr);
                  Checks.Expect(NtResumeThread(W.Handle, &Previous) == STATUS_SUCCESS && Previous == 1,
                                "the last resume sees 1");
                  W.Finish();
                  Checks.Expect(W.Ran == 1, "it ran once resumed");
                  HANDLE Gone;
                  std::function<void()> Quick = [] {};
                  ASSERT_EQ(StartThreadIn(nullptr, &Quick, &Gone), STATUS_SUCCESS);
                  WaitHandle(Gone);
                  Checks.Expect(NtSuspendThread(Gone, &Previous) == STATUS_THREAD_IS_TERMINATING,
                                "a thread that has exited cannot be suspended");
                  ZwClose(Gone);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Checks.Count, 7);
    EXPECT_TRUE(Checks.Failures.empty()) << Checks.Report();
}

TEST_P(PsStateTest, SuspendProcessSuspendsEachOfItsThreads)
{
    ULONG Counts[2] = {9, 9}, After[2] = {9, 9};
    NTSTATUS Suspend = STATUS_PENDING, Resume = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  Waiter A, B;
                  ASSERT_EQ(A.Start(Process), STATUS_SUCCESS);
                  ASSERT_EQ(B.Start(Process), STATUS_SUCCESS);
                  Suspend = NtSuspendProcess(Process);
                  Counts[0] = A.Thread->Tcb.SuspendCount;
                  Counts[1] = B.Thread->Tcb.SuspendCount;
                  Resume = NtResumeProcess(Process);
                  After[0] = A.Thread->Tcb.SuspendCount;
                  After[1] = B.Thread->Tcb.SuspendCount;
                  A.Finish();
                  B.Finish();
                  WaitHandle(Process);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Suspend, STATUS_SUCCESS);
    EXPECT_EQ(Resume, STATUS_SUCCESS);
    EXPECT_EQ(Counts[0], 1u);
    EXPECT_EQ(Counts[1], 1u);
    EXPECT_EQ(After[0], 0u);
    EXPECT_EQ(After[1], 0u);
}

TEST_P(PsStateTest, AlertsReachAnAlertableWaitAndTestAlertConsumesThem)
{
    NTSTATUS Alert = STATUS_PENDING, Woken = STATUS_PENDING, First = STATUS_PENDING, Second = STATUS_PENDING;
    NTSTATUS AlertResume = STATUS_PENDING, ApcToSystemThread = STATUS_PENDING;
    ULONG ResumePrevious = 99, CountAfter = 99;
    ASSERT_EQ(RunInKernel([&] {
                  Waiter W;
                  ASSERT_EQ(W.Start(nullptr, TRUE), STATUS_SUCCESS);
                  Alert = NtAlertThread(W.Handle);
                  WaitHandle(W.Handle);
                  Woken = W.WaitStatus;
                  W.Finish();

                  KeAlertThread(KeGetCurrentThread(), KernelMode);
                  First = NtTestAlert();
                  Second = NtTestAlert();

                  Waiter S;
                  ASSERT_EQ(S.Start(), STATUS_SUCCESS);
                  NtSuspendThread(S.Handle, nullptr);
                  NtSuspendThread(S.Handle, nullptr);
                  AlertResume = NtAlertResumeThread(S.Handle, &ResumePrevious);
                  CountAfter = S.Thread->Tcb.SuspendCount;
                  NtResumeThread(S.Handle, nullptr);
                  ApcToSystemThread = NtQueueApcThread(S.Handle, [](PVOID, PVOID, PVOID) {}, nullptr, nullptr,
                                                       nullptr);
                  S.Finish();
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Alert, STATUS_SUCCESS);
    EXPECT_EQ(Woken, STATUS_ALERTED);
    EXPECT_EQ(First, STATUS_ALERTED);
    EXPECT_EQ(Second, STATUS_SUCCESS) << "the first test consumed the alert";
    EXPECT_EQ(AlertResume, STATUS_SUCCESS);
    EXPECT_EQ(ResumePrevious, 2u);
    EXPECT_EQ(CountAfter, 1u) << "alert-resume undoes one suspension";
    EXPECT_EQ(ApcToSystemThread, STATUS_INVALID_HANDLE) << "a system thread has no user mode";
}

TEST_P(PsStateTest, QueryThreadAndProcessBasicInformationAndTimes)
{
    KernelChecks Checks;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  auto *ProcessObject = Reference<EPROCESS>(Process, *PsProcessType);
                  Waiter W;
                  ASSERT_EQ(W.Start(Process), STATUS_SUCCESS);
                  THREAD_BASIC_INFORMATION Basic{};
                  ULONG Returned = 0;
                  Checks.Expect(ZwQueryInformationThread(W.Handle, ThreadBasicInformation, &Basic, sizeof(Basic),
                                                         &Returned) == STATUS_SUCCESS &&
                                    Returned == sizeof(Basic),
                                "ThreadBasicInformation");
                  Checks.Expect(Basic.ClientId.UniqueThread == W.Thread->Cid.UniqueThread &&
                                    Basic.ClientId.UniqueProcess == PsGetProcessId(ProcessObject),
                                "its CID");
                  Checks.Expect(Basic.ExitStatus == STATUS_PENDING && Basic.Priority == W.Thread->Tcb.Priority &&
                                    Basic.BasePriority == 0 && Basic.TebBaseAddress == nullptr,
                                "running, at its priority, base 0 against its process, no TEB");
                  Checks.Expect(ZwQueryInformationThread(W.Handle, ThreadBasicInformation, &Basic, sizeof(Basic) - 1,
                                                         nullptr) == STATUS_INFO_LENGTH_MISMATCH,
                                "the length must match");
                  Checks.Expect(ZwQueryInformationThread(W.Handle, ThreadPriority, &Basic, sizeof(Basic), nullptr) ==
                                    STATUS_INVALID_INFO_CLASS,
                                "a class it does not serve");
                  W.Finish();
                  KERNEL_USER_TIMES Times{};
                  HANDLE Self;
                  ASSERT_EQ(ObOpenObjectByPointer(PsGetCurrentThread(), OBJ_KERNEL_HANDLE, nullptr, THREAD_ALL_ACCESS,
                                                  *PsThreadType, KernelMode, &Self),
                            STATUS_SUCCESS);
                  NTSTATUS TimesStatus = ZwQueryInformationThread(Self, ThreadTimes, &Times, sizeof(Times), nullptr);
                  Checks.Expect(TimesStatus == STATUS_SUCCESS && Times.CreateTime.QuadPart != 0 &&
                                    Times.ExitTime.QuadPart == 0,
                                "ThreadTimes of a live thread: " + std::to_string(TimesStatus) + " " +
                                    std::to_string(Times.CreateTime.QuadPart) + " " +
                                    std::to_string(Times.ExitTime.QuadPart));
                  ZwClose(Self);

                  PROCESS_BASIC_INFORMATION ProcessBasic{};
                  Checks.Expect(ZwQueryInformationProcess(Process, ProcessBasicInformation, &ProcessBasic,
                                                          sizeof(ProcessBasic), nullptr) == STATUS_SUCCESS,
                                "ProcessBasicInformation");
                  Checks.Expect(ProcessBasic.UniqueProcessId ==
                                        reinterpret_cast<ULONG_PTR>(PsGetProcessId(ProcessObject)) &&
                                    ProcessBasic.InheritedFromUniqueProcessId ==
                                        reinterpret_cast<ULONG_PTR>(PsGetProcessId(PsInitialSystemProcess)) &&
                                    ProcessBasic.ExitStatus == STATUS_SUCCESS && ProcessBasic.BasePriority == 8,
                                "ids, the exit status of its last thread, normal priority");
                  Checks.Expect(ZwQueryInformationProcess(Process, ProcessTimes, &Times, sizeof(Times), nullptr) ==
                                        STATUS_SUCCESS &&
                                    Times.ExitTime.QuadPart >= Times.CreateTime.QuadPart &&
                                    Times.CreateTime.QuadPart != 0,
                                "ProcessTimes of an ended process");
                  Checks.Expect(ZwQueryInformationProcess(Process, ProcessVmCounters, &Times, sizeof(Times),
                                                          nullptr) == STATUS_INVALID_INFO_CLASS,
                                "a class it does not serve");
                  ObDereferenceObject(ProcessObject);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Checks.Count, 10);
    EXPECT_TRUE(Checks.Failures.empty()) << Checks.Report();
}

TEST_P(PsStateTest, SetInformationThreadChecksEachClassesValue)
{
    KernelChecks Checks;
    ASSERT_EQ(RunInKernel([&] {
                  Waiter W;
                  ASSERT_EQ(W.Start(), STATUS_SUCCESS);
                  auto Set = [&](THREADINFOCLASS Class, auto Value) {
                      return ZwSetInformationThread(W.Handle, Class, &Value, sizeof(Value));
                  };
                  Checks.Expect(Set(ThreadPriority, KPRIORITY(12)) == STATUS_SUCCESS && W.Thread->Tcb.Priority == 12,
                                "priority 12");
                  Checks.Expect(Set(ThreadPriority, KPRIORITY(0)) == STATUS_INVALID_PARAMETER, "priority 0");
                  Checks.Expect(Set(ThreadPriority, KPRIORITY(32)) == STATUS_INVALID_PARAMETER, "priority 32");
                  Checks.Expect(Set(ThreadPriority, SHORT(12)) == STATUS_INFO_LENGTH_MISMATCH, "a short value");
                  Checks.Expect(Set(ThreadBasePriority, LONG(1)) == STATUS_SUCCESS &&
                                    KeQueryBasePriorityThread(&W.Thread->Tcb) == 1,
                                "base priority +1");
                  Checks.Expect(Set(ThreadBasePriority, LONG(3)) == STATUS_INVALID_PARAMETER, "base priority +3");
                  Checks.Expect(Set(ThreadAffinityMask, KAFFINITY(0)) == STATUS_INVALID_PARAMETER, "no processor");
                  Checks.Expect(Set(ThreadAffinityMask, KAFFINITY(1)) == STATUS_SUCCESS &&
                                    W.Thread->Tcb.Affinity == 1,
                                "processor 0 only");
                  Checks.Expect(Set(ThreadHideFromDebugger, ULONG(1)) == STATUS_INFO_LENGTH_MISMATCH,
                                "hide-from-debugger takes no value");
                  Checks.Expect(ZwSetInformationThread(W.Handle, ThreadHideFromDebugger, nullptr, 0) ==
                                        STATUS_SUCCESS &&
                                    W.Thread->HideFromDebugger,
                                "hidden");
                  Checks.Expect(Set(ThreadZeroTlsCell, ULONG(0)) == STATUS_INVALID_INFO_CLASS, "unserved class");
                  W.Finish();
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Checks.Count, 11);
    EXPECT_TRUE(Checks.Failures.empty()) << Checks.Report();
}

NTOS_INSTANTIATE_ALL_MODES(PsStateTest);

} // namespace
