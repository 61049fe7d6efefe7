/* seed000.c - the driver of seed 000, written as a driver is: a minifilter whose
 * process notify routine tells a user-mode service about every process created and
 * exiting through FltSendMessage on a communication port, and waits for its verdict.
 * In the exit notify, which runs in the exiting process's last thread (a thread that
 * is terminating), FltSendMessage's cancellable wait returns STATUS_THREAD_IS_TERMINATING
 * (0xC000004B) at once; a non-cancellable wait there still completes. The driver keeps
 * a log of what each send returned, for its test to read. */
#include <fltkernel.h>
#include "seed000.h"

static PFLT_FILTER Seed000Filter;
static PFLT_PORT Seed000ServerPort;
static PFLT_PORT Seed000ClientPort;
SEED000_LOG Seed000Log;

static NTSTATUS NTAPI Seed000Connect(PFLT_PORT ClientPort, PVOID ServerPortCookie, PVOID ConnectionContext,
                                     ULONG SizeOfContext, PVOID *ConnectionPortCookie)
{
    UNREFERENCED_PARAMETER(ServerPortCookie);
    UNREFERENCED_PARAMETER(ConnectionContext);
    UNREFERENCED_PARAMETER(SizeOfContext);
    *ConnectionPortCookie = NULL;
    Seed000ClientPort = ClientPort;
    return STATUS_SUCCESS;
}

static VOID NTAPI Seed000Disconnect(PVOID ConnectionCookie)
{
    UNREFERENCED_PARAMETER(ConnectionCookie);
    FltCloseClientPort(Seed000Filter, &Seed000ClientPort);
}

/* Records one send in the log (its slot taken atomically: notify routines run in
 * several threads at once). */
static VOID Seed000Record(HANDLE ProcessId, BOOLEAN Create, NTSTATUS SendStatus, ULONG Verdict, NTSTATUS PlainWait)
{
    LONG Slot = InterlockedIncrement(&Seed000Log.Count) - 1;
    if (Slot >= SEED000_LOG_SIZE)
        return;
    Seed000Log.Entries[Slot].ProcessId = ProcessId;
    Seed000Log.Entries[Slot].Create = Create;
    Seed000Log.Entries[Slot].SendStatus = SendStatus;
    Seed000Log.Entries[Slot].Verdict = Verdict;
    Seed000Log.Entries[Slot].PlainWaitStatus = PlainWait;
}

/* A non-cancellable wait: a timer 1 ms away, waited for in kernel mode, not alertable. */
static NTSTATUS Seed000PlainWait(VOID)
{
    KTIMER Timer;
    LARGE_INTEGER Due;
    KeInitializeTimer(&Timer);
    Due.QuadPart = -10000;
    KeSetTimer(&Timer, Due, NULL);
    return KeWaitForSingleObject(&Timer, Executive, KernelMode, FALSE, NULL);
}

static VOID NTAPI Seed000ProcessNotify(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
    SEED000_MESSAGE Message;
    SEED000_REPLY Reply;
    ULONG ReplyLength = sizeof(Reply);
    LARGE_INTEGER Timeout;
    NTSTATUS Status;
    Message.ParentId = ParentId;
    Message.ProcessId = ProcessId;
    Message.Create = Create;
    Reply.Verdict = 0;
    Timeout.QuadPart = -10LL * 1000 * 1000 * 10; /* 10 s */
    Status = FltSendMessage(Seed000Filter, &Seed000ClientPort, &Message, sizeof(Message), &Reply, &ReplyLength,
                            &Timeout);
    Seed000Record(ProcessId, Create, Status, NT_SUCCESS(Status) ? Reply.Verdict : 0,
                  Create ? STATUS_SUCCESS : Seed000PlainWait());
}

static VOID NTAPI Seed000Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    PsSetCreateProcessNotifyRoutine(Seed000ProcessNotify, TRUE);
    FltCloseCommunicationPort(Seed000ServerPort);
    FltUnregisterFilter(Seed000Filter);
}

static const FLT_REGISTRATION Seed000Registration = {sizeof(FLT_REGISTRATION), FLT_REGISTRATION_VERSION};

NTSTATUS NTAPI Seed000DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    PSECURITY_DESCRIPTOR Descriptor;
    OBJECT_ATTRIBUTES Attributes;
    UNICODE_STRING Name;
    NTSTATUS Status;
    UNREFERENCED_PARAMETER(RegistryPath);
    RtlZeroMemory(&Seed000Log, sizeof(Seed000Log));
    Status = FltRegisterFilter(DriverObject, &Seed000Registration, &Seed000Filter);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = FltBuildDefaultSecurityDescriptor(&Descriptor, FLT_PORT_ALL_ACCESS);
    if (NT_SUCCESS(Status)) {
        RtlInitUnicodeString(&Name, SEED000_PORT_NAME);
        InitializeObjectAttributes(&Attributes, &Name, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, Descriptor);
        Status = FltCreateCommunicationPort(Seed000Filter, &Seed000ServerPort, &Attributes, NULL, Seed000Connect,
                                            Seed000Disconnect, NULL, 1);
        FltFreeSecurityDescriptor(Descriptor);
    }
    if (NT_SUCCESS(Status)) {
        Status = PsSetCreateProcessNotifyRoutine(Seed000ProcessNotify, FALSE);
        if (!NT_SUCCESS(Status))
            FltCloseCommunicationPort(Seed000ServerPort);
    }
    if (NT_SUCCESS(Status))
        Status = FltStartFiltering(Seed000Filter);
    if (!NT_SUCCESS(Status)) {
        FltUnregisterFilter(Seed000Filter);
        return Status;
    }
    DriverObject->DriverUnload = Seed000Unload;
    return STATUS_SUCCESS;
}
