// SPDX-License-Identifier: MIT
// key=value command-line arguments for the applications (the simulator passes them
// with --args / --client-args; natively they are ordinary argv words). Each app lists
// its keys in a table; appargs_parse fills the outputs or prints one line naming the
// bad word and the problem, then the usage, to stderr. Callers exit 2 on failure.
//
// Value syntax:
//   U64       decimal digits, 0..max
//   SIZE      decimal digits with an optional K, M or G suffix (powers of 1024)
//   DURATION  a decimal number and a unit: ns, us, ms or s ("2s", "0.5s", "100ms")
//   IPV4      a dotted quad, stored in host byte order
//   DECIMAL   digits with an optional fraction ("0.8", "1", "1.25"), stored as
//             unsigned 32.32 fixed point; at most 9 fraction digits
//   STRING    any text; the output points into argv
//   FUNC      handed to fn(value, ctx), which returns NULL or an error message;
//             the only kind that may repeat
#ifndef DENALI_APPS_APPARGS_H
#define DENALI_APPS_APPARGS_H

#include <stddef.h>
#include <stdint.h>

enum appargs_kind {
	APPARGS_U64,
	APPARGS_SIZE,
	APPARGS_DURATION,
	APPARGS_IPV4,
	APPARGS_DECIMAL,
	APPARGS_STRING,
	APPARGS_FUNC,
};

struct appargs_spec {
	const char *key;
	enum appargs_kind kind;
	void *out;        // uint64_t* (U64/SIZE/DURATION/DECIMAL), uint32_t* (IPV4),
	                  // const char ** (STRING), the fn's context (FUNC)
	uint64_t min, max; // inclusive range for the numeric kinds (max 0 = no limit)
	const char *help; // one line for the usage text
	const char *(*fn)(const char *value, void *ctx); // FUNC only
};

// Parses argv[1..argc-1]. Returns 0, or -1 after printing the error and usage.
int appargs_parse(const char *prog, int argc, char **argv, const struct appargs_spec *spec,
	size_t nspec);

// Prints "usage: PROG key=value ..." and one line per key to stderr.
void appargs_usage(const char *prog, const struct appargs_spec *spec, size_t nspec);

// The value parsers, for tests and FUNC handlers. Each returns NULL or an error text.
const char *appargs_u64(const char *s, uint64_t *out);
const char *appargs_size(const char *s, uint64_t *out);
const char *appargs_duration(const char *s, uint64_t *out_ns);
const char *appargs_ipv4(const char *s, uint32_t *out);
const char *appargs_decimal(const char *s, uint64_t *out_q32);

#endif
