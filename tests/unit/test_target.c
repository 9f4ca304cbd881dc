/*
 * Unit tests of the target layer (corereader/target): cores built with the
 * ELF writer in tests/lib (well-formed, and each corrupt variant changing one
 * thing), backing files with matching and mismatching build-ids, the
 * in-memory target, and a live child process stopped with ptrace.
 *
 * Every error test checks the code and part of the message. Files go to a
 * fresh directory under $TMPDIR (removed at the end).
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/procfs.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "elfwriter.h"
#include "target/target.h"
#include "util/error.h"

static char tmpdir[256];

static const char *tmp_path(const char *name)
{
	static char buf[8][512];
	static int next;
	char *p = buf[next++ % 8];
	snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
	return p;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int group_setup(void **state)
{
	(void)state;
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/rh_test_target.XXXXXX",
		 base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Check an error's code and that its message contains want; free it. */
#define expect_error(err, want_code, want) \
	expect_error_((err), (want_code), (want), __FILE__, __LINE__)
static void expect_error_(struct rh_error *err, enum rh_error_code code,
			  const char *want, const char *file, int line)
{
	if (!err)
		fail_msg("%s:%d: expected a %s error, got success", file, line,
			 rh_error_code_name(code));
	if (err->code != code || !strstr(err->message, want)) {
		fprintf(stderr, "%s:%d: got %s: %s\n", file, line,
			rh_error_code_name(err->code), err->message);
		fail_msg("%s:%d: expected %s containing \"%s\"", file, line,
			 rh_error_code_name(code), want);
	}
	rh_error_destroy(err);
}

#define expect_ok(err) expect_ok_((err), __FILE__, __LINE__)
static void expect_ok_(struct rh_error *err, const char *file, int line)
{
	if (err) {
		fail_msg("%s:%d: unexpected %s error: %s", file, line,
			 rh_error_code_name(err->code), err->message);
	}
}

/* Write c as name in tmpdir, destroy c, open it. */
static struct rh_error *open_built(struct ew_core *c, const char *name,
				   const struct rh_target_options *opts,
				   struct rh_target **ret)
{
	const char *path = tmp_path(name);
	assert_int_equal(ew_core_write(c, path), 0);
	ew_core_destroy(c);
	return rh_target_open_core(path, opts, ret);
}

static bool has_problem(const struct rh_target *t, const char *want)
{
	const struct rh_problems *p = rh_target_problems(t);
	for (size_t i = 0; i < p->count; i++) {
		if (strstr(p->messages[i], want))
			return true;
	}
	return false;
}

static void expect_pattern(const uint8_t *buf, uint64_t addr, size_t len)
{
	for (size_t i = 0; i < len; i++)
		assert_int_equal(buf[i], ew_pattern_byte(addr + i));
}

/* ------------------------------------------------------------ reads */

static void rh_target_read_inside_segment(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	ew_core_add_load(c, 0x10000, NULL, 0x2000, 0x2000, PF_R | PF_W);
	struct rh_target *t;
	expect_ok(open_built(c, "inside.core", NULL, &t));
	assert_int_equal(rh_target_kind(t), RH_TARGET_CORE);
	assert_string_equal(rh_target_name(t), tmp_path("inside.core"));

	uint8_t buf[48];
	expect_ok(rh_target_read(t, 0x10100, buf, sizeof(buf)));
	expect_pattern(buf, 0x10100, sizeof(buf));
	// The last bytes of the segment, then the first (cache miss path).
	expect_ok(rh_target_read(t, 0x12000 - 8, buf, 8));
	expect_pattern(buf, 0x12000 - 8, 8);
	expect_ok(rh_target_read(t, 0x10000, buf, 1));
	expect_pattern(buf, 0x10000, 1);
	expect_ok(rh_target_read(t, 0x10000, buf, 0));

	uint64_t u64, want64 = 0;
	expect_ok(rh_target_read_u64(t, 0x10208, &u64));
	for (int i = 7; i >= 0; i--)
		want64 = (want64 << 8) | ew_pattern_byte(0x10208 + (uint64_t)i);
	assert_int_equal(u64, want64);
	int64_t i64;
	expect_ok(rh_target_read_i64(t, 0x10208, &i64));
	assert_int_equal((uint64_t)i64, want64);
	uint32_t u32;
	expect_ok(rh_target_read_u32(t, 0x10208, &u32));
	assert_int_equal(u32, (uint32_t)want64);
	rh_target_destroy(t);
}

static void rh_target_read_spans_adjacent_segments(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	ew_core_add_load(c, 0x11000, NULL, 0x1000, 0x1000, PF_R);
	ew_core_add_load(c, 0x10000, NULL, 0x1000, 0x1000, PF_R | PF_W);
	struct rh_target *t;
	expect_ok(open_built(c, "adjacent.core", NULL, &t));
	uint8_t buf[64];
	expect_ok(rh_target_read(t, 0x11000 - 24, buf, sizeof(buf)));
	expect_pattern(buf, 0x11000 - 24, sizeof(buf));
	assert_true(rh_target_readable(t, 0x10000, 0x2000));
	assert_int_equal(rh_target_segment_count(t), 2);
	struct rh_segment_info si;
	rh_target_segment(t, 0, &si);
	assert_int_equal(si.start, 0x10000);
	assert_int_equal(si.end, 0x11000);
	assert_int_equal(si.prot, RH_PROT_READ | RH_PROT_WRITE);
	assert_true(si.dumped);
	assert_false(si.file_backed);
	rh_target_destroy(t);
}

static void rh_target_read_gap_faults(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	ew_core_add_load(c, 0x10000, NULL, 0x1000, 0x1000, PF_R);
	ew_core_add_load(c, 0x12000, NULL, 0x1000, 0x1000, PF_R);
	struct rh_target *t;
	expect_ok(open_built(c, "gap.core", NULL, &t));
	uint8_t buf[32];
	struct rh_error *err = rh_target_read(t, 0x11000 - 8, buf, 16);
	assert_non_null(err);
	assert_int_equal(err->addr, 0x11000);
	expect_error(err, RH_ERR_FAULT,
		     "address 0x11000 is not in the core (not mapped, or not dumped)");
	err = rh_target_read(t, 0x11800, buf, 8);
	assert_non_null(err);
	assert_int_equal(err->addr, 0x11800);
	expect_error(err, RH_ERR_FAULT, "is not in the core");
	err = rh_target_read(t, 0x100, buf, 8);
	assert_non_null(err);
	assert_int_equal(err->addr, 0x100);
	rh_error_destroy(err);
	// Past the last segment.
	expect_error(rh_target_read(t, 0x13000, buf, 1), RH_ERR_FAULT,
		     "0x13000");
	assert_false(rh_target_readable(t, 0x11000 - 8, 16));
	assert_true(rh_target_readable(t, 0x12000, 16));
	rh_target_destroy(t);
}

static void rh_target_read_wraps_faults(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	ew_core_add_load(c, 0x10000, NULL, 0x1000, 0x1000, PF_R);
	struct rh_target *t;
	expect_ok(open_built(c, "wrap.core", NULL, &t));
	uint8_t buf[16];
	expect_error(rh_target_read(t, UINT64_MAX - 7, buf, 16), RH_ERR_FAULT,
		     "wraps around");
	assert_false(rh_target_readable(t, UINT64_MAX - 7, 16));
	uint64_t v;
	expect_error(rh_target_read_u64(t, UINT64_MAX - 3, &v), RH_ERR_FAULT,
		     "wraps around");
	rh_target_destroy(t);
}

/* -------------------------------------------------------- bad input */

static void rh_target_open_core_truncated_reads_intact_bytes(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	ew_core_add_load(c, 0x10000, NULL, 0x1000, 0x1000, PF_R);
	ew_core_add_load(c, 0x20000, NULL, 0x2000, 0x2000, PF_R);
	uint8_t *buf;
	size_t len;
	ew_core_build(c, &buf, &len);
	free(buf);
	// Cut the second segment after 0x800 of its 0x2000 bytes.
	struct ew_knobs k = { .truncate_to = ew_core_load_offset(c, 1) + 0x800 };
	ew_core_set_knobs(c, &k);
	struct rh_target *t;
	expect_ok(open_built(c, "truncated.core", NULL, &t));
	uint8_t b[16];
	expect_ok(rh_target_read(t, 0x10ff0, b, 16));
	expect_pattern(b, 0x10ff0, 16);
	expect_ok(rh_target_read(t, 0x207f0, b, 16));
	expect_pattern(b, 0x207f0, 16);
	struct rh_error *err = rh_target_read(t, 0x207f8, b, 16);
	assert_non_null(err);
	assert_int_equal(err->addr, 0x20800);
	assert_non_null(strstr(err->message, "segment 0x20000-0x22000"));
	assert_non_null(strstr(err->message, "needs 6144 bytes more"));
	assert_non_null(strstr(err->message, "re-take it"));
	expect_error(err, RH_ERR_TRUNCATED,
		     "truncated.core is truncated");
	expect_error(rh_target_read(t, 0x21000, b, 1), RH_ERR_TRUNCATED,
		     "is truncated");
	assert_false(rh_target_readable(t, 0x21000, 1));
	// A view stops where the core's bytes do: in place up to the cut,
	// NULL across it (rh_target_read then says why).
	const uint8_t *v = rh_target_view(t, 0x207f0, 16);
	assert_non_null(v);
	expect_pattern(v, 0x207f0, 16);
	assert_null(rh_target_view(t, 0x207f8, 16));
	assert_null(rh_target_view(t, 0x21000, 1));
	assert_null(rh_target_view(t, 0x10ff0, 0x20));   // into the gap
	rh_target_destroy(t);
}

