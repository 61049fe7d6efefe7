// NtWaitForMultipleObjects in every machine mode: WaitAny's index, WaitAll waiting for
// every object, timeouts (zero too), the pool wait blocks beyond THREAD_WAIT_OBJECTS,
// the parameter checks, SYNCHRONIZE access, invalid and kernel handles from user mode
// with no reference left behind, bad user arrays, and alerts. After what ReactOS's
// ntoskrnl/ob/obwait.c does.
#include <vector>

#include "../mm/mm_test.h"
#include "ob_test.h"

using namespace ntos_test;

namespace {

class ObWaitTest : public KernelTest {};

// Inside the kernel: system threads that exit at once or block on a gate until the
// test opens it; their kernel handles are closed (after the threads end) by Join.
struct Threads {
    KEVENT Gate;
    std::function<void()> Exit = [] {};
    std::function<void()> Block = [this] { KeWaitForSingleObject(&Gate, Executive, KernelMode, FALSE, nullptr); };
    std::vector<HANDLE> All;

    Threads() { KeInitializeEvent(&Gate, NotificationEvent, FALSE); }
    HANDLE Start(bool Blocks)
    {
        HANDLE Handle = nullptr;
        if (!NT_SUCCESS(ps_test::StartThreadIn(nullptr, Blocks ? &Block : &Exit, &Handle)))
            return nullptr;
        All.push_back(Handle);
        return Handle;
    }
    // An exiting thread, once it has ended.
    HANDLE Exited()
    {
        HANDLE Handle = Start(false);
        ZwWaitForSingleObject(Handle, FALSE, nullptr);
        return Handle;
    }
    void Join()
    {
        KeSetEvent(&Gate, 0, FALSE);
        for (HANDLE Handle : All) {
            ZwWaitForSingleObject(Handle, FALSE, nullptr);
            ZwClose(Handle);
        }
        All.clear();
    }
};

NTSTATUS WaitFor(std::vector<HANDLE> Handles, WAIT_TYPE Type, LONG64 TimeoutMs = -1, BOOLEAN Alertable = FALSE)
{
    LARGE_INTEGER Timeout = RelativeMs(TimeoutMs);
    return ZwWaitForMultipleObjects((ULONG)Handles.size(), Handles.data(), Type, Alertable,
                                    TimeoutMs < 0 ? nullptr : &Timeout);
}

LONG_PTR PointerCountOf(PVOID Object) { return __atomic_load_n(&HeaderOf(Object)->PointerCount, __ATOMIC_ACQUIRE); }

TEST_P(ObWaitTest, WaitAnyReturnsTheIndexOfTheFirstSignalledObject)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  Threads T;
                  HANDLE Blocked1 = T.Start(true), Blocked2 = T.Start(true), Done = T.Exited(), Done2 = T.Exited();
                  C.Expect(WaitFor({Blocked1, Blocked2, Done}, WaitAny) == STATUS_WAIT_0 + 2, "third signalled");
                  C.Expect(WaitFor({Done, Blocked1}, WaitAny) == STATUS_WAIT_0, "first signalled");
                  C.Expect(WaitFor({Blocked1, Done2, Done}, WaitAny) == STATUS_WAIT_0 + 1, "lowest index of two");
                  C.Expect(WaitFor({Done, Done}, WaitAny) == STATUS_WAIT_0, "WaitAny may name an object twice");
                  C.Expect(WaitFor({NtCurrentProcess(), Done}, WaitAny, 0) == STATUS_WAIT_0 + 1,
                           "a pseudo-handle is waited on as its process");
                  T.Join();
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ObWaitTest, WaitAllReturnsOnlyOnceEveryObjectIsSignalled)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  Threads T;
                  HANDLE Blocked1 = T.Start(true), Blocked2 = T.Start(true), Done = T.Exited();
                  C.Expect(WaitFor({Blocked1, Done, Blocked2}, WaitAll, 0) == STATUS_TIMEOUT, "not all yet");
                  std::function<void()> Opener = [&] {
                      LARGE_INTEGER Delay = RelativeMs(5);
                      KeDelayExecutionThread(KernelMode, FALSE, &Delay);
                      KeSetEvent(&T.Gate, 0, FALSE);
                  };
                  PETHREAD OpenerThread = StartKernelThread(&Opener);
                  NTSTATUS Status = WaitFor({Blocked1, Done, Blocked2}, WaitAll);
                  C.Expect(Status == STATUS_SUCCESS, "WaitAll satisfied: " + std::to_string(Status));
                  C.Expect(KeReadStateEvent(&T.Gate) != 0, "only after the gate opened");
                  for (HANDLE Handle : {Blocked1, Blocked2}) {
                      PETHREAD Thread = ps_test::Reference<ETHREAD>(Handle, *PsThreadType);
                      C.Expect(Thread && Thread->Tcb.Header.SignalState, "each thread ended");
                      if (Thread)
                          ObDereferenceObject(Thread);
                  }
                  if (OpenerThread)
                      JoinKernelThread(OpenerThread);
                  T.Join();
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ObWaitTest, TimeoutsEndTheWait)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  Threads T;
                  HANDLE Blocked = T.Start(true), Done = T.Exited();
                  C.Expect(WaitFor({Blocked}, WaitAny, 10) == STATUS_TIMEOUT, "WaitAny times out");
                  C.Expect(WaitFor({Blocked, Done}, WaitAll, 10) == STATUS_TIMEOUT, "WaitAll times out");
                  C.Expect(WaitFor({Blocked}, WaitAny, 0) == STATUS_TIMEOUT, "zero timeout polls");
                  C.Expect(WaitFor({Blocked, Done}, WaitAny, 0) == STATUS_WAIT_0 + 1, "zero timeout, signalled");
                  C.Expect(WaitFor({Done}, WaitAll, 0) == STATUS_SUCCESS, "zero timeout, WaitAll signalled");
                  C.Expect(WaitFor({NtCurrentProcess()}, WaitAny, 0) == STATUS_TIMEOUT, "the running process");
                  T.Join();
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ObWaitTest, MoreObjectsThanTheThreadsWaitBlocksUsePool)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  Threads T;
                  std::vector<HANDLE> Ten;
                  for (int I = 0; I < 10; I++)
                      Ten.push_back(T.Exited());
                  C.Expect(WaitFor(Ten, WaitAll) == STATUS_SUCCESS, "10 objects, WaitAll");
                  C.Expect(WaitFor(Ten, WaitAny) == STATUS_WAIT_0, "10 objects, WaitAny");
                  std::vector<HANDLE> Many;
                  for (int I = 0; I < MAXIMUM_WAIT_OBJECTS - 1; I++)
                      Many.push_back(T.Start(true));
                  Many.push_back(T.Exited());
                  bool Started = true;
                  for (HANDLE Handle : Many)
                      Started = Started && Handle;
                  C.Expect(Started, "64 threads started");
                  C.Expect(WaitFor(Many, WaitAny) == STATUS_WAIT_0 + MAXIMUM_WAIT_OBJECTS - 1, "64 objects, the last");
                  C.Expect(WaitFor(Many, WaitAll, 0) == STATUS_TIMEOUT, "64 objects, not all");
                  KeSetEvent(&T.Gate, 0, FALSE);
                  C.Expect(WaitFor(Many, WaitAll) == STATUS_SUCCESS, "64 objects, WaitAll");
                  T.Join();
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ObWaitTest, ParameterErrorsLeaveNoReference)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  // A process without threads: nothing else references it meanwhile.
                  HANDLE Process = nullptr, Copy = nullptr;
                  ps_test::CreateProcess(&Process);
                  PEPROCESS Object = ps_test::Reference<EPROCESS>(Process, *PsProcessType);
                  ZwDuplicateObject(NtCurrentProcess(), Process, NtCurrentProcess(), &Copy, 0, OBJ_KERNEL_HANDLE,
                                    DUPLICATE_SAME_ACCESS);
                  C.Expect(Object && Copy, "set up");
                  if (!Object)
                      return;
                  LONG_PTR Before = PointerCountOf(Object);
                  HANDLE Array[MAXIMUM_WAIT_OBJECTS + 1];
                  for (HANDLE &Handle : Array)
                      Handle = Process;
                  C.Expect(ZwWaitForMultipleObjects(0, Array, WaitAny, FALSE, nullptr) == STATUS_INVALID_PARAMETER_1,
                           "no objects");
                  C.Expect(ZwWaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS + 1, Array, WaitAny, FALSE, nullptr) ==
                               STATUS_INVALID_PARAMETER_1,
                           "65 objects");
                  C.Expect(ZwWaitForMultipleObjects(1, Array, static_cast<WAIT_TYPE>(2), FALSE, nullptr) ==
                               STATUS_INVALID_PARAMETER_3,
                           "bad wait type");
                  C.Expect(WaitFor({Process, Process}, WaitAll) == STATUS_INVALID_PARAMETER_MIX,
                           "WaitAll, same handle");
                  C.Expect(WaitFor({Copy, Process}, WaitAll) == STATUS_INVALID_PARAMETER_MIX,
                           "WaitAll, two handles to one object");
                  C.Expect(WaitFor({Process, Copy}, WaitAny, 0) == STATUS_TIMEOUT, "WaitAny may name one twice");
                  C.Expect(WaitFor({Process, Copy, reinterpret_cast<HANDLE>(0x7FFC)}, WaitAny) ==
                               STATUS_INVALID_HANDLE,
                           "an invalid handle after valid ones");
                  C.Expect(ZwWaitForMultipleObjects(1, reinterpret_cast<PHANDLE>(8), WaitAny, FALSE, nullptr) ==
                               STATUS_ACCESS_VIOLATION,
                           "a kernel caller's wild array is caught, as NT does");
                  C.Expect(PointerCountOf(Object) == Before, "every reference taken was dropped");
                  ZwClose(Copy);
                  ZwClose(Process);
                  ObDereferenceObject(Object);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ObWaitTest, UserModeCallersHandlesArrayAndTimeoutAreChecked)
{
    KernelChecks C;
    ASSERT_EQ(RunWithUserProcess(C, [&](PEPROCESS Process) {
                  Threads T;
                  HANDLE Kernel = T.Exited();
                  Attach InProcess(Process);
                  // The process has no threads: nothing else references it meanwhile.
                  HANDLE Sync = nullptr, NoSync = nullptr;
                  ObOpenObjectByPointer(Process, 0, nullptr, SYNCHRONIZE | PROCESS_QUERY_INFORMATION, *PsProcessType,
                                        KernelMode, &Sync);
                  ObOpenObjectByPointer(Process, 0, nullptr, PROCESS_QUERY_INFORMATION, *PsProcessType, KernelMode,
                                        &NoSync);
                  auto *Array = reinterpret_cast<PHANDLE>(AllocateUser(Process, PAGE_SIZE));
                  PUCHAR Freed = AllocateUser(Process, PAGE_SIZE);
                  C.Expect(Array && Freed && Sync && NoSync, "set up");
                  if (!Array || !Freed)
                      return;
                  FreeUser(Process, Freed);
                  auto *Zero = reinterpret_cast<PLARGE_INTEGER>(Array + 8);
                  Zero->QuadPart = 0;
                  LONG_PTR Before = PointerCountOf(Process);
                  {
                      PreviousModeScope User(UserMode);
                      auto Wait = [&](std::vector<HANDLE> Handles, PLARGE_INTEGER Timeout) {
                          for (size_t I = 0; I < Handles.size(); I++)
                              Array[I] = Handles[I];
                          return NtWaitForMultipleObjects((ULONG)Handles.size(), Array, WaitAny, FALSE, Timeout);
                      };
                      C.Expect(Wait({NoSync, Sync}, Zero) == STATUS_ACCESS_DENIED, "a handle without SYNCHRONIZE");
                      C.Expect(Wait({Sync, NoSync}, Zero) == STATUS_ACCESS_DENIED, "... after a good one");
                      C.Expect(Wait({Sync, reinterpret_cast<HANDLE>(0x7FFC)}, Zero) == STATUS_INVALID_HANDLE,
                               "an invalid handle");
                      C.Expect(Wait({Sync, Kernel}, Zero) == STATUS_INVALID_HANDLE, "a kernel handle");
                      C.Expect(Wait({NoSync, Sync, Sync}, Zero) == STATUS_ACCESS_DENIED, "first failure");
                      C.Expect(Wait({Sync}, Zero) == STATUS_TIMEOUT, "a good handle");
                      Zero->QuadPart = -10 * 1000;
                      C.Expect(Wait({Sync}, Zero) == STATUS_TIMEOUT, "a user timeout");
                      Zero->QuadPart = 0;
                      LARGE_INTEGER KernelTimeout{};
                      C.Expect(Wait({Sync}, &KernelTimeout) == STATUS_ACCESS_VIOLATION, "a timeout outside user range");
                      HANDLE KernelArray[1] = {Sync};
                      C.Expect(NtWaitForMultipleObjects(1, KernelArray, WaitAny, FALSE, Zero) ==
                                   STATUS_ACCESS_VIOLATION,
                               "an array outside user range");
                      C.Expect(NtWaitForMultipleObjects(1, reinterpret_cast<PHANDLE>(Freed), WaitAny, FALSE, Zero) ==
                                   STATUS_ACCESS_VIOLATION,
                               "an array in freed user memory");
                      C.Expect(NtWaitForMultipleObjects(1, reinterpret_cast<PHANDLE>(reinterpret_cast<PUCHAR>(Array) + 1),
                                                        WaitAny, FALSE, Zero) == STATUS_DATATYPE_MISALIGNMENT,
                               "a misaligned array");
                  }
                  C.Expect(PointerCountOf(Process) == Before, "no reference left behind");
                  ZwClose(Sync);
                  ZwClose(NoSync);
                  FreeUser(Process, Array);
                  T.Join();
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ObWaitTest, AnAlertEndsOnlyAnAlertableWait)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  Threads T;
                  HANDLE Blocked1 = T.Start(true), Blocked2 = T.Start(true);
                  NTSTATUS AlertableStatus = STATUS_PENDING, PlainStatus = STATUS_PENDING;
                  std::function<void()> Alertable = [&] {
                      AlertableStatus = WaitFor({Blocked1, Blocked2}, WaitAny, -1, TRUE);
                  };
                  std::function<void()> Plain = [&] { PlainStatus = WaitFor({Blocked1, Blocked2}, WaitAny, 30); };
                  for (auto *Body : {&Alertable, &Plain}) {
                      HANDLE Waiter = nullptr;
                      ps_test::StartThreadIn(nullptr, Body, &Waiter);
                      PETHREAD Thread = ps_test::Reference<ETHREAD>(Waiter, *PsThreadType);
                      SpinUntilWaiting(&Thread->Tcb, UserRequest);
                      C.Expect(NtAlertThread(Waiter) == STATUS_SUCCESS, "alerted");
                      ZwWaitForSingleObject(Waiter, FALSE, nullptr);
                      ObDereferenceObject(Thread);
                      ZwClose(Waiter);
                  }
                  C.Expect(AlertableStatus == STATUS_ALERTED, "alertable wait: " + std::to_string(AlertableStatus));
                  C.Expect(PlainStatus == STATUS_TIMEOUT, "non-alertable wait: " + std::to_string(PlainStatus));
                  T.Join();
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

} // namespace

NTOS_INSTANTIATE_ALL_MODES(ObWaitTest);
