/* SPDX-License-Identifier: MIT */
/* What GL draws on virtio-gpu reaches the display, the CPU and another
 * device; run by the rig in both GPU modes. Under --gpu virgl the memory
 * is a virgl resource whose host copy GL draws into, so each path needs
 * its transfer; under 2D it is a dumb buffer kms_swrast draws into
 * directly. Oracles: QEMU's own picture of the display (screendump, or
 * VNC while a GL scanout is active) and vkms's writeback connector. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include <gralloc/consumer.h>
#include <gralloc/kms.h>

#include "egl-fixture.h"
#include "kms-util.h"
#include "modeset.h"
#include "test.h"

static struct egl_fixture gpu; /* EGL on the virtio-gpu card */
/* Opened before anything else opens the card, so that it is DRM master:
 * the drm-dumb backend keeps a description of the display open. */
static struct gralloc_kms *gpu_kms;

static const uint32_t band_colour[4] = { 0xff0000, 0x00ff00, 0x0000ff, 0xffffff };

/* Four vertical bands, the first 16 rows black: a flipped or shifted frame
 * shows. */
static uint32_t expected(uint32_t x, uint32_t y, uint32_t w)
{
	return y < 16 ? 0 : band_colour[x * 4 / w];
}

static bool ready(void)
{
	if (!gpu.ready) {
		printf("#   %s\n", gpu.error);
		if (in_guest())
			test_failed_flag = true;
		else
			test_skip("no virtio-gpu here: run in the guest rig");
		return false;
	}
	if (!eglMakeCurrent(gpu.g.dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, gpu.g.ctx)) {
		printf("#   eglMakeCurrent: 0x%x\n", eglGetError());
		test_failed_flag = true;
		return false;
	}
	return true;
}

/* GL draws the bands into b and finishes. 0 or -1. */
static int gl_draw(struct gralloc_buffer *b, uint32_t w, uint32_t h)
{
	struct gralloc_egl_image *img = gralloc_egl_image_create(gpu.egl, b, NULL);
	GLuint fbo = 0, att = 0;
	GLenum att_type = 0;

	if (!img || gralloc_egl_image_framebuffer(img, &fbo, &att, &att_type)) {
		printf("#   GL target: %s\n", gralloc_last_error());
		gralloc_egl_image_destroy(img);
		return -1;
	}
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	glViewport(0, 0, w, h);
	glEnable(GL_SCISSOR_TEST);
	for (int i = 0; i < 4; i++) {
		glScissor(i * w / 4, 0, w / 4 + 1, h);
		glClearColor((band_colour[i] >> 16) / 255.0f, ((band_colour[i] >> 8) & 0xff) / 255.0f,
			     (band_colour[i] & 0xff) / 255.0f, 1.0f);
		glClear(GL_COLOR_BUFFER_BIT);
	}
	/* GL's row 0 is the first row in memory for an FBO. */
	glScissor(0, 0, w, 16);
	glClearColor(0, 0, 0, 1);
	glClear(GL_COLOR_BUFFER_BIT);
	glDisable(GL_SCISSOR_TEST);
	glFinish();
	glBindFramebuffer(GL_FRAMEBUFFER, 0);
	glDeleteFramebuffers(1, &fbo);
	att_type == GL_RENDERBUFFER ? glDeleteRenderbuffers(1, &att) : glDeleteTextures(1, &att);
	gralloc_egl_image_destroy(img);
	return 0;
}

/* Pixels of an XRGB8888 buffer, read through lock, that differ. */
static long cpu_mismatches(struct gralloc_buffer *b)
{
	struct gralloc_buffer_info info;
	long bad = 0;
	void *p;

	if (gralloc_buffer_lock(b, GRALLOC_USAGE_CPU_READ_RARELY, NULL, &p)) {
		printf("#   lock: %s\n", gralloc_last_error());
		return -1;
	}
	gralloc_buffer_describe(b, &info);
	for (uint32_t y = 0; y < info.height; y++) {
		const uint32_t *row = (const uint32_t *)((uint8_t *)p + (uint64_t)y * info.planes[0].stride);

		for (uint32_t x = 0; x < info.width; x++)
			if ((row[x] & 0xffffff) != expected(x, y, info.width) && bad++ < 3)
				printf("#   CPU: pixel %u,%u is %06x, expected %06x\n", x, y,
				       row[x] & 0xffffff, expected(x, y, info.width));
	}
	gralloc_buffer_unlock(b);
	return bad;
}

