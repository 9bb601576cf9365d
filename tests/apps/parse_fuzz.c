// SPDX-License-Identifier: MIT
// A random-mutation fuzz test of the two parsers that read untrusted bytes: httpd's
// request parser (http_parse.c) and the game protocol decoder (gameproto.c). Built
// natively with meson's compiler, so the sanitizer build runs it under ASan/UBSan.
// Seeded, so a failure replays: `parse_fuzz SEED ITERATIONS` (defaults 1, 100000).
//
// http_parse_request, for each mutated request and every prefix length:
//  - never reads outside buf[0..len) (ASan: each input is in its own malloc block);
//  - results are monotone: INCOMPLETE for short prefixes, then one fixed result;
//  - on OK, header_len <= len, the path starts with '/' and is NUL-terminated,
//    and the same request parses identically from exactly header_len bytes.
// gp_decode: never crashes, and whatever decodes re-encodes to the same message.
// httpgen's response-head parser (client_head_end, client_parse_head): no overread
// on mutated responses; a head it finds ends with a newline; a parsed status is
// 3 digits and a Content-Length is never negative unless absent (-1).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "gameproto.h"
#include "http_parse.h"
#include "prng.h"

static const char *seeds[] = {
	"GET /small HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n",
	"GET /large HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	"HEAD /100k?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc",
	"POST /x HTTP/1.1\r\nHost: b\r\nTransfer-Encoding: chunked\r\n\r\n",
	"\r\n\nGET / HTTP/1.1\nHost: c\nX: y\n\n",
	"GET /small HTTP/2.0\r\n\r\n",
	"GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
};

static const char *dict[] = {"\r\n", "\n", " ", ":", "HTTP/1.1", "Content-Length: ",
	"Connection: ", "close", "keep-alive", "Host: h\r\n", "99999999999999999999", "\t",
	"?", "/", "\0", "\x7f", "\r\n\r\n", "Transfer-Encoding: x\r\n"};

static const char *responses[] = {
	"HTTP/1.1 200 OK\r\nServer: denali-httpd\r\nContent-Length: 2258\r\n"
	"Content-Type: application/octet-stream\r\n\r\nxyz",
	"HTTP/1.0 404 Not Found\r\nConnection: keep-alive\r\nContent-Length: 14\r\n\r\n",
	"HTTP/1.1 200 OK\nConnection: close\ncontent-length:7\n\n1234567",
};

static int failures;

static size_t mutate(struct prng *r, char *buf, size_t len, size_t cap)
{
	int n = 1 + (int)prng_below(r, 4);
	for (int m = 0; m < n; m++) {
		size_t pos = len ? prng_below(r, (uint32_t)len + 1) : 0;
		switch (prng_below(r, 5)) {
		case 0: // flip a byte
			if (len)
				buf[pos % len] = (char)prng_next(r);
			break;
		case 1: // delete a run
			if (len) {
				size_t k = 1 + prng_below(r, 8);
				if (pos + k > len)
					k = len - pos;
				memmove(buf + pos, buf + pos + k, len - pos - k);
				len -= k;
			}
			break;
		case 2: { // insert a dictionary word
			const char *w = dict[prng_below(r, sizeof dict / sizeof dict[0])];
			size_t k = strlen(w) ? strlen(w) : 1;
			if (len + k <= cap) {
				memmove(buf + pos + k, buf + pos, len - pos);
				memcpy(buf + pos, w, k);
				len += k;
			}
			break;
		}
		case 3: // duplicate a run
			if (len && len * 2 <= cap) {
				size_t k = 1 + prng_below(r, (uint32_t)len);
				if (pos + k > len)
					k = len - pos;
				memmove(buf + pos + k, buf + pos, len - pos);
				len += k;
			}
			break;
		default: // truncate
			len = pos;
			break;
		}
	}
	return len;
}

