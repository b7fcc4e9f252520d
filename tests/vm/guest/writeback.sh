#!/bin/sh
# Guest smoke test: vkms was loaded with enable_writeback=1, so it must offer a
# Writeback connector through which tests can read back composed frames.
. "$(dirname "$0")/drm-driver.sh"

card=$(drm_card_for vkms) || { echo "FAIL: no DRM card driven by vkms"; exit 1; }
echo "vkms is $card"
for conn in /sys/class/drm/"$card"-*; do
    [ -e "$conn" ] && echo "connector ${conn##*/}: $(cat "$conn/status")"
done
if [ -d "/sys/class/drm/$card-Writeback-1" ]; then
    echo "ok: $card-Writeback-1 exists"
    exit 0
fi
echo "FAIL: /sys/class/drm/$card-Writeback-1 is missing (vkms loaded without enable_writeback=1?)"
exit 1
