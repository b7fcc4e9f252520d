/* SPDX-License-Identifier: MIT */
/* Buffer life cycle: allocate through the plan, describe, export, free. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "formats/formats.h"
#include "gralloc/pool.h"
#include "gralloc/routes.h"

/* Appends src to *p, never past end - 1. */
static void put_str(char **p, const char *end, const char *src)
{
	while (*src && *p < end - 1)
		*(*p)++ = *src++;
}

static void put_uint(char **p, const char *end, uint32_t v)
{
	char digits[10];
	int n = 0;

	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < 10);
	while (n && *p < end - 1)
		*(*p)++ = digits[--n];
}

/* The kernel shows this in /sys/kernel/debug/dma_buf/bufinfo and fdinfo,
 * which is how leaks are traced back to their owner (`gralloc ps`). Done
 * once, when the fd first leaves the library or the caller gave a name:
 * not on every allocation, where it cost more than the rest of the call.
 * Best effort: older kernels lack the ioctl, and a name is never worth
 * failing over. */
void gralloc_buffer_name(struct gralloc_buffer *buf)
{
	char name[DMA_BUF_NAME_LEN], *p = name;
	const char *end = name + sizeof(name);

	if (buf->named || !buf->backend->impl->dma_buf || buf->backend->impl->import_only)
		return;
	buf->named = true;
	/* "<format> <w>x<h> <name>", cut to the kernel's 32 bytes. */
	put_str(&p, end, buf->format->name);
	put_str(&p, end, " ");
	put_uint(&p, end, buf->desc.width);
	put_str(&p, end, "x");
	put_uint(&p, end, buf->desc.height);
	if (buf->name[0]) {
		put_str(&p, end, " ");
		put_str(&p, end, buf->name);
	}
	*p = '\0';
	if (ioctl(buf->fds[0], DMA_BUF_SET_NAME_B, name) < 0)
		gralloc_log(INFO, "DMA_BUF_SET_NAME failed: %s", strerror(errno));
}

/* Its fds are leaving the library: name them, and the memory can never be
 * recycled (someone else may still use it). */
void gralloc_buffer_escape(struct gralloc_buffer *buf)
{
	gralloc_mtx_lock(&buf->lock);
	buf->pool_ok = false;
	gralloc_buffer_name(buf);
	gralloc_mtx_unlock(&buf->lock);
}

int gralloc_buffer_register(struct gralloc_device *dev, struct gralloc_buffer *buf)
{
	int ret;

	gralloc_mtx_init(&buf->lock);
	/* Nobody else can see buf yet: no atomic instruction needed. */
	atomic_init(&buf->refs, 1);
	gralloc_mtx_lock(&dev->lock);
	ret = live_set_add(dev->live, buf);
	if (!ret) {
		buf->id = dev->next_id++;
		buf->in_live = true;
	}
	gralloc_mtx_unlock(&dev->lock);
	if (ret) {
		gralloc_log(ERROR, "out of memory registering a buffer");
		return ret;
	}
	buf->dev = dev;
	gralloc_device_ref(dev);
	return 0;
}

/* Plain bytes (the backend says so) that are not protected content: the
 * pool may keep them, and the request may become the hot one. */
static bool plain_memory(const struct gralloc_backend *b, const struct gralloc_buffer_desc *desc)
{
	return b->impl->recyclable && !(desc->usage & GRALLOC_USAGE_PROTECTED_CONTENT);
}

/* Memory the pool may keep: plain, and the device has a pool. */
static bool poolable(const struct gralloc_backend *b, const struct gralloc_buffer_desc *desc)
{
	return b->dev->pool_on && plain_memory(b, desc);
}

/* Recycled memory of this backend and heap, if the pool has some (the
 * caller checked that it may); its contents are whatever this process left
 * there, unless the caller asked for zeros. */
