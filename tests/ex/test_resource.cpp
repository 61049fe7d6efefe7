// Executive resources in every machine mode, after ReactOS's kmtest ExResource: the
// ERESOURCE fields after each acquire and release variant, recursion counts, waiter
// counts, Wait = FALSE failures under contention, starve-exclusive and
// wait-for-exclusive semantics, hand-off order, the growing owner table, owner
// pointers, reinitialization, readers/writers exclusion under contention, and the
// bugchecks (RESOURCE_NOT_OWNED, IRQL, APCs enabled, list corruption).
#include <algorithm>
#include <vector>

#include "ntos_test.h"
#include "ex.h"

using namespace ntos_test;

namespace {

using AcquireRoutine = BOOLEAN(NTAPI *)(PERESOURCE, BOOLEAN);

class ResourceTest : public KernelTest {};

// What kmtest's CheckResourceStatus sees from the calling thread, plus the counts.
struct ResourceState {
    BOOLEAN Exclusive;
    ULONG Shared;
    ULONG ExclusiveWaiters;
    ULONG SharedWaiters;
    SHORT ActiveCount;
    USHORT Flag;
};

// Inside the kernel: the resource as the current thread sees it.
ResourceState StateOf(PERESOURCE Resource)
{
    ResourceState State{ExIsResourceAcquiredExclusiveLite(Resource), ExIsResourceAcquiredSharedLite(Resource),
                        ExGetExclusiveWaiterCount(Resource), ExGetSharedWaiterCount(Resource), 0, 0};
    KLOCK_QUEUE_HANDLE LockHandle;
    KeAcquireInStackQueuedSpinLock(&Resource->SpinLock, &LockHandle);
    State.ActiveCount = Resource->ActiveCount;
    State.Flag = Resource->Flag;
    KeReleaseInStackQueuedSpinLock(&LockHandle);
    return State;
}

// Inside the kernel: checks the current thread's view of the resource.
void ExpectState(PERESOURCE Resource, BOOLEAN Exclusive, ULONG Shared, ULONG ExclusiveWaiters, ULONG SharedWaiters,
                 SHORT ActiveCount, int Line)
{
    SCOPED_TRACE("checked at line " + std::to_string(Line));
    ResourceState State = StateOf(Resource);
    EXPECT_EQ(State.Exclusive, Exclusive);
    EXPECT_EQ(State.Shared, Shared);
    EXPECT_EQ(State.ExclusiveWaiters, ExclusiveWaiters);
    EXPECT_EQ(State.SharedWaiters, SharedWaiters);
    EXPECT_EQ(State.ActiveCount, ActiveCount);
}
#define EXPECT_RESOURCE(R, Ex, Sh, ExW, ShW, Active) ExpectState(R, Ex, Sh, ExW, ShW, Active, __LINE__)

// Inside the kernel: kmtest's CheckResourceFields for a fresh (or reinitialized)
// resource.
void ExpectInitialFields(PERESOURCE Resource, bool Reinitialized)
{
    EXPECT_EQ(Resource->SystemResourcesList.Flink->Blink, &Resource->SystemResourcesList);
    EXPECT_EQ(Resource->SystemResourcesList.Blink->Flink, &Resource->SystemResourcesList);
    if (!Reinitialized) {
        EXPECT_EQ(Resource->OwnerTable, nullptr);
        EXPECT_EQ(Resource->SharedWaiters, nullptr);
        EXPECT_EQ(Resource->ExclusiveWaiters, nullptr);
    }
    EXPECT_EQ(Resource->ActiveCount, 0);
    EXPECT_EQ(Resource->Flag, 0);
    for (const OWNER_ENTRY &Entry : Resource->OwnerThreads) {
        EXPECT_EQ(Entry.OwnerThread, 0u);
        EXPECT_EQ(Entry.TableSize, 0u);
    }
    EXPECT_EQ(Resource->ContentionCount, 0u);
    EXPECT_EQ(Resource->NumberOfSharedWaiters, 0);
    EXPECT_EQ(Resource->NumberOfExclusiveWaiters, 0);
    EXPECT_EQ(Resource->Address, nullptr);
    EXPECT_EQ(Resource->SpinLock, 0u);
}

// Inside the kernel: whether the resource is on the system resource list.
bool IsListed(PERESOURCE Resource)
{
    KLOCK_QUEUE_HANDLE LockHandle;
    bool Found = false;
    KeAcquireInStackQueuedSpinLock(&ExpResourceSpinLock, &LockHandle);
    for (PLIST_ENTRY Entry = ExpSystemResourcesList.Flink; Entry != &ExpSystemResourcesList; Entry = Entry->Flink)
        Found = Found || Entry == &Resource->SystemResourcesList;
    KeReleaseInStackQueuedSpinLock(&LockHandle);
    return Found;
}

// A kernel thread that acquires a resource one way inside a critical region, reports,
// holds it until told, then releases it (kmtest ExResource's AcquireResourceThread).
struct Acquirer {
    PERESOURCE Resource = nullptr;
    AcquireRoutine Acquire = nullptr;
    BOOLEAN Wait = FALSE;
    volatile LONG Result = -1;
    ULONG HeldCount = 0;
    KEVENT Acquired, Release;
    std::function<void()> Body;
    PETHREAD Thread = nullptr;

