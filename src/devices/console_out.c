// SPDX-License-Identifier: MIT
// Console output (console_out.h): per VM a buffer that grows by doubling up to the cap,
// and a scratch buffer of CONSOLE_OUT_WRITE_MAX bytes that a console write copies the
// guest's bytes into first, so a buffer partly outside guest memory writes nothing.
#include "devices/console_out.h"

#include <stdlib.h>
#include <string.h>

struct console_out {
	struct devset_host h;
	uint32_t nvms, cap;
	struct console_out_vm *vm;
	uint8_t *scratch;   // CONSOLE_OUT_WRITE_MAX bytes
};

int console_out_new(struct console_out **out, uint32_t nvms, uint32_t cap_bytes,
		    const struct devset_host *h)
{
	struct console_out *c = calloc(1, sizeof *c);
	*out = NULL;
	if (!c)
		return -1;
	c->vm = calloc(nvms ? nvms : 1, sizeof *c->vm);
	c->scratch = malloc(CONSOLE_OUT_WRITE_MAX);
	if (!c->vm || !c->scratch) {
		console_out_free(c);
		return -1;
	}
	c->h = *h;
	c->nvms = nvms;
	c->cap = cap_bytes;
	*out = c;
	return 0;
}

void console_out_free(struct console_out *c)
{
	if (!c)
		return;
	if (c->vm)
		for (uint32_t i = 0; i < c->nvms; i++)
			free(c->vm[i].bytes);
	free(c->vm);
	free(c->scratch);
	free(c);
}

// Appends n bytes, keeping at most cap bytes in total. Returns -1 when out of host
// memory (the bytes are still counted in total).
static int append(struct console_out_vm *v, const uint8_t *bytes, uint32_t n, uint32_t cap)
{
	v->total += n;
	if (v->len >= cap)
		return 0;
	if (n > cap - v->len)
		n = cap - v->len; // keep the first cap bytes
	if (v->len + n > v->alloc) {
		uint32_t want = v->alloc ? v->alloc : 64;
		while (want < v->len + n)
			want = want > cap / 2 ? cap : want * 2;
		uint8_t *p = realloc(v->bytes, want);
		if (!p)
			return -1;
		v->bytes = p;
		v->alloc = want;
	}
	memcpy(v->bytes + v->len, bytes, n);
	v->len += n;
	return 0;
}

int console_out_putc(struct console_out *c, uint32_t vm_id, uint8_t byte)
{
	if (vm_id >= c->nvms)
		return 0;
	return append(&c->vm[vm_id], &byte, 1, c->cap);
}

int console_out_write(struct console_out *c, uint32_t vm_id, uint32_t addr, uint32_t len,
		      uint32_t *written)
{
	*written = UINT32_MAX;
	if (vm_id >= c->nvms)
		return 0;
	if (len > CONSOLE_OUT_WRITE_MAX)
		len = CONSOLE_OUT_WRITE_MAX;
	if (c->h.copyin(c->h.ctx, vm_id, c->scratch, addr, len) != 0)
		return 0;
	*written = len;
	return append(&c->vm[vm_id], c->scratch, len, c->cap);
}

int console_out_restore(struct console_out *c, uint32_t vm_id, const uint8_t *bytes,
			uint32_t n, uint64_t total)
{
	if (vm_id >= c->nvms || n > c->cap || n > total)
		return -1;
	struct console_out_vm v = { 0 };
	if (n && append(&v, bytes, n, c->cap) != 0) {
		free(v.bytes);
		return -1;
	}
	free(c->vm[vm_id].bytes);
	v.total = total;
	c->vm[vm_id] = v;
	return 0;
}

const struct console_out_vm *console_out_vm(const struct console_out *c, uint32_t vm_id)
{
	return vm_id < c->nvms ? &c->vm[vm_id] : NULL;
}

uint64_t console_out_host_bytes(const struct console_out *c)
{
	uint64_t b = sizeof *c + (uint64_t)c->nvms * sizeof *c->vm + CONSOLE_OUT_WRITE_MAX;
	for (uint32_t i = 0; i < c->nvms; i++)
		b += c->vm[i].alloc;
	return b;
}