static int take_pooled(struct gralloc_buffer *buf, const struct gralloc_backend *backend,
		       const char *heap)
{
	struct pool_memory mem;
	bool want_write = buf->desc.usage & GRALLOC_USAGE_CPU_WRITE;

	if (!pool_take(buf->dev->pool, backend, heap, buf->layout.size, &mem))
		return -ENOENT;
	if (mem.map && want_write && !mem.map_writable) {
		munmap(mem.map, (size_t)buf->layout.size);
		mem.map = NULL;
	}
	if (buf->desc.flags & GRALLOC_BUFFER_FLAG_ZEROED) {
		void *m = mem.map && mem.map_writable ? mem.map :
			  mmap(NULL, (size_t)buf->layout.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			       mem.fd, 0);

		if (m == MAP_FAILED) {
			close(mem.fd);
			if (mem.map)
				munmap(mem.map, (size_t)buf->layout.size);
			return -ENOENT;
		}
		gralloc_dma_buf_sync(mem.fd, true, GRALLOC_USAGE_CPU_WRITE_OFTEN);
		memset(m, 0, (size_t)buf->layout.size);
		gralloc_dma_buf_sync(mem.fd, false, GRALLOC_USAGE_CPU_WRITE_OFTEN);
		if (m != mem.map) {
			if (mem.map)
				munmap(mem.map, (size_t)buf->layout.size);
			mem.map = m;
			mem.map_writable = true;
		}
	}
	buf->fds[0] = mem.fd;
	buf->map[0] = mem.map;
	buf->map_writable = mem.map_writable;
	return 0;
}

/* Both heap names are NUL-terminated arrays of one size: try_routes copies
 * the whole array, a few moves, where the string loop took dozens of
 * instructions. */
_Static_assert(sizeof(((struct gralloc_buffer *)0)->heap) == sizeof(((struct route *)0)->heap),
	       "try_routes copies a route's heap name as a whole array");

/* Memory for buf from this backend and heap (node: its node, NULL for
 * none; node_token: the backend's resolve() of it, 0 for none): the
 * pool's when `pool` (the caller's poolable()), else new, in buf->fds[0]. buf->layout is the
 * request's; a backend may rewrite it (drm-dumb adopts the driver's
 * pitch). 1 when it came from the pool, 0 when new, -errno with nothing to
 * undo. Inlined into both callers: on the hot request's path a call and
 * its frame were ~30 instructions. */
static inline __attribute__((always_inline)) int
take_memory(struct gralloc_buffer *buf, struct gralloc_backend *backend, const char *heap,
	    const char *node, uint32_t node_token, bool pool)
{
	struct gralloc_alloc_request req;
	int fd = -1, ret;

	if (pool && !take_pooled(buf, backend, heap))
		return 1;
	req = (struct gralloc_alloc_request){
		.desc = &buf->desc,
		.heap_name = heap[0] ? heap : NULL,
		.heap_node = node,
		.size = buf->layout.size,
		.layout = &buf->layout,
		.node_token = node_token,
	};
	ret = backend->impl->allocate(backend, &req, &fd);
	if (!ret)
		buf->fds[0] = fd;
	return ret;
}

/* Undoes take_memory() for a buffer that will not be registered. */
static void drop_memory(struct gralloc_buffer *buf)
{
	if (buf->map[0])
		munmap(buf->map[0], (size_t)buf->layout.fd_size[0]);
	close(buf->fds[0]);
	buf->map[0] = NULL;
	buf->fds[0] = -1;
}

/* Tries routes->r[start..count) in order. After a failure buf->layout is
 * laid out afresh for the next candidate (a backend may have rewritten
 * it), which is rarer than a copy per call. */
