/* internal/ke.h - private kernel (Ke/Ki) prototypes and globals, as ReactOS's
 * ntoskrnl/include/internal/ke.h. */
#ifndef _INTERNAL_KE_H
#define _INTERNAL_KE_H

#include "ntifs.h"
#include "ndk/ntndk.h"
#include "halhost.h"
#include "perf.h"

NT_EXTERN_C_BEGIN

/* KeGetCurrentPrcb, KeGetCurrentThread and KeGetCurrentIrql without a call, for the
 * kernel's own paths: one PCR read each, as NT's inline forms read gs. Any IRQL. */
FORCEINLINE PKPRCB KiGetCurrentPrcb(VOID)
{
    return &HalHostCurrentPcr()->Prcb;
}

FORCEINLINE PKTHREAD KiGetCurrentThread(VOID)
{
    return HalHostCurrentPcr()->Prcb.CurrentThread;
}

FORCEINLINE KIRQL KiGetCurrentIrql(VOID)
{
    return HalHostCurrentPcr()->Irql;
}

/* The frame KiInitializeContextThread puts at the top of a new thread's stack. */
typedef struct _KSTART_FRAME {
    PKSYSTEM_ROUTINE SystemRoutine;
    PKSTART_ROUTINE StartRoutine;
    PVOID StartContext;
    ULONG_PTR Reserved;
} KSTART_FRAME, *PKSTART_FRAME;

/* A kernel object handed to a Ke routine is of the type it takes, as a checked build
 * asserts it (a failed ASSERT: 0x1E with STATUS_ASSERTION_FAILURE). */
#define ASSERT_THREAD(Object) ASSERT((Object)->Header.Type == ThreadObject)
#define ASSERT_PROCESS(Object) ASSERT((Object)->Header.Type == ProcessObject)
#define ASSERT_DPC(Object) ASSERT((Object)->Type == DpcObject || (Object)->Type == ThreadedDpcObject)
#define ASSERT_EVENT(Object)                                                                                    \
    ASSERT((Object)->Header.Type == EventNotificationObject || (Object)->Header.Type == EventSynchronizationObject)
#define ASSERT_TIMER(Object)                                                                                    \
    ASSERT((Object)->Header.Type == TimerNotificationObject || (Object)->Header.Type == TimerSynchronizationObject)
#define ASSERT_MUTANT(Object) ASSERT((Object)->Header.Type == MutantObject)
#define ASSERT_SEMAPHORE(Object) ASSERT((Object)->Header.Type == SemaphoreObject)
#define ASSERT_QUEUE(Object) ASSERT((Object)->Header.Type == QueueObject)
#define ASSERT_GATE(Object) ASSERT((Object)->Header.Type == GateObject)
#define ASSERT_APC(Object) ASSERT((Object)->Type == ApcObject)

extern PKPRCB KiProcessorBlock[MAXIMUM_PROCESSORS];
extern volatile KAFFINITY KiIdleSummary;
extern KSPIN_LOCK KiDispatcherLock;
extern KSPIN_LOCK KiQueuedSpinLocks[LockQueueMaximumLock];
extern volatile ULONG64 KeTickCount;
extern ULONG KeMaximumIncrement;
extern volatile LONG KiThreadSequence;
extern volatile LONG KiPhase0Complete;

/* procobj.cpp */
extern LIST_ENTRY KiProcessListHead;
VOID NTAPI KiInitializeProcessObject(PKPROCESS Process, KPRIORITY Priority, KAFFINITY Affinity,
                                     PULONG_PTR DirectoryTableBase, BOOLEAN Enable);
VOID NTAPI KiDeleteProcess(PKPROCESS Process);

/* invariant.cpp */
ULONG NTAPI KiCheckDispatcherInvariants(VOID);

/* krnlinit.cpp */
VOID NTAPI KiSystemStartup(ULONG Number);
VOID NTAPI KiInitializeKernel(ULONG Number);
NTSTATUS NTAPI KiPrepareProcessors(ULONG Count, HAL_MACHINE_CONFIG *Config);
VOID NTAPI KiReleaseProcessors(VOID);

/* idle.cpp */
DECLSPEC_NORETURN VOID NTAPI KiIdleLoop(VOID);

