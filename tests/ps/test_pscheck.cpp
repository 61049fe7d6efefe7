// The process manager's invariant check (PspCheckInvariants, the fuzzer's ps oracle)
// in every machine mode: silent on a live system, and each direction catches what it
// is for: a CID table entry holding something that is no process or thread, and a
// thread whose ID no longer matches its entry (seen from its process's list and from
// the table).
#include "ps_test.h"

using namespace ntos_test;
using namespace ps_test;

namespace {

class PsCheckTest : public KernelTest {};

TEST_P(PsCheckTest, TheCidTableAndTheThreadListsAgreeAndDisagreementsAreCounted)
{
    KernelChecks Checks;
    ASSERT_EQ(RunInKernel([&] {
                  HANDLE Process;
                  ASSERT_EQ(CreateProcess(&Process), STATUS_SUCCESS);
                  BlockedThread Blocked;
                  ASSERT_EQ(Blocked.Start(Process), STATUS_SUCCESS);
                  PETHREAD Thread = Reference<ETHREAD>(Blocked.Handle, *PsThreadType);
                  SpinUntilWaiting(&Thread->Tcb, Executive);
                  Checks.Expect(PspCheckInvariants() == 0, "a live system passes");

                  HANDLE EventHandle;
                  OBJECT_ATTRIBUTES Attributes;
                  InitializeObjectAttributes(&Attributes, nullptr, OBJ_KERNEL_HANDLE, nullptr, nullptr);
                  ASSERT_EQ(ZwCreateEvent(&EventHandle, EVENT_ALL_ACCESS, &Attributes, NotificationEvent, FALSE),
                            STATUS_SUCCESS);
                  PVOID Event = Reference<VOID>(EventHandle, *ExEventObjectType);
                  HANDLE Stray = PspCreateCidHandle(Event);
                  ASSERT_NE(Stray, nullptr);
                  Checks.Expect(PspCheckInvariants() == 1, "a CID entry holding an event");
                  ExDestroyHandle(PspCidTable, Stray, nullptr);
                  ObDereferenceObject(Event);
                  ZwClose(EventHandle);

                  HANDLE Tid = Thread->Cid.UniqueThread;
                  Thread->Cid.UniqueThread = reinterpret_cast<HANDLE>(0x7FFFFFFC);
                  Checks.Expect(PspCheckInvariants() == 2,
                                "a thread whose ID is not its entry's: not found by it, and its entry disagrees");
                  Thread->Cid.UniqueThread = Tid;
                  Checks.Expect(PspCheckInvariants() == 0, "restored");

                  Blocked.Release();
                  ObDereferenceObject(Thread);
                  ZwTerminateProcess(Process, STATUS_SUCCESS);
                  ZwClose(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(Checks.Failures.empty()) << Checks.Report();
}

} // namespace

NTOS_INSTANTIATE_ALL_MODES(PsCheckTest);
