// oblife.cpp - an object's life: object types, creation (the captured attributes and
// the header with its optional name and creator parts), and deletion through the
// type's delete procedure.
#include "ke.h"
#include "ob.h"

POBJECT_TYPE ObpTypeObjectType;

namespace {

// The pool block of an object starts at its first optional header part.
PVOID ObpAllocationBase(POBJECT_HEADER Header)
{
    if (POBJECT_HEADER_QUOTA_INFO Quota = OBJECT_HEADER_TO_QUOTA_INFO(Header))
        return Quota;
    if (POBJECT_HEADER_HANDLE_INFO Handles = OBJECT_HEADER_TO_HANDLE_INFO(Header))
        return Handles;
    if (POBJECT_HEADER_NAME_INFO Name = OBJECT_HEADER_TO_NAME_INFO(Header))
        return Name;
    if (POBJECT_HEADER_CREATOR_INFO Creator = OBJECT_HEADER_TO_CREATOR_INFO(Header))
        return Creator;
    return Header;
}

// Frees an object's memory: its name, its creation information if never inserted,
// the block itself. The type's object count drops.
void ObpDeallocateObject(PVOID Object)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    POBJECT_TYPE Type = Header->Type;
    InterlockedDecrement(reinterpret_cast<volatile LONG *>(&Type->TotalNumberOfObjects));
    // Still attached when the object was never inserted (a handle opened by pointer
    // may have cleared OB_FLAG_CREATE_INFO first); insertion detaches it.
    if (Header->ObjectCreateInfo)
        ObpFreeObjectCreateInformation(Header->ObjectCreateInfo);
    POBJECT_HEADER_HANDLE_INFO HandleInfo = OBJECT_HEADER_TO_HANDLE_INFO(Header);
    if (HandleInfo && !(Header->Flags & OB_FLAG_SINGLE_PROCESS))
        ExFreePoolWithTag(HandleInfo->HandleCountDataBase, OB_HANDLE_DB_TAG);
    POBJECT_HEADER_NAME_INFO NameInfo = OBJECT_HEADER_TO_NAME_INFO(Header);
    if (NameInfo && NameInfo->Name.Buffer)
        ExFreePoolWithTag(NameInfo->Name.Buffer, OB_NAME_TAG);
    PVOID Base = ObpAllocationBase(Header);
    Header->Type = reinterpret_cast<POBJECT_TYPE>(static_cast<ULONG_PTR>(0xBAADB0B0BAADB0B0ULL));
    ExFreePoolWithTag(Base, Type->Key);
}

} // namespace

// Copies a caller's name into a pool buffer (OB_NAME_TAG) with a terminating NUL; an
// empty name gives an empty string. The UNICODE_STRING itself is already safe to read;
// a user-mode caller's buffer is probed and copied under SEH (a fault: its status). A
// name of odd byte length or without a buffer is STATUS_OBJECT_NAME_INVALID. At or
// below APC_LEVEL.
extern "C" NTSTATUS NTAPI ObpCaptureObjectName(PUNICODE_STRING CapturedName, PCUNICODE_STRING Name,
                                               KPROCESSOR_MODE ProbeMode)
{
    RtlZeroMemory(CapturedName, sizeof(*CapturedName));
    if (!Name || !Name->Length)
        return STATUS_SUCCESS;
    if ((Name->Length & (sizeof(WCHAR) - 1)) || !Name->Buffer || Name->Length > 0xFFFC)
        return STATUS_OBJECT_NAME_INVALID;
    auto *Buffer = static_cast<PWSTR>(ExAllocatePoolWithTag(PagedPool, Name->Length + sizeof(WCHAR), OB_NAME_TAG));
    if (!Buffer)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (ProbeMode == KernelMode) {
        RtlCopyMemory(Buffer, Name->Buffer, Name->Length);
    } else {
        NTSTATUS Status = ExpCaptureUserBuffer(Buffer, Name->Buffer, Name->Length, sizeof(WCHAR));
        if (!NT_SUCCESS(Status)) {
            ExFreePoolWithTag(Buffer, OB_NAME_TAG);
            return Status;
        }
    }
    Buffer[Name->Length / sizeof(WCHAR)] = UNICODE_NULL;
    CapturedName->Buffer = Buffer;
    CapturedName->Length = Name->Length;
    CapturedName->MaximumLength = (USHORT)(Name->Length + sizeof(WCHAR));
    return STATUS_SUCCESS;
}

