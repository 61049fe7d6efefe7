// Kernel figures, each measured beside its host baseline in the same run: a
// synchronization-event ping-pong between two system threads (per switch), a
// system thread's whole life (create, run, terminate, reap, free), executive locks,
// SEH, and handle tables.
#include <benchmark/benchmark.h>

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <vector>

#include "nthost.h"
#include "ndk/ntndk.h"
#include "ke.h"
#include "ps.h"
#include "pseh/pseh2.h"
#include "ex.h"
#include "perf.h"
#include "bench_common.h"

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

PETHREAD StartThread(const std::function<void()> *Body)
{
    auto Trampoline = [](PVOID Context) { (*static_cast<const std::function<void()> *>(Context))(); };
    return StartBenchThread(Trampoline, const_cast<std::function<void()> *>(Body));
}

// KeSetEvent -> waiter runs: the benchmark thread and a partner bounce a token
// through two synchronization events; one iteration is two switches. On one
// processor, cpu_ns_per_switch is the same figure in host-thread CPU time. With
// Timeline, the kernel's timeline log records it all (its ring wrapping).
void BM_Kernel_EventPingPong(benchmark::State &State, Machine Mode, bool Timeline = false)
{
    int64_t Switches = 0;
    RunBenchmarkInKernel(State, Mode, [&] {
        if (Timeline && !NT_SUCCESS(PerfInfoStartLog(1u << 16)))
            State.SkipWithError("no timeline log");
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
        JoinBenchThread(Thread);
        if (Timeline)
            PerfInfoFreeLog();
    });
    State.SetItemsProcessed(Switches);
}
BENCHMARK_CAPTURE(BM_Kernel_EventPingPong, Realtime1P, Machine{false, 1})->UseRealTime();
BENCHMARK_CAPTURE(BM_Kernel_EventPingPong, Realtime1PTimelineOn, Machine{false, 1}, true)->UseRealTime();
BENCHMARK_CAPTURE(BM_Kernel_EventPingPong, Realtime2P, Machine{false, 2})->UseRealTime();
BENCHMARK_CAPTURE(BM_Kernel_EventPingPong, Deterministic1P, Machine{true, 1})->UseRealTime();

// A system thread's life: create, run an empty routine, terminate, reap, free.
void BM_Kernel_SystemThreadLifecycle(benchmark::State &State, Machine Mode)
{
    RunBenchmarkInKernel(State, Mode, [&] {
        std::function<void()> Empty = [] {};
        for (auto _ : State)
            JoinBenchThread(StartThread(&Empty));
    });
}
BENCHMARK_CAPTURE(BM_Kernel_SystemThreadLifecycle, Realtime1P, Machine{false, 1})->UseRealTime();
BENCHMARK_CAPTURE(BM_Kernel_SystemThreadLifecycle, Realtime2P, Machine{false, 2})->UseRealTime();

// A user thread's whole life in a live process: RtlCreateUserThread (a user stack
// allocated, NtCreateThread, a TEB), the start routine in user mode, its exit through
// NtTerminateThread (TEB and stack freed), the reaper, and the handle closed.
NTSTATUS NTAPI EmptyUserThread(PVOID Parameter)
{
    UNREFERENCED_PARAMETER(Parameter);
    return STATUS_SUCCESS;
}

