// SPDX-License-Identifier: MIT
// Workload "list": a singly linked list of 16-bit records in a static pool. Each round
// finds values by walking the list (some present, some not), reverses it after every
// hit, sorts it with a bottom-up merge sort on a derived 16-bit key, then sorts it
// back by index, folding every result into a CRC-16. Pointer chasing, 16-bit compares
// and short, data-dependent branches.
#include <stddef.h>

#include "coremix.h"

#define LIST_N 120
#define LIST_FINDS 24
#define LIST_ROUNDS 6

struct node {
	struct node *next;
	int16_t data;
	int16_t idx;
};

static struct node list_pool[LIST_N];

// The sort key: a function of the 16-bit datum that mixes its fields the way a
// record comparison would.
static inline int16_t key_of(int16_t data)
{
	int16_t hi = (int16_t)((data >> 8) & 0x7f), lo = (int16_t)(data & 0xff);
	return (int16_t)((hi ^ lo) * 3 - (data >> 12));
}

static int cmp_key(const struct node *a, const struct node *b)
{
	int16_t ka = key_of(a->data), kb = key_of(b->data);
	if (ka != kb)
		return ka < kb ? -1 : 1;
	return a->idx - b->idx;
}

static int cmp_idx(const struct node *a, const struct node *b) { return a->idx - b->idx; }

static struct node *list_find(struct node *l, int16_t data)
{
	while (l && l->data != data)
		l = l->next;
	return l;
}

static struct node *list_reverse(struct node *l)
{
	struct node *out = NULL;
	while (l) {
		struct node *next = l->next;
		l->next = out;
		out = l;
		l = next;
	}
	return out;
}

// Bottom-up merge sort of a singly linked list: merges runs of 1, 2, 4, ... nodes.
static struct node *list_sort(struct node *l, int (*cmp)(const struct node *, const struct node *))
{
	for (int run = 1;; run *= 2) {
		struct node *p = l, *head = NULL, *tail = NULL;
		int merges = 0;
		while (p) {
			merges++;
			struct node *q = p;
			int psize = 0, qsize = run;
			while (psize < run && q) {
				psize++;
				q = q->next;
			}
			while (psize > 0 || (qsize > 0 && q)) {
				struct node *e;
				if (psize == 0) {
					e = q;
					q = q->next;
					qsize--;
				} else if (qsize == 0 || !q || cmp(p, q) <= 0) {
					e = p;
					p = p->next;
					psize--;
				} else {
					e = q;
					q = q->next;
					qsize--;
				}
				if (tail)
					tail->next = e;
				else
					head = e;
				tail = e;
			}
			p = q;
		}
		tail->next = NULL;
		l = head;
		if (merges <= 1)
			return l;
	}
}

uint32_t wl_list(void)
{
	uint32_t state = 0x5eed0101u;
	uint16_t crc = 0;
	for (int i = 0; i < LIST_N; i++) {
		list_pool[i].next = i + 1 < LIST_N ? &list_pool[i + 1] : NULL;
		list_pool[i].data = (int16_t)(prng_next(&state) & 0xffff);
		list_pool[i].idx = (int16_t)i;
	}
	struct node *l = &list_pool[0];
	for (int round = 0; round < LIST_ROUNDS; round++) {
		int16_t found = 0, missed = 0;
		for (int f = 0; f < LIST_FINDS; f++) {
			uint32_t r = prng_next(&state);
			int16_t want = (r & 3) ? list_pool[(r >> 8) % LIST_N].data
					       : (int16_t)(r >> 16);
			struct node *n = list_find(l, want);
			if (n) {
				found++;
				crc = cm_crc16((uint16_t)n->idx, crc);
				l = list_reverse(l);
			} else {
				missed++;
			}
		}
		crc = cm_crc16((uint16_t)(found * 4 + missed), crc);
		l = list_sort(l, cmp_key);
		int16_t check = 0;
		for (struct node *n = l; n; n = n->next)
			check = (int16_t)(check * 7 + key_of(n->data) + (n->idx & 3));
		crc = cm_crc16((uint16_t)check, crc);
		for (struct node *n = l; n; n = n->next)
			n->data = (int16_t)(n->data ^ (int16_t)(0x1357 * (round + 1)));
		l = list_sort(l, cmp_idx);
		int16_t i = 0;
		for (struct node *n = l; n; n = n->next, i++)
			if (n->idx != i)
				return 0xbad10000u + (uint32_t)i;
	}
	return (uint32_t)crc << 16 | (uint16_t)(crc * 31 + 7);
}
