// options.cpp - ntosrun's command line parser and usage text.
#include "options.h"

#include <cerrno>
#include <cstdlib>

#include "workload.h"

namespace {

// An unsigned number in [Min, Max] (decimal or 0x hex), or false.
bool ParseNumber(const char *Text, unsigned long long Min, unsigned long long Max, unsigned long long &Value)
{
    if (!Text || !*Text || *Text == '-')
        return false;
    char *End = nullptr;
    errno = 0;
    Value = std::strtoull(Text, &End, 0);
    return errno == 0 && *End == '\0' && Value >= Min && Value <= Max;
}

// Takes the value of the option at argv[I], or sets Error.
const char *TakeValue(int argc, char **argv, int &I, std::string &Error)
{
    if (I + 1 >= argc) {
        Error = std::string(argv[I]) + " needs a value";
        return nullptr;
    }
    return argv[++I];
}

// Applies one option that takes a number; false (with Error) when it is out of range.
bool ApplyNumber(const std::string &Name, const char *Value, NtosrunOptions &Options, std::string &Error)
{
    unsigned long long Number = 0;
    bool Ok = false;
    if (Name == "--processors" && (Ok = ParseNumber(Value, 1, 64, Number)))
        Options.Boot.Processors = static_cast<ULONG>(Number);
    else if (Name == "--seed" && (Ok = ParseNumber(Value, 0, ~0ULL, Number)))
        Options.Boot.Seed = Number, Options.Boot.Deterministic = TRUE;
    else if (Name == "--stack-size" && (Ok = ParseNumber(Value, 16384, 64ULL << 20, Number)))
        Options.Boot.KernelStackSize = static_cast<ULONG>(Number);
    else if (Name == "--seconds" && (Ok = ParseNumber(Value, 1, 3600, Number)))
        Options.Seconds = static_cast<unsigned>(Number);
    else if (Name == "--trace-events" && (Ok = ParseNumber(Value, 1024, 1u << 26, Number)))
        Options.TraceEvents = static_cast<unsigned>(Number);
    if (!Ok)
        Error = "bad value for " + Name + ": '" + Value + "'";
    return Ok;
}

} // namespace

bool NtosrunParseOptions(int argc, char **argv, NtosrunOptions &Options, std::string &Error)
{
    Options.Boot.Size = sizeof(Options.Boot);
    Options.Boot.Processors = 2;
    for (int I = 1; I < argc; I++) {
        std::string Arg = argv[I];
        if (Arg == "--help" || Arg == "-h") {
            Options.Help = true;
        } else if (Arg == "--deterministic") {
            Options.Boot.Deterministic = TRUE;
        } else if (Arg == "--realtime") {
            Options.Boot.Deterministic = FALSE;
        } else if (Arg == "--processors" || Arg == "--seed" || Arg == "--stack-size" || Arg == "--seconds" ||
                   Arg == "--trace-events") {
            const char *Value = TakeValue(argc, argv, I, Error);
            if (!Value || !ApplyNumber(Arg, Value, Options, Error))
                return false;
        } else if (Arg == "--kd") {
            const char *Value = TakeValue(argc, argv, I, Error);
            if (!Value)
                return false;
            Options.KdCommands.push_back(Value);
        } else if (Arg == "--trace") {
            const char *Value = TakeValue(argc, argv, I, Error);
            if (!Value)
                return false;
            Options.TracePath = Value;
        } else if (Arg == "--driver") {
            const char *Value = TakeValue(argc, argv, I, Error);
            if (!Value)
                return false;
            Options.Drivers.push_back(Value);
        } else if (Arg == "--replay") {
            const char *Value = TakeValue(argc, argv, I, Error);
            if (!Value)
                return false;
            Options.Replay = Value;
        } else if (Arg == "--workload") {
            const char *Value = TakeValue(argc, argv, I, Error);
            if (!Value)
                return false;
            if (!NtosrunFindWorkload(Value)) {
                Error = std::string("unknown workload '") + Value + "'";
                return false;
            }
            Options.Workload = Value;
        } else {
            Error = "unknown argument '" + Arg + "'";
            return false;
        }
    }
    return true;
}

void NtosrunPrintUsage(std::FILE *Stream)
{
    std::fprintf(Stream,
                 "usage: ntosrun [--processors N] [--realtime | --deterministic] [--seed S] [--stack-size BYTES]\n"
                 "               [--driver LIB.so]... [--workload NAME] [--seconds N]\n"
                 "               [--kd \"COMMAND\"]... [--trace OUT.json] [--trace-events N] [--help]\n"
                 "       ntosrun --replay FILE [--trace OUT.json] [--trace-events N]\n"
                 "\n"
                 "Boots the hosted NT kernel, loads the drivers (DriverEntry in a system thread), runs a\n"
                 "workload, unloads the drivers (DriverUnload), prints a summary and shuts down.\n"
                 "\n"
                 "  --processors N     virtual processors, 1-64 (default 2)\n"
                 "  --realtime         processors are host threads (the default)\n"
                 "  --deterministic    processors multiplexed on one host thread by a seeded PRNG\n"
                 "  --seed S           the deterministic seed (implies --deterministic)\n"
                 "  --stack-size BYTES kernel stack size (default: the kernel's)\n"
                 "  --driver LIB.so    load a driver built against ntos/include (repeatable)\n"
                 "  --workload NAME    what to run (default demo):\n");
    for (const NTOSRUN_WORKLOAD *Workload = NtosrunWorkloads; Workload->Name; Workload++)
        std::fprintf(Stream, "                       %-8s %s\n", Workload->Name, Workload->Description);
    std::fprintf(Stream, "  --seconds N        the storm's length (default 2)\n"
                         "  --kd \"COMMAND\"     a kd view run after the workload and on a bugcheck (repeatable):\n"
                         "                     !process 0 7, !thread ADDR, !ready, !handle 0 PROCESS, !poolused,\n"
                         "                     !object ADDR, dt nt!_ETHREAD ADDR, thread (seed 002's EnumThreads)\n"
                         "  --trace OUT.json   write the run's timeline (Chrome / Perfetto trace-event JSON)\n"
                         "  --trace-events N   the timeline's ring, in events (default 262144; the newest are kept)\n"
                         "  --replay FILE      run a fuzzer input (tests/fuzz) with every step printed: its\n"
                         "                     header chooses processors and seed\n"
                         "\n"
                         "Exit status: 0 when the workload and every DriverEntry succeeded and shutdown found no\n"
                         "leak, 1 otherwise, 2 for a bad argument.\n");
}
