/* SPDX-License-Identifier: MIT */
/* The policy end to end through real ioctls. A temporary heap directory
 * holds character nodes with the system heap's major:minor under the names
 * the policy knows (linux,cma, system-uncached, secure_video, ...), so every
 * allocation is a real DMA_HEAP_IOCTL_ALLOC on the real system heap, and
 * what is tested is which *name* the policy routes each request to.
 *
 * What this cannot prove: that those heaps behave like their names. The
 * "linux,cma" buffer is not contiguous; "secure_video" is not secure, and
 * the library must (and does) refuse it protected requests: the kernel
 * reports every one of them as exported by "system". */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <drm_fourcc.h>

#include "gralloc/gralloc.h"
#include "guest.h"
#include "same-layout.h"

#define CPU_RW (GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN)

struct heaps {
	char display[64];
	char dir[64];
	char config[64];
	struct gralloc_device *dev;
};

static bool add_node(struct heaps *h, const char *name)
{
	struct stat st;
	char path[160];

	if (stat(GUEST_SYSTEM_HEAP, &st) < 0)
		return false;
	snprintf(path, sizeof(path), "%s/%s", h->dir, name);
	if (mknod(path, S_IFCHR | 0600, st.st_rdev) < 0) {
		printf("#   mknod %s (%u:%u): %s\n", path, major(st.st_rdev),
		       minor(st.st_rdev), strerror(errno));
		return false;
	}
	return true;
}

static void remove_node(struct heaps *h, const char *name)
{
	char path[sizeof(h->dir) + 256 + 2];

	snprintf(path, sizeof(path), "%s/%s", h->dir, name);
	unlink(path);
}

/* nodes: NULL-terminated. config_text: NULL for none. The device is opened
 * after the nodes exist. Scanout is pinned to vkms, which imports heap
 * memory: with the default display (the first KMS card, virtio-gpu here,
 * which cannot import) every scanout request would go to the display's own
 * dumb buffers and the heap policy would never be reached. */
static bool heaps_open(struct heaps *h, const char *const *nodes, const char *config_text)
{
	struct gralloc_device_options o = { 0 };

	memset(h, 0, sizeof(*h));
	if (guest_drm_path("vkms", h->display, sizeof(h->display))) {
		guest_missing("no DRM device driven by vkms (the scanout display)");
		return false;
	}
	o.display_path = h->display;
	/* /tmp is RAM in the guest: nodes made here vanish with it. */
	snprintf(h->dir, sizeof(h->dir), "/tmp/gralloc-heaps-XXXXXX");
	if (!mkdtemp(h->dir)) {
		printf("#   mkdtemp: %s\n", strerror(errno));
		h->dir[0] = '\0';
		return false;
	}
	for (size_t i = 0; nodes[i]; i++)
		if (!add_node(h, nodes[i]))
			return false;
	o.heap_dir = h->dir;
	if (config_text) {
		if (guest_write_config(h->config, sizeof(h->config), config_text))
			return false;
		o.config_path = h->config;
	} else {
		o.no_config = true;
	}
	h->dev = gralloc_device_create(&o);
	if (!h->dev)
		printf("#   gralloc_device_create: %s (%s)\n", strerror(errno),
		       gralloc_last_error());
	return h->dev != NULL;
}

static void heaps_close(struct heaps *h)
{
	DIR *d;
	struct dirent *e;

	gralloc_device_destroy(h->dev);
	h->dev = NULL;
	if (h->config[0])
		unlink(h->config);
	if (!h->dir[0])
		return;
	d = opendir(h->dir);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			remove_node(h, e->d_name);
	if (d)
		closedir(d);
	rmdir(h->dir);
}

/* Whether this process holds an fd opened on <dir>/<node>: the library
 * opens each heap node once and keeps it, so this shows which node the
 * allocation ioctl really went through. */
static bool node_is_open(const struct heaps *h, const char *node)
{
	char want[160];
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	bool found = false;

	snprintf(want, sizeof(want), "%s/%s", h->dir, node);
	while (d && !found && (e = readdir(d))) {
		char path[300], target[256];
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		found = !strcmp(target, want);
	}
	if (d)
		closedir(d);
	return found;
}

