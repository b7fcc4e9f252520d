/* SPDX-License-Identifier: MIT */
#ifndef GRALLOC_LOG_H
#define GRALLOC_LOG_H

#include "gralloc/module.h"

/* The one logging macro. Errors are also kept as the thread's last error,
 * so callers can show the sentence behind an errno. */
#define gralloc_log(level, ...) \
	gralloc_log_message(GRALLOC_LOG_##level, __func__, __LINE__, __VA_ARGS__)

/* Reads GRALLOC_LOG again now (tests that flip it at run time). */
void gralloc_log_reread(void);

#endif
