// SPDX-License-Identifier: MIT
// The virtual NIC (nic.h): addresses from the VM id, the receive ring and the PIO ops.
// The switch (switch.c) calls nic_rx_push through the kernel's port callback; the kernel's
// PIO dispatch (src/vmm/pio.c) calls nic_send/nic_recv/nic_status.
#include <stdlib.h>
#include <string.h>

#include "devices/nic.h"

void nic_mac_at(uint32_t machine, uint32_t id, uint8_t mac[6])
{
	mac[0] = 0x02; // locally administered, unicast
	mac[1] = 0x44; // 'D'
	mac[2] = 0x4e; // 'N'
	mac[3] = (uint8_t)(machine << 4 | id >> 16);
	mac[4] = (uint8_t)(id >> 8);
	mac[5] = (uint8_t)id;
}

uint32_t nic_ipv4_at(uint32_t machine, uint32_t id)
{
	return 0x0a000000u + (((machine << 20) + id + 1u) & 0x00ffffffu);
}

void nic_mac_for(uint32_t id, uint8_t mac[6])
{
	nic_mac_at(0, id, mac);
}

uint32_t nic_ipv4_for(uint32_t id)
{
	return nic_ipv4_at(0, id);
}

int64_t nic_machine_of_mac(const uint8_t mac[6])
{
	return nic_id_of_mac(mac) < 0 ? -1 : mac[3] >> 4;
}

int64_t nic_id_of_mac(const uint8_t mac[6])
{
	if (mac[0] != 0x02 || mac[1] != 0x44 || mac[2] != 0x4e)
		return -1;
	return ((int64_t)mac[3] << 16) | ((int64_t)mac[4] << 8) | mac[5];
}

int nic_init(struct nic *n, uint32_t vm_id, uint32_t rxq_frames, bool with_ipv4,
	     bool chatty)
{
	return nic_init_at(n, 0, vm_id, rxq_frames, with_ipv4, chatty);
}

int nic_init_at(struct nic *n, uint32_t machine, uint32_t vm_id, uint32_t rxq_frames,
		bool with_ipv4, bool chatty)
{
	memset(n, 0, sizeof(*n));
	n->vm_id = vm_id;
	nic_mac_at(machine, vm_id, n->mac);
	n->ipv4 = with_ipv4 ? nic_ipv4_at(machine, vm_id) : 0;
	n->chatty = chatty;
	n->cap = rxq_frames ? rxq_frames : NIC_RXQ_DEFAULT;
	return 0; // the ring is allocated by the first frame that arrives
}

void nic_destroy(struct nic *n)
{
	for (uint32_t i = 0; i < n->count; i++)
		free(n->ring[(n->head + i) & (n->ring_cap - 1)].data);
	free(n->ring);
	n->ring = NULL;
	n->ring_cap = n->head = n->count = 0;
}

uint64_t nic_host_bytes(const struct nic *n)
{
	uint64_t b = (uint64_t)n->ring_cap * sizeof(*n->ring);
	for (uint32_t i = 0; i < n->count; i++)
		b += n->ring[(n->head + i) & (n->ring_cap - 1)].len;
	return b;
}

// Doubles the ring (at least 4 slots), keeping the queue's order. Returns 0 or -1.
static int ring_grow(struct nic *n)
{
	uint32_t ncap = n->ring_cap ? n->ring_cap * 2 : 4;
	struct nic_rxslot *r = malloc((size_t)ncap * sizeof(*r));
	if (!r)
		return -1;
	for (uint32_t i = 0; i < n->count; i++)
		r[i] = n->ring[(n->head + i) & (n->ring_cap - 1)];
	free(n->ring);
	n->ring = r;
	n->ring_cap = ncap;
	n->head = 0;
	return 0;
}

