# ntos.py - gdb commands for the hosted NT kernel: `source tools/gdb/ntos.py` while
# debugging ntosrun or a test binary, stopped anywhere (a breakpoint, a bugcheck's
# abort, Ctrl-C). The views are the kernel debugger's own (ntos/kd/), called in the
# stopped process in their lock-free mode, so a processor stopped inside a lock does
# not hang them; ntos-switch shows a blocked fiber's stack.
#
#   ntos-kd !process 0 7      any kd command (also as `kd`)
#   ntos-process [FLAGS]      !process 0 FLAGS (default 0)
#   ntos-thread [ADDR]        !thread ADDR (the current thread without one)
#   ntos-ready                !ready
#   ntos-handle PROCESS       !handle 0 PROCESS
#   ntos-poolused             !poolused
#   ntos-object ADDR          !object ADDR
#   ntos-dt TYPE [ADDR]       dt nt!_TYPE ADDR
#   ntos-threads              seed 002's EnumThreads table
#   ntos-switch THREAD        backtrace of a thread that is not running (its saved context)
#   $ntos_thread("IMAGE", N)  the Nth thread (KTHREAD *) of the first process named IMAGE

import gdb


def _kd(command):
    """Runs one kd command in the stopped process and returns its NTSTATUS."""
    escaped = command.replace("\\", "\\\\").replace('"', '\\"')
    status = gdb.parse_and_eval('(unsigned int)KdpExecuteCommandNoLocks("%s")' % escaped)
    return int(status) & 0xFFFFFFFF


class KdCommand(gdb.Command):
    """A gdb command that runs a kd view: Template gets the arguments."""

    def __init__(self, name, template, min_args=0):
        super().__init__(name, gdb.COMMAND_USER)
        self.template = template
        self.min_args = min_args

    def invoke(self, argument, from_tty):
        args = gdb.string_to_argv(argument)
        if len(args) < self.min_args:
            raise gdb.GdbError("usage: %s" % self.__doc__)
        command = self.template(args)
        status = _kd(command)
        if status != 0:
            print("kd: status 0x%08X" % status)


def _register_views():
    views = [
        ("ntos-kd", lambda a: " ".join(a), 1, "ntos-kd COMMAND: any kd command"),
        ("kd", lambda a: " ".join(a), 1, "kd COMMAND: any kd command"),
        ("ntos-process", lambda a: "!process 0 %s" % (a[0] if a else "0"), 0, "ntos-process [FLAGS]"),
        ("ntos-thread", lambda a: ("!thread " + " ".join(a)).strip(), 0, "ntos-thread [ADDR]"),
        ("ntos-ready", lambda a: "!ready", 0, "ntos-ready"),
        ("ntos-handle", lambda a: "!handle 0 %s" % a[0], 1, "ntos-handle PROCESS"),
        ("ntos-poolused", lambda a: "!poolused", 0, "ntos-poolused"),
        ("ntos-object", lambda a: "!object %s" % a[0], 1, "ntos-object ADDR"),
        ("ntos-dt", lambda a: "dt nt!_%s %s" % (a[0].lstrip("_").replace("nt!", "").lstrip("_"), " ".join(a[1:])), 1,
         "ntos-dt TYPE [ADDR]"),
        ("ntos-threads", lambda a: "thread", 0, "ntos-threads"),
    ]
    for name, template, min_args, doc in views:
        command = type(name.replace("-", "_"), (KdCommand,), {"__doc__": doc})
        command(name, template, min_args)


# Boost.Context's saved frame on x86-64 (jump_fcontext): MXCSR and x87 control word,
# then R12, R13, R14, R15, RBX, RBP, and the return address; the stack pointer after
# the switch returns is the frame's address + 0x40.
_SAVED = {"r12": 0x08, "r13": 0x10, "r14": 0x18, "r15": 0x20, "rbx": 0x28, "rbp": 0x30, "rip": 0x38}


class SwitchCommand(gdb.Command):
    """ntos-switch THREAD: backtrace of a thread (KTHREAD or ETHREAD address) that is not
    running, from the context its last switch saved (KTHREAD.KernelStack)."""

    def __init__(self):
        super().__init__("ntos-switch", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        if not argument.strip():
            raise gdb.GdbError("usage: ntos-switch THREAD")
        thread = gdb.parse_and_eval("(KTHREAD *)(%s)" % argument)
        state = int(thread["State"])
        if state == 2:  # Running: its stack is a host thread's now; use `thread N` and `bt`
            raise gdb.GdbError("thread %s is running: select its host thread instead" % argument)
        saved = int(thread["KernelStack"])
        if not saved:
            raise gdb.GdbError("thread %s has no saved context" % argument)
        pointer = gdb.lookup_type("unsigned long").pointer()
        values = {reg: int(gdb.Value(saved + offset).cast(pointer).dereference()) for reg, offset in _SAVED.items()}
        values["rsp"] = saved + 0x40
        gdb.execute("frame 0", to_string=True)
        kept = {reg: int(gdb.parse_and_eval("$" + reg)) for reg in values}
        try:
            for reg, value in values.items():
                gdb.execute("set $%s = %d" % (reg, value))
            gdb.execute("backtrace")
        finally:
            gdb.execute("frame 0", to_string=True)
            for reg, value in kept.items():
                gdb.execute("set $%s = %d" % (reg, value))


def _list(head, container, field):
    """The records of type Container linked through Field on the LIST_ENTRY at Head."""
    record = gdb.lookup_type(container)
    offset = int(gdb.parse_and_eval("(unsigned long)&((%s *)0)->%s" % (container, field)))
    entry = head["Flink"]
    while int(entry) != int(head.address):
        yield gdb.Value(int(entry) - offset).cast(record.pointer())
        entry = entry["Flink"]


class ThreadOf(gdb.Function):
    """$ntos_thread("IMAGE", N): the Nth live thread (a KTHREAD *) of the first process
    whose ImageFileName is IMAGE, walking PsActiveProcessHead and its thread list."""

    def __init__(self):
        super().__init__("ntos_thread")

    def invoke(self, image, index=0):
        wanted = image.string()
        for process in _list(gdb.parse_and_eval("PsActiveProcessHead"), "EPROCESS", "ActiveProcessLinks"):
            name = process["ImageFileName"].string(length=16).split("\0")[0]
            if name != wanted:
                continue
            threads = list(_list(process["ThreadListHead"], "ETHREAD", "ThreadListEntry"))
            if int(index) < len(threads):
                return threads[int(index)]["Tcb"].address
        raise gdb.GdbError("no thread %d in a process named %s" % (int(index), wanted))


_register_views()
SwitchCommand()
ThreadOf()
