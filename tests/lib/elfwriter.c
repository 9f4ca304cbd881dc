/*
 * The ELF writer for unit tests; see elfwriter.h. Layout of a core:
 *   ELF header | program headers (PT_NOTE first, then PT_LOADs) | notes |
 *   each PT_LOAD's bytes at a 4096-aligned offset, as the kernel does.
 * Optionally one section header (PN_XNUM) at the end.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfwriter.h"

struct ew_load {
	uint64_t vaddr, filesz, memsz, offset;
	uint32_t flags;
	uint8_t *data;
};

struct ew_note {
	char *name;
	uint32_t type;
	uint8_t *desc;
	size_t descsz;
};

struct ew_file {
	uint64_t start, end, pgoff;
	char *path;
};

struct ew_core {
	struct ew_knobs k;
	struct ew_load *loads;
	size_t nloads;
	struct ew_note *notes;
	size_t nnotes;
	struct ew_file *files;
	size_t nfiles;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static void *xcalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		abort();
	return p;
}

uint8_t ew_pattern_byte(uint64_t vaddr)
{
	return (uint8_t)((vaddr >> 3) ^ (vaddr * 13) ^ 0x5a);
}

uint8_t ew_dso_byte(uint64_t o, uint8_t seed)
{
	return (uint8_t)(o * 7 + seed);
}

struct ew_core *ew_core_create(void)
{
	return xcalloc(sizeof(struct ew_core));
}

void ew_core_destroy(struct ew_core *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nloads; i++)
		free(c->loads[i].data);
	for (size_t i = 0; i < c->nnotes; i++) {
		free(c->notes[i].name);
		free(c->notes[i].desc);
	}
	for (size_t i = 0; i < c->nfiles; i++)
		free(c->files[i].path);
	free(c->loads);
	free(c->notes);
	free(c->files);
	free(c);
}

void ew_core_set_knobs(struct ew_core *c, const struct ew_knobs *k)
{
	c->k = *k;
}

void ew_core_add_load(struct ew_core *c, uint64_t vaddr, const void *data,
		      uint64_t filesz, uint64_t memsz, uint32_t p_flags)
{
	c->loads = xrealloc(c->loads, (c->nloads + 1) * sizeof(*c->loads));
	struct ew_load *l = &c->loads[c->nloads++];
	memset(l, 0, sizeof(*l));
	l->vaddr = vaddr;
	l->filesz = filesz;
	l->memsz = memsz;
	l->flags = p_flags;
	l->data = xcalloc(filesz);
	for (uint64_t i = 0; i < filesz; i++)
		l->data[i] = data ? ((const uint8_t *)data)[i]
				  : ew_pattern_byte(vaddr + i);
}

void ew_core_add_note(struct ew_core *c, const char *name, uint32_t type,
		      const void *desc, size_t descsz)
{
	c->notes = xrealloc(c->notes, (c->nnotes + 1) * sizeof(*c->notes));
	struct ew_note *n = &c->notes[c->nnotes++];
	n->name = xstrdup(name);
	n->type = type;
	n->descsz = descsz;
	n->desc = xcalloc(descsz);
	if (descsz)
		memcpy(n->desc, desc, descsz);
}

void ew_core_add_prstatus(struct ew_core *c, int tid,
			  const struct user_regs_struct *regs)
{
	struct elf_prstatus pr;
	memset(&pr, 0, sizeof(pr));
	pr.pr_pid = tid;
	if (regs)
		memcpy(&pr.pr_reg, regs, sizeof(pr.pr_reg));
	ew_core_add_note(c, "CORE", NT_PRSTATUS, &pr, sizeof(pr));
}

void ew_core_add_prpsinfo(struct ew_core *c, int pid, const char *fname)
{
	struct elf_prpsinfo ps;
	memset(&ps, 0, sizeof(ps));
	ps.pr_pid = pid;
	snprintf(ps.pr_fname, sizeof(ps.pr_fname), "%s", fname);
	ew_core_add_note(c, "CORE", NT_PRPSINFO, &ps, sizeof(ps));
}

void ew_core_add_auxv(struct ew_core *c, const uint64_t *pairs, size_t npairs)
{
	uint64_t *v = xcalloc((npairs + 1) * 16);
	memcpy(v, pairs, npairs * 16);
	ew_core_add_note(c, "CORE", NT_AUXV, v, (npairs + 1) * 16);
	free(v);
}

void ew_core_add_file(struct ew_core *c, uint64_t start, uint64_t end,
		      uint64_t file_offset, const char *path)
{
	c->files = xrealloc(c->files, (c->nfiles + 1) * sizeof(*c->files));
	struct ew_file *f = &c->files[c->nfiles++];
	f->start = start;
	f->end = end;
	f->pgoff = file_offset;  // in bytes here; pages at build time
	f->path = xstrdup(path);
}

/* The NT_FILE note from the entries (added as a note at build time). */
static void nt_file_desc(const struct ew_core *c, uint8_t **ret, size_t *len)
{
	uint64_t page = c->k.page_size ? c->k.page_size : 4096;
	size_t names = 0;
	for (size_t i = 0; i < c->nfiles; i++)
		names += strlen(c->files[i].path) + 1;
	size_t n = 16 + 24 * c->nfiles + names;
	uint8_t *d = xcalloc(n);
	uint64_t hdr[2] = { c->k.nt_file_count ? c->k.nt_file_count : c->nfiles,
			    page };
	memcpy(d, hdr, 16);
	for (size_t i = 0; i < c->nfiles; i++) {
		uint64_t e[3] = { c->files[i].start, c->files[i].end,
				  c->files[i].pgoff / page };
		memcpy(d + 16 + 24 * i, e, 24);
	}
	size_t pos = 16 + 24 * c->nfiles;
	for (size_t i = 0; i < c->nfiles; i++) {
		size_t l = strlen(c->files[i].path) + 1;
		memcpy(d + pos, c->files[i].path, l);
		pos += l;
	}
	*ret = d;
	*len = n;
}

