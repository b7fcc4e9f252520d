/* SPDX-License-Identifier: MIT */
/*
 * gralloc: graphics buffer allocation for Linux (dma-buf heaps, DRM, EGL).
 *
 * Conventions used by every call in this header:
 *  - Constructors return NULL and set errno on failure.
 *  - Other calls return 0 on success or a negative errno value (and set
 *    errno to the positive value), like libdrm.
 *  - Destructors accept NULL.
 *  - File descriptors: the owner is stated on each call. "borrowed" means the
 *    library keeps ownership and the fd stays valid until the object that
 *    returned it is destroyed; "caller owns" means the caller must close it.
 */
#ifndef GRALLOC_GRALLOC_H
#define GRALLOC_GRALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(GRALLOC_BUILDING_LIBRARY)
#define GRALLOC_EXPORT __attribute__((visibility("default")))
#else
#define GRALLOC_EXPORT
#endif

/* Usage bits: what the buffer will be used for. A 64-bit mask. */
#define GRALLOC_USAGE_CPU_READ_RARELY     (UINT64_C(1) << 0)
#define GRALLOC_USAGE_CPU_READ_OFTEN      (UINT64_C(1) << 1)
#define GRALLOC_USAGE_CPU_WRITE_RARELY    (UINT64_C(1) << 2)
#define GRALLOC_USAGE_CPU_WRITE_OFTEN     (UINT64_C(1) << 3)
#define GRALLOC_USAGE_GPU_TEXTURE         (UINT64_C(1) << 4)
#define GRALLOC_USAGE_GPU_RENDER_TARGET   (UINT64_C(1) << 5)
#define GRALLOC_USAGE_GPU_DATA_BUFFER     (UINT64_C(1) << 6)
#define GRALLOC_USAGE_COMPOSER_OVERLAY    (UINT64_C(1) << 7)
#define GRALLOC_USAGE_SCANOUT             (UINT64_C(1) << 8)
#define GRALLOC_USAGE_CURSOR_PLANE              (UINT64_C(1) << 9)
#define GRALLOC_USAGE_VIDEO_ENCODER       (UINT64_C(1) << 10)
#define GRALLOC_USAGE_VIDEO_DECODER       (UINT64_C(1) << 11)
#define GRALLOC_USAGE_CAMERA_WRITE        (UINT64_C(1) << 12)
#define GRALLOC_USAGE_CAMERA_READ         (UINT64_C(1) << 13)
#define GRALLOC_USAGE_PROTECTED_CONTENT           (UINT64_C(1) << 14)
#define GRALLOC_USAGE_FRONT_BUFFER        (UINT64_C(1) << 15)
#define GRALLOC_USAGE_LINEAR              (UINT64_C(1) << 16)

#define GRALLOC_USAGE_CPU_READ \
	(GRALLOC_USAGE_CPU_READ_RARELY | GRALLOC_USAGE_CPU_READ_OFTEN)
#define GRALLOC_USAGE_CPU_WRITE \
	(GRALLOC_USAGE_CPU_WRITE_RARELY | GRALLOC_USAGE_CPU_WRITE_OFTEN)
#define GRALLOC_USAGE_CPU (GRALLOC_USAGE_CPU_READ | GRALLOC_USAGE_CPU_WRITE)
#define GRALLOC_USAGE_ALL ((UINT64_C(1) << 17) - 1)

#define GRALLOC_MAX_PLANES 4
#define GRALLOC_NAME_MAX 64

/* A size-only buffer (Android's BLOB, an encoded bitstream, a camera's
 * metadata): no pixels, one plane of gralloc_buffer_desc.size bytes. Not a
 * DRM format: KMS and EGL refuse it. */
#define GRALLOC_FORMAT_BLOB UINT32_C(0x424f4c42) /* fourcc 'B','L','O','B' */

/*
 * ABI: structs that may grow begin with `struct_size`. Set it to
 * sizeof(the struct) as your header declares it, or leave it 0 (what a
 * zero-initialised struct has), which means the size of version 1. The
 * library reads only the fields the caller's size covers and takes the
 * defaults for newer ones; a caller newer than the library may pass a
 * larger size as long as the fields this library does not know are zero
 * (else E2BIG). Structs the library fills (outputs, often left
 * uninitialised by callers) carry reserved words instead, which it
 * zero-fills.
 */
