// Executive event objects in every machine mode: NtCreateEvent / NtOpenEvent and the
// namespace (collision, OBJ_OPENIF, the name gone with the last handle, the wrong
// type), NtSetEvent / NtResetEvent / NtClearEvent / NtPulseEvent with their previous
// states and what they wake (every waiter of a notification event, one of a
// synchronization event, a pulse's waiters with the event left clear), NtQueryEvent's
// class and length rules, the access each service needs, and a user-mode caller's
// pointers probed before anything happens.
#include "exobj_test.h"
#include "../ps/user_thread.h"

using namespace ntos_test;
using namespace ps_test;

namespace {

class ExEventTest : public KernelTest {};

// Inside the kernel: the event's type and state, by NtQueryEvent.
EVENT_BASIC_INFORMATION QueryEvent(HANDLE Event, NTSTATUS *Status = nullptr)
{
    EVENT_BASIC_INFORMATION Basic{};
    NTSTATUS Result = ZwQueryEvent(Event, EventBasicInformation, &Basic, sizeof(Basic), nullptr);
    if (Status)
        *Status = Result;
    return Basic;
}

// Inside the kernel: starts Count system threads that each wait on Event and count
// their wake-ups in Woken.
std::vector<HANDLE> StartWaiters(HANDLE Event, ULONG Count, volatile LONG *Woken, std::function<void()> *Body)
{
    *Body = [=] {
        if (ZwWaitForSingleObject(Event, FALSE, nullptr) == STATUS_SUCCESS)
            InterlockedIncrement(Woken);
    };
    std::vector<HANDLE> Threads(Count);
    for (HANDLE &Thread : Threads) {
        PETHREAD Object;
        StartThreadIn(nullptr, Body, &Thread);
        Object = Reference<ETHREAD>(Thread, *PsThreadType);
        SpinUntilWaiting(&Object->Tcb, UserRequest);
        ObDereferenceObject(Object);
    }
    return Threads;
}

void JoinAll(const std::vector<HANDLE> &Threads)
{
    for (HANDLE Thread : Threads) {
        WaitHandle(Thread);
        ZwClose(Thread);
    }
}

TEST_P(ExEventTest, SetResetClearAndPulseReturnThePreviousStateAndQueryShowsIt)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  ObjectName Unnamed;
                  HANDLE Event;
                  ASSERT_EQ(ZwCreateEvent(&Event, EVENT_ALL_ACCESS, &Unnamed.Attributes, NotificationEvent, FALSE),
                            STATUS_SUCCESS);
                  EVENT_BASIC_INFORMATION Basic = QueryEvent(Event);
                  C.Expect(Basic.EventType == NotificationEvent && Basic.EventState == 0, "created clear");
                  LONG Previous = -1;
                  C.Expect(ZwSetEvent(Event, &Previous) == STATUS_SUCCESS && Previous == 0, "set: was clear");
                  C.Expect(QueryEvent(Event).EventState == 1, "now signalled");
                  C.Expect(ZwSetEvent(Event, &Previous) == STATUS_SUCCESS && Previous == 1, "set again: was set");
                  C.Expect(ZwResetEvent(Event, &Previous) == STATUS_SUCCESS && Previous == 1, "reset: was set");
                  C.Expect(QueryEvent(Event).EventState == 0, "reset clears");
                  C.Expect(ZwPulseEvent(Event, &Previous) == STATUS_SUCCESS && Previous == 0, "pulse: was clear");
                  C.Expect(QueryEvent(Event).EventState == 0, "a pulse leaves it clear");
                  ZwSetEvent(Event, nullptr);
                  C.Expect(ZwClearEvent(Event) == STATUS_SUCCESS && QueryEvent(Event).EventState == 0, "clear");
                  ZwClose(Event);

