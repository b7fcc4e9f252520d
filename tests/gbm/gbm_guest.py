# SPDX-License-Identifier: MIT
"""Shared by the GBM guest tests: DRM nodes by driver, the environment that
selects a backend, TAP output. Standard library only."""
import glob
import os
import subprocess
import sys

SYSTEM_GBM_DIR = '/usr/lib/x86_64-linux-gnu/gbm'


def in_vm():
    return os.environ.get('GRALLOC_VM') == '1'


def drm_driver(sysdir):
    """The driver behind /sys/class/drm/<node> (rule of tests/vm/guest/drm-driver.sh)."""
    dev = os.path.join(sysdir, 'device')
    drv = os.path.basename(os.readlink(os.path.join(dev, 'driver'))) \
        if os.path.exists(os.path.join(dev, 'driver')) else ''
    if drv == 'virtio-pci':
        for child in glob.glob(os.path.join(dev, 'virtio*', 'driver')):
            drv = os.path.basename(os.readlink(child))
    elif not drv:
        drv = os.path.basename(os.path.realpath(dev))
    return drv


def node_for(driver, kind='card'):
    """/dev/dri/cardN or renderDN of `driver`, or None."""
    for sysdir in sorted(glob.glob('/sys/class/drm/%s[0-9]*' % kind)):
        name = os.path.basename(sysdir)
        if '-' not in name and drm_driver(sysdir) == driver:
            return '/dev/dri/' + name
    return None


def sanitizer_preload(module_dir):
    """The sanitizer runtimes the module links (a -Db_sanitize build), for
    LD_PRELOAD: Debian's programs are not built with them, and a runtime
    that arrives with a dlopen'ed module must still come first."""
    try:
        out = subprocess.run(['ldd', os.path.join(module_dir, 'gralloc_gbm.so')],
                             stdout=subprocess.PIPE, universal_newlines=True).stdout
    except OSError:
        return ''
    libs = [l.split()[2] for l in out.splitlines()
            if ('libasan' in l or 'libubsan' in l) and '=>' in l and len(l.split()) > 2]
    return ' '.join(libs)


def backend_env(module_dir, mode=None, extra=None):
    """Environment for one run: None mode = Mesa's own backend."""
    env = dict(os.environ)
    for k in ('GBM_BACKEND', 'GRALLOC_GBM_MODE', 'GRALLOC_GBM_CONSUMERS'):
        env.pop(k, None)
    if mode:
        env['GBM_BACKEND'] = 'gralloc'
        # Keep the system directory: Mesa 24 moves its own backend there.
        env['GBM_BACKENDS_PATH'] = module_dir + ':' + SYSTEM_GBM_DIR
        env['GRALLOC_LOG'] = 'info'
        if mode != 'auto':
            env['GRALLOC_GBM_MODE'] = mode
        preload = sanitizer_preload(module_dir)
        if preload:
            env['LD_PRELOAD'] = preload
    env.update(extra or {})
    return env


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = False

    def ok(self, cond, name, why=''):
        self.n += 1
        print('%s %d - %s' % ('ok' if cond else 'not ok', self.n, name))
        if not cond:
            self.failed = True
            for line in str(why).splitlines():
                print('#   ' + line)
        sys.stdout.flush()
        return cond

    def diag(self, text):
        for line in str(text).splitlines():
            print('# ' + line)

    def done(self):
        print('1..%d' % self.n)
        return 1 if self.failed else 0


def missing(tap, what):
    """A device the test needs is absent: fail in the guest, skip elsewhere."""
    if in_vm():
        tap.ok(False, what, 'in the guest (GRALLOC_VM=1) this must exist')
        sys.exit(tap.done())
    print(what + ': run in the guest rig')
    sys.exit(77)


def run(argv, env, timeout=120):
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr
