/* SPDX-License-Identifier: MIT */
/* The EGL display as an allocation consumer: what it imports, and where
 * its memory must come from. */
#include <stdio.h>
#include <string.h>

#include <drm_fourcc.h>

#include "egl_private.h"

/* Hardware drivers want rows aligned for their texture units; 256 bytes
 * covers the common ones (AMD 256, Intel 64, Mali 64). Software reads any
 * pitch. */
#define HW_STRIDE_ALIGN 256

GRALLOC_EXPORT struct gralloc_consumer *gralloc_egl_create_consumer(const struct gralloc_egl *egl)
{
	struct gralloc_consumer *c;
	char name[sizeof(egl->driver) + sizeof(egl->device) + 32];

	if (!egl) {
		gralloc_log(ERROR, "egl must not be NULL");
		errno = EINVAL;
		return NULL;
	}
	snprintf(name, sizeof(name), "EGL display (%s)%s%s",
		 egl->driver[0] ? egl->driver : "unknown driver", egl->device[0] ? " on " : "",
		 egl->device);
	c = gralloc_consumer_create(name, &(struct gralloc_consumer_desc){
		.usage = GRALLOC_USAGE_GPU_TEXTURE,
		.needs_dma_buf = true,
		.imports_foreign = egl->imports_foreign,
		.stride_align = egl->imports_foreign ? HW_STRIDE_ALIGN : 0,
		.own_device = egl->device,
		.why = egl->why,
	});
	if (!c)
		return NULL;
	for (size_t i = 0; i < egl->num_formats; i++) {
		if (gralloc_consumer_add_format(c, egl->formats[i].format,
						egl->formats[i].modifier)) {
			gralloc_consumer_destroy(c);
			errno = ENOMEM;
			return NULL;
		}
	}
	return c;
}

GRALLOC_EXPORT struct gralloc_consumer *gralloc_consumer_create_egl(EGLDisplay dpy,
								   const char *drm_device_path)
{
	struct gralloc_egl *egl = gralloc_egl_create(dpy, drm_device_path);
	struct gralloc_consumer *c;
	int err;

	if (!egl)
		return NULL;
	c = gralloc_egl_create_consumer(egl);
	err = errno;
	gralloc_egl_destroy(egl);
	errno = err;
	return c;
}
