// psnotify.cpp - the process, thread and image notify routines drivers register: each
// kind lives in an array of EX_CALLBACK slots, so the creation and exit paths call the
// routines without a lock while a removal swaps its block out and waits for the calls
// still running. Process routines come in two flavours (PsSetCreateProcessNotifyRoutine
// and, Windows Vista SP1 and later, ...Ex, which can deny a creation); the block's
// context says which.
#include "ke.h"
#include "ex.h"
#include "ps.h"

EX_CALLBACK PspThreadNotifyRoutine[PSP_MAX_CREATE_THREAD_NOTIFY];
EX_CALLBACK PspProcessNotifyRoutine[PSP_MAX_CREATE_PROCESS_NOTIFY];
EX_CALLBACK PspLoadImageNotifyRoutine[PSP_MAX_LOAD_IMAGE_NOTIFY];
volatile LONG PspThreadNotifyRoutineCount;
volatile LONG PspProcessNotifyRoutineCount;
volatile LONG PspLoadImageNotifyRoutineCount;

namespace {

// A process routine block's context: which PsSetCreateProcessNotifyRoutine* put it there.
const PVOID PSP_PROCESS_NOTIFY_PLAIN = NULL;
const PVOID PSP_PROCESS_NOTIFY_EX = reinterpret_cast<PVOID>(2);

// Serializes process routine registrations, so a routine cannot slip in twice.
EX_PUSH_LOCK PspProcessNotifyLock;

// One kind of notify routine: its slots and how many are in use.
struct PSP_NOTIFY_TABLE {
    PEX_CALLBACK Slots;
    ULONG SlotCount;
    volatile LONG *Count;
    PCSTR Kind;
};

const PSP_NOTIFY_TABLE PspThreadNotifyTable = {PspThreadNotifyRoutine, PSP_MAX_CREATE_THREAD_NOTIFY,
                                               &PspThreadNotifyRoutineCount, "thread"};
const PSP_NOTIFY_TABLE PspProcessNotifyTable = {PspProcessNotifyRoutine, PSP_MAX_CREATE_PROCESS_NOTIFY,
                                                &PspProcessNotifyRoutineCount, "process"};
const PSP_NOTIFY_TABLE PspLoadImageNotifyTable = {PspLoadImageNotifyRoutine, PSP_MAX_LOAD_IMAGE_NOTIFY,
                                                  &PspLoadImageNotifyRoutineCount, "load-image"};
const PSP_NOTIFY_TABLE *const PspNotifyTables[] = {&PspThreadNotifyTable, &PspProcessNotifyTable,
                                                   &PspLoadImageNotifyTable};

// Whether any routine of a table is registered: the run functions' shortcut.
BOOLEAN PspAnyNotifyRoutine(const PSP_NOTIFY_TABLE &Table)
{
    return __atomic_load_n(Table.Count, __ATOMIC_ACQUIRE) != 0;
}

// A block's routine, as the untyped pointer it was registered as.
PVOID PspNotifyRoutineOf(PEX_CALLBACK_ROUTINE_BLOCK Block)
{
    return reinterpret_cast<PVOID>(ExGetCallBackBlockRoutine(Block));
}

// Whether Block holds Routine, registered with Context.
BOOLEAN PspIsBlockFor(PEX_CALLBACK_ROUTINE_BLOCK Block, PVOID Routine, PVOID Context)
{
    return PspNotifyRoutineOf(Block) == Routine && ExGetCallBackBlockContext(Block) == Context;
}

// Puts Routine (with Context) in the first free slot; FullStatus when every slot is
// taken. At PASSIVE_LEVEL.
NTSTATUS PspInsertNotifyRoutine(const PSP_NOTIFY_TABLE &Table, PVOID Routine, PVOID Context, NTSTATUS FullStatus)
{
    PEX_CALLBACK_ROUTINE_BLOCK Block =
        ExAllocateCallBack(reinterpret_cast<PEX_CALLBACK_FUNCTION>(Routine), Context);
    if (!Block)
        return STATUS_INSUFFICIENT_RESOURCES;
    for (ULONG i = 0; i < Table.SlotCount; i++) {
        if (ExCompareExchangeCallBack(&Table.Slots[i], Block, NULL)) {
            InterlockedIncrement(Table.Count);
            return STATUS_SUCCESS;
        }
    }
    ExFreeCallBack(Block);
    return FullStatus;
}

// Swaps a referenced Block out of Slot if it is still there, drops the reference and
// frees the block once no call is running through it: after waiting for those calls,
// or (WaitForCalls FALSE, at shutdown, where a stuck thread may never return) only if
// there are none. Whether it was swapped out. At PASSIVE_LEVEL.
BOOLEAN PspDeleteNotifyBlock(const PSP_NOTIFY_TABLE &Table, PEX_CALLBACK Slot, PEX_CALLBACK_ROUTINE_BLOCK Block,
                             BOOLEAN WaitForCalls)
{
    BOOLEAN Removed = ExCompareExchangeCallBack(Slot, NULL, Block);
    if (Removed)
        InterlockedDecrement(Table.Count);
    ExDereferenceCallBackBlock(Slot, Block);
    if (!Removed)
        return FALSE;
    if (WaitForCalls)
        ExWaitForCallBacks(Block);
    if (WaitForCalls || !__atomic_load_n(&Block->RundownProtect.Count, __ATOMIC_ACQUIRE))
        ExFreeCallBack(Block);
    return TRUE;
}

// Removes one registration of Routine with Context, waiting for its calls in flight;
// STATUS_PROCEDURE_NOT_FOUND if there is none. At PASSIVE_LEVEL; never from inside the
// routine itself (it would wait for its own call).
NTSTATUS PspRemoveNotifyRoutine(const PSP_NOTIFY_TABLE &Table, PVOID Routine, PVOID Context)
{
    for (ULONG i = 0; i < Table.SlotCount; i++) {
        PEX_CALLBACK_ROUTINE_BLOCK Block = ExReferenceCallBackBlock(&Table.Slots[i]);
        if (!Block)
            continue;
        if (!PspIsBlockFor(Block, Routine, Context))
            ExDereferenceCallBackBlock(&Table.Slots[i], Block);
        else if (PspDeleteNotifyBlock(Table, &Table.Slots[i], Block, TRUE))
            return STATUS_SUCCESS;
    }
    return STATUS_PROCEDURE_NOT_FOUND;
}

// Calls Visit(Block) for each registered block, holding a reference on it for the
// call, until Visit returns TRUE; whether one did. At PASSIVE_LEVEL.
template <typename Visitor> BOOLEAN PspForEachNotifyBlock(const PSP_NOTIFY_TABLE &Table, Visitor Visit)
{
    BOOLEAN Stop = FALSE;
    for (ULONG i = 0; i < Table.SlotCount && !Stop; i++) {
        PEX_CALLBACK_ROUTINE_BLOCK Block = ExReferenceCallBackBlock(&Table.Slots[i]);
        if (Block) {
            Stop = Visit(Block);
            ExDereferenceCallBackBlock(&Table.Slots[i], Block);
        }
    }
    return Stop;
}

// Whether Routine with Context is registered. At PASSIVE_LEVEL.
BOOLEAN PspIsNotifyRoutineRegistered(const PSP_NOTIFY_TABLE &Table, PVOID Routine, PVOID Context)
{
    return PspForEachNotifyBlock(Table, [&](PEX_CALLBACK_ROUTINE_BLOCK Block) {
        return PspIsBlockFor(Block, Routine, Context);
    });
}

// Registers or removes a process routine of either flavour. As Windows documents, a
// routine already registered, or a full table, gives STATUS_INVALID_PARAMETER (ReactOS
// takes duplicates). At PASSIVE_LEVEL.
NTSTATUS PspSetCreateProcessNotifyRoutine(PVOID Routine, PVOID Flavour, BOOLEAN Remove)
{
    if (Remove)
        return PspRemoveNotifyRoutine(PspProcessNotifyTable, Routine, Flavour);
    KeEnterCriticalRegion();
    ExAcquirePushLockExclusive(&PspProcessNotifyLock);
    NTSTATUS Status = STATUS_INVALID_PARAMETER;
    if (!PspIsNotifyRoutineRegistered(PspProcessNotifyTable, Routine, Flavour))
        Status = PspInsertNotifyRoutine(PspProcessNotifyTable, Routine, Flavour, STATUS_INVALID_PARAMETER);
    ExReleasePushLockExclusive(&PspProcessNotifyLock);
    KeLeaveCriticalRegion();
    return Status;
}

// Calls one process routine for Process: the plain flavour with (parent, process,
// Create), the Ex flavour with CreateInfo (NULL at exit). At PASSIVE_LEVEL.
VOID PspCallProcessNotifyRoutine(PEX_CALLBACK_ROUTINE_BLOCK Block, PEPROCESS Process, PPS_CREATE_NOTIFY_INFO CreateInfo)
{
    PVOID Routine = PspNotifyRoutineOf(Block);
    if (!Routine)
        return;
    PERFINFO_LOG(PerfInfoNotifyRoutine, KeGetCurrentThread(), Routine, 0, CreateInfo != NULL);
    if (ExGetCallBackBlockContext(Block) == PSP_PROCESS_NOTIFY_EX)
        reinterpret_cast<PCREATE_PROCESS_NOTIFY_ROUTINE_EX>(Routine)(Process, Process->UniqueProcessId, CreateInfo);
    else
        reinterpret_cast<PCREATE_PROCESS_NOTIFY_ROUTINE>(Routine)(Process->InheritedFromUniqueProcessId,
                                                                  Process->UniqueProcessId, CreateInfo != NULL);
}

// Frees what is left in a table at shutdown, reporting each registration a driver never
// removed (on Windows, unloading with one registered bugchecks). Returns the number
// reported. At PASSIVE_LEVEL.
ULONG PspShutdownNotifyTable(const PSP_NOTIFY_TABLE &Table)
{
    ULONG Left = 0;
    for (ULONG i = 0; i < Table.SlotCount; i++) {
        PEX_CALLBACK_ROUTINE_BLOCK Block = ExReferenceCallBackBlock(&Table.Slots[i]);
        if (!Block)
            continue;
        DbgPrint("NtosShutdown: %s notify routine %p was never removed\n", Table.Kind,
                 PspNotifyRoutineOf(Block));
        Left++;
        PspDeleteNotifyBlock(Table, &Table.Slots[i], Block, FALSE);
    }
    return Left;
}

} // namespace