static void rh_target_open_core_truncated_phdrs(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	ew_core_add_load(c, 0x10000, NULL, 0x1000, 0x1000, PF_R);
	ew_core_add_load(c, 0x20000, NULL, 0x1000, 0x1000, PF_R);
	struct ew_knobs k = { .truncate_to = sizeof(Elf64_Ehdr) + 70 };
	ew_core_set_knobs(c, &k);
	struct rh_target *t = NULL;
	expect_error(open_built(c, "truncphdr.core", NULL, &t),
		     RH_ERR_TRUNCATED, "program header table");
	assert_null(t);
}

static void rh_target_open_core_truncated_ehdr(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	struct ew_knobs k = { .truncate_to = 40 };
	ew_core_set_knobs(c, &k);
	struct rh_target *t;
	expect_error(open_built(c, "truncehdr.core", NULL, &t),
		     RH_ERR_TRUNCATED, "inside its ELF header");
}

static void rh_target_open_core_truncated_notes(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	ew_core_add_prstatus(c, 10, NULL);
	struct ew_knobs k = { .truncate_to = sizeof(Elf64_Ehdr) +
					     sizeof(Elf64_Phdr) + 100 };
	ew_core_set_knobs(c, &k);
	struct rh_target *t;
	expect_error(open_built(c, "truncnotes.core", NULL, &t),
		     RH_ERR_TRUNCATED, "its notes");
}

static void rh_target_open_core_not_elf(void **state)
{
	(void)state;
	const char *path = tmp_path("hello.txt");
	assert_int_equal(ew_write_file(path, "hello, world\n", 13), 0);
	struct rh_target *t;
	expect_error(rh_target_open_core(path, NULL, &t), RH_ERR_NOT_CORE,
		     "hello.txt is not an ELF file");
	path = tmp_path("empty");
	assert_int_equal(ew_write_file(path, "", 0), 0);
	expect_error(rh_target_open_core(path, NULL, &t), RH_ERR_NOT_CORE,
		     "is not an ELF file");
	struct ew_core *c = ew_core_create();
	struct ew_knobs k = { .bad_magic = true };
	ew_core_set_knobs(c, &k);
	expect_error(open_built(c, "badmagic.core", NULL, &t), RH_ERR_NOT_CORE,
		     "is not an ELF file");
	expect_error(rh_target_open_core(tmpdir, NULL, &t), RH_ERR_NOT_CORE,
		     "not a regular file");
}

static void rh_target_open_core_missing_file_os_error(void **state)
{
	(void)state;
	struct rh_target *t;
	struct rh_error *err =
		rh_target_open_core(tmp_path("no-such.core"), NULL, &t);
	assert_non_null(err);
	assert_int_equal(err->errnum, ENOENT);
	assert_non_null(err->path);
	expect_error(err, RH_ERR_OS, "cannot open core file");
}

static void rh_target_open_core_exec_not_core(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	struct ew_knobs k = { .e_type = ET_EXEC };
	ew_core_set_knobs(c, &k);
	struct rh_target *t;
	expect_error(open_built(c, "exec.elf", NULL, &t), RH_ERR_NOT_CORE,
		     "is an ELF executable, not a core file");
	c = ew_core_create();
	k.e_type = ET_DYN;
	ew_core_set_knobs(c, &k);
	expect_error(open_built(c, "lib.so", NULL, &t), RH_ERR_NOT_CORE,
		     "lib.so is an ELF shared object, not a core file");
}

static void rh_target_open_core_32bit_unsupported(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	struct ew_knobs k = { .elf_class = ELFCLASS32 };
	ew_core_set_knobs(c, &k);
	struct rh_target *t;
	expect_error(open_built(c, "32.core", NULL, &t), RH_ERR_UNSUPPORTED,
		     "32-bit");
}

static void rh_target_open_core_big_endian_unsupported(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	struct ew_knobs k = { .elf_data = ELFDATA2MSB };
	ew_core_set_knobs(c, &k);
	struct rh_target *t;
	expect_error(open_built(c, "be.core", NULL, &t), RH_ERR_UNSUPPORTED,
		     "big-endian");
}

static void rh_target_open_core_other_machine_unsupported(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	struct ew_knobs k = { .e_machine = EM_AARCH64 };
	ew_core_set_knobs(c, &k);
	struct rh_target *t;
	expect_error(open_built(c, "arm.core", NULL, &t), RH_ERR_UNSUPPORTED,
		     "only x86-64");
}

static void rh_target_open_core_bad_phentsize(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	ew_core_add_load(c, 0x10000, NULL, 0x1000, 0x1000, PF_R);
	struct ew_knobs k = { .e_phentsize = 32 };
	ew_core_set_knobs(c, &k);
	struct rh_target *t;
	expect_error(open_built(c, "phent.core", NULL, &t), RH_ERR_BAD_DATA,
		     "e_phentsize is 32, expected 56");
}

static void rh_target_open_core_overlapping_segments(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	ew_core_add_load(c, 0x10000, NULL, 0x2000, 0x2000, PF_R);
	ew_core_add_load(c, 0x11000, NULL, 0x1000, 0x1000, PF_R);
	struct rh_target *t;
	struct rh_error *err = open_built(c, "overlap.core", NULL, &t);
	assert_non_null(err);
	assert_non_null(err->where);
	expect_error(err, RH_ERR_BAD_DATA,
		     "PT_LOAD segments 0x10000-0x12000 and 0x11000-0x12000 overlap");
	// Overlap in the undumped part (p_memsz) counts too.
	c = ew_core_create();
	ew_core_add_load(c, 0x10000, NULL, 0x1000, 0x3000, PF_R);
	ew_core_add_load(c, 0x12000, NULL, 0x1000, 0x1000, PF_R);
	expect_error(open_built(c, "overlap2.core", NULL, &t), RH_ERR_BAD_DATA,
		     "overlap");
}

static void rh_target_open_core_filesz_above_memsz(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	ew_core_add_load(c, 0x10000, NULL, 0x2000, 0x1000, PF_R);
	struct rh_target *t;
	expect_error(open_built(c, "filesz.core", NULL, &t), RH_ERR_BAD_DATA,
		     "larger than p_memsz");
}

static void rh_target_open_core_note_overruns_segment(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	ew_core_add_prpsinfo(c, 42, "python3");
	ew_core_add_prstatus(c, 42, NULL);
	struct ew_knobs k = { .note_overrun = 64 };
	ew_core_set_knobs(c, &k);
	struct rh_target *t;
	// The second note follows the ELF header, the one program header
	// (PT_NOTE) and the first note (12 + "CORE\0" padded + prpsinfo).
	char want[128];
	snprintf(want, sizeof(want), "note at offset 0x%zx overruns its PT_NOTE segment",
		 sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) + 12 + 8 +
			 sizeof(struct elf_prpsinfo));
	expect_error(open_built(c, "overrun.core", NULL, &t), RH_ERR_BAD_DATA,
		     want);
}

static void rh_target_open_core_short_prstatus(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	uint8_t junk[16] = { 0 };
	ew_core_add_note(c, "CORE", NT_PRSTATUS, junk, sizeof(junk));
	struct rh_target *t;
	expect_error(open_built(c, "shortpr.core", NULL, &t), RH_ERR_BAD_DATA,
		     "NT_PRSTATUS note at offset");
}

