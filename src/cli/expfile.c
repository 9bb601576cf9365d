// SPDX-License-Identifier: MIT
// Experiment files (expfile.h; docs/experiments.md "Experiment files"): libconfig reads
// the syntax (the library, not a parser of ours, finds syntax errors and each setting's
// line); this file walks the settings against one table of keys, turns them into the
// flags of `denali run`, merges them with the command line, and writes a run's flags
// back as a file (--print-config). Values are checked by the flags' own parsers
// (opts.c and the rest); a value's errors name its file, line and key (args_where).
#include "expfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "opts.h"

// libconfig 1.5 leaks after some syntax errors: its scanner's string buffer when the
// error comes inside a string (`max"0s";`) and a string token the parser had not used
// yet (found by tests/integration/fuzz-expfile; both in corpus-expfile). The command
// exits right after such an error; the sanitizer builds are told to ignore leaks
// allocated by libconfig's scanner and parser (LeakSanitizer reads this hook).
#if defined(__SANITIZE_ADDRESS__)
#define EXPFILE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EXPFILE_LSAN 1
#endif
#endif
#ifdef EXPFILE_LSAN
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yy\n";
}
#endif

#define S_TOP EXPFILE_S_TOP
#define S_ALL EXPFILE_S_ALL
#define S_LINK EXPFILE_S_LINK
#define S_TRACES EXPFILE_S_TRACES
#define S_OBSERVE EXPFILE_S_OBSERVE
#define S_M0 EXPFILE_S_M0
#define S_GROUP EXPFILE_S_GROUP
#define NSEC EXPFILE_NSEC
#define K_VAL EXPFILE_K_VAL
#define K_BOOL EXPFILE_K_BOOL
#define K_LIST EXPFILE_K_LIST
#define K_META EXPFILE_K_META

const char *const expfile_sec_name[EXPFILE_NSEC] = { "", "all_machines", "link", "traces",
						     "observe", "machines.[0]", "groups" };

