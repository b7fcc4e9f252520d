/* SPDX-License-Identifier: MIT */
#ifndef GRALLOC_MTX_H
#define GRALLOC_MTX_H

/* A futex mutex for the hot paths (allocate, free, lock, unlock), as Mesa's
 * simple_mtx: uncontended, one atomic instruction each way, where glibc's
 * pthread_mutex_lock/unlock pair costs ~75 instructions and checks of its
 * type and owner. Those paths take three or four locks, which under TCG
 * weighed as much as the ioctl they wrap. Not recursive, not robust,
 * process-private; a zeroed struct is an unlocked mutex.
 *
 * States: 0 free, 1 held, 2 held with waiters (Drepper, "Futexes Are
 * Tricky", mutex3). */
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct {
	_Atomic uint32_t state;
} gralloc_mtx;

#define GRALLOC_MTX_INITIALIZER { 0 }

static inline void gralloc_mtx_init(gralloc_mtx *m)
{
	atomic_init(&m->state, 0);
}

static inline void gralloc_mtx_futex(gralloc_mtx *m, int op, uint32_t val)
{
	syscall(SYS_futex, &m->state, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static inline void gralloc_mtx_lock(gralloc_mtx *m)
{
	uint32_t c = 0;

	if (atomic_compare_exchange_strong_explicit(&m->state, &c, 1, memory_order_acquire,
						    memory_order_relaxed))
		return;
	if (c != 2)
		c = atomic_exchange_explicit(&m->state, 2, memory_order_acquire);
	while (c != 0) {
		gralloc_mtx_futex(m, FUTEX_WAIT, 2);
		c = atomic_exchange_explicit(&m->state, 2, memory_order_acquire);
	}
}

static inline void gralloc_mtx_unlock(gralloc_mtx *m)
{
	if (atomic_fetch_sub_explicit(&m->state, 1, memory_order_release) != 1) {
		atomic_store_explicit(&m->state, 0, memory_order_release);
		gralloc_mtx_futex(m, FUTEX_WAKE, 1);
	}
}

#endif
