// SPDX-License-Identifier: MIT
// The inspector and the key help (inspect.h).
#include "view/inspect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "denali/abi.h"
#include "devices/console_out.h"
#include "trace/dis.h"
#include "view/canvas.h"
#include "view/palette.h"
#include "vmm/ctl.h"
#include "vmm/image.h"
#include "vmm/intr.h"
#include "vmm/kernel.h"
#include "vmm/symtab.h"

struct inspect {
	struct dis *dis;
};

struct inspect *inspect_new(void)
{
	struct inspect *in = calloc(1, sizeof *in);
	if (in && !(in->dis = dis_new())) {
		free(in);
		return NULL;
	}
	return in;
}

void inspect_free(struct inspect *in)
{
	if (!in)
		return;
	dis_free(in->dis);
	free(in);
}

#define LINE 10

void inspect_draw(struct inspect *in, struct canvas *c, const struct kernel *k, uint32_t m,
		  uint32_t vm, int x, int y, int w)
{
	canvas_fill(c, x, y, w, INSPECT_H, 0x202830);
	canvas_frame(c, x, y, w, INSPECT_H, VIEW_RGB_MARK);
	int tx = x + 8, ty = y + 6;
	enum view_class cl = view_class_of(k, vm);
	canvas_fill(c, tx, ty, 9, 9, view_class_rgb(cl));
	canvas_textf(c, tx + 14, ty + 1, 1, VIEW_RGB_TEXT, "%s %u, VM %u: %s (%s)",
		     m ? "client" : "server", m, vm, view_class_name(cl),
		     ctl_vm_state_name(ctl_vm_state(k, vm)));
	ty += 14;
	const struct cpu *cpu = ctl_cpu(k, vm);
	const struct vm *v = &k->vms[vm];
	if (!cpu)
		return;
	static const char *const regs[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi",
					     "edi" };
	for (int r = 0; r < 8; r++)
		canvas_textf(c, tx + (r % 4) * 96, ty + (r / 4) * LINE, 1, VIEW_RGB_TEXT, "%s %08x",
			     regs[r], cpu->r[r]);
	ty += 2 * LINE;
	char sym[96] = "";
	uint32_t off;
	const struct symtab *syms = k->img ? k->img->syms : NULL;
	const struct symtab_sym *s = symtab_lookup(syms, SYMTAB_CODE, cpu->eip, &off);
	if (s)
		snprintf(sym, sizeof sym, " <%.60s+0x%x>", symtab_name(syms, s), off);
	canvas_textf(c, tx, ty, 1, VIEW_RGB_TEXT, "eip %08x%s  eflags %08x", cpu->eip, sym,
		     cpu->eflags);
	ty += LINE + 4;
	// Virtual registers (docs/isa.md 6), as the guest sees them.
	struct denali_vregs vr;
	memset(&vr, 0, sizeof vr);
	if (v->has_mem && ctl_read(k, vm, DENALI_VREGS_ADDR, &vr, sizeof vr) == sizeof vr)
		canvas_textf(c, tx, ty, 1, VIEW_RGB_DIM, "vregs: int_enable %u  int_pending %08x  "
							 "int_handler %08x  exc_handler %08x",
			     vr.int_enable, vr.int_pending, vr.int_handler, vr.exc_handler);
	ty += LINE;
	const struct intr_vm *iv = k->iv ? &k->iv[vm] : NULL;
	canvas_textf(c, tx, ty, 1, VIEW_RGB_DIM, "pending interrupts %08x (%u raises)  "
						 "instructions %llu  cycles %llu",
		     iv ? iv->pending : 0, iv ? iv->count : 0, (unsigned long long)cpu->retired,
		     (unsigned long long)cpu->cycles);
	ty += LINE;
	canvas_textf(c, tx, ty, 1, VIEW_RGB_DIM, "slices %llu  PIOs %llu (unknown %llu)%s%s",
		     (unsigned long long)v->slices, (unsigned long long)v->pios,
		     (unsigned long long)v->pios_unknown, v->diag ? "  killed: " : "",
		     v->diag ? v->diag : "");
	ty += LINE + 4;
	// Disassembly from EIP, left; the console's last lines kept, right.
	int dy = ty;
	uint8_t code[96];
	uint32_t got = v->has_mem ? ctl_read(k, vm, cpu->eip, code, sizeof code) : 0;
	uint32_t at = 0;
	for (int i = 0; i < 8 && in && at < got; i++) {
		char text[128];
		int len = dis_insn(in->dis, code + at, got - at, cpu->eip + at, syms, text,
				   sizeof text);
		canvas_textf(c, tx, dy, 1, i ? VIEW_RGB_TEXT : 0xf0e442, "%s%08x  %.44s",
			     i ? "  " : "> ", cpu->eip + at, text);
		dy += LINE;
		if (len <= 0)
			break;
		at += (uint32_t)len;
	}
	const struct console_out_vm *co = k->con ? console_out_vm(k->con, vm) : NULL;
	int cx = x + w / 2 + 40, cy = ty;
	canvas_textf(c, cx, cy, 1, VIEW_RGB_DIM, "console (%llu bytes)",
		     co ? (unsigned long long)co->total : 0ull);
	cy += LINE;
	if (co && co->len) {
		// The last 8 lines of the bytes kept.
		uint32_t start = co->len, lines = 0;
		while (start > 0 && lines < 9)
			if (co->bytes[--start] == '\n' && start + 1 < co->len)
				lines++;
		if (lines == 9)
			start++;
		char line[64];
		int n = 0;
		for (uint32_t i = start; i <= co->len && cy < y + INSPECT_H - LINE; i++) {
			if (i == co->len || co->bytes[i] == '\n' || n == (int)sizeof line - 1) {
				line[n] = 0;
				canvas_text(c, cx, cy, 1, VIEW_RGB_TEXT, line);
				cy += LINE;
				n = 0;
				continue;
			}
			uint8_t b = co->bytes[i];
			line[n++] = b >= 32 && b < 127 ? (char)b : '.';
		}
	}
}

void inspect_help(struct canvas *c, int x, int y)
{
	static const char *const keys[] = {
		"space   pause / resume",
		"n       run one quantum (the next slice), then pause",
		"i       run one interval, then pause",
		"+ / -   pace faster / slower (0: as fast as it goes)",
		"z / x   zoom in / out (server grid)",
		"up/down, page up/down   pan",
		"click   a VM: registers, interrupts, console, code",
		"?       this help",
		"q, Esc  quit (the run ends as after Ctrl-C)",
	};
	int n = sizeof keys / sizeof keys[0];
	canvas_fill(c, x, y, 420, 24 + n * 12, 0x202830);
	canvas_frame(c, x, y, 420, 24 + n * 12, VIEW_RGB_MARK);
	canvas_text(c, x + 10, y + 8, 1, 0xf0e442, "keys");
	for (int i = 0; i < n; i++)
		canvas_text(c, x + 10, y + 22 + i * 12, 1, VIEW_RGB_TEXT, keys[i]);
}
