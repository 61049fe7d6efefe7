// process.cpp - process objects: creation (PspCreateProcess), the active process list,
// and the lookups and accessors drivers use (PsLookupProcessByProcessId, PsGetProcessId
// ...). Deletion is in kill.cpp.
#include "ke.h"
#include "ex.h"
#include "mm.h"
#include "ob.h"
#include "ps.h"
#include "se.h"
#include "pseh/pseh2.h"

namespace {

// References the parent process named by ParentProcess for a child's creation; no
// handle means no parent (the System process, or a process without one).
NTSTATUS PspReferenceParent(HANDLE ParentProcess, KPROCESSOR_MODE PreviousMode, PEPROCESS *Parent)
{
    *Parent = NULL;
    if (!ParentProcess)
        return STATUS_SUCCESS;
    return ObReferenceObjectByHandle(ParentProcess, PROCESS_CREATE_PROCESS, PspProcessType, PreviousMode,
                                     reinterpret_cast<PVOID *>(Parent), NULL);
}

// Computes the access a process's creator keeps to it: what its descriptor grants the
// parent's token, or everything for the System process. At PASSIVE_LEVEL.
VOID PspComputeProcessGrantedAccess(PEPROCESS Process, PEPROCESS Parent, KPROCESSOR_MODE PreviousMode)
{
    if (!Parent) {
        Process->GrantedAccess = PROCESS_ALL_ACCESS;
        return;
    }
    PSECURITY_DESCRIPTOR Descriptor;
    BOOLEAN Allocated;
    if (!NT_SUCCESS(ObGetObjectSecurity(Process, &Descriptor, &Allocated))) {
        Process->GrantedAccess = 0;
        return;
    }
    SECURITY_SUBJECT_CONTEXT Subject{};
    Subject.ProcessAuditId = Process;
    Subject.PrimaryToken = PsReferencePrimaryToken(Process);
    NTSTATUS AccessStatus;
    if (!SeAccessCheck(Descriptor, &Subject, FALSE, MAXIMUM_ALLOWED, 0, NULL, &PspProcessMapping, PreviousMode,
                       &Process->GrantedAccess, &AccessStatus))
        Process->GrantedAccess = 0;
    ObFastDereferenceObject(&Process->Token, Subject.PrimaryToken);
    ObReleaseObjectSecurity(Descriptor, Allocated);
}

// Links a new process into PsActiveProcessHead. At PASSIVE_LEVEL.
VOID PspInsertActiveProcess(PEPROCESS Process)
{
    KeAcquireGuardedMutex(&PspActiveProcessMutex);
    InsertTailList(&PsActiveProcessHead, &Process->ActiveProcessLinks);
    KeReleaseGuardedMutex(&PspActiveProcessMutex);
}

// Gives a new process its handle table: the kernel handle table for the System
// process, else a new one (a copy of the parent's inheritable handles when asked).
NTSTATUS PspInitializeHandleTable(PEPROCESS Process, PEPROCESS Parent, ULONG Flags)
{
    if (!Parent && !PsInitialSystemProcess) {
        Process->ObjectTable = ObpKernelHandleTable;
        return STATUS_SUCCESS;
    }
    return ObInitProcess((Flags & PROCESS_CREATE_FLAGS_INHERIT_HANDLES) ? Parent : NULL, Process);
}

// Gives a user process its PEB. NT makes one only for a process created from an image
// section; hosted processes have none, and every process with a parent gets one.
NTSTATUS PspCreatePeb(PEPROCESS Process)
{
    INITIAL_PEB InitialPeb{};
    InitialPeb.Mutant = reinterpret_cast<HANDLE>(-1);
    return MmCreatePeb(Process, &InitialPeb, &Process->Peb);
}

// Fills the new process object: its lists, locks, address space (hosted: its user
// range; none for the System process), kernel process, token, handle table, CID and
// PEB. Failure leaves what was done for PspDeleteProcess to undo.
NTSTATUS PspInitializeProcess(PEPROCESS Process, PEPROCESS Parent, ULONG Flags)
{
    ExInitializeRundownProtection(&Process->RundownProtect);
    InitializeListHead(&Process->ThreadListHead);
    ExInitializePushLock(&Process->ProcessLock);
    Process->ExitStatus = STATUS_PENDING;
    Process->LastThreadExitStatus = STATUS_PENDING;
    Process->DefaultHardErrorProcessing = Parent ? Parent->DefaultHardErrorProcessing : 1;
    Process->InheritedFromUniqueProcessId = Parent ? Parent->UniqueProcessId : NULL;
    Process->PriorityClass = PROCESS_PRIORITY_CLASS_NORMAL;
    ULONG_PTR DirectoryTableBase[2] = {0, 0};
    if (Parent) {
        if (!MmCreateProcessAddressSpace(0, Process, DirectoryTableBase))
            return STATUS_INSUFFICIENT_RESOURCES;
        PspSetProcessFlag(Process, PSF_HAS_ADDRESS_SPACE_BIT);
    }
    KAFFINITY Affinity = Parent ? Parent->Pcb.Affinity : KeActiveProcessors;
    KeInitializeProcess(&Process->Pcb, PROCESS_PRIORITY_NORMAL, Affinity, DirectoryTableBase, FALSE);
    NTSTATUS Status = PspInitializeProcessSecurity(Process, Parent);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = PspInitializeHandleTable(Process, Parent, Flags);
    if (!NT_SUCCESS(Status))
        return Status;
    if (Parent) {
        Status = MmInitializeProcessAddressSpace(Process, NULL, NULL, &Flags, NULL);
        if (!NT_SUCCESS(Status))
            return Status;
    }
    Process->UniqueProcessId = PspCreateCidHandle(Process);
    if (!Process->UniqueProcessId)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (Process->ObjectTable && Process->ObjectTable != ObpKernelHandleTable)
        Process->ObjectTable->UniqueProcessId = Process->UniqueProcessId;
    return Parent ? PspCreatePeb(Process) : STATUS_SUCCESS;
}

// Inserts the new process in the object manager, returns its handle (under SEH for a
// user-mode caller's pointer) and runs the process-create notify routines; a routine
// that denies the creation (Windows) gets its status returned and the handle closed,
// which takes the process down. At PASSIVE_LEVEL.
NTSTATUS PspInsertProcess(PEPROCESS Process, PEPROCESS Parent, ACCESS_MASK DesiredAccess,
                          KPROCESSOR_MODE PreviousMode, PHANDLE ProcessHandle)
{
    ACCESS_STATE LocalAccessState;
    AUX_ACCESS_DATA AuxData;
    NTSTATUS Status = SeCreateAccessStateEx(NULL, Parent ? Parent : Process, &LocalAccessState, &AuxData,
                                            DesiredAccess, &PspProcessMapping);
    if (!NT_SUCCESS(Status)) {
        ObDereferenceObject(Process);
        return Status;
    }
    HANDLE Handle;
    Status = ObInsertObject(Process, &LocalAccessState, DesiredAccess, 1, NULL, &Handle);
    SeDeleteAccessState(&LocalAccessState);
    if (!NT_SUCCESS(Status))
        return Status;
    PspComputeProcessGrantedAccess(Process, Parent, PreviousMode);
    KeQuerySystemTime(&Process->CreateTime);
    _SEH2_TRY
    {
        *ProcessHandle = Handle;
    }
    _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER)
    {
        Status = _SEH2_GetExceptionCode();
    }
    _SEH2_END;
    PERFINFO_LOG_PROCESS(PerfInfoProcessCreate, Process, reinterpret_cast<ULONG_PTR>(Process->InheritedFromUniqueProcessId));
    NTSTATUS CreationStatus = PspRunCreateProcessNotifyRoutines(Process, TRUE);
    if (!NT_SUCCESS(CreationStatus)) {
        ObCloseHandle(Handle, PreviousMode);
        Status = CreationStatus;
    }
    ObDereferenceObject(Process);
    return Status;
}

