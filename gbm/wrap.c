/* SPDX-License-Identifier: MIT */
/* Wrap mode: the device the loader gets is Mesa's own (name "drm"), which
 * Mesa's EGL insists on because it casts it to Mesa's private struct. Only
 * three of its slots change: bo_create allocates through gralloc and turns
 * the memory into a genuine Mesa bo with Mesa's own FD_MODIFIER import;
 * bo_destroy drops the gralloc buffer behind such a bo; destroy cleans up.
 * Everything else, including window-surface buffers (EGL allocates them
 * through the public gbm_bo_create, i.e. this slot), stays Mesa's. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "gbm_private.h"

struct wrap_bo {
	struct gbm_bo *bo; /* Mesa's */
	struct gralloc_buffer *buf;
	struct wrap_bo *next;
};

struct wrap_device {
	struct gbm_device *gbm; /* Mesa's */
	struct gbm_device_v0 mesa; /* Mesa's slots as it made them */
	struct gralloc_device *dev;
	struct gbm_policy policy;
	pthread_mutex_t lock;
	struct wrap_bo *bos;
	struct wrap_device *next;
};

/* Mesa's device struct is Mesa's, so our state lives beside it, found by
 * the device pointer. A process has one or two GBM devices. */
static pthread_mutex_t devices_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wrap_device *devices;

/* gbm_create_device() below re-enters the loader, which loads this module
 * again (GBM_BACKEND=gralloc, or <driver>_gbm.so): that inner call must
 * decline so that the loader falls through to its built-in backend. */
static _Thread_local bool creating;

bool gbm_wrap_creating(void)
{
	return creating;
}

static struct wrap_device *find(struct gbm_device *gbm)
{
	struct wrap_device *w;

	pthread_mutex_lock(&devices_lock);
	for (w = devices; w && w->gbm != gbm; w = w->next)
		;
	pthread_mutex_unlock(&devices_lock);
	return w;
}

static struct gbm_bo *mesa_create(struct wrap_device *w, uint32_t width, uint32_t height,
				  uint32_t format, uint32_t flags, const uint64_t *modifiers,
				  unsigned count, const char *why)
{
	gralloc_log(INFO, "gralloc-gbm: bo %ux%u %.4s flags 0x%x on %s passed to Mesa: %s", width,
		    height, (const char *)&format, flags, w->policy.node, why);
	return w->mesa.bo_create(w->gbm, width, height, format, flags, modifiers, count);
}

/* Mesa's own import of gralloc memory: the bo is a gbm_dri_bo like any
 * other, and Mesa's GEM handle keeps the memory alive on its own. The
 * import borrows the fds (gbm.h: the caller keeps them), so the buffer's
 * own go in, not duplicates: two system calls fewer per bo. */
static struct gbm_bo *import_into_mesa(struct wrap_device *w,
				       const struct gralloc_buffer_info *info, uint32_t flags)
{
	struct gbm_import_fd_modifier_data data = { 0 };

	data.width = info->width;
	data.height = info->height;
	data.format = info->format;
	data.num_fds = info->num_planes;
	data.modifier = info->modifier;
	for (uint32_t i = 0; i < info->num_planes; i++) {
		/* Mesa takes one fd per plane (the same file may repeat). */
		data.fds[i] = info->fds[info->planes[i].fd_index];
		data.strides[i] = (int)info->planes[i].stride;
		data.offsets[i] = (int)info->planes[i].offset;
	}
	return w->mesa.bo_import(w->gbm, GBM_BO_IMPORT_FD_MODIFIER, &data, flags);
}

static struct gbm_bo *wrap_bo_create(struct gbm_device *gbm, uint32_t width, uint32_t height,
				     uint32_t format, uint32_t flags, const uint64_t *modifiers,
				     const unsigned int count)
{
	struct wrap_device *w = find(gbm);
	struct wrap_bo *node;
	struct gralloc_buffer_info info;
	struct gralloc_buffer *buf;
	struct gbm_bo *bo;
	uint64_t usage;
	uint32_t fourcc = gbm_canonical_format(format);

	if (!w) { /* cannot happen: the slot is ours only while w exists */
		errno = ENODEV;
		return NULL;
	}
	if (!gbm_modifiers_allow_linear(modifiers, count))
		return mesa_create(w, width, height, format, flags, modifiers, count,
				   "no LINEAR in the modifier list");
	if (gbm_usage_to_gralloc(flags, &usage))
		return mesa_create(w, width, height, format, flags, modifiers, count,
				   "usage flags gralloc does not know");
	/* Mesa's gbm_bo_write() works only on the dumb bos it made itself. */
	if (flags & GBM_BO_USE_WRITE)
		return mesa_create(w, width, height, format, flags, modifiers, count,
				   "gbm_bo_write() needs Mesa's own bo");
	if (usage & GRALLOC_USAGE_PROTECTED_CONTENT)
		return mesa_create(w, width, height, format, flags, modifiers, count,
				   "protected buffers stay with the driver");
	buf = gbm_policy_allocate(&w->policy, w->dev, width, height, fourcc, usage, &info);
	if (!buf)
		return mesa_create(w, width, height, format, flags, modifiers, count,
				   gralloc_last_error());
	bo = import_into_mesa(w, &info, flags);
	node = bo ? calloc(1, sizeof(*node)) : NULL;
	if (!node) {
		int err = errno;

		if (bo)
			w->mesa.bo_destroy(bo);
		gralloc_buffer_release(buf);
		errno = err;
		return mesa_create(w, width, height, format, flags, modifiers, count,
				   "Mesa's FD_MODIFIER import of gralloc memory failed");
	}
	/* Kept while the bo lives so that the dma-buf (named gralloc-gbm in
	 * the kernel's list) stays what the bo's memory is. */
	node->bo = bo;
	node->buf = buf;
	pthread_mutex_lock(&w->lock);
	node->next = w->bos;
	w->bos = node;
	pthread_mutex_unlock(&w->lock);
	return bo;
}

