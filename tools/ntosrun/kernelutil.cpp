// kernelutil.cpp - ntosrun's in-kernel helpers: processes, threads, waits.
#include "kernelutil.h"

#include <cstring>

#include "ps.h"

NTSTATUS NtosrunCreateProcess(const char *Name, PHANDLE Process)
{
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, nullptr, OBJ_KERNEL_HANDLE, nullptr, nullptr);
    NTSTATUS Status = ZwCreateProcessEx(Process, PROCESS_ALL_ACCESS, &Attributes, NtCurrentProcess(), 0, nullptr,
                                        nullptr, nullptr, FALSE);
    if (!NT_SUCCESS(Status))
        return Status;
    PEPROCESS Object;
    Status = ObReferenceObjectByHandle(*Process, 0, *PsProcessType, KernelMode, reinterpret_cast<PVOID *>(&Object),
                                       nullptr);
    if (NT_SUCCESS(Status)) {
        std::strncpy(reinterpret_cast<char *>(Object->ImageFileName), Name, sizeof(Object->ImageFileName) - 1);
        ObDereferenceObject(Object);
    }
    return Status;
}

NTSTATUS NtosrunStartSystemThread(HANDLE Process, const std::function<void()> *Body, PHANDLE Thread, PCLIENT_ID Cid)
{
    auto Trampoline = [](PVOID Context) { (*static_cast<const std::function<void()> *>(Context))(); };
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, nullptr, OBJ_KERNEL_HANDLE, nullptr, nullptr);
    return PsCreateSystemThread(Thread, THREAD_ALL_ACCESS, &Attributes, Process, Cid, Trampoline,
                                const_cast<std::function<void()> *>(Body));
}

NTSTATUS NtosrunStartUserThread(HANDLE Process, const std::function<NTSTATUS()> *Body, PHANDLE Thread, PCLIENT_ID Cid,
                                BOOLEAN Suspended)
{
    auto Start = [](PVOID Context) -> NTSTATUS { return (*static_cast<const std::function<NTSTATUS()> *>(Context))(); };
    return RtlCreateUserThread(Process, nullptr, Suspended, 0, 0, 0, Start,
                               const_cast<std::function<NTSTATUS()> *>(Body), Thread, Cid);
}

NTSTATUS NtosrunWait(HANDLE Handle, ULONG Milliseconds)
{
    LARGE_INTEGER Timeout;
    Timeout.QuadPart = -10000LL * Milliseconds;
    return ZwWaitForSingleObject(Handle, FALSE, Milliseconds ? &Timeout : nullptr);
}

NTSTATUS NtosrunSleep(ULONG Milliseconds, BOOLEAN Alertable)
{
    LARGE_INTEGER Interval;
    Interval.QuadPart = -10000LL * Milliseconds;
    return NtDelayExecution(Alertable, &Interval);
}

namespace {

// Opens Name with Open (NtOpenEvent's shape); the name is copied to the caller's stack
// first, where a user thread's user-mode pointers must be.
template <typename OpenRoutine> NTSTATUS OpenNamed(OpenRoutine Open, ACCESS_MASK Access, const WCHAR *Name, PHANDLE Handle)
{
    WCHAR Buffer[128];
    size_t Length = 0;
    while (Name[Length] && Length + 1 < sizeof(Buffer) / sizeof(Buffer[0])) {
        Buffer[Length] = Name[Length];
        Length++;
    }
    UNICODE_STRING String;
    String.Buffer = Buffer;
    String.Length = String.MaximumLength = static_cast<USHORT>(Length * sizeof(WCHAR));
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, &String, OBJ_CASE_INSENSITIVE, nullptr, nullptr);
    HANDLE Opened = nullptr;
    NTSTATUS Status = Open(&Opened, Access, &Attributes);
    *Handle = Opened;
    return Status;
}

} // namespace

NTSTATUS NtosrunOpenEvent(const WCHAR *Name, PHANDLE Event)
{
    return OpenNamed(NtOpenEvent, EVENT_ALL_ACCESS, Name, Event);
}

NTSTATUS NtosrunOpenSemaphore(const WCHAR *Name, PHANDLE Semaphore)
{
    return OpenNamed(NtOpenSemaphore, SEMAPHORE_ALL_ACCESS, Name, Semaphore);
}

NTSTATUS NtosrunOpenMutant(const WCHAR *Name, PHANDLE Mutant)
{
    return OpenNamed(NtOpenMutant, MUTANT_ALL_ACCESS, Name, Mutant);
}

NTSTATUS NtosrunExitStatus(HANDLE Handle)
{
    PVOID Object;
    if (!NT_SUCCESS(ObReferenceObjectByHandle(Handle, 0, nullptr, KernelMode, &Object, nullptr)))
        return STATUS_INVALID_HANDLE;
    NTSTATUS Status = OBJECT_TO_OBJECT_HEADER(Object)->Type == *PsProcessType
                          ? PsGetProcessExitStatus(static_cast<PEPROCESS>(Object))
                          : PsGetThreadExitStatus(static_cast<PETHREAD>(Object));
    ObDereferenceObject(Object);
    return Status;
}
