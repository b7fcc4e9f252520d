#!/usr/bin/env python3
"""Run gralloc's real-kernel tests in a Debian 6.12 guest under QEMU (TCG).

The build machine's own kernel has no dma-buf heaps, no DRM and no udmabuf, so
tests that must touch real kernel objects run in a guest that has them
(system heap, udmabuf, virtio-gpu, vgem, vkms with writeback).  The guest has
no disk: it mounts the host's root read-only over 9p and runs the binaries
built on the host.  See docs/testing.md.

    vm.py prepare                         # download, build and cache (idempotent)
    vm.py run --out DIR [--tests-file F]  # boot once, run tests, print TAP
    vm.py exec -- CMD ARGS...             # boot, run one command, propagate its status
    vm.py shell                           # boot into an interactive shell

Standard library only.
"""

import argparse
import contextlib
import ctypes
import fcntl
import glob
import hashlib
import lzma
import os
import re
import shlex
import socket
import struct
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
INIT_SCRIPT = os.path.join(HERE, 'init.sh')
GUEST_RUNNER = os.path.join(HERE, 'guest-runner.sh')
CACHE_ROOT = os.environ.get('GRALLOC_VM_CACHE', '/var/cache/gralloc-vm')
GUEST_OUT = '/run/gralloc-vm/out'  # where init.sh mounts the 'out' share

HEADERS_META = 'linux-headers-6.12-amd64'
SOURCE_PKG = 'linux-source-6.12'
# Needed before the host root is reachable (9p over virtio-pci).  Anything the
# kernel has built in is dropped when the initramfs is made.
INITRD_MODULES = ['virtio_pci', '9pnet_virtio', '9p']
GUEST_MODULES = ['drm', 'virtio_gpu', 'vgem', 'drm_kms_helper', 'drm_shmem_helper']
HOST_TOOLS = [  # (file that proves it is installed, Debian package)
    ('/usr/bin/qemu-system-x86_64', 'qemu-system-x86'),
    ('/bin/busybox', 'busybox-static'),
    ('/sbin/depmod', 'kmod'),
    ('/usr/bin/cpio', 'cpio'),
    ('/usr/bin/xz', 'xz-utils'),
]
MARKER = '.gralloc-vm-out'  # makes an --out directory safe to clear
SKIP_RC = 77

# Kernel log lines that fail a run.  A WARNING only counts in the kernel's own
# format (from __warn) and with a call trace, because drivers also print the
# word as plain text.
OOPS_PATTERNS = [
    re.compile(r'\bOops\b'),
    re.compile(r'\bBUG:'),
    re.compile(r'Kernel panic'),
    re.compile(r'general protection fault'),
    re.compile(r'blocked for more than \d+ seconds'),  # hung task: a driver deadlock
]
WARNING_RE = re.compile(r'\bWARNING: (CPU: \d+ PID: \d+ )?at ')
CALL_TRACE_RE = re.compile(r'Call Trace:')


class VmError(Exception):
    """An error with a message meant for the user, no traceback."""


def log(msg):
    # stdout carries TAP (run) or the command's output (exec): keep it clean.
    print(f'[vm] {msg}', file=sys.stderr, flush=True)


@contextlib.contextmanager
def step(name):
    t0 = time.monotonic()
    log(f'{name} ...')
    yield
    log(f'{name}: {time.monotonic() - t0:.1f} s')


