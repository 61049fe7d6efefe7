// kdprocess.cpp - !process: the processes on PsActiveProcessHead in WinDbg's layout
// (PROCESS, SessionId, Cid, Peb, ParentCid, DirBase, ObjectTable, HandleCount, Image),
// with more detail, the threads and their stacks as the flags ask; and the walks and
// lookups of live processes the other views validate addresses with.
#include "ke.h"
#include "ob.h"
#include "kd.h"
#include "ps.h"

namespace {

constexpr ULONG kProcessDetails = 0x1;
constexpr ULONG kProcessThreads = 0x2;
constexpr ULONG kProcessStacks = 0x4;
constexpr ULONG kMaximumWalk = 1u << 16;

// The number of handles a process holds; without locks, read from its table as is.
ULONG KdpProcessHandleCount(PEPROCESS Process, BOOLEAN NoLocks)
{
    if (!NoLocks)
        return ObGetProcessHandleCount(Process);
    PHANDLE_TABLE Table = __atomic_load_n(&Process->ObjectTable, __ATOMIC_ACQUIRE);
    return Table ? (ULONG)__atomic_load_n(&Table->HandleCount, __ATOMIC_RELAXED) : 0;
}

// The extra lines of flag 1: token, times, thread counts, exit state.
VOID KdpDisplayProcessDetails(PEPROCESS Process)
{
    LARGE_INTEGER Now;
    KeQuerySystemTime(&Now);
    LONG64 Elapsed = Now.QuadPart - Process->CreateTime.QuadPart;
    DbgPrint("    DeviceMap %p\n", Process->DeviceMap);
    DbgPrint("    %-33s %p\n", "Token", (PVOID)(Process->Token.Value & ~(ULONG_PTR)0xF));
    KdpPrintDuration("    ElapsedTime                       ", Elapsed > 0 ? (ULONG64)Elapsed : 0, "\n");
    KdpPrintDuration("    UserTime                          ", (ULONG64)Process->Pcb.UserTime * KeMaximumIncrement, "\n");
    KdpPrintDuration("    KernelTime                        ", (ULONG64)Process->Pcb.KernelTime * KeMaximumIncrement, "\n");
    DbgPrint("    %-33s %u\n", "ActiveThreads", Process->ActiveThreads);
    DbgPrint("    %-33s %p\n", "Job", (PVOID)Process->Job);
    DbgPrint("    %-33s %u\n", "BasePriority", (unsigned)Process->Pcb.BasePriority);
    DbgPrint("    %-33s %s (LastThreadExitStatus 0x%08x)\n", "Exiting",
             (PspReadProcessFlags(Process) & PSF_PROCESS_EXITING_BIT) ? "yes" : "no",
             (unsigned)Process->LastThreadExitStatus);
}

// Prints one process as the flags ask: its header, details, then its threads.
VOID KdpDisplayProcess(PEPROCESS Process, ULONG Flags, BOOLEAN NoLocks)
{
    KdpDisplayProcessHeader(Process, NoLocks);
    if (Flags & kProcessDetails)
        KdpDisplayProcessDetails(Process);
    DbgPrint("\n");
    if (!(Flags & (kProcessThreads | kProcessStacks)))
        return;
    ULONG ThreadFlags = ((Flags & kProcessThreads) ? KD_THREAD_DETAILS : 0) | ((Flags & kProcessStacks) ? KD_THREAD_STACK : 0);
    PETHREAD Thread = NULL;
    for (ULONG Walked = 0; (Thread = KdpNextThread(Process, Thread, NoLocks)) && Walked < kMaximumWalk; Walked++) {
        KdpDisplayThread(Thread, ThreadFlags, NoLocks);
        DbgPrint("\n");
    }
    if (Thread && !NoLocks)
        ObDereferenceObject(Thread);
}

// Whether a process's image name is Name, letters in either case.
BOOLEAN KdpImageIs(PEPROCESS Process, PCSTR Name)
{
    CHAR Image[sizeof(Process->ImageFileName) + 1];
    RtlCopyMemory(Image, Process->ImageFileName, sizeof(Process->ImageFileName));
    Image[sizeof(Process->ImageFileName)] = '\0';
    return KdpEqualNoCase(Image, Name);
}

// Every live process (whose image is ImageName, if given), as the flags ask.
VOID KdpDisplayAllProcesses(ULONG Flags, PCSTR ImageName, BOOLEAN NoLocks)
{
    DbgPrint("**** NT ACTIVE PROCESS DUMP ****\n");
    PEPROCESS Process = NULL;
    for (ULONG Walked = 0; (Process = KdpNextProcess(Process, NoLocks)) && Walked < kMaximumWalk; Walked++) {
        if (!ImageName || KdpImageIs(Process, ImageName))
            KdpDisplayProcess(Process, Flags, NoLocks);
    }
    KdpEndProcessWalk(Process, NoLocks);
}

} // namespace

// Prints Label (padded as the caller wants it), "hh:mm:ss.mmm" for a duration in 100
// ns units, then Suffix. Any IRQL.
extern "C" VOID NTAPI KdpPrintDuration(PCSTR Label, ULONG64 Duration, PCSTR Suffix)
{
    unsigned long long Ms = Duration / 10000;
    DbgPrint("%s%02llu:%02llu:%02llu.%03llu%s", Label, Ms / 3600000, Ms / 60000 % 60, Ms / 1000 % 60, Ms % 1000, Suffix);
}

