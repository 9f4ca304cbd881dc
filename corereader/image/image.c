/*
 * The image: loaded modules and their symbols (see image.h for the model).
 *
 * rh_image_create() groups the target's file mappings by path. A group with
 * a mapping at file offset 0 is a module loaded at that mapping's start
 * (where its ELF header is). rh_image_create_from_specs() then builds each
 * module from its file on this machine:
 *   - e_type, program headers and build-id from the file; when the target's
 *     own copy of the ELF header is readable, its build-id must match the
 *     file's, or the file is not used (its symbols would be another build's);
 *   - bias = load address - page-aligned p_vaddr of the first PT_LOAD (0 for
 *     ET_EXEC);
 *   - the debug file, searched as GDB does (debuginfo.c);
 *   - symbols of .dynsym and .symtab of the file and of its debug file, in
 *     one array sorted by runtime address over a string arena (no malloc
 *     per symbol), and a name index built at the first lookup by name.
 * Files are closed once the module is built: what lookups need is copied.
 *
 * Where to start reading: build_module().
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "image/image_internal.h"
#include "target/target.h"
#include "util/error.h"
#include "util/path.h"

/* A module's ELF header names at most this many program headers here. */
#define TARGET_PHNUM_MAX 128
/* Bytes of one PT_NOTE segment read from the target for its build-id. */
#define TARGET_NOTES_MAX 4096

/* ------------------------------------------------------------ layout */

/* Where a module's PT_LOAD segments go, at link time. */
struct layout {
	uint16_t e_type;
	uint64_t first_vaddr;  /* p_vaddr of the first PT_LOAD */
	uint64_t load_end;     /* highest p_vaddr + p_memsz of any PT_LOAD */
};

/* Fold one PT_LOAD into a layout; *have is set by the first one. */
static void layout_add(struct layout *l, bool *have, uint64_t vaddr,
		       uint64_t memsz)
{
	uint64_t end;
	if (__builtin_add_overflow(vaddr, memsz, &end))
		end = UINT64_MAX; // a broken header: the span check drops it
	if (!*have) {
		l->first_vaddr = vaddr;
		l->load_end = end;
		*have = true;
	} else if (end > l->load_end) {
		l->load_end = end;
	}
}

/* ------------------------------------------------------------ target ELF */

/*
 * What the target's own copy of a module's ELF header says. Read from
 * target memory, hence untrusted: every field is checked before use, and
 * anything odd just leaves the corresponding fact unknown (the file on disk
 * then decides).
 */
struct target_elf {
	bool readable;        /* the ELF header's bytes could be read */
	bool is_elf;          /* ... and start with the ELF magic */
	bool have_layout;     /* layout is known */
	struct layout layout;
	uint8_t build_id[RH_IMAGE_BUILD_ID_MAX];
	size_t build_id_len;  /* 0: unknown */
};

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v)); // little-endian target on a little-endian host
	return v;
}

/* Find NT_GNU_BUILD_ID in note bytes read from the target. */
static bool notes_build_id(const uint8_t *p, size_t size, size_t align,
			   uint8_t *out, size_t *len_ret)
{
	size_t off = 0;
	// Invariant: off <= size, and off grows by at least 12 per note.
	while (size - off >= 12) {
		uint64_t namesz = get_u32(p + off);
		uint64_t descsz = get_u32(p + off + 4);
		uint32_t type = get_u32(p + off + 8);
		size_t name_off = off + 12;
		uint64_t namesz_al = (namesz + align - 1) & ~(uint64_t)(align - 1);
		// A name that overruns the segment ends the walk.
		if (namesz_al > size - name_off)
			return false;
		size_t desc_off = name_off + (size_t)namesz_al;
		// So does a descriptor that overruns it (its padding may be
		// missing at the very end).
		if (descsz > size - desc_off)
			return false;
		if (type == NT_GNU_BUILD_ID && namesz == 4 &&
		    memcmp(p + name_off, "GNU", 4) == 0 && descsz > 0 &&
		    descsz <= RH_IMAGE_BUILD_ID_MAX) {
			memcpy(out, p + desc_off, (size_t)descsz);
			*len_ret = (size_t)descsz;
			return true;
		}
		uint64_t descsz_al = (descsz + align - 1) & ~(uint64_t)(align - 1);
		if (descsz_al > size - desc_off)
			return false; // nothing can follow an unpadded last note
		off = desc_off + (size_t)descsz_al;
	}
	return false;
}

static void read_target_elf(struct rh_target *t, uint64_t load_addr,
			    struct target_elf *ret)
{
	memset(ret, 0, sizeof(*ret));
	Elf64_Ehdr eh;
	struct rh_error *err = rh_target_read(t, load_addr, &eh, sizeof(eh));
	if (err) {
		// Not dumped (cores keep ELF headers only when coredump_filter
		// bit 4 is set): the file on disk alone decides.
		rh_error_destroy(err);
		return;
	}
	ret->readable = true;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return;
	ret->is_elf = true;
	// Only what the target layer accepts (64-bit little-endian) is parsed;
	// anything else is left to libelf on the file.
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    eh.e_phnum > TARGET_PHNUM_MAX)
		return;
	uint64_t ph_addr;
	if (__builtin_add_overflow(load_addr, eh.e_phoff, &ph_addr))
		return;
	Elf64_Phdr *ph = malloc(eh.e_phnum * sizeof(*ph));
	if (!ph)
		return; // only a cross-check is lost
	err = rh_target_read(t, ph_addr, ph, eh.e_phnum * sizeof(*ph));
	if (err) {
		rh_error_destroy(err); // headers beyond the dumped page
		goto out_ph;
	}
	size_t i;
	for (i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD)
			layout_add(&ret->layout, &ret->have_layout,
				   ph[i].p_vaddr, ph[i].p_memsz);
	}
	if (!ret->have_layout)
		goto out_ph;
	ret->layout.e_type = eh.e_type;
	uint64_t bias = eh.e_type == ET_EXEC ? 0 :
		load_addr - (ret->layout.first_vaddr &
			     ~(uint64_t)(RH_IMAGE_PAGE_SIZE - 1));
	uint8_t *buf = malloc(TARGET_NOTES_MAX);
	if (!buf)
		goto out_ph;
	for (i = 0; i < eh.e_phnum && !ret->build_id_len; i++) {
		if (ph[i].p_type != PT_NOTE || ph[i].p_filesz < 12)
			continue;
		size_t size = ph[i].p_filesz > TARGET_NOTES_MAX ?
			TARGET_NOTES_MAX : (size_t)ph[i].p_filesz;
		uint64_t addr = ph[i].p_vaddr + bias; // wraps only to a fault
		err = rh_target_read(t, addr, buf, size);
		if (err) {
			rh_error_destroy(err); // not dumped: no cross-check
			continue;
		}
		notes_build_id(buf, size, ph[i].p_align == 8 ? 8 : 4,
			       ret->build_id, &ret->build_id_len);
	}
	free(buf);
