// hostint.cpp - the host-request "device": host threads post requests and raise its
// interrupt on processor 0; the ISR queues a DPC, and the DPC wakes the host request
// thread (ex/nthost.cpp), as a driver's ISR/DPC pair would.
#include "ke.h"

KEVENT KiHostRequestEvent;

namespace {
KDPC KiHostRequestDpc;

VOID NTAPI KiHostRequestDpcRoutine(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    KeSetEvent(&KiHostRequestEvent, 0, FALSE);
}
} // namespace

// Prepares the event and DPC behind host requests. During phase 0.
extern "C" VOID NTAPI KiInitializeHostRequests(VOID)
{
    KeInitializeEvent(&KiHostRequestEvent, SynchronizationEvent, FALSE);
    KeInitializeDpc(&KiHostRequestDpc, KiHostRequestDpcRoutine, NULL);
}

// The host-request device's interrupt service routine. At DEVICE_LEVEL.
extern "C" VOID NTAPI KiHostRequestInterrupt(VOID)
{
    KeInsertQueueDpc(&KiHostRequestDpc, NULL, NULL);
}
