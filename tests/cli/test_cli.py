#!/usr/bin/env python3
"""Tests of the `gralloc` command-line tool, printing TAP.

    test_cli.py PATH/TO/gralloc

Runs on the build host, where only the memfd backend works. Each check runs
the real binary with the library's environment variables pointing at
temporary directories, so a developer machine with real heaps behaves the
same. Standard library only.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

GRALLOC = sys.argv[1] if len(sys.argv) > 1 else 'gralloc'
COMPLETION = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tools',
                          'gralloc.bash')
TMP = tempfile.TemporaryDirectory(prefix='gralloc-cli-test-')
EMPTY_HEAPS = os.path.join(TMP.name, 'no-heaps')
FAKE_HEAPS = os.path.join(TMP.name, 'fake-heaps')
os.mkdir(EMPTY_HEAPS)
os.mkdir(FAKE_HEAPS)
# A regular file where a heap's character device would be.
open(os.path.join(FAKE_HEAPS, 'system'), 'w').close()

_results = []


def run(*args, env=None, heap_dir=EMPTY_HEAPS):
    """Runs gralloc; returns (returncode, stdout, stderr)."""
    e = dict(os.environ)
    for k in ('GRALLOC_CONFIG', 'GRALLOC_LOG'):
        e.pop(k, None)
    e['GRALLOC_HEAP_DIR'] = heap_dir
    e['GRALLOC_UDMABUF'] = os.path.join(TMP.name, 'no-udmabuf')
    e.update(env or {})
    p = subprocess.run([GRALLOC] + list(args), capture_output=True, env=e, timeout=60)
    return (p.returncode, p.stdout.decode('utf-8', 'replace'),
            p.stderr.decode('utf-8', 'replace'))


def test(fn):
    _results.append(fn)
    return fn


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def run_json(*args, **kw):
    rc, out, err = run(*args, **kw)
    check(rc == 0, f'exit {rc}, stderr: {err.strip()}')
    try:
        return json.loads(out)
    except ValueError as ex:
        raise Fail(f'output is not JSON ({ex}): {out[:200]!r}')


def check_failed(rc, err, code=None):
    """A refused command: positive exit status, a message, no signal."""
    check(rc >= 0, f'killed by signal {-rc}')
    check(rc != 0, 'exit status 0')
    if code is not None:
        check(rc == code, f'exit {rc}, expected {code}')
    check(err.strip() != '', 'nothing on stderr')
    check('Segmentation' not in err and 'Abort' not in err, err)


# --- formats -------------------------------------------------------------

@test
def formats_text_json_markdown_agree():
    rc, out, err = run('formats')
    check(rc == 0, err)
    rows = out.strip().splitlines()[1:]
    d = run_json('formats', '--json')
    check(d['count'] == len(d['formats']) == len(rows),
          f"count {d['count']}, json {len(d['formats'])}, text {len(rows)}")
    check(d['count'] > 0, 'no formats')
    rc, md, err = run('formats', '--markdown')
    check(rc == 0, err)
    md_rows = md.strip().splitlines()
    check(md_rows[0].startswith('| Format | FourCC |'), md_rows[0])
    check(len(md_rows) == d['count'] + 2, f'{len(md_rows)} markdown lines')


@test
def formats_nv12_described():
    d = run_json('formats', '--json')
    nv12 = [f for f in d['formats'] if f['name'] == 'NV12']
    check(len(nv12) == 1, 'NV12 missing')
    f = nv12[0]
    check(f['fourcc'] == 'NV12' and f['code'] == '0x3231564e', f)
    check(f['planes'] == 2 and f['bytes_per_block'] == [1, 2], f)
    check(f['hsub'] == 2 and f['vsub'] == 2 and f['is_yuv'] and not f['has_alpha'], f)
    rc, out, _ = run('formats')
    check(any(l.split()[:2] == ['NV12', 'NV12'] for l in out.splitlines()), 'NV12 row')
    rc, md, _ = run('formats', '--markdown')
    check('| NV12 | `NV12` | 0x3231564e | 2 | 1/2 | 1/1 | 2x2 | no | yes |' in md, md)


# --- alloc ---------------------------------------------------------------

@test
def alloc_nv12_cpu_layout():
    d = run_json('alloc', '-f', 'NV12', '-s', '1920x1080', '-u', 'cpu_write', '--json')
    check(d['backend'] == 'memfd' and d['heap'] == '' and d['is_dma_buf'] is False, d)
    check(d['format'] == 'NV12' and d['width'] == 1920 and d['height'] == 1080, d)
    p = d['planes']
    check(len(p) == 2, p)
    check(p[0] == {'fd_index': 0, 'offset': 0, 'stride': 1920, 'size': 2073600}, p[0])
    check(p[1] == {'fd_index': 0, 'offset': 2073600, 'stride': 1920, 'size': 1036800}, p[1])
    check(d['size'] == 3112960, d['size'])
    check(d['modifier'] == '0x0000000000000000', d['modifier'])
    check(d['id'] >= 1 and d['num_fds'] == 1, d)


@test
def alloc_text_output():
    rc, out, err = run('alloc', '-f', 'XR24', '-s', '100x10', '-u', 'cpu_read,cpu_write')
    check(rc == 0, err)
    check('XRGB8888 100x10' in out, out)
    check('backend:      memfd' in out, out)
    check('plane 0:      fd 0, offset 0, stride 400, size 4000' in out, out)
    check('size:         4096 bytes' in out, out)
    check('freed buffer' in out, out)


@test
def alloc_format_aliases_and_layers():
    for name in ('XR24', 'XRGB8888', 'xrgb8888'):
        d = run_json('alloc', '-f', name, '-s', '33x2', '-u', 'cpu', '-l', '3', '--json')
        check(d['format'] == 'XRGB8888', d)
        # 33 * 4 = 132 bytes, rounded to the 16-byte CPU alignment.
        check(d['planes'][0]['stride'] == 144, d['planes'])
        check(d['layers'] == 3 and d['layer_stride'] == 4096 and d['size'] == 3 * 4096, d)


@test
def alloc_json_escapes_name():
    name = 'q"b\\s\tu\u00fc'
    d = run_json('alloc', '-f', 'R8', '-s', '16x16', '-u', 'cpu', '-n', name, '--json')
    check(d['name'] == name, repr(d['name']))


@test
def alloc_json_invalid_utf8_name():
    rc, out, err = run('alloc', '-f', 'R8', '-s', '16x16', '-u', 'cpu', '--json', '-n',
                       os.fsdecode(b'bad\xffbyte'))
    check(rc == 0, err)
    d = json.loads(out)
    check(d['name'] == 'bad\ufffdbyte', repr(d['name']))


@test
def alloc_scanout_fails_without_dma_buf():
    rc, out, err = run('alloc', '-f', 'XR24', '-s', '64x64', '-u', 'scanout')
    check_failed(rc, err, 1)
    check(err.startswith('gralloc: allocation failed: '), err)
    check('(' in err and 'explain' in err, err)


@test
def alloc_protected_fails():
    rc, out, err = run('alloc', '-f', 'NV12', '-s', '64x64', '-u', 'protected,video_decoder')
    check_failed(rc, err, 1)
    check('Operation not permitted' in err and 'protected' in err, err)


# --- explain -------------------------------------------------------------

def verdicts(d):
    return [(c['verdict'], c['backend'], c['heap']) for c in d['candidates']]


@test
def explain_cpu_only_selects_memfd():
    d = run_json('explain', '-f', 'NV12', '-s', '1920x1080', '-u', 'cpu_write', '--json')
    sel = [c for c in d['candidates'] if c['verdict'] == 'selected']
    check(len(sel) == 1 and sel[0]['backend'] == 'memfd', verdicts(d))
    check(d['allocatable'] is True, d)
    check('3112960 bytes in 2 planes' in d['summary'], d['summary'])
    rc, out, err = run('explain', '-f', 'NV12', '-s', '1920x1080', '-u', 'cpu_write')
    check(rc == 0, err)
    check(out.startswith('summary: NV12 1920x1080'), out)
    check(any(l.split()[:2] == ['selected', 'memfd'] for l in out.splitlines()), out)


@test
def explain_scanout_skips_memfd():
    d = run_json('explain', '-f', 'XR24', '-s', '64x64', '-u', 'scanout', '--json')
    mem = [c for c in d['candidates'] if c['backend'] == 'memfd']
    check(len(mem) == 1 and mem[0]['verdict'] == 'skipped', verdicts(d))
    check('CPU-only' in mem[0]['reason'], mem[0]['reason'])
    check(d['allocatable'] is False, d)


@test
def explain_protected_only_secure():
    d = run_json('explain', '-f', 'NV12', '-s', '64x64', '-u', 'protected,video_decoder',
                 '--json')
    check('protected' in d['summary'], d['summary'])
    check(d['candidates'], 'no candidates')
    for c in d['candidates']:
        check(c['verdict'] == 'skipped', verdicts(d))
        check(c['backend'] != 'dma-heap' or 'secure' in c['heap'], verdicts(d))
    check(d['allocatable'] is False, d)


@test
def explain_layout_alignment_by_usage():
    # 33-pixel R8 rows: 48 bytes for CPU (16-byte rows), 64 for GPU and scanout.
    for usage, stride in (('cpu', 48), ('gpu_texture', 64), ('scanout', 64)):
        d = run_json('explain', '-f', 'R8', '-s', '33x1', '-u', usage, '--json')
        check(f'plane 0 stride {stride}' in d['summary'], (usage, d['summary']))
    # Video: 128-byte rows, 16-row height, page-aligned planes:
    # Y 128 x 48 = 6144, CbCr at 8192, 128 x 24 = 3072, total 11264 -> 12288.
    d = run_json('explain', '-f', 'NV12', '-s', '33x33', '-u', 'video_decoder', '--json')
    check('12288 bytes in 2 planes, plane 0 stride 128' in d['summary'], d['summary'])


# --- info ----------------------------------------------------------------

@test
def info_without_heaps():
    rc, out, err = run('info')
    check(rc == 0, err)
    for word in ('heaps:', 'backends:', 'drm devices:', 'policy:', 'memfd', 'iommu'):
        check(word in out, f'{word!r} missing')
    check(any(l.split()[:2] == ['memfd', 'usable'] for l in out.splitlines()), out)
    d = run_json('info', '--json')
    check(all(not h['present'] and not h['usable'] for h in d['heaps']), d['heaps'])
    b = {x['name']: x for x in d['backends']}
    check(b['memfd']['usable'] is True and b['dma-heap']['usable'] is False, b)
    check(b['dma-heap']['why'] != '', b['dma-heap'])
    check(isinstance(d['drm_devices'], list) and isinstance(d['policy'], str), d)
    check(d['policy'].startswith('# policy from'), d['policy'])
    if not os.path.isdir('/dev/dri'):
        check(d['drm_devices'] == [] and d['drm_error'] != '', d)
        check('  none (/dev/dri:' in out, out)
    # The recycling pool: its state and bounds (GRALLOC_POOL sets them).
    check(any(l.startswith('pool: 0 buffers') for l in out.splitlines()), out)
    check(d['pool']['max_buffers'] == 32 and d['pool']['max_bytes'] == 64 << 20, d['pool'])
    d = run_json('info', '--json', env={'GRALLOC_POOL': '1048576,4'})
    check(d['pool']['max_buffers'] == 4 and d['pool']['max_bytes'] == 1 << 20, d['pool'])


@test
def info_fake_heap_is_not_usable():
    rc, out, err = run('info', heap_dir=FAKE_HEAPS)
    check(rc == 0, err)
    check('not a device' in out, out)
    d = run_json('info', '--json', heap_dir=FAKE_HEAPS)
    sysheap = [h for h in d['heaps'] if h['name'] == 'system']
    check(len(sysheap) == 1, d['heaps'])
    check(sysheap[0]['present'] is True and sysheap[0]['usable'] is False, sysheap)
    dma = [b for b in d['backends'] if b['name'] == 'dma-heap'][0]
    check(dma['usable'] is False and 'not a character device' in dma['why'], dma)
    # Allocation still works, through memfd.
    a = run_json('alloc', '-f', 'R8', '-s', '8x8', '-u', 'cpu', '--json', heap_dir=FAKE_HEAPS)
    check(a['backend'] == 'memfd', a)


@test
def demo_needs_a_display():
    # This host has no /dev/dri: the demo says so instead of crashing.
    rc, out, err = run('demo', '--frames', '1')
    check_failed(rc, err, 1)
    check('no KMS device' in err, err)
    rc, out, err = run('demo', '--frames', 'lots')
    check_failed(rc, err, 2)
    check('--frames lots' in err, err)


@test
def bad_config_names_file_and_line():
    path = os.path.join(TMP.name, 'bad.conf')
    with open(path, 'w') as f:
        f.write('# comment\nbogus line\n')
    for args in (('info',), ('alloc', '-f', 'R8', '-s', '8x8', '-u', 'cpu'),
                 ('explain', '-f', 'R8', '-s', '8x8', '-u', 'cpu')):
        rc, out, err = run(*args, env={'GRALLOC_CONFIG': path})
        check_failed(rc, err, 1)
        check(f'{path}:2:' in err, err)
        check(err.startswith('gralloc: cannot create device: '), err)


@test
def missing_config_fails():
    path = os.path.join(TMP.name, 'missing.conf')
    rc, out, err = run('info', env={'GRALLOC_CONFIG': path})
    check_failed(rc, err, 1)
    check(path in err, err)


# --- bench ---------------------------------------------------------------

@test
def bench_skips_without_heap():
    for heap_dir in (EMPTY_HEAPS, FAKE_HEAPS):
        rc, out, err = run('bench', '--quick', heap_dir=heap_dir)
        check(rc == 77, f'exit {rc}: {err}')
        check('no dma-buf heap here' in err and 'CONFIG_DMABUF_HEAPS' in err, err)
        check('guest rig' not in err, 'a real board has no guest rig: ' + err)
    rc, out, err = run('bench', '--json', '--heap', 'other')
    check(rc == 77, f'exit {rc}')
    d = json.loads(out)
    check(d['skipped'] is True and d['node'].endswith('/other'), d)


# --- command line --------------------------------------------------------

@test
def help_and_dispatch():
    rc, out, err = run('help')
    check(rc == 0, err)
    for cmd in ('info', 'alloc', 'explain', 'formats', 'bench', 'help'):
        check(f'\n  {cmd} ' in out, f'{cmd} not listed')
    rc2, out2, _ = run('--help')
    check(rc2 == 0 and out2 == out, 'gralloc --help differs from gralloc help')
    rc, out, err = run('help', 'alloc')
    check(rc == 0 and 'usage: gralloc alloc -f FORMAT' in out, out)
    rc, out, err = run('alloc', '--help')
    check(rc == 0 and 'usage: gralloc alloc' in out, out)
    rc, out, err = run('--version')
    check(rc == 0 and re.fullmatch(r'gralloc \d+\.\d+\.\d+\n', out), out)
    rc2, out2, _ = run('version')
    check(rc2 == 0 and out2 == out, f'gralloc version: {out2!r}')
    rc, out, err = run()
    check_failed(rc, err, 2)


@test
def demo_help_is_the_commands_help():
    rc, out, err = run('demo', '--help')
    check(rc == 0, err)
    rc2, out2, _ = run('help', 'demo')
    check(rc2 == 0 and out == out2, f'{out!r} != {out2!r}')
    check(out.startswith('gralloc demo: ') and 'usage: gralloc demo ' in out, out)
    check('kms-demo' not in out, out)
    for args in (('demo', '--bogus'), ('demo', '--frames'), ('demo', 'extra'),
                 ('demo', '--frames', 'x')):
        rc, out, err = run(*args)
        check_failed(rc, err, 2)
        check(err.startswith('gralloc demo: '), err)
        check('kms-demo' not in err, err)


@test
def demo_checks_output_first():
    # Refused before any display is looked for (this host has none: the
    # error would otherwise be 'no KMS device').
    for path, why in ((os.path.join(TMP.name, 'no-dir', 'x.png'), 'no such directory'),
                      (TMP.name, 'is a directory'),
                      ('', 'empty file name')):
        rc, out, err = run('demo', '--output', path)
        check_failed(rc, err, 2)
        check(why in err and '--output' in err, err)
        check('no KMS device' not in err, err)
    good = os.path.join(TMP.name, 'frame.png')
    rc, out, err = run('demo', '--frames', '1', '--output', good)
    check(rc == 1 and 'no KMS device' in err, err)
    check(not os.path.exists(good), 'a failed demo left an output file')


@test
def format_by_hex_code():
    d = run_json('formats', '--json')
    for f in d['formats']:
        # BLOB is bytes: width = size, height 1.
        size = '4096x1' if f['name'] == 'BLOB' else '64x64'
        a = run_json('alloc', '-f', f['code'], '-s', size, '-u', 'cpu', '--json')
        check(a['format'] == f['name'] and a['fourcc'] == f['code'], (f, a))
    a = run_json('explain', '-f', '0X3231564E', '-s', '64x64', '-u', 'cpu', '--json')
    check(a['summary'].startswith('NV12 '), a['summary'])
    for bad in ('0x12345678', '0x', '0x123456789', '0xnv12', '3231564e', '0x 3231564e'):
        rc, out, err = run('alloc', '-f', bad, '-s', '64x64', '-u', 'cpu')
        check_failed(rc, err, 2)
        check('format' in err, err)


@test
def usage_errors_list_the_names():
    rc, out, err = run('alloc', '-f', 'R8', '-s', '8x8', '-u', 'cpu,bogus')
    check_failed(rc, err, 2)
    check("unknown usage 'bogus'" in err, err)
    for name in ('cpu_read_often', 'scanout', 'video_decoder', 'protected', 'linear'):
        check(name in err, f'{name} not listed: {err}')
    for bad, why in (('', 'empty usage list'), ('cpu_write,', 'empty entry'),
                     (',cpu', 'empty entry'), ('cpu,,scanout', 'empty entry'),
                     ('cpu scanout', 'not a usage name'), ('cpu|scanout', 'not a usage name')):
        rc, out, err = run('explain', '-f', 'R8', '-s', '8x8', '-u', bad)
        check_failed(rc, err, 2)
        check(why in err, (bad, err))


@test
def alloc_json_on_failure():
    rc, out, err = run('alloc', '-f', 'XR24', '-s', '64x64', '-u', 'scanout', '--json')
    check_failed(rc, err, 1)
    d = json.loads(out)
    check(d['error'] == 'allocation failed' and d['errno'] == 19, d)
    check(d['message'] == os.strerror(19) and 'explain' in d['reason'], d)
    path = os.path.join(TMP.name, 'bad-json.conf')
    with open(path, 'w') as f:
        f.write('bogus\n')
    for cmd in (('alloc', '-f', 'R8', '-s', '8x8', '-u', 'cpu', '--json'),
                ('explain', '-f', 'R8', '-s', '8x8', '-u', 'cpu', '--json'),
                ('info', '--json')):
        rc, out, err = run(*cmd, env={'GRALLOC_CONFIG': path})
        check_failed(rc, err, 1)
        d = json.loads(out)
        check(d['error'] == 'cannot create device' and f'{path}:1' in d['reason'], (cmd, d))


@test
def help_names_environment_and_global_options():
    rc, out, err = run('help')
    for word in ('GRALLOC_CONFIG', 'GRALLOC_DISPLAY', 'GRALLOC_HEAP_DIR', 'GRALLOC_UDMABUF',
                 'GRALLOC_ION_PATH', 'GRALLOC_LOG', '--config FILE', '--display PATH'):
        check(word in out, f'{word} missing from help')


@test
def global_config_and_display_options():
    path = os.path.join(TMP.name, 'bad-global.conf')
    with open(path, 'w') as f:
        f.write('# comment\nbogus\n')
    for opt in (['--config', path], ['--config=' + path]):
        rc, out, err = run(*opt, 'info')
        check_failed(rc, err, 1)
        check(f'{path}:2:' in err, err)
    display = os.path.join(TMP.name, 'no-card7')
    for opt in (['--display', display], ['--display=' + display]):
        rc, out, err = run(*opt, 'info')
        check(rc == 0, err)
        dumb = [l for l in out.splitlines() if l.split()[:1] == ['drm-dumb']]
        check(len(dumb) == 1 and display in dumb[0], out)
    rc, out, err = run('--display', display, '--config', path, 'info')
    check_failed(rc, err, 1)


def complete(line):
    """What tools/gralloc.bash offers for `line` (cursor at the end), in a
    bash without the bash-completion package: _init_completion and
    _filedir are stood in for by the few lines they do here."""
    script = r'''
_init_completion() { words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
    cur=${words[cword]}; prev=${words[cword-1]}; }
_filedir() { COMPREPLY=(FILES); }
compopt() { :; }
complete() { :; }
source "$1"
read -ra COMP_WORDS <<<"$2"
[[ $2 == *' ' ]] && COMP_WORDS+=("")
COMP_WORDS[0]=$3
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_gralloc
printf '%s\n' "${COMPREPLY[@]}"
'''
    p = subprocess.run(['bash', '-c', script, 'complete', COMPLETION, line, GRALLOC],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, p.stderr)
    return p.stdout.split()


@test
def bash_completion():
    got = complete('gralloc ')
    for cmd in ('info', 'alloc', 'explain', 'formats', 'bench', 'demo', 'version', 'help'):
        check(cmd in got, f'{cmd} not offered: {got}')
    check(complete('gralloc al') == ['alloc'], complete('gralloc al'))
    check(complete('gralloc --co') == ['--config'], complete('gralloc --co'))
    check(complete('gralloc --config x ex') == ['explain'], complete('gralloc --config x ex'))
    nv = complete('gralloc alloc -f NV1')
    check('NV12' in nv and 'NV16' in nv, nv)
    check(complete('gralloc explain -u cpu_write,sc') == ['cpu_write,scanout'],
          complete('gralloc explain -u cpu_write,sc'))
    check(complete('gralloc demo --out') == ['--output'], complete('gralloc demo --out'))
    check(complete('gralloc demo --output ') == ['FILES'], 'no file completion')
    check(complete('gralloc help exp') == ['explain'], complete('gralloc help exp'))


@test
def log_levels():
    args = ('alloc', '-f', 'R8', '-s', '8x8', '-u', 'cpu')
    rc, out, err = run(*args)
    check(rc == 0 and err == '', f'silent by default: {err!r}')
    rc, out, err = run(*args, env={'GRALLOC_LOG': 'info'})
    check(rc == 0 and 'gralloc info: ' in err and 'memfd' in err, err)
    check('gralloc debug: ' not in err, err)
    rc, out, err = run(*args, env={'GRALLOC_LOG': 'debug'})
    check(rc == 0 and 'gralloc debug: ' in err and 'gralloc info: ' in err, err)
    rc, out, err = run(*args, env={'GRALLOC_LOG': 'verbose'})
    check(rc == 0, err)
    check(err.count('GRALLOC_LOG=verbose is not a level') == 1, err)
    rc, out, err = run('alloc', '-f', 'XR24', '-s', '8x8', '-u', 'scanout',
                       env={'GRALLOC_LOG': 'verbose'})
    check('gralloc error: ' in err, f'unknown level logs errors: {err}')


BAD_ARGS = [
    ('nope',),
    ('--nope',),
    ('help', 'nope'),
    ('help', 'a', 'b'),
    ('alloc',),
    ('alloc', '-f'),
    ('alloc', '-f', 'XR24', '-s'),
    ('alloc', '-f', 'XR24', '-s', '64x64', '-u'),
    ('alloc', '-f', 'XR24', '-s', '64x64'),
    ('alloc', '-s', '64x64', '-u', 'cpu'),
    ('alloc', '-f', 'XR24', '-u', 'cpu'),
    ('alloc', '-f', 'XR24', '-s', '0x0', '-u', 'cpu'),
    ('alloc', '-f', 'XR24', '-s', '0x16', '-u', 'cpu'),
    ('alloc', '-f', 'XR24', '-s', '99999999999x1', '-u', 'cpu'),
    ('alloc', '-f', 'XR24', '-s', '1x99999999999999999999999', '-u', 'cpu'),
    ('alloc', '-f', 'XR24', '-s', '32769x1', '-u', 'cpu'),
    ('alloc', '-f', 'XR24', '-s', 'abc', '-u', 'cpu'),
    ('alloc', '-f', 'XR24', '-s', '64', '-u', 'cpu'),
    ('alloc', '-f', 'XR24', '-s', '64x', '-u', 'cpu'),
    ('alloc', '-f', 'XR24', '-s', 'x64', '-u', 'cpu'),
    ('alloc', '-f', 'XR24', '-s', '-64x64', '-u', 'cpu'),
    ('alloc', '-f', 'XR24', '-s', ' 64x64', '-u', 'cpu'),
    ('alloc', '-f', 'XR24', '-s', '64x64 ', '-u', 'cpu'),
    ('alloc', '-f', 'XR24', '-s', '0x40x40', '-u', 'cpu'),
    ('alloc', '-f', 'XR24', '-s', '', '-u', 'cpu'),
    ('alloc', '-f', 'NOPE', '-s', '64x64', '-u', 'cpu'),
    ('alloc', '-f', '', '-s', '64x64', '-u', 'cpu'),
    ('alloc', '-f', 'XR24', '-s', '64x64', '-u', 'bogus'),
    ('alloc', '-f', 'XR24', '-s', '64x64', '-u', 'cpu,bogus'),
    ('alloc', '-f', 'XR24', '-s', '64x64', '-u', 'x' * 200),
    ('alloc', '-f', 'XR24', '-s', '64x64', '-u', 'protected,cpu'),
    ('alloc', '-f', 'XR24', '-s', '64x64', '-u', 'cpu', '-l', '0'),
    ('alloc', '-f', 'XR24', '-s', '64x64', '-u', 'cpu', '-l', '-1'),
    ('alloc', '-f', 'XR24', '-s', '64x64', '-u', 'cpu', '-l', '257'),
    ('alloc', '-f', 'XR24', '-s', '64x64', '-u', 'cpu', '-l', '4294967296'),
    ('alloc', '-f', 'XR24', '-s', '64x64', '-u', 'cpu', '-l', 'two'),
    ('alloc', '-f', 'XR24', '-s', '32768x32768', '-u', 'cpu', '-l', '256'),
    ('alloc', '-f', 'XR24', '-s', '64x64', '-u', 'cpu', '-n', 'n' * 64),
    ('alloc', '-f', 'XR24', '-s', '64x64', '-u', 'cpu', 'extra'),
    ('alloc', '-f', 'XR24', '-s', '64x64', '-u', 'cpu', '--bogus'),
    ('alloc', '-f', 'XR24', '-s', '64x64', '-u', 'cpu', '--json=1'),
    ('explain',),
    ('explain', '-f', 'XR24', '-s', 'abc', '-u', 'cpu'),
    ('explain', '-f', 'NOPE', '-s', '64x64', '-u', 'cpu'),
    ('explain', '-f', 'XR24', '-s', '64x64', '-u', 'bogus'),
    ('formats', '--json', '--markdown'),
    ('formats', 'extra'),
    ('formats', '-x'),
    ('info', '--bogus'),
    ('info', 'extra'),
    ('bench', '--heap'),
    ('bench', '--heap', '../system'),
    ('bench', '--heap', ''),
    ('bench', '--heap', 'a b'),
    ('bench', '--iterations', '5'),
    ('bench', 'extra'),
    ('--config',),
    ('--display',),
    ('--config', '', 'info'),
    ('--bogus', 'info'),
    ('--config', '/x'),
    ('version', 'x'),
    ('alloc', '-f', 'XR24', '-s', '64x64', '-u', ''),
    ('alloc', '-f', 'XR24', '-s', '64x64', '-u', 'cpu_write,'),
    ('alloc', '-f', 'XR24', '-s', '64x64', '-u', ','),
    ('alloc', '-f', '0x34325258x', '-s', '64x64', '-u', 'cpu'),
]


def _bad_args_test(args):
    def t():
        rc, out, err = run(*args)
        check_failed(rc, err, 2)
        check('gralloc' in err, err)
    t.__name__ = 'bad_args ' + ' '.join(repr(a) if (' ' in a or not a) else a
                                        for a in args)[:70]
    return t


for _args in BAD_ARGS:
    test(_bad_args_test(_args))


def main():
    print('TAP version 13')
    print(f'1..{len(_results)}')
    failed = 0
    for i, fn in enumerate(_results, 1):
        try:
            fn()
            print(f'ok {i} - {fn.__name__}')
        except Fail as ex:
            failed += 1
            print(f'not ok {i} - {fn.__name__}')
            for line in str(ex).splitlines() or ['']:
                print(f'  # {line}')
        except Exception as ex:  # a crash of the test itself
            failed += 1
            print(f'not ok {i} - {fn.__name__}')
            print(f'  # {type(ex).__name__}: {ex}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
