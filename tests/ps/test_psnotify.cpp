// Process, thread and load-image notify routines in every machine mode, after kmtest
// PsNotify (registration and removal codes, NULL routines, PASSIVE_LEVEL, exit
// routines running in the dying thread and process, create routines in the creator)
// and what Windows documents beyond it: 64 routines of each kind, a full process table
// and a duplicate process routine give STATUS_INVALID_PARAMETER, the Ex flavour's
// PS_CREATE_NOTIFY_INFO and its veto, process routines inside a critical region,
// removal waiting for a call in flight, and routines left at shutdown reported as a leak.
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "ps_test.h"

using namespace ntos_test;

namespace {

class PsNotifyTest : public KernelTest {};

// One call of a notify routine, or a marker a test thread's body left.
enum class Kind { Process, ProcessEx, Thread, Image, Body };

struct NotifyEvent {
    Kind What;
    HANDLE Id1, Id2; // process: parent, process; thread: process, thread; image: -, process
    BOOLEAN Create;
    PEPROCESS Process;
    bool HasInfo;
    PS_CREATE_NOTIFY_INFO Info;
    HANDLE CurrentPid, CurrentTid;
    KIRQL Irql;
    BOOLEAN ApcsDisabled, Terminating;
};

constexpr LONG kEvents = 1024;
NotifyEvent Events[kEvents];
volatile LONG EventCount;

void ResetEvents() { InterlockedExchange(&EventCount, 0); }

void Record(Kind What, HANDLE Id1, HANDLE Id2, BOOLEAN Create, PEPROCESS Process = nullptr,
            PPS_CREATE_NOTIFY_INFO Info = nullptr)
{
    LONG Index = InterlockedIncrement(&EventCount) - 1;
    if (Index >= kEvents)
        return;
    NotifyEvent &Event = Events[Index];
    Event = NotifyEvent{};
    Event.What = What;
    Event.Id1 = Id1;
    Event.Id2 = Id2;
    Event.Create = Create;
    Event.Process = Process;
    Event.HasInfo = Info != nullptr;
    if (Info)
        Event.Info = *Info;
    Event.CurrentPid = PsGetCurrentProcessId();
    Event.CurrentTid = PsGetCurrentThreadId();
    Event.Irql = KeGetCurrentIrql();
    Event.ApcsDisabled = KeAreApcsDisabled();
    Event.Terminating = PsIsThreadTerminating(PsGetCurrentThread());
}

std::vector<NotifyEvent> RecordedEvents()
{
    LONG Count = ReadShared(EventCount);
    return std::vector<NotifyEvent>(Events, Events + (Count < kEvents ? Count : kEvents));
}

VOID NTAPI ProcessRoutine(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
    Record(Kind::Process, ParentId, ProcessId, Create);
}

VOID NTAPI ProcessRoutineEx(PEPROCESS Process, HANDLE ProcessId, PPS_CREATE_NOTIFY_INFO CreateInfo)
{
    Record(Kind::ProcessEx, nullptr, ProcessId, CreateInfo != nullptr, Process, CreateInfo);
}

VOID NTAPI DenyingRoutineEx(PEPROCESS Process, HANDLE ProcessId, PPS_CREATE_NOTIFY_INFO CreateInfo)
{
    Record(Kind::ProcessEx, reinterpret_cast<HANDLE>(1), ProcessId, CreateInfo != nullptr, Process, CreateInfo);
    if (CreateInfo)
        CreateInfo->CreationStatus = STATUS_ACCESS_DENIED;
}

VOID NTAPI ThreadRoutine(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create)
{
    Record(Kind::Thread, ProcessId, ThreadId, Create);
}

VOID NTAPI ImageRoutine(PUNICODE_STRING FullImageName, HANDLE ProcessId, PIMAGE_INFO ImageInfo)
{
    Record(Kind::Image, FullImageName, ProcessId, ImageInfo != nullptr, nullptr, nullptr);
}

void RecordBody() { Record(Kind::Body, PsGetCurrentProcessId(), PsGetCurrentThreadId(), FALSE); }

// The events about one process (its process routines, its threads' routines and
// bodies), as a trace: P/X/T/B for plain, Ex, thread routine and body; + create, -
// exit; threads by their index in Tids.
std::string TraceOf(const std::vector<NotifyEvent> &All, HANDLE Pid, const std::vector<HANDLE> &Tids)
{
    auto ThreadIndex = [&](HANDLE Tid) {
        for (size_t i = 0; i < Tids.size(); i++)
            if (Tids[i] == Tid)
                return std::to_string(i);
        return std::string("?");
    };
    std::string Trace;
    for (const NotifyEvent &Event : All) {
        const char *Sign = Event.Create ? "+" : "-";
        if (Event.What == Kind::Process && Event.Id2 == Pid)
            Trace += std::string("P") + Sign + " ";
        else if (Event.What == Kind::ProcessEx && Event.Id2 == Pid)
            Trace += std::string("X") + Sign + " ";
        else if (Event.What == Kind::Thread && Event.Id1 == Pid)
            Trace += std::string("T") + Sign + ThreadIndex(Event.Id2) + " ";
        else if (Event.What == Kind::Body && Event.Id1 == Pid)
            Trace += "B" + ThreadIndex(Event.Id2) + " ";
    }
    return Trace;
}

const NotifyEvent *FindEvent(const std::vector<NotifyEvent> &All, Kind What, HANDLE Id2, BOOLEAN Create)
{
    for (const NotifyEvent &Event : All)
        if (Event.What == What && Event.Id2 == Id2 && Event.Create == Create)
            return &Event;
    return nullptr;
}

// kmtest PsNotify's sequence for process routines, then the Ex flavour: Windows
// rejects a routine registered twice, and removing through the other call finds
// nothing.
TEST_P(PsNotifyTest, ProcessRoutinesRegisterAndRemoveWithKmtestCodes)
{
    std::vector<NTSTATUS> Got;
    ASSERT_EQ(RunInKernel([&] {
                  Got.push_back(PsSetCreateProcessNotifyRoutine(nullptr, TRUE));
                  Got.push_back(PsSetCreateProcessNotifyRoutine(nullptr, FALSE));
                  Got.push_back(PsSetCreateProcessNotifyRoutine(nullptr, TRUE));
                  Got.push_back(PsSetCreateProcessNotifyRoutine(nullptr, TRUE));
                  Got.push_back(PsSetCreateProcessNotifyRoutine(ProcessRoutine, TRUE));
                  Got.push_back(PsSetCreateProcessNotifyRoutine(ProcessRoutine, FALSE));
                  Got.push_back(PsSetCreateProcessNotifyRoutine(ProcessRoutine, FALSE));
                  Got.push_back(PsSetCreateProcessNotifyRoutineEx(
                      reinterpret_cast<PCREATE_PROCESS_NOTIFY_ROUTINE_EX>(reinterpret_cast<PVOID>(ProcessRoutine)),
                      TRUE));
                  Got.push_back(PsSetCreateProcessNotifyRoutine(ProcessRoutine, TRUE));
                  Got.push_back(PsSetCreateProcessNotifyRoutine(ProcessRoutine, TRUE));
                  Got.push_back(PsSetCreateProcessNotifyRoutineEx(ProcessRoutineEx, TRUE));
                  Got.push_back(PsSetCreateProcessNotifyRoutineEx(ProcessRoutineEx, FALSE));
                  Got.push_back(PsSetCreateProcessNotifyRoutineEx(ProcessRoutineEx, FALSE));
                  Got.push_back(PsSetCreateProcessNotifyRoutine(
                      reinterpret_cast<PCREATE_PROCESS_NOTIFY_ROUTINE>(reinterpret_cast<PVOID>(ProcessRoutineEx)),
                      TRUE));
                  Got.push_back(PsSetCreateProcessNotifyRoutineEx(ProcessRoutineEx, TRUE));
                  Got.push_back(PsSetCreateProcessNotifyRoutineEx(ProcessRoutineEx, TRUE));
              }),
              STATUS_SUCCESS);
    std::vector<NTSTATUS> Expected = {
        STATUS_PROCEDURE_NOT_FOUND, STATUS_SUCCESS,             STATUS_SUCCESS,
        STATUS_PROCEDURE_NOT_FOUND, STATUS_PROCEDURE_NOT_FOUND, STATUS_SUCCESS,
        STATUS_INVALID_PARAMETER,   STATUS_PROCEDURE_NOT_FOUND, STATUS_SUCCESS,
        STATUS_PROCEDURE_NOT_FOUND, STATUS_PROCEDURE_NOT_FOUND, STATUS_SUCCESS,
        STATUS_INVALID_PARAMETER,   STATUS_PROCEDURE_NOT_FOUND, STATUS_SUCCESS,
        STATUS_PROCEDURE_NOT_FOUND};
    ASSERT_EQ(Got.size(), Expected.size());
    for (size_t i = 0; i < Got.size(); i++)
        EXPECT_EQ(static_cast<ULONG>(Got[i]), static_cast<ULONG>(Expected[i])) << "call " << i;
}

// kmtest PsNotify's sequences for thread and load-image routines; a thread routine
// may be registered twice and is then removed twice.
TEST_P(PsNotifyTest, ThreadAndImageRoutinesRegisterAndRemoveWithKmtestCodes)
{
    std::vector<NTSTATUS> Thread, Image;
    ASSERT_EQ(RunInKernel([&] {
                  Thread.push_back(PsRemoveCreateThreadNotifyRoutine(nullptr));
                  Thread.push_back(PsSetCreateThreadNotifyRoutine(nullptr));
                  Thread.push_back(PsRemoveCreateThreadNotifyRoutine(nullptr));
                  Thread.push_back(PsRemoveCreateThreadNotifyRoutine(nullptr));
                  Thread.push_back(PsRemoveCreateThreadNotifyRoutine(ThreadRoutine));
                  Thread.push_back(PsSetCreateThreadNotifyRoutine(ThreadRoutine));
                  Thread.push_back(PsSetCreateThreadNotifyRoutine(ThreadRoutine));
                  Thread.push_back(PsRemoveCreateThreadNotifyRoutine(ThreadRoutine));
                  Thread.push_back(PsRemoveCreateThreadNotifyRoutine(ThreadRoutine));
                  Thread.push_back(PsRemoveCreateThreadNotifyRoutine(ThreadRoutine));

                  Image.push_back(PsRemoveLoadImageNotifyRoutine(nullptr));
                  Image.push_back(PsSetLoadImageNotifyRoutine(nullptr));
                  Image.push_back(PsRemoveLoadImageNotifyRoutine(nullptr));
                  Image.push_back(PsRemoveLoadImageNotifyRoutine(nullptr));
                  Image.push_back(PsRemoveLoadImageNotifyRoutine(ImageRoutine));
                  Image.push_back(PsSetLoadImageNotifyRoutine(ImageRoutine));
                  Image.push_back(PsRemoveLoadImageNotifyRoutine(ImageRoutine));
                  Image.push_back(PsRemoveLoadImageNotifyRoutine(ImageRoutine));
              }),
              STATUS_SUCCESS);
    std::vector<NTSTATUS> ExpectedThread = {STATUS_PROCEDURE_NOT_FOUND, STATUS_SUCCESS, STATUS_SUCCESS,
                                            STATUS_PROCEDURE_NOT_FOUND, STATUS_PROCEDURE_NOT_FOUND,
                                            STATUS_SUCCESS,             STATUS_SUCCESS, STATUS_SUCCESS,
                                            STATUS_SUCCESS,             STATUS_PROCEDURE_NOT_FOUND};
    std::vector<NTSTATUS> ExpectedImage = {STATUS_PROCEDURE_NOT_FOUND, STATUS_SUCCESS, STATUS_SUCCESS,
                                           STATUS_PROCEDURE_NOT_FOUND, STATUS_PROCEDURE_NOT_FOUND,
                                           STATUS_SUCCESS,             STATUS_SUCCESS, STATUS_PROCEDURE_NOT_FOUND};
    EXPECT_EQ(Thread, ExpectedThread);
    EXPECT_EQ(Image, ExpectedImage);
}

// The load-image routines get what the loader passes, at PASSIVE_LEVEL; none after
// removal; NULL routines are skipped.
TEST_P(PsNotifyTest, LoadImageRoutinesSeeTheImage)
{
    std::vector<NotifyEvent> All;
    UNICODE_STRING Name;
    IMAGE_INFO Info{};
    HANDLE Pid = reinterpret_cast<HANDLE>(0x1234);
    ASSERT_EQ(RunInKernel([&] {
                  ResetEvents();
                  RtlInitUnicodeString(&Name, L"\\SystemRoot\\System32\\drivers\\hosted.sys");
                  Info.SystemModeImage = 1;
                  EXPECT_EQ(PsSetLoadImageNotifyRoutine(nullptr), STATUS_SUCCESS);
                  EXPECT_EQ(PsSetLoadImageNotifyRoutine(ImageRoutine), STATUS_SUCCESS);
                  PspRunLoadImageNotifyRoutines(&Name, Pid, &Info);
                  EXPECT_EQ(PsRemoveLoadImageNotifyRoutine(ImageRoutine), STATUS_SUCCESS);
                  EXPECT_EQ(PsRemoveLoadImageNotifyRoutine(nullptr), STATUS_SUCCESS);
                  PspRunLoadImageNotifyRoutines(&Name, Pid, &Info);
                  All = RecordedEvents();
              }),
              STATUS_SUCCESS);
    ASSERT_EQ(All.size(), 1u);
    EXPECT_EQ(All[0].What, Kind::Image);
    EXPECT_EQ(All[0].Id1, static_cast<HANDLE>(&Name));
    EXPECT_EQ(All[0].Id2, Pid);
    EXPECT_TRUE(All[0].Create) << "the image info reached the routine";
    EXPECT_EQ(All[0].Irql, PASSIVE_LEVEL);
}

// Creation and exit of a process with two threads: the create routines run in the
// creator, plain then Ex in registration order, the Ex one with the WDK's
// PS_CREATE_NOTIFY_INFO; each thread's create routine runs in the creator before the
// thread runs, its exit routine in the thread itself; the process-exit routines run
// once, in the last thread, after every thread-exit routine, with CreateInfo NULL.
TEST_P(PsNotifyTest, ProcessRoutinesSeeCreationAndExitWithTheirIds)
{
    NTSTATUS Sets[3] = {}, Removes[3] = {}, Created = STATUS_PENDING;
    HANDLE SystemPid = nullptr, CreatorTid = nullptr, Pid = nullptr;
    PEPROCESS Object = nullptr;
    std::vector<HANDLE> Tids;
    std::string TraceAfterFirstExit;
    LONG ProcessSignalled = -1;
    std::vector<NotifyEvent> All;
    ASSERT_EQ(RunInKernel([&] {
                  ResetEvents();
                  Sets[0] = PsSetCreateProcessNotifyRoutine(ProcessRoutine, FALSE);
                  Sets[1] = PsSetCreateProcessNotifyRoutineEx(ProcessRoutineEx, FALSE);
                  Sets[2] = PsSetCreateThreadNotifyRoutine(ThreadRoutine);
                  SystemPid = PsGetCurrentProcessId();
                  CreatorTid = PsGetCurrentThreadId();
                  HANDLE Process;
                  Created = CreateChildOfSystem(&Process);
                  if (NT_SUCCESS(Created)) {
                      Object = ReferenceProcess(Process);
                      Pid = Object->UniqueProcessId;
                      KEVENT Go[2];
                      KeInitializeEvent(&Go[0], NotificationEvent, FALSE);
                      KeInitializeEvent(&Go[1], NotificationEvent, FALSE);
                      std::function<void()> Bodies[2];
                      for (int i = 0; i < 2; i++)
                          Bodies[i] = [&, i] {
                              RecordBody();
                              KeWaitForSingleObject(&Go[i], Executive, KernelMode, FALSE, nullptr);
                          };
                      PETHREAD Threads[2] = {StartThreadInProcess(Process, &Bodies[0]),
                                             StartThreadInProcess(Process, &Bodies[1])};
                      if (Threads[0] && Threads[1]) {
                          Tids = {Threads[0]->Cid.UniqueThread, Threads[1]->Cid.UniqueThread};
                          SpinUntilWaiting(&Threads[0]->Tcb, Executive);
                          SpinUntilWaiting(&Threads[1]->Tcb, Executive);
                          KeSetEvent(&Go[0], 0, FALSE);
                          JoinKernelThread(Threads[0]);
                          TraceAfterFirstExit = TraceOf(RecordedEvents(), Pid, Tids);
                          KeSetEvent(&Go[1], 0, FALSE);
                          JoinKernelThread(Threads[1]);
                      }
                      ProcessSignalled = Object->Pcb.Header.SignalState;
                      ObDereferenceObject(Object);
                      ZwClose(Process);
                  }
                  Removes[0] = PsSetCreateProcessNotifyRoutine(ProcessRoutine, TRUE);
                  Removes[1] = PsSetCreateProcessNotifyRoutineEx(ProcessRoutineEx, TRUE);
                  Removes[2] = PsRemoveCreateThreadNotifyRoutine(ThreadRoutine);
                  All = RecordedEvents();
              }),
              STATUS_SUCCESS);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(Sets[i], STATUS_SUCCESS) << i;
        EXPECT_EQ(Removes[i], STATUS_SUCCESS) << i;
    }
    ASSERT_EQ(Created, STATUS_SUCCESS);
    ASSERT_EQ(Tids.size(), 2u);
    EXPECT_EQ(ProcessSignalled, 1);
    std::string Trace = TraceOf(All, Pid, Tids);
    // The bodies may run in either order, but each after its thread's create routine.
    EXPECT_TRUE(Trace == "P+ X+ T+0 B0 T+1 B1 T-0 T-1 P- X- " || Trace == "P+ X+ T+0 T+1 B0 B1 T-0 T-1 P- X- " ||
                Trace == "P+ X+ T+0 T+1 B1 B0 T-0 T-1 P- X- ")
        << Trace;
    EXPECT_EQ(TraceAfterFirstExit.find("P-"), std::string::npos) << "process exit before its last thread's";

