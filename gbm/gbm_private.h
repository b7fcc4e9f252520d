/* SPDX-License-Identifier: MIT */
#ifndef GRALLOC_GBM_PRIVATE_H
#define GRALLOC_GBM_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <gralloc/consumer.h>
#include <gralloc/gralloc.h>
#include <gralloc/module.h>

#include "gbm_abi.h"

#define gralloc_log(level, ...) \
	gralloc_log_message(GRALLOC_LOG_##level, __func__, __LINE__, __VA_ARGS__)

/* Every dma-buf this module allocates carries this name (DMA_BUF_SET_NAME),
 * so the kernel's buffer list shows which buffers came from gralloc. */
#define GBM_GRALLOC_BUFFER_NAME "gralloc-gbm"

/* The consumers every allocation on one GBM device is made for: the
 * device's own driver, then any the environment adds (policy.c). */
struct gbm_policy {
	struct gralloc_consumer *consumers[GRALLOC_MAX_CONSUMERS];
	size_t count;
	char node[256];    /* the GBM fd's node, e.g. /dev/dri/card0 */
	char primary[256]; /* its device's card node ("" when none) */
	char driver[64];   /* kernel driver name */
};

/* The loader's core interface (format_canonicalize), saved at load. */
extern const struct gbm_core *gbm_gralloc_core;

/* policy.c */
/* `mesa_driver` is true when Mesa's own driver will use the memory (wrap
 * mode), false when only the kernel driver will (standalone). 0 or -errno. */
int gbm_policy_init(struct gbm_policy *p, int fd, struct gralloc_device *dev, bool mesa_driver);
void gbm_policy_fini(struct gbm_policy *p);
/* GBM_BO_USE_* to GRALLOC_USAGE_*; -EINVAL for bits gralloc cannot honour. */
int gbm_usage_to_gralloc(uint32_t flags, uint64_t *usage);
uint32_t gbm_canonical_format(uint32_t format);
/* Whether LINEAR is in the list (count 0 means no list: yes). */
bool gbm_modifiers_allow_linear(const uint64_t *modifiers, unsigned count);
/* Standalone's reading: LINEAR anywhere, INVALID (implicit: the backend's
 * choice), or no real modifier at all (unknown values are ignored) lets it
 * serve LINEAR; only a list of vendor modifiers without those refuses. */
bool gbm_modifiers_serve_linear(const uint64_t *modifiers, unsigned count);
/* Allocates by the device's policy and describes the buffer into *info
 * (its fds stay the buffer's), so that the caller needs no second look. */
struct gralloc_buffer *gbm_policy_allocate(struct gbm_policy *p, struct gralloc_device *dev,
					   uint32_t width, uint32_t height, uint32_t format,
					   uint64_t usage, struct gralloc_buffer_info *info);

/* wrap.c: Mesa's own device with bo_create routed through gralloc. NULL
 * with errno when Mesa gives no usable device (`required`: use it even if
 * Mesa cannot allocate on fd). */
struct gbm_device *gbm_wrap_create(int fd, uint32_t version, bool required);
/* True inside gbm_wrap_create()'s own gbm_create_device() call: the loader
 * has come back to this module and must be declined, whatever the mode. */
bool gbm_wrap_creating(void);
/* standalone.c: a complete device on gralloc. */
struct gbm_device *gbm_standalone_create(int fd, uint32_t version);

#endif
