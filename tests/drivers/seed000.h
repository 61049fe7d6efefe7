/* seed000.h - what the seed 000 driver and its user-mode service exchange, and the
 * driver's log of its sends. */
#ifndef SEED000_H
#define SEED000_H
#include <ntddk.h>

NT_EXTERN_C_BEGIN

#define SEED000_PORT_NAME L"\\Seed000Port"
#define SEED000_LOG_SIZE 32

typedef struct _SEED000_MESSAGE {
    HANDLE ParentId;
    HANDLE ProcessId;
    BOOLEAN Create;
} SEED000_MESSAGE;

typedef struct _SEED000_REPLY {
    ULONG Verdict;
} SEED000_REPLY;

typedef struct _SEED000_LOG {
    volatile LONG Count;
    struct {
        HANDLE ProcessId;
        BOOLEAN Create;
        NTSTATUS SendStatus;
        ULONG Verdict;
        NTSTATUS PlainWaitStatus;
    } Entries[SEED000_LOG_SIZE];
} SEED000_LOG;

extern SEED000_LOG Seed000Log;
NTSTATUS NTAPI Seed000DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);

NT_EXTERN_C_END

#endif
