// fuzz_decode.cpp - the decoder: every byte string is a program.
#include "fuzz_program.h"

namespace ntos_fuzz {

namespace {

// The byte at Index, or zero past the end.
uint8_t ByteAt(const uint8_t *Data, size_t Size, size_t Index)
{
    return Index < Size ? Data[Index] : 0;
}

} // namespace

FuzzProgram FuzzDecode(const uint8_t *Data, size_t Size)
{
    FuzzProgram Program;
    Program.Processors = 1 + ByteAt(Data, Size, 0) % 4;
    Program.Seed = 0;
    for (size_t i = 0; i < 8; i++)
        Program.Seed |= (uint64_t)ByteAt(Data, Size, 1 + i) << (8 * i);
    for (size_t Offset = kFuzzHeaderBytes; Offset < Size && Program.Ops.size() < kFuzzMaxOps;
         Offset += kFuzzOpBytes) {
        FuzzOp Op;
        Op.Code = static_cast<FuzzOpCode>(ByteAt(Data, Size, Offset) % static_cast<uint8_t>(FuzzOpCode::Count));
        Op.A = ByteAt(Data, Size, Offset + 1);
        Op.B = ByteAt(Data, Size, Offset + 2);
        Op.C = ByteAt(Data, Size, Offset + 3);
        Op.D = ByteAt(Data, Size, Offset + 4);
        Program.Ops.push_back(Op);
    }
    return Program;
}

const char *FuzzOpName(FuzzOpCode Code)
{
    static const char *const Names[] = {
        "CreateProcess", "CreateSystemThread", "CreateUserThread", "CreateObject",  "Signal",       "WaitSingle",
        "WaitMultiple",  "Close",              "Duplicate",        "TerminateThread", "TerminateProcess",
        "ThreadControl", "ProcessControl",     "QueueApc",         "SetInformation",  "AdvanceClock", "Notify",
        "InjectFault",   "Query",              "OpenByCid",        "SignalAndWait",   "Yield"};
    static_assert(sizeof(Names) / sizeof(Names[0]) == static_cast<size_t>(FuzzOpCode::Count));
    return Names[static_cast<size_t>(Code)];
}

} // namespace ntos_fuzz
