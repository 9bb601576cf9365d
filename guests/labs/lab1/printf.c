// SPDX-License-Identifier: MIT
// Lab 1 test: printf's conversions, flags, widths and sizes, and snprintf's
// truncation and return value. docs/labs/lab1.md lists the expected lines.
#include "kern.h"

static const char *volatile nothing; // NULL, hidden from gcc's format checks

int main(void)
{
	printf("printf: [%d] [%i] [%u] [%x] [%X] [%%]\n", -42, 7, 4000000000u, 0xbeefu, 0xbeefu);
	printf("printf: [%5d] [%-5d] [%05d] [%-6s] [%6s] [%c%c]\n", 42, 42, -42, "ab", "ab", 'o',
	       'k');
	printf("printf: [%lld] [%llu] [%llx] [%08x] [%p]\n", -1234567890123LL,
	       18446744073709551615ULL, 0x123456789abcdefULL, 0xabu, (void *)0x2000);
	printf("printf: [%s] [%ld] [%lu] [%d] [%x]\n", nothing, -1L, 3000000000UL,
	       -2147483647 - 1, 0u);
	char small[8];
	int n = snprintf(small, sizeof small, "%s-%d", "truncated", 12345);
	printf("printf: snprintf returned %d, kept [%s]\n", n, small);
	return 0;
}
