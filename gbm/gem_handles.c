/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include <xf86drm.h>

#include "gem_handles.h"

static void close_handle(int drm_fd, uint32_t handle)
{
	struct drm_gem_close req = { .handle = handle };

	drmIoctl(drm_fd, DRM_IOCTL_GEM_CLOSE, &req);
}

int gem_handles_import(struct gem_handles *t, int drm_fd, int dmabuf_fd, uint32_t *handle)
{
	uint32_t h;
	int ret = 0;

	if (drmPrimeFDToHandle(drm_fd, dmabuf_fd, &h))
		return -errno;
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->count; i++) {
		if (t->refs[i].handle == h) {
			t->refs[i].refs++;
			goto out;
		}
	}
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct gem_handle_ref *n = realloc(t->refs, cap * sizeof(*n));

		if (!n) {
			close_handle(drm_fd, h);
			ret = -ENOMEM;
			goto out;
		}
		t->refs = n;
		t->cap = cap;
	}
	t->refs[t->count++] = (struct gem_handle_ref){ .handle = h, .refs = 1 };
out:
	pthread_mutex_unlock(&t->lock);
	*handle = h;
	return ret;
}

void gem_handles_put(struct gem_handles *t, int drm_fd, uint32_t handle)
{
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->count; i++) {
		if (t->refs[i].handle != handle)
			continue;
		if (!--t->refs[i].refs) {
			close_handle(drm_fd, handle);
			t->refs[i] = t->refs[--t->count];
		}
		break;
	}
	pthread_mutex_unlock(&t->lock);
}

void gem_handles_fini(struct gem_handles *t, int drm_fd)
{
	for (size_t i = 0; i < t->count; i++)
		close_handle(drm_fd, t->refs[i].handle);
	free(t->refs);
	t->refs = NULL;
	t->count = t->cap = 0;
	pthread_mutex_destroy(&t->lock);
}
