// bench_common.h - what the kernel benchmarks share: running a benchmark loop inside
// a freshly booted kernel.
#pragma once

#include <benchmark/benchmark.h>

#include <functional>

#include "nthost.h"

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
