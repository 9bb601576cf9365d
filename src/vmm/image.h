// SPDX-License-Identifier: MIT
// A guest image: an ELF32 i386 ET_EXEC file, validated and turned into host pages that
// every VM of a run shares read-only (copy-on-write, see mem.c). The parser (image.c)
// treats the file as hostile: every offset and size is checked against the file end and
// guest memory with 64-bit arithmetic, so no 32-bit wrap-around can pass.
//
// Page layout: image pages cover [first_page, first_page + npages) in guest page
// numbers. pages[i] is NULL for a page that holds no file bytes (pure .bss): it reads as
// zero, like any untouched page. zero_page is one shared all-zero page.
// Symbols (symtab.h) are read too, for reports and listings; a damaged symbol table
// does not stop the image from loading (sym_note says what is wrong with it).
#ifndef DENALI_VMM_IMAGE_H
#define DENALI_VMM_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct symtab;

#define IMAGE_MAX_SEGMENTS 64 // more PT_LOAD headers than this is not a sane image
#define IMAGE_MAX_PHDRS 256   // program headers of any type

// One PT_LOAD segment as loaded.
struct image_segment {
	uint32_t vaddr;    // guest address of the first byte
	uint32_t filesz;   // bytes from the file
	uint32_t memsz;    // bytes in memory (>= filesz; the rest is zero)
	uint32_t offset;   // file offset of the first byte
	uint32_t flags;    // IMAGE_PF_* (ELF p_flags)
};
#define IMAGE_PF_X 1u
#define IMAGE_PF_W 2u
#define IMAGE_PF_R 4u

struct image {
	char *name;          // the path given to image_load (for messages)
	uint32_t entry;      // entry point (inside an executable segment)
	uint32_t mem_size;   // guest memory size the image was checked against
	uint32_t nsegs;
	struct image_segment segs[IMAGE_MAX_SEGMENTS]; // sorted by vaddr, disjoint
	uint32_t first_page; // guest page number of pages[0]
	uint32_t npages;     // pages spanned by all segments
	uint8_t **pages;     // npages host pages (4096-aligned) or NULL (zero)
	uint8_t *zero_page;  // one all-zero page, never written
	uint32_t pages_alloc; // host pages held (for tests and statistics)
	struct symtab *syms; // its ELF symbols (symtab.h), or NULL: stripped or damaged
	char *sym_note;      // why there are no symbols when the table is damaged, or NULL
};

// Parses an image from bytes. `name` is used in messages. On success returns 0 and sets
// *out (free with image_free). On bad input returns -1 and writes one line into err
// ("NAME: problem"); nothing is allocated then. Out of memory is reported the same way.
int image_parse(const uint8_t *bytes, size_t len, const char *name, uint32_t mem_size,
		struct image **out, char *err, size_t errlen);

// Reads the file at `path` and parses it (image_parse). Errors name the path.
int image_load(const char *path, uint32_t mem_size, struct image **out, char *err,
	       size_t errlen);

void image_free(struct image *img);

// The shared host page holding guest page `gpage`'s initial contents, or NULL when the
// image puts no bytes there (the page starts zero).
static inline uint8_t *image_page(const struct image *img, uint32_t gpage)
{
	uint32_t i = gpage - img->first_page; // wraps for gpage < first_page: then >= npages
	return i < img->npages ? img->pages[i] : NULL;
}

// Copies up to `len` bytes of the initial image contents at guest address `addr`
// (zeros where the image has none). For tools (disasm). Returns bytes copied; stops
// at mem_size.
size_t image_read(const struct image *img, uint32_t addr, uint8_t *dst, size_t len);

#endif
