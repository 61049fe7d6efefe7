#!/usr/bin/env python3
"""Runs ntosrun's demo with --trace and checks the timeline against the run: the JSON
loads as Chrome / Perfetto trace events; every processor has a track and every demo
process is named; the threads the summary counts as created and exited appear as
creation and exit instants, with the exit statuses the demo printed; the suspended
thread has a Waiting slice for its suspension; every thread's state slices follow one
another without overlapping; the processors' slices are the context switches."""
import json
import re
import subprocess
import sys
import tempfile


def fail(message, output=""):
    print("FAIL: " + message)
    if output:
        print(output)
    sys.exit(1)


def main():
    ntosrun, mode = sys.argv[1], sys.argv[2:]
    with tempfile.NamedTemporaryFile(suffix=".json") as trace_file:
        run = subprocess.run([ntosrun, *mode, "--trace", trace_file.name], capture_output=True, text=True,
                             timeout=240)
        output = run.stdout + run.stderr
        if run.returncode != 0:
            fail(f"ntosrun exited with {run.returncode}", output)
        with open(trace_file.name) as f:
            trace = json.load(f)
    events = trace["traceEvents"]
    summary = re.search(r"threads created (\d+), exited (\d+); context switches (\d+)", output)
    if not summary:
        fail("no summary line", output)
    created, exited, switches = map(int, summary.groups())

    names = {(e["pid"], e.get("tid")): e["args"]["name"] for e in events if e["ph"] == "M"}
    process_names = {e["args"]["name"].split(" (")[0] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
    for name in ("demo-wait", "demo-signal", "demo-busy", "demo-kill", "System", "Processors"):
        if name not in process_names:
            fail(f"process {name} is not named in the trace: {sorted(process_names)}")
    processors = int(re.search(r"booting (\d+) processor", output).group(1))
    cpu_tracks = {v for (pid, tid), v in names.items() if v.startswith("CPU ")}
    if not cpu_tracks or len(cpu_tracks) > processors:
        fail(f"{len(cpu_tracks)} processor tracks for {processors} processors")

    instants = [e for e in events if e["ph"] == "i"]
    creates = [e for e in instants if e["name"] == "thread created"]
    exits = [e for e in instants if e["name"] == "thread exit"]
    if len(creates) != created or len(exits) != exited:
        fail(f"trace: {len(creates)} created / {len(exits)} exited, summary: {created} / {exited}")
    statuses = {e["args"]["exit_status"] for e in exits}
    for status in ("0xdead", "0x1dea"):
        if status not in statuses:
            fail(f"no thread exit with status {status}: {statuses}")

    slices = [e for e in events if e["ph"] == "X"]
    cpu_slices = [e for e in slices if names.get((e["pid"], e["tid"]), "").startswith("CPU ")]
    # Every switch ends the slice before it; the trace starts after the counting does.
    if not 0 < len(cpu_slices) - len(cpu_tracks) <= switches:
        fail(f"{len(cpu_slices)} processor slices for {switches} context switches")
    suspended = [e for e in slices if e["name"] == "Waiting" and e.get("args", {}).get("reason") == "Suspended"]
    if not suspended:
        fail("no Waiting slice with reason Suspended for the suspended thread")

    tracks = {}
    for e in slices:
        if e["dur"] < 0:
            fail(f"negative duration: {e}")
        tracks.setdefault((e["pid"], e["tid"]), []).append(e)
    for key, track in tracks.items():
        track.sort(key=lambda e: e["ts"])
        for before, after in zip(track, track[1:]):
            if after["ts"] + 0.05 < before["ts"] + before["dur"]:
                fail(f"overlapping slices on track {key}: {before} and {after}")
    print(f"ok: {len(events)} events, {len(cpu_slices)} processor slices, {len(creates)} threads created "
          f"and exited, {len(suspended)} suspension(s)")


main()
