#!/bin/sh
# Runs one command against a real Weston 10 in the guest and fails if
# Weston died on the way (a compositor crash is never a pass).
#
#   with-weston.sh DRIVER [--weston-may-die] COMMAND [ARGS...]
#
# DRIVER is the DRM driver Weston runs on (vkms, virtio_gpu). The command
# gets WAYLAND_DISPLAY, GRALLOC_WAYLAND_DEVICE (Weston's card, for when it
# sends no dma-buf feedback), WESTON_PID and WESTON_CARD. WESTON_CLIENT_LIMIT
# (default 110 s, counting Weston's start) bounds the command so that a test
# fits the runner's 120 s; raise it for long runs by hand. Every wait has a hard
# limit: the guest must never hang on a compositor that did not come up.
#
# Weston's start (a seat, a hard limit) is weston.sh's.
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
. "$here/weston.sh"

card=$(drm_card_for "$driver") || { echo "no DRM card driven by $driver"; exit 1; }
sock=wayland-gralloc-$$
log=/tmp/weston-$$.log
weston_start "$card" "$sock" "$log" 300 || exit 1
wpid=$weston_wrapper
echo "# Weston up on /dev/dri/$card ($driver) after $weston_up_after s, pid $weston_pid"

# The runner gives a test 120 s: the command gets what Weston's start left,
# and runs in the background so a TERM from the runner still stops Weston.
left=$((${WESTON_CLIENT_LIMIT:-110} - weston_up_after))
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
weston_stop
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
