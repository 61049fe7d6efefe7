/* The public headers compile as C11 with C linkage: a driver-style C file. */
#include "ntddk.h"
#include "ntifs.h"
#include "fltkernel.h"
#include "fltuser.h"
#include "ndk/ntndk.h"
#include "nthost.h"
#include "pseh/pseh2.h"

_Static_assert(sizeof(KIRQL) == 1, "KIRQL is a byte");
_Static_assert(sizeof(NTSTATUS) == 4, "NTSTATUS is 32 bits");
_Static_assert(sizeof(WCHAR) == sizeof(wchar_t), "WCHAR is the host wchar_t");
_Static_assert(FIELD_OFFSET(ETHREAD, Tcb) == 0, "ETHREAD starts with its KTHREAD");
_Static_assert(FIELD_OFFSET(EPROCESS, Pcb) == 0, "EPROCESS starts with its KPROCESS");
_Static_assert(sizeof(CONTEXT) == 0x4D0 && FIELD_OFFSET(CONTEXT, Rip) == 0xF8, "the AMD64 CONTEXT");
/* The WDK's x64 layouts of the notify and cancellable-wait structures drivers read. */
_Static_assert(FIELD_OFFSET(PS_CREATE_NOTIFY_INFO, CreatingThreadId) == 0x18, "PS_CREATE_NOTIFY_INFO layout");
_Static_assert(FIELD_OFFSET(PS_CREATE_NOTIFY_INFO, CreationStatus) == 0x40, "PS_CREATE_NOTIFY_INFO layout");
_Static_assert(sizeof(PS_CREATE_NOTIFY_INFO) == 0x48, "PS_CREATE_NOTIFY_INFO size");
_Static_assert(FIELD_OFFSET(IMAGE_INFO, ImageSize) == 0x18 && sizeof(IMAGE_INFO) == 0x28, "IMAGE_INFO layout");
_Static_assert(FIELD_OFFSET(IRP, IoStatus) == 0x30 && FIELD_OFFSET(IRP, Cancel) == 0x44, "IRP layout");
_Static_assert(FIELD_OFFSET(TEB, ProcessEnvironmentBlock) == 0x60, "TEB in NT 5.2 AMD64 order");
_Static_assert(FIELD_OFFSET(PEB, OSMajorVersion) == 0x118, "PEB in NT 5.2 AMD64 order");

static VOID NTAPI DriverStyleRoutine(PVOID Context)
{
    KEVENT Event;
    KIRQL OldIrql;
    UNICODE_STRING Name;
    KSPIN_LOCK Lock;
    KLOCK_QUEUE_HANDLE LockHandle;
    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
    KeLowerIrql(OldIrql);
    KeInitializeSpinLock(&Lock);
    KeAcquireInStackQueuedSpinLock(&Lock, &LockHandle);
    KeReleaseInStackQueuedSpinLock(&LockHandle);
    RtlInitUnicodeString(&Name, L"\\Device\\Hosted");
    *(ULONG *)Context = (ULONG)Name.Length + (ULONG)KeReadStateEvent(&Event) + (ULONG)Lock;
    _SEH2_TRY {
        ExRaiseStatus(STATUS_INVALID_PARAMETER);
    } _SEH2_EXCEPT(_SEH2_GetExceptionCode() == STATUS_INVALID_PARAMETER ? EXCEPTION_EXECUTE_HANDLER
                                                                         : EXCEPTION_CONTINUE_SEARCH) {
        *(ULONG *)Context += 1000;
    } _SEH2_END;
    _SEH2_TRY {
        *(volatile ULONG *)Context += *(volatile ULONG *)NULL;
    } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
        *(ULONG *)Context += (ULONG)(_SEH2_GetExceptionCode() == STATUS_ACCESS_VIOLATION) * 10000;
    } _SEH2_END;
    _SEH2_TRY {
        ProbeForRead(Context, sizeof(ULONG), sizeof(ULONG));
    } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
        *(ULONG *)Context += (ULONG)(_SEH2_GetExceptionCode() == STATUS_ACCESS_VIOLATION) * 100000;
    } _SEH2_END;
}

/* Called from the C++ test: runs C code inside the kernel. */
NTSTATUS HeadersRunCRoutine(PULONG Result)
{
    NTOS_BOOT_OPTIONS Options;
    NTSTATUS Status, ExitStatus;
    RtlZeroMemory(&Options, sizeof(Options));
    Options.Size = sizeof(Options);
    Options.Processors = 2;
    Options.Deterministic = TRUE;
    Options.Seed = 11;
    Status = NtosBoot(&Options);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = NtosRunSystemThread(DriverStyleRoutine, Result, &ExitStatus);
    if (NT_SUCCESS(Status))
        Status = ExitStatus;
    return NT_SUCCESS(Status) ? NtosShutdown() : Status;
}
