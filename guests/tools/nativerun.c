// SPDX-License-Identifier: MIT
// nativerun: runs a denali guest image directly on the host CPU, as a 32-bit Linux
// process, to check guests (and later the interpreter) against real hardware.
//   nativerun [--vm-id N] [--mem-size BYTES] [--count 1 [--count-jobs J [--cut-at ADDR]]]
//             [--args STRING] image.elf
// It maps the virtual-register page at 0x1000 and guest memory 0x2000..mem_size at
// their guest addresses (needs vm.mmap_min_addr <= 4096), copies the PT_LOAD segments
// in, sets ESP = mem_size and the other registers to 0, and jumps to the entry point.
// The Denali parts of the ABI trap and are emulated in signal handlers:
//   0F 0C 01 (terminate, #UD -> SIGILL)  exit with status EAX (low 8 bits, as Linux)
//   0F 0C 00 (idle, SIGILL)              returns at once (no interrupts here)
//   IN EAX, DX with DX = 0x100 (#GP -> SIGSEGV)  console write: write(1, ESI, ECX)
//   OUT 0xE9, AL / OUT DX, AL with DX = 0xE9     one console byte
//   IN EAX, DX with any other DX                 EAX = 0, as an unknown or absent
//                                                device reads in the simulator (so the
//                                                results ports, disks and console input
//                                                answer "nothing", not a fault)
//   OUT DX, EAX                                  ignored (the timer cannot fire here)
// --args STRING is the command line (docs/isa.md 6: cmdline_len and the string at
// DENALI_CMDLINE_ADDR), as `denali run --args` gives it; libos crt0 makes it argv.
// Any other fault prints one line (EIP, bytes, signal) and exits 3; bad input exits 2.
// Differences from the simulator: no time, no interrupts, no other devices, and the
// vregs page is written once. --count 1 single-steps the guest (EFLAGS.TF) and prints
// "nativerun: N instructions" to stderr at terminate, a REP string instruction
// counting once as in the interpreter; slow (a signal per instruction or REP
// iteration, ~20-50 us each on a loaded host), so it is for small guests only.
// --count-jobs J (with --count 1) counts the same run in J processes at once. The
// emulated instructions (console writes, port accesses, idle, terminate: the events)
// cut the run into segments (segment s: after event s through event s + 1; segment 0
// starts at the entry point). J forked copies each run the whole program: at each
// event a copy claims the next segment if no copy has (an atomic flag in shared
// memory) and single-steps it, else runs it at full speed, so a free copy races ahead
// to the first unclaimed segment. Each segment is counted by exactly one copy and the
// copies' counts add up to the one N; the parent checks that every copy saw the same
// events and exit status. Only the first copy writes the console. --cut-at ADDR[,ADDR...]
// (up to 8) makes each execution of the instruction at ADDR an event too (an int3
// there, taken out while that instruction runs), for a guest with few emulated
// instructions: libctest writes its console once, at the end, but calls check() 189
// times.
// Without --count, a runaway guest is ended after 60 s times the test timeout
// multiplier (DENALI_TIMEOUT_MULTIPLIER, else DENALI_SETUP_TIMEOUT_MULTIPLIER, as
// tests/lib/hangguard.py; <= 0: never).
// Built as a static -fno-pie -m32 program by guests/meson.build.
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include <denali/abi.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

// Where the guest starts; read by the final indirect jump.
static uint32_t guest_entry;
static uint32_t guest_mem_size; // for bounds checks in the fault report
static uint64_t guest_steps;     // --count: instructions counted so far
static int count_steps;
static int counting;             // --count: stepping now (EFLAGS.TF set)
static uint32_t events;          // emulated instructions so far (the events, from 1)

// --count-jobs: the segments' claims, and what each copy reports to the parent.
#define MAX_JOBS 16
#define MAX_CLAIMS (1u << 20) // segments past these are all counted by copy 0
struct shared {
	uint8_t claimed[MAX_CLAIMS];
	struct {
		uint64_t steps;
		uint32_t events, done, segments;
	} part[MAX_JOBS];
};
static struct shared *shm;
static int part_no = -1;     // -1: the whole run in this process; else this copy
static uint32_t segments;    // --count-jobs: segments this copy counted
#define MAX_CUTS 8
static uint32_t cut_at[MAX_CUTS]; // --cut-at: instructions whose executions are events too
static uint8_t cut_byte[MAX_CUTS]; // the first byte of each, where its int3 is
static int cuts;                  // how many
static int cut_rearm = -1;        // stepping cut_at[cut_rearm], to put its int3 back after
static uint8_t altstack[64 * 1024];

