/*
 * The snapshot cache: a snapshot of a core file saved to disk and mapped
 * back by the next command on the same core; see snapshot.h.
 *
 * File format (native byte order and alignment: a cache is a file of this
 * machine and this build of refheap, which its header names):
 *
 *   struct disk_header             magic, format, refheap's build, the key,
 *                                  counts, metadata, a table of sections
 *   sections, each at a page-aligned (4 KiB) offset, so that a section can
 *   be mapped over the array it was written from (adopt_section):
 *     obj_addr u64[n]  obj_type u32[n]  obj_size u32[n]  obj_refcnt u32[n]
 *     obj_gen i8[n]  obj_interp u8[n]  obj_found u8[n]
 *     big_sizes {u32 obj, u32 0, u64 size}[nbig]
 *     edge_start u32[n+1]  edges u32[nedges]
 *     index slots u32[nslots]      (util/keyindex.h's own slots over
 *                                  obj_addr: no rebuild on load)
 *     roots struct disk_root[]  types struct disk_type[]
 *     interps struct disk_interp[]  threads struct disk_thread[]
 *     problems u64[] (string offsets)
 *     strings: NUL-terminated, each name once; referred to by offset
 *
 * Loading maps the file read-only and uses the big arrays in place; only
 * the small tables (roots, types, interpreters) are converted. Every count,
 * offset, index and string is checked first: a cache file is untrusted
 * input like the core.
 */
#include "config.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "cpython/runtime.h"
#include "heap/snapshot.h"
#include "image/image.h"
#include "target/target.h"
#include "util/outfile.h"
#include "util/rangecheck.h"
#include "util/workpool.h"

#define MAGIC "RHSNAPC\0"
/* Bump when the layout below or the meaning of a snapshot field changes. */
/* 3: the address index is util/keyindex.h's slots (was u64map keys + values). */
/* 4: the header's id, which a sidecar of the analyses' results names. */
#define FORMAT_VERSION 6u
#define ENDIAN_MARK 0x01020304u
/* Section offsets: a 4 KiB page (adopt_section maps whole pages). */
#define ALIGN 4096u
/*
 * A section of BIG_MIN bytes or more starts at a 2 MiB boundary of the
 * file: its array is 2 MiB-aligned in memory (util/bigmem.h
 * rh_big_malloc), and only a file range congruent with its address can
 * be mapped over it with 2 MiB entries (adopt_section). At 4 KiB
 * boundaries the 10M benchmark's 305 MiB of adopted arrays were mapped
 * 4 KiB at a time, and the analyses then read them through a TLB entry
 * a page (issue 12).
 */
#define BIG_MIN (4u << 20)
#define BIG_ALIGN (2u << 20)
/* The smallest array handed to the page cache: a smaller one is not worth two mappings. */
#define ADOPT_MIN (1u << 20)
/* Cache files kept in the directory (most recently used). */
#define KEEP_FILES 4
#define DEFAULT_MAX_MB 4096u
/* Free space left on the file system after writing a cache file. */
#define FREE_MARGIN (256ull << 20)
/* A temporary file older than this is a leftover of a killed writer. */
#define STALE_TMP_SECONDS 3600
#define NO_STRING UINT64_MAX

/*
 * A new field in these structs must be saved and loaded below (and
 * FORMAT_VERSION bumped): these checks fail the build until the cache is
 * taught about it.
 */
// (+56: the phase timings seconds_gc_lists..seconds_native and
// seconds_paged_wait, for --stats of a snapshot just built only: not
// saved; +8: cache_writer, the thread
// writing this very file: not saved; +16: index_dropped, dropped_finds
// and type_obj, a command's lookups after rh_snapshot_drop_index: not
// saved, a file's index is never dropped; +152: adopted and nadopted,
// the arrays of a snapshot just built that went to the page cache;
// +24: cache_file, cache_id, cache_limit: cache_id is the header's id,
// the others are of this command.)
_Static_assert(sizeof(struct rh_snapshot) == 864,
	       "struct rh_snapshot changed: update heap/snapshot_cache.c");
_Static_assert(sizeof(struct rh_snap_root) == 40,
	       "struct rh_snap_root changed: update heap/snapshot_cache.c");
_Static_assert(sizeof(struct rh_snap_type) == 24,
	       "struct rh_snap_type changed: update heap/snapshot_cache.c");
_Static_assert(sizeof(struct rh_snap_interp) == 168,
	       "struct rh_snap_interp changed: update heap/snapshot_cache.c");
_Static_assert(sizeof(struct rh_snap_thread) == 24,
	       "struct rh_snap_thread changed: update heap/snapshot_cache.c");
/* big_sizes is used in place. */
/* The regions are stored as they are. */
_Static_assert(sizeof(struct rh_blockregion) == 24, "struct rh_blockregion layout");
_Static_assert(sizeof(struct rh_snap_big_size) == 16 &&
	       offsetof(struct rh_snap_big_size, size) == 8,
	       "struct rh_snap_big_size layout");

enum {
	SEC_OBJ_ADDR,
	SEC_OBJ_TYPE,
	SEC_OBJ_SIZE,
	SEC_OBJ_REFCNT,
	SEC_OBJ_GEN,
	SEC_OBJ_INTERP,
	SEC_OBJ_FOUND,
	SEC_BIG_SIZES,
	SEC_EDGE_START,
	SEC_EDGES,
	SEC_INDEX,
	SEC_ROOTS,
	SEC_TYPES,
	SEC_INTERPS,
	SEC_THREADS,
	SEC_PROBLEMS,
	SEC_STRINGS,
	SEC_BLOCK_REGIONS,
	SEC_BLOCK_SLOTS,
	SEC_OTHER_ADDR,
	SEC_OTHER_POS,
	NSECTIONS
};

struct disk_section {
	uint64_t offset, size;   /* bytes */
};

struct disk_header {
	char magic[8];
	uint32_t format;
	uint32_t header_size;
	uint32_t endian;
	uint32_t nsections;
	uint64_t tool;            /* hash of refheap's version and build-id */
	char tool_version[32];    /* PACKAGE_VERSION, for people */
	uint64_t file_size;
	/* random, new for each file written: what a sidecar names */
	uint64_t id;

	/* key */
	uint64_t core_dev, core_ino, core_size;
	int64_t core_mtime_sec, core_mtime_nsec;
	uint64_t context;
	uint64_t core_path;       /* string */
	uint8_t graph, alloc_scan, have_graph, layouts_from_cache;
	uint32_t python_version_hex;
	uint32_t debug_offsets_checked;
	int32_t pid;

	/* counts */
	uint64_t nobjects, nedges, nbig_sizes, nroots, ntypes, ninterps, nthreads;
	uint64_t nproblems, problems_dropped;
	uint64_t index_nslots, index_count;

	/* metadata strings */
	uint64_t target_name, python_version, python_module, build_id, debug_file;

	/* how long the snapshot took to build, seconds */
	double seconds_runtime, seconds_objects, seconds_graph;

	/* the GC lists' part (rh_snapshot gc_nobjects), for `summary` */
	uint32_t gc_nobjects, gc_nproblems;

	/*
	 * The index by block (rh_snapshot obj_blocks): its geometry, regions,
	 * slots and slots used, and the objects the keyindex holds (nothers,
	 * over SEC_OTHER_ADDR). With none all are zero and the keyindex holds
	 * every object.
	 */
	uint64_t block_region_size, block_overhead, block_offs[RH_BLOCKINDEX_OFFSETS];
	uint64_t block_nregions, block_nslots, block_count, nothers;
	uint8_t index_split;
	uint8_t pad_split[7];

	struct disk_section sections[NSECTIONS];
};

/* tests/integration/jobs.sh compares files written with --jobs 1 and 7 but for these bytes. */
_Static_assert(offsetof(struct disk_header, id) == 72 &&
	       offsetof(struct disk_header, seconds_runtime) == 280,
	       "the header's id or timings moved: update tests/integration/jobs.sh");
/* The header's layout is the format: regenerate tests/fuzz/seeds/snapshot_cache with it. */
_Static_assert(sizeof(struct disk_header) == 728,
	       "the header changed: bump FORMAT_VERSION, regenerate the fuzz seeds");

struct disk_root {
	uint32_t obj;
	uint32_t name;            /* string offset */
	uint64_t where;
	int64_t thread;
	uint8_t kind, conservative, owned, secondary;
	uint8_t pad[4];
};

struct disk_type {
	uint64_t addr;
	uint32_t name;
	uint8_t size_exact;
	uint8_t pad[3];
};

struct disk_interp {
	uint64_t addr;
	int64_t id;
	uint64_t gc_owner;
	uint64_t first_thread, nthreads;
	uint8_t main, enabled, collecting, have_long_lived, runtime_wide;
	uint8_t model;
	int8_t visited_space, phase;
	int64_t work_to_do, heap_size;
	int64_t threshold[RH_SNAP_NGENS], count[RH_SNAP_NGENS];
	int64_t garbage_len;
	uint64_t garbage_addr;
	int64_t long_lived_total, long_lived_pending;
};

struct disk_thread {
	uint64_t addr, thread_id;
	int64_t native_thread_id;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------------ */
/* Hashing and refheap's own identity                                  */

struct hash {
	uint64_t h;
};

static void hash_bytes(struct hash *h, const void *p, size_t len)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < len; i++) {
		h->h ^= b[i];
		h->h *= 0x100000001b3ULL;
	}
}

static void hash_u64(struct hash *h, uint64_t v)
{
	hash_bytes(h, &v, sizeof(v));
}

/* A string and its end (so "ab","c" and "a","bc" differ); NULL differs from "". */
static void hash_str(struct hash *h, const char *s)
{
	if (!s) {
		hash_u64(h, 0x6e756c6cULL);
		return;
	}
	size_t len = strlen(s);
	hash_u64(h, len);
	hash_bytes(h, s, len);
}

static void hash_init(struct hash *h)
{
	h->h = 0xcbf29ce484222325ULL;
}

struct self_id {
	struct hash h;
	bool found;
};

/* The main program's NT_GNU_BUILD_ID note, from its loaded headers. */
static int self_build_id(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct self_id *id = arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		size_t left = ph->p_memsz;
		while (left >= sizeof(ElfW(Nhdr))) {
			const ElfW(Nhdr) *n = (const void *)p;
			size_t namesz = (n->n_namesz + 3u) & ~(size_t)3;
			size_t descsz = (n->n_descsz + 3u) & ~(size_t)3;
			if (namesz > left - sizeof(*n) || descsz > left - sizeof(*n) - namesz)
				break;
			const unsigned char *name = p + sizeof(*n);
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0) {
				hash_bytes(&id->h, name + namesz, n->n_descsz);
				id->found = true;
				return 1;
			}
			p += sizeof(*n) + namesz + descsz;
			left -= sizeof(*n) + namesz + descsz;
		}
	}
	// Without a build-id, the program's executable segments stand for it.
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			hash_bytes(&id->h, (const void *)(info->dlpi_addr + ph->p_vaddr),
				   ph->p_filesz);
			id->found = true;
		}
	}
	return 1;   /* the first object is the main program */
}

/*
 * Which build of refheap writes and reads: its version, the format, and
 * the build-id of the running program, so that a rebuilt refheap (whose
 * snapshot code may differ) never reads an older one's files.
 */
static uint64_t tool_hash(void)
{
	static uint64_t cached;
	if (cached)
		return cached;
	struct self_id id;
	hash_init(&id.h);
	id.found = false;
	hash_str(&id.h, PACKAGE_VERSION);
	hash_u64(&id.h, FORMAT_VERSION);
	hash_u64(&id.h, sizeof(struct disk_header));
	dl_iterate_phdr(self_build_id, &id);
	cached = id.h.h ? id.h.h : 1;
	return cached;
}

/* ------------------------------------------------------------------ */
/* Releasing                                                           */

static void writer_join(struct rh_snapshot *s);

