/* SPDX-License-Identifier: MIT */
/* Buffer lifetime (docs/architecture.md): references with acquire/release,
 * per-buffer user data and when its destructors run, what device destroy
 * does to buffers still held, and free() refusing double and stale
 * pointers without touching a live buffer. On memfd: the rules are the
 * same for every backend. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "test.h"
#include "core-test.h"

/* What a destructor saw of its buffer's memory when it ran. */
struct witness {
	int calls;
	int fd;          /* the buffer's fd 0, from describe */
	void *map;       /* where lock mapped plane 0 */
	bool fd_open;    /* fd still open when destroy ran */
	bool mapped;     /* mapping still in place when destroy ran */
	uint8_t byte;    /* first byte of the buffer, read in destroy */
};

static void witness_destroy(void *data)
{
	struct witness *w = data;

	w->calls++;
	w->fd_open = core_fd_open(w->fd);
	/* msync fails with ENOMEM on an address with no mapping: a check
	 * that cannot itself fault. */
	w->mapped = w->map && msync(w->map, 1, MS_ASYNC) == 0;
	if (w->mapped)
		w->byte = *(volatile uint8_t *)w->map;
}

static void count_destroy(void *data)
{
	(*(int *)data)++;
}

/* Prepares w from a locked-then-unlocked buffer whose first byte is 0x5a. */
static bool arm_witness(struct gralloc_buffer *buf, struct witness *w)
{
	struct gralloc_buffer_info info;
	void *p;

	memset(w, 0, sizeof(*w));
	if (gralloc_buffer_describe(buf, &info) || gralloc_buffer_lock(buf, CPU_RW, NULL, &p))
		return false;
	*(uint8_t *)p = 0x5a;
	gralloc_buffer_unlock(buf);
	w->fd = info.fds[0];
	w->map = p;
	return true;
}

TEST(destroy_runs_before_unmap_and_close)
{
	static int key;
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_buffer *buf;
	struct witness w;

	CHECK(dev);
	buf = core_alloc(dev, 64, 64, DRM_FORMAT_XRGB8888);
	CHECK(buf);
	CHECK(arm_witness(buf, &w));
	CHECK_EQ(gralloc_buffer_set_user_data(buf, &key, &w, witness_destroy), 0);
	CHECK(gralloc_buffer_get_user_data(buf, &key) == &w);
	CHECK_EQ(gralloc_buffer_free(dev, buf), 0);
	CHECK_EQ(w.calls, 1);
	CHECK(w.fd_open);
	CHECK(w.mapped);
	CHECK_EQ(w.byte, 0x5a);
	/* Afterwards both are gone (qemu-user keeps its own view of the
	 * guest's mappings: msync there says nothing about ours). */
	if (!test_emulator())
		CHECK(msync(w.map, 1, MS_ASYNC) < 0 && errno == ENOMEM);
	gralloc_device_destroy(dev);
}

TEST(user_data_set_get_replace_remove)
{
	static int key_a, key_b;
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_buffer *buf;
	int destroyed_a = 0, destroyed_b = 0, other = 0;

	CHECK(dev);
	buf = core_alloc(dev, 16, 16, DRM_FORMAT_R8);
	CHECK(buf);
	CHECK(gralloc_buffer_get_user_data(buf, &key_a) == NULL);
	/* Removing what is not there. */
	CHECK_EQ(gralloc_buffer_set_user_data(buf, &key_a, NULL, NULL), -ENOENT);
	CHECK_EQ(errno, ENOENT);
	CHECK_EQ(gralloc_buffer_set_user_data(buf, &key_a, &destroyed_a, count_destroy), 0);
	CHECK_EQ(gralloc_buffer_set_user_data(buf, &key_b, &destroyed_b, count_destroy), 0);
	CHECK(gralloc_buffer_get_user_data(buf, &key_a) == &destroyed_a);
	CHECK(gralloc_buffer_get_user_data(buf, &key_b) == &destroyed_b);
	/* Replacing a key calls no destructor; the new one runs at the end. */
	CHECK_EQ(gralloc_buffer_set_user_data(buf, &key_a, &other, count_destroy), 0);
	CHECK_EQ(destroyed_a, 0);
	CHECK(gralloc_buffer_get_user_data(buf, &key_a) == &other);
	/* Removing calls no destructor either. */
	CHECK_EQ(gralloc_buffer_set_user_data(buf, &key_b, NULL, NULL), 0);
	CHECK_EQ(destroyed_b, 0);
	CHECK(gralloc_buffer_get_user_data(buf, &key_b) == NULL);
	CHECK_EQ(gralloc_buffer_set_user_data(buf, &key_b, NULL, NULL), -ENOENT);
	/* A NULL destroy is allowed. */
	CHECK_EQ(gralloc_buffer_set_user_data(buf, &key_b, &destroyed_b, NULL), 0);
	CHECK_EQ(gralloc_buffer_set_user_data(NULL, &key_a, &other, NULL), -EINVAL);
	CHECK_EQ(gralloc_buffer_set_user_data(buf, NULL, &other, NULL), -EINVAL);
	CHECK(gralloc_buffer_get_user_data(NULL, &key_a) == NULL);
	CHECK_EQ(gralloc_buffer_free(dev, buf), 0);
	CHECK_EQ(other, 1);
	CHECK_EQ(destroyed_a, 0);
	CHECK_EQ(destroyed_b, 0);
	gralloc_device_destroy(dev);
}

