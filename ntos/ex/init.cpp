// init.cpp - executive initialization: phase 0 on the boot processor, phase 1 in its
// own system thread, which then serves the host's requests.
#include "ke.h"
#include "ex.h"
#include "ps.h"
#include "ob.h"
#include "se.h"

volatile LONG ExpBootComplete;

// Phase 0 of the executive: the host-request device, the resource, handle-table and
// lookaside lists, the callback flush lock, and the process manager, which creates the
// System process and the phase 1 thread. On processor 0 at DISPATCH_LEVEL.
extern "C" VOID NTAPI ExpInitializeExecutive(ULONG Cpu)
{
    UNREFERENCED_PARAMETER(Cpu);
    KiInitializeHostRequests();
    ExpResourceInitialization();
    ExpInitializeHandleTables();
    ExpInitLookasideLists();
    ExInitializePushLock(&ExpCallBackFlush);
    NTSTATUS Status = PspInitPhase0();
    if (!NT_SUCCESS(Status))
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, (ULONG_PTR)Status, 0, 0, 0);
}

// Phase 1: starts the object manager's types, the security reference monitor (the
// System process gets its token), the kernel handle table and the namespace, and the
// system worker threads; tells the host the system is up, then (as NT's phase 1
// thread becomes the zero-page thread) serves host requests. At PASSIVE_LEVEL.
extern "C" VOID NTAPI Phase1Initialization(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    NTSTATUS Status = ObInitSystem();
    if (NT_SUCCESS(Status))
        Status = SeInitSystem();
    if (NT_SUCCESS(Status))
        Status = PspInitializeProcessSecurity(PsInitialSystemProcess, NULL);
    if (NT_SUCCESS(Status))
        Status = ObpInitSystemPhase1();
    if (!NT_SUCCESS(Status))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, (ULONG_PTR)Status, 0, 0, 0);
    ExpInitializeWorkerThreads();
    InterlockedExchange(&ExpBootComplete, 1);
    HalHostWakeHost();
    ExpHostRequestLoop();
}
