# ntos.py - the kd views as gdb commands, for a hosted kernel stopped in gdb:
#   (gdb) source tools/gdb/ntos.py
#   (gdb) kd !process 0 7        (any kd command line: !thread ADDR, !ready,
#   (gdb) kd !ready               !handle 0 PROCESS, !poolused, !object ADDR,
#   (gdb) kdprocess               dt nt!_ETHREAD ADDR)
# Each runs KdpExecuteCommandNoLocks in the inferior with gdb's `call`: the views
# take no locks (other threads are stopped, possibly holding them) and print to the
# inferior's stderr.
import gdb


def run_kd(line):
    """Runs one kd command line in the inferior and returns its NTSTATUS."""
    escaped = line.replace("\\", "\\\\").replace('"', '\\"')
    status = gdb.parse_and_eval('(unsigned int) KdpExecuteCommandNoLocks("%s")' % escaped)
    return int(status)


class KdCommand(gdb.Command):
    """kd COMMAND-LINE: runs a kd view (!process, !thread, !ready, !handle,
!poolused, !object, dt) in the stopped hosted kernel, without taking locks."""

    def __init__(self):
        super().__init__("kd", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        status = run_kd(argument)
        if status != 0:
            gdb.write("kd: status 0x%08X\n" % status)


class KdShortcut(gdb.Command):
    """A fixed kd view, with the arguments given appended."""

    def __init__(self, name, prefix):
        super().__init__(name, gdb.COMMAND_DATA)
        self.prefix = prefix

    def invoke(self, argument, from_tty):
        status = run_kd((self.prefix + " " + argument).strip())
        if status != 0:
            gdb.write("kd: status 0x%08X\n" % status)


KdCommand()
KdShortcut("kdprocess", "!process 0 7")
KdShortcut("kdthread", "!thread")
KdShortcut("kdready", "!ready")
KdShortcut("kdpool", "!poolused")
