// readable.cpp - whether an address can be read now: the host kernel copies one byte
// from this process to itself (process_vm_readv), which fails with EFAULT for an
// unmapped, PROT_NONE or guard page instead of raising a fault here.
#include <sys/uio.h>
#include <unistd.h>

#include "halhost.h"

// Whether a one-byte read at Address would succeed. Any IRQL: a system call that
// neither blocks nor touches kernel state (the process ID is asked for each time: a
// forked child must not read its parent).
extern "C" BOOLEAN HalHostIsAddressReadable(PVOID Address)
{
    char Byte;
    struct iovec Local = {&Byte, 1};
    struct iovec Remote = {Address, 1};
    return process_vm_readv(getpid(), &Local, 1, &Remote, 1, 0) == 1;
}