static int try_routes(const struct routes *routes, struct gralloc_buffer *buf, uint32_t start,
		      uint32_t min_align, uint32_t *used)
{
	int ret = routes->cls == CLASS_PROTECTED ? -EPERM : -ENODEV;

	for (uint32_t i = start; i < routes->count; i++) {
		const struct route *r = &routes->r[i];
		bool pool = poolable(r->backend, &buf->desc);

		*used = i;
		/* The hot request's template has it already. */
		buf->layout.fd_size[0] = buf->layout.size;
		ret = take_memory(buf, r->backend, r->heap, r->node[0] ? r->node : NULL, 0, pool);
		if (ret < 0) {
			gralloc_log(INFO, "%s%s%s: %s, trying the next candidate",
				    r->backend->impl->name, r->heap[0] ? " heap " : "", r->heap,
				    strerror(-ret));
			if (gralloc_layout_compute_min(&buf->desc, buf->format, min_align,
						       &buf->layout))
				return ret; /* it was computed once: cannot happen */
			continue;
		}
		buf->backend = r->backend;
		buf->num_fds = 1;
		buf->writable = true;
		buf->pool_ok = pool;
		memcpy(buf->heap, r->heap, sizeof(buf->heap));
		if (!ret)
			gralloc_log(INFO, "%s %ux%u, %llu bytes: %s%s%s (candidate %u of %u)",
				    buf->format->name, buf->desc.width, buf->desc.height,
				    (unsigned long long)buf->layout.size, r->backend->impl->name,
				    r->heap[0] ? " heap " : "", r->heap, i + 1, routes->total);
		return 0;
	}
	if (routes->count < routes->total)
		return ret; /* part of the list: the caller goes on */
	if (!routes->count)
		gralloc_log(ERROR, "no backend can serve this request (%s%s): %.300s; see "
			    "`gralloc explain`", policy_class_names[routes->cls],
			    routes->cls == CLASS_PROTECTED ? ", no usable secure heap" : "",
			    routes->why);
	else
		gralloc_log(ERROR, "every candidate failed, the last with %s", strerror(-ret));
	return ret;
}

/* Validates buf->desc and lays it out: what a request costs the first
 * time it is seen. */
static int prepare(struct gralloc_device *dev, struct gralloc_buffer *buf, uint32_t min_align)
{
	int ret = gralloc_desc_validate(&buf->desc, &buf->format);

	if (!ret)
		ret = gralloc_layout_compute_min(&buf->desc, buf->format, min_align, &buf->layout);
	if (!ret) /* limits.c: every backend, before any memory is asked for */
		ret = policy_limit_check(dev->policy, buf->layout.size, NULL, 0);
	return ret;
}

/* Cached routes first; when they all fail the world may have changed (a
 * heap node appeared or went, a display was unplugged), so plan once more
 * before giving up. Requests with consumers are cached by what their
 * consumers ask of the plan (route_key), like plain ones by usage; the
 * same request as last time also skips validation and layout (the entry's
 * recipe), which is most of the library's own cost. given: the public
 * caller's own descriptor, which may become the hot request; else NULL. */
static int allocate_memory(struct gralloc_device *dev, struct gralloc_buffer *buf,
			   uint32_t min_align, const struct plan_options *opts,
			   const struct gralloc_buffer_desc *given)
{
	struct route_key key;
	struct routes routes;
	bool cacheable = !route_key_init(&key, buf->desc.usage, opts), recipe = false;
	bool hit = cacheable && routes_lookup(dev, &key, &buf->desc, min_align, &buf->format,
					      &buf->layout, &recipe, 1, &routes);
	uint32_t used = 0;
	int ret;

	if (!recipe) {
		ret = prepare(dev, buf, min_align);
		if (ret)
			return ret;
		gralloc_log(DEBUG, "usage 0x%llx: %s routes", (unsigned long long)buf->desc.usage,
			    hit ? "cached" : "planning new");
		if (!hit) {
			ret = routes_build(dev, &buf->desc, opts, cacheable ? &key : NULL, &routes);
			if (ret)
				return ret;
		}
		if (cacheable)
			routes_remember(dev, &key, &buf->desc, min_align, buf->format, &buf->layout);
	}
	ret = try_routes(&routes, buf, 0, min_align, &used);
	/* Served by the policy's first choice, with plain memory: the hot
	 * request from now on. Before registration, after which another
	 * thread may release buf. */
	if (!ret && given && hit && routes.settled && !used &&
	    plain_memory(buf->backend, &buf->desc))
		hot_store(dev, given, buf, routes.r[0].node, routes.gen);
	/* The first cached route failed: the others, then a fresh plan. */
	if (ret && hit && routes.total > routes.count &&
	    routes_lookup(dev, &key, NULL, 0, NULL, NULL, NULL, ROUTE_MAX, &routes))
		ret = try_routes(&routes, buf, 1, min_align, &used);
	if (ret && hit) {
		ret = routes_build(dev, &buf->desc, opts, &key, &routes);
		if (!ret)
			ret = try_routes(&routes, buf, 0, min_align, &used);
	}
	return ret;
}

/* Builds the buffer whose desc the caller wrote into buf (a struct from
 * gralloc_buffer_struct_take(), freed here on failure). given: the public
 * caller's own descriptor, which may become the hot request; else NULL. */
