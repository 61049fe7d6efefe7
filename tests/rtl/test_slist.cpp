// Interlocked singly linked lists (rtl/slist.cpp): LIFO order, depth, the sequence
// bumped by every change, flush, the Exp aliases and wdm.h macros, and host threads
// hammering one list (a pop that installed a stale link would hand one entry to two
// threads or lose entries).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "ntddk.h"

namespace {

struct Node {
    SLIST_ENTRY Link; // first, so the node is the entry
    int Value;
    std::atomic<int> Owners;
};

std::vector<int> Drain(PSLIST_HEADER Head)
{
    std::vector<int> Out;
    while (PSLIST_ENTRY Entry = RtlInterlockedPopEntrySList(Head))
        Out.push_back(reinterpret_cast<Node *>(Entry)->Value);
    return Out;
}

TEST(SList, PushAndPopAreLastInFirstOutWithDepthAndSequence)
{
    SLIST_HEADER Head;
    Head.Alignment = 0x1234;
    Head.Region = 0x5678;
    RtlInitializeSListHead(&Head);
    EXPECT_EQ(Head.Alignment, 0u);
    EXPECT_EQ(Head.Region, 0u);
    EXPECT_EQ(RtlInterlockedPopEntrySList(&Head), nullptr);
    EXPECT_EQ(Head.HeaderX64.Sequence, 0u) << "a pop of an empty list changes nothing";
    static Node Nodes[3];
    for (int i = 0; i < 3; i++)
        Nodes[i].Value = i;
    EXPECT_EQ(RtlInterlockedPushEntrySList(&Head, &Nodes[0].Link), nullptr);
    EXPECT_EQ(RtlInterlockedPushEntrySList(&Head, &Nodes[1].Link), &Nodes[0].Link) << "returns the old first entry";
    EXPECT_EQ(InterlockedPushEntrySList(&Head, &Nodes[2].Link), &Nodes[1].Link);
    EXPECT_EQ(RtlQueryDepthSList(&Head), 3);
    EXPECT_EQ(QueryDepthSList(&Head), 3);
    EXPECT_EQ(Head.HeaderX64.Depth, 3u);
    EXPECT_EQ(Head.HeaderX64.Sequence, 3u);
    EXPECT_EQ(Head.HeaderX64.NextEntry << 4, reinterpret_cast<ULONG_PTR>(&Nodes[2].Link));
    EXPECT_EQ(RtlFirstEntrySList(&Head), &Nodes[2].Link);
    EXPECT_EQ(Nodes[2].Link.Next, &Nodes[1].Link);
    EXPECT_EQ(InterlockedPopEntrySList(&Head), &Nodes[2].Link);
    EXPECT_EQ(Head.HeaderX64.Sequence, 4u) << "pops bump the sequence too";
    EXPECT_EQ(ExQueryDepthSList(&Head), 2);
    EXPECT_EQ(Drain(&Head), (std::vector<int>{1, 0}));
    EXPECT_EQ(ExQueryDepthSList(&Head), 0);
    EXPECT_EQ(RtlFirstEntrySList(&Head), nullptr);
}

TEST(SList, FlushTakesTheWholeChain)
{
    SLIST_HEADER Head;
    InitializeSListHead(&Head);
    EXPECT_EQ(InterlockedFlushSList(&Head), nullptr);
    static Node Nodes[4];
    for (int i = 0; i < 4; i++) {
        Nodes[i].Value = i;
        ExInterlockedPushEntrySList(&Head, &Nodes[i].Link, nullptr);
    }
    PSLIST_ENTRY Chain = ExInterlockedFlushSList(&Head);
    EXPECT_EQ(ExQueryDepthSList(&Head), 0);
    EXPECT_EQ(ExInterlockedPopEntrySList(&Head, nullptr), nullptr);
    std::vector<int> Values;
    for (PSLIST_ENTRY Entry = Chain; Entry; Entry = Entry->Next)
        Values.push_back(reinterpret_cast<Node *>(Entry)->Value);
    EXPECT_EQ(Values, (std::vector<int>{3, 2, 1, 0}));
}

TEST(SList, ExpRoutinesAreTheRtlRoutines)
{
    EXPECT_EQ(reinterpret_cast<void *>(&ExpInterlockedPushEntrySList),
              reinterpret_cast<void *>(&RtlInterlockedPushEntrySList));
    EXPECT_EQ(reinterpret_cast<void *>(&ExpInterlockedPopEntrySList),
              reinterpret_cast<void *>(&RtlInterlockedPopEntrySList));
    EXPECT_EQ(reinterpret_cast<void *>(&ExpInterlockedFlushSList), reinterpret_cast<void *>(&RtlInterlockedFlushSList));
}

// Few nodes, many threads popping and pushing them back: the pattern where a pop
// without the sequence check installs a stale link (ABA). Each node is held by at
// most one thread at a time and none is lost or duplicated.
TEST(SList, ThreadsPoppingAndPushingFewNodesNeverShareOrLoseOne)
{
    constexpr int kNodes = 8, kThreads = 4, kRounds = 100000;
    SLIST_HEADER Head;
    InitializeSListHead(&Head);
    static Node Nodes[kNodes];
    for (int i = 0; i < kNodes; i++) {
        Nodes[i].Value = i;
        Nodes[i].Owners = 0;
        InterlockedPushEntrySList(&Head, &Nodes[i].Link);
    }
    std::atomic<int> Shared{0}, Pops{0};
    std::vector<std::thread> Threads;
    for (int t = 0; t < kThreads; t++) {
        Threads.emplace_back([&] {
            PSLIST_ENTRY Held[2];
            for (int Round = 0; Round < kRounds; Round++) {
                int Count = 0;
                for (int i = 0; i < 2; i++) {
                    if ((Held[Count] = InterlockedPopEntrySList(&Head))) {
                        if (reinterpret_cast<Node *>(Held[Count])->Owners.fetch_add(1) != 0)
                            Shared++;
                        Count++;
                    }
                }
                Pops += Count;
                while (Count--) {
                    reinterpret_cast<Node *>(Held[Count])->Owners.fetch_sub(1);
                    InterlockedPushEntrySList(&Head, Held[Count]);
                }
            }
        });
    }
    for (std::thread &Thread : Threads)
        Thread.join();
    EXPECT_EQ(Shared.load(), 0) << "an entry was popped by two threads at once";
    EXPECT_GT(Pops.load(), kRounds);
    EXPECT_EQ(ExQueryDepthSList(&Head), kNodes);
    std::vector<int> Values = Drain(&Head);
    std::sort(Values.begin(), Values.end());
    EXPECT_EQ(Values, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
}

} // namespace
