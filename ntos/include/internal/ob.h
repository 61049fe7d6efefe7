/* internal/ob.h - the object manager's private interface. */
#ifndef _INTERNAL_OB_H
#define _INTERNAL_OB_H

#include "ntddk.h"
#include "ndk/obtypes.h"
#include "ndk/extypes.h"
#include "ndk/setypes.h"
#include "ex.h"

NT_EXTERN_C_BEGIN

#define OB_CREATE_INFO_TAG 'iCbO'
#define OB_NAME_TAG 'mNbO'
#define OB_HANDLE_DB_TAG 'dHbO'

/* A handle table entry's object word: the header, EXHANDLE_TABLE_ENTRY_LOCK_BIT, and
 * the handle attributes the entry keeps. Protection from close lives in the granted
 * access, in the MAXIMUM_ALLOWED bit no granted access ever has. */
#define OBJ_PROTECT_CLOSE 0x00000001L
#define OBJ_AUDIT_OBJECT_CLOSE 0x00000004L
#define OBJ_HANDLE_ATTRIBUTES (OBJ_INHERIT | OBJ_AUDIT_OBJECT_CLOSE)
#define ObpAccessProtectCloseBit MAXIMUM_ALLOWED
#define GENERIC_ACCESS (GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL)

/* Kernel handles (OBJ_KERNEL_HANDLE) live in the System process's table and carry the
 * sign bits, so user mode can never name one. */
#define KERNEL_HANDLE_FLAG ((ULONG_PTR)0xFFFFFFFF80000000ULL)
#define ObpIsKernelHandle(Handle, ProcessorMode) \
    ((((ULONG_PTR)(Handle) & KERNEL_HANDLE_FLAG) == KERNEL_HANDLE_FLAG) && ((ProcessorMode) == KernelMode) && \
     ((Handle) != NtCurrentProcess()) && ((Handle) != NtCurrentThread()))
#define ObKernelHandleToHandle(Handle) ((HANDLE)((ULONG_PTR)(Handle) & ~KERNEL_HANDLE_FLAG))
#define ObMarkHandleAsKernelHandle(Handle) ((HANDLE)((ULONG_PTR)(Handle) | KERNEL_HANDLE_FLAG))

/* The object word of a handle table entry the caller holds locked, read atomically
 * (other threads' lock attempts keep exchanging it). */
FORCEINLINE ULONG_PTR ObpReadHandleEntry(PHANDLE_TABLE_ENTRY HandleEntry)
{
    return __atomic_load_n(&HandleEntry->Value, __ATOMIC_ACQUIRE);
}

/* The object header an in-use handle table entry names. */
FORCEINLINE POBJECT_HEADER ObpGetHandleObject(PHANDLE_TABLE_ENTRY HandleEntry)
{
    return (POBJECT_HEADER)(ObpReadHandleEntry(HandleEntry) &
                            ~(ULONG_PTR)(EXHANDLE_TABLE_ENTRY_LOCK_BIT | OBJ_HANDLE_ATTRIBUTES));
}

/* obinit.cpp: phase 0 makes the object types, phase 1 (after security) the kernel
 * handle table and the namespace; shutdown undoes them in reverse, each returning how
 * many handles or objects were left (each reported). At PASSIVE_LEVEL. */
NTSTATUS NTAPI ObInitSystem(VOID);
NTSTATUS NTAPI ObpInitSystemPhase1(VOID);
ULONG NTAPI ObpShutdownSystemPhase1(VOID);
ULONG NTAPI ObShutdownSystem(VOID);
extern KEVENT ObpDefaultObject;

/* oblife.cpp */
NTSTATUS NTAPI ObpCaptureObjectName(PUNICODE_STRING CapturedName, PCUNICODE_STRING Name, KPROCESSOR_MODE ProbeMode);
VOID NTAPI ObpFreeObjectNameBuffer(PUNICODE_STRING Name);
NTSTATUS NTAPI ObpCaptureObjectCreateInformation(POBJECT_ATTRIBUTES ObjectAttributes, KPROCESSOR_MODE ProbeMode,
                                                 POBJECT_CREATE_INFORMATION CreateInfo, PUNICODE_STRING ObjectName);
VOID NTAPI ObpReleaseObjectCreateInformation(POBJECT_CREATE_INFORMATION CreateInfo);
VOID NTAPI ObpDeleteObject(PVOID Object, BOOLEAN CalledFromWorkerThread);
VOID NTAPI ObpReapObject(PVOID Parameter);
VOID NTAPI ObpFreeObjectCreateInformation(POBJECT_CREATE_INFORMATION CreateInfo);

/* obhandle.cpp */
extern PHANDLE_TABLE ObpKernelHandleTable;
PHANDLE_TABLE NTAPI ObpTableOfHandle(HANDLE *Handle, KPROCESSOR_MODE AccessMode);
NTSTATUS NTAPI ObpUseAccessState(PACCESS_STATE PassedAccessState, PACCESS_STATE Local, PAUX_ACCESS_DATA AuxData,
                                ACCESS_MASK DesiredAccess, PGENERIC_MAPPING Mapping, PACCESS_STATE *AccessState);
