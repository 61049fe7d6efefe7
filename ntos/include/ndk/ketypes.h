/*
 * ndk/ketypes.h - kernel (Ke) structures: dispatcher objects, KTHREAD, KPROCESS,
 * KPRCB, KPCR. Field names and nesting follow NT 5.2 (seed 003); layout tricks that
 * overlay fields on spare bytes of embedded structures are flattened (offsets are
 * not part of the contract). Fields marked "hosted" exist only in this kernel.
 */
#ifndef _KETYPES_H
#define _KETYPES_H

#include "ntdef.h"

NT_EXTERN_C_BEGIN

typedef UCHAR KIRQL, *PKIRQL;
typedef CCHAR KPROCESSOR_MODE;
typedef LONG KPRIORITY;
typedef ULONG_PTR KSPIN_LOCK, *PKSPIN_LOCK;

/* A queued spin lock's waiter: the lock word points at the tail entry, each waiter
 * spins on its own entry's Lock until its predecessor hands the lock over. */
typedef struct _KSPIN_LOCK_QUEUE {
    struct _KSPIN_LOCK_QUEUE *volatile Next;
    PKSPIN_LOCK volatile Lock;
} KSPIN_LOCK_QUEUE, *PKSPIN_LOCK_QUEUE;

typedef struct _KLOCK_QUEUE_HANDLE {
    KSPIN_LOCK_QUEUE LockQueue;
    KIRQL OldIrql;
} KLOCK_QUEUE_HANDLE, *PKLOCK_QUEUE_HANDLE;

/* The numbered queued spin locks (Server 2003's numbering, as ReactOS's headers keep
 * it): each processor has one KSPIN_LOCK_QUEUE per number in KPRCB.LockQueue. */
#define LOCK_QUEUE_TIMER_TABLE_LOCKS 16
typedef enum _KSPIN_LOCK_QUEUE_NUMBER {
    LockQueueDispatcherLock, LockQueueExpansionLock, LockQueuePfnLock, LockQueueSystemSpaceLock,
    LockQueueVacbLock, LockQueueMasterLock, LockQueueNonPagedPoolLock, LockQueueIoCancelLock,
    LockQueueWorkQueueLock, LockQueueIoVpbLock, LockQueueIoDatabaseLock, LockQueueIoCompletionLock,
    LockQueueNtfsStructLock, LockQueueAfdWorkQueueLock, LockQueueBcbLock, LockQueueMmNonPagedPoolLock,
    LockQueueUnusedSpare16, LockQueueTimerTableLock,
    LockQueueMaximumLock = LockQueueTimerTableLock + LOCK_QUEUE_TIMER_TABLE_LOCKS
} KSPIN_LOCK_QUEUE_NUMBER, *PKSPIN_LOCK_QUEUE_NUMBER;

/* Low bits of KSPIN_LOCK_QUEUE.Lock. */
#define LOCK_QUEUE_WAIT 1
#define LOCK_QUEUE_OWNER 2

typedef enum _MODE { KernelMode, UserMode, MaximumMode } MODE;

/* AMD64 interrupt request levels (multiprocessor build: SYNCH_LEVEL = IPI_LEVEL - 2). */
#define PASSIVE_LEVEL 0
#define LOW_LEVEL 0
#define APC_LEVEL 1
#define DISPATCH_LEVEL 2
#define CMCI_LEVEL 5
#define DEVICE_LEVEL 5 /* hosted: the host request "device" */
#define SYNCH_LEVEL 12
#define CLOCK_LEVEL 13
#define IPI_LEVEL 14
#define POWER_LEVEL 14
#define PROFILE_LEVEL 15
#define HIGH_LEVEL 15

