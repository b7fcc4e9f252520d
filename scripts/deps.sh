#!/bin/bash
# Installs what building and testing need, only when something is missing,
# so a warm machine pays nothing. Sourced by test.sh and demo.sh.
gralloc_install_deps() {
	local pkgs=(meson ninja-build pkg-config gcc libdrm-dev zlib1g-dev python3 binutils
		    clang libclang-rt-14-dev libegl-dev libgles-dev libgbm-dev
		    libegl-mesa0 libgl1-mesa-dri kmscube weston waypipe
		    qemu-system-x86 qemu-system-gui busybox-static kmod cpio xz-utils
		    dpkg-dev debhelper fakeroot valgrind libwayland-dev wayland-protocols udev
		    gcc-multilib libdrm-dev:i386 zlib1g-dev:i386 qemu-user)
	# The i386 build of the host suites (cross/i386-linux-gnu.ini) needs
	# Debian's i386 packages next to the native ones.
	dpkg --print-foreign-architectures | grep -qx i386 || dpkg --add-architecture i386
	local missing=()
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	if ((${#missing[@]})); then
		echo "== installing: ${missing[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${missing[@]}" >/dev/null
	fi
	# Android's headers for the header-coexistence test: cached, and not
	# fatal (that test skips and says why without them).
	. "$(dirname "${BASH_SOURCE[0]}")/android-headers.sh"
	gralloc_android_headers || echo "== Android headers unavailable: host-android-headers will skip"
}
