// obhandle.cpp - handles: an object's handle count and per-process handle counts,
// creating handles in the current process's table or the kernel table, closing them
// (protection from close, the type's okay-to-close and close procedures), duplicating
// them, and a process's table at creation (inheritance) and death (the sweep).
#include "ke.h"
#include "ob.h"
#include "ps.h"
#include "pseh/pseh2.h"

PHANDLE_TABLE ObpKernelHandleTable;

namespace {

// The entry of Process in a handle-count database, or a free one (Process NULL) if it
// has none; NULL if the database is full. Under the object lock.
POBJECT_HANDLE_COUNT_ENTRY ObpFindHandleCountEntry(POBJECT_HANDLE_COUNT_DATABASE Database, PEPROCESS Process)
{
    POBJECT_HANDLE_COUNT_ENTRY Free = NULL;
    for (ULONG I = 0; I < Database->CountEntries; I++) {
        POBJECT_HANDLE_COUNT_ENTRY Entry = &Database->HandleCountEntries[I];
        if (Entry->HandleCount && Entry->Process == Process)
            return Entry;
        if (!Entry->HandleCount && !Free)
            Free = Entry;
    }
    return Free;
}

// Replaces an object's handle counts with a database four entries larger (the first
// growth turns the single entry into a database); returns a free entry, or NULL when
// pool is short. Under the object lock.
POBJECT_HANDLE_COUNT_ENTRY ObpInsertHandleCount(POBJECT_HEADER Header)
{
    POBJECT_HEADER_HANDLE_INFO HandleInfo = OBJECT_HEADER_TO_HANDLE_INFO(Header);
    BOOLEAN Single = (Header->Flags & OB_FLAG_SINGLE_PROCESS) != 0;
    ULONG OldEntries = Single ? 1 : HandleInfo->HandleCountDataBase->CountEntries;
    ULONG NewEntries = OldEntries + 4;
    SIZE_T Size = FIELD_OFFSET(OBJECT_HANDLE_COUNT_DATABASE, HandleCountEntries) +
                  NewEntries * sizeof(OBJECT_HANDLE_COUNT_ENTRY);
    auto *Database = static_cast<POBJECT_HANDLE_COUNT_DATABASE>(ExAllocatePoolWithTag(PagedPool, Size, OB_HANDLE_DB_TAG));
    if (!Database)
        return NULL;
    RtlZeroMemory(Database, Size);
    Database->CountEntries = NewEntries;
    if (Single) {
        Database->HandleCountEntries[0] = HandleInfo->SingleEntry;
        Header->Flags &= ~OB_FLAG_SINGLE_PROCESS;
    } else {
        RtlCopyMemory(Database->HandleCountEntries, HandleInfo->HandleCountDataBase->HandleCountEntries,
                      OldEntries * sizeof(OBJECT_HANDLE_COUNT_ENTRY));
        ExFreePoolWithTag(HandleInfo->HandleCountDataBase, OB_HANDLE_DB_TAG);
    }
    HandleInfo->HandleCountDataBase = Database;
    return &Database->HandleCountEntries[OldEntries];
}

// Counts one more handle of Process in the object's per-process counts; returns the
// process's new count through ProcessHandleCount. Under the object lock.
NTSTATUS ObpIncrementHandleDataBase(POBJECT_HEADER Header, PEPROCESS Process, PULONG ProcessHandleCount)
{
    POBJECT_HEADER_HANDLE_INFO HandleInfo = OBJECT_HEADER_TO_HANDLE_INFO(Header);
    POBJECT_HANDLE_COUNT_ENTRY Entry;
    if (Header->Flags & OB_FLAG_SINGLE_PROCESS) {
        Entry = &HandleInfo->SingleEntry;
        if (Entry->HandleCount && Entry->Process != Process)
            Entry = ObpInsertHandleCount(Header);
    } else {
        Entry = ObpFindHandleCountEntry(HandleInfo->HandleCountDataBase, Process);
        if (!Entry)
            Entry = ObpInsertHandleCount(Header);
    }
    if (!Entry)
        return STATUS_INSUFFICIENT_RESOURCES;
    Entry->Process = Process;
    *ProcessHandleCount = ++Entry->HandleCount;
    return STATUS_SUCCESS;
}

// Counts one handle of Process less; returns the process's count before. Under the
// object lock.
ULONG ObpDecrementHandleDataBase(POBJECT_HEADER Header, PEPROCESS Process)
{
    POBJECT_HEADER_HANDLE_INFO HandleInfo = OBJECT_HEADER_TO_HANDLE_INFO(Header);
    POBJECT_HANDLE_COUNT_ENTRY Entry = (Header->Flags & OB_FLAG_SINGLE_PROCESS)
                                           ? &HandleInfo->SingleEntry
                                           : ObpFindHandleCountEntry(HandleInfo->HandleCountDataBase, Process);
    ASSERT(Entry && Entry->Process == Process && Entry->HandleCount);
    ULONG Before = Entry->HandleCount--;
    if (!Entry->HandleCount)
        Entry->Process = NULL;
    return Before;
}

// The process an exclusive object is held by, if any.
PEPROCESS ObpExclusiveProcess(POBJECT_HEADER Header)
{
    POBJECT_HEADER_QUOTA_INFO Quota = OBJECT_HEADER_TO_QUOTA_INFO(Header);
    return Quota ? Quota->ExclusiveProcess : NULL;
}

// Checks OBJ_EXCLUSIVE rules for a new handle: only an object created exclusive, only
// without OBJ_INHERIT, only by the process holding it (or the first), and nobody else
// while it is held. Sets *Exclusive when this handle takes or keeps the object. Under
// the object lock.
NTSTATUS ObpCheckExclusiveOpen(POBJECT_HEADER Header, ULONG HandleAttributes, PEPROCESS Process,
                               PBOOLEAN Exclusive)
{
    PEPROCESS Holder = ObpExclusiveProcess(Header);
    *Exclusive = FALSE;
    if (!(HandleAttributes & OBJ_EXCLUSIVE))
        return (Header->Flags & OB_FLAG_EXCLUSIVE) && Holder ? STATUS_ACCESS_DENIED : STATUS_SUCCESS;
    if ((HandleAttributes & OBJ_INHERIT) || !(Header->Flags & OB_FLAG_EXCLUSIVE))
        return STATUS_INVALID_PARAMETER;
    if ((!Holder && Header->HandleCount) || (Holder && Holder != Process))
        return STATUS_ACCESS_DENIED;
    *Exclusive = TRUE;
    return STATUS_SUCCESS;
}

// Turns MAXIMUM_ALLOWED into GENERIC_ALL and maps generic rights through the type's
// mapping, for a handle whose object is new (its creator gets what it asks).
ACCESS_MASK ObpMapCreatorAccess(ACCESS_MASK DesiredAccess, POBJECT_TYPE Type)
{
    if (DesiredAccess & MAXIMUM_ALLOWED)
        DesiredAccess = (DesiredAccess & ~MAXIMUM_ALLOWED) | GENERIC_ALL;
    if (DesiredAccess & GENERIC_ACCESS)
        RtlMapGenericMask(&DesiredAccess, &Type->TypeInfo.GenericMapping);
    return DesiredAccess;
}

// Raises a type's high-water mark to Count if Count passed it.
void ObpRaiseHighWater(volatile ULONG *HighWater, ULONG Count)
{
    ULONG High = __atomic_load_n(HighWater, __ATOMIC_RELAXED);
    while (Count > High && !__atomic_compare_exchange_n(HighWater, &High, Count, true, __ATOMIC_RELAXED,
                                                        __ATOMIC_RELAXED)) {
    }
}

// Whether a new handle goes in the kernel table: OBJ_KERNEL_HANDLE asked by kernel mode
// (user mode cannot make one).
BOOLEAN ObpWantsKernelHandle(ULONG HandleAttributes, KPROCESSOR_MODE AccessMode)
{
    return (HandleAttributes & OBJ_KERNEL_HANDLE) && AccessMode == KernelMode;
}

// The handle table a new handle goes in, attaching to the System process for a kernel
// handle made elsewhere (once it exists: its own handle is made before); *Attached
// says whether to detach afterwards.
PHANDLE_TABLE ObpTableForNewHandle(BOOLEAN KernelHandle, PKAPC_STATE ApcState, PBOOLEAN Attached)
{
    *Attached = FALSE;
    if (!KernelHandle)
        return PsGetCurrentProcess()->ObjectTable;
    if (PsInitialSystemProcess && PsGetCurrentProcess() != PsInitialSystemProcess) {
        KeStackAttachProcess(&PsInitialSystemProcess->Pcb, ApcState);
        *Attached = TRUE;
    }
    return ObpKernelHandleTable;
}

// Takes one handle of Process off the object's counts, clearing the exclusive holder
// with the last handle; returns the handle count before, and the process's count
// before through ProcessHandleCount. Takes the object lock.
ULONG ObpDropHandleCount(POBJECT_HEADER Header, PEPROCESS Process, PULONG ProcessHandleCount)
{
    ObpAcquireObjectLock(Header);
    ULONG SystemHandleCount = (ULONG)Header->HandleCount;
    *ProcessHandleCount = 0;
    if (!InterlockedDecrement64(&Header->HandleCount) && OBJECT_HEADER_TO_QUOTA_INFO(Header))
        OBJECT_HEADER_TO_QUOTA_INFO(Header)->ExclusiveProcess = NULL;
    if (Header->Type->TypeInfo.MaintainHandleCount)
        *ProcessHandleCount = ObpDecrementHandleDataBase(Header, Process);
    ObpReleaseObjectLock(Header);
    return SystemHandleCount;
}

// Counts a handle in its type's totals and high-water mark.
void ObpCountTypeHandle(POBJECT_TYPE Type)
{
    ObpRaiseHighWater(&Type->HighWaterNumberOfHandles,
                      (ULONG)InterlockedIncrement(reinterpret_cast<volatile LONG *>(&Type->TotalNumberOfHandles)));
}

// Calls the type's open procedure for a handle just counted; if it refuses, the
// handle is uncounted (no close procedure: it never opened) and its status returned.
NTSTATUS ObpCallOpenProcedure(OB_OPEN_REASON Reason, PEPROCESS Process, POBJECT_HEADER Header,
                              ACCESS_MASK GrantedAccess, ULONG ProcessHandleCount)
{
    POBJECT_TYPE Type = Header->Type;
    if (!Type->TypeInfo.OpenProcedure)
        return STATUS_SUCCESS;
    NTSTATUS Status = Type->TypeInfo.OpenProcedure(Reason, Process, &Header->Body, GrantedAccess, ProcessHandleCount);
    if (!NT_SUCCESS(Status)) {
        ULONG Ignored;
        ObpDropHandleCount(Header, Process, &Ignored);
        InterlockedDecrement(reinterpret_cast<volatile LONG *>(&Type->TotalNumberOfHandles));
    }
    return Status;
}

} // namespace

