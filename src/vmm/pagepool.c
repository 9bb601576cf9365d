// SPDX-License-Identifier: MIT
// The host page pool (see pagepool.h): bump allocation from 1 MiB chunks, plus a free
// list of returned pages. Reuse order is LIFO; it never reaches simulation results,
// which depend on page contents only.
#include "vmm/pagepool.h"

#include <stdlib.h>

#define PAGE 4096u

void pagepool_init(struct pagepool *p)
{
	*p = (struct pagepool){ 0 };
}

void pagepool_destroy(struct pagepool *p)
{
	for (size_t i = 0; i < p->nchunks; i++)
		free(p->chunks[i]);
	free(p->chunks);
	*p = (struct pagepool){ 0 };
}

uint8_t *pagepool_get(struct pagepool *p)
{
	if (p->free_list) {
		uint8_t *pg = p->free_list;
		p->free_list = *(void **)pg;
		p->pages_out++;
		return pg;
	}
	if (p->next == p->end) {
		if (p->nchunks == p->cap_chunks) {
			size_t cap = p->cap_chunks ? p->cap_chunks * 2 : 16;
			uint8_t **c = realloc(p->chunks, cap * sizeof *c);
			if (!c)
				return NULL;
			p->chunks = c;
			p->cap_chunks = cap;
		}
		uint8_t *chunk = aligned_alloc(PAGE, PAGEPOOL_CHUNK);
		if (!chunk)
			return NULL;
		p->chunks[p->nchunks++] = chunk;
		p->next = chunk;
		p->end = chunk + PAGEPOOL_CHUNK;
	}
	uint8_t *pg = p->next;
	p->next += PAGE;
	p->pages_out++;
	return pg;
}

void pagepool_put(struct pagepool *p, uint8_t *page)
{
	*(void **)page = p->free_list;
	p->free_list = page;
	p->pages_out--;
}
