// nthost.cpp - the hosted entry API (nthost.h): boot, running a system thread for a
// host caller, shutdown. Host threads are not processors: they post requests to a
// lock-free list, raise the host-request device's interrupt, and run (deterministic)
// or wait for (realtime) the machine until the kernel marks the request done.
#include "ke.h"
#include "ex.h"
#include "mm.h"
#include "ps.h"
#include "ob.h"
#include "se.h"
#include "rtl.h"
#include "nthost.h"

namespace {

// The leaks the kernel's own shutdown reported (threads that never terminated, kernel
// handles, objects still alive), for NtosShutdown's result.
ULONG ExpObjectsLeft;

enum ExpSystemState : LONG { SystemDown, SystemBooting, SystemUp, SystemShuttingDown };

volatile LONG ExpSystemState = SystemDown;
SINGLE_LIST_ENTRY ExpHostRequestList;
volatile LONG ExpHostCallers;

constexpr ULONG kMaximumKernelStackSize = 16 * 1024 * 1024;

NTSTATUS ExpValidateBootOptions(const NTOS_BOOT_OPTIONS *Options)
{
    if (!Options)
        return STATUS_INVALID_PARAMETER;
    if (Options->Size != sizeof(NTOS_BOOT_OPTIONS))
        return STATUS_INFO_LENGTH_MISMATCH;
    if (Options->Processors > MAXIMUM_PROCESSORS)
        return STATUS_INVALID_PARAMETER;
    if (Options->KernelStackSize &&
        (Options->KernelStackSize < KERNEL_STACK_MINIMUM_SIZE || Options->KernelStackSize > kMaximumKernelStackSize))
        return STATUS_INVALID_PARAMETER;
    return STATUS_SUCCESS;
}

// Posts a request and drives the machine until it is done. On a host thread.
NTSTATUS ExpCallKernel(PEXP_HOST_REQUEST Request)
{
    if (HalHostIsDeterministic() && InterlockedIncrement(&ExpHostCallers) > 1) {
        InterlockedDecrement(&ExpHostCallers); // one host thread drives a deterministic machine
        return STATUS_DEVICE_BUSY;
    }
    PVOID Head;
    do {
        Head = __atomic_load_n(&ExpHostRequestList.Next, __ATOMIC_ACQUIRE);
        Request->Link.Next = static_cast<PSINGLE_LIST_ENTRY>(Head);
    } while (InterlockedCompareExchangePointer(reinterpret_cast<PVOID volatile *>(&ExpHostRequestList.Next),
                                               &Request->Link, Head) != Head);
    HalHostRequestInterrupt(0, DEVICE_LEVEL);
    NTSTATUS Status = HalHostRunMachine(&Request->Done);
    if (HalHostIsDeterministic())
        InterlockedDecrement(&ExpHostCallers);
    if (!NT_SUCCESS(Status))
        return Status;
    return Request->Done ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

// Takes every posted request, oldest first. At PASSIVE_LEVEL.
PSINGLE_LIST_ENTRY ExpTakeHostRequests()
{
    auto *List = static_cast<PSINGLE_LIST_ENTRY>(
        InterlockedExchangePointer(reinterpret_cast<PVOID volatile *>(&ExpHostRequestList.Next), NULL));
    return RtlpReverseSingleList(List);
}

// Runs one host-requested system thread to completion: PsCreateSystemThread in the
// System process, a wait for it, its exit status. At PASSIVE_LEVEL.
void ExpRunHostThread(PEXP_HOST_REQUEST Request)
{
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    HANDLE Handle;
    Request->Status = PsCreateSystemThread(&Handle, THREAD_ALL_ACCESS, &Attributes, NULL, NULL, Request->StartRoutine,
                                           Request->StartContext);
    if (!NT_SUCCESS(Request->Status))
        return;
    PETHREAD Thread;
    Request->Status = ObReferenceObjectByHandle(Handle, SYNCHRONIZE, *PsThreadType, KernelMode,
                                                reinterpret_cast<PVOID *>(&Thread), NULL);
    ZwClose(Handle);
    if (!NT_SUCCESS(Request->Status))
        return;
    KeWaitForSingleObject(Thread, Executive, KernelMode, FALSE, NULL);
    Request->ExitStatus = Thread->ExitStatus;
    ObDereferenceObject(Thread);
}

// Takes the kernel down at the host's request, in the host request thread: lets the
// threads already exiting finish, then takes down the worker threads, the process manager, the kernel handles and namespace, the CID table,
// security, the object types. Returns the number of leaks it reported. At
// PASSIVE_LEVEL.
ULONG ExpShutdownSystem()
{
    PspWaitForExitingThreads();
    ExpShutdownWorkerThreads();
    ULONG Leaks = PspShutdownSystem();
    Leaks += ObpShutdownSystemPhase1();
    PspDeleteCidTable();
    SeShutdownSystem();
    return Leaks + ObShutdownSystem();
}

void ExpCompleteHostRequest(PEXP_HOST_REQUEST Request)
{
    InterlockedExchange(&Request->Done, 1);
    HalHostWakeHost();
}

// Frees everything a boot made, after the machine stopped; returns the number of
// leaked items reported. On the host.
ULONG ExpTearDown()
{
    BOOLEAN Abandoned = PsInitialSystemProcess != NULL;
    ULONG ThreadsLeft = PspAbandonSystem();
    if (Abandoned)
        ObpAbandonObjectManager();
    if (ExpHostThread.Tcb.InitialStack)
        KeUninitThread(&ExpHostThread.Tcb);
    KiReleaseProcessors();
    ULONG Leaks = ExpReportPoolLeaks() + MmReportUserRangeLeaks() + ThreadsLeft + ExpObjectsLeft;
    ULONG Stacks = HalHostOutstandingStacks();
    if (Stacks)
        DbgPrint("NtosShutdown: %u kernel stack(s) not freed\n", Stacks);
    return Leaks + Stacks;
}

} // namespace

// The host request thread's loop: serve each posted request, oldest first; the
// shutdown request ends the worker threads, then this thread. At PASSIVE_LEVEL.
extern "C" VOID NTAPI ExpHostRequestLoop(VOID)
{
    for (;;) {
        KeWaitForSingleObject(&KiHostRequestEvent, Executive, KernelMode, FALSE, NULL);
        for (PSINGLE_LIST_ENTRY Link = ExpTakeHostRequests(); Link;) {
            PEXP_HOST_REQUEST Request = CONTAINING_RECORD(Link, EXP_HOST_REQUEST, Link);
            Link = Link->Next;
            if (Request->Type == ExpHostShutdown) {
                ExpObjectsLeft = ExpShutdownSystem();
                PsGetCurrentThread()->ExitStatus = STATUS_SUCCESS;
                ExpCompleteHostRequest(Request);
                KeTerminateThread(0);
            }
            ExpRunHostThread(Request);
            ExpCompleteHostRequest(Request);
        }
    }
}

extern "C" NTSTATUS NtosBoot(const NTOS_BOOT_OPTIONS *Options)
{
    NTSTATUS Status = ExpValidateBootOptions(Options);
    if (!NT_SUCCESS(Status))
        return Status;
    if (InterlockedCompareExchange(&ExpSystemState, SystemBooting, SystemDown) != SystemDown)
        return STATUS_ALREADY_INITIALIZED;

    ULONG Processors = Options->Processors ? Options->Processors : 1;
    ULONG StackSize = Options->KernelStackSize ? Options->KernelStackSize : HalHostDefaultStackSize(KERNEL_STACK_SIZE);
    StackSize = (ULONG)ALIGN_UP_BY(StackSize, 4096);
    ExpInitializePoolTracker();
    ExpHostRequestList.Next = NULL;
    ExpBootComplete = 0;
    ExpObjectsLeft = 0;
    MmInitializeKernelStacks(StackSize);
    MmInjectTebFailures(0);

    static HAL_MACHINE_CONFIG Config;
    RtlZeroMemory(&Config, sizeof(Config));
    Config.Processors = Processors;
    Config.Deterministic = Options->Deterministic;
    Config.Seed = Options->Seed;
    Config.StartRoutine = KiSystemStartup;
    Status = KiPrepareProcessors(Processors, &Config);
    if (NT_SUCCESS(Status))
        Status = HalHostStartMachine(&Config);
    if (NT_SUCCESS(Status))
        Status = HalHostRunMachine(&ExpBootComplete);
    if (NT_SUCCESS(Status) && !ExpBootComplete)
        Status = STATUS_UNSUCCESSFUL;
    if (!NT_SUCCESS(Status)) {
        if (HalHostProcessorCount())
            HalHostStopMachine();
        ExpTearDown();
        InterlockedExchange(&ExpSystemState, SystemDown);
        return Status;
    }
    InterlockedExchange(&ExpSystemState, SystemUp);
    return STATUS_SUCCESS;
}

extern "C" NTSTATUS NtosRunSystemThread(PKSTART_ROUTINE StartRoutine, PVOID StartContext, PNTSTATUS ExitStatus)
{
    if (ExpSystemState != SystemUp)
        return STATUS_INVALID_DEVICE_STATE;
    if (!StartRoutine)
        return STATUS_INVALID_PARAMETER_1;
    EXP_HOST_REQUEST Request;
    RtlZeroMemory(&Request, sizeof(Request));
    Request.Type = ExpHostRunSystemThread;
    Request.StartRoutine = StartRoutine;
    Request.StartContext = StartContext;
    Request.ExitStatus = STATUS_PENDING;
    NTSTATUS Status = ExpCallKernel(&Request);
    if (!NT_SUCCESS(Status))
        return Status;
    if (NT_SUCCESS(Request.Status) && ExitStatus)
        *ExitStatus = Request.ExitStatus;
    return Request.Status;
}

extern "C" NTSTATUS NtosShutdown(VOID)
{
    if (InterlockedCompareExchange(&ExpSystemState, SystemShuttingDown, SystemUp) != SystemUp)
        return STATUS_INVALID_DEVICE_STATE;
    EXP_HOST_REQUEST Request;
    RtlZeroMemory(&Request, sizeof(Request));
    Request.Type = ExpHostShutdown;
    ExpCallKernel(&Request);
    HalHostStopMachine();
    ULONG Leaks = ExpTearDown();
    InterlockedExchange(&ExpSystemState, SystemDown);
    return Leaks ? STATUS_UNSUCCESSFUL : STATUS_SUCCESS;
}
