/* SPDX-License-Identifier: MIT */
/* Zero-copy scanout demo: buffers come from the allocation policy, the CPU
 * draws into them through lock/unlock, and atomic page flips show them.
 * Nothing is copied between drawing and the display. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>

#include <gralloc/gralloc.h>
#include <gralloc/kms.h>

#include "demo.h"
#include "modeset.h"
#include "pattern.h"
#include "png.h"

#define NUM_BUFFERS 2

struct options {
	const char *device, *driver, *output;
	unsigned frames;
	bool copy; /* draw into malloc'd memory and copy: the path we avoid */
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int find_device(const char *driver, char *path, size_t len)
{
	if (!drm_find_card(driver, path, len))
		return 0;
	fprintf(stderr, "kms-demo: no KMS device%s%s found in /dev/dri\n",
		driver ? " with driver " : "", driver ? driver : "");
	return -ENODEV;
}

static int draw(struct gralloc_buffer *buf, uint32_t frame, uint32_t w, uint32_t h,
		void *scratch)
{
	struct gralloc_buffer_info info;
	void *pixels;
	int ret = gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &pixels);

	if (ret)
		return ret;
	gralloc_buffer_describe(buf, &info);
	if (scratch) {
		pattern_fill(scratch, w * 4, w, h, frame);
		for (uint32_t y = 0; y < h; y++)
			memcpy((uint8_t *)pixels + (uint64_t)y * info.planes[0].stride,
			       (uint8_t *)scratch + (uint64_t)y * w * 4, (size_t)w * 4);
	} else {
		pattern_fill(pixels, info.planes[0].stride, w, h, frame);
	}
	return gralloc_buffer_unlock(buf);
}

static int save_png(struct gralloc_buffer *buf, const char *path)
{
	struct gralloc_buffer_info info;
	void *pixels;
	int ret = gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, &pixels);

	if (ret)
		return ret;
	gralloc_buffer_describe(buf, &info);
	ret = png_write_xrgb8888(path, pixels, info.width, info.height, info.planes[0].stride);
	gralloc_buffer_unlock(buf);
	return ret;
}

static void print_explain(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc)
{
	struct gralloc_explanation *e = gralloc_explain(dev, desc);
	static const char *const verdicts[] = { "selected", "fallback", "skipped" };

	if (!e)
		return;
	printf("policy: %s\n", gralloc_explanation_summary(e));
	for (size_t i = 0; i < gralloc_explanation_count(e); i++) {
		struct gralloc_candidate c;

		gralloc_explanation_get(e, i, &c);
		printf("  %-8s %-9s %-18s %s\n", verdicts[c.verdict], c.backend, c.heap, c.reason);
	}
	gralloc_explanation_destroy(e);
}

