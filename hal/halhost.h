/*
 * halhost.h - the one narrow interface between the kernel and its host (in the
 * spirit of NetBSD's rumpuser.h). ntos/ and rtl/ reach the host only through these
 * calls; a port to another host rewrites hal/ alone. Nothing here names a host type.
 */
#ifndef _HALHOST_H
#define _HALHOST_H

#include "ntdef.h"
#include "ndk/ketypes.h"

NT_EXTERN_C_BEGIN

/* ---- Memory (backs the executive pool) ---- */
/* Size bytes aligned to Alignment (a power of two, at least 16). */
PVOID HalHostAllocate(SIZE_T Size, SIZE_T Alignment);
VOID HalHostFree(PVOID Block);

/* ---- Kernel stacks: [StackLimit, StackBase) usable, one guard page below StackLimit.
 * Freed stacks of the cached size go to a dead-stack cache, as MmDeadStackSListHead;
 * setting the cache keeps the stacks of the same size up to Depth, and Depth 0 empties
 * and disables it. ---- */
NTSTATUS HalHostAllocateStack(SIZE_T Size, PVOID *StackBase, PVOID *StackLimit);
VOID HalHostFreeStack(PVOID StackBase, PVOID StackLimit);
VOID HalHostSetStackCache(SIZE_T CachedSize, ULONG Depth);
/* The default kernel stack size on this host build (sanitizers need deeper stacks). */
ULONG HalHostDefaultStackSize(ULONG KernelDefault);
/* Stack pages in use (allocated and not in the cache), for leak reports. */
ULONG HalHostOutstandingStacks(VOID);
/* ---- User ranges: host address space reserved whole (every page faults), then
 * committed read/write (zero-filled) and decommitted (faults again, contents gone) a
 * page-aligned span at a time. Reserving fails with STATUS_NOT_SUPPORTED on a host whose
 * page is not PAGE_SIZE. A range is released with nothing committed in it (the HAL
 * may hand it out again as it is). ---- */
NTSTATUS HalHostReserveRange(SIZE_T Size, PVOID *Base);
NTSTATUS HalHostCommitRange(PVOID Base, SIZE_T Size);
NTSTATUS HalHostDecommitRange(PVOID Base, SIZE_T Size);
VOID HalHostReleaseRange(PVOID Base, SIZE_T Size);

/* ---- Address probing: whether a one-byte read at Address would succeed now (mapped
 * and readable), found without touching it. ---- */
BOOLEAN HalHostIsAddressReadable(PVOID Address);

/* ---- Spin-wait: one iteration of a spin loop (the deterministic machine lets another
 * processor run; realtime issues a pause). ---- */
VOID HalHostSpinWait(VOID);

/* ---- Execution contexts (Boost.Context fibers) ---- */
typedef VOID (*PHAL_CONTEXT_ROUTINE)(PVOID Argument);

/* A switch from the running context to another. The outgoing continuation is stored
 * in *OldContext by the incoming side before it runs any kernel code, so the caller
 * keeps a SwapBusy-style handshake around it. Argument reaches the incoming side. */
typedef struct _HAL_CONTEXT_SWITCH {
    PVOID *OldContext;
    PVOID NewContext;
    PVOID NewStackBase;
    PVOID NewStackLimit;
    PVOID NewFiber;      /* sanitizer handle of the incoming context */
    BOOLEAN OldExiting;  /* the outgoing context never runs again */
    PVOID Argument;
} HAL_CONTEXT_SWITCH, *PHAL_CONTEXT_SWITCH;

/* Builds a context that calls Routine(Argument of the switch that first enters it)
 * with its stack pointer at StackPointer (NULL: just below the HAL's reserve at the
 * top of the stack). Routine never returns. */
#define HAL_CONTEXT_RESERVE 32
PVOID HalHostInitializeContext(PVOID StackBase, PVOID StackPointer, PVOID StackLimit, PHAL_CONTEXT_ROUTINE Routine);
/* Switches; returns the Argument of the switch that later resumes this context. */
PVOID HalHostSwitchContext(PHAL_CONTEXT_SWITCH Switch);
PVOID HalHostCreateFiber(VOID);
VOID HalHostDeleteFiber(PVOID Fiber);

/* ---- The machine: virtual processors ---- */
typedef VOID (*PHAL_PROCESSOR_ROUTINE)(ULONG Number);

/* Each processor starts running StartRoutine(Number) on the stack of its idle thread,
 * which the kernel allocated, as NT's KiSystemStartup starts on the idle stack. */
typedef struct _HAL_PROCESSOR_BOOT {
    PKPCR Pcr;
    PVOID StackBase;
    PVOID StackLimit;
    PVOID Fiber;
} HAL_PROCESSOR_BOOT;