    void Start(PERESOURCE Target, AcquireRoutine Routine, BOOLEAN WaitArg)
    {
        Resource = Target;
        Acquire = Routine;
        Wait = WaitArg;
        Result = -1;
        KeInitializeEvent(&Acquired, NotificationEvent, FALSE);
        KeInitializeEvent(&Release, NotificationEvent, FALSE);
        Body = [this] {
            KeEnterCriticalRegion();
            BOOLEAN Ret = Acquire(Resource, Wait);
            HeldCount = ExIsResourceAcquiredSharedLite(Resource);
            InterlockedExchange(&Result, Ret);
            KeSetEvent(&Acquired, 0, FALSE);
            KeWaitForSingleObject(&Release, Executive, KernelMode, FALSE, nullptr);
            if (Ret)
                ExReleaseResourceLite(Resource);
            KeLeaveCriticalRegion();
        };
        Thread = StartKernelThread(&Body);
        ASSERT_NE(Thread, nullptr);
    }
    // Waits until the acquire call returned; its result.
    LONG Returned()
    {
        KeWaitForSingleObject(&Acquired, Executive, KernelMode, FALSE, nullptr);
        return ReadShared(Result);
    }
    void Blocked() { SpinUntilWaiting(&Thread->Tcb, WrResource); }
    void Finish()
    {
        KeSetEvent(&Release, 0, FALSE);
        JoinKernelThread(Thread);
        Thread = nullptr;
    }
};

TEST_P(ResourceTest, InitializeFillsInTheFieldsAndListsTheResource)
{
    bool Listed[3] = {};
    ASSERT_EQ(RunInKernel([&] {
                  ERESOURCE Resource;
                  KIRQL OldIrql;
                  KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                  EXPECT_EQ(ExInitializeResourceLite(&Resource), STATUS_SUCCESS) << "at DISPATCH_LEVEL";
                  KeLowerIrql(APC_LEVEL);
                  Listed[0] = IsListed(&Resource);
                  EXPECT_EQ(ExDeleteResourceLite(&Resource), STATUS_SUCCESS) << "at APC_LEVEL";
                  KeLowerIrql(OldIrql);
                  Listed[1] = IsListed(&Resource);

                  memset(&Resource, 0x55, sizeof(Resource));
                  EXPECT_EQ(ExInitializeResourceLite(&Resource), STATUS_SUCCESS);
                  ExpectInitialFields(&Resource, false);
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, 0);
                  Listed[2] = IsListed(&Resource);
                  ExDeleteResourceLite(&Resource);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(Listed[0]);
    EXPECT_FALSE(Listed[1]) << "deleting unlinks it";
    EXPECT_TRUE(Listed[2]);
}

TEST_P(ResourceTest, SharedOwnerRecursesThroughEveryVariantButCannotGoExclusive)
{
    ASSERT_EQ(RunInKernel([&] {
                  ERESOURCE Resource;
                  ExInitializeResourceLite(&Resource);
                  ULONG Count = 0;
                  KeEnterCriticalRegion();
                  EXPECT_TRUE(ExAcquireResourceSharedLite(&Resource, FALSE)); ++Count;
                  EXPECT_RESOURCE(&Resource, FALSE, Count, 0, 0, 1);
                  EXPECT_EQ(Resource.OwnerThreads[1].OwnerThread, ExGetCurrentResourceThread());
                  EXPECT_TRUE(ExAcquireResourceSharedLite(&Resource, FALSE)); ++Count;
                  EXPECT_TRUE(ExAcquireResourceSharedLite(&Resource, TRUE)); ++Count;
                  EXPECT_TRUE(ExAcquireSharedStarveExclusive(&Resource, FALSE)); ++Count;
                  EXPECT_TRUE(ExAcquireSharedStarveExclusive(&Resource, TRUE)); ++Count;
                  EXPECT_TRUE(ExAcquireSharedWaitForExclusive(&Resource, FALSE)); ++Count;
                  EXPECT_TRUE(ExAcquireSharedWaitForExclusive(&Resource, TRUE)); ++Count;
                  EXPECT_RESOURCE(&Resource, FALSE, Count, 0, 0, 1);
                  EXPECT_EQ(Resource.OwnerThreads[1].OwnerCount, (LONG)Count);
                  EXPECT_FALSE(ExAcquireResourceExclusiveLite(&Resource, FALSE)) << "no upgrade";
                  EXPECT_FALSE(ExTryToAcquireResourceExclusiveLite(&Resource));
                  EXPECT_RESOURCE(&Resource, FALSE, Count, 0, 0, 1);
                  while (Count--) {
                      ExReleaseResourceLite(&Resource);
                      EXPECT_RESOURCE(&Resource, FALSE, Count, 0, 0, Count ? 1 : 0);
                  }
                  KeLeaveCriticalRegion();
                  EXPECT_EQ(Resource.OwnerThreads[1].OwnerThread, 0u);
                  EXPECT_EQ(Resource.OwnerTable, nullptr) << "one owner needs no table";
                  ExDeleteResourceLite(&Resource);
              }),
              STATUS_SUCCESS);
}

TEST_P(ResourceTest, ExclusiveOwnerRecursesSharedAndConvertsKeepingItsCount)
{
    ASSERT_EQ(RunInKernel([&] {
                  ERESOURCE Resource;
                  ExInitializeResourceLite(&Resource);
                  ULONG Count = 0;
                  KeEnterCriticalRegion();
                  EXPECT_TRUE(ExAcquireResourceExclusiveLite(&Resource, FALSE)); ++Count;
                  EXPECT_RESOURCE(&Resource, TRUE, Count, 0, 0, 1);
                  EXPECT_EQ(Resource.OwnerThreads[0].OwnerThread, ExGetCurrentResourceThread());
                  EXPECT_TRUE(ExAcquireResourceExclusiveLite(&Resource, TRUE)); ++Count;
                  EXPECT_TRUE(ExTryToAcquireResourceExclusiveLite(&Resource)); ++Count;
                  EXPECT_RESOURCE(&Resource, TRUE, Count, 0, 0, 1);
                  EXPECT_TRUE(ExAcquireResourceSharedLite(&Resource, FALSE)); ++Count;
                  EXPECT_TRUE(ExAcquireResourceSharedLite(&Resource, TRUE)); ++Count;
                  EXPECT_TRUE(ExAcquireSharedStarveExclusive(&Resource, FALSE)); ++Count;
                  EXPECT_TRUE(ExAcquireSharedStarveExclusive(&Resource, TRUE)); ++Count;
                  EXPECT_TRUE(ExAcquireSharedWaitForExclusive(&Resource, FALSE)); ++Count;
                  EXPECT_TRUE(ExAcquireSharedWaitForExclusive(&Resource, TRUE)); ++Count;
                  EXPECT_RESOURCE(&Resource, TRUE, Count, 0, 0, 1);
                  EXPECT_EQ(Resource.OwnerThreads[0].OwnerCount, (LONG)Count);
                  ExConvertExclusiveToSharedLite(&Resource);
                  EXPECT_RESOURCE(&Resource, FALSE, Count, 0, 0, 1);
                  EXPECT_FALSE(ExAcquireResourceExclusiveLite(&Resource, FALSE)) << "converted: shared now";
                  while (Count--)
                      ExReleaseResourceLite(&Resource);
                  KeLeaveCriticalRegion();
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, 0);
                  EXPECT_EQ(Resource.Flag, 0);
                  ExDeleteResourceLite(&Resource);
              }),
              STATUS_SUCCESS);
}

// kmtest's TestResourceUndocumentedShortcuts, at PASSIVE_LEVEL and at APC_LEVEL.
TEST_P(ResourceTest, CriticalRegionShortcutsEnterAndLeaveTheRegion)
{
    ASSERT_EQ(RunInKernel([&] {
                  ERESOURCE Resource;
                  ExInitializeResourceLite(&Resource);
                  for (KIRQL Irql : {(KIRQL)PASSIVE_LEVEL, (KIRQL)APC_LEVEL}) {
                      SCOPED_TRACE("at IRQL " + std::to_string(Irql));
                      KIRQL OldIrql;
                      KeRaiseIrql(Irql, &OldIrql);
                      BOOLEAN AllDisabled = Irql >= APC_LEVEL;
                      EXPECT_FALSE(KeAreApcsDisabled());
                      EXPECT_EQ(ExEnterCriticalRegionAndAcquireResourceShared(&Resource),
                                KeGetCurrentThread()->Win32Thread);
                      EXPECT_TRUE(KeAreApcsDisabled());
                      EXPECT_EQ(KeAreAllApcsDisabled(), AllDisabled);
                      EXPECT_RESOURCE(&Resource, FALSE, 1, 0, 0, 1);
                      ExEnterCriticalRegionAndAcquireResourceShared(&Resource);
                      ExEnterCriticalRegionAndAcquireSharedWaitForExclusive(&Resource);
                      EXPECT_RESOURCE(&Resource, FALSE, 3, 0, 0, 1);
                      for (ULONG Count = 3; Count > 1; Count--) {
                          ExReleaseResourceAndLeaveCriticalRegion(&Resource);
                          EXPECT_TRUE(KeAreApcsDisabled());
                          EXPECT_RESOURCE(&Resource, FALSE, Count - 1, 0, 0, 1);
                      }
                      ExReleaseResourceAndLeaveCriticalRegion(&Resource);
                      EXPECT_FALSE(KeAreApcsDisabled());
                      EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, 0);

                      ExEnterCriticalRegionAndAcquireResourceExclusive(&Resource);
                      ExEnterCriticalRegionAndAcquireResourceExclusive(&Resource);
                      EXPECT_TRUE(KeAreApcsDisabled());
                      EXPECT_RESOURCE(&Resource, TRUE, 2, 0, 0, 1);
                      ExReleaseResourceAndLeaveCriticalRegion(&Resource);
                      EXPECT_TRUE(KeAreApcsDisabled());
                      EXPECT_RESOURCE(&Resource, TRUE, 1, 0, 0, 1);
                      ExReleaseResourceAndLeaveCriticalRegion(&Resource);
                      EXPECT_FALSE(KeAreApcsDisabled());
                      EXPECT_EQ(KeAreAllApcsDisabled(), AllDisabled);
                      EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, 0);
                      KeLowerIrql(OldIrql);
                  }
                  ExDeleteResourceLite(&Resource);
              }),
              STATUS_SUCCESS);
}

