// SPDX-License-Identifier: MIT
// Command-line value parsers and formatters (see args.h). Integer arithmetic only,
// with explicit overflow checks, so "--vms 99999999999999999999" is an error, not a wrap.
#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

// Parses leading decimal digits. Returns the number of digits (0: none), or -1 on
// overflow of uint64_t.
static int digits(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0;
	for (; isdigit((unsigned char)s[n]); n++) {
		uint64_t d = (uint64_t)(s[n] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return n;
}

static int why_set(char *why, size_t len, const char *fmt, const char *a)
	__attribute__((format(printf, 3, 0)));
static int why_set(char *why, size_t len, const char *fmt, const char *a)
{
	snprintf(why, len, fmt, a);
	return -1;
}

static int range(uint64_t v, uint64_t min, uint64_t max, char *why, size_t len,
		 const char *unit)
{
	if (v >= min && v <= max)
		return 0;
	snprintf(why, len, "out of range (%llu..%llu%s)", (unsigned long long)min,
		 (unsigned long long)max, unit);
	return -1;
}

int args_count(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *why,
	       size_t whylen)
{
	if (!s || !*s)
		return why_set(why, whylen, "empty value%s", "");
	if (s[0] == '-')
		return why_set(why, whylen, "must not be negative%s", "");
	uint64_t v;
	int n = digits(s, &v);
	if (n < 0)
		return why_set(why, whylen, "number too large%s", "");
	if (n == 0 || s[n])
		return why_set(why, whylen, "not a whole number%s", "");
	if (range(v, min, max, why, whylen, "") != 0)
		return -1;
	*out = v;
	return 0;
}

int args_size(const char *s, uint64_t align, uint64_t min, uint64_t max, uint64_t *out,
	      char *why, size_t whylen)
{
	if (!s || !*s)
		return why_set(why, whylen, "empty value%s", "");
	if (s[0] == '-')
		return why_set(why, whylen, "must not be negative%s", "");
	uint64_t v;
	int n = digits(s, &v);
	if (n < 0)
		return why_set(why, whylen, "number too large%s", "");
	if (n == 0)
		return why_set(why, whylen, "not a size (expected e.g. 4M or 65536)%s", "");
	const char *suf = s + n;
	unsigned shift = 0;
	if (!*suf)
		shift = 0;
	else if (!strcasecmp(suf, "k") || !strcmp(suf, "KiB") || !strcmp(suf, "KB"))
		shift = 10;
	else if (!strcasecmp(suf, "m") || !strcmp(suf, "MiB") || !strcmp(suf, "MB"))
		shift = 20;
	else if (!strcasecmp(suf, "g") || !strcmp(suf, "GiB") || !strcmp(suf, "GB"))
		shift = 30;
	else if (!strcasecmp(suf, "t") || !strcmp(suf, "TiB") || !strcmp(suf, "TB"))
		shift = 40;
	else
		return why_set(why, whylen, "unknown size suffix '%s' (use K, M, G or T)", suf);
	if (v > (UINT64_MAX >> shift))
		return why_set(why, whylen, "number too large%s", "");
	v <<= shift;
	if (range(v, min, max, why, whylen, " bytes") != 0)
		return -1;
	if (align && v % align) {
		snprintf(why, whylen, "not a multiple of %llu bytes", (unsigned long long)align);
		return -1;
	}
	*out = v;
	return 0;
}

int args_time(const char *s, uint64_t min_ns, uint64_t max_ns, uint64_t *out_ns, char *why,
	      size_t whylen)
{
	if (!s || !*s)
		return why_set(why, whylen, "empty value%s", "");
	if (s[0] == '-')
		return why_set(why, whylen, "must not be negative%s", "");
	uint64_t whole, frac = 0;
	int n = digits(s, &whole);
	if (n < 0)
		return why_set(why, whylen, "number too large%s", "");
	if (n == 0)
		return why_set(why, whylen, "not a duration (expected e.g. 10ms)%s", "");
	const char *p = s + n;
	int fdigits = 0;
	if (*p == '.') {
		p++;
		int m = digits(p, &frac);
		if (m <= 0 || m > 9)
			return why_set(why, whylen, "bad fraction (1 to 9 digits)%s", "");
		fdigits = m;
		p += m;
	}
	uint64_t unit;
	if (!strcmp(p, "ns"))
		unit = 1;
	else if (!strcmp(p, "us"))
		unit = 1000;
	else if (!strcmp(p, "ms"))
		unit = 1000000;
	else if (!strcmp(p, "s"))
		unit = 1000000000;
	else if (!*p)
		return why_set(why, whylen, "missing unit (ns, us, ms or s)%s", "");
	else
		return why_set(why, whylen, "unknown time unit '%s' (use ns, us, ms or s)", p);
	if (whole > UINT64_MAX / unit)
		return why_set(why, whylen, "number too large%s", "");
	uint64_t ns = whole * unit;
	// frac / 10^fdigits of a unit must be a whole number of ns.
	uint64_t scale = 1;
	for (int i = 0; i < fdigits; i++)
		scale *= 10;
	if ((frac * unit) % scale)
		return why_set(why, whylen, "finer than 1 ns%s", "");
	uint64_t fns = frac * unit / scale; // frac < 10^9 and unit <= 10^9: no overflow
	if (ns > UINT64_MAX - fns)
		return why_set(why, whylen, "number too large%s", "");
	ns += fns;
	if (range(ns, min_ns, max_ns, why, whylen, " ns") != 0)
		return -1;
	*out_ns = ns;
	return 0;
}

const char *args_fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns >= 1000000000ull)
		snprintf(buf, len, "%llu.%06llu s", (unsigned long long)(ns / 1000000000ull),
			 (unsigned long long)(ns % 1000000000ull / 1000));
	else if (ns >= 1000000ull)
		snprintf(buf, len, "%llu.%03llu ms", (unsigned long long)(ns / 1000000ull),
			 (unsigned long long)(ns % 1000000ull / 1000));
	else if (ns >= 1000ull)
		snprintf(buf, len, "%llu.%03llu us", (unsigned long long)(ns / 1000ull),
			 (unsigned long long)(ns % 1000ull));
	else
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	return buf;
}

