// SPDX-License-Identifier: MIT
// Unit tests for trace replay and capture (src/devices/pcap_in.c, pcap_out.c): every real
// trace in traces/ read and replayed through the switch into VM NICs with its counters
// checked; malformed and damaged files give an error naming the file and the record,
// in words, when the file is opened (the whole file is read once then), or counted drops;
// raw-IP, Linux SLL and pcapng inputs; replay timing (offset, speed, loops); truncated,
// runt and oversize records; capture with nanosecond timestamps read back exactly and
// parsed by tshark (without tshark: that test is skipped and the program exits 77).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "skips.h"
#include <pcap/pcap.h>

#include "devices/nic.h"
#include "devices/pcap_in.h"
#include "devices/pcap_out.h"
#include "devices/switch.h"

struct trace {
	const char *name;
	uint64_t records;
	uint64_t oversize; // records longer than 1514 bytes (offloaded segments)
};

static const struct trace traces[] = {
	{ "ssh.pcap", 54, 0 }, { "mptcp-v0.pcap", 264, 0 }, { "edns-opts.pcap", 42, 0 },
	{ "dnssec.pcap", 6, 1 }, { "dhcp-rfc4388.pcap", 54, 0 },
	{ "ntp-control.pcap", 21, 0 }, { "vrrp.pcap", 165, 0 },
};

// dir/name in a static buffer; a path that does not fit fails the test.
static char *path_of(const char *dir, const char *name)
{
	static char buf[4096];
	int n = snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	return buf;
}

static void cfg_default(struct pcap_in_config *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	c->path = path;
}

// Reads a whole file; returns the frame count, checks times never go back.
static uint64_t read_all(const struct pcap_in_config *c, struct pcap_in_stats *st)
{
	struct pcap_in *p;
	char err[512];
	int r = pcap_in_open(&p, c, err, sizeof(err));
	if (r != 0)
		fail_msg("%s", err);
	struct pcap_in_frame *f = malloc(sizeof(*f));
	uint64_t n = 0, last = 0;
	while ((r = pcap_in_next(p, f, err, sizeof(err))) == 1) {
		assert_true(f->t_ns >= last);
		assert_true(f->len >= 14 && f->len <= 1514);
		if (n == 0)
			assert_int_equal(f->t_ns, c->start_ns);
		last = f->t_ns;
		n++;
	}
	if (r != 0)
		fail_msg("%s", err);
	*st = *pcap_in_stats(p);
	pcap_in_close(p);
	free(f);
	return n;
}

static void test_real_traces_read(void **state)
{
	for (size_t i = 0; i < sizeof(traces) / sizeof(traces[0]); i++) {
		struct pcap_in_config c;
		cfg_default(&c, path_of(TRACES_DIR, traces[i].name));
		c.start_ns = 5000;
		struct pcap_in_stats st;
		uint64_t n = read_all(&c, &st);
		assert_int_equal(n, traces[i].records - traces[i].oversize);
		assert_int_equal(st.records, traces[i].records);
		assert_int_equal(st.drop_oversize, traces[i].oversize);
		assert_int_equal(st.drop_truncated + st.drop_runt, 0);
		assert_int_equal(st.loops_done, 1);
	}
}

// --- replay through the switch into NICs ---------------------------------------------

struct net {
	struct sw *s;
	struct nic nics[8];
	uint32_t nvm, pcap_port;
	uint64_t irqs;
};

static void no_schedule(void *ctx, uint64_t t) { }

static bool nic_deliver(void *ctx, const uint8_t *f, uint32_t len, uint64_t t)
{
	struct nic *n = ctx;
	int r = nic_rx_push(n, f, len);
	return r >= 0;
}

static bool ext_deliver(void *ctx, const uint8_t *f, uint32_t len, uint64_t t)
{
	return true;
}

