/* SPDX-License-Identifier: MIT */
/* KMS import and scanout costs, as ratios against baselines measured in the
 * same run (never asserted: exit 0 unless something fails outright).
 *   - cached import (gralloc_kms_add_framebuffer on a buffer already
 *     imported) vs one raw PRIME import + GEM close; target <= 0.2x
 *   - first import (PRIME + AddFB2 + RmFB + close through the library) vs
 *     the same raw ioctls; reported
 *   - CPU time per 1920x1080 frame: drawing in place (zero copy) vs drawing
 *     in malloc'd memory and copying into the scanout buffer
 *   - frame time of the atomic page-flip loop on vkms */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <drm_fourcc.h>
#include <xf86drmMode.h>

#include <gralloc/gralloc.h>
#include <gralloc/kms.h>

#include "kms-util.h"
#include "modeset.h"
#include "pattern.h"

#define ROUNDS 5

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static void report(const char *what, double lib, double base, double target)
{
	double ratio = lib / base;

	printf("%-44s %9.2f us vs %9.2f us  ratio %6.3fx", what, lib, base, ratio);
	if (target > 0)
		printf("  target <= %.2fx: %s", target, ratio <= target ? "met" : "missed");
	printf("\n");
}

/* Raw PRIME import + close of buf's fd on drm_fd; us per iteration. */
static double raw_prime(int drm_fd, int dmabuf, int iters)
{
	double t = now_us();

	for (int i = 0; i < iters; i++) {
		struct drm_gem_close c = { 0 };

		if (drmPrimeFDToHandle(drm_fd, dmabuf, &c.handle))
			return -1;
		drmIoctl(drm_fd, DRM_IOCTL_GEM_CLOSE, &c);
	}
	return (now_us() - t) / iters;
}

static double raw_first_import(int drm_fd, int dmabuf, uint32_t w, uint32_t h,
			       uint32_t stride, int iters)
{
	double t = now_us();

	for (int i = 0; i < iters; i++) {
		uint32_t handles[4] = { 0 }, pitches[4] = { stride }, offsets[4] = { 0 }, fb;
		struct drm_gem_close c = { 0 };

		if (drmPrimeFDToHandle(drm_fd, dmabuf, &c.handle))
			return -1;
		handles[0] = c.handle;
		if (drmModeAddFB2(drm_fd, w, h, DRM_FORMAT_XRGB8888, handles, pitches, offsets,
				  &fb, 0))
			return -1;
		drmModeRmFB(drm_fd, fb);
		drmIoctl(drm_fd, DRM_IOCTL_GEM_CLOSE, &c);
	}
	return (now_us() - t) / iters;
}

static double lib_first_import(struct gralloc_kms *kms, struct gralloc_buffer *b, int iters)
{
	double t = now_us();

	for (int i = 0; i < iters; i++) {
		uint32_t fb;

		if (gralloc_kms_add_framebuffer(kms, b, &fb) ||
		    gralloc_kms_remove_framebuffer(kms, b))
			return -1;
	}
	return (now_us() - t) / iters;
}

static double lib_cached_import(struct gralloc_kms *kms, struct gralloc_buffer *b, int iters)
{
	uint32_t fb;
	double t;

	if (gralloc_kms_add_framebuffer(kms, b, &fb))
		return -1;
	t = now_us();
	for (int i = 0; i < iters; i++)
		if (gralloc_kms_add_framebuffer(kms, b, &fb))
			return -1;
	return (now_us() - t) / iters;
}

/* Both sides draw through this one copy of the code: inlined twice, the
 * two loops would sit at different addresses, and under emulation a loop's
 * speed depends on its address (the zero-copy side once measured 1.22x the
 * copy side for that reason alone). */
__attribute__((noinline)) static void draw(void *pixels, uint32_t stride, uint32_t width,
					   uint32_t height, uint32_t frame)
{
	pattern_fill(pixels, stride, width, height, frame);
}

/* CPU microseconds to produce one frame in `b`. */
static double frame_cpu(struct gralloc_buffer *b, void *scratch, int frames)
{
	struct gralloc_buffer_info info;
	double t = cpu_us();

	gralloc_buffer_describe(b, &info);
	for (int f = 0; f < frames; f++) {
		void *p;

		if (gralloc_buffer_lock(b, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &p))
			return -1;
		if (scratch) {
			draw(scratch, info.width * 4, info.width, info.height, (uint32_t)f);
			for (uint32_t y = 0; y < info.height; y++)
				memcpy((uint8_t *)p + (uint64_t)y * info.planes[0].stride,
				       (uint8_t *)scratch + (uint64_t)y * info.width * 4,
				       (size_t)info.width * 4);
		} else {
			draw(p, info.planes[0].stride, info.width, info.height, (uint32_t)f);
		}
		gralloc_buffer_unlock(b);
	}
	return (cpu_us() - t) / frames;
}

