// access.cpp - access masks: generic rights mapped to an object type's specific ones,
// and the granted-access tests.
#include "ntddk.h"

// Replaces the generic bits of *AccessMask with the rights GenericMapping gives them.
// Any IRQL.
extern "C" VOID NTAPI RtlMapGenericMask(PACCESS_MASK AccessMask, const GENERIC_MAPPING *GenericMapping)
{
    if (*AccessMask & GENERIC_READ)
        *AccessMask |= GenericMapping->GenericRead;
    if (*AccessMask & GENERIC_WRITE)
        *AccessMask |= GenericMapping->GenericWrite;
    if (*AccessMask & GENERIC_EXECUTE)
        *AccessMask |= GenericMapping->GenericExecute;
    if (*AccessMask & GENERIC_ALL)
        *AccessMask |= GenericMapping->GenericAll;
    *AccessMask &= ~(ACCESS_MASK)(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL);
}

// Whether every right in DesiredAccess was granted. Any IRQL.
extern "C" BOOLEAN NTAPI RtlAreAllAccessesGranted(ACCESS_MASK GrantedAccess, ACCESS_MASK DesiredAccess)
{
    return (DesiredAccess & ~GrantedAccess) == 0;
}

// Whether any right in DesiredAccess was granted. Any IRQL.
extern "C" BOOLEAN NTAPI RtlAreAnyAccessesGranted(ACCESS_MASK GrantedAccess, ACCESS_MASK DesiredAccess)
{
    return (GrantedAccess & DesiredAccess) != 0;
}
