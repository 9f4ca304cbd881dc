/*
 * ELF core files: the core is mmapped read-only and every header field is
 * checked before it is trusted (a core is untrusted input).
 *
 * What a core holds and where reads go:
 *  - each PT_LOAD is one mapping of the process; its bytes [0, p_filesz)
 *    are in the core at p_offset, clamped to the real size of the file so
 *    that a truncated core opens and its missing bytes read as
 *    RH_ERR_TRUNCATED;
 *  - bytes [p_filesz, p_memsz) were not dumped. The kernel (coredump_filter
 *    bit 2 is off by default) and gcore leave out file-backed pages nobody
 *    wrote to, i.e. pages still identical to the file. NT_FILE says which
 *    file and offset each mapping came from, so those bytes are read from the
 *    file on this machine (after --sysroot/--exe), but only once its build-id
 *    matches the build-id in the core's own copy of the file's ELF headers
 *    (the kernel and gcore dump the first page of ELF mappings). A missing or
 *    different file makes them a FAULT that says so; they never read as
 *    zeros, unlike libunwind's _UCD_access_mem, which reads whatever follows
 *    in the core.
 *  - notes: NT_PRSTATUS (one per thread: tid and registers), NT_PRPSINFO
 *    (pid), NT_AUXV, NT_FILE.
 *
 * At open the PT_LOADs and NT_FILE mappings are cut into elementary
 * intervals and merged back into one segment table (build_segments()), so a
 * read never has to ask "which source?" beyond the segment's kind.
 *
 * Start reading at rh_target_open_core().
 */
#include "config.h"

#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/procfs.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <unistd.h>

#include "target/target.h"
#include "target/target_internal.h"
#include "util/error.h"
#include "util/path.h"
#include "util/prefault.h"

_Static_assert(sizeof(((struct elf_prstatus *)0)->pr_reg) ==
		       sizeof(((struct rh_thread *)0)->regs),
	       "rh_thread.regs must hold elf_gregset_t");
_Static_assert(sizeof(struct user_regs_struct) ==
		       sizeof(((struct rh_thread *)0)->regs),
	       "rh_thread.regs must hold user_regs_struct");

#define REG_INDEX(field) (offsetof(struct user_regs_struct, field) / 8)

/* Longest build-id we keep; GNU ld writes 20 bytes (sha1), some 16 or 32. */
#define BUILD_ID_MAX 64
/* Largest note segment of a mapped ELF file we read to find its build-id. */
#define ELF_NOTES_MAX (1u << 20)
/* Most program headers of a mapped ELF file we look at. */
#define ELF_PHNUM_MAX 4096

struct core_load {
	uint64_t vaddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t offset;
	uint64_t avail;   /* bytes of [0, filesz) actually in the file */
	uint8_t prot;
};

enum backing_state {
	BK_OK,          /* build-id matches: serve undumped bytes from it */
	BK_UNVERIFIED,  /* no build-id to compare: served, problem recorded */
	BK_MISSING,     /* could not be opened */
	BK_MISMATCH,    /* a different file */
};

/* One distinct file named by NT_FILE. */
struct backing {
	const char *path;       /* as in the core; borrowed from names */
	char *local_path;       /* what we opened (sysroot/--exe applied) */
	const uint8_t *map;     /* the whole file, or NULL */
	size_t size;
	enum backing_state state;
	int errnum;             /* BK_MISSING: why */
	bool missing_reported;
	/*
	 * BK_MISMATCH: the build-ids as hex, or why there is none ("no
	 * build-id"...), for messages; NULL otherwise (or out of memory).
	 * Kept small: a hostile core can name many files.
	 */
	char *core_id;
	char *file_id;
};

struct rh_core_state {
	const uint8_t *map;     /* the core file */
	size_t size;
	struct core_load *loads;  /* sorted by vaddr, non-overlapping */
	size_t nloads;
	char *names;            /* NT_FILE names; mapping paths point here */
	struct backing *files;
	size_t nfiles;
	uint32_t *map_file;     /* per mapping: index into files */
	uint64_t page_size;     /* the process's (AT_PAGESZ), or 4096 */
	bool have_nt_file;
	bool have_pid;
};

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static uint8_t prot_from_flags(uint32_t p_flags)
{
	return (uint8_t)(((p_flags & PF_R) ? RH_PROT_READ : 0) |
			 ((p_flags & PF_W) ? RH_PROT_WRITE : 0) |
			 ((p_flags & PF_X) ? RH_PROT_EXEC : 0));
}

static const char *elf_type_name(uint16_t e_type)
{
	switch (e_type) {
	case ET_EXEC:
		return "an ELF executable";
	case ET_DYN:
		return "an ELF shared object";
	case ET_REL:
		return "an ELF relocatable object";
	default:
		return "an ELF file of unknown type";
	}
}

/* ---------------------------------------------------------------- headers */

/*
 * Check the ELF header, in the order libunwind's _UCD_create does: magic,
 * class and byte order before any multi-byte field is believed.
 */
static struct rh_error *check_ehdr(const char *path, const uint8_t *map,
				   size_t size, Elf64_Ehdr *ret)
{
	if (size < SELFMAG || memcmp(map, ELFMAG, SELFMAG) != 0)
		return rh_error_create(RH_ERR_NOT_CORE,
				       "%s is not an ELF file (no ELF magic), so not a core file",
				       path);
	if (size < EI_NIDENT)
		return rh_error_create(RH_ERR_TRUNCATED,
				       "core file %s is truncated: it ends inside its ELF header (%zu bytes)",
				       path, size);
	if (map[EI_CLASS] != ELFCLASS64)
		return rh_error_create(RH_ERR_UNSUPPORTED,
				       "%s is a %s ELF file: only 64-bit x86-64 cores are supported",
				       path,
				       map[EI_CLASS] == ELFCLASS32 ? "32-bit"
								   : "bad-class");
	if (map[EI_DATA] != ELFDATA2LSB)
		return rh_error_create(RH_ERR_UNSUPPORTED,
				       "%s is a big-endian (or bad byte order) ELF file: only little-endian x86-64 cores are supported",
				       path);
	if (size < sizeof(Elf64_Ehdr))
		return rh_error_create(RH_ERR_TRUNCATED,
				       "core file %s is truncated: it ends inside its ELF header (%zu bytes)",
				       path, size);
	Elf64_Ehdr eh;
	memcpy(&eh, map, sizeof(eh));
	if (eh.e_type != ET_CORE)
		return rh_error_create(RH_ERR_NOT_CORE,
				       "%s is %s, not a core file", path,
				       elf_type_name(eh.e_type));
	if (eh.e_machine != EM_X86_64)
		return rh_error_create(RH_ERR_UNSUPPORTED,
				       "core file %s is for ELF machine %u: only x86-64 (%u) is supported",
				       path, (unsigned)eh.e_machine,
				       (unsigned)EM_X86_64);
	if (eh.e_phnum != 0 && eh.e_phentsize != sizeof(Elf64_Phdr))
		return RH_BAD_DATA(0,
				   "core file %s: e_phentsize is %u, expected %zu",
				   path, (unsigned)eh.e_phentsize,
				   sizeof(Elf64_Phdr));
	*ret = eh;
	return NULL;
}

