// pscheck.cpp - the process manager's invariants, checked by the fuzzer after every
// step: every live process and every live thread on its process's thread list is
// found again through its CID in PspCidTable, and each thread names its process; the
// other way, every PspCidTable entry holds a process or a thread whose ID is the
// entry's handle.
#include "ke.h"
#include "ex.h"
#include "ps.h"

namespace {

// Checks that a referenced thread of Process is its process's and is found by its CID;
// prints a violation and returns 1, else 0. At PASSIVE_LEVEL.
ULONG PspCheckThread(PEPROCESS Process, PETHREAD Thread)
{
    PETHREAD Found = NULL;
    NTSTATUS Status = PsLookupThreadByThreadId(Thread->Cid.UniqueThread, &Found);
    if (NT_SUCCESS(Status))
        ObDereferenceObject(Found);
    const char *Broken = NULL;
    if (Thread->ThreadsProcess != Process)
        Broken = "names another process";
    else if (!NT_SUCCESS(Status) || Found != Thread)
        Broken = "is not found through its CID";
    if (!Broken)
        return 0;
    DbgPrint("PspCheckInvariants: thread %p (TID %p) of process %p %s\n", static_cast<PVOID>(Thread),
             Thread->Cid.UniqueThread, static_cast<PVOID>(Process), Broken);
    return 1;
}

// Checks a referenced process's CID; prints a violation and returns 1, else 0. At
// PASSIVE_LEVEL.
ULONG PspCheckProcess(PEPROCESS Process)
{
    PEPROCESS Found = NULL;
    NTSTATUS Status = PsLookupProcessByProcessId(Process->UniqueProcessId, &Found);
    if (NT_SUCCESS(Status))
        ObDereferenceObject(Found);
    if (NT_SUCCESS(Status) && Found == Process)
        return 0;
    DbgPrint("PspCheckInvariants: process %p (PID %p) is not found through its CID\n", static_cast<PVOID>(Process),
             Process->UniqueProcessId);
    return 1;
}

// The other direction, for one PspCidTable entry (locked by the enumeration, so its
// object cannot be freed meanwhile): a process or thread object whose ID, once set
// (creation writes it after the entry exists), is the entry's handle; a thread's
// process is a process. Counts a violation in *Context. At PASSIVE_LEVEL.
BOOLEAN NTAPI PspCheckCidEntry(PHANDLE_TABLE_ENTRY Entry, HANDLE Handle, PVOID Context)
{
    PVOID Object = PspCidEntryObject(Entry);
    POBJECT_TYPE Type = OBJECT_TO_OBJECT_HEADER(Object)->Type;
    const char *Broken = NULL;
    if (Type == *PsProcessType) {
        HANDLE Id = static_cast<PEPROCESS>(Object)->UniqueProcessId;
        if (Id && Id != Handle)
            Broken = "holds a process with another ID";
    } else if (Type == *PsThreadType) {
        auto *Thread = static_cast<PETHREAD>(Object);
        if (Thread->Cid.UniqueThread && Thread->Cid.UniqueThread != Handle)
            Broken = "holds a thread with another ID";
        else if (!Thread->ThreadsProcess || OBJECT_TO_OBJECT_HEADER(Thread->ThreadsProcess)->Type != *PsProcessType)
            Broken = "holds a thread with no process";
    } else {
        Broken = "holds neither a process nor a thread";
    }
    if (Broken) {
        DbgPrint("PspCheckInvariants: CID %p %s (object %p)\n", Handle, Broken, Object);
        ++*static_cast<PULONG>(Context);
    }
    return FALSE;
}

} // namespace

// Walks every process on PsActiveProcessHead and every thread on its list that is not
// being deleted, then PspCidTable; prints each violation and returns how many. At PASSIVE_LEVEL, while
// other threads may run.
extern "C" ULONG NTAPI PspCheckInvariants(VOID)
{
    ULONG Violations = 0;
    for (PEPROCESS Process = PsGetNextProcess(NULL); Process; Process = PsGetNextProcess(Process)) {
        Violations += PspCheckProcess(Process);
        for (PETHREAD Thread = PsGetNextProcessThread(Process, NULL); Thread;
             Thread = PsGetNextProcessThread(Process, Thread))
            Violations += PspCheckThread(Process, Thread);
    }
    ExEnumHandleTable(PspCidTable, PspCheckCidEntry, &Violations, NULL);
    return Violations;
}
