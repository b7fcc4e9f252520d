#!/bin/sh
# Client CPU per frame, frame time and Weston's CPU per frame: the gralloc
# swapchain (dma-bufs of the compositor's device; direct scanout on vkms)
# against the wl_shm path (the compositor copies every frame into a
# texture), same client, same drawing, same Weston, same run. Prints
# ratios; never asserts on time. Run through with-weston.sh:
#   with-weston.sh vkms tests/wayland/bench-wayland.sh BUILD_DIR [FRAMES]
set -u
bin=$1/examples/weston/gralloc-weston-cpu
frames=${2:-60}
: "${WESTON_PID:?run through with-weston.sh}"

ticks() { awk '{ print $14 + $15 }' "/proc/$WESTON_PID/stat"; }

run() {
    before=$(ticks)
    out=$("$bin" --frames "$frames" --timeout 30 --stats "$@") || { echo "$out"; echo "client failed"; exit 1; }
    after=$(ticks)
    echo "$out" | sed 's/^/#   /'
    stats=$(echo "$out" | sed -n 's/^stats: //p')
    echo "$stats weston_ticks $((after - before))"
}

echo "# gralloc swapchain (dma-buf, --scanout):"
d=$(run --scanout) || { echo "$d"; exit 1; }
echo "$d"
echo "# wl_shm:"
s=$(run --shm) || { echo "$s"; exit 1; }
echo "$s"
hz=$(getconf CLK_TCK)
echo "$d" | tail -n 1 | sed 's/^/# dmabuf: /'
echo "$s" | tail -n 1 | sed 's/^/# shm:    /'
printf '%s\n%s\n' "$(echo "$d" | tail -n 1)" "$(echo "$s" | tail -n 1)" | awk -v hz="$hz" '
    { for (i = 1; i < NF; i += 2) v[NR, $i] = $(i + 1) }
    END {
        f = v[1, "frames"]
        wd = v[1, "weston_ticks"] * 1e6 / hz / f; ws = v[2, "weston_ticks"] * 1e6 / hz / f
        printf "client CPU per frame: %.0f us (dma-buf) vs %.0f us (wl_shm): ratio %.2f\n",
            v[1, "cpu_us_per_frame"], v[2, "cpu_us_per_frame"],
            v[1, "cpu_us_per_frame"] / v[2, "cpu_us_per_frame"]
        printf "frame time: %.2f ms vs %.2f ms: ratio %.2f\n", v[1, "frame_ms"], v[2, "frame_ms"],
            v[1, "frame_ms"] / v[2, "frame_ms"]
        if (ws > 0)
            printf "Weston CPU per frame: %.0f us vs %.0f us: ratio %.2f\n", wd, ws, wd / ws
    }'
