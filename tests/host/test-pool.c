/* SPDX-License-Identifier: MIT */
/* The recycling pool, on the memfd backend: what is kept, what never is,
 * the bounds, trimming, and the contents promise. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <gralloc/gralloc.h>

#include "test.h"

#define CPU_RW (GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN)

struct fixture {
	char dir[64], missing[96];
	struct gralloc_device *dev;
};

static bool fixture_init(struct fixture *fx, uint64_t max_bytes, uint32_t max_buffers)
{
	struct gralloc_device_options o = { 0 };

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/gralloc-pool-XXXXXX");
	if (!mkdtemp(fx->dir))
		return false;
	snprintf(fx->missing, sizeof(fx->missing), "%s/none", fx->dir);
	o.heap_dir = fx->dir;
	o.udmabuf_path = fx->missing;
	o.display_path = fx->missing;
	o.no_config = true;
	o.pool_max_bytes = max_bytes;
	o.pool_max_buffers = max_buffers;
	fx->dev = gralloc_device_create(&o);
	return fx->dev != NULL;
}

static void fixture_fini(struct fixture *fx)
{
	gralloc_device_destroy(fx->dev);
	rmdir(fx->dir);
}

#define SETUP(fx, bytes, buffers)                                              \
	struct fixture fx;                                                     \
	CHECK(fixture_init(&fx, bytes, buffers))

static struct gralloc_buffer *alloc(struct fixture *fx, uint32_t w, uint32_t flags)
{
	struct gralloc_buffer_desc d = {
		.width = w, .height = w, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW,
		.flags = flags,
	};

	return gralloc_buffer_allocate(fx->dev, &d);
}

static int fill(struct gralloc_buffer *b, uint8_t value)
{
	void *p;

	if (gralloc_buffer_lock(b, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &p))
		return -1;
	memset(p, value, 64 * 64 * 4);
	return gralloc_buffer_unlock(b);
}

/* The first byte, and whether every byte of the 64x64 frame equals it. */
static int read_uniform(struct gralloc_buffer *b)
{
	const uint8_t *p;
	int v;

	if (gralloc_buffer_lock(b, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, (void **)&p))
		return -1;
	v = p[0];
	for (size_t i = 0; i < 64 * 64 * 4; i++)
		if (p[i] != v)
			v = -2;
	gralloc_buffer_unlock(b);
	return v;
}

static struct gralloc_pool_stats stats(struct fixture *fx)
{
	struct gralloc_pool_stats s;

	memset(&s, 0xff, sizeof(s));
	gralloc_device_pool_stats(fx->dev, &s);
	return s;
}

TEST(freed_memory_is_handed_out_again)
{
	SETUP(fx, 0, 0);
	struct gralloc_buffer *a = alloc(&fx, 64, 0), *b;

	CHECK(a);
	CHECK_EQ(fill(a, 0x5a), 0);
	CHECK_EQ(gralloc_buffer_free(fx.dev, a), 0);
	CHECK_EQ(stats(&fx).buffers, 1);
	b = alloc(&fx, 64, 0);
	CHECK(b);
	CHECK_EQ(stats(&fx).hits, 1);
	CHECK_EQ(stats(&fx).buffers, 0);
	/* The same memory: what the last owner in this process left. */
	CHECK_EQ(read_uniform(b), 0x5a);
	CHECK_EQ(stats(&fx).reserved[0], 0);
	fixture_fini(&fx);
}

TEST(zeroed_flag_clears_recycled_memory)
{
	SETUP(fx, 0, 0);
	struct gralloc_buffer *a = alloc(&fx, 64, 0), *b;

	CHECK(a);
	CHECK_EQ(fill(a, 0x5a), 0);
	gralloc_buffer_free(fx.dev, a);
	b = alloc(&fx, 64, GRALLOC_BUFFER_FLAG_ZEROED);
	CHECK(b);
	CHECK_EQ(stats(&fx).hits, 1);
	CHECK_EQ(read_uniform(b), 0);
	fixture_fini(&fx);
}

TEST(other_size_is_a_miss)
{
	SETUP(fx, 0, 0);
	struct gralloc_buffer *a = alloc(&fx, 64, 0), *b;

	CHECK(a);
	gralloc_buffer_free(fx.dev, a);
	b = alloc(&fx, 128, 0);
	CHECK(b);
	CHECK_EQ(stats(&fx).hits, 0);
	CHECK_EQ(stats(&fx).buffers, 1);
	fixture_fini(&fx);
}

/* Memory whose fds left the library may still be used by someone: it is
 * never recycled. */
