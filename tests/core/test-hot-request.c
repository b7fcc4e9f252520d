/* SPDX-License-Identifier: MIT */
/* The hot request (gralloc/hot.c) on any machine. It serves only routes
 * that are the policy's first choice, which memfd never is (the heaps come
 * first), so these tests mark the memfd device's cached routes settled, as
 * a heap's would be: white-box, hence the private headers. The guest's
 * policy-nodes tests check the same on a real heap. Runs under ASan and in
 * the i386 build too. */
#include <pthread.h>
#include <stdatomic.h>

#include "test.h"
#include "core-test.h"

#include "gralloc/routes.h"

/* What a heap's plan would say: its first route is the first choice. */
static void settle(struct gralloc_device *dev)
{
	gralloc_mtx_lock(&dev->lock);
	for (uint32_t i = 0; i < dev->routes->used; i++)
		dev->routes->entries[i].settled = true;
	gralloc_mtx_unlock(&dev->lock);
}

static bool is_hot(struct gralloc_device *dev, const struct gralloc_buffer_desc *d)
{
	struct gralloc_buffer *scratch = NULL;
	struct hot_source src;
	bool hot = hot_take(dev, d, &scratch, &src);

	free(scratch);
	return hot;
}

/* Allocates d, checks it has the layout gralloc_compute_layout() gives,
 * and frees it. */
static bool alloc_check(struct gralloc_device *dev, const struct gralloc_buffer_desc *d)
{
	struct gralloc_buffer_info want, got;
	struct gralloc_buffer *buf = gralloc_buffer_allocate(dev, d);
	bool ok;

	if (!buf) {
		printf("#   allocate %ux%u: %s (%s)\n", d->width, d->height, strerror(errno),
		       gralloc_last_error());
		return false;
	}
	ok = !gralloc_compute_layout(d, &want) && !gralloc_buffer_describe(buf, &got) &&
	     !strcmp(got.backend, "memfd") && test_same_layout(&want, &got) &&
	     got.layer_count == (d->layer_count ? d->layer_count : 1) && got.fd_size[0] >= got.size;
	if (!ok)
		printf("#   %ux%u 0x%08x: %s size %llu stride %u, expected %llu stride %u\n",
		       d->width, d->height, d->format, got.backend, (unsigned long long)got.size,
		       got.planes[0].stride, (unsigned long long)want.size, want.planes[0].stride);
	gralloc_buffer_free(dev, buf);
	return ok;
}

/* First: planned. Second: a settled hit, which stores the hot request.
 * From the third on: hot. */
static bool make_hot(struct gralloc_device *dev, const struct gralloc_buffer_desc *d)
{
	if (!alloc_check(dev, d))
		return false;
	settle(dev);
	return alloc_check(dev, d) && is_hot(dev, d) && alloc_check(dev, d);
}

TEST(same_request_again_is_hot_and_the_same)
{
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_buffer_desc d = {
		.width = 100, .height = 30, .format = DRM_FORMAT_NV12, .usage = CPU_RW,
	};

	CHECK(dev);
	CHECK(!is_hot(dev, &d));
	CHECK(make_hot(dev, &d));
	for (int i = 0; i < 50; i++)
		CHECK(alloc_check(dev, &d));
	gralloc_device_destroy(dev);
}

/* Requests one field away from the hot one are not it, and get their own
 * layouts; alternating, each becomes hot in turn. */
TEST(neighbours_are_never_served_the_hot_request)
{
	static const struct gralloc_buffer_desc requests[] = {
		{ .width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW },
		{ .width = 64, .height = 48, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW },
		{ .width = 48, .height = 48, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW },
		{ .width = 48, .height = 48, .format = DRM_FORMAT_RGB565, .usage = CPU_RW },
		{ .width = 48, .height = 48, .format = DRM_FORMAT_RGB565, .usage = CPU_RW,
		  .layer_count = 2 },
		{ .width = 48, .height = 48, .format = DRM_FORMAT_RGB565, .usage = CPU_RW,
		  .layer_count = 2, .flags = GRALLOC_BUFFER_FLAG_ZEROED },
		{ .width = 48, .height = 48, .format = DRM_FORMAT_RGB565,
		  .usage = GRALLOC_USAGE_CPU_READ_OFTEN, .layer_count = 2,
		  .flags = GRALLOC_BUFFER_FLAG_ZEROED },
		{ .format = GRALLOC_FORMAT_BLOB, .size = 5000, .usage = CPU_RW },
		{ .format = GRALLOC_FORMAT_BLOB, .size = 9000, .usage = CPU_RW },
	};
	size_t n = sizeof(requests) / sizeof(requests[0]);
	struct gralloc_device *dev = test_memfd_device();

	CHECK(dev);
	for (size_t i = 0; i < n; i++) {
		CHECK(make_hot(dev, &requests[i]));
		for (size_t k = 0; k < n; k++)
			if (k != i && is_hot(dev, &requests[k]))
				FAIL_MSG("request %zu is served as the hot request %zu", k, i);
	}
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < n; i++)
			for (int twice = 0; twice < 2; twice++)
				CHECK(alloc_check(dev, &requests[round == 1 ? n - 1 - i : i]));
	gralloc_device_destroy(dev);
}

