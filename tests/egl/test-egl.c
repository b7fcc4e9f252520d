/* SPDX-License-Identifier: MIT */
/* EGL import on the guest's KMS devices (vkms, virtio-gpu), where Mesa
 * 22.3 renders with kms_swrast: GL sees what the CPU wrote and the CPU
 * sees what GL drew, through the same memory; the consumer probe sends
 * allocations to the device's own memory; bad layouts and foreign memory
 * fail cleanly; and EGL never takes or leaks our fds. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "egl-fixture.h"
/* Only to read the consumer's own_device and why, which have no getter. */
#include "gralloc/consumer_private.h"
#include "kms-util.h"
#include "pattern.h"
#include "test.h"

enum { VKMS, VIRTIO_GPU, NUM_FIXTURES };
static struct egl_fixture fixtures[NUM_FIXTURES];
static const char *self_exe;

static bool use(struct egl_fixture *f)
{
	if (!f->ready) {
		if (in_guest()) {
			printf("#   %s\n", f->error);
			test_failed_flag = true;
		} else {
			test_skip(f->error);
		}
		return false;
	}
	if (!eglMakeCurrent(f->g.dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, f->g.ctx)) {
		printf("#   eglMakeCurrent: 0x%x\n", eglGetError());
		test_failed_flag = true;
		return false;
	}
	return true;
}

static struct gralloc_buffer *alloc_for_egl(struct egl_fixture *f, uint32_t w, uint32_t h,
					    uint32_t format, uint64_t usage)
{
	struct gralloc_buffer_desc d = {
		.width = w, .height = h, .format = format, .layer_count = 1,
		.usage = usage, .name = "egl-test",
	};
	struct gralloc_buffer *b = gralloc_buffer_allocate_for(f->dev, &d, &f->consumer, 1);

	if (!b)
		printf("#   allocate_for: %s\n", gralloc_last_error());
	return b;
}

static int fill(struct gralloc_buffer *b, uint32_t frame)
{
	struct gralloc_buffer_info info;
	void *p;
	int ret = gralloc_buffer_lock(b, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &p);

	if (ret)
		return ret;
	gralloc_buffer_describe(b, &info);
	pattern_fill(p, info.planes[0].stride, info.width, info.height, frame);
	return gralloc_buffer_unlock(b);
}

/* Number of pixels that differ from `expect(x, y)`, first one printed. */
static long compare(struct gralloc_buffer *b, uint32_t (*expect)(uint32_t, uint32_t, void *),
		    void *ctx)
{
	struct gralloc_buffer_info info;
	long bad = 0;
	void *p;

	if (gralloc_buffer_lock(b, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, &p))
		return -1;
	gralloc_buffer_describe(b, &info);
	for (uint32_t y = 0; y < info.height; y++) {
		const uint32_t *row = (const uint32_t *)((const uint8_t *)p +
							 (uint64_t)y * info.planes[0].stride);

		for (uint32_t x = 0; x < info.width; x++) {
			uint32_t want = expect(x, y, ctx) & 0xffffff, got = row[x] & 0xffffff;

			if (want != got && !bad++)
				printf("#   first difference at (%u,%u): 0x%06x, expected 0x%06x\n", x,
				       y, got, want);
		}
	}
	gralloc_buffer_unlock(b);
	return bad;
}

struct pattern_ctx {
	uint32_t frame, w, h;
};

static uint32_t expect_pattern(uint32_t x, uint32_t y, void *ctx)
{
	struct pattern_ctx *c = ctx;

	return pattern_pixel(x, y, c->frame, c->w, c->h);
}

/* Same inode, still open: EGL neither closed nor replaced it. */
static bool fd_is(int fd, const struct stat *before)
{
	struct stat now;

	return fcntl(fd, F_GETFD) >= 0 && fstat(fd, &now) == 0 && now.st_ino == before->st_ino &&
	       now.st_dev == before->st_dev;
}

/* --- probe and placement ------------------------------------------------ */