// Every key. Group keys are the flags of the group's kind (--image, --client or
// --group for image; --vms, --client-vms or --group-vms ...): the flag here is machine
// 0's first group's.
static const struct expfile_key keys[] = {
	{ S_TOP, K_META, "name", NULL, "-", NULL },
	{ S_TOP, K_META, "description", NULL, "-", NULL },
	{ S_TOP, K_VAL, "max_time", "--max-time", "until every VM ends", NULL },
	{ S_TOP, K_VAL, "console", "--console", "all VMs up to 4", NULL },
	{ S_TOP, K_BOOL, "quiet", "--quiet", "false", NULL },
	{ S_TOP, K_VAL, "results", "--results", "-", NULL },
	{ S_TOP, K_VAL, "chaos", "--chaos", "-", NULL },
	{ S_TOP, K_VAL, "profile", "--profile", "-", NULL },
	{ S_TOP, K_VAL, "profile_interval", "--profile-interval", "10007", NULL },
	{ S_TOP, K_VAL, "gdb", "--gdb", "-", NULL },
	{ S_TOP, K_BOOL, "gdb_wait", "--gdb-wait", "false", NULL },
	{ S_TOP, K_VAL, "gdb_machine", "--gdb-machine", "0", NULL },
	{ S_ALL, K_VAL, "phys_mem", "--phys-mem", "1G", "1G" },
	{ S_ALL, K_VAL, "swap_block", "--swap-block", "32K", "32K" },
	{ S_ALL, K_VAL, "sched", "--sched", "rr", "rr" },
	{ S_ALL, K_VAL, "quantum", "--quantum", "10us", "10us" },
	{ S_ALL, K_VAL, "intr", "--intr", "batched", "batched" },
	{ S_ALL, K_VAL, "ctx_base", "--ctx-base", "1.4us", "1.4us" },
	{ S_ALL, K_VAL, "ctx_page", "--ctx-page", "100ns", "100ns" },
	{ S_ALL, K_VAL, "ctx_free_pages", "--ctx-free-pages", "4", "4" },
	{ S_ALL, K_VAL, "ctx_cap_same", "--ctx-cap-same", "2.5us", "2.5us" },
	{ S_ALL, K_VAL, "ctx_cap_other", "--ctx-cap-other", "7.6us", "7.6us" },
	{ S_ALL, K_VAL, "intr_cost", "--intr-cost", "588ns (1000 cycles)", "588ns" },
	{ S_ALL, K_VAL, "ctx_vm_footprint", "--ctx-vm-footprint", "0 (off)", NULL },
	{ S_ALL, K_VAL, "ctx_l1", "--ctx-l1", "8K", NULL },
	{ S_ALL, K_VAL, "ctx_l2", "--ctx-l2", "256K", NULL },
	{ S_ALL, K_VAL, "ctx_l1_miss", "--ctx-l1-miss", "10ns", NULL },
	{ S_ALL, K_VAL, "ctx_l2_miss", "--ctx-l2-miss", "30ns", NULL },
	{ S_ALL, K_VAL, "irq_work", "--irq-work", "0", NULL },
	{ S_ALL, K_VAL, "idle_boost", "--idle-boost", "on", NULL },
	{ S_ALL, K_VAL, "nic", "--nic", "no devices", NULL },
	{ S_ALL, K_VAL, "nic_rxq", "--nic-rxq", "256", NULL },
	{ S_ALL, K_VAL, "nic_irq", "--nic-irq", "edge", NULL },
	{ S_ALL, K_BOOL, "no_ipv4", "--no-ipv4", "false", NULL },
	{ S_ALL, K_BOOL, "arp_flood", "--arp-flood", "false", NULL },
	{ S_ALL, K_VAL, "machine_threads", "--machine-threads", "1", NULL },
	{ S_ALL, K_VAL, "machine_ranks", "--machine-ranks", "machine m on rank m mod K", NULL },
	{ S_LINK, K_VAL, "latency", "--link-latency", "20us", NULL },
	{ S_LINK, K_VAL, "loss", "--loss", "0", NULL },
	{ S_LINK, K_VAL, "loss_seed", "--loss-seed", "1", NULL },
	{ S_TRACES, K_VAL, "pcap_in", "--pcap-in", "-", NULL },
	{ S_TRACES, K_VAL, "pcap_start", "--pcap-start", "0", NULL },
	{ S_TRACES, K_VAL, "pcap_speed", "--pcap-speed", "1", NULL },
	{ S_TRACES, K_VAL, "pcap_loops", "--pcap-loops", "1", NULL },
	{ S_TRACES, K_VAL, "pcap_rewrite", "--pcap-rewrite", "-", NULL },
	{ S_TRACES, K_VAL, "pcap_out", "--pcap-out", "-", NULL },
	{ S_TRACES, K_VAL, "pcap_vm", "--pcap-vm", "every VM", NULL },
	{ S_TRACES, K_VAL, "pcap_machine", "--pcap-machine", "0", NULL },
	{ S_TRACES, K_VAL, "console_in", "--console-in", "-", NULL },
	{ S_TRACES, K_VAL, "console_input", "--console-input", "-", NULL },
	{ S_TRACES, K_VAL, "console_in_vm", "--console-in-vm", "every VM", NULL },
	{ S_TRACES, K_VAL, "tap", "--tap", "-", NULL },
	{ S_OBSERVE, K_VAL, "trace", "--trace", "-", NULL },
	{ S_OBSERVE, K_VAL, "trace_format", "--trace-format", "text", NULL },
	{ S_OBSERVE, K_VAL, "trace_file", "--trace-file", "stderr", NULL },
	{ S_OBSERVE, K_VAL, "trace_vms", "--trace-vms", "every VM", NULL },
	{ S_OBSERVE, K_VAL, "trace_from", "--trace-from", "0", NULL },
	{ S_OBSERVE, K_VAL, "trace_to", "--trace-to", "the end", NULL },
	{ S_OBSERVE, K_VAL, "trace_limit", "--trace-limit", "1000000", NULL },
	{ S_OBSERVE, K_VAL, "timeline", "--timeline", "-", NULL },
	{ S_OBSERVE, K_VAL, "timeline_vms", "--timeline-vms", "every VM", NULL },
	{ S_OBSERVE, K_VAL, "timeline_from", "--timeline-from", "0", NULL },
	{ S_OBSERVE, K_VAL, "timeline_to", "--timeline-to", "the end", NULL },
	{ S_OBSERVE, K_VAL, "timeline_interval", "--timeline-interval", "1ms", NULL },
	{ S_OBSERVE, K_VAL, "stats_every", "--stats-every", "-", NULL },
	{ S_OBSERVE, K_VAL, "console_dir", "--console-dir", "-", NULL },
	{ S_OBSERVE, K_BOOL, "no_progress", "--no-progress", "false", NULL },
	{ S_OBSERVE, K_VAL, "progress_every", "--progress-every", "10", NULL },
	{ S_M0, K_LIST, "intr_groups", "--intr-group", "-", NULL },
	{ S_M0, K_LIST, "tickets", "--tickets", "-", NULL },
	{ S_M0, K_LIST, "disks", "--disk", "-", NULL },
	{ S_GROUP, K_VAL, "image", "--image", "required", NULL },
	{ S_GROUP, K_VAL, "vms", "--vms", "1", "1" },
	{ S_GROUP, K_VAL, "mem", "--mem", "4M", "4M" },
	{ S_GROUP, K_VAL, "args", "--args", "none", NULL },
	{ S_GROUP, K_VAL, "intr", "--intr-group", "the machine's", NULL },
	{ S_GROUP, K_VAL, "tickets", "--tickets", "100", NULL },
	{ S_GROUP, K_LIST, "disks", "--disk", "-", NULL },
};
#define NKEYS (sizeof keys / sizeof keys[0])

