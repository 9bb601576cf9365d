// SPDX-License-Identifier: MIT
// Decoder cross-check against the iced project's 32-bit decoder vectors
// (tests/vectors/x86-decoder, MIT; README.md there says where they come from).
//
// Each vector names the iced "code" (operation + operand form). subset() classifies it:
//   IN    in our subset: cpu_decode_info must return the vector's length, and for
//         MemoryTest32 the memory operand (base, index, scale, displacement) must match.
//   MAYBE forms compilers never emit whose decoding is the ISA's choice: either
//         invalid, or valid with the right length.
//   OUT   everything else (x87, SSE, AVX, far transfers, 16-bit IP, system): must be
//         invalid (0), or "too short" (-1) where iced says NoMoreBytes.
// The 0x67 prefix (16-bit addressing) is in the subset: MemoryTest32's 16-bit forms
// ([bx+si], [bp+disp8], [disp16]...) must decode to the same registers and displacement.
// Lines with decopt= need non-default decoder options and are skipped. Every
// disagreement is printed with Capstone's disassembly (cpu_disasm); the test fails on
// any disagreement that the allow-list (allowed(), each entry commented) does not cover.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"

#ifndef ICED_DIR
#define ICED_DIR "tests/vectors/x86-decoder"
#endif

enum cls { OUT, IN, MAYBE };

// Checked in this order: MAYBE, then OUT (exceptions to IN's patterns), then IN.
static const char *const maybe_pats[] = {
	NULL, // none since the 16-bit PUSHA/POPA/PUSHF/POPF are implemented (issue 10)
};
static const char *const out_pats[] = {
	"Sal_*",       // D0-D3 /6 alias
	"Bswap_r16",   // undefined result
	"*_rel16", "*_rel8_16", "*_16_ECX", "*_16_CX", // 16-bit IP
	"Call_rm16", "Jmp_rm16", "Retnw*", "Iretw", // 16-bit IP
	"*_m1616", "*_m1632", "*_ptr*", "Mov_Sreg_*", "Mov_*_Sreg", // far, segments
	"Push?_?S", "Pop?_?S", NULL,
};
static const char *const in_pats[] = {
	"Add_*", "Or_*", "Adc_*", "Sbb_*", "And_*", "Sub_*", "Xor_*", "Cmp_*", "Test_*",
	"Inc_*", "Dec_*", "Not_*", "Neg_*", "Mul_*", "Imul_*", "Div_*", "Idiv_*", "Mov_*",
	"Movzx_*", "Movsx_*", "Lea_*", "Xchg_*", "Push_r16", "Push_r32", "Push_rm16",
	"Push_rm32", "Pushd_imm32", "Pushd_imm8", "Push_imm16", "Pushw_imm8", "Pop_r16",
	"Pop_r32", "Pop_rm16", "Pop_rm32", "Pushad", "Pushaw", "Popad", "Popaw", "Pushfd",
	"Pushfw", "Popfd", "Popfw", "Call_rel32_32", "Call_rm32", "J*_rel8_32", "J*_rel32_32",
	"Jmp_rm32", "Retnd", "Retnd_imm16", "Loop*_rel8_32_ECX", "Loop*_rel8_32_CX",
	"Jecxz_rel8_32", "Jcxz_rel8_32", "Enterd_imm16_imm8", "Enterw_imm16_imm8", "Leaved",
	"Leavew", "Rol_*", "Ror_*", "Rcl_*", "Rcr_*", "Shl_*", "Shr_*", "Sar_*", "Shld_*",
	"Shrd_*", "Bt_*", "Bts_*", "Btr_*", "Btc_*", "Bsf_*", "Bsr_*", "Bswap_r32",
	"Set*_rm8", "Cmov*", "Cbw", "Cwde", "Cwd", "Cdq", "Xadd_*", "Cmpxchg_*",
	"Cmpxchg8b_m64", "Movsb_*", "Movsw_*", "Movsd_m32_m32", "Cmpsb_*", "Cmpsw_*",
	"Cmpsd_m32_m32", "Stosb_*", "Stosw_*", "Stosd_*", "Lodsb_*", "Lodsw_*", "Lodsd_*",
	"Scasb_*", "Scasw_*", "Scasd_*", "Clc", "Stc", "Cmc", "Cld", "Std", "Nopd", "Nopw",
	"Nop_rm16", "Nop_rm32", "Cpuid", "Rdtsc", "Int3", "Ud2", "Daa", "Das", "Aaa", "Aas",
	"Aam_imm8", "Aad_imm8", "Sahf", "Lahf", "Xlat_m8",
	// docs/isa.md section 4: accepted aliases, TZCNT/LZCNT, hint NOPs, and the
	// instructions that leave the CPU (INT n, INTO, IRET, HLT, IN, OUT).
	"*_82", "Tzcnt_*", "Lzcnt_*", "Pause", "Endbr32", "Endbr64", "Int_imm8", "Into",
	"Iretd", "Hlt", "In_*", "Out_*", NULL,
};

