// fuzz_target.cpp - the libFuzzer entry (and, through afl-clang-fast's libFuzzer
// driver, AFL++'s persistent mode): every input is a program; a failed oracle aborts
// so the fuzzer keeps the input.
#include "fuzz_program.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size)
{
    ntos_fuzz::FuzzRunOptions Options;
    if (ntos_fuzz::FuzzRunProgram(Data, Size, Options).Failed)
        std::abort();
    return 0;
}
