#!/bin/sh
# Guest smoke test: every kernel interface gralloc's real-device tests rely on
# must be present, otherwise those tests would skip and the run would look green.
. "$(dirname "$0")/drm-driver.sh"

fail=0
check_chr() {
    if [ -c "$1" ]; then
        echo "ok: $1 ($(stat -c '%t:%T' "$1" | { IFS=: read -r a b; echo "$((0x$a)):$((0x$b))"; }))"
    else
        echo "MISSING: $1"
        fail=1
    fi
}

check_chr /dev/dma_heap/system
check_chr /dev/udmabuf
for drv in virtio_gpu vgem vkms; do
    card=$(drm_card_for "$drv")
    if [ -n "$card" ]; then
        echo "ok: $drv drives $card"
        check_chr "/dev/dri/$card"
    else
        echo "MISSING: no DRM card driven by $drv"
        fail=1
    fi
done
[ "$fail" = 0 ] || echo "FAIL: guest lacks devices listed above"
exit "$fail"
