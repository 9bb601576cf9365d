// SPDX-License-Identifier: MIT
// Experiment files, the second half (expfile.h): an experiment and the command line
// merged into the argv of the run (expfile_argv), and a run's argv written back as an
// experiment file (expfile_print, `denali run --print-config`), built with libconfig's
// writer. The keys themselves are expfile.c's table.
#include <libconfig.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "expfile.h"
#include "opts.h"

// The flags without a value; every other "--" flag takes one (opts.c and the rest).
static const char *const bools[] = { "--quiet", "--gdb-wait", "--no-ipv4", "--arp-flood",
				     "--no-progress", "-h", "--help" };

static bool is_bool(const char *flag)
{
	for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++)
		if (!strcmp(bools[i], flag))
			return true;
	return false;
}

// One element of a command line: its flag ("--vms", copied into flag) and value (NULL
// for a flag without one, or when the value is missing: opts_parse says so). Returns
// the elements used (1 or 2).
static int cli_elem(int argc, char **argv, int i, char *flag, size_t flaglen, const char **val)
{
	const char *a = argv[i];
	const char *eq = strncmp(a, "--", 2) ? NULL : strchr(a, '=');
	if (eq) {
		snprintf(flag, flaglen, "%.*s", (int)(eq - a), a);
		*val = eq + 1;
		return 1;
	}
	snprintf(flag, flaglen, "%s", a);
	*val = NULL;
	if (a[0] != '-' || is_bool(a) || i + 1 >= argc)
		return 1;
	*val = argv[i + 1];
	return 2;
}

struct out {
	int n, cap;
	char **argv;
	const char **where;
};

static void push(struct out *o, const char *s, const char *where)
{
	if (o->n + 1 >= o->cap) {
		int cap = o->cap ? o->cap * 2 : 64;
		char **na = realloc(o->argv, (size_t)cap * sizeof *na);
		const char **nw = na ? realloc(o->where, (size_t)cap * sizeof *nw) : NULL;
		if (!na || !nw) {
			fputs("denali run: out of memory\n", stderr);
			exit(2);
		}
		o->argv = na;
		o->where = nw;
		o->cap = cap;
	}
	char *d = strdup(s);
	char *w = where ? strdup(where) : NULL;
	if (!d || (where && !w)) {
		fputs("denali run: out of memory\n", stderr);
		exit(2);
	}
	o->where[o->n] = w;
	o->argv[o->n++] = d;
	o->argv[o->n] = NULL;
}

static void push2(struct out *o, const char *flag, const char *val, const char *where)
{
	push(o, flag, where);
	if (val)
		push(o, val, where);
}

// The command line's structural overrides (expfile.h).
struct over {
	const char *v[3][4]; // [first group, client, group][image, vms, mem, args]
};

static int over_slot(const char *flag, int *kind, int *field)
{
	static const char *const names[3][4] = {
		{ "--image", "--vms", "--mem", "--args" },
		{ NULL, "--client-vms", "--client-mem", "--client-args" },
		{ NULL, "--group-vms", "--group-mem", "--group-args" },
	};
	for (int k = 0; k < 3; k++)
		for (int f = 0; f < 4; f++)
			if (names[k][f] && !strcmp(names[k][f], flag)) {
				*kind = k;
				*field = f;
				return 1;
			}
	return 0;
}

// A group's VM count (the command line's or the file's). Returns 0, or 2 after a line.
static int group_count(const struct expfile_val *v, const char *cli, const char *flag,
		       uint32_t *n)
{
	const char *val = cli ? cli : v->val ? v->val
					     : "1";
	uint64_t c;
	char why[160];
	if (args_count(val, 1, MAX_VMS, &c, why, sizeof why) != 0) {
		args_where(cli ? NULL : v->where);
		args_bad(flag, val, why);
		args_where(NULL);
		return 2;
	}
	*n = (uint32_t)c;
	return 0;
}

static bool cli_has(int argc, char **argv, int first, const char *want)
{
	for (int i = first; i < argc;) {
		char flag[64];
		const char *val;
		int used = cli_elem(argc, argv, i, flag, sizeof flag, &val);
		if (!strcmp(flag, want))
			return true;
		i += used;
	}
	return false;
}