def sh(cmd, cwd=None, logfile=None, check=True):
    """Run a command; on failure raise VmError with the tail of its output."""
    printable = cmd if isinstance(cmd, str) else shlex.join(cmd)
    p = subprocess.run(cmd, cwd=cwd, shell=isinstance(cmd, str), executable='/bin/bash' if isinstance(cmd, str) else None,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if logfile:
        with open(logfile, 'a') as f:
            f.write(f'$ {printable}\n{p.stdout}')
    if check and p.returncode != 0:
        tail = '\n'.join(p.stdout.splitlines()[-30:])
        raise VmError(f'command failed (exit {p.returncode}): {printable}\n{tail}')
    return p.stdout


def require_root(what):
    if os.geteuid() != 0:
        raise VmError(f'{what} needs root (apt-get, mknod, QEMU 9p passthrough of /)')


# ---------------------------------------------------------------------------
# prepare


def resolve_kernel_version():
    """The one kernel X used everywhere, e.g. 6.12.117+deb12-amd64."""
    forced = os.environ.get('GRALLOC_VM_KERNEL')
    if forced:
        return forced
    out = sh(['apt-cache', 'depends', HEADERS_META], check=False)
    m = re.search(r'Depends:\s*linux-headers-(6\.12\.\S+-amd64)', out)
    if not m:
        raise VmError(f'cannot resolve the kernel version from `apt-cache depends {HEADERS_META}`'
                      f' (run apt-get update?):\n{out.strip()}')
    return m.group(1)


def apt_install(pkgs, logfile):
    # Another apt (e.g. a provisioning script) may hold the lock: wait for it.
    sh(['apt-get', 'install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300'] + pkgs,
       logfile=logfile)


class Cache:
    def __init__(self, kver):
        self.kver = kver
        self.dir = os.path.join(CACHE_ROOT, kver)
        self.kdir = os.path.join(self.dir, 'kernel')  # dpkg-deb -x of the image package
        self.vmlinuz = os.path.join(self.kdir, 'boot', f'vmlinuz-{kver}')
        self.moddir = os.path.join(self.kdir, 'lib', 'modules', kver)
        self.vkms_dir = os.path.join(self.dir, 'vkms')
        self.vkms = os.path.join(self.vkms_dir, 'vkms.ko')
        self.log = os.path.join(self.dir, 'prepare.log')

    def initramfs(self):
        return os.path.join(self.dir, f'initramfs-{initramfs_key(self)}.cpio.gz')

    def ready(self):
        return all(os.path.exists(p) for p in
                   (os.path.join(self.kdir, '.done'), self.vkms, self.initramfs()))


def initramfs_key(cache):
    """Changes whenever anything that goes into the initramfs changes."""
    h = hashlib.sha256()
    for path in (INIT_SCRIPT, '/bin/busybox'):
        with open(path, 'rb') as f:
            h.update(f.read())
    h.update(repr((cache.kver, cache.kdir, cache.vkms, INITRD_MODULES, GUEST_MODULES)).encode())
    return h.hexdigest()[:12]


@contextlib.contextmanager
def cache_lock():
    os.makedirs(CACHE_ROOT, exist_ok=True)
    with open(os.path.join(CACHE_ROOT, '.lock'), 'w') as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def prepare(quiet_if_ready=False):
    t_all = time.monotonic()
    for path in (INIT_SCRIPT, GUEST_RUNNER):
        if not os.path.exists(path):
            raise VmError(f'missing {path}')
    kver = resolve_kernel_version()
    cache = Cache(kver)
    if cache.ready():
        os.utime(cache.initramfs())  # marks it as in use for the pruning above
        if not quiet_if_ready:
            log(f'cache for {kver} is ready in {cache.dir}')
        return cache
    require_root('prepare')
    with cache_lock():
        os.makedirs(cache.dir, exist_ok=True)
        log(f'preparing kernel {kver} in {cache.dir} (details in {cache.log})')

        missing = [pkg for path, pkg in HOST_TOOLS if not os.path.exists(path)]
        headers = f'linux-headers-{kver}'
        if not os.path.exists(f'/usr/src/{headers}/Makefile'):
            missing.append(headers)
        if missing:
            with step(f'apt-get install {" ".join(missing)}'):
                apt_install(missing, cache.log)

        if not os.path.exists(os.path.join(cache.kdir, '.done')):
            fetch_kernel(cache)
        if not os.path.exists(cache.vkms):
            build_vkms(cache, headers)
        if not os.path.exists(cache.initramfs()):
            build_initramfs(cache)
    log(f'prepare: {time.monotonic() - t_all:.1f} s total')
    return cache


def fetch_kernel(cache):
    dl = tempfile.mkdtemp(prefix='dl-', dir=cache.dir)
    try:
        pkg = f'linux-image-{cache.kver}-unsigned'
        with step(f'apt-get download {pkg}'):
            sh(['apt-get', 'download', pkg], cwd=dl, logfile=cache.log)
        deb = glob.glob(os.path.join(dl, '*.deb'))[0]
        with step('extract kernel package'):
            shutil.rmtree(cache.kdir, ignore_errors=True)
            sh(['dpkg-deb', '-x', deb, cache.kdir], logfile=cache.log)
            if not os.path.exists(cache.vmlinuz) or not os.path.isdir(cache.moddir):
                raise VmError(f'{deb} does not contain {cache.vmlinuz} and {cache.moddir}')
        with step('depmod'):
            sh(['depmod', '-b', cache.kdir, cache.kver], logfile=cache.log)
        with open(os.path.join(cache.kdir, 'version'), 'w') as f:
            f.write(sh(['dpkg-deb', '-f', deb, 'Version']))
        open(os.path.join(cache.kdir, '.done'), 'w').close()
    finally:
        shutil.rmtree(dl, ignore_errors=True)


def build_vkms(cache, headers):
    """vkms is not in Debian's build; build it from the same kernel's source."""
    with open(os.path.join(cache.kdir, 'version')) as f:
        version = f.read().strip()
    work = tempfile.mkdtemp(prefix='vkms-', dir=cache.dir)
    try:
        with step(f'apt-get download {SOURCE_PKG}={version}'):
            sh(['apt-get', 'download', f'{SOURCE_PKG}={version}'], cwd=work, logfile=cache.log)
        deb = glob.glob(os.path.join(work, '*.deb'))[0]
        with step('extract drivers/gpu/drm/vkms from the source tarball'):
            # Stream: the tarball is ~150 MB and only a few files are needed.
            sh(f'set -o pipefail; dpkg-deb --fsys-tarfile {shlex.quote(deb)}'
               f' | tar -xO ./usr/src/{SOURCE_PKG}.tar.xz'
               f' | tar -xJ -C {shlex.quote(work)} {SOURCE_PKG}/drivers/gpu/drm/vkms', logfile=cache.log)
        src = os.path.join(work, SOURCE_PKG, 'drivers', 'gpu', 'drm', 'vkms')
        with step('build vkms.ko out of tree'):
            sh(['make', '-C', f'/usr/src/{headers}', f'M={src}', 'CONFIG_DRM_VKMS=m',
                f'-j{os.cpu_count() or 1}', 'modules'], logfile=cache.log)
        os.makedirs(cache.vkms_dir, exist_ok=True)
        shutil.copy2(os.path.join(src, 'vkms.ko'), cache.vkms + '.tmp')
        os.replace(cache.vkms + '.tmp', cache.vkms)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def module_closure(cache, names):
    """Module files for `names` and their dependencies, dependencies first."""
    deps = {}
    with open(os.path.join(cache.moddir, 'modules.dep')) as f:
        for line in f:
            mod, _, rest = line.partition(':')
            deps[mod] = rest.split()
    by_name = {os.path.basename(p).split('.ko')[0].replace('-', '_'): p for p in deps}
    with open(os.path.join(cache.moddir, 'modules.builtin')) as f:
        builtin = {os.path.basename(l.strip()).split('.ko')[0].replace('-', '_') for l in f}
    order = []

    def visit(path):
        # modules.dep already lists the full transitive closure, deepest last.
        for d in reversed(deps[path]):
            if d not in order:
                order.append(d)
        if path not in order:
            order.append(path)

    for name in names:
        key = name.replace('-', '_')
        if key in builtin:
            continue
        if key not in by_name:
            raise VmError(f'module {name} is neither built into {cache.kver} nor in {cache.moddir}')
        visit(by_name[key])
    return order


def build_initramfs(cache):
    with step('build initramfs'):
        stage = tempfile.mkdtemp(prefix='initramfs-', dir=cache.dir)
        try:
            for d in ('bin', 'dev', 'proc', 'sys', 'modules', 'host'):
                os.makedirs(os.path.join(stage, d))
            shutil.copy2('/bin/busybox', os.path.join(stage, 'bin', 'busybox'))
            shutil.copy2(INIT_SCRIPT, os.path.join(stage, 'init'))
            os.chmod(os.path.join(stage, 'init'), 0o755)
            # The kernel opens /dev/console for init before devtmpfs is mounted.
            os.mknod(os.path.join(stage, 'dev', 'console'), 0o600 | 0o020000, os.makedev(5, 1))
            names = []
            for rel in module_closure(cache, INITRD_MODULES):
                name = os.path.basename(rel).split('.ko')[0]
                src = os.path.join(cache.moddir, rel)
                opener = lzma.open if src.endswith('.xz') else open
                with opener(src, 'rb') as fi, open(os.path.join(stage, 'modules', name + '.ko'), 'wb') as fo:
                    shutil.copyfileobj(fi, fo)
                names.append(name)
            with open(os.path.join(stage, 'gvm.conf'), 'w') as f:
                f.write(f'KVER={shlex.quote(cache.kver)}\n'
                        f'KDIR={shlex.quote(cache.kdir)}\n'
                        f'VKMS={shlex.quote(cache.vkms)}\n'
                        f'INITRD_MODULES={shlex.quote(" ".join(names))}\n'
                        f'GUEST_MODULES={shlex.quote(" ".join(GUEST_MODULES))}\n')
            target = cache.initramfs()
            sh(f'cd {shlex.quote(stage)} && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1 > {shlex.quote(target + ".tmp")}',
               logfile=cache.log)
            os.replace(target + '.tmp', target)
            # Other checkouts (other init.sh versions) share this cache and may
            # be booting theirs right now: only prune what nobody used for a week.
            for old in glob.glob(os.path.join(cache.dir, 'initramfs-*.cpio.gz')):
                if old != target and time.time() - os.path.getmtime(old) > 7 * 86400:
                    os.unlink(old)
            log(f'initramfs modules: {" ".join(names)}')
        finally:
            shutil.rmtree(stage, ignore_errors=True)


# ---------------------------------------------------------------------------
# booting


def _die_with_parent():
    # If vm.py is SIGKILLed (e.g. by a test harness), QEMU must not live on.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _raise_on_signal(signum, _frame):
    raise KeyboardInterrupt(f'signal {signum}')


def monitor_path(out):
    """A unix socket path must fit in sun_path (108 bytes)."""
    path = os.path.join(out, 'monitor.sock')
    if len(path.encode()) < 100:
        return path, None
    tmp = tempfile.mkdtemp(prefix='gvm-mon-')
    return os.path.join(tmp, 'monitor.sock'), tmp


# The guest's GPU.  '2d': plain virtio-gpu, the guest copies every frame.
# 'virgl': virtio-gpu with 3D; QEMU renders the guest's GL with its own
# software GL context.  egl-headless opens whatever rendernode= names, and
# Mesa's GBM falls back to llvmpipe on a node that is no DRM device, so no
# host GPU or X server is needed.  Debian's QEMU has the GL device in
# qemu-system-gui (hw-display-virtio-gpu-gl).
GPU_MODES = {
    '2d': ['-device', 'virtio-gpu-pci'],
    'virgl': ['-display', 'egl-headless,rendernode=/dev/null', '-device', 'virtio-gpu-gl-pci'],
}
GPU_PACKAGES = {'virgl': ('/usr/lib/x86_64-linux-gnu/qemu/hw-display-virtio-gpu-gl.so', 'qemu-system-gui')}


def check_gpu(gpu):
    need = GPU_PACKAGES.get(gpu)
    if need and not os.path.exists(need[0]):
        raise VmError(f'--gpu {gpu} needs {need[0]} (apt-get install {need[1]}; scripts/deps.sh installs it)')


def vnc_path(monitor):
    """The VNC socket sits beside the monitor's (both fit sun_path)."""
    return os.path.join(os.path.dirname(monitor), 'vnc.sock')


def qemu_command(cache, out, mode, monitor, interactive, gpu='2d'):
    append = ['console=ttyS0', 'panic=-1', f'gvm_mode={mode}', f'gvm_runner={GUEST_RUNNER}',
              # fbdev emulation puts fbcon on virtio-gpu and vkms: it costs CPU
              # under TCG, holds the CRTCs before tests do, and its damage
              # worker races power-off (WARNING in virtio_gpu_queue_fenced_ctrl_buffer
              # from drm_fb_helper_damage_work, seen in 2 of ~15 boots).
              'drm_kms_helper.fbdev_emulation=0']
    # On an interactive console only real trouble should interrupt the shell.
    append.append('loglevel=4' if interactive else 'loglevel=7')
    for p in (GUEST_RUNNER, out):
        if any(c.isspace() for c in p) or ',' in p:
            raise VmError(f'path {p!r} contains whitespace or a comma, which the kernel command line/QEMU cannot carry')
    cmd = ['qemu-system-x86_64', '-accel', 'tcg', '-m', '2048', '-smp', '2',
           '-nographic', '-no-reboot', '-vga', 'none', '-nic', 'none', '-parallel', 'none',
           '-kernel', cache.vmlinuz, '-initrd', cache.initramfs(), '-append', ' '.join(append),
           *GPU_MODES[gpu],
           '-virtfs', 'local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap',
           '-virtfs', f'local,path={out},mount_tag=out,security_model=none,multidevs=remap',
           '-monitor', f'unix:{monitor},server,nowait',
           # QEMU 7.2's screendump answers "no surface" while a GL scanout is
           # active; its VNC server still reads the frame back.
           '-vnc', f'unix:{vnc_path(monitor)}']
    if interactive:
        cmd += ['-serial', 'mon:stdio']
    else:
        cmd += ['-serial', f'file:{os.path.join(out, "console.log")}']
    return cmd


SANITIZER_ENV = ('ASAN_OPTIONS', 'LSAN_OPTIONS', 'UBSAN_OPTIONS')


def write_job_env(out, monitor, test_timeout=120, cwd=None, gpu='2d'):
    env = {
        'GRALLOC_VM': '1',
        'GRALLOC_VM_GPU': gpu,
        'GRALLOC_VM_OUT': GUEST_OUT,
        'GRALLOC_VM_MONITOR': monitor,
        'GVM_TEST_TIMEOUT': str(test_timeout),
        'GVM_CWD': cwd or os.getcwd(),
        'GVM_TERM': os.environ.get('TERM', 'vt100'),
    }
    size = shutil.get_terminal_size((80, 24))
    env['GVM_COLS'], env['GVM_ROWS'] = str(size.columns), str(size.lines)
    # A sanitizer build of the tests runs in the guest with the host's
    # sanitizer settings (suppression files are host paths, visible there).
    for k in SANITIZER_ENV:
        if k in os.environ:
            env[k] = os.environ[k]
    with open(os.path.join(out, 'job.env'), 'w') as f:
        for k, v in env.items():
            f.write(f'{k}={shlex.quote(v)}\n')


def prepare_out_dir(out):
    """Results of an earlier run must never be mistaken for this run's."""
    out = os.path.abspath(out)
    if os.path.isdir(out) and os.listdir(out):
        if not os.path.exists(os.path.join(out, MARKER)):
            raise VmError(f'{out} is not empty and was not made by vm.py; refusing to clear it')
        for entry in os.listdir(out):
            p = os.path.join(out, entry)
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p)
            else:
                os.unlink(p)
    os.makedirs(out, exist_ok=True)
    open(os.path.join(out, MARKER), 'w').close()
    return out


