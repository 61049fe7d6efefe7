// query.cpp - the information services of processes and threads: the basic and times
// classes of NtQueryInformationProcess / NtQueryInformationThread, and the priority,
// base priority, affinity and hide-from-debugger classes of NtSetInformationThread.
// Other classes give STATUS_INVALID_INFO_CLASS.
#include "ke.h"
#include "ex.h"
#include "ob.h"
#include "ps.h"
#include "se.h"

namespace {

// Converts clock ticks to 100 ns units.
LARGE_INTEGER PspTicksToTime(ULONG Ticks)
{
    LARGE_INTEGER Time;
    Time.QuadPart = static_cast<LONGLONG>(Ticks) * KeMaximumIncrement;
    return Time;
}

// The times classes' record: the two times and the two run times, from clock ticks.
KERNEL_USER_TIMES PspMakeTimes(LARGE_INTEGER CreateTime, LARGE_INTEGER ExitTime, ULONG KernelTicks, ULONG UserTicks)
{
    KERNEL_USER_TIMES Times;
    Times.CreateTime = CreateTime;
    Times.ExitTime = ExitTime;
    Times.KernelTime = PspTicksToTime(KernelTicks);
    Times.UserTime = PspTicksToTime(UserTicks);
    return Times;
}

// Reads a set service's fixed-size input from the caller's buffer (Length must be
// exactly sizeof(*Value)).
template <typename T> NTSTATUS PspCaptureInformation(PVOID Buffer, ULONG Length, T *Value)
{
    if (Length != sizeof(T))
        return STATUS_INFO_LENGTH_MISMATCH;
    return ExpCaptureFromCaller(Value, Buffer, sizeof(T), sizeof(ULONG));
}

// Checks a new priority or base-priority value: a realtime one needs
// SeIncreaseBasePriorityPrivilege.
NTSTATUS PspCheckPriorityPrivilege(BOOLEAN Realtime)
{
    if (Realtime && !SeSinglePrivilegeCheck(SeIncreaseBasePriorityPrivilege, ExGetPreviousMode()))
        return STATUS_PRIVILEGE_NOT_HELD;
    return STATUS_SUCCESS;
}

// The classes NtSetInformationThread serves, on a referenced thread.
NTSTATUS PspSetThreadInformation(PETHREAD Thread, THREADINFOCLASS Class, PVOID Buffer, ULONG Length)
{
    NTSTATUS Status;
    switch (Class) {
    case ThreadPriority: {
        KPRIORITY Priority;
        Status = PspCaptureInformation(Buffer, Length, &Priority);
        if (NT_SUCCESS(Status) && (Priority > HIGH_PRIORITY || Priority <= LOW_PRIORITY))
            Status = STATUS_INVALID_PARAMETER;
        if (NT_SUCCESS(Status))
            Status = PspCheckPriorityPrivilege(Priority >= LOW_REALTIME_PRIORITY);
        if (NT_SUCCESS(Status))
            KeSetPriorityThread(&Thread->Tcb, Priority);
        return Status;
    }
    case ThreadBasePriority: {
        LONG Increment;
        Status = PspCaptureInformation(Buffer, Length, &Increment);
        BOOLEAN Saturating = Increment == THREAD_BASE_PRIORITY_LOWRT + 1 || Increment == THREAD_BASE_PRIORITY_IDLE - 1;
        if (NT_SUCCESS(Status) && !Saturating &&
            (Increment > THREAD_BASE_PRIORITY_MAX || Increment < THREAD_BASE_PRIORITY_MIN))
            Status = STATUS_INVALID_PARAMETER;
        if (NT_SUCCESS(Status))
            Status = PspCheckPriorityPrivilege(Increment == THREAD_BASE_PRIORITY_LOWRT + 1);
        if (NT_SUCCESS(Status))
            KeSetBasePriorityThread(&Thread->Tcb, Increment);
        return Status;
    }
    case ThreadAffinityMask: {
        KAFFINITY Affinity;
        Status = PspCaptureInformation(Buffer, Length, &Affinity);
        KAFFINITY Allowed = Thread->ThreadsProcess->Pcb.Affinity;
        if (NT_SUCCESS(Status) && (!Affinity || (Affinity & ~Allowed)))
            Status = STATUS_INVALID_PARAMETER;
        if (NT_SUCCESS(Status))
            KeSetAffinityThread(&Thread->Tcb, Affinity);
        return Status;
    }
    case ThreadHideFromDebugger:
        if (Length)
            return STATUS_INFO_LENGTH_MISMATCH;
        PspSetCrossThreadFlag(Thread, PS_CROSS_THREAD_FLAGS_HIDEFROMDBG);
        return STATUS_SUCCESS;
    default:
        return STATUS_INVALID_INFO_CLASS;
    }
}

} // namespace

