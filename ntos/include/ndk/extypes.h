/* ndk/extypes.h - executive support structures: push locks, rundown protection,
 * fast references, guarded mutexes. */
#ifndef _EXTYPES_H
#define _EXTYPES_H

#include "ndk/ketypes.h"

NT_EXTERN_C_BEGIN

typedef struct _EX_PUSH_LOCK {
    union {
        struct {
            ULONG_PTR Locked : 1;
            ULONG_PTR Waiting : 1;
            ULONG_PTR Waking : 1;
            ULONG_PTR MultipleShared : 1;
            ULONG_PTR Shared : sizeof(ULONG_PTR) * 8 - 4;
        };
        ULONG_PTR Value;
        PVOID Ptr;
    };
} EX_PUSH_LOCK, *PEX_PUSH_LOCK;

/* EX_PUSH_LOCK.Value: the low four bits, then a share count, or (Waiting) the newest
 * waiter's EX_PUSH_LOCK_WAIT_BLOCK. */
#define EX_PUSH_LOCK_LOCK_V 0
#define EX_PUSH_LOCK_LOCK 0x1
#define EX_PUSH_LOCK_WAITING 0x2
#define EX_PUSH_LOCK_WAKING 0x4
#define EX_PUSH_LOCK_MULTIPLE_SHARED 0x8
#define EX_PUSH_LOCK_SHARE_INC 0x10
#define EX_PUSH_LOCK_PTR_BITS 0xF
/* EX_PUSH_LOCK_WAIT_BLOCK.Flags */
#define EX_PUSH_LOCK_FLAGS_EXCLUSIVE 0x1
#define EX_PUSH_LOCK_FLAGS_WAIT_V 1
#define EX_PUSH_LOCK_FLAGS_WAIT 0x2

/* A push lock waiter, on its own stack: Next runs from newest to oldest, Last (in the
 * newest block, once the list is optimised) names the oldest, Previous runs back. */
typedef struct __attribute__((aligned(16))) _EX_PUSH_LOCK_WAIT_BLOCK {
    union {
        KGATE WakeGate;
        KEVENT WakeEvent;
    };
    struct _EX_PUSH_LOCK_WAIT_BLOCK *Next;
    struct _EX_PUSH_LOCK_WAIT_BLOCK *Last;
    struct _EX_PUSH_LOCK_WAIT_BLOCK *Previous;
    volatile LONG ShareCount;
    volatile LONG Flags;
} EX_PUSH_LOCK_WAIT_BLOCK, *PEX_PUSH_LOCK_WAIT_BLOCK;

typedef struct _EX_RUNDOWN_REF {
    union {
        volatile ULONG_PTR Count;
        volatile PVOID Ptr;
    };
} EX_RUNDOWN_REF, *PEX_RUNDOWN_REF;

/* Rundown: Count holds references << 1; once a rundown starts it holds the waiter's
 * EX_RUNDOWN_WAIT_BLOCK address | EX_RUNDOWN_ACTIVE (or EX_RUNDOWN_ACTIVE alone). */
#define EX_RUNDOWN_ACTIVE 0x1
#define EX_RUNDOWN_COUNT_SHIFT 0x1
#define EX_RUNDOWN_COUNT_INC (1 << EX_RUNDOWN_COUNT_SHIFT)
typedef struct _EX_RUNDOWN_WAIT_BLOCK {
    ULONG_PTR Count;
    KEVENT WakeEvent;
} EX_RUNDOWN_WAIT_BLOCK, *PEX_RUNDOWN_WAIT_BLOCK;

typedef struct _EX_FAST_REF {
    union {
        PVOID Object;
        ULONG_PTR RefCnt : 4;
        ULONG_PTR Value;
    };
} EX_FAST_REF, *PEX_FAST_REF;

/* A routine in an EX_CALLBACK slot (wdm.h's EX_CALLBACK_FUNCTION), its context, and
 * the rundown protection that keeps the block alive while callers run it. */
typedef NTSTATUS(NTAPI *PEX_CALLBACK_FUNCTION)(PVOID CallbackContext, PVOID Argument1, PVOID Argument2);
typedef struct _EX_CALLBACK_ROUTINE_BLOCK {
    EX_RUNDOWN_REF RundownProtect;
    PEX_CALLBACK_FUNCTION Function;
    PVOID Context;
} EX_CALLBACK_ROUTINE_BLOCK, *PEX_CALLBACK_ROUTINE_BLOCK;
/* A slot for one routine block, with cached references in the pointer's low bits. */
typedef struct _EX_CALLBACK {
    EX_FAST_REF RoutineBlock;
} EX_CALLBACK, *PEX_CALLBACK;

typedef struct _KGUARDED_MUTEX {
    volatile LONG Count;
    struct _KTHREAD *Owner;
    ULONG Contention;
    KGATE Gate;
    union {
        struct {
            SHORT KernelApcDisable;
            SHORT SpecialApcDisable;
        };
        ULONG CombinedApcDisable;
    };
} KGUARDED_MUTEX, *PKGUARDED_MUTEX;

/* A handle table entry (NT 5.2): the object's header with the handle attributes in its
 * low bits (EXHANDLE_TABLE_ENTRY_LOCK_BIT set while the entry is in use and unlocked),
 * and the granted access. A free entry holds 0 and links the free list by index. */
