/* SPDX-License-Identifier: MIT */
/* The policy language, request classification and the planner. Planner
 * tests run on a device whose heap directory is a temporary directory; a
 * heap is "present" there only as a character device, which needs mknod
 * (root). Those nodes are never allocated from: only explain looks at
 * them. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "gralloc/plan.h"
#include "gralloc/policy.h"
#include "gralloc/routes.h"
#include "gralloc/consumer_private.h"
#include "gralloc/kms_private.h"

#include "test.h"

static char dump_a[16384], dump_b[16384];

static int load(struct gralloc_policy *p, const char *text)
{
	return policy_load_string(p, text, "file");
}

TEST(defaults_load)
{
	struct gralloc_policy p;
	const struct policy_heap *h;

	policy_init_defaults(&p);
	CHECK_STR(p.source, "built-in defaults");
	CHECK_EQ(p.num_heaps, 5);
	h = policy_find_heap(&p, "system");
	CHECK(h && h->kind == HEAP_KIND_SYSTEM && h->cached);
	CHECK_STR(h->node, "system");
	h = policy_find_heap(&p, "system-uncached");
	CHECK(h && h->kind == HEAP_KIND_SYSTEM && !h->cached);
	h = policy_find_heap(&p, "linux,cma");
	CHECK(h && h->kind == HEAP_KIND_CMA);
	CHECK(policy_find_heap(&p, "reserved"));
	CHECK(policy_find_heap(&p, "default_cma_region"));
	CHECK(!policy_find_heap(&p, "secure"));
	CHECK_EQ(p.orders[CLASS_PROTECTED].count, 2);
	CHECK_STR(p.orders[CLASS_PROTECTED].patterns[0], "system-secure*");
	CHECK_STR(p.orders[CLASS_PROTECTED].patterns[1], "secure*");
	CHECK_EQ(p.orders[CLASS_CONTIGUOUS].count, 4);
	CHECK_STR(p.orders[CLASS_CONTIGUOUS].patterns[0], "linux,cma");
	CHECK_STR(p.orders[CLASS_CONTIGUOUS].patterns[3], "system");
	CHECK_EQ(p.orders[CLASS_UNCACHED].count, 2);
	CHECK_STR(p.orders[CLASS_UNCACHED].patterns[0], "system-uncached");
	CHECK_EQ(p.orders[CLASS_CACHED].count, 1);
	CHECK_EQ(p.orders[CLASS_DEFAULT].count, 1);
	CHECK_EQ(p.num_fallbacks, 2);
	CHECK_STR(p.fallbacks[0], "udmabuf");
	CHECK_STR(p.fallbacks[1], "memfd");
	CHECK_EQ(p.iommu, IOMMU_AUTO);
}

TEST(every_directive)
{
	struct gralloc_policy p;
	const struct policy_heap *h;

	policy_init_defaults(&p);
	CHECK_EQ(load(&p,
		      "# vendor board\n"
		      "heap vendor kind=other cached=no node=vendor_node ion=vendor_ion "
		      "ion-flags=0x3   # trailing comment\n"
		      "heap legacy kind=cma cached=true ion-mask=0x10\n"
		      "\theap  secure_video\tkind=secure cached=0\r\n"
		      "heap system cached=false\n"
		      "order protected secure_video\n"
		      "order cached vendor legacy system\n"
		      "order default\n"
		      "fallback memfd\n"
		      "iommu absent\n"), 0);
	CHECK_STR(p.source, "file");
	CHECK_EQ(p.num_heaps, 8);
	h = policy_find_heap(&p, "vendor");
	CHECK(h);
	CHECK_EQ(h->kind, HEAP_KIND_OTHER);
	CHECK(!h->cached);
	CHECK_STR(h->node, "vendor_node");
	CHECK(h->ion.set);
	CHECK_STR(h->ion.heap_name, "vendor_ion");
	CHECK_EQ(h->ion.flags, 3);
	h = policy_find_heap(&p, "legacy");
	CHECK(h && h->kind == HEAP_KIND_CMA && h->cached);
	CHECK_STR(h->node, "legacy");
	CHECK(h->ion.set);
	CHECK_STR(h->ion.heap_name, "");
	CHECK_EQ(h->ion.id_mask, 0x10);
	h = policy_find_heap(&p, "secure_video");
	CHECK(h && h->kind == HEAP_KIND_SECURE && !h->cached);
	/* Redeclaring a heap changes only what the line says. */
	h = policy_find_heap(&p, "system");
	CHECK(h && h->kind == HEAP_KIND_SYSTEM && !h->cached);
	CHECK_EQ(p.orders[CLASS_PROTECTED].count, 1);
	CHECK_EQ(p.orders[CLASS_CACHED].count, 3);
	CHECK_STR(p.orders[CLASS_CACHED].patterns[1], "legacy");
	CHECK_EQ(p.orders[CLASS_DEFAULT].count, 0);
	/* Orders not mentioned keep their defaults. */
	CHECK_EQ(p.orders[CLASS_CONTIGUOUS].count, 4);
	CHECK_EQ(p.num_fallbacks, 1);
	CHECK_STR(p.fallbacks[0], "memfd");
	CHECK_EQ(p.iommu, IOMMU_ABSENT);

	CHECK_EQ(load(&p, "fallback none\niommu present\n"), 0);
	CHECK_EQ(p.num_fallbacks, 0);
	CHECK_EQ(p.iommu, IOMMU_PRESENT);
	CHECK_EQ(load(&p, "iommu auto"), 0); /* no final newline */
	CHECK_EQ(p.iommu, IOMMU_AUTO);
	CHECK_EQ(load(&p, ""), 0);
	CHECK_EQ(load(&p, "\n\n   \n# only comments\n"), 0);
}

/* Each bad line sits on line 3 of its text, so the message must say
 * "file:3:"; the policy must come out byte-for-byte unchanged. */