class Guest:
    """One QEMU process; always killed (with its process group) on exit."""

    def __init__(self, cmd, out, interactive=False):
        self.cmd, self.out, self.interactive = cmd, out, interactive
        self.proc = None
        self.killed = False

    def __enter__(self):
        with open(os.path.join(self.out, 'qemu-cmdline.txt'), 'w') as f:
            f.write(shlex.join(self.cmd) + '\n')
        if self.interactive:
            self.proc = subprocess.Popen(self.cmd, preexec_fn=_die_with_parent)
        else:
            self.stderr = open(os.path.join(self.out, 'qemu-stderr.txt'), 'w')
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=self.stderr,
                                         stderr=subprocess.STDOUT, start_new_session=True,
                                         preexec_fn=_die_with_parent)
        return self

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.killed = True
            try:
                if self.interactive:
                    self.proc.kill()
                else:
                    os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()

    def __exit__(self, *exc):
        self.kill()
        if not self.interactive:
            self.stderr.close()

    def progress(self):
        """What a running guest changes: its console and its test results."""
        sig = []
        for d in (self.out, os.path.join(self.out, 'tests')):
            try:
                with os.scandir(d) as it:
                    sig.extend((e.name, e.stat().st_size) for e in it if e.is_file())
            except FileNotFoundError:
                pass
        return sorted(sig)

    def wait(self, deadline, boot_deadline=None, on_tick=None, stall_after=None):
        """Wait for power-off; kill at the deadline.  Returns 'exited', 'hung', 'noboot'
        or 'stalled' (the runner started, then nothing changed for stall_after s)."""
        started = os.path.join(self.out, 'runner-started')
        last, changed = None, time.monotonic()
        while self.proc.poll() is None:
            now = time.monotonic()
            if on_tick:
                on_tick()
            if now > deadline:
                self.kill()
                return 'hung'
            if boot_deadline and now > boot_deadline and not os.path.exists(started):
                self.kill()
                return 'noboot'
            if stall_after and os.path.exists(started):
                sig = self.progress()
                if sig != last:
                    last, changed = sig, now
                elif now - changed > stall_after:
                    self.kill()
                    return 'stalled'
            time.sleep(0.2)
        if on_tick:
            on_tick()
        return 'exited'


