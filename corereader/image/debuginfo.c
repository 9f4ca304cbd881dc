/*
 * ELF file helpers and the search for separate debug files.
 *
 * The search follows GDB (gdb/build-id.c, gdb/symfile.c
 * find_separate_debug_file_by_debuglink, "Separate Debug Files" in the GDB
 * manual):
 *   1. by build-id, for each debug directory D:
 *        D/.build-id/<first byte in hex>/<remaining bytes in hex>.debug,
 *      accepted when it has .debug_info and the same build-id;
 *   2. by .gnu_debuglink (a file name and the CRC32 of that file):
 *        <moddir>/<name>, <moddir>/.debug/<name>, and D<moddir>/<name>
 *      for each D, accepted when its CRC32 matches and it has .debug_info.
 * (Step 0, the module's own .debug_info, is the caller's.) Every candidate
 * path is appended to a "searched" list, so that a layer that needs DWARF
 * and finds none can say where it looked.
 *
 * Debug files are local files, but possibly stale or unrelated ones: a
 * candidate is accepted only through its build-id or its CRC, never by name
 * alone.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "image/image_internal.h"
#include "util/error.h"
#include "util/path.h"

#ifdef HAVE_DEBUGINFOD
#include <dlfcn.h>
#include <elfutils/debuginfod.h>
#include <pthread.h>
#endif

/* ------------------------------------------------------------ strbuf */

bool image_strbuf_append(struct image_strbuf *sb, const char *s, size_t len)
{
	size_t need;
	if (__builtin_add_overflow(sb->len, len, &need) ||
	    __builtin_add_overflow(need, 1, &need))
		return false;
	if (need > sb->cap) {
		size_t cap = sb->cap ? sb->cap : 256;
		while (cap < need) {
			if (__builtin_mul_overflow(cap, 2, &cap))
				return false;
		}
		char *d = realloc(sb->data, cap);
		if (!d)
			return false;
		sb->data = d;
		sb->cap = cap;
	}
	memcpy(sb->data + sb->len, s, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
	return true;
}

bool image_strbuf_appendf(struct image_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	bool ok = image_strbuf_append(sb, s, (size_t)n);
	free(s);
	return ok;
}

void image_strbuf_deinit(struct image_strbuf *sb)
{
	free(sb->data);
	memset(sb, 0, sizeof(*sb));
}

/* ------------------------------------------------------------ ELF files */

struct rh_error *image_elf_open(const char *path, struct image_elf *ret)
{
	struct rh_error *err;
	// O_NONBLOCK: a path named by a core could be a FIFO; never block.
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return rh_error_os(errno, path, "cannot open %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		err = rh_error_os(errno, path, "cannot stat %s", path);
		goto out_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		err = rh_error_create(RH_ERR_UNSUPPORTED,
				      "%s is not a regular file", path);
		goto out_fd;
	}
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		err = rh_error_create(RH_ERR_BAD_DATA, "cannot read %s: %s",
				      path, elf_errmsg(-1));
		goto out_fd;
	}
	if (elf_kind(elf) != ELF_K_ELF) {
		err = rh_error_create(RH_ERR_UNSUPPORTED,
				      "%s is not an ELF file", path);
		goto out_elf;
	}
	GElf_Ehdr ehdr;
	if (!gelf_getehdr(elf, &ehdr)) {
		err = rh_error_create(RH_ERR_BAD_DATA,
				      "cannot read the ELF header of %s: %s",
				      path, elf_errmsg(-1));
		goto out_elf;
	}
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		shstrndx = SHN_UNDEF; // no section names: sections are skipped
	ret->fd = fd;
	ret->elf = elf;
	ret->ehdr = ehdr;
	ret->shstrndx = shstrndx;
	return NULL;

out_elf:
	elf_end(elf);
out_fd:
	close(fd);
	return err;
}

void image_elf_close(struct image_elf *ef)
{
	if (ef->elf)
		elf_end(ef->elf);
	if (ef->fd >= 0)
		close(ef->fd);
	ef->elf = NULL;
	ef->fd = -1;
}

Elf_Scn *image_elf_section_by_name(struct image_elf *ef, const char *name,
				   GElf_Shdr *shdr_ret)
{
	if (ef->shstrndx == SHN_UNDEF)
		return NULL;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr))
			continue; // a broken header names nothing
		const char *s = elf_strptr(ef->elf, ef->shstrndx, shdr.sh_name);
		if (s && strcmp(s, name) == 0) {
			*shdr_ret = shdr;
			return scn;
		}
	}
	return NULL;
}

