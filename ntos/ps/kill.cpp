// kill.cpp - thread termination's last step: the reaper, which frees the kernel
// stacks of terminated threads once they have switched away for good.
#include "ke.h"
#include "mm.h"
#include "ps.h"

SINGLE_LIST_ENTRY PspReaperListHead;

// Frees the kernel stack of every thread KeTerminateThread put on the reaper list,
// waiting for each one's final switch (SwapBusy) to complete. At PASSIVE_LEVEL.
extern "C" VOID NTAPI PspReapRoutine(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    for (;;) {
        auto *Link = static_cast<PSINGLE_LIST_ENTRY>(
            InterlockedExchangePointer(reinterpret_cast<PVOID volatile *>(&PspReaperListHead.Next), NULL));
        if (!Link)
            return;
        while (Link) {
            PETHREAD Thread = CONTAINING_RECORD(reinterpret_cast<PETHREAD *>(Link), ETHREAD, ReaperLink);
            Link = Link->Next;
            while (__atomic_load_n(&Thread->Tcb.SwapBusy, __ATOMIC_ACQUIRE))
                KeYieldProcessor();
            MmDeleteKernelStack(Thread->Tcb.StackBase, FALSE);
            Thread->Tcb.InitialStack = NULL;
            Thread->Tcb.StackBase = NULL;
        }
    }
}
