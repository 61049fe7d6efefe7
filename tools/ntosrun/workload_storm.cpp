// workload_storm.cpp - ntosrun's create/terminate storm: for --seconds, round after
// round, a process is made and its thread ends in one of NT's ways: a user thread that
// returns, one terminated from outside while it waits, one whose whole process is
// terminated, and a user thread terminated while still suspended
// from its creation. Every handle is closed; the summary and the leak check at
// shutdown tell the rest.
#include "kernelutil.h"
#include "workload.h"

namespace {

struct StormCounts {
    ULONG Rounds = 0;
    ULONG Failures = 0;
};

// A user thread that sleeps alertably until it is terminated.
NTSTATUS SleepForever()
{
    for (;;)
        NtosrunSleep(1000, TRUE);
}

// One round of the storm, its ending chosen by Round. Whether it went as NT says.
bool StormRound(ULONG Round)
{
    static const std::function<NTSTATUS()> Returns = [] { return STATUS_SUCCESS; };
    static const std::function<NTSTATUS()> Sleeps = SleepForever;
    HANDLE Process, Thread = nullptr;
    if (!NT_SUCCESS(NtosrunCreateProcess("storm", &Process)))
        return false;
    NTSTATUS Status;
    NTSTATUS Expected = STATUS_SUCCESS;
    switch (Round % 4) {
    case 0: // the thread returns: its process exits with it
        Status = NtosrunStartUserThread(Process, &Returns, &Thread);
        break;
    case 1: // terminated by another thread while it waits
        Status = NtosrunStartUserThread(Process, &Sleeps, &Thread);
        if (NT_SUCCESS(Status))
            Status = ZwTerminateThread(Thread, Expected = 0x5701);
        break;
    case 2: // its whole process is terminated under it
        Status = NtosrunStartUserThread(Process, &Sleeps, &Thread);
        if (NT_SUCCESS(Status))
            Status = ZwTerminateProcess(Process, Expected = 0x5702);
        break;
    default: // terminated before it ever ran: created suspended
        Status = NtosrunStartUserThread(Process, &Sleeps, &Thread, nullptr, TRUE);
        if (NT_SUCCESS(Status))
            Status = ZwTerminateProcess(Process, Expected = 0x5703);
        break;
    }
    bool Ok = NT_SUCCESS(Status) && NtosrunWait(Thread, 10000) == STATUS_SUCCESS &&
              NtosrunWait(Process, 10000) == STATUS_SUCCESS && NtosrunExitStatus(Thread) == Expected;
    if (!Ok && Thread)
        ZwTerminateProcess(Process, STATUS_UNSUCCESSFUL);
    if (Thread) {
        NtosrunWait(Thread);
        ZwClose(Thread);
    }
    NtosrunWait(Process);
    ZwClose(Process);
    return Ok;
}

} // namespace

NTSTATUS NtosrunStorm(NtosrunContext &Context)
{
    ULONG64 Length = 10000000ULL * Context.Options->Seconds; // interrupt time, 100 ns units
    ULONG64 Start = KeQueryInterruptTime();
    StormCounts Counts;
    while (KeQueryInterruptTime() - Start < Length) {
        if (!StormRound(Counts.Rounds))
            Counts.Failures++;
        Counts.Rounds++;
    }
    ULONG64 Elapsed = KeQueryInterruptTime() - Start;
    DbgPrint("storm: %lu rounds (a process and a thread each) in %llu ms of system time, %llu per second; "
             "%lu went wrong\n",
             Counts.Rounds, Elapsed / 10000, Elapsed ? Counts.Rounds * 10000000ULL / Elapsed : 0ULL, Counts.Failures);
    return Counts.Failures ? STATUS_UNSUCCESSFUL : STATUS_SUCCESS;
}