static bool match(const char *const *pats, const char *code)
{
	for (int i = 0; pats[i]; i++)
		if (fnmatch(pats[i], code, 0) == 0)
			return true;
	return false;
}

// Prefix bytes before the opcode; returns true if 0x67 is among them.
static bool has_addr_prefix(const uint8_t *b, int n)
{
	for (int i = 0; i < n; i++) {
		switch (b[i]) {
		case 0x67:
			return true;
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
		case 0x66: case 0xf0: case 0xf2: case 0xf3:
			continue;
		default:
			return false;
		}
	}
	return false;
}

static enum cls subset(const char *code, const uint8_t *b, int n)
{
	(void)b;
	(void)n;
	if (match(maybe_pats, code))
		return MAYBE;
	if (match(out_pats, code))
		return OUT;
	return match(in_pats, code) ? IN : OUT;
}

// Documented design choices where we knowingly differ from iced. Each entry says why.
static bool allowed(const uint8_t *b, int n, int got, const struct cpu_decoded_info *di,
		    const char *code)
{
	// Privileged and system instructions (LGDT, MOV CRn, INVLPG, WBINVD, ...) decode to
	// their full length and raise #GP when executed (docs/isa.md, "Privileged
	// instructions"): a guest learns it is not in ring 0, as on real hardware.
	if (got == n && di->name && strcmp(di->name, "GP") == 0 && strcmp(code, "INVALID") != 0)
		return true;
	// UD2's whole meaning is #UD; decoding it as "invalid" executes identically.
	if (strcmp(code, "Ud2") == 0 && got == 0)
		return true;
	// 0F 0C ib: the Denali instructions (include/denali/abi.h); iced knows no 0F 0C.
	if (n >= 3 && b[0] == 0x0f && b[1] == 0x0c && (b[2] == 0 || b[2] == 1) && got == 3)
		return true;
	return false;
}

// "66 0FB8 CE" -> bytes. Returns the count, or -1 on a malformed field.
static int parse_hex(const char *s, size_t len, uint8_t *out, int max)
{
	int n = 0, half = -1;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int v;
		if (c == ' ')
			continue;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return -1;
		if (half < 0) {
			half = v;
		} else {
			if (n == max)
				return -1;
			out[n++] = (uint8_t)(half << 4 | v);
			half = -1;
		}
	}
	return half < 0 ? n : -1;
}

struct stats {
	int lines, skipped, in, in_ok, maybe, maybe_valid, out, out_ok, mem, mem16, mem_ok, bad,
		allowed, printed;
};

static void show(struct stats *st, const char *file, int line, const uint8_t *b, int n,
		 const char *fmt, ...)
{
	st->bad++;
	if (st->printed++ >= 200)
		return;
	char dis[160];
	cpu_disasm(b, (size_t)n, 0x1000, dis, sizeof dis);
	printf("  %s:%d:", file, line);
	for (int i = 0; i < n; i++)
		printf(" %02X", b[i]);
	printf(": ");
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("  [capstone: %s]\n", dis);
}

static FILE *open_vec(const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", ICED_DIR, name);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	return f;
}

// Splits a line at ", " into at most max fields (in place). Returns the count.
static int split(char *s, char **f, int max)
{
	int n = 0;
	f[n++] = s;
	for (char *p = s; *p && n < max; p++) {
		if (p[0] == ',' && p[1] == ' ') {
			*p = 0;
			f[n++] = p + 2;
			p++;
		}
	}
	return n;
}

