/* internal/kd.h - the kernel debugger's views: WinDbg's extension commands
 * (!process, !thread, !ready, !handle, !poolused, !object, dt) printed with DbgPrint. */
#ifndef _INTERNAL_KD_H
#define _INTERNAL_KD_H

#include "ntddk.h"
#include "ex.h"

NT_EXTERN_C_BEGIN

struct _EPROCESS;
struct _ETHREAD;

/* kdcmd.cpp: parses a WinDbg command line and prints its view; an unknown command or
 * a bad argument gives STATUS_INVALID_PARAMETER and a one-line message. At
 * PASSIVE_LEVEL from a system thread, or at any IRQL once a bugcheck has begun (the
 * views then take no locks). */
NTSTATUS NTAPI KdExecuteCommand(PCSTR Command);
/* The views with no locks taken, for the bugcheck path; any IRQL. */
NTSTATUS NTAPI KdpExecuteCommandNoLocks(PCSTR Command);
/* Commands (separated by ';' or newlines) the bugcheck runs after its kd summary;
 * set by the host (ntosrun --kd). NULL for none. */
extern PCSTR KdBugCheckCommands;
/* The bugcheck's kd summary: the current thread's !thread and !ready, then
 * KdBugCheckCommands, once (a fault inside it does not come back here). HIGH_LEVEL. */
VOID NTAPI KdpBugCheckSummary(VOID);

/* ---- inside kd/: each view, NoLocks as above ---- */
typedef struct _KD_ARGUMENTS {
    ULONG Count;
    PCSTR Text[8];        /* each argument, NUL-terminated */
    ULONG64 Value[8];     /* its value as a number (hex unless 0n/0x) */
    BOOLEAN IsNumber[8];
} KD_ARGUMENTS, *PKD_ARGUMENTS;

/* kdcmd.cpp */
BOOLEAN NTAPI KdpEqualNoCase(PCSTR a, PCSTR b);
struct _KTHREAD *NTAPI KdpCurrentThread(VOID);
/* kdprocess.cpp */
VOID NTAPI KdpPrintDuration(PCSTR Label, ULONG64 Duration, PCSTR Suffix);
NTSTATUS NTAPI KdpProcessCommand(PKD_ARGUMENTS Arguments, BOOLEAN NoLocks);
struct _EPROCESS *NTAPI KdpNextProcess(struct _EPROCESS *Process, BOOLEAN NoLocks);
VOID NTAPI KdpEndProcessWalk(struct _EPROCESS *Process, BOOLEAN NoLocks);
struct _EPROCESS *NTAPI KdpFindProcess(ULONG64 AddressOrCid, BOOLEAN NoLocks);
VOID NTAPI KdpReleaseProcess(struct _EPROCESS *Process, BOOLEAN NoLocks);
VOID NTAPI KdpDisplayProcessHeader(struct _EPROCESS *Process, BOOLEAN NoLocks);
/* kdthread.cpp (KdpEnumThreads: seed 002's EnumThreads, with locks) */
ULONG NTAPI KdpEnumThreads(VOID);
ULONG NTAPI KdpEnumThreadsEx(BOOLEAN NoLocks);
NTSTATUS NTAPI KdpEnumThreadsCommand(PKD_ARGUMENTS Arguments, BOOLEAN NoLocks);
NTSTATUS NTAPI KdpThreadCommand(PKD_ARGUMENTS Arguments, BOOLEAN NoLocks);
struct _ETHREAD *NTAPI KdpNextThread(struct _EPROCESS *Process, struct _ETHREAD *Thread, BOOLEAN NoLocks);
struct _ETHREAD *NTAPI KdpFindThread(ULONG64 Address, BOOLEAN NoLocks);
VOID NTAPI KdpReleaseThread(struct _ETHREAD *Thread, BOOLEAN NoLocks);
#define KD_THREAD_DETAILS 0x1
#define KD_THREAD_STACK 0x2
VOID NTAPI KdpDisplayThread(struct _ETHREAD *Thread, ULONG Flags, BOOLEAN NoLocks);
VOID NTAPI KdpDisplayThreadLine(struct _ETHREAD *Thread, PCSTR Indent);
/* kdready.cpp */
NTSTATUS NTAPI KdpReadyCommand(PKD_ARGUMENTS Arguments, BOOLEAN NoLocks);
/* kdhandle.cpp */
BOOLEAN NTAPI KdpWalkHandleTable(PHANDLE_TABLE Table, PEX_ENUM_HANDLE_CALLBACK Routine, PVOID Context, BOOLEAN NoLocks);
NTSTATUS NTAPI KdpHandleCommand(PKD_ARGUMENTS Arguments, BOOLEAN NoLocks);
/* kdpool.cpp */
NTSTATUS NTAPI KdpPoolUsedCommand(PKD_ARGUMENTS Arguments, BOOLEAN NoLocks);
/* kdobject.cpp */
NTSTATUS NTAPI KdpObjectCommand(PKD_ARGUMENTS Arguments, BOOLEAN NoLocks);
VOID NTAPI KdpDisplayObject(PVOID Object, PCSTR Indent, LONG OwnReferences);
/* kddt.cpp */
NTSTATUS NTAPI KdpDisplayTypeCommand(PKD_ARGUMENTS Arguments, BOOLEAN NoLocks);

NT_EXTERN_C_END

#endif /* _INTERNAL_KD_H */
