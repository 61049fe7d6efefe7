// token.cpp - the token object: its type, creation from captured user, groups and
// privileges (the System process's token), duplication (a child process's primary
// token), assignment to a process, and the questions the access checks ask of it.
// Restricted SIDs and impersonation tokens in use are not modelled.
#include "ex.h"
#include "ob.h"
#include "se.h"

POBJECT_TYPE SepTokenObjectType;
TOKEN_SOURCE SeSystemTokenSource = {{'*', 'S', 'Y', 'S', 'T', 'E', 'M', '*'}, {0, 0}};
LUID SeSystemAuthenticationId = SYSTEM_LUID;
LUID SeAnonymousAuthenticationId = ANONYMOUS_LOGON_LUID;

extern "C" {
POBJECT_TYPE *SeTokenObjectType = &SepTokenObjectType;
}

namespace {

GENERIC_MAPPING SepTokenMapping = {TOKEN_READ, TOKEN_WRITE, TOKEN_EXECUTE, TOKEN_ALL_ACCESS};

// Where a token's variable part (privileges, then user and groups) starts.
inline PUCHAR SepTokenVariableStart(PTOKEN Token)
{
    return reinterpret_cast<PUCHAR>(Token) + ALIGN_UP_BY(FIELD_OFFSET(TOKEN, VariablePart), sizeof(PVOID));
}

// The token type's delete procedure: the dynamic part and the lock go with it.
VOID NTAPI SepDeleteToken(PVOID ObjectBody)
{
    auto *Token = static_cast<PTOKEN>(ObjectBody);
    if (Token->DynamicPart)
        ExFreePoolWithTag(Token->DynamicPart, TAG_TOKEN_DYNAMIC);
    if (Token->TokenLock) {
        ExDeleteResourceLite(Token->TokenLock);
        ExFreePoolWithTag(Token->TokenLock, TAG_TOKEN_LOCK);
    }
}

// Sets the flags that cache which special privileges the token has enabled.
void SepUpdatePrivilegeFlagsToken(PTOKEN Token)
{
    static const struct {
        ULONG Privilege;
        ULONG Flag;
    } Flags[] = {{SE_CHANGE_NOTIFY_PRIVILEGE, TOKEN_HAS_TRAVERSE_PRIVILEGE},
                 {SE_BACKUP_PRIVILEGE, TOKEN_HAS_BACKUP_PRIVILEGE},
                 {SE_RESTORE_PRIVILEGE, TOKEN_HAS_RESTORE_PRIVILEGE},
                 {SE_IMPERSONATE_PRIVILEGE, TOKEN_HAS_IMPERSONATE_PRIVILEGE}};
    for (const auto &Entry : Flags) {
        Token->TokenFlags &= ~Entry.Flag;
        for (ULONG I = 0; I < Token->PrivilegeCount; I++) {
            const LUID_AND_ATTRIBUTES &Privilege = Token->Privileges[I];
            if (Privilege.Luid.HighPart == 0 && Privilege.Luid.LowPart == Entry.Privilege &&
                (Privilege.Attributes & SE_PRIVILEGE_ENABLED))
                Token->TokenFlags |= Entry.Flag;
        }
    }
}

// Finds the primary group among the token's user and groups (else
// STATUS_INVALID_PRIMARY_GROUP) and the default owner: Owner, which must be the user or
// a group the token may own objects as (else STATUS_INVALID_OWNER), or the user.
NTSTATUS SepFindPrimaryGroupAndDefaultOwner(PTOKEN Token, PSID PrimaryGroup, PSID Owner, PULONG DefaultOwnerIndex)
{
    BOOLEAN GroupFound = FALSE;
    *DefaultOwnerIndex = Owner ? MAXULONG : 0;
    for (ULONG I = 0; I < Token->UserAndGroupCount; I++) {
        const SID_AND_ATTRIBUTES &Entry = Token->UserAndGroups[I];
        if (RtlEqualSid(Entry.Sid, PrimaryGroup))
            GroupFound = TRUE;
        if (Owner && *DefaultOwnerIndex == MAXULONG && RtlEqualSid(Entry.Sid, Owner) &&
            (I == 0 || (Entry.Attributes & SE_GROUP_OWNER)))
            *DefaultOwnerIndex = I;
    }
    if (!GroupFound)
        return STATUS_INVALID_PRIMARY_GROUP;
    return *DefaultOwnerIndex == MAXULONG ? STATUS_INVALID_OWNER : STATUS_SUCCESS;
}

// Copies the primary group and default DACL into a new dynamic part.
NTSTATUS SepBuildDynamicPart(PTOKEN Token, PSID PrimaryGroup, PACL DefaultDacl)
{
    ULONG GroupLength = RtlLengthSid(PrimaryGroup);
    ULONG Size = GroupLength + (DefaultDacl ? DefaultDacl->AclSize : 0);
    Token->DynamicPart = static_cast<PULONG>(ExAllocatePoolWithTag(PagedPool, Size, TAG_TOKEN_DYNAMIC));
    if (!Token->DynamicPart)
        return STATUS_INSUFFICIENT_RESOURCES;
    auto *Area = reinterpret_cast<PUCHAR>(Token->DynamicPart);
    Token->PrimaryGroup = Area;
    RtlCopySid(GroupLength, Area, PrimaryGroup);
    if (DefaultDacl) {
        Token->DefaultDacl = reinterpret_cast<PACL>(Area + GroupLength);
        RtlCopyMemory(Token->DefaultDacl, DefaultDacl, DefaultDacl->AclSize);
    }
    Token->DynamicCharged = Size;
    return STATUS_SUCCESS;
}

// Fills the variable part: the privileges, then the user and the groups with their
// SIDs. Mandatory groups come enabled; the Administrators group is noted.
NTSTATUS SepFillVariablePart(PTOKEN Token, PSID_AND_ATTRIBUTES User, ULONG GroupCount, PSID_AND_ATTRIBUTES Groups,
                             ULONG PrivilegeCount, PLUID_AND_ATTRIBUTES Privileges, ULONG PrivilegesLength)
{
    PUCHAR Area = SepTokenVariableStart(Token);
    Token->PrivilegeCount = PrivilegeCount;
    Token->Privileges = PrivilegeCount ? reinterpret_cast<PLUID_AND_ATTRIBUTES>(Area) : NULL;
    RtlCopyMemory(Area, Privileges, PrivilegeCount * sizeof(LUID_AND_ATTRIBUTES));
    Area += PrivilegesLength;
    Token->UserAndGroupCount = 1 + GroupCount;
    Token->UserAndGroups = reinterpret_cast<PSID_AND_ATTRIBUTES>(Area);
    ULONG ArrayLength = Token->UserAndGroupCount * sizeof(SID_AND_ATTRIBUTES);
    ULONG SidAreaSize = Token->VariableLength - PrivilegesLength - ArrayLength;
    PSID SidArea = Area + ArrayLength;
    NTSTATUS Status = RtlCopySidAndAttributesArray(1, User, SidAreaSize, Token->UserAndGroups, SidArea, &SidArea,
                                                   &SidAreaSize);
    if (NT_SUCCESS(Status))
        Status = RtlCopySidAndAttributesArray(GroupCount, Groups, SidAreaSize, Token->UserAndGroups + 1, SidArea,
                                              &SidArea, &SidAreaSize);
    for (ULONG I = 1; NT_SUCCESS(Status) && I < Token->UserAndGroupCount; I++) {
        PSID_AND_ATTRIBUTES Group = &Token->UserAndGroups[I];
        if (Group->Attributes & SE_GROUP_MANDATORY)
            Group->Attributes |= SE_GROUP_ENABLED | SE_GROUP_ENABLED_BY_DEFAULT;
        if (RtlEqualSid(Group->Sid, SeAliasAdminsSid))
            Token->TokenFlags |= TOKEN_HAS_ADMIN_GROUP;
    }
    return Status;
}

// Creates a token object (not inserted: the caller holds its one reference) from
// captured, kernel-owned data. Statuses: the object manager's, pool exhaustion,
// STATUS_INVALID_PRIMARY_GROUP / STATUS_INVALID_OWNER when the primary group or owner is
// not among the user and groups. At PASSIVE_LEVEL.
NTSTATUS SepCreateToken(PTOKEN *NewToken, KPROCESSOR_MODE PreviousMode, POBJECT_ATTRIBUTES ObjectAttributes,
                        TOKEN_TYPE TokenType, SECURITY_IMPERSONATION_LEVEL ImpersonationLevel,
                        const LUID *AuthenticationId, const LARGE_INTEGER *ExpirationTime, PSID_AND_ATTRIBUTES User,
                        ULONG GroupCount, PSID_AND_ATTRIBUTES Groups, ULONG PrivilegeCount,
                        PLUID_AND_ATTRIBUTES Privileges, PSID Owner, PSID PrimaryGroup, PACL DefaultDacl,
                        const TOKEN_SOURCE *TokenSource)
{
    ULONG PrivilegesLength = (ULONG)ALIGN_UP_BY(PrivilegeCount * sizeof(LUID_AND_ATTRIBUTES), sizeof(PVOID));
    ULONG UserGroupsLength = (1 + GroupCount) * sizeof(SID_AND_ATTRIBUTES) + RtlLengthSid(User->Sid);
    for (ULONG I = 0; I < GroupCount; I++)
        UserGroupsLength += RtlLengthSid(Groups[I].Sid);
    ULONG VariableLength = PrivilegesLength + (ULONG)ALIGN_UP_BY(UserGroupsLength, sizeof(PVOID));
    ULONG TotalSize = (ULONG)ALIGN_UP_BY(FIELD_OFFSET(TOKEN, VariablePart), sizeof(PVOID)) + VariableLength;

    PTOKEN Token;
    NTSTATUS Status = ObCreateObject(PreviousMode, SepTokenObjectType, ObjectAttributes, PreviousMode, NULL, TotalSize,
                                     0, 0, reinterpret_cast<PVOID *>(&Token));
    if (!NT_SUCCESS(Status))
        return Status;
    RtlZeroMemory(Token, TotalSize);
    Token->TokenLock = static_cast<PERESOURCE>(ExAllocatePoolWithTag(NonPagedPool, sizeof(ERESOURCE), TAG_TOKEN_LOCK));
    if (!Token->TokenLock) {
        ObDereferenceObject(Token);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    ExInitializeResourceLite(Token->TokenLock);
    ExAllocateLocallyUniqueId(&Token->TokenId);
    ExAllocateLocallyUniqueId(&Token->ModifiedId);
    Token->TokenSource = *TokenSource;
    Token->AuthenticationId = *AuthenticationId;
    Token->ExpirationTime = *ExpirationTime;
    Token->TokenType = TokenType;
    Token->ImpersonationLevel = ImpersonationLevel;
    Token->VariableLength = VariableLength;
    Status = SepFillVariablePart(Token, User, GroupCount, Groups, PrivilegeCount, Privileges, PrivilegesLength);
    if (NT_SUCCESS(Status))
        Status = SepFindPrimaryGroupAndDefaultOwner(Token, PrimaryGroup, Owner, &Token->DefaultOwnerIndex);
    if (NT_SUCCESS(Status))
        Status = SepBuildDynamicPart(Token, PrimaryGroup, DefaultDacl);
    if (!NT_SUCCESS(Status)) {
        ObDereferenceObject(Token);
        return Status;
    }
    SepUpdatePrivilegeFlagsToken(Token);
    *NewToken = Token;
    return STATUS_SUCCESS;
}

// The token's user and groups (without the user), keeping only enabled groups when
// EffectiveOnly, in a pool array the caller frees; its count in *Count.
PSID_AND_ATTRIBUTES SepCollectGroups(PTOKEN Token, BOOLEAN EffectiveOnly, PULONG Count)
{
    ULONG Size = Token->UserAndGroupCount * sizeof(SID_AND_ATTRIBUTES);
    auto *Groups = static_cast<PSID_AND_ATTRIBUTES>(ExAllocatePoolWithTag(PagedPool, Size, TAG_SE));
    *Count = 0;
    for (ULONG I = 1; Groups && I < Token->UserAndGroupCount; I++) {
        if (!EffectiveOnly || (Token->UserAndGroups[I].Attributes & SE_GROUP_ENABLED))
            Groups[(*Count)++] = Token->UserAndGroups[I];
    }
    return Groups;
}

// The token's privileges, keeping only enabled ones when EffectiveOnly, in a pool array
// the caller frees; its count in *Count.
PLUID_AND_ATTRIBUTES SepCollectPrivileges(PTOKEN Token, BOOLEAN EffectiveOnly, PULONG Count)
{
    ULONG Size = (Token->PrivilegeCount + 1) * sizeof(LUID_AND_ATTRIBUTES);
    auto *Privileges = static_cast<PLUID_AND_ATTRIBUTES>(ExAllocatePoolWithTag(PagedPool, Size, TAG_SE));
    *Count = 0;
    for (ULONG I = 0; Privileges && I < Token->PrivilegeCount; I++) {
        if (!EffectiveOnly || (Token->Privileges[I].Attributes & SE_PRIVILEGE_ENABLED))
            Privileges[(*Count)++] = Token->Privileges[I];
    }
    return Privileges;
}

} // namespace

// Creates the "Token" object type. At PASSIVE_LEVEL during boot.
extern "C" NTSTATUS NTAPI SepInitializeTokenImplementation(VOID)
{
    OBJECT_TYPE_INITIALIZER Initializer{};
    Initializer.Length = sizeof(Initializer);
    Initializer.InvalidAttributes = OBJ_OPENLINK;
    Initializer.SecurityRequired = TRUE;
    Initializer.DefaultPagedPoolCharge = sizeof(TOKEN);
    Initializer.GenericMapping = SepTokenMapping;
    Initializer.PoolType = PagedPool;
    Initializer.ValidAccessMask = TOKEN_ALL_ACCESS;
    Initializer.UseDefaultObject = TRUE;
    Initializer.DeleteProcedure = SepDeleteToken;
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"Token");
    return ObCreateObjectType(&Name, &Initializer, NULL, &SepTokenObjectType);
}

