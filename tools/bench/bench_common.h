// bench_common.h - what the kernel benchmarks share: running a benchmark loop inside
// a freshly booted kernel.
#pragma once

#include <benchmark/benchmark.h>

#include <functional>

#include "nthost.h"
#include "ndk/ntndk.h"

struct Machine {
    bool Deterministic;
    ULONG Processors;
};

// Boots Mode, runs Body on a system thread (the benchmark loop runs inside the
// kernel), shuts down; a failure at any step marks the benchmark skipped.
inline void RunBenchmarkInKernel(benchmark::State &State, Machine Mode, const std::function<void()> &Body)
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

// Inside the kernel: starts a system thread running StartRoutine(Context) as a driver
// would (PsCreateSystemThread, then the handle swapped for a reference); NULL on failure.
inline PETHREAD StartBenchThread(PKSTART_ROUTINE StartRoutine, PVOID Context)
{
    HANDLE Handle;
    if (!NT_SUCCESS(PsCreateSystemThread(&Handle, THREAD_ALL_ACCESS, nullptr, nullptr, nullptr, StartRoutine, Context)))
        return nullptr;
    PVOID Thread = nullptr;
    ObReferenceObjectByHandle(Handle, 0, *PsThreadType, KernelMode, &Thread, nullptr);
    ZwClose(Handle);
    return static_cast<PETHREAD>(Thread);
}

// Inside the kernel: the rest of a thread's life: waits for it to terminate and for the
// reaper to free its stack and drop its reference, then drops the caller's (the object
// is deleted here).
inline void JoinBenchThread(PETHREAD Thread)
{
    KeWaitForSingleObject(Thread, Executive, KernelMode, FALSE, nullptr);
    LARGE_INTEGER Yield{};
    while (__atomic_load_n(&OBJECT_TO_OBJECT_HEADER(Thread)->PointerCount, __ATOMIC_ACQUIRE) > 1)
        KeDelayExecutionThread(KernelMode, FALSE, &Yield);
    ObDereferenceObject(Thread);
}
