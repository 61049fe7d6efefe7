// procsup.cpp - kernel stacks for threads, on the HAL's guarded host stacks (whose
// dead-stack cache plays MmDeadStackSListHead's role); process address spaces (the
// hosted user range), PEBs and TEBs.
#include "ke.h"
#include "ex.h"
#include "ps.h"
#include "mm.h"
#include "pseh/pseh2.h"

ULONG MmKernelStackSize = KERNEL_STACK_SIZE;

// Sets the kernel stack size for this boot and sizes the dead-stack cache, keeping the
// stacks an earlier boot of the same size left there (a fuzzer boots thousands of times
// a second, and fresh stacks cost host page faults). Before the machine starts.
extern "C" NTSTATUS NTAPI MmInitializeKernelStacks(ULONG KernelStackSize)
{
    MmKernelStackSize = KernelStackSize;
    HalHostSetStackCache(KernelStackSize, 256);
    return STATUS_SUCCESS;
}

// Allocates a kernel stack and returns its base (highest address); NULL when host
// memory is exhausted. Large (GUI) stacks are not part of this kernel. At or below
// DISPATCH_LEVEL.
extern "C" PVOID NTAPI MmCreateKernelStack(BOOLEAN GuiStack, UCHAR Node)
{
    UNREFERENCED_PARAMETER(Node);
    if (GuiStack)
        return NULL;
    PVOID StackBase, StackLimit;
    if (!NT_SUCCESS(HalHostAllocateStack(MmKernelStackSize, &StackBase, &StackLimit)))
        return NULL;
    return StackBase;
}

// Frees a kernel stack made by MmCreateKernelStack. At or below DISPATCH_LEVEL; never
// the stack the caller runs on.
extern "C" VOID NTAPI MmDeleteKernelStack(PVOID StackBase, BOOLEAN GuiStack)
{
    UNREFERENCED_PARAMETER(GuiStack);
    HalHostFreeStack(StackBase, static_cast<PCHAR>(StackBase) - MmKernelStackSize);
}

// ---- Process address spaces, PEB and TEB ----
// Hosted: a process's user space is a range of host address space reserved whole at
// creation (MmUserRangeSize bytes); regions in it are committed a VAD at a time
// (virtual.cpp). The System and Idle processes have none.

SIZE_T MmUserRangeSize = MM_DEFAULT_USER_RANGE_SIZE;

