/* SPDX-License-Identifier: MIT */
/* GL renders straight into scanout memory: gralloc allocates for both the
 * EGL display and the display's plane, GL draws a cube into an FBO over
 * the buffer's EGLImage, and atomic page flips show the same memory.
 * Nothing is copied between GL and the display. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <gralloc/consumer.h>
#include <gralloc/egl.h>
#include <gralloc/gralloc.h>
#include <gralloc/kms.h>

#include "cube.h"
#include "gbm-egl.h"
#include "demo-common.h"
#include "modeset.h"

#define NUM_BUFFERS 2

struct frame_buffer {
	struct gralloc_buffer *buf;
	struct gralloc_egl_image *image;
	uint32_t fb_id;
	GLuint fbo, color, depth;
	GLenum color_type;
};

static int make_target(struct gralloc_egl *egl, struct frame_buffer *fb, uint32_t w, uint32_t h)
{
	fb->image = gralloc_egl_image_create(egl, fb->buf, NULL);
	if (!fb->image || gralloc_egl_image_framebuffer(fb->image, &fb->fbo, &fb->color,
							&fb->color_type))
		return -1;
	glGenRenderbuffers(1, &fb->depth);
	glBindRenderbuffer(GL_RENDERBUFFER, fb->depth);
	glRenderbufferStorage(GL_RENDERBUFFER, GL_DEPTH_COMPONENT16, (GLsizei)w, (GLsizei)h);
	glBindRenderbuffer(GL_RENDERBUFFER, 0);
	glBindFramebuffer(GL_FRAMEBUFFER, fb->fbo);
	glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER, fb->depth);
	if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
		fprintf(stderr, "egl-demo: framebuffer with depth is incomplete\n");
		return -1;
	}
	glBindFramebuffer(GL_FRAMEBUFFER, 0);
	return 0;
}

static void release_target(struct frame_buffer *fb)
{
	if (fb->fbo)
		glDeleteFramebuffers(1, &fb->fbo);
	if (fb->depth)
		glDeleteRenderbuffers(1, &fb->depth);
	if (fb->color)
		fb->color_type == GL_RENDERBUFFER ? glDeleteRenderbuffers(1, &fb->color)
						  : glDeleteTextures(1, &fb->color);
	gralloc_egl_image_destroy(fb->image);
	fb->image = NULL;
}

static int run(const struct demo_options *o, const char *path)
{
	struct gralloc_device_options dopts = { .display_path = path };
	struct frame_buffer fbs[NUM_BUFFERS] = { 0 };
	struct gralloc_consumer *consumers[2] = { 0 };
	struct gralloc_device *dev = NULL;
	struct gralloc_egl *egl = NULL;
	struct gralloc_kms *kms;
	struct gralloc_buffer_info info;
	struct gbm_egl g = { .fd = -1 };
	struct cube cube = { 0 };
	struct modeset m = { 0 };
	uint32_t w, h, shown = 0;
	size_t num_consumers = 0;
	double t0, t1;
	int ret;

	/* GBM gets a description of its own after ours. */
	kms = demo_open_display("egl-demo", path, &m);
	if (!kms)
		return 1;
	w = m.mode.hdisplay;
	h = m.mode.vdisplay;
	ret = gbm_egl_init(&g, path);
	if (ret)
		goto out;
	dev = gralloc_device_create(&dopts);
	egl = gralloc_egl_create(g.dpy, path);
	if (!dev || !egl || cube_init(&cube)) {
		ret = -ENODEV;
		fprintf(stderr, "egl-demo: %s\n", gralloc_last_error());
		goto out;
	}
	printf("display: %s (%s), mode %ux%u@%u, EGL driver %s, GL renderer %s\n", path,
	       gralloc_kms_driver_name(kms), w, h, m.mode.vrefresh, gralloc_egl_driver_name(egl),
	       (const char *)glGetString(GL_RENDERER));

	consumers[num_consumers++] = gralloc_egl_create_consumer(egl);
	consumers[num_consumers++] = gralloc_consumer_create_kms_plane(kms, m.plane_id, dev);
	for (size_t i = 0; i < num_consumers; i++) {
		if (!consumers[i]) {
			ret = -errno;
			fprintf(stderr, "egl-demo: consumer: %s\n", gralloc_last_error());
			goto out;
		}
	}
	const struct gralloc_buffer_desc desc = {
		.width = w, .height = h, .format = DRM_FORMAT_XRGB8888,
		.usage = GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_GPU_RENDER_TARGET |
			 GRALLOC_USAGE_CPU_READ_RARELY,
		.name = "egl-demo",
	};
	demo_print_explanation(dev, &desc, consumers, num_consumers);
	for (int i = 0; i < NUM_BUFFERS; i++) {
		fbs[i].buf = gralloc_buffer_allocate_for(dev, &desc, consumers, num_consumers);
		if (!fbs[i].buf) {
			ret = -errno;
			fprintf(stderr, "egl-demo: allocate: %s\n", gralloc_last_error());
			goto out;
		}
		ret = gralloc_kms_add_framebuffer(kms, fbs[i].buf, &fbs[i].fb_id);
		if (!ret && make_target(egl, &fbs[i], w, h))
			ret = -EIO;
		if (ret) {
			fprintf(stderr, "egl-demo: buffer %d: %s\n", i, gralloc_last_error());
			goto out;
		}
	}
	gralloc_buffer_describe(fbs[0].buf, &info);
	printf("buffers: %s%s%s, stride %u, %llu bytes, fb %u/%u, GL %s, zero copy\n",
	       info.backend, info.heap[0] ? " heap " : "", info.heap, info.planes[0].stride,
	       (unsigned long long)info.size, fbs[0].fb_id, fbs[1].fb_id,
	       fbs[0].color_type == GL_RENDERBUFFER ? "renderbuffer" : "texture");

	t0 = demo_now_ms();
	for (uint32_t frame = 0; frame < o->frames; frame++) {
		uint32_t back = frame % NUM_BUFFERS;

		glBindFramebuffer(GL_FRAMEBUFFER, fbs[back].fbo);
		cube_draw(&cube, frame, w, h);
		/* The display reads the memory as soon as it flips: GL must
		 * be done with it (no fences on kms_swrast). */
		glFinish();
		ret = demo_show("egl-demo", &m, fbs[back].fb_id, frame);
		if (ret)
			goto out;
		shown = back;
	}
	glBindFramebuffer(GL_FRAMEBUFFER, 0);
	t1 = demo_now_ms();
	if (o->frames)
		printf("frames: %u, %.2f ms per frame\n", o->frames, (t1 - t0) / o->frames);
	ret = demo_write_output("egl-demo", o, fbs[shown].buf);
out:
	modeset_finish(&m);
	for (int i = 0; i < NUM_BUFFERS; i++)
		release_target(&fbs[i]);
	cube_finish(&cube);
	for (size_t i = 0; i < num_consumers; i++)
		gralloc_consumer_destroy(consumers[i]);
	gralloc_egl_destroy(egl);
	/* Framebuffers go with the kms object, then the memory. */
	gralloc_kms_destroy(kms);
	gralloc_device_destroy(dev);
	if (g.fd >= 0)
		gbm_egl_finish(&g);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct demo_options o;
	int ret = demo_parse_options("egl-demo",
				     "usage: egl-demo [--device /dev/dri/cardN | --driver vkms|virtio_gpu]\n"
				     "                [--frames N] [--output frame.png]\n",
				     false, argc, argv, &o);

	return ret >= 0 ? ret : run(&o, o.path);
}
