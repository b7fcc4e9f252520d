/* SPDX-License-Identifier: MIT */
/* Consumer-aware allocation: intersect what every consumer accepts, merge
 * their alignment and placement, and allocate what all of them can use. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <drm_fourcc.h>

#include "formats/formats.h"
#include "gralloc/consumer_private.h"
#include "gralloc/plan.h"

struct gralloc_consumer *gralloc_consumer_new(const char *name)
{
	struct gralloc_consumer *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	gralloc_copy_name(c->name, sizeof(c->name), name);
	c->any_format = true;
	c->imports_foreign = true;
	return c;
}

static bool align_ok(uint32_t a)
{
	return !(a & (a - 1)) && a <= GRALLOC_MAX_MIN_ALIGN;
}

GRALLOC_EXPORT struct gralloc_consumer *
gralloc_consumer_create(const char *name, const struct gralloc_consumer_desc *desc)
{
	struct gralloc_consumer_desc d = { 0 };
	struct gralloc_consumer *c;
	int ret = 0;

	if (desc)
		ret = gralloc_struct_in(&d, sizeof(d), desc,
					GRALLOC_V1_SIZE(struct gralloc_consumer_desc, why),
					"gralloc_consumer_desc");
	else
		d = (struct gralloc_consumer_desc){ .any_format = true, .imports_foreign = true };
	if (!ret && (!align_ok(d.stride_align) || !align_ok(d.plane_align))) {
		gralloc_log(ERROR, "consumer alignment %u/%u: powers of two up to %u only",
			    d.stride_align, d.plane_align, GRALLOC_MAX_MIN_ALIGN);
		ret = -EINVAL;
	}
	if (!ret && (d.usage & ~GRALLOC_USAGE_ALL)) {
		gralloc_log(ERROR, "consumer usage 0x%llx has unknown bits",
			    (unsigned long long)d.usage);
		ret = -EINVAL;
	}
	if (ret) {
		errno = -ret;
		return NULL;
	}
	c = gralloc_consumer_new(name);
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->usage = d.usage;
	c->any_format = d.any_format;
	c->needs_dma_buf = d.needs_dma_buf;
	c->imports_foreign = d.imports_foreign;
	c->stride_align = d.stride_align;
	c->plane_align = d.plane_align;
	gralloc_copy_name(c->own_device, sizeof(c->own_device),
			  d.imports_foreign ? "" : d.own_device);
	gralloc_copy_name(c->why, sizeof(c->why), d.why);
	return c;
}

GRALLOC_EXPORT int gralloc_consumer_add_format(struct gralloc_consumer *c, uint32_t format,
					   uint64_t modifier)
{
	struct gralloc_format_modifier *f;

	if (!c) {
		gralloc_log(ERROR, "consumer must not be NULL");
		return -(errno = EINVAL);
	}
	if (c->num_formats % 64 == 0) {
		f = realloc(c->formats, (c->num_formats + 64) * sizeof(*f));
		if (!f) {
			gralloc_log(ERROR, "out of memory for consumer formats");
			return -(errno = ENOMEM);
		}
		c->formats = f;
	}
	c->formats[c->num_formats++] = (struct gralloc_format_modifier){ format, modifier };
	c->any_format = false;
	return 0;
}

bool gralloc_consumer_accepts(const struct gralloc_consumer *c, uint32_t format,
			      uint64_t modifier)
{
	if (c->any_format)
		return modifier == DRM_FORMAT_MOD_LINEAR;
	for (size_t i = 0; i < c->num_formats; i++)
		if (c->formats[i].format == format && c->formats[i].modifier == modifier)
			return true;
	return false;
}

GRALLOC_EXPORT struct gralloc_consumer *gralloc_consumer_create_cpu(void)
{
	struct gralloc_consumer *c = gralloc_consumer_new("the CPU");

	if (!c)
		errno = ENOMEM;
	return c;
}

GRALLOC_EXPORT struct gralloc_consumer *gralloc_consumer_create_process(void)
{
	/* Every backend hands out fds, so any memory crosses a socket; what
	 * a process does with it is said by the usage bits. */
	struct gralloc_consumer *c = gralloc_consumer_new("another process");

	if (!c)
		errno = ENOMEM;
	return c;
}

GRALLOC_EXPORT void gralloc_consumer_destroy(struct gralloc_consumer *c)
{
	if (!c)
		return;
	if (c->destroy_priv)
		c->destroy_priv(c->priv);
	free(c->formats);
	free(c);
}

GRALLOC_EXPORT const char *gralloc_consumer_name(const struct gralloc_consumer *c)
{
	return c ? c->name : "";
}

GRALLOC_EXPORT bool gralloc_consumer_imports_foreign(const struct gralloc_consumer *c)
{
	return c && c->imports_foreign;
}

/* Everything the consumers ask for, merged. */
struct merged {
	struct gralloc_buffer_desc desc; /* usage widened */
	uint32_t align;
	struct plan_options opts;
};

