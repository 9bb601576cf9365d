// SPDX-License-Identifier: MIT
// Scheduler policies: round-robin (three intrusive FIFO lists) and stride (a binary heap
// keyed by class, pass and queue order). See sched.h for the rules.
#include "vmm/sched.h"

#include <stdlib.h>
#include <string.h>

// The class of a queue position: 0 urgent, 1 boosted, 2 normal.
static unsigned cls(enum sched_where w)
{
	return w == SCHED_URGENT ? 0 : w == SCHED_BOOST ? 1 : 2;
}

// --- round-robin --------------------------------------------------------------------

static void rr_enqueue(struct sched *s, uint32_t id, enum sched_where w)
{
	unsigned l = cls(w);
	s->where[id] = (uint8_t)(1 + l);
	if (w == SCHED_HEAD) {
		s->prev[id] = SCHED_NONE;
		s->next[id] = s->head[l];
		if (s->head[l] != SCHED_NONE)
			s->prev[s->head[l]] = id;
		else
			s->tail[l] = id;
		s->head[l] = id;
	} else {
		s->next[id] = SCHED_NONE;
		s->prev[id] = s->tail[l];
		if (s->tail[l] != SCHED_NONE)
			s->next[s->tail[l]] = id;
		else
			s->head[l] = id;
		s->tail[l] = id;
	}
	s->len++;
}

static void rr_remove(struct sched *s, uint32_t id)
{
	unsigned l = s->where[id] - 1u;
	uint32_t p = s->prev[id], n = s->next[id];
	if (p != SCHED_NONE)
		s->next[p] = n;
	else
		s->head[l] = n;
	if (n != SCHED_NONE)
		s->prev[n] = p;
	else
		s->tail[l] = p;
	s->where[id] = 0;
	s->len--;
}

static uint32_t rr_pick(struct sched *s)
{
	for (unsigned l = 0; l < 3; l++) {
		uint32_t id = s->head[l];
		if (id != SCHED_NONE) {
			rr_remove(s, id);
			return id;
		}
	}
	return SCHED_NONE;
}

static void rr_charge(struct sched *s, uint32_t id, uint64_t cycles)
{
	(void)s;
	(void)id;
	(void)cycles;
}

// --- stride -------------------------------------------------------------------------

// a before b?
static bool before(const struct sched *s, uint32_t a, uint32_t b)
{
	unsigned ca = s->where[a], cb = s->where[b];
	if (ca != cb)
		return ca < cb;
	if (ca == 3 && s->pass[a] != s->pass[b])
		return s->pass[a] < s->pass[b];
	return s->seq[a] < s->seq[b];
}

static void put(struct sched *s, uint32_t i, uint32_t id)
{
	s->heap[i] = id;
	s->pos[id] = i;
}

static void up(struct sched *s, uint32_t i)
{
	uint32_t id = s->heap[i];
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (!before(s, id, s->heap[p]))
			break;
		put(s, i, s->heap[p]);
		i = p;
	}
	put(s, i, id);
}

static void down(struct sched *s, uint32_t i)
{
	uint32_t id = s->heap[i];
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= s->len)
			break;
		if (c + 1 < s->len && before(s, s->heap[c + 1], s->heap[c]))
			c++;
		if (!before(s, s->heap[c], id))
			break;
		put(s, i, s->heap[c]);
		i = c;
	}
	put(s, i, id);
}

static void st_enqueue(struct sched *s, uint32_t id, enum sched_where w)
{
	s->where[id] = (uint8_t)(1 + cls(w));
	// A VM back from idle earns no credit for the time it slept.
	if (w == SCHED_BOOST || w == SCHED_URGENT) {
		if (s->pass[id] < s->vpass)
			s->pass[id] = s->vpass;
	}
	// HEAD: first among equals of its pass; otherwise queue order.
	s->seq[id] = w == SCHED_HEAD ? 0 : ++s->next_seq;
	s->len++;
	put(s, s->len - 1, id);
	up(s, s->len - 1);
}

static void st_remove(struct sched *s, uint32_t id)
{
	uint32_t i = s->pos[id];
	s->len--;
	s->where[id] = 0;
	if (i == s->len)
		return;
	uint32_t moved = s->heap[s->len];
	put(s, i, moved);
	up(s, i);
	down(s, s->pos[moved]);
}

static uint32_t st_pick(struct sched *s)
{
	if (s->len == 0)
		return SCHED_NONE;
	uint32_t id = s->heap[0];
	if (s->where[id] == 3 && s->pass[id] > s->vpass)
		s->vpass = s->pass[id];
	st_remove(s, id);
	return id;
}

static void st_charge(struct sched *s, uint32_t id, uint64_t cycles)
{
	uint64_t d = cycles * SCHED_STRIDE1 / s->tickets[id];
	s->pass[id] = s->pass[id] + d < s->pass[id] ? UINT64_MAX : s->pass[id] + d;
}

static const struct sched_ops ops[SCHED_KINDS] = {
	[SCHED_RR] = { "rr", rr_enqueue, rr_remove, rr_pick, rr_charge },
	[SCHED_STRIDE] = { "stride", st_enqueue, st_remove, st_pick, st_charge },
};

const char *sched_name(enum sched_kind kind)
{
	return kind < SCHED_KINDS ? ops[kind].name : "?";
}