out_ph:
	free(ph);
}

/* ------------------------------------------------------------ symbols */

/* Intern a string into one of the module's arenas; false on no memory or > 4 GiB. */
static bool add_name(struct image_strbuf *names, const char *s, uint32_t *ret)
{
	size_t off = names->len;
	if (off > UINT32_MAX)
		return false;
	if (!image_strbuf_append(names, s, strlen(s) + 1))
		return false;
	*ret = (uint32_t)off;
	return true;
}

static uint8_t bind_rank(unsigned bind)
{
	return bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;
}

/*
 * Append the symbols of every SHT_SYMTAB and SHT_DYNSYM section of ef.
 * Kept: defined (not UNDEF, ABS or COMMON) objects and functions, and
 * NOTYPE symbols with a size (hand-written assembly data). TLS symbols are
 * offsets, not addresses, and are left out.
 */
static struct rh_error *load_symbols(struct image_module *mod,
				     struct image_elf *ef, uint64_t bias,
				     size_t *cap)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr) ||
		    (shdr.sh_type != SHT_SYMTAB && shdr.sh_type != SHT_DYNSYM))
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf)
			continue;
		size_t entsize = gelf_fsize(ef->elf, ELF_T_SYM, 1, EV_CURRENT);
		if (!entsize)
			continue;
		size_t count = data->d_size / entsize;
		if (count > INT_MAX)
			count = INT_MAX; // gelf_getsym takes an int index
		for (size_t i = 1; i < count; i++) { // entry 0 is reserved
			GElf_Sym sym;
			if (!gelf_getsym(data, (int)i, &sym))
				break;
			unsigned type = GELF_ST_TYPE(sym.st_info);
			if (sym.st_shndx == SHN_UNDEF ||
			    sym.st_shndx == SHN_ABS ||
			    sym.st_shndx == SHN_COMMON)
				continue;
			if (!(type == STT_OBJECT || type == STT_FUNC ||
			      type == STT_GNU_IFUNC ||
			      (type == STT_NOTYPE && sym.st_size > 0)))
				continue;
			const char *name = elf_strptr(ef->elf, shdr.sh_link,
						      sym.st_name);
			if (!name || !*name)
				continue;
			if (mod->nsyms == *cap) {
				size_t ncap = *cap ? *cap * 2 : 1024;
				size_t bytes;
				if (__builtin_mul_overflow(ncap, sizeof(*mod->syms),
							   &bytes))
					return rh_enomem;
				struct image_symbol *s = realloc(mod->syms, bytes);
				if (!s)
					return rh_enomem;
				mod->syms = s;
				*cap = ncap;
			}
			struct image_symbol *s = &mod->syms[mod->nsyms];
			if (!add_name(&mod->sym_names, name, &s->name))
				return rh_enomem;
			s->addr = sym.st_value + bias;
			s->size = sym.st_size;
			s->rank = bind_rank(GELF_ST_BIND(sym.st_info));
			mod->nsyms++;
		}
	}
	return NULL;
}

static int cmp_sym_addr(const void *a, const void *b, void *arg)
{
	const struct image_symbol *x = a, *y = b;
	const char *names = arg;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	int r = strcmp(names + x->name, names + y->name);
	if (r)
		return r;
	return (int)x->rank - (int)y->rank;
}

/* Sort by address and drop the copies .dynsym and .symtab share. */
static void sort_symbols(struct image_module *mod)
{
	if (!mod->nsyms)
		return;
	qsort_r(mod->syms, mod->nsyms, sizeof(*mod->syms), cmp_sym_addr,
		mod->sym_names.data);
	size_t out = 1;
	for (size_t i = 1; i < mod->nsyms; i++) {
		struct image_symbol *prev = &mod->syms[out - 1];
		struct image_symbol *s = &mod->syms[i];
		// Same address and name: the better rank sorted first.
		if (s->addr == prev->addr &&
		    strcmp(mod->sym_names.data + s->name,
			   mod->sym_names.data + prev->name) == 0)
			continue;
		mod->syms[out++] = *s;
	}
	mod->nsyms = out;
}

/* Record the allocated, named sections of ef. */
static struct rh_error *load_sections(struct image_module *mod,
				      struct image_elf *ef, uint64_t bias)
{
	if (ef->shstrndx == SHN_UNDEF)
		return NULL;
	size_t cap = 0;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr) || !(shdr.sh_flags & SHF_ALLOC))
			continue;
		const char *name = elf_strptr(ef->elf, ef->shstrndx,
					      shdr.sh_name);
		if (!name || !*name)
			continue;
		if (mod->nsections == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct image_section *s =
				reallocarray(mod->sections, ncap, sizeof(*s));
			if (!s)
				return rh_enomem;
			mod->sections = s;
			cap = ncap;
		}
		struct image_section *s = &mod->sections[mod->nsections];
		if (!add_name(&mod->names, name, &s->name))
			return rh_enomem;
		s->addr = shdr.sh_addr + bias;
		s->size = shdr.sh_size;
		mod->nsections++;
	}
	return NULL;
}

