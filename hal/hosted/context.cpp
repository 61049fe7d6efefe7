// context.cpp - execution contexts on Boost.Context's fcontext: creation and the
// switch that KiSwapContext and the processor multiplexer are built on.
#include <boost/context/detail/fcontext.hpp>

#include <cstdint>

#include "halhost.h"
#include "processor.h"
#include "sanitizer.h"

namespace bctx = boost::context::detail;

namespace {

// The top HAL_CONTEXT_RESERVE bytes of every context's stack hold the routine it
// starts in.
struct StartRecord {
    PHAL_CONTEXT_ROUTINE Routine;
    void *Reserved[3];
};
static_assert(sizeof(StartRecord) == HAL_CONTEXT_RESERVE);

StartRecord *StartRecordOf(void *StackBase)
{
    return static_cast<StartRecord *>(StackBase) - 1;
}

// Runs on the incoming side of every switch: publish the outgoing continuation.
void CompleteSwitch(bctx::transfer_t Transfer, hal::FiberSwitchNotes *Notes)
{
    if (Notes)
        Notes->Finish();
    auto *Switch = static_cast<PHAL_CONTEXT_SWITCH>(Transfer.data);
    hal::NoteIncomingStack(Switch);
    __atomic_store_n(Switch->OldContext, Transfer.fctx, __ATOMIC_RELEASE);
}

[[noreturn]] void ContextEntry(bctx::transfer_t Transfer)
{
    auto *Switch = static_cast<PHAL_CONTEXT_SWITCH>(Transfer.data);
    PHAL_CONTEXT_ROUTINE Routine = StartRecordOf(Switch->NewStackBase)->Routine;
    PVOID Argument = Switch->Argument;
    hal::FiberSwitchNotes Fresh;
    CompleteSwitch(Transfer, &Fresh);
    Routine(Argument);
    __builtin_trap(); // a context routine never returns
}

} // namespace

extern "C" PVOID HalHostInitializeContext(PVOID StackBase, PVOID StackPointer, PVOID StackLimit,
                                          PHAL_CONTEXT_ROUTINE Routine)
{
    StartRecord *Record = StartRecordOf(StackBase);
    *Record = StartRecord{Routine, {}};
    char *Top = StackPointer ? static_cast<char *>(StackPointer) : reinterpret_cast<char *>(Record);
    auto Size = static_cast<size_t>(Top - static_cast<char *>(StackLimit));
    return bctx::make_fcontext(Top, Size, ContextEntry);
}

extern "C" PVOID HalHostSwitchContext(PHAL_CONTEXT_SWITCH Switch)
{
    hal::FiberSwitchNotes Notes;
    auto NewSize = static_cast<size_t>(static_cast<char *>(Switch->NewStackBase) -
                                       static_cast<char *>(Switch->NewStackLimit));
    Notes.Start(Switch->OldExiting, Switch->NewStackLimit, NewSize, Switch->NewFiber);
    bctx::transfer_t Back = bctx::jump_fcontext(Switch->NewContext, Switch);
    // Resumed, possibly on another host thread, by whoever switched to us.
    auto *Incoming = static_cast<PHAL_CONTEXT_SWITCH>(Back.data);
    PVOID Argument = Incoming->Argument;
    CompleteSwitch(Back, &Notes);
    return Argument;
}

extern "C" PVOID HalHostCreateFiber(VOID)
{
#ifdef NTOS_HAL_TSAN
    return __tsan_create_fiber(0);
#else
    return nullptr;
#endif
}

extern "C" VOID HalHostDeleteFiber(PVOID Fiber)
{
#ifdef NTOS_HAL_TSAN
    if (Fiber)
        __tsan_destroy_fiber(Fiber);
#else
    (void)Fiber;
#endif
}