static void check_http(const char *in, size_t len)
{
	int final = HTTP_PARSE_INCOMPLETE;
	struct http_request r, r2;
	for (size_t n = 0; n <= len; n++) {
		char *b = malloc(n ? n : 1); // its own block: ASan sees any overread
		memcpy(b, in, n);
		int res = http_parse_request(b, n, &r);
		if (final != HTTP_PARSE_INCOMPLETE && res != final) {
			failures++;
			printf("FAIL not monotone at %zu of %zu: %d then %d\n", n, len, final, res);
		}
		final = res;
		if (res == HTTP_PARSE_OK) {
			int ok = r.header_len <= n && r.path[0] == '/' &&
				memchr(r.path, '\0', sizeof r.path) && r.minor <= 9;
			if (ok) {
				int again = http_parse_request(b, r.header_len, &r2);
				ok = again == HTTP_PARSE_OK && r2.header_len == r.header_len &&
					strcmp(r2.path, r.path) == 0 && r2.keep_alive == r.keep_alive &&
					r2.content_length == r.content_length;
			}
			if (!ok) {
				failures++;
				printf("FAIL inconsistent OK at %zu of %zu\n", n, len);
			}
		}
		free(b);
		if (failures > 10)
			return;
	}
}

static void check_game(const uint8_t *in, size_t len)
{
	uint8_t *b = malloc(len ? len : 1);
	memcpy(b, in, len);
	struct gp_msg m;
	if (gp_decode(b, len, &m) == 0) {
		// Padding is ignored by the decoder, so compare decoded messages, not bytes.
		uint8_t out[GP_MSG_MAX];
		struct gp_msg m2;
		size_t n = gp_encode(&m, out);
		if (n != len || gp_decode(out, n, &m2) != 0 || memcmp(&m, &m2, sizeof m) != 0) {
			failures++;
			printf("FAIL game message of %zu bytes does not round-trip\n", len);
		}
	}
	free(b);
}

static void check_response(const char *in, size_t len)
{
	char *b = malloc(len ? len : 1);
	memcpy(b, in, len);
	size_t end = client_head_end(b, len);
	if (end > len || (end && b[end - 1] != '\n')) {
		failures++;
		printf("FAIL head end %zu of %zu\n", end, len);
	}
	if (end) {
		int status = -1, closes = -1;
		int64_t clen = -2;
		if (client_parse_head(b, end, &status, &clen, &closes) == 0 &&
			(status < 0 || status > 999 || clen < -1 || (closes != 0 && closes != 1))) {
			failures++;
			printf("FAIL parsed head: status %d length %lld closes %d\n", status,
				(long long)clen, closes);
		}
	}
	free(b);
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	long iters = argc > 2 ? strtol(argv[2], NULL, 0) : 100000;
	struct prng r = {seed};
	char buf[1024];
	for (long i = 0; i < iters && failures <= 10; i++) {
		const char *s = seeds[prng_below(&r, sizeof seeds / sizeof seeds[0])];
		size_t len = strlen(s);
		memcpy(buf, s, len);
		len = mutate(&r, buf, len, sizeof buf);
		check_http(buf, len);

		struct gp_msg m = {.type = (enum gp_type)(1 + prng_below(&r, 5)),
			.n = (uint16_t)prng_below(&r, GP_SESSION_MAX + 1)};
		uint8_t g[GP_MSG_MAX + 64];
		size_t glen = gp_encode(&m, g);
		glen = mutate(&r, (char *)g, glen, sizeof g);
		check_game(g, glen);

		const char *rs = responses[prng_below(&r, sizeof responses / sizeof responses[0])];
		len = strlen(rs);
		memcpy(buf, rs, len);
		len = mutate(&r, buf, len, sizeof buf);
		check_response(buf, len);
	}
	// Headers right at the limit, and a long run of empty lines.
	memset(buf, '\n', sizeof buf);
	check_http(buf, sizeof buf);
	if (failures) {
		printf("%d failures (seed %llu)\n", failures, (unsigned long long)seed);
		return 1;
	}
	printf("parse_fuzz: %ld inputs, every prefix: all passed (seed %llu)\n", iters,
		(unsigned long long)seed);
	return 0;
}
