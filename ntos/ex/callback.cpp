// callback.cpp - EX_CALLBACK slots, as the process, thread and image notify routines
// use them: a slot holds a routine block through an EX_FAST_REF whose low bits cache
// references on the block's rundown protection. Installing a block charges it
// MAX_FAST_REFS + 1 references (the cache and the slot's own); a caller takes a
// cached one, refills the cache when it took the last, and when the cache is empty
// takes one under ExpCallBackFlush (shared). Replacing a block waits for those slow
// readers, then returns the slot's references; ExWaitForCallBacks waits for the rest.
// The named callback objects (ExCreateCallback, ExRegisterCallback) are not here.
#include "ke.h"
#include "ex.h"

#define TAG_CALLBACK_ROUTINE_BLOCK 'brbC'

EX_PUSH_LOCK ExpCallBackFlush;

namespace {

inline PEX_CALLBACK_ROUTINE_BLOCK ExpCallBackBlockOf(EX_FAST_REF Value)
{
    return static_cast<PEX_CALLBACK_ROUTINE_BLOCK>(ExGetObjectFastReference(Value));
}

// A reference taken when the slot's cache is empty: under ExpCallBackFlush, whatever
// block the slot holds, through its rundown protection. NULL if the slot is empty or
// its block is being run down. At or below APC_LEVEL.
PEX_CALLBACK_ROUTINE_BLOCK ExpReferenceCallBackBlockSlow(PEX_CALLBACK CallBack)
{
    KeEnterCriticalRegion();
    ExAcquirePushLockShared(&ExpCallBackFlush);
    EX_FAST_REF Current;
    Current.Value = __atomic_load_n(&CallBack->RoutineBlock.Value, __ATOMIC_ACQUIRE);
    PEX_CALLBACK_ROUTINE_BLOCK CallbackBlock = ExpCallBackBlockOf(Current);
    if (CallbackBlock && !ExAcquireRundownProtection(&CallbackBlock->RundownProtect))
        CallbackBlock = NULL;
    ExReleasePushLockShared(&ExpCallBackFlush);
    KeLeaveCriticalRegion();
    return CallbackBlock;
}

// After a caller took the last cached reference: charges the block MAX_FAST_REFS more
// and gives them to the slot's cache (or back, if the slot changed meanwhile). At or
// below DISPATCH_LEVEL.
void ExpRefillCallBackReferences(PEX_CALLBACK CallBack, PEX_CALLBACK_ROUTINE_BLOCK CallbackBlock)
{
    if (!ExAcquireRundownProtectionEx(&CallbackBlock->RundownProtect, MAX_FAST_REFS))
        return;
    if (!ExInsertFastReference(&CallBack->RoutineBlock, CallbackBlock))
        ExReleaseRundownProtectionEx(&CallbackBlock->RundownProtect, MAX_FAST_REFS);
}

} // namespace

// Makes a slot empty. Any IRQL.
extern "C" VOID NTAPI ExInitializeCallBack(PEX_CALLBACK CallBack)
{
    ExInitializeFastReference(&CallBack->RoutineBlock, NULL);
}

// A routine block for Function and Context (paged pool, tag 'brbC'), with no
// references; NULL when pool runs out. At or below APC_LEVEL.
extern "C" PEX_CALLBACK_ROUTINE_BLOCK NTAPI ExAllocateCallBack(PEX_CALLBACK_FUNCTION Function, PVOID Context)
{
    auto *CallbackBlock = static_cast<PEX_CALLBACK_ROUTINE_BLOCK>(
        ExAllocatePoolWithTag(PagedPool, sizeof(EX_CALLBACK_ROUTINE_BLOCK), TAG_CALLBACK_ROUTINE_BLOCK));
    if (CallbackBlock) {
        CallbackBlock->Function = Function;
        CallbackBlock->Context = Context;
        ExInitializeRundownProtection(&CallbackBlock->RundownProtect);
    }
    return CallbackBlock;
}