static void die_input(const char *path, const char *what)
{
	fprintf(stderr, "nativerun: %s: %s\n", path, what);
	exit(2);
}

// Writes a buffer to stdout completely; returns bytes written or -1.
static int write_all(const uint8_t *p, uint32_t n)
{
	uint32_t done = 0;
	while (done < n) {
		ssize_t w = write(1, p + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		done += (uint32_t)w;
	}
	return (int)done;
}

static int console_quiet; // a --count-jobs copy other than the first

static void guest_fault(int sig, greg_t *g)
{
	const uint8_t *ip = (const uint8_t *)g[REG_EIP];
	char msg[160];
	int n = snprintf(msg, sizeof msg, "nativerun: guest fault: signal %d at eip %#x", sig,
		(unsigned)g[REG_EIP]);
	uint32_t eip = (uint32_t)g[REG_EIP];
	if (eip >= DENALI_MEM_BASE && eip < guest_mem_size - 3)
		n += snprintf(msg + n, sizeof msg - (size_t)n, " bytes %02x %02x %02x", ip[0], ip[1],
			ip[2]);
	snprintf(msg + n, sizeof msg - (size_t)n, "\n");
	if (!console_quiet) // --count-jobs: the first copy says it
		write_all((const uint8_t *)msg, (uint32_t)strlen(msg));
	_exit(3);
}

// --count: is the instruction at ip a REP/REPE/REPNE string instruction (MOVS, CMPS,
// STOS, LODS, SCAS; INS/OUTS fault here and are not stepped)? Prefixes in any order.
static uint32_t last_trap_eip;
static int rep_string_at(const uint8_t *ip)
{
	int rep = 0;
	for (int i = 0; i < 15; i++, ip++) {
		switch (*ip) {
		case 0xf2: case 0xf3: rep = 1; continue;
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65: case 0x66:
		case 0x67: case 0xf0: continue;
		}
		return rep && ((*ip >= 0xa4 && *ip <= 0xa7) || (*ip >= 0xaa && *ip <= 0xaf));
	}
	return 0;
}

// At terminate: report (the parent of --count-jobs reads shm) and exit with the status.
static void finish(int status)
{
	// The process that counts from the entry point (the only one, or copy 0) also
	// counted the loader's jump into the guest (the first trap after popfl sets TF).
	uint64_t n = guest_steps - (count_steps && part_no <= 0 ? 1 : 0);
	if (part_no >= 0) {
		shm->part[part_no].steps = n;
		shm->part[part_no].events = events;
		shm->part[part_no].segments = segments;
		shm->part[part_no].done = 1;
	} else if (count_steps) {
		char msg[64];
		snprintf(msg, sizeof msg, "nativerun: %llu instructions\n", (unsigned long long)n);
		if (write(2, msg, strlen(msg)) < 0)
			_exit(3);
	}
	_exit(status);
}

// Console output (not from the quiet --count-jobs copies, which still return the length
// as if written, so that every copy runs the same instructions).
static int console_out(const uint8_t *p, uint32_t n)
{
	return console_quiet ? (int)n : write_all(p, n);
}

// --count-jobs: an event ended a segment (the event's instruction counted in it, if this
// copy counted it); the next one starts. Counts it if this copy claims it first; sets
// TF for stepping (or for putting the --cut-at int3 back).
static void next_segment(greg_t *g)
{
	int mine = events < MAX_CLAIMS ? __sync_bool_compare_and_swap(&shm->claimed[events], 0, 1)
				       : part_no == 0;
	counting = mine;
	segments += (uint32_t)mine;
	if (counting || cut_rearm >= 0)
		g[REG_EFL] |= 0x100; // TF: trap after the next instruction
	else
		g[REG_EFL] &= ~(greg_t)0x100;
}

// Handles SIGILL (Denali instructions), SIGSEGV (port I/O, real faults) and SIGTRAP
// (--count: one step).
static void on_trap(int sig, siginfo_t *si, void *uc_void)
{
	(void)si;
	ucontext_t *uc = uc_void;
	greg_t *g = uc->uc_mcontext.gregs;
	const uint8_t *ip = (const uint8_t *)g[REG_EIP];
	uint16_t dx = (uint16_t)g[REG_EDX];
	if (sig == SIGTRAP) { // --count: one step (or --cut-at's int3)
		uint32_t eip = (uint32_t)g[REG_EIP];
		for (int k = 0; k < cuts && cut_rearm < 0; k++) {
			if (eip != cut_at[k] + 1 || *(uint8_t *)(uintptr_t)cut_at[k] != 0xcc)
				continue;
			// An int3 of --cut-at (not a guest instruction): an event. Put the
			// instruction back and step it; the trap after it re-arms the int3.
			*(uint8_t *)(uintptr_t)cut_at[k] = cut_byte[k];
			g[REG_EIP] = (greg_t)cut_at[k];
			cut_rearm = k;
			events++;
			last_trap_eip = cut_at[k];
			next_segment(g);
			return;
		}
		// A REP string instruction traps after each iteration with EIP still at it;
		// only the step that leaves it (its last iteration, or none) retires it, as
		// the interpreter counts it: once.
		if (counting && !(eip == last_trap_eip && rep_string_at(ip)))
			guest_steps++;
		last_trap_eip = eip;
		if (cut_rearm >= 0 && eip != cut_at[cut_rearm]) { // it ran: re-arm
			*(uint8_t *)(uintptr_t)cut_at[cut_rearm] = 0xcc;
			cut_rearm = -1;
			if (!counting)
				g[REG_EFL] &= ~(greg_t)0x100;
		}
		return;
	}
	// An instruction we emulate: the next event.
	if (sig == SIGILL && ip[0] == 0x0f && ip[1] == 0x0c && ip[2] == DENALI_OP_TERMINATE) {
		events++;
		if (counting)
			guest_steps++;
		finish((int)g[REG_EAX] & 0xff);
	}
	if (sig == SIGILL && ip[0] == 0x0f && ip[1] == 0x0c && ip[2] == DENALI_OP_IDLE) {
		g[REG_EIP] += 3;
	} else if (sig == SIGSEGV && ip[0] == 0xed && dx == DENALI_PORT_CONSOLE_WRITE) {
		// in eax, dx
		g[REG_EAX] = (greg_t)console_out((const uint8_t *)g[REG_ESI], (uint32_t)g[REG_ECX]);
		g[REG_EIP] += 1;
	} else if (sig == SIGSEGV && ip[0] == 0xed) { // in eax, dx: any other port reads 0
		g[REG_EAX] = 0;
		g[REG_EIP] += 1;
	} else if (sig == SIGSEGV && ip[0] == 0xef) { // out dx, eax: ignored
		g[REG_EIP] += 1;
	} else if (sig == SIGSEGV && ip[0] == 0xe6 && ip[1] == DENALI_PORT_DEBUGCON) {
		// out imm8, al
		uint8_t ch = (uint8_t)g[REG_EAX];
		console_out(&ch, 1);
		g[REG_EIP] += 2;
	} else if (sig == SIGSEGV && ip[0] == 0xee && dx == DENALI_PORT_DEBUGCON) { // out dx, al
		uint8_t ch = (uint8_t)g[REG_EAX];
		console_out(&ch, 1);
		g[REG_EIP] += 1;
	} else {
		guest_fault(sig, g);
	}
	events++;
	if (counting)
		guest_steps++; // the instruction we emulated: the end of a segment
	// The next trap comes after the instruction we resume at, or after the first
	// iteration of a REP string instruction there, which is not a retirement.
	last_trap_eip = (uint32_t)g[REG_EIP];
	// --count-jobs: segment `events` starts here; step it if this copy claims it first.
	if (part_no >= 0)
		next_segment(g);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		die_input(path, strerror(errno));
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (buf == NULL)
			die_input(path, "out of memory");
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
		buf = realloc(buf, cap);
	}
	fclose(f);
	*len = n;
	return buf;
}

