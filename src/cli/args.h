// SPDX-License-Identifier: MIT
// Parsers for command-line values (args.c). Each returns 0 and the value, or -1 and a
// short reason in `why` ("not a number", "unknown unit 'XB'") for the caller to put in
// its one-line error: "denali run: --mem 5XB: unknown size suffix 'XB' (use K, M or G)".
#ifndef DENALI_CLI_ARGS_H
#define DENALI_CLI_ARGS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

// A decimal integer in [min, max]. No sign, no suffix, no spaces.
int args_count(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *why,
	       size_t whylen);
// A byte size: an integer with an optional binary suffix K/KiB, M/MiB, G/GiB, T/TiB
// (KB, MB, GB, TB mean the same; the single letter in either case), a multiple of
// `align`, in [min, max].
int args_size(const char *s, uint64_t align, uint64_t min, uint64_t max, uint64_t *out,
	      char *why, size_t whylen);
// A duration: an integer or decimal (up to 9 fractional digits) with a unit ns, us, ms
// or s, converted to whole nanoseconds (must be exact), in [min_ns, max_ns].
int args_time(const char *s, uint64_t min_ns, uint64_t max_ns, uint64_t *out_ns, char *why,
	      size_t whylen);
// A probability: a decimal from 0 to 1 ("0.25", "1", "0") or a percentage from 0% to
// 100% ("2.5%"), exact to 10^-9, in parts per 10^9 (0..1,000,000,000).
int args_probability(const char *s, uint32_t *out_ppb, char *why, size_t whylen);
// Prints "denali run: FLAG VAL: WHY" to stderr (the one-line bad-input error) and
// returns 2, the exit status for bad input.
int args_bad(const char *flag, const char *val, const char *why);
// The one way the CLI prints an error: "denali run: " (args_error) or "CMD: "
// (args_error_cmd) and the formatted message on one line of stderr. Control bytes in
// the message (a newline in a file name or a flag value) are written as \xNN, so it
// stays one line; a message over 2 KiB is cut with "...". Returns 2.
int args_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int args_error_cmd(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int args_verror(const char *cmd, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
// Puts `where` ("fig4.cfg:12: all_machines.quantum": where a value came from) before
// every message until it is called again; NULL: nothing (the value is a flag's).
// The one piece of state here: the CLI parses its input on one thread.
void args_where(const char *where);

// The flags that take one value, seen so far (flag names are the parsers' static
// strings). args_once records flag; the second time it prints
// "denali run: FLAG VAL: given twice (FLAG takes one value)" and returns 2.
#define ARGS_SEEN_MAX 64
struct args_seen {
	const char *flag[ARGS_SEEN_MAX];
	unsigned n;
};
int args_once(struct args_seen *s, const char *flag, const char *val);

// Matches argv[*i] against the flags that take a value (names[0..n-1]), written
// "--flag VALUE" or "--flag=VALUE". Returns 1 with *flag and *val set (and *i past a
// separate value), 0 when argv[*i] is none of them, or 2 after printing
// "denali run: FLAG needs a value" when the value is missing.
int args_valued(int argc, char **argv, int *i, const char *const *names, size_t n,
		const char **flag, const char **val);

// Whether path is an existing regular file, found without opening it (opening a FIFO
// blocks forever). Returns 0, or -1 with why set ("cannot open: No such file or
// directory", "a named pipe, not a regular file").
int args_regular_file(const char *path, char *why, size_t whylen);
// What a file that is not regular is, from its st_mode: "a directory", "a named pipe",
// "a device", "a socket".
const char *args_file_kind(unsigned mode);

// Writes a duration in the most readable unit ("12.345 ms").
const char *args_fmt_ns(uint64_t ns, char *buf, size_t len);
// Writes n with thousands separators ("12,345,678").
const char *args_fmt_count(uint64_t n, char *buf, size_t len);

#endif
