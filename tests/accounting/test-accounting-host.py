#!/usr/bin/env python3
"""`gralloc ps` / `gralloc top` on recorded /proc and /sys trees.

    test-accounting-host.py PATH/TO/gralloc

The trees hold every format the scanner reads, in the kernel's own layout:
fd symlinks of both kernel generations ("/dmabuf:NAME" and
"anon_inode:dmabuf", the latter without an ino line in fdinfo), maps
lines, /sys/kernel/dmabuf/buffers (which the test guest's kernel does not
have) and debugfs bufinfo with fences, tabs-separated fields and attached
devices. GRALLOC_PROC_DIR and GRALLOC_SYS_DIR point the tool at them.
Real buffers are compared in the guest (test-accounting-guest.py).
Prints TAP; standard library only.
"""

import json
import os
import subprocess
import sys
import tempfile

GRALLOC = sys.argv[1]
# Runs the tool as another user even from a checkout that user cannot read.
AS_USER = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common', 'as-user.py')
TMP = tempfile.TemporaryDirectory(prefix='gralloc-acct-')
ROOT = TMP.name
PROC = os.path.join(ROOT, 'proc')
SYS = os.path.join(ROOT, 'sys')
results = []

FDINFO = ('pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t{ino}\nsize:\t{size}\n'
          'count:\t3\nexp_name:\t{exp}\nname:\t{name}\n')
BUFINFO = (
    '\nDma-buf Objects:\n'
    'size    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n'
    '00032768\t00000002\t00080007\t00000003\tsystem\t00001001\tXR24 64x64 shared\n'
    '\twrite fence: drm_sched gfx seq 42 signalled\n'
    '\tAttached Devices:\n'
    'Total 0 devices attached\n\n'
    '00065536\t00000002\t00080007\t00000001\tdrm\t00003003\t<none>\n'
    '\tAttached Devices:\n'
    '\tvkms\n'
    '\t0000:00:02.0\n'
    'Total 2 devices attached\n\n'
    '\nTotal 2 objects, 98304 bytes\n')


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)
    os.chmod(path, mode)


def proc(pid, comm, fds, maps=''):
    """fds: {fd: (link target, fdinfo text or None)}"""
    d = os.path.join(PROC, str(pid))
    write(os.path.join(d, 'comm'), comm + '\n')
    write(os.path.join(d, 'maps'), maps)
    os.makedirs(os.path.join(d, 'fd'), mode=0o755, exist_ok=True)
    os.makedirs(os.path.join(d, 'fdinfo'), mode=0o755, exist_ok=True)
    for fd, (target, info) in fds.items():
        os.symlink(target, os.path.join(d, 'fd', str(fd)))
        if info is not None:
            write(os.path.join(d, 'fdinfo', str(fd)), info)
    return d


def build_trees():
    os.chmod(ROOT, 0o755)
    shared = FDINFO.format(ino=1001, size=32768, exp='system', name='XR24 64x64 shared')
    proc(100, 'producer', {
        3: ('/dmabuf:XR24 64x64 shared', shared),
        4: ('/dev/null', 'pos:\t0\nflags:\t02\n'),
        7: ('/dmabuf:XR24 64x64 shared', shared),
    }, maps=('55d0c0000000-55d0c0001000 r-xp 00000000 08:01 1234    /usr/bin/producer\n'
             '7f0000000000-7f0000008000 rw-s 00000000 00:0f 1001    '
             '/dmabuf:XR24 64x64 shared\n'))
    proc(200, 'consumer', {9: ('/dmabuf:XR24 64x64 shared', shared)})
    # A kernel before 5.14: no ino line; the inode comes from stat, and the
    # link reads anon_inode:dmabuf (here it resolves to a file beside it).
    d = proc(300, 'oldkernel', {5: ('anon_inode:dmabuf',
                                    'pos:\t0\nflags:\t02\nsize:\t4096\ncount:\t1\n'
                                    'exp_name:\tion\n')})
    write(os.path.join(d, 'fd', 'anon_inode:dmabuf'), '')
    old_ino = os.stat(os.path.join(d, 'fd', 'anon_inode:dmabuf')).st_ino
    # Another user's process: its fds are closed to an unprivileged reader.
    d = proc(400, 'private', {})
    os.chmod(os.path.join(d, 'fd'), 0o700)
    write(os.path.join(SYS, 'kernel/dmabuf/buffers/2002/size'), '65536\n')
    write(os.path.join(SYS, 'kernel/dmabuf/buffers/2002/exporter_name'), 'udmabuf\n')
    write(os.path.join(SYS, 'kernel/debug/dma_buf/bufinfo'), BUFINFO, mode=0o600)
    return old_ino


