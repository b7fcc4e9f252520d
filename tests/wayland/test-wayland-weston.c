/* SPDX-License-Identifier: MIT */
/* libgralloc-wayland against a real Weston 10 (run by with-weston.sh,
 * which exports WAYLAND_DISPLAY, WESTON_PID and GRALLOC_WAYLAND_DEVICE):
 * buffer create/destroy cycles (1000 by default, --cycles N) leave no fds behind in the client or
 * in Weston (which imports every buffer as it is created), and Weston
 * going away mid-stream is an error within seconds, not a hang. The
 * second test kills Weston: it runs last. --feedback checks what Weston
 * says of its device (version 4 feedback on virgl). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <gralloc/wayland.h>

#include "test.h"
#include "wl-test.h"

struct conn {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct wl_surface *surface;
	struct gralloc_device *dev;
	struct gralloc_wl *wl;
};

static pid_t weston_pid;
static int cycles = 1000;

static bool conn_open(struct conn *c)
{
	memset(c, 0, sizeof(*c));
	c->display = wl_display_connect(NULL);
	if (!c->display) {
		printf("#   no compositor at $WAYLAND_DISPLAY (run through with-weston.sh)\n");
		return false;
	}
	c->registry = wl_display_get_registry(c->display);
	wl_registry_add_listener(c->registry, &wlt_registry_listener, &c->compositor);
	wl_display_roundtrip(c->display);
	if (!c->compositor)
		return false;
	c->surface = wl_compositor_create_surface(c->compositor);
	c->dev = gralloc_device_create(NULL);
	c->wl = c->dev ? gralloc_wl_create(c->display, c->dev, NULL) : NULL;
	if (!c->wl)
		printf("#   %s\n", gralloc_last_error());
	return c->wl != NULL;
}

static void conn_close(struct conn *c)
{
	gralloc_wl_destroy(c->wl);
	gralloc_device_destroy(c->dev);
	if (c->surface)
		wl_surface_destroy(c->surface);
	if (c->compositor)
		wl_compositor_destroy(c->compositor);
	if (c->registry)
		wl_registry_destroy(c->registry);
	if (c->display)
		wl_display_disconnect(c->display);
	memset(c, 0, sizeof(*c));
}

static struct gralloc_wl_swapchain *make_sc(struct conn *c, uint32_t flags)
{
	struct gralloc_wl_swapchain_desc d = {
		.width = 128, .height = 64, .format = DRM_FORMAT_XRGB8888,
		.usage = GRALLOC_USAGE_CPU_WRITE_OFTEN, .flags = flags,
	};

	return gralloc_wl_swapchain_create(c->wl, c->surface, &d);
}

static void body_cycles(struct conn *c)
{
	int client_before, client_after, weston_before, weston_after;
	struct gralloc_wl_swapchain *sc;
	struct gralloc_wl_buffer *b;
	struct timespec t0, t1;

	CHECK(conn_open(c));
	CHECK(strlen(gralloc_wl_device_path(c->wl)) > 0);
	/* Warm up: lazily opened nodes on both sides. */
	sc = make_sc(c, 0);
	CHECK(sc);
	b = gralloc_wl_swapchain_acquire(sc, 10000);
	CHECK(b);
	gralloc_wl_swapchain_cancel(sc, b);
	gralloc_wl_swapchain_destroy(sc);
	wl_display_roundtrip(c->display);
	client_before = test_count_fds();
	weston_before = wlt_proc_fds(weston_pid);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < cycles; i++) {
		/* Every other cycle by create_immed, the rest by create and
		 * created: Weston imports the dma-buf either way. */
		sc = make_sc(c, (i & 1) ? GRALLOC_WL_CREATE_IMMED : 0);
		CHECK(sc);
		b = gralloc_wl_swapchain_acquire(sc, 10000);
		if (!b) {
			printf("#   cycle %d: %s\n", i, gralloc_last_error());
			gralloc_wl_swapchain_destroy(sc);
			CHECK(b);
		}
		gralloc_wl_swapchain_cancel(sc, b);
		gralloc_wl_swapchain_destroy(sc);
		if (i % 100 == 99) {
			wl_display_roundtrip(c->display);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			printf("#   %d cycles, %.1f s\n", i + 1,
			       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
		}
	}
	wl_display_roundtrip(c->display);
	client_after = test_count_fds();
	weston_after = wlt_proc_fds(weston_pid);
	printf("#   %d cycles: client fds %d -> %d, Weston fds %d -> %d\n", cycles, client_before,
	       client_after, weston_before, weston_after);
	CHECK(weston_before > 0);
	CHECK_EQ(client_after, client_before);
	CHECK_EQ(weston_after, weston_before);
}

TEST(buffer_cycles_leak_no_fds_in_client_or_weston)
{
	struct conn c;

	body_cycles(&c);
	conn_close(&c);
}

