// ntosrun - boots the hosted kernel with N processors (realtime or deterministic),
// runs a system thread that reports on itself and lists every thread, and shuts down.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "nthost.h"
#include "ndk/ntndk.h"
#include "kd.h"
#include "ps.h"

namespace {

// The --kd commands: run at the end of the system thread's work and on a bugcheck.
std::vector<std::string> KdCommands;
std::string KdCommandList;

// Adds a --kd command; the bugcheck path reads them all as one ';'-separated list.
void AddKdCommand(const char *Command)
{
    KdCommands.emplace_back(Command);
    KdCommandList += (KdCommandList.empty() ? "" : ";") + KdCommands.back();
    KdBugCheckCommands = KdCommandList.c_str();
}

// Inside the kernel, at PASSIVE_LEVEL: runs each --kd command, echoing it as kd does.
void RunKdCommands()
{
    for (const std::string &Command : KdCommands) {
        DbgPrint("kd> %s\n", Command.c_str());
        NTSTATUS Status = KdExecuteCommand(Command.c_str());
        if (!NT_SUCCESS(Status))
            DbgPrint("kd: status 0x%08X\n", static_cast<unsigned>(Status));
    }
}

const char *StateName(UCHAR State)
{
    static const char *Names[] = {"Initialized", "Ready", "Running", "Standby", "Terminated",
                                  "Waiting", "Transition", "DeferredReady", "GateWait"};
    return State < 9 ? Names[State] : "?";
}

// The system thread: prints what the kernel knows about it.
VOID NTAPI ReportSelf(PVOID Context)
{
    PETHREAD Thread = PsGetCurrentThread();
    PKTHREAD Tcb = &Thread->Tcb;
    PEPROCESS Process = Thread->ThreadsProcess;
    LARGE_INTEGER Now;
    KeQuerySystemTime(&Now);
    DbgPrint("Hello from system thread %p (KTHREAD sequence %u) of process %p \"%s\" (PID %" PRIuPTR ")\n",
             static_cast<void *>(Thread), Tcb->HostSequence, static_cast<void *>(Process),
             reinterpret_cast<const char *>(Process->ImageFileName), reinterpret_cast<uintptr_t>(Process->UniqueProcessId));
    DbgPrint("  processor %u of %d, IRQL %u, state %s, priority %d (base %d), quantum %d\n",
             KeGetCurrentProcessorNumber(), KeNumberProcessors, KeGetCurrentIrql(), StateName(Tcb->State),
             Tcb->Priority, Tcb->BasePriority, Tcb->Quantum);
    DbgPrint("  kernel stack %p..%p (%zu KiB), a local at %p, context switches %u\n", Tcb->StackLimit,
             Tcb->StackBase,
             static_cast<size_t>(static_cast<char *>(Tcb->StackBase) - static_cast<char *>(Tcb->StackLimit)) / 1024,
             static_cast<void *>(&Now), Tcb->ContextSwitches);
    LARGE_INTEGER Ticks;
    KeQueryTickCount(&Ticks);
    DbgPrint("  system time %lld, interrupt time %llu, tick count %lld\n", static_cast<long long>(Now.QuadPart),
             static_cast<unsigned long long>(KeQueryInterruptTime()), static_cast<long long>(Ticks.QuadPart));
    DbgPrint("Threads (seed 002's EnumThreads):\n");
    KdpEnumThreads();
    RunKdCommands();
    *static_cast<ULONG *>(Context) = Tcb->HostSequence;
}

void Usage()
{
    std::fprintf(stderr, "usage: ntosrun [--processors N] [--deterministic] [--seed S] [--stack-size BYTES]\n"
                         "               [--kd \"COMMAND\"]...  (kd views: !process 0 7, !thread ADDR, !ready, ...)\n");
}

} // namespace

int main(int argc, char **argv)
{
    NTOS_BOOT_OPTIONS Options{};
    Options.Size = sizeof(Options);
    Options.Processors = 2;
    for (int i = 1; i < argc; i++) {
        std::string Arg = argv[i];
        auto Next = [&]() -> const char * { return i + 1 < argc ? argv[++i] : nullptr; };
        const char *Value = nullptr;
        if (Arg == "--processors" && (Value = Next()))
            Options.Processors = static_cast<ULONG>(std::strtoul(Value, nullptr, 0));
        else if (Arg == "--deterministic")
            Options.Deterministic = TRUE;
        else if (Arg == "--seed" && (Value = Next()))
            Options.Seed = std::strtoull(Value, nullptr, 0), Options.Deterministic = TRUE;
        else if (Arg == "--kd" && (Value = Next()))
            AddKdCommand(Value);
        else if (Arg == "--stack-size" && (Value = Next()))
            Options.KernelStackSize = static_cast<ULONG>(std::strtoul(Value, nullptr, 0));
        else {
            Usage();
            return 2;
        }
    }
    std::printf("ntosrun: booting %u processor(s), %s mode", Options.Processors ? Options.Processors : 1,
                Options.Deterministic ? "deterministic" : "realtime");
    if (Options.Deterministic)
        std::printf(", seed %" PRIu64, static_cast<uint64_t>(Options.Seed));
    std::printf("\n");
    std::fflush(stdout);
    NTSTATUS Status = NtosBoot(&Options);
    if (!NT_SUCCESS(Status)) {
        std::fprintf(stderr, "ntosrun: NtosBoot failed: 0x%08X\n", static_cast<unsigned>(Status));
        return 1;
    }
    ULONG Sequence = 0;
    NTSTATUS ExitStatus = STATUS_PENDING;
    Status = NtosRunSystemThread(ReportSelf, &Sequence, &ExitStatus);
    std::printf("ntosrun: system thread %u ran: status 0x%08X, exit status 0x%08X\n", Sequence,
                static_cast<unsigned>(Status), static_cast<unsigned>(ExitStatus));
    NTSTATUS ShutdownStatus = NtosShutdown();
    std::printf("ntosrun: shutdown 0x%08X%s\n", static_cast<unsigned>(ShutdownStatus),
                NT_SUCCESS(ShutdownStatus) ? ", no leaks" : "");
    return NT_SUCCESS(Status) && NT_SUCCESS(ShutdownStatus) ? 0 : 1;
}
