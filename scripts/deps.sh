#!/bin/bash
# Installs what building and testing need, only when something is missing,
# so a warm machine pays nothing. Sourced by test.sh and demo.sh.
gralloc_install_deps() {
	local pkgs=(meson ninja-build pkg-config gcc libdrm-dev zlib1g-dev python3 binutils
		    clang libclang-rt-14-dev libegl-dev libgles-dev libgbm-dev
		    libegl-mesa0 libgl1-mesa-dri
		    qemu-system-x86 busybox-static kmod cpio xz-utils
		    dpkg-dev debhelper fakeroot
		    libwayland-dev wayland-protocols weston udev)
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
}
