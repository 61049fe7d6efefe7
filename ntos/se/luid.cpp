// luid.cpp - locally unique identifiers: a 64-bit counter, restarted at each boot just
// past the numbers NT reserves for the system's own logon sessions.
#include "ex.h"
#include "se.h"

namespace {

volatile LONG64 SepLuid;

} // namespace

// Restarts the counter at 1000. At boot, before any LUID is handed out.
extern "C" VOID NTAPI SepInitializeLuid(VOID)
{
    __atomic_store_n(&SepLuid, 1000, __ATOMIC_RELEASE);
}

// Hands out the next locally unique identifier. Any IRQL.
extern "C" VOID NTAPI ExAllocateLocallyUniqueId(PLUID LocallyUniqueId)
{
    LONG64 Value = InterlockedExchangeAdd64(&SepLuid, 1);
    LocallyUniqueId->LowPart = (ULONG)Value;
    LocallyUniqueId->HighPart = (LONG)(Value >> 32);
}
