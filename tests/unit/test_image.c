/*
 * Unit tests of the image layer: modules, symbols, sections, debug files.
 *
 * Oracles are independent of refheap: the dynamic loader (addresses of this
 * test's own variables and functions), readelf (build-ids and symbol values
 * of system files), and files made by objcopy (separate debug files reached
 * through a build-id directory or .gnu_debuglink). Tests that need a tool or
 * an interpreter that is absent are skipped and say why.
 *
 * Most tests build modules through rh_image_create_from_specs() on real
 * files, with no target; rh_image_create_from_target_* tests go through a
 * live child process.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "image/image.h"
#include "image/image_internal.h"
#include "target/target.h"
#include "util/error.h"

/* ------------------------------------------------------------ fixtures */

/* Symbols of this binary whose addresses the loader gives us. */
uint64_t test_image_global = 42;
static uint64_t test_image_static_var = 7;

__attribute__((noinline)) int test_image_function(int x);
__attribute__((noinline)) int test_image_function(int x)
{
	return x * 3 + (int)test_image_static_var;
}

/*
 * Big enough that most of it lies past the last file-backed page, in the
 * anonymous part of .bss that no file mapping covers.
 */
static char test_image_big_bss[1 << 16];

/*
 * In a position-independent binary, a constant table of pointers needs
 * relocation: it goes to .data.rel.ro, inside PT_GNU_RELRO.
 */
const char *const test_image_relro_table[] = { "a", "b" };

/* A function-local static: GCC emits it as "fstatic_counter.N". */
static uint64_t *fstatic_address(void)
{
	static uint64_t fstatic_counter;
	fstatic_counter++;
	return &fstatic_counter;
}

/*
 * Local symbols named as compilers rename statics, to test the choice
 * between several "name.<suffix>" candidates:
 *   sfx_a: .cold, .isra.0 and .lto_priv.0     -> lto_priv wins
 *   sfx_b: .cold and .isra.0                  -> isra wins over cold
 *   sfx_c: exact sfx_c and sfx_c.0            -> exact wins
 *   sfx_d: .1 and .0                          -> the first by name, .0
 *   sfx_ex: "sfx_e" must not match "sfx_ex" (no dot)
 */
#define SFX_OBJ(name, val)                                                     \
	".type \"" name "\", @object\n.size \"" name "\", 8\n.balign 8\n\""    \
	name "\":\n.quad " #val "\n"
__asm__(".pushsection .data\n"
	SFX_OBJ("sfx_a.cold", 1) SFX_OBJ("sfx_a.isra.0", 2)
	SFX_OBJ("sfx_a.lto_priv.0", 3)
	SFX_OBJ("sfx_b.cold", 4) SFX_OBJ("sfx_b.isra.0", 5)
	".globl sfx_c\n" SFX_OBJ("sfx_c", 6) SFX_OBJ("sfx_c.0", 7)
	SFX_OBJ("sfx_d.1", 8) SFX_OBJ("sfx_d.0", 9)
	SFX_OBJ("sfx_ex", 10)
	".popsection\n");
extern uint64_t sfx_a_lto __asm__("sfx_a.lto_priv.0");
extern uint64_t sfx_b_isra __asm__("sfx_b.isra.0");
extern uint64_t sfx_c_exact __asm__("sfx_c");
extern uint64_t sfx_d_0 __asm__("sfx_d.0");

static char self_path[4096];
/* Runtime address of this executable's ELF header and its load bias. */
static uint64_t self_load_addr, self_bias;

static int find_main_program(struct dl_phdr_info *info, size_t size,
			     void *arg)
{
	(void)size;
	(void)arg;
	// The first entry is the main program.
	for (int i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type == PT_LOAD) {
			self_bias = info->dlpi_addr;
			self_load_addr = info->dlpi_addr +
				(info->dlpi_phdr[i].p_vaddr &
				 ~(uint64_t)(RH_IMAGE_PAGE_SIZE - 1));
			return 1;
		}
	}
	return 1;
}

static bool have_tool(const char *tool)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char *cmd;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	assert_true(n > 0);
	int rc = system(cmd);
	if (rc != 0)
		print_message("command failed (%d): %s\n", rc, cmd);
	free(cmd);
	return rc;
}

/* Value of symbol `name` in `file` according to readelf -sW. */
static bool readelf_symbol(const char *file, const char *name, uint64_t *ret)
{
	char *cmd;
	assert_true(asprintf(&cmd, "readelf -sW '%s' 2>/dev/null", file) > 0);
	FILE *f = popen(cmd, "r");
	free(cmd);
	if (!f)
		return false;
	char line[1024];
	bool found = false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long value;
		char type[32], ndx[32], sym[512];
		// "  Num: Value Size Type Bind Vis Ndx Name"
		if (sscanf(line, " %*[0-9]: %lx %*s %31s %*s %*s %31s %511s",
			   &value, type, ndx, sym) == 4 &&
		    strcmp(sym, name) == 0 && strcmp(ndx, "UND") != 0) {
			*ret = value;
			found = true;
			break;
		}
	}
	pclose(f);
	return found;
}

/* Build-id of `file` according to readelf -n, lower-case hex. */
static bool readelf_build_id(const char *file, char *buf, size_t size)
{
	char *cmd;
	assert_true(asprintf(&cmd, "readelf -n '%s' 2>/dev/null", file) > 0);
	FILE *f = popen(cmd, "r");
	free(cmd);
	if (!f)
		return false;
	char line[1024];
	bool found = false;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "Build ID: ");
		if (p && sscanf(p + 10, "%200s", buf) == 1 &&
		    strlen(buf) < size) {
			found = true;
			break;
		}
	}
	pclose(f);
	return found;
}

static struct rh_image *image_of(const char *name, const char *local_path,
				 uint64_t load_addr, bool main_program,
				 const struct rh_image_options *opts)
{
	struct rh_image_module_spec spec = {
		.name = name,
		.local_path = local_path,
		.load_addr = load_addr,
		.start = load_addr,
		.end = load_addr + 0x10000000,
		.main_program = main_program,
	};
	struct rh_image *img = NULL;
	struct rh_error *err =
		rh_image_create_from_specs(NULL, &spec, 1, opts, &img);
	if (err)
		fail_msg("rh_image_create_from_specs: %s", err->message);
	assert_non_null(img);
	return img;
}

static struct rh_image *self_image(const struct rh_image_options *opts)
{
	return image_of(self_path, NULL, self_load_addr, true, opts);
}

static uint64_t find_sym(struct rh_image *img, const char *name)
{
	uint64_t addr = 0;
	struct rh_error *err = rh_image_find_symbol(img, NULL, name, &addr, NULL);
	if (err)
		fail_msg("find %s: %s", name, err->message);
	return addr;
}

