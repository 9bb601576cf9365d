// SPDX-License-Identifier: MIT
// Capture to a nanosecond pcap file with libpcap's dumper (pcap_out.h).
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "devices/pcap_out.h"

#define SNAPLEN 65535

struct pcap_out {
	pcap_t *dead;
	pcap_dumper_t *d;
	char *name;            // for messages
	uint64_t frames;
	bool failed;
};

int pcap_out_open(struct pcap_out **out, const char *path, char *err, size_t errlen)
{
	return pcap_out_open_as(out, path, path, err, errlen);
}

static int open_dump(struct pcap_out **out, const char *path, const char *name,
		     bool append, uint64_t frames, char *err, size_t errlen)
{
	struct pcap_out *p = calloc(1, sizeof(*p));
	if (!p || !(p->name = strdup(name))) {
		free(p);
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	p->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, SNAPLEN,
						       PCAP_TSTAMP_PRECISION_NANO);
	if (!p->dead) {
		snprintf(err, errlen, "%s: cannot create a pcap handle", name);
		goto fail;
	}
	p->d = append ? pcap_dump_open_append(p->dead, path) : pcap_dump_open(p->dead, path);
	p->frames = frames;
	if (!p->d) {
		const char *pe = pcap_geterr(p->dead);
		// libpcap names the file itself in some messages ("x: No such file").
		size_t pl = strlen(path);
		if (strncmp(pe, path, pl) == 0 && pe[pl] == ':' && pe[pl + 1] == ' ')
			pe += pl + 2;
		snprintf(err, errlen, "%s: %s", name, pe);
		goto fail;
	}
	*out = p;
	return 0;
fail:
	if (p->dead)
		pcap_close(p->dead);
	free(p->name);
	free(p);
	return -1;
}

int pcap_out_open_as(struct pcap_out **out, const char *path, const char *name, char *err,
		     size_t errlen)
{
	return open_dump(out, path, name, false, 0, err, errlen);
}

int pcap_out_open_append(struct pcap_out **out, const char *path, const char *name,
			 uint64_t frames, char *err, size_t errlen)
{
	return open_dump(out, path, name, true, frames, err, errlen);
}

int pcap_out_write(struct pcap_out *p, uint64_t t_ns, const uint8_t *frame, uint32_t len)
{
	struct pcap_pkthdr h;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(t_ns / 1000000000ull);
	h.ts.tv_usec = (suseconds_t)(t_ns % 1000000000ull); // nanoseconds (NANO precision)
	h.caplen = len > SNAPLEN ? SNAPLEN : len;
	h.len = len;
	pcap_dump((u_char *)p->d, &h, frame);
	if (ferror(pcap_dump_file(p->d))) {
		p->failed = true;
		return -1;
	}
	p->frames++;
	return 0;
}

uint64_t pcap_out_frames(const struct pcap_out *p) { return p->frames; }

int pcap_out_sync(struct pcap_out *p, uint64_t *bytes, uint64_t *frames)
{
	if (pcap_dump_flush(p->d) != 0 || ferror(pcap_dump_file(p->d)))
		p->failed = true;
	int64_t at = pcap_dump_ftell64(p->d);
	*bytes = at < 0 ? 0 : (uint64_t)at;
	*frames = p->frames;
	return p->failed || at < 0 ? -1 : 0;
}

int pcap_out_close(struct pcap_out *p, char *err, size_t errlen)
{
	if (!p)
		return 0;
	int rc = 0;
	if (pcap_dump_flush(p->d) != 0 || ferror(pcap_dump_file(p->d)))
		p->failed = true;
	pcap_dump_close(p->d);
	pcap_close(p->dead);
	if (p->failed) {
		snprintf(err, errlen, "%s: write failed", p->name);
		rc = -1;
	}
	free(p->name);
	free(p);
	return rc;
}
