/*
 * The on-disk cache of layout answers.
 *
 * Reading DWARF costs tens to hundreds of milliseconds per interpreter;
 * the answers for one query table never change for one build. So each
 * answered table is kept in "<cache_dir>/<build-id>-<qhash>.layout", where
 * qhash is a 64-bit FNV-1a over the table and RH_LAYOUTS_FORMAT_VERSION: a
 * changed table (a new CPython layer) or a changed meaning of answers (a
 * bumped version) simply gets another file.
 *
 * The format is text, so that a user can look at it:
 *
 *     refheap-layouts 1 <build-id> <query count> <qhash, 16 hex digits>
 *     0 16
 *     1 -
 *     ...
 *     end
 *
 * one line per query in table order: its index, then its value in decimal
 * or "-" when the query found nothing. The file is untrusted input (another
 * user's tampering, a disk error, a crash half-way): the reader checks
 * every byte and any doubt means "recompute", never a crash and never a
 * wrong answer taken on trust. The writer writes a temporary file and
 * renames it, so readers see the old file or the new one, not half of one.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "dwarf/layouts.h"
#include "dwarf/layouts_internal.h"
#include "util/error.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

// Longest line for one answer: "<index> <int64>\n" is at most 20 + 1 + 20
// + 1 bytes; the header is bounded by the magic, the build-id and three
// numbers. A file larger than what n answers can need is not ours.
#define LINE_MAX_BYTES 48
#define HEADER_MAX_BYTES (64 + RH_LAYOUTS_BUILD_ID_MAX)

static uint64_t fnv_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

static uint64_t fnv_u32(uint64_t h, uint32_t v)
{
	// Fixed little-endian order, so that the hash (and so the cache file
	// name) does not depend on the host.
	unsigned char b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff,
			       (v >> 24) & 0xff };
	return fnv_bytes(h, b, sizeof(b));
}

static uint64_t fnv_opt_str(uint64_t h, const char *s)
{
	// A marker byte tells NULL from "": both are legal in a query and
	// mean different things.
	if (!s)
		return fnv_bytes(h, "\0", 1);
	h = fnv_bytes(h, "\1", 1);
	return fnv_bytes(h, s, strlen(s) + 1);
}

uint64_t rh_layouts_query_hash(const struct rh_layout_query *queries,
			       size_t n)
{
	uint64_t h = FNV_OFFSET;
	h = fnv_bytes(h, RH_LAYOUTS_CACHE_MAGIC, sizeof(RH_LAYOUTS_CACHE_MAGIC));
	h = fnv_u32(h, RH_LAYOUTS_FORMAT_VERSION);
	h = fnv_u32(h, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		h = fnv_u32(h, (uint32_t)queries[i].kind);
		h = fnv_opt_str(h, queries[i].type);
		h = fnv_opt_str(h, queries[i].member);
	}
	return h;
}

bool rh_layouts_build_id_ok(const char *hex)
{
	if (!hex || !*hex)
		return false;
	size_t len = 0;
	for (const char *p = hex; *p; p++, len++) {
		char c = *p;
		bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F');
		if (!digit || len >= RH_LAYOUTS_BUILD_ID_MAX)
			return false;
	}
	return true;
}

char *rh_layouts_cache_path(const char *cache_dir, const char *build_id_hex,
			    uint64_t qhash)
{
	char *path;
	if (asprintf(&path, "%s/%s-%016" PRIx64 ".layout", cache_dir,
		     build_id_hex, qhash) < 0)
		return NULL;
	return path;
}

char *rh_layouts_default_cache_dir(void)
{
	char *dir = NULL;
	const char *env = getenv("REFHEAP_CACHE_DIR");
	if (env && *env)
		return strdup(env);
	// The XDG base directory spec says to ignore a relative value.
	env = getenv("XDG_CACHE_HOME");
	if (env && env[0] == '/') {
		if (asprintf(&dir, "%s/refheap", env) < 0)
			return NULL;
		return dir;
	}
	env = getenv("HOME");
	if (env && *env) {
		if (asprintf(&dir, "%s/.cache/refheap", env) < 0)
			return NULL;
		return dir;
	}
	return NULL;
}

/*
 * Strict number parsers for the cache file: digits only (and one leading
 * '-' for values), no spaces, no '+', no overflow. strtoll would accept
 * leading blanks and signs that a file we wrote never contains.
 */
static const char *parse_u64(const char *p, uint64_t *ret)
{
	if (*p < '0' || *p > '9')
		return NULL;
	uint64_t v = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			return NULL;
	}
	*ret = v;
	return p;
}

static const char *parse_i64(const char *p, int64_t *ret)
{
	bool neg = *p == '-';
	if (neg)
		p++;
	uint64_t mag;
	p = parse_u64(p, &mag);
	if (!p)
		return NULL;
	if (neg) {
		if (mag > (uint64_t)INT64_MAX + 1)
			return NULL;
		*ret = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		if (mag > (uint64_t)INT64_MAX)
			return NULL;
		*ret = (int64_t)mag;
	}
	return p;
}

static const char *expect(const char *p, const char *lit)
{
	size_t len = strlen(lit);
	return strncmp(p, lit, len) == 0 ? p + len : NULL;
}

