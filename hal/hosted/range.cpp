// range.cpp - the host address space behind each process's user range: one anonymous
// PROT_NONE mapping reserved whole, whose pages become read/write when committed and
// fault again (their contents dropped) when decommitted. Page-granular: the kernel's
// PAGE_SIZE must be the host's.
#include <sys/mman.h>
#include <unistd.h>

#include "ntddk.h"
#include "halhost.h"
#include "sanitizer.h"

namespace {

bool HostPagesMatch()
{
    static const bool Match = sysconf(_SC_PAGESIZE) == PAGE_SIZE;
    return Match;
}

bool PageAligned(PVOID Base, SIZE_T Size)
{
    return ((reinterpret_cast<ULONG_PTR>(Base) | Size) & (PAGE_SIZE - 1)) == 0;
}

// Pages given back may have held a user stack whose fiber died mid-frame: its
// poisoned redzones must not outlive it.
void ForgetStackPoison(PVOID Base, SIZE_T Size)
{
#ifdef NTOS_HAL_ASAN
    __asan_unpoison_memory_region(Base, Size);
#else
    (void)Base;
    (void)Size;
#endif
}

} // namespace

extern "C" NTSTATUS HalHostReserveRange(SIZE_T Size, PVOID *Base)
{
    *Base = NULL;
    if (!HostPagesMatch())
        return STATUS_NOT_SUPPORTED;
    if (!Size || !PageAligned(NULL, Size))
        return STATUS_INVALID_PARAMETER;
    void *Mapping = mmap(nullptr, Size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (Mapping == MAP_FAILED)
        return STATUS_NO_MEMORY;
    *Base = Mapping;
    return STATUS_SUCCESS;
}

extern "C" NTSTATUS HalHostCommitRange(PVOID Base, SIZE_T Size)
{
    if (!PageAligned(Base, Size))
        return STATUS_INVALID_PARAMETER;
    return mprotect(Base, Size, PROT_READ | PROT_WRITE) == 0 ? STATUS_SUCCESS : STATUS_NO_MEMORY;
}

extern "C" NTSTATUS HalHostDecommitRange(PVOID Base, SIZE_T Size)
{
    if (!PageAligned(Base, Size))
        return STATUS_INVALID_PARAMETER;
    ForgetStackPoison(Base, Size);
    if (madvise(Base, Size, MADV_DONTNEED) != 0 || mprotect(Base, Size, PROT_NONE) != 0)
        return STATUS_UNSUCCESSFUL;
    return STATUS_SUCCESS;
}

extern "C" VOID HalHostReleaseRange(PVOID Base, SIZE_T Size)
{
    ForgetStackPoison(Base, Size);
    munmap(Base, Size);
}