/* The number of program headers, following PN_XNUM to section 0. */
static struct rh_error *get_phnum(const char *path, const uint8_t *map,
				  size_t size, const Elf64_Ehdr *eh,
				  uint64_t *ret)
{
	if (eh->e_phnum != PN_XNUM) {
		*ret = eh->e_phnum;
		return NULL;
	}
	// More than 65534 segments (a large process): the kernel puts the
	// count in section header 0's sh_info.
	if (eh->e_shentsize != sizeof(Elf64_Shdr))
		return RH_BAD_DATA(0,
				   "core file %s: e_phnum is PN_XNUM but e_shentsize is %u, expected %zu",
				   path, (unsigned)eh->e_shentsize,
				   sizeof(Elf64_Shdr));
	if (eh->e_shoff > size || size - eh->e_shoff < sizeof(Elf64_Shdr))
		return rh_error_create(RH_ERR_TRUNCATED,
				       "core file %s is truncated: section header 0 at offset 0x%" PRIx64
				       " is past its end (%zu bytes) (was the dump interrupted? re-take it)",
				       path, (uint64_t)eh->e_shoff, size);
	Elf64_Shdr sh;
	memcpy(&sh, map + eh->e_shoff, sizeof(sh));
	*ret = sh.sh_info;
	return NULL;
}

/* ------------------------------------------------------------------ notes */

/* Append a thread; the array grows by doubling. */
static struct rh_error *add_thread(struct rh_target *t, size_t *cap,
				   const struct rh_thread *th)
{
	if (t->nthreads == *cap) {
		size_t n = *cap ? 2 * *cap : 8;
		struct rh_thread *p = reallocarray(t->threads, n, sizeof(*p));
		if (!p)
			return rh_enomem;
		t->threads = p;
		*cap = n;
	}
	t->threads[t->nthreads++] = *th;
	return NULL;
}

static struct rh_error *parse_prstatus(struct rh_target *t, size_t *cap,
				       const uint8_t *desc, uint32_t descsz,
				       uint64_t note_off)
{
	struct elf_prstatus pr;
	if (descsz < sizeof(pr))
		return RH_BAD_DATA(0,
				   "core file %s: NT_PRSTATUS note at offset 0x%" PRIx64
				   " has %" PRIu32 " bytes, expected %zu",
				   t->name, note_off, descsz, sizeof(pr));
	memcpy(&pr, desc, sizeof(pr));
	struct rh_thread th = { .tid = pr.pr_pid, .have_regs = true };
	for (size_t i = 0; i < 27; i++)
		th.regs[i] = pr.pr_reg[i];
	th.pc = th.regs[REG_INDEX(rip)];
	th.sp = th.regs[REG_INDEX(rsp)];
	th.fs_base = th.regs[REG_INDEX(fs_base)];
	if (!t->core->have_pid) {
		// Until NT_PRPSINFO says otherwise: the first thread is the
		// one that dumped, usually the main one.
		t->pid = pr.pr_pid;
	}
	return add_thread(t, cap, &th);
}

static struct rh_error *parse_prpsinfo(struct rh_target *t, const uint8_t *desc,
				       uint32_t descsz, uint64_t note_off)
{
	struct elf_prpsinfo ps;
	if (descsz < sizeof(ps))
		return RH_BAD_DATA(0,
				   "core file %s: NT_PRPSINFO note at offset 0x%" PRIx64
				   " has %" PRIu32 " bytes, expected %zu",
				   t->name, note_off, descsz, sizeof(ps));
	memcpy(&ps, desc, sizeof(ps));
	t->pid = ps.pr_pid;
	t->core->have_pid = true;
	return NULL;
}

static struct rh_error *parse_auxv(struct rh_target *t, const uint8_t *desc,
				   uint32_t descsz)
{
	if (t->auxv) {
		rh_problems_add(&t->problems,
				"core file %s has more than one NT_AUXV note; the first one is used",
				t->name);
		return NULL;
	}
	size_t n = descsz / 16;
	if (!n)
		return NULL;
	t->auxv = calloc(n, 2 * sizeof(uint64_t));
	if (!t->auxv)
		return rh_enomem;
	for (size_t i = 0; i < n; i++) {
		uint64_t type = get_u64(desc + 16 * i);
		if (type == AT_NULL)
			break;
		t->auxv[2 * i] = type;
		t->auxv[2 * i + 1] = get_u64(desc + 16 * i + 8);
		t->nauxv++;
	}
	return NULL;
}

