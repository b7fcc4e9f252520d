#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs bench-instr under callgrind and prints instructions per operation,
with ratios against the raw calls counted in the same run and the targets
of docs/performance.md. A benchmark: it reports, it never fails on a
number. Exit 77 when valgrind is missing.

usage: instr.py BENCH_INSTR [--json]"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ITERS = 1000
# (case, baseline case or None, target on the ratio or on the count, kind)
ROWS = [
    ('alloc+free', 'raw alloc+free', None, None),
    ('alloc', None, 500, 'count'),
    ('free', None, None, None),
    ('alloc+free pool hit', 'raw alloc+free', None, None),
    ('lock+unlock', 'raw sync pair', None, None),
    ('handle import', 'raw dup+close', 600, 'count'),
    ('free+alloc at 100 live', 'free+alloc at 1 live', 1.2, 'ratio'),
    ('free+alloc at 1000 live', 'free+alloc at 1 live', 1.2, 'ratio'),
    ('free+alloc at 10000 live', 'free+alloc at 1 live', 1.2, 'ratio'),
]


def main():
    bench = sys.argv[1]
    as_json = '--json' in sys.argv
    if not shutil.which('valgrind'):
        print('1..0 # SKIP valgrind not installed (apt-get install valgrind)')
        return 77
    out = tempfile.mkdtemp(prefix='gralloc-instr-')
    try:
        subprocess.run(['valgrind', '--tool=callgrind', '--collect-atstart=no',
                        f'--callgrind-out-file={out}/cg.out', bench],
                       check=True, capture_output=True, text=True)
        counts = {}
        for path in glob.glob(f'{out}/cg.out*'):
            text = open(path, encoding='utf-8', errors='replace').read()
            name = re.search(r'^desc: Trigger: Client Request: (.*)$', text, re.M)
            total = re.search(r'^(?:summary|totals): (\d+)', text, re.M)
            if name and total:
                counts[name.group(1).strip()] = int(total.group(1)) / ITERS
    finally:
        shutil.rmtree(out, ignore_errors=True)

    results = []
    print('TAP version 13')
    print('1..1')
    print(f'# instructions per operation (callgrind, user space, {ITERS} iterations)')
    print(f'# {"case":<26} {"instr/op":>10} {"baseline":>10} {"ratio":>8}  target')
    for case, base, target, kind in ROWS:
        if case not in counts:
            print(f'# {case:<26} (not measured)')
            continue
        n = counts[case]
        b = counts.get(base) if base else None
        ratio = n / b if b else None
        verdict = ''
        if kind == 'count':
            verdict = f'<= {target}: {"met" if n <= target else "missed"}'
        elif kind == 'ratio' and ratio is not None:
            verdict = f'<= {target}x: {"met" if ratio <= target else "missed"}'
        print(f'# {case:<26} {n:>10.0f} {b if b else 0:>10.0f} '
              f'{(f"{ratio:.2f}x") if ratio else "-":>8}  {verdict}')
        results.append({'case': case, 'instructions': n, 'baseline_case': base,
                         'baseline_instructions': b, 'ratio': ratio, 'target': target,
                         'target_kind': kind})
    if as_json:
        print('# ' + json.dumps(results))
    print('ok 1 - instruction counts measured')
    return 0


if __name__ == '__main__':
    sys.exit(main())