/* What the hot request must not skip: a name (the buffer carries it), a
 * struct_size the library refuses, an invalid usage, and a cache change
 * (a new plan drops it). */
TEST(what_the_hot_request_does_not_skip)
{
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_buffer_desc d = {
		.width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW,
	};
	struct gralloc_buffer_desc other = d;
	struct gralloc_buffer *buf;

	CHECK(dev);
	CHECK(make_hot(dev, &d));

	d.name = "named-twin";
	CHECK(!is_hot(dev, &d));
	buf = gralloc_buffer_allocate(dev, &d);
	CHECK(buf);
	CHECK_EQ(strcmp(buf->name, "named-twin"), 0);
	gralloc_buffer_free(dev, buf);
	d.name = NULL;

	d.struct_size = 4; /* smaller than version 1 */
	CHECK(!is_hot(dev, &d));
	errno = 0;
	CHECK(!gralloc_buffer_allocate(dev, &d));
	CHECK_EQ(errno, EINVAL);
	d.struct_size = 0;

	other.usage = CPU_RW | GRALLOC_USAGE_PROTECTED_CONTENT;
	errno = 0;
	CHECK(!gralloc_buffer_allocate(dev, &other));
	CHECK(errno != 0);
	CHECK(is_hot(dev, &d));

	/* A new plan for another usage replaces nothing of d's entry, but the
	 * cache changed: the hot request goes until d is served again. */
	other.usage = GRALLOC_USAGE_CPU_READ_RARELY | GRALLOC_USAGE_CPU_WRITE_RARELY;
	CHECK(alloc_check(dev, &other));
	CHECK(!is_hot(dev, &d));
	CHECK(alloc_check(dev, &d));
	CHECK(is_hot(dev, &d));
	gralloc_device_destroy(dev);
}

/* Every struct is reused once it leaves the quarantine (live.c): one that
 * held the hot request's template skips the copy only while that template
 * is current. Each round makes another request hot and cycles every
 * struct through it more than once. */
TEST(structs_back_from_the_quarantine_take_the_current_request)
{
	static const struct gralloc_buffer_desc d[3] = {
		{ .width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW },
		{ .width = 30, .height = 20, .format = DRM_FORMAT_NV12, .usage = CPU_RW },
		{ .width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW },
	};
	struct gralloc_device *dev = test_memfd_device();

	CHECK(dev);
	for (int round = 0; round < 3; round++) {
		CHECK(make_hot(dev, &d[round]));
		for (unsigned i = 0; i < 2 * GRALLOC_QUARANTINE + 100; i++) {
			struct gralloc_buffer *buf;

			if (!alloc_check(dev, &d[round]))
				FAIL_MSG("round %d, allocation %u: wrong layout", round, i);
			/* Unnamed, with its own name: not the template's. */
			buf = gralloc_buffer_allocate(dev, &d[round]);
			CHECK(buf);
			CHECK(buf->desc.name == buf->name && !buf->name[0]);
			CHECK(buf->fds[0] >= 0 && buf->fds[1] == -1 && buf->num_fds == 1);
			CHECK(!buf->user_data && !buf->lock_depth && !buf->named);
			gralloc_buffer_free(dev, buf);
		}
	}
	gralloc_device_destroy(dev);
}

/* Eight threads alternate two hot-capable requests on one device: every
 * buffer has its own request's layout (a torn template would not), and the
 * sanitizer builds see the copies under the lock. */
#define THREADS 8
#define ITERATIONS 400

struct hot_worker {
	struct gralloc_device *dev;
	const struct gralloc_buffer_desc *d;
	atomic_int *failures;
	unsigned index;
};

static void *hot_work(void *arg)
{
	struct hot_worker *w = arg;

	for (unsigned i = 0; i < ITERATIONS; i++)
		if (!alloc_check(w->dev, &w->d[(i + w->index) % 2]))
			atomic_fetch_add(w->failures, 1);
	return NULL;
}

TEST(hot_request_under_eight_threads)
{
	static const struct gralloc_buffer_desc d[2] = {
		{ .width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW },
		{ .width = 30, .height = 20, .format = DRM_FORMAT_NV12, .usage = CPU_RW },
	};
	struct gralloc_device *dev = test_memfd_device();
	struct hot_worker w[THREADS];
	pthread_t t[THREADS];
	atomic_int failures = 0;

	CHECK(dev);
	CHECK(make_hot(dev, &d[1]));
	CHECK(make_hot(dev, &d[0]));
	for (unsigned i = 0; i < THREADS; i++) {
		w[i] = (struct hot_worker){ dev, d, &failures, i };
		CHECK_EQ(pthread_create(&t[i], NULL, hot_work, &w[i]), 0);
	}
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(atomic_load(&failures), 0);
	gralloc_device_destroy(dev);
}

int main(void)
{
	return test_run_all();
}
