/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gralloc/private.h"

static _Thread_local char last_error[512] = "no error";

static enum gralloc_log_level parse_level(void)
{
	static atomic_bool warned;
	const char *env = getenv("GRALLOC_LOG");

	if (!env || !*env || !strcmp(env, "none"))
		return GRALLOC_LOG_SILENT;
	if (!strcmp(env, "error"))
		return GRALLOC_LOG_ERROR;
	if (!strcmp(env, "info"))
		return GRALLOC_LOG_INFO;
	if (!strcmp(env, "debug"))
		return GRALLOC_LOG_DEBUG;
	/* Someone asked for logs: say once that they asked wrongly, and
	 * give them errors rather than silence. */
	if (!atomic_exchange(&warned, true))
		fprintf(stderr, "gralloc: GRALLOC_LOG=%s is not a level (none, error, info, "
				"debug): logging errors only\n", env);
	return GRALLOC_LOG_ERROR;
}

/* Info and debug messages sit on allocation paths, so their gate is a
 * cached level: no getenv and no formatting when they are off. It is read
 * at the first message and again at every error (errors are rare and
 * formatted anyway, for gralloc_last_error), so a program or test that
 * flips GRALLOC_LOG at run time is followed from its next error on. */
atomic_int gralloc_log_level_cached = -1;

static enum gralloc_log_level threshold(bool reread)
{
	int level = atomic_load_explicit(&gralloc_log_level_cached, memory_order_relaxed);

	if (reread || level < 0) {
		level = parse_level();
		atomic_store_explicit(&gralloc_log_level_cached, level, memory_order_relaxed);
	}
	return (enum gralloc_log_level)level;
}

GRALLOC_EXPORT void gralloc_log_message(enum gralloc_log_level level, const char *func, int line,
			 const char *fmt, ...)
{
	static const char *const names[] = { "", "error", "info", "debug" };
	char msg[sizeof(last_error)];
	va_list ap;

	if (level != GRALLOC_LOG_ERROR && level > threshold(false))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (level == GRALLOC_LOG_ERROR)
		memcpy(last_error, msg, sizeof(msg));
	if (level <= threshold(level == GRALLOC_LOG_ERROR))
		fprintf(stderr, "gralloc %s: %s:%d: %s\n", names[level], func, line, msg);
}

GRALLOC_EXPORT const char *gralloc_last_error(void)
{
	return last_error;
}

void gralloc_log_reread(void)
{
	threshold(true);
}