static struct gralloc_buffer *build(struct gralloc_device *dev, struct gralloc_buffer *buf,
				    uint32_t min_align, const struct plan_options *opts,
				    const struct gralloc_buffer_desc *given)
{
	int ret;

	gralloc_buffer_clear_state(buf);
	buf->shape = 0; /* whatever it held, it is written over now */
	for (int i = 0; i < GRALLOC_MAX_PLANES; i++)
		buf->fds[i] = -1;
	buf->dev = dev; /* for the pool; registration makes it official */
	if (!buf->desc.layer_count)
		buf->desc.layer_count = 1;
	gralloc_copy_name(buf->name, sizeof(buf->name), buf->desc.name);
	buf->desc.name = buf->name;

	ret = allocate_memory(dev, buf, min_align, opts, given);
	if (ret)
		goto fail;
	if (buf->name[0])
		gralloc_buffer_name(buf);
	ret = gralloc_buffer_register(dev, buf);
	if (ret) {
		drop_memory(buf);
		goto fail;
	}
	return buf;

fail:
	free(buf);
	errno = -ret;
	return NULL;
}

/* The hot request's memory, buf holding its template and src where it
 * comes from (routes.h). Nothing is left to undo on failure. */
static int allocate_hot(struct gralloc_device *dev, struct gralloc_buffer *buf,
			const struct hot_source *src)
{
	int ret;

	buf->dev = dev;
	buf->pool_ok = poolable(buf->backend, &buf->desc);
	ret = take_memory(buf, buf->backend, buf->heap, src->node, src->token, buf->pool_ok);
	if (ret < 0)
		return ret;
	gralloc_log(INFO, "%s %ux%u, %llu bytes: %s%s%s (as the last time)", buf->format->name,
		    buf->desc.width, buf->desc.height, (unsigned long long)buf->layout.size,
		    buf->backend->impl->name, buf->heap[0] ? " heap " : "", buf->heap);
	ret = gralloc_buffer_register(dev, buf);
	if (ret)
		drop_memory(buf);
	return ret;
}

static bool device_given(const struct gralloc_device *dev)
{
	if (!dev)
		gralloc_log(ERROR, "device must not be NULL");
	return dev;
}

struct gralloc_buffer *gralloc_buffer_create(struct gralloc_device *dev,
					     const struct gralloc_buffer_desc *desc,
					     uint32_t min_align, const struct plan_options *opts)
{
	struct gralloc_buffer *buf;

	if (!device_given(dev)) {
		errno = EINVAL;
		return NULL;
	}
	buf = gralloc_buffer_struct_take(dev);
	if (!buf) {
		errno = ENOMEM;
		return NULL;
	}
	buf->desc = *desc;
	return build(dev, buf, min_align, opts, NULL);
}

GRALLOC_EXPORT struct gralloc_buffer *
gralloc_buffer_allocate(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc)
{
	struct gralloc_buffer *buf = NULL;
	struct hot_source src;
	int ret;

	/* A failed hot route takes the whole path, which tries the others
	 * and plans again. */
	if (dev && desc && hot_take(dev, desc, &buf, &src) && !allocate_hot(dev, buf, &src))
		return buf;
	if (!buf)
		buf = gralloc_buffer_struct_take(dev);
	ret = buf ? gralloc_desc_in(&buf->desc, desc) : -ENOMEM;
	if (!ret && !device_given(dev))
		ret = -EINVAL;
	if (ret) {
		free(buf);
		errno = -ret;
		return NULL;
	}
	/* The caller's descriptor went straight into the buffer: one copy. */
	return build(dev, buf, 0, NULL, desc);
}

