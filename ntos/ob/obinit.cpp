// obinit.cpp - starting and (hosted) stopping the object manager: the type of object
// types, the default object non-dispatcher objects are waited on through, the reaper.
#include "ke.h"
#include "ob.h"

KEVENT ObpDefaultObject;

namespace {

// The type of types' delete procedure: a type's locks go with it.
VOID NTAPI ObpDeleteObjectType(PVOID Object)
{
    auto *Type = static_cast<POBJECT_TYPE>(Object);
    ExDeleteResourceLite(&Type->Mutex);
    for (ERESOURCE &Lock : Type->ObjectLocks)
        ExDeleteResourceLite(&Lock);
}

// Reports the objects of Type still alive; returns their number.
ULONG ObpReportLiveObjects(POBJECT_TYPE Type)
{
    ULONG Alive = __atomic_load_n(&Type->TotalNumberOfObjects, __ATOMIC_ACQUIRE);
    if (Alive)
        DbgPrint("NtosShutdown: %u object(s) of type %.*ls still exist\n", Alive, (int)(Type->Name.Length / sizeof(WCHAR)),
                 Type->Name.Buffer);
    return Alive;
}

// Creates the "Directory" object type.
NTSTATUS ObpCreateDirectoryType()
{
    OBJECT_TYPE_INITIALIZER Init{};
    Init.Length = sizeof(Init);
    Init.UseDefaultObject = TRUE;
    Init.CaseInsensitive = TRUE;
    Init.PoolType = PagedPool;
    Init.GenericMapping = {STANDARD_RIGHTS_READ | DIRECTORY_QUERY | DIRECTORY_TRAVERSE,
                           STANDARD_RIGHTS_WRITE | DIRECTORY_CREATE_OBJECT | DIRECTORY_CREATE_SUBDIRECTORY,
                           STANDARD_RIGHTS_EXECUTE | DIRECTORY_QUERY | DIRECTORY_TRAVERSE, DIRECTORY_ALL_ACCESS};
    Init.ValidAccessMask = DIRECTORY_ALL_ACCESS;
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"Directory");
    return ObCreateObjectType(&Name, &Init, NULL, &ObpDirectoryObjectType);
}

// Creates a permanent directory (the root when Name is NULL) and returns it
// referenced.
NTSTATUS ObpCreateSystemDirectory(PCWSTR Name, POBJECT_DIRECTORY *Directory)
{
    UNICODE_STRING DirectoryName;
    RtlInitUnicodeString(&DirectoryName, Name);
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, Name ? &DirectoryName : NULL, OBJ_PERMANENT | OBJ_CASE_INSENSITIVE, NULL,
                               NULL);
    HANDLE Handle;
    NTSTATUS Status = ObpCreateDirectory(&Attributes, DIRECTORY_ALL_ACCESS, KernelMode, &Handle);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = ObReferenceObjectByHandle(Handle, 0, ObpDirectoryObjectType, KernelMode,
                                       reinterpret_cast<PVOID *>(Directory), NULL);
    ObCloseHandle(Handle, KernelMode);
    return Status;
}

// Names each existing object type in \ObjectTypes.
NTSTATUS ObpNameExistingTypes()
{
    KeEnterCriticalRegion();
    ExAcquireResourceSharedLite(&ObpTypeObjectType->Mutex, TRUE);
    BOOLEAN Named = TRUE;
    for (PLIST_ENTRY Entry = ObpTypeObjectType->TypeList.Flink; Named && Entry != &ObpTypeObjectType->TypeList;
         Entry = Entry->Flink) {
        auto *Header = reinterpret_cast<POBJECT_HEADER>(CONTAINING_RECORD(Entry, OBJECT_HEADER_CREATOR_INFO, TypeList) + 1);
        Named = ObpInsertTypeInDirectory(reinterpret_cast<POBJECT_TYPE>(&Header->Body));
    }
    ExReleaseResourceLite(&ObpTypeObjectType->Mutex);
    KeLeaveCriticalRegion();
    return Named ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

// The namespace NT starts with: the root, \ObjectTypes naming every type,
// \KernelObjects, \BaseNamedObjects and \Driver.
NTSTATUS ObpCreateNamespace()
{
    NTSTATUS Status = ObpCreateSystemDirectory(NULL, &ObpRootDirectoryObject);
    if (NT_SUCCESS(Status))
        Status = ObpCreateSystemDirectory(L"\\ObjectTypes", &ObpTypeDirectoryObject);
    if (NT_SUCCESS(Status))
        Status = ObpNameExistingTypes();
    static const PCWSTR Names[] = {L"\\KernelObjects", L"\\BaseNamedObjects", L"\\Driver"};
    POBJECT_DIRECTORY Directory;
    for (PCWSTR Name : Names) {
        if (NT_SUCCESS(Status))
            Status = ObpCreateSystemDirectory(Name, &Directory);
        if (NT_SUCCESS(Status))
            ObDereferenceObject(Directory);
    }
    return Status;
}

// Takes the namespace down at shutdown: every name goes, then the root.
void ObpDeleteNamespace()
{
    if (!ObpRootDirectoryObject)
        return;
    ObpDeleteDirectoryContents(ObpRootDirectoryObject);
    if (ObpTypeDirectoryObject)
        ObDereferenceObject(ObpTypeDirectoryObject);
    ObDereferenceObject(ObpRootDirectoryObject);
    ObpTypeDirectoryObject = NULL;
    ObpRootDirectoryObject = NULL;
}

} // namespace

