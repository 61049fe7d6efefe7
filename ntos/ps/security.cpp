// security.cpp - a process's security: its primary token, held in EPROCESS.Token as a
// fast reference, given to the process at creation and taken back at its deletion.
#include "ex.h"
#include "ob.h"
#include "ps.h"
#include "se.h"

namespace {

// Takes and drops the process lock that guards the token's slow path. At or below
// APC_LEVEL.
void PspLockProcessSecurityShared(PEPROCESS Process)
{
    KeEnterCriticalRegion();
    ExAcquirePushLockShared(&Process->ProcessLock);
}

void PspUnlockProcessSecurityShared(PEPROCESS Process)
{
    ExReleasePushLockShared(&Process->ProcessLock);
    KeLeaveCriticalRegion();
}

} // namespace

// References Process's primary token: a cached fast reference if one is left, else a
// full reference taken under the process lock. At PASSIVE_LEVEL.
extern "C" PACCESS_TOKEN NTAPI PsReferencePrimaryToken(PEPROCESS Process)
{
    PVOID Token = ObFastReferenceObject(&Process->Token);
    if (Token)
        return Token;
    PspLockProcessSecurityShared(Process);
    Token = ObFastReferenceObjectLocked(&Process->Token);
    PspUnlockProcessSecurityShared(Process);
    return Token;
}

// Drops a reference PsReferencePrimaryToken returned. At PASSIVE_LEVEL.
extern "C" VOID NTAPI PsDereferencePrimaryToken(PACCESS_TOKEN PrimaryToken)
{
    ObDereferenceObject(PrimaryToken);
}

// Gives a new process its primary token: a copy of Parent's, or (no parent: the System
// process) the system token. At PASSIVE_LEVEL, after the security reference monitor
// started.
extern "C" NTSTATUS NTAPI PspInitializeProcessSecurity(PEPROCESS Process, PEPROCESS Parent)
{
    PTOKEN NewToken;
    NTSTATUS Status;
    if (Parent) {
        auto *ParentToken = static_cast<PTOKEN>(PsReferencePrimaryToken(Parent));
        if (!ParentToken)
            return STATUS_NO_TOKEN;
        Status = SeSubProcessToken(ParentToken, &NewToken, TRUE, 0);
        PsDereferencePrimaryToken(ParentToken);
        if (NT_SUCCESS(Status))
            ObInitializeFastReference(&Process->Token, NewToken);
        return Status;
    }
    Status = SepCreateSystemProcessToken(&NewToken);
    if (!NT_SUCCESS(Status))
        return Status;
    ExInitializeFastReference(&Process->Token, NULL);
    SeAssignPrimaryToken(Process, NewToken);
    ObDereferenceObject(NewToken);
    return STATUS_SUCCESS;
}

// Takes a dying process's primary token away. At PASSIVE_LEVEL.
extern "C" VOID NTAPI PspDeleteProcessSecurity(PEPROCESS Process)
{
    if (ExGetObjectFastReference(Process->Token))
        SeDeassignPrimaryToken(Process);
}
