// backtrace.cpp - the saved stack of a context that is not running: a walk of its
// frame-pointer chain from the registers Boost.Context saved, and code addresses
// named from the dynamic symbol table, for the debugger's !thread.
#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "halhost.h"

namespace {

// Where jump_fcontext (x86-64 SysV) leaves the caller's frame pointer and return
// address, relative to the saved context it returns.
constexpr uintptr_t kSavedRbp = 0x30;
constexpr uintptr_t kSavedRip = 0x38;

// Whether [Address, Address + Size) lies inside the stack and is word-aligned.
bool OnStack(uintptr_t Address, uintptr_t Size, uintptr_t Limit, uintptr_t Base)
{
    return Address >= Limit && Address <= Base - Size && Address % sizeof(void *) == 0;
}

} // namespace

extern "C" ULONG HalHostContextBacktrace(PVOID Context, PVOID StackBase, PVOID StackLimit, PVOID *ReturnAddresses,
                                         PVOID *FramePointers, ULONG MaximumFrames)
{
#if defined(__x86_64__)
    auto Limit = reinterpret_cast<uintptr_t>(StackLimit);
    auto Base = reinterpret_cast<uintptr_t>(StackBase);
    auto Saved = reinterpret_cast<uintptr_t>(Context);
    if (!OnStack(Saved, kSavedRip + sizeof(void *), Limit, Base) || !MaximumFrames)
        return 0;
    ULONG Count = 0;
    FramePointers[Count] = reinterpret_cast<PVOID>(Saved + kSavedRip);
    ReturnAddresses[Count++] = *reinterpret_cast<PVOID *>(Saved + kSavedRip);
    uintptr_t Frame = *reinterpret_cast<uintptr_t *>(Saved + kSavedRbp);
    uintptr_t Previous = Saved;
    // Each frame holds the caller's frame pointer, then the return address; frames
    // only grow towards the base, so the walk ends.
    while (Count < MaximumFrames && Frame > Previous && OnStack(Frame, 2 * sizeof(void *), Limit, Base)) {
        PVOID Return = reinterpret_cast<PVOID *>(Frame)[1];
        if (!Return)
            break;
        FramePointers[Count] = reinterpret_cast<PVOID>(Frame);
        ReturnAddresses[Count++] = Return;
        Previous = Frame;
        Frame = *reinterpret_cast<uintptr_t *>(Frame);
    }
    return Count;
#else
    (void)Context, (void)StackBase, (void)StackLimit, (void)ReturnAddresses, (void)FramePointers, (void)MaximumFrames;
    return 0;
#endif
}

extern "C" VOID HalHostDescribeAddress(PVOID Address, PCHAR Buffer, ULONG Size)
{
    if (!Size)
        return;
    Dl_info Info{};
    if (!dladdr(Address, &Info) || !Info.dli_fname) {
        std::snprintf(Buffer, Size, "0x%llx", static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(Address)));
        return;
    }
    const char *Module = std::strrchr(Info.dli_fname, '/');
    Module = Module ? Module + 1 : Info.dli_fname;
    if (Info.dli_sname)
        std::snprintf(Buffer, Size, "%s!%s+0x%llx", Module, Info.dli_sname,
                      static_cast<unsigned long long>(static_cast<char *>(Address) - static_cast<char *>(Info.dli_saddr)));
    else
        std::snprintf(Buffer, Size, "%s+0x%llx", Module,
                      static_cast<unsigned long long>(static_cast<char *>(Address) - static_cast<char *>(Info.dli_fbase)));
}
