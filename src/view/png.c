// SPDX-License-Identifier: MIT
// PNG encoding of a canvas (png.h).
#include "view/png.h"

#include <png.h>
#include <stdint.h>
#include <stdlib.h>

#include "view/canvas.h"

int view_png_write(const struct canvas *c, FILE *f)
{
	png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (!p)
		return -1;
	png_infop info = png_create_info_struct(p);
	uint8_t *row = malloc((size_t)c->w * 3);
	// libpng reports errors by longjmp; `row` is not changed after setjmp.
	if (!info || !row || setjmp(png_jmpbuf(p))) {
		png_destroy_write_struct(&p, info ? &info : NULL);
		free(row);
		return -1;
	}
	png_init_io(p, f);
	png_set_IHDR(p, info, (png_uint_32)c->w, (png_uint_32)c->h, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(p, info);
	for (int y = 0; y < c->h; y++) {
		const uint32_t *src = c->px + (size_t)y * c->pitch;
		for (int x = 0; x < c->w; x++) {
			row[3 * x] = (uint8_t)(src[x] >> 16);
			row[3 * x + 1] = (uint8_t)(src[x] >> 8);
			row[3 * x + 2] = (uint8_t)src[x];
		}
		png_write_row(p, row);
	}
	png_write_end(p, NULL);
	png_destroy_write_struct(&p, &info);
	free(row);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
