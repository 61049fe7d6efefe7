/* ndk/kefuncs.h - undocumented kernel (Ke) services. */
#ifndef _KEFUNCS_H
#define _KEFUNCS_H

#include "ndk/ketypes.h"

NT_EXTERN_C_BEGIN

NTKERNELAPI PKPRCB NTAPI KeGetCurrentPrcb(VOID);
NTKERNELAPI PKPCR NTAPI KeGetPcr(VOID);
NTKERNELAPI NTSTATUS NTAPI KeInitThread(PKTHREAD Thread, PVOID KernelStack, PKSYSTEM_ROUTINE SystemRoutine,
                                        PKSTART_ROUTINE StartRoutine, PVOID StartContext, PVOID Context,
                                        PVOID Teb, PKPROCESS Process);
NTKERNELAPI VOID NTAPI KeStartThread(PKTHREAD Thread);
NTKERNELAPI VOID NTAPI KeReadyThread(PKTHREAD Thread);
NTKERNELAPI VOID NTAPI KeUninitThread(PKTHREAD Thread);
NTKERNELAPI DECLSPEC_NORETURN VOID NTAPI KeTerminateThread(KPRIORITY Increment);
NTKERNELAPI KPRIORITY NTAPI KeQueryBasePriorityThread(PKTHREAD Thread);
NTKERNELAPI KAFFINITY NTAPI KeSetAffinityThread(PKTHREAD Thread, KAFFINITY Affinity);
NTKERNELAPI UCHAR NTAPI KeSetIdealProcessorThread(PKTHREAD Thread, UCHAR Processor);
NTKERNELAPI KPRIORITY NTAPI KeSetPriorityAndQuantumProcess(PKPROCESS Process, KPRIORITY Priority, UCHAR Quantum);
NTKERNELAPI VOID NTAPI KeSetEventBoostPriority(PKEVENT Event, PKTHREAD *WaitingThread);
NTKERNELAPI VOID NTAPI KeInitializeProcess(PKPROCESS Process, KPRIORITY Priority, KAFFINITY Affinity,
                                           PULONG_PTR DirectoryTableBase, BOOLEAN Enable);
NTKERNELAPI LONG NTAPI KeSetProcess(PKPROCESS Process, KPRIORITY Increment, BOOLEAN Wait);

/* APCs, alerts and suspension. */
NTKERNELAPI VOID NTAPI KeInitializeApc(PKAPC Apc, PKTHREAD Thread, KAPC_ENVIRONMENT TargetEnvironment,
                                       PKKERNEL_ROUTINE KernelRoutine, PKRUNDOWN_ROUTINE RundownRoutine,
                                       PKNORMAL_ROUTINE NormalRoutine, KPROCESSOR_MODE Mode, PVOID Context);
NTKERNELAPI BOOLEAN NTAPI KeInsertQueueApc(PKAPC Apc, PVOID SystemArgument1, PVOID SystemArgument2,
                                           KPRIORITY PriorityBoost);
NTKERNELAPI BOOLEAN NTAPI KeRemoveQueueApc(PKAPC Apc);
NTKERNELAPI PLIST_ENTRY NTAPI KeFlushQueueApc(PKTHREAD Thread, KPROCESSOR_MODE PreviousMode);
/* hal/ enters it on the faulting thread's stack for a fault inside a _SEH2_TRY. */
NTKERNELAPI DECLSPEC_NORETURN VOID NTAPI KiTrap0EHandler(PVOID FaultAddress, ULONG_PTR Access, PVOID Pc);
NTKERNELAPI VOID NTAPI KiDeliverApc(KPROCESSOR_MODE DeliveryMode, PKEXCEPTION_FRAME ExceptionFrame,
                                    PKTRAP_FRAME TrapFrame);
NTKERNELAPI BOOLEAN NTAPI KeAlertThread(PKTHREAD Thread, KPROCESSOR_MODE AlertMode);
NTKERNELAPI ULONG NTAPI KeAlertResumeThread(PKTHREAD Thread);
NTKERNELAPI BOOLEAN NTAPI KeTestAlertThread(KPROCESSOR_MODE AlertMode);
NTKERNELAPI ULONG NTAPI KeSuspendThread(PKTHREAD Thread);
NTKERNELAPI ULONG NTAPI KeResumeThread(PKTHREAD Thread);
NTKERNELAPI ULONG NTAPI KeForceResumeThread(PKTHREAD Thread);
NTKERNELAPI ULONG NTAPI KeQueryRuntimeThread(PKTHREAD Thread, PULONG UserTime);
NTKERNELAPI ULONG NTAPI KeQueryRuntimeProcess(PKPROCESS Process, PULONG UserTime);
NTKERNELAPI VOID NTAPI KeRundownThread(VOID);
NTKERNELAPI BOOLEAN NTAPI KeReadStateThread(PKTHREAD Thread);

/* Mutants (the executive's mutex objects) and process attachment. */
NTKERNELAPI VOID NTAPI KeInitializeMutant(PKMUTANT Mutant, BOOLEAN InitialOwner);
NTKERNELAPI LONG NTAPI KeReadStateMutant(PKMUTANT Mutant);
NTKERNELAPI LONG NTAPI KeReleaseMutant(PKMUTANT Mutant, KPRIORITY Increment, BOOLEAN Abandon, BOOLEAN Wait);
NTKERNELAPI VOID NTAPI KeAttachProcess(PKPROCESS Process);
NTKERNELAPI VOID NTAPI KeDetachProcess(VOID);
NTKERNELAPI BOOLEAN NTAPI KeIsAttachedProcess(VOID);
NTKERNELAPI BOOLEAN NTAPI KeIsExecutingDpc(VOID);

/* The delay and yield services. */
NTSYSAPI NTSTATUS NTAPI NtDelayExecution(BOOLEAN Alertable, PLARGE_INTEGER DelayInterval);
NTSYSAPI NTSTATUS NTAPI ZwDelayExecution(BOOLEAN Alertable, PLARGE_INTEGER DelayInterval);
NTSYSAPI NTSTATUS NTAPI NtYieldExecution(VOID);
NTSYSAPI NTSTATUS NTAPI ZwYieldExecution(VOID);

/* Interrupt entry points the HAL calls. */
NTKERNELAPI VOID NTAPI KeUpdateSystemTime(PKTRAP_FRAME TrapFrame, ULONG Increment, KIRQL OldIrql);
NTKERNELAPI VOID NTAPI KeUpdateRunTime(PKTRAP_FRAME TrapFrame, KIRQL OldIrql);
NTKERNELAPI VOID NTAPI KiDispatchInterrupt(VOID);
NTKERNELAPI VOID NTAPI KiHostRequestInterrupt(VOID); /* hosted: the host-request device's ISR */

NT_EXTERN_C_END

#endif /* _KEFUNCS_H */
