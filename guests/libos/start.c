// SPDX-License-Identifier: MIT
// The C half of crt0: turns the command line (`denali run --args`, written at boot to
// DENALI_CMDLINE_ADDR, cmdline_len bytes, docs/isa.md 6) into main's argv, then runs
// main(argc, argv, envp) and exit(status).
//
// Words are separated by runs of spaces, tabs or newlines; there is no quoting.
// argv[0] is "guest", argv[argc] is NULL, envp is an empty list. The line is copied
// into .bss first: it is bounded by DENALI_CMDLINE_MAX whatever cmdline_len says, a
// missing NUL or a stray byte cannot run past it, and the words stay writable as C
// allows. A main declared with no parameters also works: in the i386 cdecl ABI the
// caller pops the arguments, so extra ones are harmless.
#include <denali.h>
#include <stdlib.h>

int main(int argc, char **argv, char **envp);

static char cmdline[DENALI_CMDLINE_MAX + 1];
// Every other byte can start a word, plus argv[0] and the terminating NULL.
static char *argv_buf[(DENALI_CMDLINE_MAX + 1) / 2 + 2];
static char *envp_buf[1];
static char argv0[] = "guest";

static int is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Splits the command line into argv_buf; returns argc. Also used by tests through
// denali_start only, so it keeps no state beyond the buffers above.
static int split_cmdline(void)
{
	volatile struct denali_vregs *v = denali_vregs();
	uint32_t len = v->cmdline_len;
	if (len > DENALI_CMDLINE_MAX)
		len = DENALI_CMDLINE_MAX;
	const volatile char *src = (const volatile char *)DENALI_CMDLINE_ADDR;
	uint32_t n = 0;
	while (n < len && src[n] != '\0') {
		cmdline[n] = src[n];
		n++;
	}
	cmdline[n] = '\0';
	int argc = 0;
	argv_buf[argc++] = argv0;
	for (char *p = cmdline; *p;) {
		while (is_sep(*p))
			*p++ = '\0';
		if (*p == '\0')
			break;
		argv_buf[argc++] = p;
		while (*p && !is_sep(*p))
			p++;
	}
	argv_buf[argc] = NULL;
	return argc;
}

// Set by <denali_sched.h> in a program built with -DDENALI_IDLE_NO_TIMEOUT=1.
extern const int denali_idle_no_timeout_default __attribute__((weak));
extern int denali_idle_timeout;

__attribute__((noreturn)) void denali_start(void);
void denali_start(void)
{
	if (&denali_idle_no_timeout_default != NULL && denali_idle_no_timeout_default)
		denali_idle_timeout = 0;
	int argc = split_cmdline();
	exit(main(argc, argv_buf, envp_buf));
}
