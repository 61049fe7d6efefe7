// virtual.cpp - private memory in a process's user range: regions reserved (and
// committed read/write) a VAD each, released whole, internally and through
// NtAllocateVirtualMemory / NtFreeVirtualMemory; and the bounds of the current
// process's range that the probes check against.
#include "ke.h"
#include "ps.h"
#include "mm.h"
#include "halhost.h"
#include "pseh/pseh2.h"

namespace {

constexpr ULONG kValidAllocationTypes = MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN;

// Checks a fixed region [Start, Start + Size) against the process's range and VADs.
NTSTATUS MiCheckFixedRegion(PEPROCESS Process, ULONG_PTR Start, SIZE_T Size)
{
    auto RangeStart = reinterpret_cast<ULONG_PTR>(Process->UserRangeStart);
    auto RangeEnd = reinterpret_cast<ULONG_PTR>(Process->UserRangeEnd);
    if (Start < RangeStart || Start >= RangeEnd || Size > RangeEnd - Start)
        return STATUS_INVALID_PARAMETER;
    if (MiCheckForConflictingVad(Process, MI_VA_TO_VPN(Start), MI_VA_TO_VPN(Start + Size - 1)))
        return STATUS_CONFLICTING_ADDRESSES;
    return STATUS_SUCCESS;
}

// Chooses the region's base (a free run, or the caller's fixed one), commits it when
// asked and links its VAD. With the AddressCreationLock held.
NTSTATUS MiInsertRegion(PEPROCESS Process, PMMVAD Vad, PULONG_PTR Base, SIZE_T Size, ULONG AllocationType)
{
    if (PspReadProcessFlags(Process) & PSF_VM_DELETED_BIT)
        return STATUS_PROCESS_IS_TERMINATING;
    NTSTATUS Status = *Base ? MiCheckFixedRegion(Process, *Base, Size)
                            : MiFindEmptyAddressRange(Process, Size, (AllocationType & MEM_TOP_DOWN) != 0, Base);
    if (!NT_SUCCESS(Status))
        return Status;
    if (AllocationType & MEM_COMMIT) {
        Status = HalHostCommitRange(reinterpret_cast<PVOID>(*Base), Size);
        if (!NT_SUCCESS(Status))
            return Status;
    }
    Vad->StartingVpn = MI_VA_TO_VPN(*Base);
    Vad->EndingVpn = MI_VA_TO_VPN(*Base + Size - 1);
    MiInsertVad(Vad, Process);
    return STATUS_SUCCESS;
}

// The bytes a VAD covers.
SIZE_T MiVadSize(PMMVAD Vad)
{
    return (Vad->EndingVpn - Vad->StartingVpn + 1) << PAGE_SHIFT;
}

// Whether the region Vad (NULL: none) may be released as asked: from its first page,
// whole (RequestedSize 0, or reaching its last page), and not a PEB or TEB for user mode.
NTSTATUS MiCheckRelease(PMMVAD Vad, PVOID BaseAddress, SIZE_T RequestedSize, KPROCESSOR_MODE PreviousMode)
{
    if (!Vad)
        return STATUS_MEMORY_NOT_ALLOCATED;
    if (Vad->StartingVpn != MI_VA_TO_VPN(BaseAddress))
        return STATUS_FREE_VM_NOT_AT_BASE;
    SIZE_T Offset = reinterpret_cast<ULONG_PTR>(BaseAddress) & (PAGE_SIZE - 1);
    SIZE_T Size = MiVadSize(Vad);
    if (RequestedSize && (RequestedSize > Size - Offset || ROUND_TO_PAGES(RequestedSize + Offset) != Size))
        return STATUS_NOT_SUPPORTED;
    if (PreviousMode != KernelMode && Vad->u.VadFlags.NoChange)
        return STATUS_INVALID_PAGE_PROTECTION;
    return STATUS_SUCCESS;
}

// Reads a caller's region base and size, probing them first for a user-mode caller;
// returns the fault's status.
NTSTATUS MiCaptureRegion(PVOID *UserBase, PSIZE_T UserSize, KPROCESSOR_MODE PreviousMode, PVOID *Base, PSIZE_T Size)
{
    _SEH2_VOLATILE NTSTATUS Status = STATUS_SUCCESS;
    _SEH2_TRY
    {
        if (PreviousMode != KernelMode) {
            ProbeForWrite(UserBase, sizeof(PVOID), sizeof(PVOID));
            ProbeForWrite(UserSize, sizeof(SIZE_T), sizeof(SIZE_T));
        }
        *Base = *UserBase;
        *Size = *UserSize;
    }
    _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER)
    {
        Status = _SEH2_GetExceptionCode();
    }
    _SEH2_END;
    return Status;
}

