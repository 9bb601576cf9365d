// SPDX-License-Identifier: MIT
// Leaks one block on purpose (tests/sanitizer/lsan_test.py): in the sanitizer build
// LeakSanitizer must report it and fail the process, which proves leak checking is on
// for every test of that build.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile sink;

int main(void)
{
	char *p = malloc(4242);
	if (!p)
		return 1;
	memset(p, 1, 4242);
	sink = p;
	sink = NULL; // the only pointer is gone: a definite leak at exit
	puts("lsan-probe: leaked 4242 bytes");
	return 0;
}
