// catch_code.h - runs a body inside a _SEH2_TRY and returns the code of the exception
// it raised, or STATUS_SUCCESS. Inside the kernel.
#pragma once

#include "ntos_test.h"
#include "pseh/pseh2.h"

namespace ntos_test {

template <typename Body> NTSTATUS CatchCode(Body Run)
{
    _SEH2_VOLATILE NTSTATUS Code = STATUS_SUCCESS;
    _SEH2_TRY {
        Run();
    } _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER) {
        Code = _SEH2_GetExceptionCode();
    } _SEH2_END;
    return Code;
}

} // namespace ntos_test
