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
        KxUnwaitThread(&Thread->Header, Increment);
    RemoveEntryList(&Thread->ThreadListEntry);
    Process->StackCount--;
    KiReleaseDispatcherLockFromSynchLevel();
    KiSwapThread(Thread, KeGetCurrentPrcb());
    KeBugCheckEx(TRAP_CAUSE_UNKNOWN, reinterpret_cast<ULONG_PTR>(Thread), 0, 0, 0);
}
