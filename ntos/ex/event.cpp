// event.cpp - the executive's event objects ("Event"): a KEVENT body, and the
// services that create, open, set, reset, clear, pulse and query them.
#include "ke.h"
#include "ex.h"
#include "ob.h"

POBJECT_TYPE ExpEventObjectType;
POBJECT_TYPE *ExEventObjectType = &ExpEventObjectType;

namespace {

GENERIC_MAPPING ExpEventMapping = {STANDARD_RIGHTS_READ | EVENT_QUERY_STATE,
                                   STANDARD_RIGHTS_WRITE | EVENT_MODIFY_STATE,
                                   STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE, EVENT_ALL_ACCESS};

enum class EventChange { Set, Reset, Pulse, Clear };

// Applies Change to the event EventHandle names (with EVENT_MODIFY_STATE) and hands
// the state it had back to the caller's PreviousState, probed first. At PASSIVE_LEVEL.
NTSTATUS ExpChangeEvent(HANDLE EventHandle, EventChange Change, PLONG PreviousState)
{
    KPROCESSOR_MODE PreviousMode = ExGetPreviousMode();
    NTSTATUS Status = ExpProbeForWriteCaller(PreviousState, sizeof(LONG), sizeof(LONG));
    if (!NT_SUCCESS(Status))
        return Status;
    PKEVENT Event;
    Status = ObReferenceObjectByHandle(EventHandle, EVENT_MODIFY_STATE, ExpEventObjectType, PreviousMode,
                                       reinterpret_cast<PVOID *>(&Event), NULL);
    if (!NT_SUCCESS(Status))
        return Status;
    LONG State = 0;
    switch (Change) {
    case EventChange::Set:
        State = KeSetEvent(Event, EVENT_INCREMENT, FALSE);
        break;
    case EventChange::Reset:
        State = KeResetEvent(Event);
        break;
    case EventChange::Pulse:
        State = KePulseEvent(Event, EVENT_INCREMENT, FALSE);
        break;
    case EventChange::Clear:
        KeClearEvent(Event);
        break;
    }
    ObDereferenceObject(Event);
    return PreviousState ? ExpCopyToCaller(PreviousState, &State, sizeof(State)) : STATUS_SUCCESS;
}

} // namespace

// Creates the Event object type. At PASSIVE_LEVEL in phase 1.
extern "C" NTSTATUS NTAPI ExpInitializeEventImplementation(VOID)
{
    return ExpCreateObjectType(L"Event", &ExpEventMapping, EVENT_ALL_ACCESS, sizeof(KEVENT), NULL,
                               &ExpEventObjectType);
}

// Creates an event of EventType (notification or synchronization; anything else is
// STATUS_INVALID_PARAMETER) in InitialState and returns a handle with DesiredAccess.
// At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtCreateEvent(PHANDLE EventHandle, ACCESS_MASK DesiredAccess,
                                        POBJECT_ATTRIBUTES ObjectAttributes, EVENT_TYPE EventType,
                                        BOOLEAN InitialState)
{
    KI_USER_SERVICE(NtCreateEvent(EventHandle, DesiredAccess, ObjectAttributes, EventType, InitialState));
    if (EventType != NotificationEvent && EventType != SynchronizationEvent)
        return STATUS_INVALID_PARAMETER;
    PKEVENT Event;
    NTSTATUS Status = ExpCreateObject(ExpEventObjectType, ObjectAttributes, sizeof(KEVENT), EventHandle,
                                      reinterpret_cast<PVOID *>(&Event));
    if (!NT_SUCCESS(Status))
        return Status;
    KeInitializeEvent(Event, EventType, InitialState);
    return ExpInsertObject(Event, DesiredAccess, EventHandle);
}

// Opens the event ObjectAttributes names. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtOpenEvent(PHANDLE EventHandle, ACCESS_MASK DesiredAccess,
                                      POBJECT_ATTRIBUTES ObjectAttributes)
{
    KI_USER_SERVICE(NtOpenEvent(EventHandle, DesiredAccess, ObjectAttributes));
    return ExpOpenObject(ExpEventObjectType, ObjectAttributes, DesiredAccess, EventHandle);
}

// Signals an event (waking its waiters); its previous state to PreviousState. At
// PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtSetEvent(HANDLE EventHandle, PLONG PreviousState)
{
    KI_USER_SERVICE(NtSetEvent(EventHandle, PreviousState));
    return ExpChangeEvent(EventHandle, EventChange::Set, PreviousState);
}

