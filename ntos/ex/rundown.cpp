// rundown.cpp - rundown protection (EX_RUNDOWN_REF): a lock-free reference count that
// refuses new references once a rundown starts. The thread running it down publishes
// an on-stack wait block (its address | EX_RUNDOWN_ACTIVE) holding the references
// still out; the release that takes that count to zero sets the block's event.
// The cache-aware variants are not implemented.
#include "ke.h"

namespace {

// Reads the reference's count word. Any IRQL.
inline ULONG_PTR ExpReadRundown(PEX_RUNDOWN_REF RunRef) { return __atomic_load_n(&RunRef->Count, __ATOMIC_ACQUIRE); }

// Overwrites the reference's count word. Any IRQL.
inline void ExpSetRundown(PEX_RUNDOWN_REF RunRef, ULONG_PTR Value)
{
    __atomic_store_n(&RunRef->Count, Value, __ATOMIC_RELEASE);
}

// Replaces Old with New if the count still holds Old; returns the value it held. Any
// IRQL.
inline ULONG_PTR ExpChangeRundown(PEX_RUNDOWN_REF RunRef, ULONG_PTR New, ULONG_PTR Old)
{
    __atomic_compare_exchange_n(&RunRef->Count, &Old, New, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return Old;
}

} // namespace

// Initializes a rundown reference: no references, no rundown. Any IRQL.
extern "C" VOID FASTCALL ExInitializeRundownProtection(PEX_RUNDOWN_REF RunRef)
{
    ExpSetRundown(RunRef, 0);
}

// Makes a run-down reference usable again; it must have been run down (an ASSERT).
// Any IRQL.
extern "C" VOID FASTCALL ExReInitializeRundownProtection(PEX_RUNDOWN_REF RunRef)
{
    ASSERT((ExpReadRundown(RunRef) & EX_RUNDOWN_ACTIVE) != 0);
    ExpSetRundown(RunRef, 0);
}

// Takes Count references unless a rundown has started; returns whether it did. Any
// IRQL.
extern "C" BOOLEAN FASTCALL ExAcquireRundownProtectionEx(PEX_RUNDOWN_REF RunRef, ULONG Count)
{
    ULONG_PTR Value = ExpReadRundown(RunRef);
    for (;;) {
        if (Value & EX_RUNDOWN_ACTIVE)
            return FALSE;
        ULONG_PTR Seen = ExpChangeRundown(RunRef, Value + (ULONG_PTR)Count * EX_RUNDOWN_COUNT_INC, Value);
        if (Seen == Value)
            return TRUE;
        Value = Seen;
    }
}

// Takes one reference unless a rundown has started. Any IRQL.
extern "C" BOOLEAN FASTCALL ExAcquireRundownProtection(PEX_RUNDOWN_REF RunRef)
{
    return ExAcquireRundownProtectionEx(RunRef, 1);
}

// Drops Count references; during a rundown they come off the waiter's block, and the
// last one wakes it. Releasing more than was taken is an ASSERT. Any IRQL (at or below
// DISPATCH_LEVEL when it may wake the waiter).
extern "C" VOID FASTCALL ExReleaseRundownProtectionEx(PEX_RUNDOWN_REF RunRef, ULONG Count)
{
    ULONG_PTR Delta = (ULONG_PTR)Count * EX_RUNDOWN_COUNT_INC;
    ULONG_PTR Value = ExpReadRundown(RunRef);
    while (!(Value & EX_RUNDOWN_ACTIVE)) {
        ASSERTMSG("rundown reference released more often than acquired", Value >= Delta);
        ULONG_PTR Seen = ExpChangeRundown(RunRef, Value - Delta, Value);
        if (Seen == Value)
            return;
        Value = Seen;
    }
    auto *WaitBlock = reinterpret_cast<PEX_RUNDOWN_WAIT_BLOCK>(Value & ~(ULONG_PTR)EX_RUNDOWN_ACTIVE);
    ASSERTMSG("rundown reference released after its rundown completed", WaitBlock != NULL);
    ULONG_PTR Before = __atomic_fetch_sub(&WaitBlock->Count, (ULONG_PTR)Count, __ATOMIC_SEQ_CST);
    ASSERTMSG("rundown reference released more often than acquired", Before >= Count);
    if (Before == Count)
        KeSetEvent(&WaitBlock->WakeEvent, IO_NO_INCREMENT, FALSE);
}

// Drops one reference. Any IRQL (at or below DISPATCH_LEVEL when it may wake the
// waiter).
extern "C" VOID FASTCALL ExReleaseRundownProtection(PEX_RUNDOWN_REF RunRef)
{
    ExReleaseRundownProtectionEx(RunRef, 1);
}

// Starts the rundown (no new references from now on) and waits until every
// outstanding reference is released; returns at once if none is out or the rundown
// is already complete. A second concurrent rundown is an ASSERT. At or below
// APC_LEVEL.
extern "C" VOID FASTCALL ExWaitForRundownProtectionRelease(PEX_RUNDOWN_REF RunRef)
{
    KiCheckIrqlAtMost(APC_LEVEL, RunRef, __builtin_return_address(0));
    EX_RUNDOWN_WAIT_BLOCK WaitBlock;
    KeInitializeEvent(&WaitBlock.WakeEvent, SynchronizationEvent, FALSE);
    ULONG_PTR Value = ExpReadRundown(RunRef), Outstanding;
    for (;;) {
        if (Value == EX_RUNDOWN_ACTIVE)
            return;
        ASSERTMSG("a second rundown of the same reference", !(Value & EX_RUNDOWN_ACTIVE));
        Outstanding = Value >> EX_RUNDOWN_COUNT_SHIFT;
        WaitBlock.Count = Outstanding;
        ULONG_PTR Active = Outstanding ? reinterpret_cast<ULONG_PTR>(&WaitBlock) | EX_RUNDOWN_ACTIVE : EX_RUNDOWN_ACTIVE;
        ULONG_PTR Seen = ExpChangeRundown(RunRef, Active, Value);
        if (Seen == Value)
            break;
        Value = Seen;
    }
    if (Outstanding)
        KeWaitForSingleObject(&WaitBlock.WakeEvent, Executive, KernelMode, FALSE, NULL);
}

// Leaves a run-down reference in the plain completed state (EX_RUNDOWN_ACTIVE, no
// wait block), so that the waiter's stack block is no longer referenced. At or below
// APC_LEVEL.
extern "C" VOID FASTCALL ExRundownCompleted(PEX_RUNDOWN_REF RunRef)
{
    ASSERT((ExpReadRundown(RunRef) & EX_RUNDOWN_ACTIVE) != 0);
    ExpSetRundown(RunRef, EX_RUNDOWN_ACTIVE);
}
