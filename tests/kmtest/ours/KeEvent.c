/*
 * KeEvent.c - kmtest-style tests of events, semaphores and multiple-object waits:
 * the previous states the event services return, a waiter woken by another thread,
 * pulses, semaphore counts and limits, and WaitAny / WaitAll.
 */
#include <kmt_test.h>

#define WAIT_LIMIT (-10LL * SECOND)

typedef struct {
    KEVENT Start;
    KEVENT Done;
    volatile LONG Woken;
} WAKE_CONTEXT;

/* In a helper thread: waits for Start, counts the wake and sets Done. PASSIVE_LEVEL. */
static VOID NTAPI WakeThread(PVOID Context)
{
    WAKE_CONTEXT *Wake = Context;
    NTSTATUS Status = KeWaitForSingleObject(&Wake->Start, Executive, KernelMode, FALSE, NULL);
    ok_eq_hex(Status, STATUS_SUCCESS);
    InterlockedIncrement(&Wake->Woken);
    KeSetEvent(&Wake->Done, IO_NO_INCREMENT, FALSE);
}

START_TEST(KeEventStates)
{
    NTSTATUS Status;
    LONG State;
    KEVENT Event;
    LARGE_INTEGER Zero = {.QuadPart = 0};

    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    ok_eq_int(Event.Header.Type, NotificationEvent);
    ok_eq_long(KeReadStateEvent(&Event), 0L);
    State = KeSetEvent(&Event, IO_NO_INCREMENT, FALSE);
    ok_eq_long(State, 0L);
    State = KeSetEvent(&Event, IO_NO_INCREMENT, FALSE);
    ok_eq_long(State, 1L);
    Status = KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &Zero);
    ok_eq_hex(Status, STATUS_SUCCESS);
    ok_eq_long(KeReadStateEvent(&Event), 1L);
    State = KeResetEvent(&Event);
    ok_eq_long(State, 1L);
    State = KeResetEvent(&Event);
    ok_eq_long(State, 0L);
    Status = KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &Zero);
    ok_eq_hex(Status, STATUS_TIMEOUT);

    KeInitializeEvent(&Event, SynchronizationEvent, TRUE);
    ok_eq_int(Event.Header.Type, SynchronizationEvent);
    Status = KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &Zero);
    ok_eq_hex(Status, STATUS_SUCCESS);
    ok_eq_long(KeReadStateEvent(&Event), 0L);
    Status = KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &Zero);
    ok_eq_hex(Status, STATUS_TIMEOUT);
    KeSetEvent(&Event, IO_NO_INCREMENT, FALSE);
    KeClearEvent(&Event);
    ok_eq_long(KeReadStateEvent(&Event), 0L);
    ok_irql(PASSIVE_LEVEL);
}

START_TEST(KeEventWake)
{
    NTSTATUS Status;
    WAKE_CONTEXT Wake;
    LARGE_INTEGER Limit = {.QuadPart = WAIT_LIMIT};
    PKTHREAD Thread;

    KeInitializeEvent(&Wake.Start, NotificationEvent, FALSE);
    KeInitializeEvent(&Wake.Done, SynchronizationEvent, FALSE);
    Wake.Woken = 0;
    Thread = KmtStartThread(WakeThread, &Wake);
    ok_eq_long(Wake.Woken, 0L);
    KeSetEvent(&Wake.Start, IO_NO_INCREMENT, FALSE);
    Status = KeWaitForSingleObject(&Wake.Done, Executive, KernelMode, FALSE, &Limit);
    ok_eq_hex(Status, STATUS_SUCCESS);
    ok_eq_long(Wake.Woken, 1L);
    ok_eq_long(KeReadStateEvent(&Wake.Done), 0L);
    KmtFinishThread(Thread, NULL);
}

