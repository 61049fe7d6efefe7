/* internal/ob.h - the object manager's private interface. */
#ifndef _INTERNAL_OB_H
#define _INTERNAL_OB_H

#include "ntddk.h"
#include "ndk/obtypes.h"
#include "ndk/setypes.h"
#include "ex.h"

NT_EXTERN_C_BEGIN

#define OB_CREATE_INFO_TAG 'iCbO'
#define OB_NAME_TAG 'mNbO'

/* obinit.cpp */
NTSTATUS NTAPI ObInitSystem(VOID);
/* Deletes the object types at shutdown; returns how many objects were left alive
 * (each reported by type). At PASSIVE_LEVEL, after the worker threads ended. */
ULONG NTAPI ObShutdownSystem(VOID);
extern KEVENT ObpDefaultObject;

/* oblife.cpp */
VOID NTAPI ObpDeleteObject(PVOID Object, BOOLEAN CalledFromWorkerThread);
VOID NTAPI ObpReapObject(PVOID Parameter);
VOID NTAPI ObpFreeObjectCreateInformation(POBJECT_CREATE_INFORMATION CreateInfo);

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
 * guards the header's security descriptor against a concurrent change. At or below
 * APC_LEVEL; the holder is in a critical region. */
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
