// driverload.cpp - loading hosted drivers: dlopen on the host, IoCreateDriver in the
// kernel (the I/O manager's \Driver object, DriverEntry called with it), DriverUnload
// and IoDeleteDriver at the end.
#include "driverload.h"

#include <dlfcn.h>

#include "io.h"
#include "ob.h"
#include "ps.h"

namespace {

// libfoo.so, foo.so or foo.sys -> foo.
std::string DriverNameOf(const std::string &Path)
{
    std::string Name = Path.substr(Path.find_last_of('/') + 1);
    if (Name.rfind("lib", 0) == 0)
        Name.erase(0, 3);
    size_t Dot = Name.find('.');
    if (Dot != std::string::npos)
        Name.erase(Dot);
    return Name.empty() ? "driver" : Name;
}

// \Driver\<Name> as a counted wide string; Storage keeps the characters.
UNICODE_STRING ObjectNameOf(const std::string &Name, std::wstring &Storage)
{
    Storage = L"\\Driver\\" + std::wstring(Name.begin(), Name.end());
    UNICODE_STRING String;
    String.Buffer = Storage.data();
    String.Length = static_cast<USHORT>(Storage.size() * sizeof(WCHAR));
    String.MaximumLength = String.Length;
    return String;
}

// Tells the load-image notify routines of the driver's image, as the memory manager
// does when it maps a driver: the full path, process ID 0, a system-mode image at the
// shared object's base. At PASSIVE_LEVEL.
VOID NotifyImageLoad(const NtosrunDriver &Driver)
{
    Dl_info Info{};
    dladdr(reinterpret_cast<void *>(Driver.Entry), &Info);
    std::wstring Path(Driver.Path.begin(), Driver.Path.end());
    UNICODE_STRING FullImageName;
    FullImageName.Buffer = Path.data();
    FullImageName.Length = FullImageName.MaximumLength = static_cast<USHORT>(Path.size() * sizeof(WCHAR));
    IMAGE_INFO Image{};
    Image.SystemModeImage = 1;
    Image.ImageBase = Info.dli_fbase;
    PspRunLoadImageNotifyRoutines(&FullImageName, nullptr, &Image);
}

} // namespace

bool NtosrunOpenDriver(const std::string &Path, NtosrunDriver &Driver, std::string &Error)
{
    Driver.Path = Path;
    Driver.Name = DriverNameOf(Path);
    // A path without a slash is looked up by dlopen's search rules; say "./x.so" for a file here.
    Driver.Module = dlopen(Path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!Driver.Module) {
        const char *Why = dlerror();
        Error = "cannot load driver " + Path + ": " + (Why ? Why : "unknown error");
        return false;
    }
    Driver.Entry = reinterpret_cast<PDRIVER_INITIALIZE>(dlsym(Driver.Module, "DriverEntry"));
    if (!Driver.Entry) {
        Error = "driver " + Path + " has no DriverEntry";
        dlclose(Driver.Module);
        Driver.Module = nullptr;
        return false;
    }
    return true;
}

NTSTATUS NtosrunStartDriver(NtosrunDriver &Driver)
{
    std::wstring Storage;
    UNICODE_STRING ObjectName = ObjectNameOf(Driver.Name, Storage);
    NotifyImageLoad(Driver);
    Driver.EntryStatus = IoCreateDriver(&ObjectName, Driver.Entry);
    if (!NT_SUCCESS(Driver.EntryStatus))
        return Driver.EntryStatus;
    PVOID Object = nullptr;
    NTSTATUS Status = ObReferenceObjectByName(&ObjectName, OBJ_CASE_INSENSITIVE, nullptr, 0, IopDriverObjectType,
                                              KernelMode, nullptr, &Object);
    if (NT_SUCCESS(Status))
        Driver.Object = static_cast<PDRIVER_OBJECT>(Object);
    return Status;
}

VOID NtosrunUnloadDriver(NtosrunDriver &Driver)
{
    if (!Driver.Object)
        return;
    if (Driver.Object->DriverUnload)
        Driver.Object->DriverUnload(Driver.Object);
    IoDeleteDriver(Driver.Object);
    ObDereferenceObject(Driver.Object);
    Driver.Object = nullptr;
}

void NtosrunCloseDriver(NtosrunDriver &Driver)
{
    if (Driver.Module)
        dlclose(Driver.Module);
    Driver.Module = nullptr;
}

PVOID NtosrunDriverSymbol(const NtosrunDriver &Driver, const char *Symbol)
{
    return Driver.Module ? dlsym(Driver.Module, Symbol) : nullptr;
}

NtosrunDriver *NtosrunFindDriver(std::vector<NtosrunDriver> &Drivers, const std::string &Name)
{
    for (NtosrunDriver &Driver : Drivers)
        if (Driver.Name == Name)
            return &Driver;
    return nullptr;
}
