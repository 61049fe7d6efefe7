/* crashdriver.c - a hosted driver whose DriverEntry stops the system, as a driver
 * that finds its state corrupt does: ntosrun must show the stop code, the kd summary
 * and its --kd commands, and exit abnormally rather than hang. */
#include <ntddk.h>

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    KeBugCheckEx(MANUALLY_INITIATED_CRASH, (ULONG_PTR)DriverObject, 0, 0, 0);
}
