/* SPDX-License-Identifier: MIT */
/* A GL Wayland client: GLES2 on the compositor's own DRM device (EGL on
 * GBM) renders into gralloc buffers through EGLImages (dma-buf import),
 * which then go to the compositor as wl_buffers: no copy on either side.
 * The buffers serve two consumers, the compositor and our EGL display;
 * where that display cannot use foreign memory (kms_swrast), the
 * allocator picks the device's own. --check compares the screen with
 * what GL drew. */
#include <stdio.h>
#include <string.h>

#include <drm_fourcc.h>
#include <gralloc/egl.h>

#include "gbm-egl.h"
#include "wl-app.h"

#define MAX_TARGETS 8

struct target {
	struct gralloc_buffer *buf; /* borrowed: identifies the cache entry */
	struct gralloc_egl_image *img;
	GLuint fbo, attachment;
	GLenum attachment_type;
};

struct frame_ctx {
	uint32_t frame, width, height;
};

/* Background turning with the frame, a white square moving across: exact
 * byte values, so the check can be exact. */
static uint32_t background(uint32_t frame)
{
	uint32_t r = (frame * 7) & 0xff, g = 0x40 + ((frame * 3) & 0x3f), b = 0xc0 - (frame & 0x3f);

	return (r << 16) | (g << 8) | b;
}

static void square(const struct frame_ctx *c, uint32_t *x, uint32_t *y, uint32_t *size)
{
	*size = c->height / 4;
	*x = (c->frame * 16) % (c->width - *size);
	*y = c->height / 2 - *size / 2;
}

static uint32_t expect(uint32_t x, uint32_t y, void *data)
{
	struct frame_ctx *c = data;
	uint32_t sx, sy, size;

	square(c, &sx, &sy, &size);
	/* GL's origin is bottom-left; the buffer's first row is the top. */
	if (x >= sx && x < sx + size && y >= sy && y < sy + size)
		return 0xffffff;
	return background(c->frame);
}

static struct target *target_for(struct target *t, size_t *n, struct gralloc_egl *egl,
				 struct gralloc_buffer *buf)
{
	for (size_t i = 0; i < *n; i++)
		if (t[i].buf == buf)
			return &t[i];
	if (*n == MAX_TARGETS)
		return NULL;
	t[*n].buf = buf;
	t[*n].img = gralloc_egl_image_create(egl, buf, NULL);
	if (!t[*n].img) {
		fprintf(stderr, "EGL image: %s\n", gralloc_last_error());
		return NULL;
	}
	if (gralloc_egl_image_framebuffer(t[*n].img, &t[*n].fbo, &t[*n].attachment,
					  &t[*n].attachment_type)) {
		fprintf(stderr, "framebuffer: %s\n", gralloc_last_error());
		gralloc_egl_image_destroy(t[*n].img);
		return NULL;
	}
	return &t[(*n)++];
}

int main(int argc, char **argv)
{
	struct app a;
	struct gbm_egl g = { .fd = -1 };
	struct gralloc_egl *egl = NULL;
	struct gralloc_consumer *egl_consumer = NULL;
	struct target targets[MAX_TARGETS];
	struct frame_ctx ctx = { 0 };
	size_t ntargets = 0;
	const char *card;
	int ret;

	ret = app_connect(&a, argc, argv, "gralloc-weston-gl", NULL);
	if (ret)
		goto out;
	card = gralloc_wl_device_path(a.gwl);
	if (!card[0]) {
		fprintf(stderr, "the GL client renders on the compositor's device, and none is known "
			"(%s)\n", gralloc_wl_device_reason(a.gwl));
		ret = -1;
		goto out;
	}
	ret = gbm_egl_init(&g, card);
	if (ret)
		goto out;
	egl = gralloc_egl_create(g.dpy, card);
	egl_consumer = egl ? gralloc_egl_create_consumer(egl) : NULL;
	if (!egl_consumer) {
		fprintf(stderr, "EGL: %s\n", gralloc_last_error());
		ret = -1;
		goto out;
	}
	printf("# EGL: %s\n", gralloc_consumer_name(egl_consumer));
	ret = app_window(&a, "gralloc-weston-gl", DRM_FORMAT_XRGB8888,
			 GRALLOC_USAGE_GPU_RENDER_TARGET, &egl_consumer, 1);
	if (ret)
		goto out;
	ctx.width = a.width;
	ctx.height = a.height;
	for (ctx.frame = 0; ctx.frame < a.opt.frames; ctx.frame++) {
		struct gralloc_wl_buffer *b;
		struct target *t;
		uint32_t bg = background(ctx.frame), sx, sy, size;

		ret = app_begin(&a, &b);
		if (ret)
			goto out;
		t = target_for(targets, &ntargets, egl, gralloc_wl_buffer_get(b));
		if (!t) {
			ret = -1;
			goto out;
		}
		if (ctx.frame == 0) {
			struct gralloc_buffer_info info;

			gralloc_buffer_describe(gralloc_wl_buffer_get(b), &info);
			printf("# first buffer: %s memory, modifier %s\n", info.backend,
			       gralloc_wl_buffer_modifier(b) == DRM_FORMAT_MOD_LINEAR ? "LINEAR" :
										       "implicit");
		}
		glBindFramebuffer(GL_FRAMEBUFFER, t->fbo);
		glViewport(0, 0, (GLsizei)a.width, (GLsizei)a.height);
		glDisable(GL_SCISSOR_TEST);
		glClearColor((float)((bg >> 16) & 0xff) / 255.f, (float)((bg >> 8) & 0xff) / 255.f,
			     (float)(bg & 0xff) / 255.f, 1.f);
		glClear(GL_COLOR_BUFFER_BIT);
		square(&ctx, &sx, &sy, &size);
		/* An FBO over an EGLImage keeps the image's row order: row 0
		 * of the buffer is GL's y = 0. */
		glEnable(GL_SCISSOR_TEST);
		glScissor((GLint)sx, (GLint)sy, (GLsizei)size, (GLsizei)size);
		glClearColor(1.f, 1.f, 1.f, 1.f);
		glClear(GL_COLOR_BUFFER_BIT);
		glDisable(GL_SCISSOR_TEST);
		/* No fences here: the compositor must see finished pixels. */
		glFinish();
		glBindFramebuffer(GL_FRAMEBUFFER, 0);
		ret = app_end(&a, b);
		if (ret)
			goto out;
	}
	ctx.frame = a.opt.frames ? a.opt.frames - 1 : 0;
	ret = app_report(&a, expect, &ctx, 0);
out:
	for (size_t i = 0; i < ntargets; i++) {
		glDeleteFramebuffers(1, &targets[i].fbo);
		if (targets[i].attachment_type == GL_RENDERBUFFER)
			glDeleteRenderbuffers(1, &targets[i].attachment);
		else
			glDeleteTextures(1, &targets[i].attachment);
		gralloc_egl_image_destroy(targets[i].img);
	}
	/* Buffers (and the images tied to them) go before EGL does. */
	gralloc_wl_swapchain_destroy(a.sc);
	a.sc = NULL;
	gralloc_egl_destroy(egl);
	gralloc_consumer_destroy(egl_consumer);
	if (g.dpy)
		gbm_egl_finish(&g);
	app_finish(&a);
	return ret ? 1 : 0;
}
