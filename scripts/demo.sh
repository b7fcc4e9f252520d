#!/bin/bash
# The main job: build gralloc, boot the real-kernel guest, run the
# zero-copy scanout demo on vkms (system-heap memory) and on virtio-gpu
# (the display's own memory), then the GL demo (a cube rendered by Mesa
# into gralloc buffers and scanned out) on both, and leave the last frames
# as PNGs in demo-out/ on the host. Installs what it needs. Every step
# says what it is doing and how long it took: a first run spends minutes
# installing packages and building the guest's kernel modules.
set -eu
cd "$(dirname "$0")/.."
t_start=$SECONDS
t_step=$SECONDS
say() { echo "== [$((SECONDS - t_start))s] $*"; t_step=$SECONDS; }
took() { echo "   done in $((SECONDS - t_step)) s"; }

say "checking build dependencies (apt-get only for missing ones)"
. scripts/deps.sh
gralloc_install_deps
took
if [ ! -f build/build.ninja ]; then
	say "configuring build/ (meson)"
	meson setup build >build.setup.log 2>&1 || { cat build.setup.log; exit 1; }
	took
fi
say "building (ninja; log in build/demo-build.log)"
ninja -C build >build/demo-build.log 2>&1 || { tail -30 build/demo-build.log; exit 1; }
took
say "preparing the guest: kernel, vkms, initramfs (first run: several minutes, then cached in /var/cache/gralloc-vm)"
python3 tests/vm/vm.py prepare
took
out="$PWD/demo-out"
mkdir -p "$out"
frames=${DEMO_FRAMES:-120}
demo="$PWD/build/tools/gralloc demo"
egl="$PWD/build/examples/egl/egl-demo"
guest="echo '== kms demo on vkms' && $demo --driver vkms --frames $frames --output \$GRALLOC_VM_OUT/demo-vkms.png &&
	echo '== kms demo on virtio-gpu' && $demo --driver virtio_gpu --frames $frames --output \$GRALLOC_VM_OUT/demo-virtio-gpu.png"
# The GL demo builds only where EGL, GLESv2 and GBM were found.
if [ -x "$egl" ]; then
	guest="$guest &&
	echo '== GL demo on vkms' && $egl --driver vkms --frames $frames --output \$GRALLOC_VM_OUT/egl-demo-vkms.png &&
	echo '== GL demo on virtio-gpu' && $egl --driver virtio_gpu --frames $frames --output \$GRALLOC_VM_OUT/egl-demo-virtio-gpu.png"
fi
say "booting the guest (QEMU TCG, about a minute) and running the demos, $frames frames each"
python3 tests/vm/vm.py exec --out "$out" -- /bin/sh -c "$guest"
took
say "demo frames: $(ls "$out"/*.png | tr "\n" " ")"
