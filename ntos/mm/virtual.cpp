// virtual.cpp - private memory in a process's user range: regions reserved (and
// committed read/write) a VAD each, released whole; and the bounds of the current
// process's range that the probes check against.
#include "ke.h"
#include "ps.h"
#include "mm.h"
#include "halhost.h"

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
    if (Process->VmDeleted)
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

} // namespace

// Reserves RegionSize bytes (whole pages) of private memory in Process's user range,
// committing them read/write (zero-filled) with MEM_COMMIT: at *BaseAddress (rounded
// down to a page) when given, else at the lowest free run (the highest with
// MEM_TOP_DOWN). NoChange marks a PEB or TEB. Returns STATUS_NO_MEMORY when no run is
// free (or the process has no range), STATUS_CONFLICTING_ADDRESSES when the fixed
// region is taken, STATUS_PROCESS_IS_TERMINATING once its address space was cleaned.
// At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI MiAllocateVirtualMemory(PEPROCESS Process, PVOID *BaseAddress, SIZE_T RegionSize,
                                                  ULONG AllocationType, BOOLEAN NoChange)
{
    if (!(AllocationType & MEM_RESERVE) || (AllocationType & ~kValidAllocationTypes) || !RegionSize)
        return STATUS_INVALID_PARAMETER;
    if (Process->AddressSpaceInitialized != 2)
        return STATUS_NO_MEMORY;
    auto Base = reinterpret_cast<ULONG_PTR>(*BaseAddress);
    SIZE_T Offset = Base & (PAGE_SIZE - 1);
    auto RangeSize = static_cast<SIZE_T>(static_cast<PCHAR>(Process->UserRangeEnd) -
                                         static_cast<PCHAR>(Process->UserRangeStart));
    if (RegionSize > RangeSize - Offset)
        return STATUS_NO_MEMORY;
    Base -= Offset;
    SIZE_T Size = ROUND_TO_PAGES(RegionSize + Offset);

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
    return STATUS_SUCCESS;
}

// Releases the region that starts at BaseAddress's page in Process's range: its pages
// fault again and lose their contents. STATUS_MEMORY_NOT_ALLOCATED when no region holds
// BaseAddress, STATUS_FREE_VM_NOT_AT_BASE when it is not in the region's first page. At
// PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI MiFreeVirtualMemory(PEPROCESS Process, PVOID BaseAddress)
{
    if (Process->AddressSpaceInitialized != 2)
        return STATUS_MEMORY_NOT_ALLOCATED;
    NTSTATUS Status = STATUS_MEMORY_NOT_ALLOCATED;
    KeAcquireGuardedMutex(&Process->AddressCreationLock);
    PMMVAD Vad = MiLocateAddress(Process, BaseAddress);
    if (Vad && Vad->StartingVpn != MI_VA_TO_VPN(BaseAddress)) {
        Status = STATUS_FREE_VM_NOT_AT_BASE;
    } else if (Vad) {
        MiDeleteVad(Vad, Process);
        Status = STATUS_SUCCESS;
    }
    KeReleaseGuardedMutex(&Process->AddressCreationLock);
    return Status;
}

// Decommits Vad's pages, unlinks it and frees it. With Process's AddressCreationLock
// held.
extern "C" VOID NTAPI MiDeleteVad(PMMVAD Vad, PEPROCESS Process)
{
    SIZE_T Size = (Vad->EndingVpn - Vad->StartingVpn + 1) << PAGE_SHIFT;
    NTSTATUS Status = HalHostDecommitRange(MI_VPN_TO_VA(Vad->StartingVpn), Size);
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
