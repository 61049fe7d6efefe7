// A WaitAny that names the same object twice (allowed; only WaitAll refuses it), in
// every machine mode: the signal satisfies it once, wakes the thread once and leaves
// none of its wait blocks on the object. Found by the fuzzer: KiWaitTest kept a
// pointer to the thread's second wait block across the unwait that unlinked it, woke
// the thread a second time and resumed it after it had terminated (bugcheck 0x12).
#include "ntos_test.h"

using namespace ntos_test;

namespace {

class KeWaitDuplicateTest : public KernelTest {};

struct DuplicateWait {
    PVOID Objects[2];
    NTSTATUS Status = STATUS_PENDING;
};

// Starts a thread that waits WaitAny on Wait's two (identical) objects.
PETHREAD StartDuplicateWaiter(DuplicateWait &Wait, std::function<void()> &Body)
{
    Body = [&Wait] {
        Wait.Status = KeWaitForMultipleObjects(2, Wait.Objects, WaitAny, Executive, KernelMode, FALSE, nullptr,
                                               nullptr);
    };
    PETHREAD Thread = StartKernelThread(&Body);
    if (Thread)
        SpinUntilWaiting(&Thread->Tcb, Executive);
    return Thread;
}

TEST_P(KeWaitDuplicateTest, ANotificationEventNamedTwiceWakesTheWaiterOnceAndItExitsCleanly)
{
    KEVENT Event;
    DuplicateWait Wait;
    bool ListEmpty = false;
    ASSERT_EQ(RunInKernel([&] {
                  KeInitializeEvent(&Event, NotificationEvent, FALSE);
                  Wait.Objects[0] = Wait.Objects[1] = &Event;
                  std::function<void()> Body;
                  PETHREAD Thread = StartDuplicateWaiter(Wait, Body);
                  ASSERT_NE(Thread, nullptr);
                  KeSetEvent(&Event, IO_NO_INCREMENT, FALSE);
                  JoinKernelThread(Thread);
                  ListEmpty = IsListEmpty(&Event.Header.WaitListHead);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Wait.Status, STATUS_WAIT_0);
    EXPECT_TRUE(ListEmpty);
}

TEST_P(KeWaitDuplicateTest, ASemaphoreNamedTwiceIsTakenOnce)
{
    KSEMAPHORE Semaphore;
    DuplicateWait Wait;
    LONG Left = -1;
    bool ListEmpty = false;
    ASSERT_EQ(RunInKernel([&] {
                  KeInitializeSemaphore(&Semaphore, 0, 4);
                  Wait.Objects[0] = Wait.Objects[1] = &Semaphore;
                  std::function<void()> Body;
                  PETHREAD Thread = StartDuplicateWaiter(Wait, Body);
                  ASSERT_NE(Thread, nullptr);
                  KeReleaseSemaphore(&Semaphore, IO_NO_INCREMENT, 2, FALSE);
                  JoinKernelThread(Thread);
                  Left = KeReadStateSemaphore(&Semaphore);
                  ListEmpty = IsListEmpty(&Semaphore.Header.WaitListHead);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Wait.Status, STATUS_WAIT_0);
    EXPECT_EQ(Left, 1) << "one unit taken by one satisfied wait";
    EXPECT_TRUE(ListEmpty);
}

NTOS_INSTANTIATE_ALL_MODES(KeWaitDuplicateTest);

} // namespace
