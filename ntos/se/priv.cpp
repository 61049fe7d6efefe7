// priv.cpp - privileges: the well-known privilege LUIDs (and SeExports, which hands them
// and the well-known SIDs to drivers), and the checks that a subject holds some enabled.
#include "se.h"

LUID SeCreateTokenPrivilege, SeAssignPrimaryTokenPrivilege, SeLockMemoryPrivilege, SeIncreaseQuotaPrivilege,
    SeUnsolicitedInputPrivilege, SeTcbPrivilege, SeSecurityPrivilege, SeTakeOwnershipPrivilege, SeLoadDriverPrivilege,
    SeSystemProfilePrivilege, SeSystemtimePrivilege, SeProfileSingleProcessPrivilege, SeIncreaseBasePriorityPrivilege,
    SeCreatePagefilePrivilege, SeCreatePermanentPrivilege, SeBackupPrivilege, SeRestorePrivilege, SeShutdownPrivilege,
    SeDebugPrivilege, SeAuditPrivilege, SeSystemEnvironmentPrivilege, SeChangeNotifyPrivilege,
    SeRemoteShutdownPrivilege, SeUndockPrivilege, SeSyncAgentPrivilege, SeEnableDelegationPrivilege,
    SeManageVolumePrivilege, SeImpersonatePrivilege, SeCreateGlobalPrivilege;

namespace {

SE_EXPORTS SepExports;

// Whether Token holds Privilege enabled; its index in the token's privileges if so.
BOOLEAN SepTokenPrivilegeEnabled(PTOKEN Token, const LUID *Privilege, PULONG Index)
{
    for (ULONG I = 0; I < Token->PrivilegeCount; I++) {
        if (RtlEqualLuid(&Token->Privileges[I].Luid, Privilege)) {
            *Index = I;
            return (Token->Privileges[I].Attributes & SE_PRIVILEGE_ENABLED) != 0;
        }
    }
    return FALSE;
}

// A privilege set holding Count privileges (all used for access), for the caller to
// free with SeFreePrivileges; NULL when pool runs out.
PPRIVILEGE_SET SepAllocatePrivilegeSet(const LUID *Privileges, ULONG Count)
{
    ULONG Size = FIELD_OFFSET(PRIVILEGE_SET, Privilege) + Count * sizeof(LUID_AND_ATTRIBUTES);
    auto *Set = static_cast<PPRIVILEGE_SET>(ExAllocatePoolWithTag(PagedPool, Size, TAG_PRIVILEGE_SET));
    if (!Set)
        return NULL;
    Set->PrivilegeCount = Count;
    Set->Control = 0;
    for (ULONG I = 0; I < Count; I++) {
        Set->Privilege[I].Luid = Privileges[I];
        Set->Privilege[I].Attributes = SE_PRIVILEGE_USED_FOR_ACCESS;
    }
    return Set;
}

} // namespace

extern "C" {
PSE_EXPORTS SeExports = &SepExports;
}