static const struct expfile_key *find_key(int sec, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].sec == sec && !strcmp(keys[i].key, name))
			return &keys[i];
	return NULL;
}

const struct expfile_key *expfile_key_table(size_t *n)
{
	*n = NKEYS;
	return keys;
}

void expfile_keys(FILE *f)
{
	for (size_t i = 0; i < NKEYS; i++)
		fprintf(f, "%s %s %s %s\n", expfile_sec_name[keys[i].sec][0] ? expfile_sec_name[keys[i].sec] : "-",
			keys[i].key, keys[i].flag ? keys[i].flag : "-", keys[i].def);
}

// The walk of one file: where errors go.
struct walk {
	struct expfile *e;
	const char *name;
	char *err;
	size_t errlen;
	bool failed;
};

static int fail(struct walk *w, const config_setting_t *s, const char *path, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));
static int fail(struct walk *w, const config_setting_t *s, const char *path, const char *fmt,
		...)
{
	if (w->failed)
		return -1;
	w->failed = true;
	int n = snprintf(w->err, w->errlen, "%s:%u: %s: ", w->name,
			 s ? config_setting_source_line(s) : 0, path);
	if (n >= 0 && (size_t)n < w->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(w->err + n, w->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d) {
		fputs("denali run: out of memory\n", stderr);
		exit(2);
	}
	return d;
}

static char *where_of(struct walk *w, const config_setting_t *s, const char *path)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s:%u: %s", w->name, config_setting_source_line(s), path);
	return xstrdup(buf);
}

// A scalar setting as the text of a flag's value. Returns 0, or -1 after fail().
static int scalar(struct walk *w, const config_setting_t *s, const char *path, char **out)
{
	char buf[64];
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		*out = xstrdup(config_setting_get_string(s));
		return 0;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: {
		long long v = config_setting_get_int64(s);
		if (v < 0)
			return fail(w, s, path, "%lld: a negative number", v);
		snprintf(buf, sizeof buf, "%lld", v);
		break;
	}
	case CONFIG_TYPE_FLOAT: {
		double v = config_setting_get_float(s);
		snprintf(buf, sizeof buf, "%.15g", v);
		if (strtod(buf, NULL) != v)
			snprintf(buf, sizeof buf, "%.17g", v);
		break;
	}
	case CONFIG_TYPE_BOOL:
		return fail(w, s, path, "expected a number or a string, not %s",
			    config_setting_get_bool(s) ? "true" : "false");
	default:
		return fail(w, s, path, "expected a number or a string, not a %s",
			    config_setting_is_group(s) ? "group { }" : "list");
	}
	*out = xstrdup(buf);
	return 0;
}

static void add_arg(struct expfile *e, const char *flag, char *val, char *where)
{
	if (e->nargs == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 32;
		struct expfile_arg *na = realloc(e->args, cap * sizeof *na);
		if (!na) {
			fputs("denali run: out of memory\n", stderr);
			exit(2);
		}
		e->args = na;
		e->cap = cap;
	}
	e->args[e->nargs++] = (struct expfile_arg){ flag, val, where };
}

