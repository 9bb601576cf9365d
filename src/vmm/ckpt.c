// SPDX-License-Identifier: MIT
// The checkpoint container (ckpt.h: the layout): framing, SHA-256 per section, zstd.
// Every length read from a file is checked against the bytes that remain before it is
// used, and a section's checksum before its bytes reach the decompressor.
#include "vmm/ckpt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define MAGIC_LEN 8

void ckpt_write_begin(struct ckpt_writer *w, const char *build)
{
	memset(w, 0, sizeof *w);
	pack_init(&w->out);
	w->level = 3;
	size_t bl = strlen(build);
	if (bl == 0 || bl > CKPT_BUILD_MAX) {
		w->failed = true;
		snprintf(w->err, sizeof w->err, "checkpoint: bad build identity");
		return;
	}
	pack_raw(&w->out, CKPT_MAGIC, MAGIC_LEN);
	pack_u32(&w->out, CKPT_VERSION);
	pack_u32(&w->out, (uint32_t)bl);
	pack_raw(&w->out, build, bl);
	w->count_at = w->out.len;
	pack_u32(&w->out, 0); // the section count, set by ckpt_write_end
}

int ckpt_write_section(struct ckpt_writer *w, uint32_t tag, uint32_t id, const void *raw,
		       size_t n)
{
	if (w->failed)
		return -1;
	if (w->nsec >= CKPT_MAX_SECTIONS || n > CKPT_MAX_RAW) {
		w->failed = true;
		snprintf(w->err, sizeof w->err, "checkpoint: too many sections or one too large");
		return -1;
	}
	size_t bound = ZSTD_compressBound(n);
	uint8_t *z = malloc(bound ? bound : 1);
	if (!z) {
		w->failed = true;
		snprintf(w->err, sizeof w->err, "checkpoint: out of memory");
		return -1;
	}
	size_t zn = ZSTD_compress(z, bound, raw, n, w->level);
	if (ZSTD_isError(zn)) {
		free(z);
		w->failed = true;
		snprintf(w->err, sizeof w->err, "checkpoint: zstd: %s", ZSTD_getErrorName(zn));
		return -1;
	}
	uint8_t sum[SHA256_BYTES];
	sha256(z, zn, sum);
	pack_u32(&w->out, tag);
	pack_u32(&w->out, id);
	pack_u64(&w->out, n);
	pack_u64(&w->out, zn);
	pack_raw(&w->out, sum, sizeof sum);
	pack_raw(&w->out, z, zn);
	free(z);
	if (w->out.oom) {
		w->failed = true;
		snprintf(w->err, sizeof w->err, "checkpoint: out of memory");
		return -1;
	}
	w->nsec++;
	return 0;
}

int ckpt_write_end(struct ckpt_writer *w, uint8_t **bytes, size_t *len)
{
	*bytes = NULL;
	*len = 0;
	if (w->failed || w->out.oom || w->nsec == 0) {
		if (!w->failed)
			snprintf(w->err, sizeof w->err, w->out.oom ? "checkpoint: out of memory" : "checkpoint: no sections");
		ckpt_write_abort(w);
		w->failed = true;
		return -1;
	}
	for (int i = 0; i < 4; i++)
		w->out.p[w->count_at + i] = (uint8_t)(w->nsec >> (8 * i));
	*bytes = w->out.p;
	*len = w->out.len;
	pack_init(&w->out);
	return 0;
}

void ckpt_write_abort(struct ckpt_writer *w)
{
	pack_free(&w->out);
}