// Sets up the object manager: the default object, the reaper work item, the security
// descriptor cache, the "Type", "Directory" and "SymbolicLink" types and the kernel
// handle table. At PASSIVE_LEVEL during phase 1.
extern "C" NTSTATUS NTAPI ObInitSystem(VOID)
{
    KeInitializeEvent(&ObpDefaultObject, NotificationEvent, TRUE);
    ExInitializeWorkItem(&ObpReaperWorkItem, ObpReapObject, NULL);
    ObpInitSdCache();
    OBJECT_TYPE_INITIALIZER Initializer{};
    Initializer.Length = sizeof(Initializer);
    Initializer.UseDefaultObject = TRUE;
    Initializer.MaintainTypeList = TRUE;
    Initializer.PoolType = NonPagedPool;
    Initializer.GenericMapping = {STANDARD_RIGHTS_READ, STANDARD_RIGHTS_WRITE, STANDARD_RIGHTS_EXECUTE,
                                  OBJECT_TYPE_ALL_ACCESS};
    Initializer.ValidAccessMask = OBJECT_TYPE_ALL_ACCESS;
    Initializer.DeleteProcedure = ObpDeleteObjectType;
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"Type");
    POBJECT_TYPE Type;
    NTSTATUS Status = ObCreateObjectType(&Name, &Initializer, NULL, &Type);
    if (NT_SUCCESS(Status))
        Status = ObpCreateDirectoryType();
    if (NT_SUCCESS(Status))
        Status = ObpCreateSymbolicLinkType();
    if (NT_SUCCESS(Status))
        Status = ObpCreateKernelHandleTable();
    return Status;
}

// The object manager's second phase, once security and the System process are up:
// the namespace. At PASSIVE_LEVEL during phase 1.
extern "C" NTSTATUS NTAPI ObpInitSystemPhase1(VOID)
{
    return ObpCreateNamespace();
}

// Undoes ObpInitSystemPhase1 at shutdown: closes the kernel handles left open (each a
// leak, reported) and takes the namespace down; returns the number of leaked handles.
// At PASSIVE_LEVEL, once nothing else runs.
extern "C" ULONG NTAPI ObpShutdownSystemPhase1(VOID)
{
    ULONG Leaked = ObpDestroyKernelHandleTable();
    ObpDeleteNamespace();
    return Leaked;
}

// Deletes every object type, the type of types last, reporting objects left alive;
// returns their number. At PASSIVE_LEVEL, once nothing else runs.
extern "C" ULONG NTAPI ObShutdownSystem(VOID)
{
    POBJECT_TYPE TypeOfTypes = ObpTypeObjectType;
    if (!TypeOfTypes)
        return 0;
    ULONG Alive = 0;
    PLIST_ENTRY Head = &TypeOfTypes->TypeList;
    for (;;) {
        PLIST_ENTRY Entry = Head->Blink; // the newest type first; the type of types is the oldest
        auto *Header = reinterpret_cast<POBJECT_HEADER>(CONTAINING_RECORD(Entry, OBJECT_HEADER_CREATOR_INFO, TypeList) + 1);
        auto *Type = reinterpret_cast<POBJECT_TYPE>(&Header->Body);
        if (Type == TypeOfTypes)
            break;
        Alive += ObpReportLiveObjects(Type);
        ObDereferenceObject(Type);
    }
    ObpTypeObjectType = NULL;
    ObDereferenceObject(TypeOfTypes);
    return Alive;
}

// The object manager of a machine that could not shut down: its objects are abandoned,
// not freed, and stay reachable here for the leak checkers.
static PVOID volatile ObpAbandoned[6];

// After a machine that could not shut down: forgets its object manager (the types, the
// namespace, the kernel handle table) so that the next boot makes a fresh one. On the
// host, once the machine has stopped.
extern "C" VOID NTAPI ObpAbandonObjectManager(VOID)
{
    PVOID *Globals[] = {reinterpret_cast<PVOID *>(&ObpTypeObjectType),
                        reinterpret_cast<PVOID *>(&ObpDirectoryObjectType),
                        reinterpret_cast<PVOID *>(&ObpSymbolicLinkObjectType),
                        reinterpret_cast<PVOID *>(&ObpRootDirectoryObject),
                        reinterpret_cast<PVOID *>(&ObpTypeDirectoryObject),
                        reinterpret_cast<PVOID *>(&ObpKernelHandleTable)};
    static_assert(sizeof(Globals) / sizeof(Globals[0]) == sizeof(ObpAbandoned) / sizeof(ObpAbandoned[0]));
    for (size_t i = 0; i < sizeof(Globals) / sizeof(Globals[0]); i++) {
        ObpAbandoned[i] = *Globals[i];
        *Globals[i] = NULL;
    }
}