static int mapping_compare(const void *a, const void *b)
{
	const struct rh_mapping *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/*
 * NT_FILE (fs/binfmt_elf.c fill_files_note()): count, page_size, then count
 * x {start, end, file_ofs in pages}, then count NUL-terminated names.
 */
static struct rh_error *parse_nt_file(struct rh_target *t, const uint8_t *desc,
				      uint32_t descsz, uint64_t note_off)
{
	struct rh_core_state *cs = t->core;
	if (cs->have_nt_file) {
		rh_problems_add(&t->problems,
				"core file %s has more than one NT_FILE note; the first one is used",
				t->name);
		return NULL;
	}
	if (descsz < 16)
		return RH_BAD_DATA(0,
				   "core file %s: NT_FILE note at offset 0x%" PRIx64
				   " has %" PRIu32 " bytes, too few for its header",
				   t->name, note_off, descsz);
	uint64_t count = get_u64(desc);
	uint64_t page_size = get_u64(desc + 8);
	// Each entry takes 24 bytes plus at least one byte of name: cap the
	// count by that before it sizes anything.
	uint64_t room = (descsz - 16) / 25;
	if (count > room)
		return RH_BAD_DATA(0,
				   "core file %s: NT_FILE note at offset 0x%" PRIx64
				   " claims %" PRIu64 " mappings but has room for at most %" PRIu64,
				   t->name, note_off, count, room);
	if (page_size == 0 || (page_size & (page_size - 1)) != 0)
		return RH_BAD_DATA(0,
				   "core file %s: NT_FILE note at offset 0x%" PRIx64
				   " has page size %" PRIu64 ", not a power of two",
				   t->name, note_off, page_size);
	cs->have_nt_file = true;
	if (!count)
		return NULL;
	const uint8_t *entries = desc + 16;
	const uint8_t *names = entries + 24 * count;
	size_t names_len = descsz - 16 - 24 * count;

	cs->names = malloc(names_len + 1);
	t->mappings = calloc(count, sizeof(*t->mappings));
	if (!cs->names || !t->mappings)
		return rh_enomem;
	memcpy(cs->names, names, names_len);
	cs->names[names_len] = '\0';

	size_t pos = 0;
	for (uint64_t i = 0; i < count; i++) {
		struct rh_mapping *m = &t->mappings[i];
		m->start = get_u64(entries + 24 * i);
		m->end = get_u64(entries + 24 * i + 8);
		uint64_t pgoff = get_u64(entries + 24 * i + 16);
		if (m->start >= m->end)
			return RH_BAD_DATA(m->start,
					   "core file %s: NT_FILE note at offset 0x%" PRIx64
					   ": mapping %" PRIu64 " is empty or reversed (0x%" PRIx64 "-0x%" PRIx64 ")",
					   t->name, note_off, i, m->start, m->end);
		if (__builtin_mul_overflow(pgoff, page_size, &m->file_offset))
			return RH_BAD_DATA(m->start,
					   "core file %s: NT_FILE note at offset 0x%" PRIx64
					   ": mapping %" PRIu64 " has file offset %" PRIu64 " pages, too large",
					   t->name, note_off, i, pgoff);
		const char *nul = memchr(cs->names + pos, '\0', names_len - pos);
		if (pos >= names_len || !nul)
			return RH_BAD_DATA(0,
					   "core file %s: NT_FILE note at offset 0x%" PRIx64
					   ": name of mapping %" PRIu64 " runs past the end of the note",
					   t->name, note_off, i);
		m->path = cs->names + pos;
		pos = (size_t)(nul - cs->names) + 1;
		t->nmappings++;
	}
	qsort(t->mappings, t->nmappings, sizeof(*t->mappings), mapping_compare);
	for (size_t i = 1; i < t->nmappings; i++) {
		// The kernel writes one entry per VMA; VMAs do not overlap.
		if (t->mappings[i].start < t->mappings[i - 1].end)
			return RH_BAD_DATA(t->mappings[i].start,
					   "core file %s: NT_FILE note at offset 0x%" PRIx64
					   ": mappings 0x%" PRIx64 "-0x%" PRIx64 " and 0x%" PRIx64 "-0x%" PRIx64 " overlap",
					   t->name, note_off, t->mappings[i - 1].start,
					   t->mappings[i - 1].end, t->mappings[i].start,
					   t->mappings[i].end);
	}
	return NULL;
}

static bool note_name_is(const uint8_t *name, uint32_t namesz, const char *want)
{
	size_t n = strlen(want);
	// The name is NUL-terminated and namesz counts the NUL.
	return namesz == n + 1 && memcmp(name, want, n) == 0 && name[n] == '\0';
}

/*
 * Walk the notes of one PT_NOTE segment (file bytes [off, off + size)).
 * Every note must fit: 12 bytes of header, then name and desc, each padded
 * to 4 bytes. The padding after the last desc may be missing.
 */
static struct rh_error *parse_notes(struct rh_target *t, size_t *thread_cap,
				    uint64_t off, uint64_t size)
{
	const uint8_t *seg = t->core->map + off;
	uint64_t pos = 0;
	while (pos < size) {
		uint64_t left = size - pos;
		uint64_t note_off = off + pos;
		if (left < 12)
			return RH_BAD_DATA(0,
					   "core file %s: note at offset 0x%" PRIx64
					   " overruns its PT_NOTE segment (%" PRIu64 " bytes left, a note header needs 12)",
					   t->name, note_off, left);
		uint32_t namesz = get_u32(seg + pos);
		uint32_t descsz = get_u32(seg + pos + 4);
		uint32_t type = get_u32(seg + pos + 8);
		uint64_t name_pad = ((uint64_t)namesz + 3) & ~(uint64_t)3;
		uint64_t desc_pad = ((uint64_t)descsz + 3) & ~(uint64_t)3;
		if (name_pad > left - 12 || descsz > left - 12 - name_pad)
			return RH_BAD_DATA(0,
					   "core file %s: note at offset 0x%" PRIx64
					   " overruns its PT_NOTE segment (namesz %" PRIu32 ", descsz %" PRIu32 ", %" PRIu64 " bytes left)",
					   t->name, note_off, namesz, descsz,
					   left - 12);
		const uint8_t *name = seg + pos + 12;
		const uint8_t *desc = name + name_pad;
		struct rh_error *err = NULL;
		if (note_name_is(name, namesz, "CORE")) {
			switch (type) {
			case NT_PRSTATUS:
				err = parse_prstatus(t, thread_cap, desc,
						     descsz, note_off);
				break;
			case NT_PRPSINFO:
				err = parse_prpsinfo(t, desc, descsz, note_off);
				break;
			case NT_AUXV:
				err = parse_auxv(t, desc, descsz);
				break;
			case NT_FILE:
				err = parse_nt_file(t, desc, descsz, note_off);
				break;
			default:
				break;  // FP registers, siginfo: not needed
			}
		}
		if (err)
			return err;
		uint64_t step = 12 + name_pad + desc_pad;
		pos = step > left ? size : pos + step;
	}
	return NULL;
}

/* ----------------------------------------------------------- PT_LOAD + phdrs */

static int load_compare(const void *a, const void *b)
{
	const struct core_load *x = a, *y = b;
	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	return 0;
}

/* Index of the load whose [vaddr, vaddr + memsz) holds addr, or nloads. */
static size_t find_load(const struct rh_core_state *cs, uint64_t addr)
{
	size_t lo = 0, hi = cs->nloads;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cs->loads[mid].vaddr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr - cs->loads[lo - 1].vaddr >= cs->loads[lo - 1].memsz)
		return cs->nloads;
	return lo - 1;
}

