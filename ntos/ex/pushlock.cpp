// pushlock.cpp - push locks: one pointer-sized word that is a share count while
// nobody waits, and then a pointer to the newest waiter's on-stack wait block. The
// low bits say locked, waiting, waking (one thread is walking the waiter list) and
// multiple shared (the owners' share count moved into the oldest waiter's block).
// A waiter sleeps on its block's gate, or on its event for ExBlockPushLock. The
// waiter list runs newest to oldest through Next; the thread that owns the waking
// bit fills in Previous back links and caches the oldest block in the newest one's
// Last, so later walks stop early (the optimised list). Callers hold a critical
// region or run at APC_LEVEL; a contended call at DISPATCH_LEVEL or above bugchecks
// in the wait (IRQL_NOT_LESS_OR_EQUAL).
#include "ke.h"
#include "ex.h"

namespace {

void ExpOptimizePushLockList(PEX_PUSH_LOCK PushLock, ULONG_PTR Old);

// ExfWakePushLock on a lock word value.
inline void ExpWakePushLock(PEX_PUSH_LOCK PushLock, ULONG_PTR Value)
{
    EX_PUSH_LOCK OldValue;
    OldValue.Value = Value;
    ExfWakePushLock(PushLock, OldValue);
}

inline PEX_PUSH_LOCK_WAIT_BLOCK ExpWaitBlockOf(ULONG_PTR Value)
{
    return reinterpret_cast<PEX_PUSH_LOCK_WAIT_BLOCK>(Value & ~(ULONG_PTR)EX_PUSH_LOCK_PTR_BITS);
}

// Last is cached by the waking thread while releasers may read it.
inline PEX_PUSH_LOCK_WAIT_BLOCK ExpLastWaitBlock(PEX_PUSH_LOCK_WAIT_BLOCK WaitBlock)
{
    return __atomic_load_n(&WaitBlock->Last, __ATOMIC_ACQUIRE);
}

inline void ExpSetLastWaitBlock(PEX_PUSH_LOCK_WAIT_BLOCK WaitBlock, PEX_PUSH_LOCK_WAIT_BLOCK Last)
{
    __atomic_store_n(&WaitBlock->Last, Last, __ATOMIC_RELEASE);
}

// The oldest waiter of a list whose newest block is First, following Next until a
// block knows it. With Link (only the thread owning the waking bit), fills in the
// Previous links on the way. Any IRQL.
PEX_PUSH_LOCK_WAIT_BLOCK ExpFindOldestWaitBlock(PEX_PUSH_LOCK_WAIT_BLOCK First, BOOLEAN Link)
{
    PEX_PUSH_LOCK_WAIT_BLOCK WaitBlock = First, Last;
    while (!(Last = ExpLastWaitBlock(WaitBlock))) {
        PEX_PUSH_LOCK_WAIT_BLOCK Next = WaitBlock->Next;
        if (Link)
            Next->Previous = WaitBlock;
        WaitBlock = Next;
    }
    return Last;
}

// Sleeps on a published wait block's gate until a waker clears its wait bit; returns
// at once if the waker got there first. At or below APC_LEVEL.
void ExpWaitForPushLockWake(PEX_PUSH_LOCK_WAIT_BLOCK WaitBlock)
{
    KeInitializeGate(&WaitBlock->WakeGate);
    if (InterlockedBitTestAndReset(&WaitBlock->Flags, EX_PUSH_LOCK_FLAGS_WAIT_V))
        KeWaitForGate(&WaitBlock->WakeGate, WrPushLock, KernelMode);
    ASSERT(WaitBlock->ShareCount == 0);
}

// Links the caller's wait block in front of the waiters (or as the first one) and
// sleeps until woken; Flags says exclusive or shared. A first exclusive waiter behind
// several shared owners takes over their count. At or below APC_LEVEL.
void ExpQueueAndWaitPushLock(PEX_PUSH_LOCK PushLock, ULONG_PTR &Old, LONG Flags)
{
    EX_PUSH_LOCK_WAIT_BLOCK Block;
    Block.Flags = Flags | EX_PUSH_LOCK_FLAGS_WAIT;
    Block.Previous = NULL;
    Block.ShareCount = 0;
    ULONG_PTR New;
    BOOLEAN Optimize = FALSE;
    if (Old & EX_PUSH_LOCK_WAITING) {
        Block.Next = ExpWaitBlockOf(Old);
        Block.Last = NULL;
        New = (Old & (EX_PUSH_LOCK_MULTIPLE_SHARED | EX_PUSH_LOCK_LOCK)) | EX_PUSH_LOCK_WAKING |
              EX_PUSH_LOCK_WAITING | reinterpret_cast<ULONG_PTR>(&Block);
        Optimize = !(Old & EX_PUSH_LOCK_WAKING);
    } else {
        Block.Next = NULL;
        Block.Last = &Block;
        ULONG_PTR Shared = Old >> 4;
        if ((Flags & EX_PUSH_LOCK_FLAGS_EXCLUSIVE) && Shared > 1) {
            Block.ShareCount = (LONG)Shared;
            New = EX_PUSH_LOCK_MULTIPLE_SHARED | EX_PUSH_LOCK_LOCK;
        } else {
            New = Old & EX_PUSH_LOCK_LOCK;
        }
        New |= EX_PUSH_LOCK_WAITING | reinterpret_cast<ULONG_PTR>(&Block);
    }
    if (!ExpCompareExchangePushLock(PushLock, &Old, New))
        return;
    if (Optimize)
        ExpOptimizePushLockList(PushLock, New);
    ExpWaitForPushLockWake(&Block);
    Old = ExpReadPushLock(PushLock);
}

// Drops a shared hold while nobody waits: one share less, or the lock free. FALSE,
// with Old current, once waiters appear. At or below APC_LEVEL.
BOOLEAN ExpReleaseSharedWithoutWaiters(PEX_PUSH_LOCK PushLock, ULONG_PTR &Old)
{
    while (!(Old & EX_PUSH_LOCK_WAITING)) {
        ULONG_PTR New = (Old >> 4) > 1 ? Old - EX_PUSH_LOCK_SHARE_INC : 0;
        if (ExpCompareExchangePushLock(PushLock, &Old, New))
            return TRUE;
    }
    return FALSE;
}

// With waiters queued behind several shared owners, their count lives in the oldest
// waiter's block: drops one. TRUE if other owners remain. At or below APC_LEVEL.
BOOLEAN ExpReleaseMovedShare(ULONG_PTR Old)
{
    if (!(Old & EX_PUSH_LOCK_MULTIPLE_SHARED))
        return FALSE;
    PEX_PUSH_LOCK_WAIT_BLOCK Oldest = ExpFindOldestWaitBlock(ExpWaitBlockOf(Old), FALSE);
    if (__atomic_load_n(&Oldest->ShareCount, __ATOMIC_ACQUIRE) <= 0)
        return FALSE;
    ASSERT(__atomic_load_n(&Oldest->Flags, __ATOMIC_RELAXED) & EX_PUSH_LOCK_FLAGS_EXCLUSIVE);
    return InterlockedDecrement(&Oldest->ShareCount) > 0;
}

// The last owner's release with waiters queued: clears the lock and multiple-shared
// bits and, unless another thread is already waking, takes the waking bit and wakes.
// At or below APC_LEVEL.
void ExpReleaseLastOwner(PEX_PUSH_LOCK PushLock, ULONG_PTR Old)
{
    for (;;) {
        ULONG_PTR New = Old & ~(ULONG_PTR)(EX_PUSH_LOCK_LOCK | EX_PUSH_LOCK_MULTIPLE_SHARED);
        BOOLEAN Wake = (Old & (EX_PUSH_LOCK_WAITING | EX_PUSH_LOCK_WAKING)) == EX_PUSH_LOCK_WAITING;
        if (Wake)
            New |= EX_PUSH_LOCK_WAKING;
        if (ExpCompareExchangePushLock(PushLock, &Old, New)) {
            if (Wake)
                ExpWakePushLock(PushLock, New);
            return;
        }
    }
}

// Signals the waiters from Oldest back through Previous, each through its gate
// unless it has not gone to sleep yet; at DISPATCH_LEVEL while there are several.
// At or below DISPATCH_LEVEL.
void ExpSignalPushLockWaiters(PEX_PUSH_LOCK_WAIT_BLOCK Oldest)
{
    KIRQL OldIrql = DISPATCH_LEVEL;
    if (Oldest->Previous)
        OldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    for (PEX_PUSH_LOCK_WAIT_BLOCK WaitBlock = Oldest, Previous; WaitBlock; WaitBlock = Previous) {
        Previous = WaitBlock->Previous;
        if (!InterlockedBitTestAndReset(&WaitBlock->Flags, EX_PUSH_LOCK_FLAGS_WAIT_V))
            KeSignalGateBoostPriority(&WaitBlock->WakeGate);
    }
    if (OldIrql != DISPATCH_LEVEL)
        KeLowerIrql(OldIrql);
}

} // namespace

