/*
 * KeIrqlSpin.c - kmtest-style tests of IRQL and spin locks: raising and lowering
 * return the previous level, a spin lock raises to DISPATCH_LEVEL and is seen held,
 * an in-stack queued lock keeps the old IRQL in its handle, and two threads
 * incrementing under one lock lose no update.
 */
#include <kmt_test.h>

#define CONTENTION_ROUNDS 20000

typedef struct {
    KSPIN_LOCK Lock;
    volatile LONG Counter;
    KEVENT Go;
} SHARED_COUNTER;

/* In a helper thread: waits for Go, then increments Counter under the lock with a
 * non-atomic read-modify-write. PASSIVE_LEVEL. */
static VOID NTAPI IncrementThread(PVOID Context)
{
    SHARED_COUNTER *Shared = Context;
    KIRQL OldIrql;
    int Round;

    KeWaitForSingleObject(&Shared->Go, Executive, KernelMode, FALSE, NULL);
    for (Round = 0; Round < CONTENTION_ROUNDS; Round++) {
        KeAcquireSpinLock(&Shared->Lock, &OldIrql);
        LONG Value = Shared->Counter;
        KeYieldProcessor();
        Shared->Counter = Value + 1;
        KeReleaseSpinLock(&Shared->Lock, OldIrql);
    }
}

START_TEST(KeIrqlRaiseLower)
{
    KIRQL Irql;
    KIRQL OldIrql, Ignored;

    ok_irql(PASSIVE_LEVEL);
    KeRaiseIrql(APC_LEVEL, &OldIrql);
    ok_eq_int(OldIrql, PASSIVE_LEVEL);
    ok_irql(APC_LEVEL);
    KeRaiseIrql(APC_LEVEL, &Ignored);
    ok_eq_int(Ignored, APC_LEVEL);
    KeRaiseIrql(DISPATCH_LEVEL, &Ignored);
    ok_eq_int(Ignored, APC_LEVEL);
    ok_irql(DISPATCH_LEVEL);
    KeRaiseIrql(HIGH_LEVEL, &Ignored);
    ok_eq_int(Ignored, DISPATCH_LEVEL);
    ok_irql(HIGH_LEVEL);
    KeLowerIrql(DISPATCH_LEVEL);
    ok_irql(DISPATCH_LEVEL);
    KeLowerIrql(OldIrql);
    ok_irql(PASSIVE_LEVEL);
    Irql = KeRaiseIrqlToDpcLevel();
    ok_eq_int(Irql, PASSIVE_LEVEL);
    ok_irql(DISPATCH_LEVEL);
    KmtSetIrql(PASSIVE_LEVEL);
    ok_irql(PASSIVE_LEVEL);
}

START_TEST(KeSpinLockStates)
{
    BOOLEAN Result;
    KSPIN_LOCK Lock;
    KLOCK_QUEUE_HANDLE Handle;
    KIRQL OldIrql;

    KeInitializeSpinLock(&Lock);
    ok_eq_ulongptr(Lock, 0);
    ok_bool_true(KeTestSpinLock(&Lock), "KeTestSpinLock of a free lock returned");
    KeAcquireSpinLock(&Lock, &OldIrql);
    ok_eq_int(OldIrql, PASSIVE_LEVEL);
    ok_irql(DISPATCH_LEVEL);
    ok(Lock != 0, "a held lock is 0\n");
    ok_bool_false(KeTestSpinLock(&Lock), "KeTestSpinLock of a held lock returned");
    KeReleaseSpinLockFromDpcLevel(&Lock);
    ok_irql(DISPATCH_LEVEL);
    ok_bool_true(KeTestSpinLock(&Lock), "KeTestSpinLock of a released lock returned");
    Result = KeTryToAcquireSpinLockAtDpcLevel(&Lock);
    ok_bool_true(Result, "KeTryToAcquireSpinLockAtDpcLevel of a free lock returned");
    ok_bool_false(KeTestSpinLock(&Lock), "KeTestSpinLock of a held lock returned");
    KeReleaseSpinLock(&Lock, OldIrql);
    ok_irql(PASSIVE_LEVEL);
    ok_eq_ulongptr(Lock, 0);

    KeAcquireInStackQueuedSpinLock(&Lock, &Handle);
    ok_irql(DISPATCH_LEVEL);
    ok_eq_int(Handle.OldIrql, PASSIVE_LEVEL);
    ok_eq_pointer((PVOID)((ULONG_PTR)Handle.LockQueue.Lock & ~(ULONG_PTR)3), (PVOID)&Lock);
    ok_bool_false(KeTestSpinLock(&Lock), "KeTestSpinLock of a held queued lock returned");
    KeReleaseInStackQueuedSpinLock(&Handle);
    ok_irql(PASSIVE_LEVEL);
    ok_eq_ulongptr(Lock, 0);
}

START_TEST(KeSpinLockContention)
{
    SHARED_COUNTER Shared;
    PKTHREAD Threads[2];

    KeInitializeSpinLock(&Shared.Lock);
    KeInitializeEvent(&Shared.Go, NotificationEvent, FALSE);
    Shared.Counter = 0;
    Threads[0] = KmtStartThread(IncrementThread, &Shared);
    Threads[1] = KmtStartThread(IncrementThread, &Shared);
    KeSetEvent(&Shared.Go, IO_NO_INCREMENT, FALSE);
    KmtFinishThread(Threads[0], NULL);
    KmtFinishThread(Threads[1], NULL);
    ok_eq_long(Shared.Counter, 2L * CONTENTION_ROUNDS);
    ok_eq_ulongptr(Shared.Lock, 0);
}
