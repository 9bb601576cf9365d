// SPDX-License-Identifier: MIT
// Trace replay (pcap_in.h): libpcap reading, the check of the whole file at open,
// libpcap's messages in plain words, link-type conversion to Ethernet, replay timing,
// loops and rewriting. Record bytes are untrusted: every header read is checked against
// the record's captured length.
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "devices/pcap_in.h"
#include "devices/rewrite.h"

#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

struct pcap_in {
	struct pcap_in_config cfg;
	char *name;
	pcap_t *pc;
	bool from_fp;
	int dlt;
	uint32_t loop;
	bool have_first;
	uint64_t ts_first, ts_last, last_t, loop_base;
	uint64_t loop_records;    // records seen in this pass (for the mean gap)
	struct pcap_in_stats st;
};

// d * 1000 / speed_milli, saturating at 2^62 so sums of such values cannot overflow.
static uint64_t scale(const struct pcap_in *p, uint64_t d)
{
	unsigned __int128 v = (unsigned __int128)d * 1000u / p->cfg.speed_milli;
	return v > (1ull << 62) ? (1ull << 62) : (uint64_t)v;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static int check_dlt(struct pcap_in *p, char *err, size_t errlen)
{
	p->dlt = pcap_datalink(p->pc);
	switch (p->dlt) {
	case DLT_EN10MB: case DLT_RAW: case DLT_IPV4: case DLT_IPV6:
	case DLT_LINUX_SLL: case DLT_LINUX_SLL2:
		return 0;
	default: {
		const char *n = pcap_datalink_val_to_name(p->dlt);
		snprintf(err, errlen, "%s: link type %d (%s) not supported (Ethernet, raw IP "
			 "or Linux SLL expected)", p->name, p->dlt, n ? n : "unknown");
		return -1;
	}
	}
}

// --- libpcap's messages in words ---------------------------------------------------
//
// libpcap 1.10 words its errors for its own developers ("truncated dump file", "Section
// Header Block ... (BT_SHB_INSANE_MAX)"). Each known message is matched whole (read with
// sscanf, then printed again from the numbers read and compared) and said again for a
// user; an unknown one passes through with "dump file"/"savefile" replaced by "file".

struct says {
	const char *pcap;   // libpcap's message, its numbers as %llu
	const char *words;  // ours: the same numbers (%llu, or %N$llu to reorder them)
	int nargs;          // how many numbers
};

static const struct says says[] = {
	{ "truncated dump file; tried to read %llu file header bytes, only got 0",
	  "the file is empty (not a pcap or pcapng file)", 1 },
	{ "truncated dump file; tried to read %llu file header bytes, only got %llu",
	  "the file ends inside its header (%2$llu of %1$llu bytes)", 2 },
	{ "truncated dump file; tried to read %llu header bytes, only got %llu",
	  "the file ends inside this record's header (%2$llu of %1$llu bytes)", 2 },
	{ "truncated dump file; tried to read %llu captured bytes, only got %llu",
	  "the file ends inside this record (%2$llu of its %1$llu bytes)", 2 },
	{ "truncated pcapng dump file; tried to read %llu bytes, only got %llu",
	  "the file ends inside this block (%2$llu of its %1$llu bytes)", 2 },
	{ "invalid packet capture length %llu, bigger than snaplen of %llu",
	  "captured length %llu is larger than the file's snapshot length %llu (a damaged "
	  "record header)", 2 },
	{ "invalid packet capture length %llu, bigger than maximum of %llu",
	  "captured length %llu is larger than the largest allowed, %llu (a damaged record "
	  "header)", 2 },
	{ "pcapng block size %llu > maximum %llu",
	  "a block of %llu bytes, larger than the largest allowed, %llu (a damaged block "
	  "length)", 2 },
	{ "Section Header Block in pcapng dump file has invalid length %llu < _%llu_ < %llu "
	  "(BT_SHB_INSANE_MAX)",
	  "a section header block of %2$llu bytes (it must be %1$llu to %3$llu bytes)", 3 },
	{ "block in pcapng dump file has a length of %llu < %llu",
	  "a block length of %llu bytes, shorter than the smallest block (%llu)", 2 },
	{ "block in pcapng dump file has a length of %llu that is not a multiple of 4",
	  "a block length of %llu bytes, not a multiple of 4", 1 },
	{ "block of type %llu in pcapng dump file is too short",
	  "a block of type %llu too short for its contents", 1 },
	{ "block total length in header and trailer don't match",
	  "a block whose length differs between its header and its trailer", 0 },
	{ "the file has sections with different byte orders",
	  "a second section with the other byte order (one trace must have one byte order)",
	  0 },
	{ "the file has a section with a bad byte order magic field",
	  "a section header with a bad byte-order magic number", 0 },
	{ "an interface has a type %llu different from the type of the first interface",
	  "an interface (or a second section) with link type %llu, not the first "
	  "interface's (one trace must have one link type)", 1 },
	{ "an interface has a snapshot length %llu different from the snapshot length of "
	  "the first interface",
	  "an interface (or a second section) with snapshot length %llu, not the first "
	  "interface's", 1 },
	{ "a packet arrived on interface %llu, but there's no Interface Description Block "
	  "for that interface",
	  "a packet on interface %llu, which the file does not describe", 1 },
	{ "the capture file has no Interface Description Blocks",
	  "no interface description before the packets", 0 },
	{ "the capture file has a packet block before any Interface Description Blocks",
	  "a packet before any interface description", 0 },
	{ "unknown file format", "not a pcap or pcapng file", 0 },
	{ "archaic pcap savefile format", "an old pcap format libpcap no longer reads", 0 },
	{ "unsupported pcap savefile version %llu.%llu", "pcap version %llu.%llu, not "
	  "supported", 2 },
	{ "unsupported pcapng savefile version %llu.%llu", "pcapng version %llu.%llu, not "
	  "supported", 2 },
	{ "unknown pcapng savefile major version number %llu", "pcapng major version %llu, "
	  "not supported", 1 },
};

// Replaces every `from` in s (at most len bytes with the NUL) by `to` (not longer).
static void replace_all(char *s, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);
	for (char *p = strstr(s, from); p; p = strstr(p + tl, from)) {
		memmove(p + tl, p + fl, strlen(p + fl) + 1);
		memcpy(p, to, tl);
	}
}

