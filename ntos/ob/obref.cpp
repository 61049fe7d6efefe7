// obref.cpp - object references: the pointer count in the object header, deletion on
// the last dereference (deferred to a worker thread above PASSIVE_LEVEL), and
// referencing by pointer with a type check.
#include "ke.h"
#include "ob.h"
#include "ps.h"

WORK_QUEUE_ITEM ObpReaperWorkItem;
// Headers waiting for the reaper, linked through NextToFree. kObpReaperActive marks
// "the reaper is queued or running": only the push that finds the list empty queues it.
static PVOID volatile ObpReaperList;
static PVOID const kObpReaperActive = reinterpret_cast<PVOID>(1);

namespace {

// Bugchecks a pointer count driven below zero (a dereference without its reference).
[[noreturn]] void ObpBadDereference(POBJECT_HEADER Header, LONG_PTR NewCount)
{
    KeBugCheckEx(REFERENCE_BY_POINTER, reinterpret_cast<ULONG_PTR>(Header->Type),
                 reinterpret_cast<ULONG_PTR>(&Header->Body), (ULONG_PTR)Header->HandleCount, (ULONG_PTR)NewCount);
}

// Deletes an object whose last reference just went: now at PASSIVE_LEVEL, else by the
// reaper.
void ObpRemoveObject(POBJECT_HEADER Header)
{
    if (KeGetCurrentIrql() == PASSIVE_LEVEL)
        ObpDeleteObject(&Header->Body, FALSE);
    else
        ObpDeferObjectDeletion(Header);
}

// References the current process or thread for its pseudo-handle (NtCurrentProcess,
// NtCurrentThread), with the access it has to itself; FALSE for any other handle.
BOOLEAN ObpReferencePseudoHandle(HANDLE Handle, ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                 KPROCESSOR_MODE AccessMode, PVOID *Object,
                                 POBJECT_HANDLE_INFORMATION HandleInformation, PNTSTATUS Status)
{
    PVOID Target;
    POBJECT_TYPE Type;
    ACCESS_MASK GrantedAccess;
    if (Handle == NtCurrentProcess()) {
        PEPROCESS Process = PsGetCurrentProcess();
        Target = Process, Type = *PsProcessType, GrantedAccess = Process->GrantedAccess;
    } else if (Handle == NtCurrentThread()) {
        PETHREAD Thread = PsGetCurrentThread();
        Target = Thread, Type = *PsThreadType, GrantedAccess = Thread->GrantedAccess;
    } else {
        return FALSE;
    }
    if (ObjectType && ObjectType != Type)
        *Status = STATUS_OBJECT_TYPE_MISMATCH;
    else if (AccessMode != KernelMode && (DesiredAccess & ~GrantedAccess))
        *Status = STATUS_ACCESS_DENIED;
    else
        *Status = STATUS_SUCCESS;
    if (!NT_SUCCESS(*Status))
        return TRUE;
    ObReferenceObject(Target);
    if (HandleInformation) {
        HandleInformation->HandleAttributes = 0;
        HandleInformation->GrantedAccess = GrantedAccess;
    }
    *Object = Target;
    return TRUE;
}

} // namespace

// Adds a reference to an object; returns the new pointer count. Any IRQL.
extern "C" LONG_PTR FASTCALL ObfReferenceObject(PVOID Object)
{
    return InterlockedIncrement64(&OBJECT_TO_OBJECT_HEADER(Object)->PointerCount);
}

// Takes a reference unless the object is already on its way to deletion (its pointer
// count reached zero); returns whether it did. At or below DISPATCH_LEVEL.
extern "C" BOOLEAN FASTCALL ObReferenceObjectSafe(PVOID Object)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    LONG_PTR Count = __atomic_load_n(&Header->PointerCount, __ATOMIC_RELAXED);
    while (Count > 0) {
        if (__atomic_compare_exchange_n(&Header->PointerCount, &Count, Count + 1, FALSE, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            return TRUE;
    }
    return FALSE;
}

// Drops a reference; the last one deletes the object. Returns the new pointer count;
// below zero bugchecks REFERENCE_BY_POINTER. At or below DISPATCH_LEVEL.
extern "C" LONG_PTR FASTCALL ObfDereferenceObject(PVOID Object)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    LONG_PTR NewCount = InterlockedDecrement64(&Header->PointerCount);
    if (NewCount > 0)
        return NewCount;
    if (NewCount < 0)
        ObpBadDereference(Header, NewCount);
    ObpRemoveObject(Header);
    return 0;
}

// Adds Count references at once; returns the new pointer count. Any IRQL.
extern "C" LONG_PTR FASTCALL ObReferenceObjectEx(PVOID Object, LONG Count)
{
    return InterlockedExchangeAdd64(&OBJECT_TO_OBJECT_HEADER(Object)->PointerCount, Count) + Count;
}

// Drops Count references at once, deleting the object with the last; returns the new
// pointer count. At or below DISPATCH_LEVEL.
extern "C" LONG_PTR FASTCALL ObDereferenceObjectEx(PVOID Object, LONG Count)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    LONG_PTR NewCount = InterlockedExchangeAdd64(&Header->PointerCount, -(LONG64)Count) - Count;
    if (NewCount > 0)
        return NewCount;
    if (NewCount < 0)
        ObpBadDereference(Header, NewCount);
    ObpRemoveObject(Header);
    return 0;
}

