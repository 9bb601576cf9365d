// SPDX-License-Identifier: MIT
// Streaming console lines and --console-dir files (constream.h). Per machine and VM a
// line buffer (only for VMs whose lines are shown) and a file buffer (only with a
// directory), both allocated when the VM first writes.
#include "trace/constream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace/hub.h"
#include "vmm/vm.h"

#define LINE_MAX_BYTES 4096u   // a longer line is written in pieces
#define FILE_CHUNK (64u * 1024u)

struct cvm {
	char *line;
	uint32_t line_len;
	char *fbuf;
	uint32_t flen;
	bool has_file;      // its temporary file exists
};

struct cmachine {
	uint32_t nvms, show;
	struct cvm **v;     // per VM, allocated on first output
	bool err;
	int err_no;
	char err_path[4096];
	uint64_t files;
};

struct constream {
	struct constream_config cfg;
	uint32_t n;
	struct cmachine *m;
	long pid;
};

struct constream *constream_new(const struct constream_config *cfg, uint32_t n,
				const uint32_t *nvms)
{
	struct constream *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->cfg = *cfg;
	c->n = n;
	c->pid = (long)getpid();
	c->m = calloc(n, sizeof *c->m);
	if (!c->m)
		goto fail;
	for (uint32_t i = 0; i < n; i++) {
		struct cmachine *m = &c->m[i];
		m->nvms = nvms[i];
		m->show = cfg->hub && cfg->show ? (cfg->show[i] < nvms[i] ? cfg->show[i] : nvms[i]) : 0;
		if ((m->show || cfg->dir) && !(m->v = calloc(nvms[i], sizeof *m->v)))
			goto fail;
	}
	return c;
fail:
	constream_free(c);
	return NULL;
}

void constream_free(struct constream *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; c->m && i < c->n; i++) {
		struct cmachine *m = &c->m[i];
		for (uint32_t v = 0; m->v && v < m->nvms; v++) {
			if (!m->v[v])
				continue;
			free(m->v[v]->line);
			free(m->v[v]->fbuf);
			free(m->v[v]);
		}
		free(m->v);
	}
	free(c->m);
	free(c);
}

// DIR/vm-N.txt or DIR/mM-vm-N.txt (tmp: the hidden temporary name beside it).
static void path_of(const struct constream *c, uint32_t mi, uint32_t vm, bool tmp, char *buf,
		    size_t len)
{
	char name[64];
	if (mi)
		snprintf(name, sizeof name, "m%u-vm-%u.txt", mi, vm);
	else
		snprintf(name, sizeof name, "vm-%u.txt", vm);
	if (tmp)
		snprintf(buf, len, "%s/.%s.denali-%ld.tmp", c->cfg.dir, name, c->pid);
	else
		snprintf(buf, len, "%s/%s", c->cfg.dir, name);
}

// Appends the VM's file buffer to its temporary file (opened for each piece, so a run
// of a million VMs holds no file descriptors).
static void file_flush(struct constream *c, uint32_t mi, uint32_t vm)
{
	struct cmachine *m = &c->m[mi];
	struct cvm *v = m->v[vm];
	if (!v || (!v->flen && v->has_file) || m->err)
		return;
	char path[4096];
	path_of(c, mi, vm, true, path, sizeof path);
	FILE *f = fopen(path, v->has_file ? "ab" : "wb");
	bool ok = f && fwrite(v->fbuf, 1, v->flen, f) == v->flen;
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok) {
		m->err = true;
		m->err_no = errno;
		snprintf(m->err_path, sizeof m->err_path, "%s", path);
	}
	if (!v->has_file)
		m->files++;
	v->has_file = true;
	v->flen = 0;
}

static void line_out(struct constream *c, uint32_t mi, uint32_t vm, uint64_t t,
		     const char *b, uint32_t n)
{
	if (mi)
		hub_printf(c->cfg.hub, mi, t, c->cfg.stream, "[m%u vm %u] %.*s\n", mi, vm, (int)n, b);
	else
		hub_printf(c->cfg.hub, mi, t, c->cfg.stream, "[vm %u] %.*s\n", vm, (int)n, b);
}

static struct cvm *vm_of(struct cmachine *m, uint32_t vm)
{
	if (!m->v[vm])
		m->v[vm] = calloc(1, sizeof *m->v[vm]);
	return m->v[vm];
}