// libpcap's message pe in words, into out.
static void in_words(const char *pe, char *out, size_t len)
{
	for (size_t i = 0; i < sizeof says / sizeof says[0]; i++) {
		unsigned long long v[3] = { 0, 0, 0 };
		if (sscanf(pe, says[i].pcap, &v[0], &v[1], &v[2]) != says[i].nargs)
			continue;
		char again[PCAP_ERRBUF_SIZE];
		snprintf(again, sizeof again, says[i].pcap, v[0], v[1], v[2]);
		if (strcmp(again, pe) != 0)
			continue; // the same start, then something else
		snprintf(out, len, says[i].words, v[0], v[1], v[2]);
		return;
	}
	if (!strncmp(pe, "Interface Description Block ", 28)) {
		snprintf(out, len, "an interface description with a bad option (%s)", pe + 28);
		return;
	}
	snprintf(out, len, "%s", pe);
	replace_all(out, "pcapng dump file", "file");
	replace_all(out, "dump file", "file");
	replace_all(out, "savefile", "file");
}

// "PATH: " + words for libpcap's message pe (which may begin with the path itself).
static void pcap_err(char *err, size_t errlen, const char *path, const char *where,
		     const char *pe)
{
	size_t pl = strlen(path);
	if (!strncmp(pe, path, pl) && pe[pl] == ':' && pe[pl + 1] == ' ')
		pe += pl + 2; // "x: No such file or directory"
	char words[256];
	in_words(pe, words, sizeof words);
	snprintf(err, errlen, "%s: %s%s", path, where, words);
}

// --- opening ----------------------------------------------------------------------

