/* SPDX-License-Identifier: MIT */
/* The threading model (docs/architecture.md): one device shared by 8
 * threads that allocate, lock, describe, serialise, import, acquire,
 * release and free at once, hand buffers to each other, and share one
 * buffer's locks and user data. Races show as wrong bytes, refused frees
 * or (under the sanitizer builds) as reports. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "test.h"
#include "core-test.h"

#define THREADS 8
#define ITERATIONS 150
#define SLOTS 16

struct shared {
	struct gralloc_device *dev;
	struct gralloc_buffer *common;          /* every thread locks this one */
	_Atomic(struct gralloc_buffer *) slots[SLOTS]; /* handed between threads */
	atomic_int failures;
};

struct worker {
	struct shared *s;
	unsigned index;
	char why[160];
};

#define WFAIL(w, ...)                                                          \
	do {                                                                   \
		snprintf((w)->why, sizeof((w)->why), __VA_ARGS__);             \
		atomic_fetch_add(&(w)->s->failures, 1);                        \
		return NULL;                                                   \
	} while (0)

static const uint32_t formats[] = { DRM_FORMAT_XRGB8888, DRM_FORMAT_NV12, DRM_FORMAT_R8,
				    DRM_FORMAT_YUV420 };

static void *work(void *arg)
{
	struct worker *w = arg;
	struct shared *s = w->s;
	int key; /* this thread's user-data key */

	for (unsigned it = 0; it < ITERATIONS; it++) {
		uint32_t width = 16 + (w->index * 7 + it) % 48, height = 8 + it % 9;
		struct gralloc_buffer_desc d = {
			.width = width, .height = height,
			.format = formats[(w->index + it) % 4], .usage = CPU_RW,
		};
		uint8_t seed = (uint8_t)(w->index * 31 + it);
		struct gralloc_buffer *buf, *copy, *old;
		struct gralloc_buffer_info info;
		struct core_handle h;
		uint8_t *p;

		buf = gralloc_buffer_allocate(s->dev, &d);
		if (!buf)
			WFAIL(w, "allocate: %s", gralloc_last_error());
		if (gralloc_buffer_lock(buf, CPU_RW, NULL, (void **)&p))
			WFAIL(w, "lock: %s", gralloc_last_error());
		memset(p, seed, width);
		gralloc_buffer_unlock(buf);
		if (gralloc_buffer_describe(buf, &info) || core_serialize(buf, &h))
			WFAIL(w, "describe/serialize: %s", gralloc_last_error());
		copy = gralloc_handle_import(s->dev, h.data, (size_t)h.len, h.fds, h.num_fds);
		if (!copy)
			WFAIL(w, "import: %s", gralloc_last_error());
		if (gralloc_buffer_lock(copy, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, (void **)&p))
			WFAIL(w, "lock copy: %s", gralloc_last_error());
		for (uint32_t x = 0; x < width; x++)
			if (p[x] != seed)
				WFAIL(w, "copy byte %u is %u, wrote %u", x, p[x], seed);
		gralloc_buffer_unlock(copy);

		/* The common buffer: a reference, a lock and a user-data slot
		 * of this thread's own, all at once with the others. */
		gralloc_buffer_acquire(s->common);
		if (gralloc_buffer_set_user_data(s->common, &key, &key, NULL))
			WFAIL(w, "set_user_data: %s", gralloc_last_error());
		if (gralloc_buffer_lock(s->common, GRALLOC_USAGE_CPU_READ_OFTEN, NULL,
					(void **)&p))
			WFAIL(w, "lock common: %s", gralloc_last_error());
		if (p[0] != 0x77)
			WFAIL(w, "common byte 0 is %u", p[0]);
		gralloc_buffer_unlock(s->common);
		if (gralloc_buffer_get_user_data(s->common, &key) != &key)
			WFAIL(w, "user data of another thread");
		if (gralloc_buffer_set_user_data(s->common, &key, NULL, NULL))
			WFAIL(w, "remove user data: %s", gralloc_last_error());
		gralloc_buffer_release(s->common);

		/* An extra reference released by whichever thread frees it. */
		gralloc_buffer_acquire(copy);
		if (gralloc_buffer_free(s->dev, copy))
			WFAIL(w, "free copy: %s", gralloc_last_error());
		/* Hand buf over: what comes back was another thread's. */
		old = atomic_exchange(&s->slots[(w->index + it) % SLOTS], copy);
		if (old) {
			if (gralloc_buffer_describe(old, &info))
				WFAIL(w, "describe a handed buffer");
			gralloc_buffer_release(old);
		}
		if (gralloc_buffer_free(s->dev, buf))
			WFAIL(w, "free: %s", gralloc_last_error());
		/* Freed twice by mistake: refused, whatever the others do. */
		if (gralloc_buffer_free(s->dev, buf) != -EINVAL)
			WFAIL(w, "double free was not refused");
	}
	return NULL;
}

TEST(eight_threads_one_device)
{
	struct shared s = { 0 };
	struct worker w[THREADS];
	pthread_t t[THREADS];
	uint8_t *p;

	s.dev = test_memfd_device();
	CHECK(s.dev);
	s.common = core_alloc(s.dev, 64, 64, DRM_FORMAT_XRGB8888);
	CHECK(s.common);
	CHECK_EQ(gralloc_buffer_lock(s.common, CPU_RW, NULL, (void **)&p), 0);
	p[0] = 0x77;
	gralloc_buffer_unlock(s.common);
	for (unsigned i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .s = &s, .index = i };
		CHECK_EQ(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (unsigned i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		if (w[i].why[0])
			printf("#   thread %u: %s\n", i, w[i].why);
	}
	CHECK_EQ(atomic_load(&s.failures), 0);
	for (unsigned i = 0; i < SLOTS; i++)
		gralloc_buffer_release(atomic_load(&s.slots[i]));
	CHECK(gralloc_buffer_get_user_data(s.common, &s) == NULL);
	CHECK_EQ(gralloc_buffer_free(s.dev, s.common), 0);
	gralloc_device_destroy(s.dev);
}

/* Destroy while other threads still hold references: they keep using and
 * releasing their buffers afterwards. */
struct holder {
	struct gralloc_buffer *buf;
	pthread_barrier_t *destroyed;
	bool ok;
};

static void *hold(void *arg)
{
	struct holder *h = arg;
	uint8_t *p;

	pthread_barrier_wait(h->destroyed);
	h->ok = !gralloc_buffer_lock(h->buf, CPU_RW, NULL, (void **)&p);
	if (h->ok) {
		p[0] = 1;
		gralloc_buffer_unlock(h->buf);
	}
	gralloc_buffer_release(h->buf);
	return NULL;
}

TEST(release_on_other_threads_after_device_destroy)
{
	struct gralloc_device *dev = test_memfd_device();
	struct holder h[THREADS];
	pthread_t t[THREADS];
	pthread_barrier_t b;

	CHECK(dev);
	pthread_barrier_init(&b, NULL, THREADS + 1);
	for (unsigned i = 0; i < THREADS; i++) {
		h[i] = (struct holder){ .destroyed = &b };
		h[i].buf = gralloc_buffer_acquire(core_alloc(dev, 32, 32, DRM_FORMAT_XRGB8888));
		CHECK(h[i].buf);
		CHECK_EQ(pthread_create(&t[i], NULL, hold, &h[i]), 0);
	}
	gralloc_device_destroy(dev);
	pthread_barrier_wait(&b);
	for (unsigned i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		CHECK(h[i].ok);
	}
	pthread_barrier_destroy(&b);
}

int main(void)
{
	return test_run_all();
}
