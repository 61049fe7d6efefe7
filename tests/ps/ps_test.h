// ps_test.h - scaffolding of the process manager's tests: processes made with
// ZwCreateProcessEx, system threads started in them (a process's last thread's exit is
// the process's exit), and counts read off the process manager's lists. Everything
// here runs inside the kernel.
#pragma once

#include "ntos_test.h"
#include "ob.h"

namespace ps_test {

// Creates a child of the System process and returns a kernel handle to it.
inline NTSTATUS CreateProcess(PHANDLE Process, ULONG Flags = 0)
{
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, nullptr, OBJ_KERNEL_HANDLE, nullptr, nullptr);
    return ZwCreateProcessEx(Process, PROCESS_ALL_ACCESS, &Attributes, NtCurrentProcess(), Flags, nullptr, nullptr,
                             nullptr, FALSE);
}

// References the process or thread a kernel handle names.
template <typename T> T *Reference(HANDLE Handle, POBJECT_TYPE Type)
{
    PVOID Object = nullptr;
    if (!NT_SUCCESS(ObReferenceObjectByHandle(Handle, 0, Type, KernelMode, &Object, nullptr)))
        return nullptr;
    return static_cast<T *>(Object);
}

// Starts a system thread running Body (which must outlive it) in the process
// ProcessHandle names (the System process when NULL); returns its kernel handle.
inline NTSTATUS StartThreadIn(HANDLE ProcessHandle, const std::function<void()> *Body, PHANDLE Thread,
                              PCLIENT_ID ClientId = nullptr)
{
    auto Trampoline = [](PVOID Context) { (*static_cast<const std::function<void()> *>(Context))(); };
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, nullptr, OBJ_KERNEL_HANDLE, nullptr, nullptr);
    return PsCreateSystemThread(Thread, THREAD_ALL_ACCESS, &Attributes, ProcessHandle, ClientId, Trampoline,
                                const_cast<std::function<void()> *>(Body));
}

// Waits for the object a kernel handle names to be signalled.
inline NTSTATUS WaitHandle(HANDLE Handle)
{
    return ZwWaitForSingleObject(Handle, FALSE, nullptr);
}

// The number of threads on a process's thread list (dead ones not yet deleted too).
inline ULONG CountThreads(PEPROCESS Process)
{
    ULONG Count = 0;
    for (PETHREAD Thread = PsGetNextProcessThread(Process, nullptr); Thread;
         Thread = PsGetNextProcessThread(Process, Thread))
        Count++;
    return Count;
}

// Waits until the process's thread list holds Count threads: deleted threads leave it
// once the reaper and the last handle let go of them.
inline void WaitForThreadCount(PEPROCESS Process, ULONG Count)
{
    LARGE_INTEGER Interval;
    Interval.QuadPart = -10 * 100;
    while (CountThreads(Process) != Count)
        KeDelayExecutionThread(KernelMode, FALSE, &Interval);
}

// A system thread that waits on an event until Release(): started in the process
// ProcessHandle names (the System process when NULL); Handle is its kernel handle.
struct BlockedThread {
    KEVENT Event;
    std::function<void()> Body = [this] { KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, nullptr); };
    HANDLE Handle = nullptr;

    NTSTATUS Start(HANDLE ProcessHandle)
    {
        KeInitializeEvent(&Event, NotificationEvent, FALSE);
        return StartThreadIn(ProcessHandle, &Body, &Handle);
    }
    // Lets the thread end, waits for it and closes its handle.
    void Release()
    {
        KeSetEvent(&Event, 0, FALSE);
        WaitHandle(Handle);
        ZwClose(Handle);
    }
};

} // namespace ps_test

namespace ntos_test {

// The forms the notify and FsRtl tests use.
inline NTSTATUS CreateChildOfSystem(PHANDLE ProcessHandle) { return ps_test::CreateProcess(ProcessHandle); }

inline PEPROCESS ReferenceProcess(HANDLE ProcessHandle)
{
    return ps_test::Reference<EPROCESS>(ProcessHandle, *PsProcessType);
}

// StartKernelThread in the process ProcessHandle names (NULL: the System process).
// Returns the thread referenced, NULL if it could not be created.
inline PETHREAD StartThreadInProcess(HANDLE ProcessHandle, const std::function<void()> *Body)
{
    HANDLE Handle;
    if (!NT_SUCCESS(ps_test::StartThreadIn(ProcessHandle, Body, &Handle)))
        return nullptr;
    PETHREAD Thread = ps_test::Reference<ETHREAD>(Handle, *PsThreadType);
    ZwClose(Handle);
    return Thread;
}

// Runs Body in a new thread of the process ProcessHandle names and waits until that
// thread is gone; with no other thread there, the process exits with it. Whether the
// thread could be created.
inline bool RunInProcess(HANDLE ProcessHandle, const std::function<void()> &Body)
{
    PETHREAD Thread = StartThreadInProcess(ProcessHandle, &Body);
    if (!Thread)
        return false;
    JoinKernelThread(Thread);
    return true;
}

} // namespace ntos_test
