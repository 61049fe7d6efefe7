/* internal/kd.h - the kernel debugger's views. */
#ifndef _INTERNAL_KD_H
#define _INTERNAL_KD_H

#include "ntddk.h"

NT_EXTERN_C_BEGIN

/* kdthread.cpp: seed 002's EnumThreads */
ULONG NTAPI KdpEnumThreads(VOID);

NT_EXTERN_C_END

#endif /* _INTERNAL_KD_H */
