// SPDX-License-Identifier: MIT
// The libos strings.h: the case-insensitive compares (string.c), ASCII only.
#ifndef DENALI_LIBOS_STRINGS_H
#define DENALI_LIBOS_STRINGS_H

#include <stddef.h>

int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);

#endif
