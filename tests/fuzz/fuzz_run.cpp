// fuzz_run.cpp - runs one program: boot the machine its header names, run its
// operations in a driver thread with the oracles after each, end it, shut down and
// require zero leaks. Every failure is reported with the seed and a one-line
// reproduction command; a bugcheck (abort) prints the same line before the previous
// SIGABRT handler (libFuzzer's, which saves the input) runs.
#include "fuzz_state.h"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

namespace ntos_fuzz {

namespace {

constexpr ULONG kTraceCapacity = 1 << 16;
constexpr ULONGLONG kVirtualBudget = 10ULL * 60 * 10000000; // ten minutes of virtual time

struct DriverContext {
    const FuzzProgram *Program;
    const FuzzRunOptions *Options;
    FuzzResult *Result;
};

FuzzState State;
ULONG64 TraceBuffer[kTraceCapacity];

// What the reproduction line names: the input's file, or its bytes.
const FuzzRunOptions *CurrentOptions;
const uint8_t *CurrentData;
size_t CurrentSize;
uint64_t CurrentSeed;
uint32_t CurrentProcessors;
struct sigaction PreviousAbort;

uint64_t HashTrace(const ULONG64 *Trace, ULONG Count)
{
    uint64_t Hash = 1469598103934665603ULL;
    for (ULONG i = 0; i < Count; i++)
        for (int Byte = 0; Byte < 8; Byte++)
            Hash = (Hash ^ ((Trace[i] >> (8 * Byte)) & 0xFF)) * 1099511628211ULL;
    return Hash;
}

// The report: what failed, the seed and processors, and how to run it again.
void Report(const char *What)
{
    std::fprintf(stderr, "ntos-fuzz: %s (seed %llu, %u processor(s), %zu input bytes)\n", What,
                 (unsigned long long)CurrentSeed, CurrentProcessors, CurrentSize);
    if (CurrentOptions && !CurrentOptions->InputName.empty()) {
        std::fprintf(stderr, "reproduce: ntos_fuzz_replay --verbose %s\n", CurrentOptions->InputName.c_str());
        return;
    }
    std::fprintf(stderr, "reproduce: printf '");
    for (size_t i = 0; i < CurrentSize && i < 4096; i++)
        std::fprintf(stderr, "\\x%02x", CurrentData[i]);
    std::fprintf(stderr, "' > crash.bin && ntos_fuzz_replay --verbose crash.bin\n");
}

void OnAbort(int Signal, siginfo_t *Info, void *Context)
{
    if (CurrentData)
        Report("the kernel stopped (bugcheck or abort)");
    if (PreviousAbort.sa_flags & SA_SIGINFO) {
        if (PreviousAbort.sa_sigaction)
            PreviousAbort.sa_sigaction(Signal, Info, Context);
        return;
    }
    if (PreviousAbort.sa_handler != SIG_DFL && PreviousAbort.sa_handler != SIG_IGN) {
        PreviousAbort.sa_handler(Signal);
        return;
    }
    signal(SIGABRT, SIG_DFL);
    raise(SIGABRT);
}

void InstallAbortReport()
{
    static bool Installed;
    if (Installed)
        return;
    Installed = true;
    struct sigaction Action;
    std::memset(&Action, 0, sizeof(Action));
    Action.sa_sigaction = OnAbort;
    Action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGABRT, &Action, &PreviousAbort);
}

// Runs one operation and the oracles after it.
void Step(const FuzzOp &Op, ULONG Index)
{
    NTSTATUS Status = FuzzExecute(Op);
    if (Fuzz->Verbose)
        DbgPrint("ntos-fuzz: op %u %s(%u, %u, %u, %u) -> 0x%08x\n", Index, FuzzOpName(Op.Code), Op.A, Op.B, Op.C,
                 Op.D, (unsigned)Status);
    ULONG Violations = FuzzCheckInvariants();
    if (Violations)
        DbgPrint("ntos-fuzz: %u invariant violation(s) after op %u %s\n", Violations, Index, FuzzOpName(Op.Code));
    Fuzz->Violations += Violations;
}

// The driver thread: the program's operations, bounded by virtual time, then its end.
// At PASSIVE_LEVEL in a system thread.
VOID NTAPI DriverRoutine(PVOID Parameter)
{
    auto *Context = static_cast<DriverContext *>(Parameter);
    Fuzz->Driver = PsGetCurrentThread();
    Fuzz->SystemPid = PsGetProcessId(PsInitialSystemProcess);
    KeInitializeEvent(&Fuzz->ProgramEnd, NotificationEvent, FALSE);
    if (Context->Options->HashSwitches)
        KiStartSwitchTrace(kTraceCapacity);
    if (Context->Options->AtStart)
        Context->Options->AtStart();
    ULONGLONG Start = KeQueryInterruptTime();
    Fuzz->Violations += FuzzCheckInvariants();
    ULONG Index = 0;
    for (const FuzzOp &Op : Context->Program->Ops) {
        if (KeQueryInterruptTime() - Start > kVirtualBudget)
            break;
        Step(Op, Index++);
    }
    Context->Result->OpsRun = Index;
    FuzzEndProgram();
    if (!Fuzz->Hung)
        Fuzz->Violations += FuzzCheckInvariants();
    if (Context->Options->HashSwitches) {
        ULONG Count = KiStopSwitchTrace(TraceBuffer, kTraceCapacity);
        Context->Result->Switches = Count;
        Context->Result->SwitchHash = HashTrace(TraceBuffer, Count);
    }
    if (Context->Options->AtEnd)
        Context->Options->AtEnd();
}

// The program's threads as the host sees them once the machine can make no progress.
void PrintPinnedThreads()
{
    for (ULONG i = 0; i < kMaxPinned && i < (ULONG)State.PinnedCount; i++) {
        PVOID Object = State.Pinned[i];
        if (!Object || OBJECT_TO_OBJECT_HEADER(Object)->Type != *PsThreadType)
            continue;
        auto *Thread = static_cast<PETHREAD>(Object);
        std::fprintf(stderr, "  thread %p TID %p state %u wait reason %u suspend count %u\n", Object,
                     Thread->Cid.UniqueThread, (unsigned)Thread->Tcb.State, (unsigned)Thread->Tcb.WaitReason,
                     (unsigned)Thread->Tcb.SuspendCount);
    }
}

} // namespace

