/* ndk/psfuncs.h - the process manager's undocumented services (NtCreateProcessEx,
 * NtOpenThread ...), declared as the ReactOS NDK declares them. */
#ifndef _PSFUNCS_H
#define _PSFUNCS_H

#include "ndk/ketypes.h"

NT_EXTERN_C_BEGIN

typedef struct _THREAD_BASIC_INFORMATION {
    NTSTATUS ExitStatus;
    PVOID TebBaseAddress;
    CLIENT_ID ClientId;
    KAFFINITY AffinityMask;
    KPRIORITY Priority;
    KPRIORITY BasePriority;
} THREAD_BASIC_INFORMATION, *PTHREAD_BASIC_INFORMATION;

NTSYSAPI NTSTATUS NTAPI NtCreateProcessEx(PHANDLE ProcessHandle, ACCESS_MASK DesiredAccess,
                                          POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ParentProcess, ULONG Flags,
                                          HANDLE SectionHandle, HANDLE DebugPort, HANDLE ExceptionPort, BOOLEAN InJob);
NTSYSAPI NTSTATUS NTAPI ZwCreateProcessEx(PHANDLE ProcessHandle, ACCESS_MASK DesiredAccess,
                                          POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ParentProcess, ULONG Flags,
                                          HANDLE SectionHandle, HANDLE DebugPort, HANDLE ExceptionPort, BOOLEAN InJob);
NTSYSAPI NTSTATUS NTAPI NtCreateThread(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
                                       POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle, PCLIENT_ID ClientId,
                                       PCONTEXT ThreadContext, struct _INITIAL_TEB *InitialTeb, BOOLEAN CreateSuspended);
NTSYSAPI NTSTATUS NTAPI ZwCreateThread(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
                                       POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle, PCLIENT_ID ClientId,
                                       PCONTEXT ThreadContext, struct _INITIAL_TEB *InitialTeb, BOOLEAN CreateSuspended);
/* A user thread's start routine: its result is the thread's exit status. */
typedef NTSTATUS (NTAPI *PUSER_THREAD_START_ROUTINE)(PVOID ThreadParameter);
/* NtCreateThreadEx's flags (Vista and later). With no loader or debugger here, only
 * CREATE_SUSPENDED and HIDE_FROM_DEBUGGER have an effect. */
#define THREAD_CREATE_FLAGS_CREATE_SUSPENDED 0x00000001
#define THREAD_CREATE_FLAGS_SKIP_THREAD_ATTACH 0x00000002
#define THREAD_CREATE_FLAGS_HIDE_FROM_DEBUGGER 0x00000004
#define THREAD_CREATE_FLAGS_LOADER_WORKER 0x00000010
#define THREAD_CREATE_FLAGS_SKIP_LOADER_INIT 0x00000020
#define THREAD_CREATE_FLAGS_BYPASS_PROCESS_FREEZE 0x00000040
struct _PS_ATTRIBUTE_LIST;
NTSYSAPI NTSTATUS NTAPI NtCreateThreadEx(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
                                         POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle,
                                         PUSER_THREAD_START_ROUTINE StartRoutine, PVOID Argument, ULONG CreateFlags,
                                         SIZE_T ZeroBits, SIZE_T StackSize, SIZE_T MaximumStackSize,
                                         struct _PS_ATTRIBUTE_LIST *AttributeList);
NTSYSAPI NTSTATUS NTAPI ZwCreateThreadEx(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
                                         POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle,
                                         PUSER_THREAD_START_ROUTINE StartRoutine, PVOID Argument, ULONG CreateFlags,
                                         SIZE_T ZeroBits, SIZE_T StackSize, SIZE_T MaximumStackSize,
                                         struct _PS_ATTRIBUTE_LIST *AttributeList);
/* The initial CONTEXT of a user thread starting at ThreadStartAddress(ThreadStartParam)
 * on the stack InitialTeb describes; and that INITIAL_TEB for a stack at Base. */
