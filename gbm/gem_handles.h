/* SPDX-License-Identifier: MIT */
/* GEM handles on a caller's DRM fd, refcounted. The kernel gives the same
 * handle each time one dma-buf is imported on one file description, so two
 * bos over the same memory share it and it may be closed only when the
 * last of them goes. */
#ifndef GRALLOC_GBM_GEM_HANDLES_H
#define GRALLOC_GBM_GEM_HANDLES_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct gem_handle_ref {
	uint32_t handle;
	uint32_t refs;
};

struct gem_handles {
	pthread_mutex_t lock;
	struct gem_handle_ref *refs;
	size_t count, cap;
};

/* `drm_fd` and `dmabuf_fd` are borrowed. 0 or -errno. */
int gem_handles_import(struct gem_handles *t, int drm_fd, int dmabuf_fd, uint32_t *handle);
void gem_handles_put(struct gem_handles *t, int drm_fd, uint32_t handle);
/* Closes what is left (bos the caller never destroyed). */
void gem_handles_fini(struct gem_handles *t, int drm_fd);

#endif
