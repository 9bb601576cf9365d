// SPDX-License-Identifier: MIT
// A NULL dereference two calls deep (docs/observe.md, "Fault reports"): main -> walk ->
// sum, which follows a list past its end. Build it with frame pointers to get the
// whole backtrace: build/guests/sdk/denali-cc -O0 nullderef.c -o nullderef.elf
#include <stdio.h>

struct node {
	int v;
	struct node *next;
};

__attribute__((noinline)) int sum(struct node *n)
{
	int s = 0;
	for (;;) {
		s += n->v;
		n = n->next;
	}
	return s;
}

__attribute__((noinline)) int walk(struct node *h)
{
	return sum(h) + 1;
}

int main(void)
{
	struct node b = { 2, 0 }, a = { 1, &b };
	printf("start\n");
	return walk(&a);
}