// The table a handle value names for a caller in AccessMode (the kernel table for a
// kernel handle from kernel mode, else the current process's), with the value to look
// up in it; NULL if the process has no table. Any IRQL.
extern "C" PHANDLE_TABLE NTAPI ObpTableOfHandle(HANDLE *Handle, KPROCESSOR_MODE AccessMode)
{
    if (ObpIsKernelHandle(*Handle, AccessMode)) {
        *Handle = ObKernelHandleToHandle(*Handle);
        return ObpKernelHandleTable;
    }
    return PsGetCurrentProcess()->ObjectTable;
}

// The access a new handle gets, under the object lock: an open (or a duplicate asking
// for more than its source had) is checked against the object's security (an object
// without a descriptor grants what is asked); the creator of a new object gets what it
// asked, generic rights mapped and MAXIMUM_ALLOWED as GENERIC_ALL. Without an access
// state the caller's DesiredAccess is taken as asked. FALSE with *Status when access
// is denied.
static BOOLEAN ObpGrantHandleAccess(PVOID Object, PACCESS_STATE AccessState, ACCESS_MASK DesiredAccess,
                                    KPROCESSOR_MODE ProbeMode, OB_OPEN_REASON OpenReason, PACCESS_MASK GrantedAccess,
                                    NTSTATUS *Status)
{
    POBJECT_TYPE Type = OBJECT_TO_OBJECT_HEADER(Object)->Type;
    if (!AccessState) {
        *GrantedAccess = OpenReason == ObCreateHandle ? ObpMapCreatorAccess(DesiredAccess, Type) : DesiredAccess;
        return TRUE;
    }
    if (OpenReason == ObOpenHandle || OpenReason == ObDuplicateHandle) {
        if (!ObCheckObjectAccess(Object, AccessState, TRUE, ProbeMode, Status))
            return FALSE;
    } else {
        AccessState->RemainingDesiredAccess = ObpMapCreatorAccess(AccessState->RemainingDesiredAccess, Type);
    }
    *GrantedAccess = (AccessState->RemainingDesiredAccess | AccessState->PreviouslyGrantedAccess) & ~MAXIMUM_ALLOWED;
    return TRUE;
}

// Counts a new handle to Object for Process: the exclusive-open rules, the access the
// handle gets (*GrantedAccess), the handle count and per-process count, the type's
// handle totals and its open procedure. At PASSIVE_LEVEL.
static NTSTATUS ObpIncrementHandleCount(PVOID Object, PACCESS_STATE AccessState, ACCESS_MASK DesiredAccess,
                                        KPROCESSOR_MODE AccessMode, ULONG HandleAttributes, PEPROCESS Process,
                                        OB_OPEN_REASON OpenReason, PACCESS_MASK GrantedAccess)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    POBJECT_TYPE Type = Header->Type;
    KPROCESSOR_MODE ProbeMode = (HandleAttributes & OBJ_FORCE_ACCESS_CHECK) ? (KPROCESSOR_MODE)UserMode : AccessMode;
    ULONG ProcessHandleCount = 0;
    BOOLEAN Exclusive;
    ObpAcquireObjectLock(Header);
    BOOLEAN NewObject = (Header->Flags & OB_FLAG_CREATE_INFO) != 0;
    NTSTATUS Status = ObpCheckExclusiveOpen(Header, HandleAttributes, Process, &Exclusive);
    // An object back from zero handles whose type only sees closes would miss the open.
    if (NT_SUCCESS(Status) && !Header->HandleCount && !NewObject && Type->TypeInfo.MaintainHandleCount &&
        !Type->TypeInfo.OpenProcedure && Type->TypeInfo.CloseProcedure)
        Status = STATUS_UNSUCCESSFUL;
    if (NT_SUCCESS(Status))
        ObpGrantHandleAccess(Object, AccessState, DesiredAccess, ProbeMode, OpenReason, GrantedAccess, &Status);
    if (NT_SUCCESS(Status) && Type->TypeInfo.MaintainHandleCount)
        Status = ObpIncrementHandleDataBase(Header, Process, &ProcessHandleCount);
    if (!NT_SUCCESS(Status)) {
        ObpReleaseObjectLock(Header);
        return Status;
    }
    if (Exclusive)
        OBJECT_HEADER_TO_QUOTA_INFO(Header)->ExclusiveProcess = Process;
    InterlockedIncrement64(&Header->HandleCount);
    __atomic_fetch_and(&Header->Flags, (UCHAR)~OB_FLAG_CREATE_INFO, __ATOMIC_RELEASE);
    ObpReleaseObjectLock(Header);
    ObpCountTypeHandle(Type);
    return ObpCallOpenProcedure(OpenReason, Process, Header, *GrantedAccess, ProcessHandleCount);
}

