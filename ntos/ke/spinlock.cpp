// spinlock.cpp - executive spin locks, queued spin locks (in-stack and numbered) and
// the dispatcher / PRCB / thread locks. A held executive lock records its owner, so
// recursion and foreign release bugcheck with SPIN_LOCK_ALREADY_OWNED /
// SPIN_LOCK_NOT_OWNED, as checked builds do. A queued lock's word points at the tail
// of an MCS queue of KSPIN_LOCK_QUEUE entries instead. The dispatcher lock is the
// numbered queued lock LockQueueDispatcherLock, as on NT.
#include "ke.h"

KSPIN_LOCK KiDispatcherLock;
// The numbered locks other than the dispatcher lock. NT points those entries at the
// locks of mm, io and cc; those parts are not hosted, so the locks live here.
KSPIN_LOCK KiQueuedSpinLocks[LockQueueMaximumLock];

namespace {

// The owner mark of the PRCB and thread locks: this processor (the running thread
// changes while a PRCB lock is held).
inline KSPIN_LOCK ProcessorOwner()
{
    return reinterpret_cast<KSPIN_LOCK>(KiGetCurrentPrcb()) | 1;
}

// The owner mark of an executive spin lock: the current thread, as ReactOS's checked
// multiprocessor build marks it (Thread | 1).
inline KSPIN_LOCK ThreadOwner()
{
    PKPRCB Prcb = KiGetCurrentPrcb();
    PKTHREAD Thread = Prcb->CurrentThread;
    return Thread ? reinterpret_cast<KSPIN_LOCK>(Thread) | 1 : reinterpret_cast<KSPIN_LOCK>(Prcb) | 1;
}

// TRUE if lock word Value names the caller: an owner mark of this thread or
// processor, this processor's numbered queue entry, or a queue entry on the current
// thread's stack (an in-stack handle it holds or waits with).
inline bool HeldByCaller(KSPIN_LOCK Value)
{
    if (Value == ThreadOwner() || Value == ProcessorOwner())
        return true;
    PKSPIN_LOCK_QUEUE Entries = KiGetCurrentPrcb()->LockQueue;
    if (Value >= reinterpret_cast<KSPIN_LOCK>(Entries) &&
        Value < reinterpret_cast<KSPIN_LOCK>(Entries + LockQueueMaximumLock))
        return true;
    PKTHREAD Thread = KiGetCurrentThread();
    return Thread && Value >= reinterpret_cast<KSPIN_LOCK>(Thread->StackLimit) &&
           Value < reinterpret_cast<KSPIN_LOCK>(Thread->StackBase);
}

[[noreturn]] inline void AlreadyOwned(PKSPIN_LOCK SpinLock, KSPIN_LOCK Value)
{
    KeBugCheckEx(SPIN_LOCK_ALREADY_OWNED, reinterpret_cast<ULONG_PTR>(SpinLock), Value, 0, 0);
}

// NT's uniprocessor kernel: with one processor (fixed before the machine starts) no
// one else can hold a lock, so the owner is recorded without an interlocked operation.
inline bool Uniprocessor() { return KeNumberProcessors == 1; }

inline void AcquireRaw(PKSPIN_LOCK SpinLock, KSPIN_LOCK Owner)
{
    if (Uniprocessor()) {
        if (__atomic_load_n(SpinLock, __ATOMIC_RELAXED) != 0)
            KeBugCheckEx(SPIN_LOCK_ALREADY_OWNED, reinterpret_cast<ULONG_PTR>(SpinLock), 0, 0, 0);
        __atomic_store_n(SpinLock, Owner, __ATOMIC_RELAXED);
        return;
    }
    for (;;) {
        KSPIN_LOCK Expected = 0;
        if (__atomic_compare_exchange_n(SpinLock, &Expected, Owner, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
        if (HeldByCaller(Expected))
            AlreadyOwned(SpinLock, Expected);
        while (__atomic_load_n(SpinLock, __ATOMIC_RELAXED) != 0)
            KeYieldProcessor();
    }
}

inline bool TryAcquireRaw(PKSPIN_LOCK SpinLock, KSPIN_LOCK Owner)
{
    KSPIN_LOCK Expected = 0;
    if (__atomic_compare_exchange_n(SpinLock, &Expected, Owner, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return true;
    if (HeldByCaller(Expected))
        AlreadyOwned(SpinLock, Expected);
    return false;
}

inline void ReleaseRaw(PKSPIN_LOCK SpinLock, KSPIN_LOCK Owner)
{
    if (__atomic_load_n(SpinLock, __ATOMIC_RELAXED) != Owner)
        KeBugCheckEx(SPIN_LOCK_NOT_OWNED, reinterpret_cast<ULONG_PTR>(SpinLock), 0, 0, 0);
    __atomic_store_n(SpinLock, 0, __ATOMIC_RELEASE);
}

inline void RequireDispatchLevel()
{
    KIRQL Irql = KiGetCurrentIrql();
    if (Irql < DISPATCH_LEVEL)
        KeBugCheckEx(IRQL_NOT_GREATER_OR_EQUAL, Irql, DISPATCH_LEVEL, 0, 0);
}

inline ULONG_PTR QueueLockValue(PKSPIN_LOCK_QUEUE LockQueue)
{
    return reinterpret_cast<ULONG_PTR>(__atomic_load_n(&LockQueue->Lock, __ATOMIC_ACQUIRE));
}

inline void SetQueueLock(PKSPIN_LOCK_QUEUE LockQueue, PKSPIN_LOCK SpinLock, ULONG_PTR State)
{
    auto Value = reinterpret_cast<PKSPIN_LOCK>(reinterpret_cast<ULONG_PTR>(SpinLock) | State);
    __atomic_store_n(&LockQueue->Lock, Value, __ATOMIC_RELEASE);
}

// The MCS acquire behind every queued lock. With one processor no one can be queued
// ahead, so the word and entry are written without an interlocked operation.
inline void AcquireQueued(PKSPIN_LOCK_QUEUE LockQueue)
{
    PKSPIN_LOCK SpinLock = LockQueue->Lock;
    if (reinterpret_cast<ULONG_PTR>(SpinLock) & (LOCK_QUEUE_WAIT | LOCK_QUEUE_OWNER))
        AlreadyOwned(SpinLock, reinterpret_cast<ULONG_PTR>(LockQueue));
    if (Uniprocessor()) {
        KSPIN_LOCK Held = __atomic_load_n(SpinLock, __ATOMIC_RELAXED);
        if (Held)
            AlreadyOwned(SpinLock, Held);
        __atomic_store_n(SpinLock, reinterpret_cast<KSPIN_LOCK>(LockQueue), __ATOMIC_RELAXED);
        SetQueueLock(LockQueue, SpinLock, LOCK_QUEUE_OWNER);
        return;
    }
    auto Tail = __atomic_exchange_n(SpinLock, reinterpret_cast<KSPIN_LOCK>(LockQueue), __ATOMIC_ACQ_REL);
    if (!Tail) {
        SetQueueLock(LockQueue, SpinLock, LOCK_QUEUE_OWNER);
        return;
    }
    // An odd word is an ordinary owner's mark: the lock is held the other way.
    if ((Tail & 1) || HeldByCaller(Tail))
        AlreadyOwned(SpinLock, Tail);
    SetQueueLock(LockQueue, SpinLock, LOCK_QUEUE_WAIT);
    __atomic_store_n(&reinterpret_cast<PKSPIN_LOCK_QUEUE>(Tail)->Next, LockQueue, __ATOMIC_RELEASE);
    while (QueueLockValue(LockQueue) & LOCK_QUEUE_WAIT)
        KeYieldProcessor();
}

// The MCS release: hands the lock to the next entry, or frees it if there is none.
inline void ReleaseQueued(PKSPIN_LOCK_QUEUE LockQueue)
{
    ULONG_PTR Value = QueueLockValue(LockQueue);
    auto SpinLock = reinterpret_cast<PKSPIN_LOCK>(Value & ~static_cast<ULONG_PTR>(LOCK_QUEUE_WAIT | LOCK_QUEUE_OWNER));
    if (!(Value & LOCK_QUEUE_OWNER) || !__atomic_load_n(SpinLock, __ATOMIC_RELAXED))
        KeBugCheckEx(SPIN_LOCK_NOT_OWNED, reinterpret_cast<ULONG_PTR>(SpinLock), reinterpret_cast<ULONG_PTR>(LockQueue),
                     0, 0);
    SetQueueLock(LockQueue, SpinLock, 0);
    if (Uniprocessor()) {
        __atomic_store_n(SpinLock, 0, __ATOMIC_RELAXED);
        return;
    }
    PKSPIN_LOCK_QUEUE Next = __atomic_load_n(&LockQueue->Next, __ATOMIC_ACQUIRE);
    if (!Next) {
        KSPIN_LOCK Expected = reinterpret_cast<KSPIN_LOCK>(LockQueue);
        if (__atomic_compare_exchange_n(SpinLock, &Expected, 0, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
            return;
        // A waiter has swapped itself in as the tail but not yet linked behind us.
        while (!(Next = __atomic_load_n(&LockQueue->Next, __ATOMIC_ACQUIRE)))
            KeYieldProcessor();
    }
    LockQueue->Next = NULL;
    SetQueueLock(Next, SpinLock, LOCK_QUEUE_OWNER);
}

inline PKSPIN_LOCK_QUEUE KiDispatcherLockQueue()
{
    return &KiGetCurrentPrcb()->LockQueue[LockQueueDispatcherLock];
}

inline void AcquireInStack(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    LockHandle->LockQueue.Next = NULL;
    LockHandle->LockQueue.Lock = SpinLock;
    AcquireQueued(&LockHandle->LockQueue);
}

// This processor's entry for numbered lock Number; a number out of range fails
// the checked build's assertion. At or above DISPATCH_LEVEL.
PKSPIN_LOCK_QUEUE KiNumberedLockQueue(KSPIN_LOCK_QUEUE_NUMBER Number)
{
    ASSERT((ULONG)Number < LockQueueMaximumLock);
    return &KiGetCurrentPrcb()->LockQueue[Number];
}

// One attempt at a queued lock through LockQueue: it takes the lock only if no one
// holds it or waits for it. A lock the caller holds is SPIN_LOCK_ALREADY_OWNED.
bool KiTryToAcquireQueuedSpinLock(PKSPIN_LOCK_QUEUE LockQueue)
{
    PKSPIN_LOCK SpinLock = LockQueue->Lock;
    if (reinterpret_cast<ULONG_PTR>(SpinLock) & (LOCK_QUEUE_WAIT | LOCK_QUEUE_OWNER))
        AlreadyOwned(SpinLock, reinterpret_cast<ULONG_PTR>(LockQueue));
    KSPIN_LOCK Expected = 0;
    if (__atomic_compare_exchange_n(SpinLock, &Expected, reinterpret_cast<KSPIN_LOCK>(LockQueue), false,
                                    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        SetQueueLock(LockQueue, SpinLock, LOCK_QUEUE_OWNER);
        return true;
    }
    if (HeldByCaller(Expected))
        AlreadyOwned(SpinLock, Expected);
    return false;
}

} // namespace

// Initializes a spin lock to the released state. Any IRQL.
extern "C" VOID NTAPI KeInitializeSpinLock(PKSPIN_LOCK SpinLock)
{
    *SpinLock = 0;
}

// Raises to DISPATCH_LEVEL and acquires the lock; returns the previous IRQL.
// At or below DISPATCH_LEVEL.
extern "C" KIRQL NTAPI KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock)
{
    KIRQL OldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    AcquireRaw(SpinLock, ThreadOwner());
    return OldIrql;
}

// Releases the lock and lowers IRQL to NewIrql. At DISPATCH_LEVEL.
extern "C" VOID NTAPI KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql)
{
    ReleaseRaw(SpinLock, ThreadOwner());
    KeLowerIrql(NewIrql);
}

// Acquires the lock without changing IRQL. At or above DISPATCH_LEVEL.
extern "C" VOID NTAPI KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)
{
    RequireDispatchLevel();
    AcquireRaw(SpinLock, ThreadOwner());
}

// Releases the lock without changing IRQL. At or above DISPATCH_LEVEL.
extern "C" VOID NTAPI KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock)
{
    RequireDispatchLevel();
    ReleaseRaw(SpinLock, ThreadOwner());
}

// Raises to SYNCH_LEVEL and acquires the lock; returns the previous IRQL.
// At or below SYNCH_LEVEL.
extern "C" KIRQL FASTCALL KeAcquireSpinLockRaiseToSynch(PKSPIN_LOCK SpinLock)
{
    KIRQL OldIrql = KeRaiseIrqlToSynchLevel();
    AcquireRaw(SpinLock, ThreadOwner());
    return OldIrql;
}

// TRUE if the lock is free right now (a hint for spin-then-acquire). Any IRQL.
extern "C" BOOLEAN FASTCALL KeTestSpinLock(PKSPIN_LOCK SpinLock)
{
    if (__atomic_load_n(SpinLock, __ATOMIC_RELAXED) == 0)
        return TRUE;
    KeYieldProcessor();
    return FALSE;
}

// One attempt at a thread or PRCB lock; TRUE if it is now held, and a lock the
// caller already holds is SPIN_LOCK_ALREADY_OWNED. At SYNCH_LEVEL.
extern "C" BOOLEAN NTAPI KiTryToAcquireSpinLock(PKSPIN_LOCK SpinLock)
{
    return TryAcquireRaw(SpinLock, ProcessorOwner());
}

// One attempt to acquire an executive spin lock; TRUE if it is now held, and a lock
// the caller already holds is SPIN_LOCK_ALREADY_OWNED. At or above DISPATCH_LEVEL.
extern "C" BOOLEAN FASTCALL KeTryToAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)
{
    RequireDispatchLevel();
    return TryAcquireRaw(SpinLock, ThreadOwner());
}

// Joins the lock's queue through LockQueue (its Lock already set to the lock) and
// spins on the entry until the predecessor hands over. At or above DISPATCH_LEVEL.
extern "C" VOID FASTCALL KeAcquireQueuedSpinLockAtDpcLevel(PKSPIN_LOCK_QUEUE LockQueue)
{
    AcquireQueued(LockQueue);
}

// Releases the lock held through LockQueue, handing it to the next waiter if there is
// one; an entry that does not own its lock is SPIN_LOCK_NOT_OWNED. At or above
// DISPATCH_LEVEL.
extern "C" VOID FASTCALL KeReleaseQueuedSpinLockFromDpcLevel(PKSPIN_LOCK_QUEUE LockQueue)
{
    ReleaseQueued(LockQueue);
}

// Raises to DISPATCH_LEVEL and acquires the lock as a queued lock through the
// caller's LockHandle. At or below DISPATCH_LEVEL.
extern "C" VOID FASTCALL KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    LockHandle->OldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    AcquireInStack(SpinLock, LockHandle);
}

// Raises to SYNCH_LEVEL and acquires the lock as a queued lock. At or below
// SYNCH_LEVEL.
extern "C" VOID FASTCALL KeAcquireInStackQueuedSpinLockRaiseToSynch(PKSPIN_LOCK SpinLock,
                                                                    PKLOCK_QUEUE_HANDLE LockHandle)
{
    LockHandle->OldIrql = KeRaiseIrqlToSynchLevel();
    AcquireInStack(SpinLock, LockHandle);
}

// Releases a queued lock and lowers IRQL to the level saved in the handle. At the
// IRQL the acquire raised to.
extern "C" VOID FASTCALL KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE LockHandle)
{
    KIRQL OldIrql = LockHandle->OldIrql;
    KeReleaseQueuedSpinLockFromDpcLevel(&LockHandle->LockQueue);
    KeLowerIrql(OldIrql);
}

