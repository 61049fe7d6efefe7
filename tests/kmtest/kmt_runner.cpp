// kmt_runner.cpp - the runner, in place of kmtest.exe and kmtest_drv: it walks
// TestList, and runs each test in a child process that boots the hosted kernel,
// calls the test in a system thread and shuts down, leak check included. The result
// buffer is shared with the child, so a test that bugchecks, hangs or leaks is
// reported as a failure of that test with its log so far.
//
//   runner [--list] [--processors N] [--deterministic] [--seed S] [--timeout SEC]
//          [--no-fork] [Name...]
// With no names it runs every test not hidden ('-' prefix). Exit status 1 when any
// test failed, crashed or is unknown.
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "kmt_test.h"
#include "nthost.h"

namespace {

constexpr LONG LogSize = 1 << 20;

struct RunnerOptions {
    NTOS_BOOT_OPTIONS Boot{};
    int TimeoutSeconds = 300;
    bool Fork = true;
    bool List = false;
    std::vector<std::string> Names;
};

// The test's name as the user gives it (without the hidden marker).
const char *PlainName(const KMT_TEST &Test)
{
    return Test.TestName[0] == '-' ? Test.TestName + 1 : Test.TestName;
}

// Adds a harness message to the log as a failure of the test.
void LogFailure(PKMT_RESULTBUFFER Buffer, const std::string &Message)
{
    InterlockedIncrement(&Buffer->Failures);
    LONG Length = (LONG)Message.size();
    if (Buffer->LogBufferLength + Length <= Buffer->LogBufferMaxLength) {
        memcpy(Buffer->LogBuffer + Buffer->LogBufferLength, Message.data(), Message.size());
        InterlockedExchangeAdd(&Buffer->LogBufferLength, Length);
    }
}

// In the kernel: the system thread that runs one test at PASSIVE_LEVEL; a test that
// returns at another IRQL fails.
VOID NTAPI RunTestThread(PVOID Context)
{
    const KMT_TEST *Test = static_cast<const KMT_TEST *>(Context);
    Test->TestFunction();
    KIRQL Irql = KeGetCurrentIrql();
    if (Irql != PASSIVE_LEVEL) {
        ok(FALSE, "%s returned at IRQL %d\n", PlainName(*Test), Irql);
        KeLowerIrql(PASSIVE_LEVEL);
    }
}

// Boots, runs Test in a system thread, shuts down; problems go to Buffer as failures.
void RunInFreshKernel(const KMT_TEST &Test, const RunnerOptions &Options, PKMT_RESULTBUFFER Buffer)
{
    ResultBuffer = Buffer;
    std::string Name = PlainName(Test);
    NTSTATUS Status = NtosBoot(&Options.Boot);
    if (!NT_SUCCESS(Status)) {
        LogFailure(Buffer, Name + ": NtosBoot failed with " + std::to_string(Status) + "\n");
        return;
    }
    NTSTATUS ExitStatus = STATUS_PENDING;
    Status = NtosRunSystemThread(RunTestThread, const_cast<KMT_TEST *>(&Test), &ExitStatus);
    if (!NT_SUCCESS(Status))
        LogFailure(Buffer, Name + ": the test thread could not run\n");
    Status = NtosShutdown();
    if (!NT_SUCCESS(Status)) {
        char Text[96];
        snprintf(Text, sizeof(Text), "%s: NtosShutdown reported leaks (0x%08x)\n", Name.c_str(), (unsigned)Status);
        LogFailure(Buffer, Text);
    }
}

// Waits up to the timeout for the child; describes how it ended when that was not a
// clean exit, or returns an empty string.
std::string WaitForChild(pid_t Child, int TimeoutSeconds)
{
    auto Deadline = std::chrono::steady_clock::now() + std::chrono::seconds(TimeoutSeconds);
    int Status = 0;
    for (;;) {
        pid_t Done = waitpid(Child, &Status, WNOHANG);
        if (Done == Child)
            break;
        if (Done < 0)
            return "waitpid failed";
        if (std::chrono::steady_clock::now() > Deadline) {
            kill(Child, SIGKILL);
            waitpid(Child, &Status, 0);
            return "timed out after " + std::to_string(TimeoutSeconds) + " s";
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (WIFSIGNALED(Status))
        return std::string("crashed with signal ") + std::to_string(WTERMSIG(Status)) + " (" +
               strsignal(WTERMSIG(Status)) + ")";
    if (WEXITSTATUS(Status) != 0)
        return "exited with status " + std::to_string(WEXITSTATUS(Status));
    return {};
}

// Runs one test (in a child process unless --no-fork), prints its log and summary
// line; returns whether it passed.
bool RunTest(const KMT_TEST &Test, const RunnerOptions &Options)
{
    size_t Size = sizeof(KMT_RESULTBUFFER) + LogSize;
    void *Mapping = mmap(nullptr, Size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (Mapping == MAP_FAILED) {
        perror("mmap");
        return false;
    }
    PKMT_RESULTBUFFER Buffer = static_cast<PKMT_RESULTBUFFER>(Mapping);
    Buffer->LogBufferMaxLength = LogSize;
    std::string Name = PlainName(Test);
    fflush(stdout);
    if (!Options.Fork) {
        RunInFreshKernel(Test, Options, Buffer);
    } else {
        pid_t Child = fork();
        if (Child == 0) {
            RunInFreshKernel(Test, Options, Buffer);
            fflush(stdout);
            fflush(stderr);
            _exit(0);
        }
        std::string Problem = Child < 0 ? "could not fork" : WaitForChild(Child, Options.TimeoutSeconds);
        if (!Problem.empty())
            LogFailure(Buffer, Name + ": test " + Problem + "\n");
    }
    ResultBuffer = Buffer;
    KmtFinishTest(Name.c_str());
    ResultBuffer = nullptr;
    fwrite(Buffer->LogBuffer, 1, (size_t)Buffer->LogBufferLength, stdout);
    fflush(stdout);
    bool Passed = Buffer->Failures == 0;
    munmap(Mapping, Size);
    return Passed;
}

// Parses the command line; exits with a usage message on bad input.
RunnerOptions ParseOptions(int argc, char **argv)
{
    RunnerOptions Options;
    Options.Boot.Size = sizeof(Options.Boot);
    Options.Boot.Processors = 2;
    auto Value = [&](int &Index) -> const char * {
        if (Index + 1 >= argc) {
            fprintf(stderr, "%s: %s needs a value\n", argv[0], argv[Index]);
            exit(2);
        }
        return argv[++Index];
    };
    for (int Index = 1; Index < argc; Index++) {
        std::string Arg = argv[Index];
        if (Arg == "--list")
            Options.List = true;
        else if (Arg == "--no-fork")
            Options.Fork = false;
        else if (Arg == "--deterministic")
            Options.Boot.Deterministic = TRUE;
        else if (Arg == "--processors")
            Options.Boot.Processors = (ULONG)strtoul(Value(Index), nullptr, 0);
        else if (Arg == "--seed")
            Options.Boot.Seed = strtoull(Value(Index), nullptr, 0), Options.Boot.Deterministic = TRUE;
        else if (Arg == "--timeout")
            Options.TimeoutSeconds = atoi(Value(Index));
        else if (Arg.rfind("--", 0) == 0) {
            fprintf(stderr,
                    "usage: %s [--list] [--processors N] [--deterministic] [--seed S] [--timeout SEC] "
                    "[--no-fork] [TestName...]\n",
                    argv[0]);
            exit(2);
        } else
            Options.Names.push_back(Arg);
    }
    return Options;
}

// The entry of TestList called Name (hidden or not), or NULL.
const KMT_TEST *FindTest(const std::string &Name)
{
    for (const KMT_TEST *Test = TestList; Test->TestName; Test++)
        if (Name == PlainName(*Test))
            return Test;
    return nullptr;
}

} // namespace

int main(int argc, char **argv)
{
    RunnerOptions Options = ParseOptions(argc, argv);
    if (Options.List) {
        for (const KMT_TEST *Test = TestList; Test->TestName; Test++)
            printf("%s\n", Test->TestName);
        return 0;
    }
    bool AllPassed = true;
    if (Options.Names.empty()) {
        for (const KMT_TEST *Test = TestList; Test->TestName; Test++)
            if (Test->TestName[0] != '-')
                AllPassed &= RunTest(*Test, Options);
        return AllPassed ? 0 : 1;
    }
    for (const std::string &Name : Options.Names) {
        const KMT_TEST *Test = FindTest(Name);
        if (!Test) {
            printf("%s: no such test\n", Name.c_str());
            AllPassed = false;
            continue;
        }
        AllPassed &= RunTest(*Test, Options);
    }
    return AllPassed ? 0 : 1;
}
