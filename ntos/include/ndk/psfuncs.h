/* ndk/psfuncs.h - the process manager's undocumented services (NtCreateProcessEx,
 * NtOpenThread ...), declared as the ReactOS NDK declares them. */
#ifndef _PSFUNCS_H
#define _PSFUNCS_H

#include "ntddk.h"

NT_EXTERN_C_BEGIN

NTSYSAPI NTSTATUS NTAPI NtCreateProcessEx(PHANDLE ProcessHandle, ACCESS_MASK DesiredAccess,
                                          POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ParentProcess, ULONG Flags,
                                          HANDLE SectionHandle, HANDLE DebugPort, HANDLE ExceptionPort, BOOLEAN InJob);
NTSYSAPI NTSTATUS NTAPI ZwCreateProcessEx(PHANDLE ProcessHandle, ACCESS_MASK DesiredAccess,
                                          POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ParentProcess, ULONG Flags,
                                          HANDLE SectionHandle, HANDLE DebugPort, HANDLE ExceptionPort, BOOLEAN InJob);
NTSYSAPI NTSTATUS NTAPI NtOpenThread(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
                                     POBJECT_ATTRIBUTES ObjectAttributes, PCLIENT_ID ClientId);
NTSYSAPI NTSTATUS NTAPI ZwOpenThread(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
                                     POBJECT_ATTRIBUTES ObjectAttributes, PCLIENT_ID ClientId);

NT_EXTERN_C_END

#endif /* _PSFUNCS_H */
