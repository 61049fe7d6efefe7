// Structured exception handling in every machine mode: raised statuses and hardware
// faults reach the innermost _SEH2_TRY of the raising thread, filters choose, finally
// blocks run on both ways out, the frame chain is per thread across context switches,
// and the kernel's own raises (semaphore limit, foreign mutant, suspend count) leave
// the objects and IRQL consistent for the handler.
#include "catch_code.h"
#include "ntos_test.h"
#include "pseh/pseh2.h"

using namespace ntos_test;

namespace {

class ExceptTest : public KernelTest {};

// A try left by _SEH2_YIELD(return ...): the frame must be gone afterwards.
DECLSPEC_NOINLINE LONG YieldFromTry(LONG Value)
{
    _SEH2_TRY {
        _SEH2_YIELD(return Value + 1);
    } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
        return -1;
    } _SEH2_END;
    return -2;
}

TEST_P(ExceptTest, RaisedStatusReachesTheHandlerAndTheChainIsEmptyAfter)
{
    NTSTATUS Code = STATUS_SUCCESS;
    ULONG Flags = 0;
    PVOID ListInside = nullptr, ListAfter = this;
    ASSERT_EQ(RunInKernel([&] {
                  _SEH2_TRY {
                      ListInside = KeGetPcr()->ExceptionList;
                      ExRaiseStatus(STATUS_INVALID_PARAMETER);
                  } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
                      Code = _SEH2_GetExceptionCode();
                      Flags = _SEH2_GetExceptionInformation()->ExceptionRecord->ExceptionFlags;
                  } _SEH2_END;
                  ListAfter = KeGetPcr()->ExceptionList;
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Code, STATUS_INVALID_PARAMETER);
    EXPECT_EQ(Flags, (ULONG)EXCEPTION_NONCONTINUABLE);
    EXPECT_NE(ListInside, nullptr);
    EXPECT_EQ(ListAfter, nullptr);
}

TEST_P(ExceptTest, FilterSeesTheRecordAndContinueSearchReachesTheOuterTry)
{
    int Order[4] = {};
    int Step = 0;
    NTSTATUS OuterCode = STATUS_SUCCESS;
    ASSERT_EQ(RunInKernel([&] {
                  _SEH2_TRY {
                      _SEH2_TRY {
                          ExRaiseStatus(STATUS_ACCESS_DENIED);
                      } _SEH2_EXCEPT((Order[Step++] = 1,
                                      _SEH2_GetExceptionInformation()->ExceptionRecord->ExceptionCode ==
                                              STATUS_ACCESS_DENIED
                                          ? EXCEPTION_CONTINUE_SEARCH
                                          : EXCEPTION_EXECUTE_HANDLER)) {
                          Order[Step++] = 2; // must not run
                      } _SEH2_END;
                      Order[Step++] = 3; // must not run either
                  } _SEH2_EXCEPT((Order[Step++] = 4, EXCEPTION_EXECUTE_HANDLER)) {
                      OuterCode = _SEH2_GetExceptionCode();
                  } _SEH2_END;
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Step, 2);
    EXPECT_EQ(Order[0], 1);
    EXPECT_EQ(Order[1], 4);
    EXPECT_EQ(OuterCode, STATUS_ACCESS_DENIED);
}

TEST_P(ExceptTest, FinallyRunsOnNormalExitAndWhileAnExceptionPasses)
{
    BOOLEAN Abnormal[2] = {TRUE, FALSE};
    int Order[3] = {};
    int Step = 0;
    NTSTATUS Code = STATUS_SUCCESS;
    ASSERT_EQ(RunInKernel([&] {
                  _SEH2_TRY {
                      Order[Step++] = 1;
                  } _SEH2_FINALLY {
                      Abnormal[0] = _SEH2_AbnormalTermination();
                  } _SEH2_END;
                  _SEH2_TRY {
                      _SEH2_TRY {
                          ExRaiseStatus(STATUS_UNSUCCESSFUL);
                      } _SEH2_FINALLY {
                          Abnormal[1] = _SEH2_AbnormalTermination();
                          Order[Step++] = 2;
                      } _SEH2_END;
                  } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
                      Order[Step++] = 3;
                      Code = _SEH2_GetExceptionCode();
                  } _SEH2_END;
              }),
              STATUS_SUCCESS);
    EXPECT_FALSE(Abnormal[0]);
    EXPECT_TRUE(Abnormal[1]);
    EXPECT_EQ(Step, 3);
    EXPECT_EQ(Order[1], 2) << "the finally block runs before the outer handler";
    EXPECT_EQ(Order[2], 3);
    EXPECT_EQ(Code, STATUS_UNSUCCESSFUL);
}

TEST_P(ExceptTest, LeaveAndYieldUnlinkTheirFrames)
{
    bool AfterLeave = false;
    LONG Yielded = 0;
    NTSTATUS Code = STATUS_SUCCESS;
    PVOID ListAfter = this;
    ASSERT_EQ(RunInKernel([&] {
                  _SEH2_TRY {
                      _SEH2_LEAVE;
                      AfterLeave = true;
                  } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
                  } _SEH2_END;
                  Yielded = YieldFromTry(41);
                  // A raise now must reach this try, not the frames the two left behind.
                  Code = CatchCode([] { ExRaiseStatus(STATUS_TIMEOUT); });
                  ListAfter = KeGetPcr()->ExceptionList;
              }),
              STATUS_SUCCESS);
    EXPECT_FALSE(AfterLeave);
    EXPECT_EQ(Yielded, 42);
    EXPECT_EQ(Code, STATUS_TIMEOUT);
    EXPECT_EQ(ListAfter, nullptr);
}

TEST_P(ExceptTest, HardwareFaultsAreAccessViolationsWithTheAddressAndDirection)
{
    ULONG_PTR Read[3] = {}, Write[3] = {};
    ASSERT_EQ(RunInKernel([&] {
                  _SEH2_TRY {
                      (void)*reinterpret_cast<volatile LONG *>(8);
                  } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
                      PEXCEPTION_RECORD Record = _SEH2_GetExceptionInformation()->ExceptionRecord;
                      Read[0] = (ULONG)Record->ExceptionCode;
                      Read[1] = Record->ExceptionInformation[0];
                      Read[2] = Record->ExceptionInformation[1];
                  } _SEH2_END;
                  _SEH2_TRY {
                      *reinterpret_cast<volatile LONG *>(24) = 1;
                  } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
                      PEXCEPTION_RECORD Record = _SEH2_GetExceptionInformation()->ExceptionRecord;
                      Write[0] = (ULONG)Record->ExceptionCode;
                      Write[1] = Record->ExceptionInformation[0];
                      Write[2] = Record->ExceptionInformation[1];
                  } _SEH2_END;
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Read[0], (ULONG)STATUS_ACCESS_VIOLATION);
    EXPECT_EQ(Read[1], 0u) << "a read";
    EXPECT_EQ(Read[2], 8u);
    EXPECT_EQ(Write[0], (ULONG)STATUS_ACCESS_VIOLATION);
    EXPECT_EQ(Write[1], 1u) << "a write";
    EXPECT_EQ(Write[2], 24u);
}

TEST_P(ExceptTest, KmtestStyleNullArgumentsAreCaught)
{
    NTSTATUS Code = STATUS_SUCCESS;
    ASSERT_EQ(RunInKernel([&] { Code = CatchCode([] { KeInitializeDpc(nullptr, nullptr, nullptr); }); }),
              STATUS_SUCCESS);
    EXPECT_EQ(Code, STATUS_ACCESS_VIOLATION);
}

TEST_P(ExceptTest, ContinueExecutionCannotResumeAndBecomesNoncontinuable)
{
    NTSTATUS Code = STATUS_SUCCESS;
    ASSERT_EQ(RunInKernel([&] {
                  Code = CatchCode([] {
                      _SEH2_TRY {
                          ExRaiseStatus(STATUS_INVALID_PARAMETER);
                      } _SEH2_EXCEPT(EXCEPTION_CONTINUE_EXECUTION) {
                      } _SEH2_END;
                  });
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Code, STATUS_NONCONTINUABLE_EXCEPTION);
}

TEST_P(ExceptTest, ARaiseInsideAHandlerGoesToTheNextTryOut)
{
    NTSTATUS Codes[2] = {};
    ASSERT_EQ(RunInKernel([&] {
                  _SEH2_TRY {
                      _SEH2_TRY {
                          ExRaiseStatus(STATUS_INVALID_PARAMETER);
                      } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
                          Codes[0] = _SEH2_GetExceptionCode();
                          ExRaiseStatus(STATUS_NO_MEMORY);
                      } _SEH2_END;
                  } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
                      Codes[1] = _SEH2_GetExceptionCode();
                  } _SEH2_END;
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Codes[0], STATUS_INVALID_PARAMETER);
    EXPECT_EQ(Codes[1], STATUS_NO_MEMORY);
}

TEST_P(ExceptTest, EachThreadKeepsItsOwnChainAcrossSwitches)
{
    constexpr int kRounds = 50;
    volatile LONG Caught[2] = {};
    volatile LONG Wrong = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT Ping, Pong;
                  KeInitializeEvent(&Ping, SynchronizationEvent, FALSE);
                  KeInitializeEvent(&Pong, SynchronizationEvent, FALSE);
                  // Each side waits inside its own try (switching away, maybe to another
                  // processor), then raises: the raise must land in its own frame.
                  auto Side = [&](PKEVENT Mine, PKEVENT Theirs, int Index, NTSTATUS Status) {
                      for (int Round = 0; Round < kRounds; Round++) {
                          _SEH2_TRY {
                              if (Index == 0)
                                  KeSetEvent(Theirs, 0, FALSE);
                              KeWaitForSingleObject(Mine, Executive, KernelMode, FALSE, nullptr);
                              if (Index == 1)
                                  KeSetEvent(Theirs, 0, FALSE);
                              ExRaiseStatus(Status);
                          } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
                              if (_SEH2_GetExceptionCode() == Status)
                                  InterlockedIncrement(&Caught[Index]);
                              else
                                  InterlockedIncrement(&Wrong);
                          } _SEH2_END;
                          if (KeGetPcr()->ExceptionList != nullptr)
                              InterlockedIncrement(&Wrong);
                      }
                  };
                  std::function<void()> Other = [&] { Side(&Pong, &Ping, 1, STATUS_NO_MEMORY); };
                  PETHREAD Thread = StartKernelThread(&Other);
                  ASSERT_NE(Thread, nullptr);
                  Side(&Ping, &Pong, 0, STATUS_TIMEOUT);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Caught[0], kRounds);
    EXPECT_EQ(Caught[1], kRounds);
    EXPECT_EQ(Wrong, 0);
}

TEST_P(ExceptTest, KernelRaisesLeaveObjectsAndIrqlConsistent)
{
    NTSTATUS Codes[3] = {};
    LONG SemaphoreState = -1;
    KIRQL Irql[3] = {HIGH_LEVEL, HIGH_LEVEL, HIGH_LEVEL};
    ULONG SuspendCount = 0;
    ASSERT_EQ(RunInKernel([&] {
                  KSEMAPHORE Semaphore;
                  KeInitializeSemaphore(&Semaphore, 2, 3);
                  Codes[0] = CatchCode([&] { KeReleaseSemaphore(&Semaphore, 0, 2, FALSE); });
                  Irql[0] = KeGetCurrentIrql();
                  SemaphoreState = KeReadStateSemaphore(&Semaphore);
                  // The dispatcher lock is free again: a wait on it works.
                  KeWaitForSingleObject(&Semaphore, Executive, KernelMode, FALSE, nullptr);

                  KMUTANT Mutant;
                  KeInitializeMutant(&Mutant, FALSE);
                  Codes[1] = CatchCode([&] { KeReleaseMutant(&Mutant, 1, FALSE, FALSE); });
                  Irql[1] = KeGetCurrentIrql();

                  KEVENT Never;
                  KeInitializeEvent(&Never, NotificationEvent, FALSE);
                  std::function<void()> Sleeper = [&] {
                      LARGE_INTEGER Short = RelativeMs(1);
                      KeDelayExecutionThread(KernelMode, FALSE, &Short);
                  };
                  PETHREAD Thread = StartKernelThread(&Sleeper);
                  ASSERT_NE(Thread, nullptr);
                  for (ULONG Count = 0; Count < MAXIMUM_SUSPEND_COUNT; Count++)
                      KeSuspendThread(&Thread->Tcb);
                  Codes[2] = CatchCode([&] { KeSuspendThread(&Thread->Tcb); });
                  Irql[2] = KeGetCurrentIrql();
                  SuspendCount = Thread->Tcb.SuspendCount;
                  KeForceResumeThread(&Thread->Tcb);
                  JoinKernelThread(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Codes[0], STATUS_SEMAPHORE_LIMIT_EXCEEDED);
    EXPECT_EQ(SemaphoreState, 2) << "a refused release changes nothing";
    EXPECT_EQ(Codes[1], STATUS_MUTANT_NOT_OWNED);
    EXPECT_EQ(Codes[2], STATUS_SUSPEND_COUNT_EXCEEDED);
    EXPECT_EQ(SuspendCount, (ULONG)MAXIMUM_SUSPEND_COUNT);
    for (KIRQL Level : Irql)
        EXPECT_EQ(Level, PASSIVE_LEVEL);
}

TEST_P(ExceptTest, SystemExceptionFilterPassesKernelModeExceptionsOn)
{
    NTSTATUS Code = STATUS_SUCCESS;
    bool InnerHandled = false;
    ASSERT_EQ(RunInKernel([&] {
                  Code = CatchCode([&] {
                      _SEH2_TRY {
                          ExRaiseAccessViolation();
                      } _SEH2_EXCEPT(ExSystemExceptionFilter()) {
                          InnerHandled = true;
                      } _SEH2_END;
                  });
              }),
              STATUS_SUCCESS);
    EXPECT_FALSE(InnerHandled) << "a kernel-mode caller's exception is a kernel bug, searched on";
    EXPECT_EQ(Code, STATUS_ACCESS_VIOLATION);
}

NTOS_INSTANTIATE_ALL_MODES(ExceptTest);

class ExceptDeathTest : public KernelDeathTest {};

// Leaves a try by a plain return, as kernel code must not.
DECLSPEC_NOINLINE void ReturnFromTry()
{
    _SEH2_TRY {
        return;
    } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
    } _SEH2_END;
}

TEST_F(ExceptDeathTest, UnhandledRaiseIsKmodeExceptionNotHandled)
{
    EXPECT_DEATH(BootAndRun([] { ExRaiseStatus(STATUS_INVALID_PARAMETER); }),
                 "STOP: 0x0000001E \\(0x00000000C000000D.*\n.*KMODE_EXCEPTION_NOT_HANDLED");
}

TEST_F(ExceptDeathTest, ATryLeftByReturnIsNotReturnedTo)
{
    EXPECT_DEATH(BootAndRun([] {
                     ReturnFromTry();
                     ExRaiseStatus(STATUS_INVALID_PARAMETER);
                 }),
                 "not on the live stack(.|\n)*KMODE_EXCEPTION_NOT_HANDLED");
}

TEST_F(ExceptDeathTest, AnotherThreadsTryDoesNotCatch)
{
    EXPECT_DEATH(BootAndRun([] {
                     _SEH2_TRY {
                         std::function<void()> Raiser = [] { ExRaiseStatus(STATUS_NO_MEMORY); };
                         PETHREAD Thread = StartKernelThread(&Raiser);
                         JoinKernelThread(Thread);
                     } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
                         DbgPrint("caught in the wrong thread\n");
                     } _SEH2_END;
                 }),
                 "STOP: 0x0000001E \\(0x00000000C0000017");
}

} // namespace
