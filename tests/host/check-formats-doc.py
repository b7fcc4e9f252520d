#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Holds docs/formats.md to the code: each table that dump-formats prints
must appear in the document verbatim, as one whole table (no row missing,
none extra, same order).

usage: check-formats-doc.py DUMP_FORMATS docs/formats.md
Prints TAP. After a format change, paste the new `dump-formats` output
into the document."""
import os
import subprocess
import sys

TABLES = [('format table', []), ('Android mapping table', ['--android'])]


def doc_table(doc_lines, header):
    """The table in the document that starts with `header`, or None."""
    for i, line in enumerate(doc_lines):
        if line == header:
            block = []
            for row in doc_lines[i:]:
                if not row.startswith('|'):
                    break
                block.append(row)
            return block
    return None


def main():
    dump, doc_path = sys.argv[1:3]
    doc = open(doc_path, encoding='utf-8').read().splitlines()
    ok_all = True

    print('TAP version 13')
    print(f'1..{len(TABLES)}')
    for n, (title, args) in enumerate(TABLES, 1):
        want = subprocess.run(os.environ.get('GRALLOC_EXE_WRAPPER', '').split() + [dump] + args, check=True, capture_output=True,
                              text=True).stdout.splitlines()
        have = doc_table(doc, want[0])
        ok = have == want
        ok_all &= ok
        print(f"{'ok' if ok else 'not ok'} {n} - {doc_path}: {title} matches the library")
        if have is None:
            print(f'#   no table with header: {want[0]}')
        elif not ok:
            for line in want:
                if line not in have:
                    print(f'#   missing: {line}')
            for line in have:
                if line not in want:
                    print(f'#   not in the library: {line}')
            if set(want) == set(have):
                print('#   same rows, different order')
    return 0 if ok_all else 1


if __name__ == '__main__':
    sys.exit(main())