// Sets the well-known privilege LUIDs to the numbers NT gives them. At boot.
extern "C" VOID NTAPI SepInitPrivileges(VOID)
{
    SeCreateTokenPrivilege = RtlConvertLongToLuid(SE_CREATE_TOKEN_PRIVILEGE);
    SeAssignPrimaryTokenPrivilege = RtlConvertLongToLuid(SE_ASSIGNPRIMARYTOKEN_PRIVILEGE);
    SeLockMemoryPrivilege = RtlConvertLongToLuid(SE_LOCK_MEMORY_PRIVILEGE);
    SeIncreaseQuotaPrivilege = RtlConvertLongToLuid(SE_INCREASE_QUOTA_PRIVILEGE);
    SeUnsolicitedInputPrivilege = RtlConvertLongToLuid(SE_UNSOLICITED_INPUT_PRIVILEGE);
    SeTcbPrivilege = RtlConvertLongToLuid(SE_TCB_PRIVILEGE);
    SeSecurityPrivilege = RtlConvertLongToLuid(SE_SECURITY_PRIVILEGE);
    SeTakeOwnershipPrivilege = RtlConvertLongToLuid(SE_TAKE_OWNERSHIP_PRIVILEGE);
    SeLoadDriverPrivilege = RtlConvertLongToLuid(SE_LOAD_DRIVER_PRIVILEGE);
    SeSystemProfilePrivilege = RtlConvertLongToLuid(SE_SYSTEM_PROFILE_PRIVILEGE);
    SeSystemtimePrivilege = RtlConvertLongToLuid(SE_SYSTEMTIME_PRIVILEGE);
    SeProfileSingleProcessPrivilege = RtlConvertLongToLuid(SE_PROF_SINGLE_PROCESS_PRIVILEGE);
    SeIncreaseBasePriorityPrivilege = RtlConvertLongToLuid(SE_INC_BASE_PRIORITY_PRIVILEGE);
    SeCreatePagefilePrivilege = RtlConvertLongToLuid(SE_CREATE_PAGEFILE_PRIVILEGE);
    SeCreatePermanentPrivilege = RtlConvertLongToLuid(SE_CREATE_PERMANENT_PRIVILEGE);
    SeBackupPrivilege = RtlConvertLongToLuid(SE_BACKUP_PRIVILEGE);
    SeRestorePrivilege = RtlConvertLongToLuid(SE_RESTORE_PRIVILEGE);
    SeShutdownPrivilege = RtlConvertLongToLuid(SE_SHUTDOWN_PRIVILEGE);
    SeDebugPrivilege = RtlConvertLongToLuid(SE_DEBUG_PRIVILEGE);
    SeAuditPrivilege = RtlConvertLongToLuid(SE_AUDIT_PRIVILEGE);
    SeSystemEnvironmentPrivilege = RtlConvertLongToLuid(SE_SYSTEM_ENVIRONMENT_PRIVILEGE);
    SeChangeNotifyPrivilege = RtlConvertLongToLuid(SE_CHANGE_NOTIFY_PRIVILEGE);
    SeRemoteShutdownPrivilege = RtlConvertLongToLuid(SE_REMOTE_SHUTDOWN_PRIVILEGE);
    SeUndockPrivilege = RtlConvertLongToLuid(SE_UNDOCK_PRIVILEGE);
    SeSyncAgentPrivilege = RtlConvertLongToLuid(SE_SYNC_AGENT_PRIVILEGE);
    SeEnableDelegationPrivilege = RtlConvertLongToLuid(SE_ENABLE_DELEGATION_PRIVILEGE);
    SeManageVolumePrivilege = RtlConvertLongToLuid(SE_MANAGE_VOLUME_PRIVILEGE);
    SeImpersonatePrivilege = RtlConvertLongToLuid(SE_IMPERSONATE_PRIVILEGE);
    SeCreateGlobalPrivilege = RtlConvertLongToLuid(SE_CREATE_GLOBAL_PRIVILEGE);
}

// Fills SeExports with the privileges and the well-known SIDs. At boot, after both
// exist.
extern "C" VOID NTAPI SepInitExports(VOID)
{
    SE_EXPORTS &E = SepExports;
    E.SeCreateTokenPrivilege = SeCreateTokenPrivilege;
    E.SeAssignPrimaryTokenPrivilege = SeAssignPrimaryTokenPrivilege;
    E.SeLockMemoryPrivilege = SeLockMemoryPrivilege;
    E.SeIncreaseQuotaPrivilege = SeIncreaseQuotaPrivilege;
    E.SeUnsolicitedInputPrivilege = SeUnsolicitedInputPrivilege;
    E.SeTcbPrivilege = SeTcbPrivilege;
    E.SeSecurityPrivilege = SeSecurityPrivilege;
    E.SeTakeOwnershipPrivilege = SeTakeOwnershipPrivilege;
    E.SeLoadDriverPrivilege = SeLoadDriverPrivilege;
    E.SeCreatePagefilePrivilege = SeCreatePagefilePrivilege;
    E.SeIncreaseBasePriorityPrivilege = SeIncreaseBasePriorityPrivilege;
    E.SeSystemProfilePrivilege = SeSystemProfilePrivilege;
    E.SeSystemtimePrivilege = SeSystemtimePrivilege;
    E.SeProfileSingleProcessPrivilege = SeProfileSingleProcessPrivilege;
    E.SeCreatePermanentPrivilege = SeCreatePermanentPrivilege;
    E.SeBackupPrivilege = SeBackupPrivilege;
    E.SeRestorePrivilege = SeRestorePrivilege;
    E.SeShutdownPrivilege = SeShutdownPrivilege;
    E.SeDebugPrivilege = SeDebugPrivilege;
    E.SeAuditPrivilege = SeAuditPrivilege;
    E.SeSystemEnvironmentPrivilege = SeSystemEnvironmentPrivilege;
    E.SeChangeNotifyPrivilege = SeChangeNotifyPrivilege;
    E.SeRemoteShutdownPrivilege = SeRemoteShutdownPrivilege;
    E.SeNullSid = SeNullSid;
    E.SeWorldSid = SeWorldSid;
    E.SeLocalSid = SeLocalSid;
    E.SeCreatorOwnerSid = SeCreatorOwnerSid;
    E.SeCreatorGroupSid = SeCreatorGroupSid;
    E.SeNtAuthoritySid = SeNtAuthoritySid;
    E.SeDialupSid = SeDialupSid;
    E.SeNetworkSid = SeNetworkSid;
    E.SeBatchSid = SeBatchSid;
    E.SeInteractiveSid = SeInteractiveSid;
    E.SeLocalSystemSid = SeLocalSystemSid;
    E.SeAliasAdminsSid = SeAliasAdminsSid;
    E.SeAliasUsersSid = SeAliasUsersSid;
    E.SeAliasGuestsSid = SeAliasGuestsSid;
    E.SeAliasPowerUsersSid = SeAliasPowerUsersSid;
    E.SeAliasAccountOpsSid = SeAliasAccountOpsSid;
    E.SeAliasSystemOpsSid = SeAliasSystemOpsSid;
    E.SeAliasPrintOpsSid = SeAliasPrintOpsSid;
    E.SeAliasBackupOpsSid = SeAliasBackupOpsSid;
    E.SeAuthenticatedUsersSid = SeAuthenticatedUsersSid;
    E.SeRestrictedSid = SeRestrictedCodeSid;
    E.SeAnonymousLogonSid = SeAnonymousLogonSid;
    E.SeUndockPrivilege = SeUndockPrivilege;
    E.SeSyncAgentPrivilege = SeSyncAgentPrivilege;
    E.SeEnableDelegationPrivilege = SeEnableDelegationPrivilege;
    E.SeLocalServiceSid = SeLocalServiceSid;
    E.SeNetworkServiceSid = SeNetworkServiceSid;
    E.SeManageVolumePrivilege = SeManageVolumePrivilege;
    E.SeImpersonatePrivilege = SeImpersonatePrivilege;
    E.SeCreateGlobalPrivilege = SeCreateGlobalPrivilege;
}

