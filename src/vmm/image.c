// SPDX-License-Identifier: MIT
// ELF32 i386 executable parser and loader (interface in image.h).
// The file is untrusted: every read is checked against the end of the buffer, and all
// address arithmetic is done in 64 bits so nothing wraps. The checks, in order:
// header size, magic, class, byte order, version, type, machine, program header table
// bounds and count, then per PT_LOAD: filesz <= memsz, file range inside the file, memory
// range inside [DENALI_LOAD_MIN, mem_size); then no overlap; then the entry point.
// Only PT_LOAD matters; PT_INTERP and PT_DYNAMIC are refused (static images only).
// The symbol table, if any, is symtab.c's (it never makes an image fail).
#include "vmm/image.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "denali/abi.h"
#include "vmm/symtab.h"

#define PAGE 4096u

// ELF constants (System V ABI, i386 supplement). Kept here so no host <elf.h> is needed.
enum {
	EH_SIZE = 52,      // sizeof(Elf32_Ehdr)
	PH_SIZE = 32,      // sizeof(Elf32_Phdr)
	ELFCLASS32 = 1,
	ELFCLASS64 = 2,
	ELFDATA2LSB = 1,
	EV_CURRENT = 1,
	ET_EXEC = 2,
	ET_DYN = 3,
	EM_386 = 3,
	PT_LOAD = 1,
	PT_DYNAMIC = 2,
	PT_INTERP = 3,
};

