// SPDX-License-Identifier: MIT
// The document table (docs.h). A mutex guards the lazy creation, because natively the
// connection threads are preemptive; in a guest it is never contended.
#include "docs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appargs.h"
#include "docpat.h"

static struct doc docs[DOCS_MAX];
static int ndocs;
static pthread_mutex_t docs_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *preload[DOCS_MAX]; // names from preload= (point into argv)
static int npreload;

static struct doc *find(const char *name)
{
	for (int i = 0; i < ndocs; i++)
		if (strcmp(docs[i].name, name) == 0)
			return &docs[i];
	return NULL;
}

static const char *add(const char *name, size_t name_len, uint64_t size)
{
	if (name_len == 0 || name[0] != '/')
		return "a document name starts with '/'";
	if (name_len > DOCS_NAME_MAX)
		return "document name too long (at most 63 bytes)";
	for (size_t i = 0; i < name_len; i++)
		if ((unsigned char)name[i] <= ' ' || name[i] == '?' || name[i] == 0x7f)
			return "a document name has no spaces, '?' or control characters";
	if (size > DOCS_SIZE_MAX)
		return "document too large (at most 16M)";
	char buf[DOCS_NAME_MAX + 1];
	memcpy(buf, name, name_len);
	buf[name_len] = '\0';
	struct doc *d = find(buf);
	if (!d) {
		if (ndocs == DOCS_MAX)
			return "too many documents (at most 32)";
		d = &docs[ndocs++];
		memcpy(d->name, buf, name_len + 1);
	}
	d->size = (uint32_t)size;
	return NULL;
}

void docs_init(void)
{
	add("/small", 6, 2258);
	add("/large", 6, 134007);
	add("/100k", 5, 102400);
}

const char *docs_arg(const char *value, void *ctx)
{
	(void)ctx;
	const char *colon = strrchr(value, ':');
	if (!colon)
		return "expected doc=/name:SIZE";
	uint64_t size;
	const char *err = appargs_size(colon + 1, &size);
	if (err)
		return err;
	return add(value, (size_t)(colon - value), size);
}

const struct doc *docs_get(const char *path, int *oom)
{
	*oom = 0;
	struct doc *d = find(path);
	if (!d)
		return NULL;
	pthread_mutex_lock(&docs_lock);
	if (!d->data) {
		uint8_t *p = malloc(d->size ? d->size : 1);
		if (p)
			docpat_fill(docpat_seed(d->name), 0, p, d->size);
		d->data = p;
	}
	pthread_mutex_unlock(&docs_lock);
	if (!d->data) {
		*oom = 1;
		return NULL;
	}
	return d;
}

const char *docs_preload_arg(const char *value, void *ctx)
{
	(void)ctx;
	if (npreload == DOCS_MAX)
		return "too many preload= arguments";
	preload[npreload++] = value;
	return NULL;
}

int docs_preload_check(void)
{
	for (int i = 0; i < npreload; i++) {
		if (!find(preload[i])) {
			fprintf(stderr, "httpd: bad argument 'preload=%s': no such document\n",
				preload[i]);
			return -1;
		}
	}
	return 0;
}

int docs_preload(void)
{
	for (int i = 0; i < npreload; i++) {
		int oom;
		if (!docs_get(preload[i], &oom)) {
			printf("httpd: preload=%s: out of memory\n", preload[i]);
			return -1;
		}
	}
	return 0;
}

int docs_count(void) { return ndocs; }