// Finds the object a CID names for an open: the process (UniqueProcess, checked
// against UniqueThread's thread when one is given) or the thread (UniqueThread,
// checked against UniqueProcess when one is given). Returned referenced.
NTSTATUS PspLookupOpenTarget(PCLIENT_ID Cid, BOOLEAN WantThread, PVOID *Object)
{
    if (!WantThread && !Cid->UniqueThread)
        return PsLookupProcessByProcessId(Cid->UniqueProcess, reinterpret_cast<PEPROCESS *>(Object));
    if (WantThread && !Cid->UniqueProcess)
        return PsLookupThreadByThreadId(Cid->UniqueThread, reinterpret_cast<PETHREAD *>(Object));
    PEPROCESS Process;
    PETHREAD Thread;
    NTSTATUS Status = PsLookupProcessThreadByCid(Cid, &Process, &Thread);
    if (!NT_SUCCESS(Status))
        return Status;
    *Object = WantThread ? static_cast<PVOID>(Thread) : static_cast<PVOID>(Process);
    ObDereferenceObject(WantThread ? static_cast<PVOID>(Process) : static_cast<PVOID>(Thread));
    return STATUS_SUCCESS;
}

// Makes the access state of an open; a caller holding SeDebugPrivilege is granted
// what it asks (AllAccess for MAXIMUM_ALLOWED) without an access check.
NTSTATUS PspCreateOpenAccessState(PACCESS_STATE AccessState, PAUX_ACCESS_DATA AuxData, ACCESS_MASK DesiredAccess,
                                  POBJECT_TYPE Type, ACCESS_MASK AllAccess, KPROCESSOR_MODE PreviousMode)
{
    NTSTATUS Status = SeCreateAccessState(AccessState, AuxData, DesiredAccess, &Type->TypeInfo.GenericMapping);
    if (!NT_SUCCESS(Status) || !SeSinglePrivilegeCheck(SeDebugPrivilege, PreviousMode))
        return Status;
    if (AccessState->RemainingDesiredAccess & MAXIMUM_ALLOWED)
        AccessState->PreviouslyGrantedAccess |= AllAccess;
    else
        AccessState->PreviouslyGrantedAccess |= AccessState->RemainingDesiredAccess;
    AccessState->RemainingDesiredAccess = 0;
    return STATUS_SUCCESS;
}

} // namespace