// kmtest's TestResourceWithThreads: who gets in, who fails, who waits, and who is
// handed the resource, with the fields after each step.
TEST_P(ResourceTest, ContendedAcquiresFailWaitOrStarveAsNtDoes)
{
    ASSERT_EQ(RunInKernel([&] {
                  ERESOURCE Resource;
                  ExInitializeResourceLite(&Resource);
                  Acquirer Shared, Shared2, Exclusive, Starve, WaitForExclusive;

                  Shared.Start(&Resource, ExAcquireResourceSharedLite, FALSE);
                  EXPECT_EQ(Shared.Returned(), TRUE);
                  EXPECT_EQ(Shared.HeldCount, 1u);
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, 1);
                  Shared2.Start(&Resource, ExAcquireResourceSharedLite, FALSE);
                  EXPECT_EQ(Shared2.Returned(), TRUE);
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, 2);
                  Shared2.Finish();
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, 1);

                  Exclusive.Start(&Resource, ExAcquireResourceExclusiveLite, FALSE);
                  EXPECT_EQ(Exclusive.Returned(), FALSE);
                  Exclusive.Finish();
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, 1);
                  EXPECT_EQ(Resource.ContentionCount, 0u) << "a failed try is no contention";

                  Exclusive.Start(&Resource, ExAcquireResourceExclusiveLite, TRUE);
                  Exclusive.Blocked();
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 1, 0, 1);
                  EXPECT_NE(Resource.ExclusiveWaiters, nullptr) << "allocated at the first contention";
                  EXPECT_EQ(Resource.SharedWaiters, nullptr);
                  EXPECT_EQ(Resource.ContentionCount, 1u);

                  Shared2.Start(&Resource, ExAcquireResourceSharedLite, FALSE);
                  EXPECT_EQ(Shared2.Returned(), FALSE) << "a new shared owner queues behind an exclusive waiter";
                  Shared2.Finish();
                  WaitForExclusive.Start(&Resource, ExAcquireSharedWaitForExclusive, FALSE);
                  EXPECT_EQ(WaitForExclusive.Returned(), FALSE);
                  WaitForExclusive.Finish();
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 1, 0, 1);

                  Starve.Start(&Resource, ExAcquireSharedStarveExclusive, TRUE);
                  EXPECT_EQ(Starve.Returned(), TRUE) << "starve-exclusive passes the exclusive waiter";
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 1, 0, 2);
                  Starve.Finish();
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 1, 0, 1);

                  Shared2.Start(&Resource, ExAcquireResourceSharedLite, TRUE);
                  Shared2.Blocked();
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 1, 1, 1);
                  EXPECT_NE(Resource.SharedWaiters, nullptr);

                  Shared.Finish(); // the last shared owner: the exclusive waiter gets it
                  EXPECT_EQ(Exclusive.Returned(), TRUE);
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 1, 1);
                  EXPECT_NE(Resource.Flag & ResourceOwnedExclusive, 0);
                  EXPECT_EQ(Resource.OwnerThreads[0].OwnerThread, reinterpret_cast<ERESOURCE_THREAD>(Exclusive.Thread));
                  EXPECT_EQ(Exclusive.HeldCount, 1u);

                  Exclusive.Finish(); // then every shared waiter
                  EXPECT_EQ(Shared2.Returned(), TRUE);
                  EXPECT_EQ(Shared2.HeldCount, 1u);
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, 1);
                  EXPECT_EQ(Resource.Flag & ResourceOwnedExclusive, 0);
                  Shared2.Finish();
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, 0);
                  EXPECT_EQ(Resource.ContentionCount, 2u);

                  EXPECT_EQ(ExReinitializeResourceLite(&Resource), STATUS_SUCCESS);
                  ExpectInitialFields(&Resource, true);
                  EXPECT_NE(Resource.SharedWaiters, nullptr) << "reinitializing keeps the allocations";
                  EXPECT_NE(Resource.ExclusiveWaiters, nullptr);
                  EXPECT_NE(Resource.OwnerTable, nullptr);
                  EXPECT_EQ(Resource.OwnerTable[0].TableSize, 3u);
                  EXPECT_EQ(KeReadStateSemaphore(Resource.SharedWaiters), 0);
                  ExDeleteResourceLite(&Resource);
              }),
              STATUS_SUCCESS);
}

