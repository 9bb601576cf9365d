// SPDX-License-Identifier: MIT
// Console input (console_in.h): the bytes, loaded once, and one read position per VM.
#include "devices/console_in.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load_file(struct console_in *ci, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "--console-in %s: %s", path, strerror(errno));
		return -1;
	}
	size_t cap = 4096, n = 0;
	uint8_t *b = malloc(cap);
	if (!b) {
		fclose(f);
		snprintf(err, errlen, "--console-in %s: out of memory", path);
		return -1;
	}
	for (;;) {
		if (n == cap) {
			if (cap > CONSOLE_IN_MAX)
				break;
			uint8_t *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
		size_t got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	bool rerr = ferror(f);
	fclose(f);
	if (!b) {
		snprintf(err, errlen, "--console-in %s: out of memory", path);
		return -1;
	}
	if (rerr || n > CONSOLE_IN_MAX) {
		snprintf(err, errlen, "--console-in %s: %s", path,
			 rerr ? "cannot read it" : "larger than 16 MiB");
		free(b);
		return -1;
	}
	ci->data = b;
	ci->len = (uint32_t)n;
	return 0;
}

int console_in_open(struct console_in *ci, const char *path, const char *text, int64_t vm,
		    uint32_t nvms, char *err, size_t errlen)
{
	memset(ci, 0, sizeof(*ci));
	ci->vm = vm;
	ci->nvms = nvms;
	if (vm >= (int64_t)nvms) {
		snprintf(err, errlen, "--console-in-vm %lld: no such VM (%u VMs)",
			 (long long)vm, nvms);
		return -1;
	}
	if (path) {
		if (load_file(ci, path, err, errlen) != 0)
			return -1;
	} else if (text) {
		size_t n = strlen(text);
		ci->data = malloc(n ? n : 1);
		if (!ci->data)
			goto oom;
		memcpy(ci->data, text, n);
		ci->len = (uint32_t)n;
	}
	ci->pos = calloc(nvms, sizeof(*ci->pos));
	ci->signalled = calloc(nvms, sizeof(*ci->signalled));
	if (!ci->pos || !ci->signalled)
		goto oom;
	return 0;
oom:
	console_in_close(ci);
	snprintf(err, errlen, "console input: out of memory");
	return -1;
}

void console_in_close(struct console_in *ci)
{
	free(ci->data);
	free(ci->pos);
	free(ci->signalled);
	memset(ci, 0, sizeof(*ci));
}

uint32_t console_in_avail(const struct console_in *ci, uint32_t vm_id)
{
	if (!ci->pos || vm_id >= ci->nvms || (ci->vm >= 0 && (int64_t)vm_id != ci->vm))
		return 0;
	return ci->len - ci->pos[vm_id];
}

bool console_in_take_signal(struct console_in *ci, uint32_t vm_id)
{
	if (!console_in_avail(ci, vm_id) || ci->signalled[vm_id])
		return false;
	ci->signalled[vm_id] = true;
	return true;
}

uint32_t console_in_read(struct console_in *ci, uint32_t vm_id, uint32_t addr,
			 uint32_t cap,
			 int (*copyout)(void *ctx, uint32_t addr, const void *src, uint32_t len),
			 void *ctx)
{
	uint32_t n = console_in_avail(ci, vm_id);
	if (n > cap)
		n = cap;
	if (n > CONSOLE_IN_READ_MAX)
		n = CONSOLE_IN_READ_MAX;
	if (n == 0)
		return 0;
	if (copyout(ctx, addr, ci->data + ci->pos[vm_id], n) != 0)
		return UINT32_MAX;
	ci->pos[vm_id] += n;
	return n;
}
