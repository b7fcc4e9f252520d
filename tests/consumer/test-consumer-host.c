/* SPDX-License-Identifier: MIT */
/* Consumer-aware allocation rules that need no device: format
 * intersection, alignment merge, placement conflicts, dma-buf need. Only
 * memfd allocates on this host, so these run against it. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "gralloc/consumer_private.h"
#include "test.h"
#include "memfd-device.h"

static const struct gralloc_buffer_desc cpu_desc = {
	.width = 100, .height = 50, .format = DRM_FORMAT_XRGB8888, .layer_count = 1, .usage = GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN, .name = "consumers",
};

TEST(cpu_and_process_share_memfd)
{
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_consumer *cs[2] = { gralloc_consumer_create_cpu(),
					   gralloc_consumer_create_process() };
	struct gralloc_buffer_info info;
	struct gralloc_buffer *b;

	CHECK(dev && cs[0] && cs[1]);
	b = gralloc_buffer_allocate_for(dev, &cpu_desc, cs, 2);
	CHECK(b);
	gralloc_buffer_describe(b, &info);
	CHECK_STR(info.backend, "memfd");
	CHECK_STR(gralloc_consumer_name(cs[1]), "another process");
	gralloc_buffer_free(dev, b);
	gralloc_consumer_destroy(cs[0]);
	gralloc_consumer_destroy(cs[1]);
	gralloc_device_destroy(dev);
}

TEST(format_outside_a_consumer_is_named)
{
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_consumer *c = gralloc_consumer_new("plane 7 of a test display");

	CHECK(dev && c);
	CHECK_EQ(gralloc_consumer_add_format(c, DRM_FORMAT_ARGB8888, DRM_FORMAT_MOD_LINEAR), 0);
	CHECK(gralloc_buffer_allocate_for(dev, &cpu_desc, &c, 1) == NULL);
	CHECK_EQ(errno, ENOTSUP);
	CHECK(strstr(gralloc_last_error(), "plane 7 of a test display cannot use XRGB8888"));
	/* A format it lists, but only tiled: still not LINEAR. */
	CHECK_EQ(gralloc_consumer_add_format(c, DRM_FORMAT_XRGB8888, I915_FORMAT_MOD_X_TILED), 0);
	CHECK(gralloc_buffer_allocate_for(dev, &cpu_desc, &c, 1) == NULL);
	CHECK_EQ(errno, ENOTSUP);
	gralloc_consumer_destroy(c);
	gralloc_device_destroy(dev);
}

TEST(alignment_merged_and_import_accepts_it)
{
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_consumer *c = gralloc_consumer_new("a 256-byte-row engine");
	struct gralloc_buffer_info info;
	struct gralloc_buffer *b, *imported;
	uint8_t handle[1024];
	int fds[GRALLOC_MAX_PLANES];
	uint32_t nfds = GRALLOC_MAX_PLANES;
	int len;

	CHECK(dev && c);
	c->stride_align = 256;
	b = gralloc_buffer_allocate_for(dev, &cpu_desc, &c, 1);
	CHECK(b);
	gralloc_buffer_describe(b, &info);
	CHECK_EQ(info.planes[0].stride % 256, 0);
	CHECK_EQ(info.planes[0].stride, 512); /* 400 bytes of pixels */
	/* Another process recomputes the layout and must agree. */
	len = gralloc_handle_serialize(b, handle, sizeof(handle), fds, &nfds);
	CHECK(len > 0);
	imported = gralloc_handle_import(dev, handle, (size_t)len, fds, nfds);
	CHECK(imported);
	gralloc_buffer_free(dev, imported);
	gralloc_buffer_free(dev, b);
	gralloc_consumer_destroy(c);
	gralloc_device_destroy(dev);
}

TEST(bad_alignment_refused)
{
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_consumer *c = gralloc_consumer_new("odd");

	CHECK(dev && c);
	c->stride_align = 96;
	CHECK(gralloc_buffer_allocate_for(dev, &cpu_desc, &c, 1) == NULL);
	CHECK_EQ(errno, ENOTSUP);
	c->stride_align = 8192;
	CHECK(gralloc_buffer_allocate_for(dev, &cpu_desc, &c, 1) == NULL);
	CHECK_EQ(errno, ENOTSUP);
	gralloc_consumer_destroy(c);
	gralloc_device_destroy(dev);
}

