// mm_test.h - what the memory manager's tests share: creating user processes (children
// of the System process, with a user range and a PEB), attaching to them, and running
// a probe or a touch of memory under SEH to see the status it raises.
#pragma once

#include "ntos_test.h"
#include "../ps/ps_test.h"
#include "ex.h"
#include "mm.h"
#include "pseh/pseh2.h"

namespace ntos_test {

// Inside the kernel: creates a child process of the System process and returns it
// referenced (its handle closed), or NULL with *Status set.
inline PEPROCESS CreateUserProcess(NTSTATUS *Status = nullptr)
{
    NTSTATUS Local;
    NTSTATUS &Result = Status ? *Status : Local;
    HANDLE Handle;
    Result = ps_test::CreateProcess(&Handle);
    if (!NT_SUCCESS(Result))
        return nullptr;
    PEPROCESS Process = ps_test::Reference<EPROCESS>(Handle, *PsProcessType);
    ZwClose(Handle);
    return Process;
}

// Runs Body in the kernel on a new user process, dropped afterwards; a process that
// could not be created is a failed check.
inline NTSTATUS RunWithUserProcess(KernelChecks &C, const std::function<void(PEPROCESS)> &Body)
{
    return RunInKernel([&] {
        PEPROCESS Process = CreateUserProcess();
        C.Expect(Process != nullptr, "process created");
        if (!Process)
            return;
        Body(Process);
        ObDereferenceObject(Process);
    });
}

// Inside the kernel: the thread's system services see Mode as their caller's while
// this lives.
class PreviousModeScope {
public:
    explicit PreviousModeScope(KPROCESSOR_MODE Mode) : Saved(KeGetCurrentThread()->PreviousMode)
    {
        KeGetCurrentThread()->PreviousMode = Mode;
    }
    ~PreviousModeScope() { KeGetCurrentThread()->PreviousMode = Saved; }
    PreviousModeScope(const PreviousModeScope &) = delete;
    PreviousModeScope &operator=(const PreviousModeScope &) = delete;

private:
    CCHAR Saved;
};

// Inside the kernel: the thread works in Process's context while this lives.
class Attach {
public:
    explicit Attach(PEPROCESS Process) { KeStackAttachProcess(&Process->Pcb, &State); }
    ~Attach() { KeUnstackDetachProcess(&State); }
    Attach(const Attach &) = delete;
    Attach &operator=(const Attach &) = delete;

private:
    KAPC_STATE State;
};

// Inside the kernel: runs Body under SEH; returns the status it raised (or a fault
// became), STATUS_SUCCESS if none.
template <typename Routine> NTSTATUS RaisedStatus(Routine Body)
{
    NTSTATUS Status = STATUS_SUCCESS;
    _SEH2_TRY
    {
        Body();
    }
    _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER)
    {
        Status = _SEH2_GetExceptionCode();
    }
    _SEH2_END;
    return Status;
}

inline NTSTATUS ProbeReadStatus(const volatile VOID *Address, SIZE_T Length, ULONG Alignment)
{
    return RaisedStatus([&] { ProbeForRead(Address, Length, Alignment); });
}

inline NTSTATUS ProbeWriteStatus(volatile VOID *Address, SIZE_T Length, ULONG Alignment)
{
    return RaisedStatus([&] { ProbeForWrite(Address, Length, Alignment); });
}

// The status reading one byte at Address raises (a fault becomes STATUS_ACCESS_VIOLATION).
inline NTSTATUS TouchStatus(const volatile VOID *Address)
{
    return RaisedStatus([&] { (void)*static_cast<const volatile UCHAR *>(Address); });
}

// Inside the kernel: MiAllocateVirtualMemory of a Size-byte region of Type.
inline NTSTATUS Allocate(PEPROCESS Process, PVOID *Base, SIZE_T Size, ULONG Type)
{
    return MiAllocateVirtualMemory(Process, Base, &Size, Type, FALSE);
}

// Inside the kernel: releases the region at Base, as the kernel does.
inline NTSTATUS FreeUser(PEPROCESS Process, PVOID Base)
{
    return MiFreeVirtualMemory(Process, Base, nullptr, KernelMode);
}

// Inside the kernel: allocates committed memory in Process (MEM_TOP_DOWN if asked);
// NULL on failure.
inline PUCHAR AllocateUser(PEPROCESS Process, SIZE_T Size, ULONG Extra = 0, PVOID Fixed = nullptr,
                           NTSTATUS *Status = nullptr)
{
    PVOID Base = Fixed;
    NTSTATUS Result = Allocate(Process, &Base, Size, MEM_RESERVE | MEM_COMMIT | Extra);
    if (Status)
        *Status = Result;
    return NT_SUCCESS(Result) ? static_cast<PUCHAR>(Base) : nullptr;
}

// Inside the kernel, attached to a user process: lays out an OBJECT_ATTRIBUTES naming
// Path (with Attributes, no root) and its name in a user-mode page, as a user caller
// passes them; returns the attributes' user address.
inline POBJECT_ATTRIBUTES MakeUserObjectAttributes(PUCHAR UserPage, PCWSTR Path, ULONG Attributes = 0)
{
    auto *Object = reinterpret_cast<POBJECT_ATTRIBUTES>(UserPage);
    auto *Name = reinterpret_cast<PUNICODE_STRING>(Object + 1);
    auto *Chars = reinterpret_cast<PWSTR>(Name + 1);
    SIZE_T Length = 0;
    while (Path[Length])
        Length++;
    RtlCopyMemory(Chars, Path, Length * sizeof(WCHAR));
    Name->Buffer = Chars;
    Name->Length = Name->MaximumLength = static_cast<USHORT>(Length * sizeof(WCHAR));
    InitializeObjectAttributes(Object, Name, Attributes, nullptr, nullptr);
    return Object;
}

inline bool InRange(PEPROCESS Process, const void *Address, SIZE_T Size)
{
    auto *P = static_cast<const char *>(Address);
    return P >= static_cast<const char *>(Process->UserRangeStart) &&
           P + Size <= static_cast<const char *>(Process->UserRangeEnd);
}

} // namespace ntos_test
