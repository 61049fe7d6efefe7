// Boot, run and shutdown through nthost.h: the happy path in every mode, bad boot
// options, calls out of order, and many boots in one process without growth.
#include <fstream>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NTOS_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define NTOS_TEST_SANITIZED 1
#endif
#endif
#ifdef NTOS_TEST_SANITIZED
// From the sanitizer runtime (sanitizer/allocator_interface.h, absent from g++ 12's install).
extern "C" size_t __sanitizer_get_current_allocated_bytes(void);
#endif

#include "ntos_test.h"

using namespace ntos_test;

namespace {

class BootTest : public KernelTest {};

TEST_P(BootTest, RunsSystemThreadAtPassiveInSystemProcess)
{
    struct Seen {
        KIRQL Irql = 0xFF;
        UCHAR State = 0xFF;
        BOOLEAN SystemThread = FALSE;
        PEPROCESS Process = nullptr;
        PKTHREAD Thread = nullptr;
        bool LocalOnStack = false;
    } Seen;
    NTSTATUS Exit = 0x1234;
    NTSTATUS Status = RunInKernel(
        [&] {
            PETHREAD Thread = PsGetCurrentThread();
            int Local = 0;
            Seen.Irql = KeGetCurrentIrql();
            Seen.State = Thread->Tcb.State;
            Seen.SystemThread = Thread->SystemThread;
            Seen.Process = PsGetCurrentProcess();
            Seen.Thread = &Thread->Tcb;
            Seen.LocalOnStack = reinterpret_cast<char *>(&Local) < static_cast<char *>(Thread->Tcb.StackBase) &&
                                reinterpret_cast<char *>(&Local) >= static_cast<char *>(Thread->Tcb.StackLimit);
        },
        &Exit);
    EXPECT_EQ(Status, STATUS_SUCCESS);
    EXPECT_EQ(Exit, STATUS_SUCCESS);
    EXPECT_EQ(Seen.Irql, PASSIVE_LEVEL);
    EXPECT_EQ(Seen.State, Running);
    EXPECT_TRUE(Seen.SystemThread);
    EXPECT_EQ(Seen.Process, PsInitialSystemProcess);
    EXPECT_TRUE(Seen.LocalOnStack) << "the routine must run on its own kernel stack (fiber)";
}

TEST_P(BootTest, EachRunGetsAFreshThread)
{
    PKTHREAD First = nullptr, Second = nullptr;
    ULONG FirstSequence = 0, SecondSequence = 0;
    ASSERT_EQ(RunInKernel([&] { First = KeGetCurrentThread(), FirstSequence = First->HostSequence; }), STATUS_SUCCESS);
    ASSERT_EQ(RunInKernel([&] { Second = KeGetCurrentThread(), SecondSequence = Second->HostSequence; }), STATUS_SUCCESS);
    EXPECT_GT(SecondSequence, FirstSequence);
}

TEST_P(BootTest, RejectsSecondBootAndNullRoutine)
{
    NTOS_BOOT_OPTIONS Options = BootOptions(GetParam());
    EXPECT_EQ(NtosBoot(&Options), STATUS_ALREADY_INITIALIZED);
    EXPECT_EQ(NtosRunSystemThread(nullptr, nullptr, nullptr), STATUS_INVALID_PARAMETER_1);
    // Still fully working after the rejected calls.
    bool Ran = false;
    EXPECT_EQ(RunInKernel([&] { Ran = true; }), STATUS_SUCCESS);
    EXPECT_TRUE(Ran);
}

NTOS_INSTANTIATE_ALL_MODES(BootTest);

NTOS_BOOT_OPTIONS ValidOptions()
{
    return BootOptions({true, 2, 1});
}

TEST(BootOptions, BadOptionsAreRejectedAndChangeNothing)
{
    EXPECT_EQ(NtosBoot(nullptr), STATUS_INVALID_PARAMETER);
    NTOS_BOOT_OPTIONS Options = ValidOptions();
    Options.Size = 0;
    EXPECT_EQ(NtosBoot(&Options), STATUS_INFO_LENGTH_MISMATCH);
    Options = ValidOptions();
    Options.Size = sizeof(Options) - 1;
    EXPECT_EQ(NtosBoot(&Options), STATUS_INFO_LENGTH_MISMATCH);
    Options = ValidOptions();
    Options.Processors = MAXIMUM_PROCESSORS + 1;
    EXPECT_EQ(NtosBoot(&Options), STATUS_INVALID_PARAMETER);
    Options.Processors = 0xFFFFFFFF;
    EXPECT_EQ(NtosBoot(&Options), STATUS_INVALID_PARAMETER);
    Options = ValidOptions();
    Options.KernelStackSize = KERNEL_STACK_MINIMUM_SIZE - 1;
    EXPECT_EQ(NtosBoot(&Options), STATUS_INVALID_PARAMETER);
    Options.KernelStackSize = 1;
    EXPECT_EQ(NtosBoot(&Options), STATUS_INVALID_PARAMETER);
    Options.KernelStackSize = 0x7FFFFFFF;
    EXPECT_EQ(NtosBoot(&Options), STATUS_INVALID_PARAMETER);
    // Nothing was booted by any of them.
    EXPECT_EQ(NtosRunSystemThread([](PVOID) {}, nullptr, nullptr), STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(NtosShutdown(), STATUS_INVALID_DEVICE_STATE);
    Options = ValidOptions();
    ASSERT_EQ(NtosBoot(&Options), STATUS_SUCCESS);
    EXPECT_EQ(NtosShutdown(), STATUS_SUCCESS);
}

TEST(BootOptions, CallsBeforeBootAndAfterShutdownFail)
{
    NTSTATUS Exit = 0x77;
    EXPECT_EQ(NtosRunSystemThread([](PVOID) {}, nullptr, &Exit), STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(Exit, 0x77);
    EXPECT_EQ(NtosShutdown(), STATUS_INVALID_DEVICE_STATE);
    NTOS_BOOT_OPTIONS Options = ValidOptions();
    ASSERT_EQ(NtosBoot(&Options), STATUS_SUCCESS);
    ASSERT_EQ(NtosShutdown(), STATUS_SUCCESS);
    EXPECT_EQ(NtosRunSystemThread([](PVOID) {}, nullptr, &Exit), STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(NtosShutdown(), STATUS_INVALID_DEVICE_STATE);
}

TEST(BootOptions, ZeroProcessorsMeansOneAndStackSizeIsHonoured)
{
    NTOS_BOOT_OPTIONS Options = ValidOptions();
    Options.Processors = 0;
    Options.KernelStackSize = 3 * KERNEL_STACK_MINIMUM_SIZE;
    ASSERT_EQ(NtosBoot(&Options), STATUS_SUCCESS);
    CCHAR Processors = 0;
    SIZE_T StackSize = 0;
    EXPECT_EQ(RunInKernel([&] {
                  PKTHREAD Thread = KeGetCurrentThread();
                  Processors = KeNumberProcessors;
                  StackSize = static_cast<char *>(Thread->StackBase) - static_cast<char *>(Thread->StackLimit);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Processors, 1);
    EXPECT_EQ(StackSize, 3u * KERNEL_STACK_MINIMUM_SIZE);
    EXPECT_EQ(NtosShutdown(), STATUS_SUCCESS);
}

// Memory in use: resident pages, or under a sanitizer (whose quarantine keeps freed
// blocks resident) the live heap bytes its allocator reports.
size_t ResidentBytes()
{
#ifdef NTOS_TEST_SANITIZED
    return __sanitizer_get_current_allocated_bytes();
#endif
    std::ifstream Statm("/proc/self/statm");
    size_t Size = 0, Resident = 0;
    Statm >> Size >> Resident;
    return Resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

void BootRunShutdown(const MachineMode &Mode)
{
    NTOS_BOOT_OPTIONS Options = BootOptions(Mode);
    ASSERT_EQ(NtosBoot(&Options), STATUS_SUCCESS);
    ASSERT_EQ(RunInKernel([] {}), STATUS_SUCCESS);
    ASSERT_EQ(NtosShutdown(), STATUS_SUCCESS);
}

TEST(BootCycles, ThousandBootsDoNotGrowMemory)
{
    for (int i = 0; i < 100; i++)
        ASSERT_NO_FATAL_FAILURE(BootRunShutdown({true, 2, static_cast<uint64_t>(i)}));
    size_t Before = ResidentBytes();
    for (int i = 100; i < 1000; i++)
        ASSERT_NO_FATAL_FAILURE(BootRunShutdown({true, static_cast<ULONG>(1 + i % 4), static_cast<uint64_t>(i)}));
    size_t After = ResidentBytes();
    EXPECT_LT(After, Before + 4 * 1024 * 1024) << "resident memory grew from " << Before << " to " << After;
}

TEST(BootCycles, RealtimeBootsDoNotGrowMemory)
{
    for (int i = 0; i < 20; i++)
        ASSERT_NO_FATAL_FAILURE(BootRunShutdown({false, 2, 0}));
    size_t Before = ResidentBytes();
    for (int i = 0; i < 200; i++)
        ASSERT_NO_FATAL_FAILURE(BootRunShutdown({false, 2, 0}));
    size_t After = ResidentBytes();
    EXPECT_LT(After, Before + 4 * 1024 * 1024) << "resident memory grew from " << Before << " to " << After;
}

} // namespace