class Tail:
    """Copies what a growing file gains to a stream (console or exec output)."""

    def __init__(self, path, stream):
        self.path, self.stream, self.pos = path, stream, 0

    def __call__(self):
        try:
            with open(self.path, 'rb') as f:
                f.seek(self.pos)
                data = f.read()
        except FileNotFoundError:
            return
        if data:
            self.pos += len(data)
            self.stream.buffer.write(data)
            self.stream.flush()


class ScreendumpRelay:
    """Lets guest tests ask QEMU for a screendump, an oracle of what the
    display shows.  A guest cannot reach the host's monitor socket, so it
    writes `screendump.request` (holding a file name; written under another
    name and renamed, so it is never seen half-written) into the out share;
    this relay asks the monitor to dump to that name in the out share and
    then writes `<name>.done`, which the guest waits for."""

    REQUEST = 'screendump.request'

    def __init__(self, out, monitor):
        self.out, self.monitor = out, monitor

    def __call__(self):
        req = os.path.join(self.out, self.REQUEST)
        try:
            with open(req) as f:
                name = f.read().strip()
        except FileNotFoundError:
            return
        if not name:
            return  # still being written: look again at the next tick
        os.unlink(req)
        status = 'ok'
        if not re.fullmatch(r'[A-Za-z0-9._-]+\.ppm', name):
            status = f'refused: bad name {name!r}'
        else:
            try:
                self._dump(os.path.join(self.out, name))
            except OSError as e:
                status = f'failed: {e}'
        with open(os.path.join(self.out, name + '.done.tmp'), 'w') as f:
            f.write(status + '\n')
        os.replace(os.path.join(self.out, name + '.done.tmp'),
                   os.path.join(self.out, name + '.done'))

    def _dump(self, path):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(self.monitor)
            self._until_prompt(sock)
            sock.sendall(f'screendump {path}\n'.encode())
            answer = self._until_prompt(sock)
        if os.path.exists(path):
            return
        # A GL scanout (virgl) has no 2D surface for screendump; the VNC
        # server reads the GL frame back.
        try:
            width, height, pixels = vnc_grab(vnc_path(self.monitor))
        except OSError as e:
            raise OSError(f'screendump: {answer.strip() or "no file"}; VNC: {e}') from e
        with open(path + '.tmp', 'wb') as f:
            f.write(b'P6\n%d %d\n255\n' % (width, height))
            f.write(pixels)
        os.replace(path + '.tmp', path)

    @staticmethod
    def _until_prompt(sock):
        buf = b''
        while not buf.endswith(b'(qemu) '):
            chunk = sock.recv(4096)
            if not chunk:
                raise OSError('monitor closed')
            buf += chunk
        return buf[:-len(b'(qemu) ')].decode(errors='replace').split('\n', 1)[-1]