static void probe(struct egl_fixture *f)
{
	struct gralloc_consumer *c;

	if (!use(f))
		return;
	printf("#   %s: EGL driver \"%s\", device \"%s\", imports foreign: %d\n", f->path,
	       gralloc_egl_driver_name(f->egl), gralloc_egl_device_path(f->egl),
	       gralloc_egl_imports_foreign(f->egl));
	printf("#   consumer: %s\n", gralloc_consumer_name(f->consumer));
	CHECK_EQ(gralloc_egl_supports(f->egl, DRM_FORMAT_XRGB8888, DRM_FORMAT_MOD_LINEAR), 1);
	/* Mesa 22.3 on vkms and virtio-gpu (no virgl in this rig). */
	CHECK_STR(gralloc_egl_driver_name(f->egl), "kms_swrast");
	CHECK(!gralloc_egl_imports_foreign(f->egl));
	CHECK(!gralloc_consumer_imports_foreign(f->consumer));
	CHECK_STR(gralloc_egl_device_path(f->egl), f->path);

	/* The stand-alone constructor describes the same display. */
	c = gralloc_consumer_create_egl(f->g.dpy, f->path);
	CHECK(c);
	printf("#   why: %s\n", c->why);
	CHECK(!c->imports_foreign);
	CHECK_STR(c->own_device, f->path);
	CHECK(strstr(c->why, "kms_swrast") && strstr(c->why, "MAP_DUMB"));
	CHECK(c->needs_dma_buf);
	gralloc_consumer_destroy(c);
}

static void print_explanation(struct gralloc_explanation *e)
{
	static const char *const verdicts[] = { "selected", "fallback", "skipped" };

	printf("#   plan: %s\n", gralloc_explanation_summary(e));
	for (size_t i = 0; i < gralloc_explanation_count(e); i++) {
		struct gralloc_candidate c;

		gralloc_explanation_get(e, i, &c);
		printf("#     %-8s %-9s %-10s %s\n", verdicts[c.verdict], c.backend, c.heap,
		       c.reason);
	}
}

static void placement(struct egl_fixture *f)
{
	struct gralloc_buffer_desc d = {
		.width = 256, .height = 128, .format = DRM_FORMAT_XRGB8888, .layer_count = 1, .usage = GRALLOC_USAGE_GPU_RENDER_TARGET | GRALLOC_USAGE_CPU_READ_OFTEN, .name = "egl-placement",
	};
	struct gralloc_explanation *e;
	struct gralloc_buffer_info info;
	struct gralloc_buffer *b;

	if (!use(f))
		return;
	e = gralloc_explain_for(f->dev, &d, &f->consumer, 1);
	CHECK(e);
	print_explanation(e);
	gralloc_explanation_destroy(e);
	b = gralloc_buffer_allocate_for(f->dev, &d, &f->consumer, 1);
	CHECK(b);
	gralloc_buffer_describe(b, &info);
	printf("#   landed on %s%s%s\n", info.backend, info.heap[0] ? " heap " : "", info.heap);
	gralloc_buffer_free(f->dev, b);
	CHECK_STR(info.backend, "drm-dumb");
}

/* --- pixels both ways --------------------------------------------------- */

static void cpu_to_gl(struct egl_fixture *f)
{
	const uint32_t w = 320, h = 200;
	struct pattern_ctx ctx = { 7, w, h };
	struct gralloc_buffer *src = NULL, *dst = NULL;
	struct gralloc_egl_image *si = NULL, *di = NULL;
	GLuint tex = 0, fbo = 0, att = 0;
	GLenum target = 0, att_type = 0;
	uint8_t *rgba = NULL;
	long bad = -1, bad_read = 0;

	if (!use(f))
		return;
	src = alloc_for_egl(f, w, h, DRM_FORMAT_XRGB8888,
			    GRALLOC_USAGE_GPU_TEXTURE | GRALLOC_USAGE_CPU_WRITE_OFTEN);
	dst = alloc_for_egl(f, w, h, DRM_FORMAT_XRGB8888,
			    GRALLOC_USAGE_GPU_RENDER_TARGET | GRALLOC_USAGE_CPU_READ_OFTEN);
	if (!src || !dst || fill(src, ctx.frame))
		goto out;
	si = gralloc_egl_image_create(f->egl, src, NULL);
	di = gralloc_egl_image_create(f->egl, dst, NULL);
	if (!si || !di) {
		printf("#   image: %s\n", gralloc_last_error());
		goto out;
	}
	if (gralloc_egl_image_texture(si, &tex, &target) ||
	    gralloc_egl_image_framebuffer(di, &fbo, &att, &att_type)) {
		printf("#   GL: %s\n", gralloc_last_error());
		goto out;
	}
	printf("#   texture target %s, render target %s\n",
	       target == GL_TEXTURE_2D ? "GL_TEXTURE_2D" : "GL_TEXTURE_EXTERNAL_OES",
	       att_type == GL_RENDERBUFFER ? "renderbuffer" : "texture");
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	glViewport(0, 0, w, h);
	egl_draw_quad(f->copy_prog, tex, target);
	/* The same pixels straight from GL, before the CPU looks. */
	rgba = malloc((size_t)w * h * 4);
	glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
	glFinish();
	glBindFramebuffer(GL_FRAMEBUFFER, 0);
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			const uint8_t *p = rgba + ((size_t)y * w + x) * 4;
			uint32_t got = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];

			bad_read += got != pattern_pixel(x, y, ctx.frame, w, h);
		}
	bad = compare(dst, expect_pattern, &ctx);