void BM_Kernel_UserThreadLifecycle(benchmark::State &State)
{
    RunBenchmarkInKernel(State, Machine{false, 1}, [&] {
        OBJECT_ATTRIBUTES Attributes;
        InitializeObjectAttributes(&Attributes, nullptr, OBJ_KERNEL_HANDLE, nullptr, nullptr);
        HANDLE Process;
        if (!NT_SUCCESS(ZwCreateProcessEx(&Process, PROCESS_ALL_ACCESS, &Attributes, NtCurrentProcess(), 0, nullptr,
                                          nullptr, nullptr, FALSE))) {
            State.SkipWithError("ZwCreateProcessEx failed");
            return;
        }
        // A thread that stays, so that the process outlives each measured thread.
        HANDLE Keeper;
        RtlCreateUserThread(Process, nullptr, TRUE, 0, 0, 0, EmptyUserThread, nullptr, &Keeper, nullptr);
        for (auto _ : State) {
            HANDLE Thread;
            if (!NT_SUCCESS(RtlCreateUserThread(Process, nullptr, FALSE, 0, 0, 0, EmptyUserThread, nullptr, &Thread,
                                                nullptr))) {
                State.SkipWithError("RtlCreateUserThread failed");
                break;
            }
            PVOID Object = nullptr;
            ObReferenceObjectByHandle(Thread, 0, *PsThreadType, KernelMode, &Object, nullptr);
            ZwClose(Thread);
            JoinBenchThread(static_cast<PETHREAD>(Object));
        }
        ZwTerminateProcess(Process, STATUS_SUCCESS);
        ZwWaitForSingleObject(Process, FALSE, nullptr);
        ZwClose(Keeper);
        ZwClose(Process);
    });
}
BENCHMARK(BM_Kernel_UserThreadLifecycle)->UseRealTime();

// A process's whole life with no thread in it: ZwCreateProcessEx (object, token copy,
// handle table, CID), ZwTerminateProcess (its handles cleared), ZwClose (deleted).
void BM_Kernel_ProcessCreateTerminateClose(benchmark::State &State)
{
    RunBenchmarkInKernel(State, Machine{false, 1}, [&] {
        OBJECT_ATTRIBUTES Attributes;
        InitializeObjectAttributes(&Attributes, nullptr, OBJ_KERNEL_HANDLE, nullptr, nullptr);
        for (auto _ : State) {
            HANDLE Process;
            if (!NT_SUCCESS(ZwCreateProcessEx(&Process, PROCESS_ALL_ACCESS, &Attributes, NtCurrentProcess(), 0,
                                              nullptr, nullptr, nullptr, FALSE))) {
                State.SkipWithError("ZwCreateProcessEx failed");
                break;
            }
            ZwTerminateProcess(Process, STATUS_SUCCESS);
            ZwClose(Process);
        }
    });
}
BENCHMARK(BM_Kernel_ProcessCreateTerminateClose)->UseRealTime();

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

namespace {

// Handle tables: ExCreateHandle + ExDestroyHandle, and ExMapHandleToPointer +
// ExUnlockHandleTableEntry (in a critical region, as ObReferenceObjectByHandle calls
// it), on one realtime processor with a warm table; the baseline is a pthread-mutex
// protected slot vector with a free-index stack (create/destroy) or a locked lookup
// (map/unlock).
HANDLE_TABLE_ENTRY BenchEntry(ULONG_PTR I)
{
    HANDLE_TABLE_ENTRY Entry{};
    Entry.Value = 0x10000000 + (I << 4);
    Entry.GrantedAccess = 0x1F0FFF;
    return Entry;
}

void BM_Kernel_HandleCreateDestroy(benchmark::State &State)
{
    RunBenchmarkInKernel(State, Machine{false, 1}, [&] {
        PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
        HANDLE_TABLE_ENTRY Entry = BenchEntry(1);
        for (auto _ : State) {
            HANDLE Handle = ExCreateHandle(Table, &Entry);
            benchmark::DoNotOptimize(Handle);
            ExDestroyHandle(Table, Handle, nullptr);
        }
        ExDestroyHandleTable(Table, nullptr);
    });
}
BENCHMARK(BM_Kernel_HandleCreateDestroy);

void BM_Kernel_HandleMapUnlock(benchmark::State &State)
{
    RunBenchmarkInKernel(State, Machine{false, 1}, [&] {
        PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
        std::vector<HANDLE> Handles;
        for (ULONG i = 0; i < 1000; i++) {
            HANDLE_TABLE_ENTRY Entry = BenchEntry(i);
            Handles.push_back(ExCreateHandle(Table, &Entry));
        }
        size_t Next = 0;
        KeEnterCriticalRegion();
        for (auto _ : State) {
            PHANDLE_TABLE_ENTRY Entry = ExMapHandleToPointer(Table, Handles[Next]);
            benchmark::DoNotOptimize(Entry->GrantedAccess);
            ExUnlockHandleTableEntry(Table, Entry);
            Next = Next + 1 == Handles.size() ? 0 : Next + 1;
        }
        KeLeaveCriticalRegion();
        ExDestroyHandleTable(Table, nullptr);
    });
}
BENCHMARK(BM_Kernel_HandleMapUnlock);

// The host baseline: 16-byte entries in a vector, free indices on a stack, one mutex.
struct BaselineHandleTable {
    struct Entry {
        uintptr_t Object;
        uint32_t Access;
    };
    std::mutex Lock;
    std::vector<Entry> Entries;
    std::vector<uint32_t> Free;