static size_t align_up(size_t x, size_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static size_t note_size(size_t namesz, size_t descsz)
{
	return 12 + align_up(namesz, 4) + align_up(descsz, 4);
}

void ew_core_build(struct ew_core *c, uint8_t **buf_ret, size_t *len_ret)
{
	// Notes: the ones added, then NT_FILE.
	size_t nnotes = c->nnotes;
	uint8_t *ntf = NULL;
	size_t ntf_len = 0;
	if (c->nfiles || c->k.nt_file_count) {
		nt_file_desc(c, &ntf, &ntf_len);
		nnotes++;
	}
	size_t notes_len = 0;
	for (size_t i = 0; i < c->nnotes; i++)
		notes_len += note_size(strlen(c->notes[i].name) + 1,
				       c->notes[i].descsz);
	if (ntf)
		notes_len += note_size(5, ntf_len);

	size_t phnum = (nnotes ? 1 : 0) + c->nloads;
	size_t off = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr);
	size_t notes_off = off;
	off += notes_len;
	for (size_t i = 0; i < c->nloads; i++) {
		off = align_up(off, 4096);
		c->loads[i].offset = off;
		off += c->loads[i].filesz;
	}
	size_t shoff = align_up(off, 8);
	size_t total = c->k.phnum_xnum ? shoff + sizeof(Elf64_Shdr) : off;
	uint8_t *buf = xcalloc(total);

	Elf64_Ehdr eh;
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	if (c->k.bad_magic)
		eh.e_ident[3] = 'G';
	eh.e_ident[EI_CLASS] = c->k.elf_class ? c->k.elf_class : ELFCLASS64;
	eh.e_ident[EI_DATA] = c->k.elf_data ? c->k.elf_data : ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = c->k.e_type ? c->k.e_type : ET_CORE;
	eh.e_machine = c->k.e_machine ? c->k.e_machine : EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = c->k.e_phentsize ? c->k.e_phentsize
					  : sizeof(Elf64_Phdr);
	eh.e_phnum = (uint16_t)phnum;
	if (c->k.phnum_xnum) {
		eh.e_phnum = PN_XNUM;
		eh.e_shoff = shoff;
		eh.e_shentsize = sizeof(Elf64_Shdr);
		eh.e_shnum = 1;
		Elf64_Shdr sh;
		memset(&sh, 0, sizeof(sh));
		sh.sh_info = (uint32_t)phnum;
		memcpy(buf + shoff, &sh, sizeof(sh));
	}
	memcpy(buf, &eh, sizeof(eh));

	uint8_t *ph = buf + sizeof(Elf64_Ehdr);
	if (nnotes) {
		Elf64_Phdr p;
		memset(&p, 0, sizeof(p));
		p.p_type = PT_NOTE;
		p.p_offset = notes_off;
		p.p_filesz = notes_len;
		p.p_align = 4;
		memcpy(ph, &p, sizeof(p));
		ph += sizeof(p);
	}
	for (size_t i = 0; i < c->nloads; i++) {
		const struct ew_load *l = &c->loads[i];
		Elf64_Phdr p;
		memset(&p, 0, sizeof(p));
		p.p_type = PT_LOAD;
		p.p_flags = l->flags;
		p.p_offset = l->offset;
		p.p_vaddr = l->vaddr;
		p.p_filesz = l->filesz;
		p.p_memsz = l->memsz;
		p.p_align = 4096;
		memcpy(ph, &p, sizeof(p));
		ph += sizeof(p);
		memcpy(buf + l->offset, l->data, l->filesz);
	}

	size_t pos = notes_off;
	for (size_t i = 0; i < nnotes; i++) {
		bool is_ntf = i == c->nnotes;
		const char *name = is_ntf ? "CORE" : c->notes[i].name;
		const uint8_t *desc = is_ntf ? ntf : c->notes[i].desc;
		size_t descsz = is_ntf ? ntf_len : c->notes[i].descsz;
		uint32_t hdr[3] = { (uint32_t)strlen(name) + 1, (uint32_t)descsz,
				    is_ntf ? NT_FILE : c->notes[i].type };
		if (i == nnotes - 1)
			hdr[1] += c->k.note_overrun;
		memcpy(buf + pos, hdr, 12);
		pos += 12;
		memcpy(buf + pos, name, strlen(name) + 1);
		pos += align_up(strlen(name) + 1, 4);
		memcpy(buf + pos, desc, descsz);
		pos += align_up(descsz, 4);
	}
	free(ntf);

	if (c->k.truncate_to && c->k.truncate_to < total)
		total = c->k.truncate_to;
	*buf_ret = buf;
	*len_ret = total;
}

