// kmt_log.cpp - the result buffer and what writes to it: ok, trace, skip and the
// summary line. Each message is "file:line: ..." with the file reduced to its base
// name; successes only count, failures and skips also log.
#include <cstring>
#include <initializer_list>

#include "kmt_test.h"

extern "C" {
PKMT_RESULTBUFFER ResultBuffer = nullptr;
}

namespace {

constexpr size_t MessageMax = 512;

// Appends Length bytes to Buffer's log, reserving the room with a compare-exchange
// so that threads and DPCs may log at once; a message that does not fit is dropped.
// Any IRQL.
void AddToLog(PKMT_RESULTBUFFER Buffer, const char *Text, size_t Length)
{
    if (!Buffer)
        return;
    LONG OldLength, NewLength;
    do {
        OldLength = Buffer->LogBufferLength;
        NewLength = OldLength + (LONG)Length;
        if (NewLength > Buffer->LogBufferMaxLength)
            return;
    } while (InterlockedCompareExchange(&Buffer->LogBufferLength, NewLength, OldLength) != OldLength);
    memcpy(&Buffer->LogBuffer[OldLength], Text, Length);
}

// Builds "base-name-of-file:line" + Prefix + formatted message in Message; returns
// its length. Any IRQL.
size_t FormatMessage(char (&Message)[MessageMax], PCSTR FileAndLine, PCSTR Prefix, PCSTR Format, va_list Arguments)
{
    size_t Length = 0;
    auto Append = [&](const char *Text) {
        size_t Count = strnlen(Text, MessageMax - 1 - Length);
        memcpy(Message + Length, Text, Count);
        Length += Count;
    };
    if (FileAndLine) {
        for (const char *Separator : {strrchr(FileAndLine, '\\'), strrchr(FileAndLine, '/')})
            if (Separator && Separator + 1 > FileAndLine)
                FileAndLine = Separator + 1;
        Append(FileAndLine);
    }
    if (Prefix)
        Append(Prefix);
    if (Format) {
        INT Full = KmtVSNPrintF(Message + Length, MessageMax - Length, Format, Arguments);
        Length += (size_t)Full < MessageMax - 1 - Length ? (size_t)Full : MessageMax - 1 - Length;
    }
    Message[Length] = 0;
    return Length;
}

// Formats and logs one message. Any IRQL.
void LogMessage(PCSTR FileAndLine, PCSTR Prefix, PCSTR Format, va_list Arguments)
{
    char Message[MessageMax];
    size_t Length = FormatMessage(Message, FileAndLine, Prefix, Format, Arguments);
    AddToLog(ResultBuffer, Message, Length);
}

} // namespace

// Counts a check; a failed one logs "file:line: Test failed: message". Returns
// whether Condition held. Any IRQL.
extern "C" BOOLEAN KmtVOk(INT Condition, PCSTR FileAndLine, PCSTR Format, va_list Arguments)
{
    if (!ResultBuffer)
        return Condition != 0;
    if (Condition) {
        InterlockedIncrement(&ResultBuffer->Successes);
    } else {
        InterlockedIncrement(&ResultBuffer->Failures);
        LogMessage(FileAndLine, ": Test failed: ", Format, Arguments);
    }
    return Condition != 0;
}

// KmtVOk with its arguments inline. Any IRQL.
extern "C" BOOLEAN KmtOk(INT Condition, PCSTR FileAndLine, PCSTR Format, ...)
{
    va_list Arguments;
    va_start(Arguments, Format);
    BOOLEAN Result = KmtVOk(Condition, FileAndLine, Format, Arguments);
    va_end(Arguments);
    return Result;
}

// Logs "file:line: message". Any IRQL.
extern "C" VOID KmtVTrace(PCSTR FileAndLine, PCSTR Format, va_list Arguments)
{
    LogMessage(FileAndLine, ": ", Format, Arguments);
}

// KmtVTrace with its arguments inline. Any IRQL.
extern "C" VOID KmtTrace(PCSTR FileAndLine, PCSTR Format, ...)
{
    va_list Arguments;
    va_start(Arguments, Format);
    KmtVTrace(FileAndLine, Format, Arguments);
    va_end(Arguments);
}

// Returns TRUE when the caller must skip, that is when Condition is false; a skip
// counts and logs "file:line: Tests skipped: message". Any IRQL.
extern "C" BOOLEAN KmtVSkip(INT Condition, PCSTR FileAndLine, PCSTR Format, va_list Arguments)
{
    if (!ResultBuffer)
        return !Condition;
    if (!Condition) {
        InterlockedIncrement(&ResultBuffer->Skipped);
        LogMessage(FileAndLine, ": Tests skipped: ", Format, Arguments);
    }
    return !Condition;
}

// KmtVSkip with its arguments inline. Any IRQL.
extern "C" BOOLEAN KmtSkip(INT Condition, PCSTR FileAndLine, PCSTR Format, ...)
{
    va_list Arguments;
    va_start(Arguments, Format);
    BOOLEAN Result = KmtVSkip(Condition, FileAndLine, Format, Arguments);
    va_end(Arguments);
    return Result;
}

namespace {
// LogMessage for a message built from its own arguments.
void LogFormatted(PCSTR Format, ...)
{
    va_list Arguments;
    va_start(Arguments, Format);
    LogMessage(nullptr, nullptr, Format, Arguments);
    va_end(Arguments);
}
} // namespace

// Logs the summary line "Name: N tests executed (0 marked as todo, F failures),
// S skipped.". Any IRQL.
extern "C" VOID KmtFinishTest(PCSTR TestName)
{
    if (!ResultBuffer)
        return;
    LogFormatted("%s: %ld tests executed (0 marked as todo, %ld failures), %ld skipped.\n", TestName,
                 ResultBuffer->Successes + ResultBuffer->Failures, ResultBuffer->Failures, ResultBuffer->Skipped);
}
