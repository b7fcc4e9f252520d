/* SPDX-License-Identifier: MIT */
#ifndef GRALLOC_LOG_H
#define GRALLOC_LOG_H

#include <stdatomic.h>

#include "gralloc/module.h"

#ifdef GRALLOC_CORE
/* log.c: GRALLOC_LOG's level, -1 until first read. */
extern atomic_int gralloc_log_level_cached;

/* Info and debug lines sit on the allocation path: when they are off, the
 * test here is all they cost (no call, no argument evaluation). */
static inline bool gralloc_log_wanted(enum gralloc_log_level level)
{
	int cached;

	if (level == GRALLOC_LOG_ERROR)
		return true;
	cached = atomic_load_explicit(&gralloc_log_level_cached, memory_order_relaxed);
	/* Unread yet (-1): the call reads GRALLOC_LOG. */
	return cached < 0 || (int)level <= cached;
}
#else
/* Modules (libgralloc-wayland) see only the exported call, which gates. */
#define gralloc_log_wanted(level) true
#endif

/* The one logging macro. Errors are also kept as the thread's last error,
 * so callers can show the sentence behind an errno. */
#define gralloc_log(level, ...)                                                          \
	do {                                                                             \
		if (gralloc_log_wanted(GRALLOC_LOG_##level))                              \
			gralloc_log_message(GRALLOC_LOG_##level, __func__, __LINE__,      \
					    __VA_ARGS__);                                 \
	} while (0)

/* Reads GRALLOC_LOG again now (tests that flip it at run time). */
void gralloc_log_reread(void);

#endif
