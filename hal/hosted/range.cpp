// range.cpp - the host address space behind each process's user range: one anonymous
// PROT_NONE mapping reserved whole, whose pages become read/write when committed and
// fault again (their contents dropped) when decommitted. Page-granular: the kernel's
// PAGE_SIZE must be the host's. Released ranges (all decommitted) wait in a small cache
// for the next reservation of their size: mapping and unmapping 64 MiB costs the host
// page-table work and a TLB shootdown, and a fuzzer makes thousands of processes a second.
#include <sys/mman.h>
#include <unistd.h>

#include <mutex>
#include <vector>

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

struct ReleasedRange {
    PVOID Base;
    SIZE_T Size;
};

constexpr size_t kCachedRanges = 64;

std::mutex g_RangeLock;
std::vector<ReleasedRange> g_Released;

// A released range of Size bytes, or NULL.
PVOID TakeReleasedRange(SIZE_T Size)
{
    std::lock_guard<std::mutex> Guard(g_RangeLock);
    for (size_t i = g_Released.size(); i-- > 0;) {
        if (g_Released[i].Size != Size)
            continue;
        PVOID Base = g_Released[i].Base;
        g_Released.erase(g_Released.begin() + static_cast<long>(i));
        return Base;
    }
    return NULL;
}

// Keeps a released range for reuse; FALSE when the cache is full.
bool KeepReleasedRange(PVOID Base, SIZE_T Size)
{
    std::lock_guard<std::mutex> Guard(g_RangeLock);
    if (g_Released.size() >= kCachedRanges)
        return false;
    g_Released.push_back({Base, Size});
    return true;
}

} // namespace

extern "C" NTSTATUS HalHostReserveRange(SIZE_T Size, PVOID *Base)
{
    *Base = NULL;
    if (!HostPagesMatch())
        return STATUS_NOT_SUPPORTED;
    if (!Size || !PageAligned(NULL, Size))
        return STATUS_INVALID_PARAMETER;
    if ((*Base = TakeReleasedRange(Size)))
        return STATUS_SUCCESS;
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
    // Nothing is committed (each decommit forgot its span's poison): ASan's shadow for
    // the whole range (an eighth of it) is not rewritten here.
    if (!KeepReleasedRange(Base, Size))
        munmap(Base, Size);
}