static size_t find_mapping(const struct rh_target *t, uint64_t addr)
{
	size_t lo = 0, hi = t->nmappings;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->mappings[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr >= t->mappings[lo - 1].end)
		return t->nmappings;
	return lo - 1;
}

/*
 * Read program headers: collect PT_LOADs (sorted, checked for overlap and
 * clamped to the file) and parse every PT_NOTE.
 */
static struct rh_error *read_phdrs(struct rh_target *t, const Elf64_Ehdr *eh)
{
	struct rh_core_state *cs = t->core;
	uint64_t phnum = 0;
	struct rh_error *err = get_phnum(t->name, cs->map, cs->size, eh, &phnum);
	if (err)
		return err;
	uint64_t table_size = phnum * sizeof(Elf64_Phdr);  // phnum < 2^32
	if (eh->e_phoff > cs->size || cs->size - eh->e_phoff < table_size)
		return rh_error_create(RH_ERR_TRUNCATED,
				       "core file %s is truncated: its program header table (%" PRIu64
				       " entries at offset 0x%" PRIx64 ") ends past the end of the file (%zu bytes) (was the dump interrupted? re-take it)",
				       t->name, phnum, (uint64_t)eh->e_phoff,
				       cs->size);
	if (phnum) {
		cs->loads = calloc(phnum, sizeof(*cs->loads));
		if (!cs->loads)
			return rh_enomem;
	}
	size_t thread_cap = 0;
	const uint8_t *table = cs->map + eh->e_phoff;
	for (uint64_t i = 0; i < phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, table + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_NOTE) {
			if (ph.p_offset > cs->size ||
			    cs->size - ph.p_offset < ph.p_filesz)
				return rh_error_create(RH_ERR_TRUNCATED,
						       "core file %s is truncated: its notes (%" PRIu64
						       " bytes at offset 0x%" PRIx64 ") end past the end of the file (%zu bytes) (was the dump interrupted? re-take it)",
						       t->name, (uint64_t)ph.p_filesz,
						       (uint64_t)ph.p_offset, cs->size);
			err = parse_notes(t, &thread_cap, ph.p_offset,
					  ph.p_filesz);
			if (err)
				return err;
			continue;
		}
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz)
			return RH_BAD_DATA(ph.p_vaddr,
					   "core file %s: PT_LOAD at 0x%" PRIx64 " has p_filesz 0x%" PRIx64
					   " larger than p_memsz 0x%" PRIx64,
					   t->name, (uint64_t)ph.p_vaddr,
					   (uint64_t)ph.p_filesz,
					   (uint64_t)ph.p_memsz);
		if (ph.p_memsz - 1 > UINT64_MAX - ph.p_vaddr ||
		    ph.p_vaddr + ph.p_memsz == 0)
			return RH_BAD_DATA(ph.p_vaddr,
					   "core file %s: PT_LOAD at 0x%" PRIx64 " of 0x%" PRIx64
					   " bytes wraps around the address space",
					   t->name, (uint64_t)ph.p_vaddr,
					   (uint64_t)ph.p_memsz);
		struct core_load *l = &cs->loads[cs->nloads++];
		l->vaddr = ph.p_vaddr;
		l->filesz = ph.p_filesz;
		l->memsz = ph.p_memsz;
		l->offset = ph.p_offset;
		l->prot = prot_from_flags(ph.p_flags);
		// elfutils core-file.c does the same: believe the file's
		// real size over the header.
		if (ph.p_offset >= cs->size)
			l->avail = 0;
		else if (cs->size - ph.p_offset < ph.p_filesz)
			l->avail = cs->size - ph.p_offset;
		else
			l->avail = ph.p_filesz;
	}
	if (cs->nloads > 1)
		qsort(cs->loads, cs->nloads, sizeof(*cs->loads), load_compare);
	for (size_t i = 1; i < cs->nloads; i++) {
		const struct core_load *a = &cs->loads[i - 1], *b = &cs->loads[i];
		// One address, two contents: the core contradicts itself.
		if (b->vaddr - a->vaddr < a->memsz)
			return RH_BAD_DATA(b->vaddr,
					   "core file %s: PT_LOAD segments 0x%" PRIx64 "-0x%" PRIx64
					   " and 0x%" PRIx64 "-0x%" PRIx64 " overlap",
					   t->name, a->vaddr, a->vaddr + a->memsz,
					   b->vaddr, b->vaddr + b->memsz);
	}
	return NULL;
}

/* ------------------------------------------------------------- build-ids */

/*
 * Where an ELF image is read from to find its build-id: the file on disk
 * (positions are file offsets) or the core's dumped copy of the mapping
 * with file offset 0 (positions are relative to its start address).
 */
struct elf_src {
	const struct rh_core_state *cs;  /* in the core, or NULL */
	uint64_t base;                   /* in the core: mapping start */
	const uint8_t *file;             /* on disk */
	size_t size;
};

/* Bytes the core really has: dumped and inside the file. */
static bool core_dumped_read(const struct rh_core_state *cs, uint64_t addr,
			     void *buf, size_t len)
{
	size_t i = find_load(cs, addr);
	if (i == cs->nloads)
		return false;
	const struct core_load *l = &cs->loads[i];
	uint64_t off = addr - l->vaddr;
	if (off >= l->avail || len > l->avail - off)
		return false;
	memcpy(buf, cs->map + l->offset + off, len);
	return true;
}

static bool src_read(const struct elf_src *s, uint64_t pos, void *buf,
		     size_t len)
{
	if (s->cs) {
		uint64_t addr;
		if (__builtin_add_overflow(s->base, pos, &addr))
			return false;
		return core_dumped_read(s->cs, addr, buf, len);
	}
	if (pos > s->size || len > s->size - pos)
		return false;
	memcpy(buf, s->file + pos, len);
	return true;
}

enum build_id_result {
	BID_UNREADABLE,  /* headers or notes not available */
	BID_NOT_ELF,
	BID_NONE,        /* an ELF image without NT_GNU_BUILD_ID */
	BID_FOUND,
};

