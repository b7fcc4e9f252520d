/* SPDX-License-Identifier: MIT */
/* A KMS plane as a consumer: what it scans out, and whose memory. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "gralloc/consumer_private.h"
#include "gralloc/kms_private.h"

/* Display engines fetch rows in 64-byte bursts. */
#define KMS_ROW_ALIGN 64

static int add_plane_formats(struct gralloc_kms *kms, uint32_t plane_id,
			     struct gralloc_consumer *c)
{
	drmModePlanePtr plane;
	int fd = gralloc_kms_get_fd(kms);
	int ret = 0;

	drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	plane = drmModeGetPlane(fd, plane_id);
	if (!plane)
		return -errno;
	/* gralloc allocates LINEAR only, so asking plane_supports per format
	 * (IN_FORMATS or the plain list) is all the intersection needs. */
	for (uint32_t i = 0; i < plane->count_formats && !ret; i++) {
		if (gralloc_kms_plane_supports(kms, plane_id, plane->formats[i],
					       DRM_FORMAT_MOD_LINEAR) == 1)
			ret = gralloc_consumer_add_format(c, plane->formats[i],
							  DRM_FORMAT_MOD_LINEAR);
	}
	drmModeFreePlane(plane);
	return ret;
}

/* The device's framebuffer size limits (AddFB2 refuses anything outside
 * them). The uapi states no pitch limit; AddFB2 remains the judge there. */
static int add_size_limits(struct gralloc_kms *kms, struct gralloc_consumer *c)
{
	drmModeResPtr res = drmModeGetResources(gralloc_kms_get_fd(kms));

	if (!res)
		return -errno;
	c->min_width = res->min_width;
	c->min_height = res->min_height;
	c->max_width = res->max_width;
	c->max_height = res->max_height;
	drmModeFreeResources(res);
	return 0;
}

GRALLOC_EXPORT struct gralloc_consumer *
gralloc_consumer_create_kms_plane(struct gralloc_kms *kms, uint32_t plane_id,
				  struct gralloc_device *dev)
{
	struct gralloc_consumer *c;
	char name[160];
	int ret, imports;

	if (!kms || !dev) {
		gralloc_log(ERROR, "kms and device must not be NULL");
		errno = EINVAL;
		return NULL;
	}
	snprintf(name, sizeof(name), "KMS plane %u on %s (%s)", plane_id, gralloc_kms_path(kms),
		 gralloc_kms_driver_name(kms));
	c = gralloc_consumer_new(name);
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->usage = GRALLOC_USAGE_SCANOUT;
	c->stride_align = KMS_ROW_ALIGN;
	c->needs_dma_buf = true;
	ret = add_plane_formats(kms, plane_id, c);
	if (!ret)
		ret = add_size_limits(kms, c);
	if (ret) {
		gralloc_log(ERROR, "%s: cannot read its formats and size limits: %s", name,
			    strerror(-ret));
		gralloc_consumer_destroy(c);
		errno = -ret;
		return NULL;
	}
	/* No foreign memory to probe with means nothing foreign can be
	 * offered either: leave the consumer unconstrained. */
	imports = gralloc_kms_imports_foreign(kms, dev);
	if (imports < 0 && imports != -ENODEV) {
		/* A transient failure (ENOMEM) says nothing about the device:
		 * no guess is baked into the consumer; the caller may retry. */
		gralloc_log(ERROR, "%s: foreign-import probe failed: %s", name,
			    gralloc_kms_probe_reason(kms));
		gralloc_consumer_destroy(c);
		errno = -imports;
		return NULL;
	}
	if (imports == 0) {
		c->imports_foreign = false;
		gralloc_copy_name(c->own_device, sizeof(c->own_device), gralloc_kms_path(kms));
		gralloc_copy_name(c->why, sizeof(c->why), gralloc_kms_probe_reason(kms));
	}
	return c;
}
