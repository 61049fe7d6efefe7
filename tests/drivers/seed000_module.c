/* seed000_module.c - the seed 000 driver's entry point when it is built as a hosted
 * driver (libseed000.so, loaded by ntosrun --driver): DriverEntry, as the loader looks
 * for it. */
#include "seed000.h"

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    return Seed000DriverEntry(DriverObject, RegistryPath);
}
