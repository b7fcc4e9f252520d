/* SPDX-License-Identifier: MIT */
/* The udmabuf fallback against the real /dev/udmabuf: chosen when no heap
 * exists, a genuine dma-buf (the kernel names udmabuf as its exporter), and
 * refused for display usage on a system without an IOMMU, where scattered
 * memfd pages would be unusable by the display engine. */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>

#include "gralloc/gralloc.h"
#include "guest.h"

#define UDMABUF "/dev/udmabuf"
#define W 1280
#define H 720
#define CPU_RW (GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN)

/* An empty heap directory: whatever /dev/dma_heap holds, no heap exists
 * for the device, so the policy's first fallback must serve. */
struct env {
	char display[64];
	char heap_dir[64];
	char config[64];
	struct gralloc_device *dev;
};

/* config_text NULL: built-in policy only (no file, no environment).
 * display: driver name of the display SCANOUT is for, or NULL. */
static bool env_open(struct env *e, const char *config_text, const char *display)
{
	struct gralloc_device_options o = { 0 };

	memset(e, 0, sizeof(*e));
	/* Scanout requests go to the display's own memory when the display
	 * cannot import (virtio-gpu); vkms can, so with it the policy alone
	 * decides, which is what these tests are about. */
	if (display) {
		if (guest_drm_path(display, e->display, sizeof(e->display))) {
			guest_missing("no DRM device driven by %s", display);
			return false;
		}
		o.display_path = e->display;
	}
	snprintf(e->heap_dir, sizeof(e->heap_dir), "/tmp/gralloc-noheaps-XXXXXX");
	if (!mkdtemp(e->heap_dir)) {
		printf("#   mkdtemp: %s\n", strerror(errno));
		e->heap_dir[0] = '\0';
		return false;
	}
	o.heap_dir = e->heap_dir;
	o.udmabuf_path = UDMABUF;
	if (config_text) {
		if (guest_write_config(e->config, sizeof(e->config), config_text)) {
			printf("#   cannot write a config file in /tmp\n");
			return false;
		}
		o.config_path = e->config;
	} else {
		o.no_config = true;
	}
	e->dev = gralloc_device_create(&o);
	if (!e->dev)
		printf("#   gralloc_device_create: %s (%s)\n", strerror(errno),
		       gralloc_last_error());
	return e->dev != NULL;
}

static void env_close(struct env *e)
{
	gralloc_device_destroy(e->dev);
	if (e->config[0])
		unlink(e->config);
	if (e->heap_dir[0])
		rmdir(e->heap_dir);
}

static int dma_buf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) < 0 ? -errno : 0;
}

/* Prints the plan and returns the index of the SELECTED candidate whose
 * backend is `backend` (-1: none; -2: another one was selected). */
static int explain_selected(struct gralloc_device *dev, const struct gralloc_buffer_desc *d,
			    const char *backend, char *udmabuf_reason, size_t len)
{
	struct gralloc_explanation *e = gralloc_explain(dev, d);
	int found = -1;

	if (!e)
		return -3;
	printf("# %s\n", gralloc_explanation_summary(e));
	for (size_t i = 0; i < gralloc_explanation_count(e); i++) {
		struct gralloc_candidate c;

		if (gralloc_explanation_get(e, i, &c))
			continue;
		printf("#   %s %s: %d %s\n", c.backend, c.heap, (int)c.verdict, c.reason);
		if (!strcmp(c.backend, "udmabuf") && udmabuf_reason)
			snprintf(udmabuf_reason, len, "%d %s", (int)c.verdict, c.reason);
		if (c.verdict == GRALLOC_VERDICT_SELECTED)
			found = strcmp(c.backend, backend) ? -2 : (int)i;
	}
	gralloc_explanation_destroy(e);
	return found;
}

static const struct gralloc_buffer_desc cpu_gpu_desc = {
	.width = W, .height = H, .format = DRM_FORMAT_XRGB8888,
	.usage = CPU_RW | GRALLOC_USAGE_GPU_TEXTURE, .name = "udmabuf-test",
};

static void check_chosen(struct gralloc_device *dev)
{
	struct gralloc_buffer_info info;
	struct gralloc_buffer *buf;
	char v[64];

	CHECK(explain_selected(dev, &cpu_gpu_desc, "udmabuf", NULL, 0) >= 0);
	buf = gralloc_buffer_allocate(dev, &cpu_gpu_desc);
	if (!buf) {
		FAIL_MSG("allocate: %s (%s)", strerror(errno), gralloc_last_error());
		return;
	}
	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	CHECK_STR(info.backend, "udmabuf");
	CHECK_STR(info.heap, "");
	CHECK(info.is_dma_buf);
	CHECK_EQ(info.num_fds, 1);
	CHECK_EQ(lseek(info.fds[0], 0, SEEK_END), (long long)info.size);
	CHECK_EQ(lseek(info.fds[0], 0, SEEK_SET), 0);
	/* The kernel, not the library, says who exported it. */
	CHECK_EQ(guest_fdinfo(info.fds[0], "exp_name", v, sizeof(v)), 0);
	CHECK_STR(v, "udmabuf");
	CHECK_EQ(guest_fdinfo(info.fds[0], "size", v, sizeof(v)), 0);
	CHECK_EQ(strtoull(v, NULL, 10), info.size);
	gralloc_buffer_free(dev, buf);
}

TEST(udmabuf_chosen_when_no_heap_exists)
{
	struct env e;

	GUEST_REQUIRE_CHR(UDMABUF);
	if (env_open(&e, NULL, NULL))
		check_chosen(e.dev);
	else if (!test_skipped_flag)
		test_failed_flag = true;
	env_close(&e);
}

