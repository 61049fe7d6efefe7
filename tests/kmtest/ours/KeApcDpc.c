/*
 * KeApcDpc.c - kmtest-style tests of APCs and DPCs: a special kernel APC runs in
 * its target thread at APC_LEVEL while that thread waits, an APC to oneself waits
 * for the IRQL to drop or the guarded region to end, critical and guarded regions
 * nest, and a DPC queued at DISPATCH_LEVEL runs once when the IRQL drops.
 */
#include <kmt_test.h>

typedef struct {
    KEVENT Release;
    PKTHREAD Target;
    volatile LONG Runs;
    volatile LONG InTarget;
    volatile LONG AtApcLevel;
} APC_RECORD;

static APC_RECORD *CurrentRecord;

/* The special kernel APC: checks where and at which IRQL it runs. APC_LEVEL. */
static VOID NTAPI SpecialApc(PKAPC Apc, PKNORMAL_ROUTINE *NormalRoutine, PVOID *NormalContext, PVOID *Argument1,
                             PVOID *Argument2)
{
    APC_RECORD *Record = CurrentRecord;
    if (KeGetCurrentThread() == Record->Target)
        InterlockedIncrement(&Record->InTarget);
    if (KeGetCurrentIrql() == APC_LEVEL)
        InterlockedIncrement(&Record->AtApcLevel);
    InterlockedIncrement(&Record->Runs);
}

/* In a helper thread: a non-alertable wait that the APC breaks into. PASSIVE_LEVEL. */
static VOID NTAPI WaitingThread(PVOID Context)
{
    NTSTATUS Status;
    APC_RECORD *Record = Context;
    Status = KeWaitForSingleObject(&Record->Release, Executive, KernelMode, FALSE, NULL);
    ok_eq_hex(Status, STATUS_SUCCESS);
}

/* Resets Record for an APC aimed at Target. */
static VOID InitRecord(APC_RECORD *Record, PKTHREAD Target)
{
    KeInitializeEvent(&Record->Release, NotificationEvent, FALSE);
    Record->Target = Target;
    Record->Runs = Record->InTarget = Record->AtApcLevel = 0;
    CurrentRecord = Record;
}

START_TEST(KeApcToWaitingThread)
{
    BOOLEAN Result;
    APC_RECORD Record;
    KAPC Apc;
    PKTHREAD Thread;
    LARGE_INTEGER Poll = {.QuadPart = -1LL * MILLISECOND};
    int Tries;

    InitRecord(&Record, NULL);
    Thread = KmtStartThread(WaitingThread, &Record);
    if (skip(Thread != NULL, "no thread\n"))
        return;
    Record.Target = Thread;
    KeInitializeApc(&Apc, Thread, OriginalApcEnvironment, SpecialApc, NULL, NULL, KernelMode, NULL);
    Result = KeInsertQueueApc(&Apc, NULL, NULL, IO_NO_INCREMENT);
    ok_bool_true(Result, "KeInsertQueueApc returned");
    /* The APC runs in the other thread: read its count as it is written, atomically. */
    for (Tries = 0; Tries < 10000 && InterlockedCompareExchange(&Record.Runs, 0, 0) == 0; Tries++)
        KeDelayExecutionThread(KernelMode, FALSE, &Poll);
    ok_eq_long(Record.Runs, 1L);
    ok_eq_long(Record.InTarget, 1L);
    ok_eq_long(Record.AtApcLevel, 1L);
    ok_eq_long(KeReadStateEvent(&Record.Release), 0L);
    KmtFinishThread(Thread, &Record.Release);
}

