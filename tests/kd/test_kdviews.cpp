// The kd views on a kernel with known processes and threads: !process lists the
// child and System with WinDbg's header fields and, with flags 7, the threads with
// their waits and stacks; !thread shows a waiting thread's wait reason, the object it
// waits on, priorities, suspend count, stack bounds and a backtrace through
// KeWaitForSingleObject, and a suspended thread's suspend wait; !ready lists a ready
// thread at its priority; !handle, !object and !poolused show a handle's event, its
// counts and a tag's allocations; dt prints fields at their offsetof offsets. With
// no locks (above DISPATCH_LEVEL) the views print the same.
#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "kd_test.h"

using namespace ntos_test;
using namespace ps_test;
using namespace kd_test;

namespace {

class KdViewTest : public KernelTest {};

std::string Hex(unsigned long long Value, const char *Format = "%04llx")
{
    char Text[32];
    std::snprintf(Text, sizeof(Text), Format, Value);
    return Text;
}

// A thread of ProcessHandle's process (System for NULL) waiting on Event until it is
// set; Start returns it referenced once it waits.
struct WaitingThread {
    KEVENT Event;
    std::function<void()> Body;
    PETHREAD Thread = nullptr;

    void Start(HANDLE ProcessHandle = nullptr)
    {
        KeInitializeEvent(&Event, NotificationEvent, FALSE);
        Body = [this] { KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, nullptr); };
        Thread = StartThreadInProcess(ProcessHandle, &Body);
        ASSERT_NE(Thread, nullptr);
        SpinUntilWaiting(&Thread->Tcb, Executive);
    }
    void Finish()
    {
        KeSetEvent(&Event, 0, FALSE);
        JoinKernelThread(Thread);
    }
};

TEST_P(KdViewTest, ProcessZeroZeroListsEveryProcessWithWinDbgHeader)
{
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Handle;
                  ASSERT_EQ(CreateProcess(&Handle), STATUS_SUCCESS);
                  PEPROCESS Child = ReferenceProcess(Handle);
                  KdOutput Out = RunKd("!process 0 0");
                  EXPECT_EQ(Out.Status, STATUS_SUCCESS);
                  EXPECT_TRUE(Contains(Out.Text, "**** NT ACTIVE PROCESS DUMP ****")) << Out.Text;
                  EXPECT_TRUE(Contains(Out.Text, "PROCESS " + Pointer(PsInitialSystemProcess) + "\n")) << Out.Text;
                  EXPECT_TRUE(Contains(Out.Text, "    Image: System\n")) << Out.Text;
                  std::string ChildHeader = "PROCESS " + Pointer(Child) + "\n    SessionId: none  Cid: " +
                                            Hex((uintptr_t)Child->UniqueProcessId) + "    Peb: " + Pointer(Child->Peb) +
                                            "  ParentCid: " + Hex((uintptr_t)PsInitialSystemProcess->UniqueProcessId) +
                                            "\n    DirBase: ";
                  EXPECT_TRUE(Contains(Out.Text, ChildHeader)) << ChildHeader << "\n" << Out.Text;
                  EXPECT_TRUE(Contains(Out.Text, "ObjectTable: " + Pointer(Child->ObjectTable) + "  HandleCount: 0.\n"))
                      << Out.Text;
                  EXPECT_FALSE(Contains(Out.Text, "THREAD ")) << "flags 0 list no threads\n" << Out.Text;
                  KdOutput ByPid = RunKd("!process " + Hex((uintptr_t)Child->UniqueProcessId, "%llx") + " 1");
                  EXPECT_EQ(ByPid.Status, STATUS_SUCCESS);
                  EXPECT_TRUE(Contains(ByPid.Text, "PROCESS " + Pointer(Child))) << ByPid.Text;
                  EXPECT_TRUE(Contains(ByPid.Text, "ElapsedTime")) << ByPid.Text;
                  EXPECT_FALSE(Contains(ByPid.Text, "Image: System")) << ByPid.Text;
                  KdOutput ByName = RunKd("!process 0 0 SYSTEM");
                  EXPECT_TRUE(Contains(ByName.Text, "Image: System")) << ByName.Text;
                  EXPECT_FALSE(Contains(ByName.Text, "PROCESS " + Pointer(Child))) << ByName.Text;
                  ObDereferenceObject(Child);
                  ZwClose(Handle);
              }),
              STATUS_SUCCESS);
}

