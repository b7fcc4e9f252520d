/* SPDX-License-Identifier: MIT */
/* Host tests for handles: serialise, import, validation rules, transport.
 * The only real memory here is memfd (no dma-buf on the build machine);
 * fake fds (pipe, /dev/null, socket, regular file, closed) stand in for
 * hostile senders. Every test is fd-leak checked by the harness. */
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "test.h"
#include "handle-test.h"

static char heap_dir[64];

/* memfd is the only backend: an empty heap directory and no udmabuf. */
static struct gralloc_device *make_device(void)
{
	struct gralloc_device_options o = {
		.heap_dir = heap_dir,
		.udmabuf_path = "/nonexistent/udmabuf",
		.no_config = true,
	};

	return gralloc_device_create(&o);
}

#define CPU_RW (GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN)

static struct gralloc_buffer *alloc(struct gralloc_device *dev, uint32_t w, uint32_t h,
				    uint32_t format)
{
	struct gralloc_buffer_desc d = { .width = w, .height = h, .format = format,
					 .usage = CPU_RW, .name = "handle-test" };

	return gralloc_buffer_allocate(dev, &d);
}

/* Per test: a device, one 64x64 XRGB buffer and its handle. */
struct fixture {
	struct gralloc_device *dev;
	struct gralloc_buffer *buf;
	struct th_handle h;
};

static bool setup(struct fixture *f)
{
	f->dev = make_device();
	f->buf = f->dev ? alloc(f->dev, 64, 64, DRM_FORMAT_XRGB8888) : NULL;
	return f->buf && th_serialize(f->buf, &f->h) == 0;
}

static void teardown(struct fixture *f)
{
	gralloc_device_destroy(f->dev); /* frees buf and any import */
}

#define SETUP(f)                                                               \
	struct fixture f = { 0 };                                              \
	if (!setup(&f)) {                                                      \
		printf("#   setup failed: %s\n", gralloc_last_error());       \
		teardown(&f);                                                  \
		test_failed_flag = true;                                       \
		return;                                                        \
	}

/* Import must fail with `err`, name `rule` in the last error, and leave
 * the caller's fds open (import only borrows them). */
static bool rejects(struct gralloc_device *dev, const void *data, size_t len, const int *fds,
		    uint32_t n, int err, const char *rule)
{
	struct gralloc_buffer *b;
	int fds_before = th_fd_count();

	errno = 0;
	b = gralloc_handle_import(dev, data, len, fds, n);
	if (b) {
		printf("#   import accepted a handle that breaks %s\n", rule);
		gralloc_buffer_free(dev, b);
		return false;
	}
	if (errno != err) {
		printf("#   errno %d (%s), expected %d; last error: %s\n", errno,
		       strerror(errno), err, gralloc_last_error());
		return false;
	}
	if (!strstr(gralloc_last_error(), rule)) {
		printf("#   last error \"%s\" does not name %s\n", gralloc_last_error(), rule);
		return false;
	}
	if (th_fd_count() != fds_before) {
		printf("#   failed import changed the fd count\n");
		return false;
	}
	for (uint32_t i = 0; fds && i < n && i < GRALLOC_WIRE_MAX_FDS; i++) {
		if (fds[i] >= 0 && fcntl(fds[i], F_GETFD) < 0 && errno == EBADF &&
		    strcmp(rule, "[fd]")) {
			printf("#   import closed the caller's fd %u\n", i);
			return false;
		}
	}
	return true;
}

/* Decode, let the test change the info, encode again: a handle that is
 * well formed on the wire but lies about the buffer. */
#define WITH_INFO(f, stmt)                                                     \
	do {                                                                   \
		struct gralloc_buffer_info i_;                                 \
		CHECK_EQ(gralloc_handle_decode(f.h.data, f.h.len, &i_), 0);   \
		{                                                              \
			struct gralloc_buffer_info *info = &i_;                \
			stmt;                                                  \
		}                                                              \
		CHECK_EQ(gralloc_handle_encode(&i_, f.h.data, sizeof(f.h.data)), \
			 GRALLOC_WIRE_SIZE);                                 \
	} while (0)

/* ---- serialise / import ------------------------------------------------ */

