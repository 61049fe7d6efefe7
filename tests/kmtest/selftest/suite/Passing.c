/* Passing.c - kmtest-run's self-test: a file whose tests all pass, with a skip. */
#include <kmt_test.h>

START_TEST(SelftestPasses)
{
    KEVENT Event;
    KeInitializeEvent(&Event, NotificationEvent, TRUE);
    ok_eq_long(KeReadStateEvent(&Event), 1L);
    ok_irql(PASSIVE_LEVEL);
    ok_eq_str("kmtest", "kmtest");
    ok_eq_wstr(L"kmtest", L"kmtest");
    if (!skip(FALSE, "a skip is counted, not failed\n"))
        ok(FALSE, "a skipped block ran\n");
}
