/* fltkernel.h - the filter manager's kernel interface, as far as the hosted filter
 * manager has it: registering a minifilter and the communication ports through which
 * it talks to a user-mode application (FltSendMessage and its kin). There is no I/O
 * manager yet, so a registered filter sees no I/O. */
#ifndef __FLTKERNEL__
#define __FLTKERNEL__
#include "ntifs.h"

NT_EXTERN_C_BEGIN

typedef struct _FLT_FILTER *PFLT_FILTER;
typedef struct _FLT_PORT *PFLT_PORT;

#define FLT_REGISTRATION_VERSION 0x0203
typedef ULONG FLT_FILTER_UNLOAD_FLAGS;
typedef NTSTATUS(NTAPI *PFLT_FILTER_UNLOAD_CALLBACK)(FLT_FILTER_UNLOAD_FLAGS Flags);

/* The registration a minifilter hands FltRegisterFilter: only the fields a filter
 * without I/O uses are read (Size, Version, Flags, FilterUnloadCallback); the others
 * keep their WDK places. */
typedef struct _FLT_REGISTRATION {
    USHORT Size;
    USHORT Version;
    ULONG Flags;
    const VOID *ContextRegistration;
    const VOID *OperationRegistration;
    PFLT_FILTER_UNLOAD_CALLBACK FilterUnloadCallback;
    PVOID InstanceSetupCallback;
    PVOID InstanceQueryTeardownCallback;
    PVOID InstanceTeardownStartCallback;
    PVOID InstanceTeardownCompleteCallback;
    PVOID GenerateFileNameCallback;
    PVOID NormalizeNameComponentCallback;
    PVOID NormalizeContextCleanupCallback;
    PVOID TransactionNotificationCallback;
    PVOID NormalizeNameComponentExCallback;
    PVOID SectionNotificationCallback;
} FLT_REGISTRATION, *PFLT_REGISTRATION;

NTSTATUS NTAPI FltRegisterFilter(PDRIVER_OBJECT Driver, const FLT_REGISTRATION *Registration,
                                 PFLT_FILTER *RetFilter);
VOID NTAPI FltUnregisterFilter(PFLT_FILTER Filter);
NTSTATUS NTAPI FltStartFiltering(PFLT_FILTER Filter);

/* Communication ports: the server port's callbacks run at PASSIVE_LEVEL in the thread
 * that connects, disconnects or sends from user mode. */
typedef NTSTATUS(NTAPI *PFLT_CONNECT_NOTIFY)(PFLT_PORT ClientPort, PVOID ServerPortCookie, PVOID ConnectionContext,
                                             ULONG SizeOfContext, PVOID *ConnectionPortCookie);
typedef VOID(NTAPI *PFLT_DISCONNECT_NOTIFY)(PVOID ConnectionCookie);
typedef NTSTATUS(NTAPI *PFLT_MESSAGE_NOTIFY)(PVOID PortCookie, PVOID InputBuffer, ULONG InputBufferLength,
                                             PVOID OutputBuffer, ULONG OutputBufferLength, PULONG ReturnOutputBufferLength);

#define FLT_PORT_CONNECT 0x0001
#define FLT_PORT_ALL_ACCESS (FLT_PORT_CONNECT | STANDARD_RIGHTS_ALL)

NTSTATUS NTAPI FltBuildDefaultSecurityDescriptor(PSECURITY_DESCRIPTOR *SecurityDescriptor, ACCESS_MASK DesiredAccess);
VOID NTAPI FltFreeSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor);
NTSTATUS NTAPI FltCreateCommunicationPort(PFLT_FILTER Filter, PFLT_PORT *ServerPort, POBJECT_ATTRIBUTES ObjectAttributes,
                                          PVOID ServerPortCookie, PFLT_CONNECT_NOTIFY ConnectNotifyCallback,
                                          PFLT_DISCONNECT_NOTIFY DisconnectNotifyCallback,
                                          PFLT_MESSAGE_NOTIFY MessageNotifyCallback, LONG MaxConnections);
VOID NTAPI FltCloseCommunicationPort(PFLT_PORT ServerPort);
VOID NTAPI FltCloseClientPort(PFLT_FILTER Filter, PFLT_PORT *ClientPort);
NTSTATUS NTAPI FltSendMessage(PFLT_FILTER Filter, PFLT_PORT *ClientPort, PVOID SenderBuffer, ULONG SenderBufferLength,
                              PVOID ReplyBuffer, PULONG ReplyLength, PLARGE_INTEGER Timeout);

NT_EXTERN_C_END

#endif /* __FLTKERNEL__ */
