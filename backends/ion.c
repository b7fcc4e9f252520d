/* SPDX-License-Identifier: MIT */
/*
 * Legacy ION (/dev/ion, Linux 3.x to 5.10): serves a policy heap only when
 * its dma-buf heap node is absent, so a device can move heap by heap from
 * ION to dma-buf heaps (docs/porting.md). Both ION ABIs, detected at run
 * time; the uapi is in ion_abi.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "backends/ion_abi.h"
#include "gralloc/policy.h"
#include "gralloc/private.h"

/* The names the staging drivers gave their heaps (ion_system_heap.c). A
 * CMA heap is named after its CMA area (ion_cma_heap.c, 4.12+), which is
 * the same name the dma-buf CMA heap uses, so CMA policy names match as is. */
#define ION_SYSTEM_HEAP_NAME "ion_system_heap"

struct ion_backend {
	struct gralloc_backend base;
	pthread_mutex_t lock; /* guards the probe below */
	bool probed;
	int probe_err;  /* -errno of the failed open, 0 when fd is valid */
	int fd;         /* owned; the ION client, -1 until probed */
	bool legacy;    /* handle ABI (before 4.12) */
	bool have_heaps;/* the kernel answered ION_IOC_HEAP_QUERY */
	size_t num_heaps;
	struct ion_heap_data heaps[ION_NUM_HEAP_IDS];
};

static struct ion_backend *to_ion(struct gralloc_backend *b)
{
	return (struct ion_backend *)b;
}

/* ---- Name mapping (pure) ------------------------------------------- */

static const struct ion_heap_data *find_heap(const struct ion_heap_data *heaps, size_t count,
					     const char *name, int type)
{
	for (size_t i = 0; i < count; i++) {
		if (name && strncmp(heaps[i].name, name, MAX_HEAP_NAME))
			continue;
		if (type >= 0 && heaps[i].type != (__u32)type)
			continue;
		return &heaps[i];
	}
	return NULL;
}

static void list_heaps(const struct ion_heap_data *heaps, size_t count, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < count && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%.*s", i ? ", " : "",
					 MAX_HEAP_NAME, heaps[i].name);
	if (!count)
		snprintf(out, len, "none");
}

static int mask_of(const struct ion_heap_data *h, const char *policy_name, uint32_t *mask,
		   char *why, size_t len)
{
	if (h->heap_id >= ION_NUM_HEAP_IDS) {
		snprintf(why, len, "ION heap %.*s has id %u, beyond a 32-bit mask (heap %s)",
			 MAX_HEAP_NAME, h->name, h->heap_id, policy_name);
		return -ERANGE;
	}
	*mask = UINT32_C(1) << h->heap_id;
	return 0;
}

/* Defaults by kind: what a policy heap without ion= or ion-mask= means. */
static int resolve_default(const struct policy_heap *heap, const struct ion_heap_data *heaps,
			   size_t count, uint32_t *mask, char *why, size_t len)
{
	const struct ion_heap_data *h = NULL;
	char names[256];
	int type;

	switch (heap->kind) {
	case HEAP_KIND_SYSTEM:
		if (!heaps) {
			*mask = ION_HEAP_SYSTEM_MASK;
			return 0;
		}
		type = ION_HEAP_TYPE_SYSTEM;
		h = find_heap(heaps, count, ION_SYSTEM_HEAP_NAME, type);
		break;
	case HEAP_KIND_CMA:
		if (!heaps) {
			*mask = ION_HEAP_TYPE_DMA_MASK;
			return 0;
		}
		type = ION_HEAP_TYPE_DMA;
		h = find_heap(heaps, count, heap->name, type);
		break;
	default:
		/* Secure and vendor heaps have no conventional ION id: guessing
		 * one could hand protected content ordinary memory. */
		snprintf(why, len, "no ION mapping for %s heap %s: add ion=NAME or "
			 "ion-mask=0x.. to its heap line", policy_kind_names[heap->kind],
			 heap->name);
		return -ENOENT;
	}
	if (!h)
		h = find_heap(heaps, count, NULL, type);
	if (!h) {
		list_heaps(heaps, count, names, sizeof(names));
		snprintf(why, len, "ION lists no %s heap for %s (ION heaps: %s)",
			 type == ION_HEAP_TYPE_SYSTEM ? "system" : "DMA/CMA", heap->name, names);
		return -ENODEV;
	}
	return mask_of(h, heap->name, mask, why, len);
}

