/* SPDX-License-Identifier: MIT */
/* Explain: the same plan allocate() follows, with its reasons. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/formats.h"
#include "gralloc/routes.h"

struct gralloc_explanation {
	struct plan plan;
	char summary[1536];
};

struct gralloc_explanation *gralloc_explain_ex(struct gralloc_device *dev,
					       const struct gralloc_buffer_desc *desc,
					       uint32_t min_align, const struct plan_options *opts,
					       const char *consumers)
{
	const struct gralloc_format_info *f;
	struct gralloc_layout layout;
	struct gralloc_explanation *e;
	char usage[256], limit_why[384];
	int ret;

	if (!dev) {
		gralloc_log(ERROR, "device must not be NULL");
		errno = EINVAL;
		return NULL;
	}
	ret = gralloc_desc_validate(desc, &f);
	if (!ret)
		ret = gralloc_layout_compute_min(desc, f, min_align, &layout);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		errno = ENOMEM;
		return NULL;
	}
	/* Explain plans afresh and stores nothing: the route cache is
	 * allocation's, and looking must not change what happens. Routes
	 * planned before the heap directory changed are dropped, though,
	 * or the next allocation would not do what this shows. */
	routes_revalidate(dev);
	gralloc_plan_ex(dev, desc, opts, &e->plan);
	if (policy_limit_check(dev->policy, layout.size, limit_why, sizeof(limit_why))) {
		for (size_t i = 0; i < e->plan.count; i++) {
			e->plan.c[i].verdict = GRALLOC_VERDICT_SKIPPED;
			snprintf(e->plan.c[i].reason, sizeof(e->plan.c[i].reason), "%s", limit_why);
		}
	}
	gralloc_usage_to_string(desc->usage, usage, sizeof(usage));
	snprintf(e->summary, sizeof(e->summary),
		 "%s %ux%u usage %s: class %s (%s); %llu bytes in %u plane%s, "
		 "plane 0 stride %u; policy from %s%s%.300s",
		 f->name, desc->width, desc->height, usage, policy_class_names[e->plan.cls],
		 e->plan.class_why, (unsigned long long)layout.size, layout.num_planes,
		 layout.num_planes > 1 ? "s" : "", layout.planes[0].stride, dev->policy->source,
		 consumers ? "; for " : "", consumers ? consumers : "");
	return e;
}

GRALLOC_EXPORT struct gralloc_explanation *
gralloc_explain(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc)
{
	struct gralloc_buffer_desc d;
	int ret = gralloc_desc_in(&d, desc);

	if (ret) {
		errno = -ret;
		return NULL;
	}
	return gralloc_explain_ex(dev, &d, 0, NULL, NULL);
}

GRALLOC_EXPORT size_t gralloc_explanation_count(const struct gralloc_explanation *e)
{
	return e ? e->plan.count : 0;
}

GRALLOC_EXPORT int gralloc_explanation_get(const struct gralloc_explanation *e, size_t index,
					   struct gralloc_candidate *out)
{
	const struct plan_candidate *c;

	if (!e || !out || index >= e->plan.count) {
		gralloc_log(ERROR, "no candidate %zu in this explanation", index);
		return -(errno = EINVAL);
	}
	c = &e->plan.c[index];
	memset(out, 0, sizeof(*out));
	out->backend = c->backend ? c->backend->impl->name : "none";
	out->heap = c->heap;
	out->verdict = c->verdict;
	out->reason = c->reason;
	return 0;
}

GRALLOC_EXPORT const char *gralloc_explanation_summary(const struct gralloc_explanation *e)
{
	return e ? e->summary : "";
}

GRALLOC_EXPORT void gralloc_explanation_destroy(struct gralloc_explanation *e)
{
	free(e);
}
