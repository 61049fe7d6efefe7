// NtSignalAndWaitForSingleObject in every machine mode: an event set, a mutant released
// or a semaphore released by one before the wait on another object, with the
// signal's refusals (a mutant not owned, a semaphore at its maximum) returned without
// waiting; a type that cannot be signalled; a handshake between two threads; and a
// user-mode caller's handle lacking the right to signal.
#include "../ex/exobj_test.h"
#include "../ps/user_thread.h"

using namespace ntos_test;
using namespace ps_test;

namespace {

class ObSignalWaitTest : public KernelTest {};

LONG EventState(HANDLE Event)
{
    EVENT_BASIC_INFORMATION Basic{};
    ZwQueryEvent(Event, EventBasicInformation, &Basic, sizeof(Basic), nullptr);
    return Basic.EventState;
}

TEST_P(ObSignalWaitTest, EachSignallableTypeIsSignalledBeforeTheWait)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  ObjectName Unnamed;
                  HANDLE Event, Other, Mutant, Semaphore;
                  ZwCreateEvent(&Event, EVENT_ALL_ACCESS, &Unnamed.Attributes, NotificationEvent, FALSE);
                  ZwCreateEvent(&Other, EVENT_ALL_ACCESS, &Unnamed.Attributes, NotificationEvent, FALSE);
                  ZwCreateMutant(&Mutant, MUTANT_ALL_ACCESS, &Unnamed.Attributes, TRUE);
                  ZwCreateSemaphore(&Semaphore, SEMAPHORE_ALL_ACCESS, &Unnamed.Attributes, 0, 1);
                  LARGE_INTEGER Zero{};
                  C.Expect(ZwSignalAndWaitForSingleObject(Event, Other, FALSE, &Zero) == STATUS_TIMEOUT,
                           "the other event is clear");
                  C.Expect(EventState(Event) == 1, "the event was set");
                  C.Expect(ZwSignalAndWaitForSingleObject(Mutant, Mutant, FALSE, &Zero) == STATUS_SUCCESS,
                           "released and taken back");
                  C.Expect(ZwReleaseMutant(Mutant, nullptr) == STATUS_SUCCESS, "owned once more, released");
                  C.Expect(ZwSignalAndWaitForSingleObject(Mutant, Event, FALSE, &Zero) == STATUS_MUTANT_NOT_OWNED,
                           "a mutant not owned");
                  C.Expect(ZwSignalAndWaitForSingleObject(Semaphore, Semaphore, FALSE, &Zero) == STATUS_SUCCESS,
                           "a unit released and taken");
                  ZwReleaseSemaphore(Semaphore, 1, nullptr);
                  C.Expect(ZwSignalAndWaitForSingleObject(Semaphore, Event, FALSE, &Zero) ==
                               STATUS_SEMAPHORE_LIMIT_EXCEEDED,
                           "a semaphore at its maximum");
                  C.Expect(ZwSignalAndWaitForSingleObject(NtCurrentThread(), Event, FALSE, &Zero) ==
                               STATUS_OBJECT_TYPE_MISMATCH,
                           "a thread cannot be signalled");
                  C.Expect(ZwSignalAndWaitForSingleObject(Event, reinterpret_cast<HANDLE>(0x7FFC), FALSE, &Zero) ==
                               STATUS_INVALID_HANDLE,
                           "no object to wait on");
                  for (HANDLE Handle : {Event, Other, Mutant, Semaphore})
                      ZwClose(Handle);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ObSignalWaitTest, TwoThreadsHandOffThroughAPairOfEvents)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  ObjectName Unnamed;
                  HANDLE Ping, Pong;
                  ZwCreateEvent(&Ping, EVENT_ALL_ACCESS, &Unnamed.Attributes, SynchronizationEvent, FALSE);
                  ZwCreateEvent(&Pong, EVENT_ALL_ACCESS, &Unnamed.Attributes, SynchronizationEvent, FALSE);
                  constexpr int Rounds = 50;
                  volatile LONG Turns = 0;
                  std::function<void()> Partner = [&] {
                      ZwWaitForSingleObject(Ping, FALSE, nullptr);
                      for (int I = 0; I < Rounds; I++) {
                          InterlockedIncrement(&Turns);
                          ZwSignalAndWaitForSingleObject(Pong, Ping, FALSE, nullptr);
                      }
                  };
                  HANDLE Thread;
                  StartThreadIn(nullptr, &Partner, &Thread);
                  bool InStep = true;
                  for (int I = 0; I < Rounds; I++) {
                      InStep &= ZwSignalAndWaitForSingleObject(Ping, Pong, FALSE, nullptr) == STATUS_SUCCESS;
                      InStep &= ReadShared(Turns) == I + 1;
                  }
                  C.Expect(InStep, "each hand-off ran the partner exactly once");
                  ZwSetEvent(Ping, nullptr);
                  WaitHandle(Thread);
                  ZwClose(Thread);
                  ZwClose(Ping);
                  ZwClose(Pong);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ObSignalWaitTest, AUserModeHandleNeedsTheRightToSignal)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  NTSTATUS Denied = 0, Allowed = 0;
                  UserRun Run;
                  Run.Body = [&](UserRun &) -> NTSTATUS {
                      HANDLE Weak, Strong;
                      NtCreateEvent(&Weak, SYNCHRONIZE, nullptr, NotificationEvent, FALSE);
                      NtCreateEvent(&Strong, EVENT_MODIFY_STATE | SYNCHRONIZE, nullptr, NotificationEvent, FALSE);
                      LARGE_INTEGER Zero{};
                      Denied = NtSignalAndWaitForSingleObject(Weak, Strong, FALSE, &Zero);
                      Allowed = NtSignalAndWaitForSingleObject(Strong, Strong, FALSE, &Zero);
                      NtClose(Weak);
                      NtClose(Strong);
                      return STATUS_SUCCESS;
                  };
                  HANDLE Thread;
                  ASSERT_EQ(StartUserThread(Process, &Run, &Thread), STATUS_SUCCESS);
                  C.Expect(ExitStatusOf(Thread) == STATUS_SUCCESS, "the user thread ran");
                  C.Expect(Denied == STATUS_ACCESS_DENIED, "SYNCHRONIZE does not let it set the event");
                  C.Expect(Allowed == STATUS_SUCCESS, "EVENT_MODIFY_STATE does, and the wait sees it set");
                  ZwClose(Thread);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

} // namespace

NTOS_INSTANTIATE_ALL_MODES(ObSignalWaitTest);
