/* SPDX-License-Identifier: MIT */
/* A spinning cube in GLES2: the demo's GL workload. */
#ifndef GRALLOC_EXAMPLE_CUBE_H
#define GRALLOC_EXAMPLE_CUBE_H

#include <GLES2/gl2.h>

struct cube {
	GLuint program;
	GLint mvp;
};

/* Needs a current GLES2 context. 0 or -1 with the reason on stderr. */
int cube_init(struct cube *c);
void cube_finish(struct cube *c);
/* Draws frame `frame` into the bound framebuffer of w x h pixels, whose
 * row 0 is the top of the picture (a scanout buffer, not a window). */
void cube_draw(const struct cube *c, unsigned frame, unsigned w, unsigned h);

#endif