TEST(acquire_outlives_free)
{
	static int key;
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_buffer_info info;
	struct gralloc_buffer *buf;
	int destroyed = 0;
	void *p;

	CHECK(dev);
	buf = core_alloc(dev, 32, 8, DRM_FORMAT_XRGB8888);
	CHECK(buf);
	CHECK(gralloc_buffer_acquire(buf) == buf);
	CHECK(gralloc_buffer_acquire(NULL) == NULL);
	gralloc_buffer_release(NULL);
	CHECK_EQ(gralloc_buffer_set_user_data(buf, &key, &destroyed, count_destroy), 0);
	CHECK_EQ(gralloc_buffer_free(dev, buf), 0);
	/* The allocation reference is gone, the acquired one holds it up. */
	CHECK_EQ(destroyed, 0);
	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	CHECK(core_fd_open(info.fds[0]));
	CHECK_EQ(gralloc_buffer_lock(buf, CPU_RW, NULL, &p), 0);
	memset(p, 0xa5, 32 * 4);
	CHECK_EQ(gralloc_buffer_unlock(buf), 0);
	/* free() again: the device no longer holds this buffer. */
	CHECK_EQ(gralloc_buffer_free(dev, buf), -EINVAL);
	CHECK_EQ(destroyed, 0);
	gralloc_buffer_release(buf);
	CHECK_EQ(destroyed, 1);
	CHECK(!core_fd_open(info.fds[0]));
	gralloc_device_destroy(dev);
}

TEST(release_to_zero_frees_without_free)
{
	static int key;
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_buffer *buf;
	int destroyed = 0;

	CHECK(dev);
	buf = core_alloc(dev, 8, 8, DRM_FORMAT_R8);
	CHECK(buf);
	CHECK_EQ(gralloc_buffer_set_user_data(buf, &key, &destroyed, count_destroy), 0);
	gralloc_buffer_acquire(buf);
	gralloc_buffer_acquire(buf);
	gralloc_buffer_release(buf);
	gralloc_buffer_release(buf);
	CHECK_EQ(destroyed, 0);
	/* The allocation reference is the last one. */
	CHECK_EQ(gralloc_buffer_free(dev, buf), 0);
	CHECK_EQ(destroyed, 1);
	gralloc_device_destroy(dev);
}