TEST_P(KdViewTest, ProcessZeroSevenShowsThreadsWaitsAndStacks)
{
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Handle;
                  ASSERT_EQ(CreateProcess(&Handle), STATUS_SUCCESS);
                  PEPROCESS Child = ReferenceProcess(Handle);
                  WaitingThread Waiter;
                  Waiter.Start(Handle);
                  KdOutput Out = RunKd("!process 0 7");
                  EXPECT_EQ(Out.Status, STATUS_SUCCESS);
                  size_t At = Out.Text.find("PROCESS " + Pointer(Child));
                  ASSERT_NE(At, std::string::npos) << Out.Text;
                  std::string Part = Out.Text.substr(At);
                  EXPECT_TRUE(Contains(Part, "THREAD " + Pointer(Waiter.Thread) + "  Cid " +
                                                 Hex((uintptr_t)Child->UniqueProcessId) + "." +
                                                 Hex((uintptr_t)Waiter.Thread->Cid.UniqueThread)))
                      << Part;
                  EXPECT_TRUE(Contains(Part, "WAIT: (Executive) KernelMode Non-Alertable\n            " +
                                                 Pointer(&Waiter.Event) + "  NotificationEvent\n"))
                      << Part;
                  EXPECT_TRUE(Contains(Part, "KeWaitForSingleObject")) << "its saved stack\n" << Part;
                  EXPECT_TRUE(Contains(Out.Text, "Image: System")) << Out.Text;
                  Waiter.Finish();
                  WaitHandle(Handle);
                  ObDereferenceObject(Child);
                  ZwClose(Handle);
              }),
              STATUS_SUCCESS);
}

TEST_P(KdViewTest, ThreadShowsWaitPrioritiesApcStateStackBoundsAndBacktrace)
{
    ASSERT_EQ(RunInKernel([&] {
                  WaitingThread Waiter;
                  Waiter.Start();
                  PKTHREAD Tcb = &Waiter.Thread->Tcb;
                  KdOutput Out = RunKd("!thread " + Argument(Waiter.Thread));
                  EXPECT_EQ(Out.Status, STATUS_SUCCESS);
                  EXPECT_EQ(Out.Text.find("THREAD " + Pointer(Waiter.Thread) + "  Cid "), 0u) << Out.Text;
                  EXPECT_TRUE(Contains(Out.Text, "WAIT: (Executive) KernelMode Non-Alertable\n            " +
                                                     Pointer(&Waiter.Event) + "  NotificationEvent\n"))
                      << Out.Text;
                  EXPECT_TRUE(Contains(Out.Text, "Owning Process            " + Pointer(PsInitialSystemProcess)))
                      << Out.Text;
                  EXPECT_TRUE(Contains(Out.Text, "Priority " + std::to_string(Tcb->Priority) + " BasePriority " +
                                                     std::to_string(Tcb->BasePriority) + " PriorityDecrement "))
                      << Out.Text;
                  EXPECT_TRUE(Contains(Out.Text, " Quantum " + std::to_string(Tcb->Quantum) + " QuantumReset " +
                                                     std::to_string(Tcb->QuantumReset)))
                      << Out.Text;
                  EXPECT_TRUE(Contains(Out.Text, "ApcState: Process " + Pointer(PsInitialSystemProcess) +
                                                     " KernelApcInProgress 0 KernelApcPending 0 UserApcPending 0"))
                      << Out.Text;
                  EXPECT_TRUE(Contains(Out.Text, "SuspendCount 0 FreezeCount 0")) << Out.Text;
                  EXPECT_TRUE(Contains(Out.Text, "Stack Init " + Pointer(Tcb->InitialStack) + " Current " +
                                                     Pointer(Tcb->KernelStack) + " Base " + Pointer(Tcb->StackBase) +
                                                     " Limit " + Pointer(Tcb->StackLimit)))
                      << Out.Text;
                  size_t Stack = Out.Text.find("Child-SP          RetAddr           Call Site\n");
                  ASSERT_NE(Stack, std::string::npos) << Out.Text;
                  size_t Wait = Out.Text.find("KeWaitForSingleObject", Stack);
                  EXPECT_NE(Wait, std::string::npos) << "the backtrace reaches the wait\n" << Out.Text;
                  // Frames are on the thread's stack, innermost first.
                  size_t Line = Stack + std::strlen("Child-SP          RetAddr           Call Site\n");
                  uintptr_t First = std::strtoull(Out.Text.c_str() + Line, nullptr, 16);
                  EXPECT_GE(First, reinterpret_cast<uintptr_t>(Tcb->StackLimit));
                  EXPECT_LT(First, reinterpret_cast<uintptr_t>(Tcb->StackBase));
                  Waiter.Finish();
              }),
              STATUS_SUCCESS);
}