/* ion=NAME: only a kernel that lists its heaps can say which id NAME has. */
static int resolve_named(const struct policy_heap *heap, const struct ion_heap_data *heaps,
			 size_t count, uint32_t *mask, char *why, size_t len)
{
	const struct ion_heap_data *h;
	char names[256];

	if (!heaps) {
		snprintf(why, len, "this ION cannot list heaps (before Linux 4.11): "
			 "heap %s needs ion-mask= instead of ion=%s", heap->name,
			 heap->ion.heap_name);
		return -ENOTSUP;
	}
	h = find_heap(heaps, count, heap->ion.heap_name, -1);
	if (!h) {
		list_heaps(heaps, count, names, sizeof(names));
		snprintf(why, len, "ION has no heap named %s (ION heaps: %s)",
			 heap->ion.heap_name, names);
		return -ENODEV;
	}
	return mask_of(h, heap->name, mask, why, len);
}

int gralloc_ion_resolve(const struct policy_heap *heap, const struct ion_heap_data *heaps,
			size_t count, struct ion_target *out, char *why, size_t len)
{
	/* cached= decides ION_FLAG_CACHED, so system-uncached needs no ION
	 * entry of its own; ion-flags= adds vendor bits on top. */
	out->flags = heap->ion.flags | (heap->cached ? ION_FLAG_CACHED : 0);
	if (!heap->ion.set)
		return resolve_default(heap, heaps, count, &out->heap_id_mask, why, len);
	if (heap->ion.heap_name[0])
		return resolve_named(heap, heaps, count, &out->heap_id_mask, why, len);
	out->heap_id_mask = heap->ion.id_mask;
	return 0;
}

/* ---- The ION client --------------------------------------------------- */

/* Legacy ION answers FREE of handle 0 with EINVAL, modern ION has no FREE
 * and says ENOTTY: the probe libion's ion_is_legacy() uses. */
static bool detect_legacy(int fd)
{
	struct ion_handle_data data = { .handle = 0 };

	return gralloc_ioctl(fd, ION_IOC_FREE, &data) != -ENOTTY;
}

/* Fills b->heaps; ENOTTY (legacy before 4.11) leaves have_heaps false. */
static void query_heaps(struct ion_backend *b)
{
	struct ion_heap_query q = { 0 };

	if (gralloc_ioctl(b->fd, ION_IOC_HEAP_QUERY, &q) < 0)
		return;
	q.cnt = q.cnt < ION_NUM_HEAP_IDS ? q.cnt : ION_NUM_HEAP_IDS;
	q.heaps = (__u64)(uintptr_t)b->heaps;
	if (gralloc_ioctl(b->fd, ION_IOC_HEAP_QUERY, &q) < 0)
		return;
	b->num_heaps = q.cnt < ION_NUM_HEAP_IDS ? q.cnt : ION_NUM_HEAP_IDS;
	for (size_t i = 0; i < b->num_heaps; i++)
		b->heaps[i].name[MAX_HEAP_NAME - 1] = '\0';
	b->have_heaps = true;
}

/* Opens the ION client once, on first need: creating a device must not
 * touch /dev/ion, and a device whose heaps are all dma-buf heaps never
 * does. Returns 0 or the cached -errno of the open. */
static int probe(struct ion_backend *b)
{
	const char *path = b->base.dev->ion_path;
	int ret;

	pthread_mutex_lock(&b->lock);
	if (!b->probed) {
		b->probed = true;
		b->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (b->fd < 0) {
			b->probe_err = -errno;
			gralloc_log(INFO, "open %s: %s", path, strerror(errno));
		} else {
			b->legacy = detect_legacy(b->fd);
			query_heaps(b);
			gralloc_log(INFO, "%s: %s ION, %zu heaps listed%s", path,
				    b->legacy ? "legacy (handle)" : "modern (4.12+)",
				    b->num_heaps, b->have_heaps ? "" : " (no heap query)");
		}
	}
	ret = b->probe_err;
	pthread_mutex_unlock(&b->lock);
	return ret;
}