GRALLOC_EXPORT int gralloc_buffer_set_user_data(struct gralloc_buffer *buf, const void *key,
					       void *data, void (*destroy)(void *data))
{
	struct gralloc_user_data **p, *ud;
	int ret = 0;

	if (!buf || !key) {
		gralloc_log(ERROR, "buffer and key must not be NULL");
		return -(errno = EINVAL);
	}
	gralloc_mtx_lock(&buf->lock);
	buf->pool_ok = false; /* a framebuffer or an image may outlive our view */
	for (p = &buf->user_data; *p && (*p)->key != key; p = &(*p)->next)
		;
	ud = *p;
	if (!data) {
		if (ud) {
			*p = ud->next;
			free(ud);
		} else {
			ret = -ENOENT;
		}
	} else if (ud) {
		ud->data = data;
		ud->destroy = destroy;
	} else {
		ud = malloc(sizeof(*ud));
		if (ud) {
			*ud = (struct gralloc_user_data){ buf->user_data, key, data, destroy };
			buf->user_data = ud;
		} else {
			ret = -ENOMEM;
		}
	}
	gralloc_mtx_unlock(&buf->lock);
	if (ret == -ENOMEM)
		gralloc_log(ERROR, "out of memory for user data");
	return ret ? -(errno = -ret) : 0;
}

GRALLOC_EXPORT void *gralloc_buffer_get_user_data(struct gralloc_buffer *buf, const void *key)
{
	void *data = NULL;

	if (!buf)
		return NULL;
	gralloc_mtx_lock(&buf->lock);
	for (struct gralloc_user_data *ud = buf->user_data; ud; ud = ud->next) {
		if (ud->key == key) {
			data = ud->data;
			break;
		}
	}
	gralloc_mtx_unlock(&buf->lock);
	return data;
}

/* Gives the memory to the pool when nobody else can have it; true when
 * the pool took it. */
static bool recycle(struct gralloc_buffer *buf)
{
	struct pool_memory mem = { buf->fds[0], buf->map[0], buf->map_writable };

	if (!buf->pool_ok || buf->num_fds != 1 || buf->lock_depth || buf->dev->destroyed)
		return false;
	return pool_put(buf->dev->pool, buf->backend, buf->heap, buf->layout.size, &mem);
}

/* A buffer's fds and mappings, to undo once its struct is gone. */
struct held_memory {
	uint32_t num_fds;
	int fds[GRALLOC_MAX_PLANES];
	void *map[GRALLOC_MAX_PLANES];
	uint64_t size[GRALLOC_MAX_PLANES];
};

/* Whole arrays: a few fixed moves, where a loop over num_fds became three
 * memcpy() calls. */
static void hold_memory(const struct gralloc_buffer *buf, struct held_memory *m)
{
	m->num_fds = buf->num_fds;
	memcpy(m->fds, buf->fds, sizeof(m->fds));
	memcpy(m->map, buf->map, sizeof(m->map));
	memcpy(m->size, buf->layout.fd_size, sizeof(m->size));
}

static void release_memory(const struct held_memory *m)
{
	for (uint32_t i = 0; i < m->num_fds; i++) {
		if (m->map[i])
			munmap(m->map[i], (size_t)m->size[i]);
		close(m->fds[i]);
	}
}

/* The last reference is gone: nobody else can reach buf any more. */
static void buffer_destroy(struct gralloc_buffer *buf)
{
	struct gralloc_device *dev = buf->dev;
	struct gralloc_user_data *ud = buf->user_data;
	struct held_memory mem = { 0 };

	if (buf->lock_depth)
		gralloc_log(INFO, "buffer %llu freed while locked", (unsigned long long)buf->id);
	/* Its last reference may have been the allocation's, dropped with
	 * release() rather than free(): then the device must forget it too. */
	if (buf->in_live) {
		gralloc_mtx_lock(&dev->lock);
		live_set_remove(dev->live, buf);
		gralloc_mtx_unlock(&dev->lock);
	}
	/* Framebuffers and images must go before the memory they scan out. */
	buf->user_data = NULL;
	while (ud) {
		struct gralloc_user_data *next = ud->next;

		if (ud->destroy)
			ud->destroy(ud->data);
		free(ud);
		ud = next;
	}
	if (!recycle(buf))
		hold_memory(buf, &mem);
	gralloc_buffer_struct_free(dev, buf);
	release_memory(&mem);
	gralloc_device_unref(dev);
}

/* Internal callers: no trip through the PLT to the exported symbol. */
static void release(struct gralloc_buffer *buf)
{
	if (buf && --buf->refs == 0)
		buffer_destroy(buf);
}

GRALLOC_EXPORT struct gralloc_buffer *gralloc_buffer_acquire(struct gralloc_buffer *buf)
{
	if (buf)
		buf->refs++;
	return buf;
}

