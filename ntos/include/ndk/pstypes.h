/*
 * ndk/pstypes.h - executive process and thread objects (seed 003's EPROCESS and
 * ETHREAD, NT 5.2, AMD64 branch). Memory-manager and job structures that the hosted
 * kernel does not model are kept as opaque pointers with their NT field names.
 */
#ifndef _PSTYPES_H
#define _PSTYPES_H

#include "ndk/ketypes.h"
#include "ndk/extypes.h"

NT_EXTERN_C_BEGIN

typedef enum _PS_QUOTA_TYPE { PsNonPagedPool, PsPagedPool, PsPageFile, PsQuotaTypes } PS_QUOTA_TYPE;
typedef ULONG_PTR PFN_NUMBER;

typedef struct _MMSUPPORT_FLAGS {
    UCHAR SessionSpace : 1;
    UCHAR BeingTrimmed : 1;
    UCHAR SessionLeader : 1;
    UCHAR TrimHard : 1;
    UCHAR WorkingSetHard : 1;
    UCHAR AddressSpaceBeingDeleted : 1;
    UCHAR Available : 2;
    UCHAR AllowWorkingSetAdjustment;
    UCHAR MemoryPriority;
} MMSUPPORT_FLAGS;

typedef struct _MMSUPPORT {
    LARGE_INTEGER LastTrimTime;
    MMSUPPORT_FLAGS Flags;
    ULONG PageFaultCount;
    ULONG PeakWorkingSetSize;
    ULONG WorkingSetSize;
    ULONG MinimumWorkingSetSize;
    ULONG MaximumWorkingSetSize;
    PVOID VmWorkingSetList;
    LIST_ENTRY WorkingSetExpansionLinks;
} MMSUPPORT, *PMMSUPPORT;

typedef struct _MM_AVL_TABLE {
    PVOID BalancedRoot;
    ULONG_PTR DepthOfTree : 5;
    ULONG_PTR Unused : 3;
    ULONG_PTR NumberGenericTableElements : 56;
    PVOID NodeHint;
    PVOID NodeFreeHint;
} MM_AVL_TABLE, *PMM_AVL_TABLE;

typedef struct _SE_AUDIT_PROCESS_CREATION_INFO {
    PVOID ImageFileName;
} SE_AUDIT_PROCESS_CREATION_INFO;

typedef struct _PEB *PPEB;
typedef struct _TERMINATION_PORT *PTERMINATION_PORT;
typedef struct _PS_IMPERSONATION_INFORMATION *PPS_IMPERSONATION_INFORMATION;

