// thread.cpp - RtlCreateUserThread, as ntdll builds a user thread: a stack in the
// target process, the INITIAL_TEB that describes it and the initial CONTEXT (Rip the
// start routine, Rcx its parameter), then NtCreateThread.
#include "ntddk.h"
#include "ndk/ntndk.h"

namespace {

// A user stack when the caller does not size it: committed whole (the hosted user
// range has no guard-page growth).
constexpr SIZE_T RtlpDefaultStackSize = 256 * 1024;

} // namespace

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
    SIZE_T Size = StackReserve ? ROUND_TO_PAGES(StackReserve) : RtlpDefaultStackSize;
    PVOID Base = NULL;
    NTSTATUS Status = ZwAllocateVirtualMemory(ProcessHandle, &Base, StackZeroBits, &Size, MEM_RESERVE | MEM_COMMIT,
                                              PAGE_READWRITE);
    if (!NT_SUCCESS(Status))
        return Status;
    INITIAL_TEB InitialTeb{};
    InitialTeb.AllocatedStackBase = Base;
    InitialTeb.StackLimit = Base;
    InitialTeb.StackBase = static_cast<PCHAR>(Base) + Size;
    CONTEXT Context{};
    Context.ContextFlags = CONTEXT_FULL;
    Context.Rip = reinterpret_cast<ULONG64>(StartAddress);
    Context.Rcx = reinterpret_cast<ULONG64>(Parameter);
    Context.Rsp = reinterpret_cast<ULONG64>(InitialTeb.StackBase) - 0x28;
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