static void wrap_bo_destroy(struct gbm_bo *bo)
{
	struct wrap_device *w = find(bo->gbm);
	struct wrap_bo *found = NULL;

	if (w) {
		pthread_mutex_lock(&w->lock);
		for (struct wrap_bo **p = &w->bos; *p; p = &(*p)->next) {
			if ((*p)->bo == bo) {
				found = *p;
				*p = found->next;
				break;
			}
		}
		pthread_mutex_unlock(&w->lock);
	}
	if (w)
		w->mesa.bo_destroy(bo);
	if (found) {
		gralloc_buffer_release(found->buf);
		free(found);
	}
}

static void wrap_destroy(struct gbm_device *gbm)
{
	struct wrap_device *w = NULL;
	void (*mesa_destroy)(struct gbm_device *);

	pthread_mutex_lock(&devices_lock);
	for (struct wrap_device **p = &devices; *p; p = &(*p)->next) {
		if ((*p)->gbm == gbm) {
			w = *p;
			*p = w->next;
			break;
		}
	}
	pthread_mutex_unlock(&devices_lock);
	if (!w)
		return;
	/* Buffers of bos the caller never destroyed: Mesa's GEM handles
	 * keep their memory until Mesa's destroy closes its fd. */
	while (w->bos) {
		struct wrap_bo *b = w->bos;

		w->bos = b->next;
		gralloc_buffer_release(b->buf);
		free(b);
	}
	mesa_destroy = w->mesa.destroy;
	gbm->v0.bo_create = w->mesa.bo_create;
	gbm->v0.bo_destroy = w->mesa.bo_destroy;
	gbm->v0.destroy = w->mesa.destroy;
	gbm_policy_fini(&w->policy);
	gralloc_device_destroy(w->dev);
	pthread_mutex_destroy(&w->lock);
	free(w);
	mesa_destroy(gbm);
}

/* Mesa can allocate on this fd (kms_swrast on a render node cannot:
 * dumb buffers are refused there with EACCES). */
static bool mesa_can_allocate(struct gbm_device *gbm)
{
	struct gbm_bo *bo = gbm->v0.bo_create(gbm, 64, 64, DRM_FORMAT_XRGB8888, 0, NULL, 0);

	if (!bo)
		return false;
	gbm->v0.bo_destroy(bo);
	return true;
}

struct gbm_device *gbm_wrap_create(int fd, uint32_t version, bool required)
{
	struct gbm_device *gbm;
	struct wrap_device *w;
	int ret;

	creating = true;
	gbm = gbm_create_device(fd);
	creating = false;
	if (!gbm || !gbm->v0.name || strcmp(gbm->v0.name, "drm")) {
		gralloc_log(INFO, "gralloc-gbm: no Mesa device to wrap on fd %d (%s)", fd,
			    gbm ? gbm->v0.name : strerror(errno));
		if (gbm)
			gbm_device_destroy(gbm);
		errno = ENODEV;
		return NULL;
	}
	if (gbm->v0.backend_version != version) {
		gralloc_log(INFO, "gralloc-gbm: Mesa's device speaks ABI %u, not %u",
			    gbm->v0.backend_version, version);
		gbm_device_destroy(gbm);
		errno = ENOTSUP;
		return NULL;
	}
	if (!required && !mesa_can_allocate(gbm)) {
		gralloc_log(INFO, "gralloc-gbm: Mesa cannot allocate on fd %d (%s): not wrapping",
			    fd, strerror(errno));
		gbm_device_destroy(gbm);
		errno = ENODEV;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		gbm_device_destroy(gbm);
		errno = ENOMEM;
		return NULL;
	}
	w->gbm = gbm;
	w->mesa = gbm->v0;
	pthread_mutex_init(&w->lock, NULL);
	w->dev = gralloc_device_create(NULL);
	ret = w->dev ? gbm_policy_init(&w->policy, fd, w->dev, true) : -errno;
	if (ret) {
		gralloc_log(ERROR, "gralloc-gbm: wrap mode on fd %d: %s", fd, gralloc_last_error());
		gralloc_device_destroy(w->dev);
		pthread_mutex_destroy(&w->lock);
		free(w);
		gbm_device_destroy(gbm);
		errno = -ret;
		return NULL;
	}
	pthread_mutex_lock(&devices_lock);
	w->next = devices;
	devices = w;
	pthread_mutex_unlock(&devices_lock);
	gbm->v0.bo_create = wrap_bo_create;
	gbm->v0.bo_destroy = wrap_bo_destroy;
	gbm->v0.destroy = wrap_destroy;
	gralloc_log(INFO, "gralloc-gbm: %s (%s): wrap mode, Mesa's device \"%s\" with buffers "
		    "from gralloc for %s", w->policy.node, w->policy.driver, gbm->v0.name,
		    gralloc_consumer_name(w->policy.consumers[0]));
	return gbm;
}
