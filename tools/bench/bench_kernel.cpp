// Kernel figures, each measured beside its host baseline in the same run: a
// synchronization-event ping-pong between two system threads (per switch), and a
// system thread's whole life (create, run, terminate, reap, free).
#include <benchmark/benchmark.h>

#include <time.h>

#include <chrono>
#include <functional>

#include "nthost.h"
#include "ndk/ntndk.h"
#include "ke.h"
#include "ps.h"
#include "pseh/pseh2.h"
#include "ex.h"

namespace {

// CPU time of the calling host thread, in ns. On a one-processor machine every
// kernel thread runs on one host thread, so this excludes the time the host gave to
// other processes: the steadier figure on a shared machine.
double HostThreadCpuNs()
{
    timespec Now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &Now);
    return static_cast<double>(Now.tv_sec) * 1e9 + static_cast<double>(Now.tv_nsec);
}

struct Machine {
    bool Deterministic;
    ULONG Processors;
};

// Boots, runs Body on a system thread (the benchmark loop runs inside the kernel),
// shuts down.
void RunBenchmarkInKernel(benchmark::State &State, Machine Mode, const std::function<void()> &Body)
{
    NTOS_BOOT_OPTIONS Options{};
    Options.Size = sizeof(Options);
    Options.Processors = Mode.Processors;
    Options.Deterministic = Mode.Deterministic;
    Options.Seed = 1;
    if (!NT_SUCCESS(NtosBoot(&Options))) {
        State.SkipWithError("NtosBoot failed");
        return;
    }
    NTSTATUS Exit;
    auto Trampoline = [](PVOID Context) { (*static_cast<const std::function<void()> *>(Context))(); };
    if (!NT_SUCCESS(NtosRunSystemThread(Trampoline, const_cast<std::function<void()> *>(&Body), &Exit)))
        State.SkipWithError("NtosRunSystemThread failed");
    if (!NT_SUCCESS(NtosShutdown()))
        State.SkipWithError("NtosShutdown reported leaks");
}

PETHREAD StartThread(const std::function<void()> *Body)
{
    PETHREAD Thread = nullptr;
    auto Trampoline = [](PVOID Context) { (*static_cast<const std::function<void()> *>(Context))(); };
    PspCreateSystemThreadObject(Trampoline, const_cast<std::function<void()> *>(Body), &Thread);
    return Thread;
}

void JoinThread(PETHREAD Thread)
{
    KeWaitForSingleObject(&Thread->Tcb, Executive, KernelMode, FALSE, nullptr);
    PspReapRoutine(nullptr);
    PspDeleteSystemThreadObject(Thread);
}

// KeSetEvent -> waiter runs: the benchmark thread and a partner bounce a token
// through two synchronization events; one iteration is two switches. On one
// processor, cpu_ns_per_switch is the same figure in host-thread CPU time.
void BM_Kernel_EventPingPong(benchmark::State &State, Machine Mode)
{
    int64_t Switches = 0;
    RunBenchmarkInKernel(State, Mode, [&] {
        KEVENT Ping, Pong;
        volatile LONG Stop = 0;
        KeInitializeEvent(&Ping, SynchronizationEvent, FALSE);
        KeInitializeEvent(&Pong, SynchronizationEvent, FALSE);
        std::function<void()> Partner = [&] {
            for (;;) {
                KeWaitForSingleObject(&Ping, Executive, KernelMode, FALSE, nullptr);
                if (Stop)
                    return;
                KeSetEvent(&Pong, 0, FALSE);
            }
        };
        PETHREAD Thread = StartThread(&Partner);
        auto WallStart = std::chrono::steady_clock::now();
        double CpuStart = HostThreadCpuNs();
        for (auto _ : State) {
            KeSetEvent(&Ping, 0, FALSE);
            KeWaitForSingleObject(&Pong, Executive, KernelMode, FALSE, nullptr);
        }
        Switches = State.iterations() * 2;
        // Plain ns, as the baselines report it (a kInvert rate counter is in seconds).
        State.counters["ns_per_switch"] =
            std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - WallStart).count() /
            static_cast<double>(Switches);
        if (Mode.Processors == 1)
            State.counters["cpu_ns_per_switch"] = (HostThreadCpuNs() - CpuStart) / static_cast<double>(Switches);
        Stop = 1;
        KeSetEvent(&Ping, 0, FALSE);
        JoinThread(Thread);
    });
    State.SetItemsProcessed(Switches);
}
BENCHMARK_CAPTURE(BM_Kernel_EventPingPong, Realtime1P, Machine{false, 1})->UseRealTime();
BENCHMARK_CAPTURE(BM_Kernel_EventPingPong, Realtime2P, Machine{false, 2})->UseRealTime();
BENCHMARK_CAPTURE(BM_Kernel_EventPingPong, Deterministic1P, Machine{true, 1})->UseRealTime();

// A system thread's life: create, run an empty routine, terminate, reap, free.
void BM_Kernel_SystemThreadLifecycle(benchmark::State &State, Machine Mode)
{
    RunBenchmarkInKernel(State, Mode, [&] {
        std::function<void()> Empty = [] {};
        for (auto _ : State)
            JoinThread(StartThread(&Empty));
    });
}
BENCHMARK_CAPTURE(BM_Kernel_SystemThreadLifecycle, Realtime1P, Machine{false, 1})->UseRealTime();
BENCHMARK_CAPTURE(BM_Kernel_SystemThreadLifecycle, Realtime2P, Machine{false, 2})->UseRealTime();

