// The kd command line: unknown commands, malformed numbers, addresses that are not
// live objects of the right kind, too many or too long arguments each give
// STATUS_INVALID_PARAMETER and one line saying why, and never a crash; numbers read
// as WinDbg reads them (hex, 0x, 0n, `).
#include "kd_test.h"

using namespace ntos_test;
using namespace kd_test;

namespace {

class KdCommandTest : public KernelTest {};

// Expects Command to fail with Status and print one line containing Message.
void ExpectRejected(const std::string &Command, const std::string &Message, NTSTATUS Status = STATUS_INVALID_PARAMETER)
{
    KdOutput Out = RunKd(Command);
    EXPECT_EQ(Out.Status, Status) << Command << ":\n" << Out.Text;
    EXPECT_TRUE(Contains(Out.Text, Message)) << Command << ":\n" << Out.Text;
    EXPECT_EQ(std::count(Out.Text.begin(), Out.Text.end(), '\n'), 1) << Command << ":\n" << Out.Text;
}

TEST_P(KdCommandTest, BadCommandsAndArgumentsGiveInvalidParameter)
{
    ASSERT_EQ(RunInKernel([&] {
                  KEVENT NotAnObject;
                  KeInitializeEvent(&NotAnObject, NotificationEvent, FALSE);
                  std::string Local = Argument(&NotAnObject);
                  ExpectRejected("", "no command");
                  ExpectRejected("   \t ", "no command");
                  ExpectRejected("!bogus 1 2", "unknown command '!bogus'");
                  ExpectRejected("!thread zz", "usage: !thread");
                  ExpectRejected("!thread " + Local, "is not a thread");
                  ExpectRejected("!thread 0", "is not a thread");
                  ExpectRejected("!thread ffffffffffffffffff", "usage: !thread"); // overflows 64 bits
                  ExpectRejected("!process " + Local + " 0", "is not a process");
                  ExpectRejected("!process 0 zz", "usage: !process");
                  ExpectRejected("!process 0 0x100", "usage: !process");
                  ExpectRejected("!handle 0 0 " + Local, "is not a process");
                  ExpectRejected("!handle foo", "usage: !handle");
                  ExpectRejected("!object " + Local, "is not an object");
                  ExpectRejected("!object", "usage: !object");
                  ExpectRejected("!object 0", "usage: !object");
                  ExpectRejected("!ready x", "usage: !ready");
                  ExpectRejected("!poolused x", "usage: !poolused");
                  ExpectRejected("dt nt!_FOO", "usage: dt");
                  ExpectRejected("dt", "usage: dt");
                  ExpectRejected("thread 1", "usage: thread");
                  ExpectRejected("dt nt!_ETHREAD " + Local, "is not a thread");
                  ExpectRejected("dt nt!_EPROCESS " + Local, "is not a process");
                  ExpectRejected("dt nt!_EPROCESS 4", "is not a process"); // a PID is not an address
                  ExpectRejected("!process 1 2 3 4 5 6 7 8 9", "too many arguments");
                  ExpectRejected(std::string(300, 'x'), "longer than");
                  KdOutput Null{KdExecuteCommand(nullptr), ""};
                  EXPECT_EQ(Null.Status, STATUS_INVALID_PARAMETER);
              }),
              STATUS_SUCCESS);
}

TEST_P(KdCommandTest, NumbersAreHexByDefaultWithWinDbgPrefixes)
{
    ASSERT_EQ(RunInKernel([&] {
                  PETHREAD Self = PsGetCurrentThread();
                  auto Value = reinterpret_cast<uintptr_t>(Self);
                  char Text[64];
                  std::snprintf(Text, sizeof(Text), "!thread 0x%llx", static_cast<unsigned long long>(Value));
                  EXPECT_EQ(RunKd(Text).Status, STATUS_SUCCESS) << Text;
                  std::snprintf(Text, sizeof(Text), "!thread 0n%llu", static_cast<unsigned long long>(Value));
                  EXPECT_EQ(RunKd(Text).Status, STATUS_SUCCESS) << Text;
                  std::snprintf(Text, sizeof(Text), "!THREAD %08llx`%08llx", static_cast<unsigned long long>(Value >> 32),
                                static_cast<unsigned long long>(Value & 0xFFFFFFFF));
                  EXPECT_EQ(RunKd(Text).Status, STATUS_SUCCESS) << Text;
                  EXPECT_EQ(RunKd("!process 0n0 0").Status, STATUS_SUCCESS);
              }),
              STATUS_SUCCESS);
}

NTOS_INSTANTIATE_ALL_MODES(KdCommandTest);

} // namespace
