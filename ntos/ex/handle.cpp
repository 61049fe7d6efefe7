// handle.cpp - the executive's handle tables (NT 5.2 design). TableCode names the
// top page and, in its low two bits, the number of levels above the entry pages.
// Pages are published with release stores before NextHandleNeedingPool covers them
// and are freed only with the table, so lookups take no lock.
//
// An entry in use holds its object pointer with EXHANDLE_TABLE_ENTRY_LOCK_BIT set;
// locking clears the bit, and a thread that finds it clear sleeps on the table's
// HandleContentionEvent (a push lock used as a block list) until an unlock or a
// destroy releases every sleeper to look again. A free entry holds 0 and links the
// next free handle value in NextFreeTableEntry. A lock holder that reads Value while
// others may try to lock the entry should load it atomically: TSan counts a failed
// compare-exchange as an atomic write.
//
// Free handles sit on two lists. Allocation pops FirstFree while holding
// HandleTableLock[Index % 4] shared and rechecking the head, so a handle it saw at the
// head cannot be freed back onto FirstFree until it is done: a free goes onto FirstFree
// only while that lock is free, else onto LastFree (always, for a StrictFIFO table).
// When FirstFree runs dry, the thread holding HandleTableLock[0] exclusively moves
// LastFree over once every popper has left locks 1-3 (reversed, oldest first, when the
// table is strict FIFO), or else grows the table by one entry page.
#include "ke.h"
#include "ex.h"
#include "ps.h"

#define TAG_OBJECT_TABLE 'btbO'

LIST_ENTRY HandleTableListHead;
EX_PUSH_LOCK HandleTableListLock;