const char *args_fmt_count(uint64_t n, char *buf, size_t len)
{
	char tmp[32];
	int d = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)n);
	size_t o = 0;
	for (int i = 0; i < d && o + 1 < len; i++) {
		if (i && (d - i) % 3 == 0 && o + 2 < len)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o < len ? o : len - 1] = '\0';
	return buf;
}

int args_valued(int argc, char **argv, int *i, const char *const *names, size_t n,
		const char **flag, const char **val)
{
	const char *a = argv[*i];
	for (size_t f = 0; f < n; f++) {
		size_t len = strlen(names[f]);
		if (strncmp(a, names[f], len) != 0 || (a[len] != '\0' && a[len] != '='))
			continue;
		*flag = names[f];
		if (a[len] == '=') {
			*val = a + len + 1;
		} else if (*i + 1 < argc) {
			*val = argv[++*i];
		} else {
			args_error("%s needs a value", names[f]);
			return 2;
		}
		return 1;
	}
	return 0;
}

int args_once(struct args_seen *s, const char *flag, const char *val)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->flag[i], flag)) {
			args_error("%s %s: given twice (%s takes one value)", flag, val, flag);
			return 2;
		}
	if (s->n < ARGS_SEEN_MAX)
		s->flag[s->n++] = flag;
	return 0;
}

int args_bad(const char *flag, const char *val, const char *why)
{
	return args_error("%s %s: %s", flag, val, why);
}

int args_probability(const char *s, uint32_t *out_ppb, char *why, size_t whylen)
{
	if (!s || !*s)
		return why_set(why, whylen, "empty value%s", "");
	if (s[0] == '-')
		return why_set(why, whylen, "must not be negative%s", "");
	size_t len = strlen(s);
	bool pct = s[len - 1] == '%';
	// Integer and fraction digits, into units of 10^-9 of a probability (10^-7 of a
	// percentage): at most 9 (or 7) decimals, so the value is exact.
	int max_dec = pct ? 7 : 9;
	uint64_t whole = 0, frac = 0;
	int nint = 0, nfrac = 0;
	const char *p = s;
	for (; isdigit((unsigned char)*p); p++, nint++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > 100)
			return why_set(why, whylen, "%s", pct ? "above 100%" : "above 1");
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, nfrac++) {
			if (nfrac == max_dec)
				return why_set(why, whylen, "more than %s decimals", pct ? "7" : "9");
			frac = frac * 10 + (uint64_t)(*p - '0');
		}
		if (!nfrac)
			return why_set(why, whylen, "no digits after the point%s", "");
	}
	if (!nint && !nfrac)
		return why_set(why, whylen, "not a number%s", "");
	if (pct)
		p++;
	if (*p)
		return why_set(why, whylen, "expected a probability from 0 to 1 or a percentage "
			       "like 2.5%%%s", "");
	for (; nfrac < max_dec; nfrac++)
		frac *= 10;
	uint64_t ppb = pct ? whole * 10000000u + frac : whole * 1000000000u + frac;
	if (ppb > 1000000000u)
		return why_set(why, whylen, "%s", pct ? "above 100%" : "above 1");
	*out_ppb = (uint32_t)ppb;
	return 0;
}

const char *args_file_kind(unsigned mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a named pipe";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

int args_regular_file(const char *path, char *why, size_t whylen)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		snprintf(why, whylen, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(why, whylen, "%s, not a regular file", args_file_kind(sb.st_mode));
		return -1;
	}
	return 0;
}

// Where the value being parsed came from (args_where), or NULL.
static const char *args_where_now;

void args_where(const char *where)
{
	args_where_now = where;
}

int args_verror(const char *cmd, const char *fmt, va_list ap)
{
	char msg[2048], line[4 * sizeof msg];
	int w = args_where_now ? snprintf(msg, sizeof msg, "%s: ", args_where_now) : 0;
	if (w < 0 || w >= (int)sizeof msg / 2)
		w = 0;
	int n = vsnprintf(msg + w, sizeof msg - (size_t)w, fmt, ap);
	n = n < 0 ? n : n + w;
	if (n >= (int)sizeof msg)
		memcpy(msg + sizeof msg - 4, "...", 4);
	// A file name or a flag value may hold any byte but NUL: control bytes are shown
	// as \xNN so the message stays one line.
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			o += (size_t)snprintf(line + o, sizeof line - o, "\\x%02x", *p);
		else
			line[o++] = (char)*p;
	}
	line[o] = '\0';
	fprintf(stderr, "%s: %s\n", cmd, line);
	return 2;
}

int args_error_cmd(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = args_verror(cmd, fmt, ap);
	va_end(ap);
	return rc;
}

int args_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = args_verror("denali run", fmt, ap);
	va_end(ap);
	return rc;
}
