/* SPDX-License-Identifier: MIT */
/* libgralloc-wayland against the test compositor (test-compositor.c, a
 * test double: no compositor here sends linux-dmabuf feedback): feedback
 * to consumers, the scanout tranche and reallocation, tranches with no
 * usable modifier, `failed`, create_immed, version 3 without a device,
 * the compositor dying, and buffer cycles without fd growth on
 * either side. Real dma-bufs of vkms in the guest. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <gralloc/wayland.h>

#include "modeset.h"
#include "test.h"
#include "wl-test.h"
#include "guest.h"

static const char *compositor_path;
#define CYCLES 1000

struct comp {
	pid_t pid;
	char sock[64];
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct wl_surface *surface;
	struct gralloc_device *dev;
	struct gralloc_wl *wl;
};

static char vkms_card[64];

static bool have_vkms(void)
{
	if (vkms_card[0])
		return true;
	if (drm_find_card("vkms", vkms_card, sizeof(vkms_card))) {
		vkms_card[0] = '\0';
		guest_missing("no vkms card");
		return false;
	}
	return true;
}

/* Starts the test compositor with `args` (NULL-terminated) and connects.
 * With `connect_gralloc` also makes the gralloc_wl. */
static bool comp_start(struct comp *c, const char *const *args, bool connect_gralloc)
{
	const char *argv[16] = { compositor_path, "--socket", NULL, "--device", vkms_card };
	const char *rt = getenv("XDG_RUNTIME_DIR");
	char path[256];
	size_t n = 5;

	memset(c, 0, sizeof(*c));
	if (!have_vkms())
		return false;
	if (!rt) {
		FAIL_MSG("XDG_RUNTIME_DIR not set");
		return false;
	}
	static int serial;

	snprintf(c->sock, sizeof(c->sock), "gralloc-test-%d-%d", (int)getpid(), serial++);
	argv[2] = c->sock;
	for (size_t i = 0; args && args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	snprintf(path, sizeof(path), "%s/%s", rt, c->sock);
	unlink(path);
	c->pid = fork();
	if (c->pid == 0) {
		execv(compositor_path, (char *const *)argv);
		_exit(127);
	}
	/* The first start reads the binary over 9p, and a loaded build
	 * machine slows the guest several-fold: allow 60 s. */
	for (int i = 0; i < 1200 && !c->display; i++) {
		if (access(path, F_OK) == 0)
			c->display = wl_display_connect(c->sock);
		if (!c->display)
			usleep(50 * 1000);
	}
	if (!c->display) {
		FAIL_MSG("test compositor %s did not come up in 60 s", compositor_path);
		return false;
	}
	c->registry = wl_display_get_registry(c->display);
	wl_registry_add_listener(c->registry, &wlt_registry_listener, &c->compositor);
	wl_display_roundtrip(c->display);
	if (!c->compositor) {
		FAIL_MSG("no wl_compositor");
		return false;
	}
	c->surface = wl_compositor_create_surface(c->compositor);
	c->dev = gralloc_device_create(NULL);
	if (!c->dev) {
		FAIL_MSG("gralloc_device_create: %s", gralloc_last_error());
		return false;
	}
	if (connect_gralloc) {
		c->wl = gralloc_wl_create(c->display, c->dev, NULL);
		if (!c->wl) {
			FAIL_MSG("gralloc_wl_create: %s", gralloc_last_error());
			return false;
		}
	}
	return true;
}

static void comp_stop(struct comp *c)
{
	int status;

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
	if (c->pid > 0) {
		kill(c->pid, SIGTERM);
		for (int i = 0; i < 50 && waitpid(c->pid, &status, WNOHANG) == 0; i++)
			usleep(20 * 1000);
		kill(c->pid, SIGKILL);
		waitpid(c->pid, &status, 0);
	}
	memset(c, 0, sizeof(*c));
}

static struct gralloc_wl_swapchain *make_sc(struct comp *c, uint32_t format, uint64_t usage,
					    uint32_t flags)
{
	struct gralloc_wl_swapchain_desc d = {
		.width = 256, .height = 128, .format = format,
		.usage = usage ? usage : GRALLOC_USAGE_CPU_WRITE_OFTEN, .flags = flags,
	};

	return gralloc_wl_swapchain_create(c->wl, c->surface, &d);
}

/* One frame: acquire, write a byte through lock/unlock, present. */
static int frame(struct gralloc_wl_swapchain *sc, uint32_t *age, bool *dmabuf, uint64_t *usage)
{
	struct gralloc_wl_buffer *b = gralloc_wl_swapchain_acquire(sc, 2000);
	struct gralloc_buffer_info info;
	void *px;

	if (!b)
		return -errno;
	if (age)
		*age = gralloc_wl_buffer_age(b);
	if (dmabuf)
		*dmabuf = gralloc_wl_buffer_is_dmabuf(b);
	gralloc_buffer_describe(gralloc_wl_buffer_get(b), &info);
	if (usage)
		*usage = info.usage;
	if (gralloc_buffer_lock(gralloc_wl_buffer_get(b), GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL,
				&px) == 0) {
		memset(px, 0x5a, 16);
		gralloc_buffer_unlock(gralloc_wl_buffer_get(b));
	}
	return gralloc_wl_swapchain_present(sc, b);
}

static void body_v4_feedback_gives_the_main_devices_memory(struct comp *cp)
{
	struct gralloc_consumer *con = NULL;
	struct gralloc_buffer *buf = NULL;
	struct gralloc_wl_swapchain *sc = NULL;
	struct gralloc_buffer_info info;
	struct gralloc_buffer_desc d = { .width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888,
					 .usage = GRALLOC_USAGE_CPU_WRITE_OFTEN };
	uint32_t ages[8], last[4];
	struct wl_buffer *seen[4];
	size_t nseen = 0;

	if (!comp_start(cp, NULL, true))
		goto out;
	CHECK_EQ(gralloc_wl_dmabuf_version(cp->wl), 4);
	CHECK(gralloc_wl_has_feedback(cp->wl));
	CHECK_STR(gralloc_wl_device_path(cp->wl), vkms_card);
	con = gralloc_wl_create_consumer(cp->wl, DRM_FORMAT_XRGB8888);
	CHECK(con);
	printf("#   consumer: %s\n", gralloc_consumer_name(con));
	CHECK(strstr(gralloc_consumer_name(con), "dma-buf feedback"));
	CHECK(!gralloc_consumer_imports_foreign(con));
	buf = gralloc_buffer_allocate_for(cp->dev, &d, &con, 1);
	CHECK(buf);
	gralloc_buffer_describe(buf, &info);
	/* vkms's own memory: the compositor showed it uses that device. */
	CHECK_STR(info.backend, "drm-dumb");
	sc = make_sc(cp, DRM_FORMAT_XRGB8888, 0, 0);
	CHECK(sc);
	/* Ages against our own model: the frame each wl_buffer last showed. */
	for (uint32_t n = 1; n <= 8; n++) {
		struct gralloc_wl_buffer *b = gralloc_wl_swapchain_acquire(sc, 2000);
		size_t k;

		if (!b)
			FAIL_MSG("frame %u: %s", n, gralloc_last_error());
		CHECK(b);
		CHECK(gralloc_wl_buffer_is_dmabuf(b));
		for (k = 0; k < nseen && seen[k] != gralloc_wl_buffer_wl(b); k++)
			;
		if (k == nseen) {
			CHECK(nseen < 4);
			seen[nseen] = gralloc_wl_buffer_wl(b);
			last[nseen++] = 0;
		}
		ages[n - 1] = gralloc_wl_buffer_age(b);
		CHECK_EQ(ages[n - 1], last[k] ? n - last[k] : 0);
		last[k] = n;
		CHECK_EQ(gralloc_wl_swapchain_present(sc, b), 0);
		/* Let the release of the previous buffer arrive. */
		wl_display_roundtrip(cp->display);
	}
	printf("#   ages %u %u %u %u %u %u %u %u over %zu buffers; %s\n", ages[0], ages[1],
	       ages[2], ages[3], ages[4], ages[5], ages[6], ages[7], nseen,
	       gralloc_wl_swapchain_describe(sc));
	/* Released on the next commit, the most recent free buffer is the
	 * one from two frames ago. */
	CHECK_EQ(ages[7], 2);
	CHECK_EQ(gralloc_wl_swapchain_buffer_count(sc), 2);
	CHECK(strstr(gralloc_wl_swapchain_describe(sc), "modifier LINEAR"));
out:
	gralloc_wl_swapchain_destroy(sc);
	gralloc_buffer_free(cp->dev, buf);
	gralloc_consumer_destroy(con);
	comp_stop(cp);
}

TEST(v4_feedback_gives_the_main_devices_memory)
{
	struct comp c = { 0 };

	body_v4_feedback_gives_the_main_devices_memory(&c);
	comp_stop(&c);
}

static void body_scanout_tranche_reallocates_with_scanout_usage(struct comp *cp)
{
	static const char *const args[] = { "--scanout-after", "3", NULL };
	struct gralloc_wl_swapchain *sc = NULL;
	uint64_t usage = 0;

	if (!comp_start(cp, args, true))
		goto out;
	sc = make_sc(cp, DRM_FORMAT_XRGB8888, 0, 0);
	CHECK(sc);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(frame(sc, NULL, NULL, &usage), 0);
	CHECK(!(usage & GRALLOC_USAGE_SCANOUT));
	CHECK_EQ(gralloc_wl_swapchain_generation(sc), 0);
	/* The new surface feedback arrives with the third commit's events. */
	wl_display_roundtrip(cp->display);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(frame(sc, NULL, NULL, &usage), 0);
	printf("#   after the scanout tranche: generation %u, %zu buffers, %s\n",
	       gralloc_wl_swapchain_generation(sc), gralloc_wl_swapchain_buffer_count(sc),
	       gralloc_wl_swapchain_describe(sc));
	CHECK_EQ(gralloc_wl_swapchain_generation(sc), 1);
	CHECK(usage & GRALLOC_USAGE_SCANOUT);
	CHECK(strstr(gralloc_wl_swapchain_describe(sc), "scanout"));
	/* Old buffers went as they were released. */
	CHECK(gralloc_wl_swapchain_buffer_count(sc) <= 3);
out:
	gralloc_wl_swapchain_destroy(sc);
	comp_stop(cp);
}

TEST(scanout_tranche_reallocates_with_scanout_usage)
{
	struct comp c = { 0 };

	body_scanout_tranche_reallocates_with_scanout_usage(&c);
	comp_stop(&c);
}

static void body_no_usable_modifier_names_the_tranche(struct comp *cp)
{
	static const char *const args[] = { "--modifier", "vendor", NULL };
	struct gralloc_wl_swapchain *sc = NULL;

	if (!comp_start(cp, args, true))
		goto out;
	errno = 0;
	CHECK(!gralloc_wl_create_consumer(cp->wl, DRM_FORMAT_XRGB8888));
	CHECK_EQ(errno, ENOTSUP);
	printf("#   %s\n", gralloc_last_error());
	CHECK(strstr(gralloc_last_error(), "tranche 0"));
	CHECK(strstr(gralloc_last_error(), "XR24"));
	sc = make_sc(cp, DRM_FORMAT_XRGB8888, 0, 0);
	CHECK(sc);
	CHECK(!gralloc_wl_swapchain_acquire(sc, 1000));
	CHECK_EQ(errno, ENOTSUP);
out:
	gralloc_wl_swapchain_destroy(sc);
	comp_stop(cp);
}

TEST(no_usable_modifier_names_the_tranche)
{
	struct comp c = { 0 };

	body_no_usable_modifier_names_the_tranche(&c);
	comp_stop(&c);
}

static void body_failed_event_is_a_clean_error(struct comp *cp)
{
	static const char *const args[] = { "--reject", NULL };
	struct gralloc_wl_swapchain *sc = NULL;

	if (!comp_start(cp, args, true))
		goto out;
	sc = make_sc(cp, DRM_FORMAT_XRGB8888, 0, 0);
	CHECK(sc);
	for (int i = 0; i < 3; i++) {
		errno = 0;
		CHECK(!gralloc_wl_swapchain_acquire(sc, 1000));
		CHECK_EQ(errno, ENOTSUP);
	}
	printf("#   %s\n", gralloc_last_error());
	CHECK(strstr(gralloc_last_error(), "failed event"));
	CHECK_EQ(gralloc_wl_swapchain_buffer_count(sc), 0);
	/* The connection survives a rejected buffer. */
	CHECK_EQ(wl_display_roundtrip(cp->display) >= 0, 1);
out:
	gralloc_wl_swapchain_destroy(sc);
	comp_stop(cp);
}

TEST(failed_event_is_a_clean_error)
{
	struct comp c = { 0 };

	body_failed_event_is_a_clean_error(&c);
	comp_stop(&c);
}

static void body_create_immed_path(struct comp *cp)
{
	static const char *const reject[] = { "--reject", NULL };
	struct gralloc_wl_swapchain *sc = NULL;
	int ret = 0;

	if (!comp_start(cp, NULL, true))
		goto out;
	sc = make_sc(cp, DRM_FORMAT_XRGB8888, 0, GRALLOC_WL_CREATE_IMMED);
	CHECK(sc);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(frame(sc, NULL, NULL, NULL), 0);
	gralloc_wl_swapchain_destroy(sc);
	sc = NULL;
	comp_stop(cp);
	/* create_immed with a buffer the compositor refuses: a protocol
	 * error, reported as EPROTO, not a hang or a crash. */
	if (!comp_start(cp, reject, true))
		goto out;
	sc = make_sc(cp, DRM_FORMAT_XRGB8888, 0, GRALLOC_WL_CREATE_IMMED);
	CHECK(sc);
	for (int i = 0; i < 5 && !ret; i++)
		ret = frame(sc, NULL, NULL, NULL);
	printf("#   %s\n", gralloc_last_error());
	CHECK_EQ(ret, -EPROTO);
	CHECK(strstr(gralloc_last_error(), "protocol error"));
out:
	gralloc_wl_swapchain_destroy(sc);
	comp_stop(cp);
}

TEST(create_immed_path)
{
	struct comp c = { 0 };

	body_create_immed_path(&c);
	comp_stop(&c);
}

static void body_v3_without_a_named_device_uses_only_shm(struct comp *cp)
{
	static const char *const v3[] = { "--version", "3", NULL };
	static const char *const v3i[] = { "--version", "3", "--modifier", "implicit", NULL };
	struct gralloc_wl_swapchain *sc = NULL;
	struct gralloc_wl_buffer *b;
	bool dmabuf = true;

	unsetenv("GRALLOC_WAYLAND_DEVICE");
	if (!comp_start(cp, v3, true))
		goto out;
	CHECK_EQ(gralloc_wl_dmabuf_version(cp->wl), 3);
	CHECK(!gralloc_wl_has_feedback(cp->wl));
	printf("#   %s\n", gralloc_wl_device_reason(cp->wl));
	/* The guest has two cards with KMS (virtio-gpu, vkms): no guessing. */
	CHECK_STR(gralloc_wl_device_path(cp->wl), "");
	CHECK(strstr(gralloc_wl_device_reason(cp->wl), "GRALLOC_WAYLAND_DEVICE"));
	sc = make_sc(cp, DRM_FORMAT_ARGB8888, 0, 0);
	CHECK(sc);
	CHECK_EQ(frame(sc, NULL, &dmabuf, NULL), 0);
	CHECK(!dmabuf);
	gralloc_wl_swapchain_destroy(sc);
	sc = NULL;
	comp_stop(cp);

	/* Named: dma-bufs of that device, with the LINEAR it listed. */
	setenv("GRALLOC_WAYLAND_DEVICE", vkms_card, 1);
	if (!comp_start(cp, v3, true))
		goto out;
	CHECK_STR(gralloc_wl_device_path(cp->wl), vkms_card);
	sc = make_sc(cp, DRM_FORMAT_XRGB8888, 0, 0);
	CHECK(sc);
	CHECK_EQ(frame(sc, NULL, &dmabuf, NULL), 0);
	CHECK(dmabuf);
	CHECK(strstr(gralloc_wl_swapchain_describe(sc), "modifier LINEAR"));
	gralloc_wl_swapchain_destroy(sc);
	sc = NULL;
	comp_stop(cp);

	/* Only the implicit modifier listed: implicit, unless the client
	 * asks for scanout (then LINEAR, which Weston 10 scans out). */
	if (!comp_start(cp, v3i, true))
		goto out;
	sc = make_sc(cp, DRM_FORMAT_XRGB8888, 0, 0);
	CHECK(sc);
	CHECK_EQ(frame(sc, NULL, NULL, NULL), 0);
	CHECK(strstr(gralloc_wl_swapchain_describe(sc), "modifier implicit"));
	gralloc_wl_swapchain_destroy(sc);
	sc = make_sc(cp, DRM_FORMAT_XRGB8888,
		     GRALLOC_USAGE_CPU_WRITE_OFTEN | GRALLOC_USAGE_SCANOUT, 0);
	CHECK(sc);
	b = gralloc_wl_swapchain_acquire(sc, 2000);
	CHECK(b);
	CHECK(gralloc_wl_buffer_modifier(b) == DRM_FORMAT_MOD_LINEAR);
	gralloc_wl_swapchain_cancel(sc, b);
out:
	unsetenv("GRALLOC_WAYLAND_DEVICE");
	gralloc_wl_swapchain_destroy(sc);
	comp_stop(cp);
}

TEST(v3_without_a_named_device_uses_only_shm)
{
	struct comp c = { 0 };

	body_v3_without_a_named_device_uses_only_shm(&c);
	comp_stop(&c);
}

/* wl_shm carries one offset and stride: NV12's chroma plane must sit right
 * after height rows of the luma stride, where the compositor will read it.
 * 256x128 is laid out that way; 112x75 is not (the chroma plane is aligned
 * to 64 bytes past 112 * 75), and must be refused rather than shown wrong. */
static void body_nv12_over_wl_shm(struct comp *cp)
{
	struct gralloc_wl_swapchain *sc = NULL;
	struct gralloc_wl_buffer *b;
	bool dmabuf = true;

	if (!comp_start(cp, NULL, true))
		goto out;
	sc = make_sc(cp, DRM_FORMAT_NV12, 0, GRALLOC_WL_FORCE_SHM);
	CHECK(sc);
	CHECK_EQ(frame(sc, NULL, &dmabuf, NULL), 0);
	CHECK(!dmabuf);
	CHECK_EQ(gralloc_wl_swapchain_resize(sc, 112, 75), 0);
	b = gralloc_wl_swapchain_acquire(sc, 2000);
	printf("#   112x75 NV12 over wl_shm: %s (%s)\n", b ? "accepted" : strerror(errno),
	       gralloc_last_error());
	if (b)
		gralloc_wl_swapchain_cancel(sc, b);
	CHECK(!b && errno == ENOTSUP);
	CHECK(strstr(gralloc_last_error(), "chroma plane") != NULL);
out:
	gralloc_wl_swapchain_destroy(sc);
	comp_stop(cp);
}

TEST(nv12_over_wl_shm_only_in_the_layout_it_implies)
{
	struct comp c = { 0 };

	body_nv12_over_wl_shm(&c);
	comp_stop(&c);
}

static void body_compositor_going_away_is_an_error_not_a_hang(struct comp *cp)
{
	struct gralloc_wl_swapchain *sc = NULL;
	struct timespec t0, t1;
	int ret = 0, status;

	if (!comp_start(cp, NULL, true))
		goto out;
	sc = make_sc(cp, DRM_FORMAT_XRGB8888, 0, 0);
	CHECK(sc);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(frame(sc, NULL, NULL, NULL), 0);
	kill(cp->pid, SIGKILL);
	waitpid(cp->pid, &status, 0);
	cp->pid = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 10 && !ret; i++)
		ret = frame(sc, NULL, NULL, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("#   after %.2f s: %s (%s)\n",
	       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       strerror(-ret), gralloc_last_error());
	CHECK_EQ(ret, -EPIPE);
	CHECK(strstr(gralloc_last_error(), "connection lost"));
	CHECK(t1.tv_sec - t0.tv_sec < 10);
out:
	gralloc_wl_swapchain_destroy(sc);
	comp_stop(cp);
}

TEST(compositor_going_away_is_an_error_not_a_hang)
{
	struct comp c = { 0 };

	body_compositor_going_away_is_an_error_not_a_hang(&c);
	comp_stop(&c);
}

static void body_buffer_cycles_leak_no_fds(struct comp *cp)
{
	struct gralloc_wl_swapchain *sc;
	int client_before, client_after, comp_before, comp_after;

	if (!comp_start(cp, NULL, true))
		goto out;
	/* One cycle first, so lazily opened nodes are counted in both. */
	sc = make_sc(cp, DRM_FORMAT_XRGB8888, 0, 0);
	CHECK(sc);
	CHECK_EQ(frame(sc, NULL, NULL, NULL), 0);
	gralloc_wl_swapchain_destroy(sc);
	wl_display_roundtrip(cp->display);
	client_before = test_count_fds();
	comp_before = wlt_proc_fds(cp->pid);
	for (int i = 0; i < CYCLES; i++) {
		sc = make_sc(cp, DRM_FORMAT_XRGB8888, 0, (i & 1) ? GRALLOC_WL_CREATE_IMMED : 0);
		CHECK(sc);
		if (frame(sc, NULL, NULL, NULL)) {
			FAIL_MSG("cycle %d: %s", i, gralloc_last_error());
			gralloc_wl_swapchain_destroy(sc);
			goto out;
		}
		gralloc_wl_swapchain_destroy(sc);
	}
	wl_display_roundtrip(cp->display);
	client_after = test_count_fds();
	comp_after = wlt_proc_fds(cp->pid);
	printf("#   %d cycles: client fds %d -> %d, compositor fds %d -> %d\n", CYCLES, client_before,
	       client_after, comp_before, comp_after);
	CHECK_EQ(client_after, client_before);
	CHECK_EQ(comp_after, comp_before);
out:
	comp_stop(cp);
}

TEST(buffer_cycles_leak_no_fds)
{
	struct comp c = { 0 };

	body_buffer_cycles_leak_no_fds(&c);
	comp_stop(&c);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The cycles run on their own (--only-cycles / --no-cycles), so that
	 * each guest test fits the runner's time limit on a loaded machine. */
	if (argc == 2 && (!strcmp(argv[1], "--only-cycles") || !strcmp(argv[1], "--no-cycles"))) {
		bool only = !strcmp(argv[1], "--only-cycles");
		int n = 0;

		for (int i = 0; i < test_count; i++)
			if ((strstr(test_cases[i].name, "cycles") != NULL) == only)
				test_cases[n++] = test_cases[i];
		test_count = n;
	}
	compositor_path = getenv("GRALLOC_TEST_COMPOSITOR");
	if (!compositor_path)
		compositor_path = TEST_COMPOSITOR_PATH;
	return test_run_all();
}
