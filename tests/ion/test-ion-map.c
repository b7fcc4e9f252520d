/* SPDX-License-Identifier: MIT */
/* The ION name mapping without an ION kernel: policy heap -> ION heap mask
 * and flags, from the built-in defaults and from config lines, for a kernel
 * that lists its heaps (4.11+) and one that cannot (legacy). Plus the
 * backend's status where no ION exists at all, as on this build machine. */
#include <stdlib.h>
#include <unistd.h>

#include "backends/ion_abi.h"
#include "gralloc/policy.h"
#include "gralloc/private.h"
#include "test.h"

/* A modern kernel's list, ids deliberately unlike the types. */
static const struct ion_heap_data listed[] = {
	{ .name = "ion_system_contig_heap", .type = ION_HEAP_TYPE_SYSTEM_CONTIG, .heap_id = 0 },
	{ .name = "vendor_carveout", .type = ION_HEAP_TYPE_CARVEOUT, .heap_id = 1 },
	{ .name = "ion_system_heap", .type = ION_HEAP_TYPE_SYSTEM, .heap_id = 3 },
	{ .name = "linux,cma", .type = ION_HEAP_TYPE_DMA, .heap_id = 5 },
};
#define NLISTED (sizeof(listed) / sizeof(listed[0]))

static struct gralloc_policy policy;
static char why[256];

/* Resolves `name` in the policy; fills t; returns the resolver's result. */
static int resolve(const char *name, const struct ion_heap_data *heaps, size_t n,
		   struct ion_target *t)
{
	const struct policy_heap *h = policy_find_heap(&policy, name);

	why[0] = '\0';
	if (!h)
		return -999;
	return gralloc_ion_resolve(h, heaps, n, t, why, sizeof(why));
}

static int load(const char *text)
{
	policy_init_defaults(&policy);
	return text ? policy_load_string(&policy, text, "test") : 0;
}

TEST(defaults_modern_by_name_and_type)
{
	struct ion_target t;

	CHECK_EQ(load(NULL), 0);
	CHECK_EQ(resolve("system", listed, NLISTED, &t), 0);
	CHECK_EQ(t.heap_id_mask, 1u << 3);
	CHECK_EQ(t.flags, ION_FLAG_CACHED);
	CHECK_EQ(resolve("system-uncached", listed, NLISTED, &t), 0);
	CHECK_EQ(t.heap_id_mask, 1u << 3);
	CHECK_EQ(t.flags, 0);
	CHECK_EQ(resolve("linux,cma", listed, NLISTED, &t), 0);
	CHECK_EQ(t.heap_id_mask, 1u << 5);
	/* No ION heap named "reserved": the first DMA (CMA) heap serves. */
	CHECK_EQ(resolve("reserved", listed, NLISTED, &t), 0);
	CHECK_EQ(t.heap_id_mask, 1u << 5);
}

TEST(default_system_by_type_when_renamed)
{
	static const struct ion_heap_data vendor[] = {
		{ .name = "mtk_mm", .type = ION_HEAP_TYPE_CUSTOM, .heap_id = 2 },
		{ .name = "vendor_system", .type = ION_HEAP_TYPE_SYSTEM, .heap_id = 7 },
	};
	struct ion_target t;

	CHECK_EQ(load(NULL), 0);
	CHECK_EQ(resolve("system", vendor, 2, &t), 0);
	CHECK_EQ(t.heap_id_mask, 1u << 7);
	CHECK_EQ(resolve("linux,cma", vendor, 2, &t), -ENODEV);
	CHECK(strstr(why, "no DMA/CMA heap"));
	CHECK(strstr(why, "mtk_mm, vendor_system"));
}

TEST(defaults_legacy_conventional_masks)
{
	struct ion_target t;

	CHECK_EQ(load(NULL), 0);
	CHECK_EQ(resolve("system", NULL, 0, &t), 0);
	CHECK_EQ(t.heap_id_mask, ION_HEAP_SYSTEM_MASK);
	CHECK_EQ(t.flags, ION_FLAG_CACHED);
	CHECK_EQ(resolve("system-uncached", NULL, 0, &t), 0);
	CHECK_EQ(t.heap_id_mask, ION_HEAP_SYSTEM_MASK);
	CHECK_EQ(t.flags, 0);
	CHECK_EQ(resolve("linux,cma", NULL, 0, &t), 0);
	CHECK_EQ(t.heap_id_mask, ION_HEAP_TYPE_DMA_MASK);
	CHECK_EQ(resolve("default_cma_region", NULL, 0, &t), 0);
	CHECK_EQ(t.heap_id_mask, ION_HEAP_TYPE_DMA_MASK);
}

TEST(secure_and_other_heaps_need_config)
{
	struct ion_target t;

	CHECK_EQ(load("heap secure-video kind=secure\nheap vendor kind=other\n"), 0);
	CHECK_EQ(resolve("secure-video", listed, NLISTED, &t), -ENOENT);
	CHECK(strstr(why, "no ION mapping for secure heap secure-video"));
	CHECK_EQ(resolve("vendor", NULL, 0, &t), -ENOENT);
	CHECK(strstr(why, "ion-mask="));
}

