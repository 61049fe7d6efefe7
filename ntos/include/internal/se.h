/* internal/se.h - the security reference monitor's private interface: initialization,
 * well-known SIDs and ACLs, the token object, privilege and access-check helpers. */
#ifndef _INTERNAL_SE_H
#define _INTERNAL_SE_H

#include "ntifs.h"
#include "ndk/ntndk.h"

NT_EXTERN_C_BEGIN

#define TAG_SE 'gSeS'           /* captured and built security data */
#define TAG_SE_SID 'iSeS'       /* the well-known SIDs */
#define TAG_SE_ACL 'cAeS'       /* the well-known ACLs */
#define TAG_SD 'dSeS'           /* security descriptors built by SeAssignSecurity */
#define TAG_TOKEN_DYNAMIC 'dTeS' /* a token's dynamic part */
#define TAG_TOKEN_LOCK 'lTeS'   /* a token's lock */
#define TAG_PRIVILEGE_SET 'rPeS' /* privilege sets returned by access checks */

/* semgr.cpp: start and (hosted) stop of the security reference monitor. */
NTSTATUS NTAPI SeInitSystem(VOID);
VOID NTAPI SeShutdownSystem(VOID);

/* luid.cpp */
VOID NTAPI SepInitializeLuid(VOID);

/* sid.cpp: the well-known SIDs */
extern PSID SeNullSid, SeWorldSid, SeLocalSid, SeCreatorOwnerSid, SeCreatorGroupSid, SeCreatorOwnerServerSid,
    SeCreatorGroupServerSid, SeNtAuthoritySid, SeDialupSid, SeNetworkSid, SeBatchSid, SeInteractiveSid,
    SeServiceSid, SeAnonymousLogonSid, SePrincipalSelfSid, SeLocalSystemSid, SeAuthenticatedUsersSid,
    SeRestrictedCodeSid, SeLocalServiceSid, SeNetworkServiceSid, SeAliasAdminsSid, SeAliasUsersSid,
    SeAliasGuestsSid, SeAliasPowerUsersSid, SeAliasAccountOpsSid, SeAliasSystemOpsSid, SeAliasPrintOpsSid,
    SeAliasBackupOpsSid;
NTSTATUS NTAPI SepInitSecurityIDs(VOID);
VOID NTAPI SepFreeSecurityIDs(VOID);

/* priv.cpp: the well-known privileges */
extern LUID SeCreateTokenPrivilege, SeAssignPrimaryTokenPrivilege, SeLockMemoryPrivilege, SeIncreaseQuotaPrivilege,
    SeUnsolicitedInputPrivilege, SeTcbPrivilege, SeSecurityPrivilege, SeTakeOwnershipPrivilege, SeLoadDriverPrivilege,
    SeSystemProfilePrivilege, SeSystemtimePrivilege, SeProfileSingleProcessPrivilege, SeIncreaseBasePriorityPrivilege,
    SeCreatePagefilePrivilege, SeCreatePermanentPrivilege, SeBackupPrivilege, SeRestorePrivilege,
    SeShutdownPrivilege, SeDebugPrivilege, SeAuditPrivilege, SeSystemEnvironmentPrivilege, SeChangeNotifyPrivilege,
    SeRemoteShutdownPrivilege, SeUndockPrivilege, SeSyncAgentPrivilege, SeEnableDelegationPrivilege,
    SeManageVolumePrivilege, SeImpersonatePrivilege, SeCreateGlobalPrivilege;
VOID NTAPI SepInitPrivileges(VOID);
VOID NTAPI SepInitExports(VOID);
BOOLEAN NTAPI SepPrivilegeCheck(PTOKEN Token, PLUID_AND_ATTRIBUTES Privileges, ULONG PrivilegeCount,
                                ULONG PrivilegeControl, KPROCESSOR_MODE PreviousMode);
BOOLEAN NTAPI SepSinglePrivilegeCheck(LUID PrivilegeValue, PTOKEN Token, KPROCESSOR_MODE PreviousMode);
NTSTATUS NTAPI SePrivilegePolicyCheck(PACCESS_MASK DesiredAccess, PACCESS_MASK GrantedAccess,
                                      PSECURITY_SUBJECT_CONTEXT SubjectContext, PTOKEN Token,
                                      PPRIVILEGE_SET *OutPrivilegeSet, KPROCESSOR_MODE PreviousMode);

/* acl.cpp: the well-known DACLs */
extern PACL SePublicDefaultDacl, SeSystemDefaultDacl, SePublicDefaultUnrestrictedDacl, SePublicOpenDacl,
    SePublicOpenUnrestrictedDacl, SeUnrestrictedDacl, SeSystemAnonymousLogonDacl;