static pcap_t *open_path(const char *path, char *err, size_t errlen)
{
	char pe[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(path,
				PCAP_TSTAMP_PRECISION_NANO, pe);
	if (!pc)
		pcap_err(err, errlen, path, "", pe);
	return pc;
}

// Reads the whole file once, without keeping anything: every record header and block
// libpcap would meet during the replay. Returns 0, or -1 with "PATH: record N: words".
// Streams: memory does not grow with the file.
static int check_file(const char *path, char *err, size_t errlen)
{
	pcap_t *pc = open_path(path, err, errlen);
	if (!pc)
		return -1;
	uint64_t n = 0;
	struct pcap_pkthdr *h;
	const u_char *b;
	int r;
	while ((r = pcap_next_ex(pc, &h, &b)) == 1)
		n++;
	if (r != PCAP_ERROR_BREAK) {
		char where[48];
		snprintf(where, sizeof where, "record %llu: ", (unsigned long long)n + 1);
		pcap_err(err, errlen, path, where, r == PCAP_ERROR ? pcap_geterr(pc) : "unreadable");
	}
	pcap_close(pc);
	return r == PCAP_ERROR_BREAK ? 0 : -1;
}

static int finish_open(struct pcap_in **out, struct pcap_in *p, char *err, size_t errlen)
{
	if (check_dlt(p, err, errlen) != 0) {
		pcap_close(p->pc);
		free(p->name);
		free(p);
		return -1;
	}
	*out = p;
	return 0;
}

static struct pcap_in *alloc_in(const struct pcap_in_config *cfg, const char *name)
{
	struct pcap_in *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->cfg = *cfg;
	if (!p->cfg.speed_milli)
		p->cfg.speed_milli = 1000;
	if (!p->cfg.loops)
		p->cfg.loops = 1;
	p->cfg.path = NULL;
	p->name = strdup(name ? name : "(pcap)");
	p->last_t = cfg->start_ns;
	p->loop_base = cfg->start_ns;
	if (!p->name) {
		free(p);
		return NULL;
	}
	return p;
}

int pcap_in_open(struct pcap_in **out, const struct pcap_in_config *cfg, char *err,
		 size_t errlen)
{
	if (check_file(cfg->path, err, errlen) != 0)
		return -1;
	struct pcap_in *p = alloc_in(cfg, cfg->path);
	if (!p) {
		snprintf(err, errlen, "%s: out of memory", cfg->path);
		return -1;
	}
	p->pc = open_path(cfg->path, err, errlen);
	if (!p->pc) {
		free(p->name);
		free(p);
		return -1;
	}
	return finish_open(out, p, err, errlen);
}

int pcap_in_open_fp(struct pcap_in **out, FILE *fp, const char *name,
		    const struct pcap_in_config *cfg, char *err, size_t errlen)
{
	struct pcap_in *p = alloc_in(cfg, name);
	if (!p) {
		snprintf(err, errlen, "%s: out of memory", name);
		fclose(fp);
		return -1;
	}
	char pe[PCAP_ERRBUF_SIZE] = "";
	p->pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, pe);
	if (!p->pc) {
		pcap_err(err, errlen, p->name, "", pe);
		free(p->name);
		free(p);
		fclose(fp); // libpcap leaves fp open when it fails
		return -1;
	}
	p->from_fp = true;
	p->cfg.loops = 1;
	return finish_open(out, p, err, errlen);
}

void pcap_in_close(struct pcap_in *p)
{
	if (!p)
		return;
	if (p->pc)
		pcap_close(p->pc);
	free(p->name);
	free(p);
}

const struct pcap_in_stats *pcap_in_stats(const struct pcap_in *p) { return &p->st; }
int pcap_in_linktype(const struct pcap_in *p) { return p->dlt; }