// Empties every notify slot. At PASSIVE_LEVEL, when the process manager starts (before
// the System process is created).
extern "C" VOID NTAPI PspInitializeNotifyRoutines(VOID)
{
    for (const PSP_NOTIFY_TABLE *Table : PspNotifyTables) {
        for (ULONG i = 0; i < Table->SlotCount; i++)
            ExInitializeCallBack(&Table->Slots[i]);
        *Table->Count = 0;
    }
    ExInitializePushLock(&PspProcessNotifyLock);
}

// At shutdown: reports and frees the registrations drivers left behind; each counts as
// a leak, as a driver must remove its routines before it unloads. Returns their number.
// At PASSIVE_LEVEL.
extern "C" ULONG NTAPI PspShutdownNotifyRoutines(VOID)
{
    ULONG Left = 0;
    for (const PSP_NOTIFY_TABLE *Table : PspNotifyTables)
        Left += PspShutdownNotifyTable(*Table);
    return Left;
}

// Registers (Remove FALSE) or removes a routine called when a process is created and
// when it exits. Removal waits for calls in flight. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI PsSetCreateProcessNotifyRoutine(PCREATE_PROCESS_NOTIFY_ROUTINE NotifyRoutine,
                                                          BOOLEAN Remove)
{
    return PspSetCreateProcessNotifyRoutine(reinterpret_cast<PVOID>(NotifyRoutine), PSP_PROCESS_NOTIFY_PLAIN, Remove);
}

