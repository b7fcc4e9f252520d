/* SPDX-License-Identifier: MIT */
/* The live buffers of a device, by address: an open-addressing hash set, so
 * that free() finds (or refuses) a pointer in O(1) without dereferencing
 * it, whatever the number of live buffers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gralloc/private.h"

#define TOMBSTONE ((struct gralloc_buffer *)(uintptr_t)1)
#define MIN_SLOTS 64u

/* A set that was drained: nothing in it, and nothing to free. */
static struct gralloc_buffer *drained[1];

struct live_set {
	struct gralloc_buffer **slots;
	size_t mask;  /* slots - 1; slots is a power of two */
	size_t count; /* members */
	size_t used;  /* members + tombstones */
};

static size_t hash(const struct gralloc_buffer *buf)
{
	/* Allocations share their low bits: a multiply (Fibonacci hashing)
	 * carries them into the middle bits, which the mask then takes. */
	return (size_t)(((uint64_t)(uintptr_t)buf * UINT64_C(0x9e3779b97f4a7c15)) >> 29);
}

struct live_set *live_set_create(void)
{
	struct live_set *set = calloc(1, sizeof(*set));

	if (!set)
		return NULL;
	set->slots = calloc(MIN_SLOTS, sizeof(*set->slots));
	if (!set->slots) {
		free(set);
		return NULL;
	}
	set->mask = MIN_SLOTS - 1;
	return set;
}

void live_set_destroy(struct live_set *set)
{
	if (!set)
		return;
	if (set->slots != drained)
		free(set->slots);
	free(set);
}

/* Puts buf in the first empty or tombstone slot of its probe chain; true
 * when the slot was empty (one more slot in use). */
static bool insert(struct gralloc_buffer **slots, size_t mask, struct gralloc_buffer *buf)
{
	size_t i = hash(buf) & mask;
	bool fresh;

	while (slots[i] && slots[i] != TOMBSTONE)
		i = (i + 1) & mask;
	fresh = !slots[i];
	slots[i] = buf;
	return fresh;
}

/* Rebuilds into `n` slots, dropping tombstones. */
static int rehash(struct live_set *set, size_t n)
{
	struct gralloc_buffer **slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i <= set->mask; i++)
		if (set->slots[i] && set->slots[i] != TOMBSTONE)
			insert(slots, n - 1, set->slots[i]);
	if (set->slots != drained)
		free(set->slots);
	set->slots = slots;
	set->mask = n - 1;
	set->used = set->count;
	return 0;
}

int live_set_add(struct live_set *set, struct gralloc_buffer *buf)
{
	size_t slots = set->mask + 1;

	/* Keep at most half the slots taken, tombstones included, so probes
	 * stay short. */
	if (2 * (set->used + 1) > slots) {
		int ret = rehash(set, 2 * (set->count + 1) > slots / 2 ? 2 * slots : slots);

		if (ret)
			return ret;
	}
	/* A tombstone taken is not a new slot in use: alloc/free pairs reuse
	 * them, and the table is not rebuilt every few dozen calls. */
	if (insert(set->slots, set->mask, buf))
		set->used++;
	set->count++;
	return 0;
}

bool live_set_remove(struct live_set *set, const struct gralloc_buffer *buf)
{
	size_t i = hash(buf) & set->mask;

	while (set->slots[i]) {
		if (set->slots[i] == buf) {
			/* The end of a probe chain needs no tombstone: an empty
			 * slot ends the search just as well. */
			if (!set->slots[(i + 1) & set->mask]) {
				set->slots[i] = NULL;
				set->used--;
			} else {
				set->slots[i] = TOMBSTONE;
			}
			set->count--;
			return true;
		}
		i = (i + 1) & set->mask;
	}
	return false;
}

/* Empties the set without allocating: its members are moved to the front
 * of its slot array, which the caller gets (and frees). */
size_t live_set_drain(struct live_set *set, struct gralloc_buffer ***out)
{
	size_t n = 0;

	for (size_t i = 0; i <= set->mask; i++)
		if (set->slots[i] && set->slots[i] != TOMBSTONE)
			set->slots[n++] = set->slots[i];
	*out = set->slots == drained ? NULL : set->slots;
	set->slots = drained;
	set->mask = 0;
	set->count = set->used = 0;
	return n;
}

size_t live_set_count(const struct live_set *set)
{
	return set->count;
}

/* Freed buffer structs wait in their device's quarantine before going
 * back to malloc, so that a stale pointer cannot name a newer buffer of
 * that device until 1024 more of its buffers have been freed: free() then
 * refuses it instead of freeing the new one. Those leaving the quarantine
 * are kept (a few) for the next allocation: malloc and free of a struct
 * this size cost ~400 instructions, a fifth of an allocation. Reuse keeps
 * the 1024-frees distance. Per device, under the device lock: the hot
 * request takes its struct and free() gives it back inside critical
 * sections they have anyway. */
void quarantine_flush(struct buffer_quarantine *q)
{
	for (size_t i = 0; i < GRALLOC_QUARANTINE; i++) {
		free(q->ring[i]);
		q->ring[i] = NULL;
	}
	while (q->spare_count)
		free(q->spares[--q->spare_count]);
}

struct gralloc_buffer *gralloc_buffer_struct_take(struct gralloc_device *dev)
{
	struct gralloc_buffer *buf = NULL;

	if (dev) {
		gralloc_mtx_lock(&dev->lock);
		buf = quarantine_take(&dev->quarantine);
		gralloc_mtx_unlock(&dev->lock);
	}
	return buf ? buf : malloc(sizeof(*buf));
}

struct gralloc_buffer *gralloc_buffer_struct_alloc(struct gralloc_device *dev)
{
	struct gralloc_buffer *buf = gralloc_buffer_struct_take(dev);

	if (buf)
		memset(buf, 0, sizeof(*buf));
	return buf;
}

void gralloc_buffer_struct_free(struct gralloc_device *dev, struct gralloc_buffer *buf)
{
	struct gralloc_buffer *old;

	gralloc_mtx_lock(&dev->lock);
	old = quarantine_put(&dev->quarantine, buf);
	gralloc_mtx_unlock(&dev->lock);
	free(old);
}
