// SPDX-License-Identifier: MIT
// Unit tests for the virtual NIC (src/devices/nic.c): addresses from the VM id, the
// bounded receive queue and its drop counters, and NIC_SEND/RECV/STATUS against a fake
// guest memory, including every error code and chatty-mode costs.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "devices/nic.h"
#include "fakemem.h"

static void frame_fill(uint8_t *f, uint32_t len, uint8_t tag)
{
	for (uint32_t i = 0; i < len; i++)
		f[i] = (uint8_t)(tag + i);
}

static void test_addresses(void **state)
{
	uint8_t m[6];
	nic_mac_for(0, m);
	uint8_t m0[6] = { 0x02, 0x44, 0x4e, 0, 0, 0 };
	assert_memory_equal(m, m0, 6);
	nic_mac_for(0x123456, m);
	uint8_t m1[6] = { 0x02, 0x44, 0x4e, 0x12, 0x34, 0x56 };
	assert_memory_equal(m, m1, 6);
	assert_int_equal(nic_id_of_mac(m), 0x123456);
	m[0] = 0x00;
	assert_int_equal(nic_id_of_mac(m), -1);
	assert_int_equal(nic_ipv4_for(0), 0x0a000001);
	assert_int_equal(nic_ipv4_for(258), 0x0a000103);
	assert_int_equal(nic_machine_of_mac(m1), 1); // 0x12 >> 4: the rule has no gaps

	// Several machines (docs/machines.md): machine m, VM i.
	nic_mac_at(1, 0, m);
	uint8_t m2[6] = { 0x02, 0x44, 0x4e, 0x10, 0, 0 };
	assert_memory_equal(m, m2, 6);
	assert_int_equal(nic_machine_of_mac(m), 1);
	assert_int_equal(nic_ipv4_at(1, 0), 0x0a100001); // 10.16.0.1
	nic_mac_at(15, NIC_MACHINE_VMS_MAX - 1, m);
	uint8_t m3[6] = { 0x02, 0x44, 0x4e, 0xff, 0xff, 0xfd };
	assert_memory_equal(m, m3, 6);
	assert_int_equal(nic_machine_of_mac(m), 15);
	assert_int_equal(nic_ipv4_at(15, NIC_MACHINE_VMS_MAX - 1), 0x0afffffe);
	m[2] = 0x4f;
	assert_int_equal(nic_machine_of_mac(m), -1);
	// Machine 0 is the single-machine rule for every id.
	for (uint32_t id = 0; id < (1u << 24); id += 4099) {
		uint8_t a[6], b[6] = { 0x02, 0x44, 0x4e, (uint8_t)(id >> 16), (uint8_t)(id >> 8),
				       (uint8_t)id };
		nic_mac_at(0, id, a);
		assert_memory_equal(a, b, 6);
		assert_int_equal(nic_ipv4_at(0, id), 0x0a000000u + ((id + 1) & 0xffffffu));
	}
	// Distinct machines never share an address (every VM id a machine may have).
	for (uint32_t id = 0; id < NIC_MACHINE_VMS_MAX; id += 65521)
		for (uint32_t ma = 0; ma < NIC_MACHINES_MAX; ma++)
			for (uint32_t mb = ma + 1; mb < NIC_MACHINES_MAX; mb++) {
				assert_int_not_equal(nic_ipv4_at(ma, id), nic_ipv4_at(mb, id));
				assert_int_not_equal(nic_ipv4_at(ma, id), nic_ipv4_at(mb, 0));
			}

	struct nic n;
	assert_int_equal(nic_init(&n, 7, 0, true, false), 0);
	assert_int_equal(n.cap, NIC_RXQ_DEFAULT);
	assert_int_equal(n.ipv4, 0x0a000008);
	assert_int_equal(n.mac[5], 7);
	nic_destroy(&n);
	assert_int_equal(nic_init(&n, 7, 0, false, false), 0);
	assert_int_equal(n.ipv4, 0);
	nic_destroy(&n);
	assert_int_equal(nic_init_at(&n, 2, 7, 0, true, false), 0);
	assert_int_equal(n.ipv4, 0x0a200008); // 10.32.0.8
	assert_int_equal(n.mac[3], 0x20);
	nic_destroy(&n);
}

