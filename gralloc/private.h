/* SPDX-License-Identifier: MIT */
/* Internal state shared by the core, formats and backends. Not installed. */
#ifndef GRALLOC_PRIVATE_H
#define GRALLOC_PRIVATE_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/dma-buf.h>

#include "gralloc/gralloc.h"
#include "gralloc/log.h"
#include "gralloc/mtx.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Usage that means "a display engine reads this". */
#define GRALLOC_USAGE_DISPLAY (GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CURSOR_PLANE | \
			       GRALLOC_USAGE_COMPOSER_OVERLAY | GRALLOC_USAGE_FRONT_BUFFER)

struct gralloc_format_info;
struct gralloc_policy;
struct route_cache;

/* A buffer's layout as data: made by whoever made the memory (the layout
 * engine for heaps, the driver for dumb buffers, the caller for foreign
 * memory), recorded with the buffer and carried in handles, never derived
 * again from the descriptor. */
struct gralloc_layout {
	/* size first: the one field an allocation on the hot request's path
	 * reads (struct gralloc_buffer). */
	uint64_t size;     /* bytes behind all fds together */
	uint64_t fd_size[GRALLOC_MAX_PLANES]; /* real bytes behind each fd */
	uint64_t layer_stride;
	uint64_t modifier;
	uint32_t num_planes;
	struct gralloc_plane_info planes[GRALLOC_MAX_PLANES];
};

/* What a backend needs to make one allocation. */
struct gralloc_alloc_request {
	const struct gralloc_buffer_desc *desc;
	const char *heap_name; /* policy name; NULL for backends without heaps */
	const char *heap_node; /* node name under the heap directory; for
				* drm-dumb, the DRM device path (NULL: the
				* default display) */
	uint64_t size;         /* page rounded, > 0 */
	/* In: the layout engine's. A backend whose memory comes with its own
	 * layout (drm-dumb: the driver picks the pitch) rewrites it; every
	 * backend leaves fd_size[0] as the real size of the fd it returns. */
	struct gralloc_layout *layout;
	/* What impl->resolve() said of heap_node earlier (the hot request
	 * keeps it): the backend need not find the node again. 0: none. */
	uint32_t node_token;
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
	bool import_only;     /* wraps memory made elsewhere; never a candidate */
	/* Plain bytes whose use depends only on their size: the pool may hand
	 * them to another request of the same size (not a display's dumb
	 * buffer or a virgl resource, which carry a format and a shape). */
	bool recyclable;
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
	/* Optional. A token (> 0) that names heap_node to allocate() for as
	 * long as the backend lives, or 0 (not known yet, or not kept): for
	 * callers that allocate from one node over and over. */
	uint32_t (*resolve)(struct gralloc_backend *backend, const char *heap_node);
	/* On success *fd_out is a new fd the caller owns. NULL for
	 * import-only backends. */
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

/* Freed buffer structs of a device, before malloc may reuse them (live.c).
 * Guarded by the device lock. */
#define GRALLOC_QUARANTINE 1024u
#define GRALLOC_SPARES 16u
struct buffer_quarantine {
	struct gralloc_buffer *ring[GRALLOC_QUARANTINE];
	size_t next;
	struct gralloc_buffer *spares[GRALLOC_SPARES]; /* left the ring */
	size_t spare_count;
};

struct gralloc_device {
	char heap_dir[256];
	char udmabuf_path[256];
	char ion_path[256];     /* legacy ION device (backends/ion.c) */
	char display_path[256]; /* "" = first KMS device found */
	struct gralloc_policy *policy;
	struct gralloc_backend *backends[8]; /* index matches gralloc_backend_impls */
	gralloc_mtx lock;                    /* guards live, next_id, quarantine */
	struct live_set *live;               /* buffers free() may still take */
	struct buffer_quarantine quarantine;
	uint64_t next_id;
	struct route_cache *routes;          /* guarded by lock */
	/* One for the creator until gralloc_device_destroy(), one for each
	 * buffer not yet released: buffers held past destroy keep the
	 * backends they close their memory with. */
	_Atomic uint32_t refs;
	_Atomic bool destroyed;              /* gralloc_device_destroy() ran */
	struct buffer_pool *pool;
	/* pool_enabled(pool), read without a call: a device made with the
	 * pool off allocates and frees without reaching it. */
	bool pool_on;
};

#define GRALLOC_MAX_LOCK_DEPTH 8

/* One key of gralloc_buffer_set_user_data(). */
struct gralloc_user_data {
	struct gralloc_user_data *next;
	const void *key;
	void *data;
	void (*destroy)(void *data);
};

/* Ordered by when an allocation touches a field: a struct comes back from
 * the quarantine (live.c) cold, 1024 frees after its last use, and the
 * hot request's path (hot.c) then reads or writes only its first four
 * cache lines (header, state, fds and backend, desc and the heap name,
 * layout.size). Each line more was measurable under emulation. */
struct gralloc_buffer {
	struct gralloc_device *dev;
	uint64_t id;
	/* References: one for the allocation (dropped by free() or device
	 * destroy), one for each acquire(). */
	_Atomic uint32_t refs;
	bool in_live;                    /* in dev->live; changed under dev->lock */
	gralloc_mtx lock; /* guards the mappings, lock state and user data */
	/* The hot request's template (hot.c) that num_fds to layout still
	 * hold, by its stamp; 0 for none. A struct back from the quarantine
	 * with the current stamp needs no copy: nothing in that range (nor
	 * name) changes during a buffer's life but fds[0], which every
	 * allocation writes. */
	uint64_t shape;

