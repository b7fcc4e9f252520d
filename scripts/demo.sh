#!/bin/bash
# The main job: build gralloc, boot the real-kernel guest, run the
# zero-copy scanout demo on vkms (system-heap memory) and on virtio-gpu
# (the display's own memory), and leave the last scanned-out frames as PNGs
# in demo-out/ on the host. Installs what it needs.
set -eu
cd "$(dirname "$0")/.."
. scripts/deps.sh
gralloc_install_deps
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
python3 tests/vm/vm.py prepare
out="$PWD/demo-out"
mkdir -p "$out"
frames=${DEMO_FRAMES:-120}
demo="$PWD/build/examples/kms/kms-demo"
python3 tests/vm/vm.py exec --out "$out" -- /bin/sh -c "
	$demo --driver vkms --frames $frames --output \$GRALLOC_VM_OUT/demo-vkms.png &&
	$demo --driver virtio_gpu --frames $frames --output \$GRALLOC_VM_OUT/demo-virtio-gpu.png"
echo "== demo frames: $(ls "$out"/demo-*.png | tr '\n' ' ')"