static void rh_target_open_core_phnum_xnum(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	ew_core_add_load(c, 0x10000, NULL, 0x1000, 0x1000, PF_R);
	ew_core_add_load(c, 0x20000, NULL, 0x1000, 0x1000, PF_R);
	struct ew_knobs k = { .phnum_xnum = true };
	ew_core_set_knobs(c, &k);
	struct rh_target *t;
	expect_ok(open_built(c, "xnum.core", NULL, &t));
	assert_int_equal(rh_target_segment_count(t), 2);
	uint8_t b[8];
	expect_ok(rh_target_read(t, 0x20ff8, b, 8));
	expect_pattern(b, 0x20ff8, 8);
	rh_target_destroy(t);
}

/* ------------------------------------------------------------- notes */

static void rh_target_open_core_nt_file_mappings(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	ew_core_add_load(c, 0x400000, NULL, 0x1000, 0x1000, PF_R | PF_X);
	ew_core_add_load(c, 0x7f0000001000, NULL, 0x1000, 0x1000, PF_R | PF_W);
	ew_core_add_load(c, 0x7f0000000000, NULL, 0x1000, 0x1000, PF_R);
	// Out of order on purpose: the target sorts them.
	ew_core_add_file(c, 0x7f0000001000, 0x7f0000002000, 0x3000,
			 "/nonexistent/libb.so");
	ew_core_add_file(c, 0x400000, 0x401000, 0, "/nonexistent/bin/app");
	ew_core_add_file(c, 0x7f0000000000, 0x7f0000001000, 0x1000,
			 "/nonexistent/liba.so");
	struct rh_target *t;
	expect_ok(open_built(c, "ntfile.core", NULL, &t));
	assert_int_equal(rh_target_mapping_count(t), 3);
	const struct rh_mapping *m = rh_target_mapping(t, 0);
	assert_int_equal(m->start, 0x400000);
	assert_int_equal(m->end, 0x401000);
	assert_int_equal(m->file_offset, 0);
	assert_string_equal(m->path, "/nonexistent/bin/app");
	assert_null(m->local_path);
	assert_int_equal(m->prot, RH_PROT_READ | RH_PROT_EXEC);
	m = rh_target_mapping(t, 1);
	assert_int_equal(m->start, 0x7f0000000000);
	assert_int_equal(m->file_offset, 0x1000);
	assert_string_equal(m->path, "/nonexistent/liba.so");
	m = rh_target_mapping(t, 2);
	assert_int_equal(m->start, 0x7f0000001000);
	assert_int_equal(m->file_offset, 0x3000);
	assert_string_equal(m->path, "/nonexistent/libb.so");
	assert_int_equal(m->prot, RH_PROT_READ | RH_PROT_WRITE);
	assert_null(rh_target_mapping(t, 3));
	// Everything was dumped: missing files are not a problem.
	assert_int_equal(rh_problems_total(rh_target_problems(t)), 0);
	uint8_t b[8];
	expect_ok(rh_target_read(t, 0x7f0000001ff8, b, 8));
	expect_pattern(b, 0x7f0000001ff8, 8);
	rh_target_destroy(t);
}

static void rh_target_open_core_nt_file_page_size(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	struct ew_knobs k = { .page_size = 0x10000 };
	ew_core_set_knobs(c, &k);
	ew_core_add_file(c, 0x10000, 0x20000, 0x30000, "/x");
	struct rh_target *t;
	expect_ok(open_built(c, "pagesize.core", NULL, &t));
	assert_int_equal(rh_target_mapping(t, 0)->file_offset, 0x30000);
	rh_target_destroy(t);
}

static void rh_target_open_core_nt_file_count_too_large(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	ew_core_add_file(c, 0x10000, 0x11000, 0, "/a");
	struct ew_knobs k = { .nt_file_count = (uint64_t)1 << 60 };
	ew_core_set_knobs(c, &k);
	struct rh_target *t;
	expect_error(open_built(c, "ntfilecount.core", NULL, &t),
		     RH_ERR_BAD_DATA,
		     "claims 1152921504606846976 mappings but has room for at most 1");
	// Two entries' worth of room but the names are cut: count 2 with
	// one entry written.
	c = ew_core_create();
	ew_core_add_file(c, 0x10000, 0x11000, 0, "/a-rather-long-name-to-make-room");
	k.nt_file_count = 2;
	ew_core_set_knobs(c, &k);
	expect_error(open_built(c, "ntfilecount2.core", NULL, &t),
		     RH_ERR_BAD_DATA, "NT_FILE note at offset");
}

static void rh_target_open_core_nt_file_unterminated_name(void **state)
{
	(void)state;
	uint64_t d[5] = { 1, 4096, 0x10000, 0x11000, 0 };
	uint8_t desc[40 + 4];
	memcpy(desc, d, 40);
	memcpy(desc + 40, "/abc", 4);  // no NUL
	struct ew_core *c = ew_core_create();
	ew_core_add_note(c, "CORE", NT_FILE, desc, sizeof(desc));
	struct rh_target *t;
	expect_error(open_built(c, "ntfilename.core", NULL, &t),
		     RH_ERR_BAD_DATA, "runs past the end of the note");
}

static void rh_target_open_core_nt_file_overlapping(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	ew_core_add_file(c, 0x10000, 0x12000, 0, "/a");
	ew_core_add_file(c, 0x11000, 0x13000, 0, "/b");
	struct rh_target *t;
	expect_error(open_built(c, "ntfileoverlap.core", NULL, &t),
		     RH_ERR_BAD_DATA, "overlap");
	c = ew_core_create();
	ew_core_add_file(c, 0x12000, 0x11000, 0, "/a");
	expect_error(open_built(c, "ntfilerev.core", NULL, &t),
		     RH_ERR_BAD_DATA, "empty or reversed");
}

static void rh_target_open_core_prstatus_threads(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	struct user_regs_struct r1, r2;
	memset(&r1, 0, sizeof(r1));
	memset(&r2, 0, sizeof(r2));
	r1.rip = 0x401000;
	r1.rsp = 0x7ffc0000f000;
	r1.fs_base = 0x7f00000aa740;
	r1.rax = 7;
	r2.rip = 0x402000;
	r2.rsp = 0x7f00001ff000;
	r2.fs_base = 0x7f00001ff640;
	ew_core_add_prstatus(c, 1000, &r1);
	ew_core_add_prpsinfo(c, 1000, "python3");
	ew_core_add_prstatus(c, 1001, &r2);
	struct rh_target *t;
	expect_ok(open_built(c, "threads.core", NULL, &t));
	assert_int_equal(rh_target_pid(t), 1000);
	assert_int_equal(rh_target_thread_count(t), 2);
	const struct rh_thread *th = rh_target_thread(t, 0);
	assert_int_equal(th->tid, 1000);
	assert_true(th->have_regs);
	assert_int_equal(th->pc, 0x401000);
	assert_int_equal(th->sp, 0x7ffc0000f000);
	assert_int_equal(th->fs_base, 0x7f00000aa740);
	assert_int_equal(th->regs[offsetof(struct user_regs_struct, rax) / 8], 7);
	th = rh_target_thread(t, 1);
	assert_int_equal(th->tid, 1001);
	assert_int_equal(th->pc, 0x402000);
	assert_int_equal(th->sp, 0x7f00001ff000);
	assert_int_equal(th->fs_base, 0x7f00001ff640);
	assert_null(rh_target_thread(t, 2));
	rh_target_destroy(t);
}

static void rh_target_auxv_lookup(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	uint64_t aux[] = { AT_PAGESZ, 4096, AT_PHDR, 0x400040, AT_ENTRY,
			   0x401000 };
	ew_core_add_auxv(c, aux, 3);
	struct rh_target *t;
	expect_ok(open_built(c, "auxv.core", NULL, &t));
	uint64_t v = 0;
	expect_ok(rh_target_auxv(t, AT_PHDR, &v));
	assert_int_equal(v, 0x400040);
	expect_ok(rh_target_auxv(t, AT_PAGESZ, &v));
	assert_int_equal(v, 4096);
	v = 123;
	expect_error(rh_target_auxv(t, AT_RANDOM, &v), RH_ERR_NOT_FOUND,
		     "no auxiliary vector entry of type 25");
	assert_int_equal(v, 123);  // untouched on error
	rh_target_destroy(t);
}

/* ---------------------------------------------------------- strings */