// Copies the image's PT_LOAD segments into guest memory; sets guest_entry.
static void load_elf(const char *path, uint32_t mem_size)
{
	size_t len;
	uint8_t *img = read_file(path, &len);
	Elf32_Ehdr eh;
	if (len < sizeof eh)
		die_input(path, "too short for an ELF header");
	memcpy(&eh, img, sizeof eh);
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS32 ||
	    eh.e_machine != EM_386 || eh.e_type != ET_EXEC)
		die_input(path, "not an ELF32 i386 executable");
	if (eh.e_phentsize != sizeof(Elf32_Phdr) || eh.e_phoff > len ||
	    (size_t)eh.e_phnum * sizeof(Elf32_Phdr) > len - eh.e_phoff)
		die_input(path, "program headers out of the file");
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf32_Phdr ph;
		memcpy(&ph, img + eh.e_phoff + (size_t)i * sizeof ph, sizeof ph);
		if (ph.p_type != PT_LOAD)
			continue;
		// Overflow-safe: each bound is checked before it is used in a subtraction.
		if (ph.p_vaddr < DENALI_LOAD_MIN || ph.p_memsz > mem_size ||
		    ph.p_vaddr > mem_size - ph.p_memsz || ph.p_filesz > ph.p_memsz ||
		    ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
			die_input(path, "PT_LOAD segment outside guest memory or the file");
		memcpy((void *)(uintptr_t)ph.p_vaddr, img + ph.p_offset, ph.p_filesz);
	}
	if (eh.e_entry < DENALI_LOAD_MIN || eh.e_entry >= mem_size)
		die_input(path, "entry point outside guest memory");
	guest_entry = eh.e_entry;
	free(img);
}

