// The Windows 2000 scheduler notify routines in every machine mode: the swap-context
// routine sees every switch of each processor as a chain (each switch's new thread is
// the next switch's old one), the thread-select routine's FALSE makes a processor take
// a later ready thread of the same priority, and the time-update routine is told of
// ticks charged to the running thread. Threads are told apart by their CIDs.
#include "ntos_test.h"

#include <vector>

using namespace ntos_test;

namespace {

class NotifyTest : public KernelTest {};

// The CIDs of the threads a test watches (thread A, thread B, the test's own).
HANDLE IdA, IdB, IdSelf;

struct SwapRecord {
    ULONG Processor;
    HANDLE Old, New;
    volatile LONG Valid;
};
constexpr LONG kSwapRecords = 1 << 14;
SwapRecord SwapLog[kSwapRecords];
volatile LONG SwapCount;

VOID FASTCALL RecordSwap(HANDLE Old, HANDLE New)
{
    LONG Index = InterlockedIncrement(&SwapCount) - 1;
    if (Index >= kSwapRecords)
        return;
    SwapLog[Index].Processor = KeGetCurrentProcessorNumber();
    SwapLog[Index].Old = Old;
    SwapLog[Index].New = New;
    __atomic_store_n(&SwapLog[Index].Valid, 1, __ATOMIC_RELEASE);
}

TEST_P(NotifyTest, SwapContextRoutineSeesEachProcessorsSwitchesAsAChain)
{
    constexpr int Rounds = 300;
    std::vector<SwapRecord> Log;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Ping, Pong;
                  KeInitializeEvent(&Ping, SynchronizationEvent, FALSE);
                  KeInitializeEvent(&Pong, SynchronizationEvent, FALSE);
                  // Each thread ends on Finish, set by this thread, so that neither is
                  // freed while the other's processor may still be placing it.
                  KEVENT Finish;
                  KeInitializeEvent(&Finish, NotificationEvent, FALSE);
                  volatile LONG AtFinish = 0;
                  std::function<void()> A = [&] {
                      for (int i = 0; i < Rounds; i++) {
                          KeWaitForSingleObject(&Ping, Executive, KernelMode, FALSE, nullptr);
                          KeSetEvent(&Pong, 0, FALSE);
                      }
                      InterlockedIncrement(&AtFinish);
                      KeWaitForSingleObject(&Finish, Executive, KernelMode, FALSE, nullptr);
                  };
                  KEVENT Start;
                  KeInitializeEvent(&Start, NotificationEvent, FALSE);
                  std::function<void()> B = [&] {
                      KeWaitForSingleObject(&Start, UserRequest, KernelMode, FALSE, nullptr);
                      for (int i = 0; i < Rounds; i++) {
                          KeSetEvent(&Ping, 0, FALSE);
                          KeWaitForSingleObject(&Pong, Executive, KernelMode, FALSE, nullptr);
                      }
                      InterlockedIncrement(&AtFinish);
                      KeWaitForSingleObject(&Finish, Executive, KernelMode, FALSE, nullptr);
                  };
                  PETHREAD Self = PsGetCurrentThread();
                  IdSelf = Self->Cid.UniqueThread;
                  SwapCount = 0;
                  for (auto &Record : SwapLog)
                      Record.Valid = 0;
                  PETHREAD Ta = StartKernelThread(&A);
                  ASSERT_NE(Ta, nullptr);
                  SpinUntilWaiting(&Ta->Tcb, Executive);
                  IdA = Ta->Cid.UniqueThread;
                  PETHREAD Tb = StartKernelThread(&B);
                  ASSERT_NE(Tb, nullptr);
                  SpinUntilWaiting(&Tb->Tcb, UserRequest);
                  IdB = Tb->Cid.UniqueThread;
                  KeSetSwapContextNotifyRoutine(RecordSwap);
                  KeSetEvent(&Start, 0, FALSE);
                  SpinUntil([&] { return ReadShared(AtFinish) == 2; });
                  KeSetEvent(&Finish, 0, FALSE);
                  JoinKernelThread(Ta);
                  JoinKernelThread(Tb);
                  KeSetSwapContextNotifyRoutine(nullptr);
                  LARGE_INTEGER Settle = RelativeMs(5);
                  KeDelayExecutionThread(KernelMode, FALSE, &Settle);
                  LONG Count = ReadShared(SwapCount) < kSwapRecords ? ReadShared(SwapCount) : kSwapRecords;
                  for (LONG i = 0; i < Count; i++) {
                      if (!__atomic_load_n(&SwapLog[i].Valid, __ATOMIC_ACQUIRE))
                          break; // a switch still inside the routine when it was removed
                      Log.push_back(SwapLog[i]);
                  }
              }),
              STATUS_SUCCESS);
    ASSERT_GT(Log.size(), 10u);
    int Broken = 0, Same = 0, ToA = 0, FromB = 0;
    std::vector<const SwapRecord *> Last(64, nullptr);
    for (const SwapRecord &Record : Log) {
        if (Record.Old == Record.New && Record.Old)
            Same++;
        if (Last[Record.Processor] && Last[Record.Processor]->New != Record.Old)
            Broken++;
        Last[Record.Processor] = &Record;
        ToA += Record.New == IdA;
        FromB += Record.Old == IdB;
    }
    EXPECT_EQ(Broken, 0) << "a processor's next switch starts from the thread it last switched to";
    EXPECT_EQ(Same, 0);
    EXPECT_GT(ToA, 0);
    EXPECT_GT(FromB, 0);
}

