/* SPDX-License-Identifier: MIT */
/*
 * The ION backend, end to end, against the ION EMULATOR (libion-emulator.so,
 * see ion-emulator.h): the library's own open("/dev/ion") and ioctl() calls,
 * answered for both ION ABIs with real dma-bufs from the guest kernel's
 * system heap. What is checked is what the library does with ION's answers
 * (ABI, heap mapping, handle release, fd checks, sync path, fallback
 * order), never that ION itself works: no kernel here has it.
 *
 * Needs /dev/dma_heap/system: a skip (exit 77) on the build machine, a
 * failure in the guest (GRALLOC_VM=1).
 */
#include <dlfcn.h>
#include <libgen.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>

#include <drm_fourcc.h>
#include <linux/magic.h>

#include "backends/ion_abi.h"
#include "gralloc/gralloc.h"
#include "guest.h"
#include "ion-emulator.h"
#include "gralloc/fence.h"
#include "vgem-fence.h"

#define CPU_RW (GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN)
#define W 64
#define H 32

static ion_emulator_get_stats_fn emu_stats;
static ion_emulator_reset_stats_fn emu_reset;

/* One test's world: an emulator configuration, a heap directory (an empty
 * temporary one unless a test wants the real nodes) and a device. */
struct fixture {
	char heap_dir[64];
	bool own_dir;
	char node[128]; /* a node made in heap_dir, removed at the end */
	int live0;      /* emulator's live legacy handles at the start */
	struct gralloc_device *dev;
};

static void emu_env(const char *abi, const char *fault)
{
	setenv("ION_EMULATOR_ABI", abi, 1);
	if (fault)
		setenv("ION_EMULATOR_FAULT", fault, 1);
	else
		unsetenv("ION_EMULATOR_FAULT");
}

/* heap_dir NULL: a fresh empty directory, so no dma-buf heap node exists.
 * config NULL: the built-in policy. Returns 0 or -errno. */
static int fixture_open(struct fixture *f, const char *abi, const char *fault,
			const char *heap_dir, const char *config)
{
	struct gralloc_device_options o = { 0 };
	char conf_path[64];
	int ret = 0;

	memset(f, 0, sizeof(*f));
	/* No display: scanout requests here are about heaps, and the guest's
	 * first KMS card (virtio-gpu) would claim them for its own memory. */
	o.display_path = "/nonexistent";
	emu_env(abi, fault);
	if (heap_dir) {
		snprintf(f->heap_dir, sizeof(f->heap_dir), "%s", heap_dir);
	} else {
		snprintf(f->heap_dir, sizeof(f->heap_dir), "/tmp/gralloc-ion-XXXXXX");
		if (!mkdtemp(f->heap_dir))
			return -errno;
		f->own_dir = true;
	}
	o.heap_dir = f->heap_dir;
	if (config) {
		ret = guest_write_config(conf_path, sizeof(conf_path), config);
		if (ret)
			return ret;
		o.config_path = conf_path;
	} else {
		o.no_config = true;
	}
	f->dev = gralloc_device_create(&o);
	if (!f->dev)
		ret = -errno;
	if (config)
		unlink(conf_path); /* the policy is read at creation */
	emu_reset();
	{
		struct ion_emulator_stats s;

		/* Relative, so that one failed test does not fail the rest. */
		emu_stats(&s);
		f->live0 = s.live_handles;
	}
	return ret;
}

static void fixture_close(struct fixture *f)
{
	gralloc_device_destroy(f->dev);
	if (f->node[0])
		unlink(f->node);
	if (f->own_dir)
		rmdir(f->heap_dir);
	unsetenv("ION_EMULATOR_FAULT");
}

static struct gralloc_buffer *alloc(struct gralloc_device *dev, uint64_t usage)
{
	struct gralloc_buffer_desc d = {
		.width = W, .height = H, .format = DRM_FORMAT_XRGB8888,
		.usage = usage, .name = "ion-test",
	};

