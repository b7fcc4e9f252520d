/* SPDX-License-Identifier: MIT */
#ifndef GRALLOC_CONSUMER_PRIVATE_H
#define GRALLOC_CONSUMER_PRIVATE_H

#include "gralloc/consumer.h"
#include "gralloc/private.h"

struct gralloc_format_modifier {
	uint32_t format;
	uint64_t modifier;
};

/* Modules that know some hardware fill one of these (see consumer.c for
 * the CPU and process ones, kms_consumer.c for KMS planes, egl/ for EGL). */
struct gralloc_consumer {
	char name[160];
	uint64_t usage;         /* usage bits this consumer implies */
	bool any_format;        /* no format list: every format, linear */
	size_t num_formats;
	struct gralloc_format_modifier *formats; /* owned (free()d) */
	uint32_t stride_align;  /* bytes, power of two; 0 = no constraint */
	uint32_t plane_align;   /* bytes, power of two; 0 = no constraint */
	bool needs_dma_buf;     /* memfd will not do */
	/* Sizes it takes, inclusive (0: no bound), e.g. a KMS device's
	 * mode_config limits. */
	uint32_t min_width, min_height, max_width, max_height;
	bool imports_foreign;   /* takes dma-bufs any exporter made */
	/* When !imports_foreign: the DRM node whose own memory it can use
	 * ("" when it can use nothing but foreign-free CPU memory). */
	char own_device[256];
	char why[256];          /* why the placement constraint exists */
	/* Extra state of the module that made it; freed by destroy(). */
	void *priv;
	void (*destroy_priv)(void *priv);
};

/* A zeroed consumer named `name` with the defaults of "anything goes". */
struct gralloc_consumer *gralloc_consumer_new(const char *name);
bool gralloc_consumer_accepts(const struct gralloc_consumer *c, uint32_t format, uint64_t modifier);

#endif