static void check_pattern(struct gralloc_device *dev)
{
	struct gralloc_buffer_info info;
	struct gralloc_buffer *buf = gralloc_buffer_allocate(dev, &cpu_gpu_desc);
	uint32_t bad = 0, stride;
	uint8_t *m;
	void *p;
	int fd;

	CHECK(buf);
	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	CHECK_STR(info.backend, "udmabuf");
	stride = info.planes[0].stride;
	CHECK_EQ(gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &p), 0);
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++)
			((uint32_t *)((uint8_t *)p + (size_t)y * stride))[x] = guest_pattern(x, y, 7);
	CHECK_EQ(gralloc_buffer_unlock(buf), 0);

	/* Read back through a mapping of the dma-buf itself (udmabuf's own
	 * mmap), not the memfd the library made it from. */
	fd = gralloc_buffer_export_fd(buf, 0);
	CHECK(fd >= 0);
	m = mmap(NULL, info.size, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		FAIL_MSG("mmap of the exported udmabuf: %s", strerror(errno));
		close(fd);
		return;
	}
	if (dma_buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ))
		FAIL_MSG("SYNC start on udmabuf: %s", strerror(errno));
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++)
			bad += ((const uint32_t *)(m + (size_t)y * stride))[x] != guest_pattern(x, y, 7);
	if (dma_buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ))
		FAIL_MSG("SYNC end on udmabuf: %s", strerror(errno));
	munmap(m, info.size);
	close(fd);
	if (bad)
		FAIL_MSG("%u pixels differ between lock and the udmabuf mapping", bad);
	gralloc_buffer_free(dev, buf);
}

TEST(udmabuf_lock_pattern_and_sync)
{
	struct env e;

	GUEST_REQUIRE_CHR(UDMABUF);
	if (env_open(&e, NULL, NULL))
		check_pattern(e.dev);
	else if (!test_skipped_flag)
		test_failed_flag = true;
	env_close(&e);
}

static void check_sync_direct(struct gralloc_device *dev)
{
	struct gralloc_buffer_info info;
	struct gralloc_buffer *buf = gralloc_buffer_allocate(dev, &cpu_gpu_desc);
	struct dma_buf_sync s = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };

	CHECK(buf);
	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	CHECK_EQ(ioctl(info.fds[0], DMA_BUF_IOCTL_SYNC, &s), 0);
	s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	CHECK_EQ(ioctl(info.fds[0], DMA_BUF_IOCTL_SYNC, &s), 0);
	s.flags = 0x80;
	CHECK_EQ(ioctl(info.fds[0], DMA_BUF_IOCTL_SYNC, &s), -1);
	CHECK_EQ(errno, EINVAL);
	gralloc_buffer_free(dev, buf);
}

TEST(udmabuf_sync_ioctl_on_fd)
{
	struct env e;

	GUEST_REQUIRE_CHR(UDMABUF);
	if (env_open(&e, NULL, NULL))
		check_sync_direct(e.dev);
	else if (!test_skipped_flag)
		test_failed_flag = true;
	env_close(&e);
}

static const struct gralloc_buffer_desc scanout_desc = {
	.width = W, .height = H, .format = DRM_FORMAT_XRGB8888,
	.usage = GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CPU_WRITE_OFTEN, .name = "scanout",
};

static void check_no_iommu(struct gralloc_device *dev)
{
	struct gralloc_buffer *buf;
	char reason[400] = "";
	int sel;

	sel = explain_selected(dev, &scanout_desc, "udmabuf", reason, sizeof(reason));
	if (sel != -1)
		FAIL_MSG("something was selected for scanout without IOMMU and without heaps");
	if (atoi(reason) != GRALLOC_VERDICT_SKIPPED || !strstr(reason, "IOMMU"))
		FAIL_MSG("udmabuf candidate is \"%s\", expected skipped with an IOMMU reason",
			 reason);
	errno = 0;
	buf = gralloc_buffer_allocate(dev, &scanout_desc);
	if (buf) {
		struct gralloc_buffer_info info;

		gralloc_buffer_describe(buf, &info);
		FAIL_MSG("scanout buffer allocated from %s despite iommu absent", info.backend);
		gralloc_buffer_free(dev, buf);
		return;
	}
	CHECK_EQ(errno, ENODEV);
}

TEST(scanout_without_iommu_never_uses_udmabuf)
{
	struct env e;

	GUEST_REQUIRE_CHR(UDMABUF);
	if (env_open(&e, "iommu absent\n", "vkms"))
		check_no_iommu(e.dev);
	else if (!test_skipped_flag)
		test_failed_flag = true;
	env_close(&e);
}

/* The control for the test above: the same request with an IOMMU gets
 * udmabuf, so the refusal there came from the IOMMU rule and not from
 * udmabuf being unusable. */
static void check_iommu(struct gralloc_device *dev)
{
	struct gralloc_buffer_info info;
	struct gralloc_buffer *buf;

	CHECK(explain_selected(dev, &scanout_desc, "udmabuf", NULL, 0) >= 0);
	buf = gralloc_buffer_allocate(dev, &scanout_desc);
	CHECK(buf);
	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	CHECK_STR(info.backend, "udmabuf");
	gralloc_buffer_free(dev, buf);
}

TEST(scanout_with_iommu_uses_udmabuf)
{
	struct env e;

	GUEST_REQUIRE_CHR(UDMABUF);
	if (env_open(&e, "iommu present\n", "vkms"))
		check_iommu(e.dev);
	else if (!test_skipped_flag)
		test_failed_flag = true;
	env_close(&e);
}

int main(void)
{
	return test_run_all();
}
