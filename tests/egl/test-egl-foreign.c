/* SPDX-License-Identifier: MIT */
/* EGL images of foreign buffers (gralloc_buffer_import) on the guest's
 * kms_swrast displays. Memory the display made itself, handed over by
 * someone else (a compositor's client buffer), samples in GL with the
 * producer's layout; system-heap memory, which kms_swrast cannot map
 * (it segfaults on first use, docs/egl.md), is refused with ENOTSUP
 * before the driver sees it. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/dma-heap.h>

#include "egl-fixture.h"
#include "kms-util.h"
#include "test.h"

enum { VKMS, VIRTIO_GPU, NUM_FIXTURES };
static struct egl_fixture fixtures[NUM_FIXTURES];

#define W 97
#define H 61

static bool use(struct egl_fixture *f)
{
	if (!f->ready) {
		if (in_guest()) {
			printf("#   %s\n", f->error);
			test_failed_flag = true;
		} else {
			test_skip(f->error);
		}
		return false;
	}
	return eglMakeCurrent(f->g.dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, f->g.ctx);
}

static uint32_t pixel(uint32_t x, uint32_t y)
{
	return ((x * 5 + y) & 0xff) << 16 | ((x ^ (y * 3)) & 0xff) << 8 | ((x + y * 7) & 0xff);
}

/* The buffer's memory wrapped again as foreign memory, as a process that
 * got only its fds and layout would (the fds are ours to close). */
static struct gralloc_buffer *wrap(struct gralloc_device *dev, struct gralloc_buffer *buf)
{
	struct gralloc_buffer_info info;
	struct gralloc_import_desc d = { 0 };
	struct gralloc_buffer *out;

	gralloc_buffer_describe(buf, &info);
	d.width = info.width;
	d.height = info.height;
	d.format = info.format;
	d.modifier = info.modifier;
	d.usage = GRALLOC_USAGE_GPU_TEXTURE;
	d.num_fds = info.num_fds;
	d.num_planes = info.num_planes;
	for (uint32_t i = 0; i < info.num_fds; i++)
		d.fds[i] = gralloc_buffer_export_fd(buf, i);
	memcpy(d.planes, info.planes, sizeof(d.planes));
	out = gralloc_buffer_import(dev, &d);
	if (!out)
		printf("#   import: %s\n", gralloc_last_error());
	for (uint32_t i = 0; i < info.num_fds; i++)
		close(d.fds[i]);
	return out;
}

/* The display's own memory (the consumer sends allocations there), wrapped
 * as foreign, sampled by GL: every pixel the CPU wrote comes out. */
static void own_memory_samples(struct egl_fixture *f)
{
	struct gralloc_buffer_desc d = {
		.width = W, .height = H, .format = DRM_FORMAT_XRGB8888,
		.usage = GRALLOC_USAGE_GPU_TEXTURE | GRALLOC_USAGE_CPU_WRITE_OFTEN,
		.name = "egl-foreign-src",
	};
	struct gralloc_buffer *src = NULL, *foreign = NULL;
	struct gralloc_egl_image *img = NULL;
	struct gralloc_buffer_info info;
	GLuint tex = 0, out_tex = 0, fbo = 0;
	GLenum target = 0;
	uint8_t rgba[W * H * 4], *p;
	long bad = 0;

	if (!use(f))
		return;
	src = gralloc_buffer_allocate_for(f->dev, &d, &f->consumer, 1);
	CHECK(src);
	gralloc_buffer_describe(src, &info);
	printf("#   %s: source %s, stride %u\n", f->driver, info.backend, info.planes[0].stride);
	CHECK_EQ(gralloc_buffer_lock(src, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, (void **)&p), 0);
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++)
			((uint32_t *)(p + (size_t)y * info.planes[0].stride))[x] = pixel(x, y);
	gralloc_buffer_unlock(src);
	foreign = wrap(f->dev, src);
	CHECK(foreign);
	img = gralloc_egl_image_create(f->egl, foreign, NULL);
	if (!img)
		printf("#   image: %s\n", gralloc_last_error());
	CHECK(img);
	CHECK_EQ(gralloc_egl_image_texture(img, &tex, &target), 0);
	glGenTextures(1, &out_tex);
	glBindTexture(GL_TEXTURE_2D, out_tex);
	glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, W, H, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
	glBindTexture(GL_TEXTURE_2D, 0);
	glGenFramebuffers(1, &fbo);
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, out_tex, 0);
	glViewport(0, 0, W, H);
	egl_draw_quad(f->copy_prog, tex, target);
	glReadPixels(0, 0, W, H, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
	glFinish();
	glBindFramebuffer(GL_FRAMEBUFFER, 0);
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++) {
			const uint8_t *q = rgba + ((size_t)y * W + x) * 4;

			bad += ((uint32_t)q[0] << 16 | (uint32_t)q[1] << 8 | q[2]) != pixel(x, y);
		}
	glDeleteFramebuffers(1, &fbo);
	glDeleteTextures(1, &out_tex);
	glDeleteTextures(1, &tex);
	gralloc_egl_image_destroy(img);
	gralloc_buffer_free(f->dev, foreign);
	gralloc_buffer_free(f->dev, src);
	CHECK_EQ(bad, 0);
}