static bool contains(const char *haystack, const char *needle)
{
	return haystack && strstr(haystack, needle);
}

/* ------------------------------------------------------------ this binary */

static bool in_ranges(const struct rh_image_range *r, size_t n, const void *p)
{
	uint64_t a = (uint64_t)(uintptr_t)p;
	for (size_t i = 0; i < n; i++)
		if (a >= r[i].start && a < r[i].end)
			return true;
	return false;
}

static void module_writable_ranges_cover_data_and_bss_not_relro(void **state)
{
	(void)state;
	struct rh_image *img = self_image(NULL);
	const struct rh_module *m = rh_image_module(img, 0);
	const struct rh_image_range *r;
	size_t n = rh_image_module_writable_ranges(img, m, &r);
	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++) {
		assert_true(r[i].start < r[i].end);
		if (i)
			assert_true(r[i - 1].end <= r[i].start);
	}
	assert_true(in_ranges(r, n, &test_image_global));           /* .data */
	assert_true(in_ranges(r, n, &test_image_static_var));
	assert_true(in_ranges(r, n, &test_image_big_bss[0]));       /* .bss */
	assert_true(in_ranges(r, n, &test_image_big_bss[(1 << 16) - 1]));
	assert_false(in_ranges(r, n, (const void *)&test_image_function));
	if (self_bias) /* PIE: the table is relocated, then made read-only */
		assert_false(in_ranges(r, n, &test_image_relro_table[0]));
	// A module of another image has no ranges here.
	struct rh_image *other = self_image(NULL);
	assert_int_equal(rh_image_module_writable_ranges(
				 img, rh_image_module(other, 0), &r), 0);
	assert_null(r);
	rh_image_destroy(other);
	rh_image_destroy(img);
}

static void create_from_specs_self_exe_symbols_match_loader(void **state)
{
	(void)state;
	struct rh_image *img = self_image(NULL);
	assert_int_equal(rh_image_module_count(img), 1);
	const struct rh_module *m = rh_image_module(img, 0);
	assert_string_equal(m->name, self_path);
	assert_string_equal(m->local_path, self_path);
	assert_int_equal(m->bias, self_bias);
	assert_true(m->is_executable);

	uint64_t addr, size;
	assert_null(rh_image_find_symbol(img, m, "test_image_global", &addr,
					 &size));
	assert_int_equal(addr, (uint64_t)(uintptr_t)&test_image_global);
	assert_int_equal(size, sizeof(test_image_global));
	assert_int_equal(find_sym(img, "test_image_function"),
			 (uint64_t)(uintptr_t)&test_image_function);
	assert_int_equal(find_sym(img, "test_image_static_var"),
			 (uint64_t)(uintptr_t)&test_image_static_var);
	assert_null(rh_image_module(img, 1));
	rh_image_destroy(img);
}

static void create_from_specs_self_exe_build_id_matches_readelf(void **state)
{
	(void)state;
	char want[256];
	if (!have_tool("readelf") ||
	    !readelf_build_id(self_path, want, sizeof(want)))
		skip();
	struct rh_image *img = self_image(NULL);
	assert_string_equal(rh_image_module(img, 0)->build_id, want);
	rh_image_destroy(img);
}

static void create_from_specs_self_exe_debug_info_is_embedded(void **state)
{
	(void)state;
	// Unit tests are built with -g: the module is its own debug file.
	struct rh_image *img = self_image(NULL);
	const struct rh_module *m = rh_image_module(img, 0);
	assert_non_null(m->debug_path);
	assert_string_equal(m->debug_path, self_path);
	assert_string_equal(m->debug_searched, self_path);
	rh_image_destroy(img);
}

static void find_symbol_function_static_by_c_name(void **state)
{
	(void)state;
	struct rh_image *img = self_image(NULL);
	assert_int_equal(find_sym(img, "fstatic_counter"),
			 (uint64_t)(uintptr_t)fstatic_address());
	rh_image_destroy(img);
}

static void find_symbol_renamed_prefers_lto_priv_then_not_cold(void **state)
{
	(void)state;
	struct rh_image *img = self_image(NULL);
	assert_int_equal(find_sym(img, "sfx_a"), (uint64_t)(uintptr_t)&sfx_a_lto);
	assert_int_equal(find_sym(img, "sfx_b"), (uint64_t)(uintptr_t)&sfx_b_isra);
	assert_int_equal(find_sym(img, "sfx_c"), (uint64_t)(uintptr_t)&sfx_c_exact);
	assert_int_equal(find_sym(img, "sfx_d"), (uint64_t)(uintptr_t)&sfx_d_0);
	uint64_t addr;
	struct rh_error *err = rh_image_find_symbol(img, NULL, "sfx_e", &addr,
						    NULL);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_NOT_FOUND);
	rh_error_destroy(err);
	rh_image_destroy(img);
}

static void find_symbol_absent_is_not_found_with_name(void **state)
{
	(void)state;
	struct rh_image *img = self_image(NULL);
	uint64_t addr = 1234;
	struct rh_error *err = rh_image_find_symbol(
		img, rh_image_module(img, 0), "no_such_symbol_xyz", &addr, NULL);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_NOT_FOUND);
	assert_true(contains(err->message, "no_such_symbol_xyz"));
	assert_true(contains(err->message, self_path));
	assert_int_equal(addr, 1234); // out parameter untouched
	rh_error_destroy(err);

	err = rh_image_find_symbol(img, NULL, "no_such_symbol_xyz", &addr, NULL);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_NOT_FOUND);
	assert_true(contains(err->message, "any of the 1 loaded modules"));
	rh_error_destroy(err);
	rh_image_destroy(img);
}

static void find_symbol_foreign_module_is_invalid_argument(void **state)
{
	(void)state;
	struct rh_image *a = self_image(NULL), *b = self_image(NULL);
	uint64_t addr;
	struct rh_error *err = rh_image_find_symbol(
		a, rh_image_module(b, 0), "test_image_global", &addr, NULL);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_INVALID_ARGUMENT);
	rh_error_destroy(err);
	err = rh_image_find_symbol(a, NULL, "", &addr, NULL);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_INVALID_ARGUMENT);
	rh_error_destroy(err);
	rh_image_destroy(a);
	rh_image_destroy(b);
}