// Called by the thread that set the waking bit, with waiters queued: finishes the
// waiter list and wakes the oldest exclusive waiter alone, or every waiter if the
// oldest is shared; if the lock was taken meanwhile, only drops the waking bit (the
// new owner's release wakes). At or below APC_LEVEL.
extern "C" VOID FASTCALL ExfWakePushLock(PEX_PUSH_LOCK PushLock, EX_PUSH_LOCK OldValue)
{
    ULONG_PTR Old = OldValue.Value;
    PEX_PUSH_LOCK_WAIT_BLOCK Oldest;
    for (;;) {
        ASSERT(!(Old & EX_PUSH_LOCK_MULTIPLE_SHARED));
        while (Old & EX_PUSH_LOCK_LOCK) {
            if (ExpCompareExchangePushLock(PushLock, &Old, Old & ~(ULONG_PTR)EX_PUSH_LOCK_WAKING))
                return;
        }
        PEX_PUSH_LOCK_WAIT_BLOCK Newest = ExpWaitBlockOf(Old);
        Oldest = ExpFindOldestWaitBlock(Newest, TRUE);
        PEX_PUSH_LOCK_WAIT_BLOCK Previous = Oldest->Previous;
        if ((__atomic_load_n(&Oldest->Flags, __ATOMIC_RELAXED) & EX_PUSH_LOCK_FLAGS_EXCLUSIVE) && Previous) {
            ExpSetLastWaitBlock(Newest, Previous);
            Oldest->Previous = NULL;
            __atomic_fetch_and(&PushLock->Value, ~(ULONG_PTR)EX_PUSH_LOCK_WAKING, __ATOMIC_SEQ_CST);
            break;
        }
        if (ExpCompareExchangePushLock(PushLock, &Old, 0))
            break;
    }
    ExpSignalPushLockWaiters(Oldest);
}

