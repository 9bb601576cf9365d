// SPDX-License-Identifier: MIT
// Fuzz test of `denali run`'s argument handling (src/cli/opts.c, devopts.c, machopts.c,
// args.c and the file checks of runfiles.c): everything the CLI does with argv before a
// run starts. For any argv it must not crash, and it must end one of three ways:
//   parsed and checked   nothing on stdout or stderr
//   --help               the help on stdout, nothing on stderr (exit 0)
//   bad input            nothing on stdout and exactly one line on stderr, beginning
//                        "denali run: " (exit 2)
// Two ways to drive it:
//   fuzz_cli_args [--seed N] [--count N] SCRATCH_DIR
//       random and adversarial argv built from every flag of `denali run --help` and a
//       table of hostile values (huge and negative numbers, bad units, empty strings,
//       a FIFO, /dev/null, a directory, the same file twice, 4 KiB strings, bytes
//       0x80-0xff, "=" forms...). SCRATCH_DIR gets the files those values name. The
//       seed is printed; rerun with --seed to replay a failure.
//   tests/integration/fuzz-cli-args (libFuzzer, -DFUZZ_LIBFUZZER): the input bytes,
//       split at NUL bytes, are the arguments after "run".
// The suite runs the random mode under the release and the ASan+UBSan builds.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opts.h"
#include "runfiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 40

static int cap_fd[2] = { -1, -1 };   // memory files standing in for stdout, stderr
static int saved_out = -1, saved_err = -1;

// Sends stdout and stderr to two empty memory files.
static void capture_begin(void)
{
	fflush(stdout);
	fflush(stderr);
	if (cap_fd[0] < 0) {
		cap_fd[0] = memfd_create("fuzz-cli-out", 0);
		cap_fd[1] = memfd_create("fuzz-cli-err", 0);
		saved_out = dup(1);
		saved_err = dup(2);
		if (cap_fd[0] < 0 || cap_fd[1] < 0 || saved_out < 0 || saved_err < 0) {
			perror("fuzz_cli_args: memfd");
			exit(99);
		}
	}
	for (int i = 0; i < 2; i++) {
		if (ftruncate(cap_fd[i], 0) != 0 || lseek(cap_fd[i], 0, SEEK_SET) != 0) {
			perror("fuzz_cli_args: memfd");
			exit(99);
		}
	}
	dup2(cap_fd[0], 1);
	dup2(cap_fd[1], 2);
}

// Restores stdout and stderr; returns what went to each (malloc'd, NUL-ended).
static void capture_end(char **out, size_t *outn, char **err, size_t *errn)
{
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	char **bufs[2] = { out, err };
	size_t *lens[2] = { outn, errn };
	for (int i = 0; i < 2; i++) {
		char *b = malloc(1 << 16);
		if (!b)
			exit(99);
		ssize_t n = pread(cap_fd[i], b, (1 << 16) - 1, 0);
		b[n > 0 ? n : 0] = '\0';
		*bufs[i] = b;
		*lens[i] = n > 0 ? (size_t)n : 0;
	}
}

// Shows argv on one line for a failure report (bytes outside ASCII as \xNN).
static void show_argv(int argc, char **argv)
{
	fprintf(stderr, "  argv:");
	for (int i = 0; i < argc; i++) {
		fputs(" '", stderr);
		for (const unsigned char *p = (const unsigned char *)argv[i]; *p; p++)
			if (*p < 0x20 || *p > 0x7e)
				fprintf(stderr, "\\x%02x", *p);
			else
				fputc(*p, stderr);
		fputc('\'', stderr);
	}
	fputc('\n', stderr);
}

// Everything the CLI does before a run. Returns 0 (would run), 1 (--help) or 2.
static int front_end(int argc, char **argv)
{
	struct run_opts *o = malloc(sizeof *o); // large: keep it off the stack
	if (!o)
		exit(99);
	int rc = opts_parse(argc, argv, o);
	if (rc == 0)
		rc = opts_check(o);
	if (rc == 0) {
		struct runfiles rf;
		struct opts_outputs out;
		runfiles_init(&rf);
		rc = opts_files(o, &rf, &out);
		if (rc == 0)
			rc = runfiles_check(&rf);
		runfiles_free(&rf);
	}
	free(o);
	return rc;
}

