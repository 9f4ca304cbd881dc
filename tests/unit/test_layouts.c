/*
 * Unit tests of the layouts layer (dwarf/layouts.c, dwarf/layouts_cache.c).
 *
 * The oracle is the compiler: the fixture types and variables below are
 * compiled into this test binary with -g, and their DWARF (read back from
 * /proc/self/exe) must give what offsetof(), sizeof() and & give. Then the
 * real thing: the queries the CPython layer makes, on every pyenv CPython
 * 3.8+ and on Debian's LTO-built python3.11 debug file when installed
 * (skipped, saying why, when they are not).
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dwarf/layouts.h"
#include "dwarf/layouts_internal.h"
#include "util/error.h"

/* ------------------------------------------------------------ fixtures */

enum fx_color { FX_RED = 1, FX_GREEN = 5, FX_BLUE = -3 };

struct fx_inner {
	int a;
	char b[3];
	long c;
};

struct fx_outer {
	int head;
	struct fx_inner inner;
	union {
		long ul;
		struct {
			short s1;
			short s2;
		};
	};
	struct fx_inner arr[4];
	int grid[3][5];
	unsigned int bf_a : 3;
	unsigned int bf_b : 7;
	signed int bf_c : 12;
	enum fx_color color;
	const volatile struct fx_inner *ptr;
	char tail[];
};

typedef struct fx_outer fx_outer_t;
typedef const fx_outer_t fx_const_outer_t;
typedef volatile fx_const_outer_t fx_chain_t;
typedef struct fx_opaque fx_opaque_t; /* never defined */
typedef int fx_row_t[5];

/* Used, so that -O2 keeps them and their DWARF. */
__attribute__((used)) fx_outer_t fx_global = { .head = 1 };
__attribute__((used)) fx_chain_t *fx_chain_ptr;
__attribute__((used)) fx_opaque_t *fx_opaque_ptr;
__attribute__((used)) fx_row_t fx_rows[2]; /* gcc flattens this to int[2][5] */
__attribute__((used)) fx_row_t fx_one_row;  /* so this keeps the typedef */
__attribute__((used)) static enum { FX_ANON_A = 7, FX_ANON_B = 300000 } fx_anon_var;
extern int fx_declared_then_defined;
__attribute__((used)) int fx_declared_then_defined = 42;

/* RH_LAYOUT_LOCAL: a function with locals in its body and a nested
 * block, kept out of line and not optimized away */
int fx_with_locals(int n);
__attribute__((used, noinline)) int fx_with_locals(int n)
{
	volatile int fx_outer_local = n;
	if (n > 1) {
		volatile int fx_block_local = fx_outer_local * 2;
		return fx_block_local;
	}
	return fx_outer_local;
}

#define Q(k, t, m) { RH_LAYOUT_##k, t, m }

/* Resolve queries against this binary, no cache; fails the test on error. */
static void resolve_self(const struct rh_layout_query *q, size_t n,
			 struct rh_layout_value *v)
{
	struct rh_layout_stats st;
	struct rh_error *err = rh_layouts_resolve("/proc/self/exe", NULL, NULL,
						  q, n, v, &st);
	if (err)
		fail_msg("%s", err->message);
	assert_false(st.from_cache);
	assert_true(st.units > 0);
}

/* A macro, so that a failure names the caller's line and the answer. */
#define assert_value(v, expected)                                              \
	do {                                                                   \
		const struct rh_layout_value *v_ = (v);                        \
		int64_t e_ = (int64_t)(expected);                              \
		if (!v_->found || v_->value != e_)                             \
			fail_msg("%s: want %lld, got %s%lld", #v,              \
				 (long long)e_, v_->found ? "" : "not found ", \
				 (long long)v_->value);                        \
	} while (0)

/* Bit position of the lowest set bit of an object whose one field is all ones. */
static int first_set_bit(const void *obj, size_t size)
{
	const unsigned char *p = obj;
	for (size_t i = 0; i < size; i++) {
		for (int b = 0; b < 8; b++) {
			if (p[i] & (1u << b))
				return (int)(i * 8 + (size_t)b);
		}
	}
	return -1;
}

static int main_bias_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	// The first object is the main program.
	*(uintptr_t *)arg = info->dlpi_addr;
	return 1;
}

/* Link-time address of a variable of this (possibly PIE) program. */
static int64_t link_address(const void *p)
{
	uintptr_t bias = 0;
	dl_iterate_phdr(main_bias_cb, &bias);
	return (int64_t)((uintptr_t)p - bias);
}

/* ------------------------------------------------------ fixture tests */

static void rh_layouts_resolve_sizes_match_sizeof(void **state)
{
	const struct rh_layout_query q[] = {
		Q(SIZEOF, "struct fx_outer", NULL),
		Q(SIZEOF, "fx_outer_t", NULL),
		Q(SIZEOF, "fx_chain_t", NULL),
		Q(SIZEOF, "struct fx_inner", NULL),
		Q(SIZEOF, "enum fx_color", NULL),
		Q(SIZEOF, "int", NULL),
		Q(SIZEOF, "long", NULL),
		Q(SIZEOF, "unsigned long", NULL),
		Q(SIZEOF, "long unsigned int", NULL),
		Q(SIZEOF, "char", NULL),
		Q(SIZEOF, "fx_row_t", NULL),
		Q(SIZEOF, "struct fx_outer", "inner"),
		Q(SIZEOF, "struct fx_outer", "arr"),
		Q(SIZEOF, "struct fx_outer", "arr[1]"),
		Q(SIZEOF, "struct fx_outer", "grid"),
		Q(SIZEOF, "struct fx_outer", "grid[2]"),
		Q(SIZEOF, "struct fx_outer", "ptr"),
		Q(SIZEOF, "struct fx_outer", "tail"),
		Q(SIZEOF, "struct fx_outer", "s2"),
	};
	struct rh_layout_value v[sizeof(q) / sizeof(q[0])];
	resolve_self(q, sizeof(q) / sizeof(q[0]), v);
	assert_value(&v[0], sizeof(struct fx_outer));
	assert_value(&v[1], sizeof(fx_outer_t));
	assert_value(&v[2], sizeof(fx_chain_t));
	assert_value(&v[3], sizeof(struct fx_inner));
	assert_value(&v[4], sizeof(enum fx_color));
	assert_value(&v[5], sizeof(int));
	assert_value(&v[6], sizeof(long));
	assert_value(&v[7], sizeof(unsigned long));
	assert_value(&v[8], sizeof(unsigned long));
	assert_value(&v[9], sizeof(char));
	assert_value(&v[10], sizeof(fx_row_t));
	assert_value(&v[11], sizeof(fx_global.inner));
	assert_value(&v[12], sizeof(fx_global.arr));
	assert_value(&v[13], sizeof(fx_global.arr[1]));
	assert_value(&v[14], sizeof(fx_global.grid));
	assert_value(&v[15], sizeof(fx_global.grid[2]));
	assert_value(&v[16], sizeof(fx_global.ptr));
	assert_value(&v[17], 0); // flexible array member
	assert_value(&v[18], sizeof(fx_global.s2));
}

