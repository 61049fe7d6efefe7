/* faildriver.c - a hosted driver whose DriverEntry fails, as one that finds its
 * hardware missing does: ntosrun must report the status, leave no driver object
 * behind and exit with 1. */
#include <ntddk.h>

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_NO_SUCH_DEVICE;
}
