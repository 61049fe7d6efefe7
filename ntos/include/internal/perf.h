/* internal/perf.h - the kernel's timeline log (Windows' PerfInfo hooks feeding the
 * kernel logger): context switches, thread state changes, waits, APC and DPC
 * delivery, thread and process creation and exit, and notify routine calls, recorded
 * in a bounded ring of fixed-size events. A hook costs one load and one branch
 * while the log is off. */
#ifndef _INTERNAL_PERF_H
#define _INTERNAL_PERF_H

#include "ntddk.h"

NT_EXTERN_C_BEGIN

typedef enum _PERFINFO_EVENT_TYPE {
    PerfInfoContextSwitch = 1, /* Thread = new; Args: old TID, old PID, old state | old wait reason << 8 */
    PerfInfoThreadState,       /* Args: new state, processor the thread is bound for (Ready/Standby) */
    PerfInfoWaitBegin,         /* Args: wait reason, object count, first object */
    PerfInfoWaitEnd,           /* Args: wait status */
    PerfInfoApcDelivery,       /* Args: kernel routine, normal routine, mode */
    PerfInfoDpcDelivery,       /* Args: deferred routine */
    PerfInfoThreadCreate,      /* Args: start address */
    PerfInfoThreadExit,        /* Args: exit status */
    PerfInfoProcessCreate,     /* Args: image name (16 bytes in Args[0], Args[1]), parent PID */
    PerfInfoProcessExit,       /* Args: exit status */
    PerfInfoNotifyRoutine,     /* Args: routine, kind (0 process, 1 thread, 2 image), create */
    PerfInfoThreadRundown,     /* a thread alive when the log started; as ThreadCreate */
    PerfInfoProcessRundown,    /* a process alive when the log started; as ProcessCreate */
} PERFINFO_EVENT_TYPE;

/* One event: when (interrupt time, 100 ns), where (processor), whose (the subject
 * thread's and process's IDs; NULL IDs for an idle thread), and three arguments. */
typedef struct _PERFINFO_EVENT {
    ULONG64 Sequence; /* 1 + its place in the log; 0 while being written */
    ULONG64 Time;
    USHORT Type;
    USHORT Processor;
    ULONG Tid;
    ULONG Pid;
    ULONG Reserved;
    ULONG64 Args[3];
} PERFINFO_EVENT, *PPERFINFO_EVENT;

extern volatile LONG PerfGlobalGroupMask; /* non-zero while the log is on */

FORCEINLINE BOOLEAN PerfIsLogging(VOID) { return __atomic_load_n(&PerfGlobalGroupMask, __ATOMIC_RELAXED) != 0; }

/* perfinfo.cpp: starting, stopping and reading the log. At PASSIVE_LEVEL. */
NTSTATUS NTAPI PerfInfoStartLog(ULONG Capacity);
VOID NTAPI PerfInfoStopLog(VOID);
/* Copies the retained events (the newest Capacity of them) in order; returns how many
 * were logged in all (more than retained when the ring wrapped). */
ULONG64 NTAPI PerfInfoReadLog(PPERFINFO_EVENT Buffer, ULONG Capacity, PULONG Copied);
VOID NTAPI PerfInfoFreeLog(VOID);

/* The hooks' slow halves, called only while logging. Any IRQL. */
VOID NTAPI PerfInfoLogEvent(USHORT Type, struct _KTHREAD *Thread, ULONG64 Arg0, ULONG64 Arg1, ULONG64 Arg2);
VOID NTAPI PerfInfoLogProcess(USHORT Type, struct _EPROCESS *Process, ULONG64 Arg);
VOID NTAPI PerfInfoLogContextSwitch(struct _KTHREAD *OldThread, struct _KTHREAD *NewThread);

/* The hooks the kernel calls. */
#define PERFINFO_LOG(Type, Thread, A0, A1, A2)                                                                         \
    do {                                                                                                               \
        if (PerfIsLogging())                                                                                           \
            PerfInfoLogEvent((Type), (Thread), (ULONG64)(A0), (ULONG64)(A1), (ULONG64)(A2));                           \
    } while (0)
#define PERFINFO_LOG_CONTEXT_SWITCH(OldThread, NewThread)                                                              \
    do {                                                                                                               \
        if (PerfIsLogging())                                                                                           \
            PerfInfoLogContextSwitch((OldThread), (NewThread));                                                        \
    } while (0)
#define PERFINFO_LOG_PROCESS(Type, Process, Arg)                                                                       \
    do {                                                                                                               \
        if (PerfIsLogging())                                                                                           \
            PerfInfoLogProcess((Type), (Process), (ULONG64)(Arg));                                                     \
    } while (0)

NT_EXTERN_C_END

#endif /* _INTERNAL_PERF_H */
