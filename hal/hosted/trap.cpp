// trap.cpp - hardware faults. SIGSEGV/SIGBUS on a kernel stack's guard page is a
// kernel stack overflow (UNEXPECTED_KERNEL_MODE_TRAP, double fault); any other fault
// while a processor runs kernel code is PAGE_FAULT_IN_NONPAGED_AREA.
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdlib>

#include "ntddk.h"
#include "ndk/kefuncs.h"
#include "pseh/pseh2.h"
#include "halhost.h"
#include "processor.h"

static_assert(sizeof(jmp_buf) <= sizeof(RTL_SEH2_JUMP_BUFFER), "a try's jump buffer holds the host's jmp_buf");

namespace hal {
namespace {

constexpr size_t kAltStackSize = 64 * 1024;
thread_local void *t_AltStack;

bool OnGuardPage(const Processor &P, const void *Address)
{
    auto *Limit = static_cast<const char *>(P.Current.Limit);
    auto Page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    auto *A = static_cast<const char *>(Address);
    return Limit && A < Limit && A >= Limit - Page;
}

// Makes the faulting thread, once the handler returns, call KiTrap0EHandler on its
// own stack (below the red zone) as if from the faulting instruction, which raises the
// access violation into the active try. FALSE where this host cannot (not x86-64).
bool EnterTrapHandler(void *Context, void *FaultAddress)
{
#if defined(__x86_64__) && defined(__linux__)
    auto *Registers = static_cast<ucontext_t *>(Context)->uc_mcontext.gregs;
    constexpr greg_t kWriteFault = 2, kInstructionFetch = 16; // page-fault error code bits
    greg_t Error = Registers[REG_ERR];
    ULONG_PTR Access = (Error & kInstructionFetch) ? 8 : (Error & kWriteFault) ? 1 : 0;
    auto Sp = static_cast<ULONG_PTR>(Registers[REG_RSP]);
    Sp = ((Sp - 128) & ~static_cast<ULONG_PTR>(15)) - sizeof(ULONG_PTR);
    *reinterpret_cast<greg_t *>(Sp) = Registers[REG_RIP];
    Registers[REG_RDI] = reinterpret_cast<greg_t>(FaultAddress);
    Registers[REG_RSI] = static_cast<greg_t>(Access);
    Registers[REG_RDX] = Registers[REG_RIP];
    Registers[REG_RSP] = static_cast<greg_t>(Sp);
    Registers[REG_RIP] = reinterpret_cast<greg_t>(&KiTrap0EHandler);
    return true;
#else
    return false;
#endif
}

void FaultHandler(int Signal, siginfo_t *Info, void *Context)
{
    Processor *P = CurrentProcessor();
    if (!P) { // host code, not the kernel: take the default action
        signal(Signal, SIG_DFL);
        return;
    }
    if (OnGuardPage(*P, Info->si_addr))
        KeBugCheckEx(UNEXPECTED_KERNEL_MODE_TRAP, EXCEPTION_DOUBLE_FAULT,
                     reinterpret_cast<ULONG_PTR>(Info->si_addr), reinterpret_cast<ULONG_PTR>(P->Current.Limit),
                     reinterpret_cast<ULONG_PTR>(P->Current.Base));
    if (P->Pcr->ExceptionList && EnterTrapHandler(Context, Info->si_addr))
        return;
    KeBugCheckEx(PAGE_FAULT_IN_NONPAGED_AREA, reinterpret_cast<ULONG_PTR>(Info->si_addr), 0, 0, 0);
}

} // namespace

// Gives this host thread an alternate signal stack (a stack overflow cannot run its
// handler on the overflowed stack) and routes faults to FaultHandler.
void InstallFaultHandlers()
{
    if (!t_AltStack) {
        t_AltStack = std::malloc(kAltStackSize);
        stack_t Alt{};
        Alt.ss_sp = t_AltStack;
        Alt.ss_size = kAltStackSize;
        sigaltstack(&Alt, nullptr);
    }
    struct sigaction Action {};
    Action.sa_sigaction = FaultHandler;
    Action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&Action.sa_mask);
    sigaction(SIGSEGV, &Action, nullptr);
    sigaction(SIGBUS, &Action, nullptr);
}

} // namespace hal

namespace hal {

// Releases this host thread's alternate signal stack before the thread ends.
void RemoveFaultHandlers()
{
    if (!t_AltStack)
        return;
    stack_t Alt{};
    Alt.ss_flags = SS_DISABLE;
    sigaltstack(&Alt, nullptr);
    std::free(t_AltStack);
    t_AltStack = nullptr;
}

} // namespace hal

// Returns to the try that filled JumpBuffer (the platform's longjmp, which the
// sanitizers follow). Any IRQL.
extern "C" DECLSPEC_NORETURN VOID HalHostLongJump(PVOID JumpBuffer)
{
    longjmp(*static_cast<jmp_buf *>(JumpBuffer), 1);
}
