// work.cpp - the executive's system worker threads: three kernel queues (critical,
// delayed, hypercritical), each served by a small fixed set of system threads that run
// queued WORK_QUEUE_ITEMs at PASSIVE_LEVEL; created in phase 1, ended at shutdown.
#include "ke.h"
#include "ex.h"
#include "ob.h"
#include "ps.h"

EX_WORK_QUEUE ExWorkerQueue[MaximumWorkQueue];

namespace {

// Threads per queue (critical, delayed, hypercritical) and their base priority over
// the System process' 8: 13, 12 and 15, as NT gives them.
constexpr ULONG ExpWorkerThreadCount[MaximumWorkQueue] = {2, 1, 1};
constexpr LONG ExpWorkerPriorityIncrement[MaximumWorkQueue] = {5, 4, 7};
constexpr ULONG ExpMaximumWorkerThreads = 4;

// Work routines start at or above the lowest user address, as any code does (NT's check
// is against the whole user range, which the hosted kernel does not have yet).
constexpr ULONG_PTR ExpLowestCodeAddress = 0x10000;

struct EXP_WORKER {
    PETHREAD Thread;
    WORK_QUEUE_TYPE QueueType;
    WORK_QUEUE_ITEM ShutdownItem;
};

EXP_WORKER ExpWorkers[ExpMaximumWorkerThreads];
ULONG ExpWorkerCount;

// The routine of the items that end a worker at shutdown; the worker recognizes it and
// returns instead of calling it.
VOID NTAPI ExpWorkerShutdown(PVOID Parameter)
{
    UNREFERENCED_PARAMETER(Parameter);
}

// Checks the state a work routine left its worker in: IRQL above PASSIVE_LEVEL bugchecks
// WORKER_THREAD_RETURNED_AT_BAD_IRQL; APCs left disabled or a process left attached
// bugchecks APC_INDEX_MISMATCH (call type 1, a worker routine). At any IRQL.
void ExpCheckWorkerReturn(PWORKER_THREAD_ROUTINE Routine, PVOID Parameter, PWORK_QUEUE_ITEM WorkItem)
{
    KIRQL Irql = KeGetCurrentIrql();
    if (Irql != PASSIVE_LEVEL)
        KeBugCheckEx(WORKER_THREAD_RETURNED_AT_BAD_IRQL, reinterpret_cast<ULONG_PTR>(Routine), Irql,
                     reinterpret_cast<ULONG_PTR>(Parameter), reinterpret_cast<ULONG_PTR>(WorkItem));
    PKTHREAD Thread = KeGetCurrentThread();
    ULONG ApcDisable = __atomic_load_n(&Thread->CombinedApcDisable, __ATOMIC_RELAXED);
    if (ApcDisable || Thread->ApcStateIndex != OriginalApcEnvironment)
        KeBugCheckEx(APC_INDEX_MISMATCH, reinterpret_cast<ULONG_PTR>(Routine), Thread->ApcStateIndex, ApcDisable, 1);
}

// A worker thread's body: takes items from its queue and runs them, until it takes a
// shutdown item. At PASSIVE_LEVEL.
VOID NTAPI ExpWorkerThread(PVOID Context)
{
    PEX_WORK_QUEUE WorkQueue = &ExWorkerQueue[reinterpret_cast<ULONG_PTR>(Context)];
    PETHREAD Thread = PsGetCurrentThread();
    Thread->ActiveExWorker = TRUE;
    for (;;) {
        PLIST_ENTRY Entry = KeRemoveQueue(&WorkQueue->WorkerQueue, KernelMode, NULL);
        PWORK_QUEUE_ITEM WorkItem = CONTAINING_RECORD(Entry, WORK_QUEUE_ITEM, List);
        PWORKER_THREAD_ROUTINE Routine = WorkItem->WorkerRoutine;
        if (Routine == ExpWorkerShutdown)
            break;
        PVOID Parameter = WorkItem->Parameter;
        InterlockedIncrement(&WorkQueue->WorkItemsProcessed);
        Routine(Parameter);
        ExpCheckWorkerReturn(Routine, Parameter, WorkItem);
    }
    Thread->ActiveExWorker = FALSE;
}

} // namespace