struct SelectState {
    PKTHREAD Rejected;
    volatile LONG AskedAboutRejected;
    volatile LONG RejectedWait; // ticks the rejected thread had waited when asked
};
SelectState Select;

LOGICAL FASTCALL RejectA(HANDLE ThreadId)
{
    if (ThreadId != IdA)
        return TRUE;
    InterlockedIncrement(&Select.AskedAboutRejected);
    InterlockedExchange(&Select.RejectedWait, (LONG)(KiTickCountLow() - Select.Rejected->WaitTime));
    return FALSE;
}

TEST_P(NotifyTest, ThreadSelectRoutineTurningAThreadDownLetsALaterOneRunFirst)
{
    HANDLE Order[2] = {};
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Gate, Done;
                  KeInitializeEvent(&Gate, NotificationEvent, FALSE);
                  KeInitializeEvent(&Done, NotificationEvent, FALSE);
                  volatile LONG Finished = 0;
                  std::function<void()> Body = [&] {
                      KeWaitForSingleObject(&Gate, Executive, KernelMode, FALSE, nullptr);
                      LONG Index = InterlockedIncrement(&Finished) - 1;
                      Order[Index] = PsGetCurrentThread()->Cid.UniqueThread;
                      if (Index == 1)
                          KeSetEvent(&Done, 0, FALSE);
                  };
                  KeSetSystemAffinityThread(1);
                  PETHREAD Threads[2];
                  for (int i = 0; i < 2; i++) {
                      Threads[i] = StartKernelThread(&Body);
                      ASSERT_NE(Threads[i], nullptr);
                      SpinUntilWaiting(&Threads[i]->Tcb, Executive);
                      KeSetAffinityThread(&Threads[i]->Tcb, 1);
                      (i ? IdB : IdA) = Threads[i]->Cid.UniqueThread;
                  }
                  KeSetPriorityThread(KeGetCurrentThread(), 20); // they stay Ready until it waits
                  Select = {&Threads[0]->Tcb, 0, 0};
                  KeSetThreadSelectNotifyRoutine(RejectA);
                  KeSetEvent(&Gate, 0, FALSE); // both Ready on processor 0: A, then B
                  KeWaitForSingleObject(&Done, Executive, KernelMode, FALSE, nullptr);
                  KeSetThreadSelectNotifyRoutine(nullptr);
                  for (auto *Thread : Threads)
                      JoinKernelThread(Thread);
                  KeRevertToUserAffinityThread();
              }),
              STATUS_SUCCESS);
    ASSERT_GT(Select.AskedAboutRejected, 0) << "the routine is asked about the first ready thread";
    if (Select.RejectedWait <= READY_SKIP_QUANTUM) {
        EXPECT_EQ(Order[0], IdB) << "turned down: the later thread runs first";
        EXPECT_EQ(Order[1], IdA);
    } else {
        EXPECT_EQ(Order[0], IdA) << "waited past READY_SKIP_QUANTUM: taken anyway";
    }
}

volatile LONG TicksSeen;
volatile LONG TicksInUserMode;

VOID FASTCALL CountTicks(HANDLE ThreadId, KPROCESSOR_MODE Mode)
{
    if (ThreadId == IdSelf)
        InterlockedIncrement(&TicksSeen);
    if (Mode != KernelMode)
        InterlockedIncrement(&TicksInUserMode);
}

TEST_P(NotifyTest, TimeUpdateRoutineIsToldOfTicksChargedToTheRunningThread)
{
    ASSERT_EQ(RunInKernel([&] {
                  TicksSeen = 0;
                  TicksInUserMode = 0;
                  PETHREAD Self = PsGetCurrentThread();
                  IdSelf = Self->Cid.UniqueThread;
                  KeSetTimeUpdateNotifyRoutine(CountTicks);
                  while (ReadShared(TicksSeen) < 3)
                      InterruptPoint();
                  KeSetTimeUpdateNotifyRoutine(nullptr);
              }),
              STATUS_SUCCESS);
    EXPECT_GE(TicksSeen, 3);
    EXPECT_EQ(TicksInUserMode, 0);
}

NTOS_INSTANTIATE_ALL_MODES(NotifyTest);

} // namespace