static void rh_target_read_cstr_cases(void **state)
{
	(void)state;
	uint8_t page[0x1000];
	memset(page, 'x', sizeof(page));
	memcpy(page + 0x100, "hello", 6);
	struct ew_core *c = ew_core_create();
	ew_core_add_load(c, 0x10000, page, sizeof(page), sizeof(page), PF_R);
	struct rh_target *t;
	expect_ok(open_built(c, "cstr.core", NULL, &t));
	char buf[256];
	size_t len = 99;
	bool trunc = true;

	// Terminated.
	expect_ok(rh_target_read_cstr(t, 0x10100, buf, sizeof(buf), &len,
				      &trunc));
	assert_string_equal(buf, "hello");
	assert_int_equal(len, 5);
	assert_false(trunc);
	// Empty string.
	expect_ok(rh_target_read_cstr(t, 0x10105, buf, sizeof(buf), &len,
				      &trunc));
	assert_int_equal(len, 0);
	assert_false(trunc);
	// Unterminated within max: max-1 bytes, truncated.
	expect_ok(rh_target_read_cstr(t, 0x10200, buf, 10, &len, &trunc));
	assert_int_equal(len, 9);
	assert_string_equal(buf, "xxxxxxxxx");
	assert_true(trunc);
	// Exactly fits: "hello" with max 6 is complete; max 5 is not.
	expect_ok(rh_target_read_cstr(t, 0x10100, buf, 6, &len, &trunc));
	assert_int_equal(len, 5);
	assert_false(trunc);
	expect_ok(rh_target_read_cstr(t, 0x10100, buf, 5, &len, &trunc));
	assert_int_equal(len, 4);
	assert_string_equal(buf, "hell");
	assert_true(trunc);
	// max 1: room for the NUL only.
	expect_ok(rh_target_read_cstr(t, 0x10105, buf, 1, &len, &trunc));
	assert_int_equal(len, 0);
	assert_false(trunc);
	expect_ok(rh_target_read_cstr(t, 0x10100, buf, 1, &len, &trunc));
	assert_int_equal(len, 0);
	assert_true(trunc);
	// Runs into unreadable memory: stops at the segment's end.
	expect_ok(rh_target_read_cstr(t, 0x10ffb, buf, sizeof(buf), &len,
				      &trunc));
	assert_int_equal(len, 5);
	assert_string_equal(buf, "xxxxx");
	assert_true(trunc);
	// truncated_ret may be NULL.
	expect_ok(rh_target_read_cstr(t, 0x10100, buf, sizeof(buf), &len,
				      NULL));
	// Not even the first byte.
	len = 77;
	struct rh_error *err = rh_target_read_cstr(t, 0x11000, buf,
						   sizeof(buf), &len, &trunc);
	assert_non_null(err);
	assert_int_equal(err->addr, 0x11000);
	expect_error(err, RH_ERR_FAULT, "is not in the core");
	assert_int_equal(len, 77);
	expect_error(rh_target_read_cstr(t, 0x10100, buf, 0, &len, NULL),
		     RH_ERR_INVALID_ARGUMENT, "max");
	rh_target_destroy(t);
}

/* ---------------------------------------------- file-backed undumped pages */

#define LIB_ADDR 0x7f0000000000ull
#define LIB_SIZE 0x3000u

static const uint8_t id_a[20] = { 0xaa, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
				  0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
				  0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13 };
static const uint8_t id_b[20] = { 0xbb, 0x01 };

/*
 * A core mapping a 3-page library at LIB_ADDR: only its first page (the ELF
 * headers, with build-id core_id) is dumped, as the kernel does. core_path
 * is the path NT_FILE records. If core_id is NULL, no page is dumped.
 */
static struct ew_core *lib_core(const char *core_path, const uint8_t *core_id)
{
	struct ew_core *c = ew_core_create();
	if (core_id) {
		uint8_t *img;
		ew_dso_build(core_id, 20, LIB_SIZE, 0, &img);
		ew_core_add_load(c, LIB_ADDR, img, 0x1000, LIB_SIZE, PF_R | PF_X);
		free(img);
	} else {
		ew_core_add_load(c, LIB_ADDR, NULL, 0, LIB_SIZE, PF_R | PF_X);
	}
	ew_core_add_file(c, LIB_ADDR, LIB_ADDR + LIB_SIZE, 0, core_path);
	// Some dumped heap too, to check it reads as usual.
	ew_core_add_load(c, 0x10000, NULL, 0x1000, 0x1000, PF_R | PF_W);
	return c;
}

static void write_lib(const char *path, const uint8_t *id, size_t size,
		      uint8_t seed)
{
	uint8_t *img;
	ew_dso_build(id, id ? 20 : 0, size, seed, &img);
	assert_int_equal(ew_write_file(path, img, size), 0);
	free(img);
}

static void expect_lib_bytes(struct rh_target *t, uint64_t off, size_t len,
			     uint8_t seed)
{
	uint8_t buf[64];
	assert_true(len <= sizeof(buf));
	expect_ok(rh_target_read(t, LIB_ADDR + off, buf, len));
	for (size_t i = 0; i < len; i++)
		assert_int_equal(buf[i], ew_dso_byte(off + i, seed));
}

static void rh_target_read_undumped_from_matching_file(void **state)
{
	(void)state;
	const char *lib = tmp_path("match/libx.so");
	write_lib(lib, id_a, LIB_SIZE, 3);
	struct rh_target *t;
	expect_ok(open_built(lib_core(lib, id_a), "match.core", NULL, &t));
	assert_int_equal(rh_problems_total(rh_target_problems(t)), 0);
	expect_lib_bytes(t, 0x1010, 48, 3);
	expect_lib_bytes(t, 0x2ff8, 8, 3);
	// Across the dumped header page and the file's pages.
	uint8_t buf[16];
	expect_ok(rh_target_read(t, LIB_ADDR + 0xff8, buf, 16));
	assert_int_equal(buf[8], ew_dso_byte(0x1000, 3));
	const struct rh_mapping *m = rh_target_mapping(t, 0);
	assert_string_equal(m->local_path, lib);
	// Segments: dumped heap, dumped header page, file-backed rest.
	assert_int_equal(rh_target_segment_count(t), 3);
	struct rh_segment_info si;
	rh_target_segment(t, 2, &si);
	assert_int_equal(si.start, LIB_ADDR + 0x1000);
	assert_int_equal(si.end, LIB_ADDR + LIB_SIZE);
	assert_false(si.dumped);
	assert_true(si.file_backed);
	assert_int_equal(si.prot, RH_PROT_READ | RH_PROT_EXEC);
	assert_true(rh_target_readable(t, LIB_ADDR, LIB_SIZE));
	rh_target_destroy(t);
}

static void rh_target_read_undumped_mismatched_build_id_faults(void **state)
{
	(void)state;
	const char *lib = tmp_path("mismatch/libx.so");
	write_lib(lib, id_b, LIB_SIZE, 3);
	struct rh_target *t;
	expect_ok(open_built(lib_core(lib, id_a), "mismatch.core", NULL, &t));
	assert_true(has_problem(t, "bb01000000"));
	assert_true(has_problem(t, "aa01020304"));
	assert_null(rh_target_mapping(t, 0)->local_path);
	uint8_t buf[8];
	struct rh_error *err = rh_target_read(t, LIB_ADDR + 0x1800, buf, 8);
	assert_non_null(err);
	assert_int_equal(err->addr, LIB_ADDR + 0x1800);
	assert_non_null(strstr(err->message, "mismatch/libx.so"));
	assert_non_null(strstr(err->message, "aa0102030405060708090a0b0c0d0e0f10111213"));
	expect_error(err, RH_ERR_FAULT, "--sysroot");
	// The dumped page still reads.
	expect_ok(rh_target_read(t, LIB_ADDR, buf, 4));
	assert_memory_equal(buf, ELFMAG, 4);
	rh_target_destroy(t);

	// A file without a build-id does not match one with.
	lib = tmp_path("mismatch2/libx.so");
	write_lib(lib, NULL, LIB_SIZE, 3);
	expect_ok(open_built(lib_core(lib, id_a), "mismatch2.core", NULL, &t));
	expect_error(rh_target_read(t, LIB_ADDR + 0x1800, buf, 8),
		     RH_ERR_FAULT, "in the file: no build-id");
	rh_target_destroy(t);
}

static void rh_target_read_undumped_missing_file_faults(void **state)
{
	(void)state;
	const char *lib = tmp_path("missing/libx.so");
	struct rh_target *t;
	expect_ok(open_built(lib_core(lib, id_a), "missing.core", NULL, &t));
	assert_true(has_problem(t, "cannot open"));
	uint8_t buf[8];
	struct rh_error *err = rh_target_read(t, LIB_ADDR + 0x2000, buf, 8);
	assert_non_null(err);
	assert_int_equal(err->addr, LIB_ADDR + 0x2000);
	assert_non_null(strstr(err->message, "missing/libx.so"));
	assert_non_null(strstr(err->message, "No such file"));
	expect_error(err, RH_ERR_FAULT, "--sysroot");
	// A read that starts in the dumped page fails where the file starts.
	err = rh_target_read(t, LIB_ADDR + 0xff8, buf, 16);
	assert_non_null(err);
	assert_int_equal(err->addr, LIB_ADDR + 0x1000);
	rh_error_destroy(err);
	assert_null(rh_target_mapping(t, 0)->local_path);
	struct rh_segment_info si;
	rh_target_segment(t, 2, &si);
	assert_false(si.dumped);
	assert_false(si.file_backed);
	rh_target_destroy(t);
}

