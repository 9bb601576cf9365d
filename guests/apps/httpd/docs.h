// SPDX-License-Identifier: MIT
// httpd's documents: a table of names and sizes, each document's bytes the
// deterministic pattern of its name (common/docpat.h), so clients can verify them.
// The defaults are the paper's objects: /small (2,258 bytes, about the median web
// object), /large (134,007 bytes) and /100k (102,400 bytes, Figures 4 and 5); doc=
// arguments add more. A document's bytes are made on its first request and then kept
// in memory for good: a VM that only ever serves /small holds only /small.
#ifndef DENALI_APPS_HTTPD_DOCS_H
#define DENALI_APPS_HTTPD_DOCS_H

#include <stdint.h>

#define DOCS_MAX 32
#define DOCS_NAME_MAX 63
#define DOCS_SIZE_MAX (16u << 20)

struct doc {
	char name[DOCS_NAME_MAX + 1];
	uint32_t size;
	uint8_t *data; // NULL until the first request
};

// Adds the three default documents.
void docs_init(void);

// The appargs FUNC handler for doc=/name:SIZE (adds or resizes a document). Returns
// NULL or an error text.
const char *docs_arg(const char *value, void *ctx);

// The document named path (exact match), with its bytes made; NULL when there is no
// such document. *oom is set when it exists but its bytes could not be allocated.
const struct doc *docs_get(const char *path, int *oom);

// The appargs FUNC handler for preload=/name: makes that document's bytes at start-up
// instead of on its first request (the name must exist when main calls docs_preload).
const char *docs_preload_arg(const char *value, void *ctx);
// Checks that every preload= name is a document. Returns 0, or -1 after printing a
// bad-argument line.
int docs_preload_check(void);
// Makes the documents named by preload= arguments. Returns 0, or -1 after printing
// which one did not fit in memory.
int docs_preload(void);

// Number of documents in the table.
int docs_count(void);

#endif