def _recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise OSError('VNC server closed the connection')
        buf += chunk
    return bytes(buf)


def vnc_grab(path):
    """One full frame from QEMU's VNC server over RFB 3.8 (security 'None',
    raw encoding, 32 bpp little-endian XRGB).  Returns (width, height, RGB
    bytes)."""

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(path)
        if not _recv_exact(s, 12).startswith(b'RFB 003.'):
            raise OSError('not an RFB server')
        s.sendall(b'RFB 003.008\n')
        types = _recv_exact(s, _recv_exact(s, 1)[0])
        if 1 not in types:
            raise OSError(f'VNC offers no security type None ({list(types)})')
        s.sendall(b'\x01')
        if struct.unpack('>I', _recv_exact(s, 4))[0] != 0:
            raise OSError('VNC security handshake failed')
        s.sendall(b'\x01')  # ClientInit: shared
        width, height = struct.unpack('>HH', _recv_exact(s, 4))
        _recv_exact(s, 16)  # the server's pixel format: replaced below
        _recv_exact(s, struct.unpack('>I', _recv_exact(s, 4))[0])  # desktop name
        # SetPixelFormat: 32 bpp, depth 24, little endian, true colour,
        # 8 bits per channel at shifts 16 (R), 8 (G), 0 (B).
        s.sendall(struct.pack('>B3xBBBBHHHBBB3x', 0, 32, 24, 0, 1, 255, 255, 255, 16, 8, 0))
        s.sendall(struct.pack('>BxHi', 2, 1, 0))  # SetEncodings: raw only
        s.sendall(struct.pack('>BBHHHH', 3, 0, 0, 0, width, height))  # full update
        frame = bytearray(width * height * 3)
        covered = 0
        while covered < width * height:
            msg = _recv_exact(s, 1)[0]
            if msg == 2:  # Bell
                continue
            if msg == 3:  # ServerCutText
                _recv_exact(s, 3)
                _recv_exact(s, struct.unpack('>I', _recv_exact(s, 4))[0])
                continue
            if msg != 0:
                raise OSError(f'unexpected VNC message {msg}')
            _recv_exact(s, 1)
            for _ in range(struct.unpack('>H', _recv_exact(s, 2))[0]):
                x, y, w, h, enc = struct.unpack('>HHHHi', _recv_exact(s, 12))
                if enc != 0:
                    raise OSError(f'VNC sent encoding {enc}, asked for raw')
                data = _recv_exact(s, w * h * 4)
                for row in range(h):
                    src = data[row * w * 4:(row + 1) * w * 4]
                    rgb = bytearray(w * 3)
                    rgb[0::3], rgb[1::3], rgb[2::3] = src[2::4], src[1::4], src[0::4]
                    off = ((y + row) * width + x) * 3
                    frame[off:off + w * 3] = rgb
                covered += w * h
        return width, height, bytes(frame)


def boot(cache, out, mode, monitor, timeout, boot_timeout, verbose=False, tail=None, gpu='2d',
         stall_after=None):
    cmd = qemu_command(cache, out, mode, monitor, interactive=False, gpu=gpu)
    ticks = [ScreendumpRelay(out, monitor)]
    if verbose:
        ticks.append(Tail(os.path.join(out, 'console.log'), sys.stderr))
    if tail:
        ticks.append(tail)
    t0 = time.monotonic()
    with Guest(cmd, out) as g:
        state = g.wait(t0 + timeout, t0 + min(boot_timeout, timeout),
                       on_tick=lambda: [t() for t in ticks], stall_after=stall_after)
        rc = g.proc.returncode
    log(f'guest {mode} ({gpu}): {time.monotonic() - t0:.1f} s, {state}, qemu exit {rc}')
    return state, rc


def remove_monitor(monitor, montmp):
    # QEMU leaves its sockets behind; a stale one would only confuse.
    for sock in (monitor, vnc_path(monitor)):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(sock)
    if montmp:
        shutil.rmtree(montmp, ignore_errors=True)


# ---------------------------------------------------------------------------
# results


STALE_INT3_LOG = 'console-stale-int3-run.log'
CODE_BEFORE_IP_RE = re.compile(r'\bCode: .*\b([0-9a-f]{2}) <[0-9a-f]{2}>')


def stale_int3(lines):
    """Index of the first Oops when it is an int3 trap whose instruction is
    no longer int3 (0xcc) in the kernel's own Code: dump, else None.  That
    is a breakpoint the kernel had already patched away when the vCPU ran
    it: TCG running stale translated code during text_poke_bp (a static key
    flipped, e.g. "sched_clock: Marking unstable"), not a kernel bug.  int3
    is a trap, so the dump marks the byte after it: a breakpoint still in
    place shows "cc <..>"."""
    for i, line in enumerate(lines):
        if not any(p.search(line) for p in OOPS_PATTERNS):
            continue
        if 'Oops: int3' not in line:
            return None  # the first problem is something else
        for later in lines[i + 1:i + 40]:
            m = CODE_BEFORE_IP_RE.search(later)
            if m:
                return i if m.group(1) != 'cc' else None
        return None
    return None


