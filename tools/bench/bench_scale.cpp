// Blocked-thread scale: N threads block on one notification event and one signal
// releases them all. The kernel figure (system threads, KeSetEvent) sits beside a host
// one (pthreads, one condvar broadcast) for the N a host can hold. Each repetition is
// one iteration at one N; the benchmark's time is the release call alone, and the
// counters say:
//   release_ns_per_waiter  the release call (KeSetEvent at DISPATCH_LEVEL: every waiter
//                          unwaited and placed in a ready queue / pthread_cond_broadcast) / N
//   all_ran_ns_per_waiter  from the release until the last woken thread has run / N
//   create_ns_per_thread   create the N threads and see each of them blocked / N
//   rss_KiB_per_thread     resident set growth (/proc/self/statm) while N are blocked / N
//   ptes_B_per_thread      page-table growth (VmPTE) / N, which RSS does not count
//   mappings               the process's memory mappings while N are blocked (the host
//                          allows vm.max_map_count of them, 65530 by default)
#include <benchmark/benchmark.h>

#include <pthread.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <vector>

#include "nthost.h"
#include "ndk/ntndk.h"
#include "ke.h"
#include "ps.h"
#include "bench_common.h"

namespace {

using Clock = std::chrono::steady_clock;

double NsSince(Clock::time_point Start)
{
    return std::chrono::duration<double, std::nano>(Clock::now() - Start).count();
}

// Resident bytes of this process and of its page tables.
struct Resident {
    double Rss = 0;
    double PageTables = 0;
    double Mappings = 0;