// As PsSetCreateProcessNotifyRoutine, for a routine that gets the process and, at
// creation, a PS_CREATE_NOTIFY_INFO whose CreationStatus it may set to deny the
// creation. A routine removed through the other call is not this one. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI PsSetCreateProcessNotifyRoutineEx(PCREATE_PROCESS_NOTIFY_ROUTINE_EX NotifyRoutine,
                                                            BOOLEAN Remove)
{
    return PspSetCreateProcessNotifyRoutine(reinterpret_cast<PVOID>(NotifyRoutine), PSP_PROCESS_NOTIFY_EX, Remove);
}

// Registers a routine called when a thread is created and when it exits;
// STATUS_INSUFFICIENT_RESOURCES when every slot is taken. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI PsSetCreateThreadNotifyRoutine(PCREATE_THREAD_NOTIFY_ROUTINE NotifyRoutine)
{
    return PspInsertNotifyRoutine(PspThreadNotifyTable, reinterpret_cast<PVOID>(NotifyRoutine), NULL,
                                  STATUS_INSUFFICIENT_RESOURCES);
}

// Removes a thread routine, waiting for calls in flight; STATUS_PROCEDURE_NOT_FOUND if
// it is not registered. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI PsRemoveCreateThreadNotifyRoutine(PCREATE_THREAD_NOTIFY_ROUTINE NotifyRoutine)
{
    return PspRemoveNotifyRoutine(PspThreadNotifyTable, reinterpret_cast<PVOID>(NotifyRoutine), NULL);
}

