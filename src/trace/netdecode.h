// SPDX-License-Identifier: MIT
// One-line decoding of an Ethernet frame for the net trace (netdecode.c), in the style
// of tcpdump: MACs, then ARP, IPv4 with ICMP, UDP or TCP (ports, flags, sequence and
// acknowledgement numbers, window, payload length), or the EtherType. Frames come from
// guests and traces, so they are untrusted: every field is read only after checking
// the frame's length and the headers' own lengths; a short or inconsistent header is
// named ("IPv4 (truncated)") instead of read. tests/trace/fuzz_netdecode.c fuzzes it.
#ifndef DENALI_TRACE_NETDECODE_H
#define DENALI_TRACE_NETDECODE_H

#include <stddef.h>
#include <stdint.h>

// Writes the decoding of frame[0..len) into buf (always NUL-terminated when buflen > 0,
// cut to fit). Returns buf.
char *netdecode(const uint8_t *frame, uint32_t len, char *buf, size_t buflen);

#endif
