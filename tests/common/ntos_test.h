// ntos_test.h - shared test scaffolding: boot options per mode, a fixture that
// boots in SetUp and requires a leak-free NtosShutdown in TearDown, and RunInKernel,
// which runs a lambda on a fresh system thread and returns its result.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "nthost.h"
#include "ndk/ntndk.h"
#include "ke.h"
#include "ps.h"

namespace ntos_test {

struct MachineMode {
    bool Deterministic;
    ULONG Processors;
    uint64_t Seed;
};

inline std::string ModeName(const MachineMode &Mode)
{
    if (Mode.Deterministic)
        return "Det" + std::to_string(Mode.Processors) + "P_Seed" + std::to_string(Mode.Seed);
    return "Realtime" + std::to_string(Mode.Processors) + "P";
}

inline void PrintTo(const MachineMode &Mode, std::ostream *Out) { *Out << ModeName(Mode); }

inline NTOS_BOOT_OPTIONS BootOptions(const MachineMode &Mode)
{
    NTOS_BOOT_OPTIONS Options{};
    Options.Size = sizeof(Options);
    Options.Processors = Mode.Processors;
    Options.Deterministic = Mode.Deterministic;
    Options.Seed = Mode.Seed;
    return Options;
}

// The sanitizer presets run each test 5-10x slower: they sweep fewer seeds (the
// default preset sweeps them all), keeping CI within its time budget. TSan sweeps one:
// in deterministic mode every processor is a fiber on one host thread and each switch
// synchronizes them for TSan, so only the realtime runs can show it a race.
#if defined(__SANITIZE_THREAD__)
inline constexpr uint64_t DefaultSeeds = 1;
#elif defined(__SANITIZE_ADDRESS__)
inline constexpr uint64_t DefaultSeeds = 4;
#else
inline constexpr uint64_t DefaultSeeds = 16;
#endif

// Deterministic mode over many seeds, and realtime mode on 2 processors.
inline std::vector<MachineMode> AllModes(uint64_t Seeds = DefaultSeeds)
{
    std::vector<MachineMode> Modes;
    for (uint64_t Seed = 1; Seed <= Seeds; Seed++)
        Modes.push_back({true, Seed % 3 == 0 ? 1u : 2u, Seed});
    Modes.push_back({true, 4, 99});
    Modes.push_back({false, 2, 0});
    return Modes;
}

// Dispatcher invariant violations seen by RunInKernel; KernelTest requires none.
inline volatile LONG InvariantViolations;

// Inside the kernel: checks the dispatcher's invariants now, while other threads run.
inline void CheckInvariants()
{
    InterlockedExchangeAdd(&InvariantViolations, (LONG)KiCheckDispatcherInvariants());
}

// Runs Body on a new system thread of the System process, checking the dispatcher's
// invariants before and after it; returns NtosRunSystemThread's status.
inline NTSTATUS RunInKernel(const std::function<void()> &Body, NTSTATUS *ExitStatus = nullptr)
{
    NTSTATUS Exit = STATUS_PENDING;
    auto Trampoline = [](PVOID Context) {
        InterlockedExchangeAdd(&InvariantViolations, (LONG)KiCheckDispatcherInvariants());
        (*static_cast<const std::function<void()> *>(Context))();
        InterlockedExchangeAdd(&InvariantViolations, (LONG)KiCheckDispatcherInvariants());
    };
    NTSTATUS Status = NtosRunSystemThread(Trampoline, const_cast<std::function<void()> *>(&Body), &Exit);
    if (ExitStatus)
        *ExitStatus = Exit;
    return Status;
}

class KernelTest : public ::testing::TestWithParam<MachineMode> {
protected:
    void SetUp() override
    {
        NTOS_BOOT_OPTIONS Options = BootOptions(GetParam());
        InvariantViolations = 0;
        ASSERT_EQ(NtosBoot(&Options), STATUS_SUCCESS) << ModeName(GetParam());
    }
    void TearDown() override
    {
        EXPECT_EQ(InvariantViolations, 0) << "dispatcher invariants broken in " << ModeName(GetParam());
        EXPECT_EQ(NtosShutdown(), STATUS_SUCCESS) << "leaks after " << ModeName(GetParam());
    }
};

inline std::string ParamName(const ::testing::TestParamInfo<MachineMode> &Info) { return ModeName(Info.param); }

// Checks made inside the kernel, where the tests record rather than assert; the test
// body reports them afterwards.
struct KernelChecks {
    std::vector<std::string> Failures;
    int Count = 0;
    void Expect(bool Ok, const std::string &What)
    {
        Count++;
        if (!Ok)
            Failures.push_back(What);
    }
    std::string Report() const
    {
        std::string All;
        for (const std::string &Failure : Failures)
            All += Failure + "\n";
        return All;
    }
};

// Death tests boot in the forked child: the threadsafe style re-runs the test there.
class KernelDeathTest : public ::testing::Test {
protected:
    void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

// For death tests: boots Mode, runs Body in a system thread, shuts down.
inline void BootAndRun(const std::function<void()> &Body, const MachineMode &Mode = {true, 2, 5})
{
    NTOS_BOOT_OPTIONS Options = BootOptions(Mode);
    if (NT_SUCCESS(NtosBoot(&Options)))
        RunInKernel(Body), NtosShutdown();
}

} // namespace ntos_test

#define NTOS_INSTANTIATE_ALL_MODES(Suite) \
    INSTANTIATE_TEST_SUITE_P(Modes, Suite, ::testing::ValuesIn(ntos_test::AllModes()), ntos_test::ParamName)

namespace ntos_test {

// Inside the kernel: starts a system thread running Body (which must outlive it) and
// returns it referenced (NULL if it could not be created).
inline PETHREAD StartKernelThread(const std::function<void()> *Body)
{
    auto Trampoline = [](PVOID Context) { (*static_cast<const std::function<void()> *>(Context))(); };
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, nullptr, OBJ_KERNEL_HANDLE, nullptr, nullptr);
    HANDLE Handle;
    NTSTATUS Status = PsCreateSystemThread(&Handle, THREAD_ALL_ACCESS, &Attributes, nullptr, nullptr, Trampoline,
                                           const_cast<std::function<void()> *>(Body));
    if (!NT_SUCCESS(Status))
        return nullptr;
    PETHREAD Thread = nullptr;
    Status = ObReferenceObjectByHandle(Handle, THREAD_ALL_ACCESS, *PsThreadType, KernelMode,
                                       reinterpret_cast<PVOID *>(&Thread), nullptr);
    ZwClose(Handle);
    return NT_SUCCESS(Status) ? Thread : nullptr;
}

// Inside the kernel: waits for a thread from StartKernelThread to end and for the
// reaper to drop its keep-alive reference, then drops the caller's: the thread object
// is gone when this returns (unless someone else still references it).
inline NTSTATUS JoinKernelThread(PETHREAD Thread)
{
    NTSTATUS Status = KeWaitForSingleObject(&Thread->Tcb, Executive, KernelMode, FALSE, nullptr);
    // A short sleep, not a yield: the reaper is a worker thread that may run below the caller.
    LARGE_INTEGER Interval;
    Interval.QuadPart = -10 * 100;
    while (__atomic_load_n(&OBJECT_TO_OBJECT_HEADER(Thread)->PointerCount, __ATOMIC_ACQUIRE) > 1)
        KeDelayExecutionThread(KernelMode, FALSE, &Interval);
    ObDereferenceObject(Thread);
    return Status;
}

// Reads a flag or counter other kernel threads change with interlocked operations.
inline LONG ReadShared(const volatile LONG &Value) { return __atomic_load_n(&Value, __ATOMIC_ACQUIRE); }

// Inside the kernel: an interrupt point at PASSIVE_LEVEL (pending clock, quantum end
// and dispatch requests are taken here), for threads that spin.
inline void InterruptPoint()
{
    KIRQL OldIrql;
    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
    KeLowerIrql(OldIrql);
}

// Inside the kernel: gives the processor to a ready thread of at least the current
// thread's priority, if any, and starts a fresh quantum (a zero-length delay).
inline void YieldExecution()
{
    LARGE_INTEGER Zero{};
    KeDelayExecutionThread(KernelMode, FALSE, &Zero);
}

// Inside the kernel: waits, yielding, until Thread reaches State.
inline void WaitForState(PKTHREAD Thread, KTHREAD_STATE State)
{
    while (KiGetThreadState(Thread) != State)
        YieldExecution();
}

// Inside the kernel: gives other threads the processor (a zero delay, then an
// interrupt window) until Done() holds. At PASSIVE_LEVEL.
template <typename Predicate> inline void SpinUntil(Predicate Done)
{
    while (!Done()) {
        YieldExecution();
        InterruptPoint();
    }
}

// Inside the kernel: spins until Thread waits for Reason; a thread that terminates
// instead fails the test.
inline void SpinUntilWaiting(PKTHREAD Thread, KWAIT_REASON Reason)
{
    SpinUntil([&] {
        KIRQL OldIrql = KiAcquireDispatcherLock();
        UCHAR State = KiGetThreadState(Thread);
        bool Waiting = State == ::Waiting && Thread->WaitReason == Reason;
        KiReleaseDispatcherLock(OldIrql);
        if (State == Terminated)
            ADD_FAILURE() << "thread terminated instead of waiting for reason " << Reason;
        return Waiting || State == Terminated;
    });
}

// A relative timeout of Ms milliseconds.
inline LARGE_INTEGER RelativeMs(LONG64 Ms)
{
    LARGE_INTEGER Due;
    Due.QuadPart = -Ms * 10000;
    return Due;
}

} // namespace ntos_test
