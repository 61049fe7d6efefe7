// kd_test.h - scaffolding of the debugger views' tests: run a command inside the
// kernel and return what it printed (DbgPrint goes to the HAL console, stderr), and
// format addresses as the views' %p does.
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>

#include "kd.h"
#include "ps_test.h"

namespace kd_test {

struct KdOutput {
    NTSTATUS Status;
    std::string Text;
};

// Inside the kernel: runs a kd command, capturing what it prints.
inline KdOutput RunKd(const std::string &Command, bool NoLocks = false)
{
    testing::internal::CaptureStderr();
    NTSTATUS Status = NoLocks ? KdpExecuteCommandNoLocks(Command.c_str()) : KdExecuteCommand(Command.c_str());
    return {Status, testing::internal::GetCapturedStderr()};
}

// An address as DbgPrint's %p prints it.
inline std::string Pointer(const void *Value)
{
    char Text[32];
    std::snprintf(Text, sizeof(Text), "%p", Value);
    return Text;
}

// An address as a kd argument (hex, no 0x).
inline std::string Argument(const void *Value)
{
    char Text[32];
    std::snprintf(Text, sizeof(Text), "%llx", static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(Value)));
    return Text;
}

inline bool Contains(const std::string &Text, const std::string &Part) { return Text.find(Part) != std::string::npos; }

} // namespace kd_test
