#!/usr/bin/env python3
"""Drives gdb in batch mode against ntosrun's demo, stopped while its threads are
alive, with tools/gdb/ntos.py sourced: ntos-switch shows a waiting user thread's
stack down to its wait service and a sleeping one's down to NtDelayExecution, then
the stopped thread's own registers are back (its backtrace is unchanged)."""
import subprocess
import sys


def main():
    gdb, ntosrun, script = sys.argv[1:4]
    commands = [
        "set pagination off",
        "set confirm off",
        "break KdpEnumThreads",
        "run",
        "source " + script,
        'print $ntos_thread("demo-wait", 0)',
        "echo ==wait==\\n",
        'ntos-switch $ntos_thread("demo-wait", 0)',
        "echo ==busy==\\n",
        'ntos-switch $ntos_thread("demo-busy", 0)',
        "echo ==self==\\n",
        "bt 2",
        "kill",
    ]
    args = [gdb, "--batch", "-nx"]
    for command in commands:
        args += ["-ex", command]
    run = subprocess.run(args + ["--args", ntosrun, "--seed", "2"], capture_output=True, text=True, timeout=240)
    output = run.stdout + run.stderr
    sections = {}
    current = None
    for line in output.splitlines():
        if line.startswith("==") and line.endswith("=="):
            current = line.strip("=")
            sections[current] = []
        elif current:
            sections[current].append(line)
    checks = [
        ("wait", "KiSwapThread"),
        ("wait", "KeWaitForSingleObject"),
        ("wait", "NtWaitForSingleObject"),
        ("wait", "PspUserThreadStartup"),
        ("busy", "NtDelayExecution"),
        ("self", "#0  KdpEnumThreads"),
        ("self", "NtosrunDemo"),
    ]
    for section, text in checks:
        if not any(text in line for line in sections.get(section, [])):
            print(f"FAIL: no '{text}' in the {section} backtrace\n{output}")
            sys.exit(1)
    print("ok: " + ", ".join(f"{s}: {t}" for s, t in checks))


main()
