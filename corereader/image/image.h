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
};

struct rh_module {
	/** Path as the target mapped it. */
	const char *name;
	/** The file opened on this machine, or NULL if none could be. */
	const char *local_path;
	uint64_t start, end;   /* span of all its mappings */
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
 * not an error.
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
 * @param size_ret may be NULL.
 * Errors: RH_ERR_NOT_FOUND.
 */
struct rh_error *rh_image_find_symbol(struct rh_image *img,
				      const struct rh_module *m,
				      const char *name, uint64_t *addr_ret,
				      uint64_t *size_ret);

/**
 * Find the runtime address of section `name` (e.g. ".PyRuntime") of module m.
 * Errors: RH_ERR_NOT_FOUND.
 */
struct rh_error *rh_image_find_section(struct rh_image *img,
				       const struct rh_module *m,
				       const char *name, uint64_t *addr_ret,
				       uint64_t *size_ret);

/**
 * Symbolize a runtime address: the nearest preceding symbol of the module
 * that contains it. Returns false if none. *name_ret is valid until the
 * image is destroyed.
 */
bool rh_image_symbolize(struct rh_image *img, uint64_t addr,
			const struct rh_module **module_ret,
			const char **name_ret, uint64_t *offset_ret);

/** Problems found while building the image. */
const struct rh_problems *rh_image_problems(const struct rh_image *img);

#endif /* RH_IMAGE_IMAGE_H */
