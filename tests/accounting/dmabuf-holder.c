/* SPDX-License-Identifier: MIT */
/* Holds one library buffer in a known way, for the accounting test
 * (test-accounting-guest.py) to compare `gralloc ps`/`top` against:
 *
 *   dmabuf-holder share NAME   two processes hold its fds (parent + child)
 *   dmabuf-holder mapped NAME  one process maps it and has closed every fd
 *   dmabuf-holder kms NAME     vkms holds it as a framebuffer; no process
 *                              has an fd or a mapping
 *
 * Prints one JSON line with what it holds (its own facts, taken from the
 * kernel: inode by fstat, name and size by /proc/self/fdinfo), then keeps
 * holding until stdin reaches EOF. Exit 0, or 1 with a message. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <gralloc/gralloc.h>

#include "modeset.h"

static int fail(const char *what)
{
	fprintf(stderr, "dmabuf-holder: %s: %s (%s)\n", what, strerror(errno),
		gralloc_last_error());
	return 1;
}

static void wait_eof(void)
{
	char c;

	while (read(STDIN_FILENO, &c, 1) > 0)
		;
}

/* The dma-buf's name as the kernel keeps it. */
static void kernel_name(int fd, char *out, size_t len)
{
	char path[64], line[256];
	FILE *f;

	snprintf(out, len, "%s", "");
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "name:", 5)) {
			char *v = line + 5 + strspn(line + 5, " \t");

			v[strcspn(v, "\n")] = '\0';
			snprintf(out, len, "%s", v);
		}
	}
	if (f)
		fclose(f);
}

static void print_json(const char *mode, int fd, uint64_t size, pid_t child, const char *extra)
{
	char name[200];
	struct stat st;

	fstat(fd, &st);
	kernel_name(fd, name, sizeof(name));
	printf("{\"mode\":\"%s\",\"ino\":%llu,\"size\":%llu,\"name\":\"%s\",\"pids\":[%d",
	       mode, (unsigned long long)st.st_ino, (unsigned long long)size, name,
	       (int)getpid());
	if (child > 0)
		printf(",%d", (int)child);
	printf("]%s}\n", extra);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct gralloc_device_options o = { .no_config = true };
	struct gralloc_buffer_desc d = { .width = 128, .height = 64,
					 .format = DRM_FORMAT_XRGB8888,
					 .usage = GRALLOC_USAGE_CPU_READ_OFTEN |
						  GRALLOC_USAGE_CPU_WRITE_OFTEN |
						  GRALLOC_USAGE_GPU_TEXTURE };
	struct gralloc_buffer_info info;
	struct gralloc_device *dev;
	struct gralloc_buffer *buf;
	const char *mode;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: dmabuf-holder share|mapped|kms NAME\n");
		return 2;
	}
	mode = argv[1];
	d.name = argv[2];
	dev = gralloc_device_create(&o);
	buf = dev ? gralloc_buffer_allocate(dev, &d) : NULL;
	if (!buf || gralloc_buffer_describe(buf, &info))
		return fail("allocate");
	if (strcmp(info.backend, "dma-heap")) {
		fprintf(stderr, "dmabuf-holder: got %s memory, not a dma-heap\n", info.backend);
		return 1;
	}
	fd = info.fds[0];

	if (!strcmp(mode, "share")) {
		pid_t child;

		fflush(stdout);
		child = fork();
		if (child < 0)
			return fail("fork");
		if (child == 0) {
			wait_eof();
			_exit(0);
		}
		print_json(mode, fd, info.size, child, "");
		wait_eof();
		waitpid(child, NULL, 0);
	} else if (!strcmp(mode, "mapped")) {
		int efd = gralloc_buffer_export_fd(buf, 0);
		void *map;

		if (efd < 0)
			return fail("export");
		map = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, efd, 0);
		if (map == MAP_FAILED)
			return fail("mmap");
		memset(map, 0x42, info.size);
		print_json(mode, efd, info.size, 0, ",\"mapped\":true");
		close(efd);
		gralloc_buffer_free(dev, buf);
		buf = NULL;
		wait_eof();
		munmap(map, info.size);
	} else if (!strcmp(mode, "kms")) {
		uint32_t handle, fb, handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
		char path[64];
		int drm;

		if (drm_find_card("vkms", path, sizeof(path)))
			return fail("no vkms card");
		drm = open(path, O_RDWR | O_CLOEXEC);
		if (drm < 0 || drmPrimeFDToHandle(drm, fd, &handle))
			return fail("vkms PRIME import");
		handles[0] = handle;
		pitches[0] = info.planes[0].stride;
		offsets[0] = (uint32_t)info.planes[0].offset;
		if (drmModeAddFB2(drm, d.width, d.height, d.format, handles, pitches, offsets,
				  &fb, 0))
			return fail("AddFB2");
		print_json(mode, fd, info.size, 0, ",\"driver\":\"vkms\"");
		gralloc_buffer_free(dev, buf);
		buf = NULL;
		wait_eof();
		drmModeRmFB(drm, fb);
		drmCloseBufferHandle(drm, handle);
		close(drm);
	} else {
		fprintf(stderr, "dmabuf-holder: unknown mode '%s'\n", mode);
		return 2;
	}
	gralloc_buffer_free(dev, buf);
	gralloc_device_destroy(dev);
	return 0;
}