// Acquires the lock as a queued lock without changing IRQL (OldIrql is left as it
// is). At or above DISPATCH_LEVEL.
extern "C" VOID FASTCALL KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock,
                                                                  PKLOCK_QUEUE_HANDLE LockHandle)
{
    RequireDispatchLevel();
    AcquireInStack(SpinLock, LockHandle);
}

// Releases a queued lock without changing IRQL. At or above DISPATCH_LEVEL.
extern "C" VOID FASTCALL KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE LockHandle)
{
    RequireDispatchLevel();
    KeReleaseQueuedSpinLockFromDpcLevel(&LockHandle->LockQueue);
}

// Acquires a queued lock from a DPC routine: a threaded one below DISPATCH_LEVEL is
// raised to DISPATCH_LEVEL, an ordinary one keeps its IRQL. Any IRQL.
extern "C" VOID FASTCALL KeAcquireInStackQueuedSpinLockForDpc(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    // Windows asks the PRCB whether a threaded DPC is running; there are none here,
    // so the IRQL says which kind of caller this is.
    KIRQL Irql = KiGetCurrentIrql();
    LockHandle->OldIrql = KfRaiseIrql(Irql < DISPATCH_LEVEL ? DISPATCH_LEVEL : Irql);
    AcquireInStack(SpinLock, LockHandle);
}

