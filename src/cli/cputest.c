// SPDX-License-Identifier: MIT
// `denali cpu-test [--emit] FILE.jsonl...`: runs single-instruction tests in the
// SingleStepTests layout (docs/cpu-test.md) through the interpreter.
//
// One JSON object per line: name, bytes, initial {regs, ram}, final {regs, ram} or
// final {exception}, flags_mask. Memory is sparse: the whole 32-bit space reads zero
// unless listed, and pages are allocated on first touch (struct sparse below). Each
// test runs exactly one instruction with cpu_step() and compares every register in
// final.regs (EFLAGS only under flags_mask), every byte in final.ram, or the
// exception. --emit prints each test with "final" replaced by the computed state.
// Exit status: 0 all passed, 1 a test failed, 2 bad input.
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "cpu/cpu.h"

#define DEFAULT_FLAGS_MASK 0xcd5u // CF PF AF ZF SF DF OF

// ---- sparse memory: a hash of page number -> zeroed page, grown on demand ----

struct sparse {
	uint32_t *keys;   // page number + 1 (0 = empty slot)
	uint8_t **pages;  // page contents (CPU_PAGE_SIZE bytes, page aligned)
	uint8_t **before; // for --emit: the page content before the instruction, or NULL
	size_t cap, n;
};

static size_t slot(const struct sparse *s, uint32_t key)
{
	size_t i = (key * 0x9e3779b1u) & (s->cap - 1);
	while (s->keys[i] && s->keys[i] != key)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static int grow(struct sparse *s)
{
	struct sparse t = { 0 };
	t.cap = s->cap ? s->cap * 2 : 64;
	t.keys = calloc(t.cap, sizeof *t.keys);
	t.pages = calloc(t.cap, sizeof *t.pages);
	t.before = calloc(t.cap, sizeof *t.before);
	if (!t.keys || !t.pages || !t.before) {
		free(t.keys), free(t.pages), free(t.before);
		return -1;
	}
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->keys[i])
			continue;
		size_t j = slot(&t, s->keys[i]);
		t.keys[j] = s->keys[i];
		t.pages[j] = s->pages[i];
		t.before[j] = s->before[i];
	}
	t.n = s->n;
	free(s->keys), free(s->pages), free(s->before);
	*s = t;
	return 0;
}

// Returns the page holding addr, allocating a zero page if needed; NULL when out of memory.
static uint8_t *sparse_page(struct sparse *s, uint32_t addr)
{
	uint32_t key = (addr >> 12) + 1;
	if ((s->n + 1) * 2 > s->cap && grow(s) != 0)
		return NULL;
	size_t i = slot(s, key);
	if (!s->keys[i]) {
		uint8_t *p = aligned_alloc(CPU_PAGE_SIZE, CPU_PAGE_SIZE);
		if (!p)
			return NULL;
		memset(p, 0, CPU_PAGE_SIZE);
		s->keys[i] = key;
		s->pages[i] = p;
		s->before[i] = NULL;
		s->n++;
	}
	return s->pages[i];
}

static bool sparse_has(const struct sparse *s, uint32_t addr)
{
	return s->cap && s->keys[slot(s, (addr >> 12) + 1)] != 0;
}

static uint8_t sparse_peek(const struct sparse *s, uint32_t addr)
{
	if (!s->cap)
		return 0;
	size_t i = slot(s, (addr >> 12) + 1);
	return s->keys[i] ? s->pages[i][addr & 0xfff] : 0;
}

// Frees every page (telling the executor first, since it may hold decoded code).
static void sparse_clear(struct sparse *s, struct cpu_exec *x)
{
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->keys[i])
			continue;
		cpu_exec_page_freed(x, s->pages[i]);
		free(s->pages[i]);
		free(s->before[i]);
		s->keys[i] = 0;
		s->pages[i] = s->before[i] = NULL;
	}
	s->n = 0;
	cpu_exec_flush_tlb(x);
}

// A test touches at most this many distinct pages (64 MiB); further accesses raise #PF,
// so a REP string instruction with ECX = 0xFFFFFFFF ends in a fault instead of
// allocating 4 GiB (docs/cpu-test.md).
#define SPARSE_MAX_PAGES 16384u

// Untouched pages read as zeros through one shared page; a write makes the page real.
static const uint8_t sparse_zero_page[CPU_PAGE_SIZE] __attribute__((aligned(4096)));