typedef struct _HANDLE_TABLE_ENTRY {
    union {
        volatile PVOID Object;
        volatile ULONG ObAttributes;
        volatile ULONG_PTR Value;
    };
    union {
        ULONG GrantedAccess;
        struct {
            USHORT GrantedAccessIndex;
            USHORT CreatorBackTraceIndex;
        };
        volatile LONG NextFreeTableEntry;
    };
} HANDLE_TABLE_ENTRY, *PHANDLE_TABLE_ENTRY;

#define EXHANDLE_TABLE_ENTRY_LOCK_BIT 0x1
#define HANDLE_TAG_BITS 0x3
#define HANDLE_VALUE_INC 4

/* A handle table: TableCode points at the top-level page, its low two bits say how
 * many levels there are (0: one page of entries; 1: a page of pointers to entry pages;
 * 2: a page of pointers to such pages). HandleTableList links every table (kd). */
typedef struct _HANDLE_TABLE {
    volatile ULONG_PTR TableCode;
    struct _EPROCESS *QuotaProcess;
    HANDLE UniqueProcessId;
    EX_PUSH_LOCK HandleTableLock[4];
    LIST_ENTRY HandleTableList;
    EX_PUSH_LOCK HandleContentionEvent;
    PVOID DebugInfo;
    LONG ExtraInfoPages;
    volatile ULONG FirstFree;
    volatile ULONG LastFree;
    ULONG NextHandleNeedingPool;
    volatile LONG HandleCount;
    union {
        ULONG Flags;
        UCHAR StrictFIFO : 1;
    };
} HANDLE_TABLE, *PHANDLE_TABLE;

/* A handle value taken apart: the tag bits, then the index of its entry. */
typedef union _EXHANDLE {
    struct {
        ULONG_PTR TagBits : 2;
        ULONG_PTR Index : 30;
    };
    HANDLE GenericHandleOverlay;
    ULONG_PTR Value;
} EXHANDLE, *PEXHANDLE;

/* One of the executive's system work queues (ExWorkerQueue[WORK_QUEUE_TYPE]). */
typedef struct _EX_WORK_QUEUE {
    KQUEUE WorkerQueue;
    ULONG DynamicThreadCount;
    volatile LONG WorkItemsProcessed;
    ULONG WorkItemsProcessedLastPass;
    ULONG QueueDepthLastPass;
} EX_WORK_QUEUE, *PEX_WORK_QUEUE;

/* The query classes of the executive's synchronization objects, and what they return. */
typedef enum _EVENT_INFORMATION_CLASS { EventBasicInformation } EVENT_INFORMATION_CLASS;
typedef struct _EVENT_BASIC_INFORMATION {
    EVENT_TYPE EventType;
    LONG EventState;
} EVENT_BASIC_INFORMATION, *PEVENT_BASIC_INFORMATION;

typedef enum _SEMAPHORE_INFORMATION_CLASS { SemaphoreBasicInformation } SEMAPHORE_INFORMATION_CLASS;
typedef struct _SEMAPHORE_BASIC_INFORMATION {
    LONG CurrentCount;
    LONG MaximumCount;
} SEMAPHORE_BASIC_INFORMATION, *PSEMAPHORE_BASIC_INFORMATION;

typedef enum _MUTANT_INFORMATION_CLASS { MutantBasicInformation, MutantOwnerInformation } MUTANT_INFORMATION_CLASS;
typedef struct _MUTANT_BASIC_INFORMATION {
    LONG CurrentCount;
    BOOLEAN OwnedByCaller;
    BOOLEAN AbandonedState;
} MUTANT_BASIC_INFORMATION, *PMUTANT_BASIC_INFORMATION;
typedef struct _MUTANT_OWNER_INFORMATION {
    CLIENT_ID ClientId;
} MUTANT_OWNER_INFORMATION, *PMUTANT_OWNER_INFORMATION;

typedef enum _TIMER_INFORMATION_CLASS { TimerBasicInformation } TIMER_INFORMATION_CLASS;
typedef struct _TIMER_BASIC_INFORMATION {
    LARGE_INTEGER TimeRemaining;
    BOOLEAN SignalState;
} TIMER_BASIC_INFORMATION, *PTIMER_BASIC_INFORMATION;

/* The user routine a timer queues as an APC when it expires: the context and the
 * expiry's system time. */
typedef VOID(NTAPI *PTIMER_APC_ROUTINE)(PVOID TimerContext, ULONG TimerLowValue, LONG TimerHighValue);

/* An executive timer ("Timer" objects): the kernel timer, the DPC that queues the APC
 * to the thread that set it, and its link on that thread's ActiveTimerListHead while
 * an APC is associated. */
typedef struct _ETIMER {
    KTIMER KeTimer;
    KAPC TimerApc;
    KDPC TimerDpc;
    LIST_ENTRY ActiveTimerListEntry;
    KSPIN_LOCK Lock;
    LONG Period;
    BOOLEAN ApcAssociated;
    BOOLEAN WakeTimer;
    LIST_ENTRY WakeTimerListEntry;
} ETIMER, *PETIMER;

NT_EXTERN_C_END

#endif /* _EXTYPES_H */
