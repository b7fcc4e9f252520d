#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs one of the project's programs as another user (uid = gid, no
groups), for the tests of what an unprivileged user is told.

    as-user.py UID PROGRAM [ARGS...]

A build tree inside a private directory (a CI checkout under a 0700 temp
directory) cannot be read by that user: the dynamic loader would fail
before the program starts. So the program and the project's shared
libraries beside it (the build root, its parent's) are copied to a fresh
world-readable directory first and run from there. The environment passes
through (GRALLOC_EXE_WRAPPER runs a cross build under its emulator).
Exits with the program's status."""
import glob
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    uid, program, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    src = os.path.dirname(os.path.abspath(program))
    tmp = tempfile.mkdtemp(prefix='gralloc-as-user-')
    try:
        os.chmod(tmp, 0o755)
        copy = os.path.join(tmp, os.path.basename(program))
        shutil.copy2(program, copy)
        for d in (src, os.path.dirname(src)):
            for lib in glob.glob(os.path.join(d, 'libgralloc*.so*')):
                if os.path.isdir(lib):  # meson's object directories (*.p)
                    continue
                if not os.path.lexists(os.path.join(tmp, os.path.basename(lib))):
                    shutil.copy2(lib, tmp, follow_symlinks=False)
        for path in os.listdir(tmp):
            if not os.path.islink(os.path.join(tmp, path)):
                os.chmod(os.path.join(tmp, path), 0o755)
        env = dict(os.environ)
        env['LD_LIBRARY_PATH'] = tmp + (':' + env['LD_LIBRARY_PATH']
                                        if env.get('LD_LIBRARY_PATH') else '')
        wrapper = env.get('GRALLOC_EXE_WRAPPER', '').split()
        cmd = ['setpriv', f'--reuid={uid}', f'--regid={uid}', '--clear-groups'] + \
            wrapper + [copy] + args
        return subprocess.run(cmd, env=env).returncode
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
