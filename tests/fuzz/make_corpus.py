#!/usr/bin/env python3
"""Writes the hand-written seed programs of tests/fuzz/corpus/ (see fuzz_program.h for
the format: 1 byte processors, 8 bytes seed, then 5-byte operations). Inputs the fuzzer
found live next to them as crash-*/hang-*/leak-* files and are not rewritten here."""
import os
import struct

OPS = ["CreateProcess", "CreateSystemThread", "CreateUserThread", "CreateObject", "Signal", "WaitSingle",
       "WaitMultiple", "Close", "Duplicate", "TerminateThread", "TerminateProcess", "ThreadControl",
       "ProcessControl", "QueueApc", "SetInformation", "AdvanceClock", "Notify", "InjectFault", "Query",
       "OpenByCid", "SignalAndWait", "Yield"]

# Handle operands: slots 0-15, then these.
CURRENT_PROCESS, CURRENT_THREAD, NULL_HANDLE, BOGUS, KERNEL_BOGUS, FOUR, HIGH, KERNEL_FOUR = range(16, 24)
EVENT, SEMAPHORE, MUTANT, TIMER = range(4)
SET, PULSE, RESET, RELEASE_SEMAPHORE, RELEASE_MUTANT, SET_TIMER, CANCEL_TIMER = range(7)
SUSPEND, RESUME, ALERT, ALERT_RESUME, TEST_ALERT = range(5)
# System bodies (C of CreateSystemThread) and user bodies (low nibble of C of CreateUserThread).
S_RETURN, S_WAIT_ANY, S_CANCELLABLE, S_TERMINATE_SELF, S_DELAY, S_CREATE, S_SUSPEND_SELF, S_WAIT_THEN_EXIT = range(8)
(U_RETURN, U_WAIT, U_DELAY, U_TERMINATE_SELF, U_TERMINATE_PROCESS, U_SUSPEND_SELF, U_ON_HANDLE, U_BAD_POINTERS,
 U_SYSTEM, U_NESTED, U_TEST_ALERT, U_SIGNAL_AND_WAIT, U_OWN_EVENT, U_USER_APC) = range(14)
NOTIFY_PROCESS, NOTIFY_PROCESS_EX, NOTIFY_THREAD = range(3)
N_NOTHING, N_CANCELLABLE, N_WAIT, N_CREATE_THREAD, N_TERMINATE_NEW = range(5)
F_POOL, F_TEB, F_CID, F_ACCESS_STATE = range(4)


def op(name, a=0, b=0, c=0, d=0):
    return bytes([OPS.index(name), a & 0xFF, b & 0xFF, c & 0xFF, d & 0xFF])


def program(processors, seed, *ops):
    return bytes([processors - 1]) + struct.pack("<Q", seed) + b"".join(ops)


def user(a, process, body, arg=0, suspended=False, bad_cid=False, ex=False, handle_slot=0):
    """CreateUserThread: C's low nibble is the body; D holds the flags and the handle slot
    (D >> 3); the body's argument is C >> 4 | D << 4."""
    d = (handle_slot << 3) | (1 if suspended else 0) | (2 if bad_cid else 0) | (4 if ex else 0)
    return op("CreateUserThread", a, process, body | (arg << 4), d)


