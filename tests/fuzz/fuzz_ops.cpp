// fuzz_ops.cpp - the driver's operations: each decodes its operand bytes and calls
// the kernel as a driver would (kernel mode, kernel handles), in the driver thread at
// PASSIVE_LEVEL. Every wait is bounded by a timeout in virtual time.
#include "fuzz_state.h"
#include "mm.h"
#include "se.h"

namespace ntos_fuzz {

namespace {

OBJECT_ATTRIBUTES KernelAttributes()
{
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    return Attributes;
}

// A slot's handle as a process operand; an empty slot (or selector 0) is the System
// process, as a NULL process handle means for PsCreateSystemThread.
HANDLE ProcessOperand(UCHAR Selector)
{
    return Selector ? FuzzHandleOperand(Selector) : NULL;
}

// Creates a child of the System process or of a slot's process; pins and stores it.
NTSTATUS OpCreateProcess(const FuzzOp &Op)
{
    OBJECT_ATTRIBUTES Attributes = KernelAttributes();
    HANDLE Parent = Op.B ? FuzzHandleOperand(Op.B) : NtCurrentProcess();
    HANDLE Process;
    NTSTATUS Status = ZwCreateProcessEx(&Process, PROCESS_ALL_ACCESS, &Attributes, Parent, Op.C & 7, NULL, NULL,
                                        NULL, FALSE);
    if (NT_SUCCESS(Status)) {
        FuzzPinHandle(Process, KernelMode);
        FuzzStoreSlot(Op.A, Process, SlotOwner::Kernel);
    }
    return Status;
}

NTSTATUS OpCreateSystemThread(const FuzzOp &Op)
{
    HANDLE Thread;
    NTSTATUS Status = FuzzStartSystemThread(ProcessOperand(Op.B), Op.C, Op.D, 0, &Thread);
    if (NT_SUCCESS(Status))
        FuzzStoreSlot(Op.A, Thread, SlotOwner::Kernel);
    return Status;
}

// A hosted user thread through RtlCreateUserThread or NtCreateThreadEx, suspended or
// not, with a bad client-ID pointer when asked. Its body gets a slot's handle value.
NTSTATUS OpCreateUserThread(const FuzzOp &Op)
{
    HANDLE Process = Op.B ? FuzzHandleOperand(Op.B) : NtCurrentProcess();
    PVOID Body = FuzzAllocateBody(Op.C, (UCHAR)(Op.C >> 4 | Op.D << 4), FuzzHandleOperand(Op.D >> 3), 0);
    BOOLEAN Suspended = Op.D & 1;
    HANDLE Thread = NULL;
    NTSTATUS Status;
    if (Op.D & 4) {
        OBJECT_ATTRIBUTES Attributes = KernelAttributes();
        Status = ZwCreateThreadEx(&Thread, THREAD_ALL_ACCESS, &Attributes, Process, FuzzUserThreadStart, Body,
                                  Suspended ? THREAD_CREATE_FLAGS_CREATE_SUSPENDED : 0, 0, 0, 0, NULL);
    } else {
        PCLIENT_ID Cid = (Op.D & 2) ? reinterpret_cast<PCLIENT_ID>(16) : NULL;
        Status = RtlCreateUserThread(Process, NULL, Suspended, 0, 0, 0, FuzzUserThreadStart, Body, &Thread, Cid);
    }
    if (NT_SUCCESS(Status)) {
        FuzzPinHandle(Thread, KernelMode);
        FuzzStoreSlot(Op.A, Thread, SlotOwner::Kernel);
    }
    return Status;
}

// An event, semaphore (counts as given, valid or not), mutant or timer.
NTSTATUS OpCreateObject(const FuzzOp &Op)
{
    OBJECT_ATTRIBUTES Attributes = KernelAttributes();
    HANDLE Object = NULL;
    NTSTATUS Status;
    switch (Op.B % 4) {
    case 0:
        Status = ZwCreateEvent(&Object, EVENT_ALL_ACCESS, &Attributes, (EVENT_TYPE)(Op.C % 3), Op.C & 4);
        break;
    case 1:
        Status = ZwCreateSemaphore(&Object, SEMAPHORE_ALL_ACCESS, &Attributes, (LONG)(signed char)Op.C,
                                   (LONG)(signed char)Op.D);
        break;
    case 2:
        Status = ZwCreateMutant(&Object, MUTANT_ALL_ACCESS, &Attributes, Op.C & 1);
        break;
    default:
        Status = ZwCreateTimer(&Object, TIMER_ALL_ACCESS, &Attributes, (TIMER_TYPE)(Op.C % 3));
        break;
    }
    if (NT_SUCCESS(Status)) {
        FuzzPinHandle(Object, KernelMode);
        FuzzStoreSlot(Op.A, Object, SlotOwner::Kernel);
    }
    return Status;
}

// Signals whatever the handle names, by the service B picks (wrong types included).
NTSTATUS OpSignal(const FuzzOp &Op)
{
    HANDLE Handle = FuzzHandleOperand(Op.A);
    LONG Previous;
    switch (Op.B % 7) {
    case 0:
        return ZwSetEvent(Handle, &Previous);
    case 1:
        return ZwPulseEvent(Handle, &Previous);
    case 2:
        return ZwResetEvent(Handle, &Previous);
    case 3:
        return ZwReleaseSemaphore(Handle, (LONG)(signed char)Op.C, &Previous);
    case 4:
        return ZwReleaseMutant(Handle, &Previous);
    case 5: {
        LARGE_INTEGER Due = FuzzTimeoutMs(Op.C);
        return ZwSetTimer(Handle, &Due, NULL, NULL, FALSE, Op.D, NULL);
    }
    default:
        return ZwCancelTimer(Handle, NULL);
    }
}

NTSTATUS OpWaitSingle(const FuzzOp &Op)
{
    LARGE_INTEGER Timeout = FuzzTimeoutMs(Op.C);
    return ZwWaitForSingleObject(FuzzHandleOperand(Op.A), Op.B & 1, &Timeout);
}

// Waits on up to three handles, any or all, alertable or not.
NTSTATUS OpWaitMultiple(const FuzzOp &Op)
{
    HANDLE Handles[3] = {FuzzHandleOperand(Op.A), FuzzHandleOperand(Op.B), FuzzHandleOperand(Op.C)};
    ULONG Count = 1 + (Op.D >> 2) % 3;
    LARGE_INTEGER Timeout = FuzzTimeoutMs((Op.D >> 4) * 8);
    return ZwWaitForMultipleObjects(Count, Handles, (Op.D & 1) ? WaitAll : WaitAny, (Op.D >> 1) & 1, &Timeout);
}

// Closes a slot's handle; a handle the driver no longer holds is not closed again (a
// kernel-mode close of a non-handle is a bugcheck, as on NT).
NTSTATUS OpClose(const FuzzOp &Op)
{
    FuzzSlot &Slot = Fuzz->Slots[Op.A % kSlots];
    if (Slot.Owner != SlotOwner::Kernel)
        return STATUS_INVALID_HANDLE;
    Slot.Owner = SlotOwner::Empty;
    return ZwClose(Slot.Handle);
}

// Duplicates a handle into the System process or a slot's process, with the same or
// less access, closing a source slot's handle when asked.
NTSTATUS OpDuplicate(const FuzzOp &Op)
{
    FuzzSlot &Source = Fuzz->Slots[Op.A % kSlots];
    HANDLE Target = Op.B ? FuzzHandleOperand(Op.B) : NtCurrentProcess();
    bool CloseSource = (Op.C & 1) && Source.Owner == SlotOwner::Kernel;
    ULONG Options = (CloseSource ? DUPLICATE_CLOSE_SOURCE : 0) | ((Op.C & 2) ? DUPLICATE_SAME_ACCESS : 0);
    HANDLE Duplicate = NULL;
    NTSTATUS Status = ZwDuplicateObject(NtCurrentProcess(), Source.Handle, Target, &Duplicate,
                                        (Op.C & 2) ? 0 : SYNCHRONIZE, (Op.C & 4) ? OBJ_KERNEL_HANDLE : 0, Options);
    if (CloseSource)
        Source.Owner = SlotOwner::Empty;
    if (!NT_SUCCESS(Status))
        return Status;
    // In the kernel's table when marked so, or when the target is the System process
    // (whose table is the kernel's); else in the target process's own table.
    bool Marked = ((ULONG_PTR)Duplicate & KERNEL_HANDLE_FLAG) == KERNEL_HANDLE_FLAG;
    bool IntoKernel = Marked || !Op.B || FuzzIsDriverOrSystem(Target, *PsProcessType);
    if (IntoKernel && !Marked)
        Duplicate = ObMarkHandleAsKernelHandle(Duplicate);
    FuzzStoreSlot(Op.D, Duplicate, IntoKernel ? SlotOwner::Kernel : SlotOwner::Foreign);
    return Status;
}

NTSTATUS OpTerminateThread(const FuzzOp &Op)
{
    HANDLE Thread = FuzzHandleOperand(Op.A);
    if (!Thread || Thread == NtCurrentThread() || FuzzIsDriverOrSystem(Thread, *PsThreadType))
        return STATUS_CANT_TERMINATE_SELF;
    return ZwTerminateThread(Thread, (NTSTATUS)(Op.B | Op.C << 8));
}

// Terminates a process (the System process is refused by the service; a NULL handle
// would end the System process's other threads and is not sent).
NTSTATUS OpTerminateProcess(const FuzzOp &Op)
{
    HANDLE Process = FuzzHandleOperand(Op.A);
    if (!Process)
        return STATUS_INVALID_HANDLE;
    return ZwTerminateProcess(Process, (NTSTATUS)(Op.B | Op.C << 8));
}

// Suspend, resume, alert, alert-resume a thread, or test the driver's own alert.
NTSTATUS OpThreadControl(const FuzzOp &Op)
{
    HANDLE Thread = FuzzHandleOperand(Op.A);
    ULONG Count;
    switch (Op.B % 5) {
    case 0:
        if (Thread == NtCurrentThread() || FuzzIsDriverOrSystem(Thread, *PsThreadType))
            return STATUS_ACCESS_DENIED;
        return NtSuspendThread(Thread, &Count);
    case 1:
        return NtResumeThread(Thread, &Count);
    case 2:
        return NtAlertThread(Thread);
    case 3:
        return NtAlertResumeThread(Thread, &Count);
    default:
        return NtTestAlert();
    }
}

NTSTATUS OpProcessControl(const FuzzOp &Op)
{
    HANDLE Process = FuzzHandleOperand(Op.A);
    if (Op.B & 1)
        return NtResumeProcess(Process);
    if (Process == NtCurrentProcess() || FuzzIsDriverOrSystem(Process, *PsProcessType))
        return STATUS_ACCESS_DENIED;
    return NtSuspendProcess(Process);
}

// A user APC through NtQueueApcThread, or a kernel APC (special or normal) inserted
// directly.
NTSTATUS OpQueueApc(const FuzzOp &Op)
{
    HANDLE Thread = FuzzHandleOperand(Op.A);
    if (!(Op.B & 1))
        return NtQueueApcThread(Thread, FuzzUserApc, reinterpret_cast<PVOID>((ULONG_PTR)Op.C), NULL, NULL);
    PETHREAD Object;
    NTSTATUS Status = ObReferenceObjectByHandle(Thread, THREAD_SET_CONTEXT, *PsThreadType, KernelMode,
                                                reinterpret_cast<PVOID *>(&Object), NULL);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = FuzzQueueKernelApc(Object, Op.B >> 1);
    ObDereferenceObject(Object);
    return Status;
}

// Priority, base priority (in range or not), affinity or ideal processor.
NTSTATUS OpSetInformation(const FuzzOp &Op)
{
    HANDLE Thread = FuzzHandleOperand(Op.A);
    LONG Value = (LONG)(signed char)Op.C;
    KAFFINITY Affinity = (KAFFINITY)(Op.C | Op.D << 8);
    switch (Op.B % 4) {
    case 0:
        return ZwSetInformationThread(Thread, ThreadPriority, &Value, sizeof(Value));
    case 1:
        return ZwSetInformationThread(Thread, ThreadBasePriority, &Value, sizeof(Value));
    case 2:
        return ZwSetInformationThread(Thread, ThreadAffinityMask, &Affinity, sizeof(Affinity));
    default:
        return ZwSetInformationThread(Thread, ThreadPriority, &Value, (ULONG)Op.D);
    }
}

// Lets virtual time pass: the clock jumps while every processor is idle.
NTSTATUS OpAdvanceClock(const FuzzOp &Op)
{
    LARGE_INTEGER Interval = FuzzTimeoutMs(Op.A | (ULONG)Op.B << 8);
    return KeDelayExecutionThread(KernelMode, Op.C & 1, &Interval);
}

// Registers or removes a notify routine, and sets what the routines do.
NTSTATUS OpNotify(const FuzzOp &Op)
{
    InterlockedExchange(&Fuzz->NotifyMode, Op.C);
    InterlockedExchange(&Fuzz->NotifyArg, Op.D);
    return FuzzSetNotify(Op.A % kNotifyKinds, !(Op.B & 1));
}

// Arms one fault: pool allocation N fails, TEB creation, CID allocation or access
// state creation fails the next B times; D's top bit ends every injection.
NTSTATUS OpInjectFault(const FuzzOp &Op)
{
    if (Op.D & 0x80) {
        ExpInjectPoolFailures(0, 0);
        MmInjectTebFailures(0);
        PspInjectCidFailures(0);
        SeInjectAccessStateFailures(0);
        return STATUS_SUCCESS;
    }
    switch (Op.A % 4) {
    case 0:
        ExpInjectPoolFailures(Op.B | (ULONG)Op.D << 8, 1 + Op.C % 4);
        break;
    case 1:
        MmInjectTebFailures(1 + Op.B % 4);
        break;
    case 2:
        PspInjectCidFailures(1 + Op.B % 4);
        break;
    default:
        SeInjectAccessStateFailures(1 + Op.B % 4);
        break;
    }
    return STATUS_SUCCESS;
}

// Queries a thread or process: basic or times, with a right or wrong length.
NTSTATUS OpQuery(const FuzzOp &Op)
{
    HANDLE Handle = FuzzHandleOperand(Op.A);
    union {
        THREAD_BASIC_INFORMATION Thread;
        PROCESS_BASIC_INFORMATION Process;
        KERNEL_USER_TIMES Times;
    } Buffer;
    ULONG Length = (Op.C & 1) ? Op.D % sizeof(Buffer) : sizeof(Buffer);
    ULONG Returned;
    switch (Op.B % 4) {
    case 0:
        return ZwQueryInformationThread(Handle, ThreadBasicInformation, &Buffer, Length, &Returned);
    case 1:
        return ZwQueryInformationThread(Handle, ThreadTimes, &Buffer, Length, &Returned);
    case 2:
        return ZwQueryInformationProcess(Handle, ProcessBasicInformation, &Buffer, Length, &Returned);
    default:
        return ZwQueryInformationProcess(Handle, ProcessTimes, &Buffer, Length, &Returned);
    }
}

// Opens a thread or process by the CID of a pinned one, or by an ID no object has.
NTSTATUS OpOpenByCid(const FuzzOp &Op)
{
    CLIENT_ID Cid{};
    PVOID Object = FuzzPinnedWaitable(Op.B);
    POBJECT_TYPE Type = Object ? OBJECT_TO_OBJECT_HEADER(Object)->Type : NULL;
    if (Op.C & 1 || !Object)
        Cid.UniqueThread = reinterpret_cast<HANDLE>((ULONG_PTR)Op.D * 4 + 0x10003);
    else if (Type == *PsThreadType)
        Cid = static_cast<PETHREAD>(Object)->Cid;
    else if (Type == *PsProcessType)
        Cid.UniqueProcess = static_cast<PEPROCESS>(Object)->UniqueProcessId;
    else
        return STATUS_OBJECT_TYPE_MISMATCH;
    OBJECT_ATTRIBUTES Attributes = KernelAttributes();
    HANDLE Handle;
    NTSTATUS Status = Cid.UniqueThread ? ZwOpenThread(&Handle, THREAD_ALL_ACCESS, &Attributes, &Cid)
                                       : ZwOpenProcess(&Handle, PROCESS_ALL_ACCESS, &Attributes, &Cid);
    if (NT_SUCCESS(Status))
        FuzzStoreSlot(Op.A, Handle, SlotOwner::Kernel);
    return Status;
}

NTSTATUS OpSignalAndWait(const FuzzOp &Op)
{
    LARGE_INTEGER Timeout = FuzzTimeoutMs(Op.D);
    return ZwSignalAndWaitForSingleObject(FuzzHandleOperand(Op.A), FuzzHandleOperand(Op.B), Op.C & 1, &Timeout);
}

NTSTATUS OpYield(const FuzzOp &Op)
{
    return (Op.A & 1) ? ZwYieldExecution() : STATUS_SUCCESS;
}

using FuzzOpRoutine = NTSTATUS (*)(const FuzzOp &);

const FuzzOpRoutine OpRoutines[] = {
    OpCreateProcess,  OpCreateSystemThread, OpCreateUserThread, OpCreateObject,   OpSignal,         OpWaitSingle,
    OpWaitMultiple,   OpClose,              OpDuplicate,        OpTerminateThread, OpTerminateProcess,
    OpThreadControl,  OpProcessControl,     OpQueueApc,         OpSetInformation,  OpAdvanceClock,   OpNotify,
    OpInjectFault,    OpQuery,              OpOpenByCid,        OpSignalAndWait,   OpYield};
static_assert(sizeof(OpRoutines) / sizeof(OpRoutines[0]) == static_cast<size_t>(FuzzOpCode::Count));

} // namespace

NTSTATUS FuzzExecute(const FuzzOp &Op)
{
    return OpRoutines[static_cast<size_t>(Op.Code)](Op);
}

} // namespace ntos_fuzz