// Takes away one handle of Process to ObjectBody: the counts, the exclusive holder
// when the last handle goes, the type's close procedure, and the object's name when it
// was the last handle of a temporary object. At PASSIVE_LEVEL.
extern "C" VOID NTAPI ObpDecrementHandleCount(PVOID ObjectBody, PEPROCESS Process, ACCESS_MASK GrantedAccess,
                                              POBJECT_TYPE ObjectType)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(ObjectBody);
    ULONG ProcessHandleCount;
    ULONG SystemHandleCount = ObpDropHandleCount(Header, Process, &ProcessHandleCount);
    if (ObjectType->TypeInfo.CloseProcedure)
        ObjectType->TypeInfo.CloseProcedure(Process, ObjectBody, GrantedAccess, ProcessHandleCount,
                                            SystemHandleCount);
    ObpDeleteNameCheck(ObjectBody);
    InterlockedDecrement(reinterpret_cast<volatile LONG *>(&ObjectType->TotalNumberOfHandles));
}

// Creates a handle to Object for OpenReason in the current process's table (or the
// kernel table for OBJ_KERNEL_HANDLE): the type must match (STATUS_OBJECT_TYPE_MISMATCH),
// the handle is counted and its access decided (see ObpGrantHandleAccess), kept to the
// type's valid rights, AdditionalReferences are added, and the entry made
// (STATUS_INSUFFICIENT_RESOURCES if the table cannot grow). A lookup context left locked
// by an insertion is released once the handle is counted. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObpCreateHandle(OB_OPEN_REASON OpenReason, PVOID Object, POBJECT_TYPE Type,
                                          PACCESS_STATE AccessState, ACCESS_MASK DesiredAccess,
                                          ULONG AdditionalReferences, ULONG HandleAttributes,
                                          POBP_LOOKUP_CONTEXT Context, KPROCESSOR_MODE AccessMode,
                                          PVOID *ReturnedObject, PHANDLE ReturnedHandle)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    POBJECT_TYPE ObjectType = Header->Type;
    if (Type && ObjectType != Type) {
        if (Context)
            ObpReleaseLookupContext(Context);
        return STATUS_OBJECT_TYPE_MISMATCH;
    }
    KAPC_STATE ApcState;
    BOOLEAN Attached;
    BOOLEAN KernelHandle = ObpWantsKernelHandle(HandleAttributes, AccessMode);
    PHANDLE_TABLE Table = ObpTableForNewHandle(KernelHandle, &ApcState, &Attached);
    PEPROCESS Process = PsGetCurrentProcess();
    ACCESS_MASK GrantedAccess = 0;
    NTSTATUS Status = ObpIncrementHandleCount(Object, AccessState, DesiredAccess, AccessMode, HandleAttributes, Process,
                                              OpenReason, &GrantedAccess);
    if (Context)
        ObpReleaseLookupContext(Context);
    HANDLE Handle = NULL;
    if (NT_SUCCESS(Status)) {
        GrantedAccess &= ObjectType->TypeInfo.ValidAccessMask | ACCESS_SYSTEM_SECURITY;
        if (HandleAttributes & OBJ_PROTECT_CLOSE)
            GrantedAccess |= ObpAccessProtectCloseBit;
        if (AdditionalReferences)
            ObReferenceObjectEx(Object, (LONG)AdditionalReferences);
        HANDLE_TABLE_ENTRY NewEntry;
        NewEntry.Value = (ULONG_PTR)Header | (HandleAttributes & OBJ_HANDLE_ATTRIBUTES) | EXHANDLE_TABLE_ENTRY_LOCK_BIT;
        NewEntry.GrantedAccess = GrantedAccess;
        KeEnterCriticalRegion();
        Handle = ExCreateHandle(Table, &NewEntry);
        KeLeaveCriticalRegion();
        if (!Handle) {
            if (AdditionalReferences)
                ObDereferenceObjectEx(Object, (LONG)AdditionalReferences);
            ObpDecrementHandleCount(Object, Process, GrantedAccess, ObjectType);
            Status = STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    if (Attached)
        KeUnstackDetachProcess(&ApcState);
    if (!NT_SUCCESS(Status))
        return Status;
    *ReturnedHandle = KernelHandle ? ObMarkHandleAsKernelHandle(Handle) : Handle;
    if (AdditionalReferences && ReturnedObject)
        *ReturnedObject = Object;
    return STATUS_SUCCESS;
}

// Creates the creator's handle to a new object that needs no access check (no name,
// no required security). At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObpCreateUnnamedHandle(PVOID Object, ACCESS_MASK DesiredAccess, ULONG AdditionalReferences,
                                                 ULONG HandleAttributes, KPROCESSOR_MODE AccessMode,
                                                 PVOID *ReturnedObject, PHANDLE ReturnedHandle)
{
    return ObpCreateHandle(ObCreateHandle, Object, NULL, NULL, DesiredAccess, AdditionalReferences, HandleAttributes,
                           NULL, AccessMode, ReturnedObject, ReturnedHandle);
}

// Closes the locked entry Handle of HandleTable: the type may refuse
// (STATUS_HANDLE_NOT_CLOSABLE), a handle protected from close is refused to user mode
// and bugchecks INVALID_KERNEL_HANDLE for kernel mode unless the protection is
// ignored (process rundown). Then the entry goes, the counts drop, and the handle's
// reference. At PASSIVE_LEVEL in a critical region; unlocks the entry.
static NTSTATUS ObpCloseHandleTableEntry(PHANDLE_TABLE HandleTable, PHANDLE_TABLE_ENTRY HandleEntry, HANDLE Handle,
                                         KPROCESSOR_MODE AccessMode, BOOLEAN IgnoreHandleProtection)
{
    POBJECT_HEADER Header = ObpGetHandleObject(HandleEntry);
    POBJECT_TYPE Type = Header->Type;
    PVOID Body = &Header->Body;
    ACCESS_MASK GrantedAccess = HandleEntry->GrantedAccess;
    PEPROCESS Process = PsGetCurrentProcess();
    if (Type->TypeInfo.OkayToCloseProcedure &&
        !Type->TypeInfo.OkayToCloseProcedure(Process, Body, Handle, AccessMode)) {
        ExUnlockHandleTableEntry(HandleTable, HandleEntry);
        return STATUS_HANDLE_NOT_CLOSABLE;
    }
    if ((GrantedAccess & ObpAccessProtectCloseBit) && !IgnoreHandleProtection) {
        ExUnlockHandleTableEntry(HandleTable, HandleEntry);
        if (AccessMode == KernelMode)
            KeBugCheckEx(INVALID_KERNEL_HANDLE, (ULONG_PTR)Handle, 0, 0, 0);
        return STATUS_HANDLE_NOT_CLOSABLE;
    }
    ExDestroyHandle(HandleTable, Handle, HandleEntry);
    ObpDecrementHandleCount(Body, Process, GrantedAccess & ~ObpAccessProtectCloseBit, Type);
    ObDereferenceObject(Body);
    return STATUS_SUCCESS;
}