// Releases a lock taken by KeAcquireInStackQueuedSpinLockForDpc, back to the IRQL it
// was called at. At the IRQL the acquire left.
extern "C" VOID FASTCALL KeReleaseInStackQueuedSpinLockForDpc(PKLOCK_QUEUE_HANDLE LockHandle)
{
    KeReleaseInStackQueuedSpinLock(LockHandle);
}

// Raises to DISPATCH_LEVEL and acquires numbered lock Number through this
// processor's entry; returns the previous IRQL. At or below DISPATCH_LEVEL.
extern "C" KIRQL FASTCALL KeAcquireQueuedSpinLock(KSPIN_LOCK_QUEUE_NUMBER Number)
{
    KIRQL OldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    AcquireQueued(KiNumberedLockQueue(Number));
    return OldIrql;
}

// As KeAcquireQueuedSpinLock, raising to SYNCH_LEVEL. At or below SYNCH_LEVEL.
extern "C" KIRQL FASTCALL KeAcquireQueuedSpinLockRaiseToSynch(KSPIN_LOCK_QUEUE_NUMBER Number)
{
    KIRQL OldIrql = KeRaiseIrqlToSynchLevel();
    AcquireQueued(KiNumberedLockQueue(Number));
    return OldIrql;
}

// Releases numbered lock Number and lowers IRQL to OldIrql. At the IRQL the acquire
// raised to.
extern "C" VOID FASTCALL KeReleaseQueuedSpinLock(KSPIN_LOCK_QUEUE_NUMBER Number, KIRQL OldIrql)
{
    ReleaseQueued(KiNumberedLockQueue(Number));
    KeLowerIrql(OldIrql);
}

