/* SPDX-License-Identifier: MIT */
/* `gralloc bench`: the library's overhead as ratios against raw kernel
 * calls timed in the same run. Ratios travel between machines; absolute
 * times do not, so nothing here fails on a number. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* An 8 MB allocation costs ~1000x a sync ioctl (page zeroing): fewer
 * iterations give the same precision in sane time. */
#define BIG_BUFFER (UINT64_C(1) << 20)
#define BIG_ALLOC_DIVISOR 10

struct bench_opts {
	const char *heap;
	unsigned iters, rounds;
	/* A cheap case samples on past iters for this long, up to
	 * SAMPLE_CAP_FACTOR * iters samples a side: a 20 us allocation gets as
	 * many samples as make its median stable, not the 200 that suit a
	 * 2 ms one. */
	double budget_ns;
	bool json;
};

#define SAMPLE_CAP_FACTOR 50u

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The middle of a sorted sample, and the half-width of its middle half
 * (interquartile range / 2) as the spread. */
struct sample {
	double median, spread;
};

static struct sample summarize(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return (struct sample){ median(v, n), (v[(3 * n) / 4] - v[n / 4]) / 2 };
}

/* Op by op, library and baseline interleaved, the order alternating: slow
 * drift (frequency scaling, a page cache filling up, another process on
 * the machine) lands on both sides alike. Cases that start threads are
 * timed as whole loops per round instead. *done: the samples per side. */
static int run_case(const struct bench_case *c, struct bench_buf *b, unsigned iters,
		    const struct bench_opts *o, struct sample *lib_out, struct sample *base_out,
		    unsigned *done)
{
	unsigned min_n = c->block ? o->rounds : iters;
	unsigned max_n = c->block || c->fixed_count ? min_n : iters * SAMPLE_CAP_FACTOR;
	double *lib = calloc(max_n, sizeof(*lib)), *base = calloc(max_n, sizeof(*base));
	double start, said;
	unsigned i;
	int ret = lib && base ? 0 : -ENOMEM;

	/* One untimed pass of each warms caches and the heap's page pools. */
	if (!ret)
		ret = c->library(b, 1 + iters / 10);
	if (!ret)
		ret = c->baseline(b, 1 + iters / 10);
	start = said = now_ns();
	/* An even count: each side went first equally often. */
	for (i = 0; !ret && (i < min_n || (i < max_n && (i % 2 || now_ns() - start < o->budget_ns)));
	     i++) {
		unsigned per = c->block ? iters : 1;
		bench_loop first = i % 2 ? c->library : c->baseline;
		bench_loop second = i % 2 ? c->baseline : c->library;
		double t0 = now_ns(), t1, t2;

		ret = first(b, per);
		t1 = now_ns();
		if (!ret)
			ret = second(b, per);
		t2 = now_ns();
		(i % 2 ? lib : base)[i] = (t1 - t0) / per;
		(i % 2 ? base : lib)[i] = (t2 - t1) / per;
		/* Slow cases say they are alive every few seconds. */
		if (!ret && now_ns() - said > 5e9) {
			said = now_ns();
			fprintf(stderr, "gralloc bench:       %u/%u done, %.0f s\n", i + 1, min_n,
				(said - start) / 1e9);
		}
	}
	if (ret) {
		fprintf(stderr, "gralloc bench: %s on %s failed: %s (%s)\n", c->name, b->label,
			strerror(-ret), gralloc_last_error());
		free(lib);
		free(base);
		return CLI_FAILED;
	}
	*lib_out = summarize(lib, i);
	*base_out = summarize(base, i);
	*done = i;
	free(lib);
	free(base);
	return 0;
}

static void report(const struct bench_case *c, const struct bench_buf *b, unsigned iters,
		   struct sample lib, struct sample base, bool json, bool first)
{
	double lib_ns = lib.median, base_ns = base.median;
	double ratio = base_ns > 0 ? lib_ns / base_ns : 0;
	/* The ratio's spread, from both sides' relative spreads. */
	double spread = ratio * ((lib_ns > 0 ? lib.spread / lib_ns : 0) +
				 (base_ns > 0 ? base.spread / base_ns : 0));
	bool met = ratio <= c->target;

	if (json) {
		printf("%s{\"case\":\"%s\",\"buffer\":", first ? "" : ",", c->name);
		json_string(stdout, b->label);
		printf(",\"bytes\":%llu,\"iterations\":%u,\"library_ns\":%.1f,"
		       "\"library_spread_ns\":%.1f,\"baseline_ns\":%.1f,"
		       "\"baseline_spread_ns\":%.1f,\"ratio\":%.3f,\"ratio_spread\":%.3f,",
		       (unsigned long long)b->size, iters, lib_ns, lib.spread, base_ns,
		       base.spread, ratio, spread);
		if (c->target > 0)
			printf("\"target\":%.2f,\"target_met\":%s}", c->target,
			       met ? "true" : "false");
		else
			printf("\"target\":null,\"target_met\":null}");
		return;
	}
	printf("%-36s %-10s %7u %12.1f %12.1f %8.3fx ±%-6.3f ", c->label, b->label, iters,
	       lib_ns, base_ns, ratio, spread);
	if (c->target > 0)
		printf("<= %.2f: target %s\n", c->target, met ? "met" : "missed");
	else
		printf("(context, no target)\n");
}

