/* SPDX-License-Identifier: MIT */
/* CPU access: one mapping per buffer, DMA_BUF_IOCTL_SYNC around each lock. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "formats/formats.h"
#include "gralloc/private.h"

/* Checks shared by lock and lock_ycbcr; on success *base is the mapping. */
static int lock_begin(struct gralloc_buffer *buf, uint64_t cpu_usage,
		      const struct gralloc_rect *region, uint8_t **base)
{
	const struct gralloc_buffer_desc *d = &buf->desc;
	int ret;

	if (d->usage & GRALLOC_USAGE_PROTECTED_CONTENT) {
		gralloc_log(ERROR, "protected buffers cannot be locked for CPU access");
		return -EPERM;
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
	/* Mapping costs hundreds of sync ioctls; it is made once, with every
	 * right the allocation usage allows, and kept until free. */
	if (!buf->map) {
		int prot = PROT_READ | ((d->usage & GRALLOC_USAGE_CPU_WRITE) ? PROT_WRITE : 0);
		void *map = mmap(NULL, buf->layout.size, prot, MAP_SHARED, buf->fds[0], 0);

		if (map == MAP_FAILED) {
			ret = -errno;
			gralloc_log(ERROR, "mmap of %llu bytes failed: %s",
				    (unsigned long long)buf->layout.size, strerror(-ret));
			return ret;
		}
		buf->map = map;
		buf->map_len = buf->layout.size;
	}
	if (buf->backend->impl->sync) {
		ret = buf->backend->impl->sync(buf->backend, buf, buf->fds[0], true, cpu_usage);
		if (ret) {
			gralloc_log(ERROR, "begin CPU access failed: %s", strerror(-ret));
			return ret;
		}
	}
	buf->lock_usage[buf->lock_depth++] = cpu_usage;
	*base = buf->map;
	return 0;
}

static uint64_t plane_offset(const struct gralloc_buffer *buf, unsigned p,
			     const struct gralloc_rect *r)
{
	const struct gralloc_format_info *f = buf->format;
	const struct gralloc_plane_info *pl = &buf->layout.planes[p];
	uint32_t x = r ? r->x : 0, y = r ? r->y : 0;

	if (p) {
		x /= f->hsub;
		y /= f->vsub;
	}
	/* Bounds were checked against width/height, so this cannot overflow
	 * the plane: x and y are inside it. */
	return pl->offset + (uint64_t)y * pl->stride +
	       (uint64_t)(x / f->block_width[p]) * f->bytes_per_block[p];
}

GRALLOC_EXPORT int gralloc_buffer_lock(struct gralloc_buffer *buf, uint64_t cpu_usage,
				       const struct gralloc_rect *region, void **out)
{
	uint8_t *base;
	int ret;

	if (!buf || !out) {
		gralloc_log(ERROR, "buffer and out must not be NULL");
		return -(errno = EINVAL);
	}
	pthread_mutex_lock(&buf->lock);
	ret = lock_begin(buf, cpu_usage, region, &base);
	if (!ret)
		*out = base + plane_offset(buf, 0, region);
	pthread_mutex_unlock(&buf->lock);
	return ret ? -(errno = -ret) : 0;
}

GRALLOC_EXPORT int gralloc_buffer_lock_ycbcr(struct gralloc_buffer *buf, uint64_t cpu_usage,
					     const struct gralloc_rect *region,
					     struct gralloc_ycbcr *out)
{
	const struct gralloc_format_info *f;
	uint8_t *base;
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
	pthread_mutex_lock(&buf->lock);
	ret = lock_begin(buf, cpu_usage, region, &base);
	if (!ret) {
		out->y = base + plane_offset(buf, 0, region);
		out->cb = base + plane_offset(buf, (unsigned)f->cb_plane, region) + f->cb_offset;
		out->cr = base + plane_offset(buf, (unsigned)f->cr_plane, region) + f->cr_offset;
		out->y_stride = buf->layout.planes[0].stride;
		out->c_stride = buf->layout.planes[f->cb_plane].stride;
		out->chroma_step = f->cb_plane == f->cr_plane ? f->bytes_per_block[1] : 1;
	}
	pthread_mutex_unlock(&buf->lock);
	return ret ? -(errno = -ret) : 0;
}

GRALLOC_EXPORT int gralloc_buffer_unlock(struct gralloc_buffer *buf)
{
	int ret = 0;

	if (!buf) {
		gralloc_log(ERROR, "buffer must not be NULL");
		return -(errno = EINVAL);
	}
	pthread_mutex_lock(&buf->lock);
	if (!buf->lock_depth) {
		gralloc_log(ERROR, "unlock of a buffer that is not locked");
		ret = -EINVAL;
	} else {
		uint64_t usage = buf->lock_usage[--buf->lock_depth];

		if (buf->backend->impl->sync)
			ret = buf->backend->impl->sync(buf->backend, buf, buf->fds[0], false,
						       usage);
		if (ret)
			gralloc_log(ERROR, "end CPU access failed: %s", strerror(-ret));
	}
	pthread_mutex_unlock(&buf->lock);
	return ret ? -(errno = -ret) : 0;
}
