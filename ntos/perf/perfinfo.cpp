// perfinfo.cpp - the kernel's timeline log: a ring of fixed-size events in nonpaged
// pool, filled lock-free by the PerfInfo hooks on every processor and read once the
// log is stopped. Starting it logs a rundown of the processes and threads alive then,
// so that a reader can name every thread it sees.
#include "ke.h"
#include "ex.h"
#include "perf.h"
#include "ps.h"

#define TAG_PERF 'frPP'

volatile LONG PerfGlobalGroupMask;

namespace {

PPERFINFO_EVENT PerfpLog;
ULONG PerfpCapacity;
volatile ULONG64 PerfpNext; // events claimed so far
volatile LONG PerfpWriters;  // hooks inside PerfpWrite now

// The IDs a thread's events carry (none for an idle thread).
VOID PerfpThreadIds(PKTHREAD Thread, PULONG Tid, PULONG Pid)
{
    PETHREAD Ethread = CONTAINING_RECORD(Thread, ETHREAD, Tcb);
    *Tid = static_cast<ULONG>(reinterpret_cast<ULONG_PTR>(Ethread->Cid.UniqueThread));
    *Pid = static_cast<ULONG>(reinterpret_cast<ULONG_PTR>(Ethread->Cid.UniqueProcess));
}

// Claims the next slot of Log and fills it, its Sequence last (the reader, which runs
// once every writer is done, keeps only slots whose Sequence matches). Any IRQL.
VOID PerfpFill(PPERFINFO_EVENT Log, USHORT Type, ULONG Tid, ULONG Pid, ULONG64 Arg0, ULONG64 Arg1, ULONG64 Arg2)
{
    ULONG64 Index = __atomic_fetch_add(&PerfpNext, 1, __ATOMIC_RELAXED);
    PPERFINFO_EVENT Event = &Log[Index % PerfpCapacity];
    Event->Time = KeQueryInterruptTime();
    Event->Type = Type;
    Event->Processor = static_cast<USHORT>(KeGetCurrentProcessorNumber());
    Event->Tid = Tid;
    Event->Pid = Pid;
    Event->Args[0] = Arg0;
    Event->Args[1] = Arg1;
    Event->Args[2] = Arg2;
    __atomic_store_n(&Event->Sequence, Index + 1, __ATOMIC_RELEASE);
}

// Logs one event, if the log is on; the writer count lets PerfInfoStopLog wait for
// hooks in flight. Any IRQL.
VOID PerfpWrite(USHORT Type, ULONG Tid, ULONG Pid, ULONG64 Arg0, ULONG64 Arg1, ULONG64 Arg2)
{
    __atomic_fetch_add(&PerfpWriters, 1, __ATOMIC_SEQ_CST);
    PPERFINFO_EVENT Log = __atomic_load_n(&PerfpLog, __ATOMIC_ACQUIRE);
    if (Log && PerfIsLogging())
        PerfpFill(Log, Type, Tid, Pid, Arg0, Arg1, Arg2);
    __atomic_fetch_sub(&PerfpWriters, 1, __ATOMIC_RELEASE);
}

// A process event: its ID, image name and one argument (the parent ID or exit status).
VOID PerfpWriteProcess(USHORT Type, PEPROCESS Process, ULONG64 Arg)
{
    ULONG64 Name[2] = {0, 0};
    RtlCopyMemory(Name, Process->ImageFileName, sizeof(Name) - 1);
    PerfpWrite(Type, 0, static_cast<ULONG>(reinterpret_cast<ULONG_PTR>(Process->UniqueProcessId)), Name[0], Name[1],
               Arg);
}

// Logs every process and thread alive now, as rundown events. At PASSIVE_LEVEL.
VOID PerfpLogRundown(VOID)
{
    for (PEPROCESS Process = PsGetNextProcess(NULL); Process; Process = PsGetNextProcess(Process)) {
        PerfpWriteProcess(PerfInfoProcessRundown, Process,
                          reinterpret_cast<ULONG_PTR>(Process->InheritedFromUniqueProcessId));
        for (PETHREAD Thread = PsGetNextProcessThread(Process, NULL); Thread;
             Thread = PsGetNextProcessThread(Process, Thread))
            PerfInfoLogEvent(PerfInfoThreadRundown, &Thread->Tcb, reinterpret_cast<ULONG_PTR>(Thread->StartAddress),
                             0, 0);
    }
}

} // namespace