TEST_P(KdViewTest, SuspendedThreadWaitsForSuspendWithCountOne)
{
    ASSERT_EQ(RunInKernel([&] {
                  WaitingThread Waiter;
                  Waiter.Start();
                  PKTHREAD Tcb = &Waiter.Thread->Tcb;
                  EXPECT_EQ(KeSuspendThread(Tcb), 0u);
                  SpinUntilWaiting(Tcb, Suspended);
                  KdOutput Out = RunKd("!thread " + Argument(Waiter.Thread));
                  EXPECT_EQ(Out.Status, STATUS_SUCCESS);
                  EXPECT_TRUE(Contains(Out.Text, "WAIT: (Suspended) KernelMode Non-Alertable\n            " +
                                                     Pointer(&Tcb->SuspendSemaphore) + "  Semaphore\n"))
                      << Out.Text;
                  EXPECT_TRUE(Contains(Out.Text, "SuspendCount 1 FreezeCount 0")) << Out.Text;
                  EXPECT_TRUE(Contains(Out.Text, "KeWaitForSingleObject")) << Out.Text;
                  EXPECT_EQ(KeResumeThread(Tcb), 1u);
                  Waiter.Finish();
              }),
              STATUS_SUCCESS);
}

TEST_P(KdViewTest, HandleAndObjectShowTheEventAHandleNames)
{
    ASSERT_EQ(RunInKernel([&] {
                  OBJECT_ATTRIBUTES Attributes;
                  InitializeObjectAttributes(&Attributes, nullptr, 0, nullptr, nullptr);
                  HANDLE Handle;
                  ASSERT_EQ(ZwCreateEvent(&Handle, EVENT_ALL_ACCESS, &Attributes, NotificationEvent, FALSE),
                            STATUS_SUCCESS);
                  PVOID Event = Reference<VOID>(Handle, *ExEventObjectType);
                  ASSERT_NE(Event, nullptr);
                  std::string Entry = Hex((uintptr_t)Handle) + ": Object: " + Pointer(Event) + "  GrantedAccess: 001f0003";
                  std::string Object = "Object: " + Pointer(Event) + "  Type: (" + Pointer(*ExEventObjectType) +
                                       ") Event\n    ObjectHeader: " + Pointer(OBJECT_TO_OBJECT_HEADER(Event)) +
                                       " (new version)\n        HandleCount: 1  PointerCount: 2\n";
                  KdOutput All = RunKd("!handle 0 " + Argument(PsInitialSystemProcess));
                  EXPECT_EQ(All.Status, STATUS_SUCCESS);
                  EXPECT_TRUE(Contains(All.Text, "PROCESS " + Pointer(PsInitialSystemProcess))) << All.Text;
                  EXPECT_TRUE(Contains(All.Text, "Handle table at " + Pointer(PsInitialSystemProcess->ObjectTable)))
                      << All.Text;
                  EXPECT_TRUE(Contains(All.Text, Entry + " Entry: ")) << Entry << "\n" << All.Text;
                  EXPECT_TRUE(Contains(All.Text, Object)) << Object << "\n" << All.Text;
                  KdOutput One = RunKd("!handle " + Hex((uintptr_t)Handle, "%llx") + " 3 " + Argument(PsInitialSystemProcess));
                  EXPECT_EQ(One.Status, STATUS_SUCCESS);
                  EXPECT_TRUE(Contains(One.Text, Entry)) << One.Text;
                  size_t First = One.Text.find("GrantedAccess:");
                  EXPECT_EQ(One.Text.find("GrantedAccess:", First + 1), std::string::npos) << "only that handle\n" << One.Text;
                  KdOutput ObjectView = RunKd("!object " + Argument(Event));
                  EXPECT_EQ(ObjectView.Status, STATUS_SUCCESS);
                  EXPECT_EQ(ObjectView.Text, Object);
                  KdOutput ProcessObject = RunKd("!object " + Argument(PsInitialSystemProcess));
                  EXPECT_TRUE(Contains(ProcessObject.Text, ") Process\n")) << ProcessObject.Text;
                  KdOutput TypeObject = RunKd("!object " + Argument(*ExEventObjectType));
                  EXPECT_TRUE(Contains(TypeObject.Text, ") Type\n")) << TypeObject.Text;
                  EXPECT_TRUE(Contains(TypeObject.Text, "Directory Object: " + Pointer(ObpTypeDirectoryObject) +
                                                            "  Name: Event\n"))
                      << TypeObject.Text;
                  KdOutput Named = RunKd("!object " + Argument(ObpTypeDirectoryObject));
                  EXPECT_EQ(Named.Status, STATUS_SUCCESS) << "found by its name\n" << Named.Text;
                  EXPECT_TRUE(Contains(Named.Text, ") Directory\n")) << Named.Text;
                  EXPECT_TRUE(Contains(Named.Text, "Directory Object: " + Pointer(ObpRootDirectoryObject) +
                                                       "  Name: ObjectTypes\n"))
                      << Named.Text;
                  EXPECT_EQ(RunKd("!object " + Argument(ObpRootDirectoryObject)).Status, STATUS_SUCCESS);
                  ZwClose(Handle);
                  KdOutput Closed = RunKd("!handle " + Hex((uintptr_t)Handle, "%llx") + " 3 " + Argument(PsInitialSystemProcess));
                  EXPECT_EQ(Closed.Status, STATUS_INVALID_HANDLE) << Closed.Text;
                  KdOutput Unnamed = RunKd("!object " + Argument(Event));
                  EXPECT_EQ(Unnamed.Status, STATUS_INVALID_PARAMETER) << "no handle names it now\n" << Unnamed.Text;
                  ObDereferenceObject(Event);
              }),
              STATUS_SUCCESS);
}