TEST(wire_layout_is_fixed_little_endian)
{
	SETUP(f);
	struct gralloc_buffer_info info;

	gralloc_buffer_describe(f.buf, &info);
	CHECK_EQ(f.h.len, GRALLOC_WIRE_SIZE);
	CHECK_EQ(f.h.num_fds, 1);
	CHECK_EQ(f.h.fds[0], info.fds[0]); /* borrowed: the buffer's own fd */
	CHECK(memcmp(f.h.data, "GRhd", 4) == 0);
	CHECK_EQ(th_get32(f.h.data + 4), GRALLOC_WIRE_VERSION);
	CHECK_EQ(th_get32(f.h.data + 8), 1);
	CHECK_EQ(th_get32(f.h.data + 12), (GRALLOC_WIRE_SIZE - 16) / 4);
	CHECK_EQ(th_get32(f.h.data + 16), 64);
	CHECK_EQ(th_get32(f.h.data + 20), 64);
	CHECK_EQ(th_get32(f.h.data + 24), DRM_FORMAT_XRGB8888);
	CHECK_EQ(th_get32(f.h.data + 28), 1);
	CHECK_EQ(th_get32(f.h.data + 32), CPU_RW);
	CHECK_EQ(th_get32(f.h.data + 48), info.size);
	CHECK_EQ(th_get32(f.h.data + 64), info.id);
	CHECK_EQ(th_get32(f.h.data + 72), 1);
	CHECK_EQ(th_get32(f.h.data + 84), 256); /* plane 0 stride */
	CHECK(strcmp((const char *)f.h.data + 176, "memfd") == 0);
	teardown(&f);
}

TEST(serialize_reports_space_needed)
{
	SETUP(f);
	uint8_t small[GRALLOC_WIRE_SIZE - 1];
	int fds[1];
	uint32_t n = 0;

	CHECK_EQ(gralloc_handle_serialize(f.buf, f.h.data, sizeof(f.h.data), fds, &n), -ENOSPC);
	CHECK_EQ(n, 1);
	n = 1;
	CHECK_EQ(gralloc_handle_serialize(f.buf, small, sizeof(small), fds, &n), -ENOSPC);
	CHECK_EQ(errno, ENOSPC);
	CHECK_EQ(gralloc_handle_serialize(NULL, small, sizeof(small), fds, &n), -EINVAL);
	teardown(&f);
}

TEST(import_shares_memory_both_ways)
{
	SETUP(f);
	struct gralloc_buffer_info a, b;
	struct gralloc_buffer *imp;
	void *pa, *pb;

	imp = gralloc_handle_import(f.dev, f.h.data, f.h.len, f.h.fds, f.h.num_fds);
	CHECK(imp);
	CHECK_EQ(gralloc_buffer_describe(f.buf, &a), 0);
	CHECK_EQ(gralloc_buffer_describe(imp, &b), 0);
	CHECK_EQ(b.width, a.width);
	CHECK_EQ(b.height, a.height);
	CHECK_EQ(b.format, a.format);
	CHECK_EQ(b.usage, a.usage);
	CHECK_EQ(b.size, a.size);
	CHECK_EQ(b.planes[0].stride, a.planes[0].stride);
	CHECK_STR(b.backend, "memfd");
	CHECK(!b.is_dma_buf);
	CHECK(b.fds[0] != a.fds[0]);
	CHECK(fcntl(b.fds[0], F_GETFD) & FD_CLOEXEC);

	CHECK_EQ(gralloc_buffer_lock(f.buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &pa), 0);
	th_pattern(pa, a.planes[0].stride, 256, 64, 1, false);
	CHECK_EQ(gralloc_buffer_unlock(f.buf), 0);
	CHECK_EQ(gralloc_buffer_lock(imp, CPU_RW, NULL, &pb), 0);
	CHECK_EQ(th_pattern(pb, b.planes[0].stride, 256, 64, 1, true), 0);
	th_pattern(pb, b.planes[0].stride, 256, 64, 2, false);
	CHECK_EQ(gralloc_buffer_unlock(imp), 0);
	CHECK_EQ(gralloc_buffer_lock(f.buf, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, &pa), 0);
	CHECK_EQ(th_pattern(pa, a.planes[0].stride, 256, 64, 2, true), 0);
	CHECK_EQ(gralloc_buffer_unlock(f.buf), 0);
	CHECK_EQ(gralloc_buffer_free(f.dev, imp), 0);
	teardown(&f);
}

TEST(import_gets_new_id_decode_keeps_producer_id)
{
	SETUP(f);
	struct gralloc_buffer_info a, b, d;
	struct gralloc_buffer *imp;

	imp = gralloc_handle_import(f.dev, f.h.data, f.h.len, f.h.fds, f.h.num_fds);
	CHECK(imp);
	gralloc_buffer_describe(f.buf, &a);
	gralloc_buffer_describe(imp, &b);
	CHECK_EQ(gralloc_handle_decode(f.h.data, f.h.len, &d), 0);
	CHECK_EQ(d.id, a.id);
	CHECK_EQ(d.fds[0], -1);
	CHECK(b.id != a.id);
	teardown(&f);
}

