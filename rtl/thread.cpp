// thread.cpp - RtlCreateUserThread, as ntdll builds a user thread: a stack in the
// target process, the INITIAL_TEB that describes it and the initial CONTEXT
// (RtlInitializeContext: Rip the start routine, Rcx its parameter), then NtCreateThread.
#include "ntddk.h"
#include "ndk/ntndk.h"

// Describes a user stack of Size bytes at Base as NtCreateThread takes it.
extern "C" VOID NTAPI RtlpInitializeInitialTeb(PINITIAL_TEB InitialTeb, PVOID Base, SIZE_T Size)
{
    RtlZeroMemory(InitialTeb, sizeof(*InitialTeb));
    InitialTeb->AllocatedStackBase = Base;
    InitialTeb->StackLimit = Base;
    InitialTeb->StackBase = static_cast<PCHAR>(Base) + Size;
}

// The AMD64 initial context: Rip the start routine, Rcx its parameter, Rsp below the
// stack's top with room for the callee's home area.
extern "C" NTSTATUS NTAPI RtlInitializeContext(HANDLE ProcessHandle, PCONTEXT ThreadContext, PVOID ThreadStartParam,
                                               PUSER_THREAD_START_ROUTINE ThreadStartAddress, PINITIAL_TEB InitialTeb)
{
    UNREFERENCED_PARAMETER(ProcessHandle);
    RtlZeroMemory(ThreadContext, sizeof(*ThreadContext));
    ThreadContext->ContextFlags = CONTEXT_FULL;
    ThreadContext->Rip = reinterpret_cast<ULONG64>(ThreadStartAddress);
    ThreadContext->Rcx = reinterpret_cast<ULONG64>(ThreadStartParam);
    ThreadContext->Rsp = reinterpret_cast<ULONG64>(InitialTeb->StackBase) - 0x28;
    return STATUS_SUCCESS;
}

// Creates a user thread in ProcessHandle's process running StartAddress(Parameter) on
// a new stack of StackReserve bytes (StackCommit is not used: the stack is committed
// whole); returns its handle (closed if ThreadHandle is NULL) and, through
// NtCreateThread, its CID. The stack is
// freed again if the thread cannot be created. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI RtlCreateUserThread(HANDLE ProcessHandle, PSECURITY_DESCRIPTOR SecurityDescriptor,
                                              BOOLEAN CreateSuspended, ULONG StackZeroBits, SIZE_T StackReserve,
                                              SIZE_T StackCommit, PUSER_THREAD_START_ROUTINE StartAddress,
                                              PVOID Parameter, PHANDLE ThreadHandle, PCLIENT_ID ClientId)
{
    UNREFERENCED_PARAMETER(StackCommit);
    SIZE_T Size = StackReserve ? ROUND_TO_PAGES(StackReserve) : RTLP_DEFAULT_USER_STACK_SIZE;
    PVOID Base = NULL;
    NTSTATUS Status = ZwAllocateVirtualMemory(ProcessHandle, &Base, StackZeroBits, &Size, MEM_RESERVE | MEM_COMMIT,
                                              PAGE_READWRITE);
    if (!NT_SUCCESS(Status))
        return Status;
    INITIAL_TEB InitialTeb;
    RtlpInitializeInitialTeb(&InitialTeb, Base, Size);
    CONTEXT Context;
    RtlInitializeContext(ProcessHandle, &Context, Parameter, StartAddress, &InitialTeb);
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, NULL, 0, NULL, SecurityDescriptor);
    HANDLE Handle;
    Status = ZwCreateThread(&Handle, THREAD_ALL_ACCESS, &Attributes, ProcessHandle, ClientId, &Context, &InitialTeb,
                            CreateSuspended);
    if (!NT_SUCCESS(Status)) {
        SIZE_T Zero = 0;
        ZwFreeVirtualMemory(ProcessHandle, &Base, &Zero, MEM_RELEASE);
        return Status;
    }
    if (ThreadHandle)
        *ThreadHandle = Handle;
    else
        ZwClose(Handle);
    return STATUS_SUCCESS;
}