uint64_t ew_core_load_offset(const struct ew_core *c, size_t i)
{
	return i < c->nloads ? c->loads[i].offset : 0;
}

static int mkdir_p(char *dir)
{
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int r = mkdir(dir, 0755);
		*p = '/';
		if (r < 0 && errno != EEXIST)
			return -1;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int ew_write_file(const char *path, const void *buf, size_t len)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir_p(dir) < 0) {
			free(dir);
			return -1;
		}
	}
	free(dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	const uint8_t *p = buf;
	while (len) {
		ssize_t r = write(fd, p, len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		p += r;
		len -= (size_t)r;
	}
	return close(fd);
}

int ew_core_write(struct ew_core *c, const char *path)
{
	uint8_t *buf;
	size_t len;
	ew_core_build(c, &buf, &len);
	int r = ew_write_file(path, buf, len);
	free(buf);
	return r;
}

void ew_dso_build(const uint8_t *id, size_t id_len, size_t size, uint8_t seed,
		  uint8_t **buf_ret)
{
	if (size < 4096)
		size = 4096;
	uint8_t *buf = xcalloc(size);
	size_t phoff = sizeof(Elf64_Ehdr);
	size_t note_off = phoff + 2 * sizeof(Elf64_Phdr);
	size_t note_len = id_len ? note_size(4, id_len) : 0;

	Elf64_Ehdr eh;
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_DYN;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = phoff;
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 2;
	memcpy(buf, &eh, sizeof(eh));

	Elf64_Phdr p[2];
	memset(p, 0, sizeof(p));
	p[0].p_type = PT_LOAD;
	p[0].p_flags = PF_R | PF_X;
	p[0].p_offset = 0;
	p[0].p_vaddr = 0;
	p[0].p_filesz = size;
	p[0].p_memsz = size;
	p[0].p_align = 4096;
	p[1].p_type = PT_NOTE;
	p[1].p_flags = PF_R;
	p[1].p_offset = note_off;
	p[1].p_vaddr = note_off;
	p[1].p_filesz = note_len;
	p[1].p_memsz = note_len;
	p[1].p_align = 4;
	memcpy(buf + phoff, p, sizeof(p));

	if (id_len) {
		uint32_t hdr[3] = { 4, (uint32_t)id_len, NT_GNU_BUILD_ID };
		memcpy(buf + note_off, hdr, 12);
		memcpy(buf + note_off + 12, "GNU", 4);
		memcpy(buf + note_off + 16, id, id_len);
	}
	for (size_t o = 4096; o < size; o++)
		buf[o] = ew_dso_byte(o, seed);
	*buf_ret = buf;
}