TEST(import_twice_gives_independent_buffers)
{
	SETUP(f);
	struct gralloc_buffer *i1, *i2;
	struct gralloc_buffer_info b1, b2;
	void *p;

	i1 = gralloc_handle_import(f.dev, f.h.data, f.h.len, f.h.fds, f.h.num_fds);
	i2 = gralloc_handle_import(f.dev, f.h.data, f.h.len, f.h.fds, f.h.num_fds);
	CHECK(i1 && i2 && i1 != i2);
	gralloc_buffer_describe(i1, &b1);
	gralloc_buffer_describe(i2, &b2);
	CHECK(b1.fds[0] != b2.fds[0]);
	CHECK(b1.id != b2.id);
	/* Free the producer's buffer and one import: the other still works. */
	CHECK_EQ(gralloc_buffer_free(f.dev, f.buf), 0);
	f.buf = NULL;
	CHECK_EQ(gralloc_buffer_free(f.dev, i1), 0);
	CHECK(fcntl(b2.fds[0], F_GETFD) >= 0);
	CHECK_EQ(gralloc_buffer_lock(i2, CPU_RW, NULL, &p), 0);
	memset(p, 0x5a, 64);
	CHECK_EQ(gralloc_buffer_unlock(i2), 0);
	CHECK_EQ(gralloc_buffer_free(f.dev, i2), 0);
	teardown(&f);
}

TEST(free_of_freed_or_foreign_import_is_einval)
{
	SETUP(f);
	struct gralloc_device *other = make_device();
	struct gralloc_buffer *imp, *keep;
	struct gralloc_buffer_info kb;
	int fds_before;

	CHECK(other);
	imp = gralloc_handle_import(f.dev, f.h.data, f.h.len, f.h.fds, f.h.num_fds);
	keep = gralloc_handle_import(f.dev, f.h.data, f.h.len, f.h.fds, f.h.num_fds);
	CHECK(imp && keep);
	gralloc_buffer_describe(keep, &kb);
	/* Another device does not know it. */
	CHECK_EQ(gralloc_buffer_free(other, imp), -EINVAL);
	CHECK_EQ(gralloc_buffer_free(f.dev, imp), 0);
	/* A second free must not close anything, not even an fd number that
	 * a later open reused. */
	fds_before = th_fd_count();
	CHECK_EQ(gralloc_buffer_free(f.dev, imp), -EINVAL);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(th_fd_count(), fds_before);
	CHECK(fcntl(kb.fds[0], F_GETFD) >= 0);
	gralloc_device_destroy(other);
	teardown(&f);
}

TEST(caller_fds_stay_open_after_import)
{
	SETUP(f);
	int dup_fd = fcntl(f.h.fds[0], F_DUPFD_CLOEXEC, 0);
	struct gralloc_buffer *imp;

	CHECK(dup_fd >= 0);
	imp = gralloc_handle_import(f.dev, f.h.data, f.h.len, &dup_fd, 1);
	CHECK(imp);
	CHECK(fcntl(dup_fd, F_GETFD) >= 0);
	close(dup_fd); /* the caller's, in every case */
	CHECK_EQ(gralloc_buffer_free(f.dev, imp), 0);
	teardown(&f);
}

TEST(export_fd_of_import)
{
	SETUP(f);
	struct gralloc_buffer *imp;
	struct stat s1, s2;
	int fd;

	imp = gralloc_handle_import(f.dev, f.h.data, f.h.len, f.h.fds, f.h.num_fds);
	CHECK(imp);
	fd = gralloc_buffer_export_fd(imp, 0);
	CHECK(fd >= 0);
	CHECK_EQ(fstat(fd, &s1), 0);
	CHECK_EQ(fstat(f.h.fds[0], &s2), 0);
	close(fd);
	CHECK_EQ(s1.st_ino, s2.st_ino);
	teardown(&f);
}

TEST(device_destroy_frees_imports)
{
	SETUP(f);
	struct gralloc_device *other = make_device();
	int before = th_fd_count();

	CHECK(other);
	for (int i = 0; i < 3; i++)
		CHECK(gralloc_handle_import(other, f.h.data, f.h.len, f.h.fds, f.h.num_fds));
	CHECK_EQ(th_fd_count(), before + 3);
	gralloc_device_destroy(other);
	CHECK_EQ(th_fd_count(), before);
	teardown(&f);
}

TEST(import_nv12_multi_plane)
{
	struct gralloc_device *dev = make_device();
	struct gralloc_buffer *buf, *imp;
	struct th_handle h;
	struct gralloc_ycbcr y;

	CHECK(dev);
	buf = alloc(dev, 100, 50, DRM_FORMAT_NV12);
	CHECK(buf);
	CHECK_EQ(th_serialize(buf, &h), 0);
	CHECK_EQ(th_get32(h.data + 72), 2);
	imp = gralloc_handle_import(dev, h.data, h.len, h.fds, h.num_fds);
	CHECK(imp);
	CHECK_EQ(gralloc_buffer_lock_ycbcr(imp, CPU_RW, NULL, &y), 0);
	CHECK_EQ(y.chroma_step, 2);
	CHECK_EQ(gralloc_buffer_unlock(imp), 0);
	gralloc_device_destroy(dev);
}

