/*
 * nthost.h - the hosted entry API: how a host program boots, drives and shuts down
 * the kernel. A contract that outside acceptance tests compile against.
 */
#ifndef _NTHOST_
#define _NTHOST_

#include "ntddk.h"

NT_EXTERN_C_BEGIN

typedef struct _NTOS_BOOT_OPTIONS {
    ULONG Size;            /* sizeof(NTOS_BOOT_OPTIONS) */
    ULONG Processors;      /* 0 = 1 */
    BOOLEAN Deterministic; /* one host thread, PRNG-driven interleaving */
    ULONG64 Seed;          /* deterministic mode's seed */
    ULONG KernelStackSize; /* 0 = default */
} NTOS_BOOT_OPTIONS;

/* Phase 0/1 initialization: System and Idle processes, the processors, the
 * kernel's own threads; returns to the host caller once the system is up. */
NTSTATUS NtosBoot(const NTOS_BOOT_OPTIONS *Options);

/* Runs StartRoutine(StartContext) on a new system thread of the System process and
 * blocks the host caller until that thread has terminated. */
NTSTATUS NtosRunSystemThread(PKSTART_ROUTINE StartRoutine, PVOID StartContext, PNTSTATUS ExitStatus);

/* Terminates what is left, reaps, and tears every global down so that a later
 * NtosBoot starts fresh; STATUS_SUCCESS, or an error after printing what leaked. */
NTSTATUS NtosShutdown(VOID);

NT_EXTERN_C_END

#endif /* _NTHOST_ */
