/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gralloc/private.h"

static _Thread_local char last_error[512] = "no error";

/* Read on every message: tests and tools flip GRALLOC_LOG at run time, and
 * logging is never on a hot path. */
static enum gralloc_log_level threshold(void)
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

GRALLOC_EXPORT void gralloc_log_message(enum gralloc_log_level level, const char *func, int line,
			 const char *fmt, ...)
{
	static const char *const names[] = { "", "error", "info", "debug" };
	char msg[sizeof(last_error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (level == GRALLOC_LOG_ERROR)
		memcpy(last_error, msg, sizeof(msg));
	if (level <= threshold())
		fprintf(stderr, "gralloc %s: %s:%d: %s\n", names[level], func, line, msg);
}

GRALLOC_EXPORT const char *gralloc_last_error(void)
{
	return last_error;
}