// Uncontended ERESOURCE acquire + release (exclusive or shared, in a critical region)
// and rundown-protection acquire + release, on one processor; the baselines are
// pthread_rwlock write/read lock + unlock (BM_Baseline_Rwlock*).
void BM_Kernel_ResourceAcquireRelease(benchmark::State &State, BOOLEAN Exclusive)
{
    RunBenchmarkInKernel(State, Machine{false, 1}, [&] {
        ERESOURCE Resource;
        ExInitializeResourceLite(&Resource);
        KeEnterCriticalRegion();
        for (auto _ : State) {
            if (Exclusive)
                ExAcquireResourceExclusiveLite(&Resource, TRUE);
            else
                ExAcquireResourceSharedLite(&Resource, TRUE);
            ExReleaseResourceLite(&Resource);
        }
        KeLeaveCriticalRegion();
        ExDeleteResourceLite(&Resource);
    });
}
BENCHMARK_CAPTURE(BM_Kernel_ResourceAcquireRelease, Exclusive, TRUE)->UseRealTime();
BENCHMARK_CAPTURE(BM_Kernel_ResourceAcquireRelease, Shared, FALSE)->UseRealTime();

void BM_Kernel_RundownAcquireRelease(benchmark::State &State)
{
    RunBenchmarkInKernel(State, Machine{false, 1}, [&] {
        EX_RUNDOWN_REF RunRef;
        ExInitializeRundownProtection(&RunRef);
        for (auto _ : State) {
            ExAcquireRundownProtection(&RunRef);
            ExReleaseRundownProtection(&RunRef);
        }
        ExWaitForRundownProtectionRelease(&RunRef);
    });
}
BENCHMARK(BM_Kernel_RundownAcquireRelease)->UseRealTime();

} // namespace

namespace {

// A raise caught by the enclosing try (one ExRaiseStatus, dispatch and jump), beside a
// C++ throw caught by its try in the same loop shape.
void BM_Kernel_SehRaiseAndCatch(benchmark::State &State)
{
    RunBenchmarkInKernel(State, Machine{true, 1}, [&] {
        for (auto _ : State) {
            _SEH2_TRY {
                ExRaiseStatus(STATUS_UNSUCCESSFUL);
            } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
                benchmark::DoNotOptimize(_SEH2_GetExceptionCode());
            } _SEH2_END;
        }
    });
}
BENCHMARK(BM_Kernel_SehRaiseAndCatch);

void BM_Baseline_CxxThrowAndCatch(benchmark::State &State)
{
    for (auto _ : State) {
        try {
            throw STATUS_UNSUCCESSFUL;
        } catch (NTSTATUS Code) {
            benchmark::DoNotOptimize(Code);
        }
    }
}
BENCHMARK(BM_Baseline_CxxThrowAndCatch);

// Entering and leaving a try with no exception (frame link, setjmp, unlink).
void BM_Kernel_SehTryNoException(benchmark::State &State)
{
    RunBenchmarkInKernel(State, Machine{true, 1}, [&] {
        for (auto _ : State) {
            _SEH2_TRY {
                benchmark::ClobberMemory();
            } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
            } _SEH2_END;
        }
    });
}
BENCHMARK(BM_Kernel_SehTryNoException);
// Uncontended acquire + release of each executive lock, one iteration per pair, on a
// realtime processor at PASSIVE_LEVEL (the push locks inside a critical region, as
// their callers are); the host's scale is BM_Baseline_MutexLockUnlock.
void BM_Kernel_GuardedMutexUncontended(benchmark::State &State)
{
    RunBenchmarkInKernel(State, Machine{false, 1}, [&] {
        KGUARDED_MUTEX Mutex;
        KeInitializeGuardedMutex(&Mutex);
        for (auto _ : State) {
            KeAcquireGuardedMutex(&Mutex);
            KeReleaseGuardedMutex(&Mutex);
        }
    });
}
BENCHMARK(BM_Kernel_GuardedMutexUncontended);

void BM_Kernel_FastMutexUncontended(benchmark::State &State)
{
    RunBenchmarkInKernel(State, Machine{false, 1}, [&] {
        FAST_MUTEX Mutex;
        ExInitializeFastMutex(&Mutex);
        for (auto _ : State) {
            ExAcquireFastMutex(&Mutex);
            ExReleaseFastMutex(&Mutex);
        }
    });
}
BENCHMARK(BM_Kernel_FastMutexUncontended);

void BM_Kernel_PushLockUncontended(benchmark::State &State, bool Shared)
{
    RunBenchmarkInKernel(State, Machine{false, 1}, [&] {
        EX_PUSH_LOCK Lock;
        ExInitializePushLock(&Lock);
        KeEnterCriticalRegion();
        for (auto _ : State) {
            if (Shared) {
                ExAcquirePushLockShared(&Lock);
                ExReleasePushLockShared(&Lock);
            } else {
                ExAcquirePushLockExclusive(&Lock);
                ExReleasePushLockExclusive(&Lock);
            }
        }
        KeLeaveCriticalRegion();
    });
}
BENCHMARK_CAPTURE(BM_Kernel_PushLockUncontended, Exclusive, false);
BENCHMARK_CAPTURE(BM_Kernel_PushLockUncontended, Shared, true);

} // namespace
