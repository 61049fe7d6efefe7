// The filter manager's communication ports in every machine mode: a server port and
// its connect routine (the context passed, a refusal, the connection limit, a missing
// name), FltSendMessage with and without a reply, a timeout withdrawing the message, a
// receiver's buffer too small, replies to unknown messages, FltCloseClientPort and the
// application's close (the disconnect routine, senders and receivers released). The
// receivers here are kernel threads calling the filter manager's requests directly;
// tests/drivers has the seed 000 driver with a user-mode service.
#include "../ps/ps_test.h"
#include "flt.h"
#include "fltuser.h"

using namespace ntos_test;
using namespace ps_test;

namespace {

class FltMessagingTest : public KernelTest {};

// A filter with one server port whose connect routine records what it saw (and may
// refuse), and whose disconnect routine closes the client port.
struct TestFilter {
    DRIVER_OBJECT Driver{};
    PFLT_FILTER Filter = nullptr;
    PFLT_PORT Server = nullptr;
    PFLT_PORT Client = nullptr;
    NTSTATUS Answer = STATUS_SUCCESS;
    ULONG ContextSeen = 0;
    ULONG ContextSize = 0;
    volatile LONG Disconnects = 0;

    static NTSTATUS NTAPI Connect(PFLT_PORT ClientPort, PVOID Cookie, PVOID Context, ULONG Size, PVOID *PortCookie)
    {
        auto *Self = static_cast<TestFilter *>(Cookie);
        Self->ContextSize = Size;
        if (Size >= sizeof(ULONG))
            Self->ContextSeen = *static_cast<ULONG *>(Context);
        *PortCookie = Self;
        if (NT_SUCCESS(Self->Answer))
            Self->Client = ClientPort;
        return Self->Answer;
    }
    static VOID NTAPI Disconnect(PVOID Cookie)
    {
        auto *Self = static_cast<TestFilter *>(Cookie);
        InterlockedIncrement(&Self->Disconnects);
        FltCloseClientPort(Self->Filter, &Self->Client);
    }
    NTSTATUS Start(LONG MaxConnections = 1)
    {
        static const FLT_REGISTRATION Registration = {sizeof(FLT_REGISTRATION), FLT_REGISTRATION_VERSION};
        NTSTATUS Status = FltRegisterFilter(&Driver, &Registration, &Filter);
        UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\TestFilterPort");
        OBJECT_ATTRIBUTES Attributes;
        InitializeObjectAttributes(&Attributes, &Name, OBJ_KERNEL_HANDLE, nullptr, nullptr);
        if (NT_SUCCESS(Status))
            Status = FltCreateCommunicationPort(Filter, &Server, &Attributes, this, Connect, Disconnect, nullptr,
                                                MaxConnections);
        return Status;
    }
    void Stop()
    {
        FltCloseCommunicationPort(Server);
        FltUnregisterFilter(Filter);
    }
};

NTSTATUS ConnectTo(PCWSTR Name, PHANDLE Port, ULONG Context = 0x5EED)
{
    UNICODE_STRING String;
    RtlInitUnicodeString(&String, Name);
    return FltpMsgConnect(&String, &Context, sizeof(Context), Port);
}

struct Received {
    FILTER_MESSAGE_HEADER Header;
    ULONG Value;
};
struct Answer {
    FILTER_REPLY_HEADER Header;
    ULONG Value;
};

// A kernel thread that gets messages on Port and answers each with its value + 1,
// until the port fails; its last status to Final.
struct Receiver {
    HANDLE Port;
    volatile LONG Got = 0;
    NTSTATUS Final = STATUS_PENDING;
    std::function<void()> Body = [this] {
        Received Message;
        NTSTATUS Status;
        while (NT_SUCCESS(Status = FltpMsgGetMessage(Port, &Message.Header, sizeof(Message)))) {
            InterlockedIncrement(&Got);
            if (!Message.Header.ReplyLength)
                continue;
            Answer Reply{};
            Reply.Header.MessageId = Message.Header.MessageId;
            Reply.Value = Message.Value + 1;
            FltpMsgReplyMessage(Port, &Reply.Header, sizeof(Reply));
        }
        Final = Status;
    };
    HANDLE Thread = nullptr;
    explicit Receiver(HANDLE P) : Port(P) { StartThreadIn(nullptr, &Body, &Thread); }
    // Spins until the receiver has taken Count messages and waits for the next: the
    // application may close its handle now without racing the receiver's next call.
    void WaitUntilBlocked(LONG Count)
    {
        SpinUntil([&] { return InterlockedCompareExchange(&Got, 0, 0) == Count; });
        PETHREAD Waiting = Reference<ETHREAD>(Thread, *PsThreadType);
        SpinUntilWaiting(&Waiting->Tcb, UserRequest);
        ObDereferenceObject(Waiting);
    }
    NTSTATUS Join()
    {
        WaitHandle(Thread);
        ZwClose(Thread);
        return Final;
    }
};

TEST_P(FltMessagingTest, MessagesAreAnsweredOrTakenAndTheApplicationsCloseDisconnects)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  TestFilter F;
                  ASSERT_EQ(F.Start(), STATUS_SUCCESS);
                  HANDLE Port, Second;
                  C.Expect(ConnectTo(L"\\NoSuchPort", &Port) == STATUS_OBJECT_NAME_NOT_FOUND, "no such port");
                  ASSERT_EQ(ConnectTo(L"\\TestFilterPort", &Port), STATUS_SUCCESS);
                  C.Expect(F.ContextSeen == 0x5EED && F.ContextSize == sizeof(ULONG), "the connection context");
                  C.Expect(F.Client != nullptr, "the filter has its client port");
                  C.Expect(ConnectTo(L"\\TestFilterPort", &Second) == STATUS_CONNECTION_COUNT_LIMIT,
                           "one connection allowed");
                  Receiver R(Port);
                  ULONG Value = 41, Reply = 0, ReplyLength = sizeof(Reply);
                  C.Expect(FltSendMessage(F.Filter, &F.Client, &Value, sizeof(Value), &Reply, &ReplyLength, nullptr) ==
                                   STATUS_SUCCESS &&
                               Reply == 42 && ReplyLength == sizeof(Reply),
                           "answered");
                  C.Expect(FltSendMessage(F.Filter, &F.Client, &Value, sizeof(Value), nullptr, nullptr, nullptr) ==
                               STATUS_SUCCESS,
                           "taken, no reply wanted");
                  R.WaitUntilBlocked(2);
                  ZwClose(Port);
                  C.Expect(R.Join() == STATUS_PORT_DISCONNECTED, "the receiver sees the connection go");
                  C.Expect(F.Disconnects == 1 && F.Client == nullptr, "the disconnect routine ran once");
                  C.Expect(FltSendMessage(F.Filter, &F.Client, &Value, sizeof(Value), nullptr, nullptr, nullptr) ==
                               STATUS_PORT_DISCONNECTED,
                           "nothing to send to");
                  ASSERT_EQ(ConnectTo(L"\\TestFilterPort", &Port), STATUS_SUCCESS);
                  ZwClose(Port);
                  C.Expect(F.Disconnects == 2, "the slot is free again after the disconnect");
                  F.Stop();
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(FltMessagingTest, ATimedOutMessageIsWithdrawnAndBadRequestsFail)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  TestFilter F;
                  ASSERT_EQ(F.Start(), STATUS_SUCCESS);
                  HANDLE Port;
                  ASSERT_EQ(ConnectTo(L"\\TestFilterPort", &Port), STATUS_SUCCESS);
                  ULONG First = 1, Second = 2, Reply = 0, ReplyLength = sizeof(Reply);
                  LARGE_INTEGER Timeout;
                  Timeout.QuadPart = -10 * 1000; // 1 ms
                  C.Expect(FltSendMessage(F.Filter, &F.Client, &First, sizeof(First), &Reply, &ReplyLength, &Timeout) ==
                               STATUS_TIMEOUT,
                           "no one answered in time");
                  NTSTATUS SecondSent = STATUS_PENDING;
                  std::function<void()> Sender = [&] {
                      SecondSent = FltSendMessage(F.Filter, &F.Client, &Second, sizeof(Second), nullptr, nullptr,
                                                  nullptr);
                  };
                  HANDLE SenderThread;
                  ASSERT_EQ(StartThreadIn(nullptr, &Sender, &SenderThread), STATUS_SUCCESS);
                  Received Message{};
                  C.Expect(FltpMsgGetMessage(Port, &Message.Header, sizeof(FILTER_MESSAGE_HEADER)) ==
                               STATUS_BUFFER_TOO_SMALL,
                           "a buffer with no room for the message");
                  C.Expect(FltpMsgGetMessage(Port, &Message.Header, sizeof(Message)) == STATUS_SUCCESS &&
                               Message.Value == 2 && Message.Header.ReplyLength == 0,
                           "the withdrawn message is gone, the next one waits");
                  WaitHandle(SenderThread);
                  ZwClose(SenderThread);
                  C.Expect(SecondSent == STATUS_SUCCESS, "a message wanting no reply is done once taken");
                  Answer Unknown{};
                  Unknown.Header.MessageId = 777;
                  C.Expect(FltpMsgReplyMessage(Port, &Unknown.Header, sizeof(Unknown)) == STATUS_NOT_FOUND,
                           "a reply to no message");
                  C.Expect(FltpMsgReplyMessage(Port, &Unknown.Header, sizeof(FILTER_REPLY_HEADER) - 1) ==
                               STATUS_INVALID_PARAMETER,
                           "a reply shorter than its header");
                  F.Answer = STATUS_ACCESS_DENIED;
                  ZwClose(Port);
                  HANDLE Refused = nullptr;
                  C.Expect(ConnectTo(L"\\TestFilterPort", &Refused) == STATUS_ACCESS_DENIED,
                           "the connect routine refuses");
                  F.Stop();
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(FltMessagingTest, ClosingEitherEndReleasesWhoeverWaits)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  TestFilter F;
                  ASSERT_EQ(F.Start(), STATUS_SUCCESS);
                  HANDLE Port;
                  ASSERT_EQ(ConnectTo(L"\\TestFilterPort", &Port), STATUS_SUCCESS);
                  Receiver R(Port);
                  R.WaitUntilBlocked(0);
                  FltCloseClientPort(F.Filter, &F.Client);
                  C.Expect(R.Join() == STATUS_PORT_DISCONNECTED, "the waiting receiver is released");
                  ZwClose(Port);
                  C.Expect(F.Disconnects == 1, "the application's close still tells the filter");

                  // A sender waiting for a reply when the application goes.
                  ASSERT_EQ(ConnectTo(L"\\TestFilterPort", &Port), STATUS_SUCCESS);
                  NTSTATUS Sent = STATUS_PENDING;
                  std::function<void()> Sender = [&] {
                      ULONG Value = 3, Reply = 0, Length = sizeof(Reply);
                      Sent = FltSendMessage(F.Filter, &F.Client, &Value, sizeof(Value), &Reply, &Length, nullptr);
                  };
                  HANDLE SenderThread;
                  ASSERT_EQ(StartThreadIn(nullptr, &Sender, &SenderThread), STATUS_SUCCESS);
                  PETHREAD Blocked = Reference<ETHREAD>(SenderThread, *PsThreadType);
                  SpinUntilWaiting(&Blocked->Tcb, Executive);
                  ObDereferenceObject(Blocked);
                  ZwClose(Port);
                  WaitHandle(SenderThread);
                  ZwClose(SenderThread);
                  C.Expect(Sent == STATUS_PORT_DISCONNECTED, "the sender is released with the connection");
                  F.Stop();
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

} // namespace

NTOS_INSTANTIATE_ALL_MODES(FltMessagingTest);
