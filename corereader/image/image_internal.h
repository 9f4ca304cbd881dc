/*
 * Internals of the image layer, shared by its files and its unit tests.
 *
 * rh_image_create() turns the target's file mappings into module specs (one
 * per mapped file: where its ELF header is, the span of its mappings, whether
 * it holds AT_ENTRY) and hands them to rh_image_create_from_specs(), which
 * does all the ELF work. Tests call the latter directly on real files, with
 * no target.
 */
#ifndef RH_IMAGE_IMAGE_INTERNAL_H
#define RH_IMAGE_IMAGE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gelf.h>
#include <libelf.h>

#include "image/image.h"
#include "util/error.h"

struct rh_target;

/*
 * Page size of the target, for the page-aligned start of the first PT_LOAD.
 * The target layer accepts x86-64 cores and processes only, where the kernel
 * and ld.so both map in 4 KiB pages.
 */
#define RH_IMAGE_PAGE_SIZE 4096u

/** Longest build-id we keep (SHA-1 is 20 bytes; some linkers use 32). */
#define RH_IMAGE_BUILD_ID_MAX 64

/** One module to build, as rh_image_create() derives it from the mappings. */
struct rh_image_module_spec {
	/** Path as the target mapped it. Borrowed. */
	const char *name;
	/** File to open, or NULL to open <sysroot><name>. Borrowed. */
	const char *local_path;
	/** local_path is gone once the live target is (rh_mapping.local_transient). */
	bool local_transient;
	/** Runtime address of the ELF header (the mapping at file offset 0). */
	uint64_t load_addr;
	/** Span of all its mappings (end exclusive). */
	uint64_t start, end;
	/** One of its mappings contains auxv AT_ENTRY (PIE main program). */
	bool main_program;
};

/**
 * Build an image from explicit module specs. t may be NULL (no target
 * memory): then nothing is read from the target, and the files' own
 * headers and build-ids are trusted as they are. With a target, the ELF
 * header and build-id note in target memory are read when they are
 * readable: a mapping that is readable and not ELF (a locale archive, a
 * data file) is not a module, and a local file whose build-id differs from
 * the target's copy is not used.
 *
 * Modules come out sorted by start. Problems (files that cannot be opened,
 * build-id mismatches) are recorded on the image, not returned.
 *
 * Errors: RH_ERR_NO_MEMORY only.
 * @param ret written only on success; free with rh_image_destroy().
 */
struct rh_error *
rh_image_create_from_specs(struct rh_target *t,
			   const struct rh_image_module_spec *specs,
			   size_t nspecs, const struct rh_image_options *opts,
			   struct rh_image **ret);

/*
 * A symbol: runtime address, size, and its name as an offset into the
 * module's string arena. Kept in one array per module, sorted by address
 * (then name, then binding rank), duplicates (same address and name, as
 * .dynsym and .symtab both list exported symbols) removed.
 */
struct image_symbol {
	uint64_t addr;
	uint64_t size;
	uint32_t name;
	/** 0 global, 1 weak, 2 local (or other): lower is preferred. */
	uint8_t rank;
};

/** An allocated section of the module file (or of its debug file). */
struct image_section {
	uint64_t addr;  /* runtime */
	uint64_t size;
	uint32_t name;
};

/** A growable byte buffer; offsets into it stay valid as it grows. */
struct image_strbuf {
	char *data;
	size_t len;
	size_t cap;
};

struct image_module {
	/** What callers see: &image_module.pub is the rh_module pointer. */
	struct rh_module pub;
	/** Section names, NUL-terminated, addressed by offset. */
	struct image_strbuf names;
	/*
	 * The symbols, read from the files at the first query that needs
	 * them (module_symbols): a command answered from the snapshot cache
	 * asks for the interpreter's and no other module's, and reading and
	 * sorting every module's symbol tables was 6-8 ms of a 50 ms warm
	 * `gc` at 10M objects (issue 12). sym_state says how far they are
	 * read (SYMS_*), written under rh_image.sym_mu with release order:
	 * the arrays are complete before it says so, and never change after.
	 */
	int sym_state;
	bool sym_from_file;    /* read pub.local_path's tables */
	bool sym_from_debug;   /* read pub.debug_path's (a separate debug file) */
	uint64_t sym_bias;
	/** Symbol names, NUL-terminated, addressed by offset. */
	struct image_strbuf sym_names;
	struct image_symbol *syms;
	size_t nsyms;
	/** Indices into syms sorted by (name, rank, address); NULL until built. */
	uint32_t *by_name;
	struct image_section *sections;
	size_t nsections;
	/** Writable PT_LOAD minus PT_GNU_RELRO, runtime addresses, sorted. */
	struct rh_image_range *writable;
	size_t nwritable;
};