// Hands a region's base and size back to the caller; returns the fault's status.
NTSTATUS MiReturnRegion(PVOID *UserBase, PSIZE_T UserSize, PVOID Base, SIZE_T Size)
{
    _SEH2_VOLATILE NTSTATUS Status = STATUS_SUCCESS;
    _SEH2_TRY
    {
        *UserBase = Base;
        *UserSize = Size;
    }
    _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER)
    {
        Status = _SEH2_GetExceptionCode();
    }
    _SEH2_END;
    return Status;
}

// References the process a handle (or NtCurrentProcess(): the attached one) names,
// for PROCESS_VM_OPERATION.
NTSTATUS MiReferenceProcess(HANDLE ProcessHandle, KPROCESSOR_MODE PreviousMode, PEPROCESS *Process)
{
    if (ProcessHandle == NtCurrentProcess()) {
        *Process = PsGetCurrentProcess();
        ObReferenceObject(*Process);
        return STATUS_SUCCESS;
    }
    return ObReferenceObjectByHandle(ProcessHandle, PROCESS_VM_OPERATION, *PsProcessType, PreviousMode,
                                     reinterpret_cast<PVOID *>(Process), NULL);
}

} // namespace

// Reserves *RegionSize bytes (whole pages) of private memory in Process's user range,
// committing them read/write (zero-filled) with MEM_COMMIT: at *BaseAddress (rounded
// down to a page) when given, else at the lowest free run (the highest with
// MEM_TOP_DOWN); returns the region's base and size. NoChange marks a PEB or TEB.
// STATUS_NO_MEMORY when no run is free (or the process has no range),
// STATUS_CONFLICTING_ADDRESSES when the fixed region is taken,
// STATUS_PROCESS_IS_TERMINATING once its address space was cleaned. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI MiAllocateVirtualMemory(PEPROCESS Process, PVOID *BaseAddress, PSIZE_T RegionSize,
                                                  ULONG AllocationType, BOOLEAN NoChange)
{
    if (!(AllocationType & MEM_RESERVE) || (AllocationType & ~kValidAllocationTypes) || !*RegionSize)
        return STATUS_INVALID_PARAMETER;
    if (!MiAddressSpaceReady(Process))
        return STATUS_NO_MEMORY;
    auto Base = reinterpret_cast<ULONG_PTR>(*BaseAddress);
    SIZE_T Offset = Base & (PAGE_SIZE - 1);
    auto RangeSize = static_cast<SIZE_T>(static_cast<PCHAR>(Process->UserRangeEnd) -
                                         static_cast<PCHAR>(Process->UserRangeStart));
    if (*RegionSize > RangeSize - Offset)
        return STATUS_NO_MEMORY;
    Base -= Offset;
    SIZE_T Size = ROUND_TO_PAGES(*RegionSize + Offset);

    auto *Vad = static_cast<PMMVAD>(ExAllocatePoolZero(NonPagedPool, sizeof(MMVAD), TAG_MM_VAD));
    if (!Vad)
        return STATUS_INSUFFICIENT_RESOURCES;
    Vad->u.VadFlags.PrivateMemory = 1;
    Vad->u.VadFlags.NoChange = NoChange ? 1 : 0;
    if (AllocationType & MEM_COMMIT) {
        Vad->u.VadFlags.MemCommit = 1;
        Vad->u.VadFlags.CommitCharge = Size >> PAGE_SHIFT;
        Vad->u.VadFlags.Protection = MM_READWRITE;
    }
    KeAcquireGuardedMutex(&Process->AddressCreationLock);
    NTSTATUS Status = MiInsertRegion(Process, Vad, &Base, Size, AllocationType);
    KeReleaseGuardedMutex(&Process->AddressCreationLock);
    if (!NT_SUCCESS(Status)) {
        ExFreePoolWithTag(Vad, TAG_MM_VAD);
        return Status;
    }
    *BaseAddress = reinterpret_cast<PVOID>(Base);
    *RegionSize = Size;
    return STATUS_SUCCESS;
}

