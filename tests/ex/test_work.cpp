// Executive worker threads in every machine mode: items of each queue type run once,
// at PASSIVE_LEVEL, in a system worker thread of the System process at the queue's
// priority; many items queued from DISPATCH_LEVEL (a DPC) all run; an item may requeue
// itself; items still queued at shutdown run before the workers end. Death tests for a
// routine returning at raised IRQL, with APCs disabled or attached, and a bad routine.
#include "ntos_test.h"

#include <vector>

using namespace ntos_test;

namespace {

class WorkTest : public KernelTest {};

struct ItemRecord {
    WORK_QUEUE_ITEM Item;
    KEVENT Done;
    KIRQL Irql;
    BOOLEAN SystemThread, ActiveWorker;
    KPRIORITY Priority;
    PEPROCESS Process;
    PKTHREAD Thread;
    volatile LONG Runs;
};

VOID NTAPI RecordItem(PVOID Parameter)
{
    auto *Record = static_cast<ItemRecord *>(Parameter);
    Record->Irql = KeGetCurrentIrql();
    PETHREAD Thread = PsGetCurrentThread();
    Record->SystemThread = Thread->SystemThread;
    Record->ActiveWorker = Thread->ActiveExWorker;
    Record->Priority = KeQueryPriorityThread(&Thread->Tcb);
    Record->Process = PsGetCurrentProcess();
    Record->Thread = &Thread->Tcb;
    InterlockedIncrement(&Record->Runs);
    KeSetEvent(&Record->Done, 0, FALSE);
}

TEST_P(WorkTest, EachQueueTypeRunsItsItemAtPassiveLevelInASystemWorker)
{
    ItemRecord Records[MaximumWorkQueue] = {};
    PEPROCESS System = nullptr;
    PKTHREAD Caller = nullptr;
    ASSERT_EQ(RunInKernel([&] {
                  System = PsInitialSystemProcess;
                  Caller = KeGetCurrentThread();
                  for (ULONG Type = 0; Type < MaximumWorkQueue; Type++) {
                      ItemRecord &Record = Records[Type];
                      Record.Irql = HIGH_LEVEL;
                      KeInitializeEvent(&Record.Done, NotificationEvent, FALSE);
                      ExInitializeWorkItem(&Record.Item, RecordItem, &Record);
                      ExQueueWorkItem(&Record.Item, (WORK_QUEUE_TYPE)Type);
                  }
                  for (auto &Record : Records)
                      KeWaitForSingleObject(&Record.Done, Executive, KernelMode, FALSE, nullptr);
              }),
              STATUS_SUCCESS);
    const KPRIORITY MinimumPriority[MaximumWorkQueue] = {13, 12, 15};
    for (ULONG Type = 0; Type < MaximumWorkQueue; Type++) {
        const ItemRecord &Record = Records[Type];
        EXPECT_EQ(Record.Runs, 1) << Type;
        EXPECT_EQ(Record.Irql, PASSIVE_LEVEL) << Type;
        EXPECT_TRUE(Record.SystemThread) << Type;
        EXPECT_TRUE(Record.ActiveWorker) << Type;
        EXPECT_GE(Record.Priority, MinimumPriority[Type]) << Type;
        EXPECT_EQ(Record.Process, System) << Type;
        EXPECT_NE(Record.Thread, Caller) << Type;
    }
    EXPECT_NE(Records[CriticalWorkQueue].Thread, Records[DelayedWorkQueue].Thread);
    EXPECT_NE(Records[DelayedWorkQueue].Thread, Records[HyperCriticalWorkQueue].Thread);
}

struct Batch {
    std::vector<WORK_QUEUE_ITEM> Items;
    std::vector<LONG> Runs;
    volatile LONG Completed;
    volatile LONG NotPassive;
    KEVENT AllDone;
    KDPC Dpc;
};

Batch *CurrentBatch;

VOID NTAPI CountBatchItem(PVOID Parameter)
{
    Batch *B = CurrentBatch;
    auto Index = reinterpret_cast<ULONG_PTR>(Parameter);
    if (KeGetCurrentIrql() != PASSIVE_LEVEL)
        InterlockedIncrement(&B->NotPassive);
    InterlockedIncrement(&B->Runs[Index]);
    if (InterlockedIncrement(&B->Completed) == (LONG)B->Items.size())
        KeSetEvent(&B->AllDone, 0, FALSE);
}

VOID NTAPI QueueBatchFromDpc(PKDPC Dpc, PVOID Context, PVOID, PVOID)
{
    UNREFERENCED_PARAMETER(Dpc);
    auto *B = static_cast<Batch *>(Context);
    for (size_t i = 0; i < B->Items.size(); i++) {
        ExInitializeWorkItem(&B->Items[i], CountBatchItem, reinterpret_cast<PVOID>(i));
        ExQueueWorkItem(&B->Items[i], (WORK_QUEUE_TYPE)(i % MaximumWorkQueue));
    }
}

TEST_P(WorkTest, ManyItemsQueuedFromADpcAllRunOnceAtPassiveLevel)
{
    constexpr size_t Count = 300;
    Batch B;
    B.Items.resize(Count);
    B.Runs.assign(Count, 0);
    B.Completed = 0;
    B.NotPassive = 0;
    CurrentBatch = &B;
    ASSERT_EQ(RunInKernel([&] {
                  KeInitializeEvent(&B.AllDone, NotificationEvent, FALSE);
                  KeInitializeDpc(&B.Dpc, QueueBatchFromDpc, &B);
                  KeInsertQueueDpc(&B.Dpc, nullptr, nullptr);
                  KeWaitForSingleObject(&B.AllDone, Executive, KernelMode, FALSE, nullptr);
                  CheckInvariants();
              }),
              STATUS_SUCCESS);
    LONG Wrong = 0;
    for (LONG Runs : B.Runs)
        Wrong += Runs != 1;
    EXPECT_EQ(Wrong, 0);
    EXPECT_EQ(B.Completed, (LONG)Count);
    EXPECT_EQ(B.NotPassive, 0);
}

struct Requeue {
    WORK_QUEUE_ITEM Item;
    volatile LONG Left;
    KEVENT Done;
};

VOID NTAPI RequeueItself(PVOID Parameter)
{
    auto *R = static_cast<Requeue *>(Parameter);
    if (InterlockedDecrement(&R->Left) > 0)
        ExQueueWorkItem(&R->Item, DelayedWorkQueue);
    else
        KeSetEvent(&R->Done, 0, FALSE);
}

TEST_P(WorkTest, AnItemMayRequeueItselfFromItsRoutine)
{
    LONG Left = -1;
    ASSERT_EQ(RunInKernel([&] {
                  Requeue R;
                  R.Left = 50;
                  KeInitializeEvent(&R.Done, NotificationEvent, FALSE);
                  ExInitializeWorkItem(&R.Item, RequeueItself, &R);
                  ExQueueWorkItem(&R.Item, DelayedWorkQueue);
                  KeWaitForSingleObject(&R.Done, Executive, KernelMode, FALSE, nullptr);
                  Left = R.Left;
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Left, 0);
}

volatile LONG SlowItemsRun;

VOID NTAPI SlowItem(PVOID Parameter)
{
    UNREFERENCED_PARAMETER(Parameter);
    LARGE_INTEGER Interval = RelativeMs(1);
    KeDelayExecutionThread(KernelMode, FALSE, &Interval);
    InterlockedIncrement(&SlowItemsRun);
}

TEST_P(WorkTest, ItemsStillQueuedAtShutdownRunBeforeTheWorkersEnd)
{
    static WORK_QUEUE_ITEM Items[8];
    SlowItemsRun = 0;
    ASSERT_EQ(RunInKernel([&] {
                  for (ULONG i = 0; i < 8; i++) {
                      ExInitializeWorkItem(&Items[i], SlowItem, nullptr);
                      ExQueueWorkItem(&Items[i], (WORK_QUEUE_TYPE)(i % MaximumWorkQueue));
                  }
              }),
              STATUS_SUCCESS);
    // TearDown shuts down, which must run them all and end every worker without leaks.
    EXPECT_EQ(NtosShutdown(), STATUS_SUCCESS);
    EXPECT_EQ(SlowItemsRun, 8);
    NTOS_BOOT_OPTIONS Options = BootOptions(GetParam());
    ASSERT_EQ(NtosBoot(&Options), STATUS_SUCCESS);
}

NTOS_INSTANTIATE_ALL_MODES(WorkTest);

class WorkDeathTest : public KernelDeathTest {};

VOID NTAPI ReturnAtDispatchLevel(PVOID Parameter)
{
    UNREFERENCED_PARAMETER(Parameter);
    KIRQL OldIrql;
    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
}

VOID NTAPI ReturnInCriticalRegion(PVOID Parameter)
{
    UNREFERENCED_PARAMETER(Parameter);
    KeEnterCriticalRegion();
}

VOID NTAPI ReturnAttached(PVOID Parameter)
{
    UNREFERENCED_PARAMETER(Parameter);
    static KPROCESS Other;
    KeInitializeProcess(&Other, 8, KeActiveProcessors, nullptr, FALSE);
    KeAttachProcess(&Other);
}

// Queues one item and waits for what must be a bugcheck in the worker.
void RunBadItem(PWORKER_THREAD_ROUTINE Routine, PVOID Parameter = nullptr)
{
    BootAndRun([&] {
        static WORK_QUEUE_ITEM Item;
        ExInitializeWorkItem(&Item, Routine, Parameter);
        ExQueueWorkItem(&Item, CriticalWorkQueue);
        LARGE_INTEGER Interval = RelativeMs(60 * 1000);
        KeDelayExecutionThread(KernelMode, FALSE, &Interval);
    });
}

TEST_F(WorkDeathTest, ReturningAtDispatchLevelIsWorkerThreadReturnedAtBadIrql)
{
    EXPECT_DEATH(RunBadItem(ReturnAtDispatchLevel),
                 "STOP: 0x000000E1 \\(0x[0-9A-F]+,0x0000000000000002,0x0000000000000000,0x[0-9A-F]+\\)\n.*"
                 "WORKER_THREAD_RETURNED_AT_BAD_IRQL");
}

TEST_F(WorkDeathTest, ReturningWithApcsDisabledIsApcIndexMismatchForAWorker)
{
    EXPECT_DEATH(RunBadItem(ReturnInCriticalRegion),
                 "STOP: 0x00000001 \\(0x[0-9A-F]+,0x0000000000000000,0x000000000000FFFF,0x0000000000000001\\)\n.*"
                 "APC_INDEX_MISMATCH");
}

TEST_F(WorkDeathTest, ReturningAttachedIsApcIndexMismatchForAWorker)
{
    EXPECT_DEATH(RunBadItem(ReturnAttached),
        "STOP: 0x00000001 \\(0x[0-9A-F]+,0x0000000000000001,0x0000000000000000,0x0000000000000001\\)\n.*"
        "APC_INDEX_MISMATCH");
}

TEST_F(WorkDeathTest, QueueingANullRoutineIsWorkerInvalid)
{
    EXPECT_DEATH(BootAndRun([] {
                     static WORK_QUEUE_ITEM Item;
                     ExInitializeWorkItem(&Item, nullptr, nullptr);
                     ExQueueWorkItem(&Item, DelayedWorkQueue);
                 }),
                 "STOP: 0x000000E4 \\(0x0000000000000001,.*\n.*WORKER_INVALID");
}

} // namespace
