#!/usr/bin/env python3
"""The guest rig's answer to a guest that freezes mid-run (tests/vm/vm.py,
docs/testing.md), without QEMU: a process that never changes the results
directory is found stalled and killed, one that keeps writing is not, and
the results of a frozen run are set up so that a second boot runs exactly
the tests without a result, the frozen one first. Likewise for a guest
that died on a stale int3 (a breakpoint the kernel had patched away, run
by the emulator), told apart from a real int3 Oops and any other.

    check-vm-freeze.py TMPDIR
"""
import importlib.util
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('vm', os.path.join(HERE, '..', 'vm', 'vm.py'))
vm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vm)


def fresh(tmp, name):
    out = os.path.join(tmp, name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.join(out, 'tests'))
    return out


def wait_state(out, cmd, stall_after, limit=20):
    with vm.Guest(cmd, out) as g:
        t0 = time.monotonic()
        state = g.wait(t0 + limit, stall_after=stall_after)
    return state, time.monotonic() - t0


def main():
    tmp = sys.argv[1]
    os.makedirs(tmp, exist_ok=True)
    results = []

    # Runner started, then silence: stalled after ~1 s, long before the limit.
    out = fresh(tmp, 'silent')
    open(os.path.join(out, 'runner-started'), 'w').close()
    state, secs = wait_state(out, ['sleep', '30'], stall_after=1)
    results.append(('a silent guest is found stalled', state == 'stalled' and secs < 10,
                    f'{state} after {secs:.1f} s'))

    # A guest still writing its test's output is not frozen.
    out = fresh(tmp, 'busy')
    open(os.path.join(out, 'runner-started'), 'w').close()
    log = os.path.join(out, 'tests', 'busy.log')
    writer = ['sh', '-c', f'for i in 1 2 3 4 5 6; do echo $i >> {log}; sleep 0.5; done']
    state, secs = wait_state(out, writer, stall_after=1)
    results.append(('a guest that keeps writing is not stalled', state == 'exited',
                    f'{state} after {secs:.1f} s'))

    # Before the runner starts, silence is the boot timeout's business.
    out = fresh(tmp, 'booting')
    state, secs = wait_state(out, ['sleep', '3'], stall_after=1)
    results.append(('no stall before the runner starts', state == 'exited',
                    f'{state} after {secs:.1f} s'))

    # A run frozen in b: a keeps its result, b and c run again, b first.
    out = fresh(tmp, 'frozen')
    tests = [('a', '/bin/true', ''), ('b', '/bin/sleep', '1'), ('c', '/bin/true', 'x y')]
    for name, text in (('console.log', 'boot\n'), ('runner-started', ''),
                       ('tests/a.log', 'ok\n'), ('tests/a.rc', '0\n'), ('tests/b.log', 'half\n')):
        with open(os.path.join(out, name), 'w') as f:
            f.write(text)
    resumed = vm.resume_after_freeze(out, tests)
    with open(os.path.join(out, 'tests.tsv')) as f:
        listed = f.read()
    ok = (resumed is not None and resumed[0] == 'b' and resumed[1] == 2 and
          listed == 'b\t/bin/sleep\t1\nc\t/bin/true\tx y\n' and
          os.path.exists(os.path.join(out, 'tests', 'a.rc')) and
          os.path.exists(os.path.join(out, 'tests', 'b.frozen.log')) and
          not os.path.exists(os.path.join(out, 'tests', 'b.log')) and
          os.path.exists(os.path.join(out, 'console-frozen-run.log')) and
          not os.path.exists(os.path.join(out, 'runner-started')))
    results.append(('a frozen run resumes at the frozen test', ok, f'{resumed!r}, tests.tsv {listed!r}'))

    # Nothing left to run: no second boot.
    out = fresh(tmp, 'done')
    open(os.path.join(out, 'tests', 'a.rc'), 'w').close()
    results.append(('nothing to resume when every test has a result',
                    vm.resume_after_freeze(out, tests[:1]) is None, ''))

    # A stale int3, as CI's console showed it (6.12, TCG): the dump marks
    # the byte after the trap, and the one before it is a jmp, not int3.
    stale = ['[   61.491608] sched_clock: Marking unstable (61453483007, 37624430)',
             '[   61.496251] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI',
             '[   61.497498] RIP: 0010:sched_clock_cpu+0x9/0x190',
             '[   61.498239] Code: 00 e9 b8 fe ff ff 66 66 2e 0f 1f 84 00 00 00 00 00 90 90 90 90 '
             '90 90 90 90 90 f3 0f 1e fa 41 54 55 53 eb <1b> e8 71 ad f0 ff 48 03 05',
             '[   61.498869] Call Trace:',
             '[   61.499103] Kernel panic - not syncing: Fatal exception in interrupt']
    real = [l.replace('55 53 eb <1b>', '55 53 cc <1b>') for l in stale]
    bug_first = ['[   12.0] BUG: kernel NULL pointer dereference, address: 0000000000000008'] + stale
    results.append(('a stale int3 is told apart', vm.stale_int3(stale) == 1 and
                    vm.stale_int3(real) is None and vm.stale_int3(bug_first) is None and
                    vm.stale_int3(stale[:2]) is None,
                    f'{vm.stale_int3(stale)} {vm.stale_int3(real)} {vm.stale_int3(bug_first)}'))

    # Its run resumes like a frozen one, with its own file names, and its
    # console is checked up to the Oops: a problem before it still counts.
    out = fresh(tmp, 'int3')
    for name, text in (('console.log', '\n'.join(stale) + '\n'), ('runner-started', ''),
                       ('tests/a.log', 'ok\n'), ('tests/a.rc', '0\n'), ('tests/b.log', 'half\n')):
        with open(os.path.join(out, name), 'w') as f:
            f.write(text)
    ok = vm.console_stale_int3(out)
    resumed = vm.resume_after_freeze(out, tests, 'stale-int3')
    ok = (ok and resumed is not None and resumed[0] == 'b' and resumed[4] and
          os.path.exists(os.path.join(out, vm.STALE_INT3_LOG)) and
          os.path.exists(os.path.join(out, 'tests', 'b.stale-int3.log')) and
          vm.kernel_log_problems(out) == [])
    with open(os.path.join(out, vm.STALE_INT3_LOG), 'w') as f:
        f.write('[    5.0] WARNING: CPU: 1 PID: 3 at drivers/x.c:1 f+0x1/0x2\n[    5.0] Call Trace:\n' +
                '\n'.join(stale) + '\n')
    problems = vm.kernel_log_problems(out)
    ok = ok and len(problems) == 1 and 'WARNING' in problems[0]
    results.append(('a stale int3 resumes; its console counts up to the Oops', ok,
                    f'{resumed!r} {problems!r}'))

    print('TAP version 13')
    print(f'1..{len(results)}')
    for i, (name, ok, detail) in enumerate(results, 1):
        print(f'{"ok" if ok else "not ok"} {i} - {name}')
        if not ok:
            print(f'# {detail}')
    return 0 if all(r[1] for r in results) else 1


if __name__ == '__main__':
    sys.exit(main())