    uintptr_t Create(uintptr_t Object, uint32_t Access)
    {
        std::lock_guard<std::mutex> Guard(Lock);
        uint32_t Index;
        if (Free.empty()) {
            Index = static_cast<uint32_t>(Entries.size());
            Entries.push_back({Object, Access});
        } else {
            Index = Free.back();
            Free.pop_back();
            Entries[Index] = {Object, Access};
        }
        return (Index + 1) * 4;
    }
    bool Destroy(uintptr_t Handle)
    {
        std::lock_guard<std::mutex> Guard(Lock);
        size_t Index = Handle / 4 - 1;
        if (Index >= Entries.size() || !Entries[Index].Object)
            return false;
        Entries[Index].Object = 0;
        Free.push_back(static_cast<uint32_t>(Index));
        return true;
    }
    uint32_t Access(uintptr_t Handle)
    {
        std::lock_guard<std::mutex> Guard(Lock);
        size_t Index = Handle / 4 - 1;
        return Index < Entries.size() && Entries[Index].Object ? Entries[Index].Access : 0;
    }
};

void BM_Baseline_HandleCreateDestroy(benchmark::State &State)
{
    BaselineHandleTable Table;
    for (auto _ : State) {
        uintptr_t Handle = Table.Create(0x10000010, 0x1F0FFF);
        benchmark::DoNotOptimize(Handle);
        Table.Destroy(Handle);
    }
}
BENCHMARK(BM_Baseline_HandleCreateDestroy);

void BM_Baseline_HandleMapUnlock(benchmark::State &State)
{
    BaselineHandleTable Table;
    std::vector<uintptr_t> Handles;
    for (uintptr_t i = 0; i < 1000; i++)
        Handles.push_back(Table.Create(0x10000000 + (i << 4), 0x1F0FFF));
    size_t Next = 0;
    for (auto _ : State) {
        benchmark::DoNotOptimize(Table.Access(Handles[Next]));
        Next = Next + 1 == Handles.size() ? 0 : Next + 1;
    }
}
BENCHMARK(BM_Baseline_HandleMapUnlock);

// Resident bytes of this process (/proc/self/statm).
double ResidentBytes()
{
    long Pages = 0, Rss = 0;
    if (FILE *F = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(F, "%ld %ld", &Pages, &Rss) != 2)
            Rss = 0;
        std::fclose(F);
    }
    return static_cast<double>(Rss) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

// Pool bytes a handle table holds: the table, its entry pages and pointer pages.
double HandleTablePoolBytes(PHANDLE_TABLE Table)
{
    BOOLEAN Quota;
    double Bytes = static_cast<double>(ExQueryPoolBlockSize(Table, &Quota));
    ULONG_PTR Code = Table->TableCode;
    auto **Top = reinterpret_cast<PVOID *>(Code & ~static_cast<ULONG_PTR>(3));
    auto Pages = [&](PVOID *Mid) {
        double Sum = static_cast<double>(ExQueryPoolBlockSize(Mid, &Quota));
        for (ULONG i = 0; i < MID_LEVEL_ENTRIES && Mid[i]; i++)
            Sum += static_cast<double>(ExQueryPoolBlockSize(Mid[i], &Quota));
        return Sum;
    };
    if ((Code & 3) == 0)
        return Bytes + static_cast<double>(ExQueryPoolBlockSize(Top, &Quota));
    if ((Code & 3) == 1)
        return Bytes + Pages(Top);
    Bytes += static_cast<double>(ExQueryPoolBlockSize(Top, &Quota));
    for (ULONG i = 0; i < HIGH_LEVEL_ENTRIES && Top[i]; i++)
        Bytes += Pages(static_cast<PVOID *>(Top[i]));
    return Bytes;
}

// A million handles in one table: time to create them, then the table's pool bytes
// and the process's resident growth per handle (the first round's: later rounds reuse
// the host memory the first one freed).
void BM_Kernel_HandleTableMillion(benchmark::State &State)
{
    constexpr ULONG kHandles = 1000000;
    double PoolBytes = 0, RssBytes = 0, CreateNs = 0;
    RunBenchmarkInKernel(State, Machine{false, 1}, [&] {
        for (auto _ : State) {
            double Before = ResidentBytes();
            auto Start = std::chrono::steady_clock::now();
            PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
            for (ULONG i = 0; i < kHandles; i++) {
                HANDLE_TABLE_ENTRY Entry = BenchEntry(i);
                benchmark::DoNotOptimize(ExCreateHandle(Table, &Entry));
            }
            CreateNs += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - Start).count();
            State.PauseTiming();
            RssBytes = std::max(RssBytes, ResidentBytes() - Before); // later rounds reuse freed memory
            PoolBytes = HandleTablePoolBytes(Table);
            ExDestroyHandleTable(Table, nullptr);
            State.ResumeTiming();
        }
    });
    State.counters["pool_B_per_handle"] = PoolBytes / kHandles;
    State.counters["rss_B_per_handle"] = RssBytes / kHandles;
    State.counters["ns_per_handle"] = CreateNs / kHandles / static_cast<double>(State.iterations());
}
BENCHMARK(BM_Kernel_HandleTableMillion)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

