// workload_demo.cpp - ntosrun's default workload: four processes whose threads wait,
// signal, get suspended and are terminated, with the thread list printed while they
// are alive. Two user threads in "demo-wait" wait on a named notification event; a
// user thread in "demo-signal" waits on a named semaphore, then sets the event; a user
// thread in "demo-busy" sleeps in a loop and is suspended, resumed and terminated; a
// user thread in "demo-kill" takes a named mutant and waits until its whole process is
// terminated, abandoning the mutant.
#include <functional>

#include "kd.h"
#include "kernelutil.h"
#include "workload.h"

namespace {

const WCHAR GoName[] = L"\\BaseNamedObjects\\NtosrunDemoGo";
const WCHAR SignalName[] = L"\\BaseNamedObjects\\NtosrunDemoSignal";
const WCHAR MutantName[] = L"\\BaseNamedObjects\\NtosrunDemoMutant";
constexpr NTSTATUS BusyExitStatus = 0x0000DEAD;
constexpr NTSTATUS KillExitStatus = 0x00001DEA;

struct DemoState {
    HANDLE Go = nullptr, Signal = nullptr, Mutant = nullptr; // kernel handles
    HANDLE Processes[4] = {};
    HANDLE Threads[5] = {};
    CLIENT_ID Cids[5] = {};
    volatile LONG BusyLoops = 0;
    volatile LONG HolderOwns = 0;
    bool Ok = true;
};

enum { WaitProcess, SignalProcess, BusyProcess, KillProcess };
enum { Waiter1, Waiter2, Signaller, Busy, Holder };

LONG ReadCount(const volatile LONG &Count) { return __atomic_load_n(&Count, __ATOMIC_RELAXED); }

// Records an expectation; a failed one is printed and fails the workload.
void Expect(DemoState &Demo, bool Condition, const char *What)
{
    if (!Condition) {
        DbgPrint("demo: FAILED: %s\n", What);
        Demo.Ok = false;
    }
}

// A waiter (user mode): opens the event by name and waits for it.
NTSTATUS WaiterBody()
{
    HANDLE Go;
    NTSTATUS Status = NtosrunOpenEvent(GoName, &Go);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = NtWaitForSingleObject(Go, FALSE, nullptr);
    DbgPrint("demo: waiter %p woke: 0x%08X\n", PsGetCurrentThreadId(), static_cast<unsigned>(Status));
    NtClose(Go);
    return Status;
}

// The signaller (user mode): waits for its semaphore, then sets the event.
NTSTATUS SignallerBody()
{
    HANDLE Signal, Go;
    NTSTATUS Status = NtosrunOpenSemaphore(SignalName, &Signal);
    if (NT_SUCCESS(Status)) {
        Status = NtWaitForSingleObject(Signal, FALSE, nullptr);
        NtClose(Signal);
    }
    if (NT_SUCCESS(Status))
        Status = NtosrunOpenEvent(GoName, &Go);
    if (!NT_SUCCESS(Status))
        return Status;
    DbgPrint("demo: signaller %p sets the event\n", PsGetCurrentThreadId());
    Status = NtSetEvent(Go, nullptr);
    NtClose(Go);
    return Status;
}

// The busy thread (user mode): sleeps 1 ms at a time, alertably, until terminated.
NTSTATUS BusyBody(DemoState &Demo)
{
    for (;;) {
        NtosrunSleep(1, TRUE);
        InterlockedIncrement(&Demo.BusyLoops);
    }
}

// The holder (a user thread in demo-kill): takes the mutant, then sleeps until its
// process is terminated.
NTSTATUS HolderBody(DemoState &Demo)
{
    HANDLE Mutant;
    NTSTATUS Status = NtosrunOpenMutant(MutantName, &Mutant);
    if (NT_SUCCESS(Status))
        Status = NtWaitForSingleObject(Mutant, FALSE, nullptr);
    if (!NT_SUCCESS(Status))
        return Status;
    InterlockedExchange(&Demo.HolderOwns, 1);
    for (;;)
        NtosrunSleep(1000);
}

// The named event, semaphore and the mutant, as kernel handles.
NTSTATUS CreateObjects(DemoState &Demo)
{
    UNICODE_STRING Name;
    OBJECT_ATTRIBUTES Attributes;
    RtlInitUnicodeString(&Name, GoName);
    InitializeObjectAttributes(&Attributes, &Name, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, nullptr, nullptr);
    NTSTATUS Status = ZwCreateEvent(&Demo.Go, EVENT_ALL_ACCESS, &Attributes, NotificationEvent, FALSE);
    if (!NT_SUCCESS(Status))
        return Status;
    RtlInitUnicodeString(&Name, SignalName);
    Status = ZwCreateSemaphore(&Demo.Signal, SEMAPHORE_ALL_ACCESS, &Attributes, 0, 1);
    if (!NT_SUCCESS(Status))
        return Status;
    RtlInitUnicodeString(&Name, MutantName);
    return ZwCreateMutant(&Demo.Mutant, MUTANT_ALL_ACCESS, &Attributes, FALSE);
}

// The four processes and their five user threads.
NTSTATUS StartThreads(DemoState &Demo, const std::function<NTSTATUS()> &WaitRoutine,
                      const std::function<NTSTATUS()> &SignalRoutine, const std::function<NTSTATUS()> &BusyRoutine,
                      const std::function<NTSTATUS()> &HoldRoutine)
{
    static const char *const Names[] = {"demo-wait", "demo-signal", "demo-busy", "demo-kill"};
    for (int I = 0; I < 4; I++) {
        NTSTATUS Status = NtosrunCreateProcess(Names[I], &Demo.Processes[I]);
        if (!NT_SUCCESS(Status))
            return Status;
    }
    NTSTATUS Status = NtosrunStartUserThread(Demo.Processes[WaitProcess], &WaitRoutine, &Demo.Threads[Waiter1],
                                             &Demo.Cids[Waiter1]);
    if (NT_SUCCESS(Status))
        Status = NtosrunStartUserThread(Demo.Processes[WaitProcess], &WaitRoutine, &Demo.Threads[Waiter2],
                                        &Demo.Cids[Waiter2]);
    if (NT_SUCCESS(Status))
        Status = NtosrunStartUserThread(Demo.Processes[SignalProcess], &SignalRoutine, &Demo.Threads[Signaller],
                                        &Demo.Cids[Signaller]);
    if (NT_SUCCESS(Status))
        Status = NtosrunStartUserThread(Demo.Processes[BusyProcess], &BusyRoutine, &Demo.Threads[Busy], &Demo.Cids[Busy]);
    if (NT_SUCCESS(Status))
        Status = NtosrunStartUserThread(Demo.Processes[KillProcess], &HoldRoutine, &Demo.Threads[Holder],
                                          &Demo.Cids[Holder]);
    return Status;
}

// Waits (up to 10 s) until the thread Handle names waits in its suspend APC.
bool WaitUntilSuspended(HANDLE Handle)
{
    PETHREAD Thread;
    if (!NT_SUCCESS(ObReferenceObjectByHandle(Handle, 0, *PsThreadType, KernelMode, reinterpret_cast<PVOID *>(&Thread),
                                              nullptr)))
        return false;
    bool Parked = false;
    for (int Tries = 0; Tries < 2000 && !Parked; Tries++) {
        Parked = __atomic_load_n(&Thread->Tcb.State, __ATOMIC_ACQUIRE) == Waiting &&
                    __atomic_load_n(&Thread->Tcb.WaitReason, __ATOMIC_RELAXED) == Suspended;
        if (!Parked)
            NtosrunSleep(5);
    }
    ObDereferenceObject(Thread);
    return Parked;
}

// Suspends the busy thread, shows it stays still, resumes it and shows it runs again.
void SuspendAndResume(DemoState &Demo)
{
    ULONG Previous = 99;
    NTSTATUS Status = NtSuspendThread(Demo.Threads[Busy], &Previous);
    DbgPrint("demo: suspended thread %#lx: 0x%08X, previous suspend count %lu\n", NtosrunTid(Demo.Cids[Busy]),
             static_cast<unsigned>(Status), Previous);
    Expect(Demo, Status == STATUS_SUCCESS && Previous == 0, "the busy thread was suspended once");
    Expect(Demo, WaitUntilSuspended(Demo.Threads[Busy]), "the busy thread took its suspend APC");
    LONG Before = ReadCount(Demo.BusyLoops);
    NtosrunSleep(20);
    LONG After = ReadCount(Demo.BusyLoops);
    DbgPrint("demo: while suspended its loop count stayed at %ld (%ld 20 ms later)\n", Before, After);
    Expect(Demo, Before == After, "a suspended thread does not run");
    Status = NtResumeThread(Demo.Threads[Busy], &Previous);
    Expect(Demo, Status == STATUS_SUCCESS && Previous == 1, "the busy thread was resumed");
    for (int Tries = 0; Tries < 1000 && ReadCount(Demo.BusyLoops) == After; Tries++)
        NtosrunSleep(5);
    DbgPrint("demo: resumed, its loop count moved on to %ld\n", static_cast<long>(ReadCount(Demo.BusyLoops)));
    Expect(Demo, ReadCount(Demo.BusyLoops) != After, "a resumed thread runs again");
}

// Lets the signaller set the event and waits for the two waiters and the signaller.
void SignalAndWake(DemoState &Demo)
{
    DbgPrint("demo: releasing the semaphore the signaller waits on\n");
    ZwReleaseSemaphore(Demo.Signal, 1, nullptr);
    for (int I : {Waiter1, Waiter2, Signaller}) {
        NTSTATUS Status = NtosrunWait(Demo.Threads[I], 10000);
        Expect(Demo, Status == STATUS_SUCCESS, "a waiter or the signaller ended");
        if (Status == STATUS_SUCCESS)
            DbgPrint("demo: thread %#lx ended with 0x%08X\n", NtosrunTid(Demo.Cids[I]),
                     static_cast<unsigned>(NtosrunExitStatus(Demo.Threads[I])));
    }
}

// Terminates the busy thread from outside and the whole demo-kill process, and shows
// the mutant its holder abandoned.
void Terminate(DemoState &Demo)
{
    NTSTATUS Status = ZwTerminateThread(Demo.Threads[Busy], BusyExitStatus);
    NtosrunWait(Demo.Threads[Busy]);
    DbgPrint("demo: terminated thread %#lx: 0x%08X, its exit status 0x%08X\n", NtosrunTid(Demo.Cids[Busy]),
             static_cast<unsigned>(Status), static_cast<unsigned>(NtosrunExitStatus(Demo.Threads[Busy])));
    Expect(Demo, NtosrunExitStatus(Demo.Threads[Busy]) == BusyExitStatus, "the busy thread's exit status");
    Status = ZwTerminateProcess(Demo.Processes[KillProcess], KillExitStatus);
    NtosrunWait(Demo.Processes[KillProcess]);
    DbgPrint("demo: terminated process demo-kill: 0x%08X, its exit status 0x%08X\n", static_cast<unsigned>(Status),
             static_cast<unsigned>(NtosrunExitStatus(Demo.Processes[KillProcess])));
    Status = NtosrunWait(Demo.Mutant, 10000);
    DbgPrint("demo: the mutant its thread held: wait 0x%08X (STATUS_ABANDONED is 0x00000080)\n",
             static_cast<unsigned>(Status));
    Expect(Demo, Status == STATUS_ABANDONED, "the holder's mutant was abandoned");
    if (NT_SUCCESS(Status))
        ZwReleaseMutant(Demo.Mutant, nullptr);
}

// Waits for every process and closes every handle.
void Cleanup(DemoState &Demo)
{
    for (HANDLE Thread : Demo.Threads)
        if (Thread) {
            ZwTerminateThread(Thread, STATUS_UNSUCCESSFUL); // only if the demo failed part way
            NtosrunWait(Thread);
            ZwClose(Thread);
        }
    for (HANDLE Process : Demo.Processes)
        if (Process) {
            NtosrunWait(Process);
            ZwClose(Process);
        }
    for (HANDLE Object : {Demo.Go, Demo.Signal, Demo.Mutant})
        if (Object)
            ZwClose(Object);
}

} // namespace