START_TEST(KeEventPulse)
{
    NTSTATUS Status;
    LONG State;
    KEVENT Event;
    LARGE_INTEGER Zero = {.QuadPart = 0};

    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    State = KePulseEvent(&Event, IO_NO_INCREMENT, FALSE);
    ok_eq_long(State, 0L);
    ok_eq_long(KeReadStateEvent(&Event), 0L);
    KeSetEvent(&Event, IO_NO_INCREMENT, FALSE);
    State = KePulseEvent(&Event, IO_NO_INCREMENT, FALSE);
    ok_eq_long(State, 1L);
    ok_eq_long(KeReadStateEvent(&Event), 0L);
    Status = KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &Zero);
    ok_eq_hex(Status, STATUS_TIMEOUT);
}

START_TEST(KeSemaphoreCounts)
{
    NTSTATUS Status;
    LONG State;
    KSEMAPHORE Semaphore;
    LARGE_INTEGER Zero = {.QuadPart = 0};

    KeInitializeSemaphore(&Semaphore, 2, 3);
    ok_eq_long(KeReadStateSemaphore(&Semaphore), 2L);
    ok_eq_long(Semaphore.Limit, 3L);
    Status = KeWaitForSingleObject(&Semaphore, Executive, KernelMode, FALSE, &Zero);
    ok_eq_hex(Status, STATUS_SUCCESS);
    Status = KeWaitForSingleObject(&Semaphore, Executive, KernelMode, FALSE, &Zero);
    ok_eq_hex(Status, STATUS_SUCCESS);
    Status = KeWaitForSingleObject(&Semaphore, Executive, KernelMode, FALSE, &Zero);
    ok_eq_hex(Status, STATUS_TIMEOUT);
    State = KeReleaseSemaphore(&Semaphore, IO_NO_INCREMENT, 3, FALSE);
    ok_eq_long(State, 0L);
    ok_eq_long(KeReadStateSemaphore(&Semaphore), 3L);

    KmtStartSeh()
        KeReleaseSemaphore(&Semaphore, IO_NO_INCREMENT, 1, FALSE);
    KmtEndSeh(STATUS_SEMAPHORE_LIMIT_EXCEEDED);
    ok_eq_long(KeReadStateSemaphore(&Semaphore), 3L);
}

START_TEST(KeWaitMultiple)
{
    NTSTATUS Status;
    KEVENT Events[3];
    PVOID Objects[3];
    KWAIT_BLOCK WaitBlocks[3];
    LARGE_INTEGER Zero = {.QuadPart = 0};
    int Index;

    for (Index = 0; Index < 3; Index++) {
        KeInitializeEvent(&Events[Index], NotificationEvent, FALSE);
        Objects[Index] = &Events[Index];
    }
    Status = KeWaitForMultipleObjects(3, Objects, WaitAny, Executive, KernelMode, FALSE, &Zero, WaitBlocks);
    ok_eq_hex(Status, STATUS_TIMEOUT);
    KeSetEvent(&Events[2], IO_NO_INCREMENT, FALSE);
    Status = KeWaitForMultipleObjects(3, Objects, WaitAny, Executive, KernelMode, FALSE, &Zero, WaitBlocks);
    ok_eq_hex(Status, STATUS_WAIT_0 + 2);
    Status = KeWaitForMultipleObjects(3, Objects, WaitAll, Executive, KernelMode, FALSE, &Zero, WaitBlocks);
    ok_eq_hex(Status, STATUS_TIMEOUT);
    KeSetEvent(&Events[0], IO_NO_INCREMENT, FALSE);
    KeSetEvent(&Events[1], IO_NO_INCREMENT, FALSE);
    Status = KeWaitForMultipleObjects(3, Objects, WaitAll, Executive, KernelMode, FALSE, &Zero, WaitBlocks);
    ok_eq_hex(Status, STATUS_SUCCESS);
    Status = KeWaitForMultipleObjects(2, Objects, WaitAll, Executive, KernelMode, FALSE, &Zero, NULL);
    ok_eq_hex(Status, STATUS_SUCCESS);
}