TEST_P(ResourceTest, ExclusiveReleaseWakesSharedWaitersBeforeExclusiveOnes)
{
    ASSERT_EQ(RunInKernel([&] {
                  ERESOURCE Resource;
                  ExInitializeResourceLite(&Resource);
                  Acquirer Owner, Writer, Readers[3];
                  Owner.Start(&Resource, ExAcquireResourceExclusiveLite, TRUE);
                  EXPECT_EQ(Owner.Returned(), TRUE);
                  Writer.Start(&Resource, ExAcquireResourceExclusiveLite, TRUE);
                  Writer.Blocked();
                  AcquireRoutine Variants[3] = {ExAcquireResourceSharedLite, ExAcquireSharedStarveExclusive,
                                                ExAcquireSharedWaitForExclusive};
                  for (int i = 0; i < 3; i++) {
                      Readers[i].Start(&Resource, Variants[i], FALSE);
                      EXPECT_EQ(Readers[i].Returned(), FALSE) << "variant " << i << " against an exclusive owner";
                      Readers[i].Finish();
                      Readers[i].Start(&Resource, Variants[i], TRUE);
                      Readers[i].Blocked();
                  }
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 1, 3, 1);
                  Owner.Finish();
                  for (Acquirer &Reader : Readers)
                      EXPECT_EQ(Reader.Returned(), TRUE);
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 1, 0, 3);
                  EXPECT_EQ(ReadShared(Writer.Result), -1) << "the exclusive waiter still waits";
                  for (Acquirer &Reader : Readers)
                      Reader.Finish();
                  EXPECT_EQ(Writer.Returned(), TRUE);
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, 1);
                  Writer.Finish();
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, 0);
                  ExDeleteResourceLite(&Resource);
              }),
              STATUS_SUCCESS);
}