static void net_init(struct net *w, uint32_t nvm, uint32_t rxq)
{
	struct switch_config c;
	switch_config_default(&c);
	c.txq_frames = 4096;
	w->s = switch_new(&c, no_schedule, NULL);
	w->nvm = nvm;
	for (uint32_t i = 0; i < nvm; i++) {
		assert_int_equal(nic_init(&w->nics[i], i, rxq, true, false), 0);
		assert_int_equal(switch_add_port(w->s, nic_deliver, &w->nics[i], false), i);
		assert_int_equal(switch_add_static(w->s, w->nics[i].mac, i), 0);
	}
	w->pcap_port = switch_add_port(w->s, ext_deliver, NULL, true);
}

static void net_free(struct net *w)
{
	for (uint32_t i = 0; i < w->nvm; i++)
		nic_destroy(&w->nics[i]);
	switch_free(w->s);
}

static void replay(struct net *w, const struct pcap_in_config *c, uint64_t *frames)
{
	struct pcap_in *p;
	char err[512];
	if (pcap_in_open(&p, c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	struct pcap_in_frame *f = malloc(sizeof(*f));
	int r;
	*frames = 0;
	while ((r = pcap_in_next(p, f, err, sizeof(err))) == 1) {
		(void)switch_send(w->s, w->pcap_port, f->data, f->len, f->t_ns);
		(*frames)++;
	}
	assert_int_equal(r, 0);
	uint64_t t;
	while ((t = switch_next_ns(w->s)) != UINT64_MAX)
		switch_run(w->s, t);
	pcap_in_close(p);
	free(f);
}

static void test_real_traces_replay(void **state)
{
	for (size_t i = 0; i < sizeof(traces) / sizeof(traces[0]); i++) {
		struct net w;
		net_init(&w, 4, 32);
		switch_port_set_up(w.s, 3, false); // VM 3 has ended
		struct pcap_in_config c;
		cfg_default(&c, path_of(TRACES_DIR, traces[i].name));
		c.rewrite = c.rewrite_ipv4 = true;
		c.seed = 1;
		c.nvms = 4;
		uint64_t frames;
		replay(&w, &c, &frames);
		const struct switch_port_stats *ps = switch_port_stats(w.s, w.pcap_port);
		assert_int_equal(ps->tx_frames + ps->tx_drop_full, frames);
		assert_int_equal(w.s->st.forwarded, ps->tx_frames);
		// Every rewritten frame is unicast to one VM: queued, dropped by a full queue,
		// or dropped because VM 3 is down.
		uint64_t queued = 0, full = 0;
		for (uint32_t v = 0; v < 3; v++) {
			queued += w.nics[v].st.rx_queued;
			full += w.nics[v].st.rx_drop_full;
			assert_int_equal(switch_port_stats(w.s, v)->rx_drop, w.nics[v].st.rx_drop_full);
		}
		assert_int_equal(queued + full + w.s->st.drop_down, w.s->st.forwarded);
		assert_int_equal(w.s->st.drop_unknown + w.s->st.flooded, 0);
		if (traces[i].records > 100) {
			assert_true(full > 0); // 32-frame queues overflow
			assert_true(w.s->st.drop_down > 0);
		}
		print_message("%s: %llu frames, %llu queued, %llu queue-full, %llu no VM\n",
			      traces[i].name, (unsigned long long)frames,
			      (unsigned long long)queued, (unsigned long long)full,
			      (unsigned long long)w.s->st.drop_down);
		net_free(&w);
	}
}

static void test_replay_without_rewrite(void **state)
{
	// Frames keep their real MACs: unicast to no VM is dropped and counted; broadcast
	// and multicast (DHCP, VRRP) are flooded to every VM.
	struct net w;
	net_init(&w, 2, 256);
	struct pcap_in_config c;
	cfg_default(&c, path_of(TRACES_DIR, "vrrp.pcap"));
	uint64_t frames;
	replay(&w, &c, &frames);
	assert_int_equal(frames, 165);
	assert_int_equal(w.s->st.flooded + w.s->st.drop_unknown, 165);
	assert_int_equal(w.nics[0].st.rx_queued, w.s->st.flooded);
	net_free(&w);
	net_init(&w, 2, 256);
	cfg_default(&c, path_of(TRACES_DIR, "ssh.pcap"));
	replay(&w, &c, &frames);
	// Unicast to MACs nobody has, or (once learned) back out of the replay port itself.
	assert_int_equal(w.s->st.drop_unknown + w.s->st.drop_same_port, 54);
	assert_true(w.s->st.drop_same_port > 0);
	assert_int_equal(w.nics[0].st.rx_queued + w.nics[1].st.rx_queued, 0);
	net_free(&w);
}

// --- bad input --------------------------------------------------------------------

// Opens and reads path; returns 0 when it read to the end, -1 with err naming the file.
static int try_read(const char *path, char *err, size_t errlen, struct pcap_in_stats *st)
{
	struct pcap_in_config c;
	cfg_default(&c, path);
	struct pcap_in *p;
	if (pcap_in_open(&p, &c, err, errlen) != 0)
		return -1;
	struct pcap_in_frame *f = malloc(sizeof(*f));
	int r;
	while ((r = pcap_in_next(p, f, err, errlen)) == 1)
		;
	*st = *pcap_in_stats(p);
	pcap_in_close(p);
	free(f);
	return r;
}

static void test_malformed_traces(void **state)
{
	const char *names[] = { "dns-badlabel.pcap", "nfs-attr-oobr.pcap",
				"telnet-iac-check-oobr.pcap" };
	for (int i = 0; i < 3; i++) {
		char dir[4096], err[512] = "";
		snprintf(dir, sizeof(dir), "%s/malformed", TRACES_DIR);
		const char *path = path_of(dir, names[i]);
		struct pcap_in_stats st = { 0 };
		int r = try_read(path, err, sizeof(err), &st);
		print_message("%s: %s; %llu frames, %llu truncated, %llu runt, %llu oversize\n",
			      names[i], r ? err : "read", (unsigned long long)st.frames,
			      (unsigned long long)st.drop_truncated,
			      (unsigned long long)st.drop_runt,
			      (unsigned long long)st.drop_oversize);
		if (r != 0)
			assert_non_null(strstr(err, names[i]));
		else
			assert_int_equal(st.records, st.frames + st.drop_truncated +
						     st.drop_runt + st.drop_oversize);
	}
}

static void write_file(const char *path, const void *b, size_t n)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(b, 1, n, fp), n);
	fclose(fp);
}