/* ------------------------------------------------------------ modules */

/* The file's e_type and PT_LOAD extent; false if it has no PT_LOAD. */
static bool file_layout(struct image_elf *ef, struct layout *ret)
{
	size_t phnum;
	if (elf_getphdrnum(ef->elf, &phnum) != 0)
		return false;
	struct layout l = { .e_type = ef->ehdr.e_type };
	bool have = false;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr phdr;
		if (gelf_getphdr(ef->elf, (int)i, &phdr) &&
		    phdr.p_type == PT_LOAD)
			layout_add(&l, &have, phdr.p_vaddr, phdr.p_memsz);
	}
	if (have)
		*ret = l;
	return have;
}

/*
 * The writable data of a module: PT_LOAD segments with PF_W, with the
 * PT_GNU_RELRO span cut out (ld.so mprotects it read-only once relocations
 * are done, so it cannot hold pointers written later). A RELRO span that
 * overlaps no writable segment is ignored; segments that wrap are dropped.
 * Errors: RH_ERR_NO_MEMORY only.
 */
static struct rh_error *load_writable(struct image_module *mod,
				      struct image_elf *ef, uint64_t bias)
{
	size_t phnum;
	if (elf_getphdrnum(ef->elf, &phnum) != 0)
		return NULL;
	uint64_t relro_lo = 0, relro_hi = 0;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(ef->elf, (int)i, &ph) &&
		    ph.p_type == PT_GNU_RELRO &&
		    !__builtin_add_overflow(ph.p_vaddr, ph.p_memsz, &relro_hi))
			relro_lo = ph.p_vaddr;
	}
	// Each PF_W segment gives at most two pieces (before and after RELRO).
	struct rh_image_range *r = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		uint64_t lo, hi;
		if (!gelf_getphdr(ef->elf, (int)i, &ph) || ph.p_type != PT_LOAD ||
		    !(ph.p_flags & PF_W) || ph.p_memsz == 0 ||
		    __builtin_add_overflow(ph.p_vaddr, ph.p_memsz, &hi))
			continue;
		lo = ph.p_vaddr;
		uint64_t piece[2][2] = { { lo, hi }, { 0, 0 } };
		if (relro_lo < relro_hi && relro_lo < hi && relro_hi > lo) {
			piece[0][1] = relro_lo > lo ? relro_lo : lo;
			piece[1][0] = relro_hi < hi ? relro_hi : hi;
			piece[1][1] = hi;
		}
		for (int k = 0; k < 2; k++) {
			if (piece[k][0] >= piece[k][1])
				continue;
			uint64_t a, b;
			if (__builtin_add_overflow(piece[k][0], bias, &a) ||
			    __builtin_add_overflow(piece[k][1], bias, &b))
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 4;
				struct rh_image_range *p =
					reallocarray(r, ncap, sizeof(*p));
				if (!p) {
					free(r);
					return rh_enomem;
				}
				r = p;
				cap = ncap;
			}
			r[n].start = a;
			r[n].end = b;
			n++;
		}
	}
	// Program headers list PT_LOAD in ascending p_vaddr order (ELF
	// gABI), but a broken file may not: sort (n is tiny).
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && r[j - 1].start > r[j].start; j--) {
			struct rh_image_range t = r[j];
			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	mod->writable = r;
	mod->nwritable = n;
	return NULL;
}

static char *hex_string(const uint8_t *p, size_t len)
{
	char *s = malloc(2 * len + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i++)
		snprintf(s + 2 * i, 3, "%02x", p[i]);
	s[2 * len] = '\0';
	return s;
}

static void module_deinit(struct image_module *mod)
{
	free((char *)mod->pub.name);
	free((char *)mod->pub.local_path);
	free((char *)mod->pub.build_id);
	free((char *)mod->pub.debug_path);
	free((char *)mod->pub.debug_searched);
	image_strbuf_deinit(&mod->names);
	image_strbuf_deinit(&mod->sym_names);
	free(mod->syms);
	free(mod->by_name);
	free(mod->sections);
	free(mod->writable);
	memset(mod, 0, sizeof(*mod));
}

/*
 * The file for a mapped name: under the sysroot, resolved inside it as
 * chroot would (util/path.h), since the name comes from the core. NULL
 * with errno: ENOMEM, or why it cannot exist there (nothing to open).
 */
static char *join_sysroot(const char *sysroot, const char *path)
{
	if (!sysroot || !*sysroot)
		return strdup(path);
	return rh_path_in_root(sysroot, path);
}

/*
 * Build one module. *skip_ret is set (and mod left empty) when the mapping
 * is not an ELF file at all: a locale archive or any other mapped data.
 * Errors: RH_ERR_NO_MEMORY only; everything else becomes a problem.
 */
static struct rh_error *build_module(struct rh_image *img, struct rh_target *t,
				     const struct rh_image_module_spec *spec,
				     const struct rh_image_options *opts,
				     const struct image_debug_dirs *dd,
				     struct image_module *mod, bool *skip_ret)
{
	struct rh_error *err = NULL;
	struct image_elf ef = { .fd = -1 }, dbg = { .fd = -1 };
	struct image_strbuf searched = { 0 };
	char *local = NULL, *debug_path = NULL;

	memset(mod, 0, sizeof(*mod));
	*skip_ret = false;

	struct target_elf te = { 0 };
	if (t)
		read_target_elf(t, spec->load_addr, &te);
	if (te.readable && !te.is_elf) {
		*skip_ret = true;
		return NULL;
	}