/*
 * The arrays handed to the page cache (adopt_section) become anonymous
 * memory again before they go back to malloc: glibc may later madvise a
 * freed range away and count on reading zeros, where a private file
 * mapping would read the file again. Their bytes are not needed any more.
 * An array whose pages cannot be replaced (no memory for the mapping) is
 * left mapped and never freed: the snapshot forgets it.
 */
static void unadopt(struct rh_snapshot *s)
{
	for (unsigned i = 0; i < s->nadopted && i < RH_SNAP_ADOPT_MAX; i++) {
		struct rh_snap_adopted *ad = &s->adopted[i];
		if (mmap(*ad->field, ad->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
			*ad->field = NULL;
	}
	s->nadopted = 0;
}

void rh_snapshot_cache_release(struct rh_snapshot *s)
{
	if (!s)
		return;
	// The writer reads the arrays about to be freed or unmapped.
	writer_join(s);
	unadopt(s);
	if (!s->cache_map)
		return;
	munmap(s->cache_map, s->cache_map_len);
	s->cache_map = NULL;
	s->cache_map_len = 0;
	// What pointed into the mapping; the rest is the snapshot's own.
	s->obj_addr = NULL;
	s->obj_type = NULL;
	s->obj_size = NULL;
	s->obj_refcnt = NULL;
	s->obj_gen = NULL;
	s->obj_interp = NULL;
	s->obj_found = NULL;
	s->big_sizes = NULL;
	s->edge_start = NULL;
	s->edges = NULL;
	memset(&s->obj_index, 0, sizeof(s->obj_index));
	// Its region table is the snapshot's own; its slots were mapped.
	rh_blockindex_deinit(&s->obj_blocks);
	if (s->others_mapped) {
		s->other_addr = NULL;
		s->other_pos = NULL;
		s->nothers = s->others_cap = 0;
		s->others_mapped = false;
	}
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */

/* The string table being built: each distinct pointer once. */
struct strtab {
	char *buf;
	size_t len, cap;
	struct rh_u64map seen;   /* pointer -> offset */
	bool nomem, full;
};

static uint64_t str_add(struct strtab *st, const char *s)
{
	if (!s)
		return NO_STRING;
	uint32_t off;
	if (rh_u64map_find(&st->seen, (uint64_t)(uintptr_t)s, &off))
		return off;
	size_t n = strlen(s) + 1;
	if (st->len + n > UINT32_MAX) {
		st->full = true;
		return NO_STRING;
	}
	if (st->len + n > st->cap) {
		size_t cap = st->cap ? st->cap : 4096;
		while (cap < st->len + n)
			cap *= 2;
		char *p = realloc(st->buf, cap);
		if (!p) {
			st->nomem = true;
			return NO_STRING;
		}
		st->buf = p;
		st->cap = cap;
	}
	off = (uint32_t)st->len;
	memcpy(st->buf + st->len, s, n);
	st->len += n;
	if (rh_u64map_insert(&st->seen, (uint64_t)(uintptr_t)s, off, NULL) < 0)
		st->nomem = true;
	return off;
}

struct section_data {
	const void *data;
	uint64_t size;
};

/*
 * A new file in dir with no name: O_TMPFILE, or where the file system
 * lacks it a temporary name removed at once. -1 with errno on failure.
 */
static int unnamed_file(const char *dir)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	char *tmp;
	if (asprintf(&tmp, "%s/.unnamed.XXXXXX", dir) < 0) {
		errno = ENOMEM;
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd >= 0)
		unlink(tmp);
	free(tmp);
	return fd;
}

/*
 * Called once the file holds the index, which may then be let go
 * (WRITTEN_INDEX), and once the arrays went to the page cache
 * (WRITTEN_ARRAYS, adopt_section).
 */
enum { WRITTEN_INDEX, WRITTEN_ARRAYS };
typedef void written_fn(void *arg, int what);

/*
 * Hand one array of the snapshot, just written to the cache file at off,
 * to the page cache: a private mapping of the file over the array's whole
 * pages, at the same address (MAP_FIXED), so that every pointer into it
 * stays valid and reads the same bytes. The anonymous pages go back to the
 * kernel; the file's pages can be dropped under memory pressure and read
 * again, where anonymous memory needs RAM or swap. The object and edge
 * arrays are 34 bytes an object of the 45.8 a cold `gc` peaked at on the
 * 10M-object benchmark, and the analyses come on top of them (issue 12).
 * Other threads reading the array meanwhile see the same bytes: the kernel
 * swaps the mappings under its lock, and a fault waits for it.
 *
 * The file is mapped once elsewhere first, so a file system that cannot
 * map it fails there, before MAP_FIXED has let the old pages go, and
 * there must be room for the mappings it splits (vm.max_map_count). Should
 * MAP_FIXED fail all the same (the kernel out of memory for one more
 * mapping), the array is made again, anonymous, from that first mapping;
 * the library cannot stop the command if even that fails, so it tries
 * again for a while.
 *
 * Only whole pages of a page-aligned array, from its start: rh_big_malloc
 * gives whole pages from 1 MiB (ADOPT_MIN), and a smaller array stays as
 * it is.
 * The reserved room past the used part (a touched huge page is resident
 * whole) goes with MADV_DONTNEED: nothing reads past nobjects or nedges.
 *
 * A write error the kernel reports only after pwrite returned (at
 * writeback) could make these pages read back other bytes; the cache file
 * read by the next command trusts the same write.
 */
static void adopt_section(struct rh_snapshot *s, int fd, void **field, uint64_t used,
			  uint64_t cap, uint64_t off)
{
	const uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)*field;
	uint64_t len = used & ~(page - 1);
	if (!a || a % page || off % page || len < ADOPT_MIN || len > SIZE_MAX ||
	    s->nadopted >= RH_SNAP_ADOPT_MAX)
		return;
	if (!rh_target_self_map_room(3))
		return;
	void *first = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, fd, (off_t)off);
	if (first == MAP_FAILED)
		return;
	void *m = mmap((void *)a, (size_t)len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
		       fd, (off_t)off);
	if (m == MAP_FAILED) {
		for (int tries = 0; tries < 1000; tries++) {
			m = mmap((void *)a, (size_t)len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			if (m != MAP_FAILED)
				break;
			const struct timespec ms = { 0, 1000 * 1000 };
			nanosleep(&ms, NULL);
		}
		if (m != MAP_FAILED)
			memcpy(m, first, (size_t)len);
		munmap(first, (size_t)len);
		return;
	}
	munmap(first, (size_t)len);
	s->adopted[s->nadopted++] = (struct rh_snap_adopted){ field, (size_t)len };
	uint64_t lo = (used + page - 1) & ~(page - 1), hi = cap & ~(page - 1);
	if (hi > lo)
		(void)madvise((void *)(a + lo), (size_t)(hi - lo), MADV_DONTNEED);
}

static struct rh_error *cache_write(const struct rh_snapshot *s,
				    const struct rh_snapshot_cache_key *key,
				    const char *path, uint64_t max_bytes,
				    written_fn *written, void *arg,
				    struct rh_snapshot *adopt, bool unnamed);

struct rh_error *rh_snapshot_cache_write(const struct rh_snapshot *s,
					 const struct rh_snapshot_cache_key *key,
					 const char *path, uint64_t max_bytes)
{
	return cache_write(s, key, path, max_bytes, NULL, NULL, NULL, false);
}

enum rh_snap_paging rh_snapshot_paged(const struct rh_snapshot *s, unsigned *arrays_ret,
				      uint64_t *bytes_ret)
{
	*arrays_ret = 0;
	*bytes_ret = 0;
	if (s->cache_writer)
		return RH_SNAP_MOVING;   /* adopted[] is the writer's until joined */
	if (s->from_cache)
		return RH_SNAP_PAGED;
	for (unsigned i = 0; i < s->nadopted && i < RH_SNAP_ADOPT_MAX; i++)
		*bytes_ret += s->adopted[i].len;
	*arrays_ret = s->nadopted;
	return s->nadopted ? RH_SNAP_PAGED : RH_SNAP_ANONYMOUS;
}

/*
 * Write s to path. adopt, when not NULL, is s itself: each object and edge
 * array is handed to the page cache as soon as it is written
 * (adopt_section). unnamed: path is a directory, and the file is made
 * there with no name, only for adopt (no index: nothing reads it back);
 * it goes with the last mapping, however refheap exits.
 */
static struct rh_error *cache_write(const struct rh_snapshot *s,
				    const struct rh_snapshot_cache_key *key,
				    const char *path, uint64_t max_bytes,
				    written_fn *written, void *arg,
				    struct rh_snapshot *adopt, bool unnamed)
{
	// A snapshot without the graph (`summary`'s) has no edges or roots,
	// and an edge_start of zeros (rh_snapshot_load_or_create).
	if (!s->edge_start || s->have_graph != key->graph ||
	    (!s->have_graph && (s->nedges || s->nroots || key->alloc_scan)))
		return rh_error_create(RH_ERR_LIMIT, "the snapshot is not what its key says");
	if (!key->core_path)
		return rh_error_create(RH_ERR_INVALID_ARGUMENT, "no core path for the snapshot cache");
	bool split = s->other_addr != NULL;
	if ((split ? s->obj_index.count != s->nothers ||
			     s->obj_blocks.count + s->nothers != s->nobjects :
		     s->obj_index.count != s->nobjects) ||
	    s->nedges > UINT32_MAX)
		return rh_error_create(RH_ERR_LIMIT, "the snapshot's index does not match its objects");

	struct rh_error *err = NULL;
	struct strtab st = { 0 };
	rh_u64map_init(&st.seen);
	struct disk_root *roots = calloc(s->nroots ? s->nroots : 1, sizeof(*roots));
	struct disk_type *types = calloc(s->ntypes ? s->ntypes : 1, sizeof(*types));
	struct disk_interp *interps = calloc(s->ninterps ? s->ninterps : 1, sizeof(*interps));
	struct rh_snap_big_size *big = calloc(s->nbig_sizes ? s->nbig_sizes : 1, sizeof(*big));
	uint64_t *problems = calloc(s->problems.count ? s->problems.count : 1, sizeof(*problems));
	size_t nthreads = 0;
	for (size_t i = 0; i < s->ninterps; i++)
		nthreads += s->interps[i].nthreads;
	struct disk_thread *threads = calloc(nthreads ? nthreads : 1, sizeof(*threads));
	struct disk_header *h = calloc(1, sizeof(*h));
	char *tmp = NULL;
	int fd = -1;
	if (!roots || !types || !interps || !big || !problems || !threads || !h)
		goto nomem;

	memcpy(h->magic, MAGIC, sizeof(h->magic));
	h->format = FORMAT_VERSION;
	h->header_size = sizeof(*h);
	h->endian = ENDIAN_MARK;
	h->nsections = NSECTIONS;
	h->tool = tool_hash();
	snprintf(h->tool_version, sizeof(h->tool_version), "%s", PACKAGE_VERSION);
	h->id = s->cache_id;
	h->core_dev = key->dev;
	h->core_ino = key->ino;
	h->core_size = key->size;
	h->core_mtime_sec = key->mtime_sec;
	h->core_mtime_nsec = key->mtime_nsec;
	h->context = key->context;
	h->graph = key->graph;
	h->alloc_scan = key->alloc_scan;
	h->have_graph = s->have_graph;
	h->layouts_from_cache = s->layouts_from_cache;
	h->python_version_hex = s->python_version_hex;
	h->debug_offsets_checked = s->debug_offsets_checked;
	h->pid = s->pid;
	h->nobjects = s->nobjects;
	h->nedges = s->nedges;
	h->nbig_sizes = s->nbig_sizes;
	h->nroots = s->nroots;
	h->ntypes = s->ntypes;
	h->ninterps = s->ninterps;
	h->nthreads = nthreads;
	h->nproblems = s->problems.count;
	h->problems_dropped = s->problems.dropped;
	h->index_nslots = s->obj_index.nslots;
	h->index_count = s->obj_index.count;
	if (split) {
		const struct rh_blockindex *b = &s->obj_blocks;
		h->index_split = 1;
		h->block_region_size = b->g.region_size;
		h->block_overhead = b->g.overhead;
		memcpy(h->block_offs, b->g.offs, sizeof(h->block_offs));
		h->block_nregions = b->nregions;
		h->block_nslots = b->nslots;
		h->block_count = b->count;
		h->nothers = s->nothers;
	}
	h->seconds_runtime = s->seconds_runtime;
	h->seconds_objects = s->seconds_objects;
	h->seconds_graph = s->seconds_graph;
	h->gc_nobjects = s->gc_nobjects;
	h->gc_nproblems = s->gc_nproblems;

	h->core_path = str_add(&st, key->core_path);
	h->target_name = str_add(&st, s->target_name);
	h->python_version = str_add(&st, s->python_version);
	h->python_module = str_add(&st, s->python_module);
	h->build_id = str_add(&st, s->build_id);
	h->debug_file = str_add(&st, s->debug_file);
	for (size_t i = 0; i < s->nroots; i++) {
		const struct rh_snap_root *r = &s->roots[i];
		roots[i] = (struct disk_root){
			.obj = r->obj, .name = (uint32_t)str_add(&st, r->name ? r->name : ""),
			.where = r->where, .thread = r->thread, .kind = r->kind,
			.conservative = r->conservative, .owned = r->owned,
			.secondary = r->secondary,
		};
	}
	for (uint32_t i = 0; i < s->ntypes; i++)
		types[i] = (struct disk_type){
			.addr = s->types[i].addr,
			.name = (uint32_t)str_add(&st, s->types[i].name ? s->types[i].name : ""),
			.size_exact = s->types[i].size_exact,
		};
	size_t k = 0;
	for (size_t i = 0; i < s->ninterps; i++) {
		const struct rh_snap_interp *in = &s->interps[i];
		struct disk_interp *d = &interps[i];
		d->addr = in->addr;
		d->id = in->id;
		d->gc_owner = in->gc_owner;
		d->first_thread = k;
		d->nthreads = in->nthreads;
		d->main = in->main;
		d->enabled = in->gc.enabled;
		d->collecting = in->gc.collecting;
		d->have_long_lived = in->gc.have_long_lived;
		d->runtime_wide = in->gc.runtime_wide;
		d->model = in->gc.model;
		d->visited_space = in->gc.visited_space;
		d->phase = in->gc.phase;
		d->work_to_do = in->gc.work_to_do;
		d->heap_size = in->gc.heap_size;
		for (int g = 0; g < RH_SNAP_NGENS; g++) {
			d->threshold[g] = in->gc.gens[g].threshold;
			d->count[g] = in->gc.gens[g].count;
		}
		d->garbage_len = in->gc.garbage_len;
		d->garbage_addr = in->gc.garbage_addr;
		d->long_lived_total = in->gc.long_lived_total;
		d->long_lived_pending = in->gc.long_lived_pending;
		for (size_t j = 0; j < in->nthreads; j++, k++)
			threads[k] = (struct disk_thread){
				.addr = in->threads[j].addr,
				.thread_id = in->threads[j].thread_id,
				.native_thread_id = in->threads[j].native_thread_id,
			};
	}
	for (size_t i = 0; i < s->nbig_sizes; i++) {
		big[i].obj = s->big_sizes[i].obj;
		big[i].size = s->big_sizes[i].size;
	}
	for (size_t i = 0; i < s->problems.count; i++)
		problems[i] = str_add(&st, s->problems.messages[i]);
	if (st.nomem)
		goto nomem;
	if (st.full) {
		err = rh_error_create(RH_ERR_LIMIT, "the snapshot's names exceed 4 GiB");
		goto out;
	}

	uint64_t n = s->nobjects;
	struct section_data secs[NSECTIONS] = {
		[SEC_OBJ_ADDR] = { s->obj_addr, n * 8 },
		[SEC_OBJ_TYPE] = { s->obj_type, n * 4 },
		[SEC_OBJ_SIZE] = { s->obj_size, n * 4 },
		[SEC_OBJ_REFCNT] = { s->obj_refcnt, n * 4 },
		[SEC_OBJ_GEN] = { s->obj_gen, n },
		[SEC_OBJ_INTERP] = { s->obj_interp, n },
		[SEC_OBJ_FOUND] = { s->obj_found, n },
		[SEC_BIG_SIZES] = { big, s->nbig_sizes * sizeof(*big) },
		[SEC_EDGE_START] = { s->edge_start, (n + 1) * 4 },
		[SEC_EDGES] = { s->edges, s->nedges * 4 },
		// Empty slots are zero (util/keyindex.c writes them): the file
		// holds only what the snapshot says.
		[SEC_INDEX] = { s->obj_index.slots, (uint64_t)s->obj_index.nslots * 4 },
		[SEC_ROOTS] = { roots, s->nroots * sizeof(*roots) },
		[SEC_TYPES] = { types, (uint64_t)s->ntypes * sizeof(*types) },
		[SEC_INTERPS] = { interps, s->ninterps * sizeof(*interps) },
		[SEC_THREADS] = { threads, nthreads * sizeof(*threads) },
		[SEC_PROBLEMS] = { problems, s->problems.count * sizeof(*problems) },
		[SEC_STRINGS] = { st.buf, st.len },
		[SEC_BLOCK_REGIONS] = { s->obj_blocks.regions,
					s->obj_blocks.nregions * sizeof(struct rh_blockregion) },
		[SEC_BLOCK_SLOTS] = { s->obj_blocks.slots, s->obj_blocks.nslots * 4 },
		[SEC_OTHER_ADDR] = { s->other_addr, (uint64_t)s->nothers * 8 },
		[SEC_OTHER_POS] = { s->other_pos, (uint64_t)s->nothers * 4 },
	};
	// The index's parts, written first (below).
	static const bool index_part[NSECTIONS] = {
		[SEC_INDEX] = true, [SEC_BLOCK_REGIONS] = true, [SEC_BLOCK_SLOTS] = true,
		[SEC_OTHER_ADDR] = true, [SEC_OTHER_POS] = true,
	};
	if (unnamed)
		for (int i = 0; i < NSECTIONS; i++)
			if (index_part[i])
				secs[i].size = 0;
	uint64_t off = (sizeof(*h) + ALIGN - 1) & ~(uint64_t)(ALIGN - 1);
	for (int i = 0; i < NSECTIONS; i++) {
		if (secs[i].size >= BIG_MIN)
			off = (off + BIG_ALIGN - 1) & ~(uint64_t)(BIG_ALIGN - 1);
		h->sections[i].offset = off;
		h->sections[i].size = secs[i].size;
		off = (off + secs[i].size + ALIGN - 1) & ~(uint64_t)(ALIGN - 1);
	}
	h->file_size = off;
	if (max_bytes && off > max_bytes) {
		err = rh_error_create(RH_ERR_LIMIT,
				      "the snapshot file would take %" PRIu64 " MiB, more than "
				      "the %" PRIu64 " MiB allowed (REFHEAP_SNAPSHOT_CACHE_MAX_MB)",
				      off >> 20, max_bytes >> 20);
		goto out;
	}

	if (unnamed) {
		fd = unnamed_file(path);
		if (fd < 0) {
			err = rh_error_os(errno, path, "cannot create a file in %s", path);
			goto out;
		}
		goto created;
	}
	// A temporary name starting with '.' in the same directory: rename()
	// is atomic, and a reader never sees half a file.
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path) : 1;
	const char *dir = slash ? path : ".";
	if (asprintf(&tmp, "%.*s/.%s.XXXXXX", dirlen, dir, slash ? slash + 1 : path) < 0) {
		tmp = NULL;
		goto nomem;
	}
	fd = mkstemp(tmp);   /* mode 0600 */
	if (fd < 0) {
		err = rh_error_os(errno, tmp, "cannot create the snapshot cache file %s", tmp);
		free(tmp);
		tmp = NULL;
		goto out;
	}
created:;
	// What the messages name: the temporary file, or the directory of
	// an unnamed one.
	const char *name = tmp ? tmp : path;
	// Reserve the space first: a full disk fails here, not mid-write.
	int e = posix_fallocate(fd, 0, (off_t)off);
	if (e != 0 && e != EOPNOTSUPP && e != EINVAL) {
		err = rh_error_os(e, name, "cannot reserve %" PRIu64 " MiB for %s", off >> 20, name);
		goto out;
	}
	// Every part at its offset; the file has its full size first, so
	// the alignment gaps between sections read as zeros.
	bool ok = ftruncate(fd, (off_t)off) == 0 && rh_pwrite_all(fd, h, sizeof(*h), 0);
	// The index first: the command may be waiting to let it go
	// (rh_snapshot_drop_index) while the rest is written.
	for (int i = 0; ok && i < NSECTIONS; i++)
		if (index_part[i] && secs[i].size)
			ok = rh_pwrite_all(fd, secs[i].data, secs[i].size, h->sections[i].offset);
	if (ok && written) {
		written(arg, WRITTEN_INDEX);
		// Tests make the writer late, to see that the analyses wait
		// for the arrays (tests/integration/page_cache.sh).
		const char *delay = getenv("REFHEAP_TEST_WRITER_DELAY_MS");
		long ms = delay ? strtol(delay, NULL, 10) : 0;
		if (ms > 0 && ms <= 10000) {
			const struct timespec d = { ms / 1000, (ms % 1000) * 1000000L };
			nanosleep(&d, NULL);
		}
	}
	// The arrays the page cache can take, with the room reserved for
	// them (bytes).
	void **field[NSECTIONS] = { 0 };
	uint64_t cap[NSECTIONS] = { 0 };
	if (adopt) {
		uint64_t oc = adopt->objects_cap;
		field[SEC_OBJ_ADDR] = (void **)&adopt->obj_addr, cap[SEC_OBJ_ADDR] = oc * 8;
		field[SEC_OBJ_TYPE] = (void **)&adopt->obj_type, cap[SEC_OBJ_TYPE] = oc * 4;
		field[SEC_OBJ_SIZE] = (void **)&adopt->obj_size, cap[SEC_OBJ_SIZE] = oc * 4;
		field[SEC_OBJ_REFCNT] = (void **)&adopt->obj_refcnt, cap[SEC_OBJ_REFCNT] = oc * 4;
		field[SEC_OBJ_GEN] = (void **)&adopt->obj_gen, cap[SEC_OBJ_GEN] = oc;
		field[SEC_OBJ_INTERP] = (void **)&adopt->obj_interp, cap[SEC_OBJ_INTERP] = oc;
		field[SEC_OBJ_FOUND] = (void **)&adopt->obj_found, cap[SEC_OBJ_FOUND] = oc;
		// edge_start's room is not kept: only its used part.
		field[SEC_EDGE_START] = (void **)&adopt->edge_start;
		field[SEC_EDGES] = (void **)&adopt->edges, cap[SEC_EDGES] = adopt->edges_cap * 4;
	}
	// The biggest arrays first: what goes to the page cache first leaves
	// room soonest for the analyses running meanwhile. The file is the
	// same in any order.
	static const int order[NSECTIONS] = {
		SEC_EDGES, SEC_OBJ_ADDR, SEC_EDGE_START, SEC_OBJ_TYPE, SEC_OBJ_SIZE,
		SEC_OBJ_REFCNT, SEC_OBJ_GEN, SEC_OBJ_INTERP, SEC_OBJ_FOUND, SEC_BIG_SIZES,
		SEC_INDEX, SEC_ROOTS, SEC_TYPES, SEC_INTERPS, SEC_THREADS, SEC_PROBLEMS,
		SEC_STRINGS, SEC_BLOCK_REGIONS, SEC_BLOCK_SLOTS, SEC_OTHER_ADDR, SEC_OTHER_POS,
	};
	for (int w = 0; ok && w < NSECTIONS; w++) {
		int i = order[w];
		if (index_part[i] || !secs[i].size)
			continue;
		ok = rh_pwrite_all(fd, secs[i].data, secs[i].size, h->sections[i].offset);
		if (ok && field[i])
			adopt_section(adopt, fd, field[i], secs[i].size,
				      cap[i] > secs[i].size ? cap[i] : secs[i].size,
				      h->sections[i].offset);
	}
	if (ok && written)
		written(arg, WRITTEN_ARRAYS);
	if (!ok) {
		err = rh_error_os(errno, name, "cannot write the snapshot cache file %s", name);
		goto out;
	}
	// Its pages read once, for the next command (util/outfile.h); last,
	// so that the arrays went to the page cache first (adopt_section:
	// touching each section as written kept them in memory longer, the
	// peak of a cold `leaks` at 10M rose from 47.5 to 49.5-54.2 bytes an
	// object). An unnamed file has no next command.
	if (!unnamed)
		rh_file_touch_pages(fd, 0, off);
	int fdc = fd;
	fd = -1;
	if (close(fdc) < 0) {
		err = rh_error_os(errno, name, "cannot write the snapshot cache file %s", name);
		goto out;
	}
	if (unnamed)
		goto out;   /* the mappings hold it */
	if (rename(tmp, path) < 0) {
		err = rh_error_os(errno, path, "cannot rename %s to %s", tmp, path);
		goto out;
	}
	free(tmp);
	tmp = NULL;
	goto out;

nomem:
	err = rh_enomem;
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(h);
	free(threads);
	free(problems);
	free(big);
	free(interps);
	free(types);
	free(roots);
	free(st.buf);
	rh_u64map_deinit(&st.seen);
	return err;
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */

struct reader {
	const unsigned char *base;
	uint64_t size;
	const struct disk_header *h;
	const char *strings;
	uint64_t strings_size;
	const char *path;
};

__attribute__((format(printf, 2, 3)))
static struct rh_error *corrupt(const struct reader *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return rh_error_create(RH_ERR_BAD_DATA, "snapshot cache file %s is corrupt: %s",
			       r->path, msg);
}

/* Section i, which must hold count elements of elem bytes: its address (NULL if empty). */
static struct rh_error *section(const struct reader *r, int i, uint64_t elem,
				uint64_t count, const void **ret)
{
	static const char *const names[NSECTIONS] = {
		"obj_addr", "obj_type", "obj_size", "obj_refcnt", "obj_gen",
		"obj_interp", "obj_found", "big_sizes", "edge_start", "edges",
		"index", "roots", "types", "interpreters",
		"threads", "problems", "strings", "block regions", "block slots",
		"other addresses", "other positions",
	};
	const struct disk_section *sec = &r->h->sections[i];
	uint64_t want;
	if (__builtin_mul_overflow(elem, count, &want) || sec->size != want)
		return corrupt(r, "section %s has %" PRIu64 " bytes, not %" PRIu64 " x %" PRIu64,
			       names[i], sec->size, count, elem);
	if (sec->offset % 8)
		return corrupt(r, "section %s is at %" PRIu64 ", not 8-byte aligned",
			       names[i], sec->offset);
	if (sec->offset < sizeof(*r->h) || sec->offset > r->size ||
	    sec->size > r->size - sec->offset)
		return corrupt(r, "section %s (%" PRIu64 " bytes at %" PRIu64
			       ") is not inside the file of %" PRIu64 " bytes",
			       names[i], sec->size, sec->offset, r->size);
	*ret = sec->size ? r->base + sec->offset : NULL;
	return NULL;
}

/* String at offset off of the string table; NULL for NO_STRING when allowed. */
static struct rh_error *string(const struct reader *r, uint64_t off, bool optional,
			       const char *what, const char **ret)
{
	if (off == NO_STRING && optional) {
		*ret = NULL;
		return NULL;
	}
	if (off >= r->strings_size || !memchr(r->strings + off, '\0', r->strings_size - off))
		return corrupt(r, "%s: string offset %" PRIu64 " is not a string", what, off);
	*ret = r->strings + off;
	return NULL;
}

static struct rh_error *check_header(const struct reader *r,
				     const struct rh_snapshot_cache_key *key)
{
	const struct disk_header *h = r->h;
	if (r->size < sizeof(*h) || memcmp(h->magic, MAGIC, sizeof(h->magic)) != 0)
		return corrupt(r, "no snapshot cache header");
	// Another format or another build of refheap: stale, not corrupt.
	if (h->format != FORMAT_VERSION || h->header_size != sizeof(*h) ||
	    h->endian != ENDIAN_MARK || h->nsections != NSECTIONS || h->tool != tool_hash())
		return rh_error_create(RH_ERR_NOT_FOUND,
				       "snapshot cache file %s was written by another build of refheap",
				       r->path);
	if (h->file_size != r->size)
		return corrupt(r, "the file has %" PRIu64 " bytes, its header says %" PRIu64,
			       r->size, h->file_size);
	if (key && (h->core_dev != key->dev || h->core_ino != key->ino ||
		    h->core_size != key->size || h->core_mtime_sec != key->mtime_sec ||
		    h->core_mtime_nsec != key->mtime_nsec || h->context != key->context ||
		    h->graph != key->graph || h->alloc_scan != key->alloc_scan))
		return rh_error_create(RH_ERR_NOT_FOUND,
				       "snapshot cache file %s is of another core", r->path);
	if (h->graph > 1 || h->have_graph != h->graph ||
	    (!h->graph && (h->nedges || h->nroots || h->alloc_scan)))
		return corrupt(r, "its reference graph is not what its key says");
	// Split: the blocks' slots hold block_count objects, the keyindex
	// the other nothers; else the keyindex holds them all.
	bool split_ok = h->index_split == 1 && h->index_count == h->nothers &&
			h->nothers <= h->nobjects && h->block_count == h->nobjects - h->nothers &&
			h->block_count <= h->block_nslots && h->block_nregions <= h->block_nslots;
	bool whole_ok = h->index_split == 0 && h->index_count == h->nobjects && !h->nothers &&
			!h->block_nregions && !h->block_nslots && !h->block_count &&
			!h->block_region_size && !h->block_overhead && !h->block_offs[0] &&
			!h->block_offs[1] && !h->block_offs[2];
	static const uint8_t zero_pad[sizeof(h->pad_split)];
	if (h->nobjects > RH_SNAP_MAX_OBJECTS || h->nedges > UINT32_MAX ||
	    h->ntypes > UINT32_MAX || !(split_ok || whole_ok) ||
	    memcmp(h->pad_split, zero_pad, sizeof(zero_pad)) ||
	    (h->index_nslots <= h->index_count && h->index_nslots != 0) ||
	    (h->index_count && !h->index_nslots) || (h->nobjects && !h->ntypes) ||
	    h->nbig_sizes > h->nobjects ||
	    (h->gc_nobjects != RH_SNAP_NO_GC_PREFIX &&
	     (h->gc_nobjects > h->nobjects || h->gc_nproblems > h->nproblems)))
		return corrupt(r, "impossible counts (%" PRIu64 " objects, %" PRIu64 " edges, %"
			       PRIu64 " types, %" PRIu64 " index slots)",
			       h->nobjects, h->nedges, h->ntypes, h->index_nslots);
	return NULL;
}

/*
 * The checks of the big arrays, in chunks run on both cores: on the
 * 10M-object benchmark they read 210 MB of a 389 MB file, and took 30-50
 * ms of a warm command's 0.11-0.16 s on one (issue 12 item 4). Each chunk
 * only says whether it found something wrong (and how many index slots
 * it saw used); the message comes from a pass on one thread.
 */
#define CHECK_CHUNK (1u << 20)

struct check_task {
	const struct rh_snapshot *s;
	uint32_t ninterp;
	uint32_t obj_tasks, start_tasks, edge_tasks, index_tasks, block_tasks, other_tasks;
	size_t index_count;   /* what the keyindex holds (snapshot.h obj_index) */
	bool *bad;          /* one per task */
	size_t *used;       /* one per index task, then one per block task */
};

static void check_chunk(void *arg, uint32_t task)
{
	const struct check_task *c = arg;
	const struct rh_snapshot *s = c->s;
	uint32_t n = s->nobjects, k = task;
	uint32_t bad = 0;
	if (k < c->obj_tasks) {
		uint64_t lo = (uint64_t)k * CHECK_CHUNK, hi = lo + CHECK_CHUNK < n ? lo + CHECK_CHUNK : n;
		bad = rh_u32_any_ge(s->obj_type + lo, hi - lo, UINT32_MAX, s->ntypes);
		// The same sign-bit comparisons as util/rangecheck.h, on
		// bytes: gen + 1 in 0 .. RH_SNAP_GEN_PERMANENT + 1, the
		// interpreter below ninterp (1..256).
		uint32_t acc = 0;
		uint64_t i = lo;
		for (; i + RH_CHECK_BLOCK <= hi; i += RH_CHECK_BLOCK) {
			uint32_t a = 0;
			for (unsigned j = 0; j < RH_CHECK_BLOCK; j++) {
				a |= (uint32_t)(RH_SNAP_GEN_PERMANENT + 1) -
				     (uint8_t)(s->obj_gen[i + j] + 1);
				a |= c->ninterp - 1 - s->obj_interp[i + j];
			}
			acc |= a;
		}
		for (; i < hi; i++) {
			acc |= (uint32_t)(RH_SNAP_GEN_PERMANENT + 1) - (uint8_t)(s->obj_gen[i] + 1);
			acc |= c->ninterp - 1 - s->obj_interp[i];
		}
		bad |= acc >> 31;
	} else if ((k -= c->obj_tasks) < c->start_tasks) {
		uint64_t lo = (uint64_t)k * CHECK_CHUNK, hi = lo + CHECK_CHUNK < n ? lo + CHECK_CHUNK : n;
		bad = rh_u32_any_decrease(s->edge_start + lo, hi - lo);
	} else if ((k -= c->start_tasks) < c->edge_tasks) {
		uint64_t lo = (uint64_t)k * CHECK_CHUNK;
		uint64_t hi = lo + CHECK_CHUNK < s->nedges ? lo + CHECK_CHUNK : s->nedges;
		bad = rh_u32_any_ge(s->edges + lo, hi - lo, RH_EDGE_INDEX_MASK, n);
	} else if ((k -= c->edge_tasks) < c->index_tasks) {
		bool b = false;
		c->used[k] = rh_keyindex_check_slots(&s->obj_index, c->index_count,
						     (size_t)k * CHECK_CHUNK,
						     (size_t)(k + 1) * CHECK_CHUNK, &b);
		bad |= b;
	} else if ((k -= c->index_tasks) < c->block_tasks) {
		bool b = false;
		const struct rh_blockindex *x = &s->obj_blocks;
		c->used[c->index_tasks + k] =
			rh_blockindex_check_slots(x->slots, x->nslots, n, (uint64_t)k * CHECK_CHUNK,
						  (uint64_t)(k + 1) * CHECK_CHUNK, &b);
		bad |= b;
	} else {
		k -= c->block_tasks;
		uint64_t lo = (uint64_t)k * CHECK_CHUNK;
		uint64_t hi = lo + CHECK_CHUNK < s->nothers ? lo + CHECK_CHUNK : s->nothers;
		bad = rh_u32_any_ge(s->other_pos + lo, hi - lo, UINT32_MAX, n);
	}
	c->bad[task] = bad != 0;
}

/* Whether the big arrays pass (false: some check failed; or no memory: run them on one thread). */
static bool check_big_arrays(const struct rh_snapshot *s, uint32_t ninterp, bool *ran)
{
	struct check_task c = { .s = s, .ninterp = ninterp, .index_count = s->obj_index.count };
	c.obj_tasks = (uint32_t)(((uint64_t)s->nobjects + CHECK_CHUNK - 1) / CHECK_CHUNK);
	c.start_tasks = c.obj_tasks;
	c.edge_tasks = (uint32_t)((s->nedges + CHECK_CHUNK - 1) / CHECK_CHUNK);
	c.index_tasks = (uint32_t)((s->obj_index.nslots + CHECK_CHUNK - 1) / CHECK_CHUNK);
	c.block_tasks = (uint32_t)((s->obj_blocks.nslots + CHECK_CHUNK - 1) / CHECK_CHUNK);
	c.other_tasks = (uint32_t)(((uint64_t)s->nothers + CHECK_CHUNK - 1) / CHECK_CHUNK);
	uint32_t ntasks = c.obj_tasks + c.start_tasks + c.edge_tasks + c.index_tasks +
			  c.block_tasks + c.other_tasks;
	uint32_t nused = c.index_tasks + c.block_tasks;
	*ran = false;
	c.bad = calloc(ntasks ? ntasks : 1, sizeof(*c.bad));
	c.used = calloc(nused ? nused : 1, sizeof(*c.used));
	uint32_t jobs = rh_pool_default_jobs(0);
	// Threads pay for themselves from a few million objects.
	struct rh_pool *pool = jobs > 1 && ntasks > 8 ? rh_pool_create(jobs > 2 ? 2 : jobs) : NULL;
	if (!c.bad || !c.used) {
		free(c.bad);
		free(c.used);
		rh_pool_destroy(pool);
		return false;
	}
	rh_pool_run(pool, check_chunk, &c, ntasks);
	rh_pool_destroy(pool);
	bool ok = true;
	size_t used = 0, block_used = 0;
	for (uint32_t k = 0; k < ntasks; k++)
		ok &= !c.bad[k];
	for (uint32_t k = 0; k < c.index_tasks; k++)
		used += c.used[k];
	for (uint32_t k = 0; k < c.block_tasks; k++)
		block_used += c.used[c.index_tasks + k];
	free(c.bad);
	free(c.used);
	*ran = true;
	return ok && used == s->obj_index.count && block_used == s->obj_blocks.count;
}

/* Every index of the object arrays and edges within its bounds. */
static struct rh_error *check_objects(const struct reader *r, const struct rh_snapshot *s)
{
	uint32_t n = s->nobjects;
	uint32_t bad = 0;
	uint32_t ninterp = s->ninterps ? (uint32_t)(s->ninterps > 256 ? 256 : s->ninterps) : 1;
	if (s->edge_start[0] != 0 || s->edge_start[n] != s->nedges)
		return corrupt(r, "edge_start runs from %u to %u, not 0 to %" PRIu64,
			       s->edge_start[0], s->edge_start[n], s->nedges);
	size_t count = s->obj_index.count;
	if (!rh_keyindex_check_shape(&s->obj_index, count))
		return corrupt(r, "the address index (%zu slots) does not index %zu objects",
			       s->obj_index.nslots, count);
	bool ran;
	if (check_big_arrays(s, ninterp, &ran))
		goto small;
	// Something failed (or there was no memory to split the work): the
	// checks again on this thread, to say what.
	for (uint32_t i = 0; i < n; i++) {
		bad |= s->obj_type[i] >= s->ntypes;
		bad |= (uint8_t)(s->obj_gen[i] + 1) > RH_SNAP_GEN_PERMANENT + 1;
		bad |= s->obj_interp[i] >= ninterp;
	}
	if (bad) {
		for (uint32_t i = 0; i < n; i++) {
			if (s->obj_type[i] >= s->ntypes)
				return corrupt(r, "object %u has type %u of %u", i,
					       s->obj_type[i], s->ntypes);
			if ((uint8_t)(s->obj_gen[i] + 1) > RH_SNAP_GEN_PERMANENT + 1)
				return corrupt(r, "object %u has generation %d", i, s->obj_gen[i]);
			if (s->obj_interp[i] >= ninterp)
				return corrupt(r, "object %u has interpreter %u of %zu", i,
					       s->obj_interp[i], s->ninterps);
		}
	}
	for (uint32_t i = 0; i < n; i++)
		bad |= s->edge_start[i + 1] < s->edge_start[i];
	if (bad)
		return corrupt(r, "edge_start decreases");
	uint32_t max = 0;
	for (uint64_t e = 0; e < s->nedges; e++) {
		uint32_t t = s->edges[e] & RH_EDGE_INDEX_MASK;
		max = t > max ? t : max;
	}
	if (s->nedges && max >= n)
		return corrupt(r, "an edge points to object %u of %u", max, n);

	// The index: positions in range, one slot used per object, and at
	// least one empty slot (a lookup of an absent key stops at one).
	if (!rh_keyindex_check(&s->obj_index, count))
		return corrupt(r, "the address index (%zu slots) does not index %zu objects",
			       s->obj_index.nslots, count);
	bool bad_block = false;
	const struct rh_blockindex *x = &s->obj_blocks;
	if (rh_blockindex_check_slots(x->slots, x->nslots, n, 0, x->nslots, &bad_block) !=
		    x->count || bad_block)
		return corrupt(r, "the index by block (%" PRIu64 " slots) does not index %zu objects",
			       x->nslots, x->count);
	for (uint32_t q = 0; q < s->nothers; q++)
		if (s->other_pos[q] >= n)
			return corrupt(r, "the address index names object %u of %u",
				       s->other_pos[q], n);
	if (ran)
		return corrupt(r, "the checks of its arrays disagree");   /* not reached */
small:
	for (size_t i = 0; i < s->nbig_sizes; i++)
		if (s->big_sizes[i].obj >= n ||
		    (i && s->big_sizes[i].obj <= s->big_sizes[i - 1].obj))
			return corrupt(r, "big size %zu is of object %u", i, s->big_sizes[i].obj);
	return NULL;
}

static struct rh_error *build(struct reader *r, struct rh_snapshot *s)
{
	const struct disk_header *h = r->h;
	struct rh_error *err;
	const void *p;
	uint64_t n = h->nobjects;

	// Strings first: everything else names them.
	if ((err = section(r, SEC_STRINGS, 1, h->sections[SEC_STRINGS].size, &p)))
		return err;
	r->strings = p;
	r->strings_size = h->sections[SEC_STRINGS].size;
	const char *core_path;
	if ((err = string(r, h->core_path, false, "core path", &core_path)) ||
	    (err = string(r, h->target_name, false, "target name", &s->target_name)) ||
	    (err = string(r, h->python_version, false, "python version", &s->python_version)) ||
	    (err = string(r, h->python_module, false, "python module", &s->python_module)) ||
	    (err = string(r, h->build_id, false, "build-id", &s->build_id)) ||
	    (err = string(r, h->debug_file, false, "debug file", &s->debug_file)))
		return err;

	s->live = false;
	s->pid = h->pid;
	s->python_version_hex = h->python_version_hex;
	s->layouts_from_cache = h->layouts_from_cache != 0;
	s->debug_offsets_checked = h->debug_offsets_checked;
	s->have_graph = h->have_graph != 0;
	s->seconds_runtime = h->seconds_runtime;
	s->seconds_objects = h->seconds_objects;
	s->seconds_graph = h->seconds_graph;
	s->gc_nobjects = h->gc_nobjects;
	s->gc_nproblems = h->gc_nproblems;

#define ARRAY(sec, field, count)                                                 \
	do {                                                                     \
		if ((err = section(r, sec, sizeof(*s->field), count, &p)))       \
			return err;                                              \
		s->field = (void *)p;                                            \
	} while (0)
	ARRAY(SEC_OBJ_ADDR, obj_addr, n);
	ARRAY(SEC_OBJ_TYPE, obj_type, n);
	ARRAY(SEC_OBJ_SIZE, obj_size, n);
	ARRAY(SEC_OBJ_REFCNT, obj_refcnt, n);
	ARRAY(SEC_OBJ_GEN, obj_gen, n);
	ARRAY(SEC_OBJ_INTERP, obj_interp, n);
	ARRAY(SEC_OBJ_FOUND, obj_found, n);
	ARRAY(SEC_BIG_SIZES, big_sizes, h->nbig_sizes);
	ARRAY(SEC_EDGE_START, edge_start, n + 1);
	ARRAY(SEC_EDGES, edges, h->nedges);
	ARRAY(SEC_INDEX, obj_index.slots, h->index_nslots);
	// Before they point into the mapping: nothing frees them then.
	s->others_mapped = true;
	ARRAY(SEC_OTHER_ADDR, other_addr, h->nothers);
	ARRAY(SEC_OTHER_POS, other_pos, h->nothers);
#undef ARRAY
	s->nothers = s->others_cap = (uint32_t)h->nothers;
	const void *regions, *slots;
	if ((err = section(r, SEC_BLOCK_REGIONS, sizeof(struct rh_blockregion),
			   h->block_nregions, &regions)) ||
	    (err = section(r, SEC_BLOCK_SLOTS, 4, h->block_nslots, &slots)))
		return err;
	if (h->index_split) {
		// An index by block: the keyindex's keys are other_addr, even
		// when it holds no object (snapshot.h).
		static const uint64_t none = 0;
		if (!s->other_addr)
			s->other_addr = (uint64_t *)&none;
		const struct rh_blockgeom g = {
			.region_size = h->block_region_size, .overhead = h->block_overhead,
			.offs = { h->block_offs[0], h->block_offs[1], h->block_offs[2] },
		};
		int opened = rh_blockindex_open(&s->obj_blocks, &g, regions, h->block_nregions,
						(uint32_t *)slots, h->block_nslots, h->block_count);
		if (opened < 0)
			return rh_enomem;
		if (!opened)
			return corrupt(r, "its index by block (%" PRIu64 " regions, %" PRIu64
				       " slots) does not fit its geometry",
				       h->block_nregions, h->block_nslots);
	}
	s->nobjects = (uint32_t)n;
	s->objects_cap = (uint32_t)n;
	s->nbig_sizes = h->nbig_sizes;
	s->nedges = h->nedges;
	s->edges_cap = h->nedges;
	s->obj_index.nslots = h->index_nslots;
	s->obj_index.count = h->index_count;

	// Types, interpreters and roots are converted into the snapshot's own arrays.
	const struct disk_type *types;
	if ((err = section(r, SEC_TYPES, sizeof(*types), h->ntypes, &p)))
		return err;
	types = p;
	s->types = calloc(h->ntypes ? h->ntypes : 1, sizeof(*s->types));
	if (!s->types)
		return rh_enomem;
	s->types_cap = (uint32_t)h->ntypes;
	for (uint32_t i = 0; i < h->ntypes; i++) {
		struct rh_snap_type *t = &s->types[i];
		t->addr = types[i].addr;
		t->size_exact = types[i].size_exact != 0;
		if ((err = string(r, types[i].name, false, "type name", &t->name)))
			return err;
		s->ntypes = i + 1;
		if (rh_u64map_insert(&s->type_index, t->addr, i, NULL) < 0)
			return rh_enomem;
	}

	const struct disk_interp *interps;
	const struct disk_thread *threads;
	if ((err = section(r, SEC_INTERPS, sizeof(*interps), h->ninterps, &p)))
		return err;
	interps = p;
	if ((err = section(r, SEC_THREADS, sizeof(*threads), h->nthreads, &p)))
		return err;
	threads = p;
	s->interps = calloc(h->ninterps ? h->ninterps : 1, sizeof(*s->interps));
	if (!s->interps)
		return rh_enomem;
	for (size_t i = 0; i < h->ninterps; i++) {
		const struct disk_interp *d = &interps[i];
		struct rh_snap_interp *in = &s->interps[i];
		if (d->gc_owner >= h->ninterps || d->first_thread > h->nthreads ||
		    d->nthreads > h->nthreads - d->first_thread)
			return corrupt(r, "interpreter %zu: GC owner %" PRIu64 ", threads %" PRIu64
				       "+%" PRIu64 " of %" PRIu64,
				       i, d->gc_owner, d->first_thread, d->nthreads, h->nthreads);
		in->addr = d->addr;
		in->id = d->id;
		in->main = d->main != 0;
		in->gc_owner = d->gc_owner;
		in->gc.enabled = d->enabled != 0;
		in->gc.collecting = d->collecting != 0;
		in->gc.have_long_lived = d->have_long_lived != 0;
		in->gc.runtime_wide = d->runtime_wide != 0;
		if (d->model > RH_SNAP_GC_INCREMENTAL || (d->visited_space & ~1) ||
		    (d->phase & ~1))
			return corrupt(r, "interpreter %zu: GC model %u, visited space %d, phase %d",
				       i, d->model, d->visited_space, d->phase);
		in->gc.model = d->model;
		in->gc.visited_space = d->visited_space;
		in->gc.phase = d->phase;
		in->gc.work_to_do = d->work_to_do;
		in->gc.heap_size = d->heap_size;
		for (int g = 0; g < RH_SNAP_NGENS; g++) {
			in->gc.gens[g].threshold = d->threshold[g];
			in->gc.gens[g].count = d->count[g];
		}
		in->gc.garbage_len = d->garbage_len;
		in->gc.garbage_addr = d->garbage_addr;
		in->gc.long_lived_total = d->long_lived_total;
		in->gc.long_lived_pending = d->long_lived_pending;
		s->ninterps = i + 1;
		if (d->nthreads) {
			in->threads = calloc(d->nthreads, sizeof(*in->threads));
			if (!in->threads)
				return rh_enomem;
			for (size_t k = 0; k < d->nthreads; k++) {
				const struct disk_thread *dt = &threads[d->first_thread + k];
				in->threads[k] = (struct rh_snap_thread){
					.addr = dt->addr, .thread_id = dt->thread_id,
					.native_thread_id = dt->native_thread_id,
				};
			}
			in->nthreads = d->nthreads;
		}
	}

	const struct disk_root *roots;
	if ((err = section(r, SEC_ROOTS, sizeof(*roots), h->nroots, &p)))
		return err;
	roots = p;
	s->roots = calloc(h->nroots ? h->nroots : 1, sizeof(*s->roots));
	if (!s->roots)
		return rh_enomem;
	s->roots_cap = h->nroots;
	for (size_t i = 0; i < h->nroots; i++) {
		const struct disk_root *d = &roots[i];
		if (d->obj >= n || d->kind > RH_SNAP_ROOT_MEMORY)
			return corrupt(r, "root %zu is object %u of %" PRIu64 ", kind %u",
				       i, d->obj, n, d->kind);
		struct rh_snap_root *rt = &s->roots[i];
		*rt = (struct rh_snap_root){
			.obj = d->obj, .kind = d->kind, .conservative = d->conservative != 0,
			.where = d->where, .thread = d->thread, .owned = d->owned != 0,
			.secondary = d->secondary != 0,
		};
		if ((err = string(r, d->name, false, "root name", &rt->name)))
			return err;
		s->nroots = i + 1;
	}

	const uint64_t *problems;
	if ((err = section(r, SEC_PROBLEMS, sizeof(*problems), h->nproblems, &p)))
		return err;
	problems = p;
	for (size_t i = 0; i < h->nproblems; i++) {
		const char *msg;
		if ((err = string(r, problems[i], false, "problem", &msg)))
			return err;
		rh_problems_add(&s->problems, "%s", msg);
	}
	s->problems.dropped += h->problems_dropped;

	return check_objects(r, s);
}

struct rh_error *rh_snapshot_cache_read(const char *path,
					const struct rh_snapshot_cache_key *key,
					struct rh_snapshot **ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ?
			rh_error_create(RH_ERR_NOT_FOUND, "no snapshot cache file %s", path) :
			rh_error_os(errno, path, "cannot open the snapshot cache file %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return rh_error_os(e, path, "cannot read the snapshot cache file %s", path);
	}
	struct reader r = { .path = path, .size = (uint64_t)st.st_size };
	// Only our own files: another user's could be planted in a shared directory.
	if (S_ISREG(st.st_mode) && st.st_uid != geteuid()) {
		close(fd);
		return rh_error_create(RH_ERR_NOT_FOUND,
				       "snapshot cache file %s belongs to another user", path);
	}
	if (!S_ISREG(st.st_mode) || r.size < sizeof(struct disk_header)) {
		close(fd);
		return corrupt(&r, "too short (%" PRIu64 " bytes)", r.size);
	}
	if (r.size > SIZE_MAX) {
		close(fd);
		return corrupt(&r, "too large");
	}
	// Mapped read-only and populated at once: the checks below read
	// most of it, and one populate is cheaper than a fault per page.
	void *map = mmap(NULL, (size_t)r.size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	int e = errno;
	close(fd);
	if (map == MAP_FAILED)
		return rh_error_os(e, path, "cannot map the snapshot cache file %s", path);
	r.base = map;
	r.h = map;

	struct rh_error *err = check_header(&r, key);
	if (err) {
		munmap(map, (size_t)r.size);
		return err;
	}
	if (key) {
		const char *core_path;
		// The key's path is checked once the string table is known.
		err = section(&r, SEC_STRINGS, 1, r.h->sections[SEC_STRINGS].size,
			      (const void **)&r.strings);
		if (!err) {
			r.strings_size = r.h->sections[SEC_STRINGS].size;
			err = string(&r, r.h->core_path, false, "core path", &core_path);
		}
		if (!err && (!key->core_path || strcmp(core_path, key->core_path) != 0))
			err = rh_error_create(RH_ERR_NOT_FOUND,
					      "snapshot cache file %s is of another core", path);
		if (err) {
			munmap(map, (size_t)r.size);
			return err;
		}
	}

	struct rh_snapshot *s = calloc(1, sizeof(*s));
	if (!s) {
		munmap(map, (size_t)r.size);
		return rh_enomem;
	}
	rh_problems_init(&s->problems);
	rh_arena_init(&s->arena);
	rh_u64map_init(&s->type_index);
	rh_keyindex_init(&s->obj_index);
	s->cache_map = map;
	s->cache_map_len = (size_t)r.size;
	s->cache_id = r.h->id;
	err = build(&r, s);
	if (err) {
		rh_snapshot_destroy(s);
		return err;
	}
	*ret = s;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The cache directory                                                 */

/*
 * The cap on the whole snapshot cache directory, in bytes: --cache-max
 * (opts->cache_max_mb), else REFHEAP_SNAPSHOT_CACHE_MAX_MB, else
 * DEFAULT_MAX_MB; 0 turns the cache off. One snapshot larger than the cap
 * is not written; older ones are removed until the newest fit under it.
 */
static uint64_t max_bytes(void)
{
	const char *v = getenv("REFHEAP_SNAPSHOT_CACHE_MAX_MB");
	if (!v || !*v)
		return (uint64_t)DEFAULT_MAX_MB << 20;
	char *end;
	errno = 0;
	unsigned long long mb = strtoull(v, &end, 10);
	if (errno || *end || end == v || v[0] == '-')
		return (uint64_t)DEFAULT_MAX_MB << 20;
	return mb > (UINT64_MAX >> 20) ? UINT64_MAX : (uint64_t)mb << 20;
}

/* mkdir -p with mode 0700 for the parts created; true if dir is a directory. */
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
	bool ok = mkdir(copy, 0700) == 0 || errno == EEXIST;
	free(copy);
	struct stat st;
	return ok && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_cache_name(const char *name)
{
	size_t len = strlen(name);
	return name[0] != '.' && len > 5 && strcmp(name + len - 5, ".snap") == 0;
}

/* A temporary file of a cache file or of a sidecar (".X.snap.analyses.tmpXXXXXX"). */
static bool is_tmp_name(const char *name)
{
	return name[0] == '.' && strstr(name, ".snap.") != NULL;
}

#define SIDECAR_SUFFIX ".analyses"

static bool is_sidecar_name(const char *name)
{
	size_t len = strlen(name), sl = strlen(".snap" SIDECAR_SUFFIX);
	return name[0] != '.' && len > sl && strcmp(name + len - sl, ".snap" SIDECAR_SUFFIX) == 0;
}

/* Disk space the sidecar of cache file `name` takes (0: none). */
static uint64_t sidecar_bytes(int dfd, const char *name)
{
	char side[NAME_MAX + 1];
	struct stat st;
	if ((size_t)snprintf(side, sizeof(side), "%s" SIDECAR_SUFFIX, name) >= sizeof(side) ||
	    fstatat(dfd, side, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return 0;
	return (uint64_t)st.st_blocks * 512;
}

/* Remove cache file `name` and its sidecar. */
static void unlink_with_sidecar(int dfd, const char *name)
{
	char side[NAME_MAX + 1];
	unlinkat(dfd, name, 0);
	if ((size_t)snprintf(side, sizeof(side), "%s" SIDECAR_SUFFIX, name) < sizeof(side))
		unlinkat(dfd, side, 0);
}

/* Whether the cache file a sidecar `name` belongs to is absent. */
static bool sidecar_orphan(int dfd, const char *name)
{
	char snap[NAME_MAX + 1];
	size_t len = strlen(name) - strlen(SIDECAR_SUFFIX);
	if (len >= sizeof(snap))
		return true;
	memcpy(snap, name, len);
	snap[len] = '\0';
	struct stat st;
	return fstatat(dfd, snap, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
}

struct entry {
	char *name;
	struct timespec mtime;
	uint64_t bytes;        /* disk space it takes */
};

static int newest_first(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? 1 : -1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? 1 : -1;
	return strcmp(x->name, y->name);
}

/*
 * Whether the cache file `name` is of a core that is gone or changed (a
 * core written again at the same path gets a new file): it can never be
 * used again. Files of another format are left to the count limit.
 */
static bool core_gone(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool gone = false;
	struct disk_header h;
	char path[PATH_MAX];
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h.magic, MAGIC, sizeof(h.magic)) != 0 || h.format != FORMAT_VERSION ||
	    h.header_size != sizeof(h) || h.endian != ENDIAN_MARK ||
	    h.nsections != NSECTIONS || h.core_path >= h.sections[SEC_STRINGS].size ||
	    h.sections[SEC_STRINGS].offset > INT64_MAX - h.core_path)
		goto out;
	ssize_t got = pread(fd, path, sizeof(path),
			    (off_t)(h.sections[SEC_STRINGS].offset + h.core_path));
	if (got <= 0 || !memchr(path, '\0', (size_t)got) || path[0] != '/')
		goto out;
	struct stat st;
	if (stat(path, &st) < 0)
		gone = errno == ENOENT || errno == ENOTDIR;
	else
		gone = st.st_dev != h.core_dev || st.st_ino != h.core_ino ||
		       (uint64_t)st.st_size != h.core_size ||
		       st.st_mtim.tv_sec != h.core_mtime_sec ||
		       st.st_mtim.tv_nsec != h.core_mtime_nsec;
out:
	close(fd);
	return gone;
}

static uint64_t limit_for(const struct rh_snapshot_options *opts)
{
	if (opts && opts->have_cache_max)
		return opts->cache_max_mb > (UINT64_MAX >> 20) ? UINT64_MAX
							       : opts->cache_max_mb << 20;
	return max_bytes();
}

/*
 * Keep the KEEP_FILES most recently used cache files (a hit touches its
 * file) as long as together they take at most limit bytes, drop those whose
 * core is gone or changed, and remove temporary files left by killed
 * writers.
 */
static void prune(const char *dir, uint64_t limit)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	struct entry *e = NULL;
	size_t n = 0, cap = 0;
	time_t now_s = time(NULL);
	struct dirent *de;
	while ((de = readdir(d))) {
		bool tmp = is_tmp_name(de->d_name);
		if (!tmp && is_sidecar_name(de->d_name)) {
			// Counted and removed with its cache file.
			if (sidecar_orphan(dfd, de->d_name))
				unlinkat(dfd, de->d_name, 0);
			continue;
		}
		if (!tmp && !is_cache_name(de->d_name))
			continue;
		struct stat st;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (tmp) {
			if (now_s - st.st_mtime > STALE_TMP_SECONDS)
				unlinkat(dfd, de->d_name, 0);
			continue;
		}
		if (core_gone(dfd, de->d_name)) {
			unlink_with_sidecar(dfd, de->d_name);
			continue;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct entry *p = realloc(e, ncap * sizeof(*p));
			if (!p)
				break;
			e = p;
			cap = ncap;
		}
		e[n].name = strdup(de->d_name);
		if (!e[n].name)
			break;
		e[n].mtime = st.st_mtim;
		e[n].bytes = (uint64_t)st.st_blocks * 512 + sidecar_bytes(dfd, de->d_name);
		n++;
	}
	qsort(e, n, sizeof(*e), newest_first);
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		bool fits = e[i].bytes <= limit - total;
		if (i >= KEEP_FILES || !fits)
			unlink_with_sidecar(dfd, e[i].name);
		else
			total += e[i].bytes;
		free(e[i].name);
	}
	free(e);
	closedir(d);
}

/* The key of a core target; false if the core cannot be identified. */
static bool make_key(struct rh_target *t, struct rh_image *img,
		     const struct rh_snapshot_options *opts,
		     struct rh_snapshot_cache_key *key, char **real_ret)
{
	char *real = realpath(rh_target_name(t), NULL);
	struct stat st;
	if (!real)
		return false;
	if (stat(real, &st) < 0 || !S_ISREG(st.st_mode)) {
		free(real);
		return false;
	}
	*key = (struct rh_snapshot_cache_key){
		.core_path = real, .dev = st.st_dev, .ino = st.st_ino,
		.size = (uint64_t)st.st_size, .mtime_sec = st.st_mtim.tv_sec,
		.mtime_nsec = st.st_mtim.tv_nsec, .graph = opts->graph,
		.alloc_scan = opts->alloc_scan,
	};
	// What else the snapshot was read from: the files that serve the
	// pages the core does not hold (--sysroot, --exe, a replaced
	// library), and the modules with their build-ids and debug files.
	struct hash h;
	hash_init(&h);
	const char *last = NULL;
	for (size_t i = 0; i < rh_target_mapping_count(t); i++) {
		const struct rh_mapping *m = rh_target_mapping(t, i);
		hash_u64(&h, m->start);
		hash_u64(&h, m->end);
		hash_u64(&h, m->file_offset);
		hash_str(&h, m->path);
		hash_str(&h, m->local_path);
		if (m->local_path && (!last || strcmp(last, m->local_path) != 0)) {
			struct stat fst;
			if (stat(m->local_path, &fst) == 0) {
				hash_u64(&h, fst.st_dev);
				hash_u64(&h, fst.st_ino);
				hash_u64(&h, (uint64_t)fst.st_size);
				hash_u64(&h, (uint64_t)fst.st_mtim.tv_sec);
				hash_u64(&h, (uint64_t)fst.st_mtim.tv_nsec);
			}
			last = m->local_path;
		}
	}
	for (size_t i = 0; i < rh_image_module_count(img); i++) {
		const struct rh_module *m = rh_image_module(img, i);
		hash_str(&h, m->name);
		hash_str(&h, m->local_path);
		hash_str(&h, m->build_id);
		hash_str(&h, m->debug_path);
	}
	key->context = h.h;
	*real_ret = real;
	return true;
}

static char *cache_path(const char *dir, const struct rh_snapshot_cache_key *key)
{
	struct hash h;
	hash_init(&h);
	hash_str(&h, key->core_path);
	hash_u64(&h, key->dev);
	hash_u64(&h, key->ino);
	hash_u64(&h, key->size);
	hash_u64(&h, (uint64_t)key->mtime_sec);
	hash_u64(&h, (uint64_t)key->mtime_nsec);
	hash_u64(&h, key->context);
	hash_u64(&h, key->graph | (uint64_t)key->alloc_scan << 1);
	hash_u64(&h, tool_hash());
	char *path;
	if (asprintf(&path, "%s/%016" PRIx64 ".snap", dir, h.h) < 0)
		return NULL;
	return path;
}

static void set_note(struct rh_snapshot *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_note(struct rh_snapshot *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(buf))
		len = sizeof(buf) - 1;
	s->cache_note = rh_arena_strndup(&s->arena, buf, (size_t)len);
}

/*
 * Writing the cache file on a thread of its own: on a 10M-object core
 * the file is ~0.5 GB, copied into the page cache by write(2) while the
 * analyses run on the other threads. The writer only reads the snapshot,
 * which nothing changes after rh_snapshot_load_or_create() returns (the
 * analyses take it const); cache_note, the one field it sets, is set by
 * writer_join() on the caller's thread. A refheap killed meanwhile leaves
 * only the temporary dot-file (never read, pruned once stale): the file
 * appears by rename() once complete, as when written inline.
 */
struct rh_snapshot_writer {
	pthread_t thread;
	const struct rh_snapshot *s;
	/*
	 * s again, for what only this thread writes in it: the arrays it
	 * hands to the page cache (adopt_section), read once it is joined.
	 */
	struct rh_snapshot *adopt;
	/*
	 * Under mu: the file holds the index, or the write gave up; the
	 * command waits for it on cond to let the index go
	 * (rh_snapshot_drop_index).
	 */
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool index_written;
	/* Under mu: the arrays went to the page cache, or the write gave up. */
	bool arrays_written;
	struct rh_snapshot_cache_key key;
	char *core_path, *path, *dir;
	uint64_t limit;
	/* An unnamed file in dir, only to hand the arrays to the page cache. */
	bool unnamed;
	char note[512];
};

/* The writer is done with the index (the command may let it go), or with the arrays too. */
static void writer_written(void *arg, int what)
{
	struct rh_snapshot_writer *w = arg;
	pthread_mutex_lock(&w->mu);
	w->index_written = true;
	if (what == WRITTEN_ARRAYS)
		w->arrays_written = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->mu);
}

static void *writer_main(void *arg)
{
	struct rh_snapshot_writer *w = arg;
	struct rh_error *err = cache_write(w->s, &w->key, w->unnamed ? w->dir : w->path,
					   w->limit, writer_written, w, w->adopt, w->unnamed);
	writer_written(w, WRITTEN_ARRAYS);   /* a write that gave up early */
	if (err) {
		snprintf(w->note, sizeof(w->note), "%s: %s",
			 w->unnamed ? "the snapshot stays in memory" : "snapshot cache not written",
			 err->message);
		rh_error_destroy(err);
	} else if (!w->unnamed) {
		prune(w->dir, w->limit);
	}
	return NULL;
}

static void writer_free(struct rh_snapshot_writer *w)
{
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cond);
	free(w->core_path);
	free(w->path);
	free(w->dir);
	free(w);
}