	/* From named to num_fds a new buffer starts zeroed
	 * (gralloc_buffer_clear_state); everything else is written by
	 * whoever builds it. */
	bool named;                  /* the dma-buf carries its name */
	/* Its memory may go to the pool: allocated here, and its fds never
	 * left the library. Cleared for good by anything that hands them out. */
	bool pool_ok;
	bool map_writable;             /* map[0] allows writes */
	bool mapped;                   /* every fd mapped, lock's checks passed once */
	uint32_t lock_depth;
	uint64_t cpu_ok;               /* with mapped: the CPU usage lock allows */
	struct gralloc_user_data *user_data;
	void *map[GRALLOC_MAX_PLANES]; /* per fd, made on first lock */

	/* From num_fds to layout: what a request is served with, which the
	 * hot request (routes.h) gives a new buffer in one copy. */
	uint32_t num_fds;
	int fds[GRALLOC_MAX_PLANES]; /* owned */
	bool writable;               /* fds allow PROT_WRITE mappings */
	struct gralloc_backend *backend;
	const struct gralloc_format_info *format;
	struct gralloc_buffer_desc desc; /* desc.name points at name[] */
	char heap[GRALLOC_NAME_MAX];
	struct gralloc_layout layout;

	char name[GRALLOC_NAME_MAX];
	/* Only the first lock_depth are ever read: not cleared. */
	uint64_t lock_usage[GRALLOC_MAX_LOCK_DEPTH];
};

/* A fresh struct from gralloc_buffer_struct_take() has only its state
 * from `named` to num_fds cleared: allocation writes every other field it
 * reads, and zeroing all 500-odd bytes was a tenth of an allocation's own
 * cost under emulation. */
static inline void gralloc_buffer_clear_state(struct gralloc_buffer *buf)
{
	memset(&buf->named, 0,
	       offsetof(struct gralloc_buffer, num_fds) - offsetof(struct gralloc_buffer, named));
}

/* buffer.c: gives buf an id, its first reference and its lock, and makes it
 * known to dev so that free() accepts it. buf must be fully built (fds,
 * layout, backend, format). */
int gralloc_buffer_register(struct gralloc_device *dev, struct gralloc_buffer *buf);
/* Names the dma-buf once (`gralloc ps` shows it); caller holds buf->lock
 * or is the only one who can reach buf. */
void gralloc_buffer_name(struct gralloc_buffer *buf);
/* Its fds leave the library (export, describe, handles, user data): named,
 * and never recycled. */
void gralloc_buffer_escape(struct gralloc_buffer *buf);
/* Drops the allocation reference if dev still holds it; false otherwise. */
bool gralloc_buffer_drop_alloc_ref(struct gralloc_device *dev, struct gralloc_buffer *buf);
/* device.c: frees a device whose last reference is gone. */
void gralloc_device_free(struct gralloc_device *dev);
/* Inline: every allocation and release takes and drops one. */
static inline void gralloc_device_ref(struct gralloc_device *dev)
{
	dev->refs++;
}
static inline void gralloc_device_unref(struct gralloc_device *dev)
{
	if (!--dev->refs)
		gralloc_device_free(dev);
}

/* live.c: the set of live buffers of a device, O(1) by address. A freed
 * pointer is looked up without being dereferenced. */
struct live_set *live_set_create(void);
void live_set_destroy(struct live_set *set);
int live_set_add(struct live_set *set, struct gralloc_buffer *buf);
bool live_set_remove(struct live_set *set, const struct gralloc_buffer *buf);
size_t live_set_drain(struct live_set *set, struct gralloc_buffer ***out);
size_t live_set_count(const struct live_set *set);
/* Instead of calloc() and free(): see the quarantine in live.c. A struct
 * never registered may also go with free(). dev may be NULL (then
 * malloc's). */
struct gralloc_buffer *gralloc_buffer_struct_alloc(struct gralloc_device *dev);
/* The same, not zeroed: the caller writes every field (see above). */
struct gralloc_buffer *gralloc_buffer_struct_take(struct gralloc_device *dev);
/* Into dev's quarantine; dev is the buffer's. */
void gralloc_buffer_struct_free(struct gralloc_device *dev, struct gralloc_buffer *buf);
/* The same, for callers holding dev->lock (inline: both run on every
 * allocation and free). NULL when no struct has left the quarantine yet. */
static inline struct gralloc_buffer *quarantine_take(struct buffer_quarantine *q)
{
	return q->spare_count ? q->spares[--q->spare_count] : NULL;
}

/* Returns a struct for the caller to free() after unlocking, or NULL. */
static inline struct gralloc_buffer *quarantine_put(struct buffer_quarantine *q,
						    struct gralloc_buffer *buf)
{
	struct gralloc_buffer *old = q->ring[q->next];

