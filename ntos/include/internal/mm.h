/* internal/mm.h - the memory manager pieces the hosted kernel has: kernel stacks, and
 * each process's user range (its VADs, PEB and TEBs). */
#ifndef _INTERNAL_MM_H
#define _INTERNAL_MM_H

#include "ntddk.h"
#include "ndk/ntndk.h"

NT_EXTERN_C_BEGIN

#define TAG_MM_VAD ' daV'

#define PAGE_SHIFT 12
#define BYTES_TO_PAGES(Size) (((SIZE_T)(Size) + PAGE_SIZE - 1) >> PAGE_SHIFT)

/* MMVAD_FLAGS.Protection */
#define MM_NOACCESS 0
#define MM_READWRITE 4

/* The size of every process's user range (hosted): reserved whole when the process is
 * created, committed an allocation at a time. Set before creating processes. */
#define MM_DEFAULT_USER_RANGE_SIZE (64 * 1024 * 1024)
extern SIZE_T MmUserRangeSize;

typedef struct _MMVAD_FLAGS {
    ULONG_PTR CommitCharge : 51; /* pages committed */
    ULONG_PTR NoChange : 1;      /* PEB or TEB: user mode cannot free it */
    ULONG_PTR VadType : 3;
    ULONG_PTR MemCommit : 1;
    ULONG_PTR Protection : 5;
    ULONG_PTR Spare : 2;
    ULONG_PTR PrivateMemory : 1;
} MMVAD_FLAGS;

/* A virtual address descriptor: pages [StartingVpn, EndingVpn] of a process's user
 * range. Hosted: linked in the process's VadListHead in address order (NT's AVL links
 * are not modelled). */
typedef struct _MMVAD {
    LIST_ENTRY VadLink;
    ULONG_PTR StartingVpn;
    ULONG_PTR EndingVpn;
    union {
        ULONG_PTR LongFlags;
        MMVAD_FLAGS VadFlags;
    } u;
} MMVAD, *PMMVAD;

#define MI_VPN_TO_VA(Vpn) ((PVOID)((ULONG_PTR)(Vpn) << PAGE_SHIFT))
#define MI_VA_TO_VPN(Va) ((ULONG_PTR)(Va) >> PAGE_SHIFT)

/* procsup.cpp: kernel stacks */
extern ULONG MmKernelStackSize;
NTSTATUS NTAPI MmInitializeKernelStacks(ULONG KernelStackSize);
PVOID NTAPI MmCreateKernelStack(BOOLEAN GuiStack, UCHAR Node);
VOID NTAPI MmDeleteKernelStack(PVOID StackBase, BOOLEAN GuiStack);

/* procsup.cpp: process address spaces, PEB and TEB */
BOOLEAN NTAPI MmCreateProcessAddressSpace(ULONG MinWs, PEPROCESS Process, PULONG_PTR DirectoryTableBase);
NTSTATUS NTAPI MmInitializeProcessAddressSpace(PEPROCESS Process, PEPROCESS ProcessClone, PVOID Section,
                                               PULONG Flags, PVOID *AuditName);
VOID NTAPI MmCleanProcessAddressSpace(PEPROCESS Process);
VOID NTAPI MmDeleteProcessAddressSpace(PEPROCESS Process);
NTSTATUS NTAPI MmCreatePeb(PEPROCESS Process, PINITIAL_PEB InitialPeb, PPEB *BasePeb);
VOID NTAPI MmDeletePeb(PEPROCESS Process);
NTSTATUS NTAPI MmCreateTeb(PEPROCESS Process, PCLIENT_ID ClientId, PINITIAL_TEB InitialTeb, PTEB *BaseTeb);
VOID NTAPI MmDeleteTeb(PEPROCESS Process, PTEB Teb);
/* Fault injection: the next Count MmCreateTeb calls fail with STATUS_NO_MEMORY (0 ends
 * it). Any IRQL. */
VOID NTAPI MmInjectTebFailures(ULONG Count);
/* User ranges reserved and not released; the shutdown leak report prints them. */
ULONG NTAPI MmReportUserRangeLeaks(VOID);

/* vadnode.cpp: a process's VAD list; callers hold its AddressCreationLock */
PMMVAD NTAPI MiLocateAddress(PEPROCESS Process, PVOID VirtualAddress);
BOOLEAN NTAPI MiCheckForConflictingVad(PEPROCESS Process, ULONG_PTR StartingVpn, ULONG_PTR EndingVpn);
NTSTATUS NTAPI MiFindEmptyAddressRange(PEPROCESS Process, SIZE_T Length, BOOLEAN TopDown, PULONG_PTR Base);
VOID NTAPI MiInsertVad(PMMVAD Vad, PEPROCESS Process);
VOID NTAPI MiRemoveVad(PMMVAD Vad, PEPROCESS Process);

/* virtual.cpp: private memory in a process's user range */
NTSTATUS NTAPI MiAllocateVirtualMemory(PEPROCESS Process, PVOID *BaseAddress, PSIZE_T RegionSize,
                                       ULONG AllocationType, BOOLEAN NoChange);
NTSTATUS NTAPI MiFreeVirtualMemory(PEPROCESS Process, PVOID BaseAddress, PSIZE_T RegionSize,
                                   KPROCESSOR_MODE PreviousMode);
VOID NTAPI MiDeleteVad(PMMVAD Vad, PEPROCESS Process);

/* Whether a process's address space is fully initialized (AddressSpaceInitialized 2),
 * read from its Flags whole. */
#define MiAddressSpaceReady(Process) \
    (((PspReadProcessFlags(Process) >> PSF_ADDRESS_SPACE_INITIALIZED_SHIFT) & 3) == 2)

NT_EXTERN_C_END

#endif /* _INTERNAL_MM_H */
