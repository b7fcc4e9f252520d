/* SPDX-License-Identifier: MIT */
/* One EGL-on-GBM display per guest DRM device, set up once before the
 * tests run (so the per-test fd-leak check sees only what a test does). */
#ifndef GRALLOC_TEST_EGL_FIXTURE_H
#define GRALLOC_TEST_EGL_FIXTURE_H

#include <gralloc/consumer.h>
#include <gralloc/egl.h>
#include <gralloc/gralloc.h>

#include "gbm-egl.h"

struct egl_fixture {
	const char *driver;
	char path[64];
	bool ready;
	char error[256]; /* why it is not ready */
	struct gbm_egl g;
	struct gralloc_device *dev;
	struct gralloc_egl *egl;
	struct gralloc_consumer *consumer;
	GLuint copy_prog; /* samples a GL_TEXTURE_2D over the whole target */
};

int egl_fixture_init(struct egl_fixture *f, const char *driver);
void egl_fixture_finish(struct egl_fixture *f);
/* Draws a full-screen quad with `prog` (attribute 0 = position) into the
 * framebuffer bound now. */
void egl_draw_quad(GLuint prog, GLuint texture, GLenum target);

#endif
