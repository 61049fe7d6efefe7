// Executive semaphore objects in every machine mode: NtCreateSemaphore's bounds,
// NtReleaseSemaphore's previous count, a zero or negative release, a release past the
// maximum (STATUS_SEMAPHORE_LIMIT_EXCEEDED with the count unchanged), waits taking one
// unit each, NtQuerySemaphore, and opening by name.
#include "exobj_test.h"

using namespace ntos_test;

namespace {

class ExSemaphoreTest : public KernelTest {};

SEMAPHORE_BASIC_INFORMATION QuerySemaphore(HANDLE Semaphore)
{
    SEMAPHORE_BASIC_INFORMATION Basic{-1, -1};
    ZwQuerySemaphore(Semaphore, SemaphoreBasicInformation, &Basic, sizeof(Basic), nullptr);
    return Basic;
}

TEST_P(ExSemaphoreTest, CountsRiseWithReleasesFallWithWaitsAndStopAtTheMaximum)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  ObjectName Unnamed;
                  HANDLE Semaphore;
                  C.Expect(ZwCreateSemaphore(&Semaphore, SEMAPHORE_ALL_ACCESS, &Unnamed.Attributes, 0, 0) ==
                               STATUS_INVALID_PARAMETER,
                           "a maximum of 0");
                  C.Expect(ZwCreateSemaphore(&Semaphore, SEMAPHORE_ALL_ACCESS, &Unnamed.Attributes, -1, 3) ==
                               STATUS_INVALID_PARAMETER,
                           "a negative count");
                  C.Expect(ZwCreateSemaphore(&Semaphore, SEMAPHORE_ALL_ACCESS, &Unnamed.Attributes, 4, 3) ==
                               STATUS_INVALID_PARAMETER,
                           "a count above the maximum");
                  ASSERT_EQ(ZwCreateSemaphore(&Semaphore, SEMAPHORE_ALL_ACCESS, &Unnamed.Attributes, 1, 3),
                            STATUS_SUCCESS);
                  SEMAPHORE_BASIC_INFORMATION Basic = QuerySemaphore(Semaphore);
                  C.Expect(Basic.CurrentCount == 1 && Basic.MaximumCount == 3, "query: 1 of 3");
                  LONG Previous = -1;
                  C.Expect(ZwReleaseSemaphore(Semaphore, 2, &Previous) == STATUS_SUCCESS && Previous == 1,
                           "released 2 onto 1");
                  C.Expect(ZwReleaseSemaphore(Semaphore, 1, &Previous) == STATUS_SEMAPHORE_LIMIT_EXCEEDED,
                           "past the maximum");
                  C.Expect(QuerySemaphore(Semaphore).CurrentCount == 3, "the count unchanged");
                  C.Expect(ZwReleaseSemaphore(Semaphore, 0, nullptr) == STATUS_INVALID_PARAMETER, "a release of 0");
                  C.Expect(ZwReleaseSemaphore(Semaphore, -2, nullptr) == STATUS_INVALID_PARAMETER, "a negative one");
                  LARGE_INTEGER Zero{};
                  for (int I = 0; I < 3; I++)
                      C.Expect(ZwWaitForSingleObject(Semaphore, FALSE, &Zero) == STATUS_SUCCESS, "a wait takes one");
                  C.Expect(ZwWaitForSingleObject(Semaphore, FALSE, &Zero) == STATUS_TIMEOUT, "none left");
                  C.Expect(QuerySemaphore(Semaphore).CurrentCount == 0, "at zero");
                  C.Expect(ZwQuerySemaphore(Semaphore, SemaphoreBasicInformation, &Basic, sizeof(Basic) - 1,
                                            nullptr) == STATUS_INFO_LENGTH_MISMATCH,
                           "a short buffer");
                  ZwClose(Semaphore);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ExSemaphoreTest, AReleaseWakesAsManyWaitersAsItAdds)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  ObjectName Unnamed;
                  HANDLE Semaphore;
                  ASSERT_EQ(ZwCreateSemaphore(&Semaphore, SEMAPHORE_ALL_ACCESS, &Unnamed.Attributes, 0, 10),
                            STATUS_SUCCESS);
                  volatile LONG Woken = 0;
                  std::function<void()> Body = [&] {
                      if (ZwWaitForSingleObject(Semaphore, FALSE, nullptr) == STATUS_SUCCESS)
                          InterlockedIncrement(&Woken);
                  };
                  HANDLE Threads[3];
                  for (HANDLE &Thread : Threads) {
                      ps_test::StartThreadIn(nullptr, &Body, &Thread);
                      PETHREAD Object = ps_test::Reference<ETHREAD>(Thread, *PsThreadType);
                      SpinUntilWaiting(&Object->Tcb, UserRequest);
                      ObDereferenceObject(Object);
                  }
                  ZwReleaseSemaphore(Semaphore, 2, nullptr);
                  SpinUntil([&] { return ReadShared(Woken) >= 2; });
                  C.Expect(QuerySemaphore(Semaphore).CurrentCount == 0, "both units taken");
                  C.Expect(ReadShared(Woken) == 2, "two of three woke");
                  ZwReleaseSemaphore(Semaphore, 1, nullptr);
                  for (HANDLE Thread : Threads) {
                      ps_test::WaitHandle(Thread);
                      ZwClose(Thread);
                  }
                  C.Expect(Woken == 3, "the third on the next release");
                  ZwClose(Semaphore);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ExSemaphoreTest, OpenedByNameAndSeenThroughEveryHandle)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  ObjectName Name(L"\\BaseNamedObjects\\ExSemaphoreTest");
                  HANDLE Semaphore, Waiter, Querier;
                  ASSERT_EQ(ZwCreateSemaphore(&Semaphore, SEMAPHORE_ALL_ACCESS, &Name.Attributes, 0, 1),
                            STATUS_SUCCESS);
                  ASSERT_EQ(ZwOpenSemaphore(&Waiter, SYNCHRONIZE, &Name.Attributes), STATUS_SUCCESS);
                  ASSERT_EQ(ZwOpenSemaphore(&Querier, SEMAPHORE_QUERY_STATE, &Name.Attributes), STATUS_SUCCESS);
                  C.Expect(ObjectOf(Waiter) == ObjectOf(Semaphore), "the same semaphore");
                  // Access is checked for user-mode callers: reference as one would.
                  PVOID Object;
                  C.Expect(ObReferenceObjectByHandle(Waiter, SEMAPHORE_MODIFY_STATE, *ExSemaphoreObjectType, UserMode,
                                                     &Object, nullptr) == STATUS_INVALID_HANDLE,
                           "a kernel handle is invisible to user mode");
                  HANDLE Event;
                  C.Expect(ZwOpenEvent(&Event, EVENT_ALL_ACCESS, &Name.Attributes) == STATUS_OBJECT_TYPE_MISMATCH,
                           "not an event");
                  C.Expect(ZwReleaseSemaphore(Semaphore, 1, nullptr) == STATUS_SUCCESS, "released");
                  C.Expect(QuerySemaphore(Querier).CurrentCount == 1, "seen through the other handle");
                  ZwClose(Querier);
                  ZwClose(Waiter);
                  ZwClose(Semaphore);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

} // namespace

NTOS_INSTANTIATE_ALL_MODES(ExSemaphoreTest);
