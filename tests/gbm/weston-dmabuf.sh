#!/bin/sh
# weston-simple-dmabuf-egl (Debian's, unmodified) under Weston on vkms, its
# GBM device in wrap mode: it renders with EGL into gralloc memory and
# sends the dma-bufs to Weston, which composites them. Passes when, after
# it got its buffers and 3 s more, both are alive, the client's log says wrap mode with buffers from
# gralloc, and the client holds dma-bufs named gralloc-gbm (fdinfo).
#
#   weston-dmabuf.sh MODULE_DIR
# Weston itself runs on Mesa's own backend (no GBM_BACKEND).
set -u
moddir=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../vm/guest/drm-driver.sh"
. "$here/../wayland/weston.sh"

fail() { echo "not ok 1 - $*"; echo "1..1"; exit 1; }

card=$(drm_card_for vkms) || {
    [ "${GRALLOC_VM:-}" = 1 ] && fail "no vkms card in the guest"
    echo "no vkms card: run in the guest rig"; exit 77; }
for p in weston weston-simple-dmabuf-egl; do
    command -v $p >/dev/null || fail "$p missing (scripts/deps.sh installs weston)"
done

# A sanitizer build of the module needs its runtimes loaded first in
# Debian's (unsanitized) programs.
preload=$(ldd "$moddir/gralloc_gbm.so" 2>/dev/null | awk '/libasan|libubsan/ && $2 == "=>" {printf "%s ", $3}')

sock=wayland-gbm-$$
wlog=/tmp/weston-gbm-$$.log
clog=/tmp/client-gbm-$$.log
weston_start "$card" "$sock" "$wlog" 200 || fail "Weston did not come up on /dev/dri/$card"
wpid=$weston_wrapper
# Weston runs under its own timeout (its own process group): when the
# runner's timeout ends this script, Weston must go too, or the next test
# finds the card's DRM master taken.
trap 'weston_stop' EXIT
trap 'exit 124' TERM INT
echo "# Weston up on /dev/dri/$card after $weston_up_after s"

WAYLAND_DISPLAY=$sock GBM_BACKEND=gralloc LD_PRELOAD="$preload" \
GBM_BACKENDS_PATH="$moddir:/usr/lib/x86_64-linux-gnu/gbm" GRALLOC_LOG=info \
    timeout -k 5 110 weston-simple-dmabuf-egl -d /dev/dri/$card >"$clog" 2>&1 &
cpid=$!
# Under TCG on a loaded machine the client takes seconds to start: poll
# (hard limit 60 s of wall time) until it holds gralloc memory, then let it
# draw 3 s more.
named=0
start=$(date +%s)
client_pid=$cpid
while [ $(($(date +%s) - start)) -lt 60 ] && [ $named -lt 2 ] && kill -0 $cpid 2>/dev/null; do
    sleep 0.5
    client_pid=$(pgrep -P $cpid weston-simple || echo $cpid)
    named=$(grep -l '^name:.*gralloc-gbm' /proc/$client_pid/fdinfo/* 2>/dev/null | wc -l)
done
sleep 3
client_alive=0; kill -0 "$client_pid" 2>/dev/null && client_alive=1
weston_alive=0; pgrep -P $wpid weston >/dev/null 2>&1 && weston_alive=1
if [ $client_alive = 0 ]; then
    wait $cpid 2>/dev/null
    echo "# the client exited with status $? after $(($(date +%s) - start)) s"
fi
kill $cpid "$client_pid" 2>/dev/null
kill $wpid 2>/dev/null
pkill -P $wpid 2>/dev/null
wait $cpid 2>/dev/null
wait $wpid 2>/dev/null

n=0; bad=0
check() {
    n=$((n + 1))
    if [ "$1" = 1 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; bad=1; fi
}
check $client_alive "weston-simple-dmabuf-egl still running 3 s after it got gralloc memory"
check $weston_alive "Weston still running while the client sent it gralloc buffers"
grep -q 'wrap mode' "$clog" && grep -q 'from drm-dumb' "$clog"; r=$?
check $((r == 0)) "client log: wrap mode, buffers from gralloc"
check $((named >= 2)) "client holds $named dma-bufs named gralloc-gbm"
if [ $bad = 1 ]; then
    sed 's/^/# client: /' "$clog" | tail -n 30
    tail -n 30 "$wlog" | sed 's/^/# weston: /'
fi
echo "1..$n"
exit $bad