/* Only tests/abi defines this: it builds a library whose structs have grown
 * past version 1 and runs callers built against the version 1 header. */
#ifdef GRALLOC_ABI_GROWTH_TEST
#define GRALLOC_GROWTH_TEST_FIELDS uint64_t growth_test[3];
#else
#define GRALLOC_GROWTH_TEST_FIELDS
#endif

struct gralloc_device;

/* The message of the last error this thread met in the library (errno
 * alone rarely says which argument was wrong). Never NULL. */
GRALLOC_EXPORT const char *gralloc_last_error(void);

struct gralloc_buffer;
struct gralloc_explanation;

/* Options for gralloc_device_create(); zero-initialise, then set fields.
 * NULL fields take the environment or the built-in default. */
struct gralloc_device_options {
	uint32_t struct_size;     /* see "ABI" above: 0 or sizeof */
	const char *heap_dir;     /* default $GRALLOC_HEAP_DIR or /dev/dma_heap */
	const char *config_path;  /* default $GRALLOC_CONFIG, else /etc/gralloc/policy.conf if present */
	const char *udmabuf_path; /* default $GRALLOC_UDMABUF or /dev/udmabuf */
	/* The display that SCANOUT buffers are for, e.g. /dev/dri/card0;
	 * default $GRALLOC_DISPLAY, else the first DRM device with KMS. */
	const char *display_path;
	const char *ion_path;     /* default $GRALLOC_ION_PATH or /dev/ion */
	bool no_config;           /* use built-in defaults only, ignore files and env */
	/* The recycling pool (freed memory handed out again for the same heap
	 * and size): at most this many bytes and buffers. 0 = the default,
	 * 64 MiB and 32 buffers, or $GRALLOC_POOL as "BYTES,BUFFERS";
	 * UINT64_MAX bytes turns it off. */
	uint64_t pool_max_bytes;
	uint32_t pool_max_buffers;
	GRALLOC_GROWTH_TEST_FIELDS
};

GRALLOC_EXPORT struct gralloc_device *
gralloc_device_create(const struct gralloc_device_options *options);
/* Ends the caller's use of the device. Every buffer whose allocation
 * reference is still held (allocated or imported, not yet freed) is freed
 * as by gralloc_buffer_free(). Buffers with references of their own
 * (gralloc_buffer_acquire) stay valid, and so does the device's core state
 * they need, until their last gralloc_buffer_release(). Accepts NULL. */
GRALLOC_EXPORT void gralloc_device_destroy(struct gralloc_device *dev);

/* Flags of gralloc_buffer_desc.flags. */
/* The contents start zeroed even when the memory is recycled from the
 * device's pool. Without it a recycled buffer holds what this process last
 * wrote there (fresh memory is zeroed by the kernel anyway). */
#define GRALLOC_BUFFER_FLAG_ZEROED (UINT32_C(1) << 0)

struct gralloc_buffer_desc {
	uint32_t struct_size; /* see "ABI" above: 0 or sizeof */
	uint32_t width;       /* pixels; 0 for GRALLOC_FORMAT_BLOB with size */
	uint32_t height;
	uint32_t format;      /* DRM fourcc (drm_fourcc.h) or GRALLOC_FORMAT_BLOB */
	uint32_t layer_count; /* 0 means 1 */
	uint32_t flags;       /* GRALLOC_BUFFER_FLAG_* */
	uint64_t usage;       /* GRALLOC_USAGE_* */
	const char *name;     /* optional; shown in the kernel's dma-buf info */
	/* GRALLOC_FORMAT_BLOB: bytes. Also accepted the Android way, as
	 * width = bytes and height = 1 with size 0. Up to the device's
	 * per-allocation limit, not the pixel width limit. */
	uint64_t size;
	GRALLOC_GROWTH_TEST_FIELDS
};

struct gralloc_plane_info {
	uint32_t fd_index; /* index into gralloc_buffer_info.fds */
	uint32_t stride;   /* bytes */
	uint64_t offset;   /* bytes from the start of the fd */
	uint64_t size;     /* bytes of this plane (stride * rows) */
};

/* Output only (callers rarely initialise it): the library writes all of
 * it, reserved words as zero. */
