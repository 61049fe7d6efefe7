/* ndk/mmfuncs.h - the memory manager's system services (undocumented in the WDK). */
#ifndef _MMFUNCS_H
#define _MMFUNCS_H

#include "ntdef.h"

NT_EXTERN_C_BEGIN

/* Hosted subset: new regions only (MEM_RESERVE, with MEM_COMMIT and MEM_TOP_DOWN),
 * PAGE_READWRITE (PAGE_NOACCESS for a reservation), ZeroBits 0; MEM_RELEASE of a whole
 * region. Committing into, or decommitting part of, an existing region is
 * STATUS_NOT_SUPPORTED. */
NTSYSCALLAPI NTSTATUS NTAPI NtAllocateVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, ULONG_PTR ZeroBits,
                                                    PSIZE_T RegionSize, ULONG AllocationType, ULONG Protect);
NTSYSCALLAPI NTSTATUS NTAPI NtFreeVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize,
                                                ULONG FreeType);
NTSYSCALLAPI NTSTATUS NTAPI ZwAllocateVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, ULONG_PTR ZeroBits,
                                                    PSIZE_T RegionSize, ULONG AllocationType, ULONG Protect);
NTSYSCALLAPI NTSTATUS NTAPI ZwFreeVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize,
                                                ULONG FreeType);

NT_EXTERN_C_END

#endif /* _MMFUNCS_H */