/* ---- structural rules -------------------------------------------------- */

TEST(reject_null_and_short)
{
	SETUP(f);

	CHECK(!gralloc_handle_import(NULL, f.h.data, f.h.len, f.h.fds, 1));
	CHECK_EQ(errno, EINVAL);
	CHECK(!gralloc_handle_import(f.dev, NULL, f.h.len, f.h.fds, 1));
	CHECK(rejects(f.dev, f.h.data, f.h.len, NULL, 1, EINVAL, "[num_fds]"));
	CHECK(rejects(f.dev, f.h.data, 0, f.h.fds, 1, EINVAL, "[length]"));
	CHECK(rejects(f.dev, f.h.data, 15, f.h.fds, 1, EINVAL, "[length]"));
	CHECK(rejects(f.dev, f.h.data, f.h.len - 1, f.h.fds, 1, EINVAL, "[length]"));
	CHECK(rejects(f.dev, f.h.data, 16, f.h.fds, 1, EINVAL, "[length]"));
	teardown(&f);
}

TEST(reject_long_buffer)
{
	SETUP(f);
	uint8_t big[GRALLOC_WIRE_SIZE + 8] = { 0 };

	memcpy(big, f.h.data, f.h.len);
	CHECK(rejects(f.dev, big, sizeof(big), f.h.fds, 1, EINVAL, "[length]"));
	teardown(&f);
}

TEST(reject_bad_magic)
{
	SETUP(f);

	f.h.data[0] ^= 1;
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[magic]"));
	teardown(&f);
}

TEST(reject_bad_version)
{
	SETUP(f);

	th_put32(f.h.data + 4, 3);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[version]"));
	th_put32(f.h.data + 4, 0);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[version]"));
	teardown(&f);
}

TEST(reject_bad_num_ints)
{
	SETUP(f);

	/* CVE-2015-1474 shape: a huge count that would overflow a size. */
	th_put32(f.h.data + 12, 0xffffffffu);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[num_ints]"));
	th_put32(f.h.data + 12, 0x40000000u);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[num_ints]"));
	th_put32(f.h.data + 12, (GRALLOC_WIRE_SIZE - 16) / 4 - 1);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[num_ints]"));
	teardown(&f);
}

TEST(reject_bad_num_fds)
{
	SETUP(f);
	int five[5] = { f.h.fds[0], f.h.fds[0], f.h.fds[0], f.h.fds[0], f.h.fds[0] };
	int two[2] = { f.h.fds[0], f.h.fds[0] };

	/* More fds given than any handle carries: refused before reading them. */
	CHECK(rejects(f.dev, f.h.data, f.h.len, five, 5, EINVAL, "[num_fds]"));
	CHECK(rejects(f.dev, f.h.data, f.h.len, five, 0xffffffffu, EINVAL, "[num_fds]"));
	/* Count disagrees with the handle. */
	CHECK(rejects(f.dev, f.h.data, f.h.len, two, 2, EINVAL, "[num_fds]"));
	CHECK(rejects(f.dev, f.h.data, f.h.len, two, 0, EINVAL, "[num_fds]"));
	th_put32(f.h.data + 8, 0);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 0, EINVAL, "[num_fds]"));
	th_put32(f.h.data + 8, 5);
	CHECK(rejects(f.dev, f.h.data, f.h.len, five, 5, EINVAL, "[num_fds]"));
	th_put32(f.h.data + 8, 0x80000000u);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[num_fds]"));
	teardown(&f);
}

TEST(reject_bad_num_planes)
{
	SETUP(f);

	th_put32(f.h.data + 72, 0);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[num_planes]"));
	th_put32(f.h.data + 72, 5);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[num_planes]"));
	th_put32(f.h.data + 72, 0xffffffffu);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[num_planes]"));
	teardown(&f);
}

TEST(reject_plane_fd_index)
{
	SETUP(f);

	th_put32(f.h.data + 80, 1);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[fd_index]"));
	th_put32(f.h.data + 80, 0xffffffffu);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[fd_index]"));
	teardown(&f);
}

TEST(reject_unused_fd)
{
	SETUP(f);
	int two[2] = { f.h.fds[0], f.h.fds[0] };

	/* Two fds, but the only plane uses fd 0. */
	th_put32(f.h.data + 8, 2);
	CHECK(rejects(f.dev, f.h.data, f.h.len, two, 2, EINVAL, "[fd_index]"));
	teardown(&f);
}