int sched_parse(const char *s, enum sched_kind *kind)
{
	for (unsigned i = 0; i < SCHED_KINDS; i++)
		if (!strcmp(s, ops[i].name)) {
			*kind = (enum sched_kind)i;
			return 0;
		}
	return -1;
}

int sched_init(struct sched *s, enum sched_kind kind, uint32_t n, const uint32_t *tickets)
{
	memset(s, 0, sizeof *s);
	s->ops = &ops[kind < SCHED_KINDS ? kind : SCHED_RR];
	s->n = n;
	for (unsigned l = 0; l < 3; l++)
		s->head[l] = s->tail[l] = SCHED_NONE;
	s->where = calloc(n, 1);
	if (!s->where)
		return -1;
	if (kind == SCHED_STRIDE) {
		s->heap = calloc(n, sizeof *s->heap);
		s->pos = calloc(n, sizeof *s->pos);
		s->tickets = calloc(n, sizeof *s->tickets);
		s->pass = calloc(n, sizeof *s->pass);
		s->seq = calloc(n, sizeof *s->seq);
		if (!s->heap || !s->pos || !s->tickets || !s->pass || !s->seq)
			return -1;
		for (uint32_t i = 0; i < n; i++)
			s->tickets[i] = tickets && tickets[i] ? tickets[i] : 100;
	} else {
		s->next = calloc(n, sizeof *s->next);
		s->prev = calloc(n, sizeof *s->prev);
		if (!s->next || !s->prev)
			return -1;
	}
	return 0;
}

void sched_free(struct sched *s)
{
	free(s->where);
	free(s->next);
	free(s->prev);
	free(s->heap);
	free(s->pos);
	free(s->tickets);
	free(s->pass);
	free(s->seq);
	memset(s, 0, sizeof *s);
}

// --- checkpoints (kernel_ckpt.c) ----------------------------------------------------

void sched_ckpt_save(const struct sched *s, struct pack *b)
{
	bool stride = s->ops == &ops[SCHED_STRIDE];
	pack_u8(b, stride);
	pack_u32(b, s->n);
	pack_u32(b, s->len);
	pack_raw(b, s->where, s->n);
	if (!stride) {
		for (unsigned l = 0; l < 3; l++) {
			uint32_t cnt = 0;
			for (uint32_t id = s->head[l]; id != SCHED_NONE && cnt <= s->n; id = s->next[id])
				cnt++;
			pack_u32(b, cnt);
			for (uint32_t id = s->head[l]; id != SCHED_NONE && cnt--; id = s->next[id])
				pack_u32(b, id);
		}
		return;
	}
	for (uint32_t i = 0; i < s->len; i++)
		pack_u32(b, s->heap[i]);
	for (uint32_t i = 0; i < s->n; i++) {
		pack_u32(b, s->tickets[i]);
		pack_u64(b, s->pass[i]);
		pack_u64(b, s->seq[i]);
	}
	pack_u64(b, s->next_seq);
	pack_u64(b, s->vpass);
}

int sched_ckpt_load(struct sched *s, struct unpack *u)
{
	bool stride = s->ops == &ops[SCHED_STRIDE];
	if (unpack_u8(u) != stride || unpack_u32(u) != s->n)
		return -1;
	uint32_t len = unpack_u32(u);
	if (len > s->n)
		return -1;
	unpack_raw(u, s->where, s->n);
	uint32_t queued = 0;
	for (uint32_t i = 0; i < s->n; i++) {
		if (s->where[i] > 3)
			return -1;
		queued += s->where[i] != 0;
	}
	if (u->bad || queued != len)
		return -1;
	// Each queued id is listed once, in the list (or heap) its `where` says.
	uint8_t *seen = calloc(s->n ? s->n : 1, 1);
	if (!seen)
		return -1;
	int rc = -1;
	s->len = 0;
	if (!stride) {
		for (unsigned l = 0; l < 3; l++) {
			s->head[l] = s->tail[l] = SCHED_NONE;
			uint32_t cnt = unpack_u32(u);
			if (cnt > len)
				goto out;
			for (uint32_t j = 0; j < cnt; j++) {
				uint32_t id = unpack_u32(u);
				if (u->bad || id >= s->n || seen[id] || s->where[id] != 1 + l)
					goto out;
				seen[id] = 1;
				s->where[id] = 0;
				rr_enqueue(s, id, l == 0 ? SCHED_URGENT : l == 1 ? SCHED_BOOST : SCHED_TAIL);
			}
		}
	} else {
		for (uint32_t i = 0; i < len; i++) {
			uint32_t id = unpack_u32(u);
			if (u->bad || id >= s->n || seen[id] || !s->where[id])
				goto out;
			seen[id] = 1;
			put(s, i, id);
		}
		s->len = len;
		for (uint32_t i = 0; i < s->n; i++) {
			s->tickets[i] = unpack_u32(u);
			s->pass[i] = unpack_u64(u);
			s->seq[i] = unpack_u64(u);
			if (s->tickets[i] == 0)
				goto out;
		}
		s->next_seq = unpack_u64(u);
		s->vpass = unpack_u64(u);
	}
	rc = !u->bad && s->len == len ? 0 : -1;
out:
	free(seen);
	return rc;
}