out:
	free(rgba);
	if (fbo)
		glDeleteFramebuffers(1, &fbo);
	if (att)
		att_type == GL_RENDERBUFFER ? glDeleteRenderbuffers(1, &att)
					    : glDeleteTextures(1, &att);
	if (tex)
		glDeleteTextures(1, &tex);
	gralloc_egl_image_destroy(si);
	gralloc_egl_image_destroy(di);
	gralloc_buffer_free(f->dev, src);
	gralloc_buffer_free(f->dev, dst);
	CHECK_EQ(bad_read, 0);
	CHECK_EQ(bad, 0);
}

struct bands_ctx {
	uint32_t w;
};

static const uint32_t band_colour[4] = { 0xff0000, 0x00ff00, 0x0000ff, 0xffffff };

static uint32_t expect_bands(uint32_t x, uint32_t y, void *ctx)
{
	struct bands_ctx *c = ctx;

	/* Four vertical bands; the top 8 rows cleared black afterwards. */
	return y < 8 ? 0 : band_colour[x * 4 / c->w];
}

static void gl_to_cpu(struct egl_fixture *f)
{
	const uint32_t w = 256, h = 64;
	struct bands_ctx ctx = { w };
	struct gralloc_buffer *b;
	struct gralloc_egl_image *img = NULL;
	GLuint fbo = 0, att = 0;
	GLenum att_type = 0;
	long bad = -1;

	if (!use(f))
		return;
	b = alloc_for_egl(f, w, h, DRM_FORMAT_XRGB8888,
			  GRALLOC_USAGE_GPU_RENDER_TARGET | GRALLOC_USAGE_CPU_READ_OFTEN |
				  GRALLOC_USAGE_CPU_WRITE_RARELY);
	if (b && fill(b, 0) == 0 && (img = gralloc_egl_image_create(f->egl, b, NULL)) &&
	    !gralloc_egl_image_framebuffer(img, &fbo, &att, &att_type)) {
		glBindFramebuffer(GL_FRAMEBUFFER, fbo);
		glViewport(0, 0, w, h);
		glEnable(GL_SCISSOR_TEST);
		for (int i = 0; i < 4; i++) {
			glScissor(i * w / 4, 0, w / 4, h);
			glClearColor((band_colour[i] >> 16) / 255.0f,
				     ((band_colour[i] >> 8) & 0xff) / 255.0f,
				     (band_colour[i] & 0xff) / 255.0f, 1.0f);
			glClear(GL_COLOR_BUFFER_BIT);
		}
		/* GL's row 0 is the first row in memory for an FBO. */
		glScissor(0, 0, w, 8);
		glClearColor(0, 0, 0, 1);
		glClear(GL_COLOR_BUFFER_BIT);
		glDisable(GL_SCISSOR_TEST);
		glFinish();
		glBindFramebuffer(GL_FRAMEBUFFER, 0);
		bad = compare(b, expect_bands, &ctx);
	} else {
		printf("#   %s\n", gralloc_last_error());
	}
	if (fbo)
		glDeleteFramebuffers(1, &fbo);
	if (att)
		att_type == GL_RENDERBUFFER ? glDeleteRenderbuffers(1, &att)
					    : glDeleteTextures(1, &att);
	gralloc_egl_image_destroy(img);
	gralloc_buffer_free(f->dev, b);
	CHECK_EQ(bad, 0);
}

/* --- YUV ------------------------------------------------------------------ */

static const char yuv_fs[] =
	"#extension GL_OES_EGL_image_external : require\n"
	"precision mediump float;\n"
	"uniform samplerExternalOES tex;\n"
	"varying vec2 uv;\n"
	"void main() { gl_FragColor = texture2D(tex, uv); }\n";
static const char yuv_vs[] =
	"attribute vec2 pos;\n"
	"varying vec2 uv;\n"
	"void main() { uv = pos * 0.5 + 0.5; gl_Position = vec4(pos, 0.0, 1.0); }\n";

static int clamp255(double v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (int)(v + 0.5);
}

