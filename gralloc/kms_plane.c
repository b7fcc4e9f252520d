/* SPDX-License-Identifier: MIT */
/* Plane capability queries: IN_FORMATS and atomic TEST_ONLY commits. */
#include <errno.h>
#include <string.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "gralloc/kms_private.h"

/* Returns the value of property `name` on an object, its id in *prop_id. */
static int find_prop(int fd, uint32_t obj, uint32_t type, const char *name,
		     uint32_t *prop_id, uint64_t *value)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, obj, type);
	int ret = -ENOENT;

	if (!props)
		return -errno;
	for (uint32_t i = 0; i < props->count_props && ret; i++) {
		drmModePropertyPtr p = drmModeGetProperty(fd, props->props[i]);

		if (p && !strcmp(p->name, name)) {
			*prop_id = p->prop_id;
			if (value)
				*value = props->prop_values[i];
			ret = 0;
		}
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return ret;
}

GRALLOC_EXPORT int gralloc_kms_plane_supports(struct gralloc_kms *kms, uint32_t plane_id,
					      uint32_t format, uint64_t modifier)
{
	int fd = gralloc_kms_get_fd(kms);
	uint32_t prop;
	uint64_t blob_id;
	drmModePropertyBlobPtr blob;
	drmModeFormatModifierIterator iter = { 0 };
	drmModePlanePtr plane;
	int found = 0;

	if (!kms) {
		gralloc_log(ERROR, "kms must not be NULL");
		return -(errno = EINVAL);
	}
	drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	if (find_prop(fd, plane_id, DRM_MODE_OBJECT_PLANE, "IN_FORMATS", &prop, &blob_id) == 0 &&
	    (blob = drmModeGetPropertyBlob(fd, (uint32_t)blob_id))) {
		while (!found && drmModeFormatModifierBlobIterNext(blob, &iter))
			found = iter.fmt == format && iter.mod == modifier;
		drmModeFreePropertyBlob(blob);
		return found;
	}
	/* Without IN_FORMATS a plane scans out its formats linear only. */
	plane = drmModeGetPlane(fd, plane_id);
	if (!plane) {
		int err = errno;

		gralloc_log(ERROR, "no plane %u on %s: %s", plane_id, gralloc_kms_driver_name(kms),
			    strerror(err));
		return -(errno = err);
	}
	for (uint32_t i = 0; i < plane->count_formats; i++)
		found |= plane->formats[i] == format && modifier == DRM_FORMAT_MOD_LINEAR;
	drmModeFreePlane(plane);
	return found;
}

struct prop_set {
	const char *name;
	uint64_t value;
};

GRALLOC_EXPORT int gralloc_kms_test_plane(struct gralloc_kms *kms, struct gralloc_buffer *buf,
					  uint32_t plane_id, uint32_t crtc_id)
{
	int fd = gralloc_kms_get_fd(kms);
	drmModeCrtcPtr crtc;
	drmModeAtomicReqPtr req;
	uint32_t fb_id, w, h;
	int ret;

	if (!kms || !buf) {
		gralloc_log(ERROR, "kms and buffer must not be NULL");
		return -(errno = EINVAL);
	}
	if (drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1)) {
		gralloc_log(ERROR, "%s has no atomic modesetting", gralloc_kms_driver_name(kms));
		return -(errno = EOPNOTSUPP);
	}
	crtc = drmModeGetCrtc(fd, crtc_id);
	if (!crtc || !crtc->mode_valid) {
		gralloc_log(ERROR, "CRTC %u is %s: set a mode before testing planes", crtc_id,
			    crtc ? "inactive" : "unknown");
		drmModeFreeCrtc(crtc);
		return -(errno = ENOTCONN);
	}
	/* Full-screen where the buffer allows: primary planes on many drivers
	 * must cover the CRTC and cannot scale. */
	w = buf->desc.width < crtc->mode.hdisplay ? buf->desc.width : crtc->mode.hdisplay;
	h = buf->desc.height < crtc->mode.vdisplay ? buf->desc.height : crtc->mode.vdisplay;
	drmModeFreeCrtc(crtc);

	ret = gralloc_kms_add_framebuffer(kms, buf, &fb_id);
	if (ret)
		return ret;
	const struct prop_set props[] = {
		{ "FB_ID", fb_id },	   { "CRTC_ID", crtc_id },
		{ "SRC_X", 0 },		   { "SRC_Y", 0 },
		{ "SRC_W", (uint64_t)w << 16 }, { "SRC_H", (uint64_t)h << 16 },
		{ "CRTC_X", 0 },	   { "CRTC_Y", 0 },
		{ "CRTC_W", w },	   { "CRTC_H", h },
	};
	req = drmModeAtomicAlloc();
	if (!req)
		return -(errno = ENOMEM);
	for (size_t i = 0; i < ARRAY_SIZE(props); i++) {
		uint32_t prop;

		ret = find_prop(fd, plane_id, DRM_MODE_OBJECT_PLANE, props[i].name, &prop, NULL);
		if (ret) {
			gralloc_log(ERROR, "plane %u has no %s property", plane_id, props[i].name);
			goto out;
		}
		drmModeAtomicAddProperty(req, plane_id, prop, props[i].value);
	}
	ret = drmModeAtomicCommit(fd, req, DRM_MODE_ATOMIC_TEST_ONLY, NULL) ? -errno : 0;
	if (ret)
		gralloc_log(INFO, "TEST_ONLY of plane %u on CRTC %u: %s", plane_id, crtc_id,
			    strerror(-ret));
out:
	drmModeAtomicFree(req);
	return ret ? -(errno = -ret) : 0;
}
