/* ntifs.h - the file-system kit header: a superset of ntddk.h. */
#ifndef _NTIFS_
#define _NTIFS_
#include "ntddk.h"

NT_EXTERN_C_BEGIN

/* ---- Kernel queues ---- */
NTKERNELAPI VOID NTAPI KeInitializeQueue(PRKQUEUE Queue, ULONG Count);
NTKERNELAPI LONG NTAPI KeInsertQueue(PRKQUEUE Queue, PLIST_ENTRY Entry);
NTKERNELAPI LONG NTAPI KeInsertHeadQueue(PRKQUEUE Queue, PLIST_ENTRY Entry);
NTKERNELAPI PLIST_ENTRY NTAPI KeRemoveQueue(PRKQUEUE Queue, KPROCESSOR_MODE WaitMode, PLARGE_INTEGER Timeout);
NTKERNELAPI ULONG NTAPI KeRemoveQueueEx(PRKQUEUE Queue, KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                                        PLARGE_INTEGER Timeout, PLIST_ENTRY *EntryArray, ULONG Count);
NTKERNELAPI PLIST_ENTRY NTAPI KeRundownQueue(PRKQUEUE Queue);
NTKERNELAPI LONG NTAPI KeReadStateQueue(PRKQUEUE Queue);

NT_EXTERN_C_END

#endif