const char *ckpt_section_name(uint32_t tag, uint32_t id, char *buf, size_t len)
{
	char t[5];
	for (int i = 0; i < 4; i++) {
		char c = (char)(tag >> (8 * i));
		t[i] = c >= 0x21 && c <= 0x7e ? c : '?';
	}
	t[4] = 0;
	snprintf(buf, len, "%s/%u", t, id);
	return buf;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

int ckpt_read_open(struct ckpt_reader *r, const uint8_t *p, size_t len, const char *name,
		   const char *expect_build, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	r->name = name;
	r->max_raw = CKPT_MAX_RAW;
	if (len < MAGIC_LEN || memcmp(p, CKPT_MAGIC, MAGIC_LEN) != 0) {
		snprintf(err, errlen, "%s: not a denali checkpoint (bad magic)", name);
		return -1;
	}
	if (len < 16) {
		snprintf(err, errlen, "%s: truncated checkpoint header", name);
		return -1;
	}
	uint32_t ver = rd32(p + 8), bl = rd32(p + 12);
	if (ver != CKPT_VERSION) {
		snprintf(err, errlen, "%s: checkpoint format version %u, this denali reads version %u",
			 name, ver, CKPT_VERSION);
		return -1;
	}
	if (bl == 0 || bl > CKPT_BUILD_MAX) {
		snprintf(err, errlen, "%s: bad build identity length %u", name, bl);
		return -1;
	}
	if (len - 16 < (size_t)bl + 4) {
		snprintf(err, errlen, "%s: truncated checkpoint header", name);
		return -1;
	}
	memcpy(r->build, p + 16, bl);
	r->build[bl] = 0;
	for (uint32_t i = 0; i < bl; i++)
		if (p[16 + i] < 0x20 || p[16 + i] > 0x7e) {
			snprintf(err, errlen, "%s: bad build identity", name);
			return -1;
		}
	if (expect_build && strcmp(r->build, expect_build) != 0) {
		snprintf(err, errlen, "%s: written by another build (%s; this is %s)", name,
			 r->build, expect_build);
		return -1;
	}
	size_t off = 16 + (size_t)bl;
	uint32_t n = rd32(p + off);
	off += 4;
	if (n == 0 || n > CKPT_MAX_SECTIONS) {
		snprintf(err, errlen, "%s: bad section count %u", name, n);
		return -1;
	}
	r->sec = calloc(n, sizeof *r->sec);
	if (!r->sec) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	char sn[24];
	for (uint32_t i = 0; i < n; i++) {
		if (len - off < CKPT_SEC_HEADER) {
			snprintf(err, errlen, "%s: truncated: section %u of %u is missing", name,
				 i + 1, n);
			goto bad;
		}
		struct ckpt_section *s = &r->sec[i];
		s->tag = rd32(p + off);
		s->id = rd32(p + off + 4);
		s->raw_len = rd64(p + off + 8);
		s->stored_len = rd64(p + off + 16);
		s->sum = p + off + 24;
		off += CKPT_SEC_HEADER;
		ckpt_section_name(s->tag, s->id, sn, sizeof sn);
		if (s->stored_len > len - off) {
			snprintf(err, errlen, "%s: section %s: truncated (%llu bytes stored, %zu left)",
				 name, sn, (unsigned long long)s->stored_len, len - off);
			goto bad;
		}
		s->stored = p + off;
		off += s->stored_len;
		for (uint32_t j = 0; j < i; j++)
			if (r->sec[j].tag == s->tag && r->sec[j].id == s->id) {
				snprintf(err, errlen, "%s: section %s: appears twice", name, sn);
				goto bad;
			}
	}
	if (off != len) {
		snprintf(err, errlen, "%s: %zu bytes after the last section", name, len - off);
		goto bad;
	}
	r->n = n;
	return 0;
bad:
	ckpt_read_close(r);
	return -1;
}

void ckpt_read_close(struct ckpt_reader *r)
{
	free(r->sec);
	r->sec = NULL;
	r->n = 0;
}

const struct ckpt_section *ckpt_find(const struct ckpt_reader *r, uint32_t tag, uint32_t id)
{
	for (uint32_t i = 0; i < r->n; i++)
		if (r->sec[i].tag == tag && r->sec[i].id == id)
			return &r->sec[i];
	return NULL;
}

int ckpt_read_section(const struct ckpt_reader *r, const struct ckpt_section *s,
		      uint8_t **out, size_t *n, char *err, size_t errlen)
{
	char sn[24];
	ckpt_section_name(s->tag, s->id, sn, sizeof sn);
	*out = NULL;
	*n = 0;
	uint8_t sum[SHA256_BYTES];
	sha256(s->stored, s->stored_len, sum);
	if (memcmp(sum, s->sum, SHA256_BYTES) != 0) {
		snprintf(err, errlen, "%s: section %s: checksum mismatch (the file is damaged)",
			 r->name, sn);
		return -1;
	}
	if (s->raw_len > r->max_raw) {
		snprintf(err, errlen, "%s: section %s: %llu bytes, more than the limit of %llu",
			 r->name, sn, (unsigned long long)s->raw_len,
			 (unsigned long long)r->max_raw);
		return -1;
	}
	unsigned long long fcs = ZSTD_getFrameContentSize(s->stored, s->stored_len);
	if (fcs != s->raw_len) {
		snprintf(err, errlen, "%s: section %s: compressed frame does not hold %llu bytes",
			 r->name, sn, (unsigned long long)s->raw_len);
		return -1;
	}
	uint8_t *buf = malloc(s->raw_len ? s->raw_len : 1);
	if (!buf) {
		snprintf(err, errlen, "%s: section %s: out of memory for %llu bytes", r->name, sn,
			 (unsigned long long)s->raw_len);
		return -1;
	}
	size_t z = ZSTD_decompress(buf, s->raw_len, s->stored, s->stored_len);
	if (ZSTD_isError(z) || z != s->raw_len) {
		snprintf(err, errlen, "%s: section %s: cannot decompress (%s)", r->name, sn,
			 ZSTD_isError(z) ? ZSTD_getErrorName(z) : "short");
		free(buf);
		return -1;
	}
	*out = buf;
	*n = z;
	return 0;
}
