/* SPDX-License-Identifier: MIT */
/* Import: untrusted handle bytes + fds become a buffer of this device.
 * Nothing the handle claims is believed until it is checked against the
 * fds themselves or recomputed here. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "formats/formats.h"
#include "gralloc/handle.h"
#include "gralloc/private.h"

#define REJECT(...) gralloc_log(ERROR, "handle rejected " __VA_ARGS__)

enum fd_kind {
	FD_DMA_BUF,
	FD_SEALED_MEMFD,
};

/* What an fd really is, from the kernel, never from the handle. */
static int check_fd_kind(int fd, uint32_t index, enum fd_kind *kind)
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
static int check_fd_access(int fd, uint32_t index, uint64_t usage)
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
	return 0;
}

static struct gralloc_backend *find_backend(struct gralloc_device *dev, const char *name)
{
	for (size_t i = 0; i < gralloc_backend_impl_count; i++)
		if (dev->backends[i] && !strcmp(gralloc_backend_impls[i]->name, name))
			return dev->backends[i];
	return NULL;
}

/* Whether layout l is the one the handle claims; logs why not. */
static bool same_layout(const struct gralloc_buffer_info *h, const struct gralloc_layout *l,
			bool report)
{
	if (h->modifier != l->modifier) {
		if (report)
			REJECT("[modifier]: 0x%llx, heap memory is LINEAR (0x%llx)",
			       (unsigned long long)h->modifier, (unsigned long long)l->modifier);
		return false;
	}
	if (h->num_planes != l->num_planes) {
		if (report)
			REJECT("[layout]: %u planes, the format has %u", h->num_planes,
			       l->num_planes);
		return false;
	}
	for (uint32_t i = 0; i < l->num_planes; i++) {
		const struct gralloc_plane_info *a = &h->planes[i], *b = &l->planes[i];

		if (a->fd_index != b->fd_index || a->stride != b->stride ||
		    a->offset != b->offset || a->size != b->size) {
			if (report)
				REJECT("[layout]: plane %u is fd %u stride %u offset %llu size %llu, "
				       "expected fd %u stride %u offset %llu size %llu", i,
				       a->fd_index, a->stride, (unsigned long long)a->offset,
				       (unsigned long long)a->size, b->fd_index, b->stride,
				       (unsigned long long)b->offset, (unsigned long long)b->size);
			return false;
		}
	}
	if (h->layer_stride != l->layer_stride || h->size != l->size) {
		if (report)
			REJECT("[layout]: size %llu layer stride %llu, expected %llu and %llu",
			       (unsigned long long)h->size, (unsigned long long)h->layer_stride,
			       (unsigned long long)l->size, (unsigned long long)l->layer_stride);
		return false;
	}
	return true;
}

/* The layout is not data the sender may choose: it must be exactly what
 * this library computes for the same descriptor, either from the usage
 * alone or with the larger alignment a consumer asked for at allocation
 * (gralloc_buffer_allocate_for). That alignment is read off the claimed
 * stride, so the choice is between at most a few engine outputs. */
