// thrdobj.cpp - the kernel thread object: initialization, start, readying,
// uninitialization and termination.
#include "ke.h"
#include "ex.h"
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
    KiWritePriority(Thread, Thread->BasePriority);
    Thread->Affinity = Process->Affinity & KeActiveProcessors;
    Thread->UserAffinity = Thread->Affinity;
    Thread->IdealProcessor = (UCHAR)(Process->ThreadSeed++ % (UCHAR)KeNumberProcessors);
    Thread->UserIdealProcessor = Thread->IdealProcessor;
    KiSetNextProcessor(Thread, Thread->IdealProcessor);
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


// Ends the current thread: hands it to the reaper, leaves its queue (letting a waiter
// of it run), signals the thread object (waking its waiters), unlinks it from its process and switches away for good; its stack is
// freed by the reaper once the switch has completed (SwapBusy clear). At PASSIVE_LEVEL.
extern "C" VOID NTAPI KeTerminateThread(KPRIORITY Increment)
{
    PKTHREAD Thread = KiGetCurrentThread();
    PKPROCESS Process = Thread->ApcState.Process;
    KIRQL OldIrql = KiAcquireDispatcherLock();
    Thread->WaitIrql = OldIrql;
    // Busy from the moment the reaper or a waiter can see the thread until its final
    // switch has left this stack.
    Thread->SwapBusy = TRUE;

    // Onto the reaper list; the first thread on an empty list queues the reaper.
    PETHREAD EThread = CONTAINING_RECORD(Thread, ETHREAD, Tcb);
    PSINGLE_LIST_ENTRY Link = reinterpret_cast<PSINGLE_LIST_ENTRY>(&EThread->ReaperLink);
    PVOID Head;
    do {
        Head = __atomic_load_n(&PspReaperListHead.Next, __ATOMIC_ACQUIRE);
        Link->Next = static_cast<PSINGLE_LIST_ENTRY>(Head);
    } while (InterlockedCompareExchangePointer(reinterpret_cast<PVOID volatile *>(&PspReaperListHead.Next), Link,
                                               Head) != Head);
    if (!Head)
        KiInsertQueue(&ExWorkerQueue[HyperCriticalWorkQueue].WorkerQueue, &PspReaperWorkItem.List, FALSE);

    if (PKQUEUE Queue = Thread->Queue) {
        RemoveEntryList(&Thread->QueueListEntry);
        Thread->Queue = NULL;
        KiActivateWaiterQueue(Queue);
    }

    // Terminated before the object is signalled: a woken waiter may look at once.
    KiSetThreadState(Thread, Terminated);
    Thread->HostExiting = TRUE;
    KiSetSignalState(&Thread->Header, TRUE);
    if (!IsListEmpty(&Thread->Header.WaitListHead))
        KiWaitTest(&Thread->Header, Increment);
    RemoveEntryList(&Thread->ThreadListEntry);
    Process->KernelTime += __atomic_load_n(&Thread->KernelTime, __ATOMIC_RELAXED);
    Process->UserTime += __atomic_load_n(&Thread->UserTime, __ATOMIC_RELAXED);
    Process->StackCount--;
    KiReleaseDispatcherLockFromSynchLevel();
    KiSwapThread(Thread, KiGetCurrentPrcb());
    KeBugCheckEx(TRAP_CAUSE_UNKNOWN, reinterpret_cast<ULONG_PTR>(Thread), 0, 0, 0);
}

// Returns a thread's kernel time, and its user time in *UserTime, in clock ticks. Any
// IRQL.
extern "C" ULONG NTAPI KeQueryRuntimeThread(PKTHREAD Thread, PULONG UserTime)
{
    ASSERT_THREAD(Thread);
    *UserTime = __atomic_load_n(&Thread->UserTime, __ATOMIC_RELAXED);
    return __atomic_load_n(&Thread->KernelTime, __ATOMIC_RELAXED);
}

