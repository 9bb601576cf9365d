// SPDX-License-Identifier: MIT
// Workload "sort": quicksort, insertion sort, heapsort and the C library's qsort on
// PRNG arrays (heap-allocated, to exercise malloc/free). Checks each result is
// sorted and folds a position-weighted sum of the elements into the checksum.
#include <stdlib.h>

#include "compute.h"

#define SORT_N 1000
#define INSERT_N 240

static void quicksort(uint32_t *a, int lo, int hi)
{
	while (lo < hi) {
		uint32_t pivot = a[lo + (hi - lo) / 2];
		int i = lo, j = hi;
		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				uint32_t t = a[i];
				a[i++] = a[j];
				a[j--] = t;
			}
		}
		if (j - lo < hi - i) { // recurse on the smaller side
			quicksort(a, lo, j);
			lo = i;
		} else {
			quicksort(a, i, hi);
			hi = j;
		}
	}
}

static void insertion_sort(uint32_t *a, int n)
{
	for (int i = 1; i < n; i++) {
		uint32_t v = a[i];
		int j = i - 1;
		while (j >= 0 && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

static void sift_down(uint32_t *a, int root, int n)
{
	for (;;) {
		int child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && a[child + 1] > a[child])
			child++;
		if (a[root] >= a[child])
			return;
		uint32_t t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

static void heapsort(uint32_t *a, int n)
{
	for (int i = n / 2 - 1; i >= 0; i--)
		sift_down(a, i, n);
	for (int end = n - 1; end > 0; end--) {
		uint32_t t = a[0];
		a[0] = a[end];
		a[end] = t;
		sift_down(a, 0, end);
	}
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return (a > b) - (a < b);
}

// Fills a with n PRNG values; `mod` > 0 limits the range (to get duplicates).
static void fill(uint32_t *a, int n, uint32_t *state, uint32_t mod)
{
	for (int i = 0; i < n; i++) {
		uint32_t v = prng_next(state);
		a[i] = mod ? v % mod : v;
	}
}

// Checksum of a sorted array; returns 0xdeadbeef-mixed garbage if it is not sorted.
static uint32_t digest(const uint32_t *a, int n, uint32_t h)
{
	for (int i = 0; i < n; i++) {
		if (i > 0 && a[i - 1] > a[i])
			return mix32(h, 0xdeadbeefu + (uint32_t)i);
		h = mix32(h, a[i] * (uint32_t)(i + 1));
	}
	return h;
}

uint32_t wl_sort(void)
{
	uint32_t state = 0x5eed0001u, h = 0;
	uint32_t *a = malloc(SORT_N * sizeof *a);
	uint32_t *b = malloc(SORT_N * sizeof *b);
	if (a == NULL || b == NULL)
		return 0;
	fill(a, SORT_N, &state, 0);
	quicksort(a, 0, SORT_N - 1);
	h = digest(a, SORT_N, h);
	fill(a, SORT_N, &state, 97); // many duplicates
	quicksort(a, 0, SORT_N - 1);
	h = digest(a, SORT_N, h);
	fill(b, INSERT_N, &state, 0);
	insertion_sort(b, INSERT_N);
	h = digest(b, INSERT_N, h);
	fill(b, SORT_N, &state, 0);
	heapsort(b, SORT_N);
	h = digest(b, SORT_N, h);
	free(b);
	uint32_t *c = malloc(SORT_N / 2 * sizeof *c);
	if (c == NULL)
		return 0;
	fill(c, SORT_N / 2, &state, 1000);
	qsort(c, SORT_N / 2, sizeof *c, cmp_u32);
	h = digest(c, SORT_N / 2, h);
	free(c);
	free(a);
	return h;
}