void BM_Baseline_HandleTableMillion(benchmark::State &State)
{
    constexpr uintptr_t kHandles = 1000000;
    double Bytes = 0, CreateNs = 0;
    for (auto _ : State) {
        auto Start = std::chrono::steady_clock::now();
        BaselineHandleTable Table;
        for (uintptr_t i = 0; i < kHandles; i++)
            benchmark::DoNotOptimize(Table.Create(0x10000000 + (i << 4), 0x1F0FFF));
        CreateNs += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - Start).count();
        Bytes = static_cast<double>(Table.Entries.capacity() * sizeof(BaselineHandleTable::Entry));
    }
    State.counters["B_per_handle"] = Bytes / kHandles;
    State.counters["ns_per_handle"] = CreateNs / kHandles / static_cast<double>(State.iterations());
}
BENCHMARK(BM_Baseline_HandleTableMillion)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

} // namespace

namespace {

// A lookaside allocate + free pair (a warm nonpaged list of 128-byte blocks) beside
// the pool's allocate + free of the same size and tag, on one realtime processor.
constexpr ULONG kBenchTag = 'hcnB';

void BM_Kernel_LookasideAllocateFree(benchmark::State &State)
{
    RunBenchmarkInKernel(State, Machine{false, 1}, [&] {
        NPAGED_LOOKASIDE_LIST List;
        ExInitializeNPagedLookasideList(&List, nullptr, nullptr, 0, 128, kBenchTag, 0);
        ExFreeToNPagedLookasideList(&List, ExAllocateFromNPagedLookasideList(&List));
        for (auto _ : State) {
            PVOID Block = ExAllocateFromNPagedLookasideList(&List);
            benchmark::DoNotOptimize(Block);
            ExFreeToNPagedLookasideList(&List, Block);
        }
        ExDeleteNPagedLookasideList(&List);
    });
}
BENCHMARK(BM_Kernel_LookasideAllocateFree);

void BM_Kernel_PoolAllocateFree(benchmark::State &State)
{
    RunBenchmarkInKernel(State, Machine{false, 1}, [&] {
        for (auto _ : State) {
            PVOID Block = ExAllocatePoolWithTag(NonPagedPool, 128, kBenchTag);
            benchmark::DoNotOptimize(Block);
            ExFreePoolWithTag(Block, kBenchTag);
        }
    });
}
BENCHMARK(BM_Kernel_PoolAllocateFree);

} // namespace