/*
 * Start writing s's cache file on a thread (unnamed: an unnamed file in
 * dir, path NULL); false when none could start.
 */
static bool writer_start(struct rh_snapshot *s, const struct rh_snapshot_cache_key *key,
			 const char *path, const char *dir, uint64_t limit, bool unnamed)
{
	struct rh_snapshot_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return false;
	w->s = s;
	w->adopt = s;
	w->key = *key;
	w->limit = limit;
	w->unnamed = unnamed;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->core_path = strdup(key->core_path);
	w->path = strdup(path ? path : "");
	w->dir = strdup(dir);
	w->key.core_path = w->core_path;
	if (!w->core_path || !w->path || !w->dir ||
	    pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		writer_free(w);
		return false;
	}
	s->cache_writer = w;
	return true;
}

static void writer_join(struct rh_snapshot *s)
{
	struct rh_snapshot_writer *w = s->cache_writer;
	if (!w)
		return;
	pthread_join(w->thread, NULL);
	s->cache_writer = NULL;
	if (w->note[0] && !w->unnamed)
		s->cache_file = NULL;   /* not written: no sidecar either */
	if (w->note[0] && !s->cache_note)
		set_note(s, "%s", w->note);
	writer_free(w);
}

void rh_snapshot_drop_index(struct rh_snapshot *s)
{
	// A cache file's index is file-backed: nothing to gain.
	if (!s || s->index_dropped || s->from_cache || s->cache_map ||
	    (!s->obj_index.slots && !s->obj_blocks.slots))
		return;
	// Type objects, looked up by reports once per type (module names,
	// classes): found now, while the index is here.
	uint32_t *type_obj = malloc((s->ntypes ? s->ntypes : 1) * sizeof(*type_obj));
	if (!type_obj)
		return;   // keep the index
	for (uint32_t t = 0; t < s->ntypes; t++)
		if (!rh_snapshot_find(s, s->types[t].addr, &type_obj[t]))
			type_obj[t] = UINT32_MAX;
	free(s->type_obj);
	s->type_obj = type_obj;
	s->dropped_finds = 0;
	// The writer starts with the index (cache_write): wait for it to
	// be in the file, a few tens of milliseconds, rather than let the
	// analyses' arrays come while it is still here. It was the peak of a
	// cold `gc` on the 10M-object benchmark: 48.4 bytes an object with
	// the writer freeing it, against 45.8 with no cache (issue 12).
	struct rh_snapshot_writer *w = s->cache_writer;
	if (w) {
		pthread_mutex_lock(&w->mu);
		while (!w->index_written)
			pthread_cond_wait(&w->cond, &w->mu);
		pthread_mutex_unlock(&w->mu);
	}
	s->index_dropped = true;
	rh_snapshot_index_free(s);
}

