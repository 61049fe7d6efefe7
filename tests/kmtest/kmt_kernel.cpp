// kmt_kernel.cpp - the kernel-mode helpers kmtests call: IRQL, pool headers, system
// routine lookup, helper threads, guarded blocks, and the build flags. They run in
// the hosted kernel's threads; the few host calls (symbol lookup, page mappings) are
// the harness's, not the kernel's.
#include <dlfcn.h>
#include <sys/mman.h>

#include <string>

#include "kmt_test.h"
#include "nthost.h"

// This kernel makes the checks a checked build makes (spin-lock owners, IRQL and
// ownership bugchecks) and runs the SMP code paths on any processor count.
extern "C" {
BOOLEAN KmtIsCheckedBuild = TRUE;
BOOLEAN KmtIsMultiProcessorBuild = TRUE;
BOOLEAN KmtIsVirtualMachine = FALSE;
PDRIVER_OBJECT KmtDriverObject = nullptr;
PCSTR KmtMajorFunctionNames[] = {
    "Create", "CreateNamedPipe", "Close", "Read", "Write", "QueryInformation", "SetInformation",
    "QueryEa", "SetEa", "FlushBuffers", "QueryVolumeInformation", "SetVolumeInformation",
    "DirectoryControl", "FileSystemControl", "DeviceControl", "InternalDeviceControl/Scsi",
    "Shutdown", "LockControl", "Cleanup", "CreateMailslot", "QuerySecurity", "SetSecurity", "Power",
    "SystemControl", "DeviceChange", "QueryQuota", "SetQuota", "Pnp/PnpPower"};
}

namespace {

// The AMD64 POOL_HEADER as a kmtest reads it: 16 bytes before the block.
struct KMT_POOL_HEADER {
    UCHAR PreviousSize;
    UCHAR PoolIndex;
    UCHAR BlockSize;
    UCHAR PoolType;
    ULONG PoolTag;
    ULONG64 ProcessBilled;
};
static_assert(sizeof(KMT_POOL_HEADER) == 16, "AMD64 POOL_HEADER");

constexpr ULONG_PTR PageMask = PAGE_SIZE - 1;

} // namespace

// Raises or lowers the IRQL to NewIrql, whichever it takes. At any IRQL.
extern "C" VOID KmtSetIrql(KIRQL NewIrql)
{
    KIRQL Irql = KeGetCurrentIrql();
    if (Irql > NewIrql)
        KeLowerIrql(NewIrql);
    else if (Irql < NewIrql)
        KeRaiseIrql(NewIrql, &Irql);
}

// The hosted processors never mask interrupts (IRQL alone defers them), so this is
// always TRUE. Any IRQL.
extern "C" BOOLEAN KmtAreInterruptsEnabled(VOID)
{
    return TRUE;
}

// The pool tag in the header before Memory; 'TooL' for a page-aligned (big) block,
// which has no header to read, as kmtest answers. Any IRQL.
extern "C" ULONG KmtGetPoolTag(PVOID Memory)
{
    if (((ULONG_PTR)Memory & PageMask) == 0)
        return 'TooL';
    return (static_cast<KMT_POOL_HEADER *>(Memory) - 1)->PoolTag;
}

// The pool type (base type + 1) in the header before Memory; 0 for a big block.
// Any IRQL.
extern "C" USHORT KmtGetPoolType(PVOID Memory)
{
    if (((ULONG_PTR)Memory & PageMask) == 0)
        return 0;
    return (static_cast<KMT_POOL_HEADER *>(Memory) - 1)->PoolType;
}

// MmGetSystemRoutineAddress for the hosted image: a function the kernel exports by
// that name (a symbol of this executable, not of a host library), or NULL. PASSIVE_LEVEL.
extern "C" PVOID KmtGetSystemRoutineAddress(PCWSTR RoutineName)
{
    std::string Name;
    for (PCWSTR Cursor = RoutineName; Cursor && *Cursor; Cursor++) {
        if (*Cursor >= 0x80)
            return nullptr;
        Name += (char)*Cursor;
    }
    void *Address = dlsym(RTLD_DEFAULT, Name.c_str());
    Dl_info Symbol, Kernel;
    if (!Address || !dladdr(Address, &Symbol) || !dladdr((void *)&NtosBoot, &Kernel))
        return nullptr;
    return Symbol.dli_fbase == Kernel.dli_fbase ? Address : nullptr;
}

// Starts a system thread running StartRoutine and returns it referenced, or NULL
// after a failed check and a skip. PASSIVE_LEVEL.
extern "C" PKTHREAD KmtStartThread(PKSTART_ROUTINE StartRoutine, PVOID StartContext)
{
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, nullptr, OBJ_KERNEL_HANDLE, nullptr, nullptr);
    HANDLE Handle = INVALID_HANDLE_VALUE;
    PVOID Thread = nullptr;
    NTSTATUS Status =
        PsCreateSystemThread(&Handle, SYNCHRONIZE, &Attributes, nullptr, nullptr, StartRoutine, StartContext);
    ok_eq_hex(Status, STATUS_SUCCESS);
    if (skip(NT_SUCCESS(Status) && Handle && Handle != INVALID_HANDLE_VALUE, "No thread\n"))
        return nullptr;
    Status = ObReferenceObjectByHandle(Handle, SYNCHRONIZE, *PsThreadType, KernelMode, &Thread, nullptr);
    ok_eq_hex(Status, STATUS_SUCCESS);
    ObCloseHandle(Handle, KernelMode);
    return static_cast<PKTHREAD>(Thread);
}

// Sets Event (if any) with Wait = TRUE, waits for Thread to end and drops the
// reference KmtStartThread took. PASSIVE_LEVEL.
extern "C" VOID KmtFinishThread(PKTHREAD Thread, PKEVENT Event)
{
    if (skip(Thread != nullptr, "No thread\n"))
        return;
    if (Event)
        KeSetEvent(Event, IO_NO_INCREMENT, TRUE);
    NTSTATUS Status = KeWaitForSingleObject(Thread, Executive, KernelMode, FALSE, nullptr);
    ok_eq_hex(Status, STATUS_SUCCESS);
    ObDereferenceObject(Thread);
}

// A block of SizeRequested bytes that ends just before an inaccessible page, so an
// overrun faults. Laid out as [size page][data pages][guard page]. Any IRQL.
extern "C" PVOID KmtAllocateGuarded(SIZE_T SizeRequested)
{
    SIZE_T DataSize = (SizeRequested + PageMask) & ~PageMask;
    SIZE_T Total = DataSize + 2 * PAGE_SIZE;
    void *Mapping = mmap(nullptr, Total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (Mapping == MAP_FAILED)
        return nullptr;
    PUCHAR Base = static_cast<PUCHAR>(Mapping);
    if (mprotect(Base + PAGE_SIZE + DataSize, PAGE_SIZE, PROT_NONE) != 0) {
        munmap(Mapping, Total);
        return nullptr;
    }
    *reinterpret_cast<SIZE_T *>(Base) = Total;
    return Base + PAGE_SIZE + DataSize - SizeRequested;
}

// Frees a block from KmtAllocateGuarded. Any IRQL.
extern "C" VOID KmtFreeGuarded(PVOID Pointer)
{
    PUCHAR Base = reinterpret_cast<PUCHAR>(((ULONG_PTR)Pointer & ~PageMask) - PAGE_SIZE);
    ok_eq_int(munmap(Base, *reinterpret_cast<SIZE_T *>(Base)), 0);
}
