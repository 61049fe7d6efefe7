/* ndk/setypes.h - the security reference monitor's structures (NT 5.2): the token
 * object, the auxiliary access data of an ACCESS_STATE, and the undocumented Se calls
 * the object and process managers make. */
#ifndef _SETYPES_H
#define _SETYPES_H

#include "ntifs.h"

NT_EXTERN_C_BEGIN

/* The per-token audit policy (NT 5.2: a packed 64-bit set of per-category flags). */
typedef struct _SEP_AUDIT_POLICY {
    union {
        ULONG64 Overlay;
        struct {
            ULONG64 PolicyElements : 48;
            ULONG64 PolicyOverlay : 16;
        };
    };
} SEP_AUDIT_POLICY, *PSEP_AUDIT_POLICY;

/* An access token. The fixed part is followed by VariablePart, which holds the
 * privileges, then the SID_AND_ATTRIBUTES array of the user and groups with their SIDs;
 * DynamicPart is a separate pool block holding the primary group and the default DACL,
 * the two things that may be changed after creation. TokenLock guards the mutable
 * fields (attributes, dynamic part, DefaultOwnerIndex). */
typedef struct _TOKEN {
    TOKEN_SOURCE TokenSource;
    LUID TokenId;
    LUID AuthenticationId;
    LUID ParentTokenId;
    LARGE_INTEGER ExpirationTime;
    PERESOURCE TokenLock;
    SEP_AUDIT_POLICY AuditPolicy;
    LUID ModifiedId;
    ULONG SessionId;
    ULONG UserAndGroupCount;
    ULONG RestrictedSidCount;
    ULONG PrivilegeCount;
    ULONG VariableLength;
    ULONG DynamicCharged;
    ULONG DynamicAvailable;
    ULONG DefaultOwnerIndex;
    PSID_AND_ATTRIBUTES UserAndGroups;
    PSID_AND_ATTRIBUTES RestrictedSids;
    PSID PrimaryGroup;
    PLUID_AND_ATTRIBUTES Privileges;
    PULONG DynamicPart;
    PACL DefaultDacl;
    TOKEN_TYPE TokenType;
    SECURITY_IMPERSONATION_LEVEL ImpersonationLevel;
    ULONG TokenFlags;
    BOOLEAN TokenInUse;
    PVOID ProxyData;
    PVOID AuditData;
    PVOID LogonSession;
    LUID OriginatingLogonSession;
    ULONG VariablePart;
} TOKEN, *PTOKEN;

/* TOKEN.TokenFlags beyond the ACCESS_STATE ones of ntddk.h */
#define TOKEN_HAS_ADMIN_GROUP 0x0008

/* ACCESS_STATE.AuxData */
typedef struct _AUX_ACCESS_DATA {
    PPRIVILEGE_SET PrivilegesUsed;
    GENERIC_MAPPING GenericMapping;
    ACCESS_MASK AccessesToAudit;
    ACCESS_MASK MaximumAuditMask;
} AUX_ACCESS_DATA, *PAUX_ACCESS_DATA;

/* The header the object manager's security descriptor cache puts before each cached,
 * reference-counted self-relative descriptor (ob/obsdcach.cpp). */
typedef struct _SECURITY_DESCRIPTOR_HEADER {
    LIST_ENTRY Link;
    volatile LONG RefCount;
    ULONG FullHash;
    ULONG Length;
    ULONG Reserved;
    ULONGLONG SecurityDescriptor[1];
} SECURITY_DESCRIPTOR_HEADER, *PSECURITY_DESCRIPTOR_HEADER;

struct _EPROCESS;
struct _ETHREAD;
NTKERNELAPI VOID NTAPI SeCaptureSubjectContextEx(struct _ETHREAD *Thread, struct _EPROCESS *Process,
                                                 PSECURITY_SUBJECT_CONTEXT SubjectContext);
NTKERNELAPI NTSTATUS NTAPI SeCreateAccessStateEx(struct _ETHREAD *Thread, struct _EPROCESS *Process,
                                                 PACCESS_STATE AccessState, PAUX_ACCESS_DATA AuxData,
                                                 ACCESS_MASK Access, PGENERIC_MAPPING GenericMapping);
NTKERNELAPI NTSTATUS NTAPI SeDefaultObjectMethod(PVOID Object, SECURITY_OPERATION_CODE OperationType,
                                                 PSECURITY_INFORMATION SecurityInformation,
                                                 PSECURITY_DESCRIPTOR SecurityDescriptor, PULONG ReturnLength,
                                                 PSECURITY_DESCRIPTOR *OldSecurityDescriptor, POOL_TYPE PoolType,
                                                 PGENERIC_MAPPING GenericMapping);

NT_EXTERN_C_END

#endif /* _SETYPES_H */