void rh_snapshot_wait_paged(struct rh_snapshot *s)
{
	struct rh_snapshot_writer *w = s ? s->cache_writer : NULL;
	if (!w)
		return;
	double t0 = now();
	pthread_mutex_lock(&w->mu);
	while (!w->arrays_written)
		pthread_cond_wait(&w->cond, &w->mu);
	pthread_mutex_unlock(&w->mu);
	s->seconds_paged_wait += now() - t0;
}

/* Open the runtime for what is read on demand, and check it is the one the file was made from. */
static struct rh_error *attach_runtime(struct rh_snapshot *s, struct rh_target *t,
				       struct rh_image *img,
				       const struct rh_snapshot_options *opts)
{
	double t0 = now();
	// The runtime's problems were recorded when the snapshot was built.
	struct rh_problems scratch;
	rh_problems_init(&scratch);
	struct rh_py_options popts = { .cache_dir = opts->cache_dir };
	struct rh_py_runtime *rt;
	struct rh_error *err = rh_py_runtime_open(t, img, &popts, &scratch, &rt);
	rh_problems_deinit(&scratch);
	if (err)
		return err;
	const struct rh_py_info *info = rh_py_runtime_info(rt);
	if (info->version_hex != s->python_version_hex || !s->build_id ||
	    strcmp(info->module->build_id, s->build_id) != 0) {
		rh_py_runtime_destroy(rt);
		return rh_error_create(RH_ERR_NOT_FOUND,
				       "the snapshot cache file is of another Python build");
	}
	s->rt = rt;
	s->layouts_from_cache = info->layouts_from_cache;
	s->debug_offsets_checked = info->debug_offsets_checked;
	const char *name = rh_target_name(t);
	s->target_name = rh_arena_intern(&s->arena, name, strlen(name));
	if (!s->target_name)
		return rh_enomem;
	s->seconds_runtime = now() - t0;
	return NULL;
}

