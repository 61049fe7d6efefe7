// MmIsAddressValid: TRUE for pool, a kernel stack and a committed user page; FALSE for
// NULL, a non-canonical address, the guard page below a kernel stack, and a user page
// that is reserved but not committed or has been released.
#include "mm_test.h"

using namespace ntos_test;

namespace {

class MmIsAddressValidTest : public KernelTest {};

TEST_P(MmIsAddressValidTest, TellsBackedAddressesFromTheRest)
{
    KernelChecks C;
    ASSERT_EQ(RunWithUserProcess(C, [&](PEPROCESS Process) {
                  PVOID Pool = ExAllocatePoolWithTag(NonPagedPool, 64, 'tsmM');
                  C.Expect(Pool && MmIsAddressValid(Pool), "pool");
                  if (Pool)
                      ExFreePoolWithTag(Pool, 'tsmM');
                  UCHAR Local = 0;
                  C.Expect(MmIsAddressValid(&Local), "the current kernel stack");
                  PKTHREAD Thread = KeGetCurrentThread();
                  C.Expect(!MmIsAddressValid(static_cast<PUCHAR>(Thread->StackLimit) - 1),
                           "the guard page below the kernel stack");
                  C.Expect(!MmIsAddressValid(nullptr), "NULL");
                  C.Expect(!MmIsAddressValid(reinterpret_cast<PVOID>(0x5555555555555555ULL)), "non-canonical");

                  PUCHAR Buffer = AllocateUser(Process, 2 * PAGE_SIZE);
                  C.Expect(Buffer && MmIsAddressValid(Buffer + PAGE_SIZE), "a committed user page");
                  PVOID Reserved = nullptr;
                  C.Expect(NT_SUCCESS(Allocate(Process, &Reserved, PAGE_SIZE, MEM_RESERVE)) &&
                               !MmIsAddressValid(Reserved),
                           "a reserved user page never committed");
                  C.Expect(NT_SUCCESS(FreeUser(Process, Buffer)) && !MmIsAddressValid(Buffer),
                           "a released user page");
                  C.Expect(!Reserved || NT_SUCCESS(FreeUser(Process, Reserved)), "reservation released");
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(C.Count, 10);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

NTOS_INSTANTIATE_ALL_MODES(MmIsAddressValidTest);

} // namespace
