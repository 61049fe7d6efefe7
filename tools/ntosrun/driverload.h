// driverload.h - hosted drivers: a shared object built against ntos/include, opened on
// the host, then given a \Driver\<name> object whose DriverEntry runs in a system
// thread; at the end its DriverUnload runs and the object goes.
#pragma once

#include <string>
#include <vector>

#include "ndk/ntndk.h"

struct NtosrunDriver {
    std::string Path;
    std::string Name;          // from the file name: libfoo.so -> foo
    void *Module = nullptr;    // the host's handle to the shared object
    PDRIVER_INITIALIZE Entry = nullptr;
    PDRIVER_OBJECT Object = nullptr; // referenced while loaded
    NTSTATUS EntryStatus = STATUS_PENDING;
};

// Host side, before boot: opens the shared object and finds DriverEntry. False with
// Error when either fails.
bool NtosrunOpenDriver(const std::string &Path, NtosrunDriver &Driver, std::string &Error);
// Kernel side, at PASSIVE_LEVEL in a system thread: the image is announced to the
// load-image notify routines, \Driver\<Name> is made and its
// DriverEntry called; its status is kept in EntryStatus and returned.
NTSTATUS NtosrunStartDriver(NtosrunDriver &Driver);
// Kernel side: DriverUnload (when the driver set one), then the object goes.
VOID NtosrunUnloadDriver(NtosrunDriver &Driver);
// Host side, after shutdown: closes the shared object.
void NtosrunCloseDriver(NtosrunDriver &Driver);
// An exported symbol of a loaded driver (its data, for a workload to read), or NULL.
PVOID NtosrunDriverSymbol(const NtosrunDriver &Driver, const char *Symbol);
// The loaded driver called Name, or NULL.
NtosrunDriver *NtosrunFindDriver(std::vector<NtosrunDriver> &Drivers, const std::string &Name);
