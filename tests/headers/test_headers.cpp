// The public headers compile as C++20 too, and C code built against them runs in
// the kernel.
#include <gtest/gtest.h>

#include "ntddk.h"
#include "ntifs.h"
#include "ndk/ntndk.h"
#include "nthost.h"

extern "C" NTSTATUS HeadersRunCRoutine(PULONG Result);

static_assert(sizeof(LARGE_INTEGER) == 8);
static_assert(STATUS_THREAD_IS_TERMINATING == static_cast<NTSTATUS>(0xC000004B));
static_assert(MAXIMUM_PRIORITY == 32);

TEST(Headers, CCodeRunsInTheKernel)
{
    ULONG Result = 0;
    EXPECT_EQ(HeadersRunCRoutine(&Result), STATUS_SUCCESS);
    EXPECT_EQ(Result, 14 * sizeof(WCHAR) + 1000 + 10000 + 100000)
        << "the C routine saw a 14-character name, a clear event and a released lock, caught a raised status, "
           "an access violation, and a probe of a kernel buffer as a user one";
}
