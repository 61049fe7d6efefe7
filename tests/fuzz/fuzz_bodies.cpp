// fuzz_bodies.cpp - what the program's threads, notify routines and APCs do. System
// bodies run in kernel mode and every wait of theirs can end (the program's end event
// or a timeout); user bodies run in hosted user mode and call the Nt services with
// PreviousMode UserMode, invalid handles and pointers included. Notify routines wait
// (cancellably or not), create threads, or end the thread or process being created.
#include "fuzz_state.h"

namespace ntos_fuzz {

namespace {

constexpr ULONG kSystemBodies = 8;
constexpr ULONG kUserBodies = 14;
constexpr LONG kMaxDepth = 2;
constexpr ULONG kApcTag = 'pAzF';

FuzzBody NullBody;

// System body: waits for a pinned object or the program's end, alertable or not, with
// or without a timeout.
NTSTATUS SystemWaitAny(FuzzBody &Body)
{
    PVOID Objects[2] = {&Fuzz->ProgramEnd, Body.Object ? Body.Object : &Fuzz->ProgramEnd};
    LARGE_INTEGER Timeout = FuzzTimeoutMs((Body.Arg >> 2) * 4);
    return KeWaitForMultipleObjects(2, Objects, WaitAny, Executive, KernelMode, Body.Arg & 1,
                                    (Body.Arg & 2) ? &Timeout : NULL, NULL);
}

// System body: the cancellable wait of seed 000 on a pinned object (bounded unless
// it is the program's end event); termination cancels it.
NTSTATUS SystemCancellableWait(FuzzBody &Body)
{
    PVOID Object = (Body.Arg & 1) && Body.Object ? Body.Object : &Fuzz->ProgramEnd;
    LARGE_INTEGER Timeout = FuzzTimeoutMs(Body.Arg * 2);
    return FsRtlCancellableWaitForSingleObject(Object, Object == &Fuzz->ProgramEnd ? NULL : &Timeout, NULL);
}

NTSTATUS RunSystemBody(FuzzBody &Body)
{
    LARGE_INTEGER Interval = FuzzTimeoutMs(Body.Arg >> 1);
    ULONG Count;
    switch (Body.Kind % kSystemBodies) {
    case 0:
        return Body.Arg;
    case 1:
        return SystemWaitAny(Body);
    case 2:
        return SystemCancellableWait(Body);
    case 3:
        return PsTerminateSystemThread(Body.Arg);
    case 4:
        return KeDelayExecutionThread(KernelMode, Body.Arg & 1, &Interval);
    case 5: {
        HANDLE Thread;
        if (Body.Depth >= kMaxDepth || !NT_SUCCESS(FuzzStartSystemThread(NULL, Body.Arg, Body.Arg >> 3,
                                                                        Body.Depth + 1, &Thread)))
            return STATUS_UNSUCCESSFUL;
        return ZwClose(Thread);
    }
    case 6:
        return PsSuspendThread(PsGetCurrentThread(), &Count);
    default:
        if (Body.Object)
            KeWaitForSingleObject(Body.Object, Executive, KernelMode, FALSE, &Interval);
        return PsTerminateSystemThread(STATUS_ABANDONED);
    }
}

// User body: a service on the handle it was given (another thread or process, a
// kernel handle, a stale one).
NTSTATUS UserOnHandle(FuzzBody &Body)
{
    ULONG Count;
    switch (Body.Arg % 4) {
    case 0:
        return NtTerminateProcess(Body.Handle, Body.Arg);
    case 1:
        return NtTerminateThread(Body.Handle, Body.Arg);
    case 2:
        return NtSuspendThread(Body.Handle, &Count);
    default:
        return NtClose(Body.Handle);
    }
}

// User body: kernel and unmapped addresses where the services expect user buffers.
NTSTATUS UserBadPointers(FuzzBody &Body)
{
    PVOID Bad = (Body.Arg & 1) ? static_cast<PVOID>(Fuzz) : reinterpret_cast<PVOID>(16);
    NtQueryInformationThread(NtCurrentThread(), ThreadBasicInformation, Bad, sizeof(THREAD_BASIC_INFORMATION), NULL);
    NtSuspendThread(NtCurrentThread(), static_cast<PULONG>(Bad));
    HANDLE Thread;
    PVOID Nested = FuzzAllocateBody(0, Body.Arg, NULL, Body.Depth + 1);
    return RtlCreateUserThread(NtCurrentProcess(), NULL, FALSE, 0, 0, 0, FuzzUserThreadStart, Nested, &Thread,
                               static_cast<PCLIENT_ID>(Bad));
}

// User body: the System process, opened and terminated from user mode.
NTSTATUS UserAgainstSystem(FuzzBody &Body)
{
    CLIENT_ID Cid{};
    Cid.UniqueProcess = Fuzz->SystemPid;
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, NULL, 0, NULL, NULL);
    HANDLE Process;
    NTSTATUS Status = NtOpenProcess(&Process, PROCESS_ALL_ACCESS, &Attributes, &Cid);
    if (!NT_SUCCESS(Status))
        return NtTerminateProcess(reinterpret_cast<HANDLE>(0xFFFFFFFF80000004ULL), Body.Arg);
    Status = NtTerminateProcess(Process, Body.Arg);
    NtClose(Process);
    return Status;
}

// User body: a thread of its own process running another body, pinned.
NTSTATUS UserNestedThread(FuzzBody &Body)
{
    if (Body.Depth >= kMaxDepth)
        return STATUS_UNSUCCESSFUL;
    HANDLE Thread;
    PVOID Nested = FuzzAllocateBody(Body.Arg, Body.Arg >> 4, Body.Handle, Body.Depth + 1);
    NTSTATUS Status = RtlCreateUserThread(NtCurrentProcess(), NULL, Body.Arg & 1, 0, 0, 0, FuzzUserThreadStart, Nested,
                                          &Thread, NULL);
    if (NT_SUCCESS(Status)) {
        FuzzPinHandle(Thread, UserMode);
        NtClose(Thread);
    }
    return Status;
}

// User body: an event of its own, waited on alertably, left open when asked (its
// process's end closes it).
NTSTATUS UserOwnEvent(FuzzBody &Body, LARGE_INTEGER &Timeout)
{
    HANDLE Event;
    NTSTATUS Status = NtCreateEvent(&Event, EVENT_ALL_ACCESS, NULL, NotificationEvent, FALSE);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = NtWaitForSingleObject(Event, TRUE, &Timeout);
    if (!(Body.Arg & 1))
        NtClose(Event);
    return Status;
}

NTSTATUS RunUserBody(FuzzBody &Body)
{
    LARGE_INTEGER Timeout = FuzzTimeoutMs(Body.Arg >> 2);
    ULONG Count;
    switch (Body.Kind % kUserBodies) {
    case 0:
        return Body.Arg;
    case 1:
        return NtWaitForSingleObject(Body.Handle, Body.Arg & 1, (Body.Arg & 2) ? &Timeout : NULL);
    case 2:
        return NtDelayExecution(Body.Arg & 1, &Timeout);
    case 3:
        return NtTerminateThread((Body.Arg & 1) ? NULL : NtCurrentThread(), Body.Arg);
    case 4:
        return NtTerminateProcess((Body.Arg & 1) ? NULL : NtCurrentProcess(), Body.Arg);
    case 5:
        return NtSuspendThread(NtCurrentThread(), &Count);
    case 6:
        return UserOnHandle(Body);
    case 7:
        return UserBadPointers(Body);
    case 8:
        return UserAgainstSystem(Body);
    case 9:
        return UserNestedThread(Body);
    case 10:
        NtTestAlert();
        return NtYieldExecution();
    case 11:
        return NtSignalAndWaitForSingleObject(Body.Handle, Body.Handle, Body.Arg & 1, &Timeout);
    case 12:
        return UserOwnEvent(Body, Timeout);
    default:
        NtQueueApcThread(NtCurrentThread(), FuzzUserApc, NULL, NULL, NULL);
        return NtDelayExecution(TRUE, &Timeout);
    }
}

// What a notify routine does in the thread it runs in, for the thread or process
// (ThreadId / ProcessId) being created or ending.
VOID NotifyAction(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create)
{
    LONG Arg = Fuzz->NotifyArg;
    LARGE_INTEGER Timeout = FuzzTimeoutMs(Arg);
    switch (Fuzz->NotifyMode % 5) {
    case 1:
        FsRtlCancellableWaitForSingleObject(&Fuzz->ProgramEnd, &Timeout, NULL);
        break;
    case 2:
        KeWaitForSingleObject(&Fuzz->ProgramEnd, Executive, KernelMode, FALSE, &Timeout);
        break;
    case 3:
        if (InterlockedIncrement(&Fuzz->NotifyThreads) <= (LONG)kMaxNotifyThreads) {
            HANDLE Thread;
            if (NT_SUCCESS(FuzzStartSystemThread(NULL, (UCHAR)Arg, (UCHAR)(Arg >> 3), kMaxDepth, &Thread)))
                ZwClose(Thread);
        }
        break;
    case 4:
        if (Create) {
            OBJECT_ATTRIBUTES Attributes;
            InitializeObjectAttributes(&Attributes, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
            CLIENT_ID Cid{ProcessId, ThreadId};
            HANDLE Handle;
            NTSTATUS Status = ThreadId ? ZwOpenThread(&Handle, THREAD_TERMINATE, &Attributes, &Cid)
                                       : ZwOpenProcess(&Handle, PROCESS_TERMINATE, &Attributes, &Cid);
            if (NT_SUCCESS(Status)) {
                ThreadId ? ZwTerminateThread(Handle, Arg) : ZwTerminateProcess(Handle, Arg);
                ZwClose(Handle);
            }
        }
        break;
    default:
        break;
    }
}

VOID NTAPI ProcessNotify(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
    NotifyAction(ProcessId, NULL, Create);
}

// The Ex form can also deny the creation.
VOID NTAPI ProcessNotifyEx(PEPROCESS Process, HANDLE ProcessId, PPS_CREATE_NOTIFY_INFO CreateInfo)
{
    if (CreateInfo && (Fuzz->NotifyArg & 0x80))
        CreateInfo->CreationStatus = STATUS_ACCESS_DENIED;
    NotifyAction(ProcessId, NULL, CreateInfo != NULL);
}

VOID NTAPI ThreadNotify(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create)
{
    // The driver's own creations run this in the driver: it must not end itself.
    if (Create && Fuzz->Driver && ThreadId == Fuzz->Driver->Cid.UniqueThread)
        return;
    NotifyAction(ProcessId, ThreadId, Create);
}

// Registers or removes one routine of Kind; the kernel's status.
NTSTATUS ChangeRegistration(ULONG Kind, bool Register)
{
    switch (Kind) {
    case 0:
        return PsSetCreateProcessNotifyRoutine(ProcessNotify, !Register);
    case 1:
        return PsSetCreateProcessNotifyRoutineEx(ProcessNotifyEx, !Register);
    default:
        return Register ? PsSetCreateThreadNotifyRoutine(ThreadNotify) : PsRemoveCreateThreadNotifyRoutine(ThreadNotify);
    }
}

VOID NTAPI KernelApcRoutine(PKAPC Apc, PKNORMAL_ROUTINE *, PVOID *, PVOID *, PVOID *)
{
    ExFreePoolWithTag(Apc, kApcTag);
}

VOID NTAPI KernelApcRundown(PKAPC Apc)
{
    ExFreePoolWithTag(Apc, kApcTag);
}

// A normal kernel APC's routine: a short wait inside the APC.
VOID NTAPI KernelApcNormal(PVOID, PVOID, PVOID)
{
    LARGE_INTEGER Interval = FuzzTimeoutMs(1);
    KeDelayExecutionThread(KernelMode, FALSE, &Interval);
}

} // namespace

// A body from the program's table (the null body once it is full). At PASSIVE_LEVEL.
PVOID FuzzAllocateBody(UCHAR Kind, UCHAR Arg, HANDLE Handle, LONG Depth)
{
    LONG Index = InterlockedIncrement(&Fuzz->BodyCount) - 1;
    if (Index >= (LONG)kMaxBodies)
        return &NullBody;
    FuzzBody &Body = Fuzz->Bodies[Index];
    Body.Kind = Kind;
    Body.Arg = Arg;
    Body.Handle = Handle;
    Body.Object = FuzzPinnedWaitable(Arg);
    Body.Depth = Depth;
    return &Body;
}

VOID NTAPI FuzzSystemThreadStart(PVOID Context)
{
    RunSystemBody(*static_cast<FuzzBody *>(Context));
}

NTSTATUS NTAPI FuzzUserThreadStart(PVOID Context)
{
    return RunUserBody(*static_cast<FuzzBody *>(Context));
}

// Starts a system thread running a body in a process (NULL: the System process) and
// pins it; returns its kernel handle. At PASSIVE_LEVEL.
NTSTATUS FuzzStartSystemThread(HANDLE Process, UCHAR Kind, UCHAR Arg, LONG Depth, PHANDLE Handle)
{
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    PVOID Body = FuzzAllocateBody(Kind, Arg, NULL, Depth);
    NTSTATUS Status =
        PsCreateSystemThread(Handle, THREAD_ALL_ACCESS, &Attributes, Process, NULL, FuzzSystemThreadStart, Body);
    if (NT_SUCCESS(Status))
        FuzzPinHandle(*Handle, KernelMode);
    return Status;
}

// Registers (or removes one registration of) a notify routine of Kind. At
// PASSIVE_LEVEL.
NTSTATUS FuzzSetNotify(ULONG Kind, bool Register)
{
    if (!Register && !Fuzz->Registered[Kind])
        return STATUS_PROCEDURE_NOT_FOUND;
    NTSTATUS Status = ChangeRegistration(Kind, Register);
    if (NT_SUCCESS(Status))
        Fuzz->Registered[Kind] += Register ? 1 : -1;
    return Status;
}

// Removes every registration the program made. At PASSIVE_LEVEL.
VOID FuzzRemoveNotifyRoutines(VOID)
{
    InterlockedExchange(&Fuzz->NotifyMode, 0);
    for (ULONG Kind = 0; Kind < kNotifyKinds; Kind++)
        while (Fuzz->Registered[Kind] && NT_SUCCESS(FuzzSetNotify(Kind, false)))
            ;
}

// Inserts a kernel APC (a special one, or one with a normal routine that waits) for
// Thread; its routines free it. At PASSIVE_LEVEL.
NTSTATUS FuzzQueueKernelApc(PETHREAD Thread, UCHAR How)
{
    auto *Apc = static_cast<PKAPC>(ExAllocatePoolWithTag(NonPagedPool, sizeof(KAPC), kApcTag));
    if (!Apc)
        return STATUS_INSUFFICIENT_RESOURCES;
    KeInitializeApc(Apc, &Thread->Tcb, OriginalApcEnvironment, KernelApcRoutine, KernelApcRundown,
                    (How & 1) ? KernelApcNormal : NULL, KernelMode, NULL);
    if (KeInsertQueueApc(Apc, NULL, NULL, 0))
        return STATUS_SUCCESS;
    ExFreePoolWithTag(Apc, kApcTag);
    return STATUS_UNSUCCESSFUL;
}

// A user APC's routine (run on the kernel side at the return to user mode).
VOID NTAPI FuzzUserApc(PVOID NormalContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
}

} // namespace ntos_fuzz
