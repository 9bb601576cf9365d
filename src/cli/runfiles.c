// SPDX-License-Identifier: MIT
// The files of one run (runfiles.h): the checks made before anything is opened, and
// outputs written to a temporary file renamed into place at the end. The one piece of
// global state in the CLI is here: the signal handler must find the temporary files to
// remove, so `active` points at the prepared set until commit or abort.
#include "runfiles.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"

static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
#define NSIGNALS (sizeof signals / sizeof signals[0])

static struct runfiles *volatile active;  // the prepared set a signal cleans up
static struct sigaction saved[NSIGNALS];  // the handlers before prepare

static int fail(const char *flag, const char *shown, const char *fmt, const char *a)
	__attribute__((format(printf, 3, 0)));
// "denali run: FLAG SHOWN: " + fmt(a) on one line; returns 2.
static int fail(const char *flag, const char *shown, const char *fmt, const char *a)
{
	char msg[1024];
	snprintf(msg, sizeof msg, fmt, a);
	return args_error("%s %s: %s", flag, shown, msg);
}

void runfiles_init(struct runfiles *rf)
{
	memset(rf, 0, sizeof *rf);
}

static struct runfiles_entry *add(struct runfiles *rf, enum runfiles_kind kind,
				  const char *flag, const char *shown)
{
	if (rf->n == rf->cap) {
		unsigned cap = rf->cap ? rf->cap * 2 : 16;
		struct runfiles_entry *ne = realloc(rf->e, cap * sizeof *ne);
		if (!ne) {
			fail(flag, shown, "out of memory%s", "");
			return NULL;
		}
		rf->e = ne;
		rf->cap = cap;
	}
	struct runfiles_entry *e = &rf->e[rf->n++];
	*e = (struct runfiles_entry){ .kind = kind, .flag = flag, .shown = shown };
	return e;
}

int runfiles_input(struct runfiles *rf, enum runfiles_kind kind, const char *flag,
		   const char *path, bool may_create)
{
	struct runfiles_entry *e = add(rf, kind, flag, path);
	if (!e)
		return 2;
	e->may_create = may_create;
	return 0;
}

// Splits path into a newly allocated directory ("." when none) and its last part.
static int split(const char *path, char **dir, const char **name)
{
	const char *slash = strrchr(path, '/');
	if (!slash) {
		*dir = strdup(".");
		*name = path;
	} else {
		size_t n = slash == path ? 1 : (size_t)(slash - path);
		*dir = strndup(path, n);
		*name = slash + 1;
	}
	return *dir ? 0 : -1;
}

int runfiles_output(struct runfiles *rf, const char *flag, const char *path)
{
	struct runfiles_entry *e = add(rf, RUNFILES_OUTPUT, flag, path);
	if (!e)
		return -1;
	if (split(path, &e->dir, &e->name) != 0) {
		fail(flag, path, "out of memory%s", "");
		return -1;
	}
	return (int)(e - rf->e);
}

int runfiles_output_in(struct runfiles *rf, const char *flag, const char *dir,
		       const char *name)
{
	struct runfiles_entry *e = add(rf, RUNFILES_OUTPUT, flag, dir);
	if (!e)
		return -1;
	e->dir = strdup(dir);
	e->name = name;
	e->make_dir = true;
	if (!e->dir) {
		fail(flag, dir, "out of memory%s", "");
		return -1;
	}
	return (int)(e - rf->e);
}

// --- identity: which names are the same file -------------------------------------

struct ident {
	bool exists;          // stat succeeded: dev and ino are valid
	dev_t dev;
	ino_t ino;
	char *canon;          // the absolute name with its directory resolved (or NULL)
};

// dir + "/" + name, newly allocated.
static char *join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *s = malloc(a + b + 2);
	if (s) {
		memcpy(s, dir, a);
		s[a] = '/';
		memcpy(s + a + 1, name, b + 1);
	}
	return s;
}