// Whether Token holds the PrivilegeCount privileges (all of them with
// PRIVILEGE_SET_ALL_NECESSARY in PrivilegeControl, else any) enabled; those found get
// SE_PRIVILEGE_USED_FOR_ACCESS. KernelMode callers always pass. The caller keeps the
// token locked. At or below APC_LEVEL.
extern "C" BOOLEAN NTAPI SepPrivilegeCheck(PTOKEN Token, PLUID_AND_ATTRIBUTES Privileges, ULONG PrivilegeCount,
                                           ULONG PrivilegeControl, KPROCESSOR_MODE PreviousMode)
{
    if (PreviousMode == KernelMode)
        return TRUE;
    ULONG Held = 0;
    for (ULONG I = 0; I < PrivilegeCount; I++) {
        ULONG Index;
        if (SepTokenPrivilegeEnabled(Token, &Privileges[I].Luid, &Index)) {
            Privileges[I].Attributes |= SE_PRIVILEGE_USED_FOR_ACCESS;
            Held++;
        }
    }
    if (PrivilegeControl & PRIVILEGE_SET_ALL_NECESSARY)
        return Held == PrivilegeCount;
    return Held > 0;
}

// Whether Token holds one privilege enabled (always for KernelMode). The caller keeps the
// token locked. At or below APC_LEVEL.
extern "C" BOOLEAN NTAPI SepSinglePrivilegeCheck(LUID PrivilegeValue, PTOKEN Token, KPROCESSOR_MODE PreviousMode)
{
    LUID_AND_ATTRIBUTES Privilege = {PrivilegeValue, 0};
    return SepPrivilegeCheck(Token, &Privilege, 1, PRIVILEGE_SET_ALL_NECESSARY, PreviousMode);
}

// Whether the subject holds the privileges RequiredPrivileges lists (marking those it
// holds). A client token below SecurityIdentification holds none. At PASSIVE_LEVEL.
extern "C" BOOLEAN NTAPI SePrivilegeCheck(PPRIVILEGE_SET RequiredPrivileges,
                                          PSECURITY_SUBJECT_CONTEXT SubjectSecurityContext, KPROCESSOR_MODE AccessMode)
{
    if (SubjectSecurityContext->ClientToken && SubjectSecurityContext->ImpersonationLevel < SecurityIdentification)
        return FALSE;
    auto *Token = static_cast<PTOKEN>(SubjectSecurityContext->ClientToken ? SubjectSecurityContext->ClientToken
                                                                           : SubjectSecurityContext->PrimaryToken);
    SeLockSubjectContext(SubjectSecurityContext);
    BOOLEAN Held = SepPrivilegeCheck(Token, RequiredPrivileges->Privilege, RequiredPrivileges->PrivilegeCount,
                                     RequiredPrivileges->Control, AccessMode);
    SeUnlockSubjectContext(SubjectSecurityContext);
    return Held;
}

