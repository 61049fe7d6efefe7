// kddt.cpp - dt nt!_ETHREAD / _KTHREAD / _EPROCESS / _KPROCESS [Address]: each
// field's offset, name and value (or type, without an address) in WinDbg's layout,
// from field tables built with offsetof. An address must be a live thread or process.
#include "ke.h"
#include "kd.h"
#include "ps.h"

namespace {

enum KD_FIELD_KIND : UCHAR { KdInteger, KdPointer, KdListEntry, KdLargeInteger, KdArray, KdStructure };

// What a field's C type is, for printing its value.
template <typename T> struct KdpKindOf {
    static constexpr UCHAR Value = (__is_class(T) || __is_union(T)) ? KdStructure : KdInteger;
};
template <typename T> struct KdpKindOf<T *> { static constexpr UCHAR Value = KdPointer; };
template <typename T> struct KdpKindOf<T *volatile> { static constexpr UCHAR Value = KdPointer; };
template <typename T, SIZE_T N> struct KdpKindOf<T[N]> { static constexpr UCHAR Value = KdArray; };
template <> struct KdpKindOf<LIST_ENTRY> { static constexpr UCHAR Value = KdListEntry; };
template <> struct KdpKindOf<LARGE_INTEGER> { static constexpr UCHAR Value = KdLargeInteger; };

template <typename T> struct KdpElementsOf { static constexpr ULONG Value = 1; };
template <typename T, SIZE_T N> struct KdpElementsOf<T[N]> { static constexpr ULONG Value = N; };

struct KD_FIELD {
    PCSTR Name;
    PCSTR TypeName;
    ULONG Offset;
    ULONG Size;
    ULONG Elements;
    UCHAR Kind;
};

#define KD_FIELD(Type, Field, TypeName)                                                                   \
    {#Field, TypeName, (ULONG)offsetof(Type, Field), (ULONG)sizeof(((Type *)0)->Field),                 \
     KdpElementsOf<decltype(((Type *)0)->Field)>::Value,                                                \
     KdpKindOf<__typeof__(((Type *)0)->Field)>::Value}

const KD_FIELD KdpKTHREADFields[] = {
    KD_FIELD(KTHREAD, Header, "DISPATCHER_HEADER"),
    KD_FIELD(KTHREAD, MutantListHead, "LIST_ENTRY"),
    KD_FIELD(KTHREAD, InitialStack, "PVOID"),
    KD_FIELD(KTHREAD, StackLimit, "PVOID"),
    KD_FIELD(KTHREAD, KernelStack, "PVOID"),
    KD_FIELD(KTHREAD, ThreadLock, "KSPIN_LOCK"),
    KD_FIELD(KTHREAD, ApcState, "KAPC_STATE"),
    KD_FIELD(KTHREAD, ApcQueueable, "BOOLEAN"),
    KD_FIELD(KTHREAD, NextProcessor, "UCHAR"),
    KD_FIELD(KTHREAD, DeferredProcessor, "UCHAR"),
    KD_FIELD(KTHREAD, AdjustReason, "UCHAR"),
    KD_FIELD(KTHREAD, AdjustIncrement, "SCHAR"),
    KD_FIELD(KTHREAD, ApcQueueLock, "KSPIN_LOCK"),
    KD_FIELD(KTHREAD, ContextSwitches, "ULONG"),
    KD_FIELD(KTHREAD, State, "UCHAR"),
    KD_FIELD(KTHREAD, NpxState, "UCHAR"),
    KD_FIELD(KTHREAD, WaitIrql, "KIRQL"),
    KD_FIELD(KTHREAD, WaitMode, "KPROCESSOR_MODE"),
    KD_FIELD(KTHREAD, WaitStatus, "LONG_PTR"),
    KD_FIELD(KTHREAD, WaitBlockList, "PKWAIT_BLOCK"),
    KD_FIELD(KTHREAD, GateObject, "PKGATE"),
    KD_FIELD(KTHREAD, Alertable, "BOOLEAN"),
    KD_FIELD(KTHREAD, WaitNext, "BOOLEAN"),
    KD_FIELD(KTHREAD, WaitReason, "UCHAR"),
    KD_FIELD(KTHREAD, Priority, "SCHAR"),
    KD_FIELD(KTHREAD, EnableStackSwap, "UCHAR"),
    KD_FIELD(KTHREAD, SwapBusy, "UCHAR"),
    KD_FIELD(KTHREAD, Alerted, "BOOLEAN"),
    KD_FIELD(KTHREAD, WaitListEntry, "LIST_ENTRY"),
    KD_FIELD(KTHREAD, SwapListEntry, "SINGLE_LIST_ENTRY"),
    KD_FIELD(KTHREAD, Queue, "PRKQUEUE"),
    KD_FIELD(KTHREAD, WaitTime, "ULONG"),
    KD_FIELD(KTHREAD, KernelApcDisable, "SHORT"),
    KD_FIELD(KTHREAD, SpecialApcDisable, "SHORT"),
    KD_FIELD(KTHREAD, CombinedApcDisable, "ULONG"),
    KD_FIELD(KTHREAD, Teb, "PVOID"),
    KD_FIELD(KTHREAD, Timer, "KTIMER"),
    KD_FIELD(KTHREAD, ThreadFlags, "LONG"),
    KD_FIELD(KTHREAD, WaitBlock, "KWAIT_BLOCK"),
    KD_FIELD(KTHREAD, SystemAffinityActive, "BOOLEAN"),
    KD_FIELD(KTHREAD, PreviousMode, "CCHAR"),
    KD_FIELD(KTHREAD, ResourceIndex, "UCHAR"),
    KD_FIELD(KTHREAD, LargeStack, "UCHAR"),
    KD_FIELD(KTHREAD, QueueListEntry, "LIST_ENTRY"),
    KD_FIELD(KTHREAD, TrapFrame, "PKTRAP_FRAME"),
    KD_FIELD(KTHREAD, CallbackStack, "PVOID"),
    KD_FIELD(KTHREAD, ServiceTable, "PVOID"),
    KD_FIELD(KTHREAD, KernelLimit, "ULONG"),
    KD_FIELD(KTHREAD, ApcStateIndex, "UCHAR"),
    KD_FIELD(KTHREAD, IdealProcessor, "UCHAR"),
    KD_FIELD(KTHREAD, Preempted, "BOOLEAN"),
    KD_FIELD(KTHREAD, ProcessReadyQueue, "BOOLEAN"),
    KD_FIELD(KTHREAD, Win32kTable, "PVOID"),
    KD_FIELD(KTHREAD, Win32kLimit, "ULONG"),
    KD_FIELD(KTHREAD, KernelStackResident, "BOOLEAN"),
    KD_FIELD(KTHREAD, BasePriority, "SCHAR"),
    KD_FIELD(KTHREAD, PriorityDecrement, "SCHAR"),
    KD_FIELD(KTHREAD, Saturation, "CHAR"),
    KD_FIELD(KTHREAD, UserAffinity, "KAFFINITY"),
    KD_FIELD(KTHREAD, Process, "_KPROCESS *"),
    KD_FIELD(KTHREAD, Affinity, "KAFFINITY"),
    KD_FIELD(KTHREAD, ApcStatePointer, "PKAPC_STATE"),
    KD_FIELD(KTHREAD, SavedApcState, "KAPC_STATE"),
    KD_FIELD(KTHREAD, FreezeCount, "CCHAR"),
    KD_FIELD(KTHREAD, SuspendCount, "CCHAR"),
    KD_FIELD(KTHREAD, UserIdealProcessor, "UCHAR"),
    KD_FIELD(KTHREAD, CalloutActive, "UCHAR"),
    KD_FIELD(KTHREAD, CodePatchInProgress, "BOOLEAN"),
    KD_FIELD(KTHREAD, Win32Thread, "PVOID"),
    KD_FIELD(KTHREAD, StackBase, "PVOID"),
    KD_FIELD(KTHREAD, SuspendApc, "KAPC"),
    KD_FIELD(KTHREAD, Quantum, "SCHAR"),
    KD_FIELD(KTHREAD, QuantumReset, "UCHAR"),
    KD_FIELD(KTHREAD, KernelTime, "ULONG"),
    KD_FIELD(KTHREAD, TlsArray, "PVOID"),
    KD_FIELD(KTHREAD, BBTData, "PVOID"),
    KD_FIELD(KTHREAD, PowerState, "UCHAR"),
    KD_FIELD(KTHREAD, UserTime, "ULONG"),
    KD_FIELD(KTHREAD, SuspendSemaphore, "KSEMAPHORE"),
    KD_FIELD(KTHREAD, SListFaultCount, "ULONG"),
    KD_FIELD(KTHREAD, ThreadListEntry, "LIST_ENTRY"),
    KD_FIELD(KTHREAD, SListFaultAddress, "PVOID"),
    KD_FIELD(KTHREAD, ReadOperationCount, "LONG64"),
    KD_FIELD(KTHREAD, WriteOperationCount, "LONG64"),
    KD_FIELD(KTHREAD, OtherOperationCount, "LONG64"),
    KD_FIELD(KTHREAD, ReadTransferCount, "LONG64"),
    KD_FIELD(KTHREAD, WriteTransferCount, "LONG64"),
    KD_FIELD(KTHREAD, OtherTransferCount, "LONG64"),
    KD_FIELD(KTHREAD, HostFiber, "PVOID"),
    KD_FIELD(KTHREAD, HostSequence, "ULONG"),
    KD_FIELD(KTHREAD, HostExiting, "BOOLEAN"),
    KD_FIELD(KTHREAD, HostUserMode, "BOOLEAN"),
    KD_FIELD(KTHREAD, HostUserContext, "PVOID"),
    KD_FIELD(KTHREAD, HostUserFiber, "PVOID"),
    KD_FIELD(KTHREAD, HostServiceContext, "PVOID"),
};

const KD_FIELD KdpKPROCESSFields[] = {
    KD_FIELD(KPROCESS, Header, "DISPATCHER_HEADER"),
    KD_FIELD(KPROCESS, ProfileListHead, "LIST_ENTRY"),
    KD_FIELD(KPROCESS, DirectoryTableBase, "ULONG_PTR"),
    KD_FIELD(KPROCESS, IopmOffset, "USHORT"),
    KD_FIELD(KPROCESS, ActiveProcessors, "KAFFINITY"),
    KD_FIELD(KPROCESS, KernelTime, "ULONG"),
    KD_FIELD(KPROCESS, UserTime, "ULONG"),
    KD_FIELD(KPROCESS, ReadyListHead, "LIST_ENTRY"),
    KD_FIELD(KPROCESS, SwapListEntry, "SINGLE_LIST_ENTRY"),
    KD_FIELD(KPROCESS, Reserved1, "PVOID"),
    KD_FIELD(KPROCESS, ThreadListHead, "LIST_ENTRY"),
    KD_FIELD(KPROCESS, ProcessLock, "KSPIN_LOCK"),
    KD_FIELD(KPROCESS, Affinity, "KAFFINITY"),
    KD_FIELD(KPROCESS, ProcessFlags, "LONG"),
    KD_FIELD(KPROCESS, BasePriority, "SCHAR"),
    KD_FIELD(KPROCESS, QuantumReset, "SCHAR"),
    KD_FIELD(KPROCESS, State, "UCHAR"),
    KD_FIELD(KPROCESS, ThreadSeed, "UCHAR"),
    KD_FIELD(KPROCESS, PowerState, "UCHAR"),
    KD_FIELD(KPROCESS, IdealNode, "UCHAR"),
    KD_FIELD(KPROCESS, Visited, "BOOLEAN"),
    KD_FIELD(KPROCESS, Flags, "KEXECUTE_OPTIONS"),
    KD_FIELD(KPROCESS, StackCount, "ULONG_PTR"),
    KD_FIELD(KPROCESS, ProcessListEntry, "LIST_ENTRY"),
};

const KD_FIELD KdpETHREADFields[] = {
    KD_FIELD(ETHREAD, Tcb, "KTHREAD"),
    KD_FIELD(ETHREAD, CreateTime, "LARGE_INTEGER"),
    KD_FIELD(ETHREAD, ExitTime, "LARGE_INTEGER"),
    KD_FIELD(ETHREAD, LpcReplyChain, "LIST_ENTRY"),
    KD_FIELD(ETHREAD, KeyedWaitChain, "LIST_ENTRY"),
    KD_FIELD(ETHREAD, ExitStatus, "NTSTATUS"),
    KD_FIELD(ETHREAD, OfsChain, "PVOID"),
    KD_FIELD(ETHREAD, PostBlockList, "LIST_ENTRY"),
    KD_FIELD(ETHREAD, TerminationPort, "PTERMINATION_PORT"),
    KD_FIELD(ETHREAD, ReaperLink, "_ETHREAD *"),
    KD_FIELD(ETHREAD, KeyedWaitValue, "PVOID"),
    KD_FIELD(ETHREAD, ActiveTimerListLock, "KSPIN_LOCK"),
    KD_FIELD(ETHREAD, ActiveTimerListHead, "LIST_ENTRY"),
    KD_FIELD(ETHREAD, Cid, "CLIENT_ID"),
    KD_FIELD(ETHREAD, LpcReplySemaphore, "KSEMAPHORE"),
    KD_FIELD(ETHREAD, KeyedWaitSemaphore, "KSEMAPHORE"),
    KD_FIELD(ETHREAD, LpcReplyMessage, "PVOID"),
    KD_FIELD(ETHREAD, LpcWaitingOnPort, "PVOID"),
    KD_FIELD(ETHREAD, ImpersonationInfo, "PPS_IMPERSONATION_INFORMATION"),
    KD_FIELD(ETHREAD, IrpList, "LIST_ENTRY"),
    KD_FIELD(ETHREAD, TopLevelIrp, "ULONG_PTR"),
    KD_FIELD(ETHREAD, DeviceToVerify, "_DEVICE_OBJECT *"),
    KD_FIELD(ETHREAD, ThreadsProcess, "PEPROCESS"),
    KD_FIELD(ETHREAD, StartAddress, "PVOID"),
    KD_FIELD(ETHREAD, Win32StartAddress, "PVOID"),
    KD_FIELD(ETHREAD, LpcReceivedMessageId, "ULONG"),
    KD_FIELD(ETHREAD, ThreadListEntry, "LIST_ENTRY"),
    KD_FIELD(ETHREAD, RundownProtect, "EX_RUNDOWN_REF"),
    KD_FIELD(ETHREAD, ThreadLock, "EX_PUSH_LOCK"),
    KD_FIELD(ETHREAD, LpcReplyMessageId, "ULONG"),
    KD_FIELD(ETHREAD, ReadClusterSize, "ULONG"),
    KD_FIELD(ETHREAD, GrantedAccess, "ACCESS_MASK"),
    KD_FIELD(ETHREAD, CrossThreadFlags, "ULONG"),
    KD_FIELD(ETHREAD, SameThreadPassiveFlags, "ULONG"),
    KD_FIELD(ETHREAD, SameThreadApcFlags, "ULONG"),
    KD_FIELD(ETHREAD, ForwardClusterOnly, "BOOLEAN"),
    KD_FIELD(ETHREAD, DisablePageFaultClustering, "BOOLEAN"),
    KD_FIELD(ETHREAD, ActiveFaultCount, "UCHAR"),
};

const KD_FIELD KdpEPROCESSFields[] = {
    KD_FIELD(EPROCESS, Pcb, "KPROCESS"),
    KD_FIELD(EPROCESS, ProcessLock, "EX_PUSH_LOCK"),
    KD_FIELD(EPROCESS, CreateTime, "LARGE_INTEGER"),
    KD_FIELD(EPROCESS, ExitTime, "LARGE_INTEGER"),
    KD_FIELD(EPROCESS, RundownProtect, "EX_RUNDOWN_REF"),
    KD_FIELD(EPROCESS, UniqueProcessId, "HANDLE"),
    KD_FIELD(EPROCESS, ActiveProcessLinks, "LIST_ENTRY"),
    KD_FIELD(EPROCESS, QuotaUsage, "SIZE_T"),
    KD_FIELD(EPROCESS, QuotaPeak, "SIZE_T"),
    KD_FIELD(EPROCESS, CommitCharge, "SIZE_T"),
    KD_FIELD(EPROCESS, PeakVirtualSize, "SIZE_T"),
    KD_FIELD(EPROCESS, VirtualSize, "SIZE_T"),
    KD_FIELD(EPROCESS, SessionProcessLinks, "LIST_ENTRY"),
    KD_FIELD(EPROCESS, DebugPort, "PVOID"),
    KD_FIELD(EPROCESS, ExceptionPort, "PVOID"),
    KD_FIELD(EPROCESS, ObjectTable, "PHANDLE_TABLE"),
    KD_FIELD(EPROCESS, Token, "EX_FAST_REF"),
    KD_FIELD(EPROCESS, WorkingSetPage, "PFN_NUMBER"),
    KD_FIELD(EPROCESS, AddressCreationLock, "KGUARDED_MUTEX"),
    KD_FIELD(EPROCESS, HyperSpaceLock, "KSPIN_LOCK"),
    KD_FIELD(EPROCESS, ForkInProgress, "_ETHREAD *"),
    KD_FIELD(EPROCESS, HardwareTrigger, "ULONG_PTR"),
    KD_FIELD(EPROCESS, PhysicalVadRoot, "PMM_AVL_TABLE"),
    KD_FIELD(EPROCESS, CloneRoot, "PVOID"),
    KD_FIELD(EPROCESS, NumberOfPrivatePages, "PFN_NUMBER"),
    KD_FIELD(EPROCESS, NumberOfLockedPages, "PFN_NUMBER"),
    KD_FIELD(EPROCESS, Win32Process, "PVOID"),
    KD_FIELD(EPROCESS, Job, "_EJOB *"),
    KD_FIELD(EPROCESS, SectionObject, "PVOID"),
    KD_FIELD(EPROCESS, SectionBaseAddress, "PVOID"),
    KD_FIELD(EPROCESS, QuotaBlock, "PVOID"),
    KD_FIELD(EPROCESS, WorkingSetWatch, "PVOID"),
    KD_FIELD(EPROCESS, Win32WindowStation, "HANDLE"),
    KD_FIELD(EPROCESS, InheritedFromUniqueProcessId, "HANDLE"),
    KD_FIELD(EPROCESS, LdtInformation, "PVOID"),
    KD_FIELD(EPROCESS, VadFreeHint, "PVOID"),
    KD_FIELD(EPROCESS, VdmObjects, "PVOID"),
    KD_FIELD(EPROCESS, DeviceMap, "PVOID"),
    KD_FIELD(EPROCESS, Spare0, "PVOID"),
    KD_FIELD(EPROCESS, PageDirectoryPte, "ULONGLONG"),
    KD_FIELD(EPROCESS, Session, "PVOID"),
    KD_FIELD(EPROCESS, ImageFileName, "UCHAR"),
    KD_FIELD(EPROCESS, JobLinks, "LIST_ENTRY"),
    KD_FIELD(EPROCESS, LockedPagesList, "PVOID"),
    KD_FIELD(EPROCESS, ThreadListHead, "LIST_ENTRY"),
    KD_FIELD(EPROCESS, SecurityPort, "PVOID"),
    KD_FIELD(EPROCESS, Wow64Process, "PVOID"),
    KD_FIELD(EPROCESS, ActiveThreads, "ULONG"),
    KD_FIELD(EPROCESS, GrantedAccess, "ACCESS_MASK"),
    KD_FIELD(EPROCESS, DefaultHardErrorProcessing, "ULONG"),
    KD_FIELD(EPROCESS, LastThreadExitStatus, "NTSTATUS"),
    KD_FIELD(EPROCESS, Peb, "PPEB"),
    KD_FIELD(EPROCESS, PrefetchTrace, "EX_FAST_REF"),
    KD_FIELD(EPROCESS, ReadOperationCount, "LARGE_INTEGER"),
    KD_FIELD(EPROCESS, WriteOperationCount, "LARGE_INTEGER"),
    KD_FIELD(EPROCESS, OtherOperationCount, "LARGE_INTEGER"),
    KD_FIELD(EPROCESS, ReadTransferCount, "LARGE_INTEGER"),
    KD_FIELD(EPROCESS, WriteTransferCount, "LARGE_INTEGER"),
    KD_FIELD(EPROCESS, OtherTransferCount, "LARGE_INTEGER"),
    KD_FIELD(EPROCESS, CommitChargeLimit, "SIZE_T"),
    KD_FIELD(EPROCESS, CommitChargePeak, "SIZE_T"),
    KD_FIELD(EPROCESS, AweInfo, "PVOID"),
    KD_FIELD(EPROCESS, SeAuditProcessCreationInfo, "SE_AUDIT_PROCESS_CREATION_INFO"),
    KD_FIELD(EPROCESS, Vm, "MMSUPPORT"),
    KD_FIELD(EPROCESS, Spares, "ULONG"),
    KD_FIELD(EPROCESS, ModifiedPageCount, "ULONG"),
    KD_FIELD(EPROCESS, JobStatus, "ULONG"),
    KD_FIELD(EPROCESS, Flags, "ULONG"),
    KD_FIELD(EPROCESS, ExitStatus, "NTSTATUS"),
    KD_FIELD(EPROCESS, NextPageColor, "USHORT"),
    KD_FIELD(EPROCESS, SubSystemMinorVersion, "UCHAR"),
    KD_FIELD(EPROCESS, SubSystemMajorVersion, "UCHAR"),
    KD_FIELD(EPROCESS, SubSystemVersion, "USHORT"),
    KD_FIELD(EPROCESS, PriorityClass, "UCHAR"),
    KD_FIELD(EPROCESS, VadRoot, "MM_AVL_TABLE"),
    KD_FIELD(EPROCESS, Cookie, "ULONG"),
    KD_FIELD(EPROCESS, UserRangeStart, "PVOID"),
    KD_FIELD(EPROCESS, UserRangeEnd, "PVOID"),
    KD_FIELD(EPROCESS, VadListHead, "LIST_ENTRY"),
};

#undef KD_FIELD

enum KD_TYPE_CHECK : UCHAR { KdThreadAddress, KdProcessAddress };

struct KD_TYPE {
    PCSTR Name;
    ULONG Size;
    const KD_FIELD *Fields;
    ULONG Count;
    UCHAR Check;
};

const KD_TYPE KdpTypes[] = {
    {"_KTHREAD", sizeof(KTHREAD), KdpKTHREADFields, RTL_NUMBER_OF(KdpKTHREADFields), KdThreadAddress},
    {"_ETHREAD", sizeof(ETHREAD), KdpETHREADFields, RTL_NUMBER_OF(KdpETHREADFields), KdThreadAddress},
    {"_KPROCESS", sizeof(KPROCESS), KdpKPROCESSFields, RTL_NUMBER_OF(KdpKPROCESSFields), KdProcessAddress},
    {"_EPROCESS", sizeof(EPROCESS), KdpEPROCESSFields, RTL_NUMBER_OF(KdpEPROCESSFields), KdProcessAddress},
};

// The type a dt argument names: nt!_ETHREAD, _ETHREAD or ETHREAD, in any case.
const KD_TYPE *KdpLookupType(PCSTR Name)
{
    if ((Name[0] == 'n' || Name[0] == 'N') && (Name[1] == 't' || Name[1] == 'T') && Name[2] == '!')
        Name += 3;
    for (const KD_TYPE &Type : KdpTypes) {
        if (KdpEqualNoCase(Name, Type.Name) || (Name[0] != '_' && KdpEqualNoCase(Name, Type.Name + 1)))
            return &Type;
    }
    return NULL;
}

// Prints a field's value as WinDbg does: numbers in hex, pointers, list links, and
// the type of an embedded structure or array.
VOID KdpDisplayValue(const KD_FIELD &Field, const UCHAR *Base)
{
    const UCHAR *Value = Base + Field.Offset;
    ULONG64 Number = 0;
    switch (Field.Kind) {
    case KdPointer:
        DbgPrint("%p\n", *reinterpret_cast<PVOID const *>(Value));
        return;
    case KdListEntry: {
        auto *Entry = reinterpret_cast<const LIST_ENTRY *>(Value);
        DbgPrint("%s [ %p - %p ]\n", Field.TypeName, (PVOID)Entry->Flink, (PVOID)Entry->Blink);
        return;
    }
    case KdArray:
        DbgPrint("[%u] %s\n", Field.Elements, Field.TypeName);
        return;
    case KdStructure:
        DbgPrint("%s\n", Field.TypeName);
        return;
    default:
        RtlCopyMemory(&Number, Value, Field.Size < sizeof(Number) ? Field.Size : sizeof(Number));
        DbgPrint("0x%llx\n", (unsigned long long)Number);
        return;
    }
}

// Prints every field: offset, name, then the value at Base or (NULL) the type.
VOID KdpDisplayFields(const KD_TYPE *Type, const UCHAR *Base)
{
    for (ULONG i = 0; i < Type->Count; i++) {
        const KD_FIELD &Field = Type->Fields[i];
        DbgPrint("   +0x%03x %-27s : ", Field.Offset, Field.Name);
        if (Base)
            KdpDisplayValue(Field, Base);
        else if (Field.Kind == KdArray)
            DbgPrint("[%u] %s\n", Field.Elements, Field.TypeName);
        else
            DbgPrint("%s\n", Field.TypeName);
    }
}

} // namespace