// Each element of a list key (a list, an array, or one string) into out[0..*n) or
// the flat arguments (out NULL).
static int list_values(struct walk *w, const config_setting_t *s, const char *path,
		       const struct expfile_key *k, struct expfile_val *out, uint32_t max, uint32_t *n)
{
	bool agg = config_setting_is_aggregate(s);
	if (agg && config_setting_is_group(s))
		return fail(w, s, path, "expected a list of strings ( \"...\", ... ), not a group");
	int len = agg ? config_setting_length(s) : 1;
	for (int i = 0; i < len; i++) {
		const config_setting_t *el = agg ? config_setting_get_elem(s, (unsigned)i) : s;
		char *v;
		if (scalar(w, el, path, &v) != 0)
			return -1;
		if (!out) {
			add_arg(w->e, k->flag, v, where_of(w, el, path));
			continue;
		}
		if (*n == max) {
			free(v);
			return fail(w, el, path, "more than %u values", max);
		}
		out[(*n)++] = (struct expfile_val){ v, where_of(w, el, path) };
	}
	return 0;
}

static int walk_group(struct walk *w, const config_setting_t *gs, uint32_t m, uint32_t g,
		      struct expfile_group *grp)
{
	char path[128];
	snprintf(path, sizeof path, "machines.[%u].groups.[%u]", m, g);
	if (!config_setting_is_group(gs))
		return fail(w, gs, path, "expected a group { image = ...; ... }");
	for (unsigned i = 0; i < (unsigned)config_setting_length(gs); i++) {
		const config_setting_t *s = config_setting_get_elem(gs, i);
		const char *name = config_setting_name(s);
		char kp[192];
		snprintf(kp, sizeof kp, "%s.%s", path, name);
		const struct expfile_key *k = find_key(S_GROUP, name);
		if (!k)
			return fail(w, s, kp, "unknown key (image, vms, mem, args, intr, tickets, "
					      "disks; docs/experiments.md)");
		if (m != 0 && (!strcmp(name, "intr") || !strcmp(name, "tickets") ||
			       !strcmp(name, "disks")))
			return fail(w, s, kp, "only machine 0's groups have this key (its flag "
					      "names machine 0's VMs)");
		if (k->kind == K_LIST) {
			if (list_values(w, s, kp, k, grp->disks, 16, &grp->ndisks) != 0)
				return -1;
			continue;
		}
		struct expfile_val *v = !strcmp(name, "image")  ? &grp->image
					: !strcmp(name, "vms")  ? &grp->vms
					: !strcmp(name, "mem")  ? &grp->mem
					: !strcmp(name, "args") ? &grp->args
					: !strcmp(name, "intr") ? &grp->intr
								: &grp->tickets;
		if (scalar(w, s, kp, &v->val) != 0)
			return -1;
		v->where = where_of(w, s, kp);
	}
	if (!grp->image.val)
		return fail(w, gs, path, "a group needs an image");
	if (grp->args.val && !grp->args.val[0]) { // args = "": no command line
		free(grp->args.val);
		free(grp->args.where);
		grp->args = (struct expfile_val){ NULL, NULL };
	}
	return 0;
}

