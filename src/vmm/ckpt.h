// SPDX-License-Identifier: MIT
// The checkpoint file container (ckpt.c): a versioned file of tagged, checksummed,
// zstd-compressed sections. What goes into the sections is their owners' business
// (kernel_ckpt.c for a machine; the front end adds its own); this file only frames,
// checks and compresses them. A checkpoint is untrusted input: the reader checks every
// length against the bytes there are and every section's SHA-256 before a byte of it
// is decompressed, and says what is wrong in one line naming the file and the section.
//
// Layout (integers little-endian):
//   offset  size  field
//   0       8     magic "DNLCKPT\n"
//   8       4     format version (CKPT_VERSION)
//   12      4     build identity length B (1..CKPT_BUILD_MAX)
//   16      B     build identity (text: the denali version and git commit that wrote it;
//                 a file of another build is refused, since state layouts may differ)
//   16+B    4     section count N (1..CKPT_MAX_SECTIONS)
//   then N sections, each:
//   0       4     tag (four ASCII letters, e.g. "KERN")
//   4       4     id (e.g. the machine number)
//   8       8     raw length R (bytes after decompression, at most CKPT_MAX_RAW)
//   16      8     stored length S
//   24      32    SHA-256 of the S stored bytes
//   56      S     a zstd frame whose content size is R
// The file ends right after the last section. (tag, id) pairs are unique.
#ifndef DENALI_VMM_CKPT_H
#define DENALI_VMM_CKPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/pack.h"
#include "vmm/sha256.h"

#define CKPT_MAGIC "DNLCKPT\n"
#define CKPT_VERSION 1u
#define CKPT_BUILD_MAX 256u
#define CKPT_MAX_SECTIONS 4096u
#define CKPT_MAX_RAW (64ull << 30) // 64 GiB of state in one section
#define CKPT_SEC_HEADER 56u

// A tag from its four letters: CKPT_TAG('K','E','R','N').
#define CKPT_TAG(a, b, c, d) \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

// Writing: sections are compressed as they are added; the result is one byte buffer.
struct ckpt_writer {
	struct pack out;
	uint32_t nsec;
	size_t count_at; // offset of the section count
	int level;       // zstd level
	bool failed;     // out of memory, or a compression error (err says)
	char err[160];
};

// Starts a file written by `build` (the front end's build identity).
void ckpt_write_begin(struct ckpt_writer *w, const char *build);
// Adds section (tag, id) holding n raw bytes. Returns 0, or -1 (w->err says why).
int ckpt_write_section(struct ckpt_writer *w, uint32_t tag, uint32_t id, const void *raw,
		       size_t n);
// Ends the file: *bytes (the writer's buffer, now the caller's to free) and *len.
// Returns 0, or -1 when anything failed (nothing to free then).
int ckpt_write_end(struct ckpt_writer *w, uint8_t **bytes, size_t *len);
void ckpt_write_abort(struct ckpt_writer *w);

struct ckpt_section {
	uint32_t tag, id;
	uint64_t raw_len, stored_len;
	const uint8_t *stored; // into the file's bytes
	const uint8_t *sum;    // its SHA-256 (32 bytes, in the file)
};

// Reading: the whole file is in memory (the caller's, kept while the reader is used).
struct ckpt_reader {
	const char *name;         // for messages (the file's path)
	char build[CKPT_BUILD_MAX + 1];
	uint32_t n;
	struct ckpt_section *sec;
	uint64_t max_raw;         // a section larger than this is refused (CKPT_MAX_RAW)
};

// Checks the header and frames every section (lengths, uniqueness); checksums are
// checked as sections are read. expect_build NULL accepts any build (tools that only
// list sections). Returns 0, or -1 with one line in err ("NAME: ...").
int ckpt_read_open(struct ckpt_reader *r, const uint8_t *p, size_t len, const char *name,
		   const char *expect_build, char *err, size_t errlen);
void ckpt_read_close(struct ckpt_reader *r);
// Section (tag, id), or NULL.
const struct ckpt_section *ckpt_find(const struct ckpt_reader *r, uint32_t tag, uint32_t id);
// Checks section s's SHA-256 and decompresses it into *out (malloc'd, *n bytes; the
// caller frees it). Returns 0, or -1 with one line in err naming the file and section.
int ckpt_read_section(const struct ckpt_reader *r, const struct ckpt_section *s,
		      uint8_t **out, size_t *n, char *err, size_t errlen);
// The section's name for messages: "KERN/0" (buf of at least 24 bytes).
const char *ckpt_section_name(uint32_t tag, uint32_t id, char *buf, size_t len);

#endif
