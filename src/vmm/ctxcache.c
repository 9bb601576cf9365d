// SPDX-License-Identifier: MIT
// The kernel's per-VM data in the caches: an LRU list of VM ids split into the VMs
// whose data is in L1, those in L2 only, and the rest (ctxcache.h). A switch moves the
// incoming VM to the front; the last VM of L1 then falls to L2, and the last of L2 to
// memory, when a level holds more VMs than it has room for.
#include "vmm/ctxcache.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

void ctxcache_config_default(struct ctxcache_config *c, uint32_t cpu_khz)
{
	// 10 ns per line from L2 and 30 ns per line from memory (1 KiB in about 0.5 us,
	// the Pentium 4's memory bandwidth): docs/timing.md.
	*c = (struct ctxcache_config){
		.vm_bytes = 0,
		.l1_bytes = 8u << 10,
		.l2_bytes = 256u << 10,
		.l1_miss_cycles = ((uint64_t)cpu_khz * 10 + 999999) / 1000000,
		.l2_miss_cycles = ((uint64_t)cpu_khz * 30 + 999999) / 1000000,
	};
}

int ctxcache_init(struct ctxcache *c, const struct ctxcache_config *cfg, uint32_t n)
{
	memset(c, 0, sizeof *c);
	c->cfg = *cfg;
	c->n = n;
	c->head = CTXCACHE_NONE;
	c->last[0] = c->last[1] = CTXCACHE_NONE;
	if (!cfg->vm_bytes)
		return 0;
	// Whole VMs per level; at least one in each, so the levels stay ordered.
	uint32_t in_l1 = cfg->l1_bytes / cfg->vm_bytes, in_l2 = cfg->l2_bytes / cfg->vm_bytes;
	c->cap[0] = in_l1 ? in_l1 : 1;
	c->cap[1] = in_l2 > c->cap[0] ? in_l2 - c->cap[0] : 1;
	c->lines = (cfg->vm_bytes + CTXCACHE_LINE - 1) / CTXCACHE_LINE;
	c->next = malloc((size_t)n * sizeof *c->next);
	c->prev = malloc((size_t)n * sizeof *c->prev);
	c->level = malloc(n);
	if (!c->next || !c->prev || !c->level) {
		ctxcache_free(c);
		return -1;
	}
	memset(c->level, CTXCACHE_COLD, n);
	return 0;
}

void ctxcache_free(struct ctxcache *c)
{
	free(c->next);
	free(c->prev);
	free(c->level);
	c->next = c->prev = NULL;
	c->level = NULL;
}

uint64_t ctxcache_cost(const struct ctxcache *c, enum ctxcache_level level)
{
	switch (level) {
	case CTXCACHE_L1:
		return 0;
	case CTXCACHE_L2:
		return c->lines * c->cfg.l1_miss_cycles;
	default:
		return c->lines * c->cfg.l2_miss_cycles;
	}
}

// Takes id (at level lv < COLD) out of the list, keeping the boundaries.
static void unlink_vm(struct ctxcache *c, uint32_t id, unsigned lv)
{
	uint32_t p = c->prev[id], nx = c->next[id];
	// The list is ordered L1, L2, memory: id's predecessor is at id's level or above.
	for (unsigned i = 0; i < 2; i++)
		if (c->last[i] == id)
			c->last[i] = p != CTXCACHE_NONE && c->level[p] == i ? p : CTXCACHE_NONE;
	if (lv < 2)
		c->count[lv]--;
	if (p != CTXCACHE_NONE)
		c->next[p] = nx;
	else
		c->head = nx;
	if (nx != CTXCACHE_NONE)
		c->prev[nx] = p;
}

// The last VM of level i (i < 2) falls to level i + 1 when level i is over capacity.
static void spill(struct ctxcache *c, unsigned i)
{
	if (c->count[i] <= c->cap[i])
		return;
	uint32_t x = c->last[i];
	assert(x != CTXCACHE_NONE && c->level[x] == i);
	uint32_t p = c->prev[x];
	c->last[i] = p != CTXCACHE_NONE && c->level[p] == i ? p : CTXCACHE_NONE;
	c->count[i]--;
	c->level[x] = (uint8_t)(i + 1);
	if (i == 0) {
		c->count[1]++;
		if (c->last[1] == CTXCACHE_NONE)
			c->last[1] = x; // x is right before the first VM of L2
	}
}

uint64_t ctxcache_switch(struct ctxcache *c, uint32_t id)
{
	if (!c->cfg.vm_bytes)
		return 0;
	assert(id < c->n);
	unsigned lv = c->level[id];
	c->hits[lv]++;
	uint64_t cost = ctxcache_cost(c, (enum ctxcache_level)lv);
	if (lv != CTXCACHE_COLD)
		unlink_vm(c, id, lv);
	c->prev[id] = CTXCACHE_NONE;
	c->next[id] = c->head;
	if (c->head != CTXCACHE_NONE)
		c->prev[c->head] = id;
	c->head = id;
	c->level[id] = CTXCACHE_L1;
	c->count[0]++;
	if (c->last[0] == CTXCACHE_NONE)
		c->last[0] = id;
	spill(c, 0);
	spill(c, 1);
	return cost;
}

void ctxcache_ckpt_save(const struct ctxcache *c, struct pack *b)
{
	for (unsigned i = 0; i < 4; i++)
		pack_u64(b, c->hits[i]);
	uint32_t len = 0;
	for (uint32_t id = c->head; id != CTXCACHE_NONE; id = c->next[id])
		len++;
	pack_u32(b, len);
	for (uint32_t id = c->head; id != CTXCACHE_NONE; id = c->next[id])
		pack_u32(b, id);
}

int ctxcache_ckpt_load(struct ctxcache *c, struct unpack *u)
{
	assert(c->cfg.vm_bytes && c->head == CTXCACHE_NONE);
	uint64_t hits[4];
	for (unsigned i = 0; i < 4; i++)
		hits[i] = unpack_u64(u);
	uint32_t len = unpack_u32(u);
	if (u->bad || len > c->n || len > u->len / 4)
		return -1;
	uint32_t *ids = malloc(((size_t)len + 1) * sizeof *ids);
	if (!ids)
		return -1;
	int rc = 0;
	for (uint32_t i = 0; i < len && !rc; i++) {
		ids[i] = unpack_u32(u);
		// Each VM once: a VM still cold has never been listed.
		if (u->bad || ids[i] >= c->n || c->level[ids[i]] != CTXCACHE_COLD)
			rc = -1;
		else
			c->level[ids[i]] = CTXCACHE_MEM; // seen (replayed below)
	}
	for (uint32_t i = 0; i < len && !rc; i++)
		c->level[ids[i]] = CTXCACHE_COLD;
	for (uint32_t i = len; i-- > 0 && !rc;)
		(void)ctxcache_switch(c, ids[i]); // oldest first: the last one is the head
	free(ids);
	if (rc)
		return -1;
	memcpy(c->hits, hits, sizeof hits);
	return 0;
}