def kernel_log_problems(out):
    """Oops/BUG/panic/WARNING-with-trace lines from the console and dmesg;
    in the console of a run that ended on a stale int3, only what came
    before it."""
    found = []
    for name in ('console.log', 'dmesg.txt', 'console-frozen-run.log', STALE_INT3_LOG):
        try:
            with open(os.path.join(out, name), errors='replace') as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            continue
        if name == STALE_INT3_LOG:
            end = stale_int3(lines)
            lines = lines[:end] if end is not None else lines
        for i, line in enumerate(lines):
            if any(p.search(line) for p in OOPS_PATTERNS):
                found.append(f'{name}:{i + 1}: {line.strip()}')
            elif WARNING_RE.search(line) and any(CALL_TRACE_RE.search(l) for l in lines[i + 1:i + 60]):
                found.append(f'{name}:{i + 1}: {line.strip()}')
    return found


def read_tests_file(path):
    tests = []
    seen = set()
    try:
        lines = open(path).read().splitlines()
    except OSError as e:
        raise VmError(f'cannot read the tests file: {e}')
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.startswith('#'):
            continue
        fields = line.split('\t')
        if len(fields) < 2 or len(fields) > 3:
            raise VmError(f'{path}:{n}: expected name<TAB>absolute path[<TAB>args], got {line!r}')
        name, exe = fields[0].strip(), fields[1].strip()
        args = fields[2].strip() if len(fields) > 2 else ''
        if not re.fullmatch(r'[A-Za-z0-9_.+-]+', name):
            raise VmError(f'{path}:{n}: test name {name!r} must match [A-Za-z0-9_.+-]+ (it names files)')
        if name in seen:
            raise VmError(f'{path}:{n}: duplicate test name {name!r}')
        if not os.path.isabs(exe):
            raise VmError(f'{path}:{n}: {exe!r} is not an absolute path')
        seen.add(name)
        tests.append((name, exe, args))
    return tests


def last_line(text):
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    return lines[-1] if lines else 'no reason given'


def clean(text):
    return re.sub(r'[\t\r\n]+', ' ', text)


def collect(out, tests, state, qemu_rc, overall_timeout):
    """[(name, status, reason, detail)] for the synthetic checks and every test."""
    results = []
    started = os.path.exists(os.path.join(out, 'runner-started'))
    try:
        with open(os.path.join(out, 'qemu-stderr.txt'), errors='replace') as f:
            qemu_err = f.read()
    except FileNotFoundError:
        qemu_err = ''

    if started:
        results.append(('guest-boot', 'pass', '', ''))
    else:
        why = {'noboot': 'the guest runner did not start within the boot timeout (--boot-timeout)',
               'hung': 'the guest hung before the runner started'}.get(state, f'QEMU exited ({qemu_rc}) before the runner started')
        results.append(('guest-boot', 'fail', why, qemu_err + tail_file(os.path.join(out, 'console.log'), 40)))

    facts = {}
    try:
        with open(os.path.join(out, 'guest-facts.txt')) as f:
            facts = dict(l.strip().split('=', 1) for l in f if '=' in l)
    except FileNotFoundError:
        pass
    heap = facts.get('dma_heap_system', 'unknown (runner recorded nothing)')
    if heap not in ('missing',) and not heap.startswith('unknown'):
        results.append(('guest-dma-heap', 'pass', '', ''))
    else:
        results.append(('guest-dma-heap', 'fail', f'/dev/dma_heap/system: {heap}', ''))

    for name, exe, _args in tests:
        logf = os.path.join(out, 'tests', f'{name}.log')
        rcf = os.path.join(out, 'tests', f'{name}.rc')
        output = tail_file(logf, 10**9)
        if os.path.exists(rcf):
            with open(rcf) as f:
                rc = int(f.read().strip() or -1)
            if rc == 0:
                results.append((name, 'pass', '', output))
            elif rc == SKIP_RC:
                results.append((name, 'skip', last_line(output), output))
            elif rc in (124, 137):
                results.append((name, 'fail', f'timed out in the guest (exit {rc})', output))
            elif rc in (126, 127):
                results.append((name, 'fail', f'could not execute {exe} (exit {rc})', output))
            else:
                results.append((name, 'fail', f'exit status {rc}', output))
        elif os.path.exists(logf):
            results.append((name, 'fail', 'no exit status: the guest died or hung during this test', output))
        else:
            results.append((name, 'fail', 'not run', ''))

    problems = kernel_log_problems(out)
    if problems:
        results.append(('guest-kernel-log', 'fail', f'{len(problems)} kernel error line(s), see console.log',
                        '\n'.join(problems[:50])))
    elif not started:
        results.append(('guest-kernel-log', 'fail', 'no usable kernel log (guest did not boot)', ''))
    else:
        results.append(('guest-kernel-log', 'pass', '', ''))

    if state == 'stalled':
        results.append(('guest-shutdown', 'fail', 'guest froze: nothing changed on its console or in its '
                        'results for longer than a test may take', tail_file(os.path.join(out, 'console.log'), 40)))
    elif state == 'hung':
        results.append(('guest-shutdown', 'fail', f'guest hung: killed after the overall timeout of {overall_timeout} s',
                        tail_file(os.path.join(out, 'console.log'), 40)))
    elif not os.path.exists(os.path.join(out, 'runner-finished')):
        results.append(('guest-shutdown', 'fail', 'the guest runner did not finish', tail_file(os.path.join(out, 'console.log'), 40)))
    else:
        results.append(('guest-shutdown', 'pass', '', ''))
    return results


def tail_file(path, n):
    try:
        with open(path, errors='replace') as f:
            return '\n'.join(f.read().splitlines()[-n:])
    except FileNotFoundError:
        return ''


def print_tap(results, out):
    print('TAP version 13')
    print(f'1..{len(results)}')
    for i, (name, status, reason, detail) in enumerate(results, 1):
        if status == 'pass':
            print(f'ok {i} - {name}')
        elif status == 'skip':
            print(f'ok {i} - {name} # SKIP {clean(reason)}')
        else:
            print(f'not ok {i} - {name}')
            print(f'# {clean(reason)}')
            lines = detail.splitlines()
            if len(lines) > 200:
                print(f'# ... {len(lines) - 200} earlier lines in {out}')
                lines = lines[-200:]
            for line in lines:
                print(f'#   {line}')
    sys.stdout.flush()
    with open(os.path.join(out, 'results.tsv'), 'w') as f:
        for name, status, reason, _ in results:
            f.write(f'{name}\t{status}\t{clean(reason)}\n')


