// Seed 002's EnumThreads (KdpEnumThreads) in every machine mode: one line per live
// thread of every process on PsActiveProcessHead, each naming the thread's TID, its
// KTHREAD, its stack bounds and its process, and none for a thread that has ended.
#include <string>

#include "kd.h"
#include "ps_test.h"

using namespace ntos_test;
using namespace ps_test;

namespace {

class KdEnumThreadsTest : public KernelTest {};

// Formats a pointer as DbgPrint's %p does.
std::string Pointer(const void *Value)
{
    char Text[32];
    std::snprintf(Text, sizeof(Text), "%p", Value);
    return Text;
}

// The threads of a process that have not ended.
ULONG CountLiveThreads(PEPROCESS Process)
{
    ULONG Count = 0;
    for (PETHREAD Thread = PsGetNextProcessThread(Process, nullptr); Thread;
         Thread = PsGetNextProcessThread(Process, Thread))
        Count += !KeReadStateThread(&Thread->Tcb);
    return Count;
}

TEST_P(KdEnumThreadsTest, ListsEveryLiveThreadWithItsStackAndProcess)
{
    ULONG Printed = 0, Expected = 0;
    std::string Waiting, Ended, Output;
    testing::internal::CaptureStderr();
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  BlockedThread Live;
                  ASSERT_EQ(Live.Start(Process), STATUS_SUCCESS);
                  std::function<void()> Quick = [] {};
                  HANDLE Dead;
                  ASSERT_EQ(StartThreadIn(Process, &Quick, &Dead), STATUS_SUCCESS);
                  WaitHandle(Dead);
                  PETHREAD Thread = Reference<ETHREAD>(Live.Handle, *PsThreadType);
                  PETHREAD DeadThread = Reference<ETHREAD>(Dead, *PsThreadType);
                  Waiting = Pointer(Thread->Cid.UniqueThread) + " " + Pointer(&Thread->Tcb) + " " +
                            Pointer(Thread->Tcb.StackLimit) + " " + Pointer(Thread->Tcb.StackBase);
                  Ended = " " + Pointer(&DeadThread->Tcb) + " ";
                  Expected = CountLiveThreads(PsInitialSystemProcess) + 1;
                  Printed = KdpEnumThreads();
                  Live.Release();
                  ObDereferenceObject(Thread);
                  ObDereferenceObject(DeadThread);
                  ZwClose(Dead);
                  WaitHandle(Process);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    Output = testing::internal::GetCapturedStderr();
    EXPECT_NE(Output.find("TID KTHREAD StackBtm StackTop StackPtr UserTEB Process(PID)"), std::string::npos);
    EXPECT_NE(Output.find(Waiting), std::string::npos) << "the waiting thread's line:\n" << Output;
    EXPECT_EQ(Output.find(Ended), std::string::npos) << "an ended thread is not listed";
    EXPECT_NE(Output.find("System("), std::string::npos);
    EXPECT_EQ(Printed, Expected) << "every live System thread and the waiter";
}

NTOS_INSTANTIATE_ALL_MODES(KdEnumThreadsTest);

} // namespace
