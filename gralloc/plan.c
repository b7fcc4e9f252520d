/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gralloc/plan.h"

static bool protected_pattern_names(const struct gralloc_policy *policy, const char *name)
{
	const struct policy_order *o = &policy->orders[CLASS_PROTECTED];

	for (size_t i = 0; i < o->count; i++)
		if (!fnmatch(o->patterns[i], name, 0))
			return true;
	return false;
}

/* A node by device number: names lie (a renamed node, a second mknod of
 * the same heap, a symlink), st_rdev does not. 0 when absent. */
static dev_t node_rdev(const struct gralloc_device *dev, const char *node)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dev->heap_dir, node);
	if (stat(path, &st) < 0 || !S_ISCHR(st.st_mode))
		return 0;
	return st.st_rdev;
}

int plan_heap_security(const struct gralloc_device *dev, const char *name, char *why,
		       size_t len)
{
	const struct gralloc_policy *p = dev->policy;
	const struct policy_heap *heap = policy_find_heap((struct gralloc_policy *)p, name);
	dev_t rdev;

	if (!heap)
		return protected_pattern_names(p, name) ? HEAP_RESERVED : HEAP_PLAIN;
	if (heap->kind != HEAP_KIND_SECURE)
		return HEAP_PLAIN;
	rdev = node_rdev(dev, heap->node);
	for (size_t i = 0; rdev && i < p->num_heaps; i++) {
		const struct policy_heap *other = &p->heaps[i];

		if (other->kind == HEAP_KIND_SECURE || node_rdev(dev, other->node) != rdev)
			continue;
		if (why)
			snprintf(why, len, "declared secure, but %s/%s is the same device as "
				 "non-secure heap '%s' (%s/%s): protected content never lands "
				 "there", dev->heap_dir, heap->node, other->name, dev->heap_dir,
				 other->node);
		return HEAP_FAKE_SECURE;
	}
	return HEAP_SECURE;
}

