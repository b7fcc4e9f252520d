/* SPDX-License-Identifier: MIT */
/*
 * Consumer-aware allocation: say who will use a buffer, and the allocator
 * picks a format layout and memory that all of them can use, or fails
 * naming the consumer it cannot serve.
 *
 * A consumer carries what it accepts (formats and modifiers), its
 * alignment, and where its memory may come from (any dma-buf, or only its
 * own device's memory: a display or GPU driver that cannot import foreign
 * dma-bufs). Consumers are made by the modules that know the hardware:
 * the CPU and other processes here, a KMS plane in kms.h, an EGL display
 * in egl.h.
 */
#ifndef GRALLOC_CONSUMER_H
#define GRALLOC_CONSUMER_H

#include <gralloc/gralloc.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gralloc_consumer;

#define GRALLOC_MAX_CONSUMERS 8

/* A consumer described by whoever knows the hardware (a front end such as
 * the GBM or Wayland modules, or an application that knows its device). */
struct gralloc_consumer_desc {
	uint32_t struct_size;     /* 0 or sizeof (see "ABI" in gralloc.h) */
	uint64_t usage;           /* usage bits it implies, e.g. GRALLOC_USAGE_GPU_TEXTURE */
	/* false: only the formats and modifiers given with
	 * gralloc_consumer_add_format(); true: every format, LINEAR. */
	bool any_format;
	bool needs_dma_buf;       /* CPU-only memory (memfd) will not do */
	/* false: it can use only memory of `own_device` (a driver that
	 * cannot import foreign dma-bufs) */
	bool imports_foreign;
	uint32_t stride_align;    /* bytes, power of two, <= 4096; 0 = none */
	uint32_t plane_align;     /* bytes, power of two, <= 4096; 0 = none */
	const char *own_device;   /* DRM node path; with imports_foreign false */
	const char *why;          /* why: shown by explain and in errors */
	GRALLOC_GROWTH_TEST_FIELDS
};
/* A new consumer named `name` (shown in explanations and errors). desc NULL
 * means "anything goes": every format, any memory. NULL + errno (EINVAL a
 * bad alignment or own_device missing, ENOMEM). */
GRALLOC_EXPORT struct gralloc_consumer *
gralloc_consumer_create(const char *name, const struct gralloc_consumer_desc *desc);
/* Adds a format (DRM fourcc) and modifier it accepts. 0 or -errno. */
GRALLOC_EXPORT int gralloc_consumer_add_format(struct gralloc_consumer *consumer,
					       uint32_t format, uint64_t modifier);

/* The CPU: any format, linear, any memory that can be mapped. */
GRALLOC_EXPORT struct gralloc_consumer *gralloc_consumer_create_cpu(void);
/* Another process: any format, but the memory must cross a Unix socket as
 * an fd (dma-buf, or memfd for CPU-only buffers). */
GRALLOC_EXPORT struct gralloc_consumer *gralloc_consumer_create_process(void);
GRALLOC_EXPORT void gralloc_consumer_destroy(struct gralloc_consumer *consumer);
/* "kms plane 31 on /dev/dri/card2 (vkms)", "EGL display (kms_swrast)", ... */
GRALLOC_EXPORT const char *gralloc_consumer_name(const struct gralloc_consumer *consumer);
/* Whether the consumer accepts dma-bufs that another exporter made. */
GRALLOC_EXPORT bool gralloc_consumer_imports_foreign(const struct gralloc_consumer *consumer);

/* Allocates for every consumer at once: desc->usage is widened by what the
 * consumers imply (a KMS plane implies SCANOUT), the format must be one
 * that all of them accept with the LINEAR modifier, rows get the largest
 * alignment any of them needs, and the memory is one that all of them can
 * use. NULL with errno ENOTSUP and gralloc_last_error() naming the consumer
 * when there is none. Consumers are borrowed. */
GRALLOC_EXPORT struct gralloc_buffer *
gralloc_buffer_allocate_for(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
			    struct gralloc_consumer *const *consumers, size_t count);
/* The plan gralloc_buffer_allocate_for() would follow, with reasons. */
GRALLOC_EXPORT struct gralloc_explanation *
gralloc_explain_for(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
		    struct gralloc_consumer *const *consumers, size_t count);

#ifdef __cplusplus
}
#endif

#endif