// Creates the token the System process runs with: user SYSTEM, groups Administrators
// (default owner), Everyone and Authenticated Users, primary group SYSTEM, the system
// default DACL, and the privileges of NT 5.2's SYSTEM token (enabled as NT enables
// them). At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI SepCreateSystemProcessToken(PTOKEN *Token)
{
    const ULONG GroupAttributes = SE_GROUP_ENABLED | SE_GROUP_MANDATORY | SE_GROUP_ENABLED_BY_DEFAULT;
    const ULONG OwnerAttributes = SE_GROUP_ENABLED | SE_GROUP_OWNER | SE_GROUP_ENABLED_BY_DEFAULT;
    SID_AND_ATTRIBUTES User = {SeLocalSystemSid, 0};
    SID_AND_ATTRIBUTES Groups[] = {{SeAliasAdminsSid, OwnerAttributes},
                                   {SeWorldSid, GroupAttributes},
                                   {SeAuthenticatedUsersSid, GroupAttributes}};
    const ULONG On = SE_PRIVILEGE_ENABLED_BY_DEFAULT | SE_PRIVILEGE_ENABLED;
    LUID_AND_ATTRIBUTES Privileges[] = {
        {SeTcbPrivilege, On},           {SeCreateTokenPrivilege, 0},          {SeTakeOwnershipPrivilege, 0},
        {SeCreatePagefilePrivilege, On}, {SeLockMemoryPrivilege, On},          {SeAssignPrimaryTokenPrivilege, 0},
        {SeIncreaseQuotaPrivilege, 0},  {SeIncreaseBasePriorityPrivilege, On}, {SeCreatePermanentPrivilege, On},
        {SeDebugPrivilege, On},         {SeAuditPrivilege, On},               {SeSecurityPrivilege, 0},
        {SeSystemEnvironmentPrivilege, 0}, {SeChangeNotifyPrivilege, On},     {SeBackupPrivilege, 0},
        {SeRestorePrivilege, 0},        {SeShutdownPrivilege, 0},             {SeLoadDriverPrivilege, 0},
        {SeProfileSingleProcessPrivilege, On}, {SeSystemtimePrivilege, 0},    {SeUndockPrivilege, 0},
        {SeManageVolumePrivilege, 0},   {SeImpersonatePrivilege, On},         {SeCreateGlobalPrivilege, On}};
    LARGE_INTEGER NeverExpires;
    NeverExpires.QuadPart = 0x7FFFFFFFFFFFFFFFLL;
    return SepCreateToken(Token, KernelMode, NULL, TokenPrimary, SecurityAnonymous, &SeSystemAuthenticationId,
                          &NeverExpires, &User, RTL_NUMBER_OF(Groups), Groups, RTL_NUMBER_OF(Privileges), Privileges,
                          SeAliasAdminsSid, SeLocalSystemSid, SeSystemDefaultDacl, &SeSystemTokenSource);
}