// Makes an event non-signalled; its previous state to PreviousState. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtResetEvent(HANDLE EventHandle, PLONG PreviousState)
{
    KI_USER_SERVICE(NtResetEvent(EventHandle, PreviousState));
    return ExpChangeEvent(EventHandle, EventChange::Reset, PreviousState);
}

// Makes an event non-signalled, without its previous state. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtClearEvent(HANDLE EventHandle)
{
    KI_USER_SERVICE(NtClearEvent(EventHandle));
    return ExpChangeEvent(EventHandle, EventChange::Clear, NULL);
}

// Signals an event and makes it non-signalled again: the waiters it satisfies wake.
// Its previous state to PreviousState. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtPulseEvent(HANDLE EventHandle, PLONG PreviousState)
{
    KI_USER_SERVICE(NtPulseEvent(EventHandle, PreviousState));
    return ExpChangeEvent(EventHandle, EventChange::Pulse, PreviousState);
}

// Returns an event's type and state (EventBasicInformation, with EVENT_QUERY_STATE).
// At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtQueryEvent(HANDLE EventHandle, EVENT_INFORMATION_CLASS EventInformationClass,
                                       PVOID EventInformation, ULONG EventInformationLength, PULONG ReturnLength)
{
    KI_USER_SERVICE(
        NtQueryEvent(EventHandle, EventInformationClass, EventInformation, EventInformationLength, ReturnLength));
    if (EventInformationClass != EventBasicInformation)
        return STATUS_INVALID_INFO_CLASS;
    PKEVENT Event;
    NTSTATUS Status = ObReferenceObjectByHandle(EventHandle, EVENT_QUERY_STATE, ExpEventObjectType,
                                                ExGetPreviousMode(), reinterpret_cast<PVOID *>(&Event), NULL);
    if (!NT_SUCCESS(Status))
        return Status;
    EVENT_BASIC_INFORMATION Basic;
    Basic.EventType = Event->Header.Type == EventNotificationObject ? NotificationEvent : SynchronizationEvent;
    Basic.EventState = KeReadStateEvent(Event);
    ObDereferenceObject(Event);
    return ExpReturnInformation(EventInformation, EventInformationLength, &Basic, sizeof(Basic), ReturnLength);
}

// The Zw forms, for kernel code: PreviousMode KernelMode. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ZwCreateEvent(PHANDLE EventHandle, ACCESS_MASK DesiredAccess,
                                        POBJECT_ATTRIBUTES ObjectAttributes, EVENT_TYPE EventType,
                                        BOOLEAN InitialState)
{
    return KiZwCall([&] { return NtCreateEvent(EventHandle, DesiredAccess, ObjectAttributes, EventType, InitialState); });
}

extern "C" NTSTATUS NTAPI ZwOpenEvent(PHANDLE EventHandle, ACCESS_MASK DesiredAccess,
                                      POBJECT_ATTRIBUTES ObjectAttributes)
{
    return KiZwCall([&] { return NtOpenEvent(EventHandle, DesiredAccess, ObjectAttributes); });
}

extern "C" NTSTATUS NTAPI ZwSetEvent(HANDLE EventHandle, PLONG PreviousState)
{
    return KiZwCall([&] { return NtSetEvent(EventHandle, PreviousState); });
}

extern "C" NTSTATUS NTAPI ZwResetEvent(HANDLE EventHandle, PLONG PreviousState)
{
    return KiZwCall([&] { return NtResetEvent(EventHandle, PreviousState); });
}

extern "C" NTSTATUS NTAPI ZwClearEvent(HANDLE EventHandle)
{
    return KiZwCall([&] { return NtClearEvent(EventHandle); });
}

extern "C" NTSTATUS NTAPI ZwPulseEvent(HANDLE EventHandle, PLONG PreviousState)
{
    return KiZwCall([&] { return NtPulseEvent(EventHandle, PreviousState); });
}

extern "C" NTSTATUS NTAPI ZwQueryEvent(HANDLE EventHandle, EVENT_INFORMATION_CLASS EventInformationClass,
                                       PVOID EventInformation, ULONG EventInformationLength, PULONG ReturnLength)
{
    return KiZwCall([&] {
        return NtQueryEvent(EventHandle, EventInformationClass, EventInformation, EventInformationLength,
                            ReturnLength);
    });
}
