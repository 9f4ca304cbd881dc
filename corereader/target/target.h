/*
 * The target: the memory, mappings and threads of one process, read from an
 * ELF core file or from a live process. This is the only layer that opens
 * cores, touches /proc/PID or calls ptrace, and rh_target_read() is the one
 * bounds-checked way to read target memory.
 *
 * Memory is a sorted set of segments, each with its source:
 *  - core PT_LOAD bytes (0 .. p_filesz) come from the (mmapped) core file,
 *    bounded by the file's real size, so a truncated core faults instead of
 *    reading past its end;
 *  - bytes the kernel or gcore did not dump (p_filesz < p_memsz, usually
 *    read-only file-backed text and rodata) come from the file named in
 *    NT_FILE, but only once the build-id of that file on disk matches the
 *    build-id found in the core's own copy of its ELF headers. Anything else
 *    is a FAULT, never zeros (see libdrgn's program.c on why);
 *  - a live process is read through /proc/PID/mem with a block cache, so
 *    walking millions of small objects costs few system calls.
 * A read that spans adjacent segments is split; any gap is a FAULT carrying
 * the first unreadable address.
 *
 * A live process is stopped (PTRACE_SEIZE + PTRACE_INTERRUPT of every thread)
 * from rh_target_open_pid() until rh_target_destroy(), or rh_target_resume().
 * ptrace detaches automatically when the tracer dies, so a refheap killed with
 * SIGKILL leaves the target running. If another tracer (a debugger) already
 * holds the process, it is read without attaching: the debugger keeps it
 * stopped. The target is never written to.
 */
#ifndef RH_TARGET_TARGET_H
#define RH_TARGET_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct rh_error;

struct rh_target_options {
	/** Prefix for file paths found in the core (NT_FILE), or NULL. */
	const char *sysroot;
	/**
	 * The main executable, overriding the path recorded in the core
	 * (for cores from another machine), or NULL.
	 */
	const char *exe;
	/**
	 * Live processes: keep the process stopped while it is read, instead
	 * of copying what can change and letting it run on at once.
	 */
	bool no_copy;
};

/** One file-backed mapping of the target (NT_FILE, /proc/PID/maps). */
struct rh_mapping {
	uint64_t start;
	uint64_t end;          /* exclusive */
	uint64_t file_offset;  /* offset in the file of start */
	/**
	 * Path as the target saw it (NT_FILE / maps), e.g. "/usr/lib/x.so".
	 * Valid until the target is destroyed.
	 */
	const char *path;
	/**
	 * Path of the file this tool opened for it on this machine (sysroot
	 * and --exe applied), or NULL when it was not found/opened, or (cores)
	 * its build-id does not match the core's copy of its ELF headers.
	 */
	const char *local_path;
	/**
	 * local_path leads through the live process itself (its own root,
	 * a process in a container): the file is gone once the process is.
	 */
	bool local_transient;
	/** Permissions as in /proc/PID/maps: bit 0 r, bit 1 w, bit 2 x (0 if unknown). */
	unsigned prot;
};

#define RH_PROT_READ 1u
#define RH_PROT_WRITE 2u
#define RH_PROT_EXEC 4u

/** A thread with its general registers (x86-64 user_regs_struct order). */
struct rh_thread {
	int tid;
	bool have_regs;
	uint64_t pc;       /* rip */
	uint64_t sp;       /* rsp */
	uint64_t fs_base;  /* TLS base */
	/** Raw user_regs_struct (27 x 8 bytes on x86-64). */
	uint64_t regs[27];
};

enum rh_target_kind {
	RH_TARGET_CORE,
	RH_TARGET_LIVE,
	RH_TARGET_MEMORY, /* in-memory segments, for unit tests */
};

struct rh_target;

/**
 * Open an ELF core file.
 *
 * Validates ELF magic, class (64-bit), byte order (little-endian), e_type
 * (ET_CORE), e_machine (x86-64) and e_phentsize before trusting any header;
 * checks that every note fits its segment; clamps segments to the file's
 * real size (a truncated core still opens; reads past the end give
 * RH_ERR_TRUNCATED with how many bytes are missing).
 *
 * Errors: RH_ERR_OS (cannot open/stat/mmap), RH_ERR_NOT_CORE (not an ELF
 * file, or an ELF file that is not a core: the message says which),
 * RH_ERR_UNSUPPORTED (other class/machine), RH_ERR_BAD_DATA (headers that
 * contradict themselves, e.g. overlapping PT_LOAD segments, a note whose size
 * overruns its segment), RH_ERR_TRUNCATED (headers themselves cut off).
 *
 * @param ret the new target, written only on success; free with
 *            rh_target_destroy().
 */
