// processor.h - the HAL's private record of the virtual machine and its processors.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "halhost.h"
#include "ntstatus.h"

namespace hal {

struct StackBounds {
    void *Base = nullptr;
    void *Limit = nullptr;
    void *Fiber = nullptr;
};

struct Processor {
    ULONG Number = 0;
    PKPCR Pcr = nullptr;
    HAL_PROCESSOR_BOOT Boot{};
    StackBounds Current;      // the stack this processor is running on now
    StackBounds Home;         // the host stack it returns to when it stops
    void *HomeContext = nullptr;
    void *ResumeContext = nullptr; // deterministic: where this processor continues
    std::atomic<bool> IdleWaiting{false};
    std::atomic<bool> Exited{false};
    std::thread Thread;       // realtime: the host thread that is this processor
    std::mutex Lock;
    std::condition_variable Wake;
};

// xoshiro256**: the deterministic machine's only source of choices.
struct Prng {
    uint64_t S[4];
    void Seed(uint64_t Value);
    uint64_t Next();
    uint64_t Below(uint64_t Bound) { return Bound ? Next() % Bound : 0; }
};

struct Machine {
    ULONG Count = 0;
    bool Deterministic = false;
    PHAL_PROCESSOR_ROUTINE StartRoutine = nullptr;
    ULONG64 (*NextTimerDue)(VOID) = nullptr;
    Processor Processors[MAXIMUM_PROCESSORS];
    std::atomic<bool> StopRequested{false};
    std::atomic<ULONG> ExitedCount{0};
    std::mutex HostLock;
    std::condition_variable HostWake;
    // Deterministic mode.
    Prng Random;
    void *LoopContext = nullptr;
    StackBounds LoopStack;
    volatile LONG *HostCondition = nullptr;
    uint64_t VirtualTime = 0;
    uint64_t NextTick = HAL_CLOCK_INCREMENT;
    // Realtime mode.
    std::thread ClockThread;
    uint64_t BootSteady = 0;
};

Machine *CurrentMachine();
Processor *CurrentProcessor();
void SetCurrentProcessor(Processor *P);
void NoteIncomingStack(PHAL_CONTEXT_SWITCH Switch);
StackBounds HostThreadStack();
void InstallFaultHandlers();
void RemoveFaultHandlers();
void StartClock(Machine &M);
void StopClock(Machine &M);
uint64_t SteadyNow100ns();

} // namespace hal
