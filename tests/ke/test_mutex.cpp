// Mutants and mutexes in every machine mode: recursion and ownership, the mutex's
// critical region, hand-off to waiters, abandonment on exit and by KeReleaseMutant,
// and mutual exclusion under contention.
// What ReactOS's kmtest KeMutex checks is covered here, plus the bugcheck paths.
#include <cstring>

#include "ntos_test.h"

using namespace ntos_test;

namespace {

class MutexTest : public KernelTest {};

TEST_P(MutexTest, MutexRecursionCountsDownAndBackUp)
{
    LONG States[5] = {};
    LONG Released[2] = {};
    BOOLEAN ApcsDisabled[2] = {};
    PKTHREAD Owner = nullptr, Self = nullptr;
    ASSERT_EQ(RunInKernel([&] {
                  KMUTEX Mutex;
                  Self = KeGetCurrentThread();
                  KeInitializeMutex(&Mutex, 0);
                  States[0] = KeReadStateMutex(&Mutex);
                  KeWaitForSingleObject(&Mutex, Executive, KernelMode, FALSE, nullptr);
                  States[1] = KeReadStateMutex(&Mutex);
                  ApcsDisabled[0] = KeAreApcsDisabled();
                  Owner = Mutex.OwnerThread;
                  KeWaitForMutexObject(&Mutex, Executive, KernelMode, FALSE, nullptr);
                  States[2] = KeReadStateMutex(&Mutex);
                  Released[0] = KeReleaseMutex(&Mutex, FALSE);
                  States[3] = KeReadStateMutex(&Mutex);
                  Released[1] = KeReleaseMutex(&Mutex, FALSE);
                  States[4] = KeReadStateMutex(&Mutex);
                  ApcsDisabled[1] = KeAreApcsDisabled();
                  EXPECT_EQ(Mutex.OwnerThread, nullptr);
                  EXPECT_TRUE(IsListEmpty(&Self->MutantListHead));
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(States[0], 1);
    EXPECT_EQ(States[1], 0);
    EXPECT_EQ(States[2], -1);
    EXPECT_EQ(Released[0], -1);
    EXPECT_EQ(States[3], 0);
    EXPECT_EQ(Released[1], 0);
    EXPECT_EQ(States[4], 1);
    EXPECT_EQ(Owner, Self);
    EXPECT_TRUE(ApcsDisabled[0]) << "owning a mutex holds the owner in a critical region";
    EXPECT_FALSE(ApcsDisabled[1]);
}

TEST_P(MutexTest, InitiallyOwnedMutantBelongsToItsCreator)
{
    LONG State = 1;
    bool Listed = false;
    ASSERT_EQ(RunInKernel([&] {
                  KMUTANT Mutant;
                  KeInitializeMutant(&Mutant, TRUE);
                  State = KeReadStateMutant(&Mutant);
                  PKTHREAD Self = KeGetCurrentThread();
                  Listed = Mutant.OwnerThread == Self && Self->MutantListHead.Flink == &Mutant.MutantListEntry;
                  KeReleaseMutant(&Mutant, 1, FALSE, FALSE);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(State, 0);
    EXPECT_TRUE(Listed);
}

TEST_P(MutexTest, ReleasePassesOwnershipToTheWaiter)
{
    PKTHREAD OwnerSeenByWaiter = nullptr, Waiter = nullptr;
    NTSTATUS Status = STATUS_PENDING;
    ASSERT_EQ(RunInKernel([&] {
                  KMUTEX Mutex;
                  KeInitializeMutex(&Mutex, 0);
                  KeWaitForSingleObject(&Mutex, Executive, KernelMode, FALSE, nullptr);
                  std::function<void()> Body = [&] {
                      Status = KeWaitForSingleObject(&Mutex, Executive, KernelMode, FALSE, nullptr);
                      OwnerSeenByWaiter = Mutex.OwnerThread;
                      KeReleaseMutex(&Mutex, FALSE);
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  Waiter = &Thread->Tcb;
                  SpinUntilWaiting(Waiter, Executive);
                  KeReleaseMutex(&Mutex, FALSE);
                  JoinKernelThread(Thread);
                  EXPECT_EQ(KeReadStateMutex(&Mutex), 1);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status, STATUS_WAIT_0);
    EXPECT_EQ(OwnerSeenByWaiter, Waiter);
}

TEST_P(MutexTest, MutexGivesMutualExclusionUnderContention)
{
    constexpr int Threads = 4, Rounds = 200;
    volatile LONG Counter = 0;
    LONG Overlaps = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KMUTEX Mutex;
                  KeInitializeMutex(&Mutex, 0);
                  volatile LONG Inside = 0;
                  std::function<void()> Body = [&] {
                      for (int i = 0; i < Rounds; i++) {
                          KeWaitForSingleObject(&Mutex, Executive, KernelMode, FALSE, nullptr);
                          if (InterlockedIncrement(&Inside) != 1)
                              InterlockedIncrement(&Overlaps);
                          LONG Value = Counter;
                          KIRQL OldIrql;
                          KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
                          KeLowerIrql(OldIrql);
                          Counter = Value + 1;
                          InterlockedDecrement(&Inside);
                          KeReleaseMutex(&Mutex, FALSE);
                      }
                  };
                  PETHREAD Started[Threads];
                  for (auto &Thread : Started) {
                      Thread = StartKernelThread(&Body);
                      ASSERT_NE(Thread, nullptr);
                  }
                  for (auto *Thread : Started)
                      JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Overlaps, 0);
    EXPECT_EQ(Counter, Threads * Rounds);
}

TEST_P(MutexTest, MutantHeldAtExitIsAbandonedToTheNextOwner)
{
    NTSTATUS Status[3] = {STATUS_PENDING, STATUS_PENDING, STATUS_PENDING};
    LONG StateAfter = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KMUTANT Mutant;
                  KEVENT Other;
                  KeInitializeMutant(&Mutant, FALSE);
                  KeInitializeEvent(&Other, NotificationEvent, FALSE);
                  KEVENT Acquired, Exit;
                  KeInitializeEvent(&Acquired, NotificationEvent, FALSE);
                  KeInitializeEvent(&Exit, NotificationEvent, FALSE);
                  std::function<void()> Holder = [&] {
                      KeWaitForSingleObject(&Mutant, Executive, KernelMode, FALSE, nullptr);
                      KeSetEvent(&Acquired, 0, FALSE);
                      KeWaitForSingleObject(&Exit, Executive, KernelMode, FALSE, nullptr);
                  };
                  std::function<void()> Waiter = [&] {
                      PVOID Objects[2] = {&Other, &Mutant};
                      Status[0] = KeWaitForMultipleObjects(2, Objects, WaitAny, UserRequest, KernelMode, FALSE,
                                                           nullptr, nullptr);
                      KeReleaseMutant(&Mutant, 1, FALSE, FALSE);
                  };
                  PETHREAD HolderThread = StartKernelThread(&Holder);
                  ASSERT_NE(HolderThread, nullptr);
                  KeWaitForSingleObject(&Acquired, Executive, KernelMode, FALSE, nullptr);
                  PETHREAD WaiterThread = StartKernelThread(&Waiter);
                  ASSERT_NE(WaiterThread, nullptr);
                  SpinUntilWaiting(&WaiterThread->Tcb, UserRequest);
                  KeSetEvent(&Exit, 0, FALSE);
                  JoinKernelThread(HolderThread); // exits owning the mutant
                  JoinKernelThread(WaiterThread);
                  Status[1] = KeWaitForSingleObject(&Mutant, Executive, KernelMode, FALSE, nullptr);
                  KeReleaseMutant(&Mutant, 1, TRUE, FALSE); // abandon it on purpose
                  StateAfter = KeReadStateMutant(&Mutant);
                  Status[2] = KeWaitForSingleObject(&Mutant, Executive, KernelMode, FALSE, nullptr);
                  KeReleaseMutant(&Mutant, 1, FALSE, FALSE);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status[0], STATUS_ABANDONED_WAIT_0 + 1) << "abandoned, at index 1";
    EXPECT_EQ(Status[1], STATUS_WAIT_0) << "abandonment is reported once";
    EXPECT_EQ(StateAfter, 1);
    EXPECT_EQ(Status[2], STATUS_ABANDONED_WAIT_0);
}

// As kmtest KeMutex checks: the initializer leaves the header's Abandoned and
// DpcActive bytes as they were (the mutant's own Abandoned field is cleared).
TEST_P(MutexTest, InitializeLeavesHeaderBytesOneAndThreeAlone)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  KMUTANT Mutant;
                  std::memset(&Mutant, 0x55, sizeof(Mutant));
                  KeInitializeMutant(&Mutant, FALSE);
                  C.Expect(Mutant.Header.Type == MutantObject, "type");
                  C.Expect(Mutant.Header.Abandoned == 0x55 && Mutant.Header.DpcActive == 0x55, "header bytes 1 and 3");
                  C.Expect(Mutant.Header.SignalState == 1 && Mutant.OwnerThread == nullptr, "free");
                  C.Expect(Mutant.Abandoned == FALSE && Mutant.ApcDisable == 0, "mutant fields");
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << ::testing::PrintToString(C.Failures);
}

NTOS_INSTANTIATE_ALL_MODES(MutexTest);

class MutexDeathTest : public KernelDeathTest {};

TEST_F(MutexDeathTest, ReleasingAMutexAnotherThreadOwnsIsThreadNotMutexOwner)
{
    EXPECT_DEATH(BootAndRun([] {
                     static KMUTEX Mutex;
                     static KEVENT Acquired, Never;
                     KeInitializeMutex(&Mutex, 0);
                     KeInitializeEvent(&Acquired, NotificationEvent, FALSE);
                     KeInitializeEvent(&Never, NotificationEvent, FALSE);
                     static std::function<void()> Owner = [] {
                         KeWaitForSingleObject(&Mutex, Executive, KernelMode, FALSE, nullptr);
                         KeSetEvent(&Acquired, 0, FALSE);
                         KeWaitForSingleObject(&Never, Executive, KernelMode, FALSE, nullptr);
                     };
                     StartKernelThread(&Owner);
                     KeWaitForSingleObject(&Acquired, Executive, KernelMode, FALSE, nullptr);
                     KeReleaseMutex(&Mutex, FALSE);
                 }),
                 "STOP: 0x00000011.*\n.*THREAD_NOT_MUTEX_OWNER");
}

// Windows Server 2003 raises for a mutex no one owns, as kmtest KeMutex checks.
TEST_F(MutexDeathTest, ReleasingAMutexNoOneOwnsRaisesMutantNotOwned)
{
    EXPECT_DEATH(BootAndRun([] {
                     KMUTEX Mutex;
                     KeInitializeMutex(&Mutex, 0);
                     KeReleaseMutex(&Mutex, FALSE);
                 }),
                 "STOP: 0x0000001E \\(0x00000000C0000046");
}

TEST_F(MutexDeathTest, ReleasingAMutantOneDoesNotOwnRaisesMutantNotOwned)
{
    EXPECT_DEATH(BootAndRun([] {
                     KMUTANT Mutant;
                     KeInitializeMutant(&Mutant, FALSE);
                     KeReleaseMutant(&Mutant, 1, FALSE, FALSE);
                 }),
                 "STOP: 0x0000001E \\(0x00000000C0000046");
}

TEST_F(MutexDeathTest, ExitingWhileHoldingAMutexIsThreadTerminateHeldMutex)
{
    EXPECT_DEATH(BootAndRun([] {
                     static KMUTEX Mutex;
                     KeInitializeMutex(&Mutex, 0);
                     KeWaitForSingleObject(&Mutex, Executive, KernelMode, FALSE, nullptr);
                     KeLeaveCriticalRegion(); // balance the region so only the held mutex remains
                 }),
                 "STOP: 0x4000008A.*\n.*THREAD_TERMINATE_HELD_MUTEX");
}

TEST_F(MutexDeathTest, ReleasingAnEventAsAMutantIsABugcheck)
{
    EXPECT_DEATH(BootAndRun([] {
                     KEVENT Event;
                     KeInitializeEvent(&Event, NotificationEvent, TRUE);
                     KeReleaseMutant(reinterpret_cast<PKMUTANT>(&Event), 1, FALSE, FALSE);
                 }),
                 "STOP: 0x0000001E \\(0xFFFFFFFF80000003");
}

} // namespace