bool image_elf_has_debug_info(struct image_elf *ef)
{
	static const char *const names[] = { ".debug_info", ".zdebug_info" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		GElf_Shdr shdr;
		if (image_elf_section_by_name(ef, names[i], &shdr) &&
		    shdr.sh_type != SHT_NOBITS && shdr.sh_size > 0)
			return true;
	}
	return false;
}

/* Look for NT_GNU_BUILD_ID in one block of notes. */
static bool build_id_in_notes(Elf_Data *data, uint8_t *buf, size_t *len_ret)
{
	size_t off = 0, next, name_off, desc_off;
	GElf_Nhdr nhdr;
	// gelf_getnote checks that each note fits the data and returns 0 at
	// the end or on a malformed note, so the loop always ends.
	while (off < data->d_size &&
	       (next = gelf_getnote(data, off, &nhdr, &name_off, &desc_off)) > 0) {
		if (nhdr.n_type == NT_GNU_BUILD_ID && nhdr.n_namesz == 4 &&
		    memcmp((const char *)data->d_buf + name_off, "GNU", 4) == 0 &&
		    nhdr.n_descsz > 0 && nhdr.n_descsz <= RH_IMAGE_BUILD_ID_MAX) {
			memcpy(buf, (const char *)data->d_buf + desc_off,
			       nhdr.n_descsz);
			*len_ret = nhdr.n_descsz;
			return true;
		}
		off = next;
	}
	return false;
}

bool image_elf_build_id(struct image_elf *ef, uint8_t *buf, size_t *len_ret)
{
	// Sections first: a debug file keeps its note sections while the
	// offsets in its program headers point at what objcopy removed.
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_NOTE)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (data && build_id_in_notes(data, buf, len_ret))
			return true;
	}
	size_t phnum;
	if (elf_getphdrnum(ef->elf, &phnum) != 0)
		return false;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr phdr;
		if (!gelf_getphdr(ef->elf, (int)i, &phdr) ||
		    phdr.p_type != PT_NOTE)
			continue;
		Elf_Data *data = elf_getdata_rawchunk(
			ef->elf, phdr.p_offset, phdr.p_filesz,
			phdr.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
		if (data && build_id_in_notes(data, buf, len_ret))
			return true;
	}
	return false;
}

/* ------------------------------------------------------------ debug dirs */

struct rh_error *image_debug_dirs_init(struct image_debug_dirs *dd,
				       const struct rh_image_options *opts)
{
	memset(dd, 0, sizeof(*dd));
	size_t nopt = opts ? opts->ndebug_dirs : 0;
	const char *env = getenv("REFHEAP_NO_DEFAULT_DEBUG_DIRS");
	bool defaults = !(env && strcmp(env, "1") == 0);
	dd->dirs = calloc(nopt + 1, sizeof(*dd->dirs));
	if (!dd->dirs)
		return rh_enomem;
	for (size_t i = 0; i < nopt; i++) {
		const char *d = opts->debug_dirs[i];
		if (!d || !*d)
			continue;
		// Trailing slashes would double up in D/.build-id and D<moddir>.
		size_t len = strlen(d);
		while (len > 1 && d[len - 1] == '/')
			len--;
		if (!(dd->dirs[dd->n] = strndup(d, len)))
			goto out_enomem;
		dd->n++;
	}
	if (opts && opts->sysroot && opts->sysroot[0]) {
		size_t len = strlen(opts->sysroot);
		while (len > 1 && opts->sysroot[len - 1] == '/')
			len--;
		if (!(dd->sysroot = strndup(opts->sysroot, len)))
			goto out_enomem;
	}
	if (defaults) {
		const char *sysroot = opts && opts->sysroot ? opts->sysroot : "";
		size_t len = strlen(sysroot);
		while (len > 0 && sysroot[len - 1] == '/')
			len--;
		if (asprintf(&dd->dirs[dd->n], "%.*s/usr/lib/debug", (int)len,
			     sysroot) < 0) {
			dd->dirs[dd->n] = NULL;
			goto out_enomem;
		}
		dd->n++;
	}
	return NULL;

out_enomem:
	image_debug_dirs_deinit(dd);
	return rh_enomem;
}