// Reads a little-endian field. Callers have checked off + size <= len.
static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int fail(char *err, size_t errlen, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, const char *name, const char *fmt, ...)
{
	if (err && errlen) {
		int n = snprintf(err, errlen, "%s: ", name);
		if (n >= 0 && (size_t)n < errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -1;
}

// Formats a memory size for messages: "4 MiB", "64 KiB", "12345 bytes".
static const char *fmt_size(uint64_t n, char *buf, size_t sz)
{
	if (n && n % (1024 * 1024 * 1024) == 0)
		snprintf(buf, sz, "%llu GiB", (unsigned long long)(n >> 30));
	else if (n && n % (1024 * 1024) == 0)
		snprintf(buf, sz, "%llu MiB", (unsigned long long)(n >> 20));
	else if (n && n % 1024 == 0)
		snprintf(buf, sz, "%llu KiB", (unsigned long long)(n >> 10));
	else
		snprintf(buf, sz, "%llu bytes", (unsigned long long)n);
	return buf;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct image_segment *x = a, *y = b;
	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

// Checks the ELF header and program headers and fills img->segs. No allocation.
static int validate(const uint8_t *b, size_t len, const char *name, uint32_t mem_size,
		    struct image *img, char *err, size_t errlen)
{
	char s1[32];
	if (len < 4)
		return fail(err, errlen, name, "not an ELF file (only %zu bytes)", len);
	if (memcmp(b, "\x7f" "ELF", 4) != 0)
		return fail(err, errlen, name, "not an ELF file (bad magic)");
	if (len < EH_SIZE)
		return fail(err, errlen, name,
			    "truncated ELF header (%zu bytes, need %d)", len, EH_SIZE);
	if (b[4] == ELFCLASS64)
		return fail(err, errlen, name,
			    "64-bit ELF; denali runs 32-bit i386 images (build with -m32)");
	if (b[4] != ELFCLASS32)
		return fail(err, errlen, name, "unknown ELF class %u", b[4]);
	if (b[5] != ELFDATA2LSB)
		return fail(err, errlen, name, "not little-endian (EI_DATA %u)", b[5]);
	if (b[6] != EV_CURRENT || rd32(b + 20) != EV_CURRENT)
		return fail(err, errlen, name, "unknown ELF version");
	uint32_t type = rd16(b + 16), machine = rd16(b + 18);
	if (type == ET_DYN)
		return fail(err, errlen, name,
			    "position-independent (ET_DYN) image; link with -static -no-pie");
	if (type != ET_EXEC)
		return fail(err, errlen, name, "not an executable (e_type %u)", type);
	if (machine != EM_386)
		return fail(err, errlen, name, "wrong machine %u; need i386 (EM_386 = 3)",
			    machine);
	uint32_t entry = rd32(b + 24), phoff = rd32(b + 28);
	uint32_t phentsize = rd16(b + 42), phnum = rd16(b + 44);
	if (phnum == 0)
		return fail(err, errlen, name, "no program headers");
	if (phentsize != PH_SIZE)
		return fail(err, errlen, name, "program header size %u, expected %d",
			    phentsize, PH_SIZE);
	if (phnum > IMAGE_MAX_PHDRS)
		return fail(err, errlen, name, "%u program headers (limit %d)", phnum,
			    IMAGE_MAX_PHDRS);
	// 64-bit sum: phoff + phnum * 32 cannot wrap.
	if ((uint64_t)phoff + (uint64_t)phnum * PH_SIZE > len)
		return fail(err, errlen, name,
			    "program headers at offset %u..%llu run past the end of the file "
			    "(%zu bytes)", phoff,
			    (unsigned long long)phoff + (uint64_t)phnum * PH_SIZE, len);

	img->nsegs = 0;
	for (uint32_t i = 0; i < phnum; i++) {
		const uint8_t *ph = b + phoff + (size_t)i * PH_SIZE;
		uint32_t ptype = rd32(ph);
		if (ptype == PT_INTERP || ptype == PT_DYNAMIC)
			return fail(err, errlen, name,
				    "dynamically linked (program header %u); link with -static",
				    i);
		if (ptype != PT_LOAD)
			continue;
		struct image_segment sg = {
			.offset = rd32(ph + 4),
			.vaddr = rd32(ph + 8),
			.filesz = rd32(ph + 16),
			.memsz = rd32(ph + 20),
			.flags = rd32(ph + 24),
		};
		if (sg.memsz == 0)
			continue; // loads nothing
		if (img->nsegs == IMAGE_MAX_SEGMENTS)
			return fail(err, errlen, name, "more than %d loadable segments",
				    IMAGE_MAX_SEGMENTS);
		if (sg.filesz > sg.memsz)
			return fail(err, errlen, name,
				    "segment %u: file size %u exceeds memory size %u", i,
				    sg.filesz, sg.memsz);
		if ((uint64_t)sg.offset + sg.filesz > len)
			return fail(err, errlen, name,
				    "segment %u: file bytes %u..%llu past the end of the file "
				    "(%zu bytes; truncated?)", i, sg.offset,
				    (unsigned long long)sg.offset + sg.filesz, len);
		uint64_t end = (uint64_t)sg.vaddr + sg.memsz;
		if (sg.vaddr < DENALI_LOAD_MIN)
			return fail(err, errlen, name,
				    "segment %u starts at 0x%x, below the lowest load address "
				    "0x%x", i, sg.vaddr, DENALI_LOAD_MIN);
		if (end > mem_size)
			return fail(err, errlen, name,
				    "segment %u ends at 0x%llx beyond guest memory (%s)", i,
				    (unsigned long long)end, fmt_size(mem_size, s1, sizeof s1));
		img->segs[img->nsegs++] = sg;
	}
	if (img->nsegs == 0)
		return fail(err, errlen, name, "no loadable segments");
	qsort(img->segs, img->nsegs, sizeof img->segs[0], seg_cmp);
	for (uint32_t i = 1; i < img->nsegs; i++) {
		const struct image_segment *p = &img->segs[i - 1], *q = &img->segs[i];
		if ((uint64_t)p->vaddr + p->memsz > q->vaddr)
			return fail(err, errlen, name,
				    "segments overlap: 0x%x..0x%llx and 0x%x..0x%llx", p->vaddr,
				    (unsigned long long)p->vaddr + p->memsz, q->vaddr,
				    (unsigned long long)q->vaddr + q->memsz);
	}
	bool entry_ok = false;
	for (uint32_t i = 0; i < img->nsegs; i++) {
		const struct image_segment *sg = &img->segs[i];
		if ((sg->flags & IMAGE_PF_X) && entry >= sg->vaddr &&
		    (uint64_t)entry < (uint64_t)sg->vaddr + sg->memsz)
			entry_ok = true;
	}
	if (!entry_ok)
		return fail(err, errlen, name,
			    "entry point 0x%x is not inside an executable segment", entry);
	img->entry = entry;
	img->mem_size = mem_size;
	return 0;
}

int image_parse(const uint8_t *bytes, size_t len, const char *name, uint32_t mem_size,
		struct image **out, char *err, size_t errlen)
{
	*out = NULL;
	if (mem_size < DENALI_MEM_MIN || mem_size > DENALI_MEM_MAX || mem_size % PAGE)
		return fail(err, errlen, name, "bad guest memory size %u", mem_size);
	struct image *img = calloc(1, sizeof *img);
	if (!img)
		return fail(err, errlen, name, "out of memory");
	if (validate(bytes, len, name, mem_size, img, err, errlen) != 0) {
		free(img);
		return -1;
	}
	const struct image_segment *lo = &img->segs[0], *hi = &img->segs[img->nsegs - 1];
	img->first_page = lo->vaddr / PAGE;
	// hi's end is <= mem_size <= 3 GiB, so the sum fits in 32 bits.
	img->npages = (uint32_t)(((uint64_t)hi->vaddr + hi->memsz + PAGE - 1) / PAGE) -
		      img->first_page;
	img->name = strdup(name);
	img->pages = calloc(img->npages, sizeof *img->pages);
	img->zero_page = aligned_alloc(PAGE, PAGE);
	if (!img->name || !img->pages || !img->zero_page)
		goto oom;
	memset(img->zero_page, 0, PAGE);
	for (uint32_t i = 0; i < img->nsegs; i++) {
		const struct image_segment *sg = &img->segs[i];
		uint32_t done = 0;
		while (done < sg->filesz) {
			uint32_t a = sg->vaddr + done, off = a % PAGE;
			uint32_t n = PAGE - off;
			if (n > sg->filesz - done)
				n = sg->filesz - done;
			uint8_t **pp = &img->pages[a / PAGE - img->first_page];
			if (!*pp) {
				*pp = aligned_alloc(PAGE, PAGE);
				if (!*pp)
					goto oom;
				memset(*pp, 0, PAGE);
				img->pages_alloc++;
			}
			memcpy(*pp + off, bytes + sg->offset + done, n);
			done += n;
		}
	}
	// Symbols are optional: a damaged table is remembered, not fatal (symtab.h).
	char why[200];
	if (symtab_parse(bytes, len, &img->syms, why, sizeof why) != 0) {
		img->sym_note = strdup(why);
		if (!img->sym_note)
			goto oom;
	}
	*out = img;
	return 0;
oom:
	image_free(img);
	return fail(err, errlen, name, "out of memory loading the image");
}

int image_load(const char *path, uint32_t mem_size, struct image **out, char *err,
	       size_t errlen)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return fail(err, errlen, path, "cannot open: %s", strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return fail(err, errlen, path, "not a regular file");
	}
	// An image can hold at most mem_size bytes of content plus headers; refuse files
	// far larger than any valid one before reading them.
	if ((uint64_t)st.st_size > (uint64_t)DENALI_MEM_MAX + (1u << 20)) {
		fclose(f);
		return fail(err, errlen, path, "file too large (%lld bytes)",
			    (long long)st.st_size);
	}
	size_t len = (size_t)st.st_size;
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf) {
		fclose(f);
		return fail(err, errlen, path, "out of memory reading the file");
	}
	size_t got = fread(buf, 1, len, f);
	int rerr = ferror(f);
	fclose(f);
	if (rerr || got != len) {
		free(buf);
		return fail(err, errlen, path, "read error");
	}
	int rc = image_parse(buf, len, path, mem_size, out, err, errlen);
	free(buf);
	return rc;
}

void image_free(struct image *img)
{
	if (!img)
		return;
	if (img->pages)
		for (uint32_t i = 0; i < img->npages; i++)
			free(img->pages[i]);
	free(img->pages);
	free(img->zero_page);
	free(img->name);
	symtab_free(img->syms);
	free(img->sym_note);
	free(img);
}

size_t image_read(const struct image *img, uint32_t addr, uint8_t *dst, size_t len)
{
	size_t done = 0;
	while (done < len && (uint64_t)addr + done < img->mem_size) {
		uint32_t a = addr + (uint32_t)done, off = a % PAGE;
		size_t n = PAGE - off;
		if (n > len - done)
			n = len - done;
		if ((uint64_t)a + n > img->mem_size)
			n = img->mem_size - a;
		const uint8_t *pg = image_page(img, a / PAGE);
		if (pg)
			memcpy(dst + done, pg + off, n);
		else
			memset(dst + done, 0, n);
		done += n;
	}
	return done;
}
