// semgr.cpp - the security reference monitor: its start (well-known SIDs, privileges,
// ACLs and descriptors, the token type) and hosted stop, and the default security
// method object types without their own use.
#include "ob.h"
#include "se.h"

// Starts the security reference monitor. At PASSIVE_LEVEL in phase 1, after the object
// manager.
extern "C" NTSTATUS NTAPI SeInitSystem(VOID)
{
    SeInjectAccessStateFailures(0);
    SepInitializeLuid();
    SepInitPrivileges();
    NTSTATUS Status = SepInitSecurityIDs();
    if (NT_SUCCESS(Status))
        Status = SepInitDACLs();
    if (NT_SUCCESS(Status))
        Status = SepInitSDs();
    if (NT_SUCCESS(Status)) {
        SepInitExports();
        Status = SepInitializeTokenImplementation();
    }
    if (!NT_SUCCESS(Status))
        SeShutdownSystem();
    return Status;
}

// Frees the well-known descriptors, ACLs and SIDs and forgets the token type (the
// object manager deletes the type itself). At PASSIVE_LEVEL at shutdown, after the last
// token went and before the object manager stops.
extern "C" VOID NTAPI SeShutdownSystem(VOID)
{
    SepFreeSDs();
    SepFreeDACLs();
    SepFreeSecurityIDs();
    RtlZeroMemory(SeExports, sizeof(*SeExports));
    SepTokenObjectType = NULL;
}

// The security method of object types that keep their descriptor in the object header:
// set, query, delete or assign it (through the object manager's descriptor cache). At
// PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI SeDefaultObjectMethod(PVOID Object, SECURITY_OPERATION_CODE OperationType,
                                                PSECURITY_INFORMATION SecurityInformation,
                                                PSECURITY_DESCRIPTOR SecurityDescriptor, PULONG ReturnLength,
                                                PSECURITY_DESCRIPTOR *OldSecurityDescriptor, POOL_TYPE PoolType,
                                                PGENERIC_MAPPING GenericMapping)
{
    switch (OperationType) {
    case SetSecurityDescriptor:
        return ObSetSecurityDescriptorInfo(Object, SecurityInformation, SecurityDescriptor, OldSecurityDescriptor,
                                           PoolType, GenericMapping);
    case QuerySecurityDescriptor:
        return ObQuerySecurityDescriptorInfo(Object, SecurityInformation, SecurityDescriptor, ReturnLength,
                                             OldSecurityDescriptor);
    case DeleteSecurityDescriptor:
        return ObDeassignSecurity(OldSecurityDescriptor);
    case AssignSecurityDescriptor:
        return ObAssignObjectSecurityDescriptor(Object, SecurityDescriptor, PoolType);
    }
    return STATUS_INVALID_PARAMETER;
}
