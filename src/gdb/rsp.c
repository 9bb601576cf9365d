// SPDX-License-Identifier: MIT
// GDB remote serial protocol framing and hex helpers (rsp.h).
#include "gdb/rsp.h"

#include <string.h>

void rsp_in_init(struct rsp_in *in)
{
	memset(in, 0, sizeof *in);
}

int rsp_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum rsp_ev rsp_feed(struct rsp_in *in, uint8_t byte)
{
	switch (in->state) {
	case 0:
		if (byte == '$') {
			in->state = 1;
			in->len = 0;
			in->sum = 0;
			in->escape = false;
			in->overflow = false;
			return RSP_NONE;
		}
		if (byte == 0x03)
			return RSP_INTR;
		if (byte == '+')
			return RSP_ACK;
		if (byte == '-')
			return RSP_NAK;
		return RSP_NONE; // noise between packets
	case 1:
		if (byte == '#') {
			in->state = 2;
			return RSP_NONE;
		}
		in->sum = (uint8_t)(in->sum + byte);
		if (in->escape) {
			byte ^= 0x20;
			in->escape = false;
		} else if (byte == '}') {
			in->escape = true;
			return RSP_NONE;
		}
		if (in->len < RSP_MAX_PACKET)
			in->buf[in->len++] = (char)byte;
		else
			in->overflow = true;
		return RSP_NONE;
	case 2: {
		int v = rsp_hex_value((char)byte);
		in->want = (uint8_t)(v < 0 ? 0 : v << 4);
		in->state = v < 0 ? 0 : 3;
		return v < 0 ? RSP_BAD : RSP_NONE;
	}
	default: {
		int v = rsp_hex_value((char)byte);
		in->state = 0;
		if (v < 0 || in->overflow || (uint8_t)(in->want | v) != in->sum || in->escape)
			return RSP_BAD;
		in->buf[in->len] = '\0';
		return RSP_PACKET;
	}
	}
}

size_t rsp_frame(const char *data, size_t len, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	uint8_t sum = 0;
	if (cap < 4)
		return 0;
	out[o++] = '$';
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)data[i];
		bool esc = c == '$' || c == '#' || c == '}' || c == '*';
		if (o + (esc ? 2 : 1) + 3 > cap)
			return 0;
		if (esc) {
			out[o++] = '}';
			sum = (uint8_t)(sum + '}');
			c ^= 0x20;
		}
		out[o++] = (char)c;
		sum = (uint8_t)(sum + c);
	}
	out[o++] = '#';
	out[o++] = hex[sum >> 4];
	out[o++] = hex[sum & 15];
	return o;
}

int rsp_parse_u32(const char **p, const char *end, uint32_t *out)
{
	const char *s = *p;
	uint32_t v = 0;
	int n = 0;
	while (s < end && rsp_hex_value(*s) >= 0) {
		if (n == 8)
			return -1;
		v = v << 4 | (uint32_t)rsp_hex_value(*s++);
		n++;
	}
	if (!n)
		return -1;
	*p = s;
	*out = v;
	return 0;
}

int rsp_unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = rsp_hex_value(s[2 * i]), lo = hi < 0 ? -1 : rsp_hex_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

char *rsp_hex(const uint8_t *bytes, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		*out++ = hex[bytes[i] >> 4];
		*out++ = hex[bytes[i] & 15];
	}
	return out;
}
