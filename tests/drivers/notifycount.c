/* notifycount.c - a sample hosted driver that registers every notify routine the
 * process manager offers (process, Ex process, thread, load image), counts what they
 * see, and reports the counts when it is unloaded. Run it with
 * `ntosrun --driver libnotifycount.so`. */
#include <ntddk.h>

static volatile LONG ProcessesCreated, ProcessesExited, ExProcessesCreated, ExProcessesExited;
static volatile LONG ThreadsCreated, ThreadsExited, ImagesLoaded;

static VOID NTAPI CountProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ParentId);
    UNREFERENCED_PARAMETER(ProcessId);
    InterlockedIncrement(Create ? &ProcessesCreated : &ProcessesExited);
}

static VOID NTAPI CountProcessEx(PEPROCESS Process, HANDLE ProcessId, PPS_CREATE_NOTIFY_INFO CreateInfo)
{
    UNREFERENCED_PARAMETER(Process);
    UNREFERENCED_PARAMETER(ProcessId);
    InterlockedIncrement(CreateInfo ? &ExProcessesCreated : &ExProcessesExited);
}

static VOID NTAPI CountThread(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ProcessId);
    UNREFERENCED_PARAMETER(ThreadId);
    InterlockedIncrement(Create ? &ThreadsCreated : &ThreadsExited);
}

static VOID NTAPI CountImage(PUNICODE_STRING FullImageName, HANDLE ProcessId, PIMAGE_INFO ImageInfo)
{
    UNREFERENCED_PARAMETER(FullImageName);
    UNREFERENCED_PARAMETER(ProcessId);
    UNREFERENCED_PARAMETER(ImageInfo);
    InterlockedIncrement(&ImagesLoaded);
}

static VOID NTAPI NotifyCountUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    PsRemoveLoadImageNotifyRoutine(CountImage);
    PsRemoveCreateThreadNotifyRoutine(CountThread);
    PsSetCreateProcessNotifyRoutineEx(CountProcessEx, TRUE);
    PsSetCreateProcessNotifyRoutine(CountProcess, TRUE);
    DbgPrint("notifycount: processes created %ld, exited %ld (Ex routine: %ld, %ld); threads created %ld, "
             "exited %ld; images loaded %ld\n",
             ProcessesCreated, ProcessesExited, ExProcessesCreated, ExProcessesExited, ThreadsCreated, ThreadsExited,
             ImagesLoaded);
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NTSTATUS Status;
    UNREFERENCED_PARAMETER(RegistryPath);
    Status = PsSetCreateProcessNotifyRoutine(CountProcess, FALSE);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = PsSetCreateProcessNotifyRoutineEx(CountProcessEx, FALSE);
    if (NT_SUCCESS(Status)) {
        Status = PsSetCreateThreadNotifyRoutine(CountThread);
        if (NT_SUCCESS(Status)) {
            Status = PsSetLoadImageNotifyRoutine(CountImage);
            if (NT_SUCCESS(Status)) {
                DriverObject->DriverUnload = NotifyCountUnload;
                DbgPrint("notifycount: process, Ex process, thread and load-image routines registered\n");
                return STATUS_SUCCESS;
            }
            PsRemoveCreateThreadNotifyRoutine(CountThread);
        }
        PsSetCreateProcessNotifyRoutineEx(CountProcessEx, TRUE);
    }
    PsSetCreateProcessNotifyRoutine(CountProcess, TRUE);
    return Status;
}