TEST_P(ResourceTest, SharedOwnerRecursesPastAnExclusiveWaiterExceptWaitForExclusive)
{
    ASSERT_EQ(RunInKernel([&] {
                  ERESOURCE Resource;
                  ExInitializeResourceLite(&Resource);
                  KeEnterCriticalRegion();
                  ExAcquireResourceSharedLite(&Resource, TRUE);
                  Acquirer Writer;
                  Writer.Start(&Resource, ExAcquireResourceExclusiveLite, TRUE);
                  Writer.Blocked();
                  EXPECT_TRUE(ExAcquireResourceSharedLite(&Resource, FALSE)) << "an owner never waits for itself";
                  EXPECT_TRUE(ExAcquireSharedStarveExclusive(&Resource, FALSE));
                  EXPECT_FALSE(ExAcquireSharedWaitForExclusive(&Resource, FALSE))
                      << "wait-for-exclusive yields to the waiter even for an owner";
                  EXPECT_RESOURCE(&Resource, FALSE, 3, 1, 0, 1);
                  for (int i = 0; i < 3; i++)
                      ExReleaseResourceLite(&Resource);
                  KeLeaveCriticalRegion();
                  EXPECT_EQ(Writer.Returned(), TRUE);
                  Writer.Finish();
                  ExDeleteResourceLite(&Resource);
              }),
              STATUS_SUCCESS);
}

TEST_P(ResourceTest, ConvertLetsTheSharedWaitersIn)
{
    ASSERT_EQ(RunInKernel([&] {
                  ERESOURCE Resource;
                  ExInitializeResourceLite(&Resource);
                  KeEnterCriticalRegion();
                  ExAcquireResourceExclusiveLite(&Resource, TRUE);
                  Acquirer Readers[2], Writer;
                  for (Acquirer &Reader : Readers) {
                      Reader.Start(&Resource, ExAcquireResourceSharedLite, TRUE);
                      Reader.Blocked();
                  }
                  Writer.Start(&Resource, ExAcquireResourceExclusiveLite, TRUE);
                  Writer.Blocked();
                  EXPECT_RESOURCE(&Resource, TRUE, 1, 1, 2, 1);
                  ExConvertExclusiveToSharedLite(&Resource);
                  for (Acquirer &Reader : Readers)
                      EXPECT_EQ(Reader.Returned(), TRUE);
                  EXPECT_RESOURCE(&Resource, FALSE, 1, 1, 0, 3);
                  ExReleaseResourceLite(&Resource);
                  KeLeaveCriticalRegion();
                  for (Acquirer &Reader : Readers)
                      Reader.Finish();
                  EXPECT_EQ(Writer.Returned(), TRUE);
                  Writer.Finish();
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, 0);
                  ExDeleteResourceLite(&Resource);
              }),
              STATUS_SUCCESS);
}