OLD_INO = build_trees()


def run(*args, user=None, sys_dir=SYS):
    env = dict(os.environ, GRALLOC_PROC_DIR=PROC, GRALLOC_SYS_DIR=sys_dir)
    # A cross build's tool runs under its emulator (qemu-i386).
    cmd = os.environ.get('GRALLOC_EXE_WRAPPER', '').split() + [GRALLOC] + list(args)
    if user is not None:
        cmd = [sys.executable, AS_USER, str(user), GRALLOC] + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    return p.returncode, p.stdout, p.stderr


def run_json(*args, **kw):
    rc, out, err = run(*args, **kw)
    check(rc == 0, f'exit {rc}: {err.strip()}')
    try:
        return json.loads(out)
    except ValueError as ex:
        raise Fail(f'not JSON ({ex}): {out[:300]!r}')


def test(fn):
    results.append(fn)
    return fn


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def by_ino(ps):
    return {b['inode']: b for b in ps['buffers']}


@test
def shared_buffer_has_both_holders_fds_and_mapping():
    b = by_ino(run_json('ps', '--json'))[1001]
    check(b['size'] == 32768 and b['exporter'] == 'system', b)
    check(b['name'] == 'XR24 64x64 shared', b['name'])
    check(b['shared_by'] == 2 and b['file_refs'] == 3, b)
    procs = {p['pid']: p for p in b['processes']}
    check(procs[100]['fds'] == [3, 7] or sorted(procs[100]['fds']) == [3, 7], procs[100])
    check(procs[100]['mapped_bytes'] == 32768 and procs[100]['mappings'] == 1, procs[100])
    check(procs[100]['comm'] == 'producer', procs[100])
    check(procs[200]['fds'] == [9] and procs[200]['mapped_bytes'] == 0, procs[200])
    check(sorted(b['seen_in']) == ['debugfs', 'fdinfo', 'maps'], b['seen_in'])


@test
def sysfs_and_debugfs_buffers_without_holders():
    bufs = by_ino(run_json('ps', '--json'))
    s = bufs.get(2002)
    check(s and s['exporter'] == 'udmabuf' and s['size'] == 65536 and not s['processes'] and
          s['seen_in'] == ['sysfs'], s)
    d = bufs.get(3003)
    check(d and d['exporter'] == 'drm' and d['name'] == '' and d['file_refs'] == 1, d)
    check(d['attached_devices'] == ['vkms', '0000:00:02.0'], d['attached_devices'])


@test
def old_kernel_fd_without_ino_line():
    b = by_ino(run_json('ps', '--json')).get(OLD_INO)
    check(b and b['exporter'] == 'ion' and b['size'] == 4096, b)
    check([p['pid'] for p in b['processes']] == [300], b)


@test
def non_dmabuf_fds_are_ignored():
    ps = run_json('ps', '--json')
    check(len(ps['buffers']) == 4, [b['inode'] for b in ps['buffers']])
    check(ps['total_bytes'] == 32768 + 65536 * 2 + 4096, ps['total_bytes'])


@test
def root_sees_everything():
    if os.geteuid() != 0:
        raise Fail('run as root (CI does): the unreadable process is readable only to root')
    v = run_json('ps', '--json')['visibility']
    check(v['processes'] == 4 and v['processes_unreadable'] == 0, v)
    check(v['sysfs_buffers'] == 'read' and v['debugfs_bufinfo'] == 'read', v)
    check(v['complete'] is True and v['notes'] == [], v)


