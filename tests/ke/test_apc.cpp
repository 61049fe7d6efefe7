// APCs in every machine mode: delivery order and IRQL, critical and guarded regions,
// APCs breaking into waits (which then go on), user APCs and alertable waits,
// removal and flushing, process attachment and its APC environments. What ReactOS's
// kmtest KeApc checks is covered here.
#include <vector>

#include "ntos_test.h"

using namespace ntos_test;

namespace {

class ApcTest : public KernelTest {};

// What one APC saw: its routines' IRQLs and threads, in delivery order.
struct ApcLog {
    LONG Order[8];
    volatile LONG Count;
    KIRQL KernelIrql;
    KIRQL NormalIrql;
    PKTHREAD KernelThread;
    PKTHREAD NormalThread;
    BOOLEAN InProgressInNormal;
};

struct LoggedApc {
    KAPC Apc;
    ApcLog *Log;
    LONG Tag;
};

VOID NTAPI LogKernelRoutine(PKAPC Apc, PKNORMAL_ROUTINE *, PVOID *, PVOID *, PVOID *)
{
    auto *Logged = CONTAINING_RECORD(Apc, LoggedApc, Apc);
    Logged->Log->KernelIrql = KeGetCurrentIrql();
    Logged->Log->KernelThread = KeGetCurrentThread();
    if (!Apc->NormalRoutine) {
        LONG Slot = InterlockedIncrement(&Logged->Log->Count) - 1;
        Logged->Log->Order[Slot] = Logged->Tag;
    }
}

VOID NTAPI LogNormalRoutine(PVOID NormalContext, PVOID, PVOID)
{
    auto *Logged = static_cast<LoggedApc *>(NormalContext);
    Logged->Log->NormalIrql = KeGetCurrentIrql();
    Logged->Log->NormalThread = KeGetCurrentThread();
    Logged->Log->InProgressInNormal = KeGetCurrentThread()->ApcState.KernelApcInProgress;
    LONG Slot = InterlockedIncrement(&Logged->Log->Count) - 1;
    Logged->Log->Order[Slot] = Logged->Tag;
}

// Initializes a logged APC for Thread: special (no normal routine) or normal kernel.
void InitLogged(LoggedApc &Logged, ApcLog &Log, LONG Tag, PKTHREAD Thread, bool Special,
                KPROCESSOR_MODE Mode = KernelMode, KAPC_ENVIRONMENT Environment = OriginalApcEnvironment)
{
    Logged.Log = &Log;
    Logged.Tag = Tag;
    KeInitializeApc(&Logged.Apc, Thread, Environment, LogKernelRoutine, nullptr,
                    Special ? nullptr : LogNormalRoutine, Mode, &Logged);
}

TEST_P(ApcTest, SpecialApcToSelfRunsWhenIrqlDropsBelowApcLevel)
{
    ApcLog Log{};
    LONG CountAtApcLevel = -1;
    BOOLEAN Inserted = FALSE, InsertedAfter = TRUE;
    PKTHREAD Self = nullptr;
    ASSERT_EQ(RunInKernel([&] {
                  LoggedApc Logged;
                  Self = KeGetCurrentThread();
                  InitLogged(Logged, Log, 1, Self, true);
                  KIRQL OldIrql;
                  KeRaiseIrql(APC_LEVEL, &OldIrql);
                  Inserted = KeInsertQueueApc(&Logged.Apc, nullptr, nullptr, 0);
                  CountAtApcLevel = Log.Count;
                  KeLowerIrql(OldIrql);
                  InsertedAfter = Logged.Apc.Inserted;
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(Inserted);
    EXPECT_EQ(CountAtApcLevel, 0) << "no delivery at APC_LEVEL";
    EXPECT_EQ(Log.Count, 1);
    EXPECT_EQ(Log.KernelIrql, APC_LEVEL);
    EXPECT_EQ(Log.KernelThread, Self);
    EXPECT_FALSE(InsertedAfter);
}

TEST_P(ApcTest, NormalApcRunsItsKernelRoutineAtApcLevelAndNormalRoutineAtPassive)
{
    ApcLog Log{};
    BOOLEAN InProgressAfter = TRUE;
    ASSERT_EQ(RunInKernel([&] {
                  LoggedApc Logged;
                  InitLogged(Logged, Log, 1, KeGetCurrentThread(), false);
                  KeInsertQueueApc(&Logged.Apc, nullptr, nullptr, 0);
                  InProgressAfter = KeGetCurrentThread()->ApcState.KernelApcInProgress;
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Log.Count, 1);
    EXPECT_EQ(Log.KernelIrql, APC_LEVEL);
    EXPECT_EQ(Log.NormalIrql, PASSIVE_LEVEL);
    EXPECT_TRUE(Log.InProgressInNormal);
    EXPECT_FALSE(InProgressAfter);
}

TEST_P(ApcTest, SpecialApcsAreDeliveredBeforeNormalOnesQueuedEarlier)
{
    ApcLog Log{};
    ASSERT_EQ(RunInKernel([&] {
                  LoggedApc Normal1, Normal2, Special1, Special2;
                  PKTHREAD Self = KeGetCurrentThread();
                  InitLogged(Normal1, Log, 1, Self, false);
                  InitLogged(Normal2, Log, 2, Self, false);
                  InitLogged(Special1, Log, 3, Self, true);
                  InitLogged(Special2, Log, 4, Self, true);
                  KIRQL OldIrql;
                  KeRaiseIrql(APC_LEVEL, &OldIrql);
                  KeInsertQueueApc(&Normal1.Apc, nullptr, nullptr, 0);
                  KeInsertQueueApc(&Special1.Apc, nullptr, nullptr, 0);
                  KeInsertQueueApc(&Normal2.Apc, nullptr, nullptr, 0);
                  KeInsertQueueApc(&Special2.Apc, nullptr, nullptr, 0);
                  KeLowerIrql(OldIrql);
              }),
              STATUS_SUCCESS);
    ASSERT_EQ(Log.Count, 4);
    EXPECT_EQ(Log.Order[0], 3);
    EXPECT_EQ(Log.Order[1], 4) << "special APCs keep their own FIFO order";
    EXPECT_EQ(Log.Order[2], 1);
    EXPECT_EQ(Log.Order[3], 2);
}

TEST_P(ApcTest, CriticalRegionHoldsNormalApcsButNotSpecialOnes)
{
    ApcLog Log{};
    LONG CountInside = -1;
    BOOLEAN Disabled[2] = {};
    ASSERT_EQ(RunInKernel([&] {
                  LoggedApc Normal, Special;
                  PKTHREAD Self = KeGetCurrentThread();
                  InitLogged(Normal, Log, 1, Self, false);
                  InitLogged(Special, Log, 2, Self, true);
                  KeEnterCriticalRegion();
                  Disabled[0] = KeAreApcsDisabled();
                  KeInsertQueueApc(&Normal.Apc, nullptr, nullptr, 0);
                  KeInsertQueueApc(&Special.Apc, nullptr, nullptr, 0);
                  CountInside = Log.Count;
                  KeLeaveCriticalRegion();
                  Disabled[1] = KeAreApcsDisabled();
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(Disabled[0]);
    EXPECT_FALSE(Disabled[1]);
    EXPECT_EQ(CountInside, 1) << "the special APC is delivered inside the critical region";
    ASSERT_EQ(Log.Count, 2);
    EXPECT_EQ(Log.Order[0], 2);
    EXPECT_EQ(Log.Order[1], 1) << "the normal APC is delivered on leaving";
}

// Leaving a critical region above DISPATCH_LEVEL (kmtest KeApc does it at HIGH_LEVEL)
// cannot take the APC lock: a held normal APC is requested as an APC interrupt and
// runs once IRQL drops.
TEST_P(ApcTest, LeavingACriticalRegionAtHighLevelDefersTheHeldApcToTheIrqlDrop)
{
    ApcLog Log{};
    LONG CountAtHigh = -1;
    ASSERT_EQ(RunInKernel([&] {
                  LoggedApc Normal;
                  InitLogged(Normal, Log, 1, KeGetCurrentThread(), false);
                  KeEnterCriticalRegion();
                  KeInsertQueueApc(&Normal.Apc, nullptr, nullptr, 0);
                  KIRQL OldIrql;
                  KeRaiseIrql(HIGH_LEVEL, &OldIrql);
                  KeLeaveCriticalRegion();
                  CountAtHigh = Log.Count;
                  KeLowerIrql(OldIrql);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(CountAtHigh, 0);
    EXPECT_EQ(Log.Count, 1) << "delivered when IRQL dropped";
    EXPECT_EQ(Log.NormalIrql, PASSIVE_LEVEL);
}

TEST_P(ApcTest, GuardedRegionHoldsEveryKernelApcUntilTheLastLeave)
{
    ApcLog Log{};
    LONG Counts[2] = {-1, -1};
    BOOLEAN AllDisabled = FALSE;
    ASSERT_EQ(RunInKernel([&] {
                  LoggedApc Special;
                  InitLogged(Special, Log, 1, KeGetCurrentThread(), true);
                  KeEnterGuardedRegion();
                  KeEnterGuardedRegion();
                  AllDisabled = KeAreAllApcsDisabled();
                  KeInsertQueueApc(&Special.Apc, nullptr, nullptr, 0);
                  Counts[0] = Log.Count;
                  KeLeaveGuardedRegion();
                  Counts[1] = Log.Count;
                  KeLeaveGuardedRegion();
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(AllDisabled);
    EXPECT_EQ(Counts[0], 0);
    EXPECT_EQ(Counts[1], 0) << "guarded regions nest";
    EXPECT_EQ(Log.Count, 1);
}

TEST_P(ApcTest, KernelApcRunsInAWaitingThreadAndTheWaitGoesOn)
{
    ApcLog Log{};
    NTSTATUS WaitStatus = STATUS_PENDING;
    PKTHREAD Waiter = nullptr;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Event;
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      WaitStatus = KeWaitForSingleObject(&Event, UserRequest, KernelMode, FALSE, nullptr);
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  Waiter = &Thread->Tcb;
                  SpinUntilWaiting(Waiter, UserRequest);
                  LoggedApc Logged;
                  InitLogged(Logged, Log, 1, Waiter, false);
                  KeInsertQueueApc(&Logged.Apc, nullptr, nullptr, 0);
                  SpinUntil([&] { return ReadShared(Log.Count) == 1; });
                  SpinUntilWaiting(Waiter, UserRequest);
                  KeSetEvent(&Event, 0, FALSE);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Log.NormalThread, Waiter) << "the APC runs in the target thread";
    EXPECT_EQ(Log.NormalIrql, PASSIVE_LEVEL);
    EXPECT_EQ(WaitStatus, STATUS_WAIT_0) << "STATUS_KERNEL_APC never reaches the caller";
}

TEST_P(ApcTest, WaitAtApcLevelIsNotBrokenByAKernelApc)
{
    ApcLog Log{};
    LONG CountWhenSignalled = -1;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Event;
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      KIRQL OldIrql;
                      KeRaiseIrql(APC_LEVEL, &OldIrql);
                      KeWaitForSingleObject(&Event, UserRequest, KernelMode, FALSE, nullptr);
                      CountWhenSignalled = Log.Count;
                      KeLowerIrql(OldIrql);
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  SpinUntilWaiting(&Thread->Tcb, UserRequest);
                  LoggedApc Logged;
                  InitLogged(Logged, Log, 1, &Thread->Tcb, true);
                  KeInsertQueueApc(&Logged.Apc, nullptr, nullptr, 0);
                  KeSetEvent(&Event, 0, FALSE);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(CountWhenSignalled, 0) << "a wait at APC_LEVEL takes no APC";
    EXPECT_EQ(Log.Count, 1) << "the APC runs once the thread drops below APC_LEVEL";
}

TEST_P(ApcTest, KernelApcInterruptsARunningThread)
{
    volatile LONG Stop = 0;
    ApcLog Log{};
    ASSERT_EQ(RunInKernel([&] {
                  std::function<void()> Body = [&] { SpinUntil([&] { return ReadShared(Stop) != 0; }); };
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  LoggedApc Logged;
                  InitLogged(Logged, Log, 1, &Thread->Tcb, false);
                  KeInsertQueueApc(&Logged.Apc, nullptr, nullptr, 0);
                  SpinUntil([&] { return ReadShared(Log.Count) == 1; });
                  InterlockedExchange(&Stop, 1);
                  JoinKernelThread(Thread);
                  EXPECT_EQ(Log.NormalThread, &Thread->Tcb);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Log.Count, 1);
}

TEST_P(ApcTest, RemoveAndReinsert)
{
    BOOLEAN Results[5] = {};
    ApcLog Log{};
    ASSERT_EQ(RunInKernel([&] {
                  LoggedApc Logged;
                  InitLogged(Logged, Log, 1, KeGetCurrentThread(), true);
                  KIRQL OldIrql;
                  KeRaiseIrql(APC_LEVEL, &OldIrql);
                  Results[0] = KeInsertQueueApc(&Logged.Apc, nullptr, nullptr, 0);
                  Results[1] = KeInsertQueueApc(&Logged.Apc, nullptr, nullptr, 0);
                  Results[2] = KeRemoveQueueApc(&Logged.Apc);
                  Results[3] = KeRemoveQueueApc(&Logged.Apc);
                  Results[4] = KeGetCurrentThread()->ApcState.KernelApcPending;
                  KeLowerIrql(OldIrql);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(Results[0]);
    EXPECT_FALSE(Results[1]) << "an APC is queued once";
    EXPECT_TRUE(Results[2]);
    EXPECT_FALSE(Results[3]);
    EXPECT_FALSE(Results[4]) << "emptying the queue clears KernelApcPending";
    EXPECT_EQ(Log.Count, 0);
}

TEST_P(ApcTest, FlushReturnsTheQueuedApcsUnlinked)
{
    int Flushed = -1;
    BOOLEAN InsertedAfter[2] = {TRUE, TRUE};
    PLIST_ENTRY Empty = reinterpret_cast<PLIST_ENTRY>(1);
    ApcLog Log{};
    ASSERT_EQ(RunInKernel([&] {
                  LoggedApc A, B;
                  PKTHREAD Self = KeGetCurrentThread();
                  InitLogged(A, Log, 1, Self, false, UserMode);
                  InitLogged(B, Log, 2, Self, false, UserMode);
                  KeInsertQueueApc(&A.Apc, nullptr, nullptr, 0);
                  KeInsertQueueApc(&B.Apc, nullptr, nullptr, 0);
                  PLIST_ENTRY First = KeFlushQueueApc(Self, UserMode);
                  Flushed = 0;
                  PLIST_ENTRY Entry = First;
                  do {
                      Flushed++;
                      Entry = Entry->Flink;
                  } while (Entry != First && Flushed < 10);
                  InsertedAfter[0] = A.Apc.Inserted;
                  InsertedAfter[1] = B.Apc.Inserted;
                  Empty = KeFlushQueueApc(Self, UserMode);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Flushed, 2);
    EXPECT_FALSE(InsertedAfter[0]);
    EXPECT_FALSE(InsertedAfter[1]);
    EXPECT_EQ(Empty, nullptr);
    EXPECT_EQ(Log.Count, 0) << "user APCs are never delivered in kernel mode";
}

TEST_P(ApcTest, UserApcEndsAnAlertableUserWaitOnly)
{
    NTSTATUS Status[2] = {STATUS_PENDING, STATUS_PENDING};
    ApcLog Log{};
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Event;
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  std::function<void()> Body = [&] {
                      LARGE_INTEGER Timeout = RelativeMs(30);
                      // Not alertable: the user APC must not end this wait.
                      Status[0] = KeWaitForSingleObject(&Event, UserRequest, UserMode, FALSE, &Timeout);
                      Status[1] = KeWaitForSingleObject(&Event, WrUserRequest, UserMode, TRUE, nullptr);
                      KIRQL OldIrql;
                      KeRaiseIrql(APC_LEVEL, &OldIrql);
                      KiDeliverApc(UserMode, nullptr, nullptr);
                      KeLowerIrql(OldIrql);
                  };
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  // Either wait will do: on a loaded host the first may have timed out
                  // already, and the APC then ends the second at once.
                  SpinUntil([&] {
                      KIRQL OldIrql = KiAcquireDispatcherLock();
                      bool InAWait = KiGetThreadState(&Thread->Tcb) == Waiting &&
                                     (Thread->Tcb.WaitReason == UserRequest || Thread->Tcb.WaitReason == WrUserRequest);
                      KiReleaseDispatcherLock(OldIrql);
                      return InAWait;
                  });
                  LoggedApc Logged;
                  InitLogged(Logged, Log, 7, &Thread->Tcb, false, UserMode);
                  KeInsertQueueApc(&Logged.Apc, nullptr, nullptr, 0);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Status[0], STATUS_TIMEOUT);
    EXPECT_EQ(Status[1], STATUS_USER_APC) << "a queued user APC ends an alertable user-mode wait at once";
    ASSERT_EQ(Log.Count, 1);
    EXPECT_EQ(Log.Order[0], 7);
    EXPECT_EQ(Log.NormalIrql, PASSIVE_LEVEL);
}

TEST_P(ApcTest, StackAttachSwitchesTheApcEnvironment)
{
    PKPROCESS Seen[4] = {};
    UCHAR Index[3] = {9, 9, 9};
    ApcLog Log{};
    LONG CountWhileAttached = -1;
    ASSERT_EQ(RunInKernel([&] {
                  KPROCESS Other, Third;
                  KeInitializeProcess(&Other, 8, KeActiveProcessors, nullptr, FALSE);
                  KeInitializeProcess(&Third, 8, KeActiveProcessors, nullptr, FALSE);
                  PKTHREAD Self = KeGetCurrentThread();
                  PKPROCESS Home = Self->ApcState.Process;
                  KAPC_STATE Outer, Inner;
                  KeStackAttachProcess(&Other, &Outer);
                  Seen[0] = Self->ApcState.Process;
                  Index[0] = Self->ApcStateIndex;
                  // An APC for the original environment waits until the thread is back.
                  LoggedApc Logged;
                  InitLogged(Logged, Log, 1, Self, true, KernelMode, OriginalApcEnvironment);
                  KeInsertQueueApc(&Logged.Apc, nullptr, nullptr, 0);
                  CountWhileAttached = Log.Count;
                  KeStackAttachProcess(&Third, &Inner);
                  Seen[1] = Self->ApcState.Process;
                  Index[1] = Self->ApcStateIndex;
                  KeUnstackDetachProcess(&Inner);
                  Seen[2] = Self->ApcState.Process;
                  KeUnstackDetachProcess(&Outer);
                  Seen[3] = Self->ApcState.Process;
                  Index[2] = Self->ApcStateIndex;
                  EXPECT_EQ(Seen[3], Home);
                  EXPECT_EQ(Seen[0], &Other);
                  EXPECT_EQ(Seen[1], &Third);
                  EXPECT_EQ(Seen[2], &Other);
                  EXPECT_EQ(Other.StackCount, 0u);
                  KIRQL OldIrql = KiAcquireDispatcherLock();
                  RemoveEntryList(&Other.ProcessListEntry);
                  RemoveEntryList(&Third.ProcessListEntry);
                  KiReleaseDispatcherLock(OldIrql);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Index[0], AttachedApcEnvironment);
    EXPECT_EQ(Index[1], AttachedApcEnvironment);
    EXPECT_EQ(Index[2], OriginalApcEnvironment);
    EXPECT_EQ(CountWhileAttached, 0);
    EXPECT_EQ(Log.Count, 1) << "delivered after the detach";
}

NTOS_INSTANTIATE_ALL_MODES(ApcTest);

class ApcDeathTest : public KernelDeathTest {};

VOID NTAPI RaisingKernelRoutine(PKAPC, PKNORMAL_ROUTINE *, PVOID *, PVOID *, PVOID *)
{
    KIRQL OldIrql;
    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
}

TEST_F(ApcDeathTest, KernelRoutineReturningAtAnotherIrqlIsIrqlUnexpectedValue)
{
    EXPECT_DEATH(BootAndRun([] {
                     KAPC Apc;
                     KeInitializeApc(&Apc, KeGetCurrentThread(), OriginalApcEnvironment, RaisingKernelRoutine,
                                     nullptr, nullptr, KernelMode, nullptr);
                     KeInsertQueueApc(&Apc, nullptr, nullptr, 0);
                 }),
                 "STOP: 0x000000C8.*\n.*IRQL_UNEXPECTED_VALUE");
}

TEST_F(ApcDeathTest, AttachingTwiceIsInvalidProcessAttachAttempt)
{
    EXPECT_DEATH(BootAndRun([] {
                     static KPROCESS A, B;
                     KeInitializeProcess(&A, 8, KeActiveProcessors, nullptr, FALSE);
                     KeInitializeProcess(&B, 8, KeActiveProcessors, nullptr, FALSE);
                     KeAttachProcess(&A);
                     KeAttachProcess(&B);
                 }),
                 "STOP: 0x00000005.*\n.*INVALID_PROCESS_ATTACH_ATTEMPT");
}

TEST_F(ApcDeathTest, DetachingWithUserApcsQueuedIsInvalidProcessDetachAttempt)
{
    EXPECT_DEATH(BootAndRun([] {
                     static KPROCESS A;
                     static KAPC Apc;
                     KeInitializeProcess(&A, 8, KeActiveProcessors, nullptr, FALSE);
                     KAPC_STATE Saved;
                     KeStackAttachProcess(&A, &Saved);
                     KeInitializeApc(&Apc, KeGetCurrentThread(), CurrentApcEnvironment, LogKernelRoutine, nullptr,
                                     LogNormalRoutine, UserMode, nullptr);
                     KeInsertQueueApc(&Apc, nullptr, nullptr, 0);
                     KeUnstackDetachProcess(&Saved);
                 }),
                 "STOP: 0x00000006.*\n.*INVALID_PROCESS_DETACH_ATTEMPT");
}

TEST_F(ApcDeathTest, InitializingAnApcForANonThreadIsABugcheck)
{
    EXPECT_DEATH(BootAndRun([] {
                     KAPC Apc;
                     KEVENT Event;
                     KeInitializeEvent(&Event, NotificationEvent, FALSE);
                     KeInitializeApc(&Apc, reinterpret_cast<PKTHREAD>(&Event), OriginalApcEnvironment,
                                     LogKernelRoutine, nullptr, nullptr, KernelMode, nullptr);
                 }),
                 "STOP: 0x0000001E \\(0xFFFFFFFF80000003");
}

} // namespace