static void body_goes_away(struct conn *c)
{
	struct gralloc_wl_swapchain *sc = NULL;
	struct gralloc_wl_buffer *b;
	struct timespec t0, t1;
	int ret = 0;

	CHECK(conn_open(c));
	sc = make_sc(c, 0);
	CHECK(sc);
	b = gralloc_wl_swapchain_acquire(sc, 10000);
	CHECK(b);
	CHECK_EQ(gralloc_wl_swapchain_present(sc, b), 0);
	CHECK_EQ(kill(weston_pid, SIGKILL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 20 && !ret; i++) {
		b = gralloc_wl_swapchain_acquire(sc, 2000);
		if (!b)
			ret = -errno;
		else
			ret = gralloc_wl_swapchain_present(sc, b);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("#   Weston killed: %s after %.2f s (%s)\n", strerror(-ret),
	       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       gralloc_last_error());
	gralloc_wl_swapchain_destroy(sc);
	CHECK(ret == -EPIPE || ret == -ECONNRESET);
	CHECK(t1.tv_sec - t0.tv_sec < 15);
}

TEST(weston_going_away_is_an_error_not_a_hang)
{
	struct conn c;

	body_goes_away(&c);
	conn_close(&c);
}

static bool card_driver_is(const char *card, const char *driver)
{
	int fd = card ? open(card, O_RDWR | O_CLOEXEC) : -1;
	drmVersionPtr v = fd >= 0 ? drmGetVersion(fd) : NULL;
	bool same = v && !strcmp(v->name, driver);

	drmFreeVersion(v);
	if (fd >= 0)
		close(fd);
	return same;
}

/* What Weston 10 says about its device, as measured: on kms_swrast (vkms,
 * 2D virtio-gpu) linux-dmabuf version 3 and no feedback; on virgl, whose
 * EGL has a real render node, version 4 feedback naming its card. The
 * helper must take the device from the feedback (the same dev_t as the
 * card Weston runs on), and buffers for it must be that device's own
 * memory (virgl imports nothing else). */
static void body_feedback(struct conn *c)
{
	const char *card = getenv("WESTON_CARD"), *gpu = getenv("GRALLOC_VM_GPU");
	bool virgl = gpu && !strcmp(gpu, "virgl") && card_driver_is(card, "virtio_gpu");
	struct gralloc_wl_swapchain *sc;
	struct gralloc_buffer_info info;
	struct gralloc_wl_buffer *b;
	struct stat a, d;

	CHECK(conn_open(c));
	printf("#   linux-dmabuf version %u, feedback %s; device %s (%s)\n",
	       gralloc_wl_dmabuf_version(c->wl), gralloc_wl_has_feedback(c->wl) ? "yes" : "no",
	       gralloc_wl_device_path(c->wl), gralloc_wl_device_reason(c->wl));
	if (!virgl) {
		CHECK_EQ(gralloc_wl_dmabuf_version(c->wl), 3u);
		CHECK(!gralloc_wl_has_feedback(c->wl));
		return;
	}
	CHECK(gralloc_wl_dmabuf_version(c->wl) >= 4u);
	CHECK(gralloc_wl_has_feedback(c->wl));
	CHECK(strstr(gralloc_wl_device_reason(c->wl), "feedback") != NULL);
	CHECK(card && stat(card, &a) == 0 && stat(gralloc_wl_device_path(c->wl), &d) == 0);
	CHECK(a.st_rdev == d.st_rdev);
	sc = make_sc(c, 0);
	CHECK(sc);
	b = gralloc_wl_swapchain_acquire(sc, 10000);
	CHECK(b);
	CHECK_EQ(gralloc_buffer_describe(gralloc_wl_buffer_get(b), &info), 0);
	printf("#   buffer: %s memory, dma-buf %s\n", info.backend,
	       gralloc_wl_buffer_is_dmabuf(b) ? "yes" : "no");
	CHECK(!strcmp(info.backend, "virgl"));
	CHECK(gralloc_wl_buffer_is_dmabuf(b));
	CHECK_EQ(gralloc_wl_swapchain_present(sc, b), 0);
	CHECK(wl_display_roundtrip(c->display) >= 0);
	gralloc_wl_swapchain_destroy(sc);
}

TEST(feedback_names_westons_device)
{
	struct conn c;

	body_feedback(&c);
	conn_close(&c);
}

int main(int argc, char **argv)
{
	const char *pid = getenv("WESTON_PID");

	/* Progress must survive a timeout kill. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* --cycles [N] runs only the cycles, --goes-away only the kill,
	 * --feedback only what Weston says of its device: one Weston each
	 * keeps every guest test inside the runner's limit. */
	if (argc >= 2) {
		static const char *const modes[][2] = {
			{ "--cycles", "cycles" }, { "--goes-away", "going_away" },
			{ "--feedback", "feedback" },
		};
		const char *part = NULL;
		int n = 0;

		for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++)
			if (!strcmp(argv[1], modes[m][0]))
				part = modes[m][1];
		if (!part) {
			fprintf(stderr, "usage: %s [--cycles [N] | --goes-away | --feedback]\n",
				argv[0]);
			return 2;
		}
		if (!strcmp(argv[1], "--cycles") && argc == 3 && atoi(argv[2]) > 0)
			cycles = atoi(argv[2]);
		for (int i = 0; i < test_count; i++)
			if (strstr(test_cases[i].name, part))
				test_cases[n++] = test_cases[i];
		test_count = n;
	}

	if (!pid || !getenv("WAYLAND_DISPLAY")) {
		printf("1..0 # SKIP needs Weston: run through tests/wayland/with-weston.sh\n");
		return 77;
	}
	weston_pid = (pid_t)atoi(pid);
	signal(SIGPIPE, SIG_IGN);
	return test_run_all();
}
