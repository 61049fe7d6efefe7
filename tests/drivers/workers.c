/* workers.c - a sample hosted driver that runs worker threads driven by timers and
 * DPCs: each of two system threads owns a periodic timer whose DPC counts a tick and
 * signals the thread's event; the thread wakes on the event (or on the driver's stop
 * event) and counts its wakeups. DriverUnload stops the threads, waits for them to end
 * and reports the counts. Run it with `ntosrun --driver libworkers.so`. */
#include <ntddk.h>

#define WORKERS 2
#define PERIOD_MS 1

typedef struct _WORKER {
    KTIMER Timer;
    KDPC Dpc;
    KEVENT Tick;
    PETHREAD Thread;
    volatile LONG DpcCount;
    LONG Wakeups;
    ULONG Number;
} WORKER, *PWORKER;

static WORKER Workers[WORKERS];
static KEVENT StopEvent;

/* The timer's DPC: counts the tick and wakes the worker. At DISPATCH_LEVEL. */
static VOID NTAPI WorkerDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    PWORKER Worker = (PWORKER)Context;
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    InterlockedIncrement(&Worker->DpcCount);
    KeSetEvent(&Worker->Tick, IO_NO_INCREMENT, FALSE);
}

/* A worker thread: waits for its tick or the stop event, until stopped. At PASSIVE_LEVEL. */
static VOID NTAPI WorkerThread(PVOID Context)
{
    PWORKER Worker = (PWORKER)Context;
    PVOID Objects[2];
    LARGE_INTEGER Due;
    Objects[0] = &StopEvent;
    Objects[1] = &Worker->Tick;
    Due.QuadPart = -10000LL * PERIOD_MS;
    KeSetTimerEx(&Worker->Timer, Due, PERIOD_MS, &Worker->Dpc);
    while (KeWaitForMultipleObjects(2, Objects, WaitAny, Executive, KernelMode, FALSE, NULL, NULL) ==
           STATUS_WAIT_1)
        Worker->Wakeups++;
    KeCancelTimer(&Worker->Timer);
    KeFlushQueuedDpcs();
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static VOID NTAPI WorkersUnload(PDRIVER_OBJECT DriverObject)
{
    ULONG i;
    UNREFERENCED_PARAMETER(DriverObject);
    KeSetEvent(&StopEvent, IO_NO_INCREMENT, FALSE);
    for (i = 0; i < WORKERS; i++) {
        KeWaitForSingleObject(Workers[i].Thread, Executive, KernelMode, FALSE, NULL);
        ObDereferenceObject(Workers[i].Thread);
        DbgPrint("workers: worker %lu: %ld timer DPCs, %ld wakeups\n", Workers[i].Number, Workers[i].DpcCount,
                 Workers[i].Wakeups);
    }
}

/* Starts one worker thread and keeps a reference to it. */
static NTSTATUS StartWorker(PWORKER Worker, ULONG Number)
{
    HANDLE Handle;
    OBJECT_ATTRIBUTES Attributes;
    NTSTATUS Status;
    Worker->Number = Number;
    KeInitializeTimerEx(&Worker->Timer, NotificationTimer);
    KeInitializeDpc(&Worker->Dpc, WorkerDpc, Worker);
    KeInitializeEvent(&Worker->Tick, SynchronizationEvent, FALSE);
    InitializeObjectAttributes(&Attributes, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    Status = PsCreateSystemThread(&Handle, THREAD_ALL_ACCESS, &Attributes, NULL, NULL, WorkerThread, Worker);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = ObReferenceObjectByHandle(Handle, SYNCHRONIZE, *PsThreadType, KernelMode, (PVOID *)&Worker->Thread,
                                       NULL);
    ZwClose(Handle);
    return Status;
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ULONG i;
    NTSTATUS Status = STATUS_SUCCESS;
    UNREFERENCED_PARAMETER(RegistryPath);
    KeInitializeEvent(&StopEvent, NotificationEvent, FALSE);
    RtlZeroMemory(Workers, sizeof(Workers));
    for (i = 0; i < WORKERS && NT_SUCCESS(Status); i++)
        Status = StartWorker(&Workers[i], i);
    if (!NT_SUCCESS(Status)) {
        KeSetEvent(&StopEvent, IO_NO_INCREMENT, FALSE);
        while (i-- > 0)
            if (Workers[i].Thread) {
                KeWaitForSingleObject(Workers[i].Thread, Executive, KernelMode, FALSE, NULL);
                ObDereferenceObject(Workers[i].Thread);
            }
        return Status;
    }
    DriverObject->DriverUnload = WorkersUnload;
    DbgPrint("workers: %d worker threads started, each with a %d ms periodic timer and its DPC\n", WORKERS, PERIOD_MS);
    return STATUS_SUCCESS;
}