static int sparse_map(void *ctx, uint32_t addr, enum cpu_access acc, struct cpu_page_info *pi)
{
	struct sparse *s = ctx;
	if (acc != CPU_ACC_WRITE && s->cap) {
		size_t i = slot(s, (addr >> 12) + 1);
		if (!s->keys[i]) {
			pi->host = (uint8_t *)sparse_zero_page;
			pi->writable = false;
			return 0;
		}
	} else if (acc != CPU_ACC_WRITE) {
		pi->host = (uint8_t *)sparse_zero_page;
		pi->writable = false;
		return 0;
	}
	if (s->n >= SPARSE_MAX_PAGES && !sparse_has(s, addr))
		return -1;
	uint8_t *p = sparse_page(ctx, addr);
	if (!p)
		return -1;
	pi->host = p;
	pi->writable = true;
	return 0;
}

// ---- parsing ----

struct test {
	const char *name;
	uint8_t bytes[16];
	int nbytes;
	uint32_t regs[10]; // cpu_reg order, then eip, eflags
	uint32_t flags_mask;
	const char *exception; // expected exception name, or NULL
};

static const char *const reg_names[10] = { "eax", "ecx", "edx", "ebx", "esp",
					   "ebp", "esi", "edi", "eip", "eflags" };

struct ctx {
	long line;
	char err[256];
};

#define BAD(cx, ...) (snprintf((cx)->err, sizeof (cx)->err, __VA_ARGS__), -1)

static int get_u32(struct ctx *cx, json_object *o, const char *what, uint32_t *out)
{
	if (!json_object_is_type(o, json_type_int))
		return BAD(cx, "%s: integer expected", what);
	int64_t v = json_object_get_int64(o);
	if (v < 0 || v > 0xffffffffLL || (v == INT64_MAX && errno == ERANGE))
		return BAD(cx, "%s: %lld is not a 32-bit unsigned value", what, (long long)v);
	*out = (uint32_t)v;
	return 0;
}

static int parse_regs(struct ctx *cx, json_object *regs, const char *where, uint32_t *val,
		      bool *has)
{
	if (!json_object_is_type(regs, json_type_object))
		return BAD(cx, "%s.regs: object expected", where);
	json_object_object_foreach(regs, key, v) {
		int r = -1;
		for (int i = 0; i < 10; i++)
			if (strcmp(key, reg_names[i]) == 0)
				r = i;
		if (r < 0)
			return BAD(cx, "%s.regs: unknown register \"%s\"", where, key);
		char what[64];
		snprintf(what, sizeof what, "%s.regs.%s", where, key);
		if (get_u32(cx, v, what, &val[r]) != 0)
			return -1;
		has[r] = true;
	}
	return 0;
}

// Checks that ram is a list of [address, byte] pairs; calls fn for each.
static int each_ram(struct ctx *cx, json_object *ram, const char *where,
		    int (*fn)(void *arg, uint32_t addr, uint8_t b), void *arg)
{
	if (!json_object_is_type(ram, json_type_array))
		return BAD(cx, "%s.ram: array expected", where);
	size_t n = json_object_array_length(ram);
	for (size_t i = 0; i < n; i++) {
		json_object *pair = json_object_array_get_idx(ram, i);
		uint32_t addr, b;
		char what[64];
		snprintf(what, sizeof what, "%s.ram[%zu]", where, i);
		if (!json_object_is_type(pair, json_type_array) ||
		    json_object_array_length(pair) != 2)
			return BAD(cx, "%s: [address, byte] expected", what);
		if (get_u32(cx, json_object_array_get_idx(pair, 0), what, &addr) != 0 ||
		    get_u32(cx, json_object_array_get_idx(pair, 1), what, &b) != 0)
			return -1;
		if (b > 255)
			return BAD(cx, "%s: byte %u out of range", what, b);
		if (fn && fn(arg, addr, (uint8_t)b) != 0)
			return BAD(cx, "%s: out of memory", what);
	}
	return 0;
}

static int poke(void *arg, uint32_t addr, uint8_t b)
{
	uint8_t *p = sparse_page(arg, addr);
	if (!p)
		return -1;
	p[addr & 0xfff] = b;
	return 0;
}

static const char *vector_name(uint8_t v)
{
	switch (v) {
	case CPU_VEC_DE: return "DE";
	case CPU_VEC_DB: return "DB";
	case CPU_VEC_BP: return "BP";
	case CPU_VEC_OF: return "OF";
	case CPU_VEC_BR: return "BR";
	case CPU_VEC_UD: return "UD";
	case CPU_VEC_GP: return "GP";
	case CPU_VEC_PF: return "PF";
	default: return "??";
	}
}

