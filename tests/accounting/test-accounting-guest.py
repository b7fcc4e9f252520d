#!/usr/bin/env python3
"""`gralloc ps` and `gralloc top` against buffers whose holders are known.

    test-accounting-guest.py PATH/TO/gralloc PATH/TO/dmabuf-holder

Three dmabuf-holder processes hold system-heap buffers in the three ways
the kernel distinguishes: as fds shared by two processes, as a mapping
whose fds are all closed, and as a KMS framebuffer on vkms that no process
holds at all. Each holder reports its own facts (inode by fstat, the
kernel's name for the buffer); the tool's output must match them, an
unprivileged run must say what it cannot see, and once the holders exit
the buffers must be gone from the output. Prints TAP. On the build machine
(no dma-buf heap) it exits 77; in the guest (GRALLOC_VM=1) that fails.
"""

import json
import os
import subprocess
import sys

GRALLOC, HOLDER = sys.argv[1], sys.argv[2]
# Runs the tool as another user even from a checkout that user cannot read.
AS_USER = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common', 'as-user.py')
IN_VM = os.environ.get('GRALLOC_VM') == '1'
DEBUGFS = '/sys/kernel/debug'
results = []


def test(fn):
    results.append(fn)
    return fn


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def gralloc(*args, user=None):
    cmd = [GRALLOC] + list(args)
    if user is not None:
        cmd = [sys.executable, AS_USER, str(user)] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, f'{" ".join(args)}: exit {p.returncode}: {p.stderr.strip()}')
    return p.stdout


def gralloc_json(*args, **kw):
    out = gralloc(*args, **kw)
    try:
        return json.loads(out)
    except ValueError as ex:
        raise Fail(f'{" ".join(args)}: not JSON ({ex}): {out[:300]!r}')