static void find_section_text_contains_function(void **state)
{
	(void)state;
	struct rh_image *img = self_image(NULL);
	const struct rh_module *m = rh_image_module(img, 0);
	uint64_t addr, size;
	assert_null(rh_image_find_section(img, m, ".text", &addr, &size));
	uint64_t fn = (uint64_t)(uintptr_t)&test_image_function;
	assert_true(addr <= fn && fn < addr + size);
	assert_null(rh_image_find_section(img, NULL, ".data", &addr, &size));
	uint64_t var = (uint64_t)(uintptr_t)&test_image_global;
	assert_true(addr <= var && var < addr + size);

	struct rh_error *err =
		rh_image_find_section(img, m, ".no_such_section", &addr, NULL);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_NOT_FOUND);
	assert_true(contains(err->message, ".no_such_section"));
	rh_error_destroy(err);
	rh_image_destroy(img);
}

static void symbolize_inside_variable_and_function(void **state)
{
	(void)state;
	struct rh_image *img = self_image(NULL);
	const struct rh_module *m = NULL;
	const char *name = NULL;
	uint64_t off = 0;
	uint64_t var = (uint64_t)(uintptr_t)&test_image_global;
	assert_true(rh_image_symbolize(img, var + 3, &m, &name, &off));
	assert_ptr_equal(m, rh_image_module(img, 0));
	assert_string_equal(name, "test_image_global");
	assert_int_equal(off, 3);

	uint64_t fn = (uint64_t)(uintptr_t)&test_image_function;
	assert_true(rh_image_symbolize(img, fn, NULL, &name, &off));
	assert_string_equal(name, "test_image_function");
	assert_int_equal(off, 0);

	// Outside every module.
	assert_false(rh_image_symbolize(img, 16, &m, &name, &off));
	rh_image_destroy(img);
}

/*
 * The symbols are read at the first query, once, whichever of several
 * threads asks first: the snapshot's threads symbolize function pointers
 * while they traverse (cpython/traverse.c).
 */
struct sym_race {
	struct rh_image *img;
	pthread_barrier_t *go;
	bool ok;
};

static void *sym_race_main(void *arg)
{
	struct sym_race *r = arg;
	pthread_barrier_wait(r->go);
	const char *name = NULL;
	uint64_t off = 1, addr = 0;
	bool by_addr = rh_image_symbolize(r->img, (uint64_t)(uintptr_t)&test_image_function,
					  NULL, &name, &off) &&
		       name && strcmp(name, "test_image_function") == 0 && off == 0;
	struct rh_error *err = rh_image_find_symbol(r->img, NULL, "test_image_global", &addr, NULL);
	r->ok = by_addr && !err && addr == (uint64_t)(uintptr_t)&test_image_global;
	rh_error_destroy(err);
	return NULL;
}

static void symbols_read_at_first_query_once_across_threads(void **state)
{
	(void)state;
	for (int round = 0; round < 20; round++) {
		struct rh_image *img = self_image(NULL);
		struct image_module *mod = &img->modules[0];
		// Nothing read before a query asks.
		assert_int_equal(mod->sym_state, SYMS_UNREAD);
		assert_int_equal(mod->nsyms, 0);
		enum { N = 4 };
		pthread_barrier_t go;
		pthread_barrier_init(&go, NULL, N);
		pthread_t th[N];
		struct sym_race r[N];
		for (int k = 0; k < N; k++) {
			r[k] = (struct sym_race){ .img = img, .go = &go };
			assert_int_equal(pthread_create(&th[k], NULL, sym_race_main, &r[k]), 0);
		}
		for (int k = 0; k < N; k++) {
			pthread_join(th[k], NULL);
			assert_true(r[k].ok);
		}
		pthread_barrier_destroy(&go);
		assert_int_equal(mod->sym_state, SYMS_BY_NAME);
		assert_true(mod->nsyms > 0);
		rh_image_destroy(img);
	}
}

/* A mapping of the file outside its PT_LOAD segments (image_of's spec
 * claims 256 MiB: libffi maps its trampoline page again, far away) is not
 * part of the module: other modules' addresses there are not its own. */
static void module_span_is_load_extent_not_stray_mapping(void **state)
{
	(void)state;
	struct rh_image *img = self_image(NULL);
	const struct rh_module *m = rh_image_module(img, 0);
	assert_int_equal(m->start, self_load_addr);
	assert_true(m->end < self_load_addr + 0x10000000);
	assert_true((uint64_t)(uintptr_t)&test_image_global < m->end);
	assert_ptr_equal(rh_image_module_containing(img, (uint64_t)(uintptr_t)&test_image_global), m);
	assert_null(rh_image_module_containing(img, self_load_addr + 0x0fff0000));
	assert_false(rh_image_symbolize(img, self_load_addr + 0x0fff0000, NULL, NULL, NULL));
	rh_image_destroy(img);
}

static void c_name_len_drops_static_renamings_only(void **state)
{
	(void)state;
	assert_int_equal(rh_image_c_name_len("sock_capi_traverse.lto_priv.0"), 18);
	assert_int_equal(rh_image_c_name_len("interned.12"), 8);
	assert_int_equal(rh_image_c_name_len("cursor_traverse"), 15);
	// not the function's entry: no C name matches
	assert_int_equal(rh_image_c_name_len("f.cold"), 6);
	assert_int_equal(rh_image_c_name_len("f.lto_priv.0.cold"), 17);
	assert_int_equal(rh_image_c_name_len("f.part.0"), 8);
	assert_int_equal(rh_image_c_name_len("f.lto_priv."), 11);
	assert_int_equal(rh_image_c_name_len(".0"), 2);
}

/* ------------------------------------------------------------ bad inputs */

static void create_from_specs_missing_file_is_problem(void **state)
{
	(void)state;
	struct rh_image *img =
		image_of("/nonexistent/libfoo.so", NULL, 0x7f0000000000, false,
			 NULL);
	assert_int_equal(rh_image_module_count(img), 1);
	const struct rh_module *m = rh_image_module(img, 0);
	assert_null(m->local_path);
	assert_null(m->debug_path);
	assert_string_equal(m->build_id, "");
	const struct rh_problems *p = rh_image_problems(img);
	assert_int_equal(rh_problems_total(p), 1);
	assert_true(contains(p->messages[0], "/nonexistent/libfoo.so"));
	assert_true(contains(p->messages[0], "No such file"));

	uint64_t addr;
	struct rh_error *err =
		rh_image_find_symbol(img, m, "anything", &addr, NULL);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_NOT_FOUND);
	assert_true(contains(err->message, "no file"));
	rh_error_destroy(err);
	rh_image_destroy(img);
}

static void create_from_specs_data_file_is_not_a_module(void **state)
{
	(void)state;
	char path[] = "/tmp/rh-image-data-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not an ELF file\n", 16), 16);
	close(fd);
	struct rh_image *img = image_of(path, NULL, 0x7f0000000000, false, NULL);
	assert_int_equal(rh_image_module_count(img), 0);
	assert_int_equal(rh_problems_total(rh_image_problems(img)), 0);
	rh_image_destroy(img);
	unlink(path);
}

