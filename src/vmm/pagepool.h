// SPDX-License-Identifier: MIT
// A pool of 4 KiB host pages (pagepool.c) for guest memory. aligned_alloc(4096, 4096)
// costs glibc up to another 4 KiB per page in alignment slack; the pool carves pages
// from 1 MiB chunks instead and keeps freed pages on a free list for reuse, so a page
// costs 4 KiB. Pages are returned to the host only when the pool is destroyed.
// One pool per kernel (it lives in struct physmem); not thread-safe.
#ifndef DENALI_VMM_PAGEPOOL_H
#define DENALI_VMM_PAGEPOOL_H

#include <stddef.h>
#include <stdint.h>

#define PAGEPOOL_CHUNK (1u << 20) // bytes the pool takes from the host at a time

struct pagepool {
	uint8_t **chunks;      // chunk base addresses, to free them
	size_t nchunks, cap_chunks;
	uint8_t *next;         // next never-used page of the current chunk
	uint8_t *end;          // end of the current chunk
	void *free_list;       // freed pages, linked through their first word
	uint64_t pages_out;    // pages handed out and not yet freed
};

void pagepool_init(struct pagepool *p);
// Frees every chunk (every page must have been given back or be no longer used).
void pagepool_destroy(struct pagepool *p);
// A 4096-aligned page of unspecified contents, or NULL when out of host memory.
uint8_t *pagepool_get(struct pagepool *p);
void pagepool_put(struct pagepool *p, uint8_t *page);

#endif