// The mode the current thread entered the kernel from (UserMode inside a system
// service called by a user thread). Any IRQL.
extern "C" KPROCESSOR_MODE NTAPI KeGetPreviousMode(VOID)
{
    return KiGetCurrentThread()->PreviousMode;
}

// Returns whether a thread has terminated (its object is signalled). Any IRQL.
extern "C" BOOLEAN NTAPI KeReadStateThread(PKTHREAD Thread)
{
    ASSERT_THREAD(Thread);
    return (BOOLEAN)KiSignalState(&Thread->Header);
}

// Abandons every mutant the exiting current thread still owns, waking their waiters
// with STATUS_ABANDONED; a kernel mutex still held bugchecks
// THREAD_TERMINATE_HELD_MUTEX. At PASSIVE_LEVEL, from the thread exit path.
extern "C" VOID NTAPI KeRundownThread(VOID)
{
    PKTHREAD Thread = KiGetCurrentThread();
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
    ASSERT_THREAD(Thread);
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
    PKTHREAD Thread = KiGetCurrentThread();
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
    PKTHREAD Thread = KiGetCurrentThread();
    KeWaitForSingleObject(&Thread->SuspendSemaphore, Suspended, KernelMode, FALSE, NULL);
}

// Suspends a thread: the first suspension queues its suspend APC, which makes it wait
// at its next chance to run kernel APCs. Returns the previous suspend count; past
// MAXIMUM_SUSPEND_COUNT raises STATUS_SUSPEND_COUNT_EXCEEDED. At or below
// DISPATCH_LEVEL.
extern "C" ULONG NTAPI KeSuspendThread(PKTHREAD Thread)
{
    ASSERT_THREAD(Thread);
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
    ASSERT_THREAD(Thread);
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
    ASSERT_THREAD(Thread);
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
    ASSERT_THREAD(Thread);
    KIRQL OldIrql = KiAcquireApcLockRaiseToSynch(Thread);
    KiAlertThread(Thread, UserMode);
    ULONG PreviousCount = KiResumeOnce(Thread);
    KiReleaseApcLockFromSynchLevel(Thread);
    KiExitDispatcher(OldIrql);
    return PreviousCount;
}

namespace {

// The processor of Affinity a thread should prefer: Current if allowed, else the
// lowest allowed one. Any IRQL.
UCHAR KiFindIdealProcessor(KAFFINITY Affinity, UCHAR Current)
{
    return (Affinity & AFFINITY_MASK(Current)) ? Current : (UCHAR)KiLowestSetBit(Affinity);
}

// TRUE if a system affinity names active processors only, and at least one. Any IRQL.
BOOLEAN KiIsValidSystemAffinity(KAFFINITY Affinity)
{
    return Affinity && !(Affinity & ~KeActiveProcessors);
}

// Gives the current thread a valid system affinity, moving off a processor outside it
// now (or when IRQL drops below DISPATCH_LEVEL). At or below DISPATCH_LEVEL.
void KiSetSystemAffinityThread(KAFFINITY Affinity)
{
    PKTHREAD Thread = KiGetCurrentThread();
    KIRQL OldIrql = KiAcquireDispatcherLock();
    KiAcquireThreadLock(Thread);
    Thread->SystemAffinityActive = TRUE;
    Thread->IdealProcessor = KiFindIdealProcessor(Affinity, Thread->IdealProcessor);
    KiUpdateThreadAffinity(Thread, Affinity);
    KiReleaseThreadLock(Thread);
    KiReleaseDispatcherLock(OldIrql);
}

} // namespace

// Returns a thread's current (dynamic) priority. Any IRQL.
extern "C" KPRIORITY NTAPI KeQueryPriorityThread(PKTHREAD Thread)
{
    ASSERT_THREAD(Thread);
    return KiReadPriority(Thread);
}