// The runaway-guest alarm: 60 s times the test timeout multiplier (0: none).
static unsigned runaway_alarm_s(void)
{
	const char *vars[] = { "DENALI_TIMEOUT_MULTIPLIER", "DENALI_SETUP_TIMEOUT_MULTIPLIER" };
	for (int k = 0; k < 2; k++) {
		const char *e = getenv(vars[k]);
		if (e == NULL || *e == '\0')
			continue;
		char *end;
		double m = strtod(e, &end);
		if (*end != '\0')
			die_input(vars[k], "not a number");
		return m <= 0 ? 0 : m > 10000 ? 600000 : (unsigned)(60 * m + 0.5);
	}
	return 60;
}

// Jumps into the guest at its entry point with the boot state: registers 0, EFLAGS
// 0x202 (0x302 with TF: a trap after each instruction), ESP = mem_size. popal/popfl
// load them from the top 36 bytes of guest memory, which we clear again except the
// EFLAGS word (mem_size - 4, the first stack slot the guest will overwrite).
static void __attribute__((noreturn)) enter_guest(uint32_t mem_size, int tf)
{
	uint32_t *top = (uint32_t *)(uintptr_t)(mem_size - 36);
	memset(top, 0, 36);
	top[8] = tf ? 0x302 : 0x202;
	__asm__ volatile(
		"movl %0, %%esp\n\t"
		"popal\n\t"
		"popfl\n\t"
		"jmp *%1" // absolute address: nativerun is built -fno-pie
		: : "r"(top), "m"(guest_entry) : "memory");
	__builtin_unreachable();
}

