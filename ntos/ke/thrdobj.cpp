// thrdobj.cpp - the kernel thread object: initialization, start, readying,
// uninitialization and termination.
#include "ke.h"
#include "mm.h"
#include "ps.h"

volatile LONG KiThreadSequence;

// Initializes a KTHREAD for Process: dispatcher header, APC state, wait blocks, the
// thread timer block, the kernel stack (allocated unless given) and the initial
// context. The thread is left Initialized. SystemRoutine NULL means the thread is
// already running on KernelStack (a processor's idle thread). At PASSIVE_LEVEL, or
// during processor start-up.
extern "C" NTSTATUS NTAPI KeInitThread(PKTHREAD Thread, PVOID KernelStack, PKSYSTEM_ROUTINE SystemRoutine,
                                       PKSTART_ROUTINE StartRoutine, PVOID StartContext, PVOID Context,
                                       PVOID Teb, PKPROCESS Process)
{
    Thread->Header.Type = ThreadObject;
    Thread->Header.Size = sizeof(KTHREAD) / sizeof(ULONG);
    KiSetSignalState(&Thread->Header, 0);
    InitializeListHead(&Thread->Header.WaitListHead);
    InitializeListHead(&Thread->MutantListHead);
    for (ULONG i = 0; i <= THREAD_WAIT_OBJECTS; i++)
        Thread->WaitBlock[i].Thread = Thread;
    Thread->EnableStackSwap = TRUE;
    Thread->SwapBusy = FALSE;
    Thread->KernelStackResident = TRUE;
    Thread->AdjustReason = AdjustNone;
    KeInitializeSpinLock(&Thread->ThreadLock);
    KeInitializeSpinLock(&Thread->ApcQueueLock);
    InitializeListHead(&Thread->ApcState.ApcListHead[KernelMode]);
    InitializeListHead(&Thread->ApcState.ApcListHead[UserMode]);
    Thread->ApcState.Process = Process;
    Thread->ApcStatePointer[OriginalApcEnvironment] = &Thread->ApcState;
    Thread->ApcStatePointer[AttachedApcEnvironment] = &Thread->SavedApcState;
    Thread->ApcStateIndex = OriginalApcEnvironment;
    Thread->ApcQueueable = TRUE;
    KeInitializeApc(&Thread->SuspendApc, Thread, OriginalApcEnvironment, KiSuspendNop, KiSuspendRundown,
                    KiSuspendThread, KernelMode, NULL);
    KeInitializeSemaphore(&Thread->SuspendSemaphore, 0, 2);
    Thread->Teb = Teb;
    Thread->Process = Process;
    Thread->HostSequence = (ULONG)InterlockedIncrement(&KiThreadSequence);

    // The thread's own timer wait block, pre-wired for timed waits.
    PKTIMER Timer = &Thread->Timer;
    Timer->Header.Type = TimerNotificationObject;
    Timer->Header.Size = sizeof(KTIMER) / sizeof(ULONG);
    InitializeListHead(&Timer->Header.WaitListHead);
    PKWAIT_BLOCK TimerWaitBlock = &Thread->WaitBlock[TIMER_WAIT_BLOCK];
    TimerWaitBlock->Object = Timer;
    TimerWaitBlock->WaitKey = (USHORT)STATUS_TIMEOUT;
    TimerWaitBlock->WaitType = WaitAny;
    TimerWaitBlock->NextWaitBlock = NULL;
    InsertTailList(&Timer->Header.WaitListHead, &TimerWaitBlock->WaitListEntry);

    BOOLEAN AllocatedStack = FALSE;
    if (!KernelStack) {
        KernelStack = MmCreateKernelStack(FALSE, 0);
        if (!KernelStack)
            return STATUS_INSUFFICIENT_RESOURCES;
        AllocatedStack = TRUE;
    }
    Thread->StackBase = KernelStack;
    Thread->InitialStack = KernelStack;
    Thread->StackLimit = static_cast<PCHAR>(KernelStack) - MmKernelStackSize;
    Thread->KernelStackResident = TRUE;
    Thread->LargeStack = FALSE;
    Thread->HostFiber = HalHostCreateFiber();
    if (SystemRoutine)
        KiInitializeContextThread(Thread, SystemRoutine, StartRoutine, StartContext, Context);
    UNREFERENCED_PARAMETER(AllocatedStack);
    KiSetThreadState(Thread, Initialized);
    return STATUS_SUCCESS;
}

