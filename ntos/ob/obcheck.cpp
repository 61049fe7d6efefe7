// obcheck.cpp - the object manager's invariants, checked by the fuzzer after every
// step: every in-use handle in the kernel's and each process's table names a live
// object of a live type, and no object has more handles than references.
#include "ke.h"
#include "ex.h"
#include "ob.h"
#include "ps.h"

namespace {

// Whether Type is an object type the object manager made (its own header's type is
// the Type type).
bool ObpIsLiveType(POBJECT_TYPE Type)
{
    if (!Type)
        return false;
    POBJECT_HEADER TypeHeader = OBJECT_TO_OBJECT_HEADER(Type);
    return Type == ObpTypeObjectType || TypeHeader->Type == ObpTypeObjectType;
}

// Checks the object one locked handle table entry names; counts and prints a broken
// one. Never stops the enumeration. At or below APC_LEVEL.
BOOLEAN NTAPI ObpCheckHandleEntry(PHANDLE_TABLE_ENTRY Entry, HANDLE Handle, PVOID Context)
{
    auto *Violations = static_cast<PULONG>(Context);
    POBJECT_HEADER Header = ObpGetHandleObject(Entry);
    LONG_PTR Pointers = __atomic_load_n(&Header->PointerCount, __ATOMIC_ACQUIRE);
    LONG_PTR Handles = __atomic_load_n(&Header->HandleCount, __ATOMIC_ACQUIRE);
    const char *Broken = NULL;
    if (!ObpIsLiveType(Header->Type))
        Broken = "names no live object type";
    else if (Pointers <= 0 || Handles <= 0)
        Broken = "names a dead object";
    else if (Pointers < Handles)
        Broken = "names an object with fewer references than handles";
    if (Broken) {
        DbgPrint("ObpCheckInvariants: handle %p %s (header %p, pointers %ld, handles %ld)\n", Handle, Broken,
                 static_cast<PVOID>(Header), (long)Pointers, (long)Handles);
        (*Violations)++;
    }
    return FALSE;
}

// Checks every handle of one table. At PASSIVE_LEVEL.
ULONG ObpCheckHandleTable(PHANDLE_TABLE Table)
{
    ULONG Violations = 0;
    if (Table)
        ExEnumHandleTable(Table, ObpCheckHandleEntry, &Violations, NULL);
    return Violations;
}

} // namespace

// Checks the kernel handle table and the table of every process that still has one;
// prints each violation and returns how many. At PASSIVE_LEVEL, while other threads
// may run.
extern "C" ULONG NTAPI ObpCheckInvariants(VOID)
{
    ULONG Violations = ObpCheckHandleTable(ObpKernelHandleTable);
    for (PEPROCESS Process = PsGetNextProcess(NULL); Process; Process = PsGetNextProcess(Process)) {
        if (Process == PsInitialSystemProcess)
            continue;
        PHANDLE_TABLE Table = ObReferenceProcessHandleTable(Process);
        if (!Table)
            continue;
        Violations += ObpCheckHandleTable(Table);
        ObDereferenceProcessHandleTable(Process);
    }
    return Violations;
}
