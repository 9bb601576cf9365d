// SPDX-License-Identifier: MIT
// Deterministic flow spreading for trace replay (rewrite.c): rewrites a frame's
// destination MAC (and, for IPv4, its destination address and checksums) to one of nvms
// VMs, chosen by a seeded hash of the flow, so the same flow always reaches the same VM
// and the choice depends only on the seed and the frame's bytes.
//
// Flow key: for IPv4, (protocol, source address, destination address, and for TCP/UDP
// the two ports, when the packet is not a later fragment); otherwise the source and
// destination MACs. VM = splitmix64(seed ^ FNV-1a(key)) mod nvms.
#ifndef DENALI_DEVICES_REWRITE_H
#define DENALI_DEVICES_REWRITE_H

#include <stdbool.h>
#include <stdint.h>

// Rewrites frame[0..len) in place for nvms VMs (nvms > 0). ipv4: also rewrite the IPv4
// destination to nic_ipv4_for(vm) with IP and TCP/UDP checksums patched (RFC 1624).
// Returns the chosen VM. Frames shorter than 14 bytes are left alone (returns 0).
uint32_t rewrite_frame(uint8_t *frame, uint32_t len, uint64_t seed, uint32_t nvms,
		       bool ipv4);

// The Internet checksum of b[0..len) (for tests and callers building headers).
uint16_t rewrite_inet_csum(const uint8_t *b, uint32_t len);

#endif