static void bytes(struct constream *c, uint32_t mi, uint32_t vm, uint64_t t,
		  const uint8_t *b, uint32_t n)
{
	struct cmachine *m = &c->m[mi];
	struct cvm *v = vm_of(m, vm);
	if (!v) {
		m->err = true; // out of memory: the directory's files would be incomplete
		m->err_no = ENOMEM;
		return;
	}
	if (c->cfg.dir) {
		if (!v->fbuf && !(v->fbuf = malloc(FILE_CHUNK))) {
			m->err = true;
			m->err_no = ENOMEM;
		}
		for (uint32_t i = 0; v->fbuf && i < n;) {
			uint32_t k = FILE_CHUNK - v->flen < n - i ? FILE_CHUNK - v->flen : n - i;
			memcpy(v->fbuf + v->flen, b + i, k);
			v->flen += k;
			i += k;
			if (v->flen == FILE_CHUNK)
				file_flush(c, mi, vm);
		}
	}
	if (vm >= m->show)
		return;
	if (!v->line && !(v->line = malloc(LINE_MAX_BYTES)))
		return;
	for (uint32_t i = 0; i < n; i++) {
		if (b[i] == '\n') {
			line_out(c, mi, vm, t, v->line, v->line_len);
			v->line_len = 0;
			continue;
		}
		v->line[v->line_len++] = (char)b[i];
		if (v->line_len == LINE_MAX_BYTES) {
			line_out(c, mi, vm, t, v->line, v->line_len);
			v->line_len = 0;
		}
	}
}

static void vm_done(struct constream *c, uint32_t mi, uint32_t vm, uint64_t t)
{
	struct cmachine *m = &c->m[mi];
	struct cvm *v = m->v ? m->v[vm] : NULL;
	if (!v)
		return;
	if (v->line_len) {
		line_out(c, mi, vm, t, v->line, v->line_len);
		v->line_len = 0;
	}
	if (c->cfg.dir)
		file_flush(c, mi, vm);
	free(v->line);
	free(v->fbuf);
	v->line = v->fbuf = NULL;
}

void constream_event(void *ctx, const struct obs_event *ev)
{
	struct constream *c = ctx;
	if (ev->machine >= c->n)
		return;
	struct cmachine *m = &c->m[ev->machine];
	if (!m->v || ev->vm >= m->nvms)
		return;
	if (ev->kind == OBS_CONSOLE)
		bytes(c, ev->machine, ev->vm, ev->time, ev->u.console.bytes, ev->u.console.len);
	else if (ev->kind == OBS_VM_END)
		vm_done(c, ev->machine, ev->vm, ev->time);
}

void constream_end_machine(struct constream *c, uint32_t mi, uint64_t t)
{
	if (mi >= c->n || !c->m[mi].v)
		return;
	for (uint32_t vm = 0; vm < c->m[mi].nvms; vm++)
		vm_done(c, mi, vm, t);
}

int constream_finish(struct constream *c, char *err, size_t errlen)
{
	int rc = 0;
	for (uint32_t mi = 0; mi < c->n; mi++) {
		struct cmachine *m = &c->m[mi];
		if (m->err && !rc) {
			snprintf(err, errlen, "--console-dir %s: cannot write %s: %s", c->cfg.dir,
				 m->err_path[0] ? m->err_path : "a console file", strerror(m->err_no));
			rc = -1;
		}
		for (uint32_t vm = 0; c->cfg.dir && m->v && vm < m->nvms; vm++) {
			if (!m->v[vm] || !m->v[vm]->has_file)
				continue;
			char tmp[4096], fin[4096];
			path_of(c, mi, vm, true, tmp, sizeof tmp);
			path_of(c, mi, vm, false, fin, sizeof fin);
			if (rename(tmp, fin) != 0 && !rc) {
				snprintf(err, errlen, "--console-dir %s: cannot rename into %s: %s",
					 c->cfg.dir, fin, strerror(errno));
				rc = -1;
			}
			m->v[vm]->has_file = false;
		}
	}
	return rc;
}

void constream_abort(struct constream *c)
{
	for (uint32_t mi = 0; c && mi < c->n; mi++) {
		struct cmachine *m = &c->m[mi];
		for (uint32_t vm = 0; c->cfg.dir && m->v && vm < m->nvms; vm++) {
			if (!m->v[vm] || !m->v[vm]->has_file)
				continue;
			char tmp[4096];
			path_of(c, mi, vm, true, tmp, sizeof tmp);
			unlink(tmp);
			m->v[vm]->has_file = false;
		}
	}
}

uint64_t constream_files(const struct constream *c)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < c->n; i++)
		n += c->m[i].files;
	return n;
}
