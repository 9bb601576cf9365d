// SPDX-License-Identifier: MIT
// A 5x7 bitmap font for the view's text (font.c), so the view needs no font package.
#ifndef DENALI_VIEW_FONT_H
#define DENALI_VIEW_FONT_H

#include <stdint.h>

#define VIEW_FONT_W 6 // advance per character, pixels (at scale 1)
#define VIEW_FONT_H 9 // line height

// The 7 rows of a character (bit 4 = leftmost pixel); '?' for characters outside
// printable ASCII.
const uint8_t *view_font_glyph(unsigned char ch);

#endif