/* Whether a file of `bytes` fits in dir, leaving a margin. */
static bool room_for(const char *dir, uint64_t bytes)
{
	struct statvfs v;
	if (statvfs(dir, &v) < 0)
		return true;   /* unknown: let the write fail if it must */
	uint64_t avail = (uint64_t)v.f_bavail * v.f_frsize;
	return avail > FREE_MARGIN && avail - FREE_MARGIN >= bytes;
}

/*
 * A new file's id: random, so that a sidecar of an older file of the same
 * name (the same core, read again) never passes for this one's.
 */
static uint64_t new_id(void)
{
	uint64_t id = 0;
	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != (ssize_t)sizeof(id)) {
		struct hash h;
		hash_init(&h);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		hash_u64(&h, (uint64_t)ts.tv_sec);
		hash_u64(&h, (uint64_t)ts.tv_nsec);
		hash_u64(&h, (uint64_t)getpid());
		hash_u64(&h, (uint64_t)(uintptr_t)&h);
		id = h.h;
	}
	return id ? id : 1;
}

/* Rough size of s's cache file, before building it. */
static uint64_t estimate(const struct rh_snapshot *s)
{
	return (uint64_t)s->nobjects * 27 + s->nedges * 4 +
	       (uint64_t)s->obj_index.nslots * 4 + s->obj_blocks.nslots * 4 +
	       s->obj_blocks.nregions * sizeof(struct rh_blockregion) + (uint64_t)s->nothers * 12 +
	       s->nroots * 64 + (uint64_t)s->ntypes * 64 + (1u << 20);
}