static void rh_layouts_resolve_offsets_match_offsetof(void **state)
{
	const struct rh_layout_query q[] = {
		Q(OFFSET, "struct fx_outer", "head"),
		Q(OFFSET, "struct fx_outer", "inner"),
		Q(OFFSET, "struct fx_outer", "inner.c"),
		Q(OFFSET, "struct fx_outer", "inner.b[2]"),
		Q(OFFSET, "struct fx_outer", "ul"),
		Q(OFFSET, "struct fx_outer", "s2"),
		Q(OFFSET, "struct fx_outer", "arr[2].c"),
		Q(OFFSET, "struct fx_outer", "grid[1][3]"),
		Q(OFFSET, "struct fx_outer", "grid[2]"),
		Q(OFFSET, "struct fx_outer", "color"),
		Q(OFFSET, "struct fx_outer", "ptr"),
		Q(OFFSET, "struct fx_outer", "tail"),
		Q(OFFSET, "struct fx_outer", "tail[10]"),
		Q(OFFSET, "fx_chain_t", "arr[3].b"),
		Q(OFFSET, "fx_const_outer_t", "s1"),
	};
	struct rh_layout_value v[sizeof(q) / sizeof(q[0])];
	resolve_self(q, sizeof(q) / sizeof(q[0]), v);
	assert_value(&v[0], offsetof(struct fx_outer, head));
	assert_value(&v[1], offsetof(struct fx_outer, inner));
	assert_value(&v[2], offsetof(struct fx_outer, inner.c));
	assert_value(&v[3], offsetof(struct fx_outer, inner.b[2]));
	assert_value(&v[4], offsetof(struct fx_outer, ul));
	assert_value(&v[5], offsetof(struct fx_outer, s2));
	assert_value(&v[6], offsetof(struct fx_outer, arr[2].c));
	assert_value(&v[7], offsetof(struct fx_outer, grid[1][3]));
	assert_value(&v[8], offsetof(struct fx_outer, grid[2]));
	assert_value(&v[9], offsetof(struct fx_outer, color));
	assert_value(&v[10], offsetof(struct fx_outer, ptr));
	assert_value(&v[11], offsetof(struct fx_outer, tail));
	assert_value(&v[12], offsetof(struct fx_outer, tail) + 10);
	assert_value(&v[13], offsetof(struct fx_outer, arr[3].b));
	assert_value(&v[14], offsetof(struct fx_outer, s1));
}

static void rh_layouts_resolve_bitfields(void **state)
{
	const struct rh_layout_query q[] = {
		Q(BIT_OFFSET, "struct fx_outer", "bf_a"),
		Q(BIT_OFFSET, "struct fx_outer", "bf_b"),
		Q(BIT_OFFSET, "struct fx_outer", "bf_c"),
		Q(BIT_SIZE, "struct fx_outer", "bf_a"),
		Q(BIT_SIZE, "struct fx_outer", "bf_b"),
		Q(BIT_SIZE, "struct fx_outer", "bf_c"),
		Q(BIT_SIZE, "struct fx_outer", "head"),
		Q(BIT_OFFSET, "struct fx_outer", "inner.c"),
		Q(OFFSET, "struct fx_outer", "bf_c"),
	};
	struct rh_layout_value v[sizeof(q) / sizeof(q[0])];
	resolve_self(q, sizeof(q) / sizeof(q[0]), v);
	struct fx_outer o;
	memset(&o, 0, sizeof(o));
	o.bf_a = 7;
	int a = first_set_bit(&o, sizeof(o));
	memset(&o, 0, sizeof(o));
	o.bf_b = 0x7f;
	int b = first_set_bit(&o, sizeof(o));
	memset(&o, 0, sizeof(o));
	o.bf_c = -1;
	int c = first_set_bit(&o, sizeof(o));
	assert_value(&v[0], a);
	assert_value(&v[1], b);
	assert_value(&v[2], c);
	assert_value(&v[3], 3);
	assert_value(&v[4], 7);
	assert_value(&v[5], 12);
	assert_value(&v[6], 8 * sizeof(int));
	assert_value(&v[7], 8 * offsetof(struct fx_outer, inner.c));
	assert_value(&v[8], c / 8);
}

static void rh_layouts_resolve_counts(void **state)
{
	const struct rh_layout_query q[] = {
		Q(COUNT, "struct fx_outer", "arr"),
		Q(COUNT, "struct fx_outer", "grid"),
		Q(COUNT, "struct fx_outer", "grid[1]"),
		Q(COUNT, "struct fx_outer", "inner.b"),
		Q(COUNT, "struct fx_outer", "tail"),
		Q(COUNT, "fx_row_t", NULL),
		Q(COUNT, "struct fx_outer", "head"),
		Q(COUNT, "struct fx_outer", NULL),
	};
	struct rh_layout_value v[sizeof(q) / sizeof(q[0])];
	resolve_self(q, sizeof(q) / sizeof(q[0]), v);
	assert_value(&v[0], 4);
	assert_value(&v[1], 3);
	assert_value(&v[2], 5);
	assert_value(&v[3], 3);
	assert_value(&v[4], 0); // flexible: exists, no bound
	assert_value(&v[5], 5);
	assert_false(v[6].found); // not an array
	assert_false(v[7].found);
}

static void rh_layouts_resolve_enumerators(void **state)
{
	const struct rh_layout_query q[] = {
		Q(ENUM, NULL, "FX_GREEN"),
		Q(ENUM, "enum fx_color", "FX_BLUE"),
		Q(ENUM, NULL, "FX_ANON_B"),
		Q(ENUM, NULL, "FX_ANON_A"),
		Q(ENUM, "enum fx_color", "FX_ANON_A"),
		Q(ENUM, NULL, "FX_NO_SUCH_ENUMERATOR"),
		Q(ENUM, "enum fx_no_such_enum", "FX_RED"),
		Q(ENUM, "struct fx_inner", "FX_RED"),
	};
	struct rh_layout_value v[sizeof(q) / sizeof(q[0])];
	resolve_self(q, sizeof(q) / sizeof(q[0]), v);
	assert_value(&v[0], FX_GREEN);
	assert_value(&v[1], FX_BLUE);
	assert_value(&v[2], FX_ANON_B);
	assert_value(&v[3], FX_ANON_A);
	assert_false(v[4].found); // in another enum
	assert_false(v[5].found);
	assert_false(v[6].found);
	assert_false(v[7].found);
}

static void rh_layouts_resolve_variables(void **state)
{
	const struct rh_layout_query q[] = {
		Q(VARIABLE, NULL, "fx_global"),
		Q(VARIABLE, NULL, "fx_declared_then_defined"),
		Q(VARIABLE, NULL, "fx_anon_var"),
		Q(VARIABLE, NULL, "fx_rows"),
		Q(VARIABLE, NULL, "fx_no_such_variable"),
	};
	struct rh_layout_value v[sizeof(q) / sizeof(q[0])];
	resolve_self(q, sizeof(q) / sizeof(q[0]), v);
	assert_value(&v[0], link_address(&fx_global));
	assert_value(&v[1], link_address(&fx_declared_then_defined));
	assert_value(&v[2], link_address(&fx_anon_var));
	assert_value(&v[3], link_address(&fx_rows));
	assert_false(v[4].found);
}

