// SPDX-License-Identifier: MIT
// Named results from guests (results.h). The machine's entries are an array in order of
// first report, found by (name, kind) through an open-addressing hash table of indexes
// (FNV-1a of the name and kind: no pointer or host state, so the layout, and the order
// entries are created in, depend only on what the guests report). Each VM keeps the
// indexes of the entries it used; its limit and its kinds are checked there.
#include "vmm/results.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/digest.h"

void results_init(struct results *r, uint32_t nvms)
{
	memset(r, 0, sizeof *r);
	r->nvms = nvms;
}

void results_free(struct results *r)
{
	for (uint32_t i = 0; i < r->n; i++)
		free(r->e[i].hist);
	if (r->vm)
		for (uint32_t i = 0; i < r->nvms; i++)
			free(r->vm[i].used);
	free(r->vm);
	free(r->e);
	free(r->hash);
	memset(r, 0, sizeof *r);
}

static bool name_ok(const char *name, uint32_t len)
{
	if (len == 0 || len > DENALI_STAT_NAME_MAX)
		return false;
	for (uint32_t i = 0; i < len; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '.' || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

static bool same_name(const struct results_entry *e, const char *name, uint32_t len)
{
	return strlen(e->name) == len && memcmp(e->name, name, len) == 0;
}

static uint32_t hash_of(const char *name, uint32_t len, uint8_t kind)
{
	uint64_t h = digest_u32(digest_bytes(DIGEST_INIT, name, len), kind);
	return (uint32_t)(h ^ h >> 32);
}

// The hash slot of (name, kind): the one holding it, or the empty one where it goes.
static uint32_t *slot(const struct results *r, const char *name, uint32_t len, uint8_t kind)
{
	uint32_t mask = r->hash_size - 1;
	for (uint32_t i = hash_of(name, len, kind) & mask;; i = (i + 1) & mask) {
		uint32_t *s = &r->hash[i];
		if (!*s)
			return s;
		const struct results_entry *e = &r->e[*s - 1];
		if (e->kind == kind && same_name(e, name, len))
			return s;
	}
}

// Room for one more entry: the array and a hash table at most half full. -1: no memory.
static int grow(struct results *r)
{
	if (r->n == r->cap) {
		uint32_t cap = r->cap ? 2 * r->cap : 16;
		struct results_entry *e = realloc(r->e, (size_t)cap * sizeof *e);
		if (!e)
			return -1;
		r->e = e;
		r->cap = cap;
	}
	if (2 * (r->n + 1) > r->hash_size) {
		uint32_t size = r->hash_size ? 2 * r->hash_size : 64;
		uint32_t *h = calloc(size, sizeof *h);
		if (!h)
			return -1;
		free(r->hash);
		r->hash = h;
		r->hash_size = size;
		for (uint32_t i = 0; i < r->n; i++) {
			const struct results_entry *e = &r->e[i];
			*slot(r, e->name, (uint32_t)strlen(e->name), e->kind) = i + 1;
		}
	}
	return 0;
}

// The entry (name, kind), created empty if new; NULL when out of host memory.
static struct results_entry *get(struct results *r, enum results_kind kind, const char *name,
				 uint32_t len)
{
	if (r->hash_size) {
		uint32_t *s = slot(r, name, len, (uint8_t)kind);
		if (*s)
			return &r->e[*s - 1];
	}
	if (grow(r) != 0)
		return NULL;
	struct hist *h = NULL;
	if (kind == RESULTS_SAMPLE && !(h = calloc(1, sizeof *h)))
		return NULL;
	struct results_entry *e = &r->e[r->n];
	memset(e, 0, sizeof *e);
	memcpy(e->name, name, len);
	e->kind = (uint8_t)kind;
	e->hist = h;
	*slot(r, name, len, (uint8_t)kind) = ++r->n;
	return e;
}

static uint32_t refuse(struct results *r, uint32_t err)
{
	r->rejected++;
	return err;
}

uint32_t results_report(struct results *r, uint32_t vm_id, enum results_kind kind,
			const char *name, uint32_t len, uint64_t v)
{
	if (!name_ok(name, len))
		return refuse(r, DENALI_STAT_ERR_NAME);
	assert(vm_id < r->nvms);
	if (vm_id >= r->nvms)
		return refuse(r, DENALI_STAT_ERR_FULL);
	if (!r->vm && !(r->vm = calloc(r->nvms, sizeof *r->vm)))
		return refuse(r, DENALI_STAT_ERR_FULL);
	struct results_vm *vm = &r->vm[vm_id];
	struct results_entry *e = NULL;
	for (uint32_t i = 0; i < vm->n && !e; i++)
		if (same_name(&r->e[vm->used[i]], name, len))
			e = &r->e[vm->used[i]];
	if (e && e->kind != kind)
		return refuse(r, DENALI_STAT_ERR_KIND);
	if (!e) {
		if (vm->n == DENALI_STATS_PER_VM)
			return refuse(r, DENALI_STAT_ERR_FULL);
		if ((vm->n & (vm->n - 1)) == 0) { // 0, 1, 2, 4, ...: the array is full
			uint32_t cap = vm->n ? 2 * vm->n : 2;
			uint32_t *u = realloc(vm->used, cap * sizeof *u);
			if (!u)
				return refuse(r, DENALI_STAT_ERR_FULL);
			vm->used = u;
		}
		if (!(e = get(r, kind, name, len)))
			return refuse(r, DENALI_STAT_ERR_FULL);
		vm->used[vm->n++] = (uint32_t)(e - r->e);
	}
	assert(e->kind == kind && vm->n <= DENALI_STATS_PER_VM);
	if (kind == RESULTS_SAMPLE) {
		hist_add(e->hist, v);
	} else {
		e->count++;
		e->sum += v;
	}
	return 0;
}

int results_restore(struct results *r, const char *name, uint8_t kind, uint64_t count,
		    uint64_t sum, const struct hist *h)
{
	uint32_t len = (uint32_t)strnlen(name, DENALI_STAT_NAME_MAX + 1);
	if (!name_ok(name, len) || (kind != RESULTS_COUNTER && kind != RESULTS_SAMPLE) ||
	    (kind == RESULTS_SAMPLE) != (h != NULL))
		return -1;
	if (r->hash_size && *slot(r, name, len, kind))
		return -1; // twice
	struct results_entry *e = get(r, kind, name, len);
	if (!e)
		return -1;
	if (h) {
		*e->hist = *h;
	} else {
		e->count = count;
		e->sum = sum;
	}
	return 0;
}

const struct results_entry *results_find(const struct results *r, const char *name)
{
	for (uint32_t i = 0; i < r->n; i++)
		if (!strcmp(r->e[i].name, name))
			return &r->e[i];
	return NULL;
}

const struct results_entry *results_find_kind(const struct results *r, const char *name,
					      enum results_kind kind)
{
	if (!r->hash_size || strlen(name) > DENALI_STAT_NAME_MAX)
		return NULL;
	uint32_t *s = slot(r, name, (uint32_t)strlen(name), (uint8_t)kind);
	return *s ? &r->e[*s - 1] : NULL;
}

uint64_t results_count(const struct results_entry *e)
{
	return e->hist ? e->hist->n : e->count;
}

uint64_t results_sum(const struct results_entry *e)
{
	return e->hist ? e->hist->sum : e->sum;
}

uint64_t results_digest(const struct results *r, uint64_t h)
{
	for (uint32_t i = 0; i < r->n; i++) {
		const struct results_entry *e = &r->e[i];
		h = digest_bytes(h, e->name, strlen(e->name));
		h = digest_u32(h, e->kind);
		if (e->hist) {
			h = hist_digest(e->hist, h);
		} else {
			h = digest_u64(h, e->count);
			h = digest_u64(h, e->sum);
		}
	}
	return digest_u64(h, r->rejected);
}

// --- checkpoints (kernel_ckpt.c) ----------------------------------------------------

static void pack_hist(struct pack *b, const struct hist *h)
{
	pack_u64(b, h->n);
	pack_u64(b, h->min);
	pack_u64(b, h->max);
	pack_u64(b, h->sum);
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		pack_u64(b, h->bucket[i]);
}

static void unpack_hist(struct unpack *u, struct hist *h)
{
	h->n = unpack_u64(u);
	h->min = unpack_u64(u);
	h->max = unpack_u64(u);
	h->sum = unpack_u64(u);
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		h->bucket[i] = unpack_u64(u);
}

void results_ckpt_save(const struct results *r, struct pack *b)
{
	pack_u64(b, r->rejected);
	pack_u32(b, r->n);
	for (uint32_t i = 0; i < r->n; i++) {
		const struct results_entry *e = &r->e[i];
		pack_bytes(b, e->name, (uint32_t)strlen(e->name));
		pack_u8(b, e->kind);
		if (e->kind == RESULTS_SAMPLE) {
			pack_hist(b, e->hist);
		} else {
			pack_u64(b, e->count);
			pack_u64(b, e->sum);
		}
	}
	pack_u8(b, r->vm != NULL);
	for (uint32_t v = 0; r->vm && v < r->nvms; v++) {
		pack_u32(b, r->vm[v].n);
		for (uint32_t i = 0; i < r->vm[v].n; i++)
			pack_u32(b, r->vm[v].used[i]);
	}
}

int results_ckpt_load(struct results *r, struct unpack *u)
{
	if (r->n || r->vm)
		return -1; // a fresh table only
	r->rejected = unpack_u64(u);
	uint32_t n = unpack_u32(u);
	if (u->bad || n > (uint64_t)r->nvms * DENALI_STATS_PER_VM)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len;
		const uint8_t *name = unpack_bytes(u, DENALI_STAT_NAME_MAX, &len);
		char buf[DENALI_STAT_NAME_MAX + 1];
		if (!name)
			return -1;
		memcpy(buf, name, len);
		buf[len] = 0;
		uint8_t kind = unpack_u8(u);
		struct hist h;
		uint64_t count = 0, sum = 0;
		if (kind == RESULTS_SAMPLE) {
			unpack_hist(u, &h);
		} else {
			count = unpack_u64(u);
			sum = unpack_u64(u);
		}
		if (u->bad || strlen(buf) != len ||
		    results_restore(r, buf, kind, count, sum, kind == RESULTS_SAMPLE ? &h : NULL) != 0)
			return -1;
	}
	if (!unpack_u8(u))
		return u->bad ? -1 : 0;
	if (!(r->vm = calloc(r->nvms, sizeof *r->vm)))
		return -1;
	for (uint32_t v = 0; v < r->nvms; v++) {
		struct results_vm *vm = &r->vm[v];
		uint32_t k = unpack_u32(u);
		if (u->bad || k > DENALI_STATS_PER_VM)
			return -1;
		if (!k)
			continue;
		// The array's capacity as results_report grows it: the next power of two.
		uint32_t cap = 2;
		while (cap < k)
			cap *= 2;
		if (!(vm->used = malloc(cap * sizeof *vm->used)))
			return -1;
		vm->n = k;
		for (uint32_t i = 0; i < k; i++) {
			vm->used[i] = unpack_u32(u);
			if (u->bad || vm->used[i] >= r->n)
				return -1;
		}
	}
	return 0;
}
