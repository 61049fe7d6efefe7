// ps_test.h - process helpers for tests that need processes other than the System
// process: create one (PspCreateProcess, as NtCreateProcessEx would), run system
// threads in it. Its last thread's exit is the process's exit (PspExitProcess).
#pragma once

#include <functional>

#include "ntos_test.h"

namespace ntos_test {

// Inside the kernel: creates a process, a child of the System process, and returns a
// kernel handle to it; PspCreateProcess's status.
inline NTSTATUS CreateChildOfSystem(PHANDLE ProcessHandle)
{
    HANDLE Parent;
    NTSTATUS Status = ObOpenObjectByPointer(PsInitialSystemProcess, OBJ_KERNEL_HANDLE, nullptr, PROCESS_ALL_ACCESS,
                                            *PsProcessType, KernelMode, &Parent);
    if (!NT_SUCCESS(Status))
        return Status;
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, nullptr, OBJ_KERNEL_HANDLE, nullptr, nullptr);
    Status = PspCreateProcess(ProcessHandle, PROCESS_ALL_ACCESS, &Attributes, Parent, 0, nullptr, nullptr, nullptr,
                              FALSE);
    ZwClose(Parent);
    return Status;
}

// Inside the kernel: the process a handle names, referenced (NULL on failure).
inline PEPROCESS ReferenceProcess(HANDLE ProcessHandle)
{
    PEPROCESS Process = nullptr;
    NTSTATUS Status = ObReferenceObjectByHandle(ProcessHandle, PROCESS_ALL_ACCESS, *PsProcessType, KernelMode,
                                                reinterpret_cast<PVOID *>(&Process), nullptr);
    return NT_SUCCESS(Status) ? Process : nullptr;
}

// Inside the kernel: StartKernelThread in the process ProcessHandle names (NULL: the
// System process). Returns the thread referenced, NULL if it could not be created.
inline PETHREAD StartThreadInProcess(HANDLE ProcessHandle, const std::function<void()> *Body)
{
    auto Trampoline = [](PVOID Context) { (*static_cast<const std::function<void()> *>(Context))(); };
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, nullptr, OBJ_KERNEL_HANDLE, nullptr, nullptr);
    HANDLE Handle;
    NTSTATUS Status = PsCreateSystemThread(&Handle, THREAD_ALL_ACCESS, &Attributes, ProcessHandle, nullptr, Trampoline,
                                           const_cast<std::function<void()> *>(Body));
    if (!NT_SUCCESS(Status))
        return nullptr;
    PETHREAD Thread = nullptr;
    Status = ObReferenceObjectByHandle(Handle, THREAD_ALL_ACCESS, *PsThreadType, KernelMode,
                                       reinterpret_cast<PVOID *>(&Thread), nullptr);
    ZwClose(Handle);
    return NT_SUCCESS(Status) ? Thread : nullptr;
}

// Inside the kernel: runs Body in a new thread of the process ProcessHandle names and
// waits until that thread is gone; with no other thread there, the process exits with
// it. Whether the thread could be created.
inline bool RunInProcess(HANDLE ProcessHandle, const std::function<void()> &Body)
{
    PETHREAD Thread = StartThreadInProcess(ProcessHandle, &Body);
    if (!Thread)
        return false;
    JoinKernelThread(Thread);
    return true;
}

} // namespace ntos_test