static void print_plan(struct gralloc_device *dev, const struct gralloc_buffer_desc *d)
{
	struct gralloc_explanation *e = gralloc_explain(dev, d);

	if (!e)
		return;
	printf("# %s\n", gralloc_explanation_summary(e));
	for (size_t i = 0; i < gralloc_explanation_count(e); i++) {
		struct gralloc_candidate c;

		if (!gralloc_explanation_get(e, i, &c))
			printf("#   %s %s: %d %s\n", c.backend, c.heap, (int)c.verdict, c.reason);
	}
	gralloc_explanation_destroy(e);
}

/* Allocates and checks the buffer came from heap `heap` (policy name)
 * through node `node`, and that the kernel calls it a system-heap dma-buf. */
static void expect_allocation(struct heaps *h, uint64_t usage, const char *heap,
			      const char *node)
{
	struct gralloc_buffer_desc d = {
		.width = 640, .height = 480, .format = DRM_FORMAT_XRGB8888,
		.usage = usage, .name = heap,
	};
	struct gralloc_buffer_info info;
	struct gralloc_buffer *buf;
	char v[64];

	buf = gralloc_buffer_allocate(h->dev, &d);
	if (!buf) {
		FAIL_MSG("allocate for heap %s: %s (%s)", heap, strerror(errno),
			 gralloc_last_error());
		return;
	}
	if (gralloc_buffer_describe(buf, &info)) {
		FAIL_MSG("describe failed");
	} else if (strcmp(info.backend, "dma-heap") || strcmp(info.heap, heap)) {
		FAIL_MSG("got %s heap \"%s\", expected dma-heap heap \"%s\"", info.backend,
			 info.heap, heap);
	} else if (!info.is_dma_buf || guest_fdinfo(info.fds[0], "exp_name", v, sizeof(v)) ||
		   strcmp(v, "system")) {
		FAIL_MSG("fd %d is not a system-heap dma-buf according to fdinfo", info.fds[0]);
	} else if (!node_is_open(h, node)) {
		FAIL_MSG("no fd of this process is open on %s/%s", h->dir, node);
	}
	gralloc_buffer_free(h->dev, buf);
}

/* The same, after printing the plan. Explain also re-reads the heap
 * directory, which the allocation then follows. */
static void expect_heap(struct heaps *h, uint64_t usage, const char *heap, const char *node)
{
	struct gralloc_buffer_desc d = {
		.width = 640, .height = 480, .format = DRM_FORMAT_XRGB8888, .usage = usage,
	};

	print_plan(h->dev, &d);
	expect_allocation(h, usage, heap, node);
}

static const char *const all_nodes[] = { "system", "linux,cma", "system-uncached", NULL };

/* Runs `check` on a device over a heap directory of `nodes` (config_text:
 * NULL for none) and cleans up; a device that cannot be made fails the
 * test unless the machine lacks what it needs (then it is skipped). */
static void on_heaps(const char *const *nodes, const char *config_text,
		     void (*check)(struct heaps *h))
{
	struct heaps h;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	if (heaps_open(&h, nodes, config_text))
		check(&h);
	else if (!test_skipped_flag)
		test_failed_flag = true;
	heaps_close(&h);
}

static void scanout_gets_cma(struct heaps *h)
{
	expect_heap(h, GRALLOC_USAGE_SCANOUT, "linux,cma", "linux,cma");
}

TEST(scanout_without_iommu_gets_cma)
{
	on_heaps(all_nodes, "iommu absent\n", scanout_gets_cma);
}

/* iommu present: texture usage must land in the uncached class, not the
 * contiguous one, whatever this machine's IOMMU is. */
static void texture_gets_uncached(struct heaps *h)
{
	expect_heap(h, GRALLOC_USAGE_GPU_TEXTURE | GRALLOC_USAGE_GPU_RENDER_TARGET,
		    "system-uncached", "system-uncached");
}