/* "a, b, c": for messages only, so made only when one is printed. */
static void consumer_names(struct gralloc_consumer *const *cs, size_t count, char *out,
			   size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		size_t used = strlen(out);

		snprintf(out + used, len - used, "%s%s", i ? ", " : "", cs[i]->name);
	}
}

static int merge(const struct gralloc_buffer_desc *desc, struct gralloc_consumer *const *cs,
		 size_t count, struct merged *m)
{
	const struct gralloc_consumer *owner = NULL;
	const struct gralloc_format_info *f;
	int ret;

	memset(m, 0, sizeof(*m));
	if (!desc || (count && !cs) || count > GRALLOC_MAX_CONSUMERS) {
		gralloc_log(ERROR, "descriptor and 0..%d consumers required", GRALLOC_MAX_CONSUMERS);
		return -EINVAL;
	}
	ret = gralloc_desc_in(&m->desc, desc);
	if (ret)
		return ret;
	m->opts.consumers_known = true;
	for (size_t i = 0; i < count; i++) {
		const struct gralloc_consumer *c = cs[i];

		if (!c) {
			gralloc_log(ERROR, "consumer %zu is NULL", i);
			return -EINVAL;
		}
		if ((c->min_width && desc->width < c->min_width) ||
		    (c->min_height && desc->height < c->min_height) ||
		    (c->max_width && desc->width > c->max_width) ||
		    (c->max_height && desc->height > c->max_height)) {
			gralloc_log(ERROR, "%s takes %ux%u to %ux%u buffers, not %ux%u", c->name,
				    c->min_width, c->min_height, c->max_width, c->max_height,
				    desc->width, desc->height);
			return -EINVAL;
		}
		m->desc.usage |= c->usage;
		if (c->stride_align > m->align)
			m->align = c->stride_align;
		if (c->plane_align > m->align)
			m->align = c->plane_align;
		m->opts.needs_dma_buf |= c->needs_dma_buf;
		if (c->imports_foreign)
			continue;
		if (!c->own_device[0]) {
			gralloc_log(ERROR, "%s can use no memory gralloc allocates (%s)", c->name,
				    c->why);
			return -ENOTSUP;
		}
		if (owner && strcmp(owner->own_device, c->own_device)) {
			gralloc_log(ERROR, "%s needs memory of %s and %s needs memory of %s: no "
				    "buffer can serve both", owner->name, owner->own_device, c->name,
				    c->own_device);
			return -ENOTSUP;
		}
		owner = c;
	}
	ret = gralloc_desc_validate(&m->desc, &f);
	if (ret)
		return ret;
	if (m->align & (m->align - 1) || m->align > GRALLOC_MAX_MIN_ALIGN) {
		gralloc_log(ERROR, "consumers need %u-byte alignment; gralloc supports powers of "
			    "two up to %u", m->align, GRALLOC_MAX_MIN_ALIGN);
		return -ENOTSUP;
	}
	for (size_t i = 0; i < count; i++) {
		if (!gralloc_consumer_accepts(cs[i], desc->format, DRM_FORMAT_MOD_LINEAR)) {
			gralloc_log(ERROR, "%s cannot use %s with the LINEAR modifier", cs[i]->name,
				    f->name);
			return -ENOTSUP;
		}
	}
	/* Secure heaps are no device's own memory: the two cannot meet. */
	if (owner && (m->desc.usage & GRALLOC_USAGE_PROTECTED_CONTENT)) {
		gralloc_log(ERROR, "%s can use only memory of %s (%s), and protected content "
			    "comes only from secure heaps: not supported", owner->name,
			    owner->own_device, owner->why);
		return -ENOTSUP;
	}
	if (owner) {
		m->opts.own_device = owner->own_device;
		m->opts.owner_name = owner->name;
		m->opts.owner_why = owner->why;
	}
	return 0;
}

GRALLOC_EXPORT struct gralloc_buffer *
gralloc_buffer_allocate_for(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
			    struct gralloc_consumer *const *consumers, size_t count)
{
	struct merged m;
	struct gralloc_buffer *buf;
	int ret = merge(desc, consumers, count, &m);

	if (ret) {
		errno = -ret;
		return NULL;
	}
	buf = gralloc_buffer_create(dev, &m.desc, m.align, &m.opts);
	if (!buf && count) {
		int err = errno;
		char names[512];

		consumer_names(consumers, count, names, sizeof(names));
		gralloc_log(ERROR, "no memory for all of %s: %s", names, gralloc_last_error());
		errno = err;
	}
	return buf;
}

GRALLOC_EXPORT struct gralloc_explanation *
gralloc_explain_for(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
		    struct gralloc_consumer *const *consumers, size_t count)
{
	struct merged m;
	char names[512];
	int ret = merge(desc, consumers, count, &m);

	if (ret) {
		errno = -ret;
		return NULL;
	}
	consumer_names(consumers, count, names, sizeof(names));
	return gralloc_explain_ex(dev, &m.desc, m.align, &m.opts, names);
}