// Raises to DISPATCH_LEVEL and makes one attempt at numbered lock Number: TRUE with
// *OldIrql set if it is held, else FALSE at the caller's IRQL. At or below
// DISPATCH_LEVEL.
extern "C" LOGICAL FASTCALL KeTryToAcquireQueuedSpinLock(KSPIN_LOCK_QUEUE_NUMBER Number, PKIRQL OldIrql)
{
    *OldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    if (KiTryToAcquireQueuedSpinLock(KiNumberedLockQueue(Number)))
        return TRUE;
    KeLowerIrql(*OldIrql);
    return FALSE;
}

// As KeTryToAcquireQueuedSpinLock, raising to SYNCH_LEVEL. At or below SYNCH_LEVEL.
extern "C" BOOLEAN FASTCALL KeTryToAcquireQueuedSpinLockRaiseToSynch(KSPIN_LOCK_QUEUE_NUMBER Number,
                                                                     PKIRQL OldIrql)
{
    *OldIrql = KeRaiseIrqlToSynchLevel();
    if (KiTryToAcquireQueuedSpinLock(KiNumberedLockQueue(Number)))
        return TRUE;
    KeLowerIrql(*OldIrql);
    return FALSE;
}

// Raises to SYNCH_LEVEL and takes the dispatcher lock; returns the previous IRQL.
// At or below SYNCH_LEVEL.
extern "C" KIRQL NTAPI KiAcquireDispatcherLock(VOID)
{
    KIRQL OldIrql = KeRaiseIrqlToSynchLevel();
    AcquireQueued(KiDispatcherLockQueue());
    return OldIrql;
}

