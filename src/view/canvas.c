// SPDX-License-Identifier: MIT
// Drawing primitives on an SDL software surface (canvas.h).
#include "view/canvas.h"

#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>

#include "view/font.h"

int canvas_init(struct canvas *c, int w, int h)
{
	c->s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_XRGB8888);
	if (!c->s)
		return -1;
	c->px = c->s->pixels;
	c->w = w;
	c->h = h;
	c->pitch = c->s->pitch / 4;
	return 0;
}

void canvas_free(struct canvas *c)
{
	if (c->s)
		SDL_FreeSurface(c->s);
	c->s = NULL;
	c->px = NULL;
}

void canvas_fill(struct canvas *c, int x, int y, int w, int h, uint32_t rgb)
{
	if (w <= 0 || h <= 0)
		return;
	SDL_Rect r = { x, y, w, h };
	SDL_FillRect(c->s, &r, rgb);
}

void canvas_frame(struct canvas *c, int x, int y, int w, int h, uint32_t rgb)
{
	canvas_fill(c, x, y, w, 1, rgb);
	canvas_fill(c, x, y + h - 1, w, 1, rgb);
	canvas_fill(c, x, y, 1, h, rgb);
	canvas_fill(c, x + w - 1, y, 1, h, rgb);
}

void canvas_line(struct canvas *c, int x0, int y0, int x1, int y1, uint32_t rgb)
{
	int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
	int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
	int err = dx + dy;
	for (;;) {
		canvas_pixel(c, x0, y0, rgb);
		if (x0 == x1 && y0 == y1)
			break;
		int e2 = 2 * err;
		if (e2 >= dy) {
			err += dy;
			x0 += sx;
		}
		if (e2 <= dx) {
			err += dx;
			y0 += sy;
		}
	}
}

int canvas_text(struct canvas *c, int x, int y, int scale, uint32_t rgb, const char *s)
{
	for (; *s; s++, x += VIEW_FONT_W * scale) {
		const uint8_t *g = view_font_glyph((unsigned char)*s);
		for (int r = 0; r < 7; r++)
			for (int b = 0; b < 5; b++)
				if (g[r] & (0x10 >> b)) {
					if (scale == 1)
						canvas_pixel(c, x + b, y + r, rgb);
					else
						canvas_fill(c, x + b * scale, y + r * scale, scale,
							    scale, rgb);
				}
	}
	return x;
}

int canvas_textf(struct canvas *c, int x, int y, int scale, uint32_t rgb, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return canvas_text(c, x, y, scale, rgb, buf);
}