TEST(no_cpu_usage_gets_uncached)
{
	on_heaps(all_nodes, "iommu present\n", texture_gets_uncached);
}

static void cpu_gets_system(struct heaps *h)
{
	expect_heap(h, CPU_RW, "system", "system");
}

TEST(cpu_often_gets_system)
{
	on_heaps(all_nodes, "iommu absent\n", cpu_gets_system);
}

static void check_cma_fallback(struct heaps *h)
{
	struct gralloc_buffer_desc d = {
		.width = 640, .height = 480, .format = DRM_FORMAT_XRGB8888,
		.usage = GRALLOC_USAGE_SCANOUT,
	};
	struct gralloc_explanation *e;
	bool cma_skipped = false, cma_usable = false;

	remove_node(h, "linux,cma");
	expect_heap(h, GRALLOC_USAGE_SCANOUT, "system", "system");
	if (test_failed_flag)
		return;
	e = gralloc_explain(h->dev, &d);
	CHECK(e);
	for (size_t i = 0; i < gralloc_explanation_count(e); i++) {
		struct gralloc_candidate c;

		if (gralloc_explanation_get(e, i, &c) || strcmp(c.heap, "linux,cma"))
			continue;
		/* Every backend must skip it (ion too); the dma-heap one must
		 * say what is wrong: the node is gone. */
		if (c.verdict != GRALLOC_VERDICT_SKIPPED)
			cma_usable = true;
		if (!strcmp(c.backend, "dma-heap"))
			cma_skipped = c.reason && strstr(c.reason, "linux,cma") &&
				      strstr(c.reason, "No such file");
		printf("#   linux,cma candidate (%s): verdict %d, reason \"%s\"\n", c.backend,
		       (int)c.verdict, c.reason ? c.reason : "(null)");
	}
	gralloc_explanation_destroy(e);
	CHECK(!cma_usable);
	CHECK(cma_skipped);
}

TEST(missing_cma_falls_back_to_system)
{
	/* The device is created while linux,cma exists; the node goes away
	 * afterwards, as a hot-unplugged or unbound heap would. */
	on_heaps(all_nodes, "iommu absent\n", check_cma_fallback);
}

static void check_eperm(struct heaps *h);

/* Issue #11: this used to route protected requests to "secure_video",
 * the system heap under another name. Now a name makes nothing secure:
 * undeclared, it serves nothing; declared, its device number is the
 * system heap's and the kernel calls its buffers "system". */
static void check_not_secure_for_others(struct heaps *h)
{
	check_eperm(h);
	if (test_failed_flag)
		return;
	/* And ordinary requests never get it either. */
	expect_heap(h, CPU_RW, "system", "system");
	if (test_failed_flag)
		return;
	expect_heap(h, GRALLOC_USAGE_SCANOUT, "system", "system");
}

TEST(secure_name_on_the_system_heap_serves_nothing)
{
	static const char *const nodes[] = { "system", "secure_video", NULL };
	static const char *const configs[] = { "iommu present\n",
					       "iommu present\nheap secure_video kind=secure\n" };

	for (size_t i = 0; i < 2 && !test_failed_flag && !test_skipped_flag; i++)
		on_heaps(nodes, configs[i], check_not_secure_for_others);
}

static void check_eperm(struct heaps *h)
{
	struct gralloc_buffer_desc d = {
		.width = 640, .height = 480, .format = DRM_FORMAT_XRGB8888,
		.usage = GRALLOC_USAGE_PROTECTED_CONTENT | GRALLOC_USAGE_SCANOUT, .name = "protected",
	};
	struct gralloc_buffer *buf;

	print_plan(h->dev, &d);
	errno = 0;
	buf = gralloc_buffer_allocate(h->dev, &d);
	if (buf) {
		struct gralloc_buffer_info info;

		gralloc_buffer_describe(buf, &info);
		FAIL_MSG("protected request served by %s heap \"%s\" with no secure heap",
			 info.backend, info.heap);
		gralloc_buffer_free(h->dev, buf);
		return;
	}
	CHECK_EQ(errno, EPERM);
}

