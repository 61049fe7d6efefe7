// messaging.cpp - the filter manager's communication ports (fltmgr's Messaging.c): a
// minifilter's server port, the client port each user-mode connection gets, and the
// messages between them. FltSendMessage waits with FsRtlCancellableWaitForSingleObject,
// so a thread that is terminating (seed 000's process-exit notify routine) gets
// STATUS_THREAD_IS_TERMINATING instead of hanging.
#include "ke.h"
#include "ex.h"
#include "ob.h"
#include "flt.h"
#include "fltuser.h"

POBJECT_TYPE FltpServerPortObjectType;
POBJECT_TYPE FltpCommunicationPortObjectType;

namespace {

GENERIC_MAPPING FltpPortMapping = {STANDARD_RIGHTS_READ | FLT_PORT_CONNECT, STANDARD_RIGHTS_WRITE | FLT_PORT_CONNECT,
                                   STANDARD_RIGHTS_EXECUTE | FLT_PORT_CONNECT, FLT_PORT_ALL_ACCESS};

// Ends every message still queued or awaiting a reply with Status; their senders wake.
// With the port's lock held.
VOID FltpCompleteAll(PFLT_PORT_OBJECT Port, NTSTATUS Status)
{
    PLIST_ENTRY Lists[] = {&Port->Pending, &Port->AwaitingReply};
    for (PLIST_ENTRY Head : Lists) {
        while (!IsListEmpty(Head)) {
            auto *Message = CONTAINING_RECORD(RemoveHeadList(Head), FLTP_MESSAGE, Link);
            Message->Completed = TRUE;
            Message->Status = Status;
            KeSetEvent(&Message->Done, IO_NO_INCREMENT, FALSE);
        }
    }
}

// Breaks a connection: messages in flight end with STATUS_PORT_DISCONNECTED and a
// receiver waiting on the port wakes to find it disconnected. Returns whether it was
// still connected. At PASSIVE_LEVEL.
BOOLEAN FltpBreakConnection(PFLT_PORT_OBJECT Port)
{
    KeAcquireGuardedMutex(&Port->Lock);
    BOOLEAN WasConnected = !Port->Disconnected;
    Port->Disconnected = TRUE;
    FltpCompleteAll(Port, STATUS_PORT_DISCONNECTED);
    KeReleaseGuardedMutex(&Port->Lock);
    if (WasConnected)
        KeReleaseSemaphore(&Port->MessagesQueued, IO_NO_INCREMENT, 1, FALSE);
    return WasConnected;
}

// The client port type's close procedure: when the last handle (the application's)
// goes, the connection breaks and the filter's disconnect routine runs, once. At
// PASSIVE_LEVEL.
VOID NTAPI FltpCloseClientPortObject(PEPROCESS Process, PVOID Object, ACCESS_MASK GrantedAccess,
                                     ULONG ProcessHandleCount, ULONG SystemHandleCount)
{
    UNREFERENCED_PARAMETER(Process);
    UNREFERENCED_PARAMETER(GrantedAccess);
    UNREFERENCED_PARAMETER(ProcessHandleCount);
    auto *Port = static_cast<PFLT_PORT_OBJECT>(Object);
    if (SystemHandleCount != 1)
        return;
    FltpBreakConnection(Port);
    if (!Port->Connected)
        return;
    Port->Connected = FALSE;
    PFLT_SERVER_PORT_OBJECT Server = Port->ServerPort;
    if (Server->DisconnectNotify)
        Server->DisconnectNotify(Port->Cookie);
    InterlockedDecrement(&Server->NumberOfConnections);
}

// The client port type's delete procedure: lets go of its server port.
VOID NTAPI FltpDeleteClientPortObject(PVOID Object)
{
    ObDereferenceObject(static_cast<PFLT_PORT_OBJECT>(Object)->ServerPort);
}

// Creates one of the two port types.
NTSTATUS FltpCreatePortType(PCWSTR TypeName, ULONG BodySize, OB_CLOSE_METHOD Close, OB_DELETE_METHOD Delete,
                            POBJECT_TYPE *Type)
{
    OBJECT_TYPE_INITIALIZER Initializer{};
    Initializer.Length = sizeof(Initializer);
    Initializer.PoolType = NonPagedPool;
    Initializer.DefaultNonPagedPoolCharge = BodySize;
    Initializer.GenericMapping = FltpPortMapping;
    Initializer.ValidAccessMask = FLT_PORT_ALL_ACCESS;
    Initializer.CloseProcedure = Close;
    Initializer.DeleteProcedure = Delete;
    UNICODE_STRING Name;
    RtlInitUnicodeString(&Name, TypeName);
    return ObCreateObjectType(&Name, &Initializer, NULL, Type);
}

// Makes a client port for a connection to Server (which it references) and inserts
// it: a handle for the caller's mode, plus the reference the filter's PFLT_PORT holds.
NTSTATUS FltpCreateClientPort(PFLT_SERVER_PORT_OBJECT Server, KPROCESSOR_MODE PreviousMode, PFLT_PORT_OBJECT *Port,
                              PHANDLE Handle)
{
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, NULL, PreviousMode == KernelMode ? OBJ_KERNEL_HANDLE : 0, NULL, NULL);
    PFLT_PORT_OBJECT Client;
    NTSTATUS Status = ObCreateObject(KernelMode, FltpCommunicationPortObjectType, &Attributes, PreviousMode, NULL,
                                     sizeof(FLT_PORT_OBJECT), 0, 0, reinterpret_cast<PVOID *>(&Client));
    if (!NT_SUCCESS(Status))
        return Status;
    RtlZeroMemory(Client, sizeof(*Client));
    ObReferenceObject(Server);
    Client->ServerPort = Server;
    KeInitializeGuardedMutex(&Client->Lock);
    InitializeListHead(&Client->Pending);
    InitializeListHead(&Client->AwaitingReply);
    KeInitializeSemaphore(&Client->MessagesQueued, 0, MAXLONG);
    Status = ObInsertObject(Client, NULL, FLT_PORT_ALL_ACCESS, 1, NULL, Handle);
    if (NT_SUCCESS(Status))
        *Port = Client;
    return Status;
}