static int run(const struct options *o, const char *path)
{
	struct gralloc_device_options dopts = { .display_path = path };
	struct gralloc_buffer *bufs[NUM_BUFFERS] = { 0 };
	struct gralloc_device *dev = NULL;
	struct gralloc_kms *kms;
	struct gralloc_buffer_info info;
	struct modeset m;
	uint32_t fbs[NUM_BUFFERS], w, h, shown = 0;
	void *scratch = NULL;
	double t0, c0, t1, c1;
	int ret;

	/* Opening the node first makes us DRM master on it. */
	kms = gralloc_kms_open(path);
	if (!kms) {
		fprintf(stderr, "kms-demo: %s: %s\n", path, gralloc_last_error());
		return 1;
	}
	ret = modeset_init(&m, gralloc_kms_get_fd(kms));
	if (ret)
		goto out;
	w = m.mode.hdisplay;
	h = m.mode.vdisplay;
	dev = gralloc_device_create(&dopts);
	if (!dev) {
		ret = -errno;
		fprintf(stderr, "kms-demo: %s\n", gralloc_last_error());
		goto out;
	}
	const struct gralloc_buffer_desc desc = {
		.width = w, .height = h, .format = DRM_FORMAT_XRGB8888,
		.usage = GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CPU_WRITE_OFTEN |
			 GRALLOC_USAGE_CPU_READ_RARELY,
		.name = "kms-demo",
	};
	printf("display: %s (%s), mode %ux%u@%u\n", path, gralloc_kms_driver_name(kms), w, h,
	       m.mode.vrefresh);
	print_explain(dev, &desc);
	for (int i = 0; i < NUM_BUFFERS; i++) {
		bufs[i] = gralloc_buffer_allocate(dev, &desc);
		if (!bufs[i]) {
			ret = -errno;
			fprintf(stderr, "kms-demo: allocate: %s\n", gralloc_last_error());
			goto out;
		}
		ret = gralloc_kms_add_framebuffer(kms, bufs[i], &fbs[i]);
		if (ret) {
			fprintf(stderr, "kms-demo: framebuffer: %s\n", gralloc_last_error());
			goto out;
		}
	}
	gralloc_buffer_describe(bufs[0], &info);
	printf("buffers: %s%s%s, stride %u, %llu bytes, fb %u/%u, %s\n", info.backend,
	       info.heap[0] ? " heap " : "", info.heap, info.planes[0].stride,
	       (unsigned long long)info.size, fbs[0], fbs[1],
	       o->copy ? "drawing into malloc'd memory and copying" : "zero copy");
	if (o->copy && !(scratch = malloc((size_t)w * h * 4))) {
		ret = -ENOMEM;
		goto out;
	}

	t0 = now_ms();
	c0 = cpu_ms();
	for (uint32_t frame = 0; frame < o->frames; frame++) {
		uint32_t back = frame % NUM_BUFFERS;

		ret = draw(bufs[back], frame, w, h, scratch);
		if (!ret)
			ret = modeset_show(&m, fbs[back], frame > 0);
		if (!ret)
			ret = modeset_wait_flip(&m, 2000);
		if (ret) {
			fprintf(stderr, "kms-demo: frame %u: %s\n", frame, strerror(-ret));
			goto out;
		}
		shown = back;
	}
	t1 = now_ms();
	c1 = cpu_ms();
	if (o->frames)
		printf("frames: %u, %.2f ms per frame, %.2f ms CPU per frame\n", o->frames,
		       (t1 - t0) / o->frames, (c1 - c0) / o->frames);
	if (o->output && o->frames) {
		ret = save_png(bufs[shown], o->output);
		if (ret)
			fprintf(stderr, "kms-demo: %s: %s\n", o->output, strerror(-ret));
		else
			printf("wrote %s (frame %u as scanned out)\n", o->output, o->frames - 1);
	}
out:
	free(scratch);
	modeset_finish(&m);
	/* Framebuffers go with the kms object, then the memory. */
	gralloc_kms_destroy(kms);
	gralloc_device_destroy(dev);
	return ret ? 1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: kms-demo [--device /dev/dri/cardN | --driver NAME] [--frames N]\n"
		   "                [--output frame.png] [--copy]\n");
}

int kms_demo_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "driver", required_argument, NULL, 'D' },
		{ "frames", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "copy", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct options o = { .frames = 120 };
	char path[64];
	char *end;
	int c;

	optind = 1; /* the CLI may have used getopt already */
	while ((c = getopt_long(argc, argv, "d:D:n:o:ch", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o.device = optarg; break;
		case 'D': o.driver = optarg; break;
		case 'o': o.output = optarg; break;
		case 'c': o.copy = true; break;
		case 'n': {
			unsigned long n;

			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || n > 1000000) {
				fprintf(stderr, "kms-demo: --frames %s: expected 0..1000000\n", optarg);
				return 2;
			}
			o.frames = (unsigned)n;
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "kms-demo: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (o.device)
		snprintf(path, sizeof(path), "%s", o.device);
	else if (find_device(o.driver, path, sizeof(path)))
		return 1;
	return run(&o, path);
}