// The canonical name of dir/name, where name need not exist (realpath of the
// directory, then name). dir itself may be missing when its parent exists (a --results
// directory to be created). NULL when the directory cannot be resolved.
static char *canon_in(const char *dir, const char *name)
{
	char *rd = realpath(dir, NULL);
	if (!rd) {
		char *pd;
		const char *last;
		if (split(dir, &pd, &last) != 0)
			return NULL;
		char *rp = realpath(pd, NULL);
		free(pd);
		if (!rp)
			return NULL;
		rd = join(rp, last);
		free(rp);
		if (!rd)
			return NULL;
	}
	char *c = join(rd, name);
	free(rd);
	return c;
}

static void ident_of(const struct runfiles_entry *e, struct ident *id)
{
	struct stat sb;
	memset(id, 0, sizeof *id);
	const char *path = e->kind == RUNFILES_OUTPUT ? e->final : e->shown;
	if (path && stat(path, &sb) == 0) {
		id->exists = true;
		id->dev = sb.st_dev;
		id->ino = sb.st_ino;
		id->canon = realpath(path, NULL);
		return;
	}
	if (e->kind == RUNFILES_OUTPUT) {
		id->canon = canon_in(e->dir, e->name);
	} else {
		char *d;
		const char *n;
		if (split(e->shown, &d, &n) == 0) {
			id->canon = canon_in(d, n);
			free(d);
		}
	}
}

static bool same(const struct ident *a, const struct ident *b)
{
	if (a->exists && b->exists)
		return a->dev == b->dev && a->ino == b->ino;
	return a->canon && b->canon && !strcmp(a->canon, b->canon);
}

// --- checks --------------------------------------------------------------------------

static int check_input(const struct runfiles_entry *e)
{
	struct stat sb;
	if (stat(e->shown, &sb) != 0) {
		if (errno == ENOENT && e->may_create) {
			char *d;
			const char *n;
			if (split(e->shown, &d, &n) != 0)
				return fail(e->flag, e->shown, "out of memory%s", "");
			int ok = stat(d, &sb) == 0 && S_ISDIR(sb.st_mode);
			int rc = ok ? 0 : fail(e->flag, e->shown, "cannot create it: directory %s "
					      "does not exist", d);
			free(d);
			return rc;
		}
		if (errno == ENOENT && e->kind == RUNFILES_DISK)
			return fail(e->flag, e->shown, "no such file (give a SIZE to create it, "
				    "e.g. %s:1M)", e->shown);
		return fail(e->flag, e->shown, "cannot open: %s", strerror(errno));
	}
	if (!S_ISREG(sb.st_mode))
		return fail(e->flag, e->shown, "%s, not a regular file", args_file_kind(sb.st_mode));
	return 0;
}

// Resolves an output's final name and checks where it goes.
static int check_output(struct runfiles_entry *e)
{
	struct stat sb;
	if (!*e->name)
		return fail(e->flag, e->shown, "names a directory; give a file name%s", "");
	if (stat(e->dir, &sb) != 0) {
		if (errno != ENOENT) {
			char msg[256];
			snprintf(msg, sizeof msg, "directory %.160s: %s", e->dir, strerror(errno));
			return fail(e->flag, e->shown, "%s", msg);
		}
		if (!e->make_dir)
			return fail(e->flag, e->shown, "directory %s does not exist", e->dir);
		// A directory the run creates: its parent must be there.
		char *pd;
		const char *last;
		if (split(e->dir, &pd, &last) != 0)
			return fail(e->flag, e->shown, "out of memory%s", "");
		int ok = stat(pd, &sb) == 0 && S_ISDIR(sb.st_mode);
		int rc = ok ? 0 : fail(e->flag, e->shown, "cannot create it: directory %s does "
				      "not exist", pd);
		free(pd);
		if (rc)
			return rc;
	} else if (!S_ISDIR(sb.st_mode)) {
		return fail(e->flag, e->shown, "%s is not a directory", e->dir);
	}
	free(e->final);
	e->final = join(e->dir, e->name);
	if (!e->final)
		return fail(e->flag, e->shown, "out of memory%s", "");
	if (lstat(e->final, &sb) != 0)
		return 0; // a new file
	if (S_ISLNK(sb.st_mode)) {
		// Write through the link: the file it points to is replaced, the link stays.
		char *target = realpath(e->final, NULL);
		if (!target)
			return fail(e->flag, e->shown, "a symbolic link to a missing file%s", "");
		free(e->final);
		e->final = target;
		if (stat(target, &sb) != 0)
			return fail(e->flag, e->shown, "cannot open: %s", strerror(errno));
		// The temporary file must be in the target's directory, for rename.
		char *d;
		const char *n;
		if (split(target, &d, &n) != 0)
			return fail(e->flag, e->shown, "out of memory%s", "");
		free(e->dir);
		e->dir = d;
		e->name = n; // points into e->final
	}
	if (!S_ISREG(sb.st_mode))
		return fail(e->flag, e->shown, "%s, not a regular file", args_file_kind(sb.st_mode));
	e->mode = sb.st_mode & 07777;
	return 0;
}

