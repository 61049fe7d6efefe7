// user_thread.h - hosted user threads for tests: a start routine that records what it
// saw (mode, stack, TEB) and runs a body in user mode, started with
// RtlCreateUserThread; its exit status; and waiting for it to reach a phase.
#pragma once

#include "ps_test.h"

namespace ps_test {

// What a user thread's start routine saw, and the body it runs.
struct UserRun {
    KPROCESSOR_MODE Mode = KernelMode;
    PVOID Local = nullptr;
    PTEB Teb = nullptr;
    CLIENT_ID TebCid{};
    HANDLE WaitOn = nullptr;
    NTSTATUS ServiceStatus = STATUS_PENDING;
    volatile LONG Phase = 0;
    std::function<NTSTATUS(UserRun &)> Body;
};

inline NTSTATUS NTAPI UserStart(PVOID Parameter)
{
    auto *Run = static_cast<UserRun *>(Parameter);
    int Local = 0;
    Run->Local = &Local;
    Run->Mode = ExGetPreviousMode();
    Run->Teb = NtCurrentTeb();
    if (Run->Teb)
        Run->TebCid = Run->Teb->ClientId;
    return Run->Body ? Run->Body(*Run) : 0x5A;
}

// Starts a user thread in Process running Run; returns its handle.
inline NTSTATUS StartUserThread(HANDLE Process, UserRun *Run, PHANDLE Thread, BOOLEAN Suspended = FALSE,
                         PCLIENT_ID Cid = nullptr)
{
    return RtlCreateUserThread(Process, nullptr, Suspended, 0, 0, 0, UserStart, Run, Thread, Cid);
}

// The exit status of the thread a handle names, once it has ended.
inline NTSTATUS ExitStatusOf(HANDLE Thread)
{
    WaitHandle(Thread);
    PETHREAD Object = Reference<ETHREAD>(Thread, *PsThreadType);
    NTSTATUS Status = PsGetThreadExitStatus(Object);
    ObDereferenceObject(Object);
    return Status;
}

// Runs Run as a user thread in a new child of the System process; Setup, when given,
// gets the thread's handle once it is started; waits for the thread and the process.
inline void RunUserThreadInNewProcess(UserRun &Run, const std::function<void(HANDLE, UserRun &)> &Setup = {})
{
    HANDLE Process, Thread;
    ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
    ASSERT_EQ(StartUserThread(Process, &Run, &Thread), STATUS_SUCCESS);
    if (Setup)
        Setup(Thread, Run);
    ExitStatusOf(Thread);
    ZwClose(Thread);
    WaitHandle(Process);
    ZwClose(Process);
}

// Spins (at interrupt points) until Run reached Phase.
inline void WaitForPhase(UserRun &Run, LONG Phase)
{
    LARGE_INTEGER Interval;
    Interval.QuadPart = -10 * 100;
    while (ntos_test::ReadShared(Run.Phase) < Phase)
        KeDelayExecutionThread(KernelMode, FALSE, &Interval);
}

} // namespace ps_test
