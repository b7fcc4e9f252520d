#!/usr/bin/env python3
"""Write the guest test list that `vm.py run --tests-file` reads.

Called from meson.build as: mktests.py OUTPUT [NAME PATH ARGS]...
where ARGS is prefixed with 'args:' so that an empty one survives meson.
Meson passes executables and files as paths relative to the build directory
(its working directory); the guest sees the host's root, so paths become absolute.
"""
import os
import sys


def main(argv):
    if len(argv) < 2 or (len(argv) - 2) % 3:
        sys.exit('usage: mktests.py OUTPUT [NAME PATH args:ARGS]...')
    out, rest = argv[1], argv[2:]
    lines = []
    for i in range(0, len(rest), 3):
        name, path, args = rest[i:i + 3]
        if not args.startswith('args:'):
            sys.exit(f'mktests.py: expected args:..., got {args!r}')
        args = args[len('args:'):]
        if '\t' in name + path + args or '\n' in name + path + args:
            sys.exit(f'mktests.py: tabs/newlines are not allowed in test {name!r}')
        lines.append(f'{name}\t{os.path.abspath(path)}\t{args}\n')
    tmp = out + '.tmp'
    with open(tmp, 'w') as f:
        f.writelines(lines)
    os.replace(tmp, out)


if __name__ == '__main__':
    main(sys.argv)
