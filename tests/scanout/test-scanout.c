/* SPDX-License-Identifier: MIT */
/* Zero-copy scanout with real oracles: vkms composes our heap memory and
 * its writeback connector hands back what it scanned out; virtio-gpu gets
 * its own memory when it cannot import ours. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <drm_fourcc.h>

#include <gralloc/consumer.h>
#include <gralloc/gralloc.h>
#include <gralloc/kms.h>

#include "kms-util.h"
#include "modeset.h"
#include "pattern.h"
#include "test.h"

/* virtio-gpu's own memory: dumb buffers, or virgl resources when the rig
 * runs it with 3D (docs/virgl.md). */
static const char *virtio_memory(void)
{
	return vm_gpu_virgl() ? "virgl" : "drm-dumb";
}

struct fixture {
	char path[64];
	struct gralloc_kms *kms;
	struct gralloc_device *dev;
	struct modeset m;
	bool have_modeset;
};

/* Sets up a device/kms pair on `driver`; false (after skip or failure)
 * when that is impossible. */
static bool fixture_init(struct fixture *f, const char *driver, bool with_modeset)
{
	memset(f, 0, sizeof(*f));
	if (drm_find_card(driver, f->path, sizeof(f->path))) {
		if (in_guest()) {
			printf("#   no %s device in the guest\n", driver);
			test_failed_flag = true;
		} else {
			test_skip("no such DRM device here: run in the guest rig");
		}
		return false;
	}
	f->kms = gralloc_kms_open(f->path);
	struct gralloc_device_options o = { .display_path = f->path };
	f->dev = gralloc_device_create(&o);
	if (!f->kms || !f->dev) {
		printf("#   setup failed: %s\n", gralloc_last_error());
		test_failed_flag = true;
		return false;
	}
	if (with_modeset) {
		if (modeset_init(&f->m, gralloc_kms_get_fd(f->kms))) {
			test_failed_flag = true;
			return false;
		}
		f->have_modeset = true;
	}
	return true;
}

static void fixture_finish(struct fixture *f)
{
	if (f->have_modeset)
		modeset_finish(&f->m);
	gralloc_kms_destroy(f->kms);
	gralloc_device_destroy(f->dev);
}

static struct gralloc_buffer *alloc_xrgb(struct fixture *f, uint32_t w, uint32_t h,
					 uint64_t usage)
{
	struct gralloc_buffer_desc d = {
		.width = w, .height = h, .format = DRM_FORMAT_XRGB8888, .layer_count = 1, .usage = usage, .name = "scanout-test",
	};

	return gralloc_buffer_allocate(f->dev, &d);
}

static int fill(struct gralloc_buffer *b, uint32_t frame)
{
	struct gralloc_buffer_info info;
	void *p;
	int ret = gralloc_buffer_lock(b, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &p);

	if (ret)
		return ret;
	gralloc_buffer_describe(b, &info);
	pattern_fill(p, info.planes[0].stride, info.width, info.height, frame);
	return gralloc_buffer_unlock(b);
}

/* Number of pixels of `b` that differ from the pattern. */
static long mismatches(struct gralloc_buffer *b, uint32_t frame)
{
	struct gralloc_buffer_info info;
	long bad = 0;
	void *p;

	if (gralloc_buffer_lock(b, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, &p))
		return -1;
	gralloc_buffer_describe(b, &info);
	for (uint32_t y = 0; y < info.height; y++) {
		const uint32_t *row = (const uint32_t *)((uint8_t *)p + (uint64_t)y * info.planes[0].stride);

		for (uint32_t x = 0; x < info.width; x++) {
			uint32_t want = pattern_pixel(x, y, frame, info.width, info.height);

			if ((row[x] & 0xffffff) != want && bad++ < 3)
				printf("#   pixel %u,%u is %06x, expected %06x\n", x, y,
				       row[x] & 0xffffff, want);
		}
	}
	gralloc_buffer_unlock(b);
	return bad;
}

