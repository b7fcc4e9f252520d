/* SPDX-License-Identifier: MIT */
/*
 * For libraries built on libgralloc (its own front ends: gralloc-egl,
 * gralloc-gbm, gralloc-wayland; or yours): report errors the way the core
 * does, so that gralloc_last_error() explains a failed call whichever
 * library it failed in, and GRALLOC_LOG shows them in one stream.
 *
 * Consumers of a module's own kind are made with gralloc_consumer_create()
 * (consumer.h); per-buffer state hangs on buffers with
 * gralloc_buffer_set_user_data() (gralloc.h). Nothing else of the core is
 * reachable, so a module never depends on its private layout.
 */
#ifndef GRALLOC_MODULE_H
#define GRALLOC_MODULE_H

#include <gralloc/gralloc.h>

#ifdef __cplusplus
extern "C" {
#endif

enum gralloc_log_level {
	GRALLOC_LOG_SILENT = 0,
	GRALLOC_LOG_ERROR,
	GRALLOC_LOG_INFO,
	GRALLOC_LOG_DEBUG,
};

/* Logs one message, printf-style. GRALLOC_LOG_ERROR messages also become
 * the calling thread's gralloc_last_error(). `func` and `line` name the
 * caller's code (pass __func__ and __LINE__). Printed to stderr when the
 * GRALLOC_LOG environment variable (error, info, debug) admits the level. */
GRALLOC_EXPORT void gralloc_log_message(enum gralloc_log_level level, const char *func, int line,
					const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#ifdef __cplusplus
}
#endif

#endif
