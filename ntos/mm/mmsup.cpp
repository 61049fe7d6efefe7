// mmsup.cpp - MmIsAddressValid: whether a virtual address is backed now, which on NT
// means a valid page table entry and here a readable host page.
#include "ntddk.h"
#include "halhost.h"

// Whether a read of VirtualAddress would succeed without a fault (on NT, without a
// page fault). Any IRQL; the answer may change as soon as it is given.
extern "C" BOOLEAN NTAPI MmIsAddressValid(PVOID VirtualAddress)
{
    return HalHostIsAddressReadable(VirtualAddress);
}