static const struct bad_config {
	const char *text;
	const char *needle; /* part of the message */
	bool whole_file;    /* found by the checks after the last line */
} bad_configs[] = {
	{ "#\n\nbogus x\n", "unknown directive", false },
	{ "#\n\nheap system kind=weird\n", "kind=weird", false },
	{ "#\n\nheap system cached=maybe\n", "cached=maybe", false },
	{ "#\n\nheap system node=a/b\n", "node=a/b", false },
	{ "#\n\nheap system node=..\n", "node=..", false },
	{ "#\n\nheap system node=.\n", "node=.", false },
	{ "#\n\nheap ../x\n", "plain heap name", false },
	{ "#\n\nheap ..\n", "plain heap name", false },
	{ "#\n\nheap sys* kind=system\n", "plain heap name", false },
	{ "#\n\nheap\n", "plain heap name", false },
	{ "#\n\nheap system colour=blue\n", "colour", false },
	{ "#\n\nheap system kind\n", "key=value", false },
	{ "#\n\nheap system ion-mask=0\n", "ion-mask=0", false },
	{ "#\n\nheap system ion-mask=0x100000000\n", "32-bit", false },
	{ "#\n\nheap system ion-flags=abc\n", "ion-flags=abc", false },
	{ "#\n\nheap system ion=a/b\n", "ion=a/b", false },
	{ "#\n\nheap aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	  "plain heap name", false },
	{ "#\n\norder bogus system\n", "unknown class 'bogus'", false },
	{ "#\n\norder\n", "needs a class", false },
	{ "#\n\norder cached a/b\n", "a/b", false },
	{ "#\n\norder cached ..\n", "'..'", false },
	{ "#\n\norder cached a b c d e f g h i j k l m n o p q\n", "too many heaps", false },
	{ "#\n\norder cached a b c d e f g h i j k l m n o p q r s t u v w x y\n",
	  "too many words", false },
	{ "#\n\nfallback bogus\n", "'bogus' is not a fallback backend", false },
	{ "#\n\nfallback dma-heap\n", "'dma-heap' is not a fallback backend", false },
	{ "#\n\nfallback none memfd\n", "'none'", false },
	{ "#\n\nfallback memfd memfd memfd memfd memfd memfd memfd memfd memfd\n",
	  "too many fallbacks", false },
	{ "#\n\niommu maybe\n", "'iommu' takes", false },
	{ "#\n\niommu\n", "'iommu' takes", false },
	{ "#\n\niommu present absent\n", "'iommu' takes", false },
	/* Security rules, checked over the whole file: the line that breaks
	 * them is the one that completes the violation (the order line, or
	 * the heap line that makes a listed heap secure). */
	{ "heap secure_video kind=secure\n#\norder cached system secure_video\n",
	  "secure heap 'secure_video'", true },
	{ "heap secure_video kind=secure\n#\norder default *\n", "secure heap 'secure_video'", true },
	{ "heap vendor_secure kind=secure\n#\norder contiguous vendor_*\n",
	  "secure heap 'vendor_secure'", true },
	{ "#\n\norder protected system\n", "protected order may only list secure heaps", true },
	{ "#\n\norder protected secure* linux,cma\n", "'linux,cma' is kind cma", true },
	/* A heap turned secure after an order already lists it. */
	{ "#\n\nheap system kind=secure\n", "secure heap 'system'", true },
	/* A name does not make memory secure (issue #11). */
	{ "#\n\nheap vault kind=secure node=system\n", "the node of non-secure heap 'system'",
	  true },
	{ "#\n\nheap system-secure kind=secure node=system\n",
	  "secure heap 'system-secure' uses node 'system'", true },
	{ "heap vault kind=secure\n#\nheap system node=vault\n", "uses node 'vault'", true },
	{ "#\n\nmax-allocation 0%\n", "'max-allocation' takes", false },
	{ "#\n\nmax-allocation 101%\n", "'max-allocation' takes", false },
	{ "#\n\nmax-allocation 0\n", "'max-allocation' takes", false },
	{ "#\n\nmax-allocation 12Q\n", "'max-allocation' takes", false },
	{ "#\n\nmax-allocation -5\n", "'max-allocation' takes", false },
	{ "#\n\nmax-allocation\n", "'max-allocation' takes", false },
	{ "#\n\nmax-allocation 1G 2G\n", "'max-allocation' takes", false },
	{ "#\n\nmax-allocation 99999999999999999999\n", "'max-allocation' takes", false },
	{ "#\n\nmax-allocation 99999999999T\n", "'max-allocation' takes", false },
};

static bool rejected(const struct bad_config *b, size_t i, bool check_line)
{
	const char *prefix = "file:3: ";
	struct gralloc_policy before, p;
	const char *msg;
	int ret;

	policy_init_defaults(&before);
	p = before;
	ret = load(&p, b->text);
	msg = gralloc_last_error();
	if (ret != -EINVAL || !strstr(msg, b->needle) ||
	    (check_line && strncmp(msg, prefix, strlen(prefix)))) {
		printf("#   config %zu \"", i);
		for (const char *c = b->text; *c; c++)
			printf(*c == '\n' ? "\\n" : "%c", *c);
		printf("\": returned %d, message \"%s\"; expected -EINVAL and \"%s...%s...\"\n",
		       ret, msg, check_line ? prefix : "", b->needle);
		return false;
	}
	if (memcmp(&p, &before, sizeof(p))) {
		printf("#   config %zu changed the policy although it was rejected\n", i);
		return false;
	}
	return true;
}

TEST(bad_configs_rejected_unchanged)
{
	bool ok = true;

	for (size_t i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++)
		ok &= rejected(&bad_configs[i], i, !bad_configs[i].whole_file);
	CHECK(ok);
}

/* The security rules are checked once the whole file is read; their
 * message must still point at the line that broke them (here always
 * line 3), not at a line 0 that does not exist. */
TEST(security_rule_errors_name_the_line)
{
	bool ok = true;

	for (size_t i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++)
		if (bad_configs[i].whole_file)
			ok &= rejected(&bad_configs[i], i, true);
	CHECK(ok);
}

TEST(over_long_line)
{
	struct gralloc_policy before, p;
	char *text = malloc(4096);

	CHECK(text);
	policy_init_defaults(&before);
	p = before;
	/* A comment is still a line: the limit is on the raw line. */
	snprintf(text, 4096, "iommu absent\n#\n#%01100d\niommu present\n", 0);
	CHECK_EQ(load(&p, text), -EINVAL);
	free(text);
	CHECK(!strncmp(gralloc_last_error(), "file:3: line longer than", 24));
	CHECK(!memcmp(&p, &before, sizeof(p)));
}

TEST(too_many_heaps)
{
	struct gralloc_policy before, p;
	char text[2048];
	size_t used = 0;

	policy_init_defaults(&before);
	/* The defaults declare 5; 27 more fill the table exactly. */
	for (int i = 0; i < 27; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "heap extra%d\n", i);
	p = before;
	CHECK_EQ(load(&p, text), 0);
	CHECK_EQ(p.num_heaps, POLICY_MAX_HEAPS);
	snprintf(text + used, sizeof(text) - used, "heap one_too_many\n");
	p = before;
	CHECK(load(&p, text) < 0);
	CHECK(!strncmp(gralloc_last_error(), "file:28: ", 9));
	CHECK(!memcmp(&p, &before, sizeof(p)));
}

/* Writes `len` bytes of `text` to a new temporary file. */
static bool write_temp(char *path, size_t path_len, const void *text, size_t len)
{
	int fd;
	bool ok;

	snprintf(path, path_len, "/tmp/gralloc-policy-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return false;
	ok = write(fd, text, len) == (ssize_t)len;
	close(fd);
	return ok;
}

TEST(load_file)
{
	static const char good[] = "iommu absent\nheap extra kind=cma\n";
	static const char bad[] = "iommu absent\n\nheap extra kind=bogus\n";
	static const char nul[] = "iommu absent\n\0heap extra\n";
	struct gralloc_policy before, p;
	char path[64], prefix[96];

	policy_init_defaults(&before);
	p = before;
	errno = 0;
	CHECK_EQ(policy_load_file(&p, "/nonexistent/gralloc/policy.conf"), -ENOENT);
	CHECK(strstr(gralloc_last_error(), "/nonexistent/gralloc/policy.conf"));
	CHECK(!memcmp(&p, &before, sizeof(p)));

	CHECK(write_temp(path, sizeof(path), good, sizeof(good) - 1));
	CHECK_EQ(policy_load_file(&p, path), 0);
	CHECK_EQ(p.iommu, IOMMU_ABSENT);
	CHECK(policy_find_heap(&p, "extra"));
	CHECK_STR(p.source, path);
	unlink(path);

	p = before;
	CHECK(write_temp(path, sizeof(path), bad, sizeof(bad) - 1));
	CHECK_EQ(policy_load_file(&p, path), -EINVAL);
	snprintf(prefix, sizeof(prefix), "%s:3: ", path);
	CHECK(!strncmp(gralloc_last_error(), prefix, strlen(prefix)));
	CHECK(!memcmp(&p, &before, sizeof(p)));
	unlink(path);

	CHECK(write_temp(path, sizeof(path), nul, sizeof(nul) - 1));
	CHECK_EQ(policy_load_file(&p, path), -EINVAL);
	CHECK(strstr(gralloc_last_error(), "NUL"));
	CHECK(!memcmp(&p, &before, sizeof(p)));
	unlink(path);

	/* A directory is not a policy file. */
	CHECK(policy_load_file(&p, "/tmp") < 0);
	CHECK(!memcmp(&p, &before, sizeof(p)));
}

TEST(load_file_size_limit)
{
	const size_t limit = 64 * 1024;
	struct gralloc_policy before, p;
	char *text = malloc(limit + 1);
	char path[64];

	CHECK(text);
	/* Valid content up to the byte: comment lines of 64 bytes. */
	for (size_t i = 0; i < limit + 1; i++)
		text[i] = (i % 64 == 63) ? '\n' : '#';
	policy_init_defaults(&before);
	p = before;
	if (!write_temp(path, sizeof(path), text, limit)) {
		free(text);
		CHECK(0);
	}
	CHECK_EQ(policy_load_file(&p, path), 0);
	unlink(path);
	if (!write_temp(path, sizeof(path), text, limit + 1)) {
		free(text);
		CHECK(0);
	}
	free(text);
	p = before;
	CHECK_EQ(policy_load_file(&p, path), -EFBIG);
	CHECK(!memcmp(&p, &before, sizeof(p)));
	unlink(path);
}

static bool dump_reparses_equal(const struct gralloc_policy *p)
{
	struct gralloc_policy q;
	int n = policy_dump(p, dump_a, sizeof(dump_a));

	if (n <= 0 || (size_t)n >= sizeof(dump_a))
		return false;
	memset(&q, 0, sizeof(q));
	if (policy_load_string(&q, dump_a, p->source)) {
		printf("#   dump does not parse: %s\n#   %s\n", gralloc_last_error(), dump_a);
		return false;
	}
	policy_dump(&q, dump_b, sizeof(dump_b));
	if (strcmp(dump_a, dump_b)) {
		printf("#   dump changed on re-parse:\n%s\n---\n%s\n", dump_a, dump_b);
		return false;
	}
	return true;
}

TEST(dump_round_trip)
{
	struct gralloc_policy p;
	char small[16];
	int n;

	policy_init_defaults(&p);
	CHECK(dump_reparses_equal(&p));
	CHECK(strstr(dump_a, "# policy from built-in defaults\n") == dump_a);
	CHECK(strstr(dump_a, "\nheap system-uncached kind=system cached=no\n"));
	CHECK(strstr(dump_a, "\norder protected system-secure* secure*\n"));
	CHECK(strstr(dump_a, "\nfallback udmabuf memfd\n"));
	/* "auto" may carry a comment with what was detected. */
	CHECK(strstr(dump_a, "\niommu auto"));

	CHECK_EQ(load(&p,
		      "heap vendor kind=other cached=no node=vendor_node ion=vendor_ion "
		      "ion-flags=0x3\n"
		      "heap legacy kind=cma ion-mask=0x10\n"
		      "heap secure_video kind=secure\n"
		      "order protected secure_video system-secure*\n"
		      "order cached vendor legacy system\n"
		      "order default\n"
		      "fallback none\n"
		      "iommu present\n"), 0);
	CHECK(dump_reparses_equal(&p));
	CHECK(strstr(dump_a, "\nheap vendor kind=other cached=no node=vendor_node "
			     "ion=vendor_ion ion-flags=0x3\n"));
	CHECK(strstr(dump_a, "\nheap legacy kind=cma cached=yes ion-mask=0x10\n"));
	CHECK(strstr(dump_a, "\norder default\n"));
	CHECK(strstr(dump_a, "\nfallback none\n"));

	/* snprintf-like: the needed length, and a terminated prefix. */
	n = policy_dump(&p, NULL, 0);
	CHECK_EQ(n, strlen(dump_a));
	CHECK_EQ(policy_dump(&p, small, sizeof(small)), n);
	CHECK_EQ(strlen(small), sizeof(small) - 1);
	CHECK(!strncmp(small, dump_a, sizeof(small) - 1));
}

TEST(classification)
{
	struct gralloc_policy p;
	const char *why = NULL;
	bool sysfs_iommu = false;

	policy_init_defaults(&p);
	CHECK_EQ(load(&p, "iommu absent"), 0);
	CHECK(!policy_has_iommu(&p));
	CHECK_EQ(policy_classify(&p, GRALLOC_USAGE_PROTECTED_CONTENT | GRALLOC_USAGE_SCANOUT, &why),
		 CLASS_PROTECTED);
	CHECK(why && strstr(why, "protected"));
	CHECK_EQ(policy_classify(&p, GRALLOC_USAGE_SCANOUT, &why), CLASS_CONTIGUOUS);
	CHECK_EQ(policy_classify(&p, GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CPU_READ_OFTEN, &why),
		 CLASS_CONTIGUOUS);
	CHECK_EQ(policy_classify(&p, GRALLOC_USAGE_CAMERA_WRITE, &why), CLASS_CONTIGUOUS);
	CHECK_EQ(policy_classify(&p, GRALLOC_USAGE_VIDEO_DECODER, &why), CLASS_CONTIGUOUS);
	CHECK_EQ(policy_classify(&p, GRALLOC_USAGE_CURSOR_PLANE, &why), CLASS_CONTIGUOUS);
	CHECK_EQ(policy_classify(&p, GRALLOC_USAGE_COMPOSER_OVERLAY, &why), CLASS_CONTIGUOUS);
	/* The GPU is not a device that needs contiguous memory. */
	CHECK_EQ(policy_classify(&p, GRALLOC_USAGE_GPU_TEXTURE, &why), CLASS_UNCACHED);

	CHECK_EQ(load(&p, "iommu present"), 0);
	CHECK(policy_has_iommu(&p));
	CHECK_EQ(policy_classify(&p, GRALLOC_USAGE_SCANOUT, &why), CLASS_UNCACHED);
	CHECK_EQ(policy_classify(&p, 0, &why), CLASS_UNCACHED);
	CHECK_EQ(policy_classify(&p, GRALLOC_USAGE_CPU_READ_OFTEN, &why), CLASS_CACHED);
	CHECK_EQ(policy_classify(&p, GRALLOC_USAGE_CPU_WRITE_OFTEN | GRALLOC_USAGE_SCANOUT, &why),
		 CLASS_CACHED);
	CHECK_EQ(policy_classify(&p, GRALLOC_USAGE_CPU_READ_RARELY, &why), CLASS_DEFAULT);
	CHECK_EQ(policy_classify(&p, GRALLOC_USAGE_CPU_WRITE_RARELY | GRALLOC_USAGE_GPU_TEXTURE,
				 &why), CLASS_DEFAULT);
	CHECK_EQ(policy_classify(&p, GRALLOC_USAGE_CPU_READ_RARELY | GRALLOC_USAGE_CPU_WRITE_OFTEN,
				 &why), CLASS_CACHED);

	/* auto follows /sys/class/iommu. */
	{
		DIR *d = opendir("/sys/class/iommu");
		struct dirent *e;

		while (d && (e = readdir(d)))
			sysfs_iommu |= e->d_name[0] != '.';
		if (d)
			closedir(d);
	}
	CHECK_EQ(load(&p, "iommu auto"), 0);
	CHECK_EQ(policy_has_iommu(&p), sysfs_iommu);
}

/* strtok() keeps its position in a static variable shared by all threads:
 * two devices created at once must not parse each other's lines. Long
 * lines of many words widen the window; the threads stop at the first
 * wrong parse, so a correct library pays for every round and a racy one
 * fails fast. */
#define PARSE_THREADS 4
#define PARSE_ROUNDS 25000

static atomic_int parse_failures;
static char parse_message[512];

static void parse_failed(const char *what)
{
	/* The first failure's message; gralloc_last_error() is per thread. */
	if (atomic_fetch_add(&parse_failures, 1) == 0)
		snprintf(parse_message, sizeof(parse_message), "%s", what);
}

static void *parse_many(void *arg)
{
	static const char text[] =
		"heap alpha kind=cma cached=no node=alpha_node ion-mask=0x4 ion-flags=0x1 "
		"kind=cma cached=no node=alpha_node kind=cma cached=no node=alpha_node\n"
		"heap beta kind=other cached=yes node=beta_node ion=beta_ion kind=other\n"
		"order cached alpha beta system system-uncached linux,cma reserved a b c d "
		"e f g h i j\n"
		"order default beta alpha system x y z w v u t s r q p o n\n"
		"fallback udmabuf memfd udmabuf memfd udmabuf memfd\n"
		"iommu present\n";

	(void)arg;
	/* Emulated (qemu-i386), a round costs ~50 times more. */
	int rounds = test_emulator() ? PARSE_ROUNDS / 50 : PARSE_ROUNDS;

	for (int i = 0; i < rounds && !atomic_load(&parse_failures); i++) {
		struct gralloc_policy p;
		const struct policy_heap *h;

		policy_init_defaults(&p);
		if (policy_load_string(&p, text, "thread")) {
			parse_failed(gralloc_last_error());
			continue;
		}
		h = policy_find_heap(&p, "alpha");
		if (!h || strcmp(h->node, "alpha_node") || p.orders[CLASS_CACHED].count != 16 ||
		    p.orders[CLASS_DEFAULT].count != 16 || p.num_heaps != 7 ||
		    p.num_fallbacks != 6 || p.iommu != IOMMU_PRESENT)
			parse_failed("parsed without error into the wrong policy");
	}
	return NULL;
}

TEST(parse_is_thread_safe)
{
	pthread_t t[PARSE_THREADS];

	atomic_store(&parse_failures, 0);
	for (int i = 0; i < PARSE_THREADS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, parse_many, NULL), 0);
	for (int i = 0; i < PARSE_THREADS; i++)
		pthread_join(t[i], NULL);
	if (atomic_load(&parse_failures))
		printf("#   concurrent parses went wrong, first: %s\n", parse_message);
	CHECK_EQ(atomic_load(&parse_failures), 0);
}

/* --- Planner --------------------------------------------------------- */

struct env {
	char dir[64];
	char heaps[96];
	char conf[96];
	char udmabuf[96];
	char display[96];
	struct gralloc_device *dev;
	struct gralloc_explanation *e;
};

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	char path[512];

	while (d && (ent = readdir(d))) {
		if (ent->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static bool env_init(struct env *v, const char *config)
{
	struct gralloc_device_options o = { 0 };
	int fd;

	memset(v, 0, sizeof(*v));
	snprintf(v->dir, sizeof(v->dir), "/tmp/gralloc-plan-XXXXXX");
	if (!mkdtemp(v->dir))
		return false;
	snprintf(v->heaps, sizeof(v->heaps), "%s/heaps", v->dir);
	snprintf(v->conf, sizeof(v->conf), "%s/policy.conf", v->dir);
	snprintf(v->udmabuf, sizeof(v->udmabuf), "%s/no-udmabuf", v->dir);
	snprintf(v->display, sizeof(v->display), "%s/no-display", v->dir);
	if (mkdir(v->heaps, 0700))
		return false;
	fd = open(v->conf, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	if (write(fd, config, strlen(config)) != (ssize_t)strlen(config)) {
		close(fd);
		return false;
	}
	close(fd);
	o.heap_dir = v->heaps;
	o.udmabuf_path = v->udmabuf;
	/* Never the host's own display: drm-dumb must not claim requests. */
	o.display_path = v->display;
	o.config_path = v->conf;
	v->dev = gralloc_device_create(&o);
	if (!v->dev) {
		int err = errno;

		printf("#   device_create: %s\n", gralloc_last_error());
		errno = err;
	}
	return v->dev != NULL;
}

static void env_fini(struct env *v)
{
	gralloc_explanation_destroy(v->e);
	gralloc_device_destroy(v->dev);
	remove_tree(v->heaps);
	unlink(v->conf);
	rmdir(v->dir);
}

/* A character device standing for a heap node, each its own device
 * number (secure heaps are told apart by st_rdev). Minors of the mem
 * driver that it does not define: opening one fails with ENXIO, so an
 * allocation that tries such a "heap" fails and moves on. */
static int add_node_rdev(struct env *v, const char *name, dev_t rdev)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", v->heaps, name);
	return mknod(path, S_IFCHR | 0600, rdev) ? -errno : 0;
}

static int add_node(struct env *v, const char *name)
{
	static unsigned minor = 100;

	return add_node_rdev(v, name, makedev(1, minor++));
}

static bool add_nodes_or_skip(struct env *v, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int ret = add_node(v, names[i]);

		if (ret) {
			char why[160];

			snprintf(why, sizeof(why), "cannot mknod a character device in %s: %s",
				 v->heaps, strerror(-ret));
			test_skip(why);
			return false;
		}
	}
	return true;
}

static bool explain(struct env *v, uint64_t usage)
{
	struct gralloc_buffer_desc d = {
		.width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .layer_count = 1, .usage = usage, .name = "plan",
	};

	gralloc_explanation_destroy(v->e);
	v->e = gralloc_explain(v->dev, &d);
	return v->e != NULL;
}

static struct gralloc_candidate cand(struct env *v, size_t i)
{
	struct gralloc_candidate c = {
		.backend = "", .heap = "", .verdict = GRALLOC_VERDICT_SKIPPED, .reason = "",
	};

	gralloc_explanation_get(v->e, i, &c);
	return c;
}

/* The plan as steps, space separated: a heap name for the candidates of
 * every heap backend for that heap (dma-heap, and ION where built in), a
 * backend name for the fallbacks. What the policy decides is the order of
 * these steps; how many heap backends try each heap is the build's. */
static const char *order_of(struct env *v)
{
	static char buf[1024];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < gralloc_explanation_count(v->e); i++) {
		struct gralloc_candidate c = cand(v, i);

		if (i && c.heap[0] && !strcmp(c.heap, cand(v, i - 1).heap))
			continue;
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? " " : "",
					 c.heap[0] ? c.heap : c.backend);
	}
	return buf;
}

