/* ndk/obtypes.h - the object manager's structures (NT 5.2 layout): object types, the
 * object header and its optional parts, creation information. */
#ifndef _OBTYPES_H
#define _OBTYPES_H

#include "ntddk.h"
#include "ndk/extypes.h"

NT_EXTERN_C_BEGIN

#define OBJ_KERNEL_EXCLUSIVE 0x00010000L
#define OBJ_VALID_KERNEL_ATTRIBUTES (OBJ_VALID_ATTRIBUTES | OBJ_KERNEL_EXCLUSIVE)
#define OBJ_NAME_PATH_SEPARATOR ((WCHAR)L'\\')
#define OBJECT_TYPE_CREATE 0x0001
#define OBJECT_TYPE_ALL_ACCESS (STANDARD_RIGHTS_REQUIRED | 0x1)

/* OBJECT_HEADER.Flags */
#define OB_FLAG_CREATE_INFO 0x01
#define OB_FLAG_KERNEL_MODE 0x02
#define OB_FLAG_CREATOR_INFO 0x04
#define OB_FLAG_EXCLUSIVE 0x08
#define OB_FLAG_PERMANENT 0x10
#define OB_FLAG_SECURITY 0x20
#define OB_FLAG_SINGLE_PROCESS 0x40
#define OB_FLAG_DEFER_DELETE 0x80

typedef enum _OB_OPEN_REASON { ObCreateHandle, ObOpenHandle, ObDuplicateHandle, ObInheritHandle, ObMaxOpenReason } OB_OPEN_REASON;
typedef struct _OBJECT_NAME_INFORMATION {
    UNICODE_STRING Name;
} OBJECT_NAME_INFORMATION, *POBJECT_NAME_INFORMATION;
struct _ACCESS_STATE;
struct _SECURITY_QUALITY_OF_SERVICE;

typedef struct _OB_DUMP_CONTROL {
    PVOID Stream;
    ULONG Detail;
} OB_DUMP_CONTROL, *POB_DUMP_CONTROL;
typedef VOID(NTAPI *OB_DUMP_METHOD)(PVOID Object, POB_DUMP_CONTROL Control);
typedef NTSTATUS(NTAPI *OB_OPEN_METHOD)(OB_OPEN_REASON Reason, struct _EPROCESS *Process, PVOID ObjectBody,
                                        ACCESS_MASK GrantedAccess, ULONG HandleCount);
typedef VOID(NTAPI *OB_CLOSE_METHOD)(struct _EPROCESS *Process, PVOID Object, ACCESS_MASK GrantedAccess,
                                     ULONG ProcessHandleCount, ULONG SystemHandleCount);
typedef VOID(NTAPI *OB_DELETE_METHOD)(PVOID Object);
typedef NTSTATUS(NTAPI *OB_PARSE_METHOD)(PVOID ParseObject, PVOID ObjectType, struct _ACCESS_STATE *AccessState,
                                         KPROCESSOR_MODE AccessMode, ULONG Attributes, PUNICODE_STRING CompleteName,
                                         PUNICODE_STRING RemainingName, PVOID Context,
                                         struct _SECURITY_QUALITY_OF_SERVICE *SecurityQos, PVOID *Object);
typedef NTSTATUS(NTAPI *OB_SECURITY_METHOD)(PVOID Object, SECURITY_OPERATION_CODE OperationType,
                                            PSECURITY_INFORMATION SecurityInformation,
                                            PSECURITY_DESCRIPTOR SecurityDescriptor, PULONG CapturedLength,
                                            PSECURITY_DESCRIPTOR *ObjectSecurityDescriptor, POOL_TYPE PoolType,
                                            PGENERIC_MAPPING GenericMapping);
typedef NTSTATUS(NTAPI *OB_QUERYNAME_METHOD)(PVOID Object, BOOLEAN HasObjectName,
                                             POBJECT_NAME_INFORMATION ObjectNameInfo, ULONG Length,
                                             PULONG ReturnLength, KPROCESSOR_MODE AccessMode);