// Parses the test (everything but final.ram, which is checked after the run).
static int parse_test(struct ctx *cx, json_object *o, struct test *t, json_object **final,
		      json_object **init_ram)
{
	memset(t, 0, sizeof *t);
	t->flags_mask = DEFAULT_FLAGS_MASK;
	t->regs[9] = 2;
	json_object *v;
	if (!json_object_is_type(o, json_type_object))
		return BAD(cx, "a JSON object expected");
	if (!json_object_object_get_ex(o, "name", &v) || !json_object_is_type(v, json_type_string))
		return BAD(cx, "\"name\": string expected");
	t->name = json_object_get_string(v);
	if (!json_object_object_get_ex(o, "bytes", &v) || !json_object_is_type(v, json_type_array))
		return BAD(cx, "\"bytes\": array expected");
	size_t nb = json_object_array_length(v);
	if (nb < 1 || nb > 15)
		return BAD(cx, "\"bytes\": 1 to 15 bytes expected, got %zu", nb);
	for (size_t i = 0; i < nb; i++) {
		uint32_t b;
		if (get_u32(cx, json_object_array_get_idx(v, i), "bytes", &b) != 0)
			return -1;
		if (b > 255)
			return BAD(cx, "bytes[%zu]: %u is not a byte", i, b);
		t->bytes[i] = (uint8_t)b;
	}
	t->nbytes = (int)nb;
	json_object *init, *regs;
	if (!json_object_object_get_ex(o, "initial", &init) ||
	    !json_object_is_type(init, json_type_object))
		return BAD(cx, "\"initial\": object expected");
	if (!json_object_object_get_ex(init, "regs", &regs))
		return BAD(cx, "initial.regs: missing");
	bool has[10] = { false };
	if (parse_regs(cx, regs, "initial", t->regs, has) != 0)
		return -1;
	if (!has[8])
		return BAD(cx, "initial.regs.eip: missing");
	*init_ram = NULL;
	if (json_object_object_get_ex(init, "ram", &v)) {
		if (each_ram(cx, v, "initial", NULL, NULL) != 0)
			return -1;
		*init_ram = v;
	}
	if (json_object_object_get_ex(o, "flags_mask", &v) &&
	    get_u32(cx, v, "flags_mask", &t->flags_mask) != 0)
		return -1;
	*final = NULL;
	if (!json_object_object_get_ex(o, "final", final) ||
	    !json_object_is_type(*final, json_type_object))
		return BAD(cx, "\"final\": object expected");
	if (json_object_object_get_ex(*final, "exception", &v)) {
		static const char *const ok[] = { "DE", "DB", "BP", "OF", "BR", "UD", "GP", "PF" };
		if (!json_object_is_type(v, json_type_string))
			return BAD(cx, "final.exception: string expected");
		t->exception = json_object_get_string(v);
		bool known = false;
		for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
			known |= strcmp(ok[i], t->exception) == 0;
		if (!known)
			return BAD(cx, "final.exception: \"%s\" is not DE, UD, GP, PF, BP, ...",
				   t->exception);
	} else {
		if (json_object_object_get_ex(*final, "regs", &v) &&
		    parse_regs(cx, v, "final", (uint32_t[10]){ 0 }, (bool[10]){ false }) != 0)
			return -1;
		if (json_object_object_get_ex(*final, "ram", &v) &&
		    each_ram(cx, v, "final", NULL, NULL) != 0)
			return -1;
	}
	return 0;
}

// ---- running and comparing ----

struct runner {
	struct cpu_exec *x;
	struct sparse mem;
	bool emit;
	long passed, failed;
};

static void disasm(struct runner *R, const struct test *t, char *buf, size_t len)
{
	cpu_disasm(t->bytes, (size_t)t->nbytes, t->regs[8], buf, len);
	(void)R;
}