static void rh_target_read_undumped_device_not_opened(void **state)
{
	(void)state;
	// A hostile core naming a device must not make us open it.
	struct rh_target *t;
	expect_ok(open_built(lib_core("/dev/null", id_a), "device.core", NULL,
			     &t));
	assert_null(rh_target_mapping(t, 0)->local_path);
	uint8_t buf[8];
	expect_error(rh_target_read(t, LIB_ADDR + 0x1000, buf, 8),
		     RH_ERR_FAULT, "No such device");
	rh_target_destroy(t);
}

static void rh_target_read_undumped_sysroot_applied(void **state)
{
	(void)state;
	write_lib(tmp_path("sysroot/usr/lib/libx.so"), id_a, LIB_SIZE, 9);
	struct rh_target_options opts = { .sysroot = tmp_path("sysroot/") };
	struct rh_target *t;
	expect_ok(open_built(lib_core("/usr/lib/libx.so", id_a),
			     "sysroot.core", &opts, &t));
	const struct rh_mapping *m = rh_target_mapping(t, 0);
	assert_string_equal(m->path, "/usr/lib/libx.so");
	assert_string_equal(m->local_path, tmp_path("sysroot/usr/lib/libx.so"));
	expect_lib_bytes(t, 0x1abc, 32, 9);
	rh_target_destroy(t);
}

/*
 * Hostile NT_FILE names stay inside --sysroot (issue 11, item 6): ".."
 * stops at the root, and the root's own symlinks, absolute or relative,
 * resolve inside it as chroot would.
 */