TEST(reject_nonzero_reserved_and_unused_plane)
{
	SETUP(f);
	uint8_t copy[GRALLOC_WIRE_SIZE];

	memcpy(copy, f.h.data, sizeof(copy));
	th_put32(f.h.data + 76, 1);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[reserved]"));
	memcpy(f.h.data, copy, sizeof(copy));
	f.h.data[80 + 24 * 3 + 23] = 1; /* last byte of plane 3 */
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[planes]"));
	teardown(&f);
}

TEST(reject_bad_names)
{
	SETUP(f);
	uint8_t copy[GRALLOC_WIRE_SIZE];

	memcpy(copy, f.h.data, sizeof(copy));
	memset(f.h.data + 176, 'a', 64); /* backend not terminated */
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[name]"));
	memcpy(f.h.data, copy, sizeof(copy));
	f.h.data[240 + 63] = 'x'; /* heap unterminated at the very end */
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[name]"));
	memcpy(f.h.data, copy, sizeof(copy));
	f.h.data[176 + 10] = 'x'; /* bytes hidden after "memfd\0" */
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[name]"));
	memcpy(f.h.data, copy, sizeof(copy));
	f.h.data[176 + 1] = '\n'; /* "m\nmfd": not printable */
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[name]"));
	teardown(&f);
}

TEST(reject_unknown_backend)
{
	SETUP(f);

	memcpy(f.h.data + 176, "no-such\0", 8);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[backend]"));
	memset(f.h.data + 176, 0, 64);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[backend]"));
	teardown(&f);
}

TEST(reject_heap_name_disagreeing_with_backend)
{
	SETUP(f);
	uint8_t copy[GRALLOC_WIRE_SIZE];

	memcpy(copy, f.h.data, sizeof(copy));
	WITH_INFO(f, strcpy(info->heap, "system"));
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[heap]"));
	memcpy(f.h.data, copy, sizeof(copy));
	WITH_INFO(f, (strcpy(info->backend, "dma-heap"), info->heap[0] = '\0'));
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[heap]"));
	teardown(&f);
}

TEST(reject_layer_count_zero)
{
	SETUP(f);

	WITH_INFO(f, info->layer_count = 0);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[layer_count]"));
	teardown(&f);
}

/* ---- semantic rules ---------------------------------------------------- */

TEST(reject_unknown_format)
{
	SETUP(f);

	WITH_INFO(f, info->format = 0x20202020);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[descriptor]"));
	CHECK(strstr(gralloc_last_error(), "unsupported format"));
	teardown(&f);
}

TEST(reject_unknown_usage_bits)
{
	SETUP(f);

	WITH_INFO(f, info->usage |= UINT64_C(1) << 40);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[descriptor]"));
	CHECK(strstr(gralloc_last_error(), "unknown usage"));
	teardown(&f);
}

TEST(reject_usage_backend_cannot_serve)
{
	SETUP(f);

	/* memfd never serves scanout; the layout for scanout is the same as
	 * for this CPU buffer at 64 pixels, so only the usage rule stops it. */
	WITH_INFO(f, info->usage |= GRALLOC_USAGE_SCANOUT);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[usage]"));
	teardown(&f);
}

TEST(reject_bad_dimensions)
{
	SETUP(f);
	uint8_t copy[GRALLOC_WIRE_SIZE];

	memcpy(copy, f.h.data, sizeof(copy));
	th_put32(f.h.data + 16, 0);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[descriptor]"));
	memcpy(f.h.data, copy, sizeof(copy));
	th_put32(f.h.data + 20, 0xffffffffu);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[descriptor]"));
	memcpy(f.h.data, copy, sizeof(copy));
	th_put32(f.h.data + 28, 0xffffffffu); /* layer count */
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[descriptor]"));
	teardown(&f);
}

/* The layout is data checked against the memory: one that does not fit
 * the fd, or that is not what its own strides, rows and memory give, is
 * refused, whoever made it. */
TEST(reject_layout_mismatch)
{
	SETUP(f);
	uint8_t copy[GRALLOC_WIRE_SIZE];

	memcpy(copy, f.h.data, sizeof(copy));
	WITH_INFO(f, info->planes[0].stride += 64);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[size]"));
	memcpy(f.h.data, copy, sizeof(copy));
	WITH_INFO(f, info->planes[0].stride -= 4);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[stride]"));
	memcpy(f.h.data, copy, sizeof(copy));
	WITH_INFO(f, info->planes[0].offset = 4096);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[size]"));
	memcpy(f.h.data, copy, sizeof(copy));
	WITH_INFO(f, info->planes[0].size = UINT64_MAX);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[layout]"));
	memcpy(f.h.data, copy, sizeof(copy));
	WITH_INFO(f, info->size = UINT64_MAX - 4095);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[size]"));
	memcpy(f.h.data, copy, sizeof(copy));
	WITH_INFO(f, info->fd_size[0] += 4096);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[size]"));
	memcpy(f.h.data, copy, sizeof(copy));
	WITH_INFO(f, info->layer_stride *= 2);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[layout]"));
	memcpy(f.h.data, copy, sizeof(copy));
	/* XRGB has one plane: a second one is a lie even if well formed. */
	WITH_INFO(f, (info->num_planes = 2, info->planes[1] = info->planes[0]));
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[layout]"));
	teardown(&f);
}