/* Look for NT_GNU_BUILD_ID in one note segment's bytes. */
static bool scan_build_id(const uint8_t *p, uint64_t size, uint64_t align,
			  uint8_t *id, size_t *id_len)
{
	uint64_t pos = 0;
	while (size - pos >= 12) {
		uint32_t namesz = get_u32(p + pos);
		uint32_t descsz = get_u32(p + pos + 4);
		uint32_t type = get_u32(p + pos + 8);
		uint64_t name_pad = ((uint64_t)namesz + align - 1) & ~(align - 1);
		uint64_t desc_pad = ((uint64_t)descsz + align - 1) & ~(align - 1);
		uint64_t left = size - pos - 12;
		if (name_pad > left || descsz > left - name_pad)
			return false;
		const uint8_t *name = p + pos + 12;
		if (type == NT_GNU_BUILD_ID && note_name_is(name, namesz, "GNU") &&
		    descsz > 0 && descsz <= BUILD_ID_MAX) {
			memcpy(id, name + name_pad, descsz);
			*id_len = descsz;
			return true;
		}
		if (desc_pad > left - name_pad)
			return false;
		pos += 12 + name_pad + desc_pad;
	}
	return false;
}

static enum build_id_result read_build_id(const struct elf_src *s, uint8_t *id,
					  size_t *id_len)
{
	Elf64_Ehdr eh;
	if (!src_read(s, 0, eh.e_ident, EI_NIDENT))
		return BID_UNREADABLE;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return BID_NOT_ELF;
	if (!src_read(s, 0, &eh, sizeof(eh)))
		return BID_UNREADABLE;
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_phentsize != sizeof(Elf64_Phdr))
		return BID_NONE;  // an ELF image we cannot take apart
	uint64_t phnum = eh.e_phnum < ELF_PHNUM_MAX ? eh.e_phnum : ELF_PHNUM_MAX;

	// In memory, notes are found by address: the address of file offset
	// 0 is the first PT_LOAD's p_vaddr - p_offset (mmap keeps them
	// congruent), and it sits at the mapping's start.
	bool have_load = false;
	uint64_t vaddr_of_0 = 0, min_off = UINT64_MAX;
	for (uint64_t i = 0; i < phnum; i++) {
		Elf64_Phdr ph;
		if (!src_read(s, eh.e_phoff + i * sizeof(ph), &ph, sizeof(ph)))
			return BID_UNREADABLE;
		if (ph.p_type == PT_LOAD && ph.p_offset < min_off) {
			min_off = ph.p_offset;
			vaddr_of_0 = ph.p_vaddr - ph.p_offset;
			have_load = true;
		}
	}
	bool unreadable = false;
	for (uint64_t i = 0; i < phnum; i++) {
		Elf64_Phdr ph;
		if (!src_read(s, eh.e_phoff + i * sizeof(ph), &ph, sizeof(ph)))
			return BID_UNREADABLE;
		if (ph.p_type != PT_NOTE || ph.p_filesz == 0 ||
		    ph.p_filesz > ELF_NOTES_MAX)
			continue;
		uint64_t pos = ph.p_offset;
		if (s->cs) {
			if (!have_load)
				return BID_UNREADABLE;
			pos = ph.p_vaddr - vaddr_of_0;
		}
		uint8_t *buf = malloc(ph.p_filesz);
		if (!buf)
			return BID_UNREADABLE;
		if (!src_read(s, pos, buf, ph.p_filesz)) {
			free(buf);
			unreadable = true;
			continue;
		}
		// gelf_getnote's rule: 8-byte alignment only for p_align 8.
		bool found = scan_build_id(buf, ph.p_filesz,
					   ph.p_align == 8 ? 8 : 4, id, id_len);
		free(buf);
		if (found)
			return BID_FOUND;
	}
	return unreadable ? BID_UNREADABLE : BID_NONE;
}

static void hex(char *out, const uint8_t *id, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[id[i] >> 4];
		out[2 * i + 1] = digits[id[i] & 15];
	}
	out[2 * len] = '\0';
}

/* ---------------------------------------------------------- backing files */

static int path_index_compare(const void *a, const void *b, void *arg)
{
	const struct rh_mapping *m = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int c = strcmp(m[x].path, m[y].path);
	if (c)
		return c;
	return x < y ? -1 : x > y;
}

/* The NT_FILE path of the main executable, or NULL. */
static const char *exe_path(const struct rh_target *t)
{
	// The executable is the mapping that holds the program headers the
	// kernel passed to the dynamic loader (AT_PHDR), or its entry point.
	static const uint64_t types[] = { AT_PHDR, AT_ENTRY };
	for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
		for (size_t i = 0; i < t->nauxv; i++) {
			if (t->auxv[2 * i] != types[k])
				continue;
			size_t m = find_mapping(t, t->auxv[2 * i + 1]);
			if (m < t->nmappings)
				return t->mappings[m].path;
		}
	}
	// No auxv: the lowest mapping is the executable in practice (PIE at
	// 0x55..., fixed at 0x400000, libraries at 0x7f...).
	return t->nmappings ? t->mappings[0].path : NULL;
}

static struct rh_error *open_backing(struct rh_target *t,
				     const struct rh_target_options *opts,
				     const char *exe, struct backing *b)
{
	const char *local;
	char *joined = NULL;
	if (opts && opts->exe && exe && strcmp(b->path, exe) == 0) {
		local = opts->exe;
	} else if (opts && opts->sysroot && opts->sysroot[0]) {
		// Inside the sysroot as chroot would resolve it: the name is
		// the core's ("/./../../etc/passwd" stays in the root), and
		// so are the root's absolute symlinks.
		joined = rh_path_in_root(opts->sysroot,
					 rh_path_strip_root(opts->sysroot, b->path));
		if (!joined) {
			int e = errno;
			if (e == ENOMEM)
				return rh_enomem;
			size_t n = strlen(opts->sysroot);
			bool slash = opts->sysroot[n - 1] == '/' && b->path[0] == '/';
			// named for messages only; nothing is opened
			if (asprintf(&b->local_path, "%.*s%s", (int)(slash ? n - 1 : n),
				     opts->sysroot, b->path) < 0) {
				b->local_path = NULL;
				return rh_enomem;
			}
			b->state = BK_MISSING;
			b->errnum = e;
			return NULL;
		}
		local = joined;
	} else {
		local = b->path;
	}
	b->local_path = joined ? joined : strdup(local);
	if (!b->local_path)
		return rh_enomem;

	// Only regular files: opening a device has side effects (opening
	// /dev/watchdog arms it), and a FIFO would hang. stat() first so that
	// nothing else is ever opened; O_NONBLOCK and the fstat() below cover
	// a file replaced in between.
	struct stat st;
	if (stat(local, &st) < 0) {
		b->state = BK_MISSING;
		b->errnum = errno;
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		b->state = BK_MISSING;
		b->errnum = ENODEV;  // "No such device": not a regular file
		return NULL;
	}
	int fd = open(local, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		b->state = BK_MISSING;
		b->errnum = errno;
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		b->state = BK_MISSING;
		b->errnum = errno;
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		b->state = BK_MISSING;
		b->errnum = ENODEV;  // "No such device": not a regular file
		close(fd);
		return NULL;
	}
	b->size = (size_t)st.st_size;
	if (b->size) {
		void *p = mmap(NULL, b->size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			b->state = BK_MISSING;
			b->errnum = errno;
			b->size = 0;
			close(fd);
			return NULL;
		}
		b->map = p;
	}
	close(fd);  // the mapping stays valid
	b->state = BK_OK;
	return NULL;
}