int main(int argc, char **argv)
{
	const int iters = argc > 1 && !strcmp(argv[1], "--quick") ? 100 : 1000;
	const uint64_t usage = GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CPU_WRITE_OFTEN;
	double a[ROUNDS], b[ROUNDS], c[ROUNDS], d[ROUNDS];
	struct gralloc_device_options o = { 0 };
	struct gralloc_buffer *buf, *hd;
	struct gralloc_buffer_info info;
	struct gralloc_kms *kms;
	struct gralloc_device *dev;
	struct modeset m;
	char path[64];
	void *scratch;
	int raw_fd, ret = 1;

	if (drm_find_card("vkms", path, sizeof(path))) {
		printf("no vkms device: run in the guest rig\n");
		return in_guest() ? 1 : 77;
	}
	o.display_path = path;
	dev = gralloc_device_create(&o);
	kms = gralloc_kms_open(path);
	raw_fd = open(path, O_RDWR | O_CLOEXEC);
	if (!dev || !kms || raw_fd < 0 || modeset_init(&m, gralloc_kms_get_fd(kms))) {
		printf("setup failed: %s\n", gralloc_last_error());
		return 1;
	}
	const struct gralloc_buffer_desc desc = {
		.width = m.mode.hdisplay, .height = m.mode.vdisplay, .format = DRM_FORMAT_XRGB8888, .layer_count = 1, .usage = usage, .name = "bench",
	};
	const struct gralloc_buffer_desc hd_desc = {
		.width = 1920, .height = 1080, .format = DRM_FORMAT_XRGB8888, .layer_count = 1, .usage = usage, .name = "bench-1080p",
	};
	buf = gralloc_buffer_allocate(dev, &desc);
	hd = gralloc_buffer_allocate(dev, &hd_desc);
	scratch = malloc(1920 * 1080 * 4);
	if (!buf || !hd || !scratch)
		goto out;
	gralloc_buffer_describe(buf, &info);
	printf("vkms %ux%u, buffers from %s %s, %d iterations x %d rounds\n", info.width,
	       info.height, info.backend, info.heap, iters, ROUNDS);

	/* Interleaved rounds: drift hits both sides alike. */
	for (int r = 0; r < ROUNDS; r++) {
		a[r] = raw_prime(raw_fd, info.fds[0], iters);
		b[r] = lib_cached_import(kms, buf, iters);
		gralloc_kms_remove_framebuffer(kms, buf);
		c[r] = raw_first_import(raw_fd, info.fds[0], info.width, info.height,
					info.planes[0].stride, iters / 10);
		d[r] = lib_first_import(kms, buf, iters / 10);
		if (a[r] < 0 || b[r] < 0 || c[r] < 0 || d[r] < 0) {
			printf("an import failed: %s\n", strerror(errno));
			goto out;
		}
	}
	report("cached import vs raw PRIME import", median(b, ROUNDS), median(a, ROUNDS), 0.2);
	report("first import+AddFB2+remove vs raw ioctls", median(d, ROUNDS), median(c, ROUNDS),
	       0);

	for (int r = 0; r < ROUNDS; r++) {
		a[r] = frame_cpu(hd, scratch, 5);
		b[r] = frame_cpu(hd, NULL, 5);
	}
	/* No target: the copy is what zero-copy saves, but under TCG stores
	 * into a dma-buf mapping cost more than into anonymous memory, so
	 * this ratio only means something on real hardware. */
	report("1920x1080 CPU per frame: zero copy vs copy", median(b, ROUNDS),
	       median(a, ROUNDS), 0);

	uint32_t fb[2];
	struct gralloc_buffer *second = gralloc_buffer_allocate(dev, &desc);

	if (!second || gralloc_kms_add_framebuffer(kms, buf, &fb[0]) ||
	    gralloc_kms_add_framebuffer(kms, second, &fb[1]) || modeset_show(&m, fb[0], false))
		goto out;
	double t = now_us();
	const int frames = iters / 20;

	for (int f = 0; f < frames; f++) {
		if (modeset_show(&m, fb[f % 2], true) || modeset_wait_flip(&m, 2000)) {
			printf("page flip failed\n");
			goto out;
		}
	}
	printf("%-44s %9.2f us per frame (%d flips, vblank-paced at %u Hz)\n",
	       "atomic page-flip loop", (now_us() - t) / frames, frames, m.mode.vrefresh);
	ret = 0;
out:
	free(scratch);
	modeset_finish(&m);
	gralloc_kms_destroy(kms);
	gralloc_device_destroy(dev);
	if (raw_fd >= 0)
		close(raw_fd);
	return ret;
}
