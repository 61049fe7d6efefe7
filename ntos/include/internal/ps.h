/* internal/ps.h - private process/thread (Ps/Psp) prototypes and globals. */
#ifndef _INTERNAL_PS_H
#define _INTERNAL_PS_H

#include "ntddk.h"
#include "ndk/ntndk.h"

NT_EXTERN_C_BEGIN

extern PEPROCESS PsInitialSystemProcess;
extern PEPROCESS PsIdleProcess;
extern SINGLE_LIST_ENTRY PspReaperListHead;

NTSTATUS NTAPI PspInitPhase0(VOID);
ULONG NTAPI PspShutdownPhase0(VOID);
NTSTATUS NTAPI PspCreateSystemThreadObject(PKSTART_ROUTINE StartRoutine, PVOID StartContext, PETHREAD *Thread);
VOID NTAPI PspDeleteSystemThreadObject(PETHREAD Thread);
VOID NTAPI PspSystemThreadStartup(PKSTART_ROUTINE StartRoutine, PVOID StartContext);
VOID NTAPI PspReapRoutine(PVOID Context);
PETHREAD NTAPI PsGetCurrentThread(VOID);
PEPROCESS NTAPI PsGetCurrentProcess(VOID);

/* security.cpp: a process's primary token */
NTSTATUS NTAPI PspInitializeProcessSecurity(PEPROCESS Process, PEPROCESS Parent);
VOID NTAPI PspDeleteProcessSecurity(PEPROCESS Process);

NT_EXTERN_C_END

#endif /* _INTERNAL_PS_H */
