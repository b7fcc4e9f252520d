/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "modeset.h"

int drm_find_card(const char *driver, char *path, size_t len)
{
	for (int i = 0; i < 16; i++) {
		drmVersionPtr v;
		drmModeResPtr res = NULL;
		bool match;
		int fd;

		snprintf(path, len, "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		if (driver)
			match = v && !strcmp(v->name, driver);
		else
			match = (res = drmModeGetResources(fd)) && res->count_connectors > 0;
		drmFreeVersion(v);
		drmModeFreeResources(res);
		close(fd);
		if (match)
			return 0;
	}
	return -ENODEV;
}

static uint32_t prop_id(int fd, uint32_t obj, uint32_t type, const char *name)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, obj, type);
	uint32_t id = 0;

	for (uint32_t i = 0; props && i < props->count_props && !id; i++) {
		drmModePropertyPtr p = drmModeGetProperty(fd, props->props[i]);

		if (p && !strcmp(p->name, name))
			id = p->prop_id;
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return id;
}

static uint64_t prop_value(int fd, uint32_t obj, uint32_t type, const char *name)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, obj, type);
	uint64_t v = 0;

	for (uint32_t i = 0; props && i < props->count_props; i++) {
		drmModePropertyPtr p = drmModeGetProperty(fd, props->props[i]);

		if (p && !strcmp(p->name, name))
			v = props->prop_values[i];
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return v;
}

static int add(drmModeAtomicReqPtr req, int fd, uint32_t obj, uint32_t type,
	       const char *name, uint64_t value)
{
	uint32_t id = prop_id(fd, obj, type, name);

	if (!id) {
		fprintf(stderr, "object %u has no property %s\n", obj, name);
		return -ENOENT;
	}
	return drmModeAtomicAddProperty(req, obj, id, value) < 0 ? -EINVAL : 0;
}

static int pick_crtc(int fd, drmModeResPtr res, drmModeConnectorPtr conn, uint32_t *crtc_index)
{
	for (int e = 0; e < conn->count_encoders; e++) {
		drmModeEncoderPtr enc = drmModeGetEncoder(fd, conn->encoders[e]);

		for (int c = 0; enc && c < res->count_crtcs; c++) {
			if (enc->possible_crtcs & (1u << c)) {
				*crtc_index = (uint32_t)c;
				drmModeFreeEncoder(enc);
				return 0;
			}
		}
		drmModeFreeEncoder(enc);
	}
	return -ENOENT;
}

