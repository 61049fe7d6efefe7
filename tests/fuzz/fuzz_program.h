// fuzz_program.h - the fuzzer's program language and its runner, shared by the
// libFuzzer and AFL++ entry, the corpus replay tool and ntosrun --replay.
//
// Every byte string is a program: byte 0 picks the processor count, bytes 1-8 the
// deterministic seed, and each following group of 5 bytes one operation (an opcode
// taken modulo the number of operations and four operand bytes; missing bytes read as
// zero). Operands name handle slots, object kinds, counts and timeouts; invalid values
// (closed, reused, kernel and pseudo handles, bad pointers, wrong types, out-of-range
// counts) are part of the language.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ntos_fuzz {

enum class FuzzOpCode : uint8_t {
    CreateProcess,
    CreateSystemThread,
    CreateUserThread,
    CreateObject,
    Signal,
    WaitSingle,
    WaitMultiple,
    Close,
    Duplicate,
    TerminateThread,
    TerminateProcess,
    ThreadControl,
    ProcessControl,
    QueueApc,
    SetInformation,
    AdvanceClock,
    Notify,
    InjectFault,
    Query,
    OpenByCid,
    SignalAndWait,
    Yield,
    Count
};

struct FuzzOp {
    FuzzOpCode Code;
    uint8_t A, B, C, D;
};

struct FuzzProgram {
    uint32_t Processors;
    uint64_t Seed;
    std::vector<FuzzOp> Ops;
};

inline constexpr size_t kFuzzHeaderBytes = 9;
inline constexpr size_t kFuzzOpBytes = 5;
inline constexpr size_t kFuzzMaxOps = 64;

// Decodes any byte string into a program (never fails; ops past kFuzzMaxOps are
// dropped).
FuzzProgram FuzzDecode(const uint8_t *Data, size_t Size);

// The name of an operation, for reports.
const char *FuzzOpName(FuzzOpCode Code);

struct FuzzRunOptions {
    bool Verbose = false;       // print each operation and its status
    bool HashSwitches = false;  // record the context-switch trace and hash it
    std::string InputName;      // the input's file, for the reproduction line
    std::function<void()> AtStart; // in the driver thread, before the first operation (ntosrun --trace)
    std::function<void()> AtEnd;   // in the driver thread, after the program ended
};

struct FuzzResult {
    bool Failed = false;        // an oracle fired (already reported)
    uint64_t SwitchHash = 0;    // FNV-1a of the switch trace (HashSwitches)
    uint32_t Switches = 0;
    uint32_t OpsRun = 0;
};

// Boots the machine the program names, runs it with the oracles after every step,
// shuts down and requires zero leaks. Any oracle firing is reported on stderr with the
// seed and a reproduction command, and Failed is set. On the host.
FuzzResult FuzzRunProgram(const uint8_t *Data, size_t Size, const FuzzRunOptions &Options);

// FuzzRunProgram on a file's content; false when it cannot be read.
bool FuzzRunFile(const std::string &Path, const FuzzRunOptions &Options, FuzzResult &Result);

} // namespace ntos_fuzz