// Sets a thread's priority at once (0 becomes 1 over a non-zero base; beyond 0..31 fails
// the ASSERT) and returns the old one. At or below DISPATCH_LEVEL.
extern "C" KPRIORITY NTAPI KeSetPriorityThread(PKTHREAD Thread, KPRIORITY Priority)
{
    ASSERT_THREAD(Thread);
    ASSERT(Priority >= LOW_PRIORITY && Priority <= HIGH_PRIORITY);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    KiAcquireThreadLock(Thread);
    KPRIORITY OldPriority = KiReadPriority(Thread);
    Thread->PriorityDecrement = 0;
    if (Priority != OldPriority) {
        if (Thread->BasePriority != LOW_PRIORITY && Priority == LOW_PRIORITY)
            Priority = LOW_PRIORITY + 1;
        KiSetPriorityThread(Thread, Priority);
    }
    KiReleaseThreadLock(Thread);
    KiReleaseDispatcherLock(OldIrql);
    return OldPriority;
}

// Returns a thread's base priority relative to its process' base (+16 / -16 when
// saturated). At or below DISPATCH_LEVEL.
extern "C" KPRIORITY NTAPI KeQueryBasePriorityThread(PKTHREAD Thread)
{
    ASSERT_THREAD(Thread);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    KiAcquireThreadLock(Thread);
    LONG Increment = Thread->Saturation ? (HIGH_PRIORITY + 1) / 2 * Thread->Saturation
                                        : Thread->BasePriority - Thread->Process->BasePriority;
    KiReleaseThreadLock(Thread);
    KiReleaseDispatcherLock(OldIrql);
    return Increment;
}

// Sets a thread's base to its process' plus Increment, within the class (saturating at
// +-16), and returns the old increment. At or below DISPATCH_LEVEL.
extern "C" LONG NTAPI KeSetBasePriorityThread(PKTHREAD Thread, LONG Increment)
{
    ASSERT_THREAD(Thread);
    PKPROCESS Process = Thread->Process;
    KIRQL OldIrql = KiAcquireDispatcherLock();
    KiAcquireThreadLock(Thread);
    LONG OldBasePriority = Thread->BasePriority;
    LONG OldIncrement = Thread->Saturation ? (HIGH_PRIORITY + 1) / 2 * Thread->Saturation
                                           : OldBasePriority - Process->BasePriority;
    Thread->Saturation = 0;
    if (Increment >= (HIGH_PRIORITY + 1) / 2 || -Increment >= (HIGH_PRIORITY + 1) / 2)
        Thread->Saturation = Increment > 0 ? 1 : -1;

    KPRIORITY BasePriority = Process->BasePriority + Increment;
    KPRIORITY Priority;
    if (Process->BasePriority >= LOW_REALTIME_PRIORITY) {
        BasePriority = KiClampPriority(BasePriority, LOW_REALTIME_PRIORITY, HIGH_PRIORITY);
        Priority = BasePriority;
    } else {
        BasePriority = KiClampPriority(BasePriority, LOW_PRIORITY + 1, LOW_REALTIME_PRIORITY - 1);
        Priority = KiComputeNewPriority(Thread, 0) + BasePriority - OldBasePriority;
        if (Thread->Saturation)
            Priority = BasePriority;
        Priority = KiClampPriority(Priority, LOW_PRIORITY + 1, LOW_REALTIME_PRIORITY - 1);
    }
    Thread->BasePriority = (SCHAR)BasePriority;
    Thread->PriorityDecrement = 0;
    KiSetPriorityThread(Thread, Priority);
    KiReleaseThreadLock(Thread);
    KiReleaseDispatcherLock(OldIrql);
    return OldIncrement;
}