// Closes a handle of the current process, or a kernel handle for a kernel-mode caller.
// An invalid handle is STATUS_INVALID_HANDLE, except that a kernel-mode caller (not
// terminating) naming a handle that is not one bugchecks INVALID_KERNEL_HANDLE, as
// NT does; NULL and the pseudo-handles are only invalid. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObpCloseHandle(HANDLE Handle, KPROCESSOR_MODE AccessMode)
{
    HANDLE Original = Handle;
    BOOLEAN KernelHandle = ObpIsKernelHandle(Handle, AccessMode);
    PETHREAD Thread = PsGetCurrentThread();
    KAPC_STATE ApcState;
    BOOLEAN Attached = FALSE;
    if (KernelHandle && PsInitialSystemProcess && PsGetCurrentProcess() != PsInitialSystemProcess) {
        KeStackAttachProcess(&PsInitialSystemProcess->Pcb, &ApcState);
        Attached = TRUE;
    }
    PHANDLE_TABLE Table = ObpTableOfHandle(&Handle, AccessMode);
    NTSTATUS Status = STATUS_INVALID_HANDLE;
    KeEnterCriticalRegion();
    PHANDLE_TABLE_ENTRY Entry = Table ? ExMapHandleToPointer(Table, Handle) : NULL;
    if (Entry)
        Status = ObpCloseHandleTableEntry(Table, Entry, Handle, AccessMode, FALSE);
    KeLeaveCriticalRegion();
    if (Attached)
        KeUnstackDetachProcess(&ApcState);
    if (!Entry && AccessMode == KernelMode && !Thread->Terminated && Original && Original != NtCurrentProcess() &&
        Original != NtCurrentThread() && Handle)
        KeBugCheckEx(INVALID_KERNEL_HANDLE, (ULONG_PTR)Original, 1, 0, 0);
    return Status;
}

// Closes a handle on behalf of a caller in PreviousMode. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObCloseHandle(HANDLE Handle, KPROCESSOR_MODE PreviousMode)
{
    return ObpCloseHandle(Handle, PreviousMode);
}

// The close system service: closes a handle of the caller's previous mode. At
// PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtClose(HANDLE Handle)
{
    KI_USER_SERVICE(NtClose(Handle));
    return ObpCloseHandle(Handle, ExGetPreviousMode());
}

// Creates the kernel handle table, the System process's table. At PASSIVE_LEVEL
// while the object manager starts.
extern "C" NTSTATUS NTAPI ObpCreateKernelHandleTable(VOID)
{
    ObpKernelHandleTable = ExCreateHandleTable(NULL);
    if (!ObpKernelHandleTable)
        return STATUS_INSUFFICIENT_RESOURCES;
    return STATUS_SUCCESS;
}

// Reports and closes each handle left in a dying table (protected or not); the
// entry is locked.
static VOID NTAPI ObpCloseLeakedHandle(PHANDLE_TABLE_ENTRY HandleEntry, HANDLE Handle, PVOID Context)
{
    POBJECT_HEADER Header = ObpGetHandleObject(HandleEntry);
    DbgPrint("NtosShutdown: kernel handle %p to a %.*ls object %p was never closed\n", Handle,
             (int)(Header->Type->Name.Length / sizeof(WCHAR)), Header->Type->Name.Buffer, &Header->Body);
    ++*static_cast<ULONG *>(Context);
    ObpCloseHandleTableEntry(static_cast<PHANDLE_TABLE>(ObpKernelHandleTable), HandleEntry, Handle, KernelMode, TRUE);
}

// Closes the handles left in the kernel table (each a leak, reported) and destroys
// it; returns how many there were. At PASSIVE_LEVEL at shutdown.
extern "C" ULONG NTAPI ObpDestroyKernelHandleTable(VOID)
{
    ULONG Leaked = 0;
    if (!ObpKernelHandleTable)
        return 0;
    KeEnterCriticalRegion();
    ExSweepHandleTable(ObpKernelHandleTable, ObpCloseLeakedHandle, &Leaked);
    KeLeaveCriticalRegion();
    ExDestroyHandleTable(ObpKernelHandleTable, NULL);
    ObpKernelHandleTable = NULL;
    return Leaked;
}

// Takes a process's handle table for use, unless the process is being run down:
// NULL then, or if it has none. At PASSIVE_LEVEL.
extern "C" PHANDLE_TABLE NTAPI ObReferenceProcessHandleTable(PEPROCESS Process)
{
    if (!ExAcquireRundownProtection(&Process->RundownProtect))
        return NULL;
    PHANDLE_TABLE Table = Process->ObjectTable;
    if (!Table)
        ExReleaseRundownProtection(&Process->RundownProtect);
    return Table;
}

// Gives back a table taken by ObReferenceProcessHandleTable. At PASSIVE_LEVEL.
extern "C" VOID NTAPI ObDereferenceProcessHandleTable(PEPROCESS Process)
{
    ExReleaseRundownProtection(&Process->RundownProtect);
}

// The number of handles a process holds. At PASSIVE_LEVEL.
extern "C" ULONG NTAPI ObGetProcessHandleCount(PEPROCESS Process)
{
    PHANDLE_TABLE Table = ObReferenceProcessHandleTable(Process);
    if (!Table)
        return 0;
    ULONG Count = (ULONG)__atomic_load_n(&Table->HandleCount, __ATOMIC_RELAXED);
    ObDereferenceProcessHandleTable(Process);
    return Count;
}

// ExDupHandleTable's filter for a child: an inheritable handle is copied (the object
// referenced, counted as a handle of the child, the type's open procedure told);
// others are not. Unlocks the parent's entry, as the contract asks.
static BOOLEAN NTAPI ObpDuplicateHandleCallback(PEPROCESS Process, PHANDLE_TABLE HandleTable,
                                                PHANDLE_TABLE_ENTRY OldEntry, PHANDLE_TABLE_ENTRY HandleTableEntry)
{
    if (!(ObpReadHandleEntry(OldEntry) & OBJ_INHERIT)) {
        ExUnlockHandleTableEntry(HandleTable, OldEntry);
        return FALSE;
    }
    POBJECT_HEADER Header = ObpGetHandleObject(OldEntry);
    ObReferenceObject(&Header->Body);
    ExUnlockHandleTableEntry(HandleTable, OldEntry);
    POBJECT_TYPE Type = Header->Type;
    ULONG ProcessHandleCount = 0;
    ObpAcquireObjectLock(Header);
    NTSTATUS Status = STATUS_SUCCESS;
    if (Type->TypeInfo.MaintainHandleCount)
        Status = ObpIncrementHandleDataBase(Header, Process, &ProcessHandleCount);
    if (NT_SUCCESS(Status))
        InterlockedIncrement64(&Header->HandleCount);
    ObpReleaseObjectLock(Header);
    if (NT_SUCCESS(Status)) {
        ObpCountTypeHandle(Type);
        Status = ObpCallOpenProcedure(ObInheritHandle, Process, Header,
                                      HandleTableEntry->GrantedAccess & ~ObpAccessProtectCloseBit, ProcessHandleCount);
    }
    if (!NT_SUCCESS(Status)) {
        ObDereferenceObject(&Header->Body);
        return FALSE;
    }
    return TRUE;
}