                  ASSERT_EQ(ZwCreateEvent(&Event, EVENT_ALL_ACCESS, &Unnamed.Attributes, SynchronizationEvent, TRUE),
                            STATUS_SUCCESS);
                  Basic = QueryEvent(Event);
                  C.Expect(Basic.EventType == SynchronizationEvent && Basic.EventState == 1, "created set");
                  LARGE_INTEGER Zero{};
                  C.Expect(ZwWaitForSingleObject(Event, FALSE, &Zero) == STATUS_SUCCESS, "a wait takes it");
                  C.Expect(QueryEvent(Event).EventState == 0, "and resets it");
                  C.Expect(ZwWaitForSingleObject(Event, FALSE, &Zero) == STATUS_TIMEOUT, "nothing left");

                  ULONG Length = 0;
                  C.Expect(ZwQueryEvent(Event, EventBasicInformation, &Basic, sizeof(Basic), &Length) ==
                                   STATUS_SUCCESS &&
                               Length == sizeof(Basic),
                           "the length returned");
                  C.Expect(ZwQueryEvent(Event, EventBasicInformation, &Basic, sizeof(Basic) + 1, nullptr) ==
                               STATUS_INFO_LENGTH_MISMATCH,
                           "a longer buffer");
                  C.Expect(ZwQueryEvent(Event, (EVENT_INFORMATION_CLASS)1, &Basic, sizeof(Basic), nullptr) ==
                               STATUS_INVALID_INFO_CLASS,
                           "another class");
                  ZwClose(Event);
                  C.Expect(ZwCreateEvent(&Event, EVENT_ALL_ACCESS, &Unnamed.Attributes, (EVENT_TYPE)2, FALSE) ==
                               STATUS_INVALID_PARAMETER,
                           "no third event type");
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ExEventTest, ANotificationEventWakesEveryWaiterASynchronizationEventOne)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  ObjectName Unnamed;
                  for (EVENT_TYPE Type : {NotificationEvent, SynchronizationEvent}) {
                      HANDLE Event;
                      ASSERT_EQ(ZwCreateEvent(&Event, EVENT_ALL_ACCESS, &Unnamed.Attributes, Type, FALSE),
                                STATUS_SUCCESS);
                      volatile LONG Woken = 0;
                      std::function<void()> Body;
                      std::vector<HANDLE> Threads = StartWaiters(Event, 3, &Woken, &Body);
                      ZwSetEvent(Event, nullptr);
                      if (Type == NotificationEvent) {
                          JoinAll(Threads);
                          C.Expect(Woken == 3, "a notification event wakes all three");
                          C.Expect(QueryEvent(Event).EventState == 1, "and stays set");
                      } else {
                          SpinUntil([&] { return ReadShared(Woken) >= 1; });
                          C.Expect(QueryEvent(Event).EventState == 0, "the woken waiter took the signal");
                          C.Expect(ReadShared(Woken) == 1, "a synchronization event wakes one");
                          ZwSetEvent(Event, nullptr);
                          ZwSetEvent(Event, nullptr);
                          JoinAll(Threads);
                          C.Expect(Woken == 3, "one set per waiter");
                      }
                      ZwClose(Event);
                  }
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ExEventTest, APulseWakesTheWaitersAndLeavesTheEventClear)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  ObjectName Unnamed;
                  HANDLE Event;
                  ASSERT_EQ(ZwCreateEvent(&Event, EVENT_ALL_ACCESS, &Unnamed.Attributes, NotificationEvent, FALSE),
                            STATUS_SUCCESS);
                  volatile LONG Woken = 0;
                  std::function<void()> Body;
                  std::vector<HANDLE> Threads = StartWaiters(Event, 2, &Woken, &Body);
                  LONG Previous = -1;
                  C.Expect(ZwPulseEvent(Event, &Previous) == STATUS_SUCCESS && Previous == 0, "pulsed");
                  JoinAll(Threads);
                  C.Expect(Woken == 2, "both waiters woke");
                  C.Expect(QueryEvent(Event).EventState == 0, "the event is clear again");
                  ZwClose(Event);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ExEventTest, NamedEventsLiveInTheNamespaceUntilTheLastHandleCloses)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  ObjectName Name(L"\\BaseNamedObjects\\ExEventTest");
                  HANDLE First, Second, Opened;
                  ASSERT_EQ(ZwCreateEvent(&First, EVENT_ALL_ACCESS, &Name.Attributes, NotificationEvent, FALSE),
                            STATUS_SUCCESS);
                  C.Expect(ZwCreateEvent(&Second, EVENT_ALL_ACCESS, &Name.Attributes, NotificationEvent, FALSE) ==
                               STATUS_OBJECT_NAME_COLLISION,
                           "the name is taken");
                  ObjectName OpenIf(L"\\BaseNamedObjects\\EXEVENTTEST", OBJ_OPENIF);
                  C.Expect(ZwCreateEvent(&Second, EVENT_ALL_ACCESS, &OpenIf.Attributes, NotificationEvent, FALSE) ==
                               STATUS_OBJECT_NAME_EXISTS,
                           "OBJ_OPENIF opens it, case-insensitively");
                  C.Expect(ObjectOf(Second) == ObjectOf(First), "the same event");
                  C.Expect(ZwOpenEvent(&Opened, EVENT_QUERY_STATE, &Name.Attributes) == STATUS_SUCCESS &&
                               ObjectOf(Opened) == ObjectOf(First),
                           "opened by name");
                  ZwSetEvent(First, nullptr);
                  C.Expect(QueryEvent(Opened).EventState == 1, "one event behind every handle");
                  HANDLE Semaphore;
                  C.Expect(ZwOpenSemaphore(&Semaphore, SEMAPHORE_ALL_ACCESS, &Name.Attributes) ==
                               STATUS_OBJECT_TYPE_MISMATCH,
                           "not a semaphore");
                  ZwClose(First);
                  ZwClose(Second);
                  ZwClose(Opened);
                  C.Expect(ZwOpenEvent(&Opened, EVENT_ALL_ACCESS, &Name.Attributes) == STATUS_OBJECT_NAME_NOT_FOUND,
                           "the name went with the last handle");
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ExEventTest, EachServiceNeedsItsAccessAndAnEventHandle)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  UserRun Run;
                  NTSTATUS Create = 0, Set = 0, Query = 0, Wait = 0, Mismatch = 0, Invalid = 0;
                  Run.Body = [&](UserRun &) -> NTSTATUS {
                      HANDLE Event; // on the user stack: the service writes it as a user caller's
                      Create = NtCreateEvent(&Event, SYNCHRONIZE, nullptr, NotificationEvent, TRUE);
                      Set = NtSetEvent(Event, nullptr);
                      EVENT_BASIC_INFORMATION Basic;
                      Query = NtQueryEvent(Event, EventBasicInformation, &Basic, sizeof(Basic), nullptr);
                      Wait = NtWaitForSingleObject(Event, FALSE, nullptr);
                      Mismatch = NtSetEvent(NtCurrentProcess(), nullptr);
                      Invalid = NtSetEvent(reinterpret_cast<HANDLE>(0x7FFC), nullptr);
                      NtClose(Event);
                      return STATUS_SUCCESS;
                  };
                  HANDLE Thread;
                  ASSERT_EQ(StartUserThread(Process, &Run, &Thread), STATUS_SUCCESS);
                  C.Expect(ExitStatusOf(Thread) == STATUS_SUCCESS, "the user thread ran");
                  C.Expect(Create == STATUS_SUCCESS, "created with SYNCHRONIZE only");
                  C.Expect(Set == STATUS_ACCESS_DENIED, "set needs EVENT_MODIFY_STATE");
                  C.Expect(Query == STATUS_ACCESS_DENIED, "query needs EVENT_QUERY_STATE");
                  C.Expect(Wait == STATUS_SUCCESS, "SYNCHRONIZE is enough to wait");
                  C.Expect(Mismatch == STATUS_OBJECT_TYPE_MISMATCH, "a process is no event");
                  C.Expect(Invalid == STATUS_INVALID_HANDLE, "no such handle");
                  ZwClose(Thread);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