// Sets a thread's user affinity (else INVALID_AFFINITY_SET), in force unless a system
// affinity is, and returns the old one. At or below DISPATCH_LEVEL.
extern "C" KAFFINITY NTAPI KeSetAffinityThread(PKTHREAD Thread, KAFFINITY Affinity)
{
    ASSERT_THREAD(Thread);
    if (!Affinity || (Affinity & Thread->Process->Affinity) != Affinity)
        KeBugCheck(INVALID_AFFINITY_SET);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    KiAcquireThreadLock(Thread);
    KAFFINITY OldAffinity = Thread->UserAffinity;
    Thread->UserAffinity = Affinity;
    Thread->UserIdealProcessor = KiFindIdealProcessor(Affinity, Thread->UserIdealProcessor);
    if (!Thread->SystemAffinityActive) {
        Thread->IdealProcessor = Thread->UserIdealProcessor;
        KiUpdateThreadAffinity(Thread, Affinity);
    }
    KiReleaseThreadLock(Thread);
    KiReleaseDispatcherLock(OldIrql);
    return OldAffinity;
}

// Pins the current thread to Affinity until it reverts (an invalid affinity is
// INVALID_AFFINITY_SET). At or below DISPATCH_LEVEL.
extern "C" VOID NTAPI KeSetSystemAffinityThread(KAFFINITY Affinity)
{
    if (!KiIsValidSystemAffinity(Affinity))
        KeBugCheck(INVALID_AFFINITY_SET);
    KiSetSystemAffinityThread(Affinity);
}

// As KeSetSystemAffinityThread, ignoring an invalid affinity; returns the system
// affinity it replaces (0: none). At or below DISPATCH_LEVEL.
extern "C" KAFFINITY NTAPI KeSetSystemAffinityThreadEx(KAFFINITY Affinity)
{
    PKTHREAD Thread = KiGetCurrentThread();
    KAFFINITY Previous = Thread->SystemAffinityActive ? Thread->Affinity : 0;
    if (KiIsValidSystemAffinity(Affinity))
        KiSetSystemAffinityThread(Affinity);
    return Previous;
}

// Ends the current thread's system affinity; its user affinity and ideal processor
// apply again. At or below DISPATCH_LEVEL.
extern "C" VOID NTAPI KeRevertToUserAffinityThread(VOID)
{
    PKTHREAD Thread = KiGetCurrentThread();
    ASSERT(Thread->SystemAffinityActive);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    KiAcquireThreadLock(Thread);
    Thread->SystemAffinityActive = FALSE;
    Thread->IdealProcessor = Thread->UserIdealProcessor;
    KiUpdateThreadAffinity(Thread, Thread->UserAffinity);
    KiReleaseThreadLock(Thread);
    KiReleaseDispatcherLock(OldIrql);
}

// Restores what KeSetSystemAffinityThreadEx returned: 0 is the user affinity, else a
// system affinity (ignored if invalid). At or below DISPATCH_LEVEL.
extern "C" VOID NTAPI KeRevertToUserAffinityThreadEx(KAFFINITY Affinity)
{
    if (Affinity)
        KeSetSystemAffinityThreadEx(Affinity);
    else if (KiGetCurrentThread()->SystemAffinityActive)
        KeRevertToUserAffinityThread();
}

// Sets the processor a thread prefers when idle ones compete, if its affinity allows;
// returns the old user ideal processor. At or below DISPATCH_LEVEL.
extern "C" UCHAR NTAPI KeSetIdealProcessorThread(PKTHREAD Thread, UCHAR Processor)
{
    ASSERT_THREAD(Thread);
    ASSERT(Processor <= MAXIMUM_PROCESSORS);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    KiAcquireThreadLock(Thread);
    UCHAR OldIdealProcessor = Thread->UserIdealProcessor;
    if (Processor < (UCHAR)KeNumberProcessors && (Thread->Affinity & AFFINITY_MASK(Processor))) {
        Thread->IdealProcessor = Processor;
        if (!Thread->SystemAffinityActive)
            Thread->UserIdealProcessor = Processor;
    }
    KiReleaseThreadLock(Thread);
    KiReleaseDispatcherLock(OldIrql);
    return OldIdealProcessor;
}