/* One letter a step, the best verdict among its candidates: S selected,
 * F fallback, x skipped. */
static const char *verdicts_of(struct env *v)
{
	static char buf[64];
	size_t n = 0;

	for (size_t i = 0; i < gralloc_explanation_count(v->e) && n < sizeof(buf) - 1; i++) {
		struct gralloc_candidate c = cand(v, i);

		/* The enum is ordered best first. */
		if (i && c.heap[0] && !strcmp(c.heap, cand(v, i - 1).heap)) {
			if (c.verdict < (enum gralloc_verdict)(strchr("SFx", buf[n - 1]) - "SFx"))
				buf[n - 1] = "SFx"[c.verdict];
			continue;
		}
		buf[n++] = "SFx"[c.verdict];
	}
	buf[n] = '\0';
	return buf;
}

/* The reason of one candidate, by backend and heap ("" for none). */
static const char *reason_of(struct env *v, const char *backend, const char *heap)
{
	for (size_t i = 0; i < gralloc_explanation_count(v->e); i++) {
		struct gralloc_candidate c = cand(v, i);

		if (!strcmp(c.backend, backend) && !strcmp(c.heap, heap))
			return c.reason;
	}
	printf("#   no candidate %s/%s\n", backend, heap);
	return "";
}

static void print_plan(struct env *v)
{
	printf("#   %s\n", gralloc_explanation_summary(v->e));
	for (size_t i = 0; i < gralloc_explanation_count(v->e); i++) {
		struct gralloc_candidate c = cand(v, i);

		printf("#   %zu %s/%s %d: %s\n", i, c.backend, c.heap, c.verdict, c.reason);
	}
}

