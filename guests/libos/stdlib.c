// SPDX-License-Identifier: MIT
// The libos stdlib: heap, PRNG, integer helpers, qsort/bsearch, exit/atexit/abort/assert.
// The strto* family is in strtol.c.
//
// Heap: an implicit list of blocks from _end (linker script) upwards. Each block has
// a 16-byte header {size incl. header, used}; payloads are 16-byte aligned. malloc is
// first fit over the list, merging free neighbours as it walks and splitting big
// blocks; when nothing fits it extends the top. The top may not pass
// mem_size - stack reserve (the smaller of 256 KiB and a quarter of the free memory;
// mem_size comes from the virtual registers). Deterministic: the same calls give the
// same addresses. O(blocks) per call: fine for small programs.
#include <assert.h>
#include <denali.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char _end[]; // denali.ld: first byte after .bss

struct block {
	uint32_t size; // bytes including this header; multiple of 16
	uint32_t used; // 1: allocated
	uint32_t pad[2];
};

#define HDR ((uint32_t)sizeof(struct block))
#define STACK_RESERVE_MAX (256u * 1024u)

// The heap state. One per program; threads are cooperative (pthread.h) and never
// switch inside malloc or free, so it needs no lock.
static struct {
	uintptr_t start, top, limit; // [start, top) holds blocks; top <= limit
	bool ready;
} heap;

static void heap_init(void)
{
	uintptr_t start = ((uintptr_t)_end + 15u) & ~(uintptr_t)15u;
	uintptr_t mem = denali_mem_size();
	uintptr_t reserve = 0;
	if (mem > start) {
		reserve = (mem - start) / 4;
		if (reserve > STACK_RESERVE_MAX)
			reserve = STACK_RESERVE_MAX;
	}
	heap.start = heap.top = start;
	heap.limit = mem > start + reserve ? (mem - reserve) & ~(uintptr_t)15u : start;
	heap.ready = true;
}

static struct block *next_block(struct block *b)
{
	return (struct block *)((uintptr_t)b + b->size);
}

void *malloc(size_t n)
{
	if (!heap.ready)
		heap_init();
	if (n > heap.limit - heap.start) // also catches n near SIZE_MAX before rounding
		return NULL;
	uint32_t need = ((uint32_t)n + HDR + 15u) & ~15u;
	for (struct block *b = (struct block *)heap.start; (uintptr_t)b < heap.top;
	     b = next_block(b)) {
		if (b->used)
			continue;
		// Merge following free blocks into b.
		while ((uintptr_t)next_block(b) < heap.top && !next_block(b)->used)
			b->size += next_block(b)->size;
		if (b->size < need)
			continue;
		if (b->size - need >= 2 * HDR) { // split: the rest stays free
			struct block *rest = (struct block *)((uintptr_t)b + need);
			rest->size = b->size - need;
			rest->used = 0;
			b->size = need;
		}
		b->used = 1;
		return b + 1;
	}
	if (need > heap.limit - heap.top)
		return NULL;
	struct block *b = (struct block *)heap.top;
	heap.top += need;
	b->size = need;
	b->used = 1;
	return b + 1;
}

void free(void *p)
{
	if (p == NULL)
		return;
	struct block *b = (struct block *)p - 1;
	assert(b->used == 1);
	b->used = 0;
	if ((uintptr_t)next_block(b) == heap.top) // last block: give it back to the top
		heap.top = (uintptr_t)b;
}

void *calloc(size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size)
		return NULL;
	void *p = malloc(count * size);
	if (p != NULL)
		memset(p, 0, count * size);
	return p;
}

void *realloc(void *p, size_t n)
{
	if (p == NULL)
		return malloc(n);
	struct block *b = (struct block *)p - 1;
	size_t have = b->size - HDR;
	if (n <= have)
		return p;
	void *q = malloc(n);
	if (q == NULL)
		return NULL;
	memcpy(q, p, have);
	free(p);
	return q;
}

// rand: xorshift32 (Marsaglia), deterministic; srand(0) behaves like srand(1).
static uint32_t rand_state = 2463534242u;

void srand(unsigned seed) { rand_state = seed ? seed : 1; }

int rand(void)
{
	uint32_t x = rand_state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	rand_state = x;
	return (int)(x >> 1);
}

// The same generator on the caller's state (POSIX rand_r).
int rand_r(unsigned *seed)
{
	uint32_t x = *seed ? *seed : 1;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*seed = x;
	return (int)(x >> 1);
}

int abs(int v) { return v < 0 ? -v : v; }
long labs(long v) { return v < 0 ? -v : v; }
long long llabs(long long v) { return v < 0 ? -v : v; }

char *getenv(const char *name)
{
	(void)name; // a guest has no environment
	return NULL;
}

static void swap_bytes(unsigned char *a, unsigned char *b, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		unsigned char t = a[i];
		a[i] = b[i];
		b[i] = t;
	}
}

// qsort: quicksort (middle pivot, Hoare partition), recursing on the smaller side,
// with insertion sort below 8 elements. Not stable, like C's qsort.
void qsort(void *base, size_t count, size_t size, int (*cmp)(const void *, const void *))
{
	unsigned char *a = base;
	while (count > 8) {
		swap_bytes(a, a + (count / 2) * size, size); // pivot to a[0]
		size_t i = 0, j = count;
		for (;;) {
			do
				i++;
			while (i < count && cmp(a + i * size, a) < 0);
			do
				j--;
			while (cmp(a + j * size, a) > 0);
			if (i >= j)
				break;
			swap_bytes(a + i * size, a + j * size, size);
		}
		swap_bytes(a, a + j * size, size); // pivot to its place j
		size_t lo_n = j, hi_n = count - j - 1;
		if (lo_n < hi_n) {
			qsort(a, lo_n, size, cmp);
			a += (j + 1) * size;
			count = hi_n;
		} else {
			qsort(a + (j + 1) * size, hi_n, size, cmp);
			count = lo_n;
		}
	}
	for (size_t i = 1; i < count; i++) {
		for (size_t k = i; k > 0 && cmp(a + (k - 1) * size, a + k * size) > 0; k--)
			swap_bytes(a + (k - 1) * size, a + k * size, size);
	}
}

void *bsearch(const void *key, const void *base, size_t count, size_t size,
	int (*cmp)(const void *, const void *))
{
	const unsigned char *lo = base;
	while (count > 0) {
		const unsigned char *mid = lo + (count / 2) * size;
		int c = cmp(key, mid);
		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			lo = mid + size;
			count -= count / 2 + 1;
		} else {
			count /= 2;
		}
	}
	return NULL;
}

#define ATEXIT_MAX 32
static struct {
	void (*fn[ATEXIT_MAX])(void);
	int n;
} exit_fns;

int atexit(void (*fn)(void))
{
	if (fn == NULL || exit_fns.n == ATEXIT_MAX)
		return -1;
	exit_fns.fn[exit_fns.n++] = fn;
	return 0;
}

void exit(int status)
{
	// Last registered first; a handler that calls exit() resumes with the next one.
	while (exit_fns.n > 0)
		exit_fns.fn[--exit_fns.n]();
	denali_console_flush();
	denali_terminate(status);
}

void abort(void)
{
	puts("abort");
	exit(134);
}

void denali_assert_fail(const char *expr, const char *file, int line)
{
	printf("assert failed: %s:%d: %s\n", file, line, expr);
	exit(134);
}
