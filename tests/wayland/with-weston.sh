#!/bin/sh
# Runs one command against a real Weston 10 in the guest and fails if
# Weston died on the way (a compositor crash is never a pass).
#
#   with-weston.sh DRIVER [--weston-may-die] COMMAND [ARGS...]
#
# DRIVER is the DRM driver Weston runs on (vkms, virtio_gpu). The command
# gets WAYLAND_DISPLAY, GRALLOC_WAYLAND_DEVICE (Weston's card: it sends no
# dma-buf feedback), WESTON_PID and WESTON_CARD. WESTON_CLIENT_LIMIT
# (default 110 s, counting Weston's start) bounds the command so that a test
# fits the runner's 120 s; raise it for long runs by hand. Every wait has a hard
# limit: the guest must never hang on a compositor that did not come up.
#
# The guest has no udev, so Weston would find no input devices and, with
# kiosk-shell, never show a window: evdev and udevd give it a seat.
set -u
driver=$1
shift
may_die=0
if [ "${1:-}" = --weston-may-die ]; then
    may_die=1   # the command kills Weston on purpose
    shift
fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../vm/guest/drm-driver.sh"

card=$(drm_card_for "$driver") || { echo "no DRM card driven by $driver"; exit 1; }
kdir=$(sed -n 's/^module tree: \(.*\) (modprobe -d)$/\1/p' /run/gralloc-vm/modload.log 2>/dev/null)

if ! [ -e /run/gralloc-wayland-seat ]; then
    [ -n "$kdir" ] && modprobe -d "$kdir" evdev 2>/dev/null
    export SYSTEMD_IGNORE_CHROOT=1
    if [ -x /lib/systemd/systemd-udevd ]; then
        /lib/systemd/systemd-udevd --daemon 2>/dev/null
        timeout 20 udevadm trigger --subsystem-match=input --action=add 2>/dev/null
        timeout 30 udevadm settle 2>/dev/null
    else
        echo "systemd-udevd missing (package udev): Weston will get no seat"
    fi
    : > /run/gralloc-wayland-seat
fi

export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/run/user/0}
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
sock=wayland-gralloc-$$
log=/tmp/weston-$$.log
# Weston ends on its own after 300 s whatever happens.
timeout -k 5 300 weston --backend=drm-backend.so --drm-device="$card" --tty=2 \
    --continue-without-input --shell=kiosk-shell.so --socket="$sock" \
    --idle-time=0 --log="$log" &
wpid=$!
# timeout's child is Weston itself.
i=0
while ! [ -S "$XDG_RUNTIME_DIR/$sock" ]; do
    if ! kill -0 $wpid 2>/dev/null || [ $i -ge 600 ]; then
        echo "Weston did not come up on $card ($driver) within 60 s:"
        tail -n 40 "$log" 2>/dev/null
        kill $wpid 2>/dev/null
        exit 1
    fi
    sleep 0.1
    i=$((i + 1))
done
weston_pid=$(pgrep -P $wpid weston || echo $wpid)
echo "# Weston up on /dev/dri/$card ($driver) after $((i / 10)) s, pid $weston_pid"

# The runner gives a test 120 s: the command gets what Weston's start left,
# and runs in the background so a TERM from the runner still stops Weston.
left=$((${WESTON_CLIENT_LIMIT:-110} - i / 10))
[ $left -lt 30 ] && left=30
trap 'kill $cpid $wpid $weston_pid 2>/dev/null; exit 124' TERM INT
WAYLAND_DISPLAY=$sock GRALLOC_WAYLAND_DEVICE=/dev/dri/$card WESTON_PID=$weston_pid \
WESTON_CARD=/dev/dri/$card timeout -k 5 $left "$@" &
cpid=$!
wait $cpid
rc=$?
trap - TERM INT

alive=1
kill -0 "$weston_pid" 2>/dev/null || alive=0
kill "$wpid" "$weston_pid" 2>/dev/null
j=0
while kill -0 "$wpid" 2>/dev/null && [ $j -lt 100 ]; do sleep 0.1; j=$((j + 1)); done
kill -9 "$wpid" "$weston_pid" 2>/dev/null
if [ $alive = 0 ] && [ $may_die = 0 ]; then
    echo "Weston died while the client ran (a compositor crash fails the test):"
    tail -n 40 "$log"
    exit 1
fi
if [ $rc != 0 ]; then
    echo "# client exited with $rc; Weston's log:"
    tail -n 30 "$log"
fi
exit $rc