typedef struct _EPROCESS {
    KPROCESS Pcb;
    EX_PUSH_LOCK ProcessLock;
    LARGE_INTEGER CreateTime;
    LARGE_INTEGER ExitTime;
    EX_RUNDOWN_REF RundownProtect;
    HANDLE UniqueProcessId;
    LIST_ENTRY ActiveProcessLinks;
    SIZE_T QuotaUsage[PsQuotaTypes];
    SIZE_T QuotaPeak[PsQuotaTypes];
    SIZE_T CommitCharge;
    SIZE_T PeakVirtualSize;
    SIZE_T VirtualSize;
    LIST_ENTRY SessionProcessLinks;
    PVOID DebugPort;
    PVOID ExceptionPort;
    PHANDLE_TABLE ObjectTable;
    EX_FAST_REF Token;
    PFN_NUMBER WorkingSetPage;
    KGUARDED_MUTEX AddressCreationLock;
    KSPIN_LOCK HyperSpaceLock;
    struct _ETHREAD *ForkInProgress;
    ULONG_PTR HardwareTrigger;
    PMM_AVL_TABLE PhysicalVadRoot;
    PVOID CloneRoot;
    PFN_NUMBER NumberOfPrivatePages;
    PFN_NUMBER NumberOfLockedPages;
    PVOID Win32Process;
    struct _EJOB *Job;
    PVOID SectionObject;
    PVOID SectionBaseAddress;
    PVOID QuotaBlock;
    PVOID WorkingSetWatch;
    HANDLE Win32WindowStation;
    HANDLE InheritedFromUniqueProcessId;
    PVOID LdtInformation;
    PVOID VadFreeHint;
    PVOID VdmObjects;
    PVOID DeviceMap;
    PVOID Spare0[3];
    ULONGLONG PageDirectoryPte;
    PVOID Session;
    UCHAR ImageFileName[16];
    LIST_ENTRY JobLinks;
    PVOID LockedPagesList;
    LIST_ENTRY ThreadListHead;
    PVOID SecurityPort;
    PVOID Wow64Process;
    ULONG ActiveThreads;
    ACCESS_MASK GrantedAccess;
    ULONG DefaultHardErrorProcessing;
    NTSTATUS LastThreadExitStatus;
    PPEB Peb;
    EX_FAST_REF PrefetchTrace;
    LARGE_INTEGER ReadOperationCount;
    LARGE_INTEGER WriteOperationCount;
    LARGE_INTEGER OtherOperationCount;
    LARGE_INTEGER ReadTransferCount;
    LARGE_INTEGER WriteTransferCount;
    LARGE_INTEGER OtherTransferCount;
    SIZE_T CommitChargeLimit;
    SIZE_T CommitChargePeak;
    PVOID AweInfo;
    SE_AUDIT_PROCESS_CREATION_INFO SeAuditProcessCreationInfo;
    MMSUPPORT Vm;
    ULONG Spares[2];
    ULONG ModifiedPageCount;
    ULONG JobStatus;
    union {
        ULONG Flags;
        struct {
            ULONG CreateReported : 1;
            ULONG NoDebugInherit : 1;
            ULONG ProcessExiting : 1;
            ULONG ProcessDelete : 1;
            ULONG Wow64SplitPages : 1;
            ULONG VmDeleted : 1;
            ULONG OutswapEnabled : 1;
            ULONG Outswapped : 1;
            ULONG ForkFailed : 1;
            ULONG Wow64VaSpace4Gb : 1;
            ULONG AddressSpaceInitialized : 2;
            ULONG SetTimerResolution : 1;
            ULONG BreakOnTermination : 1;
            ULONG SessionCreationUnderway : 1;
            ULONG WriteWatch : 1;
            ULONG ProcessInSession : 1;
            ULONG OverrideAddressSpace : 1;
            ULONG HasAddressSpace : 1;
            ULONG LaunchPrefetched : 1;
            ULONG InjectInpageErrors : 1;
            ULONG VmTopDown : 1;
            ULONG ImageNotifyDone : 1;
            ULONG PdeUpdateNeeded : 1;
            ULONG VdmAllowed : 1;
            ULONG SmapAllowed : 1;
            ULONG CreateFailed : 1;
            ULONG DefaultIoPriority : 3;
            ULONG Spare1 : 1;
            ULONG Spare2 : 1;
        };
    };
    NTSTATUS ExitStatus;
    USHORT NextPageColor;
    union {
        struct {
            UCHAR SubSystemMinorVersion;
            UCHAR SubSystemMajorVersion;
        };
        USHORT SubSystemVersion;
    };
    UCHAR PriorityClass;
    MM_AVL_TABLE VadRoot;
    ULONG Cookie;
    /* Hosted additions. The user range: host address space MmCreateProcessAddressSpace
     * reserved to play the role of the process's user space, [UserRangeStart,
     * UserRangeEnd) (NULL for the System and Idle processes). VadListHead: its VADs in
     * address order, standing in for the VadRoot tree (VadRoot still counts them).
     * AddressCreationLock guards both. */
    PVOID UserRangeStart;
    PVOID UserRangeEnd;
    LIST_ENTRY VadListHead;
} EPROCESS, *PEPROCESS;

/* NtCreateProcessEx's Flags */
#define PROCESS_CREATE_FLAGS_BREAKAWAY 0x00000001
#define PROCESS_CREATE_FLAGS_NO_DEBUG_INHERIT 0x00000002
#define PROCESS_CREATE_FLAGS_INHERIT_HANDLES 0x00000004
#define PROCESS_CREATE_FLAGS_OVERRIDE_ADDRESS_SPACE 0x00000008
#define PROCESS_CREATE_FLAGS_LARGE_PAGES 0x00000010
#define PROCESS_CREATE_FLAGS_LEGAL_MASK 0x0000001F

/* Priority classes (EPROCESS.PriorityClass) and the base priority of the normal one */
#define PROCESS_PRIORITY_CLASS_INVALID 0
#define PROCESS_PRIORITY_CLASS_IDLE 1
#define PROCESS_PRIORITY_CLASS_NORMAL 2
#define PROCESS_PRIORITY_CLASS_HIGH 3
#define PROCESS_PRIORITY_CLASS_REALTIME 4
#define PROCESS_PRIORITY_CLASS_BELOW_NORMAL 5
#define PROCESS_PRIORITY_CLASS_ABOVE_NORMAL 6
#define PROCESS_PRIORITY_NORMAL 8

