// LIST_ENTRY / SINGLE_LIST_ENTRY helpers from ndk/rtlfuncs.h.
#include <gtest/gtest.h>

#include <vector>

#include "ndk/rtlfuncs.h"
#include "ntstatus.h"

extern "C" int RtlTestCInlines(void); // rtl_c_compile.c

namespace {

struct Item {
    int Value;
    LIST_ENTRY Link;
};

struct SItem {
    int Value;
    SINGLE_LIST_ENTRY Link;
};

std::vector<int> Forward(PLIST_ENTRY Head)
{
    std::vector<int> Out;
    for (PLIST_ENTRY E = Head->Flink; E != Head; E = E->Flink)
        Out.push_back(CONTAINING_RECORD(E, Item, Link)->Value);
    return Out;
}

std::vector<int> Backward(PLIST_ENTRY Head)
{
    std::vector<int> Out;
    for (PLIST_ENTRY E = Head->Blink; E != Head; E = E->Blink)
        Out.push_back(CONTAINING_RECORD(E, Item, Link)->Value);
    return Out;
}

} // namespace

TEST(RtlList, InitializedHeadIsEmptyAndSelfLinked)
{
    LIST_ENTRY Head;
    InitializeListHead(&Head);
    EXPECT_TRUE(IsListEmpty(&Head));
    EXPECT_EQ(Head.Flink, &Head);
    EXPECT_EQ(Head.Blink, &Head);
}

TEST(RtlList, InsertTailKeepsFifoOrder)
{
    LIST_ENTRY Head;
    Item Items[3] = {{1, {}}, {2, {}}, {3, {}}};
    InitializeListHead(&Head);
    for (Item &I : Items)
        InsertTailList(&Head, &I.Link);

    EXPECT_FALSE(IsListEmpty(&Head));
    EXPECT_EQ(Forward(&Head), (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(Backward(&Head), (std::vector<int>{3, 2, 1}));
}

TEST(RtlList, InsertHeadKeepsLifoOrder)
{
    LIST_ENTRY Head;
    Item Items[3] = {{1, {}}, {2, {}}, {3, {}}};
    InitializeListHead(&Head);
    for (Item &I : Items)
        InsertHeadList(&Head, &I.Link);

    EXPECT_EQ(Forward(&Head), (std::vector<int>{3, 2, 1}));
    EXPECT_EQ(Backward(&Head), (std::vector<int>{1, 2, 3}));
}

TEST(RtlList, RemoveHeadAndTailReturnTheEnds)
{
    LIST_ENTRY Head;
    Item Items[4] = {{1, {}}, {2, {}}, {3, {}}, {4, {}}};
    InitializeListHead(&Head);
    for (Item &I : Items)
        InsertTailList(&Head, &I.Link);

    EXPECT_EQ(RemoveHeadList(&Head), &Items[0].Link);
    EXPECT_EQ(RemoveTailList(&Head), &Items[3].Link);
    EXPECT_EQ(Forward(&Head), (std::vector<int>{2, 3}));
    EXPECT_EQ(Backward(&Head), (std::vector<int>{3, 2}));
    EXPECT_EQ(RemoveHeadList(&Head), &Items[1].Link);
    EXPECT_EQ(RemoveTailList(&Head), &Items[2].Link);
    EXPECT_TRUE(IsListEmpty(&Head));
    EXPECT_EQ(Head.Blink, &Head);
}

TEST(RtlList, RemoveEntryReportsWhenListBecomesEmpty)
{
    LIST_ENTRY Head;
    Item Items[3] = {{1, {}}, {2, {}}, {3, {}}};
    InitializeListHead(&Head);
    for (Item &I : Items)
        InsertTailList(&Head, &I.Link);

    EXPECT_FALSE(RemoveEntryList(&Items[1].Link)); // middle
    EXPECT_EQ(Forward(&Head), (std::vector<int>{1, 3}));
    EXPECT_EQ(Backward(&Head), (std::vector<int>{3, 1}));
    EXPECT_FALSE(RemoveEntryList(&Items[0].Link)); // one left
    EXPECT_EQ(Forward(&Head), (std::vector<int>{3}));
    EXPECT_TRUE(RemoveEntryList(&Items[2].Link)); // now empty
    EXPECT_TRUE(IsListEmpty(&Head));
}

TEST(RtlList, AppendTailListSplicesAHeadlessList)
{
    LIST_ENTRY Head1, Head2;
    Item A[2] = {{1, {}}, {2, {}}};
    Item B[3] = {{3, {}}, {4, {}}, {5, {}}};
    InitializeListHead(&Head1);
    InitializeListHead(&Head2);
    for (Item &I : A)
        InsertTailList(&Head1, &I.Link);
    for (Item &I : B)
        InsertTailList(&Head2, &I.Link);

    // WDK idiom: detach the second head, leaving a headless circle, then append it.
    PLIST_ENTRY First = Head2.Flink;
    RemoveEntryList(&Head2);
    AppendTailList(&Head1, First);

    EXPECT_EQ(Forward(&Head1), (std::vector<int>{1, 2, 3, 4, 5}));
    EXPECT_EQ(Backward(&Head1), (std::vector<int>{5, 4, 3, 2, 1}));
}

TEST(RtlList, AppendTailListOntoEmptyList)
{
    LIST_ENTRY Head1, Head2;
    Item B[2] = {{7, {}}, {8, {}}};
    InitializeListHead(&Head1);
    InitializeListHead(&Head2);
    for (Item &I : B)
        InsertTailList(&Head2, &I.Link);

    PLIST_ENTRY First = Head2.Flink;
    RemoveEntryList(&Head2);
    AppendTailList(&Head1, First);

    EXPECT_EQ(Forward(&Head1), (std::vector<int>{7, 8}));
    EXPECT_EQ(Backward(&Head1), (std::vector<int>{8, 7}));
}

TEST(RtlList, SingleListIsLifoAndPopOfEmptyIsNull)
{
    SINGLE_LIST_ENTRY Head = {NULL};
    SItem Items[3] = {{1, {}}, {2, {}}, {3, {}}};

    EXPECT_EQ(PopEntryList(&Head), nullptr);
    for (SItem &I : Items)
        PushEntryList(&Head, &I.Link);

    for (int Expected : {3, 2, 1}) {
        PSINGLE_LIST_ENTRY E = PopEntryList(&Head);
        ASSERT_NE(E, nullptr);
        EXPECT_EQ(CONTAINING_RECORD(E, SItem, Link)->Value, Expected);
    }
    EXPECT_EQ(PopEntryList(&Head), nullptr);
    EXPECT_EQ(Head.Next, nullptr);
}

TEST(RtlList, InlinesBehaveTheSameWhenCompiledAsC)
{
    EXPECT_EQ(RtlTestCInlines(), 0);
}
