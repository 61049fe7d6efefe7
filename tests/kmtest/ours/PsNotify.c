/*
 * PsNotify.c - kmtest-style tests of notify routines: a thread notify routine sees
 * a new thread's creation and exit with its IDs, removal answers
 * STATUS_PROCEDURE_NOT_FOUND for a routine not registered, and the process routine's
 * registration and removal pair up.
 */
#include <kmt_test.h>

#define CREATED_SLOTS 16

static volatile LONG Creates, Exits;
static HANDLE CreatedIds[CREATED_SLOTS];
static HANDLE WatchedThreadId;
static HANDLE SeenProcessId;

/* The thread notify routine: keeps the IDs of created threads and counts the exits
 * of the watched one. PASSIVE_LEVEL, in the creating or the exiting thread. */
static VOID NTAPI ThreadNotify(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create)
{
    if (Create) {
        CreatedIds[InterlockedIncrement(&Creates) % CREATED_SLOTS] = ThreadId;
        return;
    }
    if (ThreadId != WatchedThreadId)
        return;
    SeenProcessId = ProcessId;
    ok_eq_pointer(PsGetCurrentThreadId(), ThreadId);
    InterlockedIncrement(&Exits);
}

/* Whether the notify routine saw ThreadId created. */
static BOOLEAN SawCreation(HANDLE ThreadId)
{
    int Slot;
    for (Slot = 0; Slot < CREATED_SLOTS; Slot++)
        if (CreatedIds[Slot] == ThreadId)
            return TRUE;
    return FALSE;
}

/* A process notify routine that no process creation reaches here. PASSIVE_LEVEL. */
static VOID NTAPI ProcessNotify(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
}

/* In the watched thread: waits until its ID is known. PASSIVE_LEVEL. */
static VOID NTAPI WatchedThread(PVOID Context)
{
    KeWaitForSingleObject(Context, Executive, KernelMode, FALSE, NULL);
}

START_TEST(PsThreadNotify)
{
    NTSTATUS Status;
    KEVENT Release;
    PKTHREAD Thread;

    Creates = Exits = 0;
    RtlZeroMemory(CreatedIds, sizeof(CreatedIds));
    WatchedThreadId = NULL;
    Status = PsRemoveCreateThreadNotifyRoutine(ThreadNotify);
    ok_eq_hex(Status, STATUS_PROCEDURE_NOT_FOUND);
    Status = PsSetCreateThreadNotifyRoutine(ThreadNotify);
    ok_eq_hex(Status, STATUS_SUCCESS);

    KeInitializeEvent(&Release, NotificationEvent, FALSE);
    Thread = KmtStartThread(WatchedThread, &Release);
    if (!skip(Thread != NULL, "no thread\n")) {
        WatchedThreadId = PsGetThreadId((PETHREAD)Thread);
        ok_bool_true(SawCreation(WatchedThreadId), "the routine saw the creation:");
        KmtFinishThread(Thread, &Release);
        ok_eq_long(Exits, 1L);
        ok_eq_pointer(SeenProcessId, PsGetCurrentProcessId());
    }
    Status = PsRemoveCreateThreadNotifyRoutine(ThreadNotify);
    ok_eq_hex(Status, STATUS_SUCCESS);
    Status = PsRemoveCreateThreadNotifyRoutine(ThreadNotify);
    ok_eq_hex(Status, STATUS_PROCEDURE_NOT_FOUND);
}

START_TEST(PsProcessNotifyRegistration)
{
    NTSTATUS Status;

    Status = PsSetCreateProcessNotifyRoutine(ProcessNotify, TRUE);
    ok_eq_hex(Status, STATUS_PROCEDURE_NOT_FOUND);
    Status = PsSetCreateProcessNotifyRoutine(ProcessNotify, FALSE);
    ok_eq_hex(Status, STATUS_SUCCESS);
    /* Windows refuses a routine already registered (ReactOS accepts it twice). */
    Status = PsSetCreateProcessNotifyRoutine(ProcessNotify, FALSE);
    ok_eq_hex(Status, STATUS_INVALID_PARAMETER);
    Status = PsSetCreateProcessNotifyRoutine(ProcessNotify, TRUE);
    ok_eq_hex(Status, STATUS_SUCCESS);
    Status = PsSetCreateProcessNotifyRoutine(ProcessNotify, TRUE);
    ok_eq_hex(Status, STATUS_PROCEDURE_NOT_FOUND);
}
