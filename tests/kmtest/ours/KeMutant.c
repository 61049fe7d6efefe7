/*
 * KeMutant.c - kmtest-style tests of mutexes and mutants: recursive ownership and
 * the state it shows, the kernel-APC disable a KMUTEX holds, a release by a
 * non-owner raising STATUS_MUTANT_NOT_OWNED, and abandonment at thread exit.
 */
#include <kmt_test.h>

/* In a helper thread: takes the mutant and exits holding it. PASSIVE_LEVEL. */
static VOID NTAPI TakeAndExit(PVOID Context)
{
    NTSTATUS Status;
    Status = KeWaitForSingleObject(Context, Executive, KernelMode, FALSE, NULL);
    ok_eq_hex(Status, STATUS_SUCCESS);
}

START_TEST(KeMutexRecursion)
{
    NTSTATUS Status;
    LONG State;
    KMUTEX Mutex;
    LARGE_INTEGER Zero = {.QuadPart = 0};

    KeInitializeMutex(&Mutex, 0);
    ok_eq_long(KeReadStateMutex(&Mutex), 1L);
    ok_eq_pointer(Mutex.OwnerThread, NULL);
    ok_bool_false(KeAreApcsDisabled(), "KeAreApcsDisabled returned");
    Status = KeWaitForSingleObject(&Mutex, Executive, KernelMode, FALSE, &Zero);
    ok_eq_hex(Status, STATUS_SUCCESS);
    ok_eq_long(KeReadStateMutex(&Mutex), 0L);
    ok_eq_pointer(Mutex.OwnerThread, KeGetCurrentThread());
    ok_bool_true(KeAreApcsDisabled(), "KeAreApcsDisabled returned");
    Status = KeWaitForSingleObject(&Mutex, Executive, KernelMode, FALSE, &Zero);
    ok_eq_hex(Status, STATUS_SUCCESS);
    ok_eq_long(KeReadStateMutex(&Mutex), -1L);
    State = KeReleaseMutex(&Mutex, FALSE);
    ok_eq_long(State, -1L);
    ok_eq_pointer(Mutex.OwnerThread, KeGetCurrentThread());
    State = KeReleaseMutex(&Mutex, FALSE);
    ok_eq_long(State, 0L);
    ok_eq_long(KeReadStateMutex(&Mutex), 1L);
    ok_eq_pointer(Mutex.OwnerThread, NULL);
    ok_bool_false(KeAreApcsDisabled(), "KeAreApcsDisabled returned");
}

START_TEST(KeMutantNotOwned)
{
    LONG State;
    KMUTANT Mutant;

    KeInitializeMutant(&Mutant, FALSE);
    ok_eq_long(KeReadStateMutant(&Mutant), 1L);
    KmtStartSeh()
        KeReleaseMutant(&Mutant, IO_NO_INCREMENT, FALSE, FALSE);
    KmtEndSeh(STATUS_MUTANT_NOT_OWNED);
    ok_eq_long(KeReadStateMutant(&Mutant), 1L);

    KeInitializeMutant(&Mutant, TRUE);
    ok_eq_long(KeReadStateMutant(&Mutant), 0L);
    ok_eq_pointer(Mutant.OwnerThread, KeGetCurrentThread());
    ok_bool_false(KeAreApcsDisabled(), "a mutant disabled APCs:");
    State = KeReleaseMutant(&Mutant, IO_NO_INCREMENT, FALSE, FALSE);
    ok_eq_long(State, 0L);
    ok_eq_long(KeReadStateMutant(&Mutant), 1L);
}

START_TEST(KeMutantAbandon)
{
    NTSTATUS Status;
    LONG State;
    KMUTANT Mutant;
    PKTHREAD Thread;
    LARGE_INTEGER Limit = {.QuadPart = -10LL * SECOND};

    KeInitializeMutant(&Mutant, FALSE);
    Thread = KmtStartThread(TakeAndExit, &Mutant);
    KmtFinishThread(Thread, NULL);
    ok_bool_true(Mutant.Abandoned, "Mutant.Abandoned is");
    ok_eq_long(KeReadStateMutant(&Mutant), 1L);
    Status = KeWaitForSingleObject(&Mutant, Executive, KernelMode, FALSE, &Limit);
    ok_eq_hex(Status, STATUS_ABANDONED);
    ok_eq_pointer(Mutant.OwnerThread, KeGetCurrentThread());
    ok_bool_false(Mutant.Abandoned, "Mutant.Abandoned is");
    State = KeReleaseMutant(&Mutant, IO_NO_INCREMENT, FALSE, FALSE);
    ok_eq_long(State, 0L);
}
