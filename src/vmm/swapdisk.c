// SPDX-License-Identifier: MIT
// The swap disk's timing model (see swapdisk.h): a FIFO single-request disk whose queue
// is represented by the time it next becomes free.
#include "vmm/swapdisk.h"

void swapdisk_config_default(struct swapdisk_config *c)
{
	*c = (struct swapdisk_config){
		.seek_ns = 8500000,
		.rotation_ns = 4170000,
		.rate_bytes_per_s = 40000000,
	};
}

void swapdisk_init(struct swapdisk *d, const struct swapdisk_config *cfg, uint32_t cpu_khz)
{
	*d = (struct swapdisk){ .cfg = *cfg, .cpu_khz = cpu_khz };
}

// ns -> cycles, rounded up.
static uint64_t cycles_of_ns(uint32_t khz, unsigned __int128 ns)
{
	unsigned __int128 c = (ns * khz + 999999u) / 1000000u;
	return c > UINT64_MAX ? UINT64_MAX : (uint64_t)c;
}

uint64_t swapdisk_service_cycles(const struct swapdisk *d, uint64_t bytes)
{
	unsigned __int128 xfer_ns = d->cfg.rate_bytes_per_s
		? ((unsigned __int128)bytes * 1000000000u + d->cfg.rate_bytes_per_s - 1) /
			  d->cfg.rate_bytes_per_s
		: 0;
	return cycles_of_ns(d->cpu_khz, xfer_ns + d->cfg.seek_ns + d->cfg.rotation_ns);
}

uint64_t swapdisk_submit(struct swapdisk *d, uint64_t now, uint64_t bytes, int is_write)
{
	uint64_t start = d->busy_until > now ? d->busy_until : now;
	uint64_t svc = swapdisk_service_cycles(d, bytes);
	uint64_t done = start + svc < start ? UINT64_MAX : start + svc;
	d->busy_until = done;
	d->busy_cycles += svc;
	d->wait_cycles += start - now;
	if (is_write) {
		d->writes++;
		d->bytes_written += bytes;
	} else {
		d->reads++;
		d->bytes_read += bytes;
	}
	return done;
}
