// fltlib.cpp - the user-mode library of filter communication (fltlib's message.c):
// FilterConnectCommunicationPort, FilterGetMessage and FilterReplyMessage, run on a
// hosted user thread's user side, each one request to the filter manager. Only
// synchronous calls: an OVERLAPPED needs an I/O manager, which is not here.
#include "ntddk.h"
#include "fltuser.h"

namespace {

constexpr USHORT kMaxPortName = 256;

// An NTSTATUS as fltlib's HRESULT.
HRESULT FltpResult(NTSTATUS Status)
{
    return NT_SUCCESS(Status) ? S_OK : HRESULT_FROM_NT(Status);
}

} // namespace

// Connects to the minifilter's server port PortName, passing Context (SizeOfContext
// bytes) to its connect routine; the client port's handle to *Port.
extern "C" HRESULT NTAPI FilterConnectCommunicationPort(PCWSTR PortName, ULONG Options, const VOID *Context,
                                                        USHORT SizeOfContext, PVOID SecurityAttributes, PHANDLE Port)
{
    UNREFERENCED_PARAMETER(Options);
    UNREFERENCED_PARAMETER(SecurityAttributes);
    // The request carries the name in the caller's own memory (fltlib builds an EA
    // buffer for it); a name in the program's constants is not that.
    WCHAR Buffer[kMaxPortName];
    USHORT Length = 0;
    while (PortName[Length]) {
        if (Length == kMaxPortName)
            return HRESULT_FROM_NT(STATUS_NAME_TOO_LONG);
        Buffer[Length] = PortName[Length];
        Length++;
    }
    UNICODE_STRING Name;
    Name.Buffer = Buffer;
    Name.Length = Name.MaximumLength = static_cast<USHORT>(Length * sizeof(WCHAR));
    return FltpResult(FltpMsgConnect(&Name, Context, SizeOfContext, Port));
}

// Waits for the next message on the port: its header, then its bytes.
extern "C" HRESULT NTAPI FilterGetMessage(HANDLE Port, PFILTER_MESSAGE_HEADER MessageBuffer, ULONG MessageBufferSize,
                                          PVOID Overlapped)
{
    if (Overlapped)
        return HRESULT_FROM_NT(STATUS_NOT_SUPPORTED);
    return FltpResult(FltpMsgGetMessage(Port, MessageBuffer, MessageBufferSize));
}

// Replies to the message the reply header names.
extern "C" HRESULT NTAPI FilterReplyMessage(HANDLE Port, PFILTER_REPLY_HEADER ReplyBuffer, ULONG ReplyBufferSize)
{
    return FltpResult(FltpMsgReplyMessage(Port, ReplyBuffer, ReplyBufferSize));
}