TEST(protected_without_secure_node_is_eperm)
{
	GUEST_REQUIRE_CHR("/dev/udmabuf");
	/* Every other heap and udmabuf are usable: nothing but the policy
	 * stands between the request and non-secure memory. */
	on_heaps(all_nodes, NULL, check_eperm);
}

static void check_renamed(struct heaps *h)
{
	struct gralloc_buffer_desc d = {
		.width = 640, .height = 480, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW,
	};
	struct gralloc_explanation *e;
	bool said_renamed = false;

	expect_heap(h, CPU_RW, "system", "renamed");
	if (test_failed_flag)
		return;
	e = gralloc_explain(h->dev, &d);
	CHECK(e);
	for (size_t i = 0; i < gralloc_explanation_count(e); i++) {
		struct gralloc_candidate c;

		if (!gralloc_explanation_get(e, i, &c) && c.verdict == GRALLOC_VERDICT_SELECTED)
			said_renamed = !strcmp(c.heap, "system") && strstr(c.reason, "renamed");
	}
	gralloc_explanation_destroy(e);
	CHECK(said_renamed);
}

TEST(config_renames_heap_node)
{
	static const char *const nodes[] = { "renamed", NULL };

	/* No node called "system" exists: only the rename can find it. */
	on_heaps(nodes, "heap system node=renamed\n", check_renamed);
}

/* Allocation caches its plan per usage (gralloc/routes.c) while explain
 * plans afresh. A heap that appears after the first allocation (a heap
 * module loaded later) is then explained as selected but never used. */
static void check_new_heap_used(struct heaps *h)
{
	struct gralloc_buffer_desc d = {
		.width = 640, .height = 480, .format = DRM_FORMAT_XRGB8888,
		.usage = GRALLOC_USAGE_SCANOUT,
	};
	struct gralloc_explanation *e;
	const char *explained = "";
	struct gralloc_candidate c;

	expect_heap(h, GRALLOC_USAGE_SCANOUT, "system", "system");
	if (test_failed_flag || !add_node(h, "linux,cma")) {
		test_failed_flag = true;
		return;
	}
	e = gralloc_explain(h->dev, &d);
	CHECK(e);
	for (size_t i = 0; i < gralloc_explanation_count(e); i++)
		if (!gralloc_explanation_get(e, i, &c) && c.verdict == GRALLOC_VERDICT_SELECTED)
			explained = c.heap;
	printf("# explain now selects heap \"%s\"\n", explained);
	if (strcmp(explained, "linux,cma"))
		FAIL_MSG("explain selects \"%s\" after linux,cma appeared", explained);
	else
		expect_heap(h, GRALLOC_USAGE_SCANOUT, "linux,cma", "linux,cma");
	gralloc_explanation_destroy(e);
}

TEST(heap_appearing_later_is_used_as_explained)
{
	static const char *const nodes[] = { "system", NULL };

	on_heaps(nodes, "iommu absent\n", check_new_heap_used);
}

/* Without explain: a cached route that is not the policy's first choice
 * (linux,cma was missing, so scanout went to system) is re-checked against
 * the heap directory at most every 100 ms, so a heap that appears is used
 * by the allocations after that. Requests already on their first choice
 * skip the check (gralloc/routes.c): CPU_RW stays on system. */
static void check_new_heap_used_without_explain(struct heaps *h)
{
	expect_allocation(h, GRALLOC_USAGE_SCANOUT, "system", "system");
	expect_allocation(h, CPU_RW, "system", "system");
	if (test_failed_flag || !add_node(h, "linux,cma")) {
		test_failed_flag = true;
		return;
	}
	usleep(250 * 1000);
	expect_allocation(h, GRALLOC_USAGE_SCANOUT, "linux,cma", "linux,cma");
	expect_allocation(h, CPU_RW, "system", "system");
}

TEST(heap_appearing_later_is_used_after_the_recheck)
{
	static const char *const nodes[] = { "system", NULL };

	on_heaps(nodes, "iommu absent\n", check_new_heap_used_without_explain);
}