// One machine's groups as flags; *next is the machine's next VM id.
static int emit_machine(struct out *o, const struct expfile_machine *mm, uint32_t m,
			const struct over *ov, int argc, char **argv, int first)
{
	static const char *const fl[3][4] = {
		{ "--image", "--vms", "--mem", "--args" },
		{ "--client", "--client-vms", "--client-mem", "--client-args" },
		{ "--group", "--group-vms", "--group-mem", "--group-args" },
	};
	bool cli_intr = cli_has(argc, argv, first, "--intr-group");
	bool cli_tickets = cli_has(argc, argv, first, "--tickets");
	bool cli_disk = cli_has(argc, argv, first, "--disk");
	uint32_t next = 0;
	for (uint32_t g = 0; g < mm->ng; g++) {
		const struct expfile_group *grp = &mm->g[g];
		int kind = g ? 2 : m ? 1
				     : 0;
		const struct expfile_val *v[4] = { &grp->image, &grp->vms, &grp->mem, &grp->args };
		for (int f = 0; f < 4; f++) {
			const char *cli = ov->v[kind][f];
			if (cli)
				push2(o, fl[kind][f], cli, NULL);
			else if (v[f]->val)
				push2(o, fl[kind][f], v[f]->val, v[f]->where);
		}
		uint32_t n;
		if (group_count(&grp->vms, ov->v[kind][1], fl[kind][1], &n) != 0)
			return 2;
		char range[48], val[4096];
		snprintf(range, sizeof range, "%u-%u", next, next + n - 1);
		if (grp->intr.val && !cli_intr) {
			snprintf(val, sizeof val, "%s=%s", range, grp->intr.val);
			push2(o, "--intr-group", val, grp->intr.where);
		}
		if (grp->tickets.val && !cli_tickets) {
			snprintf(val, sizeof val, "%s=%s", range, grp->tickets.val);
			push2(o, "--tickets", val, grp->tickets.where);
		}
		for (uint32_t d = 0; d < grp->ndisks && !cli_disk; d++) {
			if (strstr(grp->disks[d].val, ":vms=")) {
				args_where(grp->disks[d].where);
				args_bad("--disk", grp->disks[d].val, "a group's disk is for its own "
								      "VMs: give no vms= (or list it in machines.[0].disks)");
				args_where(NULL);
				return 2;
			}
			snprintf(val, sizeof val, "%s:vms=%s", grp->disks[d].val, range);
			push2(o, "--disk", val, grp->disks[d].where);
		}
		next += n;
	}
	return 0;
}

int expfile_argv(const struct expfile *e, int argc, char **argv, int first, int *out_argc,
		 char ***out_argv, const char ***where)
{
	struct out o = { 0 };
	struct over ov = { 0 };
	push(&o, "run", NULL);
	if (!e) { // no file: the command line as it is
		for (int i = first; i < argc; i++)
			push(&o, argv[i], NULL);
		*out_argc = o.n;
		*out_argv = o.argv;
		*where = o.where;
		return 0;
	}
	// The command line: structural overrides, refusals, and the flags it gives.
	for (int i = first; i < argc;) {
		char flag[64];
		const char *val;
		int used = cli_elem(argc, argv, i, flag, sizeof flag, &val);
		int kind, field;
		if (!strcmp(flag, "--client") || !strcmp(flag, "--group")) {
			expfile_argv_free(o.n, o.argv, o.where);
			return args_error("%s: not with an experiment file (%s describes the "
					  "machines and their groups: edit it, or give --client-vms, "
					  "--group-vms ... to change every one)",
					  flag, e->name);
		}
		if (val && over_slot(flag, &kind, &field))
			ov.v[kind][field] = val;
		i += used;
	}
	// The file's flags the command line does not give.
	for (size_t a = 0; a < e->nargs; a++)
		if (!cli_has(argc, argv, first, e->args[a].flag))
			push2(&o, e->args[a].flag, e->args[a].val, e->args[a].where);
	for (uint32_t m = 0; m < e->nm; m++)
		if (emit_machine(&o, &e->m[m], m, &ov, argc, argv, first) != 0) {
			expfile_argv_free(o.n, o.argv, o.where);
			return 2;
		}
	// The command line's own flags, but the structural ones used above.
	for (int i = first; i < argc;) {
		char flag[64];
		const char *val;
		int used = cli_elem(argc, argv, i, flag, sizeof flag, &val);
		int kind, field;
		if (!(val && over_slot(flag, &kind, &field)))
			for (int j = 0; j < used; j++)
				push(&o, argv[i + j], NULL);
		i += used;
	}
	*out_argc = o.n;
	*out_argv = o.argv;
	*where = o.where;
	return 0;
}

void expfile_argv_free(int argc, char **argv, const char **where)
{
	for (int i = 0; i < argc; i++) {
		free(argv[i]);
		free((char *)where[i]);
	}
	free(argv);
	free(where);
}

// ---- --print-config ----

#define PRINT_MAX_LIST 64

struct pmachine {
	const char *g[EXPFILE_MAX_GROUPS][4]; // image, vms, mem, args
	uint32_t ng;
};

// Adds a value: a small decimal as an integer, anything else as a string.
static void add_value(config_setting_t *parent, const char *name, const char *val)
{
	size_t n = strlen(val);
	bool digits = n > 0 && n <= 9 && strspn(val, "0123456789") == n &&
		      (val[0] != '0' || n == 1);
	config_setting_t *s = config_setting_add(parent, name,
						 digits ? CONFIG_TYPE_INT : CONFIG_TYPE_STRING);
	if (!s)
		return;
	if (digits)
		config_setting_set_int(s, atoi(val));
	else
		config_setting_set_string(s, val);
}

// A key of expfile.c's table, as --print-config sees it.
struct pkey {
	const char *sec, *key, *flag, *fill;
	bool is_bool, is_list;
};