/* The policy is pinned to the one heap under test so the library and the
 * baseline allocate from the same place. The file lives in a memfd: no
 * temporary file to clean up. Returns the fd (caller closes) or -1. */
static int pinned_policy(const char *heap, char *path, size_t len)
{
	int fd = memfd_create("gralloc-bench-policy", MFD_CLOEXEC);
	char text[256];
	int n;

	if (fd < 0)
		return -1;
	n = snprintf(text, sizeof(text), "order cached %s\norder default %s\nfallback none\n",
		     heap, heap);
	if (write(fd, text, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

/* Only plain names: the heap is a file in the heap directory and a word in
 * the policy, so no '/', blanks or wildcards. */
static bool valid_heap_name(const char *s)
{
	return s[0] && strlen(s) < GRALLOC_NAME_MAX && !strpbrk(s, "/ \t\n#*?[") &&
	       strcmp(s, ".") && strcmp(s, "..");
}

static int parse_opts(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "heap", required_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	*o = (struct bench_opts){ .heap = "system", .iters = 2000, .rounds = 7, .budget_ns = 2e9 };
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'q':
			o->iters = 200;
			o->rounds = 5;
			o->budget_ns = 0.5e9;
			break;
		case 'H':
			if (!valid_heap_name(optarg))
				return cli_usage_error("bench", "'%s' is not a heap name", optarg);
			o->heap = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			return cli_print_help("bench");
		case ':':
			return cli_usage_error("bench", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("bench", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("bench", "unexpected argument '%s'", argv[optind]);
	return -1;
}

/* Exit 77 (skip) when there is no heap to measure: the build host has
 * none, the guest rig does. Returns the heap fd or a negative exit code. */
static int open_heap(const struct bench_opts *o, char *node, size_t len)
{
	const char *dir = getenv("GRALLOC_HEAP_DIR");
	const char *why = NULL;
	struct stat st;
	int fd;

	snprintf(node, len, "%s/%s", dir && *dir ? dir : "/dev/dma_heap", o->heap);
	if (stat(node, &st) < 0)
		why = strerror(errno);
	else if (!S_ISCHR(st.st_mode))
		why = "not a character device";
	if (why) {

		if (o->json) {
			printf("{\"skipped\":true,\"reason\":");
			json_string(stdout, why);
			printf(",\"node\":");
			json_string(stdout, node);
			printf("}\n");
		}
		fprintf(stderr, "gralloc bench: no dma-buf heap here (%s: %s): nothing to "
				"measure. The kernel needs CONFIG_DMABUF_HEAPS_SYSTEM; pick another "
				"heap with --heap NAME or the directory with GRALLOC_HEAP_DIR\n",
			node, why);
		return -CLI_SKIP;
	}
	fd = open(node, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "gralloc bench: cannot open %s: %s\n", node, strerror(errno));
		return -CLI_FAILED;
	}
	return fd;
}

static int run_all(const struct bench_opts *o, struct gralloc_device *dev,
		   struct gralloc_device *pooled, int heap_fd)
{
	static const struct {
		const char *label;
		uint32_t w, h;
	} shapes[] = { { "64 KiB", 128, 128 }, { "1920x1080", 1920, 1080 } };
	const size_t num_shapes = sizeof(shapes) / sizeof(shapes[0]);
	bool first = true;
	size_t step = 0;

	size_t total = 0;

	for (size_t c = 0; c < bench_case_count; c++)
		for (size_t s = 0; s < num_shapes; s++)
			total += !!(bench_cases[c].shapes & (1u << s));
	for (size_t c = 0; c < bench_case_count; c++) {
		const struct bench_case *bc = &bench_cases[c];

		for (size_t s = 0; s < num_shapes; s++) {
			if (!(bc->shapes & (1u << s)))
				continue;
			struct gralloc_buffer_info info;
			struct bench_buf b = {
				.label = shapes[s].label,
				.desc = { .width = shapes[s].w, .height = shapes[s].h,
					  .format = 0x34325258, /* XR24: XRGB8888 */
					  /* No name: an unnamed buffer is named
					   * when its fds first leave the library,
					   * not on the allocation path. */
					  .usage = GRALLOC_USAGE_CPU_READ_OFTEN |
						   GRALLOC_USAGE_CPU_WRITE_OFTEN },
				.dev = dev,
				.pooled = pooled,
				.heap_fd = heap_fd,
				.param = bc->param,
				.fd = -1,
				.sock = { -1, -1 },
			};
			unsigned iters = o->iters, done = 0;
			struct sample lib, base;
			int ret;

			if (gralloc_compute_layout(&b.desc, &info) < 0)
				return cli_fail("cannot lay out the bench buffer", errno);
			b.size = info.size;
			if (!bc->setup && b.size > BIG_BUFFER)
				iters = iters / BIG_ALLOC_DIVISOR ? iters / BIG_ALLOC_DIVISOR : 1;
			if (bc->setup && bc->setup(&b)) {
				if (bc->teardown)
					bc->teardown(&b);
				return CLI_FAILED;
			}
			/* A case can take minutes on a slow machine (the guest
			 * rig: over 100 s): say what is running, on stderr so
			 * stdout stays the table or the JSON. */
			fprintf(stderr, "gralloc bench: [%zu/%zu] %s, %s: %s%u %s x 2 sides...\n",
				++step, total, bc->name, b.label,
				bc->block || bc->fixed_count ? "" : "at least ",
				bc->block ? o->rounds : iters,
				bc->block ? "rounds" : "interleaved operations");
			ret = run_case(bc, &b, iters, o, &lib, &base, &done);
			if (bc->teardown)
				bc->teardown(&b);
			if (ret)
				return ret;
			report(bc, &b, done, lib, base, o->json, first);
			first = false;
			fflush(stdout);
		}
	}
	return CLI_OK;
}

/* The live-buffer cases hold 10000 dma-bufs at once: ask for room (root
 * may raise the hard limit too), else take what the hard limit allows. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 16384) {
		struct rlimit want = { 16384, 16384 };

		if (!setrlimit(RLIMIT_NOFILE, &want))
			return;
	}
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/* The first allocation proves the pinned policy reached the heap: a
 * comparison against a different heap or memfd would mean nothing. */
static int check_heap(struct gralloc_device *dev, const char *heap)
{
	struct gralloc_buffer_desc d = { .width = 64, .height = 64, .format = 0x34325258,
					 .usage = GRALLOC_USAGE_CPU_READ_OFTEN };
	struct gralloc_buffer_info info;
	struct gralloc_buffer *buf = gralloc_buffer_allocate(dev, &d);
	int ret = CLI_OK;

	if (!buf)
		return cli_fail("allocation from the heap failed", errno);
	gralloc_buffer_describe(buf, &info);
	if (strcmp(info.backend, "dma-heap") || strcmp(info.heap, heap)) {
		fprintf(stderr, "gralloc bench: the library allocated from %s %s, not heap %s\n",
			info.backend, info.heap, heap);
		ret = CLI_FAILED;
	}
	gralloc_buffer_free(dev, buf);
	return ret;
}

int cmd_bench(int argc, char **argv)
{
	struct gralloc_device_options dopts = { 0 };
	struct gralloc_device *dev, *pooled;
	struct bench_opts o;
	char node[512], policy_path[64];
	int heap_fd, policy_fd, ret = parse_opts(argc, argv, &o);

	if (ret >= 0)
		return ret;
	heap_fd = open_heap(&o, node, sizeof(node));
	if (heap_fd < 0)
		return -heap_fd;
	policy_fd = pinned_policy(o.heap, policy_path, sizeof(policy_path));
	if (policy_fd < 0) {
		fprintf(stderr, "gralloc bench: cannot write the bench policy: %s\n",
			strerror(errno));
		close(heap_fd);
		return CLI_FAILED;
	}
	dopts.config_path = policy_path;
	/* Fresh memory on every allocation: what the raw ioctl gives. The
	 * pool has its own device and its own case. */
	dopts.pool_max_bytes = UINT64_MAX;
	dev = gralloc_device_create(&dopts);
	dopts.pool_max_bytes = 0;
	pooled = dev ? gralloc_device_create(&dopts) : NULL;
	close(policy_fd); /* read once, at creation */
	if (!pooled) {
		gralloc_device_destroy(dev);
		close(heap_fd);
		return cli_fail("cannot create device", errno);
	}
	raise_fd_limit();
	ret = check_heap(dev, o.heap);
	if (ret == CLI_OK) {
		if (o.json) {
			printf("{\"heap\":");
			json_string(stdout, o.heap);
			printf(",\"node\":");
			json_string(stdout, node);
			printf(",\"rounds\":%u,\"cases\":[", o.rounds);
		} else {
			printf("gralloc bench: heap %s (%s), operations interleaved one by one, "
			       "at least %u a side and on for %.1f s (threads: %u rounds); "
			       "medians in ns per operation, ± half the interquartile range\n"
			       "%-36s %-10s %7s %12s %12s %9s %-7s %s\n",
			       o.heap, node, o.iters, o.budget_ns / 1e9, o.rounds, "case", "buffer",
			       "samples", "library", "baseline", "ratio", "spread", "target");
		}
		fflush(stdout); /* the header before stderr's progress lines */
		ret = run_all(&o, dev, pooled, heap_fd);
		if (o.json)
			printf("]}\n");
	}
	gralloc_device_destroy(pooled);
	gralloc_device_destroy(dev);
	close(heap_fd);
	return ret;
}