static void rh_layouts_resolve_locals(void **state)
{
	const struct rh_layout_query q[] = {
		Q(LOCAL, "fx_with_locals", "fx_outer_local"),
		Q(LOCAL, "fx_with_locals", "fx_block_local"),   // in a nested block
		Q(LOCAL, "fx_with_locals", "n"),                // a parameter, not a local
		Q(LOCAL, "fx_with_locals", "fx_no_such_local"),
		Q(LOCAL, "fx_no_such_function", "fx_outer_local"),
	};
	struct rh_layout_value v[sizeof(q) / sizeof(q[0])];
	resolve_self(q, sizeof(q) / sizeof(q[0]), v);
	assert_true(v[0].found);
	assert_true(v[1].found);
	assert_false(v[2].found);
	assert_false(v[3].found);
	assert_false(v[4].found);
	assert_int_equal(fx_with_locals(1), 1);   // and it runs
}

static void rh_layouts_resolve_not_found(void **state)
{
	const struct rh_layout_query q[] = {
		Q(SIZEOF, "struct fx_no_such_struct", NULL),
		Q(SIZEOF, "fx_no_such_typedef", NULL),
		Q(OFFSET, "struct fx_outer", "no_such_member"),
		Q(OFFSET, "struct fx_outer", "head.x"),     // into an int
		Q(OFFSET, "struct fx_outer", "arr[4]"),     // past the end
		Q(OFFSET, "struct fx_outer", "head[0]"),    // not an array
		Q(OFFSET, "struct fx_outer", "grid[1].x"),  // into a sub-array
		Q(SIZEOF, "fx_opaque_t", NULL),             // declared only
		Q(OFFSET, "fx_opaque_t", "x"),
		Q(SIZEOF, "union fx_inner", NULL),          // wrong tag kind
		Q(OFFSET, "struct fx_outer", "ptr.a"),      // no walk through pointers
		Q(SIZEOF, "struct fx_inner", NULL),         // control: found
	};
	struct rh_layout_value v[sizeof(q) / sizeof(q[0])];
	resolve_self(q, sizeof(q) / sizeof(q[0]), v);
	for (size_t i = 0; i + 1 < sizeof(q) / sizeof(q[0]); i++) {
		if (v[i].found)
			fail_msg("query %zu (%s %s) found %lld", i, q[i].type,
				 q[i].member ? q[i].member : "", (long long)v[i].value);
	}
	assert_value(&v[sizeof(q) / sizeof(q[0]) - 1], sizeof(struct fx_inner));
}

/* ------------------------------------------------------- error paths */

static char tmp_root[PATH_MAX];

static int make_tmp_root(void **state)
{
	const char *base = getenv("TMPDIR");
	snprintf(tmp_root, sizeof(tmp_root), "%s/test_layouts.XXXXXX",
		 base && *base ? base : "/tmp");
	return mkdtemp(tmp_root) ? 0 : -1;
}

static int remove_tmp_root(void **state)
{
	char cmd[PATH_MAX + 32];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_root);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* A valid ELF header, and sections .shstrtab and .text: no DWARF at all. */
static void write_elf_without_dwarf(const char *path)
{
	static const char shstr[] = "\0.shstrtab\0.text";
	struct {
		Elf64_Ehdr eh;
		unsigned char text[16];
		char shstrtab[sizeof(shstr)];
		unsigned char pad[7];
		Elf64_Shdr sh[3];
	} f;
	memset(&f, 0, sizeof(f));
	memcpy(f.eh.e_ident, ELFMAG, SELFMAG);
	f.eh.e_ident[EI_CLASS] = ELFCLASS64;
	f.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	f.eh.e_ident[EI_VERSION] = EV_CURRENT;
	f.eh.e_type = ET_EXEC;
	f.eh.e_machine = EM_X86_64;
	f.eh.e_version = EV_CURRENT;
	f.eh.e_ehsize = sizeof(Elf64_Ehdr);
	f.eh.e_shentsize = sizeof(Elf64_Shdr);
	f.eh.e_shnum = 3;
	f.eh.e_shstrndx = 1;
	f.eh.e_shoff = offsetof(__typeof__(f), sh);
	memcpy(f.shstrtab, shstr, sizeof(shstr));
	f.sh[1].sh_name = 1;
	f.sh[1].sh_type = SHT_STRTAB;
	f.sh[1].sh_offset = offsetof(__typeof__(f), shstrtab);
	f.sh[1].sh_size = sizeof(shstr);
	f.sh[1].sh_addralign = 1;
	f.sh[2].sh_name = 11;
	f.sh[2].sh_type = SHT_PROGBITS;
	f.sh[2].sh_flags = SHF_ALLOC | SHF_EXECINSTR;
	f.sh[2].sh_offset = offsetof(__typeof__(f), text);
	f.sh[2].sh_size = sizeof(f.text);
	f.sh[2].sh_addralign = 1;
	write_file(path, &f, sizeof(f));
}

static const struct rh_layout_query one_query[] = {
	Q(SIZEOF, "struct fx_inner", NULL),
};

static void rh_layouts_resolve_elf_without_dwarf_is_missing_debug_info(void **state)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/nodwarf", tmp_root);
	write_elf_without_dwarf(path);
	struct rh_layout_value v = { .found = true, .value = 77 };
	struct rh_error *err = rh_layouts_resolve(path, NULL, NULL, one_query, 1,
						  &v, NULL);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_MISSING_DEBUG_INFO);
	assert_non_null(strstr(err->message, path));
	rh_error_destroy(err);
	// Out parameters are written only on success.
	assert_true(v.found);
	assert_int_equal(v.value, 77);
}

static void rh_layouts_resolve_not_elf_is_missing_debug_info(void **state)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/text", tmp_root);
	write_file(path, "hello, world\n", 13);
	struct rh_layout_value v;
	struct rh_error *err = rh_layouts_resolve(path, NULL, NULL, one_query, 1,
						  &v, NULL);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_MISSING_DEBUG_INFO);
	assert_non_null(strstr(err->message, "not an ELF file"));
	rh_error_destroy(err);
}

static void rh_layouts_resolve_missing_file_is_os_error(void **state)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/does-not-exist", tmp_root);
	struct rh_layout_value v;
	struct rh_error *err = rh_layouts_resolve(path, NULL, NULL, one_query, 1,
						  &v, NULL);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_OS);
	assert_int_equal(err->errnum, ENOENT);
	assert_non_null(strstr(err->message, path));
	rh_error_destroy(err);
}

static void expect_invalid(const struct rh_layout_query *q, const char *part)
{
	struct rh_layout_value v;
	struct rh_error *err = rh_layouts_resolve("/proc/self/exe", NULL, NULL,
						  q, 1, &v, NULL);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_INVALID_ARGUMENT);
	if (!strstr(err->message, part))
		fail_msg("message \"%s\" lacks \"%s\"", err->message, part);
	rh_error_destroy(err);
}