// Drops the dispatcher lock and leaves through KiExitDispatcher, which may switch
// to a thread made ready meanwhile. At SYNCH_LEVEL.
extern "C" VOID NTAPI KiReleaseDispatcherLock(KIRQL OldIrql)
{
    ReleaseQueued(KiDispatcherLockQueue());
    KiExitDispatcher(OldIrql);
}

// Takes / drops the dispatcher lock without an IRQL change. At SYNCH_LEVEL.
extern "C" VOID NTAPI KiAcquireDispatcherLockAtSynchLevel(VOID)
{
    AcquireQueued(KiDispatcherLockQueue());
}

extern "C" VOID NTAPI KiReleaseDispatcherLockFromSynchLevel(VOID)
{
    ReleaseQueued(KiDispatcherLockQueue());
}

// Takes / drops a processor's PRCB lock (ready queues, NextThread). At SYNCH_LEVEL.
extern "C" VOID NTAPI KiAcquirePrcbLock(PKPRCB Prcb)
{
    AcquireRaw(&Prcb->PrcbLock, ProcessorOwner());
}

extern "C" VOID NTAPI KiReleasePrcbLock(PKPRCB Prcb)
{
    ReleaseRaw(&Prcb->PrcbLock, ProcessorOwner());
}

// Takes / drops a thread's lock (priorities, affinity, quantum, adjust reason): after
// the dispatcher lock, before any PRCB lock. At SYNCH_LEVEL.
extern "C" VOID NTAPI KiAcquireThreadLock(PKTHREAD Thread)
{
    AcquireRaw(&Thread->ThreadLock, ProcessorOwner());
}

extern "C" VOID NTAPI KiReleaseThreadLock(PKTHREAD Thread)
{
    ReleaseRaw(&Thread->ThreadLock, ProcessorOwner());
}
