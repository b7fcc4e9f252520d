#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The ABI guard: the shared library exports exactly the checked-in list,
and exactly what the public header declares. An accidental export (a helper
that lost `static`, a missing hidden visibility) or a lost one fails here.

usage: check-symbols.py NM LIBRARY exported-symbols.txt HEADER...
Prints TAP. To accept a deliberate change, update exported-symbols.txt
(sorted, one name a line)."""
import re
import subprocess
import sys

# Instrumentation adds these under -Db_sanitize; they are not our API.
TOOL_PREFIXES = ('__asan', '__odr_asan', '__ubsan', '__sanitizer', '__lsan', '__tsan')


def exported(nm, lib):
    out = subprocess.run([nm, '-D', '--defined-only', lib], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        name = fields[2].split('@')[0]
        if not name.startswith(TOOL_PREFIXES):
            names.add(name)
    return names


def declared(headers):
    names = set()
    for header in headers:
        text = open(header, encoding='utf-8').read()
        # The macro's own definition and prose about it are not declarations.
        text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
        text = re.sub(r'^\s*#.*$', ' ', text, flags=re.M)
        # GRALLOC_EXPORT <return type, maybe over lines> name(
        names |= set(re.findall(r'GRALLOC_EXPORT\b[^;(]*?\b(\w+)\s*\(', text))
    return names


def report(title, extra_name, extra, missing_name, missing):
    ok = not extra and not missing
    print(('ok' if ok else 'not ok') + ' - ' + title)
    for name in sorted(extra):
        print(f'#   {extra_name}: {name}')
    for name in sorted(missing):
        print(f'#   {missing_name}: {name}')
    return ok


def main():
    nm, lib, list_path, headers = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    lines = [l.strip() for l in open(list_path, encoding='utf-8')]
    lines = [l for l in lines if l and not l.startswith('#')]
    listed = set(lines)
    have = exported(nm, lib)
    decl = declared(headers)

    print('TAP version 13')
    print('1..3')
    results = [
        report('exported symbols match exported-symbols.txt',
               'added (exported, not in the list)', have - listed,
               'removed (in the list, not exported)', listed - have),
        report('exported symbols match the GRALLOC_EXPORT declarations in the public headers',
               'exported but not declared', have - decl,
               'declared but not exported', decl - have),
    ]
    sorted_ok = lines == sorted(listed)
    print(('ok' if sorted_ok else 'not ok') + ' - exported-symbols.txt is sorted and unique')
    if not sorted_ok:
        print('#   expected order:\n' + ''.join(f'#   {n}\n' for n in sorted(listed)), end='')
    results.append(sorted_ok)
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())