TEST(two_own_devices_cannot_both_be_served)
{
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_consumer *cs[2] = { gralloc_consumer_new("display A"),
					   gralloc_consumer_new("GPU B") };

	CHECK(dev && cs[0] && cs[1]);
	for (int i = 0; i < 2; i++) {
		cs[i]->imports_foreign = false;
		snprintf(cs[i]->own_device, sizeof(cs[i]->own_device), "/dev/dri/card%d", i);
	}
	CHECK(gralloc_buffer_allocate_for(dev, &cpu_desc, cs, 2) == NULL);
	CHECK_EQ(errno, ENOTSUP);
	CHECK(strstr(gralloc_last_error(), "display A needs memory of /dev/dri/card0"));
	CHECK(gralloc_explain_for(dev, &cpu_desc, cs, 2) == NULL);
	gralloc_consumer_destroy(cs[0]);
	gralloc_consumer_destroy(cs[1]);
	gralloc_device_destroy(dev);
}

TEST(own_device_missing_fails_with_reason)
{
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_consumer *c = gralloc_consumer_new("a GPU that imports nothing");
	struct gralloc_explanation *e;
	struct gralloc_candidate cand;

	CHECK(dev && c);
	c->imports_foreign = false;
	snprintf(c->own_device, sizeof(c->own_device), "/nonexistent/card9");
	snprintf(c->why, sizeof(c->why), "its driver maps buffers through its own device");
	e = gralloc_explain_for(dev, &cpu_desc, &c, 1);
	CHECK(e);
	CHECK(strstr(gralloc_explanation_summary(e), "for a GPU that imports nothing"));
	CHECK_EQ(gralloc_explanation_get(e, 0, &cand), 0);
	CHECK_STR(cand.backend, "drm-dumb");
	CHECK_EQ(cand.verdict, GRALLOC_VERDICT_SKIPPED);
	CHECK(strstr(cand.reason, "/nonexistent/card9"));
	/* memfd could hold the pixels, but that consumer could not use it. */
	for (size_t i = 1; i < gralloc_explanation_count(e); i++) {
		CHECK_EQ(gralloc_explanation_get(e, i, &cand), 0);
		CHECK_EQ(cand.verdict, GRALLOC_VERDICT_SKIPPED);
	}
	gralloc_explanation_destroy(e);
	CHECK(gralloc_buffer_allocate_for(dev, &cpu_desc, &c, 1) == NULL);
	/* The consumers' names, made only for this message. */
	CHECK(strstr(gralloc_last_error(), "no memory for all of a GPU that imports nothing"));
	gralloc_consumer_destroy(c);
	gralloc_device_destroy(dev);
}

TEST(dma_buf_need_excludes_memfd)
{
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_consumer *c = gralloc_consumer_new("an importer");
	struct gralloc_explanation *e;
	struct gralloc_candidate cand;
	bool memfd_skipped = false;

	CHECK(dev && c);
	c->needs_dma_buf = true;
	e = gralloc_explain_for(dev, &cpu_desc, &c, 1);
	CHECK(e);
	for (size_t i = 0; i < gralloc_explanation_count(e); i++) {
		gralloc_explanation_get(e, i, &cand);
		if (!strcmp(cand.backend, "memfd"))
			memfd_skipped = cand.verdict == GRALLOC_VERDICT_SKIPPED &&
					strstr(cand.reason, "no dma-buf");
	}
	CHECK(memfd_skipped);
	gralloc_explanation_destroy(e);
	CHECK(gralloc_buffer_allocate_for(dev, &cpu_desc, &c, 1) == NULL);
	gralloc_consumer_destroy(c);
	gralloc_device_destroy(dev);
}

TEST(argument_checks)
{
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_consumer *cs[GRALLOC_MAX_CONSUMERS + 1] = { 0 };

	CHECK(dev);
	CHECK(gralloc_buffer_allocate_for(dev, &cpu_desc, cs, 1) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK(gralloc_buffer_allocate_for(dev, &cpu_desc, cs, GRALLOC_MAX_CONSUMERS + 1) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK(gralloc_buffer_allocate_for(dev, NULL, NULL, 0) == NULL);
	CHECK(gralloc_buffer_allocate_for(NULL, &cpu_desc, NULL, 0) == NULL);
	gralloc_consumer_destroy(NULL);
	CHECK_STR(gralloc_consumer_name(NULL), "");
	gralloc_device_destroy(dev);
}

int main(void)
{
	return test_run_all();
}