// Takes the thread's scheduling parameters from its process and links it into the
// process' thread list; the thread stays Initialized until readied. At PASSIVE_LEVEL.
extern "C" VOID NTAPI KeStartThread(PKTHREAD Thread)
{
    PKPROCESS Process = Thread->ApcState.Process;
    Thread->DisableBoost = Process->DisableBoost;
    Thread->Quantum = Process->QuantumReset;
    Thread->QuantumReset = (UCHAR)Process->QuantumReset;
    Thread->SystemAffinityActive = FALSE;

    KIRQL OldIrql = KeAcquireSpinLockRaiseToDpc(&Process->ProcessLock);
    Thread->BasePriority = Process->BasePriority;
    Thread->Priority = Thread->BasePriority;
    Thread->Affinity = Process->Affinity & KeActiveProcessors;
    Thread->UserAffinity = Thread->Affinity;
    Thread->IdealProcessor = (UCHAR)(Process->ThreadSeed++ % (UCHAR)KeNumberProcessors);
    Thread->UserIdealProcessor = Thread->IdealProcessor;
    Thread->NextProcessor = Thread->IdealProcessor;
    KiAcquireDispatcherLockAtSynchLevel();
    InsertTailList(&Process->ThreadListHead, &Thread->ThreadListEntry);
    Process->StackCount++;
    KiReleaseDispatcherLockFromSynchLevel();
    KeReleaseSpinLock(&Process->ProcessLock, OldIrql);
}

// Makes an Initialized (or waiting-to-run) thread ready to be scheduled. At or
// below DISPATCH_LEVEL.
extern "C" VOID NTAPI KeReadyThread(PKTHREAD Thread)
{
    KIRQL OldIrql = KiAcquireDispatcherLock();
    KiReadyThread(Thread);
    KiReleaseDispatcherLock(OldIrql);
}

// Undoes KeInitThread for a thread that never ran: frees its kernel stack. At
// PASSIVE_LEVEL.
extern "C" VOID NTAPI KeUninitThread(PKTHREAD Thread)
{
    MmDeleteKernelStack(Thread->StackBase, FALSE);
    Thread->InitialStack = NULL;
    HalHostDeleteFiber(Thread->HostFiber);
    Thread->HostFiber = NULL;
}

// Returns the thread running on this processor. Any IRQL.
extern "C" PKTHREAD NTAPI KeGetCurrentThread(VOID)
{
    return HalHostCurrentPcr()->Prcb.CurrentThread;
}

// Returns a thread's current (dynamic) priority. Any IRQL.
extern "C" KPRIORITY NTAPI KeQueryPriorityThread(PKTHREAD Thread)
{
    return Thread->Priority;
}