struct rh_image {
	/** Sorted by pub.start. */
	struct image_module *modules;
	size_t nmodules;
	struct rh_problems problems;
	/** Serializes the reading of symbols (threads symbolize while traversing). */
	pthread_mutex_t sym_mu;
};

/* image_module.sym_state */
enum { SYMS_UNREAD, SYMS_READ, SYMS_BY_NAME };

/** An ELF file opened with libelf (ELF_C_READ_MMAP). */
struct image_elf {
	int fd;
	Elf *elf;
	GElf_Ehdr ehdr;
	/** Section header string table index; SHN_UNDEF if none. */
	size_t shstrndx;
};

/*
 * Open path as an ELF file. Errors: RH_ERR_OS (open failed: errno and path
 * set), RH_ERR_BAD_DATA (not an ELF file, or libelf rejects its headers).
 */
struct rh_error *image_elf_open(const char *path, struct image_elf *ret);
void image_elf_close(struct image_elf *ef);

/** Read the NT_GNU_BUILD_ID note (SHT_NOTE sections first, then PT_NOTE). */
bool image_elf_build_id(struct image_elf *ef, uint8_t *buf, size_t *len_ret);
/** True if the file has a .debug_info (or .zdebug_info) with contents. */
bool image_elf_has_debug_info(struct image_elf *ef);
/** The section called name, or NULL. */
Elf_Scn *image_elf_section_by_name(struct image_elf *ef, const char *name,
				   GElf_Shdr *shdr_ret);

/*
 * Where debug information is searched for (see image.h): one list per
 * image, the --debug-dir entries followed by <sysroot>/usr/lib/debug unless
 * REFHEAP_NO_DEFAULT_DEBUG_DIRS=1.
 */
struct image_debug_dirs {
	char **dirs;
	size_t n;
	/** --sysroot without trailing slashes, or NULL: candidates under it
	 *  are resolved inside it (debuginfo.c, confine()). */
	char *sysroot;
};

struct rh_error *image_debug_dirs_init(struct image_debug_dirs *dd,
				       const struct rh_image_options *opts);
void image_debug_dirs_deinit(struct image_debug_dirs *dd);

/**
 * Find the separate debug file of a module (GDB's order: build-id under
 * each debug dir, then .gnu_debuglink with its CRC). The module's own
 * .debug_info is checked by the caller before.
 *
 * @param mod_elf the module file, or NULL when it could not be opened
 *        (only the build-id search is possible then).
 * @param local_path the path mod_elf was opened from, or NULL.
 * @param name the path the target mapped.
 * @param searched every path looked at is appended, ", "-separated.
 * @param debug_ret the debug file, opened, or fd -1 / elf NULL if none.
 * @param path_ret malloc'd path of the debug file, or NULL if none.
 *
 * Errors: RH_ERR_NO_MEMORY only; unreadable candidates are recorded in
 * problems when the reason is not simply that they do not exist.
 */
struct rh_error *image_find_debug_file(const struct image_debug_dirs *dd,
				       struct image_elf *mod_elf,
				       const char *local_path, const char *name,
				       const uint8_t *build_id,
				       size_t build_id_len,
				       struct image_strbuf *searched,
				       struct rh_problems *problems,
				       struct image_elf *debug_ret,
				       char **path_ret);

/**
 * Ask the debuginfod servers of $DEBUGINFOD_URLS for the debug file of
 * build-id (raw bytes) through libdebuginfod. On success *path_ret is the
 * file in libdebuginfod's cache (malloc'd); else NULL, with why in
 * *why_ret (static text) -- not an error: the caller reports the module
 * as without debug info. Errors: RH_ERR_NO_MEMORY.
 */
struct rh_error *image_debuginfod_fetch(const struct rh_image_options *opts,
					const uint8_t *build_id, size_t build_id_len,
					char **path_ret, const char **why_ret);

/* String buffer helpers: false on no memory (the buffer is unchanged). */
bool image_strbuf_append(struct image_strbuf *sb, const char *s, size_t len);
bool image_strbuf_appendf(struct image_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void image_strbuf_deinit(struct image_strbuf *sb);

#endif /* RH_IMAGE_IMAGE_INTERNAL_H */