static void rh_target_sysroot_hostile_names_stay_inside(void **state)
{
	(void)state;
	// Inside the root: the library at usr/lib/libx.so, a decoy at
	// etc/passwd, lib -> / (absolute) and up -> ../../.. (relative).
	write_lib(tmp_path("hroot/usr/lib/libx.so"), id_a, LIB_SIZE, 9);
	write_lib(tmp_path("hroot/etc/passwd"), id_a, LIB_SIZE, 4);
	assert_int_equal(symlink("/", tmp_path("hroot/lib")), 0);
	assert_int_equal(symlink("../../..", tmp_path("hroot/usr/up")), 0);
	// and outside it, where a plain join would land
	write_lib(tmp_path("usr/lib/libx.so"), id_a, LIB_SIZE, 2);
	// tmp_path() rotates 8 buffers: the root gets its own.
	char root[512];
	snprintf(root, sizeof(root), "%s", tmp_path("hroot"));
	struct rh_target_options opts = { .sysroot = root };
	static const struct {
		const char *name;
		const char *want;   /* inside the root, or NULL: nothing opened */
		uint8_t seed;
	} cases[] = {
		{ "/./../../../../etc/passwd", "hroot/etc/passwd", 4 },
		{ "/../usr/lib/libx.so", "hroot/usr/lib/libx.so", 9 },
		{ "/lib/usr/lib/libx.so", "hroot/usr/lib/libx.so", 9 },
		{ "/usr/up/usr/up/usr/lib/libx.so", "hroot/usr/lib/libx.so", 9 },
		{ "/lib/lib/lib/../etc/passwd", "hroot/etc/passwd", 4 },
		{ "/nonexistent/../usr/lib/libx.so", NULL, 0 },
		{ "/etc/passwd/..", NULL, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rh_target *t;
		expect_ok(open_built(lib_core(cases[i].name, id_a), "hostile.core", &opts, &t));
		const struct rh_mapping *m = rh_target_mapping(t, 0);
		assert_string_equal(m->path, cases[i].name);
		if (cases[i].want) {
			if (!m->local_path)
				fail_msg("%s: not found inside the root", cases[i].name);
			assert_string_equal(m->local_path, tmp_path(cases[i].want));
			expect_lib_bytes(t, 0x1abc, 32, cases[i].seed);
		} else {
			assert_null(m->local_path);
		}
		rh_target_destroy(t);
	}
	// A symlink loop inside the root is refused, not followed forever.
	assert_int_equal(symlink("loop", tmp_path("hroot/loop")), 0);
	struct rh_target *t;
	expect_ok(open_built(lib_core("/loop/x", id_a), "loop.core", &opts, &t));
	assert_null(rh_target_mapping(t, 0)->local_path);
	rh_target_destroy(t);
}

static void rh_target_read_undumped_exe_override(void **state)
{
	(void)state;
	const char *exe = tmp_path("exe/python-copy");
	write_lib(exe, id_a, LIB_SIZE, 5);
	struct ew_core *c = lib_core("/nonexistent/bin/python3", id_a);
	uint64_t aux[] = { AT_PHDR, LIB_ADDR + 0x40 };
	ew_core_add_auxv(c, aux, 1);
	struct rh_target_options opts = { .exe = exe,
					  .sysroot = tmp_path("nowhere") };
	struct rh_target *t;
	expect_ok(open_built(c, "exe.core", &opts, &t));
	assert_string_equal(rh_target_mapping(t, 0)->local_path, exe);
	expect_lib_bytes(t, 0x2000, 16, 5);
	rh_target_destroy(t);
}

static void rh_target_read_undumped_unverified_is_problem(void **state)
{
	(void)state;
	// The core has no copy of the headers (nothing dumped): accepted,
	// with a problem saying the build-id could not be checked.
	const char *lib = tmp_path("unverified/libx.so");
	write_lib(lib, id_a, LIB_SIZE, 1);
	struct rh_target *t;
	expect_ok(open_built(lib_core(lib, NULL), "unverified.core", NULL, &t));
	assert_true(has_problem(t, "could not verify build-id of"));
	expect_lib_bytes(t, 0x1000, 16, 1);
	uint8_t buf[4];
	expect_ok(rh_target_read(t, LIB_ADDR, buf, 4));
	assert_memory_equal(buf, ELFMAG, 4);
	rh_target_destroy(t);
}

static void rh_target_read_undumped_past_file_end_faults(void **state)
{
	(void)state;
	// The file on disk is 2 pages, the mapping 3.
	const char *lib = tmp_path("short/libx.so");
	write_lib(lib, id_a, 0x2000, 2);
	struct rh_target *t;
	expect_ok(open_built(lib_core(lib, id_a), "short.core", NULL, &t));
	expect_lib_bytes(t, 0x1ff0, 16, 2);
	uint8_t buf[16];
	struct rh_error *err = rh_target_read(t, LIB_ADDR + 0x1ff8, buf, 16);
	assert_non_null(err);
	assert_int_equal(err->addr, LIB_ADDR + 0x2000);
	expect_error(err, RH_ERR_FAULT, "past the end of");
	rh_target_destroy(t);

	// The file ends inside a page: the rest of that page reads as zeros
	// (mmap zero-fills it), the pages after it fault.
	lib = tmp_path("short2/libx.so");
	write_lib(lib, id_a, 0x1010, 2);
	expect_ok(open_built(lib_core(lib, id_a), "short2.core", NULL, &t));
	expect_lib_bytes(t, 0x1000, 16, 2);
	uint8_t zeros[16] = { 0 };
	expect_ok(rh_target_read(t, LIB_ADDR + 0x1008, buf, 16));
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(buf[i], ew_dso_byte(0x1008 + i, 2));
	assert_memory_equal(buf + 8, zeros, 8);
	expect_ok(rh_target_read(t, LIB_ADDR + 0x1ff0, buf, 16));
	assert_memory_equal(buf, zeros, 16);
	err = rh_target_read(t, LIB_ADDR + 0x1ff8, buf, 16);
	assert_non_null(err);
	assert_int_equal(err->addr, LIB_ADDR + 0x2000);
	expect_error(err, RH_ERR_FAULT, "past the end of");
	assert_false(rh_target_readable(t, LIB_ADDR + 0x2000, 1));
	rh_target_destroy(t);
}

static void rh_target_read_nt_file_without_pt_load(void **state)
{
	(void)state;
	// gcore can leave a file mapping out of the PT_LOADs entirely.
	const char *lib = tmp_path("noload/libx.so");
	write_lib(lib, id_a, LIB_SIZE, 4);
	uint8_t *img;
	ew_dso_build(id_a, 20, LIB_SIZE, 4, &img);
	struct ew_core *c = ew_core_create();
	ew_core_add_load(c, LIB_ADDR, img, 0x1000, 0x1000, PF_R);
	free(img);
	ew_core_add_file(c, LIB_ADDR, LIB_ADDR + 0x1000, 0, lib);
	ew_core_add_file(c, LIB_ADDR + 0x1000, LIB_ADDR + LIB_SIZE, 0x1000, lib);
	struct rh_target *t;
	expect_ok(open_built(c, "noload.core", NULL, &t));
	expect_lib_bytes(t, 0x2100, 16, 4);
	rh_target_destroy(t);
}

static void rh_target_read_undumped_anonymous_faults(void **state)
{
	(void)state;
	struct ew_core *c = ew_core_create();
	ew_core_add_load(c, 0x10000, NULL, 0x1000, 0x3000, PF_R | PF_W);
	struct rh_target *t;
	expect_ok(open_built(c, "anon.core", NULL, &t));
	uint8_t buf[8];
	expect_ok(rh_target_read(t, 0x10ff8, buf, 8));
	struct rh_error *err = rh_target_read(t, 0x11000, buf, 8);
	assert_non_null(err);
	assert_int_equal(err->addr, 0x11000);
	expect_error(err, RH_ERR_FAULT, "were not dumped");
	assert_false(rh_target_readable(t, 0x12000, 1));
	rh_target_destroy(t);
}

/* ------------------------------------------------------------ memory */

static void rh_target_open_memory_reads(void **state)
{
	(void)state;
	uint8_t a[64], b[32];
	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(100 + i);
	struct rh_memory_segment segs[] = {
		{ 0x2000, b, sizeof(b) },
		{ 0x1000, a, sizeof(a) },
		{ 0x1040, b, sizeof(b) },  // adjacent to a
		{ 0x3000, NULL, 0 },       // empty: ignored
	};
	struct rh_target *t;
	expect_ok(rh_target_open_memory(segs, 4, &t));
	assert_int_equal(rh_target_kind(t), RH_TARGET_MEMORY);
	assert_int_equal(rh_target_segment_count(t), 3);
	uint8_t buf[16];
	expect_ok(rh_target_read(t, 0x1038, buf, 16));
	assert_int_equal(buf[0], 56);
	assert_int_equal(buf[8], 100);
	uint64_t v;
	expect_ok(rh_target_read_u64(t, 0x2000, &v));
	assert_int_equal(v & 0xff, 100);
	struct rh_error *err = rh_target_read(t, 0x1050, buf, 17);
	assert_non_null(err);
	assert_int_equal(err->addr, 0x1060);
	expect_error(err, RH_ERR_FAULT, "not in the in-memory target");
	assert_true(rh_target_readable(t, 0x1000, 0x60));
	assert_false(rh_target_readable(t, 0x1000, 0x61));
	// Views: in place inside one segment; NULL across two (even
	// adjacent ones), past the end, for 0 bytes or a wrapping range.
	assert_ptr_equal(rh_target_view(t, 0x1008, 8), a + 8);
	assert_ptr_equal(rh_target_view(t, 0x1000, 64), a);
	assert_ptr_equal(rh_target_view(t, 0x2010, 16), b + 16);
	assert_null(rh_target_view(t, 0x1038, 16));
	assert_null(rh_target_view(t, 0x1050, 17));
	assert_null(rh_target_view(t, 0x1000, 0));
	assert_null(rh_target_view(t, 0xfff, 2));
	assert_null(rh_target_view(t, UINT64_MAX - 4, 16));
	assert_int_equal(rh_target_mapping_count(t), 0);
	assert_int_equal(rh_target_thread_count(t), 0);
	expect_error(rh_target_auxv(t, AT_PHDR, &v), RH_ERR_NOT_FOUND,
		     "auxiliary vector");
	expect_ok(rh_target_resume(t));  // no-op
	rh_target_destroy(t);
	rh_target_destroy(NULL);
	expect_ok(rh_target_open_memory(NULL, 0, &t));
	expect_error(rh_target_read(t, 0, buf, 1), RH_ERR_FAULT, "0x0");
	rh_target_destroy(t);
}

/*
 * The segment a read hit last is remembered per thread, keyed by the
 * target (target/target.c last_hit): two targets over the same addresses,
 * read in turn, each answer from their own bytes; so does a target made
 * after one is destroyed (it may get the same address); and two threads
 * reading one target at once, each in its own segment, see their own.
 */
struct hint_reader {
	struct rh_target *t;
	uint64_t addr;
	uint8_t want;
	int bad;
};

static void *hint_read_loop(void *arg)
{
	struct hint_reader *r = arg;
	for (int i = 0; i < 200000; i++) {
		uint64_t v;
		struct rh_error *err = rh_target_read_u64(r->t, r->addr + (uint64_t)(i % 8) * 8, &v);
		if (err || (v & 0xff) != r->want)
			r->bad++;
		rh_error_destroy(err);
	}
	return NULL;
}

static void rh_target_last_hit_per_target_and_thread(void **state)
{
	(void)state;
	uint8_t a[64], b[64], c[64];
	memset(a, 0xa1, sizeof(a));
	memset(b, 0xb2, sizeof(b));
	memset(c, 0xc3, sizeof(c));
	struct rh_memory_segment sa[] = { { 0x1000, a, sizeof(a) }, { 0x9000, c, sizeof(c) } };
	struct rh_memory_segment sb[] = { { 0x1000, b, sizeof(b) } };
	struct rh_target *ta, *tb;
	expect_ok(rh_target_open_memory(sa, 2, &ta));
	expect_ok(rh_target_open_memory(sb, 1, &tb));
	for (int i = 0; i < 4; i++) {
		uint64_t v;
		uint8_t byte;
		expect_ok(rh_target_read_u64(ta, 0x1008, &v));
		assert_int_equal(v & 0xff, 0xa1);
		expect_ok(rh_target_read_u64(tb, 0x1008, &v));
		assert_int_equal(v & 0xff, 0xb2);
		expect_ok(rh_target_read(ta, 0x1010, &byte, 1));
		assert_int_equal(byte, 0xa1);
		assert_ptr_equal(rh_target_view(tb, 0x1000, 8), b);
		assert_ptr_equal(rh_target_view(ta, 0x1000, 8), a);
	}
	// tb's segment hit last on this thread; a target made in its place
	// must not answer from it.
	rh_target_destroy(tb);
	uint8_t d[16];
	memset(d, 0xd4, sizeof(d));
	struct rh_memory_segment sd[] = { { 0x1000, d, sizeof(d) } };
	struct rh_target *td;
	expect_ok(rh_target_open_memory(sd, 1, &td));
	uint64_t v;
	expect_ok(rh_target_read_u64(td, 0x1000, &v));
	assert_int_equal(v & 0xff, 0xd4);
	expect_error(rh_target_read_u64(td, 0x1020, &v), RH_ERR_FAULT, "0x1020");
	rh_target_destroy(td);
	// Two threads on one target, each in its own segment.
	struct hint_reader r1 = { .t = ta, .addr = 0x1000, .want = 0xa1 };
	struct hint_reader r2 = { .t = ta, .addr = 0x9000, .want = 0xc3 };
	pthread_t th1, th2;
	assert_int_equal(pthread_create(&th1, NULL, hint_read_loop, &r1), 0);
	assert_int_equal(pthread_create(&th2, NULL, hint_read_loop, &r2), 0);
	pthread_join(th1, NULL);
	pthread_join(th2, NULL);
	assert_int_equal(r1.bad, 0);
	assert_int_equal(r2.bad, 0);
	rh_target_destroy(ta);
}

static void rh_target_open_memory_overlap(void **state)
{
	(void)state;
	uint8_t a[64];
	memset(a, 0, sizeof(a));
	struct rh_memory_segment segs[] = {
		{ 0x1000, a, sizeof(a) },
		{ 0x1020, a, sizeof(a) },
	};
	struct rh_target *t = NULL;
	expect_error(rh_target_open_memory(segs, 2, &t), RH_ERR_BAD_DATA,
		     "segments 0x1000-0x1040 and 0x1020-0x1060 overlap");
	assert_null(t);
	struct rh_memory_segment wrap = { UINT64_MAX - 8, a, sizeof(a) };
	expect_error(rh_target_open_memory(&wrap, 1, &t),
		     RH_ERR_INVALID_ARGUMENT, "wraps");
}

/* -------------------------------------------------------------- live */

/* Known bytes the child has at the same address (fork keeps the layout). */
static uint64_t live_marker[64];

static void *child_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static char proc_state(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char state = 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "State:", 6) == 0) {
			const char *p = line + 6;
			while (*p == ' ' || *p == '\t')
				p++;
			state = *p;
			break;
		}
	}
	fclose(f);
	return state;
}