// Ends the current thread: hands it to the reaper, signals the thread object (waking
// its waiters), unlinks it from its process and switches away for good; its stack is
// freed by the reaper once the switch has completed (SwapBusy clear). At PASSIVE_LEVEL.
extern "C" VOID NTAPI KeTerminateThread(KPRIORITY Increment)
{
    PKTHREAD Thread = KeGetCurrentThread();
    PKPROCESS Process = Thread->ApcState.Process;
    KIRQL OldIrql = KiAcquireDispatcherLock();
    Thread->WaitIrql = OldIrql;
    // Busy from the moment the reaper or a waiter can see the thread until its final
    // switch has left this stack.
    Thread->SwapBusy = TRUE;

    PETHREAD EThread = CONTAINING_RECORD(Thread, ETHREAD, Tcb);
    PSINGLE_LIST_ENTRY Link = reinterpret_cast<PSINGLE_LIST_ENTRY>(&EThread->ReaperLink);
    PVOID Head;
    do {
        Head = __atomic_load_n(&PspReaperListHead.Next, __ATOMIC_ACQUIRE);
        Link->Next = static_cast<PSINGLE_LIST_ENTRY>(Head);
    } while (InterlockedCompareExchangePointer(reinterpret_cast<PVOID volatile *>(&PspReaperListHead.Next), Link,
                                               Head) != Head);

    // Terminated before the object is signalled: a woken waiter may look at once.
    KiSetThreadState(Thread, Terminated);
    Thread->HostExiting = TRUE;
    KiSetSignalState(&Thread->Header, TRUE);
    if (!IsListEmpty(&Thread->Header.WaitListHead))
        KiWaitTest(&Thread->Header, Increment);
    RemoveEntryList(&Thread->ThreadListEntry);
    Process->StackCount--;
    KiReleaseDispatcherLockFromSynchLevel();
    KiSwapThread(Thread, KeGetCurrentPrcb());
    KeBugCheckEx(TRAP_CAUSE_UNKNOWN, reinterpret_cast<ULONG_PTR>(Thread), 0, 0, 0);
}

// Returns whether a thread has terminated (its object is signalled). Any IRQL.
extern "C" BOOLEAN NTAPI KeReadStateThread(PKTHREAD Thread)
{
    return (BOOLEAN)KiSignalState(&Thread->Header);
}

// Abandons every mutant the exiting current thread still owns, waking their waiters
// with STATUS_ABANDONED; a kernel mutex still held bugchecks
// THREAD_TERMINATE_HELD_MUTEX. At PASSIVE_LEVEL, from the thread exit path.
extern "C" VOID NTAPI KeRundownThread(VOID)
{
    PKTHREAD Thread = KeGetCurrentThread();
    if (IsListEmpty(&Thread->MutantListHead))
        return;
    KIRQL OldIrql = KiAcquireDispatcherLock();
    while (!IsListEmpty(&Thread->MutantListHead)) {
        PKMUTANT Mutant = CONTAINING_RECORD(Thread->MutantListHead.Flink, KMUTANT, MutantListEntry);
        if (Mutant->ApcDisable)
            KeBugCheckEx(THREAD_TERMINATE_HELD_MUTEX, reinterpret_cast<ULONG_PTR>(Thread),
                         reinterpret_cast<ULONG_PTR>(Mutant), 0, 0);
        RemoveEntryList(&Mutant->MutantListEntry);
        KiSetSignalState(&Mutant->Header, 1);
        Mutant->Abandoned = TRUE;
        Mutant->OwnerThread = NULL;
        if (!IsListEmpty(&Mutant->Header.WaitListHead))
            KiWaitTest(&Mutant->Header, MUTANT_INCREMENT);
    }
    KiReleaseDispatcherLock(OldIrql);
}

namespace {
// Alerts a thread for AlertMode unless it already is: ends an alertable wait of that
// mode or a lower one with STATUS_ALERTED, else marks it alerted. Returns whether it
// already was. At SYNCH_LEVEL with the thread's APC lock held.
BOOLEAN KiAlertThread(PKTHREAD Thread, KPROCESSOR_MODE AlertMode)
{
    KiAcquireDispatcherLockAtSynchLevel();
    BOOLEAN PreviousState = Thread->Alerted[(UCHAR)AlertMode];
    if (!PreviousState) {
        if (KiGetThreadState(Thread) == Waiting && Thread->Alertable && AlertMode <= Thread->WaitMode)
            KiUnwaitThread(Thread, STATUS_ALERTED, THREAD_ALERT_INCREMENT);
        else
            Thread->Alerted[(UCHAR)AlertMode] = TRUE;
    }
    KiReleaseDispatcherLockFromSynchLevel();
    return PreviousState;
}
} // namespace