/* dma_heap.c keeps at most 16 heap nodes open per device and says a 17th is
 * "still usable, just not cached"; an allocation through it must work. The
 * nodes are removed one by one after use so that each allocation is routed
 * to a new one, as heaps that come and go over a long-lived device would. */
static void check_many_nodes(struct heaps *h)
{
	/* Bits that leave the request in the cached class. A different usage
	 * each time: allocation caches its route per usage, and only a new
	 * usage is planned afresh and so reaches the next node. */
	static const uint64_t extra[] = {
		GRALLOC_USAGE_GPU_TEXTURE, GRALLOC_USAGE_GPU_RENDER_TARGET,
		GRALLOC_USAGE_GPU_DATA_BUFFER, GRALLOC_USAGE_LINEAR,
		GRALLOC_USAGE_CPU_READ_RARELY,
	};

	for (int i = 0; i < 17; i++) {
		struct gralloc_buffer_desc d = {
			.width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW,
		};
		struct gralloc_buffer_info info;
		struct gralloc_buffer *buf;
		char name[8];

		for (int b = 0; b < 5; b++)
			if (i & (1 << b))
				d.usage |= extra[b];

		snprintf(name, sizeof(name), "h%02d", i);
		buf = gralloc_buffer_allocate(h->dev, &d);
		if (!buf) {
			FAIL_MSG("allocation %d (node %s, the %d%s distinct node): %s (%s)", i + 1,
				 name, i + 1, i == 16 ? "th" : "", strerror(errno),
				 gralloc_last_error());
			return;
		}
		gralloc_buffer_describe(buf, &info);
		gralloc_buffer_free(h->dev, buf);
		CHECK_STR(info.heap, name);
		remove_node(h, name);
	}
}

TEST(seventeenth_heap_node_still_allocates)
{
	static const char *const nodes[] = {
		"h00", "h01", "h02", "h03", "h04", "h05", "h06", "h07", "h08",
		"h09", "h10", "h11", "h12", "h13", "h14", "h15", "h16", NULL,
	};

	/* fallback none: a failure cannot hide behind udmabuf. */
	on_heaps(nodes, "order cached h*\nfallback none\n", check_many_nodes);
}

int main(void)
{
	return test_run_all();
}

/* The same plain request again is served from the hot request (a copy of
 * the last buffer's shape, gralloc/hot.c) rather than the route cache. It
 * must give what the whole path gives: each request's own heap, the layout
 * gralloc_compute_layout() computes, real system-heap memory, and zeros
 * when asked for them, however the requests alternate. The pool is on, so
 * from the second round on memory comes back recycled. */
static const struct gralloc_buffer_desc hot_requests[] = {
	{ .width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW },
	{ .width = 64, .height = 48, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW },
	{ .width = 64, .height = 64, .format = DRM_FORMAT_NV12, .usage = CPU_RW },
	{ .width = 64, .height = 48, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW,
	  .layer_count = 3 },
	{ .width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW,
	  .flags = GRALLOC_BUFFER_FLAG_ZEROED },
	{ .format = GRALLOC_FORMAT_BLOB, .size = 5000, .usage = CPU_RW },
	{ .width = 640, .height = 480, .format = DRM_FORMAT_XRGB8888,
	  .usage = GRALLOC_USAGE_SCANOUT | CPU_RW },
};

