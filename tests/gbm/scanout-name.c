/* SPDX-License-Identifier: MIT */
/* Oracle for "this program scans out gralloc memory": the framebuffer on
 * every active CRTC of a card, turned back into its dma-buf (GETFB2 needs
 * root), and the dma-buf's name as the kernel reports it in fdinfo. A GEM
 * object that is exported already gives the same dma-buf, so the name is
 * the one its allocator set.
 *
 *   scanout-name /dev/dri/cardN      prints "crtc ID fb ID name NAME" lines */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

static void fdinfo_name(int fd, char *out, size_t len)
{
	char path[64], line[256];
	FILE *f;

	snprintf(out, len, "-");
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "name:", 5)) {
			char *v = line + 5;

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, len, "%s", *v ? v : "-");
		}
	}
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	drmModeResPtr res;
	int fd, found = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s /dev/dri/cardN\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	res = fd >= 0 ? drmModeGetResources(fd) : NULL;
	if (!res) {
		perror(argv[1]);
		return 1;
	}
	for (int i = 0; i < res->count_crtcs; i++) {
		drmModeCrtcPtr crtc = drmModeGetCrtc(fd, res->crtcs[i]);
		drmModeFB2Ptr fb = crtc && crtc->buffer_id ? drmModeGetFB2(fd, crtc->buffer_id) : NULL;
		char name[128] = "-";
		int buf = -1;

		if (fb && fb->handles[0] && !drmPrimeHandleToFD(fd, fb->handles[0], DRM_CLOEXEC, &buf)) {
			fdinfo_name(buf, name, sizeof(name));
			close(buf);
		}
		if (fb) {
			printf("crtc %u fb %u name %s\n", crtc->crtc_id, fb->fb_id, name);
			found++;
			for (int p = 0; p < 4; p++)
				if (fb->handles[p] && (p == 0 || fb->handles[p] != fb->handles[0])) {
					struct drm_gem_close c = { .handle = fb->handles[p] };

					drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
				}
		}
		drmModeFreeFB2(fb);
		drmModeFreeCrtc(crtc);
	}
	drmModeFreeResources(res);
	close(fd);
	return found ? 0 : 3;
}
