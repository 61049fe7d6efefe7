// bug.cpp - bugchecks: the stop screen (code name, parameters, processor, thread,
// process, backtrace), then the machine stops for good.
#include <stdio.h>

#include "ke.h"
#include "kd.h"
#include "ps.h"

namespace {

struct BugCheckName {
    ULONG Code;
    PCSTR Name;
};

#define BUGCHECK_NAME(x) {x, #x}
const BugCheckName KiBugCheckNames[] = {
    BUGCHECK_NAME(APC_INDEX_MISMATCH),
    BUGCHECK_NAME(IRQL_UNEXPECTED_VALUE),
    BUGCHECK_NAME(THREAD_TERMINATE_HELD_MUTEX),
    BUGCHECK_NAME(INVALID_AFFINITY_SET),
    BUGCHECK_NAME(INVALID_DATA_ACCESS_TRAP),
    BUGCHECK_NAME(INVALID_PROCESS_ATTACH_ATTEMPT),
    BUGCHECK_NAME(INVALID_PROCESS_DETACH_ATTEMPT),
    BUGCHECK_NAME(INVALID_SOFTWARE_INTERRUPT),
    BUGCHECK_NAME(IRQL_NOT_DISPATCH_LEVEL),
    BUGCHECK_NAME(IRQL_NOT_GREATER_OR_EQUAL),
    BUGCHECK_NAME(IRQL_NOT_LESS_OR_EQUAL),
    BUGCHECK_NAME(NO_EXCEPTION_HANDLING_SUPPORT),
    BUGCHECK_NAME(MAXIMUM_WAIT_OBJECTS_EXCEEDED),
    BUGCHECK_NAME(MUTEX_LEVEL_NUMBER_VIOLATION),
    BUGCHECK_NAME(NO_USER_MODE_CONTEXT),
    BUGCHECK_NAME(SPIN_LOCK_ALREADY_OWNED),
    BUGCHECK_NAME(SPIN_LOCK_NOT_OWNED),
    BUGCHECK_NAME(THREAD_NOT_MUTEX_OWNER),
    BUGCHECK_NAME(TRAP_CAUSE_UNKNOWN),
    BUGCHECK_NAME(REFERENCE_BY_POINTER),
    BUGCHECK_NAME(BAD_POOL_HEADER),
    BUGCHECK_NAME(KMODE_EXCEPTION_NOT_HANDLED),
    BUGCHECK_NAME(SHARED_RESOURCE_CONV_ERROR),
    BUGCHECK_NAME(KERNEL_APC_PENDING_DURING_EXIT),
    BUGCHECK_NAME(QUOTA_UNDERFLOW),
    BUGCHECK_NAME(PANIC_STACK_SWITCH),
    BUGCHECK_NAME(NO_MORE_SYSTEM_PTES),
    BUGCHECK_NAME(MUST_SUCCEED_POOL_EMPTY),
    BUGCHECK_NAME(PAGE_FAULT_WITH_INTERRUPTS_OFF),
    BUGCHECK_NAME(IRQL_GT_ZERO_AT_SYSTEM_SERVICE),
    BUGCHECK_NAME(PFN_LIST_CORRUPT),
    BUGCHECK_NAME(PAGE_FAULT_IN_NONPAGED_AREA),
    BUGCHECK_NAME(HAL_INITIALIZATION_FAILED),
    BUGCHECK_NAME(OBJECT_INITIALIZATION_FAILED),
    BUGCHECK_NAME(KERNEL_STACK_INPAGE_ERROR),
    BUGCHECK_NAME(PHASE0_INITIALIZATION_FAILED),
    BUGCHECK_NAME(PHASE1_INITIALIZATION_FAILED),
    BUGCHECK_NAME(SYSTEM_THREAD_EXCEPTION_NOT_HANDLED),
    BUGCHECK_NAME(UNEXPECTED_KERNEL_MODE_TRAP),
    BUGCHECK_NAME(KERNEL_MODE_EXCEPTION_NOT_HANDLED),
    BUGCHECK_NAME(INVALID_KERNEL_HANDLE),
    BUGCHECK_NAME(INVALID_WORK_QUEUE_ITEM),
    BUGCHECK_NAME(ATTEMPTED_SWITCH_FROM_DPC),
    BUGCHECK_NAME(BAD_POOL_CALLER),
    BUGCHECK_NAME(DRIVER_VERIFIER_DETECTED_VIOLATION),
    BUGCHECK_NAME(RESOURCE_NOT_OWNED),
    BUGCHECK_NAME(KERNEL_SECURITY_CHECK_FAILURE),
    BUGCHECK_NAME(DRIVER_CORRUPTED_EXPOOL),
    BUGCHECK_NAME(WORKER_THREAD_RETURNED_AT_BAD_IRQL),
    BUGCHECK_NAME(MANUALLY_INITIATED_CRASH),
    BUGCHECK_NAME(WORKER_INVALID),
    BUGCHECK_NAME(THREAD_STUCK_IN_DEVICE_DRIVER),
    BUGCHECK_NAME(CRITICAL_OBJECT_TERMINATION),
    BUGCHECK_NAME(CID_HANDLE_DELETION),
    BUGCHECK_NAME(ACTIVE_EX_WORKER_THREAD_TERMINATION),
};
#undef BUGCHECK_NAME

PCSTR KiBugCheckName(ULONG Code)
{
    for (const BugCheckName &Entry : KiBugCheckNames) {
        if (Entry.Code == Code)
            return Entry.Name;
    }
    return "UNKNOWN_BUGCHECK_CODE";
}

volatile LONG KiBugCheckActive;

} // namespace

// Stops the system: prints the stop code by name with its parameters, the current
// processor, thread and process, a backtrace and the kd summary, then aborts. Any IRQL.
extern "C" VOID NTAPI KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4)
{
    char Line[512];
    PKPCR Pcr = HalHostCurrentPcr();
    if (InterlockedIncrement(&KiBugCheckActive) > 1) {
        HalHostWriteConsole("*** Recursive bugcheck\n", 23);
        HalHostAbort();
    }
    if (Pcr)
        Pcr->Irql = HIGH_LEVEL;
    int Length = snprintf(Line, sizeof(Line),
                          "\n*** STOP: 0x%08X (0x%016llX,0x%016llX,0x%016llX,0x%016llX)\n*** %s\n",
                          (unsigned)BugCheckCode, (unsigned long long)P1, (unsigned long long)P2,
                          (unsigned long long)P3, (unsigned long long)P4, KiBugCheckName(BugCheckCode));
    HalHostWriteConsole(Line, (SIZE_T)Length);
    if (Pcr) {
        PKTHREAD Thread = Pcr->Prcb.CurrentThread;
        Length = snprintf(Line, sizeof(Line), "*** Processor %u, thread %p (sequence %u), process %p\n",
                          (unsigned)Pcr->Number, (void *)Thread, Thread ? (unsigned)Thread->HostSequence : 0,
                          Thread ? (void *)Thread->ApcState.Process : nullptr);
        HalHostWriteConsole(Line, (SIZE_T)Length);
    }
    HalHostPrintBacktrace();
    KdpBugCheckSummary();
    HalHostAbort();
}

// KeBugCheckEx with zero parameters. Any IRQL.
extern "C" VOID NTAPI KeBugCheck(ULONG BugCheckCode)
{
    KeBugCheckEx(BugCheckCode, 0, 0, 0, 0);
}