void image_debug_dirs_deinit(struct image_debug_dirs *dd)
{
	if (dd->dirs) {
		for (size_t i = 0; i < dd->n; i++)
			free(dd->dirs[i]);
	}
	free(dd->dirs);
	free(dd->sysroot);
	memset(dd, 0, sizeof(*dd));
}

/* ------------------------------------------------------------ search */

/* Append a candidate path to the searched list. */
static bool note_searched(struct image_strbuf *searched, const char *path)
{
	if (searched->len > 0 && !image_strbuf_append(searched, ", ", 2))
		return false;
	return image_strbuf_append(searched, path, strlen(path));
}

/*
 * Open a candidate. A file that is simply absent is the normal case and is
 * not recorded; any other reason it cannot be read is.
 */
/*
 * A candidate under the sysroot, resolved inside it as chroot would
 * (util/path.h): the mapped file's directory comes from the core, and
 * .build-id links may be absolute. Takes path; NULL when it cannot exist
 * there (*enomem_ret on no memory).
 */
static char *confine(const struct image_debug_dirs *dd, char *path, bool *enomem_ret)
{
	*enomem_ret = false;
	if (!dd->sysroot || !path)
		return path;
	size_t len = strlen(dd->sysroot);
	if (strncmp(path, dd->sysroot, len) != 0 || (path[len] != '/' && path[len]))
		return path;   // --debug-dir outside the root: the user's choice
	char *r = rh_path_in_root(dd->sysroot, path + len);
	*enomem_ret = !r && errno == ENOMEM;
	free(path);
	return r;
}

static bool open_candidate(const char *path, struct rh_problems *problems,
			   struct image_elf *ret)
{
	struct rh_error *err = image_elf_open(path, ret);
	if (!err)
		return true;
	if (err->code == RH_ERR_OS &&
	    (err->errnum == ENOENT || err->errnum == ENOTDIR))
		rh_error_destroy(err); // not there: nothing to report
	else
		rh_problems_add_error(problems, err,
				      "debug file candidate %s skipped", path);
	return false;
}

/* The .gnu_debuglink name and CRC, or false. *name_ret points into ef. */
static bool read_debuglink(struct image_elf *ef, const char **name_ret,
			   uint32_t *crc_ret)
{
	GElf_Shdr shdr;
	Elf_Scn *scn = image_elf_section_by_name(ef, ".gnu_debuglink", &shdr);
	if (!scn || shdr.sh_type == SHT_NOBITS)
		return false;
	Elf_Data *data = elf_getdata(scn, NULL);
	if (!data || !data->d_buf)
		return false;
	const unsigned char *p = data->d_buf;
	size_t size = data->d_size;
	const unsigned char *nul = memchr(p, '\0', size);
	if (!nul || nul == p)
		return false; // no terminated name: not a debuglink
	// The name is padded to 4 bytes, then comes the CRC32 in the file's
	// byte order (binutils bfd/opncls.c bfd_create_gnu_debuglink_section).
	size_t crc_off = ((size_t)(nul - p) + 1 + 3) & ~(size_t)3;
	if (crc_off > size || size - crc_off < 4)
		return false;
	const unsigned char *c = p + crc_off;
	uint32_t crc;
	if (ef->ehdr.e_ident[EI_DATA] == ELFDATA2MSB)
		crc = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 |
		      (uint32_t)c[2] << 8 | c[3];
	else
		crc = (uint32_t)c[3] << 24 | (uint32_t)c[2] << 16 |
		      (uint32_t)c[1] << 8 | c[0];
	*name_ret = (const char *)p;
	*crc_ret = crc;
	return true;
}

/* CRC32 (zlib's, the one .gnu_debuglink uses) of a whole opened file. */
static bool file_crc32(struct image_elf *ef, uint32_t *ret)
{
	size_t size;
	const char *raw = elf_rawfile(ef->elf, &size);
	if (!raw)
		return false;
	uLong crc = crc32(0L, Z_NULL, 0);
	// crc32() takes a uInt length: feed at most 1 GiB at a time.
	while (size > 0) {
		size_t chunk = size > (1u << 30) ? (1u << 30) : size;
		crc = crc32(crc, (const Bytef *)raw, (uInt)chunk);
		raw += chunk;
		size -= chunk;
	}
	*ret = (uint32_t)crc;
	return true;
}

