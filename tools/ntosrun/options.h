// options.h - ntosrun's command line: what to boot, which drivers to load, which
// workload to run, and the kd commands to run at the end.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "nthost.h"

struct NtosrunOptions {
    NTOS_BOOT_OPTIONS Boot{};
    std::vector<std::string> Drivers;
    std::string Workload = "demo";
    unsigned Seconds = 2; // the storm's length
    std::vector<std::string> KdCommands; // --kd: views run at the end and on a bugcheck
    std::string TracePath;               // --trace: where the timeline goes
    unsigned TraceEvents = 1u << 18; // the log's ring, in events
    bool Help = false;
    std::string Replay; // a fuzzer input to run instead of a workload
};

// Parses argv into Options; on a bad argument returns false with a one-line Error.
bool NtosrunParseOptions(int argc, char **argv, NtosrunOptions &Options, std::string &Error);
void NtosrunPrintUsage(std::FILE *Stream);