// Drops a reference, always leaving a deletion to the reaper (for callers holding
// locks the delete procedure may take). At or below DISPATCH_LEVEL.
extern "C" VOID NTAPI ObDereferenceObjectDeferDelete(PVOID Object)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    LONG_PTR NewCount = InterlockedDecrement64(&Header->PointerCount);
    if (NewCount < 0)
        ObpBadDereference(Header, NewCount);
    if (NewCount == 0)
        ObpDeferObjectDeletion(Header);
}

// References an object the caller already points to. A user-mode caller must name its
// type right (STATUS_OBJECT_TYPE_MISMATCH otherwise); kernel-mode callers are trusted,
// as on NT, except that asking for a symbolic link must find one. At or below
// DISPATCH_LEVEL.
extern "C" NTSTATUS NTAPI ObReferenceObjectByPointer(PVOID Object, ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                                     KPROCESSOR_MODE AccessMode)
{
    UNREFERENCED_PARAMETER(DesiredAccess);
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    if (Header->Type != ObjectType && (AccessMode != KernelMode || (ObjectType && ObjectType == ObpSymbolicLinkObjectType)))
        return STATUS_OBJECT_TYPE_MISMATCH;
    InterlockedIncrement64(&Header->PointerCount);
    return STATUS_SUCCESS;
}

