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

/* Interrupt entry points the HAL calls. */
NTKERNELAPI VOID NTAPI KeUpdateSystemTime(PKTRAP_FRAME TrapFrame, ULONG Increment, KIRQL OldIrql);
NTKERNELAPI VOID NTAPI KeUpdateRunTime(PKTRAP_FRAME TrapFrame, KIRQL OldIrql);
NTKERNELAPI VOID NTAPI KiDispatchInterrupt(VOID);
NTKERNELAPI VOID NTAPI KiHostRequestInterrupt(VOID); /* hosted: the host-request device's ISR */

NT_EXTERN_C_END

#endif /* _KEFUNCS_H */
