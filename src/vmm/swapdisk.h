// SPDX-License-Identifier: MIT
// The modelled swap disk (swapdisk.c): one spindle serving one request at a time in
// FIFO order. A request of n bytes takes seek + rotation + n / rate; it starts when the
// disk is free (or now, whichever is later) and completes service time later. Because
// requests are served strictly in submission order, the whole FIFO queue collapses into
// one number, the time the disk next becomes free (busy_until).
//
// Defaults (swapdisk_config_default) are a 2002-era 7200 RPM IDE disk, like the paper's
// server's: average seek 8.5 ms, average rotational latency 4.17 ms (half a turn at
// 7200 RPM), sustained transfer 40 MB/s (40,000,000 bytes per second).
// All times are cycles of the modelled CPU (the caller passes cpu_khz).
#ifndef DENALI_VMM_SWAPDISK_H
#define DENALI_VMM_SWAPDISK_H

#include <stdint.h>

struct swapdisk_config {
	uint64_t seek_ns;           // average seek
	uint64_t rotation_ns;       // average rotational latency
	uint64_t rate_bytes_per_s;  // sustained transfer rate
};

void swapdisk_config_default(struct swapdisk_config *c);

struct swapdisk {
	struct swapdisk_config cfg;
	uint32_t cpu_khz;
	uint64_t busy_until;  // cycles: when the last submitted request completes
	// Statistics.
	uint64_t reads, writes;
	uint64_t bytes_read, bytes_written;
	uint64_t busy_cycles; // total service time
	uint64_t wait_cycles; // total queueing delay (start - submit)
};

void swapdisk_init(struct swapdisk *d, const struct swapdisk_config *cfg, uint32_t cpu_khz);
// Service time of one request of `bytes` bytes, in cycles.
uint64_t swapdisk_service_cycles(const struct swapdisk *d, uint64_t bytes);
// Submits a request at time `now` (cycles). Returns its completion time.
uint64_t swapdisk_submit(struct swapdisk *d, uint64_t now, uint64_t bytes, int is_write);

#endif