namespace {

constexpr LONG kReservedEntry = -2; // NextFreeTableEntry of each page's entry 0
constexpr ULONG kTableLocks = sizeof(HANDLE_TABLE::HandleTableLock) / sizeof(EX_PUSH_LOCK);
constexpr ULONG kLowPageHandles = LOW_LEVEL_ENTRIES * HANDLE_VALUE_INC;

// ---- small accessors --------------------------------------------------------

inline ULONG ExpHandleValue(ULONG_PTR Index) { return (ULONG)(Index * HANDLE_VALUE_INC); }
inline ULONG_PTR ExpHandleIndex(ULONG_PTR Value) { return Value / HANDLE_VALUE_INC; }
inline BOOLEAN ExpIsReservedIndex(ULONG_PTR Index) { return (Index % LOW_LEVEL_ENTRIES) == 0; }
inline PEX_PUSH_LOCK ExpFreeListLock(PHANDLE_TABLE HandleTable, ULONG Value)
{
    return &HandleTable->HandleTableLock[ExpHandleIndex(Value) % kTableLocks];
}

inline ULONG_PTR ExpReadEntry(PHANDLE_TABLE_ENTRY Entry) { return __atomic_load_n(&Entry->Value, __ATOMIC_SEQ_CST); }
inline ULONG ExpReadNextFree(PHANDLE_TABLE_ENTRY Entry)
{
    return (ULONG)__atomic_load_n(&Entry->NextFreeTableEntry, __ATOMIC_RELAXED);
}
inline void ExpWriteNextFree(PHANDLE_TABLE_ENTRY Entry, ULONG Next)
{
    __atomic_store_n(&Entry->NextFreeTableEntry, (LONG)Next, __ATOMIC_RELAXED);
}
inline ULONG ExpReadFree(volatile ULONG *List) { return __atomic_load_n(List, __ATOMIC_SEQ_CST); }
inline BOOLEAN ExpSwapFree(volatile ULONG *List, ULONG *Expected, ULONG Value)
{
    return __atomic_compare_exchange_n(List, Expected, Value, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
inline ULONG ExpNextHandleNeedingPool(PHANDLE_TABLE HandleTable)
{
    return __atomic_load_n(&HandleTable->NextHandleNeedingPool, __ATOMIC_ACQUIRE);
}
inline PVOID ExpReadTablePointer(PVOID *Slot) { return __atomic_load_n(Slot, __ATOMIC_ACQUIRE); }
inline void ExpPublishTablePointer(PVOID *Slot, PVOID Page) { __atomic_store_n(Slot, Page, __ATOMIC_RELEASE); }

// ---- table memory -----------------------------------------------------------

// Paged pool for table pages, zeroed on request (quota is not charged). At or below
// APC_LEVEL.
PVOID ExpAllocateTablePagedPool(SIZE_T Size, BOOLEAN Zero)
{
    PVOID Buffer = ExAllocatePoolWithTag(PagedPool, Size, TAG_OBJECT_TABLE);
    if (Buffer && Zero)
        RtlZeroMemory(Buffer, Size);
    return Buffer;
}

// Returns a table page to paged pool. At or below APC_LEVEL.
void ExpFreeTablePagedPool(PVOID Buffer) { ExFreePoolWithTag(Buffer, TAG_OBJECT_TABLE); }

// Fills a fresh entry page whose entry 0 has handle value Base: entry 0 reserved and,
// with DoInit, entries 1..last chained in ascending order, the last ending the chain.
// At or below APC_LEVEL.
void ExpInitializeLowLevelTable(PHANDLE_TABLE_ENTRY Low, ULONG Base, BOOLEAN DoInit)
{
    Low[0].Value = 0;
    Low[0].NextFreeTableEntry = kReservedEntry;
    if (!DoInit)
        return;
    for (ULONG i = 1; i < LOW_LEVEL_ENTRIES; i++) {
        Low[i].Value = 0;
        Low[i].NextFreeTableEntry = (i + 1 < LOW_LEVEL_ENTRIES) ? (LONG)(Base + ExpHandleValue(i + 1)) : 0;
    }
}

// A new entry page for the handles from NextHandleNeedingPool on. At or below
// APC_LEVEL.
PHANDLE_TABLE_ENTRY ExpAllocateLowLevelTable(PHANDLE_TABLE HandleTable, BOOLEAN DoInit)
{
    auto *Low = static_cast<PHANDLE_TABLE_ENTRY>(ExpAllocateTablePagedPool(PAGE_SIZE, FALSE));
    if (Low)
        ExpInitializeLowLevelTable(Low, HandleTable->NextHandleNeedingPool, DoInit);
    return Low;
}

// A new zeroed mid-level page whose slot 0 holds a new entry page (returned in *Low).
// At or below APC_LEVEL.
PHANDLE_TABLE_ENTRY *ExpAllocateMidLevelTable(PHANDLE_TABLE HandleTable, BOOLEAN DoInit, PHANDLE_TABLE_ENTRY *Low)
{
    auto **Mid = static_cast<PHANDLE_TABLE_ENTRY *>(ExpAllocateTablePagedPool(PAGE_SIZE, TRUE));
    if (!Mid)
        return NULL;
    *Low = ExpAllocateLowLevelTable(HandleTable, DoInit);
    if (!*Low) {
        ExpFreeTablePagedPool(Mid);
        return NULL;
    }
    Mid[0] = *Low;
    return Mid;
}

// Frees every entry page a mid-level page points to, then the page. At or below
// APC_LEVEL.
void ExpFreeMidLevelTable(PHANDLE_TABLE_ENTRY *Mid)
{
    for (ULONG i = 0; i < MID_LEVEL_ENTRIES && Mid[i]; i++)
        ExpFreeTablePagedPool(Mid[i]);
    ExpFreeTablePagedPool(Mid);
}

// Frees all of a table's pages and the table itself. At or below APC_LEVEL.
void ExpFreeHandleTable(PHANDLE_TABLE HandleTable)
{
    ULONG_PTR TableCode = HandleTable->TableCode;
    PVOID Base = reinterpret_cast<PVOID>(TableCode & ~(ULONG_PTR)3);
    switch (TableCode & 3) {
    case 0:
        ExpFreeTablePagedPool(Base);
        break;
    case 1:
        ExpFreeMidLevelTable(static_cast<PHANDLE_TABLE_ENTRY *>(Base));
        break;
    default: {
        auto ***High = static_cast<PHANDLE_TABLE_ENTRY **>(Base);
        for (ULONG i = 0; i < HIGH_LEVEL_ENTRIES && High[i]; i++)
            ExpFreeMidLevelTable(High[i]);
        ExpFreeTablePagedPool(High);
        break;
    }
    }
    ExpFreeTablePagedPool(HandleTable);
}

// A table with its first entry page (its free chain built with NewTable, left to the
// caller otherwise), not yet on HandleTableListHead. At or below APC_LEVEL.
PHANDLE_TABLE ExpAllocateHandleTable(PEPROCESS Process, BOOLEAN NewTable)
{
    auto *HandleTable = static_cast<PHANDLE_TABLE>(ExpAllocateTablePagedPool(sizeof(HANDLE_TABLE), TRUE));
    if (!HandleTable)
        return NULL;
    auto *Low = static_cast<PHANDLE_TABLE_ENTRY>(ExpAllocateTablePagedPool(PAGE_SIZE, FALSE));
    if (!Low) {
        ExpFreeTablePagedPool(HandleTable);
        return NULL;
    }
    ExpInitializeLowLevelTable(Low, 0, NewTable);
    HandleTable->TableCode = reinterpret_cast<ULONG_PTR>(Low);
    HandleTable->FirstFree = NewTable ? ExpHandleValue(1) : 0;
    HandleTable->NextHandleNeedingPool = kLowPageHandles;
    HandleTable->QuotaProcess = Process;
    HandleTable->UniqueProcessId = Process ? Process->UniqueProcessId : NULL;
    for (ULONG i = 0; i < kTableLocks; i++)
        ExInitializePushLock(&HandleTable->HandleTableLock[i]);
    ExInitializePushLock(&HandleTable->HandleContentionEvent);
    InitializeListHead(&HandleTable->HandleTableList);
    return HandleTable;
}

// Links a table on HandleTableListHead. At or below APC_LEVEL.
void ExpInsertHandleTable(PHANDLE_TABLE HandleTable)
{
    KeEnterCriticalRegion();
    ExAcquirePushLockExclusive(&HandleTableListLock);
    InsertTailList(&HandleTableListHead, &HandleTable->HandleTableList);
    ExReleasePushLockExclusive(&HandleTableListLock);
    KeLeaveCriticalRegion();
}

// ---- the free lists ---------------------------------------------------------

// Pushes a private chain of free entries (Head .. Tail, Tail's link to be set) onto
// FirstFree. Any IRQL.
void ExpPushFreeChain(PHANDLE_TABLE HandleTable, ULONG Head, PHANDLE_TABLE_ENTRY Tail)
{
    ULONG First = ExpReadFree(&HandleTable->FirstFree);
    do {
        ExpWriteNextFree(Tail, First);
    } while (!ExpSwapFree(&HandleTable->FirstFree, &First, Head));
}

// Grows the table by one entry page, adding a level when the current top is full,
// and (with DoInit) puts its entries on FirstFree. FALSE when the pool is exhausted
// or the table holds MAX_HANDLE_TABLE_ENTRIES. The caller holds HandleTableLock[0]
// exclusively, or owns a table nobody else sees yet. At or below APC_LEVEL.
BOOLEAN ExpAllocateHandleTableEntrySlow(PHANDLE_TABLE HandleTable, BOOLEAN DoInit)
{
    ULONG Next = HandleTable->NextHandleNeedingPool;
    ULONG_PTR NextIndex = ExpHandleIndex(Next);
    ULONG_PTR TableCode = HandleTable->TableCode;
    auto **Base = reinterpret_cast<PVOID *>(TableCode & ~(ULONG_PTR)3);
    PHANDLE_TABLE_ENTRY Low = NULL;
    if (NextIndex >= MAX_HANDLE_TABLE_ENTRIES)
        return FALSE;
    if ((TableCode & 3) == 0) {
        PHANDLE_TABLE_ENTRY *Mid = ExpAllocateMidLevelTable(HandleTable, DoInit, &Low);
        if (!Mid)
            return FALSE;
        Mid[1] = Low;
        Mid[0] = reinterpret_cast<PHANDLE_TABLE_ENTRY>(Base);
        __atomic_store_n(&HandleTable->TableCode, reinterpret_cast<ULONG_PTR>(Mid) | 1, __ATOMIC_RELEASE);
    } else if ((TableCode & 3) == 1 && NextIndex < MAX_MID_INDEX) {
        if (!(Low = ExpAllocateLowLevelTable(HandleTable, DoInit)))
            return FALSE;
        ExpPublishTablePointer(&Base[NextIndex / LOW_LEVEL_ENTRIES], Low);
    } else if ((TableCode & 3) == 1) {
        auto **High = static_cast<PVOID *>(ExpAllocateTablePagedPool(HIGH_LEVEL_ENTRIES * sizeof(PVOID), TRUE));
        if (!High)
            return FALSE;
        PHANDLE_TABLE_ENTRY *Mid = ExpAllocateMidLevelTable(HandleTable, DoInit, &Low);
        if (!Mid) {
            ExpFreeTablePagedPool(High);
            return FALSE;
        }
        High[0] = Base;
        High[1] = Mid;
        __atomic_store_n(&HandleTable->TableCode, reinterpret_cast<ULONG_PTR>(High) | 2, __ATOMIC_RELEASE);
    } else {
        PVOID *MidSlot = &Base[NextIndex / MAX_MID_INDEX];
        auto **Mid = static_cast<PVOID *>(ExpReadTablePointer(MidSlot));
        if (!Mid) {
            PHANDLE_TABLE_ENTRY *NewMid = ExpAllocateMidLevelTable(HandleTable, DoInit, &Low);
            if (!NewMid)
                return FALSE;
            ExpPublishTablePointer(MidSlot, NewMid);
        } else {
            if (!(Low = ExpAllocateLowLevelTable(HandleTable, DoInit)))
                return FALSE;
            ExpPublishTablePointer(&Mid[(NextIndex % MAX_MID_INDEX) / LOW_LEVEL_ENTRIES], Low);
        }
    }
    __atomic_store_n(&HandleTable->NextHandleNeedingPool, Next + kLowPageHandles, __ATOMIC_RELEASE);
    if (DoInit)
        ExpPushFreeChain(HandleTable, Next + ExpHandleValue(1), &Low[LOW_LEVEL_ENTRIES - 1]);
    return TRUE;
}

// Reverses a private free chain; returns its new head and sets *Tail. At or below
// APC_LEVEL.
ULONG ExpReverseFreeChain(PHANDLE_TABLE HandleTable, ULONG Head, PHANDLE_TABLE_ENTRY *Tail)
{
    ULONG Reversed = 0;
    EXHANDLE Handle;
    *Tail = NULL;
    while (Head) {
        Handle.Value = Head;
        PHANDLE_TABLE_ENTRY Entry = ExpLookupHandleTableEntry(HandleTable, Handle);
        if (!*Tail)
            *Tail = Entry;
        Head = ExpReadNextFree(Entry);
        ExpWriteNextFree(Entry, Reversed);
        Reversed = (ULONG)Handle.Value;
    }
    return Reversed;
}

// Moves the LastFree chain onto FirstFree once no popper that might hold a stale head
// is left; returns the chain's head (0 if LastFree was empty). The caller holds
// HandleTableLock[0] exclusively and saw FirstFree empty. At or below APC_LEVEL.
ULONG ExpMoveFreeHandles(PHANDLE_TABLE HandleTable)
{
    ULONG Chain = __atomic_exchange_n(&HandleTable->LastFree, 0, __ATOMIC_SEQ_CST);
    if (!Chain)
        return 0;
    for (ULONG i = 1; i < kTableLocks; i++)
        ExWaitOnPushLock(&HandleTable->HandleTableLock[i]);
    ULONG Empty = 0;
    if (!HandleTable->StrictFIFO && ExpSwapFree(&HandleTable->FirstFree, &Empty, Chain))
        return Chain;
    PHANDLE_TABLE_ENTRY Tail;
    Chain = ExpReverseFreeChain(HandleTable, Chain, &Tail);
    ExpPushFreeChain(HandleTable, Chain, Tail);
    return Chain;
}

// With FirstFree empty: under HandleTableLock[0], moves LastFree over or grows the
// table. FALSE only if the table could not grow and no handle is free; otherwise the
// caller looks at FirstFree again (others may have emptied it already). At or below
// APC_LEVEL, in a critical region.
BOOLEAN ExpReplenishFreeHandles(PHANDLE_TABLE HandleTable)
{
    ExAcquirePushLockExclusive(&HandleTable->HandleTableLock[0]);
    BOOLEAN Replenished = ExpReadFree(&HandleTable->FirstFree) || ExpMoveFreeHandles(HandleTable) ||
                          ExpAllocateHandleTableEntrySlow(HandleTable, TRUE);
    ExReleasePushLockExclusive(&HandleTable->HandleTableLock[0]);
    return Replenished || ExpReadFree(&HandleTable->FirstFree) != 0;
}

// Takes the handle at the head of FirstFree if it is still there once its lock is
// held shared (see the file comment). Returns its entry, or NULL to retry. At or below
// APC_LEVEL, in a critical region.
PHANDLE_TABLE_ENTRY ExpTryPopFreeHandle(PHANDLE_TABLE HandleTable, ULONG First)
{
    PEX_PUSH_LOCK Lock = ExpFreeListLock(HandleTable, First);
    PHANDLE_TABLE_ENTRY Entry = NULL;
    ExAcquirePushLockShared(Lock);
    if (ExpReadFree(&HandleTable->FirstFree) == First) {
        EXHANDLE Handle;
        Handle.Value = First;
        PHANDLE_TABLE_ENTRY Candidate = ExpLookupHandleTableEntry(HandleTable, Handle);
        ULONG Next = ExpReadNextFree(Candidate);
        if (ExpSwapFree(&HandleTable->FirstFree, &First, Next))
            Entry = Candidate;
    }
    ExReleasePushLockShared(Lock);
    return Entry;
}

// Takes a free entry, growing the table if none is left; returns it (still free,
// Value 0) and its handle, or NULL with a NULL handle when the table cannot grow. At
// or below APC_LEVEL.
PHANDLE_TABLE_ENTRY ExpAllocateHandleTableEntry(PHANDLE_TABLE HandleTable, PEXHANDLE NewHandle)
{
    PHANDLE_TABLE_ENTRY Entry = NULL;
    ULONG First;
    KeEnterCriticalRegion();
    do {
        First = ExpReadFree(&HandleTable->FirstFree);
        if (First)
            Entry = ExpTryPopFreeHandle(HandleTable, First);
        else if (!ExpReplenishFreeHandles(HandleTable))
            break;
    } while (!Entry);
    KeLeaveCriticalRegion();
    NewHandle->Value = Entry ? First : 0;
    if (Entry)
        InterlockedIncrement(&HandleTable->HandleCount);
    return Entry;
}

// Puts a just-emptied entry back on a free list (FirstFree unless a popper may be
// looking at this handle, or the table is strict FIFO). At or below APC_LEVEL.
void ExpFreeHandleTableEntry(PHANDLE_TABLE HandleTable, ULONG Value, PHANDLE_TABLE_ENTRY Entry)
{
    ASSERT(ExpReadEntry(Entry) == 0);
    InterlockedDecrement(&HandleTable->HandleCount);
    BOOLEAN PopperMayLook =
        (__atomic_load_n(&ExpFreeListLock(HandleTable, Value)->Value, __ATOMIC_SEQ_CST) & EX_PUSH_LOCK_LOCK) != 0;
    volatile ULONG *List =
        (HandleTable->StrictFIFO || PopperMayLook) ? &HandleTable->LastFree : &HandleTable->FirstFree;
    ULONG Head = ExpReadFree(List);
    do {
        ExpWriteNextFree(Entry, Head);
    } while (!ExpSwapFree(List, &Head, Value));
}

// ---- entry locks ------------------------------------------------------------

// Releases every thread sleeping on the table's contention event, if there is one.
// At or below DISPATCH_LEVEL.
void ExpWakeHandleContention(PHANDLE_TABLE HandleTable)
{
    if (__atomic_load_n(&HandleTable->HandleContentionEvent.Value, __ATOMIC_SEQ_CST))
        ExfUnblockPushLock(&HandleTable->HandleContentionEvent, NULL);
}

// Sleeps on the contention event until the entry may have been unlocked or freed;
// returns at once if it already was. At or below APC_LEVEL.
void ExpBlockOnLockedHandleEntry(PHANDLE_TABLE HandleTable, PHANDLE_TABLE_ENTRY Entry)
{
    EX_PUSH_LOCK_WAIT_BLOCK WaitBlock;
    ExBlockPushLock(&HandleTable->HandleContentionEvent, &WaitBlock);
    ULONG_PTR Value = ExpReadEntry(Entry);
    if (!Value || (Value & EXHANDLE_TABLE_ENTRY_LOCK_BIT))
        ExfUnblockPushLock(&HandleTable->HandleContentionEvent, &WaitBlock);
    else
        ExWaitForUnblockPushLock(&HandleTable->HandleContentionEvent, &WaitBlock);
}

// The in-use entry of a handle, locked, or NULL for a free or reserved entry (the
// lookup already bounded the handle). At or below APC_LEVEL, in a critical region.
PHANDLE_TABLE_ENTRY ExpMapEntry(PHANDLE_TABLE HandleTable, PHANDLE_TABLE_ENTRY Entry)
{
    return (Entry && ExpLockHandleTableEntry(HandleTable, Entry)) ? Entry : NULL;
}

// The entry of an EXHANDLE with the tag bits cleared, if it may hold a handle (not a
// reserved entry 0). Any IRQL.
PHANDLE_TABLE_ENTRY ExpLookupUsableEntry(PHANDLE_TABLE HandleTable, HANDLE Handle, PEXHANDLE ExHandle)
{
    ExHandle->GenericHandleOverlay = Handle;
    ExHandle->TagBits = 0;
    if (ExpIsReservedIndex(ExpHandleIndex(ExHandle->Value)))
        return NULL;
    return ExpLookupHandleTableEntry(HandleTable, *ExHandle);
}

// Calls Visit(Entry, Handle) for every entry of every page the table has, reserved
// entries excluded, until Visit returns true. Any IRQL the visitor allows.
template <typename Visitor> void ExpForEachEntry(PHANDLE_TABLE HandleTable, Visitor Visit)
{
    EXHANDLE Handle;
    Handle.Value = 0;
    PHANDLE_TABLE_ENTRY Entry;
    while ((Entry = ExpLookupHandleTableEntry(HandleTable, Handle))) {
        for (ULONG i = 1; i < LOW_LEVEL_ENTRIES; i++) {
            Handle.Value += HANDLE_VALUE_INC;
            if (Visit(&Entry[i], Handle.GenericHandleOverlay))
                return;
        }
        Handle.Value += HANDLE_VALUE_INC;
    }
}

inline BOOLEAN ExpIsEntryInUse(PHANDLE_TABLE_ENTRY Entry) { return ExpReadEntry(Entry) != 0; }

// Asserts the caller may hold an entry lock: normal kernel APCs are off (a critical
// region) or it runs at APC_LEVEL, as push-lock waits need.
inline void ExpCheckEntryLockCaller()
{
    ASSERTMSG("handle table entry locked with normal kernel APCs enabled",
              KeAreApcsDisabled() || KeGetCurrentIrql() == APC_LEVEL);
}

} // namespace

// ---- exported routines --------------------------------------------------------

// Initializes the list of all handle tables and its lock. Phase 0.
extern "C" VOID NTAPI ExpInitializeHandleTables(VOID)
{
    InitializeListHead(&HandleTableListHead);
    ExInitializePushLock(&HandleTableListLock);
}

// The entry of a handle value (tag bits ignored), or NULL beyond the pages the
// table has; the entry may be free or reserved. Any IRQL.
extern "C" PHANDLE_TABLE_ENTRY NTAPI ExpLookupHandleTableEntry(PHANDLE_TABLE HandleTable, EXHANDLE Handle)
{
    ULONG_PTR Value = Handle.Value & ~(ULONG_PTR)HANDLE_TAG_BITS;
    if (Value >= ExpNextHandleNeedingPool(HandleTable))
        return NULL;
    ULONG_PTR Index = ExpHandleIndex(Value);
    ULONG_PTR TableCode = __atomic_load_n(&HandleTable->TableCode, __ATOMIC_ACQUIRE);
    auto **Pointers = reinterpret_cast<PVOID *>(TableCode & ~(ULONG_PTR)3);
    switch (TableCode & 3) {
    case 2:
        Pointers = static_cast<PVOID *>(ExpReadTablePointer(&Pointers[Index / MAX_MID_INDEX]));
        Index %= MAX_MID_INDEX;
        [[fallthrough]];
    case 1:
        Pointers = static_cast<PVOID *>(ExpReadTablePointer(&Pointers[Index / LOW_LEVEL_ENTRIES]));
        Index %= LOW_LEVEL_ENTRIES;
        [[fallthrough]];
    default:
        ASSERT(Pointers != NULL);
        return reinterpret_cast<PHANDLE_TABLE_ENTRY>(Pointers) + Index;
    }
}

// Creates an empty handle table charged to Process (NULL for the kernel's and the
// CID table) and links it on HandleTableListHead. NULL when pool runs out. At or below
// APC_LEVEL.
extern "C" PHANDLE_TABLE NTAPI ExCreateHandleTable(PEPROCESS Process)
{
    PHANDLE_TABLE HandleTable = ExpAllocateHandleTable(Process, TRUE);
    if (HandleTable)
        ExpInsertHandleTable(HandleTable);
    return HandleTable;
}

// Unlinks a table from HandleTableListHead (again harmlessly). At or below APC_LEVEL.
extern "C" VOID NTAPI ExRemoveHandleTable(PHANDLE_TABLE HandleTable)
{
    KeEnterCriticalRegion();
    ExAcquirePushLockExclusive(&HandleTableListLock);
    RemoveEntryList(&HandleTable->HandleTableList);
    InitializeListHead(&HandleTable->HandleTableList);
    ExReleasePushLockExclusive(&HandleTableListLock);
    KeLeaveCriticalRegion();
}

// Makes freed handles come back in the order they were freed (NT sets this on the
// CID table). Before the table is shared. At or below APC_LEVEL.
extern "C" VOID NTAPI ExSetHandleTableStrictFIFO(PHANDLE_TABLE HandleTable)
{
    HandleTable->StrictFIFO = TRUE;
}

// Unlinks a table nobody uses any more, calls DestroyHandleProcedure (if given) for
// each entry still in use, locked, and frees the table. At or below APC_LEVEL.
extern "C" VOID NTAPI ExDestroyHandleTable(PHANDLE_TABLE HandleTable,
                                          PEX_DESTROY_HANDLE_CALLBACK DestroyHandleProcedure)
{
    ExRemoveHandleTable(HandleTable);
    if (DestroyHandleProcedure) {
        KeEnterCriticalRegion();
        ExpForEachEntry(HandleTable, [&](PHANDLE_TABLE_ENTRY Entry, HANDLE Handle) {
            if (ExpIsEntryInUse(Entry) && ExpLockHandleTableEntry(HandleTable, Entry))
                DestroyHandleProcedure(Entry, Handle);
            return false;
        });
        KeLeaveCriticalRegion();
    }
    ExpFreeHandleTable(HandleTable);
}

// Stores a copy of *HandleTableEntry in a free entry and returns its handle (a
// multiple of HANDLE_VALUE_INC, never 0), or NULL if the table cannot grow. The
// lock bit of the caller's Value is ignored: the new entry is published unlocked.
// At or below APC_LEVEL.
extern "C" HANDLE NTAPI ExCreateHandle(PHANDLE_TABLE HandleTable, PHANDLE_TABLE_ENTRY HandleTableEntry)
{
    ASSERT((HandleTableEntry->Value & ~(ULONG_PTR)EXHANDLE_TABLE_ENTRY_LOCK_BIT) != 0);
    EXHANDLE Handle;
    PHANDLE_TABLE_ENTRY NewEntry = ExpAllocateHandleTableEntry(HandleTable, &Handle);
    if (!NewEntry)
        return NULL;
    ExpWriteNextFree(NewEntry, HandleTableEntry->GrantedAccess);
    __atomic_store_n(&NewEntry->Value, HandleTableEntry->Value | EXHANDLE_TABLE_ENTRY_LOCK_BIT, __ATOMIC_RELEASE);
    return Handle.GenericHandleOverlay;
}

// Frees a handle: with HandleTableEntry, the caller's locked entry of Handle; without,
// the handle is looked up and locked first. FALSE if it is not in use. Threads waiting
// for the entry find it free. At or below APC_LEVEL.
extern "C" BOOLEAN NTAPI ExDestroyHandle(PHANDLE_TABLE HandleTable, HANDLE Handle,
                                        PHANDLE_TABLE_ENTRY HandleTableEntry)
{
    EXHANDLE ExHandle;
    KeEnterCriticalRegion();
    if (!HandleTableEntry) {
        HandleTableEntry = ExpMapEntry(HandleTable, ExpLookupUsableEntry(HandleTable, Handle, &ExHandle));
        if (!HandleTableEntry) {
            KeLeaveCriticalRegion();
            return FALSE;
        }
    } else {
        ExHandle.GenericHandleOverlay = Handle;
        ExHandle.TagBits = 0;
        ASSERTMSG("ExDestroyHandle on an entry the caller has not locked",
                  !(ExpReadEntry(HandleTableEntry) & EXHANDLE_TABLE_ENTRY_LOCK_BIT));
        ASSERT(ExpLookupHandleTableEntry(HandleTable, ExHandle) == HandleTableEntry);
    }
    ULONG_PTR Old = __atomic_exchange_n(&HandleTableEntry->Value, (ULONG_PTR)0, __ATOMIC_SEQ_CST);
    ASSERT(Old != 0 && !(Old & EXHANDLE_TABLE_ENTRY_LOCK_BIT));
    UNREFERENCED_PARAMETER(Old);
    ExpWakeHandleContention(HandleTable);
    ExpFreeHandleTableEntry(HandleTable, (ULONG)ExHandle.Value, HandleTableEntry);
    KeLeaveCriticalRegion();
    return TRUE;
}

// The locked entry of an in-use handle (tag bits ignored), or NULL for a handle that
// is free, reserved or beyond the table. The caller unlocks it with
// ExUnlockHandleTableEntry. At or below APC_LEVEL, in a critical region.
extern "C" PHANDLE_TABLE_ENTRY NTAPI ExMapHandleToPointer(PHANDLE_TABLE HandleTable, HANDLE Handle)
{
    EXHANDLE ExHandle;
    return ExpMapEntry(HandleTable, ExpLookupUsableEntry(HandleTable, Handle, &ExHandle));
}

// Locks an entry, sleeping while another thread holds it; FALSE if the entry is (or
// becomes) free. At or below APC_LEVEL, in a critical region.
extern "C" BOOLEAN NTAPI ExpLockHandleTableEntry(PHANDLE_TABLE HandleTable, PHANDLE_TABLE_ENTRY HandleTableEntry)
{
    ExpCheckEntryLockCaller();
    ULONG_PTR Value = ExpReadEntry(HandleTableEntry);
    for (;;) {
        if (!Value)
            return FALSE;
        if (Value & EXHANDLE_TABLE_ENTRY_LOCK_BIT) {
            if (__atomic_compare_exchange_n(&HandleTableEntry->Value, &Value,
                                            Value & ~(ULONG_PTR)EXHANDLE_TABLE_ENTRY_LOCK_BIT, false,
                                            __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
                return TRUE;
            continue;
        }
        ExpBlockOnLockedHandleEntry(HandleTable, HandleTableEntry);
        Value = ExpReadEntry(HandleTableEntry);
    }
}

// Unlocks an entry locked by the caller and lets the threads waiting on the table's
// entries look again. At or below APC_LEVEL, in a critical region.
extern "C" VOID NTAPI ExUnlockHandleTableEntry(PHANDLE_TABLE HandleTable, PHANDLE_TABLE_ENTRY HandleTableEntry)
{
    ExpCheckEntryLockCaller();
    ULONG_PTR Old = __atomic_fetch_or(&HandleTableEntry->Value, (ULONG_PTR)EXHANDLE_TABLE_ENTRY_LOCK_BIT,
                                      __ATOMIC_SEQ_CST);
    ASSERTMSG("unlocking a handle table entry that is not locked",
              Old != 0 && !(Old & EXHANDLE_TABLE_ENTRY_LOCK_BIT));
    ExpWakeHandleContention(HandleTable);
}

// Calls EnumHandleProcedure for each in-use handle in ascending order, its entry
// locked (and unlocked afterwards), until it returns TRUE; then returns TRUE and the
// handle in *EnumHandle (if given). FALSE if it never did. At or below APC_LEVEL.
extern "C" BOOLEAN NTAPI ExEnumHandleTable(PHANDLE_TABLE HandleTable, PEX_ENUM_HANDLE_CALLBACK EnumHandleProcedure,
                                          PVOID Context, PHANDLE EnumHandle)
{
    BOOLEAN Found = FALSE;
    KeEnterCriticalRegion();
    ExpForEachEntry(HandleTable, [&](PHANDLE_TABLE_ENTRY Entry, HANDLE Handle) {
        if (!ExpIsEntryInUse(Entry) || !ExpLockHandleTableEntry(HandleTable, Entry))
            return false;
        Found = EnumHandleProcedure(Entry, Handle, Context);
        ExUnlockHandleTableEntry(HandleTable, Entry);
        if (Found && EnumHandle)
            *EnumHandle = Handle;
        return Found != FALSE;
    });
    KeLeaveCriticalRegion();
    return Found;
}

// Calls EnumHandleProcedure for each in-use handle with its entry locked; the routine
// unlocks or destroys the entry (ObKillProcess closes every handle this way). At or
// below APC_LEVEL.
extern "C" VOID NTAPI ExSweepHandleTable(PHANDLE_TABLE HandleTable, PEX_SWEEP_HANDLE_CALLBACK EnumHandleProcedure,
                                        PVOID Context)
{
    KeEnterCriticalRegion();
    ExpForEachEntry(HandleTable, [&](PHANDLE_TABLE_ENTRY Entry, HANDLE Handle) {
        if (ExpIsEntryInUse(Entry) && ExpLockHandleTableEntry(HandleTable, Entry))
            EnumHandleProcedure(Entry, Handle, Context);
        return false;
    });
    KeLeaveCriticalRegion();
}

// Locks a handle's entry and calls ChangeRoutine on it; returns what the routine
// returned, FALSE for a handle not in use. At or below APC_LEVEL.
extern "C" BOOLEAN NTAPI ExChangeHandle(PHANDLE_TABLE HandleTable, HANDLE Handle,
                                       PEX_CHANGE_HANDLE_CALLBACK ChangeRoutine, ULONG_PTR Context)
{
    EXHANDLE ExHandle;
    BOOLEAN Result = FALSE;
    KeEnterCriticalRegion();
    PHANDLE_TABLE_ENTRY Entry = ExpMapEntry(HandleTable, ExpLookupUsableEntry(HandleTable, Handle, &ExHandle));
    if (Entry) {
        Result = ChangeRoutine(Entry, Context);
        ExUnlockHandleTableEntry(HandleTable, Entry);
    }
    KeLeaveCriticalRegion();
    return Result;
}

namespace {

// Fills one new entry of a table being duplicated: a copy of the old entry if it has
// a Mask attribute, can be locked and DupHandleProcedure accepts it (the routine
// unlocks the old entry); else a free entry on the new table's FirstFree. At or below
// APC_LEVEL, in a critical region.
void ExpDuplicateEntry(PEPROCESS Process, PHANDLE_TABLE HandleTable, PHANDLE_TABLE NewTable,
                       PEX_DUPLICATE_HANDLE_CALLBACK DupHandleProcedure, ULONG_PTR Mask, PHANDLE_TABLE_ENTRY OldEntry,
                       PHANDLE_TABLE_ENTRY NewEntry, HANDLE Handle)
{
    if ((ExpReadEntry(OldEntry) & Mask) && ExpLockHandleTableEntry(HandleTable, OldEntry)) {
        NewEntry->Value = ExpReadEntry(OldEntry);
        NewEntry->GrantedAccess = OldEntry->GrantedAccess;
        if (DupHandleProcedure(Process, HandleTable, OldEntry, NewEntry)) {
            NewEntry->Value = NewEntry->Value | EXHANDLE_TABLE_ENTRY_LOCK_BIT;
            NewTable->HandleCount = NewTable->HandleCount + 1;
            return;
        }
    }
    NewEntry->Value = 0;
    NewEntry->NextFreeTableEntry = (LONG)NewTable->FirstFree;
    NewTable->FirstFree = (ULONG)reinterpret_cast<ULONG_PTR>(Handle);
}

} // namespace

// A new table for Process with the same pages as HandleTable: each entry with a Mask
// attribute bit is offered to DupHandleProcedure (see the contract in ex.h) and kept
// at the same handle value if accepted; every other entry is free. NULL when pool
// runs out (before any routine is called). At or below APC_LEVEL.
extern "C" PHANDLE_TABLE NTAPI ExDupHandleTable(PEPROCESS Process, PHANDLE_TABLE HandleTable,
                                               PEX_DUPLICATE_HANDLE_CALLBACK DupHandleProcedure, ULONG_PTR Mask)
{
    PHANDLE_TABLE NewTable = ExpAllocateHandleTable(Process, FALSE);
    if (!NewTable)
        return NULL;
    ULONG Pages = ExpNextHandleNeedingPool(HandleTable);
    while (NewTable->NextHandleNeedingPool < Pages) {
        if (!ExpAllocateHandleTableEntrySlow(NewTable, FALSE)) {
            ExpFreeHandleTable(NewTable);
            return NULL;
        }
    }
    KeEnterCriticalRegion();
    ExpForEachEntry(NewTable, [&](PHANDLE_TABLE_ENTRY NewEntry, HANDLE Handle) {
        EXHANDLE ExHandle;
        ExHandle.GenericHandleOverlay = Handle;
        ExpDuplicateEntry(Process, HandleTable, NewTable, DupHandleProcedure, Mask,
                          ExpLookupHandleTableEntry(HandleTable, ExHandle), NewEntry, Handle);
        return false;
    });
    KeLeaveCriticalRegion();
    ExpInsertHandleTable(NewTable);
    return NewTable;
}