#define MAXIMUM_PROCESSORS 64
#define MAXIMUM_PRIORITY 32
#define LOW_PRIORITY 0
#define LOW_REALTIME_PRIORITY 16
#define HIGH_PRIORITY 31
#define THREAD_WAIT_OBJECTS 3
#define TIMER_WAIT_BLOCK 3
#define MAXIMUM_WAIT_OBJECTS 64
#define TIMER_TABLE_SIZE 256
#define MAXIMUM_SUSPEND_COUNT MAXCHAR
#define THREAD_ALERT_INCREMENT 2
#define RESUME_INCREMENT 0
#define CLOCK_QUANTUM_DECREMENT 3
#define THREAD_QUANTUM 6
#define READY_SKIP_QUANTUM 2
#define LOCK_OWNERSHIP_QUANTUM (READY_SKIP_QUANTUM * 2)
#define MAX_QUANTUM 0x7F
#define WAIT_QUANTUM_DECREMENT 1

/* Hosted kernel stacks: reserved host memory with a guard page below the limit. */
#define KERNEL_STACK_SIZE 0x10000
#define KERNEL_LARGE_STACK_SIZE 0x40000
#define KERNEL_STACK_MINIMUM_SIZE 0x4000

typedef enum _KOBJECTS {
    EventNotificationObject = 0,
    EventSynchronizationObject = 1,
    MutantObject = 2,
    ProcessObject = 3,
    QueueObject = 4,
    SemaphoreObject = 5,
    ThreadObject = 6,
    GateObject = 7,
    TimerNotificationObject = 8,
    TimerSynchronizationObject = 9,
    Spare2Object = 10,
    Spare3Object = 11,
    Spare4Object = 12,
    Spare5Object = 13,
    Spare6Object = 14,
    Spare7Object = 15,
    Spare8Object = 16,
    Spare9Object = 17,
    ApcObject = 18,
    DpcObject = 19,
    DeviceQueueObject = 20,
    EventPairObject = 21,
    InterruptObject = 22,
    ProfileObject = 23,
    ThreadedDpcObject = 24,
    MaximumKernelObject = 25
} KOBJECTS;

typedef enum _KTHREAD_STATE {
    Initialized = 0,
    Ready = 1,
    Running = 2,
    Standby = 3,
    Terminated = 4,
    Waiting = 5,
    Transition = 6,
    DeferredReady = 7,
    GateWait = 8
} KTHREAD_STATE;

typedef enum _KWAIT_REASON {
    Executive, FreePage, PageIn, PoolAllocation, DelayExecution, Suspended, UserRequest,
    WrExecutive, WrFreePage, WrPageIn, WrPoolAllocation, WrDelayExecution, WrSuspended,
    WrUserRequest, WrEventPair, WrQueue, WrLpcReceive, WrLpcReply, WrVirtualMemory,
    WrPageOut, WrRendezvous, Spare2, Spare3, Spare4, Spare5, Spare6, WrKernel, WrResource,
    WrPushLock, WrMutex, WrQuantumEnd, WrDispatchInt, WrPreempted, WrYieldExecution,
    WrFastMutex, WrGuardedMutex, WrRundown,
    MaximumWaitReason
} KWAIT_REASON;

/* WaitDequeue (Windows 8's name) marks a KeRemoveQueue waiter's block in a queue's wait list. */
typedef enum _WAIT_TYPE { WaitAll, WaitAny, WaitNotification, WaitDequeue } WAIT_TYPE;
typedef enum _EVENT_TYPE { NotificationEvent, SynchronizationEvent } EVENT_TYPE;
typedef enum _TIMER_TYPE { NotificationTimer, SynchronizationTimer } TIMER_TYPE;
typedef enum _ADJUST_REASON { AdjustNone = 0, AdjustUnwait = 1, AdjustBoost = 2 } ADJUST_REASON;
typedef enum _KAPC_ENVIRONMENT {
    OriginalApcEnvironment, AttachedApcEnvironment, CurrentApcEnvironment, InsertApcEnvironment
} KAPC_ENVIRONMENT;
typedef enum _KDPC_IMPORTANCE { LowImportance, MediumImportance, HighImportance } KDPC_IMPORTANCE;

/* The first four bytes are also Lock, as in the WDK, so a test can look at the bytes an
 * initializer leaves alone (bytes 1 and 3) in one read. */
