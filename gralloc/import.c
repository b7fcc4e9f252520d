/* SPDX-License-Identifier: MIT */
/* Import: untrusted handle bytes + fds, or a caller's layout over dma-bufs
 * made elsewhere, become a buffer of this device. Nothing claimed is
 * believed until it is checked against the fds themselves: what they are,
 * how they are open, and how many bytes really lie behind them. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "formats/formats.h"
#include "gralloc/protected.h"
#include "gralloc/handle.h"
#include "gralloc/private.h"

#include <drm_fourcc.h>

#define REJECT(fmt, ...) gralloc_log(ERROR, "%s rejected " fmt, what, ##__VA_ARGS__)

enum fd_kind {
	FD_DMA_BUF,
	FD_SEALED_MEMFD,
};

/* What an fd really is, from the kernel, never from the handle. */
static int check_fd_kind(const char *what, int fd, uint32_t index, enum fd_kind *kind)
{
	const int size_seals = F_SEAL_SHRINK | F_SEAL_GROW;
	struct statfs sfs;
	int seals;

	if (fstatfs(fd, &sfs) < 0) {
		int err = errno;

		REJECT("[fd-kind]: fstatfs of fd %u failed: %s", index, strerror(err));
		return -EBADF;
	}
	if (sfs.f_type == DMA_BUF_MAGIC) {
		*kind = FD_DMA_BUF;
		return 0;
	}
	/* Only shmem (memfd) and hugetlbfs files answer F_GET_SEALS. Without
	 * both size seals the sender could shrink the file under our mapping
	 * and turn every later access into SIGBUS. */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0) {
		REJECT("[fd-kind]: fd %u is neither a dma-buf nor a memfd "
		       "(filesystem magic 0x%lx)", index, (unsigned long)sfs.f_type);
		return -EBADF;
	}
	if ((seals & size_seals) != size_seals) {
		REJECT("[fd-kind]: memfd %u lacks F_SEAL_SHRINK|F_SEAL_GROW (seals 0x%x)",
		       index, seals);
		return -EBADF;
	}
	*kind = FD_SEALED_MEMFD;
	return 0;
}

/* The access mode must allow what lock will ask of the mapping. */
static int check_fd_access(const char *what, int fd, uint32_t index, uint64_t usage,
			   bool *writable)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || (fl & O_PATH) || (fl & O_ACCMODE) == O_WRONLY) {
		REJECT("[fd-access]: fd %u is not open for reading", index);
		return -EBADF;
	}
	if ((usage & GRALLOC_USAGE_CPU_WRITE) && (fl & O_ACCMODE) != O_RDWR) {
		REJECT("[fd-access]: fd %u is read-only but the usage has CPU write", index);
		return -EINVAL;
	}
	*writable = *writable && (fl & O_ACCMODE) == O_RDWR;
	return 0;
}

static struct gralloc_backend *find_backend(struct gralloc_device *dev, const char *name)
{
	for (size_t i = 0; i < gralloc_backend_impl_count; i++)
		if (dev->backends[i] && !strcmp(gralloc_backend_impls[i]->name, name))
			return dev->backends[i];
	return NULL;
}

/* Size of the memory behind an fd. Not SEEK_CUR then SEEK_END: dma-bufs
 * refuse SEEK_CUR (EINVAL; they accept only offset 0 with SEEK_SET or
 * SEEK_END). A dma-buf's offset means nothing,
 * so SEEK_END then back to 0 is harmless. A memfd's offset is shared with
 * the sender's open file: fstat reads its size without moving it, and the
 * size seals checked before keep it from changing. */
