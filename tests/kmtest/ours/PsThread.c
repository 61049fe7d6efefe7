/*
 * PsThread.c - kmtest-style tests of system threads: a thread created with
 * PsCreateSystemThread runs in the System process with its context and a thread ID,
 * ends with the status it gives PsTerminateSystemThread, is found by its ID while
 * alive, and starts at priority 8.
 */
#include <kmt_test.h>

typedef struct {
    PVOID Self;
    HANDLE ThreadId;
    PEPROCESS Process;
    BOOLEAN IsSystem;
    KPRIORITY Priority;
    KIRQL Irql;
} THREAD_FACTS;

/* In the new thread: records what it sees and ends with 0x1234. PASSIVE_LEVEL. */
static VOID NTAPI FactsThread(PVOID Context)
{
    THREAD_FACTS *Facts = Context;
    Facts->Self = Context;
    Facts->ThreadId = PsGetCurrentThreadId();
    Facts->Process = PsGetCurrentProcess();
    Facts->IsSystem = PsIsSystemThread(PsGetCurrentThread());
    Facts->Priority = KeQueryPriorityThread(KeGetCurrentThread());
    Facts->Irql = KeGetCurrentIrql();
    PsTerminateSystemThread((NTSTATUS)0x1234);
}

/* In a helper thread: waits for the event it is given. PASSIVE_LEVEL. */
static VOID NTAPI WaitThread(PVOID Context)
{
    KeWaitForSingleObject(Context, Executive, KernelMode, FALSE, NULL);
}

START_TEST(PsSystemThreadRuns)
{
    THREAD_FACTS Facts = {0};
    HANDLE Handle = NULL;
    OBJECT_ATTRIBUTES Attributes;
    PETHREAD Thread = NULL;
    NTSTATUS Status;

    InitializeObjectAttributes(&Attributes, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    Status = PsCreateSystemThread(&Handle, THREAD_ALL_ACCESS, &Attributes, NULL, NULL, FactsThread, &Facts);
    ok_eq_hex(Status, STATUS_SUCCESS);
    if (skip(NT_SUCCESS(Status), "no thread\n"))
        return;
    Status = ObReferenceObjectByHandle(Handle, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, (PVOID *)&Thread, NULL);
    ok_eq_hex(Status, STATUS_SUCCESS);
    Status = ZwWaitForSingleObject(Handle, FALSE, NULL);
    ok_eq_hex(Status, STATUS_SUCCESS);
    Status = ZwClose(Handle);
    ok_eq_hex(Status, STATUS_SUCCESS);
    if (skip(NT_SUCCESS(Status), "no thread object\n"))
        return;
    ok_eq_pointer(Facts.Self, &Facts);
    ok(Facts.ThreadId != NULL, "the thread had no ID\n");
    ok_eq_pointer(Facts.ThreadId, PsGetThreadId(Thread));
    ok(Facts.ThreadId != PsGetCurrentThreadId(), "the new thread has the creator's ID\n");
    ok_eq_pointer(Facts.Process, PsInitialSystemProcess);
    ok_eq_pointer(PsGetThreadProcess(Thread), PsInitialSystemProcess);
    ok_bool_true(Facts.IsSystem, "PsIsSystemThread returned");
    ok_eq_long(Facts.Priority, 8L);
    ok_eq_int(Facts.Irql, PASSIVE_LEVEL);
    ok_eq_hex(Thread->ExitStatus, (NTSTATUS)0x1234);
    ObDereferenceObject(Thread);
}

START_TEST(PsLookupThread)
{
    PETHREAD Found = NULL;
    PEPROCESS Process = NULL;
    KEVENT Release;
    PKTHREAD Helper;
    HANDLE HelperId;
    NTSTATUS Status;

    Status = PsLookupThreadByThreadId(PsGetCurrentThreadId(), &Found);
    ok_eq_hex(Status, STATUS_SUCCESS);
    ok_eq_pointer(Found, PsGetCurrentThread());
    if (NT_SUCCESS(Status))
        ObDereferenceObject(Found);

    Status = PsLookupProcessByProcessId(PsGetCurrentProcessId(), &Process);
    ok_eq_hex(Status, STATUS_SUCCESS);
    ok_eq_pointer(Process, PsGetCurrentProcess());
    if (NT_SUCCESS(Status))
        ObDereferenceObject(Process);

    Found = (PETHREAD)KmtInvalidPointer;
    Status = PsLookupThreadByThreadId((HANDLE)(ULONG_PTR)0x7ffffff0, &Found);
    ok_eq_hex(Status, STATUS_INVALID_PARAMETER);
    Status = PsLookupThreadByThreadId(NULL, &Found);
    ok_eq_hex(Status, STATUS_INVALID_PARAMETER);

    KeInitializeEvent(&Release, NotificationEvent, FALSE);
    Helper = KmtStartThread(WaitThread, &Release);
    if (skip(Helper != NULL, "no thread\n"))
        return;
    HelperId = PsGetThreadId((PETHREAD)Helper);
    Status = PsLookupThreadByThreadId(HelperId, &Found);
    ok_eq_hex(Status, STATUS_SUCCESS);
    ok_eq_pointer(Found, (PETHREAD)Helper);
    if (NT_SUCCESS(Status))
        ObDereferenceObject(Found);
    KmtFinishThread(Helper, &Release);
}

START_TEST(PsThreadPriority)
{
    PKTHREAD Thread = KeGetCurrentThread();
    KPRIORITY Old;

    ok_eq_long(KeQueryPriorityThread(Thread), 8L);
    Old = KeSetPriorityThread(Thread, 12);
    ok_eq_long(Old, 8L);
    ok_eq_long(KeQueryPriorityThread(Thread), 12L);
    Old = KeSetPriorityThread(Thread, 8);
    ok_eq_long(Old, 12L);
    ok_eq_long(KeQueryPriorityThread(Thread), 8L);
}
