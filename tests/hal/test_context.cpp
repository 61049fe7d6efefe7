// The HAL's context layer on its own: a fiber switch round trip with the outgoing
// continuation published to the slot the switch names, and stacks with guard pages.
#include <gtest/gtest.h>

#include <fstream>
#include <sys/mman.h>
#include <unistd.h>
#include <string>
#include <vector>

#include "halhost.h"
#include "ntstatus.h"

namespace {

struct PingPong {
    PVOID MainContext = nullptr;
    PVOID FiberContext = nullptr;
    PVOID StackBase = nullptr;
    PVOID StackLimit = nullptr;
    int Bounces = 0;
    PVOID LastArgument = nullptr;
};

PingPong *g_Game;

HAL_CONTEXT_SWITCH SwitchToMain(PingPong &Game, PVOID Argument)
{
    HAL_CONTEXT_SWITCH Switch{};
    Switch.OldContext = &Game.FiberContext;
    Switch.NewContext = Game.MainContext;
    Switch.Argument = Argument;
    return Switch;
}

void FiberRoutine(PVOID Argument)
{
    PingPong &Game = *g_Game;
    Game.LastArgument = Argument;
    for (;;) {
        Game.Bounces++;
        HAL_CONTEXT_SWITCH Switch = SwitchToMain(Game, reinterpret_cast<PVOID>(static_cast<uintptr_t>(Game.Bounces)));
        Game.LastArgument = HalHostSwitchContext(&Switch);
    }
}

TEST(HalContext, SwitchRoundTripCarriesArgumentsAndPublishesContinuations)
{
    PingPong Game;
    g_Game = &Game;
    ASSERT_EQ(HalHostAllocateStack(64 * 1024, &Game.StackBase, &Game.StackLimit), STATUS_SUCCESS);
    ASSERT_EQ(static_cast<char *>(Game.StackBase) - static_cast<char *>(Game.StackLimit), 64 * 1024);
    Game.FiberContext = HalHostInitializeContext(Game.StackBase, nullptr, Game.StackLimit, FiberRoutine);
    ASSERT_NE(Game.FiberContext, nullptr);
    for (uintptr_t Round = 1; Round <= 1000; Round++) {
        HAL_CONTEXT_SWITCH Switch{};
        Switch.OldContext = &Game.MainContext;
        Switch.NewContext = Game.FiberContext;
        Switch.NewStackBase = Game.StackBase;
        Switch.NewStackLimit = Game.StackLimit;
        Switch.Argument = reinterpret_cast<PVOID>(Round * 10);
        PVOID Back = HalHostSwitchContext(&Switch);
        ASSERT_EQ(reinterpret_cast<uintptr_t>(Back), Round) << "the fiber's argument comes back";
        ASSERT_EQ(reinterpret_cast<uintptr_t>(Game.LastArgument), Round * 10) << "our argument reached the fiber";
        ASSERT_NE(Game.MainContext, nullptr);
    }
    EXPECT_EQ(Game.Bounces, 1000);
    HalHostFreeStack(Game.StackBase, Game.StackLimit);
}

TEST(HalStacks, StacksAreDistinctAndPageAligned)
{
    PVOID Base[4], Limit[4];
    for (int i = 0; i < 4; i++) {
        ASSERT_EQ(HalHostAllocateStack(16 * 1024 + 1, &Base[i], &Limit[i]), STATUS_SUCCESS);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(Limit[i]) % 4096, 0u);
        EXPECT_EQ(static_cast<char *>(Base[i]) - static_cast<char *>(Limit[i]), 20 * 1024) << "rounded up to pages";
        static_cast<volatile char *>(Limit[i])[0] = 1; // usable down to the limit
        static_cast<volatile char *>(Base[i])[-1] = 1;
    }
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            EXPECT_TRUE(Base[i] <= Limit[j] || Base[j] <= Limit[i]);
    for (int i = 0; i < 4; i++)
        HalHostFreeStack(Base[i], Limit[i]);
}

TEST(HalStacks, CacheReusesFreedStacksOfTheCachedSize)
{
    HalHostSetStackCache(32 * 1024, 4);
    ULONG Outstanding = HalHostOutstandingStacks();
    PVOID Base, Limit;
    ASSERT_EQ(HalHostAllocateStack(32 * 1024, &Base, &Limit), STATUS_SUCCESS);
    EXPECT_EQ(HalHostOutstandingStacks(), Outstanding + 1);
    HalHostFreeStack(Base, Limit);
    EXPECT_EQ(HalHostOutstandingStacks(), Outstanding);
    PVOID Base2, Limit2;
    ASSERT_EQ(HalHostAllocateStack(32 * 1024, &Base2, &Limit2), STATUS_SUCCESS);
    EXPECT_EQ(Base2, Base) << "the dead stack is reused";
    HalHostFreeStack(Base2, Limit2);
    HalHostSetStackCache(0, 0);
}