static void run_decoder_file(const char *name, struct stats *st)
{
	FILE *f = open_vec(name);
	char buf[4096];
	int line = 0;
	while (fgets(buf, sizeof buf, f)) {
		line++;
		buf[strcspn(buf, "\r\n")] = 0;
		if (!buf[0] || buf[0] == '#')
			continue;
		st->lines++;
		if (strstr(buf, "decopt=")) {
			st->skipped++;
			continue;
		}
		bool nomore = strstr(buf, "err=NoMoreBytes") != NULL;
		char *fld[6];
		if (split(buf, fld, 6) < 3) {
			st->skipped++;
			continue;
		}
		uint8_t b[32];
		int n = parse_hex(fld[0], strlen(fld[0]), b, (int)sizeof b);
		if (n < 0)
			fail_msg("%s:%d: bad hex", name, line);
		const char *code = fld[1];
		bool invalid = strcmp(code, "INVALID") == 0;
		struct cpu_decoded_info di;
		memset(&di, 0, sizeof di);
		int got = cpu_decode_info(b, (size_t)n, &di);
		if (allowed(b, n, got, &di, code)) {
			st->allowed++;
			continue;
		}
		if (invalid) {
			// code=X names what the bytes would be; INVALID means they are not.
			const char *real = strstr(fld[4] ? fld[4] : "", "code=");
			char rc[128] = "INVALID";
			if (real)
				sscanf(real + 5, "%127[^ ]", rc);
			enum cls c = nomore ? subset(rc, b, n) : OUT;
			st->out++;
			bool ok = nomore ? (c == IN ? got == -1 : got <= 0) : got == 0;
			if (nomore && c == MAYBE)
				ok = got <= 0;
			if (ok)
				st->out_ok++;
			else
				show(st, name, line, b, n, "iced: INVALID (%s%s), ours: %d (%s)", rc,
				     nomore ? ", too short" : "", got, di.name ? di.name : "-");
			continue;
		}
		enum cls c = subset(code, b, n);
		if (c == IN) {
			st->in++;
			if (got == n)
				st->in_ok++;
			else
				show(st, name, line, b, n, "iced: %s, length %d; ours: %d (%s)", code, n,
				     got, di.name ? di.name : "-");
		} else if (c == MAYBE) {
			st->maybe++;
			if (got == n)
				st->maybe_valid++;
			else if (got != 0)
				show(st, name, line, b, n, "iced: %s, length %d; ours: %d (%s)", code, n,
				     got, di.name ? di.name : "-");
		} else {
			st->out++;
			if (got == 0)
				st->out_ok++;
			else
				show(st, name, line, b, n, "iced: %s (not in our subset); ours: %d (%s)",
				     code, got, di.name ? di.name : "-");
		}
	}
	fclose(f);
}

static const char *const reg32[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };

// 16-bit addressing names its registers bx, bp, si, di.
static const char *const reg16[8] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" };

static int reg_num(const char *s)
{
	for (int i = 0; i < 8; i++)
		if (strcmp(s, reg32[i]) == 0 || strcmp(s, reg16[i]) == 0)
			return i;
	return strcmp(s, "none") == 0 ? -1 : -2;
}

static void run_memory_file(struct stats *st)
{
	FILE *f = open_vec("MemoryTest32.txt");
	char buf[1024];
	int line = 0;
	while (fgets(buf, sizeof buf, f)) {
		line++;
		buf[strcspn(buf, "\r\n")] = 0;
		if (!buf[0] || buf[0] == '#')
			continue;
		char *fld[12];
		if (split(buf, fld, 12) < 10)
			fail_msg("MemoryTest32.txt:%d: too few fields", line);
		uint8_t b[32];
		int n = parse_hex(fld[0], strlen(fld[0]), b, (int)sizeof b);
		if (n < 0)
			fail_msg("MemoryTest32.txt:%d: bad hex", line);
		if (subset(fld[1], b, n) != IN)
			continue;
		int base = reg_num(fld[5]), index = reg_num(fld[6]);
		int scale = 1 << atoi(fld[7]);
		uint32_t disp = (uint32_t)strtoul(fld[8], NULL, 0);
		if (base == -2 || index == -2)
			continue; // vector index registers etc.
		st->mem++;
		bool a16 = has_addr_prefix(b, n);
		if (a16)
			st->mem16++;
		struct cpu_decoded_info di;
		memset(&di, 0, sizeof di);
		int got = cpu_decode_info(b, (size_t)n, &di);
		// 16-bit addressing: the sum wraps at 64 KiB, so only the low 16 bits of the
		// displacement matter (iced shows disp8 sign-extended to 16 bits).
		uint32_t dmask = a16 ? 0xffffu : 0xffffffffu;
		bool ok = got == n && di.has_mem && di.addr16 == a16 && di.mem_base == base &&
			  di.mem_index == index && (index < 0 || di.mem_scale == scale) &&
			  (di.mem_disp & dmask) == (disp & dmask);
		if (ok)
			st->mem_ok++;
		else
			show(st, "MemoryTest32.txt", line, b, n,
			     "iced: %s base %s index %s scale %d disp 0x%x; ours: len %d mem %d base %d "
			     "index %d scale %d disp 0x%x", fld[1], fld[5], fld[6], scale, disp, got,
			     di.has_mem, di.mem_base, di.mem_index, di.mem_scale, di.mem_disp);
	}
	fclose(f);
}