/* Which policy heap a node stands for: the planner hands status() the
 * node; a declared heap named like its node wins over a renamed one. */
static const struct policy_heap *heap_for_node(struct gralloc_policy *p, const char *node)
{
	const struct policy_heap *found = policy_find_heap(p, node);

	for (size_t i = 0; !found && i < p->num_heaps; i++)
		if (!strcmp(p->heaps[i].node, node))
			found = &p->heaps[i];
	return found;
}

static int resolve(struct ion_backend *b, const struct policy_heap *heap,
		   struct ion_target *t, char *why, size_t len)
{
	return gralloc_ion_resolve(heap, b->have_heaps ? b->heaps : NULL, b->num_heaps, t,
				   why, len);
}

static int ion_create(struct gralloc_device *dev, struct gralloc_backend **out)
{
	struct ion_backend *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->base.dev = dev;
	b->fd = -1;
	pthread_mutex_init(&b->lock, NULL);
	*out = &b->base;
	return 0;
}

static void ion_destroy(struct gralloc_backend *base)
{
	struct ion_backend *b = to_ion(base);

	if (b->fd >= 0)
		close(b->fd);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

static int ion_status(struct gralloc_backend *base, const char *node, char *why, size_t len)
{
	struct ion_backend *b = to_ion(base);
	const struct policy_heap *heap;
	struct ion_target t;
	char path[512];
	struct stat st;
	int ret;

	if (!node)
		node = "system";
	/* Checked before ION is opened: where the dma-buf heap exists, ION is
	 * never touched, not even probed. */
	snprintf(path, sizeof(path), "%s/%s", base->dev->heap_dir, node);
	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode)) {
		snprintf(why, len, "%s exists: dma-buf heap preferred", path);
		return -EEXIST;
	}
	ret = probe(b);
	if (ret) {
		snprintf(why, len, "no %s (%s)", base->dev->ion_path, strerror(-ret));
		return ret;
	}
	heap = heap_for_node(base->dev->policy, node);
	if (!heap) {
		snprintf(why, len, "heap %s is not declared in the policy: no ION mapping", node);
		return -ENOENT;
	}
	return resolve(b, heap, &t, why, len);
}

/* A kernel (or a vendor shim) that answers with something other than a
 * dma-buf would have the library hand out an fd no importer accepts.
 * fd is owned by the caller and closed here when rejected. */
static int check_dma_buf(int fd, const char *what)
{
	struct statfs sfs;

	if (fd < 0) {
		gralloc_log(ERROR, "ION %s returned fd %d: not a file descriptor", what, fd);
		return -EPROTO;
	}
	if (fstatfs(fd, &sfs) < 0) {
		/* Not open in this process at all: nothing of ours to close. */
		gralloc_log(ERROR, "ION %s returned fd %d that is not open: %s", what, fd,
			    strerror(errno));
		return -EPROTO;
	}
	if ((unsigned long)sfs.f_type != DMA_BUF_MAGIC) {
		gralloc_log(ERROR, "ION %s returned fd %d that is not a dma-buf (filesystem "
			    "magic 0x%lx, expected 0x%x): rejected", what, fd,
			    (unsigned long)sfs.f_type, DMA_BUF_MAGIC);
		close(fd);
		return -EPROTO;
	}
	return 0;
}

/* 4.12+: the allocation is the dma-buf. *fd_out: new fd, caller owns. */
static int alloc_modern(struct ion_backend *b, uint64_t size, const struct ion_target *t,
			int *fd_out)
{
	struct ion_allocation_data data = {
		.len = size,
		.heap_id_mask = t->heap_id_mask,
		.flags = t->flags,
	};
	int ret = gralloc_ioctl(b->fd, ION_IOC_ALLOC, &data);

	if (ret < 0)
		return ret;
	*fd_out = (int)data.fd;
	return 0;
}

/* Before 4.12: a handle, shared as a dma-buf fd, then freed at once: the
 * fd holds the buffer, and a handle kept would pin memory in the ION
 * client until the device closes. *fd_out: new fd, caller owns. */
