// SPDX-License-Identifier: MIT
// key=value argument parsing for the applications (appargs.h has the syntax). Every
// parser is total: any string gets either a value or an error text, never undefined
// behaviour, because argv comes from the user (or a fuzzing test).
#include "appargs.h"

#include <stdio.h>
#include <string.h>

// Decimal digits into *out; overflow-safe. Returns the first unparsed character.
static const char *digits(const char *s, uint64_t *out, int *overflow, int *count)
{
	uint64_t v = 0;
	*overflow = 0;
	*count = 0;
	while (*s >= '0' && *s <= '9') {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			*overflow = 1;
		else
			v = v * 10 + d;
		s++;
		(*count)++;
	}
	*out = v;
	return s;
}

const char *appargs_u64(const char *s, uint64_t *out)
{
	int of, n;
	const char *end = digits(s, out, &of, &n);
	if (n == 0 || *end != '\0')
		return "expected decimal digits";
	if (of)
		return "number too large";
	return NULL;
}

const char *appargs_size(const char *s, uint64_t *out)
{
	int of, n;
	uint64_t v;
	const char *end = digits(s, &v, &of, &n);
	if (n == 0)
		return "expected a size like 4096, 64K or 2M";
	unsigned shift = 0;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (*end != '\0')
		return "expected a size like 4096, 64K or 2M";
	if (of || (shift && v > (UINT64_MAX >> shift)))
		return "size too large";
	*out = v << shift;
	return NULL;
}

// "I.F" into an integer part and a fraction numerator over 10^fdigits.
static const char *decimal_parts(const char *s, uint64_t *ip, uint64_t *frac,
	uint64_t *scale, const char **end)
{
	int of, n, fn = 0;
	s = digits(s, ip, &of, &n);
	if (of)
		return "number too large";
	*frac = 0;
	*scale = 1;
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9') {
			if (fn == 9)
				return "at most 9 digits after the point";
			*frac = *frac * 10 + (uint64_t)(*s - '0');
			*scale *= 10;
			fn++;
			s++;
		}
	}
	if (n == 0 && fn == 0)
		return "expected a number";
	*end = s;
	return NULL;
}

const char *appargs_duration(const char *s, uint64_t *out_ns)
{
	uint64_t ip, frac, scale, unit;
	const char *end;
	const char *err = decimal_parts(s, &ip, &frac, &scale, &end);
	if (err)
		return err;
	if (strcmp(end, "ns") == 0)
		unit = 1;
	else if (strcmp(end, "us") == 0)
		unit = 1000;
	else if (strcmp(end, "ms") == 0)
		unit = 1000000;
	else if (strcmp(end, "s") == 0)
		unit = 1000000000;
	else
		return "expected a duration with a unit: ns, us, ms or s (e.g. 2s, 500ms)";
	// 2^64 ns is 584 years: cap at 10^6 s so the products below cannot overflow.
	if (ip > 1000000)
		return "duration too long (at most 1000000s)";
	*out_ns = ip * unit + frac * unit / scale;
	return NULL;
}

const char *appargs_ipv4(const char *s, uint32_t *out)
{
	uint32_t a = 0;
	for (int i = 0; i < 4; i++) {
		int of, n;
		uint64_t v;
		s = digits(s, &v, &of, &n);
		if (n == 0 || n > 3 || v > 255)
			return "expected an IPv4 address like 10.0.0.1";
		a = a << 8 | (uint32_t)v;
		if (i < 3 && *s++ != '.')
			return "expected an IPv4 address like 10.0.0.1";
	}
	if (*s != '\0')
		return "expected an IPv4 address like 10.0.0.1";
	*out = a;
	return NULL;
}

const char *appargs_decimal(const char *s, uint64_t *out_q32)
{
	uint64_t ip, frac, scale;
	const char *end;
	const char *err = decimal_parts(s, &ip, &frac, &scale, &end);
	if (err)
		return err;
	if (*end != '\0')
		return "expected a decimal number like 0.8";
	if (ip >= (1u << 31))
		return "number too large";
	// frac < scale <= 10^9 < 2^30, so frac << 32 fits in 64 bits.
	*out_q32 = ip << 32 | ((frac << 32) + scale / 2) / scale;
	return NULL;
}

static const char *kind_syntax(enum appargs_kind k)
{
	switch (k) {
	case APPARGS_U64: return "N";
	case APPARGS_SIZE: return "BYTES";
	case APPARGS_DURATION: return "TIME";
	case APPARGS_IPV4: return "A.B.C.D";
	case APPARGS_DECIMAL: return "X.Y";
	case APPARGS_STRING: return "TEXT";
	case APPARGS_FUNC: return "VALUE";
	}
	return "?";
}

void appargs_usage(const char *prog, const struct appargs_spec *spec, size_t nspec)
{
	fprintf(stderr, "usage: %s [key=value ...]\n", prog);
	for (size_t i = 0; i < nspec; i++)
		fprintf(stderr, "  %s=%s  %s\n", spec[i].key, kind_syntax(spec[i].kind),
			spec[i].help);
}

// Parses one value of a numeric or string kind into spec->out.
static const char *parse_value(const struct appargs_spec *sp, const char *val)
{
	uint64_t v = 0;
	const char *err = NULL;
	switch (sp->kind) {
	case APPARGS_U64: err = appargs_u64(val, &v); break;
	case APPARGS_SIZE: err = appargs_size(val, &v); break;
	case APPARGS_DURATION: err = appargs_duration(val, &v); break;
	case APPARGS_DECIMAL: err = appargs_decimal(val, &v); break;
	case APPARGS_IPV4: {
		uint32_t a;
		err = appargs_ipv4(val, &a);
		if (!err)
			*(uint32_t *)sp->out = a;
		return err;
	}
	case APPARGS_STRING:
		*(const char **)sp->out = val;
		return NULL;
	case APPARGS_FUNC:
		return sp->fn(val, sp->out);
	}
	if (err)
		return err;
	if (v < sp->min || (sp->max && v > sp->max))
		return "out of range";
	*(uint64_t *)sp->out = v;
	return NULL;
}

int appargs_parse(const char *prog, int argc, char **argv, const struct appargs_spec *spec,
	size_t nspec)
{
	uint64_t seen = 0; // one bit per spec entry (tables have fewer than 64 keys)
	for (int i = 1; i < argc; i++) {
		const char *word = argv[i];
		const char *eq = strchr(word, '=');
		const char *err = "expected key=value";
		size_t j = nspec;
		if (eq) {
			err = "unknown key";
			for (j = 0; j < nspec; j++) {
				size_t kl = strlen(spec[j].key);
				if ((size_t)(eq - word) == kl && memcmp(word, spec[j].key, kl) == 0)
					break;
			}
			if (j < nspec) {
				if (j < 64 && (seen >> j & 1) && spec[j].kind != APPARGS_FUNC)
					err = "given twice";
				else
					err = parse_value(&spec[j], eq + 1);
				if (j < 64)
					seen |= (uint64_t)1 << j;
			}
		}
		if (err) {
			fprintf(stderr, "%s: bad argument '%s': %s\n", prog, word, err);
			appargs_usage(prog, spec, nspec);
			return -1;
		}
	}
	return 0;
}