NTSTATUS NTAPI SepInitDACLs(VOID);
VOID NTAPI SepFreeDACLs(VOID);
ACCESS_MASK NTAPI SepMapAceMask(ACCESS_MASK Mask, PGENERIC_MAPPING GenericMapping);
NTSTATUS NTAPI SepSelectAcl(PACL ExplicitAcl, BOOLEAN ExplicitPresent, BOOLEAN ExplicitDefaulted, PACL ParentAcl,
                            PACL DefaultAcl, BOOLEAN IsDirectoryObject, BOOLEAN AutoInherit, PSID Owner, PSID Group,
                            PGENERIC_MAPPING GenericMapping, PBOOLEAN Present, PACL *NewAcl);

/* sd.cpp: the well-known security descriptors and descriptor helpers */
extern PSECURITY_DESCRIPTOR SePublicDefaultSd, SePublicDefaultUnrestrictedSd, SePublicOpenSd,
    SePublicOpenUnrestrictedSd, SeSystemDefaultSd, SeUnrestrictedSd, SeSystemAnonymousLogonSd;
NTSTATUS NTAPI SepInitSDs(VOID);
VOID NTAPI SepFreeSDs(VOID);

/* token.cpp: the token object */
extern POBJECT_TYPE SepTokenObjectType;
extern TOKEN_SOURCE SeSystemTokenSource;
extern LUID SeSystemAuthenticationId;
extern LUID SeAnonymousAuthenticationId;
NTSTATUS NTAPI SepInitializeTokenImplementation(VOID);
NTSTATUS NTAPI SepCreateSystemProcessToken(PTOKEN *Token);
NTSTATUS NTAPI SepDuplicateToken(PTOKEN Token, POBJECT_ATTRIBUTES ObjectAttributes, BOOLEAN EffectiveOnly,
                                 TOKEN_TYPE TokenType, SECURITY_IMPERSONATION_LEVEL Level,
                                 KPROCESSOR_MODE PreviousMode, PTOKEN *NewAccessToken);
NTSTATUS NTAPI SeSubProcessToken(PTOKEN ParentToken, PTOKEN *Token, BOOLEAN InUse, ULONG SessionId);
VOID NTAPI SeAssignPrimaryToken(PEPROCESS Process, PTOKEN Token);
VOID NTAPI SeDeassignPrimaryToken(PEPROCESS Process);
BOOLEAN NTAPI SepSidInToken(PTOKEN Token, PSID Sid, BOOLEAN Deny);
BOOLEAN NTAPI SepTokenIsOwner(PTOKEN Token, PSECURITY_DESCRIPTOR SecurityDescriptor, BOOLEAN TokenLocked);
PSID NTAPI SepGetTokenDefaultOwner(PTOKEN Token);
BOOLEAN NTAPI SepValidOwner(PTOKEN Token, PSID Owner);

/* Takes and drops a token's lock; the caller is then in a critical region. At or below
 * APC_LEVEL. */
FORCEINLINE VOID SepAcquireTokenLockShared(PTOKEN Token)
{
    KeEnterCriticalRegion();
    ExAcquireResourceSharedLite(Token->TokenLock, TRUE);
}
FORCEINLINE VOID SepAcquireTokenLockExclusive(PTOKEN Token)
{
    KeEnterCriticalRegion();
    ExAcquireResourceExclusiveLite(Token->TokenLock, TRUE);
}
FORCEINLINE VOID SepReleaseTokenLock(PTOKEN Token)
{
    ExReleaseResourceLite(Token->TokenLock);
    KeLeaveCriticalRegion();
}

/* access.cpp */
/* For the fuzzer: the next Count access states fail to be created (0 ends it). */
VOID NTAPI SeInjectAccessStateFailures(ULONG Count);
NTSTATUS NTAPI SeAppendPrivileges(PACCESS_STATE AccessState, PPRIVILEGE_SET Privileges);

/* accesschk.cpp */
BOOLEAN NTAPI SepAccessCheck(PSECURITY_DESCRIPTOR SecurityDescriptor, PSECURITY_SUBJECT_CONTEXT SubjectSecurityContext,
                             ACCESS_MASK DesiredAccess, ACCESS_MASK PreviouslyGrantedAccess,
                             PPRIVILEGE_SET *Privileges, PGENERIC_MAPPING GenericMapping, KPROCESSOR_MODE AccessMode,
                             PACCESS_MASK GrantedAccess, PNTSTATUS AccessStatus);

NT_EXTERN_C_END

#endif /* _INTERNAL_SE_H */
