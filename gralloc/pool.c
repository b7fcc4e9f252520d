/* SPDX-License-Identifier: MIT */
/* The recycling pool: memory of freed buffers, kept with its mapping and
 * handed out again for the same route (backend and heap) and size. Fresh
 * heap memory costs the kernel a page allocation and zeroing per page;
 * a pool hit costs a list walk.
 *
 * Only memory whose fds never left the library is kept (see
 * gralloc_buffer.pool_ok): nobody else can still read or write it, so the
 * next owner is the only one who sees it. It never crosses processes: the
 * pool belongs to one device. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gralloc/pool.h"

#define DEFAULT_MAX_BYTES (UINT64_C(64) << 20)
#define DEFAULT_MAX_BUFFERS 32u

struct pool_entry {
	struct pool_entry *next;
	const struct gralloc_backend *backend;
	char heap[GRALLOC_NAME_MAX];
	uint64_t size;
	int fd;          /* owned */
	void *map;       /* owned, size bytes; NULL when never locked */
	bool map_writable;
};

struct buffer_pool {
	gralloc_mtx lock;
	struct pool_entry *head; /* newest first */
	size_t count;
	uint64_t bytes;
	size_t max_count;
	uint64_t max_bytes;
	uint64_t hits, misses;
};

static void entry_free(struct pool_entry *e)
{
	if (e->map)
		munmap(e->map, (size_t)e->size);
	close(e->fd);
	free(e);
}

struct buffer_pool *pool_create(uint64_t max_bytes, uint32_t max_buffers)
{
	struct buffer_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	gralloc_mtx_init(&p->lock);
	p->max_bytes = max_bytes ? max_bytes : DEFAULT_MAX_BYTES;
	p->max_count = max_buffers ? max_buffers : DEFAULT_MAX_BUFFERS;
	/* UINT64_MAX / UINT32_MAX mean "keep nothing" (pool off). */
	if (max_bytes == UINT64_MAX || max_buffers == UINT32_MAX)
		p->max_bytes = 0, p->max_count = 0;
	return p;
}

bool pool_enabled(const struct buffer_pool *p)
{
	return p->max_count;
}

/* Drops the oldest entries until `bytes` and `count` fit. Caller holds the
 * lock; entries are freed after it is released. */
static struct pool_entry *cut_locked(struct buffer_pool *p, uint64_t bytes, size_t count)
{
	struct pool_entry **pp = &p->head, *cut;
	uint64_t kept_bytes = 0;
	size_t kept = 0;

	while (*pp && kept + 1 <= count && kept_bytes + (*pp)->size <= bytes) {
		kept_bytes += (*pp)->size;
		kept++;
		pp = &(*pp)->next;
	}
	cut = *pp;
	*pp = NULL;
	p->count = kept;
	p->bytes = kept_bytes;
	return cut;
}

static void free_list(struct pool_entry *e)
{
	while (e) {
		struct pool_entry *next = e->next;

		entry_free(e);
		e = next;
	}
}

void pool_trim(struct buffer_pool *p, uint64_t keep_bytes)
{
	struct pool_entry *cut;

	gralloc_mtx_lock(&p->lock);
	cut = cut_locked(p, keep_bytes, keep_bytes ? p->max_count : 0);
	gralloc_mtx_unlock(&p->lock);
	free_list(cut);
}

void pool_destroy(struct buffer_pool *p)
{
	if (!p)
		return;
	pool_trim(p, 0);
	free(p);
}

bool pool_take(struct buffer_pool *p, const struct gralloc_backend *backend, const char *heap,
	       uint64_t size, struct pool_memory *out)
{
	struct pool_entry *e = NULL;

	if (!p->max_count) /* off: set once at creation, nothing to count */
		return false;
	gralloc_mtx_lock(&p->lock);
	for (struct pool_entry **pp = &p->head; *pp; pp = &(*pp)->next) {
		if ((*pp)->backend == backend && (*pp)->size == size && !strcmp((*pp)->heap, heap)) {
			e = *pp;
			*pp = e->next;
			p->count--;
			p->bytes -= e->size;
			break;
		}
	}
	if (e)
		p->hits++;
	else
		p->misses++;
	gralloc_mtx_unlock(&p->lock);
	if (!e)
		return false;
	*out = (struct pool_memory){ e->fd, e->map, e->map_writable };
	free(e);
	return true;
}

bool pool_put(struct buffer_pool *p, const struct gralloc_backend *backend, const char *heap,
	      uint64_t size, const struct pool_memory *mem)
{
	struct pool_entry *e, *cut;

	if (size > p->max_bytes || !p->max_count)
		return false;
	e = malloc(sizeof(*e));
	if (!e)
		return false;
	*e = (struct pool_entry){
		.backend = backend, .size = size, .fd = mem->fd, .map = mem->map,
		.map_writable = mem->map_writable,
	};
	gralloc_copy_name(e->heap, sizeof(e->heap), heap);
	gralloc_mtx_lock(&p->lock);
	e->next = p->head;
	p->head = e;
	p->count++;
	p->bytes += size;
	cut = cut_locked(p, p->max_bytes, p->max_count);
	gralloc_mtx_unlock(&p->lock);
	free_list(cut);
	return true;
}

void pool_stats(struct buffer_pool *p, struct gralloc_pool_stats *out)
{
	gralloc_mtx_lock(&p->lock);
	*out = (struct gralloc_pool_stats){
		.buffers = p->count, .bytes = p->bytes, .max_buffers = p->max_count,
		.max_bytes = p->max_bytes, .hits = p->hits, .misses = p->misses,
	};
	gralloc_mtx_unlock(&p->lock);
}
