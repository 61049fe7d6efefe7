/* internal/ob.h - the object manager's private interface. */
#ifndef _INTERNAL_OB_H
#define _INTERNAL_OB_H

#include "ntddk.h"
#include "ndk/obtypes.h"

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

NT_EXTERN_C_END

#endif /* _INTERNAL_OB_H */