namespace {

// Called by a new waiter that set the waking bit: while the lock is held, caches the
// oldest waiter in the newest block and drops the waking bit; if the lock was freed
// meanwhile, wakes instead. At or below APC_LEVEL.
void ExpOptimizePushLockList(PEX_PUSH_LOCK PushLock, ULONG_PTR Old)
{
    for (;;) {
        if (!(Old & EX_PUSH_LOCK_LOCK)) {
            ExpWakePushLock(PushLock, Old);
            return;
        }
        PEX_PUSH_LOCK_WAIT_BLOCK Newest = ExpWaitBlockOf(Old);
        ExpSetLastWaitBlock(Newest, ExpFindOldestWaitBlock(Newest, TRUE));
        if (ExpCompareExchangePushLock(PushLock, &Old, Old & ~(ULONG_PTR)EX_PUSH_LOCK_WAKING))
            return;
    }
}

} // namespace

// Takes a push lock exclusively once it is free, queueing behind its owners and
// waiters meanwhile (the slow path of ExAcquirePushLockExclusive). At or below APC_LEVEL.
extern "C" VOID FASTCALL ExfAcquirePushLockExclusive(PEX_PUSH_LOCK PushLock)
{
    ULONG_PTR Old = ExpReadPushLock(PushLock);
    for (;;) {
        if (!(Old & EX_PUSH_LOCK_LOCK)) {
            if (ExpCompareExchangePushLock(PushLock, &Old, Old | EX_PUSH_LOCK_LOCK))
                return;
        } else {
            ExpQueueAndWaitPushLock(PushLock, Old, EX_PUSH_LOCK_FLAGS_EXCLUSIVE);
        }
    }
}

// Takes a push lock shared: joins the owners while it is free or shared with nobody
// waiting, else queues (the slow path of ExAcquirePushLockShared). At or below APC_LEVEL.
extern "C" VOID FASTCALL ExfAcquirePushLockShared(PEX_PUSH_LOCK PushLock)
{
    ULONG_PTR Old = ExpReadPushLock(PushLock);
    for (;;) {
        BOOLEAN Waiting = (Old & EX_PUSH_LOCK_WAITING) != 0;
        if (!(Old & EX_PUSH_LOCK_LOCK) || (!Waiting && (Old >> 4) > 0)) {
            ULONG_PTR New = (Old | EX_PUSH_LOCK_LOCK) + (Waiting ? 0 : EX_PUSH_LOCK_SHARE_INC);
            if (ExpCompareExchangePushLock(PushLock, &Old, New))
                return;
        } else {
            ExpQueueAndWaitPushLock(PushLock, Old, 0);
        }
    }
}

// Drops a hold of either kind, waking the waiters after the last owner (the slow
// path of ExReleasePushLock). At or below APC_LEVEL.
extern "C" VOID FASTCALL ExfReleasePushLock(PEX_PUSH_LOCK PushLock)
{
    ULONG_PTR Old = ExpReadPushLock(PushLock);
    ASSERT(Old & EX_PUSH_LOCK_LOCK);
    if (ExpReleaseSharedWithoutWaiters(PushLock, Old) || ExpReleaseMovedShare(Old))
        return;
    ExpReleaseLastOwner(PushLock, Old);
}

// Drops a shared hold (the slow path of ExReleasePushLockShared). At or below APC_LEVEL.
extern "C" VOID FASTCALL ExfReleasePushLockShared(PEX_PUSH_LOCK PushLock)
{
    ExfReleasePushLock(PushLock);
}