	int missing = 0;
	local = spec->local_path ? strdup(spec->local_path) :
		join_sysroot(opts ? opts->sysroot : NULL, spec->name);
	if (!local && errno != ENOMEM && !spec->local_path)
		missing = errno;
	if (!local && !missing)
		return rh_enomem;
	// Never open a lexical join in its place: the root's own symlinks
	// would lead out of it.
	struct rh_error *open_err = missing ?
		rh_error_os(missing, spec->name, "cannot open %s inside the sysroot %s",
			    spec->name, opts->sysroot) :
		image_elf_open(local, &ef);
	if (open_err) {
		if (open_err->code == RH_ERR_UNSUPPORTED && !te.is_elf) {
			// A data file, a device: not a module.
			rh_error_destroy(open_err);
			free(local);
			*skip_ret = true;
			return NULL;
		}
		rh_problems_add_error(&img->problems, open_err,
				      "%s: no symbols", spec->name);
		free(local);
		local = NULL;
	}

	uint8_t id[RH_IMAGE_BUILD_ID_MAX];
	size_t id_len = 0;
	if (ef.elf && !image_elf_build_id(&ef, id, &id_len))
		id_len = 0;
	if (ef.elf && te.build_id_len &&
	    (id_len != te.build_id_len ||
	     memcmp(id, te.build_id, id_len) != 0)) {
		char *want = hex_string(te.build_id, te.build_id_len);
		char *have = id_len ? hex_string(id, id_len) : strdup("none");
		rh_problems_add(&img->problems,
				"%s: the file %s has build-id %s but the target "
				"loaded build-id %s: the file is not used "
				"(use --sysroot or --debug-dir to point at the "
				"right build)",
				spec->name, local, have ? have : "?",
				want ? want : "?");
		free(want);
		free(have);
		image_elf_close(&ef);
		free(local);
		local = NULL;
		id_len = 0;
	}
	if (!ef.elf && te.build_id_len) {
		memcpy(id, te.build_id, te.build_id_len);
		id_len = te.build_id_len;
	}

	// Debug file: the module itself, else a separate one.
	if (ef.elf && image_elf_has_debug_info(&ef)) {
		if (!(debug_path = strdup(local)) ||
		    !image_strbuf_append(&searched, local, strlen(local)))
			goto out_enomem;
	} else {
		if ((err = image_find_debug_file(dd, ef.elf ? &ef : NULL, local,
						 spec->name, id, id_len,
						 &searched, &img->problems,
						 &dbg, &debug_path)))
			goto out;
	}

	// Layout: the file, else the target's copy, else the debug file
	// (which keeps the program headers).
	struct layout lay = { .e_type = ET_NONE };
	bool have_layout = false;
	if (ef.elf)
		have_layout = file_layout(&ef, &lay);
	if (!have_layout && te.have_layout) {
		have_layout = true;
		lay = te.layout;
	}
	if (!have_layout && dbg.elf)
		have_layout = file_layout(&dbg, &lay);
	uint64_t bias;
	if (lay.e_type == ET_EXEC)
		bias = 0;
	else if (have_layout)
		bias = spec->load_addr -
		       (lay.first_vaddr & ~(uint64_t)(RH_IMAGE_PAGE_SIZE - 1));
	else
		bias = spec->load_addr;
	if (!have_layout && (ef.elf || dbg.elf))
		rh_problems_add(&img->problems,
				"%s: no PT_LOAD program header: symbols "
				"assume it is linked at address 0",
				spec->name);

	mod->pub.start = spec->start;
	mod->pub.end = spec->end;
	// The mappings of a file stop where its bytes do: .bss past the last
	// file page is anonymous memory. The span covers the PT_LOAD extent
	// as well, so that static variables in .bss are symbolized. An extent
	// that does not start at the load address, or is absurdly large,
	// comes from a broken header and is ignored.
	// A valid extent is also the whole span: the dynamic loader maps
	// only PT_LOAD segments, and a mapping of the file outside them is
	// the program's own mmap of it, no part of the module (libffi maps
	// its trampoline page again, megabytes away: a span stretched to it
	// covered other modules, and their functions were symbolized as
	// libffi's).
	if (have_layout) {
		uint64_t lo = lay.first_vaddr + bias, hi = lay.load_end + bias;
		if (lo <= hi && hi - lo < ((uint64_t)1 << 40) &&
		    (lo & ~(uint64_t)(RH_IMAGE_PAGE_SIZE - 1)) == spec->load_addr) {
			hi = (hi + RH_IMAGE_PAGE_SIZE - 1) &
			     ~(uint64_t)(RH_IMAGE_PAGE_SIZE - 1);
			mod->pub.start = spec->load_addr;
			mod->pub.end = hi;
		}
	}
	mod->pub.bias = bias;
	mod->pub.is_executable = lay.e_type == ET_EXEC ||
		(spec->main_program && (lay.e_type == ET_DYN || !have_layout));

	// Symbols of the file and of its debug file, read when first asked
	// for (module_symbols); sections of the file, or of the debug file
	// when the file is missing (same addresses).
	mod->sym_from_file = ef.elf != NULL;
	mod->sym_from_debug = dbg.elf != NULL;
	mod->sym_bias = bias;
	// A file reached through the live process itself (its own root, a
	// process in a container) goes away with it, and the analyses run
	// after it is resumed: its symbols are read now.
	if (spec->local_transient && spec->local_path) {
		size_t cap = 0;
		if (ef.elf && (err = load_symbols(mod, &ef, bias, &cap)))
			goto out;
		if (dbg.elf && (err = load_symbols(mod, &dbg, bias, &cap)))
			goto out;
		sort_symbols(mod);
		mod->sym_state = SYMS_READ;
	}
	if (ef.elf)
		err = load_sections(mod, &ef, bias);
	else if (dbg.elf)
		err = load_sections(mod, &dbg, bias);
	if (err)
		goto out;
	// Program headers of the file, or of the debug file (same layout).
	if (have_layout && (ef.elf || dbg.elf) &&
	    (err = load_writable(mod, ef.elf ? &ef : &dbg, bias)))
		goto out;

