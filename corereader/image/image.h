/*
 * The image: which ELF modules (executable, shared libraries) a target has
 * loaded, where, with which build-id; their symbols (.dynsym and .symtab,
 * including a separate debug file's); and where their DWARF is.
 *
 * Modules are rebuilt from the target's file mappings: the mapping with file
 * offset 0 gives the load address of the ELF header; the file on disk (after
 * --sysroot / --exe) gives program headers, sections and symbols. The load
 * bias is the load address minus the first PT_LOAD's page-aligned p_vaddr.
 *
 * Debug files are found the way GDB finds them: the module itself when it
 * has .debug_info; else by build-id under each debug directory
 * (<dir>/.build-id/xx/yyyy.debug; the defaults are <sysroot>/usr/lib/debug);
 * else through .gnu_debuglink (<moddir>/<name>, <moddir>/.debug/<name>,
 * <debugdir>/<moddir>/<name>), with the CRC checked.
 *
 * libelf is used here and in target/ only.
 */
#ifndef RH_IMAGE_IMAGE_H
#define RH_IMAGE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rh_error;
struct rh_target;

struct rh_image_options {
	/** Extra debug directories searched first (--debug-dir), may be NULL. */
	const char *const *debug_dirs;
	size_t ndebug_dirs;
	/** Same meaning as in rh_target_options. */
	const char *sysroot;
	/**
	 * Do not ask debuginfod servers. Otherwise, when no local debug file
	 * matches the build-id of a module that defines the CPython runtime
	 * (_PyRuntime), the servers in $DEBUGINFOD_URLS are asked through
	 * elfutils' libdebuginfod (its cache, its timeouts), when refheap is
	 * built with it.
	 */
	bool no_debuginfod;
	/** Told what debuginfod is doing (a line for stderr); may be NULL. */
	void (*notice)(void *arg, const char *message);
	void *notice_arg;
	/** Download progress (bytes so far, total or 0); may be NULL. */
	void (*progress)(void *arg, long done, long total);
};

struct rh_module {
	/** Path as the target mapped it. */
	const char *name;
	/** The file opened on this machine, or NULL if none could be. */
	const char *local_path;
	/**
	 * Span of all its mappings, extended to the end of its last PT_LOAD
	 * segment: .bss past the file's last page is anonymous memory that
	 * no file mapping covers, but its statics belong to the module.
	 */
	uint64_t start, end;
	uint64_t bias;         /* runtime address = link-time address + bias */
	/** Lower-case hex build-id ("" if the file has none). */
	const char *build_id;
	bool is_executable;    /* ET_EXEC, or the main program's ET_DYN */
	/** File with .debug_info (the module or its debug file), or NULL. */
	const char *debug_path;
	/** Where debug files were looked for, for error messages ("a, b, c"). */
	const char *debug_searched;
};

struct rh_image;

/**
 * Build the image of a target: modules and their symbol tables. Files that
 * cannot be opened leave local_path NULL (recorded as a problem), they are
 * not an error. Neither is missing debug information: debug_path is then
 * NULL and debug_searched says where it was looked for.
 *
 * A mapped file that is not ELF (locale archive, data files) is not a
 * module. When the target's copy of a module's ELF header is readable, its
 * build-id must match the file's, else the file is not used (a problem
 * says so) and the target's build-id is used to look for a debug file.
 *
 * Errors: RH_ERR_NO_MEMORY (RH_ERR_UNSUPPORTED if libelf refuses to start).
 * @param ret written only on success; free with rh_image_destroy(). The
 *            image does not keep t: it may be destroyed before the image.
 */
struct rh_error *rh_image_create(struct rh_target *t,
				 const struct rh_image_options *opts,
				 struct rh_image **ret);
void rh_image_destroy(struct rh_image *img);

size_t rh_image_module_count(const struct rh_image *img);
const struct rh_module *rh_image_module(const struct rh_image *img, size_t i);

/**
 * Find a symbol's runtime address in module m (or in any module when m is
 * NULL, executable first). Static symbols renamed by the compiler
 * ("arenas.lto_priv.0", "interned.0") are found by their C name. Searches
 * .dynsym, .symtab and the debug file's .symtab.
 *
 * When several renamed symbols match, "name.lto_priv.N" and "name.N" (a
 * renamed static variable) win over other suffixes, and ".cold" parts of
 * split functions come last; ties go to the first by name.
 *
 * A module's symbols are read from its files at the first query that
 * needs them, and indexed by name at the first lookup by name, once, under
 * the image's lock: queries on one image may run on several threads.
 *
 * @param size_ret may be NULL.
 * Errors: RH_ERR_NOT_FOUND (the message names the files read),
 * RH_ERR_INVALID_ARGUMENT (empty name, or m not from this image).
 */
struct rh_error *rh_image_find_symbol(struct rh_image *img,
				      const struct rh_module *m,
				      const char *name, uint64_t *addr_ret,
				      uint64_t *size_ret);

/**
 * Find the runtime address of allocated section `name` (e.g. ".PyRuntime")
 * of module m (or of any module when m is NULL, executable first). Sections
 * come from the module file, or from its debug file when the module file is
 * missing (same addresses).
 * Errors: RH_ERR_NOT_FOUND, RH_ERR_INVALID_ARGUMENT (m not from this image).
 */
struct rh_error *rh_image_find_section(struct rh_image *img,
				       const struct rh_module *m,
				       const char *name, uint64_t *addr_ret,
				       uint64_t *size_ret);

/** The module whose span contains addr, or NULL. */
const struct rh_module *rh_image_module_containing(const struct rh_image *img,
						   uint64_t addr);

/**
 * Symbolize a runtime address: the nearest preceding symbol of the module
 * that contains it (among aliases at one address: one whose size covers
 * addr, then a global before a weak before a local). Returns false if none;
 * the out parameters (each may be NULL) are written only on true.
 * *name_ret is valid until the image is destroyed.
 */
bool rh_image_symbolize(struct rh_image *img, uint64_t addr,
			const struct rh_module **module_ret,
			const char **name_ret, uint64_t *offset_ret);

/**
 * The length of the C name in a symbol name: `name` without the suffix a
 * compiler gives a renamed static (GCC's LTO: "sock_capi_traverse.lto_priv.0";
 * a plain number: "interned.0"), the same renamings rh_image_find_symbol()
 * looks through. Other suffixes (".cold", ".part.0", ".isra.0",
 * ".constprop.0") name code that is not the function's entry and are kept,
 * so such a name matches no C name.
 */
size_t rh_image_c_name_len(const char *name);

/** A range of runtime addresses, end exclusive. */
struct rh_image_range {
	uint64_t start;
	uint64_t end;
};

/**
 * The writable static data of module m at run time: its PT_LOAD segments
 * with PF_W (.data, .bss and friends; .bss past the file is included, as
 * p_memsz says), minus the PT_GNU_RELRO part, which the dynamic loader
 * makes read-only after relocation (.data.rel.ro, .got). Taken from the
 * module file, else from its debug file (which keeps the program headers);
 * none when neither could be read. Ranges are sorted and disjoint.
 *
 * @param ranges_ret gets the array, valid until the image is destroyed
 *        (NULL when the count is 0).
 * @return the number of ranges; 0 also when m is not from this image.
 */
size_t rh_image_module_writable_ranges(const struct rh_image *img,
				       const struct rh_module *m,
				       const struct rh_image_range **ranges_ret);

/** Problems found while building the image. */
const struct rh_problems *rh_image_problems(const struct rh_image *img);

#endif /* RH_IMAGE_IMAGE_H */