// Makes a new token object with Token's contents (only its enabled groups and
// privileges when EffectiveOnly), a new TokenId and ModifiedId, the same logon session,
// of TokenType at Level. The caller holds its one reference. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI SepDuplicateToken(PTOKEN Token, POBJECT_ATTRIBUTES ObjectAttributes, BOOLEAN EffectiveOnly,
                                            TOKEN_TYPE TokenType, SECURITY_IMPERSONATION_LEVEL Level,
                                            KPROCESSOR_MODE PreviousMode, PTOKEN *NewAccessToken)
{
    SepAcquireTokenLockShared(Token);
    ULONG GroupCount, PrivilegeCount;
    PSID_AND_ATTRIBUTES Groups = SepCollectGroups(Token, EffectiveOnly, &GroupCount);
    PLUID_AND_ATTRIBUTES Privileges = SepCollectPrivileges(Token, EffectiveOnly, &PrivilegeCount);
    NTSTATUS Status = STATUS_INSUFFICIENT_RESOURCES;
    PTOKEN NewToken = NULL;
    if (Groups && Privileges)
        Status = SepCreateToken(&NewToken, PreviousMode, ObjectAttributes, TokenType, Level, &Token->AuthenticationId,
                                &Token->ExpirationTime, &Token->UserAndGroups[0], GroupCount, Groups, PrivilegeCount,
                                Privileges, Token->UserAndGroups[Token->DefaultOwnerIndex].Sid, Token->PrimaryGroup,
                                Token->DefaultDacl, &Token->TokenSource);
    if (NT_SUCCESS(Status)) {
        NewToken->ParentTokenId = Token->ParentTokenId;
        NewToken->SessionId = Token->SessionId;
        NewToken->AuditPolicy = Token->AuditPolicy;
        NewToken->OriginatingLogonSession = Token->OriginatingLogonSession;
        *NewAccessToken = NewToken;
    }
    SepReleaseTokenLock(Token);
    if (Groups)
        ExFreePoolWithTag(Groups, TAG_SE);
    if (Privileges)
        ExFreePoolWithTag(Privileges, TAG_SE);
    return Status;
}

