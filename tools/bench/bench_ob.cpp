// Object manager figures beside host baselines in the same run: referencing an object
// through its handle (against a reader-locked table lookup with a reference count),
// opening and closing a handle (against dup + close of a file descriptor), and opening
// a named object (against open + close of a path).
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <shared_mutex>
#include <vector>

#include "nthost.h"
#include "ndk/ntndk.h"
#include "ke.h"
#include "ob.h"
#include "bench_common.h"

namespace {

// Inside the kernel: a "BenchObject" type and one object of it named Name (unnamed
// when NULL), with a handle.
PVOID CreateBenchObject(PCWSTR Name, PHANDLE Handle)
{
    OBJECT_TYPE_INITIALIZER Init{};
    Init.Length = sizeof(Init);
    Init.UseDefaultObject = TRUE;
    Init.CaseInsensitive = TRUE;
    Init.PoolType = NonPagedPool;
    Init.GenericMapping = {STANDARD_RIGHTS_READ | 1, STANDARD_RIGHTS_WRITE | 2, STANDARD_RIGHTS_EXECUTE | 4,
                           STANDARD_RIGHTS_REQUIRED | 7};
    Init.ValidAccessMask = STANDARD_RIGHTS_REQUIRED | 7;
    UNICODE_STRING TypeName = RTL_CONSTANT_STRING(L"BenchObject");
    POBJECT_TYPE Type;
    if (!NT_SUCCESS(ObCreateObjectType(&TypeName, &Init, nullptr, &Type)))
        return nullptr;
    UNICODE_STRING ObjectName;
    RtlInitUnicodeString(&ObjectName, Name);
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, Name ? &ObjectName : nullptr, OBJ_CASE_INSENSITIVE, nullptr, nullptr);
    PVOID Object;
    if (!NT_SUCCESS(ObCreateObject(KernelMode, Type, &Attributes, KernelMode, nullptr, 64, 0, 0, &Object)))
        return nullptr;
    PVOID Referenced = nullptr;
    if (!NT_SUCCESS(ObInsertObject(Object, nullptr, 1, 1, &Referenced, Handle)))
        return nullptr;
    return Referenced;
}

// Runs Loop(Object, Handle) in a booted kernel (one processor, realtime) on a bench
// object named Name (or unnamed), which goes afterwards.
void RunOnBenchObject(benchmark::State &State, PCWSTR Name, const std::function<void(PVOID, HANDLE)> &Loop)
{
    RunBenchmarkInKernel(State, Machine{false, 1}, [&] {
        HANDLE Handle;
        PVOID Object = CreateBenchObject(Name, &Handle);
        if (!Object) {
            State.SkipWithError("object creation failed");
            return;
        }
        Loop(Object, Handle);
        ObCloseHandle(Handle, KernelMode);
        ObDereferenceObject(Object);
    });
}

void BM_Kernel_ObReferenceObjectByHandle(benchmark::State &State)
{
    RunOnBenchObject(State, nullptr, [&](PVOID, HANDLE Handle) {
        for (auto _ : State) {
            PVOID Referenced;
            ObReferenceObjectByHandle(Handle, 1, nullptr, UserMode, &Referenced, nullptr);
            ObDereferenceObject(Referenced);
        }
    });
}
BENCHMARK(BM_Kernel_ObReferenceObjectByHandle)->UseRealTime();

// The host shape of the same work: a reader lock over a table, an index, an access
// check and a reference count up and down.
void BM_Baseline_SharedLockedTableReference(benchmark::State &State)
{
    struct Entry {
        std::atomic<long> *Count;
        unsigned Access;
    };
    std::shared_mutex Lock;
    std::atomic<long> Count{1};
    std::vector<Entry> Table(64, Entry{&Count, 1});
    volatile size_t Index = 17;
    for (auto _ : State) {
        std::shared_lock Reader(Lock);
        Entry &Found = Table[Index];
        if (Found.Access & 1)
            Found.Count->fetch_add(1, std::memory_order_relaxed);
        Reader.unlock();
        Found.Count->fetch_sub(1, std::memory_order_acq_rel);
    }
}
BENCHMARK(BM_Baseline_SharedLockedTableReference)->UseRealTime();

void BM_Kernel_ObOpenByPointerAndClose(benchmark::State &State)
{
    RunOnBenchObject(State, nullptr, [&](PVOID Object, HANDLE) {
        for (auto _ : State) {
            HANDLE Opened;
            ObOpenObjectByPointer(Object, 0, nullptr, 1, nullptr, KernelMode, &Opened);
            ObCloseHandle(Opened, KernelMode);
        }
    });
}
BENCHMARK(BM_Kernel_ObOpenByPointerAndClose)->UseRealTime();

void BM_Baseline_DupAndCloseFd(benchmark::State &State)
{
    int Fd = open("/dev/null", O_RDONLY);
    for (auto _ : State)
        close(dup(Fd));
    close(Fd);
}
BENCHMARK(BM_Baseline_DupAndCloseFd)->UseRealTime();

void BM_Kernel_ObOpenByNameAndClose(benchmark::State &State)
{
    RunOnBenchObject(State, L"\\BaseNamedObjects\\BenchObject", [&](PVOID, HANDLE) {
        UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\BaseNamedObjects\\BenchObject");
        OBJECT_ATTRIBUTES Attributes;
        InitializeObjectAttributes(&Attributes, &Name, OBJ_CASE_INSENSITIVE, nullptr, nullptr);
        for (auto _ : State) {
            HANDLE Opened;
            ObOpenObjectByName(&Attributes, nullptr, KernelMode, nullptr, 1, nullptr, &Opened);
            ObCloseHandle(Opened, KernelMode);
        }
    });
}
BENCHMARK(BM_Kernel_ObOpenByNameAndClose)->UseRealTime();

void BM_Baseline_OpenPathAndClose(benchmark::State &State)
{
    for (auto _ : State)
        close(open("/dev/null", O_RDONLY));
}
BENCHMARK(BM_Baseline_OpenPathAndClose)->UseRealTime();

} // namespace
