// SPDX-License-Identifier: MIT
// The devices wired into the kernel (src/vmm/devhost.c): a hand-written guest pair
// (guests/nicpair.s) exchanges a frame through PIOs, the switch and the receive
// interrupt; the same guest without devices sees unknown ports; the first replayed
// frame becomes a KEV_DEVICE event at the right cycle; chatty PIO costs.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/devhost.h"
#include "vmm/kernel.h"
#include "vmrun.h"

#include "nicpair.h"

static void run_pair(struct vmrun *r, bool devices)
{
	struct kernel_config cfg = vmrun_config(2);
	cfg.max_time_cycles = 1700000000ull; // 1 s
	vmrun_new(r, nicpair_code, sizeof nicpair_code, 0, &cfg);
	if (devices) {
		struct devset_config c;
		devset_config_default(&c);
		char err[256];
		assert_int_equal(devhost_attach(r->k, &c, err, sizeof err), 0);
	}
	r->end = kernel_run(r->k);
}

static void test_frame_between_vms(void **state)
{
	(void)state;
	struct vmrun r;
	run_pair(&r, true);
	assert_int_equal(r.end, KERNEL_END_ALL_DONE);
	// VM 0: sent, bad length, reserved port reads 0, 10.0.0.1, no disk 0.
	assert_int_equal(vmrun_res(&r, 0, 0), 0);
	assert_int_equal(vmrun_res(&r, 0, 1), 0xfffffffeu);
	assert_int_equal(vmrun_res(&r, 0, 2), 0);
	assert_int_equal(vmrun_res(&r, 0, 3), 0x0100000au);
	assert_int_equal(vmrun_res(&r, 0, 4), 0);
	// VM 1: woken by the NIC interrupt (line 1 pending), the small buffer refused, the
	// frame (64 bytes from 02:44:4e:00:00:00) received, the queue empty after it.
	assert_int_equal(vmrun_res(&r, 1, 0), 64);
	assert_int_equal(vmrun_res(&r, 1, 1), 0x004e4402u);
	assert_int_equal(vmrun_res(&r, 1, 2), 1u << DENALI_IRQ_NIC_RX);
	assert_int_equal(vmrun_res(&r, 1, 3), 0);
	assert_int_equal(vmrun_res(&r, 1, 4), 0x0200000au);
	assert_int_equal(vmrun_res(&r, 1, 5), 0xfffffffdu);
	assert_int_equal(vmrun_res(&r, 1, 6), 0x0100); // mac bytes 4-5: 00 01
	assert_int_equal(r.k->vms[0].pios_unknown, 1);  // port 0x113
	assert_true(r.k->stats.irq_wakes >= 1);
	struct devset_stats st;
	assert_true(devhost_stats(r.k, &st));
	assert_int_equal(st.nic_tx, 1);
	assert_int_equal(st.nic_rx, 1);
	assert_int_equal(st.nic_tx_err, 1);
	assert_int_equal(st.sw_forwarded, 1);
	char err[256];
	assert_int_equal(devhost_detach(r.k, err, sizeof err), 0);
	assert_null(r.k->dev);
	vmrun_free(&r);
}

static void test_no_devices(void **state)
{
	(void)state;
	struct vmrun r;
	run_pair(&r, false);
	assert_int_equal(r.end, KERNEL_END_ALL_DONE);
	// Every device port is an unknown port: IN reads 0; no frame ever arrives.
	assert_int_equal(vmrun_res(&r, 0, 1), 0);
	assert_int_equal(vmrun_res(&r, 0, 3), 0); // no ipv4
	assert_int_equal(vmrun_res(&r, 1, 0), 0);
	assert_int_equal(vmrun_res(&r, 1, 4), 0);
	assert_int_equal(r.k->vms[0].pios_unknown, 4); // two sends, 0x113, DISK_INFO
	struct devset_stats st;
	assert_false(devhost_stats(r.k, &st));
	char err[256];
	assert_int_equal(devhost_detach(r.k, err, sizeof err), 0);
	vmrun_free(&r);
}

static void test_replay_schedules_device_event(void **state)
{
	(void)state;
	struct vmrun r;
	struct kernel_config cfg = vmrun_config(3);
	vmrun_new(&r, nicpair_code, sizeof nicpair_code, 0, &cfg);
	struct devset_config c;
	devset_config_default(&c);
	c.pcap_in = TRACES_DIR "/edns-opts.pcap";
	c.pcap_start_ns = 1000001; // rounds up to 1,700,002 cycles at 1.7 GHz
	char err[256];
	assert_int_equal(devhost_attach(r.k, &c, err, sizeof err), 0);
	const struct evq_event *ev = evq_peek(&r.k->evq);
	assert_non_null(ev);
	assert_int_equal(ev->kind, KEV_DEVICE);
	assert_int_equal(ev->time, 1700002);
	assert_int_equal(kernel_cycles_to_ns(&r.k->cfg, ev->time) >= 1000001, 1);
	assert_int_equal(devhost_detach(r.k, err, sizeof err), 0);
	// A trace that cannot be read: one message naming it, no devices attached.
	c.pcap_in = TRACES_DIR "/README.md";
	assert_int_equal(devhost_attach(r.k, &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "README.md"));
	assert_null(r.k->dev);
	vmrun_free(&r);
}

static void test_chatty_costs(void **state)
{
	(void)state;
	struct vmrun r;
	struct kernel_config cfg = vmrun_config(1);
	vmrun_new(&r, nicpair_code, sizeof nicpair_code, 0, &cfg);
	struct devset_config c;
	devset_config_default(&c);
	c.nic_chatty = true;
	char err[256];
	assert_int_equal(devhost_attach(r.k, &c, err, sizeof err), 0);
	struct vm *vm = &r.k->vms[0];
	uint64_t pio = r.k->cfg.pio_cycles;
	vm->cpu.pio.port = DENALI_PORT_NIC_SEND;
	vm->cpu.r[CPU_ECX] = 10; // a bad length: no guest memory needed
	assert_int_equal(devhost_pio(r.k, vm), 12 * pio);
	assert_int_equal(vm->cpu.r[CPU_EAX], DENALI_NIC_ERR_LENGTH);
	vm->cpu.pio.port = DENALI_PORT_NIC_RECV;
	assert_int_equal(devhost_pio(r.k, vm), 10 * pio);
	assert_int_equal(vm->cpu.r[CPU_EAX], 0); // empty queue
	vm->cpu.pio.port = DENALI_PORT_NIC_STATUS;
	vm->cpu.r[CPU_EAX] = 7;
	assert_int_equal(devhost_pio(r.k, vm), pio);
	assert_int_equal(vm->cpu.r[CPU_EAX], 0);
	vm->cpu.pio.port = DENALI_PORT_DISK_INFO;
	vm->cpu.r[CPU_ECX] = 0;
	assert_int_equal(devhost_pio(r.k, vm), pio);
	vm->cpu.pio.port = 0x113;
	assert_int_equal(devhost_pio(r.k, vm), 0);
	vm->cpu.pio.port = DENALI_PORT_CONSOLE_WRITE;
	assert_int_equal(devhost_pio(r.k, vm), 0);
	vm->cpu.pio.port = 0x130;
	assert_int_equal(devhost_pio(r.k, vm), 0);
	assert_int_equal(devhost_detach(r.k, err, sizeof err), 0);
	vmrun_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_between_vms),
		cmocka_unit_test(test_no_devices),
		cmocka_unit_test(test_replay_schedules_device_event),
		cmocka_unit_test(test_chatty_costs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