# ---------------------------------------------------------------------------
# subcommands


def cmd_prepare(args):
    prepare()
    return 0


def cmd_run(args):
    if args.skip_unprivileged and os.geteuid() != 0:
        # A developer's `meson test` as a normal user: the guest cannot be
        # prepared or booted, which is a fact of the machine, not a failure.
        print('1..0 # SKIP guest suite needs root (prepare: apt-get, mknod; '
              'QEMU exports / over 9p); run `meson test --suite vm` as root')
        return 0
    cache = prepare(quiet_if_ready=True) if args.prepare else require_ready()
    tests = read_tests_file(args.tests_file) if args.tests_file else []
    out = prepare_out_dir(args.out)
    with open(os.path.join(out, 'tests.tsv'), 'w') as f:
        for name, exe, a in tests:
            f.write(f'{name}\t{exe}\t{a}\n')
    monitor, montmp = monitor_path(out)
    write_job_env(out, monitor, test_timeout=args.test_timeout, cwd='/tmp', gpu=args.gpu)
    retried = resumed = None
    # The runner ends every test within its limit (timeout -k 10), so a
    # guest whose console and results stay unchanged for longer is frozen.
    stall_after = args.test_timeout + 60
    try:
        state, rc = boot(cache, out, 'run', monitor, args.timeout, args.boot_timeout, verbose=args.verbose,
                         gpu=args.gpu, stall_after=stall_after)
        started = os.path.exists(os.path.join(out, 'runner-started'))
        finished = os.path.exists(os.path.join(out, 'runner-finished'))
        if state == 'stalled' and started:
            resumed = resume_after_freeze(out, tests)
        elif state == 'exited' and started and not finished and console_stale_int3(out):
            # The kernel died on a breakpoint it had already patched away
            # (stale_int3(): the emulator, seen once in ~20 CI runs).  Like
            # a freeze: the rest runs in a second boot, the first console
            # is kept and checked up to that Oops, and it is reported.
            resumed = resume_after_freeze(out, tests, 'stale-int3')
            if resumed:
                state = 'stale-int3'
        if resumed:
            # The whole guest stopped mid-run (seen a few times in hundreds
            # of boots, a different test each time, no Oops: the emulator
            # starved on a loaded host).  The finished results stay; the
            # test it froze in and those after it run in a second boot.  It
            # is reported, never hidden, and a second freeze fails.
            log(f'guest {"froze" if state == "stalled" else "died on a stale int3"} during '
                f'{resumed[0]} ({state}); booting once more for the {resumed[1]} test(s) not '
                f'finished, first console kept in {resumed[2]}')
            state, rc = boot(cache, out, 'run', monitor, args.timeout, args.boot_timeout,
                             verbose=args.verbose, gpu=args.gpu, stall_after=stall_after)
        elif not os.path.exists(os.path.join(out, 'runner-started')):
            # The kernel died before any test ran (seen once in ~40 boots:
            # an int3 Oops in early boot under TCG).  No result is lost by
            # booting again; the first console is kept and the retry is
            # reported, never hidden.
            retried = os.path.join(out, 'console-first-boot.log')
            os.replace(os.path.join(out, 'console.log'), retried)
            log(f'guest never reached the test runner ({state}); booting once more, '
                f'first console kept in {retried}')
            state, rc = boot(cache, out, 'run', monitor, args.timeout, args.boot_timeout,
                             verbose=args.verbose, gpu=args.gpu)
    finally:
        remove_monitor(monitor, montmp)
    results = collect(out, tests, state, rc, args.timeout)
    print_tap(results, out)
    if retried:
        print(f'# the first boot never reached the test runner and was retried; '
              f'its console: {retried}')
    if resumed:
        what = 'died on a stale int3 (an emulator artifact)' if resumed[4] else 'froze'
        print(f'# the guest {what} during {resumed[0]}; it and the {resumed[1] - 1} test(s) after '
              f'it ran in a second boot; the first console: {resumed[2]}, that test\'s output: '
              f'{resumed[3]}')
    failed = [r[0] for r in results if r[1] == 'fail']
    counts = {s: sum(1 for r in results if r[1] == s) for s in ('pass', 'skip', 'fail')}
    log(f'{counts["pass"]} passed, {counts["skip"]} skipped, {counts["fail"]} failed; results in {out}')
    if failed:
        log('failed: ' + ' '.join(failed))
    return 1 if failed else 0


def console_stale_int3(out):
    try:
        with open(os.path.join(out, 'console.log'), errors='replace') as f:
            return stale_int3(f.read().splitlines()) is not None
    except FileNotFoundError:
        return False


def resume_after_freeze(out, tests, why='frozen'):
    """Sets out up for a second boot that runs the tests without a result
    (the one the guest froze or died in first).  Returns (that test, count,
    first console, that test's log, why != 'frozen') or None when nothing
    is left.  why: 'frozen' or 'stale-int3' (names the kept files)."""
    left = [t for t in tests if not os.path.exists(os.path.join(out, 'tests', f'{t[0]}.rc'))]
    if not left:
        return None
    frozen = left[0][0]
    console = os.path.join(out, 'console-frozen-run.log' if why == 'frozen' else STALE_INT3_LOG)
    os.replace(os.path.join(out, 'console.log'), console)
    frozen_log = os.path.join(out, 'tests', f'{frozen}.{why}.log')
    try:
        os.replace(os.path.join(out, 'tests', f'{frozen}.log'), frozen_log)
    except FileNotFoundError:
        frozen_log = '(none)'
    for marker in ('runner-started', 'runner-finished'):
        try:
            os.unlink(os.path.join(out, marker))
        except FileNotFoundError:
            pass
    with open(os.path.join(out, 'tests.tsv'), 'w') as f:
        for name, exe, a in left:
            f.write(f'{name}\t{exe}\t{a}\n')
    return frozen, len(left), console, frozen_log, why != 'frozen'