TEST(device_destroy_keeps_acquired_buffers)
{
	static int key;
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_buffer *plain[3], *held;
	struct gralloc_buffer_info info;
	struct core_handle h;
	int destroyed = 0, held_destroyed = 0, fd;
	uint8_t *p;

	CHECK(dev);
	for (int i = 0; i < 3; i++) {
		plain[i] = core_alloc(dev, 16, 16, DRM_FORMAT_XRGB8888);
		CHECK(plain[i]);
		CHECK_EQ(gralloc_buffer_set_user_data(plain[i], &key, &destroyed,
						      count_destroy), 0);
	}
	held = core_alloc(dev, 64, 2, DRM_FORMAT_XRGB8888);
	CHECK(held);
	CHECK_EQ(gralloc_buffer_set_user_data(held, &key, &held_destroyed, count_destroy), 0);
	gralloc_buffer_acquire(held);
	/* One freed already: destroy must not free it again. */
	CHECK_EQ(gralloc_buffer_free(dev, plain[2]), 0);
	CHECK_EQ(destroyed, 1);
	gralloc_device_destroy(dev);
	CHECK_EQ(destroyed, 3);
	CHECK_EQ(held_destroyed, 0);
	/* The held buffer still works without the device (ASan sees any use
	 * of freed device state). */
	CHECK_EQ(gralloc_buffer_describe(held, &info), 0);
	CHECK(core_fd_open(info.fds[0]));
	CHECK_EQ(gralloc_buffer_lock(held, CPU_RW, NULL, (void **)&p), 0);
	p[0] = 7;
	CHECK_EQ(gralloc_buffer_unlock(held), 0);
	fd = gralloc_buffer_export_fd(held, 0);
	CHECK(fd >= 0);
	close(fd);
	CHECK_EQ(core_serialize(held, &h), 0);
	/* Its buffer reference keeps the device's backends alive: a new
	 * device can import its handle. */
	{
		struct gralloc_device *dev2 = test_memfd_device();
		struct gralloc_buffer *copy;

		CHECK(dev2);
		copy = core_import(dev2, &h);
		CHECK(copy);
		CHECK_EQ(gralloc_buffer_lock(copy, GRALLOC_USAGE_CPU_READ_OFTEN, NULL,
					     (void **)&p), 0);
		CHECK_EQ(p[0], 7);
		gralloc_buffer_unlock(copy);
		gralloc_device_destroy(dev2); /* frees copy */
	}
	gralloc_buffer_release(held);
	CHECK_EQ(held_destroyed, 1);
}

TEST(device_destroy_with_nothing_held_and_null)
{
	struct gralloc_device *dev = test_memfd_device();

	CHECK(dev);
	gralloc_device_destroy(dev);
	gralloc_device_destroy(NULL);
}

TEST(double_free_refused)
{
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_buffer *a;

	CHECK(dev);
	a = core_alloc(dev, 16, 16, DRM_FORMAT_XRGB8888);
	CHECK(a);
	CHECK_EQ(gralloc_buffer_free(dev, a), 0);
	CHECK_EQ(gralloc_buffer_free(dev, a), -EINVAL);
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(gralloc_last_error(), "not a live buffer"));
	CHECK_EQ(gralloc_buffer_free(dev, NULL), 0);
	gralloc_device_destroy(dev);
}

#define MANY 600

/* A freed pointer whose address a newer buffer could get (the allocator
 * hands back the block just freed): free() must refuse it, and every
 * newer buffer must stay intact. */
TEST(stale_free_never_frees_a_live_buffer)
{
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_buffer **live = calloc(MANY, sizeof(*live));
	struct gralloc_buffer *stale;
	struct gralloc_buffer_info info;
	int fds_before;

	CHECK(dev && live);
	stale = core_alloc(dev, 16, 16, DRM_FORMAT_XRGB8888);
	CHECK(stale);
	CHECK_EQ(gralloc_buffer_free(dev, stale), 0);
	for (int i = 0; i < MANY; i++) {
		live[i] = core_alloc(dev, 16, 16, DRM_FORMAT_XRGB8888);
		CHECK(live[i]);
	}
	fds_before = test_count_fds();
	CHECK_EQ(gralloc_buffer_free(dev, stale), -EINVAL);
	CHECK_EQ(test_count_fds(), fds_before);
	for (int i = 0; i < MANY; i++) {
		CHECK(live[i] != stale);
		CHECK_EQ(gralloc_buffer_describe(live[i], &info), 0);
		CHECK(core_fd_open(info.fds[0]));
	}
	/* Freed and reallocated in a loop: the same, one at a time. */
	for (int i = 0; i < MANY; i++) {
		struct gralloc_buffer *old = live[i];

		CHECK_EQ(gralloc_buffer_free(dev, old), 0);
		live[i] = core_alloc(dev, 16, 16, DRM_FORMAT_XRGB8888);
		CHECK(live[i]);
		CHECK_EQ(gralloc_buffer_free(dev, old), -EINVAL);
		CHECK_EQ(gralloc_buffer_describe(live[i], &info), 0);
	}
	for (int i = 0; i < MANY; i++)
		CHECK_EQ(gralloc_buffer_free(dev, live[i]), 0);
	free(live);
	gralloc_device_destroy(dev);
}