// Alerts a thread for AlertMode: ends an alertable wait of that mode (or a user-mode
// wait for a kernel alert) with STATUS_ALERTED, else leaves it alerted. Returns
// whether it already was. At or below DISPATCH_LEVEL.
extern "C" BOOLEAN NTAPI KeAlertThread(PKTHREAD Thread, KPROCESSOR_MODE AlertMode)
{
    KIRQL OldIrql = KiAcquireApcLockRaiseToSynch(Thread);
    BOOLEAN PreviousState = KiAlertThread(Thread, AlertMode);
    KiReleaseApcLockFromSynchLevel(Thread);
    KiExitDispatcher(OldIrql);
    return PreviousState;
}

// Tests and clears the current thread's alert for AlertMode; a user-mode test with
// user APCs queued makes them pending instead. Returns whether it was alerted. At or
// below APC_LEVEL.
extern "C" BOOLEAN NTAPI KeTestAlertThread(KPROCESSOR_MODE AlertMode)
{
    PKTHREAD Thread = KeGetCurrentThread();
    KIRQL OldIrql = KiAcquireApcLockRaiseToSynch(Thread);
    KiAcquireDispatcherLockAtSynchLevel();
    BOOLEAN OldState = Thread->Alerted[(UCHAR)AlertMode];
    if (OldState)
        Thread->Alerted[(UCHAR)AlertMode] = FALSE;
    else if (AlertMode != KernelMode && !IsListEmpty(&Thread->ApcState.ApcListHead[UserMode]))
        Thread->ApcState.UserApcPending = TRUE;
    KiReleaseDispatcherLockFromSynchLevel();
    KiReleaseApcLock(Thread, OldIrql);
    return OldState;
}

namespace {

// Releases the suspend semaphore once, letting a suspended thread go on. At
// SYNCH_LEVEL with the thread's APC lock held.
void KiReleaseSuspendSemaphore(PKTHREAD Thread)
{
    KiAcquireDispatcherLockAtSynchLevel();
    KiSetSignalState(&Thread->SuspendSemaphore.Header, KiSignalState(&Thread->SuspendSemaphore.Header) + 1);
    KiWaitTest(&Thread->SuspendSemaphore.Header, RESUME_INCREMENT);
    KiReleaseDispatcherLockFromSynchLevel();
}

// One resume of a thread: the suspend count drops by one and, at zero, the thread is
// let go. Returns the previous count. At SYNCH_LEVEL with the thread's APC lock held.
ULONG KiResumeOnce(PKTHREAD Thread)
{
    ULONG PreviousCount = (ULONG)Thread->SuspendCount;
    if (PreviousCount) {
        Thread->SuspendCount--;
        if (!Thread->SuspendCount && !Thread->FreezeCount)
            KiReleaseSuspendSemaphore(Thread);
    }
    return PreviousCount;
}

} // namespace

// The suspend APC's kernel routine: nothing to do at APC_LEVEL; the normal routine
// does the suspending. At APC_LEVEL.
extern "C" VOID NTAPI KiSuspendNop(PKAPC Apc, PKNORMAL_ROUTINE *NormalRoutine, PVOID *NormalContext,
                                   PVOID *SystemArgument1, PVOID *SystemArgument2)
{
    UNREFERENCED_PARAMETER(Apc);
    UNREFERENCED_PARAMETER(NormalRoutine);
    UNREFERENCED_PARAMETER(NormalContext);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
}

// The suspend APC's rundown routine: the APC is the thread's own, nothing to free.
extern "C" VOID NTAPI KiSuspendRundown(PKAPC Apc)
{
    UNREFERENCED_PARAMETER(Apc);
}

