// SPDX-License-Identifier: MIT
// Deterministic document contents, so a client can check every byte it receives
// without a copy of the document: byte `off` of the document named `name` depends only
// on the name and the offset. httpd serves these documents, httpgen verifies them
// (verify=1), tcpbench streams docpat_seed("tcpbench").
//
// The pattern is a hash of (seed, off / 4), four bytes per 32-bit word, so it has no
// short period a TCP bug (a repeated or skipped segment) could hide behind.
#ifndef DENALI_APPS_DOCPAT_H
#define DENALI_APPS_DOCPAT_H

#include <stddef.h>
#include <stdint.h>

// The seed of a document: FNV-1a of its name (e.g. "/small").
uint32_t docpat_seed(const char *name);

// Writes bytes [off, off + n) of the pattern of `seed` to buf.
void docpat_fill(uint32_t seed, uint64_t off, void *buf, size_t n);

// Returns the number of bytes of buf[0..n) that match the pattern at offset off, i.e.
// the index of the first mismatch, or n when all match.
size_t docpat_check(uint32_t seed, uint64_t off, const void *buf, size_t n);

#endif