TEST(free_on_the_wrong_device_refused)
{
	struct gralloc_device *a = test_memfd_device(), *b = test_memfd_device();
	struct gralloc_buffer *buf;
	struct gralloc_buffer_info info;

	CHECK(a && b);
	buf = core_alloc(a, 16, 16, DRM_FORMAT_XRGB8888);
	CHECK(buf);
	CHECK_EQ(gralloc_buffer_free(b, buf), -EINVAL);
	CHECK_EQ(gralloc_buffer_free(NULL, buf), -EINVAL);
	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	CHECK(core_fd_open(info.fds[0]));
	gralloc_device_destroy(b);
	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	CHECK_EQ(gralloc_buffer_free(a, buf), 0);
	gralloc_device_destroy(a);
}

/* A memfd device without a pool: a freed buffer's memory is closed at
 * once, and free() takes its shortest path (nothing for the pool). */
static struct gralloc_device *poolless_device(void)
{
	return test_memfd_device_pool(UINT64_MAX);
}

static struct gralloc_buffer *plain_alloc(struct gralloc_device *dev)
{
	struct gralloc_buffer_desc d = {
		.width = 16, .height = 16, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW,
	};

	return gralloc_buffer_allocate(dev, &d);
}

/* No user data, no lock, no pool: free() must still see the acquired
 * reference and leave the memory to it. */
TEST(acquire_outlives_free_of_a_plain_buffer)
{
	struct gralloc_device *dev = poolless_device();
	struct gralloc_buffer_info info;
	struct gralloc_buffer *buf;
	void *p;

	CHECK(dev);
	for (int i = 0; i < 3; i++) { /* planned, then the hot request */
		buf = plain_alloc(dev);
		CHECK(buf);
		CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
		CHECK(gralloc_buffer_acquire(buf) == buf);
		CHECK_EQ(gralloc_buffer_free(dev, buf), 0);
		CHECK(core_fd_open(info.fds[0]));
		CHECK_EQ(gralloc_buffer_lock(buf, CPU_RW, NULL, &p), 0);
		memset(p, 0x3c, 16 * 4);
		CHECK_EQ(gralloc_buffer_unlock(buf), 0);
		gralloc_buffer_release(buf);
		CHECK(!core_fd_open(info.fds[0]));
	}
	gralloc_device_destroy(dev);
}

/* Each device keeps its freed structs from reuse: a pointer freed on one
 * device is no newer buffer of it or of another, however many they make
 * (malloc would hand the block straight back), and neither takes it. */
TEST(stale_pointer_is_no_newer_buffer_of_any_device)
{
	struct gralloc_device *dev[2] = { poolless_device(), poolless_device() };
	struct gralloc_buffer **live = calloc(MANY, sizeof(*live));
	struct gralloc_buffer *stale;
	int fds_before;

	CHECK(dev[0] && dev[1] && live);
	/* Both serve the hot request, whose free is the shortest path. */
	for (int i = 0; i < 6; i++)
		CHECK_EQ(gralloc_buffer_free(dev[i % 2], plain_alloc(dev[i % 2])), 0);
	stale = plain_alloc(dev[0]);
	CHECK(stale);
	CHECK_EQ(gralloc_buffer_free(dev[0], stale), 0);
	for (int i = 0; i < MANY; i++) {
		struct gralloc_device *d = dev[i % 2];

		live[i] = i % 3 ? plain_alloc(d) : core_alloc(d, 16, 16, DRM_FORMAT_XRGB8888);
		CHECK(live[i]);
		CHECK(live[i] != stale);
	}
	fds_before = test_count_fds();
	CHECK_EQ(gralloc_buffer_free(dev[1], stale), -EINVAL);
	CHECK_EQ(gralloc_buffer_free(dev[0], stale), -EINVAL);
	CHECK_EQ(test_count_fds(), fds_before);
	for (int i = 0; i < MANY; i++)
		CHECK_EQ(gralloc_buffer_free(dev[i % 2], live[i]), 0);
	CHECK_EQ(test_count_fds(), fds_before - MANY);
	free(live);
	gralloc_device_destroy(dev[0]);
	gralloc_device_destroy(dev[1]);
}

int main(void)
{
	return test_run_all();
}