static void fail(struct runner *R, const struct test *t, bool *first, const char *field,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void fail(struct runner *R, const struct test *t, bool *first, const char *field,
		 const char *fmt, ...)
{
	char dis[160];
	if (*first) {
		R->failed++;
		*first = false;
	}
	disasm(R, t, dis, sizeof dis);
	printf("FAIL %s: %s: ", t->name, field);
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("  [%s]\n", dis);
}

// Snapshot for --emit: copies every page's content as it is before the run.
static int snapshot(struct sparse *s)
{
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->keys[i])
			continue;
		s->before[i] = malloc(CPU_PAGE_SIZE);
		if (!s->before[i])
			return -1;
		memcpy(s->before[i], s->pages[i], CPU_PAGE_SIZE);
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

// Appends v to the growing array a (n used of cap). Returns the array, or NULL after
// freeing it when it cannot grow (out of memory).
static uint32_t *push_u32(uint32_t *a, size_t *n, size_t *cap, uint32_t v)
{
	if (*n == *cap) {
		uint32_t *na = realloc(a, *cap * 2 * sizeof *a);
		if (!na) {
			free(a);
			return NULL;
		}
		a = na;
		*cap *= 2;
	}
	a[(*n)++] = v;
	return a;
}

// Replaces o's "final" with the computed state and prints the line.
static void emit_line(struct runner *R, json_object *o, const struct cpu *c, enum cpu_exit e,
		      json_object *init_ram, uint32_t eip)
{
	json_object *fin = json_object_new_object();
	if (e == CPU_EXIT_FAULT) {
		json_object_object_add(fin, "exception",
				       json_object_new_string(vector_name(c->fault.vector)));
	} else {
		json_object *regs = json_object_new_object();
		uint32_t v[10];
		memcpy(v, c->r, sizeof c->r);
		v[8] = c->eip;
		v[9] = cpu_get_eflags(c);
		static const int order[10] = { 0, 3, 1, 2, 6, 7, 5, 4, 8, 9 };
		for (int k = 0; k < 10; k++)
			json_object_object_add(regs, reg_names[order[k]],
					       json_object_new_int64(v[order[k]]));
		json_object_object_add(fin, "regs", regs);
		// Addresses: the instruction, initial.ram, and every byte that changed.
		size_t cap = 64, n = 0;
		uint32_t *addrs = malloc(cap * sizeof *addrs);
		for (size_t i = 0; addrs && init_ram && i < json_object_array_length(init_ram); i++) {
			json_object *p = json_object_array_get_idx(init_ram, i);
			addrs = push_u32(addrs, &n, &cap,
					 (uint32_t)json_object_get_int64(json_object_array_get_idx(p, 0)));
		}
		(void)eip;
		struct sparse *s = &R->mem;
		for (size_t i = 0; addrs && i < s->cap; i++) {
			if (!s->keys[i])
				continue;
			for (uint32_t k = 0; k < CPU_PAGE_SIZE; k++) {
				uint8_t was = s->before[i] ? s->before[i][k] : 0;
				if (s->pages[i][k] == was)
					continue;
				addrs = push_u32(addrs, &n, &cap, ((s->keys[i] - 1) << 12) | k);
				if (!addrs)
					break;
			}
		}
		json_object *ram = json_object_new_array();
		if (addrs) {
			qsort(addrs, n, sizeof *addrs, cmp_u32);
			for (size_t i = 0; i < n; i++) {
				if (i && addrs[i] == addrs[i - 1])
					continue;
				json_object *p = json_object_new_array();
				json_object_array_add(p, json_object_new_int64(addrs[i]));
				json_object_array_add(p, json_object_new_int(sparse_peek(s, addrs[i])));
				json_object_array_add(ram, p);
			}
		}
		if (!addrs)
			fprintf(stderr, "denali cpu-test: out of memory listing the changed bytes "
				"(\"ram\" left empty)\n");
		free(addrs);
		json_object_object_add(fin, "ram", ram);
	}
	json_object_object_add(o, "final", fin);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED));
}

struct ram_check {
	struct runner *R;
	const struct test *t;
	bool *first;
};

static int check_byte(void *arg, uint32_t addr, uint8_t b)
{
	struct ram_check *rc = arg;
	uint8_t got = sparse_peek(&rc->R->mem, addr);
	if (got != b) {
		char field[32];
		snprintf(field, sizeof field, "ram[0x%08x]", addr);
		fail(rc->R, rc->t, rc->first, field, "expected 0x%02x, got 0x%02x", b, got);
	}
	return 0;
}

