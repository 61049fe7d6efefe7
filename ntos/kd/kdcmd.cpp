// kdcmd.cpp - the debugger's command line: splits a WinDbg-style command into its
// words, reads their numbers the way WinDbg does (hex by default, 0n decimal, 0x hex,
// ` between the halves of a 64-bit address) and runs the view it names; and the kd
// summary a bugcheck prints.
#include "ke.h"
#include "kd.h"
#include "ps.h"

PCSTR KdBugCheckCommands;

namespace {

constexpr ULONG kMaximumCommand = 256;

typedef NTSTATUS(NTAPI *PKD_COMMAND_ROUTINE)(PKD_ARGUMENTS Arguments, BOOLEAN NoLocks);

struct KD_COMMAND {
    PCSTR Name;
    PKD_COMMAND_ROUTINE Routine;
};

const KD_COMMAND KdpCommands[] = {
    {"!process", KdpProcessCommand}, {"!thread", KdpThreadCommand}, {"!ready", KdpReadyCommand},
    {"!handle", KdpHandleCommand},   {"!poolused", KdpPoolUsedCommand}, {"!object", KdpObjectCommand},
    {"dt", KdpDisplayTypeCommand},   {"thread", KdpEnumThreadsCommand},
};

volatile LONG KdpBugCheckSummaryActive;

// Whether c separates words. Any IRQL.
bool KdpIsSpace(CHAR c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The value of digit c in Radix, or -1 if it is none. Any IRQL.
int KdpDigit(CHAR c, ULONG Radix)
{
    int Value = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                                 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : 99;
    return Value < (int)Radix ? Value : -1;
}

// Reads Text as a WinDbg number; FALSE if it is not one (or overflows).
BOOLEAN KdpParseNumber(PCSTR Text, ULONG64 *Value)
{
    ULONG Radix = 16;
    if (Text[0] == '0' && (Text[1] == 'x' || Text[1] == 'X'))
        Text += 2;
    else if (Text[0] == '0' && (Text[1] == 'n' || Text[1] == 'N'))
        Text += 2, Radix = 10;
    ULONG64 Result = 0;
    ULONG Digits = 0;
    for (; *Text; Text++) {
        if (*Text == '`')
            continue;
        int Digit = KdpDigit(*Text, Radix);
        if (Digit < 0 || Result > (~0ULL - (ULONG64)Digit) / Radix)
            return FALSE;
        Result = Result * Radix + (ULONG64)Digit;
        Digits++;
    }
    *Value = Result;
    return Digits != 0;
}

// Splits Line (modified in place) into the command word and its arguments; FALSE if
// there are too many.
BOOLEAN KdpSplit(PCHAR Line, PCSTR *Command, PKD_ARGUMENTS Arguments)
{
    *Command = NULL;
    Arguments->Count = 0;
    for (PCHAR p = Line; *p;) {
        while (KdpIsSpace(*p))
            *p++ = '\0';
        if (!*p)
            break;
        if (!*Command) {
            *Command = p;
        } else {
            if (Arguments->Count == RTL_NUMBER_OF(Arguments->Text))
                return FALSE;
            ULONG i = Arguments->Count++;
            Arguments->Text[i] = p;
        }
        while (*p && !KdpIsSpace(*p))
            p++;
    }
    for (ULONG i = 0; i < Arguments->Count; i++)
        Arguments->IsNumber[i] = KdpParseNumber(Arguments->Text[i], &Arguments->Value[i]);
    return TRUE;
}

// Runs one command line. At PASSIVE_LEVEL, or any IRQL with NoLocks.
NTSTATUS KdpRunCommand(PCSTR Command, BOOLEAN NoLocks)
{
    CHAR Line[kMaximumCommand];
    SIZE_T Length = 0;
    if (!Command) {
        DbgPrint("kd: no command\n");
        return STATUS_INVALID_PARAMETER;
    }
    while (Command[Length] && Length < kMaximumCommand)
        Length++;
    if (Length == kMaximumCommand) {
        DbgPrint("kd: command longer than %u characters\n", kMaximumCommand - 1);
        return STATUS_INVALID_PARAMETER;
    }
    RtlCopyMemory(Line, Command, Length + 1);
    PCSTR Word;
    KD_ARGUMENTS Arguments;
    if (!KdpSplit(Line, &Word, &Arguments)) {
        DbgPrint("kd: too many arguments: %s\n", Command);
        return STATUS_INVALID_PARAMETER;
    }
    if (!Word) {
        DbgPrint("kd: no command\n");
        return STATUS_INVALID_PARAMETER;
    }
    for (const KD_COMMAND &Entry : KdpCommands) {
        if (KdpEqualNoCase(Word, Entry.Name))
            return Entry.Routine(&Arguments, NoLocks);
    }
    DbgPrint("kd: unknown command '%s'\n", Word);
    return STATUS_INVALID_PARAMETER;
}

// Runs each command of a list separated by ';' or newlines. Any IRQL (no locks).
VOID KdpRunCommandList(PCSTR List)
{
    CHAR Command[kMaximumCommand];
    while (*List) {
        SIZE_T Length = 0;
        while (List[Length] && List[Length] != ';' && List[Length] != '\n')
            Length++;
        if (Length < kMaximumCommand) {
            RtlCopyMemory(Command, List, Length);
            Command[Length] = '\0';
            DbgPrint("kd> %s\n", Command);
            KdpRunCommand(Command, TRUE);
        } else {
            DbgPrint("kd: command longer than %u characters\n", kMaximumCommand - 1);
        }
        List += Length;
        if (*List)
            List++;
    }
}

} // namespace

// Whether two strings are equal, ASCII letters in either case. Any IRQL.
extern "C" BOOLEAN NTAPI KdpEqualNoCase(PCSTR a, PCSTR b)
{
    for (; *a && *b; a++, b++) {
        CHAR x = (*a >= 'A' && *a <= 'Z') ? (CHAR)(*a + 32) : *a;
        CHAR y = (*b >= 'A' && *b <= 'Z') ? (CHAR)(*b + 32) : *b;
        if (x != y)
            return FALSE;
    }
    return *a == *b;
}

// Runs a WinDbg command and prints its view. With locks at PASSIVE_LEVEL (a system
// thread); without, from a host thread, above APC_LEVEL or once a bugcheck began.
extern "C" NTSTATUS NTAPI KdExecuteCommand(PCSTR Command)
{
    BOOLEAN NoLocks = !KdpCurrentThread() || KeGetCurrentIrql() > APC_LEVEL ||
                      __atomic_load_n(&KdpBugCheckSummaryActive, __ATOMIC_ACQUIRE);
    return KdpRunCommand(Command, NoLocks);
}

// KdExecuteCommand taking no locks. Any IRQL; the views read state other processors
// may be changing.
extern "C" NTSTATUS NTAPI KdpExecuteCommandNoLocks(PCSTR Command)
{
    return KdpRunCommand(Command, TRUE);
}

// The thread running on this processor, or NULL on a host thread that is no
// processor (a view run from gdb). Any IRQL.
extern "C" PKTHREAD NTAPI KdpCurrentThread(VOID)
{
    return HalHostCurrentPcr() ? KeGetCurrentThread() : NULL;
}

// The bugcheck's kd summary: the current thread, the ready queues, then the host's
// commands; runs once, so a fault inside it cannot loop. HIGH_LEVEL.
extern "C" VOID NTAPI KdpBugCheckSummary(VOID)
{
    if (InterlockedExchange(&KdpBugCheckSummaryActive, 1))
        return;
    PKTHREAD Thread = KdpCurrentThread();
    DbgPrint("\n*** kd summary\n");
    if (Thread) {
        DbgPrint("kd> !thread %p\n", (PVOID)Thread);
        KdpDisplayThread(CONTAINING_RECORD(Thread, ETHREAD, Tcb), KD_THREAD_DETAILS | KD_THREAD_STACK, TRUE);
    }
    DbgPrint("kd> !ready\n");
    KdpRunCommand("!ready", TRUE);
    PCSTR Commands = __atomic_load_n(&KdBugCheckCommands, __ATOMIC_ACQUIRE);
    if (Commands)
        KdpRunCommandList(Commands);
}
