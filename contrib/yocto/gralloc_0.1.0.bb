# SPDX-License-Identifier: MIT
# Yocto/OpenEmbedded recipe for gralloc. Not built by this project's CI:
# copy it into a layer (recipes-graphics/gralloc/) and set SRC_URI/SRCREV
# to the release you ship. See docs/packaging.md.
SUMMARY = "Graphics buffer allocator over dma-buf heaps, with KMS and EGL import"
DESCRIPTION = "gralloc turns a WxH buffer of a DRM format, for given usages, \
into dma-buf memory the GPU, display, camera, codec and other processes \
share without copies, choosing dma-buf heaps by name from a policy."
HOMEPAGE = "https://example.org/gralloc"
SECTION = "graphics"
LICENSE = "MIT"
LIC_FILES_CHKSUM = "file://LICENSE;md5=974e5e10edeec186e8807f04387b6de8"

SRC_URI = "git://example.org/gralloc.git;protocol=https;branch=main"
SRCREV = "${AUTOREV}"
PV = "0.1.0+git${SRCPV}"
S = "${WORKDIR}/git"

inherit meson pkgconfig

DEPENDS = "libdrm zlib"

# Tests and examples need the QEMU rig and the build host's Python; a
# target image wants the libraries and the tool only.
EXTRA_OEMESON = "-Dtests=disabled -Dexamples=disabled -Dfuzz=disabled -Dtools=enabled"

PACKAGECONFIG ??= "${@bb.utils.contains('DISTRO_FEATURES', 'opengl', 'egl gbm', '', d)} \
                   ${@bb.utils.contains('DISTRO_FEATURES', 'wayland', 'wayland', '', d)}"
PACKAGECONFIG[egl] = "-Degl=enabled,-Degl=disabled,virtual/egl virtual/libgles2"
PACKAGECONFIG[gbm] = "-Dgbm=enabled,-Dgbm=disabled,virtual/libgbm"
PACKAGECONFIG[wayland] = "-Dwayland=enabled,-Dwayland=disabled,wayland wayland-native wayland-protocols"

# Runtime library, one package per module, the tool apart from them.
PACKAGES =+ "${PN}-egl ${PN}-gbm ${PN}-wayland ${PN}-tools"
FILES:${PN}-egl = "${libdir}/libgralloc-egl${SOLIBS}"
FILES:${PN}-gbm = "${libdir}/libgralloc-gbm${SOLIBS}"
FILES:${PN}-wayland = "${libdir}/libgralloc-wayland${SOLIBS}"
FILES:${PN}-tools = "${bindir}/gralloc ${datadir}/bash-completion"
ALLOW_EMPTY:${PN}-gbm = "1"
ALLOW_EMPTY:${PN}-wayland = "1"

# The kernel side: dma-buf heaps (system, and CMA for devices without an
# IOMMU) and udmabuf. See the README's "Kernel" list.
RRECOMMENDS:${PN} = "kernel-module-udmabuf"
