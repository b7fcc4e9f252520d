#!/usr/bin/env python3
"""Counts results from meson testlog.json files, one label per file.

TAP tests are counted per subtest ("ok", "not ok", "# SKIP"), so a guest
batch of twenty tests counts as twenty, and the summary shows guest tests
apart from host ones. A test that failed or timed out without TAP output
counts as one failure. Prints a line per label, then the total as the
last line: "N passed, N failed, N skipped"."""
import json
import re
import sys

TAP_LINE = re.compile(r"^(not ok|ok)\b[^#]*(#\s*(SKIP|TODO)\b.*)?", re.I)


def count_entry(entry):
    out = entry.get("stdout") or ""
    p = f = s = 0
    for line in out.splitlines():
        m = TAP_LINE.match(line.strip())
        if not m:
            continue
        if m.group(1).lower() == "not ok":
            f += 1
        elif m.group(3) and m.group(3).upper() == "SKIP":
            s += 1
        else:
            p += 1
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
        counts = [0, 0, 0]
        failed_names = []
        try:
            with open(path) as fh:
                for line in fh:
                    line = line.strip()
                    if not line:
                        continue
                    entry = json.loads(line)
                    c = count_entry(entry)
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
