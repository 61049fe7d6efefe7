// miscc.cpp - the scheduler notify routines Windows 2000 exported undocumented (NT's
// ke/miscc.c): a routine told of every context switch, one consulted when a ready
// thread is selected, and one told of every clock tick charged to a thread.
#include "ke.h"

PSWAP_CONTEXT_NOTIFY_ROUTINE KiSwapContextNotifyRoutine;
PTHREAD_SELECT_NOTIFY_ROUTINE KiThreadSelectNotifyRoutine;
PTIME_UPDATE_NOTIFY_ROUTINE KiTimeUpdateNotifyRoutine;

// Registers (or with NULL removes) the routine called on each context switch with the
// outgoing and incoming threads' ids; it runs at SYNCH_LEVEL or DISPATCH_LEVEL on the
// outgoing thread's stack. At PASSIVE_LEVEL.
extern "C" VOID FASTCALL KeSetSwapContextNotifyRoutine(PSWAP_CONTEXT_NOTIFY_ROUTINE NotifyRoutine)
{
    __atomic_store_n(&KiSwapContextNotifyRoutine, NotifyRoutine, __ATOMIC_RELEASE);
}

// Registers (or with NULL removes) the routine asked, while a processor picks a ready
// thread, whether that thread is a good choice; FALSE makes the scheduler prefer a
// later one of the same priority. At PASSIVE_LEVEL.
extern "C" VOID FASTCALL KeSetThreadSelectNotifyRoutine(PTHREAD_SELECT_NOTIFY_ROUTINE NotifyRoutine)
{
    __atomic_store_n(&KiThreadSelectNotifyRoutine, NotifyRoutine, __ATOMIC_RELEASE);
}

// Registers (or with NULL removes) the routine called at each clock tick with the id of
// the thread charged and the mode charged; it runs at CLOCK_LEVEL. At PASSIVE_LEVEL.
extern "C" VOID FASTCALL KeSetTimeUpdateNotifyRoutine(PTIME_UPDATE_NOTIFY_ROUTINE NotifyRoutine)
{
    __atomic_store_n(&KiTimeUpdateNotifyRoutine, NotifyRoutine, __ATOMIC_RELEASE);
}

// The id the notify routines get for a thread: its ETHREAD's Cid.UniqueThread (NULL
// until the thread has a CID). Any IRQL.
extern "C" HANDLE NTAPI KiThreadId(PKTHREAD Thread)
{
    return CONTAINING_RECORD(Thread, ETHREAD, Tcb)->Cid.UniqueThread;
}
