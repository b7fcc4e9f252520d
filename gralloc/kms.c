/* SPDX-License-Identifier: MIT */
/* KMS import: private DRM file description, refcounted GEM handles,
 * framebuffers that live no longer than their buffer. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "gralloc/kms_private.h"

#define MAX_HANDLES 1024

struct gem_ref {
	uint32_t handle;
	uint32_t refs;
};

/* Hangs on its buffer as user data (keyed by itself), so that the buffer's
 * last release removes the framebuffer before the memory goes. */
struct kms_fb {
	struct gralloc_kms *kms;
	struct gralloc_buffer *buf;
	struct kms_fb *next;
	uint32_t fb_id;
	uint32_t num_handles;
	uint32_t handles[GRALLOC_MAX_PLANES]; /* one per plane, refs taken */
};

struct gralloc_kms {
	int fd; /* owned */
	char path[256];
	char driver[32];
	char probe_why[256];
	bool has_modifiers;
	int imports_foreign; /* -1 until probed */
	pthread_mutex_t lock; /* guards handles and fbs */
	size_t num_handles;
	struct gem_ref handles[MAX_HANDLES];
	struct kms_fb *fbs;
};

int gralloc_drm_reopen(int drm_fd)
{
	char *name = drmGetDeviceNameFromFd2(drm_fd);
	int fd;

	if (!name)
		return -ENODEV;
	fd = open(name, O_RDWR | O_CLOEXEC);
	fd = fd < 0 ? -errno : fd;
	if (fd < 0)
		gralloc_log(ERROR, "cannot reopen %s: %s", name, strerror(-fd));
	free(name);
	return fd;
}

/* Takes ownership of fd. */
static struct gralloc_kms *kms_from_fd(int fd)
{
	struct gralloc_kms *kms = calloc(1, sizeof(*kms));
	drmVersionPtr version;
	uint64_t cap = 0;

	if (!kms) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	version = drmGetVersion(fd);
	if (!version) {
		gralloc_log(ERROR, "fd %d is not a DRM device", fd);
		close(fd);
		free(kms);
		errno = ENODEV;
		return NULL;
	}
	gralloc_copy_name(kms->driver, sizeof(kms->driver), version->name);
	drmFreeVersion(version);
	char *name = drmGetDeviceNameFromFd2(fd);

	gralloc_copy_name(kms->path, sizeof(kms->path), name ? name : "?");
	free(name);
	kms->fd = fd;
	kms->imports_foreign = -1;
	kms->has_modifiers = drmGetCap(fd, DRM_CAP_ADDFB2_MODIFIERS, &cap) == 0 && cap;
	pthread_mutex_init(&kms->lock, NULL);
	return kms;
}

GRALLOC_EXPORT struct gralloc_kms *gralloc_kms_open(const char *path)
{
	int fd;

	if (!path) {
		gralloc_log(ERROR, "path must not be NULL");
		errno = EINVAL;
		return NULL;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		gralloc_log(ERROR, "cannot open %s: %s", path, strerror(err));
		errno = err;
		return NULL;
	}
	return kms_from_fd(fd);
}

GRALLOC_EXPORT struct gralloc_kms *gralloc_kms_create(int drm_fd)
{
	int fd = gralloc_drm_reopen(drm_fd), ret;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	/* The caller sets modes on its own fd; this private one only
	 * imports and must not become master when the caller's is not. */
	ret = gralloc_drm_drop_master(fd, "reopened DRM device");
	if (ret) {
		close(fd);
		errno = -ret;
		return NULL;
	}
	return kms_from_fd(fd);
}

GRALLOC_EXPORT int gralloc_kms_get_fd(const struct gralloc_kms *kms)
{
	return kms ? kms->fd : -(errno = EINVAL);
}

GRALLOC_EXPORT const char *gralloc_kms_driver_name(const struct gralloc_kms *kms)
{
	return kms ? kms->driver : "";
}

GRALLOC_EXPORT size_t gralloc_kms_gem_handle_count(const struct gralloc_kms *kms)
{
	return kms ? kms->num_handles : 0;
}