static void test_rx_queue_bounded(void **state)
{
	struct nic n;
	assert_int_equal(nic_init(&n, 1, 3, false, false), 0);
	uint8_t f[NIC_FRAME_MAX + 1];
	frame_fill(f, sizeof(f), 0);
	assert_int_equal(nic_rx_push(&n, f, 60), 1); // was empty: raise the IRQ
	assert_int_equal(nic_rx_push(&n, f, 61), 0);
	assert_int_equal(nic_rx_push(&n, f, 62), 0);
	assert_int_equal(nic_rx_push(&n, f, 63), -1); // full
	assert_int_equal(n.st.rx_drop_full, 1);
	assert_int_equal(nic_rx_push(&n, f, 13), -1);
	assert_int_equal(nic_rx_push(&n, f, NIC_FRAME_MAX + 1), -1);
	assert_int_equal(n.st.rx_drop_length, 2);
	assert_int_equal(nic_status(&n), 3);
	assert_int_equal(n.st.rx_queued, 3);
	nic_destroy(&n);
}

// Host memory follows the frames queued, not the queue's limit (issue 10 section 4: a
// ring of 256 x 1,514 bytes per VM filled up as it wrapped, so host memory grew with
// the frames a VM had ever received).
static void test_rx_host_bytes_follow_queue(void **state)
{
	struct fakemem *m = malloc(sizeof(*m));
	fakemem_init(m);
	struct nic n;
	assert_int_equal(nic_init(&n, 1, 0, false, false), 0);
	assert_int_equal(nic_host_bytes(&n), 0); // nothing before the first frame
	uint8_t f[NIC_FRAME_MAX];
	frame_fill(f, sizeof(f), 1);
	for (uint32_t i = 0; i < 100000; i++) { // one frame at a time, many times round
		assert_int_equal(nic_rx_push(&n, f, 1000), 1);
		assert_true(nic_host_bytes(&n) <= 1000 + 4 * sizeof(struct nic_rxslot));
		assert_int_equal(nic_recv(&n, &m->io, FAKE_BASE, 2000), 1000);
	}
	assert_int_equal(n.ring_cap, 4);
	for (uint32_t i = 0; i < 20; i++) // a burst of 20: the ring grows to 32 slots
		assert_int_equal(nic_rx_push(&n, f, 100 + i), i == 0 ? 1 : 0);
	assert_int_equal(n.ring_cap, 32);
	assert_int_equal(nic_host_bytes(&n), 32 * sizeof(struct nic_rxslot) + 20 * 100 + 190);
	for (uint32_t i = 0; i < 20; i++) { // FIFO order kept across the growth
		assert_int_equal(nic_recv(&n, &m->io, FAKE_BASE, 2000), 100 + i);
		assert_int_equal(m->b[0], f[0]);
	}
	assert_int_equal(nic_host_bytes(&n), 32 * sizeof(struct nic_rxslot));
	for (uint32_t i = 0; i < 5; i++) // frames still queued are freed by nic_destroy
		assert_int_equal(nic_rx_push(&n, f, 60), i == 0 ? 1 : 0);
	nic_destroy(&n);
	free(m);
}