// Whether the current subject holds one privilege enabled; KernelMode callers always
// pass. At PASSIVE_LEVEL.
extern "C" BOOLEAN NTAPI SeSinglePrivilegeCheck(LUID PrivilegeValue, KPROCESSOR_MODE PreviousMode)
{
    if (PreviousMode == KernelMode)
        return TRUE;
    SECURITY_SUBJECT_CONTEXT SubjectContext;
    SeCaptureSubjectContext(&SubjectContext);
    PRIVILEGE_SET Privileges;
    Privileges.PrivilegeCount = 1;
    Privileges.Control = PRIVILEGE_SET_ALL_NECESSARY;
    Privileges.Privilege[0].Luid = PrivilegeValue;
    Privileges.Privilege[0].Attributes = 0;
    BOOLEAN Held = SePrivilegeCheck(&Privileges, &SubjectContext, PreviousMode);
    SeReleaseSubjectContext(&SubjectContext);
    return Held;
}

// SeSinglePrivilegeCheck for an operation on an object (the object audit NT would
// generate is not kept). At PASSIVE_LEVEL.
extern "C" BOOLEAN NTAPI SeCheckPrivilegedObject(LUID PrivilegeValue, HANDLE ObjectHandle, ACCESS_MASK DesiredAccess,
                                                 KPROCESSOR_MODE PreviousMode)
{
    UNREFERENCED_PARAMETER(ObjectHandle);
    UNREFERENCED_PARAMETER(DesiredAccess);
    return SeSinglePrivilegeCheck(PrivilegeValue, PreviousMode);
}

// Grants the rights privileges give before the DACL is looked at: ACCESS_SYSTEM_SECURITY
// needs SeSecurityPrivilege (STATUS_PRIVILEGE_NOT_HELD without it), WRITE_OWNER comes
// with SeTakeOwnershipPrivilege. Granted rights move from *DesiredAccess to
// *GrantedAccess; the privileges used are returned in *OutPrivilegeSet (or NULL). The
// caller keeps the token locked. At or below APC_LEVEL.
extern "C" NTSTATUS NTAPI SePrivilegePolicyCheck(PACCESS_MASK DesiredAccess, PACCESS_MASK GrantedAccess,
                                                 PSECURITY_SUBJECT_CONTEXT SubjectContext, PTOKEN Token,
                                                 PPRIVILEGE_SET *OutPrivilegeSet, KPROCESSOR_MODE PreviousMode)
{
    UNREFERENCED_PARAMETER(SubjectContext);
    LUID Used[2];
    ULONG UsedCount = 0;
    ULONG Index;
    if (OutPrivilegeSet)
        *OutPrivilegeSet = NULL;
    if (*DesiredAccess & ACCESS_SYSTEM_SECURITY) {
        if (PreviousMode != KernelMode && !SepTokenPrivilegeEnabled(Token, &SeSecurityPrivilege, &Index))
            return STATUS_PRIVILEGE_NOT_HELD;
        *DesiredAccess &= ~ACCESS_SYSTEM_SECURITY;
        *GrantedAccess |= ACCESS_SYSTEM_SECURITY;
        Used[UsedCount++] = SeSecurityPrivilege;
    }
    if ((*DesiredAccess & WRITE_OWNER) &&
        (PreviousMode == KernelMode || SepTokenPrivilegeEnabled(Token, &SeTakeOwnershipPrivilege, &Index))) {
        *DesiredAccess &= ~WRITE_OWNER;
        *GrantedAccess |= WRITE_OWNER;
        Used[UsedCount++] = SeTakeOwnershipPrivilege;
    }
    if (!UsedCount || !OutPrivilegeSet)
        return STATUS_SUCCESS;
    *OutPrivilegeSet = SepAllocatePrivilegeSet(Used, UsedCount);
    return *OutPrivilegeSet ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

// Frees a privilege set an access check returned. At or below APC_LEVEL.
extern "C" VOID NTAPI SeFreePrivileges(PPRIVILEGE_SET Privileges)
{
    ExFreePoolWithTag(Privileges, TAG_PRIVILEGE_SET);
}