// Copies a user-mode caller's port name and connection context into pool (a kernel
// caller's too, uniformly); the fault's status or STATUS_INSUFFICIENT_RESOURCES.
NTSTATUS FltpCaptureConnectRequest(PUNICODE_STRING PortName, const VOID *Context, USHORT SizeOfContext,
                                   PUNICODE_STRING Name, PVOID *SafeContext)
{
    UNICODE_STRING Caller;
    NTSTATUS Status = ExpCaptureFromCaller(&Caller, PortName, sizeof(Caller), sizeof(ULONG));
    if (!NT_SUCCESS(Status))
        return Status;
    if (!Caller.Length || (Caller.Length & 1) || !Caller.Buffer)
        return STATUS_OBJECT_NAME_INVALID;
    Name->Buffer = static_cast<PWSTR>(ExAllocatePoolWithTag(PagedPool, Caller.Length, 'nPlF'));
    *SafeContext = SizeOfContext ? ExAllocatePoolWithTag(PagedPool, SizeOfContext, 'cPlF') : NULL;
    if (!Name->Buffer || (SizeOfContext && !*SafeContext))
        return STATUS_INSUFFICIENT_RESOURCES;
    Name->Length = Name->MaximumLength = Caller.Length;
    Status = ExpCaptureFromCaller(Name->Buffer, Caller.Buffer, Caller.Length, sizeof(WCHAR));
    if (NT_SUCCESS(Status) && SizeOfContext)
        Status = ExpCaptureFromCaller(*SafeContext, Context, SizeOfContext, 1);
    return Status;
}