TEST(vkms_heap_memory_scanned_out_zero_copy)
{
	const uint64_t usage = GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CPU_WRITE_OFTEN |
			       GRALLOC_USAGE_CPU_READ_OFTEN;
	struct gralloc_buffer *front, *wb;
	struct gralloc_buffer_info info;
	struct fixture f;
	uint32_t fb, wb_fb;
	int ret;

	if (!fixture_init(&f, "vkms", true))
		return;
	front = alloc_xrgb(&f, f.m.mode.hdisplay, f.m.mode.vdisplay, usage);
	wb = alloc_xrgb(&f, f.m.mode.hdisplay, f.m.mode.vdisplay, usage);
	CHECK(front && wb);
	gralloc_buffer_describe(front, &info);
	/* vkms imports foreign memory: the policy must not copy via the display. */
	CHECK_STR(info.backend, "dma-heap");
	CHECK_STR(info.heap, "system");
	CHECK_EQ(fill(front, 7), 0);
	CHECK_EQ(gralloc_kms_add_framebuffer(f.kms, front, &fb), 0);
	CHECK_EQ(gralloc_kms_add_framebuffer(f.kms, wb, &wb_fb), 0);
	CHECK_EQ(modeset_show(&f.m, fb, false), 0);
	ret = modeset_writeback(&f.m, wb_fb);
	CHECK_EQ(ret, 0);
	/* The writeback frame is what vkms composed from our memory. */
	CHECK_EQ(mismatches(wb, 7), 0);
	CHECK_EQ(gralloc_kms_test_plane(f.kms, front, f.m.plane_id, f.m.crtc_id), 0);
	fixture_finish(&f);
}

TEST(virtio_gpu_gets_display_memory)
{
	const uint64_t usage = GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CPU_WRITE_OFTEN |
			       GRALLOC_USAGE_CPU_READ_OFTEN;
	struct gralloc_buffer_desc d = {
		.width = 1280, .height = 800, .format = DRM_FORMAT_XRGB8888, .layer_count = 1, .usage = usage, .name = NULL,
	};
	struct gralloc_explanation *e;
	struct gralloc_buffer_info info;
	struct gralloc_candidate c;
	struct gralloc_buffer *b;
	struct fixture f;
	uint32_t fb;

	if (!fixture_init(&f, "virtio_gpu", true))
		return;
	CHECK_EQ(gralloc_kms_imports_foreign(f.kms, f.dev), 0);
	e = gralloc_explain(f.dev, &d);
	CHECK(e);
	CHECK_EQ(gralloc_explanation_get(e, 0, &c), 0);
	CHECK_STR(c.backend, virtio_memory());
	CHECK(strstr(c.reason, "cannot import foreign"));
	gralloc_explanation_destroy(e);

	b = alloc_xrgb(&f, f.m.mode.hdisplay, f.m.mode.vdisplay, usage);
	CHECK(b);
	gralloc_buffer_describe(b, &info);
	CHECK_STR(info.backend, virtio_memory());
	CHECK(info.is_dma_buf);
	CHECK_EQ(fill(b, 3), 0);
	CHECK_EQ(mismatches(b, 3), 0);
	CHECK_EQ(gralloc_kms_add_framebuffer(f.kms, b, &fb), 0);
	CHECK_EQ(modeset_show(&f.m, fb, false), 0);
	CHECK_EQ(gralloc_kms_test_plane(f.kms, b, f.m.plane_id, f.m.crtc_id), 0);
	fixture_finish(&f);
}

TEST(virtio_gpu_refuses_heap_memory_cleanly)
{
	struct gralloc_device_options o = { .display_path = "/nonexistent" };
	struct gralloc_device *heapdev = gralloc_device_create(&o);
	struct gralloc_buffer_desc d = {
		.width = 256, .height = 256, .format = DRM_FORMAT_XRGB8888, .layer_count = 1, .usage = GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CPU_WRITE_OFTEN, .name = NULL,
	};
	struct gralloc_buffer_info info;
	struct gralloc_buffer *b;
	struct fixture f;
	uint32_t fb;

	if (!fixture_init(&f, "virtio_gpu", false)) {
		gralloc_device_destroy(heapdev);
		return;
	}
	/* A device that does not know the display hands out heap memory... */
	b = gralloc_buffer_allocate(heapdev, &d);
	CHECK(b);
	gralloc_buffer_describe(b, &info);
	CHECK_STR(info.backend, "dma-heap");
	/* ...which virtio-gpu cannot import: a clean error, no handle left. */
	CHECK(gralloc_kms_add_framebuffer(f.kms, b, &fb) < 0);
	CHECK_EQ(gralloc_kms_gem_handle_count(f.kms), 0);
	gralloc_buffer_free(heapdev, b);
	gralloc_device_destroy(heapdev);
	fixture_finish(&f);
}

