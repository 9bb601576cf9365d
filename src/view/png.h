// SPDX-License-Identifier: MIT
// Screenshots as PNG files (png.c, libpng): 8-bit RGB, no time stamp or other chunk
// that would differ between two runs, so one run's screenshot is the same bytes every
// time.
#ifndef DENALI_VIEW_PNG_H
#define DENALI_VIEW_PNG_H

#include <stdio.h>

struct canvas;

// Writes the canvas to f. Returns 0, or -1 (out of memory, or f failed).
int view_png_write(const struct canvas *c, FILE *f);

#endif