struct gralloc_buffer_info {
	uint32_t width, height, format, layer_count;
	uint64_t usage;
	uint64_t modifier;    /* DRM_FORMAT_MOD_LINEAR for heap memory */
	uint64_t size;        /* bytes of memory behind all fds together */
	uint64_t layer_stride;/* bytes between layers */
	uint64_t id;          /* unique within the device */
	uint32_t num_planes;
	uint32_t num_fds;
	int fds[GRALLOC_MAX_PLANES]; /* borrowed: valid until the buffer is released */
	struct gralloc_plane_info planes[GRALLOC_MAX_PLANES];
	char backend[GRALLOC_NAME_MAX]; /* "dma-heap", "udmabuf", "memfd", "foreign", ... */
	char heap[GRALLOC_NAME_MAX];    /* heap name, "" when not from a heap */
	bool is_dma_buf;                /* false for memfd: CPU only */
	uint64_t fd_size[GRALLOC_MAX_PLANES]; /* real bytes behind each fd */
	uint64_t reserved[8]; /* zero: room to grow */
};

/* Returns a new buffer, or NULL with errno set (EINVAL bad descriptor,
 * EOVERFLOW size, ENODEV no backend can serve it, EPERM protected request
 * with no secure heap, ENOMEM, or the kernel's errno). */
GRALLOC_EXPORT struct gralloc_buffer *
gralloc_buffer_allocate(struct gralloc_device *dev,
			const struct gralloc_buffer_desc *desc);
/* Drops the allocation's reference (taken by allocate and by every import).
 * The buffer goes when no gralloc_buffer_acquire() reference is left either.
 * NULL is accepted. A buffer this device does not hold an allocation
 * reference of (never allocated here, or already freed) gives -EINVAL and
 * touches nothing: a stale pointer is looked up without being dereferenced,
 * and freed buffers' memory is not reused for new buffers until 1024 more
 * have been freed in the process, so a double free is refused rather than
 * freeing a newer buffer at the same address. */
GRALLOC_EXPORT int gralloc_buffer_free(struct gralloc_device *dev,
				       struct gralloc_buffer *buf);
/* References, as in every refcounted graphics API: acquire adds one and
 * returns buf (NULL stays NULL); release drops one and, at the last one,
 * frees the buffer: user-data destructors run first, then the mappings and
 * fds go. Neither needs the device; any thread may call them. Drop each
 * acquire() with one release(), and the allocation's reference with
 * gralloc_buffer_free() (release() also drops it when it is the last). */
GRALLOC_EXPORT struct gralloc_buffer *gralloc_buffer_acquire(struct gralloc_buffer *buf);
GRALLOC_EXPORT void gralloc_buffer_release(struct gralloc_buffer *buf);

/* Per-buffer user data, one slot per key (any address the caller owns, so
 * that modules never collide). Setting data NULL removes the slot without
 * calling its destroy (-ENOENT when there was none). Setting a key again
 * replaces data and destroy without calling the old destroy. destroy runs
 * once, when the buffer goes, before its memory is unmapped and closed:
 * the place for a framebuffer or an EGLImage that scans out or samples it.
 * destroy must not call back into this buffer. */
GRALLOC_EXPORT int gralloc_buffer_set_user_data(struct gralloc_buffer *buf, const void *key,
					       void *data, void (*destroy)(void *data));
/* NULL when the key has no slot. */
GRALLOC_EXPORT void *gralloc_buffer_get_user_data(struct gralloc_buffer *buf,
						  const void *key);

/* Foreign memory: dma-bufs made elsewhere (a V4L2 EXPBUF buffer, a GBM
 * FD_MODIFIER import, a compositor's client buffer). */
struct gralloc_import_desc {
	uint32_t struct_size;           /* see "ABI" above: 0 or sizeof */
	uint32_t width, height, format; /* DRM fourcc */
	uint64_t modifier;              /* DRM_FORMAT_MOD_LINEAR, ..._INVALID (implicit), ... */
	uint64_t usage;                 /* GRALLOC_USAGE_* the importer means to use it for */
	uint32_t num_fds;               /* 1..GRALLOC_MAX_PLANES */
	int fds[GRALLOC_MAX_PLANES];    /* borrowed: the library duplicates them */
	uint32_t num_planes;            /* the format's plane count (more for some modifiers) */
	/* fd_index, stride and offset per plane; size is ignored (computed). */
	struct gralloc_plane_info planes[GRALLOC_MAX_PLANES];
	const char *name;               /* optional, for logs */
	GRALLOC_GROWTH_TEST_FIELDS
};