/*
 * Compare the build-id of the file on disk with the one in the core's copy
 * of its ELF headers (the mapping of offset 0, first page dumped).
 */
static void describe_build_id(char *out, enum build_id_result r,
			      const uint8_t *id, size_t len)
{
	switch (r) {
	case BID_FOUND:
		hex(out, id, len);
		break;
	case BID_NOT_ELF:
		strcpy(out, "no ELF header");
		break;
	case BID_NONE:
		strcpy(out, "no build-id");
		break;
	case BID_UNREADABLE:
		strcpy(out, "unreadable");
		break;
	}
}

static void verify_backing(struct rh_target *t, struct backing *b,
			   const struct rh_mapping *head)
{
	uint8_t core_id[BUILD_ID_MAX], file_id[BUILD_ID_MAX];
	size_t core_len = 0, file_len = 0;
	struct elf_src in_file = { .file = b->map, .size = b->size };
	enum build_id_result fr = read_build_id(&in_file, file_id, &file_len);
	enum build_id_result cr = BID_UNREADABLE;
	if (head) {
		struct elf_src in_core = { .cs = t->core, .base = head->start };
		cr = read_build_id(&in_core, core_id, &core_len);
	}
	char core_desc[2 * BUILD_ID_MAX + 1], file_desc[2 * BUILD_ID_MAX + 1];
	describe_build_id(core_desc, cr, core_id, core_len);
	describe_build_id(file_desc, fr, file_id, file_len);

	if (cr == BID_FOUND && fr == BID_FOUND &&
	    core_len == file_len && memcmp(core_id, file_id, core_len) == 0)
		return;  // BK_OK: the same file
	if (cr == BID_UNREADABLE || (cr == BID_NONE && fr == BID_NONE)) {
		if (fr == BID_NOT_ELF)
			return;  // a data file (locale archive...): no build-id to check
		// Nothing to compare with: trust it, but say so.
		b->state = BK_UNVERIFIED;
		rh_problems_add(&t->problems,
				"could not verify build-id of %s: %s; using %s as is",
				b->path,
				cr == BID_NONE ? "neither it nor the core's copy of its headers has one"
					       : "the core has no copy of its ELF headers",
				b->local_path);
		return;
	}
	if (cr == BID_NOT_ELF && fr == BID_NOT_ELF)
		return;  // data file, both sides agree it is not ELF
	// Both sides known and different (build-id, or ELF vs not ELF).
	b->state = BK_MISMATCH;
	// On no memory the fault messages say "?": not worth failing for.
	b->core_id = strdup(core_desc);
	b->file_id = strdup(file_desc);
	rh_problems_add(&t->problems,
			"%s is not the file the core mapped as %s (build-id in the core: %s; in the file: %s): "
			"pages of it that are not in the core will fault; use --sysroot DIR or --exe FILE to point to the original",
			b->local_path, b->path, core_desc, file_desc);
}

/*
 * Open each distinct NT_FILE path once, verify it, and fill local_path of
 * its mappings. A file that cannot be opened is not an error: its undumped
 * pages fault, and build_segments() records a problem if it had any.
 */
static struct rh_error *open_backing_files(struct rh_target *t,
					   const struct rh_target_options *opts)
{
	struct rh_core_state *cs = t->core;
	if (!t->nmappings)
		return NULL;
	struct rh_error *err = NULL;
	uint32_t *order = calloc(t->nmappings, sizeof(*order));
	cs->map_file = calloc(t->nmappings, sizeof(*cs->map_file));
	cs->files = calloc(t->nmappings, sizeof(*cs->files));
	if (!order || !cs->map_file || !cs->files) {
		err = rh_enomem;
		goto out_order;
	}
	for (size_t i = 0; i < t->nmappings; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, t->nmappings, sizeof(*order), path_index_compare,
		t->mappings);
	const char *exe = exe_path(t);
	for (size_t i = 0; i < t->nmappings;) {
		// Group [i, j): mappings of one path, ascending addresses.
		size_t j = i + 1;
		while (j < t->nmappings && strcmp(t->mappings[order[i]].path,
						  t->mappings[order[j]].path) == 0)
			j++;
		struct backing *b = &cs->files[cs->nfiles++];
		b->path = t->mappings[order[i]].path;
		const struct rh_mapping *head = NULL;
		for (size_t k = i; k < j; k++) {
			cs->map_file[order[k]] = (uint32_t)(cs->nfiles - 1);
			if (!head && t->mappings[order[k]].file_offset == 0)
				head = &t->mappings[order[k]];
		}
		err = open_backing(t, opts, exe, b);
		if (err)
			goto out_order;
		if (b->state == BK_OK)
			verify_backing(t, b, head);
		if (b->state == BK_OK || b->state == BK_UNVERIFIED) {
			for (size_t k = i; k < j; k++)
				t->mappings[order[k]].local_path = b->local_path;
		}
		i = j;
	}
out_order:
	free(order);
	return err;
}

/* ----------------------------------------------------------- segments */