// Connects to Server for the caller: a client port, the filter's connect routine
// (which may refuse), and the caller's handle. At PASSIVE_LEVEL.
NTSTATUS FltpConnect(PFLT_SERVER_PORT_OBJECT Server, PVOID Context, USHORT SizeOfContext, PHANDLE Handle)
{
    KPROCESSOR_MODE PreviousMode = ExGetPreviousMode();
    if (InterlockedIncrement(&Server->NumberOfConnections) > Server->MaxConnections) {
        InterlockedDecrement(&Server->NumberOfConnections);
        return STATUS_CONNECTION_COUNT_LIMIT;
    }
    PFLT_PORT_OBJECT Port;
    NTSTATUS Status = FltpCreateClientPort(Server, PreviousMode, &Port, Handle);
    if (!NT_SUCCESS(Status)) {
        InterlockedDecrement(&Server->NumberOfConnections);
        return Status;
    }
    Status = Server->ConnectNotify(reinterpret_cast<PFLT_PORT>(Port), Server->Cookie, Context, SizeOfContext,
                                   &Port->Cookie);
    if (NT_SUCCESS(Status)) {
        Port->Connected = TRUE;
        return Status;
    }
    InterlockedDecrement(&Server->NumberOfConnections);
    ObCloseHandle(*Handle, PreviousMode);
    ObDereferenceObject(Port);
    return Status;
}

// Takes the first queued message that fits a receiver's buffer of Size bytes and copies
// it there (header, then its bytes); a message wanting a reply moves to the awaiting
// list, any other is done. STATUS_PENDING when none is queued. With the lock held.
NTSTATUS FltpDeliverMessage(PFLT_PORT_OBJECT Port, PFILTER_MESSAGE_HEADER Buffer, ULONG Size)
{
    if (Port->Disconnected)
        return STATUS_PORT_DISCONNECTED;
    if (IsListEmpty(&Port->Pending))
        return STATUS_PENDING;
    auto *Message = CONTAINING_RECORD(Port->Pending.Flink, FLTP_MESSAGE, Link);
    if (Size < sizeof(FILTER_MESSAGE_HEADER) || Size - sizeof(FILTER_MESSAGE_HEADER) < Message->Length)
        return STATUS_BUFFER_TOO_SMALL;
    FILTER_MESSAGE_HEADER Header;
    Header.ReplyLength = Message->WantsReply ? Message->ReplyCapacity : 0;
    Header.MessageId = Message->MessageId;
    NTSTATUS Status = ExpCopyToCaller(Buffer, &Header, sizeof(Header));
    if (NT_SUCCESS(Status))
        Status = ExpCopyToCaller(Buffer + 1, Message->Data, Message->Length);
    if (!NT_SUCCESS(Status))
        return Status;
    RemoveEntryList(&Message->Link);
    if (Message->WantsReply) {
        InsertTailList(&Port->AwaitingReply, &Message->Link);
    } else {
        Message->Completed = TRUE;
        Message->Status = STATUS_SUCCESS;
        KeSetEvent(&Message->Done, IO_NO_INCREMENT, FALSE);
    }
    return STATUS_SUCCESS;
}

// The message awaiting a reply with MessageId, or NULL. With the lock held.
PFLTP_MESSAGE FltpFindAwaitingMessage(PFLT_PORT_OBJECT Port, ULONGLONG MessageId)
{
    for (PLIST_ENTRY Entry = Port->AwaitingReply.Flink; Entry != &Port->AwaitingReply; Entry = Entry->Flink) {
        auto *Message = CONTAINING_RECORD(Entry, FLTP_MESSAGE, Link);
        if (Message->MessageId == MessageId)
            return Message;
    }
    return NULL;
}

