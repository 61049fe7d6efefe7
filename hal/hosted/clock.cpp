// clock.cpp - time sources and the realtime clock: a host thread that raises the
// clock interrupt on every processor each HAL_CLOCK_INCREMENT (15.625 ms).
#include <chrono>
#include <ctime>

#include "processor.h"

namespace hal {

namespace {
// 100 ns intervals between 1601-01-01 and 1970-01-01.
constexpr uint64_t kUnixEpochAs1601 = 116444736000000000ULL;
// The deterministic machine's wall clock starts at 2026-01-01 00:00:00 UTC.
constexpr uint64_t kDeterministicEpoch = kUnixEpochAs1601 + 1767225600ULL * 10000000ULL;
} // namespace

uint64_t SteadyNow100ns()
{
    auto Now = std::chrono::steady_clock::now().time_since_epoch();
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Now).count() / 100);
}

void StartClock(Machine &M)
{
    M.ClockThread = std::thread([&M] {
        auto Period = std::chrono::nanoseconds(HAL_CLOCK_INCREMENT * 100ULL);
        auto Next = std::chrono::steady_clock::now() + Period;
        std::unique_lock<std::mutex> Lock(M.HostLock);
        while (!M.StopRequested.load()) {
            if (M.HostWake.wait_until(Lock, Next) == std::cv_status::timeout) {
                Next += Period;
                for (ULONG i = 0; i < M.Count; i++)
                    HalHostRequestInterrupt(i, CLOCK_LEVEL);
            }
        }
    });
}

void StopClock(Machine &M)
{
    { std::lock_guard<std::mutex> Lock(M.HostLock); }
    M.HostWake.notify_all();
    M.ClockThread.join();
}

} // namespace hal

using namespace hal;

extern "C" ULONG64 HalHostQueryInterruptTime(VOID)
{
    Machine *M = CurrentMachine();
    if (!M)
        return 0;
    return M->Deterministic ? M->VirtualTime : SteadyNow100ns() - M->BootSteady;
}

extern "C" ULONG64 HalHostQuerySystemTime(VOID)
{
    Machine *M = CurrentMachine();
    if (M && M->Deterministic)
        return kDeterministicEpoch + M->VirtualTime;
    auto Now = std::chrono::system_clock::now().time_since_epoch();
    return kUnixEpochAs1601 +
           static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Now).count() / 100);
}

extern "C" ULONG64 HalHostQueryPerformanceCounter(PULONG64 Frequency)
{
    if (Frequency)
        *Frequency = 10000000ULL;
    return HalHostQueryInterruptTime();
}