static void test_damaged_files(void **state)
{
	char err[512];
	struct pcap_in_stats st;
	assert_int_equal(try_read("no-such-file.pcap", err, sizeof(err), &st), -1);
	assert_non_null(strstr(err, "no-such-file.pcap"));
	write_file("garbage.pcap", "this is not a capture file at all", 33);
	assert_int_equal(try_read("garbage.pcap", err, sizeof(err), &st), -1);
	assert_non_null(strstr(err, "garbage.pcap"));
	write_file("empty.pcap", "", 0);
	assert_int_equal(try_read("empty.pcap", err, sizeof(err), &st), -1);
	assert_non_null(strstr(err, "empty.pcap"));
	// A real trace cut in the middle of a record.
	FILE *fp = fopen(path_of(TRACES_DIR, "ssh.pcap"), "rb");
	assert_non_null(fp);
	static uint8_t buf[20000];
	size_t n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	assert_true(n > 1000);
	write_file("cut.pcap", buf, 1000);
	assert_int_equal(try_read("cut.pcap", err, sizeof(err), &st), -1);
	assert_non_null(strstr(err, "cut.pcap"));
	assert_non_null(strstr(err, "the file ends inside this record"));
	// A record header claiming a huge length.
	memcpy(buf + 24 + 8, "\xff\xff\xff\x7f\xff\xff\xff\x7f", 8);
	write_file("huge.pcap", buf, n);
	assert_int_equal(try_read("huge.pcap", err, sizeof(err), &st), -1);
	assert_non_null(strstr(err, "huge.pcap"));
	// Unsupported link type (DLT_NULL).
	pcap_t *d = pcap_open_dead(DLT_NULL, 65535);
	pcap_dumper_t *dp = pcap_dump_open(d, "null.pcap");
	pcap_dump_close(dp);
	pcap_close(d);
	assert_int_equal(try_read("null.pcap", err, sizeof(err), &st), -1);
	assert_non_null(strstr(err, "null.pcap"));
	assert_non_null(strstr(err, "link type"));
}

