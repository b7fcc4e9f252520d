/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gralloc/kms.h>

#include "demo-common.h"
#include "modeset.h"
#include "png.h"

/* Whether the PNG can be created, without creating it: a failed demo
 * should not leave an empty file behind. NULL or the reason. */
static const char *output_problem(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (!*path)
		return "empty file name";
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return "is a directory";
		return access(path, W_OK) ? strerror(errno) : NULL;
	}
	if (errno != ENOENT)
		return strerror(errno);
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (stat(dir, &st) < 0)
		return errno == ENOENT ? "no such directory" : strerror(errno);
	if (!S_ISDIR(st.st_mode))
		return "a parent is not a directory";
	return access(dir, W_OK | X_OK) ? strerror(errno) : NULL;
}

int demo_parse_options(const char *prog, const char *usage, bool with_copy, int argc,
		       char **argv, struct demo_options *o)
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
	int c;

	const char *why;

	memset(o, 0, sizeof(*o));
	o->prog = prog;
	o->frames = 120;
	optind = 1; /* a caller (the CLI) may have used getopt already */
	opterr = 0; /* getopt's own messages would carry argv[0], not prog */
	while ((c = getopt_long(argc, argv, ":d:D:n:o:ch", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->device = optarg; break;
		case 'D': o->driver = optarg; break;
		case 'o': o->output = optarg; break;
		case 'c':
			if (!with_copy) {
				fprintf(stderr, "%s: unknown option '%s'\n", prog, argv[optind - 1]);
				goto bad;
			}
			o->copy = true;
			break;
		case 'n': {
			char *end;
			unsigned long n;

			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || n > 1000000) {
				fprintf(stderr, "%s: --frames %s: expected 0..1000000\n", prog, optarg);
				return 2;
			}
			o->frames = (unsigned)n;
			break;
		}
		case 'h':
			fputs(usage, stdout);
			return 0;
		case ':':
			fprintf(stderr, "%s: option '%s' needs a value\n", prog, argv[optind - 1]);
			goto bad;
		default:
			fprintf(stderr, "%s: unknown option '%s'\n", prog, argv[optind - 1]);
			goto bad;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		goto bad;
	}
	if (o->output && (why = output_problem(o->output))) {
		fprintf(stderr, "%s: --output %s: %s\n", prog, o->output, why);
		return 2;
	}
	if (o->device) {
		snprintf(o->path, sizeof(o->path), "%s", o->device);
	} else if (drm_find_card(o->driver, o->path, sizeof(o->path))) {
		fprintf(stderr, "%s: no KMS device%s%s found in /dev/dri\n", prog,
			o->driver ? " with driver " : "", o->driver ? o->driver : "");
		return 1;
	}
	return -1;
bad:
	fputs(usage, stderr);
	return 2;
}

struct gralloc_kms *demo_open_display(const char *prog, const char *path, struct modeset *m)
{
	struct gralloc_kms *kms = gralloc_kms_open(path);

	if (!kms) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, gralloc_last_error());
		return NULL;
	}
	if (modeset_init(m, gralloc_kms_get_fd(kms))) {
		/* modeset.c said why on the line before; say who. */
		fprintf(stderr, "%s: %s: cannot drive this display\n", prog, path);
		gralloc_kms_destroy(kms);
		return NULL;
	}
	return kms;
}

int demo_show(const char *prog, struct modeset *m, uint32_t fb, uint32_t frame)
{
	int ret = modeset_show(m, fb, frame > 0);

	if (!ret)
		ret = modeset_wait_flip(m, 2000);
	if (ret)
		fprintf(stderr, "%s: frame %u: %s\n", prog, frame, strerror(-ret));
	return ret;
}

int demo_write_output(const char *prog, const struct demo_options *o,
		      struct gralloc_buffer *shown)
{
	int ret;

	if (!o->output || !o->frames)
		return 0;
	ret = demo_save_png(shown, o->output);
	if (ret)
		fprintf(stderr, "%s: %s: %s\n", prog, o->output, strerror(-ret));
	else
		printf("wrote %s (frame %u as scanned out)\n", o->output, o->frames - 1);
	return ret;
}

double demo_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double demo_cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

int demo_save_png(struct gralloc_buffer *buf, const char *path)
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

void demo_print_explanation(struct gralloc_device *dev, const struct gralloc_buffer_desc *desc,
			    struct gralloc_consumer *const *consumers, size_t n)
{
	static const char *const verdicts[] = { "selected", "fallback", "skipped" };
	struct gralloc_explanation *e = n ? gralloc_explain_for(dev, desc, consumers, n)
					  : gralloc_explain(dev, desc);

	for (size_t i = 0; i < n; i++)
		printf("consumer: %s%s\n", gralloc_consumer_name(consumers[i]),
		       gralloc_consumer_imports_foreign(consumers[i]) ?
			       "" : " (cannot import foreign dma-bufs)");
	if (!e) {
		printf("explain: %s\n", gralloc_last_error());
		return;
	}
	printf("policy: %s\n", gralloc_explanation_summary(e));
	for (size_t i = 0; i < gralloc_explanation_count(e); i++) {
		struct gralloc_candidate c;

		gralloc_explanation_get(e, i, &c);
		printf("  %-8s %-9s %-18s %s\n", verdicts[c.verdict], c.backend, c.heap, c.reason);
	}
	gralloc_explanation_destroy(e);
}
