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

int gralloc_kms_probe_foreign(int drm_fd, struct gralloc_device *dev, char *why, size_t len)
{
	const struct gralloc_buffer_desc desc = {
		.width = 1024, .height = 1, .format = DRM_FORMAT_XRGB8888, .layer_count = 1,
	};
	const struct policy_heap *system = policy_find_heap(dev->policy, "system");
	const char *node = system ? system->node : "system";

	for (size_t i = 0; i < gralloc_backend_impl_count; i++) {
		struct gralloc_backend *b = dev->backends[i];
		struct gralloc_alloc_request req = {
			.desc = &desc, .heap_name = "system", .heap_node = node, .size = 4096,
		};
		struct drm_gem_close close_args = { 0 };
		int fd, ret;

		/* Foreign means "a dma-buf some other exporter made": heaps
		 * and udmabuf, never the device's own dumb buffers. */
		if (!b || !b->impl->dma_buf || b->impl->exports_from_display)
			continue;
		if (b->impl->status(b, b->impl->uses_heaps ? node : NULL, why, len))
			continue;
		if (b->impl->allocate(b, &req, &fd))
			continue;
		ret = drmPrimeFDToHandle(drm_fd, fd, &close_args.handle) ? -errno : 0;
		close(fd);
		if (!ret) {
			drmIoctl(drm_fd, DRM_IOCTL_GEM_CLOSE, &close_args);
			snprintf(why, len, "imports %s memory (PRIME probe succeeded)", b->impl->name);
			return 1;
		}
		snprintf(why, len, "cannot import foreign dma-bufs (PRIME import of %s "
			 "memory: %s)", b->impl->name, strerror(-ret));
		return 0;
	}
	snprintf(why, len, "no heap or udmabuf memory to probe foreign import with");
	return -ENODEV;
}