typedef struct _DISPATCHER_HEADER {
    union {
        struct {
            UCHAR Type;
            union {
                UCHAR Absolute;
                UCHAR NpxIrql;
                BOOLEAN Abandoned;
                BOOLEAN Signalling;
            };
            union {
                UCHAR Size;
                UCHAR Hand;
            };
            union {
                UCHAR Inserted;
                BOOLEAN DebugActive;
                BOOLEAN DpcActive;
            };
        };
        volatile LONG Lock;
    };
    volatile LONG SignalState;
    LIST_ENTRY WaitListHead;
} DISPATCHER_HEADER, *PDISPATCHER_HEADER;

struct _KTHREAD;
struct _KPROCESS;
struct _KDPC;
struct _KAPC;
struct _KPRCB;

typedef struct _KWAIT_BLOCK {
    LIST_ENTRY WaitListEntry;
    struct _KTHREAD *Thread;
    PVOID Object;
    struct _KWAIT_BLOCK *NextWaitBlock;
    USHORT WaitKey;
    UCHAR WaitType;
    UCHAR SpareByte;
} KWAIT_BLOCK, *PKWAIT_BLOCK, *PRKWAIT_BLOCK;

typedef struct _KEVENT {
    DISPATCHER_HEADER Header;
} KEVENT, *PKEVENT, *PRKEVENT;

typedef struct _KSEMAPHORE {
    DISPATCHER_HEADER Header;
    LONG Limit;
} KSEMAPHORE, *PKSEMAPHORE, *PRKSEMAPHORE;

typedef struct _KMUTANT {
    DISPATCHER_HEADER Header;
    LIST_ENTRY MutantListEntry;
    struct _KTHREAD *OwnerThread;
    BOOLEAN Abandoned;
    UCHAR ApcDisable;
} KMUTANT, *PKMUTANT, *PRKMUTANT, KMUTEX, *PKMUTEX, *PRKMUTEX;

typedef VOID NTAPI KDEFERRED_ROUTINE(struct _KDPC *Dpc, PVOID DeferredContext, PVOID SystemArgument1,
                                     PVOID SystemArgument2);
typedef KDEFERRED_ROUTINE *PKDEFERRED_ROUTINE;

/* A device queue (a driver's StartIo queue): entries wait while the device is busy,
 * in arrival or sort-key order. */
typedef struct _KDEVICE_QUEUE {
    SHORT Type;
    SHORT Size;
    LIST_ENTRY DeviceListHead;
    KSPIN_LOCK Lock;
    BOOLEAN Busy;
} KDEVICE_QUEUE, *PKDEVICE_QUEUE, *PRKDEVICE_QUEUE;

typedef struct _KDEVICE_QUEUE_ENTRY {
    LIST_ENTRY DeviceListEntry;
    ULONG SortKey;
    BOOLEAN Inserted;
} KDEVICE_QUEUE_ENTRY, *PKDEVICE_QUEUE_ENTRY, *PRKDEVICE_QUEUE_ENTRY;

typedef struct _KDPC {
    UCHAR Type;
    UCHAR Importance;
    volatile USHORT Number;
    LIST_ENTRY DpcListEntry;
    PKDEFERRED_ROUTINE DeferredRoutine;
    PVOID DeferredContext;
    PVOID SystemArgument1;
    PVOID SystemArgument2;
    volatile PVOID DpcData;
} KDPC, *PKDPC, *PRKDPC;

typedef struct _KTIMER {
    DISPATCHER_HEADER Header;
    ULARGE_INTEGER DueTime;
    LIST_ENTRY TimerListEntry;
    struct _KDPC *Dpc;
    LONG Period;
} KTIMER, *PKTIMER, *PRKTIMER;

typedef struct _KGATE {
    DISPATCHER_HEADER Header;
} KGATE, *PKGATE;

typedef struct _KQUEUE {
    DISPATCHER_HEADER Header;
    LIST_ENTRY EntryListHead;
    volatile ULONG CurrentCount;
    ULONG MaximumCount;
    LIST_ENTRY ThreadListHead;
} KQUEUE, *PKQUEUE, *PRKQUEUE;