// Gives a new process its handle table: a copy of the parent's inheritable handles
// at the same values, or an empty table without a parent. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObInitProcess(PEPROCESS Parent, PEPROCESS Process)
{
    PHANDLE_TABLE ParentTable = Parent ? ObReferenceProcessHandleTable(Parent) : NULL;
    if (Parent && !ParentTable)
        return STATUS_PROCESS_IS_TERMINATING;
    KeEnterCriticalRegion();
    PHANDLE_TABLE Table = ParentTable ? ExDupHandleTable(Process, ParentTable, ObpDuplicateHandleCallback, OBJ_INHERIT)
                                      : ExCreateHandleTable(Process);
    KeLeaveCriticalRegion();
    if (ParentTable)
        ObDereferenceProcessHandleTable(Parent);
    if (!Table)
        return STATUS_INSUFFICIENT_RESOURCES;
    Process->ObjectTable = Table;
    return STATUS_SUCCESS;
}

// ExSweepHandleTable's callback at process rundown: closes the handle whatever its
// protection. The entry is locked.
static VOID NTAPI ObpCloseHandleCallback(PHANDLE_TABLE_ENTRY HandleEntry, HANDLE Handle, PVOID Context)
{
    ObpCloseHandleTableEntry(static_cast<PHANDLE_TABLE>(Context), HandleEntry, Handle, UserMode, TRUE);
}

// Closes every handle of a process that is not being run down yet (a process
// terminated with no thread to exit), in its context; the table stays. At
// PASSIVE_LEVEL.
extern "C" VOID NTAPI ObClearProcessHandleTable(PEPROCESS Process)
{
    PHANDLE_TABLE Table = ObReferenceProcessHandleTable(Process);
    if (!Table)
        return;
    KAPC_STATE ApcState;
    KeStackAttachProcess(&Process->Pcb, &ApcState);
    KeEnterCriticalRegion();
    ExSweepHandleTable(Table, ObpCloseHandleCallback, Table);
    KeLeaveCriticalRegion();
    KeUnstackDetachProcess(&ApcState);
    ObDereferenceProcessHandleTable(Process);
}

// Closes every handle of a dying process and frees its table, once nobody still
// uses the table (the rundown). In the context of the process, at PASSIVE_LEVEL.
extern "C" VOID NTAPI ObKillProcess(PEPROCESS Process)
{
    ExWaitForRundownProtectionRelease(&Process->RundownProtect);
    PHANDLE_TABLE Table = Process->ObjectTable;
    Process->ObjectTable = NULL;
    // The System process's table is the kernel handle table, which outlives it.
    if (!Table || Table == ObpKernelHandleTable)
        return;
    KeEnterCriticalRegion();
    ExSweepHandleTable(Table, ObpCloseHandleCallback, Table);
    ASSERT(Table->HandleCount == 0);
    ExDestroyHandleTable(Table, NULL);
    KeLeaveCriticalRegion();
}

// The access state an object service works with: the caller's PassedAccessState, or
// Local made here for DesiredAccess under Mapping (ObpDoneWithAccessState gives it
// back). At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObpUseAccessState(PACCESS_STATE PassedAccessState, PACCESS_STATE Local,
                                           PAUX_ACCESS_DATA AuxData, ACCESS_MASK DesiredAccess,
                                           PGENERIC_MAPPING Mapping, PACCESS_STATE *AccessState)
{
    *AccessState = PassedAccessState;
    if (PassedAccessState)
        return STATUS_SUCCESS;
    NTSTATUS Status = SeCreateAccessState(Local, AuxData, DesiredAccess, Mapping);
    if (NT_SUCCESS(Status))
        *AccessState = Local;
    return Status;
}

// Deletes the access state ObpUseAccessState made, if it made one. At PASSIVE_LEVEL.
extern "C" VOID NTAPI ObpDoneWithAccessState(PACCESS_STATE AccessState, PACCESS_STATE Local)
{
    if (AccessState == Local)
        SeDeleteAccessState(Local);
}

// Gives a new object its security descriptor: from the explicit one it was created
// with, inheriting from its directory, or the creator's token defaults. At
// PASSIVE_LEVEL.
static NTSTATUS ObpAssignNewObjectSecurity(PVOID Object, PACCESS_STATE AccessState)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    POBJECT_HEADER_NAME_INFO NameInfo = OBJECT_HEADER_TO_NAME_INFO(Header);
    POBJECT_DIRECTORY Parent = NameInfo ? __atomic_load_n(&NameInfo->Directory, __ATOMIC_ACQUIRE) : NULL;
    PSECURITY_DESCRIPTOR ParentDescriptor = NULL;
    BOOLEAN MemoryAllocated = FALSE;
    if (Parent) {
        NTSTATUS Status = ObGetObjectSecurity(Parent, &ParentDescriptor, &MemoryAllocated);
        if (!NT_SUCCESS(Status))
            return Status;
    }
    NTSTATUS Status = ObAssignSecurity(AccessState, ParentDescriptor, Object, Header->Type);
    if (Parent)
        ObReleaseObjectSecurity(ParentDescriptor, MemoryAllocated);
    return Status;
}

// Enters a new object under its name (OBJ_OPENIF may find one already there: Found then
// differs from Object, STATUS_OBJECT_NAME_EXISTS) with Context keeping the directory
// locked. Without a name Found is Object. At PASSIVE_LEVEL.
static NTSTATUS ObpInsertObjectName(PVOID Object, PACCESS_STATE AccessState, POBP_LOOKUP_CONTEXT Context,
                                    PVOID *Found)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    POBJECT_CREATE_INFORMATION CreateInfo = Header->ObjectCreateInfo;
    POBJECT_HEADER_NAME_INFO NameInfo = OBJECT_HEADER_TO_NAME_INFO(Header);
    *Found = Object;
    ObpInitializeLookupContext(Context);
    if (!NameInfo || !NameInfo->Name.Buffer)
        return STATUS_SUCCESS;
    UNICODE_STRING Name = NameInfo->Name;
    RtlZeroMemory(&NameInfo->Name, sizeof(NameInfo->Name));
    NTSTATUS Status = ObpLookupObjectName(CreateInfo->RootDirectory, &Name, CreateInfo->Attributes, Header->Type,
                                          (Header->Flags & OB_FLAG_KERNEL_MODE) ? KernelMode : UserMode,
                                          CreateInfo->ParseContext, CreateInfo->SecurityQos, Object, AccessState,
                                          Context, Found);
    ObpFreeObjectNameBuffer(&Name);
    if (NT_SUCCESS(Status) && *Found == Object)
        ObDereferenceObject(Object); // the lookup's reference; the directory keeps its own
    return Status;
}