TEST_P(KdViewTest, PoolUsedCountsATagsAllocationsFreesAndBytes)
{
    ASSERT_EQ(RunInKernel([&] {
                  PVOID Blocks[3];
                  for (PVOID &Block : Blocks)
                      Block = ExAllocatePoolWithTag(NonPagedPool, 100, 'tsTK');
                  ExFreePoolWithTag(Blocks[0], 'tsTK');
                  char Line[96];
                  std::snprintf(Line, sizeof(Line), " %-4s %14lld %14lld %14lld %14lld\n", "KTst", 3LL, 1LL, 2LL, 200LL);
                  KdOutput Out = RunKd("!poolused 0 KTst");
                  EXPECT_EQ(Out.Status, STATUS_SUCCESS);
                  EXPECT_TRUE(Contains(Out.Text, " Tag          Allocs          Frees           Diff           Used\n"))
                      << Out.Text;
                  EXPECT_TRUE(Contains(Out.Text, Line)) << Line << Out.Text;
                  EXPECT_TRUE(Contains(Out.Text, " TOTAL")) << Out.Text;
                  KdOutput All = RunKd("!poolused");
                  EXPECT_TRUE(Contains(All.Text, Line)) << All.Text;
                  // Rows between the column header and TOTAL come in tag order.
                  std::string Previous;
                  size_t Row = All.Text.find("Used\n") + 5;
                  for (size_t End; (End = All.Text.find('\n', Row)) != std::string::npos && All.Text.compare(Row, 6, " TOTAL");
                       Row = End + 1) {
                      std::string Tag = All.Text.substr(Row + 1, 4);
                      EXPECT_LT(Previous, Tag) << All.Text;
                      Previous = Tag;
                  }
                  EXPECT_TRUE(Contains(RunKd("!poolused 0 kt*").Text, Line));
                  EXPECT_TRUE(Contains(RunKd("!poolused 0 K?s?").Text, Line));
                  EXPECT_FALSE(Contains(RunKd("!poolused 0 Zz*").Text, "KTst"));
                  ExFreePoolWithTag(Blocks[1], 'tsTK');
                  ExFreePoolWithTag(Blocks[2], 'tsTK');
              }),
              STATUS_SUCCESS);
}

