/* SPDX-License-Identifier: MIT */
/* State shared by the EGL module's files. Not installed. */
#ifndef GRALLOC_EGL_PRIVATE_H
#define GRALLOC_EGL_PRIVATE_H

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Public headers only: this module reaches the core through the module
 * interface (gralloc/module.h), never its private layout. */
#include "gralloc/consumer.h"
#include "gralloc/egl.h"
#include "gralloc/module.h"

#define gralloc_log(level, ...) \
	gralloc_log_message(GRALLOC_LOG_##level, __func__, __LINE__, __VA_ARGS__)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct egl_format {
	uint32_t format;
	uint64_t modifier;
	bool external_only;
};

struct gralloc_egl {
	EGLDisplay dpy; /* borrowed */
	char driver[64];
	char device[256];   /* "" when unknown */
	bool imports_foreign;
	bool has_modifiers; /* EGL_EXT_image_dma_buf_import_modifiers */
	bool has_yuv_hints; /* part of EGL_EXT_image_dma_buf_import itself */
	char why[256];      /* the placement constraint, for the consumer */
	size_t num_formats;
	struct egl_format *formats; /* owned */

	PFNEGLCREATEIMAGEKHRPROC create_image;
	PFNEGLDESTROYIMAGEKHRPROC destroy_image;
	PFNGLEGLIMAGETARGETTEXTURE2DOESPROC target_texture;
	PFNGLEGLIMAGETARGETRENDERBUFFERSTORAGEOESPROC target_renderbuffer;

	pthread_mutex_t lock; /* guards images and drm_fd */
	struct gralloc_egl_image *images;
	/* Our own description of `device`, opened on first need, to check
	 * that a dma-buf is memory the driver can map. */
	int drm_fd;
};

/* Hangs on its buffer as user data keyed by itself: the buffer's last
 * release destroys the image before the memory goes. */
struct gralloc_egl_image {
	struct gralloc_egl *egl;
	struct gralloc_buffer *buf; /* NULL for gralloc_egl_image_create_dmabuf() */
	struct gralloc_egl_image *next;
	EGLImageKHR image;
	uint32_t format;
	GLenum target;
};

/* libgralloc's own string helpers are not exported to this library. */
static inline void egl_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* egl_probe.c */
const char *gralloc_egl_error_name(EGLint error);
const struct egl_format *gralloc_egl_find_format(const struct gralloc_egl *egl, uint32_t format,
						 uint64_t modifier);
/* 0 when the driver can map the dma-buf `fd` (borrowed), else -errno with
 * the reason logged. Only meaningful when !egl->imports_foreign. */
int gralloc_egl_check_own_memory(struct gralloc_egl *egl, int fd);

/* egl_probe.c: the fourcc as four printable characters ("NV12"). */
void gralloc_egl_format_name(uint32_t format, char out[8]);

#endif
