/* SPDX-License-Identifier: MIT */
/* vgem fences: the one way this guest has to put unsignalled device work
 * on a dma-buf. vgem imports a buffer (PRIME), attaches a fence to its
 * reservation object, which for an imported buffer is the dma-buf's own,
 * and signals it when told. Unsignalled fences signal themselves after
 * 10 s and when the vgem fd closes, so a failing test cannot hang.
 *
 * Debian's libdrm-dev does not install vgem_drm.h: the two ioctls'
 * layouts are restated here from the kernel uapi. */
#ifndef GRALLOC_VGEM_FENCE_H
#define GRALLOC_VGEM_FENCE_H

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/dma-buf.h>
#include <xf86drm.h>

struct vgem_fence_attach {
	uint32_t handle;
	uint32_t flags;
	uint32_t out_fence;
	uint32_t pad;
};

struct vgem_fence_signal {
	uint32_t fence;
	uint32_t flags;
};

#define VGEM_FENCE_WRITE 0x1
#define VGEM_IOCTL_FENCE_ATTACH DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct vgem_fence_attach)
#define VGEM_IOCTL_FENCE_SIGNAL DRM_IOW(DRM_COMMAND_BASE + 0x2, struct vgem_fence_signal)

/* A fence on `handle` (a vgem GEM handle): its id, or -errno. */
static inline int vgem_fence_attach(int vgem, uint32_t handle, bool write)
{
	struct vgem_fence_attach a = { .handle = handle, .flags = write ? VGEM_FENCE_WRITE : 0 };

	return drmIoctl(vgem, VGEM_IOCTL_FENCE_ATTACH, &a) ? -errno : (int)a.out_fence;
}

static inline int vgem_fence_signal(int vgem, int fence)
{
	struct vgem_fence_signal s = { .fence = (uint32_t)fence };

	return drmIoctl(vgem, VGEM_IOCTL_FENCE_SIGNAL, &s) ? -errno : 0;
}

/* A sync_file for the writers on a dma-buf (borrowed): a new fd, or -errno. */
static inline int dma_buf_writers_fence(int dmabuf)
{
	struct dma_buf_export_sync_file x = { .flags = DMA_BUF_SYNC_READ, .fd = -1 };

	return drmIoctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &x) ? -errno : x.fd;
}

/* 1 signalled, 0 not (yet), -errno. fd is borrowed. */
static inline int fence_signalled(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, timeout_ms);

	return n < 0 ? -errno : n > 0;
}

#endif
