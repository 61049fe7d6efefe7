// fuzz_state.h - the running program's state inside the kernel: handle slots, the
// objects the program pinned (every process, thread and object it made, referenced
// until the program ends), thread bodies and notify routine settings. One program runs
// at a time (the machine is deterministic and single-host-threaded).
#pragma once

#include "fuzz_program.h"

#include "nthost.h"
#include "ndk/ntndk.h"
#include "ke.h"
#include "ex.h"
#include "ob.h"
#include "ps.h"

namespace ntos_fuzz {

inline constexpr ULONG kSlots = 16;
inline constexpr ULONG kMaxPinned = 128;
inline constexpr ULONG kMaxBodies = 64;
inline constexpr ULONG kNotifyKinds = 3;   // process, process Ex, thread
inline constexpr ULONG kMaxNotifyThreads = 8;

enum class SlotOwner : UCHAR { Empty, Kernel, Foreign };

// A handle the program holds: a kernel handle the driver closes at the end, or one it
// put in another process's table (which that process's end sweeps).
struct FuzzSlot {
    HANDLE Handle;
    SlotOwner Owner;
};

// What a created thread runs: a body kind and its argument, a handle value (user
// bodies, as their process sees it) and a pinned dispatcher object (system bodies).
struct FuzzBody {
    UCHAR Kind;
    UCHAR Arg;
    HANDLE Handle;
    PVOID Object;
    LONG Depth;
};

struct FuzzState {
    FuzzSlot Slots[kSlots];
    PVOID Pinned[kMaxPinned];
    volatile LONG PinnedCount;
    FuzzBody Bodies[kMaxBodies];
    volatile LONG BodyCount;
    KEVENT ProgramEnd;
    PETHREAD Driver;
    HANDLE SystemPid;
    volatile LONG NotifyMode;
    volatile LONG NotifyArg;
    volatile LONG NotifyThreads;
    LONG Registered[kNotifyKinds]; // registrations of each kind not yet removed
    ULONG Violations;
    bool Hung;
    bool Verbose;
};

extern FuzzState *Fuzz;

// fuzz_ops.cpp: one driver operation, in the driver thread; its status.
NTSTATUS FuzzExecute(const FuzzOp &Op);

// fuzz_bodies.cpp: thread bodies, notify routines, APC routines.
PVOID FuzzAllocateBody(UCHAR Kind, UCHAR Arg, HANDLE Handle, LONG Depth);
VOID NTAPI FuzzSystemThreadStart(PVOID Context);
NTSTATUS NTAPI FuzzUserThreadStart(PVOID Context);
NTSTATUS FuzzStartSystemThread(HANDLE Process, UCHAR Kind, UCHAR Arg, LONG Depth, PHANDLE Handle);
NTSTATUS FuzzSetNotify(ULONG Kind, bool Register);
VOID FuzzRemoveNotifyRoutines(VOID);
NTSTATUS FuzzQueueKernelApc(PETHREAD Thread, UCHAR How);
VOID NTAPI FuzzUserApc(PVOID NormalContext, PVOID SystemArgument1, PVOID SystemArgument2);

// fuzz_pin.cpp: pinning objects and resolving operands.
VOID FuzzPinObject(PVOID Object);
VOID FuzzPinHandle(HANDLE Handle, KPROCESSOR_MODE Mode);
PVOID FuzzPinnedWaitable(UCHAR Selector);
HANDLE FuzzHandleOperand(UCHAR Selector);
VOID FuzzStoreSlot(UCHAR Selector, HANDLE Handle, SlotOwner Owner);
bool FuzzIsDriverOrSystem(HANDLE Handle, POBJECT_TYPE Type);
LARGE_INTEGER FuzzTimeoutMs(ULONG Ms);

// fuzz_oracle.cpp: the checks after each step and the end-of-program cleanup.
ULONG FuzzCheckInvariants(VOID);
VOID FuzzEndProgram(VOID);

} // namespace ntos_fuzz
