// stack.cpp - kernel stacks: host memory with one guard page below the usable range,
// so an overflow faults instead of corrupting a neighbour. Freed stacks of the default
// size wait in a small cache for the next thread, across boots.
//
// Stacks are carved from arenas, one anonymous mapping of ~4 MiB holding many slots
// (guard page + stack). One mmap per stack with an mprotect'd guard costs two VMAs per
// stack, and vm.max_map_count (65530 by default) then stops the machine near 32k
// threads. The guard pages are installed with MADV_GUARD_INSTALL (Linux 6.13): markers
// in the page tables that fault like PROT_NONE but do not split the arena's VMA, so
// 100k stacks take under 2k mappings. On an older host kernel the guards fall back to
// mprotect, with the old limit. Freed slots' pages go back to the host in batches
// (MADV_DONTNEED keeps the guard markers; one call per run of adjacent slots, as each
// call is a TLB shootdown); an arena with no stack in use is unmapped.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "halhost.h"
#include "ntstatus.h"
#include "sanitizer.h"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 // Linux 6.13 uapi; older libc headers lack it
#endif

namespace {

constexpr size_t kArenaBytes = 4 * 1024 * 1024;

size_t PageSize()
{
    static const size_t Size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return Size;
}

// A run of equal slots; Free holds released slots, slots at or past Carved were never
// handed out.
struct Arena {
    char *Base = nullptr;
    size_t SlotSize = 0;
    ULONG Slots = 0;
    ULONG Carved = 0;
    ULONG InUse = 0;
    std::vector<ULONG> Free;