	return gralloc_buffer_allocate(dev, &d);
}

static bool is_dma_buf(int fd)
{
	struct statfs sfs;

	return fstatfs(fd, &sfs) == 0 && (unsigned long)sfs.f_type == DMA_BUF_MAGIC;
}

/* Verdict and reason of candidate (backend, heap); -1 verdict if absent.
 * reason is copied: the explanation owns its strings. */
static int explain_candidate(struct gralloc_device *dev, uint64_t usage, const char *backend,
			     const char *heap, char *reason, size_t len)
{
	struct gralloc_buffer_desc d = {
		.width = W, .height = H, .format = DRM_FORMAT_XRGB8888, .usage = usage,
	};
	struct gralloc_explanation *e = gralloc_explain(dev, &d);
	int verdict = -1;

	reason[0] = '\0';
	for (size_t i = 0; e && i < gralloc_explanation_count(e); i++) {
		struct gralloc_candidate c;

		if (gralloc_explanation_get(e, i, &c) || strcmp(c.backend, backend) ||
		    strcmp(c.heap, heap))
			continue;
		verdict = (int)c.verdict;
		snprintf(reason, len, "%s", c.reason);
		break;
	}
	gralloc_explanation_destroy(e);
	return verdict;
}

/* Runs an allocation that must fail with stderr captured (GRALLOC_LOG=error
 * makes the library print its errors). Returns the errno it failed with, 0
 * if it did not fail (the buffer is then freed). fd-neutral. */
static int failing_alloc(struct gralloc_device *dev, uint64_t usage, char *log, size_t len)
{
	struct gralloc_buffer *buf;
	int saved, cap, err = 0;
	ssize_t n;

	fflush(stderr);
	cap = memfd_create("stderr", MFD_CLOEXEC);
	saved = dup(2);
	dup2(cap, 2);
	setenv("GRALLOC_LOG", "error", 1);
	buf = alloc(dev, usage);
	if (!buf)
		err = errno;
	unsetenv("GRALLOC_LOG");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(cap, log, len - 1, 0);
	log[n > 0 ? n : 0] = '\0';
	close(cap);
	if (buf)
		gralloc_buffer_free(dev, buf);
	return err;
}

/* Allocate, check what ION was asked, write through the library's lock,
 * read back through an independent mapping, free. */