typedef struct _KAPC_STATE {
    LIST_ENTRY ApcListHead[MaximumMode];
    struct _KPROCESS *Process;
    BOOLEAN KernelApcInProgress;
    BOOLEAN KernelApcPending;
    BOOLEAN UserApcPending;
} KAPC_STATE, *PKAPC_STATE, *PRKAPC_STATE;

typedef VOID (NTAPI *PKNORMAL_ROUTINE)(PVOID NormalContext, PVOID SystemArgument1, PVOID SystemArgument2);
typedef VOID (NTAPI *PKKERNEL_ROUTINE)(struct _KAPC *Apc, PKNORMAL_ROUTINE *NormalRoutine,
                                       PVOID *NormalContext, PVOID *SystemArgument1, PVOID *SystemArgument2);
typedef VOID (NTAPI *PKRUNDOWN_ROUTINE)(struct _KAPC *Apc);

typedef struct _KAPC {
    UCHAR Type;
    UCHAR SpareByte0;
    UCHAR Size;
    UCHAR SpareByte1;
    ULONG SpareLong0;
    struct _KTHREAD *Thread;
    LIST_ENTRY ApcListEntry;
    PKKERNEL_ROUTINE KernelRoutine;
    PKRUNDOWN_ROUTINE RundownRoutine;
    PKNORMAL_ROUTINE NormalRoutine;
    PVOID NormalContext;
    PVOID SystemArgument1;
    PVOID SystemArgument2;
    CCHAR ApcStateIndex;
    KPROCESSOR_MODE ApcMode;
    BOOLEAN Inserted;
} KAPC, *PKAPC, *PRKAPC;

/* Hosted: a trap frame holds what the return to user mode needs: the user context a
 * thread starts in (NtCreateThread's CONTEXT) and the user side's SEH chain while its
 * kernel side runs a system service. */
typedef struct _KTRAP_FRAME {
    ULONG64 Rcx;
    ULONG64 Rdx;
    ULONG64 Rsp;
    ULONG64 Rip;
    PVOID ExceptionList;
} KTRAP_FRAME, *PKTRAP_FRAME;
typedef struct _KEXCEPTION_FRAME KEXCEPTION_FRAME, *PKEXCEPTION_FRAME;