// The body NtOpenProcess and NtOpenThread share: opens the process or thread (Type)
// named by ObjectAttributes' name or by ClientId, exactly one of them
// (STATUS_INVALID_PARAMETER_MIX otherwise). A user-mode caller's pointers are probed,
// then read and written under SEH. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI PspOpenProcessOrThread(POBJECT_TYPE Type, PHANDLE Handle, ACCESS_MASK DesiredAccess,
                                                 POBJECT_ATTRIBUTES ObjectAttributes, PCLIENT_ID ClientId)
{
    KPROCESSOR_MODE PreviousMode = ExGetPreviousMode();
    BOOLEAN WantThread = Type == PspThreadType;
    OBJECT_ATTRIBUTES SafeAttributes{};
    CLIENT_ID Cid{};
    NTSTATUS Status = ExpProbeForWriteCaller(Handle, sizeof(HANDLE), sizeof(HANDLE));
    if (NT_SUCCESS(Status) && ObjectAttributes)
        Status = ExpCaptureFromCaller(&SafeAttributes, ObjectAttributes, sizeof(SafeAttributes), sizeof(ULONG));
    if (NT_SUCCESS(Status) && ClientId)
        Status = ExpCaptureFromCaller(&Cid, ClientId, sizeof(Cid), sizeof(ULONG));
    if (!NT_SUCCESS(Status))
        return Status;
    BOOLEAN HasObjectName = SafeAttributes.ObjectName != NULL;
    ULONG Attributes = SafeAttributes.Attributes;
    if (HasObjectName == (ClientId != NULL))
        return STATUS_INVALID_PARAMETER_MIX;

    ACCESS_STATE AccessState;
    AUX_ACCESS_DATA AuxData;
    Status = PspCreateOpenAccessState(&AccessState, &AuxData, DesiredAccess, Type,
                                      WantThread ? THREAD_ALL_ACCESS : PROCESS_ALL_ACCESS, PreviousMode);
    if (!NT_SUCCESS(Status))
        return Status;
    HANDLE Opened = NULL;
    if (HasObjectName) {
        Status = ObOpenObjectByName(ObjectAttributes, Type, PreviousMode, &AccessState, 0, NULL, &Opened);
    } else {
        PVOID Object;
        Status = PspLookupOpenTarget(&Cid, WantThread, &Object);
        if (NT_SUCCESS(Status)) {
            Status = ObOpenObjectByPointer(Object, Attributes, &AccessState, 0, Type, PreviousMode, &Opened);
            ObDereferenceObject(Object);
        }
    }
    SeDeleteAccessState(&AccessState);
    if (!NT_SUCCESS(Status))
        return Status;
    return ExpCopyToCaller(Handle, &Opened, sizeof(Opened));
}

