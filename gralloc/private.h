/* SPDX-License-Identifier: MIT */
/* Internal state shared by the core, formats and backends. Not installed. */
#ifndef GRALLOC_PRIVATE_H
#define GRALLOC_PRIVATE_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gralloc/gralloc.h"
#include "gralloc/log.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Usage that means "a display engine reads this". */
#define GRALLOC_USAGE_DISPLAY (GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CURSOR_PLANE | \
			       GRALLOC_USAGE_COMPOSER_OVERLAY | GRALLOC_USAGE_FRONT_BUFFER)

struct gralloc_format_info;
struct gralloc_policy;
struct route_cache;

/* Result of the layout engine: everything but the memory. */
struct gralloc_layout {
	uint32_t num_planes;
	struct gralloc_plane_info planes[GRALLOC_MAX_PLANES];
	uint64_t layer_stride;
	uint64_t size;
	uint64_t modifier;
};

/* What a backend needs to make one allocation. */
struct gralloc_alloc_request {
	const struct gralloc_buffer_desc *desc;
	const char *heap_name; /* policy name; NULL for backends without heaps */
	const char *heap_node; /* node name under the heap directory; for
				* drm-dumb, the DRM device path (NULL: the
				* default display) */
	uint64_t size;         /* page rounded, > 0 */
	const struct gralloc_layout *layout;
};

struct gralloc_backend;

/* One backend's ops table. What it can serve is declared as data. */
struct gralloc_backend_impl {
	const char *name;
	uint64_t usage_mask;  /* usage bits this memory can honour */
	bool uses_heaps;      /* candidates come from the policy's heap list */
	bool dma_buf;         /* fds are dma-bufs (false: memfd) */
	bool contiguous_ok;   /* memory fit for devices without an IOMMU */
	bool exports_from_display; /* the display device's own memory */
	int (*create)(struct gralloc_device *dev, struct gralloc_backend **out);
	void (*destroy)(struct gralloc_backend *backend);
	/* 0 if usable (for that heap when uses_heaps), else -errno and a reason. */
	int (*status)(struct gralloc_backend *backend, const char *heap_node,
		      char *why, size_t len);
	/* Optional. 1 when a consumer of this request can use only this
	 * backend's memory (a display that cannot import foreign dma-bufs):
	 * it then goes first and every other candidate is skipped with `why`. */
	int (*must_serve)(struct gralloc_backend *backend,
			  const struct gralloc_buffer_desc *desc, char *why, size_t len);
	/* On success *fd_out is a new fd the caller owns. */
	int (*allocate)(struct gralloc_backend *backend,
			const struct gralloc_alloc_request *req, int *fd_out);
	/* Cache maintenance around CPU access; NULL when there is none.
	 * buf is the buffer being locked (its lock is held); fd, borrowed,
	 * is its first plane's dma-buf. */
	int (*sync)(struct gralloc_backend *backend, const struct gralloc_buffer *buf, int fd,
		    bool start, uint64_t cpu_usage);
};

/* Base struct that every backend's state embeds first. */
struct gralloc_backend {
	const struct gralloc_backend_impl *impl;
	struct gralloc_device *dev;
};

extern const struct gralloc_backend_impl *const gralloc_backend_impls[];
extern const size_t gralloc_backend_impl_count;

struct gralloc_device {
	char heap_dir[256];
	char udmabuf_path[256];
	char ion_path[256];     /* legacy ION device (backends/ion.c) */
	char display_path[256]; /* "" = first KMS device found */
	struct gralloc_policy *policy;
	struct gralloc_backend *backends[8]; /* index matches gralloc_backend_impls */
	pthread_mutex_t lock;                /* guards buffers and next_id */
	struct gralloc_buffer *buffers;      /* live buffers, for free() checks */
	uint64_t next_id;
	struct route_cache *routes;          /* guarded by lock */
};

#define GRALLOC_MAX_LOCK_DEPTH 8