static void alloc_map_sync_free(const char *abi)
{
	bool legacy = !strcmp(abi, "legacy");
	struct ion_emulator_stats s;
	struct gralloc_buffer_info info;
	struct gralloc_buffer *buf;
	struct fixture f;
	uint32_t *px, *check;
	unsigned ioctls_before_lock;
	char exporter[64] = "";
	void *map;
	int fd;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	CHECK_EQ(fixture_open(&f, abi, NULL, NULL, NULL), 0);
	buf = alloc(f.dev, CPU_RW);
	if (!buf) {
		FAIL_MSG("allocate: %s (%s)", strerror(errno), gralloc_last_error());
		fixture_close(&f);
		return;
	}
	emu_stats(&s);
	gralloc_buffer_describe(buf, &info);
	CHECK_STR(info.backend, "ion");
	CHECK_STR(info.heap, "system");
	CHECK(info.is_dma_buf);
	CHECK(is_dma_buf(info.fds[0]));
	/* The memory is the real kernel's: its exporter is the system heap. */
	CHECK_EQ(guest_fdinfo(info.fds[0], "exp_name", exporter, sizeof(exporter)), 0);
	CHECK_STR(exporter, "system");
	CHECK_EQ(s.opens, 1); /* lazily, at the first status() */
	CHECK_EQ(s.allocs, 1);
	CHECK_EQ(s.last_len, info.size);
	CHECK_EQ(s.last_flags, ION_FLAG_CACHED);
	/* Modern: found by heap query (id 3). Legacy: the conventional mask. */
	CHECK_EQ(s.last_heap_mask, legacy ? ION_HEAP_SYSTEM_MASK : 1u << 3);
	CHECK_STR(s.last_heap, legacy ? "system" : "ion_system_heap");
	/* Legacy: the handle is gone as soon as the library holds the fd. */
	CHECK_EQ(s.live_handles, f.live0);

	ioctls_before_lock = s.ioctls;
	CHECK_EQ(gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &map), 0);
	px = map;
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++)
			px[y * (info.planes[0].stride / 4) + x] = guest_pattern(x, y, 7);
	CHECK_EQ(gralloc_buffer_unlock(buf), 0);
	emu_stats(&s);
	if (legacy) {
		CHECK_EQ(s.syncs, 2); /* ION_IOC_SYNC at lock and at unlock */
	} else {
		/* DMA_BUF_IOCTL_SYNC on the fd: not an ION ioctl at all. */
		CHECK_EQ(s.syncs, 0);
		CHECK_EQ(s.ioctls, ioctls_before_lock);
	}

	fd = gralloc_buffer_export_fd(buf, 0);
	CHECK(fd >= 0);
	check = mmap(NULL, info.size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	CHECK(check != MAP_FAILED);
	for (uint32_t y = 0; y < H; y++) {
		for (uint32_t x = 0; x < W; x++) {
			if (check[y * (info.planes[0].stride / 4) + x] != guest_pattern(x, y, 7)) {
				FAIL_MSG("pixel %u,%u differs through an independent mapping", x, y);
				y = H;
				break;
			}
		}
	}
	munmap(check, info.size);
	CHECK_EQ(gralloc_buffer_free(f.dev, buf), 0);
	fixture_close(&f);
}

TEST(modern_alloc_map_sync_free)
{
	alloc_map_sync_free("modern");
}

TEST(legacy_alloc_map_sync_free)
{
	alloc_map_sync_free("legacy");
}

/* How the ABI was told apart: legacy answered FREE(0) with EINVAL and has
 * no heap query; modern said ENOTTY and listed its heaps. */
TEST(abi_detection)
{
	struct ion_emulator_stats s;
	struct gralloc_buffer *buf;
	struct fixture f;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	for (int legacy = 0; legacy < 2; legacy++) {
		CHECK_EQ(fixture_open(&f, legacy ? "legacy" : "modern", NULL, NULL, NULL), 0);
		buf = alloc(f.dev, CPU_RW);
		emu_stats(&s);
		if (buf)
			gralloc_buffer_free(f.dev, buf);
		fixture_close(&f);
		CHECK(buf);
		/* The emulator only answers the ALLOC of its own generation. */
		CHECK_EQ(s.allocs, 1);
		/* count + fetch on modern; none answered on legacy */
		CHECK_EQ(s.queries, legacy ? 0 : 2);
		/* FREE(0), HEAP_QUERY, then ALLOC+SHARE+FREE or HEAP_QUERY+ALLOC */
		CHECK_EQ(s.ioctls, legacy ? 5 : 4);
	}
}

/* Policy names to ION heaps through the modern heap query: CMA by name,
 * uncached as system without ION_FLAG_CACHED, a vendor heap by ion=. */
