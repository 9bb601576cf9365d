// SPDX-License-Identifier: MIT
// Guest memory in checkpoints (mem_ckpt.c): each VM's page table as a list of written
// pages, each naming one of the machine's distinct page contents. A content written by
// several VMs (a pageshare page, or private pages that happen to be equal) is stored
// once; all-zero pages are not stored at all. Loading maps a page saved as shared
// (mem.h MEM_ENT_SHARED) to one shared host page again, so memory shared by N VMs
// costs one host page after a resume as it did before.
#ifndef DENALI_VMM_MEM_CKPT_H
#define DENALI_VMM_MEM_CKPT_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/mem.h"
#include "vmm/pack.h"

#define MEM_CKPT_ZERO UINT32_MAX // the content index of an all-zero page

// Saving: the distinct contents met so far (pointers into guest memory, which must not
// change until they are packed).
struct mem_ckpt_save {
	const uint8_t **page; // contents by index
	uint32_t n, cap;
	uint32_t *slot;       // open addressing: index + 1, 0 = empty
	uint64_t *hash;       // by index
	uint32_t nslot;       // a power of two, > 2 n
	bool oom;
};

void mem_ckpt_save_init(struct mem_ckpt_save *s);
void mem_ckpt_save_free(struct mem_ckpt_save *s);
// Appends m's page table, vregs page and counters to b (contents go to s).
void mem_ckpt_save(struct mem_ckpt_save *s, const struct mem *m, struct pack *b);
// Appends every content s holds, 4 KiB each, in index order.
void mem_ckpt_save_pages(const struct mem_ckpt_save *s, struct pack *b);

// Loading: the contents (n pages of 4 KiB), and the shared host page made for each.
struct mem_ckpt_load {
	const uint8_t *pages;
	uint32_t n;
	uint8_t **shared; // per index: its shared host page once a VM mapped it, or NULL
};

int mem_ckpt_load_init(struct mem_ckpt_load *l, const uint8_t *pages, uint64_t bytes);
void mem_ckpt_load_free(struct mem_ckpt_load *l);
// Fills m (mem_init'ed and, with a memory model, physmem_mem_init'ed; nothing written
// yet) from u. Returns 0, or -1 when the bytes do not describe a valid table (a page
// outside guest memory or listed twice, a content index out of range, bad flags).
int mem_ckpt_load(struct mem_ckpt_load *l, struct mem *m, struct unpack *u);

#endif
