// sid.cpp - the well-known SIDs the kernel names (Everyone, SYSTEM, Administrators,
// CREATOR OWNER, ...), built in pool at boot and freed at shutdown.
#include "se.h"

PSID SeNullSid, SeWorldSid, SeLocalSid, SeCreatorOwnerSid, SeCreatorGroupSid, SeCreatorOwnerServerSid,
    SeCreatorGroupServerSid, SeNtAuthoritySid, SeDialupSid, SeNetworkSid, SeBatchSid, SeInteractiveSid, SeServiceSid,
    SeAnonymousLogonSid, SePrincipalSelfSid, SeLocalSystemSid, SeAuthenticatedUsersSid, SeRestrictedCodeSid,
    SeLocalServiceSid, SeNetworkServiceSid, SeAliasAdminsSid, SeAliasUsersSid, SeAliasGuestsSid, SeAliasPowerUsersSid,
    SeAliasAccountOpsSid, SeAliasSystemOpsSid, SeAliasPrintOpsSid, SeAliasBackupOpsSid;

namespace {

enum SEP_AUTHORITY { SepNull, SepWorld, SepLocal, SepCreator, SepNt };

const SID_IDENTIFIER_AUTHORITY SepAuthorities[] = {SECURITY_NULL_SID_AUTHORITY, SECURITY_WORLD_SID_AUTHORITY,
                                                   SECURITY_LOCAL_SID_AUTHORITY, SECURITY_CREATOR_SID_AUTHORITY,
                                                   SECURITY_NT_AUTHORITY};

// One well-known SID: where it is kept, its authority and its (at most two) RIDs.
struct SEP_WELL_KNOWN_SID {
    PSID *Sid;
    SEP_AUTHORITY Authority;
    UCHAR Count;
    ULONG Rid[2];
};

const SEP_WELL_KNOWN_SID SepWellKnownSids[] = {
    {&SeNullSid, SepNull, 1, {SECURITY_NULL_RID}},
    {&SeWorldSid, SepWorld, 1, {SECURITY_WORLD_RID}},
    {&SeLocalSid, SepLocal, 1, {SECURITY_LOCAL_RID}},
    {&SeCreatorOwnerSid, SepCreator, 1, {SECURITY_CREATOR_OWNER_RID}},
    {&SeCreatorGroupSid, SepCreator, 1, {SECURITY_CREATOR_GROUP_RID}},
    {&SeCreatorOwnerServerSid, SepCreator, 1, {SECURITY_CREATOR_OWNER_SERVER_RID}},
    {&SeCreatorGroupServerSid, SepCreator, 1, {SECURITY_CREATOR_GROUP_SERVER_RID}},
    {&SeNtAuthoritySid, SepNt, 0, {}},
    {&SeDialupSid, SepNt, 1, {SECURITY_DIALUP_RID}},
    {&SeNetworkSid, SepNt, 1, {SECURITY_NETWORK_RID}},
    {&SeBatchSid, SepNt, 1, {SECURITY_BATCH_RID}},
    {&SeInteractiveSid, SepNt, 1, {SECURITY_INTERACTIVE_RID}},
    {&SeServiceSid, SepNt, 1, {SECURITY_SERVICE_RID}},
    {&SeAnonymousLogonSid, SepNt, 1, {SECURITY_ANONYMOUS_LOGON_RID}},
    {&SePrincipalSelfSid, SepNt, 1, {SECURITY_PRINCIPAL_SELF_RID}},
    {&SeLocalSystemSid, SepNt, 1, {SECURITY_LOCAL_SYSTEM_RID}},
    {&SeAuthenticatedUsersSid, SepNt, 1, {SECURITY_AUTHENTICATED_USER_RID}},
    {&SeRestrictedCodeSid, SepNt, 1, {SECURITY_RESTRICTED_CODE_RID}},
    {&SeLocalServiceSid, SepNt, 1, {SECURITY_LOCAL_SERVICE_RID}},
    {&SeNetworkServiceSid, SepNt, 1, {SECURITY_NETWORK_SERVICE_RID}},
    {&SeAliasAdminsSid, SepNt, 2, {SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ADMINS}},
    {&SeAliasUsersSid, SepNt, 2, {SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_USERS}},
    {&SeAliasGuestsSid, SepNt, 2, {SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_GUESTS}},
    {&SeAliasPowerUsersSid, SepNt, 2, {SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_POWER_USERS}},
    {&SeAliasAccountOpsSid, SepNt, 2, {SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ACCOUNT_OPS}},
    {&SeAliasSystemOpsSid, SepNt, 2, {SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_SYSTEM_OPS}},
    {&SeAliasPrintOpsSid, SepNt, 2, {SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_PRINT_OPS}},
    {&SeAliasBackupOpsSid, SepNt, 2, {SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_BACKUP_OPS}},
};

// Allocates and fills in one well-known SID.
PSID SepBuildSid(const SEP_WELL_KNOWN_SID &Known)
{
    auto *Sid = static_cast<PISID>(ExAllocatePoolWithTag(PagedPool, RtlLengthRequiredSid(Known.Count), TAG_SE_SID));
    if (!Sid)
        return NULL;
    SID_IDENTIFIER_AUTHORITY Authority = SepAuthorities[Known.Authority];
    RtlInitializeSid(Sid, &Authority, Known.Count);
    for (UCHAR I = 0; I < Known.Count; I++)
        *RtlSubAuthoritySid(Sid, I) = Known.Rid[I];
    return Sid;
}

} // namespace

// Builds every well-known SID; STATUS_INSUFFICIENT_RESOURCES (none kept) when pool
// runs out. At PASSIVE_LEVEL during boot.
extern "C" NTSTATUS NTAPI SepInitSecurityIDs(VOID)
{
    for (const SEP_WELL_KNOWN_SID &Known : SepWellKnownSids) {
        *Known.Sid = SepBuildSid(Known);
        if (!*Known.Sid) {
            SepFreeSecurityIDs();
            return STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    return STATUS_SUCCESS;
}

// Frees the well-known SIDs. At PASSIVE_LEVEL at shutdown.
extern "C" VOID NTAPI SepFreeSecurityIDs(VOID)
{
    for (const SEP_WELL_KNOWN_SID &Known : SepWellKnownSids) {
        if (*Known.Sid)
            ExFreePoolWithTag(*Known.Sid, TAG_SE_SID);
        *Known.Sid = NULL;
    }
}