def start_holder(mode, name):
    p = subprocess.Popen([HOLDER, mode, name], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if not line:
        p.stdin.close()
        err = p.stderr.read()
        p.wait(timeout=30)
        raise Fail(f'holder {mode} failed: exit {p.returncode}: {err.strip()}')
    facts = json.loads(line)
    facts['proc'] = p
    return facts


def stop_holder(h):
    p = h['proc']
    p.stdin.close()
    rc = p.wait(timeout=30)
    check(rc == 0, f'holder {h["mode"]} exit {rc}: {p.stderr.read().strip()}')


def entry(ps, ino):
    found = [b for b in ps['buffers'] if b['inode'] == ino]
    check(len(found) == 1, f'inode {ino}: {len(found)} entries in gralloc ps')
    return found[0]


def check_common(e, h):
    check(e['size'] == h['size'], f'{h["mode"]}: size {e["size"]}, holder says {h["size"]}')
    check(e['exporter'] == 'system', f'{h["mode"]}: exporter {e["exporter"]!r}')
    check(e['name'] == h['name'] and h['name'].endswith(' acct-' + h['mode']),
          f'{h["mode"]}: name {e["name"]!r}, kernel says {h["name"]!r}')


HOLDERS = {}


def setup():
    if not os.path.exists('/dev/dma_heap/system'):
        why = 'no /dev/dma_heap/system'
        if IN_VM:
            print(f'Bail out! in the guest this must exist: {why}')
            sys.exit(1)
        print(f'1..0 # SKIP {why}: run in the guest rig')
        sys.exit(77)
    if not os.path.exists(DEBUGFS + '/dma_buf'):
        subprocess.run(['mount', '-t', 'debugfs', 'debugfs', DEBUGFS], check=False)
    for mode in ('share', 'mapped', 'kms'):
        HOLDERS[mode] = start_holder(mode, 'acct-' + mode)


@test
def shared_between_two_processes():
    h = HOLDERS['share']
    e = entry(gralloc_json('ps', '--json'), h['ino'])
    check_common(e, h)
    pids = sorted(p['pid'] for p in e['processes'])
    check(pids == sorted(h['pids']), f'holders {pids}, expected {sorted(h["pids"])}')
    check(e['shared_by'] == 2, f'shared_by {e["shared_by"]}')
    check(all(p['fds'] and p['mappings'] == 0 for p in e['processes']),
          f'expected fds and no mapping: {e["processes"]}')
    check('fdinfo' in e['seen_in'], f'seen_in {e["seen_in"]}')


@test
def mapped_but_closed():
    h = HOLDERS['mapped']
    e = entry(gralloc_json('ps', '--json'), h['ino'])
    check_common(e, h)
    check(len(e['processes']) == 1, f'processes {e["processes"]}')
    p = e['processes'][0]
    check(p['pid'] == h['pids'][0], f'pid {p["pid"]}, holder is {h["pids"][0]}')
    check(p['fds'] == [], f'fds {p["fds"]} after the holder closed them all')
    check(p['mapped_bytes'] == h['size'] and p['mappings'] >= 1,
          f'mapped {p["mapped_bytes"]} bytes in {p["mappings"]} mappings, expected {h["size"]}')
    check('maps' in e['seen_in'] and 'fdinfo' not in e['seen_in'], f'seen_in {e["seen_in"]}')


@test
def imported_into_kms_and_held_by_no_process():
    h = HOLDERS['kms']
    ps = gralloc_json('ps', '--json')
    check(ps['visibility']['debugfs_bufinfo'] == 'read', f'visibility {ps["visibility"]}')
    e = entry(ps, h['ino'])
    check_common(e, h)
    check(e['processes'] == [], f'processes {e["processes"]}: the holder closed every fd')
    check('vkms' in e['attached_devices'], f'attached devices {e["attached_devices"]}')
    check(e['file_refs'] is not None and e['file_refs'] >= 1, f'file_refs {e["file_refs"]}')
    check('debugfs' in e['seen_in'], f'seen_in {e["seen_in"]}')


@test
def text_output_names_every_holder():
    out = gralloc('ps')
    lines = {int(l.split()[0]): l for l in out.splitlines() if l.split() and l.split()[0].isdigit()}
    for mode, h in HOLDERS.items():
        check(h['ino'] in lines, f'{mode}: inode {h["ino"]} missing from:\n{out}')
        line = lines[h['ino']]
        check(h['name'] in line, f'{mode}: name missing: {line}')
        for pid in h['pids'] if mode != 'kms' else []:
            check(f'{pid} ' in line, f'{mode}: pid {pid} missing: {line}')
    check('attached: vkms' in lines[HOLDERS['kms']['ino']], lines[HOLDERS['kms']['ino']])


@test
def top_totals_per_process_and_exporter():
    top = gralloc_json('top', '--once', '--json')
    procs = {p['pid']: p for p in top['processes']}
    size = HOLDERS['share']['size']
    for pid in HOLDERS['share']['pids']:
        p = procs.get(pid)
        check(p, f'share holder {pid} missing from top')
        check(p['buffers'] == 1 and p['rss_bytes'] == size and p['pss_bytes'] == size // 2,
              f'share holder {pid}: {p}, expected rss {size}, pss {size // 2}')
    m = procs.get(HOLDERS['mapped']['pids'][0])
    check(m and m['rss_bytes'] == size and m['mapped_bytes'] == size, f'mapped holder: {m}')
    check(HOLDERS['kms']['pids'][0] not in procs, 'the kms holder holds no fd or mapping')
    check(top['no_process']['buffers'] >= 1 and top['no_process']['bytes'] >= size,
          f'no_process {top["no_process"]}')
    exp = {x['exporter']: x for x in top['exporters']}
    check('system' in exp and exp['system']['buffers'] >= 3 and
          exp['system']['bytes'] >= 3 * size, f'exporters {top["exporters"]}')


@test
def top_refreshes():
    out = gralloc('top', '-n', '2', '-d', '1', '--json')
    docs = [json.loads(l) for l in out.splitlines() if l.strip()]
    check(len(docs) == 2, f'{len(docs)} refreshes, expected 2')
    check(docs[1]['time'] >= docs[0]['time'] + 1, 'second refresh not a second later')


@test
def unprivileged_user_is_told_what_is_hidden():
    ps = gralloc_json('ps', '--json', user=65534)
    v = ps['visibility']
    check(v['euid'] == 65534 and v['complete'] is False, f'visibility {v}')
    check(v['processes_unreadable'] >= 3, f'{v["processes_unreadable"]} unreadable processes')
    check(v['debugfs_bufinfo'] in ('unreadable', 'absent'), f'debugfs {v["debugfs_bufinfo"]}')
    inos = {b['inode'] for b in ps['buffers']}
    for mode, h in HOLDERS.items():
        check(h['ino'] not in inos, f'{mode}: root\'s buffer visible to nobody')
    check(any('uid 65534' in n and 'root' in n for n in v['notes']), f'notes {v["notes"]}')
    out = gralloc('ps', user=65534)
    check('note: ' in out and 'run as root' in out, out)


@test
def buffers_gone_once_holders_exit():
    for h in HOLDERS.values():
        stop_holder(h)
    inos = {b['inode'] for b in gralloc_json('ps', '--json')['buffers']}
    for mode, h in HOLDERS.items():
        check(h['ino'] not in inos, f'{mode}: inode {h["ino"]} still listed after exit')


def main():
    try:
        setup()
    except Fail as ex:
        print(f'Bail out! {ex}')
        return 1
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
        sys.stdout.flush()
    for h in HOLDERS.values():
        if h['proc'].poll() is None:
            h['proc'].stdin.close()
            h['proc'].wait(timeout=30)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