// Registers a routine called when an image is loaded; STATUS_INSUFFICIENT_RESOURCES
// when every slot is taken. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI PsSetLoadImageNotifyRoutine(PLOAD_IMAGE_NOTIFY_ROUTINE NotifyRoutine)
{
    return PspInsertNotifyRoutine(PspLoadImageNotifyTable, reinterpret_cast<PVOID>(NotifyRoutine), NULL,
                                  STATUS_INSUFFICIENT_RESOURCES);
}

// Removes a load-image routine, waiting for calls in flight; STATUS_PROCEDURE_NOT_FOUND
// if it is not registered. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI PsRemoveLoadImageNotifyRoutine(PLOAD_IMAGE_NOTIFY_ROUTINE NotifyRoutine)
{
    return PspRemoveNotifyRoutine(PspLoadImageNotifyTable, reinterpret_cast<PVOID>(NotifyRoutine), NULL);
}

// Calls the thread routines with Thread's ids: from the creating thread after the new
// thread joined its process (Create), from the thread itself as it exits. At
// PASSIVE_LEVEL.
extern "C" VOID NTAPI PspRunCreateThreadNotifyRoutines(PETHREAD Thread, BOOLEAN Create)
{
    if (!PspAnyNotifyRoutine(PspThreadNotifyTable))
        return;
    PspForEachNotifyBlock(PspThreadNotifyTable, [&](PEX_CALLBACK_ROUTINE_BLOCK Block) {
        auto Routine = reinterpret_cast<PCREATE_THREAD_NOTIFY_ROUTINE>(PspNotifyRoutineOf(Block));
        if (Routine) {
            PERFINFO_LOG(PerfInfoNotifyRoutine, KeGetCurrentThread(), Routine, 1, Create);
            Routine(Thread->Cid.UniqueProcess, Thread->Cid.UniqueThread, Create);
        }
        return FALSE;
    });
}

// Calls the process routines: at creation from the creating thread, where the first
// Ex routine to set a failing CreationStatus denies it (the later ones are not called)
// and that status is returned; at exit from the process's last thread. Inside a
// critical region, as Windows documents (ReactOS calls them with APCs enabled). At
// PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI PspRunCreateProcessNotifyRoutines(PEPROCESS Process, BOOLEAN Create)
{
    if (!PspAnyNotifyRoutine(PspProcessNotifyTable))
        return STATUS_SUCCESS;
    PS_CREATE_NOTIFY_INFO CreateInfo;
    RtlZeroMemory(&CreateInfo, sizeof(CreateInfo));
    CreateInfo.Size = sizeof(CreateInfo);
    CreateInfo.ParentProcessId = Process->InheritedFromUniqueProcessId;
    CreateInfo.CreatingThreadId = PsGetCurrentThread()->Cid;
    CreateInfo.CreationStatus = STATUS_SUCCESS;
    KeEnterCriticalRegion();
    PspForEachNotifyBlock(PspProcessNotifyTable, [&](PEX_CALLBACK_ROUTINE_BLOCK Block) {
        PspCallProcessNotifyRoutine(Block, Process, Create ? &CreateInfo : NULL);
        return !NT_SUCCESS(CreateInfo.CreationStatus);
    });
    KeLeaveCriticalRegion();
    return CreateInfo.CreationStatus;
}

// Calls the load-image routines for an image mapped into ProcessId's process (NULL
// for a driver image). At PASSIVE_LEVEL.
extern "C" VOID NTAPI PspRunLoadImageNotifyRoutines(PUNICODE_STRING FullImageName, HANDLE ProcessId,
                                                    PIMAGE_INFO ImageInfo)
{
    if (!PspAnyNotifyRoutine(PspLoadImageNotifyTable))
        return;
    PspForEachNotifyBlock(PspLoadImageNotifyTable, [&](PEX_CALLBACK_ROUTINE_BLOCK Block) {
        auto Routine = reinterpret_cast<PLOAD_IMAGE_NOTIFY_ROUTINE>(PspNotifyRoutineOf(Block));
        if (Routine) {
            PERFINFO_LOG(PerfInfoNotifyRoutine, KeGetCurrentThread(), Routine, 2, TRUE);
            Routine(FullImageName, ProcessId, ImageInfo);
        }
        return FALSE;
    });
}