TEST_P(ResourceTest, OwnerTableGrowsForManySharedOwners)
{
    constexpr int Owners = 12;
    ULONG TableSize = 0;
    ASSERT_EQ(RunInKernel([&] {
                  ERESOURCE Resource;
                  ExInitializeResourceLite(&Resource);
                  std::vector<Acquirer> Readers(Owners);
                  for (Acquirer &Reader : Readers) {
                      Reader.Start(&Resource, ExAcquireResourceSharedLite, FALSE);
                      EXPECT_EQ(Reader.Returned(), TRUE);
                      EXPECT_EQ(Reader.HeldCount, 1u) << "each owner finds its own entry";
                  }
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, Owners);
                  ASSERT_NE(Resource.OwnerTable, nullptr);
                  TableSize = Resource.OwnerTable[0].TableSize;
                  int Recorded = Resource.OwnerThreads[1].OwnerThread != 0;
                  for (ULONG i = 1; i < TableSize; i++)
                      Recorded += Resource.OwnerTable[i].OwnerThread != 0;
                  EXPECT_EQ(Recorded, Owners);
                  for (int i = 0; i < Owners; i += 2) // release out of order
                      Readers[i].Finish();
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, Owners / 2);
                  for (int i = 1; i < Owners; i += 2)
                      Readers[i].Finish();
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, 0);
                  ExDeleteResourceLite(&Resource);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(TableSize, 15u) << "3, then 4 more at a time: 11 table owners need 15 entries";
}

