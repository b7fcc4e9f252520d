#!/bin/bash
# The main job: build gralloc, boot the real-kernel guest, run the
# zero-copy scanout demo on vkms (system-heap memory) and on virtio-gpu
# (the display's own memory), then the GL demo (a cube rendered by Mesa
# into gralloc buffers and scanned out) on both, and leave the last frames
# as PNGs in demo-out/ on the host. Installs what it needs.
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
demo="$PWD/build/tools/gralloc demo"
egl="$PWD/build/examples/egl/egl-demo"
guest="$demo --driver vkms --frames $frames --output \$GRALLOC_VM_OUT/demo-vkms.png &&
	$demo --driver virtio_gpu --frames $frames --output \$GRALLOC_VM_OUT/demo-virtio-gpu.png"
# The GL demo builds only where EGL, GLESv2 and GBM were found.
if [ -x "$egl" ]; then
	guest="$guest &&
	$egl --driver vkms --frames $frames --output \$GRALLOC_VM_OUT/egl-demo-vkms.png &&
	$egl --driver virtio_gpu --frames $frames --output \$GRALLOC_VM_OUT/egl-demo-virtio-gpu.png"
fi
python3 tests/vm/vm.py exec --out "$out" -- /bin/sh -c "$guest"
echo "== demo frames: $(ls "$out"/*.png | tr "\n" " ")"
