// console.cpp - console output, backtraces and the final abort of a bugcheck.
#include <execinfo.h>
#include <unistd.h>

#include <cstdlib>

#include "halhost.h"

extern "C" VOID HalHostWriteConsole(PCSTR Text, SIZE_T Length)
{
    while (Length > 0) {
        ssize_t Written = write(STDERR_FILENO, Text, Length);
        if (Written <= 0)
            return;
        Text += Written;
        Length -= static_cast<SIZE_T>(Written);
    }
}

extern "C" VOID HalHostPrintBacktrace(VOID)
{
    void *Frames[64];
    int Count = backtrace(Frames, 64);
    backtrace_symbols_fd(Frames, Count, STDERR_FILENO);
}

extern "C" VOID HalHostAbort(VOID)
{
    std::abort();
}
