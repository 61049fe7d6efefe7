// fuzz_pin.cpp - the program's objects and operands: pinning what it creates until
// it ends, handle slots, and the invalid handle values the language includes.
#include "fuzz_state.h"

namespace ntos_fuzz {

FuzzState *Fuzz;

// References Object until the program ends (dropped silently past kMaxPinned). At
// PASSIVE_LEVEL.
VOID FuzzPinObject(PVOID Object)
{
    LONG Index = InterlockedIncrement(&Fuzz->PinnedCount) - 1;
    if (Index >= (LONG)kMaxPinned)
        return;
    ObReferenceObject(Object);
    __atomic_store_n(&Fuzz->Pinned[Index], Object, __ATOMIC_RELEASE);
}

// Pins the object a handle of the current process (or the kernel's) names, if any.
// At PASSIVE_LEVEL.
VOID FuzzPinHandle(HANDLE Handle, KPROCESSOR_MODE Mode)
{
    PVOID Object;
    if (NT_SUCCESS(ObReferenceObjectByHandle(Handle, 0, NULL, Mode, &Object, NULL))) {
        FuzzPinObject(Object);
        ObDereferenceObject(Object);
    }
}

// A pinned object chosen by Selector (every pinned object is a dispatcher object), or
// NULL when nothing is pinned. At any IRQL.
PVOID FuzzPinnedWaitable(UCHAR Selector)
{
    LONG Count = __atomic_load_n(&Fuzz->PinnedCount, __ATOMIC_ACQUIRE);
    if (Count > (LONG)kMaxPinned)
        Count = kMaxPinned;
    if (Count <= 0)
        return NULL;
    return __atomic_load_n(&Fuzz->Pinned[Selector % Count], __ATOMIC_ACQUIRE);
}

// A handle operand: a slot's value (live, closed or foreign), a pseudo handle, NULL,
// or a value no table holds (a kernel-marked one too).
HANDLE FuzzHandleOperand(UCHAR Selector)
{
    static const ULONG_PTR Invalid[] = {0, 0x1234, 0xFFFFFFFF80000ABCULL, 4, 0x7FFFFFFC, 0xFFFFFFFF80000004ULL};
    ULONG Pick = Selector % (kSlots + 2 + RTL_NUMBER_OF(Invalid));
    if (Pick < kSlots)
        return Fuzz->Slots[Pick].Handle;
    if (Pick == kSlots)
        return NtCurrentProcess();
    if (Pick == kSlots + 1)
        return NtCurrentThread();
    return reinterpret_cast<HANDLE>(Invalid[Pick - kSlots - 2]);
}

// Closes a slot's kernel handle if the program still holds it open. In the driver
// thread.
static VOID FuzzReleaseSlot(FuzzSlot &Slot)
{
    if (Slot.Owner == SlotOwner::Kernel)
        ZwClose(Slot.Handle);
    Slot.Owner = SlotOwner::Empty;
}

// Puts a new handle in the slot Selector names, closing the kernel handle it held. In
// the driver thread.
VOID FuzzStoreSlot(UCHAR Selector, HANDLE Handle, SlotOwner Owner)
{
    FuzzSlot &Slot = Fuzz->Slots[Selector % kSlots];
    FuzzReleaseSlot(Slot);
    Slot.Handle = Handle;
    Slot.Owner = Owner;
}

// Whether a handle names the driver thread, the System process or one of its threads
// the program did not make (which the driver must not suspend or end: the program
// would stop without cleaning up). At PASSIVE_LEVEL.
bool FuzzIsDriverOrSystem(HANDLE Handle, POBJECT_TYPE Type)
{
    PVOID Object;
    if (!NT_SUCCESS(ObReferenceObjectByHandle(Handle, 0, Type, KernelMode, &Object, NULL)))
        return false;
    bool Protected = Object == Fuzz->Driver || Object == PsInitialSystemProcess;
    ObDereferenceObject(Object);
    return Protected;
}

// A relative timeout of Ms milliseconds.
LARGE_INTEGER FuzzTimeoutMs(ULONG Ms)
{
    LARGE_INTEGER Timeout;
    Timeout.QuadPart = -(LONGLONG)Ms * 10000;
    return Timeout;
}

} // namespace ntos_fuzz
