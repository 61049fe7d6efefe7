// sem.cpp - the executive's semaphore objects ("Semaphore"): a KSEMAPHORE body, and
// the services that create, open, release and query them.
#include "ke.h"
#include "ex.h"
#include "ob.h"
#include "pseh/pseh2.h"

POBJECT_TYPE ExpSemaphoreObjectType;
POBJECT_TYPE *ExSemaphoreObjectType = &ExpSemaphoreObjectType;

namespace {

GENERIC_MAPPING ExpSemaphoreMapping = {STANDARD_RIGHTS_READ | SEMAPHORE_QUERY_STATE,
                                       STANDARD_RIGHTS_WRITE | SEMAPHORE_MODIFY_STATE,
                                       STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE, SEMAPHORE_ALL_ACCESS};

} // namespace

// Releases a semaphore Count times; a release past its limit raises
// STATUS_SEMAPHORE_LIMIT_EXCEEDED, caught here and returned (the count unchanged). The
// previous count to *Previous. Wait as KeReleaseSemaphore's (a wait to follow: on
// success, returns at SYNCH_LEVEL with the dispatcher lock held). At or below
// DISPATCH_LEVEL.
extern "C" NTSTATUS NTAPI ExpReleaseSemaphore(PKSEMAPHORE Semaphore, LONG Count, BOOLEAN Wait, PLONG Previous)
{
    volatile NTSTATUS Status = STATUS_SUCCESS;
    volatile LONG Before = 0;
    _SEH2_TRY
    {
        Before = KeReleaseSemaphore(Semaphore, SEMAPHORE_INCREMENT, Count, Wait);
    }
    _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER)
    {
        Status = _SEH2_GetExceptionCode();
    }
    _SEH2_END;
    *Previous = Before;
    return Status;
}

// Creates the Semaphore object type. At PASSIVE_LEVEL in phase 1.
extern "C" NTSTATUS NTAPI ExpInitializeSemaphoreImplementation(VOID)
{
    return ExpCreateObjectType(L"Semaphore", &ExpSemaphoreMapping, SEMAPHORE_ALL_ACCESS, sizeof(KSEMAPHORE), NULL,
                               &ExpSemaphoreObjectType);
}

// Creates a semaphore with InitialCount and MaximumCount (0 <= InitialCount <=
// MaximumCount, MaximumCount > 0; otherwise STATUS_INVALID_PARAMETER) and returns a
// handle with DesiredAccess. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtCreateSemaphore(PHANDLE SemaphoreHandle, ACCESS_MASK DesiredAccess,
                                            POBJECT_ATTRIBUTES ObjectAttributes, LONG InitialCount,
                                            LONG MaximumCount)
{
    KI_USER_SERVICE(NtCreateSemaphore(SemaphoreHandle, DesiredAccess, ObjectAttributes, InitialCount, MaximumCount));
    if (MaximumCount <= 0 || InitialCount < 0 || InitialCount > MaximumCount)
        return STATUS_INVALID_PARAMETER;
    PKSEMAPHORE Semaphore;
    NTSTATUS Status = ExpCreateObject(ExpSemaphoreObjectType, ObjectAttributes, sizeof(KSEMAPHORE), SemaphoreHandle,
                                      reinterpret_cast<PVOID *>(&Semaphore));
    if (!NT_SUCCESS(Status))
        return Status;
    KeInitializeSemaphore(Semaphore, InitialCount, MaximumCount);
    return ExpInsertObject(Semaphore, DesiredAccess, SemaphoreHandle);
}

// Opens the semaphore ObjectAttributes names. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtOpenSemaphore(PHANDLE SemaphoreHandle, ACCESS_MASK DesiredAccess,
                                          POBJECT_ATTRIBUTES ObjectAttributes)
{
    KI_USER_SERVICE(NtOpenSemaphore(SemaphoreHandle, DesiredAccess, ObjectAttributes));
    return ExpOpenObject(ExpSemaphoreObjectType, ObjectAttributes, DesiredAccess, SemaphoreHandle);
}

