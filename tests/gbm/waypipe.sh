#!/bin/sh
# waypipe (Debian's, unmodified) forwarding a dma-buf client to Weston, with
# gralloc's GBM backend in standalone mode. waypipe's GBM device is always
# /dev/dri/renderD128, where Mesa cannot create a single buffer (dumb
# buffers are refused on render nodes), so without the module every
# dma-buf kills the app. Weston runs on the same virtio-gpu card (its
# kms_swrast renderer can use only that device's own memory, which is what
# the module allocates there).
#
#   waypipe.sh MODULE_DIR
set -u
# On virtio-gpu with 3D, Mesa's virgl driver does allocate on renderD128:
# there the module wraps Mesa's device (auto mode) and the memory is
# gralloc's virgl resources, which Weston on virgl imports.
mode=standalone
[ "${GRALLOC_VM_GPU:-}" = virgl ] && mode=wrap
moddir=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../vm/guest/drm-driver.sh"
. "$here/../wayland/weston.sh"

fail() { echo "not ok 1 - $*"; echo "1..1"; exit 1; }

card=$(drm_card_for virtio_gpu) || {
    [ "${GRALLOC_VM:-}" = 1 ] && fail "no virtio-gpu card in the guest"
    echo "no virtio-gpu card: run in the guest rig"; exit 77; }
for p in weston weston-simple-dmabuf-egl waypipe; do
    command -v $p >/dev/null || fail "$p missing (scripts/deps.sh installs it)"
done

# A sanitizer build of the module needs its runtimes loaded first in
# Debian's (unsanitized) programs: only in the two that load the module.
# Exported, it also went into every pgrep, sleep and grep of this script,
# each then starting the runtime and ending with a leak check, and the
# polling loop below stalled past the runner's limit.
preload=$(ldd "$moddir/gralloc_gbm.so" 2>/dev/null | awk '/libasan|libubsan/ && $2 == "=>" {printf "%s ", $3}')

sock=wayland-wp-$$
wlog=/tmp/weston-wp-$$.log
clog=/tmp/waypipe-client-$$.log
slog=/tmp/waypipe-server-$$.log
wp=/tmp/waypipe-$$.sock
weston_start "$card" "$sock" "$wlog" 200 || fail "Weston did not come up on /dev/dri/$card"
wpid=$weston_wrapper
# Weston runs under its own timeout (its own process group): when the
# runner's timeout ends this script, Weston must go too, or the next test
# finds the card's DRM master taken.
trap 'weston_stop' EXIT
trap 'exit 124' TERM INT
echo "# Weston up on /dev/dri/$card after $weston_up_after s"

export GBM_BACKEND=gralloc GBM_BACKENDS_PATH="$moddir:/usr/lib/x86_64-linux-gnu/gbm"
export GRALLOC_LOG=info
WAYLAND_DISPLAY=$sock LD_PRELOAD="$preload" timeout -k 5 110 \
    waypipe --oneshot -s "$wp" client >"$clog" 2>&1 &
cpid=$!
i=0
while ! [ -S "$wp" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
# The app draws with EGL on the card in wrap mode (Mesa's device there).
LD_PRELOAD="$preload" timeout -k 5 110 waypipe --oneshot -s "$wp" server -- \
    weston-simple-dmabuf-egl -d /dev/dri/$card >"$slog" 2>&1 &
spid=$!
# Poll (hard limit 60 s of wall time) until waypipe's client side holds
# gralloc memory, then let the app draw 3 s more.
named=0
start=$(date +%s)
wpc=$cpid
while [ $(($(date +%s) - start)) -lt 60 ] && [ $named -lt 1 ] && kill -0 $cpid 2>/dev/null; do
    sleep 0.5
    wpc=$(pgrep -P $cpid waypipe || echo $cpid)
    named=$(grep -l '^name:.*gralloc-gbm' /proc/$wpc/fdinfo/* 2>/dev/null | wc -l)
done
sleep 3
app_alive=0; pgrep -f "^weston-simple-dmabuf-egl -d /dev/dri/$card" >/dev/null && app_alive=1
client_alive=0; kill -0 "$wpc" 2>/dev/null && client_alive=1
weston_alive=0; pgrep -P $wpid weston >/dev/null 2>&1 && weston_alive=1
kill $spid $cpid 2>/dev/null
pkill -P $spid 2>/dev/null; pkill -P $cpid 2>/dev/null
wait $spid $cpid 2>/dev/null
kill $wpid 2>/dev/null; pkill -P $wpid 2>/dev/null
wait $wpid 2>/dev/null

n=0; bad=0
check() {
    n=$((n + 1))
    if [ "$1" = 1 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; bad=1; fi
}
check $app_alive "weston-simple-dmabuf-egl still running behind waypipe"
check $client_alive "waypipe client (compositor side, renderD128) still running"
check $weston_alive "Weston still running"
grep -q "renderD128.*$mode mode" "$clog"; r=$?
check $((r == 0)) "waypipe client: renderD128 in $mode mode"
grep -q 'gralloc-gbm: bo .* on /dev/dri/renderD128 from' "$clog"; r=$?
check $((r == 0)) "waypipe client allocated on renderD128 through gralloc"
check $((named >= 1)) "waypipe client holds $named dma-bufs named gralloc-gbm"
if [ $bad = 1 ]; then
    sed 's/^/# waypipe client: /' "$clog" | tail -n 25
    sed 's/^/# waypipe server: /' "$slog" | tail -n 25
    tail -n 20 "$wlog" | sed 's/^/# weston: /'
fi
echo "1..$n"
exit $bad
