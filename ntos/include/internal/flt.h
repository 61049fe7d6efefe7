/* internal/flt.h - the hosted filter manager's private structures: registered filters,
 * server (connection) ports and client (communication) ports with their message queues. */
#ifndef _INTERNAL_FLT_H
#define _INTERNAL_FLT_H

#include "fltkernel.h"
#include "ndk/extypes.h"

NT_EXTERN_C_BEGIN

/* A registered minifilter (fltmgr's FLT_FILTER, as far as a filter without I/O has one). */
typedef struct _FLT_FILTER {
    PDRIVER_OBJECT DriverObject;
    PFLT_FILTER_UNLOAD_CALLBACK FilterUnload;
} FLT_FILTER;

/* A server port ("FilterConnectionPort"): the name a user-mode application connects to,
 * the filter's callbacks and cookie, the connection count, and the kernel handle that
 * keeps its name. */
typedef struct _FLT_SERVER_PORT_OBJECT {
    PFLT_FILTER Filter;
    PFLT_CONNECT_NOTIFY ConnectNotify;
    PFLT_DISCONNECT_NOTIFY DisconnectNotify;
    PFLT_MESSAGE_NOTIFY MessageNotify;
    PVOID Cookie;
    LONG MaxConnections;
    volatile LONG NumberOfConnections;
    HANDLE Handle;
} FLT_SERVER_PORT_OBJECT, *PFLT_SERVER_PORT_OBJECT;

/* A client port ("FilterCommunicationPort", what PFLT_PORT names): one connection. Its
 * lock guards the two message lists and the flags; MessagesQueued counts messages put
 * on Pending (a sender that gives up takes its message back, so a receiver may find
 * the list empty and wait again). */
typedef struct _FLT_PORT_OBJECT {
    PFLT_SERVER_PORT_OBJECT ServerPort;
    PVOID Cookie;
    KGUARDED_MUTEX Lock;
    LIST_ENTRY Pending;
    LIST_ENTRY AwaitingReply;
    KSEMAPHORE MessagesQueued;
    ULONGLONG NextMessageId;
    BOOLEAN Connected;
    BOOLEAN Disconnected;
} FLT_PORT_OBJECT, *PFLT_PORT_OBJECT;

/* A message in flight, on its sender's stack until it is done (Done signalled with the
 * port's lock held; the sender reads it back under the lock). */
typedef struct _FLTP_MESSAGE {
    LIST_ENTRY Link;
    ULONGLONG MessageId;
    PVOID Data;
    ULONG Length;
    PVOID Reply;
    ULONG ReplyCapacity;
    ULONG ReplyLength;
    BOOLEAN WantsReply;
    BOOLEAN Completed;
    NTSTATUS Status;
    KEVENT Done;
} FLTP_MESSAGE, *PFLTP_MESSAGE;

extern POBJECT_TYPE FltpServerPortObjectType, FltpCommunicationPortObjectType;
NTSTATUS NTAPI FltpInitializeMessaging(VOID);

NT_EXTERN_C_END

#endif /* _INTERNAL_FLT_H */