TEST(reject_non_linear_modifier)
{
	SETUP(f);

	WITH_INFO(f, info->modifier = I915_FORMAT_MOD_X_TILED);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[modifier]"));
	WITH_INFO(f, info->modifier = DRM_FORMAT_MOD_INVALID);
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[modifier]"));
	teardown(&f);
}

TEST(reject_size_beyond_fd)
{
	SETUP(f);
	struct gralloc_buffer *big = alloc(f.dev, 512, 512, DRM_FORMAT_XRGB8888);
	struct th_handle hb;

	CHECK(big);
	CHECK_EQ(th_serialize(big, &hb), 0);
	/* The big buffer's (honest) layout with the small buffer's memory. */
	CHECK(rejects(f.dev, hb.data, hb.len, f.h.fds, 1, EINVAL, "[size]"));
	teardown(&f);
}

/* ---- fd rules ---------------------------------------------------------- */

TEST(reject_closed_fd)
{
	SETUP(f);
	int fd = fcntl(f.h.fds[0], F_DUPFD_CLOEXEC, 0);

	CHECK(fd >= 0);
	close(fd);
	CHECK(rejects(f.dev, f.h.data, f.h.len, &fd, 1, EBADF, "[fd]"));
	fd = -1;
	CHECK(rejects(f.dev, f.h.data, f.h.len, &fd, 1, EBADF, "[fd]"));
	teardown(&f);
}

TEST(reject_pipe)
{
	SETUP(f);
	int p[2];

	CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
	CHECK(rejects(f.dev, f.h.data, f.h.len, &p[0], 1, EBADF, "[fd-kind]"));
	CHECK(rejects(f.dev, f.h.data, f.h.len, &p[1], 1, EBADF, "[fd-kind]"));
	close(p[0]);
	close(p[1]);
	teardown(&f);
}

TEST(reject_dev_null)
{
	SETUP(f);
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	CHECK(fd >= 0);
	CHECK(rejects(f.dev, f.h.data, f.h.len, &fd, 1, EBADF, "[fd-kind]"));
	close(fd);
	teardown(&f);
}

TEST(reject_socket)
{
	SETUP(f);
	int sv[2];

	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	CHECK(rejects(f.dev, f.h.data, f.h.len, &sv[0], 1, EBADF, "[fd-kind]"));
	close(sv[0]);
	close(sv[1]);
	teardown(&f);
}

TEST(reject_regular_file)
{
	SETUP(f);
	char path[] = "/tmp/gralloc-handle-test-XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC);

	CHECK(fd >= 0);
	unlink(path);
	CHECK_EQ(ftruncate(fd, 1 << 20), 0); /* big enough: only its kind is wrong */
	CHECK(rejects(f.dev, f.h.data, f.h.len, &fd, 1, EBADF, "[fd-kind]"));
	close(fd);
	teardown(&f);
}

TEST(reject_unsealed_memfd)
{
	SETUP(f);
	int fd = memfd_create("unsealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, 1 << 20), 0);
	CHECK(rejects(f.dev, f.h.data, f.h.len, &fd, 1, EBADF, "[fd-kind]"));
	/* Shrink alone is not enough either. */
	CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	CHECK(rejects(f.dev, f.h.data, f.h.len, &fd, 1, EBADF, "[fd-kind]"));
	close(fd);
	fd = memfd_create("nosealing", MFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, 1 << 20), 0);
	CHECK(rejects(f.dev, f.h.data, f.h.len, &fd, 1, EBADF, "[fd-kind]"));
	close(fd);
	teardown(&f);
}