TEST(heap_query_name_mapping)
{
	static const char conf[] =
		"heap vendor kind=other ion=vendor_carveout\n"
		"heap ghost kind=other ion=no_such_heap\n"
		"order default ghost vendor system\n"
		"iommu absent\n";
	struct ion_emulator_stats s;
	struct gralloc_buffer *buf;
	struct gralloc_buffer_info info;
	struct fixture f;
	char reason[256];

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	CHECK_EQ(fixture_open(&f, "modern", NULL, NULL, conf), 0);

	/* Contiguous class (scanout, no IOMMU): linux,cma first. */
	buf = alloc(f.dev, GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CPU_WRITE_RARELY);
	emu_stats(&s);
	if (buf)
		gralloc_buffer_describe(buf, &info);
	gralloc_buffer_free(f.dev, buf);
	if (!buf)
		fixture_close(&f);
	CHECK(buf);
	CHECK_STR(info.heap, "linux,cma");
	CHECK_STR(s.last_heap, "linux,cma");
	CHECK_EQ(s.last_heap_mask, 1u << 5);

	/* Uncached class (no CPU access): system-uncached. */
	buf = alloc(f.dev, GRALLOC_USAGE_GPU_TEXTURE);
	emu_stats(&s);
	if (buf)
		gralloc_buffer_describe(buf, &info);
	gralloc_buffer_free(f.dev, buf);
	if (!buf)
		fixture_close(&f);
	CHECK(buf);
	CHECK_STR(info.heap, "system-uncached");
	CHECK_EQ(s.last_heap_mask, 1u << 3);
	CHECK_EQ(s.last_flags, 0);

	/* Default class: ghost has no ION heap, vendor does. */
	CHECK_EQ(explain_candidate(f.dev, GRALLOC_USAGE_CPU_READ_RARELY, "ion", "ghost",
				   reason, sizeof(reason)), GRALLOC_VERDICT_SKIPPED);
	if (!strstr(reason, "ION has no heap named no_such_heap (ION heaps: "
			    "ion_system_contig_heap, vendor_carveout, ion_system_heap, linux,cma)"))
		FAIL_MSG("ghost's reason: %s", reason);
	buf = alloc(f.dev, GRALLOC_USAGE_CPU_READ_RARELY);
	emu_stats(&s);
	if (buf)
		gralloc_buffer_describe(buf, &info);
	gralloc_buffer_free(f.dev, buf);
	fixture_close(&f);
	CHECK(buf);
	CHECK_STR(info.heap, "vendor");
	CHECK_STR(s.last_heap, "vendor_carveout");
	CHECK_EQ(s.last_heap_mask, 1u << 1);
}

/* Node present: the dma-buf heap serves and ION is not even opened. */
TEST(fallback_node_present_ion_untouched)
{
	struct ion_emulator_stats s;
	struct gralloc_buffer_info info;
	struct gralloc_buffer *buf;
	struct fixture f;
	char reason[256];
	int verdict;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	CHECK_EQ(fixture_open(&f, "modern", NULL, GUEST_HEAP_DIR, NULL), 0);
	verdict = explain_candidate(f.dev, CPU_RW, "ion", "system", reason, sizeof(reason));
	buf = alloc(f.dev, CPU_RW);
	if (buf)
		gralloc_buffer_describe(buf, &info);
	gralloc_buffer_free(f.dev, buf);
	emu_stats(&s);
	fixture_close(&f);
	CHECK(buf);
	CHECK_STR(info.backend, "dma-heap");
	CHECK_EQ(verdict, GRALLOC_VERDICT_SKIPPED);
	CHECK_STR(reason, GUEST_SYSTEM_HEAP " exists: dma-buf heap preferred");
	CHECK_EQ(s.opens, 0);
	CHECK_EQ(s.ioctls, 0);
}

/* Node absent: explain shows the dma-buf heap skipped, ION selected. */
TEST(fallback_node_absent_ion_used)
{
	struct gralloc_buffer_info info;
	struct gralloc_buffer *buf;
	struct fixture f;
	char dh_reason[256], ion_reason[256];
	int dh, ion;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	CHECK_EQ(fixture_open(&f, "legacy", NULL, NULL, NULL), 0);
	dh = explain_candidate(f.dev, CPU_RW, "dma-heap", "system", dh_reason, sizeof(dh_reason));
	ion = explain_candidate(f.dev, CPU_RW, "ion", "system", ion_reason, sizeof(ion_reason));
	buf = alloc(f.dev, CPU_RW);
	if (buf)
		gralloc_buffer_describe(buf, &info);
	gralloc_buffer_free(f.dev, buf);
	fixture_close(&f);
	CHECK_EQ(dh, GRALLOC_VERDICT_SKIPPED);
	CHECK(strstr(dh_reason, "No such file or directory"));
	CHECK_EQ(ion, GRALLOC_VERDICT_SELECTED);
	CHECK(buf);
	CHECK_STR(info.backend, "ion");
}

