/* internal/ps.h - private process/thread (Ps/Psp) prototypes and globals. */
#ifndef _INTERNAL_PS_H
#define _INTERNAL_PS_H

#include "ntddk.h"
#include "ndk/ntndk.h"
#include "ex.h"

NT_EXTERN_C_BEGIN

/* Tags of the process manager's pool blocks. */
#define TAG_TERMINATE_APC 'atsP'

extern PEPROCESS PsIdleProcess;
extern POBJECT_TYPE PspProcessType;
extern POBJECT_TYPE PspThreadType;
extern GENERIC_MAPPING PspProcessMapping;
extern GENERIC_MAPPING PspThreadMapping;
extern PHANDLE_TABLE PspCidTable;
extern LIST_ENTRY PsActiveProcessHead;
extern KGUARDED_MUTEX PspActiveProcessMutex;
extern SINGLE_LIST_ENTRY PspReaperListHead;
extern WORK_QUEUE_ITEM PspReaperWorkItem;

/* The reaper list's head while PspReapRoutine runs: a terminating thread that finds it
 * there does not queue the reaper again. */
#define PSP_REAPER_ACTIVE ((PSINGLE_LIST_ENTRY)(ULONG_PTR)1)

/* psmgr.cpp: the process manager's start and (hosted) stop */
NTSTATUS NTAPI PsInitSystem(VOID);
ULONG NTAPI PspShutdownSystem(VOID);
VOID NTAPI PspWaitForExitingThreads(VOID);
VOID NTAPI PspDeleteCidTable(VOID);
/* For the fuzzer: the next Count CID allocations fail (0 ends the injection). */
VOID NTAPI PspInjectCidFailures(ULONG Count);
HANDLE NTAPI PspCreateCidHandle(PVOID Object);
/* The object a locked CID table entry names (the low bits are the entry's lock). */
FORCEINLINE PVOID PspCidEntryObject(PHANDLE_TABLE_ENTRY Entry)
{
    return (PVOID)(Entry->Value & ~(ULONG_PTR)7);
}

/* pscheck.cpp: the fuzzer's process-manager oracle; returns the violations printed. */
ULONG NTAPI PspCheckInvariants(VOID);
ULONG NTAPI PspAbandonSystem(VOID);

/* process.cpp */
NTSTATUS NTAPI PspCreateProcess(PHANDLE ProcessHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                                HANDLE ParentProcess, ULONG Flags, HANDLE SectionHandle, HANDLE DebugPort,
                                HANDLE ExceptionPort, BOOLEAN InJob);
NTSTATUS NTAPI PspOpenProcessOrThread(POBJECT_TYPE Type, PHANDLE Handle, ACCESS_MASK DesiredAccess,
                                      POBJECT_ATTRIBUTES ObjectAttributes, PCLIENT_ID ClientId);
PEPROCESS NTAPI PsGetNextProcess(PEPROCESS OldProcess);
PETHREAD NTAPI PsGetNextProcessThread(PEPROCESS Process, PETHREAD Thread);

/* thread.cpp */
NTSTATUS NTAPI PspCreateThread(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                               HANDLE ProcessHandle, PEPROCESS TargetProcess, PCLIENT_ID ClientId,
                               PCONTEXT ThreadContext, PINITIAL_TEB InitialTeb, BOOLEAN CreateSuspended,
                               PKSTART_ROUTINE StartRoutine, PVOID StartContext);
VOID NTAPI PspSystemThreadStartup(PKSTART_ROUTINE StartRoutine, PVOID StartContext);
VOID NTAPI PspUserThreadStartup(PKSTART_ROUTINE StartRoutine, PVOID StartContext);

/* kill.cpp: termination and deletion */
VOID NTAPI PspReapRoutine(PVOID Context);
NTSTATUS NTAPI PspTerminateThreadByPointer(PETHREAD Thread, NTSTATUS ExitStatus, BOOLEAN bSelf);
DECLSPEC_NORETURN VOID NTAPI PspExitThread(NTSTATUS ExitStatus);
VOID NTAPI PspExitProcess(BOOLEAN LastThread, PEPROCESS Process);
NTSTATUS NTAPI PspTerminateProcess(PEPROCESS Process, NTSTATUS ExitStatus);
VOID NTAPI PsExitSpecialApc(PKAPC Apc, PKNORMAL_ROUTINE *NormalRoutine, PVOID *NormalContext,
                            PVOID *SystemArgument1, PVOID *SystemArgument2);
