// Deterministic mode: the same seed and program replay the same interleaving (the
// context-switch trace is identical, record for record); different seeds interleave
// differently.
#include <set>
#include <vector>

#include "ntos_test.h"

using namespace ntos_test;

namespace {

constexpr int kRingSize = 5;
constexpr int kRounds = 40;

struct TokenRing {
    KEVENT Events[kRingSize];
    volatile LONG Passes = 0;
    volatile LONG OutOfTurn = 0;
    volatile LONG Holder = 0;
};

// Each member waits for the token, does some work with interrupt points in it,
// checks it really holds the token, and passes it on.
void RingMember(TokenRing &Ring, int Index)
{
    for (int Round = 0; Round < kRounds; Round++) {
        KeWaitForSingleObject(&Ring.Events[Index], Executive, KernelMode, FALSE, nullptr);
        if (InterlockedExchange(&Ring.Holder, Index + 1) != 0)
            InterlockedIncrement(&Ring.OutOfTurn);
        for (int Work = 0; Work < 3; Work++) {
            KIRQL OldIrql;
            KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
            KeLowerIrql(OldIrql);
        }
        InterlockedIncrement(&Ring.Passes);
        InterlockedExchange(&Ring.Holder, 0);
        KeSetEvent(&Ring.Events[(Index + 1) % kRingSize], 0, FALSE);
    }
}

std::vector<ULONG64> TraceRun(ULONG Processors, uint64_t Seed, LONG *Passes, LONG *OutOfTurn)
{
    std::vector<ULONG64> Trace(1 << 16);
    ULONG Count = 0;
    NTOS_BOOT_OPTIONS Options = BootOptions({true, Processors, Seed});
    EXPECT_EQ(NtosBoot(&Options), STATUS_SUCCESS);
    TokenRing Ring;
    EXPECT_EQ(RunInKernel([&] {
                  for (auto &Event : Ring.Events)
                      KeInitializeEvent(&Event, SynchronizationEvent, FALSE);
                  std::function<void()> Bodies[kRingSize];
                  PETHREAD Threads[kRingSize];
                  KiStartSwitchTrace(static_cast<ULONG>(Trace.size()));
                  for (int i = 0; i < kRingSize; i++) {
                      Bodies[i] = [&Ring, i] { RingMember(Ring, i); };
                      Threads[i] = StartKernelThread(&Bodies[i]);
                  }
                  KeSetEvent(&Ring.Events[0], 0, FALSE);
                  for (PETHREAD Thread : Threads)
                      JoinKernelThread(Thread);
                  Count = KiStopSwitchTrace(Trace.data(), static_cast<ULONG>(Trace.size()));
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(NtosShutdown(), STATUS_SUCCESS);
    *Passes = Ring.Passes;
    *OutOfTurn = Ring.OutOfTurn;
    Trace.resize(Count);
    return Trace;
}

TEST(Determinism, SameSeedReplaysTheSameSwitches)
{
    for (ULONG Processors : {1u, 2u, 4u}) {
        for (uint64_t Seed : {1ULL, 42ULL, 0xDEADBEEFULL}) {
            LONG Passes[2], OutOfTurn[2];
            auto First = TraceRun(Processors, Seed, &Passes[0], &OutOfTurn[0]);
            auto Second = TraceRun(Processors, Seed, &Passes[1], &OutOfTurn[1]);
            EXPECT_EQ(Passes[0], kRingSize * kRounds) << "seed " << Seed;
            EXPECT_EQ(OutOfTurn[0], 0) << "seed " << Seed;
            EXPECT_GT(First.size(), static_cast<size_t>(kRingSize * kRounds)) << "seed " << Seed;
            EXPECT_EQ(First, Second) << Processors << " processors, seed " << Seed;
        }
    }
}

TEST(Determinism, DifferentSeedsInterleaveDifferently)
{
    std::set<std::vector<ULONG64>> Distinct;
    for (uint64_t Seed = 1; Seed <= 8; Seed++) {
        LONG Passes, OutOfTurn;
        Distinct.insert(TraceRun(2, Seed, &Passes, &OutOfTurn));
        EXPECT_EQ(Passes, kRingSize * kRounds) << "seed " << Seed;
        EXPECT_EQ(OutOfTurn, 0) << "seed " << Seed;
    }
    EXPECT_GE(Distinct.size(), 7u) << "8 seeds gave only " << Distinct.size() << " distinct interleavings";
}

} // namespace