static void rh_layouts_resolve_bad_query_is_invalid_argument(void **state)
{
	const struct rh_layout_query bad[] = {
		Q(OFFSET, "struct fx_outer", NULL),
		Q(OFFSET, "struct fx_outer", "a..b"),
		Q(OFFSET, "struct fx_outer", "a[x]"),
		Q(OFFSET, "struct fx_outer", "a[1"),
		Q(OFFSET, "struct fx_outer", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q"),
		Q(OFFSET, "struct fx_outer", "a[99999999999]"),
		Q(SIZEOF, "struct ", NULL),
		Q(SIZEOF, "struct a b", NULL),
		Q(SIZEOF, "unsigned  long", NULL),
		Q(SIZEOF, NULL, NULL),
		Q(VARIABLE, "int", "x"),
		Q(VARIABLE, NULL, "a.b"),
		{ (enum rh_layout_kind)99, "int", NULL },
	};
	const char *parts[] = {
		"member missing", "bad member path", "bad member path",
		"bad member path", "bad member path", "bad member path",
		"bad type name", "bad type name", "bad type name",
		"type missing", "takes no type", "bad name", "unknown kind",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_invalid(&bad[i], parts[i]);

	struct rh_layout_value v;
	struct rh_error *err = rh_layouts_resolve("/proc/self/exe", "not-hex/..",
						  "/tmp", one_query, 1, &v, NULL);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_INVALID_ARGUMENT);
	rh_error_destroy(err);
}

/* File offset and size of section `name` of a 64-bit ELF file, or false. */
static bool find_section(int fd, const char *name, uint64_t *ret_off,
			 uint64_t *ret_size)
{
	Elf64_Ehdr eh;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shstrndx >= eh.e_shnum)
		return false;
	Elf64_Shdr strsh;
	if (pread(fd, &strsh, sizeof(strsh),
		  (off_t)(eh.e_shoff + eh.e_shstrndx * sizeof(strsh))) != sizeof(strsh))
		return false;
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh;
		char buf[64] = "";
		if (pread(fd, &sh, sizeof(sh), (off_t)(eh.e_shoff + i * sizeof(sh))) !=
			    sizeof(sh) ||
		    sh.sh_name >= strsh.sh_size ||
		    pread(fd, buf, sizeof(buf) - 1, (off_t)(strsh.sh_offset + sh.sh_name)) <= 0)
			continue;
		if (strcmp(buf, name) == 0 && sh.sh_type == SHT_PROGBITS &&
		    !(sh.sh_flags & SHF_COMPRESSED) && sh.sh_size > 0) {
			*ret_off = sh.sh_offset;
			*ret_size = sh.sh_size;
			return true;
		}
	}
	return false;
}

/*
 * Corrupt DWARF is untrusted input like any other: a copy of this binary
 * with a few bytes of .debug_info or .debug_abbrev changed must give
 * answers or a BAD_DATA error, never a crash, a hang or a leak (run under
 * the sanitizers). The mutations are pseudo-random with a fixed seed.
 */
