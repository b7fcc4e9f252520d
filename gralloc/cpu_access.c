/* SPDX-License-Identifier: MIT */
/* CPU access: one mapping per buffer, DMA_BUF_IOCTL_SYNC around each lock. */
#include <errno.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>

#include <drm_fourcc.h>

#include "formats/formats.h"
#include "gralloc/private.h"

/* Every fd mapped once, with every right the buffer allows, and kept until
 * the buffer goes: mapping costs hundreds of sync ioctls. */
static int map_fds(struct gralloc_buffer *buf)
{
	int prot = PROT_READ | (buf->writable && (buf->desc.usage & GRALLOC_USAGE_CPU_WRITE) ?
					PROT_WRITE : 0);

	for (uint32_t i = 0; i < buf->num_fds; i++) {
		uint64_t len = buf->layout.fd_size[i];
		void *map;

		if (buf->map[i])
			continue;
		if (len > SIZE_MAX) {
			gralloc_log(ERROR, "fd %u has %llu bytes, more than this process can map", i,
				    (unsigned long long)len);
			return -EOVERFLOW;
		}
		map = mmap(NULL, (size_t)len, prot, MAP_SHARED, buf->fds[i], 0);
		if (map == MAP_FAILED) {
			int ret = -errno;

			gralloc_log(ERROR, "mmap of %llu bytes of fd %u failed: %s",
				    (unsigned long long)len, i, strerror(-ret));
			return ret;
		}
		buf->map[i] = map;
		if (i == 0)
			buf->map_writable = prot & PROT_WRITE;
	}
	return 0;
}

static __attribute__((noinline, cold)) int sync_failed(bool start, int ret)
{
	gralloc_log(ERROR, "%s CPU access failed: %s", start ? "begin" : "end", strerror(-ret));
	return ret;
}

/* Several fds, or a backend's own sync op (virgl's transfers): out of
 * line, so that the common case below needs no loop and no frame. */
static __attribute__((noinline)) int sync_each_fd(struct gralloc_buffer *buf, bool start,
						  uint64_t cpu_usage)
{
	const struct gralloc_backend_impl *impl = buf->backend->impl;
	int ret = 0;

	for (uint32_t i = 0; i < buf->num_fds && !ret; i++)
		ret = impl->sync(buf->backend, buf, buf->fds[i], start, cpu_usage);
	return ret ? sync_failed(start, ret) : 0;
}

/* Inline, and the common sync op (one dma-buf, plain DMA_BUF_IOCTL_SYNC)
 * called directly rather than through the ops table: see gralloc_ioctl()
 * for why calls matter on this path. */
static inline int sync_fds(struct gralloc_buffer *buf, bool start, uint64_t cpu_usage)
{
	const struct gralloc_backend_impl *impl = buf->backend->impl;
	int ret;

	if (!impl->sync) /* memfd: nothing to bracket */
		return 0;
	if (impl->sync != gralloc_dma_buf_sync_op || buf->num_fds != 1)
		return sync_each_fd(buf, start, cpu_usage);
	ret = gralloc_dma_buf_sync(buf->fds[0], start, cpu_usage);
	return ret ? sync_failed(start, ret) : 0;
}

/* Every check of a first lock; on success the fds are mapped. */
static int lock_checked(struct gralloc_buffer *buf, uint64_t cpu_usage,
			const struct gralloc_rect *region)
{
	const struct gralloc_buffer_desc *d = &buf->desc;
	int ret;

	if (d->usage & GRALLOC_USAGE_PROTECTED_CONTENT) {
		gralloc_log(ERROR, "protected buffers cannot be locked for CPU access");
		return -EPERM;
	}
	if (buf->layout.modifier != DRM_FORMAT_MOD_LINEAR) {
		gralloc_log(ERROR, "modifier 0x%llx is not LINEAR: the CPU cannot address "
			    "its pixels", (unsigned long long)buf->layout.modifier);
		return -ENOTSUP;
	}
	if (!(cpu_usage & GRALLOC_USAGE_CPU) || (cpu_usage & ~GRALLOC_USAGE_CPU)) {
		gralloc_log(ERROR, "lock usage must be CPU read/write bits only (got 0x%llx)",
			    (unsigned long long)cpu_usage);
		return -EINVAL;
	}
	if (((cpu_usage & GRALLOC_USAGE_CPU_READ) && !(d->usage & GRALLOC_USAGE_CPU_READ)) ||
	    ((cpu_usage & GRALLOC_USAGE_CPU_WRITE) && !(d->usage & GRALLOC_USAGE_CPU_WRITE))) {
		gralloc_log(ERROR, "lock asks for CPU %s access that the buffer was not "
			    "allocated for", (cpu_usage & GRALLOC_USAGE_CPU_WRITE) ? "write" : "read");
		return -EINVAL;
	}
	if ((cpu_usage & GRALLOC_USAGE_CPU_WRITE) && !buf->writable) {
		gralloc_log(ERROR, "lock asks for CPU write access to read-only memory");
		return -EACCES;
	}
	if (region && (region->width == 0 || region->height == 0 ||
		       (uint64_t)region->x + region->width > d->width ||
		       (uint64_t)region->y + region->height > d->height)) {
		gralloc_log(ERROR, "lock region %ux%u+%u+%u is outside the %ux%u buffer",
			    region->width, region->height, region->x, region->y, d->width,
			    d->height);
		return -EINVAL;
	}
	if (buf->lock_depth == GRALLOC_MAX_LOCK_DEPTH) {
		gralloc_log(ERROR, "locks nested deeper than %d", GRALLOC_MAX_LOCK_DEPTH);
		return -EBUSY;
	}
	ret = map_fds(buf);
	if (!ret)
		ret = sync_fds(buf, true, cpu_usage);
	if (ret)
		return ret;
	buf->lock_usage[buf->lock_depth++] = cpu_usage;
	/* Everything checked above holds for the buffer's life: remember the
	 * CPU usage it allows for the fast path. */
	buf->mapped = true;
	buf->cpu_ok = d->usage & GRALLOC_USAGE_CPU & ~(buf->writable ? 0 : GRALLOC_USAGE_CPU_WRITE);
	return 0;
}