// Finishes inserting an object whose name (if any) is in place: its security
// descriptor, then the creator's handle holding ObjectPointerBias + 1 references, or
// without Handle only the bias references. A failure takes the name away again. At
// PASSIVE_LEVEL.
static NTSTATUS ObpFinishInsert(PVOID Object, PACCESS_STATE AccessState, ULONG ObjectPointerBias, PVOID *NewObject,
                                PHANDLE Handle, POBP_LOOKUP_CONTEXT Context)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    ULONG Attributes = Header->ObjectCreateInfo->Attributes;
    NTSTATUS Status = ObpAssignNewObjectSecurity(Object, AccessState);
    if (NT_SUCCESS(Status) && Handle)
        return ObpCreateHandle(ObCreateHandle, Object, NULL, AccessState, 0, ObjectPointerBias + 1, Attributes, Context,
                               ExGetPreviousMode(), NewObject, Handle);
    ObpReleaseLookupContext(Context);
    if (!NT_SUCCESS(Status)) {
        ObpDeleteNameCheck(Object);
        return Status;
    }
    __atomic_fetch_and(&Header->Flags, (UCHAR)~OB_FLAG_CREATE_INFO, __ATOMIC_RELEASE);
    if (ObjectPointerBias)
        ObReferenceObjectEx(Object, (LONG)ObjectPointerBias);
    if (NewObject)
        *NewObject = Object;
    return STATUS_SUCCESS;
}

// ObInsertObject for an object that has a name or whose type requires security: an
// access state, the name entered in its directory (or, with OBJ_OPENIF, the existing
// object opened instead: STATUS_OBJECT_NAME_EXISTS), OBJ_PERMANENT only with
// SeCreatePermanentPrivilege, a security descriptor, then the creator's handle.
// Consumes the creator's reference. At PASSIVE_LEVEL.
static NTSTATUS ObpInsertObjectWithSecurity(PVOID Object, PACCESS_STATE PassedAccessState, ACCESS_MASK DesiredAccess,
                                            ULONG ObjectPointerBias, PVOID *NewObject, PHANDLE Handle)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    POBJECT_CREATE_INFORMATION CreateInfo = Header->ObjectCreateInfo;
    ACCESS_STATE LocalAccessState;
    AUX_ACCESS_DATA AuxData;
    PACCESS_STATE AccessState;
    if (Handle)
        *Handle = NULL;
    NTSTATUS Status = ObpUseAccessState(PassedAccessState, &LocalAccessState, &AuxData, DesiredAccess,
                                        &Header->Type->TypeInfo.GenericMapping, &AccessState);
    if (NT_SUCCESS(Status) && (CreateInfo->Attributes & OBJ_PERMANENT) &&
        !SeSinglePrivilegeCheck(RtlConvertLongToLuid(SE_CREATE_PERMANENT_PRIVILEGE), CreateInfo->ProbeMode))
        Status = STATUS_PRIVILEGE_NOT_HELD;
    if (NT_SUCCESS(Status)) {
        AccessState->SecurityDescriptor = CreateInfo->SecurityDescriptor;
        OBP_LOOKUP_CONTEXT Context;
        PVOID Found;
        Status = ObpInsertObjectName(Object, AccessState, &Context, &Found);
        if (NT_SUCCESS(Status) && Found != Object) {
            NTSTATUS OpenStatus = Handle ? ObpCreateHandle(ObOpenHandle, Found, Header->Type, AccessState, 0,
                                                           ObjectPointerBias, CreateInfo->Attributes, NULL,
                                                           ExGetPreviousMode(), NewObject, Handle)
                                         : STATUS_INVALID_PARAMETER;
            if (!NT_SUCCESS(OpenStatus)) {
                ObDereferenceObject(Found);
                Status = OpenStatus;
            }
        } else if (NT_SUCCESS(Status)) {
            Status = ObpFinishInsert(Object, AccessState, ObjectPointerBias, NewObject, Handle, &Context);
        }
    }
    Header->ObjectCreateInfo = NULL;
    ObpFreeObjectCreateInformation(CreateInfo);
    ObpDoneWithAccessState(AccessState, &LocalAccessState);
    ObDereferenceObject(Object);
    return Status;
}

// Inserts a new object (made by ObCreateObject) and returns a handle to it, consuming
// the creator's reference: the handle holds it, plus ObjectPointerBias references
// returned through NewObject. If the insertion fails the object goes. An object with
// neither a name nor a type requiring security gets its handle without an access
// check; others go through ObpInsertObjectWithSecurity. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObInsertObject(PVOID Object, PACCESS_STATE PassedAccessState, ACCESS_MASK DesiredAccess,
                                         ULONG ObjectPointerBias, PVOID *NewObject, PHANDLE Handle)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    // Not new any more (inserted already, or opened by pointer before its insertion,
    // as by CID from a create-notify routine): refused as NT's checked build does, and
    // the creator's reference goes as with any failed insertion.
    if (!(Header->Flags & OB_FLAG_CREATE_INFO) || !Header->ObjectCreateInfo) {
        ObDereferenceObject(Object);
        return STATUS_INVALID_PARAMETER;
    }
    POBJECT_CREATE_INFORMATION CreateInfo = Header->ObjectCreateInfo;
    POBJECT_HEADER_NAME_INFO NameInfo = OBJECT_HEADER_TO_NAME_INFO(Header);
    if ((NameInfo && NameInfo->Name.Buffer) || Header->Type->TypeInfo.SecurityRequired)
        return ObpInsertObjectWithSecurity(Object, PassedAccessState, DesiredAccess, ObjectPointerBias, NewObject,
                                           Handle);
    if (!Handle) {
        ObDereferenceObject(Object);
        return STATUS_INVALID_PARAMETER;
    }
    *Handle = NULL;
    Header->ObjectCreateInfo = NULL;
    NTSTATUS Status = ObpCreateUnnamedHandle(Object, DesiredAccess, ObjectPointerBias + 1, CreateInfo->Attributes,
                                            ExGetPreviousMode(), NewObject, Handle);
    ObpFreeObjectCreateInformation(CreateInfo);
    ObDereferenceObject(Object);
    return Status;
}

// Opens a handle to an object the caller already points to, for AccessMode: the type
// must match, and the access asked is checked against the object's security. The
// handle holds a new reference. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObOpenObjectByPointer(PVOID Object, ULONG HandleAttributes, PACCESS_STATE PassedAccessState,
                                                ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                                KPROCESSOR_MODE AccessMode, PHANDLE Handle)
{
    *Handle = NULL;
    if (HandleAttributes & ~OBJ_VALID_KERNEL_ATTRIBUTES)
        return STATUS_INVALID_PARAMETER;
    NTSTATUS Status = ObReferenceObjectByPointer(Object, 0, ObjectType, AccessMode);
    if (!NT_SUCCESS(Status))
        return Status;
    POBJECT_TYPE Type = OBJECT_TO_OBJECT_HEADER(Object)->Type;
    ACCESS_STATE LocalAccessState;
    AUX_ACCESS_DATA AuxData;
    PACCESS_STATE AccessState;
    Status = ObpUseAccessState(PassedAccessState, &LocalAccessState, &AuxData, DesiredAccess,
                               &Type->TypeInfo.GenericMapping, &AccessState);
    if (NT_SUCCESS(Status))
        Status = ObpCreateHandle(ObOpenHandle, Object, ObjectType, AccessState, 0, 0, HandleAttributes, NULL,
                                 AccessMode, NULL, Handle);
    if (!NT_SUCCESS(Status))
        ObDereferenceObject(Object);
    ObpDoneWithAccessState(AccessState, &LocalAccessState);
    return Status;
}