/* Caller holds kms->lock. fd borrowed. */
static int handle_ref(struct gralloc_kms *kms, int fd, uint32_t *out)
{
	uint32_t handle;
	int ret = drmPrimeFDToHandle(kms->fd, fd, &handle);

	if (ret)
		return -errno;
	for (size_t i = 0; i < kms->num_handles; i++) {
		if (kms->handles[i].handle == handle) {
			kms->handles[i].refs++;
			*out = handle;
			return 0;
		}
	}
	if (kms->num_handles == MAX_HANDLES) {
		struct drm_gem_close close_args = { .handle = handle };

		if (drmIoctl(kms->fd, DRM_IOCTL_GEM_CLOSE, &close_args))
			gralloc_log(ERROR, "GEM_CLOSE of handle %u on %s failed: %s", handle,
				    kms->path, strerror(errno));
		return -ENOSPC;
	}
	kms->handles[kms->num_handles++] = (struct gem_ref){ handle, 1 };
	*out = handle;
	return 0;
}

/* Caller holds kms->lock. The kernel hands out one handle per dma-buf per
 * file, so it is closed only when the last user lets go. 0 or -errno: a
 * handle the kernel would not close keeps the memory alive. */
static int handle_unref(struct gralloc_kms *kms, uint32_t handle)
{
	for (size_t i = 0; i < kms->num_handles; i++) {
		struct drm_gem_close close_args = { .handle = handle };
		int ret = 0;

		if (kms->handles[i].handle != handle)
			continue;
		if (--kms->handles[i].refs)
			return 0;
		if (drmIoctl(kms->fd, DRM_IOCTL_GEM_CLOSE, &close_args)) {
			ret = -errno;
			gralloc_log(ERROR, "GEM_CLOSE of handle %u on %s failed: %s", handle,
				    kms->path, strerror(-ret));
		}
		kms->handles[i] = kms->handles[--kms->num_handles];
		return ret;
	}
	return 0;
}

/* Caller holds kms->lock; fb is unlinked from kms but maybe not from buf.
 * Everything is released whatever fails; the first failure is returned. */
static int fb_destroy_locked(struct kms_fb *fb)
{
	int ret = 0;

	if (fb->fb_id && drmModeRmFB(fb->kms->fd, fb->fb_id)) {
		ret = -errno;
		gralloc_log(ERROR, "RMFB of framebuffer %u on %s failed: %s", fb->fb_id,
			    fb->kms->path, strerror(-ret));
	}
	for (uint32_t i = 0; i < fb->num_handles; i++) {
		int r = handle_unref(fb->kms, fb->handles[i]);

		ret = ret ? ret : r;
	}
	free(fb);
	return ret;
}

static bool unlink_fb(struct gralloc_kms *kms, struct kms_fb *fb)
{
	for (struct kms_fb **p = &kms->fbs; *p; p = &(*p)->next) {
		if (*p == fb) {
			*p = fb->next;
			return true;
		}
	}
	return false;
}

/* The buffer is being freed: its framebuffer goes first. */
static void fb_release(void *data)
{
	struct kms_fb *fb = data;
	struct gralloc_kms *kms = fb->kms;

	pthread_mutex_lock(&kms->lock);
	/* The buffer goes regardless; a failure is logged by the callee. */
	if (unlink_fb(kms, fb))
		(void)fb_destroy_locked(fb);
	pthread_mutex_unlock(&kms->lock);
}

static struct kms_fb *find_fb(struct gralloc_kms *kms, const struct gralloc_buffer *buf)
{
	for (struct kms_fb *fb = kms->fbs; fb; fb = fb->next)
		if (fb->buf == buf)
			return fb;
	return NULL;
}

static int create_fb_locked(struct gralloc_kms *kms, struct gralloc_buffer *buf,
			    struct kms_fb *fb)
{
	uint32_t pitches[4] = { 0 }, offsets[4] = { 0 }, handles[4] = { 0 };
	uint64_t modifiers[4] = { 0 };
	const struct gralloc_layout *l = &buf->layout;
	int ret;

	for (uint32_t p = 0; p < l->num_planes; p++) {
		ret = handle_ref(kms, buf->fds[l->planes[p].fd_index], &fb->handles[p]);
		if (ret) {
			gralloc_log(ERROR, "PRIME import into %s failed: %s", kms->driver,
				    strerror(-ret));
			return ret;
		}
		fb->num_handles++;
		if (l->planes[p].offset > UINT32_MAX) {
			gralloc_log(ERROR, "plane %u offset does not fit AddFB2", p);
			return -EOVERFLOW;
		}
		handles[p] = fb->handles[p];
		pitches[p] = l->planes[p].stride;
		offsets[p] = (uint32_t)l->planes[p].offset;
		modifiers[p] = l->modifier;
	}
	if (kms->has_modifiers)
		ret = drmModeAddFB2WithModifiers(kms->fd, buf->desc.width, buf->desc.height,
						 buf->desc.format, handles, pitches, offsets,
						 modifiers, &fb->fb_id, DRM_MODE_FB_MODIFIERS);
	else if (l->modifier == DRM_FORMAT_MOD_LINEAR)
		ret = drmModeAddFB2(kms->fd, buf->desc.width, buf->desc.height, buf->desc.format,
				    handles, pitches, offsets, &fb->fb_id, 0);
	else
		ret = -(errno = EINVAL);
	if (ret) {
		ret = -errno;
		fb->fb_id = 0;
		gralloc_log(ERROR, "AddFB2 %ux%u %.4s pitch %u on %s failed: %s",
			    buf->desc.width, buf->desc.height, (const char *)&buf->desc.format,
			    pitches[0], kms->driver, strerror(-ret));
	}
	return ret;
}