static struct gralloc_buffer *allocate(struct gralloc_consumer **cs, size_t n, uint32_t w,
				       uint32_t h, uint64_t usage)
{
	struct gralloc_buffer_desc d = {
		.width = w, .height = h, .format = DRM_FORMAT_XRGB8888, .layer_count = 1,
		.usage = usage, .name = "virgl-test",
	};
	struct gralloc_buffer_info info;
	struct gralloc_buffer *b = gralloc_buffer_allocate_for(gpu.dev, &d, cs, n);

	if (!b) {
		printf("#   allocate_for: %s\n", gralloc_last_error());
		return NULL;
	}
	gralloc_buffer_describe(b, &info);
	printf("#   %ux%u on %s, stride %u\n", w, h, info.backend, info.planes[0].stride);
	/* virgl: its own resources; 2D: the display's dumb buffers. */
	if (strcmp(info.backend, vm_gpu_virgl() ? "virgl" : "drm-dumb")) {
		printf("#   expected %s memory\n", vm_gpu_virgl() ? "virgl" : "drm-dumb");
		test_failed_flag = true;
	}
	return b;
}

TEST(gl_frame_scanned_out)
{
	const uint64_t usage = GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_GPU_RENDER_TARGET |
			       GRALLOC_USAGE_CPU_READ_RARELY;
	struct gralloc_consumer *cs[2] = { NULL, NULL };
	struct gralloc_buffer *b = NULL;
	struct gralloc_kms *kms;
	struct modeset m = { 0 };
	uint32_t fb = 0, sw = 0, sh = 0, w, h;
	uint8_t *shot = NULL;
	long bad = 0;

	if (!ready())
		return;
	kms = gpu_kms;
	CHECK(kms);
	CHECK_EQ(modeset_init(&m, gralloc_kms_get_fd(kms)), 0);
	w = m.mode.hdisplay;
	h = m.mode.vdisplay;
	cs[0] = gpu.consumer;
	cs[1] = gralloc_consumer_create_kms_plane(kms, m.plane_id, gpu.dev);
	CHECK(cs[1]);
	b = allocate(cs, 2, w, h, usage);
	if (b && !gl_draw(b, w, h) && !gralloc_kms_add_framebuffer(kms, b, &fb) &&
	    !modeset_show(&m, fb, false))
		shot = screendump("virgl-gl-scanout.ppm", &sw, &sh);
	else
		test_failed_flag = true;
	if (shot) {
		CHECK_EQ(sw, w);
		CHECK_EQ(sh, h);
		for (uint32_t y = 0; y < h && sw == w && sh == h; y++)
			for (uint32_t x = 0; x < w; x++) {
				const uint8_t *p = shot + ((size_t)y * w + x) * 3;
				uint32_t got = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];

				if (got != expected(x, y, w) && bad++ < 3)
					printf("#   display: pixel %u,%u is %06x, expected %06x\n", x,
					       y, got, expected(x, y, w));
			}
		printf("#   display shows %ld wrong pixels of %u\n", bad, w * h);
		CHECK_EQ(bad, 0);
	} else {
		test_failed_flag = true;
	}
	/* The CPU sees the same frame, through lock. */
	if (b)
		CHECK_EQ(cpu_mismatches(b), 0);
	free(shot);
	modeset_finish(&m);
	gralloc_buffer_free(gpu.dev, b);
	gralloc_consumer_destroy(cs[1]);
}

/* vkms imports what virtio-gpu exported and composes it; its writeback
 * connector returns the composed frame. */