/* System-heap memory wrapped as foreign: kms_swrast would crash on it,
 * so the library refuses, and our fds stay as they were. */
static void heap_memory_refused(struct egl_fixture *f)
{
	struct dma_heap_allocation_data a = { .len = 65536, .fd_flags = O_RDWR | O_CLOEXEC };
	struct gralloc_import_desc d = {
		.width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888,
		.modifier = DRM_FORMAT_MOD_LINEAR, .usage = GRALLOC_USAGE_GPU_TEXTURE,
		.num_fds = 1, .num_planes = 1, .planes = { { .stride = 320 } },
	};
	struct gralloc_egl_image *img;
	struct gralloc_buffer *buf;
	int heap, fds_before;
	struct stat st;

	if (!use(f))
		return;
	heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	CHECK(heap >= 0);
	CHECK_EQ(ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &a), 0);
	close(heap);
	d.fds[0] = (int)a.fd;
	buf = gralloc_buffer_import(f->dev, &d);
	CHECK(buf);
	CHECK_EQ(fstat(d.fds[0], &st), 0);
	fds_before = test_count_fds();
	CHECK(gralloc_egl_imports_foreign(f->egl) == false);
	img = gralloc_egl_image_create(f->egl, buf, NULL);
	printf("#   %s: %s\n", f->driver, img ? "an image was made" : gralloc_last_error());
	CHECK(img == NULL);
	CHECK_EQ(errno, ENOTSUP);
	CHECK_EQ(test_count_fds(), fds_before);
	gralloc_buffer_free(f->dev, buf);
	{
		struct stat now;

		CHECK_EQ(fstat(d.fds[0], &now), 0);
		CHECK(now.st_ino == st.st_ino);
	}
	close(d.fds[0]);
}

#define PER_DEVICE(name, fn)                                   \
	TEST(name##_vkms) { fn(&fixtures[VKMS]); }             \
	TEST(name##_virtio_gpu) { fn(&fixtures[VIRTIO_GPU]); }

PER_DEVICE(own_memory_as_foreign_samples, own_memory_samples)
PER_DEVICE(heap_memory_as_foreign_refused, heap_memory_refused)

int main(void)
{
	static const char *const drivers[NUM_FIXTURES] = { "vkms", "virtio_gpu" };
	int ret;

	if (!in_guest() && access("/dev/dri", F_OK) != 0) {
		printf("1..0 # SKIP no /dev/dri here: EGL tests run in the guest rig "
		       "(python3 tests/vm/vm.py)\n");
		return 77;
	}
	for (int i = 0; i < NUM_FIXTURES; i++)
		egl_fixture_init(&fixtures[i], drivers[i]);
	ret = test_run_all();
	for (int i = 0; i < NUM_FIXTURES; i++)
		egl_fixture_finish(&fixtures[i]);
	return ret;
}