static void create_from_specs_sysroot_prefixes_path(void **state)
{
	(void)state;
	// The spec names the path the target saw; the file is looked up
	// under the sysroot.
	char *dir = strdup(self_path);
	char *slash = strrchr(dir, '/');
	*slash = '\0';
	struct rh_image_options opts = { .sysroot = dir };
	struct rh_image *img = image_of(self_path + strlen(dir), NULL,
					self_load_addr, true, &opts);
	const struct rh_module *m = rh_image_module(img, 0);
	assert_string_equal(m->name, self_path + strlen(dir));
	assert_string_equal(m->local_path, self_path);
	assert_int_equal(find_sym(img, "test_image_global"),
			 (uint64_t)(uintptr_t)&test_image_global);
	rh_image_destroy(img);
	free(dir);
}

/* ------------------------------------------------------------ target memory */

/*
 * An in-memory target holding only this binary's first page (ELF header,
 * program headers and build-id note, as a core keeps them) at the load
 * address, to check what the image takes from the target's copy.
 */
static uint8_t first_page[RH_IMAGE_PAGE_SIZE];

static struct rh_target *first_page_target(void)
{
	FILE *f = fopen(self_path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(first_page, 1, sizeof(first_page), f),
			 sizeof(first_page));
	fclose(f);
	struct rh_memory_segment seg = {
		.addr = self_load_addr,
		.data = first_page,
		.size = sizeof(first_page),
	};
	struct rh_target *t = NULL;
	struct rh_error *err = rh_target_open_memory(&seg, 1, &t);
	if (err)
		fail_msg("rh_target_open_memory: %s", err->message);
	return t;
}

/* Flip one byte of the build-id in first_page; false if not found there. */
static bool corrupt_build_id_in_first_page(const char *hex)
{
	uint8_t id[RH_IMAGE_BUILD_ID_MAX];
	size_t len = strlen(hex) / 2;
	if (len == 0 || len > sizeof(id))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		id[i] = (uint8_t)v;
	}
	for (size_t off = 0; off + len <= sizeof(first_page); off++) {
		if (memcmp(first_page + off, id, len) == 0) {
			first_page[off + len - 1] ^= 0xff;
			return true;
		}
	}
	return false;
}

static struct rh_image *image_with_target(struct rh_target *t,
					  const char *name,
					  const char *local_path,
					  const struct rh_image_options *opts)
{
	struct rh_image_module_spec spec = {
		.name = name,
		.local_path = local_path,
		.load_addr = self_load_addr,
		.start = self_load_addr,
		.end = self_load_addr + RH_IMAGE_PAGE_SIZE,
		.main_program = true,
	};
	struct rh_image *img = NULL;
	struct rh_error *err =
		rh_image_create_from_specs(t, &spec, 1, opts, &img);
	if (err)
		fail_msg("rh_image_create_from_specs: %s", err->message);
	return img;
}

static void create_from_specs_target_header_matching_build_id(void **state)
{
	(void)state;
	struct rh_target *t = first_page_target();
	struct rh_image *img = image_with_target(t, self_path, NULL, NULL);
	assert_int_equal(rh_image_module_count(img), 1);
	const struct rh_module *m = rh_image_module(img, 0);
	assert_string_equal(m->local_path, self_path);
	assert_int_equal(rh_problems_total(rh_image_problems(img)), 0);
	assert_int_equal(find_sym(img, "test_image_global"),
			 (uint64_t)(uintptr_t)&test_image_global);
	// The span grows from the mapped page to the whole PT_LOAD extent.
	assert_true(m->end > (uint64_t)(uintptr_t)&test_image_big_bss[60000]);
	rh_image_destroy(img);
	rh_target_destroy(t);
}

static void create_from_specs_target_build_id_mismatch_drops_file(void **state)
{
	(void)state;
	struct rh_image *plain = self_image(NULL);
	char id[256];
	snprintf(id, sizeof(id), "%s", rh_image_module(plain, 0)->build_id);
	rh_image_destroy(plain);
	struct rh_target *t = first_page_target();
	if (!corrupt_build_id_in_first_page(id)) {
		rh_target_destroy(t);
		print_message("skipped: build-id not in the first page\n");
		skip();
	}
	struct rh_image *img = image_with_target(t, self_path, NULL, NULL);
	const struct rh_module *m = rh_image_module(img, 0);
	assert_null(m->local_path);
	assert_string_not_equal(m->build_id, id); // the target's, not the file's
	assert_int_equal(strlen(m->build_id), strlen(id));
	const struct rh_problems *p = rh_image_problems(img);
	assert_int_equal(rh_problems_total(p), 1);
	assert_true(contains(p->messages[0], "build-id"));
	assert_true(contains(p->messages[0], id));
	assert_true(contains(p->messages[0], m->build_id));
	uint64_t addr;
	struct rh_error *err = rh_image_find_symbol(img, m, "test_image_global",
						    &addr, NULL);
	assert_non_null(err);
	rh_error_destroy(err);
	rh_image_destroy(img);
	rh_target_destroy(t);
}

static void create_from_specs_target_not_elf_is_not_a_module(void **state)
{
	(void)state;
	// The file is ELF, but what the target mapped at offset 0 is not.
	struct rh_target *t = first_page_target();
	first_page[0] = 'X';
	struct rh_image *img = image_with_target(t, self_path, NULL, NULL);
	assert_int_equal(rh_image_module_count(img), 0);
	assert_int_equal(rh_problems_total(rh_image_problems(img)), 0);
	rh_image_destroy(img);
	rh_target_destroy(t);
}

/* ------------------------------------------------------------ system python */

#define DEBIAN_PY "/usr/bin/python3.11"