VOID NTAPI ObpDoneWithAccessState(PACCESS_STATE AccessState, PACCESS_STATE Local);
NTSTATUS NTAPI ObpCreateKernelHandleTable(VOID);
ULONG NTAPI ObpDestroyKernelHandleTable(VOID);
NTSTATUS NTAPI ObpCreateUnnamedHandle(PVOID Object, ACCESS_MASK DesiredAccess, ULONG AdditionalReferences,
                                      ULONG HandleAttributes, KPROCESSOR_MODE AccessMode, PVOID *ReturnedObject,
                                      PHANDLE ReturnedHandle);
NTSTATUS NTAPI ObpCloseHandle(HANDLE Handle, KPROCESSOR_MODE AccessMode);
VOID NTAPI ObpDecrementHandleCount(PVOID ObjectBody, struct _EPROCESS *Process, ACCESS_MASK GrantedAccess,
                                   POBJECT_TYPE ObjectType);
PHANDLE_TABLE NTAPI ObReferenceProcessHandleTable(struct _EPROCESS *Process);
VOID NTAPI ObDereferenceProcessHandleTable(struct _EPROCESS *Process);
NTSTATUS NTAPI ObInitProcess(struct _EPROCESS *Parent, struct _EPROCESS *Process);
VOID NTAPI ObKillProcess(struct _EPROCESS *Process);
VOID NTAPI ObClearProcessHandleTable(struct _EPROCESS *Process);
VOID NTAPI ObpAbandonObjectManager(VOID);
ULONG NTAPI ObGetProcessHandleCount(struct _EPROCESS *Process);
NTSTATUS NTAPI ObpCreateHandle(OB_OPEN_REASON OpenReason, PVOID Object, POBJECT_TYPE Type,
                               struct _ACCESS_STATE *AccessState, ACCESS_MASK DesiredAccess,
                               ULONG AdditionalReferences, ULONG HandleAttributes, POBP_LOOKUP_CONTEXT Context,
                               KPROCESSOR_MODE AccessMode, PVOID *ReturnedObject, PHANDLE ReturnedHandle);
NTSTATUS NTAPI ObDuplicateObject(struct _EPROCESS *SourceProcess, HANDLE SourceHandle,
                                 struct _EPROCESS *TargetProcess, PHANDLE TargetHandle, ACCESS_MASK DesiredAccess,
                                 ULONG HandleAttributes, ULONG Options, KPROCESSOR_MODE PreviousMode);

/* obdir.cpp */
extern POBJECT_TYPE ObpDirectoryObjectType;
extern POBJECT_DIRECTORY ObpRootDirectoryObject;
extern POBJECT_DIRECTORY ObpTypeDirectoryObject;
VOID NTAPI ObpInitializeLookupContext(POBP_LOOKUP_CONTEXT Context);
VOID NTAPI ObpAcquireDirectoryLock(POBJECT_DIRECTORY Directory, POBP_LOOKUP_CONTEXT Context, BOOLEAN Exclusive);
VOID NTAPI ObpReleaseDirectoryLock(POBP_LOOKUP_CONTEXT Context);
VOID NTAPI ObpReleaseLookupContext(POBP_LOOKUP_CONTEXT Context);
PVOID NTAPI ObpLookupEntryDirectory(POBJECT_DIRECTORY Directory, PCUNICODE_STRING Name, ULONG Attributes,
                                    POBP_LOOKUP_CONTEXT Context);
BOOLEAN NTAPI ObpInsertEntryDirectory(POBJECT_DIRECTORY Parent, POBP_LOOKUP_CONTEXT Context,
                                      POBJECT_HEADER ObjectHeader);
VOID NTAPI ObpDeleteEntryDirectory(POBP_LOOKUP_CONTEXT Context);
VOID NTAPI ObpDeleteDirectoryContents(POBJECT_DIRECTORY Directory);
NTSTATUS NTAPI ObpCreateDirectory(POBJECT_ATTRIBUTES ObjectAttributes, ACCESS_MASK DesiredAccess,
                                  KPROCESSOR_MODE AccessMode, PHANDLE DirectoryHandle);
BOOLEAN NTAPI ObpInsertTypeInDirectory(POBJECT_TYPE Type);

/* obname.cpp */
NTSTATUS NTAPI ObpLookupObjectName(HANDLE RootHandle, PUNICODE_STRING ObjectName, ULONG Attributes,
                                   POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode, PVOID ParseContext,
                                   struct _SECURITY_QUALITY_OF_SERVICE *SecurityQos, PVOID InsertObject,
                                   struct _ACCESS_STATE *AccessState, POBP_LOOKUP_CONTEXT LookupContext,
                                   PVOID *FoundObject);
VOID NTAPI ObpDeleteNameCheck(PVOID Object);

/* oblink.cpp */
extern POBJECT_TYPE ObpSymbolicLinkObjectType;
NTSTATUS NTAPI ObpCreateSymbolicLinkType(VOID);
NTSTATUS NTAPI ObpCreateSymbolicLink(POBJECT_ATTRIBUTES ObjectAttributes, ACCESS_MASK DesiredAccess,
                                     PCUNICODE_STRING LinkTarget, KPROCESSOR_MODE AccessMode, PHANDLE LinkHandle);