static int check_layout(const struct gralloc_buffer_info *h, struct gralloc_buffer_desc *desc,
			const struct gralloc_format_info **format, struct gralloc_layout *layout)
{
	uint32_t align = h->planes[0].stride & -h->planes[0].stride;
	int ret;

	*desc = (struct gralloc_buffer_desc){
		.width = h->width,
		.height = h->height,
		.format = h->format,
		.layer_count = h->layer_count,
		.usage = h->usage,
	};
	ret = gralloc_desc_validate(desc, format);
	if (!ret)
		ret = gralloc_layout_compute(desc, *format, layout);
	if (ret) {
		/* The cause is in the message the layout engine just logged. */
		REJECT("[descriptor]: %ux%u fourcc 0x%08x usage 0x%llx: %s", h->width, h->height,
		       h->format, (unsigned long long)h->usage, gralloc_last_error());
		return -EINVAL;
	}
	if (same_layout(h, layout, false))
		return 0;
	if (align > GRALLOC_MAX_MIN_ALIGN)
		align = GRALLOC_MAX_MIN_ALIGN;
	if (align && !gralloc_layout_compute_min(desc, *format, align, layout) &&
	    same_layout(h, layout, false))
		return 0;
	/* Report against the usage-only layout: the common case. */
	gralloc_layout_compute(desc, *format, layout);
	return same_layout(h, layout, true) ? 0 : -EINVAL;
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

/* Every byte the buffer claims must exist in the memory behind the fds;
 * otherwise a mapping would end in SIGBUS or show another object. */
static int check_sizes(const struct gralloc_layout *layout, const int *fds,
		       const enum fd_kind *kinds, uint32_t num_fds)
{
	uint64_t fd_size[GRALLOC_WIRE_MAX_FDS];

	for (uint32_t i = 0; i < num_fds; i++) {
		int ret = memory_size(fds[i], kinds[i], &fd_size[i]);

		if (ret) {
			REJECT("[size]: cannot size fd %u: %s", i, strerror(-ret));
			return -EINVAL;
		}
	}
	for (uint32_t i = 0; i < layout->num_planes; i++) {
		const struct gralloc_plane_info *pl = &layout->planes[i];
		uint64_t end;

		if (gralloc_add64(pl->offset, pl->size, &end) || end > fd_size[pl->fd_index]) {
			REJECT("[size]: plane %u ends past the %llu bytes of fd %u", i,
			       (unsigned long long)fd_size[pl->fd_index], pl->fd_index);
			return -EINVAL;
		}
	}
	/* lock maps the whole allocation from the first fd. */
	if (layout->size > fd_size[0]) {
		REJECT("[size]: handle claims %llu bytes, fd 0 has %llu",
		       (unsigned long long)layout->size, (unsigned long long)fd_size[0]);
		return -EINVAL;
	}
	return 0;
}

/* Everything about the fds: kind, backend agreement, access and size.
 * fds are our own duplicates, so what is checked is what gets used. */
static int check_fds(const struct gralloc_buffer_info *h, const struct gralloc_backend *backend,
		     const struct gralloc_layout *layout, const int *fds)
{
	enum fd_kind kinds[GRALLOC_WIRE_MAX_FDS];

	for (uint32_t i = 0; i < h->num_fds; i++) {
		enum fd_kind kind;
		int ret = check_fd_kind(fds[i], i, &kind);

		if (ret)
			return ret;
		kinds[i] = kind;
		if ((kind == FD_DMA_BUF) != backend->impl->dma_buf) {
			REJECT("[backend-fd]: backend %s expects %s, fd %u is %s",
			       backend->impl->name,
			       backend->impl->dma_buf ? "dma-bufs" : "sealed memfds", i,
			       kind == FD_DMA_BUF ? "a dma-buf" : "a memfd");
			return -EINVAL;
		}
		ret = check_fd_access(fds[i], i, h->usage);
		if (ret)
			return ret;
	}
	return check_sizes(layout, fds, kinds, h->num_fds);
}

static void close_fds(int *fds, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static int import(struct gralloc_device *dev, const void *data, size_t len, const int *in_fds,
		  uint32_t num_fds, struct gralloc_buffer **out)
{
	int fds[GRALLOC_WIRE_MAX_FDS] = { -1, -1, -1, -1 };
	const struct gralloc_format_info *format;
	struct gralloc_backend *backend;
	struct gralloc_buffer_info h;
	struct gralloc_buffer_desc desc;
	struct gralloc_layout layout;
	struct gralloc_buffer *buf;
	int ret;

	_Static_assert(GRALLOC_WIRE_MAX_FDS == 4, "fds[] initialiser");
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
	ret = check_layout(&h, &desc, &format, &layout);
	if (ret)
		return ret;
	/* Allocation never gives a backend usage outside its mask (the
	 * planner skips it), so a handle that claims so is forged. */
	if (h.usage & ~backend->impl->usage_mask) {
		REJECT("[usage]: usage 0x%llx is more than %s memory can serve",
		       (unsigned long long)h.usage, backend->impl->name);
		return -EINVAL;
	}
	/* Duplicate before checking: the caller's fd numbers could be
	 * closed and reused (another thread) between a check and a dup. */
	for (uint32_t i = 0; i < num_fds; i++) {
		fds[i] = fcntl(in_fds[i], F_DUPFD_CLOEXEC, 0);
		if (fds[i] < 0) {
			ret = errno == EBADF ? -EBADF : -errno;
			REJECT("[fd]: fd %u (%d) cannot be duplicated: %s", i, in_fds[i],
			       strerror(-ret));
			goto fail;
		}
	}
	ret = check_fds(&h, backend, &layout, fds);
	if (ret)
		goto fail;

	buf = calloc(1, sizeof(*buf));
	if (!buf) {
		ret = -ENOMEM;
		gralloc_log(ERROR, "out of memory importing a handle");
		goto fail;
	}
	buf->dev = dev;
	buf->desc = desc;
	buf->desc.name = buf->name; /* empty: the producer named the dma-buf */
	buf->format = format;
	buf->layout = layout;
	buf->num_fds = num_fds;
	for (int i = 0; i < GRALLOC_MAX_PLANES; i++)
		buf->fds[i] = fds[i];
	buf->backend = backend;
	gralloc_copy_name(buf->heap, sizeof(buf->heap), h.heap);
	gralloc_buffer_register(dev, buf);
	*out = buf;
	return 0;

fail:
	close_fds(fds, num_fds);
	return ret;
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
	ret = import(dev, data, len, fds, num_fds, &buf);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	return buf;
}
