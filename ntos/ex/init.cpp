// init.cpp - executive initialization. Phase 0 runs on the boot processor at
// DISPATCH_LEVEL and starts the host request thread; that thread runs the object
// manager's, security's and the process manager's start (which need PASSIVE_LEVEL in
// a hosted kernel) and phase 1, then serves the host's requests.
#include "ke.h"
#include "ex.h"
#include "ps.h"
#include "ob.h"
#include "se.h"
#include "io.h"
#include "flt.h"

volatile LONG ExpBootComplete;

// The host request thread: the hosted machine's own thread, in the Idle process (as a
// processor's idle thread, it is no NT object); it works attached to the System
// process once that exists.
ETHREAD ExpHostThread;

namespace {

// The host request thread's system routine: at PASSIVE_LEVEL, runs its start routine,
// which never returns. At APC_LEVEL on entry.
VOID NTAPI ExpHostThreadStartup(PKSTART_ROUTINE StartRoutine, PVOID StartContext)
{
    KeLowerIrql(PASSIVE_LEVEL);
    StartRoutine(StartContext);
    KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, STATUS_UNSUCCESSFUL, 0, 0, 0);
}

// Creates and readies the host request thread running Phase1Initialization. At
// DISPATCH_LEVEL in phase 0.
NTSTATUS ExpCreateHostThread()
{
    PETHREAD Thread = &ExpHostThread;
    RtlZeroMemory(Thread, sizeof(ETHREAD));
    Thread->ExitStatus = STATUS_PENDING;
    Thread->ThreadsProcess = PsIdleProcess;
    PspSetCrossThreadFlag(Thread, PS_CROSS_THREAD_FLAGS_SYSTEM);
    InitializeListHead(&Thread->IrpList);
    InitializeListHead(&Thread->PostBlockList);
    InitializeListHead(&Thread->ActiveTimerListHead);
    NTSTATUS Status = KeInitThread(&Thread->Tcb, NULL, ExpHostThreadStartup, Phase1Initialization, NULL, NULL, NULL,
                                   &PsIdleProcess->Pcb);
    if (!NT_SUCCESS(Status))
        return Status;
    KeStartThread(&Thread->Tcb);
    KeReadyThread(&Thread->Tcb);
    return STATUS_SUCCESS;
}

// The executive's object types: Event, Semaphore, Mutant, Timer. At PASSIVE_LEVEL in phase 1,
// once the object manager is up.
NTSTATUS ExpInitSystemPhase1()
{
    NTSTATUS Status = ExpInitializeEventImplementation();
    if (NT_SUCCESS(Status))
        Status = ExpInitializeSemaphoreImplementation();
    if (NT_SUCCESS(Status))
        Status = ExpInitializeMutantImplementation();
    if (NT_SUCCESS(Status))
        Status = ExpInitializeTimerImplementation();
    return Status;
}

} // namespace

// Phase 0 of the executive: the host-request device, the resource, handle-table and
// lookaside lists, the callback flush lock, the work queues, and the host request
// thread. On processor 0 at DISPATCH_LEVEL.
extern "C" VOID NTAPI ExpInitializeExecutive(ULONG Cpu)
{
    UNREFERENCED_PARAMETER(Cpu);
    KiInitializeHostRequests();
    ExpResourceInitialization();
    ExpInitializeHandleTables();
    ExpInitLookasideLists();
    ExInitializePushLock(&ExpCallBackFlush);
    ExpInitializeWorkQueues();
    NTSTATUS Status = ExpCreateHostThread();
    if (!NT_SUCCESS(Status))
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, (ULONG_PTR)Status, 0, 0, 0);
}

// The host request thread's body: starts the object manager's types and the kernel
// handle table, the security reference monitor, the executive's, the I/O manager's
// and the (built-in) filter manager's object types, the process manager (object types, CID table, the System process, which this thread
// then works in), the namespace and the system worker threads; tells the host the
// system is up, then serves host requests. At PASSIVE_LEVEL.
extern "C" VOID NTAPI Phase1Initialization(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    NTSTATUS Status = ObInitSystem();
    if (NT_SUCCESS(Status))
        Status = SeInitSystem();
    if (NT_SUCCESS(Status))
        Status = ExpInitSystemPhase1();
    if (NT_SUCCESS(Status))
        Status = IopCreateObjectTypes();
    if (NT_SUCCESS(Status))
        Status = FltpInitializeMessaging();
    if (NT_SUCCESS(Status))
        Status = PsInitSystem();
    if (NT_SUCCESS(Status))
        Status = ObpInitSystemPhase1();
    if (!NT_SUCCESS(Status))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, (ULONG_PTR)Status, 0, 0, 0);
    ExpInitializeWorkerThreads();
    InterlockedExchange(&ExpBootComplete, 1);
    HalHostWakeHost();
    ExpHostRequestLoop();
}
