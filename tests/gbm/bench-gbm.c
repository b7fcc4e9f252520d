/* SPDX-License-Identifier: MIT */
/* gbm_bo_create + destroy through gralloc_gbm.so (wrap and standalone)
 * against Mesa's own backend on the same device, in one process: the
 * loader reads GBM_BACKEND at each gbm_create_device(), so three devices
 * on one fd get three backends. Then the same with use: map, write every
 * page, unmap, because Mesa's dumb buffers are lazy and fault on every map.
 * Prints ratios against Mesa measured in this run; asserts no timing.
 *
 * Also the floor of wrap mode: its system calls alone, with no library code
 * at all. Memory made on another file description of the card and turned
 * into a Mesa bo by import must be created, exported as a dma-buf,
 * imported, and closed on both sides: where that floor is above 1.1x
 * Mesa's own create + destroy, no wrap design reaches 1.1x.
 *
 *   bench-gbm MODULE_DIR [DRIVER] [--quick] */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gbm.h>
#include <xf86drm.h>

enum { MESA, WRAP, STANDALONE, NUM_DEVS };
static const char *const dev_names[NUM_DEVS] = { "mesa", "wrap", "standalone" };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_driver(const char *driver)
{
	for (int i = 0; i < 16; i++) {
		char path[32];
		int fd;
		drmVersionPtr v;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		if (v && !strcmp(v->name, driver)) {
			drmFreeVersion(v);
			return fd;
		}
		drmFreeVersion(v);
		close(fd);
	}
	return -1;
}

static struct gbm_device *create_dev(int fd, const char *mode)
{
	if (mode) {
		setenv("GBM_BACKEND", "gralloc", 1);
		setenv("GRALLOC_GBM_MODE", mode, 1);
	} else {
		unsetenv("GBM_BACKEND");
	}
	return gbm_create_device(fd);
}

/* Name of the dma-buf behind a bo, from fdinfo: proves which backend made it. */
static void bo_name(struct gbm_bo *bo, char *out, size_t len)
{
	char path[64], line[256];
	int fd = gbm_bo_get_fd(bo);
	FILE *f;

	snprintf(out, len, "-");
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fd >= 0 ? fopen(path, "r") : NULL;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "name:", 5)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, len, "%s", line + 5 + strspn(line + 5, " \t"));
		}
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
}

/* Seconds per iteration, or -1 on failure. */
static double run(struct gbm_device *gbm, uint32_t w, uint32_t h, int iters, bool use)
{
	const uint32_t flags = GBM_BO_USE_SCANOUT | GBM_BO_USE_RENDERING;
	double t0 = now();

	for (int i = 0; i < iters; i++) {
		struct gbm_bo *bo = gbm_bo_create(gbm, w, h, GBM_FORMAT_XRGB8888, flags);

		if (!bo)
			return -1;
		if (use) {
			uint32_t stride;
			void *data = NULL;
			uint8_t *p = gbm_bo_map(bo, 0, 0, w, h, GBM_BO_TRANSFER_WRITE, &stride, &data);

			if (!p) {
				gbm_bo_destroy(bo);
				return -1;
			}
			for (size_t off = 0; off < (size_t)stride * h; off += 4096)
				p[off] = (uint8_t)i;
			gbm_bo_unmap(bo, data);
		}
		gbm_bo_destroy(bo);
	}
	return (now() - t0) / iters;
}

/* Wrap mode's kernel work per bo, nothing else (no name, no Mesa): a dumb
 * buffer on our own description of the card, exported, imported on the
 * GBM fd as Mesa's import does, both handles and the dma-buf closed. */
static double run_floor(int fd, int own, uint32_t w, uint32_t h, int iters)
{
	double t0 = now();

	for (int i = 0; i < iters; i++) {
		struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = 32 };
		struct drm_prime_handle exp = { .flags = DRM_CLOEXEC | DRM_RDWR };
		struct drm_prime_handle imp = { 0 };
		struct drm_gem_close ours = { 0 }, mesas = { 0 };

		if (drmIoctl(own, DRM_IOCTL_MODE_CREATE_DUMB, &c))
			return -1;
		exp.handle = ours.handle = c.handle;
		if (drmIoctl(own, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp)) {
			drmIoctl(own, DRM_IOCTL_GEM_CLOSE, &ours);
			return -1;
		}
		drmIoctl(own, DRM_IOCTL_GEM_CLOSE, &ours);
		imp.fd = exp.fd;
		if (drmIoctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp)) {
			close(exp.fd);
			return -1;
		}
		mesas.handle = imp.handle;
		drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &mesas);
		close(exp.fd);
	}
	return (now() - t0) / iters;
}