// kmtest's TestResourceWithOwner, plus the shared case where owner entries merge.
TEST_P(ResourceTest, OwnerPointerMovesOwnershipToAnotherReleaser)
{
    LONG OtherGot = -1;
    ASSERT_EQ(RunInKernel([&] {
                  ERESOURCE Resource;
                  ExInitializeResourceLite(&Resource);
                  auto Pointer = reinterpret_cast<ERESOURCE_THREAD>(&Resource) | 3;
                  KeEnterCriticalRegion();
                  EXPECT_TRUE(ExAcquireResourceExclusiveLite(&Resource, FALSE));
                  ExSetResourceOwnerPointer(&Resource, reinterpret_cast<PVOID>(3));
                  EXPECT_EQ(Resource.OwnerThreads[0].OwnerThread, 3u);
                  EXPECT_FALSE(ExIsResourceAcquiredExclusiveLite(&Resource));
                  ExReleaseResourceForThreadLite(&Resource, 3);
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, 0);

                  EXPECT_TRUE(ExAcquireResourceExclusiveLite(&Resource, FALSE));
                  ExSetResourceOwnerPointer(&Resource, reinterpret_cast<PVOID>(Pointer));
                  KeLeaveCriticalRegion();
                  std::function<void()> Other = [&] {
                      KeEnterCriticalRegion();
                      OtherGot = ExAcquireResourceExclusiveLite(&Resource, FALSE);
                      KeLeaveCriticalRegion();
                      ExReleaseResourceForThreadLite(&Resource, Pointer);
                  };
                  JoinKernelThread(StartKernelThread(&Other));
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, 0);

                  // Two shared owners hand their ownership to one pointer: one entry, count 2.
                  KeEnterCriticalRegion();
                  ExAcquireResourceSharedLite(&Resource, TRUE);
                  ExSetResourceOwnerPointer(&Resource, reinterpret_cast<PVOID>(Pointer));
                  KeLeaveCriticalRegion();
                  std::function<void()> Second = [&] {
                      KeEnterCriticalRegion();
                      ExAcquireResourceSharedLite(&Resource, TRUE);
                      ExAcquireResourceSharedLite(&Resource, TRUE);
                      EXPECT_EQ(Resource.ActiveCount, 2);
                      ExSetResourceOwnerPointer(&Resource, reinterpret_cast<PVOID>(Pointer));
                      EXPECT_EQ(ExIsResourceAcquiredSharedLite(&Resource), 0u);
                      KeLeaveCriticalRegion();
                  };
                  JoinKernelThread(StartKernelThread(&Second));
                  EXPECT_EQ(Resource.ActiveCount, 1) << "merged into the pointer's entry";
                  EXPECT_EQ(Resource.OwnerThreads[1].OwnerThread, Pointer);
                  EXPECT_EQ(Resource.OwnerThreads[1].OwnerCount, 3);
                  for (int i = 0; i < 3; i++)
                      ExReleaseResourceForThreadLite(&Resource, Pointer);
                  EXPECT_RESOURCE(&Resource, FALSE, 0, 0, 0, 0);
                  ExDeleteResourceLite(&Resource);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(OtherGot, FALSE) << "the owner pointer still owns it exclusive";
}

// Writers (blocking and try-acquire, with shared recursion and conversion) and
// readers (all three shared variants) hammer one resource: no writer ever overlaps
// anyone, and the writers' unlocked read-modify-write loses no update.
TEST_P(ResourceTest, ReadersAndWritersExcludeEachOtherUnderContention)
{
    constexpr int Writers = 3, Readers = 4, Rounds = 60;
    LONG Counter = 0;
    volatile LONG Violations = 0, WritersIn = 0, ReadersIn = 0, MaxReaders = 0;
    ResourceState After{};
    ASSERT_EQ(RunInKernel([&] {
                  ERESOURCE Resource;
                  ExInitializeResourceLite(&Resource);
                  auto Check = [&](bool Ok) {
                      if (!Ok)
                          InterlockedIncrement(&Violations);
                  };
                  std::function<void()> Writer = [&] {
                      for (int Round = 0; Round < Rounds; Round++) {
                          KeEnterCriticalRegion();
                          if (!(Round % 3 == 0 && ExTryToAcquireResourceExclusiveLite(&Resource)))
                              ExAcquireResourceExclusiveLite(&Resource, TRUE);
                          Check(InterlockedIncrement(&WritersIn) == 1 && ReadShared(ReadersIn) == 0);
                          Check(ExIsResourceAcquiredExclusiveLite(&Resource));
                          ExAcquireResourceSharedLite(&Resource, TRUE);
                          Check(ExIsResourceAcquiredSharedLite(&Resource) == 2);
                          ExReleaseResourceLite(&Resource);
                          LONG Value = Counter;
                          InterruptPoint();
                          Counter = Value + 1;
                          InterlockedDecrement(&WritersIn);
                          if (Round % 2) {
                              ExConvertExclusiveToSharedLite(&Resource);
                              InterlockedIncrement(&ReadersIn);
                              Check(!ExIsResourceAcquiredExclusiveLite(&Resource) && ReadShared(WritersIn) == 0);
                              InterruptPoint();
                              InterlockedDecrement(&ReadersIn);
                          }
                          ExReleaseResourceLite(&Resource);
                          KeLeaveCriticalRegion();
                      }
                  };
                  std::function<void()> Reader = [&] {
                      AcquireRoutine Variants[3] = {ExAcquireResourceSharedLite, ExAcquireSharedStarveExclusive,
                                                    ExAcquireSharedWaitForExclusive};
                      for (int Round = 0; Round < Rounds; Round++) {
                          KeEnterCriticalRegion();
                          Variants[Round % 3](&Resource, TRUE);
                          LONG Inside = InterlockedIncrement(&ReadersIn);
                          Check(ReadShared(WritersIn) == 0 && ExIsResourceAcquiredSharedLite(&Resource) == 1);
                          LONG Max = ReadShared(MaxReaders);
                          while (Inside > Max && InterlockedCompareExchange(&MaxReaders, Inside, Max) != Max)
                              Max = ReadShared(MaxReaders);
                          InterruptPoint();
                          InterlockedDecrement(&ReadersIn);
                          ExReleaseResourceLite(&Resource);
                          KeLeaveCriticalRegion();
                      }
                  };
                  std::vector<PETHREAD> Threads;
                  for (int i = 0; i < Writers + Readers; i++) {
                      Threads.push_back(StartKernelThread(i < Writers ? &Writer : &Reader));
                      ASSERT_NE(Threads.back(), nullptr);
                  }
                  for (int i = 0; i < 4; i++)
                      CheckInvariants(), YieldExecution();
                  for (PETHREAD Thread : Threads)
                      JoinKernelThread(Thread);
                  After = StateOf(&Resource);
                  ExDeleteResourceLite(&Resource);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Violations, 0);
    EXPECT_EQ(Counter, Writers * Rounds) << "a writer's update was lost";
    EXPECT_GE(MaxReaders, 1);
    EXPECT_EQ(After.ActiveCount, 0);
    EXPECT_EQ(After.ExclusiveWaiters, 0u);
    EXPECT_EQ(After.SharedWaiters, 0u);
    EXPECT_EQ(After.Flag, 0);
}

NTOS_INSTANTIATE_ALL_MODES(ResourceTest);

class ResourceDeathTest : public KernelDeathTest {};

TEST_F(ResourceDeathTest, ReleasingAResourceNobodyOwnsIsResourceNotOwned)
{
    EXPECT_DEATH(BootAndRun([] {
                     static ERESOURCE Resource;
                     ExInitializeResourceLite(&Resource);
                     ExReleaseResourceLite(&Resource);
                 }),
                 "STOP: 0x000000E3.*\n.*RESOURCE_NOT_OWNED");
}

TEST_F(ResourceDeathTest, ReleasingAnotherThreadsExclusiveResourceIsResourceNotOwned)
{
    EXPECT_DEATH(BootAndRun([] {
                     static ERESOURCE Resource;
                     ExInitializeResourceLite(&Resource);
                     KeEnterCriticalRegion();
                     ExAcquireResourceExclusiveLite(&Resource, TRUE);
                     static std::function<void()> Thief = [] { ExReleaseResourceLite(&Resource); };
                     JoinKernelThread(StartKernelThread(&Thief));
                 }),
                 "STOP: 0x000000E3.*\n.*RESOURCE_NOT_OWNED");
}

TEST_F(ResourceDeathTest, ReleasingSharedForAThreadThatOwnsNothingIsResourceNotOwned)
{
    EXPECT_DEATH(BootAndRun([] {
                     static ERESOURCE Resource;
                     ExInitializeResourceLite(&Resource);
                     KeEnterCriticalRegion();
                     ExAcquireResourceSharedLite(&Resource, TRUE);
                     ExReleaseResourceForThreadLite(&Resource, 0x1233);
                 }),
                 "STOP: 0x000000E3.*\n.*RESOURCE_NOT_OWNED");
}

TEST_F(ResourceDeathTest, SettingAnOwnerPointerWithoutOwningIsResourceNotOwned)
{
    EXPECT_DEATH(BootAndRun([] {
                     static ERESOURCE Resource;
                     ExInitializeResourceLite(&Resource);
                     ExSetResourceOwnerPointer(&Resource, reinterpret_cast<PVOID>(3));
                 }),
                 "STOP: 0x000000E3.*\n.*RESOURCE_NOT_OWNED");
}

TEST_F(ResourceDeathTest, AcquiringAtDispatchLevelIsIrqlNotLessOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     static ERESOURCE Resource;
                     ExInitializeResourceLite(&Resource);
                     KIRQL OldIrql;
                     KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                     ExAcquireResourceSharedLite(&Resource, FALSE);
                 }),
                 "STOP: 0x0000000A \\(0x[0-9A-F]+,0x0000000000000002.*\n.*IRQL_NOT_LESS_OR_EQUAL");
}

