// kdhandle.cpp - !handle: a process's handle table in WinDbg's layout, one entry per
// handle with its object, granted access and entry, then the object it names; and
// the handle-table walk !object searches with.
#include "ke.h"
#include "ob.h"
#include "kd.h"
#include "ps.h"

namespace {

struct KD_HANDLE_FILTER {
    ULONG_PTR Handle; /* 0: every handle */
    ULONG Shown;
};

// Prints one in-use entry and the object it names, if the filter takes it.
BOOLEAN NTAPI KdpDisplayHandle(PHANDLE_TABLE_ENTRY Entry, HANDLE Handle, PVOID Context)
{
    auto *Filter = static_cast<KD_HANDLE_FILTER *>(Context);
    if (Filter->Handle && ((ULONG_PTR)Handle & ~(ULONG_PTR)HANDLE_TAG_BITS) != (Filter->Handle & ~(ULONG_PTR)HANDLE_TAG_BITS))
        return FALSE;
    POBJECT_HEADER Header = ObpGetHandleObject(Entry);
    DbgPrint("%04llx: Object: %p  GrantedAccess: %08x Entry: %p\n", (unsigned long long)(ULONG_PTR)Handle,
             (PVOID)&Header->Body, (unsigned)(Entry->GrantedAccess & ~ObpAccessProtectCloseBit), (PVOID)Entry);
    KdpDisplayObject(&Header->Body, "", 0);
    DbgPrint("\n");
    Filter->Shown++;
    return FALSE;
}

// Prints a table's header line and its handles.
VOID KdpDisplayHandleTable(PCSTR What, PHANDLE_TABLE Table, KD_HANDLE_FILTER *Filter, BOOLEAN NoLocks)
{
    DbgPrint("%s at %p with %ld entries in use\n\n", What, (PVOID)Table, (long)__atomic_load_n(&Table->HandleCount, __ATOMIC_RELAXED));
    KdpWalkHandleTable(Table, KdpDisplayHandle, Filter, NoLocks);
}

// The handles of one process (the System process's table is the kernel handle table).
VOID KdpDisplayProcessHandles(PEPROCESS Process, KD_HANDLE_FILTER *Filter, BOOLEAN NoLocks)
{
    KdpDisplayProcessHeader(Process, NoLocks);
    DbgPrint("\n");
    PHANDLE_TABLE Table = NoLocks ? __atomic_load_n(&Process->ObjectTable, __ATOMIC_ACQUIRE) : ObReferenceProcessHandleTable(Process);
    if (Table) {
        KdpDisplayHandleTable("Handle table", Table, Filter, NoLocks);
        if (!NoLocks)
            ObDereferenceProcessHandleTable(Process);
    } else {
        DbgPrint("No handle table (the process has ended)\n");
    }
}

} // namespace

// Calls Routine(Entry, Handle, Context) for each in-use entry of Table until it
// returns TRUE: with locks through ExEnumHandleTable, each entry locked (so its
// object lives); without, reading the entries as they are. At PASSIVE_LEVEL, or any
// IRQL with NoLocks.
extern "C" BOOLEAN NTAPI KdpWalkHandleTable(PHANDLE_TABLE Table, PEX_ENUM_HANDLE_CALLBACK Routine, PVOID Context,
                                            BOOLEAN NoLocks)
{
    if (!NoLocks)
        return ExEnumHandleTable(Table, Routine, Context, NULL);
    EXHANDLE Handle;
    Handle.Value = 0;
    for (;;) {
        Handle.Value += HANDLE_VALUE_INC;
        if (Handle.Index % LOW_LEVEL_ENTRIES == 0)
            continue; // each page's first entry is reserved
        PHANDLE_TABLE_ENTRY Entry = ExpLookupHandleTableEntry(Table, Handle);
        if (!Entry)
            return FALSE;
        if (ObpReadHandleEntry(Entry) && ObpGetHandleObject(Entry) && Routine(Entry, Handle.GenericHandleOverlay, Context))
            return TRUE;
    }
}

// !handle [Handle [Flags [Process]]], or !handle 0 Process: the handles of Process
// (a PID or EPROCESS address; the current process if none), all of them for Handle 0.
// At PASSIVE_LEVEL, or any IRQL with NoLocks.
extern "C" NTSTATUS NTAPI KdpHandleCommand(PKD_ARGUMENTS Arguments, BOOLEAN NoLocks)
{
    for (ULONG i = 0; i < Arguments->Count; i++) {
        if (!Arguments->IsNumber[i] || i > 2) {
            DbgPrint("kd: usage: !handle [Handle [Flags [Process]]]\n");
            return STATUS_INVALID_PARAMETER;
        }
    }
    KD_HANDLE_FILTER Filter = {Arguments->Count > 0 ? (ULONG_PTR)Arguments->Value[0] : 0, 0};
    ULONG64 Which = 0;
    if (Arguments->Count == 3)
        Which = Arguments->Value[2];
    else if (Arguments->Count == 2 && Arguments->Value[1] > 0xFF)
        Which = Arguments->Value[1]; // !handle 0 Process: the second number is no flag value
    if (!Which) {
        PKTHREAD Current = KdpCurrentThread();
        Which = Current ? (ULONG64)(ULONG_PTR)Current->ApcState.Process : 0;
    }
    PEPROCESS Process = Which ? KdpFindProcess(Which, NoLocks) : NULL;
    if (!Process) {
        DbgPrint("kd: %llx is not a process on PsActiveProcessHead\n", (unsigned long long)Which);
        return STATUS_INVALID_PARAMETER;
    }
    KdpDisplayProcessHandles(Process, &Filter, NoLocks);
    KdpReleaseProcess(Process, NoLocks);
    if (Filter.Handle && !Filter.Shown) {
        DbgPrint("kd: handle %llx is not in use\n", (unsigned long long)Filter.Handle);
        return STATUS_INVALID_HANDLE;
    }
    return STATUS_SUCCESS;
}