static void create_from_specs_debian_python_debug_by_build_id(void **state)
{
	(void)state;
	char id[256];
	if (access(DEBIAN_PY, R_OK) != 0 || !have_tool("readelf") ||
	    !readelf_build_id(DEBIAN_PY, id, sizeof(id))) {
		print_message("skipped: no %s or no readelf\n", DEBIAN_PY);
		skip();
	}
	char *debug;
	assert_true(asprintf(&debug, "/usr/lib/debug/.build-id/%.2s/%s.debug",
			     id, id + 2) > 0);
	if (access(debug, R_OK) != 0) {
		print_message("skipped: %s absent (install python3.11-dbg)\n",
			      debug);
		free(debug);
		skip();
	}
	// Non-PIE: loaded at its link address, bias 0.
	struct rh_image *img = image_of(DEBIAN_PY, NULL, 0x400000, false, NULL);
	const struct rh_module *m = rh_image_module(img, 0);
	assert_string_equal(m->build_id, id);
	assert_int_equal(m->bias, 0);
	assert_true(m->is_executable); // ET_EXEC
	assert_non_null(m->debug_path);
	assert_string_equal(m->debug_path, debug);
	assert_true(contains(m->debug_searched, debug));

	// "interned" is a static renamed by LTO and only in the debug file's
	// .symtab: the stripped executable has .dynsym only.
	uint64_t want;
	assert_true(readelf_symbol(debug, "interned.lto_priv.0", &want));
	assert_int_equal(find_sym(img, "interned"), want);

	uint64_t sec, sym;
	assert_null(rh_image_find_section(img, m, ".PyRuntime", &sec, NULL));
	assert_null(rh_image_find_symbol(img, m, "_PyRuntime", &sym, NULL));
	assert_int_equal(sec, sym);
	assert_true(readelf_symbol(DEBIAN_PY, "_PyRuntime", &want));
	assert_int_equal(sym, want);
	free(debug);
	rh_image_destroy(img);
}

/* ------------------------------------------------------------ pyenv */

static char *pyenv_root(void)
{
	const char *env = getenv("PYENV_ROOT");
	if (env && *env)
		return strdup(env);
	FILE *f = popen("pyenv root 2>/dev/null", "r");
	if (!f)
		return NULL;
	char buf[4096] = "";
	char *r = fgets(buf, sizeof(buf), f);
	pclose(f);
	if (!r)
		return NULL;
	buf[strcspn(buf, "\n")] = '\0';
	return *buf ? strdup(buf) : NULL;
}

static void create_from_specs_pyenv_libpython_runtime(void **state)
{
	(void)state;
	char *root = pyenv_root();
	if (!root) {
		print_message("skipped: no pyenv\n");
		skip();
	}
	char *cmd;
	assert_true(asprintf(&cmd,
			     "ls -d '%s'/versions/3.*/lib/libpython3.*.so.1.0 "
			     "2>/dev/null", root) > 0);
	FILE *f = popen(cmd, "r");
	free(cmd);
	assert_non_null(f);
	char lib[4096];
	int tested = 0;
	while (fgets(lib, sizeof(lib), f)) {
		lib[strcspn(lib, "\n")] = '\0';
		int major = 0, minor = 0;
		const char *v = strstr(lib, "/libpython");
		if (!v || sscanf(v, "/libpython%d.%d", &major, &minor) != 2)
			continue;
		uint64_t load = 0x7f1234560000;
		struct rh_image *img = image_of(lib, NULL, load, false, NULL);
		const struct rh_module *m = rh_image_module(img, 0);
		print_message("%s: build-id %s, debug %s\n", lib, m->build_id,
			      m->debug_path ? m->debug_path : "(none)");
		assert_false(m->is_executable);
		assert_int_equal(m->bias, load); // linked at 0
		uint64_t want, addr, sec;
		// 3.7 introduced _PyRuntime; 3.6 has a static interp_head
		// (Python/pystate.c), found through .symtab.
		const char *sym = minor >= 7 ? "_PyRuntime" : "interp_head";
		assert_true(readelf_symbol(lib, sym, &want));
		assert_null(rh_image_find_symbol(img, m, sym, &addr, NULL));
		assert_int_equal(addr, want + load);
		// pyenv builds keep their DWARF.
		assert_non_null(m->debug_path);
		assert_string_equal(m->debug_path, lib);
		struct rh_error *err =
			rh_image_find_section(img, m, ".PyRuntime", &sec, NULL);
		if (minor >= 10) {
			// 3.10+ puts _PyRuntime in its own section.
			assert_null(err);
			assert_int_equal(sec, addr);
		} else {
			assert_non_null(err);
			rh_error_destroy(err);
		}
		rh_image_destroy(img);
		tested++;
	}
	pclose(f);
	free(root);
	if (!tested) {
		print_message("skipped: no pyenv libpython3 found\n");
		skip();
	}
}

/* ------------------------------------------------------------ debug files */

/*
 * A temp tree made with objcopy from a copy of this binary:
 *   orig           the copy (same layout as the running test)
 *   prog.debug     objcopy --only-keep-debug orig
 *   nobid.debug    prog.debug without its build-id note
 *   bin/prog       orig stripped of everything, with a .gnu_debuglink to
 *                  prog.debug
 * Each test adds the debug file where it wants it and removes it after.
 */
static char tmpdir[256];
static char stripped[512];
static const char *build_id_hex;
static char build_id_buf[256];

static int debug_fixture_setup(void **state)
{
	(void)state;
	if (!have_tool("objcopy"))
		return 0; // tests skip on an empty tmpdir
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rh-image-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(stripped, sizeof(stripped), "%s/bin/prog", tmpdir);
	if (run("mkdir -p '%s/bin' && cp '%s' '%s/orig'", tmpdir, self_path,
		tmpdir) ||
	    run("objcopy --only-keep-debug '%s/orig' '%s/prog.debug'", tmpdir,
		tmpdir) ||
	    run("objcopy --remove-section .note.gnu.build-id '%s/prog.debug' "
		"'%s/nobid.debug'", tmpdir, tmpdir) ||
	    run("objcopy --strip-all --add-gnu-debuglink='%s/prog.debug' "
		"'%s/orig' '%s'", tmpdir, tmpdir, stripped)) {
		tmpdir[0] = '\0';
		return 0;
	}
	struct rh_image *img = self_image(NULL);
	snprintf(build_id_buf, sizeof(build_id_buf), "%s",
		 rh_image_module(img, 0)->build_id);
	rh_image_destroy(img);
	build_id_hex = build_id_buf[0] ? build_id_buf : NULL;
	return 0;
}

static int debug_fixture_teardown(void **state)
{
	(void)state;
	if (tmpdir[0])
		run("rm -rf '%s'", tmpdir);
	return 0;
}

/* Skip unless the fixture exists; set the environment to a known state. */
static void need_fixture(bool need_build_id)
{
	if (!tmpdir[0]) {
		print_message("skipped: objcopy missing or failed\n");
		skip();
	}
	if (need_build_id && !build_id_hex) {
		print_message("skipped: this test binary has no build-id\n");
		skip();
	}
	// No default /usr/lib/debug: only what each test sets up.
	setenv("REFHEAP_NO_DEFAULT_DEBUG_DIRS", "1", 1);
}