// Frees a name ObpCaptureObjectName made (or a parse procedure put in its place).
extern "C" VOID NTAPI ObpFreeObjectNameBuffer(PUNICODE_STRING Name)
{
    if (Name->Buffer)
        ExFreePoolWithTag(Name->Buffer, OB_NAME_TAG);
    Name->Buffer = NULL;
    Name->Length = Name->MaximumLength = 0;
}

namespace {

// Reads a user-mode caller's OBJECT_ATTRIBUTES, and the UNICODE_STRING and quality of
// service it points at, into CreateInfo's and the caller's safe copies; Safe's name
// then points at SafeName. A fault is its status. At or below APC_LEVEL.
NTSTATUS ObpCaptureUserAttributes(POBJECT_ATTRIBUTES ObjectAttributes, POBJECT_ATTRIBUTES Safe,
                                  PUNICODE_STRING SafeName, POBJECT_CREATE_INFORMATION CreateInfo)
{
    NTSTATUS Status = ExpCaptureUserBuffer(Safe, ObjectAttributes, sizeof(*Safe), sizeof(ULONG));
    if (NT_SUCCESS(Status) && Safe->ObjectName) {
        Status = ExpCaptureUserBuffer(SafeName, Safe->ObjectName, sizeof(*SafeName), sizeof(ULONG));
        Safe->ObjectName = SafeName;
    }
    if (NT_SUCCESS(Status) && Safe->SecurityQualityOfService) {
        Status = ExpCaptureUserBuffer(&CreateInfo->SecurityQualityOfService, Safe->SecurityQualityOfService,
                                      sizeof(SECURITY_QUALITY_OF_SERVICE), sizeof(ULONG));
        Safe->SecurityQualityOfService = &CreateInfo->SecurityQualityOfService;
    }
    return Status;
}

} // namespace

// Copies a caller's OBJECT_ATTRIBUTES into CreateInfo, its security descriptor into a
// captured copy and its name into a pool buffer; a user-mode caller's (ProbeMode) are
// probed and read under SEH first. A wrong Length or attribute bits are
// STATUS_INVALID_PARAMETER, a bad descriptor its capture's status, a fault its status.
// A kernel-mode caller's quality of service is referenced, not copied.
// ObpReleaseObjectCreateInformation gives the descriptor back. At or below APC_LEVEL.
extern "C" NTSTATUS NTAPI ObpCaptureObjectCreateInformation(POBJECT_ATTRIBUTES ObjectAttributes,
                                                            KPROCESSOR_MODE ProbeMode,
                                                            POBJECT_CREATE_INFORMATION CreateInfo,
                                                            PUNICODE_STRING ObjectName)
{
    RtlZeroMemory(CreateInfo, sizeof(*CreateInfo));
    RtlZeroMemory(ObjectName, sizeof(*ObjectName));
    if (!ObjectAttributes)
        return STATUS_SUCCESS;
    OBJECT_ATTRIBUTES SafeAttributes;
    UNICODE_STRING SafeName;
    if (ProbeMode != KernelMode) {
        NTSTATUS Status = ObpCaptureUserAttributes(ObjectAttributes, &SafeAttributes, &SafeName, CreateInfo);
        if (!NT_SUCCESS(Status))
            return Status;
        ObjectAttributes = &SafeAttributes;
    }
    if (ObjectAttributes->Length != sizeof(OBJECT_ATTRIBUTES) ||
        (ObjectAttributes->Attributes & ~OBJ_VALID_KERNEL_ATTRIBUTES))
        return STATUS_INVALID_PARAMETER;
    CreateInfo->RootDirectory = ObjectAttributes->RootDirectory;
    CreateInfo->Attributes = ObjectAttributes->Attributes;
    CreateInfo->SecurityQos = static_cast<struct _SECURITY_QUALITY_OF_SERVICE *>(ObjectAttributes->SecurityQualityOfService);
    if (ObjectAttributes->SecurityDescriptor) {
        NTSTATUS Status = SeCaptureSecurityDescriptor(ObjectAttributes->SecurityDescriptor, ProbeMode, PagedPool,
                                                      TRUE, &CreateInfo->SecurityDescriptor);
        if (!NT_SUCCESS(Status))
            return Status;
    }
    NTSTATUS Status = ObpCaptureObjectName(ObjectName, ObjectAttributes->ObjectName, ProbeMode);
    if (!NT_SUCCESS(Status))
        ObpReleaseObjectCreateInformation(CreateInfo);
    return Status;
}

