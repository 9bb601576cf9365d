// SPDX-License-Identifier: MIT
// The libos NIC driver (denali_nic.h): each operation is one IN on its port with the
// arguments in registers (docs/isa.md section 9); the kernel copies the frame between
// guest memory and the NIC, so the driver itself holds no buffers.
#include <denali_nic.h>

uint32_t denali_nic_send(const void *frame, uint32_t len)
{
	uint32_t r;
	__asm__ volatile("inl %%dx, %%eax"
		: "=a"(r)
		: "d"(DENALI_PORT_NIC_SEND), "S"(frame), "c"(len)
		: "memory");
	return r;
}

uint32_t denali_nic_recv(void *buf, uint32_t cap)
{
	uint32_t r;
	__asm__ volatile("inl %%dx, %%eax"
		: "=a"(r)
		: "d"(DENALI_PORT_NIC_RECV), "D"(buf), "c"(cap)
		: "memory");
	return r;
}

uint32_t denali_nic_status(void)
{
	uint32_t r;
	__asm__ volatile("inl %%dx, %%eax" : "=a"(r) : "d"(DENALI_PORT_NIC_STATUS) : "memory");
	return r;
}

void denali_nic_ack_rx(void)
{
	volatile struct denali_vregs *v = denali_vregs();
	v->int_pending = v->int_pending & ~(1u << DENALI_IRQ_NIC_RX);
}