static void place_debug(const char *src, const char *dst_fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void place_debug(const char *src, const char *dst_fmt, ...)
{
	char *dst;
	va_list ap;
	va_start(ap, dst_fmt);
	assert_true(vasprintf(&dst, dst_fmt, ap) > 0);
	va_end(ap);
	assert_int_equal(run("mkdir -p \"$(dirname '%s')\" && cp '%s/%s' '%s'",
			     dst, tmpdir, src, dst), 0);
	free(dst);
}

static void clean_debug(void)
{
	run("rm -rf '%s/bin/.debug' '%s/bin/prog.debug' '%s/d1' '%s/d2' "
	    "'%s/sysroot'", tmpdir, tmpdir, tmpdir, tmpdir, tmpdir);
	unsetenv("REFHEAP_NO_DEFAULT_DEBUG_DIRS");
}

/* The stripped copy as a module named `name` (path in the target). */
static struct rh_image *stripped_image(const char *name,
				       const struct rh_image_options *opts)
{
	return image_of(name, stripped, self_load_addr, true, opts);
}

static void debug_file_stripped_without_debug_has_no_symtab(void **state)
{
	(void)state;
	need_fixture(false);
	struct rh_image *img = stripped_image(stripped, NULL);
	const struct rh_module *m = rh_image_module(img, 0);
	assert_null(m->debug_path);
	uint64_t addr;
	struct rh_error *err = rh_image_find_symbol(img, m, "test_image_global",
						    &addr, NULL);
	assert_non_null(err); // a static executable symbol: only in .symtab
	rh_error_destroy(err);
	rh_image_destroy(img);
	clean_debug();
}

static void debug_file_debuglink_in_dot_debug(void **state)
{
	(void)state;
	need_fixture(false);
	place_debug("prog.debug", "%s/bin/.debug/prog.debug", tmpdir);
	struct rh_image *img = stripped_image(stripped, NULL);
	const struct rh_module *m = rh_image_module(img, 0);
	char want[600];
	snprintf(want, sizeof(want), "%s/bin/.debug/prog.debug", tmpdir);
	assert_non_null(m->debug_path);
	assert_string_equal(m->debug_path, want);
	// The debug file's .symtab gives the symbols the stripped file lost.
	assert_int_equal(find_sym(img, "test_image_global"),
			 (uint64_t)(uintptr_t)&test_image_global);
	assert_int_equal(find_sym(img, "fstatic_counter"),
			 (uint64_t)(uintptr_t)fstatic_address());
	rh_image_destroy(img);
	clean_debug();
}

static void debug_file_debuglink_beside_module(void **state)
{
	(void)state;
	need_fixture(false);
	place_debug("prog.debug", "%s/bin/prog.debug", tmpdir);
	struct rh_image *img = stripped_image(stripped, NULL);
	char want[600];
	snprintf(want, sizeof(want), "%s/bin/prog.debug", tmpdir);
	assert_string_equal(rh_image_module(img, 0)->debug_path, want);
	rh_image_destroy(img);
	clean_debug();
}

static void debug_file_debuglink_under_debug_dir_uses_target_path(void **state)
{
	(void)state;
	need_fixture(false);
	// The target mapped /opt/app/prog; the file here is bin/prog. The
	// debug dir is searched with the target's directory.
	place_debug("prog.debug", "%s/d1/opt/app/prog.debug", tmpdir);
	char d1[300];
	snprintf(d1, sizeof(d1), "%s/d1/", tmpdir); // trailing slash ignored
	const char *dirs[] = { d1 };
	struct rh_image_options opts = { .debug_dirs = dirs, .ndebug_dirs = 1 };
	struct rh_image *img = stripped_image("/opt/app/prog", &opts);
	char want[600];
	snprintf(want, sizeof(want), "%s/d1/opt/app/prog.debug", tmpdir);
	assert_non_null(rh_image_module(img, 0)->debug_path);
	assert_string_equal(rh_image_module(img, 0)->debug_path, want);
	rh_image_destroy(img);
	clean_debug();
}

static void debug_file_debuglink_crc_mismatch_is_rejected(void **state)
{
	(void)state;
	need_fixture(false);
	place_debug("prog.debug", "%s/bin/.debug/prog.debug", tmpdir);
	// One byte more: still a valid ELF file with .debug_info, wrong CRC.
	assert_int_equal(run("printf x >> '%s/bin/.debug/prog.debug'", tmpdir),
			 0);
	struct rh_image *img = stripped_image(stripped, NULL);
	const struct rh_module *m = rh_image_module(img, 0);
	assert_null(m->debug_path);
	char want[600];
	snprintf(want, sizeof(want), "%s/bin/prog.debug, %s/bin/.debug/prog.debug",
		 tmpdir, tmpdir);
	assert_true(contains(m->debug_searched, want));
	uint64_t addr;
	struct rh_error *err = rh_image_find_symbol(img, m, "test_image_global",
						    &addr, NULL);
	assert_non_null(err);
	rh_error_destroy(err);
	rh_image_destroy(img);
	clean_debug();
}

static void debug_file_build_id_dir_order_follows_options(void **state)
{
	(void)state;
	need_fixture(true);
	const char *id = build_id_hex;
	place_debug("prog.debug", "%s/d1/.build-id/%.2s/%s.debug", tmpdir, id,
		    id + 2);
	place_debug("prog.debug", "%s/d2/.build-id/%.2s/%s.debug", tmpdir, id,
		    id + 2);
	// Also a debuglink candidate: build-id comes first all the same.
	place_debug("prog.debug", "%s/bin/.debug/prog.debug", tmpdir);
	char d1[300], d2[300], w1[600], w2[600];
	snprintf(d1, sizeof(d1), "%s/d1", tmpdir);
	snprintf(d2, sizeof(d2), "%s/d2", tmpdir);
	snprintf(w1, sizeof(w1), "%s/.build-id/%.2s/%s.debug", d1, id, id + 2);
	snprintf(w2, sizeof(w2), "%s/.build-id/%.2s/%s.debug", d2, id, id + 2);

	const char *order12[] = { d1, d2 }, *order21[] = { d2, d1 };
	struct rh_image_options opts = { .debug_dirs = order12,
					 .ndebug_dirs = 2 };
	struct rh_image *img = stripped_image(stripped, &opts);
	assert_string_equal(rh_image_module(img, 0)->debug_path, w1);
	assert_string_equal(rh_image_module(img, 0)->debug_searched, w1);
	assert_int_equal(find_sym(img, "test_image_global"),
			 (uint64_t)(uintptr_t)&test_image_global);
	rh_image_destroy(img);

	opts.debug_dirs = order21;
	img = stripped_image(stripped, &opts);
	assert_string_equal(rh_image_module(img, 0)->debug_path, w2);
	rh_image_destroy(img);
	clean_debug();
}

static void debug_file_build_id_mismatch_is_rejected(void **state)
{
	(void)state;
	need_fixture(true);
	const char *id = build_id_hex;
	// Right name, .debug_info present, but no (so no matching) build-id.
	place_debug("nobid.debug", "%s/d1/.build-id/%.2s/%s.debug", tmpdir, id,
		    id + 2);
	char d1[300], w1[600];
	snprintf(d1, sizeof(d1), "%s/d1", tmpdir);
	snprintf(w1, sizeof(w1), "%s/.build-id/%.2s/%s.debug", d1, id, id + 2);
	const char *dirs[] = { d1 };
	struct rh_image_options opts = { .debug_dirs = dirs, .ndebug_dirs = 1 };
	struct rh_image *img = stripped_image(stripped, &opts);
	const struct rh_module *m = rh_image_module(img, 0);
	assert_null(m->debug_path);
	assert_true(contains(m->debug_searched, w1));
	rh_image_destroy(img);
	clean_debug();
}

static void debug_file_default_dir_under_sysroot_and_env_switch(void **state)
{
	(void)state;
	need_fixture(true);
	const char *id = build_id_hex;
	place_debug("prog.debug",
		    "%s/sysroot/usr/lib/debug/.build-id/%.2s/%s.debug", tmpdir,
		    id, id + 2);
	char sysroot[300], want[600];
	snprintf(sysroot, sizeof(sysroot), "%s/sysroot", tmpdir);
	snprintf(want, sizeof(want), "%s/usr/lib/debug/.build-id/%.2s/%s.debug",
		 sysroot, id, id + 2);
	struct rh_image_options opts = { .sysroot = sysroot };

	unsetenv("REFHEAP_NO_DEFAULT_DEBUG_DIRS");
	struct rh_image *img = stripped_image("/bin/prog", &opts);
	assert_non_null(rh_image_module(img, 0)->debug_path);
	assert_string_equal(rh_image_module(img, 0)->debug_path, want);
	rh_image_destroy(img);

	setenv("REFHEAP_NO_DEFAULT_DEBUG_DIRS", "1", 1);
	img = stripped_image("/bin/prog", &opts);
	const struct rh_module *m = rh_image_module(img, 0);
	assert_null(m->debug_path);
	assert_false(contains(m->debug_searched, "usr/lib/debug"));
	rh_image_destroy(img);
	clean_debug();
}

static void debug_file_found_by_target_build_id_without_file(void **state)
{
	(void)state;
	need_fixture(true);
	const char *id = build_id_hex;
	place_debug("prog.debug", "%s/d1/.build-id/%.2s/%s.debug", tmpdir, id,
		    id + 2);
	char d1[300];
	snprintf(d1, sizeof(d1), "%s/d1", tmpdir);
	const char *dirs[] = { d1 };
	struct rh_image_options opts = { .debug_dirs = dirs, .ndebug_dirs = 1 };
	// No file on this machine: the build-id comes from the target's copy
	// of the ELF header, the layout and symbols from the debug file.
	struct rh_target *t = first_page_target();
	struct rh_image *img =
		image_with_target(t, "/gone/prog", NULL, &opts);
	const struct rh_module *m = rh_image_module(img, 0);
	assert_null(m->local_path);
	assert_string_equal(m->build_id, id);
	assert_non_null(m->debug_path);
	assert_int_equal(m->bias, self_bias);
	assert_int_equal(rh_problems_total(rh_image_problems(img)), 1);
	assert_int_equal(find_sym(img, "test_image_global"),
			 (uint64_t)(uintptr_t)&test_image_global);
	rh_image_destroy(img);
	rh_target_destroy(t);
	clean_debug();
}

/* ------------------------------------------------------------ through a target */

/*
 * A child that sleeps; the image of it, built through the target layer,
 * must find this binary's symbols where they are in the child (the same
 * addresses: a fork keeps the layout).
 */
static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static void kill_sleeper(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static bool open_live(pid_t pid, struct rh_target **ret)
{
	struct rh_error *err = rh_target_open_pid(pid, NULL, ret);
	if (err) {
		print_message("skipped: cannot open pid %d: %s\n", (int)pid,
			      err->message);
		rh_error_destroy(err);
		return false;
	}
	return true;
}

static void create_live_child_finds_own_symbols(void **state)
{
	(void)state;
	unsetenv("REFHEAP_NO_DEFAULT_DEBUG_DIRS");
	pid_t pid = spawn_sleeper();
	assert_true(pid > 0);
	struct rh_target *t;
	if (!open_live(pid, &t)) {
		kill_sleeper(pid);
		skip();
	}
	struct rh_image *img = NULL;
	struct rh_error *err = rh_image_create(t, NULL, &img);
	if (err)
		fail_msg("rh_image_create: %s", err->message);
	const struct rh_module *exe = NULL;
	size_t n = rh_image_module_count(img);
	for (size_t i = 0; i < n; i++) {
		const struct rh_module *m = rh_image_module(img, i);
		if (strcmp(m->name, self_path) == 0)
			exe = m;
		// Sorted by start, spans disjoint.
		if (i > 0)
			assert_true(rh_image_module(img, i - 1)->end <= m->start);
	}
	assert_non_null(exe);
	assert_true(exe->is_executable);
	assert_int_equal(exe->bias, self_bias);
	assert_int_equal(find_sym(img, "test_image_global"),
			 (uint64_t)(uintptr_t)&test_image_global);
	// .bss beyond the file's last page still belongs to the module.
	const char *bss_name;
	uint64_t bss_off;
	assert_true(rh_image_symbolize(
		img, (uint64_t)(uintptr_t)&test_image_big_bss[60000], NULL,
		&bss_name, &bss_off));
	assert_string_equal(bss_name, "test_image_big_bss");
	assert_int_equal(bss_off, 60000);
	// libc is there too, with its exported symbols.
	assert_int_equal(find_sym(img, "getpid"), (uint64_t)(uintptr_t)&getpid);
	const struct rh_module *m;
	const char *name;
	uint64_t off;
	assert_true(rh_image_symbolize(img, (uint64_t)(uintptr_t)&getpid, &m,
				       &name, &off));
	assert_true(contains(m->name, "libc"));
	assert_int_equal(off, 0);
	rh_image_destroy(img);
	rh_target_destroy(t);
	kill_sleeper(pid);
}

static void create_core_of_child_finds_own_symbols(void **state)
{
	(void)state;
	unsetenv("REFHEAP_NO_DEFAULT_DEBUG_DIRS");
	if (!have_tool("gcore")) {
		print_message("skipped: no gcore (install gdb)\n");
		skip();
	}
#ifdef __SANITIZE_ADDRESS__
	// gcore would dump AddressSanitizer's shadow: terabytes (sparse).
	print_message("skipped: no gcore of an AddressSanitizer process\n");
	skip();
#endif
	char dir[] = "/tmp/rh-image-core-XXXXXX";
	assert_non_null(mkdtemp(dir));
	pid_t pid = spawn_sleeper();
	assert_true(pid > 0);
	int rc = run("gcore -o '%s/core' %d >/dev/null 2>&1", dir, (int)pid);
	kill_sleeper(pid);
	char core[300];
	snprintf(core, sizeof(core), "%s/core.%d", dir, (int)pid);
	if (rc != 0 || access(core, R_OK) != 0) {
		run("rm -rf '%s'", dir);
		print_message("skipped: gcore failed\n");
		skip();
	}
	struct rh_target *t;
	struct rh_error *err = rh_target_open_core(core, NULL, &t);
	// The target keeps what it needs open: the files can go now, and are
	// gone whatever the outcome.
	run("rm -rf '%s'", dir);
	if (err)
		fail_msg("rh_target_open_core: %s", err->message);
	struct rh_image *img = NULL;
	if ((err = rh_image_create(t, NULL, &img)))
		fail_msg("rh_image_create: %s", err->message);
	const struct rh_problems *p = rh_image_problems(img);
	for (size_t i = 0; i < p->count; i++)
		print_message("problem: %s\n", p->messages[i]);
	const struct rh_module *m;
	const char *name;
	uint64_t off, addr = (uint64_t)(uintptr_t)&test_image_big_bss[100];
	assert_true(rh_image_symbolize(img, addr, &m, &name, &off));
	assert_string_equal(m->name, self_path);
	assert_true(m->is_executable);
	assert_int_equal(m->bias, self_bias);
	assert_string_equal(name, "test_image_big_bss");
	assert_int_equal(off, 100);
	assert_int_equal(find_sym(img, "test_image_global"),
			 (uint64_t)(uintptr_t)&test_image_global);
	assert_int_equal(find_sym(img, "getpid"), (uint64_t)(uintptr_t)&getpid);
	rh_image_destroy(img);
	rh_target_destroy(t);
}

static void create_live_python_timing(void **state)
{
	(void)state;
	// How long building the image of a real interpreter takes (symbol
	// tables of all its modules), printed for the record.
	if (access(DEBIAN_PY, X_OK) != 0)
		skip();
	pid_t pid = fork();
	if (pid == 0) {
		execl(DEBIAN_PY, DEBIAN_PY, "-c",
		      "import json, decimal, ssl, sqlite3, ctypes, time; "
		      "time.sleep(60)", (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	usleep(500000);
	struct rh_target *t;
	if (!open_live(pid, &t)) {
		kill_sleeper(pid);
		skip();
	}
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct rh_image *img = NULL;
	struct rh_error *err = rh_image_create(t, NULL, &img);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (err)
		fail_msg("rh_image_create: %s", err->message);
	double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	print_message("rh_image_create on %s: %zu modules in %.1f ms\n",
		      DEBIAN_PY, rh_image_module_count(img), ms);
	uint64_t addr;
	assert_null(rh_image_find_symbol(img, NULL, "_PyRuntime", &addr, NULL));
	rh_image_destroy(img);
	rh_target_destroy(t);
	kill_sleeper(pid);
}

int main(void)
{
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	if (n <= 0)
		return 1;
	self_path[n] = '\0';
	dl_iterate_phdr(find_main_program, NULL);
	unsetenv("REFHEAP_NO_DEFAULT_DEBUG_DIRS");

	const struct CMUnitTest self_tests[] = {
		cmocka_unit_test(create_from_specs_self_exe_symbols_match_loader),
		cmocka_unit_test(module_writable_ranges_cover_data_and_bss_not_relro),
		cmocka_unit_test(create_from_specs_self_exe_build_id_matches_readelf),
		cmocka_unit_test(create_from_specs_self_exe_debug_info_is_embedded),
		cmocka_unit_test(find_symbol_function_static_by_c_name),
		cmocka_unit_test(find_symbol_renamed_prefers_lto_priv_then_not_cold),
		cmocka_unit_test(find_symbol_absent_is_not_found_with_name),
		cmocka_unit_test(find_symbol_foreign_module_is_invalid_argument),
		cmocka_unit_test(find_section_text_contains_function),
		cmocka_unit_test(symbolize_inside_variable_and_function),
		cmocka_unit_test(symbols_read_at_first_query_once_across_threads),
		cmocka_unit_test(module_span_is_load_extent_not_stray_mapping),
		cmocka_unit_test(c_name_len_drops_static_renamings_only),
		cmocka_unit_test(create_from_specs_missing_file_is_problem),
		cmocka_unit_test(create_from_specs_data_file_is_not_a_module),
		cmocka_unit_test(create_from_specs_sysroot_prefixes_path),
		cmocka_unit_test(create_from_specs_target_header_matching_build_id),
		cmocka_unit_test(create_from_specs_target_build_id_mismatch_drops_file),
		cmocka_unit_test(create_from_specs_target_not_elf_is_not_a_module),
		cmocka_unit_test(create_from_specs_debian_python_debug_by_build_id),
		cmocka_unit_test(create_from_specs_pyenv_libpython_runtime),
	};
	const struct CMUnitTest debug_tests[] = {
		cmocka_unit_test(debug_file_stripped_without_debug_has_no_symtab),
		cmocka_unit_test(debug_file_debuglink_in_dot_debug),
		cmocka_unit_test(debug_file_debuglink_beside_module),
		cmocka_unit_test(debug_file_debuglink_under_debug_dir_uses_target_path),
		cmocka_unit_test(debug_file_debuglink_crc_mismatch_is_rejected),
		cmocka_unit_test(debug_file_build_id_dir_order_follows_options),
		cmocka_unit_test(debug_file_build_id_mismatch_is_rejected),
		cmocka_unit_test(debug_file_default_dir_under_sysroot_and_env_switch),
		cmocka_unit_test(debug_file_found_by_target_build_id_without_file),
	};
	const struct CMUnitTest target_tests[] = {
		cmocka_unit_test(create_live_child_finds_own_symbols),
		cmocka_unit_test(create_core_of_child_finds_own_symbols),
		cmocka_unit_test(create_live_python_timing),
	};
	int failed = cmocka_run_group_tests_name("image", self_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("debug files", debug_tests,
					      debug_fixture_setup,
					      debug_fixture_teardown);
	failed += cmocka_run_group_tests_name("through a target", target_tests,
					      NULL, NULL);
	return failed ? 1 : 0;
}