// The damaged traces of corpus/ (made by tests/devices/make-bad-traces.py): each is
// refused when it is opened, before any frame is replayed (docs/devices.md "Bad
// input"), with the record and the problem in words, never libpcap's own wording.
static void test_bad_traces_refused_at_open(void **state)
{
	static const struct {
		const char *name, *words;
	} bad[] = {
		{ "bad-record-cut.pcap", "record 3: the file ends inside this record (14 of its "
		  "60 bytes)" },
		{ "bad-record-header-cut.pcap", "record 3: the file ends inside this record's "
		  "header (8 of 16 bytes)" },
		{ "bad-caplen.pcap", "record 3: captured length 300000 is larger than the file's "
		  "snapshot length 65535" },
		{ "bad-second-section-linktype.pcapng", "record 3: an interface (or a second "
		  "section) with link type 101" },
		// libpcap reads a big-endian section's length as little-endian first.
		{ "bad-second-section-byteorder.pcapng", "record 3: a block of 469762048 bytes" },
		{ "bad-second-section-magic.pcapng", "record 3: a second section with the other "
		  "byte order" },
		{ "bad-block-size.pcapng", "record 3: a block of 2147483632 bytes" },
		{ "bad-section-header-length.pcapng", "a section header block of 2147483632 "
		  "bytes (it must be 28 to 1048576 bytes)" },
		{ "header-only.pcap", "the file ends inside its header (16 of 24 bytes)" },
		{ "bad-linktype.pcap", "link type" },
	};
	static const char *const jargon[] = { "dump file", "savefile", "BT_", "INSANE", "_%" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char err[512] = "";
		struct pcap_in_config c;
		cfg_default(&c, path_of(CORPUS_DIR, bad[i].name));
		struct pcap_in *p = NULL;
		int r = pcap_in_open(&p, &c, err, sizeof(err));
		print_message("%s: %s\n", bad[i].name, r ? err : "opened");
		assert_int_equal(r, -1);
		assert_non_null(strstr(err, bad[i].name));
		if (!strstr(err, bad[i].words))
			fail_msg("%s: expected \"%s\" in \"%s\"", bad[i].name, bad[i].words, err);
		for (size_t j = 0; j < sizeof jargon / sizeof jargon[0]; j++)
			if (strstr(err, jargon[j]))
				fail_msg("%s: libpcap's wording \"%s\" in \"%s\"", bad[i].name,
					 jargon[j], err);
	}
	// A second section with the same link type continues the trace.
	struct pcap_in_config c;
	cfg_default(&c, path_of(CORPUS_DIR, "two-sections.pcapng"));
	struct pcap_in_stats st;
	assert_int_equal(read_all(&c, &st), 3);
}

// --- link types and pcapng --------------------------------------------------------

static void dump(pcap_dumper_t *dp, uint32_t sec, uint32_t usec, const uint8_t *b,
		 uint32_t caplen, uint32_t len)
{
	struct pcap_pkthdr h = { .caplen = caplen, .len = len };
	h.ts.tv_sec = sec;
	h.ts.tv_usec = usec;
	pcap_dump((u_char *)dp, &h, b);
}