// Makes a child process's primary token: a primary duplicate of ParentToken, marked in
// use when InUse, in session SessionId. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI SeSubProcessToken(PTOKEN ParentToken, PTOKEN *Token, BOOLEAN InUse, ULONG SessionId)
{
    PTOKEN NewToken;
    NTSTATUS Status = SepDuplicateToken(ParentToken, NULL, FALSE, TokenPrimary, ParentToken->ImpersonationLevel,
                                        KernelMode, &NewToken);
    if (!NT_SUCCESS(Status))
        return Status;
    NewToken->TokenInUse = InUse;
    NewToken->SessionId = SessionId;
    *Token = NewToken;
    return STATUS_SUCCESS;
}

// Makes Token (a primary token no process uses) Process's primary token: the process
// takes a reference plus a full cache of fast references. At PASSIVE_LEVEL, with the
// process not yet running or its security locked.
extern "C" VOID NTAPI SeAssignPrimaryToken(PEPROCESS Process, PTOKEN Token)
{
    ASSERT(Token->TokenType == TokenPrimary);
    ASSERT(!Token->TokenInUse);
    if (ExGetObjectFastReference(Process->Token))
        SeDeassignPrimaryToken(Process);
    ObReferenceObject(Token);
    Token->TokenInUse = TRUE;
    ObInitializeFastReference(&Process->Token, Token);
}