// The open-process service: a handle to the process named by ObjectAttributes or by
// ClientId. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtOpenProcess(PHANDLE ProcessHandle, ACCESS_MASK DesiredAccess,
                                        POBJECT_ATTRIBUTES ObjectAttributes, PCLIENT_ID ClientId)
{
    KI_USER_SERVICE(NtOpenProcess(ProcessHandle, DesiredAccess, ObjectAttributes, ClientId));
    return PspOpenProcessOrThread(PspProcessType, ProcessHandle, DesiredAccess, ObjectAttributes, ClientId);
}

extern "C" NTSTATUS NTAPI ZwOpenProcess(PHANDLE ProcessHandle, ACCESS_MASK DesiredAccess,
                                        POBJECT_ATTRIBUTES ObjectAttributes, PCLIENT_ID ClientId)
{
    return KiZwCall([&] { return NtOpenProcess(ProcessHandle, DesiredAccess, ObjectAttributes, ClientId); });
}

// The create-process service: a child of ParentProcess, which is required. A
// user-mode caller's handle pointer is checked first. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtCreateProcessEx(PHANDLE ProcessHandle, ACCESS_MASK DesiredAccess,
                                            POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ParentProcess, ULONG Flags,
                                            HANDLE SectionHandle, HANDLE DebugPort, HANDLE ExceptionPort,
                                            BOOLEAN InJob)
{
    KI_USER_SERVICE(NtCreateProcessEx(ProcessHandle, DesiredAccess, ObjectAttributes,
                                      ParentProcess, Flags, SectionHandle, DebugPort, ExceptionPort, InJob));
    NTSTATUS Status = ExpProbeForWriteCaller(ProcessHandle, sizeof(HANDLE), sizeof(HANDLE));
    if (!NT_SUCCESS(Status))
        return Status;
    if (!ParentProcess)
        return STATUS_INVALID_PARAMETER;
    return PspCreateProcess(ProcessHandle, DesiredAccess, ObjectAttributes, ParentProcess, Flags, SectionHandle,
                            DebugPort, ExceptionPort, InJob);
}

extern "C" NTSTATUS NTAPI ZwCreateProcessEx(PHANDLE ProcessHandle, ACCESS_MASK DesiredAccess,
                                            POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ParentProcess, ULONG Flags,
                                            HANDLE SectionHandle, HANDLE DebugPort, HANDLE ExceptionPort,
                                            BOOLEAN InJob)
{
    return KiZwCall([&] {
        return NtCreateProcessEx(ProcessHandle, DesiredAccess, ObjectAttributes, ParentProcess, Flags, SectionHandle,
                                 DebugPort, ExceptionPort, InJob);
    });
}