bool policy_heap_is_secure(const struct gralloc_device *dev, const char *name)
{
	return plan_heap_security(dev, name, NULL, 0) == HEAP_SECURE;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Heap names a pattern stands for: declared heaps and heap nodes present,
 * sorted so the order is stable across runs. Protected patterns stand for
 * declared secure heaps only: a node nobody declared is never trusted
 * with protected content, whatever its name. Returns how many matched,
 * which may be more than `max` (only `max` are stored). */
static size_t expand_pattern(struct gralloc_device *dev, enum policy_class cls,
			     const char *pattern, char (*names)[POLICY_NAME_MAX], size_t max)
{
	const struct gralloc_policy *p = dev->policy;
	size_t n = 0, matched = 0;
	DIR *dir = NULL;
	struct dirent *ent;

	if (!strpbrk(pattern, "*?[")) {
		gralloc_copy_name(names[0], POLICY_NAME_MAX, pattern);
		return 1;
	}
	for (size_t i = 0; i < p->num_heaps; i++) {
		if (fnmatch(pattern, p->heaps[i].name, 0) ||
		    (cls == CLASS_PROTECTED && p->heaps[i].kind != HEAP_KIND_SECURE))
			continue;
		matched++;
		if (n < max)
			gralloc_copy_name(names[n++], POLICY_NAME_MAX, p->heaps[i].name);
	}
	if (cls != CLASS_PROTECTED)
		dir = opendir(dev->heap_dir);
	while (dir && (ent = readdir(dir))) {
		bool dup = false;

		if (ent->d_name[0] == '.' || fnmatch(pattern, ent->d_name, 0) ||
		    strlen(ent->d_name) >= POLICY_NAME_MAX ||
		    policy_find_heap(dev->policy, ent->d_name))
			continue;
		for (size_t i = 0; i < n; i++)
			dup |= !strcmp(names[i], ent->d_name);
		if (dup)
			continue;
		matched++;
		if (n < max)
			gralloc_copy_name(names[n++], POLICY_NAME_MAX, ent->d_name);
	}
	if (dir)
		closedir(dir);
	qsort(names, n, POLICY_NAME_MAX, cmp_names);
	return matched;
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
	char fake_why[384];
	int security = plan_heap_security(dev, name, fake_why, sizeof(fake_why));
	bool contiguous = heap && heap->kind == HEAP_KIND_CMA;

	plan->num_heaps++;
	for (size_t b = 0; b < gralloc_backend_impl_count; b++) {
		struct gralloc_backend *backend = dev->backends[b];
		struct plan_candidate *c;

		if (!backend || !backend->impl->uses_heaps)
			continue;
		c = add(plan, backend, name, node);
		if (!c)
			return;
		if (security == HEAP_FAKE_SECURE) {
			snprintf(c->reason, sizeof(c->reason), "%s", fake_why);
			continue;
		}
		if (plan->cls == CLASS_PROTECTED && security != HEAP_SECURE) {
			snprintf(c->reason, sizeof(c->reason), "%s",
				 heap ? "not a secure heap: protected content never lands here" :
					"undeclared heap: protected content goes only to heaps "
					"declared kind=secure");
			continue;
		}
		if (plan->cls != CLASS_PROTECTED && security != HEAP_PLAIN) {
			snprintf(c->reason, sizeof(c->reason), "%s",
				 security == HEAP_SECURE ?
					 "secure heap: serves protected requests only" :
					 "undeclared, but a protected pattern names it: reserved "
					 "for protected content, serves nothing until declared");
			continue;
		}
		if (check_backend(backend, desc, plan, c->reason, sizeof(c->reason)))
			continue;
		if (backend->impl->status(backend, node, c->reason, sizeof(c->reason)))
			continue;
		c->verdict = GRALLOC_VERDICT_FALLBACK;
		c->not_contiguous = plan->cls == CLASS_CONTIGUOUS && !contiguous;
		snprintf(c->reason, sizeof(c->reason), "%s heap%s%s%s",
			 heap ? policy_kind_names[heap->kind] : "undeclared",
			 heap && !heap->cached ? ", uncached" : "",
			 strcmp(node, name) ? " (renamed node)" : "",
			 c->not_contiguous ? "; NOT guaranteed contiguous: scattered pages "
					     "unless the heap says otherwise (declare it kind=cma "
					     "if it is)" : "");
	}
}

static void plan_fallback(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
			  struct plan *plan, const char *name)
{
	for (size_t b = 0; b < gralloc_backend_impl_count; b++) {
		struct gralloc_backend *backend = dev->backends[b];
		struct plan_candidate *c;

		if (!backend || strcmp(backend->impl->name, name) || backend->impl->import_only)
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
		snprintf(plan->exclusive, sizeof(plan->exclusive),
			 "%.160s needs memory of %.100s (%.160s)",
			 opts->owner_name ? opts->owner_name : "a consumer", opts->own_device,
			 opts->owner_why ? opts->owner_why : "");
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
		size_t n = expand_pattern(dev, plan->cls, order->patterns[i], names,
					  PLAN_MAX_HEAPS);
		size_t dropped = n > PLAN_MAX_HEAPS ? n - PLAN_MAX_HEAPS : 0;

		if (n == 0) {
			struct plan_candidate *c = add(plan, NULL, order->patterns[i], "");

			if (c)
				snprintf(c->reason, sizeof(c->reason),
					 "no %sheap matches '%s'%s%s",
					 plan->cls == CLASS_PROTECTED ? "declared secure " : "",
					 order->patterns[i],
					 plan->cls == CLASS_PROTECTED ? "" : " in ",
					 plan->cls == CLASS_PROTECTED ? "" : dev->heap_dir);
		}
		for (size_t k = 0; k < n - dropped; k++) {
			if (seen_heap(plan, names[k]))
				continue;
			if (plan->num_heaps == PLAN_MAX_HEAPS) {
				dropped++;
				continue;
			}
			plan_heap(dev, desc, plan, names[k]);
		}
		if (dropped) {
			struct plan_candidate *c = add(plan, NULL, order->patterns[i], "");

			/* Said, never silent: explain shows it as a step. */
			if (c)
				snprintf(c->reason, sizeof(c->reason),
					 "%zu more heap%s match '%s' than a plan holds (%d "
					 "heaps): not tried", dropped, dropped == 1 ? "" : "s",
					 order->patterns[i], PLAN_MAX_HEAPS);
		}
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
