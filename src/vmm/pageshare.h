// SPDX-License-Identifier: MIT
// Content-addressed sharing of guest pages (pageshare.c; docs/memory.md "Sharing
// identical pages"). A table of host pages, each with the number of guest pages that
// map it, found by the hash of their 4 KiB of contents (and always confirmed by
// comparing the bytes, so a hash collision never merges different pages). mem.c puts
// private pages here after they were written (mem_share_scan) and maps them read-only,
// copy-on-write, in every VM that wrote the same bytes. Which host page a VM gets never
// reaches a result: only the bytes do. One table per machine, beside its page pool; not
// thread-safe.
#ifndef DENALI_VMM_PAGESHARE_H
#define DENALI_VMM_PAGESHARE_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/pagepool.h"

struct pageshare_slot;
struct pageshare_addr;

struct pageshare {
	struct pageshare_slot *slot; // open addressing by content hash, linear probing
	uint32_t cap, used;          // cap a power of two (0: empty), used <= cap / 2
	struct pageshare_addr *addr; // the same pages by host address -> content hash,
				     // so dropping a reference needs no rehash (same cap)
	struct pagepool *pool;       // where shared pages go back when unreferenced
	// Counters (benchmarks, tests).
	uint64_t pages;              // shared host pages held now
	uint64_t refs;               // guest pages mapping them now
	uint64_t merged;             // private pages freed because a shared twin existed
	uint64_t oom;                // pages left private because the table could not grow
};

void pageshare_init(struct pageshare *s, struct pagepool *pool);
// Frees the table (the pages belong to the pool and go with it).
void pageshare_destroy(struct pageshare *s);

// The hash of a page's 4 KiB that pageshare_add takes; *zero tells whether every byte
// is zero.
uint64_t pageshare_hash(const uint8_t *p, bool *zero);
// Shares host page p (a private page from the pool) whose pageshare_hash is h:
// returns the shared page with the same contents, with its reference count raised, in
// which case p is no longer needed (the caller frees it); or p itself, now in the table
// with one reference; or NULL when the table could not grow (p stays private).
uint8_t *pageshare_add(struct pageshare *s, uint8_t *p, uint64_t h);
// Drops one reference to shared page p. Returns true when that was the last: p has left
// the table and the caller owns it again (to free it, or to keep it as a private page).
bool pageshare_put(struct pageshare *s, uint8_t *p);
// The number of guest pages mapping shared page p (0 if p is not in the table).
uint32_t pageshare_refs(const struct pageshare *s, const uint8_t *p);
// Host bytes of the table itself (not the pages).
uint64_t pageshare_host_bytes(const struct pageshare *s);

#endif