TEST(framebuffer_cached_and_released_with_buffer)
{
	struct gralloc_buffer *b;
	struct fixture f;
	uint32_t fb1, fb2;

	if (!fixture_init(&f, "vkms", false))
		return;
	b = alloc_xrgb(&f, 640, 480, GRALLOC_USAGE_SCANOUT);
	CHECK(b);
	CHECK_EQ(gralloc_kms_add_framebuffer(f.kms, b, &fb1), 0);
	CHECK_EQ(gralloc_kms_add_framebuffer(f.kms, b, &fb2), 0);
	CHECK_EQ(fb1, fb2);
	CHECK_EQ(gralloc_kms_gem_handle_count(f.kms), 1);
	/* Freeing the buffer removes its framebuffer and closes the handle. */
	CHECK_EQ(gralloc_buffer_free(f.dev, b), 0);
	CHECK_EQ(gralloc_kms_gem_handle_count(f.kms), 0);
	CHECK(drmModeGetFB(gralloc_kms_get_fd(f.kms), fb1) == NULL);
	fixture_finish(&f);
}

TEST(kms_destroy_before_buffers)
{
	struct gralloc_buffer *b[4];
	struct fixture f;
	uint32_t fb;

	if (!fixture_init(&f, "vkms", false))
		return;
	for (int i = 0; i < 4; i++) {
		b[i] = alloc_xrgb(&f, 64, 64, GRALLOC_USAGE_SCANOUT);
		CHECK(b[i]);
		CHECK_EQ(gralloc_kms_add_framebuffer(f.kms, b[i], &fb), 0);
	}
	CHECK_EQ(gralloc_kms_gem_handle_count(f.kms), 4);
	gralloc_kms_destroy(f.kms);
	f.kms = NULL;
	/* The buffers outlive the display connection and free cleanly. */
	for (int i = 0; i < 4; i++)
		CHECK_EQ(gralloc_buffer_free(f.dev, b[i]), 0);
	fixture_finish(&f);
}

TEST(addfb_rejected_leaves_no_handle)
{
	struct gralloc_buffer *b;
	struct fixture f;
	uint32_t fb = 0;

	if (!fixture_init(&f, "vkms", false))
		return;
	/* Wider than any vkms framebuffer may be: AddFB2 must fail. */
	b = alloc_xrgb(&f, 16384, 8, GRALLOC_USAGE_SCANOUT);
	CHECK(b);
	CHECK(gralloc_kms_add_framebuffer(f.kms, b, &fb) < 0);
	CHECK(strstr(gralloc_last_error(), "AddFB2"));
	CHECK_EQ(gralloc_kms_gem_handle_count(f.kms), 0);
	CHECK_EQ(gralloc_buffer_free(f.dev, b), 0);
	fixture_finish(&f);
}

TEST(plane_capabilities)
{
	struct fixture f;

	if (!fixture_init(&f, "vkms", true))
		return;
	CHECK_EQ(gralloc_kms_plane_supports(f.kms, f.m.plane_id, DRM_FORMAT_XRGB8888,
					    DRM_FORMAT_MOD_LINEAR), 1);
	CHECK_EQ(gralloc_kms_plane_supports(f.kms, f.m.plane_id, DRM_FORMAT_XRGB8888,
					    I915_FORMAT_MOD_X_TILED), 0);
	CHECK_EQ(gralloc_kms_plane_supports(f.kms, f.m.plane_id, DRM_FORMAT_P016,
					    DRM_FORMAT_MOD_LINEAR), 0);
	CHECK(gralloc_kms_plane_supports(f.kms, 0xdead, DRM_FORMAT_XRGB8888,
					 DRM_FORMAT_MOD_LINEAR) < 0);
	fixture_finish(&f);
}

struct race_arg {
	struct fixture *f;
	int failures;
};

static void *race_thread(void *p)
{
	struct race_arg *a = p;

	for (int i = 0; i < 100; i++) {
		struct gralloc_buffer *b = alloc_xrgb(a->f, 64, 64, GRALLOC_USAGE_SCANOUT);
		uint32_t fb;

		if (!b || gralloc_kms_add_framebuffer(a->f->kms, b, &fb)) {
			a->failures++;
		} else if (i % 2) {
			gralloc_kms_remove_framebuffer(a->f->kms, b);
		}
		/* Odd iterations remove first; even ones let free() do it. */
		gralloc_buffer_free(a->f->dev, b);
	}
	return NULL;
}

