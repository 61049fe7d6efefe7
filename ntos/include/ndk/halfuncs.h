/* ndk/halfuncs.h - HAL services that the WDK does not document. */
#ifndef _HALFUNCS_H
#define _HALFUNCS_H

#include "ndk/ketypes.h"

NT_EXTERN_C_BEGIN

NTHALAPI VOID FASTCALL HalRequestSoftwareInterrupt(KIRQL Request);
NTHALAPI VOID FASTCALL HalClearSoftwareInterrupt(KIRQL Request);
/* Hosted: takes the interrupts pending above the current IRQL (an interrupt window
 * such as a spin loop's). */
NTHALAPI VOID NTAPI HalpDispatchPendingInterrupts(VOID);

NT_EXTERN_C_END

#endif /* _HALFUNCS_H */
