// ntosrun - the main program: boots the hosted kernel with N processors (realtime or
// deterministic), loads the drivers given (DriverEntry in a system thread), runs a
// workload, unloads the drivers (DriverUnload), prints a summary and shuts down,
// reporting leaks.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <string>
#include <vector>

#include "driverload.h"
#include "kd.h"
#include "fuzz_program.h"
#include "nthost.h"
#include "options.h"
#include "ps.h"
#include "summary.h"
#include "trace.h"
#include "workload.h"

namespace {

struct RunState {
    NtosrunContext Context;
    const NTOSRUN_WORKLOAD *Workload;
    NTSTATUS WorkloadStatus = STATUS_PENDING;
    bool DriversOk = true;
    bool TraceOk = true;
};

const char *StateName(UCHAR State)
{
    static const char *Names[] = {"Initialized", "Ready", "Running", "Standby", "Terminated",
                                  "Waiting", "Transition", "DeferredReady", "GateWait"};
    return State < 9 ? Names[State] : "?";
}

// Prints what the kernel knows about the thread running the run. At PASSIVE_LEVEL.
VOID ReportSelf()
{
    PETHREAD Thread = PsGetCurrentThread();
    PKTHREAD Tcb = &Thread->Tcb;
    PEPROCESS Process = Thread->ThreadsProcess;
    DbgPrint("ntosrun: system thread %p (TID %p) of process %p \"%s\" (PID %p) on processor %u of %d, "
             "IRQL %u, %s, priority %d (base %d); kernel stack %p..%p\n",
             static_cast<void *>(Thread), PsGetCurrentThreadId(), static_cast<void *>(Process),
             reinterpret_cast<const char *>(Process->ImageFileName), Process->UniqueProcessId,
             KeGetCurrentProcessorNumber(), KeNumberProcessors, KeGetCurrentIrql(), StateName(Tcb->State),
             Tcb->Priority, Tcb->BasePriority, Tcb->StackLimit, Tcb->StackBase);
}

// Inside the kernel, at PASSIVE_LEVEL: runs each --kd command, echoing it as kd does.
void RunKdCommands(const NtosrunOptions &Options)
{
    for (const std::string &Command : Options.KdCommands) {
        DbgPrint("kd> %s\n", Command.c_str());
        NTSTATUS Status = KdExecuteCommand(Command.c_str());
        if (!NT_SUCCESS(Status))
            DbgPrint("kd: status 0x%08X\n", static_cast<unsigned>(Status));
    }
}

// The --kd commands as the one ';'-separated list the bugcheck path runs.
std::string JoinKdCommands(const NtosrunOptions &Options)
{
    std::string List;
    for (const std::string &Command : Options.KdCommands)
        List += (List.empty() ? "" : ";") + Command;
    return List;
}

// Runs every loaded driver's DriverEntry, reporting each status.
void StartDrivers(RunState &Run)
{
    for (NtosrunDriver &Driver : *Run.Context.Drivers) {
        NTSTATUS Status = NtosrunStartDriver(Driver);
        DbgPrint("ntosrun: driver %s (\\Driver\\%s): DriverEntry returned 0x%08X\n", Driver.Path.c_str(),
                 Driver.Name.c_str(), static_cast<unsigned>(Driver.EntryStatus));
        if (!NT_SUCCESS(Status))
            Run.DriversOk = false;
    }
}

// Unloads the drivers in the reverse order of loading.
void UnloadDrivers(RunState &Run)
{
    for (auto Driver = Run.Context.Drivers->rbegin(); Driver != Run.Context.Drivers->rend(); ++Driver)
        if (Driver->Object) {
            NtosrunUnloadDriver(*Driver);
            DbgPrint("ntosrun: driver %s unloaded\n", Driver->Name.c_str());
        }
}

// Starts the timeline log when --trace asked for one. At PASSIVE_LEVEL.
void StartTrace(const NtosrunOptions &Options, bool &TraceOk)
{
    if (Options.TracePath.empty())
        return;
    NTSTATUS Status = PerfInfoStartLog(Options.TraceEvents);
    if (!NT_SUCCESS(Status)) {
        DbgPrint("ntosrun: no timeline: 0x%08X\n", static_cast<unsigned>(Status));
        TraceOk = false;
    }
}

// Collects the timeline and writes it as trace-event JSON. At PASSIVE_LEVEL.
void FinishTrace(const NtosrunOptions &Options, bool &TraceOk)
{
    if (Options.TracePath.empty() || !TraceOk)
        return;
    std::vector<PERFINFO_EVENT> Events;
    ULONG64 Total = NtosrunCollectTrace(Options.TraceEvents, Events);
    std::string Error;
    TraceOk = NtosrunWriteTrace(Options.TracePath, Events, Error);
    if (TraceOk)
        DbgPrint("ntosrun: timeline: %zu events written to %s (%llu logged, the oldest %llu overwritten)\n",
                 Events.size(), Options.TracePath.c_str(), Total, Total - Events.size());
    else
        DbgPrint("ntosrun: timeline: %s\n", Error.c_str());
}

// The run's system thread: drivers, the workload, the summary.
VOID NTAPI RunSystemThread(PVOID Context)
{
    RunState &Run = *static_cast<RunState *>(Context);
    auto Start = std::chrono::steady_clock::now();
    ReportSelf();
    NtosrunCounters Counters;
    NTSTATUS Status = NtosrunStartCounting(Counters);
    if (!NT_SUCCESS(Status))
        DbgPrint("ntosrun: no thread counts: 0x%08X\n", static_cast<unsigned>(Status));
    StartTrace(*Run.Context.Options, Run.TraceOk);
    StartDrivers(Run);
    Run.WorkloadStatus = Run.Workload->Routine(Run.Context);
    DbgPrint("ntosrun: workload %s: 0x%08X\n", Run.Workload->Name, static_cast<unsigned>(Run.WorkloadStatus));
    RunKdCommands(*Run.Context.Options);
    UnloadDrivers(Run);
    FinishTrace(*Run.Context.Options, Run.TraceOk);
    auto Elapsed = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - Start);
    if (NT_SUCCESS(Status))
        NtosrunPrintSummary(Counters, static_cast<ULONG64>(Elapsed.count()));
}