SEEDS = {
    "create-terminate": program(
        2, 1, op("CreateProcess", 1), op("CreateSystemThread", 2, 1, S_WAIT_ANY, 0),
        op("CreateSystemThread", 3, 0, S_DELAY, 20), op("TerminateProcess", 1, 7), op("WaitSingle", 2, 0, 100),
        op("TerminateThread", 3, 5), op("TerminateThread", CURRENT_THREAD)),
    "user-thread": program(
        2, 2, op("CreateProcess", 1), user(2, 1, U_RETURN, 5), op("WaitSingle", 2, 0, 200),
        op("WaitSingle", 1, 0, 200), op("Query", 2, 0), op("Query", 1, 2), op("Query", 2, 1, 1, 3)),
    "user-thread-suspended-terminated": program(
        1, 3, op("CreateProcess", 1), user(2, 1, U_WAIT, 0, suspended=True, handle_slot=CURRENT_PROCESS),
        op("TerminateThread", 2, 9), op("WaitSingle", 2, 0, 100), user(3, 1, U_RETURN, ex=True, suspended=True),
        op("ThreadControl", 3, RESUME), op("WaitSingle", 3, 0, 100)),
    "objects": program(
        2, 4, op("CreateObject", 3, EVENT, 0), op("CreateObject", 4, SEMAPHORE, 1, 5),
        op("CreateObject", 5, MUTANT, 1), op("CreateObject", 6, TIMER, 0), op("CreateObject", 7, SEMAPHORE, 9, 2),
        op("Signal", 3, SET), op("Signal", 3, PULSE), op("Signal", 3, RESET), op("Signal", 4, RELEASE_SEMAPHORE, 10),
        op("Signal", 4, RELEASE_SEMAPHORE, 0xFF), op("Signal", 5, RELEASE_MUTANT), op("Signal", 5, RELEASE_MUTANT),
        op("Signal", 6, SET_TIMER, 5, 0), op("WaitMultiple", 3, 4, 5, 0b0011_1000),
        op("WaitMultiple", 3, 4, 6, 0b0100_1001), op("WaitSingle", 6, 0, 20), op("Signal", 6, CANCEL_TIMER)),
    "notify-cancellable-wait": program(
        2, 5, op("Notify", NOTIFY_PROCESS, 0, N_CANCELLABLE, 10), op("Notify", NOTIFY_THREAD, 0, N_CANCELLABLE, 10),
        op("CreateProcess", 1), op("CreateSystemThread", 2, 1, S_CANCELLABLE, 0), user(3, 1, U_DELAY, 3),
        op("TerminateProcess", 1), op("WaitSingle", 1, 0, 200), op("Notify", NOTIFY_THREAD, 1)),
    "notify-wait": program(
        1, 6, op("Notify", NOTIFY_PROCESS_EX, 0, N_WAIT, 5), op("CreateProcess", 1), user(2, 1, U_RETURN),
        op("WaitSingle", 1, 0, 100)),
    "notify-creates-threads": program(
        2, 7, op("Notify", NOTIFY_THREAD, 0, N_CREATE_THREAD, S_DELAY | (3 << 3)), op("CreateSystemThread", 1, 0, 0),
        op("CreateProcess", 2), user(3, 2, U_RETURN), op("AdvanceClock", 100)),
    "notify-terminates-during-creation": program(
        2, 8, op("Notify", NOTIFY_THREAD, 0, N_TERMINATE_NEW, 3), op("CreateProcess", 1), user(2, 1, U_RETURN),
        op("CreateSystemThread", 3, 1, S_RETURN), op("Notify", NOTIFY_PROCESS, 0, N_TERMINATE_NEW, 4),
        op("CreateProcess", 4), user(5, 4, U_WAIT, handle_slot=CURRENT_PROCESS), op("WaitSingle", 4, 0, 100)),
    "notify-denies-creation": program(
        1, 9, op("Notify", NOTIFY_PROCESS_EX, 0, N_NOTHING, 0x80), op("CreateProcess", 1),
        op("Notify", NOTIFY_PROCESS_EX, 1), op("CreateProcess", 2)),
    "fault-teb": program(
        2, 10, op("CreateProcess", 1), op("InjectFault", F_TEB, 0), user(2, 1, U_RETURN), user(3, 1, U_RETURN)),
    "fault-cid": program(
        2, 11, op("InjectFault", F_CID, 0), op("CreateProcess", 1), op("CreateProcess", 1),
        op("InjectFault", F_CID, 1), op("CreateSystemThread", 2, 1, S_RETURN), user(3, 1, U_RETURN),
        op("CreateSystemThread", 4, 0, S_RETURN)),
    "fault-access-state": program(
        2, 12, op("CreateProcess", 1), op("InjectFault", F_ACCESS_STATE, 2), op("CreateSystemThread", 2, 1, S_RETURN),
        user(3, 1, U_RETURN), user(4, 1, U_RETURN), op("CreateProcess", 5)),
    "suspend-resume-alert": program(
        2, 13, op("CreateSystemThread", 1, 0, S_WAIT_ANY, 1), op("ThreadControl", 1, SUSPEND),
        op("ThreadControl", 1, SUSPEND), op("ThreadControl", 1, RESUME), op("ThreadControl", 1, ALERT),
        op("ThreadControl", 1, ALERT_RESUME), op("ThreadControl", CURRENT_THREAD, TEST_ALERT),
        op("ThreadControl", CURRENT_THREAD, SUSPEND), op("CreateSystemThread", 2, 0, S_SUSPEND_SELF),
        op("ThreadControl", 2, RESUME)),
    "process-suspend-resume": program(
        2, 14, op("CreateProcess", 1), user(2, 1, U_DELAY, 15), user(3, 1, U_SUSPEND_SELF),
        op("ProcessControl", 1, 0), op("AdvanceClock", 50), op("ProcessControl", 1, 1),
        op("ProcessControl", CURRENT_PROCESS, 0), op("ThreadControl", 3, RESUME), op("WaitSingle", 1, 0, 200)),
    "apcs": program(
        2, 15, op("CreateSystemThread", 1, 0, S_WAIT_ANY, 1), op("QueueApc", 1, 0), op("QueueApc", 1, 1),
        op("QueueApc", 1, 3), op("CreateProcess", 2), user(3, 2, U_USER_APC, 8), user(4, 2, U_WAIT, 1,
                                                                                      handle_slot=CURRENT_PROCESS),
        op("QueueApc", 4, 0), op("ThreadControl", 4, ALERT), op("QueueApc", 4, 3), op("WaitSingle", 2, 0, 100)),
    "priority-affinity": program(
        2, 16, op("CreateSystemThread", 1, 0, S_DELAY, 40), op("SetInformation", 1, 0, 5),
        op("SetInformation", 1, 1, 0xF0), op("SetInformation", 1, 2, 1, 0), op("SetInformation", 1, 2, 0, 0),
        op("SetInformation", 1, 2, 4, 0), op("SetInformation", 1, 3, 7, 2), op("SetInformation", CURRENT_THREAD, 0, 20),
        op("SetInformation", CURRENT_THREAD, 0, 8), op("SetInformation", 1, 0, 40)),
    "clock-timers": program(
        1, 17, op("CreateObject", 1, TIMER, 0), op("CreateObject", 2, TIMER, 1), op("Signal", 1, SET_TIMER, 200, 50),
        op("Signal", 2, SET_TIMER, 10, 0), op("AdvanceClock", 0xE8, 3), op("WaitSingle", 1, 0, 100),
        op("WaitSingle", 2, 0, 100), op("AdvanceClock", 0xFF, 0xFF, 1)),
    "invalid-handles": program(
        2, 18, op("Close", 5), op("Signal", BOGUS, SET), op("WaitSingle", KERNEL_BOGUS, 0, 1),
        op("TerminateThread", FOUR), op("TerminateProcess", KERNEL_FOUR), op("Query", HIGH, 2),
        op("CreateObject", 1, EVENT), op("Close", 1), op("Close", 1), op("Signal", 1, SET),
        op("CreateObject", 2, EVENT), op("Signal", 1, SET), op("Duplicate", 9, 0, 1, 3),
        op("Duplicate", 2, BOGUS, 0, 4), op("WaitMultiple", BOGUS, 2, NULL_HANDLE, 0b0000_1001),
        op("SignalAndWait", NULL_HANDLE, 2, 0, 1)),
    "wrong-types": program(
        1, 19, op("CreateObject", 1, EVENT), op("CreateObject", 2, SEMAPHORE, 0, 1), op("TerminateThread", 1),
        op("TerminateProcess", 1), op("Query", 1, 0), op("Signal", 1, RELEASE_SEMAPHORE, 1),
        op("Signal", 2, SET), op("QueueApc", 1, 1), op("ThreadControl", 2, SUSPEND), op("ProcessControl", 2, 1),
        op("SetInformation", 1, 0, 3), op("OpenByCid", 3, 0)),
    "user-mode-invalid": program(
        2, 20, op("CreateProcess", 1), op("CreateObject", 2, EVENT), user(3, 1, U_ON_HANDLE, 0, handle_slot=2),
        user(4, 1, U_ON_HANDLE, 1, handle_slot=KERNEL_FOUR), user(5, 1, U_BAD_POINTERS, 0),
        user(6, 1, U_BAD_POINTERS, 1), user(7, 1, U_SYSTEM, 3), user(8, 1, U_ON_HANDLE, 3, handle_slot=BOGUS),
        op("AdvanceClock", 30), op("WaitSingle", 1, 0, 50)),
    "user-terminates": program(
        2, 21, op("CreateProcess", 1), user(2, 1, U_TERMINATE_SELF, 0), user(3, 1, U_TERMINATE_SELF, 1),
        user(4, 1, U_SUSPEND_SELF), user(5, 1, U_TERMINATE_PROCESS, 1), op("CreateProcess", 6),
        user(7, 6, U_TERMINATE_PROCESS, 0), user(8, 6, U_WAIT, 2, handle_slot=CURRENT_THREAD),
        op("WaitSingle", 1, 0, 100), op("WaitSingle", 6, 0, 100)),
    "duplicate": program(
        2, 22, op("CreateProcess", 1), op("CreateObject", 2, EVENT), op("Duplicate", 2, 1, 2, 3),
        user(4, 1, U_WAIT, 0, handle_slot=3), op("Signal", 2, SET), op("WaitSingle", 4, 0, 50),
        op("Duplicate", 2, 0, 1, 5), op("Duplicate", 5, 0, 4, 6), op("Close", 6), op("Duplicate", 1, 1, 0, 7),
        op("Signal", 3, SET)),
    "open-by-cid": program(
        2, 23, op("CreateProcess", 1), op("CreateSystemThread", 2, 1, S_WAIT_ANY, 0), op("OpenByCid", 3, 0),
        op("OpenByCid", 4, 1), op("OpenByCid", 5, 0, 1, 7), op("TerminateThread", 4), op("Query", 3, 2),
        op("Query", 4, 0)),
    "signal-and-wait": program(
        2, 24, op("CreateObject", 1, EVENT), op("CreateObject", 2, MUTANT, 0), op("CreateObject", 3, SEMAPHORE, 0, 1),
        op("SignalAndWait", 1, 2, 0, 5), op("SignalAndWait", 2, 1, 1, 5), op("SignalAndWait", 3, 1, 0, 5),
        op("SignalAndWait", 2, 2, 0, 1)),
    "nested-creation": program(
        2, 25, op("CreateProcess", 1), user(2, 1, U_NESTED, 0), user(3, 1, U_NESTED, 0x9),
        op("CreateSystemThread", 4, 0, S_CREATE, 0x04), op("CreateSystemThread", 5, 1, S_CREATE, 0x0B),
        op("AdvanceClock", 100)),
    "four-processors": program(
        4, 26, op("CreateProcess", 1), op("CreateSystemThread", 2, 1, S_WAIT_ANY, 2), user(3, 1, U_DELAY, 5),
        user(4, 1, U_WAIT, 0, handle_slot=3), op("CreateSystemThread", 5, 0, S_DELAY, 7),
        op("SetInformation", 5, 2, 8), op("TerminateProcess", 1), op("AdvanceClock", 20), op("Yield", 1)),
    "user-own-objects": program(
        1, 27, op("CreateProcess", 1), user(2, 1, U_OWN_EVENT, 1), user(3, 1, U_OWN_EVENT, 2),
        user(4, 1, U_SIGNAL_AND_WAIT, 0, handle_slot=CURRENT_PROCESS), user(5, 1, U_TEST_ALERT),
        op("WaitSingle", 1, 0, 100)),
    "system-thread-exits": program(
        2, 28, op("CreateSystemThread", 1, 0, S_CANCELLABLE, 1), op("TerminateThread", 1),
        op("CreateSystemThread", 2, 0, S_TERMINATE_SELF, 3), op("WaitSingle", 2, 0, 10),
        op("CreateProcess", 3), op("CreateSystemThread", 4, 3, S_RETURN), op("WaitSingle", 3, 0, 10)),
    "mutant-abandoned": program(
        2, 29, op("CreateObject", 1, MUTANT, 0), op("CreateSystemThread", 2, 0, S_WAIT_THEN_EXIT, 0),
        op("WaitSingle", 2, 0, 50), op("WaitSingle", 1, 0, 50), op("Signal", 1, RELEASE_MUTANT)),
    "inherit-handles": program(
        2, 30, op("CreateProcess", 1), op("Duplicate", 1, 1, 2, 2), op("CreateProcess", 3, 1, 4),
        op("CreateProcess", 4, 3), op("CreateProcess", 5, BOGUS), user(6, 3, U_RETURN), op("TerminateProcess", 1),
        op("WaitSingle", 3, 0, 50)),
    "empty": b"",
    "header-only": bytes([3, 0xEF, 0xBE, 0xAD, 0xDE, 0, 0, 0, 0]),
}

# Pool allocation failure at the Nth allocation across the creation paths.
for n in (0, 1, 2, 3, 5, 8, 13, 21, 34):
    SEEDS[f"fault-pool-{n:02d}"] = program(
        2, 40 + n, op("InjectFault", F_POOL, n, 0), op("CreateProcess", 1), op("CreateSystemThread", 2, 1, S_RETURN),
        user(3, 1, U_RETURN), op("CreateObject", 4, EVENT), op("InjectFault", F_POOL, n, 1),
        user(5, 1, U_NESTED, 0), op("TerminateProcess", 1))


def main():
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(here, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(here, "seed-" + name), "wb") as f:
            f.write(data)
    covered = {data[9 + i] % len(OPS) for data in SEEDS.values() for i in range(0, len(data) - 9, 5)}
    missing = [OPS[i] for i in range(len(OPS)) if i not in covered]
    print(f"{len(SEEDS)} seed programs; operations not covered: {missing or 'none'}")


if __name__ == "__main__":
    main()