/* The thread object (seed 003's KTHREAD, NT 5.2). */
typedef struct _KTHREAD {
    DISPATCHER_HEADER Header;
    LIST_ENTRY MutantListHead;
    PVOID InitialStack;
    PVOID StackLimit;
    PVOID KernelStack; /* hosted: the saved Boost.Context continuation */
    KSPIN_LOCK ThreadLock;
    KAPC_STATE ApcState;
    BOOLEAN ApcQueueable;
    volatile UCHAR NextProcessor;
    volatile UCHAR DeferredProcessor;
    UCHAR AdjustReason;
    SCHAR AdjustIncrement;
    KSPIN_LOCK ApcQueueLock;
    ULONG ContextSwitches;
    volatile UCHAR State;
    UCHAR NpxState;
    KIRQL WaitIrql;
    KPROCESSOR_MODE WaitMode;
    LONG_PTR WaitStatus;
    union {
        PKWAIT_BLOCK WaitBlockList;
        PKGATE GateObject;
    };
    BOOLEAN Alertable;
    BOOLEAN WaitNext;
    UCHAR WaitReason;
    SCHAR Priority;
    UCHAR EnableStackSwap;
    volatile UCHAR SwapBusy;
    BOOLEAN Alerted[MaximumMode];
    union {
        LIST_ENTRY WaitListEntry;
        SINGLE_LIST_ENTRY SwapListEntry;
    };
    PRKQUEUE Queue;
    ULONG WaitTime;
    union {
        struct {
            SHORT KernelApcDisable;
            SHORT SpecialApcDisable;
        };
        ULONG CombinedApcDisable;
    };
    PVOID Teb;
    KTIMER Timer;
    union {
        struct {
            LONG AutoAlignment : 1;
            LONG DisableBoost : 1;
            LONG ReservedFlags : 30;
        };
        LONG ThreadFlags;
    };
    KWAIT_BLOCK WaitBlock[THREAD_WAIT_OBJECTS + 1];
    BOOLEAN SystemAffinityActive;
    CCHAR PreviousMode;
    UCHAR ResourceIndex;
    UCHAR LargeStack;
    LIST_ENTRY QueueListEntry;
    PKTRAP_FRAME TrapFrame;
    PVOID CallbackStack;
    PVOID ServiceTable;
    ULONG KernelLimit;
    UCHAR ApcStateIndex;
    UCHAR IdealProcessor;
    BOOLEAN Preempted;
    BOOLEAN ProcessReadyQueue;
    PVOID Win32kTable;
    ULONG Win32kLimit;
    BOOLEAN KernelStackResident;
    SCHAR BasePriority;
    SCHAR PriorityDecrement;
    CHAR Saturation;
    KAFFINITY UserAffinity;
    struct _KPROCESS *Process;
    KAFFINITY Affinity;
    PKAPC_STATE ApcStatePointer[2];
    KAPC_STATE SavedApcState;
    CCHAR FreezeCount;
    CCHAR SuspendCount;
    UCHAR UserIdealProcessor;
    UCHAR CalloutActive;
    BOOLEAN CodePatchInProgress;
    PVOID Win32Thread;
    PVOID StackBase;
    KAPC SuspendApc;
    SCHAR Quantum;
    UCHAR QuantumReset;
    ULONG KernelTime;
    PVOID TlsArray;
    PVOID BBTData;
    UCHAR PowerState;
    ULONG UserTime;
    KSEMAPHORE SuspendSemaphore;
    ULONG SListFaultCount;
    LIST_ENTRY ThreadListEntry;
    PVOID SListFaultAddress;
    LONG64 ReadOperationCount;
    LONG64 WriteOperationCount;
    LONG64 OtherOperationCount;
    LONG64 ReadTransferCount;
    LONG64 WriteTransferCount;
    LONG64 OtherTransferCount;
    PVOID HostFiber;       /* hosted: the sanitizers' handle for this thread's fiber */
    ULONG HostSequence;    /* hosted: creation order, for traces that must not depend on addresses */
    BOOLEAN HostExiting;   /* hosted: set by the thread itself in KeTerminateThread; its
                              State may be written by a waker while it switches out */
    BOOLEAN HostUserMode;  /* hosted: the thread runs its user side (on its user stack) */
    PVOID HostUserContext; /* hosted: the user side's saved continuation */
    PVOID HostUserFiber;   /* hosted: the sanitizers' handle for the user side */
    PVOID HostServiceContext; /* hosted: the kernel side's continuation while the user side runs */
} KTHREAD, *PKTHREAD, *PRKTHREAD;

typedef union _KEXECUTE_OPTIONS {
    struct {
        UCHAR ExecuteDisable : 1;
        UCHAR ExecuteEnable : 1;
        UCHAR DisableThunkEmulation : 1;
        UCHAR Permanent : 1;
        UCHAR ExecuteDispatchEnable : 1;
        UCHAR ImageDispatchEnable : 1;
        UCHAR Spare : 2;
    };
    UCHAR ExecuteOptions;
} KEXECUTE_OPTIONS;

typedef enum _KPROCESS_STATE {
    ProcessInMemory, ProcessOutOfMemory, ProcessInTransition, ProcessOutTransition,
    ProcessInSwap, ProcessOutSwap
} KPROCESS_STATE;