// Creates a process object: a child of ParentProcess (inheriting its token, affinity
// and, with PROCESS_CREATE_FLAGS_INHERIT_HANDLES, its inheritable handles) or, with no
// parent, the System process. Sections, debug and exception ports are not part of the
// hosted kernel: a non-NULL one gives STATUS_NOT_SUPPORTED. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI PspCreateProcess(PHANDLE ProcessHandle, ACCESS_MASK DesiredAccess,
                                           POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ParentProcess, ULONG Flags,
                                           HANDLE SectionHandle, HANDLE DebugPort, HANDLE ExceptionPort,
                                           BOOLEAN InJob)
{
    UNREFERENCED_PARAMETER(InJob);
    KPROCESSOR_MODE PreviousMode = ExGetPreviousMode();
    if (Flags & ~PROCESS_CREATE_FLAGS_LEGAL_MASK)
        return STATUS_INVALID_PARAMETER;
    if (SectionHandle || DebugPort || ExceptionPort)
        return STATUS_NOT_SUPPORTED;
    PEPROCESS Parent;
    NTSTATUS Status = PspReferenceParent(ParentProcess, PreviousMode, &Parent);
    if (!NT_SUCCESS(Status))
        return Status;
    PEPROCESS Process;
    Status = ObCreateObject(PreviousMode, PspProcessType, ObjectAttributes, PreviousMode, NULL, sizeof(EPROCESS), 0, 0,
                            reinterpret_cast<PVOID *>(&Process));
    if (NT_SUCCESS(Status)) {
        RtlZeroMemory(Process, sizeof(EPROCESS));
        Status = PspInitializeProcess(Process, Parent, Flags);
        if (NT_SUCCESS(Status)) {
            PspInsertActiveProcess(Process);
            Status = PspInsertProcess(Process, Parent, DesiredAccess, PreviousMode, ProcessHandle);
        } else {
            ObDereferenceObject(Process);
        }
    }
    if (Parent)
        ObDereferenceObject(Parent);
    return Status;
}

// Returns the next process on PsActiveProcessHead after OldProcess (the first when
// NULL), referenced, skipping processes being deleted; dereferences OldProcess. At
// PASSIVE_LEVEL.
extern "C" PEPROCESS NTAPI PsGetNextProcess(PEPROCESS OldProcess)
{
    PEPROCESS Found = NULL;
    KeAcquireGuardedMutex(&PspActiveProcessMutex);
    PLIST_ENTRY Entry = OldProcess ? OldProcess->ActiveProcessLinks.Flink : PsActiveProcessHead.Flink;
    for (; Entry != &PsActiveProcessHead; Entry = Entry->Flink) {
        PEPROCESS Process = CONTAINING_RECORD(Entry, EPROCESS, ActiveProcessLinks);
        if (ObReferenceObjectSafe(Process)) {
            Found = Process;
            break;
        }
    }
    KeReleaseGuardedMutex(&PspActiveProcessMutex);
    if (OldProcess)
        ObDereferenceObject(OldProcess);
    return Found;
}

// Returns the thread after Thread in Process's thread list (the first when NULL),
// referenced, skipping threads being deleted; dereferences Thread. At PASSIVE_LEVEL.
extern "C" PETHREAD NTAPI PsGetNextProcessThread(PEPROCESS Process, PETHREAD Thread)
{
    PETHREAD Found = NULL;
    PspLockProcessExclusive(Process);
    PLIST_ENTRY Entry = Thread ? Thread->ThreadListEntry.Flink : Process->ThreadListHead.Flink;
    for (; Entry != &Process->ThreadListHead; Entry = Entry->Flink) {
        PETHREAD Next = CONTAINING_RECORD(Entry, ETHREAD, ThreadListEntry);
        if (ObReferenceObjectSafe(Next)) {
            Found = Next;
            break;
        }
    }
    PspUnlockProcessExclusive(Process);
    if (Thread)
        ObDereferenceObject(Thread);
    return Found;
}

