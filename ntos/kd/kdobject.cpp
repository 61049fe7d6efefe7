// kdobject.cpp - !object: an object's header in WinDbg's layout (type, header,
// handle and pointer counts, directory and name). The address must be an object the
// object manager knows: a live process or thread, an object some handle names, an
// object type, or an object with a name in the namespace.
#include "ke.h"
#include "ob.h"
#include "kd.h"
#include "ps.h"

namespace {

struct KD_OBJECT_SEARCH {
    POBJECT_HEADER Header;
    BOOLEAN NoLocks;
    BOOLEAN Found;
};

// A handle-table visitor: stops at an entry naming the object, referencing it with
// locks (the locked entry keeps it alive meanwhile).
BOOLEAN NTAPI KdpMatchHandle(PHANDLE_TABLE_ENTRY Entry, HANDLE Handle, PVOID Context)
{
    auto *Search = static_cast<KD_OBJECT_SEARCH *>(Context);
    if (ObpGetHandleObject(Entry) != Search->Header)
        return FALSE;
    if (!Search->NoLocks)
        ObReferenceObject(&Search->Header->Body);
    Search->Found = TRUE;
    return TRUE;
}

// Whether a handle of any live process (kernel handles are the System process's) names
// the object.
BOOLEAN KdpFindInHandleTables(KD_OBJECT_SEARCH *Search)
{
    BOOLEAN NoLocks = Search->NoLocks;
    PEPROCESS Process = NULL;
    while (!Search->Found && (Process = KdpNextProcess(Process, NoLocks))) {
        PHANDLE_TABLE Table = NoLocks ? __atomic_load_n(&Process->ObjectTable, __ATOMIC_ACQUIRE) : ObReferenceProcessHandleTable(Process);
        if (!Table)
            continue;
        KdpWalkHandleTable(Table, KdpMatchHandle, Search, NoLocks);
        if (!NoLocks)
            ObDereferenceProcessHandleTable(Process);
    }
    KdpEndProcessWalk(Process, NoLocks);
    return Search->Found;
}

// Whether the object is an object type (on the type of types' list).
BOOLEAN KdpFindInTypes(KD_OBJECT_SEARCH *Search)
{
    POBJECT_TYPE TypeOfTypes = ObpTypeObjectType;
    if (!TypeOfTypes)
        return FALSE;
    if (!Search->NoLocks) {
        KeEnterCriticalRegion();
        ExAcquireResourceSharedLite(&TypeOfTypes->Mutex, TRUE);
    }
    PLIST_ENTRY Head = &TypeOfTypes->TypeList;
    ULONG Count = 0;
    for (PLIST_ENTRY Entry = Head->Flink; Entry && Entry != Head && Count < 1024; Entry = Entry->Flink, Count++) {
        auto *Header = reinterpret_cast<POBJECT_HEADER>(CONTAINING_RECORD(Entry, OBJECT_HEADER_CREATOR_INFO, TypeList) + 1);
        if (Header == Search->Header) {
            Search->Found = TRUE; // types live until shutdown
            break;
        }
    }
    if (!Search->NoLocks) {
        ExReleaseResourceLite(&TypeOfTypes->Mutex);
        KeLeaveCriticalRegion();
    }
    return Search->Found;
}

constexpr ULONG kMaximumDirectoryDepth = 16;

// Whether the object is in Directory or a directory below it, referencing it with
// locks (each directory's lock held shared while it is searched).
BOOLEAN KdpFindInDirectory(KD_OBJECT_SEARCH *Search, POBJECT_DIRECTORY Directory, ULONG Depth)
{
    if (!Search->NoLocks) {
        KeEnterCriticalRegion();
        ExAcquirePushLockShared(&Directory->Lock);
    }
    for (ULONG Bucket = 0; Bucket < NUMBER_HASH_BUCKETS && !Search->Found; Bucket++) {
        ULONG Count = 0;
        for (POBJECT_DIRECTORY_ENTRY Entry = Directory->HashBuckets[Bucket]; Entry && !Search->Found && Count < (1u << 16);
             Entry = Entry->ChainLink, Count++) {
            if (OBJECT_TO_OBJECT_HEADER(Entry->Object) == Search->Header)
                Search->Found = Search->NoLocks || ObReferenceObjectSafe(Entry->Object);
            else if (OBJECT_TO_OBJECT_HEADER(Entry->Object)->Type == ObpDirectoryObjectType && Depth < kMaximumDirectoryDepth)
                KdpFindInDirectory(Search, static_cast<POBJECT_DIRECTORY>(Entry->Object), Depth + 1);
        }
    }
    if (!Search->NoLocks) {
        ExReleasePushLockShared(&Directory->Lock);
        KeLeaveCriticalRegion();
    }
    return Search->Found;
}

// Whether the object is the root directory or has a name in the namespace.
BOOLEAN KdpFindInNamespace(KD_OBJECT_SEARCH *Search)
{
    POBJECT_DIRECTORY Root = ObpRootDirectoryObject;
    if (!Root)
        return FALSE;
    if (OBJECT_TO_OBJECT_HEADER(Root) == Search->Header) {
        if (!Search->NoLocks)
            ObReferenceObject(Root); // the root lives until shutdown
        return Search->Found = TRUE;
    }
    return KdpFindInDirectory(Search, Root, 0);
}

// The object at Address if the object manager knows it, referenced with locks; NULL
// otherwise.
PVOID KdpFindObject(ULONG64 Address, BOOLEAN NoLocks)
{
    if (PEPROCESS Process = KdpFindProcess(Address, NoLocks)) {
        if ((ULONG64)(ULONG_PTR)Process == Address)
            return Process;
        KdpReleaseProcess(Process, NoLocks); // a PID is no object address
    }
    if (PETHREAD Thread = KdpFindThread(Address, NoLocks))
        return Thread;
    KD_OBJECT_SEARCH Search = {OBJECT_TO_OBJECT_HEADER((PVOID)(ULONG_PTR)Address), NoLocks, FALSE};
    if (KdpFindInHandleTables(&Search))
        return (PVOID)(ULONG_PTR)Address;
    if (KdpFindInTypes(&Search)) {
        if (!NoLocks)
            ObReferenceObject((PVOID)(ULONG_PTR)Address);
        return (PVOID)(ULONG_PTR)Address;
    }
    if (KdpFindInNamespace(&Search))
        return (PVOID)(ULONG_PTR)Address;
    return NULL;
}

} // namespace