static int u64_compare(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * Cut the address space at every PT_LOAD and NT_FILE boundary, give each
 * elementary interval its source, and merge neighbours with the same source:
 *  - in a PT_LOAD, below p_filesz: the core (RH_SEG_CORE);
 *  - else in an NT_FILE mapping: its file if usable (RH_SEG_FILE), else a
 *    fault that names it (RH_SEG_NOFILE);
 *  - else in a PT_LOAD: undumped anonymous memory (RH_SEG_ANON);
 *  - else: not mapped, no segment.
 */
static struct rh_error *build_segments(struct rh_target *t)
{
	struct rh_core_state *cs = t->core;
	size_t npoints = 3 * cs->nloads + 2 * t->nmappings;
	if (!npoints)
		return NULL;
	uint64_t *points = calloc(npoints, sizeof(*points));
	t->segs = calloc(npoints, sizeof(*t->segs));
	if (!points || !t->segs) {
		free(points);
		return rh_enomem;
	}
	size_t n = 0;
	for (size_t i = 0; i < cs->nloads; i++) {
		points[n++] = cs->loads[i].vaddr;
		points[n++] = cs->loads[i].vaddr + cs->loads[i].filesz;
		points[n++] = cs->loads[i].vaddr + cs->loads[i].memsz;
	}
	for (size_t i = 0; i < t->nmappings; i++) {
		points[n++] = t->mappings[i].start;
		points[n++] = t->mappings[i].end;
	}
	qsort(points, n, sizeof(*points), u64_compare);

	for (size_t p = 0; p + 1 < n; p++) {
		uint64_t a = points[p], b = points[p + 1];
		if (a == b)
			continue;
		size_t li = find_load(cs, a);
		size_t mi = find_mapping(t, a);
		uint8_t kind;
		uint32_t aux;
		if (li < cs->nloads && a - cs->loads[li].vaddr < cs->loads[li].filesz) {
			kind = RH_SEG_CORE;
			aux = (uint32_t)li;
		} else if (mi < t->nmappings) {
			enum backing_state st = cs->files[cs->map_file[mi]].state;
			kind = st == BK_OK || st == BK_UNVERIFIED ? RH_SEG_FILE
								  : RH_SEG_NOFILE;
			aux = (uint32_t)mi;
		} else if (li < cs->nloads) {
			kind = RH_SEG_ANON;
			aux = (uint32_t)li;
		} else {
			continue;
		}
		uint8_t prot = li < cs->nloads ? cs->loads[li].prot : 0;
		struct rh_seg *last = t->nsegs ? &t->segs[t->nsegs - 1] : NULL;
		if (last && last->end == a && last->kind == kind &&
		    last->aux == aux && last->prot == prot) {
			last->end = b;
			continue;
		}
		struct rh_seg *s = &t->segs[t->nsegs++];
		s->start = a;
		s->end = b;
		s->kind = kind;
		s->aux = aux;
		s->prot = prot;
	}
	free(points);

	// Now the direct bytes of each segment.
	for (size_t i = 0; i < t->nsegs; i++) {
		struct rh_seg *s = &t->segs[i];
		uint64_t len = s->end - s->start;
		if (s->kind == RH_SEG_CORE) {
			const struct core_load *l = &cs->loads[s->aux];
			uint64_t off = s->start - l->vaddr;
			if (off < l->avail) {
				s->data = cs->map + l->offset + off;
				s->avail = l->avail - off < len ? l->avail - off : len;
			}
		} else if (s->kind == RH_SEG_FILE) {
			const struct rh_mapping *m = &t->mappings[s->aux];
			const struct backing *b = &cs->files[cs->map_file[s->aux]];
			uint64_t fo;
			if (__builtin_add_overflow(m->file_offset,
						   s->start - m->start, &fo))
				continue;  // no such offset: all of it faults
			if (fo < b->size) {
				s->data = b->map + fo;
				s->avail = b->size - fo < len ? b->size - fo : len;
			}
			// mmap zero-fills the rest of the page that holds the
			// end of the file (pages wholly past it would SIGBUS).
			uint64_t page = cs->page_size;
			if (fo + s->avail == b->size && b->size % page) {
				uint64_t tail = page - b->size % page;
				if (tail > len - s->avail)
					tail = len - s->avail;
				s->zero_tail = (uint32_t)tail;
			}
		} else if (s->kind == RH_SEG_NOFILE) {
			struct backing *b = &cs->files[cs->map_file[s->aux]];
			if (b->state == BK_MISSING && !b->missing_reported) {
				b->missing_reported = true;
				rh_problems_add(&t->problems,
						"cannot open %s (%s): pages of %s that are not in the core will fault; use --sysroot DIR or --exe FILE to point to a copy",
						b->local_path, strerror(b->errnum),
						b->path);
			}
		}
	}
	return NULL;
}

/* Mapping permissions from the PT_LOAD that holds each mapping's start. */
static void mapping_prot(struct rh_target *t)
{
	for (size_t i = 0; i < t->nmappings; i++) {
		size_t li = find_load(t->core, t->mappings[i].start);
		if (li < t->core->nloads)
			t->mappings[i].prot = t->core->loads[li].prot;
	}
}

struct rh_error *rh_target_open_core(const char *path,
				     const struct rh_target_options *opts,
				     struct rh_target **ret)
{
	struct rh_target *t = NULL;
	struct rh_error *err = rh_target_alloc(RH_TARGET_CORE, path, &t);
	if (err)
		return err;
	struct rh_core_state *cs = calloc(1, sizeof(*cs));
	if (!cs) {
		err = rh_enomem;
		goto out_target;
	}
	t->core = cs;

	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = rh_error_os(errno, path, "cannot open core file %s", path);
		goto out_target;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		err = rh_error_os(errno, path, "cannot stat core file %s", path);
		goto out_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		err = rh_error_create(RH_ERR_NOT_CORE,
				      "%s is not a regular file, so not a core file",
				      path);
		goto out_fd;
	}
	cs->size = (size_t)st.st_size;
	if (cs->size) {
		void *p = mmap(NULL, cs->size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			err = rh_error_os(errno, path, "cannot mmap core file %s",
					  path);
			goto out_fd;
		}
		cs->map = p;
	}
	close(fd);

	Elf64_Ehdr eh = { 0 };  // GCC cannot see check_ehdr() fills it on success
	err = check_ehdr(path, cs->map, cs->size, &eh);
	if (err)
		goto out_target;
	err = read_phdrs(t, &eh);
	if (err)
		goto out_target;
	mapping_prot(t);
	// The process's page size, not NT_FILE's: GDB writes 1 there
	// (its offsets are in bytes).
	cs->page_size = 4096;
	for (size_t i = 0; i < t->nauxv; i++) {
		uint64_t v = t->auxv[2 * i + 1];
		if (t->auxv[2 * i] == AT_PAGESZ && v >= 4096 && v <= 65536 &&
		    (v & (v - 1)) == 0)
			cs->page_size = v;
	}
	err = open_backing_files(t, opts);
	if (err)
		goto out_target;
	err = build_segments(t);
	if (err)
		goto out_target;
	*ret = t;
	return NULL;

out_fd:
	close(fd);
out_target:
	rh_target_destroy(t);
	return err;
}