/* Moving one heap at a time: "system" is a dma-buf heap already (a real
 * node, made with the system heap's numbers), "system-uncached" is still
 * ION. Each request lands where its heap lives. */
TEST(per_heap_migration)
{
	struct ion_emulator_stats s;
	struct gralloc_buffer_info cached, uncached;
	struct gralloc_buffer *a, *b;
	struct fixture f;
	struct stat st;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	CHECK_EQ(stat(GUEST_SYSTEM_HEAP, &st), 0);
	CHECK_EQ(fixture_open(&f, "modern", NULL, NULL, NULL), 0);
	snprintf(f.node, sizeof(f.node), "%s/system", f.heap_dir);
	if (mknod(f.node, S_IFCHR | 0600, st.st_rdev) < 0) {
		int err = errno;

		f.node[0] = '\0';
		fixture_close(&f);
		if (err == EPERM && !guest_in_vm()) {
			test_skip("mknod needs root: run in the guest rig");
			return;
		}
		FAIL_MSG("mknod: %s", strerror(err));
		return;
	}
	a = alloc(f.dev, CPU_RW);
	emu_stats(&s);
	b = alloc(f.dev, GRALLOC_USAGE_GPU_TEXTURE);
	if (a)
		gralloc_buffer_describe(a, &cached);
	if (b)
		gralloc_buffer_describe(b, &uncached);
	gralloc_buffer_free(f.dev, a);
	gralloc_buffer_free(f.dev, b);
	fixture_close(&f);
	CHECK(a && b);
	CHECK_STR(cached.backend, "dma-heap");
	CHECK_STR(cached.heap, "system");
	CHECK_EQ(s.opens, 0); /* the cached request never needed ION */
	CHECK_STR(uncached.backend, "ion");
	CHECK_STR(uncached.heap, "system-uncached");
}

TEST(no_ion_device)
{
	struct gralloc_buffer_info info;
	struct gralloc_buffer *buf;
	struct fixture f;
	char reason[256];
	int verdict;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	CHECK_EQ(fixture_open(&f, "none", NULL, NULL, NULL), 0);
	verdict = explain_candidate(f.dev, CPU_RW, "ion", "system", reason, sizeof(reason));
	buf = alloc(f.dev, CPU_RW);
	if (buf)
		gralloc_buffer_describe(buf, &info);
	gralloc_buffer_free(f.dev, buf);
	fixture_close(&f);
	CHECK_EQ(verdict, GRALLOC_VERDICT_SKIPPED);
	CHECK_STR(reason, "no /dev/ion (No such file or directory)");
	/* The policy's fallbacks still serve. */
	CHECK(buf);
	CHECK(strcmp(info.backend, "ion"));
}

/* ION's misbehaviour must come out as an errno and a sentence, with no fd
 * and no ION handle left behind (the harness counts fds after each test).
 * Fallbacks are off so that the ION error is the request's error. */
static void bad_answer(const char *abi, const char *fault, const char *conf, int want_errno,
		       const char *want_text)
{
	struct ion_emulator_stats s;
	struct fixture f;
	char log[2048];
	int err, live0;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	CHECK_EQ(fixture_open(&f, abi, fault, NULL, conf), 0);
	err = failing_alloc(f.dev, CPU_RW, log, sizeof(log));
	emu_stats(&s);
	live0 = f.live0;
	fixture_close(&f);
	if (err != want_errno || !strstr(log, want_text)) {
		FAIL_MSG("%s/%s: errno %d (%s), expected %d; log:", abi, fault ? fault : "-", err,
			 strerror(err), want_errno);
		printf("#   | %s\n", log);
		return;
	}
	CHECK_EQ(s.live_handles, live0);
}