TEST(vkms_scans_out_gl_frame)
{
	const uint64_t usage = GRALLOC_USAGE_GPU_RENDER_TARGET | GRALLOC_USAGE_CPU_READ_RARELY;
	const uint64_t wb_usage = GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CPU_READ_OFTEN;
	struct gralloc_device_options o = { 0 };
	struct gralloc_device *vdev = NULL;
	struct gralloc_buffer *b = NULL, *wb = NULL;
	struct gralloc_kms *kms = NULL;
	struct modeset m = { 0 };
	char path[64];
	uint32_t fb, wb_fb, w, h;
	void *p;

	if (!ready())
		return;
	if (drm_find_card("vkms", path, sizeof(path))) {
		printf("#   no vkms device in the guest\n");
		test_failed_flag = true;
		return;
	}
	o.display_path = path;
	kms = gralloc_kms_open(path);
	vdev = gralloc_device_create(&o);
	CHECK(kms && vdev);
	CHECK_EQ(modeset_init(&m, gralloc_kms_get_fd(kms)), 0);
	w = m.mode.hdisplay;
	h = m.mode.vdisplay;
	b = allocate(&gpu.consumer, 1, w, h, usage);
	{
		struct gralloc_buffer_desc d = {
			.width = w, .height = h, .format = DRM_FORMAT_XRGB8888, .layer_count = 1,
			.usage = wb_usage, .name = "wb",
		};

		wb = gralloc_buffer_allocate(vdev, &d);
	}
	CHECK(b && wb);
	CHECK_EQ(gl_draw(b, w, h), 0);
	/* What GL drew lives in the host copy on virgl: a read lock brings it
	 * into the pages vkms reads (docs/virgl.md). */
	CHECK_EQ(gralloc_buffer_lock(b, GRALLOC_USAGE_CPU_READ_RARELY, NULL, &p), 0);
	CHECK_EQ(gralloc_buffer_unlock(b), 0);
	CHECK_EQ(gralloc_kms_add_framebuffer(kms, b, &fb), 0);
	CHECK_EQ(gralloc_kms_add_framebuffer(kms, wb, &wb_fb), 0);
	CHECK_EQ(modeset_show(&m, fb, false), 0);
	CHECK_EQ(modeset_writeback(&m, wb_fb), 0);
	/* The writeback frame holds what vkms composed from virtio-gpu's memory. */
	{
		struct gralloc_buffer_info info;
		long bad = 0;

		CHECK_EQ(gralloc_buffer_lock(wb, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, &p), 0);
		gralloc_buffer_describe(wb, &info);
		for (uint32_t y = 0; y < h; y++)
			for (uint32_t x = 0; x < w; x++) {
				uint32_t got = ((const uint32_t *)((uint8_t *)p + (uint64_t)y *
								   info.planes[0].stride))[x];

				if ((got & 0xffffff) != expected(x, y, w) && bad++ < 3)
					printf("#   writeback: pixel %u,%u is %06x, expected %06x\n",
					       x, y, got & 0xffffff, expected(x, y, w));
			}
		gralloc_buffer_unlock(wb);
		printf("#   vkms composed %ld wrong pixels of %u\n", bad, w * h);
		CHECK_EQ(bad, 0);
	}
	modeset_finish(&m);
	gralloc_buffer_free(gpu.dev, b);
	gralloc_buffer_free(vdev, wb);
	gralloc_kms_destroy(kms);
	gralloc_device_destroy(vdev);
}

/* Without the transfer the CPU sees the guest pages, which GL never
 * touched on virgl: proof that the lock, not luck, makes the frame
 * visible. On 2D the pages are what GL drew. */
TEST(raw_pages_without_lock)
{
	const uint32_t w = 256, h = 64;
	struct gralloc_buffer *b;
	struct gralloc_buffer_info info;
	uint32_t *map;
	long differ = 0;

	if (!ready())
		return;
	b = allocate(&gpu.consumer, 1, w, h,
		     GRALLOC_USAGE_GPU_RENDER_TARGET | GRALLOC_USAGE_CPU_READ_RARELY);
	CHECK(b);
	CHECK_EQ(gl_draw(b, w, h), 0);
	gralloc_buffer_describe(b, &info);
	map = mmap(NULL, info.size, PROT_READ, MAP_SHARED, info.fds[0], 0);
	CHECK(map != MAP_FAILED);
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			differ += (map[y * info.planes[0].stride / 4 + x] & 0xffffff) !=
				  expected(x, y, w);
	munmap(map, info.size);
	printf("#   mmap without lock: %ld of %u pixels differ from what GL drew\n", differ,
	       w * h);
	if (vm_gpu_virgl())
		CHECK(differ > 0);
	else
		CHECK_EQ(differ, 0);
	CHECK_EQ(cpu_mismatches(b), 0);
	gralloc_buffer_free(gpu.dev, b);
}

int main(void)
{
	int ret;

	if (!in_guest() && access("/dev/dri", F_OK) != 0) {
		printf("1..0 # SKIP no /dev/dri here: virgl tests run in the guest rig "
		       "(tests/vm/vm.py --gpu virgl)\n");
		return 77;
	}
	/* Mesa's driver must outlive eglTerminate: the sanitizer run's
	 * suppressions name Mesa's leaks by library, which an unloaded
	 * library no longer has (tests/lsan-mesa.supp). */
	dlopen("/usr/lib/x86_64-linux-gnu/dri/virtio_gpu_dri.so", RTLD_NOW | RTLD_NODELETE);
	{
		char path[64];

		if (!drm_find_card("virtio_gpu", path, sizeof(path)))
			gpu_kms = gralloc_kms_open(path);
	}
	egl_fixture_init(&gpu, "virtio_gpu");
	ret = test_run_all();
	egl_fixture_finish(&gpu);
	gralloc_kms_destroy(gpu_kms);
	return ret;
}
