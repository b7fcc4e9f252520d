/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include <drm_fourcc.h>

#include "egl-fixture.h"
#include "kms-util.h"

static const char copy_vs[] =
	"attribute vec2 pos;\n"
	"varying vec2 uv;\n"
	"void main() { uv = pos * 0.5 + 0.5; gl_Position = vec4(pos, 0.0, 1.0); }\n";
static const char copy_fs[] =
	"precision mediump float;\n"
	"uniform sampler2D tex;\n"
	"varying vec2 uv;\n"
	"void main() { gl_FragColor = texture2D(tex, uv); }\n";

/* Backends open their devices on first use; do that use now, so that the
 * tests' fd-leak checks see only what each test itself leaves open. */
static void warm_up(struct egl_fixture *f)
{
	struct gralloc_buffer_desc d = {
		.width = 16, .height = 16, .format = DRM_FORMAT_XRGB8888, .layer_count = 1,
		.usage = GRALLOC_USAGE_GPU_TEXTURE | GRALLOC_USAGE_CPU_WRITE_OFTEN, .name = "egl-warm-up",
	};

	gralloc_buffer_free(f->dev, gralloc_buffer_allocate_for(f->dev, &d, &f->consumer, 1));
	gralloc_buffer_free(f->dev, gralloc_buffer_allocate(f->dev, &d));
}

int egl_fixture_init(struct egl_fixture *f, const char *driver)
{
	struct gralloc_device_options o = { 0 };

	memset(f, 0, sizeof(*f));
	f->driver = driver;
	f->g.fd = -1;
	if (drm_find_card(driver, f->path, sizeof(f->path))) {
		snprintf(f->error, sizeof(f->error), "no %s DRM device", driver);
		return -1;
	}
	if (gbm_egl_init(&f->g, f->path)) {
		snprintf(f->error, sizeof(f->error), "no EGL on GBM for %s (%s)", f->path, driver);
		return -1;
	}
	o.display_path = f->path;
	f->dev = gralloc_device_create(&o);
	f->egl = gralloc_egl_create(f->g.dpy, f->path);
	f->consumer = f->egl ? gralloc_egl_create_consumer(f->egl) : NULL;
	if (!f->dev || !f->egl || !f->consumer) {
		snprintf(f->error, sizeof(f->error), "setup on %s: %s", f->path,
			 gralloc_last_error());
		return -1;
	}
	f->copy_prog = gles_program(copy_vs, copy_fs, "pos");
	if (!f->copy_prog) {
		snprintf(f->error, sizeof(f->error), "cannot build the copy shader");
		return -1;
	}
	warm_up(f);
	f->ready = true;
	return 0;
}

void egl_fixture_finish(struct egl_fixture *f)
{
	if (f->g.dpy != EGL_NO_DISPLAY)
		eglMakeCurrent(f->g.dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, f->g.ctx);
	if (f->copy_prog)
		glDeleteProgram(f->copy_prog);
	gralloc_consumer_destroy(f->consumer);
	gralloc_egl_destroy(f->egl);
	gralloc_device_destroy(f->dev);
	if (f->g.fd >= 0)
		gbm_egl_finish(&f->g);
}

void egl_draw_quad(GLuint prog, GLuint texture, GLenum target)
{
	static const GLfloat quad[] = { -1, -1, 1, -1, -1, 1, 1, 1 };

	glUseProgram(prog);
	glActiveTexture(GL_TEXTURE0);
	glBindTexture(target, texture);
	glUniform1i(glGetUniformLocation(prog, "tex"), 0);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, quad);
	glEnableVertexAttribArray(0);
	glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
	glDisableVertexAttribArray(0);
	glBindTexture(target, 0);
	glUseProgram(0);
}