int nic_rx_push(struct nic *n, const uint8_t *frame, uint32_t len)
{
	if (len < NIC_FRAME_MIN || len > NIC_FRAME_MAX) {
		n->st.rx_drop_length++;
		return -1;
	}
	if (n->count == n->cap) {
		n->st.rx_drop_full++;
		return -1;
	}
	uint8_t *copy = n->count == n->ring_cap && ring_grow(n) != 0 ? NULL : malloc(len);
	if (!copy) {
		n->st.rx_drop_nomem++;
		return -1;
	}
	memcpy(copy, frame, len);
	n->ring[(n->head + n->count) & (n->ring_cap - 1)] =
		(struct nic_rxslot){ .data = copy, .len = len };
	n->count++;
	n->st.rx_queued++;
	return n->count == 1 ? 1 : 0;
}

// NIC_SEND (docs/isa.md section 9).
uint32_t nic_send(struct nic *n, const struct nic_guest_io *io, uint32_t addr,
		  uint32_t len, uint8_t *frame)
{
	if (len < NIC_FRAME_MIN || len > NIC_FRAME_MAX) {
		n->st.tx_err_length++;
		return NIC_ERR_LENGTH;
	}
	if (io->copyin(io->ctx, frame, addr, len) != 0) {
		n->st.tx_err_fault++;
		return NIC_ERR_FAULT;
	}
	n->st.tx_frames++;
	n->st.tx_bytes += len;
	return 0;
}

// NIC_RECV (docs/isa.md section 9).
uint32_t nic_recv(struct nic *n, const struct nic_guest_io *io, uint32_t addr,
		  uint32_t cap)
{
	if (n->count == 0) {
		n->st.rx_empty++;
		return 0;
	}
	struct nic_rxslot *s = &n->ring[n->head];
	uint32_t len = s->len;
	if (cap < len) {
		n->st.rx_err_small++;
		return NIC_ERR_SMALL;
	}
	if (io->copyout(io->ctx, addr, s->data, len) != 0) {
		n->st.rx_err_fault++;
		return NIC_ERR_FAULT;
	}
	free(s->data);
	s->data = NULL;
	n->head = (n->head + 1) & (n->ring_cap - 1);
	n->count--;
	n->st.rx_frames++;
	n->st.rx_bytes += len;
	return len;
}

uint32_t nic_pio_cost(const struct nic *n, uint16_t port)
{
	if (!n->chatty)
		return 1;
	if (port == NIC_PORT_SEND)
		return NIC_CHATTY_SEND_PIOS;
	if (port == NIC_PORT_RECV)
		return NIC_CHATTY_RECV_PIOS;
	return 1;
}

// --- checkpoints (devset.c) -----------------------------------------------------------

void nic_ckpt_save(const struct nic *n, struct devstate_w *w)
{
	const struct nic_stats *s = &n->st;
	const uint64_t v[] = { s->tx_frames, s->tx_bytes, s->tx_err_length, s->tx_err_fault,
			       s->rx_frames, s->rx_bytes, s->rx_queued, s->rx_drop_full,
			       s->rx_drop_length, s->rx_drop_nomem, s->rx_err_small,
			       s->rx_err_fault, s->rx_empty };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		devstate_u64(w, v[i]);
	devstate_u32(w, n->count);
	for (uint32_t i = 0; i < n->count; i++) {
		const struct nic_rxslot *f = &n->ring[(n->head + i) & (n->ring_cap - 1)];
		devstate_u32(w, f->len);
		devstate_raw(w, f->data, f->len);
	}
}

int nic_ckpt_load(struct nic *n, struct devstate_r *r)
{
	struct nic_stats *s = &n->st;
	uint64_t *v[] = { &s->tx_frames, &s->tx_bytes, &s->tx_err_length, &s->tx_err_fault,
			  &s->rx_frames, &s->rx_bytes, &s->rx_queued, &s->rx_drop_full,
			  &s->rx_drop_length, &s->rx_drop_nomem, &s->rx_err_small,
			  &s->rx_err_fault, &s->rx_empty };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		*v[i] = devstate_get_u64(r);
	uint32_t count = devstate_get_u32(r);
	if (r->bad || count > n->cap || n->count)
		return -1;
	uint64_t queued = s->rx_queued;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t len = devstate_get_u32(r);
		const uint8_t *p = devstate_get_raw(r, len);
		if (!p || nic_rx_push(n, p, len) < 0)
			return -1;
	}
	s->rx_queued = queued; // nic_rx_push counted them again
	return 0;
}
