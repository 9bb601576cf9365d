// SPDX-License-Identifier: MIT
// The picture the view draws into (canvas.c): an SDL software surface (32-bit
// XRGB8888), with filled rectangles (SDL_FillRect), single pixels, lines and text in
// the view's own font. The window shows it (window.c) and a screenshot encodes it
// (png.c); the same drawing code serves both, so a screenshot is what the window shows.
// Drawing is clipped to the surface.
#ifndef DENALI_VIEW_CANVAS_H
#define DENALI_VIEW_CANVAS_H

#include <stdarg.h>
#include <stdint.h>

struct SDL_Surface;

struct canvas {
	struct SDL_Surface *s;
	uint32_t *px;   // s's pixels
	int w, h;
	int pitch;      // in pixels
};

// Returns 0, or -1 (SDL could not make the surface; SDL_GetError says why).
int canvas_init(struct canvas *c, int w, int h);
void canvas_free(struct canvas *c);

void canvas_fill(struct canvas *c, int x, int y, int w, int h, uint32_t rgb);
static inline void canvas_pixel(struct canvas *c, int x, int y, uint32_t rgb)
{
	if (x >= 0 && y >= 0 && x < c->w && y < c->h)
		c->px[y * c->pitch + x] = rgb;
}
void canvas_line(struct canvas *c, int x0, int y0, int x1, int y1, uint32_t rgb);
void canvas_frame(struct canvas *c, int x, int y, int w, int h, uint32_t rgb); // outline
// Text at (x, y) (top left), scale 1 or more. Returns the x after the last character.
int canvas_text(struct canvas *c, int x, int y, int scale, uint32_t rgb, const char *s);
int canvas_textf(struct canvas *c, int x, int y, int scale, uint32_t rgb, const char *fmt,
		 ...) __attribute__((format(printf, 6, 7)));

#endif