@test
def unprivileged_reader_is_told_what_it_misses():
    if os.geteuid() != 0:
        raise Fail('needs root to switch to uid 65534')
    ps = run_json('ps', '--json', user=65534)
    v = ps['visibility']
    check(v['euid'] == 65534 and v['processes_unreadable'] == 1, v)
    check(v['debugfs_bufinfo'] == 'unreadable' and v['complete'] is False, v)
    check(any('1 of 4 processes' in n and 'uid 65534' in n for n in v['notes']), v['notes'])
    check(any('root only' in n for n in v['notes']), v['notes'])
    # Without debugfs the KMS-only buffer is gone; sysfs still lists 2002.
    bufs = by_ino(ps)
    check(3003 not in bufs and 2002 in bufs, sorted(bufs))
    rc, out, _ = run('ps', user=65534)
    check(rc == 0 and 'note: 1 of 4 processes' in out and 'run as root' in out, out)


@test
def missing_sources_are_named():
    v = run_json('ps', '--json', sys_dir=os.path.join(ROOT, 'nosys'))['visibility']
    check(v['sysfs_buffers'] == 'absent' and v['debugfs_bufinfo'] == 'absent', v)
    check(any('CONFIG_DMABUF_SYSFS_STATS' in n for n in v['notes']), v['notes'])
    check(any('not mounted' in n for n in v['notes']), v['notes'])


@test
def ps_text_lists_holders_and_attachments():
    rc, out, err = run('ps')
    check(rc == 0, err)
    line = next((l for l in out.splitlines() if l.startswith('1001 ')), '')
    check('32.0 KiB' in line and 'system' in line and 'XR24 64x64 shared' in line, line)
    check('100 producer (fd 3,7, mapped 32.0 KiB)' in line and '200 consumer (fd 9)' in line,
          line)
    line = next((l for l in out.splitlines() if l.startswith('3003 ')), '')
    check('held by the kernel' in line and 'attached: vkms 0000:00:02.0' in line, line)
    check('total: 4 dma-bufs, 164.0 KiB' in out, out)


@test
def top_per_process_and_per_exporter():
    t = run_json('top', '--once', '--json')
    procs = {p['pid']: p for p in t['processes']}
    check(procs[100]['rss_bytes'] == 32768 and procs[100]['pss_bytes'] == 16384 and
          procs[100]['mapped_bytes'] == 32768 and procs[100]['buffers'] == 1, procs[100])
    check(procs[200]['rss_bytes'] == 32768 and procs[200]['pss_bytes'] == 16384, procs[200])
    check(t['no_process'] == {'buffers': 2, 'bytes': 131072}, t['no_process'])
    exp = {e['exporter']: (e['buffers'], e['bytes']) for e in t['exporters']}
    check(exp == {'system': (1, 32768), 'udmabuf': (1, 65536), 'drm': (1, 65536),
                  'ion': (1, 4096)}, exp)
    check(t['buffers'] == 4, t['buffers'])
    rc, out, err = run('top', '-n', '1')
    check(rc == 0 and 'producer' in out and 'EXPORTER' in out and '\033[' not in out, out)


@test
def bad_command_lines_exit_2():
    for args in (['ps', '--bogus'], ['ps', 'extra'], ['top', '-n', '0'], ['top', '-d', 'x'],
                 ['top', '-d', '0'], ['top', '-n']):
        rc, out, err = run(*args)
        check(rc == 2 and err.strip(), f'{args}: exit {rc}, stderr {err!r}')


def main():
    print(f'TAP version 13\n1..{len(results)}')
    failed = 0
    for i, fn in enumerate(results, 1):
        try:
            fn()
            print(f'ok {i} - {fn.__name__}')
        except Fail as ex:
            failed += 1
            for line in str(ex).splitlines():
                print(f'#   {line}')
            print(f'not ok {i} - {fn.__name__}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
