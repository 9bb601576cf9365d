// SPDX-License-Identifier: MIT
// The libos NIC driver (nic.c): one PIO per operation on the virtual NIC of docs/isa.md
// section 9 (ports DENALI_PORT_NIC_*), plus the NIC's addresses from the virtual
// registers and the receive interrupt's acknowledgment for programs that sleep in idle
// without an interrupt handler.
//
//   denali_nic_send(frame, len)   0, or DENALI_NIC_ERR_* (bad length, bad buffer)
//   denali_nic_recv(buf, cap)     the frame's length, 0 when the queue is empty, or
//                                 DENALI_NIC_ERR_* (the frame stays queued)
//   denali_nic_status()           frames waiting in the receive queue
//   denali_nic_ack_rx()           clears DENALI_IRQ_NIC_RX in int_pending, so the next
//                                 idle sleeps until another frame arrives (call it
//                                 before draining the queue, not after: no lost wake-up)
// Frames are Ethernet without FCS, DENALI_NIC_FRAME_MIN..MAX (14..1514) bytes.
#ifndef DENALI_LIBOS_DENALI_NIC_H
#define DENALI_LIBOS_DENALI_NIC_H

#include <stddef.h>
#include <stdint.h>

#include <denali.h>

uint32_t denali_nic_send(const void *frame, uint32_t len);
uint32_t denali_nic_recv(void *buf, uint32_t cap);
uint32_t denali_nic_status(void);
void denali_nic_ack_rx(void);

// The NIC's MAC address and IPv4 address (network byte order as 4 bytes; 0 = none).
static inline void denali_nic_mac(uint8_t mac[6])
{
	for (int i = 0; i < 6; i++)
		mac[i] = denali_vregs()->mac[i];
}
static inline uint32_t denali_nic_ipv4(void)
{
	return denali_vregs()->ipv4;
}

// A DENALI_NIC_ERR_* value (all have the top bit set; never a frame length).
static inline int denali_nic_is_err(uint32_t r)
{
	return (r & 0x80000000u) != 0;
}

#endif