/* Shared by lock and lock_ycbcr. The steady state of a buffer locked over
 * and over (mapped, a usage it allows, the whole buffer) is one ioctl per
 * fd and nothing else; anything else takes every check. */
static inline int lock_begin(struct gralloc_buffer *buf, uint64_t cpu_usage,
			     const struct gralloc_rect *region)
{
	int ret;

	if (!buf->mapped || region || !cpu_usage || (cpu_usage & ~buf->cpu_ok) ||
	    buf->lock_depth >= GRALLOC_MAX_LOCK_DEPTH)
		return lock_checked(buf, cpu_usage, region);
	ret = sync_fds(buf, true, cpu_usage);
	if (!ret)
		buf->lock_usage[buf->lock_depth++] = cpu_usage;
	return ret;
}

static uint64_t plane_offset(const struct gralloc_buffer *buf, unsigned p,
			     const struct gralloc_rect *r)
{
	const struct gralloc_format_info *f = buf->format;
	const struct gralloc_plane_info *pl = &buf->layout.planes[p];
	uint32_t x = r ? r->x : 0, y = r ? r->y : 0;

	if (!r)
		return pl->offset;
	if (p) {
		x /= f->hsub;
		y /= f->vsub;
	}
	/* Bounds were checked against width/height, so this cannot overflow
	 * the plane: x and y are inside it. */
	return pl->offset + (uint64_t)y * pl->stride +
	       (uint64_t)(x / f->block_width[p]) * f->bytes_per_block[p];
}

static uint8_t *plane_ptr(const struct gralloc_buffer *buf, unsigned p,
			  const struct gralloc_rect *r)
{
	return (uint8_t *)buf->map[buf->layout.planes[p].fd_index] + plane_offset(buf, p, r);
}

GRALLOC_EXPORT int gralloc_buffer_lock(struct gralloc_buffer *buf, uint64_t cpu_usage,
				       const struct gralloc_rect *region, void **out)
{
	int ret;

	if (!buf || !out) {
		gralloc_log(ERROR, "buffer and out must not be NULL");
		return -(errno = EINVAL);
	}
	gralloc_mtx_lock(&buf->lock);
	ret = lock_begin(buf, cpu_usage, region);
	if (!ret)
		*out = plane_ptr(buf, 0, region);
	gralloc_mtx_unlock(&buf->lock);
	return ret ? -(errno = -ret) : 0;
}

GRALLOC_EXPORT int gralloc_buffer_lock_ycbcr(struct gralloc_buffer *buf, uint64_t cpu_usage,
					     const struct gralloc_rect *region,
					     struct gralloc_ycbcr *out)
{
	const struct gralloc_format_info *f;
	struct gralloc_ycbcr full = { 0 };
	int ret;

	if (!buf || !out) {
		gralloc_log(ERROR, "buffer and out must not be NULL");
		return -(errno = EINVAL);
	}
	f = buf->format;
	if (!f->is_yuv || f->cb_plane < 0) {
		gralloc_log(ERROR, "lock_ycbcr needs a planar or semi-planar YUV format, "
			    "not %s", f->name);
		return -(errno = EINVAL);
	}
	/* Foreign layouts may give Cb and Cr rows of different lengths;
	 * gralloc_ycbcr has one c_stride, and Cr read with Cb's would be
	 * wrong pixels. */
	if (buf->layout.planes[f->cb_plane].stride != buf->layout.planes[f->cr_plane].stride) {
		gralloc_log(ERROR, "lock_ycbcr: Cb and Cr strides differ (%u and %u), "
			    "gralloc_ycbcr has one c_stride", buf->layout.planes[f->cb_plane].stride,
			    buf->layout.planes[f->cr_plane].stride);
		return -(errno = EINVAL);
	}
	gralloc_mtx_lock(&buf->lock);
	ret = lock_begin(buf, cpu_usage, region);
	if (!ret) {
		full.y = plane_ptr(buf, 0, region);
		full.cb = plane_ptr(buf, (unsigned)f->cb_plane, region) + f->cb_offset;
		full.cr = plane_ptr(buf, (unsigned)f->cr_plane, region) + f->cr_offset;
		full.y_stride = buf->layout.planes[0].stride;
		full.c_stride = buf->layout.planes[f->cb_plane].stride;
		full.chroma_step = f->cb_plane == f->cr_plane ? f->bytes_per_block[1] : 1;
		*out = full;
	}
	gralloc_mtx_unlock(&buf->lock);
	return ret ? -(errno = -ret) : 0;
}

GRALLOC_EXPORT int gralloc_buffer_unlock(struct gralloc_buffer *buf)
{
	int ret = 0;

	if (!buf) {
		gralloc_log(ERROR, "buffer must not be NULL");
		return -(errno = EINVAL);
	}
	gralloc_mtx_lock(&buf->lock);
	if (!buf->lock_depth) {
		gralloc_log(ERROR, "unlock of a buffer that is not locked");
		ret = -EINVAL;
	} else {
		ret = sync_fds(buf, false, buf->lock_usage[--buf->lock_depth]);
	}
	gralloc_mtx_unlock(&buf->lock);
	return ret ? -(errno = -ret) : 0;
}
