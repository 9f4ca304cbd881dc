/*
 * A tiny ELF writer for unit tests: x86-64 core files built in memory
 * (PT_LOAD segments with chosen p_filesz/p_memsz, a PT_NOTE with
 * NT_PRSTATUS, NT_PRPSINFO, NT_AUXV, NT_FILE and raw notes), and small ELF
 * shared objects carrying a chosen build-id, to stand for the files a core
 * maps.
 *
 * Each corrupt variant changes one thing (struct ew_knobs): the ELF class,
 * byte order, type, machine or e_phentsize, a note whose descsz overruns its
 * segment, an NT_FILE count larger than the note, a truncated file.
 * Overlapping segments need no knob: add two PT_LOADs that overlap.
 *
 * Test code: allocation failures abort().
 */
#ifndef RH_TESTS_ELFWRITER_H
#define RH_TESTS_ELFWRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

struct ew_core;

/** Corruptions and variants; zero fields mean "a well-formed core". */
struct ew_knobs {
	uint8_t elf_class;       /* EI_CLASS; 0 = ELFCLASS64 */
	uint8_t elf_data;        /* EI_DATA; 0 = ELFDATA2LSB */
	uint16_t e_type;         /* 0 = ET_CORE */
	uint16_t e_machine;      /* 0 = EM_X86_64 */
	uint16_t e_phentsize;    /* 0 = sizeof(Elf64_Phdr) */
	bool bad_magic;          /* write "\x7fELG" instead of "\x7fELF" */
	/** Nonzero: cut the built file to this many bytes. */
	uint64_t truncate_to;
	/** Added to the descsz of the last note written (NT_FILE if any). */
	uint32_t note_overrun;
	/** Nonzero: NT_FILE's count field, whatever the entries are. */
	uint64_t nt_file_count;
	/** NT_FILE page size; 0 = 4096. */
	uint64_t page_size;
	/** Use PN_XNUM and put the phnum in section header 0's sh_info. */
	bool phnum_xnum;
};

struct ew_core *ew_core_create(void);
void ew_core_destroy(struct ew_core *c);
void ew_core_set_knobs(struct ew_core *c, const struct ew_knobs *k);

/**
 * Add a PT_LOAD at vaddr: data holds filesz bytes (copied; NULL = a pattern,
 * see ew_pattern_byte()), memsz >= filesz normally. p_flags are PF_R etc.
 */
void ew_core_add_load(struct ew_core *c, uint64_t vaddr, const void *data,
		      uint64_t filesz, uint64_t memsz, uint32_t p_flags);
/** An NT_PRSTATUS note for thread tid with registers regs (may be NULL). */
void ew_core_add_prstatus(struct ew_core *c, int tid,
			  const struct user_regs_struct *regs);
/** An NT_PRPSINFO note with pid and a program name. */
void ew_core_add_prpsinfo(struct ew_core *c, int pid, const char *fname);
/** An NT_AUXV note with npairs (type, value) pairs, then AT_NULL. */
void ew_core_add_auxv(struct ew_core *c, const uint64_t *pairs, size_t npairs);
/** An entry of the NT_FILE note (written after all other notes). */
void ew_core_add_file(struct ew_core *c, uint64_t start, uint64_t end,
		      uint64_t file_offset, const char *path);
/** Any note. */
void ew_core_add_note(struct ew_core *c, const char *name, uint32_t type,
		      const void *desc, size_t descsz);

/** Build the core: *buf_ret is malloc'd, free it. */
void ew_core_build(struct ew_core *c, uint8_t **buf_ret, size_t *len_ret);
/** Build the core and write it to path. Returns 0, or -1 with errno set. */
int ew_core_write(struct ew_core *c, const char *path);
/** Core file offset of the data of the i-th PT_LOAD added (after a build). */
uint64_t ew_core_load_offset(const struct ew_core *c, size_t i);

/** The byte ew_core_add_load(data = NULL) puts at vaddr. */
uint8_t ew_pattern_byte(uint64_t vaddr);

/**
 * An ELF x86-64 shared object of size bytes (>= 4096): in its first page an
 * ELF header, program headers (one PT_LOAD over the whole file at vaddr 0,
 * one PT_NOTE) and an NT_GNU_BUILD_ID note with id (id_len 0: no build-id
 * note); every later byte at offset o is (uint8_t)(o * 7 + seed).
 * *buf_ret is malloc'd.
 */
void ew_dso_build(const uint8_t *id, size_t id_len, size_t size, uint8_t seed,
		  uint8_t **buf_ret);
/** The byte of ew_dso_build() at file offset o (o >= 4096). */
uint8_t ew_dso_byte(uint64_t o, uint8_t seed);

/** Write len bytes to path (mkdir -p of its directory too). 0 or -1. */
int ew_write_file(const char *path, const void *buf, size_t len);

#endif /* RH_TESTS_ELFWRITER_H */