#define CHECK_PLAN(v, order, verdicts)                                               \
	do {                                                                         \
		if (strcmp(order_of(v), order) || strcmp(verdicts_of(v), verdicts)) {  \
			print_plan(v);                                               \
			CHECK_STR(order_of(v), order);                               \
			CHECK_STR(verdicts_of(v), verdicts);                         \
		}                                                                    \
	} while (0)

TEST(bad_config_fails_device_create)
{
	struct env v;

	errno = 0;
	CHECK(!env_init(&v, "iommu absent\nheap system kind=bogus\n"));
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(gralloc_last_error(), "policy.conf:2: "));
	v.dev = NULL;
	env_fini(&v);
}

TEST(protected_without_secure_heap_fails_closed)
{
	struct env v;
	struct gralloc_buffer_desc d = {
		.width = 64, .height = 64, .format = DRM_FORMAT_NV12, .layer_count = 1, .usage = GRALLOC_USAGE_PROTECTED_CONTENT | GRALLOC_USAGE_VIDEO_DECODER | GRALLOC_USAGE_SCANOUT, .name = "drm",
	};

	CHECK(env_init(&v, "iommu absent\n"));
	CHECK(explain(&v, d.usage));
	CHECK(strstr(gralloc_explanation_summary(v.e), "class protected"));
	CHECK_PLAN(&v, "system-secure* secure* udmabuf memfd", "xxxx");
	CHECK(strstr(reason_of(&v, "none", "system-secure*"), "no declared secure heap matches"));
	CHECK(strstr(reason_of(&v, "udmabuf", ""), "protected requests never fall back"));
	CHECK(strstr(reason_of(&v, "memfd", ""), "protected requests never fall back"));

	/* memfd could hold the bytes, but protected content must fail closed. */
	errno = 0;
	CHECK(gralloc_buffer_allocate(v.dev, &d) == NULL);
	CHECK_EQ(errno, EPERM);
	CHECK(strstr(gralloc_last_error(), "secure"));
	env_fini(&v);
}