    static Resident Now()
    {
        Resident R;
        long Pages = 0, Rss = 0;
        if (FILE *F = std::fopen("/proc/self/statm", "r")) {
            if (std::fscanf(F, "%ld %ld", &Pages, &Rss) != 2)
                Rss = 0;
            std::fclose(F);
        }
        R.Rss = static_cast<double>(Rss) * static_cast<double>(sysconf(_SC_PAGESIZE));
        if (FILE *F = std::fopen("/proc/self/status", "r")) {
            char Line[256];
            long KiB;
            while (std::fgets(Line, sizeof(Line), F))
                if (std::sscanf(Line, "VmPTE: %ld kB", &KiB) == 1)
                    R.PageTables = static_cast<double>(KiB) * 1024;
            std::fclose(F);
        }
        if (FILE *F = std::fopen("/proc/self/maps", "r")) {
            for (int C; (C = std::fgetc(F)) != EOF;)
                R.Mappings += C == '\n';
            std::fclose(F);
        }
        return R;
    }
};

// The counters every variant reports, from one round's measurements.
void ReportRound(benchmark::State &State, double N, double CreateNs, double ReleaseNs, double AllRanNs,
                 const Resident &Before, const Resident &Blocked)
{
    State.counters["create_ns_per_thread"] = CreateNs / N;
    State.counters["release_ns_per_waiter"] = ReleaseNs / N;
    State.counters["all_ran_ns_per_waiter"] = AllRanNs / N;
    State.counters["rss_KiB_per_thread"] = (Blocked.Rss - Before.Rss) / 1024 / N;
    State.counters["ptes_B_per_thread"] = (Blocked.PageTables - Before.PageTables) / N;
    State.counters["mappings"] = Blocked.Mappings;
}

struct KernelRound {
    LONG N;
    KEVENT Go, AllBlocked, AllRan;
    volatile LONG Blocked = 0;
    volatile LONG Ran = 0;
};

// Each waiter: count itself blocked (the last one tells the driver), wait for Go, then
// count itself run. At PASSIVE_LEVEL.
VOID NTAPI KernelWaiter(PVOID Context)
{
    auto *Round = static_cast<KernelRound *>(Context);
    if (InterlockedIncrement(&Round->Blocked) == Round->N)
        KeSetEvent(&Round->AllBlocked, 0, FALSE);
    KeWaitForSingleObject(&Round->Go, Executive, KernelMode, FALSE, nullptr);
    if (InterlockedIncrement(&Round->Ran) == Round->N)
        KeSetEvent(&Round->AllRan, 0, FALSE);
}

// N system threads of a 1-processor realtime machine block on one notification
// event; one KeSetEvent releases them. The driver runs in a system thread.
void BM_Kernel_ReleaseBlockedThreads(benchmark::State &State)
{
    const auto N = static_cast<LONG>(State.range(0));
    NTOS_BOOT_OPTIONS Options{};
    Options.Size = sizeof(Options);
    Options.Processors = 1;
    if (!NT_SUCCESS(NtosBoot(&Options))) {
        State.SkipWithError("NtosBoot failed");
        return;
    }
    std::vector<PETHREAD> Threads;
    Threads.reserve(static_cast<size_t>(N));
    std::function<void()> Driver = [&] {
        for (auto _ : State) {
            KernelRound Round;
            Round.N = N;
            KeInitializeEvent(&Round.Go, NotificationEvent, FALSE);
            KeInitializeEvent(&Round.AllBlocked, SynchronizationEvent, FALSE);
            KeInitializeEvent(&Round.AllRan, SynchronizationEvent, FALSE);
            Resident Before = Resident::Now();
            auto Start = Clock::now();
            for (LONG i = 0; i < N; i++) {
                PETHREAD Thread = StartBenchThread(KernelWaiter, &Round);
                if (!Thread) {
                    static char Message[128];
                    std::snprintf(Message, sizeof(Message),
                                  "PsCreateSystemThread failed at thread %d (host memory or map count)", i);
                    State.SkipWithError(Message);
                    return; // the machine is left as it is; the run is over anyway
                }
                Threads.push_back(Thread);
            }
            KeWaitForSingleObject(&Round.AllBlocked, Executive, KernelMode, FALSE, nullptr);
            // The last waiter signalled before it blocked: let it finish blocking.
            LARGE_INTEGER Yield{};
            while (KiGetThreadState(&Threads.back()->Tcb) != Waiting)
                KeDelayExecutionThread(KernelMode, FALSE, &Yield);
            double CreateNs = NsSince(Start);
            Resident Blocked = Resident::Now();

            // At DISPATCH_LEVEL, so that a quantum end met on the way out of KeSetEvent
            // cannot run the released threads inside the measured call.
            KIRQL OldIrql = KeRaiseIrqlToDpcLevel();
            auto Release = Clock::now();
            KeSetEvent(&Round.Go, 0, FALSE);
            double ReleaseNs = NsSince(Release);
            KeLowerIrql(OldIrql);
            KeWaitForSingleObject(&Round.AllRan, Executive, KernelMode, FALSE, nullptr);
            double AllRanNs = NsSince(Release);
            State.SetIterationTime(ReleaseNs * 1e-9);
            ReportRound(State, N, CreateNs, ReleaseNs, AllRanNs, Before, Blocked);

            for (PETHREAD Thread : Threads)
                JoinBenchThread(Thread);
            Threads.clear();
        }
    };
    NTSTATUS Exit;
    auto Trampoline = [](PVOID Context) { (*static_cast<std::function<void()> *>(Context))(); };
    if (!NT_SUCCESS(NtosRunSystemThread(Trampoline, &Driver, &Exit)))
        State.SkipWithError("NtosRunSystemThread failed");
    if (!NT_SUCCESS(NtosShutdown()))
        State.SkipWithError("NtosShutdown reported leaks");
}
BENCHMARK(BM_Kernel_ReleaseBlockedThreads)
    ->Arg(1000)->Arg(10000)->Arg(100000)->Iterations(1)->UseManualTime()->Unit(benchmark::kMicrosecond);

struct HostRound {
    long N = 0;
    pthread_mutex_t Lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t Go = PTHREAD_COND_INITIALIZER;
    pthread_cond_t Driver = PTHREAD_COND_INITIALIZER;
    bool Released = false;
    long Blocked = 0;
    long Ran = 0;
};

// The host twin of KernelWaiter.
void *HostWaiter(void *Context)
{
    auto *Round = static_cast<HostRound *>(Context);
    pthread_mutex_lock(&Round->Lock);
    if (++Round->Blocked == Round->N)
        pthread_cond_signal(&Round->Driver);
    while (!Round->Released)
        pthread_cond_wait(&Round->Go, &Round->Lock);
    if (++Round->Ran == Round->N)
        pthread_cond_signal(&Round->Driver);
    pthread_mutex_unlock(&Round->Lock);
    return nullptr;
}

// Host baseline: N pthreads (64 KiB stacks, the kernel stack size) block on one
// condvar; one pthread_cond_broadcast releases them. 100k pthreads do not fit the
// host's limits (ulimit -u, vm.max_map_count at two mappings per thread).
void BM_Baseline_PthreadBroadcastBlockedThreads(benchmark::State &State)
{
    const long N = State.range(0);
    std::vector<pthread_t> Threads(static_cast<size_t>(N));
    pthread_attr_t Attr;
    pthread_attr_init(&Attr);
    pthread_attr_setstacksize(&Attr, 64 * 1024);
    for (auto _ : State) {
        HostRound Round;
        Round.N = N;
        Resident Before = Resident::Now();
        auto Start = Clock::now();
        long Created = 0;
        for (; Created < N; Created++)
            if (pthread_create(&Threads[static_cast<size_t>(Created)], &Attr, HostWaiter, &Round) != 0)
                break;
        pthread_mutex_lock(&Round.Lock);
        if (Created < N) {
            Round.Released = true;
            pthread_cond_broadcast(&Round.Go);
            pthread_mutex_unlock(&Round.Lock);
            for (long i = 0; i < Created; i++)
                pthread_join(Threads[static_cast<size_t>(i)], nullptr);
            State.SkipWithError("pthread_create failed");
            break;
        }
        while (Round.Blocked < N)
            pthread_cond_wait(&Round.Driver, &Round.Lock);
        double CreateNs = NsSince(Start);
        Resident Blocked = Resident::Now();
        auto Release = Clock::now();
        Round.Released = true;
        pthread_cond_broadcast(&Round.Go);
        double ReleaseNs = NsSince(Release);
        while (Round.Ran < N)
            pthread_cond_wait(&Round.Driver, &Round.Lock);
        double AllRanNs = NsSince(Release);
        pthread_mutex_unlock(&Round.Lock);
        State.SetIterationTime(ReleaseNs * 1e-9);
        ReportRound(State, static_cast<double>(N), CreateNs, ReleaseNs, AllRanNs, Before, Blocked);
        for (pthread_t &Thread : Threads)
            pthread_join(Thread, nullptr);
    }
    pthread_attr_destroy(&Attr);
}
BENCHMARK(BM_Baseline_PthreadBroadcastBlockedThreads)
    ->Arg(1000)->Arg(10000)->Iterations(1)->UseManualTime()->Unit(benchmark::kMicrosecond);

} // namespace
