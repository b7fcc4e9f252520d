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