// Opens a handle to the object ObjectAttributes names, for AccessMode: the name is
// looked up, the type must match, the access asked is checked. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObOpenObjectByName(POBJECT_ATTRIBUTES ObjectAttributes, POBJECT_TYPE ObjectType,
                                             KPROCESSOR_MODE AccessMode, PACCESS_STATE PassedAccessState,
                                             ACCESS_MASK DesiredAccess, PVOID ParseContext, PHANDLE Handle)
{
    *Handle = NULL;
    if (!ObjectAttributes)
        return STATUS_INVALID_PARAMETER;
    OBJECT_CREATE_INFORMATION CreateInfo;
    UNICODE_STRING Name;
    NTSTATUS Status = ObpCaptureObjectCreateInformation(ObjectAttributes, AccessMode, &CreateInfo, &Name);
    if (!NT_SUCCESS(Status))
        return Status;
    ACCESS_STATE LocalAccessState;
    AUX_ACCESS_DATA AuxData;
    PACCESS_STATE AccessState;
    OBP_LOOKUP_CONTEXT Context;
    PVOID Object = NULL;
    Status = ObpUseAccessState(PassedAccessState, &LocalAccessState, &AuxData, DesiredAccess,
                               ObjectType ? &ObjectType->TypeInfo.GenericMapping : NULL, &AccessState);
    if (NT_SUCCESS(Status))
        Status = ObpLookupObjectName(CreateInfo.RootDirectory, &Name, CreateInfo.Attributes, ObjectType, AccessMode,
                                     ParseContext, CreateInfo.SecurityQos, NULL, AccessState, &Context, &Object);
    ObpFreeObjectNameBuffer(&Name);
    ObpReleaseObjectCreateInformation(&CreateInfo);
    if (NT_SUCCESS(Status)) {
        if (!ObjectType)
            SeSetAccessStateGenericMapping(AccessState, &OBJECT_TO_OBJECT_HEADER(Object)->Type->TypeInfo.GenericMapping);
        Status = ObpCreateHandle(ObOpenHandle, Object, ObjectType, AccessState, 0, 0, CreateInfo.Attributes, NULL,
                                 AccessMode, NULL, Handle);
        if (!NT_SUCCESS(Status))
            ObDereferenceObject(Object);
    }
    ObpDoneWithAccessState(AccessState, &LocalAccessState);
    return Status;
}

// The close service called from kernel code: as NtClose with PreviousMode KernelMode
// for the call (a system call from the kernel). At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ZwClose(HANDLE Handle)
{
    return KiZwCall([&] { return NtClose(Handle); });
}

namespace {
struct OBP_SET_HANDLE_ATTRIBUTES_CONTEXT {
    POBJECT_HANDLE_ATTRIBUTE_INFORMATION Flags;
    BOOLEAN Found;
};
} // namespace

// Sets a handle's inheritance and protection from close (ObjectHandleFlagInformation)
// while its entry is locked; FALSE if the type forbids inheritance.
static BOOLEAN NTAPI ObpSetHandleAttributes(PHANDLE_TABLE_ENTRY HandleTableEntry, ULONG_PTR Context)
{
    auto *Set = reinterpret_cast<OBP_SET_HANDLE_ATTRIBUTES_CONTEXT *>(Context);
    POBJECT_HANDLE_ATTRIBUTE_INFORMATION Flags = Set->Flags;
    POBJECT_HEADER Header = ObpGetHandleObject(HandleTableEntry);
    Set->Found = TRUE;
    if (Flags->Inherit && (Header->Type->TypeInfo.InvalidAttributes & OBJ_INHERIT))
        return FALSE;
    ULONG_PTR Value = ObpReadHandleEntry(HandleTableEntry) & ~(ULONG_PTR)OBJ_INHERIT;
    __atomic_store_n(&HandleTableEntry->Value, Flags->Inherit ? (Value | OBJ_INHERIT) : Value, __ATOMIC_RELEASE);
    ACCESS_MASK Access = HandleTableEntry->GrantedAccess & ~ObpAccessProtectCloseBit;
    HandleTableEntry->GrantedAccess = Flags->ProtectFromClose ? (Access | ObpAccessProtectCloseBit) : Access;
    return TRUE;
}

// Changes a handle's inheritance and protection from close for a caller in
// PreviousMode: STATUS_INVALID_HANDLE for a handle the caller cannot name,
// STATUS_ACCESS_DENIED when the type refuses inheritance. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObSetHandleAttributes(HANDLE Handle, POBJECT_HANDLE_ATTRIBUTE_INFORMATION HandleFlags,
                                                KPROCESSOR_MODE PreviousMode)
{
    PHANDLE_TABLE Table = ObpTableOfHandle(&Handle, PreviousMode);
    if (!Table)
        return STATUS_INVALID_HANDLE;
    OBP_SET_HANDLE_ATTRIBUTES_CONTEXT Set = {HandleFlags, FALSE};
    if (ExChangeHandle(Table, Handle, ObpSetHandleAttributes, reinterpret_cast<ULONG_PTR>(&Set)))
        return STATUS_SUCCESS;
    return Set.Found ? STATUS_ACCESS_DENIED : STATUS_INVALID_HANDLE;
}

// Runs Routine(Context) in the context of Process (attached, unless it is current).
template <typename Routine> static auto ObpInProcess(PEPROCESS Process, Routine Body)
{
    if (Process == PsGetCurrentProcess())
        return Body();
    KAPC_STATE ApcState;
    KeStackAttachProcess(&Process->Pcb, &ApcState);
    auto Result = Body();
    KeUnstackDetachProcess(&ApcState);
    return Result;
}

// The access a duplicate gets, as NT decides it: the source's (DUPLICATE_SAME_ACCESS)
// or DesiredAccess with generic rights mapped, kept to the type's valid rights. More
// than the source had needs the object's security checked (*Checked), which only a
// type using the default security method allows: STATUS_ACCESS_DENIED otherwise.
static NTSTATUS ObpDuplicateAccess(POBJECT_TYPE Type, ACCESS_MASK SourceAccess, ACCESS_MASK DesiredAccess,
                                   ULONG Options, PACCESS_MASK TargetAccess, PBOOLEAN Checked)
{
    if (Options & DUPLICATE_SAME_ACCESS)
        DesiredAccess = SourceAccess;
    else if (DesiredAccess & GENERIC_ACCESS)
        RtlMapGenericMask(&DesiredAccess, &Type->TypeInfo.GenericMapping);
    *TargetAccess = DesiredAccess & (Type->TypeInfo.ValidAccessMask | ACCESS_SYSTEM_SECURITY);
    *Checked = (*TargetAccess & ~SourceAccess) != 0;
    if (*Checked && Type->TypeInfo.SecurityProcedure != SeDefaultObjectMethod)
        return STATUS_ACCESS_DENIED;
    return STATUS_SUCCESS;
}