GRALLOC_EXPORT void gralloc_buffer_release(struct gralloc_buffer *buf)
{
	release(buf);
}

/* With dev->lock held and buf just taken out of the live set: when the
 * allocation's was the only reference and buf holds nothing but its memory
 * (no user data, no lock, nothing for the pool), its struct goes straight
 * to the quarantine, its memory into *mem to release after unlocking, and
 * *old is a struct to free(). The common free in one critical section,
 * where destroying it apart took a second one for the quarantine. */
static bool drop_plain(struct gralloc_device *dev, struct gralloc_buffer *buf,
		       struct held_memory *mem, struct gralloc_buffer **old)
{
	/* One reference, ours: nobody else may acquire it (the threading
	 * model, docs/architecture.md). */
	if (atomic_load_explicit(&buf->refs, memory_order_acquire) != 1 || buf->user_data ||
	    buf->lock_depth || buf->pool_ok)
		return false;
	hold_memory(buf, mem);
	*old = quarantine_put(&dev->quarantine, buf);
	return true;
}

/* Drops the allocation reference if dev holds it; false otherwise. */
bool gralloc_buffer_drop_alloc_ref(struct gralloc_device *dev, struct gralloc_buffer *buf)
{
	struct gralloc_buffer *old = NULL;
	struct held_memory mem;
	bool found, dropped = false;

	gralloc_mtx_lock(&dev->lock);
	found = live_set_remove(dev->live, buf);
	if (found) {
		buf->in_live = false;
		dropped = drop_plain(dev, buf, &mem, &old);
	}
	gralloc_mtx_unlock(&dev->lock);
	if (dropped) {
		release_memory(&mem);
		free(old);
		gralloc_device_unref(dev); /* buf's, taken at registration */
	} else if (found) {
		release(buf);
	}
	return found;
}

GRALLOC_EXPORT int gralloc_buffer_free(struct gralloc_device *dev, struct gralloc_buffer *buf)
{
	if (!buf)
		return 0;
	if (!dev || !gralloc_buffer_drop_alloc_ref(dev, buf)) {
		gralloc_log(ERROR, "buffer %p is not a live buffer of this device "
			    "(already freed?)", (void *)buf);
		return -(errno = EINVAL);
	}
	return 0;
}

GRALLOC_EXPORT int gralloc_buffer_describe(const struct gralloc_buffer *buf,
					   struct gralloc_buffer_info *info)
{
	if (!buf || !info) {
		gralloc_log(ERROR, "buffer and info must not be NULL");
		return -(errno = EINVAL);
	}
	gralloc_buffer_escape((struct gralloc_buffer *)buf);
	memset(info, 0, sizeof(*info));
	info->width = buf->desc.width;
	info->height = buf->desc.height;
	info->format = buf->desc.format;
	info->layer_count = buf->desc.layer_count;
	info->usage = buf->desc.usage;
	info->modifier = buf->layout.modifier;
	info->size = buf->layout.size;
	info->layer_stride = buf->layout.layer_stride;
	info->id = buf->id;
	info->num_planes = buf->layout.num_planes;
	info->num_fds = buf->num_fds;
	for (int i = 0; i < GRALLOC_MAX_PLANES; i++)
		info->fds[i] = buf->fds[i];
	memcpy(info->planes, buf->layout.planes, sizeof(info->planes));
	gralloc_copy_name(info->backend, sizeof(info->backend), buf->backend->impl->name);
	gralloc_copy_name(info->heap, sizeof(info->heap), buf->heap);
	info->is_dma_buf = buf->backend->impl->dma_buf;
	memcpy(info->fd_size, buf->layout.fd_size, sizeof(info->fd_size));
	return 0;
}

GRALLOC_EXPORT int gralloc_buffer_export_fd(const struct gralloc_buffer *buf, uint32_t index)
{
	int fd;

	if (!buf || index >= buf->num_fds) {
		gralloc_log(ERROR, "no fd slot %u in this buffer", index);
		return -(errno = EINVAL);
	}
	gralloc_buffer_escape((struct gralloc_buffer *)buf);
	fd = fcntl(buf->fds[index], F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		int err = errno;

		gralloc_log(ERROR, "cannot duplicate buffer fd: %s", strerror(err));
		return -(errno = err);
	}
	return fd;
}