// Frees a routine block that no slot holds and no caller uses (after
// ExWaitForCallBacks). At or below APC_LEVEL.
extern "C" VOID NTAPI ExFreeCallBack(PEX_CALLBACK_ROUTINE_BLOCK CallbackBlock)
{
    ExFreePoolWithTag(CallbackBlock, TAG_CALLBACK_ROUTINE_BLOCK);
}

// Waits until every reference callers took on a block that was swapped out has been
// dropped. At or below APC_LEVEL.
extern "C" VOID NTAPI ExWaitForCallBacks(PEX_CALLBACK_ROUTINE_BLOCK CallbackBlock)
{
    ExWaitForRundownProtectionRelease(&CallbackBlock->RundownProtect);
}

// A block's routine. Any IRQL.
extern "C" PEX_CALLBACK_FUNCTION NTAPI ExGetCallBackBlockRoutine(PEX_CALLBACK_ROUTINE_BLOCK CallbackBlock)
{
    return CallbackBlock->Function;
}

// A block's context. Any IRQL.
extern "C" PVOID NTAPI ExGetCallBackBlockContext(PEX_CALLBACK_ROUTINE_BLOCK CallbackBlock)
{
    return CallbackBlock->Context;
}

// References the block in a slot, or returns NULL for an empty slot; the caller runs
// its routine and calls ExDereferenceCallBackBlock. At or below APC_LEVEL (the slow
// path takes a push lock).
extern "C" PEX_CALLBACK_ROUTINE_BLOCK NTAPI ExReferenceCallBackBlock(PEX_CALLBACK CallBack)
{
    EX_FAST_REF Old = ExAcquireFastReference(&CallBack->RoutineBlock);
    PEX_CALLBACK_ROUTINE_BLOCK CallbackBlock = ExpCallBackBlockOf(Old);
    if (!CallbackBlock)
        return NULL;
    ULONG Count = ExGetCountFastReference(Old);
    if (Count == 0)
        return ExpReferenceCallBackBlockSlow(CallBack);
    if (Count == 1)
        ExpRefillCallBackReferences(CallBack, CallbackBlock);
    return CallbackBlock;
}

// Drops a reference from ExReferenceCallBackBlock: back into the slot's cache while
// the slot still holds the block and has room, else off its rundown protection. At or
// below DISPATCH_LEVEL.
extern "C" VOID NTAPI ExDereferenceCallBackBlock(PEX_CALLBACK CallBack, PEX_CALLBACK_ROUTINE_BLOCK CallbackBlock)
{
    if (!ExReleaseFastReference(&CallBack->RoutineBlock, CallbackBlock))
        ExReleaseRundownProtection(&CallbackBlock->RundownProtect);
}

// Puts NewBlock (or NULL) in the slot if it still holds OldBlock; TRUE if it did.
// NewBlock must not be running down. The replaced block keeps only the references
// callers hold; ExWaitForCallBacks waits for them. At or below APC_LEVEL.
extern "C" BOOLEAN NTAPI ExCompareExchangeCallBack(PEX_CALLBACK CallBack, PEX_CALLBACK_ROUTINE_BLOCK NewBlock,
                                                  PEX_CALLBACK_ROUTINE_BLOCK OldBlock)
{
    if (NewBlock && !ExAcquireRundownProtectionEx(&NewBlock->RundownProtect, MAX_FAST_REFS + 1)) {
        ASSERTMSG("callback block installed while it runs down", FALSE);
        return FALSE;
    }
    EX_FAST_REF Old = ExCompareSwapFastReference(&CallBack->RoutineBlock, NewBlock, OldBlock);
    PEX_CALLBACK_ROUTINE_BLOCK Replaced = ExpCallBackBlockOf(Old);
    if (Replaced != OldBlock) {
        if (NewBlock)
            ExReleaseRundownProtectionEx(&NewBlock->RundownProtect, MAX_FAST_REFS + 1);
        return FALSE;
    }
    if (Replaced) {
        KeEnterCriticalRegion();
        ExWaitOnPushLock(&ExpCallBackFlush);
        KeLeaveCriticalRegion();
        ExReleaseRundownProtectionEx(&Replaced->RundownProtect, ExGetCountFastReference(Old) + 1);
    }
    return TRUE;
}