static void eth_header(uint8_t *f, const uint8_t *src, uint16_t type)
{
	memset(f, 0xff, 6);
	if (src)
		memcpy(f + 6, src, 6);
	else
		nic_mac_for(PCAP_IN_MAC_ID, f + 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
}

// Converts one record to Ethernet in f. Returns 0, or -1 when it is a runt/oversize.
static int to_ether(struct pcap_in *p, const uint8_t *b, uint32_t n, struct pcap_in_frame *f)
{
	uint32_t hdr = 0;
	const uint8_t *src = NULL;
	uint16_t type = 0;
	switch (p->dlt) {
	case DLT_EN10MB:
		break;
	case DLT_RAW: case DLT_IPV4: case DLT_IPV6:
		if (n < 1)
			goto runt;
		type = (b[0] >> 4) == 6 ? 0x86dd : 0x0800;
		eth_header(f->data, NULL, type);
		break;
	case DLT_LINUX_SLL: // type(2) arphrd(2) halen(2) addr(8) protocol(2)
		if (n < 16)
			goto runt;
		hdr = 16;
		src = (b[4] == 0 && b[5] == 6) ? b + 6 : NULL;
		type = (uint16_t)(b[14] << 8 | b[15]);
		break;
	case DLT_LINUX_SLL2: // protocol(2) rsv(2) ifindex(4) arphrd(2) pkttype(1) halen(1) addr(8)
		if (n < 20)
			goto runt;
		hdr = 20;
		src = b[11] == 6 ? b + 12 : NULL;
		type = (uint16_t)(b[0] << 8 | b[1]);
		break;
	}
	uint32_t pre = p->dlt == DLT_EN10MB ? 0 : 14;
	uint32_t body = n - hdr;
	if (pre + body < NIC_FRAME_MIN)
		goto runt;
	if (pre + body > NIC_FRAME_MAX) {
		p->st.drop_oversize++;
		return -1;
	}
	if (hdr)
		eth_header(f->data, src, type);
	memcpy(f->data + pre, b + hdr, body);
	f->len = pre + body;
	return 0;
runt:
	p->st.drop_runt++;
	return -1;
}

// Starts the next pass over the file. Returns 1, 0 when all loops are done, -1 error.
static int next_loop(struct pcap_in *p, char *err, size_t errlen)
{
	if (p->loop + 1 >= p->cfg.loops || p->from_fp || !p->have_first)
		return 0;
	uint64_t span = scale(p, p->ts_last - p->ts_first);
	uint64_t gap = p->loop_records > 1 ? span / (p->loop_records - 1) : 1000;
	pcap_close(p->pc);
	p->pc = open_path(p->name, err, errlen);
	if (!p->pc)
		return -1;
	p->loop++;
	p->st.loops_done++;
	p->loop_base = sat_add(p->loop_base, sat_add(span, gap ? gap : 1));
	p->have_first = false;
	p->loop_records = 0;
	return 1;
}

int pcap_in_next(struct pcap_in *p, struct pcap_in_frame *f, char *err, size_t errlen)
{
	for (;;) {
		struct pcap_pkthdr *h;
		const u_char *b;
		int r = pcap_next_ex(p->pc, &h, &b);
		if (r == PCAP_ERROR_BREAK) {
			int l = next_loop(p, err, errlen);
			if (l <= 0) {
				if (l == 0 && p->loop + 1 >= p->cfg.loops)
					p->st.loops_done = p->loop + 1;
				return l;
			}
			continue;
		}
		if (r != 1) {
			char where[48];
			snprintf(where, sizeof where, "record %llu: ",
				 (unsigned long long)p->loop_records + 1);
			pcap_err(err, errlen, p->name, where,
				 r == PCAP_ERROR ? pcap_geterr(p->pc) : "unreadable");
			return -1;
		}
		p->st.records++;
		p->loop_records++;
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		if (!p->have_first) {
			p->have_first = true;
			p->ts_first = p->ts_last = ts;
		}
		if (ts < p->ts_last) {
			p->st.ts_backwards++;
			ts = p->ts_last;
		}
		p->ts_last = ts;
		uint64_t t = sat_add(p->loop_base, scale(p, ts - p->ts_first));
		if (t < p->last_t)
			t = p->last_t;
		p->last_t = t;
		if (h->caplen < h->len) {
			p->st.drop_truncated++;
			continue;
		}
		if (to_ether(p, b, h->caplen, f) != 0)
			continue;
		f->t_ns = t;
		f->vm = 0;
		if (p->cfg.rewrite && p->cfg.nvms)
			f->vm = rewrite_frame(f->data, f->len, p->cfg.seed, p->cfg.nvms,
					      p->cfg.rewrite_ipv4);
		p->st.frames++;
		p->st.bytes += f->len;
		return 1;
	}
}

// --- checkpoints ------------------------------------------------------------------

void pcap_in_pos(const struct pcap_in *p, struct pcap_in_pos *pos)
{
	*pos = (struct pcap_in_pos){ .loop = p->loop, .have_first = p->have_first,
				     .ts_first = p->ts_first, .ts_last = p->ts_last,
				     .last_t = p->last_t, .loop_base = p->loop_base,
				     .loop_records = p->loop_records, .st = p->st };
}

int pcap_in_seek(struct pcap_in *p, const struct pcap_in_pos *pos, char *err, size_t errlen)
{
	if (p->from_fp || pos->loop >= p->cfg.loops || pos->have_first != (pos->loop_records > 0) ||
	    pos->st.records < pos->loop_records) {
		snprintf(err, errlen, "%s: the saved replay position does not fit this trace",
			 p->name);
		return -1;
	}
	pcap_close(p->pc);
	p->pc = open_path(p->name, err, errlen);
	if (!p->pc)
		return -1;
	for (uint64_t i = 0; i < pos->loop_records; i++) {
		struct pcap_pkthdr *h;
		const u_char *b;
		if (pcap_next_ex(p->pc, &h, &b) != 1) {
			snprintf(err, errlen, "%s: the trace has fewer records than the saved "
				 "replay position (%llu)", p->name,
				 (unsigned long long)pos->loop_records);
			return -1;
		}
	}
	p->loop = pos->loop;
	p->have_first = pos->have_first;
	p->ts_first = pos->ts_first;
	p->ts_last = pos->ts_last;
	p->last_t = pos->last_t;
	p->loop_base = pos->loop_base;
	p->loop_records = pos->loop_records;
	p->st = pos->st;
	return 0;
}