/* Something another module hangs on a buffer (a KMS framebuffer, an
 * EGLImage) that must go away before the buffer's memory does. */
struct gralloc_attachment {
	struct gralloc_attachment *next;
	void (*release)(struct gralloc_attachment *att);
};

struct gralloc_buffer {
	struct gralloc_device *dev;
	struct gralloc_buffer *next;
	uint64_t id;
	struct gralloc_buffer_desc desc; /* desc.name points at name[] */
	char name[GRALLOC_NAME_MAX];
	const struct gralloc_format_info *format;
	struct gralloc_layout layout;
	uint32_t num_fds;
	int fds[GRALLOC_MAX_PLANES]; /* owned */
	struct gralloc_backend *backend;
	char heap[GRALLOC_NAME_MAX];

	pthread_mutex_t lock; /* guards the mapping and lock state */
	void *map;
	size_t map_len;
	uint32_t lock_depth;
	uint64_t lock_usage[GRALLOC_MAX_LOCK_DEPTH];
	struct gralloc_attachment *attachments; /* guarded by lock */
};

/* The module interface: exported from libgralloc (headers not installed)
 * for this project's own add-on libraries such as libgralloc-egl, which
 * must share the core's state rather than link a copy of it. */
GRALLOC_EXPORT void gralloc_buffer_attach(struct gralloc_buffer *buf,
					  struct gralloc_attachment *att);
/* Unlinks att if still attached; returns whether it was. */
GRALLOC_EXPORT bool gralloc_buffer_detach(struct gralloc_buffer *buf,
					  struct gralloc_attachment *att);

/* buffer.c: gives buf an id, initialises its lock and makes it known to
 * dev so that free() accepts it. buf must be fully built (fds, layout,
 * backend, format). */
void gralloc_buffer_register(struct gralloc_device *dev, struct gralloc_buffer *buf);

/* usage.c */
int gralloc_usage_validate(uint64_t usage);
uint64_t gralloc_cpu_sync_flags(uint64_t cpu_usage);

/* layout.c */
int gralloc_desc_validate(const struct gralloc_buffer_desc *desc,
			  const struct gralloc_format_info **format_out);
int gralloc_layout_compute(const struct gralloc_buffer_desc *desc,
			   const struct gralloc_format_info *format,
			   struct gralloc_layout *out);
/* Same, with rows and plane offsets aligned to at least min_align (a power
 * of two, <= GRALLOC_MAX_MIN_ALIGN; 0 = the usage rules alone). */
#define GRALLOC_MAX_MIN_ALIGN 4096u
int gralloc_layout_compute_min(const struct gralloc_buffer_desc *desc,
			       const struct gralloc_format_info *format, uint32_t min_align,
			       struct gralloc_layout *out);

/* checked arithmetic: 0 or -EOVERFLOW */
static inline int gralloc_mul64(uint64_t a, uint64_t b, uint64_t *out)
{
	return __builtin_mul_overflow(a, b, out) ? -EOVERFLOW : 0;
}
static inline int gralloc_add64(uint64_t a, uint64_t b, uint64_t *out)
{
	return __builtin_add_overflow(a, b, out) ? -EOVERFLOW : 0;
}
/* align must be a power of two */
static inline int gralloc_align64(uint64_t v, uint64_t align, uint64_t *out)
{
	return __builtin_add_overflow(v, align - 1, out) ? -EOVERFLOW : (*out &= ~(align - 1), 0);
}

/* backends/drm_dumb.c: the display device plain allocations with display
 * usage are for (GRALLOC_DISPLAY, else the first card with KMS); "" when
 * there is none. */
void gralloc_default_display(struct gralloc_device *dev, char *out, size_t len);

/* util.c */
int gralloc_ioctl(int fd, unsigned long request, void *arg);
void gralloc_copy_name(char *dst, size_t len, const char *src);
int gralloc_dma_buf_sync(int fd, bool start, uint64_t cpu_usage);

#endif