static void rh_layouts_resolve_corrupt_dwarf_never_crashes(void **state)
{
	char path[PATH_MAX + 16], cmd[2 * PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/corrupt-dwarf", tmp_root);
	snprintf(cmd, sizeof(cmd), "cp /proc/%d/exe '%s'", (int)getpid(), path);
	assert_int_equal(system(cmd), 0);
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	uint64_t info_off, info_size, abbrev_off, abbrev_size;
	if (!find_section(fd, ".debug_info", &info_off, &info_size) ||
	    !find_section(fd, ".debug_abbrev", &abbrev_off, &abbrev_size)) {
		close(fd);
		print_message("[  SKIP    ] no uncompressed .debug_info/.debug_abbrev in this test binary\n");
		skip();
	}
	const struct rh_layout_query q[] = {
		Q(SIZEOF, "fx_chain_t", NULL),
		Q(OFFSET, "struct fx_outer", "s2"),
		Q(OFFSET, "struct fx_outer", "grid[1][3]"),
		Q(BIT_OFFSET, "struct fx_outer", "bf_c"),
		Q(COUNT, "struct fx_outer", "arr"),
		Q(ENUM, NULL, "FX_ANON_B"),
		Q(VARIABLE, NULL, "fx_declared_then_defined"),
	};
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	unsigned errors = 0;
	for (int iter = 0; iter < 64; iter++) {
		struct {
			uint64_t at;
			unsigned char old;
		} changed[8];
		unsigned nchanged = 1 + (unsigned)(iter % 8);
		for (unsigned k = 0; k < nchanged; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			bool abbrev = (seed >> 60) < 4;
			uint64_t base = abbrev ? abbrev_off : info_off;
			uint64_t size = abbrev ? abbrev_size : info_size;
			changed[k].at = base + (seed >> 16) % size;
			unsigned char b = (unsigned char)(seed >> 8);
			assert_int_equal(pread(fd, &changed[k].old, 1, (off_t)changed[k].at), 1);
			assert_int_equal(pwrite(fd, &b, 1, (off_t)changed[k].at), 1);
		}
		struct rh_layout_value v[sizeof(q) / sizeof(q[0])];
		struct rh_error *err = rh_layouts_resolve(path, NULL, NULL, q,
							  sizeof(q) / sizeof(q[0]), v, NULL);
		if (err) {
			if (err->code != RH_ERR_BAD_DATA &&
			    err->code != RH_ERR_MISSING_DEBUG_INFO)
				fail_msg("iteration %d: %s: %s", iter,
					 rh_error_code_name(err->code), err->message);
			errors++;
			rh_error_destroy(err);
		}
		// Undo in reverse, in case one byte was changed twice.
		for (unsigned k = nchanged; k-- > 0;)
			assert_int_equal(pwrite(fd, &changed[k].old, 1, (off_t)changed[k].at), 1);
	}
	close(fd);
	// The same file, restored, answers again: the undo is right, so the
	// loop above really tested corruption of a good file.
	struct rh_layout_value v[sizeof(q) / sizeof(q[0])];
	struct rh_error *err = rh_layouts_resolve(path, NULL, NULL, q,
						  sizeof(q) / sizeof(q[0]), v, NULL);
	if (err)
		fail_msg("%s", err->message);
	assert_value(&v[1], offsetof(struct fx_outer, s2));
	print_message("[          ] %u of 64 corrupt copies gave an error\n", errors);
	unlink(path);
}

/* ---------------------------------------------------------- the cache */

static const struct rh_layout_query cache_queries[] = {
	Q(SIZEOF, "struct fx_outer", NULL),
	Q(OFFSET, "struct fx_outer", "arr[2].c"),
	Q(ENUM, NULL, "FX_BLUE"),
	Q(SIZEOF, "struct fx_no_such_struct", NULL),
	Q(VARIABLE, NULL, "fx_global"),
};
#define NCACHE (sizeof(cache_queries) / sizeof(cache_queries[0]))
#define BUILD_ID "0123456789abcdef0123456789abcdef01234567"

static void cache_dir_path(char *buf, size_t size)
{
	if (snprintf(buf, size, "%s/cache/deeper", tmp_root) >= (int)size)
		fail_msg("temporary directory path too long");
}

static void cache_file_path(char *buf, size_t size)
{
	char dir[PATH_MAX];
	cache_dir_path(dir, sizeof(dir));
	char *p = rh_layouts_cache_path(dir, BUILD_ID,
					rh_layouts_query_hash(cache_queries, NCACHE));
	assert_non_null(p);
	snprintf(buf, size, "%s", p);
	free(p);
}

static void resolve_cached(struct rh_layout_value *v, struct rh_layout_stats *st)
{
	char dir[PATH_MAX];
	cache_dir_path(dir, sizeof(dir));
	struct rh_error *err = rh_layouts_resolve("/proc/self/exe", BUILD_ID, dir,
						  cache_queries, NCACHE, v, st);
	if (err)
		fail_msg("%s", err->message);
}

static void check_cache_answers(const struct rh_layout_value *v)
{
	assert_value(&v[0], sizeof(struct fx_outer));
	assert_value(&v[1], offsetof(struct fx_outer, arr[2].c));
	assert_value(&v[2], FX_BLUE);
	assert_false(v[3].found);
	assert_value(&v[4], link_address(&fx_global));
}

static void rh_layouts_resolve_cache_round_trip(void **state)
{
	char path[PATH_MAX + 64];
	cache_file_path(path, sizeof(path));
	unlink(path);
	struct rh_layout_value v1[NCACHE], v2[NCACHE];
	struct rh_layout_stats st;
	resolve_cached(v1, &st);
	assert_false(st.from_cache);
	assert_true(st.cache_written);
	assert_true(st.units > 0);
	check_cache_answers(v1);

	struct stat sb;
	char dir[PATH_MAX];
	cache_dir_path(dir, sizeof(dir));
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(stat(path, &sb), 0);

	resolve_cached(v2, &st);
	assert_true(st.from_cache);
	assert_false(st.cache_written);
	assert_int_equal(st.units, 0);
	check_cache_answers(v2);
	assert_memory_equal(v1, v2, sizeof(v1));
}

/* Replace the cache file by `data`, then check it is ignored and rewritten. */
static void expect_recomputed(const char *data, size_t len)
{
	char path[PATH_MAX + 64];
	cache_file_path(path, sizeof(path));
	struct rh_layout_value v[NCACHE];
	struct rh_layout_stats st;
	resolve_cached(v, &st); // make sure the directory and a file exist
	write_file(path, data, len);
	resolve_cached(v, &st);
	if (st.from_cache)
		fail_msg("corrupt cache accepted: \"%.*s\"", (int)len, data);
	assert_true(st.cache_written);
	check_cache_answers(v);
	resolve_cached(v, &st);
	assert_true(st.from_cache);
	check_cache_answers(v);
}

static char *good_cache_text(void)
{
	char path[PATH_MAX + 64];
	cache_file_path(path, sizeof(path));
	struct rh_layout_value v[NCACHE];
	struct rh_layout_stats st;
	unlink(path);
	resolve_cached(v, &st);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = calloc(1, 4096);
	assert_non_null(buf);
	size_t n = fread(buf, 1, 4095, f);
	fclose(f);
	assert_true(n > 0);
	return buf;
}

static void rh_layouts_resolve_corrupt_cache_is_recomputed(void **state)
{
	char *good = good_cache_text();
	size_t len = strlen(good);
	char buf[4096];

	expect_recomputed("", 0);
	expect_recomputed("garbage\n\x01\x02\xff", 11);
	expect_recomputed(good, len / 2);                 // truncated mid-way
	expect_recomputed(good, len - 4);                 // "end" line cut
	// Header claiming another count, hash, build-id or version.
	char *nl = strchr(good, '\n');
	assert_non_null(nl);
	const char *variants[] = { " 6 ", " 4 " };
	for (size_t i = 0; i < 2; i++) {
		char *at = strstr(good, " 5 ");
		assert_non_null(at);
		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - good), good,
			 variants[i], at + 3);
		expect_recomputed(buf, strlen(buf));
	}
	snprintf(buf, sizeof(buf), "%s", good);
	buf[strlen("refheap-layouts 1 ")] ^= 1; // build-id digit
	expect_recomputed(buf, strlen(buf));
	snprintf(buf, sizeof(buf), "%s", good);
	buf[strlen("refheap-layouts ")] = '9'; // format version
	expect_recomputed(buf, strlen(buf));
	snprintf(buf, sizeof(buf), "%s", good);
	buf[nl - good - 1] ^= 1; // query hash digit
	expect_recomputed(buf, strlen(buf));
	// Lines out of order, a bad number, an overflowing one, extra bytes.
	snprintf(buf, sizeof(buf), "%.*s1 0\n0 0\n2 0\n3 -\n4 0\nend\n",
		 (int)(nl - good + 1), good);
	expect_recomputed(buf, strlen(buf));
	snprintf(buf, sizeof(buf), "%.*s0 1x\n1 0\n2 0\n3 -\n4 0\nend\n",
		 (int)(nl - good + 1), good);
	expect_recomputed(buf, strlen(buf));
	snprintf(buf, sizeof(buf), "%.*s0 99999999999999999999\n1 0\n2 0\n3 -\n4 0\nend\n",
		 (int)(nl - good + 1), good);
	expect_recomputed(buf, strlen(buf));
	snprintf(buf, sizeof(buf), "%.*s0 +1\n1 0\n2 0\n3 -\n4 0\nend\n",
		 (int)(nl - good + 1), good);
	expect_recomputed(buf, strlen(buf));
	snprintf(buf, sizeof(buf), "%send\n", good);
	expect_recomputed(buf, strlen(buf));
	memcpy(buf, good, len);
	buf[len] = '\0';
	buf[len - 1] = '\0'; // embedded NUL instead of the last newline
	expect_recomputed(buf, len);
	free(good);

	// A cache file that is well formed is believed: that is the point.
	// (A hand-edited value shows through, which proves the file is read.)
	good = good_cache_text();
	char *zero = strstr(good, "\n0 ");
	assert_non_null(zero);
	snprintf(buf, sizeof(buf), "%.*s\n0 12345\n%s", (int)(zero - good), good,
		 strchr(zero + 1, '\n') + 1);
	char path[PATH_MAX + 64];
	cache_file_path(path, sizeof(path));
	write_file(path, buf, strlen(buf));
	struct rh_layout_value v[NCACHE];
	struct rh_layout_stats st;
	resolve_cached(v, &st);
	assert_true(st.from_cache);
	assert_value(&v[0], 12345);
	free(good);
	unlink(path);
}

static void rh_layouts_resolve_cache_path_is_directory(void **state)
{
	char path[PATH_MAX + 64];
	cache_file_path(path, sizeof(path));
	unlink(path);
	char dir[PATH_MAX];
	cache_dir_path(dir, sizeof(dir));
	assert_int_equal(mkdir(dir, 0700) == 0 || errno == EEXIST, 1);
	assert_int_equal(mkdir(path, 0700), 0);
	struct rh_layout_value v[NCACHE];
	struct rh_layout_stats st;
	resolve_cached(v, &st);
	assert_false(st.from_cache);
	assert_false(st.cache_written); // rename onto a directory fails
	check_cache_answers(v);
	assert_int_equal(rmdir(path), 0);
}

static void rh_layouts_resolve_unwritable_cache_is_not_an_error(void **state)
{
	char file[PATH_MAX + 16], dir[PATH_MAX + 32];
	snprintf(file, sizeof(file), "%s/plainfile", tmp_root);
	write_file(file, "x", 1);
	snprintf(dir, sizeof(dir), "%s/sub", file); // under a regular file
	struct rh_layout_value v[NCACHE];
	struct rh_layout_stats st;
	struct rh_error *err = rh_layouts_resolve("/proc/self/exe", BUILD_ID, dir,
						  cache_queries, NCACHE, v, &st);
	if (err)
		fail_msg("%s", err->message);
	assert_false(st.from_cache);
	assert_false(st.cache_written);
	check_cache_answers(v);
}

