// Ke routines handed an object of the wrong type, or none: a thread, process or DPC
// routine given another kernel object fails its type assertion as a checked build's
// would (0x1E with STATUS_ASSERTION_FAILURE) before it touches anything, and a NULL
// one takes the page fault a real kernel takes (0x50). Each case is a death test.
#include <string>

#include "ntos_test.h"

using namespace ntos_test;

namespace {

constexpr const char *kAssertStop = "STOP: 0x0000001E \\(0xFFFFFFFF80000003";

// One misuse: its name and the call, made with a real event standing in for the
// object the routine takes.
struct Misuse {
    const char *Name;
    void (*Call)(PKEVENT Wrong);
};

PKTHREAD AsThread(PKEVENT Event) { return reinterpret_cast<PKTHREAD>(Event); }
PKPROCESS AsProcess(PKEVENT Event) { return reinterpret_cast<PKPROCESS>(Event); }
PKDPC AsDpc(PKEVENT Event) { return reinterpret_cast<PKDPC>(Event); }

const Misuse kMisuses[] = {
    {"KeSuspendThread", [](PKEVENT E) { KeSuspendThread(AsThread(E)); }},
    {"KeResumeThread", [](PKEVENT E) { KeResumeThread(AsThread(E)); }},
    {"KeForceResumeThread", [](PKEVENT E) { KeForceResumeThread(AsThread(E)); }},
    {"KeAlertThread", [](PKEVENT E) { KeAlertThread(AsThread(E), KernelMode); }},
    {"KeAlertResumeThread", [](PKEVENT E) { KeAlertResumeThread(AsThread(E)); }},
    {"KeSetPriorityThread", [](PKEVENT E) { KeSetPriorityThread(AsThread(E), 8); }},
    {"KeQueryPriorityThread", [](PKEVENT E) { KeQueryPriorityThread(AsThread(E)); }},
    {"KeSetBasePriorityThread", [](PKEVENT E) { KeSetBasePriorityThread(AsThread(E), 1); }},
    {"KeSetAffinityThread", [](PKEVENT E) { KeSetAffinityThread(AsThread(E), 1); }},
    {"KeSetIdealProcessorThread", [](PKEVENT E) { KeSetIdealProcessorThread(AsThread(E), 0); }},
    {"KeReadStateThread", [](PKEVENT E) { KeReadStateThread(AsThread(E)); }},
    {"KeStackAttachProcess",
     [](PKEVENT E) {
         KAPC_STATE State;
         KeStackAttachProcess(AsProcess(E), &State);
     }},
    {"KeAttachProcess", [](PKEVENT E) { KeAttachProcess(AsProcess(E)); }},
    {"KeSetPriorityAndQuantumProcess", [](PKEVENT E) { KeSetPriorityAndQuantumProcess(AsProcess(E), 8, 0); }},
    {"KeInsertQueueDpc", [](PKEVENT E) { KeInsertQueueDpc(AsDpc(E), nullptr, nullptr); }},
    {"KeRemoveQueueDpc", [](PKEVENT E) { KeRemoveQueueDpc(AsDpc(E)); }},
    {"KeSetTargetProcessorDpc", [](PKEVENT E) { KeSetTargetProcessorDpc(AsDpc(E), 0); }},
};

class ObjectTypeDeathTest : public KernelDeathTest, public ::testing::WithParamInterface<Misuse> {};

TEST_P(ObjectTypeDeathTest, AnEventWhereTheRoutineTakesAnotherObjectFailsTheAssert)
{
    const Misuse &M = GetParam();
    EXPECT_DEATH(BootAndRun([&] {
                     // Zeroed beyond the event, so that nothing but the type check can stop it.
                     struct {
                         KEVENT Event;
                         UCHAR Rest[sizeof(KTHREAD)];
                     } Wrong{};
                     KeInitializeEvent(&Wrong.Event, NotificationEvent, FALSE);
                     M.Call(&Wrong.Event);
                 }),
                 kAssertStop);
}

INSTANTIATE_TEST_SUITE_P(KeRoutines, ObjectTypeDeathTest, ::testing::ValuesIn(kMisuses),
                         [](const ::testing::TestParamInfo<Misuse> &Info) { return std::string(Info.param.Name); });

class NullObjectDeathTest : public KernelDeathTest {};

TEST_F(NullObjectDeathTest, ANullThreadIsAPageFault)
{
    EXPECT_DEATH(BootAndRun([] { KeSuspendThread(nullptr); }), "STOP: 0x00000050");
}

TEST_F(NullObjectDeathTest, ANullEventIsAPageFault)
{
    EXPECT_DEATH(BootAndRun([] { KeSetEvent(nullptr, 0, FALSE); }), "STOP: 0x00000050");
}

} // namespace