TEST(protected_uses_only_secure_heaps)
{
	static const char *const nodes[] = { "secure_video", "secure_audio", "system",
					     "system-uncached", "linux,cma" };
	struct env v;

	CHECK(env_init(&v, "heap secure_video kind=secure\nheap secure_audio kind=secure\n"));
	if (!add_nodes_or_skip(&v, nodes, 5)) {
		env_fini(&v);
		return;
	}
	CHECK(explain(&v, GRALLOC_USAGE_PROTECTED_CONTENT | GRALLOC_USAGE_VIDEO_DECODER));
	/* Globs expand to the nodes present, sorted. */
	CHECK_PLAN(&v, "system-secure* secure_audio secure_video "
		   "udmabuf memfd", "xSFxx");
	CHECK(strstr(reason_of(&v, "udmabuf", ""), "protected requests never fall back"));
	CHECK(strstr(reason_of(&v, "memfd", ""), "protected requests never fall back"));
	/* Whatever backends the build has, none offers anything but a secure
	 * heap. */
	for (size_t i = 0; i < gralloc_explanation_count(v.e); i++)
		if (cand(&v, i).verdict != GRALLOC_VERDICT_SKIPPED)
			CHECK(!strncmp(cand(&v, i).heap, "secure_", 7));
	/* Without the explicit protected bit the same heaps are off limits. */
	CHECK(explain(&v, GRALLOC_USAGE_VIDEO_DECODER | GRALLOC_USAGE_CPU_READ_OFTEN));
	for (size_t i = 0; i < gralloc_explanation_count(v.e); i++)
		CHECK(!strstr(cand(&v, i).heap, "secure"));
	env_fini(&v);
}