static bool same_file(int fd1, int fd2)
{
	struct stat a, b;
	return fstat(fd1, &a) == 0 && fstat(fd2, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Directory part of path, without its trailing slash ("" for "/x"). */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	return strndup(path, (size_t)(slash - path));
}

struct rh_error *image_find_debug_file(const struct image_debug_dirs *dd,
				       struct image_elf *mod_elf,
				       const char *local_path, const char *name,
				       const uint8_t *build_id,
				       size_t build_id_len,
				       struct image_strbuf *searched,
				       struct rh_problems *problems,
				       struct image_elf *debug_ret,
				       char **path_ret)
{
	struct image_elf cand = { .fd = -1 };
	char *path = NULL;

	// 1. By build-id. A one-byte id cannot be split into xx/rest.
	if (build_id_len >= 2) {
		char hex[2 * RH_IMAGE_BUILD_ID_MAX + 1];
		for (size_t i = 0; i < build_id_len; i++)
			snprintf(hex + 2 * i, 3, "%02x", build_id[i]);
		for (size_t i = 0; i < dd->n; i++) {
			if (asprintf(&path, "%s/.build-id/%.2s/%s.debug",
				     dd->dirs[i], hex, hex + 2) < 0)
				return rh_enomem;
			if (!note_searched(searched, path))
				goto out_enomem;
			bool enomem;
			path = confine(dd, path, &enomem);
			if (enomem)
				return rh_enomem;
			if (path && open_candidate(path, problems, &cand)) {
				uint8_t id[RH_IMAGE_BUILD_ID_MAX];
				size_t id_len;
				if (image_elf_has_debug_info(&cand) &&
				    image_elf_build_id(&cand, id, &id_len) &&
				    id_len == build_id_len &&
				    memcmp(id, build_id, id_len) == 0)
					goto found;
				image_elf_close(&cand);
			}
			free(path);
			path = NULL;
		}
	}

	// 2. By .gnu_debuglink, only possible with the module file at hand.
	const char *link;
	uint32_t want_crc;
	if (!mod_elf || !local_path || !read_debuglink(mod_elf, &link, &want_crc))
		goto not_found;
	char *local_dir = dir_of(local_path);
	char *target_dir = dir_of(name);
	if (!local_dir || !target_dir) {
		free(local_dir);
		free(target_dir);
		return rh_enomem;
	}
	// The mapped name is the core's: "/../../etc" must not climb out of
	// the debug directories it is appended to (only shrinks: fits).
	if (target_dir[0] == '/')
		rh_path_normalize(target_dir, strlen(target_dir) + 1);
	// Candidates in GDB's order: beside the file, in .debug/ beside it,
	// then under each debug directory.
	for (size_t i = 0; i < 2 + dd->n; i++) {
		int n;
		if (i == 0)
			n = asprintf(&path, "%s/%s", local_dir, link);
		else if (i == 1)
			n = asprintf(&path, "%s/.debug/%s", local_dir, link);
		else
			n = asprintf(&path, "%s%s/%s", dd->dirs[i - 2],
				     target_dir, link);
		if (n < 0 || !note_searched(searched, path)) {
			if (n < 0)
				path = NULL;
			free(local_dir);
			free(target_dir);
			goto out_enomem;
		}
		bool enomem;
		path = confine(dd, path, &enomem);
		if (enomem) {
			free(local_dir);
			free(target_dir);
			return rh_enomem;
		}
		if (path && open_candidate(path, problems, &cand)) {
			uint32_t crc;
			// <moddir>/<name> may be the module itself when the
			// link names the file's own basename: never a match.
			if (!same_file(cand.fd, mod_elf->fd) &&
			    file_crc32(&cand, &crc) && crc == want_crc &&
			    image_elf_has_debug_info(&cand)) {
				free(local_dir);
				free(target_dir);
				goto found;
			}
			image_elf_close(&cand);
		}
		free(path);
		path = NULL;
	}
	free(local_dir);
	free(target_dir);

not_found:
	debug_ret->fd = -1;
	debug_ret->elf = NULL;
	*path_ret = NULL;
	return NULL;

found:
	*debug_ret = cand;
	*path_ret = path;
	return NULL;

out_enomem:
	free(path);
	image_elf_close(&cand);
	return rh_enomem;
}

/* ------------------------------------------------------------ debuginfod */

#ifdef HAVE_DEBUGINFOD
/*
 * libdebuginfod is opened the first time a debug file is asked for, not
 * linked: it brings libcurl and 28 more libraries, whose loading and
 * relocation took 13 of the 15 ms `refheap --version` took, in every run,
 * a seventh of a warm command on a 10M-object core (issue 12: 0.1 s).
 */
struct debuginfod_api {
	debuginfod_client *(*begin)(void);
	void (*end)(debuginfod_client *);
	void (*set_user_data)(debuginfod_client *, void *);
	void *(*get_user_data)(debuginfod_client *);
	void (*set_progressfn)(debuginfod_client *, debuginfod_progressfn_t);
	int (*find_debuginfo)(debuginfod_client *, const unsigned char *, int, char **);
};

static struct debuginfod_api api;
static char api_why[256];
static pthread_once_t api_once = PTHREAD_ONCE_INIT;

static void api_open(void)
{
	void *h = dlopen("libdebuginfod.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(api_why, sizeof(api_why),
			 "debuginfod not asked (libdebuginfod.so.1 could not be loaded: %s; "
			 "apt-get install libdebuginfod1)", e ? e : "?");
		return;
	}
	// POSIX: a function pointer is read through a void * (dlsym(3)).
	*(void **)&api.begin = dlsym(h, "debuginfod_begin");
	*(void **)&api.end = dlsym(h, "debuginfod_end");
	*(void **)&api.set_user_data = dlsym(h, "debuginfod_set_user_data");
	*(void **)&api.get_user_data = dlsym(h, "debuginfod_get_user_data");
	*(void **)&api.set_progressfn = dlsym(h, "debuginfod_set_progressfn");
	*(void **)&api.find_debuginfo = dlsym(h, "debuginfod_find_debuginfo");
	if (!api.begin || !api.end || !api.set_user_data || !api.get_user_data ||
	    !api.set_progressfn || !api.find_debuginfo) {
		memset(&api, 0, sizeof(api));
		snprintf(api_why, sizeof(api_why),
			 "debuginfod not asked (libdebuginfod.so.1 lacks a function refheap uses)");
	}
}

