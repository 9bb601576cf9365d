// SPDX-License-Identifier: MIT
// Several machines in a checkpoint (world.h world_ckpt_*): the link's own state between
// two rounds. Each machine's state is its kernel's (kernel_ckpt.h); between rounds no
// frame is on the link (hand_off gave every one to its machine's devices), so what is
// left is each machine's side of the link (busy until, frame sequence) and the counters.
// A run resumed from here starts its next round as the saved one would have: world_run
// agrees on the next round from each machine's next activity, which its kernel holds.
#include "vmm/world.h"

void world_ckpt_save(const struct world *w, struct pack *b)
{
	pack_u32(b, w->n);
	pack_u64(b, w->rounds);
	const struct world_link_stats *s = &w->st;
	pack_u64(b, s->frames);
	pack_u64(b, s->bytes);
	pack_u64(b, s->deliveries);
	pack_u64(b, s->drop_no_machine);
	pack_u64(b, s->drop_in);
	pack_u64(b, s->drop_oom);
	for (uint32_t m = 0; m < w->n; m++) {
		pack_u64(b, w->m[m].link_free_ns);
		pack_u64(b, w->m[m].seq);
	}
}

int world_ckpt_load(struct world *w, struct unpack *u)
{
	if (w->x || w->ran || w->rounds || unpack_u32(u) != w->n)
		return -1;
	w->rounds = unpack_u64(u);
	struct world_link_stats *s = &w->st;
	s->frames = unpack_u64(u);
	s->bytes = unpack_u64(u);
	s->deliveries = unpack_u64(u);
	s->drop_no_machine = unpack_u64(u);
	s->drop_in = unpack_u64(u);
	s->drop_oom = unpack_u64(u);
	for (uint32_t m = 0; m < w->n; m++) {
		w->m[m].link_free_ns = unpack_u64(u);
		w->m[m].seq = unpack_u64(u);
	}
	return unpack_done(u) ? 0 : -1;
}
