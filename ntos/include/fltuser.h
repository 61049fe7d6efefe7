/* fltuser.h - the user-mode side of a filter communication port (fltlib): connect to
 * a minifilter's server port, get the messages it sends, reply to them. Hosted, these
 * run on a user thread's user side and enter the filter manager through its services;
 * results are HRESULTs (S_OK, or HRESULT_FROM_NT of the failure's status). */
#ifndef __FLTUSER__
#define __FLTUSER__
#include "ntddk.h"

NT_EXTERN_C_BEGIN

typedef LONG HRESULT;
#ifndef S_OK
#define S_OK ((HRESULT)0)
#endif
#define FACILITY_NT_BIT 0x10000000
#define HRESULT_FROM_NT(Status) ((HRESULT)((Status) | FACILITY_NT_BIT))

/* What FilterGetMessage puts before a message's bytes, and FilterReplyMessage's caller
 * before its reply's bytes. */
typedef struct _FILTER_MESSAGE_HEADER {
    ULONG ReplyLength;
    ULONGLONG MessageId;
} FILTER_MESSAGE_HEADER, *PFILTER_MESSAGE_HEADER;
typedef struct _FILTER_REPLY_HEADER {
    NTSTATUS Status;
    ULONGLONG MessageId;
} FILTER_REPLY_HEADER, *PFILTER_REPLY_HEADER;

HRESULT NTAPI FilterConnectCommunicationPort(PCWSTR PortName, ULONG Options, const VOID *Context,
                                             USHORT SizeOfContext, PVOID SecurityAttributes, PHANDLE Port);
HRESULT NTAPI FilterGetMessage(HANDLE Port, PFILTER_MESSAGE_HEADER MessageBuffer, ULONG MessageBufferSize,
                               PVOID Overlapped);
HRESULT NTAPI FilterReplyMessage(HANDLE Port, PFILTER_REPLY_HEADER ReplyBuffer, ULONG ReplyBufferSize);

/* The filter manager's services behind them (hosted; Windows reaches the same code
 * through the FltMgrMsg device's create and IOCTLs). */
NTSTATUS NTAPI FltpMsgConnect(PUNICODE_STRING PortName, const VOID *Context, USHORT SizeOfContext, PHANDLE Port);
NTSTATUS NTAPI FltpMsgGetMessage(HANDLE Port, PFILTER_MESSAGE_HEADER MessageBuffer, ULONG MessageBufferSize);
NTSTATUS NTAPI FltpMsgReplyMessage(HANDLE Port, PFILTER_REPLY_HEADER ReplyBuffer, ULONG ReplyBufferSize);

NT_EXTERN_C_END

#endif /* __FLTUSER__ */