// Takes Process's primary token away and drops every reference the process held on it.
// At PASSIVE_LEVEL, with the process's security locked or the process gone.
extern "C" VOID NTAPI SeDeassignPrimaryToken(PEPROCESS Process)
{
    auto *OldToken = static_cast<PTOKEN>(ObFastReplaceObject(&Process->Token, NULL));
    if (!OldToken)
        return;
    OldToken->TokenInUse = FALSE;
    ObDereferenceObject(OldToken);
}

// Whether Sid is the token's user or one of its groups that counts for access: an
// enabled group, or (for a deny ACE, Deny) a deny-only one. The caller keeps the token
// locked. At or below APC_LEVEL.
extern "C" BOOLEAN NTAPI SepSidInToken(PTOKEN Token, PSID Sid, BOOLEAN Deny)
{
    for (ULONG I = 0; I < Token->UserAndGroupCount; I++) {
        const SID_AND_ATTRIBUTES &Entry = Token->UserAndGroups[I];
        if (!RtlEqualSid(Entry.Sid, Sid))
            continue;
        if (Entry.Attributes & SE_GROUP_USE_FOR_DENY_ONLY)
            return Deny;
        return I == 0 || (Entry.Attributes & SE_GROUP_ENABLED) != 0;
    }
    return FALSE;
}

