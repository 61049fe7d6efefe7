// subject.cpp - security subject contexts: the tokens an access check is made for,
// captured from a thread and its process. Impersonation is not modelled yet: the
// client token is always NULL and the process's primary token stands for the subject.
#include "ps.h"
#include "se.h"

// Captures Process's primary token (referenced) as the subject; Thread's impersonation
// token would be the client token. At PASSIVE_LEVEL.
extern "C" VOID NTAPI SeCaptureSubjectContextEx(PETHREAD Thread, PEPROCESS Process,
                                                PSECURITY_SUBJECT_CONTEXT SubjectContext)
{
    UNREFERENCED_PARAMETER(Thread);
    SubjectContext->ProcessAuditId = Process;
    SubjectContext->ClientToken = NULL;
    SubjectContext->ImpersonationLevel = SecurityAnonymous;
    SubjectContext->PrimaryToken = Process ? PsReferencePrimaryToken(Process) : NULL;
}

// Captures the current thread's subject. At PASSIVE_LEVEL.
extern "C" VOID NTAPI SeCaptureSubjectContext(PSECURITY_SUBJECT_CONTEXT SubjectContext)
{
    SeCaptureSubjectContextEx(PsGetCurrentThread(), PsGetCurrentProcess(), SubjectContext);
}

// Locks the subject's tokens for reading: the caller enters a critical region, then the
// primary and client tokens' locks are taken shared. At or below APC_LEVEL.
extern "C" VOID NTAPI SeLockSubjectContext(PSECURITY_SUBJECT_CONTEXT SubjectContext)
{
    KeEnterCriticalRegion();
    ExAcquireResourceSharedLite(static_cast<PTOKEN>(SubjectContext->PrimaryToken)->TokenLock, TRUE);
    if (SubjectContext->ClientToken)
        ExAcquireResourceSharedLite(static_cast<PTOKEN>(SubjectContext->ClientToken)->TokenLock, TRUE);
}

// Undoes SeLockSubjectContext. At or below APC_LEVEL.
extern "C" VOID NTAPI SeUnlockSubjectContext(PSECURITY_SUBJECT_CONTEXT SubjectContext)
{
    if (SubjectContext->ClientToken)
        ExReleaseResourceLite(static_cast<PTOKEN>(SubjectContext->ClientToken)->TokenLock);
    ExReleaseResourceLite(static_cast<PTOKEN>(SubjectContext->PrimaryToken)->TokenLock);
    KeLeaveCriticalRegion();
}

// Drops the references a captured subject holds on its tokens. At PASSIVE_LEVEL.
extern "C" VOID NTAPI SeReleaseSubjectContext(PSECURITY_SUBJECT_CONTEXT SubjectContext)
{
    if (SubjectContext->PrimaryToken)
        PsDereferencePrimaryToken(SubjectContext->PrimaryToken);
    if (SubjectContext->ClientToken)
        ObDereferenceObject(SubjectContext->ClientToken);
    SubjectContext->PrimaryToken = NULL;
    SubjectContext->ClientToken = NULL;
}
