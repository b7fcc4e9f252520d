/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gralloc/plan.h"

/* Undeclared heaps (found in the heap directory) are secure when a
 * protected pattern names them: a vendor's "secure_video" must never be
 * handed out for ordinary memory just because nobody declared it. */
bool policy_heap_is_secure(const struct gralloc_policy *policy, const char *name)
{
	const struct policy_order *o = &policy->orders[CLASS_PROTECTED];
	const struct policy_heap *heap =
		policy_find_heap((struct gralloc_policy *)policy, name);

	if (heap)
		return heap->kind == HEAP_KIND_SECURE;
	for (size_t i = 0; i < o->count; i++)
		if (!fnmatch(o->patterns[i], name, 0))
			return true;
	return false;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Heap names a pattern stands for: declared heaps and heap nodes present,
 * sorted so the order is stable across runs. */
static size_t expand_pattern(struct gralloc_device *dev, const char *pattern,
			     char (*names)[POLICY_NAME_MAX], size_t max)
{
	const struct gralloc_policy *p = dev->policy;
	size_t n = 0;
	DIR *dir;
	struct dirent *ent;

	if (!strpbrk(pattern, "*?[")) {
		gralloc_copy_name(names[0], POLICY_NAME_MAX, pattern);
		return 1;
	}
	for (size_t i = 0; i < p->num_heaps && n < max; i++)
		if (!fnmatch(pattern, p->heaps[i].name, 0))
			gralloc_copy_name(names[n++], POLICY_NAME_MAX, p->heaps[i].name);
	dir = opendir(dev->heap_dir);
	while (dir && (ent = readdir(dir)) && n < max) {
		bool dup = false;

		if (ent->d_name[0] == '.' || fnmatch(pattern, ent->d_name, 0))
			continue;
		for (size_t i = 0; i < n; i++)
			dup |= !strcmp(names[i], ent->d_name);
		if (!dup && strlen(ent->d_name) < POLICY_NAME_MAX)
			gralloc_copy_name(names[n++], POLICY_NAME_MAX, ent->d_name);
	}
	if (dir)
		closedir(dir);
	qsort(names, n, POLICY_NAME_MAX, cmp_names);
	return n;
}

static struct plan_candidate *add(struct plan *plan, struct gralloc_backend *backend,
				  const char *heap, const char *node)
{
	struct plan_candidate *c;

	if (plan->count == PLAN_MAX_CANDIDATES)
		return NULL;
	c = &plan->c[plan->count++];
	memset(c, 0, sizeof(*c));
	c->backend = backend;
	gralloc_copy_name(c->heap, sizeof(c->heap), heap);
	gralloc_copy_name(c->node, sizeof(c->node), node);
	c->verdict = GRALLOC_VERDICT_SKIPPED;
	return c;
}

static bool seen_heap(const struct plan *plan, const char *heap)
{
	for (size_t i = 0; i < plan->count; i++)
		if (plan->c[i].heap[0] && !strcmp(plan->c[i].heap, heap))
			return true;
	return false;
}

/* The backend's declared abilities against the request; 0 or a reason. */
static int check_backend(struct gralloc_backend *b, const struct gralloc_buffer_desc *desc,
			 const struct plan *plan, char *why, size_t len)
{
	enum policy_class cls = plan->cls;

	const struct gralloc_backend_impl *impl = b->impl;
	uint64_t missing = desc->usage & ~impl->usage_mask;

	if (missing) {
		char names[160];

		gralloc_usage_to_string(missing, names, sizeof(names));
		snprintf(why, len, "%s cannot serve usage %s%s", impl->name, names,
			 impl->dma_buf ? "" : " (CPU-only memory, no dma-buf)");
		return -ENOTSUP;
	}
	if (plan->needs_dma_buf && !impl->dma_buf) {
		snprintf(why, len, "%s memory is no dma-buf, and a consumer needs one", impl->name);
		return -ENOTSUP;
	}
	if (cls == CLASS_CONTIGUOUS && !impl->contiguous_ok) {
		snprintf(why, len, "%s memory is scattered pages: devices without an "
			 "IOMMU cannot use it", impl->name);
		return -ENOTSUP;
	}
	return 0;
}

static void plan_heap(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
		      struct plan *plan, const char *name)
{
	struct gralloc_policy *p = dev->policy;
	const struct policy_heap *heap = policy_find_heap(p, name);
	const char *node = heap ? heap->node : name;
	bool secure = policy_heap_is_secure(p, name);

	for (size_t b = 0; b < gralloc_backend_impl_count; b++) {
		struct gralloc_backend *backend = dev->backends[b];
		struct plan_candidate *c;

		if (!backend || !backend->impl->uses_heaps)
			continue;
		c = add(plan, backend, name, node);
		if (!c)
			return;
		if (plan->cls == CLASS_PROTECTED && !secure) {
			snprintf(c->reason, sizeof(c->reason),
				 "not a secure heap: protected content never lands here");
			continue;
		}
		if (plan->cls != CLASS_PROTECTED && secure) {
			snprintf(c->reason, sizeof(c->reason),
				 "secure heap: serves protected requests only");
			continue;
		}
		if (check_backend(backend, desc, plan, c->reason, sizeof(c->reason)))
			continue;
		if (backend->impl->status(backend, node, c->reason, sizeof(c->reason)))
			continue;
		c->verdict = GRALLOC_VERDICT_FALLBACK;
		snprintf(c->reason, sizeof(c->reason), "%s heap%s%s",
			 heap ? policy_kind_names[heap->kind] : "undeclared",
			 heap && !heap->cached ? ", uncached" : "",
			 strcmp(node, name) ? " (renamed node)" : "");
	}
}

static void plan_fallback(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
			  struct plan *plan, const char *name)
{
	for (size_t b = 0; b < gralloc_backend_impl_count; b++) {
		struct gralloc_backend *backend = dev->backends[b];
		struct plan_candidate *c;

		if (!backend || strcmp(backend->impl->name, name))
			continue;
		if (plan->exclusive[0] && plan->c[0].backend == backend)
			continue; /* already first */
		c = add(plan, backend, "", "");
		if (!c)
			return;
		if (plan->cls == CLASS_PROTECTED) {
			snprintf(c->reason, sizeof(c->reason),
				 "protected requests never fall back to non-secure memory");
			continue;
		}
		if (check_backend(backend, desc, plan, c->reason, sizeof(c->reason)))
			continue;
		if (backend->impl->status(backend, NULL, c->reason, sizeof(c->reason)))
			continue;
		c->verdict = GRALLOC_VERDICT_FALLBACK;
		snprintf(c->reason, sizeof(c->reason), "%s",
			 backend->impl->dma_buf ? "dma-buf fallback" : "CPU-only fallback (no dma-buf)");
	}
}

/* `backend` claims the request (plan->exclusive says why): it goes first,
 * usable when its declared abilities and its status allow. `node` is what
 * its status and allocation are asked about (NULL: its default). */
static void claim(struct gralloc_backend *backend, const struct gralloc_buffer_desc *desc,
		  struct plan *plan, const char *node)
{
	struct plan_candidate *c = add(plan, backend, "", node ? node : "");

	if (!c)
		return;
	if (!check_backend(backend, desc, plan, c->reason, sizeof(c->reason)) &&
	    !backend->impl->status(backend, node, c->reason, sizeof(c->reason))) {
		c->verdict = GRALLOC_VERDICT_FALLBACK;
		snprintf(c->reason, sizeof(c->reason), "%s", plan->exclusive);
	}
}

/* A consumer that can use only one backend's memory (a display that
 * cannot import foreign dma-bufs) puts that backend first. */
static void plan_must_serve(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
			   struct plan *plan)
{
	for (size_t b = 0; b < gralloc_backend_impl_count; b++) {
		struct gralloc_backend *backend = dev->backends[b];

		if (backend && backend->impl->must_serve &&
		    backend->impl->must_serve(backend, desc, plan->exclusive,
					      sizeof(plan->exclusive)) == 1) {
			claim(backend, desc, plan, NULL);
			return;
		}
	}
	plan->exclusive[0] = '\0';
}

/* Memory the claiming consumer cannot use is no fallback at all. */
static void demote_others(struct plan *plan)
{
	for (size_t i = 1; i < plan->count; i++) {
		struct plan_candidate *c = &plan->c[i];

		if (c->verdict == GRALLOC_VERDICT_SKIPPED)
			continue;
		c->verdict = GRALLOC_VERDICT_SKIPPED;
		snprintf(c->reason, sizeof(c->reason), "unusable by the consumer: %.300s",
			 plan->exclusive);
	}
}

/* The consumer's own device claims the request, like must_serve() does for
 * the default display: through the first backend that makes memory of that
 * device (virgl resources on virgl, else dumb buffers). */
static void plan_own_device(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
			    const struct plan_options *opts, struct plan *plan)
{
	struct gralloc_backend *chosen = NULL;
	char why[64];

	for (size_t b = 0; b < gralloc_backend_impl_count; b++) {
		struct gralloc_backend *backend = dev->backends[b];

		if (!backend || !backend->impl->exports_from_display)
			continue;
		chosen = backend; /* when none can, the last one says why */
		if (!check_backend(backend, desc, plan, why, sizeof(why)) &&
		    !backend->impl->status(backend, opts->own_device, why, sizeof(why))) {
			chosen = backend;
			break;
		}
	}
	if (chosen) {
		snprintf(plan->exclusive, sizeof(plan->exclusive), "%s", opts->own_device_why);
		claim(chosen, desc, plan, opts->own_device);
	}
}

void gralloc_plan(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
		  struct plan *plan)
{
	gralloc_plan_ex(dev, desc, NULL, plan);
}

void gralloc_plan_ex(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
		     const struct plan_options *opts, struct plan *plan)
{
	const struct policy_order *order;
	char names[POLICY_MAX_HEAPS][POLICY_NAME_MAX];

	memset(plan, 0, sizeof(*plan));
	plan->cls = policy_classify(dev->policy, desc->usage, &plan->class_why);
	order = &dev->policy->orders[plan->cls];
	plan->needs_dma_buf = opts && opts->needs_dma_buf;
	if (plan->cls != CLASS_PROTECTED && opts && opts->own_device)
		plan_own_device(dev, desc, opts, plan);
	else if (plan->cls != CLASS_PROTECTED && !(opts && opts->consumers_known))
		plan_must_serve(dev, desc, plan);

	for (size_t i = 0; i < order->count; i++) {
		size_t n = expand_pattern(dev, order->patterns[i], names, POLICY_MAX_HEAPS);

		if (n == 0) {
			struct plan_candidate *c = add(plan, NULL, order->patterns[i], "");

			if (c)
				snprintf(c->reason, sizeof(c->reason),
					 "no heap matches '%s' in %s", order->patterns[i],
					 dev->heap_dir);
		}
		for (size_t k = 0; k < n; k++)
			if (!seen_heap(plan, names[k]))
				plan_heap(dev, desc, plan, names[k]);
	}
	for (size_t i = 0; i < dev->policy->num_fallbacks; i++)
		plan_fallback(dev, desc, plan, dev->policy->fallbacks[i]);
	if (plan->exclusive[0])
		demote_others(plan);

	for (size_t i = 0; i < plan->count; i++) {
		if (plan->c[i].verdict == GRALLOC_VERDICT_FALLBACK) {
			plan->c[i].verdict = GRALLOC_VERDICT_SELECTED;
			break;
		}
	}
}