TEST_F(ResourceDeathTest, ReleasingAboveDispatchLevelIsIrqlNotLessOrEqual)
{
    EXPECT_DEATH(BootAndRun([] {
                     static ERESOURCE Resource;
                     ExInitializeResourceLite(&Resource);
                     KeEnterCriticalRegion();
                     ExAcquireResourceExclusiveLite(&Resource, TRUE);
                     KIRQL OldIrql;
                     KeRaiseIrql(HIGH_LEVEL, &OldIrql);
                     ExReleaseResourceLite(&Resource);
                 }),
                 "STOP: 0x0000000A \\(0x[0-9A-F]+,0x000000000000000F.*\n.*IRQL_NOT_LESS_OR_EQUAL");
}

TEST_F(ResourceDeathTest, NonSystemThreadAcquiringWithApcsEnabledBreaksIn)
{
    EXPECT_DEATH(BootAndRun([] {
                     static ERESOURCE Resource;
                     ExInitializeResourceLite(&Resource);
                     // Pose as a thread that is not a system thread: the check applies to those.
                     InterlockedAnd(reinterpret_cast<volatile LONG *>(&PsGetCurrentThread()->CrossThreadFlags), ~0x10);
                     ExAcquireResourceExclusiveLite(&Resource, TRUE);
                 }),
                 "APCs still enabled(.|\n)*STOP: 0x0000001E \\(0xFFFFFFFF80000003");
}

TEST_F(ResourceDeathTest, ConvertingWithoutExclusiveOwnershipAsserts)
{
    EXPECT_DEATH(BootAndRun([] {
                     static ERESOURCE Resource;
                     ExInitializeResourceLite(&Resource);
                     KeEnterCriticalRegion();
                     ExAcquireResourceSharedLite(&Resource, TRUE);
                     ExConvertExclusiveToSharedLite(&Resource);
                 }),
                 "does not own the resource exclusive(.|\n)*STOP: 0x0000001E \\(0xFFFFFFFF80000003");
}

TEST_F(ResourceDeathTest, DeletingAResourceTwiceIsKernelSecurityCheckFailure)
{
    EXPECT_DEATH(BootAndRun([] {
                     static ERESOURCE Resource, Other;
                     ExInitializeResourceLite(&Resource);
                     ExInitializeResourceLite(&Other);
                     ExDeleteResourceLite(&Resource);
                     ExDeleteResourceLite(&Resource);
                 }),
                 "STOP: 0x00000139 \\(0x0000000000000003.*\n.*KERNEL_SECURITY_CHECK_FAILURE");
}

} // namespace