int runfiles_check(struct runfiles *rf)
{
	for (unsigned i = 0; i < rf->n; i++) {
		struct runfiles_entry *e = &rf->e[i];
		int rc = e->kind == RUNFILES_OUTPUT ? check_output(e) : check_input(e);
		if (rc)
			return rc;
	}
	// Same-file pairs: fine between two inputs, refused when either side is written.
	struct ident *id = calloc(rf->n ? rf->n : 1, sizeof *id);
	if (!id)
		return args_error("out of memory");
	for (unsigned i = 0; i < rf->n; i++)
		ident_of(&rf->e[i], &id[i]);
	int rc = 0;
	for (unsigned i = 0; i < rf->n && !rc; i++) {
		for (unsigned j = 0; j < i && !rc; j++) {
			const struct runfiles_entry *a = &rf->e[i], *b = &rf->e[j];
			if (a->kind == RUNFILES_INPUT && b->kind == RUNFILES_INPUT)
				continue;
			if (!same(&id[i], &id[j]))
				continue;
			// Name the refused one first: an output, else the read-write disk.
			const struct runfiles_entry *w = a;
			if (b->kind == RUNFILES_OUTPUT && a->kind != RUNFILES_OUTPUT)
				w = b;
			else if (a->kind == RUNFILES_INPUT)
				w = b;
			const struct runfiles_entry *o = w == a ? b : a;
			const char *why = "a read-write disk needs a file of its own";
			if (w->kind == RUNFILES_OUTPUT)
				why = o->kind == RUNFILES_OUTPUT ? "two outputs cannot share a file"
				      : "refusing to overwrite a file the run reads";
			rc = args_error("%s %s: the same file as %s %s (%s)", w->flag, w->shown,
					o->flag, o->shown, why);
		}
	}
	for (unsigned i = 0; i < rf->n; i++)
		free(id[i].canon);
	free(id);
	return rc;
}

// --- writing ---------------------------------------------------------------------