// Queues a work item for a worker thread of QueueType, which runs its routine at
// PASSIVE_LEVEL. The item must be initialized (ExInitializeWorkItem) and not queued; a
// routine below any code address bugchecks WORKER_INVALID. At or below DISPATCH_LEVEL.
extern "C" VOID NTAPI ExQueueWorkItem(PWORK_QUEUE_ITEM WorkItem, WORK_QUEUE_TYPE QueueType)
{
    ASSERT((ULONG)QueueType < MaximumWorkQueue);
    ASSERT(WorkItem->List.Flink == NULL);
    if (reinterpret_cast<ULONG_PTR>(WorkItem->WorkerRoutine) < ExpLowestCodeAddress)
        KeBugCheckEx(WORKER_INVALID, 1, reinterpret_cast<ULONG_PTR>(WorkItem),
                     reinterpret_cast<ULONG_PTR>(WorkItem->WorkerRoutine), 0);
    KeInsertQueue(&ExWorkerQueue[QueueType].WorkerQueue, &WorkItem->List);
}

// Initializes the three work queues, so items (the reaper's first) can be queued
// before their worker threads start. At DISPATCH_LEVEL in phase 0.
extern "C" VOID NTAPI ExpInitializeWorkQueues(VOID)
{
    ExpWorkerCount = 0;
    for (ULONG Type = 0; Type < MaximumWorkQueue; Type++) {
        RtlZeroMemory(&ExWorkerQueue[Type], sizeof(EX_WORK_QUEUE));
        KeInitializeQueue(&ExWorkerQueue[Type].WorkerQueue, 0);
    }
}

// Starts the worker threads of the three queues, system threads of the System process
// kept referenced until shutdown; failure stops the boot
// (PHASE1_INITIALIZATION_FAILED). At PASSIVE_LEVEL, in phase 1.
extern "C" VOID NTAPI ExpInitializeWorkerThreads(VOID)
{
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    for (ULONG Type = 0; Type < MaximumWorkQueue; Type++) {
        for (ULONG i = 0; i < ExpWorkerThreadCount[Type]; i++) {
            EXP_WORKER *Worker = &ExpWorkers[ExpWorkerCount];
            HANDLE Handle;
            NTSTATUS Status = PsCreateSystemThread(&Handle, THREAD_ALL_ACCESS, &Attributes, NULL, NULL, ExpWorkerThread,
                                                   reinterpret_cast<PVOID>((ULONG_PTR)Type));
            if (NT_SUCCESS(Status)) {
                Status = ObReferenceObjectByHandle(Handle, THREAD_ALL_ACCESS, *PsThreadType, KernelMode,
                                                   reinterpret_cast<PVOID *>(&Worker->Thread), NULL);
                ZwClose(Handle);
            }
            if (!NT_SUCCESS(Status))
                KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, (ULONG_PTR)Status, Type, 0, 0);
            Worker->QueueType = (WORK_QUEUE_TYPE)Type;
            KeSetBasePriorityThread(&Worker->Thread->Tcb, ExpWorkerPriorityIncrement[Type]);
            ExpWorkerCount++;
        }
    }
}

// Ends every worker thread once the items queued before it have run: one shutdown item
// per worker, then waits for, reaps and frees them, and runs the queues down. At
// PASSIVE_LEVEL, on the host request thread at shutdown.
extern "C" VOID NTAPI ExpShutdownWorkerThreads(VOID)
{
    for (ULONG i = 0; i < ExpWorkerCount; i++) {
        ExInitializeWorkItem(&ExpWorkers[i].ShutdownItem, ExpWorkerShutdown, NULL);
        KeInsertQueue(&ExWorkerQueue[ExpWorkers[i].QueueType].WorkerQueue, &ExpWorkers[i].ShutdownItem.List);
    }
    for (ULONG i = 0; i < ExpWorkerCount; i++)
        KeWaitForSingleObject(&ExpWorkers[i].Thread->Tcb, Executive, KernelMode, FALSE, NULL);
    PspReapRoutine(NULL);
    for (ULONG i = 0; i < ExpWorkerCount; i++)
        ObDereferenceObject(ExpWorkers[i].Thread);
    for (ULONG Type = 0; Type < MaximumWorkQueue; Type++)
        KeRundownQueue(&ExWorkerQueue[Type].WorkerQueue);
    ExpWorkerCount = 0;
}
