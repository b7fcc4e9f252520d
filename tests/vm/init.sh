#!/bin/busybox sh
# PID 1 of the gralloc test guest (runs from the initramfs that vm.py builds).
#
# The guest has no disk: it borrows the build machine's root read-only over 9p so
# that tests run the very binaries and libraries built on the host, and writes
# results through a second, writable 9p share.  /gvm.conf (written by vm.py at
# prepare time) names the kernel module tree and vkms.ko in the host's cache.

/bin/busybox --install -s /bin
export PATH=/bin
. /gvm.conf

log() { echo "gralloc-vm-init: $*"; }
# A dead init panics the kernel; powering off instead lets the host report the
# problem from the console log rather than waiting for its timeout.
die() { log "FATAL: $*"; poweroff -f; sleep 10; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

for m in $INITRD_MODULES; do
    insmod "/modules/$m.ko" || die "insmod $m failed"
done

# vm.py passes the mode and the runner's path on the kernel command line; read
# it directly rather than rely on which parameters the kernel hands to init.
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        gvm_mode=*)   MODE=${arg#gvm_mode=} ;;
        gvm_runner=*) RUNNER=${arg#gvm_runner=} ;;
    esac
done
if [ -z "$MODE" ] || [ -z "$RUNNER" ]; then
    die "gvm_mode/gvm_runner missing from the kernel command line"
fi

R=/host
NINEP="trans=virtio,version=9p2000.L,msize=512000"
mkdir -p $R
mount -t 9p -o ro,cache=loose,$NINEP host $R || die "cannot mount the host root (9p tag 'host')"

mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts
mount -t tmpfs tmpfs $R/dev/shm
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t tmpfs -o mode=755 tmpfs $R/run
mkdir -p $R/run/gralloc-vm/out $R/run/gralloc-vm/tmp-upper $R/run/gralloc-vm/tmp-work
mount -t 9p -o $NINEP out $R/run/gralloc-vm/out || die "cannot mount the result share (9p tag 'out')"
MODLOG=$R/run/gralloc-vm/modload.log
echo "module tree: $KDIR (modprobe -d)" > $MODLOG

# /tmp must be writable, but build trees often live in the host's /tmp: an
# overlay keeps them visible while writes stay in guest RAM.
chroot $R /sbin/modprobe -d "$KDIR" overlay >>$MODLOG 2>&1
if mount -t overlay overlay \
        -o lowerdir=$R/tmp,upperdir=$R/run/gralloc-vm/tmp-upper,workdir=$R/run/gralloc-vm/tmp-work $R/tmp; then
    echo "/tmp: overlay of host /tmp + tmpfs" >>$MODLOG
else
    mount -t tmpfs tmpfs $R/tmp
    echo "/tmp: plain tmpfs (overlay failed, host /tmp is hidden)" >>$MODLOG
fi

# No udev in the guest, so nothing autoloads: load exactly what the tests need.
for m in $GUEST_MODULES; do
    if chroot $R /sbin/modprobe -d "$KDIR" "$m" >>$MODLOG 2>&1; then
        echo "modprobe $m: ok" >>$MODLOG
    else
        echo "modprobe $m: FAILED" >>$MODLOG
    fi
done
if chroot $R /sbin/insmod "$VKMS" enable_writeback=1 >>$MODLOG 2>&1; then
    echo "insmod $VKMS enable_writeback=1: ok" >>$MODLOG
else
    echo "insmod $VKMS enable_writeback=1: FAILED" >>$MODLOG
fi

log "starting $RUNNER ($MODE)"
chroot $R /usr/bin/env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 \
    GRALLOC_VM=1 GRALLOC_VM_OUT=/run/gralloc-vm/out \
    /bin/sh "$RUNNER" "$MODE"
log "runner exited with status $?"
sync
poweroff -f