/*
 * Write s to its cache file at path, or (unnamed) to an unnamed file in
 * dir, handing its arrays to the page cache as they are written: on a
 * thread while the command goes on, or here before it does. Why not, if
 * not, goes to s's cache note.
 */
static void write_out(struct rh_snapshot *s, const struct rh_snapshot_cache_key *key,
		      const char *path, const char *dir, uint64_t limit,
		      const struct rh_snapshot_options *opts, bool unnamed)
{
	const char *what = unnamed ? "the snapshot stays in memory" : "snapshot cache not written";
	if (!unnamed) {
		// Named for a sidecar once written (cleared if it is not).
		s->cache_id = new_id();
		s->cache_file = rh_arena_strndup(&s->arena, path, strlen(path));
		s->cache_limit = limit;
	}
	if (estimate(s) > limit) {
		set_note(s, "%s: about %" PRIu64 " MiB, more than the cache may hold (%" PRIu64
			 " MiB: --cache-max or REFHEAP_SNAPSHOT_CACHE_MAX_MB)", what,
			 estimate(s) >> 20, limit >> 20);
	} else if (!make_dirs(dir)) {
		set_note(s, "%s: cannot create the directory %s: %s", what, dir, strerror(errno));
	} else if (!room_for(dir, estimate(s))) {
		set_note(s, "%s: not enough free space in %s for about %" PRIu64 " MiB", what, dir,
			 estimate(s) >> 20);
	} else if (opts->cache_write_sync || rh_pool_default_jobs(opts->jobs) < 2 ||
		   !writer_start(s, key, path, dir, limit, unnamed)) {
		struct rh_error *werr = cache_write(s, key, unnamed ? dir : path, limit, NULL, NULL,
						    s, unnamed);
		if (werr) {
			set_note(s, "%s: %s", what, werr->message);
			rh_error_destroy(werr);
		} else if (!unnamed) {
			prune(dir, limit);
		}
	}
	if (!unnamed && !s->cache_writer && s->cache_note)
		s->cache_file = NULL;   /* not written */
}