START_TEST(KeApcToSelf)
{
    BOOLEAN Result;
    APC_RECORD Record;
    KAPC Apc;
    KIRQL OldIrql;

    InitRecord(&Record, KeGetCurrentThread());
    KeInitializeApc(&Apc, KeGetCurrentThread(), OriginalApcEnvironment, SpecialApc, NULL, NULL, KernelMode, NULL);
    KeRaiseIrql(APC_LEVEL, &OldIrql);
    Result = KeInsertQueueApc(&Apc, NULL, NULL, IO_NO_INCREMENT);
    ok_bool_true(Result, "KeInsertQueueApc returned");
    Result = KeInsertQueueApc(&Apc, NULL, NULL, IO_NO_INCREMENT);
    ok_bool_false(Result, "a second KeInsertQueueApc returned");
    ok_eq_long(Record.Runs, 0L);
    KeLowerIrql(OldIrql);
    ok_eq_long(Record.Runs, 1L);
    ok_eq_long(Record.InTarget, 1L);
    ok_eq_long(Record.AtApcLevel, 1L);

    InitRecord(&Record, KeGetCurrentThread());
    KeEnterGuardedRegion();
    Result = KeInsertQueueApc(&Apc, NULL, NULL, IO_NO_INCREMENT);
    ok_bool_true(Result, "KeInsertQueueApc returned");
    ok_eq_long(Record.Runs, 0L);
    KeLeaveGuardedRegion();
    ok_eq_long(Record.Runs, 1L);
}

START_TEST(KeCriticalRegions)
{
    ok_bool_false(KeAreApcsDisabled(), "KeAreApcsDisabled returned");
    ok_bool_false(KeAreAllApcsDisabled(), "KeAreAllApcsDisabled returned");
    KeEnterCriticalRegion();
    ok_bool_true(KeAreApcsDisabled(), "KeAreApcsDisabled returned");
    ok_bool_false(KeAreAllApcsDisabled(), "KeAreAllApcsDisabled returned");
    KeEnterCriticalRegion();
    KeLeaveCriticalRegion();
    ok_bool_true(KeAreApcsDisabled(), "KeAreApcsDisabled returned");
    KeEnterGuardedRegion();
    ok_bool_true(KeAreAllApcsDisabled(), "KeAreAllApcsDisabled returned");
    KeLeaveGuardedRegion();
    ok_bool_false(KeAreAllApcsDisabled(), "KeAreAllApcsDisabled returned");
    KeLeaveCriticalRegion();
    ok_bool_false(KeAreApcsDisabled(), "KeAreApcsDisabled returned");
}

typedef struct {
    volatile LONG Runs;
    PVOID Arguments[3];
    KIRQL Irql;
} DPC_RECORD;

/* The DPC: records its arguments and IRQL. DISPATCH_LEVEL. */
static VOID NTAPI RecordDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    DPC_RECORD *Record = Context;
    Record->Arguments[0] = Context;
    Record->Arguments[1] = Argument1;
    Record->Arguments[2] = Argument2;
    Record->Irql = KeGetCurrentIrql();
    InterlockedIncrement(&Record->Runs);
}

START_TEST(KeDpcQueue)
{
    BOOLEAN Result;
    KDPC Dpc;
    DPC_RECORD Record = {0};
    KIRQL OldIrql;

    KeInitializeDpc(&Dpc, RecordDpc, &Record);
    ok_eq_int(Dpc.Type, DpcObject);
    ok_eq_int(Dpc.Importance, MediumImportance);
    ok_eq_pointer(Dpc.DeferredContext, &Record);
    Result = KeRemoveQueueDpc(&Dpc);
    ok_bool_false(Result, "KeRemoveQueueDpc of an idle DPC returned");

    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
    Result = KeInsertQueueDpc(&Dpc, (PVOID)1, (PVOID)2);
    ok_bool_true(Result, "KeInsertQueueDpc returned");
    Result = KeInsertQueueDpc(&Dpc, (PVOID)3, (PVOID)4);
    ok_bool_false(Result, "a second KeInsertQueueDpc returned");
    ok_eq_long(Record.Runs, 0L);
    Result = KeRemoveQueueDpc(&Dpc);
    ok_bool_true(Result, "KeRemoveQueueDpc returned");
    Result = KeInsertQueueDpc(&Dpc, (PVOID)5, (PVOID)6);
    ok_bool_true(Result, "KeInsertQueueDpc returned");
    KeLowerIrql(OldIrql);
    ok_eq_long(Record.Runs, 1L);
    ok_eq_pointer(Record.Arguments[0], &Record);
    ok_eq_pointer(Record.Arguments[1], (PVOID)5);
    ok_eq_pointer(Record.Arguments[2], (PVOID)6);
    ok_eq_int(Record.Irql, DISPATCH_LEVEL);
}