def require_ready():
    cache = Cache(resolve_kernel_version())
    if not cache.ready():
        raise VmError(f'no prepared guest for {cache.kver} in {cache.dir}: run `vm.py prepare` first')
    return cache


def cmd_exec(args):
    if not args.command:
        raise VmError('usage: vm.py exec [options] -- CMD [ARGS...]')
    cache = prepare(quiet_if_ready=True) if args.prepare else require_ready()
    tmp = None
    if args.out:
        out = prepare_out_dir(args.out)
    else:
        tmp = out = tempfile.mkdtemp(prefix='gralloc-vm-exec-')
    try:
        with open(os.path.join(out, 'exec.sh'), 'w') as f:
            f.write('exec ' + shlex.join(args.command) + '\n')
        monitor, montmp = monitor_path(out)
        write_job_env(out, monitor, gpu=args.gpu)
        try:
            state, _ = boot(cache, out, 'exec', monitor, args.timeout, args.boot_timeout, verbose=args.verbose,
                            tail=Tail(os.path.join(out, 'exec.out'), sys.stdout), gpu=args.gpu)
        finally:
            remove_monitor(monitor, montmp)
        for p in kernel_log_problems(out):
            log(f'kernel log: {p}')
        rcf = os.path.join(out, 'exec.rc')
        if os.path.exists(rcf):
            with open(rcf) as f:
                return int(f.read().strip())
        if state == 'hung':
            log(f'guest hung: killed after {args.timeout} s')
            return 124
        log('the command did not finish in the guest; console tail:\n' + tail_file(os.path.join(out, 'console.log'), 30))
        return 125
    finally:
        if tmp and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp:
            log(f'kept {tmp}')


def cmd_shell(args):
    cache = prepare(quiet_if_ready=True) if args.prepare else require_ready()
    out = prepare_out_dir(args.out) if args.out else tempfile.mkdtemp(prefix='gralloc-vm-shell-')
    monitor, montmp = monitor_path(out)
    write_job_env(out, monitor, gpu=args.gpu)
    log(f'results share: {out} (guest: {GUEST_OUT}); monitor: {monitor}; quit with exit or Ctrl-A X')
    try:
        with Guest(qemu_command(cache, out, 'shell', monitor, interactive=True, gpu=args.gpu), out,
                   interactive=True) as g:
            # Ctrl-C belongs to the guest shell, not to vm.py.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                g.proc.wait(timeout=args.timeout or None)
            except subprocess.TimeoutExpired:
                log(f'shell: killed after --timeout {args.timeout} s')
                return 124
        return 0
    finally:
        remove_monitor(monitor, montmp)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)

    p = sub.add_parser('prepare', help='install, download, build and cache the guest (idempotent)')
    p.set_defaults(func=cmd_prepare)

    def gpu_option(p):
        p.add_argument('--gpu', choices=sorted(GPU_MODES), default=os.environ.get('GRALLOC_VM_GPU', '2d'),
                       help='virtio-gpu without 3D (2d, the default) or with it (virgl); '
                            'the guest sees it as GRALLOC_VM_GPU')

    def common(p, default_timeout):
        gpu_option(p)
        p.add_argument('--prepare', action='store_true', help='run prepare first (cheap when cached)')
        p.add_argument('--timeout', type=float, default=default_timeout,
                       help=f'hard limit for the whole guest in seconds (default {default_timeout})')
        p.add_argument('--boot-timeout', type=float, default=120,
                       help='fail early if the guest runner has not started after this many seconds (default 120)')
        p.add_argument('-v', '--verbose', action='store_true', help='copy the serial console to stderr')

    p = sub.add_parser('run', help='boot once and run the listed tests, TAP on stdout')
    p.add_argument('--out', required=True, help='results directory (cleared if made by vm.py)')
    p.add_argument('--tests-file', help='lines of name<TAB>absolute path[<TAB>args]')
    p.add_argument('--test-timeout', type=int, default=120, help='per-test limit in the guest (default 120)')
    p.add_argument('--skip-unprivileged', action='store_true',
                   help='not root: print a TAP skip with the reason instead of failing (meson test)')
    common(p, 600)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser('exec', help='boot and run one command; its exit status is returned')
    p.add_argument('--out', help='keep guest files here (default: a temporary directory)')
    p.add_argument('--keep', action='store_true', help='keep the temporary directory')
    p.add_argument('command', nargs=argparse.REMAINDER)
    common(p, 600)
    p.set_defaults(func=cmd_exec)

    p = sub.add_parser('shell', help='boot into an interactive shell on the serial console')
    p.add_argument('--out', help='directory shared writable with the guest')
    p.add_argument('--prepare', action='store_true', help='run prepare first')
    p.add_argument('--timeout', type=float, default=0, help='kill the guest after this many seconds (default: never)')
    gpu_option(p)
    p.set_defaults(func=cmd_shell)

    args = ap.parse_args(argv)
    if getattr(args, 'command', None) and args.command[:1] == ['--']:
        args.command = args.command[1:]
    signal.signal(signal.SIGTERM, _raise_on_signal)
    signal.signal(signal.SIGHUP, _raise_on_signal)
    try:
        if getattr(args, 'gpu', None) not in (None, *GPU_MODES):
            raise VmError(f'GRALLOC_VM_GPU={args.gpu!r}: expected one of {", ".join(sorted(GPU_MODES))}')
        if getattr(args, 'gpu', None):
            check_gpu(args.gpu)
        return args.func(args)
    except VmError as e:
        print(f'vm.py: error: {e}', file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:
        print(f'vm.py: interrupted ({e or "SIGINT"}); guest stopped', file=sys.stderr)
        return 130


if __name__ == '__main__':
    sys.exit(main())