TEST_P(KdViewTest, DisplayTypePrintsFieldsAtTheirOffsets)
{
    ASSERT_EQ(RunInKernel([&] {
                  PETHREAD Self = PsGetCurrentThread();
                  char Line[128];
                  KdOutput Thread = RunKd("dt nt!_ETHREAD " + Argument(Self));
                  EXPECT_EQ(Thread.Status, STATUS_SUCCESS);
                  EXPECT_EQ(Thread.Text.find("   +0x000 Tcb                         : KTHREAD\n"), 0u) << Thread.Text;
                  std::snprintf(Line, sizeof(Line), "   +0x%03zx %-27s : %p\n", offsetof(ETHREAD, ThreadsProcess),
                                "ThreadsProcess", static_cast<void *>(PsInitialSystemProcess));
                  EXPECT_TRUE(Contains(Thread.Text, Line)) << Line << Thread.Text;
                  std::snprintf(Line, sizeof(Line), "   +0x%03zx %-27s : LIST_ENTRY [ %p - %p ]\n",
                                offsetof(ETHREAD, ThreadListEntry), "ThreadListEntry",
                                static_cast<void *>(Self->ThreadListEntry.Flink), static_cast<void *>(Self->ThreadListEntry.Blink));
                  EXPECT_TRUE(Contains(Thread.Text, Line)) << Line << Thread.Text;
                  KdOutput Layout = RunKd("dt _KTHREAD");
                  std::snprintf(Line, sizeof(Line), "   +0x%03zx %-27s : UCHAR\n", offsetof(KTHREAD, State), "State");
                  EXPECT_TRUE(Contains(Layout.Text, Line)) << Line << Layout.Text;
                  std::snprintf(Line, sizeof(Line), "nt!_KTHREAD (0x%zx bytes)\n", sizeof(KTHREAD));
                  EXPECT_EQ(Layout.Text.find(Line), 0u) << Layout.Text;
                  KdOutput Kernel = RunKd("dt nt!_KTHREAD " + Argument(Self));
                  std::snprintf(Line, sizeof(Line), "   +0x%03zx %-27s : 0x%x\n", offsetof(KTHREAD, State), "State", Running);
                  EXPECT_TRUE(Contains(Kernel.Text, Line)) << Line << Kernel.Text;
                  KdOutput Process = RunKd("dt nt!_EPROCESS " + Argument(PsInitialSystemProcess));
                  std::snprintf(Line, sizeof(Line), "   +0x%03zx %-27s : [16] UCHAR\n", offsetof(EPROCESS, ImageFileName),
                                "ImageFileName");
                  EXPECT_TRUE(Contains(Process.Text, Line)) << Line << Process.Text;
                  std::snprintf(Line, sizeof(Line), "   +0x%03zx %-27s : %p\n", offsetof(EPROCESS, UniqueProcessId),
                                "UniqueProcessId", static_cast<void *>(PsInitialSystemProcess->UniqueProcessId));
                  EXPECT_TRUE(Contains(Process.Text, Line)) << Line << Process.Text;
              }),
              STATUS_SUCCESS);
}