// FltSendMessage on a referenced port: queues the message on the sender's stack, wakes
// a receiver, and waits cancellably until the message is done; a message not done when
// the wait ends is withdrawn and the wait's status returned. A terminating sender's
// message is never queued: its cancellable wait would end at once, and a receiver on
// another processor must not get (and answer) it first. At or below APC_LEVEL.
NTSTATUS FltpSendAndWait(PFLT_PORT_OBJECT Port, PVOID SenderBuffer, ULONG SenderBufferLength, PVOID ReplyBuffer,
                         PULONG ReplyLength, PLARGE_INTEGER Timeout)
{
    FLTP_MESSAGE Message{};
    Message.Data = SenderBuffer;
    Message.Length = SenderBufferLength;
    Message.WantsReply = ReplyBuffer != NULL;
    Message.Reply = ReplyBuffer;
    Message.ReplyCapacity = ReplyBuffer ? *ReplyLength : 0;
    KeInitializeEvent(&Message.Done, NotificationEvent, FALSE);
    if (PsIsThreadTerminating(PsGetCurrentThread()))
        return STATUS_THREAD_IS_TERMINATING;
    KeAcquireGuardedMutex(&Port->Lock);
    if (Port->Disconnected) {
        KeReleaseGuardedMutex(&Port->Lock);
        return STATUS_PORT_DISCONNECTED;
    }
    Message.MessageId = ++Port->NextMessageId;
    InsertTailList(&Port->Pending, &Message.Link);
    KeReleaseGuardedMutex(&Port->Lock);
    KeReleaseSemaphore(&Port->MessagesQueued, IO_NO_INCREMENT, 1, FALSE);
    NTSTATUS Status = FsRtlCancellableWaitForSingleObject(&Message.Done, Timeout, NULL);
    KeAcquireGuardedMutex(&Port->Lock);
    if (!Message.Completed) {
        RemoveEntryList(&Message.Link);
        KeReleaseGuardedMutex(&Port->Lock);
        return Status;
    }
    KeReleaseGuardedMutex(&Port->Lock);
    if (NT_SUCCESS(Message.Status) && ReplyBuffer)
        *ReplyLength = Message.ReplyLength;
    return Message.Status;
}

// References the client port a caller's handle names.
NTSTATUS FltpReferencePort(HANDLE Handle, PFLT_PORT_OBJECT *Port)
{
    return ObReferenceObjectByHandle(Handle, FLT_PORT_CONNECT, FltpCommunicationPortObjectType, ExGetPreviousMode(),
                                     reinterpret_cast<PVOID *>(Port), NULL);
}

} // namespace

// Creates the FilterConnectionPort and FilterCommunicationPort types. At PASSIVE_LEVEL
// in phase 1 (the hosted filter manager is built in).
extern "C" NTSTATUS NTAPI FltpInitializeMessaging(VOID)
{
    NTSTATUS Status = FltpCreatePortType(L"FilterConnectionPort", sizeof(FLT_SERVER_PORT_OBJECT), NULL, NULL,
                                         &FltpServerPortObjectType);
    if (NT_SUCCESS(Status))
        Status = FltpCreatePortType(L"FilterCommunicationPort", sizeof(FLT_PORT_OBJECT), FltpCloseClientPortObject,
                                    FltpDeleteClientPortObject, &FltpCommunicationPortObjectType);
    return Status;
}

// Creates a filter's named server port with its callbacks (a connect routine is
// required; MaxConnections > 0). The name lives until FltCloseCommunicationPort. At
// PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI FltCreateCommunicationPort(PFLT_FILTER Filter, PFLT_PORT *ServerPort,
                                                     POBJECT_ATTRIBUTES ObjectAttributes, PVOID ServerPortCookie,
                                                     PFLT_CONNECT_NOTIFY ConnectNotifyCallback,
                                                     PFLT_DISCONNECT_NOTIFY DisconnectNotifyCallback,
                                                     PFLT_MESSAGE_NOTIFY MessageNotifyCallback, LONG MaxConnections)
{
    *ServerPort = NULL;
    if (!Filter || !ObjectAttributes || !ObjectAttributes->ObjectName || !ConnectNotifyCallback ||
        MaxConnections <= 0)
        return STATUS_INVALID_PARAMETER;
    PFLT_SERVER_PORT_OBJECT Server;
    NTSTATUS Status = ObCreateObject(KernelMode, FltpServerPortObjectType, ObjectAttributes, KernelMode, NULL,
                                     sizeof(FLT_SERVER_PORT_OBJECT), 0, 0, reinterpret_cast<PVOID *>(&Server));
    if (!NT_SUCCESS(Status))
        return Status;
    RtlZeroMemory(Server, sizeof(*Server));
    Server->Filter = Filter;
    Server->ConnectNotify = ConnectNotifyCallback;
    Server->DisconnectNotify = DisconnectNotifyCallback;
    Server->MessageNotify = MessageNotifyCallback;
    Server->Cookie = ServerPortCookie;
    Server->MaxConnections = MaxConnections;
    HANDLE Handle;
    Status = ObInsertObject(Server, NULL, FLT_PORT_ALL_ACCESS, 1, NULL, &Handle);
    if (!NT_SUCCESS(Status))
        return Status;
    Server->Handle = Handle;
    *ServerPort = reinterpret_cast<PFLT_PORT>(Server);
    return STATUS_SUCCESS;
}

