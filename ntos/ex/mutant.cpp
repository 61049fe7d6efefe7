// mutant.cpp - the executive's mutant objects ("Mutant"): a KMUTANT body, abandoned
// when its object goes while owned, and the services that create, open, release and
// query them.
#include "ke.h"
#include "ex.h"
#include "ob.h"
#include "ps.h"
#include "pseh/pseh2.h"

POBJECT_TYPE ExMutantObjectType;

namespace {

GENERIC_MAPPING ExpMutantMapping = {STANDARD_RIGHTS_READ | MUTANT_QUERY_STATE, STANDARD_RIGHTS_WRITE,
                                    STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE, MUTANT_ALL_ACCESS};

// The Mutant type's delete procedure: a mutant still owned is released as abandoned,
// so it leaves its owner's mutant list. At PASSIVE_LEVEL.
VOID NTAPI ExpDeleteMutant(PVOID Object)
{
    KeReleaseMutant(static_cast<PKMUTANT>(Object), MUTANT_INCREMENT, TRUE, FALSE);
}

// Returns a mutant's basic or owner information to the caller, read together under
// the dispatcher lock (an owner cannot go while it owns the mutant). At PASSIVE_LEVEL.
NTSTATUS ExpQueryMutant(PKMUTANT Mutant, MUTANT_INFORMATION_CLASS Class, PVOID Buffer, ULONG Length,
                        PULONG ReturnLength)
{
    MUTANT_BASIC_INFORMATION Basic;
    MUTANT_OWNER_INFORMATION OwnerInfo{};
    KIRQL OldIrql = KiAcquireDispatcherLock();
    PKTHREAD Owner = Mutant->OwnerThread;
    Basic.CurrentCount = KeReadStateMutant(Mutant);
    Basic.OwnedByCaller = Owner == KeGetCurrentThread();
    Basic.AbandonedState = Mutant->Abandoned;
    if (Owner)
        OwnerInfo.ClientId = CONTAINING_RECORD(Owner, ETHREAD, Tcb)->Cid;
    KiReleaseDispatcherLock(OldIrql);
    if (Class == MutantBasicInformation)
        return ExpReturnInformation(Buffer, Length, &Basic, sizeof(Basic), ReturnLength);
    return ExpReturnInformation(Buffer, Length, &OwnerInfo, sizeof(OwnerInfo), ReturnLength);
}

} // namespace

// Releases one level of the current thread's ownership of a mutant; a thread that does
// not own it gets STATUS_MUTANT_NOT_OWNED (STATUS_ABANDONED for an abandoned one), the
// raise caught here. The previous state to *Previous. Wait as KeReleaseMutant's. At or
// below DISPATCH_LEVEL.
extern "C" NTSTATUS NTAPI ExpReleaseMutant(PKMUTANT Mutant, BOOLEAN Wait, PLONG Previous)
{
    volatile NTSTATUS Status = STATUS_SUCCESS;
    volatile LONG Before = 0;
    _SEH2_TRY
    {
        Before = KeReleaseMutant(Mutant, MUTANT_INCREMENT, FALSE, Wait);
    }
    _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER)
    {
        Status = _SEH2_GetExceptionCode();
    }
    _SEH2_END;
    *Previous = Before;
    return Status;
}

// Creates the Mutant object type. At PASSIVE_LEVEL in phase 1.
extern "C" NTSTATUS NTAPI ExpInitializeMutantImplementation(VOID)
{
    return ExpCreateObjectType(L"Mutant", &ExpMutantMapping, MUTANT_ALL_ACCESS, sizeof(KMUTANT), ExpDeleteMutant,
                               &ExMutantObjectType);
}

// Creates a mutant, owned by the current thread when InitialOwner, and returns a
// handle with DesiredAccess. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtCreateMutant(PHANDLE MutantHandle, ACCESS_MASK DesiredAccess,
                                         POBJECT_ATTRIBUTES ObjectAttributes, BOOLEAN InitialOwner)
{
    KI_USER_SERVICE(NtCreateMutant(MutantHandle, DesiredAccess, ObjectAttributes, InitialOwner));
    PKMUTANT Mutant;
    NTSTATUS Status = ExpCreateObject(ExMutantObjectType, ObjectAttributes, sizeof(KMUTANT), MutantHandle,
                                      reinterpret_cast<PVOID *>(&Mutant));
    if (!NT_SUCCESS(Status))
        return Status;
    KeInitializeMutant(Mutant, InitialOwner);
    return ExpInsertObject(Mutant, DesiredAccess, MutantHandle);
}