TEST(HalStacks, SettingTheCacheAgainKeepsStacksOfTheSameSizeOnly)
{
    HalHostSetStackCache(32 * 1024, 4);
    PVOID Base, Limit;
    ASSERT_EQ(HalHostAllocateStack(32 * 1024, &Base, &Limit), STATUS_SUCCESS);
    HalHostFreeStack(Base, Limit);
    HalHostSetStackCache(32 * 1024, 4); // a new boot with the same stack size
    PVOID Again, AgainLimit;
    ASSERT_EQ(HalHostAllocateStack(32 * 1024, &Again, &AgainLimit), STATUS_SUCCESS);
    EXPECT_EQ(Again, Base) << "the cached stack outlives the reset";
    HalHostFreeStack(Again, AgainLimit);
    HalHostSetStackCache(48 * 1024, 4); // another size empties it
    ASSERT_EQ(HalHostAllocateStack(48 * 1024, &Again, &AgainLimit), STATUS_SUCCESS);
    EXPECT_NE(Again, Base);
    HalHostFreeStack(Again, AgainLimit);
    HalHostSetStackCache(0, 0);
}

TEST(HalRanges, AReleasedRangeIsHandedOutAgainWithNothingCommitted)
{
    const SIZE_T Size = 1024 * 1024;
    PVOID Base, Again;
    ASSERT_EQ(HalHostReserveRange(Size, &Base), STATUS_SUCCESS);
    EXPECT_FALSE(HalHostIsAddressReadable(Base)) << "reserved, not committed";
    ASSERT_EQ(HalHostCommitRange(Base, 4096), STATUS_SUCCESS);
    *static_cast<volatile char *>(Base) = 7;
    ASSERT_EQ(HalHostDecommitRange(Base, 4096), STATUS_SUCCESS);
    HalHostReleaseRange(Base, Size);
    ASSERT_EQ(HalHostReserveRange(Size, &Again), STATUS_SUCCESS);
    EXPECT_EQ(Again, Base) << "the released range is reused";
    EXPECT_FALSE(HalHostIsAddressReadable(Again)) << "and faults until committed";
    ASSERT_EQ(HalHostCommitRange(Again, 4096), STATUS_SUCCESS);
    EXPECT_EQ(*static_cast<volatile char *>(Again), 0) << "committed pages start zeroed";
    ASSERT_EQ(HalHostDecommitRange(Again, 4096), STATUS_SUCCESS);
    HalHostReleaseRange(Again, Size);
}

// The number of memory mappings this process has now.
size_t HostMappings()
{
    std::ifstream Maps("/proc/self/maps");
    size_t Count = 0;
    for (std::string Line; std::getline(Maps, Line);)
        Count++;
    return Count;
}

// This process's address space size, in bytes.
size_t HostVirtualBytes()
{
    std::ifstream Statm("/proc/self/statm");
    size_t Pages = 0;
    Statm >> Pages;
    return Pages * 4096;
}

// Whether the host kernel installs guard markers (MADV_GUARD_INSTALL, Linux 6.13),
// without which each stack's guard page is a mapping of its own.
bool HostHasGuardMarkers()
{
    long Page = sysconf(_SC_PAGESIZE);
    void *Area = mmap(nullptr, 2 * Page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (Area == MAP_FAILED)
        return false;
    bool Supported = madvise(Area, Page, 102 /* MADV_GUARD_INSTALL */) == 0;
    munmap(Area, 2 * Page);
    return Supported;
}

// More stacks than the host's default vm.max_map_count (65530) allows at one mapping
// plus one guard mapping each: guard pages must not split the stacks' mappings.
TEST(HalStacks, FortyThousandStacksStayFarBelowTheHostMappingLimit)
{
    if (!HostHasGuardMarkers())
        GTEST_SKIP() << "host kernel without MADV_GUARD_INSTALL: guard pages split mappings";
    constexpr int kStacks = 40000;
    size_t Before = HostMappings();
    size_t VirtualBefore = HostVirtualBytes();
    std::vector<PVOID> Base(kStacks), Limit(kStacks);
    for (int i = 0; i < kStacks; i++)
        ASSERT_EQ(HalHostAllocateStack(16 * 1024, &Base[i], &Limit[i]), STATUS_SUCCESS) << "stack " << i;
    static_cast<volatile char *>(Base[kStacks - 1])[-1] = 1;
    static_cast<volatile char *>(Limit[kStacks - 1])[0] = 1;
    EXPECT_LT(HostMappings(), Before + kStacks / 20) << "guards split the arenas (host without MADV_GUARD_INSTALL?)";
    for (int i = 0; i < kStacks; i++)
        HalHostFreeStack(Base[i], Limit[i]);
    // (Not the mapping count: adjacent arenas may share one mapping, and TSan adds its own.)
    EXPECT_LT(HostVirtualBytes(), VirtualBefore + 16 * 1024 * 1024) << "arenas with no stack in use are unmapped";
}

} // namespace