struct rh_error *rh_target_open_core(const char *path,
				     const struct rh_target_options *opts,
				     struct rh_target **ret);

/**
 * Open a live process and hold it stopped until rh_target_resume() or
 * rh_target_destroy(). Mappings come from /proc/PID/maps, threads from
 * /proc/PID/task (registers through PTRACE_GETREGS when we are the tracer).
 * If /proc/PID/status shows another tracer, nothing is attached.
 *
 * Errors: RH_ERR_NOT_FOUND (no such process, or a zombie), RH_ERR_OS
 * (permission: the message suggests running as root or setting
 * kernel.yama.ptrace_scope), RH_ERR_INVALID_ARGUMENT (pid <= 0, a thread id,
 * or refheap's own pid), RH_ERR_LIMIT (threads kept appearing).
 *
 * The target must be resumed/destroyed by the thread that opened it (ptrace
 * belongs to the tracing thread).
 *
 * Test hook: with REFHEAP_TEST_STALL_MS=N in the environment, it sleeps N ms
 * right after every thread is stopped, so that a test can SIGKILL refheap
 * there and check that the target runs on (see live.c).
 */
struct rh_error *rh_target_open_pid(pid_t pid,
				    const struct rh_target_options *opts,
				    struct rh_target **ret);

/** One segment of an in-memory target (unit tests and fixtures). */
struct rh_memory_segment {
	uint64_t addr;
	const void *data;   /* borrowed: must outlive the target */
	size_t size;
};

/** A target over caller-owned buffers, sorted and checked for overlap. */
struct rh_error *rh_target_open_memory(const struct rh_memory_segment *segs,
				       size_t nsegs, struct rh_target **ret);

/**
 * Resume a live target early (the snapshot is complete). Idempotent; a
 * no-op for cores. rh_target_destroy() resumes as well.
 */
struct rh_error *rh_target_resume(struct rh_target *t);

/** Close the target, resuming a live process. Accepts NULL. */
void rh_target_destroy(struct rh_target *t);

/** What stopping a live target cost; times in ms. */
struct rh_live_stats {
	uint64_t copied;     /* bytes copied while it was stopped */
	uint64_t untouched;  /* bytes of never-touched pages not copied (zeros) */
	double stopped_ms;   /* how long it was stopped (so far, if it still is) */
	double attach_ms;    /* of which: stopping every thread */
	double prepare_ms;   /* maps, registers, auxv, untouched pages checked */
	double copy_ms;      /* copying */
	double resume_ms;    /* detaching every thread */
};

/**
 * A live target we stopped: what the stop cost (see struct rh_live_stats).
 * False for cores, and for a process a debugger holds.
 */
bool rh_target_live_stats(const struct rh_target *t,
			  struct rh_live_stats *ret);

enum rh_target_kind rh_target_kind(const struct rh_target *t);
/** Path of the core, or "pid N". Valid until destroy. */
const char *rh_target_name(const struct rh_target *t);
/** Process id recorded in the core (NT_PRPSINFO/PRSTATUS) or the live pid. */
pid_t rh_target_pid(const struct rh_target *t);

/**
 * Read len bytes at addr into buf. The whole range must be readable:
 * otherwise RH_ERR_FAULT with err->addr = first unreadable address (or
 * RH_ERR_TRUNCATED when the bytes should be in the core but the file is cut
 * short). buf is unspecified on error. addr + len wrapping is a FAULT.
 */
struct rh_error *rh_target_read(struct rh_target *t, uint64_t addr, void *buf,
				size_t len);

/**
 * The len bytes at addr in place, without a copy: a pointer into the
 * mapped core (or a mapped file, or an in-memory target's buffer) when the
 * whole range lies in the direct bytes of one segment, else NULL: a live
 * target, a range across segments or past the bytes a core holds, an
 * unreadable or wrapping range. NULL is no error: rh_target_read() then
 * copies the bytes or says why it cannot. For scans of large ranges (the
 * allocator's pools and blocks), where the copy was most of the cost.
 * Valid until rh_target_destroy(); the bytes are read-only.
 */
const void *rh_target_view(struct rh_target *t, uint64_t addr, size_t len);

/** Typed little-endian reads through rh_target_read(). */
struct rh_error *rh_target_read_u64(struct rh_target *t, uint64_t addr,
				    uint64_t *ret);
struct rh_error *rh_target_read_u32(struct rh_target *t, uint64_t addr,
				    uint32_t *ret);
struct rh_error *rh_target_read_i64(struct rh_target *t, uint64_t addr,
				    int64_t *ret);

