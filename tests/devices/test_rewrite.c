// SPDX-License-Identifier: MIT
// Unit tests for flow spreading (src/devices/rewrite.c): the same flow always lands on
// the same VM, flows spread over all VMs, the seed changes the mapping, IPv4 and TCP/UDP
// checksums stay valid after the rewrite, and short or odd frames are safe.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "devices/nic.h"
#include "devices/rewrite.h"

// Builds Ethernet + IPv4 + UDP/TCP with valid checksums. Returns the frame length.
static uint32_t mk_ip(uint8_t *f, uint8_t proto, uint32_t src, uint32_t dst,
		      uint16_t sport, uint16_t dport, uint32_t paylen)
{
	uint32_t l4 = proto == 6 ? 20 : 8;
	uint32_t len = 14 + 20 + l4 + paylen;
	memset(f, 0, len);
	memset(f, 0x66, 6);
	memset(f + 6, 0x77, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + l4 + paylen) >> 8);
	ip[3] = (uint8_t)(20 + l4 + paylen);
	ip[8] = 64;
	ip[9] = proto;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	uint16_t c = rewrite_inet_csum(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	uint8_t *l = ip + 20;
	l[0] = (uint8_t)(sport >> 8);
	l[1] = (uint8_t)sport;
	l[2] = (uint8_t)(dport >> 8);
	l[3] = (uint8_t)dport;
	for (uint32_t i = 0; i < paylen; i++)
		l[l4 + i] = (uint8_t)(i * 7 + 1);
	if (proto == 17) {
		l[4] = (uint8_t)((8 + paylen) >> 8);
		l[5] = (uint8_t)(8 + paylen);
	} else {
		l[12] = 0x50;
	}
	return len;
}

// The TCP/UDP checksum over the pseudo-header; 0 when the stored checksum is right.
static uint16_t l4_verify(const uint8_t *f, uint32_t len)
{
	const uint8_t *ip = f + 14;
	uint32_t l4len = len - 34;
	uint8_t buf[2048];
	memcpy(buf, ip + 12, 8);
	buf[8] = 0;
	buf[9] = ip[9];
	buf[10] = (uint8_t)(l4len >> 8);
	buf[11] = (uint8_t)l4len;
	memcpy(buf + 12, ip + 20, l4len);
	return rewrite_inet_csum(buf, 12 + l4len);
}

static void set_l4_csum(uint8_t *f, uint32_t len)
{
	uint8_t *ip = f + 14;
	uint32_t off = ip[9] == 6 ? 16 : 6;
	ip[20 + off] = ip[20 + off + 1] = 0;
	uint16_t c = l4_verify(f, len);
	ip[20 + off] = (uint8_t)(c >> 8);
	ip[20 + off + 1] = (uint8_t)c;
}

static void test_checksums_survive(void **state)
{
	uint8_t f[1514];
	for (uint8_t proto = 6; proto <= 17; proto += 11) {
		for (uint32_t k = 0; k < 200; k++) {
			uint32_t len = mk_ip(f, proto, 0xc0a80001u + k, 0x08080808u, (uint16_t)(1000 + k),
					     53, k % 50);
			set_l4_csum(f, len);
			assert_int_equal(l4_verify(f, len), 0);
			uint32_t vm = rewrite_frame(f, len, 7, 1000, true);
			assert_true(vm < 1000);
			assert_int_equal(nic_id_of_mac(f), vm);
			assert_int_equal(rewrite_inet_csum(f + 14, 20), 0);
			assert_int_equal(l4_verify(f, len), 0);
			uint32_t a = nic_ipv4_for(vm);
			assert_int_equal(f[30], (uint8_t)(a >> 24));
			assert_int_equal(f[33], (uint8_t)a);
		}
	}
}

static void test_udp_zero_checksum_kept(void **state)
{
	uint8_t f[200];
	uint32_t len = mk_ip(f, 17, 1, 2, 3, 4, 10);
	rewrite_frame(f, len, 1, 16, true);
	assert_int_equal(f[14 + 20 + 6], 0);
	assert_int_equal(f[14 + 20 + 7], 0);
}

static void test_same_flow_same_vm_and_spread(void **state)
{
	uint8_t f[200];
	uint32_t hits[8] = { 0 };
	for (uint32_t k = 0; k < 800; k++) {
		uint32_t len = mk_ip(f, 17, 0x0a0a0000u + k, 0x01020304u, 5000, 53, 4);
		uint32_t vm = rewrite_frame(f, len, 99, 8, false);
		// MAC-only rewrite leaves the IP header alone.
		assert_int_equal(f[14 + 16], 1);
		len = mk_ip(f, 17, 0x0a0a0000u + k, 0x01020304u, 5000, 53, 4);
		assert_int_equal(rewrite_frame(f, len, 99, 8, true), vm);
		hits[vm]++;
	}
	for (int i = 0; i < 8; i++)
		assert_true(hits[i] > 50); // roughly 100 each
	uint32_t diff = 0;
	for (uint32_t k = 0; k < 100; k++) {
		uint32_t len = mk_ip(f, 6, k, 9, 1, 2, 0);
		uint32_t a = rewrite_frame(f, len, 1, 64, false);
		len = mk_ip(f, 6, k, 9, 1, 2, 0);
		diff += a != rewrite_frame(f, len, 2, 64, false);
	}
	assert_true(diff > 50);
}

static void test_odd_frames(void **state)
{
	uint8_t f[64];
	memset(f, 0xee, sizeof(f));
	assert_int_equal(rewrite_frame(f, 13, 1, 4, true), 0);
	assert_int_equal(f[0], 0xee); // untouched
	// IPv4 EtherType with a bogus header length, and a truncated one: MAC only.
	uint32_t len = mk_ip(f, 17, 1, 2, 3, 4, 0);
	f[14] = 0x4f; // IHL 60 > what is there
	uint8_t ip[20];
	memcpy(ip, f + 14, 20);
	uint32_t vm = rewrite_frame(f, len, 3, 4, true);
	assert_int_equal(nic_id_of_mac(f), vm);
	assert_memory_equal(f + 14, ip, 20);
	len = mk_ip(f, 6, 1, 2, 3, 4, 0);
	rewrite_frame(f, 14 + 20 + 10, 3, 4, true); // TCP header cut short
	assert_int_equal(rewrite_inet_csum(f + 14, 20), 0);
	// Not IP: hashes the MACs.
	memset(f, 0x11, 64);
	f[12] = 0x86;
	f[13] = 0xdd;
	vm = rewrite_frame(f, 64, 5, 3, true);
	assert_true(vm < 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksums_survive),
		cmocka_unit_test(test_udp_zero_checksum_kept),
		cmocka_unit_test(test_same_flow_same_vm_and_spread),
		cmocka_unit_test(test_odd_frames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
