// trace.h - ntosrun's timeline: the kernel's PerfInfo log, collected at the end of a
// run and written as Chrome / Perfetto trace-event JSON.
#pragma once

#include <string>
#include <vector>

#include "ndk/ntndk.h"
#include "perf.h"

// In the kernel, at PASSIVE_LEVEL: stops the log, copies its events out and frees it;
// returns how many were logged in all (more than copied when the ring wrapped).
ULONG64 NtosrunCollectTrace(ULONG Capacity, std::vector<PERFINFO_EVENT> &Events);
// Writes Events as trace-event JSON to Path; false with Error if the file fails.
bool NtosrunWriteTrace(const std::string &Path, std::vector<PERFINFO_EVENT> Events, std::string &Error);
