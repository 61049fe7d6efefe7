/* internal/mm.h - the memory manager pieces the hosted kernel has. */
#ifndef _INTERNAL_MM_H
#define _INTERNAL_MM_H

#include "ntddk.h"

NT_EXTERN_C_BEGIN

extern ULONG MmKernelStackSize;

NTSTATUS NTAPI MmInitializeKernelStacks(ULONG KernelStackSize);
VOID NTAPI MmShutdownKernelStacks(VOID);
PVOID NTAPI MmCreateKernelStack(BOOLEAN GuiStack, UCHAR Node);
VOID NTAPI MmDeleteKernelStack(PVOID StackBase, BOOLEAN GuiStack);

NT_EXTERN_C_END

#endif /* _INTERNAL_MM_H */