// Opens the mutant ObjectAttributes names. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtOpenMutant(PHANDLE MutantHandle, ACCESS_MASK DesiredAccess,
                                       POBJECT_ATTRIBUTES ObjectAttributes)
{
    KI_USER_SERVICE(NtOpenMutant(MutantHandle, DesiredAccess, ObjectAttributes));
    return ExpOpenObject(ExMutantObjectType, ObjectAttributes, DesiredAccess, MutantHandle);
}

// Releases the current thread's ownership of a mutant once (any handle: ownership is
// the right); the previous count to PreviousCount. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtReleaseMutant(HANDLE MutantHandle, PLONG PreviousCount)
{
    KI_USER_SERVICE(NtReleaseMutant(MutantHandle, PreviousCount));
    KPROCESSOR_MODE PreviousMode = ExGetPreviousMode();
    NTSTATUS Status = ExpProbeForWriteCaller(PreviousCount, sizeof(LONG), sizeof(LONG));
    if (!NT_SUCCESS(Status))
        return Status;
    PKMUTANT Mutant;
    Status = ObReferenceObjectByHandle(MutantHandle, 0, ExMutantObjectType, PreviousMode,
                                       reinterpret_cast<PVOID *>(&Mutant), NULL);
    if (!NT_SUCCESS(Status))
        return Status;
    LONG Previous;
    Status = ExpReleaseMutant(Mutant, FALSE, &Previous);
    ObDereferenceObject(Mutant);
    if (NT_SUCCESS(Status) && PreviousCount)
        Status = ExpCopyToCaller(PreviousCount, &Previous, sizeof(Previous));
    return Status;
}

// Returns a mutant's state (MutantBasicInformation: count, owned by the caller,
// abandoned) or its owner's client ID (MutantOwnerInformation), with
// MUTANT_QUERY_STATE. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtQueryMutant(HANDLE MutantHandle, MUTANT_INFORMATION_CLASS MutantInformationClass,
                                        PVOID MutantInformation, ULONG MutantInformationLength, PULONG ReturnLength)
{
    KI_USER_SERVICE(
        NtQueryMutant(MutantHandle, MutantInformationClass, MutantInformation, MutantInformationLength, ReturnLength));
    if (MutantInformationClass != MutantBasicInformation && MutantInformationClass != MutantOwnerInformation)
        return STATUS_INVALID_INFO_CLASS;
    PKMUTANT Mutant;
    NTSTATUS Status = ObReferenceObjectByHandle(MutantHandle, MUTANT_QUERY_STATE, ExMutantObjectType,
                                                ExGetPreviousMode(), reinterpret_cast<PVOID *>(&Mutant), NULL);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = ExpQueryMutant(Mutant, MutantInformationClass, MutantInformation, MutantInformationLength, ReturnLength);
    ObDereferenceObject(Mutant);
    return Status;
}

// The Zw forms, for kernel code: PreviousMode KernelMode. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ZwCreateMutant(PHANDLE MutantHandle, ACCESS_MASK DesiredAccess,
                                         POBJECT_ATTRIBUTES ObjectAttributes, BOOLEAN InitialOwner)
{
    return KiZwCall([&] { return NtCreateMutant(MutantHandle, DesiredAccess, ObjectAttributes, InitialOwner); });
}

extern "C" NTSTATUS NTAPI ZwOpenMutant(PHANDLE MutantHandle, ACCESS_MASK DesiredAccess,
                                       POBJECT_ATTRIBUTES ObjectAttributes)
{
    return KiZwCall([&] { return NtOpenMutant(MutantHandle, DesiredAccess, ObjectAttributes); });
}

extern "C" NTSTATUS NTAPI ZwReleaseMutant(HANDLE MutantHandle, PLONG PreviousCount)
{
    return KiZwCall([&] { return NtReleaseMutant(MutantHandle, PreviousCount); });
}

extern "C" NTSTATUS NTAPI ZwQueryMutant(HANDLE MutantHandle, MUTANT_INFORMATION_CLASS MutantInformationClass,
                                        PVOID MutantInformation, ULONG MutantInformationLength, PULONG ReturnLength)
{
    return KiZwCall([&] {
        return NtQueryMutant(MutantHandle, MutantInformationClass, MutantInformation, MutantInformationLength,
                             ReturnLength);
    });
}
