// SPDX-License-Identifier: MIT
// The HTTP/1.x request parser of httpd: request line and headers, from bytes that may
// be incomplete, garbled or hostile. It only reads buf[0..len) and never allocates.
//
// Results are monotone in len: a prefix gives HTTP_PARSE_INCOMPLETE until the bytes
// decide, and then every longer prefix gives the same result (a line is judged only
// once its '\n' has arrived). tests/apps/http_fuzz.c checks this on mutated requests.
//
// Accepted: optional empty lines before the request line; "METHOD SP /target SP
// HTTP/1.d" (origin form only); header lines "name: value" with CRLF or bare LF line
// ends. Rejected (HTTP_PARSE_BAD, answered 400): other request-line shapes, control
// characters, folded header lines, a bad or conflicting Content-Length, an HTTP/1.1
// request without Host.
#ifndef DENALI_APPS_HTTP_PARSE_H
#define DENALI_APPS_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_PATH_MAX 255u        // longest request target (without the query)
#define HTTP_BODY_MAX (1u << 20)  // largest Content-Length a request may carry

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_OTHER };

enum http_parse_result {
	HTTP_PARSE_INCOMPLETE = 0, // no empty line yet: read more
	HTTP_PARSE_OK = 1,         // *r is filled
	HTTP_PARSE_BAD = -1,       // 400 Bad Request
	HTTP_PARSE_URI_LONG = -2,  // 414 URI Too Long
	HTTP_PARSE_VERSION = -3,   // 505 HTTP Version Not Supported (HTTP/2.x and up)
	HTTP_PARSE_CODING = -4,    // 501 Not Implemented (Transfer-Encoding)
	HTTP_PARSE_BODY = -5,      // 413 Content Too Large (Content-Length > HTTP_BODY_MAX)
};

struct http_request {
	enum http_method method;
	char path[HTTP_PATH_MAX + 1]; // NUL-terminated, starts with '/', query removed
	unsigned minor;               // HTTP/1.minor
	int keep_alive;               // the connection persists after the response
	uint64_t content_length;      // request body bytes that follow the headers
	size_t header_len;            // bytes of request line + headers + empty line
};

// Parses the request at the start of buf[0..len). Returns an http_parse_result.
int http_parse_request(const char *buf, size_t len, struct http_request *r);

#endif