static void rh_layouts_query_hash_tells_tables_apart(void **state)
{
	const struct rh_layout_query a[] = { Q(SIZEOF, "int", NULL) };
	const struct rh_layout_query b[] = { Q(SIZEOF, "int", "") };
	const struct rh_layout_query c[] = { Q(COUNT, "int", NULL) };
	const struct rh_layout_query d[] = { Q(SIZEOF, "in", "t") };
	uint64_t ha = rh_layouts_query_hash(a, 1);
	assert_int_equal(ha, rh_layouts_query_hash(a, 1));
	assert_int_not_equal(ha, rh_layouts_query_hash(b, 1));
	assert_int_not_equal(ha, rh_layouts_query_hash(c, 1));
	assert_int_not_equal(ha, rh_layouts_query_hash(d, 1));
	assert_int_not_equal(ha, rh_layouts_query_hash(a, 0));
}

static void rh_layouts_build_id_ok_rejects_path_characters(void **state)
{
	assert_true(rh_layouts_build_id_ok("c561f3aa7232f2bd6ac6d56bd475f1c154a00486"));
	assert_true(rh_layouts_build_id_ok("ABCDEF09"));
	assert_false(rh_layouts_build_id_ok(NULL));
	assert_false(rh_layouts_build_id_ok(""));
	assert_false(rh_layouts_build_id_ok("../etc"));
	assert_false(rh_layouts_build_id_ok("ab/cd"));
	assert_false(rh_layouts_build_id_ok("abc g"));
	char longid[RH_LAYOUTS_BUILD_ID_MAX + 2];
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	assert_false(rh_layouts_build_id_ok(longid));
}

static void rh_layouts_default_cache_dir_follows_environment(void **state)
{
	char *saved[3];
	const char *names[3] = { "REFHEAP_CACHE_DIR", "XDG_CACHE_HOME", "HOME" };
	for (int i = 0; i < 3; i++) {
		const char *v = getenv(names[i]);
		saved[i] = v ? strdup(v) : NULL;
	}
	setenv("REFHEAP_CACHE_DIR", "/x/rh", 1);
	setenv("XDG_CACHE_HOME", "/x/xdg", 1);
	setenv("HOME", "/x/home", 1);
	char *d = rh_layouts_default_cache_dir();
	assert_string_equal(d, "/x/rh");
	free(d);
	unsetenv("REFHEAP_CACHE_DIR");
	d = rh_layouts_default_cache_dir();
	assert_string_equal(d, "/x/xdg/refheap");
	free(d);
	setenv("XDG_CACHE_HOME", "relative", 1); // ignored, per the XDG spec
	d = rh_layouts_default_cache_dir();
	assert_string_equal(d, "/x/home/.cache/refheap");
	free(d);
	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
	assert_null(rh_layouts_default_cache_dir());
	for (int i = 0; i < 3; i++) {
		if (saved[i])
			setenv(names[i], saved[i], 1);
		free(saved[i]);
	}
}

/* --------------------------------------------------- pure helpers */

static void rh_layouts_dwarf3_bit_position_converts_numbering(void **state)
{
	uint64_t pos;
	// struct { int a:3; int b:7; } on little-endian, as gcc -gdwarf-3
	// writes it: a has DW_AT_bit_offset 29, b 22 (from the top of a
	// 4-byte unit at offset 0).
	assert_true(rh_layouts_dwarf3_bit_position(0, 4, 29, 3, true, &pos));
	assert_int_equal(pos, 0);
	assert_true(rh_layouts_dwarf3_bit_position(0, 4, 22, 7, true, &pos));
	assert_int_equal(pos, 3);
	assert_true(rh_layouts_dwarf3_bit_position(8, 4, 22, 7, true, &pos));
	assert_int_equal(pos, 67);
	// Big-endian: the numbering already counts from the first bit.
	assert_true(rh_layouts_dwarf3_bit_position(8, 4, 3, 7, false, &pos));
	assert_int_equal(pos, 67);
	// A field that does not fit its unit is corrupt, not wrapped.
	assert_false(rh_layouts_dwarf3_bit_position(0, 4, 30, 3, true, &pos));
	assert_false(rh_layouts_dwarf3_bit_position(UINT64_MAX, 4, 0, 1, true, &pos));
}

static void rh_layouts_canonical_base_name_matches_gcc(void **state)
{
	static const char *const cases[][2] = {
		{ "long", "long int" },
		{ "long int", "long int" },
		{ "unsigned long", "long unsigned int" },
		{ "long unsigned int", "long unsigned int" },
		{ "unsigned", "unsigned int" },
		{ "signed", "int" },
		{ "short", "short int" },
		{ "unsigned short", "short unsigned int" },
		{ "long long", "long long int" },
		{ "unsigned long long int", "long long unsigned int" },
		{ "unsigned char", "unsigned char" },
		{ "signed char", "signed char" },
		{ "char", "char" },
		{ "double", "double" },
		{ "long double", "long double" },
		{ "_Bool", "_Bool" },
		{ "Py_ssize_t", "Py_ssize_t" },
	};
	char buf[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(rh_layouts_canonical_base_name(cases[i][0], buf, sizeof(buf)));
		assert_string_equal(buf, cases[i][1]);
	}
	assert_false(rh_layouts_canonical_base_name("unsigned long", buf, 5));
}

/* --------------------------------------------- real CPython binaries */

/*
 * What the CPython layer asks; see the brief in layouts.h. Indices are
 * named so that the checks below read as what they check.
 */
enum {
	CQ_SIZEOF_GC_HEAD, CQ_SIZEOF_OBJECT, CQ_SIZEOF_TYPE, CQ_SIZEOF_INTERP,
	CQ_SIZEOF_GCSTATE, CQ_SIZEOF_GEN, CQ_OB_REFCNT, CQ_OB_TYPE, CQ_OB_SIZE,
	CQ_TP_NAME, CQ_TP_BASICSIZE, CQ_TP_ITEMSIZE, CQ_TP_FLAGS,
	CQ_RT_INTERP_HEAD, CQ_RT_INTERP_MAIN, CQ_RT_GC, CQ_IS_NEXT, CQ_IS_GC,
	CQ_IS_TSTATE_HEAD, CQ_IS_THREADS_HEAD, CQ_IS_ID, CQ_GC_GENERATIONS,
	CQ_GC_PERMANENT, CQ_GC_ENABLED, CQ_GC_COLLECTING, CQ_GC_GARBAGE,
	CQ_GC_LL_TOTAL, CQ_GC_LL_PENDING, CQ_GEN_THRESHOLD, CQ_GEN_COUNT,
	CQ_GEN_HEAD, CQ_COUNT_GENERATIONS, CQ_TS_NEXT, CQ_TS_THREAD_ID,
	CQ_TS_NATIVE_ID, CQ_LIST_ITEM, CQ_LIST_ALLOCATED, CQ_DICT_KEYS,
	CQ_DICT_VALUES, CQ_VAR_RUNTIME, CQ_GEN1_COUNT, CQ_COUNT,
};

