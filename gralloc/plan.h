/* SPDX-License-Identifier: MIT */
/* The planner: one ordered candidate list per request, used by both
 * allocation and explain so that what is explained is what happens. */
#ifndef GRALLOC_PLAN_H
#define GRALLOC_PLAN_H

#include "gralloc/policy.h"
#include "gralloc/private.h"

/* Distinct heaps one plan considers; more matches are listed as one
 * "not tried" step. Candidates: every heap backend for each heap, a
 * claim, a note per pattern and the fallbacks, so add() never runs out. */
#define PLAN_MAX_HEAPS 64
#define PLAN_HEAP_BACKENDS 2 /* dma-heap, ion */
#define PLAN_MAX_CANDIDATES \
	(PLAN_HEAP_BACKENDS * PLAN_MAX_HEAPS + 1 + POLICY_MAX_PATTERNS + POLICY_MAX_FALLBACKS)

struct plan_candidate {
	struct gralloc_backend *backend;
	char heap[POLICY_NAME_MAX];
	char node[POLICY_NAME_MAX];
	enum gralloc_verdict verdict;
	/* Usable for a contiguous request, but nothing says its memory is. */
	bool not_contiguous;
	char reason[384];
};

struct plan {
	enum policy_class cls;
	const char *class_why;
	/* Set when a backend's must_serve() claimed the request. */
	char exclusive[384];
	bool needs_dma_buf;
	size_t num_heaps;
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
	/* Who that consumer is and why, for the plan's reasons: formatted
	 * only when a plan is made, not on every allocation. */
	const char *owner_name, *owner_why;
	/* Some consumer needs a dma-buf (memfd will not do). */
	bool needs_dma_buf;
};

/* Fills `out`; the descriptor must already be valid. `opts` may be NULL. */
void gralloc_plan(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
		  struct plan *out);
void gralloc_plan_ex(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
		     const struct plan_options *opts, struct plan *out);

/* What a heap is to protected content. Secure means declared kind=secure
 * AND its node is a different device (st_rdev) from the node of every heap
 * the policy declares non-secure. */
enum heap_security {
	HEAP_PLAIN,       /* ordinary memory */
	HEAP_SECURE,
	HEAP_FAKE_SECURE, /* declared secure, but the node is a non-secure heap's */
	HEAP_RESERVED,    /* undeclared, named by a protected pattern: serves nothing */
};
/* enum heap_security; `why` (may be NULL) says what makes a fake. */
int plan_heap_security(const struct gralloc_device *dev, const char *name, char *why,
		       size_t len);
bool policy_heap_is_secure(const struct gralloc_device *dev, const char *name);

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
