// SPDX-License-Identifier: MIT
// IPv4 address text conversions (<arpa/inet.h>). Guest-only, like sockets.c.
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>

// Parses "a.b.c.d" (four decimal parts 0..255, no leading '+', at most 3 digits each)
// into host order. Returns 0 or -1.
static int parse_quad(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	if (!s)
		return -1;
	for (int part = 0; part < 4; part++) {
		uint32_t x = 0;
		int digits = 0;
		while (*s >= '0' && *s <= '9') {
			if (++digits > 3)
				return -1;
			x = x * 10 + (uint32_t)(*s++ - '0');
		}
		if (digits == 0 || x > 255)
			return -1;
		v = v << 8 | x;
		if (part < 3 && *s++ != '.')
			return -1;
	}
	if (*s != '\0')
		return -1;
	*out = v;
	return 0;
}

int inet_aton(const char *cp, struct in_addr *inp)
{
	uint32_t v;
	if (parse_quad(cp, &v) != 0)
		return 0;
	if (inp)
		inp->s_addr = htonl(v);
	return 1;
}

in_addr_t inet_addr(const char *cp)
{
	uint32_t v;
	return parse_quad(cp, &v) == 0 ? htonl(v) : INADDR_NONE;
}

int inet_pton(int af, const char *src, void *dst)
{
	if (af != AF_INET) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	uint32_t v;
	if (parse_quad(src, &v) != 0)
		return 0;
	uint8_t *d = dst;
	d[0] = (uint8_t)(v >> 24);
	d[1] = (uint8_t)(v >> 16);
	d[2] = (uint8_t)(v >> 8);
	d[3] = (uint8_t)v;
	return 1;
}

const char *inet_ntop(int af, const void *src, char *dst, socklen_t size)
{
	if (af != AF_INET) {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	const uint8_t *b = src;
	char tmp[INET_ADDRSTRLEN];
	int n = 0;
	for (int i = 0; i < 4; i++) {
		unsigned x = b[i];
		if (x >= 100)
			tmp[n++] = (char)('0' + x / 100);
		if (x >= 10)
			tmp[n++] = (char)('0' + x / 10 % 10);
		tmp[n++] = (char)('0' + x % 10);
		tmp[n++] = i < 3 ? '.' : '\0';
	}
	if ((socklen_t)n > size) {
		errno = ENOSPC;
		return NULL;
	}
	for (int i = 0; i < n; i++)
		dst[i] = tmp[i];
	return dst;
}

char *inet_ntoa(struct in_addr in)
{
	static char buf[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &in.s_addr, buf, sizeof(buf));
	return buf;
}