/* thrdini.cpp / ctxswitch.cpp */
VOID NTAPI KiInitializeContextThread(PKTHREAD Thread, PKSYSTEM_ROUTINE SystemRoutine, PKSTART_ROUTINE StartRoutine,
                                     PVOID StartContext, PVOID Context);
BOOLEAN NTAPI KiSwapContext(KIRQL WaitIrql, PKTHREAD OldThread);
BOOLEAN NTAPI KiSwapContextResume(KIRQL ApcBypass, PKTHREAD OldThread);
BOOLEAN NTAPI KiCheckApcOnResume(PKTHREAD Thread, KIRQL WaitIrql);

/* thrdschd.cpp */
VOID NTAPI KiReadyThread(PKTHREAD Thread);
VOID NTAPI KiSetStandbyThread(PKPRCB Prcb, PKTHREAD Thread);
VOID NTAPI KiSetPriorityThread(PKTHREAD Thread, KPRIORITY Priority);
VOID NTAPI KiUpdateThreadAffinity(PKTHREAD Thread, KAFFINITY Affinity);
SCHAR NTAPI KiComputeNewPriority(PKTHREAD Thread, SCHAR Adjustment);
VOID NTAPI KiDeferredReadyThread(PKTHREAD Thread);
VOID NTAPI KiProcessDeferredReadyList(PKPRCB Prcb);
PKTHREAD NTAPI KiSelectReadyThread(KPRIORITY LowPriority, PKPRCB Prcb);
PKTHREAD NTAPI KiSelectNextThread(PKPRCB Prcb);
PKTHREAD NTAPI KiFindReadyThread(PKPRCB Prcb);
LONG_PTR NTAPI KiSwapThread(PKTHREAD CurrentThread, PKPRCB Prcb);
VOID NTAPI KxQueueReadyThread(PKTHREAD Thread, PKPRCB Prcb);
BOOLEAN NTAPI KiSwapToNextThread(PKPRCB Prcb, PKTHREAD Next, UCHAR WaitReason, KIRQL WaitIrql);
VOID NTAPI KiQuantumEnd(VOID);

/* queue.cpp */
LONG NTAPI KiInsertQueue(PKQUEUE Queue, PLIST_ENTRY Entry, BOOLEAN Head);

/* wait.cpp */
BOOLEAN NTAPI KiYieldThread(PKTHREAD Thread, KPRIORITY LowPriority);
VOID NTAPI KiExitDispatcher(KIRQL OldIrql);
VOID NTAPI KiReleaseDispatcherLockUnlessWaitNext(KIRQL OldIrql, BOOLEAN Wait);
VOID NTAPI KiWaitTest(PVOID Object, KPRIORITY Increment);
VOID NTAPI KiUnwaitThread(PKTHREAD Thread, LONG_PTR WaitStatus, KPRIORITY Increment);
VOID NTAPI KxUnwaitThreadForEvent(PKEVENT Event, KPRIORITY Increment);
BOOLEAN NTAPI KiBeginWaitPass(PKTHREAD Thread);
NTSTATUS NTAPI KiCheckAlertability(PKTHREAD Thread, BOOLEAN Alertable, KPROCESSOR_MODE WaitMode);
BOOLEAN NTAPI KiArmWaitTimer(PKTHREAD Thread, PKWAIT_BLOCK WaitBlock, ULONG64 DueTime);
LONG_PTR NTAPI KiBlockThread(PKTHREAD Thread, PKWAIT_BLOCK WaitBlockList, KWAIT_REASON WaitReason,
                             KPROCESSOR_MODE WaitMode, BOOLEAN Alertable);
VOID NTAPI KiCheckWaitIrql(PKTHREAD Thread, PVOID Object, BOOLEAN Poll, PVOID Caller);
/* KiBlockThread for any wait but a queue's own: a queue-associated thread first lets
 * another waiter of its queue run. */
NTSTATUS NTAPI KiCommitThreadWait(PKTHREAD Thread, PKWAIT_BLOCK WaitBlockList, KWAIT_REASON WaitReason,
                                  KPROCESSOR_MODE WaitMode, BOOLEAN Alertable);

/* queue.cpp */
VOID NTAPI KiActivateWaiterQueue(PKQUEUE Queue);