    const NotifyEvent *Plain = FindEvent(All, Kind::Process, Pid, TRUE);
    ASSERT_NE(Plain, nullptr);
    EXPECT_EQ(Plain->Id1, SystemPid) << "parent";
    EXPECT_NE(Plain->Id2, Plain->CurrentPid) << "a create routine runs in the creator";
    EXPECT_EQ(Plain->CurrentTid, CreatorTid);
    EXPECT_EQ(Plain->Irql, PASSIVE_LEVEL);
    EXPECT_TRUE(Plain->ApcsDisabled) << "process routines run in a critical region";

    const NotifyEvent *Ex = FindEvent(All, Kind::ProcessEx, Pid, TRUE);
    ASSERT_NE(Ex, nullptr);
    ASSERT_TRUE(Ex->HasInfo);
    EXPECT_EQ(Ex->Process, Object);
    EXPECT_EQ(Ex->Info.Size, sizeof(PS_CREATE_NOTIFY_INFO));
    EXPECT_EQ(Ex->Info.ParentProcessId, SystemPid);
    EXPECT_EQ(Ex->Info.CreatingThreadId.UniqueProcess, SystemPid);
    EXPECT_EQ(Ex->Info.CreatingThreadId.UniqueThread, CreatorTid);
    EXPECT_EQ(Ex->Info.FileObject, nullptr);
    EXPECT_EQ(Ex->Info.ImageFileName, nullptr);
    EXPECT_EQ(Ex->Info.CommandLine, nullptr);
    EXPECT_EQ(Ex->Info.CreationStatus, STATUS_SUCCESS);
    EXPECT_EQ(Ex->CurrentTid, CreatorTid);