// Releases the region that starts at BaseAddress's page in Process's range: its pages
// fault again and lose their contents. *RegionSize (none: 0) is 0 or the region's
// size, and returns it. STATUS_MEMORY_NOT_ALLOCATED when no region holds BaseAddress,
// STATUS_FREE_VM_NOT_AT_BASE when it is not in the region's first page,
// STATUS_NOT_SUPPORTED for part of a region, STATUS_INVALID_PAGE_PROTECTION for a PEB
// or TEB freed from user mode. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI MiFreeVirtualMemory(PEPROCESS Process, PVOID BaseAddress, PSIZE_T RegionSize,
                                              KPROCESSOR_MODE PreviousMode)
{
    if (!MiAddressSpaceReady(Process))
        return STATUS_MEMORY_NOT_ALLOCATED;
    KeAcquireGuardedMutex(&Process->AddressCreationLock);
    PMMVAD Vad = MiLocateAddress(Process, BaseAddress);
    NTSTATUS Status = MiCheckRelease(Vad, BaseAddress, RegionSize ? *RegionSize : 0, PreviousMode);
    if (NT_SUCCESS(Status)) {
        if (RegionSize)
            *RegionSize = MiVadSize(Vad);
        MiDeleteVad(Vad, Process);
    }
    KeReleaseGuardedMutex(&Process->AddressCreationLock);
    return Status;
}

// Decommits Vad's pages, unlinks it and frees it. With Process's AddressCreationLock
// held.
extern "C" VOID NTAPI MiDeleteVad(PMMVAD Vad, PEPROCESS Process)
{
    NTSTATUS Status = HalHostDecommitRange(MI_VPN_TO_VA(Vad->StartingVpn), MiVadSize(Vad));
    ASSERT(NT_SUCCESS(Status));
    UNREFERENCED_PARAMETER(Status);
    MiRemoveVad(Vad, Process);
    ExFreePoolWithTag(Vad, TAG_MM_VAD);
}

// The first byte of the current process's user range (0 when it has none). Any IRQL.
extern "C" ULONG_PTR NTAPI MmQueryLowestUserAddress(VOID)
{
    return reinterpret_cast<ULONG_PTR>(PsGetCurrentProcess()->UserRangeStart);
}

// The first byte past the current process's user range (0 when it has none). Any IRQL.
extern "C" ULONG_PTR NTAPI MmQueryUserProbeAddress(VOID)
{
    return reinterpret_cast<ULONG_PTR>(PsGetCurrentProcess()->UserRangeEnd);
}

// The start of both region services: the caller's base and size captured, and the
// process the handle names referenced.
static NTSTATUS MiCaptureRequest(HANDLE ProcessHandle, PVOID *UBaseAddress, PSIZE_T URegionSize,
                                 KPROCESSOR_MODE PreviousMode, PVOID *Base, PSIZE_T Size, PEPROCESS *Process)
{
    NTSTATUS Status = MiCaptureRegion(UBaseAddress, URegionSize, PreviousMode, Base, Size);
    if (!NT_SUCCESS(Status))
        return Status;
    return MiReferenceProcess(ProcessHandle, PreviousMode, Process);
}

