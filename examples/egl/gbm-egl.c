/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "gbm-egl.h" /* egl.h before eglext.h */

#include <EGL/eglext.h>

static bool has_ext(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p && (p = strstr(p, name)); p += len)
		if ((p == list || p[-1] == ' ') && (p[len] == ' ' || !p[len]))
			return true;
	return false;
}

int gbm_egl_init(struct gbm_egl *g, const char *card_path)
{
	static const EGLint ctx_attribs[] = { EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE };
	PFNEGLGETPLATFORMDISPLAYEXTPROC get_display;
	const char *exts;
	EGLConfig config = NULL;
	EGLint major, minor;

	memset(g, 0, sizeof(*g));
	g->dpy = EGL_NO_DISPLAY;
	g->ctx = EGL_NO_CONTEXT;
	g->fd = open(card_path, O_RDWR | O_CLOEXEC);
	if (g->fd < 0) {
		int err = errno;

		fprintf(stderr, "%s: %s\n", card_path, strerror(err));
		return -err;
	}
	/* Rendering needs no master; a modesetting program may want it. */
	if (drmIsMaster(g->fd))
		drmDropMaster(g->fd);
	g->gbm = gbm_create_device(g->fd);
	if (!g->gbm) {
		fprintf(stderr, "%s: gbm_create_device failed\n", card_path);
		goto fail;
	}
	get_display = (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
	if (!get_display) {
		fprintf(stderr, "EGL offers no eglGetPlatformDisplayEXT\n");
		goto fail;
	}
	g->dpy = get_display(EGL_PLATFORM_GBM_KHR, g->gbm, NULL);
	if (g->dpy == EGL_NO_DISPLAY || !eglInitialize(g->dpy, &major, &minor)) {
		fprintf(stderr, "%s: no EGL driver on GBM (0x%x)\n", card_path, eglGetError());
		g->dpy = EGL_NO_DISPLAY;
		goto fail;
	}
	exts = eglQueryString(g->dpy, EGL_EXTENSIONS);
	if (!has_ext(exts, "EGL_KHR_surfaceless_context")) {
		fprintf(stderr, "%s: EGL has no EGL_KHR_surfaceless_context\n", card_path);
		goto fail;
	}
	if (!has_ext(exts, "EGL_KHR_no_config_context")) {
		static const EGLint want[] = { EGL_RENDERABLE_TYPE, EGL_OPENGL_ES2_BIT, EGL_NONE };
		EGLint n = 0;

		if (!eglChooseConfig(g->dpy, want, &config, 1, &n) || n < 1) {
			fprintf(stderr, "%s: no GLES2 EGL config\n", card_path);
			goto fail;
		}
	}
	eglBindAPI(EGL_OPENGL_ES_API);
	g->ctx = eglCreateContext(g->dpy, config, EGL_NO_CONTEXT, ctx_attribs);
	if (g->ctx == EGL_NO_CONTEXT ||
	    !eglMakeCurrent(g->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, g->ctx)) {
		fprintf(stderr, "%s: cannot make a GLES2 context current (0x%x)\n", card_path,
			eglGetError());
		goto fail;
	}
	return 0;
fail:
	gbm_egl_finish(g);
	return -ENODEV;
}

void gbm_egl_finish(struct gbm_egl *g)
{
	if (g->dpy != EGL_NO_DISPLAY) {
		eglMakeCurrent(g->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
		if (g->ctx != EGL_NO_CONTEXT)
			eglDestroyContext(g->dpy, g->ctx);
		eglTerminate(g->dpy);
	}
	if (g->gbm)
		gbm_device_destroy(g->gbm);
	if (g->fd >= 0)
		close(g->fd);
	memset(g, 0, sizeof(*g));
	g->fd = -1;
	g->dpy = EGL_NO_DISPLAY;
	g->ctx = EGL_NO_CONTEXT;
}

static GLuint shader(GLenum type, const char *src)
{
	GLuint s = glCreateShader(type);
	GLint ok = 0;

	glShaderSource(s, 1, &src, NULL);
	glCompileShader(s);
	glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
	if (!ok) {
		char log[1024] = "";

		glGetShaderInfoLog(s, sizeof(log), NULL, log);
		fprintf(stderr, "shader: %s\n", log);
		glDeleteShader(s);
		return 0;
	}
	return s;
}

GLuint gles_program(const char *vs, const char *fs, const char *attrib0)
{
	GLuint v = shader(GL_VERTEX_SHADER, vs), f = shader(GL_FRAGMENT_SHADER, fs), p = 0;
	GLint ok = 0;

	if (v && f) {
		p = glCreateProgram();
		glAttachShader(p, v);
		glAttachShader(p, f);
		glBindAttribLocation(p, 0, attrib0);
		glLinkProgram(p);
		glGetProgramiv(p, GL_LINK_STATUS, &ok);
		if (!ok) {
			char log[1024] = "";

			glGetProgramInfoLog(p, sizeof(log), NULL, log);
			fprintf(stderr, "program: %s\n", log);
			glDeleteProgram(p);
			p = 0;
		}
	}
	glDeleteShader(v);
	glDeleteShader(f);
	return p;
}
