/*
 * KeTimer.c - kmtest-style tests of kernel timers and delays: a relative timer
 * signals and can be cancelled, a timer's DPC runs at DISPATCH_LEVEL with its
 * arguments, and a delay lasts at least as long as asked.
 */
#include <kmt_test.h>

typedef struct {
    KEVENT Ran;
    volatile LONG Count;
    PVOID Context;
    KIRQL Irql;
} DPC_RECORD;

/* The timer's DPC: records its context and IRQL, counts and sets Ran. DISPATCH_LEVEL. */
static VOID NTAPI TimerDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    DPC_RECORD *Record = Context;
    Record->Context = Context;
    Record->Irql = KeGetCurrentIrql();
    InterlockedIncrement(&Record->Count);
    KeSetEvent(&Record->Ran, IO_NO_INCREMENT, FALSE);
}

START_TEST(KeTimerExpire)
{
    NTSTATUS Status;
    BOOLEAN Result;
    KTIMER Timer;
    LARGE_INTEGER Due = {.QuadPart = -10LL * MILLISECOND};
    LARGE_INTEGER Limit = {.QuadPart = -10LL * SECOND};
    LARGE_INTEGER Far = {.QuadPart = -3600LL * SECOND};

    KeInitializeTimerEx(&Timer, NotificationTimer);
    ok_bool_false(KeReadStateTimer(&Timer), "KeReadStateTimer returned");
    Result = KeSetTimer(&Timer, Due, NULL);
    ok_bool_false(Result, "KeSetTimer returned");
    Status = KeWaitForSingleObject(&Timer, Executive, KernelMode, FALSE, &Limit);
    ok_eq_hex(Status, STATUS_SUCCESS);
    ok_bool_true(KeReadStateTimer(&Timer), "KeReadStateTimer returned");
    Result = KeCancelTimer(&Timer);
    ok_bool_false(Result, "KeCancelTimer returned");

    Result = KeSetTimer(&Timer, Far, NULL);
    ok_bool_false(Result, "KeSetTimer returned");
    ok_bool_false(KeReadStateTimer(&Timer), "KeReadStateTimer returned");
    Result = KeSetTimer(&Timer, Far, NULL);
    ok_bool_true(Result, "KeSetTimer of a set timer returned");
    Result = KeCancelTimer(&Timer);
    ok_bool_true(Result, "KeCancelTimer returned");
    Result = KeCancelTimer(&Timer);
    ok_bool_false(Result, "KeCancelTimer returned");
}

START_TEST(KeTimerDpc)
{
    NTSTATUS Status;
    KTIMER Timer;
    KDPC Dpc;
    DPC_RECORD Record;
    LARGE_INTEGER Due = {.QuadPart = -5LL * MILLISECOND};
    LARGE_INTEGER Limit = {.QuadPart = -10LL * SECOND};

    KeInitializeEvent(&Record.Ran, NotificationEvent, FALSE);
    Record.Count = 0;
    Record.Context = NULL;
    Record.Irql = PASSIVE_LEVEL;
    KeInitializeDpc(&Dpc, TimerDpc, &Record);
    KeInitializeTimerEx(&Timer, SynchronizationTimer);
    ok_eq_int(Timer.Header.Type, TimerSynchronizationObject);
    KeSetTimerEx(&Timer, Due, 0, &Dpc);
    Status = KeWaitForSingleObject(&Record.Ran, Executive, KernelMode, FALSE, &Limit);
    ok_eq_hex(Status, STATUS_SUCCESS);
    ok_eq_long(Record.Count, 1L);
    ok_eq_pointer(Record.Context, &Record);
    ok_eq_int(Record.Irql, DISPATCH_LEVEL);
    KeCancelTimer(&Timer);
    KeFlushQueuedDpcs();
}

START_TEST(KeDelayExecution)
{
    NTSTATUS Status;
    LARGE_INTEGER Delay = {.QuadPart = -20LL * MILLISECOND};
    ULONGLONG Before, After;

    Before = KeQueryInterruptTime();
    Status = KeDelayExecutionThread(KernelMode, FALSE, &Delay);
    ok_eq_hex(Status, STATUS_SUCCESS);
    After = KeQueryInterruptTime();
    ok(After - Before >= 20ULL * MILLISECOND, "delay lasted %I64u, expected at least %I64u\n", After - Before,
       20ULL * MILLISECOND);
    ok_irql(PASSIVE_LEVEL);
}