/* Samples one flat NV12 colour and returns the RGB GL produced. */
static int sample_nv12(struct egl_fixture *f, GLuint prog, uint8_t y, uint8_t u, uint8_t v,
		       const struct gralloc_egl_image_options *o, uint8_t rgb[3])
{
	const uint32_t w = 64, h = 32;
	struct gralloc_buffer *src = alloc_for_egl(f, w, h, DRM_FORMAT_NV12,
						   GRALLOC_USAGE_GPU_TEXTURE |
						   GRALLOC_USAGE_CPU_WRITE_OFTEN);
	struct gralloc_buffer *dst = alloc_for_egl(f, w, h, DRM_FORMAT_XRGB8888,
						   GRALLOC_USAGE_GPU_RENDER_TARGET);
	struct gralloc_egl_image *si = NULL, *di = NULL;
	struct gralloc_ycbcr ycbcr;
	GLuint tex = 0, fbo = 0, att = 0;
	GLenum target = 0, att_type = 0;
	uint8_t px[4] = { 0 };
	int ret = -1;

	if (!src || !dst || gralloc_buffer_lock_ycbcr(src, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL,
						       &ycbcr))
		goto out;
	for (uint32_t r = 0; r < h; r++)
		memset((uint8_t *)ycbcr.y + (size_t)r * ycbcr.y_stride, y, w);
	for (uint32_t r = 0; r < h / 2; r++)
		for (uint32_t c = 0; c < w / 2; c++) {
			((uint8_t *)ycbcr.cb)[(size_t)r * ycbcr.c_stride + c * ycbcr.chroma_step] = u;
			((uint8_t *)ycbcr.cr)[(size_t)r * ycbcr.c_stride + c * ycbcr.chroma_step] = v;
		}
	gralloc_buffer_unlock(src);
	si = gralloc_egl_image_create(f->egl, src, o);
	di = gralloc_egl_image_create(f->egl, dst, NULL);
	if (!si || !di || gralloc_egl_image_texture(si, &tex, &target) ||
	    gralloc_egl_image_framebuffer(di, &fbo, &att, &att_type)) {
		printf("#   NV12: %s\n", gralloc_last_error());
		goto out;
	}
	if (target != GL_TEXTURE_EXTERNAL_OES) {
		printf("#   NV12 bound as 0x%x, not GL_TEXTURE_EXTERNAL_OES\n", target);
		goto out;
	}
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	glViewport(0, 0, w, h);
	egl_draw_quad(prog, tex, target);
	glReadPixels(w / 2, h / 2, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, px);
	glBindFramebuffer(GL_FRAMEBUFFER, 0);
	memcpy(rgb, px, 3);
	ret = 0;
out:
	if (fbo)
		glDeleteFramebuffers(1, &fbo);
	if (att)
		att_type == GL_RENDERBUFFER ? glDeleteRenderbuffers(1, &att)
					    : glDeleteTextures(1, &att);
	if (tex)
		glDeleteTextures(1, &tex);
	gralloc_egl_image_destroy(si);
	gralloc_egl_image_destroy(di);
	gralloc_buffer_free(f->dev, src);
	gralloc_buffer_free(f->dev, dst);
	return ret;
}

static void nv12(struct egl_fixture *f)
{
	const uint8_t y = 120, u = 90, v = 180;
	const struct gralloc_egl_image_options full709 = {
		GRALLOC_EGL_COLOR_SPACE_BT709, GRALLOC_EGL_RANGE_FULL, 0,
	};
	/* BT.601, limited range: the default for YUV. */
	const double yy = 1.164 * (y - 16);
	const int want[3] = { clamp255(yy + 1.596 * (v - 128)),
			      clamp255(yy - 0.392 * (u - 128) - 0.813 * (v - 128)),
			      clamp255(yy + 2.017 * (u - 128)) };
	uint8_t got[3], got709[3], white[3];
	GLuint prog;
	int ret;

	if (!use(f))
		return;
	if (gralloc_egl_supports(f->egl, DRM_FORMAT_NV12, DRM_FORMAT_MOD_LINEAR) != 1) {
		test_skip("the EGL display does not import NV12");
		return;
	}
	prog = gles_program(yuv_vs, yuv_fs, "pos");
	CHECK(prog);
	ret = sample_nv12(f, prog, y, u, v, NULL, got);
	if (!ret)
		ret = sample_nv12(f, prog, y, u, v, &full709, got709);
	if (!ret)
		ret = sample_nv12(f, prog, 235, 128, 128, NULL, white);
	glDeleteProgram(prog);
	CHECK_EQ(ret, 0); /* imported with the hints and bound as an external texture */
	printf("#   Y'CbCr (%u,%u,%u): default (BT.601 limited) gives %u,%u,%u, expected "
	       "%d,%d,%d; BT.709 full gives %u,%u,%u; white gives %u,%u,%u\n", y, u, v, got[0],
	       got[1], got[2], want[0], want[1], want[2], got709[0], got709[1], got709[2],
	       white[0], white[1], white[2]);
	if (!memcmp(got, white, 3)) {
		/* Seen with Mesa 22.3 kms_swrast: one colour whatever the
		 * content, so there is no conversion to check. */
		test_skip("the driver samples NV12 as one constant colour whatever the content");
		return;
	}
	for (int i = 0; i < 3; i++)
		CHECK(abs(got[i] - want[i]) <= 3);
}