// dt nt!_TYPE [Address]: the type's layout, or its fields' values at Address, which
// must be a live thread (for _ETHREAD, _KTHREAD) or process (_EPROCESS, _KPROCESS).
// At PASSIVE_LEVEL, or any IRQL with NoLocks.
extern "C" NTSTATUS NTAPI KdpDisplayTypeCommand(PKD_ARGUMENTS Arguments, BOOLEAN NoLocks)
{
    const KD_TYPE *Type = Arguments->Count > 0 ? KdpLookupType(Arguments->Text[0]) : NULL;
    if (!Type || Arguments->Count > 2 || (Arguments->Count == 2 && !Arguments->IsNumber[1])) {
        DbgPrint("kd: usage: dt nt!_ETHREAD|_KTHREAD|_EPROCESS|_KPROCESS [Address]\n");
        return STATUS_INVALID_PARAMETER;
    }
    if (Arguments->Count == 1) {
        DbgPrint("nt!%s (0x%x bytes)\n", Type->Name, Type->Size);
        KdpDisplayFields(Type, NULL);
        return STATUS_SUCCESS;
    }
    ULONG64 Address = Arguments->Value[1];
    if (Type->Check == KdThreadAddress) {
        PETHREAD Thread = KdpFindThread(Address, NoLocks);
        if (!Thread) {
            DbgPrint("kd: %llx is not a thread on a live process's thread list\n", (unsigned long long)Address);
            return STATUS_INVALID_PARAMETER;
        }
        KdpDisplayFields(Type, reinterpret_cast<const UCHAR *>(Thread));
        KdpReleaseThread(Thread, NoLocks);
        return STATUS_SUCCESS;
    }
    PEPROCESS Process = KdpFindProcess(Address, NoLocks);
    if (Process && (ULONG64)(ULONG_PTR)Process != Address) {
        KdpReleaseProcess(Process, NoLocks); // a PID, not the address
        Process = NULL;
    }
    if (!Process) {
        DbgPrint("kd: %llx is not a process on PsActiveProcessHead\n", (unsigned long long)Address);
        return STATUS_INVALID_PARAMETER;
    }
    KdpDisplayFields(Type, reinterpret_cast<const UCHAR *>(Process));
    KdpReleaseProcess(Process, NoLocks);
    return STATUS_SUCCESS;
}