/* miscc.cpp: the scheduler notify routines (Windows 2000); NULL when unset */
extern PSWAP_CONTEXT_NOTIFY_ROUTINE KiSwapContextNotifyRoutine;
extern PTHREAD_SELECT_NOTIFY_ROUTINE KiThreadSelectNotifyRoutine;
extern PTIME_UPDATE_NOTIFY_ROUTINE KiTimeUpdateNotifyRoutine;
HANDLE NTAPI KiThreadId(PKTHREAD Thread);

/* gate.cpp, and the wait steps gates share with the other waits (wait.cpp) */
VOID FASTCALL KeInitializeGate(PKGATE Gate);
VOID FASTCALL KeWaitForGate(PKGATE Gate, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode);
VOID FASTCALL KeSignalGateBoostPriority(PKGATE Gate);
VOID NTAPI KiUnwaitThreadBoostPriority(PKTHREAD WaitThread); /* eventobj.cpp */

/* gmutex.cpp: KGUARDED_MUTEX.Count; the lock bit is SET while the mutex is free */
#define GM_LOCK_BIT 0x1
#define GM_LOCK_BIT_V 0x0
#define GM_LOCK_WAITER_WOKEN 0x2
#define GM_LOCK_WAITER_INC 0x4

/* apc.cpp */
VOID FASTCALL KiInsertQueueApc(PKAPC Apc, KPRIORITY PriorityBoost);
VOID NTAPI KiCheckForKernelApcDelivery(VOID);
BOOLEAN NTAPI KiKernelApcQueued(PKTHREAD Thread);
VOID NTAPI KiMoveApcState(PKAPC_STATE OldState, PKAPC_STATE NewState);


/* mutex.cpp */
VOID NTAPI KiSatisfyMutantWait(PKMUTANT Mutant, PKTHREAD Thread);

/* thrdobj.cpp: the suspend APC's routines */
VOID NTAPI KiSuspendNop(PKAPC Apc, PKNORMAL_ROUTINE *NormalRoutine, PVOID *NormalContext, PVOID *SystemArgument1,
                        PVOID *SystemArgument2);
VOID NTAPI KiSuspendRundown(PKAPC Apc);
VOID NTAPI KiSuspendThread(PVOID NormalContext, PVOID SystemArgument1, PVOID SystemArgument2);

/* dpc.cpp */
VOID NTAPI KiRetireDpcList(PKPRCB Prcb);
VOID NTAPI KiTimerExpiration(VOID);

/* timerobj.cpp */
extern LIST_ENTRY KiTimerTableListHead[TIMER_TABLE_SIZE];
extern ULONG64 KiLastTimerTick;
VOID NTAPI KiInitializeTimerTable(VOID);
ULONG64 NTAPI KiDueInterruptTime(LARGE_INTEGER DueTime, PBOOLEAN Absolute);
BOOLEAN NTAPI KiInsertTimerTable(PKTIMER Timer, ULONG64 DueTime);
VOID NTAPI KiRemoveEntryTimer(PKTIMER Timer);
PKDPC NTAPI KiSignalTimer(PKTIMER Timer);
VOID NTAPI KiQueueTimerDpc(PKDPC Dpc);
ULONG64 NTAPI KiNextTimerDueTime(VOID);

/* hostint.cpp */
extern KEVENT KiHostRequestEvent;
VOID NTAPI KiInitializeHostRequests(VOID);

/* trace.cpp: context-switch trace, for determinism checks */
VOID NTAPI KiStartSwitchTrace(ULONG Capacity);
ULONG NTAPI KiStopSwitchTrace(PULONG64 Buffer, ULONG Capacity);
VOID NTAPI KiTraceSwitch(PKPRCB Prcb, PKTHREAD OldThread, PKTHREAD NewThread);

/* spinlock.cpp: the dispatcher and PRCB locks (SMP build) */
KIRQL NTAPI KiAcquireDispatcherLock(VOID);
VOID NTAPI KiReleaseDispatcherLock(KIRQL OldIrql);
VOID NTAPI KiAcquireDispatcherLockAtSynchLevel(VOID);
VOID NTAPI KiReleaseDispatcherLockFromSynchLevel(VOID);
VOID NTAPI KiAcquirePrcbLock(PKPRCB Prcb);
VOID NTAPI KiReleasePrcbLock(PKPRCB Prcb);
VOID NTAPI KiAcquireThreadLock(PKTHREAD Thread);
VOID NTAPI KiReleaseThreadLock(PKTHREAD Thread);
BOOLEAN NTAPI KiTryToAcquireSpinLock(PKSPIN_LOCK SpinLock);
VOID FASTCALL KeAcquireQueuedSpinLockAtDpcLevel(PKSPIN_LOCK_QUEUE LockQueue);
VOID FASTCALL KeReleaseQueuedSpinLockFromDpcLevel(PKSPIN_LOCK_QUEUE LockQueue);