// Closes a server port: its name goes, so no new connection; connections made stay
// until closed. At PASSIVE_LEVEL.
extern "C" VOID NTAPI FltCloseCommunicationPort(PFLT_PORT ServerPort)
{
    auto *Server = reinterpret_cast<PFLT_SERVER_PORT_OBJECT>(ServerPort);
    if (!Server)
        return;
    ObCloseHandle(Server->Handle, KernelMode);
    ObDereferenceObject(Server);
}

// Closes the filter's side of a connection: messages in flight end with
// STATUS_PORT_DISCONNECTED, the application's next get fails the same way, and
// *ClientPort becomes NULL. At PASSIVE_LEVEL.
extern "C" VOID NTAPI FltCloseClientPort(PFLT_FILTER Filter, PFLT_PORT *ClientPort)
{
    UNREFERENCED_PARAMETER(Filter);
    auto *Port = reinterpret_cast<PFLT_PORT_OBJECT>(InterlockedExchangePointer(reinterpret_cast<PVOID *>(ClientPort),
                                                                              NULL));
    if (!Port)
        return;
    FltpBreakConnection(Port);
    ObDereferenceObject(Port);
}

// Sends a message to the application on the other end of *ClientPort and, when
// ReplyBuffer is given, waits for its reply (up to *ReplyLength bytes, the length
// received back in *ReplyLength); without one it waits until the message is taken.
// The wait is cancellable: a terminating thread gets STATUS_THREAD_IS_TERMINATING,
// a timeout STATUS_TIMEOUT, and the message is withdrawn. At or below APC_LEVEL.
extern "C" NTSTATUS NTAPI FltSendMessage(PFLT_FILTER Filter, PFLT_PORT *ClientPort, PVOID SenderBuffer,
                                         ULONG SenderBufferLength, PVOID ReplyBuffer, PULONG ReplyLength,
                                         PLARGE_INTEGER Timeout)
{
    UNREFERENCED_PARAMETER(Filter);
    auto *Port = reinterpret_cast<PFLT_PORT_OBJECT>(*ClientPort);
    if (!Port)
        return STATUS_PORT_DISCONNECTED;
    if (ReplyBuffer && !ReplyLength)
        return STATUS_INVALID_PARAMETER;
    ObReferenceObject(Port);
    NTSTATUS Status = FltpSendAndWait(Port, SenderBuffer, SenderBufferLength, ReplyBuffer, ReplyLength, Timeout);
    ObDereferenceObject(Port);
    return Status;
}

// The connect request behind FilterConnectCommunicationPort: connects the caller to
// the server port PortName names (FLT_PORT_CONNECT checked against its descriptor for
// a user-mode caller) with a connection context, and returns its client port handle.
// At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI FltpMsgConnect(PUNICODE_STRING PortName, const VOID *Context, USHORT SizeOfContext,
                                         PHANDLE Port)
{
    KI_USER_SERVICE(FltpMsgConnect(PortName, Context, SizeOfContext, Port));
    NTSTATUS Status = ExpProbeForWriteCaller(Port, sizeof(HANDLE), sizeof(HANDLE));
    if (!NT_SUCCESS(Status))
        return Status;
    UNICODE_STRING Name{};
    PVOID SafeContext = NULL;
    Status = FltpCaptureConnectRequest(PortName, Context, SizeOfContext, &Name, &SafeContext);
    PFLT_SERVER_PORT_OBJECT Server = NULL;
    if (NT_SUCCESS(Status))
        Status = ObReferenceObjectByName(&Name, OBJ_CASE_INSENSITIVE, NULL, FLT_PORT_CONNECT, FltpServerPortObjectType,
                                         ExGetPreviousMode(), NULL, reinterpret_cast<PVOID *>(&Server));
    HANDLE Handle = NULL;
    if (NT_SUCCESS(Status)) {
        Status = FltpConnect(Server, SafeContext, SizeOfContext, &Handle);
        ObDereferenceObject(Server);
    }
    if (Name.Buffer)
        ExFreePoolWithTag(Name.Buffer, 'nPlF');
    if (SafeContext)
        ExFreePoolWithTag(SafeContext, 'cPlF');
    return NT_SUCCESS(Status) ? ExpCopyToCaller(Port, &Handle, sizeof(Handle)) : Status;
}

