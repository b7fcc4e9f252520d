#!/bin/sh
# GL demo frame time on virtio-gpu against vkms in the same boot, as a ratio
# (never asserted). Under --gpu virgl that is virgl against kms_swrast
# (llvmpipe in the guest); under 2D both are kms_swrast. The displays'
# modes differ, so the ratio per pixel is printed too.
#   bench-gl.sh EGL_DEMO [FRAMES]
demo=$1
frames=${2:-60}
run() { # driver -> "ms_per_frame width height renderer"
    out=$("$demo" --driver "$1" --frames "$frames" 2>&1) || { echo "$out" | sed 's/^/#   /'; return 1; }
    echo "$out" | sed 's/^/#   /' >&2
    ms=$(echo "$out" | sed -n 's/^frames: [0-9]*, \([0-9.]*\) ms per frame$/\1/p')
    size=$(echo "$out" | sed -n 's/.* mode \([0-9]*\)x\([0-9]*\)@.*/\1 \2/p')
    echo "$ms $size"
}
echo "1..1"
gpu=$(run virtio_gpu) || { echo "not ok 1 - egl-demo on virtio_gpu failed"; exit 1; }
sw=$(run vkms) || { echo "not ok 1 - egl-demo on vkms failed"; exit 1; }
echo "$gpu $sw" | awk -v mode="${GRALLOC_VM_GPU:-2d}" '{
    printf "ok 1 - GL demo (%s): virtio-gpu %.1f ms/frame at %dx%d, vkms (kms_swrast) %.1f ms/frame at %dx%d: ratio %.2fx, per pixel %.2fx\n",
        mode, $1, $2, $3, $4, $5, $6, $1 / $4, ($1 / ($2 * $3)) / ($4 / ($5 * $6))
}'