// Waits for child `pid`; its exit status, or -1 when a signal ended it.
static int wait_child(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// --count-jobs J: forks the J counting copies, waits for them and exits with their
// status, printing the sum of their counts when every copy reached terminate alike.
static void __attribute__((noreturn)) count_in_parts(uint32_t mem_size, int jobs)
{
	shm = mmap(NULL, sizeof *shm, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED) {
		perror("nativerun: --count-jobs");
		exit(2);
	}
	shm->claimed[0] = 1; // segment 0, from the entry point: copy 0's
	fflush(NULL);
	pid_t pids[MAX_JOBS];
	for (int k = 0; k < jobs; k++) {
		pids[k] = fork();
		if (pids[k] < 0) {
			perror("nativerun: fork");
			exit(2);
		}
		if (pids[k] == 0) {
			for (int c = 0; c < cuts; c++) {
				cut_byte[c] = *(uint8_t *)(uintptr_t)cut_at[c];
				*(uint8_t *)(uintptr_t)cut_at[c] = 0xcc; // int3
			}
			part_no = k;
			console_quiet = k != 0;
			counting = k == 0;
			segments = k == 0;
			enter_guest(mem_size, counting);
		}
	}
	int status = -1, same = 1;
	uint64_t total = 0;
	for (int k = 0; k < jobs; k++) {
		int st = wait_child(pids[k]);
		if (k == 0)
			status = st;
		same = same && st == status && shm->part[k].done &&
		       shm->part[k].events == shm->part[0].events;
		total += shm->part[k].steps;
	}
	if (status < 0)
		exit(3);
	if (!same) { // a copy faulted (copy 0 said where) or, impossibly, ran differently
		if (shm->part[0].done)
			fprintf(stderr, "nativerun: the %d counting copies did not all end alike\n",
				jobs);
		exit(shm->part[0].done ? 3 : status);
	}
	fprintf(stderr, "nativerun: %llu instructions (%d copies, %u events; segments and "
		"instructions each:", (unsigned long long)total, jobs, shm->part[0].events);
	for (int k = 0; k < jobs; k++)
		fprintf(stderr, " %u %llu", shm->part[k].segments,
			(unsigned long long)shm->part[k].steps);
	fprintf(stderr, ")\n");
	exit(status);
}

int main(int argc, char **argv)
{
	uint32_t vm_id = 0, mem_size = DENALI_MEM_DEFAULT;
	const char *cmdline = NULL;
	int jobs = 1;
	int i = 1;
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--args") == 0) {
			if (strlen(argv[i + 1]) > DENALI_CMDLINE_MAX)
				die_input(argv[i], "longer than 2047 bytes");
			cmdline = argv[i + 1];
			continue;
		}
		if (strcmp(argv[i], "--cut-at") == 0) { // ADDR[,ADDR...]
			const char *a = argv[i + 1];
			for (;;) {
				char *end;
				unsigned long v = strtoul(a, &end, 0);
				if (end == a || (*end != ',' && *end != '\0') || cuts == MAX_CUTS ||
				    v < DENALI_LOAD_MIN || v >= 0xfffffffful)
					die_input(argv[i], "ADDR[,ADDR...] expected (up to 8, in guest "
							   "memory)");
				cut_at[cuts++] = (uint32_t)v;
				if (*end == '\0')
					break;
				a = end + 1;
			}
			continue;
		}
		char *end;
		unsigned long v = strtoul(argv[i + 1], &end, 0);
		if (*argv[i + 1] == '\0' || *end != '\0')
			die_input(argv[i], "integer expected");
		if (strcmp(argv[i], "--count") == 0)
			count_steps = v != 0;
		else if (strcmp(argv[i], "--count-jobs") == 0 && v >= 1 && v <= MAX_JOBS)
			jobs = (int)v;
		else if (strcmp(argv[i], "--vm-id") == 0)
			vm_id = (uint32_t)v;
		else if (strcmp(argv[i], "--mem-size") == 0 && v >= DENALI_MEM_MIN &&
			 v <= 256ul << 20 && v % 4096 == 0)
			mem_size = (uint32_t)v;
		else
			die_input(argv[i], "unknown option or bad value (--vm-id N, --mem-size BYTES: "
				"64 KiB..256 MiB, page multiple, --count 0|1, --count-jobs 1..16, --cut-at ADDR)");
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: nativerun [--vm-id N] [--mem-size BYTES] [--count 1 "
			"[--count-jobs J [--cut-at ADDR]]] [--args STRING] image.elf\n");
		return 2;
	}
	void *vr = mmap((void *)DENALI_VREGS_ADDR, 4096, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	void *mem = mmap((void *)DENALI_MEM_BASE, mem_size - DENALI_MEM_BASE,
		PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		-1, 0);
	if (vr != (void *)DENALI_VREGS_ADDR || mem != (void *)DENALI_MEM_BASE) {
		fprintf(stderr, "nativerun: cannot map guest memory at 0x1000..%#x "
			"(vm.mmap_min_addr must be <= 4096)\n", mem_size);
		return 2;
	}
	guest_mem_size = mem_size;
	struct denali_vregs *v = vr;
	v->magic = DENALI_VREGS_MAGIC;
	v->abi_version = DENALI_ABI_VERSION;
	v->vm_id = vm_id;
	v->cpu_khz = 1700000;
	v->mem_size = mem_size;
	if (cmdline) {
		v->cmdline_len = (uint32_t)strlen(cmdline);
		memcpy((char *)vr + (DENALI_CMDLINE_ADDR - DENALI_VREGS_ADDR), cmdline,
			v->cmdline_len + 1);
	}
	load_elf(argv[i], mem_size);
	for (int k = 0; k < cuts; k++)
		if (cut_at[k] >= mem_size - 1 || jobs < 2 || !count_steps)
			die_input("--cut-at", "outside guest memory, or without --count 1 "
					      "--count-jobs J > 1");

	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_trap;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	if (sigaltstack(&ss, NULL) != 0 || sigaction(SIGILL, &sa, NULL) != 0 ||
	    sigaction(SIGSEGV, &sa, NULL) != 0 || sigaction(SIGBUS, &sa, NULL) != 0 ||
	    sigaction(SIGFPE, &sa, NULL) != 0 || sigaction(SIGTRAP, &sa, NULL) != 0) {
		perror("nativerun: signals");
		return 2;
	}
	if (count_steps && jobs > 1)
		count_in_parts(mem_size, jobs);
	if (!count_steps) {
		unsigned a = runaway_alarm_s();
		if (a)
			alarm(a); // a runaway guest ends the process instead of hanging a test
	}
	fflush(stdout);
	counting = count_steps;
	enter_guest(mem_size, count_steps);
}