typedef struct _HAL_MACHINE_CONFIG {
    ULONG Processors;
    BOOLEAN Deterministic;
    ULONG64 Seed;
    PHAL_PROCESSOR_ROUTINE StartRoutine; /* KiSystemStartup; leaves through HalHostProcessorExit */
    /* The earliest timer due (interrupt time) or MAXULONG64; asked by the deterministic
     * machine when every processor is idle, to move its clock straight there. */
    ULONG64 (*NextTimerDue)(VOID);
    HAL_PROCESSOR_BOOT Boot[MAXIMUM_PROCESSORS];
} HAL_MACHINE_CONFIG;

NTSTATUS HalHostStartMachine(const HAL_MACHINE_CONFIG *Config);
/* Blocks the host caller (running the machine, in deterministic mode) until *Condition
 * is non-zero and returns STATUS_SUCCESS, or until every processor has stopped. In
 * deterministic mode, when every processor is idle the clock jumps to the next timer
 * due; a machine with no timer left that can make no progress gives
 * STATUS_POSSIBLE_DEADLOCK. */
NTSTATUS HalHostRunMachine(volatile LONG *Condition);
/* Called by the kernel after setting a condition the host may wait on. */
VOID HalHostWakeHost(VOID);
/* Asks every processor to leave its idle loop for good, runs the machine until all
 * have, and releases the HAL's per-machine state. */
VOID HalHostStopMachine(VOID);
BOOLEAN HalHostStopRequested(VOID);
BOOLEAN HalHostIsDeterministic(VOID);
ULONG HalHostProcessorCount(VOID);

/* The current processor's KPCR. A fiber may resume on another host thread, so this is
 * never cached by the compiler across a switch: on x86-64 ELF hosts it is one volatile
 * load through the host thread's TLS (HalpCurrentPcr, set by hal/ for each processor
 * it runs), which the compiler can neither hoist nor merge, as NT reads its PCR through
 * gs; on other hosts a call into hal/. Any IRQL. */
#if defined(__x86_64__) && defined(__ELF__)
extern __thread PKPCR HalpCurrentPcr;
FORCEINLINE PKPCR HalHostCurrentPcr(VOID)
{
    PKPCR Pcr;
    __asm__ __volatile__("movq HalpCurrentPcr@gottpoff(%%rip), %0\n\tmovq %%fs:(%0), %0" : "=r"(Pcr) : : "memory");
    return Pcr;
}
#else
PKPCR HalHostCurrentPcr(VOID);
#endif
/* The processor has nothing to run: returns once an interrupt is pending for it
 * (or a stop was requested). */
VOID HalHostIdle(VOID);
/* The idle loop saw a stop request: return to the processor's host context for good. */
DECLSPEC_NORETURN VOID HalHostProcessorExit(VOID);
/* Marks interrupt Level pending on a processor and wakes it if it is idle. */
VOID HalHostRequestInterrupt(ULONG Processor, KIRQL Level);
/* An interrupt point: the deterministic machine may switch processors or tick the clock. */
VOID HalHostInterruptPoint(VOID);
/* A draw from the deterministic machine's PRNG (a host entropy draw in realtime mode). */
ULONG64 HalHostRandom(VOID);

/* ---- Time, in 100 ns units ---- */
ULONG64 HalHostQueryInterruptTime(VOID); /* since boot; virtual in deterministic mode */
ULONG64 HalHostQuerySystemTime(VOID);    /* since 1601-01-01 */
ULONG64 HalHostQueryPerformanceCounter(PULONG64 Frequency);
#define HAL_CLOCK_INCREMENT 156250       /* 15.625 ms, KeMaximumIncrement */

/* ---- Exceptions ---- */
/* Returns to the _SEH2_TRY whose jump buffer (an RTL_SEH2_JUMP_BUFFER that the try
 * filled with the platform's setjmp) is given, unwinding the host stack between. */
DECLSPEC_NORETURN VOID HalHostLongJump(PVOID JumpBuffer);

/* ---- Console and failure ---- */
VOID HalHostWriteConsole(PCSTR Text, SIZE_T Length);
VOID HalHostPrintBacktrace(VOID);
/* The saved stack of a context that is not running (Context as HalHostSwitchContext
 * stored it, on the stack [StackLimit, StackBase)): up to MaximumFrames return
 * addresses and the stack slots they were read from, walking the frame-pointer chain
 * without leaving the stack; returns how many. Reads only that stack; any IRQL. */
ULONG HalHostContextBacktrace(PVOID Context, PVOID StackBase, PVOID StackLimit, PVOID *ReturnAddresses,
                              PVOID *FramePointers, ULONG MaximumFrames);
/* Names a code address "module!symbol+0xoffset" (or "module+0xoffset", or the bare
 * address) into Buffer of Size bytes, NUL-terminated. Any IRQL. */
VOID HalHostDescribeAddress(PVOID Address, PCHAR Buffer, ULONG Size);
DECLSPEC_NORETURN VOID HalHostAbort(VOID);

NT_EXTERN_C_END

#endif /* _HALHOST_H */
