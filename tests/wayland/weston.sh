# SPDX-License-Identifier: MIT
# Sourced by the guest tests that run Weston 10 (with-weston.sh and the GBM
# scripts): a seat, then Weston on one card with a hard limit, waited for
# with one. Facts behind it: ../shared/platform-notes.md, "Weston and
# wlroots in the guest".

# The guest has no udev, so Weston would find no input devices and, with
# kiosk-shell, never show a window: evdev and udevd give it a seat. Once
# per boot.
weston_seat() {
    [ -e /run/gralloc-wayland-seat ] && return 0
    _kdir=$(sed -n 's/^module tree: \(.*\) (modprobe -d)$/\1/p' /run/gralloc-vm/modload.log 2>/dev/null)
    [ -n "$_kdir" ] && modprobe -d "$_kdir" evdev 2>/dev/null
    export SYSTEMD_IGNORE_CHROOT=1
    if [ -x /lib/systemd/systemd-udevd ]; then
        /lib/systemd/systemd-udevd --daemon 2>/dev/null
        timeout 20 udevadm trigger --subsystem-match=input --action=add 2>/dev/null
        timeout 30 udevadm settle 2>/dev/null
    else
        echo "# systemd-udevd missing (package udev): Weston will get no seat"
    fi
    : > /run/gralloc-wayland-seat
}

# weston_start CARD SOCKET LOG LIMIT: Weston's DRM backend on /dev/dri/CARD,
# on Mesa's own GBM backend, ending on its own after LIMIT seconds whatever
# happens. Waits up to 60 s for its socket. Sets weston_wrapper (the
# timeout process), weston_pid (Weston) and weston_up_after (seconds); on
# failure prints Weston's log tail as TAP comments and returns 1.
weston_start() {
    weston_seat
    export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/run/user/0}
    mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
    env -u GBM_BACKEND -u LD_PRELOAD timeout -k 5 "$4" weston --backend=drm-backend.so \
        --drm-device="$1" --tty=2 --continue-without-input --shell=kiosk-shell.so \
        --socket="$2" --idle-time=0 --log="$3" &
    weston_wrapper=$!
    _i=0
    while ! [ -S "$XDG_RUNTIME_DIR/$2" ]; do
        if ! kill -0 $weston_wrapper 2>/dev/null || [ $_i -ge 600 ]; then
            echo "# Weston did not come up on /dev/dri/$1 within 60 s:"
            tail -n 40 "$3" 2>/dev/null | sed 's/^/# /'
            kill $weston_wrapper 2>/dev/null
            return 1
        fi
        sleep 0.1
        _i=$((_i + 1))
    done
    weston_up_after=$((_i / 10))
    weston_pid=$(pgrep -P $weston_wrapper weston || echo $weston_wrapper)
    return 0
}

# Stops what weston_start started, waiting up to 10 s before SIGKILL: the
# next test needs the card's DRM master free.
weston_stop() {
    kill $weston_wrapper $weston_pid 2>/dev/null
    _j=0
    while kill -0 $weston_wrapper 2>/dev/null && [ $_j -lt 100 ]; do
        sleep 0.1
        _j=$((_j + 1))
    done
    kill -9 $weston_wrapper $weston_pid 2>/dev/null
    wait $weston_wrapper 2>/dev/null
}