    for (size_t i = 0; i < Tids.size(); i++) {
        const NotifyEvent *Create = FindEvent(All, Kind::Thread, Tids[i], TRUE);
        const NotifyEvent *Exit = FindEvent(All, Kind::Thread, Tids[i], FALSE);
        ASSERT_NE(Create, nullptr);
        ASSERT_NE(Exit, nullptr);
        EXPECT_EQ(Create->Id1, Pid);
        EXPECT_EQ(Create->CurrentTid, CreatorTid) << "thread " << i;
        EXPECT_EQ(Exit->Id1, Pid);
        EXPECT_EQ(Exit->CurrentPid, Pid) << "thread " << i;
        EXPECT_EQ(Exit->CurrentTid, Tids[i]) << "thread " << i;
        EXPECT_TRUE(Exit->Terminating);
        EXPECT_EQ(Exit->Irql, PASSIVE_LEVEL);
    }

    const NotifyEvent *PlainExit = FindEvent(All, Kind::Process, Pid, FALSE);
    ASSERT_NE(PlainExit, nullptr);
    EXPECT_EQ(PlainExit->Id1, SystemPid);
    EXPECT_EQ(PlainExit->CurrentPid, Pid) << "an exit routine runs in the dying process";
    EXPECT_EQ(PlainExit->CurrentTid, Tids[1]) << "... in its last thread";
    EXPECT_TRUE(PlainExit->Terminating);
    EXPECT_EQ(PlainExit->Irql, PASSIVE_LEVEL);
    EXPECT_TRUE(PlainExit->ApcsDisabled);
    const NotifyEvent *ExExit = FindEvent(All, Kind::ProcessEx, Pid, FALSE);
    ASSERT_NE(ExExit, nullptr);
    EXPECT_FALSE(ExExit->HasInfo) << "CreateInfo is NULL at exit";
    EXPECT_EQ(ExExit->Process, Object);
    EXPECT_EQ(ExExit->CurrentTid, Tids[1]);
}