static int walk_machines(struct walk *w, const config_setting_t *ms)
{
	if (!config_setting_is_list(ms) && !config_setting_is_array(ms))
		return fail(w, ms, "machines", "expected a list ( { groups = (...); }, ... )");
	unsigned n = (unsigned)config_setting_length(ms);
	if (n == 0)
		return fail(w, ms, "machines", "no machine");
	if (n > EXPFILE_MAX_MACHINES)
		return fail(w, ms, "machines", "%u machines, at most %u", n, EXPFILE_MAX_MACHINES);
	for (unsigned m = 0; m < n; m++) {
		const config_setting_t *mc = config_setting_get_elem(ms, m);
		char path[64];
		snprintf(path, sizeof path, "machines.[%u]", m);
		if (!config_setting_is_group(mc))
			return fail(w, mc, path, "expected a group { groups = (...); }");
		struct expfile_machine *mm = &w->e->m[w->e->nm++];
		const config_setting_t *groups = NULL;
		for (unsigned i = 0; i < (unsigned)config_setting_length(mc); i++) {
			const config_setting_t *s = config_setting_get_elem(mc, i);
			const char *name = config_setting_name(s);
			char kp[128];
			snprintf(kp, sizeof kp, "%s.%s", path, name);
			if (!strcmp(name, "groups")) {
				groups = s;
				continue;
			}
			const struct expfile_key *k = find_key(S_M0, name);
			if (!k)
				return fail(w, s, kp, "unknown key (groups%s; docs/experiments.md)",
					    m ? "" : ", intr_groups, tickets, disks");
			if (m)
				return fail(w, s, kp, "only machine 0 has this key (its flag names "
						      "machine 0's VMs)");
			if (list_values(w, s, kp, k, NULL, 0, NULL) != 0)
				return -1;
		}
		if (!groups)
			return fail(w, mc, path, "a machine needs groups = ( { image = ...; } )");
		if (!config_setting_is_list(groups) && !config_setting_is_array(groups))
			return fail(w, groups, path, "groups: expected a list ( { image = ...; } )");
		unsigned ng = (unsigned)config_setting_length(groups);
		if (ng == 0 || ng > EXPFILE_MAX_GROUPS)
			return fail(w, groups, path, "%u groups: 1 to %u a machine", ng,
				    EXPFILE_MAX_GROUPS);
		for (unsigned g = 0; g < ng; g++) {
			mm->ng++;
			if (walk_group(w, config_setting_get_elem(groups, g), m, g, &mm->g[g]) != 0)
				return -1;
		}
	}
	return 0;
}

static int walk_section(struct walk *w, const config_setting_t *sec, int si)
{
	const char *sname = expfile_sec_name[si];
	if (!config_setting_is_group(sec))
		return fail(w, sec, sname, "expected a group { key = value; ... }");
	for (unsigned i = 0; i < (unsigned)config_setting_length(sec); i++) {
		const config_setting_t *s = config_setting_get_elem(sec, i);
		const char *name = config_setting_name(s);
		char kp[128];
		snprintf(kp, sizeof kp, "%s.%s", sname, name);
		const struct expfile_key *k = find_key(si, name);
		if (!k)
			return fail(w, s, kp, "unknown key (docs/experiments.md lists the keys)");
		if (k->kind == K_BOOL) {
			if (config_setting_type(s) != CONFIG_TYPE_BOOL)
				return fail(w, s, kp, "expected true or false");
			if (config_setting_get_bool(s))
				add_arg(w->e, k->flag, NULL, where_of(w, s, kp));
			continue;
		}
		char *v;
		if (scalar(w, s, kp, &v) != 0)
			return -1;
		add_arg(w->e, k->flag, v, where_of(w, s, kp));
	}
	return 0;
}

static int walk_root(struct walk *w, const config_setting_t *root)
{
	const config_setting_t *machines = NULL;
	for (unsigned i = 0; i < (unsigned)config_setting_length(root); i++) {
		const config_setting_t *s = config_setting_get_elem(root, i);
		const char *name = config_setting_name(s);
		if (!strcmp(name, "machines")) {
			machines = s;
			continue;
		}
		int si = 0;
		for (int j = S_ALL; j <= S_OBSERVE; j++)
			if (!strcmp(name, expfile_sec_name[j]))
				si = j;
		if (si) {
			if (walk_section(w, s, si) != 0)
				return -1;
			continue;
		}
		const struct expfile_key *k = find_key(S_TOP, name);
		if (!k)
			return fail(w, s, name, "unknown key (docs/experiments.md lists the keys)");
		if (k->kind == K_META) {
			if (config_setting_type(s) != CONFIG_TYPE_STRING)
				return fail(w, s, name, "expected a string");
			continue;
		}
		if (k->kind == K_BOOL) {
			if (config_setting_type(s) != CONFIG_TYPE_BOOL)
				return fail(w, s, name, "expected true or false");
			if (config_setting_get_bool(s))
				add_arg(w->e, k->flag, NULL, where_of(w, s, name));
			continue;
		}
		char *v;
		if (scalar(w, s, name, &v) != 0)
			return -1;
		add_arg(w->e, k->flag, v, where_of(w, s, name));
	}
	if (!machines) {
		snprintf(w->err, w->errlen, "%s: no machines = ( { groups = ( { image = ...; } ); } )",
			 w->name);
		return -1;
	}
	return walk_machines(w, machines);
}