/* --- fds and lifetimes ----------------------------------------------------- */

static void fds_stay_ours(struct egl_fixture *f)
{
	struct gralloc_buffer *b;
	struct gralloc_buffer_info info;
	struct gralloc_egl_image *img;
	struct gralloc_egl_dmabuf d = { 0 };
	struct stat st, st2;
	int fd;

	if (!use(f))
		return;
	b = alloc_for_egl(f, 64, 64, DRM_FORMAT_XRGB8888, GRALLOC_USAGE_GPU_TEXTURE);
	CHECK(b);
	gralloc_buffer_describe(b, &info);
	fstat(info.fds[0], &st);

	img = gralloc_egl_image_create(f->egl, b, NULL);
	CHECK(img);
	CHECK(fd_is(info.fds[0], &st));
	gralloc_egl_image_destroy(img);
	CHECK(fd_is(info.fds[0], &st));

	/* An fd of our own, through the explicit-layout call. */
	fd = gralloc_buffer_export_fd(b, 0);
	CHECK(fd >= 0);
	fstat(fd, &st2);
	d = (struct gralloc_egl_dmabuf){ .width = 64, .height = 64,
					 .format = DRM_FORMAT_XRGB8888,
					 .modifier = DRM_FORMAT_MOD_LINEAR, .num_planes = 1,
					 .fds = { fd }, .pitches = { info.planes[0].stride } };
	img = gralloc_egl_image_create_dmabuf(f->egl, &d, NULL);
	CHECK(img);
	CHECK(fd_is(fd, &st2));
	gralloc_egl_image_destroy(img);
	CHECK(fd_is(fd, &st2));
	close(fd);
	gralloc_buffer_free(f->dev, b);
}

/* Freeing a buffer destroys its images first; destroying the gralloc_egl
 * destroys the rest. Nothing is destroyed twice (run under ASan/valgrind
 * to see it). */
static void image_lifetimes(struct egl_fixture *f)
{
	struct gralloc_buffer *a, *b;
	struct gralloc_egl *egl;

	if (!use(f))
		return;
	a = alloc_for_egl(f, 64, 64, DRM_FORMAT_XRGB8888, GRALLOC_USAGE_GPU_TEXTURE);
	b = alloc_for_egl(f, 64, 64, DRM_FORMAT_XRGB8888, GRALLOC_USAGE_GPU_TEXTURE);
	egl = gralloc_egl_create(f->g.dpy, f->path);
	CHECK(a && b && egl);
	CHECK(gralloc_egl_image_create(egl, a, NULL));
	CHECK(gralloc_egl_image_create(egl, a, NULL));
	CHECK(gralloc_egl_image_create(egl, b, NULL));
	CHECK_EQ(gralloc_buffer_free(f->dev, a), 0); /* releases both images of a */
	gralloc_egl_destroy(egl);                    /* releases b's, detaching it */
	CHECK_EQ(gralloc_buffer_free(f->dev, b), 0);
}

/* --- clean failures --------------------------------------------------------- */

static bool fails_with(struct gralloc_egl_image *img, int err, const char *words)
{
	int got = errno;

	if (img) {
		printf("#   an image was made\n");
		gralloc_egl_image_destroy(img);
		return false;
	}
	printf("#   errno %s: %s\n", strerror(got), gralloc_last_error());
	return got == err && strstr(gralloc_last_error(), words);
}

static uint32_t unsupported_format(const struct gralloc_egl *egl)
{
	struct gralloc_format_desc fd;

	for (size_t i = 0; i < gralloc_format_count(); i++) {
		if (!gralloc_format_get(i, &fd) && fd.num_planes == 1 &&
		    gralloc_egl_supports(egl, fd.fourcc, DRM_FORMAT_MOD_LINEAR) == 0)
			return fd.fourcc;
	}
	return 0;
}