	mod->pub.name = strdup(spec->name);
	mod->pub.build_id = hex_string(id, id_len);
	mod->pub.debug_searched = strdup(searched.data ? searched.data : "");
	if (!mod->pub.name || !mod->pub.build_id || !mod->pub.debug_searched)
		goto out_enomem;
	mod->pub.local_path = local;
	mod->pub.debug_path = debug_path;
	local = debug_path = NULL;
	goto out;

out_enomem:
	err = rh_enomem;
out:
	image_elf_close(&dbg);
	image_elf_close(&ef);
	image_strbuf_deinit(&searched);
	free(local);
	free(debug_path);
	if (err)
		module_deinit(mod);
	return err;
}

static int cmp_module_start(const void *a, const void *b)
{
	const struct image_module *x = a, *y = b;
	if (x->pub.start != y->pub.start)
		return x->pub.start < y->pub.start ? -1 : 1;
	return 0;
}

static void notice(const struct rh_image_options *opts, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void notice(const struct rh_image_options *opts, const char *fmt, ...)
{
	if (!opts || !opts->notice)
		return;
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	opts->notice(opts->notice_arg, msg);
	free(msg);
}

/*
 * No local debug file for a module that defines the CPython runtime: ask
 * debuginfod (GDB's habit), for that module only -- refheap reads the
 * interpreter's DWARF and nothing else, and fetching libc's would cost a
 * download for nothing. The file is accepted only through its build-id,
 * like a local one.
 */
static struct rh_error *debuginfod_module(struct rh_image *img, struct image_module *mod,
					  const struct rh_image_options *opts)
{
	const char *hex = mod->pub.build_id;
	if (mod->pub.debug_path || !hex || !hex[0])
		return NULL;
	uint64_t addr;
	struct rh_error *err = rh_image_find_symbol(img, &mod->pub, "_PyRuntime", &addr, NULL);
	if (err) {
		rh_error_destroy(err);
		return NULL;
	}
	uint8_t id[RH_IMAGE_BUILD_ID_MAX];
	size_t id_len = strlen(hex) / 2;
	if (id_len > sizeof(id))
		return NULL;
	for (size_t k = 0; k < id_len; k++) {
		unsigned v;
		if (sscanf(hex + 2 * k, "%2x", &v) != 1)
			return NULL;
		id[k] = (uint8_t)v;
	}
	bool asked = !(opts && opts->no_debuginfod) && getenv("DEBUGINFOD_URLS") &&
		     *getenv("DEBUGINFOD_URLS");
	if (asked)
		notice(opts, "no local debug info for %s (build-id %s): asking debuginfod (%s)",
		       mod->pub.name, hex, getenv("DEBUGINFOD_URLS"));
	char *path = NULL;
	const char *why = NULL;
	if ((err = image_debuginfod_fetch(opts, id, id_len, &path, &why)))
		return err;
	char *note = NULL;
	if (path) {
		struct image_elf ef = { .fd = -1 };
		uint8_t got[RH_IMAGE_BUILD_ID_MAX];
		size_t got_len;
		struct rh_error *oe = image_elf_open(path, &ef);
		if (oe) {
			rh_problems_add_error(&img->problems, oe, "debuginfod's file %s", path);
			why = "debuginfod's file could not be opened";
		} else if (!image_elf_has_debug_info(&ef) || !image_elf_build_id(&ef, got, &got_len) ||
			   got_len != id_len || memcmp(got, id, id_len) != 0) {
			why = "debuginfod's file has no DWARF or another build-id";
		}
		image_elf_close(&ef);
		if (why) {
			free(path);
			path = NULL;
		}
	}
	if (path) {
		notice(opts, "debug info for %s from debuginfod: %s", mod->pub.name, path);
		if (asprintf(&note, "%s%sdebuginfod (%s)", mod->pub.debug_searched,
			     mod->pub.debug_searched[0] ? ", " : "", path) < 0)
			note = NULL;
		mod->pub.debug_path = path;
	} else {
		if (asked)
			notice(opts, "debuginfod: %s", why);
		if (asprintf(&note, "%s%s%s", mod->pub.debug_searched,
			     mod->pub.debug_searched[0] ? ", " : "", why) < 0)
			note = NULL;
	}
	if (!note)
		return rh_enomem;
	free((char *)mod->pub.debug_searched);
	mod->pub.debug_searched = note;
	return NULL;
}

struct rh_error *
rh_image_create_from_specs(struct rh_target *t,
			   const struct rh_image_module_spec *specs,
			   size_t nspecs, const struct rh_image_options *opts,
			   struct rh_image **ret)
{
	struct rh_error *err;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return rh_error_create(RH_ERR_UNSUPPORTED,
				       "libelf does not support this ELF version: %s",
				       elf_errmsg(-1));
	struct rh_image *img = calloc(1, sizeof(*img));
	if (!img)
		return rh_enomem;
	pthread_mutex_init(&img->sym_mu, NULL);
	rh_problems_init(&img->problems);
	struct image_debug_dirs dd;
	if ((err = image_debug_dirs_init(&dd, opts)))
		goto out_img;
	if (nspecs) {
		img->modules = calloc(nspecs, sizeof(*img->modules));
		if (!img->modules) {
			err = rh_enomem;
			goto out_dirs;
		}
	}
	for (size_t i = 0; i < nspecs; i++) {
		bool skip;
		err = build_module(img, t, &specs[i], opts, &dd,
				   &img->modules[img->nmodules], &skip);
		if (err)
			goto out_dirs;
		if (!skip)
			img->nmodules++;
	}
	if (img->nmodules)
		qsort(img->modules, img->nmodules, sizeof(*img->modules),
		      cmp_module_start);
	for (size_t i = 0; i < img->nmodules; i++)
		if ((err = debuginfod_module(img, &img->modules[i], opts)))
			goto out_dirs;
	image_debug_dirs_deinit(&dd);
	*ret = img;
	return NULL;

out_dirs:
	image_debug_dirs_deinit(&dd);
out_img:
	rh_image_destroy(img);
	return err;
}

/* ------------------------------------------------------------ from a target */

static int cmp_mapping_path(const void *a, const void *b, void *arg)
{
	const struct rh_target *t = arg;
	const struct rh_mapping *x = rh_target_mapping(t, *(const size_t *)a);
	const struct rh_mapping *y = rh_target_mapping(t, *(const size_t *)b);
	int r = strcmp(x->path, y->path);
	if (r)
		return r;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

struct rh_error *rh_image_create(struct rh_target *t,
				 const struct rh_image_options *opts,
				 struct rh_image **ret)
{
	struct rh_error *err;
	struct rh_problems early;
	rh_problems_init(&early);
	size_t n = rh_target_mapping_count(t);
	size_t *order = NULL;
	struct rh_image_module_spec *specs = NULL;
	size_t nspecs = 0;

	if (n) {
		order = calloc(n, sizeof(*order));
		specs = calloc(n, sizeof(*specs));
		if (!order || !specs) {
			err = rh_enomem;
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	// Mappings are sorted by start; group them by path, each group in
	// address order.
	if (n)
		qsort_r(order, n, sizeof(*order), cmp_mapping_path, t);

	uint64_t entry = 0;
	struct rh_error *aux_err = rh_target_auxv(t, AT_ENTRY, &entry);
	bool have_entry = !aux_err;
	if (aux_err)
		rh_problems_add_error(&early, aux_err,
				      "no AT_ENTRY in the auxiliary vector: a "
				      "position-independent main program is "
				      "not recognised as the executable");

	for (size_t i = 0; i < n;) {
		const struct rh_mapping *first = rh_target_mapping(t, order[i]);
		size_t j = i;
		const struct rh_mapping *at0 = NULL;
		const char *local_path = NULL;
		bool transient = false;
		uint64_t start = UINT64_MAX, end = 0;
		bool main_program = false;
		for (; j < n; j++) {
			const struct rh_mapping *m = rh_target_mapping(t, order[j]);
			if (strcmp(m->path, first->path) != 0)
				break;
			// The lowest mapping at offset 0 holds the ELF header;
			// a file mapped again elsewhere (rare) is not
			// another module here.
			if (m->file_offset == 0 && !at0)
				at0 = m;
			if (!local_path && m->local_path) {
				local_path = m->local_path;
				transient = m->local_transient;
			}
			if (m->start < start)
				start = m->start;
			if (m->end > end)
				end = m->end;
			if (have_entry && entry >= m->start && entry < m->end)
				main_program = true;
		}
		i = j;
		// "[vdso]" and other pseudo-files are not files on disk.
		if (first->path[0] != '/')
			continue;
		if (!at0) {
			rh_problems_add(&early,
					"%s: no mapping at file offset 0, so "
					"its load address is unknown: no "
					"module for it", first->path);
			continue;
		}
		if (at0->local_path) {
			local_path = at0->local_path;
			transient = at0->local_transient;
		}
		specs[nspecs++] = (struct rh_image_module_spec){
			.name = first->path,
			.local_path = local_path,
			.local_transient = transient,
			.load_addr = at0->start,
			.start = start,
			.end = end,
			.main_program = main_program,
		};
	}

	struct rh_image *img;
	if ((err = rh_image_create_from_specs(t, specs, nspecs, opts, &img)))
		goto out;
	// Problems found while grouping come first.
	for (size_t k = 0; k < img->problems.count; k++)
		rh_problems_add(&early, "%s", img->problems.messages[k]);
	early.dropped += img->problems.dropped;
	rh_problems_deinit(&img->problems);
	img->problems = early;
	rh_problems_init(&early);
	*ret = img;
out:
	rh_problems_deinit(&early);
	free(specs);
	free(order);
	return err;
}

void rh_image_destroy(struct rh_image *img)
{
	if (!img)
		return;
	for (size_t i = 0; i < img->nmodules; i++)
		module_deinit(&img->modules[i]);
	free(img->modules);
	rh_problems_deinit(&img->problems);
	pthread_mutex_destroy(&img->sym_mu);
	free(img);
}

/* ------------------------------------------------------------ queries */

size_t rh_image_module_count(const struct rh_image *img)
{
	return img->nmodules;
}

const struct rh_module *rh_image_module(const struct rh_image *img, size_t i)
{
	return i < img->nmodules ? &img->modules[i].pub : NULL;
}

const struct rh_problems *rh_image_problems(const struct rh_image *img)
{
	return &img->problems;
}

/* The image_module behind a public pointer, or NULL if not one of ours. */
static struct image_module *module_of(const struct rh_image *img,
				      const struct rh_module *m)
{
	for (size_t i = 0; i < img->nmodules; i++) {
		if (&img->modules[i].pub == m)
			return &img->modules[i];
	}
	return NULL;
}

size_t rh_image_module_writable_ranges(const struct rh_image *img,
				       const struct rh_module *m,
				       const struct rh_image_range **ranges_ret)
{
	const struct image_module *mod = module_of(img, m);
	*ranges_ret = mod && mod->nwritable ? mod->writable : NULL;
	return mod ? mod->nwritable : 0;
}

static int cmp_sym_name(const void *a, const void *b, void *arg)
{
	const struct image_module *mod = arg;
	const struct image_symbol *x = &mod->syms[*(const uint32_t *)a];
	const struct image_symbol *y = &mod->syms[*(const uint32_t *)b];
	int r = strcmp(mod->sym_names.data + x->name, mod->sym_names.data + y->name);
	if (r)
		return r;
	if (x->rank != y->rank)
		return (int)x->rank - (int)y->rank;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

static struct rh_error *build_name_index(struct image_module *mod)
{
	if (mod->by_name || !mod->nsyms)
		return NULL;
	if (mod->nsyms > UINT32_MAX)
		return rh_error_create(RH_ERR_LIMIT,
				       "%s has more than 2^32 symbols",
				       mod->pub.name);
	uint32_t *idx = calloc(mod->nsyms, sizeof(*idx));
	if (!idx)
		return rh_enomem;
	for (size_t i = 0; i < mod->nsyms; i++)
		idx[i] = (uint32_t)i;
	qsort_r(idx, mod->nsyms, sizeof(*idx), cmp_sym_name, mod);
	mod->by_name = idx;
	return NULL;
}

/*
 * Read the symbols of the files build_module chose, as it would have: a
 * file that cannot be opened again (gone since) gives none.
 */
static struct rh_error *read_symbols(struct image_module *mod)
{
	const char *paths[2] = { mod->sym_from_file ? mod->pub.local_path : NULL,
				 mod->sym_from_debug ? mod->pub.debug_path : NULL };
	size_t cap = 0;
	struct rh_error *err = NULL;
	for (int k = 0; k < 2 && !err; k++) {
		struct image_elf ef = { .fd = -1 };
		if (!paths[k])
			continue;
		struct rh_error *oe = image_elf_open(paths[k], &ef);
		if (oe) {
			rh_error_destroy(oe);
			continue;
		}
		err = load_symbols(mod, &ef, mod->sym_bias, &cap);
		image_elf_close(&ef);
	}
	if (err) {
		free(mod->syms);
		mod->syms = NULL;
		mod->nsyms = 0;
		return err;
	}
	sort_symbols(mod);
	return NULL;
}

/*
 * The module's symbols read (and with by_name, indexed by name), once,
 * whichever thread asks first. Errors: RH_ERR_NO_MEMORY, RH_ERR_LIMIT;
 * the module then has no symbols (or no name index) for every later
 * query, which fails or misses as for a module without symbol tables.
 */
static struct rh_error *module_symbols(struct rh_image *img, struct image_module *mod,
				       bool by_name)
{
	int want = by_name ? SYMS_BY_NAME : SYMS_READ;
	if (__atomic_load_n(&mod->sym_state, __ATOMIC_ACQUIRE) >= want)
		return NULL;
	struct rh_error *err = NULL;
	pthread_mutex_lock(&img->sym_mu);
	int state = mod->sym_state;
	if (state < SYMS_READ) {
		err = read_symbols(mod);
		state = SYMS_READ;
	}
	if (!err && by_name && state < SYMS_BY_NAME && !(err = build_name_index(mod)))
		state = SYMS_BY_NAME;
	__atomic_store_n(&mod->sym_state, state, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&img->sym_mu);
	return err;
}

static const char *sym_name(const struct image_module *mod, size_t by_name_i)
{
	return mod->sym_names.data + mod->syms[mod->by_name[by_name_i]].name;
}

/*
 * First position in by_name whose name is not below the key: the key is
 * name (len bytes) itself, or, with dot, name followed by '.'.
 */
static size_t name_lower_bound(const struct image_module *mod,
			       const char *name, size_t len, bool dot)
{
	size_t lo = 0, hi = mod->nsyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *s = sym_name(mod, mid);
		int r = strncmp(s, name, len);
		bool below;
		if (r != 0)
			below = r < 0;
		else if (dot)
			below = (unsigned char)s[len] < '.';
		else
			below = false; // s is name itself or longer: not below
		if (below)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * How good a compiler-renamed match is: 0 for "lto_priv..." or a number
 * (a renamed static variable), 2 for a ".cold" part of a split function,
 * 1 for anything else ("isra", "constprop", "part").
 */
static int suffix_score(const char *suffix)
{
	if (strncmp(suffix, "lto_priv", 8) == 0)
		return 0;
	if (*suffix && strspn(suffix, "0123456789") == strlen(suffix))
		return 0;
	if (strncmp(suffix, "cold", 4) == 0 || strstr(suffix, ".cold"))
		return 2;
	return 1;
}

size_t rh_image_c_name_len(const char *name)
{
	const char *dot = strchr(name, '.');
	if (!dot || dot == name)
		return strlen(name);
	const char *suffix = dot + 1;
	// "lto_priv.N" (GCC's LTO) or "N" (a static renamed in its unit)
	if (strncmp(suffix, "lto_priv.", 9) == 0)
		suffix += 9;
	if (*suffix && strspn(suffix, "0123456789") == strlen(suffix))
		return (size_t)(dot - name);
	return strlen(name);
}

/*
 * Look name up in one module: the exact name (a global before a weak
 * before a local, then the lowest address), else with renamed set, the
 * best "name.<suffix>" (see suffix_score; ties go to the first by name).
 */
static bool module_find_symbol(const struct image_module *mod,
			       const char *name, bool renamed,
			       const struct image_symbol **ret)
{
	size_t len = strlen(name);
	if (!renamed) {
		size_t i = name_lower_bound(mod, name, len, false);
		if (i < mod->nsyms && strcmp(sym_name(mod, i), name) == 0) {
			*ret = &mod->syms[mod->by_name[i]];
			return true;
		}
		return false;
	}
	const struct image_symbol *best = NULL;
	int best_score = 3;
	// Names "name.<anything>" are contiguous in by_name; the walk is
	// O(number of them).
	for (size_t i = name_lower_bound(mod, name, len, true);
	     i < mod->nsyms; i++) {
		const char *s = sym_name(mod, i);
		if (strncmp(s, name, len) != 0 || s[len] != '.')
			break;
		int score = suffix_score(s + len + 1);
		if (score < best_score) {
			best = &mod->syms[mod->by_name[i]];
			best_score = score;
		}
	}
	if (!best)
		return false;
	*ret = best;
	return true;
}

/* Modules in lookup order: executables first, then the rest by address. */
static struct image_module *nth_in_lookup_order(struct rh_image *img, size_t k)
{
	size_t seen = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < img->nmodules; i++) {
			if (img->modules[i].pub.is_executable != (pass == 0))
				continue;
			if (seen++ == k)
				return &img->modules[i];
		}
	}
	return NULL;
}

struct rh_error *rh_image_find_symbol(struct rh_image *img,
				      const struct rh_module *m,
				      const char *name, uint64_t *addr_ret,
				      uint64_t *size_ret)
{
	struct rh_error *err;
	if (!name || !*name)
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "empty symbol name");
	struct image_module *only = NULL;
	if (m && !(only = module_of(img, m)))
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "looking up %s: module is not part of "
				       "this image", name);
	size_t count = only ? 1 : img->nmodules;
	// An exact name anywhere beats a renamed static anywhere.
	for (int renamed = 0; renamed < 2; renamed++) {
		for (size_t k = 0; k < count; k++) {
			struct image_module *mod =
				only ? only : nth_in_lookup_order(img, k);
			if ((err = module_symbols(img, mod, true)))
				return err;
			const struct image_symbol *s;
			if (module_find_symbol(mod, name, renamed, &s)) {
				*addr_ret = s->addr;
				if (size_ret)
					*size_ret = s->size;
				return NULL;
			}
		}
	}
	if (only)
		return rh_error_create(
			RH_ERR_NOT_FOUND,
			"no symbol %s in %s (%zu symbols read from %s%s%s)",
			name, only->pub.name, only->nsyms,
			only->pub.local_path ? only->pub.local_path : "no file",
			only->pub.debug_path &&
					(!only->pub.local_path ||
					 strcmp(only->pub.debug_path,
						only->pub.local_path) != 0) ?
				" and " : "",
			only->pub.debug_path &&
					(!only->pub.local_path ||
					 strcmp(only->pub.debug_path,
						only->pub.local_path) != 0) ?
				only->pub.debug_path : "");
	return rh_error_create(RH_ERR_NOT_FOUND,
			       "no symbol %s in any of the %zu loaded modules",
			       name, img->nmodules);
}

struct rh_error *rh_image_find_section(struct rh_image *img,
				       const struct rh_module *m,
				       const char *name, uint64_t *addr_ret,
				       uint64_t *size_ret)
{
	struct image_module *only = NULL;
	if (m && !(only = module_of(img, m)))
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "looking up section %s: module is not "
				       "part of this image", name);
	size_t count = only ? 1 : img->nmodules;
	for (size_t k = 0; k < count; k++) {
		struct image_module *mod =
			only ? only : nth_in_lookup_order(img, k);
		for (size_t i = 0; i < mod->nsections; i++) {
			const struct image_section *s = &mod->sections[i];
			if (strcmp(mod->names.data + s->name, name) == 0) {
				*addr_ret = s->addr;
				if (size_ret)
					*size_ret = s->size;
				return NULL;
			}
		}
	}
	if (only)
		return rh_error_create(RH_ERR_NOT_FOUND,
				       "no section %s in %s (%s)", name,
				       only->pub.name,
				       only->pub.local_path ?
					       only->pub.local_path :
					       "file not found");
	return rh_error_create(RH_ERR_NOT_FOUND,
			       "no section %s in any of the %zu loaded modules",
			       name, img->nmodules);
}

const struct rh_module *rh_image_module_containing(const struct rh_image *img,
						   uint64_t addr)
{
	if (!img)
		return NULL;   // no image read (a runtime made without one)
	for (size_t i = 0; i < img->nmodules; i++)
		if (addr >= img->modules[i].pub.start && addr < img->modules[i].pub.end)
			return &img->modules[i].pub;
	return NULL;
}

bool rh_image_symbolize(struct rh_image *img, uint64_t addr,
			const struct rh_module **module_ret,
			const char **name_ret, uint64_t *offset_ret)
{
	const struct image_module *mod = NULL;
	for (size_t i = 0; i < img->nmodules; i++) {
		if (addr >= img->modules[i].pub.start &&
		    addr < img->modules[i].pub.end) {
			mod = &img->modules[i];
			break;
		}
	}
	if (!mod)
		return false;
	struct rh_error *err = module_symbols(img, (struct image_module *)mod, false);
	if (err) {
		rh_error_destroy(err);
		return false;
	}
	if (!mod->nsyms || mod->syms[0].addr > addr)
		return false;
	// Last symbol at or below addr: syms[lo - 1] after the search.
	size_t lo = 0, hi = mod->nsyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (mod->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	// Among aliases at that address, prefer one whose size covers addr,
	// then the best binding; the first in sort order on ties.
	uint64_t at = mod->syms[lo - 1].addr;
	const struct image_symbol *best = NULL;
	int best_key = 0;
	for (size_t i = lo; i-- > 0 && mod->syms[i].addr == at;) {
		const struct image_symbol *s = &mod->syms[i];
		bool covers = addr - s->addr < s->size;
		int key = (covers ? 0 : 4) + s->rank;
		if (!best || key <= best_key) {
			best = s;
			best_key = key;
		}
	}
	if (module_ret)
		*module_ret = &mod->pub;
	if (name_ret)
		*name_ret = mod->sym_names.data + best->name;
	if (offset_ret)
		*offset_ret = addr - best->addr;
	return true;
}
