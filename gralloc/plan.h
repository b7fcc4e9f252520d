/* SPDX-License-Identifier: MIT */
/* The planner: one ordered candidate list per request, used by both
 * allocation and explain so that what is explained is what happens. */
#ifndef GRALLOC_PLAN_H
#define GRALLOC_PLAN_H

#include "gralloc/policy.h"
#include "gralloc/private.h"

#define PLAN_MAX_CANDIDATES 48

struct plan_candidate {
	struct gralloc_backend *backend;
	char heap[POLICY_NAME_MAX];
	char node[POLICY_NAME_MAX];
	enum gralloc_verdict verdict;
	char reason[384];
};

struct plan {
	enum policy_class cls;
	const char *class_why;
	/* Set when a backend's must_serve() claimed the request. */
	char exclusive[384];
	bool needs_dma_buf;
	size_t count;
	struct plan_candidate c[PLAN_MAX_CANDIDATES];
};

/* What the caller knows beyond the descriptor: its consumers. */
struct plan_options {
	/* The consumers are named: do not guess a default display. */
	bool consumers_known;
	/* A consumer that can only use memory of this DRM device; its
	 * drm-dumb memory goes first and everything else is unusable. */
	const char *own_device;
	const char *own_device_why;
	/* Some consumer needs a dma-buf (memfd will not do). */
	bool needs_dma_buf;
};

/* Fills `out`; the descriptor must already be valid. `opts` may be NULL. */
void gralloc_plan(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
		  struct plan *out);
void gralloc_plan_ex(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
		     const struct plan_options *opts, struct plan *out);
bool policy_heap_is_secure(const struct gralloc_policy *policy, const char *name);

/* explain.c: an explanation of gralloc_plan_ex(); `consumers` names them
 * in the summary (NULL: none given). */
struct gralloc_explanation *gralloc_explain_ex(struct gralloc_device *dev,
					       const struct gralloc_buffer_desc *desc,
					       uint32_t min_align, const struct plan_options *opts,
					       const char *consumers);

/* buffer.c: allocation with a minimum alignment and plan options (NULL:
 * the cached routes of a plain request). Sets errno on failure. */
struct gralloc_buffer *gralloc_buffer_create(struct gralloc_device *dev,
					     const struct gralloc_buffer_desc *desc,
					     uint32_t min_align, const struct plan_options *opts);

#endif