VOID NTAPI PspExitApcRundown(PKAPC Apc);
VOID NTAPI PspExitNormalApc(PVOID NormalContext, PVOID SystemArgument1, PVOID SystemArgument2);
VOID NTAPI PspDeleteProcess(PVOID ObjectBody);
VOID NTAPI PspDeleteThread(PVOID ObjectBody);

/* state.cpp */
NTSTATUS NTAPI PsSuspendThread(PETHREAD Thread, PULONG PreviousCount);
NTSTATUS NTAPI PsResumeThread(PETHREAD Thread, PULONG PreviousCount);

/* security.cpp: a process's primary token */
NTSTATUS NTAPI PspInitializeProcessSecurity(PEPROCESS Process, PEPROCESS Parent);
VOID NTAPI PspDeleteProcessSecurity(PEPROCESS Process);

/* psnotify.cpp: the process, thread and image notify routines drivers register (as
 * many as Windows takes: 64 of each) */
#define PSP_MAX_CREATE_THREAD_NOTIFY 64
#define PSP_MAX_CREATE_PROCESS_NOTIFY 64
#define PSP_MAX_LOAD_IMAGE_NOTIFY 64
extern EX_CALLBACK PspThreadNotifyRoutine[PSP_MAX_CREATE_THREAD_NOTIFY];
extern EX_CALLBACK PspProcessNotifyRoutine[PSP_MAX_CREATE_PROCESS_NOTIFY];
extern EX_CALLBACK PspLoadImageNotifyRoutine[PSP_MAX_LOAD_IMAGE_NOTIFY];
extern volatile LONG PspThreadNotifyRoutineCount;
extern volatile LONG PspProcessNotifyRoutineCount;
extern volatile LONG PspLoadImageNotifyRoutineCount;
VOID NTAPI PspInitializeNotifyRoutines(VOID);
ULONG NTAPI PspShutdownNotifyRoutines(VOID);
VOID NTAPI PspRunCreateThreadNotifyRoutines(PETHREAD Thread, BOOLEAN Create);
NTSTATUS NTAPI PspRunCreateProcessNotifyRoutines(PEPROCESS Process, BOOLEAN Create);
VOID NTAPI PspRunLoadImageNotifyRoutines(PUNICODE_STRING FullImageName, HANDLE ProcessId, PIMAGE_INFO ImageInfo);

/* Sets bits of a thread's cross-thread flags (PS_CROSS_THREAD_FLAGS_*) atomically. */
FORCEINLINE VOID PspSetCrossThreadFlag(PETHREAD Thread, ULONG Flag)
{
    InterlockedOr((PLONG)&Thread->CrossThreadFlags, (LONG)Flag);
}

/* Sets bits of a process's Flags (PSF_*) atomically. */
#define PSF_PROCESS_EXITING_BIT 0x00000004UL
#define PSF_PROCESS_DELETE_BIT 0x00000008UL
#define PSF_VM_DELETED_BIT 0x00000020UL
#define PSF_HAS_ADDRESS_SPACE_BIT 0x00040000UL
FORCEINLINE VOID PspSetProcessFlag(PEPROCESS Process, ULONG Flag)
{
    InterlockedOr((PLONG)&Process->Flags, (LONG)Flag);
}

/* Reads a process's Flags whole: other threads set bits of them with interlocked
 * operations, so a bit-field read could see a torn word. */
#define PSF_ADDRESS_SPACE_INITIALIZED_SHIFT 10
FORCEINLINE ULONG PspReadProcessFlags(PEPROCESS Process)
{
    return __atomic_load_n(&Process->Flags, __ATOMIC_ACQUIRE);
}

/* The process lock, taken in a critical region. At or below APC_LEVEL. */
FORCEINLINE VOID PspLockProcessExclusive(PEPROCESS Process)
{
    KeEnterCriticalRegion();
    ExAcquirePushLockExclusive(&Process->ProcessLock);
}

FORCEINLINE VOID PspUnlockProcessExclusive(PEPROCESS Process)
{
    ExReleasePushLockExclusive(&Process->ProcessLock);
    KeLeaveCriticalRegion();
}

NT_EXTERN_C_END

#endif /* _INTERNAL_PS_H */