// Adds ReleaseCount (> 0, else STATUS_INVALID_PARAMETER) to a semaphore's count, with
// SEMAPHORE_MODIFY_STATE; past its maximum is STATUS_SEMAPHORE_LIMIT_EXCEEDED. The
// previous count to PreviousCount. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtReleaseSemaphore(HANDLE SemaphoreHandle, LONG ReleaseCount, PLONG PreviousCount)
{
    KI_USER_SERVICE(NtReleaseSemaphore(SemaphoreHandle, ReleaseCount, PreviousCount));
    KPROCESSOR_MODE PreviousMode = ExGetPreviousMode();
    NTSTATUS Status = ExpProbeForWriteCaller(PreviousCount, sizeof(LONG), sizeof(LONG));
    if (!NT_SUCCESS(Status))
        return Status;
    if (ReleaseCount <= 0)
        return STATUS_INVALID_PARAMETER;
    PKSEMAPHORE Semaphore;
    Status = ObReferenceObjectByHandle(SemaphoreHandle, SEMAPHORE_MODIFY_STATE, ExpSemaphoreObjectType, PreviousMode,
                                       reinterpret_cast<PVOID *>(&Semaphore), NULL);
    if (!NT_SUCCESS(Status))
        return Status;
    LONG Previous;
    Status = ExpReleaseSemaphore(Semaphore, ReleaseCount, FALSE, &Previous);
    ObDereferenceObject(Semaphore);
    if (NT_SUCCESS(Status) && PreviousCount)
        Status = ExpCopyToCaller(PreviousCount, &Previous, sizeof(Previous));
    return Status;
}

// Returns a semaphore's count and maximum (SemaphoreBasicInformation, with
// SEMAPHORE_QUERY_STATE). At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtQuerySemaphore(HANDLE SemaphoreHandle,
                                           SEMAPHORE_INFORMATION_CLASS SemaphoreInformationClass,
                                           PVOID SemaphoreInformation, ULONG SemaphoreInformationLength,
                                           PULONG ReturnLength)
{
    KI_USER_SERVICE(NtQuerySemaphore(SemaphoreHandle, SemaphoreInformationClass, SemaphoreInformation,
                                     SemaphoreInformationLength, ReturnLength));
    if (SemaphoreInformationClass != SemaphoreBasicInformation)
        return STATUS_INVALID_INFO_CLASS;
    PKSEMAPHORE Semaphore;
    NTSTATUS Status = ObReferenceObjectByHandle(SemaphoreHandle, SEMAPHORE_QUERY_STATE, ExpSemaphoreObjectType,
                                                ExGetPreviousMode(), reinterpret_cast<PVOID *>(&Semaphore), NULL);
    if (!NT_SUCCESS(Status))
        return Status;
    SEMAPHORE_BASIC_INFORMATION Basic;
    Basic.CurrentCount = KeReadStateSemaphore(Semaphore);
    Basic.MaximumCount = Semaphore->Limit;
    ObDereferenceObject(Semaphore);
    return ExpReturnInformation(SemaphoreInformation, SemaphoreInformationLength, &Basic, sizeof(Basic),
                                ReturnLength);
}

// The Zw forms, for kernel code: PreviousMode KernelMode. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ZwCreateSemaphore(PHANDLE SemaphoreHandle, ACCESS_MASK DesiredAccess,
                                            POBJECT_ATTRIBUTES ObjectAttributes, LONG InitialCount,
                                            LONG MaximumCount)
{
    return KiZwCall([&] {
        return NtCreateSemaphore(SemaphoreHandle, DesiredAccess, ObjectAttributes, InitialCount, MaximumCount);
    });
}

extern "C" NTSTATUS NTAPI ZwOpenSemaphore(PHANDLE SemaphoreHandle, ACCESS_MASK DesiredAccess,
                                          POBJECT_ATTRIBUTES ObjectAttributes)
{
    return KiZwCall([&] { return NtOpenSemaphore(SemaphoreHandle, DesiredAccess, ObjectAttributes); });
}

extern "C" NTSTATUS NTAPI ZwReleaseSemaphore(HANDLE SemaphoreHandle, LONG ReleaseCount, PLONG PreviousCount)
{
    return KiZwCall([&] { return NtReleaseSemaphore(SemaphoreHandle, ReleaseCount, PreviousCount); });
}

extern "C" NTSTATUS NTAPI ZwQuerySemaphore(HANDLE SemaphoreHandle,
                                           SEMAPHORE_INFORMATION_CLASS SemaphoreInformationClass,
                                           PVOID SemaphoreInformation, ULONG SemaphoreInformationLength,
                                           PULONG ReturnLength)
{
    return KiZwCall([&] {
        return NtQuerySemaphore(SemaphoreHandle, SemaphoreInformationClass, SemaphoreInformation,
                                SemaphoreInformationLength, ReturnLength);
    });
}
