// workload.h - ntosrun's built-in workloads: each runs in a system thread of the
// booted kernel, with the loaded drivers, and returns its status.
#pragma once

#include <vector>

#include "driverload.h"
#include "options.h"

struct NtosrunContext {
    const NtosrunOptions *Options;
    std::vector<NtosrunDriver> *Drivers;
};

typedef NTSTATUS (*NTOSRUN_WORKLOAD_ROUTINE)(NtosrunContext &Context);

struct NTOSRUN_WORKLOAD {
    const char *Name;
    NTOSRUN_WORKLOAD_ROUTINE Routine;
    const char *Description;
};

extern const NTOSRUN_WORKLOAD NtosrunWorkloads[]; // ends with a NULL Name
const NTOSRUN_WORKLOAD *NtosrunFindWorkload(const char *Name);

NTSTATUS NtosrunDemo(NtosrunContext &Context);
NTSTATUS NtosrunStorm(NtosrunContext &Context);
NTSTATUS NtosrunSeed000(NtosrunContext &Context);