TEST(undeclared_secure_heap_never_serves_normal_requests)
{
	static const char *const nodes[] = { "secure_video", "system" };
	struct env v;

	/* Undeclared, so the parser cannot object; the planner must. */
	CHECK(env_init(&v, "iommu present\norder cached secure* system\n"));
	if (!add_nodes_or_skip(&v, nodes, 2)) {
		env_fini(&v);
		return;
	}
	CHECK(explain(&v, GRALLOC_USAGE_CPU_READ_OFTEN));
	CHECK_PLAN(&v, "secure_video system udmabuf memfd", "xSxF");
	CHECK(strstr(reason_of(&v, "dma-heap", "secure_video"), "reserved for protected"));
	/* ... and it serves no protected request either: not declared. */
	CHECK(explain(&v, GRALLOC_USAGE_PROTECTED_CONTENT));
	CHECK_PLAN(&v, "system-secure* secure* udmabuf memfd", "xxxx");
	env_fini(&v);
}

TEST(scanout_without_iommu_order)
{
	struct env v;

	CHECK(env_init(&v, "iommu absent\n"));
	CHECK(explain(&v, GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_GPU_RENDER_TARGET));
	CHECK(strstr(gralloc_explanation_summary(v.e), "class contiguous"));
	/* Nothing present here: every heap is skipped, with the path why. */
	CHECK_PLAN(&v, "linux,cma reserved default_cma_region "
		   "system udmabuf memfd", "xxxxxx");
	CHECK(strstr(reason_of(&v, "dma-heap", "linux,cma"), "heaps/linux,cma"));
	/* Scattered pages are useless to a device without an IOMMU, whether
	 * or not /dev/udmabuf exists. */
	CHECK(strstr(reason_of(&v, "udmabuf", ""), "IOMMU"));
	CHECK(strstr(reason_of(&v, "memfd", ""), "CPU-only"));
	env_fini(&v);
}

TEST(scanout_without_iommu_selects_first_present)
{
	static const char *const nodes[] = { "reserved", "system" };
	struct env v;

	CHECK(env_init(&v, "iommu absent\n"));
	if (!add_nodes_or_skip(&v, nodes, 2)) {
		env_fini(&v);
		return;
	}
	CHECK(explain(&v, GRALLOC_USAGE_SCANOUT));
	CHECK_PLAN(&v, "linux,cma reserved default_cma_region "
		   "system udmabuf memfd", "xSxFxx");
	CHECK(strstr(reason_of(&v, "dma-heap", "reserved"), "cma heap"));
	env_fini(&v);
}

TEST(no_cpu_prefers_uncached)
{
	static const char *const nodes[] = { "system", "system-uncached" };
	struct env v;

	CHECK(env_init(&v, "iommu present\n"));
	CHECK(explain(&v, GRALLOC_USAGE_GPU_TEXTURE | GRALLOC_USAGE_SCANOUT));
	CHECK(strstr(gralloc_explanation_summary(v.e), "class uncached"));
	CHECK_PLAN(&v, "system-uncached system udmabuf memfd", "xxxx");
	CHECK(strstr(reason_of(&v, "memfd", ""), "CPU-only"));
	if (!add_nodes_or_skip(&v, nodes, 2)) {
		env_fini(&v);
		return;
	}
	CHECK(explain(&v, GRALLOC_USAGE_GPU_TEXTURE));
	CHECK_PLAN(&v, "system-uncached system udmabuf memfd", "SFxx");
	CHECK(strstr(reason_of(&v, "dma-heap", "system-uncached"), "uncached"));
	env_fini(&v);
}

TEST(cpu_often_uses_cached)
{
	struct env v;

	CHECK(env_init(&v, "iommu present\n"));
	CHECK(explain(&v, GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_GPU_TEXTURE));
	CHECK(strstr(gralloc_explanation_summary(v.e), "class cached"));
	CHECK_PLAN(&v, "system udmabuf memfd", "xxx");
	CHECK(strstr(reason_of(&v, "udmabuf", ""), "no-udmabuf"));
	/* Plain CPU memory: with no heap and no udmabuf, memfd serves it. */
	CHECK(explain(&v, GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN));
	CHECK_PLAN(&v, "system udmabuf memfd", "xxS");
	CHECK(strstr(reason_of(&v, "memfd", ""), "CPU-only"));
	CHECK(explain(&v, GRALLOC_USAGE_CPU_READ_RARELY));
	CHECK(strstr(gralloc_explanation_summary(v.e), "class default"));
	CHECK_PLAN(&v, "system udmabuf memfd", "xxS");
	env_fini(&v);
}

TEST(memfd_refuses_device_usage)
{
	struct env v;

	CHECK(env_init(&v, "iommu present\n"));
	CHECK(explain(&v, GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CPU_WRITE_OFTEN));
	CHECK_PLAN(&v, "system udmabuf memfd", "xxx");
	CHECK(strstr(reason_of(&v, "memfd", ""), "scanout"));
	CHECK(strstr(reason_of(&v, "memfd", ""), "CPU-only"));
	env_fini(&v);
}

TEST(regular_file_is_not_a_heap)
{
	struct env v;
	char path[256];
	int fd;

	CHECK(env_init(&v, "iommu present\n"));
	snprintf(path, sizeof(path), "%s/system", v.heaps);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	close(fd);
	CHECK(explain(&v, GRALLOC_USAGE_CPU_READ_OFTEN));
	CHECK_PLAN(&v, "system udmabuf memfd", "xxS");
	CHECK(strstr(reason_of(&v, "dma-heap", "system"), "not a character device"));
	env_fini(&v);
}

TEST(renamed_and_reordered)
{
	static const char *const nodes[] = { "my-system" };
	struct env v;

	CHECK(env_init(&v, "iommu present\n"
			   "heap system node=my-system\n"
			   "order cached system-uncached system\n"
			   "fallback memfd\n"));
	CHECK(explain(&v, GRALLOC_USAGE_CPU_READ_OFTEN));
	CHECK_PLAN(&v, "system-uncached system memfd", "xxS");
	/* The heap keeps its policy name; the node is what is looked up. */
	CHECK(strstr(reason_of(&v, "dma-heap", "system"), "heaps/my-system"));
	if (!add_nodes_or_skip(&v, nodes, 1)) {
		env_fini(&v);
		return;
	}
	CHECK(explain(&v, GRALLOC_USAGE_CPU_READ_OFTEN));
	CHECK_PLAN(&v, "system-uncached system memfd", "xSF");
	CHECK(strstr(reason_of(&v, "dma-heap", "system"), "renamed node"));
	env_fini(&v);
}