/* Wait until pid's state is one of want (the child may still be starting). */
static char wait_state(pid_t pid, const char *want)
{
	char s = 0;
	for (int i = 0; i < 500; i++) {
		s = proc_state(pid);
		if (s && strchr(want, s))
			return s;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return s;
}

static void rh_target_open_pid_stops_reads_and_resumes(void **state)
{
	(void)state;
	for (size_t i = 0; i < 64; i++)
		live_marker[i] = 0x1122334455667788ull ^ (i * 0x0101010101010101ull);
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		// Die with the test rather than linger.
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pthread_t th;
		for (int i = 0; i < 2; i++)
			pthread_create(&th, NULL, child_thread, NULL);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	char x;
	assert_int_equal(read(ready[0], &x, 1), 1);
	close(ready[0]);
	wait_state(pid, "S");

	// --no-copy: the process stays stopped while it is read.
	const struct rh_target_options nocopy = { .no_copy = true };
	struct rh_target *t = NULL;
	struct rh_error *err = rh_target_open_pid(pid, &nocopy, &t);
	if (err && err->code == RH_ERR_OS &&
	    (err->errnum == EPERM || err->errnum == EACCES)) {
		fprintf(stderr, "skipping: ptrace not permitted: %s\n",
			err->message);
		rh_error_destroy(err);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		skip();
	}
	expect_ok(err);
	assert_int_equal(rh_target_kind(t), RH_TARGET_LIVE);
	assert_int_equal(rh_target_pid(t), pid);
	char name[32];
	snprintf(name, sizeof(name), "pid %d", (int)pid);
	assert_string_equal(rh_target_name(t), name);
	assert_int_equal(proc_state(pid), 't');

	// Reads: the marker, in one go and word by word (cache hits).
	uint64_t buf[64];
	uint64_t addr = (uint64_t)(uintptr_t)live_marker;
	expect_ok(rh_target_read(t, addr, buf, sizeof(buf)));
	assert_memory_equal(buf, live_marker, sizeof(buf));
	for (size_t i = 0; i < 64; i++) {
		uint64_t v;
		expect_ok(rh_target_read_u64(t, addr + 8 * i, &v));
		assert_int_equal(v, live_marker[i]);
	}
	assert_true(rh_target_readable(t, addr, sizeof(live_marker)));
	uint8_t b;
	struct rh_error *e = rh_target_read(t, 0x1000, &b, 1);
	assert_non_null(e);
	assert_int_equal(e->addr, 0x1000);
	expect_error(e, RH_ERR_FAULT, "is not mapped in pid");

	// Threads, with registers; the main thread's pc is in a mapping.
	assert_int_equal(rh_target_thread_count(t), 3);
	const struct rh_thread *th = rh_target_thread(t, 0);
	assert_true(th->have_regs);
	assert_int_not_equal(th->sp, 0);
	assert_int_not_equal(th->fs_base, 0);
	bool pc_mapped = false, exe_mapped = false;
	for (size_t i = 0; i < rh_target_mapping_count(t); i++) {
		const struct rh_mapping *m = rh_target_mapping(t, i);
		if (th->pc >= m->start && th->pc < m->end)
			pc_mapped = true;
		uint64_t fn = (uint64_t)(uintptr_t)&rh_target_read;
		if (fn >= m->start && fn < m->end) {
			exe_mapped = true;
			assert_non_null(m->local_path);
			assert_true(m->prot & RH_PROT_EXEC);
		}
	}
	assert_true(pc_mapped);
	assert_true(exe_mapped);
	uint64_t pagesz;
	expect_ok(rh_target_auxv(t, AT_PAGESZ, &pagesz));
	assert_int_equal(pagesz, (uint64_t)sysconf(_SC_PAGESIZE));

	expect_ok(rh_target_resume(t));
	expect_ok(rh_target_resume(t));  // idempotent
	char s = wait_state(pid, "SR");
	assert_true(s == 'S' || s == 'R');
	rh_target_destroy(t);
	s = wait_state(pid, "SR");
	assert_true(s == 'S' || s == 'R');

	// Destroy alone resumes too.
	expect_ok(rh_target_open_pid(pid, &nocopy, &t));
	assert_int_equal(proc_state(pid), 't');
	rh_target_destroy(t);
	s = wait_state(pid, "SR");
	assert_true(s == 'S' || s == 'R');

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * The default: what can change is copied while the process is stopped,
 * and it runs again before rh_target_open_pid() returns; reads give the
 * process as it was then, even after it changed its memory.
 */
static void rh_target_open_pid_copies_and_lets_it_run(void **state)
{
	(void)state;
	live_marker[0] = 0x0123456789abcdefull;
	int ready[2], flip[2], flipped[2];
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(flip), 0);
	assert_int_equal(pipe(flipped), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		// Flip the marker on request; ptrace stops interrupt read(),
		// which the kernel restarts.
		char c;
		for (;;) {
			ssize_t r = read(flip[0], &c, 1);
			if (r == 1) {
				live_marker[0] = ~live_marker[0];
				if (write(flipped[1], "f", 1) != 1)
					_exit(1);
			} else if (r == 0) {
				_exit(0);
			}
		}
	}
	char x;
	assert_int_equal(read(ready[0], &x, 1), 1);
	wait_state(pid, "S");
	struct rh_target *t = NULL;
	struct rh_error *err = rh_target_open_pid(pid, NULL, &t);
	if (err && err->code == RH_ERR_OS &&
	    (err->errnum == EPERM || err->errnum == EACCES)) {
		rh_error_destroy(err);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		skip();
	}
	expect_ok(err);
	struct rh_live_stats ls;
	assert_true(rh_target_live_stats(t, &ls));
	uint64_t copied = ls.copied;
	double stopped_ms = ls.stopped_ms, copy_ms = ls.copy_ms;
	if (!copied && has_problem(t, "it is not copied")) {
		// Under AddressSanitizer the child maps terabytes of shadow
		// memory read-write: more than this machine could copy, so
		// refheap rightly keeps it stopped instead (said as a problem).
		fprintf(stderr, "skipping: the child's writable mappings are too large to copy (sanitizer shadow?)\n");
		rh_target_destroy(t);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		skip();
	}
	char st = wait_state(pid, "SR");  // runs while we still hold t
	assert_true(st == 'S' || st == 'R');
	assert_true(copied >= sizeof(live_marker));
	assert_true(stopped_ms >= copy_ms);
	// The process changes the marker; the copy keeps the old value.
	assert_int_equal(write(flip[1], "f", 1), 1);
	assert_int_equal(read(flipped[0], &x, 1), 1);
	uint64_t v;
	expect_ok(rh_target_read_u64(t, (uint64_t)(uintptr_t)&live_marker[0], &v));
	assert_int_equal(v, 0x0123456789abcdefull);
	// Code is not copied, and still reads (through /proc/PID/mem).
	uint8_t code[16];
	expect_ok(rh_target_read(t, (uint64_t)(uintptr_t)&rh_target_read, code,
				 sizeof(code)));
	assert_memory_equal(code, (const void *)&rh_target_read, sizeof(code));
	rh_target_destroy(t);
	// A fresh read sees the change.
	const struct rh_target_options nocopy = { .no_copy = true };
	expect_ok(rh_target_open_pid(pid, &nocopy, &t));
	expect_ok(rh_target_read_u64(t, (uint64_t)(uintptr_t)&live_marker[0], &v));
	assert_int_equal(v, ~0x0123456789abcdefull);
	rh_target_destroy(t);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(ready[0]);
	close(ready[1]);
	close(flip[0]);
	close(flip[1]);
	close(flipped[0]);
	close(flipped[1]);
}

/* The pagemap entry of the page at addr of pid. */
static uint64_t pagemap_entry(pid_t pid, uint64_t addr)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint64_t e = 0;
	assert_int_equal(fseeko(f, (off_t)(addr / 4096 * 8), SEEK_SET), 0);
	assert_int_equal(fread(&e, sizeof(e), 1, f), 1);
	fclose(f);
	return e;
}

/* Is the page at addr of pid present (or swapped): pagemap bits 63, 62. */
static bool page_present(pid_t pid, uint64_t addr)
{
	return (pagemap_entry(pid, addr) >> 62) != 0;
}

/*
 * Pages the process never touched are not copied: they read as zeros, the
 * stats count them, and the process's own page tables are left as they
 * were (process_vm_readv on them would map the zero page in). Pages only
 * read count as untouched where they are mapped to the zero page and
 * pagemap shows frame numbers (CAP_SYS_ADMIN).
 */