// Opens the drivers on the host; the seed000 workload brings its own driver when none
// of that name was given. False (with Error) if one cannot be opened.
bool OpenDrivers(const NtosrunOptions &Options, std::vector<NtosrunDriver> &Drivers, std::string &Error)
{
    std::vector<std::string> Paths = Options.Drivers;
#ifdef NTOSRUN_SEED000_DRIVER
    if (Options.Workload == "seed000") {
        bool Given = false;
        for (const std::string &Path : Paths)
            Given |= Path.find("seed000") != std::string::npos;
        if (!Given)
            Paths.push_back(NTOSRUN_SEED000_DRIVER);
    }
#endif
    for (const std::string &Path : Paths) {
        Drivers.emplace_back();
        if (!NtosrunOpenDriver(Path, Drivers.back(), Error)) {
            Drivers.pop_back();
            return false;
        }
    }
    return true;
}

// Runs a fuzzer input through the fuzzer's own runner, printing every step and, with
// --trace, writing its timeline; 0 when every oracle held, 1 otherwise, 2 when the
// file cannot be read.
int ReplayFuzzInput(const NtosrunOptions &Options)
{
    const std::string &Path = Options.Replay;
    bool TraceOk = true;
    ntos_fuzz::FuzzRunOptions Run;
    Run.Verbose = true;
    Run.AtStart = [&] { StartTrace(Options, TraceOk); };
    Run.AtEnd = [&] { FinishTrace(Options, TraceOk); };
    ntos_fuzz::FuzzResult Result;
    if (!ntos_fuzz::FuzzRunFile(Path, Run, Result)) {
        std::fprintf(stderr, "ntosrun: cannot read %s\n", Path.c_str());
        return 2;
    }
    std::printf("ntosrun: replayed %s: %u operation(s), %s\n", Path.c_str(), Result.OpsRun,
                Result.Failed ? "FAILED" : "every oracle held");
    return Result.Failed || !TraceOk ? 1 : 0;
}

} // namespace

int main(int argc, char **argv)
{
    NtosrunOptions Options;
    std::string Error;
    if (!NtosrunParseOptions(argc, argv, Options, Error)) {
        std::fprintf(stderr, "ntosrun: %s\n", Error.c_str());
        NtosrunPrintUsage(stderr);
        return 2;
    }
    if (Options.Help) {
        NtosrunPrintUsage(stdout);
        return 0;
    }
    std::string KdCommandList = JoinKdCommands(Options);
    if (!KdCommandList.empty())
        KdBugCheckCommands = KdCommandList.c_str();
    if (!Options.Replay.empty())
        return ReplayFuzzInput(Options);
    std::vector<NtosrunDriver> Drivers;
    if (!OpenDrivers(Options, Drivers, Error)) {
        std::fprintf(stderr, "ntosrun: %s\n", Error.c_str());
        for (NtosrunDriver &Driver : Drivers)
            NtosrunCloseDriver(Driver);
        return 2;
    }
    std::printf("ntosrun: booting %u processor(s), %s mode", Options.Boot.Processors,
                Options.Boot.Deterministic ? "deterministic" : "realtime");
    if (Options.Boot.Deterministic)
        std::printf(", seed %" PRIu64, static_cast<uint64_t>(Options.Boot.Seed));
    std::printf("; workload %s\n", Options.Workload.c_str());
    std::fflush(stdout);
    NTSTATUS Status = NtosBoot(&Options.Boot);
    if (!NT_SUCCESS(Status)) {
        std::fprintf(stderr, "ntosrun: NtosBoot failed: 0x%08X\n", static_cast<unsigned>(Status));
        return 1;
    }
    RunState Run{{&Options, &Drivers}, NtosrunFindWorkload(Options.Workload.c_str())};
    NTSTATUS ExitStatus = STATUS_PENDING;
    Status = NtosRunSystemThread(RunSystemThread, &Run, &ExitStatus);
    NTSTATUS ShutdownStatus = NtosShutdown();
    for (NtosrunDriver &Driver : Drivers)
        NtosrunCloseDriver(Driver);
    std::printf("ntosrun: shutdown 0x%08X%s\n", static_cast<unsigned>(ShutdownStatus),
                NT_SUCCESS(ShutdownStatus) ? ", no leaks" : "");
    bool Ok = NT_SUCCESS(Status) && NT_SUCCESS(Run.WorkloadStatus) && Run.DriversOk && Run.TraceOk &&
              NT_SUCCESS(ShutdownStatus);
    return Ok ? 0 : 1;
}
