// fuzz_replay.cpp - ntos_fuzz_replay: runs fuzzer inputs (files, or every file of a
// directory) through the same runner as the fuzzer. --verbose prints each operation;
// --twice runs each input twice and requires the same context-switch trace hash;
// --bench SECONDS repeats the inputs and prints executions per second.
#include "fuzz_program.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

using namespace ntos_fuzz;

namespace {

struct ReplayOptions {
    FuzzRunOptions Run;
    bool Twice = false;
    double BenchSeconds = 0;
    std::vector<std::string> Inputs;
};

// The files named: directories expand to their regular files, sorted.
std::vector<std::string> ExpandInputs(const std::vector<std::string> &Names)
{
    std::vector<std::string> Files;
    for (const std::string &Name : Names) {
        if (!std::filesystem::is_directory(Name)) {
            Files.push_back(Name);
            continue;
        }
        std::vector<std::string> Inside;
        for (const auto &Entry : std::filesystem::directory_iterator(Name))
            if (Entry.is_regular_file())
                Inside.push_back(Entry.path().string());
        std::sort(Inside.begin(), Inside.end());
        Files.insert(Files.end(), Inside.begin(), Inside.end());
    }
    return Files;
}

bool ParseArguments(int argc, char **argv, ReplayOptions &Options)
{
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--verbose"))
            Options.Run.Verbose = true;
        else if (!std::strcmp(argv[i], "--twice"))
            Options.Twice = true;
        else if (!std::strcmp(argv[i], "--bench") && i + 1 < argc)
            Options.BenchSeconds = std::atof(argv[++i]);
        else if (argv[i][0] == '-')
            return false;
        else
            Options.Inputs.push_back(argv[i]);
    }
    return !Options.Inputs.empty();
}

// Runs one input (twice when asked, comparing the switch traces); whether it passed.
bool ReplayOne(const std::string &File, const ReplayOptions &Options)
{
    FuzzRunOptions Run = Options.Run;
    Run.HashSwitches = Options.Twice;
    FuzzResult First, Second;
    if (!FuzzRunFile(File, Run, First)) {
        std::fprintf(stderr, "ntos_fuzz_replay: cannot read %s\n", File.c_str());
        return false;
    }
    if (!Options.Twice || First.Failed)
        return !First.Failed;
    FuzzRunFile(File, Run, Second);
    bool Same = First.SwitchHash == Second.SwitchHash && First.Switches == Second.Switches;
    std::printf("%s: %u ops, %u switches, trace hash %016llx%s\n", File.c_str(), First.OpsRun, First.Switches,
                (unsigned long long)First.SwitchHash, Same ? "" : " DIFFERS on the second run");
    return Same && !Second.Failed;
}

// Repeats every input until Seconds have passed; prints executions per second.
bool Bench(const std::vector<std::string> &Files, const ReplayOptions &Options)
{
    auto Start = std::chrono::steady_clock::now();
    unsigned long long Runs = 0;
    double Elapsed = 0;
    bool Ok = true;
    while (Ok && Elapsed < Options.BenchSeconds) {
        for (const std::string &File : Files) {
            FuzzResult Result;
            Ok = FuzzRunFile(File, Options.Run, Result) && !Result.Failed && Ok;
            Runs++;
        }
        Elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - Start).count();
    }
    std::printf("ntos_fuzz_replay: %llu programs in %.2f s: %.0f execs/s (boot + program + shutdown)\n", Runs, Elapsed,
                Runs / Elapsed);
    return Ok;
}

} // namespace

int main(int argc, char **argv)
{
    ReplayOptions Options;
    if (!ParseArguments(argc, argv, Options)) {
        std::fprintf(stderr, "usage: ntos_fuzz_replay [--verbose] [--twice] [--bench SECONDS] FILE|DIR...\n");
        return 2;
    }
    std::vector<std::string> Files = ExpandInputs(Options.Inputs);
    if (Options.BenchSeconds > 0)
        return Bench(Files, Options) ? 0 : 1;
    unsigned Failed = 0;
    for (const std::string &File : Files)
        Failed += !ReplayOne(File, Options);
    std::printf("ntos_fuzz_replay: %zu input(s), %u failed\n", Files.size(), Failed);
    return Failed ? 1 : 0;
}
