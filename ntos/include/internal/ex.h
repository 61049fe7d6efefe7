/* internal/ex.h - executive support: pool, initialization, the host entry API. */
#ifndef _INTERNAL_EX_H
#define _INTERNAL_EX_H

#include "ntddk.h"
#include "ndk/extypes.h"

NT_EXTERN_C_BEGIN

extern volatile LONG ExpBootComplete;

/* pool.cpp */
VOID NTAPI ExpInitializePoolTracker(VOID);
/* Prints every tag with outstanding allocations; returns how many blocks leaked. */
ULONG NTAPI ExpReportPoolLeaks(VOID);
ULONG NTAPI ExpOutstandingPoolBlocks(VOID);
/* Fault injection: after the next Successes allocations, Failures in a row fail. */
VOID NTAPI ExpInjectPoolFailures(ULONG64 Successes, ULONG64 Failures);

/* resource.cpp */
extern LIST_ENTRY ExpSystemResourcesList;
extern KSPIN_LOCK ExpResourceSpinLock;
extern BOOLEAN ExResourceStrict;
VOID NTAPI ExpResourceInitialization(VOID);

/* work.cpp: the system worker threads */
extern EX_WORK_QUEUE ExWorkerQueue[MaximumWorkQueue];
VOID NTAPI ExpInitializeWorkerThreads(VOID);
VOID NTAPI ExpShutdownWorkerThreads(VOID);

/* init.cpp */
VOID NTAPI ExpInitializeExecutive(ULONG Cpu);
VOID NTAPI Phase1Initialization(PVOID Context);

/* nthost.cpp: requests from host threads, served by the host request thread */
typedef enum _EXP_HOST_REQUEST_TYPE { ExpHostRunSystemThread, ExpHostShutdown } EXP_HOST_REQUEST_TYPE;

typedef struct _EXP_HOST_REQUEST {
    SINGLE_LIST_ENTRY Link;
    EXP_HOST_REQUEST_TYPE Type;
    PKSTART_ROUTINE StartRoutine;
    PVOID StartContext;
    NTSTATUS Status;
    NTSTATUS ExitStatus;
    volatile LONG Done;
} EXP_HOST_REQUEST, *PEXP_HOST_REQUEST;

DECLSPEC_NORETURN VOID NTAPI ExpHostRequestLoop(VOID);

NT_EXTERN_C_END

#endif /* _INTERNAL_EX_H */