/* Wraps memory made elsewhere as an ordinary buffer of dev (backend
 * "foreign"): describe, export, lock (LINEAR only), handles, KMS and EGL
 * import all work. The layout is untrusted input, checked against the real
 * memory: every fd must be a dma-buf, every plane inside its fd's real
 * size, every stride at least the format's row for the width, no overflow.
 * fds are borrowed: they are duplicated (O_CLOEXEC) and the caller closes
 * its own in every case. A read-only fd gives a buffer that locks for
 * reading only. PROTECTED_CONTENT usage is refused (EPERM): nothing here
 * can prove foreign memory secure. Returns NULL with errno: EINVAL bad
 * layout, EBADF an fd that is closed or not a dma-buf, EPERM, ENOMEM. */
GRALLOC_EXPORT struct gralloc_buffer *
gralloc_buffer_import(struct gralloc_device *dev, const struct gralloc_import_desc *desc);
GRALLOC_EXPORT int gralloc_buffer_describe(const struct gralloc_buffer *buf,
					   struct gralloc_buffer_info *info);
/* Returns a new fd (caller owns, O_CLOEXEC) for fd slot `index`. */
GRALLOC_EXPORT int gralloc_buffer_export_fd(const struct gralloc_buffer *buf,
					    uint32_t index);

/* CPU access. */
struct gralloc_rect {
	uint32_t x, y, width, height;
};

struct gralloc_ycbcr {
	void *y, *cb, *cr;
	uint32_t y_stride;
	uint32_t c_stride;
	uint32_t chroma_step; /* bytes between two chroma samples: 1 planar, 2 semi-planar */
	uint32_t reserved[7]; /* zero-filled: room to grow */
};

/* Maps (once per buffer, reused) and begins CPU access with
 * DMA_BUF_IOCTL_SYNC in the direction of cpu_usage. `region` NULL means the
 * whole buffer. `*out` points at the region's first pixel of plane 0. Locks
 * nest; each lock needs one unlock. */
GRALLOC_EXPORT int gralloc_buffer_lock(struct gralloc_buffer *buf, uint64_t cpu_usage,
				       const struct gralloc_rect *region, void **out);
GRALLOC_EXPORT int gralloc_buffer_lock_ycbcr(struct gralloc_buffer *buf,
					     uint64_t cpu_usage,
					     const struct gralloc_rect *region,
					     struct gralloc_ycbcr *out);
GRALLOC_EXPORT int gralloc_buffer_unlock(struct gralloc_buffer *buf);

/* Explain: what the policy would do for a descriptor, and why. */
enum gralloc_verdict {
	GRALLOC_VERDICT_SELECTED = 0, /* the one allocate() would use first */
	GRALLOC_VERDICT_FALLBACK,     /* usable, tried if the ones before fail */
	GRALLOC_VERDICT_SKIPPED,      /* not usable for this request */
};

struct gralloc_candidate {
	const char *backend; /* borrowed from the explanation */
	const char *heap;    /* "" when the backend has no heaps */
	enum gralloc_verdict verdict;
	const char *reason;
	uint64_t reserved[4]; /* zero-filled: room to grow */
};

GRALLOC_EXPORT struct gralloc_explanation *
gralloc_explain(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc);
GRALLOC_EXPORT size_t gralloc_explanation_count(const struct gralloc_explanation *e);
GRALLOC_EXPORT int gralloc_explanation_get(const struct gralloc_explanation *e,
					   size_t index, struct gralloc_candidate *out);
/* The request-level summary: format, size, usage, the request class and
 * why, the layout, and where the policy came from. An invalid descriptor
 * gives no explanation: gralloc_explain() returns NULL with errno set and
 * gralloc_last_error() says which rule it broke. */
GRALLOC_EXPORT const char *gralloc_explanation_summary(const struct gralloc_explanation *e);
GRALLOC_EXPORT void gralloc_explanation_destroy(struct gralloc_explanation *e);

