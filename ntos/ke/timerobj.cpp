// timerobj.cpp - timer objects and the timer table: 256 lists hashed by due tick,
// each kept in due-time order, searched from the clock's timer DPC.
#include "ke.h"

LIST_ENTRY KiTimerTableListHead[TIMER_TABLE_SIZE];
ULONG64 KiLastTimerTick; // the last tick whose table list was searched

namespace {

inline ULONG KiTimerHand(ULONG64 DueTime)
{
    return (ULONG)((DueTime / KeMaximumIncrement) & (TIMER_TABLE_SIZE - 1));
}

} // namespace

// Interrupt time at which a timer set with DueTime expires: negative is relative,
// positive is an absolute system time. Any IRQL.
extern "C" ULONG64 NTAPI KiDueInterruptTime(LARGE_INTEGER DueTime, PBOOLEAN Absolute)
{
    ULONG64 Now = KeQueryInterruptTime();
    *Absolute = DueTime.QuadPart > 0;
    if (DueTime.QuadPart <= 0)
        return Now + (ULONG64)(-DueTime.QuadPart);
    LARGE_INTEGER SystemTime;
    KeQuerySystemTime(&SystemTime);
    LONGLONG Delta = DueTime.QuadPart - SystemTime.QuadPart;
    return Delta <= 0 ? Now : Now + (ULONG64)Delta;
}

// Empties the timer table. Before the machine starts.
extern "C" VOID NTAPI KiInitializeTimerTable(VOID)
{
    for (LIST_ENTRY &Head : KiTimerTableListHead)
        InitializeListHead(&Head);
    KiLastTimerTick = 0;
}

// Inserts a timer due at DueTime (interrupt time) into the timer table; FALSE, and
// not inserted, if it is already due. At SYNCH_LEVEL with the dispatcher lock held.
extern "C" BOOLEAN NTAPI KiInsertTimerTable(PKTIMER Timer, ULONG64 DueTime)
{
    Timer->DueTime.QuadPart = DueTime;
    if (DueTime <= KeQueryInterruptTime())
        return FALSE;
    PLIST_ENTRY Head = &KiTimerTableListHead[KiTimerHand(DueTime)];
    PLIST_ENTRY Entry = Head->Blink;
    while (Entry != Head && CONTAINING_RECORD(Entry, KTIMER, TimerListEntry)->DueTime.QuadPart > DueTime)
        Entry = Entry->Blink;
    InsertHeadList(Entry, &Timer->TimerListEntry);
    Timer->Header.Inserted = TRUE;
    return TRUE;
}

// Takes a timer out of the timer table. At SYNCH_LEVEL with the dispatcher lock held.
extern "C" VOID NTAPI KiRemoveEntryTimer(PKTIMER Timer)
{
    RemoveEntryList(&Timer->TimerListEntry);
    Timer->Header.Inserted = FALSE;
}

// A timer came due: signal it, re-insert it if periodic, wake its waiters (all for a
// notification timer, one for a synchronization timer) and return its DPC for the
// caller to queue. At SYNCH_LEVEL with the dispatcher lock
// held; the timer is not in the table.
extern "C" PKDPC NTAPI KiSignalTimer(PKTIMER Timer)
{
    PKDPC Dpc = Timer->Dpc;
    KiSetSignalState(&Timer->Header, TRUE);
    if (Timer->Period) {
        ULONG64 Period = (ULONG64)Timer->Period * 10000;
        if (!KiInsertTimerTable(Timer, Timer->DueTime.QuadPart + Period))
            KiInsertTimerTable(Timer, KeQueryInterruptTime() + Period); // fell behind: skip missed periods
    }
    if (!IsListEmpty(&Timer->Header.WaitListHead))
        KiWaitTest(Timer, 0);
    return Dpc;
}

// Queues a timer's DPC with the interrupt time as its arguments, as NT does. At or
// below DISPATCH_LEVEL.
extern "C" VOID NTAPI KiQueueTimerDpc(PKDPC Dpc)
{
    ULARGE_INTEGER Now;
    Now.QuadPart = KeQueryInterruptTime();
    KeInsertQueueDpc(Dpc, reinterpret_cast<PVOID>((ULONG_PTR)Now.LowPart),
                     reinterpret_cast<PVOID>((ULONG_PTR)Now.HighPart));
}