/* A thread's State and a PRCB's ReadySummary are read by other processors without
 * their locks (they are volatile in NT); the hosted kernel gives those accesses
 * atomic form, so that they are defined behaviour and TSan can check the rest. */
FORCEINLINE VOID KiSetThreadState(PKTHREAD Thread, KTHREAD_STATE State)
{
    __atomic_store_n(&Thread->State, (UCHAR)State, __ATOMIC_RELEASE);
    PERFINFO_LOG(PerfInfoThreadState, Thread, State, Thread->NextProcessor, 0);
}
FORCEINLINE UCHAR KiGetThreadState(PKTHREAD Thread) { return __atomic_load_n(&Thread->State, __ATOMIC_ACQUIRE); }
FORCEINLINE ULONG KiReadySummary(PKPRCB Prcb) { return __atomic_load_n(&Prcb->ReadySummary, __ATOMIC_RELAXED); }
FORCEINLINE VOID KiSetReadySummary(PKPRCB Prcb, ULONG Summary)
{
    __atomic_store_n(&Prcb->ReadySummary, Summary, __ATOMIC_RELAXED);
}
/* A processor's statistics counters (context switches, APCs delivered) are written
 * only by that processor and read by any: a plain increment in atomic form. */
FORCEINLINE VOID KiCountEvent(volatile ULONG *Counter)
{
    __atomic_store_n(Counter, __atomic_load_n(Counter, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}
FORCEINLINE ULONG KiReadCounter(const volatile ULONG *Counter) { return __atomic_load_n(Counter, __ATOMIC_RELAXED); }
/* A PRCB's NextThread is set by other processors under its PRCB lock and peeked
 * without it on the dispatcher exit paths. */
FORCEINLINE VOID KiSetNextThread(PKPRCB Prcb, PKTHREAD Thread)
{
    __atomic_store_n(&Prcb->NextThread, Thread, __ATOMIC_RELEASE);
}
FORCEINLINE PKTHREAD KiPeekNextThread(PKPRCB Prcb) { return __atomic_load_n(&Prcb->NextThread, __ATOMIC_ACQUIRE); }
/* A dispatcher object's SignalState changes under the dispatcher lock but is read
 * (and cleared, by KeClearEvent) without it. */
FORCEINLINE LONG KiSignalState(PDISPATCHER_HEADER Header) { return __atomic_load_n(&Header->SignalState, __ATOMIC_ACQUIRE); }
FORCEINLINE VOID KiSetSignalState(PDISPATCHER_HEADER Header, LONG State)
{
    __atomic_store_n(&Header->SignalState, State, __ATOMIC_RELEASE);
}
/* APC state a thread changes on itself without a lock (pending flag, disable counts)
 * but that KiInsertQueueApc reads for it from other processors. */
FORCEINLINE BOOLEAN KiKernelApcPending(PKTHREAD Thread)
{
    return __atomic_load_n(&Thread->ApcState.KernelApcPending, __ATOMIC_ACQUIRE);
}
FORCEINLINE VOID KiSetKernelApcPending(PKTHREAD Thread, BOOLEAN Pending)
{
    __atomic_store_n(&Thread->ApcState.KernelApcPending, Pending, __ATOMIC_RELEASE);
}
FORCEINLINE SHORT KiKernelApcDisable(PKTHREAD Thread) { return __atomic_load_n(&Thread->KernelApcDisable, __ATOMIC_RELAXED); }
FORCEINLINE SHORT KiSpecialApcDisable(PKTHREAD Thread) { return __atomic_load_n(&Thread->SpecialApcDisable, __ATOMIC_RELAXED); }
/* Only the thread itself changes its APC-disable counts (or the dispatcher, for a
 * waiter that is not running), so a plain read-modify-write suffices, as NT's
 * unlocked decrement; other processors only read them. */
FORCEINLINE SHORT KiAdjustKernelApcDisable(PKTHREAD Thread, SHORT Delta)
{
    SHORT New = (SHORT)(__atomic_load_n(&Thread->KernelApcDisable, __ATOMIC_RELAXED) + Delta);
    __atomic_store_n(&Thread->KernelApcDisable, New, __ATOMIC_RELAXED);
    return New;
}
FORCEINLINE SHORT KiAdjustSpecialApcDisable(PKTHREAD Thread, SHORT Delta)
{
    SHORT New = (SHORT)(__atomic_load_n(&Thread->SpecialApcDisable, __ATOMIC_RELAXED) + Delta);
    __atomic_store_n(&Thread->SpecialApcDisable, New, __ATOMIC_RELAXED);
    return New;
}
FORCEINLINE BOOLEAN KiKernelApcInProgress(PKTHREAD Thread)
{
    return __atomic_load_n(&Thread->ApcState.KernelApcInProgress, __ATOMIC_RELAXED);
}
FORCEINLINE VOID KiSetKernelApcInProgress(PKTHREAD Thread, BOOLEAN InProgress)
{
    __atomic_store_n(&Thread->ApcState.KernelApcInProgress, InProgress, __ATOMIC_RELAXED);
}
/* A thread's NextProcessor is rewritten by whichever processor queues it; KiInsertQueueApc
 * reads it to aim the APC interrupt at a running thread. */
FORCEINLINE UCHAR KiGetNextProcessor(PKTHREAD Thread) { return __atomic_load_n(&Thread->NextProcessor, __ATOMIC_RELAXED); }
FORCEINLINE VOID KiSetNextProcessor(PKTHREAD Thread, ULONG Number)
{
    __atomic_store_n(&Thread->NextProcessor, (UCHAR)Number, __ATOMIC_RELAXED);
}
/* The per-thread APC queue lock; KeInsertQueueApc and the attach paths hold it at
 * SYNCH_LEVEL, KiDeliverApc at DISPATCH_LEVEL or above. */
FORCEINLINE KIRQL KiAcquireApcLockRaiseToSynch(PKTHREAD Thread)
{
    KIRQL OldIrql = KfRaiseIrql(SYNCH_LEVEL);
    KeAcquireSpinLockAtDpcLevel(&Thread->ApcQueueLock);
    return OldIrql;
}
FORCEINLINE VOID KiReleaseApcLockFromSynchLevel(PKTHREAD Thread) { KeReleaseSpinLockFromDpcLevel(&Thread->ApcQueueLock); }
FORCEINLINE VOID KiReleaseApcLock(PKTHREAD Thread, KIRQL OldIrql)
{
    KeReleaseSpinLockFromDpcLevel(&Thread->ApcQueueLock);
    KeLowerIrql(OldIrql);
}
/* A DPC's DpcData says where it is queued; it changes under that queue's lock and is
 * read first without it by KeRemoveQueueDpc on any processor. */
FORCEINLINE VOID KiSetDpcData(PRKDPC Dpc, PVOID DpcData) { __atomic_store_n(&Dpc->DpcData, DpcData, __ATOMIC_RELEASE); }
FORCEINLINE PVOID KiGetDpcData(PRKDPC Dpc) { return __atomic_load_n(&Dpc->DpcData, __ATOMIC_ACQUIRE); }
/* A processor's DPC queue depth is changed under its DPC lock, from any processor once
 * DPCs are targeted, and read without the lock by the processor that retires them. */
FORCEINLINE ULONG KiDpcQueueDepth(PKDPC_DATA DpcData) { return __atomic_load_n(&DpcData->DpcQueueDepth, __ATOMIC_ACQUIRE); }
FORCEINLINE VOID KiAdjustDpcQueueDepth(PKDPC_DATA DpcData, LONG Delta)
{
    __atomic_add_fetch(&DpcData->DpcQueueDepth, (ULONG)Delta, __ATOMIC_RELEASE);
}
/* A thread's Priority changes under its thread lock (and the PRCB lock of the processor
 * its state ties it to) but is read by KeQueryPriorityThread and the invariant check
 * without them. */
FORCEINLINE SCHAR KiReadPriority(PKTHREAD Thread) { return __atomic_load_n(&Thread->Priority, __ATOMIC_RELAXED); }
FORCEINLINE VOID KiWritePriority(PKTHREAD Thread, KPRIORITY Priority)
{
    __atomic_store_n(&Thread->Priority, (SCHAR)Priority, __ATOMIC_RELAXED);
}
/* The running thread's Quantum is charged by the clock interrupt without a lock while
 * KeSetPriorityThread and friends may reset it from another processor. */
FORCEINLINE SCHAR KiReadQuantum(PKTHREAD Thread) { return __atomic_load_n(&Thread->Quantum, __ATOMIC_RELAXED); }
FORCEINLINE VOID KiWriteQuantum(PKTHREAD Thread, LONG Quantum)
{
    __atomic_store_n(&Thread->Quantum, (SCHAR)Quantum, __ATOMIC_RELAXED);
}
FORCEINLINE ULONG KiTickCountLow(VOID) { return (ULONG)__atomic_load_n(&KeTickCount, __ATOMIC_RELAXED); }

/* Bugchecks IRQL_NOT_LESS_OR_EQUAL (Object, IRQL, 0, Caller) for a call made above
 * MaxIrql, as the lock and wait routines that may block check their callers. */
FORCEINLINE VOID KiCheckIrqlAtMost(KIRQL MaxIrql, PVOID Object, PVOID Caller)
{
    KIRQL Irql = KeGetCurrentIrql();
    if (Irql > MaxIrql)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)Object, Irql, 0, (ULONG_PTR)Caller);
}

