#!/usr/bin/env python3
"""Counts results from meson testlog.json files, one label per file.

TAP tests are counted per subtest ("ok", "not ok", "# SKIP"), so a guest
batch of twenty tests counts as twenty, and the summary shows guest tests
apart from host ones. A test that failed or timed out without TAP output
counts as one failure. Prints a line per label, then the total as the
last line: "N passed, N failed, N skipped".
Arguments: LABEL=TESTLOG.json[:VM_RESULTS_DIR]."""
import json
import os
import re
import sys

TAP_LINE = re.compile(r"^(not ok|ok)\b[^#]*(#\s*(SKIP|TODO)\b.*)?", re.I)


def tap_counts(text):
    p = f = s = 0
    for line in text.splitlines():
        m = TAP_LINE.match(line.strip())
        if not m:
            continue
        if m.group(1).lower() == "not ok":
            f += 1
        elif m.group(3) and m.group(3).upper() == "SKIP":
            s += 1
        else:
            p += 1
    return p, f, s


GUEST_LINE = re.compile(r"^(not ok|ok) \d+ - (\S+)")


def guest_counts(out, results):
    """The guest batch prints one TAP line per guest program; each program's
    own TAP output (results/tests/NAME.log) says how many tests it ran.
    A program that passed is counted by its subtests, one that failed or
    printed no TAP counts as itself."""
    p = f = s = 0
    for line in out.splitlines():
        m = GUEST_LINE.match(line.strip())
        if not m:
            continue
        sub = (0, 0, 0)
        try:
            with open(os.path.join(results, "tests", m.group(2) + ".log"),
                      errors="replace") as fh:
                sub = tap_counts(fh.read())
        except OSError:
            pass
        if m.group(1) == "ok" and sum(sub) and not sub[1]:
            p, s = p + sub[0], s + sub[2]
        else:
            one = tap_counts(line)
            p, f, s = p + one[0], f + one[1], s + one[2]
    return p, f, s


def count_entry(entry, results=None):
    out = entry.get("stdout") or ""
    if results and (entry.get("name") or "").split(" / ")[-1] == "vm":
        p, f, s = guest_counts(out, results)
    else:
        p, f, s = tap_counts(out)
    result = entry.get("result", "")
    if p + f + s == 0:
        if result in ("OK", "EXPECTEDFAIL"):
            return 1, 0, 0
        if result == "SKIP":
            return 0, 0, 1
        return 0, 1, 0
    # A TAP stream that looked clean but whose program failed (crash after
    # the plan, sanitizer report, timeout) is still a failure.
    if result not in ("OK", "SKIP", "EXPECTEDFAIL") and f == 0:
        f = 1
    return p, f, s


def main(argv):
    total = [0, 0, 0]
    for arg in argv:
        label, _, path = arg.partition("=")
        path, _, results = path.partition(":")
        counts = [0, 0, 0]
        failed_names = []
        try:
            with open(path) as fh:
                for line in fh:
                    line = line.strip()
                    if not line:
                        continue
                    entry = json.loads(line)
                    c = count_entry(entry, results or None)
                    if c[1]:
                        failed_names.append(entry.get("name", "?"))
                    counts = [a + b for a, b in zip(counts, c)]
        except OSError as e:
            print(f"{label}: no results ({e})")
            counts[1] += 1
        print(f"{label}: {counts[0]} passed, {counts[1]} failed, {counts[2]} skipped"
              + (f" (failed: {', '.join(failed_names)})" if failed_names else ""))
        total = [a + b for a, b in zip(total, counts)]
    if not argv:
        total[1] += 1
        print("no test results at all")
    print(f"{total[0]} passed, {total[1]} failed, {total[2]} skipped")
    return 1 if total[1] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
