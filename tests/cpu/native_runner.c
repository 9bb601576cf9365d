// SPDX-License-Identifier: MIT
// The native side of the differential tests: a 32-bit process (built with gcc -m32 by a
// meson custom_target) that runs test cases on the host CPU.
//
// It reads struct diff_case records on stdin and writes struct diff_result records on
// stdout (diff_proto.h). For each case it fills the code pages with INT3, copies the
// code in, resets the data region, loads the 8 registers and EFLAGS (enter, below) and
// jumps to the code. The run ends in a signal: SIGTRAP from the INT3 after the code (or
// wherever a branch landed), or SIGFPE/SIGILL/SIGSEGV/SIGBUS for a fault. The handler
// runs on its own stack, copies the registers out of the signal context (the trap
// number gives the exact vector) and siglongjmps back to the loop.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#include "diff_proto.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

// Read by enter: EFLAGS, then EDI ESI EBP (ESP slot ignored) EBX EDX ECX EAX, as popal wants.
uint32_t diff_in_frame[9];
uint32_t diff_in_esp;
uint32_t diff_entry;
void diff_enter(void) __attribute__((noreturn));
__asm__(".text\n"
	".globl diff_enter\n"
	"diff_enter:\n"
	"  movl $diff_in_frame, %esp\n"
	"  popfl\n"
	"  popal\n"
	"  movl diff_in_esp, %esp\n"
	"  jmp *diff_entry\n");

static sigjmp_buf run_env;
static struct diff_result res;

static void on_signal(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	static const int map[8] = { REG_EAX, REG_ECX, REG_EDX, REG_EBX,
				    REG_ESP, REG_EBP, REG_ESI, REG_EDI };
	for (int i = 0; i < 8; i++)
		res.out.r[i] = (uint32_t)g[map[i]];
	res.out.eip = (uint32_t)g[REG_EIP];
	res.out.eflags = (uint32_t)g[REG_EFL];
	uint32_t trapno = (uint32_t)g[REG_TRAPNO];
	if (sig == SIGVTALRM) {
		res.kind = DIFF_END_TIMEOUT;
	} else if (sig == SIGTRAP && trapno == 3) {
		res.kind = DIFF_END_TRAP; // EIP is after the INT3
		res.out.eip -= 1;
	} else {
		res.kind = DIFF_END_FAULT;
		res.vector = trapno;
		res.fault_addr = (uint32_t)(uintptr_t)si->si_addr;
	}
	siglongjmp(run_env, 1);
}

static int read_full(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n) {
		ssize_t k = read(fd, p, n);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static void *map_fixed(uint32_t addr, uint32_t size, int prot)
{
	void *p = mmap((void *)(uintptr_t)addr, size, prot,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED || p != (void *)(uintptr_t)addr) {
		fprintf(stderr, "native_runner: cannot map %#x\n", addr);
		exit(2);
	}
	return p;
}

// Runs one case; fills res.
static void run_case(const struct diff_case *dc, uint8_t *code, uint8_t *data,
		     const uint8_t *ref)
{
	memset(code, 0xcc, DIFF_CODE_SIZE);
	uint32_t len = dc->code_len;
	if (dc->code_off > DIFF_CODE_SIZE || len > DIFF_CODE_SIZE - dc->code_off)
		len = 0;
	memcpy(code + dc->code_off, dc->code, len);
	__builtin___clear_cache((char *)code, (char *)code + DIFF_CODE_SIZE);
	diff_init_data(data, ref, dc);
	memset(&res, 0, sizeof res);
	res.magic = DIFF_MAGIC;
	// Only the flags a user program can set; AC and TF would disturb the host side.
	diff_in_frame[0] = (dc->in.eflags & 0xcd5u) | 0x202u;
	diff_in_frame[1] = dc->in.r[7];
	diff_in_frame[2] = dc->in.r[6];
	diff_in_frame[3] = dc->in.r[5];
	diff_in_frame[4] = 0;
	diff_in_frame[5] = dc->in.r[3];
	diff_in_frame[6] = dc->in.r[2];
	diff_in_frame[7] = dc->in.r[1];
	diff_in_frame[8] = dc->in.r[0];
	diff_in_esp = dc->in.r[4];
	diff_entry = DIFF_CODE_BASE + dc->code_off;
	// A case that never stops is cut off after 5 s of this process's own CPU time
	// (ITIMER_VIRTUAL), not of wall-clock time: a loaded host must not cut off a case.
	struct itimerval lim = { .it_value = { .tv_sec = 5 } }, off = { .it_value = { 0, 0 } };
	setitimer(ITIMER_VIRTUAL, &lim, NULL);
	if (sigsetjmp(run_env, 1) == 0)
		diff_enter();
	setitimer(ITIMER_VIRTUAL, &off, NULL);
	// Clear DF and AC for the host code (the signal frame keeps the guest's EFLAGS).
	__asm__ volatile("pushfl; andl $~0x40400, (%%esp); popfl" ::: "memory", "cc");
	diff_summarize_data(&res, data, ref, dc);
}

int main(void)
{
	uint8_t *code = map_fixed(DIFF_CODE_BASE, DIFF_CODE_SIZE,
				  PROT_READ | PROT_WRITE | PROT_EXEC);
	uint8_t *data = map_fixed(DIFF_DATA_BASE, DIFF_DATA_SIZE, PROT_READ | PROT_WRITE);
	static uint8_t ref[DIFF_DATA_SIZE];
	diff_init_ref(ref);

	static uint8_t altstack[1 << 16];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
	if (sigaltstack(&ss, NULL) != 0) {
		perror("native_runner: sigaltstack");
		return 2;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	int sigs[] = { SIGTRAP, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGVTALRM };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);

	static struct diff_case dc;
	while (read_full(0, &dc, sizeof dc) == 0) {
		if (dc.magic != DIFF_MAGIC) {
			fprintf(stderr, "native_runner: bad record\n");
			return 2;
		}
		run_case(&dc, code, data, ref);
		if (write_full(1, &res, sizeof res) != 0)
			return 2;
	}
	return 0;
}