typedef BOOLEAN(NTAPI *OB_OKAYTOCLOSE_METHOD)(struct _EPROCESS *Process, PVOID Object, HANDLE Handle,
                                              KPROCESSOR_MODE AccessMode);

typedef struct _OBJECT_TYPE_INITIALIZER {
    USHORT Length;
    BOOLEAN UseDefaultObject;
    BOOLEAN CaseInsensitive;
    ULONG InvalidAttributes;
    GENERIC_MAPPING GenericMapping;
    ULONG ValidAccessMask;
    BOOLEAN SecurityRequired;
    BOOLEAN MaintainHandleCount;
    BOOLEAN MaintainTypeList;
    POOL_TYPE PoolType;
    ULONG DefaultPagedPoolCharge;
    ULONG DefaultNonPagedPoolCharge;
    OB_DUMP_METHOD DumpProcedure;
    OB_OPEN_METHOD OpenProcedure;
    OB_CLOSE_METHOD CloseProcedure;
    OB_DELETE_METHOD DeleteProcedure;
    OB_PARSE_METHOD ParseProcedure;
    OB_SECURITY_METHOD SecurityProcedure;
    OB_QUERYNAME_METHOD QueryNameProcedure;
    OB_OKAYTOCLOSE_METHOD OkayToCloseProcedure;
} OBJECT_TYPE_INITIALIZER, *POBJECT_TYPE_INITIALIZER;

typedef struct _OBJECT_TYPE {
    ERESOURCE Mutex;     /* guards TypeList */
    LIST_ENTRY TypeList; /* the creator infos of this type's objects (MaintainTypeList) */
    UNICODE_STRING Name;
    PVOID DefaultObject;
    ULONG Index;
    volatile ULONG TotalNumberOfObjects;
    volatile ULONG TotalNumberOfHandles;
    volatile ULONG HighWaterNumberOfObjects;
    volatile ULONG HighWaterNumberOfHandles;
    OBJECT_TYPE_INITIALIZER TypeInfo;
    ULONG Key; /* pool tag of its objects */
    ERESOURCE ObjectLocks[4];
} OBJECT_TYPE;

typedef struct _OBJECT_CREATE_INFORMATION {
    ULONG Attributes;
    HANDLE RootDirectory;
    PVOID ParseContext;
    KPROCESSOR_MODE ProbeMode;
    ULONG PagedPoolCharge;
    ULONG NonPagedPoolCharge;
    ULONG SecurityDescriptorCharge;
    PSECURITY_DESCRIPTOR SecurityDescriptor;
    struct _SECURITY_QUALITY_OF_SERVICE *SecurityQos;
    SECURITY_QUALITY_OF_SERVICE SecurityQualityOfService; /* a user-mode caller's, captured */
} OBJECT_CREATE_INFORMATION, *POBJECT_CREATE_INFORMATION;

typedef struct _OBJECT_HEADER_NAME_INFO {
    struct _OBJECT_DIRECTORY *Directory;
    UNICODE_STRING Name;
    ULONG QueryReferences;
    ULONG Reserved2;
    ULONG DbgReferenceCount;
    ULONG64 Reserved3;
} OBJECT_HEADER_NAME_INFO, *POBJECT_HEADER_NAME_INFO;

typedef struct _OBJECT_HEADER_CREATOR_INFO {
    LIST_ENTRY TypeList;
    PVOID CreatorUniqueProcess;
    USHORT CreatorBackTraceIndex;
    USHORT Reserved;
} OBJECT_HEADER_CREATOR_INFO, *POBJECT_HEADER_CREATOR_INFO;

typedef struct _OBJECT_HEADER_QUOTA_INFO {
    ULONG PagedPoolCharge;
    ULONG NonPagedPoolCharge;
    ULONG SecurityDescriptorCharge;
    struct _EPROCESS *ExclusiveProcess;
    ULONG64 Reserved;
} OBJECT_HEADER_QUOTA_INFO, *POBJECT_HEADER_QUOTA_INFO;

