#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Our public headers must compile in one translation unit with Android's
hardware/gralloc.h and libdrm's android/gralloc_handle.h, in either include
order, as C and as C++, with -Wall -Wextra -Werror: a program that talks to
an Android gralloc and to us includes all three. Every include/gralloc/*.h
is included, so a new public header is covered without editing this test.

The Android headers are the real ones, from Debian's mesa and libdrm source
packages (scripts/android-headers.sh fetches and caches them). Without them
the test skips ("1..0 # SKIP reason", TAP's form of exit 77) and says why.

usage: check-android-headers.py --cc 'CC ARGS' [--cxx 'CXX ARGS']
         [--skip-header NAME]... -- -I... (our include dirs and their deps)
Prints TAP."""
import argparse
import glob
import os
import shlex
import subprocess
import sys
import tempfile

CACHE = os.environ.get('GRALLOC_ANDROID_HEADERS', '/var/cache/gralloc-android-headers')
ANDROID = ['hardware/gralloc.h', 'android/gralloc_handle.h']
WARN = ['-Wall', '-Wextra', '-Werror']


def ours(include_args, skip):
    names = set()
    for arg in include_args:
        if arg.startswith('-I'):
            for path in glob.glob(os.path.join(arg[2:], 'gralloc', '*.h')):
                names.add('gralloc/' + os.path.basename(path))
    return sorted(n for n in names if os.path.basename(n) not in skip)


def compile_tu(cmd, std, suffix, lines, include_args, android_inc):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, 'tu' + suffix)
        with open(src, 'w') as fh:
            fh.write(''.join(l + '\n' for l in lines))
            fh.write('int main(void) { return 0; }\n' if suffix == '.c' else
                     'int main() { return 0; }\n')
        argv = cmd + [std] + WARN + include_args + ['-I' + android_inc, '-c', src,
                                                    '-o', os.path.join(tmp, 'tu.o')]
        r = subprocess.run(argv, capture_output=True, text=True)
        return r.returncode == 0, r.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cc', required=True)
    ap.add_argument('--cxx')
    ap.add_argument('--skip-header', action='append', default=[])
    ap.add_argument('include_args', nargs='*')
    a = ap.parse_args()

    android_inc = os.path.join(CACHE, 'include')
    missing = [h for h in ANDROID if not os.path.isfile(os.path.join(android_inc, h))]
    if missing:
        print('1..0 # SKIP Android headers not in %s (%s): run scripts/android-headers.sh'
              % (CACHE, ', '.join(missing)))
        # TAP's skip: meson's TAP harness counts any non-zero exit,
        # 77 included, as an error.
        return 0

    our = ours(a.include_args, set(a.skip_header))
    if 'gralloc/gralloc.h' not in our:
        print('Bail out! no gralloc/gralloc.h under the include dirs given')
        return 1
    ours_lines = ['#include <%s>' % h for h in our]
    android_lines = ['#include <%s>' % h for h in ANDROID]

    langs = [('C', shlex.split(a.cc), '-std=c11', '.c')]
    if a.cxx:
        langs.append(('C++', shlex.split(a.cxx), '-std=c++17', '.cpp'))
    cases = []
    for lang, cmd, std, suffix in langs:
        cases.append(('%s: Android headers first, then %s' % (lang, ' '.join(our)),
                      cmd, std, suffix, android_lines + ours_lines, True))
        cases.append(('%s: ours first, then Android headers' % lang,
                      cmd, std, suffix, ours_lines + android_lines, True))
    # The test must be able to fail: a macro with one of Android's names
    # (what our headers had before the renames) has to break the build.
    lang, cmd, std, suffix = langs[0]
    cases.append(('negative control: a macro named GRALLOC_USAGE_PROTECTED breaks the build',
                  cmd, std, suffix,
                  ['#define GRALLOC_USAGE_PROTECTED (1u << 14)'] + android_lines, False))

    print('TAP version 13')
    print('1..%d' % len(cases))
    print('# Android headers from %s' % ' '.join(
        open(os.path.join(CACHE, 'SOURCES')).read().split()) if
        os.path.exists(os.path.join(CACHE, 'SOURCES')) else '# Android headers in ' + CACHE)
    failed = 0
    for i, (title, cmd, std, suffix, lines, want_ok) in enumerate(cases, 1):
        ok, err = compile_tu(cmd, std, suffix, lines, a.include_args, android_inc)
        good = ok == want_ok
        print('%s %d - %s' % ('ok' if good else 'not ok', i, title))
        if not good:
            failed += 1
            msg = err if err else 'compiled, but should not have'
            for line in msg.splitlines()[:30]:
                print('#   ' + line)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
