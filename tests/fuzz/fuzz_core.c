/*
 * libFuzzer harness: the ELF core reader (target/core.c) and the image
 * built over it (image/image.c, debuginfo.c), on an arbitrary file.
 *
 * The input is written to a file and opened as refheap opens a core, with
 * --sysroot set to a scratch root that holds a symlink pointing out of it:
 * NT_FILE names the fuzzer makes up ("/./../../etc/passwd", "/lib/x" through
 * that symlink) must never resolve outside the root. That is checked here
 * (an escape aborts, so the fuzzer reports it), besides every target read
 * the core allows: each segment's ends, reads across segments, threads,
 * auxv, mappings.
 *
 * REFHEAP_FUZZ_MAKE_SEEDS=DIR: write the seed cores (tiny cores made with
 * tests/lib/elfwriter.c) into DIR and exit.
 */
#include "config.h"

#include <elf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfwriter.h"
#include "fuzz_common.h"
#include "image/image.h"
#include "target/target.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char root[PATH_MAX];
static size_t root_len;

static void make_seeds(const char *dir)
{
	static const char *const names[][4] = {
		{ "/usr/bin/python3.11", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/ld.so", NULL },
		{ "/./../../../../etc/passwd", "/lib/../../../../etc/shadow", "/out/x", "/usr/bin/python3" },
		{ "relative/path", "/proc/self/mem", "/dev/zero", "/lib/\xe2\x80\xae" "evil" },
	};
	for (size_t v = 0; v < sizeof(names) / sizeof(names[0]); v++) {
		struct ew_core *c = ew_core_create();
		ew_core_add_prpsinfo(c, 4242, "python3");
		struct user_regs_struct regs;
		memset(&regs, 0, sizeof(regs));
		regs.rip = 0x401000;
		regs.rsp = 0x7ffc00001000;
		ew_core_add_prstatus(c, 4242, &regs);
		uint64_t auxv[] = { AT_PHDR, 0x400040, AT_ENTRY, 0x401000, AT_PAGESZ, 4096 };
		ew_core_add_auxv(c, auxv, 3);
		ew_core_add_load(c, 0x400000, NULL, 0x1000, 0x2000, PF_R | PF_X);
		ew_core_add_load(c, 0x600000, NULL, 0x800, 0x1000, PF_R | PF_W);
		ew_core_add_load(c, 0x7ffc00000000, NULL, 0x400, 0x2000, PF_R | PF_W);
		for (size_t i = 0; i < 4 && names[v][i]; i++)
			ew_core_add_file(c, 0x400000 + 0x1000 * i, 0x401000 + 0x1000 * i,
					 i, names[v][i]);
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/seed-core-%zu", dir, v);
		if (ew_core_write(c, p) < 0) {
			perror(p);
			exit(1);
		}
		ew_core_destroy(c);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("REFHEAP_FUZZ_MAKE_SEEDS");
	if (seeds && *seeds) {
		make_seeds(seeds);
		exit(0);
	}
	// root/ with root/lib -> / (absolute: inside the root it means the
	// root itself) and root/up -> ../.. (climbs no higher than the root).
	snprintf(root, sizeof(root), "%s", fuzz_path("root"));
	mkdir(root, 0700);
	char p[PATH_MAX + 16];
	snprintf(p, sizeof(p), "%s/lib", root);
	if (symlink("/", p) < 0)
		perror(p);
	snprintf(p, sizeof(p), "%s/up", root);
	if (symlink("../..", p) < 0)
		perror(p);
	char *real = realpath(root, NULL);
	if (!real)
		abort();
	snprintf(root, sizeof(root), "%s", real);
	free(real);
	root_len = strlen(root);
	return 0;
}

/* A path opened for the target must lie inside the sysroot. */
static void check_inside(const char *what, const char *path)
{
	if (!path)
		return;
	if (strncmp(path, root, root_len) != 0 ||
	    (path[root_len] != '/' && path[root_len] != '\0')) {
		fprintf(stderr, "fuzz_core: %s path %s escapes the sysroot %s\n", what, path, root);
		abort();
	}
	// The file opened must be what the path names inside the root, with
	// no symlink left in it to lead elsewhere.
	char *real = realpath(path, NULL);
	if (real && (strncmp(real, root, root_len) != 0 ||
		     (real[root_len] != '/' && real[root_len] != '\0'))) {
		fprintf(stderr, "fuzz_core: %s path %s resolves to %s, outside the sysroot %s\n",
			what, path, real, root);
		abort();
	}
	free(real);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_path("core");
	fuzz_write(path, data, size);
	struct rh_target_options topts = { .sysroot = root };
	struct rh_target *t;
	struct rh_error *err = rh_target_open_core(path, &topts, &t);
	if (err) {
		// Every refusal carries a message.
		if (!err->message || !*err->message)
			abort();
		rh_error_destroy(err);
		return 0;
	}
	uint8_t buf[4096];
	size_t nseg = rh_target_segment_count(t);
	for (size_t i = 0; i < nseg && i < 4096; i++) {
		struct rh_segment_info si;
		rh_target_segment(t, i, &si);
		uint64_t len = si.end - si.start;
		size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		rh_error_destroy(rh_target_read(t, si.start, buf, n));
		rh_error_destroy(rh_target_read(t, si.end - n, buf, n));
		// across the end, into whatever follows
		rh_error_destroy(rh_target_read(t, si.end - 8, buf, 64));
		(void)rh_target_readable(t, si.start, (size_t)(len < SIZE_MAX ? len : SIZE_MAX));
	}
	for (size_t i = 0; i < rh_target_mapping_count(t); i++) {
		const struct rh_mapping *m = rh_target_mapping(t, i);
		check_inside("mapping", m->local_path);
		uint64_t v;
		rh_error_destroy(rh_target_read_u64(t, m->start, &v));
	}
	for (size_t i = 0; i < rh_target_thread_count(t); i++) {
		const struct rh_thread *th = rh_target_thread(t, i);
		uint64_t v;
		if (th->have_regs)
			rh_error_destroy(rh_target_read_u64(t, th->sp, &v));
	}
	uint64_t v;
	rh_error_destroy(rh_target_auxv(t, AT_PHDR, &v));
	rh_error_destroy(rh_target_read(t, UINT64_MAX - 4, buf, 16));

	struct rh_image_options iopts = { .sysroot = root };
	struct rh_image *img;
	err = rh_image_create(t, &iopts, &img);
	if (err) {
		rh_error_destroy(err);
	} else {
		for (size_t m = 0; m < rh_image_module_count(img); m++) {
			const struct rh_module *mod = rh_image_module(img, m);
			check_inside("module", mod->local_path);
			check_inside("debug file", mod->debug_path);
		}
		rh_image_destroy(img);
	}
	rh_target_destroy(t);
	return 0;
}