GRALLOC_EXPORT int gralloc_kms_add_framebuffer(struct gralloc_kms *kms,
					       struct gralloc_buffer *buf, uint32_t *fb_id)
{
	struct kms_fb *fb;
	int ret = 0;

	if (!kms || !buf || !fb_id) {
		gralloc_log(ERROR, "kms, buffer and fb_id must not be NULL");
		return -(errno = EINVAL);
	}
	if (!buf->backend->impl->dma_buf) {
		gralloc_log(ERROR, "a %s buffer is not a dma-buf: no display can use it",
			    buf->backend->impl->name);
		return -(errno = EINVAL);
	}
	pthread_mutex_lock(&kms->lock);
	fb = find_fb(kms, buf);
	if (fb) {
		*fb_id = fb->fb_id;
		goto out;
	}
	fb = calloc(1, sizeof(*fb));
	if (!fb) {
		ret = -ENOMEM;
		goto out;
	}
	fb->kms = kms;
	fb->buf = buf;
	ret = create_fb_locked(kms, buf, fb);
	if (!ret)
		ret = gralloc_buffer_set_user_data(buf, fb, fb, fb_release);
	if (ret) {
		(void)fb_destroy_locked(fb); /* the first error is the one to report */
		goto out;
	}
	fb->next = kms->fbs;
	kms->fbs = fb;
	*fb_id = fb->fb_id;
out:
	pthread_mutex_unlock(&kms->lock);
	return ret ? -(errno = -ret) : 0;
}

GRALLOC_EXPORT int gralloc_kms_remove_framebuffer(struct gralloc_kms *kms,
						  struct gralloc_buffer *buf)
{
	struct kms_fb *fb;
	int ret = 0;

	if (!kms || !buf) {
		gralloc_log(ERROR, "kms and buffer must not be NULL");
		return -(errno = EINVAL);
	}
	pthread_mutex_lock(&kms->lock);
	fb = find_fb(kms, buf);
	if (fb) {
		unlink_fb(kms, fb);
		gralloc_buffer_set_user_data(buf, fb, NULL, NULL);
		ret = fb_destroy_locked(fb);
	}
	pthread_mutex_unlock(&kms->lock);
	if (!fb) {
		gralloc_log(ERROR, "buffer has no framebuffer on this device");
		return -(errno = ENOENT);
	}
	return ret ? -(errno = -ret) : 0;
}

GRALLOC_EXPORT void gralloc_kms_destroy(struct gralloc_kms *kms)
{
	if (!kms)
		return;
	pthread_mutex_lock(&kms->lock);
	while (kms->fbs) {
		struct kms_fb *fb = kms->fbs;

		kms->fbs = fb->next;
		gralloc_buffer_set_user_data(fb->buf, fb, NULL, NULL);
		(void)fb_destroy_locked(fb); /* logged; destroy cannot fail */
	}
	pthread_mutex_unlock(&kms->lock);
	pthread_mutex_destroy(&kms->lock);
	close(kms->fd);
	free(kms);
}

const char *gralloc_kms_path(const struct gralloc_kms *kms)
{
	return kms->path;
}

const char *gralloc_kms_probe_reason(const struct gralloc_kms *kms)
{
	return kms->probe_why;
}

GRALLOC_EXPORT int gralloc_kms_imports_foreign(struct gralloc_kms *kms,
					       struct gralloc_device *dev)
{
	if (!kms || !dev) {
		gralloc_log(ERROR, "kms and device must not be NULL");
		return -(errno = EINVAL);
	}
	if (kms->imports_foreign < 0) {
		int ret = gralloc_kms_probe_foreign(kms->fd, dev, kms->probe_why,
						    sizeof(kms->probe_why));

		if (ret < 0)
			return -(errno = -ret);
		kms->imports_foreign = ret;
	}
	return kms->imports_foreign;
}
