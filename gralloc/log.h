/* SPDX-License-Identifier: MIT */
#ifndef GRALLOC_LOG_H
#define GRALLOC_LOG_H

enum gralloc_log_level {
	GRALLOC_LOG_SILENT = 0,
	GRALLOC_LOG_ERROR,
	GRALLOC_LOG_INFO,
	GRALLOC_LOG_DEBUG,
};

#include "gralloc/gralloc.h"

/* Exported for add-on libraries (module interface, see private.h). */
GRALLOC_EXPORT void gralloc_log_message(enum gralloc_log_level level, const char *func, int line,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The one logging macro. Errors are also kept as the thread's last error,
 * so callers can show the sentence behind an errno. */
#define gralloc_log(level, ...) \
	gralloc_log_message(GRALLOC_LOG_##level, __func__, __LINE__, __VA_ARGS__)

#endif