/**
 * Read a NUL-terminated string of at most max-1 bytes into buf (size max).
 * Stops at the first NUL or unreadable byte after at least one byte was
 * read; the result is always NUL-terminated. *len_ret gets the length.
 * RH_ERR_FAULT if not even the first byte is readable.
 * *truncated_ret (may be NULL) is set when no NUL was found within max-1
 * bytes (a string of exactly max-1 bytes whose NUL follows is complete), or
 * an unreadable byte stopped the string first.
 */
struct rh_error *rh_target_read_cstr(struct rh_target *t, uint64_t addr,
				     char *buf, size_t max, size_t *len_ret,
				     bool *truncated_ret);

/**
 * Best-effort reads for optional details (a label, a line number): true
 * when the bytes were read, false otherwise, with the error already freed.
 * Use them where a failure only loses that detail, so that no caller of
 * rh_target_read() in a condition can drop its error on the floor.
 */
bool rh_target_peek(struct rh_target *t, uint64_t addr, void *buf, size_t len);
bool rh_target_peek_u64(struct rh_target *t, uint64_t addr, uint64_t *ret);

/** True if [addr, addr+len) is entirely readable (no error allocated). */
bool rh_target_readable(struct rh_target *t, uint64_t addr, size_t len);

/** File-backed mappings, sorted by start. Valid until destroy. */
size_t rh_target_mapping_count(const struct rh_target *t);
const struct rh_mapping *rh_target_mapping(const struct rh_target *t,
					   size_t i);

/** Threads (NT_PRSTATUS order / /proc/PID/task order). */
size_t rh_target_thread_count(const struct rh_target *t);
const struct rh_thread *rh_target_thread(const struct rh_target *t, size_t i);

/** Look up an auxv entry (AT_*). RH_ERR_NOT_FOUND if absent. */
struct rh_error *rh_target_auxv(const struct rh_target *t, uint64_t type,
				uint64_t *ret);

/**
 * Memory segments as the target knows them (for scans of writable data and
 * for diagnostics). Valid until destroy.
 */
struct rh_segment_info {
	uint64_t start;
	uint64_t end;        /* exclusive */
	unsigned prot;       /* RH_PROT_* (from p_flags / maps) */
	bool dumped;         /* bytes are in the core (or live) */
	bool file_backed;    /* undumped bytes served from a mapped file */
};
size_t rh_target_segment_count(const struct rh_target *t);
void rh_target_segment(const struct rh_target *t, size_t i,
		       struct rh_segment_info *ret);

/**
 * Problems found while opening (e.g. a mapped file whose build-id does not
 * match, so its undumped pages will fault), for the front end to show.
 */
const struct rh_problems *rh_target_problems(const struct rh_target *t);

struct rh_prefault;

/**
 * Hand a core's mapping to pf's helper thread, which reads each page once
 * when it has nothing else to do (util/prefault.h: the first read of a
 * page through a fresh mapping is what costs). No-op for other targets.
 * The mapping lives until rh_target_destroy(), which must come after
 * rh_prefault_destroy(pf).
 */
void rh_target_touch_ahead(struct rh_target *t, struct rh_prefault *pf);

/**
 * Make a core's pages present in one call (MADV_POPULATE_READ), before a
 * command reads most of them (a snapshot being built). No-op for other
 * targets, and harmless if it fails.
 */
void rh_target_populate(struct rh_target *t);

/**
 * How a core's mapping is resident now, from /proc/self/smaps: bytes
 * resident, and of them bytes mapped with 2 MiB entries (FilePmdMapped).
 * For --stats; false for other targets, or where smaps does not tell.
 */
bool rh_target_core_mapping(const struct rh_target *t, uint64_t *rss_ret, uint64_t *huge_ret);

/**
 * This process's own resident memory, from /proc/self/status: anonymous
 * (RssAnon: what refheap allocated) and file-backed (RssFile: mapped cores
 * and libraries), in bytes. For --stats; false if unavailable.
 */
bool rh_target_self_memory(uint64_t *anon_ret, uint64_t *file_ret,
			   uint64_t *peak_ret);

/**
 * Whether this process may make `more` mappings beyond those it has
 * (/proc/self/maps against vm.max_map_count): the kernel refuses any past
 * that count, and a mapping replaced in its middle splits in three.
 */
bool rh_target_self_map_room(unsigned more);

/**
 * Start sampling this process's anonymous memory (RssAnon + RssShmem) every
 * 5 ms on a thread of its own, for --stats; once per process.
 */
void rh_target_self_memory_watch(void);

/**
 * The largest sample since rh_target_self_memory_watch(), this moment's
 * included, in bytes; false if the watch never started or /proc is not
 * readable.
 */
bool rh_target_self_anon_peak(uint64_t *ret);

#endif /* RH_TARGET_TARGET_H */
