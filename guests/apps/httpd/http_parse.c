// SPDX-License-Identifier: MIT
// HTTP/1.x request parsing (http_parse.h). Line by line; each line is a [p, e) range
// inside the caller's buffer, with e at its '\n' (and a preceding '\r' dropped).
#include "http_parse.h"

#include <string.h>

// RFC 9110 tchar: the characters of a method or a header name.
static int is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

// Case-insensitive comparison of [p, e) with the NUL-terminated lowercase word w.
static int token_is(const char *p, const char *e, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(e - p) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)p[i]) != w[i])
			return 0;
	return 1;
}

// Finds the next line at p: sets *le to its end (without '\r') and returns the start
// of the line after it, or NULL when no '\n' is in [p, end).
static const char *next_line(const char *p, const char *end, const char **le)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl)
		return NULL;
	*le = (nl > p && nl[-1] == '\r') ? nl - 1 : nl;
	return nl + 1;
}

static int parse_request_line(const char *p, const char *e, struct http_request *r)
{
	const char *m = p;
	while (p < e && is_tchar((unsigned char)*p))
		p++;
	if (p == m || p == e || *p != ' ')
		return HTTP_PARSE_BAD;
	// Methods are case-sensitive: "get" is some other method (405).
	if (p - m == 3 && memcmp(m, "GET", 3) == 0)
		r->method = HTTP_GET;
	else if (p - m == 4 && memcmp(m, "HEAD", 4) == 0)
		r->method = HTTP_HEAD;
	else
		r->method = HTTP_OTHER;
	p++;
	const char *t = p;
	while (p < e && (unsigned char)*p > ' ' && *p != 0x7f)
		p++;
	if (p == t || *t != '/' || p == e || *p != ' ')
		return HTTP_PARSE_BAD;
	const char *q = memchr(t, '?', (size_t)(p - t));
	const char *tend = q ? q : p;
	if ((size_t)(tend - t) > HTTP_PATH_MAX)
		return HTTP_PARSE_URI_LONG;
	memcpy(r->path, t, (size_t)(tend - t));
	r->path[tend - t] = '\0';
	p++;
	if (e - p != 8 || memcmp(p, "HTTP/", 5) != 0 || p[5] < '0' || p[5] > '9' ||
		p[6] != '.' || p[7] < '0' || p[7] > '9')
		return HTTP_PARSE_BAD;
	if (p[5] != '1')
		return p[5] == '0' ? HTTP_PARSE_BAD : HTTP_PARSE_VERSION;
	r->minor = (unsigned)(p[7] - '0');
	return HTTP_PARSE_OK;
}

// Connection: a comma-separated list of tokens; sets *close or *keep.
static void connection_tokens(const char *p, const char *e, int *close, int *keep)
{
	while (p < e) {
		while (p < e && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		const char *t = p;
		while (p < e && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		if (token_is(t, p, "close"))
			*close = 1;
		else if (token_is(t, p, "keep-alive"))
			*keep = 1;
	}
}

// Content-Length: digits only; sets *len. Returns 0 or an http_parse_result.
static int content_length(const char *p, const char *e, uint64_t *len)
{
	uint64_t v = 0;
	if (p == e)
		return HTTP_PARSE_BAD;
	for (; p < e; p++) {
		if (*p < '0' || *p > '9')
			return HTTP_PARSE_BAD;
		if (v > HTTP_BODY_MAX)
			return HTTP_PARSE_BODY; // stop before it can overflow
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > HTTP_BODY_MAX)
		return HTTP_PARSE_BODY;
	*len = v;
	return 0;
}

int http_parse_request(const char *buf, size_t len, struct http_request *r)
{
	const char *p = buf, *end = buf + len, *le, *next;
	// Empty lines before the request line are allowed (RFC 9112 2.2).
	for (;;) {
		next = next_line(p, end, &le);
		if (!next)
			return HTTP_PARSE_INCOMPLETE;
		if (le != p)
			break;
		p = next;
	}
	memset(r, 0, sizeof *r);
	int res = parse_request_line(p, le, r);
	if (res != HTTP_PARSE_OK)
		return res;
	int close = 0, keep = 0, host = 0, have_len = 0;
	for (p = next;; p = next) {
		next = next_line(p, end, &le);
		if (!next)
			return HTTP_PARSE_INCOMPLETE;
		if (le == p)
			break; // the empty line: end of the headers
		const char *n = p;
		while (p < le && is_tchar((unsigned char)*p))
			p++;
		// No name (this also rejects obsolete line folding), or no colon right after.
		if (p == n || p == le || *p != ':')
			return HTTP_PARSE_BAD;
		const char *ne = p++;
		for (const char *c = p; c < le; c++)
			if (((unsigned char)*c < ' ' && *c != '\t') || *c == 0x7f)
				return HTTP_PARSE_BAD;
		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		const char *ve = le;
		while (ve > p && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (token_is(n, ne, "connection")) {
			connection_tokens(p, ve, &close, &keep);
		} else if (token_is(n, ne, "host")) {
			host = 1;
		} else if (token_is(n, ne, "transfer-encoding")) {
			return HTTP_PARSE_CODING;
		} else if (token_is(n, ne, "content-length")) {
			uint64_t v;
			int bad = content_length(p, ve, &v);
			if (bad)
				return bad;
			if (have_len && v != r->content_length)
				return HTTP_PARSE_BAD; // conflicting lengths: request smuggling
			r->content_length = v;
			have_len = 1;
		}
	}
	if (r->minor >= 1 && !host)
		return HTTP_PARSE_BAD; // RFC 9112 3.2: a 1.1 request without Host gets 400
	r->keep_alive = r->minor >= 1 ? !close : (keep && !close);
	r->header_len = (size_t)(next - buf);
	return HTTP_PARSE_OK;
}