    bool HasRoom() const { return !Free.empty() || Carved < Slots; }
    size_t Bytes() const { return SlotSize * Slots; }
};

struct StackAllocator {
    std::mutex Lock;
    std::map<uintptr_t, std::unique_ptr<Arena>> Arenas; // by base address
    std::map<size_t, std::vector<Arena *>> WithRoom;    // by slot size
    // The dead-stack cache (MmDeadStackSListHead): whole stacks, still resident.
    size_t CacheSize = 0;
    size_t CacheDepth = 0;
    std::vector<void *> Cache;
    // Released slots whose pages have not gone back to the host yet: they go in one
    // madvise per run of adjacent slots, since each call is a TLB shootdown.
    std::vector<char *> Releasing;
};

constexpr size_t kReleaseBatch = 32;

StackAllocator g_Stacks;
std::atomic<ULONG> g_Outstanding{0};
std::atomic<bool> g_GuardMarkers{true}; // cleared the first time the host refuses them

// Makes the page at Page a guard page. FALSE if the host would not.
bool InstallGuard(char *Page)
{
    if (g_GuardMarkers.load(std::memory_order_relaxed)) {
        if (madvise(Page, PageSize(), MADV_GUARD_INSTALL) == 0)
            return true;
        if (errno != EINVAL)
            return false;
        g_GuardMarkers.store(false, std::memory_order_relaxed);
    }
    return mprotect(Page, PageSize(), PROT_NONE) == 0;
}

// Maps a new arena for slots of SlotSize bytes. With the lock held.
Arena *NewArena(size_t SlotSize)
{
    auto A = std::make_unique<Arena>();
    A->SlotSize = SlotSize;
    A->Slots = static_cast<ULONG>(std::max<size_t>(1, kArenaBytes / SlotSize));
    void *Base = mmap(nullptr, A->Bytes(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (Base == MAP_FAILED)
        return nullptr;
    // A transparent huge page would make every stack in it resident at once.
    madvise(Base, A->Bytes(), MADV_NOHUGEPAGE);
    A->Base = static_cast<char *>(Base);
    Arena *Raw = A.get();
    g_Stacks.Arenas.emplace(reinterpret_cast<uintptr_t>(Raw->Base), std::move(A));
    g_Stacks.WithRoom[SlotSize].push_back(Raw);
    return Raw;
}

// Hands out a slot (guard page first) of SlotSize bytes, or NULL. With the lock held.
char *TakeSlot(size_t SlotSize)
{
    std::vector<Arena *> &Room = g_Stacks.WithRoom[SlotSize];
    Arena *A = Room.empty() ? NewArena(SlotSize) : Room.back();
    if (!A)
        return nullptr;
    char *Slot;
    if (!A->Free.empty()) {
        Slot = A->Base + A->Free.back() * SlotSize;
        A->Free.pop_back();
    } else {
        Slot = A->Base + A->Carved * SlotSize;
        if (!InstallGuard(Slot)) {
            if (A->InUse == 0) {
                Room.pop_back();
                munmap(A->Base, A->Bytes());
                g_Stacks.Arenas.erase(reinterpret_cast<uintptr_t>(A->Base));
            }
            return nullptr;
        }
        A->Carved++;
    }
    A->InUse++;
    if (!A->HasRoom())
        Room.pop_back();
    return Slot;
}

Arena *ArenaOf(char *Slot)
{
    return std::prev(g_Stacks.Arenas.upper_bound(reinterpret_cast<uintptr_t>(Slot)))->second.get();
}

// Makes a released slot free in its arena (its pages already given back). With the
// lock held.
void FreeSlot(Arena *A, char *Slot)
{
    bool HadRoom = A->HasRoom();
    A->Free.push_back(static_cast<ULONG>((Slot - A->Base) / A->SlotSize));
    if (!HadRoom)
        g_Stacks.WithRoom[A->SlotSize].push_back(A);
}

// Gives the pages of every slot waiting in Releasing back to the host, one madvise
// per run of adjacent slots (the guard markers stay), then frees the slots. With the
// lock held.
void FlushReleasing()
{
    std::vector<char *> &Pending = g_Stacks.Releasing;
    std::sort(Pending.begin(), Pending.end());
    for (size_t First = 0, Last; First < Pending.size(); First = Last) {
        Arena *A = ArenaOf(Pending[First]);
        for (Last = First + 1; Last < Pending.size() && Pending[Last] == Pending[Last - 1] + A->SlotSize &&
                               ArenaOf(Pending[Last]) == A;
             Last++) {
        }
        char *Start = Pending[First] + PageSize();
        madvise(Start, Pending[Last - 1] + A->SlotSize - Start, MADV_DONTNEED);
        for (size_t i = First; i < Last; i++)
            FreeSlot(A, Pending[i]);
    }
    Pending.clear();
}

// Gives a slot back to its arena: an arena left with no stack in use is unmapped (with
// whatever of it was waiting to be released); otherwise the slot waits in Releasing
// for its pages to go back to the host in a batch. With the lock held.
void ReleaseSlot(char *Slot)
{
    auto It = std::prev(g_Stacks.Arenas.upper_bound(reinterpret_cast<uintptr_t>(Slot)));
    Arena *A = It->second.get();
    if (--A->InUse == 0) {
        std::vector<Arena *> &Room = g_Stacks.WithRoom[A->SlotSize];
        if (auto Found = std::find(Room.begin(), Room.end(), A); Found != Room.end())
            Room.erase(Found);
        std::vector<char *> &Pending = g_Stacks.Releasing;
        Pending.erase(std::remove_if(Pending.begin(), Pending.end(),
                                     [&](char *P) { return P >= A->Base && P < A->Base + A->Bytes(); }),
                      Pending.end());
        munmap(A->Base, A->Bytes());
        g_Stacks.Arenas.erase(It);
        return;
    }
    g_Stacks.Releasing.push_back(Slot);
    if (g_Stacks.Releasing.size() >= kReleaseBatch)
        FlushReleasing();
}

} // namespace

extern "C" NTSTATUS HalHostAllocateStack(SIZE_T Size, PVOID *StackBase, PVOID *StackLimit)
{
    const size_t Page = PageSize();
    Size = (Size + Page - 1) & ~(Page - 1);
    std::lock_guard<std::mutex> Guard(g_Stacks.Lock);
    if (Size == g_Stacks.CacheSize && !g_Stacks.Cache.empty()) {
        *StackBase = g_Stacks.Cache.back();
        g_Stacks.Cache.pop_back();
    } else {
        char *Slot = TakeSlot(Size + Page);
        if (!Slot)
            return STATUS_NO_MEMORY;
        *StackBase = Slot + Page + Size;
    }
    *StackLimit = static_cast<char *>(*StackBase) - Size;
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
    std::lock_guard<std::mutex> Guard(g_Stacks.Lock);
    if (Size == g_Stacks.CacheSize && g_Stacks.Cache.size() < g_Stacks.CacheDepth) {
        g_Stacks.Cache.push_back(StackBase);
        return;
    }
    ReleaseSlot(static_cast<char *>(StackLimit) - PageSize());
}

extern "C" VOID HalHostSetStackCache(SIZE_T CachedSize, ULONG Depth)
{
    std::lock_guard<std::mutex> Guard(g_Stacks.Lock);
    CachedSize = (CachedSize + PageSize() - 1) & ~(PageSize() - 1);
    // Stacks of the size still cached stay (resident: a new boot's threads start on
    // them without a page fault); the rest go back to their arenas.
    size_t Keep = CachedSize == g_Stacks.CacheSize ? std::min<size_t>(Depth, g_Stacks.Cache.size()) : 0;
    for (size_t i = Keep; i < g_Stacks.Cache.size(); i++)
        ReleaseSlot(static_cast<char *>(g_Stacks.Cache[i]) - g_Stacks.CacheSize - PageSize());
    g_Stacks.Cache.resize(Keep);
    g_Stacks.CacheSize = CachedSize;
    g_Stacks.CacheDepth = Depth;
    g_Stacks.Cache.reserve(Depth);
}

extern "C" ULONG HalHostOutstandingStacks(VOID)
{
    return g_Outstanding.load();
}

extern "C" ULONG HalHostDefaultStackSize(ULONG KernelDefault)
{
    return hal::SanitizerBuild() ? KernelDefault * 4 : KernelDefault;
}
