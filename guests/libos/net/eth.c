// SPDX-License-Identifier: MIT
// Ethernet II (net_internal.h): checks the destination MAC and the EtherType of every
// frame and passes IPv4 to ipv4.c and ARP to arp.c; builds the header of every frame
// we send. No VLAN tags, no 802.3 length fields (counted as unknown types).
#include <string.h>

#include "net_internal.h"

const uint8_t eth_broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void net_input(struct net *n, const uint8_t *frame, uint32_t len)
{
	net_enter(n);
	n->st.eth_in++;
	if (!frame || len < ETH_HLEN) {
		n->st.eth_drop_short++;
	} else if (memcmp(frame, n->mac, 6) != 0 && memcmp(frame, eth_broadcast, 6) != 0) {
		n->st.eth_drop_not_ours++;
	} else {
		uint32_t type = rd16(frame + 12);
		// A frame may carry padding after the packet (60-byte minimum on real
		// Ethernet); the IPv4 total length tells the layers above where it ends.
		if (len > ETH_FRAME_MAX)
			len = ETH_FRAME_MAX;
		if (type == ETHERTYPE_IPV4)
			ipv4_input(n, frame + ETH_HLEN, len - ETH_HLEN);
		else if (type == ETHERTYPE_ARP)
			arp_input(n, frame + ETH_HLEN, len - ETH_HLEN);
		else
			n->st.eth_drop_type++;
	}
	net_leave(n);
}

void eth_send(struct net *n, const uint8_t dst_mac[6], uint32_t type, uint32_t payload_len)
{
	memcpy(n->tx, dst_mac, 6);
	memcpy(n->tx + 6, n->mac, 6);
	wr16(n->tx + 12, type);
	uint32_t len = ETH_HLEN + payload_len;
	if (n->ops.send_frame(n->ops.ctx, n->tx, len) != 0)
		n->st.eth_send_errors++;
	else
		n->st.eth_out++;
}