TEST(import_release_races_leave_no_handle)
{
	struct race_arg args[4];
	pthread_t t[4];
	struct fixture f;

	if (!fixture_init(&f, "vkms", false))
		return;
	for (int i = 0; i < 4; i++) {
		args[i] = (struct race_arg){ &f, 0 };
		pthread_create(&t[i], NULL, race_thread, &args[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK_EQ(args[i].failures, 0);
	}
	CHECK_EQ(gralloc_kms_gem_handle_count(f.kms), 0);
	fixture_finish(&f);
}

TEST(reopens_instead_of_sharing)
{
	struct gralloc_kms *kms;
	struct fixture f;
	int fd;

	if (!fixture_init(&f, "vkms", false))
		return;
	fd = open(f.path, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0);
	kms = gralloc_kms_create(fd);
	CHECK(kms);
	CHECK(gralloc_kms_get_fd(kms) != fd);
	CHECK_STR(gralloc_kms_driver_name(kms), "vkms");
	gralloc_kms_destroy(kms);
	close(fd);
	CHECK(gralloc_kms_create(-1) == NULL);
	fixture_finish(&f);
}

static const struct gralloc_buffer_desc consumer_desc = {
	.width = 640, .height = 480, .format = DRM_FORMAT_XRGB8888, .layer_count = 1, .usage = GRALLOC_USAGE_CPU_WRITE_OFTEN, .name = "consumer-test",
};

TEST(consumer_vkms_plane_keeps_heap_memory)
{
	struct gralloc_consumer *plane;
	struct gralloc_buffer_info info;
	struct gralloc_buffer *b;
	struct fixture f;
	uint32_t fb;

	if (!fixture_init(&f, "vkms", true))
		return;
	plane = gralloc_consumer_create_kms_plane(f.kms, f.m.plane_id, f.dev);
	CHECK(plane);
	CHECK(gralloc_consumer_imports_foreign(plane));
	CHECK(strstr(gralloc_consumer_name(plane), "(vkms)"));
	b = gralloc_buffer_allocate_for(f.dev, &consumer_desc, &plane, 1);
	CHECK(b);
	gralloc_buffer_describe(b, &info);
	CHECK_STR(info.backend, "dma-heap");
	CHECK(info.usage & GRALLOC_USAGE_SCANOUT); /* implied by the plane */
	CHECK_EQ(gralloc_kms_add_framebuffer(f.kms, b, &fb), 0);
	gralloc_buffer_free(f.dev, b);
	/* vkms' primary plane has no NV12: the consumer is named. */
	struct gralloc_buffer_desc nv12 = consumer_desc;

	nv12.format = DRM_FORMAT_NV12;
	CHECK(gralloc_buffer_allocate_for(f.dev, &nv12, &plane, 1) == NULL);
	CHECK_EQ(errno, ENOTSUP);
	CHECK(strstr(gralloc_last_error(), "KMS plane"));
	gralloc_consumer_destroy(plane);
	fixture_finish(&f);
}

TEST(consumer_virtio_plane_gets_its_own_memory)
{
	struct gralloc_device_options o = { .display_path = "/nonexistent" };
	struct gralloc_device *dev = gralloc_device_create(&o);
	struct gralloc_consumer *plane;
	struct gralloc_explanation *e;
	struct gralloc_buffer_info info;
	struct gralloc_candidate c;
	struct gralloc_buffer *b;
	struct fixture f;
	uint32_t fb;

	/* `dev` knows no display: only the consumer can say where to go. */
	if (!fixture_init(&f, "virtio_gpu", true)) {
		gralloc_device_destroy(dev);
		return;
	}
	plane = gralloc_consumer_create_kms_plane(f.kms, f.m.plane_id, dev);
	CHECK(plane);
	CHECK(!gralloc_consumer_imports_foreign(plane));
	e = gralloc_explain_for(dev, &consumer_desc, &plane, 1);
	CHECK(e);
	CHECK_EQ(gralloc_explanation_get(e, 0, &c), 0);
	CHECK_STR(c.backend, virtio_memory());
	CHECK_EQ(c.verdict, GRALLOC_VERDICT_SELECTED);
	/* Who needs what, formatted when the plan is made (gralloc/plan.c). */
	CHECK(strstr(c.reason, " needs memory of /dev/dri/card"));
	CHECK(strstr(c.reason, "cannot import foreign"));
	gralloc_explanation_destroy(e);
	b = gralloc_buffer_allocate_for(dev, &consumer_desc, &plane, 1);
	CHECK(b);
	gralloc_buffer_describe(b, &info);
	CHECK_STR(info.backend, virtio_memory());
	CHECK_EQ(gralloc_kms_add_framebuffer(f.kms, b, &fb), 0);
	gralloc_buffer_free(dev, b);
	gralloc_consumer_destroy(plane);
	gralloc_device_destroy(dev);
	fixture_finish(&f);
}

TEST(consumer_vkms_and_virtio_share_virtio_memory)
{
	struct gralloc_consumer *planes[2];
	struct gralloc_buffer_info info;
	struct gralloc_buffer *b;
	struct fixture vk, vg;
	uint32_t fb_vk, fb_vg;

	if (!fixture_init(&vk, "vkms", true))
		return;
	if (!fixture_init(&vg, "virtio_gpu", true)) {
		fixture_finish(&vk);
		return;
	}
	planes[0] = gralloc_consumer_create_kms_plane(vk.kms, vk.m.plane_id, vk.dev);
	planes[1] = gralloc_consumer_create_kms_plane(vg.kms, vg.m.plane_id, vk.dev);
	CHECK(planes[0] && planes[1]);
	/* virtio-gpu can use only its own memory; vkms imports anything:
	 * virtio-gpu's memory serves both, with no copy for either. */
	b = gralloc_buffer_allocate_for(vk.dev, &consumer_desc, planes, 2);
	CHECK(b);
	gralloc_buffer_describe(b, &info);
	CHECK_STR(info.backend, virtio_memory());
	CHECK_EQ(fill(b, 5), 0);
	CHECK_EQ(gralloc_kms_add_framebuffer(vg.kms, b, &fb_vg), 0);
	CHECK_EQ(gralloc_kms_add_framebuffer(vk.kms, b, &fb_vk), 0);
	gralloc_buffer_free(vk.dev, b);
	CHECK_EQ(gralloc_kms_gem_handle_count(vk.kms), 0);
	CHECK_EQ(gralloc_kms_gem_handle_count(vg.kms), 0);
	gralloc_consumer_destroy(planes[0]);
	gralloc_consumer_destroy(planes[1]);
	fixture_finish(&vg);
	fixture_finish(&vk);
}

TEST(virtio_gpu_screendump_matches)
{
	const uint64_t usage = GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CPU_WRITE_OFTEN;
	struct gralloc_buffer *b;
	struct fixture f;
	uint32_t fb, w = 0, h = 0;
	uint8_t *rgb;
	long bad = 0;

	if (!fixture_init(&f, "virtio_gpu", true))
		return;
	if (!in_guest()) {
		test_skip("QEMU screendumps need the guest rig");
		fixture_finish(&f);
		return;
	}
	b = alloc_xrgb(&f, f.m.mode.hdisplay, f.m.mode.vdisplay, usage);
	CHECK(b);
	CHECK_EQ(fill(b, 11), 0);
	CHECK_EQ(gralloc_kms_add_framebuffer(f.kms, b, &fb), 0);
	CHECK_EQ(modeset_show(&f.m, fb, false), 0);
	/* The host display updates after the commit's transfer; QEMU's own
	 * view is what the oracle reads. */
	usleep(300 * 1000);
	rgb = screendump("virtio-gpu-scanout.ppm", &w, &h);
	CHECK(rgb);
	CHECK_EQ(w, f.m.mode.hdisplay);
	CHECK_EQ(h, f.m.mode.vdisplay);
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			const uint8_t *p = rgb + ((size_t)y * w + x) * 3;
			uint32_t got = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
			uint32_t want = pattern_pixel(x, y, 11, w, h);

			if (got != want && bad++ < 3)
				printf("#   screen %u,%u is %06x, expected %06x\n", x, y, got, want);
		}
	}
	free(rgb);
	CHECK_EQ(bad, 0);
	fixture_finish(&f);
}

int main(void)
{
	return test_run_all();
}