	q->ring[q->next] = buf;
	q->next = (q->next + 1) % GRALLOC_QUARANTINE;
	if (old && q->spare_count < GRALLOC_SPARES) {
		q->spares[q->spare_count++] = old;
		old = NULL;
	}
	return old;
}
/* Device free: every struct back to malloc. */
void quarantine_flush(struct buffer_quarantine *q);

/* usage.c */
int gralloc_usage_validate(uint64_t usage);

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
int gralloc_layout_pitched(const struct gralloc_layout *engine, uint32_t layers,
			   uint32_t pitch, struct gralloc_layout *out, uint64_t *used);

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
void gralloc_copy_name(char *dst, size_t len, const char *src);
/* A backend's sync op that is just gralloc_dma_buf_sync(); fd borrowed. */
int gralloc_dma_buf_sync_op(struct gralloc_backend *backend, const struct gralloc_buffer *buf,
			    int fd, bool start, uint64_t cpu_usage);
uint64_t gralloc_page_size(void);
struct timespec;
int64_t gralloc_ns_between(const struct timespec *a, const struct timespec *b);
/* Version 1 size of a public struct: up to and including its last v1 field. */
#define GRALLOC_V1_SIZE(type, last)                                                \
	((offsetof(type, last) + sizeof(((type *)0)->last) + _Alignof(type) - 1) & \
	 ~(_Alignof(type) - 1))
int gralloc_struct_in(void *dst, size_t dst_size, const void *src, size_t v1_size,
		      const char *what);
#define DESC_V1_SIZE GRALLOC_V1_SIZE(struct gralloc_buffer_desc, size)
#define OPTIONS_V1_SIZE GRALLOC_V1_SIZE(struct gralloc_device_options, pool_max_buffers)
#define IMPORT_V1_SIZE GRALLOC_V1_SIZE(struct gralloc_import_desc, name)
/* Public entry points copy the caller's descriptor into a full one. */
static inline int gralloc_desc_in(struct gralloc_buffer_desc *dst,
				  const struct gralloc_buffer_desc *src)
{
	if (!src) {
		gralloc_log(ERROR, "descriptor must not be NULL");
		return -EINVAL;
	}
	return gralloc_struct_in(dst, sizeof(*dst), src, DESC_V1_SIZE, "gralloc_buffer_desc");
}

/* Inline, with the two below: lock and unlock are a sync ioctl each, and
 * under emulation (TCG) every call and return is an indirect jump that
 * costs more than the instructions around it. ioctl() retried on EINTR and
 * EAGAIN (signals and the heap's own retry hint must not turn into failed
 * allocations); 0 or more on success, -errno on failure. */
static inline int gralloc_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : ret;
}

/* The DMA_BUF_SYNC_{READ,WRITE} bits of a CPU usage. */
static inline uint64_t gralloc_cpu_sync_flags(uint64_t cpu_usage)
{
	return ((cpu_usage & GRALLOC_USAGE_CPU_READ) ? DMA_BUF_SYNC_READ : 0) |
	       ((cpu_usage & GRALLOC_USAGE_CPU_WRITE) ? DMA_BUF_SYNC_WRITE : 0);
}

/* DMA_BUF_IOCTL_SYNC start or end; fd is borrowed. */
static inline int gralloc_dma_buf_sync(int fd, bool start, uint64_t cpu_usage)
{
	struct dma_buf_sync sync = {
		.flags = gralloc_cpu_sync_flags(cpu_usage) |
			 (start ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END),
	};

	return gralloc_ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
}

#endif