int expfile_print(FILE *f, int argc, char **argv)
{
	size_t nkeys;
	const struct expfile_key *tab = expfile_key_table(&nkeys);
	struct pkey pk[128];
	size_t npk = 0;
	for (size_t i = 0; i < nkeys && npk < 128; i++) {
		const struct expfile_key *k = &tab[i];
		if (!k->flag || k->sec == EXPFILE_S_GROUP)
			continue;
		pk[npk++] = (struct pkey){ k->sec ? expfile_sec_name[k->sec] : "-", k->key, k->flag,
					   k->fill, k->kind == EXPFILE_K_BOOL,
					   k->kind == EXPFILE_K_LIST };
	}
	// The values the argv gives.
	const char *single[128] = { NULL };
	const char *list[128][PRINT_MAX_LIST];
	uint32_t nlist[128] = { 0 };
	struct pmachine *pm = calloc(EXPFILE_MAX_MACHINES, sizeof *pm);
	if (!pm)
		return -1;
	uint32_t nm = 1, cur_m = 0;
	pm[0].ng = 1;
	struct pmachine *cm = &pm[0];
	const char **cg = cm->g[0];
	for (int i = 1; i < argc;) {
		char flag[64];
		const char *val;
		i += cli_elem(argc, argv, i, flag, sizeof flag, &val);
		int kind, field;
		if (!strcmp(flag, "--client") && val && nm < EXPFILE_MAX_MACHINES) {
			cur_m = nm++;
			cm = &pm[cur_m];
			cm->ng = 1;
			cg = cm->g[0];
			cg[0] = val;
		} else if (!strcmp(flag, "--group") && val && cm->ng < EXPFILE_MAX_GROUPS) {
			cg = cm->g[cm->ng++];
			cg[0] = val;
		} else if (val && over_slot(flag, &kind, &field)) {
			const char **tg = kind == 0 ? pm[0].g[0] : cg;
			tg[field] = val;
		} else {
			for (size_t k = 0; k < npk; k++) {
				if (strcmp(pk[k].flag, flag))
					continue;
				if (pk[k].is_list && val && nlist[k] < PRINT_MAX_LIST)
					list[k][nlist[k]++] = val;
				else
					single[k] = pk[k].is_bool ? "true" : val;
			}
		}
	}
	(void)cur_m;
	config_t cfg;
	config_init(&cfg);
	config_setting_t *root = config_root_setting(&cfg);
	static const char *const secs[] = { "-", "all_machines", "link", "traces", "observe" };
	for (size_t s = 0; s < sizeof secs / sizeof secs[0]; s++) {
		config_setting_t *parent = root;
		for (size_t k = 0; k < npk; k++) {
			if (strcmp(pk[k].sec, secs[s]) || pk[k].is_list)
				continue;
			const char *v = single[k] ? single[k] : pk[k].fill;
			if (!v && !strcmp(pk[k].flag, "--link-latency") && nm > 1)
				v = "20us";
			if (!v)
				continue;
			if (parent == root && s)
				parent = config_setting_add(root, secs[s], CONFIG_TYPE_GROUP);
			if (pk[k].is_bool) {
				config_setting_t *b = config_setting_add(parent, pk[k].key,
									 CONFIG_TYPE_BOOL);
				if (b)
					config_setting_set_bool(b, 1);
			} else {
				add_value(parent, pk[k].key, v);
			}
		}
	}
	config_setting_t *ml = config_setting_add(root, "machines", CONFIG_TYPE_LIST);
	for (uint32_t m = 0; m < nm; m++) {
		config_setting_t *mg = config_setting_add(ml, NULL, CONFIG_TYPE_GROUP);
		config_setting_t *gl = config_setting_add(mg, "groups", CONFIG_TYPE_LIST);
		for (uint32_t g = 0; g < pm[m].ng; g++) {
			config_setting_t *go = config_setting_add(gl, NULL, CONFIG_TYPE_GROUP);
			const char **v = pm[m].g[g];
			add_value(go, "image", v[0] ? v[0] : "");
			add_value(go, "vms", v[1] ? v[1] : "1");
			add_value(go, "mem", v[2] ? v[2] : "4M");
			if (v[3])
				add_value(go, "args", v[3]);
		}
		for (size_t k = 0; m == 0 && k < npk; k++) {
			if (!pk[k].is_list || !nlist[k])
				continue;
			config_setting_t *l = config_setting_add(mg, pk[k].key, CONFIG_TYPE_LIST);
			for (uint32_t j = 0; j < nlist[k]; j++)
				config_setting_set_string(config_setting_add(l, NULL, CONFIG_TYPE_STRING),
							  list[k][j]);
		}
	}
	fprintf(f, "# A denali experiment (docs/experiments.md), written by denali run "
		   "--print-config:\n# every flag of the run, defaults filled in.\n");
	config_write(&cfg, f);
	config_destroy(&cfg);
	free(pm);
	fflush(f);
	return ferror(f) ? -1 : 0;
}
