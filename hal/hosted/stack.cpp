// stack.cpp - kernel stacks: host memory reserved with mmap, one PROT_NONE guard page
// below the usable range, so an overflow faults instead of corrupting a neighbour.
// Freed stacks of the default size wait in a small cache for the next thread.
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "halhost.h"
#include "ntstatus.h"
#include "sanitizer.h"

namespace {

size_t PageSize()
{
    static const size_t Size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return Size;
}

struct DeadStackCache {
    std::mutex Lock;
    size_t Size = 0;
    size_t Depth = 0;
    std::vector<void *> Bases;
};

DeadStackCache g_Cache;
std::atomic<ULONG> g_Outstanding{0};

void Unmap(void *StackBase, void *StackLimit)
{
    char *Region = static_cast<char *>(StackLimit) - PageSize();
    munmap(Region, static_cast<size_t>(static_cast<char *>(StackBase) - Region));
}

} // namespace

extern "C" NTSTATUS HalHostAllocateStack(SIZE_T Size, PVOID *StackBase, PVOID *StackLimit)
{
    const size_t Page = PageSize();
    Size = (Size + Page - 1) & ~(Page - 1);
    {
        std::lock_guard<std::mutex> Guard(g_Cache.Lock);
        if (Size == g_Cache.Size && !g_Cache.Bases.empty()) {
            *StackBase = g_Cache.Bases.back();
            g_Cache.Bases.pop_back();
            *StackLimit = static_cast<char *>(*StackBase) - Size;
            g_Outstanding++;
            return STATUS_SUCCESS;
        }
    }
    void *Region = mmap(nullptr, Size + Page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (Region == MAP_FAILED)
        return STATUS_NO_MEMORY;
    if (mprotect(Region, Page, PROT_NONE) != 0) {
        munmap(Region, Size + Page);
        return STATUS_NO_MEMORY;
    }
    *StackLimit = static_cast<char *>(Region) + Page;
    *StackBase = static_cast<char *>(Region) + Page + Size;
    g_Outstanding++;
    return STATUS_SUCCESS;
}

extern "C" VOID HalHostFreeStack(PVOID StackBase, PVOID StackLimit)
{
    auto Size = static_cast<size_t>(static_cast<char *>(StackBase) - static_cast<char *>(StackLimit));
    g_Outstanding--;
#ifdef NTOS_HAL_ASAN
    // A fiber that died mid-frame leaves poisoned redzones behind.
    __asan_unpoison_memory_region(StackLimit, Size);
#endif
    {
        std::lock_guard<std::mutex> Guard(g_Cache.Lock);
        if (Size == g_Cache.Size && g_Cache.Bases.size() < g_Cache.Depth) {
            g_Cache.Bases.push_back(StackBase);
            return;
        }
    }
    Unmap(StackBase, StackLimit);
}

extern "C" VOID HalHostSetStackCache(SIZE_T CachedSize, ULONG Depth)
{
    std::vector<void *> Drop;
    size_t OldSize;
    {
        std::lock_guard<std::mutex> Guard(g_Cache.Lock);
        OldSize = g_Cache.Size;
        Drop.swap(g_Cache.Bases);
        g_Cache.Size = (CachedSize + PageSize() - 1) & ~(PageSize() - 1);
        g_Cache.Depth = Depth;
        g_Cache.Bases.reserve(Depth);
    }
    for (void *Base : Drop)
        Unmap(Base, static_cast<char *>(Base) - OldSize);
}

extern "C" ULONG HalHostOutstandingStacks(VOID)
{
    return g_Outstanding.load();
}

extern "C" ULONG HalHostDefaultStackSize(ULONG KernelDefault)
{
    return hal::SanitizerBuild() ? KernelDefault * 4 : KernelDefault;
}
