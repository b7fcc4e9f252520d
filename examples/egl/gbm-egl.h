/* SPDX-License-Identifier: MIT */
/* EGL on the GBM platform with a surfaceless GLES2 context: what the
 * demo and the tests render with. Everything goes to gralloc buffers
 * through FBOs, so no window surface is ever made. */
#ifndef GRALLOC_EXAMPLE_GBM_EGL_H
#define GRALLOC_EXAMPLE_GBM_EGL_H

#include <stdbool.h>

#include <EGL/egl.h>
#include <GLES2/gl2.h>
#include <gbm.h>

struct gbm_egl {
	int fd; /* owned: a description of its own, see gbm_egl_init() */
	struct gbm_device *gbm;
	EGLDisplay dpy;
	EGLContext ctx;
};

/* Opens `card_path` again for GBM (Mesa then never shares GEM handles
 * with anybody else's description of the device), initialises EGL on it
 * and makes a GLES2 context current without a surface. Returns 0 or
 * -errno with the reason on stderr; on failure nothing stays open. */
int gbm_egl_init(struct gbm_egl *g, const char *card_path);
void gbm_egl_finish(struct gbm_egl *g);

/* Compiles and links a program; 0 with the log on stderr on failure.
 * Attribute 0 is bound to `attrib0`. */
GLuint gles_program(const char *vs, const char *fs, const char *attrib0);

#endif