TEST(reject_o_path_and_read_only_fds)
{
	SETUP(f);
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", f.h.fds[0]);
	fd = open(path, O_PATH | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(rejects(f.dev, f.h.data, f.h.len, &fd, 1, EBADF, "[fd-kind]"));
	close(fd);
	/* Same memfd reopened read-only, for a buffer with CPU write usage. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(rejects(f.dev, f.h.data, f.h.len, &fd, 1, EINVAL, "[fd-access]"));
	close(fd);
	teardown(&f);
}

TEST(reject_memfd_claimed_as_dma_buf)
{
	SETUP(f);

	WITH_INFO(f, (strcpy(info->backend, "dma-heap"), strcpy(info->heap, "system")));
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[backend-fd]"));
	WITH_INFO(f, (strcpy(info->backend, "udmabuf"), info->heap[0] = '\0'));
	CHECK(rejects(f.dev, f.h.data, f.h.len, f.h.fds, 1, EINVAL, "[backend-fd]"));
	teardown(&f);
}

/* Every single-bit change of a valid handle is refused, except in the
 * fields whose value no check can judge: the producer's id, usage bits
 * that neither change the layout nor exceed the backend, and a fourcc that
 * names another known format of the same layout (XR24 -> XB24). */
TEST(every_bit_flip_is_caught)
{
	SETUP(f);
	uint8_t copy[GRALLOC_WIRE_SIZE];
	int accepted_elsewhere = 0, before = th_fd_count();

	memcpy(copy, f.h.data, sizeof(copy));
	for (size_t byte = 0; byte < f.h.len; byte++) {
		for (int bit = 0; bit < 8; bit++) {
			struct gralloc_buffer *b;

			memcpy(f.h.data, copy, sizeof(copy));
			f.h.data[byte] ^= (uint8_t)(1u << bit);
			b = gralloc_handle_import(f.dev, f.h.data, f.h.len, f.h.fds, 1);
			if (!b)
				continue;
			gralloc_buffer_free(f.dev, b);
			if (!(byte >= 24 && byte < 28) && !(byte >= 32 && byte < 40) &&
			    !(byte >= 64 && byte < 72)) {
				printf("#   flip of byte %zu bit %d accepted\n", byte, bit);
				accepted_elsewhere++;
			}
		}
	}
	CHECK_EQ(accepted_elsewhere, 0);
	CHECK_EQ(th_fd_count(), before);
	teardown(&f);
}

/* ---- transport --------------------------------------------------------- */

static void round_trip(int type)
{
	SETUP(f);
	struct gralloc_buffer *got;
	struct gralloc_buffer_info a, b;
	int sv[2];

	CHECK_EQ(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(gralloc_handle_send(sv[0], f.buf), 0);
	got = gralloc_handle_receive(f.dev, sv[1]);
	CHECK(got);
	gralloc_buffer_describe(f.buf, &a);
	gralloc_buffer_describe(got, &b);
	CHECK_EQ(b.size, a.size);
	CHECK(fcntl(b.fds[0], F_GETFD) & FD_CLOEXEC);
	close(sv[0]);
	close(sv[1]);
	teardown(&f);
}

TEST(transport_stream)
{
	round_trip(SOCK_STREAM);
}

TEST(transport_seqpacket)
{
	round_trip(SOCK_SEQPACKET);
}

TEST(transport_dgram)
{
	round_trip(SOCK_DGRAM);
}

/* Sends raw bytes with `n` copies of fd. */
static int send_raw(int sock, const void *data, size_t len, int fd, int n)
{
	char ctl[CMSG_SPACE(sizeof(int) * 16)] = { 0 };
	struct iovec iov = { (void *)data, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (n) {
		msg.msg_control = ctl;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
		for (int i = 0; i < n; i++)
			memcpy(CMSG_DATA(c) + i * sizeof(int), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -errno;
}

static bool receive_fails(struct gralloc_device *dev, int sock, int err)
{
	struct gralloc_buffer *b;

	errno = 0;
	b = gralloc_handle_receive(dev, sock);
	if (b) {
		printf("#   receive accepted a bad message\n");
		gralloc_buffer_free(dev, b);
		return false;
	}
	if (errno != err) {
		printf("#   errno %d (%s), expected %d; last error: %s\n", errno,
		       strerror(errno), err, gralloc_last_error());
		return false;
	}
	return true;
}

TEST(receive_too_many_fds_truncates_and_closes_all)
{
	SETUP(f);
	int sv[2];

	for (int type = SOCK_STREAM; type <= SOCK_SEQPACKET; type += SOCK_SEQPACKET - SOCK_STREAM) {
		CHECK_EQ(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv), 0);
		CHECK_EQ(send_raw(sv[0], f.h.data, f.h.len, f.h.fds[0], 9), 0);
		CHECK(receive_fails(f.dev, sv[1], EPROTO));
		CHECK(strstr(gralloc_last_error(), "truncated"));
		close(sv[0]);
		close(sv[1]);
	}
	teardown(&f);
}

TEST(receive_fd_count_mismatch_closes_all)
{
	SETUP(f);
	int sv[2];

	CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(send_raw(sv[0], f.h.data, f.h.len, f.h.fds[0], 2), 0);
	CHECK(receive_fails(f.dev, sv[1], EINVAL));
	CHECK(strstr(gralloc_last_error(), "[num_fds]"));
	CHECK_EQ(send_raw(sv[0], f.h.data, f.h.len, -1, 0), 0);
	CHECK(receive_fails(f.dev, sv[1], EINVAL));
	close(sv[0]);
	close(sv[1]);
	teardown(&f);
}

TEST(receive_short_payload_closes_all)
{
	SETUP(f);
	int sv[2];

	/* Stream: header and part of the body, then end of file. */
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(send_raw(sv[0], f.h.data, 100, f.h.fds[0], 1), 0);
	shutdown(sv[0], SHUT_WR);
	CHECK(receive_fails(f.dev, sv[1], EPROTO));
	close(sv[0]);
	close(sv[1]);
	/* Stream: less than a header. */
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(send_raw(sv[0], f.h.data, 7, f.h.fds[0], 1), 0);
	shutdown(sv[0], SHUT_WR);
	CHECK(receive_fails(f.dev, sv[1], EPROTO));
	close(sv[0]);
	close(sv[1]);
	/* Packet: a short message is a short handle. */
	CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(send_raw(sv[0], f.h.data, 100, f.h.fds[0], 1), 0);
	CHECK(receive_fails(f.dev, sv[1], EINVAL));
	CHECK(strstr(gralloc_last_error(), "[length]"));
	close(sv[0]);
	close(sv[1]);
	teardown(&f);
}

TEST(receive_oversized)
{
	SETUP(f);
	uint8_t big[GRALLOC_WIRE_SIZE * 2] = { 0 };
	int sv[2];

	memcpy(big, f.h.data, f.h.len);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(send_raw(sv[0], big, sizeof(big), f.h.fds[0], 1), 0);
	CHECK(receive_fails(f.dev, sv[1], EPROTO));
	close(sv[0]);
	close(sv[1]);
	/* Stream header announcing a huge body: refused before reading on. */
	th_put32(big + 12, 0xffffffffu);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(send_raw(sv[0], big, 16, f.h.fds[0], 1), 0);
	CHECK(receive_fails(f.dev, sv[1], EPROTO));
	close(sv[0]);
	close(sv[1]);
	teardown(&f);
}

TEST(receive_fake_fd_closes_it)
{
	SETUP(f);
	int sv[2], p[2];

	CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(send_raw(sv[0], f.h.data, f.h.len, p[0], 1), 0);
	CHECK(receive_fails(f.dev, sv[1], EBADF));
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	teardown(&f);
}

TEST(receive_eof_and_bad_socket)
{
	SETUP(f);
	int sv[2], fd;

	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	close(sv[0]);
	CHECK(receive_fails(f.dev, sv[1], ECONNRESET));
	close(sv[1]);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(receive_fails(f.dev, fd, ENOTSOCK));
	CHECK_EQ(gralloc_handle_send(fd, f.buf), -ENOTSOCK);
	close(fd);
	CHECK(receive_fails(NULL, 0, EINVAL));
	teardown(&f);
}

TEST(send_to_closed_peer_no_sigpipe)
{
	SETUP(f);
	int sv[2];

	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	close(sv[1]);
	CHECK_EQ(gralloc_handle_send(sv[0], f.buf), -EPIPE);
	close(sv[0]);
	teardown(&f);
}

TEST(thousand_round_trips_no_fd_growth)
{
	struct gralloc_device *dev = make_device();
	int sv[2], start = -1;

	CHECK(dev);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	for (int i = 0; i < 1000; i++) {
		struct gralloc_buffer *b = alloc(dev, 32, 32, DRM_FORMAT_XRGB8888), *r;
		uint32_t *p;

		CHECK(b);
		CHECK_EQ(gralloc_buffer_lock(b, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, (void **)&p), 0);
		*p = (uint32_t)i;
		gralloc_buffer_unlock(b);
		CHECK_EQ(gralloc_handle_send(sv[0], b), 0);
		r = gralloc_handle_receive(dev, sv[1]);
		CHECK(r);
		CHECK_EQ(gralloc_buffer_lock(r, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, (void **)&p), 0);
		CHECK_EQ(*p, i);
		gralloc_buffer_unlock(r);
		CHECK_EQ(gralloc_buffer_free(dev, r), 0);
		CHECK_EQ(gralloc_buffer_free(dev, b), 0);
		if (i == 0)
			start = th_fd_count();
	}
	CHECK_EQ(th_fd_count(), start);
	close(sv[0]);
	close(sv[1]);
	gralloc_device_destroy(dev);
}

int main(void)
{
	int ret;

	signal(SIGPIPE, SIG_DFL); /* a SIGPIPE would kill the test: MSG_NOSIGNAL */
	snprintf(heap_dir, sizeof(heap_dir), "/tmp/gralloc-handle-heaps-XXXXXX");
	if (!mkdtemp(heap_dir)) {
		perror("mkdtemp");
		return 1;
	}
	ret = test_run_all();
	rmdir(heap_dir);
	return ret;
}