/* Keeps a base or current priority inside [Low, High] (a priority class). */
FORCEINLINE KPRIORITY KiClampPriority(KPRIORITY Priority, KPRIORITY Low, KPRIORITY High)
{
    return Priority < Low ? Low : (Priority > High ? High : Priority);
}

/* Charges a clock tick to a thread's kernel or user time: only its processor's clock
 * writes it, others read it (KeQueryRuntimeThread). */
FORCEINLINE VOID KiChargeTick(PULONG Time)
{
    __atomic_store_n(Time, __atomic_load_n(Time, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

/* Bit helpers for KAFFINITY and ReadySummary. */
FORCEINLINE ULONG KiLowestSetBit(ULONG64 Mask) { return (ULONG)__builtin_ctzll(Mask); }
FORCEINLINE ULONG KiHighestSetBit(ULONG Mask) { return 31 - (ULONG)__builtin_clz(Mask); }
FORCEINLINE KAFFINITY AFFINITY_MASK(ULONG Number) { return (KAFFINITY)1 << Number; }

/* usercall.cpp: hosted user mode */
typedef NTSTATUS (NTAPI *PKI_SERVICE_ROUTINE)(PVOID Context);
NTSTATUS NTAPI KiSystemService(PKI_SERVICE_ROUTINE Routine, PVOID Context);
DECLSPEC_NORETURN VOID NTAPI KiServiceExit(VOID);
VOID NTAPI KiDeleteUserContext(PKTHREAD Thread);

NT_EXTERN_C_END

#ifdef __cplusplus
/* The hosted system-service entry, the first line of every Nt service: called from a
 * thread's user side, the call moves to its kernel side and runs there (the service
 * then sees PreviousMode UserMode); from kernel code it goes on in place. */
template <typename Service> NTSTATUS KiSystemServiceCall(Service &&Call)
{
    return KiSystemService([](PVOID Context) -> NTSTATUS { return (*static_cast<Service *>(Context))(); }, &Call);
}
#define KI_USER_SERVICE(Call)                                                                                          \
    do {                                                                                                               \
        if (KeGetCurrentThread()->HostUserMode)                                                                        \
            return KiSystemServiceCall([&]() -> NTSTATUS { return Call; });                                            \
    } while (0)

/* The Zw services' entry: from kernel code, runs an Nt service as a system call made
 * from kernel mode, with the thread's PreviousMode KernelMode for the call; from a
 * thread's user side, Zw is Nt (a system call from user mode). At the service's IRQL. */
template <typename Service> NTSTATUS KiZwCall(Service &&Call)
{
    PKTHREAD Thread = KeGetCurrentThread();
    if (Thread->HostUserMode)
        return Call();
    KPROCESSOR_MODE PreviousMode = Thread->PreviousMode;
    Thread->PreviousMode = KernelMode;
    NTSTATUS Status = Call();
    Thread->PreviousMode = PreviousMode;
    return Status;
}
#endif

#endif /* _INTERNAL_KE_H */