static void test_recv_fifo_and_errors(void **state)
{
	struct fakemem *m = malloc(sizeof(*m));
	fakemem_init(m);
	struct nic n;
	assert_int_equal(nic_init(&n, 2, 4, false, false), 0);
	assert_int_equal(nic_recv(&n, &m->io, FAKE_BASE, 2000), 0); // empty
	assert_int_equal(n.st.rx_empty, 1);
	uint8_t f[NIC_FRAME_MAX];
	for (uint32_t i = 0; i < 4; i++) {
		frame_fill(f, 100 + i, (uint8_t)i);
		assert_int_equal(nic_rx_push(&n, f, 100 + i), i == 0 ? 1 : 0);
	}
	// Too small: error, frame stays.
	assert_int_equal(nic_recv(&n, &m->io, FAKE_BASE, 99), NIC_ERR_SMALL);
	assert_int_equal(nic_status(&n), 4);
	// Buffer crossing the end of memory: fault, frame stays.
	assert_int_equal(nic_recv(&n, &m->io, FAKE_BASE + FAKE_SIZE - 50, 2000), NIC_ERR_FAULT);
	assert_int_equal(nic_recv(&n, &m->io, 0, 2000), NIC_ERR_FAULT);
	assert_int_equal(nic_status(&n), 4);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(nic_recv(&n, &m->io, FAKE_BASE + 16, 100 + i), 100 + i);
		frame_fill(f, 100 + i, (uint8_t)i);
		assert_memory_equal(m->b + 16, f, 100 + i);
	}
	assert_int_equal(nic_status(&n), 0);
	assert_int_equal(n.st.rx_frames, 4);
	assert_int_equal(n.st.rx_bytes, 100 + 101 + 102 + 103);
	assert_int_equal(n.st.rx_err_small, 1);
	assert_int_equal(n.st.rx_err_fault, 2);
	// The ring wraps: push/pop many more times than its size.
	for (uint32_t i = 0; i < 50; i++) {
		frame_fill(f, 64, (uint8_t)(i * 3));
		assert_int_equal(nic_rx_push(&n, f, 64), 1);
		assert_int_equal(nic_recv(&n, &m->io, FAKE_BASE, 64), 64);
		assert_memory_equal(m->b, f, 64);
	}
	nic_destroy(&n);
	free(m);
}

static void test_send(void **state)
{
	struct fakemem *m = malloc(sizeof(*m));
	fakemem_init(m);
	struct nic n;
	assert_int_equal(nic_init(&n, 3, 0, false, false), 0);
	frame_fill(m->b + 100, NIC_FRAME_MAX, 9);
	uint8_t tx[NIC_FRAME_MAX];
	assert_int_equal(nic_send(&n, &m->io, FAKE_BASE + 100, 14, tx), 0);
	assert_memory_equal(tx, m->b + 100, 14);
	assert_int_equal(nic_send(&n, &m->io, FAKE_BASE + 100, NIC_FRAME_MAX, tx), 0);
	assert_memory_equal(tx, m->b + 100, NIC_FRAME_MAX);
	assert_int_equal(nic_send(&n, &m->io, FAKE_BASE, 13, tx), NIC_ERR_LENGTH);
	assert_int_equal(nic_send(&n, &m->io, FAKE_BASE, NIC_FRAME_MAX + 1, tx), NIC_ERR_LENGTH);
	assert_int_equal(nic_send(&n, &m->io, FAKE_BASE, 0xffffffffu, tx), NIC_ERR_LENGTH);
	assert_int_equal(nic_send(&n, &m->io, 0xfffffff0u, 60, tx), NIC_ERR_FAULT);
	assert_int_equal(nic_send(&n, &m->io, FAKE_BASE + FAKE_SIZE - 59, 60, tx), NIC_ERR_FAULT);
	assert_int_equal(n.st.tx_frames, 2);
	assert_int_equal(n.st.tx_bytes, 14 + NIC_FRAME_MAX);
	assert_int_equal(n.st.tx_err_length, 3);
	assert_int_equal(n.st.tx_err_fault, 2);
	nic_destroy(&n);
	free(m);
}

static void test_chatty_costs(void **state)
{
	struct nic n;
	assert_int_equal(nic_init(&n, 0, 0, false, false), 0);
	assert_int_equal(nic_pio_cost(&n, NIC_PORT_SEND), 1);
	assert_int_equal(nic_pio_cost(&n, NIC_PORT_RECV), 1);
	n.chatty = true;
	assert_int_equal(nic_pio_cost(&n, NIC_PORT_SEND), 12);
	assert_int_equal(nic_pio_cost(&n, NIC_PORT_RECV), 10);
	assert_int_equal(nic_pio_cost(&n, NIC_PORT_STATUS), 1);
	nic_destroy(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_rx_queue_bounded),
		cmocka_unit_test(test_rx_host_bytes_follow_queue),
		cmocka_unit_test(test_recv_fifo_and_errors),
		cmocka_unit_test(test_send),
		cmocka_unit_test(test_chatty_costs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
