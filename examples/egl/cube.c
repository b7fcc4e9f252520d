/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <string.h>

#include "cube.h"
#include "gbm-egl.h"

static const char vs[] =
	"uniform mat4 mvp;\n"
	"attribute vec3 pos;\n"
	"attribute vec3 color;\n"
	"varying vec3 v_color;\n"
	"void main() { v_color = color; gl_Position = mvp * vec4(pos, 1.0); }\n";
static const char fs[] =
	"precision mediump float;\n"
	"varying vec3 v_color;\n"
	"void main() { gl_FragColor = vec4(v_color, 1.0); }\n";

/* Six faces, two triangles each, one colour per face. */
static const GLfloat face_color[6][3] = {
	{ 1, 0.2f, 0.2f }, { 0.2f, 1, 0.2f }, { 0.2f, 0.4f, 1 },
	{ 1, 1, 0.2f },    { 0.2f, 1, 1 },    { 1, 0.2f, 1 },
};
static GLfloat verts[36][3], colors[36][3];

static void build_cube(void)
{
	/* Each face: axis, sign; corners in the other two axes. */
	static const int corners[6][2] = { { -1, -1 }, { 1, -1 }, { 1, 1 },
					   { -1, -1 }, { 1, 1 }, { -1, 1 } };
	int n = 0;

	for (int face = 0; face < 6; face++) {
		int axis = face / 2;
		float sign = face % 2 ? -1.0f : 1.0f;

		for (int k = 0; k < 6; k++, n++) {
			verts[n][axis] = sign;
			verts[n][(axis + 1) % 3] = (float)corners[k][0];
			verts[n][(axis + 2) % 3] = (float)corners[k][1];
			memcpy(colors[n], face_color[face], sizeof(colors[n]));
		}
	}
}

int cube_init(struct cube *c)
{
	build_cube();
	c->program = gles_program(vs, fs, "pos");
	if (!c->program)
		return -1;
	glBindAttribLocation(c->program, 1, "color");
	glLinkProgram(c->program);
	c->mvp = glGetUniformLocation(c->program, "mvp");
	return 0;
}

void cube_finish(struct cube *c)
{
	if (c->program)
		glDeleteProgram(c->program);
	c->program = 0;
}

/* out = a * b, column-major */
static void mul(GLfloat out[16], const GLfloat a[16], const GLfloat b[16])
{
	GLfloat r[16];

	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++) {
			r[j * 4 + i] = 0;
			for (int k = 0; k < 4; k++)
				r[j * 4 + i] += a[k * 4 + i] * b[j * 4 + k];
		}
	memcpy(out, r, sizeof(r));
}

void cube_draw(const struct cube *c, unsigned frame, unsigned w, unsigned h)
{
	float t = (float)frame * 0.05f, aspect = (float)w / (float)h;
	float f = 1.0f / tanf(0.5f * 0.8f), near = 1.0f, far = 20.0f;
	/* Row 0 of the buffer is the top of the screen, the opposite of a
	 * window's: flip y (winding flips too, so no face culling). */
	GLfloat proj[16] = { f / aspect, 0, 0, 0, 0, -f, 0, 0,
			     0, 0, (far + near) / (near - far), -1,
			     0, 0, 2 * far * near / (near - far), 0 };
	GLfloat view[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, -6, 1 };
	GLfloat ry[16] = { cosf(t), 0, -sinf(t), 0, 0, 1, 0, 0,
			   sinf(t), 0, cosf(t), 0, 0, 0, 0, 1 };
	GLfloat rx[16] = { 1, 0, 0, 0, 0, cosf(t * 0.7f), sinf(t * 0.7f), 0,
			   0, -sinf(t * 0.7f), cosf(t * 0.7f), 0, 0, 0, 0, 1 };
	GLfloat mvp[16];

	mul(mvp, ry, rx);
	mul(mvp, view, mvp);
	mul(mvp, proj, mvp);

	glViewport(0, 0, (GLsizei)w, (GLsizei)h);
	glClearColor(0.08f, 0.08f, 0.12f, 1.0f);
	glClearDepthf(1.0f);
	glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
	glEnable(GL_DEPTH_TEST);
	glUseProgram(c->program);
	glUniformMatrix4fv(c->mvp, 1, GL_FALSE, mvp);
	glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, 0, verts);
	glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, 0, colors);
	glEnableVertexAttribArray(0);
	glEnableVertexAttribArray(1);
	glDrawArrays(GL_TRIANGLES, 0, 36);
	glDisableVertexAttribArray(0);
	glDisableVertexAttribArray(1);
	glUseProgram(0);
	glDisable(GL_DEPTH_TEST);
}
