// SPDX-License-Identifier: MIT
// One HTTP request from httpgen: connect (or reuse a kept-alive connection), send
// "GET path", read and check the response, all before a deadline. The response is
// untrusted input: every length is bounded and every parse checks its end.
#ifndef DENALI_APPS_HTTPGEN_CLIENT_H
#define DENALI_APPS_HTTPGEN_CLIENT_H

#include <stddef.h>
#include <stdint.h>

enum client_outcome {
	CLIENT_OK,      // a complete 200 response (verified when asked)
	CLIENT_ERROR,   // connect refused or reset, malformed response, non-200, bad bytes
	CLIENT_TIMEOUT, // the deadline passed first
};

struct client_request {
	uint32_t ip;          // host byte order
	uint16_t port;
	const char *path;
	uint32_t doc_seed;    // docpat_seed(path), for verify
	int verify;           // check every body byte against the pattern
	int keepalive;        // ask to keep the connection; *fd is kept when the server agrees
	uint64_t deadline_ns; // app clock
};

struct client_result {
	uint64_t body_bytes;
	uint64_t latency_ns;  // connect start (or request start on a reused connection)
	                      // to the last byte
	int status;           // HTTP status, 0 if none was read
	const char *why;      // for CLIENT_ERROR/TIMEOUT: a short reason
	int err;              // errno of the failed call, 0 if none
};

// Does one request. *fd is a kept-alive connection to reuse, or -1 to connect; on
// return it is the connection to keep (keepalive and the server agreed) or -1 (closed).
enum client_outcome client_do(const struct client_request *rq, int *fd,
	struct client_result *res);

// The response head parser (exported for tests/apps/parse_fuzz.c). client_head_end:
// the end of the head (just past its empty line) in buf[0..n), or 0 if not there yet.
// client_parse_head: parses the head [p, p + n) as found by client_head_end; sets the
// status, the Content-Length (-1 if absent) and whether the server closes the
// connection. Returns 0, or -1 when malformed. Neither reads outside its range.
size_t client_head_end(const char *buf, size_t n);
int client_parse_head(const char *p, size_t n, int *status, int64_t *clen, int *closes);

#endif