static void report(const char *what, const struct stats *st)
{
	printf("%s: %d vectors (%d skipped: decopt), in subset %d (%d agree), maybe %d (%d "
	       "valid), outside %d (%d invalid as required), memory operands %d (%d of them "
	       "16-bit; %d agree), %d allowed by the allow-list, %d disagreements\n",
	       what, st->lines, st->skipped, st->in, st->in_ok, st->maybe, st->maybe_valid,
	       st->out, st->out_ok, st->mem, st->mem16, st->mem_ok, st->allowed, st->bad);
}

static void test_decoder32(void **state)
{
	struct stats st = { 0 };
	run_decoder_file("DecoderTest32.txt", &st);
	report("DecoderTest32", &st);
	assert_true(st.in > 500); // the table matched: guards against a silent parse failure
	assert_int_equal(st.bad, 0);
}

static void test_decoder_misc32(void **state)
{
	struct stats st = { 0 };
	run_decoder_file("DecoderTestMisc32.txt", &st);
	report("DecoderTestMisc32", &st);
	// The vectors were read and compared (56 lines, 52 checked when this was written):
	// guards against a silent parse failure, as the other two files' floors do.
	assert_true(st.lines >= 50);
	assert_true(st.in + st.out >= 45);
	assert_int_equal(st.bad, 0);
}

static void test_memory32(void **state)
{
	struct stats st = { 0 };
	run_memory_file(&st);
	report("MemoryTest32", &st);
	assert_true(st.mem > 500);
	assert_true(st.mem16 > 150); // the 16-bit forms were read and checked too
	assert_int_equal(st.bad, 0);
}

// The classifier itself: a few known answers, so a typo in a pattern shows up here.
static void test_subset_table(void **state)
{
	uint8_t b[1] = { 0x01 };
	assert_int_equal(subset("Add_rm8_r8", b, 1), IN);
	assert_int_equal(subset("Add_rm8_imm8_82", b, 1), IN); // docs/isa.md aliases
	assert_int_equal(subset("Sal_rm8_1", b, 1), OUT);
	assert_int_equal(subset("Fld_m32fp", b, 1), OUT);
	assert_int_equal(subset("Jne_rel8_32", b, 1), IN);
	assert_int_equal(subset("Jne_rel8_16", b, 1), OUT);
	assert_int_equal(subset("Cmpxchg8b_m64", b, 1), IN);
	assert_int_equal(subset("Hlt", b, 1), IN);
	assert_int_equal(subset("Pushaw", b, 1), IN);
	assert_int_equal(subset("Leavew", b, 1), IN);
	assert_int_equal(subset("Loop_rel8_32_CX", b, 1), IN);
	assert_int_equal(subset("Loop_rel8_16_CX", b, 1), OUT);
	assert_int_equal(subset("Jcxz_rel8_16", b, 1), OUT);
	assert_int_equal(subset("Test_rm8_imm8_F6r1", b, 1), IN);
	assert_int_equal(subset("Mov_Sreg_rm16", b, 1), OUT);
	assert_int_equal(subset("Popd_ES", b, 1), OUT);
	uint8_t p67[2] = { 0x67, 0x01 };
	assert_int_equal(subset("Add_rm32_r32", p67, 2), IN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subset_table),
		cmocka_unit_test(test_decoder32),
		cmocka_unit_test(test_decoder_misc32),
		cmocka_unit_test(test_memory32),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