static void invalid_layouts(struct egl_fixture *f)
{
	struct gralloc_buffer *b;
	struct gralloc_buffer_info info;
	struct gralloc_egl_dmabuf d;
	struct stat st;
	EGLImageKHR raw;
	uint32_t bad_format;
	int fd;

	if (!use(f))
		return;
	b = alloc_for_egl(f, 128, 64, DRM_FORMAT_XRGB8888, GRALLOC_USAGE_GPU_TEXTURE);
	CHECK(b);
	gralloc_buffer_describe(b, &info);
	fd = info.fds[0];
	fstat(fd, &st);
	const struct gralloc_egl_dmabuf good = {
		.width = 128, .height = 64, .format = DRM_FORMAT_XRGB8888,
		.modifier = DRM_FORMAT_MOD_LINEAR, .num_planes = 1, .fds = { fd },
		.pitches = { info.planes[0].stride },
	};

	d = good;
	d.pitches[0] = 128 * 4 - 4;
	CHECK(fails_with(gralloc_egl_image_create_dmabuf(f->egl, &d, NULL), EINVAL, "pitch"));
	d = good;
	d.offsets[0] = (uint32_t)info.size - 4096;
	CHECK(fails_with(gralloc_egl_image_create_dmabuf(f->egl, &d, NULL), EINVAL,
			 "past the end"));
	d = good;
	d.height = 100000;
	CHECK(fails_with(gralloc_egl_image_create_dmabuf(f->egl, &d, NULL), EINVAL,
			 "past the end"));
	d = good;
	d.format = DRM_FORMAT_NV12; /* two planes expected, one given */
	CHECK(fails_with(gralloc_egl_image_create_dmabuf(f->egl, &d, NULL), EINVAL, "planes"));
	bad_format = unsupported_format(f->egl);
	CHECK(bad_format);
	d = good;
	d.format = bad_format;
	CHECK(fails_with(gralloc_egl_image_create_dmabuf(f->egl, &d, NULL), ENOTSUP,
			 "does not import"));
	d = good;
	d.format = fourcc_code('Z', 'Z', 'Z', 'Z');
	CHECK(fails_with(gralloc_egl_image_create_dmabuf(f->egl, &d, NULL), EINVAL,
			 "not a format"));
	d = good;
	d.fds[0] = 1000; /* not open */
	CHECK(fails_with(gralloc_egl_image_create_dmabuf(f->egl, &d, NULL), EBADF, "fd"));
	CHECK(fd_is(fd, &st));

	/* EGL itself refuses a zero pitch: nothing made, our fd untouched. */
	const EGLint attribs[] = {
		EGL_WIDTH, 128, EGL_HEIGHT, 64, EGL_LINUX_DRM_FOURCC_EXT, DRM_FORMAT_XRGB8888,
		EGL_DMA_BUF_PLANE0_FD_EXT, fd, EGL_DMA_BUF_PLANE0_OFFSET_EXT, 0,
		EGL_DMA_BUF_PLANE0_PITCH_EXT, 0, EGL_NONE,
	};
	PFNEGLCREATEIMAGEKHRPROC create =
		(PFNEGLCREATEIMAGEKHRPROC)eglGetProcAddress("eglCreateImageKHR");
	raw = create(f->g.dpy, EGL_NO_CONTEXT, EGL_LINUX_DMA_BUF_EXT, NULL, attribs);
	printf("#   raw eglCreateImageKHR with pitch 0: %s, error 0x%x\n",
	       raw == EGL_NO_IMAGE_KHR ? "EGL_NO_IMAGE_KHR" : "an image", eglGetError());
	CHECK(raw == EGL_NO_IMAGE_KHR);
	CHECK(fd_is(fd, &st));
	gralloc_buffer_free(f->dev, b);
}

/* Heap memory on kms_swrast: refused up front, with our fd untouched. */
static void foreign_refused(struct egl_fixture *f)
{
	struct gralloc_buffer_desc d = {
		.width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .layer_count = 1,
		.usage = GRALLOC_USAGE_CPU_WRITE_OFTEN | GRALLOC_USAGE_GPU_TEXTURE, .name = "egl-foreign",
	};
	struct gralloc_buffer *b;
	struct gralloc_buffer_info info;
	struct stat st;

	if (!use(f))
		return;
	b = gralloc_buffer_allocate(f->dev, &d);
	CHECK(b);
	gralloc_buffer_describe(b, &info);
	printf("#   plain allocation: %s%s%s\n", info.backend, info.heap[0] ? " heap " : "",
	       info.heap);
	if (!info.is_dma_buf || !strcmp(info.backend, "drm-dumb")) {
		gralloc_buffer_free(f->dev, b);
		CHECK(!"no foreign dma-buf memory to try (expected the system heap)");
	}
	fstat(info.fds[0], &st);
	/* vkms imports it and MAP_DUMB refuses it; virtio-gpu refuses the
	 * import itself. */
	CHECK(fails_with(gralloc_egl_image_create(f->egl, b, NULL), ENOTSUP, "kms_swrast"));
	CHECK(fd_is(info.fds[0], &st));
	gralloc_buffer_free(f->dev, b);
}