#define NO_FALLBACK "fallback none\n"

TEST(unknown_heap_enodev)
{
	/* Legacy: the library cannot check a mask, the kernel says ENODEV. */
	bad_answer("legacy", NULL, "heap system kind=system ion-mask=0x100\n" NO_FALLBACK,
		   ENODEV, "mask 0x100, flags 0x1) failed: No such device");
	bad_answer("modern", "enodev", NO_FALLBACK, ENODEV, "failed: No such device");
}

TEST(out_of_memory)
{
	bad_answer("modern", "enomem", NO_FALLBACK, ENOMEM, "failed: Cannot allocate memory");
	bad_answer("legacy", "enomem", NO_FALLBACK, ENOMEM, "failed: Cannot allocate memory");
}

TEST(bogus_fd_rejected)
{
	bad_answer("modern", "bogus-fd", NO_FALLBACK, EPROTO,
		   "ION ION_IOC_ALLOC returned fd");
	bad_answer("modern", "bogus-fd", NO_FALLBACK, EPROTO, "is not a dma-buf");
	bad_answer("legacy", "bogus-fd", NO_FALLBACK, EPROTO,
		   "ION ION_IOC_SHARE returned fd");
}

TEST(legacy_share_failure_frees_handle)
{
	bad_answer("legacy", "share-fails", NO_FALLBACK, EINVAL, "ION_IOC_SHARE of handle");
}

/* ION without fence ioctls (docs/fences.md): a fenced lock still waits,
 * through poll() on the dma-buf; unlock gives no release fence (-1) but
 * waits for the device work one would have stood for, and waits for a
 * writes fence it cannot attach. Device work is vgem's fences on the ION
 * buffer (real system-heap memory). */
struct later {
	int vgem, fence;
};

static void *signal_after_200ms(void *arg)
{
	struct later *l = arg;

	usleep(200 * 1000);
	vgem_fence_signal(l->vgem, l->fence);
	return NULL;
}

static double ms_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Runs fn (an unlock) while a thread signals l->fence 200 ms later;
 * returns how long fn took, or -1 when the thread did not start. */
static double timed_unlock(struct gralloc_buffer *buf, int writes_fence, int *rel,
			   struct later *l, int *ret)
{
	pthread_t th;
	double t0;

	if (pthread_create(&th, NULL, signal_after_200ms, l))
		return -1;
	t0 = ms_now();
	*ret = gralloc_buffer_unlock_fenced(buf, writes_fence, rel);
	t0 = ms_now() - t0;
	pthread_join(th, NULL);
	return t0;
}