// The earliest due time in the table (interrupt time), or MAXULONG64. Hosted: the
// deterministic machine asks when every processor is idle, to jump its clock there.
extern "C" ULONG64 NTAPI KiNextTimerDueTime(VOID)
{
    ULONG64 Earliest = ~0ULL;
    for (LIST_ENTRY &Head : KiTimerTableListHead) {
        if (!IsListEmpty(&Head)) {
            ULONG64 Due = CONTAINING_RECORD(Head.Flink, KTIMER, TimerListEntry)->DueTime.QuadPart;
            if (Due < Earliest)
                Earliest = Due;
        }
    }
    return Earliest;
}

// Initializes a notification timer. Any IRQL.
extern "C" VOID NTAPI KeInitializeTimer(PKTIMER Timer)
{
    KeInitializeTimerEx(Timer, NotificationTimer);
}

// Initializes a notification or synchronization timer, not set and not signalled.
// Any IRQL.
extern "C" VOID NTAPI KeInitializeTimerEx(PKTIMER Timer, TIMER_TYPE Type)
{
    Timer->Header.Type = (UCHAR)((ULONG)TimerNotificationObject + (ULONG)Type);
    Timer->Header.Size = sizeof(KTIMER) / sizeof(ULONG);
    Timer->Header.Inserted = FALSE;
    KiSetSignalState(&Timer->Header, FALSE);
    InitializeListHead(&Timer->Header.WaitListHead);
    Timer->DueTime.QuadPart = 0;
    Timer->Period = 0;
    Timer->Dpc = NULL;
}

// KeSetTimerEx without a period.
extern "C" BOOLEAN NTAPI KeSetTimer(PKTIMER Timer, LARGE_INTEGER DueTime, PKDPC Dpc)
{
    return KeSetTimerEx(Timer, DueTime, 0, Dpc);
}

// Sets a timer to expire at DueTime (negative: relative, 100 ns units) and then every
// Period milliseconds, queueing Dpc at each expiry; the timer is reset to not
// signalled. Returns TRUE if it was already set. At or below DISPATCH_LEVEL.
extern "C" BOOLEAN NTAPI KeSetTimerEx(PKTIMER Timer, LARGE_INTEGER DueTime, LONG Period, PKDPC Dpc)
{
    ASSERT_TIMER(Timer);
    ASSERT(Period >= 0);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    BOOLEAN WasSet = Timer->Header.Inserted;
    if (WasSet)
        KiRemoveEntryTimer(Timer);
    BOOLEAN Absolute;
    ULONG64 Due = KiDueInterruptTime(DueTime, &Absolute);
    Timer->Header.Absolute = Absolute;
    KiSetSignalState(&Timer->Header, FALSE);
    Timer->Dpc = Dpc;
    Timer->Period = Period;
    PKDPC DueDpc = NULL;
    if (!KiInsertTimerTable(Timer, Due))
        DueDpc = KiSignalTimer(Timer);
    KiReleaseDispatcherLock(OldIrql);
    if (DueDpc)
        KiQueueTimerDpc(DueDpc);
    return WasSet;
}

// Cancels a set timer; TRUE if it was set. Its signal state is left as it is. At or
// below DISPATCH_LEVEL.
extern "C" BOOLEAN NTAPI KeCancelTimer(PKTIMER Timer)
{
    ASSERT_TIMER(Timer);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    BOOLEAN WasSet = Timer->Header.Inserted;
    if (WasSet)
        KiRemoveEntryTimer(Timer);
    KiReleaseDispatcherLock(OldIrql);
    return WasSet;
}

// Returns whether the timer is signalled. Any IRQL.
extern "C" BOOLEAN NTAPI KeReadStateTimer(PKTIMER Timer)
{
    ASSERT_TIMER(Timer);
    return (BOOLEAN)KiSignalState(&Timer->Header);
}