/* What the refusal prevents, in a child of its own: kms_swrast accepts an
 * EGLImage over heap memory on a device that PRIME-imports it (vkms) and
 * then dies using it; where the kernel refuses the import (virtio-gpu)
 * EGL refuses the image. Either way the driver cannot use it. */
static int crash_child(const char *path)
{
	struct gralloc_buffer_desc d = {
		.width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .layer_count = 1,
		.usage = GRALLOC_USAGE_CPU_WRITE_OFTEN, .name = "egl-crash",
	};
	struct gralloc_device *dev = gralloc_device_create(NULL);
	struct gralloc_buffer *b = dev ? gralloc_buffer_allocate(dev, &d) : NULL;
	struct gralloc_buffer_info info;
	struct gbm_egl g;
	PFNEGLCREATEIMAGEKHRPROC create;
	PFNGLEGLIMAGETARGETTEXTURE2DOESPROC target;
	EGLImageKHR img;
	GLuint tex, fbo;
	uint8_t px[4];

	alarm(60);
	if (!b || gbm_egl_init(&g, path))
		return 3;
	gralloc_buffer_describe(b, &info);
	if (!info.is_dma_buf || !strcmp(info.backend, "drm-dumb"))
		return 4;
	const EGLint attribs[] = {
		EGL_WIDTH, 64, EGL_HEIGHT, 64, EGL_LINUX_DRM_FOURCC_EXT, DRM_FORMAT_XRGB8888,
		EGL_DMA_BUF_PLANE0_FD_EXT, info.fds[0], EGL_DMA_BUF_PLANE0_OFFSET_EXT, 0,
		EGL_DMA_BUF_PLANE0_PITCH_EXT, (EGLint)info.planes[0].stride, EGL_NONE,
	};
	create = (PFNEGLCREATEIMAGEKHRPROC)eglGetProcAddress("eglCreateImageKHR");
	target = (PFNGLEGLIMAGETARGETTEXTURE2DOESPROC)eglGetProcAddress(
		"glEGLImageTargetTexture2DOES");
	img = create(g.dpy, EGL_NO_CONTEXT, EGL_LINUX_DMA_BUF_EXT, NULL, attribs);
	if (img == EGL_NO_IMAGE_KHR)
		return 5; /* refused cleanly: not the documented behaviour */
	fprintf(stderr, "crash child: EGLImage over %s memory created; using it\n",
		info.backend);
	glGenTextures(1, &tex);
	glBindTexture(GL_TEXTURE_2D, tex);
	target(GL_TEXTURE_2D, (GLeglImageOES)img);
	glGenFramebuffers(1, &fbo);
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
	glClearColor(1, 0, 0, 1);
	glClear(GL_COLOR_BUFFER_BIT);
	glReadPixels(0, 0, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, px);
	glFinish();
	return 0; /* survived */
}

static void foreign_crashes_driver(struct egl_fixture *f)
{
	int status = 0;
	pid_t pid;

	if (!use(f))
		return;
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* A fresh process image: no Mesa threads or locks from ours.
		 * In a sanitizer build the child must die of the signal
		 * itself, not of ASan's report, and Mesa's leaks at that
		 * death are not the question. */
		setenv("ASAN_OPTIONS", "handle_segv=0:handle_sigbus=0:detect_leaks=0:"
				       "verify_asan_link_order=0", 1);
		execl(self_exe, self_exe, "--crash-child", f->path, (char *)NULL);
		_exit(127);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		printf("#   child using heap memory on %s died of %s\n",
		       gralloc_egl_driver_name(f->egl), strsignal(WTERMSIG(status)));
	else
		printf("#   child exited with %d%s\n", WEXITSTATUS(status),
		       WEXITSTATUS(status) == 5 ? ": EGL refused the image" : "");
	CHECK((WIFSIGNALED(status) &&
	       (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS)) ||
	      (WIFEXITED(status) && WEXITSTATUS(status) == 5));
}

/* --- leaks ---------------------------------------------------------------- */

