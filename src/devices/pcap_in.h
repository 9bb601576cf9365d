// SPDX-License-Identifier: MIT
// Trace replay (pcap_in.c): reads a pcap or pcapng file with libpcap and yields its
// frames as Ethernet frames with the simulated time they enter the switch.
//
//   time  = start_ns + loop * period + (ts - ts_first) * 1000 / speed_milli
//           (period = the trace's span plus its mean gap; a timestamp earlier than the
//           previous one is raised to it, so times never go back; counted)
//   link types: Ethernet as is; raw IPv4/IPv6 (DLT_RAW, DLT_IPV4, DLT_IPV6) and Linux
//           cooked captures (DLT_LINUX_SLL, DLT_LINUX_SLL2) get an Ethernet header:
//           destination ff:ff:ff:ff:ff:ff (unless rewritten), source the SLL address when
//           it is 6 bytes, else PCAP_IN_MAC, and the EtherType of the payload.
//   drops (counted, never an error): a truncated record (caplen < len), a runt (< 14
//           bytes as Ethernet), an oversize frame (> 1514 bytes).
//   rewrite: destination MAC/IPv4 spread over nvms VMs from seed (rewrite.h).
// A file libpcap cannot open, an unsupported link type or a damaged record gives -1
// with a message naming the file (and the record) and saying what is wrong in words,
// never in libpcap's. pcap_in_open reads the whole file once first, so a damaged
// record anywhere is refused before the first frame (docs/devices.md, "Bad input").
#ifndef DENALI_DEVICES_PCAP_IN_H
#define DENALI_DEVICES_PCAP_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "devices/nic.h"

// The source MAC of converted frames: 02:44:4e:ff:ff:ff (no VM has id 0xffffff).
#define PCAP_IN_MAC_ID 0xffffffu

struct pcap_in_config {
	const char *path;
	uint64_t start_ns;     // when the first frame enters
	uint32_t speed_milli;  // 1000 = real time, 2000 = twice as fast; 0 means 1000
	uint32_t loops;        // times through the file; 0 means 1
	bool rewrite;          // spread flows over nvms VMs (rewrite_frame)
	bool rewrite_ipv4;     // also rewrite IPv4 destinations
	uint64_t seed;
	uint32_t nvms;
};

struct pcap_in_frame {
	uint64_t t_ns;
	uint32_t len;
	uint32_t vm;           // the VM chosen by rewriting (0 without)
	uint8_t data[NIC_FRAME_MAX];
};

struct pcap_in_stats {
	uint64_t records, frames, bytes;
	uint64_t drop_truncated, drop_runt, drop_oversize, ts_backwards;
	uint32_t loops_done;
};

struct pcap_in;

// Opens cfg->path after reading it once to its end (streamed: memory does not grow
// with the file). Returns 0, or -1 with "PATH: record N: problem" in err.
int pcap_in_open(struct pcap_in **out, const struct pcap_in_config *cfg, char *err,
		 size_t errlen);
// Reads from an open stream instead (one pass; loops is ignored; no check first: a
// damaged record is found by pcap_in_next). name is for messages.
// fp is always consumed: owned by the pcap_in on success, closed on failure.
int pcap_in_open_fp(struct pcap_in **out, FILE *fp, const char *name,
		    const struct pcap_in_config *cfg, char *err, size_t errlen);
// The next frame: 1 (filled f), 0 at the end, -1 on a damaged file (err names it).
int pcap_in_next(struct pcap_in *p, struct pcap_in_frame *f, char *err, size_t errlen);
const struct pcap_in_stats *pcap_in_stats(const struct pcap_in *p);
int pcap_in_linktype(const struct pcap_in *p);
void pcap_in_close(struct pcap_in *p);

// Checkpoints (devset_ckpt_*): where the replay is, as plain numbers: the pass over the
// file, the records read in it, and the timing state and counters.
struct pcap_in_pos {
	uint32_t loop;
	bool have_first;
	uint64_t ts_first, ts_last, last_t, loop_base, loop_records;
	struct pcap_in_stats st;
};
void pcap_in_pos(const struct pcap_in *p, struct pcap_in_pos *pos);
// Moves a replay opened by pcap_in_open (with the same config) to pos: opens the file
// again and reads past pos->loop_records records of pass pos->loop. Returns 0, or -1
// with one line naming the file (pos does not fit it, or the file is damaged).
int pcap_in_seek(struct pcap_in *p, const struct pcap_in_pos *pos, char *err, size_t errlen);

#endif