static const struct rh_layout_query cpython_queries[CQ_COUNT] = {
	[CQ_SIZEOF_GC_HEAD] = Q(SIZEOF, "PyGC_Head", NULL),
	[CQ_SIZEOF_OBJECT] = Q(SIZEOF, "PyObject", NULL),
	[CQ_SIZEOF_TYPE] = Q(SIZEOF, "PyTypeObject", NULL),
	[CQ_SIZEOF_INTERP] = Q(SIZEOF, "PyInterpreterState", NULL),
	[CQ_SIZEOF_GCSTATE] = Q(SIZEOF, "struct _gc_runtime_state", NULL),
	[CQ_SIZEOF_GEN] = Q(SIZEOF, "struct gc_generation", NULL),
	[CQ_OB_REFCNT] = Q(OFFSET, "PyObject", "ob_refcnt"),
	[CQ_OB_TYPE] = Q(OFFSET, "PyObject", "ob_type"),
	[CQ_OB_SIZE] = Q(OFFSET, "PyVarObject", "ob_size"),
	[CQ_TP_NAME] = Q(OFFSET, "PyTypeObject", "tp_name"),
	[CQ_TP_BASICSIZE] = Q(OFFSET, "PyTypeObject", "tp_basicsize"),
	[CQ_TP_ITEMSIZE] = Q(OFFSET, "PyTypeObject", "tp_itemsize"),
	[CQ_TP_FLAGS] = Q(OFFSET, "PyTypeObject", "tp_flags"),
	[CQ_RT_INTERP_HEAD] = Q(OFFSET, "_PyRuntimeState", "interpreters.head"),
	[CQ_RT_INTERP_MAIN] = Q(OFFSET, "_PyRuntimeState", "interpreters.main"),
	[CQ_RT_GC] = Q(OFFSET, "_PyRuntimeState", "gc"),
	[CQ_IS_NEXT] = Q(OFFSET, "PyInterpreterState", "next"),
	[CQ_IS_GC] = Q(OFFSET, "PyInterpreterState", "gc"),
	[CQ_IS_TSTATE_HEAD] = Q(OFFSET, "PyInterpreterState", "tstate_head"),
	[CQ_IS_THREADS_HEAD] = Q(OFFSET, "PyInterpreterState", "threads.head"),
	[CQ_IS_ID] = Q(OFFSET, "PyInterpreterState", "id"),
	[CQ_GC_GENERATIONS] = Q(OFFSET, "struct _gc_runtime_state", "generations"),
	[CQ_GC_PERMANENT] = Q(OFFSET, "struct _gc_runtime_state", "permanent_generation"),
	[CQ_GC_ENABLED] = Q(OFFSET, "struct _gc_runtime_state", "enabled"),
	[CQ_GC_COLLECTING] = Q(OFFSET, "struct _gc_runtime_state", "collecting"),
	[CQ_GC_GARBAGE] = Q(OFFSET, "struct _gc_runtime_state", "garbage"),
	[CQ_GC_LL_TOTAL] = Q(OFFSET, "struct _gc_runtime_state", "long_lived_total"),
	[CQ_GC_LL_PENDING] = Q(OFFSET, "struct _gc_runtime_state", "long_lived_pending"),
	[CQ_GEN_THRESHOLD] = Q(OFFSET, "struct gc_generation", "threshold"),
	[CQ_GEN_COUNT] = Q(OFFSET, "struct gc_generation", "count"),
	[CQ_GEN_HEAD] = Q(OFFSET, "struct gc_generation", "head"),
	[CQ_COUNT_GENERATIONS] = Q(COUNT, "struct _gc_runtime_state", "generations"),
	[CQ_TS_NEXT] = Q(OFFSET, "PyThreadState", "next"),
	[CQ_TS_THREAD_ID] = Q(OFFSET, "PyThreadState", "thread_id"),
	[CQ_TS_NATIVE_ID] = Q(OFFSET, "PyThreadState", "native_thread_id"),
	[CQ_LIST_ITEM] = Q(OFFSET, "PyListObject", "ob_item"),
	[CQ_LIST_ALLOCATED] = Q(OFFSET, "PyListObject", "allocated"),
	[CQ_DICT_KEYS] = Q(OFFSET, "PyDictObject", "ma_keys"),
	[CQ_DICT_VALUES] = Q(OFFSET, "PyDictObject", "ma_values"),
	[CQ_VAR_RUNTIME] = Q(VARIABLE, NULL, "_PyRuntime"),
	[CQ_GEN1_COUNT] = Q(OFFSET, "struct _gc_runtime_state", "generations[1].count"),
};

/*
 * Resolve the CPython table on one binary of CPython 3.<minor> and check
 * what is known about it: values the C API fixes, and which members exist
 * in which versions (from the CPython sources of each version).
 */
static void check_cpython(const char *path, int minor)
{
	struct rh_layout_value v[CQ_COUNT];
	struct rh_layout_stats st;
	struct rh_error *err = rh_layouts_resolve(path, NULL, NULL, cpython_queries,
						  CQ_COUNT, v, &st);
	if (err)
		fail_msg("%s: %s", path, err->message);
	print_message("[          ] 3.%d %s: %.3f s, %u units\n", minor, path,
		      st.seconds, st.units);
	// Everything every version 3.8+ has.
	static const int always[] = {
		CQ_SIZEOF_GC_HEAD, CQ_SIZEOF_OBJECT, CQ_SIZEOF_TYPE,
		CQ_SIZEOF_INTERP, CQ_SIZEOF_GCSTATE, CQ_SIZEOF_GEN, CQ_OB_REFCNT,
		CQ_OB_TYPE, CQ_OB_SIZE, CQ_TP_NAME, CQ_TP_BASICSIZE,
		CQ_TP_ITEMSIZE, CQ_TP_FLAGS, CQ_RT_INTERP_HEAD,
		CQ_RT_INTERP_MAIN, CQ_IS_NEXT, CQ_IS_ID, CQ_GC_GENERATIONS,
		CQ_GC_PERMANENT, CQ_GC_ENABLED, CQ_GC_COLLECTING, CQ_GC_GARBAGE,
		CQ_GC_LL_TOTAL, CQ_GC_LL_PENDING, CQ_GEN_THRESHOLD, CQ_GEN_COUNT,
		CQ_GEN_HEAD, CQ_COUNT_GENERATIONS, CQ_TS_NEXT, CQ_TS_THREAD_ID,
		CQ_LIST_ITEM, CQ_LIST_ALLOCATED, CQ_DICT_KEYS, CQ_DICT_VALUES,
		CQ_VAR_RUNTIME, CQ_GEN1_COUNT,
	};
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
		const struct rh_layout_query *q = &cpython_queries[always[i]];
		if (!v[always[i]].found)
			fail_msg("3.%d %s: %s %s not found", minor, path,
				 q->type ? q->type : "", q->member ? q->member : "");
	}
	assert_value(&v[CQ_SIZEOF_GC_HEAD], 16);
	assert_value(&v[CQ_SIZEOF_OBJECT], 16);
	assert_value(&v[CQ_OB_REFCNT], 0); // 3.12+: inside an anonymous union
	assert_value(&v[CQ_OB_TYPE], 8);
	assert_value(&v[CQ_OB_SIZE], 16);
	assert_value(&v[CQ_TP_NAME], 24);
	assert_value(&v[CQ_TP_BASICSIZE], 32);
	assert_value(&v[CQ_TP_ITEMSIZE], 40);
	assert_value(&v[CQ_TP_FLAGS], 168);
	assert_value(&v[CQ_COUNT_GENERATIONS], 3);
	assert_value(&v[CQ_SIZEOF_GEN], 24);
	assert_value(&v[CQ_GEN_HEAD], 0);
	assert_value(&v[CQ_GEN1_COUNT], v[CQ_GC_GENERATIONS].value + 24 +
					    v[CQ_GEN_COUNT].value);
	assert_value(&v[CQ_LIST_ITEM], 24);
	assert_true(v[CQ_VAR_RUNTIME].value > 0);
	// gc moved from _PyRuntimeState to PyInterpreterState in 3.9 (bpo-36854).
	assert_int_equal(v[CQ_RT_GC].found, minor == 8);
	assert_int_equal(v[CQ_IS_GC].found, minor >= 9);
	// tstate_head became threads.head in 3.11.
	assert_int_equal(v[CQ_IS_TSTATE_HEAD].found, minor <= 10);
	assert_int_equal(v[CQ_IS_THREADS_HEAD].found, minor >= 11);
	assert_int_equal(v[CQ_TS_NATIVE_ID].found, minor >= 11);
}

