// SPDX-License-Identifier: MIT
// The GDB remote serial protocol's framing (rsp.c): packets `$data#cs` in, with their
// checksum checked, `}` escapes undone and a bounded buffer; packets out; hex helpers.
// Everything here reads untrusted bytes from a socket: no input can overflow a buffer
// or make it fail other than by reporting a bad packet (tests/gdb/fuzz_rsp.c).
#ifndef DENALI_GDB_RSP_H
#define DENALI_GDB_RSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// The largest packet we accept and announce (qSupported PacketSize), in bytes of data.
#define RSP_MAX_PACKET 4096

enum rsp_ev {
	RSP_NONE = 0, // nothing complete yet
	RSP_PACKET,   // a packet with a good checksum: in->buf[0..in->len), NUL-terminated
	RSP_BAD,      // a packet with a bad checksum, or too long: answer '-'
	RSP_INTR,     // 0x03 outside a packet (gdb's Ctrl-C)
	RSP_ACK,      // '+'
	RSP_NAK,      // '-': resend the last reply
};

struct rsp_in {
	uint8_t state;     // 0 between packets, 1 data, 2 and 3 checksum digits
	bool escape;       // the last data byte was '}'
	bool overflow;     // the packet is longer than RSP_MAX_PACKET: it is dropped
	uint8_t sum;       // of the raw data bytes
	uint8_t want;      // the checksum's first digit, then both
	size_t len;
	char buf[RSP_MAX_PACKET + 1];
};

void rsp_in_init(struct rsp_in *in);
// Feeds one byte. Returns what it completed.
enum rsp_ev rsp_feed(struct rsp_in *in, uint8_t byte);

// Frames data[0..len) as `$...#cs` into out (escaping '$', '#', '}' and '*'). Returns
// the framed length, or 0 when out (cap bytes) is too small.
size_t rsp_frame(const char *data, size_t len, char *out, size_t cap);

// Hex helpers. rsp_hex_value: a digit's value or -1.
int rsp_hex_value(char c);
// Parses hex digits at *p (at least one, at most 8), advancing *p. Returns 0 or -1.
int rsp_parse_u32(const char **p, const char *end, uint32_t *out);
// Decodes 2*n hex digits into n bytes. Returns 0 or -1.
int rsp_unhex(const char *s, size_t n, uint8_t *out);
// Encodes n bytes as 2*n hex digits (no NUL). Returns out + 2*n.
char *rsp_hex(const uint8_t *bytes, size_t n, char *out);

#endif