/* The per-process handle counts of an object whose type maintains them: one entry
 * while a single process holds handles (OB_FLAG_SINGLE_PROCESS), then a database. */
typedef struct _OBJECT_HANDLE_COUNT_ENTRY {
    struct _EPROCESS *Process;
    ULONG HandleCount;
} OBJECT_HANDLE_COUNT_ENTRY, *POBJECT_HANDLE_COUNT_ENTRY;

typedef struct _OBJECT_HANDLE_COUNT_DATABASE {
    ULONG CountEntries;
    OBJECT_HANDLE_COUNT_ENTRY HandleCountEntries[1];
} OBJECT_HANDLE_COUNT_DATABASE, *POBJECT_HANDLE_COUNT_DATABASE;

typedef struct _OBJECT_HEADER_HANDLE_INFO {
    union {
        POBJECT_HANDLE_COUNT_DATABASE HandleCountDataBase;
        OBJECT_HANDLE_COUNT_ENTRY SingleEntry;
    };
} OBJECT_HEADER_HANDLE_INFO, *POBJECT_HEADER_HANDLE_INFO;

typedef struct _OBJECT_HEADER {
    volatile LONG_PTR PointerCount;
    union {
        volatile LONG_PTR HandleCount;
        PVOID NextToFree; /* on the deferred-deletion list */
    };
    POBJECT_TYPE Type;
    UCHAR NameInfoOffset;
    UCHAR HandleInfoOffset;
    UCHAR QuotaInfoOffset;
    UCHAR Flags;
    union {
        POBJECT_CREATE_INFORMATION ObjectCreateInfo;
        PVOID QuotaBlockCharged;
    };
    PSECURITY_DESCRIPTOR SecurityDescriptor;
    LONGLONG Body;
} OBJECT_HEADER, *POBJECT_HEADER;

#define OBJECT_TO_OBJECT_HEADER(o) CONTAINING_RECORD((o), OBJECT_HEADER, Body)
#define OBJECT_HEADER_TO_NAME_INFO(h) \
    ((POBJECT_HEADER_NAME_INFO)(!(h)->NameInfoOffset ? NULL : ((PCHAR)(h) - (h)->NameInfoOffset)))
#define OBJECT_HEADER_TO_HANDLE_INFO(h) \
    ((POBJECT_HEADER_HANDLE_INFO)(!(h)->HandleInfoOffset ? NULL : ((PCHAR)(h) - (h)->HandleInfoOffset)))
#define OBJECT_HEADER_TO_QUOTA_INFO(h) \
    ((POBJECT_HEADER_QUOTA_INFO)(!(h)->QuotaInfoOffset ? NULL : ((PCHAR)(h) - (h)->QuotaInfoOffset)))
#define OBJECT_HEADER_TO_CREATOR_INFO(h)                                                              \
    ((POBJECT_HEADER_CREATOR_INFO)(!((h)->Flags & OB_FLAG_CREATOR_INFO) ? NULL                        \
                                                                          : ((PCHAR)(h) - sizeof(OBJECT_HEADER_CREATOR_INFO))))

/* Directories: 37 hash chains of entries, guarded by a push lock. */
#define NUMBER_HASH_BUCKETS 37
#define DIRECTORY_QUERY 0x0001
#define DIRECTORY_TRAVERSE 0x0002
#define DIRECTORY_CREATE_OBJECT 0x0004
#define DIRECTORY_CREATE_SUBDIRECTORY 0x0008
#define DIRECTORY_ALL_ACCESS (STANDARD_RIGHTS_REQUIRED | 0xF)

typedef struct _OBJECT_DIRECTORY_ENTRY {
    struct _OBJECT_DIRECTORY_ENTRY *ChainLink;
    PVOID Object;
    ULONG HashValue;
} OBJECT_DIRECTORY_ENTRY, *POBJECT_DIRECTORY_ENTRY;

typedef struct _OBJECT_DIRECTORY {
    POBJECT_DIRECTORY_ENTRY HashBuckets[NUMBER_HASH_BUCKETS];
    EX_PUSH_LOCK Lock;
    PVOID DeviceMap;
    ULONG SessionId;
} OBJECT_DIRECTORY, *POBJECT_DIRECTORY;