struct rh_error *rh_target_core_fault(struct rh_target *t,
				      const struct rh_seg *seg, uint64_t addr)
{
	struct rh_core_state *cs = t->core;
	switch (seg->kind) {
	case RH_SEG_CORE: {
		const struct core_load *l = &cs->loads[seg->aux];
		struct rh_error *err = rh_error_create(
			RH_ERR_TRUNCATED,
			"core file %s is truncated: segment 0x%" PRIx64 "-0x%" PRIx64
			" needs %" PRIu64 " bytes more than the file has, so address 0x%" PRIx64
			" cannot be read (was the dump interrupted? re-take it)",
			t->name, l->vaddr, l->vaddr + l->memsz,
			l->filesz - l->avail, addr);
		if (err != rh_enomem)
			err->addr = addr;
		return err;
	}
	case RH_SEG_FILE: {
		const struct rh_mapping *m = &t->mappings[seg->aux];
		const struct backing *b = &cs->files[cs->map_file[seg->aux]];
		return rh_error_fault(addr,
				      "address 0x%" PRIx64 " is not in the core, and its offset in %s"
				      " (0x%" PRIx64 "-0x%" PRIx64 " at offset 0x%" PRIx64 ") is past the end of %s (%zu bytes)",
				      addr, m->path, m->start, m->end,
				      m->file_offset, b->local_path, b->size);
	}
	case RH_SEG_NOFILE: {
		const struct rh_mapping *m = &t->mappings[seg->aux];
		const struct backing *b = &cs->files[cs->map_file[seg->aux]];
		if (b->state == BK_MISSING)
			return rh_error_fault(addr,
					      "address 0x%" PRIx64 " is in %s, whose pages were not dumped in the core, "
					      "and %s cannot be opened (%s): use --sysroot DIR or --exe FILE to point to a copy of it",
					      addr, m->path, b->local_path,
					      strerror(b->errnum));
		return rh_error_fault(addr,
				      "address 0x%" PRIx64 " is in %s, whose pages were not dumped in the core, "
				      "and %s is not the same file (build-id in the core: %s; in the file: %s): "
				      "use --sysroot DIR or --exe FILE to point to the original",
				      addr, m->path, b->local_path,
				      b->core_id ? b->core_id : "?",
				      b->file_id ? b->file_id : "?");
	}
	case RH_SEG_ANON:
	default:
		return rh_error_fault(addr,
				      "address 0x%" PRIx64 " is in segment 0x%" PRIx64 "-0x%" PRIx64
				      " of the core, but its bytes were not dumped (coredump_filter or gcore left them out) "
				      "and it is not backed by a file",
				      addr, seg->start, seg->end);
	}
}

void rh_target_populate(struct rh_target *t)
{
	if (t->kind != RH_TARGET_CORE || !t->core || !t->core->map)
		return;
#ifdef MADV_POPULATE_READ
	// Map the whole core in one call rather than one page fault at a
	// time as it is read: a snapshot reads most of it, and on a VM each
	// fault costs ~10 us (120,000 of them on a 0.8 GB core). Pages the
	// page cache lacks are read now; failure is harmless. Not at open:
	// a command that finds its snapshot in the cache reads a few pages
	// of the core (0.07 s of populating at 10M objects, issue 12).
	(void)madvise((void *)t->core->map, t->core->size, MADV_POPULATE_READ);
#endif
}

bool rh_target_core_mapping(const struct rh_target *t, uint64_t *rss_ret, uint64_t *huge_ret)
{
	if (t->kind != RH_TARGET_CORE || !t->core || !t->core->map)
		return false;
	FILE *f = fopen("/proc/self/smaps", "re");
	if (!f)
		return false;
	char want[32];
	snprintf(want, sizeof(want), "%" PRIxPTR "-", (uintptr_t)t->core->map);
	size_t wlen = strlen(want);
	char line[512];
	bool in = false, have_rss = false, have_huge = false;
	while (fgets(line, sizeof(line), f)) {
		// What does not fit (a long path) is passed over, not read
		// as a line of its own.
		if (!strchr(line, '\n')) {
			int c;
			while ((c = getc(f)) != EOF && c != '\n')
				;
		}
		// A mapping's first line: "start-end perms ...", with no colon
		// before the first space; its fields are "Name:   N kB".
		char *sp = strchr(line, ' ');
		char *colon = strchr(line, ':');
		if (sp && (!colon || colon > sp)) {
			if (in)
				break;
			in = strncmp(line, want, wlen) == 0;
			continue;
		}
		unsigned long long kb;
		if (in && sscanf(line, "Rss: %llu kB", &kb) == 1) {
			*rss_ret = (uint64_t)kb * 1024;
			have_rss = true;
		} else if (in && sscanf(line, "FilePmdMapped: %llu kB", &kb) == 1) {
			*huge_ret = (uint64_t)kb * 1024;
			have_huge = true;
		}
	}
	fclose(f);
	return have_rss && have_huge;
}

void rh_target_touch_ahead(struct rh_target *t, struct rh_prefault *pf)
{
	if (t->kind == RH_TARGET_CORE && t->core && t->core->map)
		rh_prefault_touch(pf, t->core->map, t->core->size);
}

void rh_target_core_destroy(struct rh_target *t)
{
	struct rh_core_state *cs = t->core;
	for (size_t i = 0; i < cs->nfiles; i++) {
		if (cs->files[i].map)
			munmap((void *)cs->files[i].map, cs->files[i].size);
		free(cs->files[i].local_path);
		free(cs->files[i].core_id);
		free(cs->files[i].file_id);
	}
	free(cs->files);
	free(cs->map_file);
	free(cs->names);
	free(cs->loads);
	if (cs->map)
		munmap((void *)cs->map, cs->size);
	free(cs);
	t->core = NULL;
}