FuzzResult FuzzRunProgram(const uint8_t *Data, size_t Size, const FuzzRunOptions &Options)
{
    FuzzResult Result;
    FuzzProgram Program = FuzzDecode(Data, Size);
    CurrentOptions = &Options;
    CurrentData = Data;
    CurrentSize = Size;
    CurrentSeed = Program.Seed;
    CurrentProcessors = Program.Processors;
    InstallAbortReport();
    std::memset(static_cast<void *>(&State), 0, sizeof(State));
    State.Verbose = Options.Verbose;
    Fuzz = &State;

    NTOS_BOOT_OPTIONS Boot{};
    Boot.Size = sizeof(Boot);
    Boot.Processors = Program.Processors;
    Boot.Deterministic = TRUE;
    Boot.Seed = Program.Seed;
    if (!NT_SUCCESS(NtosBoot(&Boot))) {
        Report("boot failed");
        Result.Failed = true;
        return Result;
    }
    DriverContext Context{&Program, &Options, &Result};
    NTSTATUS Exit;
    NTSTATUS Status = NtosRunSystemThread(DriverRoutine, &Context, &Exit);
    if (Status == STATUS_POSSIBLE_DEADLOCK || State.Hung) {
        Report(Status == STATUS_POSSIBLE_DEADLOCK ? "DEADLOCK: no thread can run and no timer is due" : "HANG");
        PrintPinnedThreads();
        std::fflush(stderr);
        CurrentData = nullptr;
        std::abort(); // the machine cannot be shut down
    }
    if (!NT_SUCCESS(Status)) {
        Report("the driver thread could not run");
        Result.Failed = true;
    }
    if (State.Violations) {
        Report("invariant violations (printed above)");
        Result.Failed = true;
    }
    if (!NT_SUCCESS(NtosShutdown())) {
        Report("LEAK: NtosShutdown found leaks (printed above)");
        Result.Failed = true;
    }
    CurrentData = nullptr;
    Fuzz = nullptr;
    return Result;
}

bool FuzzRunFile(const std::string &Path, const FuzzRunOptions &Options, FuzzResult &Result)
{
    std::ifstream File(Path, std::ios::binary);
    if (!File)
        return false;
    std::vector<uint8_t> Data((std::istreambuf_iterator<char>(File)), std::istreambuf_iterator<char>());
    FuzzRunOptions Named = Options;
    Named.InputName = Path;
    Result = FuzzRunProgram(Data.data(), Data.size(), Named);
    return true;
}

} // namespace ntos_fuzz
