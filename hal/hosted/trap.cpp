// trap.cpp - hardware faults. SIGSEGV/SIGBUS on a kernel stack's guard page is a
// kernel stack overflow (UNEXPECTED_KERNEL_MODE_TRAP, double fault); any other fault
// while a processor runs kernel code is PAGE_FAULT_IN_NONPAGED_AREA.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>

#include "ntddk.h"
#include "processor.h"

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

void FaultHandler(int Signal, siginfo_t *Info, void *)
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