// Reserves (and with MEM_COMMIT commits) a new region in a process's user range and
// returns its base and size through the caller's pointers, probed for a user-mode
// caller. The hosted subset: MEM_RESERVE with MEM_COMMIT / MEM_TOP_DOWN, PAGE_READWRITE
// (PAGE_NOACCESS for a bare reservation), ZeroBits 0; a commit into an existing region
// is STATUS_NOT_SUPPORTED. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtAllocateVirtualMemory(HANDLE ProcessHandle, PVOID *UBaseAddress, ULONG_PTR ZeroBits,
                                                  PSIZE_T URegionSize, ULONG AllocationType, ULONG Protect)
{
    KI_USER_SERVICE(NtAllocateVirtualMemory(ProcessHandle, UBaseAddress, ZeroBits,
                                            URegionSize, AllocationType, Protect));
    if (ZeroBits)
        return STATUS_INVALID_PARAMETER_3;
    if (!(AllocationType & (MEM_RESERVE | MEM_COMMIT)) || (AllocationType & ~kValidAllocationTypes))
        return STATUS_INVALID_PARAMETER_5;
    if (!(AllocationType & MEM_RESERVE))
        return STATUS_NOT_SUPPORTED;
    if (Protect != PAGE_READWRITE && (Protect != PAGE_NOACCESS || (AllocationType & MEM_COMMIT)))
        return STATUS_INVALID_PAGE_PROTECTION;
    KPROCESSOR_MODE PreviousMode = ExGetPreviousMode();
    PVOID Base;
    SIZE_T Size;
    PEPROCESS Process;
    NTSTATUS Status = MiCaptureRequest(ProcessHandle, UBaseAddress, URegionSize, PreviousMode, &Base, &Size, &Process);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = MiAllocateVirtualMemory(Process, &Base, &Size, AllocationType, FALSE);
    ObDereferenceObject(Process);
    if (!NT_SUCCESS(Status))
        return Status;
    return MiReturnRegion(UBaseAddress, URegionSize, Base, Size);
}

// Releases a whole region of a process's user range (MEM_RELEASE; MEM_DECOMMIT is
// STATUS_NOT_SUPPORTED) and returns its base and size through the caller's pointers,
// probed for a user-mode caller. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtFreeVirtualMemory(HANDLE ProcessHandle, PVOID *UBaseAddress, PSIZE_T URegionSize,
                                              ULONG FreeType)
{
    KI_USER_SERVICE(NtFreeVirtualMemory(ProcessHandle, UBaseAddress, URegionSize, FreeType));
    if (FreeType == MEM_DECOMMIT)
        return STATUS_NOT_SUPPORTED;
    if (FreeType != MEM_RELEASE)
        return STATUS_INVALID_PARAMETER_4;
    KPROCESSOR_MODE PreviousMode = ExGetPreviousMode();
    PVOID Base;
    SIZE_T Size;
    PEPROCESS Process;
    NTSTATUS Status = MiCaptureRequest(ProcessHandle, UBaseAddress, URegionSize, PreviousMode, &Base, &Size, &Process);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = MiFreeVirtualMemory(Process, Base, &Size, PreviousMode);
    ObDereferenceObject(Process);
    if (!NT_SUCCESS(Status))
        return Status;
    return MiReturnRegion(UBaseAddress, URegionSize, reinterpret_cast<PVOID>(ALIGN_DOWN_BY(Base, PAGE_SIZE)), Size);
}

// The Zw forms, for kernel code (PreviousMode KernelMode). At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ZwAllocateVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, ULONG_PTR ZeroBits,
                                                  PSIZE_T RegionSize, ULONG AllocationType, ULONG Protect)
{
    return KiZwCall([&] {
        return NtAllocateVirtualMemory(ProcessHandle, BaseAddress, ZeroBits, RegionSize, AllocationType, Protect);
    });
}

extern "C" NTSTATUS NTAPI ZwFreeVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize,
                                              ULONG FreeType)
{
    return KiZwCall([&] { return NtFreeVirtualMemory(ProcessHandle, BaseAddress, RegionSize, FreeType); });
}