// A kernel address a user-mode caller might pass.
LONG KernelSlot;

TEST_P(ExEventTest, AUserModeCallersBadPointersFailBeforeTheServiceActs)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  NTSTATUS Create = 0, Set = 0, Query = 0, BadName = 0, Named = 0, BadDescriptor = 0, OwnDescriptor = 0,
                           UserHandleWorks = 0;
                  EVENT_BASIC_INFORMATION After{};
                  UserRun Run;
                  Run.Body = [&](UserRun &) -> NTSTATUS {
                      Create = NtCreateEvent(reinterpret_cast<PHANDLE>(&KernelSlot), EVENT_ALL_ACCESS, nullptr,
                                             NotificationEvent, FALSE);
                      HANDLE Event;
                      NtCreateEvent(&Event, EVENT_ALL_ACCESS, nullptr, NotificationEvent, FALSE);
                      Set = NtSetEvent(Event, &KernelSlot);
                      Query = NtQueryEvent(Event, EventBasicInformation, &KernelSlot, sizeof(EVENT_BASIC_INFORMATION),
                                           nullptr);
                      NtQueryEvent(Event, EventBasicInformation, &After, sizeof(After), nullptr);
                      NtClose(Event);
                      // A name whose characters are not the caller's to give.
                      UNICODE_STRING Name;
                      Name.Buffer = reinterpret_cast<PWSTR>(&KernelSlot);
                      Name.Length = Name.MaximumLength = sizeof(WCHAR);
                      OBJECT_ATTRIBUTES Attributes;
                      InitializeObjectAttributes(&Attributes, &Name, 0, nullptr, nullptr);
                      BadName = NtCreateEvent(&Event, EVENT_ALL_ACCESS, &Attributes, NotificationEvent, FALSE);
                      WCHAR Chars[] = L"\\BaseNamedObjects\\FromUser";
                      Name.Buffer = Chars;
                      Name.Length = Name.MaximumLength = sizeof(Chars) - sizeof(WCHAR);
                      Named = NtCreateEvent(&Event, EVENT_ALL_ACCESS, &Attributes, NotificationEvent, FALSE);
                      if (NT_SUCCESS(Named))
                          NtClose(Event);
                      // A descriptor in kernel memory, then the caller's own.
                      Attributes.SecurityDescriptor = &KernelSlot;
                      BadDescriptor = NtCreateEvent(&Event, EVENT_ALL_ACCESS, &Attributes, NotificationEvent, FALSE);
                      SECURITY_DESCRIPTOR Descriptor;
                      RtlCreateSecurityDescriptor(&Descriptor, SECURITY_DESCRIPTOR_REVISION);
                      Attributes.SecurityDescriptor = &Descriptor;
                      Attributes.Attributes = OBJ_KERNEL_HANDLE;
                      OwnDescriptor = NtCreateEvent(&Event, EVENT_ALL_ACCESS, &Attributes, NotificationEvent, FALSE);
                      if (NT_SUCCESS(OwnDescriptor)) {
                          UserHandleWorks = NtSetEvent(Event, nullptr);
                          NtClose(Event);
                      }
                      return STATUS_SUCCESS;
                  };
                  HANDLE Thread;
                  ASSERT_EQ(StartUserThread(Process, &Run, &Thread), STATUS_SUCCESS);
                  C.Expect(ExitStatusOf(Thread) == STATUS_SUCCESS, "the user thread ran");
                  C.Expect(Create == STATUS_ACCESS_VIOLATION, "a kernel handle slot");
                  C.Expect(Set == STATUS_ACCESS_VIOLATION, "a kernel previous-state slot");
                  C.Expect(After.EventState == 0, "and the event was not set");
                  C.Expect(Query == STATUS_ACCESS_VIOLATION, "a kernel query buffer");
                  C.Expect(BadName == STATUS_ACCESS_VIOLATION, "a name in kernel memory");
                  C.Expect(Named == STATUS_SUCCESS, "a user caller's own name works");
                  C.Expect(BadDescriptor == STATUS_ACCESS_VIOLATION, "a descriptor in kernel memory");
                  C.Expect(OwnDescriptor == STATUS_SUCCESS, "the caller's own descriptor");
                  C.Expect(UserHandleWorks == STATUS_SUCCESS, "OBJ_KERNEL_HANDLE from user mode gives a user handle");
                  C.Expect(KernelSlot == 0, "nothing written to kernel memory");
                  ZwClose(Thread);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

} // namespace

NTOS_INSTANTIATE_ALL_MODES(ExEventTest);