static void test_raw_ip_and_sll(void **state)
{
	uint8_t pkt[100];
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x45;
	pkt[50] = 0xab;
	pcap_t *d = pcap_open_dead(DLT_RAW, 65535);
	pcap_dumper_t *dp = pcap_dump_open(d, "raw.pcap");
	dump(dp, 1, 0, pkt, 100, 100);
	pkt[0] = 0x60;
	dump(dp, 1, 10, pkt, 100, 100);
	pcap_dump_close(dp);
	pcap_close(d);

	struct pcap_in_config c;
	cfg_default(&c, "raw.pcap");
	struct pcap_in *p;
	char err[256];
	assert_int_equal(pcap_in_open(&p, &c, err, sizeof(err)), 0);
	struct pcap_in_frame *f = malloc(sizeof(*f));
	assert_int_equal(pcap_in_next(p, f, err, sizeof(err)), 1);
	assert_int_equal(f->len, 114);
	uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	assert_memory_equal(f->data, bc, 6);
	assert_int_equal(nic_id_of_mac(f->data + 6), PCAP_IN_MAC_ID);
	assert_int_equal(f->data[12], 0x08);
	assert_int_equal(f->data[13], 0x00);
	assert_int_equal(f->data[14 + 50], 0xab);
	assert_int_equal(pcap_in_next(p, f, err, sizeof(err)), 1);
	assert_int_equal(f->data[12], 0x86);
	assert_int_equal(f->data[13], 0xdd);
	assert_int_equal(f->t_ns, 10000);
	assert_int_equal(pcap_in_next(p, f, err, sizeof(err)), 0);
	pcap_in_close(p);

	// Linux cooked capture: 16-byte header with a 6-byte source address.
	uint8_t sll[16 + 40];
	memset(sll, 0, sizeof(sll));
	sll[1] = 4;              // sent by us
	sll[3] = 1;              // ARPHRD_ETHER
	sll[5] = 6;              // address length
	memcpy(sll + 6, "\x00\x0a\x0b\x0c\x0d\x0e", 6);
	sll[14] = 0x08;          // IPv4
	sll[16] = 0x45;
	d = pcap_open_dead(DLT_LINUX_SLL, 65535);
	dp = pcap_dump_open(d, "sll.pcap");
	dump(dp, 5, 0, sll, sizeof(sll), sizeof(sll));
	dump(dp, 5, 0, sll, 10, 10); // runt: shorter than the SLL header
	pcap_dump_close(dp);
	pcap_close(d);
	cfg_default(&c, "sll.pcap");
	assert_int_equal(pcap_in_open(&p, &c, err, sizeof(err)), 0);
	assert_int_equal(pcap_in_linktype(p), DLT_LINUX_SLL);
	assert_int_equal(pcap_in_next(p, f, err, sizeof(err)), 1);
	assert_int_equal(f->len, 14 + 40);
	assert_memory_equal(f->data + 6, "\x00\x0a\x0b\x0c\x0d\x0e", 6);
	assert_int_equal(f->data[12], 0x08);
	assert_int_equal(f->data[14], 0x45);
	assert_int_equal(pcap_in_next(p, f, err, sizeof(err)), 0);
	assert_int_equal(pcap_in_stats(p)->drop_runt, 1);
	pcap_in_close(p);
	free(f);
}

static void put32(uint8_t *b, uint32_t v) { memcpy(b, &v, 4); }
static void put16(uint8_t *b, uint16_t v) { memcpy(b, &v, 2); }

