/* SPDX-License-Identifier: MIT */
/* Helpers shared by the real-kernel guest tests (include after test.h).
 *
 * The rule these tests live by: on the build machine a missing device is a
 * skip (exit 77 with the reason), but inside the QEMU guest (GRALLOC_VM=1)
 * the same absence is a failure, because there it means the rig or the
 * kernel is broken and a skip would make the run look green for nothing.
 */
#ifndef GRALLOC_GUEST_H
#define GRALLOC_GUEST_H

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xf86drm.h>

#include "modeset.h"

#include "test.h"

#define GUEST_HEAP_DIR "/dev/dma_heap"
#define GUEST_SYSTEM_HEAP GUEST_HEAP_DIR "/system"

static inline bool guest_in_vm(void)
{
	const char *v = getenv("GRALLOC_VM");

	return v && !strcmp(v, "1");
}

/* A device the test cannot run without is absent: skip on the build
 * machine, fail in the guest. Always followed by `return` in the caller
 * (see GUEST_REQUIRE). */
static inline void guest_missing(const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (guest_in_vm()) {
		printf("#   in the guest (GRALLOC_VM=1) this must exist: %s\n", why);
		test_failed_flag = true;
	} else {
		char reason[256];

		snprintf(reason, sizeof(reason), "%s: run in the guest rig", why);
		test_skip(reason);
	}
}

#define GUEST_REQUIRE_CHR(path)                                                \
	do {                                                                   \
		struct stat st_;                                               \
		if (stat((path), &st_) < 0 || !S_ISCHR(st_.st_mode)) {         \
			guest_missing("no %s", (path));                        \
			return;                                                \
		}                                                              \
	} while (0)

/* Value of `key:` in /proc/self/fdinfo/<fd>, which the kernel fills from the
 * dma-buf itself (exp_name, name): an oracle independent of the library.
 * Returns 0, or -ENOENT when the line is absent. */
static inline int guest_fdinfo(int fd, const char *key, char *out, size_t len)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *v;

		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		v = line + klen + 1;
		v += strspn(v, " \t");
		v[strcspn(v, "\n")] = '\0';
		snprintf(out, len, "%s", v);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/* Path of the DRM card driven by `driver`, never by card number (probe
 * order is not stable). Returns 0 or -1. */
static inline int guest_drm_path(const char *driver, char *path, size_t len)
{
	return drm_find_card(driver, path, len) ? -1 : 0;
}

/* Opens the card of `driver`: a new fd (caller closes) or -1. */
static inline int guest_open_drm(const char *driver)
{
	char path[64];

	if (guest_drm_path(driver, path, sizeof(path)))
		return -1;
	return open(path, O_RDWR | O_CLOEXEC);
}

/* Inode of an fd: two fds of one dma-buf share the dma-buf's file. */
static inline unsigned long long guest_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) < 0 ? 0 : (unsigned long long)st.st_ino;
}

/* A pixel value no two neighbours share, so a shifted, transposed or
 * half-written frame cannot compare equal. The X byte is left 0: scanout
 * and writeback are free to ignore it. */
static inline uint32_t guest_pattern(uint32_t x, uint32_t y, uint32_t seed)
{
	uint32_t r = (x * 7 + y * 3 + seed) & 0xff;
	uint32_t g = (x ^ (y << 1) ^ (seed >> 8)) & 0xff;
	uint32_t b = (x + y * 11 + (seed >> 16)) & 0xff;

	return r << 16 | g << 8 | b;
}

/* Writes `text` to a new temporary file; returns 0 and fills path. */
static inline int guest_write_config(char *path, size_t len, const char *text)
{
	int fd;
	ssize_t n;

	snprintf(path, len, "/tmp/gralloc-guest-conf-XXXXXX");
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	if (n != (ssize_t)strlen(text)) {
		unlink(path);
		return -EIO;
	}
	return 0;
}

#endif
