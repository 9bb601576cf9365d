// SPDX-License-Identifier: MIT
// The libos ctype.h (ctype.c): the "C" locale, ASCII only. Arguments are an unsigned
// char value or EOF, as in C; anything else gives 0 (no table to index out of).
#ifndef DENALI_LIBOS_CTYPE_H
#define DENALI_LIBOS_CTYPE_H

int isalnum(int c);
int isalpha(int c);
int isblank(int c);
int iscntrl(int c);
int isdigit(int c);
int isgraph(int c);
int islower(int c);
int isprint(int c);
int ispunct(int c);
int isspace(int c);
int isupper(int c);
int isxdigit(int c);
int isascii(int c);
int tolower(int c);
int toupper(int c);

#endif