static void rh_target_open_pid_skips_untouched_pages(void **state)
{
	(void)state;
	const size_t size = 32u << 20;
	uint8_t *area = mmap(NULL, size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(area != MAP_FAILED);
	// No huge pages: one touch would make 2 MiB present.
	(void)madvise(area, size, MADV_NOHUGEPAGE);
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		memset(area + (8u << 20), 0x5a, 4096);  // one page written
		for (size_t off = 12u << 20; off < 20u << 20; off += 4096)
			(void)*(volatile uint8_t *)(area + off);  // 8 MiB read
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	char x;
	assert_int_equal(read(ready[0], &x, 1), 1);
	wait_state(pid, "S");
	uint64_t untouched_page = (uint64_t)(uintptr_t)(area + (24u << 20));
	assert_false(page_present(pid, untouched_page));
	struct rh_target *t = NULL;
	struct rh_error *err = rh_target_open_pid(pid, NULL, &t);
	if (err && err->code == RH_ERR_OS &&
	    (err->errnum == EPERM || err->errnum == EACCES)) {
		rh_error_destroy(err);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		skip();
	}
	expect_ok(err);
	struct rh_live_stats ls;
	assert_true(rh_target_live_stats(t, &ls));
	if (!ls.copied && has_problem(t, "it is not copied")) {
		fprintf(stderr, "skipping: the child's writable mappings are too large to copy (sanitizer shadow?)\n");
		rh_target_destroy(t);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		skip();
	}
	// All of the area but the written page (and the pages around it
	// that the run length leaves out) was skipped; the pages read, too,
	// if their frame (the zero page's) shows.
	// Whether the pages read share the zero page: two of them on one
	// frame. Pagemap shows frames to CAP_SYS_ADMIN only, and some kernels
	// give each read fault of private anonymous memory a frame of its own
	// (seen on Linux 6.18: then those pages hold
	// memory, and are copied).
	uint64_t read_page = (uint64_t)(uintptr_t)(area + (12u << 20));
	uint64_t pfn_mask = ((uint64_t)1 << 55) - 1;
	uint64_t pfn = pagemap_entry(pid, read_page) & pfn_mask;
	bool zero_page = pfn && pfn == (pagemap_entry(pid, read_page + 4096) & pfn_mask);
	assert_true(ls.untouched >= size - (zero_page ? 1u << 20 : 9u << 20));
	if (!pfn)
		fprintf(stderr, "note: pagemap hides frame numbers here: zero-page pages not tested\n");
	else if (!zero_page)
		fprintf(stderr, "note: this kernel gives pages only read frames of their own (no zero page): zero-page pages not tested\n");
	uint8_t buf[4096];
	expect_ok(rh_target_read(t, (uint64_t)(uintptr_t)(area + (8u << 20)),
				 buf, sizeof(buf)));
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0x5a);
	expect_ok(rh_target_read(t, untouched_page, buf, sizeof(buf)));
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	// The untouched page is still not mapped in the process.
	assert_false(page_present(pid, untouched_page));
	rh_target_destroy(t);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	munmap(area, size);
	close(ready[0]);
	close(ready[1]);
}

static void rh_target_open_pid_traced_reads_without_attaching(void **state)
{
	(void)state;
	live_marker[3] = 0xfeedfacecafebeefull;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	// Play the debugger: this process traces the child and stops it.
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		skip();
	}
	assert_int_equal(ptrace(PTRACE_INTERRUPT, pid, 0, 0), 0);
	int st;
	assert_int_equal(waitpid(pid, &st, __WALL), pid);
	struct rh_target *t;
	expect_ok(rh_target_open_pid(pid, NULL, &t));
	assert_true(has_problem(t, "is traced by pid"));
	assert_int_equal(rh_target_thread_count(t), 1);
	assert_false(rh_target_thread(t, 0)->have_regs);
	uint64_t v;
	expect_ok(rh_target_read_u64(t, (uint64_t)(uintptr_t)&live_marker[3],
				     &v));
	assert_int_equal(v, 0xfeedfacecafebeefull);
	rh_target_destroy(t);
	// Still ours, still stopped: refheap did not detach our tracee.
	assert_int_equal(proc_state(pid), 't');
	assert_int_equal(ptrace(PTRACE_DETACH, pid, 0, 0), 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void rh_target_open_pid_zombie_not_found(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	// Wait for it to become a zombie, without reaping it.
	assert_int_equal(wait_state(pid, "Z"), 'Z');
	struct rh_target *t;
	expect_error(rh_target_open_pid(pid, NULL, &t), RH_ERR_NOT_FOUND,
		     "has exited");
	waitpid(pid, NULL, 0);
}

static void rh_target_open_pid_no_such_process(void **state)
{
	(void)state;
	// Beyond pid_max (at most 2^22).
	struct rh_target *t;
	expect_error(rh_target_open_pid(99999999, NULL, &t), RH_ERR_NOT_FOUND,
		     "no process with pid 99999999");
	expect_error(rh_target_open_pid(-1, NULL, &t), RH_ERR_INVALID_ARGUMENT,
		     "invalid pid");
	expect_error(rh_target_open_pid(getpid(), NULL, &t),
		     RH_ERR_INVALID_ARGUMENT, "is refheap itself");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rh_target_read_inside_segment),
		cmocka_unit_test(rh_target_read_spans_adjacent_segments),
		cmocka_unit_test(rh_target_read_gap_faults),
		cmocka_unit_test(rh_target_read_wraps_faults),
		cmocka_unit_test(rh_target_open_core_truncated_reads_intact_bytes),
		cmocka_unit_test(rh_target_open_core_truncated_phdrs),
		cmocka_unit_test(rh_target_open_core_truncated_ehdr),
		cmocka_unit_test(rh_target_open_core_truncated_notes),
		cmocka_unit_test(rh_target_open_core_not_elf),
		cmocka_unit_test(rh_target_open_core_missing_file_os_error),
		cmocka_unit_test(rh_target_open_core_exec_not_core),
		cmocka_unit_test(rh_target_open_core_32bit_unsupported),
		cmocka_unit_test(rh_target_open_core_big_endian_unsupported),
		cmocka_unit_test(rh_target_open_core_other_machine_unsupported),
		cmocka_unit_test(rh_target_open_core_bad_phentsize),
		cmocka_unit_test(rh_target_open_core_overlapping_segments),
		cmocka_unit_test(rh_target_open_core_filesz_above_memsz),
		cmocka_unit_test(rh_target_open_core_note_overruns_segment),
		cmocka_unit_test(rh_target_open_core_short_prstatus),
		cmocka_unit_test(rh_target_open_core_phnum_xnum),
		cmocka_unit_test(rh_target_open_core_nt_file_mappings),
		cmocka_unit_test(rh_target_open_core_nt_file_page_size),
		cmocka_unit_test(rh_target_open_core_nt_file_count_too_large),
		cmocka_unit_test(rh_target_open_core_nt_file_unterminated_name),
		cmocka_unit_test(rh_target_open_core_nt_file_overlapping),
		cmocka_unit_test(rh_target_open_core_prstatus_threads),
		cmocka_unit_test(rh_target_auxv_lookup),
		cmocka_unit_test(rh_target_read_cstr_cases),
		cmocka_unit_test(rh_target_read_undumped_from_matching_file),
		cmocka_unit_test(rh_target_read_undumped_mismatched_build_id_faults),
		cmocka_unit_test(rh_target_read_undumped_missing_file_faults),
		cmocka_unit_test(rh_target_read_undumped_device_not_opened),
		cmocka_unit_test(rh_target_read_undumped_sysroot_applied),
		cmocka_unit_test(rh_target_sysroot_hostile_names_stay_inside),
		cmocka_unit_test(rh_target_read_undumped_exe_override),
		cmocka_unit_test(rh_target_read_undumped_unverified_is_problem),
		cmocka_unit_test(rh_target_read_undumped_past_file_end_faults),
		cmocka_unit_test(rh_target_read_nt_file_without_pt_load),
		cmocka_unit_test(rh_target_read_undumped_anonymous_faults),
		cmocka_unit_test(rh_target_open_memory_reads),
		cmocka_unit_test(rh_target_last_hit_per_target_and_thread),
		cmocka_unit_test(rh_target_open_memory_overlap),
		cmocka_unit_test(rh_target_open_pid_stops_reads_and_resumes),
		cmocka_unit_test(rh_target_open_pid_copies_and_lets_it_run),
		cmocka_unit_test(rh_target_open_pid_skips_untouched_pages),
		cmocka_unit_test(rh_target_open_pid_traced_reads_without_attaching),
		cmocka_unit_test(rh_target_open_pid_zombie_not_found),
		cmocka_unit_test(rh_target_open_pid_no_such_process),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