/* Formats. */
struct gralloc_format_desc {
	uint32_t fourcc;
	const char *name;        /* "NV12" */
	uint32_t num_planes;
	uint32_t bytes_per_block[GRALLOC_MAX_PLANES];
	uint32_t block_width[GRALLOC_MAX_PLANES]; /* pixels per block, per plane */
	uint32_t hsub, vsub;     /* chroma subsampling of planes 1.. */
	bool has_alpha;
	bool is_yuv;
	uint64_t reserved[4]; /* zero-filled: room to grow */
};

GRALLOC_EXPORT size_t gralloc_format_count(void);
GRALLOC_EXPORT int gralloc_format_get(size_t index, struct gralloc_format_desc *out);
GRALLOC_EXPORT int gralloc_format_lookup(uint32_t fourcc, struct gralloc_format_desc *out);
/* Accepts "NV12", "XR24", "XRGB8888" (case-insensitive). Returns 0 or -EINVAL. */
GRALLOC_EXPORT int gralloc_format_from_name(const char *name, uint32_t *fourcc);
/* Android HAL_PIXEL_FORMAT_* value to DRM fourcc. -EINVAL for unknown ones. */
GRALLOC_EXPORT int gralloc_format_from_android(int32_t hal_format, uint32_t *fourcc);

/* Usage names ("scanout", "cpu_write" = CPU_WRITE_OFTEN, ...), comma separated. */
GRALLOC_EXPORT int gralloc_usage_from_string(const char *str, uint64_t *usage);
/* Writes a comma-separated list; returns the length it needed (snprintf-like). */
GRALLOC_EXPORT int gralloc_usage_to_string(uint64_t usage, char *buf, size_t len);

/* Checks a descriptor and computes its layout without allocating. `info`
 * gets planes, size and modifier; fds are -1 and backend/heap empty. */
GRALLOC_EXPORT int gralloc_compute_layout(const struct gralloc_buffer_desc *desc,
					  struct gralloc_buffer_info *info);

/* The recycling pool. Memory of a freed buffer is kept (with its mapping)
 * and handed out again for the same route and size when its fds never
 * left the library: never exported, described, serialised, sent, imported
 * or given user data (a KMS framebuffer, an EGLImage). The pool is per
 * device, never shared across processes, bounded by
 * gralloc_device_options.pool_max_*, and emptied by device destroy. */
struct gralloc_pool_stats {
	uint64_t buffers, bytes;         /* held now */
	uint64_t max_buffers, max_bytes; /* bounds */
	uint64_t hits, misses;           /* allocations served from it, and not */
	uint64_t reserved[4];
};
GRALLOC_EXPORT int gralloc_device_pool_stats(struct gralloc_device *dev,
					     struct gralloc_pool_stats *out);
/* Frees pooled memory until at most keep_bytes remain (0: all). */
GRALLOC_EXPORT int gralloc_device_trim(struct gralloc_device *dev, uint64_t keep_bytes);

/* Introspection for `gralloc info`. */
struct gralloc_heap_status {
	const char *name;   /* policy name */
	const char *node;   /* path tried */
	const char *kind;   /* "system", "cma", "secure", ... */
	bool cached;
	bool present;
	const char *backend; /* backend serving it: "dma-heap" or "" */
	uint64_t reserved[4]; /* zero-filled: room to grow */
};
/* Lists the heaps now (declared ones, then undeclared nodes present);
 * gralloc_device_heap_get() reads that list, so call count first, from the
 * same thread. The strings stay valid until the next count call there. */
GRALLOC_EXPORT size_t gralloc_device_heap_count(struct gralloc_device *dev);
GRALLOC_EXPORT int gralloc_device_heap_get(struct gralloc_device *dev, size_t index,
					   struct gralloc_heap_status *out);
/* Writes the policy in force in config-file syntax (snprintf-like). */
GRALLOC_EXPORT int gralloc_device_policy_dump(struct gralloc_device *dev,
					      char *buf, size_t len);
GRALLOC_EXPORT size_t gralloc_backend_count(void);
GRALLOC_EXPORT const char *gralloc_backend_name(size_t index);
/* Whether a backend can be used on this device: 0 when usable, else a
 * negative errno and `why` filled with a sentence. */
GRALLOC_EXPORT int gralloc_device_backend_status(struct gralloc_device *dev, size_t index,
						 char *why, size_t len);

#ifdef __cplusplus
}
#endif

#include "gralloc/handle.h"

#endif