#define PS_CROSS_THREAD_FLAGS_TERMINATED 0x00000001UL
#define PS_CROSS_THREAD_FLAGS_DEADTHREAD 0x00000002UL
#define PS_CROSS_THREAD_FLAGS_HIDEFROMDBG 0x00000004UL
#define PS_CROSS_THREAD_FLAGS_IMPERSONATING 0x00000008UL
#define PS_CROSS_THREAD_FLAGS_SYSTEM 0x00000010UL
#define PS_CROSS_THREAD_FLAGS_HARD_ERRORS_DISABLED 0x00000020UL
#define PS_CROSS_THREAD_FLAGS_BREAK_ON_TERMINATION 0x00000040UL
#define PS_CROSS_THREAD_FLAGS_SKIP_CREATION_MSG 0x00000080UL
#define PS_CROSS_THREAD_FLAGS_SKIP_TERMINATION_MSG 0x00000100UL

typedef struct _ETHREAD {
    KTHREAD Tcb;
    LARGE_INTEGER CreateTime;
    union {
        LARGE_INTEGER ExitTime;
        LIST_ENTRY LpcReplyChain;
        LIST_ENTRY KeyedWaitChain;
    };
    union {
        NTSTATUS ExitStatus;
        PVOID OfsChain;
    };
    LIST_ENTRY PostBlockList;
    union {
        PTERMINATION_PORT TerminationPort;
        struct _ETHREAD *ReaperLink;
        PVOID KeyedWaitValue;
    };
    KSPIN_LOCK ActiveTimerListLock;
    LIST_ENTRY ActiveTimerListHead;
    CLIENT_ID Cid;
    union {
        KSEMAPHORE LpcReplySemaphore;
        KSEMAPHORE KeyedWaitSemaphore;
    };
    union {
        PVOID LpcReplyMessage;
        PVOID LpcWaitingOnPort;
    };
    PPS_IMPERSONATION_INFORMATION ImpersonationInfo;
    LIST_ENTRY IrpList;
    ULONG_PTR TopLevelIrp;
    struct _DEVICE_OBJECT *DeviceToVerify;
    PEPROCESS ThreadsProcess;
    PVOID StartAddress;
    union {
        PVOID Win32StartAddress;
        ULONG LpcReceivedMessageId;
    };
    LIST_ENTRY ThreadListEntry;
    EX_RUNDOWN_REF RundownProtect;
    EX_PUSH_LOCK ThreadLock;
    ULONG LpcReplyMessageId;
    ULONG ReadClusterSize;
    ACCESS_MASK GrantedAccess;
    union {
        ULONG CrossThreadFlags;
        struct {
            ULONG Terminated : 1;
            ULONG DeadThread : 1;
            ULONG HideFromDebugger : 1;
            ULONG ActiveImpersonationInfo : 1;
            ULONG SystemThread : 1;
            ULONG HardErrorsAreDisabled : 1;
            ULONG BreakOnTermination : 1;
            ULONG SkipCreationMsg : 1;
            ULONG SkipTerminationMsg : 1;
        };
    };
    union {
        ULONG SameThreadPassiveFlags;
        struct {
            ULONG ActiveExWorker : 1;
            ULONG ExWorkerCanWaitUser : 1;
            ULONG MemoryMaker : 1;
            ULONG KeyedEventInUse : 1;
        };
    };
    union {
        ULONG SameThreadApcFlags;
        struct {
            BOOLEAN LpcReceivedMsgIdValid : 1;
            BOOLEAN LpcExitThreadCalled : 1;
            BOOLEAN AddressSpaceOwner : 1;
            BOOLEAN OwnsProcessWorkingSetExclusive : 1;
            BOOLEAN OwnsProcessWorkingSetShared : 1;
            BOOLEAN OwnsSystemWorkingSetExclusive : 1;
            BOOLEAN OwnsSystemWorkingSetShared : 1;
            BOOLEAN OwnsSessionWorkingSetExclusive : 1;
            BOOLEAN OwnsSessionWorkingSetShared : 1;
            BOOLEAN ApcNeeded : 1;
        };
    };
    BOOLEAN ForwardClusterOnly;
    BOOLEAN DisablePageFaultClustering;
    UCHAR ActiveFaultCount;
} ETHREAD, *PETHREAD;

NT_EXTERN_C_END

#endif /* _PSTYPES_H */