/* The process object (seed 003's KPROCESS, AMD64 branch). */
typedef struct _KPROCESS {
    DISPATCHER_HEADER Header;
    LIST_ENTRY ProfileListHead;
    ULONG_PTR DirectoryTableBase[2];
    USHORT IopmOffset;
    volatile KAFFINITY ActiveProcessors;
    ULONG KernelTime;
    ULONG UserTime;
    LIST_ENTRY ReadyListHead;
    SINGLE_LIST_ENTRY SwapListEntry;
    PVOID Reserved1;
    LIST_ENTRY ThreadListHead;
    KSPIN_LOCK ProcessLock;
    KAFFINITY Affinity;
    union {
        struct {
            LONG AutoAlignment : 1;
            LONG DisableBoost : 1;
            LONG DisableQuantum : 1;
            LONG ReservedFlags : 29;
        };
        LONG ProcessFlags;
    };
    SCHAR BasePriority;
    SCHAR QuantumReset;
    UCHAR State;
    UCHAR ThreadSeed;
    UCHAR PowerState;
    UCHAR IdealNode;
    BOOLEAN Visited;
    KEXECUTE_OPTIONS Flags;
    ULONG_PTR StackCount;
    LIST_ENTRY ProcessListEntry;
} KPROCESS, *PKPROCESS, *PRKPROCESS;

#define DPC_NORMAL 0
#define DPC_THREADED 1

typedef struct _KDPC_DATA {
    LIST_ENTRY DpcListHead;
    KSPIN_LOCK DpcLock;
    volatile ULONG DpcQueueDepth;
    ULONG DpcCount;
} KDPC_DATA, *PKDPC_DATA;

/* The processor control block: scheduler state of one processor. */
typedef struct _KPRCB {
    ULONG MxCsr;
    USHORT Number;
    UCHAR InterruptRequest;
    UCHAR IdleHalt;
    struct _KTHREAD *CurrentThread;
    struct _KTHREAD *NextThread;
    struct _KTHREAD *IdleThread;
    KAFFINITY SetMember;
    KSPIN_LOCK PrcbLock;
    KSPIN_LOCK_QUEUE LockQueue[LockQueueMaximumLock];
    volatile ULONG ReadySummary;
    LIST_ENTRY DispatcherReadyListHead[MAXIMUM_PRIORITY];
    SINGLE_LIST_ENTRY DeferredReadyListHead;
    KDPC_DATA DpcData[2];
    PVOID DpcStack;
    volatile ULONG DpcRoutineActive;
    volatile ULONG DpcInterruptRequested;
    volatile ULONG TimerRequest;
    ULONG_PTR TimerHand;
    volatile BOOLEAN QuantumEnd;
    BOOLEAN IdleSchedule;
    volatile LONG DpcSetEventRequest;
    LONG MaximumDpcQueueDepth;
    ULONG MinimumDpcRate;
    ULONG DpcRequestRate;
    ULONG DpcLastCount;
    ULONG ContextSwitches;
    ULONG ApcCount; /* hosted: APCs delivered on this processor (kernel and user) */
    ULONG KernelTime;
    ULONG UserTime;
    ULONG DpcTime;
    ULONG InterruptTime;
    ULONG InterruptCount;
    LIST_ENTRY WaitListHead;
    KEVENT DpcEvent;
    PVOID HalReserved; /* hosted: the HAL's record of this virtual processor */
} KPRCB, *PKPRCB;

/* The processor control region: IRQL and the pending software interrupts. */
typedef struct _KPCR {
    /* The running thread's chain of _SEH2_TRY frames (x86 NT's NtTib.ExceptionList):
     * KiSwapContext keeps each thread's own across switches. */
    struct _RTL_SEH2_FRAME *ExceptionList;
    struct _KPCR *Self;
    struct _KPRCB *CurrentPrcb;
    volatile KIRQL Irql;
    UCHAR Number;
    volatile ULONG Irr; /* pending interrupt levels, one bit per IRQL (as the x86 HAL's PCR->IRR) */
    ULONG StallScaleFactor;
    KPRCB Prcb;
} KPCR, *PKPCR;

typedef VOID (NTAPI *PKSTART_ROUTINE)(PVOID StartContext);
typedef VOID (NTAPI *PKSYSTEM_ROUTINE)(PKSTART_ROUTINE StartRoutine, PVOID StartContext);

NT_EXTERN_C_END

#endif /* _KETYPES_H */
