#!/usr/bin/env python3
"""Runs kmtest-run on the self-test suite and checks its exit status and lines.

Usage: check_selftest.py KMTEST_RUN BUILD_DIR SUITE_DIR
"""
import re
import subprocess
import sys

EXPECTED = [
    r"^SelftestPasses: 4 tests executed \(0 marked as todo, 0 failures\), 1 skipped\.$",
    r"^Passing\.c:\d+: Tests skipped: a skip is counted, not failed$",
    r"^Failing\.cpp:8: Test failed: \(NTSTATUS\).* = 0x00000000, expected 0xc0000001$",
    r"^SelftestFails: 2 tests executed \(0 marked as todo, 1 failures\), 0 skipped\.$",
    r"^SelftestBugchecks: test crashed with signal \d+",
    r"^SelftestBugchecks: 2 tests executed \(0 marked as todo, 1 failures\), 0 skipped\.$",
    r"^SelftestLeaks: NtosShutdown reported leaks",
    r"^SelftestLeaks: 2 tests executed \(0 marked as todo, 1 failures\), 0 skipped\.$",
    r"^Broken\.c: does not build$",
    r"^SelftestBroken: did not build$",
    r"^kmtest-run: 4 tests run, 1 passed, 3 failed; 1 of 3 files \(1 tests\) did not build$",
]


def main():
    kmtest_run, build_dir, suite_dir = sys.argv[1:4]
    run = subprocess.run([sys.executable, kmtest_run, "--build-dir", build_dir, "--timeout", "120", suite_dir],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    print(run.stdout)
    problems = []
    if run.returncode != 1:
        problems.append(f"exit status {run.returncode}, expected 1")
    lines = run.stdout.splitlines()
    for pattern in EXPECTED:
        if not any(re.search(pattern, line) for line in lines):
            problems.append(f"no line matches {pattern}")
    for problem in problems:
        print("check_selftest: " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