// Runs one argv (strings are modified: the parsers cut --disk values at the colons)
// and checks the contract above. Returns 0, or 1 after a failure report; *status is
// what front_end returned.
static int one(int argc, char **argv, int *status)
{
	char *copy[MAX_ARGS + 2];
	for (int i = 0; i < argc; i++)
		copy[i] = argv[i];
	copy[argc] = NULL;
	capture_begin();
	int rc = front_end(argc, argv);
	char *out, *err;
	size_t outn, errn;
	capture_end(&out, &outn, &err, &errn);
	*status = rc;
	const char *why = NULL;
	if (rc == 0 && (outn || errn))
		why = "accepted, but printed something";
	else if (rc == 1 && (!outn || errn))
		why = "--help must print to stdout only";
	else if (rc == 2) {
		char *nl = strchr(err, '\n');
		if (outn)
			why = "bad input, but printed on stdout";
		else if (!nl || nl[1] != '\0' || (size_t)(nl - err) + 1 != errn)
			why = "bad input must give exactly one line on stderr";
		else if (strncmp(err, "denali run: ", 12) != 0)
			why = "the error line must begin \"denali run: \"";
		else if (errn < 16)
			why = "the error line says nothing";
	} else if (rc != 0 && rc != 1 && rc != 2) {
		why = "status other than 0, 1 or 2";
	}
	if (why) {
		fprintf(stderr, "fuzz_cli_args: FAIL: %s (status %d)\n", why, rc);
		show_argv(argc, copy);
		fprintf(stderr, "  stdout: %.300s\n  stderr: %.600s\n", out, err);
	}
	free(out);
	free(err);
	return why ? 1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *argv[MAX_ARGS + 2] = { (char *)"run" };
	int argc = 1;
	for (char *p = buf; p <= buf + size && argc <= MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	int status;
	if (one(argc, argv, &status))
		abort();
	free(buf);
	return 0;
}

#ifndef FUZZ_LIBFUZZER
// --- random mode --------------------------------------------------------------------

static uint64_t rng;

static uint64_t next(void) // splitmix64
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t pick(size_t n) { return (size_t)(next() % n); }

// Every flag of `denali run --help` (the flags without a value first).
static const char *const switches[] = { "--quiet", "--no-ipv4", "--arp-flood", "-h",
					"--help", "--view", "--view-exit" };
static const char *const valued[] = {
	"--image", "--vms", "--mem", "--max-time", "--quantum", "--phys-mem", "--swap-block",
	"--console", "--results", "--profile", "--profile-interval", "--intr", "--intr-group",
	"--sched", "--tickets", "--ctx-base", "--ctx-page", "--ctx-free-pages",
	"--ctx-cap-same", "--ctx-cap-other", "--intr-cost", "--nic", "--nic-rxq",
	"--pcap-in", "--pcap-start", "--pcap-speed", "--pcap-loops", "--pcap-rewrite",
	"--pcap-out", "--pcap-vm", "--disk", "--console-in", "--console-input",
	"--console-in-vm", "--tap", "--args", "--client", "--client-vms", "--client-mem",
	"--client-args", "--link-latency", "--loss", "--loss-seed", "--pcap-machine",
	"--machine-threads", "--chaos", "--group", "--group-vms", "--group-mem", "--group-args",
	"--screenshot", "--screenshot-at", "--view-size", "--view-interval", "--view-overlay",
	"--view-pace",
};
#define NVALUED (sizeof valued / sizeof valued[0])

// Hostile and ordinary values; "@X" names a file in the scratch directory.
static const char *const values[] = {
	"", "-", "--", "0", "1", "2", "3", "4", "15", "16", "17", "-1", "+1", "1e3", "0x10",
	"007", "18446744073709551615", "18446744073709551616", "99999999999999999999999",
	"4294967296", "1000000", "1000001", "999999", "64K", "4K", "3G", "4G", "1T", "2T",
	"1t", "3GiB", "5XB", "4M", "65537", "1M", "32K", "1000G", "0.5", "1.5", "0.001",
	"1000000.001", "10ms", "1.5s", "0ns", "1ns", "10", "5parsecs", "1.0000000001s",
	"9223372036854775807ns", "18446744073709551615s", "2.5%", "100%", "101%", "1.1",
	"0-0=5", "0-3=sync", "5-0=3", "0-999999=1", "0-1000000=1", "0-0=0", "0-0=coalesce",
	"coalesce", "adaptive", "coalesce:0:0", "coalesce:8:50us", "adaptive:1:1ns",
	"coalesce:8", "batched", "sync", "rr", "stride", "chatty", "simple", "lottery",
	"%s%s%n%x", "a=b=c", "x:1M", "x:1M:vms=0", "x:1M:vms=0-3", "x:ro", "x:ro:vms=0-9",
	"x:0", "x:4097", "x:1M:ro:rw", ":1M", "x:", "x::", "x:vms=", "x:vms=-", "tap0",
	"\x80\xff\xfe", "a\tb", "hello world", "=", "--image", "--vms=3", "-h",
	// 2026-12-06, found by fuzz-cli-args (libFuzzer): an argument holding a newline
	// ("-\n") was echoed into the error message, which became two lines.
	"-\n", "a\nb", "x\n:1M", "\x1b[31mred", "\r",
	"@image", "@image2", "@./image", "@link-image", "@hard-image", "@fifo", "@dir",
	"@new.pcap", "@./new.pcap", "@trace.pcap", "@disk.img", "@./disk.img",
	"@missing-dir/x", "@dir/", "/dev/null", "/dev/zero", "/", ".", "@dir/../image",
	"960x600", "480x359", "8192x8193", "1x", "x1", "irq", "frames", "counter:", "counter:a.b",
	"@new.png", "1e-300", "nan", "inf",
};
#define NVALUES (sizeof values / sizeof values[0])

static char scratch[1024];
static char pool[MAX_ARGS + 2][8192];

static const char *value(char *buf, size_t len)
{
	const char *v = values[pick(NVALUES)];
	if (pick(40) == 0) { // a long string
		size_t n = 1 + pick(len - 1);
		memset(buf, "A9:-=/"[pick(6)], n);
		buf[n] = '\0';
		return buf;
	}
	if (v[0] == '@') {
		snprintf(buf, len, "%s/%s", scratch, v + 1);
		return buf;
	}
	return v;
}

// One random argv into argv[0..]; returns argc.
static int random_argv(char **argv)
{
	int argc = 0;
	argv[argc++] = strcpy(pool[0], "run");
	// Usually a valid image first, so the checks after parsing are reached.
	if (pick(4)) {
		snprintf(pool[argc], sizeof pool[0], "--image=%s/image", scratch);
		argv[argc] = pool[argc];
		argc++;
	}
	int n = (int)pick(12);
	char vbuf[4096];
	while (n-- > 0 && argc < MAX_ARGS - 1) {
		size_t r = pick(20);
		char *slot = pool[argc];
		if (r == 0) {
			snprintf(slot, sizeof pool[0], "%s", switches[pick(5)]);
		} else if (r == 1) {
			snprintf(slot, sizeof pool[0], "%s", value(vbuf, sizeof vbuf));
		} else if (r < 6) { // --flag=VALUE
			const char *f = valued[pick(NVALUED)];
			snprintf(slot, sizeof pool[0], "%s=%s", f, value(vbuf, sizeof vbuf));
		} else {          // --flag VALUE (or a flag at the very end, value missing)
			snprintf(slot, sizeof pool[0], "%s", valued[pick(NVALUED)]);
			argv[argc++] = slot;
			if (argc >= MAX_ARGS || pick(30) == 0)
				break;
			slot = pool[argc];
			snprintf(slot, sizeof pool[0], "%s", value(vbuf, sizeof vbuf));
		}
		argv[argc++] = slot;
	}
	argv[argc] = NULL;
	return argc;
}

// The files the values name: an image, links to it, a FIFO, a directory, a trace.
static void make_scratch(void)
{
	static const char elf[] = "\x7f" "ELF"; // only its presence matters here
	char p[4200], q[4200];
	mkdir(scratch, 0777);
	const char *files[] = { "image", "image2", "trace.pcap", "disk.img" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s/%s", scratch, files[i]);
		FILE *f = fopen(p, "wb");
		if (!f) {
			perror(p);
			exit(99);
		}
		fwrite(elf, 1, 4, f);
		fclose(f);
	}
	snprintf(p, sizeof p, "%s/image", scratch);
	snprintf(q, sizeof q, "%s/hard-image", scratch);
	unlink(q);
	if (link(p, q) != 0)
		perror(q);
	snprintf(q, sizeof q, "%s/link-image", scratch);
	unlink(q);
	if (symlink(p, q) != 0)
		perror(q);
	snprintf(q, sizeof q, "%s/fifo", scratch);
	unlink(q);
	if (mkfifo(q, 0600) != 0)
		perror(q);
	snprintf(q, sizeof q, "%s/dir", scratch);
	mkdir(q, 0777);
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, count = 20000;
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtoull(argv[++i], NULL, 0);
		else
			dir = argv[i];
	}
	if (!dir) {
		fprintf(stderr, "usage: fuzz_cli_args [--seed N] [--count N] SCRATCH_DIR\n");
		return 2;
	}
	if (strlen(dir) >= sizeof scratch) {
		fprintf(stderr, "fuzz_cli_args: %s: path too long\n", dir);
		return 2;
	}
	snprintf(scratch, sizeof scratch, "%s", dir);
	make_scratch();
	printf("fuzz_cli_args: seed %llu, %llu argv (replay: --seed %llu)\n",
	       (unsigned long long)seed, (unsigned long long)count, (unsigned long long)seed);
	rng = seed;
	uint64_t failures = 0, status[3] = { 0, 0, 0 };
	for (uint64_t n = 0; n < count && failures < 10; n++) {
		char *av[MAX_ARGS + 2];
		int ac = random_argv(av), rc;
		failures += (uint64_t)one(ac, av, &rc);
		if (rc >= 0 && rc <= 2)
			status[rc]++;
	}
	printf("fuzz_cli_args: %llu accepted, %llu --help, %llu refused, %llu failures\n",
	       (unsigned long long)status[0], (unsigned long long)status[1],
	       (unsigned long long)status[2], (unsigned long long)failures);
	// Both outcomes must occur, or the generator no longer reaches the checks.
	if (!failures && (!status[0] || !status[2])) {
		fprintf(stderr, "fuzz_cli_args: the generator never got an argv %s\n",
			status[0] ? "refused" : "accepted");
		return 1;
	}
	return failures ? 1 : 0;
}
#endif