TEST(config_ion_name)
{
	struct ion_target t;

	CHECK_EQ(load("heap vendor kind=other ion=vendor_carveout\n"
		      "heap missing kind=other ion=nope\n"), 0);
	CHECK_EQ(resolve("vendor", listed, NLISTED, &t), 0);
	CHECK_EQ(t.heap_id_mask, 1u << 1);
	CHECK_EQ(resolve("missing", listed, NLISTED, &t), -ENODEV);
	CHECK(strstr(why, "ION has no heap named nope"));
	CHECK(strstr(why, "ion_system_contig_heap, vendor_carveout, ion_system_heap, linux,cma"));
	/* A legacy kernel cannot say which id a name has. */
	CHECK_EQ(resolve("vendor", NULL, 0, &t), -ENOTSUP);
	CHECK(strstr(why, "ion-mask="));
}

TEST(config_mask_and_flags)
{
	struct ion_target t;

	CHECK_EQ(load("heap system kind=system cached=yes ion-mask=0x100 ion-flags=0x10000\n"
		      "heap system-uncached kind=system cached=no ion-mask=0x4\n"), 0);
	CHECK_EQ(resolve("system", NULL, 0, &t), 0);
	CHECK_EQ(t.heap_id_mask, 0x100);
	CHECK_EQ(t.flags, 0x10000 | ION_FLAG_CACHED);
	/* A mask is used as given on both generations. */
	CHECK_EQ(resolve("system", listed, NLISTED, &t), 0);
	CHECK_EQ(t.heap_id_mask, 0x100);
	CHECK_EQ(resolve("system-uncached", listed, NLISTED, &t), 0);
	CHECK_EQ(t.heap_id_mask, 0x4);
	CHECK_EQ(t.flags, 0);
}

TEST(heap_id_beyond_mask)
{
	static const struct ion_heap_data odd[] = {
		{ .name = "ion_system_heap", .type = ION_HEAP_TYPE_SYSTEM, .heap_id = 40 },
	};
	struct ion_target t;

	CHECK_EQ(load(NULL), 0);
	CHECK_EQ(resolve("system", odd, 1, &t), -ERANGE);
	CHECK(strstr(why, "id 40"));
}

/* Candidate `backend` for `heap` in an explanation, or -1. */
static int find_candidate(const struct gralloc_explanation *e, const char *backend,
			  const char *heap, struct gralloc_candidate *out)
{
	for (size_t i = 0; i < gralloc_explanation_count(e); i++) {
		if (gralloc_explanation_get(e, i, out))
			continue;
		if (!strcmp(out->backend, backend) && !strcmp(out->heap, heap))
			return (int)i;
	}
	return -1;
}

/* No ION here (no kernel since 5.11 has it): explain must say so for the
 * ion candidate rather than fail obscurely, and the device must work. */
TEST(explain_without_ion)
{
	char dir[] = "/tmp/gralloc-ion-map-XXXXXX", reason[256] = "";
	struct gralloc_device_options o = { 0 };
	struct gralloc_buffer_desc d = {
		.width = 16, .height = 16, .format = 0x34325258 /* XR24 */,
		.usage = GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN,
	};
	struct gralloc_explanation *e;
	struct gralloc_candidate c = { 0 };
	struct gralloc_device *dev;
	int idx = -1;

	CHECK(mkdtemp(dir));
	setenv("GRALLOC_ION_PATH", "/nonexistent/ion", 1);
	o.heap_dir = dir;
	o.config_path = "/dev/null";
	dev = gralloc_device_create(&o);
	unsetenv("GRALLOC_ION_PATH");
	rmdir(dir);
	CHECK(dev);
	e = gralloc_explain(dev, &d);
	if (e)
		idx = find_candidate(e, "ion", "system", &c);
	if (idx >= 0)
		snprintf(reason, sizeof(reason), "%s", c.reason);
	gralloc_explanation_destroy(e);
	gralloc_device_destroy(dev);
	CHECK(idx >= 0);
	CHECK_EQ(c.verdict, GRALLOC_VERDICT_SKIPPED);
	CHECK_STR(reason, "no /nonexistent/ion (No such file or directory)");
}

TEST(status_reason_names_the_device)
{
	char dir[] = "/tmp/gralloc-ion-map-XXXXXX", why_buf[256] = "";
	struct gralloc_device_options o = { 0 };
	struct gralloc_device *dev;
	size_t ion = SIZE_MAX;
	int ret;

	for (size_t i = 0; i < gralloc_backend_count(); i++)
		if (!strcmp(gralloc_backend_name(i), "ion"))
			ion = i;
	CHECK(ion != SIZE_MAX);
	CHECK(mkdtemp(dir));
	setenv("GRALLOC_ION_PATH", "/nonexistent/ion", 1);
	o.heap_dir = dir;
	o.config_path = "/dev/null";
	dev = gralloc_device_create(&o);
	unsetenv("GRALLOC_ION_PATH");
	rmdir(dir);
	CHECK(dev);
	ret = gralloc_device_backend_status(dev, ion, why_buf, sizeof(why_buf));
	gralloc_device_destroy(dev);
	CHECK_EQ(ret, -ENOENT);
	CHECK_STR(why_buf, "no /nonexistent/ion (No such file or directory)");
}

int main(void)
{
	return test_run_all();
}