NTSTATUS NTAPI ObpQuerySymbolicLink(POBJECT_SYMBOLIC_LINK Link, PUNICODE_STRING LinkTarget, PULONG ResultLength);

/* obcheck.cpp: the fuzzer's object-manager oracle; returns the violations printed. */
ULONG NTAPI ObpCheckInvariants(VOID);

/* obref.cpp */
VOID NTAPI ObpDeferObjectDeletion(POBJECT_HEADER Header);
extern WORK_QUEUE_ITEM ObpReaperWorkItem;

/* ---- Object security (obsecure.cpp, obsdcach.cpp) and fast references (obref.cpp) ---- */
/* Fast references to objects (EX_FAST_REF, internal/ex.h) */
VOID FASTCALL ObInitializeFastReference(PEX_FAST_REF FastRef, PVOID Object);
PVOID FASTCALL ObFastReferenceObject(PEX_FAST_REF FastRef);
PVOID FASTCALL ObFastReferenceObjectLocked(PEX_FAST_REF FastRef);
VOID FASTCALL ObFastDereferenceObject(PEX_FAST_REF FastRef, PVOID Object);
PVOID FASTCALL ObFastReplaceObject(PEX_FAST_REF FastRef, PVOID Object);

/* The per-object lock (one of the type's ObjectLocks, chosen by the header's address):
 * guards the header's handle counts and security descriptor. At or below APC_LEVEL;
 * the holder is in a critical region. */
FORCEINLINE PERESOURCE ObpObjectLock(POBJECT_HEADER ObjectHeader)
{
    return &ObjectHeader->Type->ObjectLocks[((ULONG_PTR)ObjectHeader >> 8) % RTL_NUMBER_OF(ObjectHeader->Type->ObjectLocks)];
}
FORCEINLINE VOID ObpAcquireObjectLock(POBJECT_HEADER ObjectHeader)
{
    KeEnterCriticalRegion();
    ExAcquireResourceExclusiveLite(ObpObjectLock(ObjectHeader), TRUE);
}
FORCEINLINE VOID ObpAcquireObjectLockShared(POBJECT_HEADER ObjectHeader)
{
    KeEnterCriticalRegion();
    ExAcquireResourceSharedLite(ObpObjectLock(ObjectHeader), TRUE);
}
FORCEINLINE VOID ObpReleaseObjectLock(POBJECT_HEADER ObjectHeader)
{
    ExReleaseResourceLite(ObpObjectLock(ObjectHeader));
    KeLeaveCriticalRegion();
}

/* obsdcach.cpp: the security descriptor cache. Descriptors stored in object headers are
 * cached, shared and reference counted; OBJECT_HEADER.SecurityDescriptor is an
 * EX_FAST_REF to one. */
VOID NTAPI ObpInitSdCache(VOID);
PSECURITY_DESCRIPTOR NTAPI ObpReferenceSecurityDescriptor(POBJECT_HEADER ObjectHeader);

/* obsecure.cpp */
NTSTATUS NTAPI ObAssignObjectSecurityDescriptor(PVOID Object, PSECURITY_DESCRIPTOR SecurityDescriptor,
                                                POOL_TYPE PoolType);
NTSTATUS NTAPI ObDeassignSecurity(PSECURITY_DESCRIPTOR *SecurityDescriptor);
NTSTATUS NTAPI ObQuerySecurityDescriptorInfo(PVOID Object, PSECURITY_INFORMATION SecurityInformation,
                                             PSECURITY_DESCRIPTOR SecurityDescriptor, PULONG Length,
                                             PSECURITY_DESCRIPTOR *OutputSecurityDescriptor);
NTSTATUS NTAPI ObSetSecurityDescriptorInfo(PVOID Object, PSECURITY_INFORMATION SecurityInformation,
                                           PSECURITY_DESCRIPTOR SecurityDescriptor,
                                           PSECURITY_DESCRIPTOR *OutputSecurityDescriptor, POOL_TYPE PoolType,
                                           PGENERIC_MAPPING GenericMapping);
/* Checks AccessState's remaining desired access against Object's descriptor (no
 * descriptor: granted); granted rights move to PreviouslyGrantedAccess. LockHeld: the
 * caller holds the object's type lock. At PASSIVE_LEVEL. */
BOOLEAN NTAPI ObCheckObjectAccess(PVOID Object, PACCESS_STATE AccessState, BOOLEAN LockHeld,
                                  KPROCESSOR_MODE AccessMode, PNTSTATUS ReturnedStatus);
BOOLEAN NTAPI ObCheckCreateObjectAccess(PVOID Object, ACCESS_MASK CreateAccess, PACCESS_STATE AccessState,
                                        PUNICODE_STRING ComponentName, BOOLEAN LockHeld, KPROCESSOR_MODE AccessMode,
                                        PNTSTATUS AccessStatus);
/* ---- end of object security ---- */

NT_EXTERN_C_END

#endif /* _INTERNAL_OB_H */