// Removes the temporary files and created directories, then dies of the signal. Only
// async-signal-safe calls; commit and abort block these signals while they change the
// entries, so the handler never sees a half-updated one.
static void on_signal(int sig)
{
	struct runfiles *rf = active;
	if (rf) {
		for (unsigned i = 0; i < rf->n; i++)
			if (rf->e[i].tmp)
				unlink(rf->e[i].tmp);
		for (unsigned i = rf->n; i-- > 0;)
			if (rf->e[i].made_dir)
				rmdir(rf->e[i].dir);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

// Blocks (or unblocks) the signals the handler catches.
static void block(bool on, sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < NSIGNALS; i++)
		sigaddset(&set, signals[i]);
	if (on)
		sigprocmask(SIG_BLOCK, &set, old);
	else
		sigprocmask(SIG_SETMASK, old, NULL);
}

static void handlers(bool on)
{
	for (size_t i = 0; i < NSIGNALS; i++) {
		if (on) {
			struct sigaction sa;
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = on_signal;
			sigemptyset(&sa.sa_mask);
			sigaction(signals[i], &sa, &saved[i]);
		} else {
			sigaction(signals[i], &saved[i], NULL);
		}
	}
}

// The temporary name next to e->final: DIR/.NAME.denali-PID.tmp (NAME cut to keep
// the whole name under NAME_MAX).
static char *tmp_name(const struct runfiles_entry *e)
{
	char base[NAME_MAX + 1];
	snprintf(base, sizeof base, ".%.200s.denali-%ld.tmp", e->name, (long)getpid());
	return join(e->dir, base);
}

int runfiles_prepare(struct runfiles *rf)
{
	if (rf->prepared)
		return 0;
	rf->prepared = true;
	active = rf;
	handlers(true);
	for (unsigned i = 0; i < rf->n; i++) {
		struct runfiles_entry *e = &rf->e[i];
		if (e->kind != RUNFILES_OUTPUT)
			continue;
		if (e->make_dir) {
			// A signal delivered as mkdir returns must see made_dir set
			// (2026-12-07: cli_files' SIGHUP case left --results behind under
			// load once).
			sigset_t old;
			block(true, &old);
			if (mkdir(e->dir, 0777) == 0)
				e->made_dir = true;
			block(false, &old);
		}
		char *tmp = tmp_name(e);
		if (!tmp) {
			fail(e->flag, e->shown, "out of memory%s", "");
			goto fail;
		}
		e->tmp = tmp; // before the file exists, so a signal from now on removes it
		int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno == EEXIST) {
			// Left by a crashed run whose process id we now have: ours to remove.
			unlink(tmp);
			fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		}
		if (fd < 0) {
			fail(e->flag, e->shown, "cannot create a file in its directory: %s",
			     strerror(errno));
			e->tmp = NULL;
			free(tmp);
			goto fail;
		}
		if (e->mode)
			(void)fchmod(fd, e->mode); // keep the replaced file's permission bits
		close(fd);
	}
	return 0;
fail:
	runfiles_abort(rf);
	return 2;
}

const char *runfiles_tmp(const struct runfiles *rf, int id)
{
	return rf->e[id].tmp;
}

const char *runfiles_shown(const struct runfiles *rf, int id)
{
	return rf->e[id].shown;
}

FILE *runfiles_fopen(const struct runfiles *rf, int id)
{
	const struct runfiles_entry *e = &rf->e[id];
	FILE *f = fopen(e->tmp, "w");
	if (!f)
		fail(e->flag, e->shown, "cannot write: %s", strerror(errno));
	return f;
}

int runfiles_commit(struct runfiles *rf)
{
	sigset_t old;
	block(true, &old);
	int rc = 0;
	for (unsigned i = 0; i < rf->n && !rc; i++) {
		struct runfiles_entry *e = &rf->e[i];
		if (e->kind != RUNFILES_OUTPUT || !e->tmp)
			continue;
		if (rename(e->tmp, e->final) != 0) {
			rc = fail(e->flag, e->shown, "cannot write: %s", strerror(errno));
			break;
		}
		free(e->tmp);
		e->tmp = NULL;
		e->made_dir = false; // it holds an output now: keep it
	}
	block(false, &old);
	runfiles_abort(rf); // removes what is left; restores the signal handlers
	return rc;
}

void runfiles_abort(struct runfiles *rf)
{
	sigset_t old;
	block(true, &old);
	for (unsigned i = 0; i < rf->n; i++) {
		struct runfiles_entry *e = &rf->e[i];
		if (e->tmp) {
			unlink(e->tmp);
			free(e->tmp);
			e->tmp = NULL;
		}
	}
	for (unsigned i = rf->n; i-- > 0;) {
		if (rf->e[i].made_dir)
			rmdir(rf->e[i].dir); // only when empty: never removes a user's files
		rf->e[i].made_dir = false;
	}
	if (rf->prepared && active == rf) {
		handlers(false);
		active = NULL;
	}
	block(false, &old);
}

void runfiles_free(struct runfiles *rf)
{
	runfiles_abort(rf);
	for (unsigned i = 0; i < rf->n; i++) {
		free(rf->e[i].dir);
		free(rf->e[i].final);
	}
	free(rf->e);
	memset(rf, 0, sizeof *rf);
}