// A system thread of the System process: its create routine runs in the creator
// before it runs, its exit routine in itself with its Terminated flag set and APCs
// enabled; after removal a new thread is not seen.
TEST_P(PsNotifyTest, ThreadRoutinesSeeSystemThreadsComeAndGo)
{
    HANDLE SystemPid = nullptr, CreatorTid = nullptr, Tid = nullptr, LaterTid = nullptr;
    NTSTATUS Set = STATUS_PENDING, Remove = STATUS_PENDING;
    LONG EventsAtRemoval = 0;
    std::vector<NotifyEvent> All;
    ASSERT_EQ(RunInKernel([&] {
                  ResetEvents();
                  SystemPid = PsGetCurrentProcessId();
                  CreatorTid = PsGetCurrentThreadId();
                  Set = PsSetCreateThreadNotifyRoutine(ThreadRoutine);
                  std::function<void()> Body = [] { RecordBody(); };
                  PETHREAD Thread = StartKernelThread(&Body);
                  ASSERT_NE(Thread, nullptr);
                  Tid = Thread->Cid.UniqueThread;
                  JoinKernelThread(Thread);
                  Remove = PsRemoveCreateThreadNotifyRoutine(ThreadRoutine);
                  EventsAtRemoval = ReadShared(EventCount);
                  PETHREAD Later = StartKernelThread(&Body);
                  ASSERT_NE(Later, nullptr);
                  LaterTid = Later->Cid.UniqueThread;
                  JoinKernelThread(Later);
                  All = RecordedEvents();
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Set, STATUS_SUCCESS);
    EXPECT_EQ(Remove, STATUS_SUCCESS);
    ASSERT_LE(EventsAtRemoval, (LONG)All.size());
    std::vector<NotifyEvent> Before(All.begin(), All.begin() + EventsAtRemoval);
    std::vector<NotifyEvent> After(All.begin() + EventsAtRemoval, All.end());
    EXPECT_EQ(TraceOf(Before, SystemPid, {Tid}), "T+0 B0 T-0 ");
    EXPECT_EQ(TraceOf(After, SystemPid, {LaterTid}), "B0 ") << "a removed routine was called";
    const NotifyEvent *Create = FindEvent(All, Kind::Thread, Tid, TRUE);
    const NotifyEvent *Exit = FindEvent(All, Kind::Thread, Tid, FALSE);
    ASSERT_NE(Create, nullptr);
    ASSERT_NE(Exit, nullptr);
    EXPECT_EQ(Create->Id1, SystemPid);
    EXPECT_EQ(Create->CurrentTid, CreatorTid);
    EXPECT_NE(Create->CurrentTid, Tid) << "kmtest: ThreadId is not the current one at creation";
    EXPECT_EQ(Create->Irql, PASSIVE_LEVEL);
    EXPECT_EQ(Exit->CurrentPid, SystemPid);
    EXPECT_EQ(Exit->CurrentTid, Tid);
    EXPECT_TRUE(Exit->Terminating);
    EXPECT_FALSE(Exit->ApcsDisabled) << "thread-exit routines run outside any critical region";
    EXPECT_EQ(Exit->Irql, PASSIVE_LEVEL);
}

// An Ex routine that sets CreationStatus denies the creation: PspCreateProcess fails
// with that status, the routines after it are not called, the process is gone (its ID
// names nothing) and never reports an exit; without it, creation works again (and may
// reuse the ID).
TEST_P(PsNotifyTest, AnExRoutineDenyingCreationFailsIt)
{
    NTSTATUS Denied = STATUS_PENDING, Allowed = STATUS_PENDING, Lookup = STATUS_PENDING;
    HANDLE DeniedPid = nullptr;
    std::vector<NotifyEvent> All;
    ASSERT_EQ(RunInKernel([&] {
                  ResetEvents();
                  EXPECT_EQ(PsSetCreateProcessNotifyRoutine(ProcessRoutine, FALSE), STATUS_SUCCESS);
                  EXPECT_EQ(PsSetCreateProcessNotifyRoutineEx(DenyingRoutineEx, FALSE), STATUS_SUCCESS);
                  EXPECT_EQ(PsSetCreateProcessNotifyRoutineEx(ProcessRoutineEx, FALSE), STATUS_SUCCESS);
                  HANDLE Process = nullptr;
                  Denied = CreateChildOfSystem(&Process);
                  if (ReadShared(EventCount) > 1)
                      DeniedPid = Events[1].Id2;
                  PEPROCESS Found = nullptr;
                  Lookup = PsLookupProcessByProcessId(DeniedPid, &Found);
                  if (NT_SUCCESS(Lookup))
                      ObDereferenceObject(Found);
                  EXPECT_EQ(PsSetCreateProcessNotifyRoutineEx(DenyingRoutineEx, TRUE), STATUS_SUCCESS);
                  All = RecordedEvents();
                  Allowed = CreateChildOfSystem(&Process);
                  if (NT_SUCCESS(Allowed))
                      ZwClose(Process);
                  EXPECT_EQ(PsSetCreateProcessNotifyRoutine(ProcessRoutine, TRUE), STATUS_SUCCESS);
                  EXPECT_EQ(PsSetCreateProcessNotifyRoutineEx(ProcessRoutineEx, TRUE), STATUS_SUCCESS);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Denied, STATUS_ACCESS_DENIED);
    EXPECT_EQ(Allowed, STATUS_SUCCESS);
    ASSERT_NE(DeniedPid, nullptr);
    EXPECT_EQ(Lookup, STATUS_INVALID_PARAMETER) << "the denied process still exists";
    EXPECT_EQ(TraceOf(All, DeniedPid, {}), "P+ X+ ") << "the plain and the denying routine only";
    ASSERT_GE(All.size(), 2u);
    EXPECT_EQ(All[1].Id1, reinterpret_cast<HANDLE>(1)) << "the second call is the denying routine's";
}

// Routines with distinct addresses for the limit test.
constexpr size_t kLimit = 64;
volatile LONG ProcessCalls[kLimit + 1];
volatile LONG ThreadCalls[2];
volatile LONG ImageCalls;
HANDLE WatchedPid;

template <size_t N> VOID NTAPI CountingProcessRoutine(HANDLE, HANDLE, BOOLEAN)
{
    InterlockedIncrement(&ProcessCalls[N]);
}

template <size_t... N> constexpr auto MakeProcessRoutines(std::index_sequence<N...>)
{
    return std::array<PCREATE_PROCESS_NOTIFY_ROUTINE, sizeof...(N)>{CountingProcessRoutine<N>...};
}
constexpr auto ProcessRoutines = MakeProcessRoutines(std::make_index_sequence<kLimit + 1>());

VOID NTAPI CountingThreadRoutine(HANDLE ProcessId, HANDLE, BOOLEAN Create)
{
    if (ProcessId == WatchedPid)
        InterlockedIncrement(&ThreadCalls[Create ? 1 : 0]);
}

VOID NTAPI CountingImageRoutine(PUNICODE_STRING, HANDLE, PIMAGE_INFO) { InterlockedIncrement(&ImageCalls); }

// 64 routines of each kind are taken and each is called; the 65th is refused with
// STATUS_INVALID_PARAMETER (process, either flavour) or STATUS_INSUFFICIENT_RESOURCES
// (thread, image); after removing them all the tables take routines again.
TEST_P(PsNotifyTest, EachTableTakesSixtyFourRoutines)
{
    std::vector<NTSTATUS> ProcessSets, ThreadSets, ImageSets, Removes;
    NTSTATUS ExWhenFull = STATUS_PENDING, Created = STATUS_PENDING, Again[3] = {};
    std::vector<LONG> Calls;
    LONG ThreadCreates = -1, ThreadExits = -1, Images = -1;
    ASSERT_EQ(RunInKernel([&] {
                  for (auto &Count : ProcessCalls)
                      Count = 0;
                  ThreadCalls[0] = 0;
                  ThreadCalls[1] = 0;
                  ImageCalls = 0;
                  WatchedPid = nullptr;
                  for (PCREATE_PROCESS_NOTIFY_ROUTINE Routine : ProcessRoutines)
                      ProcessSets.push_back(PsSetCreateProcessNotifyRoutine(Routine, FALSE));
                  ExWhenFull = PsSetCreateProcessNotifyRoutineEx(ProcessRoutineEx, FALSE);
                  for (size_t i = 0; i <= kLimit; i++) {
                      ThreadSets.push_back(PsSetCreateThreadNotifyRoutine(CountingThreadRoutine));
                      ImageSets.push_back(PsSetLoadImageNotifyRoutine(CountingImageRoutine));
                  }
                  HANDLE Process;
                  Created = CreateChildOfSystem(&Process);
                  if (NT_SUCCESS(Created)) {
                      PEPROCESS Object = ReferenceProcess(Process);
                      WatchedPid = Object->UniqueProcessId;
                      ObDereferenceObject(Object);
                      RunInProcess(Process, [] {});
                      ZwClose(Process);
                  }
                  PspRunLoadImageNotifyRoutines(nullptr, nullptr, nullptr);
                  for (auto &Count : ProcessCalls)
                      Calls.push_back(ReadShared(Count));
                  ThreadCreates = ReadShared(ThreadCalls[1]);
                  ThreadExits = ReadShared(ThreadCalls[0]);
                  Images = ReadShared(ImageCalls);
                  for (PCREATE_PROCESS_NOTIFY_ROUTINE Routine : ProcessRoutines)
                      Removes.push_back(PsSetCreateProcessNotifyRoutine(Routine, TRUE));
                  for (size_t i = 0; i <= kLimit; i++) {
                      Removes.push_back(PsRemoveCreateThreadNotifyRoutine(CountingThreadRoutine));
                      Removes.push_back(PsRemoveLoadImageNotifyRoutine(CountingImageRoutine));
                  }
                  Again[0] = PsSetCreateProcessNotifyRoutineEx(ProcessRoutineEx, FALSE);
                  Again[1] = PsSetCreateThreadNotifyRoutine(CountingThreadRoutine);
                  Again[2] = PsSetLoadImageNotifyRoutine(CountingImageRoutine);
                  PsSetCreateProcessNotifyRoutineEx(ProcessRoutineEx, TRUE);
                  PsRemoveCreateThreadNotifyRoutine(CountingThreadRoutine);
                  PsRemoveLoadImageNotifyRoutine(CountingImageRoutine);
              }),
              STATUS_SUCCESS);
    ASSERT_EQ(ProcessSets.size(), kLimit + 1);
    for (size_t i = 0; i < kLimit; i++) {
        EXPECT_EQ(ProcessSets[i], STATUS_SUCCESS) << i;
        EXPECT_EQ(ThreadSets[i], STATUS_SUCCESS) << i;
        EXPECT_EQ(ImageSets[i], STATUS_SUCCESS) << i;
        EXPECT_EQ(Calls[i], 2) << "process routine " << i << ": once at creation, once at exit";
    }
    EXPECT_EQ(ProcessSets[kLimit], STATUS_INVALID_PARAMETER);
    EXPECT_EQ(ExWhenFull, STATUS_INVALID_PARAMETER);
    EXPECT_EQ(ThreadSets[kLimit], STATUS_INSUFFICIENT_RESOURCES);
    EXPECT_EQ(ImageSets[kLimit], STATUS_INSUFFICIENT_RESOURCES);
    EXPECT_EQ(Calls[kLimit], 0);
    EXPECT_EQ(Created, STATUS_SUCCESS);
    EXPECT_EQ(ThreadCreates, (LONG)kLimit);
    EXPECT_EQ(ThreadExits, (LONG)kLimit);
    EXPECT_EQ(Images, (LONG)kLimit);
    ASSERT_EQ(Removes.size(), 3 * (kLimit + 1));
    for (size_t i = 0; i < kLimit; i++)
        EXPECT_EQ(Removes[i], STATUS_SUCCESS) << "process " << i;
    EXPECT_EQ(Removes[kLimit], STATUS_PROCEDURE_NOT_FOUND);
    for (size_t i = 0; i < 2 * kLimit; i++)
        EXPECT_EQ(Removes[kLimit + 1 + i], STATUS_SUCCESS) << "thread/image " << i;
    EXPECT_EQ(Removes[3 * kLimit + 1], STATUS_PROCEDURE_NOT_FOUND);
    EXPECT_EQ(Removes[3 * kLimit + 2], STATUS_PROCEDURE_NOT_FOUND);
    for (NTSTATUS Status : Again)
        EXPECT_EQ(Status, STATUS_SUCCESS);
}

// A routine blocked in a call: removing it does not return until that call has; the
// calls it makes are not lost.
KEVENT RoutineGate;
volatile LONG BlockNextCall, RoutineEntered, RoutineReturned;

VOID NTAPI BlockingThreadRoutine(HANDLE, HANDLE, BOOLEAN Create)
{
    if (!Create || InterlockedExchange(&BlockNextCall, 0) != 1)
        return;
    InterlockedExchange(&RoutineEntered, 1);
    KeWaitForSingleObject(&RoutineGate, Executive, KernelMode, FALSE, nullptr);
    InterlockedExchange(&RoutineReturned, 1);
}

TEST_P(PsNotifyTest, RemovalWaitsForACallInFlight)
{
    NTSTATUS Removed = STATUS_PENDING;
    LONG RemovedWhileBlocked = -1, ReturnedBeforeRemoval = -1;
    ASSERT_EQ(RunInKernel([&] {
                  KeInitializeEvent(&RoutineGate, NotificationEvent, FALSE);
                  RoutineEntered = 0;
                  RoutineReturned = 0;
                  ASSERT_EQ(PsSetCreateThreadNotifyRoutine(BlockingThreadRoutine), STATUS_SUCCESS);
                  volatile LONG RemoverDone = 0;
                  std::function<void()> Child = [] {};
                  PETHREAD Created = nullptr;
                  std::function<void()> Creator = [&] {
                      InterlockedExchange(&BlockNextCall, 1);
                      Created = StartKernelThread(&Child);
                  };
                  std::function<void()> Remover = [&] {
                      Removed = PsRemoveCreateThreadNotifyRoutine(BlockingThreadRoutine);
                      ReturnedBeforeRemoval = ReadShared(RoutineReturned);
                      InterlockedExchange(&RemoverDone, 1);
                  };
                  PETHREAD CreatorThread = StartKernelThread(&Creator);
                  ASSERT_NE(CreatorThread, nullptr);
                  SpinUntil([&] { return ReadShared(RoutineEntered) == 1; });
                  PETHREAD RemoverThread = StartKernelThread(&Remover);
                  ASSERT_NE(RemoverThread, nullptr);
                  SpinUntilWaiting(&RemoverThread->Tcb, Executive);
                  LARGE_INTEGER Pause = RelativeMs(5);
                  KeDelayExecutionThread(KernelMode, FALSE, &Pause);
                  RemovedWhileBlocked = ReadShared(RemoverDone);
                  KeSetEvent(&RoutineGate, 0, FALSE);
                  JoinKernelThread(RemoverThread);
                  JoinKernelThread(CreatorThread);
                  if (Created)
                      JoinKernelThread(Created);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(RemovedWhileBlocked, 0) << "removal returned while its routine was still running";
    EXPECT_EQ(Removed, STATUS_SUCCESS);
    EXPECT_EQ(ReturnedBeforeRemoval, 1);
}

NTOS_INSTANTIATE_ALL_MODES(PsNotifyTest);

// Routines a test leaves registered: NtosShutdown reports them (a driver must remove
// its routines before it unloads) and frees them, so the next boot starts with empty
// tables and no pool leaked.
class PsNotifyLeftoverTest : public ::testing::TestWithParam<MachineMode> {};

LONG LeftoverCalls;
VOID NTAPI LeftoverThreadRoutine(HANDLE, HANDLE, BOOLEAN) { InterlockedIncrement(&LeftoverCalls); }
VOID NTAPI LeftoverProcessRoutine(HANDLE, HANDLE, BOOLEAN) { InterlockedIncrement(&LeftoverCalls); }
VOID NTAPI LeftoverImageRoutine(PUNICODE_STRING, HANDLE, PIMAGE_INFO) { InterlockedIncrement(&LeftoverCalls); }

TEST_P(PsNotifyLeftoverTest, ShutdownReportsRoutinesNeverRemoved)
{
    NTOS_BOOT_OPTIONS Options = BootOptions(GetParam());
    ASSERT_EQ(NtosBoot(&Options), STATUS_SUCCESS);
    NTSTATUS Sets[3] = {STATUS_PENDING, STATUS_PENDING, STATUS_PENDING};
    EXPECT_EQ(RunInKernel([&] {
                  Sets[0] = PsSetCreateThreadNotifyRoutine(LeftoverThreadRoutine);
                  Sets[1] = PsSetCreateProcessNotifyRoutine(LeftoverProcessRoutine, FALSE);
                  Sets[2] = PsSetLoadImageNotifyRoutine(LeftoverImageRoutine);
              }),
              STATUS_SUCCESS);
    for (NTSTATUS Status : Sets)
        EXPECT_EQ(Status, STATUS_SUCCESS);
    EXPECT_EQ(NtosShutdown(), STATUS_UNSUCCESSFUL) << "routines left registered are leaks";

    ASSERT_EQ(NtosBoot(&Options), STATUS_SUCCESS);
    NTSTATUS Removed = STATUS_PENDING;
    LeftoverCalls = 0;
    EXPECT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  if (NT_SUCCESS(CreateChildOfSystem(&Process))) {
                      RunInProcess(Process, [] {});
                      ZwClose(Process);
                  }
                  PspRunLoadImageNotifyRoutines(nullptr, nullptr, nullptr);
                  Removed = PsRemoveCreateThreadNotifyRoutine(LeftoverThreadRoutine);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(LeftoverCalls, 0) << "a routine of the previous boot was called";
    EXPECT_EQ(Removed, STATUS_PROCEDURE_NOT_FOUND);
    EXPECT_EQ(NtosShutdown(), STATUS_SUCCESS);
}

INSTANTIATE_TEST_SUITE_P(Modes, PsNotifyLeftoverTest, ::testing::ValuesIn(AllModes()), ParamName);

} // namespace
