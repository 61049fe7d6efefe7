// fuzz_oracle.cpp - the checks after every step (the dispatcher's, the object
// manager's and the process manager's invariants) and the end of a program: faults
// disarmed, notify routines removed, the end event set, every thread the program made
// ended and waited for (a thread that does not end is reported as a hang with the
// thread list), its handles closed and its objects let go.
#include "fuzz_state.h"
#include "kd.h"
#include "mm.h"
#include "se.h"

namespace ntos_fuzz {

namespace {

constexpr ULONG kSettleMs = 50;
constexpr ULONG kThreadEndMs = 60 * 1000;
constexpr ULONG kRoundMs = 1000;

VOID DisarmFaults()
{
    ExpInjectPoolFailures(0, 0);
    MmInjectTebFailures(0);
    PspInjectCidFailures(0);
    SeInjectAccessStateFailures(0);
}

ULONG PinnedCount()
{
    LONG Count = Fuzz->PinnedCount;
    return Count > (LONG)kMaxPinned ? kMaxPinned : (ULONG)Count;
}

POBJECT_TYPE TypeOf(PVOID Object)
{
    return OBJECT_TO_OBJECT_HEADER(Object)->Type;
}

// Resumes every system thread of Process (a process suspension may hold one the
// program has no handle to, such as one whose creation failed late).
VOID ResumeSystemThreadsOf(PEPROCESS Process)
{
    for (PETHREAD Thread = PsGetNextProcessThread(Process, NULL); Thread;
         Thread = PsGetNextProcessThread(Process, Thread))
        if (Thread->SystemThread)
            KeForceResumeThread(&Thread->Tcb);
}

// Ends every pinned process and every pinned thread still running; system threads,
// which only end themselves, are resumed (their waits end with the end event).
VOID EndEverything()
{
    for (ULONG i = 0; i < PinnedCount(); i++) {
        PVOID Object = Fuzz->Pinned[i];
        if (!Object || TypeOf(Object) != *PsProcessType)
            continue;
        PspTerminateProcess(static_cast<PEPROCESS>(Object), STATUS_PROCESS_IS_TERMINATING);
        ResumeSystemThreadsOf(static_cast<PEPROCESS>(Object));
    }
    for (ULONG i = 0; i < PinnedCount(); i++) {
        PVOID Object = Fuzz->Pinned[i];
        if (!Object || TypeOf(Object) != *PsThreadType)
            continue;
        auto *Thread = static_cast<PETHREAD>(Object);
        if (KeReadStateThread(&Thread->Tcb))
            continue;
        if (Thread->SystemThread)
            KeForceResumeThread(&Thread->Tcb);
        else
            PspTerminateThreadByPointer(Thread, STATUS_THREAD_IS_TERMINATING, FALSE);
    }
}

// Waits for one pinned thread to end, resuming it each round if it is a system thread
// (its body may suspend itself after the first resume); whether it ended in time.
bool WaitForThread(PETHREAD Thread)
{
    for (ULONG Waited = 0; Waited < kThreadEndMs; Waited += kRoundMs) {
        if (Thread->SystemThread)
            KeForceResumeThread(&Thread->Tcb);
        LARGE_INTEGER Timeout = FuzzTimeoutMs(kRoundMs);
        if (KeWaitForSingleObject(&Thread->Tcb, Executive, KernelMode, FALSE, &Timeout) != STATUS_TIMEOUT)
            return true;
    }
    return false;
}

// Waits for every pinned thread to end; a thread that does not within the bound is a
// hang: reported with the thread list. Whether all ended.
bool WaitForThreads()
{
    for (ULONG i = 0; i < PinnedCount(); i++) {
        PVOID Object = Fuzz->Pinned[i];
        if (!Object || TypeOf(Object) != *PsThreadType)
            continue;
        auto *Thread = static_cast<PETHREAD>(Object);
        if (!WaitForThread(Thread)) {
            DbgPrint("ntos-fuzz: HANG: thread %p (TID %p) did not end; state %u, wait reason %u\n",
                     static_cast<PVOID>(Thread), Thread->Cid.UniqueThread, (unsigned)Thread->Tcb.State,
                     (unsigned)Thread->Tcb.WaitReason);
            KdpEnumThreads();
            return false;
        }
    }
    return true;
}

VOID ReleaseEverything()
{
    for (ULONG i = 0; i < kSlots; i++)
        FuzzStoreSlot((UCHAR)i, NULL, SlotOwner::Empty);
    ULONG Count = PinnedCount();
    InterlockedExchange(&Fuzz->PinnedCount, 0);
    for (ULONG i = 0; i < Count; i++)
        if (Fuzz->Pinned[i])
            ObDereferenceObject(Fuzz->Pinned[i]);
}

} // namespace

// The three invariant checks; the number of violations (each printed). At
// PASSIVE_LEVEL in the driver thread.
ULONG FuzzCheckInvariants(VOID)
{
    return KiCheckDispatcherInvariants() + ObpCheckInvariants() + PspCheckInvariants();
}

// Ends the program as described above; a hang counts as a violation and leaves the
// objects pinned (the host then stops without shutting down). In the driver thread.
VOID FuzzEndProgram(VOID)
{
    DisarmFaults();
    FuzzRemoveNotifyRoutines();
    KeSetEvent(&Fuzz->ProgramEnd, IO_NO_INCREMENT, FALSE);
    LARGE_INTEGER Settle = FuzzTimeoutMs(kSettleMs);
    KeDelayExecutionThread(KernelMode, FALSE, &Settle);
    EndEverything();
    if (!WaitForThreads()) {
        Fuzz->Hung = true;
        Fuzz->Violations++;
        return;
    }
    ReleaseEverything();
}

} // namespace ntos_fuzz