/*
 * The cache file of this core's snapshot with `graph` and `alloc_scan` as
 * given: its key in *key, whose core path *real_ret holds (the caller
 * frees both strings). NULL when the core has no key or on no memory.
 */
static char *variant_path(struct rh_target *t, struct rh_image *img,
			  const struct rh_snapshot_options *opts, bool graph, bool alloc_scan,
			  const char *dir, struct rh_snapshot_cache_key *key, char **real_ret)
{
	struct rh_snapshot_options v = *opts;
	v.graph = graph;
	v.alloc_scan = alloc_scan;
	*real_ret = NULL;
	if (!make_key(t, img, &v, key, real_ret))
		return NULL;
	return cache_path(dir, key);
}

/*
 * A graph snapshot of the core being written supersedes the one without
 * the graph (`summary` cuts its GC lists' part from the graph snapshot):
 * the cache keeps a few files, and a stale one would take a place.
 */
static void drop_summary_file(struct rh_target *t, struct rh_image *img,
			      const struct rh_snapshot_options *opts, const char *dir)
{
	struct rh_snapshot_cache_key key;
	char *real;
	char *path = variant_path(t, img, opts, false, false, dir, &key, &real);
	if (path)
		(void)unlink(path);
	free(path);
	free(real);
}

/*
 * A snapshot without the graph (`summary`) cut from a cached graph
 * snapshot of the core: its GC lists' part, objects [0, gc_nobjects)
 * and the problems met by then, which is what reading the GC lists alone
 * gives (heap/snapshot.c adds them first, in the same order, with the
 * same types, sizes and generations). At 10M objects `summary` then
 * takes 0.04 s instead of the 0.50-0.54 s of walking the 2.3M objects on
 * the lists again (issue 12 item 4: a second command on the same core).
 * NULL when no such file is there or it has no such part; nothing is
 * written.
 */