/* A lookup in progress: the directory (locked or not), the object found, and where
 * its name hashes, so an insertion or deletion can follow without hashing again. */
typedef struct _OBP_LOOKUP_CONTEXT {
    POBJECT_DIRECTORY Directory;
    PVOID Object;
    ULONG HashValue;
    USHORT HashIndex;
    BOOLEAN DirectoryLocked;
    BOOLEAN LockedExclusive;
    ULONG LockStateSignature;
} OBP_LOOKUP_CONTEXT, *POBP_LOOKUP_CONTEXT;

/* Symbolic links: a name that reparses to another. */
#define SYMBOLIC_LINK_QUERY 0x0001
#define SYMBOLIC_LINK_ALL_ACCESS (STANDARD_RIGHTS_REQUIRED | 0x1)

typedef struct _OBJECT_SYMBOLIC_LINK {
    LARGE_INTEGER CreationTime;
    UNICODE_STRING LinkTarget;
    UNICODE_STRING LinkTargetRemaining;
    PVOID LinkTargetObject;
    ULONG DosDeviceDriveIndex;
} OBJECT_SYMBOLIC_LINK, *POBJECT_SYMBOLIC_LINK;

NTKERNELAPI BOOLEAN FASTCALL ObReferenceObjectSafe(PVOID Object);
NTKERNELAPI NTSTATUS NTAPI ObCreateObjectType(PUNICODE_STRING TypeName, POBJECT_TYPE_INITIALIZER ObjectTypeInitializer,
                                              PVOID Reserved, POBJECT_TYPE *ObjectType);
NTKERNELAPI NTSTATUS NTAPI ObCreateObject(KPROCESSOR_MODE ProbeMode, POBJECT_TYPE ObjectType,
                                          POBJECT_ATTRIBUTES ObjectAttributes, KPROCESSOR_MODE AccessMode,
                                          PVOID ParseContext, ULONG ObjectSize, ULONG PagedPoolCharge,
                                          ULONG NonPagedPoolCharge, PVOID *Object);
/* NtSetInformationObject / NtQueryObject's ObjectHandleFlagInformation. */
typedef struct _OBJECT_HANDLE_ATTRIBUTE_INFORMATION {
    BOOLEAN Inherit;
    BOOLEAN ProtectFromClose;
} OBJECT_HANDLE_ATTRIBUTE_INFORMATION, *POBJECT_HANDLE_ATTRIBUTE_INFORMATION;

NTKERNELAPI NTSTATUS NTAPI ObSetHandleAttributes(HANDLE Handle, POBJECT_HANDLE_ATTRIBUTE_INFORMATION HandleFlags,
                                                 KPROCESSOR_MODE PreviousMode);
NTKERNELAPI NTSTATUS NTAPI ObInsertObject(PVOID Object, struct _ACCESS_STATE *PassedAccessState,
                                          ACCESS_MASK DesiredAccess, ULONG ObjectPointerBias, PVOID *NewObject,
                                          PHANDLE Handle);
NTKERNELAPI NTSTATUS NTAPI ObOpenObjectByName(POBJECT_ATTRIBUTES ObjectAttributes, POBJECT_TYPE ObjectType,
                                              KPROCESSOR_MODE AccessMode, struct _ACCESS_STATE *PassedAccessState,
                                              ACCESS_MASK DesiredAccess, PVOID ParseContext, PHANDLE Handle);
NTKERNELAPI NTSTATUS NTAPI ObReferenceObjectByName(PUNICODE_STRING ObjectPath, ULONG Attributes,
                                                   struct _ACCESS_STATE *PassedAccessState, ACCESS_MASK DesiredAccess,
                                                   POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode,
                                                   PVOID ParseContext, PVOID *Object);
extern NTKERNELAPI POBJECT_TYPE ObpTypeObjectType;

NT_EXTERN_C_END

#endif /* _OBTYPES_H */
