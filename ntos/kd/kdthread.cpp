// kdthread.cpp - the debugger's thread list, as seed 002's EnumThreads prints it from
// the process and thread lists: for every live thread its TID, KTHREAD, kernel stack
// bounds and saved stack pointer, user TEB, and process name and PID.
#include "ke.h"
#include "ex.h"
#include "kd.h"
#include "ps.h"

namespace {

// The stack pointer to show for a thread: where it is now for the caller, else where
// its last switch saved its context (hosted: the Boost.Context continuation, on the
// thread's stack as NT's saved KernelStack is), a snapshot read while it may switch.
PVOID KdpThreadStackPointer(PKTHREAD Thread)
{
    if (Thread == KeGetCurrentThread())
        return __builtin_frame_address(0);
    return __atomic_load_n(&Thread->KernelStack, __ATOMIC_RELAXED);
}

// Prints one process's live threads; returns how many. At PASSIVE_LEVEL.
ULONG KdpDisplayThreadsOfProcess(PEPROCESS Process)
{
    ULONG Count = 0;
    KeEnterCriticalRegion();
    ExAcquirePushLockShared(&Process->ProcessLock);
    for (PLIST_ENTRY Entry = Process->ThreadListHead.Flink; Entry != &Process->ThreadListHead; Entry = Entry->Flink) {
        PETHREAD Thread = CONTAINING_RECORD(Entry, ETHREAD, ThreadListEntry);
        if (KeReadStateThread(&Thread->Tcb))
            continue;
        DbgPrint("%6p %p %p %p %p %p %s(%p)\n", Thread->Cid.UniqueThread, static_cast<PVOID>(&Thread->Tcb),
                 Thread->Tcb.StackLimit, Thread->Tcb.StackBase, KdpThreadStackPointer(&Thread->Tcb),
                 __atomic_load_n(&Thread->Tcb.Teb, __ATOMIC_RELAXED),
                 reinterpret_cast<const char *>(Process->ImageFileName), Process->UniqueProcessId);
        Count++;
    }
    ExReleasePushLockShared(&Process->ProcessLock);
    KeLeaveCriticalRegion();
    return Count;
}

} // namespace

// Prints every live thread of every process on PsActiveProcessHead, one line each, as
// seed 002's EnumThreads does; returns the number printed. At PASSIVE_LEVEL.
extern "C" ULONG NTAPI KdpEnumThreads(VOID)
{
    DbgPrint("   TID KTHREAD StackBtm StackTop StackPtr UserTEB Process(PID)\n");
    ULONG Count = 0;
    KeAcquireGuardedMutex(&PspActiveProcessMutex);
    for (PLIST_ENTRY Entry = PsActiveProcessHead.Flink; Entry != &PsActiveProcessHead; Entry = Entry->Flink)
        Count += KdpDisplayThreadsOfProcess(CONTAINING_RECORD(Entry, EPROCESS, ActiveProcessLinks));
    KeReleaseGuardedMutex(&PspActiveProcessMutex);
    return Count;
}
