// Failing.cpp - kmtest-run's self-test: a C++ file with one failing check (and a
// passing one), a test that bugchecks, and a test that leaks pool.
#include <kmt_test.h>

START_TEST(SelftestFails)
{
    ok_eq_int(1 + 1, 2);
    ok_eq_hex((NTSTATUS)STATUS_SUCCESS, (NTSTATUS)STATUS_UNSUCCESSFUL);
}

START_TEST(SelftestBugchecks)
{
    ok_eq_int(2, 2);
    KeBugCheckEx(0xDEADDEAD, 1, 2, 3, 4);
}

START_TEST(SelftestLeaks)
{
    ok(ExAllocatePoolWithTag(NonPagedPool, 64, 'kaeL') != NULL, "no pool\n");
}