// The line of the first "@include" (libconfig would open the file it names: an
// experiment is one file), or 0.
static unsigned include_line(const char *text, size_t len)
{
	unsigned line = 1;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n')
			line++;
		else if (text[i] == '@' && len - i >= 8 && !memcmp(text + i, "@include", 8))
			return line;
	}
	return 0;
}

int expfile_parse(const char *name, const char *text, size_t len, struct expfile *e,
		  char *err, size_t errlen)
{
	memset(e, 0, sizeof *e);
	err[0] = 0;
	if (len >= 4 && !memcmp(text, "\x7f"
				      "ELF",
				4)) {
		snprintf(err, errlen, "%s: an ELF image, not an experiment file (give an image "
				      "with --image FILE)",
			 name);
		return -1;
	}
	const char *nul = memchr(text, 0, len);
	if (nul) {
		unsigned line = 1;
		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		snprintf(err, errlen, "%s:%u: a NUL byte: not a text file", name, line);
		return -1;
	}
	unsigned inc = include_line(text, len);
	if (inc) {
		snprintf(err, errlen, "%s:%u: @include: an experiment is one file (no includes)",
			 name, inc);
		return -1;
	}
	char *buf = malloc(len + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	memcpy(buf, text, len);
	buf[len] = 0;
	config_t cfg;
	config_init(&cfg);
	int ok = config_read_string(&cfg, buf);
	free(buf);
	if (ok != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: %s", name, config_error_line(&cfg),
			 config_error_text(&cfg));
		config_destroy(&cfg);
		return -1;
	}
	e->name = xstrdup(name);
	struct walk w = { .e = e, .name = name, .err = err, .errlen = errlen };
	int rc = walk_root(&w, config_root_setting(&cfg));
	config_destroy(&cfg);
	if (rc != 0) {
		expfile_free(e);
		memset(e, 0, sizeof *e);
	}
	return rc;
}

int expfile_load(const char *path, struct expfile *e)
{
	memset(e, 0, sizeof *e);
	char why[160];
	if (args_regular_file(path, why, sizeof why) != 0)
		return args_error("%s: %s", path, why);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		int er = errno;
		if (fd >= 0)
			close(fd);
		return args_error("%s: cannot open: %s", path, strerror(er));
	}
	if (st.st_size > (off_t)EXPFILE_MAX_BYTES) {
		close(fd);
		return args_error("%s: %lld bytes: too large for an experiment file (at most "
				  "%u)",
				  path, (long long)st.st_size, EXPFILE_MAX_BYTES);
	}
	size_t len = (size_t)st.st_size;
	char *text = malloc(len + 1);
	size_t got = 0;
	while (text && got < len) {
		ssize_t r = read(fd, text + got, len - got);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			break;
		}
		got += (size_t)r;
	}
	close(fd);
	if (!text || got != len) {
		free(text);
		return args_error("%s: cannot read it whole", path);
	}
	char err[640];
	int rc = expfile_parse(path, text, len, e, err, sizeof err);
	free(text);
	if (rc != 0)
		return args_error("%s", err);
	return 0;
}

static void val_free(struct expfile_val *v)
{
	free(v->val);
	free(v->where);
}

void expfile_free(struct expfile *e)
{
	for (size_t i = 0; i < e->nargs; i++) {
		free(e->args[i].val);
		free(e->args[i].where);
	}
	free(e->args);
	for (uint32_t m = 0; m < e->nm; m++)
		for (uint32_t g = 0; g < e->m[m].ng; g++) {
			struct expfile_group *grp = &e->m[m].g[g];
			val_free(&grp->image);
			val_free(&grp->vms);
			val_free(&grp->mem);
			val_free(&grp->args);
			val_free(&grp->intr);
			val_free(&grp->tickets);
			for (uint32_t d = 0; d < grp->ndisks; d++)
				val_free(&grp->disks[d]);
		}
	free(e->name);
	memset(e, 0, sizeof *e);
}