/* $(pyenv root): $PYENV_ROOT, else what `pyenv root` prints, else ~/.pyenv. */
static char *pyenv_root(void)
{
	const char *env = getenv("PYENV_ROOT");
	if (env && *env)
		return strdup(env);
	char buf[PATH_MAX] = "";
	FILE *p = popen("pyenv root 2>/dev/null", "r");
	if (p) {
		if (!fgets(buf, sizeof(buf), p))
			buf[0] = '\0';
		pclose(p);
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0])
			return strdup(buf);
	}
	const char *home = getenv("HOME");
	if (!home)
		return NULL;
	snprintf(buf, sizeof(buf), "%s/.pyenv", home);
	return strdup(buf);
}

static void rh_layouts_resolve_pyenv_cpython(void **state)
{
	char *root = pyenv_root();
	if (!root) {
		print_message("[  SKIP    ] no pyenv root (set PYENV_ROOT)\n");
		skip();
	}
	char pattern[PATH_MAX];
	snprintf(pattern, sizeof(pattern),
		 "%s/versions/3.*/lib/libpython3.*.so.1.0", root);
	free(root);
	glob_t g;
	int checked = 0;
	if (glob(pattern, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			const char *lib = strrchr(g.gl_pathv[i], '/') + 1;
			int minor;
			// libpython3.X.so.1.0; 3.7 and older (libpython3.Xm) are
			// not targets.
			if (sscanf(lib, "libpython3.%d.so.1.0", &minor) != 1 ||
			    minor < 8)
				continue;
			check_cpython(g.gl_pathv[i], minor);
			checked++;
		}
		globfree(&g);
	}
	if (!checked) {
		print_message("[  SKIP    ] no pyenv CPython 3.8+ under %s\n", pattern);
		skip();
	}
}

/*
 * The build-id of an ELF file, from its PT_NOTE segments, as hex. Only for
 * finding Debian's debug file below; bounds-checked like any file parser.
 */
static bool read_build_id(const char *path, char *hex, size_t size)
{
	bool ok = false;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	Elf64_Ehdr eh;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 64)
		goto out;
	for (unsigned i = 0; i < eh.e_phnum && !ok; i++) {
		Elf64_Phdr ph;
		unsigned char notes[4096];
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
			    sizeof(ph) ||
		    ph.p_type != PT_NOTE || ph.p_filesz > sizeof(notes))
			continue;
		if (pread(fd, notes, ph.p_filesz, (off_t)ph.p_offset) !=
		    (ssize_t)ph.p_filesz)
			continue;
		for (size_t off = 0; off + sizeof(Elf64_Nhdr) <= ph.p_filesz;) {
			Elf64_Nhdr nh;
			memcpy(&nh, notes + off, sizeof(nh));
			size_t name_at = off + sizeof(nh);
			size_t desc_at = name_at + ((nh.n_namesz + 3u) & ~3u);
			size_t next = desc_at + ((nh.n_descsz + 3u) & ~3u);
			if (next > ph.p_filesz || next <= off)
				break;
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    memcmp(notes + name_at, "GNU", 4) == 0 &&
			    nh.n_descsz * 2 + 1 <= size) {
				for (size_t k = 0; k < nh.n_descsz; k++)
					snprintf(hex + 2 * k, 3, "%02x", notes[desc_at + k]);
				ok = true;
				break;
			}
			off = next;
		}
	}
out:
	close(fd);
	return ok;
}

static void rh_layouts_resolve_debian_lto_python(void **state)
{
	glob_t g;
	int checked = 0;
	if (glob("/usr/bin/python3.[0-9]*", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			int minor;
			char hex[128], debug[PATH_MAX];
			const char *name = strrchr(g.gl_pathv[i], '/') + 1;
			char tail;
			// Only the interpreters themselves, not python3.11-config.
			if (sscanf(name, "python3.%d%c", &minor, &tail) != 1 ||
			    minor < 8 || !read_build_id(g.gl_pathv[i], hex, sizeof(hex)))
				continue;
			snprintf(debug, sizeof(debug),
				 "/usr/lib/debug/.build-id/%.2s/%s.debug", hex, hex + 2);
			if (access(debug, R_OK) != 0)
				continue;
			check_cpython(debug, minor);
			checked++;
		}
		globfree(&g);
	}
	if (!checked) {
		print_message("[  SKIP    ] no /usr/bin/python3.X with its debug file under /usr/lib/debug/.build-id (apt-get install python3.X-dbg)\n");
		skip();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rh_layouts_resolve_sizes_match_sizeof),
		cmocka_unit_test(rh_layouts_resolve_offsets_match_offsetof),
		cmocka_unit_test(rh_layouts_resolve_bitfields),
		cmocka_unit_test(rh_layouts_resolve_counts),
		cmocka_unit_test(rh_layouts_resolve_enumerators),
		cmocka_unit_test(rh_layouts_resolve_variables),
		cmocka_unit_test(rh_layouts_resolve_locals),
		cmocka_unit_test(rh_layouts_resolve_not_found),
		cmocka_unit_test(rh_layouts_resolve_elf_without_dwarf_is_missing_debug_info),
		cmocka_unit_test(rh_layouts_resolve_not_elf_is_missing_debug_info),
		cmocka_unit_test(rh_layouts_resolve_missing_file_is_os_error),
		cmocka_unit_test(rh_layouts_resolve_bad_query_is_invalid_argument),
		cmocka_unit_test(rh_layouts_resolve_corrupt_dwarf_never_crashes),
		cmocka_unit_test(rh_layouts_resolve_cache_round_trip),
		cmocka_unit_test(rh_layouts_resolve_corrupt_cache_is_recomputed),
		cmocka_unit_test(rh_layouts_resolve_cache_path_is_directory),
		cmocka_unit_test(rh_layouts_resolve_unwritable_cache_is_not_an_error),
		cmocka_unit_test(rh_layouts_query_hash_tells_tables_apart),
		cmocka_unit_test(rh_layouts_build_id_ok_rejects_path_characters),
		cmocka_unit_test(rh_layouts_default_cache_dir_follows_environment),
		cmocka_unit_test(rh_layouts_dwarf3_bit_position_converts_numbering),
		cmocka_unit_test(rh_layouts_canonical_base_name_matches_gcc),
		cmocka_unit_test(rh_layouts_resolve_pyenv_cpython),
		cmocka_unit_test(rh_layouts_resolve_debian_lto_python),
	};
	return cmocka_run_group_tests(tests, make_tmp_root, remove_tmp_root);
}