// The query-process service: ProcessBasicInformation and ProcessTimes, with
// PROCESS_QUERY_INFORMATION access; the buffer must be the class's size. At
// PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtQueryInformationProcess(HANDLE ProcessHandle, PROCESSINFOCLASS ProcessInformationClass,
                                                    PVOID ProcessInformation, ULONG ProcessInformationLength,
                                                    PULONG ReturnLength)
{
    KI_USER_SERVICE(NtQueryInformationProcess(ProcessHandle, ProcessInformationClass, ProcessInformation,
                                              ProcessInformationLength, ReturnLength));
    if (ProcessInformationClass != ProcessBasicInformation && ProcessInformationClass != ProcessTimes)
        return STATUS_INVALID_INFO_CLASS;
    PEPROCESS Process;
    NTSTATUS Status = ObReferenceObjectByHandle(ProcessHandle, PROCESS_QUERY_INFORMATION, PspProcessType,
                                                ExGetPreviousMode(), reinterpret_cast<PVOID *>(&Process), NULL);
    if (!NT_SUCCESS(Status))
        return Status;
    if (ProcessInformationClass == ProcessBasicInformation) {
        PROCESS_BASIC_INFORMATION Basic{};
        Basic.ExitStatus = Process->ExitStatus;
        Basic.PebBaseAddress = Process->Peb;
        Basic.AffinityMask = Process->Pcb.Affinity;
        Basic.BasePriority = Process->Pcb.BasePriority;
        Basic.UniqueProcessId = reinterpret_cast<ULONG_PTR>(Process->UniqueProcessId);
        Basic.InheritedFromUniqueProcessId = reinterpret_cast<ULONG_PTR>(Process->InheritedFromUniqueProcessId);
        Status = ExpReturnInformation(ProcessInformation, ProcessInformationLength, &Basic, sizeof(Basic),
                                      ReturnLength);
    } else {
        ULONG UserTicks;
        ULONG KernelTicks = KeQueryRuntimeProcess(&Process->Pcb, &UserTicks);
        KERNEL_USER_TIMES Times = PspMakeTimes(Process->CreateTime, Process->ExitTime, KernelTicks, UserTicks);
        Status = ExpReturnInformation(ProcessInformation, ProcessInformationLength, &Times, sizeof(Times),
                                      ReturnLength);
    }
    ObDereferenceObject(Process);
    return Status;
}

extern "C" NTSTATUS NTAPI ZwQueryInformationProcess(HANDLE ProcessHandle, PROCESSINFOCLASS ProcessInformationClass,
                                                    PVOID ProcessInformation, ULONG ProcessInformationLength,
                                                    PULONG ReturnLength)
{
    return KiZwCall([&] {
        return NtQueryInformationProcess(ProcessHandle, ProcessInformationClass, ProcessInformation,
                                         ProcessInformationLength, ReturnLength);
    });
}

