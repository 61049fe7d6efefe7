// procsup.cpp - kernel stacks for threads, on the HAL's guarded host stacks (whose
// dead-stack cache plays MmDeadStackSListHead's role).
#include "ke.h"
#include "mm.h"

ULONG MmKernelStackSize = KERNEL_STACK_SIZE;

// Sets the kernel stack size for this boot and sizes the dead-stack cache. Before the
// machine starts.
extern "C" NTSTATUS NTAPI MmInitializeKernelStacks(ULONG KernelStackSize)
{
    MmKernelStackSize = KernelStackSize;
    HalHostSetStackCache(KernelStackSize, 256);
    return STATUS_SUCCESS;
}

// Empties the dead-stack cache. After the machine stopped.
extern "C" VOID NTAPI MmShutdownKernelStacks(VOID)
{
    HalHostSetStackCache(0, 0);
}

// Allocates a kernel stack and returns its base (highest address); NULL when host
// memory is exhausted. Large (GUI) stacks are not part of this kernel. At or below
// DISPATCH_LEVEL.
extern "C" PVOID NTAPI MmCreateKernelStack(BOOLEAN GuiStack, UCHAR Node)
{
    UNREFERENCED_PARAMETER(Node);
    if (GuiStack)
        return NULL;
    PVOID StackBase, StackLimit;
    if (!NT_SUCCESS(HalHostAllocateStack(MmKernelStackSize, &StackBase, &StackLimit)))
        return NULL;
    return StackBase;
}

// Frees a kernel stack made by MmCreateKernelStack. At or below DISPATCH_LEVEL; never
// the stack the caller runs on.
extern "C" VOID NTAPI MmDeleteKernelStack(PVOID StackBase, BOOLEAN GuiStack)
{
    UNREFERENCED_PARAMETER(GuiStack);
    HalHostFreeStack(StackBase, static_cast<PCHAR>(StackBase) - MmKernelStackSize);
}