// Prints an object's header as WinDbg's !object does: type, header, counts (less the
// OwnReferences the debugger holds), name. The object must be alive. Any IRQL.
extern "C" VOID NTAPI KdpDisplayObject(PVOID Object, PCSTR Indent, LONG OwnReferences)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    POBJECT_TYPE Type = Header->Type;
    DbgPrint("%sObject: %p  Type: (%p) %.*ls\n", Indent, Object, (PVOID)Type, Type ? (int)(Type->Name.Length / sizeof(WCHAR)) : 0,
             Type && Type->Name.Buffer ? Type->Name.Buffer : L"");
    DbgPrint("%s    ObjectHeader: %p (new version)\n", Indent, (PVOID)Header);
    DbgPrint("%s        HandleCount: %ld  PointerCount: %ld\n", Indent,
             (long)__atomic_load_n(&Header->HandleCount, __ATOMIC_RELAXED),
             (long)(__atomic_load_n(&Header->PointerCount, __ATOMIC_RELAXED) - OwnReferences));
    POBJECT_HEADER_NAME_INFO NameInfo = OBJECT_HEADER_TO_NAME_INFO(Header);
    if (NameInfo && NameInfo->Name.Length)
        DbgPrint("%s        Directory Object: %p  Name: %.*ls\n", Indent, (PVOID)NameInfo->Directory,
                 (int)(NameInfo->Name.Length / sizeof(WCHAR)), NameInfo->Name.Buffer);
}

// !object Address: the object's header, if Address is an object the object manager
// knows. At PASSIVE_LEVEL, or any IRQL with NoLocks.
extern "C" NTSTATUS NTAPI KdpObjectCommand(PKD_ARGUMENTS Arguments, BOOLEAN NoLocks)
{
    if (Arguments->Count != 1 || !Arguments->IsNumber[0] || !Arguments->Value[0]) {
        DbgPrint("kd: usage: !object Address\n");
        return STATUS_INVALID_PARAMETER;
    }
    PVOID Object = KdpFindObject(Arguments->Value[0], NoLocks);
    if (!Object) {
        DbgPrint("kd: %llx is not an object (no process, thread, handle, type or name is it)\n",
                 (unsigned long long)Arguments->Value[0]);
        return STATUS_INVALID_PARAMETER;
    }
    KdpDisplayObject(Object, "", NoLocks ? 0 : 1);
    if (!NoLocks)
        ObDereferenceObject(Object);
    return STATUS_SUCCESS;
}