// Gives back what ObpCaptureObjectCreateInformation captured besides the name: the
// security descriptor. At or below APC_LEVEL.
extern "C" VOID NTAPI ObpReleaseObjectCreateInformation(POBJECT_CREATE_INFORMATION CreateInfo)
{
    if (CreateInfo->SecurityDescriptor) {
        SeReleaseSecurityDescriptor(CreateInfo->SecurityDescriptor, KernelMode, TRUE);
        CreateInfo->SecurityDescriptor = NULL;
    }
}

namespace {

// Whether an object needs the quota part of the header: its charges are not its
// type's defaults, or it may be opened exclusively.
BOOLEAN ObpNeedsQuotaInfo(POBJECT_CREATE_INFORMATION CreateInfo, POBJECT_TYPE Type)
{
    return CreateInfo && ((CreateInfo->Attributes & OBJ_EXCLUSIVE) ||
                          CreateInfo->PagedPoolCharge != Type->TypeInfo.DefaultPagedPoolCharge ||
                          CreateInfo->NonPagedPoolCharge != Type->TypeInfo.DefaultNonPagedPoolCharge);
}

// Allocates an object of Type with its header and the optional parts before it, in
// NT's order: quota (non-default charges or exclusive), handle counts (types that
// maintain them), name, creator (types that keep a list of their objects). The new
// object has one reference and owns CreateInfo and the name buffer.
NTSTATUS ObpAllocateObject(POBJECT_CREATE_INFORMATION CreateInfo, PUNICODE_STRING ObjectName, POBJECT_TYPE Type,
                           ULONG ObjectSize, KPROCESSOR_MODE OwnerMode, POBJECT_HEADER *ObjectHeader)
{
    SIZE_T QuotaSize = ObpNeedsQuotaInfo(CreateInfo, Type) ? sizeof(OBJECT_HEADER_QUOTA_INFO) : 0;
    SIZE_T HandleSize = Type->TypeInfo.MaintainHandleCount ? sizeof(OBJECT_HEADER_HANDLE_INFO) : 0;
    SIZE_T NameSize = ObjectName && ObjectName->Buffer ? sizeof(OBJECT_HEADER_NAME_INFO) : 0;
    SIZE_T CreatorSize = Type->TypeInfo.MaintainTypeList ? sizeof(OBJECT_HEADER_CREATOR_INFO) : 0;
    SIZE_T Parts = QuotaSize + HandleSize + NameSize + CreatorSize;
    SIZE_T Total = Parts + FIELD_OFFSET(OBJECT_HEADER, Body) + ObjectSize;
    auto *Base = static_cast<PCHAR>(ExAllocatePoolWithTag(Type->TypeInfo.PoolType, Total, Type->Key));
    if (!Base)
        return STATUS_INSUFFICIENT_RESOURCES;
    auto *Header = reinterpret_cast<POBJECT_HEADER>(Base + Parts);
    RtlZeroMemory(Base, Total - ObjectSize);
    if (QuotaSize) {
        auto *QuotaInfo = reinterpret_cast<POBJECT_HEADER_QUOTA_INFO>(Base);
        QuotaInfo->PagedPoolCharge = CreateInfo->PagedPoolCharge;
        QuotaInfo->NonPagedPoolCharge = CreateInfo->NonPagedPoolCharge;
        Header->QuotaInfoOffset = (UCHAR)Parts;
    }
    if (HandleSize) {
        Header->HandleInfoOffset = (UCHAR)(Parts - QuotaSize);
        Header->Flags |= OB_FLAG_SINGLE_PROCESS;
    }
    if (NameSize) {
        auto *NameInfo = reinterpret_cast<POBJECT_HEADER_NAME_INFO>(Base + QuotaSize + HandleSize);
        NameInfo->Name = *ObjectName;
        NameInfo->QueryReferences = 1;
        Header->NameInfoOffset = (UCHAR)(NameSize + CreatorSize);
    }
    if (CreatorSize) {
        auto *CreatorInfo = reinterpret_cast<POBJECT_HEADER_CREATOR_INFO>(Base + Parts - CreatorSize);
        InitializeListHead(&CreatorInfo->TypeList);
        Header->Flags |= OB_FLAG_CREATOR_INFO;
    }
    Header->PointerCount = 1;
    Header->Type = Type;
    Header->Flags |= OB_FLAG_CREATE_INFO;
    if (OwnerMode == KernelMode)
        Header->Flags |= OB_FLAG_KERNEL_MODE;
    if (CreateInfo && (CreateInfo->Attributes & OBJ_PERMANENT))
        Header->Flags |= OB_FLAG_PERMANENT;
    if (CreateInfo && (CreateInfo->Attributes & OBJ_EXCLUSIVE))
        Header->Flags |= OB_FLAG_EXCLUSIVE;
    Header->ObjectCreateInfo = CreateInfo;
    ULONG Count = InterlockedIncrement(reinterpret_cast<volatile LONG *>(&Type->TotalNumberOfObjects));
    ULONG High = __atomic_load_n(&Type->HighWaterNumberOfObjects, __ATOMIC_RELAXED);
    while (Count > High && !__atomic_compare_exchange_n(&Type->HighWaterNumberOfObjects, &High, Count, true,
                                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
    *ObjectHeader = Header;
    return STATUS_SUCCESS;
}

// Links a new object into its type's object list, if the type keeps one.
void ObpInsertIntoTypeList(POBJECT_HEADER Header)
{
    POBJECT_HEADER_CREATOR_INFO CreatorInfo = OBJECT_HEADER_TO_CREATOR_INFO(Header);
    if (!CreatorInfo)
        return;
    POBJECT_TYPE Type = Header->Type;
    KeEnterCriticalRegion();
    ExAcquireResourceExclusiveLite(&Type->Mutex, TRUE);
    InsertTailList(&Type->TypeList, &CreatorInfo->TypeList);
    ExReleaseResourceLite(&Type->Mutex);
    KeLeaveCriticalRegion();
}

// Finds an existing type by name (case-insensitive), walking the type list under
// ObpTypeObjectType's mutex.
BOOLEAN ObpTypeNameExists(PUNICODE_STRING TypeName)
{
    BOOLEAN Found = FALSE;
    KeEnterCriticalRegion();
    ExAcquireResourceSharedLite(&ObpTypeObjectType->Mutex, TRUE);
    for (PLIST_ENTRY Entry = ObpTypeObjectType->TypeList.Flink; !Found && Entry != &ObpTypeObjectType->TypeList;
         Entry = Entry->Flink) {
        auto *CreatorInfo = CONTAINING_RECORD(Entry, OBJECT_HEADER_CREATOR_INFO, TypeList);
        auto *Type = reinterpret_cast<POBJECT_TYPE>(&reinterpret_cast<POBJECT_HEADER>(CreatorInfo + 1)->Body);
        Found = RtlEqualUnicodeString(&Type->Name, TypeName, TRUE);
    }
    ExReleaseResourceLite(&ObpTypeObjectType->Mutex);
    KeLeaveCriticalRegion();
    return Found;
}

// Whether an object type initializer is one NT accepts.
BOOLEAN ObpValidTypeInitializer(POBJECT_TYPE_INITIALIZER Init)
{
    return Init && Init->Length == sizeof(*Init) && !(Init->InvalidAttributes & ~OBJ_VALID_KERNEL_ATTRIBUTES) &&
           !(Init->MaintainHandleCount && !Init->OpenProcedure && !Init->CloseProcedure) &&
           (Init->UseDefaultObject || Init->PoolType == NonPagedPool);
}

// The pool tag of a type's objects: the first four characters of its name.
ULONG ObpTypeKey(PUNICODE_STRING TypeName)
{
    ULONG Key = 0;
    for (ULONG I = 0; I < 4; I++) {
        WCHAR Char = I < TypeName->Length / sizeof(WCHAR) ? TypeName->Buffer[I] : L' ';
        Key |= (ULONG)(UCHAR)(Char < 0x80 ? Char : '?') << (8 * I);
    }
    return Key;
}

} // namespace

// Creates an object type named TypeName from an initializer. A missing or badly
// sized name or initializer is STATUS_INVALID_PARAMETER, a backslash in the name
// STATUS_OBJECT_NAME_INVALID, an existing name STATUS_OBJECT_NAME_COLLISION. At
// PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObCreateObjectType(PUNICODE_STRING TypeName, POBJECT_TYPE_INITIALIZER ObjectTypeInitializer,
                                             PVOID Reserved, POBJECT_TYPE *ObjectType)
{
    UNREFERENCED_PARAMETER(Reserved);
    if (!TypeName || !TypeName->Length || (TypeName->Length % sizeof(WCHAR)) || !TypeName->Buffer ||
        !ObpValidTypeInitializer(ObjectTypeInitializer))
        return STATUS_INVALID_PARAMETER;
    for (ULONG I = 0; I < TypeName->Length / sizeof(WCHAR); I++)
        if (TypeName->Buffer[I] == OBJ_NAME_PATH_SEPARATOR)
            return STATUS_OBJECT_NAME_INVALID;
    if (ObpTypeObjectType && ObpTypeNameExists(TypeName))
        return STATUS_OBJECT_NAME_COLLISION;

    UNICODE_STRING Name;
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, TypeName, OBJ_PERMANENT, NULL, NULL);
    auto *CreateInfo = static_cast<POBJECT_CREATE_INFORMATION>(
        ExAllocatePoolWithTag(NonPagedPool, sizeof(OBJECT_CREATE_INFORMATION), OB_CREATE_INFO_TAG));
    if (!CreateInfo)
        return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS Status = ObpCaptureObjectCreateInformation(&Attributes, KernelMode, CreateInfo, &Name);
    // The first type created is the type of types, and of itself.
    OBJECT_TYPE Bootstrap{};
    Bootstrap.Key = ObpTypeKey(TypeName);
    Bootstrap.TypeInfo.PoolType = NonPagedPool;
    Bootstrap.TypeInfo.MaintainTypeList = TRUE;
    POBJECT_TYPE TypeOfTypes = ObpTypeObjectType ? ObpTypeObjectType : &Bootstrap;
    POBJECT_HEADER Header = NULL;
    if (NT_SUCCESS(Status))
        Status = ObpAllocateObject(CreateInfo, &Name, TypeOfTypes, sizeof(OBJECT_TYPE), KernelMode, &Header);
    if (!NT_SUCCESS(Status)) {
        if (Name.Buffer)
            ExFreePoolWithTag(Name.Buffer, OB_NAME_TAG);
        ObpFreeObjectCreateInformation(CreateInfo);
        return Status;
    }
    auto *Type = reinterpret_cast<POBJECT_TYPE>(&Header->Body);
    RtlZeroMemory(Type, sizeof(*Type));
    Type->Name = OBJECT_HEADER_TO_NAME_INFO(Header)->Name;
    Type->TypeInfo = *ObjectTypeInitializer;
    Type->TypeInfo.PoolType = (POOL_TYPE)(ObjectTypeInitializer->PoolType & 7);
    if (!Type->TypeInfo.SecurityProcedure)
        Type->TypeInfo.SecurityProcedure = SeDefaultObjectMethod;
    Type->Key = ObpTypeKey(TypeName);
    Type->DefaultObject = ObjectTypeInitializer->UseDefaultObject ? &ObpDefaultObject : NULL;
    InitializeListHead(&Type->TypeList);
    ExInitializeResourceLite(&Type->Mutex);
    for (ERESOURCE &Lock : Type->ObjectLocks)
        ExInitializeResourceLite(&Lock);
    if (!ObpTypeObjectType) {
        ObpTypeObjectType = Type;
        Header->Type = Type;
        Type->TotalNumberOfObjects = Type->HighWaterNumberOfObjects = 1;
    }
    Type->Index = ObpTypeObjectType->TotalNumberOfObjects;
    // A type is never inserted with a handle: its creation information goes now.
    ObpFreeObjectCreateInformation(Header->ObjectCreateInfo);
    Header->ObjectCreateInfo = NULL;
    Header->Flags &= ~OB_FLAG_CREATE_INFO;
    ObpInsertIntoTypeList(Header);
    if (ObpTypeDirectoryObject && !ObpInsertTypeInDirectory(Type)) {
        ObDereferenceObject(Type);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    *ObjectType = Type;
    return STATUS_SUCCESS;
}

// Creates an object of ObjectType with ObjectSize bytes of body, not yet inserted (no
// handle, no name in the namespace): the caller holds its one reference. Attributes
// the type refuses are STATUS_INVALID_PARAMETER. Kernel-mode attributes only (user
// pointers are probed once user mode exists). At or below APC_LEVEL.
extern "C" NTSTATUS NTAPI ObCreateObject(KPROCESSOR_MODE ProbeMode, POBJECT_TYPE ObjectType,
                                         POBJECT_ATTRIBUTES ObjectAttributes, KPROCESSOR_MODE AccessMode,
                                         PVOID ParseContext, ULONG ObjectSize, ULONG PagedPoolCharge,
                                         ULONG NonPagedPoolCharge, PVOID *Object)
{
    auto *CreateInfo = static_cast<POBJECT_CREATE_INFORMATION>(
        ExAllocatePoolWithTag(NonPagedPool, sizeof(OBJECT_CREATE_INFORMATION), OB_CREATE_INFO_TAG));
    if (!CreateInfo)
        return STATUS_INSUFFICIENT_RESOURCES;
    UNICODE_STRING Name;
    NTSTATUS Status = ObpCaptureObjectCreateInformation(ObjectAttributes, ProbeMode, CreateInfo, &Name);
    if (NT_SUCCESS(Status) && (CreateInfo->Attributes & ObjectType->TypeInfo.InvalidAttributes))
        Status = STATUS_INVALID_PARAMETER;
    POBJECT_HEADER Header = NULL;
    if (NT_SUCCESS(Status)) {
        CreateInfo->ProbeMode = ProbeMode;
        CreateInfo->ParseContext = ParseContext;
        CreateInfo->PagedPoolCharge = PagedPoolCharge ? PagedPoolCharge : ObjectType->TypeInfo.DefaultPagedPoolCharge;
        CreateInfo->NonPagedPoolCharge =
            NonPagedPoolCharge ? NonPagedPoolCharge : ObjectType->TypeInfo.DefaultNonPagedPoolCharge;
        Status = ObpAllocateObject(CreateInfo, &Name, ObjectType, ObjectSize, AccessMode, &Header);
    }
    if (!NT_SUCCESS(Status)) {
        if (Name.Buffer)
            ExFreePoolWithTag(Name.Buffer, OB_NAME_TAG);
        ObpFreeObjectCreateInformation(CreateInfo);
        return Status;
    }
    ObpInsertIntoTypeList(Header);
    *Object = &Header->Body;
    return STATUS_SUCCESS;
}

// Frees captured creation information. At or below DISPATCH_LEVEL.
extern "C" VOID NTAPI ObpFreeObjectCreateInformation(POBJECT_CREATE_INFORMATION CreateInfo)
{
    ObpReleaseObjectCreateInformation(CreateInfo);
    ExFreePoolWithTag(CreateInfo, OB_CREATE_INFO_TAG);
}

// Deletes an object whose last reference went: out of its type's list, its security
// descriptor through the type's security procedure, the type's delete procedure, then
// its memory. At PASSIVE_LEVEL.
extern "C" VOID NTAPI ObpDeleteObject(PVOID Object, BOOLEAN CalledFromWorkerThread)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    POBJECT_TYPE Type = Header->Type;
    POBJECT_HEADER_CREATOR_INFO CreatorInfo = OBJECT_HEADER_TO_CREATOR_INFO(Header);
    if (CreatorInfo) {
        // Its links change when neighbours come and go: read them under the mutex only.
        KeEnterCriticalRegion();
        ExAcquireResourceExclusiveLite(&Type->Mutex, TRUE);
        if (!IsListEmpty(&CreatorInfo->TypeList))
            RemoveEntryList(&CreatorInfo->TypeList);
        ExReleaseResourceLite(&Type->Mutex);
        KeLeaveCriticalRegion();
    }
    if (Header->SecurityDescriptor)
        Type->TypeInfo.SecurityProcedure(Object, DeleteSecurityDescriptor, NULL, NULL, NULL, &Header->SecurityDescriptor,
                                         Type->TypeInfo.PoolType, NULL);
    if (Type->TypeInfo.DeleteProcedure) {
        if (!CalledFromWorkerThread)
            Header->Flags |= OB_FLAG_DEFER_DELETE;
        Type->TypeInfo.DeleteProcedure(Object);
    }
    ObpDeallocateObject(Object);
}

// Makes a permanent object temporary: it leaves the namespace now if it has no handle,
// else once its last handle closes. At PASSIVE_LEVEL.
extern "C" VOID NTAPI ObMakeTemporaryObject(PVOID Object)
{
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
    ObpAcquireObjectLock(Header);
    __atomic_fetch_and(&Header->Flags, (UCHAR)~OB_FLAG_PERMANENT, __ATOMIC_SEQ_CST);
    ObpReleaseObjectLock(Header);
    ObpDeleteNameCheck(Object);
}