// The suspend APC's normal routine: the thread waits on its suspend semaphore until
// resumed. At PASSIVE_LEVEL.
extern "C" VOID NTAPI KiSuspendThread(PVOID NormalContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    UNREFERENCED_PARAMETER(NormalContext);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    PKTHREAD Thread = KeGetCurrentThread();
    KeWaitForSingleObject(&Thread->SuspendSemaphore, Suspended, KernelMode, FALSE, NULL);
}

// Suspends a thread: the first suspension queues its suspend APC, which makes it wait
// at its next chance to run kernel APCs. Returns the previous suspend count; past
// MAXIMUM_SUSPEND_COUNT raises STATUS_SUSPEND_COUNT_EXCEEDED. At or below
// DISPATCH_LEVEL.
extern "C" ULONG NTAPI KeSuspendThread(PKTHREAD Thread)
{
    KIRQL OldIrql = KiAcquireApcLockRaiseToSynch(Thread);
    ULONG PreviousCount = (ULONG)Thread->SuspendCount;
    if (PreviousCount == MAXIMUM_SUSPEND_COUNT) {
        KiReleaseApcLock(Thread, OldIrql);
        ExRaiseStatus(STATUS_SUSPEND_COUNT_EXCEEDED);
    }
    if (Thread->ApcQueueable) {
        Thread->SuspendCount++;
        if (!PreviousCount && !Thread->FreezeCount) {
            if (!Thread->SuspendApc.Inserted) {
                Thread->SuspendApc.Inserted = TRUE;
                KiInsertQueueApc(&Thread->SuspendApc, RESUME_INCREMENT);
            } else {
                // Still queued from before a resume that released the semaphore: take that back.
                KiAcquireDispatcherLockAtSynchLevel();
                KiSetSignalState(&Thread->SuspendSemaphore.Header,
                                 KiSignalState(&Thread->SuspendSemaphore.Header) - 1);
                KiReleaseDispatcherLockFromSynchLevel();
            }
        }
    }
    KiReleaseApcLockFromSynchLevel(Thread);
    KiExitDispatcher(OldIrql);
    return PreviousCount;
}

// Undoes one suspension; the last lets the thread run. Returns the previous suspend
// count. At or below DISPATCH_LEVEL.
extern "C" ULONG NTAPI KeResumeThread(PKTHREAD Thread)
{
    KIRQL OldIrql = KiAcquireApcLockRaiseToSynch(Thread);
    ULONG PreviousCount = KiResumeOnce(Thread);
    KiReleaseApcLockFromSynchLevel(Thread);
    KiExitDispatcher(OldIrql);
    return PreviousCount;
}

// Clears every suspension and freeze at once and lets the thread run. Returns the
// previous suspend plus freeze count. At or below DISPATCH_LEVEL.
extern "C" ULONG NTAPI KeForceResumeThread(PKTHREAD Thread)
{
    KIRQL OldIrql = KiAcquireApcLockRaiseToSynch(Thread);
    ULONG PreviousCount = (ULONG)(Thread->SuspendCount + Thread->FreezeCount);
    if (PreviousCount) {
        Thread->SuspendCount = 0;
        Thread->FreezeCount = 0;
        KiReleaseSuspendSemaphore(Thread);
    }
    KiReleaseApcLockFromSynchLevel(Thread);
    KiExitDispatcher(OldIrql);
    return PreviousCount;
}

// Alerts a thread for user mode and undoes one suspension; returns the previous
// suspend count. At or below DISPATCH_LEVEL.
extern "C" ULONG NTAPI KeAlertResumeThread(PKTHREAD Thread)
{
    KIRQL OldIrql = KiAcquireApcLockRaiseToSynch(Thread);
    KiAlertThread(Thread, UserMode);
    ULONG PreviousCount = KiResumeOnce(Thread);
    KiReleaseApcLockFromSynchLevel(Thread);
    KiExitDispatcher(OldIrql);
    return PreviousCount;
}
