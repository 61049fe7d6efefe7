// Executive mutant objects in every machine mode: NtCreateMutant owned or free,
// recursive ownership through waits, NtReleaseMutant's previous count and
// STATUS_MUTANT_NOT_OWNED for a thread that does not own it, NtQueryMutant's basic and
// owner classes, a mutant abandoned by its owner's exit (STATUS_ABANDONED_WAIT_0 for
// the next owner), and a mutant whose last handle closes while it is owned.
#include "exobj_test.h"

using namespace ntos_test;
using namespace ps_test;

namespace {

class ExMutantTest : public KernelTest {};

MUTANT_BASIC_INFORMATION QueryMutant(HANDLE Mutant)
{
    MUTANT_BASIC_INFORMATION Basic{-9, FALSE, FALSE};
    ZwQueryMutant(Mutant, MutantBasicInformation, &Basic, sizeof(Basic), nullptr);
    return Basic;
}

TEST_P(ExMutantTest, OwnershipIsRecursiveAndOnlyTheOwnerReleases)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  ObjectName Unnamed;
                  HANDLE Mutant;
                  ASSERT_EQ(ZwCreateMutant(&Mutant, MUTANT_ALL_ACCESS, &Unnamed.Attributes, TRUE), STATUS_SUCCESS);
                  MUTANT_BASIC_INFORMATION Basic = QueryMutant(Mutant);
                  C.Expect(Basic.CurrentCount == 0 && Basic.OwnedByCaller && !Basic.AbandonedState, "created owned");
                  C.Expect(ZwWaitForSingleObject(Mutant, FALSE, nullptr) == STATUS_SUCCESS, "the owner waits again");
                  C.Expect(QueryMutant(Mutant).CurrentCount == -1, "owned twice");
                  MUTANT_OWNER_INFORMATION Owner{};
                  C.Expect(ZwQueryMutant(Mutant, MutantOwnerInformation, &Owner, sizeof(Owner), nullptr) ==
                                   STATUS_SUCCESS &&
                               Owner.ClientId.UniqueThread == PsGetCurrentThreadId(),
                           "the owner's client ID");
                  NTSTATUS Other = STATUS_PENDING;
                  std::function<void()> Body = [&] { Other = ZwReleaseMutant(Mutant, nullptr); };
                  HANDLE Thread;
                  StartThreadIn(nullptr, &Body, &Thread);
                  WaitHandle(Thread);
                  ZwClose(Thread);
                  C.Expect(Other == STATUS_MUTANT_NOT_OWNED, "another thread cannot release it");
                  LONG Previous = 1;
                  C.Expect(ZwReleaseMutant(Mutant, &Previous) == STATUS_SUCCESS && Previous == -1, "released once");
                  C.Expect(ZwReleaseMutant(Mutant, &Previous) == STATUS_SUCCESS && Previous == 0, "released twice");
                  Basic = QueryMutant(Mutant);
                  C.Expect(Basic.CurrentCount == 1 && !Basic.OwnedByCaller, "free");
                  C.Expect(ZwQueryMutant(Mutant, MutantOwnerInformation, &Owner, sizeof(Owner), nullptr) ==
                                   STATUS_SUCCESS &&
                               Owner.ClientId.UniqueThread == nullptr,
                           "no owner");
                  C.Expect(ZwReleaseMutant(Mutant, nullptr) == STATUS_MUTANT_NOT_OWNED, "a free mutant");
                  C.Expect(ZwQueryMutant(Mutant, (MUTANT_INFORMATION_CLASS)2, &Basic, sizeof(Basic), nullptr) ==
                               STATUS_INVALID_INFO_CLASS,
                           "no third class");
                  ZwClose(Mutant);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ExMutantTest, AnOwnerThatExitsAbandonsItToTheNextWaiter)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  ObjectName Unnamed;
                  HANDLE Mutant;
                  ASSERT_EQ(ZwCreateMutant(&Mutant, MUTANT_ALL_ACCESS, &Unnamed.Attributes, FALSE), STATUS_SUCCESS);
                  NTSTATUS Took = STATUS_PENDING;
                  std::function<void()> Owner = [&] { Took = ZwWaitForSingleObject(Mutant, FALSE, nullptr); };
                  HANDLE Thread;
                  StartThreadIn(nullptr, &Owner, &Thread);
                  WaitHandle(Thread);
                  ZwClose(Thread);
                  C.Expect(Took == STATUS_SUCCESS, "the thread took it and exited owning it");
                  MUTANT_BASIC_INFORMATION Basic = QueryMutant(Mutant);
                  C.Expect(Basic.CurrentCount == 1 && Basic.AbandonedState, "abandoned and free");
                  C.Expect(ZwWaitForSingleObject(Mutant, FALSE, nullptr) == STATUS_ABANDONED_WAIT_0,
                           "the next owner hears it was abandoned");
                  Basic = QueryMutant(Mutant);
                  C.Expect(Basic.OwnedByCaller && !Basic.AbandonedState, "owned afresh");
                  C.Expect(ZwReleaseMutant(Mutant, nullptr) == STATUS_SUCCESS, "and released normally");
                  ZwClose(Mutant);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(ExMutantTest, AMutantClosedWhileOwnedLeavesItsOwnersList)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  ObjectName Unnamed;
                  KEVENT Closed;
                  KeInitializeEvent(&Closed, NotificationEvent, FALSE);
                  NTSTATUS Created = STATUS_PENDING;
                  HANDLE Mutant = nullptr;
                  volatile LONG Ready = 0;
                  std::function<void()> Owner = [&] {
                      Created = ZwCreateMutant(&Mutant, MUTANT_ALL_ACCESS, &Unnamed.Attributes, TRUE);
                      InterlockedExchange(&Ready, 1);
                      KeWaitForSingleObject(&Closed, Executive, KernelMode, FALSE, nullptr);
                  };
                  HANDLE Thread;
                  StartThreadIn(nullptr, &Owner, &Thread);
                  SpinUntil([&] { return ReadShared(Ready) != 0; });
                  C.Expect(Created == STATUS_SUCCESS, "created owned by the other thread");
                  PETHREAD Object = Reference<ETHREAD>(Thread, *PsThreadType);
                  SpinUntilWaiting(&Object->Tcb, Executive);
                  C.Expect(!IsListEmpty(&Object->Tcb.MutantListHead), "on its owner's list");
                  ZwClose(Mutant);
                  C.Expect(IsListEmpty(&Object->Tcb.MutantListHead), "the deleted mutant left the list");
                  ObDereferenceObject(Object);
                  KeSetEvent(&Closed, 0, FALSE);
                  WaitHandle(Thread);
                  ZwClose(Thread);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

} // namespace

NTOS_INSTANTIATE_ALL_MODES(ExMutantTest);