// Starts the log with room for Capacity events (the newest are kept when it fills).
// At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI PerfInfoStartLog(ULONG Capacity)
{
    if (!Capacity || Capacity > (1u << 26))
        return STATUS_INVALID_PARAMETER;
    if (__atomic_load_n(&PerfpLog, __ATOMIC_ACQUIRE))
        return STATUS_ALREADY_REGISTERED;
    auto *Log = static_cast<PPERFINFO_EVENT>(
        ExAllocatePoolZero(NonPagedPool, static_cast<SIZE_T>(Capacity) * sizeof(PERFINFO_EVENT), TAG_PERF));
    if (!Log)
        return STATUS_INSUFFICIENT_RESOURCES;
    PerfpCapacity = Capacity;
    __atomic_store_n(&PerfpNext, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&PerfpLog, Log, __ATOMIC_RELEASE);
    __atomic_store_n(&PerfGlobalGroupMask, 1, __ATOMIC_RELEASE);
    PerfpLogRundown();
    return STATUS_SUCCESS;
}

// Stops logging and waits for the hooks still writing; the events stay readable until
// PerfInfoFreeLog. At PASSIVE_LEVEL.
extern "C" VOID NTAPI PerfInfoStopLog(VOID)
{
    __atomic_store_n(&PerfGlobalGroupMask, 0, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&PerfpWriters, __ATOMIC_SEQ_CST))
        YieldProcessor();
}

// Copies the retained events, oldest first. At PASSIVE_LEVEL, after PerfInfoStopLog.
extern "C" ULONG64 NTAPI PerfInfoReadLog(PPERFINFO_EVENT Buffer, ULONG Capacity, PULONG Copied)
{
    PPERFINFO_EVENT Log = __atomic_load_n(&PerfpLog, __ATOMIC_ACQUIRE);
    ULONG64 Total = __atomic_load_n(&PerfpNext, __ATOMIC_ACQUIRE);
    *Copied = 0;
    if (!Log)
        return 0;
    ULONG64 First = Total > PerfpCapacity ? Total - PerfpCapacity : 0;
    for (ULONG64 Index = First; Index < Total && *Copied < Capacity; Index++) {
        PPERFINFO_EVENT Event = &Log[Index % PerfpCapacity];
        if (__atomic_load_n(&Event->Sequence, __ATOMIC_ACQUIRE) != Index + 1)
            continue;
        Buffer[*Copied] = *Event;
        (*Copied)++;
    }
    return Total;
}

// Stops the log and frees it. At PASSIVE_LEVEL.
extern "C" VOID NTAPI PerfInfoFreeLog(VOID)
{
    PerfInfoStopLog();
    PPERFINFO_EVENT Log = __atomic_exchange_n(&PerfpLog, nullptr, __ATOMIC_ACQ_REL);
    if (Log)
        ExFreePoolWithTag(Log, TAG_PERF);
}

// Logs one event about Thread. Any IRQL.
extern "C" VOID NTAPI PerfInfoLogEvent(USHORT Type, PKTHREAD Thread, ULONG64 Arg0, ULONG64 Arg1, ULONG64 Arg2)
{
    ULONG Tid, Pid;
    PerfpThreadIds(Thread, &Tid, &Pid);
    PerfpWrite(Type, Tid, Pid, Arg0, Arg1, Arg2);
}

// Logs a switch from OldThread to NewThread on this processor. At SYNCH_LEVEL.
extern "C" VOID NTAPI PerfInfoLogContextSwitch(PKTHREAD OldThread, PKTHREAD NewThread)
{
    ULONG OldTid, OldPid, NewTid, NewPid;
    PerfpThreadIds(OldThread, &OldTid, &OldPid);
    PerfpThreadIds(NewThread, &NewTid, &NewPid);
    PerfpWrite(PerfInfoContextSwitch, NewTid, NewPid, OldTid, OldPid,
               KiGetThreadState(OldThread) | (static_cast<ULONG64>(OldThread->WaitReason) << 8));
}

// Logs one event about Process. Any IRQL.
extern "C" VOID NTAPI PerfInfoLogProcess(USHORT Type, PEPROCESS Process, ULONG64 Arg)
{
    PerfpWriteProcess(Type, Process, Arg);
}