TEST_P(KdViewTest, ViewsWithoutLocksAtHighLevelPrintTheSame)
{
    ASSERT_EQ(RunInKernel([&] {
                  WaitingThread Waiter;
                  Waiter.Start();
                  std::string Command = "!thread " + Argument(Waiter.Thread);
                  KdOutput Locked = RunKd(Command);
                  KIRQL OldIrql;
                  KeRaiseIrql(HIGH_LEVEL, &OldIrql);
                  KdOutput High = RunKd(Command);
                  KdOutput Processes = RunKd("!process 0 7");
                  KdOutput Ready = RunKd("!ready");
                  KdOutput Handles = RunKd("!handle 0 0 " + Argument(PsInitialSystemProcess));
                  KdOutput Bad = RunKd("!thread 1234");
                  KdOutput Table = RunKd("thread");
                  KdOutput Named = RunKd("!object " + Argument(ObpTypeDirectoryObject));
                  KdOutput Fields = RunKd("dt nt!_ETHREAD " + Argument(Waiter.Thread));
                  KdOutput Pool = RunKd("!poolused 0 Thre");
                  KeLowerIrql(OldIrql);
                  EXPECT_EQ(Named.Status, STATUS_SUCCESS) << Named.Text;
                  EXPECT_TRUE(Contains(Named.Text, "Name: ObjectTypes\n")) << Named.Text;
                  EXPECT_EQ(Fields.Status, STATUS_SUCCESS) << Fields.Text;
                  EXPECT_TRUE(Contains(Pool.Text, " Thre ")) << Pool.Text;
                  EXPECT_EQ(Table.Status, STATUS_SUCCESS);
                  EXPECT_EQ(Table.Text.find("   TID KTHREAD StackBtm StackTop StackPtr UserTEB Process(PID)\n"), 0u)
                      << Table.Text;
                  EXPECT_TRUE(Contains(Table.Text, " " + Pointer(&Waiter.Thread->Tcb) + " " +
                                                       Pointer(Waiter.Thread->Tcb.StackLimit) + " " +
                                                       Pointer(Waiter.Thread->Tcb.StackBase) + " "))
                      << Table.Text;
                  EXPECT_EQ(High.Status, STATUS_SUCCESS);
                  size_t Details = Locked.Text.find("Wait Start TickCount");
                  EXPECT_EQ(High.Text.substr(0, Details), Locked.Text.substr(0, Details));
                  EXPECT_TRUE(Contains(High.Text, "KeWaitForSingleObject")) << High.Text;
                  EXPECT_EQ(Processes.Status, STATUS_SUCCESS);
                  EXPECT_TRUE(Contains(Processes.Text, "THREAD " + Pointer(Waiter.Thread))) << Processes.Text;
                  EXPECT_TRUE(Contains(Processes.Text, "THREAD " + Pointer(PsGetCurrentThread()))) << Processes.Text;
                  EXPECT_TRUE(Contains(Processes.Text, "RUNNING on processor")) << Processes.Text;
                  EXPECT_EQ(Ready.Status, STATUS_SUCCESS);
                  EXPECT_TRUE(Contains(Ready.Text, "Processor 0: ")) << Ready.Text;
                  EXPECT_EQ(Handles.Status, STATUS_SUCCESS);
                  EXPECT_EQ(Bad.Status, STATUS_INVALID_PARAMETER);
                  Waiter.Finish();
              }),
              STATUS_SUCCESS);
}

NTOS_INSTANTIATE_ALL_MODES(KdViewTest);

// !ready on one processor: a thread made ready below the running thread's priority
// waits in its queue.
class KdReadyTest : public KernelTest {};

TEST_P(KdReadyTest, ReadyListsAQueuedThreadAtItsPriority)
{
    ASSERT_EQ(RunInKernel([&] {
                  KPRIORITY Old = KeSetPriorityThread(KeGetCurrentThread(), 15);
                  volatile LONG Ran = 0;
                  std::function<void()> Body = [&] { InterlockedExchange(&Ran, 1); };
                  PETHREAD Thread = StartThreadInProcess(nullptr, &Body);
                  ASSERT_NE(Thread, nullptr);
                  KdOutput Out = RunKd("!ready");
                  UCHAR State = KiGetThreadState(&Thread->Tcb);
                  SCHAR Priority = Thread->Tcb.Priority;
                  KeSetPriorityThread(KeGetCurrentThread(), Old);
                  JoinKernelThread(Thread);
                  EXPECT_EQ(Out.Status, STATUS_SUCCESS);
                  ASSERT_EQ(State, Ready) << "the new thread waits below the running one";
                  std::string Queue = "Processor 0: Ready Threads at priority " + std::to_string(Priority) + "\n";
                  size_t At = Out.Text.find(Queue);
                  ASSERT_NE(At, std::string::npos) << Queue << Out.Text;
                  EXPECT_TRUE(Contains(Out.Text.substr(At), "    THREAD " + Pointer(Thread) + "  Cid ")) << Out.Text;
                  EXPECT_TRUE(Contains(Out.Text.substr(At), "READY on processor 0\n")) << Out.Text;
                  EXPECT_FALSE(Contains(Out.Text, "Processor 1")) << Out.Text;
              }),
              STATUS_SUCCESS);
}

INSTANTIATE_TEST_SUITE_P(OneProcessor, KdReadyTest,
                         ::testing::Values(MachineMode{true, 1, 3}, MachineMode{true, 1, 6}, MachineMode{true, 1, 9},
                                           MachineMode{true, 1, 12}, MachineMode{false, 1, 0}),
                         ParamName);

} // namespace
