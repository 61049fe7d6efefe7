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

} // namespace

// Sets up the object manager: the default object, the reaper work item, the security
// descriptor cache, and the "Type" object type. At PASSIVE_LEVEL during phase 1.
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
    return ObCreateObjectType(&Name, &Initializer, NULL, &Type);
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
