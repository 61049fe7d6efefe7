/* Broken.c - kmtest-run's self-test: a file that does not build (an API this
 * kernel does not have). */
#include <kmt_test.h>

START_TEST(SelftestBroken)
{
    ok_eq_hex(KmtNoSuchKernelRoutine(), STATUS_SUCCESS);
}