// Queues a dead object for the reaper work item, queueing the work item if the list
// was idle. Any IRQL up to DISPATCH_LEVEL.
extern "C" VOID NTAPI ObpDeferObjectDeletion(POBJECT_HEADER Header)
{
    PVOID Head = __atomic_load_n(&ObpReaperList, __ATOMIC_RELAXED);
    do {
        Header->NextToFree = Head;
    } while (!__atomic_compare_exchange_n(&ObpReaperList, &Head, Header, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
    if (Head == NULL)
        ExQueueWorkItem(&ObpReaperWorkItem, DelayedWorkQueue);
}

// The reaper work item: deletes queued objects until the list stays empty. At
// PASSIVE_LEVEL in a system worker thread.
extern "C" VOID NTAPI ObpReapObject(PVOID Parameter)
{
    UNREFERENCED_PARAMETER(Parameter);
    for (;;) {
        PVOID Batch = __atomic_exchange_n(&ObpReaperList, kObpReaperActive, __ATOMIC_ACQUIRE);
        while (Batch && Batch != kObpReaperActive) {
            auto *Header = static_cast<POBJECT_HEADER>(Batch);
            Batch = Header->NextToFree;
            ObpDeleteObject(&Header->Body, TRUE);
        }
        PVOID Expected = kObpReaperActive;
        if (__atomic_compare_exchange_n(&ObpReaperList, &Expected, NULL, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
            return;
    }
}

// References the object a handle names, for a caller in AccessMode: the handle must be
// the current process's (or a kernel handle, for kernel mode: STATUS_INVALID_HANDLE
// otherwise) or a pseudo-handle for the current process or thread, of ObjectType if one is given (STATUS_OBJECT_TYPE_MISMATCH), and grant
// DesiredAccess to a user-mode caller (STATUS_ACCESS_DENIED). Reports the handle's
// attributes and granted access. At or below APC_LEVEL.
extern "C" NTSTATUS NTAPI ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                                    KPROCESSOR_MODE AccessMode, PVOID *Object,
                                                    POBJECT_HANDLE_INFORMATION HandleInformation)
{
    *Object = NULL;
    NTSTATUS PseudoStatus;
    if (ObpReferencePseudoHandle(Handle, DesiredAccess, ObjectType, AccessMode, Object, HandleInformation,
                                 &PseudoStatus))
        return PseudoStatus;
    PHANDLE_TABLE Table = ObpTableOfHandle(&Handle, AccessMode);
    if (!Table)
        return STATUS_INVALID_HANDLE;
    KeEnterCriticalRegion();
    PHANDLE_TABLE_ENTRY Entry = ExMapHandleToPointer(Table, Handle);
    if (!Entry) {
        KeLeaveCriticalRegion();
        return STATUS_INVALID_HANDLE;
    }
    POBJECT_HEADER Header = ObpGetHandleObject(Entry);
    ACCESS_MASK GrantedAccess = Entry->GrantedAccess & ~ObpAccessProtectCloseBit;
    NTSTATUS Status = STATUS_SUCCESS;
    if (ObjectType && Header->Type != ObjectType)
        Status = STATUS_OBJECT_TYPE_MISMATCH;
    else if (AccessMode != KernelMode && (DesiredAccess & ~GrantedAccess))
        Status = STATUS_ACCESS_DENIED;
    if (NT_SUCCESS(Status)) {
        InterlockedIncrement64(&Header->PointerCount);
        if (HandleInformation) {
            HandleInformation->HandleAttributes = (ULONG)(ObpReadHandleEntry(Entry) & OBJ_HANDLE_ATTRIBUTES);
            if (Entry->GrantedAccess & ObpAccessProtectCloseBit)
                HandleInformation->HandleAttributes |= OBJ_PROTECT_CLOSE;
            HandleInformation->GrantedAccess = GrantedAccess;
        }
        *Object = &Header->Body;
    }
    ExUnlockHandleTableEntry(Table, Entry);
    KeLeaveCriticalRegion();
    return Status;
}

// References the object ObjectPath names (a full path from the root), for AccessMode:
// the type must match, and a user-mode caller must be granted DesiredAccess. At
// PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObReferenceObjectByName(PUNICODE_STRING ObjectPath, ULONG Attributes,
                                                  PACCESS_STATE PassedAccessState, ACCESS_MASK DesiredAccess,
                                                  POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode,
                                                  PVOID ParseContext, PVOID *ObjectPtr)
{
    *ObjectPtr = NULL;
    if (!ObjectPath || !ObjectPath->Length || !ObjectPath->Buffer)
        return STATUS_OBJECT_NAME_INVALID;
    UNICODE_STRING Name;
    NTSTATUS Status = ObpCaptureObjectName(&Name, ObjectPath, KernelMode);
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
        Status = ObpLookupObjectName(NULL, &Name, Attributes, ObjectType, AccessMode, ParseContext, NULL, NULL,
                                     AccessState, &Context, &Object);
    ObpFreeObjectNameBuffer(&Name);
    if (NT_SUCCESS(Status) && ObjectType && OBJECT_TO_OBJECT_HEADER(Object)->Type != ObjectType) {
        ObDereferenceObject(Object);
        Status = STATUS_OBJECT_TYPE_MISMATCH;
    }
    if (NT_SUCCESS(Status) && AccessMode != KernelMode) {
        POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
        ObpAcquireObjectLock(Header);
        BOOLEAN Granted = ObCheckObjectAccess(Object, AccessState, TRUE, AccessMode, &Status);
        ObpReleaseObjectLock(Header);
        if (!Granted) {
            ObDereferenceObject(Object);
            Object = NULL;
        }
    }
    if (NT_SUCCESS(Status))
        *ObjectPtr = Object;
    ObpDoneWithAccessState(AccessState, &LocalAccessState);
    return Status;
}

// Points a fast reference at Object, taking the MAX_FAST_REFS references its cache holds
// (the caller's own reference becomes the base one). At or below DISPATCH_LEVEL.
extern "C" VOID FASTCALL ObInitializeFastReference(PEX_FAST_REF FastRef, PVOID Object)
{
    if (Object)
        ObReferenceObjectEx(Object, MAX_FAST_REFS);
    ExInitializeFastReference(FastRef, Object);
}

// References the object a fast reference points to from its cache, refilling the cache
// when this took its last entry; NULL when the cache was empty (use the locked path).
// At or below DISPATCH_LEVEL.
extern "C" PVOID FASTCALL ObFastReferenceObject(PEX_FAST_REF FastRef)
{
    EX_FAST_REF OldValue = ExAcquireFastReference(FastRef);
    PVOID Object = ExGetObjectFastReference(OldValue);
    ULONG Count = ExGetCountFastReference(OldValue);
    if (!Object || !Count)
        return NULL;
    if (Count == 1) {
        ObReferenceObjectEx(Object, MAX_FAST_REFS);
        if (!ExInsertFastReference(FastRef, Object))
            ObDereferenceObjectEx(Object, MAX_FAST_REFS);
    }
    return Object;
}

// References the object a fast reference points to with a full reference; the caller
// holds the lock that keeps the pointer from changing. At or below APC_LEVEL.
extern "C" PVOID FASTCALL ObFastReferenceObjectLocked(PEX_FAST_REF FastRef)
{
    EX_FAST_REF Value;
    Value.Value = __atomic_load_n(&FastRef->Value, __ATOMIC_ACQUIRE);
    PVOID Object = ExGetObjectFastReference(Value);
    if (Object)
        ObReferenceObject(Object);
    return Object;
}

// Drops a reference taken with ObFastReferenceObject: back into the cache if it still
// points to Object and has room, else on the object. At or below DISPATCH_LEVEL.
extern "C" VOID FASTCALL ObFastDereferenceObject(PEX_FAST_REF FastRef, PVOID Object)
{
    if (!ExReleaseFastReference(FastRef, Object))
        ObDereferenceObject(Object);
}

// Points a fast reference at Object (taking its cache's references) and drops the
// cached references of the old object, which is returned with its base reference for
// the caller to drop. At or below APC_LEVEL.
extern "C" PVOID FASTCALL ObFastReplaceObject(PEX_FAST_REF FastRef, PVOID Object)
{
    if (Object)
        ObReferenceObjectEx(Object, MAX_FAST_REFS);
    EX_FAST_REF OldValue = ExSwapFastReference(FastRef, Object);
    PVOID OldObject = ExGetObjectFastReference(OldValue);
    ULONG Count = ExGetCountFastReference(OldValue);
    if (OldObject && Count)
        ObDereferenceObjectEx(OldObject, (LONG)Count);
    return OldObject;
}