// The process after Process on PsActiveProcessHead (the first for NULL), or NULL:
// referenced (and Process dereferenced) with locks; the bare list without. At
// PASSIVE_LEVEL, or any IRQL with NoLocks.
extern "C" PEPROCESS NTAPI KdpNextProcess(PEPROCESS Process, BOOLEAN NoLocks)
{
    if (!NoLocks)
        return PsGetNextProcess(Process);
    PLIST_ENTRY Entry = Process ? Process->ActiveProcessLinks.Flink : PsActiveProcessHead.Flink;
    return (Entry && Entry != &PsActiveProcessHead) ? CONTAINING_RECORD(Entry, EPROCESS, ActiveProcessLinks) : NULL;
}

// Ends a walk of KdpNextProcess that stopped at Process (NULL: at the end). At
// PASSIVE_LEVEL, or any IRQL with NoLocks.
extern "C" VOID NTAPI KdpEndProcessWalk(PEPROCESS Process, BOOLEAN NoLocks)
{
    if (Process && !NoLocks)
        ObDereferenceObject(Process);
}

// The live process whose EPROCESS address or PID is AddressOrCid, referenced with
// locks (KdpReleaseProcess gives it back); NULL if there is none. At PASSIVE_LEVEL,
// or any IRQL with NoLocks.
extern "C" PEPROCESS NTAPI KdpFindProcess(ULONG64 AddressOrCid, BOOLEAN NoLocks)
{
    PEPROCESS Process = NULL;
    for (ULONG Walked = 0; (Process = KdpNextProcess(Process, NoLocks)) && Walked < kMaximumWalk; Walked++) {
        if ((ULONG64)(ULONG_PTR)Process == AddressOrCid || (ULONG64)(ULONG_PTR)Process->UniqueProcessId == AddressOrCid)
            return Process;
    }
    KdpEndProcessWalk(Process, NoLocks);
    return NULL;
}

// Gives back a process KdpFindProcess returned. At PASSIVE_LEVEL, or any IRQL with
// NoLocks.
extern "C" VOID NTAPI KdpReleaseProcess(PEPROCESS Process, BOOLEAN NoLocks)
{
    KdpEndProcessWalk(Process, NoLocks);
}

// WinDbg's process header: address, session, CIDs, PEB, directory base, handle table
// and count, image name. At PASSIVE_LEVEL, or any IRQL with NoLocks.
extern "C" VOID NTAPI KdpDisplayProcessHeader(PEPROCESS Process, BOOLEAN NoLocks)
{
    DbgPrint("PROCESS %p\n", (PVOID)Process);
    DbgPrint("    SessionId: none  Cid: %04llx    Peb: %p  ParentCid: %04llx\n",
             (unsigned long long)(ULONG_PTR)Process->UniqueProcessId, (PVOID)Process->Peb,
             (unsigned long long)(ULONG_PTR)Process->InheritedFromUniqueProcessId);
    DbgPrint("    DirBase: %p  ObjectTable: %p  HandleCount: %u.\n", (PVOID)Process->Pcb.DirectoryTableBase[0],
             (PVOID)__atomic_load_n(&Process->ObjectTable, __ATOMIC_RELAXED), KdpProcessHandleCount(Process, NoLocks));
    DbgPrint("    Image: %.16s\n", (const char *)Process->ImageFileName);
}

// !process [Process|0|-1] [Flags] [ImageName]: 0 lists every process, -1 (or no
// argument) is the current one; a PID or EPROCESS address names one. Flags (default 3)
// 1: details, 2: threads, 4: their stacks.
extern "C" NTSTATUS NTAPI KdpProcessCommand(PKD_ARGUMENTS Arguments, BOOLEAN NoLocks)
{
    ULONG64 Which = Arguments->Count > 0 ? Arguments->Value[0] : ~0ULL;
    ULONG64 Flags = Arguments->Count > 1 ? Arguments->Value[1] : kProcessDetails | kProcessThreads;
    PCSTR ImageName = Arguments->Count > 2 ? Arguments->Text[2] : NULL;
    bool Minus = Arguments->Count > 0 && Arguments->Text[0][0] == '-' && Arguments->Text[0][1] == '1' && !Arguments->Text[0][2];
    if (Minus)
        Which = ~0ULL;
    if ((Arguments->Count > 0 && !Minus && !Arguments->IsNumber[0]) || (Arguments->Count > 1 && !Arguments->IsNumber[1]) ||
        Arguments->Count > 3 || Flags > 0x1F) {
        DbgPrint("kd: usage: !process [Process|0|-1] [Flags] [ImageName]\n");
        return STATUS_INVALID_PARAMETER;
    }
    if (Which == 0) {
        KdpDisplayAllProcesses((ULONG)Flags, ImageName, NoLocks);
        return STATUS_SUCCESS;
    }
    if (Which == ~0ULL) {
        PKTHREAD Current = KdpCurrentThread();
        if (!Current) {
            DbgPrint("kd: no current process\n");
            return STATUS_INVALID_PARAMETER;
        }
        Which = (ULONG64)(ULONG_PTR)Current->ApcState.Process;
    }
    PEPROCESS Process = KdpFindProcess(Which, NoLocks);
    if (!Process) {
        DbgPrint("kd: %s is not a process on PsActiveProcessHead\n", Arguments->Count ? Arguments->Text[0] : "-1");
        return STATUS_INVALID_PARAMETER;
    }
    KdpDisplayProcess(Process, (ULONG)Flags, NoLocks);
    KdpReleaseProcess(Process, NoLocks);
    return STATUS_SUCCESS;
}