// The query-thread service: ThreadBasicInformation and ThreadTimes, with
// THREAD_QUERY_INFORMATION access; the buffer must be the class's size. At
// PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtQueryInformationThread(HANDLE ThreadHandle, THREADINFOCLASS ThreadInformationClass,
                                                   PVOID ThreadInformation, ULONG ThreadInformationLength,
                                                   PULONG ReturnLength)
{
    KI_USER_SERVICE(NtQueryInformationThread(ThreadHandle, ThreadInformationClass, ThreadInformation,
                                             ThreadInformationLength, ReturnLength));
    if (ThreadInformationClass != ThreadBasicInformation && ThreadInformationClass != ThreadTimes)
        return STATUS_INVALID_INFO_CLASS;
    PETHREAD Thread;
    NTSTATUS Status = ObReferenceObjectByHandle(ThreadHandle, THREAD_QUERY_INFORMATION, PspThreadType,
                                                ExGetPreviousMode(), reinterpret_cast<PVOID *>(&Thread), NULL);
    if (!NT_SUCCESS(Status))
        return Status;
    if (ThreadInformationClass == ThreadBasicInformation) {
        THREAD_BASIC_INFORMATION Basic{};
        Basic.ExitStatus = Thread->ExitStatus;
        Basic.TebBaseAddress = Thread->Tcb.Teb;
        Basic.ClientId = Thread->Cid;
        Basic.AffinityMask = Thread->Tcb.Affinity;
        Basic.Priority = Thread->Tcb.Priority;
        Basic.BasePriority = KeQueryBasePriorityThread(&Thread->Tcb);
        Status = ExpReturnInformation(ThreadInformation, ThreadInformationLength, &Basic, sizeof(Basic), ReturnLength);
    } else {
        ULONG UserTicks;
        ULONG KernelTicks = KeQueryRuntimeThread(&Thread->Tcb, &UserTicks);
        // ExitTime shares its storage with LpcReplyChain until the thread has exited.
        LARGE_INTEGER ExitTime{};
        if (KeReadStateThread(&Thread->Tcb))
            ExitTime = Thread->ExitTime;
        KERNEL_USER_TIMES Times = PspMakeTimes(Thread->CreateTime, ExitTime, KernelTicks, UserTicks);
        Status = ExpReturnInformation(ThreadInformation, ThreadInformationLength, &Times, sizeof(Times), ReturnLength);
    }
    ObDereferenceObject(Thread);
    return Status;
}

extern "C" NTSTATUS NTAPI ZwQueryInformationThread(HANDLE ThreadHandle, THREADINFOCLASS ThreadInformationClass,
                                                   PVOID ThreadInformation, ULONG ThreadInformationLength,
                                                   PULONG ReturnLength)
{
    return KiZwCall([&] {
        return NtQueryInformationThread(ThreadHandle, ThreadInformationClass, ThreadInformation,
                                        ThreadInformationLength, ReturnLength);
    });
}

// The set-thread service: priority, base priority (a realtime one needs
// SeIncreaseBasePriorityPrivilege), affinity (within its process's) and
// hide-from-debugger, with THREAD_SET_INFORMATION access. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI NtSetInformationThread(HANDLE ThreadHandle, THREADINFOCLASS ThreadInformationClass,
                                                 PVOID ThreadInformation, ULONG ThreadInformationLength)
{
    KI_USER_SERVICE(NtSetInformationThread(ThreadHandle, ThreadInformationClass, ThreadInformation,
                                           ThreadInformationLength));
    PETHREAD Thread;
    NTSTATUS Status = ObReferenceObjectByHandle(ThreadHandle, THREAD_SET_INFORMATION, PspThreadType,
                                                ExGetPreviousMode(), reinterpret_cast<PVOID *>(&Thread), NULL);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = PspSetThreadInformation(Thread, ThreadInformationClass, ThreadInformation, ThreadInformationLength);
    ObDereferenceObject(Thread);
    return Status;
}

extern "C" NTSTATUS NTAPI ZwSetInformationThread(HANDLE ThreadHandle, THREADINFOCLASS ThreadInformationClass,
                                                 PVOID ThreadInformation, ULONG ThreadInformationLength)
{
    return KiZwCall([&] {
        return NtSetInformationThread(ThreadHandle, ThreadInformationClass, ThreadInformation,
                                      ThreadInformationLength);
    });
}