static struct rh_snapshot *gc_prefix_from_cache(struct rh_target *t, struct rh_image *img,
						const struct rh_snapshot_options *opts,
						const char *dir, uint64_t limit)
{
	// The other commands' snapshot: with the allocator scan unless
	// --no-alloc-scan; the GC lists' part is the same in both.
	for (int scan = 1; scan >= 0; scan--) {
		struct rh_snapshot_cache_key key;
		char *real;
		char *path = variant_path(t, img, opts, true, scan, dir, &key, &real);
		if (!path) {
			free(real);
			return NULL;
		}
		double t0 = now();
		struct rh_snapshot *s = NULL;
		struct rh_error *err = rh_snapshot_cache_read(path, &key, &s);
		free(real);
		if (!err && (s->gc_nobjects == RH_SNAP_NO_GC_PREFIX ||
			     s->problems.count < s->gc_nproblems))
			err = rh_error_create(RH_ERR_NOT_FOUND, "no GC lists' part");
		if (!err)
			err = attach_runtime(s, t, img, opts);
		if (err) {
			rh_error_destroy(err);
			rh_snapshot_destroy(s);
			free(path);
			continue;
		}
		s->nobjects = s->gc_nobjects;
		rh_problems_truncate(&s->problems, s->gc_nproblems);
		s->have_graph = false;
		s->nedges = 0;
		s->nroots = 0;
		s->from_cache = true;
		s->cache_limit = limit;
		s->seconds_objects = now() - t0;
		s->seconds_graph = 0;
		utimensat(AT_FDCWD, path, NULL, 0);   /* most recently used */
		free(path);
		return s;
	}
	return NULL;
}

struct rh_error *rh_snapshot_load_or_create(struct rh_target *t, struct rh_image *img,
					    const struct rh_snapshot_options *opts,
					    const char *dir, struct rh_snapshot **ret)
{
	uint64_t limit = limit_for(opts);
	struct rh_snapshot_cache_key key;
	char *real = NULL;
	if (dir && *dir && opts && !opts->graph && limit &&
	    rh_target_kind(t) == RH_TARGET_CORE &&
	    (*ret = gc_prefix_from_cache(t, img, opts, dir, limit)))
		return NULL;
	if (!dir || !*dir || !opts || !limit)
		return rh_snapshot_create(t, img, opts, ret);
	if (rh_target_kind(t) != RH_TARGET_CORE || !make_key(t, img, opts, &key, &real)) {
		// Not cached (a live process changes; a core that is no
		// regular file has no key), but the arrays still go to the
		// page cache, through an unnamed file in the directory.
		// Only when some array is big enough to move (ADOPT_MIN): a
		// small process writes nothing.
		struct rh_error *err = rh_snapshot_create(t, img, opts, ret);
		if (!err && (*ret)->have_graph &&
		    ((uint64_t)(*ret)->nobjects * 8 >= ADOPT_MIN || (*ret)->nedges * 4 >= ADOPT_MIN)) {
			key = (struct rh_snapshot_cache_key){ .core_path = rh_target_name(t),
							      .graph = true,
							      .alloc_scan = opts->alloc_scan };
			write_out(*ret, &key, NULL, dir, limit, opts, true);
		}
		return err;
	}

	char *path = cache_path(dir, &key);
	if (!path) {
		free(real);
		return rh_snapshot_create(t, img, opts, ret);
	}
	char note[512] = "";
	double t0 = now();
	struct rh_snapshot *s;
	struct rh_error *err = rh_snapshot_cache_read(path, &key, &s);
	if (!err) {
		double t1 = now();
		err = attach_runtime(s, t, img, opts);
		if (!err) {
			s->from_cache = true;
			s->cache_file = rh_arena_strndup(&s->arena, path, strlen(path));
			s->cache_limit = limit;
			s->seconds_objects = t1 - t0;
			s->seconds_graph = 0;
			utimensat(AT_FDCWD, path, NULL, 0);   /* most recently used */
			free(path);
			free(real);
			*ret = s;
			return NULL;
		}
		rh_snapshot_destroy(s);
	}
	// A corrupt or unreadable file is replaced; a missing or stale one
	// is the ordinary miss.
	if (err->code != RH_ERR_NOT_FOUND)
		snprintf(note, sizeof(note), "snapshot cache not used: %s", err->message);
	rh_error_destroy(err);

	err = rh_snapshot_create(t, img, opts, &s);
	if (err)
		goto out;
	if (!s->have_graph && !s->edge_start) {
		// The file's edge_start: every object with no edges.
		s->edge_start = calloc((size_t)s->nobjects + 1, sizeof(*s->edge_start));
		if (!s->edge_start) {
			set_note(s, "snapshot cache not written: out of memory");
			*ret = s;
			goto out;
		}
	}
	write_out(s, &key, path, dir, limit, opts, false);
	if (s->have_graph)
		drop_summary_file(t, img, opts, dir);
	if (note[0] && !s->cache_note)
		set_note(s, "%s", note);
	*ret = s;
out:
	free(path);
	free(real);
	return err;
}

const char *rh_snapshot_sidecar_path(struct rh_snapshot *s, uint64_t *id_ret)
{
	if (!s || !s->cache_file)
		return NULL;
	size_t len = strlen(s->cache_file);
	char *path = rh_arena_alloc(&s->arena, len + sizeof(SIDECAR_SUFFIX));
	if (!path)
		return NULL;
	memcpy(path, s->cache_file, len);
	memcpy(path + len, SIDECAR_SUFFIX, sizeof(SIDECAR_SUFFIX));
	*id_ret = s->cache_id;
	return path;
}

void rh_snapshot_sidecar_settle(struct rh_snapshot *s, const char *path)
{
	if (!s || !path)
		return;
	writer_join(s);   /* clears cache_file if the file was not written */
	if (!s->cache_file) {
		unlink(path);
		return;
	}
	// The cap counts the sidecar with its snapshot file: the older
	// files go now if the two no longer fit beside them.
	char *dir = strdup(s->cache_file);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash) {
		*slash = '\0';
		prune(dir, s->cache_limit);
	}
	free(dir);
}

uint64_t rh_snapshot_sidecar_room(const struct rh_snapshot *s)
{
	if (!s || !s->cache_file)
		return 0;
	// The file itself once written; meanwhile, what it will be about.
	struct stat st;
	uint64_t used = stat(s->cache_file, &st) == 0 && !s->cache_writer
				? (uint64_t)st.st_blocks * 512 : estimate(s);
	uint64_t room = s->cache_limit > used ? s->cache_limit - used : 0;
	char *dir = strdup(s->cache_file);
	if (!dir)
		return 0;
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	struct statvfs v;
	if (slash && statvfs(dir, &v) == 0) {
		uint64_t avail = (uint64_t)v.f_bavail * v.f_frsize;
		avail = avail > FREE_MARGIN ? avail - FREE_MARGIN : 0;
		if (avail < room)
			room = avail;
	}
	free(dir);
	return room;
}
