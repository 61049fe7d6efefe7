// workload.cpp - the table of ntosrun's built-in workloads.
#include "workload.h"

#include <cstring>

const NTOSRUN_WORKLOAD NtosrunWorkloads[] = {
    {"demo", NtosrunDemo, "processes whose threads wait, signal, get suspended and are terminated"},
    {"storm", NtosrunStorm, "create and terminate processes and threads for --seconds"},
    {"seed000", NtosrunSeed000, "seed 000: a process-exit notify's FltSendMessage returns 0xC000004B"},
    {nullptr, nullptr, nullptr},
};

const NTOSRUN_WORKLOAD *NtosrunFindWorkload(const char *Name)
{
    for (const NTOSRUN_WORKLOAD *Workload = NtosrunWorkloads; Workload->Name; Workload++)
        if (std::strcmp(Workload->Name, Name) == 0)
            return Workload;
    return nullptr;
}