/* Postcondition: true and all n values parsed, or false and `values` untouched. */
static bool parse_cache(const char *buf, const char *build_id_hex,
			uint64_t qhash, size_t n, struct rh_layout_value *values)
{
	char header[HEADER_MAX_BYTES + 64];
	int len = snprintf(header, sizeof(header), "%s %d %s %zu %016" PRIx64 "\n",
			   RH_LAYOUTS_CACHE_MAGIC, RH_LAYOUTS_FORMAT_VERSION,
			   build_id_hex, n, qhash);
	if (len < 0 || (size_t)len >= sizeof(header))
		return false;
	// The header must match byte for byte: another build-id, version,
	// count or table all mean the file answers some other question.
	const char *p = expect(buf, header);
	if (!p)
		return false;

	struct rh_layout_value *tmp = calloc(n ? n : 1, sizeof(*tmp));
	if (!tmp)
		return false;
	bool ok = false;
	for (size_t i = 0; i < n; i++) {
		uint64_t idx;
		p = parse_u64(p, &idx);
		// Lines in table order, each exactly once: a reordered or
		// duplicated line is corruption, not a shuffle to undo.
		if (!p || idx != i || *p++ != ' ')
			goto out;
		if (*p == '-' && p[1] == '\n') {
			tmp[i].found = false;
			tmp[i].value = 0;
			p += 1;
		} else {
			p = parse_i64(p, &tmp[i].value);
			if (!p)
				goto out;
			tmp[i].found = true;
		}
		if (*p++ != '\n')
			goto out;
	}
	// "end" proves the file was not cut short after a line boundary, and
	// nothing may follow it.
	p = expect(p, "end\n");
	if (!p || *p != '\0')
		goto out;
	memcpy(values, tmp, n * sizeof(*values));
	ok = true;
out:
	free(tmp);
	return ok;
}

bool rh_layouts_cache_read(const char *cache_dir, const char *build_id_hex,
			   uint64_t qhash, size_t n,
			   struct rh_layout_value *values)
{
	if (!cache_dir || !rh_layouts_build_id_ok(build_id_hex))
		return false;
	size_t max_size;
	if (__builtin_mul_overflow(n, (size_t)LINE_MAX_BYTES, &max_size) ||
	    __builtin_add_overflow(max_size, (size_t)HEADER_MAX_BYTES + 8,
				   &max_size))
		return false;

	char *path = rh_layouts_cache_path(cache_dir, build_id_hex, qhash);
	if (!path)
		return false;
	bool ok = false;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		goto out_path;
	struct stat st;
	// Only a regular file of plausible size: a FIFO would block us and a
	// huge file is not one we wrote.
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > max_size)
		goto out_fd;
	size_t size = (size_t)st.st_size;
	buf = malloc(size + 1);
	if (!buf)
		goto out_fd;
	size_t got = 0;
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out_fd; // shrank under us, or I/O error: recompute
		got += (size_t)r;
	}
	buf[size] = '\0';
	// An embedded NUL would end parsing early and hide trailing bytes.
	if (memchr(buf, '\0', size))
		goto out_fd;
	ok = parse_cache(buf, build_id_hex, qhash, n, values);
out_fd:
	close(fd);
out_path:
	free(buf);
	free(path);
	return ok;
}

/* mkdir -p with mode 0700 for the parts we create; true if dir is a directory. */
static bool make_dirs(const char *dir)
{
	char *copy = strdup(dir);
	if (!copy)
		return false;
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
			free(copy);
			return false;
		}
		*p = '/';
	}
	if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
		free(copy);
		return false;
	}
	free(copy);
	struct stat st;
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		buf += w;
		len -= (size_t)w;
	}
	return true;
}

bool rh_layouts_cache_write(const char *cache_dir, const char *build_id_hex,
			    uint64_t qhash, size_t n,
			    const struct rh_layout_value *values)
{
	if (!cache_dir || !*cache_dir || !rh_layouts_build_id_ok(build_id_hex))
		return false;
	if (!make_dirs(cache_dir))
		return false;

	bool ok = false;
	char *text = NULL;
	size_t text_len = 0;
	FILE *mem = open_memstream(&text, &text_len);
	if (!mem)
		return false;
	fprintf(mem, "%s %d %s %zu %016" PRIx64 "\n", RH_LAYOUTS_CACHE_MAGIC,
		RH_LAYOUTS_FORMAT_VERSION, build_id_hex, n, qhash);
	for (size_t i = 0; i < n; i++) {
		if (values[i].found)
			fprintf(mem, "%zu %" PRId64 "\n", i, values[i].value);
		else
			fprintf(mem, "%zu -\n", i);
	}
	fputs("end\n", mem);
	if (fclose(mem) != 0 || !text)
		goto out_text;

	char *path = rh_layouts_cache_path(cache_dir, build_id_hex, qhash);
	if (!path)
		goto out_text;
	char *tmp_path;
	// The temporary name starts with '.' and lives in the same directory,
	// so rename() is atomic and a reader globbing "*.layout" skips it.
	if (asprintf(&tmp_path, "%s/.%s-%016" PRIx64 ".layout.XXXXXX",
		     cache_dir, build_id_hex, qhash) < 0)
		goto out_path;
	int fd = mkstemp(tmp_path); // mode 0600
	if (fd < 0)
		goto out_tmp_path;
	bool written = write_all(fd, text, text_len);
	if (close(fd) < 0)
		written = false;
	if (!written || rename(tmp_path, path) < 0) {
		unlink(tmp_path);
		goto out_tmp_path;
	}
	ok = true;
out_tmp_path:
	free(tmp_path);
out_path:
	free(path);
out_text:
	free(text);
	return ok;
}