// Whether the token's user or an enabled group owns the object SecurityDescriptor
// describes. Takes the token's lock unless TokenLocked. At or below APC_LEVEL.
extern "C" BOOLEAN NTAPI SepTokenIsOwner(PTOKEN Token, PSECURITY_DESCRIPTOR SecurityDescriptor, BOOLEAN TokenLocked)
{
    PSID Owner;
    BOOLEAN Defaulted;
    if (!NT_SUCCESS(RtlGetOwnerSecurityDescriptor(SecurityDescriptor, &Owner, &Defaulted)) || !Owner)
        return FALSE;
    if (!TokenLocked)
        SepAcquireTokenLockShared(Token);
    BOOLEAN IsOwner = SepSidInToken(Token, Owner, FALSE);
    if (!TokenLocked)
        SepReleaseTokenLock(Token);
    return IsOwner;
}

// Whether the token may make Owner the owner of an object: Owner is its user or a
// group it holds with SE_GROUP_OWNER, or it has SeRestorePrivilege enabled. The caller
// keeps the token locked. At or below APC_LEVEL.
extern "C" BOOLEAN NTAPI SepValidOwner(PTOKEN Token, PSID Owner)
{
    for (ULONG I = 0; I < Token->UserAndGroupCount; I++) {
        const SID_AND_ATTRIBUTES &Entry = Token->UserAndGroups[I];
        if (RtlEqualSid(Entry.Sid, Owner) && (I == 0 || (Entry.Attributes & SE_GROUP_OWNER)))
            return TRUE;
    }
    return SepSinglePrivilegeCheck(SeRestorePrivilege, Token, UserMode);
}

// The SID objects this token creates are owned by. The caller keeps the token locked.
extern "C" PSID NTAPI SepGetTokenDefaultOwner(PTOKEN Token)
{
    return Token->UserAndGroups[Token->DefaultOwnerIndex].Sid;
}

// A token's type (primary or impersonation). At PASSIVE_LEVEL.
extern "C" TOKEN_TYPE NTAPI SeTokenType(PACCESS_TOKEN Token)
{
    return static_cast<PTOKEN>(Token)->TokenType;
}

// Whether a token holds the Administrators group. At PASSIVE_LEVEL.
extern "C" BOOLEAN NTAPI SeTokenIsAdmin(PACCESS_TOKEN Token)
{
    return (static_cast<PTOKEN>(Token)->TokenFlags & TOKEN_HAS_ADMIN_GROUP) != 0;
}

// Whether a token is restricted (never, here: restricted SIDs are not modelled). At
// PASSIVE_LEVEL.
extern "C" BOOLEAN NTAPI SeTokenIsRestricted(PACCESS_TOKEN Token)
{
    return (static_cast<PTOKEN>(Token)->TokenFlags & TOKEN_IS_RESTRICTED) != 0;
}

// The logon session a token belongs to. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI SeQueryAuthenticationIdToken(PACCESS_TOKEN Token, PLUID AuthenticationId)
{
    *AuthenticationId = static_cast<PTOKEN>(Token)->AuthenticationId;
    return STATUS_SUCCESS;
}

// The terminal-services session a token belongs to. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI SeQuerySessionIdToken(PACCESS_TOKEN Token, PULONG SessionId)
{
    auto *Token1 = static_cast<PTOKEN>(Token);
    SepAcquireTokenLockShared(Token1);
    *SessionId = Token1->SessionId;
    SepReleaseTokenLock(Token1);
    return STATUS_SUCCESS;
}

// A token's identity: its ids and source. At PASSIVE_LEVEL.
extern "C" VOID NTAPI SeGetTokenControlInformation(PACCESS_TOKEN Token, PTOKEN_CONTROL TokenControl)
{
    auto *Token1 = static_cast<PTOKEN>(Token);
    TokenControl->TokenId = Token1->TokenId;
    TokenControl->AuthenticationId = Token1->AuthenticationId;
    TokenControl->TokenSource = Token1->TokenSource;
    SepAcquireTokenLockShared(Token1);
    TokenControl->ModifiedId = Token1->ModifiedId;
    SepReleaseTokenLock(Token1);
}