TEST(fences_without_sync_file_ioctls)
{
	struct dma_buf_export_sync_file x = { .flags = DMA_BUF_SYNC_READ, .fd = -1 };
	struct gralloc_buffer_info info, info2;
	struct gralloc_buffer *buf, *src;
	struct ion_emulator_stats s;
	uint32_t handle, src_handle;
	struct later l;
	struct fixture f;
	int vgem, fence, rel = 5, ret;
	double took;
	void *p;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	vgem = guest_open_drm("vgem");
	if (vgem < 0) {
		guest_missing("no DRM device driven by vgem");
		return;
	}
	CHECK_EQ(fixture_open(&f, "modern", NULL, NULL, NULL), 0);
	buf = alloc(f.dev, CPU_RW);
	src = alloc(f.dev, CPU_RW);
	if (!buf || !src || gralloc_buffer_describe(buf, &info) ||
	    gralloc_buffer_describe(src, &info2) || strcmp(info.backend, "ion") ||
	    drmPrimeFDToHandle(vgem, info.fds[0], &handle) ||
	    drmPrimeFDToHandle(vgem, info2.fds[0], &src_handle)) {
		FAIL_MSG("ION buffers imported into vgem: %s", strerror(errno));
		goto out;
	}
	emu_reset();
	fence = vgem_fence_attach(vgem, handle, true);
	ret = gralloc_buffer_lock_fenced(buf, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, -1, 100, &p);
	emu_stats(&s);
	if (fence < 0 || ret != -ETIME)
		FAIL_MSG("read lock with a writer pending: %d, not -ETIME", ret);
	if (s.sync_file_refusals == 0)
		FAIL_MSG("the library never tried EXPORT_SYNC_FILE: the old-kernel path is untested");
	vgem_fence_signal(vgem, fence);
	CHECK_EQ(gralloc_buffer_lock_fenced(buf, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, -1, 1000,
					    &p), 0);
	/* A display still reading: no fence to hand back, so unlock waits. */
	l.vgem = vgem;
	l.fence = vgem_fence_attach(vgem, handle, false);
	CHECK(l.fence >= 0);
	took = timed_unlock(buf, -1, &rel, &l, &ret);
	if (ret || rel != -1 || took < 150)
		FAIL_MSG("unlock with a reader pending: %d, release fence %d after %.1f ms "
			 "(expected 0, -1, >= 150 ms)", ret, rel, took);
	/* A writes fence it cannot attach: unlock waits for it. The sync_file
	 * comes from the real kernel, past the emulator. */
	l.fence = vgem_fence_attach(vgem, src_handle, true);
	CHECK(l.fence >= 0);
	CHECK(syscall(SYS_ioctl, info2.fds[0], DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &x) == 0);
	CHECK_EQ(gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &p), 0);
	took = timed_unlock(buf, x.fd, NULL, &l, &ret);
	if (ret || took < 150)
		FAIL_MSG("unlock with a writes fence: %d after %.1f ms (expected 0, >= 150 ms)",
			 ret, took);
out:
	close(vgem);
	fixture_close(&f);
}

/* LD_PRELOAD must be in place before the process starts, and the VM
 * runner passes no environment: re-execute with the emulator preloaded. */
static void preload_emulator(char **argv)
{
	char self[4096], lib[4200], preload[8400];
	const char *env_lib = getenv("ION_EMULATOR_LIB");
	const char *old = getenv("LD_PRELOAD");
	ssize_t n;

	if (getenv("ION_TEST_REEXECED")) {
		printf("Bail out! libion-emulator.so was preloaded but its symbols are "
		       "missing\n");
		exit(1);
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		printf("Bail out! readlink /proc/self/exe: %s\n", strerror(errno));
		exit(1);
	}
	self[n] = '\0';
	if (env_lib && *env_lib)
		snprintf(lib, sizeof(lib), "%s", env_lib);
	else
		snprintf(lib, sizeof(lib), "%s/libion-emulator.so", dirname(self));
	if (access(lib, R_OK) < 0) {
		printf("Bail out! ION emulator %s: %s\n", lib, strerror(errno));
		exit(1);
	}
	snprintf(preload, sizeof(preload), "%s%s%s", lib, old && *old ? ":" : "",
		 old ? old : "");
	setenv("LD_PRELOAD", preload, 1);
	setenv("ION_TEST_REEXECED", "1", 1);
	execv("/proc/self/exe", argv);
	printf("Bail out! re-exec with LD_PRELOAD=%s: %s\n", preload, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	(void)argc;
	emu_stats = (ion_emulator_get_stats_fn)dlsym(RTLD_DEFAULT, ION_EMULATOR_STATS_SYMBOL);
	emu_reset = (ion_emulator_reset_stats_fn)dlsym(RTLD_DEFAULT, ION_EMULATOR_RESET_SYMBOL);
	if (!emu_stats || !emu_reset)
		preload_emulator(argv);
	/* Children (none today) must not inherit the emulator. */
	unsetenv("LD_PRELOAD");
	return test_run_all();
}