namespace {

volatile LONG MiUserRangesInUse;
volatile LONG MiTebFailuresLeft;

// PsDefaultThreadLocaleId (en-US; NT reads it from the registry at boot).
constexpr LCID kDefaultThreadLocaleId = 0x0409;

// The heap and critical-section defaults NT's memory manager hands ntdll in the PEB
// (MmHeapSegmentReserve ... MmCriticalSectionTimeout: 30 days, relative).
constexpr SIZE_T kHeapSegmentReserve = 1024 * 1024;
constexpr SIZE_T kHeapSegmentCommit = 2 * PAGE_SIZE;
constexpr SIZE_T kHeapDeCommitTotalFreeThreshold = 64 * 1024;
constexpr SIZE_T kHeapDeCommitFreeBlockThreshold = PAGE_SIZE;
constexpr LONGLONG kCriticalSectionTimeout = -2592000LL * 10000000;

// Whether an injected failure takes this MmCreateTeb.
bool MiInjectedTebFailure()
{
    LONG Left = __atomic_load_n(&MiTebFailuresLeft, __ATOMIC_ACQUIRE);
    while (Left > 0) {
        if (__atomic_compare_exchange_n(&MiTebFailuresLeft, &Left, Left - 1, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return true;
    }
    return false;
}

// Allocates a PEB or TEB (MiCreatePebOrTeb): Size bytes of committed, zeroed pages at
// the top of Process's range, which user mode cannot free; then, attached to Process,
// fills it with Initialize under SEH. On failure nothing is left allocated. At
// PASSIVE_LEVEL.
template <typename Routine>
NTSTATUS MiCreatePebOrTeb(PEPROCESS Process, SIZE_T Size, PVOID *Base, Routine Initialize)
{
    PVOID Block = NULL;
    NTSTATUS Status = MiAllocateVirtualMemory(Process, &Block, &Size, MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN, TRUE);
    if (!NT_SUCCESS(Status))
        return Status;
    KAPC_STATE ApcState;
    KeStackAttachProcess(&Process->Pcb, &ApcState);
    _SEH2_TRY
    {
        Initialize(Block);
    }
    _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER)
    {
        Status = _SEH2_GetExceptionCode();
    }
    _SEH2_END;
    KeUnstackDetachProcess(&ApcState);
    if (!NT_SUCCESS(Status)) {
        MiFreeVirtualMemory(Process, Block, NULL, KernelMode);
        return Status;
    }
    *Base = Block;
    return STATUS_SUCCESS;
}

// Fills a new PEB as NT 5.2 does for a process without an image (ImageBaseAddress
// NULL): the version, the processors, the heap defaults, the process heap list in the
// rest of its page.
VOID MiInitializePeb(PPEB Peb, PEPROCESS Process, PINITIAL_PEB InitialPeb)
{
    Peb->InheritedAddressSpace = InitialPeb->InheritedAddressSpace;
    Peb->Mutant = InitialPeb->Mutant;
    Peb->ImageUsesLargePages = InitialPeb->ImageUsesLargePages;
    Peb->ImageBaseAddress = Process->SectionBaseAddress;
    Peb->OSMajorVersion = NtMajorVersion;
    Peb->OSMinorVersion = NtMinorVersion;
    Peb->OSBuildNumber = NtBuildNumber & 0x3FFF;
    Peb->OSPlatformId = VER_PLATFORM_WIN32_NT;
    Peb->NumberOfProcessors = (ULONG)KeNumberProcessors;
    Peb->BeingDebugged = Process->DebugPort != NULL;
    Peb->CriticalSectionTimeout.QuadPart = kCriticalSectionTimeout;
    Peb->HeapSegmentReserve = kHeapSegmentReserve;
    Peb->HeapSegmentCommit = kHeapSegmentCommit;
    Peb->HeapDeCommitTotalFreeThreshold = kHeapDeCommitTotalFreeThreshold;
    Peb->HeapDeCommitFreeBlockThreshold = kHeapDeCommitFreeBlockThreshold;
    Peb->MaximumNumberOfHeaps = (PAGE_SIZE - sizeof(PEB)) / sizeof(PVOID);
    Peb->ProcessHeaps = reinterpret_cast<PVOID *>(Peb + 1);
}

// Fills a new TEB as NT 5.2 does: the TIB (its stack from InitialTeb, or the previous
// stack handed over whole), the thread's CID twice, its PEB, locale and static string.
VOID MiInitializeTeb(PTEB Teb, PEPROCESS Process, PCLIENT_ID ClientId, PINITIAL_TEB InitialTeb)
{
    Teb->NtTib.ExceptionList = EXCEPTION_CHAIN_END;
    Teb->NtTib.Self = &Teb->NtTib;
    Teb->NtTib.Version = 30 << 8; // an OS/2 V3.0 ("Cruiser") TIB
    Teb->ClientId = *ClientId;
    Teb->RealClientId = *ClientId;
    Teb->ProcessEnvironmentBlock = Process->Peb;
    Teb->CurrentLocale = kDefaultThreadLocaleId;
    if (!InitialTeb->PreviousStackBase && !InitialTeb->PreviousStackLimit) {
        Teb->NtTib.StackBase = InitialTeb->StackBase;
        Teb->NtTib.StackLimit = InitialTeb->StackLimit;
        Teb->DeallocationStack = InitialTeb->AllocatedStackBase;
    } else {
        Teb->NtTib.StackBase = InitialTeb->PreviousStackBase;
        Teb->NtTib.StackLimit = InitialTeb->PreviousStackLimit;
    }
    Teb->StaticUnicodeString.MaximumLength = sizeof(Teb->StaticUnicodeBuffer);
    Teb->StaticUnicodeString.Buffer = Teb->StaticUnicodeBuffer;
}

} // namespace

// Reserves a new process's user range (hosted: its page directory) and records it in
// the process; DirectoryTableBase[0] names it. FALSE when the host has no room. At
// PASSIVE_LEVEL, before the process is visible.
extern "C" BOOLEAN NTAPI MmCreateProcessAddressSpace(ULONG MinWs, PEPROCESS Process, PULONG_PTR DirectoryTableBase)
{
    UNREFERENCED_PARAMETER(MinWs);
    PVOID Base;
    if (!NT_SUCCESS(HalHostReserveRange(MmUserRangeSize, &Base)))
        return FALSE;
    Process->UserRangeStart = Base;
    Process->UserRangeEnd = static_cast<PCHAR>(Base) + MmUserRangeSize;
    Process->AddressSpaceInitialized = 1;
    DirectoryTableBase[0] = reinterpret_cast<ULONG_PTR>(Base);
    DirectoryTableBase[1] = 0;
    InterlockedIncrement(&MiUserRangesInUse);
    return TRUE;
}

// Readies a new process's address space for allocations: its lock and empty VAD list.
// Image sections are not part of the hosted kernel (STATUS_NOT_SUPPORTED). At
// PASSIVE_LEVEL, after MmCreateProcessAddressSpace.
extern "C" NTSTATUS NTAPI MmInitializeProcessAddressSpace(PEPROCESS Process, PEPROCESS ProcessClone, PVOID Section,
                                                          PULONG Flags, PVOID *AuditName)
{
    UNREFERENCED_PARAMETER(ProcessClone);
    UNREFERENCED_PARAMETER(Flags);
    UNREFERENCED_PARAMETER(AuditName);
    if (Section)
        return STATUS_NOT_SUPPORTED;
    ASSERT(Process->AddressSpaceInitialized == 1);
    KeInitializeGuardedMutex(&Process->AddressCreationLock);
    InitializeListHead(&Process->VadListHead);
    Process->AddressSpaceInitialized = 2;
    return STATUS_SUCCESS;
}

// Frees every region of an exiting process (PEB and TEBs included) and refuses new
// ones (VmDeleted); its range stays reserved until MmDeleteProcessAddressSpace. A
// second call finds nothing to free. At PASSIVE_LEVEL.
extern "C" VOID NTAPI MmCleanProcessAddressSpace(PEPROCESS Process)
{
    if (!MiAddressSpaceReady(Process))
        return;
    KeAcquireGuardedMutex(&Process->AddressCreationLock);
    PspSetProcessFlag(Process, PSF_VM_DELETED_BIT);
    while (!IsListEmpty(&Process->VadListHead))
        MiDeleteVad(CONTAINING_RECORD(Process->VadListHead.Flink, MMVAD, VadLink), Process);
    KeReleaseGuardedMutex(&Process->AddressCreationLock);
}

// Releases a deleted process's user range (freeing any region still in it). At
// PASSIVE_LEVEL, from the process's delete procedure.
extern "C" VOID NTAPI MmDeleteProcessAddressSpace(PEPROCESS Process)
{
    if (!Process->UserRangeStart)
        return;
    MmCleanProcessAddressSpace(Process);
    HalHostReleaseRange(Process->UserRangeStart,
                        static_cast<PCHAR>(Process->UserRangeEnd) - static_cast<PCHAR>(Process->UserRangeStart));
    Process->UserRangeStart = NULL;
    Process->UserRangeEnd = NULL;
    InterlockedDecrement(&MiUserRangesInUse);
}

// Creates the PEB of a new process in its user range, from InitialPeb. At
// PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI MmCreatePeb(PEPROCESS Process, PINITIAL_PEB InitialPeb, PPEB *BasePeb)
{
    *BasePeb = NULL;
    if (!InitialPeb)
        return STATUS_INVALID_PARAMETER;
    return MiCreatePebOrTeb(Process, sizeof(PEB), reinterpret_cast<PVOID *>(BasePeb),
                            [&](PVOID Block) { MiInitializePeb(static_cast<PPEB>(Block), Process, InitialPeb); });
}

// Frees a process's PEB and forgets it. At PASSIVE_LEVEL.
extern "C" VOID NTAPI MmDeletePeb(PEPROCESS Process)
{
    if (!Process->Peb)
        return;
    MiFreeVirtualMemory(Process, Process->Peb, NULL, KernelMode);
    Process->Peb = NULL;
}

// Creates the TEB of a new user thread of Process, for the thread ClientId names and
// the stack InitialTeb describes (both kernel copies). STATUS_NO_MEMORY when the range
// is full or a failure was injected. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI MmCreateTeb(PEPROCESS Process, PCLIENT_ID ClientId, PINITIAL_TEB InitialTeb, PTEB *BaseTeb)
{
    *BaseTeb = NULL;
    if (!ClientId || !InitialTeb)
        return STATUS_INVALID_PARAMETER;
    if (MiInjectedTebFailure())
        return STATUS_NO_MEMORY;
    return MiCreatePebOrTeb(Process, sizeof(TEB), reinterpret_cast<PVOID *>(BaseTeb), [&](PVOID Block) {
        MiInitializeTeb(static_cast<PTEB>(Block), Process, ClientId, InitialTeb);
    });
}

// Frees a TEB made by MmCreateTeb; nothing when the process's address space was
// already cleaned. At PASSIVE_LEVEL.
extern "C" VOID NTAPI MmDeleteTeb(PEPROCESS Process, PTEB Teb)
{
    MiFreeVirtualMemory(Process, Teb, NULL, KernelMode);
}

// Makes the next Count MmCreateTeb calls fail with STATUS_NO_MEMORY; 0 ends the
// injection. Any IRQL.
extern "C" VOID NTAPI MmInjectTebFailures(ULONG Count)
{
    __atomic_store_n(&MiTebFailuresLeft, (LONG)Count, __ATOMIC_RELEASE);
}

// Prints how many user ranges were never released and returns that count. At
// shutdown, on the host.
extern "C" ULONG NTAPI MmReportUserRangeLeaks(VOID)
{
    LONG Left = __atomic_load_n(&MiUserRangesInUse, __ATOMIC_ACQUIRE);
    if (Left)
        DbgPrint("NtosShutdown: %ld process user range(s) not released\n", (long)Left);
    return (ULONG)Left;
}
