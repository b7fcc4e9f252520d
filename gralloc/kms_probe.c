/* SPDX-License-Identifier: MIT */
/* Can this DRM device import memory it did not allocate? Some cannot
 * (virtio-gpu in 6.12 answers ENODEV); only trying tells. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>

#include "gralloc/kms_private.h"
#include "gralloc/policy.h"

/* Many pages: one page is contiguous by nature, so a device that can only
 * take contiguous memory would pass a one-page probe and then fail every
 * real buffer. 256 KiB is 64 pages, scattered in any heap but CMA. */
#define PROBE_WIDTH 256
#define PROBE_HEIGHT 256
#define PROBE_SIZE (PROBE_WIDTH * PROBE_HEIGHT * 4)

int gralloc_kms_probe_verdict(int err)
{
	switch (err) {
	case ENOMEM:
	case EINTR:
	case EAGAIN:
	case EMFILE:
	case ENFILE:
	case EBUSY:
		return -err;
	default:
		return 0;
	}
}

/* Imports dma-buf fd (borrowed) into drm_fd and lets go of the handle:
 * 0, -errno of the import, or 1 with *close_err set when the handle could
 * not be closed (a leak the caller must hear about, not a capability). */
static int import_once(int drm_fd, int fd, int *close_err)
{
	struct drm_gem_close close_args = { 0 };

	if (drmPrimeFDToHandle(drm_fd, fd, &close_args.handle))
		return -errno;
	if (drmIoctl(drm_fd, DRM_IOCTL_GEM_CLOSE, &close_args)) {
		*close_err = errno;
		gralloc_log(ERROR, "GEM_CLOSE of probe handle %u failed: %s", close_args.handle,
			    strerror(*close_err));
		return 1;
	}
	return 0;
}

static int probe_with(int drm_fd, struct gralloc_device *dev, char *why, size_t len)
{
	const struct gralloc_buffer_desc desc = {
		.width = PROBE_WIDTH, .height = PROBE_HEIGHT, .format = DRM_FORMAT_XRGB8888,
		.layer_count = 1,
	};
	const struct policy_heap *system = policy_find_heap(dev->policy, "system");
	const char *node = system ? system->node : "system";

	for (size_t i = 0; i < gralloc_backend_impl_count; i++) {
		struct gralloc_backend *b = dev->backends[i];
		struct gralloc_alloc_request req = {
			.desc = &desc, .heap_name = "system", .heap_node = node,
			.size = PROBE_SIZE,
		};
		int fd, ret, verdict, close_err = 0;

		/* Foreign means "a dma-buf some other exporter made": heaps
		 * and udmabuf, never the device's own dumb buffers. */
		if (!b || !b->impl->dma_buf || b->impl->exports_from_display)
			continue;
		if (b->impl->status(b, b->impl->uses_heaps ? node : NULL, why, len))
			continue;
		if (b->impl->allocate(b, &req, &fd))
			continue;
		ret = import_once(drm_fd, fd, &close_err);
		close(fd);
		if (ret == 1) {
			snprintf(why, len, "PRIME probe handle could not be closed: %s",
				 strerror(close_err));
			return -close_err;
		}
		if (!ret) {
			snprintf(why, len, "imports %s memory (PRIME probe of %d pages succeeded)",
				 b->impl->name, PROBE_SIZE / 4096);
			return 1;
		}
		verdict = gralloc_kms_probe_verdict(-ret);
		snprintf(why, len, "%s (PRIME import of %d pages of %s memory: %s)",
			 verdict ? "foreign import not known yet" :
				   "cannot import foreign dma-bufs",
			 PROBE_SIZE / 4096, b->impl->name, strerror(-ret));
		return verdict;
	}
	snprintf(why, len, "no heap or udmabuf memory to probe foreign import with");
	return -ENODEV;
}

int gralloc_kms_probe_foreign(int drm_fd, struct gralloc_device *dev, char *why, size_t len)
{
	/* The render node of the same device imports what its card node
	 * does, and touching it can never make anyone master. */
	int render = gralloc_drm_open_render(drm_fd);
	int ret = probe_with(render >= 0 ? render : drm_fd, dev, why, len);

	if (render >= 0)
		close(render);
	return ret;
}