/* Live dma-bufs in the whole system, from debugfs (mounted here when in
 * the guest): a GEM handle Mesa kept would keep its dma-buf alive. */
static long count_dmabufs(void)
{
	FILE *f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "r");
	char line[256];
	long n = -1;

	if (!f && in_guest() && mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) == 0)
		f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		/* Not "Total N devices attached", which each buffer has. */
		if (strstr(line, " objects,") && sscanf(line, "Total %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

static void cycles(struct egl_fixture *f)
{
	struct gralloc_buffer *b;
	int fds_before, fds_after;
	long bufs_before, bufs_after;
	bool ok = true;

	if (!use(f))
		return;
	b = alloc_for_egl(f, 64, 64, DRM_FORMAT_XRGB8888, GRALLOC_USAGE_GPU_TEXTURE);
	CHECK(b);
	fds_before = test_count_fds();
	bufs_before = count_dmabufs();
	for (int i = 0; i < 1000 && ok; i++) {
		struct gralloc_egl_image *img = gralloc_egl_image_create(f->egl, b, NULL);
		GLuint tex = 0;

		ok = img && !gralloc_egl_image_texture(img, &tex, NULL);
		glDeleteTextures(1, &tex);
		gralloc_egl_image_destroy(img);
	}
	/* Fresh memory each time: a GEM handle Mesa kept would keep its
	 * dma-buf alive, which the count below would show. */
	for (int i = 0; i < 200 && ok; i++) {
		struct gralloc_buffer *t = alloc_for_egl(f, 32, 32, DRM_FORMAT_XRGB8888,
							 GRALLOC_USAGE_GPU_TEXTURE);
		struct gralloc_egl_image *img = t ? gralloc_egl_image_create(f->egl, t, NULL) : NULL;
		GLuint tex = 0;

		ok = img && !gralloc_egl_image_texture(img, &tex, NULL);
		glDeleteTextures(1, &tex);
		glFinish();
		gralloc_buffer_free(f->dev, t); /* destroys the image too */
	}
	glFinish();
	fds_after = test_count_fds();
	bufs_after = count_dmabufs();
	gralloc_buffer_free(f->dev, b);
	if (!ok)
		printf("#   cycle failed: %s\n", gralloc_last_error());
	printf("#   fds %d -> %d, system dma-bufs %ld -> %ld%s\n", fds_before, fds_after,
	       bufs_before, bufs_after,
	       bufs_before < 0 ? " (no debugfs: not checked)" : "");
	CHECK(ok);
	CHECK_EQ(fds_after, fds_before);
	CHECK_EQ(bufs_after, bufs_before);
}

#define PER_DEVICE(name, fn)                                   \
	TEST(name##_vkms) { fn(&fixtures[VKMS]); }             \
	TEST(name##_virtio_gpu) { fn(&fixtures[VIRTIO_GPU]); }

PER_DEVICE(probe, probe)
PER_DEVICE(allocation_lands_on_device_memory, placement)
PER_DEVICE(cpu_pattern_sampled_by_gl, cpu_to_gl)
PER_DEVICE(gl_pattern_read_by_cpu, gl_to_cpu)
PER_DEVICE(nv12_sampled_bt601_limited, nv12)
PER_DEVICE(egl_never_owns_our_fds, fds_stay_ours)
PER_DEVICE(images_die_with_buffer_or_egl, image_lifetimes)
PER_DEVICE(invalid_layouts_fail_cleanly, invalid_layouts)
PER_DEVICE(foreign_memory_refused, foreign_refused)
PER_DEVICE(foreign_memory_crashes_kms_swrast, foreign_crashes_driver)
PER_DEVICE(create_destroy_1000_cycles, cycles)

int main(int argc, char **argv)
{
	static const char *const drivers[NUM_FIXTURES] = { "vkms", "virtio_gpu" };
	int ret;

	if (argc == 3 && !strcmp(argv[1], "--crash-child"))
		return crash_child(argv[2]);
	self_exe = "/proc/self/exe";
	if (!in_guest() && access("/dev/dri", F_OK) != 0) {
		printf("1..0 # SKIP no /dev/dri here: EGL tests run in the guest rig "
		       "(python3 tests/vm/vm.py)\n");
		return 77;
	}
	for (int i = 0; i < NUM_FIXTURES; i++)
		egl_fixture_init(&fixtures[i], drivers[i]);
	ret = test_run_all();
	for (int i = 0; i < NUM_FIXTURES; i++)
		egl_fixture_finish(&fixtures[i]);
	return ret;
}