// Drops the exclusive hold, waking the waiters unless another thread already is. At
// or below APC_LEVEL.
extern "C" VOID FASTCALL ExfReleasePushLockExclusive(PEX_PUSH_LOCK PushLock)
{
    ULONG_PTR Old = ExpReadPushLock(PushLock);
    ASSERT(Old & EX_PUSH_LOCK_LOCK);
    ASSERT((Old & EX_PUSH_LOCK_WAITING) || !(Old >> 4));
    ExpReleaseLastOwner(PushLock, Old);
}

// Wakes the waiters of a free push lock if nobody is waking them yet (after a release
// that left the waking to others). At or below APC_LEVEL.
extern "C" VOID FASTCALL ExfTryToWakePushLock(PEX_PUSH_LOCK PushLock)
{
    ULONG_PTR Old = ExpReadPushLock(PushLock);
    if ((Old & (EX_PUSH_LOCK_WAKING | EX_PUSH_LOCK_LOCK | EX_PUSH_LOCK_WAITING)) != EX_PUSH_LOCK_WAITING)
        return;
    ULONG_PTR New = Old | EX_PUSH_LOCK_WAKING;
    if (ExpCompareExchangePushLock(PushLock, &Old, New))
        ExpWakePushLock(PushLock, New);
}

// Pushes a wait block on a push lock used as a block list (no lock bits), for
// ExWaitForUnblockPushLock to wait on. Any IRQL.
extern "C" VOID FASTCALL ExBlockPushLock(PEX_PUSH_LOCK PushLock, PVOID WaitBlockPointer)
{
    auto *WaitBlock = static_cast<PEX_PUSH_LOCK_WAIT_BLOCK>(WaitBlockPointer);
    ASSERT((reinterpret_cast<ULONG_PTR>(WaitBlock) & EX_PUSH_LOCK_PTR_BITS) == 0);
    WaitBlock->Flags = EX_PUSH_LOCK_FLAGS_WAIT;
    ULONG_PTR Old = ExpReadPushLock(PushLock);
    do {
        WaitBlock->Next = reinterpret_cast<PEX_PUSH_LOCK_WAIT_BLOCK>(Old);
    } while (!ExpCompareExchangePushLock(PushLock, &Old, reinterpret_cast<ULONG_PTR>(WaitBlock)));
}

// Waits on a block pushed by ExBlockPushLock until ExfUnblockPushLock releases it;
// returns at once if that already happened. At or below APC_LEVEL.
extern "C" VOID FASTCALL ExWaitForUnblockPushLock(PEX_PUSH_LOCK PushLock, PVOID WaitBlockPointer)
{
    UNREFERENCED_PARAMETER(PushLock);
    auto *WaitBlock = static_cast<PEX_PUSH_LOCK_WAIT_BLOCK>(WaitBlockPointer);
    KeInitializeEvent(&WaitBlock->WakeEvent, SynchronizationEvent, FALSE);
    if (InterlockedBitTestAndReset(&WaitBlock->Flags, EX_PUSH_LOCK_FLAGS_WAIT_V))
        KeWaitForSingleObject(&WaitBlock->WakeEvent, WrPushLock, KernelMode, FALSE, NULL);
}

// Releases every block pushed so far, setting the events of those already asleep;
// then, if CurrentWaitBlock (the caller's own) is still blocked, waits for it. At or
// below DISPATCH_LEVEL (at or below APC_LEVEL with CurrentWaitBlock).
extern "C" VOID FASTCALL ExfUnblockPushLock(PEX_PUSH_LOCK PushLock, PVOID CurrentWaitBlock)
{
    auto *WaitBlock = reinterpret_cast<PEX_PUSH_LOCK_WAIT_BLOCK>(
        __atomic_exchange_n(&PushLock->Value, (ULONG_PTR)0, __ATOMIC_SEQ_CST));
    KIRQL OldIrql = DISPATCH_LEVEL;
    if (WaitBlock && WaitBlock->Next)
        OldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    while (WaitBlock) {
        PEX_PUSH_LOCK_WAIT_BLOCK Next = WaitBlock->Next;
        if (!InterlockedBitTestAndReset(&WaitBlock->Flags, EX_PUSH_LOCK_FLAGS_WAIT_V))
            KeSetEventBoostPriority(&WaitBlock->WakeEvent, NULL);
        WaitBlock = Next;
    }
    if (OldIrql != DISPATCH_LEVEL)
        KeLowerIrql(OldIrql);
    auto *Current = static_cast<PEX_PUSH_LOCK_WAIT_BLOCK>(CurrentWaitBlock);
    if (Current && (__atomic_load_n(&Current->Flags, __ATOMIC_ACQUIRE) & EX_PUSH_LOCK_FLAGS_WAIT))
        ExWaitForUnblockPushLock(PushLock, Current);
}
