#!/usr/bin/env python3
"""Prints each kernel figure of an ntos_bench run beside its host baseline from the
same run, with the ratio. Input: the run's JSON (--benchmark_out=FILE
--benchmark_out_format=json, with repetitions); medians are used."""
import json
import sys


def medians(path):
    """{run_name: {counter: value}} of the median aggregates (or the plain runs)."""
    with open(path) as f:
        runs = json.load(f)["benchmarks"]
    table = {}
    for run in runs:
        if run.get("run_type") == "aggregate" and run.get("aggregate_name") != "median":
            continue
        name = run["run_name"]
        if run.get("run_type") != "aggregate" and name in table:
            continue  # no aggregates: keep the first repetition
        values = {k: v for k, v in run.items() if isinstance(v, (int, float))}
        scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[run.get("time_unit", "ns")]
        values["real_ns"] = run["real_time"] * scale
        values["cpu_ns"] = run["cpu_time"] * scale
        table[name] = values
    return table


def find(table, prefix):
    """The one run whose name starts with prefix, or None."""
    hits = [v for k, v in table.items() if k.startswith(prefix)]
    return hits[0] if hits else None


def fmt_ns(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} us"
    return f"{ns:.1f} ns"


def figure_rows(table):
    """(figure, median, baseline, ratio) rows for every kernel figure of a run."""
    rows = []

    def row(label, figure, base_label, base, unit=fmt_ns, words=("faster", "slower")):
        if figure is None:
            return
        if base is None or not figure:
            rows.append((label, unit(figure), "", ""))
            return
        ratio = base / figure
        text = f"{ratio:.1f}x {words[0]}" if ratio >= 1 else f"{1 / ratio:.1f}x {words[1]}"
        rows.append((label, unit(figure), f"{base_label} {unit(base)}", text))

    jump = find(table, "BM_Baseline_BoostContextJump")
    condvar = find(table, "BM_Baseline_PthreadCondvarPingPong")
    create = find(table, "BM_Baseline_PthreadCreateJoin")
    for mode in ("Realtime1P", "Deterministic1P", "Realtime2P"):
        pp = find(table, f"BM_Kernel_EventPingPong/{mode}/")
        if pp:
            row(f"event ping-pong {mode}, per switch", pp["ns_per_switch"], "condvar", condvar and condvar["ns_per_switch"])
            if jump:
                rows.append(("", "", f"jump {fmt_ns(jump['ns_per_switch'])}",
                             f"{pp['ns_per_switch'] / jump['ns_per_switch']:.0f}x a jump"))
            if "cpu_ns_per_switch" in pp and jump:
                # The jump's benchmark thread does both sides: its CPU time per switch.
                jump_cpu = jump["cpu_ns"] / 2
                rows.append((f"  same, host-thread CPU time", fmt_ns(pp["cpu_ns_per_switch"]),
                             f"jump CPU {fmt_ns(jump_cpu)}", f"{pp['cpu_ns_per_switch'] / jump_cpu:.0f}x a jump"))
    for mode in ("Realtime1P", "Realtime2P"):
        life = find(table, f"BM_Kernel_SystemThreadLifecycle/{mode}")
        if life:
            row(f"system thread lifecycle {mode}", life["real_ns"], "create+join", create and create["real_ns"])
    user = find(table, "BM_Kernel_UserThreadLifecycle")
    if user:
        row("user thread lifecycle (RtlCreateUserThread .. reap, close)", user["real_ns"], "create+join",
            create and create["real_ns"])
    process = find(table, "BM_Kernel_ProcessCreateTerminateClose")
    if process:
        row("process create + terminate + close", process["real_ns"], "", None)
    traced = find(table, "BM_Kernel_EventPingPong/Realtime1PTimelineOn")
    untraced = find(table, "BM_Kernel_EventPingPong/Realtime1P/")
    if traced and untraced and "cpu_ns_per_switch" in traced:
        row("  ping-pong with the timeline log on, CPU per switch", traced["cpu_ns_per_switch"], "log off",
            untraced["cpu_ns_per_switch"])
    for n in (1000, 10000, 100000):
        kernel = find(table, f"BM_Kernel_ReleaseBlockedThreads/{n}/")
        host = find(table, f"BM_Baseline_PthreadBroadcastBlockedThreads/{n}/")
        if not kernel:
            continue
        get = lambda run, key: run[key] if run else None
        row(f"{n} blocked: release, per waiter", kernel["release_ns_per_waiter"], "broadcast",
            get(host, "release_ns_per_waiter"))
        row(f"{n} blocked: release until all ran, per waiter", kernel["all_ran_ns_per_waiter"], "broadcast",
            get(host, "all_ran_ns_per_waiter"))
        row(f"{n} blocked: create until blocked, per thread", kernel["create_ns_per_thread"], "pthreads",
            get(host, "create_ns_per_thread"))
        kib = lambda v: f"{v:.2f} KiB"
        row(f"{n} blocked: resident per thread", kernel["rss_KiB_per_thread"], "pthreads",
            get(host, "rss_KiB_per_thread"), unit=kib, words=("less", "more"))
        rows.append((f"{n} blocked: page tables per thread / mappings",
                     f"{kernel['ptes_B_per_thread']:.0f} B / {kernel['mappings']:.0f}", "", ""))
    for kind, write in (("Exclusive", 1), ("Shared", 0)):
        res = find(table, f"BM_Kernel_ResourceAcquireRelease/{kind}")
        rw = find(table, f"BM_Baseline_Rwlock/write:{write}")
        if res:
            row(f"ERESOURCE {kind.lower()} acquire+release", res["real_ns"], "rwlock", rw and rw["real_ns"])
    rundown = find(table, "BM_Kernel_RundownAcquireRelease")
    if rundown:
        rw = find(table, "BM_Baseline_Rwlock/write:0")
        row("rundown acquire+release", rundown["real_ns"], "rwlock read", rw and rw["real_ns"])

    mutex = find(table, "BM_Baseline_MutexLockUnlock")
    for name, label in (("GuardedMutexUncontended", "guarded mutex"), ("FastMutexUncontended", "fast mutex"),
                        ("PushLockUncontended/Exclusive", "push lock exclusive"),
                        ("PushLockUncontended/Shared", "push lock shared")):
        lock = find(table, f"BM_Kernel_{name}")
        if lock:
            row(f"{label} acquire+release, uncontended", lock["real_ns"], "pthread mutex", mutex and mutex["real_ns"])

    for kernel, label, base, base_label in (
            ("ObReferenceObjectByHandle", "ObReferenceObjectByHandle + ObDereferenceObject",
             "SharedLockedTableReference", "locked table ref"),
            ("ObOpenByPointerAndClose", "handle open by pointer + close", "DupAndCloseFd", "dup+close"),
            ("ObOpenByNameAndClose", "named object open + close", "OpenPathAndClose", "open+close")):
        figure = find(table, f"BM_Kernel_{kernel}")
        baseline = find(table, f"BM_Baseline_{base}")
        if figure:
            row(label, figure["real_ns"], base_label, baseline and baseline["real_ns"])

    for name, label in (("HandleCreateDestroy", "ExCreateHandle+ExDestroyHandle"),
                        ("HandleMapUnlock", "ExMapHandleToPointer+ExUnlockHandleTableEntry")):
        kernel = find(table, f"BM_Kernel_{name}")
        if kernel:
            base = find(table, f"BM_Baseline_{name}")
            row(label, kernel["real_ns"], "mutex+vector", base and base["real_ns"])
    million = find(table, "BM_Kernel_HandleTableMillion")
    if million:
        base = find(table, "BM_Baseline_HandleTableMillion")
        row("1M handles: create, per handle", million["ns_per_handle"], "mutex+vector",
            base and base["ns_per_handle"])
        per_handle = lambda v: f"{v:.1f} B"
        row("1M handles: pool per handle", million["pool_B_per_handle"], "vector",
            base and base["B_per_handle"], unit=per_handle, words=("less", "more"))
        rows.append(("1M handles: resident per handle", per_handle(million["rss_B_per_handle"]), "", ""))

    lookaside = find(table, "BM_Kernel_LookasideAllocateFree")
    if lookaside:
        pool = find(table, "BM_Kernel_PoolAllocateFree")
        row("lookaside allocate+free (128 B)", lookaside["real_ns"], "pool", pool and pool["real_ns"])

    return rows


def main():
    rows = figure_rows(medians(sys.argv[1]))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


if __name__ == "__main__":
    main()