int main(int argc, char **argv)
{
	static const struct { uint32_t w, h; int iters; } sizes[] = {
		{ 256, 256, 200 }, { 1920, 1080, 40 },
	};
	const char *driver = argc > 2 && argv[2][0] != '-' ? argv[2] : "vkms";
	bool quick = argc > 1 && !strcmp(argv[argc - 1], "--quick");
	struct gbm_device *devs[NUM_DEVS];
	char path[1024];
	int fd, own, ret = 0;

	/* A guest test killed at its timeout still shows what it measured. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: %s MODULE_DIR [DRIVER] [--quick]\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s:/usr/lib/x86_64-linux-gnu/gbm", argv[1]);
	setenv("GBM_BACKENDS_PATH", path, 1);
	fd = open_driver(driver);
	if (fd < 0) {
		printf("no %s card: run in the guest rig\n", driver);
		return getenv("GRALLOC_VM") ? 1 : 77;
	}
	/* The second description wrap mode opens (gralloc reopens the node). */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	own = open(path, O_RDWR | O_CLOEXEC);
	if (own < 0) {
		printf("not ok - reopen %s: %s\n", driver, strerror(errno));
		return 1;
	}
	devs[MESA] = create_dev(fd, NULL);
	devs[WRAP] = create_dev(fd, "wrap");
	devs[STANDALONE] = create_dev(fd, "standalone");
	for (int d = 0; d < NUM_DEVS; d++) {
		struct gbm_bo *bo = devs[d] ? gbm_bo_create(devs[d], 64, 64, GBM_FORMAT_XRGB8888,
							    GBM_BO_USE_RENDERING) : NULL;
		char name[128] = "-";

		if (!bo) {
			printf("not ok - %s device on %s: %s\n", dev_names[d], driver, strerror(errno));
			return 1;
		}
		bo_name(bo, name, sizeof(name));
		printf("# %-10s backend \"%s\", buffer dma-buf name \"%s\"\n", dev_names[d],
		       gbm_device_get_backend_name(devs[d]), name);
		gbm_bo_destroy(bo);
	}
	for (int use = 0; use < 2; use++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			int iters = quick ? sizes[s].iters / 10 : sizes[s].iters;
			double t[NUM_DEVS] = { 0 }, kernel = 0;

			/* Interleaved rounds so that load on the machine hits all alike. */
			for (int round = 0; round < 4; round++) {
				for (int d = 0; d < NUM_DEVS; d++) {
					double r = run(devs[d], sizes[s].w, sizes[s].h, iters, use);

					if (r < 0) {
						printf("not ok - %s %ux%u: %s\n", dev_names[d], sizes[s].w,
						       sizes[s].h, strerror(errno));
						ret = 1;
					}
					t[d] += r / 4;
				}
				if (!use) {
					double r = run_floor(fd, own, sizes[s].w, sizes[s].h, iters);

					if (r < 0) {
						printf("not ok - floor %ux%u: %s\n", sizes[s].w,
						       sizes[s].h, strerror(errno));
						ret = 1;
					}
					kernel += r / 4;
				}
			}
			printf("%s %ux%u XRGB8888: mesa %.1f us, wrap %.1f us (%.2fx), "
			       "standalone %.1f us (%.2fx)",
			       use ? "create+map+write+unmap+destroy" : "create+destroy", sizes[s].w,
			       sizes[s].h, t[MESA] * 1e6, t[WRAP] * 1e6, t[WRAP] / t[MESA],
			       t[STANDALONE] * 1e6, t[STANDALONE] / t[MESA]);
			if (!use)
				printf(", wrap's system calls alone %.1f us (%.2fx)", kernel * 1e6,
				       kernel / t[MESA]);
			printf("\n");
		}
	}
	for (int d = NUM_DEVS - 1; d >= 0; d--)
		gbm_device_destroy(devs[d]);
	close(own);
	close(fd);
	return ret;
}