// Runs one parsed test. Returns 0, or -1 on bad input (cx->err set).
static int run_test(struct runner *R, struct ctx *cx, json_object *o)
{
	struct test t;
	json_object *final, *init_ram;
	if (parse_test(cx, o, &t, &final, &init_ram) != 0)
		return -1;
	sparse_clear(&R->mem, R->x);
	for (int i = 0; i < t.nbytes; i++)
		if (poke(&R->mem, t.regs[8] + (uint32_t)i, t.bytes[i]) != 0)
			return BAD(cx, "out of memory");
	if (init_ram && each_ram(cx, init_ram, "initial", poke, &R->mem) != 0)
		return -1;
	if (R->emit && snapshot(&R->mem) != 0)
		return BAD(cx, "out of memory");
	struct cpu c;
	cpu_reset(&c, t.regs[8], t.regs[CPU_ESP]);
	memcpy(c.r, t.regs, sizeof c.r);
	c.eip = t.regs[8];
	cpu_set_eflags(&c, t.regs[9]);
	struct cpu_mem mem = { sparse_map, &R->mem };
	enum cpu_exit e = cpu_step(R->x, &c, &mem);
	if (R->emit) {
		emit_line(R, o, &c, e, init_ram, t.regs[8]);
		R->passed++;
		return 0;
	}
	bool first = true;
	const char *got_exc = e == CPU_EXIT_FAULT ? vector_name(c.fault.vector) : NULL;
	if (t.exception || got_exc) {
		if (!t.exception || !got_exc || strcmp(t.exception, got_exc) != 0)
			fail(R, &t, &first, "exception", "expected %s, got %s",
			     t.exception ? t.exception : "none", got_exc ? got_exc : "none");
	}
	if (!t.exception && !got_exc) {
		json_object *v;
		uint32_t want[10] = { 0 }, got[10];
		bool has[10] = { false };
		memcpy(got, c.r, sizeof c.r);
		got[8] = c.eip;
		got[9] = cpu_get_eflags(&c);
		if (json_object_object_get_ex(final, "regs", &v))
			parse_regs(cx, v, "final", want, has);
		for (int k = 0; k < 10; k++) {
			if (!has[k])
				continue;
			uint32_t m = k == 9 ? t.flags_mask : 0xffffffffu;
			if ((want[k] ^ got[k]) & m)
				fail(R, &t, &first, reg_names[k], "expected 0x%08x, got 0x%08x%s",
				     want[k], got[k], k == 9 ? " (under flags_mask)" : "");
		}
		if (json_object_object_get_ex(final, "ram", &v)) {
			struct ram_check rc = { R, &t, &first };
			each_ram(cx, v, "final", check_byte, &rc);
		}
	}
	if (first)
		R->passed++;
	return 0;
}

static int run_file(struct runner *R, const char *path)
{
	char why[160];
	if (strcmp(path, "-") != 0 && args_regular_file(path, why, sizeof why) != 0) {
		// A FIFO would block until a writer came: pipes go through "-".
		return args_error_cmd("denali cpu-test", "%s: %s", path, why);
	}
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f) {
		fprintf(stderr, "denali cpu-test: %s: %s\n", path, strerror(errno));
		return 2;
	}
	struct ctx cx = { 0, "" };
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		cx.line++;
		size_t i = 0;
		while (i < (size_t)len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' ||
					   line[i] == '\n'))
			i++;
		if (i == (size_t)len || line[i] == '#')
			continue; // blank lines and # comments
		if (memchr(line, 0, (size_t)len)) {
			fprintf(stderr, "%s:%ld: NUL byte in line\n", path, cx.line);
			rc = 2;
			break;
		}
		enum json_tokener_error jerr;
		json_object *o = json_tokener_parse_verbose(line, &jerr);
		if (!o) {
			fprintf(stderr, "%s:%ld: invalid JSON: %s\n", path, cx.line,
				json_tokener_error_desc(jerr));
			rc = 2;
			break;
		}
		int r = run_test(R, &cx, o);
		json_object_put(o);
		if (r != 0) {
			fprintf(stderr, "%s:%ld: %s\n", path, cx.line, cx.err);
			rc = 2;
			break;
		}
	}
	free(line);
	if (ferror(f)) {
		fprintf(stderr, "denali cpu-test: %s: read error\n", path);
		rc = 2;
	}
	if (f != stdin)
		fclose(f);
	return rc;
}

static int usage(void)
{
	fprintf(stderr, "usage: denali cpu-test [--emit] FILE.jsonl...\n"
			"  runs one instruction per JSON line (docs/cpu-test.md) and compares the\n"
			"  final state; --emit prints the computed final state instead.\n");
	return 2;
}

int cli_cputest(int argc, char **argv)
{
	struct runner R = { 0 };
	int nfiles = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--emit") == 0)
			R.emit = true;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return usage();
		else if (argv[i][0] == '-' && argv[i][1])
			return fprintf(stderr, "denali cpu-test: unknown option %s\n", argv[i]), usage();
		else
			nfiles++;
	}
	if (!nfiles)
		return usage();
	R.x = cpu_exec_new(NULL);
	if (!R.x) {
		fprintf(stderr, "denali cpu-test: out of memory\n");
		return 2;
	}
	int rc = 0;
	for (int i = 1; i < argc && rc == 0; i++)
		if (strcmp(argv[i], "--emit") != 0)
			rc = run_file(&R, argv[i]);
	sparse_clear(&R.mem, R.x);
	free(R.mem.keys), free(R.mem.pages), free(R.mem.before);
	cpu_exec_free(R.x);
	if (rc)
		return rc;
	if (!R.emit)
		printf("%ld passed, %ld failed\n", R.passed, R.failed);
	return R.failed ? 1 : 0;
}
