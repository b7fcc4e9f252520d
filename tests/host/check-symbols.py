#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The ABI guard: the shared library exports exactly the checked-in list,
and exactly what the public header declares. An accidental export (a helper
that lost `static`, a missing hidden visibility) or a lost one fails here.

usage: check-symbols.py [--node NAME] NM LIBRARY exported-symbols.txt HEADER...
With --node, every exported symbol must also be bound to that version node
of the linker version script (gralloc/gralloc.map), and the node must be
the library's only one. Prints TAP. To accept a deliberate change, update exported-symbols.txt
(sorted, one name a line)."""
import re
import subprocess
import sys

# Instrumentation adds these under -Db_sanitize; they are not our API.
TOOL_PREFIXES = ('__asan', '__odr_asan', '__ubsan', '__sanitizer', '__lsan', '__tsan')


def exported(nm, lib):
    """{name: version node or None} of the defined dynamic symbols."""
    out = subprocess.run([nm, '-D', '--defined-only', '--with-symbol-versions', lib],
                         check=True, capture_output=True, text=True).stdout
    names = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        name, _, node = fields[2].partition('@')
        node = node.lstrip('@') or None
        # A version node is defined as an absolute symbol ("A GRALLOC_1.0");
        # it is not an export (we export no absolute symbols).
        if fields[1] == 'A':
            continue
        if not name.startswith(TOOL_PREFIXES):
            names[name] = node
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


def nodes(nm, lib):
    out = subprocess.run([nm, '-D', '--defined-only', '--with-symbol-versions', lib],
                         check=True, capture_output=True, text=True).stdout
    return {f[2].partition('@')[0] for f in (l.split() for l in out.splitlines())
            if len(f) >= 3 and f[1] == 'A'}


def main():
    args = sys.argv[1:]
    node = None
    if args and args[0] == '--node':
        node, args = args[1], args[2:]
    nm, lib, list_path, headers = args[0], args[1], args[2], args[3:]
    lines = [l.strip() for l in open(list_path, encoding='utf-8')]
    lines = [l for l in lines if l and not l.startswith('#')]
    listed = set(lines)
    versions = exported(nm, lib)
    have = set(versions)
    decl = declared(headers)

    print('TAP version 13')
    print('1..%d' % (4 if node else 3))
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
    if node:
        wrong = {n for n, v in versions.items() if v != node}
        others = nodes(nm, lib) - {node}
        results.append(report(f'every exported symbol is bound to version node {node}',
                              'not in the node (name@version)',
                              {f'{n}@{versions[n]}' for n in wrong},
                              'other version node defined', others))
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())