NTSYSAPI NTSTATUS NTAPI RtlInitializeContext(HANDLE ProcessHandle, PCONTEXT ThreadContext, PVOID ThreadStartParam,
                                             PUSER_THREAD_START_ROUTINE ThreadStartAddress, struct _INITIAL_TEB *InitialTeb);
NTSYSAPI VOID NTAPI RtlpInitializeInitialTeb(struct _INITIAL_TEB *InitialTeb, PVOID Base, SIZE_T Size);
/* The stack a user thread gets when its creator does not size it: committed whole (the
 * hosted user range has no guard-page growth). */
#define RTLP_DEFAULT_USER_STACK_SIZE (256 * 1024)
NTSYSAPI NTSTATUS NTAPI RtlCreateUserThread(HANDLE ProcessHandle, PSECURITY_DESCRIPTOR SecurityDescriptor,
                                            BOOLEAN CreateSuspended, ULONG StackZeroBits, SIZE_T StackReserve,
                                            SIZE_T StackCommit, PUSER_THREAD_START_ROUTINE StartAddress,
                                            PVOID Parameter, PHANDLE ThreadHandle, PCLIENT_ID ClientId);
/* The current thread's TEB (an intrinsic on NT). */
NTSYSAPI struct _TEB *NTAPI NtCurrentTeb(VOID);
NTSYSAPI NTSTATUS NTAPI NtOpenThread(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
                                     POBJECT_ATTRIBUTES ObjectAttributes, PCLIENT_ID ClientId);
NTSYSAPI NTSTATUS NTAPI ZwOpenThread(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
                                     POBJECT_ATTRIBUTES ObjectAttributes, PCLIENT_ID ClientId);

NTSYSAPI NTSTATUS NTAPI NtSuspendThread(HANDLE ThreadHandle, PULONG SuspendCount);
NTSYSAPI NTSTATUS NTAPI NtResumeThread(HANDLE ThreadHandle, PULONG SuspendCount);
NTSYSAPI NTSTATUS NTAPI NtAlertThread(HANDLE ThreadHandle);
NTSYSAPI NTSTATUS NTAPI NtAlertResumeThread(HANDLE ThreadHandle, PULONG SuspendCount);
NTSYSAPI NTSTATUS NTAPI NtTestAlert(VOID);
NTSYSAPI NTSTATUS NTAPI NtSuspendProcess(HANDLE ProcessHandle);
NTSYSAPI NTSTATUS NTAPI NtResumeProcess(HANDLE ProcessHandle);
NTSYSAPI NTSTATUS NTAPI NtQueueApcThread(HANDLE ThreadHandle, PKNORMAL_ROUTINE ApcRoutine, PVOID NormalContext,
                                         PVOID SystemArgument1, PVOID SystemArgument2);
NTKERNELAPI NTSTATUS NTAPI PsSuspendProcess(struct _EPROCESS *Process);
NTKERNELAPI NTSTATUS NTAPI PsResumeProcess(struct _EPROCESS *Process);
NTSYSAPI NTSTATUS NTAPI NtQueryInformationProcess(HANDLE ProcessHandle, PROCESSINFOCLASS ProcessInformationClass,
                                                  PVOID ProcessInformation, ULONG ProcessInformationLength,
                                                  PULONG ReturnLength);
NTSYSAPI NTSTATUS NTAPI NtQueryInformationThread(HANDLE ThreadHandle, THREADINFOCLASS ThreadInformationClass,
                                                 PVOID ThreadInformation, ULONG ThreadInformationLength,
                                                 PULONG ReturnLength);
NTSYSAPI NTSTATUS NTAPI ZwQueryInformationThread(HANDLE ThreadHandle, THREADINFOCLASS ThreadInformationClass,
                                                 PVOID ThreadInformation, ULONG ThreadInformationLength,
                                                 PULONG ReturnLength);
NTSYSAPI NTSTATUS NTAPI NtSetInformationThread(HANDLE ThreadHandle, THREADINFOCLASS ThreadInformationClass,
                                               PVOID ThreadInformation, ULONG ThreadInformationLength);

NT_EXTERN_C_END

#endif /* _PSFUNCS_H */