NTSTATUS NtosrunDemo(NtosrunContext &Context)
{
    UNREFERENCED_PARAMETER(Context);
    DemoState Demo;
    const std::function<NTSTATUS()> Waiter = WaiterBody, Signal = SignallerBody;
    const std::function<NTSTATUS()> BusyLoop = [&Demo] { return BusyBody(Demo); };
    const std::function<NTSTATUS()> Hold = [&Demo] { return HolderBody(Demo); };
    NTSTATUS Status = CreateObjects(Demo);
    if (NT_SUCCESS(Status))
        Status = StartThreads(Demo, Waiter, Signal, BusyLoop, Hold);
    if (NT_SUCCESS(Status)) {
        for (int Tries = 0; Tries < 2000 && !ReadCount(Demo.HolderOwns); Tries++)
            NtosrunSleep(5);
        NtosrunSleep(20);
        DbgPrint("demo: 5 threads in 4 processes, waiting, sleeping and holding a mutant; the threads "
                 "(seed 002's EnumThreads):\n");
        KdpEnumThreads();
        SuspendAndResume(Demo);
        SignalAndWake(Demo);
        Terminate(Demo);
    } else {
        DbgPrint("demo: could not start: 0x%08X\n", static_cast<unsigned>(Status));
    }
    Cleanup(Demo);
    return !NT_SUCCESS(Status) ? Status : Demo.Ok ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}