static int debuginfod_progress(debuginfod_client *c, long done, long total)
{
	const struct rh_image_options *opts = api.get_user_data(c);
	if (opts && opts->progress)
		opts->progress(opts->notice_arg, done, total);
	return 0;   /* never cancel */
}
#endif

struct rh_error *image_debuginfod_fetch(const struct rh_image_options *opts,
					const uint8_t *build_id, size_t build_id_len,
					char **path_ret, const char **why_ret)
{
	*path_ret = NULL;
	*why_ret = NULL;
	if (opts && opts->no_debuginfod) {
		*why_ret = "debuginfod not asked (--no-debuginfod)";
		return NULL;
	}
#ifdef HAVE_DEBUGINFOD
	const char *urls = getenv("DEBUGINFOD_URLS");
	if (!urls || !*urls) {
		*why_ret = "debuginfod not asked (DEBUGINFOD_URLS is not set)";
		return NULL;
	}
	if (build_id_len == 0 || build_id_len > INT_MAX) {
		*why_ret = "debuginfod not asked (no build-id)";
		return NULL;
	}
	pthread_once(&api_once, api_open);
	if (!api.begin) {
		*why_ret = api_why;
		return NULL;
	}
	debuginfod_client *c = api.begin();
	if (!c) {
		*why_ret = "debuginfod could not start (debuginfod_begin failed)";
		return NULL;
	}
	api.set_user_data(c, (void *)opts);
	api.set_progressfn(c, debuginfod_progress);
	char *path = NULL;
	int fd = api.find_debuginfo(c, build_id, (int)build_id_len, &path);
	api.end(c);
	if (fd < 0) {
		free(path);
		*why_ret = fd == -ENOENT ? "not found on the debuginfod servers in DEBUGINFOD_URLS"
					 : "the debuginfod servers in DEBUGINFOD_URLS could not be "
					   "reached or failed (see DEBUGINFOD_VERBOSE=1)";
		return NULL;
	}
	close(fd);
	if (!path) {
		*why_ret = "debuginfod returned no path";
		return NULL;
	}
	*path_ret = path;
	return NULL;
#else
	(void)build_id;
	(void)build_id_len;
	*why_ret = "debuginfod not asked (refheap was built without libdebuginfod)";
	return NULL;
#endif
}
