// SPDX-License-Identifier: MIT
// nativerun: runs a denali guest image directly on the host CPU, as a 32-bit Linux
// process, to check guests (and later the interpreter) against real hardware.
//   nativerun [--vm-id N] [--mem-size BYTES] [--count 1] [--args STRING] image.elf
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
// iteration), so it is for small guests only.
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
#include <ucontext.h>
#include <unistd.h>

#include <denali/abi.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

// Where the guest starts; read by the final indirect jump.
static uint32_t guest_entry;
static uint32_t guest_mem_size; // for bounds checks in the fault report
static uint64_t guest_steps;     // --count: instructions stepped so far
static int count_steps;
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

// Handles SIGILL (Denali instructions) and SIGSEGV (port I/O, real faults).
static void on_trap(int sig, siginfo_t *si, void *uc_void)
{
	(void)si;
	ucontext_t *uc = uc_void;
	greg_t *g = uc->uc_mcontext.gregs;
	const uint8_t *ip = (const uint8_t *)g[REG_EIP];
	uint16_t dx = (uint16_t)g[REG_EDX];
	if (sig == SIGTRAP) { // --count: one step
		// A REP string instruction traps after each iteration with EIP still at it;
		// only the step that leaves it (its last iteration, or none) retires it, as
		// the interpreter counts it: once.
		uint32_t eip = (uint32_t)g[REG_EIP];
		if (!(eip == last_trap_eip && rep_string_at(ip)))
			guest_steps++;
		last_trap_eip = eip;
		return;
	}
	guest_steps++; // the instruction we emulate below
	if (sig == SIGILL && ip[0] == 0x0f && ip[1] == 0x0c) {
		if (ip[2] == DENALI_OP_TERMINATE) {
			if (count_steps) {
				char msg[64];
				// guest_steps includes this terminate and the loader's jump
				// into the guest (the first trap after popfl sets TF).
				snprintf(msg, sizeof msg, "nativerun: %llu instructions\n",
					(unsigned long long)guest_steps - 1);
				if (write(2, msg, strlen(msg)) < 0)
					_exit(3);
			}
			_exit((int)g[REG_EAX] & 0xff);
		}
		if (ip[2] == DENALI_OP_IDLE) {
			g[REG_EIP] += 3;
			return;
		}
	}
	if (sig == SIGSEGV && ip[0] == 0xed && dx == DENALI_PORT_CONSOLE_WRITE) { // in eax, dx
		g[REG_EAX] = (greg_t)write_all((const uint8_t *)g[REG_ESI], (uint32_t)g[REG_ECX]);
		g[REG_EIP] += 1;
		return;
	}
	if (sig == SIGSEGV && ip[0] == 0xed) { // in eax, dx: any other port reads 0
		g[REG_EAX] = 0;
		g[REG_EIP] += 1;
		return;
	}
	if (sig == SIGSEGV && ip[0] == 0xef) { // out dx, eax: ignored
		g[REG_EIP] += 1;
		return;
	}
	if (sig == SIGSEGV && ip[0] == 0xe6 && ip[1] == DENALI_PORT_DEBUGCON) { // out imm8, al
		uint8_t ch = (uint8_t)g[REG_EAX];
		write_all(&ch, 1);
		g[REG_EIP] += 2;
		return;
	}
	if (sig == SIGSEGV && ip[0] == 0xee && dx == DENALI_PORT_DEBUGCON) { // out dx, al
		uint8_t ch = (uint8_t)g[REG_EAX];
		write_all(&ch, 1);
		g[REG_EIP] += 1;
		return;
	}
	guest_fault(sig, g);
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

int main(int argc, char **argv)
{
	uint32_t vm_id = 0, mem_size = DENALI_MEM_DEFAULT;
	const char *cmdline = NULL;
	int i = 1;
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--args") == 0) {
			if (strlen(argv[i + 1]) > DENALI_CMDLINE_MAX)
				die_input(argv[i], "longer than 2047 bytes");
			cmdline = argv[i + 1];
			continue;
		}
		char *end;
		unsigned long v = strtoul(argv[i + 1], &end, 0);
		if (*argv[i + 1] == '\0' || *end != '\0')
			die_input(argv[i], "integer expected");
		if (strcmp(argv[i], "--count") == 0)
			count_steps = v != 0;
		else if (strcmp(argv[i], "--vm-id") == 0)
			vm_id = (uint32_t)v;
		else if (strcmp(argv[i], "--mem-size") == 0 && v >= DENALI_MEM_MIN &&
			 v <= 256ul << 20 && v % 4096 == 0)
			mem_size = (uint32_t)v;
		else
			die_input(argv[i], "unknown option or bad value (--vm-id N, --mem-size BYTES: "
				"64 KiB..256 MiB, page multiple, --count 0|1)");
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: nativerun [--vm-id N] [--mem-size BYTES] [--count 1] "
			"[--args STRING] image.elf\n");
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
	if (!count_steps)
		alarm(60); // a runaway guest ends the process instead of hanging a test
	fflush(stdout);

	// Boot state: registers 0, EFLAGS 0x202, ESP = mem_size. popal/popfl load them
	// from the top 36 bytes of guest memory, which we clear again except the EFLAGS
	// word (mem_size - 4, the first stack slot the guest will overwrite).
	uint32_t *top = (uint32_t *)(uintptr_t)(mem_size - 36);
	memset(top, 0, 36);
	top[8] = count_steps ? 0x302 : 0x202; // 0x100: TF, trap after each instruction
	__asm__ volatile(
		"movl %0, %%esp\n\t"
		"popal\n\t"
		"popfl\n\t"
		"jmp *%1" // absolute address: nativerun is built -fno-pie
		: : "r"(top), "m"(guest_entry) : "memory");
	__builtin_unreachable();
}