static int alloc_legacy(struct ion_backend *b, uint64_t size, const struct ion_target *t,
			int *fd_out)
{
	struct ion_legacy_allocation_data data = {
		.heap_id_mask = t->heap_id_mask,
		.flags = t->flags,
	};
	struct ion_fd_data share = { .fd = -1 };
	struct ion_handle_data handle;
	int ret, freed;

	if (size > SIZE_MAX) {
		gralloc_log(ERROR, "ION: %llu bytes do not fit the legacy ioctl's length on "
			    "this system", (unsigned long long)size);
		return -EOVERFLOW;
	}
	data.len = (size_t)size;
	ret = gralloc_ioctl(b->fd, ION_IOC_LEGACY_ALLOC, &data);
	if (ret < 0)
		return ret;
	share.handle = data.handle;
	ret = gralloc_ioctl(b->fd, ION_IOC_SHARE, &share);
	handle.handle = data.handle;
	freed = gralloc_ioctl(b->fd, ION_IOC_FREE, &handle);
	if (freed < 0)
		gralloc_log(ERROR, "ION_IOC_FREE of handle %d: %s (its memory stays "
			    "allocated until the device is destroyed)", data.handle,
			    strerror(-freed));
	if (ret < 0) {
		gralloc_log(ERROR, "ION_IOC_SHARE of handle %d: %s", data.handle, strerror(-ret));
		return ret;
	}
	*fd_out = share.fd;
	return 0;
}

static int ion_allocate(struct gralloc_backend *base, const struct gralloc_alloc_request *req,
			int *fd_out)
{
	struct ion_backend *b = to_ion(base);
	struct gralloc_policy *p = base->dev->policy;
	const struct policy_heap *heap;
	struct ion_target t;
	char why[256];
	int fd = -1, ret;

	ret = probe(b);
	if (ret)
		return ret;
	heap = req->heap_name ? policy_find_heap(p, req->heap_name) : NULL;
	if (!heap && req->heap_node)
		heap = heap_for_node(p, req->heap_node);
	if (!heap) {
		gralloc_log(ERROR, "heap %s: not declared in the policy, no ION mapping",
			    req->heap_name ? req->heap_name : "(none)");
		return -ENOENT;
	}
	ret = resolve(b, heap, &t, why, sizeof(why));
	if (ret) {
		gralloc_log(ERROR, "%s", why);
		return ret;
	}
	ret = b->legacy ? alloc_legacy(b, req->size, &t, &fd)
			: alloc_modern(b, req->size, &t, &fd);
	if (ret) {
		gralloc_log(ERROR, "ION allocation of %llu bytes for heap %s (mask 0x%x, "
			    "flags 0x%x) failed: %s", (unsigned long long)req->size, heap->name,
			    t.heap_id_mask, t.flags, strerror(-ret));
		return ret;
	}
	ret = check_dma_buf(fd, b->legacy ? "ION_IOC_SHARE" : "ION_IOC_ALLOC");
	if (ret)
		return ret;
	*fd_out = fd;
	return 0;
}

/* fd is borrowed. Modern ION buffers are plain dma-bufs. Legacy kernels
 * may predate DMA_BUF_IOCTL_SYNC (4.6), so they get ION_IOC_SYNC through
 * the client at both ends of CPU access, as libdmabufheap's legacy path
 * does: it is a full flush, not direction-aware. */
static int ion_sync(struct gralloc_backend *base, const struct gralloc_buffer *buf, int fd,
			 bool start, uint64_t cpu_usage)
{
	(void)buf;
	struct ion_backend *b = to_ion(base);
	struct ion_fd_data data = { .fd = fd };

	if (!b->legacy)
		return gralloc_dma_buf_sync(fd, start, cpu_usage);
	return gralloc_ioctl(b->fd, ION_IOC_SYNC, &data);
}

const struct gralloc_backend_impl gralloc_ion_backend = {
	.name = "ion",
	.recyclable = true,
	.usage_mask = GRALLOC_USAGE_ALL,
	.uses_heaps = true,
	.dma_buf = true,
	/* As for dma-heap: contiguity is the policy heap's kind (cma). */
	.contiguous_ok = true,
	.create = ion_create,
	.destroy = ion_destroy,
	.status = ion_status,
	.allocate = ion_allocate,
	.sync = ion_sync,
};
