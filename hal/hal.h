/* hal.h - the NT side of the hosted HAL: private routines shared by its files. */
#ifndef _HAL_PRIVATE_H
#define _HAL_PRIVATE_H

#include "ntddk.h"
#include "ndk/kefuncs.h"
#include "ndk/halfuncs.h"

NT_EXTERN_C_BEGIN

VOID HalpClockInterrupt(KIRQL PreviousIrql);

NT_EXTERN_C_END

#endif
