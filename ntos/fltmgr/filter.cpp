// filter.cpp - registering a minifilter with the hosted filter manager (fltmgr's
// Filter.c), and the default security descriptor for its communication ports
// (fltmgr's Object.c). With no I/O manager, a started filter has no I/O to see.
#include "ke.h"
#include "ex.h"
#include "se.h"
#include "flt.h"

#define TAG_FLT_FILTER 'iFlF'
#define TAG_FLT_SECURITY 'sFlF'

// Registers a minifilter for its driver: checks the registration's size and version
// (STATUS_INVALID_PARAMETER) and returns the filter. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI FltRegisterFilter(PDRIVER_OBJECT Driver, const FLT_REGISTRATION *Registration,
                                            PFLT_FILTER *RetFilter)
{
    *RetFilter = NULL;
    if (!Driver || !Registration || Registration->Size < sizeof(FLT_REGISTRATION) ||
        (Registration->Version >> 8) != (FLT_REGISTRATION_VERSION >> 8))
        return STATUS_INVALID_PARAMETER;
    auto *Filter = static_cast<PFLT_FILTER>(ExAllocatePoolZero(NonPagedPool, sizeof(FLT_FILTER), TAG_FLT_FILTER));
    if (!Filter)
        return STATUS_INSUFFICIENT_RESOURCES;
    Filter->DriverObject = Driver;
    Filter->FilterUnload = Registration->FilterUnloadCallback;
    *RetFilter = Filter;
    return STATUS_SUCCESS;
}

// Starts filtering: with no volumes or I/O in the hosted kernel there is nothing to
// attach to, so a registered filter simply succeeds. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI FltStartFiltering(PFLT_FILTER Filter)
{
    return Filter ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
}

// Unregisters a filter. Its server ports are to be closed first (one left open is
// reported with the objects leaked at shutdown). At PASSIVE_LEVEL.
extern "C" VOID NTAPI FltUnregisterFilter(PFLT_FILTER Filter)
{
    ExFreePoolWithTag(Filter, TAG_FLT_FILTER);
}

// Builds a descriptor whose DACL grants DesiredAccess to LocalSystem and the
// Administrators, in one pool block for FltFreeSecurityDescriptor. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI FltBuildDefaultSecurityDescriptor(PSECURITY_DESCRIPTOR *SecurityDescriptor,
                                                            ACCESS_MASK DesiredAccess)
{
    *SecurityDescriptor = NULL;
    ULONG AclLength = sizeof(ACL) + 2 * FIELD_OFFSET(ACCESS_ALLOWED_ACE, SidStart) +
                      RtlLengthSid(SeExports->SeLocalSystemSid) + RtlLengthSid(SeExports->SeAliasAdminsSid);
    auto *Descriptor = static_cast<PSECURITY_DESCRIPTOR>(
        ExAllocatePoolWithTag(PagedPool, sizeof(SECURITY_DESCRIPTOR) + AclLength, TAG_FLT_SECURITY));
    if (!Descriptor)
        return STATUS_INSUFFICIENT_RESOURCES;
    auto *Dacl = reinterpret_cast<PACL>(static_cast<PUCHAR>(Descriptor) + sizeof(SECURITY_DESCRIPTOR));
    NTSTATUS Status = RtlCreateSecurityDescriptor(Descriptor, SECURITY_DESCRIPTOR_REVISION);
    if (NT_SUCCESS(Status))
        Status = RtlCreateAcl(Dacl, AclLength, ACL_REVISION);
    if (NT_SUCCESS(Status))
        Status = RtlAddAccessAllowedAce(Dacl, ACL_REVISION, DesiredAccess, SeExports->SeLocalSystemSid);
    if (NT_SUCCESS(Status))
        Status = RtlAddAccessAllowedAce(Dacl, ACL_REVISION, DesiredAccess, SeExports->SeAliasAdminsSid);
    if (NT_SUCCESS(Status))
        Status = RtlSetDaclSecurityDescriptor(Descriptor, TRUE, Dacl, FALSE);
    if (!NT_SUCCESS(Status)) {
        ExFreePoolWithTag(Descriptor, TAG_FLT_SECURITY);
        return Status;
    }
    *SecurityDescriptor = Descriptor;
    return STATUS_SUCCESS;
}

// Frees what FltBuildDefaultSecurityDescriptor built. At PASSIVE_LEVEL.
extern "C" VOID NTAPI FltFreeSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor)
{
    ExFreePoolWithTag(SecurityDescriptor, TAG_FLT_SECURITY);
}