TEST(escaped_memory_is_never_kept)
{
	SETUP(fx, 0, 0);
	static const char key;
	struct gralloc_buffer_info info;
	uint8_t handle[GRALLOC_WIRE_SIZE];
	int fds[GRALLOC_WIRE_MAX_FDS];
	uint32_t nfds = GRALLOC_WIRE_MAX_FDS;
	struct gralloc_buffer *b;
	int fd;

	b = alloc(&fx, 64, 0);
	CHECK(b);
	CHECK_EQ(gralloc_buffer_describe(b, &info), 0);
	gralloc_buffer_free(fx.dev, b);
	CHECK_EQ(stats(&fx).buffers, 0);

	b = alloc(&fx, 64, 0);
	fd = gralloc_buffer_export_fd(b, 0);
	CHECK(fd >= 0);
	close(fd);
	gralloc_buffer_free(fx.dev, b);
	CHECK_EQ(stats(&fx).buffers, 0);

	b = alloc(&fx, 64, 0);
	CHECK(gralloc_handle_serialize(b, handle, sizeof(handle), fds, &nfds) > 0);
	gralloc_buffer_free(fx.dev, b);
	CHECK_EQ(stats(&fx).buffers, 0);

	b = alloc(&fx, 64, 0);
	CHECK_EQ(gralloc_buffer_set_user_data(b, &key, (void *)&key, NULL), 0);
	gralloc_buffer_free(fx.dev, b);
	CHECK_EQ(stats(&fx).buffers, 0);
	CHECK_EQ(stats(&fx).misses, 4);
	fixture_fini(&fx);
}

TEST(imported_memory_is_never_kept)
{
	SETUP(fx, 0, 0);
	uint8_t handle[GRALLOC_WIRE_SIZE];
	int fds[GRALLOC_WIRE_MAX_FDS];
	uint32_t nfds = GRALLOC_WIRE_MAX_FDS;
	struct gralloc_buffer *b = alloc(&fx, 64, 0), *imp;
	int len;

	CHECK(b);
	len = gralloc_handle_serialize(b, handle, sizeof(handle), fds, &nfds);
	CHECK(len > 0);
	imp = gralloc_handle_import(fx.dev, handle, (size_t)len, fds, nfds);
	CHECK(imp);
	gralloc_buffer_free(fx.dev, imp);
	gralloc_buffer_free(fx.dev, b);
	CHECK_EQ(stats(&fx).buffers, 0);
	fixture_fini(&fx);
}

TEST(bounds_by_count_and_bytes)
{
	SETUP(fx, 0, 2);
	struct gralloc_buffer *b[3];

	for (int i = 0; i < 3; i++)
		CHECK((b[i] = alloc(&fx, 64, 0)));
	for (int i = 0; i < 3; i++)
		gralloc_buffer_free(fx.dev, b[i]);
	CHECK_EQ(stats(&fx).buffers, 2);
	CHECK_EQ(stats(&fx).max_buffers, 2);
	fixture_fini(&fx);

	/* 64x64 XRGB is 16 KiB: a 20 KiB pool holds one. */
	CHECK(fixture_init(&fx, 20 << 10, 0));
	for (int i = 0; i < 3; i++)
		CHECK((b[i] = alloc(&fx, 64, 0)));
	for (int i = 0; i < 3; i++)
		gralloc_buffer_free(fx.dev, b[i]);
	CHECK_EQ(stats(&fx).buffers, 1);
	CHECK_EQ(stats(&fx).bytes, 16 << 10);
	/* Larger than the whole pool: never kept. */
	CHECK((b[0] = alloc(&fx, 128, 0)));
	gralloc_buffer_free(fx.dev, b[0]);
	CHECK_EQ(stats(&fx).bytes, 16 << 10);
	fixture_fini(&fx);
}

TEST(trim_and_off)
{
	SETUP(fx, 0, 0);
	struct gralloc_buffer *b[4];

	for (int i = 0; i < 4; i++)
		CHECK((b[i] = alloc(&fx, 64, 0)));
	for (int i = 0; i < 4; i++)
		gralloc_buffer_free(fx.dev, b[i]);
	CHECK_EQ(stats(&fx).buffers, 4);
	CHECK_EQ(gralloc_device_trim(fx.dev, 32 << 10), 0);
	CHECK_EQ(stats(&fx).buffers, 2);
	CHECK_EQ(gralloc_device_trim(fx.dev, 0), 0);
	CHECK_EQ(stats(&fx).buffers, 0);
	CHECK_EQ(gralloc_device_trim(NULL, 0), -EINVAL);
	fixture_fini(&fx);

	CHECK(fixture_init(&fx, UINT64_MAX, 0));
	CHECK((b[0] = alloc(&fx, 64, 0)));
	gralloc_buffer_free(fx.dev, b[0]);
	CHECK_EQ(stats(&fx).buffers, 0);
	CHECK_EQ(stats(&fx).max_bytes, 0);
	fixture_fini(&fx);
}

/* Destroy empties the pool (the harness checks that no fd is left), and a
 * buffer released after destroy frees its memory instead of pooling it. */
TEST(destroy_empties_the_pool)
{
	SETUP(fx, 0, 0);
	struct gralloc_buffer *a = alloc(&fx, 64, 0), *held = alloc(&fx, 64, 0);

	CHECK(a && held);
	gralloc_buffer_acquire(held);
	gralloc_buffer_free(fx.dev, a);
	CHECK_EQ(stats(&fx).buffers, 1);
	fixture_fini(&fx);
	CHECK_EQ(fill(held, 1), 0);
	gralloc_buffer_release(held);
}

int main(void)
{
	return test_run_all();
}