TEST(explanation_accessors)
{
	struct env v;
	struct gralloc_candidate c;
	struct gralloc_buffer_desc bad = {
		.width = 0, .height = 64, .format = DRM_FORMAT_XRGB8888, .layer_count = 1, .usage = 0, .name = NULL,
	};

	CHECK(env_init(&v, "iommu present\n"));
	CHECK(explain(&v, GRALLOC_USAGE_CPU_READ_OFTEN));
	CHECK(strstr(gralloc_explanation_summary(v.e), "XRGB8888 64x64"));
	CHECK(strstr(gralloc_explanation_summary(v.e), "policy.conf"));
	CHECK_EQ(gralloc_explanation_get(v.e, gralloc_explanation_count(v.e), &c), -EINVAL);
	CHECK_EQ(gralloc_explanation_get(v.e, 0, NULL), -EINVAL);
	CHECK_EQ(gralloc_explanation_count(NULL), 0);
	CHECK_STR(gralloc_explanation_summary(NULL), "");
	errno = 0;
	CHECK(gralloc_explain(v.dev, &bad) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK(gralloc_explain(NULL, &bad) == NULL);
	env_fini(&v);
}

/* Issue #11 item 1: a heap is secure when declared so AND its node is no
 * non-secure heap's device. A second node (mknod, symlink) of the system
 * heap under a secure-sounding name is caught by device number. */
TEST(secure_heap_on_a_non_secure_device_is_refused)
{
	struct env v;
	char target[256], link[256];
	struct gralloc_buffer_desc d = {
		.width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .layer_count = 1,
		.usage = GRALLOC_USAGE_PROTECTED_CONTENT | GRALLOC_USAGE_GPU_TEXTURE,
	};

	CHECK(env_init(&v, "heap vault kind=secure\nheap system-secure kind=secure\n"
			   "order protected vault system-secure\n"));
	if (add_node_rdev(&v, "system", makedev(1, 90))) {
		test_skip("cannot mknod");
		env_fini(&v);
		return;
	}
	CHECK_EQ(add_node_rdev(&v, "vault", makedev(1, 90)), 0);
	snprintf(target, sizeof(target), "%s/system", v.heaps);
	snprintf(link, sizeof(link), "%s/system-secure", v.heaps);
	CHECK_EQ(symlink(target, link), 0);
	CHECK(explain(&v, d.usage));
	CHECK_PLAN(&v, "vault system-secure udmabuf memfd", "xxxx");
	CHECK(strstr(reason_of(&v, "dma-heap", "vault"),
		     "same device as non-secure heap 'system'"));
	CHECK(strstr(reason_of(&v, "dma-heap", "system-secure"), "same device"));
	errno = 0;
	CHECK(gralloc_buffer_allocate(v.dev, &d) == NULL);
	CHECK_EQ(errno, EPERM);
	/* Ordinary requests do not get it either: it is declared secure. */
	CHECK(explain(&v, GRALLOC_USAGE_CPU_READ_OFTEN));
	CHECK(!strstr(order_of(&v), "vault"));
	env_fini(&v);
}

TEST(protected_patterns_match_declared_secure_heaps_only)
{
	static const char *const nodes[] = { "system", "secure_video", "vendor" };
	struct env v;

	CHECK(env_init(&v, "order protected *\n"));
	if (!add_nodes_or_skip(&v, nodes, 3)) {
		env_fini(&v);
		return;
	}
	CHECK(explain(&v, GRALLOC_USAGE_PROTECTED_CONTENT));
	CHECK_PLAN(&v, "* udmabuf memfd", "xxx");
	CHECK(strstr(reason_of(&v, "none", "*"), "no declared secure heap matches '*'"));
	env_fini(&v);
	/* A literal name in the protected order that nobody declared. */
	CHECK(env_init(&v, "order protected secure_video\n"));
	if (!add_nodes_or_skip(&v, nodes + 1, 1)) {
		env_fini(&v);
		return;
	}
	CHECK(explain(&v, GRALLOC_USAGE_PROTECTED_CONTENT));
	CHECK_PLAN(&v, "secure_video udmabuf memfd", "xxx");
	CHECK(strstr(reason_of(&v, "dma-heap", "secure_video"), "declared kind=secure"));
	env_fini(&v);
}

TEST(protected_with_own_device_consumer_is_not_supported)
{
	struct env v;
	struct gralloc_consumer *c = gralloc_consumer_new("KMS plane 31 on /dev/dri/card9 (test)");
	struct gralloc_buffer_desc d = {
		.width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .layer_count = 1,
		.usage = GRALLOC_USAGE_PROTECTED_CONTENT | GRALLOC_USAGE_SCANOUT,
	};

	CHECK(c);
	c->imports_foreign = false;
	snprintf(c->own_device, sizeof(c->own_device), "/dev/dri/card9");
	snprintf(c->why, sizeof(c->why), "cannot import foreign dma-bufs");
	CHECK(env_init(&v, "heap secure_video kind=secure\n"));
	errno = 0;
	CHECK(gralloc_explain_for(v.dev, &d, &c, 1) == NULL);
	CHECK_EQ(errno, ENOTSUP);
	CHECK(strstr(gralloc_last_error(), "KMS plane 31 on /dev/dri/card9"));
	CHECK(strstr(gralloc_last_error(), "protected"));
	errno = 0;
	CHECK(gralloc_buffer_allocate_for(v.dev, &d, &c, 1) == NULL);
	CHECK_EQ(errno, ENOTSUP);
	CHECK(strstr(gralloc_last_error(), "KMS plane 31"));
	gralloc_consumer_destroy(c);
	env_fini(&v);
}

/* Item 2: one allocation never exceeds the limit, whatever the backend. */
TEST(allocation_limit_parse_and_default)
{
	struct gralloc_policy p;
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

	policy_init_defaults(&p);
	CHECK_EQ(p.limit, LIMIT_PERCENT);
	CHECK_EQ(p.limit_value, 50);
	CHECK(policy_limit_bytes(&p) == (uint64_t)pages * (uint64_t)page / 2);
	CHECK_EQ(load(&p, "max-allocation 512M\n"), 0);
	CHECK(policy_limit_bytes(&p) == 512ull << 20);
	CHECK_EQ(load(&p, "max-allocation 3G\n"), 0);
	CHECK(policy_limit_bytes(&p) == 3ull << 30);
	CHECK_EQ(load(&p, "max-allocation 4096\n"), 0);
	CHECK(policy_limit_bytes(&p) == 4096);
	CHECK_EQ(load(&p, "max-allocation none\n"), 0);
	CHECK(policy_limit_bytes(&p) == UINT64_MAX);
	CHECK_EQ(load(&p, "max-allocation 100%\n"), 0);
	CHECK(policy_limit_bytes(&p) == (uint64_t)pages * (uint64_t)page);
	CHECK(policy_dump(&p, dump_a, sizeof(dump_a)) > 0);
	CHECK(strstr(dump_a, "max-allocation 100%"));
}

TEST(allocation_over_the_limit_fails_with_enomem)
{
	struct env v;
	struct gralloc_buffer_desc d = {
		.width = 1024, .height = 1024, .format = DRM_FORMAT_XRGB8888, .layer_count = 1,
		.usage = GRALLOC_USAGE_CPU_READ_OFTEN,
	};
	struct gralloc_buffer *buf;

	CHECK(env_init(&v, "iommu present\nmax-allocation 1M\n"));
	/* 4 MiB would come from memfd, which hands out any size lazily. */
	errno = 0;
	CHECK(gralloc_buffer_allocate(v.dev, &d) == NULL);
	CHECK_EQ(errno, ENOMEM);
	CHECK(strstr(gralloc_last_error(), "per-allocation limit of 1048576 bytes"));
	CHECK(strstr(gralloc_last_error(), "4194304 bytes"));
	gralloc_explanation_destroy(v.e);
	v.e = gralloc_explain(v.dev, &d);
	CHECK(v.e);
	CHECK_PLAN(&v, "system udmabuf memfd", "xxx");
	CHECK(strstr(reason_of(&v, "memfd", ""), "per-allocation limit"));
	d.height = 256; /* exactly 1 MiB: allowed */
	buf = gralloc_buffer_allocate(v.dev, &d);
	CHECK(buf);
	gralloc_buffer_free(v.dev, buf);
	env_fini(&v);
	/* The default: half of this machine's memory. A 16 GiB memfd used
	 * to be handed out here on any machine. */
	CHECK(env_init(&v, "iommu present\n"));
	d.width = 32768;
	d.height = 32768;
	d.layer_count = 4; /* 16 GiB */
	if (policy_limit_bytes(v.dev->policy) < 16ull << 30) {
		errno = 0;
		CHECK(gralloc_buffer_allocate(v.dev, &d) == NULL);
		CHECK_EQ(errno, ENOMEM);
		CHECK(strstr(gralloc_last_error(), "50% of this machine's"));
	}
	env_fini(&v);
}

/* Item 5: a contiguous request served by a heap nobody declared contiguous
 * says so. */
TEST(contiguous_fallback_is_not_called_contiguous)
{
	static const char *const nodes[] = { "system" };
	struct env v;

	CHECK(env_init(&v, "iommu absent\n"));
	if (!add_nodes_or_skip(&v, nodes, 1)) {
		env_fini(&v);
		return;
	}
	CHECK(explain(&v, GRALLOC_USAGE_SCANOUT));
	CHECK_PLAN(&v, "linux,cma reserved default_cma_region system udmabuf memfd", "xxxSxx");
	CHECK(strstr(reason_of(&v, "dma-heap", "system"), "NOT guaranteed contiguous"));
	CHECK(explain(&v, GRALLOC_USAGE_CPU_READ_OFTEN));
	CHECK(!strstr(reason_of(&v, "dma-heap", "system"), "contiguous"));
	env_fini(&v);
}

/* Item 8: explain lists exactly what allocation tries. Every heap here is
 * a node that cannot be opened, so allocation tries them all, in order,
 * and ends in memfd; its INFO log is the record of what it tried. */
static char *capture_allocation(struct gralloc_device *dev, const struct gralloc_buffer_desc *d,
				bool *ok)
{
	char path[] = "/tmp/gralloc-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	struct gralloc_buffer *buf;
	static char text[65536];
	ssize_t n;

	unlink(path);
	fflush(stderr);
	dup2(fd, 2);
	setenv("GRALLOC_LOG", "info", 1);
	gralloc_log_reread();
	buf = gralloc_buffer_allocate(dev, d);
	unsetenv("GRALLOC_LOG");
	gralloc_log_reread();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	text[n > 0 ? n : 0] = '\0';
	*ok = buf != NULL;
	gralloc_buffer_free(dev, buf);
	return text;
}

TEST(explain_lists_what_allocation_tries)
{
	struct env v;
	char conf[1024] = "iommu present\norder cached", tried[8192] = "", listed[8192] = "";
	struct gralloc_buffer_desc d = {
		.width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .layer_count = 1,
		.usage = GRALLOC_USAGE_CPU_READ_OFTEN,
	};
	char *log, *line;
	bool ok;
	size_t used = 0;

	/* 12 heaps by name and 30 more by a glob: 42 heaps, each tried by
	 * every heap backend: more than the old 8 routes and 48 candidates. */
	for (int i = 0; i < 12; i++)
		used += (size_t)snprintf(conf + strlen(conf), sizeof(conf) - strlen(conf),
					 " h%02d", i);
	strcat(conf, " g*\n");
	CHECK(env_init(&v, conf));
	for (int i = 0; i < 12; i++) {
		char name[16];

		snprintf(name, sizeof(name), "h%02d", i);
		if (add_node(&v, name)) {
			test_skip("cannot mknod");
			env_fini(&v);
			return;
		}
	}
	for (int i = 0; i < 30; i++) {
		char name[16];

		snprintf(name, sizeof(name), "g%02d", i);
		CHECK_EQ(add_node(&v, name), 0);
	}
	CHECK(explain(&v, d.usage));
	/* Explaining wrote nothing into allocation's cache. */
	CHECK_EQ(v.dev->routes->used, 0);
	for (size_t i = 0; i < gralloc_explanation_count(v.e); i++) {
		struct gralloc_candidate c = cand(&v, i);

		if (c.verdict == GRALLOC_VERDICT_SKIPPED)
			continue;
		snprintf(listed + strlen(listed), sizeof(listed) - strlen(listed), "%s/%s ",
			 c.backend, c.heap);
	}
	CHECK(strstr(listed, "dma-heap/h00 "));
	CHECK(strstr(listed, "dma-heap/g29 "));
	CHECK(strstr(listed, "memfd/ "));
	/* Twice: the first plans, the second follows the cached routes. */
	for (int round = 0; round < 2; round++) {
		log = capture_allocation(v.dev, &d, &ok);
		CHECK(ok);
		tried[0] = '\0';
		for (line = strstr(log, "try_routes"); line;
		     line = strstr(line + 1, "try_routes")) {
			char backend[32], heap[64] = "";
			const char *msg = strchr(line, ' ') + 1;

			const char *eol = strchr(msg, '\n');

			/* Only the failures: a success is logged too. */
			if (!eol || !memmem(msg, (size_t)(eol - msg), "trying the next", 15) ||
			    sscanf(msg, "%31s heap %63[^:]:", backend, heap) < 1)
				continue;
			if (backend[strlen(backend) - 1] == ':')
				backend[strlen(backend) - 1] = '\0';
			snprintf(tried + strlen(tried), sizeof(tried) - strlen(tried), "%s/%s ",
				 backend, heap);
		}
		/* Everything but the last (memfd, which succeeded) failed. */
		strcat(tried, "memfd/ ");
		if (strcmp(tried, listed)) {
			printf("#   explain lists: %s\n#   allocation tried: %s\n", listed, tried);
			CHECK_STR(tried, listed);
		}
	}
	env_fini(&v);
}

/* Item 6: only a definite refusal is remembered as "cannot import". */
TEST(probe_transient_errors_are_not_capabilities)
{
	static const int transient[] = { ENOMEM, EINTR, EAGAIN, EMFILE, ENFILE, EBUSY };
	static const int definite[] = { ENODEV, EINVAL, EOPNOTSUPP, ENOSYS, EPERM };

	for (size_t i = 0; i < sizeof(transient) / sizeof(transient[0]); i++)
		CHECK_EQ(gralloc_kms_probe_verdict(transient[i]), -transient[i]);
	for (size_t i = 0; i < sizeof(definite) / sizeof(definite[0]); i++)
		CHECK_EQ(gralloc_kms_probe_verdict(definite[i]), 0);
}

int main(void)
{
	return test_run_all();
}
