// processor.cpp - virtual processors. Realtime mode: each processor is a host
// thread. Deterministic mode: every processor is multiplexed on the host caller's
// thread, and each choice hardware would make comes from a seeded PRNG.
#include "processor.h"

#include <pthread.h>

#include <memory>

#include "sanitizer.h"

// The current processor's PCR (t_Processor->Pcr), read by HalHostCurrentPcr
// (halhost.h); initial-exec, the model that header's load is written for.
extern "C" {
__thread __attribute__((tls_model("initial-exec"))) PKPCR HalpCurrentPcr;
}

namespace hal {
namespace {

Machine *g_Machine;
thread_local Processor *t_Processor;
constexpr uint64_t kIdleSpin100ns = 500; // 50 us

bool Runnable(Processor &P)
{
    if (P.Exited.load())
        return false;
    return !P.IdleWaiting.load() || __atomic_load_n(&P.Pcr->Irr, __ATOMIC_ACQUIRE) != 0 ||
           g_Machine->StopRequested.load();
}

HAL_CONTEXT_SWITCH SwitchTo(void **Save, void *Context, const StackBounds &Stack, bool Exiting)
{
    HAL_CONTEXT_SWITCH Switch{};
    Switch.OldContext = Save;
    Switch.NewContext = Context;
    Switch.NewStackBase = Stack.Base;
    Switch.NewStackLimit = Stack.Limit;
    Switch.NewFiber = Stack.Fiber;
    Switch.OldExiting = Exiting;
    return Switch;
}

// Deterministic: leave processor From for processor To (or for the host loop if To is null).
void YieldProcessorTo(Processor *From, Processor *To)
{
    Machine &M = *g_Machine;
    HAL_CONTEXT_SWITCH Switch = To ? SwitchTo(&From->ResumeContext, To->ResumeContext, To->Current, false)
                                   : SwitchTo(&From->ResumeContext, M.LoopContext, M.LoopStack, false);
    SetCurrentProcessor(To);
    HalHostSwitchContext(&Switch);
}

Processor *PickRunnable(Processor *Exclude)
{
    Machine &M = *g_Machine;
    Processor *Candidates[MAXIMUM_PROCESSORS];
    ULONG Count = 0;
    for (ULONG i = 0; i < M.Count; i++) {
        if (&M.Processors[i] != Exclude && Runnable(M.Processors[i]))
            Candidates[Count++] = &M.Processors[i];
    }
    return Count ? Candidates[M.Random.Below(Count)] : nullptr;
}

bool HostConditionMet()
{
    Machine &M = *g_Machine;
    return M.HostCondition && __atomic_load_n(M.HostCondition, __ATOMIC_ACQUIRE) != 0;
}

// Deterministic: virtual time passes at every interrupt point; each tick boundary
// raises the clock interrupt on every processor.
void AdvanceVirtualTime()
{
    Machine &M = *g_Machine;
    M.VirtualTime += 1 + M.Random.Below(2000);
    while (M.VirtualTime >= M.NextTick) {
        M.NextTick += HAL_CLOCK_INCREMENT;
        for (ULONG i = 0; i < M.Count; i++)
            __atomic_fetch_or(&M.Processors[i].Pcr->Irr, 1UL << CLOCK_LEVEL, __ATOMIC_RELEASE);
    }
}

// Realtime: a processor waiting in HalHostIdle re-checks what is pending.
void WakeIfIdle(Processor &P)
{
    if (!P.IdleWaiting.load())
        return;
    { std::lock_guard<std::mutex> Lock(P.Lock); }
    P.Wake.notify_one();
}

// Deterministic only: virtual time passes, the host loop gets control back once its
// condition is met, and one time in SwitchOneIn another runnable processor runs.
void DeterministicInterruptPoint(uint64_t SwitchOneIn)
{
    Machine &M = *g_Machine;
    Processor *P = CurrentProcessor();
    AdvanceVirtualTime();
    if (HostConditionMet())
        YieldProcessorTo(P, nullptr);
    else if (M.Random.Below(SwitchOneIn) == 0)
        if (Processor *Other = PickRunnable(P))
            YieldProcessorTo(P, Other);
}

// A processor's first instructions; whoever first switches to it (host thread, host
// loop or another processor) has already made it the current processor.
// Deterministic, every processor idle: move virtual time to the clock tick at or
// after the next timer due and raise the clock interrupt there. FALSE if no timer
// is set (nothing can ever happen again).
bool JumpToNextTimer()
{
    Machine &M = *g_Machine;
    uint64_t Due = M.NextTimerDue ? M.NextTimerDue() : ~0ULL;
    if (Due == ~0ULL)
        return false;
    uint64_t Tick = (Due + HAL_CLOCK_INCREMENT - 1) / HAL_CLOCK_INCREMENT * HAL_CLOCK_INCREMENT;
    if (Tick > M.VirtualTime)
        M.VirtualTime = Tick;
    M.NextTick = M.VirtualTime - M.VirtualTime % HAL_CLOCK_INCREMENT + HAL_CLOCK_INCREMENT;
    for (ULONG i = 0; i < M.Count; i++)
        __atomic_fetch_or(&M.Processors[i].Pcr->Irr, 1UL << CLOCK_LEVEL, __ATOMIC_RELEASE);
    return true;
}

[[noreturn]] void ProcessorEntry(PVOID)
{
    g_Machine->StartRoutine(CurrentProcessor()->Number);
    HalHostProcessorExit();
}

// Enters processor P from the host context that is now saving itself in *Save.
void EnterProcessor(Processor &P, void **Save)
{
    HAL_CONTEXT_SWITCH Switch = SwitchTo(Save, P.ResumeContext, P.Current, false);
    SetCurrentProcessor(&P);
    HalHostSwitchContext(&Switch);
}

void RealtimeProcessorThread(Processor *P)
{
    InstallFaultHandlers();
    P->Home = HostThreadStack();
    EnterProcessor(*P, &P->HomeContext);
    SetCurrentProcessor(nullptr);
    RemoveFaultHandlers();
}

} // namespace

void Prng::Seed(uint64_t Value)
{
    for (auto &Word : S) { // splitmix64 expansion of the seed
        Value += 0x9E3779B97F4A7C15ULL;
        uint64_t Z = Value;
        Z = (Z ^ (Z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        Z = (Z ^ (Z >> 27)) * 0x94D049BB133111EBULL;
        Word = Z ^ (Z >> 31);
    }
}

uint64_t Prng::Next()
{
    auto Rotl = [](uint64_t X, int K) { return (X << K) | (X >> (64 - K)); };
    uint64_t Result = Rotl(S[1] * 5, 7) * 9;
    uint64_t T = S[1] << 17;
    S[2] ^= S[0], S[3] ^= S[1], S[1] ^= S[2], S[0] ^= S[3];
    S[2] ^= T;
    S[3] = Rotl(S[3], 45);
    return Result;
}

Machine *CurrentMachine() { return g_Machine; }

__attribute__((noinline)) Processor *CurrentProcessor()
{
    Processor *P = t_Processor;
    __asm__ __volatile__("" : "+r"(P)::"memory");
    return P;
}

__attribute__((noinline)) void SetCurrentProcessor(Processor *P)
{
    t_Processor = P;
    HalpCurrentPcr = P ? P->Pcr : nullptr;
}

void NoteIncomingStack(PHAL_CONTEXT_SWITCH Switch)
{
    if (Processor *P = CurrentProcessor())
        P->Current = StackBounds{Switch->NewStackBase, Switch->NewStackLimit, Switch->NewFiber};
}

// The calling host thread's stack. Asked of the host once per thread: for the main
// thread glibc reads /proc/self/maps, and a fuzzer boots thousands of times a second.
StackBounds HostThreadStack()
{
    thread_local StackBounds Known;
    if (!Known.Base) {
        pthread_attr_t Attr;
        if (pthread_getattr_np(pthread_self(), &Attr) == 0) {
            void *Low = nullptr;
            size_t Size = 0;
            pthread_attr_getstack(&Attr, &Low, &Size);
            pthread_attr_destroy(&Attr);
            Known.Limit = Low;
            Known.Base = static_cast<char *>(Low) + Size;
        }
    }
    StackBounds Bounds = Known;
    Bounds.Fiber = CurrentSanitizerFiber();
    return Bounds;
}

} // namespace hal

using namespace hal;

extern "C" NTSTATUS HalHostStartMachine(const HAL_MACHINE_CONFIG *Config)
{
    if (g_Machine || !Config || Config->Processors == 0 || Config->Processors > MAXIMUM_PROCESSORS)
        return STATUS_INVALID_PARAMETER;
    auto M = std::make_unique<Machine>();
    M->Count = Config->Processors;
    M->Deterministic = Config->Deterministic;
    M->StartRoutine = Config->StartRoutine;
    M->NextTimerDue = Config->NextTimerDue;
    M->Random.Seed(Config->Seed);
    M->BootSteady = SteadyNow100ns();
    for (ULONG i = 0; i < M->Count; i++) {
        Processor &P = M->Processors[i];
        P.Number = i;
        P.Boot = Config->Boot[i];
        P.Pcr = P.Boot.Pcr;
        P.Current = StackBounds{P.Boot.StackBase, P.Boot.StackLimit, P.Boot.Fiber};
        P.ResumeContext = HalHostInitializeContext(P.Boot.StackBase, nullptr, P.Boot.StackLimit, ProcessorEntry);
    }
    g_Machine = M.release();
    if (g_Machine->Deterministic) {
        InstallFaultHandlers();
        g_Machine->LoopStack = HostThreadStack();
        return STATUS_SUCCESS;
    }
    for (ULONG i = 0; i < g_Machine->Count; i++) {
        Processor &P = g_Machine->Processors[i];
        P.Thread = std::thread(RealtimeProcessorThread, &P);
    }
    StartClock(*g_Machine);
    return STATUS_SUCCESS;
}

extern "C" NTSTATUS HalHostRunMachine(volatile LONG *Condition)
{
    Machine &M = *g_Machine;
    auto Done = [&] {
        return __atomic_load_n(Condition, __ATOMIC_ACQUIRE) != 0 || M.ExitedCount.load() == M.Count;
    };
    if (!M.Deterministic) {
        std::unique_lock<std::mutex> Lock(M.HostLock);
        M.HostWake.wait(Lock, Done);
        return STATUS_SUCCESS;
    }
    M.HostCondition = Condition;
    while (!Done()) {
        Processor *Next = PickRunnable(nullptr);
        if (!Next && JumpToNextTimer())
            Next = PickRunnable(nullptr);
        if (!Next) {
            M.HostCondition = nullptr;
            return STATUS_POSSIBLE_DEADLOCK;
        }
        EnterProcessor(*Next, &M.LoopContext);
        SetCurrentProcessor(nullptr);
    }
    M.HostCondition = nullptr;
    return STATUS_SUCCESS;
}

extern "C" VOID HalHostWakeHost(VOID)
{
    Machine &M = *g_Machine;
    if (M.Deterministic)
        return; // the host loop is resumed at the next interrupt point
    { std::lock_guard<std::mutex> Lock(M.HostLock); }
    M.HostWake.notify_all();
}

extern "C" VOID HalHostStopMachine(VOID)
{
    Machine &M = *g_Machine;
    M.StopRequested.store(true);
    for (ULONG i = 0; i < M.Count; i++)
        WakeIfIdle(M.Processors[i]);
    if (M.Deterministic) {
        static volatile LONG Never = 0;
        HalHostRunMachine(&Never);
    } else {
        for (ULONG i = 0; i < M.Count; i++)
            M.Processors[i].Thread.join();
        StopClock(M);
    }
    delete g_Machine;
    g_Machine = nullptr;
}

extern "C" BOOLEAN HalHostStopRequested(VOID) { return g_Machine->StopRequested.load(); }
extern "C" BOOLEAN HalHostIsDeterministic(VOID) { return g_Machine && g_Machine->Deterministic; }
extern "C" ULONG HalHostProcessorCount(VOID) { return g_Machine ? g_Machine->Count : 0; }

#if !(defined(__x86_64__) && defined(__ELF__))
// Other hosts: a call the compiler cannot see into, so no caller caches host TLS.
extern "C" __attribute__((noinline)) PKPCR HalHostCurrentPcr(VOID)
{
    PKPCR Pcr = HalpCurrentPcr;
    __asm__ __volatile__("" : "+r"(Pcr)::"memory");
    return Pcr;
}
#endif

extern "C" VOID HalHostIdle(VOID)
{
    Machine &M = *g_Machine;
    Processor *P = CurrentProcessor();
    auto Pending = [&] { return __atomic_load_n(&P->Pcr->Irr, __ATOMIC_ACQUIRE) != 0 || M.StopRequested.load(); };
    P->IdleWaiting.store(true);
    if (M.Deterministic) {
        // Virtual time does not pass on an idle processor; the host loop sees a
        // machine where no processor is runnable as quiescent.
        while (!Pending()) {
            Processor *Other = HostConditionMet() ? nullptr : PickRunnable(P);
            YieldProcessorTo(P, Other);
        }
    } else {
        // Poll a little before halting, as NT's idle loop does: an interrupt that
        // comes soon is taken without a host wake-up.
        for (uint64_t Deadline = SteadyNow100ns() + kIdleSpin100ns; !Pending() && SteadyNow100ns() < Deadline;) {
            for (int i = 0; i < 64 && !Pending(); i++)
                __builtin_ia32_pause();
        }
        if (!Pending()) {
            std::unique_lock<std::mutex> Lock(P->Lock);
            P->Wake.wait(Lock, Pending);
        }
    }
    P->IdleWaiting.store(false);
}

extern "C" VOID HalHostProcessorExit(VOID)
{
    Machine &M = *g_Machine;
    Processor *P = CurrentProcessor();
    P->Exited.store(true);
    void *Discard = nullptr;
    HAL_CONTEXT_SWITCH Switch = M.Deterministic ? SwitchTo(&Discard, M.LoopContext, M.LoopStack, true)
                                                : SwitchTo(&Discard, P->HomeContext, P->Home, true);
    if (M.ExitedCount.fetch_add(1) + 1 == M.Count)
        HalHostWakeHost();
    if (M.Deterministic)
        SetCurrentProcessor(nullptr);
    HalHostSwitchContext(&Switch);
    __builtin_unreachable();
}

extern "C" VOID HalHostRequestInterrupt(ULONG Number, KIRQL Level)
{
    Machine &M = *g_Machine;
    Processor &P = M.Processors[Number];
    __atomic_fetch_or(&P.Pcr->Irr, 1UL << Level, __ATOMIC_SEQ_CST);
    if (!M.Deterministic)
        WakeIfIdle(P);
}

extern "C" VOID HalHostInterruptPoint(VOID)
{
    // Realtime: nothing to do here; other host threads post interrupts to the IRR,
    // which the caller then looks at. (A pause here cost ~20 ns per IRQL drop.)
    if (g_Machine->Deterministic)
        DeterministicInterruptPoint(4);
}

extern "C" VOID HalHostSpinWait(VOID)
{
    // Spinning cannot progress on one host thread: always let another processor run.
    if (g_Machine->Deterministic)
        DeterministicInterruptPoint(1);
    else
        __builtin_ia32_pause();
}

extern "C" ULONG64 HalHostRandom(VOID)
{
    Machine *M = g_Machine;
    if (M && M->Deterministic)
        return M->Random.Next();
    thread_local Prng Local = [] {
        Prng R;
        R.Seed(SteadyNow100ns() ^ reinterpret_cast<uintptr_t>(&R));
        return R;
    }();
    return Local.Next();
}
