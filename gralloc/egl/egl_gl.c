/* SPDX-License-Identifier: MIT */
/* EGLImages as GLES textures and render targets in the current context. */
#include <stdio.h>

#include "egl_private.h"

static const char *gl_error_name(GLenum err)
{
	switch (err) {
	case GL_INVALID_ENUM: return "GL_INVALID_ENUM";
	case GL_INVALID_VALUE: return "GL_INVALID_VALUE";
	case GL_INVALID_OPERATION: return "GL_INVALID_OPERATION";
	case GL_OUT_OF_MEMORY: return "GL_OUT_OF_MEMORY";
	case GL_INVALID_FRAMEBUFFER_OPERATION: return "GL_INVALID_FRAMEBUFFER_OPERATION";
	default: return "GL error";
	}
}

/* Errors from before us are not ours to report. */
static void clear_gl_errors(void)
{
	for (int i = 0; i < 16 && glGetError() != GL_NO_ERROR; i++)
		;
}

static bool have_context(const struct gralloc_egl *egl)
{
	if (eglGetCurrentContext() == EGL_NO_CONTEXT || eglGetCurrentDisplay() != egl->dpy) {
		gralloc_log(ERROR, "no GLES context of the image's EGL display is current");
		return false;
	}
	return true;
}

static GLenum texture_binding(GLenum target)
{
	return target == GL_TEXTURE_EXTERNAL_OES ? GL_TEXTURE_BINDING_EXTERNAL_OES
						 : GL_TEXTURE_BINDING_2D;
}

/* Binds a new texture on `target` to the image; 0 or the GL error. */
static GLenum image_texture(struct gralloc_egl_image *img, GLenum target, GLuint *out)
{
	GLint old = 0;
	GLuint tex = 0;
	GLenum err;

	glGetIntegerv(texture_binding(target), &old);
	glGenTextures(1, &tex);
	glBindTexture(target, tex);
	glTexParameteri(target, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
	glTexParameteri(target, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
	glTexParameteri(target, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
	glTexParameteri(target, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
	img->egl->target_texture(target, (GLeglImageOES)img->image);
	err = glGetError();
	glBindTexture(target, (GLuint)old);
	if (err) {
		glDeleteTextures(1, &tex);
		return err;
	}
	*out = tex;
	return GL_NO_ERROR;
}

GRALLOC_EXPORT int gralloc_egl_image_texture(struct gralloc_egl_image *img, GLuint *texture,
					     GLenum *target)
{
	GLenum err;

	if (!img || !texture) {
		gralloc_log(ERROR, "image and texture must not be NULL");
		return -(errno = EINVAL);
	}
	if (!img->egl->target_texture) {
		gralloc_log(ERROR, "GL offers no glEGLImageTargetTexture2DOES (GL_OES_EGL_image)");
		return -(errno = ENOTSUP);
	}
	if (!have_context(img->egl))
		return -(errno = EINVAL);
	clear_gl_errors();
	err = image_texture(img, img->target, texture);
	/* Some drivers take an RGB image only as an external texture. */
	if (err == GL_INVALID_OPERATION && img->target == GL_TEXTURE_2D) {
		err = image_texture(img, GL_TEXTURE_EXTERNAL_OES, texture);
		if (!err)
			img->target = GL_TEXTURE_EXTERNAL_OES;
	}
	if (err) {
		gralloc_log(ERROR, "glEGLImageTargetTexture2DOES: %s", gl_error_name(err));
		return -(errno = err == GL_OUT_OF_MEMORY ? ENOMEM : ENOTSUP);
	}
	if (target)
		*target = img->target;
	return 0;
}

/* Attaches a renderbuffer backed by the image; 0 or the GL error. */
static GLenum attach_renderbuffer(struct gralloc_egl_image *img, GLuint *out)
{
	GLint old = 0;
	GLuint rb = 0;
	GLenum err;

	if (!img->egl->target_renderbuffer)
		return GL_INVALID_OPERATION;
	glGetIntegerv(GL_RENDERBUFFER_BINDING, &old);
	glGenRenderbuffers(1, &rb);
	glBindRenderbuffer(GL_RENDERBUFFER, rb);
	img->egl->target_renderbuffer(GL_RENDERBUFFER, (GLeglImageOES)img->image);
	err = glGetError();
	glBindRenderbuffer(GL_RENDERBUFFER, (GLuint)old);
	if (!err)
		glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, rb);
	if (!err)
		err = glGetError();
	if (!err && glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE)
		err = GL_INVALID_FRAMEBUFFER_OPERATION;
	if (err) {
		glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, 0);
		glDeleteRenderbuffers(1, &rb);
		clear_gl_errors();
		return err;
	}
	*out = rb;
	return GL_NO_ERROR;
}

static GLenum attach_texture(struct gralloc_egl_image *img, GLuint *out)
{
	GLuint tex = 0;
	GLenum err = image_texture(img, GL_TEXTURE_2D, &tex);

	if (err)
		return err;
	glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
	err = glGetError();
	if (!err && glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE)
		err = GL_INVALID_FRAMEBUFFER_OPERATION;
	if (err) {
		glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, 0, 0);
		glDeleteTextures(1, &tex);
		clear_gl_errors();
		return err;
	}
	*out = tex;
	return GL_NO_ERROR;
}

GRALLOC_EXPORT int gralloc_egl_image_framebuffer(struct gralloc_egl_image *img, GLuint *fbo,
						 GLuint *attachment, GLenum *attachment_type)
{
	GLint old = 0;
	GLuint fb = 0, att = 0;
	GLenum err, type = GL_RENDERBUFFER;

	if (!img || !fbo || !attachment) {
		gralloc_log(ERROR, "image, fbo and attachment must not be NULL");
		return -(errno = EINVAL);
	}
	if (!have_context(img->egl))
		return -(errno = EINVAL);
	if (img->target == GL_TEXTURE_EXTERNAL_OES) {
		/* GLES2 cannot render into external (YUV) images. */
		gralloc_log(ERROR, "external-only images (YUV) are not render targets in GLES2");
		return -(errno = ENOTSUP);
	}
	clear_gl_errors();
	glGetIntegerv(GL_FRAMEBUFFER_BINDING, &old);
	glGenFramebuffers(1, &fb);
	glBindFramebuffer(GL_FRAMEBUFFER, fb);
	err = attach_renderbuffer(img, &att);
	if (err) {
		type = GL_TEXTURE;
		err = attach_texture(img, &att);
	}
	glBindFramebuffer(GL_FRAMEBUFFER, (GLuint)old);
	if (err) {
		glDeleteFramebuffers(1, &fb);
		gralloc_log(ERROR, "the image is not renderable as a renderbuffer or a texture: %s",
			    gl_error_name(err));
		return -(errno = err == GL_OUT_OF_MEMORY ? ENOMEM : ENOTSUP);
	}
	*fbo = fb;
	*attachment = att;
	if (attachment_type)
		*attachment_type = type;
	return 0;
}