static void test_pcapng(void **state)
{
	// Section header, interface (Ethernet, default microsecond resolution), two EPBs.
	uint8_t b[512];
	size_t n = 0;
	put32(b + n, 0x0a0d0d0a); put32(b + n + 4, 28); put32(b + n + 8, 0x1a2b3c4d);
	put16(b + n + 12, 1); put16(b + n + 14, 0);
	memset(b + n + 16, 0xff, 8); put32(b + n + 24, 28); n += 28;
	put32(b + n, 1); put32(b + n + 4, 20); put16(b + n + 8, 1); put16(b + n + 10, 0);
	put32(b + n + 12, 65535); put32(b + n + 16, 20); n += 20;
	for (int k = 0; k < 2; k++) {
		uint64_t ts = 3000000 + (uint64_t)k * 250; // microseconds
		put32(b + n, 6); put32(b + n + 4, 32 + 64); put32(b + n + 8, 0);
		put32(b + n + 12, (uint32_t)(ts >> 32)); put32(b + n + 16, (uint32_t)ts);
		put32(b + n + 20, 64); put32(b + n + 24, 64);
		memset(b + n + 28, 0x22, 64);
		b[n + 28 + 14] = (uint8_t)k;
		put32(b + n + 28 + 64, 32 + 64);
		n += 32 + 64;
	}
	write_file("ng.pcapng", b, n);
	struct pcap_in_config c;
	cfg_default(&c, "ng.pcapng");
	c.start_ns = 7;
	struct pcap_in *p;
	char err[256];
	if (pcap_in_open(&p, &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	struct pcap_in_frame *f = malloc(sizeof(*f));
	assert_int_equal(pcap_in_next(p, f, err, sizeof(err)), 1);
	assert_int_equal(f->t_ns, 7);
	assert_int_equal(f->data[14], 0);
	assert_int_equal(pcap_in_next(p, f, err, sizeof(err)), 1);
	assert_int_equal(f->t_ns, 7 + 250000);
	assert_int_equal(f->data[14], 1);
	assert_int_equal(pcap_in_next(p, f, err, sizeof(err)), 0);
	pcap_in_close(p);
	free(f);
}

// --- timing, loops, record drops ----------------------------------------------------

static void test_timing_and_loops(void **state)
{
	uint8_t pkt[2000];
	memset(pkt, 0x33, sizeof(pkt));
	pcap_t *d = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *dp = pcap_dump_open(d, "timing.pcap");
	dump(dp, 100, 0, pkt, 60, 60);        // t0
	dump(dp, 100, 1000, pkt, 60, 60);     // +1 ms
	dump(dp, 100, 500, pkt, 60, 60);      // goes back: raised to +1 ms
	dump(dp, 100, 3000, pkt, 40, 60);     // truncated capture: dropped
	dump(dp, 100, 4000, pkt, 10, 10);     // runt
	dump(dp, 100, 5000, pkt, 1515, 1515); // oversize
	dump(dp, 100, 9000, pkt, 1514, 1514); // +9 ms
	pcap_dump_close(dp);
	pcap_close(d);

	struct pcap_in_config c;
	cfg_default(&c, "timing.pcap");
	c.start_ns = 1000;
	c.speed_milli = 2000; // twice as fast
	c.loops = 3;
	struct pcap_in *p;
	char err[256];
	assert_int_equal(pcap_in_open(&p, &c, err, sizeof(err)), 0);
	struct pcap_in_frame *f = malloc(sizeof(*f));
	uint64_t want[4] = { 0, 500000, 500000, 4500000 };
	// period = span (4.5 ms) + mean gap over 7 records (0.75 ms) = 5.25 ms
	for (uint32_t loop = 0; loop < 3; loop++)
		for (int i = 0; i < 4; i++) {
			assert_int_equal(pcap_in_next(p, f, err, sizeof(err)), 1);
			assert_int_equal(f->t_ns, 1000 + loop * 5250000ull + want[i]);
		}
	assert_int_equal(pcap_in_next(p, f, err, sizeof(err)), 0);
	const struct pcap_in_stats *st = pcap_in_stats(p);
	assert_int_equal(st->frames, 12);
	assert_int_equal(st->records, 21);
	assert_int_equal(st->drop_truncated, 3);
	assert_int_equal(st->drop_runt, 3);
	assert_int_equal(st->drop_oversize, 3);
	assert_int_equal(st->ts_backwards, 3);
	assert_int_equal(st->loops_done, 3);
	pcap_in_close(p);
	free(f);
}

// --- capture ----------------------------------------------------------------------

static void test_capture_roundtrip_and_tshark(void **state)
{
	struct pcap_out *o;
	char err[256];
	assert_int_equal(pcap_out_open(&o, "/nonexistent-dir/x.pcap", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent-dir/x.pcap"));
	assert_int_equal(pcap_out_open(&o, "cap.pcap", err, sizeof(err)), 0);
	// Replay ssh.pcap and capture it with simulated nanosecond times.
	struct pcap_in_config c;
	cfg_default(&c, path_of(TRACES_DIR, "ssh.pcap"));
	c.start_ns = 1234567891ull; // 1.234567891 s
	c.speed_milli = 3000;       // makes times that are not whole microseconds
	struct pcap_in *p;
	assert_int_equal(pcap_in_open(&p, &c, err, sizeof(err)), 0);
	struct pcap_in_frame *f = malloc(sizeof(*f)), *g = malloc(sizeof(*g));
	uint64_t times[64];
	uint32_t n = 0;
	while (pcap_in_next(p, f, err, sizeof(err)) == 1) {
		assert_int_equal(pcap_out_write(o, f->t_ns, f->data, f->len), 0);
		times[n++] = f->t_ns;
	}
	pcap_in_close(p);
	assert_int_equal(pcap_out_frames(o), 54);
	assert_int_equal(pcap_out_close(o, err, sizeof(err)), 0);
	// Read the capture back: same frames, same nanosecond times.
	struct pcap_in_config c2;
	cfg_default(&c2, "cap.pcap");
	c2.start_ns = times[0];
	assert_int_equal(pcap_in_open(&p, &c2, err, sizeof(err)), 0);
	struct pcap_in *q;
	assert_int_equal(pcap_in_open(&q, &c, err, sizeof(err)), 0);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(pcap_in_next(p, f, err, sizeof(err)), 1);
		assert_int_equal(pcap_in_next(q, g, err, sizeof(err)), 1);
		assert_int_equal(f->t_ns, times[i]);
		assert_int_equal(f->len, g->len);
		assert_memory_equal(f->data, g->data, f->len);
	}
	assert_int_equal(pcap_in_next(p, f, err, sizeof(err)), 0);
	pcap_in_close(p);
	pcap_in_close(q);
	free(f);
	free(g);
	// The magic says nanoseconds.
	FILE *fp = fopen("cap.pcap", "rb");
	uint32_t magic = 0;
	assert_int_equal(fread(&magic, 4, 1, fp), 1);
	fclose(fp);
	assert_int_equal(magic, 0xa1b23c4d);

	if (!skips_need("tshark", "tshark's reading of the capture"))
		skip();
	int rc = system("tshark -r cap.pcap -T fields -e frame.time_epoch > cap.txt 2>cap.err");
	assert_int_equal(rc, 0);
	fp = fopen("cap.txt", "r");
	assert_non_null(fp);
	char line[128];
	uint32_t lines = 0;
	while (fgets(line, sizeof(line), fp)) {
		if (lines == 0)
			assert_non_null(strstr(line, "1.234567891"));
		lines++;
	}
	fclose(fp);
	assert_int_equal(lines, 54);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_traces_read),
		cmocka_unit_test(test_real_traces_replay),
		cmocka_unit_test(test_replay_without_rewrite),
		cmocka_unit_test(test_malformed_traces),
		cmocka_unit_test(test_damaged_files),
		cmocka_unit_test(test_bad_traces_refused_at_open),
		cmocka_unit_test(test_raw_ip_and_sll),
		cmocka_unit_test(test_pcapng),
		cmocka_unit_test(test_timing_and_loops),
		cmocka_unit_test(test_capture_roundtrip_and_tshark),
	};
	return skips_status(cmocka_run_group_tests(tests, NULL, NULL));
}
