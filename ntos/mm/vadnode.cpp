// vadnode.cpp - a process's virtual address descriptors. NT keeps them in an AVL tree
// (VadRoot); the hosted kernel keeps them in a list in address order (VadListHead),
// with VadRoot.NumberGenericTableElements still counting them. Every routine here runs
// with the process's AddressCreationLock held.
#include "mm.h"

namespace {

// The first and one-past-last page numbers of the process's user range.
ULONG_PTR MiRangeFirstVpn(PEPROCESS Process)
{
    return MI_VA_TO_VPN(Process->UserRangeStart);
}

ULONG_PTR MiRangeEndVpn(PEPROCESS Process)
{
    return MI_VA_TO_VPN(Process->UserRangeEnd);
}

PMMVAD MiVadOf(PLIST_ENTRY Entry)
{
    return CONTAINING_RECORD(Entry, MMVAD, VadLink);
}

// The first page of the gap after Entry (the head: the range's first page).
ULONG_PTR MiGapStart(PEPROCESS Process, PLIST_ENTRY Entry)
{
    return Entry == &Process->VadListHead ? MiRangeFirstVpn(Process) : MiVadOf(Entry)->EndingVpn + 1;
}

// One past the last page of the gap before Entry (the head: the range's end).
ULONG_PTR MiGapEnd(PEPROCESS Process, PLIST_ENTRY Entry)
{
    return Entry == &Process->VadListHead ? MiRangeEndVpn(Process) : MiVadOf(Entry)->StartingVpn;
}

} // namespace

// Returns the VAD holding VirtualAddress in Process's range, or NULL.
extern "C" PMMVAD NTAPI MiLocateAddress(PEPROCESS Process, PVOID VirtualAddress)
{
    ULONG_PTR Vpn = MI_VA_TO_VPN(VirtualAddress);
    for (PLIST_ENTRY Entry = Process->VadListHead.Flink; Entry != &Process->VadListHead; Entry = Entry->Flink) {
        PMMVAD Vad = MiVadOf(Entry);
        if (Vpn < Vad->StartingVpn)
            break;
        if (Vpn <= Vad->EndingVpn)
            return Vad;
    }
    return NULL;
}

// Returns whether any VAD overlaps pages [StartingVpn, EndingVpn].
extern "C" BOOLEAN NTAPI MiCheckForConflictingVad(PEPROCESS Process, ULONG_PTR StartingVpn, ULONG_PTR EndingVpn)
{
    for (PLIST_ENTRY Entry = Process->VadListHead.Flink; Entry != &Process->VadListHead; Entry = Entry->Flink) {
        PMMVAD Vad = MiVadOf(Entry);
        if (Vad->StartingVpn > EndingVpn)
            break;
        if (Vad->EndingVpn >= StartingVpn)
            return TRUE;
    }
    return FALSE;
}

// Finds the lowest (or, TopDown, the highest) free run of Length bytes (whole pages) in
// Process's range and returns its base; STATUS_NO_MEMORY when no gap is large enough.
extern "C" NTSTATUS NTAPI MiFindEmptyAddressRange(PEPROCESS Process, SIZE_T Length, BOOLEAN TopDown,
                                                  PULONG_PTR Base)
{
    ULONG_PTR Pages = BYTES_TO_PAGES(Length);
    PLIST_ENTRY Head = &Process->VadListHead;
    PLIST_ENTRY Entry = Head;
    do {
        // The gap between Entry and its neighbour in the walk's direction.
        PLIST_ENTRY Next = TopDown ? Entry->Blink : Entry->Flink;
        ULONG_PTR GapStart = MiGapStart(Process, TopDown ? Next : Entry);
        ULONG_PTR GapEnd = MiGapEnd(Process, TopDown ? Entry : Next);
        if (GapEnd >= GapStart + Pages) {
            *Base = reinterpret_cast<ULONG_PTR>(MI_VPN_TO_VA(TopDown ? GapEnd - Pages : GapStart));
            return STATUS_SUCCESS;
        }
        Entry = Next;
    } while (Entry != Head);
    return STATUS_NO_MEMORY;
}

// Links Vad into Process's list at its place in address order; it must not overlap
// another.
extern "C" VOID NTAPI MiInsertVad(PMMVAD Vad, PEPROCESS Process)
{
    PLIST_ENTRY Entry = Process->VadListHead.Flink;
    while (Entry != &Process->VadListHead && MiVadOf(Entry)->StartingVpn < Vad->StartingVpn)
        Entry = Entry->Flink;
    InsertTailList(Entry, &Vad->VadLink);
    Process->VadRoot.NumberGenericTableElements++;
}

// Unlinks Vad from Process's list.
extern "C" VOID NTAPI MiRemoveVad(PMMVAD Vad, PEPROCESS Process)
{
    RemoveEntryList(&Vad->VadLink);
    Process->VadRoot.NumberGenericTableElements--;
}