static int memory_size(int fd, enum fd_kind kind, uint64_t *size)
{
	struct stat st;
	off_t end;

	if (kind == FD_SEALED_MEMFD) {
		if (fstat(fd, &st) < 0)
			return -errno;
		*size = (uint64_t)st.st_size;
		return 0;
	}
	end = lseek(fd, 0, SEEK_END);
	if (end < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	*size = (uint64_t)end;
	return 0;
}

static void close_fds(int *fds, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}


/* What import knows before it looks at the memory: the handle's or the
 * caller's claims, all untrusted. */
struct claim {
	uint32_t width, height, format, layer_count;
	uint64_t usage, modifier, layer_stride;
	uint64_t blob_size;     /* GRALLOC_FORMAT_BLOB: bytes claimed for plane 0 */
	uint32_t num_fds, num_planes;
	struct gralloc_plane_info planes[GRALLOC_MAX_PLANES];
	uint64_t fd_size[GRALLOC_WIRE_MAX_FDS]; /* 0: not claimed */
	uint64_t size;          /* 0: not claimed */
	bool exact;             /* a version 2 handle: sizes must be the ones we compute */
	bool foreign;           /* gralloc_buffer_import(): any fd not a dma-buf is EBADF */
};

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* Plane p of a w x h image: its pixel columns and rows. */
static void plane_extent(const struct gralloc_format_info *f, unsigned p, uint64_t w,
			 uint64_t h, uint64_t *cols, uint64_t *rows)
{
	*cols = p ? div_up(w, f->hsub) : w;
	*rows = p ? div_up(h, f->vsub) : h;
}

/* The layout as data, checked against the memory: every plane of every
 * layer lies inside its fd, every row holds the plane's pixels, nothing
 * overflows. The layout need not be one this library would have made: a
 * consumer's alignment, a driver's pitch or another allocator's choice
 * are all fine as long as the memory is really there. */
static int check_layout(const char *what, const struct claim *c,
			const struct gralloc_format_info *f, const uint64_t *fd_size,
			struct gralloc_layout *out)
{
	bool linear = c->modifier == DRM_FORMAT_MOD_LINEAR || c->modifier == DRM_FORMAT_MOD_INVALID;
	bool blob = c->format == GRALLOC_FORMAT_BLOB;
	bool used[GRALLOC_WIRE_MAX_FDS] = { false };
	uint64_t layers_span;

	if (c->num_planes < f->num_planes || c->num_planes > GRALLOC_MAX_PLANES ||
	    (linear && c->num_planes != f->num_planes)) {
		REJECT("[layout]: %u planes, %s has %u", c->num_planes, f->name, f->num_planes);
		return -EINVAL;
	}
	if ((c->layer_count > 1 || c->exact) && !c->layer_stride) {
		REJECT("[layout]: %u layer%s with layer stride 0", c->layer_count,
		       c->layer_count > 1 ? "s" : "");
		return -EINVAL;
	}
	if (gralloc_mul64(c->layer_stride, c->layer_count - 1, &layers_span)) {
		REJECT("[layout]: layer stride %llu x %u layers overflows",
		       (unsigned long long)c->layer_stride, c->layer_count);
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	out->num_planes = c->num_planes;
	out->modifier = c->modifier;
	out->layer_stride = c->layer_stride;
	for (uint32_t i = 0; i < c->num_planes; i++) {
		const struct gralloc_plane_info *pl = &c->planes[i];
		uint64_t cols = 0, rows = 0, row, need, end, room;

		if (pl->fd_index >= c->num_fds) {
			REJECT("[fd_index]: plane %u names fd %u of %u", i, pl->fd_index, c->num_fds);
			return -EINVAL;
		}
		used[pl->fd_index] = true;
		room = fd_size[pl->fd_index];
		if (blob) {
			/* Bytes, not pixels: the claimed size is the content. */
			need = c->blob_size;
			row = 0;
		} else if (i < f->num_planes) {
			plane_extent(f, i, c->width, c->height, &cols, &rows);
			row = div_up(cols, f->block_width[i]) * f->bytes_per_block[i];
			if (linear && pl->stride < row) {
				REJECT("[stride]: plane %u stride %u is less than the %llu bytes of "
				       "a %llu-pixel row", i, pl->stride, (unsigned long long)row,
				       (unsigned long long)cols);
				return -EINVAL;
			}
			/* The last row need only hold its pixels. */
			need = linear ? (uint64_t)pl->stride * (rows - 1) + row : 1;
		} else {
			need = 1; /* a modifier's extra plane: opaque to us */
		}
		if (gralloc_add64(pl->offset, need, &end) ||
		    gralloc_add64(end, layers_span, &end) || end > room) {
			REJECT("[size]: plane %u (offset %llu, %llu bytes%s) ends past the %llu bytes "
			       "of fd %u", i, (unsigned long long)pl->offset,
			       (unsigned long long)need, c->layer_count > 1 ? ", every layer" : "",
			       (unsigned long long)room, pl->fd_index);
			return -EINVAL;
		}
		out->planes[i] = *pl;
		/* What the plane may use: whole rows where the memory has them. */
		if (blob)
			out->planes[i].size = need;
		else if (linear && i < f->num_planes &&
			 (uint64_t)pl->stride * rows <= room - pl->offset - layers_span)
			out->planes[i].size = (uint64_t)pl->stride * rows;
		else
			out->planes[i].size = room - pl->offset - layers_span;
		/* Our own handles say what this computes: anything else was
		 * changed on the way. Version 1 too: its plane sizes were
		 * always whole rows inside the memory. */
		if (!c->foreign && pl->size != out->planes[i].size) {
			REJECT("[layout]: plane %u claims %llu bytes, its stride, rows and memory "
			       "give %llu", i, (unsigned long long)pl->size,
			       (unsigned long long)out->planes[i].size);
			return -EINVAL;
		}
		if (gralloc_add64(pl->offset, out->planes[i].size, &end) ||
		    (c->layer_stride && c->layer_stride < end)) {
			REJECT("[layout]: plane %u ends at %llu, past the layer stride %llu", i,
			       (unsigned long long)end, (unsigned long long)c->layer_stride);
			return -EINVAL;
		}
	}
	/* One layer: its stride is the memory it spans, no more than there is
	 * (foreign memory: all of fd 0). */
	if (c->layer_count == 1 && c->layer_stride > fd_size[0]) {
		REJECT("[layout]: layer stride %llu, fd 0 has %llu bytes",
		       (unsigned long long)c->layer_stride, (unsigned long long)fd_size[0]);
		return -EINVAL;
	}
	if (!out->layer_stride)
		out->layer_stride = fd_size[0];
	/* An fd no plane uses would be kept open and never checked. */
	for (uint32_t i = 0; i < c->num_fds; i++) {
		if (!used[i]) {
			REJECT("[fd_index]: fd %u is used by no plane", i);
			return -EINVAL;
		}
		out->fd_size[i] = fd_size[i];
		out->size += fd_size[i];
	}
	return 0;
}

/* Everything about the fds: kind, backend agreement, access and real size.
 * fds are our own duplicates, so what is checked is what gets used. */
static int check_fds(const char *what, const struct claim *c, bool dma_buf, const int *fds,
		     uint64_t *fd_size, bool *writable)
{
	*writable = true;
	for (uint32_t i = 0; i < c->num_fds; i++) {
		enum fd_kind kind;
		int ret = check_fd_kind(what, fds[i], i, &kind);

		if (ret)
			return ret;
		if ((kind == FD_DMA_BUF) != dma_buf) {
			REJECT("[backend-fd]: %s expected, fd %u is %s",
			       dma_buf ? "dma-bufs" : "sealed memfds", i,
			       kind == FD_DMA_BUF ? "a dma-buf" : "a memfd");
			return c->foreign ? -EBADF : -EINVAL;
		}
		ret = check_fd_access(what, fds[i], i, c->usage, writable);
		if (ret)
			return ret;
		ret = memory_size(fds[i], kind, &fd_size[i]);
		if (ret) {
			REJECT("[size]: cannot size fd %u: %s", i, strerror(-ret));
			return -EINVAL;
		}
		if ((c->exact || c->fd_size[i]) && c->fd_size[i] != fd_size[i]) {
			REJECT("[size]: fd %u has %llu bytes, the handle says %llu", i,
			       (unsigned long long)fd_size[i], (unsigned long long)c->fd_size[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/* The descriptor part of a claim, by the same rules as allocation. */
static int check_descriptor(const char *what, const struct claim *c,
			    struct gralloc_buffer_desc *desc,
			    const struct gralloc_format_info **format)
{
	*desc = (struct gralloc_buffer_desc){
		.width = c->width,
		.height = c->height,
		.format = c->format,
		.layer_count = c->layer_count,
		.usage = c->usage,
		.size = c->format == GRALLOC_FORMAT_BLOB ? c->blob_size : 0,
	};
	if (c->layer_count < 1) {
		REJECT("[layer_count]: 0, must be at least 1");
		return -EINVAL;
	}
	if (gralloc_desc_validate(desc, format)) {
		/* The cause is in the message validation just logged. */
		REJECT("[descriptor]: %ux%u fourcc 0x%08x usage 0x%llx: %s", c->width, c->height,
		       c->format, (unsigned long long)c->usage, gralloc_last_error());
		return -EINVAL;
	}
	return 0;
}

/* Builds the buffer from checked parts. fds are taken over on success. */
static int make_buffer(struct gralloc_device *dev, struct gralloc_backend *backend,
		       const char *heap, const struct gralloc_buffer_desc *desc,
		       const struct gralloc_format_info *format, const struct gralloc_layout *layout,
		       const int *fds, uint32_t num_fds, bool writable, const char *name,
		       struct gralloc_buffer **out)
{
	struct gralloc_buffer *buf = gralloc_buffer_struct_alloc(dev);
	int ret;

	if (!buf) {
		gralloc_log(ERROR, "out of memory importing a buffer");
		return -ENOMEM;
	}
	buf->desc = *desc;
	gralloc_copy_name(buf->name, sizeof(buf->name), name);
	buf->desc.name = buf->name;
	buf->format = format;
	buf->layout = *layout;
	buf->num_fds = num_fds;
	for (uint32_t i = 0; i < num_fds; i++)
		buf->fds[i] = fds[i];
	buf->writable = writable;
	buf->backend = backend;
	gralloc_copy_name(buf->heap, sizeof(buf->heap), heap);
	ret = gralloc_buffer_register(dev, buf);
	if (ret) {
		free(buf);
		return ret;
	}
	*out = buf;
	return 0;
}

/* Duplicates the caller's fds first: their numbers could be closed and
 * reused (another thread) between a check and a dup. */
static int dup_fds(const char *what, const int *in, uint32_t n, int *out)
{
	for (uint32_t i = 0; i < n; i++) {
		out[i] = fcntl(in[i], F_DUPFD_CLOEXEC, 0);
		if (out[i] < 0) {
			int ret = -errno;

			REJECT("[fd]: fd %u (%d) cannot be duplicated: %s", i, in[i], strerror(-ret));
			close_fds(out, i);
			return ret == -EBADF ? -EBADF : ret;
		}
	}
	return 0;
}

/* The shared path of both imports. */
static int import_claim(struct gralloc_device *dev, const char *what, const struct claim *c,
			struct gralloc_backend *backend, const char *heap, const int *in_fds,
			const char *name, struct gralloc_buffer **out)
{
	int fds[GRALLOC_WIRE_MAX_FDS] = { -1, -1, -1, -1 };
	uint64_t fd_size[GRALLOC_WIRE_MAX_FDS] = { 0 };
	const struct gralloc_format_info *format;
	struct gralloc_buffer_desc desc;
	struct gralloc_layout layout;
	bool writable;
	int ret;

	_Static_assert(GRALLOC_WIRE_MAX_FDS == 4, "fds[] initialiser");
	ret = check_descriptor(what, c, &desc, &format);
	if (ret)
		return ret;
	/* Allocation never gives a backend usage outside its mask (the
	 * planner skips it), so a claim of more is forged. */
	if (c->usage & ~backend->impl->usage_mask) {
		REJECT("[usage]: usage 0x%llx is more than %s memory can serve",
		       (unsigned long long)c->usage, backend->impl->name);
		return -EINVAL;
	}
	ret = dup_fds(what, in_fds, c->num_fds, fds);
	if (ret)
		return ret;
	ret = check_fds(what, c, backend->impl->dma_buf, fds, fd_size, &writable);
	if (!ret && (c->usage & GRALLOC_USAGE_PROTECTED_CONTENT)) /* protected.c */
		ret = gralloc_protected_check_fds(dev, heap, fds, c->num_fds);
	if (!ret)
		ret = check_layout(what, c, format, fd_size, &layout);
	if (!ret && (c->exact ? c->size != layout.size : c->size > layout.size)) {
		REJECT("[size]: %llu bytes claimed, the fds have %llu",
		       (unsigned long long)c->size, (unsigned long long)layout.size);
		ret = -EINVAL;
	}
	if (!ret)
		ret = make_buffer(dev, backend, heap, &desc, format, &layout, fds, c->num_fds,
				  writable, name, out);
	if (ret)
		close_fds(fds, c->num_fds);
	return ret;
}

static int import_handle(struct gralloc_device *dev, const void *data, size_t len,
			 const int *in_fds, uint32_t num_fds, struct gralloc_buffer **out)
{
	const char *what = "handle";
	struct gralloc_backend *backend;
	struct gralloc_buffer_info h;
	struct claim c;
	int ret;

	/* Counts first: nothing is read through in_fds before this. */
	if (num_fds > GRALLOC_WIRE_MAX_FDS || (num_fds && !in_fds)) {
		REJECT("[num_fds]: %u fds given, at most %d", num_fds, GRALLOC_WIRE_MAX_FDS);
		return -EINVAL;
	}
	ret = gralloc_handle_decode(data, len, &h);
	if (ret)
		return ret;
	if (num_fds != h.num_fds) {
		REJECT("[num_fds]: handle says %u fds, %u came with it", h.num_fds, num_fds);
		return -EINVAL;
	}
	backend = find_backend(dev, h.backend);
	if (!backend) {
		REJECT("[backend]: this device has no backend \"%s\"", h.backend);
		return -EINVAL;
	}
	/* Memory this library allocates is LINEAR; only foreign memory
	 * comes with other modifiers. */
	if (!backend->impl->import_only && h.modifier != DRM_FORMAT_MOD_LINEAR) {
		REJECT("[modifier]: 0x%llx, %s memory is LINEAR", (unsigned long long)h.modifier,
		       backend->impl->name);
		return -EINVAL;
	}
	c = (struct claim){
		.width = h.width, .height = h.height, .format = h.format,
		.layer_count = h.layer_count, .usage = h.usage, .modifier = h.modifier,
		.layer_stride = h.layer_stride, .num_fds = h.num_fds,
		.num_planes = h.num_planes, .size = h.size,
		.blob_size = h.format == GRALLOC_FORMAT_BLOB ? h.planes[0].size : 0,
		/* Version 1 carried no fd sizes: judged by the memory alone. */
		.exact = len == GRALLOC_WIRE_SIZE,
	};
	memcpy(c.planes, h.planes, sizeof(c.planes));
	memcpy(c.fd_size, h.fd_size, sizeof(c.fd_size));
	return import_claim(dev, what, &c, backend, h.heap, in_fds, NULL, out);
}

GRALLOC_EXPORT struct gralloc_buffer *
gralloc_handle_import(struct gralloc_device *dev, const void *data, size_t len,
		      const int *fds, uint32_t num_fds)
{
	struct gralloc_buffer *buf = NULL;
	int ret;

	if (!dev || !data) {
		gralloc_log(ERROR, "device and data must not be NULL");
		errno = EINVAL;
		return NULL;
	}
	ret = import_handle(dev, data, len, fds, num_fds, &buf);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	return buf;
}

GRALLOC_EXPORT struct gralloc_buffer *
gralloc_buffer_import(struct gralloc_device *dev, const struct gralloc_import_desc *caller_desc)
{
	const char *what = "import";
	struct gralloc_import_desc d;
	struct gralloc_buffer *buf = NULL;
	struct gralloc_backend *backend;
	struct claim c;
	int ret;

	if (!dev || !caller_desc) {
		gralloc_log(ERROR, "device and descriptor must not be NULL");
		errno = EINVAL;
		return NULL;
	}
	ret = gralloc_struct_in(&d, sizeof(d), caller_desc, IMPORT_V1_SIZE, "gralloc_import_desc");
	if (ret)
		goto out;
	ret = -EINVAL;
	if (d.num_fds < 1 || d.num_fds > GRALLOC_MAX_PLANES) {
		REJECT("[num_fds]: %u, must be 1..%d", d.num_fds, GRALLOC_MAX_PLANES);
		goto out;
	}
	if (d.num_planes < 1 || d.num_planes > GRALLOC_MAX_PLANES) {
		REJECT("[num_planes]: %u, must be 1..%d", d.num_planes, GRALLOC_MAX_PLANES);
		goto out;
	}
	if (d.usage & GRALLOC_USAGE_PROTECTED_CONTENT) {
		REJECT("[usage]: protected content in foreign memory: nothing proves it secure");
		ret = -EPERM;
		goto out;
	}
	backend = find_backend(dev, "foreign");
	if (!backend) {
		ret = -ENODEV;
		goto out;
	}
	c = (struct claim){
		.width = d.width, .height = d.height, .format = d.format, .layer_count = 1,
		.usage = d.usage, .modifier = d.modifier, .num_fds = d.num_fds,
		.num_planes = d.num_planes, .foreign = true,
	};
	for (uint32_t i = 0; i < d.num_planes; i++) {
		c.planes[i] = d.planes[i];
		c.planes[i].size = 0;
	}
	if (d.format == GRALLOC_FORMAT_BLOB) {
		/* Bytes: the whole fd past the offset, unless it is the
		 * Android width x 1 form. */
		c.blob_size = d.height == 1 ? d.width : 0;
		c.width = c.height = 0;
		if (!c.blob_size) {
			REJECT("[descriptor]: a BLOB import is width = bytes, height = 1");
			goto out;
		}
	}
	ret = import_claim(dev, what, &c, backend, "", d.fds, d.name, &buf);
out:
	if (ret) {
		errno = -ret;
		return NULL;
	}
	return buf;
}
