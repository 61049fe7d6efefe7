// workload_seed000.cpp - seed 000 as a run: the seed's minifilter driver (a hosted
// driver, libseed000.so, loaded with --driver or found beside ntosrun) tells a
// user-mode service about every process created and exiting through FltSendMessage.
// A monitored process is created and exits: the create notify's message is answered,
// the exit notify's FltSendMessage returns STATUS_THREAD_IS_TERMINATING (0xC000004B)
// at once, a plain wait there still completes, and the process still exits.
#include "kernelutil.h"
#include "seed000_service.h"
#include "workload.h"

namespace {

// The user-mode service: connects to the driver's port and answers each message
// until the port goes away. Connected is set (1 connected, -1 failed) once it knows.
NTSTATUS RunService(volatile LONG *Connected)
{
    HANDLE Port;
    HRESULT Result = FilterConnectCommunicationPort(SEED000_PORT_NAME, 0, nullptr, 0, nullptr, &Port);
    InterlockedExchange(Connected, Result == S_OK ? 1 : -1);
    if (Result != S_OK)
        return STATUS_UNSUCCESSFUL;
    volatile LONG Answered = 0;
    Seed000AnswerMessages(Port, &Answered);
    DbgPrint("seed000: the service answered %ld message(s)\n", static_cast<long>(Answered));
    NtClose(Port);
    return STATUS_SUCCESS;
}

// Prints the driver's log of its sends; whether the monitored process's create was
// answered and its exit's send returned STATUS_THREAD_IS_TERMINATING.
bool ReportLog(const SEED000_LOG *Log, HANDLE ProcessId)
{
    bool Answered = false, Terminating = false;
    LONG Count = __atomic_load_n(&Log->Count, __ATOMIC_ACQUIRE);
    for (LONG I = 0; I < Count && I < SEED000_LOG_SIZE; I++) {
        const auto &Entry = Log->Entries[I];
        DbgPrint("seed000: driver: process %p %s: FltSendMessage 0x%08X, verdict 0x%X, plain wait 0x%08X\n",
                 Entry.ProcessId, Entry.Create ? "create" : "exit  ", static_cast<unsigned>(Entry.SendStatus),
                 static_cast<unsigned>(Entry.Verdict), static_cast<unsigned>(Entry.PlainWaitStatus));
        if (Entry.ProcessId != ProcessId)
            continue;
        if (Entry.Create)
            Answered = Entry.SendStatus == STATUS_SUCCESS && Entry.Verdict == SEED000_CREATE_VERDICT;
        else
            Terminating = Entry.SendStatus == STATUS_THREAD_IS_TERMINATING && Entry.PlainWaitStatus == STATUS_SUCCESS;
    }
    return Answered && Terminating;
}

// Creates the monitored process with one system thread that returns at once, and
// waits for the process to exit; its PID, or NULL.
HANDLE RunMonitoredProcess()
{
    static const std::function<void()> Returns = [] {};
    HANDLE Process, Thread;
    HANDLE ProcessId = nullptr;
    if (!NT_SUCCESS(NtosrunCreateProcess("monitored", &Process)))
        return nullptr;
    PROCESS_BASIC_INFORMATION Basic;
    if (NT_SUCCESS(ZwQueryInformationProcess(Process, ProcessBasicInformation, &Basic, sizeof(Basic), nullptr)))
        ProcessId = reinterpret_cast<HANDLE>(Basic.UniqueProcessId);
    if (NT_SUCCESS(NtosrunStartSystemThread(Process, &Returns, &Thread))) {
        NtosrunWait(Thread);
        ZwClose(Thread);
    }
    NTSTATUS Status = NtosrunWait(Process, 20000);
    DbgPrint("seed000: monitored process %p exited: wait 0x%08X (nothing hung)\n", ProcessId,
             static_cast<unsigned>(Status));
    ZwClose(Process);
    return Status == STATUS_SUCCESS ? ProcessId : nullptr;
}

} // namespace

NTSTATUS NtosrunSeed000(NtosrunContext &Context)
{
    NtosrunDriver *Driver = NtosrunFindDriver(*Context.Drivers, "seed000");
    auto *Log = Driver ? static_cast<const SEED000_LOG *>(NtosrunDriverSymbol(*Driver, "Seed000Log")) : nullptr;
    if (!Log || !NT_SUCCESS(Driver->EntryStatus)) {
        DbgPrint("seed000: the seed000 driver is not loaded (--driver libseed000.so)\n");
        return STATUS_NOT_FOUND;
    }
    volatile LONG Connected = 0;
    const std::function<NTSTATUS()> Service = [&Connected] { return RunService(&Connected); };
    HANDLE ServiceProcess, ServiceThread;
    NTSTATUS Status = NtosrunCreateProcess("service", &ServiceProcess);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = NtosrunStartUserThread(ServiceProcess, &Service, &ServiceThread);
    bool Ok = false;
    if (NT_SUCCESS(Status)) {
        while (!__atomic_load_n(&Connected, __ATOMIC_ACQUIRE))
            NtosrunSleep(1);
        DbgPrint("seed000: the user-mode service %s the driver's port\n",
                 Connected > 0 ? "connected to" : "could not connect to");
        HANDLE ProcessId = Connected > 0 ? RunMonitoredProcess() : nullptr;
        Ok = ProcessId && ReportLog(Log, ProcessId);
        ZwTerminateProcess(ServiceProcess, STATUS_SUCCESS);
        NtosrunWait(ServiceThread);
        ZwClose(ServiceThread);
    }
    NtosrunWait(ServiceProcess);
    ZwClose(ServiceProcess);
    DbgPrint("seed000: %s\n", Ok ? "the exit notify's FltSendMessage returned 0xC000004B and the process exited"
                                 : "FAILED: the seed's outcome was not reproduced");
    return !NT_SUCCESS(Status) ? Status : Ok ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}
