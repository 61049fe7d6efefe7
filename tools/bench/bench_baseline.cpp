// Host baselines: the cost of the host primitives that NT figures are
// compared with (fiber switch, OS thread switch, thread creation, mutex).

#include <benchmark/benchmark.h>
#include <boost/context/detail/fcontext.hpp>

#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace {

namespace bctx = boost::context::detail;

using Clock = std::chrono::steady_clock;

// Call right after the timed loop. Reports items/s and "ns_per_switch" as a
// plain wall-clock figure (a kInvert rate counter would print "5.7s" on the
// console, and scaling it to ns breaks the unit in the JSON output).
void ReportSwitches(benchmark::State& state, Clock::time_point loop_start,
                    int switches_per_iteration) {
  const double ns =
      std::chrono::duration<double, std::nano>(Clock::now() - loop_start).count();
  const auto switches = state.iterations() * switches_per_iteration;
  state.SetItemsProcessed(switches);
  state.counters["ns_per_switch"] = ns / static_cast<double>(switches);
}

// The fiber bounces every jump straight back to whoever jumped to it. It
// never returns; its stack (trivially destructible frames only) is dropped.
void BounceFiber(bctx::transfer_t t) {
  for (;;) t = bctx::jump_fcontext(t.fctx, nullptr);
}

// Bare fcontext round trip main -> fiber -> main (2 switches per iteration):
// the floor for any NT thread switch built on Boost.Context.
void BM_Baseline_BoostContextJump(benchmark::State& state) {
  constexpr std::size_t kStackSize = 64 * 1024;
  std::vector<char> stack(kStackSize);
  bctx::fcontext_t fiber =
      bctx::make_fcontext(stack.data() + stack.size(), stack.size(), BounceFiber);
  fiber = bctx::jump_fcontext(fiber, nullptr).fctx;  // enter once, untimed
  const auto start = Clock::now();
  for (auto _ : state) fiber = bctx::jump_fcontext(fiber, nullptr).fctx;
  ReportSwitches(state, start, 2);
}
BENCHMARK(BM_Baseline_BoostContextJump);

// Two OS threads pass a token through one mutex and two condvars (2 switches
// per iteration): the cost of a blocking host-thread hand-off.
void BM_Baseline_PthreadCondvarPingPong(benchmark::State& state) {
  std::mutex m;
  std::condition_variable to_main, to_helper;
  int turn = 0;  // 0: main holds the token, 1: helper holds it
  bool stop = false;

  std::thread helper([&] {
    std::unique_lock lock(m);
    for (;;) {
      to_helper.wait(lock, [&] { return turn == 1 || stop; });
      if (stop) return;
      turn = 0;
      to_main.notify_one();
    }
  });

  {
    std::unique_lock lock(m);
    const auto start = Clock::now();
    for (auto _ : state) {
      turn = 1;
      to_helper.notify_one();
      to_main.wait(lock, [&] { return turn == 0; });
    }
    ReportSwitches(state, start, 2);
    stop = true;
  }
  to_helper.notify_one();
  helper.join();
}
BENCHMARK(BM_Baseline_PthreadCondvarPingPong)->UseRealTime();

void* TrivialThread(void*) { return nullptr; }

// pthread_create + pthread_join of a thread that returns at once: the
// host cost behind creating an OS thread per NT thread.
void BM_Baseline_PthreadCreateJoin(benchmark::State& state) {
  for (auto _ : state) {
    pthread_t t;
    if (pthread_create(&t, nullptr, TrivialThread, nullptr) != 0) {
      state.SkipWithError("pthread_create failed");
      break;
    }
    pthread_join(t, nullptr);
  }
}
BENCHMARK(BM_Baseline_PthreadCreateJoin)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Uncontended std::mutex lock + unlock on one thread: the scale for any
// lock-based figure (two uncontended atomic RMWs, no syscall).
void BM_Baseline_MutexLockUnlock(benchmark::State& state) {
  // glibc drops the x86 lock prefix until a process first creates a thread
  // (~3x faster); ntos-hosted is always multi-threaded, so measure that mode
  // and stay independent of which benchmarks ran before (--benchmark_filter).
  std::thread([] {}).join();
  std::mutex m;
  for (auto _ : state) {
    m.lock();
    m.unlock();
  }
}
BENCHMARK(BM_Baseline_MutexLockUnlock);

// Uncontended pthread_rwlock write (arg 1) or read (arg 0) lock + unlock: the
// baseline for ERESOURCE exclusive / shared acquire + release.
void BM_Baseline_Rwlock(benchmark::State& state) {
  std::thread([] {}).join();  // multi-threaded glibc, as BM_Baseline_MutexLockUnlock
  pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
  for (auto _ : state) {
    if (state.range(0))
      pthread_rwlock_wrlock(&lock);
    else
      pthread_rwlock_rdlock(&lock);
    pthread_rwlock_unlock(&lock);
  }
}
BENCHMARK(BM_Baseline_Rwlock)->ArgName("write")->Arg(1)->Arg(0);

}  // namespace