// The get request behind FilterGetMessage: waits (in the caller's mode) until a message
// is queued on the port and copies it to the caller's buffer; a buffer too small for
// the next message is STATUS_BUFFER_TOO_SMALL (the message stays queued), a broken
// connection STATUS_PORT_DISCONNECTED. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI FltpMsgGetMessage(HANDLE Port, PFILTER_MESSAGE_HEADER MessageBuffer, ULONG MessageBufferSize)
{
    KI_USER_SERVICE(FltpMsgGetMessage(Port, MessageBuffer, MessageBufferSize));
    NTSTATUS Status = ExpProbeForWriteCaller(MessageBuffer, MessageBufferSize, sizeof(ULONG));
    PFLT_PORT_OBJECT Object = NULL;
    if (NT_SUCCESS(Status))
        Status = FltpReferencePort(Port, &Object);
    while (NT_SUCCESS(Status)) {
        Status = KeWaitForSingleObject(&Object->MessagesQueued, UserRequest, ExGetPreviousMode(), FALSE, NULL);
        if (Status != STATUS_SUCCESS)
            break;
        KeAcquireGuardedMutex(&Object->Lock);
        Status = FltpDeliverMessage(Object, MessageBuffer, MessageBufferSize);
        KeReleaseGuardedMutex(&Object->Lock);
        if (Status == STATUS_PENDING) {
            Status = STATUS_SUCCESS;
            continue;
        }
        if (!NT_SUCCESS(Status))
            KeReleaseSemaphore(&Object->MessagesQueued, IO_NO_INCREMENT, 1, FALSE);
        break;
    }
    if (Object)
        ObDereferenceObject(Object);
    return Status;
}

// The reply request behind FilterReplyMessage: hands the bytes after the reply header
// (at most what the sender can take) to the sender of the message the header names,
// which wakes. An unknown or already answered message is STATUS_NOT_FOUND. At
// PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI FltpMsgReplyMessage(HANDLE Port, PFILTER_REPLY_HEADER ReplyBuffer, ULONG ReplyBufferSize)
{
    KI_USER_SERVICE(FltpMsgReplyMessage(Port, ReplyBuffer, ReplyBufferSize));
    if (ReplyBufferSize < sizeof(FILTER_REPLY_HEADER))
        return STATUS_INVALID_PARAMETER;
    FILTER_REPLY_HEADER Header;
    NTSTATUS Status = ExpCaptureFromCaller(&Header, ReplyBuffer, sizeof(Header), sizeof(ULONG));
    PFLT_PORT_OBJECT Object = NULL;
    if (NT_SUCCESS(Status))
        Status = FltpReferencePort(Port, &Object);
    if (!NT_SUCCESS(Status))
        return Status;
    KeAcquireGuardedMutex(&Object->Lock);
    PFLTP_MESSAGE Message = FltpFindAwaitingMessage(Object, Header.MessageId);
    if (!Message) {
        Status = Object->Disconnected ? STATUS_PORT_DISCONNECTED : STATUS_NOT_FOUND;
    } else {
        ULONG Length = ReplyBufferSize - sizeof(FILTER_REPLY_HEADER);
        if (Length > Message->ReplyCapacity)
            Length = Message->ReplyCapacity;
        Status = ExpCaptureFromCaller(Message->Reply, ReplyBuffer + 1, Length, 1);
        if (NT_SUCCESS(Status)) {
            RemoveEntryList(&Message->Link);
            Message->ReplyLength = Length;
            Message->Completed = TRUE;
            Message->Status = STATUS_SUCCESS;
            KeSetEvent(&Message->Done, IO_NO_INCREMENT, FALSE);
        }
    }
    KeReleaseGuardedMutex(&Object->Lock);
    ObDereferenceObject(Object);
    return Status;
}
