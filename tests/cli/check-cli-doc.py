#!/usr/bin/env python3
"""docs/cli.md and the manual page against the built `gralloc` tool, TAP:

- the `$ gralloc help` block in cli.md is exactly `gralloc help`'s output;
- every command has a `## \\`gralloc NAME USAGE\\`` section whose usage is
  the one `gralloc help NAME` prints;
- `gralloc --version` is quoted as printed;
- the manual page names every command and every environment variable;
- both list every usage name the tool accepts.

    check-cli-doc.py GRALLOC docs/cli.md gralloc.1 [LIBRARY_SOURCES...]

With the library's sources, also: `gralloc help` names every GRALLOC_*
variable they read.
"""
import os
import re
import subprocess
import sys


def run(tool, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith('GRALLOC_')}
    p = subprocess.run([tool, *args], capture_output=True, text=True, env=env, timeout=60)
    if p.returncode:
        raise RuntimeError(f'gralloc {" ".join(args)}: exit {p.returncode}: {p.stderr}')
    return p.stdout


def main():
    tool, doc_path, man_path = sys.argv[1:4]
    with open(doc_path) as f:
        doc = f.read()
    with open(man_path) as f:
        man = f.read()
    help_out = run(tool, 'help')
    commands = re.findall(r'^  (\S+) ', help_out.split('\ncommands:\n')[1].split('\n\n')[0],
                          re.M)
    env_vars = sorted(set(re.findall(r'\bGRALLOC_[A-Z_]+', help_out)))
    checks = []

    read = set()
    for path in sys.argv[4:]:
        with open(path, errors='replace') as f:
            read |= set(re.findall(r'"(GRALLOC_[A-Z_]+)"', f.read()))
    if read:
        missing = sorted(read - set(env_vars))
        checks.append(('gralloc help names every variable the library reads',
                       not missing, f'not in help: {missing}'))

    m = re.search(r'```\n\$ gralloc help\n(.*?)```', doc, re.S)
    checks.append(('cli.md quotes `gralloc help` exactly',
                   m is not None and m.group(1) == help_out,
                   'no "$ gralloc help" block' if not m else
                   'differs; the tool prints:\n' + help_out))

    for cmd in commands:
        usage = [l for l in run(tool, 'help', cmd).splitlines() if l.startswith('usage: ')]
        want = usage[0][len('usage: '):].rstrip() if usage else None
        heading = re.search(r'^## `(gralloc ' + re.escape(cmd) + r'\b[^`]*)`', doc, re.M)
        checks.append((f'cli.md section for `{cmd}` with its usage',
                       heading is not None and heading.group(1) == want,
                       f'want "## `{want}`", found ' +
                       (f'"## `{heading.group(1)}`"' if heading else 'no section')))

    # The usage names an unknown name lists, in the -u rows of both pages.
    p = subprocess.run([tool, 'explain', '-f', 'R8', '-s', '8x8', '-u', 'bogus'],
                       capture_output=True, text=True, timeout=60)
    m = re.search(r'valid names: (\S+)', p.stderr)
    names = m.group(1).split(',') if m else []
    usage_row = next((l for l in doc.splitlines() if l.startswith('| `-u`')), '')
    missing = [n for n in names if f'`{n}`' not in usage_row]
    checks.append(('cli.md lists every usage name', bool(names) and not missing,
                   f'names from the tool: {names}; missing: {missing}'))
    man_missing = [n for n in names if not re.search(r'\b' + re.escape(n) + r'\b', man)]
    checks.append(('man page lists every usage name', bool(names) and not man_missing,
                   f'missing: {man_missing}'))

    version = run(tool, '--version').strip()
    checks.append(('cli.md quotes `gralloc --version`', f'prints `{version}`' in doc,
                   f'"prints `{version}`" not found'))

    for cmd in commands:
        checks.append((f'man page names command {cmd}',
                       re.search(r'^\.B ' + re.escape(cmd) + r'\b', man, re.M) is not None,
                       f'no ".B {cmd}" line'))
    for var in env_vars:
        checks.append((f'man page and cli.md name {var}', var in man and var in doc,
                       f'man: {var in man}, cli.md: {var in doc}'))

    print('TAP version 13')
    print(f'1..{len(checks)}')
    failed = 0
    for i, (name, ok, why) in enumerate(checks, 1):
        print(f'{"ok" if ok else "not ok"} {i} - {name}')
        if not ok:
            failed += 1
            for line in why.splitlines():
                print(f'# {line}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