// Finds a process by its ID and returns it referenced; STATUS_INVALID_PARAMETER when
// no live process has that ID. At or below APC_LEVEL.
extern "C" NTSTATUS NTAPI PsLookupProcessByProcessId(HANDLE ProcessId, PEPROCESS *Process)
{
    NTSTATUS Status = STATUS_INVALID_PARAMETER;
    KeEnterCriticalRegion();
    PHANDLE_TABLE_ENTRY Entry = ExMapHandleToPointer(PspCidTable, ProcessId);
    if (Entry) {
        auto *Found = static_cast<PEPROCESS>(PspCidEntryObject(Entry));
        if (Found->Pcb.Header.Type == ProcessObject && ObReferenceObjectSafe(Found)) {
            *Process = Found;
            Status = STATUS_SUCCESS;
        }
        ExUnlockHandleTableEntry(PspCidTable, Entry);
    }
    KeLeaveCriticalRegion();
    return Status;
}

// Finds a thread by its ID and returns it referenced; STATUS_INVALID_PARAMETER when no
// live thread has that ID. At or below APC_LEVEL.
extern "C" NTSTATUS NTAPI PsLookupThreadByThreadId(HANDLE ThreadId, PETHREAD *Thread)
{
    NTSTATUS Status = STATUS_INVALID_PARAMETER;
    KeEnterCriticalRegion();
    PHANDLE_TABLE_ENTRY Entry = ExMapHandleToPointer(PspCidTable, ThreadId);
    if (Entry) {
        auto *Found = static_cast<PETHREAD>(PspCidEntryObject(Entry));
        if (Found->Tcb.Header.Type == ThreadObject && ObReferenceObjectSafe(Found)) {
            *Thread = Found;
            Status = STATUS_SUCCESS;
        }
        ExUnlockHandleTableEntry(PspCidTable, Entry);
    }
    KeLeaveCriticalRegion();
    return Status;
}

// Finds a thread by CID, checking it belongs to the CID's process; returns it (and,
// when asked, its process) referenced, or STATUS_INVALID_CID. At or below APC_LEVEL.
extern "C" NTSTATUS NTAPI PsLookupProcessThreadByCid(PCLIENT_ID Cid, PEPROCESS *Process, PETHREAD *Thread)
{
    PETHREAD Found;
    if (!NT_SUCCESS(PsLookupThreadByThreadId(Cid->UniqueThread, &Found)))
        return STATUS_INVALID_CID;
    if (Found->Cid.UniqueProcess != Cid->UniqueProcess) {
        ObDereferenceObject(Found);
        return STATUS_INVALID_CID;
    }
    if (Process) {
        *Process = Found->ThreadsProcess;
        ObReferenceObject(*Process);
    }
    *Thread = Found;
    return STATUS_SUCCESS;
}

// Returns the process the current thread runs in (its attached process). Any IRQL.
extern "C" PEPROCESS NTAPI PsGetCurrentProcess(VOID)
{
    return CONTAINING_RECORD(KeGetCurrentThread()->ApcState.Process, EPROCESS, Pcb);
}

// Returns the ID of the process the current thread belongs to. Any IRQL.
extern "C" HANDLE NTAPI PsGetCurrentProcessId(VOID)
{
    return CONTAINING_RECORD(KeGetCurrentThread(), ETHREAD, Tcb)->Cid.UniqueProcess;
}

// Returns a process's ID. Any IRQL.
extern "C" HANDLE NTAPI PsGetProcessId(PEPROCESS Process)
{
    return Process->UniqueProcessId;
}

// Returns a process's exit status (STATUS_PENDING while it runs). Any IRQL.
extern "C" NTSTATUS NTAPI PsGetProcessExitStatus(PEPROCESS Process)
{
    return Process->ExitStatus;
}