// Makes, in TargetProcess, a new handle to Object (referenced by the caller, a
// reference the handle takes over on success) whose source handle is described by
// Source, for a caller in PreviousMode: access as ObpDuplicateAccess decides, the
// source's attributes (DUPLICATE_SAME_ATTRIBUTES) or HandleAttributes, a kernel handle
// only for kernel mode in the System process. At PASSIVE_LEVEL.
static NTSTATUS ObpCreateDuplicateHandle(PVOID Object, POBJECT_HANDLE_INFORMATION Source, PEPROCESS TargetProcess,
                                         ACCESS_MASK DesiredAccess, ULONG HandleAttributes, ULONG Options,
                                         KPROCESSOR_MODE PreviousMode, PHANDLE NewHandle)
{
    POBJECT_TYPE Type = OBJECT_TO_OBJECT_HEADER(Object)->Type;
    ACCESS_MASK TargetAccess;
    BOOLEAN Checked;
    NTSTATUS Status = ObpDuplicateAccess(Type, Source->GrantedAccess, DesiredAccess, Options, &TargetAccess, &Checked);
    if (!NT_SUCCESS(Status))
        return Status;
    if (Options & DUPLICATE_SAME_ATTRIBUTES)
        HandleAttributes = Source->HandleAttributes;
    if (TargetProcess != PsInitialSystemProcess)
        HandleAttributes &= ~OBJ_KERNEL_HANDLE;
    HandleAttributes &= OBJ_INHERIT | OBJ_PROTECT_CLOSE | OBJ_KERNEL_HANDLE;
    ACCESS_STATE AccessState;
    AUX_ACCESS_DATA AuxData;
    if (Checked) {
        Status = SeCreateAccessState(&AccessState, &AuxData, TargetAccess, &Type->TypeInfo.GenericMapping);
        if (!NT_SUCCESS(Status))
            return Status;
    }
    if (ObReferenceProcessHandleTable(TargetProcess)) {
        Status = ObpInProcess(TargetProcess, [&] {
            return ObpCreateHandle(ObDuplicateHandle, Object, NULL, Checked ? &AccessState : NULL, TargetAccess, 0,
                                   HandleAttributes, NULL, PreviousMode, NULL, NewHandle);
        });
        ObDereferenceProcessHandleTable(TargetProcess);
    } else {
        Status = STATUS_PROCESS_IS_TERMINATING;
    }
    if (Checked)
        SeDeleteAccessState(&AccessState);
    return Status;
}

// Makes, in TargetProcess, a handle to what SourceHandle names in SourceProcess, for a
// caller in PreviousMode (see ObpCreateDuplicateHandle); the new value goes to
// TargetHandle when given. DUPLICATE_CLOSE_SOURCE closes the source whatever happens;
// without a target that is all that can be asked (STATUS_INVALID_PARAMETER
// otherwise). At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObDuplicateObject(PEPROCESS SourceProcess, HANDLE SourceHandle, PEPROCESS TargetProcess,
                                            PHANDLE TargetHandle, ACCESS_MASK DesiredAccess, ULONG HandleAttributes,
                                            ULONG Options, KPROCESSOR_MODE PreviousMode)
{
    if (TargetHandle)
        *TargetHandle = NULL;
    if (Options & ~(DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS | DUPLICATE_SAME_ATTRIBUTES))
        return STATUS_INVALID_PARAMETER;
    if (!ObReferenceProcessHandleTable(SourceProcess))
        return STATUS_PROCESS_IS_TERMINATING;
    PVOID Object = NULL;
    OBJECT_HANDLE_INFORMATION Source;
    NTSTATUS Status = ObpInProcess(SourceProcess, [&] {
        return ObReferenceObjectByHandle(SourceHandle, 0, NULL, PreviousMode, &Object, &Source);
    });
    ObDereferenceProcessHandleTable(SourceProcess);
    if (!NT_SUCCESS(Status))
        return Status;
    HANDLE NewHandle = NULL;
    if (TargetProcess)
        Status = ObpCreateDuplicateHandle(Object, &Source, TargetProcess, DesiredAccess, HandleAttributes, Options,
                                          PreviousMode, &NewHandle);
    else if (!(Options & DUPLICATE_CLOSE_SOURCE))
        Status = STATUS_INVALID_PARAMETER;
    if (!TargetProcess || !NT_SUCCESS(Status))
        ObDereferenceObject(Object);
    if (Options & DUPLICATE_CLOSE_SOURCE)
        ObpInProcess(SourceProcess, [&] { return ObpCloseHandle(SourceHandle, PreviousMode); });
    if (NT_SUCCESS(Status) && TargetHandle)
        *TargetHandle = NewHandle;
    return Status;
}

// The duplicate-handle service: the source and target processes referenced with
// PROCESS_DUP_HANDLE, then ObDuplicateObject; a user-mode caller's TargetHandle is
// probed first. A target that cannot be referenced still lets DUPLICATE_CLOSE_SOURCE
// close the source, and its status is returned, as NT does. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtDuplicateObject(HANDLE SourceProcessHandle, HANDLE SourceHandle,
                                            HANDLE TargetProcessHandle, PHANDLE TargetHandle,
                                            ACCESS_MASK DesiredAccess, ULONG HandleAttributes, ULONG Options)
{
    KI_USER_SERVICE(NtDuplicateObject(SourceProcessHandle, SourceHandle, TargetProcessHandle, TargetHandle,
                                      DesiredAccess, HandleAttributes, Options));
    KPROCESSOR_MODE PreviousMode = ExGetPreviousMode();
    NTSTATUS Status = ExpProbeForWriteCaller(TargetHandle, sizeof(HANDLE), 1);
    if (!NT_SUCCESS(Status))
        return Status;
    PEPROCESS SourceProcess;
    Status = ObReferenceObjectByHandle(SourceProcessHandle, PROCESS_DUP_HANDLE, *PsProcessType, PreviousMode,
                                                reinterpret_cast<PVOID *>(&SourceProcess), NULL);
    if (!NT_SUCCESS(Status))
        return Status;
    PEPROCESS TargetProcess = NULL;
    NTSTATUS TargetStatus = STATUS_SUCCESS;
    if (TargetProcessHandle)
        TargetStatus = ObReferenceObjectByHandle(TargetProcessHandle, PROCESS_DUP_HANDLE, *PsProcessType,
                                                 PreviousMode, reinterpret_cast<PVOID *>(&TargetProcess), NULL);
    if (!NT_SUCCESS(TargetStatus))
        TargetProcess = NULL;
    HANDLE NewHandle = NULL;
    Status = ObDuplicateObject(SourceProcess, SourceHandle, TargetProcess, &NewHandle, DesiredAccess,
                               HandleAttributes, Options, PreviousMode);
    // Windows ignores a fault writing the value (the handle exists); ReactOS returns it.
    if (TargetHandle)
        ExpCopyToCaller(TargetHandle, &NewHandle, sizeof(NewHandle));
    if (TargetProcess)
        ObDereferenceObject(TargetProcess);
    ObDereferenceObject(SourceProcess);
    return NT_SUCCESS(TargetStatus) ? Status : TargetStatus;
}

// NtDuplicateObject for kernel code: PreviousMode KernelMode. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ZwDuplicateObject(HANDLE SourceProcessHandle, HANDLE SourceHandle,
                                            HANDLE TargetProcessHandle, PHANDLE TargetHandle,
                                            ACCESS_MASK DesiredAccess, ULONG HandleAttributes, ULONG Options)
{
    return KiZwCall([&] {
        return NtDuplicateObject(SourceProcessHandle, SourceHandle, TargetProcessHandle, TargetHandle, DesiredAccess,
                                 HandleAttributes, Options);
    });
}