static void check_hot_buffer(struct heaps *h, const struct gralloc_buffer_desc *d, int round,
			     int n)
{
	const char *heap = d->usage & GRALLOC_USAGE_SCANOUT ? "linux,cma" : "system";
	struct gralloc_buffer_info want, got;
	struct gralloc_buffer *buf = gralloc_buffer_allocate(h->dev, d);
	char v[64];
	uint8_t *p;

	if (!buf) {
		FAIL_MSG("round %d, allocation %d: %s (%s)", round, n, strerror(errno),
			 gralloc_last_error());
		return;
	}
	CHECK_EQ(gralloc_compute_layout(d, &want), 0);
	CHECK_EQ(gralloc_buffer_describe(buf, &got), 0);
	if (strcmp(got.heap, heap) || !test_same_layout(&want, &got))
		FAIL_MSG("round %d, allocation %d of %ux%u %.4s: heap \"%s\" size %llu stride %u, "
			 "expected \"%s\" %llu %u", round, n, d->width, d->height,
			 (const char *)&d->format, got.heap, (unsigned long long)got.size,
			 got.planes[0].stride, heap, (unsigned long long)want.size,
			 want.planes[0].stride);
	else if (guest_fdinfo(got.fds[0], "exp_name", v, sizeof(v)) || strcmp(v, "system"))
		FAIL_MSG("round %d, allocation %d: not a system-heap dma-buf", round, n);
	if (!gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_WRITE_OFTEN | GRALLOC_USAGE_CPU_READ_OFTEN,
				 NULL, (void **)&p)) {
		if ((d->flags & GRALLOC_BUFFER_FLAG_ZEROED) && (p[0] || p[got.size - 1]))
			FAIL_MSG("round %d, allocation %d: asked for zeros, found %u and %u", round,
				 n, p[0], p[got.size - 1]);
		/* What a recycled buffer would bring to the next one. */
		memset(p, 0xa5, (size_t)got.size);
		gralloc_buffer_unlock(buf);
	} else {
		FAIL_MSG("lock: %s", strerror(errno));
	}
	gralloc_buffer_free(h->dev, buf);
}

static void check_hot_requests(struct heaps *h)
{
	size_t count = sizeof(hot_requests) / sizeof(hot_requests[0]);

	for (int round = 0; round < 3 && !test_failed_flag; round++)
		for (size_t i = 0; i < count; i++)
			for (int n = 0; n < 3; n++)
				check_hot_buffer(h, &hot_requests[round == 1 ? count - 1 - i : i],
						 round, n);
}

TEST(same_request_again_keeps_its_heap_layout_and_zeros)
{
	on_heaps(all_nodes, "iommu absent\n", check_hot_requests);
}

/* A request that differs from the hot one in a single bit must take the
 * whole path: with protected content added there is no secure heap here,
 * and the answer is a refusal, never the plain request's memory. A name
 * added must reach the kernel's dma-buf. Texture usage (no CPU access,
 * which protected content forbids) with an IOMMU: system-uncached, the
 * policy's first choice, so the plain request does become the hot one. */
static void check_hot_twins(struct heaps *h)
{
	struct gralloc_buffer_desc d = {
		.width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888,
		.usage = GRALLOC_USAGE_GPU_TEXTURE,
	};
	struct gralloc_buffer_info info;
	struct gralloc_buffer *buf;
	char v[64] = "";

	for (int i = 0; i < 3; i++) {
		buf = gralloc_buffer_allocate(h->dev, &d);
		CHECK(buf);
		gralloc_buffer_free(h->dev, buf);
	}
	d.usage |= GRALLOC_USAGE_PROTECTED_CONTENT;
	buf = gralloc_buffer_allocate(h->dev, &d);
	if (buf) {
		CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
		FAIL_MSG("a protected twin of the hot request got heap \"%s\"", info.heap);
		gralloc_buffer_free(h->dev, buf);
	} else {
		printf("# protected twin refused: %s\n", strerror(errno));
	}
	d.usage &= ~GRALLOC_USAGE_PROTECTED_CONTENT;
	d.name = "hot-twin";
	buf = gralloc_buffer_allocate(h->dev, &d);
	CHECK(buf);
	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	if (guest_fdinfo(info.fds[0], "name", v, sizeof(v)) || !strstr(v, "hot-twin"))
		FAIL_MSG("the named twin of the hot request is called \"%s\" by the kernel", v);
	gralloc_buffer_free(h->dev, buf);
}

TEST(hot_request_twins_take_the_whole_path)
{
	static const char *const nodes[] = { "system", "system-uncached", NULL };

	on_heaps(nodes, "iommu present\n", check_hot_twins);
}