static int pick_primary(int fd, uint32_t crtc_index, uint32_t *plane_id)
{
	drmModePlaneResPtr planes = drmModeGetPlaneResources(fd);
	int ret = -ENOENT;

	for (uint32_t i = 0; planes && i < planes->count_planes && ret; i++) {
		drmModePlanePtr p = drmModeGetPlane(fd, planes->planes[i]);

		if (p && (p->possible_crtcs & (1u << crtc_index)) &&
		    prop_value(fd, p->plane_id, DRM_MODE_OBJECT_PLANE, "type") ==
			    DRM_PLANE_TYPE_PRIMARY) {
			*plane_id = p->plane_id;
			ret = 0;
		}
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(planes);
	return ret;
}

int modeset_init(struct modeset *m, int fd)
{
	drmModeResPtr res;
	uint32_t crtc_index = 0;
	int ret = -ENOENT;

	memset(m, 0, sizeof(*m));
	m->fd = fd;
	if (drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
	    drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1)) {
		fprintf(stderr, "device has no atomic modesetting\n");
		return -EOPNOTSUPP;
	}
	/* Only clients that ask see writeback connectors. */
	drmSetClientCap(fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1);
	res = drmModeGetResources(fd);
	if (!res) {
		fprintf(stderr, "device has no KMS resources\n");
		return -ENODEV;
	}
	for (int i = 0; i < res->count_connectors; i++) {
		drmModeConnectorPtr c = drmModeGetConnector(fd, res->connectors[i]);

		if (!c)
			continue;
		if (c->connector_type == DRM_MODE_CONNECTOR_WRITEBACK) {
			m->writeback_id = c->connector_id;
		} else if (ret && c->connection == DRM_MODE_CONNECTED && c->count_modes > 0 &&
			   !pick_crtc(fd, res, c, &crtc_index)) {
			m->connector_id = c->connector_id;
			m->mode = c->modes[0];
			for (int k = 0; k < c->count_modes; k++)
				if (c->modes[k].type & DRM_MODE_TYPE_PREFERRED) {
					m->mode = c->modes[k];
					break;
				}
			m->crtc_id = res->crtcs[crtc_index];
			ret = 0;
		}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	if (ret) {
		fprintf(stderr, "no connected output\n");
		return ret;
	}
	if (pick_primary(fd, crtc_index, &m->plane_id)) {
		fprintf(stderr, "no primary plane for CRTC %u\n", m->crtc_id);
		return -ENOENT;
	}
	if (drmModeCreatePropertyBlob(fd, &m->mode, sizeof(m->mode), &m->mode_blob))
		return -errno;
	return 0;
}

void modeset_finish(struct modeset *m)
{
	if (m->mode_blob)
		drmModeDestroyPropertyBlob(m->fd, m->mode_blob);
	m->mode_blob = 0;
}

static int add_plane(drmModeAtomicReqPtr req, struct modeset *m, uint32_t fb_id)
{
	const uint32_t w = m->mode.hdisplay, h = m->mode.vdisplay;
	int ret = 0;

	ret |= add(req, m->fd, m->plane_id, DRM_MODE_OBJECT_PLANE, "FB_ID", fb_id);
	ret |= add(req, m->fd, m->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_ID", m->crtc_id);
	ret |= add(req, m->fd, m->plane_id, DRM_MODE_OBJECT_PLANE, "SRC_X", 0);
	ret |= add(req, m->fd, m->plane_id, DRM_MODE_OBJECT_PLANE, "SRC_Y", 0);
	ret |= add(req, m->fd, m->plane_id, DRM_MODE_OBJECT_PLANE, "SRC_W", (uint64_t)w << 16);
	ret |= add(req, m->fd, m->plane_id, DRM_MODE_OBJECT_PLANE, "SRC_H", (uint64_t)h << 16);
	ret |= add(req, m->fd, m->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_X", 0);
	ret |= add(req, m->fd, m->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_Y", 0);
	ret |= add(req, m->fd, m->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_W", w);
	ret |= add(req, m->fd, m->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_H", h);
	return ret ? -EINVAL : 0;
}

static int add_modeset(drmModeAtomicReqPtr req, struct modeset *m)
{
	int ret = 0;

	ret |= add(req, m->fd, m->connector_id, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID", m->crtc_id);
	ret |= add(req, m->fd, m->crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID", m->mode_blob);
	ret |= add(req, m->fd, m->crtc_id, DRM_MODE_OBJECT_CRTC, "ACTIVE", 1);
	/* A writeback left routed to the CRTC (an earlier capture) would make
	 * vkms refuse the output connector beside it. */
	if (m->writeback_id)
		ret |= add(req, m->fd, m->writeback_id, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID", 0);
	return ret ? -EINVAL : 0;
}

int modeset_show(struct modeset *m, uint32_t fb_id, bool flip)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	uint32_t flags = 0;
	int ret;

	if (!req)
		return -ENOMEM;
	ret = add_plane(req, m, fb_id);
	if (!ret && !m->modeset_done) {
		ret = add_modeset(req, m);
		flags |= DRM_MODE_ATOMIC_ALLOW_MODESET;
	} else if (flip) {
		flags |= DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT;
	}
	if (!ret)
		ret = drmModeAtomicCommit(m->fd, req, flags, m) ? -errno : 0;
	drmModeAtomicFree(req);
	if (ret) {
		fprintf(stderr, "atomic commit failed: %s\n", strerror(-ret));
		return ret;
	}
	m->modeset_done = true;
	m->flip_pending = flags & DRM_MODE_PAGE_FLIP_EVENT;
	return 0;
}

static void on_flip(int fd, unsigned seq, unsigned sec, unsigned usec, unsigned crtc,
		    void *data)
{
	(void)fd, (void)seq, (void)sec, (void)usec, (void)crtc;
	((struct modeset *)data)->flip_pending = false;
}

int modeset_wait_flip(struct modeset *m, int timeout_ms)
{
	drmEventContext ev = { .version = 3, .page_flip_handler2 = on_flip };
	struct pollfd pfd = { .fd = m->fd, .events = POLLIN };

	while (m->flip_pending) {
		int n = poll(&pfd, 1, timeout_ms);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? -errno : -ETIMEDOUT;
		if (drmHandleEvent(m->fd, &ev))
			return -EIO;
	}
	return 0;
}

/* One writeback commit; with `detach` the output connector leaves the
 * CRTC in the same commit. */
static int writeback_commit(struct modeset *m, uint32_t wb_fb_id, bool detach, int32_t *fence)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	int ret = 0;

	if (!req)
		return -ENOMEM;
	if (detach)
		ret |= add(req, m->fd, m->connector_id, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID", 0);
	ret |= add(req, m->fd, m->writeback_id, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID", m->crtc_id);
	ret |= add(req, m->fd, m->writeback_id, DRM_MODE_OBJECT_CONNECTOR, "WRITEBACK_FB_ID",
		   wb_fb_id);
	ret |= add(req, m->fd, m->writeback_id, DRM_MODE_OBJECT_CONNECTOR,
		   "WRITEBACK_OUT_FENCE_PTR", (uint64_t)(uintptr_t)fence);
	if (!ret)
		ret = drmModeAtomicCommit(m->fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL) ? -errno
											    : 0;
	drmModeAtomicFree(req);
	return ret;
}

int modeset_writeback(struct modeset *m, uint32_t wb_fb_id)
{
	int32_t fence = -1; /* the kernel writes an s32 through the pointer */
	int ret;

	if (!m->writeback_id)
		return -ENODEV;
	ret = writeback_commit(m, wb_fb_id, false, &fence);
	if (ret == -EINVAL) {
		/* vkms in 6.12 refuses a writeback connector beside the
		 * Virtual one on its single CRTC; the CRTC still composes
		 * the same planes when it feeds the writeback alone. */
		ret = writeback_commit(m, wb_fb_id, true, &fence);
		m->modeset_done = false; /* the next show re-attaches the output */
	}
	if (ret) {
		fprintf(stderr, "writeback commit failed: %s\n", strerror(-ret));
		return ret;
	}
	if (fence >= 0) {
		struct pollfd pfd = { .fd = fence, .events = POLLIN };

		ret = poll(&pfd, 1, 5000) == 1 ? 0 : -ETIMEDOUT;
		close(fence);
	}
	return ret;
}
